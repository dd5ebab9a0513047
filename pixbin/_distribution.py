# Licensed under a 3-clause BSD style license - see LICENSE
"""
The distribution that installs pixbin, and the unrelated one that clashes with it.

pixbin is published on the package index as ``astro-pixbin``.  The name
``pixbin`` there belongs to an unrelated project (a client of an image web
service) whose wheel also installs a top-level ``pixbin`` module: with both
installed, one overwrites the files of the other.  `import pixbin` checks
the installed distributions' metadata (one look-up by name, no import) and
warns when that other distribution is present.
"""

import importlib.metadata
import warnings

__all__ = ['DISTRIBUTION', 'foreign_pixbin_distribution', 'warn_if_foreign_pixbin']

#: The name of pixbin on the package index (``pip install astro-pixbin``).
DISTRIBUTION = 'astro-pixbin'

# The command this project installs; a distribution named ``pixbin`` that declares it is an
# install of this project from before its rename, not the unrelated project.
_OUR_SCRIPT = 'pixbin.cli:main'


def foreign_pixbin_distribution():
    """
    The installed distribution named ``pixbin`` that is not this project, or None.

    Returns
    -------
    dist : `importlib.metadata.Distribution` or None
    """
    try:
        dist = importlib.metadata.distribution('pixbin')
    except importlib.metadata.PackageNotFoundError:
        return None
    if any(ep.value == _OUR_SCRIPT for ep in dist.entry_points):
        return None
    return dist


def warn_if_foreign_pixbin():
    """
    Warn if the unrelated ``pixbin`` distribution is installed; return True if so.

    Called once by ``import pixbin``.
    """
    dist = foreign_pixbin_distribution()
    if dist is None:
        return False
    from .exceptions import PixbinWarning
    summary = dist.metadata.get('Summary') or 'an unrelated project'
    warnings.warn(
        f'The distribution "pixbin" {dist.version} ({summary}) is installed next to '
        f'{DISTRIBUTION}. It is not this package, but it installs a top-level "pixbin" module '
        f'too, so one overwrites the files of the other and "import pixbin" may load either. '
        f'Remove both and reinstall this one: python -m pip uninstall pixbin {DISTRIBUTION} '
        f'&& python -m pip install {DISTRIBUTION}', PixbinWarning, stacklevel=2)
    return True
