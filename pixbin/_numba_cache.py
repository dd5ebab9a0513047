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
"""

import contextlib
import os

__all__ = ['kernel_cache_dir', 'package_kernels']


def kernel_cache_dir():
    """The folder for pixbin's numba caches, or None if there is none to use."""
    try:
        from astropy.config import get_cache_dir
        return os.path.join(get_cache_dir(), 'pixbin', 'numba')
    except OSError:  # pragma: no cover - no writable home: numba's own default
        return None


@contextlib.contextmanager
def package_kernels():
    """Cache the numba functions decorated in this block outside the package."""
    from numba.core import config
    previous = config.CACHE_DIR
    folder = None if previous else kernel_cache_dir()
    if folder:
        config.CACHE_DIR = folder
    try:
        yield folder or previous
    finally:
        config.CACHE_DIR = previous
