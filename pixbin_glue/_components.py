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

import functools
import os
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.io import fits

from ._constants import CELESTIAL_WCS_KEY

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
        Bad-pixel component (non-zero = bad, or the bad bits of ``layout``), if any.
    layout : ``pixbin.io.cube.Layout`` or None
        The instrument layout whose roles the components have, if any.
    weight : bool
        True if the uncertainty is an HST drizzle ``WHT`` map read as an
        inverse variance (its ``BUNIT`` is not its unit).

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
    layout: object = None
    weight: bool = False


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


def data_file(data):
    """The path of the file glue (or pixbin's data factory) read ``data`` from, or None."""
    log = getattr(data, '_load_log', None)
    path = getattr(log, 'path', None) or data.meta.get('pixbin_file')
    if isinstance(path, (str, os.PathLike)) and os.path.isfile(path):
        return os.fspath(path)
    return None


@functools.lru_cache(maxsize=64)
def _cached_layout(path, stamp):
    from pixbin.io.cube import identify_layout
    return identify_layout(path)


def _file_layout(path):
    """The layout of a file (its headers read once while it is unchanged)."""
    info = os.stat(path)
    return _cached_layout(path, (info.st_mtime_ns, info.st_size))


def layout_components(data, data_collection=None):
    """
    The flux, uncertainty and mask of an instrument layout, by their components.

    glue's FITS reader names a component after its extension (``DATA``,
    ``STAT``, ``DQ``): the layout of the file (`pixbin.io.cube.LAYOUTS`, the
    table that `pixbin.io.read_input` reads by) tells which is which.  The
    layout is that of the file ``data`` was read from, else the first that
    the component names fit (`pixbin.io.cube.layout_of_names`).  The generic
    layout is left to the names (`find_flux_components`).

    Returns
    -------
    found : dict or None
        ``layout`` (the `pixbin.io.cube.Layout`), ``flux``, ``uncertainty``,
        ``mask`` (component IDs or None), ``kind`` of the uncertainty and
        ``weight`` (True for an HST ``WHT`` map, whose ``BUNIT`` is not its
        unit); None when no instrument layout has the components.
    """
    from pixbin.io.cube import header_kind, identify_layout, layout_of_names, layout_roles
    cids = candidate_components(data, data_collection)
    by_name = {}
    for cid in cids:
        by_name.setdefault(cid.label.upper(), cid)
    path = data_file(data)
    layout = _file_layout(path) if path is not None else None
    if layout is None:
        header = {str(k).upper(): v for k, v in data.meta.items()}
        layout = layout_of_names(by_name, header)
    if layout is None or layout.name == 'generic' or layout.reader is not None:
        return None
    roles = layout_roles(layout, by_name)
    if roles['flux'] is None:
        return None
    found = {'layout': layout, 'kind': roles['kind'], 'weight': roles['kind'] == 'weight'}
    for role in ('flux', 'uncertainty', 'mask'):
        found[role] = by_name.get(roles[role]) if roles[role] else None
    if found['kind'] == 'weight':
        # an HST WHT map is an inverse variance only when its header says so
        readable = path is not None and identify_layout(path, readable=True) is not None
        found['kind'] = 'ivar' if readable else None
        if not readable:
            found['uncertainty'] = None
    if found['uncertainty'] is not None:
        found['kind'] = header_kind(found['uncertainty'].parent.meta, found['kind'])
    return found


def find_flux_components(data, data_collection=None, *, flux=None, uncertainty=None,
                         uncertainty_type=None, mask=None):
    """
    Find the flux, uncertainty and mask components of a glue dataset.

    The components of an instrument layout come first: glue's FITS reader
    names them after the extensions of the file (``DATA``, ``STAT`` and ``DQ``
    of MUSE, ``FLUX``, ``IVAR`` and ``MASK`` of MaNGA, ...), and the layout
    that `pixbin.io.read_input` finds for the file says which is which.
    Otherwise names are compared without regard to case.  The flux is the
    first of ``FLUX``, ``SCI``, ``PHOTO_FLUX``, ``data`` (or the only component that is
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
    FluxComponents(flux=FLUX, uncertainty=FLUX_ERR, uncertainty_type='std', mask=None,
                   layout=None, weight=False)

    Other names are given explicitly, with the kind of the uncertainty:

    >>> data = Data(f=cube.data, v=cube.uncertainty.array ** 2, label='cube')
    >>> pixbin_glue.find_flux_components(data, flux='f', uncertainty='v',
    ...                                  uncertainty_type='var')
    FluxComponents(flux=f, uncertainty=v, uncertainty_type='var', mask=None,
                   layout=None, weight=False)
    """
    from glue.core import Data
    if not isinstance(data, Data):
        raise TypeError(f'data must be a glue Data, got {type(data).__name__}')
    cids = candidate_components(data, data_collection)
    names = ', '.join(repr(c.label) for c in cids) or 'none'
    layout = layout_components(data, data_collection)
    if layout is None:
        layout = dict.fromkeys(('flux', 'uncertainty', 'mask', 'kind', 'layout', 'weight'))
    if flux is not None:
        flux_cid = _resolve(data, flux, 'flux', cids)
    else:
        own = _main_cids(data)
        flux_cid = layout['flux'] or _by_name(own, _FLUX_NAMES) or _by_name(cids, _FLUX_NAMES)
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
    elif layout['uncertainty'] is not None and flux_cid is layout['flux']:
        err_cid = layout['uncertainty']
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
    if uncertainty_type is None and err_cid is layout['uncertainty']:
        kind = layout['kind']
    else:
        kind = uncertainty_kind(err_cid, uncertainty_type)
    if mask is not None:
        mask_cid = _resolve(data, mask, 'mask', cids)
    else:
        mask_cid = layout['mask'] or _by_name(cids, _MASK_NAMES)
    return FluxComponents(flux=flux_cid, uncertainty=err_cid, uncertainty_type=kind,
                          mask=mask_cid, layout=layout.get('layout'),
                          weight=bool(layout['weight']) and err_cid is layout['uncertainty'])


def _spectrum(parent, axis, flux, uncertainty, mask):
    """The `specutils.Spectrum` of a spectral cube: its WCS, or its wavelengths."""
    from specutils import Spectrum
    if mask is not None and mask.shape != flux.shape:
        mask = np.broadcast_to(mask, flux.shape)
    meta = {key: parent.meta[key] for key in ('layout', 'source_file') if key in parent.meta}
    wcs = _spectral_wcs(parent)
    if wcs is not None:
        return Spectrum(flux=flux, wcs=wcs, uncertainty=uncertainty, mask=mask, meta=meta)
    wave = _wavelengths(parent, axis)
    celestial = known_celestial_wcs(parent, tuple(a for a in range(3) if a != axis))
    if celestial is not None:
        meta['celestial_wcs'] = celestial
    if axis != 0:
        flux = np.moveaxis(flux, axis, 0)
        uncertainty = type(uncertainty)(np.moveaxis(uncertainty.array, axis, 0),
                                        unit=uncertainty.unit)
        mask = None if mask is None else np.moveaxis(mask, axis, 0)
    return Spectrum(flux=flux, spectral_axis=wave, spectral_axis_index=0,
                    uncertainty=uncertainty, mask=mask, meta=meta)


def is_flux_cube(data, data_collection=None):
    """
    The `FluxComponents` of ``data`` if it is a spectral cube of fluxes, else None.

    The flux must be a component of ``data`` itself: the uncertainty and mask
    datasets that glue's FITS reader makes of a MUSE file (``STAT``, ``DQ``)
    are not flux cubes, nor is a cube without a spectral WCS axis.
    """
    if spectral_axis(data) is None:
        return None
    try:
        found = find_flux_components(data, data_collection)
    except ValueError:
        return None
    return found if found.flux.parent is data else None


def default_windows_of(components):
    """
    The wavelength windows that `pixbin.bin_pixels` would bin the spectral
    cube of ``components`` in without ``bands`` (`pixbin._windows.default_bands`),
    a Quantity (n, 2); the flux and uncertainty units play no part.
    """
    from pixbin._windows import default_bands
    cube = cube_nddata(components.flux.parent, components, unit=u.one,
                       uncertainty_unit=SAME_AS_FLUX)
    return default_bands(cube, repr(components.flux.parent.label))


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


def known_celestial_wcs(data, axes):
    """
    The 2-D celestial WCS of ``data``: that of glue's coordinates on its spatial
    ``axes`` (`celestial_coords`), else the one pixbin's file reader found for a
    cube whose glue coordinates hold only its wavelengths (``CELESTIAL_WCS_KEY``
    in ``meta``), or None.
    """
    wcs = celestial_coords(data, axes)
    if wcs is None and CELESTIAL_WCS_KEY in data.meta:
        from pixbin.io._fitsutil import header_wcs
        wcs = header_wcs(fits.Header.fromstring(data.meta[CELESTIAL_WCS_KEY]))
    return wcs


def spatial_array_axes(data):
    """The two spatial array axes of an image or a cube: all but its band axis."""
    axis = band_axis(data)
    return (0, 1) if axis is None else tuple(a for a in range(3) if a != axis)


def pixel_scale_of(data):
    """
    The mean pixel scale (an angle) of the celestial WCS that pixbin gets
    with ``data`` (`known_celestial_wcs` on its spatial axes), or None.
    """
    from pixbin._reproject import pixel_scale
    wcs = known_celestial_wcs(data, spatial_array_axes(data))
    if wcs is None:
        return None
    try:
        return pixel_scale(wcs)
    except ValueError:
        return None


def unit_of(cid, what):
    """
    The astropy unit of a component, from ``data.get_component(cid).units``,
    read as pixbin reads ``BUNIT`` (`pixbin.io._units.parse_fits_unit`: the
    old spellings of instrument pipelines too).
    """
    from pixbin.io._units import parse_fits_unit
    text = cid.parent.get_component(cid).units
    if text is None or str(text).strip() == '':
        return None
    try:
        return parse_fits_unit(str(text), what)
    except u.UnitsError as exc:
        raise u.UnitsError(f'{what} component {cid.label!r} has units {text!r}, which astropy '
                           f'cannot parse ({exc})') from None


#: The value of ``uncertainty_unit`` that drops the uncertainty's own unit: the
#: uncertainty is then in the flux unit (squared for a variance).
SAME_AS_FLUX = 'same as flux'


def err_unit_of(components, flux_unit, uncertainty_unit=None):
    """
    The unit of the uncertainty, or None for 'the flux unit to the power of its kind'.

    ``uncertainty_unit`` overrides the component's unit (a unit, or
    `SAME_AS_FLUX` to drop it); by default the component's unit is read and
    checked as `pixbin.io.read_input` reads an uncertainty's ``BUNIT``
    (`pixbin.io.cube.uncertainty_unit`: a MUSE variance unit written as the
    flux unit followed by ``**2`` is its square).

    Raises
    ------
    astropy.units.UnitsError
        If the unit is not a unit, or not the flux unit to the power of the
        uncertainty's kind.
    """
    from pixbin.io._units import parse_fits_unit
    from pixbin.io.cube import uncertainty_unit as read_unit
    err_cid, kind = components.uncertainty, components.uncertainty_type
    if isinstance(uncertainty_unit, str) and uncertainty_unit.strip().lower() == SAME_AS_FLUX:
        return None
    if uncertainty_unit is not None and uncertainty_unit != '':
        unit = uncertainty_unit if isinstance(uncertainty_unit, u.UnitBase) else \
            parse_fits_unit(str(uncertainty_unit), 'uncertainty_unit')
        power = {'std': 1, 'var': 2, 'ivar': -2}[kind]
        if not unit.is_equivalent(flux_unit ** power):
            raise u.UnitsError(f'uncertainty_unit {unit!s} does not match the flux unit '
                               f'{flux_unit!s} for a {_KIND_WORDS[kind]} (expected a unit '
                               f'of {(flux_unit ** power)!s}, or {SAME_AS_FLUX!r})')
        return unit
    if components.weight:
        return None            # drizzle copies BUNIT of the input into WHT: not its unit
    text = err_cid.parent.get_component(err_cid).units
    flux_text = flux_unit_of(components)[1]
    layout = components.layout
    what = f'the uncertainty component {err_cid.label!r} of {err_cid.parent.label!r}'
    try:
        return read_unit(text, kind, flux_unit, flux_text, layout and layout.name, what, [])
    except u.UnitsError as exc:
        raise u.UnitsError(f'{exc}; give its unit, or {SAME_AS_FLUX!r} to drop it '
                           f'(uncertainty_unit=)') from None


_KIND_WORDS = {'std': '1-sigma uncertainty', 'var': 'variance', 'ivar': 'inverse variance'}


def spectral_axis(data):
    """
    The array axis of the spectral WCS axis of a 3-D dataset, or None.

    A dataset is a spectral cube when its coordinates are an astropy
    `~astropy.wcs.WCS` with a celestial and a spectral part (a MUSE cube as
    glue's FITS reader or pixbin's data factory reads it); a photometric
    cube's band axis is not spectral, nor is a cube whose ``meta`` names its
    planes as bands (``band_names``), as in `pixbin.bin_pixels`.
    """
    if data.ndim != 3 or _meta_get(data.meta, 'band_names') is not None:
        return None
    if _spectral_wcs(data) is not None:
        # WCS pixel axis i is array axis ndim - 1 - i
        return 2 - data.coords.wcs.spec
    if data.meta.get('spectral_cube') is True:       # read by pixbin's data factory
        return band_axis(data)
    found = layout_components(data)
    if found is not None and found['layout'].spectral:
        return 0                # a CALIFA cube: the wavelengths are in CRVAL3, CDELT3
    return None


def _spectral_wcs(data):
    """The coordinates of ``data`` if they are a 3-D astropy WCS with a spectral axis."""
    from astropy.wcs import WCS
    coords = data.coords
    if not isinstance(coords, WCS) or coords.naxis != 3:
        return None
    try:
        if coords.has_spectral and coords.has_celestial:
            return coords
    except Exception:  # noqa: BLE001 - an invalid WCS is no spectral WCS
        pass
    return None


def _wavelengths(data, axis):
    """The spectral axis of a spectral cube without a spectral WCS, as a Quantity."""
    from pixbin.io.cube import header_spectral_axis
    header = {str(k).upper(): v for k, v in data.meta.items()}
    if 'CRVAL3' in header:
        return header_spectral_axis(header, data.shape[axis], repr(data.label))
    from specutils import Spectrum     # glue-astronomy's translation knows it
    return data.get_object(Spectrum, statistic=None).spectral_axis


def flux_unit_of(components):
    """
    ``(unit, text)`` of the flux component: its ``units``, else for an
    instrument layout the keyword its reader reads (CALIFA: ``PIPE UNITS``);
    ``(None, text)`` without a unit.

    Raises
    ------
    astropy.units.UnitsError
        If the text is not a unit.
    """
    from pixbin.io.cube import flux_unit_text
    flux = components.flux
    text = flux.parent.get_component(flux).units
    if (text is None or not str(text).strip()) and components.layout is not None:
        header = {str(k).upper(): v for k, v in flux.parent.meta.items()}
        text = flux_unit_text(header, header)[0]
        if text is not None:
            from pixbin.io._units import parse_fits_unit
            try:
                return parse_fits_unit(text, 'flux'), text
            except u.UnitsError as exc:
                raise u.UnitsError(f'flux component {flux.label!r} has the unit {text!r} in '
                                   f'its header, which astropy cannot parse ({exc})') from None
    return unit_of(flux, 'flux'), text


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


def cube_nddata(data, components, *, unit=None, uncertainty_unit=None):
    """
    The cube that `pixbin.bin_pixels` bins: an `~astropy.nddata.NDData`, or
    for a spectral cube (see `spectral_axis`) a `specutils.Spectrum` with the
    dataset's WCS, which ``bin_pixels`` bins through wavelength windows
    (``bands=``).

    Parameters
    ----------
    data : `~glue.core.data.Data`
        The cube (nbands, ny, nx) or image (ny, nx); its ``meta`` gives the
        band names and wavelengths, its ``coords`` the WCS.
    components : `FluxComponents`
        Where flux, uncertainty and mask are.
    unit : str or `~astropy.units.Unit`, optional
        Flux unit, overriding the component's ``units``.
    uncertainty_unit : str or `~astropy.units.Unit`, optional
        Unit of the uncertainty, overriding the component's (see
        `err_unit_of`); `SAME_AS_FLUX` drops it.

    Returns
    -------
    cube : `~astropy.nddata.NDData` or `specutils.Spectrum`

    Raises
    ------
    ValueError
        If the dataset is not 2-D or 3-D.
    astropy.units.UnitsError
        If the flux has no unit (and ``unit`` is not given), or the
        uncertainty's unit does not match it.
    """
    from astropy.nddata import InverseVariance, NDData, StdDevUncertainty, VarianceUncertainty

    from pixbin.io._units import parse_fits_unit
    if data.ndim not in (2, 3):
        raise ValueError(f'data must be an image (ny, nx) or a cube (nbands, ny, nx), got '
                         f'{data.label!r} with shape {data.shape}')
    flux_cid = components.flux
    if unit is None:
        unit = flux_unit_of(components)[0]
        if unit is None:
            raise u.UnitsError(
                f'the flux component {flux_cid.label!r} of {flux_cid.parent.label!r} has no '
                f'units; set data.get_component({flux_cid.label!r}).units (e.g. "Jy") or give '
                f'unit=')
    elif not isinstance(unit, u.UnitBase):
        unit = parse_fits_unit(str(unit), 'unit')
    flux = np.asarray(flux_cid.parent.get_data(flux_cid), dtype=np.float64)
    err_cid = components.uncertainty
    err = np.asarray(err_cid.parent.get_data(err_cid), dtype=np.float64)
    err_unit = err_unit_of(components, unit, uncertainty_unit)
    if components.layout is not None and components.layout.surface_brightness:
        # JWST MJy/sr: the flux per pixel, as pixbin.io.read_input reads it
        from astropy.wcs import WCS

        from pixbin.io.cube import per_pixel
        parent = flux_cid.parent
        coords = parent.coords if isinstance(parent.coords, WCS) else None
        header = {str(k).upper(): v for k, v in parent.meta.items()}
        flux, err, unit, err_unit, _ = per_pixel(
            flux, err, unit, err_unit, components.uncertainty_type, (header,),
            None if coords is None or not coords.has_celestial else coords.celestial,
            repr(parent.label))
    kind = {'std': StdDevUncertainty, 'var': VarianceUncertainty,
            'ivar': InverseVariance}[components.uncertainty_type]
    mask = None
    if components.mask is not None:
        from pixbin.io.cube import bad_values
        mask = bad_values(components.mask.parent.get_data(components.mask), components.layout)
    spectral = spectral_axis(flux_cid.parent)
    if spectral is not None:
        return _spectrum(flux_cid.parent, spectral, u.Quantity(flux, unit, copy=False),
                         kind(err, unit=err_unit), mask)
    # a glue-astronomy Spectrum cube may have its band (spectral) axis anywhere
    axis = band_axis(data) or 0
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
    return NDData(flux, uncertainty=uncertainty, unit=unit, mask=mask,
                  wcs=celestial_coords(data, spatial_array_axes(data)), meta=meta)
