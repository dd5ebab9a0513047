# Licensed under a 3-clause BSD style license - see LICENSE
"""
Reading input files: the FITS layouts of instruments and surveys, piXedfit
flux maps and plain FITS cubes and images, in one table (``LAYOUTS``).

`read_input` is the one reader behind every entry point (`~pixbin.bin_pixels`
given a path, ``pixbin bin``, ``pixbin batch`` and glue's pixbin data factory);
`read_cube` returns the cube alone.
"""

import copy
import os
import warnings
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.nddata import InverseVariance, NDData, StdDevUncertainty, VarianceUncertainty
from astropy.table import Table

from ._fitsutil import (display_name, extension_names, float_keyword, float_view, header_wcs,
                        indexed_band_names, open_fits, read_wcs, single_band_name)
from ._units import parse_fits_unit
from .filters import band_wavelengths, header_wavelength
from .pixedfit import read_pixedfit

__all__ = ['LAYOUTS', 'Layout', 'layout_of_names', 'layout_roles', 'read_cube', 'read_input']

_KINDS = {'std': StdDevUncertainty, 'var': VarianceUncertainty, 'ivar': InverseVariance}
_UTYPES = {'StdDevUncertainty': 'std', 'VarianceUncertainty': 'var', 'InverseVariance': 'ivar'}
# the power of the flux unit that each kind of uncertainty has
_POWERS = {'std': 1, 'var': 2, 'ivar': -2}

#: MaNGA DRP3PIXMASK bits that make a value bad: NOCOV (0), LOWCOV (1), DEADFIBER (2),
#: FORESTAR (3) and DONOTUSE (10).
MANGA_BAD_BITS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 10)
#: JWST DQ bit 0, DO_NOT_USE.
JWST_DO_NOT_USE = 1

_GENERIC_UNCERTAINTY = (
    ('FLUX_ERR', 'std'), ('ERR', 'std'), ('ERROR', 'std'), ('SIGMA', 'std'), ('UNCERT', 'std'),
    ('NOISE', 'std'), ('VAR', 'var'), ('VARIANCE', 'var'), ('IVAR', 'ivar'), ('INVVAR', 'ivar'))


@dataclass(frozen=True)
class Layout:
    """
    One FITS layout that `read_cube` knows: where flux, uncertainty and mask are.

    A file has the layout when its primary header has ``keyword`` (if set),
    ``TELESCOP`` is ``telescope`` (if set), it has every extension of
    ``required`` and at least one of ``uncertainty``.
    """

    name: str
    flux: tuple                 # extension names, the first present is the flux ('PRIMARY' too)
    uncertainty: tuple = ()     # (extension, kind): 'std', 'var', 'ivar' or 'weight' (HST WHT)
    mask: tuple = ()            # extensions, the first present is the mask
    bad_bits: int = None        # mask bits that mean bad; None: any non-zero value
    mask_note: str = 'non-zero = bad'
    required: tuple = ()
    telescope: str = None
    keyword: str = None
    surface_brightness: bool = False   # convert per-steradian units to per-pixel
    spectral: bool = False      # a 3-D flux is a spectral cube even without a spectral WCS
    reader: object = None       # a reader of its own (piXedfit), returning bin_pixels kwargs

    def needs(self):
        """What a file needs to have this layout, in words."""
        parts = []
        if self.keyword:
            parts.append(f'primary keyword {self.keyword}')
        if self.telescope:
            parts.append(f"TELESCOP = '{self.telescope}'")
        parts += [n for n in self.required if n != 'PRIMARY']
        if self.name == 'CALIFA':
            parts.insert(0, 'the flux in the primary HDU')
        errs = [n for n, _ in self.uncertainty if n not in self.required]
        if errs:
            parts.append(('one of ' if len(errs) > 1 else '') + ', '.join(errs))
        if self.mask and self.mask[0] not in self.required:
            parts.append(f'optional {"/".join(self.mask)}')
        return ', '.join(parts)

    def matches(self, hdul, names):
        primary = hdul[0].header
        if self.keyword and self.keyword not in primary:
            return False
        if self.telescope and str(primary.get('TELESCOP', '')).strip().upper() != \
                self.telescope:
            return False
        if not all(n in names for n in self.required):
            return False
        return not self.uncertainty or any(n in names for n, _ in self.uncertainty)


#: The layouts that `read_cube` and `read_input` recognise, tried in order.
LAYOUTS = (
    Layout('piXedfit spectrophotometric', flux=('PHOTO_FLUX',), keyword='nfilters',
           required=('PHOTO_REGION', 'SPEC_REGION', 'PHOTO_FLUX', 'PHOTO_FLUXERR', 'WAVE',
                     'SPEC_FLUX', 'SPEC_FLUXERR'), reader=read_pixedfit),
    Layout('piXedfit photometric', flux=('FLUX',), keyword='nfilters',
           required=('GALAXY_REGION', 'FLUX', 'FLUX_ERR'), reader=read_pixedfit),
    Layout('MaNGA LOGCUBE', flux=('FLUX',), uncertainty=(('IVAR', 'ivar'),), mask=('MASK',),
           bad_bits=MANGA_BAD_BITS, required=('FLUX', 'IVAR', 'MASK', 'WAVE'), spectral=True,
           mask_note='DRP3PIXMASK bits NOCOV (0), LOWCOV (1), DEADFIBER (2), FORESTAR (3), '
                     'DONOTUSE (10) = bad'),
    Layout('MUSE', flux=('DATA',), uncertainty=(('STAT', 'var'),), mask=('DQ',),
           required=('DATA', 'STAT'), spectral=True),
    Layout('JWST', flux=('SCI',), uncertainty=(('ERR', 'std'),), mask=('DQ',),
           bad_bits=JWST_DO_NOT_USE, mask_note='DQ bit 0 (DO_NOT_USE) = bad',
           required=('SCI', 'ERR'), telescope='JWST', surface_brightness=True, spectral=True),
    Layout('HST drizzled', flux=('SCI',), uncertainty=(('ERR', 'std'), ('WHT', 'weight')),
           required=('SCI',), telescope='HST'),
    Layout('CALIFA', flux=('PRIMARY',), uncertainty=(('ERROR', 'std'),), mask=('BADPIX',),
           required=('PRIMARY', 'ERROR', 'BADPIX'), spectral=True),
    Layout('generic', flux=('FLUX', 'SCI', 'DATA'), uncertainty=_GENERIC_UNCERTAINTY,
           mask=('MASK', 'DQ', 'BADPIX')),
)


def find_layout(hdul, path):
    """The first layout of `LAYOUTS` that the open file ``hdul`` has, or a ValueError."""
    names = extension_names(hdul)
    if 'BIN_MAP' in names or 'PHOTO_BIN_MAP' in names:
        raise ValueError(f'{path} is a bin-map file, not a cube: read it with read_binmap '
                         f'(or BinMap.read)')
    for layout in LAYOUTS:
        if layout.matches(hdul, names):
            return layout
    if 'nfilters' in hdul[0].header and ('FLUX' in names or 'PHOTO_FLUX' in names):
        return LAYOUTS[0] if 'PHOTO_FLUX' in names else LAYOUTS[1]   # read_pixedfit says why
    # (from the headers: the data of a memory-mapped scaled image cannot be read)
    if not any(h.is_image and _has_data(h) for h in hdul):
        raise ValueError(f'{path} has no image data (extensions: {", ".join(names)})')
    found = '; '.join(_describe(h) for h in hdul)
    needs = '; '.join(f'{layout.name}: {layout.needs()}' for layout in LAYOUTS
                      if layout.name != 'generic')
    raise ValueError(
        f'{path} has no uncertainty extension (one of '
        f'{", ".join(n for n, _ in _GENERIC_UNCERTAINTY)}) and matches no known layout; '
        f'pixbin needs the noise of every pixel. Extensions found: {found}. The layouts need: '
        f'{needs}; generic: a flux (FLUX, SCI, DATA or the first image) with BUNIT and an '
        f'uncertainty extension')


def layout_roles(layout, names):
    """
    Which of the extension ``names`` hold the flux, uncertainty and mask in ``layout``.

    The reader of the layout (`read_input`) reads the same extensions; this
    tells another reader's products apart (glue reads each extension of a
    FITS file into a component named after it).

    Parameters
    ----------
    layout : `Layout`
    names : iterable of str
        Extension names (compared in upper case).

    Returns
    -------
    roles : dict
        ``flux``, ``uncertainty``, ``mask``: the name of each (upper case) or
        None; ``kind``: the kind of the uncertainty ('std', 'var', 'ivar', or
        'weight' for an HST ``WHT`` map, which is an inverse variance only
        when its header says so) or None.

    Examples
    --------
    >>> from pixbin.io.cube import LAYOUTS, layout_roles
    >>> muse = next(layout for layout in LAYOUTS if layout.name == 'MUSE')
    >>> layout_roles(muse, ['DATA', 'STAT', 'DQ'])
    {'flux': 'DATA', 'uncertainty': 'STAT', 'kind': 'var', 'mask': 'DQ'}
    """
    names = [str(n).upper() for n in names]
    flux = next((n for n in layout.flux if n in names), None)
    uncertainty, kind = next(((n, k) for n, k in layout.uncertainty if n in names),
                             (None, None))
    mask = next((n for n in layout.mask if n in names), None)
    return {'flux': flux, 'uncertainty': uncertainty, 'kind': kind, 'mask': mask}


def layout_of_names(names, header=None):
    """
    The first layout of `LAYOUTS` that extensions named ``names`` can have, or None.

    For products whose file is not at hand: only the extension names (and
    the primary ``header``, if given, for the layouts that need a keyword or
    a ``TELESCOP``) are looked at; a layout read by a reader of its own
    (piXedfit) is not considered.

    Examples
    --------
    >>> from pixbin.io.cube import layout_of_names
    >>> layout_of_names(['DATA', 'STAT', 'DQ']).name
    'MUSE'
    >>> names = ['SCI', 'ERR']
    >>> layout_of_names(names).name, layout_of_names(names, {'TELESCOP': 'JWST'}).name
    ('generic', 'JWST')
    """
    names = {str(n).upper() for n in names}
    header = header or {}
    for layout in LAYOUTS:
        if layout.reader is not None:
            continue
        if layout.keyword and layout.keyword not in header:
            continue
        if layout.telescope and str(header.get('TELESCOP', '')).strip().upper() != \
                layout.telescope:
            continue
        required = [n for n in layout.required if n != 'PRIMARY']
        if not all(n in names for n in required):
            continue
        if not layout.uncertainty or any(n in names for n, _ in layout.uncertainty):
            return layout
    return None


def _has_data(hdu):
    """Whether ``hdu`` holds data, from its header (its data are not read)."""
    naxis = hdu.header.get('ZNAXIS', hdu.header.get('NAXIS', 0))
    return bool(naxis) and all(hdu.header.get(f'NAXIS{i + 1}', 1) > 0 for i in range(naxis))


def _describe(hdu):
    if not _has_data(hdu):
        return f'{hdu.name} (no data)'
    kind = 'table' if not hdu.is_image else f'image {"x".join(map(str, hdu.shape))}'
    return f'{hdu.name} ({kind})'


def _band_names(hdul, header, nbands, path):
    names = extension_names(hdul)
    if 'BANDS' in names:
        bands = Table.read(hdul['BANDS'])
        if 'NAME' not in bands.colnames or len(bands) != nbands:
            raise ValueError(f'{path}: the BANDS table must have a NAME column and one row per '
                             f'band ({nbands}), got columns {bands.colnames} and {len(bands)} '
                             f'row(s)')
        wave = None
        if 'WAVELENGTH' in bands.colnames:
            wave = u.Quantity(bands['WAVELENGTH'])
            if not wave.unit.is_equivalent(u.AA, equivalencies=u.spectral()):
                raise u.UnitsError(f'{path}: the WAVELENGTH column of BANDS must have a '
                                   f'wavelength, frequency or energy unit, got '
                                   f'{wave.unit.to_string() or "none"}')
        return [str(n) for n in bands['NAME']], wave
    found = indexed_band_names(header, nbands)
    if found is not None:
        return found, band_wavelengths(found)
    name = single_band_name(header) if nbands == 1 else None
    if name is not None:
        wave = header_wavelength(header)       # PHOTPLAM, else the filter of the instrument
        return [name], None if wave is None else wave.reshape(1)
    return None, None


def _flux_hdu(hdul, layout, names, path):
    for name in layout.flux:
        if name in names and (name != 'PRIMARY' or hdul[0].data is not None):
            return hdul[name]
    if layout.name == 'generic':
        errs = {n for n, _ in layout.uncertainty}
        for hdu in hdul:
            if hdu.is_image and hdu.data is not None and hdu.name.upper() not in errs \
                    and hdu.name.upper() not in layout.mask:
                return hdu
    raise ValueError(f'{path} ({layout.name} layout) has no flux extension '
                     f'({" or ".join(layout.flux)} with data)')


def flux_unit_text(flux_header, primary_header):
    """
    ``(text, key)`` of the flux unit in its headers: ``BUNIT`` of the flux
    HDU, else ``BUNIT`` or (CALIFA) ``PIPE UNITS`` of the primary header;
    ``(None, None)`` when none has it.
    """
    for header, key in ((flux_header, 'BUNIT'), (primary_header, 'BUNIT'),
                        (primary_header, 'PIPE UNITS')):
        if header is not None and key in header and str(header[key]).strip():
            return str(header[key]), key
    return None, None


def _flux_unit(hdul, hdu, layout, path, notes):
    """The unit of the flux: BUNIT of its HDU or of the primary header (CALIFA: PIPE UNITS)."""
    text, key = flux_unit_text(hdu.header, hdul[0].header)
    if text is None:
        raise u.UnitsError(f'{path}: the flux ({hdu.name}) has no BUNIT keyword; pixbin needs '
                           f'a flux unit')
    if key != 'BUNIT':
        notes.append(f'flux unit from the keyword {key}')
    elif text != str(hdu.header.get('BUNIT', '')):
        notes.append('flux unit from BUNIT of the primary header')
    try:
        return parse_fits_unit(text, f'{path}: BUNIT'), text
    except u.UnitsError as exc:
        raise u.UnitsError(f'{path}: BUNIT {text!r} is not a unit ({exc})') from None


def _uncertainty(hdul, layout, names, flux_unit, flux_text, path, notes):
    """(array, kind, unit) of the first uncertainty extension of the layout."""
    name, kind = next((n, k) for n, k in layout.uncertainty if n in names)
    hdu = hdul[name]
    weight = kind == 'weight'
    if weight:
        kind = _drizzle_weight_kind(hdul, hdu, path)
        notes.append(f'uncertainty: {name} read as an inverse variance (drizzle weighting IVM '
                     f'or ERR)')
    else:
        kind = header_kind(hdu.header, kind)
    text = hdu.header.get('BUNIT')
    if weight:
        text = None        # drizzle copies BUNIT of the input into WHT: not its unit
    unit = uncertainty_unit(text, kind, flux_unit, flux_text, layout.name,
                            f'{path}: the uncertainty ({name})', notes)
    return float_view(hdu.data), kind, unit, name


def header_kind(header, kind):
    """The kind of an uncertainty HDU: its ``UTYPE`` (as CCDData writes it), else ``kind``."""
    return _UTYPES.get(header.get('UTYPE'), kind)


def uncertainty_unit(text, kind, flux_unit, flux_text, layout_name, what, notes):
    """
    The unit of an uncertainty from its ``BUNIT`` text, checked against the flux unit.

    ``kind`` is 'std', 'var' or 'ivar'; ``flux_text`` the flux's own ``BUNIT``
    text.  Returns None when ``text`` is empty (the uncertainty then has the
    flux's unit, to the power of its kind).  Old MUSE files write the variance
    unit as the flux unit followed by ``**2`` (the square of the flux unit is
    meant); a MaNGA ``IVAR`` unit that does not match is ignored.  ``notes``
    gets a line for each of these readings.

    Raises
    ------
    astropy.units.UnitsError
        If ``text`` is not a unit, or not the flux unit to the power of ``kind``.
    """
    if text is None or not str(text).strip():
        return None
    text = str(text)
    try:
        unit = parse_fits_unit(text, f'{what}: BUNIT')
    except u.UnitsError as exc:
        raise u.UnitsError(f'{what} has BUNIT {text!r}, which is not a unit ({exc})') from None
    power = _POWERS[kind]
    if unit.is_equivalent(flux_unit ** power):
        return unit
    if power == 2 and flux_text is not None and \
            text.replace(' ', '') == str(flux_text).replace(' ', '') + '**2':
        # old MUSE files write the variance unit as the flux unit followed by **2
        # (10**(-20)*erg/s/cm**2/Angstrom**2): the square of the flux unit is meant
        notes.append(f'variance unit {text!r} read as ({flux_text})**2')
        return flux_unit ** 2
    if kind == 'ivar' and layout_name == 'MaNGA LOGCUBE':
        notes.append(f'IVAR unit {text!r} ignored: read as 1 / ({flux_unit})**2')
        return None
    raise u.UnitsError(f'{what} has unit {unit!s}, which does not match the flux unit '
                       f'{flux_unit!s} ({_KINDS[kind].__name__})')


def _drizzle_weight_kind(hdul, hdu, path):
    """
    'ivar' if the header says that the drizzle weight map is an inverse variance,
    else a ValueError: an exposure-time weight is not an uncertainty.

    drizzlepac writes the weight scale of input image ``i`` as ``D00iWTSC`` and
    its exposure time as ``D00iDEXP``: with ``final_wht_type = 'EXP'`` (the
    default) the scale is the exposure time.  The weighting type itself is read
    from ``FINALWHT``, ``WHTTYPE`` or ``FINAL_WHT_TYPE`` when a pipeline wrote it.
    """
    headers = (hdu.header, hdul[0].header)
    for header in headers:
        for key in ('FINALWHT', 'WHTTYPE', 'FINAL_WHT_TYPE'):
            if key in header:
                value = str(header[key]).strip().upper()
                if value in ('IVM', 'ERR'):
                    return 'ivar'
                reason = f'{key} = {header[key]!r}'
                break
        else:
            continue
        break
    else:
        primary = hdul[0].header
        wtsc, dexp = primary.get('D001WTSC'), primary.get('D001DEXP')
        if wtsc is not None and dexp is not None and wtsc == dexp:
            reason = (f'D001WTSC = {wtsc} is the exposure time D001DEXP (drizzle weighting '
                      f'EXP)')
        else:
            reason = 'the header does not say that the weighting is IVM or ERR'
    raise ValueError(
        f'{display_name(path)}: the WHT extension of this drizzled image is an exposure-time '
        f'weight ({reason}), not an uncertainty, and pixbin will not invent one. Give an '
        f'error map: an ERR extension (1-sigma, in the unit of SCI), or drizzle with '
        f"final_wht_type='IVM' or 'ERR' and write WHTTYPE = 'IVM' in the WHT header")


def _mask(hdul, layout, names, shape, path):
    name = next((n for n in layout.mask if n in names), None)
    if name is None or hdul[name].data is None:
        return None, None
    values = np.asarray(hdul[name].data)
    if values.shape not in (shape, shape[-2:]):
        raise ValueError(f'{path}: the mask ({name}) has shape {values.shape}, the flux '
                         f'{shape}')
    return bad_values(values, layout), f'{name}: {layout.mask_note}'


def bad_values(values, layout):
    """True where the mask ``values`` of ``layout`` mean bad (its ``bad_bits``, else non-zero)."""
    values = np.asarray(values)
    if layout is None or layout.bad_bits is None:
        return values != 0
    return (values.astype(np.int64) & layout.bad_bits) != 0


def _pixel_area(headers, wcs, path):
    """The solid angle of a pixel: PIXAR_SR, or the celestial WCS."""
    for header in headers:
        if 'PIXAR_SR' in header:
            return float_keyword(header, 'PIXAR_SR', path, positive=True) * u.sr, 'PIXAR_SR'
    if wcs is None:
        raise ValueError(f'{path}: the flux is a surface brightness, but the file has neither '
                         f'PIXAR_SR nor a celestial WCS to give the pixel solid angle')
    from astropy.wcs.utils import proj_plane_pixel_area
    cunit = u.Unit(wcs.wcs.cunit[0] or 'deg')
    return (proj_plane_pixel_area(wcs) * cunit**2).to(u.sr), 'WCS'


def per_pixel(data, err, unit, err_unit, kind, headers, wcs, path):
    """
    A surface brightness (JWST ``MJy/sr``) as the flux per pixel.

    The pixel solid angle is ``PIXAR_SR`` of the first of ``headers`` that
    has it, else the celestial ``wcs``.  Returns ``data, err, unit,
    err_unit`` converted and the ``flux_conversion`` record (from and to
    units, pixel area, its source and a sentence).  ``unit`` that is not per
    solid angle is returned as it is, with a None record.
    """
    if not is_per_solid_angle(unit):
        return data, err, unit, err_unit, None
    area, source = _pixel_area(headers, wcs, path)
    factor = area.to_value(u.sr)
    new_unit = unit * u.sr
    if err_unit is not None:
        err_unit = err_unit * u.sr ** _POWERS[kind]
    conversion = {
        'from_unit': unit, 'to_unit': new_unit, 'pixel_area': area, 'source': source,
        'text': f'surface brightness {unit} x pixel solid angle {area:.6g} ({source}) '
                f'= flux per pixel in {new_unit}'}
    return data * factor, err * factor ** _POWERS[kind], new_unit, err_unit, conversion


def _spectral_wcs(header):
    """The full WCS of a header when it has a spectral axis, else None."""
    wcs = read_wcs(header)
    return wcs if wcs is not None and wcs.naxis == 3 and wcs.has_spectral else None


def _read_layout(hdul, layout, path):
    """Read a file of an instrument or the generic layout: an NDData or a Spectrum."""
    names = extension_names(hdul)
    notes = []
    hdu = _flux_hdu(hdul, layout, names, path)
    data = float_view(hdu.data)
    if data.ndim not in (2, 3):
        raise ValueError(f'{path}: the flux ({hdu.name}) must be an image (ny, nx) or a cube '
                         f'(nbands, ny, nx), got shape {data.shape}')
    unit, unit_text = _flux_unit(hdul, hdu, layout, path, notes)
    err, kind, err_unit, err_name = _uncertainty(hdul, layout, names, unit, unit_text, path,
                                                 notes)
    if err.shape != data.shape:
        raise ValueError(f'{path}: the uncertainty ({err_name}) has shape {err.shape}, the '
                         f'flux ({hdu.name}) {data.shape}')
    mask, mask_rule = _mask(hdul, layout, names, data.shape, path)
    header = hdul[0].header.copy()
    header.extend([card for card in hdu.header.cards
                   if card.keyword not in ('COMMENT', 'HISTORY', '')], update=True)
    spectral = _spectral_wcs(hdu.header) if data.ndim == 3 else None
    axis = None
    # a -TAB wavelength axis (a lookup table, as JWST cubes of several bands have) makes
    # the cube a spectral one whatever its layout
    tabular = data.ndim == 3 and spectral is None and _is_table_axis(hdu.header)
    if data.ndim == 3 and spectral is None and (layout.spectral or tabular):
        axis = _spectral_axis(hdul, hdu, names, data.shape[0], path)
    wcs = header_wcs(_without_table_axis(hdu.header) if tabular else hdu.header)
    meta = {'source_file': os.path.basename(path), 'layout': layout.name,
            'spectral_cube': spectral is not None or axis is not None,
            'flux_extension': hdu.name,
            'uncertainty_extension': err_name}
    if mask_rule:
        meta['mask_rule'] = mask_rule
    if layout.surface_brightness and is_per_solid_angle(unit):
        data, err, unit, err_unit, meta['flux_conversion'] = per_pixel(
            data, err, unit, err_unit, kind, (hdu.header, hdul[0].header), wcs, path)
    if notes:
        meta['unit_notes'] = notes
    uncertainty = _KINDS[kind](err, unit=err_unit, copy=False)
    if meta['spectral_cube']:
        from specutils import Spectrum
        if mask is not None and mask.shape != data.shape:
            mask = np.broadcast_to(mask, data.shape)
        flux = u.Quantity(data, unit, copy=False)
        if spectral is not None:
            return Spectrum(flux=flux, wcs=spectral, uncertainty=uncertainty, mask=mask,
                            meta=meta)
        meta['celestial_wcs'] = wcs
        return Spectrum(flux=flux, spectral_axis=axis, spectral_axis_index=0,
                        uncertainty=uncertainty, mask=mask, meta=meta)
    nbands = data.shape[0] if data.ndim == 3 else 1
    band_names, wave = _band_names(hdul, header, nbands, path)
    if band_names is not None:
        meta['band_names'] = band_names
    if wave is not None:
        meta['band_wavelengths'] = wave
    return NDData(data, uncertainty=uncertainty, unit=unit, mask=mask, wcs=wcs, meta=meta)


def _spectral_axis(hdul, hdu, names, nwave, path):
    """
    The wavelengths of a spectral cube whose header has no spectral WCS that
    astropy reads alone: the ``WAVE`` extension (MaNGA), else the lookup table
    of a ``-TAB`` axis (JWST cubes of several bands: ``CTYPE3 = 'WAVE-TAB'``,
    the table extension named by ``PS3_0``, its column by ``PS3_1``), else
    ``CRVAL3``, ``CDELT3`` (or ``CD3_3``), ``CRPIX3`` and ``CUNIT3`` (Angstrom
    if absent).
    """
    if 'WAVE' in names and hdul['WAVE'].data is not None:
        wave = np.asarray(hdul['WAVE'].data, dtype=np.float64).ravel()
        text = hdul['WAVE'].header.get('BUNIT') or 'Angstrom'
        axis = wave * parse_fits_unit(str(text), f'{path}: BUNIT of WAVE')
    elif _is_table_axis(hdu.header):
        axis = _table_axis(hdul, hdu.header, nwave, f'{path}: the flux ({hdu.name})')
    else:
        axis = header_spectral_axis(hdu.header, nwave, f'{path}: the flux ({hdu.name})')
    if axis.shape != (nwave,):
        raise ValueError(f'{path}: the wavelength axis has {axis.size} values, the flux '
                         f'{nwave} channels')
    return axis


def _is_table_axis(header):
    """True when the third axis of ``header`` is a FITS ``-TAB`` lookup table."""
    return str(header.get('CTYPE3', '')).strip().upper().endswith('-TAB')


def _without_table_axis(header):
    """A copy of ``header`` whose ``-TAB`` third axis is a plain one (for its celestial WCS)."""
    header = header.copy()
    header['CTYPE3'] = str(header['CTYPE3']).strip()[:-4] or 'WAVE'
    for key in [k for k in header if k.startswith(('PS3_', 'PV3_'))]:
        del header[key]
    return header


def _table_axis(hdul, header, nwave, what):
    """
    The wavelengths of ``nwave`` channels from the ``-TAB`` lookup table of
    the third axis of ``header`` (FITS WCS paper III), read by astropy from
    the table extension of the open file ``hdul``, in ``CUNIT3``.
    """
    from astropy.wcs import WCS, FITSFixedWarning
    table = header.get('PS3_0')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', FITSFixedWarning)
            full = WCS(header, fobj=hdul)
            pixels = np.arange(nwave, dtype=np.float64)
            values = full.wcs_pix2world(np.zeros(nwave), np.zeros(nwave), pixels, 0)[2]
    except Exception as exc:  # noqa: BLE001 - any failure: say which table could not be read
        raise ValueError(f'{what} has a wavelength lookup table (CTYPE3 = '
                         f'{header["CTYPE3"]!r}, table extension PS3_0 = {table!r}) that '
                         f'cannot be read: {exc}') from None
    unit = parse_fits_unit(str(full.wcs.cunit[2] or header.get('CUNIT3') or 'um'),
                           f'{what}: CUNIT3')
    return np.asarray(values, dtype=np.float64) * unit


def header_spectral_axis(header, nwave, what):
    """
    The wavelengths of ``nwave`` channels from ``CRVAL3``, ``CDELT3`` (or
    ``CD3_3``), ``CRPIX3`` and ``CUNIT3`` (Angstrom if absent) of a header
    without a spectral WCS (CALIFA), or a ValueError saying what is missing.
    """
    step = header.get('CDELT3', header.get('CD3_3'))
    if 'CRVAL3' not in header or step is None:
        raise ValueError(f'{what} is a spectral cube without a wavelength axis (no spectral '
                         f'WCS, no WAVE extension, no CRVAL3 and CDELT3)')
    pixel = np.arange(nwave) + 1.0 - float_keyword(header, 'CRPIX3', what, default=1.0)
    unit = parse_fits_unit(str(header.get('CUNIT3') or 'Angstrom'), f'{what}: CUNIT3')
    step = float_keyword(header, 'CDELT3' if 'CDELT3' in header else 'CD3_3', what)
    return (float_keyword(header, 'CRVAL3', what) + step * pixel) * unit


def is_per_solid_angle(unit):
    """True for surface-brightness units (a flux per steradian, MJy/sr)."""
    try:
        return (unit * u.sr).is_equivalent(u.Jy) or \
            (unit * u.sr).is_equivalent(u.erg / u.s / u.cm**2 / u.AA)
    except u.UnitsError:
        return False


def identify_layout(path, readable=False):
    """
    The `Layout` of the FITS file ``path`` (headers only are read), or None if
    the file is not a readable FITS file, is a bin-map file or has no known
    layout; with ``readable``, also None when its only uncertainty is a drizzle
    weight map that is not an inverse variance (which `read_input` refuses).
    """
    try:
        with open_fits(path, lazy=True) as hdul:
            layout = find_layout(hdul, display_name(path))
            names = extension_names(hdul)
            if readable:
                name, kind = next((n, k) for n, k in layout.uncertainty if n in names) \
                    if layout.uncertainty else (None, None)
                if kind == 'weight':
                    _drizzle_weight_kind(hdul, hdul[name], path)
            return layout
    except (ValueError, TypeError, OSError):
        return None


def read_input(path):
    """
    Read any input file of pixbin as keyword arguments of `~pixbin.bin_pixels`.

    The one reader behind ``bin_pixels(path)``, ``pixbin bin``, ``pixbin
    batch`` and glue's pixbin data factory, so that a file gives the same bins
    through each.  The layout is found in ``pixbin.io.cube.LAYOUTS`` (see `read_cube`); a
    piXedfit file gives ``cube`` and, if it is spectrophotometric, ``spectra``
    and ``spec_region`` (see `~pixbin.read_pixedfit`); any other file gives
    ``cube``: an `~astropy.nddata.NDData` for images and photometric cubes, a
    `specutils.Spectrum` for spectral cubes (``meta['spectral_cube']`` True).

    Parameters
    ----------
    path : str or path-like
        The FITS file.

    Returns
    -------
    kwargs : dict
        ``cube``, and ``spectra`` and ``spec_region`` for spectrophotometric
        piXedfit files.

    Raises
    ------
    TypeError, FileNotFoundError, ValueError, astropy.units.UnitsError
        As `read_cube`.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from astropy.io import fits
    >>> import pixbin
    >>> header = fits.Header({'BUNIT': 'ELECTRONS/S', 'FILTER': 'F814W'})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, 'image.fits')
    ...     fits.HDUList([fits.PrimaryHDU(),
    ...                   fits.ImageHDU(np.full((20, 20), 4.0), header, name='SCI'),
    ...                   fits.ImageHDU(np.ones((20, 20)), name='ERR')]).writeto(path)
    ...     data = pixbin.io.read_input(path)
    >>> cube = data['cube']
    >>> sorted(data), cube.meta['layout'], cube.unit, cube.meta['band_names']
    (['cube'], 'generic', Unit("electron / s"), ['F814W'])
    """
    name = display_name(path)
    # memory-mapped, unless an image is stored as scaled integers (BSCALE, BZERO,
    # BLANK), which astropy cannot memory-map
    with open_fits(path, lazy=True) as hdul:
        layout = find_layout(hdul, name)
        # (an open file is read whole at once: nothing to open again)
        scaled = isinstance(path, (str, bytes, os.PathLike)) and \
            any(key in hdu.header for hdu in hdul for key in ('BSCALE', 'BZERO', 'BLANK'))
        if layout.reader is None and not scaled:
            result = {'cube': _read_layout(hdul, layout, name)}
    if layout.reader is None and scaled:
        with open_fits(path) as hdul:
            result = {'cube': _read_layout(hdul, layout, name)}
    if layout.reader is not None:
        if not isinstance(path, (str, bytes, os.PathLike)):
            # an open file (now closed): its own reader opens it again by its name
            path = getattr(path, 'name', None)
            if not isinstance(path, str) or not os.path.exists(path):
                raise ValueError(f'{name}: a {layout.name} file is read from its name, not '
                                 f'from an open file without one')
        result = layout.reader(path)
        result['cube'].meta['layout'] = layout.name
    return result


def read_cube(path):
    """
    Read a FITS cube, image or spectral cube with its uncertainty and mask.

    The layout of the file is recognised from its extensions and headers
    (``pixbin.io.cube.LAYOUTS``, tried in this order):

    - piXedfit flux maps (photometric or spectrophotometric, see
      `~pixbin.read_pixedfit`; `read_cube` returns the cube only);
    - MaNGA LOGCUBE: ``FLUX``, ``IVAR``, ``MASK`` (DRP3PIXMASK bits NOCOV 0,
      LOWCOV 1, DEADFIBER 2, FORESTAR 3 and DONOTUSE 10 are bad), ``WAVE``;
    - MUSE: ``DATA``, ``STAT`` (variance), ``DQ`` (non-zero = bad);
    - JWST (``TELESCOP = 'JWST'``, s3d cubes and i2d images): ``SCI``,
      ``ERR``, ``DQ`` (bit 0 DO_NOT_USE = bad); the wavelengths of a cube of
      several bands are read from its ``WCS-TABLE`` (``CTYPE3 = 'WAVE-TAB'``);
    - HST drizzled images (``TELESCOP = 'HST'``): ``SCI`` with ``ERR``, or
      ``WHT`` as an inverse variance when the weighting was IVM or ERR;
    - CALIFA: the flux in the primary HDU, ``ERROR``, ``BADPIX`` (non-zero = bad);
    - generic: the flux is the first of ``FLUX``, ``SCI``, ``DATA`` or the
      first image; the uncertainty the first of ``FLUX_ERR``, ``ERR``,
      ``ERROR``, ``SIGMA``, ``UNCERT``, ``NOISE`` (1-sigma), ``VAR``,
      ``VARIANCE`` (variance), ``IVAR``, ``INVVAR`` (inverse variance), a
      ``UTYPE`` keyword (as `~astropy.nddata.CCDData` writes it) overriding
      the kind; the mask ``MASK``, ``DQ`` or ``BADPIX`` (non-zero = bad).

    The unit is ``BUNIT`` of the flux (or of the primary header), read with
    the old spellings of instrument pipelines (``10**(-20)*erg/s/cm**2/Angstrom``,
    ``COUNTS/S``, ``1E-17 erg/s/cm^2/Ang/spaxel``, see
    ``pixbin.io._units.parse_fits_unit``); the uncertainty unit must match it.
    JWST surface brightness (``MJy/sr``) is converted to flux per pixel with
    the pixel solid angle (``PIXAR_SR``, else the WCS), as
    ``meta['flux_conversion']`` says.  An HST ``WHT`` map is an inverse
    variance only when the header says that the drizzle weighting was ``IVM``
    or ``ERR`` (``FINALWHT``, ``WHTTYPE`` or ``FINAL_WHT_TYPE``); an
    exposure-time weight is refused.

    A 3-D flux with a spectral WCS axis (MUSE, MaNGA, CALIFA, JWST s3d) is a
    spectral cube: it is returned as a `specutils.Spectrum` with its WCS and
    ``meta['spectral_cube']`` True (`~pixbin.bin_pixels` does not bin
    wavelength channels as bands).  Other cubes are (nbands, ny, nx)
    `~astropy.nddata.NDData`, with band names from a ``BANDS`` table,
    ``FILi``/``FILTERi``/``BANDi`` keywords or ``FILTER`` (``FILTNAM1``,
    ``FILTER1``/``FILTER2`` for HST), and band wavelengths from the ``BANDS``
    table, ``PHOTPLAM`` (HST) or the filter names with ``INSTRUME`` and
    ``TELESCOP`` (`pixbin.io.filters`).  ``meta`` also holds ``layout``, ``source_file``,
    ``mask_rule`` and ``unit_notes`` (how odd units were read).

    Parameters
    ----------
    path : str or path-like
        The FITS file.

    Returns
    -------
    cube : `~astropy.nddata.NDData` or `specutils.Spectrum`

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is not a readable FITS file, has no image data, matches no
        layout (the message lists the extensions found and what each layout
        needs), or its WHT is an exposure-time weight.
    astropy.units.UnitsError
        If the flux has no or an unparsable unit, or the uncertainty unit
        does not match it.

    Examples
    --------
    A generic cube: the flux in ``FLUX`` with its ``BUNIT``, WCS and band
    names, the variance in ``VAR``:

    >>> import os, tempfile
    >>> from astropy.io import fits
    >>> import pixbin
    >>> mock = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> header = mock.wcs.to_header()
    >>> header['BUNIT'] = mock.unit.to_string()
    >>> for i, name in enumerate(mock.meta['band_names']):
    ...     header[f'FILTER{i}'] = name
    >>> path = os.path.join(tempfile.mkdtemp(), 'galaxy.fits')
    >>> fits.HDUList([fits.PrimaryHDU(),
    ...               fits.ImageHDU(mock.data, header, name='FLUX'),
    ...               fits.ImageHDU(mock.uncertainty.array ** 2, name='VAR')]).writeto(path)
    >>> cube = pixbin.io.read_cube(path)
    >>> cube.data.shape, cube.unit, type(cube.uncertainty).__name__
    ((12, 40, 40), Unit("1e-17 erg / (Angstrom s cm2)"), 'VarianceUncertainty')
    >>> cube.meta['layout'], cube.meta['band_names'][:3]
    ('generic', ['galex_fuv', 'galex_nuv', 'sdss_u'])
    >>> cube.meta['band_wavelengths'][:3]
    <Quantity [1535.1, 2300.8, 3556.6] Angstrom>
    """
    return read_input(path)['cube']


def normalise_input(cube, spectra=None, spec_region=None):
    """
    The inputs of `~pixbin.bin_pixels` with every file read by `read_input`.

    ``cube`` may be a path (read with `read_input`: a spectrophotometric
    piXedfit file also gives ``spectra`` and ``spec_region``), a sequence of
    paths or images, or an astropy object (returned as it is).

    ``spectra`` may be a path too: a spectral cube (MUSE, MaNGA, CALIFA, JWST
    s3d, or any 3-D cube with a spectral WCS axis) or the spectra of a
    spectrophotometric piXedfit file.

    Returns
    -------
    cube, spectra, spec_region
    """
    if isinstance(spectra, (str, os.PathLike)):
        data = read_input(spectra)
        found = data.get('spectra', data['cube'])
        if not (found.meta or {}).get('spectral_cube') and 'spectra' not in data:
            raise ValueError(f'spectra: {os.fspath(spectra)!r} is not a spectral cube (its '
                             f'{data["cube"].meta.get("layout", "")} flux has no spectral '
                             f'axis)')
        spectra = found
    if isinstance(cube, (str, os.PathLike)):
        data = read_input(cube)
        if 'spectra' in data:
            if spectra is not None:
                raise ValueError(f'cube {os.fspath(cube)!r} is a spectrophotometric file with '
                                 f'its own spectra, and spectra= was given too: give one of '
                                 f'the two')
            spectra = data['spectra']
            spec_region = data['spec_region'] if spec_region is None else spec_region
        return data['cube'], spectra, spec_region
    if isinstance(cube, (list, tuple)):
        images = []
        for item in cube:
            if isinstance(item, (str, os.PathLike)):
                data = read_input(item)
                if 'spectra' in data:
                    raise ValueError(f'cube: {os.fspath(item)!r} is a spectrophotometric '
                                     f'piXedfit file; give it alone, not in a list of images')
                item = data['cube']
            images.append(_with_header_wavelength(item))
        return images, spectra, spec_region
    return cube, spectra, spec_region


def _with_header_wavelength(image):
    """
    ``image``, or a shallow copy whose ``meta['band_wavelengths']`` is the
    wavelength of the filter that its header-like ``meta`` names (a CCDData
    read from a file), when it has none.
    """
    meta = getattr(image, 'meta', None)
    if not isinstance(image, NDData) or not meta or meta.get('band_wavelengths') is not None:
        return image
    try:
        wave = header_wavelength(meta)
    except (TypeError, AttributeError):      # meta that is not a header
        return image
    if wave is None:
        return image
    image = copy.copy(image)
    image.meta = dict(meta, band_wavelengths=wave.reshape(1))
    return image
