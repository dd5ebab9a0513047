# Licensed under a 3-clause BSD style license - see LICENSE
'''
pixbin: SED-aware pixel binning of astronomical images and data cubes.

Bins reach a S/N threshold in every band that has one, hold pixels of similar
SED shape, are contiguous, and grow from the brightest pixels first.
'''

from ._package_version import version as __version__  # noqa: F401

# The numba kernels compiled by these imports cache outside the installed package.
from ._numba_cache import package_kernels

with package_kernels():
    from . import binning, datasets, io, metrics  # noqa: F401
    from .batch import bin_many
    from .binmap import BinMap
    from .core import bin_pixels
    from .exceptions import PixbinWarning
    from .io import read_binmap, read_pixedfit
del package_kernels

# The unrelated "pixbin" distribution also installs a top-level pixbin module: say so.
from ._distribution import warn_if_foreign_pixbin  # noqa: E402
warn_if_foreign_pixbin()
del warn_if_foreign_pixbin

__all__ = ['BinMap', 'PixbinWarning', 'bin_many', 'bin_pixels', 'binning', 'datasets', 'io',
           'metrics', 'read_binmap', 'read_pixedfit']
