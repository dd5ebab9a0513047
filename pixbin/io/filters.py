# Licensed under a 3-clause BSD style license - see LICENSE
"""
Effective wavelengths of common broad-band filters, by piXedfit's filter names.

Approximate effective (pivot) wavelengths, enough to place the bands of a cube
on a wavelength axis for plots and spectra.  Unknown names give None.
"""

import astropy.units as u
import numpy as np

__all__ = ['FILTER_WAVELENGTHS', 'band_wavelengths']

#: Effective wavelength in Angstrom of filters named as in piXedfit.
FILTER_WAVELENGTHS = {
    'galex_fuv': 1539.0, 'galex_nuv': 2316.0,
    'sdss_u': 3551.0, 'sdss_g': 4686.0, 'sdss_r': 6166.0, 'sdss_i': 7480.0, 'sdss_z': 8932.0,
    'panstarrs_g': 4810.0, 'panstarrs_r': 6170.0, 'panstarrs_i': 7520.0,
    'panstarrs_z': 8660.0, 'panstarrs_y': 9620.0,
    'decam_g': 4730.0, 'decam_r': 6420.0, 'decam_i': 7840.0, 'decam_z': 9260.0,
    'decam_y': 10090.0,
    '2mass_j': 12350.0, '2mass_h': 16620.0, '2mass_k': 21590.0,
    'wise_w1': 33526.0, 'wise_w2': 46028.0, 'wise_w3': 115608.0, 'wise_w4': 220883.0,
    'spitzer_irac_36': 35500.0, 'spitzer_irac_45': 44930.0, 'spitzer_irac_58': 57310.0,
    'spitzer_irac_80': 78720.0, 'spitzer_mips_24': 235900.0,
    'herschel_pacs_70': 700000.0, 'herschel_pacs_100': 1000000.0,
    'herschel_pacs_160': 1600000.0, 'herschel_spire_250': 2500000.0,
    'herschel_spire_350': 3500000.0, 'herschel_spire_500': 5000000.0,
}


def band_wavelengths(names):
    """
    Effective wavelengths of the filters ``names``, or None if any is unknown.

    Examples
    --------
    >>> from pixbin.io.filters import band_wavelengths
    >>> band_wavelengths(['sdss_g', 'sdss_r'])
    <Quantity [4686., 6166.] Angstrom>
    >>> band_wavelengths(['sdss_g', 'my_filter']) is None
    True
    """
    try:
        return np.array([FILTER_WAVELENGTHS[str(n).lower()] for n in names]) * u.AA
    except KeyError:
        return None
