# Licensed under a 3-clause BSD style license - see LICENSE
"""The BinMap result object: validation, derived values, re-use of the map."""

import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import NDData, StdDevUncertainty, VarianceUncertainty
from astropy.wcs import WCS
from numpy.testing import assert_allclose, assert_array_equal

from pixbin import BinMap, bin_pixels

LABELS = np.array([[1, 1, 0, 2],
                   [1, 3, 3, 2],
                   [0, 3, 3, 2]])


def simple(**kwargs):
    return BinMap(LABELS, flux=[[4.0, 1.0], [6.0, 2.0], [8.0, 3.0]] * u.Jy,
                  flux_err=[[1.0, 1.0], [2.0, 1.0], [2.0, 1.5]] * u.Jy, **kwargs)


def celestial():
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN']
    wcs.wcs.crval = [150.0, 2.0]
    wcs.wcs.crpix = [2.0, 2.0]
    wcs.wcs.cdelt = [-1e-4, 1e-4]
    return wcs


def test_derived_values():
    bm = simple(band_names=['g', 'r'])
    assert bm.nbins == 3 and bm.shape == (3, 4) and bm.nbands == 2
    assert_array_equal(bm.npix, [3, 3, 4])
    assert_array_equal(bm.bin_ids, [1, 2, 3])
    assert_allclose(bm.snr, [[4, 1], [3, 2], [4, 2]])
    assert_allclose(bm.mean_flux.value, [[4 / 3, 1 / 3], [2, 2 / 3], [2, 0.75]])
    assert_allclose(bm.mean_flux_err.value, [[1 / 3, 1 / 3], [2 / 3, 1 / 3], [0.5, 0.375]])
    assert_allclose(bm.centroid, [[1 / 3, 1 / 3], [3, 1], [1.5, 1.5]])
    assert_array_equal(bm.unbinned, LABELS == 0)
    assert bm.slices[1] == (slice(0, 3), slice(3, 4))
    assert_array_equal(np.asarray(bm), LABELS)
    assert bm.sky_centroid is None
    assert 'nbins=3' in repr(bm) and 'unit=Jy' in repr(bm)


def test_labels_are_read_only_and_copied():
    labels = LABELS.copy()
    bm = BinMap(labels)
    labels[0, 0] = 3
    assert bm.labels[0, 0] == 1
    with pytest.raises(ValueError):
        bm.labels[0, 0] = 2


def test_sky_centroid_and_table():
    bm = simple(wcs=celestial(), band_names=['g', 'r'])
    sky = bm.sky_centroid
    assert sky.shape == (3,)
    x, y = bm.wcs.world_to_pixel(sky)
    assert_allclose(np.column_stack([x, y]), bm.centroid, atol=1e-8)
    table = bm.to_table()
    assert list(table['bin']) == [1, 2, 3]
    assert table['flux_r'].unit == u.Jy and list(table['snr_g']) == [4, 3, 4]
    assert 'sky_centroid' in table.colnames


@pytest.mark.parametrize('ctype', [['LINEAR', 'LINEAR'], ['HPLN-TAN', 'HPLT-TAN']])
def test_wcs_without_a_sky_frame(ctype, tmp_path, capsys):
    """A 2-D WCS that gives no SkyCoord: no sky centroids, the rest works (table, file, info)."""
    from pixbin.cli import main
    w = WCS(naxis=2)
    w.wcs.ctype = ctype
    w.wcs.cunit = ['deg', 'deg']
    w.wcs.cdelt = [-0.2 / 3600, 0.2 / 3600]
    f = np.full((2, 6, 6), 5.0)
    bm = bin_pixels(NDData(f, uncertainty=StdDevUncertainty(np.ones_like(f)), unit='Jy', wcs=w),
                    3)
    assert bm.wcs is not None and bm.sky_centroid is None
    table = bm.to_table()
    assert 'sky_centroid' not in table.colnames and len(table) == bm.nbins
    bm.write(tmp_path / 'bins.fits')
    assert main(['info', str(tmp_path / 'bins.fits')]) == 0
    # the file keeps celestial axes only (helioprojective is one, LINEAR is not)
    assert ('WCS: yes, without a sky frame that astropy knows' if ctype[0] == 'HPLN-TAN'
            else 'WCS: no') in capsys.readouterr().out


def test_pixel_map():
    bm = simple()
    image = bm.pixel_map(bm.snr[:, 0])
    assert_allclose(image, [[4, 4, np.nan, 3], [4, 4, 4, 3], [np.nan, 4, 4, 3]])
    cube = bm.pixel_map(bm.flux)
    assert cube.shape == (2, 3, 4) and cube.unit == u.Jy
    assert cube[1, 2, 3] == 2.0 * u.Jy
    with pytest.raises(ValueError, match=r'one entry per bin \(3\)'):
        bm.pixel_map([1.0, 2.0])


@pytest.mark.parametrize('labels, error, match', [
    (np.ones(4, int), ValueError, 'labels must be a 2-D array'),
    (np.array([[1, -1]]), ValueError, 'labels must be >= 0'),
    (np.array([[1, 3]]), ValueError, r'without gaps; missing \[2\]'),
    (np.array([[0.5, 1.0]]), TypeError, 'labels must be an integer array'),
])
def test_bad_labels(labels, error, match):
    with pytest.raises(error, match=match):
        BinMap(labels)


def test_float_integral_labels_accepted():
    assert BinMap(np.array([[1.0, 2.0]])).nbins == 2


@pytest.mark.parametrize('kwargs, error, match', [
    ({'flux': [[1.0]] * u.Jy}, ValueError, 'flux and flux_err must be given together'),
    ({'flux': [[1.0]], 'flux_err': [[1.0]]}, TypeError, 'flux must be a Quantity'),
    ({'flux': [[1.0]] * u.Jy, 'flux_err': [[1.0]] * u.Jy}, ValueError,
     r'flux must have shape \(nbins, nbands\) with nbins = 3'),
    ({'flux': np.ones((3, 2)) * u.Jy, 'flux_err': np.ones((3, 1)) * u.Jy}, ValueError,
     'flux and flux_err must have the same shape'),
    ({'flux': np.ones((3, 2)) * u.Jy, 'flux_err': np.ones((3, 2)) * u.m}, u.UnitsError,
     'flux_err has unit m, which does not convert'),
    ({'flux': np.ones((3, 2)) * u.Jy, 'flux_err': np.ones((3, 2)) * u.Jy,
      'band_names': ['a']}, ValueError, r'band_names must have one name per band \(2\)'),
])
def test_bad_photometry(kwargs, error, match):
    with pytest.raises(error, match=match):
        BinMap(LABELS, **kwargs)


def test_apply_to_image_and_cube():
    bm = simple(covariance=1.0)
    rng = np.random.default_rng(0)
    data = rng.normal(size=(5, 3, 4))
    err = rng.uniform(0.5, 1.0, (5, 3, 4))
    binned = bm.apply(NDData(data, unit='mJy', uncertainty=StdDevUncertainty(err)))
    assert binned.data.shape == (3, 5) and binned.unit == u.mJy
    eta = 1 + np.log10(bm.npix)
    for i in range(1, 4):
        sel = LABELS == i
        assert_allclose(binned.data[i - 1], data[:, sel].sum(axis=1))
        assert_allclose(binned.uncertainty.array[i - 1],
                        np.sqrt((err[:, sel] ** 2).sum(axis=1)) * eta[i - 1])
    assert not binned.mask.any()
    image = bm.apply(NDData(data[0], unit='mJy', uncertainty=VarianceUncertainty(err[0] ** 2)))
    assert image.data.shape == (3,)
    assert_allclose(image.data, binned.data[:, 0])
    assert_allclose(image.uncertainty.array, binned.uncertainty.array[:, 0])


def test_apply_masks_partial_sums_and_skips_bad_values():
    bm = simple()
    data = np.ones((2, 3, 4))
    data[0, 0, 0] = np.nan
    mask = np.zeros((2, 3, 4), bool)
    mask[1, 2, 2] = True
    binned = bm.apply(NDData(data, unit='Jy', mask=mask))
    assert binned.uncertainty is None
    assert_array_equal(binned.mask, [[True, False], [False, False], [False, True]])
    assert_allclose(binned.data, [[2, 3], [3, 3], [4, 3]])
    # masks as bin_pixels takes them: boolean (or integer), of a plane or of the cube
    plane = bm.apply(NDData(data, unit='Jy', mask=mask[1].astype(np.uint8)))
    assert_array_equal(plane.mask, [[True, False], [False, False], [True, True]])   # NaN too
    with pytest.raises(TypeError, match=r'data.mask must be a boolean array \(True = bad\), '
                                        r'got dtype float64'):
        bm.apply(NDData(data, unit='Jy', mask=np.full((3, 4), 0.5)))
    with pytest.raises(ValueError, match=r'data.mask must have shape \(3, 4\) or \(2, 3, 4\), '
                                         r'got \(4,\)'):
        bm.apply(NDData(data, unit='Jy', mask=np.zeros(4, bool)))


def test_apply_checks_the_grid():
    bm = simple(wcs=celestial())
    with pytest.raises(ValueError, match=r'spatial shape \(3, 5\), but the bin map has \(3, 4\)'):
        bm.apply(NDData(np.ones((3, 5)), unit='Jy'))
    other = celestial()
    other.wcs.crval = [151.0, 2.0]
    with pytest.raises(ValueError, match='different WCS.*reproject'):
        bm.apply(NDData(np.ones((3, 4)), unit='Jy', wcs=other))
    assert bm.apply(NDData(np.ones((3, 4)), unit='Jy', wcs=celestial())).data.shape == (3,)
    with pytest.raises(TypeError, match='data must be an NDData image or cube'):
        bm.apply(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r'image \(ny, nx\) or a cube'):
        bm.apply(NDData(np.ones(4), unit='Jy'))


def test_apply_to_spectrum_cube():
    from specutils import Spectrum
    wcs = WCS(naxis=3)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN', 'WAVE']
    wcs.wcs.cunit = ['deg', 'deg', 'Angstrom']
    wcs.wcs.crval = [150.0, 2.0, 5000.0]
    wcs.wcs.crpix = [2.0, 2.0, 1.0]
    wcs.wcs.cdelt = [-1e-4, 1e-4, 2.0]
    rng = np.random.default_rng(1)
    flux = rng.normal(size=(6, 3, 4))
    spec = Spectrum(flux=flux * u.Jy, wcs=wcs,
                    uncertainty=StdDevUncertainty(np.full((6, 3, 4), 0.5)))
    bm = simple(wcs=celestial())
    binned = bm.apply(spec)
    assert isinstance(binned, Spectrum)
    assert binned.flux.shape == (3, 6)
    assert_allclose(binned.spectral_axis.to_value(u.AA), 5000 + 2 * np.arange(6))
    assert_allclose(binned.flux[2].value, flux[:, LABELS == 3].sum(axis=1))
    assert_allclose(binned.uncertainty.array[2], 0.5 * np.sqrt(4))
    # the legacy (x, y, wave) layout with a spectral axis only
    legacy = Spectrum(flux=np.transpose(flux, (2, 1, 0)) * u.Jy,
                      spectral_axis=(5000 + 2 * np.arange(6)) * u.AA)
    assert_allclose(bm.apply(legacy).flux.value, binned.flux.value)


def test_plot_map_and_sed():
    import matplotlib
    matplotlib.use('Agg')
    bm = simple(wcs=celestial(), band_wavelengths=[0.5, 0.6] * u.um)
    ax = bm.plot_map()
    assert ax.images[0].get_array().shape == (3, 4)
    assert ax.get_title() == '3 bins'
    ax = bm.plot_sed([1, 3])
    assert len(ax.containers) == 2
    with pytest.raises(ValueError, match='bin_ids must be between 1 and 3'):
        bm.plot_sed(4)
    with pytest.raises(TypeError, match='bin_ids must be a bin number or a sequence'):
        bm.plot_sed(1.7)
    # without wavelengths: the bands in order, named, and the label says what to give
    ax = simple(band_names=['a', 'b']).plot_sed([1, 2])
    assert len(ax.containers) == 2 and ax.get_xscale() == 'linear'
    assert_allclose(ax.containers[1].lines[0].get_xdata(), [0, 1])
    assert_allclose(ax.containers[1].lines[0].get_ydata(), [6.0, 2.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ['a', 'b']
    assert 'band_wavelengths=' in ax.get_xlabel()
    with pytest.raises(u.UnitsError, match='give band_wavelengths= to bin_pixels'):
        simple().plot_sed(1, unit='erg / (s cm2 Angstrom)')
    assert simple().plot_sed(1, unit='mJy').containers[0].lines[0].get_ydata()[0] == 4000.0
    import matplotlib.pyplot as plt
    plt.close('all')


# -- valid, unbinned and no-data pixels ------------------------------------------------------

def test_pixel_counts_tell_valid_from_no_data():
    bm = simple(meta={'nvalid': 11})
    assert (bm.n_binned, bm.n_unbinned, bm.n_nodata) == (10, 1, 1)
    assert bm.unbinned.sum() == 2                      # both kinds of pixels in no bin
    assert 'unbinned=1 px, nodata=1 px' in repr(bm)
    assert 'unbinned=0 px,' in repr(simple(meta={'nvalid': np.int64(10)}))
    assert 'nodata' not in repr(simple(meta={'nvalid': 12}))


def test_pixel_counts_unknown_without_nvalid():
    bm = simple()
    assert bm.n_binned == 10
    assert bm.n_unbinned is None and bm.n_nodata is None
    assert 'in no bin=2 px (valid or not: nvalid unknown)' in repr(bm)


@pytest.mark.parametrize('nvalid', [9, 13, 10.0, '11', True])
def test_pixel_counts_refuse_a_wrong_nvalid(nvalid):
    bm = simple(meta={'nvalid': nvalid})
    match = (r"meta\['nvalid'\] must be an integer number of valid pixels between the 10 "
             r"pixels in bins and the 12 pixels of the grid, got ")
    with pytest.raises(ValueError, match=match):
        bm.n_unbinned
    with pytest.raises(ValueError, match=match):
        bm.n_nodata
    assert 'nvalid unknown' in repr(bm)                # the repr never raises


def test_pixel_counts_of_a_cube_with_holes(tmp_path):
    """Pixels without data (outside the field, masked) are not 'unbinned'."""
    import pixbin
    cube = pixbin.datasets.make_mock_galaxy(shape=(30, 30))
    y, x = np.indices((30, 30))
    outside = np.hypot(y - 14.5, x - 14.5) > 12           # no data outside a disc
    data = np.where(outside, np.nan, cube.data)
    cube = NDData(data, unit=cube.unit, uncertainty=cube.uncertainty, wcs=cube.wcs,
                  meta=cube.meta)
    bm = pixbin.bin_pixels(cube, 5.0, ref_band=4)
    nvalid = int(np.count_nonzero(~outside))
    assert bm.meta['nvalid'] == nvalid == 448
    assert bm.n_binned == np.count_nonzero(bm.labels) > 0
    assert bm.n_binned + bm.n_unbinned == nvalid
    assert bm.n_nodata == outside.sum() == 452
    assert bm.n_unbinned < bm.unbinned.sum() == bm.n_unbinned + 452
    bm.write(tmp_path / 'b.fits')
    back = BinMap.read(tmp_path / 'b.fits')
    assert (back.n_binned, back.n_unbinned, back.n_nodata) == \
        (bm.n_binned, bm.n_unbinned, bm.n_nodata)
