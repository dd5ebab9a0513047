# Licensed under a 3-clause BSD style license - see LICENSE
"""
Which components of a glue dataset hold the flux, the uncertainty and the mask,
and the astropy cube that `pixbin.bin_pixels` bins.

A cube reaches glue in many ways: a multi-extension FITS file (one component,
or one dataset, per HDU: ``FLUX`` and ``FLUX_ERR``, ``SCI`` and ``ERR``,
``PHOTO_FLUX`` and ``PHOTO_FLUXERR``), a glue-astronomy translation of an
NDData or Spectrum (``data`` or ``flux`` with ``uncertainty``, whose kind is in
``meta['uncertainty_type']``), or a script.  Names are matched without regard
to case.
"""

from dataclasses import dataclass

import astropy.units as u
import numpy as np

__all__ = ['FluxComponents', 'find_flux_components']

# Flux components, most specific first, with the uncertainty each one pairs with.
_FLUX_NAMES = ('flux', 'sci', 'photo_flux', 'data')
_PAIRS = {'flux': ('flux_err', 'fluxerr', 'flux_error'),
          'sci': ('err',),
          'photo_flux': ('photo_fluxerr', 'photo_flux_err'),
          'data': ('error', 'err', 'sigma', 'uncertainty')}
# Uncertainty components and their kind.
_UNCERTAINTY_NAMES = {
    'flux_err': 'std', 'fluxerr': 'std', 'flux_error': 'std', 'photo_fluxerr': 'std',
    'photo_flux_err': 'std', 'err': 'std', 'error': 'std', 'sigma': 'std', 'noise': 'std',
    'uncertainty': 'meta', 'std': 'std', 'stddev': 'std',
    'var': 'var', 'variance': 'var', 'flux_var': 'var',
    'ivar': 'ivar', 'invvar': 'ivar', 'inverse_variance': 'ivar', 'flux_ivar': 'ivar',
}
_MASK_NAMES = ('mask', 'dq', 'badpix')
UNCERTAINTY_TYPES = ('std', 'var', 'ivar')
# What glue-astronomy writes in meta['uncertainty_type'], and astropy's class names.
_META_TYPES = {'std': 'std', 'var': 'var', 'ivar': 'ivar', 'stddevuncertainty': 'std',
               'varianceuncertainty': 'var', 'inversevariance': 'ivar'}


@dataclass(frozen=True)
class FluxComponents:
    """
    Where the flux, its uncertainty and the mask of a cube are.

    Attributes
    ----------
    flux : `~glue.core.component_id.ComponentID`
        The flux component (its ``parent`` is the dataset that holds it).
    uncertainty : `~glue.core.component_id.ComponentID`
        The uncertainty component, possibly in a sibling dataset of the same
        shape (glue reads each FITS extension into its own dataset).
    uncertainty_type : {'std', 'var', 'ivar'}
        1-sigma uncertainty, variance or inverse variance.
    mask : `~glue.core.component_id.ComponentID` or None
        Bad-pixel component (non-zero = bad), if any.

    Examples
    --------
    `~pixbin_glue.find_flux_components` returns one:

    >>> import numpy as np
    >>> from glue.core import Data
    >>> import pixbin_glue
    >>> data = Data(FLUX=np.ones((3, 8, 8)), VAR=np.ones((3, 8, 8)),
    ...             DQ=np.zeros((3, 8, 8), int), label='cube')
    >>> found = pixbin_glue.find_flux_components(data)
    >>> found.flux.label, found.uncertainty.label, found.uncertainty_type, found.mask.label
    ('FLUX', 'VAR', 'var', 'DQ')
    """

    flux: object
    uncertainty: object
    uncertainty_type: str
    mask: object = None


class ComponentChoiceError(ValueError):
    """The flux or uncertainty component cannot be told from the names."""

    def __init__(self, what, message, candidates):
        super().__init__(message)
        self.what = what
        self.candidates = candidates


def _main_cids(data):
    from glue.core.component_id import PixelComponentID
    coords = set(data.pixel_component_ids) | set(data.world_component_ids)
    return [cid for cid in data.main_components
            if cid not in coords and not isinstance(cid, PixelComponentID)]


def _sibling_base(label):
    """``'file'`` for glue's FITS dataset labels ``'file[EXT]'``, else None."""
    if label.endswith(']') and '[' in label:
        return label[:label.rindex('[')]
    return None


def candidate_components(data, data_collection):
    """
    Components of ``data``, then of its siblings: the datasets that glue read
    from the other extensions of the same FITS file (labels ``'file[EXT]'`` with
    the same ``file`` and the same shape).
    """
    out = list(_main_cids(data))
    base = _sibling_base(data.label)
    if data_collection is not None and base is not None:
        for other in data_collection:
            if other is not data and other.shape == data.shape \
                    and _sibling_base(other.label) == base:
                out.extend(_main_cids(other))
    return out


def _by_name(cids, names):
    """The first component whose label (case-insensitive) is in ``names``, in names order."""
    lower = {}
    for cid in cids:
        lower.setdefault(cid.label.lower(), cid)
    for name in names:
        if name in lower:
            return lower[name]
    return None


def _resolve(data, value, what, cids):
    """A ComponentID for an explicit ``flux=``/``uncertainty=``/``mask=`` argument."""
    from glue.core.component_id import ComponentID
    if isinstance(value, ComponentID):
        if value.parent is None or value.parent.shape != data.shape:
            raise ValueError(f'{what} must be a component of a dataset with the shape of '
                             f'{data.label!r} {data.shape}, got {value!r}')
        return value
    if isinstance(value, str):
        found = _by_name(cids, [value.lower()])
        if found is None:
            raise ValueError(f'{what} must name a component of {data.label!r} (or of a '
                             f'dataset of the same shape), got {value!r}; components: '
                             f'{", ".join(c.label for c in cids)}')
        return found
    raise TypeError(f'{what} must be a component label (str) or a glue ComponentID, got '
                    f'{type(value).__name__}')


def uncertainty_kind(cid, explicit):
    """
    The kind of an uncertainty component, one of `UNCERTAINTY_TYPES`.

    ``explicit`` if given (checked), else from the component's name; a
    component named ``uncertainty`` has its kind in its dataset's
    ``meta['uncertainty_type']``.
    """
    if explicit is not None:
        if explicit not in UNCERTAINTY_TYPES:
            raise ValueError(f'uncertainty_type must be one of {UNCERTAINTY_TYPES}, got '
                             f'{explicit!r}')
        return explicit
    kind = _UNCERTAINTY_NAMES.get(cid.label.lower(), 'std')
    if kind == 'meta':
        meta = cid.parent.meta.get('uncertainty_type', 'std')
        kind = _META_TYPES.get(str(meta).lower())
        if kind is None:
            raise ValueError(f'{cid.parent.label!r}: meta["uncertainty_type"] must be one of '
                             f'{UNCERTAINTY_TYPES}, got {meta!r}')
    return kind


def find_flux_components(data, data_collection=None, *, flux=None, uncertainty=None,
                         uncertainty_type=None, mask=None):
    """
    Find the flux, uncertainty and mask components of a glue dataset.

    Names are compared without regard to case.  The flux is the first of
    ``FLUX``, ``SCI``, ``PHOTO_FLUX``, ``data`` (or the only component that is
    not an uncertainty or a mask).  The uncertainty is the partner of the flux
    (``FLUX_ERR``, ``ERR``, ``PHOTO_FLUXERR``; ``error``, ``err``, ``sigma``
    or ``uncertainty`` for ``data``), else the first of the 1-sigma names
    (``FLUX_ERR``, ``ERR``, ``ERROR``, ``SIGMA``, ...), variances (``VAR``,
    ``VARIANCE``) and inverse variances (``IVAR``, ``INVVAR``).  A component
    named ``uncertainty`` (glue-astronomy's translation of NDData and
    Spectrum) has the kind in ``data.meta['uncertainty_type']``.  The mask is
    ``mask``, ``DQ`` or ``BADPIX`` (non-zero = bad).  glue reads each
    extension of a FITS file into its own dataset (``'file[FLUX]'``,
    ``'file[FLUX_ERR]'``): the components of such siblings (same file, same
    shape) in ``data_collection`` are searched too.

    Parameters
    ----------
    data : `~glue.core.data.Data`
        The cube (nbands, ny, nx) or image (ny, nx).
    data_collection : `~glue.core.data_collection.DataCollection`, optional
        Where to look for sibling datasets (other extensions of the same file).
    flux, uncertainty, mask : str or `~glue.core.component_id.ComponentID`, optional
        Name the components explicitly.
    uncertainty_type : {'std', 'var', 'ivar'}, optional
        Kind of the uncertainty, overriding the names.

    Returns
    -------
    components : `FluxComponents`

    Raises
    ------
    ValueError
        If the flux or the uncertainty cannot be told (the message lists the
        candidates; give ``flux=`` or ``uncertainty=``), or an explicit name
        is not a component.
    TypeError
        If ``data`` is not a glue Data, or an explicit component is neither a
        str nor a ComponentID.

    Examples
    --------
    >>> from glue.core import Data
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> data = Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')
    >>> pixbin_glue.find_flux_components(data)
    FluxComponents(flux=FLUX, uncertainty=FLUX_ERR, uncertainty_type='std', mask=None)

    Other names are given explicitly, with the kind of the uncertainty:

    >>> data = Data(f=cube.data, v=cube.uncertainty.array ** 2, label='cube')
    >>> pixbin_glue.find_flux_components(data, flux='f', uncertainty='v',
    ...                                  uncertainty_type='var')
    FluxComponents(flux=f, uncertainty=v, uncertainty_type='var', mask=None)
    """
    from glue.core import Data
    if not isinstance(data, Data):
        raise TypeError(f'data must be a glue Data, got {type(data).__name__}')
    cids = candidate_components(data, data_collection)
    names = ', '.join(repr(c.label) for c in cids) or 'none'
    if flux is not None:
        flux_cid = _resolve(data, flux, 'flux', cids)
    else:
        own = _main_cids(data)
        flux_cid = _by_name(own, _FLUX_NAMES) or _by_name(cids, _FLUX_NAMES)
        if flux_cid is None:
            others = [c for c in own if c.label.lower() not in _UNCERTAINTY_NAMES
                      and c.label.lower() not in _MASK_NAMES
                      and not c.label.lower().startswith('bin')]
            if len(others) == 1:
                flux_cid = others[0]
        if flux_cid is None:
            raise ComponentChoiceError(
                'flux', f'cannot tell which component of {data.label!r} is the flux '
                f'(components: {names}); give flux=<component label>', cids)
    if uncertainty is not None:
        err_cid = _resolve(data, uncertainty, 'uncertainty', cids)
    else:
        # the partner of the flux in its own dataset first, then anywhere
        flux_name = flux_cid.label.lower()
        own = _main_cids(flux_cid.parent) if flux_cid.parent is not None else cids
        err_cid = (_by_name(own, _PAIRS.get(flux_name, ()))
                   or _by_name(cids, _PAIRS.get(flux_name, ()))
                   or _by_name(own, _UNCERTAINTY_NAMES)
                   or _by_name(cids, _UNCERTAINTY_NAMES))
        if err_cid is None:
            raise ComponentChoiceError(
                'uncertainty', f'cannot tell which component holds the uncertainty of '
                f'{flux_cid.label!r} in {data.label!r} (components: {names}); give '
                f'uncertainty=<component label> and uncertainty_type="std", "var" or "ivar"',
                cids)
    if err_cid is flux_cid:
        raise ValueError(f'uncertainty must differ from the flux component, got '
                         f'{err_cid.label!r} for both')
    kind = uncertainty_kind(err_cid, uncertainty_type)
    if mask is not None:
        mask_cid = _resolve(data, mask, 'mask', cids)
    else:
        mask_cid = _by_name(cids, _MASK_NAMES)
    return FluxComponents(flux=flux_cid, uncertainty=err_cid, uncertainty_type=kind,
                          mask=mask_cid)


def _meta_get(meta, key):
    for k, v in meta.items():
        if str(k).lower() == key:
            return v
    return None


def band_info(data, nbands):
    """
    Band names and wavelengths from a dataset's ``meta``.

    ``meta['band_names']`` and ``meta['band_wavelengths']`` (a Quantity, or
    numbers with ``meta['band_wavelength_unit']``), as on pixbin's cubes, or
    FITS keywords ``FILi``/``FILTERi``/``BANDi`` (and ``FILTER`` or
    ``FILTNAM1`` for one band), read as `pixbin.io.read_cube` reads them.
    Without wavelengths, known filter names are looked up
    (`pixbin.io.filters.band_wavelengths`).

    Returns
    -------
    names : list of str or None
    wavelengths : `~astropy.units.Quantity` or None
    """
    from pixbin.io._fitsutil import indexed_band_names, single_band_name
    from pixbin.io.filters import band_wavelengths
    meta = data.meta
    names = _meta_get(meta, 'band_names')
    if names is None:
        # the keywords as in a FITS header: upper case, and absent when None
        keywords = {}
        for key, value in meta.items():
            keywords.setdefault(str(key).upper(), value)
        keywords = {key: value for key, value in keywords.items() if value is not None}
        names = indexed_band_names(keywords, nbands)
        if names is None and nbands == 1:
            single = single_band_name(keywords)
            names = None if single is None else [single]
    if names is not None:
        names = [str(n).strip() for n in names]
        if len(names) != nbands:
            raise ValueError(f'{data.label!r}: meta band_names has {len(names)} names but the '
                             f'cube has {nbands} bands')
    wave = _meta_get(meta, 'band_wavelengths')
    if wave is not None:
        if not isinstance(wave, u.Quantity):
            unit = _meta_get(meta, 'band_wavelength_unit')
            if unit is None:
                raise u.UnitsError(f'{data.label!r}: meta band_wavelengths has no unit; make '
                                   f'it a Quantity or add meta["band_wavelength_unit"]')
            wave = np.asarray(wave, dtype=float) * u.Unit(unit)
        if wave.shape != (nbands,):
            raise ValueError(f'{data.label!r}: meta band_wavelengths has shape {wave.shape}, '
                             f'expected ({nbands},)')
    elif names is not None:
        wave = band_wavelengths(names)
    return names, wave


def celestial_coords(data, axes):
    """
    The 2-D celestial WCS of ``data`` on its spatial ``axes``, or None.

    Only an astropy `~astropy.wcs.WCS` with a celestial part whose pixel axes
    are the spatial array axes counts (glue's other coordinates are ignored).
    """
    from astropy.wcs import WCS
    coords = data.coords
    if not isinstance(coords, WCS):
        return None
    if coords.naxis == 2:
        return coords if coords.has_celestial else None
    if not coords.has_celestial:
        return None
    # WCS pixel axis i is array axis ndim - 1 - i
    lon, lat = coords.wcs.lng, coords.wcs.lat
    ndim = data.ndim
    if sorted((ndim - 1 - lon, ndim - 1 - lat)) != sorted(axes):
        return None
    return coords.celestial


def unit_of(cid, what):
    """The astropy unit of a component, from ``data.get_component(cid).units``."""
    text = cid.parent.get_component(cid).units
    if text is None or str(text).strip() == '':
        return None
    try:
        return u.Unit(str(text), parse_strict='raise')
    except ValueError as exc:
        raise u.UnitsError(f'{what} component {cid.label!r} has units {text!r}, which astropy '
                           f'cannot parse ({exc})') from None


def band_axis(data):
    """The band axis of a cube: 0 (pixbin's convention) or glue-astronomy's spectral axis."""
    if data.ndim != 3:
        return None
    axis = data.meta.get('spectral_axis_index', 0)
    if axis not in (0, 1, 2, -1, -2, -3):
        raise ValueError(f'{data.label!r}: meta spectral_axis_index must be an axis of the '
                         f'cube, got {axis!r}')
    return axis % 3


def grid_shape(data):
    """Number of bands and the spatial shape (ny, nx) of a cube or image."""
    axis = band_axis(data)
    if axis is None:
        return 1, tuple(data.shape)
    return data.shape[axis], tuple(n for i, n in enumerate(data.shape) if i != axis)


def cube_nddata(data, components, *, unit=None):
    """
    The `~astropy.nddata.NDData` cube that `pixbin.bin_pixels` bins.

    Parameters
    ----------
    data : `~glue.core.data.Data`
        The cube (nbands, ny, nx) or image (ny, nx); its ``meta`` gives the
        band names and wavelengths, its ``coords`` the WCS.
    components : `FluxComponents`
        Where flux, uncertainty and mask are.
    unit : str or `~astropy.units.Unit`, optional
        Flux unit, overriding the component's ``units``.

    Returns
    -------
    cube : `~astropy.nddata.NDData`

    Raises
    ------
    ValueError
        If the dataset is not 2-D or 3-D.
    astropy.units.UnitsError
        If the flux has no unit (and ``unit`` is not given).
    """
    from astropy.nddata import InverseVariance, NDData, StdDevUncertainty, VarianceUncertainty
    if data.ndim not in (2, 3):
        raise ValueError(f'data must be an image (ny, nx) or a cube (nbands, ny, nx), got '
                         f'{data.label!r} with shape {data.shape}')
    flux_cid = components.flux
    if unit is None:
        unit = unit_of(flux_cid, 'flux')
        if unit is None:
            raise u.UnitsError(
                f'the flux component {flux_cid.label!r} of {flux_cid.parent.label!r} has no '
                f'units; set data.get_component({flux_cid.label!r}).units (e.g. "Jy") or give '
                f'unit=')
    else:
        unit = u.Unit(unit)
    flux = np.asarray(flux_cid.parent.get_data(flux_cid), dtype=np.float64)
    err_cid = components.uncertainty
    err = np.asarray(err_cid.parent.get_data(err_cid), dtype=np.float64)
    # a glue-astronomy Spectrum cube may have its band (spectral) axis anywhere
    axis = band_axis(data) or 0
    err_unit = unit_of(err_cid, 'uncertainty')
    kind = {'std': StdDevUncertainty, 'var': VarianceUncertainty,
            'ivar': InverseVariance}[components.uncertainty_type]
    mask = None
    if components.mask is not None:
        mask = np.asarray(components.mask.parent.get_data(components.mask)) != 0
    if axis != 0:
        flux, err = np.moveaxis(flux, axis, 0), np.moveaxis(err, axis, 0)
        mask = None if mask is None or mask.ndim != 3 else np.moveaxis(mask, axis, 0)
    uncertainty = kind(err, unit=err_unit)
    nbands = 1 if data.ndim == 2 else flux.shape[0]
    names, wave = band_info(data, nbands)
    # what the file reader put in meta and bin_pixels keeps (piXedfit's galaxy keywords),
    # and the marks of a spectral cube, which bin_pixels refuses
    from pixbin.io.pixedfit import GALAXY_META_KEYS
    keys = GALAXY_META_KEYS + ('layout', 'source_file', 'spectral_cube')
    meta = {key: data.meta[key] for key in keys if key in data.meta}
    if names is not None:
        meta['band_names'] = names
    if wave is not None:
        meta['band_wavelengths'] = wave
    axes = (0, 1) if data.ndim == 2 else tuple(a for a in range(3) if a != axis)
    return NDData(flux, uncertainty=uncertainty, unit=unit, mask=mask,
                  wcs=celestial_coords(data, axes), meta=meta)
