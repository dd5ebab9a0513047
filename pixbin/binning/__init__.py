# Licensed under a 3-clause BSD style license - see LICENSE
"""
Binning algorithms on plain arrays.

`bin_arrays` is the one entry point: fluxes and uncertainties of shape
``(nbands, ny, nx)`` in, labels and per-bin totals out.  `pixbin.bin_pixels`
is the astropy-aware entry point built on it.
"""

from ._api import *  # noqa: F401,F403
from ._api import __all__  # noqa: F401
