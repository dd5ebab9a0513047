# Licensed under a 3-clause BSD style license - see LICENSE
"""
A bin-map file keeps every part of a BinMap: written and read back, the BinMap
is the same (labels, flux, flux_err, npix, eta and the covariance setting,
band names and wavelengths, WCS, meta, spectra with their uncertainty, mask,
bin ids and pixel counts, spec_labels, spec_region), for photometric and
spectrophotometric maps made by bin_pixels and by the BinMap constructor.
"""

import functools
import os
import tempfile
import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import StdDevUncertainty
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pixbin_test_helpers import assert_same_binmap

import pixbin
from pixbin import BinMap, read_binmap
from pixbin._covariance import TabulatedCovariance

WAVE = np.arange(3600.0, 9000.0, 300.0) * u.AA


@functools.lru_cache(maxsize=None)
def mock(side, seed):
    cube = pixbin.datasets.make_mock_galaxy(shape=(side, side), seed=seed)
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(side, side), wavelength=WAVE,
                                                       seed=seed)
    return cube, spectra, footprint


def eta_sqrt(n):
    """A callable covariance correction."""
    return 1.0 + 0.1 * np.sqrt(n)


@st.composite
def binned(draw):
    """A BinMap made by bin_pixels on a small mock galaxy."""
    side = draw(st.integers(10, 18))
    cube, spectra, footprint = mock(side, draw(st.integers(0, 2)))
    kwargs = dict(
        snr=draw(st.sampled_from([1.0, 3.0, [5.0] * 7 + [0.0] * 5])),
        ref_band=draw(st.sampled_from([4, 'sdss_g', None])),
        min_diameter=draw(st.sampled_from([1.0, 2.0, 3.5])),
        leftovers=draw(st.sampled_from(['unbinned', 'merge'])),
        covariance=draw(st.sampled_from([None, 0.0, 1.62, eta_sqrt])),
        progress=False)
    if draw(st.integers(0, 2)):
        kwargs['spectra'] = spectra
        kwargs['spec_min_fraction'] = draw(st.sampled_from([1.0, 0.4]))
        if draw(st.booleans()):
            y, x = np.indices(footprint.shape)
            kwargs['spec_region'] = footprint & (x < side // 2 + 2)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', pixbin.PixbinWarning)     # no bin: a map all the same
        return pixbin.bin_pixels(cube, **kwargs)


@st.composite
def constructed(draw):
    """A BinMap made with the constructor: any unit, no WCS, NaN values, user spectra."""
    ny, nx = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    nbins = draw(st.integers(0, ny * nx))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    labels = np.zeros(ny * nx, int)
    cells = rng.permutation(ny * nx)
    labels[cells[:nbins]] = np.arange(1, nbins + 1)
    extra = cells[nbins:][rng.random(ny * nx - nbins) < 0.5]
    if nbins:
        labels[extra] = rng.integers(1, nbins + 1, extra.size)
    labels = labels.reshape(ny, nx)
    nbands = draw(st.integers(1, 4))
    unit = draw(st.sampled_from([u.Jy, u.Unit('1e-17 erg/(s cm2 AA)'), u.ct, u.mJy / u.sr]))
    flux = rng.normal(0, 3, (nbins, nbands))
    err = rng.uniform(0.1, 2, (nbins, nbands))
    if nbins and draw(st.booleans()):
        flux[0, 0], err[-1, -1] = np.nan, np.nan
    wave = None
    if draw(st.booleans()):
        wave = np.sort(rng.uniform(1000, 50000, nbands)) * draw(st.sampled_from([u.AA, u.um]))
    names = draw(st.one_of(st.none(), st.lists(
        st.text('abcxyz_019', min_size=1, max_size=8), min_size=nbands, max_size=nbands)))
    covariance = draw(st.sampled_from([None, 2.0, eta_sqrt]))
    meta = draw(st.fixed_dictionaries({}, optional={
        'nvalid': st.integers(int(np.count_nonzero(labels)), ny * nx),
        'ref_band': st.just(names[0] if names else 'band0'),
        'min_diameter': st.floats(0.5, 9), 'redchi2_limit': st.floats(0.5, 9),
        'strict_min_diameter': st.booleans(), 'leftovers': st.sampled_from(['merge']),
        'snr': st.lists(st.floats(0, 50), min_size=nbands, max_size=nbands),
        'object': st.text('NGC 0123456789', min_size=1, max_size=10).map(str.strip)
                    .filter(bool),
        'z': st.floats(0, 3)}))
    spec = {}
    if draw(st.booleans()) and nbins:
        spec_labels = np.where(rng.random(labels.shape) < 0.7, labels, 0)
        ids = np.unique(spec_labels[spec_labels > 0])
        nwave = draw(st.integers(1, 5))
        axis = np.sort(rng.uniform(4000, 8000, nwave)) * u.AA + np.arange(nwave) * u.AA
        from specutils import Spectrum
        spec_flux = rng.normal(5, 1, (ids.size, nwave)) * unit
        uncertainty = (StdDevUncertainty(rng.uniform(0.1, 1, (ids.size, nwave)) * unit)
                       if draw(st.booleans()) else None)
        mask = rng.random((ids.size, nwave)) < 0.2 if draw(st.booleans()) else None
        spectra_meta = {'bin_ids': ids}
        if draw(st.booleans()):
            spectra_meta['npix'] = np.bincount(spec_labels.ravel())[ids]
        spec = dict(spectra=Spectrum(flux=spec_flux, spectral_axis=axis, spectral_axis_index=1,
                                     uncertainty=uncertainty, mask=mask, meta=spectra_meta),
                    spec_labels=spec_labels,
                    spec_region=(spec_labels > 0) | (rng.random(labels.shape) < 0.3)
                    if draw(st.booleans()) else None)
    return BinMap(labels, flux=flux * unit, flux_err=err * unit, band_names=names,
                  band_wavelengths=wave, covariance=covariance, meta=meta, **spec)


def expected_after_reading(bm):
    """
    The BinMap that reading a file of ``bm`` must give: ``bm``, with the pixel
    counts of its spectra when it had none (the file has those of spec_labels).
    """
    spectra = bm.spectra
    if spectra is None or 'npix' in spectra.meta:
        return bm
    from specutils import Spectrum
    npix = np.bincount(bm.spec_labels.ravel(), minlength=bm.nbins + 1)[bm.spec_bin_ids]
    spectra = Spectrum(flux=spectra.flux, spectral_axis=spectra.spectral_axis,
                       spectral_axis_index=1, uncertainty=spectra.uncertainty, mask=spectra.mask,
                       meta={**spectra.meta, 'npix': npix})
    return BinMap(bm.labels, flux=bm.flux, flux_err=bm.flux_err, wcs=bm.wcs,
                  band_names=bm.band_names, band_wavelengths=bm.band_wavelengths,
                  covariance=bm.covariance, meta=bm.meta, spectra=spectra,
                  spec_labels=bm.spec_labels, spec_region=bm.spec_region)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(bm=st.one_of(binned(), binned(), constructed()))
def test_file_keeps_every_part(bm):
    event('spectrophotometric' if bm.spectra is not None else 'photometric')
    event(f'covariance {type(bm.covariance).__name__}')
    event('with WCS' if bm.wcs is not None else 'no WCS')
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'bins.fits')
        bm.write(path)
        back = read_binmap(path)
        assert_same_binmap(back, expected_after_reading(bm))
        if callable(bm.covariance):
            assert isinstance(back.covariance, TabulatedCovariance)
        # a second round trip changes nothing
        back.write(os.path.join(folder, 'again.fits'))
        assert_same_binmap(read_binmap(os.path.join(folder, 'again.fits')), back)


def test_spectra_pixel_counts_are_written(tmp_path):
    cube, spectra, footprint = mock(30, 0)
    bm = pixbin.bin_pixels(cube, 1.0, ref_band=4, min_diameter=3, spectra=spectra,
                           spec_min_fraction=0.4)
    npix = bm.spectra.meta['npix']
    # bins partly outside the IFU (3 with today's algorithm)
    assert np.count_nonzero(npix < bm.npix[bm.spec_bin_ids - 1]) > 0
    bm.write(tmp_path / 'b.fits')
    bins = fits.getdata(tmp_path / 'b.fits', 'BINS')
    expected = np.zeros(bm.nbins, int)
    expected[bm.spec_bin_ids - 1] = npix
    np.testing.assert_array_equal(bins['SPEC_NPIX'], expected)
    np.testing.assert_array_equal(read_binmap(tmp_path / 'b.fits').spectra.meta['npix'], npix)
    # a file written before SPEC_NPIX existed: counted on SPEC_BIN_MAP
    with fits.open(tmp_path / 'b.fits') as hdul:
        table = hdul['BINS']
        hdul['BINS'] = fits.BinTableHDU.from_columns(
            [c for c in table.columns if c.name != 'SPEC_NPIX'], header=table.header,
            name='BINS')
        hdul.writeto(tmp_path / 'old.fits')
    np.testing.assert_array_equal(read_binmap(tmp_path / 'old.fits').spectra.meta['npix'], npix)


@pytest.mark.parametrize('npix, shown', [
    ([1, 2], r'\[1, 2\]'),
    (np.array([1.5] * 3), r'array\(\[1.5'),
    (np.array([-1, 1, 1]), r'array\(\[-1'),
])
def test_spectra_pixel_counts_must_fit(tmp_path, npix, shown):
    from specutils import Spectrum
    labels = np.array([[1, 2, 3]])
    spectra = Spectrum(flux=np.ones((3, 2)) * u.Jy, spectral_axis=[5000, 6000] * u.AA,
                       meta={'bin_ids': np.arange(1, 4), 'npix': npix})
    bm = BinMap(labels, flux=[[1.0]] * 3 * u.Jy, flux_err=[[1.0]] * 3 * u.Jy,
                spectra=spectra, spec_labels=labels)
    with pytest.raises(ValueError, match=r"spectra.meta\['npix'\] must hold one pixel count "
                                         r"\(integer >= 0\) per bin with a spectrum \(3\), "
                                         r"got " + shown):
        bm.write(tmp_path / 'b.fits')
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('extra', [0, 1])
def test_as_many_bins_as_wavelengths(tmp_path, extra):
    """
    specutils cannot tell the spectral axis of a (n, n) or (n, n + 1) flux by
    itself: bin spectra, binned photometry and applied spectra say which it is.
    """
    cube, spectra, footprint = mock(20, 0)
    bm = pixbin.bin_pixels(cube, 1.0, ref_band=4, spectra=spectra)
    nbins_spec = bm.nbins_spec
    assert nbins_spec > 2
    wave = (4000.0 + 100.0 * np.arange(nbins_spec + extra)) * u.AA
    spectra, _ = pixbin.datasets.make_mock_ifu(shape=(20, 20), wavelength=wave)
    bm = pixbin.bin_pixels(cube, 1.0, ref_band=4, spectra=spectra)
    assert bm.spectra.flux.shape == (nbins_spec, nbins_spec + extra)
    assert bm.spectra.spectral_axis.size == nbins_spec + extra
    bm.write(tmp_path / 'b.fits')
    assert_same_binmap(read_binmap(tmp_path / 'b.fits'), bm)
    applied = bm.apply(spectra)
    assert applied.flux.shape == (bm.nbins, nbins_spec + extra)
    # binned photometry: as many bins as bands
    square = BinMap(np.arange(1, 4 + extra).reshape(1, -1), flux=np.ones((3 + extra, 3)) * u.Jy,
                    flux_err=np.ones((3 + extra, 3)) * u.Jy,
                    band_wavelengths=[4000, 5000, 6000] * u.AA)
    assert square.photometry.flux.shape == (3 + extra, 3)
    assert square.photometry.spectral_axis.size == 3
