# Licensed under a 3-clause BSD style license - see LICENSE
"""
Reading plain FITS cubes and images (and piXedfit flux maps) into NDData.
"""

import os

import astropy.units as u
import numpy as np
from astropy.nddata import InverseVariance, NDData, StdDevUncertainty, VarianceUncertainty
from astropy.table import Table

from ._fitsutil import display_name, extension_names, header_wcs, open_fits
from .filters import band_wavelengths
from .pixedfit import read_pixedfit

__all__ = ['read_cube', 'read_input']

_FLUX = ('FLUX', 'SCI', 'DATA')
_UNCERTAINTY = {
    'FLUX_ERR': StdDevUncertainty, 'ERR': StdDevUncertainty, 'ERROR': StdDevUncertainty,
    'SIGMA': StdDevUncertainty, 'UNCERT': StdDevUncertainty, 'NOISE': StdDevUncertainty,
    'VAR': VarianceUncertainty, 'VARIANCE': VarianceUncertainty,
    'IVAR': InverseVariance, 'INVVAR': InverseVariance,
}
_UTYPES = {'StdDevUncertainty': StdDevUncertainty, 'VarianceUncertainty': VarianceUncertainty,
           'InverseVariance': InverseVariance}
_MASK = ('MASK', 'DQ', 'BADPIX')


def _band_names(hdul, header, nbands):
    names = extension_names(hdul)
    if 'BANDS' in names:
        bands = Table.read(hdul['BANDS'])
        wave = u.Quantity(bands['WAVELENGTH']) if 'WAVELENGTH' in bands.colnames else None
        return [str(n) for n in bands['NAME']], wave
    for key in ('FIL', 'FILTER', 'BAND'):
        if all(f'{key}{i}' in header for i in range(nbands)):
            found = [str(header[f'{key}{i}']) for i in range(nbands)]
            return found, band_wavelengths(found)
    if nbands == 1 and 'FILTER' in header:
        return [str(header['FILTER'])], band_wavelengths([header['FILTER']])
    return None, None


def read_cube(path):
    """
    Read a FITS cube (nbands, ny, nx) or image (ny, nx) with its uncertainty.

    The flux is the first of the extensions ``FLUX``, ``SCI``, ``DATA``, or the
    first HDU with data; its header gives the unit (``BUNIT``, required) and
    the WCS.  The uncertainty is the first of ``FLUX_ERR``, ``ERR``, ``ERROR``,
    ``SIGMA``, ``UNCERT``, ``NOISE`` (1-sigma), ``VAR``, ``VARIANCE``
    (variance) or ``IVAR``, ``INVVAR`` (inverse variance); a ``UTYPE`` keyword
    (as written by `~astropy.nddata.CCDData`) overrides the kind.  ``MASK``,
    ``DQ`` or ``BADPIX`` (non-zero = bad) is the mask.  Band names come from a
    ``BANDS`` table, ``FILi``/``FILTERi``/``BANDi`` keywords or ``FILTER``.
    piXedfit flux-map files are read with `read_pixedfit`.

    Parameters
    ----------
    path : str or path-like
        The FITS file.

    Returns
    -------
    cube : `~astropy.nddata.NDData`

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not a readable FITS file or has no image data or no
        uncertainty extension.
    astropy.units.UnitsError
        If the flux has no or an unparsable ``BUNIT``.
    """
    with open_fits(path) as hdul:
        path = display_name(path)
        names = extension_names(hdul)
        if 'nfilters' in hdul[0].header and ('FLUX' in names or 'PHOTO_FLUX' in names):
            return read_pixedfit(path)['cube']
        if 'BIN_MAP' in names or 'PHOTO_BIN_MAP' in names:
            raise ValueError(f'{path} is a bin-map file, not a cube: read it with read_binmap '
                             f'(or BinMap.read)')
        flux_hdu = next((hdul[n] for n in _FLUX if n in names), None)
        if flux_hdu is None:
            flux_hdu = next((h for h in hdul if h.is_image and h.data is not None
                             and h.name.upper() not in _UNCERTAINTY and
                             h.name.upper() not in _MASK), None)
        if flux_hdu is None:
            raise ValueError(f'{path} has no image data (extensions: {", ".join(names)})')
        header = flux_hdu.header
        data = np.asarray(flux_hdu.data, dtype=np.float64)
        if data.ndim not in (2, 3):
            raise ValueError(f'{path}: the flux ({flux_hdu.name}) must be an image (ny, nx) or '
                             f'a cube (nbands, ny, nx), got shape {data.shape}')
        if 'BUNIT' not in header:
            raise u.UnitsError(f'{path}: the flux ({flux_hdu.name}) has no BUNIT keyword; '
                               f'pixbin needs a flux unit')
        try:
            unit = u.Unit(header['BUNIT'], parse_strict='raise')
        except ValueError as exc:
            raise u.UnitsError(f'{path}: BUNIT {header["BUNIT"]!r} is not a unit ({exc})') \
                from None
        err_name = next((n for n in _UNCERTAINTY if n in names), None)
        if err_name is None:
            raise ValueError(f'{path} has no uncertainty extension (one of '
                             f'{", ".join(_UNCERTAINTY)}); pixbin needs the noise of every '
                             f'pixel')
        err_hdu = hdul[err_name]
        kind = _UTYPES.get(err_hdu.header.get('UTYPE'), _UNCERTAINTY[err_name])
        err_unit = err_hdu.header.get('BUNIT')
        if err_unit:
            try:
                err_unit = u.Unit(err_unit, parse_strict='raise')
            except ValueError as exc:
                raise u.UnitsError(f'{path}: the uncertainty ({err_name}) has BUNIT '
                                   f'{err_unit!r}, which is not a unit ({exc})') from None
            # the unit of a variance is the square of the flux unit, etc.
            power = {StdDevUncertainty: 1, VarianceUncertainty: 2, InverseVariance: -2}[kind]
            if not err_unit.is_equivalent(unit ** power):
                raise u.UnitsError(f'{path}: the uncertainty ({err_name}) has unit '
                                   f'{err_unit!s}, which does not match the flux unit {unit!s} '
                                   f'({kind.__name__})')
        uncertainty = kind(np.asarray(err_hdu.data, dtype=np.float64),
                           unit=err_unit if err_unit else None)
        mask_name = next((n for n in _MASK if n in names), None)
        mask = None if mask_name is None else np.asarray(hdul[mask_name].data) != 0
        nbands = data.shape[0] if data.ndim == 3 else 1
        band_names, wave = _band_names(hdul, header, nbands)
        meta = {'source_file': os.path.basename(path)}
        if band_names is not None:
            meta['band_names'] = band_names
        if wave is not None:
            meta['band_wavelengths'] = wave
        return NDData(data, uncertainty=uncertainty, unit=unit, mask=mask,
                      wcs=header_wcs(header), meta=meta)


def read_input(path):
    """
    Keyword arguments of `~pixbin.bin_pixels` for an input file.

    A piXedfit flux-map file gives ``cube`` (and ``spectra``, ``spec_region``
    for spectrophotometric files, see `read_pixedfit`); any other FITS cube or
    image gives ``cube`` (see `read_cube`).  So ``bin_pixels(**read_input(path),
    snr=10)`` bins any supported file.
    """
    from astropy.io import fits
    try:
        with fits.open(os.fspath(path), mode='readonly') as hdul:
            is_pixedfit = 'nfilters' in hdul[0].header
    except (OSError, ValueError, TypeError):
        is_pixedfit = False       # read_cube reports the problem
    if is_pixedfit:
        return read_pixedfit(path)
    return {'cube': read_cube(path)}
