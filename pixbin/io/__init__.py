# Licensed under a 3-clause BSD style license - see LICENSE
"""
FITS input and output: bin-map files (piXedfit-compatible), and the inputs
read by `read_input`: piXedfit flux-map cubes, the layouts of MaNGA, MUSE,
JWST, HST and CALIFA, and plain FITS cubes and images.
"""

from .binmap_fits import is_binmap_file, read_binmap, write_binmap
from .cube import read_cube, read_input
from .pixedfit import read_pixedfit
from . import registry  # noqa: F401,E402 (registers the BinMap formats: BinMap.read/write)

__all__ = ['is_binmap_file', 'read_binmap', 'read_cube', 'read_input', 'read_pixedfit',
           'write_binmap']
