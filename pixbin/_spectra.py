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
from ._sums import membership_matrix, sum_by_bin
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


#: Number of wavelengths handled at a time when spectra are summed.
CHUNK = 256


@dataclass
class ParsedSpectra:
    """
    A spectral cube, read in chunks of wavelengths as (n, ny, nx) float64 arrays.

    The cube itself is not copied: `chunk` converts one range of wavelengths
    at a time (values, 1-sigma uncertainties, bad-value mask), so a memory-mapped
    cube is never loaded whole.
    """

    flux: object          # array in the input's axis order (not copied)
    uncertainty: object   # NDUncertainty or None
    mask: object          # array (broadcastable to flux) or None
    order: tuple          # axis order that gives (wave, y, x)
    spectral_axis: u.Quantity
    unit: u.UnitBase
    name: str

    @property
    def nwave(self):
        return self.flux.shape[self.order[0]]

    @property
    def shape(self):
        return tuple(self.flux.shape[i] for i in self.order[1:])

    def chunk(self, start, stop):
        """(values, std, bad) for wavelengths ``start:stop``, each (n, ny, nx) or None."""
        index = [slice(None)] * self.flux.ndim
        index[self.order[0]] = slice(start, stop)
        index = tuple(index)
        values = np.transpose(np.asarray(self.flux[index], dtype=np.float64), self.order)
        std = None
        if self.uncertainty is not None:
            std = np.transpose(std_from_uncertainty(self.uncertainty[index], self.unit,
                                                    f'{self.name}.uncertainty'), self.order)
        bad = None
        if self.mask is not None:
            mask = np.broadcast_to(np.asarray(self.mask, bool), self.flux.shape)
            bad = np.transpose(mask[index], self.order)
        return values, std, bad

    def chunks(self, size=CHUNK):
        """Iterate over ``(start, stop, values, std, bad)`` for all wavelengths."""
        for start in range(0, self.nwave, size):
            stop = min(start + size, self.nwave)
            yield (start, stop) + self.chunk(start, stop)


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
        raw = flux.value
        unit = flux.unit
        spectral_axis = u.Quantity(spectra.spectral_axis)
    elif isinstance(spectra, NDData):
        if np.ndim(spectra.data) != 3:
            raise ValueError(f'{name} must be a cube (nwave, ny, nx), got shape '
                             f'{np.shape(spectra.data)}')
        if not (isinstance(spectra.wcs, WCS) and spectra.wcs.has_spectral):
            raise ValueError(f'{name} is an NDData without a spectral WCS axis: give a '
                             f'specutils Spectrum (with spectral_axis) or a WCS with a '
                             f'spectral axis')
        if spectra.unit is None:
            raise u.UnitsError(f'{name} has no unit')
        order = [0, 1, 2]
        raw = spectra.data
        unit = u.Unit(spectra.unit)
        nwave = raw.shape[0]
        spectral_axis = u.Quantity(spectra.wcs.spectral.pixel_to_world(np.arange(nwave)))
    else:
        raise TypeError(f'{name} must be a specutils Spectrum cube or an NDData cube with a '
                        f'spectral WCS, got {type(spectra).__name__}')
    if np.dtype(raw.dtype).kind not in 'biuf':
        raise TypeError(f'{name} must hold real numbers, got dtype {raw.dtype}')
    spatial = tuple(raw.shape[i] for i in order[1:])
    if spatial != tuple(shape) and spatial[::-1] == tuple(shape):
        # Legacy (x, y, wave) layout without a WCS to tell.
        order = [order[0], order[2], order[1]]
        spatial = spatial[::-1]
    uncertainty = spectra.uncertainty
    if uncertainty is not None and np.shape(uncertainty.array) != raw.shape:
        raise ValueError(f'{name}.uncertainty has shape {np.shape(uncertainty.array)}, but '
                         f'the flux has shape {raw.shape}')
    if uncertainty is not None:
        std_from_uncertainty(uncertainty[(slice(0, 1),) * 3], unit,   # kind and unit check
                             f'{name}.uncertainty')
    # Only a FITS WCS with celestial axes can be compared with the grid's.
    cube_wcs = spectra.wcs
    other = cube_wcs if isinstance(cube_wcs, WCS) and cube_wcs.has_celestial else None
    check_same_grid(shape, wcs, spatial, other, name)
    return ParsedSpectra(flux=raw, uncertainty=uncertainty, mask=spectra.mask,
                         order=tuple(order), spectral_axis=spectral_axis, unit=unit, name=name)


def spectral_footprint(spec_region, spectra, shape, wcs):
    """
    Pixels that have a spectrum, as a boolean image.

    ``spec_region`` may be None (pixels whose spectrum has at least one valid,
    non-zero value), a boolean image (True = has a spectrum), or an
    astropy-regions pixel or sky region (pixels whose centre is inside).
    """
    if spec_region is None:
        footprint = np.zeros(tuple(shape), bool)
        for _, _, values, _, bad in spectra.chunks():
            valid = np.isfinite(values) & (values != 0)
            if bad is not None:
                valid &= ~bad
            footprint |= np.any(valid, axis=0)
        return footprint
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


def sum_spectra(labels, nbins, spectra, size=CHUNK):
    """
    `~pixbin._sums.sum_by_bin` of a `ParsedSpectra`, one chunk of wavelengths at a time.

    Returns (total, total_std, nbad), each (nbins, nwave).
    """
    matrix = membership_matrix(labels, nbins)
    total = np.empty((nbins, spectra.nwave))
    total_std = None if spectra.uncertainty is None else np.empty((nbins, spectra.nwave))
    nbad = np.empty((nbins, spectra.nwave), dtype=np.int64)
    for start, stop, values, std, bad in spectra.chunks(size):
        t, ts, nb = sum_by_bin(labels, nbins, values, std, bad, matrix=matrix)
        total[:, start:stop] = t
        nbad[:, start:stop] = nb
        if total_std is not None:
            total_std[:, start:stop] = ts
    return total, total_std, nbad


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
    total, total_std, nbad = sum_spectra(spec_labels, nbins, spectra)
    rows = ids - 1
    eta = covariance_eta(covariance, inside[rows])
    flux = total[rows] * spectra.unit
    uncertainty = None
    if total_std is not None:
        uncertainty = StdDevUncertainty(total_std[rows] * eta[:, np.newaxis] * spectra.unit)
    # spectral_axis_index: specutils cannot tell the axis when nbins_spec is nwave (or nwave - 1)
    binned = Spectrum(flux=flux, spectral_axis=spectra.spectral_axis, spectral_axis_index=1,
                      uncertainty=uncertainty,
                      mask=nbad[rows] > 0, meta={'bin_ids': ids, 'npix': inside[rows]})
    return spec_labels, binned
