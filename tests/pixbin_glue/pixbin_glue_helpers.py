# Licensed under a 3-clause BSD style license - see LICENSE
"""Helpers of the glue plugin tests (glue is imported inside the functions)."""

import numpy as np
from astropy.wcs import WCS

__all__ = ['BIN_KW', 'SNR', 'glue_cube', 'inner_pixel', 'other_grid', 'wcs3d', 'write_image']

SNR = [10.0] * 7 + [0.0] * 5
BIN_KW = dict(ref_band='sdss_r', min_diameter=3, redchi2_limit=4.0)


def wcs3d(celestial):
    """A 3-D WCS: the celestial WCS of a cube plus a linear band axis."""
    wcs = WCS(naxis=3)
    wcs.wcs.ctype = list(celestial.wcs.ctype) + ['BAND']
    wcs.wcs.cunit = list(celestial.wcs.cunit) + ['']
    wcs.wcs.crpix = list(celestial.wcs.crpix) + [1.0]
    wcs.wcs.crval = list(celestial.wcs.crval) + [0.0]
    wcs.wcs.cdelt = list(celestial.wcs.cdelt) + [1.0]
    wcs.wcs.set()
    return wcs


def glue_cube(cube, label='cube', flux='FLUX', err='FLUX_ERR', err_values=None, wcs=True,
              units=True):
    """A glue Data of a pixbin NDData cube, as glue reads a FITS cube."""
    from glue.core import Component, Data
    data = Data(label=label, coords=wcs3d(cube.wcs) if wcs else None)
    data.add_component(Component(np.array(cube.data),
                                 units=cube.unit.to_string() if units else None), flux)
    values = cube.uncertainty.array if err_values is None else err_values
    data.add_component(Component(np.array(values)), err)
    data.meta['band_names'] = list(cube.meta['band_names'])
    # numbers and a unit (a Quantity works too, but glue cannot save it in a session)
    data.meta['band_wavelengths'] = cube.meta['band_wavelengths'].value.tolist()
    data.meta['band_wavelength_unit'] = cube.meta['band_wavelengths'].unit.to_string()
    return data


def inner_pixel(labels):
    """
    (row, column) of a pixel deep inside the largest bin, whose 8 neighbours
    are in the same bin: a click there cannot land in another bin.
    """
    from scipy import ndimage
    npix = np.bincount(labels.ravel())
    npix[0] = 0
    inside = ndimage.binary_erosion(labels == np.argmax(npix), np.ones((3, 3), bool))
    row, column = np.argwhere(inside)[0]
    return int(row), int(column)


def other_grid(celestial, angle=30.0, scale=1.5, crpix=(20.0, 20.0)):
    """
    The celestial WCS of another instrument's grid over the same field: rotated
    by ``angle`` degrees, pixels ``scale`` times larger, another reference pixel.
    """
    a = np.radians(angle)
    rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = list(celestial.wcs.ctype)
    wcs.wcs.cunit = list(celestial.wcs.cunit)
    wcs.wcs.crval = list(celestial.wcs.crval)
    wcs.wcs.cd = scale * rotation @ celestial.pixel_scale_matrix
    wcs.wcs.crpix = list(crpix)
    wcs.wcs.set()
    return wcs


def write_image(path, wcs, shape, seed=0):
    """Write a one-HDU FITS image on ``wcs`` (random values), as another instrument's file."""
    from astropy.io import fits
    values = np.random.default_rng(seed).normal(1.0, 0.1, shape)
    fits.PrimaryHDU(values, header=wcs.to_header()).writeto(path)
    return path
