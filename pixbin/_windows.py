# Licensed under a 3-clause BSD style license - see LICENSE
"""
Spectral cubes binned directly: wavelength windows (``bands=``) turn an IFU
cube into a photometric cube, and the spectra of the bins are summed as well.
"""

import copy
import re
import warnings

import astropy.units as u
import numpy as np
from astropy.nddata import NDData, StdDevUncertainty
from astropy.wcs import WCS

from ._spectra import CHUNK, is_spectrum, parse_spectra
from .exceptions import PixbinWarning

__all__ = []

#: Number of equal windows of a spectral cube binned without ``bands``.
DEFAULT_NWINDOWS = 4


def is_spectral_cube(cube, band_names=None):
    """
    True if ``cube`` is a spectral cube rather than a photometric one.

    A specutils `~specutils.Spectrum` with 3-D flux is one.  An
    `~astropy.nddata.NDData` cube (n, ny, nx) is one when its WCS is an
    astropy `~astropy.wcs.WCS` with a spectral axis and nothing names its
    planes as bands (``band_names`` or ``cube.meta['band_names']``): a
    photometric cube that carries a 3-D WCS keeps its bands.
    """
    if isinstance(cube, NDData) and is_spectrum(cube):
        return np.ndim(cube.flux) == 3
    if not isinstance(cube, NDData) or np.ndim(cube.data) != 3:
        return False
    if band_names is not None or (cube.meta and cube.meta.get('band_names') is not None):
        return False
    wcs = cube.wcs
    if not isinstance(wcs, WCS) or wcs.naxis != 3:
        return False
    try:
        wcs.wcs.set()          # a WCS built in code knows its spectral axis only then
    except Exception:  # noqa: BLE001 - an invalid WCS is no spectral WCS
        return False
    return bool(wcs.has_spectral)


_NUMBER = r'[+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?'
_WINDOW = re.compile(rf'^\s*({_NUMBER})\s*-\s*({_NUMBER})\s*([^\s\d.+-][^\s]*)?\s*$')


def parse_bands_text(text):
    """
    Windows written as ``'4760-4950,4950-5150'`` as a Quantity of shape (n, 2).

    Each window is ``LOW-HIGH`` with an optional unit right after it
    (``0.476-0.495um``); without a unit it is in Angstrom.

    Examples
    --------
    >>> from pixbin._windows import parse_bands_text
    >>> parse_bands_text('4760-4950,0.495-0.515um')
    <Quantity [[4760., 4950.],
               [4950., 5150.]] Angstrom>
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f'bands must be windows LOW-HIGH[unit] separated by commas, e.g. '
                         f'4760-4950,4950-5150 (Angstrom) or 0.476-0.495um, got {text!r}')
    rows = []
    for item in text.split(','):
        match = _WINDOW.match(item)
        if match is None:
            raise ValueError(f'bands: {item.strip()!r} is not a window LOW-HIGH[unit], e.g. '
                             f'4760-4950 (Angstrom) or 0.476-0.495um')
        low, high, unit = match.groups()
        try:
            unit = u.Unit(unit) if unit else u.AA
        except ValueError:
            raise ValueError(f'bands: {unit!r} in {item.strip()!r} is not a unit') from None
        if not unit.is_equivalent(u.AA, equivalencies=u.spectral()):
            raise u.UnitsError(f'bands: {item.strip()!r} must be in a wavelength, frequency or '
                               f'energy unit, got {unit!s}')
        rows.append(u.Quantity([float(low), float(high)], unit).to(u.AA, u.spectral()))
    return u.Quantity(rows)


def parse_bands(bands):
    """
    ``bands`` as a Quantity of shape (n, 2) in a spectral unit, rows as given.

    Accepts a Quantity (n, 2) or (2,), a specutils
    `~specutils.SpectralRegion`, or the text of `parse_bands_text`.
    """
    if isinstance(bands, str):
        return parse_bands_text(bands)
    try:
        from specutils import SpectralRegion
    except ImportError:  # pragma: no cover - specutils is a dependency
        SpectralRegion = ()
    if isinstance(bands, SpectralRegion):
        bands = u.Quantity([u.Quantity([low, high]) for low, high in bands.subregions])
    if not isinstance(bands, u.Quantity):
        converted = None
        for attempt in (lambda: u.Quantity(bands),       # e.g. a list of (low, high) pairs
                        lambda: u.Quantity([u.Quantity(row) for row in bands])):
            try:
                converted = attempt()
                break
            except (TypeError, ValueError, u.UnitsError):
                pass
        if converted is None or converted.unit == u.one:
            raise TypeError(f'bands must be a Quantity of shape (n, 2) of wavelength windows or '
                            f'a specutils SpectralRegion, e.g. [[4760, 4950]] * u.AA, got '
                            f'{type(bands).__name__}'
                            + (' of numbers without a unit' if converted is not None else ''))
        bands = converted
    if not bands.unit.is_equivalent(u.AA, equivalencies=u.spectral()):
        raise u.UnitsError(f'bands must be in a wavelength, frequency or energy unit, got '
                           f'{bands.unit!s}')
    if bands.ndim == 1 and bands.size == 2:
        bands = bands[np.newaxis]
    if bands.ndim != 2 or bands.shape[1] != 2 or bands.shape[0] == 0:
        raise ValueError(f'bands must have shape (n, 2): one (low, high) window per row, got '
                         f'shape {bands.shape}')
    if not np.all(np.isfinite(bands.value)):
        raise ValueError(f'bands must be finite, got {bands}')
    return bands


def _channel_edges(axis):
    """Edges (nwave + 1) of the channels of a monotonic spectral axis (midpoints)."""
    if axis.size == 1:
        return np.array([axis[0] - 0.5, axis[0] + 0.5])   # (any width: one channel)
    mid = (axis[1:] + axis[:-1]) / 2
    return np.concatenate([[axis[0] - (mid[0] - axis[0])], mid,
                           [axis[-1] + (axis[-1] - mid[-1])]])


def _window_name(low, high, unit):
    return f'{low:.6g}-{high:.6g} {unit.to_string()}'


def _valid_channels(spectra, size=CHUNK):
    """True for the channels with at least one valid value (finite, unmasked)."""
    found = np.zeros(spectra.nwave, bool)
    for start, stop, values, std, bad in spectra.chunks(size):
        ok = np.isfinite(values)
        if std is not None:
            ok &= np.isfinite(std)
        if bad is not None:
            ok &= ~bad
        found[start:stop] = ok.reshape(stop - start, -1).any(axis=1)
    return found


def default_windows(spectra, nwindows=DEFAULT_NWINDOWS):
    """
    ``nwindows`` windows of equal numbers of channels over the valid channels.

    The valid range runs from the first to the last channel with at least one
    valid value; windows are contiguous and their edges lie half way between
    channels.  Returns a Quantity (n, 2) in the unit of the spectral axis
    (Angstrom for a wavelength axis).
    """
    valid = np.flatnonzero(_valid_channels(spectra))
    if valid.size == 0:
        raise ValueError(f'{spectra.name} has no valid value: every channel is masked or '
                         f'not finite')
    unit = spectra.spectral_axis.unit
    axis = spectra.spectral_axis.value
    edges = _channel_edges(axis)
    first, last = valid[0], valid[-1] + 1
    parts = np.array_split(np.arange(first, last), min(nwindows, last - first))
    rows = [(edges[p[0]], edges[p[-1] + 1]) for p in parts]
    windows = u.Quantity(np.array(rows), unit)
    if unit.physical_type == 'length':
        windows = windows.to(u.AA)
    return windows


def window_channels(windows, spectra):
    """
    The channel range ``(start, stop)`` of each window, as an (n, 2) int array.

    A channel is in a window when its centre lies in ``[low, high)`` (so
    adjacent windows share no channel; a centre within 1e-6 channel of an
    edge counts as on it).  Windows must lie inside the cube's
    range (from the lower edge of the first channel to the upper edge of the
    last) and hold at least one channel.
    """
    axis_unit = spectra.spectral_axis.unit
    axis = spectra.spectral_axis.value
    if axis.size > 1:
        step = np.diff(axis)
        if not (np.all(step > 0) or np.all(step < 0)):
            raise ValueError(f'{spectra.name} has a spectral axis that is not monotonic; '
                             f'bands cannot select channels of it')
    try:
        values = windows.to_value(axis_unit, equivalencies=u.spectral())
    except u.UnitsError:
        raise u.UnitsError(f'bands are in {windows.unit!s}, which does not convert to the '
                           f'spectral axis unit {axis_unit!s}') from None
    low, high = np.sort(values, axis=1).T
    edges = _channel_edges(axis)
    lo_edge, hi_edge = min(edges[0], edges[-1]), max(edges[0], edges[-1])
    tol = 1e-9 * (hi_edge - lo_edge)
    # a centre within a millionth of a channel of an edge is on it (unit conversions)
    eps = 1e-6 * (np.median(np.abs(np.diff(axis))) if axis.size > 1 else 1.0)
    cover = u.Quantity([lo_edge, hi_edge], axis_unit)
    if axis_unit.physical_type == 'length':
        cover = cover.to(u.AA)
    span = _window_name(cover[0].value, cover[1].value, cover.unit)
    result = np.empty((len(low), 2), dtype=np.intp)
    for i, (lo, hi) in enumerate(zip(low, high)):
        name = _window_name(*np.sort(windows[i].value), windows.unit)
        if not hi > lo:
            raise ValueError(f'bands[{i}] ({name}) is empty: its upper edge must be above its '
                             f'lower edge')
        if lo < lo_edge - tol or hi > hi_edge + tol:
            raise ValueError(f'bands[{i}] ({name}) is outside the spectral range of the cube '
                             f'({span})')
        inside = np.flatnonzero((axis >= lo - eps) & (axis < hi - eps))
        if inside.size == 0:
            raise ValueError(f'bands[{i}] ({name}) holds no channel of the cube (channel '
                             f'centres must lie in [low, high))')
        result[i] = inside[0], inside[-1] + 1
    return result


def window_sums(spectra, channels, size=CHUNK):
    """
    Mean flux density and its 1-sigma uncertainty in each window, per pixel.

    For each window and pixel the valid channels (finite value and
    uncertainty, not masked) are summed, values and variances; the result is
    the sum divided by the number of valid channels, so that its S/N is that
    of the summed flux.  A pixel without a valid channel in a window is NaN
    and masked there.

    Returns
    -------
    mean, std : ndarray, shape (n, ny, nx)
    nvalid : ndarray of int, shape (n, ny, nx)
        Number of valid channels.
    """
    shape = (len(channels),) + spectra.shape
    total = np.zeros(shape)
    total_var = np.zeros(shape)
    nvalid = np.zeros(shape, dtype=np.int64)
    for i, (start, stop) in enumerate(channels):
        for first in range(start, stop, size):
            last = min(first + size, stop)
            values, std, bad = spectra.chunk(first, last)
            ok = np.isfinite(values) & np.isfinite(std)
            if bad is not None:
                ok &= ~bad
            negative = np.count_nonzero(ok & (std < 0))
            if negative:
                raise ValueError(f'{spectra.name}.uncertainty must be >= 0, got {negative} '
                                 f'negative value(s) in channels {first}..{last - 1}')
            total[i] += np.where(ok, values, 0.0).sum(axis=0)
            total_var[i] += np.where(ok, np.square(std), 0.0).sum(axis=0)
            nvalid[i] += ok.sum(axis=0)
    with np.errstate(invalid='ignore', divide='ignore'):
        mean = np.where(nvalid > 0, total / nvalid, np.nan)
        std = np.where(nvalid > 0, np.sqrt(total_var) / nvalid, np.nan)
    return mean, std, nvalid


def _celestial(wcs):
    if isinstance(wcs, WCS) and wcs.has_celestial:
        return wcs.celestial
    return None


def spectral_to_windows(cube, bands=None, mask=None, name='cube'):
    """
    A spectral cube and wavelength windows as a photometric cube.

    Parameters
    ----------
    cube : `~specutils.Spectrum` or `~astropy.nddata.NDData`
        A spectral cube: a Spectrum with 3-D flux (any ``spectral_axis_index``)
        or an NDData (nwave, ny, nx) whose WCS has a spectral axis.  It needs
        an uncertainty.
    bands : `~astropy.units.Quantity` or `~specutils.SpectralRegion`, optional
        Windows ``(low, high)``, shape (n, 2), in a wavelength, frequency or
        energy unit; or a SpectralRegion.  Default: `DEFAULT_NWINDOWS` windows
        of equal numbers of channels over the range of valid channels, with a
        `~pixbin.PixbinWarning`.
    mask : array-like of bool, optional
        Extra mask (True = bad) of shape (nwave, ny, nx), combined with the
        cube's mask before the sums.

    Returns
    -------
    photometric : `~astropy.nddata.NDData`
        Shape (n, ny, nx): in each window the mean flux density over the
        valid channels (the cube's unit) with a
        `~astropy.nddata.StdDevUncertainty`, masked where a pixel has no
        valid channel; the celestial WCS; ``meta['band_names']``
        (e.g. ``'4760-4950 Angstrom'``), ``meta['band_wavelengths']`` (window
        centres), ``meta['band_windows']`` (Quantity (n, 2)),
        ``meta['band_nchannels']`` and ``meta['bands_default']``.
    spectra : `~specutils.Spectrum` or `~astropy.nddata.NDData`
        The spectral cube (with ``mask`` folded in), to be binned as
        ``spectra``.
    """
    if not is_spectral_cube(cube):
        raise TypeError(f'bands needs a spectral cube: a specutils Spectrum with 3-D flux or an '
                        f'NDData (nwave, ny, nx) with a spectral WCS axis and no band_names, '
                        f'got {type(cube).__name__}'
                        + (f' of shape {np.shape(cube.data)}' if isinstance(cube, NDData)
                           else ''))
    if cube.uncertainty is None:
        raise ValueError(f'{name}.uncertainty is missing: the S/N of a window needs the noise '
                         f'of every channel (StdDevUncertainty, VarianceUncertainty or '
                         f'InverseVariance)')
    if mask is not None:
        cube = _with_mask(cube, mask, name)
    probe, grid_wcs = _probe(cube, name)
    default = bands is None
    windows = default_windows(probe) if default else parse_bands(bands)
    channels = window_channels(windows, probe)
    mean, std, nvalid = window_sums(probe, channels)
    low, high = np.sort(windows.value, axis=1).T
    names = [_window_name(lo, hi, windows.unit) for lo, hi in zip(low, high)]
    meta = {k: v for k, v in (cube.meta or {}).items()
            if k not in ('band_names', 'band_wavelengths', 'spectral_cube')}
    meta.update(band_names=names,
                band_wavelengths=u.Quantity((low + high) / 2, windows.unit),
                band_windows=u.Quantity(np.column_stack([low, high]), windows.unit),
                band_nchannels=(channels[:, 1] - channels[:, 0]).tolist(),
                bands_default=default)
    if default:
        warnings.warn(f'{name} is a spectral cube and no bands were given: binned in '
                      f'{len(names)} windows of equal numbers of channels over its valid '
                      f'range ({", ".join(names)}); give bands=[[low, high], ...] * u.AA to '
                      f'choose them', PixbinWarning, stacklevel=3)
    photometric = NDData(mean, uncertainty=StdDevUncertainty(std), unit=probe.unit,
                         mask=nvalid == 0, wcs=grid_wcs, meta=meta)
    return photometric, cube


def _probe(cube, name):
    """
    The parsed spectra of a spectral cube and its celestial WCS: that of its
    FITS WCS, else ``meta['celestial_wcs']`` (a cube that `pixbin.io.read_cube`
    read with its wavelengths as an array: CALIFA, JWST ``WAVE-TAB``).
    """
    from ._validation import celestial_wcs
    wcs = cube.wcs if isinstance(cube.wcs, WCS) else (cube.meta or {}).get('celestial_wcs')
    wcs = wcs if isinstance(wcs, WCS) else None
    grid_wcs = None if wcs is None else celestial_wcs(_celestial(wcs), f'{name}.wcs')
    flux_shape = np.shape(cube.flux) if is_spectrum(cube) else np.shape(cube.data)
    return parse_spectra(cube, _spatial_shape(cube, flux_shape), grid_wcs, name), grid_wcs


def default_bands(cube, name='cube'):
    """
    The wavelength windows that `~pixbin.bin_pixels` bins a spectral cube in
    when no ``bands`` are given (`default_windows`), as a Quantity (n, 2).

    For interfaces that show the default before binning (glue's dialog).
    """
    if not is_spectral_cube(cube):
        raise TypeError(f'{name} must be a spectral cube, got {type(cube).__name__}')
    return default_windows(_probe(cube, name)[0])


def _spatial_shape(cube, flux_shape):
    """(ny, nx) of a spectral cube, from the axis order `parse_spectra` would use."""
    from ._spectra import spatial_axes_last
    if is_spectrum(cube):
        index = cube.spectral_axis_index % len(flux_shape)
        order = spatial_axes_last(flux_shape, cube.wcs, index)
    else:
        order = [0, 1, 2]
        if cube.wcs.wcs.spec != 2:
            raise ValueError(f'cube: an NDData spectral cube must have its spectral axis '
                             f'first (numpy axis 0, the third WCS axis), got it as WCS axis '
                             f'{cube.wcs.wcs.spec + 1}; use a specutils Spectrum for other '
                             f'axis orders')
    return tuple(flux_shape[i] for i in order[1:])


def _with_mask(cube, mask, name):
    """The cube with an extra mask of its own shape folded into its mask."""
    data = cube.flux if is_spectrum(cube) else cube.data
    mask = np.asarray(mask)
    if mask.dtype.kind not in 'biu':
        raise TypeError(f'mask must be a boolean array (True = bad), got dtype {mask.dtype}')
    if mask.shape != np.shape(data):
        raise ValueError(f'mask of a spectral {name} must have the shape of its flux '
                         f'{np.shape(data)}, or the spatial shape, got {mask.shape}')
    combined = mask.astype(bool)
    if cube.mask is not None:
        combined = combined | np.asarray(cube.mask, bool)
    cube = copy.copy(cube)
    cube.mask = combined
    return cube


def bin_with_windows(bin_pixels, cube, bands, *, spectra=None, mask=None, **options):
    """
    `~pixbin.bin_pixels` of a spectral cube: windows first, then the bins' spectra.

    Called at the top of `~pixbin.bin_pixels` when ``cube`` is a spectral cube
    or ``bands`` is given; ``options`` are its other arguments.
    """
    if spectra is not None and is_spectral_cube(cube):
        raise ValueError('spectra must not be given with a spectral cube: the spectra of the '
                         'bins are summed from the cube itself')
    spatial_mask = None
    if mask is not None and np.ndim(mask) == 2:
        spatial_mask, mask = mask, None
    photometric, spectral = spectral_to_windows(cube, bands, mask=mask)
    result = bin_pixels(photometric, spectra=spectral, mask=spatial_mask, **options)
    meta = photometric.meta
    result.meta['bands'] = [list(row) for row in meta['band_windows'].value.tolist()]
    result.meta['bands_unit'] = meta['band_windows'].unit.to_string()
    result.meta['bands_default'] = meta['bands_default']
    return result
