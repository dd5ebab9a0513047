# Licensed under a 3-clause BSD style license - see LICENSE
"""
Where numba keeps the compiled kernels of pixbin: outside the installed package.

By default numba writes the cache of a ``cache=True`` function into the
``__pycache__`` folder next to its source, that is, into the installed
package.  pip does not know these files, so uninstalling pixbin leaves a
``pixbin/`` folder without ``__init__.py`` in ``site-packages``; Python then
takes that folder for a namespace package, which hides an editable install
made afterwards (the README's two set-up commands in one environment did
exactly that, and the ``pixbin`` command then failed).

`package_kernels` is wrapped around the imports of ``import pixbin``: the
kernels decorated meanwhile cache into ``<astropy cache>/pixbin/numba``
unless the user chose a folder with ``NUMBA_CACHE_DIR``.  numba fixes the
folder of each function when it is decorated, so the setting is restored
afterwards and other packages' numba caches are not affected.

numba checks that a cached kernel is current against the file that defines
it, not against the files of the functions it calls and inlines (numba issue
#1833).  A kernel of ``binning/_relax.py`` that inlines the shape test of
``binning/_greedy_kernel.py`` would keep running the old test after that file
alone changed (an edit, or a ``git pull`` in an editable install).  So the
folder is named after a digest of all of pixbin's sources: any change of any
module gives a fresh cache.
"""

import contextlib
import hashlib
import os
from pathlib import Path

__all__ = ['kernel_cache_dir', 'package_kernels', 'sources_digest']

#: The folder of pixbin's own sources.
PACKAGE = Path(__file__).resolve().parent


def sources_digest(package=PACKAGE):
    """
    A short digest of the names and contents of the ``.py`` files under ``package``.

    Reading pixbin's sources takes about a millisecond.
    """
    package = Path(package)
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(package.rglob('*.py')):
        digest.update(path.relative_to(package).as_posix().encode() + b'\0')
        digest.update(path.read_bytes() + b'\0')
    return digest.hexdigest()[:16]


def kernel_cache_dir(package=PACKAGE, root=None):
    """
    The folder for the numba caches of ``package`` (pixbin), or None if there is none to use.

    ``<root>/pixbin/numba/<sources_digest(package)>``, where ``root`` is by
    default astropy's cache folder.
    """
    try:
        if root is None:
            from astropy.config import get_cache_dir
            root = get_cache_dir()
        return os.path.join(root, 'pixbin', 'numba', sources_digest(package))
    except OSError:  # pragma: no cover - no writable home, unreadable sources: numba's default
        return None


@contextlib.contextmanager
def package_kernels(package=PACKAGE, root=None):
    """
    Cache the numba functions decorated in this block in `kernel_cache_dir`.

    A folder that the user chose with ``NUMBA_CACHE_DIR`` is kept as it is.
    """
    from numba.core import config
    previous = config.CACHE_DIR
    folder = None if previous else kernel_cache_dir(package, root)
    if folder:
        config.CACHE_DIR = folder
    try:
        yield folder or previous
    finally:
        config.CACHE_DIR = previous
