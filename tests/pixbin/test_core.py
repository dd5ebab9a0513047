# Licensed under a 3-clause BSD style license - see LICENSE
"""`bin_pixels` on astropy inputs: the contract of the core issue."""

import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import (CCDData, InverseVariance, NDData, NDDataArray, StdDevUncertainty,
                            VarianceUncertainty)
from astropy.wcs import WCS
from pixbin_test_helpers import SNR_7_BANDS
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin import BinMap, PixbinWarning, bin_pixels


def small_cube(shape=(3, 10, 12), seed=0, unit=u.Jy, **kwargs):
    rng = np.random.default_rng(seed)
    flux = rng.gamma(3.0, 2.0, size=shape)
    err = np.full(shape, 1.0)
    return NDData(flux, uncertainty=StdDevUncertainty(err), unit=unit, **kwargs)


def test_contract_example(binned, mock):
    cube, _ = mock
    bm = binned
    assert isinstance(bm, BinMap)
    assert bm.labels.shape == (100, 100) and bm.labels.dtype.kind == 'i'
    assert bm.nbins == bm.labels.max() > 100
    assert_array_equal(np.unique(bm.labels[bm.labels > 0]), np.arange(1, bm.nbins + 1))
    assert bm.wcs is not None and bm.wcs.naxis == 2
    assert bm.flux.shape == bm.flux_err.shape == (bm.nbins, 12)
    assert bm.flux.unit == cube.unit and bm.flux_err.unit == cube.unit
    assert bm.npix.sum() == np.count_nonzero(bm.labels)
    assert bm.band_names == tuple(cube.meta['band_names'])
    assert_allclose(bm.band_wavelengths, cube.meta['band_wavelengths'])
    # every bin reaches S/N 10 in the 7 required bands
    assert np.all(bm.snr[:, :7] >= 10.0)
    assert bm.meta['ref_band'] == 'sdss_r' and bm.meta['snr'] == SNR_7_BANDS


def test_flux_is_the_sum_and_error_the_quadrature_sum(binned, mock):
    cube, _ = mock
    bm = binned
    for i in (1, bm.nbins // 2, bm.nbins):
        sel = bm.labels == i
        assert_allclose(bm.flux[i - 1].value, cube.data[:, sel].sum(axis=1), rtol=1e-12)
        assert_allclose(bm.flux_err[i - 1].value,
                        np.sqrt((cube.uncertainty.array[:, sel] ** 2).sum(axis=1)), rtol=1e-12)
    assert_allclose(bm.mean_flux.value, bm.flux.value / bm.npix[:, None])


def test_ref_band_default_is_highest_total_snr():
    cube = small_cube()
    cube.data[2] *= 3.0          # band 2 has the highest total S/N
    bm = bin_pixels(cube, 5.0)
    assert bm.meta['ref_band'] == 'band2'


def test_ref_band_by_name_and_index_agree(mock):
    cube, _ = mock
    a = bin_pixels(cube, SNR_7_BANDS, ref_band='sdss_g', min_diameter=3)
    b = bin_pixels(cube, SNR_7_BANDS, ref_band=3, min_diameter=3)
    assert_array_equal(a.labels, b.labels)


def test_snr_dict_scalar_and_sequence_agree():
    cube = small_cube(meta={'band_names': ['u', 'g', 'r']})
    a = bin_pixels(cube, {'u': 6.0, 'r': 6.0}, ref_band='g')
    b = bin_pixels(cube, [6.0, 0.0, 6.0], ref_band='g')
    assert_array_equal(a.labels, b.labels)
    c = bin_pixels(cube, 6.0, ref_band='g')
    assert np.all(c.snr >= 6.0) and c.nbins <= a.nbins


def test_band_names_keyword_overrides_meta():
    cube = small_cube(meta={'band_names': ['a', 'b', 'c']})
    bm = bin_pixels(cube, 4.0, band_names=['x', 'y', 'z'], band_wavelengths=[1, 2, 3] * u.um)
    assert bm.band_names == ('x', 'y', 'z')
    assert_allclose(bm.band_wavelengths.to_value(u.um), [1, 2, 3])


def test_single_band_image():
    rng = np.random.default_rng(1)
    image = NDData(rng.normal(4.0, 1.0, (20, 20)), uncertainty=StdDevUncertainty(np.ones((20, 20))),
                   unit='electron/s')
    bm = bin_pixels(image, 12.0)
    assert bm.flux.shape == (bm.nbins, 1)
    assert bm.nbands == 1 and bm.band_names == ('band0',)
    assert np.all(bm.snr >= 12.0)


def test_list_of_images_is_stacked():
    rng = np.random.default_rng(2)
    images = [CCDData(rng.gamma(3, 2, (15, 15)), unit='adu', uncertainty=StdDevUncertainty(
        np.ones((15, 15))), meta={'FILTER': name}) for name in ('g', 'r')]
    images[1] = CCDData(images[1].data / 1000.0, unit='kadu',
                        uncertainty=StdDevUncertainty(np.full((15, 15), 0.001)),
                        meta={'FILTER': 'r'})
    bm = bin_pixels(images, 5.0)
    assert bm.band_names == ('g', 'r')
    assert bm.flux.unit == u.adu
    assert np.all(bm.snr >= 5.0)
    stacked = NDData(np.array([images[0].data, images[1].data * 1000]), unit='adu',
                     uncertainty=StdDevUncertainty(np.ones((2, 15, 15))))
    assert_array_equal(bin_pixels(stacked, 5.0).labels, bm.labels)


@pytest.mark.parametrize('cls', [NDData, NDDataArray])
def test_uncertainty_kinds_are_converted(cls):
    rng = np.random.default_rng(3)
    flux = rng.gamma(3.0, 2.0, (2, 12, 12))
    err = rng.uniform(0.5, 1.5, (2, 12, 12))
    ref = bin_pixels(cls(flux, uncertainty=StdDevUncertainty(err), unit='Jy'), 5.0)
    var = bin_pixels(cls(flux, uncertainty=VarianceUncertainty(err**2), unit='Jy'), 5.0)
    ivar = bin_pixels(cls(flux, uncertainty=InverseVariance(err**-2), unit='Jy'), 5.0)
    for other in (var, ivar):
        assert_array_equal(other.labels, ref.labels)
        assert_allclose(other.flux_err, ref.flux_err, rtol=1e-12)


def test_uncertainty_in_other_unit_is_converted():
    flux = np.full((1, 6, 6), 2000.0)
    cube = NDData(flux, unit='mJy', uncertainty=StdDevUncertainty(np.full((1, 6, 6), 1.0),
                                                                  unit='Jy'))
    bm = bin_pixels(cube, 3.0, min_diameter=1)
    assert_allclose(bm.snr, 2.0 * np.sqrt(bm.npix)[:, None])


def test_masked_nan_and_zero_ivar_pixels_never_enter_a_bin():
    cube = small_cube(shape=(3, 16, 16))
    cube.data[1, 4, 4] = np.nan
    mask = np.zeros((16, 16), bool)
    mask[10:12, 10:12] = True
    ivar = np.ones((3, 16, 16))
    ivar[2, 0, 0] = 0.0
    cube = NDData(cube.data, unit=cube.unit, uncertainty=InverseVariance(ivar),
                  mask=np.broadcast_to(mask, (3, 16, 16)))
    bm = bin_pixels(cube, 5.0, mask=np.pad(np.ones((1, 1), bool), ((15, 0), (15, 0))))
    assert bm.labels[4, 4] == 0 and bm.labels[0, 0] == 0 and bm.labels[15, 15] == 0
    assert np.all(bm.labels[10:12, 10:12] == 0)
    assert np.all(np.isfinite(bm.flux)) and bm.meta['nvalid'] == 256 - 1 - 4 - 1 - 1


def test_negative_fluxes_are_summed_unchanged():
    flux = np.full((2, 1, 8), 4.0)
    flux[:, 0, 3] = -2.0
    cube = NDData(flux, unit='Jy', uncertainty=StdDevUncertainty(np.ones_like(flux)))
    bm = bin_pixels(cube, 3.0, min_diameter=1, leftovers='merge')
    b = bm.labels[0, 3]
    assert b > 0
    assert_allclose(bm.flux[b - 1].value, flux[:, 0][:, bm.labels[0] == b].sum(axis=1))


def test_min_diameter_as_angle(mock):
    cube, _ = mock
    by_pixels = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4)
    by_angle = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=6 * u.arcsec)
    assert_array_equal(by_pixels.labels, by_angle.labels)
    assert by_angle.meta['min_diameter'] == pytest.approx(4.0)


def test_three_dimensional_wcs_gives_celestial_part():
    wcs = WCS(naxis=3)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN', 'WAVE']
    wcs.wcs.crval = [10, 20, 5000]
    wcs.wcs.cdelt = [-1e-4, 1e-4, 1000]
    # (a cube that names its bands; without names it is a spectral cube, see test_windows)
    cube = small_cube(wcs=wcs, meta={'band_names': ['g', 'r', 'i']})
    bm = bin_pixels(cube, 4.0)
    assert bm.wcs.naxis == 2 and bm.wcs.wcs.ctype[0] == 'RA---TAN'
    assert bm.sky_centroid.shape == (bm.nbins,)


def test_covariance_alpha_is_used_and_recorded():
    cube = small_cube(shape=(2, 30, 30), seed=4)
    plain = bin_pixels(cube, 15.0, redchi2_limit=1e6)
    corrected = bin_pixels(cube, 15.0, redchi2_limit=1e6, covariance=1.62)
    assert corrected.nbins < plain.nbins
    eta = 1 + 1.62 * np.log10(corrected.npix)
    assert_allclose(corrected.eta, eta)
    quad = np.array([np.sqrt(np.square(cube.uncertainty.array[:, corrected.labels == i])
                             .sum(axis=1)) for i in corrected.bin_ids])
    assert_allclose(corrected.flux_err.value, quad * eta[:, None])
    assert np.all(corrected.snr >= 15.0)
    assert corrected.covariance == 1.62


def test_covariance_callable():
    cube = small_cube(shape=(2, 20, 20), seed=5)
    bm = bin_pixels(cube, 10.0, covariance=lambda n: np.sqrt(n) ** 0.2)
    assert_allclose(bm.eta, bm.npix ** 0.1)


def test_leftovers_merge_keeps_bins_and_adds_pixels(mock):
    cube, _ = mock
    snr = [5.0] * 7 + [0.0] * 5       # the default leaves 417 pixels out at S/N 5
    kept = bin_pixels(cube, snr, ref_band=4, min_diameter=4)
    merged = bin_pixels(cube, snr, ref_band=4, min_diameter=4, leftovers='merge')
    assert merged.nbins == kept.nbins
    assert np.count_nonzero(merged.labels) > np.count_nonzero(kept.labels)
    inside = kept.labels > 0
    assert_array_equal(merged.labels[inside], kept.labels[inside])
    assert merged.meta['leftovers'] == 'merge'


def test_no_bin_warns_and_returns_empty_binmap():
    cube = small_cube(shape=(2, 5, 5))
    with pytest.warns(PixbinWarning, match='No bin reached the S/N threshold'):
        bm = bin_pixels(cube, 1e4)
    assert bm.nbins == 0 and bm.flux.shape == (0, 2)
    assert np.all(bm.labels == 0)


def test_every_pixel_meets_threshold_gives_one_bin_per_pixel():
    cube = small_cube(shape=(2, 6, 7))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        bm = bin_pixels(cube, 0.5, min_diameter=1)
    assert bm.nbins == 42 and np.all(bm.npix == 1)


def test_progress_true_and_callable(capsys):
    cube = small_cube(shape=(2, 30, 30))
    seen = []
    bin_pixels(cube, 5.0, progress=seen.append)
    assert seen and seen[-1] == 1.0
    bin_pixels(cube, 5.0, progress=True)
    err = capsys.readouterr().err
    assert 'binning: 100%' in err


def test_version_and_public_api():
    assert isinstance(pixbin.__version__, str)
    for name in pixbin.__all__:
        assert hasattr(pixbin, name)
