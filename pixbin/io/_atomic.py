# Licensed under a 3-clause BSD style license - see LICENSE
"""
Atomic file writes: nothing written is ever lost or left half-written.
"""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = []


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
    """
    path = Path(os.fspath(path)).expanduser()
    folder = path.parent if str(path.parent) else Path('.')
    if not folder.is_dir():
        raise FileNotFoundError(f'cannot write {path}: folder {folder} does not exist')
    if path.exists() and not overwrite:
        raise FileExistsError(f'{path} exists; pass overwrite=True (--overwrite) to replace it')
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', suffix='.tmp', dir=folder)
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
                raise FileExistsError(f'{path} exists; pass overwrite=True (--overwrite) to '
                                      f'replace it') from None
            except OSError:              # no hard links on this file system
                if path.exists():
                    raise FileExistsError(f'{path} exists; pass overwrite=True to replace it')
                os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
