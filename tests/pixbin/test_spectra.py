# Licensed under a 3-clause BSD style license - see LICENSE
"""Spectrophotometric binning: spectra follow the photometric bins inside the IFU."""

import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import NDData, StdDevUncertainty
from pixbin_test_helpers import SNR_7_BANDS
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin import bin_pixels
from pixbin.datasets import component_sed, make_mock_galaxy, make_mock_ifu

SHAPE = (60, 60)


@pytest.fixture(scope='module')
def data():
    cube, truth = make_mock_galaxy(shape=SHAPE, return_truth=True)
    spectra, footprint = make_mock_ifu(shape=SHAPE)
    return cube, truth, spectra, footprint


@pytest.fixture(scope='module')
def bm(data):
    cube, _, spectra, footprint = data
    return bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=spectra,
                      spec_region=footprint)


def test_photometry_first_then_spectra_with_the_same_map(data, bm):
    cube, _, spectra, footprint = data
    plain = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4)
    assert_array_equal(bm.labels, plain.labels)
    inside = bm.spec_labels > 0
    assert_array_equal(bm.spec_labels[inside], bm.labels[inside])
    # piXedfit's rule: a bin has a spectrum iff all its pixels are in the footprint
    for b in range(1, bm.nbins + 1):
        pixels = bm.labels == b
        assert (b in bm.spec_bin_ids) == bool(np.all(footprint[pixels]))
    assert bm.spectra.flux.shape == (bm.nbins_spec, 1800)
    assert 0 < bm.nbins_spec < bm.nbins
    # each spectrum is the sum of its spaxels, the error their quadrature sum
    b = bm.spec_bin_ids[5]
    sel = bm.labels == b
    spec = bm.spectrum(b)
    assert_allclose(spec.flux.value, spectra.flux.value[:, sel].sum(axis=1))
    assert_allclose(spec.uncertainty.array,
                    np.sqrt((spectra.uncertainty.array[:, sel] ** 2).sum(axis=1)))
    assert spec.flux.unit == spectra.flux.unit
    assert_allclose(spec.spectral_axis.to_value(u.AA), np.arange(3600, 9000, 3.0))
    assert not spec.mask.any()
    with pytest.raises(ValueError, match='has no spectrum'):
        bm.spectrum(int(np.setdiff1d(bm.bin_ids, bm.spec_bin_ids)[0]))


def test_mostly_inside_rule(data):
    cube, _, spectra, footprint = data
    half = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=spectra,
                      spec_region=footprint, spec_min_fraction=0.5)
    full = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=spectra,
                      spec_region=footprint)
    assert half.nbins_spec > full.nbins_spec
    for b in half.spec_bin_ids:
        pixels = half.labels == b
        assert footprint[pixels].mean() >= 0.5
        # the spectrum sums the bin's pixels inside the footprint only
        used = half.spec_labels == b
        assert_array_equal(used, pixels & footprint)
    assert half.meta['spec_min_fraction'] == 0.5


def test_default_footprint_and_region_footprint(data, bm):
    cube, _, spectra, footprint = data
    default = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=spectra)
    assert_array_equal(default.spec_region, footprint)
    assert_array_equal(default.spec_labels, bm.spec_labels)
    from regions import CirclePixelRegion, PixCoord
    circle = CirclePixelRegion(PixCoord(29.5, 29.5), radius=10)
    by_region = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=spectra,
                           spec_region=circle.to_sky(cube.wcs))
    y, x = np.indices(SHAPE)
    assert_array_equal(by_region.spec_region, np.hypot(x - 29.5, y - 29.5) < 10)
    assert 0 < by_region.nbins_spec < bm.nbins_spec


def test_masked_wavelengths_are_left_out_and_flagged(data):
    cube, _, spectra, footprint = data
    from specutils import Spectrum
    mask = np.array(spectra.mask)
    centre = (30, 30)
    mask[100:110, centre[0], centre[1]] = True
    masked = Spectrum(flux=spectra.flux, wcs=spectra.wcs, uncertainty=spectra.uncertainty,
                      mask=mask)
    bm = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=masked,
                    spec_region=footprint)
    b = bm.spec_labels[centre]
    spec = bm.spectrum(b)
    assert spec.mask[100:110].all() and not spec.mask[:100].any()
    sel = bm.labels == b
    expected = np.where(mask[:, sel], 0, spectra.flux.value[:, sel]).sum(axis=1)
    assert_allclose(spec.flux.value, expected)


def test_ndddata_cube_with_spectral_wcs(data, bm):
    cube, _, spectra, footprint = data
    nd = NDData(spectra.flux.value, unit=spectra.flux.unit, wcs=spectra.wcs,
                uncertainty=StdDevUncertainty(spectra.uncertainty.array), mask=spectra.mask)
    other = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=nd,
                       spec_region=footprint)
    assert_allclose(other.spectra.flux, bm.spectra.flux)
    assert_allclose(other.spectra.spectral_axis.to(u.AA), bm.spectra.spectral_axis.to(u.AA))


def test_dask_spectra_read_chunk_by_chunk(data, bm):
    """An NDData on dask arrays is summed a range of wavelengths at a time, never whole."""
    da = pytest.importorskip('dask.array')
    cube, _, spectra, footprint = data
    computed = []

    def record(block, block_info=None):
        computed.append(block.shape[0])
        return block

    flux = da.from_array(spectra.flux.value, chunks=(100, -1, -1)).map_blocks(record)
    err = da.from_array(spectra.uncertainty.array, chunks=(100, -1, -1))
    nd = NDData(flux, unit=spectra.flux.unit, wcs=spectra.wcs,
                uncertainty=StdDevUncertainty(err), mask=spectra.mask)
    other = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=nd,
                       spec_region=footprint)
    assert_allclose(other.spectra.flux, bm.spectra.flux)
    assert_allclose(other.spectra.uncertainty.array, bm.spectra.uncertainty.array)
    assert computed and max(computed) <= 100 and sum(computed) >= spectra.flux.shape[0]


def test_covariance_applies_to_spectra(data, bm):
    cube, _, spectra, footprint = data
    corrected = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=spectra,
                           spec_region=footprint, covariance=1.0)
    b = corrected.spec_bin_ids[0]
    n = np.count_nonzero(corrected.spec_labels == b)
    sel = corrected.labels == b
    quad = np.sqrt((spectra.uncertainty.array[:, sel] ** 2).sum(axis=1))
    assert_allclose(corrected.spectrum(b).uncertainty.array, quad * (1 + np.log10(n)))


def _line_flux_of(spectrum, window=(6548, 6578), sides=((6500, 6540), (6600, 6640))):
    """Hα flux above a linear continuum fitted to two side bands, with specutils."""
    from specutils import SpectralRegion, Spectrum
    from specutils.analysis import equivalent_width, line_flux
    wave = spectrum.spectral_axis.to_value(u.AA)
    side = np.zeros(wave.size, bool)
    for lo, hi in sides:
        side |= (wave >= lo) & (wave <= hi)
    coeff = np.polyfit(wave[side], spectrum.flux.value[side], 1)
    continuum = np.polyval(coeff, wave) * spectrum.flux.unit
    region = SpectralRegion(window[0] * u.AA, window[1] * u.AA)
    line = Spectrum(flux=spectrum.flux - continuum, spectral_axis=spectrum.spectral_axis,
                    uncertainty=spectrum.uncertainty)
    normalised = Spectrum(flux=spectrum.flux / continuum, spectral_axis=spectrum.spectral_axis)
    return line_flux(line, regions=region), equivalent_width(normalised, regions=region)


def test_binned_spectra_work_with_specutils_analysis(data, bm):
    """The Hα flux and equivalent width of a clump bin, against the truth."""
    cube, truth, spectra, footprint = data
    shares = np.array([[truth.maps[c][bm.labels == b].sum() for c in range(3)]
                       for b in bm.spec_bin_ids])
    b = bm.spec_bin_ids[np.argmax(shares[:, 2] / shares.sum(axis=1))]   # most clumpy
    flux, ew = _line_flux_of(bm.spectrum(b))
    # truth: sum over components of (r-band light) x continuum(6563) x EW(Hα)
    sel = bm.labels == b
    expected = 0.0
    for c, (name, ew_c) in enumerate((('bulge', 0.0), ('disk', 8.0), ('clumps', 120.0))):
        cont = np.interp(6563, [6520, 6610], component_sed(name, [6520.0, 6610.0]))
        expected += truth.maps[c][sel].sum() * cont * ew_c
    measured = flux.to_value(spectra.flux.unit * u.AA)
    sigma = flux.uncertainty.to_value(spectra.flux.unit * u.AA) if hasattr(
        flux, 'uncertainty') and flux.uncertainty is not None else 0.0
    assert measured == pytest.approx(expected, rel=0.03 + 3 * sigma / expected)
    # emission is a negative equivalent width in specutils' convention
    assert -ew.to_value(u.AA) == pytest.approx(expected / (
        sum(truth.maps[c][sel].sum() * np.interp(6563, [6520, 6610], component_sed(
            n, [6520.0, 6610.0])) for c, n in enumerate(('bulge', 'disk', 'clumps')))),
        rel=0.05)


def test_photometry_as_spectrum(bm):
    from specutils import Spectrum
    phot = bm.photometry
    assert isinstance(phot, Spectrum)
    assert phot.flux.shape == (bm.nbins, 12)
    assert_allclose(phot.spectral_axis.to_value(u.AA), bm.band_wavelengths.to_value(u.AA))
    assert_allclose(phot.uncertainty.array, bm.flux_err.value)
    no_wave = pixbin.BinMap(bm.labels, flux=bm.flux, flux_err=bm.flux_err)
    assert isinstance(no_wave.photometry, NDData) and not isinstance(no_wave.photometry,
                                                                     Spectrum)


def test_plots_show_footprint_and_spectra(bm):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    ax = bm.plot_map()
    assert len(ax.images) == 2          # bins + shading outside the footprint
    assert ax.get_title() == f'{bm.nbins} bins'
    ax = bm.plot_map(labels=bm.spec_labels, title='with spectra')
    assert ax.images[0].get_array().max() == bm.spec_bin_ids.max()
    with_spec = [int(bm.spec_bin_ids[0]), int(bm.spec_bin_ids[-1])]
    without = int(np.setdiff1d(bm.bin_ids, bm.spec_bin_ids)[0])
    ax = bm.plot_sed(with_spec + [without])
    assert len(ax.containers) == 3
    spectrum_lines = [line for line in ax.lines if len(line.get_xdata()) == 1800]
    assert len(spectrum_lines) == 2
    plt.close('all')


@pytest.mark.parametrize('kwargs, error, match', [
    ({'spectra': np.ones((5, 60, 60))}, TypeError, 'spectra must be a specutils Spectrum'),
    ({'spec_region': np.ones((60, 60), bool)}, ValueError, 'spec_region was given without'),
    ({'spec_min_fraction': 1.5}, ValueError, r'spec_min_fraction must be in \(0, 1\]'),
    ({'spec_min_fraction': 0}, ValueError, 'spec_min_fraction must be a finite positive'),
])
def test_bad_spectra_arguments(data, kwargs, error, match):
    cube = data[0]
    with pytest.raises(error, match=match):
        bin_pixels(cube, SNR_7_BANDS, **kwargs)


def test_spectra_on_another_grid(data):
    cube = data[0]
    small, _ = make_mock_ifu(shape=(50, 50))
    with pytest.raises(ValueError, match=r'spectra has spatial shape \(50, 50\), but the bin '
                                         r'map has \(60, 60\)'):
        bin_pixels(cube, SNR_7_BANDS, spectra=small)
    spectra, footprint = data[2], data[3]
    with pytest.raises(ValueError, match=r'spec_region must have the spatial shape'):
        bin_pixels(cube, SNR_7_BANDS, spectra=spectra, spec_region=footprint[:50])
