# Licensed under a 3-clause BSD style license - see LICENSE
"""
Opening FITS files with errors that name the file and what is wrong.
"""

import os
import warnings

from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from astropy.wcs import WCS, FITSFixedWarning

__all__ = []


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
            lazy = lazy and isinstance(source, str)
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
    except (OSError, ValueError, TypeError, fits.VerifyError) as exc:
        if hdul is not None:
            hdul.close()
        raise ValueError(f'{path}: not a readable FITS file ({type(exc).__name__}: '
                         f'{exc})') from None
    return hdul


def _check_complete(hdul, filesize):
    """Raise a ValueError if the data of an HDU would end beyond the end of the file."""
    for i, hdu in enumerate(hdul):
        end = hdul.fileinfo(i)['datLoc'] + hdu.size
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


def header_wcs(header):
    """The celestial WCS of a header, or None when it has none."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FITSFixedWarning)
        try:
            wcs = WCS(header)
        except Exception:  # noqa: BLE001 - any malformed WCS means "no WCS"
            return None
    if not wcs.has_celestial:
        return None
    return wcs.celestial
