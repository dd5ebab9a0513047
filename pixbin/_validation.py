# Licensed under a 3-clause BSD style license - see LICENSE
"""
Input checks and the one normaliser that turns astropy inputs into arrays.

Every error names the argument and shows what it got.
"""

import functools
import numbers
import os
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.nddata import (InverseVariance, NDData, StdDevUncertainty,
                            VarianceUncertainty)
from astropy.wcs import WCS
from numba import njit

__all__ = []

#: Units a flux-like quantity may be converted to (with their scaled and
#: per-area variants).  Anything else is refused with a UnitsError.
_FLUX_LIKE_UNITS = (
    u.Jy,                                   # f_nu, also erg/s/cm2/Hz
    u.erg / u.s / u.cm**2 / u.AA,           # f_lambda
    u.erg / u.s / u.cm**2,                  # band-integrated flux
    u.ph / u.s / u.cm**2 / u.AA,            # photon flux density
    u.ph / u.s / u.cm**2 / u.Hz,
    u.ph / u.s / u.cm**2,
    u.ct, u.ct / u.s, u.electron, u.electron / u.s, u.adu, u.adu / u.s,
    u.DN, u.DN / u.s,                       # data numbers (WISE, 2MASS)
    u.ph, u.ph / u.s,
    u.mgy,                                  # maggies: flux / 3631 Jy (SDSS, Legacy Surveys)
    u.dimensionless_unscaled,               # plain numbers
)
_AREA_UNITS = (u.sr, u.beam, u.pix)


#: One maggy: the AB zero point, 3631 Jy (maggies are the flux unit of SDSS and
#: the Legacy Surveys).
MAGGY = 3631 * u.Jy


def convert_flux(quantity, unit, wavelengths=None):
    """
    ``quantity`` (a flux) in ``unit``.

    f_nu and f_lambda convert at ``wavelengths`` (one per value along the
    last axis, if given), and maggies convert to janskys with the AB zero
    point, `MAGGY`; a conversion between maggies and f_lambda goes through
    janskys.  Raises `~astropy.units.UnitsError` if there is no conversion.

    Examples
    --------
    >>> import astropy.units as u
    >>> from pixbin._validation import convert_flux
    >>> convert_flux(2 * u.nmgy, u.uJy)  # doctest: +FLOAT_CMP
    <Quantity 7.262 uJy>
    >>> convert_flux(2 * u.nmgy, u.erg / u.s / u.cm**2 / u.AA, 5000 * u.AA)  # doctest: +FLOAT_CMP
    <Quantity 8.70837132e-18 erg / (Angstrom s cm2)>
    """
    unit = u.Unit(unit)
    ways = u.zero_point_flux(MAGGY) + (u.spectral_density(wavelengths)
                                       if wavelengths is not None else [])
    try:
        return quantity.to(unit, ways)
    except u.UnitsError:
        if not (quantity.unit.is_equivalent(u.mgy) or unit.is_equivalent(u.mgy)):
            raise
        return quantity.to(u.Jy, ways).to(unit, ways)


def _is_logarithmic(unit):
    """True for magnitudes, dex and other function units."""
    from astropy.units.function.mixin import FunctionMixin
    return isinstance(unit, (u.FunctionUnitBase, FunctionMixin))


def is_flux_unit(unit):
    """True for a linear flux, flux density, surface brightness or count unit."""
    return _is_flux_unit(u.Unit(unit))


@functools.lru_cache(maxsize=128)
def _is_flux_unit(unit):
    """`is_flux_unit` of a `~astropy.units.UnitBase` (units are immutable: cached)."""
    if _is_logarithmic(unit):
        return False
    for ref in _FLUX_LIKE_UNITS:
        if unit.is_equivalent(ref):
            return True
        for area in _AREA_UNITS:
            if unit.is_equivalent(ref / area):
                return True
    return False


def check_flux_unit(unit, owner):
    """
    Return ``unit`` as a `~astropy.units.UnitBase`, or raise a UnitsError.

    ``owner`` names the object whose unit this is (e.g. ``'cube'``).
    """
    if unit is None:
        raise u.UnitsError(
            f'{owner} has no unit: pixbin keeps units end to end, so give it a flux '
            f'unit (e.g. NDData(data, unit="1e-17 erg / (s cm2 Angstrom)")).')
    try:
        unit = u.Unit(unit)
    except (TypeError, ValueError) as exc:
        raise u.UnitsError(f'{owner}.unit is not a recognised unit {unit!r}: {exc}') from None
    if not is_flux_unit(unit):
        raise u.UnitsError(
            f'{owner}.unit must have a linear flux, flux density, surface brightness or '
            f'count unit, got {unit!s}'
            + (' (a logarithmic unit: convert magnitudes to linear flux first)'
               if _is_logarithmic(unit) else ''))
    return unit


def check_bool(value, name):
    """Raise a TypeError unless ``value`` is True or False (Python's or numpy's)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f'{name} must be True or False, got {value!r}')


def check_positive_scalar(value, name, *, allow_zero=False):
    """Return ``value`` as a finite float that is > 0 (or >= 0)."""
    if isinstance(value, u.Quantity):
        if not value.unit.is_equivalent(u.dimensionless_unscaled):
            raise u.UnitsError(f'{name} must be dimensionless, got {value!r}')
        value = value.to_value(u.dimensionless_unscaled)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)) \
            or np.ndim(value) != 0:
        raise TypeError(f'{name} must be a real number, got {value!r}')
    value = float(value)
    bound = 'non-negative' if allow_zero else 'positive'
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f'{name} must be a finite {bound} number, got {value!r}')
    return value


def check_choice(value, name, choices):
    """
    Return ``value`` if it is one of the strings ``choices``.

    A value that is not a string is a TypeError, an unknown string a ValueError.
    """
    if not isinstance(value, str):
        raise TypeError(f'{name} must be one of {tuple(choices)}, got {value!r}')
    if value not in choices:
        raise ValueError(f'{name} must be one of {tuple(choices)}, got {value!r}')
    return value


def celestial_wcs(wcs, name='cube.wcs'):
    """
    The 2-D celestial part of ``wcs``, or `None`.

    An astropy `~astropy.wcs.WCS` with celestial axes gives ``wcs.celestial``;
    a 2-D WCS of another kind is kept as it is.
    """
    if wcs is None:
        return None
    if isinstance(wcs, WCS):
        if wcs.naxis == 2:
            return wcs
        if wcs.has_celestial:
            return wcs.celestial
        raise ValueError(f'{name} has {wcs.naxis} axes and no celestial part')
    low = getattr(wcs, 'low_level_wcs', wcs)
    if getattr(low, 'pixel_n_dim', None) is None:
        raise TypeError(f'{name} must be a WCS (an astropy WCS or an APE-14 object), got '
                        f'{type(wcs).__name__}')
    if low.pixel_n_dim == 2:
        return wcs
    raise ValueError(f'{name} must be a 2-D celestial WCS or an astropy WCS with a '
                     f'celestial part, got {type(wcs).__name__} with '
                     f'{getattr(low, "pixel_n_dim", "?")} pixel axes')


def check_bin_ids(bin_ids, nbins, name='bin_ids'):
    """
    ``bin_ids`` (a bin number or a sequence of them) as a 1-D int array of
    bins between 1 and ``nbins``: a TypeError for anything but integers (a
    1.7 is not bin 1), a ValueError for bins that do not exist.
    """
    try:
        ids = np.atleast_1d(np.asarray(bin_ids))
    except ValueError:                   # a ragged nesting
        ids = None
    if ids is not None and ids.size == 0 and ids.ndim == 1:
        return ids.astype(int)
    if ids is None or ids.ndim != 1 or ids.dtype.kind not in 'iu':
        raise TypeError(f'{name} must be a bin number or a sequence of bin numbers '
                        f'(integers), got {bin_ids!r}')
    if np.any((ids < 1) | (ids > nbins)):
        raise ValueError(f'{name} must be between 1 and {nbins}, got {ids.tolist()}')
    return ids.astype(int)


def check_same_grid(ref_shape, ref_wcs, shape, wcs, name, reference='the bin map',
                    hint=None):
    """
    Raise a ValueError unless ``shape``/``wcs`` is the grid ``ref_shape``/``ref_wcs``.

    The WCSs are compared only when both are given: the corners and the centre
    of the grid must land on the same pixels (to 1% of a pixel).  The message
    names ``name`` and ``reference`` and ends with ``hint``.
    """
    if hint is None:
        hint = ('resample it onto the bin map grid first (e.g. reproject.reproject_interp('
                '..., bm.wcs, shape_out=bm.shape))')
    if tuple(shape) != tuple(ref_shape):
        raise ValueError(f'{name} has spatial shape {tuple(shape)}, but {reference} has '
                         f'{tuple(ref_shape)}: {hint}')
    if wcs is None or ref_wcs is None:
        return
    other = celestial_wcs(wcs, f'{name}.wcs')
    ny, nx = ref_shape
    xs = np.array([0, nx - 1, 0, nx - 1, (nx - 1) / 2])
    ys = np.array([0, 0, ny - 1, ny - 1, (ny - 1) / 2])
    try:
        px, py = ref_wcs.world_to_pixel(other.pixel_to_world(xs, ys))
        same = bool(np.all(np.hypot(px - xs, py - ys) < 0.01))
    except (ValueError, TypeError, u.UnitsError):
        same = False
    if not same:
        raise ValueError(f'{name} has a different WCS from {reference}: {hint}')


def std_from_uncertainty(uncertainty, data_unit, name):
    """
    1-sigma uncertainty of ``uncertainty`` as an array in ``data_unit``.

    `~astropy.nddata.VarianceUncertainty` and
    `~astropy.nddata.InverseVariance` are converted; an inverse variance of 0
    gives an infinite uncertainty.
    """
    if uncertainty is None:
        raise ValueError(
            f'{name} is missing: pixbin needs the 1-sigma noise of every pixel. Give '
            f'the NDData an uncertainty, e.g. uncertainty=StdDevUncertainty(err) '
            f'(VarianceUncertainty and InverseVariance are converted).')
    array = np.asarray(uncertainty.array, dtype=np.float64)
    with np.errstate(divide='ignore', invalid='ignore'):
        if isinstance(uncertainty, StdDevUncertainty):
            std, power = array, 1
        elif isinstance(uncertainty, VarianceUncertainty):
            std, power = np.sqrt(array), 2
        elif isinstance(uncertainty, InverseVariance):
            std, power = 1.0 / np.sqrt(array), -2
        else:
            raise TypeError(
                f'{name} must be a StdDevUncertainty, VarianceUncertainty or '
                f'InverseVariance, got {type(uncertainty).__name__}')
        # Negative variances give NaN here and are reported by the caller.
        std = np.where(array < 0, -1.0, std) if power != 1 else std
    unit = uncertainty.unit
    if unit is not None:
        std_unit = unit ** (1.0 / power)
        try:
            factor = std_unit.to(data_unit)
            if factor != 1.0:
                std = std * factor
        except u.UnitsError:
            raise u.UnitsError(
                f'{name} has unit {unit!s}, which does not match the data unit '
                f'{data_unit!s} ({type(uncertainty).__name__})') from None
    return std


@dataclass
class ParsedCube:
    """A validated cube as arrays: what the algorithms consume."""

    flux: np.ndarray          # (nbands, ny, nx) float64, in ``unit``
    std: np.ndarray           # (nbands, ny, nx) float64, in ``unit`` (valid where ``valid``)
    unit: u.UnitBase
    valid: np.ndarray         # (ny, nx) bool: finite, unmasked, usable in every band
    wcs: object
    band_names: tuple
    band_wavelengths: object  # Quantity (nbands,) or None
    meta: dict

    @property
    def nbands(self):
        return self.flux.shape[0]

    @property
    def shape(self):
        return self.flux.shape[1:]


@njit(cache=True, nogil=True)
def _usable_pixels(flux, std, bad):
    """
    Pixels usable in every band, in one pass over the cube.

    A value is usable where its flux is finite, its uncertainty is not
    infinite (an inverse variance of 0 means no measurement) and ``bad`` (a
    mask of 0, 1 or nbands rows, True = bad) does not mask it.  Returns the
    (npix,) usable pixels, and the number and first flat index of the usable
    values whose uncertainty is zero, negative or NaN (an error).
    """
    nbands, npix = flux.shape
    valid = np.ones(npix, dtype=np.bool_)
    nwrong = 0
    first = -1
    for b in range(nbands):
        row = b if bad.shape[0] == nbands else 0
        for p in range(npix):
            s = std[b, p]
            if not np.isfinite(flux[b, p]) or s == np.inf or (bad.shape[0] and bad[row, p]):
                valid[p] = False
            elif not s > 0.0:
                if first < 0:
                    first = b * npix + p
                nwrong += 1
    return valid, nwrong, first


def as_mask(mask, shape, name):
    """A boolean mask broadcast to ``shape`` (nbands, ny, nx)."""
    mask = np.asarray(mask)
    if mask.dtype.kind not in 'biu':
        raise TypeError(f'{name} must be a boolean array (True = bad), got dtype {mask.dtype}')
    if mask.shape not in (shape, shape[1:]):
        raise ValueError(f'{name} must have shape {shape[1:]} or {shape}, got {mask.shape}')
    return np.broadcast_to(mask.astype(bool), shape)


def _stack_images(images, name):
    """Stack a sequence of 2-D NDData on one grid into one (nbands, ny, nx) NDData."""
    images = list(images)
    if not images:
        raise ValueError(f'{name} is an empty sequence; give a cube or at least one image')
    for i, image in enumerate(images):
        if not isinstance(image, NDData):
            raise TypeError(f'{name}[{i}] must be an NDData (or CCDData) image, '
                            f'got {type(image).__name__}')
        if np.ndim(image.data) != 2:
            raise ValueError(f'{name}[{i}] must be a 2-D image, got shape {np.shape(image.data)}')
        if image.data.shape != images[0].data.shape:
            raise ValueError(f'{name}[{i}] has shape {image.data.shape}, but {name}[0] has '
                             f'{images[0].data.shape}: images must share one pixel grid '
                             f'(use reproject to resample them)')
    # the same WCS too, where two images have one
    wcs = [celestial_wcs(image.wcs, f'{name}[{i}].wcs') for i, image in enumerate(images)]
    first = next((i for i, w in enumerate(wcs) if w is not None), 0)
    for i, image in enumerate(images):
        check_same_grid(images[first].data.shape, wcs[first], image.data.shape, wcs[i],
                        f'{name}[{i}]', reference=f'{name}[{first}]',
                        hint='images must share one pixel grid (use reproject to resample them)')
    unit = check_flux_unit(images[0].unit, f'{name}[0]')
    data, std, mask, names, waves = [], [], [], [], []
    for i, image in enumerate(images):
        label = f'{name}[{i}]'
        image_unit = check_flux_unit(image.unit, label)
        try:
            scale = convert_flux(1.0 * image_unit, unit).value
        except u.UnitsError:
            raise u.UnitsError(f'{label} has unit {image_unit!s}, which does not convert '
                               f'to the unit of {name}[0], {unit!s}') from None
        data.append(np.asarray(image.data, dtype=np.float64) * scale)
        std.append(std_from_uncertainty(image.uncertainty, image_unit,
                                        f'{label}.uncertainty') * scale)
        mask.append(np.zeros(image.data.shape, bool) if image.mask is None
                    else as_mask(image.mask, (1,) + image.data.shape, f'{label}.mask')[0])
        meta = image.meta or {}
        listed = meta.get('band_names') or [None]
        names.append(str(meta.get('band_name') or listed[0] or meta.get('FILTER')
                         or f'band{i}'))
        wave = meta.get('band_wavelengths')
        if wave is not None and np.size(wave) != 1:
            raise ValueError(f"{label} is an image of one band, but its meta['band_wavelengths'] "
                             f"holds {np.size(wave)} values")
        if wave is not None:
            try:
                wave = check_band_wavelengths(u.Quantity(wave).ravel(), 1)
            except (TypeError, ValueError, u.UnitsError):
                raise u.UnitsError(f"{label}.meta['band_wavelengths'] must be a wavelength, "
                                   f"frequency or energy Quantity, got {wave!r}") from None
        waves.append(wave)
    stacked = {'band_names': names}
    if all(w is not None for w in waves):       # every image knows its wavelength
        stacked['band_wavelengths'] = check_band_wavelengths(
            np.concatenate([w.to(waves[0].unit, u.spectral()) for w in waves]), len(waves))
    return NDData(np.array(data), uncertainty=StdDevUncertainty(np.array(std)), unit=unit,
                  mask=np.array(mask), wcs=wcs[first], meta=stacked)


def check_not_spectral(cube, name='cube'):
    """
    Raise a ValueError if ``cube`` is a spectral cube (a `specutils.Spectrum`,
    or read as one by `pixbin.io.read_cube`): its thousands of wavelength
    channels are not photometric bands.
    """
    is_spectrum = any(c.__name__ in ('Spectrum', 'Spectrum1D') for c in type(cube).__mro__)
    meta = getattr(cube, 'meta', None) or {}
    if not (is_spectrum or meta.get('spectral_cube') is True):
        return
    shape = np.shape(getattr(cube, 'data', ()))
    where = f' ({meta["layout"]} file {meta.get("source_file", "")})' if 'layout' in meta else ''
    raise ValueError(
        f'{name} is a spectral cube{where} of shape {shape}, read as a specutils Spectrum: '
        f'its wavelength channels are not photometric bands. Bin it through wavelength '
        f'windows (pixbin.bin_pixels(cube, snr, bands=[[low, high], ...] * u.AA), or '
        f'pixbin bin --bands), or give it as spectra= with a photometric cube on the same '
        f'pixel grid.')


def parse_cube(cube, *, mask=None, band_names=None, band_wavelengths=None, name='cube'):
    """
    Check a cube and return it as a `ParsedCube`.

    Parameters
    ----------
    cube : `~astropy.nddata.NDData` or sequence of them
        A cube (nbands, ny, nx), an image (ny, nx) or images on one grid
        (files are read before, by `pixbin.io.read_input`).
    mask : array-like of bool, optional
        Extra mask, True = bad, shape (ny, nx) or (nbands, ny, nx).
    band_names : sequence of str, optional
        Overrides ``cube.meta['band_names']``.
    band_wavelengths : `~astropy.units.Quantity`, optional
        Overrides ``cube.meta['band_wavelengths']``.
    """
    if isinstance(cube, (str, os.PathLike)):
        raise TypeError(f'{name} is a file name ({os.fspath(cube)!r}): read it with '
                        f'pixbin.io.read_input first (bin_pixels does)')
    if isinstance(cube, (list, tuple)):
        cube = _stack_images(cube, name)
    check_not_spectral(cube, name)
    if not isinstance(cube, NDData):
        raise TypeError(
            f'{name} must be an astropy NDData (or NDDataArray, CCDData) with data, unit '
            f'and uncertainty, or a list of 2-D NDData images, got {type(cube).__name__}. '
            f'Wrap arrays as NDData(flux, uncertainty=StdDevUncertainty(err), unit=unit).')
    data = np.asarray(cube.data)
    if data.dtype.kind not in 'biuf':
        raise TypeError(f'{name}.data must be real numbers, got dtype {data.dtype}')
    if data.ndim == 2:
        data = data[np.newaxis]
    elif data.ndim != 3:
        raise ValueError(f'{name} must be 3-D (nbands, ny, nx) or a 2-D image (ny, nx), '
                         f'got {data.ndim}-D data of shape {data.shape}')
    shape = data.shape
    if 0 in shape:
        raise ValueError(f'{name} is empty: shape {np.shape(cube.data)}')
    unit = check_flux_unit(cube.unit, name)
    std = std_from_uncertainty(cube.uncertainty, unit, f'{name}.uncertainty')
    if std.shape != np.shape(cube.data):
        raise ValueError(f'{name}.uncertainty has shape {std.shape}, but {name}.data has '
                         f'shape {np.shape(cube.data)}')
    std = std.reshape(shape)
    flux = data.astype(np.float64, copy=False)

    given = ((cube.mask, f'{name}.mask'), (mask, 'mask'))
    masks = [as_mask(m, shape, label) for m, label in given if m is not None]
    npix = shape[1] * shape[2]
    bad = (np.logical_or.reduce(masks).reshape(shape[0], npix) if masks
           else np.zeros((0, npix), bool))
    valid, nwrong, first = _usable_pixels(flux.reshape(shape[0], npix),
                                          std.reshape(shape[0], npix), bad)
    if nwrong:
        example = np.unravel_index(first, shape)
        raise ValueError(
            f'{name}.uncertainty must be finite and positive where the data are valid; '
            f'{nwrong} value(s) are zero, negative or NaN (first at index '
            f'{tuple(int(i) for i in example)}: {float(std[example])!r}). Mask those pixels '
            f'(mask=...) or fix the uncertainties.')
    valid = valid.reshape(shape[1:])
    if not np.any(valid):
        raise ValueError(f'{name} has no valid pixel: every pixel is masked, NaN or has an '
                         f'infinite uncertainty in at least one band')

    meta = dict(cube.meta) if cube.meta else {}
    nbands = shape[0]
    if band_names is None:
        band_names = meta.get('band_names')
    if band_names is None:
        band_names = [f'band{i}' for i in range(nbands)] if nbands > 1 else ['band0']
    if isinstance(band_names, str) or not hasattr(band_names, '__len__'):
        raise TypeError(f'band_names must be a sequence of {nbands} names (one per band), '
                        f'got {band_names!r}')
    if len(band_names) != nbands:
        raise ValueError(f'band_names must be a sequence of {nbands} names (one per band), '
                         f'got {band_names!r}')
    band_names = tuple(str(b) for b in band_names)
    if len(set(band_names)) != nbands:
        raise ValueError(f'band_names must be unique, got {band_names!r}')
    if band_wavelengths is None:
        band_wavelengths = meta.get('band_wavelengths')
    band_wavelengths = check_band_wavelengths(band_wavelengths, nbands)
    return ParsedCube(flux=flux, std=std, unit=unit,
                      valid=valid, wcs=celestial_wcs(cube.wcs, f'{name}.wcs'),
                      band_names=band_names, band_wavelengths=band_wavelengths, meta=meta)


def check_band_wavelengths(band_wavelengths, nbands):
    """``band_wavelengths`` as a Quantity of shape (nbands,) in spectral units, or None."""
    if band_wavelengths is None:
        return None
    try:
        band_wavelengths = u.Quantity(band_wavelengths)
    except (TypeError, ValueError):
        raise TypeError(f'band_wavelengths must be a Quantity (wavelength, frequency or energy) '
                        f'with one value per band, got {band_wavelengths!r}') from None
    if band_wavelengths.shape != (nbands,):
        raise ValueError(f'band_wavelengths must have one value per band ({nbands}), '
                         f'got shape {band_wavelengths.shape}')
    if not band_wavelengths.unit.is_equivalent(u.AA, equivalencies=u.spectral()):
        got = 'no unit' if band_wavelengths.unit == u.one else \
            f'unit {band_wavelengths.unit!s}'
        raise u.UnitsError(f'band_wavelengths must be a wavelength, frequency or energy, '
                           f'got {got}')
    if not np.all(np.isfinite(band_wavelengths.value) & (band_wavelengths.value > 0)):
        raise ValueError(f'band_wavelengths must be finite and positive, got {band_wavelengths}')
    return band_wavelengths


def parse_snr(snr, nbands, band_names=()):
    """S/N thresholds as an array of length ``nbands``."""
    if snr is None:
        raise TypeError('snr must be a number or a sequence of numbers (one per band), got None')
    if isinstance(snr, u.Quantity):
        if not snr.unit.is_equivalent(u.one):
            raise u.UnitsError(f'snr must be dimensionless, got {snr}')
        snr = snr.to_value(u.one)
    if isinstance(snr, dict):
        unknown = set(snr) - set(band_names)
        if unknown:
            raise ValueError(f'snr names unknown band(s) {sorted(unknown)}; bands are '
                             f'{list(band_names)}')
        snr = [snr.get(b, 0.0) for b in band_names]
    try:
        array = np.asarray(snr, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f'snr must be a number or a sequence of numbers (one per band), '
                        f'got {snr!r}') from None
    if array.ndim == 0:
        array = np.full(nbands, float(array))
    if array.ndim != 1 or array.size != nbands:
        raise ValueError(f'snr must be a scalar or have one value per band ({nbands}), got '
                         f'{array.size} value(s)')
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f'snr must be finite and >= 0 (0 = no requirement), got {snr!r}')
    return array


def parse_ref_band(ref_band, band_names):
    """Index of the reference band given by index or name."""
    nbands = len(band_names)
    if isinstance(ref_band, str):
        if ref_band not in band_names:
            raise ValueError(f'ref_band {ref_band!r} is not a band name; bands are '
                             f'{list(band_names)}')
        return band_names.index(ref_band)
    if isinstance(ref_band, (bool, np.bool_)) or not isinstance(ref_band, numbers.Integral):
        raise TypeError(f'ref_band must be a band index, a band name or None, got {ref_band!r}')
    if not 0 <= ref_band < nbands:
        raise ValueError(f'ref_band must be between 0 and {nbands - 1} (there are {nbands} '
                         f'bands), got {ref_band}')
    return int(ref_band)
