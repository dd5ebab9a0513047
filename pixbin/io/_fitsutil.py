# Licensed under a 3-clause BSD style license - see LICENSE
"""
FITS helpers of the readers and writers: opening files with errors that name
the file and what is wrong, header keywords and units, exact header values.
"""

import bz2
import gzip
import os
import warnings
import zlib

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from astropy.wcs import WCS, FITSFixedWarning

__all__ = []

#: piXedfit's flux unit, scaled by the ``unit`` header keyword.
PIXEDFIT_UNIT = u.erg / u.s / u.cm**2 / u.AA


def display_name(path):
    """The file name of a path or an open file, for messages."""
    return os.fspath(getattr(path, 'name', path)) if not isinstance(path, (str, bytes)) \
        else path


def open_fits(path, lazy=False):
    """
    Open ``path`` (a path or an open binary file) read-only; the file is never modified.

    Every header is read and checked at once.  The data are read at once too,
    unless ``lazy`` is True and ``path`` is a file name: then they are
    memory-mapped (read from disk when used; scaled integer images are still
    read whole when used), and the file size is checked against the headers
    to catch truncated files.

    Raises
    ------
    TypeError
        If ``path`` is neither a path nor a file.
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a readable FITS file (truncated, corrupt, foreign).
    """
    source = path
    if not hasattr(path, 'read'):
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError(f'path must be a file name (str or path-like) or an open binary '
                            f'file, got {type(path).__name__}')
        source = path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f'{path}: no such file')
    path = display_name(path)
    hdul = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', AstropyUserWarning)
            # a gzip, bzip2 or zip file is read whole: its size on disk says nothing
            # of where the HDUs end, and a stream cut short must be seen
            packed = isinstance(source, str) and _check_packed_stream(source)
            lazy = lazy and isinstance(source, str) and not packed
            hdul = fits.open(source, mode='readonly', memmap=lazy, lazy_load_hdus=False)
            if lazy:
                _check_complete(hdul, os.path.getsize(source))
            else:
                for hdu in hdul:      # read every HDU now: a truncated file fails here
                    _ = hdu.data
        for w in caught:
            text = str(w.message).lower()
            # a truncated HDU, or bytes after the last HDU that are not a whole one
            if 'truncated' in text or 'corrupted' in text:
                raise ValueError(' '.join(str(w.message).split()))
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    # (zlib.error: damaged data of a tile-compressed image; EOFError: a gzip file cut short)
    except (OSError, ValueError, TypeError, EOFError, fits.VerifyError, zlib.error) as exc:
        if hdul is not None:
            hdul.close()
        raise ValueError(f'{path}: not a readable FITS file ({type(exc).__name__}: '
                         f'{exc})') from None
    return hdul


def _check_packed_stream(path):
    """
    Whether ``path`` is a gzip, bzip2 or zip file (from its first bytes); a
    gzip or bzip2 stream is read to its end, so that one cut short raises
    EOFError (astropy would read the HDUs before the cut and stop there).
    """
    with open(path, 'rb') as handle:
        start = handle.read(4)
    opener = {b'\x1f\x8b': gzip.open, b'BZ': bz2.open}.get(start[:2])
    if opener is not None:
        with opener(path, 'rb') as stream:
            while stream.read(1 << 24):
                pass
    return opener is not None or start == b'PK\x03\x04'


def _stored_size(hdul, i, hdu):
    """
    Bytes of data of ``hdu`` in the file: for a tile-compressed image those of
    its compressed table (``hdu.size`` is that of the image), else ``hdu.size``.
    """
    if isinstance(hdu, fits.CompImageHDU):
        table = getattr(hdu, '_bintable', None)     # the table as stored (astropy >= 6.1)
        return table.size if table is not None else hdul.fileinfo(i)['datSpan']
    return hdu.size


def _check_complete(hdul, filesize):
    """Raise a ValueError if the data of an HDU would end beyond the end of the file."""
    for i, hdu in enumerate(hdul):
        end = hdul.fileinfo(i)['datLoc'] + _stored_size(hdul, i, hdu)
        if end > filesize:
            raise ValueError(f'the file is truncated: HDU {i} ({hdu.name}) needs {end} bytes, '
                             f'the file has {filesize}')


def extension_names(hdul):
    """Upper-case names of the HDUs (PRIMARY first)."""
    return [hdu.name.upper() for hdu in hdul]


def require(hdul, path, names, what):
    """Raise a ValueError naming the file unless all extensions ``names`` are there."""
    present = extension_names(hdul)
    missing = [n for n in names if n.upper() not in present]
    if missing:
        raise ValueError(f'{os.fspath(path)} is not {what}: missing extension(s) '
                         f'{", ".join(missing)} (found: {", ".join(present)})')


def read_wcs(header):
    """The full WCS of a header, or None when it is malformed (fix-up warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FITSFixedWarning)
        try:
            return WCS(header)
        except Exception:  # noqa: BLE001 - any malformed WCS means "no WCS"
            return None


def header_wcs(header):
    """The celestial WCS of a header, or None when it has none."""
    wcs = read_wcs(header)
    if wcs is None or not wcs.has_celestial:
        return None
    return wcs.celestial


def indexed_band_names(header, nbands):
    """
    Band names from the first of the keywords ``FILi``, ``FILTERi``, ``BANDi``
    that is there for every band ``i``, or None.

    Parameters
    ----------
    header : `~astropy.io.fits.Header` or mapping
        Where to look: ``key in header`` and ``header[key]`` with upper-case
        keys (a FITS header is case-insensitive).
    nbands : int
        Number of bands.

    Returns
    -------
    names : list of str or None
    """
    for key in ('FIL', 'FILTER', 'BAND'):
        if all(f'{key}{i}' in header for i in range(nbands)):
            return [str(header[f'{key}{i}']) for i in range(nbands)]
    return None


def single_band_name(header):
    """
    The filter of a one-band image: the first non-blank ``FILTER`` or
    ``FILTNAM1`` (HST WFPC2), else the one of ``FILTER1`` and ``FILTER2``
    (HST ACS) that is not ``CLEAR...``, without surrounding spaces, or None.

    Parameters
    ----------
    header : `~astropy.io.fits.Header` or mapping
        As in `indexed_band_names`.

    Returns
    -------
    name : str or None
    """
    for key in ('FILTER', 'FILTNAM1'):       # FILTNAM1: WFPC2
        name = str(header[key] if key in header else '').strip()
        if name:
            return name
    wheels = [str(header[key]).strip() for key in ('FILTER1', 'FILTER2') if key in header]
    wheels = [name for name in wheels if name and not name.upper().startswith('CLEAR')]
    return wheels[0] if len(wheels) == 1 else None


def scaled_unit(header, path):
    """
    piXedfit's flux unit of a header: ``unit`` x erg/s/cm2/A (``unit`` default 1).

    Raises a ValueError naming the file unless ``unit`` is a finite positive number.
    """
    value = header.get('unit', 1.0)
    try:
        scale = float(value)
    except (TypeError, ValueError):
        scale = np.nan
    if isinstance(value, bool) or not np.isfinite(scale) or scale <= 0:
        raise ValueError(f'{path}: header keyword unit must be a finite positive number (flux = '
                         f'data * unit in erg/s/cm2/A), got {value!r}')
    return u.Unit(scale * PIXEDFIT_UNIT) if scale != 1.0 else PIXEDFIT_UNIT


def int_keyword(header, key, path, default=None, choices=None):
    """An integer header keyword, or a ValueError that names the file and the keyword."""
    value = header.get(key, default)
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok and isinstance(value, (float, np.floating)) and float(value).is_integer():
        value, ok = int(value), True
    if not ok or (choices is not None and value not in choices):
        expected = 'an integer' if choices is None else \
            ' or '.join(str(c) for c in choices)
        raise ValueError(f'{path}: header keyword {key} must be {expected}, got {value!r}')
    return int(value)


def float_keyword(header, key, path, default=None, positive=False):
    """
    A finite real header keyword (positive if ``positive``), or a ValueError
    that names the file and the keyword.
    """
    value = header.get(key, default)
    ok = isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, bool) and np.isfinite(value) and (value > 0 or not positive)
    if not ok:
        expected = 'a positive number' if positive else 'a finite number'
        raise ValueError(f'{path}: header keyword {key} must be {expected}, got {value!r}')
    return float(value)


def float_view(array):
    """``array`` itself if it holds floats (e.g. memory-mapped), else a float64 copy."""
    array = np.asarray(array)
    return array if array.dtype.kind == 'f' else array.astype(np.float64)


def exact_card(key, value, comment=''):
    """
    A header card of ``value`` that keeps every digit of a float.

    A fixed-format card holds 20 characters, so astropy rounds a float such
    as ``1.2345678901234567e-05``; such a value is written in FITS free format
    (``repr`` in full), which astropy, cfitsio and wcslib read back exactly.
    """
    card = fits.Card(key, value, comment)
    if isinstance(value, float) and np.isfinite(value) \
            and fits.Card.fromstring(card.image).value != value:
        text = repr(float(value)).upper()
        room = 80 - 10 - max(len(text), 20) - 3
        card = fits.Card.fromstring(f'{key.upper():8s}= {text:>20s}'
                                    + (f' / {comment[:room]}' if comment and room > 0 else ''))
    return card


def set_exact(header, key, value, comment=''):
    """``header[key] = (value, comment)``, keeping every digit of a float."""
    if key in header:
        del header[key]
    header.append(exact_card(key, value, comment))


def exact_wcs_header(wcs):
    """
    ``wcs.to_header(relax=True)`` with the reference point, scale, rotation
    and poles written with every digit (to_header keeps about 15).
    """
    header = wcs.to_header(relax=True)
    prm = wcs.wcs
    exact = {'LONPOLE': prm.lonpole, 'LATPOLE': prm.latpole}
    # With a CD matrix, CDELT and PC are not used (wcslib warns when they are read).
    cd = prm.has_cd()
    for i in range(prm.naxis):
        exact[f'CRPIX{i + 1}'] = prm.crpix[i]
        exact[f'CRVAL{i + 1}'] = prm.crval[i]
        if not cd:
            exact[f'CDELT{i + 1}'] = prm.cdelt[i]
        for j in range(prm.naxis):
            if cd:      # to_header writes a CD matrix as PC with CDELT 1
                key = f'CD{i + 1}_{j + 1}'
                exact[key if key in header else f'PC{i + 1}_{j + 1}'] = prm.cd[i][j]
            else:
                exact[f'PC{i + 1}_{j + 1}'] = prm.pc[i][j]
    for key, value in exact.items():
        value = float(value)
        if key not in header or not isinstance(header[key], float) or header[key] == value:
            continue
        # the same number, rounded by to_header (never another convention's value)
        if abs(header[key] - value) <= 1e-12 * abs(value):
            index = header.index(key)
            card = exact_card(key, value, header.comments[key])
            del header[key]
            header.insert(index, card)
    return header
