# Licensed under a 3-clause BSD style license - see LICENSE
"""
Bin-map files of spectral cubes stay small: the per-pixel maps (piXedfit's
BIN_SPEC_FLUX, ...) and the per-bin spectra are tile-compressed without loss.
astropy reads them under the same names, bit for bit.
"""

import os

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import StdDevUncertainty
from numpy.testing import assert_array_equal
from pixbin_test_helpers import assert_same_binmap

import pixbin
from pixbin import BinMap, read_binmap

NWAVE, NY, NX = 300, 30, 30


def muse_like_file(path):
    """A MUSE-like cube (float32 DATA and STAT, uint8 DQ): a galaxy on noise."""
    rng = np.random.default_rng(3)
    y, x = np.indices((NY, NX))
    profile = 40.0 * np.exp(-np.hypot(x - 14.3, y - 15.1) / 4.0)
    slope = 1.0 + np.linspace(0.0, 0.6, NWAVE)[:, None, None]
    err = np.full((NWAVE, NY, NX), 2.0)
    flux = profile * slope + rng.normal(size=err.shape) * err
    header = fits.Header({'CTYPE1': 'RA---TAN', 'CTYPE2': 'DEC--TAN', 'CTYPE3': 'AWAV',
                          'CUNIT1': 'deg', 'CUNIT2': 'deg', 'CUNIT3': 'Angstrom',
                          'CRPIX1': 15.0, 'CRPIX2': 15.0, 'CRPIX3': 1.0,
                          'CRVAL1': 63.35, 'CRVAL2': 10.46, 'CRVAL3': 4750.0,
                          'CD1_1': -0.2 / 3600, 'CD2_2': 0.2 / 3600, 'CD3_3': 1.25,
                          'HDUCLASS': 'ESO', 'HDUCLAS2': 'DATA', 'ERRDATA': 'STAT',
                          'BUNIT': '10**(-20)*erg/s/cm**2/Angstrom'})
    stat = header.copy()
    stat['BUNIT'] = '(10**(-20)*erg/s/cm**2/Angstrom)**2'
    stat['HDUCLAS2'] = 'ERROR'
    fits.HDUList([fits.PrimaryHDU(header=fits.Header({'INSTRUME': 'MUSE'})),
                  fits.ImageHDU(flux.astype(np.float32), header, name='DATA'),
                  fits.ImageHDU((err ** 2).astype(np.float32), stat, name='STAT'),
                  fits.ImageHDU(np.zeros(flux.shape, np.uint8), name='DQ')]).writeto(path)


def test_spectral_cube_binmap_is_at_most_twice_the_cube(tmp_path):
    """The issue's bound: the bin map of a cube binned in windows is <= 2x the cube."""
    cube = tmp_path / 'cube.fits'
    muse_like_file(cube)
    bands = [[4760, 4850], [4850, 4950], [4950, 5120]] * u.AA
    bm = pixbin.bin_pixels(cube, snr=8, bands=bands, min_diameter=1)
    assert 100 < bm.nbins < NY * NX and bm.nbins_spec == bm.nbins
    out = tmp_path / 'bins.fits'
    bm.write(out)
    ratio = os.path.getsize(out) / os.path.getsize(cube)
    # the uncompressed layout: two float64 maps (nwave, ny, nx) plus the spectra
    plain = (2 * 8 * NWAVE * NY * NX + 17 * NWAVE * bm.nbins) / os.path.getsize(cube)
    assert plain > 2.2
    assert ratio <= 2.0
    back = read_binmap(out)
    assert_array_equal(back.labels, bm.labels)
    assert_array_equal(bits(back.spectra.flux.value), bits(bm.spectra.flux.value))
    assert_array_equal(bits(back.spectra.uncertainty.array), bits(bm.spectra.uncertainty.array))


def exact_spectra_binmap():
    """Two bins whose spectra hold NaN, infinities, -0.0, subnormals and extremes."""
    labels = np.array([[1, 1, 0], [2, 2, 2]])
    special = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 5e-324, -1.7976931348623157e308,
                        1.0 / 3.0, 2.0 ** -1074 * 3, 123456789.123456789])
    flux = np.vstack([special, special[::-1] * -1.0])
    unit = u.Unit('1e-20 erg/(s cm2 Angstrom)')
    from specutils import Spectrum
    spectra = Spectrum(flux=flux * unit, spectral_axis=(5000.0 + 10 * np.arange(10.0)) * u.AA,
                       uncertainty=StdDevUncertainty(np.abs(flux) * unit),
                       mask=np.isnan(flux), spectral_axis_index=1,
                       meta={'bin_ids': np.array([1, 2]), 'npix': np.array([2, 3])})
    return BinMap(labels, flux=[[1.0], [2.0]] * unit, flux_err=[[0.1], [0.2]] * unit,
                  band_names=['w'], band_wavelengths=[5050] * u.AA, spectra=spectra,
                  spec_labels=labels)


def bits(array):
    return np.ascontiguousarray(array, dtype=np.float64).view(np.uint64)


def test_compressed_maps_and_spectra_are_bit_exact(tmp_path):
    bm = exact_spectra_binmap()
    path = tmp_path / 'exact.fits'
    bm.write(path)
    with fits.open(path) as hdul:
        compressed = {hdu.name for hdu in hdul if isinstance(hdu, fits.CompImageHDU)}
        assert compressed == {'BIN_PHOTO_FLUX', 'BIN_PHOTO_FLUXERR', 'BIN_SPEC_FLUX',
                              'BIN_SPEC_FLUXERR', 'SPECTRA', 'SPECTRA_ERR', 'SPECTRA_MASK'}
        for name in compressed:           # lossless: no quantization of floats
            hdu = hdul[name]
            assert hdu.compression_type == 'GZIP_2'
            assert hdu.data.dtype.kind == 'u' or hdu.quantize_level == 0
        # piXedfit's access: hdu[name].data[:, y, x] is the bin's spectrum, bit for bit
        flux = hdul['BIN_SPEC_FLUX'].data
        err = hdul['BIN_SPEC_FLUXERR'].data
        assert flux.dtype == np.float64 and flux.shape == (10, 2, 3)
        for y, x in np.argwhere(bm.spec_labels > 0):
            b = bm.spec_labels[y, x] - 1
            assert_array_equal(bits(flux[:, y, x]), bits(bm.spectra.flux.value[b]))
            assert_array_equal(bits(err[:, y, x]),
                               bits(bm.spectra.uncertainty.array[b]))
        assert_array_equal(bits(flux[:, 0, 2]), bits(np.zeros(10)))     # outside bins
        assert_array_equal(bits(hdul['SPECTRA'].data), bits(bm.spectra.flux.value))
    back = read_binmap(path)
    assert_array_equal(bits(back.spectra.flux.value), bits(bm.spectra.flux.value))
    assert_array_equal(bits(back.spectra.uncertainty.array), bits(bm.spectra.uncertainty.array))
    assert_array_equal(back.spectra.mask, bm.spectra.mask)
    assert_same_binmap(back, bm)


@pytest.mark.parametrize('nbins_spec', [0, 1])
def test_empty_and_single_row_spectra_are_written(tmp_path, nbins_spec):
    """Nothing to compress (no bin with a spectrum) and a one-row table both round-trip."""
    labels = np.array([[1, 2]])
    spec_labels = labels * (labels <= nbins_spec)
    from specutils import Spectrum
    spectra = Spectrum(flux=np.ones((nbins_spec, 4)) * u.Jy,
                       spectral_axis=[1.0, 2.0, 3.0, 4.0] * u.um, spectral_axis_index=1,
                       meta={'bin_ids': np.arange(1, nbins_spec + 1),
                             'npix': np.ones(nbins_spec, int)})
    bm = BinMap(labels, flux=[[1.0], [2.0]] * u.Jy, flux_err=[[0.1], [0.2]] * u.Jy,
                band_wavelengths=[2] * u.um, spectra=spectra, spec_labels=spec_labels)
    bm.write(tmp_path / 'b.fits')
    assert_same_binmap(read_binmap(tmp_path / 'b.fits'), bm)


def test_primary_header_has_the_keywords_pixedfit_fitting_reads(tmp_path):
    """piXedfit's SEDfit_from_binmap* read nbins, nfilters, fil<i>, unit and z from hdu[0]."""
    cube = pixbin.datasets.make_mock_galaxy(shape=(30, 30))
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(30, 30))
    bm = pixbin.bin_pixels(cube, 5.0, spectra=spectra, spec_region=footprint)
    bm.meta['z'] = 0.0123
    bm.write(tmp_path / 's.fits')
    with fits.open(tmp_path / 's.fits') as hdu:          # as piXedfit's fitting.py reads it
        header = hdu[0].header
        assert header['specphot'] == 1
        assert int(header['nbinsph']) == bm.nbins and int(header['nbinssp']) == bm.nbins_spec
        assert [header[f'fil{i}'] for i in range(int(header['nfilters']))] == \
            list(bm.band_names)
        assert float(header['z']) == 0.0123
        unit = float(header['unit'])
        binmap_spec = hdu['spec_bin_map'].data
        spec_wave = hdu['spec_wave'].data
        bin_id = bm.spec_bin_ids[0]
        rows, cols = np.where(binmap_spec == bin_id)
        spectrum = hdu['bin_spec_flux'].data[:, rows[0], cols[0]] * unit
        expected = bm.spectrum(bin_id).flux.to(u.erg / u.s / u.cm ** 2 / u.AA,
                                               u.spectral_density(spec_wave * u.AA))
        np.testing.assert_allclose(spectrum, expected.value, rtol=1e-12)
        # the map header keeps them too, with the celestial WCS
        assert hdu['photo_bin_map'].header['nbinsph'] == bm.nbins
        assert 'CTYPE1' in hdu['photo_bin_map'].header and 'CTYPE1' not in header
    photometric = pixbin.bin_pixels(cube, 5.0)
    photometric.write(tmp_path / 'p.fits')
    with fits.open(tmp_path / 'p.fits') as hdu:
        header = hdu[0].header
        assert int(header['nbins']) == photometric.nbins and header['specphot'] == 0
        assert float(header['unit']) == hdu['bin_map'].header['unit']


def test_compress_false_writes_plain_images_with_the_same_content(tmp_path):
    bm = exact_spectra_binmap()
    bm.write(tmp_path / 'plain.fits', compress=False)
    with fits.open(tmp_path / 'plain.fits') as plain:
        assert not any(isinstance(hdu, fits.CompImageHDU) for hdu in plain)
        assert type(plain['BIN_SPEC_FLUX']) is fits.ImageHDU
        bm.write(tmp_path / 'packed.fits')
        with fits.open(tmp_path / 'packed.fits') as packed:
            assert [hdu.name for hdu in plain] == [hdu.name for hdu in packed]
            for hdu in plain[1:]:
                if hdu.is_image:
                    a, b = hdu.data, packed[hdu.name].data
                    if a.dtype.kind == 'f':
                        a, b = bits(a), bits(b)
                    assert_array_equal(a, b)
    assert_same_binmap(read_binmap(tmp_path / 'plain.fits'), bm)


def test_memory_mapped_open_knows_the_stored_size_of_compressed_images(tmp_path):
    """The truncation check of lazy opens (read_cube, read_pixedfit) uses the stored size."""
    from pixbin.io._fitsutil import open_fits
    from specutils import Spectrum
    labels = np.arange(1, 51)[None, :]
    spectra = Spectrum(flux=np.ones((50, 20000)) * u.Jy, spectral_axis_index=1,
                       spectral_axis=np.linspace(1.0, 2.0, 20000) * u.um,
                       meta={'bin_ids': np.arange(1, 51), 'npix': np.ones(50, int)})
    flux = np.ones((50, 1)) * u.Jy
    bm = BinMap(labels, flux=flux, flux_err=0.1 * flux, band_wavelengths=[1.5] * u.um,
                spectra=spectra, spec_labels=labels)
    path = tmp_path / 'ones.fits'
    bm.write(path)
    # the image is larger than the file: only the stored size tells truncation
    with fits.open(path) as hdul:
        stored_at = hdul.fileinfo(hdul.index_of('SPECTRA'))['datLoc']
    assert stored_at + 50 * 20000 * 8 > os.path.getsize(path)
    with open_fits(path, lazy=True) as hdul:
        assert isinstance(hdul['SPECTRA'], fits.CompImageHDU)
        assert_array_equal(hdul['SPECTRA'].data[1], np.ones(20000))
    with pytest.raises(ValueError, match='is a bin-map file, not a cube'):
        pixbin.io.read_cube(path)
    (tmp_path / 'cut.fits').write_bytes(path.read_bytes()[:stored_at + 10])
    with pytest.raises(ValueError, match=r'cut.fits: not a readable FITS file .*truncated: '
                                         r'HDU \d+ \(SPECTRA\)'):
        open_fits(tmp_path / 'cut.fits', lazy=True)


@pytest.mark.remote_data
def test_muse_binmap_is_at_most_twice_the_cube(tmp_path):
    """The issue's case: the MUSE minicube (53 MB) in 3 windows at S/N 8, 519 bins."""
    from pixbin.datasets import load_muse_a478
    path = load_muse_a478()
    bands = [[4760, 4950], [4950, 5150], [5150, 5370]] * u.AA
    bm = pixbin.bin_pixels(path, snr=8, bands=bands)
    bm.write(tmp_path / 'muse.fits')
    assert bm.nbins > 300
    assert os.path.getsize(tmp_path / 'muse.fits') <= 2 * os.path.getsize(path)
    back = read_binmap(tmp_path / 'muse.fits')
    assert_array_equal(bits(back.spectra.flux.value), bits(bm.spectra.flux.value))
    with fits.open(tmp_path / 'muse.fits') as hdul:
        b = bm.spec_bin_ids[-1]
        y, x = np.argwhere(bm.spec_labels == b)[0]
        assert hdul['BIN_SPEC_FLUX'].data.shape == (3681, 40, 40)
        assert np.isfinite(hdul['BIN_SPEC_FLUX'].data[:, y, x]).any()


@pytest.mark.parametrize('where', [200, 0.5])
def test_damaged_compressed_data_is_a_clear_error(tmp_path, where):
    """Bytes flipped inside a compressed image: a ValueError naming the file, not zlib.error."""
    bm = pixbin.bin_pixels(pixbin.datasets.make_mock_galaxy(shape=(40, 40)), [10] * 7 + [0] * 5)
    path = tmp_path / 'bins.fits'
    bm.write(path)
    with fits.open(path) as hdul:
        info = hdul.fileinfo(hdul.index_of('BIN_FLUX'))
    start, size = info['datLoc'], info['datSpan']
    at = start + (where if isinstance(where, int) else int(where * size))
    data = bytearray(path.read_bytes())
    data[at:at + 64] = bytes(255 - b for b in data[at:at + 64])
    (tmp_path / 'damaged.fits').write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r'damaged.fits: not a readable FITS file'):
        read_binmap(tmp_path / 'damaged.fits')
