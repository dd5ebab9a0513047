# Licensed under a 3-clause BSD style license - see LICENSE
"""
Binning algorithms on plain arrays.

Each algorithm takes fluxes and variances of shape ``(nbands, ny, nx)`` and
returns a label image.  `pixbin.bin_pixels` is the astropy-aware entry point.
"""

from ._greedy import *  # noqa: F401,F403
from ._greedy import __all__  # noqa: F401
