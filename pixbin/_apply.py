# Licensed under a 3-clause BSD style license - see LICENSE
"""
Binning of other data with an existing bin map (`pixbin.BinMap.apply`).
"""

import numpy as np
from astropy.nddata import NDData, StdDevUncertainty

from ._spectra import is_spectrum, parse_spectra, sum_spectra
from ._sums import sum_by_bin
from ._validation import as_mask, celestial_wcs, std_from_uncertainty

__all__ = []


def bin_arrays(labels, nbins, eta, values, std=None, bad=None):
    """
    Binned sums of (n, ny, nx) arrays.

    Returns (total, total_std, mask) of shape (nbins, n): ``total_std`` is the
    quadrature sum times the covariance factor ``eta`` (nbins,); ``mask`` is
    True where a sum misses a masked or non-finite pixel.
    """
    total, total_std, nbad = sum_by_bin(labels, nbins, values, std, bad)
    if total_std is not None:
        total_std = total_std * eta[:, np.newaxis]
    return total, total_std, nbad > 0


def apply_binmap(bm, data, name='data'):
    """Implementation of `pixbin.BinMap.apply`."""
    if is_spectrum(data):
        from specutils import Spectrum
        spec = parse_spectra(data, bm.shape, bm.wcs, name)
        total, total_std, nbad = sum_spectra(bm.labels, bm.nbins, spec)
        if total_std is not None:
            total_std = total_std * bm.eta[:, np.newaxis]
        mask = nbad > 0
        unit = spec.unit
        return Spectrum(flux=total * unit, spectral_axis=spec.spectral_axis,
                        spectral_axis_index=1,      # (nbins, nwave), even when nbins = nwave
                        uncertainty=None if total_std is None
                        else StdDevUncertainty(total_std * unit),
                        mask=mask, meta={'bin_ids': bm.bin_ids, 'npix': bm.npix})
    if not isinstance(data, NDData):
        raise TypeError(f'{name} must be an NDData image or cube, or a specutils Spectrum cube, '
                        f'got {type(data).__name__}')
    array = np.asarray(data.data)
    if array.dtype.kind not in 'biuf':
        raise TypeError(f'{name} must hold real numbers, got dtype {array.dtype}')
    array = array.astype(np.float64, copy=False)
    if array.ndim not in (2, 3):
        raise ValueError(f'{name} must be an image (ny, nx) or a cube (n, ny, nx), got shape '
                         f'{array.shape}')
    if array.size == 0:
        raise ValueError(f'{name} is empty: shape {array.shape}')
    image = array.ndim == 2
    values = array[np.newaxis] if image else array
    bm.check_grid(values.shape[1:], celestial_wcs(data.wcs, f'{name}.wcs'), name)
    unit = data.unit
    std = None
    if data.uncertainty is not None:
        std = std_from_uncertainty(data.uncertainty, unit, f'{name}.uncertainty')
        if std.shape != array.shape:
            raise ValueError(f'{name}.uncertainty has shape {std.shape}, but {name} has shape '
                             f'{array.shape}')
        negative = np.count_nonzero(std < 0)
        if negative:
            raise ValueError(f'{name}.uncertainty must be >= 0 (NaN for unknown), got '
                             f'{negative} negative value(s)')
        std = std[np.newaxis] if image else std
    # a boolean mask (True = bad) of the image, or of every plane or the whole cube
    bad = None if data.mask is None else as_mask(data.mask, values.shape, f'{name}.mask')
    total, total_std, mask = bin_arrays(bm.labels, bm.nbins, bm.eta, values, std, bad)
    if image:
        total, mask = total[:, 0], mask[:, 0]
        total_std = None if total_std is None else total_std[:, 0]
    return NDData(total, unit=unit,
                  uncertainty=None if total_std is None else StdDevUncertainty(total_std),
                  mask=mask, meta={'bin_ids': bm.bin_ids, 'npix': bm.npix})
