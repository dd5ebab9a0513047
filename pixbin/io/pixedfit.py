# Licensed under a 3-clause BSD style license - see LICENSE
"""
Reading piXedfit's flux-map cubes (the input of piXedfit's ``pixel_binning``).

Layouts (primary header ``specphot`` 0 or 1, ``nfilters``, ``fil0..``,
``unit``: flux = data * unit in erg/s/cm2/A):

- photometric: ``GALAXY_REGION`` (ny, nx; 1 = in the galaxy), ``FLUX`` and
  ``FLUX_ERR`` (band, y, x);
- spectrophotometric: ``PHOTO_REGION``, ``SPEC_REGION`` (1 = has an IFU
  spectrum), ``PHOTO_FLUX``, ``PHOTO_FLUXERR`` (band, y, x), ``WAVE``
  (nwave, Angstrom), ``SPEC_FLUX``, ``SPEC_FLUXERR`` (wave, y, x).
"""

import os

import astropy.units as u
import numpy as np
from astropy.nddata import NDData, StdDevUncertainty

from ._fitsutil import (PIXEDFIT_UNIT, display_name, extension_names, float_view, header_wcs,
                        int_keyword, open_fits, require, scaled_unit)
from .filters import band_wavelengths

__all__ = ['PIXEDFIT_UNIT', 'read_pixedfit']

#: Keywords describing the galaxy (piXedfit's header names): read into the cube's
#: ``meta``, carried by `~pixbin.bin_pixels` into the bin map's ``meta`` and header.
GALAXY_META_KEYS = ('object', 'z', 'RA', 'DEC', 'GalEBV', 'pixsize', 'psffwhm')

#: Header keywords copied into ``meta``.
_COPIED = GALAXY_META_KEYS + ('fsamp', 'fpsfmtch')


def read_pixedfit(path):
    """
    Read a piXedfit flux-map cube into astropy objects for `~pixbin.bin_pixels`.

    Parameters
    ----------
    path : str or path-like
        A piXedfit flux-map FITS file (photometric or spectrophotometric).

    Returns
    -------
    data : dict
        Keyword arguments for `~pixbin.bin_pixels`: ``cube``, an
        `~astropy.nddata.NDData` (nbands, ny, nx) with the flux unit, a
        `~astropy.nddata.StdDevUncertainty`, ``mask`` True outside the
        galaxy region, the WCS when the file has one, and ``meta`` with
        ``band_names`` (``fil0..``), ``band_wavelengths`` (when the filters are
        known) and the header's ``z``, ``RA``, ``DEC``, ... For a
        spectrophotometric file also ``spectra`` (a `~specutils.Spectrum`
        cube, masked outside the IFU region) and ``spec_region`` (True = has a
        spectrum).  So ``pixbin.bin_pixels(**read_pixedfit(path), snr=10)``
        bins it.  The spectra are memory-mapped from the file (floating-point
        data), not read into memory: `~pixbin.bin_pixels` reads them a range
        of wavelengths at a time.

    Raises
    ------
    TypeError
        If ``path`` is not a path or a file.
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not a readable FITS file or not a piXedfit flux-map cube (the
        message names the file and what is missing or wrong).

    Examples
    --------
    A flux-map file in piXedfit's layout, written here from the mock galaxy
    (``GALAXY_REGION`` 1 in a 30 x 30 pixel square):

    >>> import os, tempfile
    >>> import numpy as np
    >>> from astropy.io import fits
    >>> import pixbin
    >>> mock = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> header = fits.Header({'specphot': 0, 'nfilters': 12, 'unit': 1e-17, 'z': 0.02})
    >>> for i, name in enumerate(mock.meta['band_names']):
    ...     header[f'fil{i}'] = name
    >>> region = np.zeros((40, 40), dtype=int)
    >>> region[5:35, 5:35] = 1
    >>> path = os.path.join(tempfile.mkdtemp(), 'fluxmap.fits')
    >>> fits.HDUList([fits.PrimaryHDU(header=header),
    ...               fits.ImageHDU(region, name='GALAXY_REGION'),
    ...               fits.ImageHDU(mock.data, name='FLUX'),
    ...               fits.ImageHDU(mock.uncertainty.array, name='FLUX_ERR')]).writeto(path)
    >>> data = pixbin.read_pixedfit(path)
    >>> cube = data['cube']
    >>> sorted(data), cube.data.shape, cube.unit
    (['cube'], (12, 40, 40), Unit("1e-17 erg / (Angstrom s cm2)"))
    >>> int((~cube.mask[0]).sum()), cube.meta['z']          # pixels in GALAXY_REGION
    (900, 0.02)
    >>> bm = pixbin.bin_pixels(**data, snr=[10] * 7 + [0] * 5, ref_band=4)
    >>> bm.nbins, bm.n_binned
    (70, 900)
    """
    # Memory-mapped: the spectra (often the bulk of the file) are read from disk
    # one range of wavelengths at a time when bin_pixels sums them.
    with open_fits(path, lazy=True) as hdul:
        path = display_name(path)
        header = hdul[0].header
        what = 'a piXedfit flux-map cube'
        if {'BIN_MAP', 'PHOTO_BIN_MAP'} & set(extension_names(hdul)):
            raise ValueError(f'{path} is not {what}: it is a bin-map file (read it with '
                             f'read_binmap)')
        if 'nfilters' not in header:
            raise ValueError(f'{path} is not {what}: the primary header has no nfilters '
                             f'keyword')
        specphot = int_keyword(header, 'specphot', path, default=0, choices=(0, 1))
        if specphot == 1:
            names = ('PHOTO_REGION', 'SPEC_REGION', 'PHOTO_FLUX', 'PHOTO_FLUXERR', 'WAVE',
                     'SPEC_FLUX', 'SPEC_FLUXERR')
        else:
            names = ('GALAXY_REGION', 'FLUX', 'FLUX_ERR')
        require(hdul, path, names, what)
        region = names[0]
        flux_name = 'PHOTO_FLUX' if specphot == 1 else 'FLUX'
        err_name = 'PHOTO_FLUXERR' if specphot == 1 else 'FLUX_ERR'
        nbands = int_keyword(header, 'nfilters', path)
        band_names = []
        for i in range(nbands):
            if f'fil{i}' not in header:
                raise ValueError(f'{path} is not {what}: header keyword fil{i} is missing '
                                 f'(nfilters = {nbands})')
            band_names.append(str(header[f'fil{i}']))
        flux = np.asarray(hdul[flux_name].data, dtype=np.float64)
        err = np.asarray(hdul[err_name].data, dtype=np.float64)
        galaxy = np.asarray(hdul[region].data)
        if flux.ndim != 3 or flux.shape[0] != nbands:
            raise ValueError(f'{path}: extension {flux_name} must have shape (nfilters = '
                             f'{nbands}, ny, nx), got {flux.shape}')
        if err.shape != flux.shape or galaxy.shape != flux.shape[1:]:
            raise ValueError(f'{path}: extensions {flux_name} {flux.shape}, {err_name} '
                             f'{err.shape} and {region} {galaxy.shape} do not match')
        unit = scaled_unit(header, path)
        wcs = header_wcs(hdul[flux_name].header) or header_wcs(header)
        meta = {'band_names': band_names}
        wave = band_wavelengths(band_names)
        if wave is not None:
            meta['band_wavelengths'] = wave
        for key in _COPIED:
            if key in header:
                meta[key] = header[key]
        meta['source_file'] = os.path.basename(path)
        mask = np.broadcast_to(galaxy != 1, flux.shape)
        cube = NDData(flux, uncertainty=StdDevUncertainty(err), unit=unit, mask=mask, wcs=wcs,
                      meta=meta)
        result = {'cube': cube}
        if specphot == 1:
            from specutils import Spectrum
            wave = np.asarray(hdul['WAVE'].data, dtype=np.float64).ravel()
            spec = float_view(hdul['SPEC_FLUX'].data)
            spec_err = float_view(hdul['SPEC_FLUXERR'].data)
            footprint = np.asarray(hdul['SPEC_REGION'].data) == 1
            if spec.shape != (wave.size,) + flux.shape[1:] or spec_err.shape != spec.shape:
                raise ValueError(f'{path}: SPEC_FLUX {spec.shape} and SPEC_FLUXERR '
                                 f'{spec_err.shape} must have shape (nwave = {wave.size}, '
                                 f'ny, nx) = {(wave.size,) + flux.shape[1:]}')
            result['spectra'] = Spectrum(
                flux=u.Quantity(spec, unit, copy=False), spectral_axis=wave * u.AA,
                spectral_axis_index=0,
                uncertainty=StdDevUncertainty(spec_err, unit=unit, copy=False),
                mask=np.broadcast_to(~footprint, spec.shape).copy())
            result['spec_region'] = footprint
    return result
