# Licensed under a 3-clause BSD style license - see LICENSE
"""Plain FITS cubes and images as input."""

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import CCDData, StdDevUncertainty
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin_test_helpers import write_cube_fits
from pixbin import bin_pixels
from pixbin.io import read_cube
from pixbin.io.filters import band_wavelengths


def test_cube_with_sci_and_ivar(tmp_path):
    mock = pixbin.datasets.make_mock_galaxy(shape=(30, 30))
    write_cube_fits(mock, tmp_path / 'cube.fits', 'IVAR', lambda err: err**-2)
    cube = read_cube(tmp_path / 'cube.fits')
    assert cube.unit == mock.unit and cube.wcs.has_celestial
    assert cube.meta['band_names'] == mock.meta['band_names']
    # the pivots of the filter table for these names, within 1% of the mock's own
    assert_array_equal(cube.meta['band_wavelengths'], band_wavelengths(mock.meta['band_names']))
    assert_allclose(cube.meta['band_wavelengths'], mock.meta['band_wavelengths'], rtol=0.01)
    direct = bin_pixels(mock, 8.0, ref_band=4)
    from_file = bin_pixels(tmp_path / 'cube.fits', 8.0, ref_band=4)
    assert_array_equal(direct.labels, from_file.labels)
    assert_allclose(direct.flux_err, from_file.flux_err, rtol=1e-12)


def test_ccddata_images_as_files(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for name in ('g', 'r'):
        image = CCDData(rng.gamma(3, 2, (20, 20)), unit='electron/s',
                        uncertainty=StdDevUncertainty(np.ones((20, 20))),
                        meta={'FILTER': name})
        image.write(tmp_path / f'{name}.fits')
        paths.append(tmp_path / f'{name}.fits')
    bm = bin_pixels(paths, 6.0)
    assert bm.band_names == ('g', 'r') and bm.flux.unit == u.electron / u.s
    assert np.all(bm.snr >= 6.0)


def test_variance_and_mask_extensions(tmp_path):
    data = np.full((2, 6, 6), 4.0)
    mask = np.zeros((6, 6), np.uint8)
    mask[0, 0] = 1
    hdr = fits.Header({'BUNIT': 'Jy'})
    fits.HDUList([fits.PrimaryHDU(data, header=hdr), fits.ImageHDU(np.full_like(data, 4.0),
                                                                   name='VAR'),
                  fits.ImageHDU(mask, name='DQ')]).writeto(tmp_path / 'v.fits')
    cube = read_cube(tmp_path / 'v.fits')
    assert_allclose(pixbin.bin_pixels(cube, 2.0, min_diameter=1).flux_err.value, 2.0)
    assert cube.mask[0, 0] and not cube.mask[1, 1]


@pytest.mark.parametrize('hdus, error, match', [
    ([fits.PrimaryHDU(np.ones((4, 4))), fits.ImageHDU(np.ones((4, 4)), name='ERR')],
     u.UnitsError, 'has no BUNIT keyword'),
    ([fits.PrimaryHDU(np.ones((4, 4)))], ValueError,
     r'has no uncertainty extension .* matches no known layout'),
    ([fits.PrimaryHDU(np.ones((4, 4)), header=fits.Header({'BUNIT': 'Jy'}))], ValueError,
     'has no uncertainty extension'),
    ([fits.PrimaryHDU(np.ones((4, 4)), header=fits.Header({'BUNIT': 'furlongs'})),
      fits.ImageHDU(np.ones((4, 4)), name='ERR')], u.UnitsError, "BUNIT 'furlongs' is not"),
    ([fits.PrimaryHDU()], ValueError, 'has no image data'),
    # a BANDS table that does not name every band, or whose wavelengths have no unit
    ([fits.PrimaryHDU(np.ones((2, 4, 4)), header=fits.Header({'BUNIT': 'Jy'})),
      fits.ImageHDU(np.ones((2, 4, 4)), name='ERR'),
      fits.BinTableHDU.from_columns([fits.Column('BAND', 'A5', array=['g', 'r'])],
                                    name='BANDS')], ValueError,
     r"bad.fits: the BANDS table must have a NAME column and one row per band \(2\), got "
     r"columns \['BAND'\] and 2 row\(s\)"),
    ([fits.PrimaryHDU(np.ones((2, 4, 4)), header=fits.Header({'BUNIT': 'Jy'})),
      fits.ImageHDU(np.ones((2, 4, 4)), name='ERR'),
      fits.BinTableHDU.from_columns([fits.Column('NAME', 'A5', array=['g', 'r']),
                                     fits.Column('WAVELENGTH', 'D', array=[4700., 6200.])],
                                    name='BANDS')], u.UnitsError,
     'bad.fits: the WAVELENGTH column of BANDS must have a wavelength, frequency or energy '
     'unit, got none'),
    # an unsigned integer extension (stored with BZERO, which astropy cannot memory-map)
    ([fits.PrimaryHDU(), fits.ImageHDU(np.ones((4, 4)), fits.Header({'BUNIT': 'Jy'}),
                                       name='SCI'),
      fits.ImageHDU(np.zeros((4, 4), np.uint32), name='DQ')], ValueError,
     r'bad.fits has no uncertainty extension .* Extensions found: PRIMARY \(no data\); SCI '
     r'\(image 4x4\); DQ \(image 4x4\)'),
    ([fits.PrimaryHDU(np.ones(4), header=fits.Header({'BUNIT': 'Jy'})),
      fits.ImageHDU(np.ones(4), name='ERR')], ValueError,
     r'must be an image \(ny, nx\) or a cube'),
])
def test_bad_files(tmp_path, hdus, error, match):
    fits.HDUList(hdus).writeto(tmp_path / 'bad.fits')
    with pytest.raises(error, match=match):
        read_cube(tmp_path / 'bad.fits')
