# Licensed under a 3-clause BSD style license - see LICENSE
"""
Instrument layouts read by pixbin.io.read_cube: small files written here with
the extensions and header keywords that each pipeline writes.
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import InverseVariance, StdDevUncertainty, VarianceUncertainty
from astropy.wcs.utils import proj_plane_pixel_scales
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin import PixbinWarning
from pixbin.io import read_cube, read_input
from pixbin.io._units import parse_fits_unit
from pixbin.io.cube import LAYOUTS, MANGA_BAD_BITS
from pixbin_test_helpers import (NWAVE, NX, NY, califa_file, hst_file, jwst_file, manga_file,
                                 muse_file)


def test_muse_cube_is_a_spectral_cube(tmp_path):
    flux, err, dq = muse_file(tmp_path / 'muse.fits')
    cube = read_cube(tmp_path / 'muse.fits')
    from specutils import Spectrum
    assert isinstance(cube, Spectrum)
    assert cube.flux.shape == (NWAVE, NY, NX)
    assert cube.flux.unit == u.Unit(1e-20 * u.erg / u.s / u.cm**2 / u.AA)
    assert isinstance(cube.uncertainty, VarianceUncertainty)
    assert cube.uncertainty.unit == cube.flux.unit ** 2
    assert_allclose(cube.uncertainty.array, err**2)
    assert_allclose(cube.flux.value, flux)
    assert_array_equal(cube.mask, dq != 0)          # DQ non-zero = bad, any bit
    assert cube.mask.sum() == 1 + NWAVE
    assert_allclose(cube.spectral_axis.to_value(u.AA)[[0, -1]],
                    [4749.890625, 4749.890625 + 1.25 * (NWAVE - 1)])
    assert cube.meta['layout'] == 'MUSE' and cube.meta['spectral_cube'] is True
    assert cube.meta['mask_rule'] == 'DQ: non-zero = bad'
    scale = proj_plane_pixel_scales(cube.wcs.celestial) * 3600
    assert_allclose(scale, [0.2, 0.2])


def test_muse_old_variance_unit(tmp_path):
    """Old MUSE files write the variance unit as the flux unit followed by **2."""
    muse_file(tmp_path / 'old.fits', stat_unit='10**(-20)*erg/s/cm**2/Angstrom**2')
    cube = read_cube(tmp_path / 'old.fits')
    assert cube.uncertainty.unit == cube.flux.unit ** 2
    assert cube.meta['unit_notes'] == [
        "variance unit '10**(-20)*erg/s/cm**2/Angstrom**2' read as "
        "(10**(-20)*erg/s/cm**2/Angstrom)**2"]


def test_muse_wrong_variance_unit(tmp_path):
    muse_file(tmp_path / 'bad.fits', stat_unit='10**(-20)*erg/s/cm**2')
    with pytest.raises(u.UnitsError, match=r'the uncertainty \(STAT\) has unit .* does not '
                                           r'match the flux unit'):
        read_cube(tmp_path / 'bad.fits')


def test_spectral_cube_is_not_binned_as_bands(tmp_path):
    """A MUSE file is binned through wavelength windows, never channel by channel."""
    muse_file(tmp_path / 'muse.fits')
    with pytest.warns(PixbinWarning, match='no bands were given: binned in 4 windows'):
        bm = pixbin.bin_pixels(tmp_path / 'muse.fits', snr=5)
    assert len(bm.band_names) == 4 and bm.meta['bands_default']
    assert bm.spectra is not None and bm.spectra.flux.shape[-1] == 8
    with pytest.warns(PixbinWarning, match='no bands were given'):
        again = pixbin.bin_pixels(read_cube(tmp_path / 'muse.fits'), snr=5)
    np.testing.assert_array_equal(again.labels, bm.labels)
    # past the windows, a spectral cube is never taken as photometric bands
    from pixbin._validation import parse_cube
    with pytest.raises(ValueError, match='Bin it through wavelength windows'):
        parse_cube(read_cube(tmp_path / 'muse.fits'))


def test_manga_logcube(tmp_path):
    flux, err, mask = manga_file(tmp_path / 'manga-8485-1901-LOGCUBE.fits')
    cube = read_cube(tmp_path / 'manga-8485-1901-LOGCUBE.fits')
    assert cube.meta['layout'] == 'MaNGA LOGCUBE' and cube.meta['spectral_cube']
    assert cube.flux.shape == (NWAVE, NY, NX)
    # '/spaxel' is dropped: the value of a spaxel is the flux inside it
    assert cube.flux.unit == u.Unit(1e-17 * u.erg / u.s / u.cm**2 / u.AA)
    assert isinstance(cube.uncertainty, InverseVariance)
    assert_allclose(cube.uncertainty.array, err**-2.0)
    bad = (mask & MANGA_BAD_BITS) != 0
    assert_array_equal(cube.mask, bad)
    assert cube.mask.sum() == 3 * NWAVE + 2
    assert 'DONOTUSE (10)' in cube.meta['mask_rule']
    assert_allclose(cube.spectral_axis.to_value(u.AA)[0], 3621.59598486)
    assert_allclose(proj_plane_pixel_scales(cube.wcs.celestial) * 3600, [0.5, 0.5])


def test_manga_ivar_unit_that_does_not_match_is_ignored_with_a_note(tmp_path):
    manga_file(tmp_path / 'm.fits', ivar_unit='1E-17 erg/s/cm^2/Ang/spaxel')
    cube = read_cube(tmp_path / 'm.fits')
    assert cube.uncertainty.unit == cube.flux.unit ** -2    # from the flux unit
    assert cube.meta['unit_notes'][0].startswith("IVAR unit '1E-17 erg/s/cm^2/Ang/spaxel' "
                                                 "ignored")


def test_jwst_s3d_cube(tmp_path):
    flux, err, dq = jwst_file(tmp_path / 'jw01234_s3d.fits')
    cube = read_cube(tmp_path / 'jw01234_s3d.fits')
    assert cube.meta['layout'] == 'JWST' and cube.meta['spectral_cube']
    area = ((0.1 * u.arcsec) ** 2).to_value(u.sr)
    conversion = cube.meta['flux_conversion']
    assert conversion['source'] == 'WCS'
    assert_allclose(conversion['pixel_area'].to_value(u.sr), area, rtol=1e-6)
    assert conversion['from_unit'] == u.MJy / u.sr and conversion['to_unit'] == u.MJy
    assert cube.flux.unit == u.MJy
    assert_allclose(cube.flux.value, flux * area, rtol=1e-6)
    assert isinstance(cube.uncertainty, StdDevUncertainty)
    assert cube.uncertainty.unit == u.MJy
    assert_allclose(cube.uncertainty.array, err * area, rtol=1e-6)
    assert_array_equal(cube.mask, (dq & 1) != 0)
    assert cube.mask.sum() == NWAVE + 1
    assert_allclose(cube.spectral_axis.to_value(u.um)[[0, 1]], [2.87, 2.870635])


def test_jwst_i2d_image_with_pixar_sr(tmp_path):
    flux, err, _ = jwst_file(tmp_path / 'jw_i2d.fits', image=True, pixar=2.2e-14)
    image = read_cube(tmp_path / 'jw_i2d.fits')
    assert image.meta['layout'] == 'JWST' and not image.meta['spectral_cube']
    assert image.data.shape == (NY, NX) and image.mask is None
    assert image.unit == u.MJy
    assert image.meta['flux_conversion']['source'] == 'PIXAR_SR'
    assert_allclose(image.data, flux * 2.2e-14, rtol=1e-6)
    assert_allclose(image.uncertainty.array, err * 2.2e-14, rtol=1e-6)
    assert image.meta['band_names'] == ['F200W']
    assert 'MJy / sr x pixel solid angle 2.2e-14 sr (PIXAR_SR)' in \
        image.meta['flux_conversion']['text']
    assert_allclose(proj_plane_pixel_scales(image.wcs) * 3600, [0.031, 0.031])
    bm = pixbin.bin_pixels(tmp_path / 'jw_i2d.fits', snr=10, min_diameter=1)
    assert bm.flux.unit == u.MJy and bm.band_names == ('F200W',)
    assert_allclose(bm.flux[:, 0].sum().value, image.data[bm.labels > 0].sum(), rtol=1e-6)


@pytest.mark.parametrize('pixar', [0.0, -2.2e-14, 'abc'])
def test_jwst_pixar_sr_must_be_a_pixel_area(tmp_path, pixar):
    """A zero, negative or unreadable PIXAR_SR would zero or flip the flux: refused."""
    jwst_file(tmp_path / 'jw_i2d.fits', image=True, pixar=2.2e-14)
    with fits.open(tmp_path / 'jw_i2d.fits') as hdul:
        hdul = fits.HDUList([hdu.copy() for hdu in hdul])
    for hdu in hdul:
        if 'PIXAR_SR' in hdu.header:
            hdu.header['PIXAR_SR'] = pixar
    hdul.writeto(tmp_path / 'bad.fits')
    with pytest.raises(ValueError, match=r'bad.fits: header keyword PIXAR_SR must be a positive '
                                         r'number, got '):
        read_cube(tmp_path / 'bad.fits')


def test_hst_exposure_weight_is_not_an_uncertainty(tmp_path):
    hst_file(tmp_path / 'u59n0201r_drz.fits')
    with pytest.raises(ValueError, match=r'WHT extension of this drizzled image is an '
                                         r'exposure-time weight \(D001WTSC = 600.0 is the '
                                         r'exposure time D001DEXP .*Give an error map'):
        read_cube(tmp_path / 'u59n0201r_drz.fits')


def test_hst_ivm_weight_is_an_inverse_variance(tmp_path):
    flux, sigma = hst_file(tmp_path / 'ivm_drz.fits', weight='IVM')
    image = read_cube(tmp_path / 'ivm_drz.fits')
    assert image.meta['layout'] == 'HST drizzled'
    assert image.unit == u.ct / u.s
    assert isinstance(image.uncertainty, InverseVariance)
    # the BUNIT of WHT (copied from the input) is ignored: 1 / (ct / s)**2
    assert image.uncertainty.unit == (u.s / u.ct) ** 2
    assert image.meta['band_names'] == ['F814W']
    assert_allclose(image.meta['band_wavelengths'].to_value(u.AA), [7995.937])
    bm = pixbin.bin_pixels(image, snr=3, min_diameter=1)
    assert bm.meta['nvalid'] == (NY - 1) * NX      # WHT = 0: no data, never binned
    assert bm.flux.unit == u.ct / u.s and bm.band_names == ('F814W',)


def test_hst_with_err(tmp_path):
    flux, sigma = hst_file(tmp_path / 'err_drc.fits', err=True)
    image = read_cube(tmp_path / 'err_drc.fits')
    assert image.unit == u.electron / u.s and image.uncertainty.unit == u.electron / u.s
    assert isinstance(image.uncertainty, StdDevUncertainty)
    assert_allclose(image.data, flux)


def test_califa_cube(tmp_path):
    flux, err, badpix = califa_file(tmp_path / 'NGC2253.V500.rscube.fits')
    cube = read_cube(tmp_path / 'NGC2253.V500.rscube.fits')
    assert cube.meta['layout'] == 'CALIFA' and cube.meta['spectral_cube']
    assert cube.flux.shape == (NWAVE, NY, NX)
    assert cube.flux.unit == u.Unit(1e-16 * u.erg / u.s / u.cm**2 / u.AA)
    assert cube.meta['unit_notes'] == ['flux unit from the keyword PIPE UNITS']
    assert isinstance(cube.uncertainty, StdDevUncertainty)
    assert_array_equal(cube.mask, badpix != 0)
    # no spectral CTYPE3 in the header: the axis comes from CRVAL3 and CDELT3
    assert_allclose(cube.spectral_axis.to_value(u.AA), 3749.0 + 2.0 * np.arange(NWAVE))
    assert_allclose(proj_plane_pixel_scales(cube.meta['celestial_wcs']) * 3600, [1.0, 1.0])
    # binned through windows, the bin map keeps that celestial WCS
    bm = pixbin.bin_pixels(cube, 5, bands=[[3749, 3755], [3755, 3763]] * u.AA,
                           min_diameter=1)
    assert bm.wcs is not None and bm.wcs.wcs.compare(cube.meta['celestial_wcs'].wcs)
    # an axis keyword that is not a number: the file and the keyword are named
    with fits.open(tmp_path / 'NGC2253.V500.rscube.fits') as hdul:
        hdul = fits.HDUList([hdu.copy() for hdu in hdul])
    hdul[0].header['CRVAL3'] = 'abc'
    hdul.writeto(tmp_path / 'bad.fits')
    with pytest.raises(ValueError, match=r"bad.fits: the flux \(PRIMARY\): header keyword "
                                         r"CRVAL3 must be a finite number, got 'abc'"):
        read_cube(tmp_path / 'bad.fits')


def test_no_layout_lists_extensions_and_needs(tmp_path):
    header = fits.Header({'BUNIT': 'COUNTS/S'})
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones((4, 4)), header, name='SCI'),
                  fits.ImageHDU(np.ones((4, 4)), name='WHT'),
                  fits.BinTableHDU.from_columns([fits.Column('A', 'E', array=[1.0])],
                                                name='HDRTAB')]).writeto(tmp_path / 'x.fits')
    with pytest.raises(ValueError) as info:
        read_cube(tmp_path / 'x.fits')
    text = str(info.value)
    assert 'Extensions found: PRIMARY (no data); SCI (image 4x4); WHT (image 4x4); HDRTAB ' \
           '(table)' in text
    for layout in LAYOUTS[:-1]:
        assert f'{layout.name}: {layout.needs()}' in text
    assert "HST drizzled: TELESCOP = 'HST', SCI, one of ERR, WHT" in text
    assert 'MUSE: DATA, STAT, optional DQ' in text


@pytest.mark.parametrize('text, unit', [
    ('10**(-20)*erg/s/cm**2/Angstrom', 1e-20 * u.erg / u.s / u.cm**2 / u.AA),
    ('(10**(-20)*erg/s/cm**2/Angstrom)**2', (1e-20 * u.erg / u.s / u.cm**2 / u.AA) ** 2),
    ('COUNTS/S', u.ct / u.s),
    ('ELECTRONS/S', u.electron / u.s),
    ('1E-17 erg/s/cm^2/Ang/spaxel', 1e-17 * u.erg / u.s / u.cm**2 / u.AA),
    ('10**(-16) erg s-1 cm-2 A-1', 1e-16 * u.erg / u.s / u.cm**2 / u.AA),
    ('erg/s/cm^2/A', u.erg / u.s / u.cm**2 / u.AA),
    ('MJy/sr', u.MJy / u.sr),
    ('Jy', u.Jy),
    ('nanomaggy', u.nmgy),       # SDSS, the Legacy Surveys
    ('nanomaggies', u.nmgy),
    ('NMGY', u.nmgy),
    ('maggies', u.mgy),
    ('ADU', u.adu),
    ('ADU/s', u.adu / u.s),
    ('DN', u.DN),                # WISE, 2MASS
    ('dn/sec', u.DN / u.s),
    ('e-/s', u.electron / u.s),
    ('e-', u.electron),
    ('1e-17 erg/s/cm2/A', 1e-17 * u.erg / u.s / u.cm**2 / u.AA),
])
def test_parse_fits_unit(text, unit):
    parsed = parse_fits_unit(text, 'BUNIT')
    assert parsed.is_equivalent(unit)
    assert_allclose(parsed.to(unit), 1.0, rtol=1e-12)


def test_parse_fits_unit_errors():
    with pytest.raises(u.UnitsError, match=r"cube.fits: BUNIT: 'furlongs per fortnight' is "
                                           r"not a unit"):
        parse_fits_unit('furlongs per fortnight', 'cube.fits: BUNIT')
    with pytest.raises(u.UnitsError, match="BUNIT: expected a unit string, got ''"):
        parse_fits_unit('', 'BUNIT')


def test_read_input_names_the_layout(tmp_path):
    flux, err, dq = muse_file(tmp_path / 'muse.fits')
    data = read_input(tmp_path / 'muse.fits')
    assert sorted(data) == ['cube'] and data['cube'].meta['layout'] == 'MUSE'


def test_spectral_cube_file_as_spectra(tmp_path):
    """A MUSE file as the spectra of a photometric cube on its grid."""
    from astropy.nddata import NDData
    flux, err, dq = muse_file(tmp_path / 'muse.fits')
    grid = read_cube(tmp_path / 'muse.fits').wcs.celestial
    unit = u.Unit(1e-20 * u.erg / u.s / u.cm**2 / u.AA)
    photometry = NDData(flux[:3].sum(axis=0)[np.newaxis] * np.ones((2, 1, 1)),
                        uncertainty=StdDevUncertainty(np.ones((2, NY, NX))), unit=unit,
                        wcs=grid)
    bm = pixbin.bin_pixels(photometry, 40.0, min_diameter=1, spectra=tmp_path / 'muse.fits',
                           spec_min_fraction=0.5)
    assert bm.nbins > 1 and bm.nbins_spec > 0
    b = int(np.argmax(np.bincount(bm.spec_labels.ravel())[1:])) + 1   # the largest
    # at one wavelength, the bin spectrum sums the values of its pixels that DQ keeps
    pixels = (bm.spec_labels == b) & (dq[0] == 0)
    assert pixels.sum() > 1
    assert_allclose(bm.spectrum(b).flux[0].to_value(unit), flux[0][pixels].sum(), rtol=1e-6)
    jwst_file(tmp_path / 'i2d.fits', image=True)
    with pytest.raises(ValueError, match=r"spectra: '.*i2d.fits' is not a spectral cube"):
        pixbin.bin_pixels(photometry, 10.0, spectra=tmp_path / 'i2d.fits')


def test_open_file_and_scaled_integers(tmp_path):
    """An open binary file is read as a path is; scaled integer images are read whole."""
    flux, err, dq = muse_file(tmp_path / 'muse.fits')
    with open(tmp_path / 'muse.fits', 'rb') as handle:
        from_handle = read_cube(handle)
    assert_allclose(from_handle.flux.value, flux)
    assert_array_equal(from_handle.mask, dq != 0)
    with fits.open(tmp_path / 'muse.fits') as hdul:
        hdul['DQ'].data = dq.astype(np.uint16)          # written with BZERO = 32768
        hdul.writeto(tmp_path / 'uint16.fits')
    assert 'BZERO' in fits.getheader(tmp_path / 'uint16.fits', 'DQ')
    for source in (tmp_path / 'uint16.fits', open(tmp_path / 'uint16.fits', 'rb')):
        cube = read_cube(source)
        assert_array_equal(cube.mask, dq != 0)
        if hasattr(source, 'close'):
            source.close()


def test_pixedfit_file_from_an_open_file(tmp_path):
    from pixbin_test_helpers import write_fluxmap_fits
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(20, 20))
    region = np.ones((20, 20), bool)
    region[:, :3] = False
    path = write_fluxmap_fits(tmp_path / 'f.fits', cube, region, spectra, footprint)
    with open(path, 'rb') as handle:
        data = read_input(handle)
    assert sorted(data) == ['cube', 'spec_region', 'spectra']
    assert data['cube'].meta['layout'] == 'piXedfit spectrophotometric'
    assert_array_equal(data['cube'].mask[0], ~region)
    assert_array_equal(data['spec_region'], footprint)


@pytest.mark.parametrize('writer', [muse_file, manga_file, jwst_file, califa_file,
                                    lambda path: hst_file(path, weight='IVM')])
def test_layout_roles_are_what_read_input_reads(tmp_path, writer):
    """The roles of a layout's extensions (for glue's components) match the reader's."""
    from pixbin.io.cube import identify_layout, layout_of_names, layout_roles
    path = tmp_path / 'file.fits'
    writer(path)
    meta = read_input(path)['cube'].meta
    with fits.open(path) as hdul:
        names = [hdu.name for hdu in hdul]
        primary = hdul[0].header
    layout = identify_layout(path)
    assert layout.name == meta['layout']
    roles = layout_roles(layout, names)
    assert roles['flux'] == meta['flux_extension']
    assert roles['uncertainty'] == meta['uncertainty_extension']
    if 'mask_rule' in meta:
        assert meta['mask_rule'].startswith(f"{roles['mask']}: ")
    else:
        assert roles['mask'] is None
    # from the names and the primary header alone, the same layout
    assert layout_of_names(names, primary) is layout
    assert layout_of_names([n.lower() for n in names], primary) is layout
