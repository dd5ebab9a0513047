# Licensed under a 3-clause BSD style license - see LICENSE
"""
Degenerate data: one pixel, a strip, nothing or everything above the threshold
(and the empty BinMap through every output), one band, negative fluxes, tiny and
huge flux scales, integer and big-endian data.
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import NDData, StdDevUncertainty
from pixbin_test_helpers import write_cube_fits
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin import BinMap, PixbinWarning, bin_pixels, read_binmap
from pixbin.cli import main
from pixbin.io import read_cube


def nd(flux, err=1.0, unit='Jy', **kwargs):
    flux = np.asarray(flux)
    err = np.broadcast_to(err, flux.shape).astype(np.asarray(err).dtype)
    return NDData(flux, unit=unit, uncertainty=StdDevUncertainty(err), **kwargs)


def sums(labels, flux, err):
    """Plain per-bin sums and quadrature sums, (nbins, nbands)."""
    flux = flux.reshape((-1,) + labels.shape)
    err = err.reshape((-1,) + labels.shape)
    ids = range(1, labels.max() + 1)
    return (np.array([flux[:, labels == i].sum(axis=1) for i in ids]),
            np.array([np.sqrt((err[:, labels == i] ** 2).sum(axis=1)) for i in ids]))


# -- a single pixel, a strip ----------------------------------------------------------------

@pytest.mark.parametrize('shape', [(1, 1), (1, 1, 1), (3, 1, 1)])
def test_single_pixel(shape):
    cube = nd(np.full(shape, 10.0), err=2.0)
    bm = bin_pixels(cube, 5.0, min_diameter=4)
    assert_array_equal(bm.labels, [[1]])
    nbands = shape[0] if len(shape) == 3 else 1
    assert_array_equal(bm.flux.value, np.full((1, nbands), 10.0))
    assert_array_equal(bm.flux_err.value, np.full((1, nbands), 2.0))
    with pytest.warns(PixbinWarning, match=r'No bin reached the S/N threshold .*\(1 valid pixels'):
        empty = bin_pixels(cube, 5.1, leftovers='merge')
    assert empty.nbins == 0 and empty.labels.tolist() == [[0]]
    with pytest.raises(ValueError, match='cube has no valid pixel'):
        bin_pixels(cube, 5.0, mask=np.ones((1, 1), bool))


def test_strip_and_column():
    """
    S/N 3 per pixel, 5 required: 2 pixels give 6 / sqrt(2) = 4.2, 3 give
    9 / sqrt(3) = 5.2.  All fluxes tie: seeds go by pixel index, so bins are
    runs of 3 from the left; the 10th pixel cannot reach 5 alone.  The
    greedy pass leaves it out; the default joins it to bin 3, which keeps
    S/N 12 / 2 = 6.
    """
    strip = nd(np.full((2, 1, 10), 3.0))
    bm = bin_pixels(strip, [5.0, 0.0], min_diameter=1, method='greedy')
    assert_array_equal(bm.labels, [[1, 1, 1, 2, 2, 2, 3, 3, 3, 0]])
    assert_array_equal(bm.flux.value, [[9.0, 9.0]] * 3)
    complete = bin_pixels(strip, [5.0, 0.0], min_diameter=1)
    assert_array_equal(complete.labels, [[1, 1, 1, 2, 2, 2, 3, 3, 3, 3]])
    assert_allclose(complete.snr[2], [6.0, 6.0])
    merged = bin_pixels(strip, [5.0, 0.0], min_diameter=1, leftovers='merge',
                        method='greedy')
    assert_array_equal(merged.labels, [[1, 1, 1, 2, 2, 2, 3, 3, 3, 3]])
    assert_allclose(merged.snr[2], [12.0 / 2.0] * 2)
    column = bin_pixels(nd(np.full((2, 10, 1), 3.0)), [5.0, 0.0], min_diameter=1)
    assert_array_equal(column.labels, complete.labels.T)
    # a core disc of radius 3.5 is taken whole (4 pixels, S/N 6) before the S/N
    # can stop a bin; the last 2 pixels reach 6 / sqrt(2) = 4.2 only: the greedy
    # pass leaves them out, the default gives them to bin 2 (18 / sqrt(6) = 7.3)
    wide = bin_pixels(strip, [5.0, 0.0], min_diameter=7, method='greedy')
    assert_array_equal(wide.labels, [[1, 1, 1, 1, 2, 2, 2, 2, 0, 0]])
    wide = bin_pixels(strip, [5.0, 0.0], min_diameter=7)
    assert_array_equal(wide.labels, [[1, 1, 1, 1, 2, 2, 2, 2, 2, 2]])


# -- nothing reaches the threshold: the empty BinMap everywhere --------------------------

@pytest.fixture(scope='module')
def empty():
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(20, 20))
    with pytest.warns(PixbinWarning, match=r'No bin reached the S/N threshold in every required '
                                           r'band \(400 valid pixels\); try a lower snr'):
        bm = bin_pixels(cube, 1e6, ref_band=4, leftovers='merge', spectra=spectra,
                        spec_region=footprint)
    return bm, cube, spectra


def test_empty_binmap_values(empty):
    bm, cube, _ = empty
    assert bm.nbins == 0 and bm.nbins_spec == 0
    assert bm.labels.shape == (20, 20) and not bm.labels.any()
    assert bm.flux.shape == bm.flux_err.shape == (0, 12) and bm.flux.unit == cube.unit
    assert bm.snr.shape == bm.mean_flux.shape == (0, 12)
    assert bm.npix.shape == bm.eta.shape == bm.bin_ids.shape == (0,)
    assert bm.centroid.shape == (0, 2) and len(bm.sky_centroid) == 0 and bm.slices == []
    assert bm.unbinned.all() and bm.meta['nvalid'] == 400
    assert np.isnan(bm.pixel_map(np.zeros(0))).all()
    assert bm.photometry.flux.shape == (0, 12)
    assert bm.spectra.flux.shape == (0, 1800) and not bm.spec_labels.any()
    table = bm.to_table()
    assert len(table) == 0
    assert {'bin', 'npix', 'xcentroid', 'sky_centroid', 'flux_sdss_r',
            'snr_wise_w2'} <= set(table.colnames)
    assert 'nbins=0' in repr(bm)


def test_empty_binmap_regions_and_plots(empty):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    bm, _, _ = empty
    assert len(bm.to_regions()) == 0 and len(bm.to_regions(sky=True)) == 0
    ax = bm.plot_map()
    assert ax.get_title() == '0 bins' and not ax.images[0].get_array().count()
    with pytest.raises(ValueError, match='binmap has no bin: there is no SED to plot'):
        bm.plot_sed(1)
    plt.close('all')
    assert len(bm.to_regions(flat=True)) == 0


def test_empty_binmap_apply(empty):
    bm, cube, spectra = empty
    binned = bm.apply(cube)
    assert binned.data.shape == binned.uncertainty.array.shape == binned.mask.shape == (0, 12)
    assert binned.unit == cube.unit
    image = bm.apply(NDData(cube.data[4], unit=cube.unit, wcs=cube.wcs))
    assert image.data.shape == (0,) and image.uncertainty is None
    assert bm.apply(spectra).flux.shape == (0, 1800)


def test_empty_binmap_files(empty, tmp_path, capsys):
    bm, _, _ = empty
    bm.write(tmp_path / 'empty.fits')
    for back in (read_binmap(tmp_path / 'empty.fits'), BinMap.read(tmp_path / 'empty.fits')):
        assert_array_equal(back.labels, bm.labels)
        assert back.flux.shape == (0, 12) and back.flux.unit == bm.flux.unit
        assert back.band_names == bm.band_names
        assert_array_equal(back.band_wavelengths, bm.band_wavelengths)
        assert back.meta == bm.meta
        assert back.nbins_spec == 0 and back.spectra.flux.shape == (0, 1800)
        assert_array_equal(back.spec_region, bm.spec_region)
    photometric = BinMap(bm.labels, flux=bm.flux, flux_err=bm.flux_err, wcs=bm.wcs)
    photometric.write(tmp_path / 'photometric.fits')
    assert read_binmap(tmp_path / 'photometric.fits').nbins == 0
    assert main(['info', str(tmp_path / 'empty.fits')]) == 0
    out = capsys.readouterr().out
    assert '0 bins on a 20 x 20 pixel grid, 0 with spectra' in out
    assert 'pixels in bins: 0 (0.0% of the grid)\n' in out


def test_cli_bin_with_no_bin_writes_an_empty_map(tmp_path, capsys):
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    write_cube_fits(cube, tmp_path / 'cube.fits')
    with pytest.warns(PixbinWarning, match='No bin reached the S/N threshold'):
        code = main(['bin', str(tmp_path / 'cube.fits'), '--snr', '1e6', '-o',
                     str(tmp_path / 'bins.fits'), '--no-progress',
                     '--regions', str(tmp_path / 'bins.reg'),
                     '--plot', str(tmp_path / 'bins.png')])
    assert code == 0
    assert 'cube.fits: 0 bins, 0 of 400 valid pixels binned' in capsys.readouterr().out
    assert read_binmap(tmp_path / 'bins.fits').nbins == 0
    assert (tmp_path / 'bins.png').read_bytes()[:4] == b'\x89PNG'
    assert 'polygon' not in (tmp_path / 'bins.reg').read_text()


# -- everything reaches the threshold --------------------------------------------------------

@pytest.mark.parametrize('leftovers', ['unbinned', 'merge'])
def test_every_pixel_reaches_alone_gives_one_bin_per_pixel_in_brightness_order(leftovers):
    rng = np.random.default_rng(4)
    flux = rng.permutation(np.arange(20.0, 20.0 + 35.0)).reshape(1, 5, 7) * [[[1.0]], [[0.5]]]
    bm = bin_pixels(nd(flux, err=0.5), 4.0, ref_band=0, min_diameter=1, leftovers=leftovers)
    assert bm.nbins == 35 and np.all(bm.npix == 1)
    order = np.argsort(-flux[0].ravel())            # bin 1 = brightest pixel, and so on
    assert_array_equal(bm.labels.ravel()[order], np.arange(1, 36))
    assert_array_equal(bm.flux.value, flux.reshape(2, -1)[:, order].T)
    assert_array_equal(bm.flux_err.value, np.full((35, 2), 0.5))


# -- one band, negative fluxes ----------------------------------------------------------------

def test_single_band_image_with_merge_and_covariance():
    rng = np.random.default_rng(7)
    image = rng.normal(2.0, 1.0, size=(15, 18))
    bm = bin_pixels(nd(image), 4.0, min_diameter=2, covariance=1.0, leftovers='merge')
    assert bm.nbands == 1 and bm.band_names == ('band0',) and bm.nbins > 5
    total, noise = sums(bm.labels, image, np.ones_like(image))
    assert_allclose(bm.flux.value, total, rtol=1e-12)
    assert_allclose(bm.flux_err.value, noise * (1 + np.log10(bm.npix))[:, None], rtol=1e-12)
    kept = bin_pixels(nd(image), 4.0, min_diameter=2, covariance=1.0)
    assert kept.nbins == bm.nbins and np.all(kept.snr >= 4.0)


def test_all_negative_fluxes():
    flux = -np.abs(np.random.default_rng(3).normal(3.0, 1.0, size=(2, 6, 6)))
    for leftovers in ('unbinned', 'merge'):
        with pytest.warns(PixbinWarning, match='No bin reached'):
            bm = bin_pixels(nd(flux), 1.0, leftovers=leftovers)
        assert bm.nbins == 0 and not bm.labels.any()
    # no S/N requirement: every pixel is binned, negative sums kept as they are
    bm = bin_pixels(nd(flux), 0.0, min_diameter=3)
    assert bm.labels.all()
    total, _ = sums(bm.labels, flux, np.ones_like(flux))
    assert_allclose(bm.flux.value, total, rtol=1e-12)
    assert np.all(bm.flux.value < 0) and np.all(bm.snr < 0)


# -- flux scales, integer and big-endian data --------------------------------------------------

@pytest.fixture(scope='module')
def reference():
    cube = pixbin.datasets.make_mock_galaxy(shape=(30, 30))
    kwargs = dict(snr=[8.0] * 7 + [0.0] * 5, ref_band=4, min_diameter=3,
                  leftovers='merge', covariance=0.5)
    return cube, kwargs, bin_pixels(cube, **kwargs)


@pytest.mark.parametrize('scale', [1e-20, 1e20, 1e-200, 1e200, 2.0**-700, 2.0**700])
def test_tiny_and_huge_flux_scales(reference, scale):
    """The binning does not depend on the flux scale, even where squares would under/overflow."""
    cube, kwargs, bm = reference
    scaled = NDData(cube.data * scale, unit=cube.unit,
                    uncertainty=StdDevUncertainty(cube.uncertainty.array * scale), wcs=cube.wcs)
    other = bin_pixels(scaled, **kwargs)
    assert_array_equal(other.labels, bm.labels)
    assert_allclose(other.flux.value, bm.flux.value * scale, rtol=1e-12)
    assert_allclose(other.flux_err.value, bm.flux_err.value * scale, rtol=1e-12)
    assert np.all(other.flux_err.value > 0) and np.all(np.isfinite(other.flux_err.value))
    assert_allclose(other.snr, bm.snr, rtol=1e-12)
    binned = other.apply(scaled)      # apply sums as finely
    assert_allclose(binned.uncertainty.array, other.flux_err.value, rtol=1e-12)


def test_same_bins_in_another_flux_unit(reference):
    cube, kwargs, bm = reference
    cgs = u.erg / u.s / u.cm**2 / u.AA
    factor = cube.unit.to(cgs)
    other = bin_pixels(NDData(cube.data * factor, unit=cgs, wcs=cube.wcs,
                              uncertainty=StdDevUncertainty(cube.uncertainty.array * factor)),
                       **kwargs)
    assert_array_equal(other.labels, bm.labels)
    assert_allclose(other.flux.to_value(cube.unit), bm.flux.value, rtol=1e-12)


@pytest.mark.parametrize('dtype', [np.int16, np.int32, np.int64, np.uint8, np.uint16])
def test_integer_data_and_uncertainty(dtype):
    rng = np.random.default_rng(1)
    counts = rng.poisson(6.0, size=(3, 12, 14))
    err = np.maximum(np.round(np.sqrt(counts)), 1)
    floats = bin_pixels(nd(counts.astype(float), err.astype(float), unit='ct'), 5.0,
                        min_diameter=2)
    ints = bin_pixels(nd(counts.astype(dtype), err.astype(dtype), unit='ct'), 5.0,
                      min_diameter=2, mask=np.zeros((12, 14), dtype))
    assert floats.nbins > 5
    assert_array_equal(ints.labels, floats.labels)
    assert_array_equal(ints.flux.value, floats.flux.value)
    assert_array_equal(ints.flux_err.value, floats.flux_err.value)
    assert ints.flux.dtype == np.float64
    binned = floats.apply(NDData(counts.astype(dtype), unit='ct'))
    assert_array_equal(binned.data, floats.flux.value)


def test_integer_fits_cube_with_bscale(reference, tmp_path):
    """A BITPIX = 16 cube with BSCALE/BZERO reads and bins like its float values."""
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    header = cube.wcs.to_header()
    header['BUNIT'] = cube.unit.to_string()
    sci = fits.ImageHDU(cube.data, header=header, name='SCI')
    sci.scale('int16', bscale=float(np.abs(cube.data).max() / 30000), bzero=0.0)
    fits.HDUList([fits.PrimaryHDU(), sci,
                  fits.ImageHDU(cube.uncertainty.array, name='ERR')]).writeto(tmp_path / 'i.fits')
    with fits.open(tmp_path / 'i.fits') as hdul:
        assert hdul['SCI'].header['BITPIX'] == 16
        stored = hdul['SCI'].data.astype(np.float64)
    read = read_cube(tmp_path / 'i.fits')
    assert_array_equal(read.data, stored)
    kwargs = dict(snr=[8.0] * 7 + [0.0] * 5, ref_band=4, min_diameter=3)
    expected = bin_pixels(NDData(stored, unit=cube.unit, wcs=cube.wcs,
                                 uncertainty=StdDevUncertainty(cube.uncertainty.array)),
                          **kwargs)
    assert_array_equal(bin_pixels(read, **kwargs).labels, expected.labels)
    assert expected.nbins > 10


def test_big_endian_arrays(reference):
    cube, kwargs, bm = reference
    big = NDData(cube.data.astype('>f8'), unit=cube.unit, wcs=cube.wcs,
                 uncertainty=StdDevUncertainty(cube.uncertainty.array.astype('>f4')),
                 mask=np.zeros(cube.data.shape[1:], '>i2'))
    little = NDData(cube.data, unit=cube.unit, wcs=cube.wcs,
                    uncertainty=StdDevUncertainty(cube.uncertainty.array.astype('<f4')))
    other = bin_pixels(big, **kwargs)
    assert_array_equal(other.labels, bin_pixels(little, **kwargs).labels)
    swapped = BinMap(bm.labels.astype('>i4'), flux=bm.flux.astype('>f8'),
                     flux_err=bm.flux_err, wcs=bm.wcs)
    assert swapped.labels.dtype.isnative and swapped.nbins == bm.nbins
    assert_array_equal(swapped.labels, bm.labels)
    binned = swapped.apply(big)
    assert_allclose(binned.data, bm.apply(cube).data, rtol=1e-15)


def test_big_endian_fits_files(reference, tmp_path):
    """FITS data are big-endian: cubes and bin maps read from files bin and compare as in memory."""
    cube, kwargs, bm = reference
    write_cube_fits(cube, tmp_path / 'cube.fits')
    with fits.open(tmp_path / 'cube.fits') as hdul:
        assert hdul['SCI'].data.dtype.byteorder == '>'
    from_file = bin_pixels(tmp_path / 'cube.fits', **kwargs)
    assert_array_equal(from_file.labels, bm.labels)
    assert_array_equal(from_file.flux.value, bm.flux.value)
    bm.write(tmp_path / 'bins.fits')
    back = read_binmap(tmp_path / 'bins.fits')
    assert back.labels.dtype.isnative
    assert_array_equal(back.snr, bm.snr)
    assert_array_equal(back.apply(read_cube(tmp_path / 'cube.fits')).data,
                       bm.apply(cube).data)
