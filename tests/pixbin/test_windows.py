# Licensed under a 3-clause BSD style license - see LICENSE
"""Spectral cubes binned directly through wavelength windows (``bands=``)."""

import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import NDData, StdDevUncertainty, VarianceUncertainty
from astropy.wcs import WCS
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin import PixbinWarning, bin_pixels
from pixbin._windows import parse_bands_text, spectral_to_windows
from pixbin.cli import main

NWAVE, NY, NX = 200, 20, 20
WAVE = 5000.0 + 2.0 * np.arange(NWAVE)           # channel centres, Angstrom
BANDS = [[5100, 5200], [5200, 5300]] * u.AA      # channels 50..99 and 100..149


def wcs3d():
    wcs = WCS(naxis=3)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN', 'WAVE']
    wcs.wcs.cunit = ['deg', 'deg', 'Angstrom']
    wcs.wcs.crval = [150.0, 2.0, WAVE[0]]
    wcs.wcs.crpix = [10.0, 10.0, 1.0]
    wcs.wcs.cdelt = [-1e-4, 1e-4, 2.0]
    return wcs


def arrays(seed=0):
    """Flux (nwave, ny, nx) brighter in the centre, its 1-sigma noise and a mask."""
    rng = np.random.default_rng(seed)
    y, x = np.indices((NY, NX))
    bright = 20.0 * np.exp(-((x - 9.5) ** 2 + (y - 9.5) ** 2) / 40.0)
    slope = 1.0 + (WAVE - 5000.0)[:, None, None] / 400.0
    std = np.full((NWAVE, NY, NX), 3.0) * (1 + 0.5 * rng.random((NWAVE, NY, NX)))
    flux = bright * slope + rng.normal(size=std.shape) * std
    mask = np.zeros(flux.shape, bool)
    flux[60, 3, 4] = np.nan          # one NaN channel
    mask[70:72, 3, 4] = True         # two masked channels
    mask[100:150, 5, 6] = True       # a pixel with no valid channel in window 2
    return flux, std, mask


def ndcube(seed=0):
    flux, std, mask = arrays(seed)
    return NDData(flux, uncertainty=StdDevUncertainty(std), unit='1e-20 erg/(s cm2 Angstrom)',
                  mask=mask, wcs=wcs3d(), meta={'object': 'test cube'})


def spectrum(axis_last=False, seed=0):
    from specutils import Spectrum
    flux, std, mask = arrays(seed)
    unit = u.Unit('1e-20 erg/(s cm2 Angstrom)')
    if axis_last:   # (y, x, wave) with a spectral axis only
        move = (lambda a: np.moveaxis(a, 0, -1))
        return Spectrum(flux=move(flux) * unit, spectral_axis=WAVE * u.AA,
                        uncertainty=StdDevUncertainty(move(std)), mask=move(mask))
    return Spectrum(flux=flux * unit, wcs=wcs3d(), uncertainty=StdDevUncertainty(std),
                    mask=mask)


def test_window_values_are_channel_means_with_summed_variances():
    flux, std, mask = arrays()
    phot, spec = spectral_to_windows(ndcube(), BANDS)
    assert phot.data.shape == (2, NY, NX)
    assert isinstance(phot.uncertainty, StdDevUncertainty)
    ok = ~mask & np.isfinite(flux)
    for i, (start, stop) in enumerate([(50, 100), (100, 150)]):
        n = ok[start:stop].sum(axis=0)
        total = np.where(ok, flux, 0)[start:stop].sum(axis=0)
        var = np.where(ok, std ** 2, 0)[start:stop].sum(axis=0)
        valid = n > 0
        assert_allclose(phot.data[i][valid], (total / n)[valid], rtol=1e-12)
        assert_allclose(phot.uncertainty.array[i][valid], (np.sqrt(var) / n)[valid],
                        rtol=1e-12)
        # the S/N of a window is that of the summed flux
        assert_allclose((phot.data[i] / phot.uncertainty.array[i])[valid],
                        (total / np.sqrt(var))[valid], rtol=1e-12)
        assert_array_equal(phot.mask[i], ~valid)
    # the NaN and the two masked channels are left out in window 1 only
    assert ok[50:100, 3, 4].sum() == 47 and ok[100:150, 3, 4].sum() == 50
    assert phot.mask[1, 5, 6] and not phot.mask[0, 5, 6] and np.isnan(phot.data[1, 5, 6])
    assert phot.mask.sum() == 1
    assert phot.unit == u.Unit('1e-20 erg/(s cm2 Angstrom)')
    assert phot.meta['band_names'] == ['5100-5200 Angstrom', '5200-5300 Angstrom']
    assert_allclose(phot.meta['band_wavelengths'].to_value(u.AA), [5150, 5250])
    assert phot.meta['band_nchannels'] == [50, 50]
    assert phot.meta['bands_default'] is False and phot.meta['object'] == 'test cube'
    assert phot.wcs.naxis == 2 and phot.wcs.wcs.ctype[0] == 'RA---TAN'
    assert_allclose(phot.wcs.wcs.crval, [150.0, 2.0])


def test_bin_pixels_of_a_spectral_cube_bins_windows_and_sums_spectra():
    cube = ndcube()
    with warnings.catch_warnings():
        warnings.simplefilter('error', PixbinWarning)
        bm = bin_pixels(cube, 8.0, bands=BANDS, min_diameter=1)
    phot, _ = spectral_to_windows(cube, BANDS)
    plain = bin_pixels(phot, 8.0, min_diameter=1)
    assert_array_equal(bm.labels, plain.labels)
    assert 10 < bm.nbins < NY * NX
    assert bm.band_names == ('5100-5200 Angstrom', '5200-5300 Angstrom')
    assert np.all(bm.snr >= 8.0)
    # the pixel without data in window 2 is not binned
    assert bm.labels[5, 6] == 0
    b = bm.labels[10, 10]
    sel = bm.labels == b
    assert_allclose(bm.flux[b - 1].value, phot.data[:, sel].sum(axis=1), rtol=1e-12)
    # every bin has its summed spectrum, in the cube's unit, on the cube's axis
    assert bm.nbins_spec == bm.nbins and bm.spectra.flux.shape == (bm.nbins, NWAVE)
    assert_allclose(bm.spectrum(b).flux.value, np.nansum(cube.data[:, sel], axis=1))
    assert_allclose(bm.spectra.spectral_axis.to_value(u.AA), WAVE)
    assert bm.spectra.flux.unit == cube.unit
    assert bm.meta['bands'] == [[5100.0, 5200.0], [5200.0, 5300.0]]
    assert bm.meta['bands_unit'] == 'Angstrom' and bm.meta['bands_default'] is False
    assert bm.wcs.naxis == 2


def test_spectrum_cubes_in_any_axis_order_give_the_same_bins():
    ref = bin_pixels(ndcube(), 8.0, bands=BANDS, min_diameter=1)
    first = bin_pixels(spectrum(), 8.0, bands=BANDS, min_diameter=1)
    last = bin_pixels(spectrum(axis_last=True), 8.0, bands=BANDS, min_diameter=1)
    assert_array_equal(first.labels, ref.labels)
    assert_array_equal(last.labels, ref.labels)
    assert_allclose(last.flux.value, ref.flux.value, rtol=1e-12)
    assert_allclose(last.spectra.flux.value, ref.spectra.flux.value, rtol=1e-12)


def test_bands_as_spectral_region_micron_frequency_or_text_are_the_same_windows():
    from specutils import SpectralRegion
    ref, _ = spectral_to_windows(ndcube(), BANDS)
    for bands in (SpectralRegion([(5100 * u.AA, 5200 * u.AA), (5200 * u.AA, 5300 * u.AA)]),
                  [[0.51, 0.52], [0.52, 0.53]] * u.um,
                  BANDS.to(u.THz, u.spectral()),
                  '5100-5200,0.52-0.53um',
                  [(5100 * u.AA, 5200 * u.AA), (0.52 * u.um, 0.53 * u.um)]):
        phot, _ = spectral_to_windows(ndcube(), bands)
        assert_allclose(phot.data, ref.data, rtol=1e-12)
        assert phot.meta['band_nchannels'] == [50, 50]
    phot, _ = spectral_to_windows(ndcube(), [[0.51, 0.52], [0.52, 0.53]] * u.um)
    assert phot.meta['band_names'] == ['0.51-0.52 um', '0.52-0.53 um']
    assert_allclose(phot.meta['band_wavelengths'].to_value(u.um), [0.515, 0.525])


def test_bands_text():
    assert_allclose(parse_bands_text('4760-4950, 4950-5150').to_value(u.AA),
                    [[4760, 4950], [4950, 5150]])
    assert_allclose(parse_bands_text('4.76e-7-4.95e-7m').to_value(u.AA), [[4760, 4950]])
    with pytest.raises(ValueError, match="bands: '4760' is not a window LOW-HIGH"):
        parse_bands_text('4760-4950,4760')
    with pytest.raises(u.UnitsError, match='must be in a wavelength, frequency or energy'):
        parse_bands_text('1-2kg')


@pytest.mark.parametrize('bands, error, message', [
    ([[4900, 5100]] * u.AA, ValueError,
     r'bands\[0\] \(4900-5100 Angstrom\) is outside the spectral range of the cube '
     r'\(4999-5399 Angstrom\)'),
    ([[5100, 5200], [5300, 5500]] * u.AA, ValueError, r'bands\[1\] .* is outside'),
    ([[5200, 5200]] * u.AA, ValueError, r'bands\[0\] \(5200-5200 Angstrom\) is empty'),
    ([[5100.5, 5101.5]] * u.AA, ValueError, r'bands\[0\] .* holds no channel'),
    ([5100, 5200, 5300] * u.AA, ValueError, r'bands must have shape \(n, 2\)'),
    ([[5100, 5200]] * u.s, u.UnitsError, 'bands must be in a wavelength, frequency or energy'),
    ([[5100, 5200]], TypeError, 'bands must be a Quantity of shape .* list of numbers without '
                                'a unit'),
    ('abc', ValueError, "bands: 'abc' is not a window LOW-HIGH"),
    (object(), TypeError, 'bands must be a Quantity of shape .* got object$'),
])
def test_bad_bands_name_bands(bands, error, message):
    with pytest.raises(error, match=message):
        bin_pixels(ndcube(), 8.0, bands=bands)


def test_other_errors():
    with pytest.raises(ValueError, match='spectra must not be given with a spectral cube'):
        bin_pixels(ndcube(), 8.0, bands=BANDS, spectra=spectrum())
    cube = ndcube()
    no_noise = NDData(cube.data, unit=cube.unit, wcs=cube.wcs)
    with pytest.raises(ValueError, match='cube.uncertainty is missing'):
        bin_pixels(no_noise, 8.0, bands=BANDS)
    photometric = NDData(np.ones((3, 4, 4)), uncertainty=StdDevUncertainty(np.ones((3, 4, 4))),
                         unit='Jy')
    with pytest.raises(TypeError, match='bands needs a spectral cube'):
        bin_pixels(photometric, 8.0, bands=BANDS)
    with pytest.raises(TypeError, match='bands needs a spectral cube'):
        bin_pixels(photometric, 8.0, bands=BANDS, spectra=spectrum())
    wave_first = WCS(naxis=3)
    wave_first.wcs.ctype = ['WAVE', 'RA---TAN', 'DEC--TAN']
    wave_first.wcs.cdelt = [2e-10, -1e-4, 1e-4]
    wave_first.wcs.crval = [5e-7, 150.0, 2.0]
    flux = np.ones((NY, NX, NWAVE))
    with pytest.raises(ValueError, match='must have its spectral axis first'):
        bin_pixels(NDData(flux, unit='Jy', uncertainty=StdDevUncertainty(flux),
                          wcs=wave_first), 8.0, bands=BANDS)


def test_variance_uncertainty_and_extra_masks():
    flux, std, mask = arrays()
    cube = NDData(flux, uncertainty=VarianceUncertainty(std ** 2), unit='Jy', mask=mask,
                  wcs=wcs3d())
    ref, _ = spectral_to_windows(ndcube(), BANDS)
    phot, _ = spectral_to_windows(cube, BANDS)
    assert_allclose(phot.uncertainty.array, ref.uncertainty.array, rtol=1e-12)
    # a (nwave, ny, nx) mask is folded into the channel mask, a (ny, nx) one masks pixels
    extra = np.zeros(flux.shape, bool)
    extra[50:100, 0, 0] = True
    options = dict(min_diameter=1, leftovers='merge', redchi2_limit=1e6)
    masked = bin_pixels(cube, 3.0, bands=BANDS, mask=extra, **options)
    assert masked.labels[0, 0] == 0
    spatial = np.zeros((NY, NX), bool)
    spatial[1, 1] = True
    plain = bin_pixels(cube, 3.0, bands=BANDS, **options)
    assert plain.labels[1, 1] > 0 and plain.labels[0, 0] > 0
    assert bin_pixels(cube, 3.0, bands=BANDS, mask=spatial, **options).labels[1, 1] == 0


def test_default_windows_are_four_equal_windows_over_the_valid_range_with_a_warning():
    flux, std, mask = arrays()
    flux[:20] = np.nan                       # channels 0..19 have no data anywhere
    cube = NDData(flux, uncertainty=StdDevUncertainty(std), unit='Jy', mask=mask, wcs=wcs3d())
    with pytest.warns(PixbinWarning, match='spectral cube and no bands were given: binned '
                                           'in 4 windows'):
        bm = bin_pixels(cube, 8.0, min_diameter=1)
    # 180 valid channels (5040..5398 A) in 4 windows of 45, edges between channels
    assert bm.band_names == ('5039-5129 Angstrom', '5129-5219 Angstrom', '5219-5309 Angstrom',
                             '5309-5399 Angstrom')
    assert bm.meta['bands_default'] is True
    assert bm.spectra.flux.shape[1] == NWAVE       # never thousands of bands
    phot, _ = spectral_to_windows(cube, [[5039, 5129]] * u.AA)
    assert phot.meta['band_nchannels'] == [45]


def test_a_photometric_cube_with_a_spectral_wcs_axis_keeps_its_bands_when_named():
    wcs = wcs3d()
    flux = np.random.default_rng(2).gamma(3.0, 2.0, size=(3, 10, 12))
    named = NDData(flux, uncertainty=StdDevUncertainty(np.ones(flux.shape)), unit='Jy',
                   wcs=wcs, meta={'band_names': ['g', 'r', 'i']})
    assert bin_pixels(named, 4.0).band_names == ('g', 'r', 'i')
    unnamed = NDData(flux, uncertainty=StdDevUncertainty(np.ones(flux.shape)), unit='Jy',
                     wcs=wcs)
    assert bin_pixels(unnamed, 4.0, band_names=['g', 'r', 'i']).nbands == 3
    # without names it is a spectral cube of 3 channels: 3 windows of one channel
    with pytest.warns(PixbinWarning, match='3 windows'):
        bm = bin_pixels(unnamed, 4.0)
    assert bm.band_names == ('4999-5001 Angstrom', '5001-5003 Angstrom', '5003-5005 Angstrom')
    assert bm.spectra is not None


# -- the command line -------------------------------------------------------------------

@pytest.fixture
def cube_file(tmp_path):
    """A generic FITS spectral cube: FLUX with a 3-D WCS, ERR, MASK."""
    flux, std, mask = arrays()
    header = wcs3d().to_header()
    header['BUNIT'] = '1e-20 erg/(s cm2 Angstrom)'
    path = tmp_path / 'ifu.fits'
    fits.HDUList([fits.PrimaryHDU(),
                  fits.ImageHDU(flux.astype(np.float32), header=header, name='FLUX'),
                  fits.ImageHDU(std.astype(np.float32), name='ERR'),
                  fits.ImageHDU(mask.astype(np.uint8), name='MASK')]).writeto(path)
    return path


def test_cli_bins_a_spectral_cube_file_with_bands(cube_file, tmp_path, capsys):
    out = tmp_path / 'bins.fits'
    assert main(['bin', str(cube_file), '--snr', '8', '--bands', '5100-5200,5200-5300',
                 '--min-diameter', '1', '-o', str(out), '--no-progress']) == 0
    text = capsys.readouterr().out
    bm = pixbin.read_binmap(out)
    assert f'{bm.nbins} bins, {bm.nbins} with spectra' in text
    assert bm.band_names == ('5100-5200 Angstrom', '5200-5300 Angstrom')
    assert bm.spectra.flux.shape == (bm.nbins, NWAVE)
    with fits.open(cube_file) as hdul:
        cube = NDData(hdul['FLUX'].data.astype(float), unit=hdul['FLUX'].header['BUNIT'],
                      uncertainty=StdDevUncertainty(hdul['ERR'].data.astype(float)),
                      mask=hdul['MASK'].data != 0, wcs=WCS(hdul['FLUX'].header))
    expected = bin_pixels(cube, 8.0, bands=BANDS, min_diameter=1)
    assert_array_equal(bm.labels, expected.labels)
    # the same windows in micron
    out2 = tmp_path / 'bins2.fits'
    assert main(['bin', str(cube_file), '--snr', '8', '--bands', '0.51-0.52um,0.52-0.53um',
                 '--min-diameter', '1', '-o', str(out2), '--no-progress']) == 0
    assert_array_equal(pixbin.read_binmap(out2).labels, expected.labels)


def test_cli_bad_bands(cube_file, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(['bin', str(cube_file), '--snr', '8', '--bands', '5100', '-o',
              str(tmp_path / 'x.fits')])
    assert info.value.code == 2
    assert "'5100' is not a window LOW-HIGH" in capsys.readouterr().err
    assert main(['bin', str(cube_file), '--snr', '8', '--bands', '6000-6100', '-o',
                 str(tmp_path / 'x.fits')]) == 2
    err = capsys.readouterr().err
    assert 'bands[0] (6000-6100 Angstrom) is outside the spectral range' in err
    assert not (tmp_path / 'x.fits').exists()


def test_cli_bands_with_a_photometric_cube_is_a_user_error(tmp_path, capsys):
    from pixbin_test_helpers import write_cube_fits
    path = write_cube_fits(pixbin.datasets.make_mock_galaxy(shape=(20, 20)),
                           tmp_path / 'phot.fits')
    assert main(['bin', str(path), '--snr', '8', '--bands', '5100-5200', '-o',
                 str(tmp_path / 'x.fits')]) == 2
    err = capsys.readouterr().err
    assert 'bands needs a spectral cube' in err and err.count('\n') == 1


def test_batch_bins_spectral_cubes_through_windows_from_a_config(cube_file, tmp_path):
    from pixbin.batch import bin_many, read_config
    config = tmp_path / 'params.toml'
    config.write_text('snr = 8\nmin_diameter = 1\nbands = "5100-5200,0.52-0.53um"\n')
    options = read_config(config)
    table = bin_many([cube_file], tmp_path / 'out', scheduler='serial', progress=False,
                     **options)
    assert list(table['status']) == ['done']
    bm = pixbin.read_binmap(table['output'][0])
    assert bm.band_names == ('5100-5200 Angstrom', '5200-5300 Angstrom')   # text: Angstrom
    assert table['nbins_spec'][0] == bm.nbins > 0
    # without bands: the default windows, never one band per channel
    with pytest.warns(PixbinWarning, match='no bands were given'):
        table = bin_many([cube_file], tmp_path / 'out2', scheduler='serial', progress=False,
                         snr=8, min_diameter=1)
    assert pixbin.read_binmap(table['output'][0]).nbands == 4
