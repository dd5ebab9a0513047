# Licensed under a 3-clause BSD style license - see LICENSE
"""Bin-map FITS files: exact round trips, piXedfit compatibility, nothing lost."""

import os

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from pixbin_test_helpers import SNR_7_BANDS
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin import BinMap, bin_pixels, read_binmap
from pixbin.io import is_binmap_file, write_binmap


@pytest.fixture(scope='module')
def photometric():
    cube = pixbin.datasets.make_mock_galaxy(shape=(60, 60))
    return bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, covariance=1.62)


@pytest.fixture(scope='module')
def specphot():
    cube = pixbin.datasets.make_mock_galaxy(shape=(50, 50))
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(50, 50))
    return bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=spectra,
                      spec_region=footprint)


def assert_same(a, b):
    assert_array_equal(a.labels, b.labels)
    assert a.flux.unit == b.flux.unit
    assert_array_equal(a.flux.value, b.flux.value)
    assert_array_equal(a.flux_err.value, b.flux_err.value)
    assert a.band_names == b.band_names
    assert_array_equal(a.band_wavelengths, b.band_wavelengths)
    assert a.wcs.wcs.compare(b.wcs.wcs, tolerance=1e-12)
    assert a.meta == b.meta
    assert_allclose(a.eta, b.eta, rtol=1e-12)


def test_round_trip_photometric(photometric, tmp_path):
    path = tmp_path / 'bins.fits'
    photometric.write(path)
    back = BinMap.read(path)
    assert_same(photometric, back)
    assert back.covariance == 1.62
    assert back.spectra is None
    assert_same(photometric, read_binmap(str(path)))
    assert is_binmap_file(path)


def test_round_trip_spectrophotometric(specphot, tmp_path):
    path = tmp_path / 'specphot.fits'
    write_binmap(specphot, path)
    back = read_binmap(path)
    assert_same(specphot, back)
    assert back.nbins_spec == specphot.nbins_spec > 10
    assert_array_equal(back.spec_labels, specphot.spec_labels)
    assert_array_equal(back.spec_region, specphot.spec_region)
    assert_array_equal(back.spectra.flux, specphot.spectra.flux)
    assert_array_equal(back.spectra.uncertainty.array, specphot.spectra.uncertainty.array)
    assert_array_equal(back.spectra.mask, specphot.spectra.mask)
    assert_array_equal(back.spectra.spectral_axis, specphot.spectra.spectral_axis)


def test_cd_matrix_wcs_round_trip(tmp_path):
    """A WCS with a rotated CD matrix (as MUSE and HST write) is kept to every digit."""
    from astropy.wcs import WCS
    header = fits.Header({'CTYPE1': 'RA---TAN', 'CTYPE2': 'DEC--TAN', 'CUNIT1': 'deg',
                          'CUNIT2': 'deg', 'CRVAL1': 63.35910923, 'CRVAL2': 10.46480337,
                          'CRPIX1': 20.5, 'CRPIX2': 19.25, 'CD1_1': -5.0e-05 / 3,
                          'CD1_2': 1.2e-05 / 7, 'CD2_1': 1.1e-05 / 3, 'CD2_2': 5.5e-05 / 3})
    wcs = WCS(header)
    labels = np.arange(1, 7).reshape(2, 3)
    flux = np.ones((6, 1)) * u.Jy
    bm = BinMap(labels, flux=flux, flux_err=0.1 * flux, wcs=wcs)
    bm.write(tmp_path / 'cd.fits')
    back = read_binmap(tmp_path / 'cd.fits')
    assert_array_equal(back.wcs.pixel_scale_matrix, wcs.pixel_scale_matrix)
    assert_array_equal(back.wcs.wcs.crval, wcs.wcs.crval)
    assert_array_equal(back.wcs.wcs.crpix, wcs.wcs.crpix)


@pytest.mark.parametrize('unit', [u.electron / u.s, u.ct / u.s, u.Jy, u.dimensionless_unscaled,
                                  u.Unit('1e-20 erg / (s cm2 Angstrom)')])
def test_flux_unit_kept_even_where_fits_has_none(unit, tmp_path):
    """electron / s has no FITS spelling: the unit is still read back, without warning."""
    flux = np.array([[1.5], [2.5]]) * unit
    bm = BinMap(np.array([[1, 2]]), flux=flux, flux_err=0.1 * flux)
    bm.write(tmp_path / 'bins.fits')           # warnings are errors in the tests
    back = read_binmap(tmp_path / 'bins.fits')
    assert back.flux.unit == unit and back.flux_err.unit == unit
    assert_array_equal(back.flux.value, flux.value)


def test_callable_covariance_is_stored_as_a_table(tmp_path):
    cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    bm = bin_pixels(cube, 5.0, covariance=lambda n: 1 + 0.5 * np.sqrt(np.log10(n)))
    bm.write(tmp_path / 'c.fits')
    back = read_binmap(tmp_path / 'c.fits')
    assert_allclose(back.eta, bm.eta, rtol=1e-12)
    assert_allclose(back.flux_err, bm.flux_err, rtol=1e-12)


def test_file_reads_as_pixedfit_users_read_it(photometric, specphot, tmp_path):
    """The extension and header names of piXedfit's pixel_binning output."""
    photometric.write(tmp_path / 'p.fits')
    with fits.open(tmp_path / 'p.fits') as hdu:
        header = hdu['bin_map'].header
        assert header['nbins'] == photometric.nbins
        assert header['nfilters'] == 12 and header['fil4'] == 'sdss_r'
        assert header['refband'] == 4 and header['specphot'] == 0
        assert header['unit'] == pytest.approx(1e-17) and header['bunit'] == 'erg/s/cm^2/A'
        bin_map = hdu['bin_map'].data
        bin_flux = hdu['bin_flux'].data * header['unit']     # erg/s/cm2/A
        bin_fluxerr = hdu['bin_fluxerr'].data * header['unit']
        y, x = np.argwhere(bin_map == 7)[0]
        assert_allclose(bin_flux[:, y, x],
                        photometric.flux[6].to_value(u.erg / u.s / u.cm**2 / u.AA))
        assert_allclose(bin_fluxerr[:, y, x],
                        photometric.flux_err[6].to_value(u.erg / u.s / u.cm**2 / u.AA))
        assert np.all(hdu['bin_flux'].data[:, bin_map == 0] == 0)
        # the bin map overlays on the sky
        from astropy.wcs import WCS
        assert WCS(header).has_celestial
    specphot.write(tmp_path / 's.fits')
    with fits.open(tmp_path / 's.fits') as hdu:
        header = hdu['photo_bin_map'].header
        assert header['nbinsph'] == specphot.nbins and header['nbinssp'] == specphot.nbins_spec
        spec_map = hdu['spec_bin_map'].data
        wave = hdu['spec_wave'].data
        assert_allclose(wave[:2], [3600.0, 3603.0])
        b = specphot.spec_bin_ids[3]
        y, x = np.argwhere(spec_map == b)[0]
        assert_allclose(hdu['bin_spec_flux'].data[:, y, x] * header['unit'],
                        specphot.spectrum(b).flux.to_value(u.erg / u.s / u.cm**2 / u.AA))
        assert hdu['bin_spec_fluxerr'].data.shape == (wave.size,) + spec_map.shape
        assert hdu['bin_photo_flux'].data.shape == (12,) + spec_map.shape


def test_flux_density_units_are_converted_for_pixedfit(tmp_path):
    bm = BinMap(np.array([[1, 2]]), flux=[[1.0, 2.0], [3.0, 4.0]] * u.mJy,
                flux_err=[[0.1, 0.1], [0.1, 0.1]] * u.mJy, band_wavelengths=[5000, 7000] * u.AA)
    bm.write(tmp_path / 'jy.fits')
    with fits.open(tmp_path / 'jy.fits') as hdu:
        assert hdu['bin_map'].header['unit'] == 1.0
        expected = (3.0 * u.mJy).to_value(u.erg / u.s / u.cm**2 / u.AA,
                                          u.spectral_density(5000 * u.AA))
        assert_allclose(hdu['bin_flux'].data[0, 0, 1], expected)
    back = read_binmap(tmp_path / 'jy.fits')
    assert back.flux.unit == u.mJy
    assert_array_equal(back.flux.value, [[1, 2], [3, 4]])


def _write_pixedfit_output(path, labels, flux, err, scale=1e-17, names=('g', 'r')):
    """What piXedfit's pixel_binning writes (photometric), built by hand."""
    hdr = fits.Header()
    hdr['nfilters'] = len(names)
    hdr['refband'] = 1
    hdr['nbins'] = int(labels.max())
    hdr['unit'] = scale
    hdr['bunit'] = 'erg/s/cm^2/A'
    hdr['struct'] = '(band,y,x)'
    for i, name in enumerate(names):
        hdr[f'fil{i}'] = name
    per_pixel = np.zeros((len(names),) + labels.shape)
    per_pixel_err = np.zeros_like(per_pixel)
    for i in range(1, labels.max() + 1):
        per_pixel[:, labels == i] = flux[i - 1][:, None]
        per_pixel_err[:, labels == i] = err[i - 1][:, None]
    hdul = fits.HDUList([fits.PrimaryHDU(),
                         fits.ImageHDU(labels.astype(float), header=hdr, name='bin_map'),
                         fits.ImageHDU(per_pixel, name='bin_flux'),
                         fits.ImageHDU(per_pixel_err, name='bin_fluxerr')])
    hdul.writeto(path)


def test_reads_pixedfit_output(tmp_path):
    labels = np.array([[1, 1, 2], [3, 2, 2]])
    flux = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    err = flux / 10
    _write_pixedfit_output(tmp_path / 'pxf.fits', labels, flux, err)
    bm = read_binmap(tmp_path / 'pxf.fits')
    assert_array_equal(bm.labels, labels)
    assert bm.flux.unit == u.Unit('1e-17 erg / (s cm2 Angstrom)')
    assert_allclose(bm.flux.value, flux)
    assert_allclose(bm.flux_err.value, err)
    assert bm.band_names == ('g', 'r') and bm.band_wavelengths is None


def test_overwrite_refused_and_old_file_kept(photometric, tmp_path):
    path = tmp_path / 'bins.fits'
    path.write_bytes(b'precious')
    with pytest.raises(FileExistsError, match='exists; pass overwrite=True'):
        photometric.write(path)
    for maybe in ('no', 'yes', 1, None):        # only True replaces a file
        with pytest.raises(TypeError, match=f'overwrite must be True or False, got {maybe!r}'):
            photometric.write(path, overwrite=maybe)
    assert path.read_bytes() == b'precious'
    photometric.write(path, overwrite=True)
    assert read_binmap(path).nbins == photometric.nbins
    assert sorted(os.listdir(tmp_path)) == ['bins.fits']


def test_failed_write_leaves_nothing(photometric, tmp_path, monkeypatch):
    path = tmp_path / 'bins.fits'

    def boom(*args, **kwargs):
        raise OSError('disk full')

    monkeypatch.setattr(fits.HDUList, 'writeto', boom)
    with pytest.raises(OSError, match='disk full'):
        photometric.write(path)
    assert os.listdir(tmp_path) == []


def test_missing_folder_and_unwritable_folder(photometric, tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        photometric.write(tmp_path / 'missing' / 'bins.fits')
    # An unwritable folder: the temporary file cannot be created (simulated, so
    # that the test also holds when run as root, who may write anywhere).
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, 'Permission denied', str(tmp_path))

    monkeypatch.setattr(tempfile, 'mkstemp', refuse)
    with pytest.raises(PermissionError):
        photometric.write(tmp_path / 'bins.fits')
    assert os.listdir(tmp_path) == []


def test_reading_does_not_modify_the_file(photometric, tmp_path):
    path = tmp_path / 'bins.fits'
    photometric.write(path)
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    read_binmap(path)
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_truncated_and_foreign_files(photometric, tmp_path):
    path = tmp_path / 'bins.fits'
    photometric.write(path)
    data = path.read_bytes()
    (tmp_path / 'cut.fits').write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r'cut.fits: not a readable FITS file'):
        read_binmap(tmp_path / 'cut.fits')
    (tmp_path / 'text.fits').write_text('SIMPLE = nonsense')
    with pytest.raises(ValueError, match='text.fits: not a readable FITS file'):
        read_binmap(tmp_path / 'text.fits')
    fits.HDUList([fits.PrimaryHDU(np.ones((3, 3)))]).writeto(tmp_path / 'image.fits')
    with pytest.raises(ValueError, match=r'image.fits is not a bin-map file: it has no BIN_MAP'):
        read_binmap(tmp_path / 'image.fits')
    with pytest.raises(FileNotFoundError, match='nowhere.fits: no such file'):
        read_binmap(tmp_path / 'nowhere.fits')
    assert not is_binmap_file(tmp_path / 'image.fits')


def test_incomplete_files_name_what_is_missing(photometric, specphot, tmp_path):
    """A keyword, extension or column taken out of a file: a ValueError that names it."""
    from astropy.table import Table

    def without_column(hdul, ext, column):
        table = Table.read(hdul[ext])
        table.remove_column(column)
        hdu = fits.table_to_hdu(table)
        hdu.name = ext
        hdul[ext] = hdu

    photometric.write(tmp_path / 'phot.fits')
    specphot.write(tmp_path / 'spec.fits')
    cases = [
        ('phot.fits', lambda h: h[0].header.remove('PBALPHA'), "Keyword 'PBALPHA' not found."),
        ('phot.fits', lambda h: without_column(h, 'BANDS', 'NAME'),
         "no 'NAME' column or keyword"),
        ('spec.fits', lambda h: h.pop(h.index_of('SPECAXIS')),
         "Extension 'SPECAXIS' not found."),
        ('spec.fits', lambda h: h['SPECTRA'].header.remove('BUNIT'),
         "Keyword 'BUNIT' not found."),
    ]
    for i, (name, edit, message) in enumerate(cases):
        with fits.open(tmp_path / name) as hdul:
            hdul = fits.HDUList([hdu.copy() for hdu in hdul])
        edit(hdul)
        hdul.writeto(tmp_path / f'edited{i}.fits')
        with pytest.raises(ValueError, match=f'edited{i}.fits: incomplete bin-map file: '
                                             f'{message}'):
            read_binmap(tmp_path / f'edited{i}.fits')


def test_labels_and_flux_that_disagree(photometric, tmp_path):
    path = tmp_path / 'bins.fits'
    photometric.write(path)
    with fits.open(path) as hdul:
        labels = hdul['BIN_MAP'].data.copy()
        labels[labels == photometric.nbins] = 0          # drop the last bin from the map
        hdul['BIN_MAP'].data = labels
        hdul.writeto(tmp_path / 'bad.fits')
    with pytest.raises(ValueError, match=r'bad.fits: the labels of BIN_MAP .* and the BINS '
                                         r'table .* disagree'):
        read_binmap(tmp_path / 'bad.fits')


def test_only_binmaps_with_photometry_are_written(tmp_path):
    with pytest.raises(ValueError, match='only a BinMap with photometry'):
        BinMap(np.array([[1]])).write(tmp_path / 'x.fits')


def test_maggies_are_converted_for_pixedfit(tmp_path):
    # nanomaggies (SDSS, Legacy Surveys): 3.631 uJy each, then f_lambda at the band
    bm = BinMap(np.array([[1, 2]]), flux=[[1.0, 2.0], [3.0, 4.0]] * u.nmgy,
                flux_err=[[0.1, 0.1], [0.1, 0.1]] * u.nmgy, band_wavelengths=[5000, 7000] * u.AA)
    bm.write(tmp_path / 'nmgy.fits')
    with fits.open(tmp_path / 'nmgy.fits') as hdu:
        assert hdu['bin_map'].header['bunit'] == 'erg/s/cm^2/A'
        expected = (3 * 3.631 * u.uJy).to_value(u.erg / u.s / u.cm**2 / u.AA,
                                                u.spectral_density(5000 * u.AA))
        assert_allclose(hdu['bin_flux'].data[0, 0, 1], expected)
    back = read_binmap(tmp_path / 'nmgy.fits')
    assert back.flux.unit == u.nmgy
    assert_array_equal(back.flux.value, [[1, 2], [3, 4]])


def test_spectra_in_maggies_are_converted_for_pixedfit(specphot, tmp_path):
    # the mock IFU spectra of the specphot fixture, in nanomaggies
    from astropy.nddata import StdDevUncertainty
    from specutils import Spectrum

    from pixbin._validation import convert_flux
    cube = pixbin.datasets.make_mock_galaxy(shape=(50, 50))
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(50, 50))
    wave = spectra.spectral_axis[:, None, None]
    in_nmgy = Spectrum(flux=convert_flux(spectra.flux, u.nmgy, wave), wcs=spectra.wcs,
                       meta=spectra.meta, uncertainty=StdDevUncertainty(
                           convert_flux(spectra.uncertainty.quantity, u.nmgy, wave)))
    nmgy = bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, spectra=in_nmgy,
                      spec_region=footprint)
    assert nmgy.spectra.flux.unit == u.nmgy
    specphot.write(tmp_path / 'flam.fits')
    nmgy.write(tmp_path / 'nmgy.fits')
    with fits.open(tmp_path / 'flam.fits') as flam, fits.open(tmp_path / 'nmgy.fits') as hdu:
        for name in ('bin_spec_flux', 'bin_spec_fluxerr'):
            assert hdu[name].header['BUNIT'] == flam[name].header['BUNIT']
            assert_allclose(hdu[name].data, flam[name].data, rtol=1e-10)
