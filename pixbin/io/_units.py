# Licensed under a 3-clause BSD style license - see LICENSE
"""
Units as instruments spell them in FITS headers.

One helper, `parse_fits_unit`, used by every reader of pixbin: it reads what
astropy reads, plus the old spellings that instrument pipelines still write.
"""

import re
import warnings

import astropy.units as u

__all__ = ['parse_fits_unit']

# Words of old FITS unit strings and what astropy calls them (compared without case,
# except the one-letter words, below).  'spaxel' is handled apart: the value of a
# spaxel is the flux inside it, so "/spaxel" is dropped.
_WORDS = {
    'counts': 'ct', 'count': 'ct', 'cts': 'ct',
    'electrons': 'electron', 'elec': 'electron',
    'ang': 'Angstrom', 'angs': 'Angstrom', 'angstroms': 'Angstrom', 'angstrom': 'Angstrom',
    'sec': 's', 'secs': 's', 'seconds': 's',
    'adu': 'adu', 'dn': 'DN',
    'nanomaggy': 'nmgy', 'nanomaggies': 'nmgy', 'nmgy': 'nmgy',
    'maggy': 'mgy', 'maggies': 'mgy', 'mgy': 'mgy',
}
# One-letter words in upper case: 'S' is the second in COUNTS/S (astropy: siemens),
# 'A' the Angstrom in erg/s/cm^2/A (astropy: ampere, never part of a flux unit).
_LETTERS = {'S': 's', 'A': 'Angstrom'}
_WORD = re.compile(r'(?<![\d.])[A-Za-z]+')
# 'e-' for electrons (e-/s), not the exponent of a number (1e-17)
_ELECTRON = re.compile(r'(?<![\w.])e-(?![\d.])')
_PER_SPAXEL = re.compile(r'\s*(/|\bper\b)\s*(spaxel|spaxels|spx)\b\s*$', re.IGNORECASE)
_POWER = re.compile(r'^\((.*)\)\s*(\*\*|\^)\s*\(?\s*([+-]?\d+)\s*\)?$')


def _rewrite(text):
    def word(match):
        w = match.group(0)
        if w in _LETTERS:
            return _LETTERS[w]
        return _WORDS.get(w.lower(), w)
    return _WORD.sub(word, _ELECTRON.sub('electron', text))


def parse_fits_unit(text, what):
    """
    The astropy unit of a FITS unit string, old instrument spellings included.

    Besides what `astropy.units.Unit` reads, this reads ``COUNTS/S``,
    ``ELECTRONS/S`` and ``e-/s`` (``ct / s``, ``electron / s``), ``ADU`` and
    ``DN`` in any case, ``nanomaggies`` and ``NMGY`` (``nmgy``), ``Ang`` and a final ``A``
    for Angstrom, ``(...)**2`` (the square of a unit, as MUSE writes its
    variance), and ``1E-17 erg/s/cm^2/Ang/spaxel`` as MaNGA writes it (the
    value of a spaxel is the flux inside it: ``/spaxel`` is dropped).

    Parameters
    ----------
    text : str
        The unit string (e.g. a ``BUNIT`` value).
    what : str
        What the unit belongs to, for the error message (e.g.
        ``"cube.fits: BUNIT of DATA"``).

    Returns
    -------
    unit : `~astropy.units.UnitBase`

    Raises
    ------
    astropy.units.UnitsError
        If the string is empty or not a unit.

    Examples
    --------
    >>> from pixbin.io._units import parse_fits_unit
    >>> parse_fits_unit('10**(-20)*erg/s/cm**2/Angstrom', 'BUNIT')
    Unit("1e-20 erg / (Angstrom s cm2)")
    >>> parse_fits_unit('(10**(-20)*erg/s/cm**2/Angstrom)**2', 'BUNIT')
    Unit("1e-40 erg2 / (Angstrom2 s2 cm4)")
    >>> parse_fits_unit('COUNTS/S', 'BUNIT'), parse_fits_unit('ELECTRONS/S', 'BUNIT')
    (Unit("ct / s"), Unit("electron / s"))
    >>> parse_fits_unit('1E-17 erg/s/cm^2/Ang/spaxel', 'BUNIT')
    Unit("1e-17 erg / (Angstrom s cm2)")
    >>> parse_fits_unit('erg/s/cm^2/A', 'BUNIT')
    Unit("erg / (Angstrom s cm2)")
    >>> parse_fits_unit('nanomaggies', 'BUNIT'), parse_fits_unit('ADU', 'BUNIT')
    (Unit("nmgy"), Unit("adu"))
    """
    if not isinstance(text, str) or not text.strip():
        raise u.UnitsError(f'{what}: expected a unit string, got {text!r}')
    original = text
    text = text.strip()
    power = _POWER.match(text)
    if power:
        return parse_fits_unit(power.group(1), what) ** int(power.group(3))
    text = _PER_SPAXEL.sub('', text)
    errors = []
    with warnings.catch_warnings():
        # astropy warns about several slashes (erg/s/cm2/A), which these strings have
        warnings.simplefilter('ignore', u.UnitsWarning)
        for candidate in dict.fromkeys((_rewrite(text), text)):
            for fmt in ('fits', None):
                try:
                    return u.Unit(candidate, format=fmt, parse_strict='raise')
                except (ValueError, TypeError) as exc:
                    errors.append(str(exc).split('. ')[0])
    raise u.UnitsError(f'{what}: {original!r} is not a unit that astropy or pixbin can read '
                       f'({errors[-1]})')
