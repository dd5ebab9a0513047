# Licensed under a 3-clause BSD style license - see LICENSE
"""Helpers shared by the tests of pixbin (imported by name: tests/pixbin is on sys.path)."""

import numpy as np

__all__ = ['SNR_7_BANDS', 'random_cube', 'write_cube_fits', 'write_fluxmap_fits',
           'write_pixedfit_binmap']

#: The issue's S/N requirement on the 12-band mock: 10 in the first 7 bands.
SNR_7_BANDS = [10.0] * 7 + [0.0] * 5


def random_cube(rng, shape=(3, 12, 15), noise=1.0):
    """Random positive-ish fluxes with unit noise, for property tests."""
    flux = rng.gamma(2.0, 2.0, size=shape) + rng.normal(0, noise, size=shape)
    return flux, np.full(shape, noise**2)


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


def write_fluxmap_fits(path, cube, region, spectra=None, spec_region=None, scale=1e-17):
    """A piXedfit flux-map file (photometric, or spectrophotometric with ``spectra``)."""
    import astropy.units as u
    from astropy.io import fits
    header = cube.wcs.to_header()
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
