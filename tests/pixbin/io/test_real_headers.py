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
