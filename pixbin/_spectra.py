# Licensed under a 3-clause BSD style license - see LICENSE
"""
Spectral cubes: parsing (specutils Spectrum or NDData with a spectral WCS),
IFU footprints, and spectra summed with a bin map.
"""

from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.nddata import NDData, StdDevUncertainty
from astropy.wcs import WCS

from ._covariance import covariance_eta
from ._sums import sum_by_bin
from ._validation import check_same_grid, std_from_uncertainty

__all__ = []


def is_spectrum(data):
    """True for a specutils `~specutils.Spectrum`."""
    from specutils import Spectrum
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
        lon = next(i for i, t in enumerate(types) if t and t.startswith('pos.')
                   and t.rsplit('.', 1)[-1] in ('ra', 'glon', 'lon', 'elon', 'sglon'))
        # numpy axis of WCS pixel axis j is ndim - 1 - j
        x_axes = [ndim - 1 - j for j in np.flatnonzero(corr[lon]) if ndim - 1 - j in spatial]
        if len(x_axes) == 1 and x_axes[0] == spatial[0]:
            spatial = spatial[::-1]
    except (AttributeError, StopIteration, TypeError, ValueError, IndexError):
        pass
    return [spectral_axis_index] + spatial


@dataclass
class ParsedSpectra:
    """A spectral cube as (nwave, ny, nx) arrays."""

    values: np.ndarray
    std: object          # ndarray or None
    bad: object          # ndarray of bool or None
    spectral_axis: u.Quantity
    unit: u.UnitBase


def parse_spectra(spectra, shape, wcs, name='spectra'):
    """
    Check a spectral cube against the pixel grid ``shape``/``wcs``.

    Parameters
    ----------
    spectra : `~specutils.Spectrum` or `~astropy.nddata.NDData`
        A Spectrum cube (any ``spectral_axis_index``) or an NDData cube
        (nwave, ny, nx) whose WCS has a spectral axis.
    shape : tuple
        Spatial shape (ny, nx) of the grid.
    wcs : WCS or None
        Celestial WCS of the grid.

    Returns
    -------
    `ParsedSpectra`
    """
    if is_spectrum(spectra):
        flux = spectra.flux
        if flux.ndim != 3:
            raise ValueError(f'{name} must be a spectrum cube with two spatial axes, got '
                             f'flux of shape {flux.shape}')
        index = spectra.spectral_axis_index % flux.ndim
        order = spatial_axes_last(flux.shape, spectra.wcs, index)
        values = np.transpose(flux.value, order)
        unit = flux.unit
        uncertainty, mask = spectra.uncertainty, spectra.mask
        spectral_axis = u.Quantity(spectra.spectral_axis)
        cube_wcs = spectra.wcs
    elif isinstance(spectra, NDData):
        if np.ndim(spectra.data) != 3:
            raise ValueError(f'{name} must be a cube (nwave, ny, nx), got shape '
                             f'{np.shape(spectra.data)}')
        if not (isinstance(spectra.wcs, WCS) and spectra.wcs.has_spectral):
            raise ValueError(f'{name} is an NDData without a spectral WCS axis: give a '
                             f'specutils Spectrum (with spectral_axis) or a WCS with a '
                             f'spectral axis')
        order = [0, 1, 2]
        values = np.asarray(spectra.data, dtype=np.float64)
        if spectra.unit is None:
            raise u.UnitsError(f'{name} has no unit')
        unit = u.Unit(spectra.unit)
        uncertainty, mask = spectra.uncertainty, spectra.mask
        nwave = values.shape[0]
        spectral_axis = u.Quantity(spectra.wcs.spectral.pixel_to_world(np.arange(nwave)))
        cube_wcs = spectra.wcs
    else:
        raise TypeError(f'{name} must be a specutils Spectrum cube or an NDData cube with a '
                        f'spectral WCS, got {type(spectra).__name__}')
    full_shape = np.shape(getattr(spectra, 'flux', spectra.data))
    std = None
    if uncertainty is not None:
        std = np.transpose(std_from_uncertainty(uncertainty, unit, f'{name}.uncertainty')
                           .reshape(full_shape), order)
    bad = None
    if mask is not None:
        bad = np.transpose(np.broadcast_to(np.asarray(mask, bool), full_shape), order)
    if values.shape[1:] != tuple(shape) and values.shape[1:][::-1] == tuple(shape):
        # Legacy (x, y, wave) layout without a WCS to tell.
        values = values.transpose(0, 2, 1)
        std = None if std is None else std.transpose(0, 2, 1)
        bad = None if bad is None else bad.transpose(0, 2, 1)
    # Only a FITS WCS with celestial axes can be compared with the grid's.
    other = cube_wcs if isinstance(cube_wcs, WCS) and cube_wcs.has_celestial else None
    check_same_grid(shape, wcs, values.shape[1:], other, name)
    return ParsedSpectra(values=values, std=std, bad=bad, spectral_axis=spectral_axis,
                         unit=unit)


def spectral_footprint(spec_region, spectra, shape, wcs):
    """
    Pixels that have a spectrum, as a boolean image.

    ``spec_region`` may be None (pixels whose spectrum has at least one valid,
    non-zero value), a boolean image (True = has a spectrum), or an
    astropy-regions pixel or sky region (pixels whose centre is inside).
    """
    if spec_region is None:
        valid = np.isfinite(spectra.values)
        if spectra.bad is not None:
            valid &= ~spectra.bad
        return np.any(valid & (spectra.values != 0), axis=0)
    try:
        from regions import PixelRegion, SkyRegion
    except ImportError:  # pragma: no cover - regions is a dependency
        PixelRegion = SkyRegion = ()
    if isinstance(spec_region, SkyRegion):
        if wcs is None:
            raise ValueError('spec_region is a sky region but the cube has no WCS')
        spec_region = spec_region.to_pixel(wcs)
    if isinstance(spec_region, PixelRegion):
        mask = spec_region.to_mask(mode='center')
        image = mask.to_image(tuple(shape))
        return np.zeros(shape, bool) if image is None else image.astype(bool)
    region = np.asarray(spec_region)
    if region.dtype.kind not in 'biu':
        raise TypeError(f'spec_region must be a boolean image (True = has a spectrum) or an '
                        f'astropy-regions region, got {type(spec_region).__name__} of dtype '
                        f'{region.dtype}')
    if region.shape != tuple(shape):
        raise ValueError(f'spec_region must have the spatial shape {tuple(shape)}, got '
                         f'{region.shape}')
    return region.astype(bool)


def bin_spectra(labels, nbins, spectra, footprint, min_fraction, covariance):
    """
    Sum the spectra of the bins that lie inside the footprint.

    A bin gets a spectrum when at least ``min_fraction`` of its pixels are in
    the footprint (1 = all, piXedfit's rule); its spectrum is the sum over its
    pixels inside the footprint.

    Returns
    -------
    spec_labels : ndarray of int, shape (ny, nx)
        Bin number of the pixels whose spectrum entered a bin spectrum, else 0.
    binned : `~specutils.Spectrum`
        Flux (nbins_spec, nwave), one row per bin with a spectrum in
        increasing bin order; ``meta['bin_ids']`` and ``meta['npix']``.
    """
    from specutils import Spectrum
    npix = np.bincount(labels.ravel(), minlength=nbins + 1)[1:]
    inside = np.bincount(labels[footprint].ravel(), minlength=nbins + 1)[1:]
    with np.errstate(invalid='ignore', divide='ignore'):
        has = (npix > 0) & (inside >= min_fraction * npix - 1e-9) & (inside > 0)
    has_table = np.concatenate([[False], has])
    spec_labels = np.where(footprint & has_table[labels], labels, 0).astype(labels.dtype)
    ids = np.flatnonzero(has) + 1
    total, total_std, nbad = sum_by_bin(spec_labels, nbins, spectra.values, spectra.std,
                                        spectra.bad)
    rows = ids - 1
    eta = covariance_eta(covariance, inside[rows])
    flux = total[rows] * spectra.unit
    uncertainty = None
    if total_std is not None:
        uncertainty = StdDevUncertainty(total_std[rows] * eta[:, np.newaxis] * spectra.unit)
    binned = Spectrum(flux=flux, spectral_axis=spectra.spectral_axis, uncertainty=uncertainty,
                      mask=nbad[rows] > 0, meta={'bin_ids': ids, 'npix': inside[rows]})
    return spec_labels, binned
