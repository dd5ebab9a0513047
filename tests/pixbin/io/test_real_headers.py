# Licensed under a 3-clause BSD style license - see LICENSE
"""
Instrument layouts read with the headers of real files.

The headers in ``data/*.hdr`` are copied card for card from real products (the
source of each is written at the top of its file); only the structural cards
(BITPIX, NAXISn, ...) are left out. Each test writes a small file with those
headers and made-up arrays, and checks what `read_input` makes of it: flux
unit, kind of uncertainty, mask, wavelengths and WCS.
"""

from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import InverseVariance, StdDevUncertainty, VarianceUncertainty
from astropy.wcs.utils import proj_plane_pixel_scales
from numpy.testing import assert_allclose, assert_array_equal

from pixbin.io import read_input
from pixbin.io.cube import MANGA_BAD_BITS, identify_layout
from pixbin_test_helpers import NWAVE, NX, NY, flux_and_error

DATA = Path(__file__).parent / 'data'
FLAM = u.erg / u.s / u.cm**2 / u.AA


def real_headers(name):
    """The headers of ``data/name``: one `~astropy.io.fits.Header` per HDU, in file order."""
    headers, cards = [], []
    for line in (DATA / name).read_text().splitlines():
        if line.startswith('#'):
            continue
        if line.strip() == 'END':
            headers.append(fits.Header.fromstring(''.join(c.ljust(80) for c in cards)))
            cards = []
        else:
            cards.append(line)
    assert not cards, f'{name}: cards after the last END'
    return headers


def write_real(path, headers, arrays):
    """A FITS file with the real ``headers`` and the small ``arrays`` (None: no data)."""
    hdus = [fits.PrimaryHDU(arrays[0], headers[0])]
    hdus += [fits.ImageHDU(data, header) for data, header in zip(arrays[1:], headers[1:])]
    fits.HDUList(hdus).writeto(path)
    return path


def test_fixtures_are_the_real_headers():
    """The loader gives back the cards of the files (a few that the tests rely on)."""
    manga = real_headers('manga-8485-1901-LOGCUBE-dr17.hdr')
    assert [h.get('EXTNAME', 'PRIMARY') for h in manga] == \
        ['PRIMARY', 'FLUX', 'IVAR', 'MASK', 'LSFPOST', 'LSFPRE', 'WAVE']
    assert manga[1]['BUNIT'] == '1E-17 erg/s/cm^2/Angstrom/spaxel'
    assert manga[1]['CTYPE3'] == 'WAVE-LOG' and manga[2]['HDUCLAS3'] == 'INVMSE'
    assert 'BUNIT' not in manga[6]                     # WAVE has no unit keyword
    muse = real_headers('muse-minicube-mpdaf.hdr')
    assert muse[2]['BUNIT'] == '10**(-20)*erg/s/cm**2/Angstrom**2'
    hst = real_headers('hst-wfpc2-a478-drz-mpdaf.hdr')
    assert hst[1]['BUNIT'] == 'COUNTS/S' and hst[2]['CTYPE1'] == 'RA---TAN-SIP'
    assert hst[0]['D001WTSC'] == hst[0]['D001DEXP'] == 600.0


def test_manga_dr17_logcube(tmp_path):
    """MaNGA DR17: '1E-17 erg/s/cm^2/Angstrom/spaxel', IVAR, DRP3PIXMASK, WAVE-LOG WCS."""
    headers = real_headers('manga-8485-1901-LOGCUBE-dr17.hdr')
    flux, err = flux_and_error((NWAVE, NY, NX))
    mask = np.zeros(flux.shape, np.int32)
    mask[:, 0, 0] = 1 | 1024          # NOCOV + DONOTUSE
    mask[2, 3, 1] = 1024              # DONOTUSE alone
    mask[:, 4, 4] = 2                 # LOWCOV
    mask[5, 1, 2] = 32                # another bit (not a bad one): kept
    # the DRP's wavelengths: 10**(log10(3621.59598486) + 1e-4 i), vacuum Angstrom
    wave = 3621.59598486 * 10 ** (1e-4 * np.arange(NWAVE))
    lsf = np.ones(flux.shape, np.float32)
    path = write_real(tmp_path / 'manga-8485-1901-LOGCUBE.fits', headers,
                      [None, flux, err**-2, mask, lsf, lsf, wave])
    cube = read_input(path)['cube']
    assert cube.meta['layout'] == 'MaNGA LOGCUBE' and cube.meta['spectral_cube']
    assert cube.flux.unit == u.Unit(1e-17 * FLAM)     # '/spaxel' dropped, 'Angstrom' read
    assert_allclose(cube.flux.value, flux)
    assert isinstance(cube.uncertainty, InverseVariance)
    assert cube.uncertainty.unit == cube.flux.unit ** -2
    assert_allclose(cube.uncertainty.array, err**-2.0)
    assert_array_equal(cube.mask, (mask & MANGA_BAD_BITS) != 0)
    assert cube.mask.sum() == 2 * NWAVE + 1 and not cube.mask[5, 1, 2]
    # the WAVE-LOG axis of the FITS WCS gives the wavelengths of the WAVE extension
    assert_allclose(cube.spectral_axis.to_value(u.AA), wave, rtol=1e-10)
    celestial = cube.wcs.celestial
    assert_allclose(proj_plane_pixel_scales(celestial) * 3600, [0.5, 0.5], rtol=1e-5)
    # CRPIX 18 (1-based) is the IFU centre IFURA, IFUDEC
    sky = celestial.pixel_to_world(17, 17)
    assert_allclose([sky.ra.deg, sky.dec.deg], [232.5447, 48.690201])


def test_muse_minicube(tmp_path):
    """MUSE as mpdaf writes it: STAT in '...Angstrom**2', DQ without WCS, CD matrix, AWAV."""
    headers = real_headers('muse-minicube-mpdaf.hdr')
    flux, err = flux_and_error((NWAVE, NY, NX))
    dq = np.zeros(flux.shape, np.uint8)
    dq[3, 2, 2] = 1
    dq[:, 5, 0] = 64
    path = write_real(tmp_path / 'minicube.fits', headers, [None, flux, err**2, dq])
    cube = read_input(path)['cube']
    assert cube.meta['layout'] == 'MUSE' and cube.meta['spectral_cube']
    unit = u.Unit(1e-20 * FLAM)
    assert cube.flux.unit == unit
    assert isinstance(cube.uncertainty, VarianceUncertainty)
    assert cube.uncertainty.unit == unit**2
    assert cube.meta['unit_notes'] == [
        "variance unit '10**(-20)*erg/s/cm**2/Angstrom**2' read as "
        "(10**(-20)*erg/s/cm**2/Angstrom)**2"]
    assert_allclose(cube.uncertainty.array, err**2)
    assert_array_equal(cube.mask, dq != 0)
    assert_allclose(cube.spectral_axis.to_value(u.AA),
                    4749.890625 + 1.25 * np.arange(NWAVE))
    assert_allclose(proj_plane_pixel_scales(cube.wcs.celestial) * 3600, [0.2, 0.2])


def test_hst_wfpc2_drizzled(tmp_path):
    """WFPC2 drizzle 0.7: SCI in COUNTS/S, WHT an exposure-time weight (refused), CTX."""
    headers = real_headers('hst-wfpc2-a478-drz-mpdaf.hdr')
    flux, sigma = flux_and_error((NY, NX))
    path = write_real(tmp_path / 'u59n0201r_drz.fits', headers,
                      [None, flux, sigma**-2, np.ones((NY, NX), np.int32)])
    assert identify_layout(path).name == 'HST drizzled'
    assert identify_layout(path, readable=True) is None
    with pytest.raises(ValueError, match=r'WHT extension of this drizzled image is an '
                                         r'exposure-time weight \(D001WTSC = 600.0 is the '
                                         r'exposure time D001DEXP'):
        read_input(path)
    # the same SCI with a 1-sigma map in its unit (as drizzlepac's ERR would be)
    err_header = headers[1].copy()
    err_header['EXTNAME'] = 'ERR'
    path = write_real(tmp_path / 'with_err.fits', [headers[0], headers[1], err_header],
                      [None, flux, sigma])
    image = read_input(path)['cube']
    assert image.meta['layout'] == 'HST drizzled'
    assert image.unit == u.ct / u.s and image.uncertainty.unit == u.ct / u.s
    assert isinstance(image.uncertainty, StdDevUncertainty)
    assert image.meta['band_names'] == ['F814W']
    assert_allclose(image.meta['band_wavelengths'].to_value(u.AA), [7995.937])
    # a CD matrix with rotation: 0.1 arcsec pixels
    assert_allclose(proj_plane_pixel_scales(image.wcs) * 3600, [0.1, 0.1], rtol=1e-3)


def write_s3d(path, wave, linear):
    """
    A JWST s3d cube with the keywords that the pipeline's cube_build writes
    (github.com/spacetelescope/jwst, jwst/cube_build/ifu_cube.py, where the
    IFUCubeModel is set up): PC1_1 = -1 with a positive CDELT1 in degrees,
    PIXAR_SR = CDELT1 * CDELT2 (arcsec2) * 2.3504e-11, a WCS-TABLE extension
    always, and for cubes of several bands (non-linear wavelengths)
    CTYPE3 = 'WAVE-TAB' with PS3_0 = 'WCS-TABLE', PS3_1 = 'wavelength', CRVAL3
    = CRPIX3 = 1 and no CDELT3. DQ is DO_NOT_USE + NON_SCIENCE (513) outside
    the footprint, where SCI and ERR are NaN. No real s3d header was found to
    copy; these are the writer's own settings.
    """
    nwave = wave.size
    flux, err = flux_and_error((nwave, NY, NX))
    dq = np.zeros(flux.shape, np.uint32)
    dq[:, 0, 0] = 1 | 512
    flux[:, 0, 0] = err[:, 0, 0] = np.nan
    dq[3, 2, 2] = 4                   # JUMP_DET alone: kept
    primary = fits.Header({'TELESCOP': 'JWST', 'INSTRUME': 'MIRI', 'DATAMODL': 'IFUCubeModel',
                           'CHANNEL': '12', 'BAND': 'SHORT'})
    sci = fits.Header({'BUNIT': 'MJy/sr', 'WCSAXES': 3, 'CRPIX1': 3.0, 'CRPIX2': 3.5,
                       'CRVAL1': 63.355417, 'CRVAL2': 10.46556, 'CTYPE1': 'RA---TAN',
                       'CTYPE2': 'DEC--TAN', 'CUNIT1': 'deg', 'CUNIT2': 'deg', 'CUNIT3': 'um',
                       'CDELT1': 0.13 / 3600, 'CDELT2': 0.13 / 3600,
                       'PC1_1': -1.0, 'PC1_2': 0.0, 'PC1_3': 0, 'PC2_1': 0.0, 'PC2_2': 1.0,
                       'PC2_3': 0, 'PC3_1': 0, 'PC3_2': 0, 'PC3_3': 1,
                       'PIXAR_A2': 0.13 * 0.13, 'PIXAR_SR': 0.13 * 0.13 * 2.3504e-11})
    if linear:
        sci.update({'CTYPE3': 'WAVE', 'CRVAL3': float(wave[0]),
                    'CDELT3': float(wave[1] - wave[0]), 'CRPIX3': 1.0})
    else:
        sci.update({'CTYPE3': 'WAVE-TAB', 'PS3_0': 'WCS-TABLE', 'PS3_1': 'wavelength',
                    'CRVAL3': 1.0, 'CRPIX3': 1.0})
    table = fits.BinTableHDU.from_columns(
        [fits.Column('wavelength', format=f'{nwave}E', dim=f'(1,{nwave})',
                     array=wave.astype(np.float32).reshape(1, nwave, 1))], name='WCS-TABLE')
    fits.HDUList([fits.PrimaryHDU(header=primary), fits.ImageHDU(flux, sci, name='SCI'),
                  fits.ImageHDU(err, sci, name='ERR'), fits.ImageHDU(dq, name='DQ'),
                  fits.ImageHDU(np.ones(flux.shape, np.float32), name='WMAP'),
                  table]).writeto(path)
    return flux, err, dq


@pytest.mark.parametrize('linear', [True, False])
def test_jwst_s3d_as_cube_build_writes_it(tmp_path, linear):
    """One band (CTYPE3 'WAVE') and several bands (a 'WAVE-TAB' lookup table)."""
    import pixbin
    if linear:
        wave = 4.9 + 0.0008 * np.arange(NWAVE)
    else:                              # the wavelength step grows from band to band
        wave = 4.9 + 0.0008 * np.arange(NWAVE) ** 1.5
    flux, err, dq = write_s3d(tmp_path / 'jw01523-o003_t002_miri_ch1-short_s3d.fits', wave,
                              linear)
    path = tmp_path / 'jw01523-o003_t002_miri_ch1-short_s3d.fits'
    cube = read_input(path)['cube']
    assert cube.meta['layout'] == 'JWST' and cube.meta['spectral_cube']
    assert_allclose(cube.spectral_axis.to_value(u.um), wave, rtol=1e-6)
    area = 0.13 * 0.13 * 2.3504e-11
    assert cube.meta['flux_conversion']['source'] == 'PIXAR_SR'
    assert cube.flux.unit == u.MJy and cube.uncertainty.unit == u.MJy
    assert_allclose(cube.flux.value, flux * area, rtol=1e-6)
    assert isinstance(cube.uncertainty, StdDevUncertainty)
    assert_array_equal(cube.mask, (dq & 1) != 0)
    assert cube.mask.sum() == NWAVE
    celestial = cube.wcs.celestial if linear else cube.meta['celestial_wcs']
    assert_allclose(proj_plane_pixel_scales(celestial) * 3600, [0.13, 0.13])
    # PC1_1 = -1: right ascension grows to the left
    assert celestial.pixel_to_world(0, 2).ra > celestial.pixel_to_world(4, 2).ra
    # binned through windows, the bin map keeps the celestial grid
    bands = [[wave[0], wave[3]], [wave[3], wave[-1]]] * u.um
    bm = pixbin.bin_pixels(path, 5, bands=bands, min_diameter=1)
    assert bm.wcs is not None and bm.wcs.wcs.compare(celestial.wcs)
    assert bm.flux.unit == u.MJy and (bm.labels[0, 0] == 0)


def test_wave_tab_without_its_table_says_so(tmp_path):
    write_s3d(tmp_path / 's3d.fits', 4.9 + 0.0008 * np.arange(NWAVE) ** 1.5, linear=False)
    with fits.open(tmp_path / 's3d.fits') as hdul:
        del hdul['WCS-TABLE']
        hdul.writeto(tmp_path / 'no_table.fits')
    with pytest.raises(ValueError, match=r"no_table.fits: the flux \(SCI\) has a wavelength "
                                         r"lookup table \(CTYPE3 = 'WAVE-TAB', table "
                                         r"extension PS3_0 = 'WCS-TABLE'\) that cannot be "
                                         r"read"):
        read_input(tmp_path / 'no_table.fits')
