# Licensed under a 3-clause BSD style license - see LICENSE
"""Helpers shared by the tests of pixbin and pixbin_glue (imported by name, see conftest.py)."""

import numpy as np
from astropy.io import fits

__all__ = ['NWAVE', 'NX', 'NY', 'SNR_7_BANDS', 'assert_same_binmap', 'califa_file',
           'celestial', 'default_first_pass', 'default_stages', 'flux_and_error', 'hst_file',
           'jwst_file', 'manga_file', 'muse_file', 'random_cube', 'write_cube_fits',
           'write_fluxmap_fits', 'write_pixedfit_binmap']

#: The issue's S/N requirement on the 12-band mock: 10 in the first 7 bands.
SNR_7_BANDS = [10.0] * 7 + [0.0] * 5
#: Shape of the small instrument files of the layout tests (channels, rows, columns).
NWAVE, NY, NX = 8, 6, 5
ARCSEC = 1 / 3600


def random_cube(rng, shape=(3, 12, 15), noise=1.0):
    """Random positive-ish fluxes with unit noise, for property tests."""
    flux = rng.gamma(2.0, 2.0, size=shape) + rng.normal(0, noise, size=shape)
    return flux, np.full(shape, noise**2)


def default_first_pass(binning, *args, **kwargs):
    """
    ``binning(*args, **kwargs)`` (a call of the default method) and its labels as
    the greedy pass left them, before the completion passes.
    """
    result, stages = default_stages(binning, *args, **kwargs)
    return result, stages['greedy']


def default_stages(binning, *args, **kwargs):
    """
    ``binning(*args, **kwargs)`` (a call of the default method) and the labels
    each pass of it left: a dict with ``'greedy'`` (the greedy pass) and
    ``'complete'`` (the completion passes, before the relaxation).
    """
    from unittest import mock

    from pixbin.binning import _api
    seen = {}

    def spy(name, function):
        def recorder(flux2, var2, valid, shape, snr, work, **options):
            seen[name] = work[0].reshape(shape).copy()
            return function(flux2, var2, valid, shape, snr, work, **options)
        return recorder

    with mock.patch.object(_api, 'complete_pass', spy('greedy', _api.complete_pass)), \
            mock.patch.object(_api, 'relax_pass', spy('complete', _api.relax_pass)):
        result = binning(*args, **kwargs)
    return result, seen


def write_cube_fits(cube, path, uncertainty_name='ERR', transform=lambda err: err):
    """Write an NDData cube as a plain FITS cube: BUNIT, WCS, FILTERi, an uncertainty HDU."""
    from astropy.io import fits
    header = cube.wcs.to_header()
    header['BUNIT'] = cube.unit.to_string()
    for i, name in enumerate(cube.meta['band_names']):
        header[f'FILTER{i}'] = name
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(cube.data, header=header, name='SCI'),
                  fits.ImageHDU(transform(cube.uncertainty.array), name=uncertainty_name)]
                 ).writeto(path)
    return path


def write_fluxmap_fits(path, cube, region, spectra=None, spec_region=None, scale=1e-17,
                       extra_header=None):
    """
    A piXedfit flux-map file (photometric, or spectrophotometric with ``spectra``);
    ``extra_header`` adds primary-header keywords (e.g. piXedfit's ``z``, ``psffwhm``).
    """
    import astropy.units as u
    from astropy.io import fits
    header = cube.wcs.to_header()
    header.update(extra_header or {})
    header['specphot'] = 0 if spectra is None else 1
    header['nfilters'] = cube.data.shape[0]
    for i, name in enumerate(cube.meta['band_names']):
        header[f'fil{i}'] = name
    header['unit'] = scale
    factor = cube.unit.to(u.Unit(scale * u.erg / u.s / u.cm**2 / u.AA))
    flux, err = cube.data * factor, cube.uncertainty.array * factor
    region = region.astype(np.int16)
    if spectra is None:
        hdus = [fits.ImageHDU(region, name='GALAXY_REGION'), fits.ImageHDU(flux, name='FLUX'),
                fits.ImageHDU(err, name='FLUX_ERR')]
    else:
        hdus = [fits.ImageHDU(region, name='PHOTO_REGION'),
                fits.ImageHDU(spec_region.astype(np.int16), name='SPEC_REGION'),
                fits.ImageHDU(flux, name='PHOTO_FLUX'), fits.ImageHDU(err, name='PHOTO_FLUXERR'),
                fits.ImageHDU(spectra.spectral_axis.to_value(u.AA), name='WAVE'),
                fits.ImageHDU(np.nan_to_num(spectra.flux.value) * factor, name='SPEC_FLUX'),
                fits.ImageHDU(np.nan_to_num(spectra.uncertainty.array) * factor,
                              name='SPEC_FLUXERR')]
    fits.HDUList([fits.PrimaryHDU(header=header)] + hdus).writeto(path)
    return path


def write_pixedfit_binmap(path, labels, flux, err, scale=1e-17, names=('g', 'r')):
    """What piXedfit's pixel_binning writes: the flux of each bin painted on its pixels."""
    from astropy.io import fits
    header = fits.Header()
    header['nfilters'] = len(names)
    header['nbins'] = int(labels.max())
    header['unit'] = scale
    for i, name in enumerate(names):
        header[f'fil{i}'] = name
    table = np.vstack([np.zeros((1, len(names))), flux])
    table_err = np.vstack([np.zeros((1, len(names))), err])
    fits.HDUList([fits.PrimaryHDU(),
                  fits.ImageHDU(labels.astype(float), header=header, name='BIN_MAP'),
                  fits.ImageHDU(np.moveaxis(table[labels], -1, 0), name='BIN_FLUX'),
                  fits.ImageHDU(np.moveaxis(table_err[labels], -1, 0), name='BIN_FLUXERR')]
                 ).writeto(path)
    return path


def _same_array(actual, expected, what):
    """Exactly equal arrays (NaN equal to NaN), or an AssertionError naming ``what``."""
    from numpy.testing import assert_array_equal
    assert np.shape(actual) == np.shape(expected), f'{what}: shape {np.shape(actual)} != ' \
                                                   f'{np.shape(expected)}'
    assert_array_equal(actual, expected, err_msg=what)


def _same_quantity(actual, expected, what):
    assert (actual is None) == (expected is None), f'{what}: {actual!r} vs {expected!r}'
    if expected is None:
        return
    assert actual.unit == expected.unit, f'{what}: unit {actual.unit} != {expected.unit}'
    _same_array(actual.value, expected.value, what)


def assert_same_binmap(actual, expected):
    """
    Assert that two BinMaps hold the same bins, exactly: labels, flux and its
    uncertainty, npix, eta and the covariance setting, band names and
    wavelengths, WCS, meta, and the spectra (flux, uncertainty, mask, spectral
    axis, bin ids and pixel counts), spec_labels and spec_region.

    A callable covariance is the same when it gives the same eta for every
    bin (files keep the per-bin factors, not the function).
    """
    _same_array(actual.labels, expected.labels, 'labels')
    _same_array(actual.npix, expected.npix, 'npix')
    _same_quantity(actual.flux, expected.flux, 'flux')
    _same_quantity(actual.flux_err, expected.flux_err, 'flux_err')
    _same_array(actual.eta, expected.eta, 'eta')
    cov, cov0 = actual.covariance, expected.covariance
    if cov0 is None or not callable(cov0):
        assert cov == cov0 and type(cov) is type(cov0), f'covariance {cov!r} != {cov0!r}'
    else:
        assert callable(cov), f'covariance {cov!r} is not callable like {cov0!r}'
    assert actual.band_names == expected.band_names
    _same_quantity(actual.band_wavelengths, expected.band_wavelengths, 'band_wavelengths')
    assert (actual.wcs is None) == (expected.wcs is None), 'wcs'
    if expected.wcs is not None:
        assert actual.wcs.wcs.compare(expected.wcs.wcs), 'wcs'
    assert actual.meta == expected.meta, f'meta {actual.meta} != {expected.meta}'
    assert {k: type(v) for k, v in actual.meta.items()} == \
        {k: type(v) for k, v in expected.meta.items()}, 'meta types'
    for name in ('spec_labels', 'spec_region'):
        a, e = getattr(actual, name), getattr(expected, name)
        assert (a is None) == (e is None), name
        if e is not None:
            _same_array(a, e, name)
    assert (actual.spectra is None) == (expected.spectra is None), 'spectra'
    if expected.spectra is not None:
        a, e = actual.spectra, expected.spectra
        _same_quantity(a.flux, e.flux, 'spectra.flux')
        _same_quantity(a.spectral_axis, e.spectral_axis, 'spectra.spectral_axis')
        assert (a.uncertainty is None) == (e.uncertainty is None), 'spectra.uncertainty'
        if e.uncertainty is not None:
            assert type(a.uncertainty) is type(e.uncertainty)
            _same_quantity(a.uncertainty.quantity, e.uncertainty.quantity,
                           'spectra.uncertainty')
        assert (a.mask is None) == (e.mask is None), 'spectra.mask'
        if e.mask is not None:
            _same_array(a.mask, e.mask, 'spectra.mask')
        _same_array(a.meta['bin_ids'], e.meta['bin_ids'], "spectra.meta['bin_ids']")
        _same_array(a.meta['npix'], e.meta['npix'], "spectra.meta['npix']")
        _same_array(actual.spec_bin_ids, expected.spec_bin_ids, 'spec_bin_ids')


def celestial(header, scale_arcsec, cd=True):
    """RA/Dec TAN keywords as pipelines write them (CD matrix or CDELT)."""
    header.update({'CTYPE1': 'RA---TAN', 'CTYPE2': 'DEC--TAN', 'CUNIT1': 'deg',
                   'CUNIT2': 'deg', 'CRPIX1': 3.0, 'CRPIX2': 3.5, 'CRVAL1': 63.355417,
                   'CRVAL2': 10.46556})
    if cd:
        header.update({'CD1_1': -scale_arcsec * ARCSEC, 'CD1_2': 0.0, 'CD2_1': 0.0,
                       'CD2_2': scale_arcsec * ARCSEC})
    else:
        header.update({'CDELT1': -scale_arcsec * ARCSEC, 'CDELT2': scale_arcsec * ARCSEC})
    return header


def flux_and_error(shape, noise=0.5):
    """Random positive fluxes (float32) and a constant 1-sigma ``noise``."""
    flux = np.random.default_rng(16).gamma(3.0, 2.0, size=shape).astype(np.float32)
    return flux, np.full(shape, noise, np.float32)


def muse_file(path, stat_unit='(10**(-20)*erg/s/cm**2/Angstrom)**2', shape=(NWAVE, NY, NX),
              noise=0.5):
    """
    MUSE DATACUBE_FINAL: DATA, STAT (variance), DQ, as in the ESO pipeline products
    (channels of 1.25 Angstrom from 4749.89 Angstrom).  Returns flux, 1-sigma, DQ.
    """
    flux, err = flux_and_error(shape, noise)
    dq = np.zeros(flux.shape, np.uint8)
    dq[2, 1, 1] = 1
    dq[:, 4, 3] = 64
    primary = fits.Header({'TELESCOP': 'ESO-VLT-U4', 'INSTRUME': 'MUSE',
                           'BUNIT': '10**(-20)*erg/s/cm**2/Angstrom'})
    data = celestial(fits.Header(), 0.2)
    data.update({'CTYPE3': 'AWAV', 'CUNIT3': 'Angstrom', 'CRVAL3': 4749.890625, 'CRPIX3': 1.0,
                 'CD3_3': 1.25, 'CD1_3': 0.0, 'CD2_3': 0.0, 'CD3_1': 0.0, 'CD3_2': 0.0,
                 'HDUCLASS': 'ESO', 'HDUCLAS2': 'DATA', 'ERRDATA': 'STAT',
                 'BUNIT': '10**(-20)*erg/s/cm**2/Angstrom'})
    stat = data.copy()
    stat['BUNIT'] = stat_unit
    stat['HDUCLAS2'] = 'ERROR'
    stat['HDUCLAS3'] = 'MSE'
    fits.HDUList([fits.PrimaryHDU(header=primary), fits.ImageHDU(flux, data, name='DATA'),
                  fits.ImageHDU(err**2, stat, name='STAT'),
                  fits.ImageHDU(dq, name='DQ')]).writeto(path)
    return flux, err, dq


def manga_file(path, ivar_unit=None):
    """MaNGA DRP LOGCUBE: FLUX, IVAR, MASK (DRP3PIXMASK), WAVE, as in the DRP data model."""
    flux, err = flux_and_error((NWAVE, NY, NX))
    mask = np.zeros(flux.shape, np.int32)
    mask[:, 0, 0] = 1 | 1024        # NOCOV + DONOTUSE
    mask[:, 0, 1] = 8 | 1024        # FORESTAR + DONOTUSE
    mask[3, 2, 2] = 1024            # DONOTUSE alone
    mask[:, 5, 4] = 2               # LOWCOV
    mask[4, 3, 3] = 4               # DEADFIBER
    primary = fits.Header({'TELESCOP': 'SDSS 2.5-M', 'SRVYMODE': 'MaNGA dither',
                           'PLATEIFU': '8485-1901'})
    header = celestial(fits.Header(), 0.5)
    wave = 3621.59598486 * 10 ** (1e-4 * np.arange(NWAVE))
    header.update({'CTYPE3': 'WAVE-LOG', 'CUNIT3': 'Angstrom', 'CRPIX3': 1.0,
                   'CRVAL3': 3621.59598486, 'CD3_3': 0.833903304339, 'HDUCLAS1': 'CUBE',
                   'BUNIT': '1E-17 erg/s/cm^2/Ang/spaxel'})
    ivar_header = header.copy()
    ivar_header['HDUCLAS2'] = 'ERROR'
    ivar_header['HDUCLAS3'] = 'INVMSE'
    del ivar_header['BUNIT']
    if ivar_unit:
        ivar_header['BUNIT'] = ivar_unit
    fits.HDUList([fits.PrimaryHDU(header=primary), fits.ImageHDU(flux, header, name='FLUX'),
                  fits.ImageHDU(err**-2, ivar_header, name='IVAR'),
                  fits.ImageHDU(mask, header, name='MASK'),
                  fits.ImageHDU(wave, fits.Header({'BUNIT': 'Angstrom'}), name='WAVE'),
                  fits.ImageHDU(flux[0], name='GIMG')]).writeto(path)
    return flux, err, mask


def jwst_file(path, image=False, pixar=None):
    """JWST level-3 products: s3d cube (SCI, ERR, DQ, WMAP) or i2d image (SCI, ERR, CON, WHT)."""
    shape = (NY, NX) if image else (NWAVE, NY, NX)
    flux, err = flux_and_error(shape)
    primary = fits.Header({'TELESCOP': 'JWST', 'INSTRUME': 'NIRCAM' if image else 'NIRSPEC'})
    if image:
        primary['FILTER'] = 'F200W'
    sci = celestial(fits.Header(), 0.031 if image else 0.1, cd=False)
    sci['BUNIT'] = 'MJy/sr'
    if not image:
        sci.update({'CTYPE3': 'WAVE', 'CUNIT3': 'um', 'CRPIX3': 1.0, 'CRVAL3': 2.87,
                    'CDELT3': 0.000635, 'SPECSYS': 'BARYCENT'})
    if pixar is not None:
        sci['PIXAR_SR'] = pixar
    errh = sci.copy()
    hdus = [fits.PrimaryHDU(header=primary), fits.ImageHDU(flux, sci, name='SCI'),
            fits.ImageHDU(err, errh, name='ERR')]
    dq = None
    if image:
        hdus += [fits.ImageHDU(np.ones(shape, np.int32), name='CON'),
                 fits.ImageHDU(np.ones(shape, np.float32), name='WHT')]
    else:
        dq = np.zeros(shape, np.uint32)
        dq[:, 0, 0] = 1               # DO_NOT_USE
        dq[:, 1, 1] = 512             # another flag without DO_NOT_USE: kept
        dq[2, 2, 2] = 513             # with DO_NOT_USE: bad
        hdus += [fits.ImageHDU(dq, name='DQ'),
                 fits.ImageHDU(np.ones(shape, np.float32), name='WMAP')]
    fits.HDUList(hdus).writeto(path)
    return flux, err, dq


def hst_file(path, weight='EXP', err=False):
    """HST drizzled image (drizzlepac/multidrizzle): SCI, WHT, CTX, or SCI, ERR."""
    flux, sigma = flux_and_error((NY, NX))
    primary = fits.Header({'TELESCOP': 'HST', 'INSTRUME': 'WFPC2', 'FILTNAM1': 'F814W',
                           'NDRIZIM': 4, 'D001DEXP': 600.0, 'D001WTSC': 600.0,
                           'D001OUUN': 'cps', 'EXPTIME': 600.0})
    sci = celestial(fits.Header(), 0.1)
    sci.update({'BUNIT': 'ELECTRONS/S' if err else 'COUNTS/S', 'PHOTPLAM': 7995.937})
    hdus = [fits.PrimaryHDU(header=primary), fits.ImageHDU(flux, sci, name='SCI')]
    if err:
        hdus.append(fits.ImageHDU(sigma, fits.Header({'BUNIT': 'ELECTRONS/S'}), name='ERR'))
    else:
        wht = sigma**-2
        wht[0, :] = 0.0               # no data
        header = fits.Header({'BUNIT': 'COUNTS'})     # as drizzle copies it from SCI
        if weight != 'EXP':
            header['WHTTYPE'] = weight
        hdus += [fits.ImageHDU(wht, header, name='WHT'),
                 fits.ImageHDU(np.ones((NY, NX), np.int32), name='CTX')]
    fits.HDUList(hdus).writeto(path)
    return flux, sigma


def califa_file(path):
    """CALIFA DR3 cube: flux in the primary HDU, ERROR, ERRWEIGHT, BADPIX, FIBCOVER."""
    flux, err = flux_and_error((NWAVE, NY, NX))
    badpix = np.zeros(flux.shape, np.uint8)
    badpix[:, 2, 3] = 1
    header = celestial(fits.Header(), 1.0, cd=False)
    header.update({'CRVAL3': 3749.0, 'CDELT3': 2.0, 'CRPIX3': 1.0, 'OBJECT': 'NGC2253'})
    header.append(fits.Card('HIERARCH PIPE UNITS', '10**(-16) erg s-1 cm-2 A-1'))
    fits.HDUList([fits.PrimaryHDU(flux, header), fits.ImageHDU(err, name='ERROR'),
                  fits.ImageHDU(np.ones(flux.shape, np.float32), name='ERRWEIGHT'),
                  fits.ImageHDU(badpix, name='BADPIX'),
                  fits.ImageHDU(np.ones(flux.shape, np.uint8), name='FIBCOVER')]).writeto(path)
    return flux, err, badpix
