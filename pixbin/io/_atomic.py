# Licensed under a 3-clause BSD style license - see LICENSE
"""
Atomic file writes: nothing written is ever lost or left half-written.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = []


def _exists_message(path):
    return f'{path} exists; pass overwrite=True (--overwrite) to replace it'


def check_target(path, overwrite=False):
    """
    Check that ``path`` can be written; return it as an absolute `~pathlib.Path`.

    Raises the errors listed in `atomic_path`; used alone, it lets a command
    check all its outputs before it does any work.
    """
    shown = os.fspath(path)
    path = Path(shown).expanduser().absolute()
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f'cannot write {shown}: folder {folder} does not exist')
    if path.is_dir():
        raise IsADirectoryError(f'cannot write {shown}: it is a folder')
    if path.exists() and not overwrite:
        raise FileExistsError(_exists_message(shown))
    return path


@contextmanager
def atomic_path(path, overwrite=False):
    """
    Yield a temporary path next to ``path``; move it into place on success.

    The temporary file lives in the same folder (same file system), so the
    final step is an atomic rename: an interrupted write leaves the old file
    intact and no partial file.  Without ``overwrite`` an existing file is never
    replaced, even if it appears while writing.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    FileNotFoundError
        If the folder of ``path`` does not exist.
    PermissionError
        If the folder is not writable.
    IsADirectoryError
        If ``path`` is a folder.
    """
    path = check_target(path, overwrite)
    folder = path.parent
    # The temporary name ends like the final one (e.g. .fits.gz): writers that
    # choose compression or format from the name do the same for both.
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.',
                               suffix='.tmp' + ''.join(path.suffixes[-2:]), dir=folder)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)       # fails if path appeared meanwhile
            except FileExistsError:
                raise FileExistsError(_exists_message(path)) from None
            except OSError:              # no hard links on this file system
                if path.exists():
                    raise FileExistsError(_exists_message(path))
                os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
