# Licensed under a 3-clause BSD style license - see LICENSE
"""
Bad input anywhere gets a clear error that names the argument (or the file) and
what was expected: bin_pixels (the cases test_validation.py does not cover),
the BinMap constructor, BinMap.apply, read_binmap, read_pixedfit, read_cube and
the command line (exit code 2 and one line, no traceback).
"""

import shutil

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import (InverseVariance, NDData, StdDevUncertainty, UnknownUncertainty,
                            VarianceUncertainty)
from astropy.wcs import WCS
from pixbin_test_helpers import write_cube_fits, write_fluxmap_fits, write_pixedfit_binmap

import pixbin
from pixbin import BinMap, bin_pixels, read_binmap, read_pixedfit
from pixbin.cli import main
from pixbin.io import read_cube

SHAPE = (2, 4, 5)


def nd(data=None, err=1.0, unit='Jy', uncertainty=StdDevUncertainty, **kwargs):
    data = np.full(SHAPE, 5.0) if data is None else data
    err = np.broadcast_to(err, np.shape(data)).copy()
    return NDData(data, unit=unit, uncertainty=uncertainty(err), **kwargs)


# -- bin_pixels ---------------------------------------------------------------------------

@pytest.mark.parametrize('args, kwargs, error, match', [
    # data
    ((nd(np.full(SHAPE, np.inf)), 5), {}, ValueError, 'cube has no valid pixel'),
    ((nd(err=0.0), 5), {}, ValueError,
     r'cube.uncertainty must be finite and positive .* 40 value\(s\)'),
    ((nd(err=-2.0), 5), {}, ValueError, r'first at index \(0, 0, 0\): -2.0'),
    ((nd(err=-4.0, uncertainty=VarianceUncertainty), 5), {}, ValueError,
     'cube.uncertainty must be finite and positive'),
    ((nd(err=-4.0, uncertainty=InverseVariance), 5), {}, ValueError,
     'cube.uncertainty must be finite and positive'),
    ((nd(err=0.0, uncertainty=InverseVariance), 5), {}, ValueError,
     'cube has no valid pixel'),             # inverse variance 0: no measurement anywhere
    ((nd(np.full(SHAPE, 1 + 1j)), 5), {}, TypeError,
     'cube.data must be real numbers, got dtype complex128'),
    ((nd(np.full(SHAPE, 'a')), 5), {}, TypeError, 'cube.data must be real numbers'),
    ((nd(np.ones((2, 0, 5))), 5), {}, ValueError, r'cube is empty: shape \(2, 0, 5\)'),
    ((nd(mask=np.zeros((4, 6), bool)), 5), {}, ValueError,
     r'cube.mask must have shape \(4, 5\) or \(2, 4, 5\), got \(4, 6\)'),
    ((nd(), 5), {'mask': np.zeros((3, 4, 5), bool)}, ValueError,
     r'mask must have shape \(4, 5\) or \(2, 4, 5\), got \(3, 4, 5\)'),
    ((nd(), 5), {'mask': 'yes'}, TypeError, 'mask must be a boolean array'),
    (('/nonexistent/cube.fits', 5), {}, FileNotFoundError, 'cube.fits: no such file'),
    # snr
    ((nd(), None), {}, TypeError, 'snr must be a number or a sequence of numbers'),
    ((nd(), [[5, 5]]), {}, ValueError, r'snr must be a scalar or have one value per band \(2\)'),
    ((nd(), [np.inf, 1]), {}, ValueError, r'snr must be finite and >= 0'),
    ((nd(), {'band0': -1}), {}, ValueError, r'snr must be finite and >= 0'),
    ((nd(), 5 * u.Jy), {}, u.UnitsError, 'snr must be dimensionless'),
    # ref_band
    ((nd(), 5), {'ref_band': True}, TypeError, 'ref_band must be a band index'),
    ((nd(), 5), {'ref_band': np.int64(2)}, ValueError, 'ref_band must be between 0 and 1'),
    # min_diameter
    ((nd(), 5), {'min_diameter': -1}, ValueError, 'min_diameter must be a finite positive'),
    ((nd(), 5), {'min_diameter': np.nan}, ValueError, 'min_diameter must be a finite positive'),
    ((nd(), 5), {'min_diameter': True}, TypeError, 'min_diameter must be a real number'),
    ((nd(), 5), {'min_diameter': None}, TypeError, 'min_diameter must be a real number'),
    ((nd(), 5), {'min_diameter': [3]}, TypeError, 'min_diameter must be a real number'),
    ((nd(), 5), {'min_diameter': 3 * u.kg}, u.UnitsError, 'min_diameter must be dimensionless'),
    # other options
    ((nd(), 5), {'redchi2_limit': 0}, ValueError, 'redchi2_limit must be a finite positive'),
    ((nd(), 5), {'sys_err': np.inf}, ValueError, 'sys_err must be a finite non-negative'),
    ((nd(), 5), {'sys_err': 'a'}, TypeError, 'sys_err must be a real number'),
    ((nd(), 5), {'strict_min_diameter': 'no'}, TypeError,
     "strict_min_diameter must be True or False, got 'no'"),
    ((nd(), 5), {'leftovers': None}, TypeError, 'leftovers must be one of'),
    ((nd(), 5), {'leftovers': 'drop'}, ValueError, 'leftovers must be one of'),
    ((nd(), 5), {'method': None}, TypeError, 'method must be one of'),
    ((nd(), 5), {'method': 'voronoi'}, ValueError, 'method must be one of'),
    ((nd(), 5), {'covariance': np.nan}, ValueError, 'covariance must be None, a finite alpha'),
    ((nd(), 5), {'covariance': True}, TypeError, 'covariance must be None, a finite alpha'),
    ((nd(), 5), {'covariance': '1.62'}, TypeError, 'covariance must be None, a finite alpha'),
    ((nd(), 5), {'covariance': lambda n: -n}, ValueError,
     'covariance.n. must return finite positive factors'),
    ((nd(), 5), {'spec_min_fraction': 0}, ValueError, 'spec_min_fraction must be a finite'),
    ((nd(), 5), {'spec_min_fraction': 2}, ValueError, r'spec_min_fraction must be in \(0, 1\]'),
    ((nd(), 5), {'spec_region': np.ones((4, 5), bool)}, ValueError,
     'spec_region was given without spectra'),
    ((nd(), 5), {'spectra': np.ones((3, 4, 5))}, TypeError,
     'spectra must be a specutils Spectrum cube'),
    ((nd(), 5), {'band_wavelengths': 'abc'}, TypeError,
     'band_wavelengths must be a Quantity .wavelength, frequency or energy'),
    ((nd(), 5), {'band_wavelengths': [1, 2]}, u.UnitsError,
     'band_wavelengths must be a wavelength, frequency or energy, got no unit'),
    (([nd(np.ones(SHAPE[1:]), meta={'band_wavelengths': 4700.0}),
       nd(np.ones(SHAPE[1:]), meta={'band_wavelengths': 6000 * u.AA})], 5),
     {}, u.UnitsError, r"cube\[0\].meta\['band_wavelengths'\] must be a wavelength, frequency"),
    (([nd(np.ones(SHAPE[1:]), meta={'band_wavelengths': 'g'}),
       nd(np.ones(SHAPE[1:]), meta={'band_wavelengths': 6000 * u.AA})], 5),
     {}, u.UnitsError, r"cube\[0\].meta\['band_wavelengths'\] must be a wavelength, frequency"),
])
def test_bin_pixels(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        bin_pixels(*args, **kwargs)


# -- the BinMap constructor ---------------------------------------------------------------

ONE = np.ones((2, 2), int)
JY = [[1.0]] * u.Jy


@pytest.mark.parametrize('args, kwargs, error, match', [
    ((None,), {}, ValueError, r'labels must be a 2-D array, got shape \(\)'),
    ((np.ones((1, 2, 2), int),), {}, ValueError, 'labels must be a 2-D array'),
    ((np.zeros((0, 3), int),), {}, ValueError, r'labels must not be empty, got shape \(0, 3\)'),
    ((np.array([['a']]),), {}, TypeError, 'labels must be an integer array, got dtype <U1'),
    ((np.array([[True, False]]),), {}, TypeError, 'labels must be an integer array'),
    ((np.array([[np.nan, 1.0]]),), {}, TypeError, 'labels must be an integer array'),
    ((np.array([[1, 2**40]]),), {}, ValueError,
     r'labels must number the bins 1..nbins without gaps; missing \[2, 3, 4,'),
    ((ONE,), {'flux': np.ones((1, 1, 1)) * u.Jy, 'flux_err': np.ones((1, 1, 1)) * u.Jy},
     ValueError, r'flux must have shape \(nbins, nbands\) with nbins = 1'),
    ((ONE,), {'flux': [[1.0]] * u.m, 'flux_err': [[1.0]] * u.m}, u.UnitsError,
     'flux.unit must have a linear flux, flux density, surface brightness or count unit, '
     'got m'),
    ((ONE,), {'flux': JY, 'flux_err': [[-1.0]] * u.Jy}, ValueError,
     r'flux_err must be >= 0 \(or NaN\), got 1 negative value'),
    ((ONE,), {'flux': JY, 'flux_err': JY, 'band_wavelengths': [1, 2] * u.um}, ValueError,
     r'band_wavelengths must have one value per band \(1\)'),
    ((ONE,), {'flux': JY, 'flux_err': JY, 'band_wavelengths': [1] * u.kg}, u.UnitsError,
     'band_wavelengths must be a wavelength, frequency or energy, got unit kg'),
    ((ONE,), {'wcs': 'x'}, TypeError, 'wcs must be a WCS .an astropy WCS or an APE-14'),
    ((ONE,), {'covariance': -1}, ValueError, 'covariance must be None, a finite alpha'),
    ((ONE,), {'meta': [1]}, TypeError, 'meta must be a dict, got list'),
    ((ONE,), {'spec_labels': ONE}, ValueError, 'spectra and spec_labels must be given together'),
    ((ONE,), {'spec_region': np.ones((3, 2), bool)}, ValueError,
     r'spec_region must have shape \(2, 2\), got \(3, 2\)'),
])
def test_binmap_constructor(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        BinMap(*args, **kwargs)


def test_binmap_accepts_nan_errors_and_unitless_wavelength_free_maps():
    """What the checks above must not refuse."""
    bm = BinMap(ONE, flux=[[1.0]] * u.ct, flux_err=[[np.nan]] * u.ct,
                band_wavelengths=[1.5] * u.GHz)
    assert np.isnan(bm.snr[0, 0]) and bm.band_wavelengths.unit == u.GHz
    assert BinMap(ONE, flux=[[2.0]] * u.one, flux_err=[[1.0]] * u.one).snr[0, 0] == 2.0


# -- BinMap.apply ---------------------------------------------------------------------------

def celestial(crval=150.0):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN']
    wcs.wcs.crval = [crval, 2.0]
    wcs.wcs.crpix = [2.0, 2.0]
    wcs.wcs.cdelt = [-1e-4, 1e-4]
    return wcs


MAP = BinMap(np.array([[1, 1], [2, 0]]), flux=np.ones((2, 2)) * u.Jy,
             flux_err=np.ones((2, 2)) * u.Jy, wcs=celestial())


def spectrum(shape=(6, 2, 3)):
    from specutils import Spectrum
    return Spectrum(flux=np.ones(shape) * u.Jy, spectral_axis=np.arange(1, 7) * u.um,
                    spectral_axis_index=0)


@pytest.mark.parametrize('data, error, match', [
    (None, TypeError, 'data must be an NDData image or cube, or a specutils Spectrum cube, '
                      'got NoneType'),
    (np.ones((2, 2)), TypeError, 'got ndarray'),
    (NDData(np.ones(4), unit='Jy'), ValueError, r'data must be an image \(ny, nx\) or a cube'),
    (NDData(np.ones((1, 2, 2, 2)), unit='Jy'), ValueError, r'got shape \(1, 2, 2, 2\)'),
    (NDData(np.ones((0, 2, 2)), unit='Jy'), ValueError, r'data is empty: shape \(0, 2, 2\)'),
    (NDData(np.ones((3, 2))), ValueError,
     r'data has spatial shape \(3, 2\), but the bin map has \(2, 2\)'),
    (NDData(np.ones((2, 2)), wcs=celestial(151.0)), ValueError,
     'data has a different WCS from the bin map'),
    (NDData(np.full((2, 2), 'a')), TypeError, 'data must hold real numbers, got dtype <U1'),
    (NDData(np.full((2, 2), 1j)), TypeError, 'data must hold real numbers, got dtype complex'),
    (NDData(np.ones((2, 2, 2)), unit='Jy', uncertainty=StdDevUncertainty(np.ones((3, 2, 2)))),
     ValueError, r'data.uncertainty has shape \(3, 2, 2\), but data has shape \(2, 2, 2\)'),
    (NDData(np.ones((2, 2)), unit='Jy', uncertainty=StdDevUncertainty(-np.ones((2, 2)))),
     ValueError, r'data.uncertainty must be >= 0 .* 4 negative value'),
    (NDData(np.ones((2, 2)), unit='Jy', uncertainty=UnknownUncertainty(np.ones((2, 2)))),
     TypeError, 'data.uncertainty must be a StdDevUncertainty'),
    (NDData(np.ones((2, 2, 2)), unit='Jy', mask=np.ones((3, 2), bool)), ValueError,
     r'data.mask must have shape \(2, 2\) or \(2, 2, 2\), got \(3, 2\)'),
    (spectrum((6, 2, 3)), ValueError, 'data has spatial shape'),
])
def test_binmap_apply(data, error, match):
    with pytest.raises(error, match=match):
        MAP.apply(data)


# -- FITS files ---------------------------------------------------------------------------


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """A good bin-map file, piXedfit-style bin-map file, flux-map cube and plain cube."""
    folder = tmp_path_factory.mktemp('good')
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    bm = bin_pixels(cube, 5.0, ref_band=4, min_diameter=2)
    assert bm.nbins > 4 and len(set(bm.npix.tolist())) < bm.nbins
    bm.write(folder / 'bins.fits')
    y, x = np.indices((20, 20))
    region = np.hypot(y - 10, x - 10) < 8
    write_fluxmap_fits(folder / 'fluxmap.fits', cube, region)
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(20, 20))
    write_fluxmap_fits(folder / 'specphot.fits', cube, region, spectra, footprint)
    write_cube_fits(cube, folder / 'cube.fits')
    labels = np.array([[1, 1, 2], [3, 2, 2]])
    flux = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    write_pixedfit_binmap(folder / 'pxf.fits', labels, flux, flux / 10)
    return folder


def edited(src, dst, edit):
    with fits.open(src) as hdul:
        edit(hdul)
        hdul.writeto(dst)
    return dst


def set_header(ext, key, value):
    def edit(hdul):
        hdul[ext].header[key] = value
    return edit


def del_header(ext, key):
    def edit(hdul):
        del hdul[ext].header[key]
    return edit


def set_data(ext, data):
    def edit(hdul):
        hdul[ext].data = data
    return edit


def drop(ext):
    def edit(hdul):
        del hdul[ext]
    return edit


def swap_two_bins_of_equal_size(hdul):
    labels = hdul['BIN_MAP'].data
    npix = np.bincount(labels.ravel())
    a, b = [i for i in range(1, npix.size) if npix[i] == 1][:2]
    swapped = labels.copy()
    swapped[labels == a], swapped[labels == b] = b, a
    hdul['BIN_MAP'].data = swapped


def huge_label(hdul):
    hdul['BIN_MAP'].data[0, 0] = 2**31 - 1


def drop_column(name):
    def edit(hdul):
        table = hdul['BINS']
        hdul['BINS'] = fits.BinTableHDU.from_columns(
            [c for c in table.columns if c.name != name], header=table.header, name='BINS')
    return edit


def other_flux_in_one_pixel(hdul):
    hdul['BIN_FLUX'].data[0, 1, 2] = 99.0      # a pixel of bin 2, which has 2.0 elsewhere


def truncate(src, dst):
    """Cut in the middle of an HDU."""
    data = src.read_bytes()
    cut = len(data) // 2 + 1000
    assert cut % 2880
    dst.write_bytes(data[:cut])
    return dst


def truncate_at_an_extension(src, dst):
    """Cut between two HDUs: what remains is a valid FITS file."""
    with fits.open(src) as hdul:
        cut = hdul.fileinfo(3)['hdrLoc']
    dst.write_bytes(src.read_bytes()[:cut])
    return dst


def corrupt_header(src, dst):
    dst.write_bytes(b'SIMPLE  = nonsense' + b' ' * 3000)
    return dst


def empty(src, dst):
    dst.write_bytes(b'')
    return dst


def folder(src, dst):
    dst.mkdir()
    return dst


BINMAP_FILES = [
    ('bins.fits', truncate, ValueError, r'bad.fits: not a readable FITS file'),
    ('bins.fits', truncate_at_an_extension, ValueError,
     r'bad.fits: incomplete pixbin bin-map file \(truncated\?\): missing extension\(s\) '
     r'BINS, BANDS \(found: PRIMARY, BIN_MAP, BIN_FLUX\)'),
    ('bins.fits', corrupt_header, ValueError, r'bad.fits: not a readable FITS file'),
    ('bins.fits', empty, ValueError, r'bad.fits: not a readable FITS file'),
    ('bins.fits', folder, ValueError, r'bad.fits: not a readable FITS file'),
    ('fluxmap.fits', None, ValueError,
     r'bad.fits is not a bin-map file: it has no BIN_MAP or PHOTO_BIN_MAP extension \(found: '
     r'PRIMARY, GALAXY_REGION, FLUX, FLUX_ERR\)'),
    ('bins.fits', swap_two_bins_of_equal_size, ValueError,
     r'bad.fits: the labels of BIN_MAP and the BINS table disagree: the centroids of bin '),
    ('bins.fits', huge_label, ValueError,
     r'bad.fits: BIN_MAP has label 2147483647 but only 400 pixels'),
    ('bins.fits', set_data('BIN_MAP', np.ones((1, 20, 20), np.int32)), ValueError,
     'bad.fits: extension BIN_MAP must be a 2-D label image'),
    ('bins.fits', set_data('BIN_MAP', np.full((20, 20), 0.5)), ValueError,
     'bad.fits: extension BIN_MAP must hold non-negative integer labels'),
    ('bins.fits', set_data('BIN_MAP', np.full((20, 20), -1, np.int32)), ValueError,
     'bad.fits: extension BIN_MAP must hold non-negative integer labels'),
    ('bins.fits', set_data('BIN_MAP', None), ValueError,
     'bad.fits: extension BIN_MAP must be a 2-D label image'),
    ('bins.fits', drop_column('FLUX'), ValueError,
     r'bad.fits: the BINS table has no column\(s\) FLUX'),
    ('bins.fits', set_header('BINS', 'TUNIT7', 'm'), ValueError,
     r'bad.fits: inconsistent bin-map file \(flux_err has unit m'),
    ('pxf.fits', other_flux_in_one_pixel, ValueError,
     r'bad.fits: BIN_FLUX and BIN_MAP disagree: the pixels of bin 2 hold different values'),
    ('pxf.fits', drop('BIN_FLUXERR'), ValueError,
     r'bad.fits is not a bin-map file: missing extension\(s\) BIN_FLUX, BIN_FLUXERR'),
    ('pxf.fits', set_data('BIN_FLUX', np.ones((2, 3, 3))), ValueError,
     r'bad.fits: BIN_FLUX \(2, 3, 3\) and BIN_FLUXERR \(2, 2, 3\) do not match BIN_MAP'),
    ('pxf.fits', set_header('BIN_MAP', 'nfilters', 3), ValueError, 'and nfilters = 3'),
    ('pxf.fits', set_header('BIN_MAP', 'nfilters', 'x'), ValueError,
     "bad.fits: header keyword nfilters must be an integer, got 'x'"),
    ('pxf.fits', set_header('BIN_MAP', 'unit', 'x'), ValueError,
     "bad.fits: header keyword unit must be a finite positive number"),
    ('pxf.fits', set_data('BIN_MAP', np.array([[1.0, 1.0, 5.0], [3.0, 5.0, 5.0]])), ValueError,
     r'bad.fits: inconsistent bin-map file \(labels must number the bins 1..nbins without'),
]


@pytest.mark.parametrize('good, edit, error, match', BINMAP_FILES)
def test_read_binmap(files, tmp_path, good, edit, error, match):
    path = make_bad_file(files / good, tmp_path / 'bad.fits', edit)
    with pytest.raises(error, match=match):
        read_binmap(path)
    with pytest.raises(error, match=match):
        BinMap.read(path)


def make_bad_file(src, dst, edit):
    if edit is None:
        shutil.copy(src, dst)
    elif edit in (truncate, truncate_at_an_extension, corrupt_header, empty, folder):
        edit(src, dst)
    else:
        edited(src, dst, edit)
    return dst


@pytest.mark.parametrize('path, error, match', [
    (None, TypeError, 'path must be a file name .str or path-like. or an open binary file, '
                      'got NoneType'),
    (3, TypeError, 'got int'),
    ('/nonexistent/bins.fits', FileNotFoundError, 'bins.fits: no such file'),
])
def test_read_binmap_path(path, error, match):
    with pytest.raises(error, match=match):
        read_binmap(path)


PIXEDFIT_FILES = [
    ('fluxmap.fits', truncate, ValueError, 'bad.fits: not a readable FITS file'),
    ('fluxmap.fits', empty, ValueError, 'bad.fits: not a readable FITS file'),
    ('fluxmap.fits', folder, ValueError, 'bad.fits: not a readable FITS file'),
    ('bins.fits', None, ValueError,
     r'bad.fits is not a piXedfit flux-map cube: it is a bin-map file \(read it with '
     r'read_binmap\)'),
    ('fluxmap.fits', del_header(0, 'nfilters'), ValueError,
     'bad.fits is not a piXedfit flux-map cube: the primary header has no nfilters keyword'),
    ('fluxmap.fits', set_header(0, 'nfilters', 'abc'), ValueError,
     "bad.fits: header keyword nfilters must be an integer, got 'abc'"),
    ('fluxmap.fits', set_header(0, 'specphot', 'abc'), ValueError,
     "bad.fits: header keyword specphot must be 0 or 1, got 'abc'"),
    ('fluxmap.fits', set_header(0, 'specphot', 3), ValueError,
     'bad.fits: header keyword specphot must be 0 or 1, got 3'),
    ('fluxmap.fits', set_header(0, 'nfilters', 13), ValueError,
     r'header keyword fil12 is missing \(nfilters = 13\)'),
    ('fluxmap.fits', set_header(0, 'unit', 'abc'), ValueError,
     "bad.fits: header keyword unit must be a finite positive number .*, got 'abc'"),
    ('fluxmap.fits', set_header(0, 'unit', 0.0), ValueError,
     'bad.fits: header keyword unit must be a finite positive number .*, got 0.0'),
    ('fluxmap.fits', set_header(0, 'unit', -1e-17), ValueError,
     'header keyword unit must be a finite positive number'),
    ('fluxmap.fits', set_data('FLUX', np.ones((20, 20))), ValueError,
     r'bad.fits: extension FLUX must have shape \(nfilters = 12, ny, nx\), got \(20, 20\)'),
    ('fluxmap.fits', set_data('FLUX', None), ValueError,
     r'extension FLUX must have shape \(nfilters = 12, ny, nx\), got \(\)'),
    ('fluxmap.fits', set_data('FLUX_ERR', np.ones((12, 20, 21))), ValueError,
     r'extensions FLUX \(12, 20, 20\), FLUX_ERR \(12, 20, 21\) and GALAXY_REGION \(20, 20\) '
     r'do not match'),
    ('fluxmap.fits', set_data('GALAXY_REGION', np.ones((21, 20))), ValueError,
     r'GALAXY_REGION \(21, 20\) do not match'),
    ('fluxmap.fits', drop('FLUX'), ValueError,
     r'is not a piXedfit flux-map cube: missing extension\(s\) FLUX'),
    ('specphot.fits', drop('WAVE'), ValueError, r'missing extension\(s\) WAVE'),
    ('specphot.fits', set_data('SPEC_FLUX', np.ones((5, 20, 20))), ValueError,
     r'bad.fits: SPEC_FLUX \(5, 20, 20\) and SPEC_FLUXERR .* must have shape \(nwave = 1800'),
]


@pytest.mark.parametrize('good, edit, error, match', PIXEDFIT_FILES)
def test_read_pixedfit(files, tmp_path, good, edit, error, match):
    path = make_bad_file(files / good, tmp_path / 'bad.fits', edit)
    with pytest.raises(error, match=match):
        read_pixedfit(path)


def test_read_pixedfit_path():
    with pytest.raises(TypeError, match='path must be a file name'):
        read_pixedfit(None)
    with pytest.raises(FileNotFoundError, match='absent.fits: no such file'):
        read_pixedfit('/nonexistent/absent.fits')


CUBE_FILES = [
    ('cube.fits', truncate, ValueError, 'bad.fits: not a readable FITS file'),
    ('cube.fits', drop('ERR'), ValueError,
     r'bad.fits has no uncertainty extension \(one of FLUX_ERR, ERR'),
    ('cube.fits', set_header('SCI', 'BUNIT', 'notaunit'), u.UnitsError,
     "bad.fits: BUNIT 'notaunit' is not a unit"),
    ('cube.fits', set_header('ERR', 'BUNIT', 'notaunit'), u.UnitsError,
     "bad.fits: the uncertainty .ERR. has BUNIT 'notaunit', which is not a unit"),
    ('cube.fits', set_header('ERR', 'BUNIT', 'km/s'), u.UnitsError,
     r'bad.fits: the uncertainty \(ERR\) has unit km / s, which does not match the flux unit'),
    ('cube.fits', set_data('SCI', np.ones(20)), ValueError,
     r'bad.fits: the flux \(SCI\) must be an image \(ny, nx\) or a cube'),
    ('bins.fits', None, ValueError,
     'bad.fits is a bin-map file, not a cube: read it with read_binmap'),
]


@pytest.mark.parametrize('good, edit, error, match', CUBE_FILES)
def test_read_cube(files, tmp_path, good, edit, error, match):
    path = make_bad_file(files / good, tmp_path / 'bad.fits', edit)
    with pytest.raises(error, match=match):
        read_cube(path)


# -- the command line ---------------------------------------------------------------------

def all_nan(hdul):
    hdul['SCI'].data = np.full_like(hdul['SCI'].data, np.nan)


def zero_err(hdul):
    hdul['ERR'].data = np.zeros_like(hdul['ERR'].data)


def cut_err(hdul):
    hdul['ERR'].data = hdul['ERR'].data[:, :, :-1]


CLI_CASES = [
    # (input file, its edit, extra arguments, message)
    ('cube.fits', None, ['--snr', '-1'], 'snr must be finite and >= 0'),
    ('cube.fits', None, ['--snr', 'nan'], 'snr must be finite and >= 0'),
    ('cube.fits', None, ['--snr', '5,5'], 'snr must be a scalar or have one value per band (12)'),
    ('cube.fits', None, ['--snr', '5', '--ref-band', '12'],
     'ref_band must be between 0 and 11 (there are 12 bands), got 12'),
    ('cube.fits', None, ['--snr', '5', '--ref-band', '-1'], 'ref_band must be between 0 and 11'),
    ('cube.fits', None, ['--snr', '5', '--min-diameter', '0'],
     'min_diameter must be a finite positive number, got 0.0'),
    ('cube.fits', None, ['--snr', '5', '--min-diameter', 'nan'],
     'min_diameter must be a finite positive number, got nan'),
    ('cube.fits', None, ['--snr', '5', '--redchi2-limit', '-1'],
     'redchi2_limit must be a finite positive number'),
    ('cube.fits', None, ['--snr', '5', '--sys-err', 'inf'],
     'sys_err must be a finite non-negative number'),
    ('cube.fits', None, ['--snr', '5', '--covariance', '-1'], 'covariance must be None, a finite'),
    ('cube.fits', None, ['--snr', '5', '--spec-min-fraction', '2'],
     'spec_min_fraction must be in (0, 1]'),
    ('cube.fits', truncate, ['--snr', '5'], 'bad.fits: not a readable FITS file'),
    ('cube.fits', corrupt_header, ['--snr', '5'], 'bad.fits: not a readable FITS file'),
    ('cube.fits', folder, ['--snr', '5'], 'bad.fits: not a readable FITS file'),
    ('cube.fits', drop('ERR'), ['--snr', '5'], 'bad.fits has no uncertainty extension'),
    ('cube.fits', set_header('SCI', 'BUNIT', 'km/s'), ['--snr', '5'],
     'cube.unit must have a linear flux, flux density, surface brightness or count unit, '
     'got km / s'),
    ('cube.fits', set_header('ERR', 'BUNIT', 'km/s'), ['--snr', '5'],
     'bad.fits: the uncertainty (ERR) has unit km / s, which does not match the flux unit'),
    ('cube.fits', all_nan, ['--snr', '5'], 'cube has no valid pixel'),
    ('cube.fits', zero_err, ['--snr', '5'],
     'cube.uncertainty must be finite and positive where the data are valid'),
    ('cube.fits', cut_err, ['--snr', '5'],
     'bad.fits: the uncertainty (ERR) has shape (12, 20, 19), the flux (SCI) (12, 20, 20)'),
    ('cube.fits', set_data('SCI', np.ones(20)), ['--snr', '5'],
     'bad.fits: the flux (SCI) must be an image (ny, nx) or a cube'),
    ('bins.fits', None, ['--snr', '5'], 'bad.fits is a bin-map file, not a cube'),
    ('fluxmap.fits', set_header(0, 'nfilters', 'abc'), ['--snr', '5'],
     "bad.fits: header keyword nfilters must be an integer, got 'abc'"),
]


def run_cli(args, capsys):
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code, err, command, message):
    assert code == 2
    assert err.startswith(f'pixbin {command}: error: ')
    assert message in err
    assert err.count('\n') == 1 and 'Traceback' not in err


@pytest.mark.parametrize('good, edit, extra, message', CLI_CASES)
def test_cli_bin(files, tmp_path, capsys, good, edit, extra, message):
    path = make_bad_file(files / good, tmp_path / 'bad.fits', edit)
    out = tmp_path / 'out.fits'
    code, _, err = run_cli(['bin', path, '-o', out, '--no-progress'] + extra, capsys)
    assert_one_line_error(code, err, 'bin', message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['bad.fits']


@pytest.mark.parametrize('good, edit, message', [
    ('bins.fits', truncate, 'bad.fits: not a readable FITS file'),
    ('bins.fits', truncate_at_an_extension, 'bad.fits: incomplete pixbin bin-map file'),
    ('bins.fits', empty, 'bad.fits: not a readable FITS file'),
    ('bins.fits', swap_two_bins_of_equal_size,
     'bad.fits: the labels of BIN_MAP and the BINS table disagree'),
    ('bins.fits', huge_label, 'bad.fits: BIN_MAP has label 2147483647 but only 400 pixels'),
    ('fluxmap.fits', None, 'bad.fits is not a bin-map file'),
    ('pxf.fits', other_flux_in_one_pixel, 'bad.fits: BIN_FLUX and BIN_MAP disagree'),
    ('bins.fits', folder, 'bad.fits: not a readable FITS file'),
])
def test_cli_info(files, tmp_path, capsys, good, edit, message):
    path = make_bad_file(files / good, tmp_path / 'bad.fits', edit)
    code, out, err = run_cli(['info', path], capsys)
    assert_one_line_error(code, err, 'info', message)
    assert out == ''


@pytest.mark.parametrize('output, overwrite, message', [
    ('bins.out', False, 'bins.out: cannot tell the file format from the name; use a .fits name'),
    ('folder.fits', True, 'cannot write folder.fits: it is a folder'),
])
def test_cli_output_names(files, tmp_path, capsys, monkeypatch, output, overwrite, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / 'folder.fits').mkdir()
    args = ['bin', files / 'cube.fits', '--snr', '5', '-o', output, '--no-progress']
    code, _, err = run_cli(args + (['--overwrite'] if overwrite else []), capsys)
    assert_one_line_error(code, err, 'bin', message)
    assert [p.name for p in tmp_path.iterdir()] == ['folder.fits']
    assert list((tmp_path / 'folder.fits').iterdir()) == []


def test_cli_unwritable_output_folder(files, tmp_path, capsys, monkeypatch):
    """A read-only folder (simulated: the tests may run as root, who may write anywhere)."""
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, 'Permission denied', str(tmp_path))

    monkeypatch.setattr(tempfile, 'mkstemp', refuse)
    code, _, err = run_cli(['bin', files / 'cube.fits', '--snr', '5', '-o',
                            tmp_path / 'bins.fits', '--no-progress'], capsys)
    assert_one_line_error(code, err, 'bin', 'Permission denied')
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize('args, message', [
    (['bin', 'x.fits', '-o', 'y.fits', '--snr', 'ten'], 'expected a number or comma-separated'),
    (['bin', 'x.fits', '-o', 'y.fits', '--snr', ''], 'expected a number or comma-separated'),
    (['bin', 'x.fits', '-o', 'y.fits', '--snr', '5', '--min-diameter', 'abc'],
     "argument --min-diameter: expected a number of pixels or an angle with its unit, e.g. 4 "
     "or 0.8arcsec, got 'abc'"),
    (['bin', 'x.fits', '-o', 'y.fits', '--snr', '5', '--min-diameter', '2 km'],
     "argument --min-diameter: expected a number of pixels or an angle with its unit, e.g. 4 "
     "or 0.8arcsec, got '2 km'"),
    (['bin', 'x.fits', '-o', 'y.fits', '--snr', '5', '--leftovers', 'sweep'],
     "argument --leftovers: invalid choice: 'sweep'"),
    (['bin', 'x.fits', '-o', 'y.fits'], 'the following arguments are required: --snr'),
    (['bin', 'x.fits', '--snr', '5'], 'the following arguments are required: -o/--output'),
    (['info'], 'the following arguments are required: file'),
])
def test_cli_usage_errors(capsys, args, message):
    """Option values argparse refuses: usage, one error line, exit code 2, no traceback."""
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith('usage: pixbin')
    assert err.strip().splitlines()[-1].startswith('pixbin ') and message in err
    assert 'Traceback' not in err


# -- counts of valid pixels, spectra pixel counts (issue 18) -----------------------------------

@pytest.fixture(scope='module')
def specphot_bins(tmp_path_factory):
    """A good spectrophotometric bin-map file (SPEC_NPIX in BINS)."""
    folder = tmp_path_factory.mktemp('specphot')
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    spectra, _ = pixbin.datasets.make_mock_ifu(shape=(20, 20),
                                               wavelength=[5000.0, 6000.0, 7000.0] * u.AA)
    bm = bin_pixels(cube, 3.0, ref_band=4, spectra=spectra)
    assert bm.nbins_spec > 2
    bm.write(folder / 'specbins.fits')
    return folder / 'specbins.fits'


def set_column(name, make):
    """Replace column ``name`` of BINS by ``make(nrows)`` (its own type)."""
    def edit(hdul):
        table = hdul['BINS']
        columns = []
        for column in table.columns:
            if column.name == name:
                values = make(len(table.data))
                column = fits.Column(name=name, array=values,
                                     format='D' if values.dtype.kind == 'f' else 'J')
            columns.append(column)
        hdul['BINS'] = fits.BinTableHDU.from_columns(columns, header=table.header, name='BINS')
    return edit


def fractional(n):
    return np.full(n, 1.5)


def negative(n):
    return np.full(n, -1, np.int32)


NVALID_FILES = [
    (set_header(0, 'NVALID', 'many'), r"bad.fits: header keyword NVALID \(number of valid pixels\) "
                                      r"must be an integer between the \d+ pixels in bins and the "
                                      r"400 pixels of BIN_MAP, got 'many'"),
    (set_header(0, 'NVALID', 1.5), 'pixels of BIN_MAP, got 1.5'),
    (set_header(0, 'NVALID', 1), r'between the \d+ pixels in bins and the 400 pixels of '
                                 r'BIN_MAP, got 1$'),
    (set_header(0, 'NVALID', 401), 'and the 400 pixels of BIN_MAP, got 401'),
    (set_header(0, 'NVALID', True), 'got True'),
]


@pytest.mark.parametrize('edit, match', NVALID_FILES)
def test_read_binmap_nvalid(files, tmp_path, edit, match):
    path = make_bad_file(files / 'bins.fits', tmp_path / 'bad.fits', edit)
    with pytest.raises(ValueError, match=match):
        read_binmap(path)


@pytest.mark.parametrize('edit, match', NVALID_FILES[:2])
def test_cli_info_nvalid(files, tmp_path, capsys, edit, match):
    path = make_bad_file(files / 'bins.fits', tmp_path / 'bad.fits', edit)
    code, out, err = run_cli(['info', path], capsys)
    assert_one_line_error(code, err, 'info', 'header keyword NVALID (number of valid pixels)')
    assert out == ''


@pytest.mark.parametrize('values, match', [
    (fractional, r'bad.fits: the SPEC_NPIX column of BINS must hold pixel counts \(integers >= '
                 r'0\), got \[1.5, '),
    (negative, r'bad.fits: the SPEC_NPIX column of BINS must hold pixel counts .*got \[-1, '),
])
def test_read_binmap_spec_npix(specphot_bins, tmp_path, values, match):
    path = make_bad_file(specphot_bins, tmp_path / 'bad.fits', set_column('SPEC_NPIX', values))
    with pytest.raises(ValueError, match=match):
        read_binmap(path)


@pytest.mark.parametrize('nvalid', [None, 'many', 1.5, 3, 13, True])
def test_binmap_pixel_counts(nvalid):
    """n_unbinned and n_nodata need a meta['nvalid'] that fits the labels."""
    bm = BinMap(np.array([[1, 1, 0], [2, 2, 0], [3, 3, 3], [0, 0, 0]]),
                meta={} if nvalid is None else {'nvalid': nvalid})
    assert bm.n_binned == 7
    if nvalid is None:
        assert bm.n_unbinned is None and bm.n_nodata is None
        return
    for name in ('n_unbinned', 'n_nodata'):
        with pytest.raises(ValueError, match=r"meta\['nvalid'\] must be an integer number of "
                                             r"valid pixels between the 7 pixels in bins and "
                                             r"the 12 pixels of the grid, got "
                                             + repr(nvalid).replace('.', r'\.')):
            getattr(bm, name)


@pytest.mark.parametrize('npix, shown', [
    (np.array([1, 1]), r'array\(\[1, 1\]\)'),
    (np.array([[1, 1, 1]]), r'array\(\[\[1, 1, 1\]\]\)'),
    (np.array([1.0, 1.0, 1.0]), r'array\(\[1., 1., 1.\]\)'),
    (np.array([1, -1, 1]), r'array\(\[ 1, -1,  1\]\)'),
    ('3', "'3'"),
])
def test_write_spectra_npix(tmp_path, npix, shown):
    from specutils import Spectrum
    labels = np.array([[1, 2, 3]])
    spectra = Spectrum(flux=np.ones((3, 2)) * u.Jy, spectral_axis=[5000, 6000] * u.AA,
                       meta={'bin_ids': np.arange(1, 4), 'npix': npix})
    bm = BinMap(labels, flux=JY * np.ones((3, 1)), flux_err=JY * np.ones((3, 1)),
                spectra=spectra, spec_labels=labels)
    with pytest.raises(ValueError, match=r"spectra.meta\['npix'\] must hold one pixel count "
                                         r"\(integer >= 0\) per bin with a spectrum \(3\), "
                                         r"got " + shown):
        bm.write(tmp_path / 'bins.fits')
    assert list(tmp_path.iterdir()) == []


def test_tabulated_covariance_of_no_bins():
    from pixbin._covariance import TabulatedCovariance
    empty = TabulatedCovariance([], [])
    assert empty(np.zeros(0, int)).shape == (0,)
    with pytest.raises(ValueError, match='this TabulatedCovariance has no bin sizes'):
        empty([1, 2])
    with pytest.raises(ValueError, match='TabulatedCovariance needs bin sizes >= 1'):
        TabulatedCovariance([0, 2], [1.0, 1.5])


@pytest.mark.parametrize('kwargs, error, match', [
    ({'band_names': ['g ']}, ValueError,
     r"band_names\[0\] must be printable ASCII without trailing spaces to be written to a "
     r"FITS file \(which drops trailing spaces\), got 'g '"),
    ({'band_names': ['H\u03b1']}, ValueError, r"band_names\[0\] must be printable ASCII"),
    ({'band_names': ['a\tb']}, ValueError, r"band_names\[0\] must be printable ASCII"),
    ({'meta': {'object': 'NGC 1 '}}, ValueError,
     r"meta\['object'\] must be printable ASCII without trailing spaces"),
    ({'meta': {'object': 'M\u00b731'}}, ValueError, r"meta\['object'\] must be printable ASCII"),
    ({'meta': {'z': np.inf}}, ValueError,
     r"meta\['z'\] must be finite to be written to a FITS header, got inf"),
    ({'meta': {'min_diameter': np.nan}}, ValueError, r"meta\['min_diameter'\] must be finite"),
    ({'meta': {'ref_band': ['g']}}, TypeError,
     r"meta\['ref_band'\] must be a string, a number or True/False to be written to a FITS "
     r"header, got list"),
    ({'meta': {'snr': ['high']}}, ValueError,
     r"meta\['snr'\] must be a list of finite numbers, one S/N threshold per band \(1\), to "
     r"be written to a FITS header, got \['high'\]"),
    ({'meta': {'snr': [5.0, 5.0]}}, ValueError,
     r"meta\['snr'\] must be a list of finite numbers, one S/N threshold per band \(1\), to "
     r"be written to a FITS header, got \[5.0, 5.0\]"),
    ({'meta': {'snr': [np.inf]}}, ValueError, r"meta\['snr'\] must be a list of finite numbers"),
    ({'meta': {'nvalid': 100}}, ValueError,
     r"meta\['nvalid'\] must be an integer number of valid pixels between"),
    ({'meta': {'snr': 5.0}}, ValueError, r"meta\['snr'\] must be a list of finite numbers"),
])
def test_write_binmap_header_values(tmp_path, kwargs, error, match):
    """What a FITS file cannot hold exactly is refused before anything is written."""
    bm = BinMap(np.array([[1, 1, 0]]), flux=JY, flux_err=JY, **kwargs)
    with pytest.raises(error, match=match):
        bm.write(tmp_path / 'bins.fits')
    assert list(tmp_path.iterdir()) == []
