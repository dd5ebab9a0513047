# Licensed under a 3-clause BSD style license - see LICENSE
"""Bad input to `bin_pixels` gets a clear error that names the argument."""

import re

import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import NDData, StdDevUncertainty, UnknownUncertainty
from numpy.testing import assert_allclose

from pixbin import bin_pixels


def cube(shape=(3, 8, 8), unit='Jy', err=1.0, **kwargs):
    flux = np.full(shape, 5.0)
    return NDData(flux, unit=unit, uncertainty=StdDevUncertainty(np.full(shape, err)), **kwargs)


def with_err(err, shape=(3, 8, 8)):
    return NDData(np.full(shape, 5.0), unit='Jy', uncertainty=StdDevUncertainty(err))


BAD_ERR = np.ones((3, 8, 8))
BAD_ERR[1, 2, 3] = 0.0
NEG_ERR = np.ones((3, 8, 8))
NEG_ERR[0, 0, 0] = -1.0
NAN_ERR = np.ones((3, 8, 8))
NAN_ERR[2, 7, 7] = np.nan
ALL_NAN = cube()
ALL_NAN.data[...] = np.nan


@pytest.mark.parametrize('args, kwargs, error, match', [
    ((np.ones((3, 8, 8)), 5), {}, TypeError, 'cube must be an astropy NDData'),
    ((NDData(np.ones((3, 8, 8)), unit='Jy'), 5), {}, ValueError, 'cube.uncertainty is missing'),
    ((NDData(np.ones((3, 8, 8)), unit='Jy',
             uncertainty=UnknownUncertainty(np.ones((3, 8, 8)))), 5), {}, TypeError,
     'cube.uncertainty must be a StdDevUncertainty'),
    ((with_err(BAD_ERR), 5), {}, ValueError,
     r'cube.uncertainty must be finite and positive .* 1 value\(s\) .* \(1, 2, 3\)'),
    ((with_err(NEG_ERR), 5), {}, ValueError, r'first at index \(0, 0, 0\): -1.0'),
    ((with_err(NAN_ERR), 5), {}, ValueError, r'first at index \(2, 7, 7\): nan'),
    ((with_err(np.ones((3, 8, 7))), 5), {}, ValueError,
     r'cube.uncertainty has shape \(3, 8, 7\), but cube.data has shape \(3, 8, 8\)'),
    ((cube(unit=None), 5), {}, u.UnitsError, 'cube has no unit'),
    ((cube(unit='km/s'), 5), {}, u.UnitsError, 'cube.unit must have a linear flux'),
    ((cube(unit='mag'), 5), {}, u.UnitsError, 'logarithmic unit'),
    ((NDData(np.ones(8), unit='Jy', uncertainty=StdDevUncertainty(np.ones(8))), 5), {},
     ValueError, r'cube must be 3-D \(nbands, ny, nx\) or a 2-D image'),
    ((NDData(np.ones((2, 2, 3, 3)), unit='Jy',
             uncertainty=StdDevUncertainty(np.ones((2, 2, 3, 3)))), 5), {}, ValueError,
     'got 4-D data'),
    ((ALL_NAN, 5), {}, ValueError, 'cube has no valid pixel'),
    ((cube(mask=np.ones((8, 8), bool)), 5), {}, ValueError, 'cube has no valid pixel'),
    ((cube(), 5), {'mask': np.ones((7, 8), bool)}, ValueError,
     r'mask must have shape \(8, 8\) or \(3, 8, 8\), got \(7, 8\)'),
    ((cube(), 5), {'mask': np.ones((8, 8), float)}, TypeError, 'mask must be a boolean array'),
    ((cube(), [5, 5]), {}, ValueError, r'snr must be a scalar or have one value per band \(3\)'),
    ((cube(), [5, -1, 5]), {}, ValueError, r'snr must be finite and >= 0'),
    ((cube(), np.nan), {}, ValueError, r'snr must be finite and >= 0'),
    ((cube(), 'ten'), {}, TypeError, 'snr must be a number or a sequence'),
    ((cube(), {'zz': 3}), {}, ValueError, r"snr names unknown band\(s\) \['zz'\]"),
    ((cube(), 5), {'ref_band': 3}, ValueError,
     r'ref_band must be between 0 and 2 \(there are 3 bands\), got 3'),
    ((cube(), 5), {'ref_band': -1}, ValueError, 'ref_band must be between 0 and 2'),
    ((cube(), 5), {'ref_band': 'sdss_r'}, ValueError, "ref_band 'sdss_r' is not a band name"),
    ((cube(), 5), {'ref_band': 1.5}, TypeError, 'ref_band must be a band index'),
    ((cube(), 5), {'min_diameter': 0}, ValueError, 'min_diameter must be a finite positive'),
    ((cube(), 5), {'min_diameter': np.inf}, ValueError, 'min_diameter must be a finite positive'),
    ((cube(), 5), {'min_diameter': 'big'}, TypeError, 'min_diameter must be a real number'),
    ((cube(), 5), {'min_diameter': 3 * u.arcsec}, ValueError, 'cube has no WCS'),
    ((cube(), 5), {'min_diameter': [1, 2] * u.arcsec}, ValueError,
     r'min_diameter must be one value \(pixels, or an angle\), got \[1. 2.\] arcsec'),
    ((cube(), 5), {'redchi2_limit': np.inf}, ValueError,
     'redchi2_limit must be a finite positive number, got inf'),
    ((cube(), 5), {'redchi2_limit': -2}, ValueError, 'redchi2_limit must be a finite positive'),
    ((cube(), 5), {'redchi2_limit': None}, TypeError, 'redchi2_limit must be a real number'),
    ((cube(), 5), {'sys_err': -0.1}, ValueError, 'sys_err must be a finite non-negative'),
    ((cube(), 5), {'sys_err': 1.4e154}, ValueError,
     'sys_err is a fraction of the flux and must be between 0 and 1, got 1.4e'),
    ((cube(), 5), {'leftovers': 'sweep'}, ValueError, 'leftovers must be one of'),
    ((cube(), 5), {'covariance': -1}, ValueError, 'covariance must be None, a finite alpha'),
    ((cube(), 5), {'covariance': 'yes'}, TypeError, 'covariance must be None'),
    ((cube(), 5), {'band_names': ['a', 'b']}, ValueError,
     'band_names must be a sequence of 3 names'),
    ((cube(), 5), {'band_names': 5}, TypeError,
     r'band_names must be a sequence of 3 names \(one per band\), got 5'),
    ((cube(), 5), {'band_names': ['a', 'a', 'b']}, ValueError, 'band_names must be unique'),
    ((cube(), 5), {'band_wavelengths': [1, 2] * u.um}, ValueError,
     'band_wavelengths must have one value per band'),
    ((cube(), 5), {'band_wavelengths': [1, 2, 3] * u.kg}, u.UnitsError,
     'band_wavelengths must be a wavelength'),
    ((cube(), 5), {'band_wavelengths': [1, -2, 3] * u.um}, ValueError,
     r'band_wavelengths must be finite and positive, got \[ 1. -2.  3.\] um'),
    ((cube(), 5), {'band_wavelengths': [1, np.nan, 3] * u.um}, ValueError,
     'band_wavelengths must be finite and positive'),
    ((cube(), 5), {'progress': 'yes'}, TypeError, 'progress must be True, False or a callable'),
    (([], 5), {}, ValueError, 'cube is an empty sequence'),
    (([cube(shape=(8, 8)), cube(shape=(8, 9))], 5), {}, ValueError,
     r'cube\[1\] has shape \(8, 9\), but cube\[0\] has \(8, 8\)'),
    (([cube(shape=(8, 8)), cube(shape=(8, 8), unit='km/s')], 5), {}, u.UnitsError,
     r'cube\[1\].unit must have a linear flux'),
    (([cube(shape=(8, 8)), cube(shape=(8, 8), unit='ct/s')], 5), {}, u.UnitsError,
     r'cube\[1\] has unit ct / s, which does not convert to the unit of cube\[0\], Jy'),
    (([cube(shape=(8, 8)), np.ones((8, 8))], 5), {}, TypeError, r'cube\[1\] must be an NDData'),
    (([cube(shape=(8, 8)), cube(shape=(8, 8), meta={'band_wavelengths': [1, 2] * u.um})], 5),
     {}, ValueError,
     r"cube\[1\] is an image of one band, but its meta\['band_wavelengths'\] holds 2 values"),
    (([cube(shape=(3, 8, 8))], 5), {}, ValueError, r'cube\[0\] must be a 2-D image'),
])
def test_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        bin_pixels(*args, **kwargs)


def test_images_must_share_their_wcs_too():
    """A list of images on one pixel grid: the same shape, and the same WCS where given."""
    from astropy.wcs import WCS

    def image(crpix, cdelt=0.2):
        w = WCS(naxis=2)
        w.wcs.ctype = ['RA---TAN', 'DEC--TAN']
        w.wcs.crval = [150.0, 2.0]
        w.wcs.crpix = crpix
        w.wcs.cdelt = [-cdelt / 3600, cdelt / 3600]
        return NDData(np.full((20, 20), 5.0), uncertainty=StdDevUncertainty(np.ones((20, 20))),
                      unit='Jy', wcs=w)

    plain = NDData(np.full((20, 20), 5.0), uncertainty=StdDevUncertainty(np.ones((20, 20))),
                   unit='Jy')
    for other, what in [(image([15, 3], cdelt=1.0), 'coarser and shifted'),
                        (image([10.5, 10]), 'half a pixel off')]:
        with pytest.raises(ValueError, match=re.escape(
                'cube[2] has a different WCS from cube[1]: images must share one pixel grid '
                '(use reproject to resample them)')):
            bin_pixels([plain, image([10, 10]), other], 3)
    # the same grid (to 1% of a pixel), and an image without WCS: binned, with the WCS
    bm = bin_pixels([plain, image([10, 10]), image([10.001, 10])], 3)
    assert bm.wcs.wcs.crpix[0] == 10 and bm.nbins > 0
    reference = bin_pixels([image([10, 10])] * 3, 3)
    np.testing.assert_array_equal(bm.labels, reference.labels)


@pytest.mark.parametrize('method', ['complete', 'greedy'])
def test_a_core_wider_than_the_grid_takes_the_grid(method):
    """Any core diameter beyond the grid gives the same bins: no overflow at 1e300."""
    f = np.random.default_rng(0).normal(5, 1, (2, 6, 7))
    c = NDData(f, uncertainty=StdDevUncertainty(np.ones_like(f)), unit='Jy')
    for strict in (False, True):
        wide = bin_pixels(c, 3, min_diameter=20, method=method,
                          strict_min_diameter=strict).labels
        assert wide.max() == (1 if strict else 3)     # strict: one core over the whole grid
        for diameter in (1e20, 1e300):
            np.testing.assert_array_equal(bin_pixels(c, 3, min_diameter=diameter, method=method,
                                                     strict_min_diameter=strict).labels, wide)


def test_invalid_data_do_not_need_valid_uncertainty():
    """Zero or NaN uncertainties are fine where the data are masked or NaN."""
    c = cube()
    c.uncertainty.array[:, 0, 0] = 0.0
    c.uncertainty.array[:, 1, 1] = np.nan
    c.data[:, 1, 1] = np.nan
    bm = bin_pixels(c, 5, mask=np.pad(np.ones((1, 1), bool), ((0, 7), (0, 7))))
    assert bm.labels[0, 0] == 0 and bm.labels[1, 1] == 0
    assert bm.meta['nvalid'] == 62


def test_maggies_are_a_flux_unit():
    """Nanomaggies (SDSS, Legacy Surveys) bin as they are and mix with janskys."""
    bm = bin_pixels(cube(unit='nanomaggy'), 5)
    assert bm.flux.unit == u.nmgy
    assert_allclose(bm.flux.value, np.outer(bm.npix, [5.0, 5.0, 5.0]))
    # a list of images: each converted to the first's unit with the AB zero point
    images = [cube(shape=(8, 8), unit='nmgy'), cube(shape=(8, 8), unit='uJy', err=3.631)]
    images[1].data[...] = 5 * 3.631
    bm = bin_pixels(images, 5)
    assert bm.flux.unit == u.nmgy
    assert_allclose(bm.flux.value, np.outer(bm.npix, [5.0, 5.0]))
    assert_allclose(bm.flux_err.value, np.outer(np.sqrt(bm.npix), [1.0, 1.0]))
    # and the bin SEDs plot in janskys
    ax = bm.plot_sed(1, unit='uJy')
    assert_allclose(ax.containers[0].lines[0].get_ydata(), 5 * 3.631 * bm.npix[0])


@pytest.mark.parametrize('unit', ['DN', 'DN/s', 'adu', 'electron/s', 'nmgy', 'MJy/sr', 'Jy/beam'])
def test_linear_units_of_instruments_are_accepted(unit):
    assert bin_pixels(cube(unit=unit), 5).flux.unit == u.Unit(unit)
