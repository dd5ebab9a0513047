# Licensed under a 3-clause BSD style license - see LICENSE
"""Names shared by the modules of the glue plugin (no glue import)."""

__all__ = ['BIN_COMPONENT', 'CELESTIAL_WCS_KEY']

#: Label of the component that holds the bin number of every pixel.
BIN_COMPONENT = 'bin'

#: Key of ``data.meta`` that holds, as a FITS header string, the celestial WCS of
#: a spectral cube whose glue coordinates have none (wavelengths from CRVAL3 and
#: CDELT3, or from a WAVE extension: CALIFA, MaNGA); glue saves strings in sessions.
CELESTIAL_WCS_KEY = 'pixbin_celestial_wcs'
