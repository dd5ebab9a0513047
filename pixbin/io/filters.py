# Licensed under a 3-clause BSD style license - see LICENSE
"""
Pivot wavelengths of broad-band filters, by name.

The wavelengths place the bands of a cube on a wavelength axis (plots, SEDs,
spectra).  They are the pivot wavelengths of the filter curves of the
astro-sedpy library (sedpy), ``sqrt(int R lambda / int R / lambda)`` for the
photon response ``R``, which pixbin ships as a table of numbers (about 500
names, 28 kB; ``tools/make_filter_table.py`` in the source repository writes it):
a plain ``pip install astro-pixbin`` knows them all, offline.

Why sedpy: of the two libraries that carry such curves, sedpy (MIT licence,
pure Python, needs only numpy and astropy, 3.7 MB wheel, release 0.4.1 of
2025) has the JWST NIRCam, NIRISS and MIRI filters, HST ACS/WFC and WFC3, Rubin
(LSST), HSC, DECam, Pan-STARRS, GALEX, SDSS, 2MASS, WISE, Spitzer and Herschel;
speclite (BSD-3-Clause, 2.2 MB, needs scipy, matplotlib and pyyaml, 1.0.0 of
2026) has the ground-based surveys, GALEX, 2MASS, WISE and Euclid, but no
JWST, HST, Spitzer or Herschel filter.  The table takes Euclid (VIS, NISP Y,
J, H) from speclite and HST/WFPC2 and the NIRCam narrow bands from pyphot
(MIT), which sedpy lacks.  pixbin does not depend on any of them: with sedpy
installed (``pip install astro-pixbin[filters]``), a sedpy name missing from
the table is computed from its curve.

Names are case-insensitive; spaces, ``-``, ``.`` and ``/`` count as ``_``.
A name is either

- instrument-qualified: ``jwst_nircam_f200w``, ``jwst_miri_f770w``,
  ``jwst_niriss_f200w``, ``hst_acs_f814w``, ``hst_wfc3_uvis_f606w``,
  ``hst_wfc3_ir_f160w``, ``hst_wfpc2_f814w``, ``euclid_vis``, ``euclid_h``,
  ``lsst_r`` (or ``rubin_r``), ``hsc_i``, ``decam_z``, ``panstarrs_y``,
  ``galex_fuv``, ``sdss_r``, ``2mass_ks``, ``wise_w1``, ``spitzer_irac_ch1``,
  ``spitzer_mips_24``, ``herschel_pacs_70``;
- piXedfit's names (``2mass_k``, ``spitzer_irac_36``, ...), sedpy's
  (``jwst_f200w``, ``acs_wfc_f814w``, ``sdss_r0``, ``twomass_Ks``) or
  speclite's (``sdss2010-r``, ``lsst2023-i``, ``hsc2017-r2``, ``Euclid-VIS``);
- a filter alone (``F160W``, ``W1``, ``FUV``), when only one instrument has
  it, or when the pivots of all that have it agree to 0.5% (``F200W``: NIRCam
  1.988, NIRISS 1.986 um; NIRCam's is taken); ``F814W`` (0.801 to 0.806 um)
  or ``r`` alone are ambiguous.  A FITS header says which
  instrument: `header_wavelength` reads ``FILTER`` (``FILTNAM1`` or
  ``FILTER1``/``FILTER2`` on HST) with ``INSTRUME``, ``TELESCOP`` and
  ``DETECTOR``, and prefers the pivot that the pipeline wrote (``PHOTPLAM``).
"""

import re

import astropy.units as u
import numpy as np

from ._filter_table import PIVOTS

__all__ = ['FILTER_WAVELENGTHS', 'band_wavelengths', 'filter_wavelength',
           'header_wavelength', 'normalise_filter_name']

#: Instrument-qualified prefixes, tried for a filter name given alone.
PREFIXES = ('jwst_nircam', 'jwst_miri', 'jwst_niriss', 'hst_acs', 'hst_wfc3_uvis',
            'hst_wfc3_ir', 'hst_wfpc2', 'euclid', 'lsst', 'hsc', 'decam', 'panstarrs',
            'galex', 'sdss', '2mass', 'wise', 'spitzer_irac', 'spitzer_mips',
            'herschel_pacs', 'herschel_spire')

# INSTRUME or TELESCOP of a FITS header (normalised, or one word of it) -> prefixes
_INSTRUMENTS = {
    'nircam': ('jwst_nircam',), 'miri': ('jwst_miri',), 'niriss': ('jwst_niriss',),
    'jwst': ('jwst_nircam', 'jwst_miri', 'jwst_niriss'),
    'acs': ('hst_acs',), 'wfc3': ('hst_wfc3_uvis', 'hst_wfc3_ir'), 'wfpc2': ('hst_wfpc2',),
    'hst': ('hst_acs', 'hst_wfc3_uvis', 'hst_wfc3_ir', 'hst_wfpc2'),
    'euclid': ('euclid',), 'nisp': ('euclid',),
    'lsst': ('lsst',), 'rubin': ('lsst',), 'lsstcam': ('lsst',), 'lsstcomcam': ('lsst',),
    'hsc': ('hsc',), 'hyper_suprime_cam': ('hsc',), 'decam': ('decam',),
    'gpc1': ('panstarrs',), 'ps1': ('panstarrs',), 'panstarrs': ('panstarrs',),
    'galex': ('galex',), 'sdss': ('sdss',), '2mass': ('2mass',), 'wise': ('wise',),
    'irac': ('spitzer_irac',), 'mips': ('spitzer_mips',),
    'spitzer': ('spitzer_irac', 'spitzer_mips'), 'pacs': ('herschel_pacs',),
    'spire': ('herschel_spire',), 'herschel': ('herschel_pacs', 'herschel_spire'),
}

#: Pivot wavelength in Angstrom of every name of the table (normalised names).
FILTER_WAVELENGTHS = {key: value for key, (value, _) in PIVOTS.items()}

_HINT = 'give the wavelengths to bin_pixels(..., band_wavelengths=[...] * u.um)'


def normalise_filter_name(name):
    """
    A filter name as pixbin looks it up: lower case, runs of spaces and
    ``-./:`` as one ``_``.

    Examples
    --------
    >>> from pixbin.io.filters import normalise_filter_name
    >>> normalise_filter_name(' HSC-R2 '), normalise_filter_name('Euclid-VIS')
    ('hsc_r2', 'euclid_vis')
    """
    return re.sub(r'[\s\-./:]+', '_', str(name).strip().lower()).strip('_')


def _sedpy_pivot(key):
    """The pivot (Angstrom) of a sedpy curve named ``key`` (any case), or None."""
    try:
        from sedpy import observate
    except ImportError:
        return None
    names = {n.lower(): n for n in observate.list_available_filters()}
    if key not in names:
        return None
    return float(observate.Filter(names[key]).wave_pivot)


def _prefixes(instrument=None, telescope=None, detector=None):
    """The prefixes that an instrument (else a telescope) name allows, or ()."""
    for value in (instrument, telescope):
        key = normalise_filter_name(value or '')
        words = [key] + key.split('_')
        found = next((_INSTRUMENTS[w] for w in words if w in _INSTRUMENTS), None)
        if found:
            det = normalise_filter_name(detector or '')
            if found == _INSTRUMENTS['wfc3'] and det in ('ir', 'uvis'):
                return (f'hst_wfc3_{det}',)
            return found
    return ()


def _candidates(name, prefixes):
    """{key: pivot} of the names that ``name`` may mean (the first rule that finds any)."""
    table = PIVOTS
    keys = [normalise_filter_name(name)]
    first = str(name).split()
    if len(first) > 1:              # DECam: 'r DECam SDSS c0002 6415.0 1480.0'
        keys.append(normalise_filter_name(first[0]))
    for key in keys:
        if prefixes:
            found = {f'{p}_{key}' for p in prefixes if f'{p}_{key}' in table}
            found |= {key for p in prefixes if key.startswith(p + '_') and key in table}
            if found:
                return {k: table[k][0] for k in found}
            continue            # not a filter of that instrument: no other instrument's
        if key in table:
            return {key: table[key][0]}
        found = {f'{p}_{key}' for p in PREFIXES if f'{p}_{key}' in table}
        if found:
            return {k: table[k][0] for k in found}
        pivot = _sedpy_pivot(key)
        if pivot is not None:
            return {key: pivot}
    return {}


def _prefix_order(key):
    """Sort key of a table name: its place in `PREFIXES`, then the name."""
    place = next((i for i, p in enumerate(PREFIXES) if key.startswith(p + '_')), len(PREFIXES))
    return place, key


def filter_wavelength(name, *, instrument=None, telescope=None, detector=None):
    """
    The pivot wavelength of the filter ``name``.

    Parameters
    ----------
    name : str
        A filter name (see `pixbin.io.filters`), e.g. ``'jwst_nircam_f200w'``,
        ``'sdss_r'``, ``'F160W'``.
    instrument, telescope, detector : str, optional
        Where the filter is (``INSTRUME``, ``TELESCOP``, ``DETECTOR`` of a FITS
        header): ``filter_wavelength('F814W', instrument='WFPC2')``.

    Returns
    -------
    wavelength : `~astropy.units.Quantity`
        In Angstrom.

    Raises
    ------
    ValueError
        If the name is unknown, or ambiguous (the message lists what it may
        mean): give the band wavelengths to `pixbin.bin_pixels` with
        ``band_wavelengths=``.

    Examples
    --------
    >>> import astropy.units as u
    >>> from pixbin.io.filters import filter_wavelength
    >>> filter_wavelength('jwst_nircam_f200w').to(u.um).round(3)
    <Quantity 1.988 um>
    >>> filter_wavelength('F814W', instrument='WFPC2')
    <Quantity 8012.2 Angstrom>
    >>> filter_wavelength('F160W', instrument='NIRCAM')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: filter name 'F160W' is not a filter of NIRCAM that pixbin knows ...
    >>> filter_wavelength('F814W')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: filter name 'F814W' is ambiguous: hst_acs_f814w (0.806 um), ...
    """
    prefixes = _prefixes(instrument, telescope, detector)
    found = _candidates(name, prefixes)
    if not found and prefixes:
        where = ', '.join(str(v) for v in (telescope, instrument, detector) if v)
        raise ValueError(f'filter name {name!r} is not a filter of {where} that pixbin knows '
                         f'(see pixbin.io.filters for the names); {_HINT}')
    values = list(found.values())
    if found and max(values) < 1.005 * min(values):
        return found[min(found, key=_prefix_order)] * u.AA
    if found:
        listed = ', '.join(f'{k} ({v / 1e4:.3f} um)' for k, v in sorted(found.items()))
        raise ValueError(f'filter name {name!r} is ambiguous: {listed}; name the instrument '
                         f'(e.g. {min(found)!r}) or {_HINT}')
    raise ValueError(f'filter name {name!r} is not a filter pixbin knows (see '
                     f'pixbin.io.filters for the names); {_HINT}')


def band_wavelengths(names, *, strict=False):
    """
    Pivot wavelengths of the filters ``names``.

    Parameters
    ----------
    names : sequence of str
        Filter names (see `pixbin.io.filters`).
    strict : bool, optional
        If True, an unknown or ambiguous name raises the ValueError of
        `filter_wavelength`; by default the result is then None.

    Returns
    -------
    wavelengths : `~astropy.units.Quantity` or None
        In Angstrom, one per name.

    Examples
    --------
    >>> from pixbin.io.filters import band_wavelengths
    >>> band_wavelengths(['sdss_g', 'sdss_r', 'wise_w1'])
    <Quantity [ 4702.5,  6175. , 33682.2] Angstrom>
    >>> band_wavelengths(['sdss_g', 'my_filter']) is None
    True
    >>> band_wavelengths(['sdss_g', 'my_filter'], strict=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: filter name 'my_filter' is not a filter pixbin knows ... band_wavelengths=...
    """
    values = []
    for name in names:
        try:
            values.append(filter_wavelength(name).to_value(u.AA))
        except ValueError:
            if strict:
                raise
            return None
    return np.array(values, dtype=float) * u.AA


def header_wavelength(header):
    """
    The pivot wavelength of the filter of a one-band FITS image, or None.

    ``PHOTPLAM`` (the pivot that HST pipelines write) if the header has it,
    else the filter (``FILTER``, ``FILTNAM1``, or the ``FILTER1``/``FILTER2``
    that is not ``CLEAR``) looked up with ``INSTRUME``, ``TELESCOP`` and
    ``DETECTOR`` (`filter_wavelength`); None if it is unknown or ambiguous.

    Parameters
    ----------
    header : `~astropy.io.fits.Header` or mapping
        Upper-case keys.

    Returns
    -------
    wavelength : `~astropy.units.Quantity` or None
        In Angstrom.

    Examples
    --------
    >>> from astropy.io import fits
    >>> from pixbin.io.filters import header_wavelength
    >>> header_wavelength(fits.Header({'TELESCOP': 'JWST', 'INSTRUME': 'NIRCAM',
    ...                                'FILTER': 'F444W'}))
    <Quantity 44017.4 Angstrom>
    >>> header_wavelength(fits.Header({'FILTER': 'r'})) is None     # which r?
    True
    """
    from ._fitsutil import single_band_name
    if 'PHOTPLAM' in header:
        try:
            value = float(header['PHOTPLAM'])
        except (TypeError, ValueError):
            value = np.nan
        if np.isfinite(value) and value > 0:
            return value * u.AA
    name = single_band_name(header)
    if name is None:
        return None
    try:
        return filter_wavelength(name, instrument=header.get('INSTRUME'),
                                 telescope=header.get('TELESCOP'),
                                 detector=header.get('DETECTOR'))
    except ValueError:
        return None
