# Licensed under a 3-clause BSD style license - see LICENSE
"""
Binning of other data with an existing bin map (`pixbin.BinMap.apply`).
"""

import numpy as np
from astropy.nddata import NDData, StdDevUncertainty
from astropy.wcs import WCS

from ._sums import sum_by_bin
from ._validation import celestial_wcs, std_from_uncertainty

__all__ = []


def _is_spectrum(data):
    try:
        from specutils import Spectrum
    except ImportError:  # pragma: no cover - specutils is a dependency
        return False
    return isinstance(data, Spectrum)


def spatial_axes_last(array_shape, wcs, spectral_axis_index):
    """
    Axis order that puts the spectral axis first and (y, x) last.

    The celestial longitude of ``wcs`` tells which numpy axis is x; without a
    usable WCS the numpy order (..., y, x) is assumed.
    """
    ndim = len(array_shape)
    spatial = [i for i in range(ndim) if i != spectral_axis_index]
    low = getattr(wcs, 'low_level_wcs', wcs)
    try:
        types = list(low.world_axis_physical_types)
        corr = np.asarray(low.axis_correlation_matrix)
        lon = next(i for i, t in enumerate(types) if t and t.startswith('pos.') and
                   (t.endswith('.ra') or t.endswith('.glon') or t.endswith('.lon')
                    or t.endswith('.elon') or t.endswith('.sglon')))
        pixel_axes = np.flatnonzero(corr[lon])
        # numpy axis of a pixel axis j is ndim - 1 - j; x is the one not also dec-only.
        x_axes = [ndim - 1 - j for j in pixel_axes if ndim - 1 - j in spatial]
        if len(x_axes) == 1 and x_axes[0] == spatial[0]:
            spatial = spatial[::-1]
    except (AttributeError, StopIteration, TypeError, ValueError, IndexError):
        pass
    return [spectral_axis_index] + spatial


def _check_spectrum_grid(bm, spectrum, name):
    """(values, std, bad) of a Spectrum cube as (nwave, ny, nx) arrays on ``bm``'s grid."""
    flux = spectrum.flux
    if flux.ndim != 3:
        raise ValueError(f'{name} must be a spectrum cube with two spatial axes, got flux of '
                         f'shape {flux.shape}')
    index = spectrum.spectral_axis_index % flux.ndim
    order = spatial_axes_last(flux.shape, spectrum.wcs, index)
    values = np.transpose(flux.value, order)
    std = None
    if spectrum.uncertainty is not None:
        std = np.transpose(std_from_uncertainty(spectrum.uncertainty, flux.unit,
                                                f'{name}.uncertainty'), order)
    bad = None
    if spectrum.mask is not None:
        bad = np.transpose(np.broadcast_to(np.asarray(spectrum.mask, bool), flux.shape), order)
    if values.shape[1:] != bm.shape and values.shape[1:][::-1] == bm.shape:
        # Legacy (x, y, wave) layout without a WCS to tell.
        values = values.transpose(0, 2, 1)
        std = None if std is None else std.transpose(0, 2, 1)
        bad = None if bad is None else bad.transpose(0, 2, 1)
    # Only a FITS WCS with celestial axes can be compared with the map's.
    wcs = spectrum.wcs if isinstance(spectrum.wcs, WCS) and spectrum.wcs.has_celestial else None
    bm.check_grid(values.shape[1:], wcs, name)
    return values, std, bad


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
    if _is_spectrum(data):
        from specutils import Spectrum
        values, std, bad = _check_spectrum_grid(bm, data, name)
        total, total_std, mask = bin_arrays(bm.labels, bm.nbins, bm.eta, values, std, bad)
        unit = data.flux.unit
        return Spectrum(flux=total * unit, spectral_axis=data.spectral_axis,
                        uncertainty=None if total_std is None
                        else StdDevUncertainty(total_std * unit),
                        mask=mask, meta={'bin_ids': bm.bin_ids, 'npix': bm.npix})
    if not isinstance(data, NDData):
        raise TypeError(f'{name} must be an NDData image or cube, or a specutils Spectrum cube, '
                        f'got {type(data).__name__}')
    array = np.asarray(data.data, dtype=np.float64)
    if array.ndim not in (2, 3):
        raise ValueError(f'{name} must be an image (ny, nx) or a cube (n, ny, nx), got shape '
                         f'{array.shape}')
    image = array.ndim == 2
    values = array[np.newaxis] if image else array
    bm.check_grid(values.shape[1:], celestial_wcs(data.wcs, f'{name}.wcs'), name)
    unit = data.unit
    std = None
    if data.uncertainty is not None:
        std = std_from_uncertainty(data.uncertainty, unit, f'{name}.uncertainty')
        std = std[np.newaxis] if image else std
    bad = None
    if data.mask is not None:
        bad = np.broadcast_to(np.asarray(data.mask, bool), array.shape)
        bad = bad[np.newaxis] if image else bad
    total, total_std, mask = bin_arrays(bm.labels, bm.nbins, bm.eta, values, std, bad)
    if image:
        total, mask = total[:, 0], mask[:, 0]
        total_std = None if total_std is None else total_std[:, 0]
    return NDData(total, unit=unit,
                  uncertainty=None if total_std is None else StdDevUncertainty(total_std),
                  mask=mask, meta={'bin_ids': bm.bin_ids, 'npix': bm.npix})
