# Licensed under a 3-clause BSD style license - see LICENSE
"""
Atomic, durable file writes: nothing written is ever lost or left half-written.

Every file that pixbin and pixbin_glue write (bin maps, pictures, region files,
batch summaries) goes through `atomic_path`: the writer writes a temporary file
next to the target; the temporary file is flushed to disk (fsync), given the
mode a new file gets (``0o666 & ~umask``), and renamed into place; the folder is
then flushed too, so the rename survives a crash.
"""

import errno
import os
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from .._validation import check_bool

__all__ = []

_UMASK_LOCK = threading.Lock()
# errors of a directory fsync that mean "not possible here" (Windows, some
# network or FUSE file systems), not "the data may be lost"
_NO_DIR_FSYNC = {errno.EINVAL, errno.EBADF, errno.EACCES, errno.EPERM, errno.EISDIR,
                 getattr(errno, 'ENOTSUP', errno.EINVAL),
                 getattr(errno, 'EOPNOTSUPP', errno.EINVAL)}


def _exists_message(path):
    return f'{path} exists; pass overwrite=True (--overwrite) to replace it'


def current_umask():
    """
    The process umask, read without changing it where the OS allows.

    Linux reports it in ``/proc/self/status``; elsewhere it is read by setting
    and restoring it (``os.umask``), under a lock so that pixbin's own threads
    never see the temporary value.
    """
    try:
        with open('/proc/self/status', encoding='ascii', errors='replace') as status:
            for line in status:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def new_file_mode():
    """The mode of a new file, as ``open`` makes it: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


def _fsync_file(path):
    """Flush the contents of ``path`` to disk."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, 'O_BINARY', 0))
    except PermissionError:          # a writer made it read-only; POSIX syncs read fds too
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_BINARY', 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder):
    """Flush a folder (its entries: a rename) to disk; skipped where the OS cannot."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0))
    except OSError:                  # Windows cannot open a folder
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIR_FSYNC:
            raise
    finally:
        os.close(fd)


def check_target(path, overwrite=False):
    """
    Check that ``path`` can be written; return it as an absolute `~pathlib.Path`.

    Raises the errors listed in `atomic_path`; used alone, it lets a command
    check all its outputs before it does any work.
    """
    check_bool(overwrite, 'overwrite')
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
    replaced, even if it appears while writing.  Before the rename the file is
    flushed to disk (fsync) and given the mode of a new file (``0o666 &
    ~umask``: the temporary file is private while it is written); after it the
    folder is flushed, where the OS allows.

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
    TypeError
        If ``overwrite`` is not True or False.
    """
    path = check_target(path, overwrite)
    folder = path.parent
    # The temporary name ends like the final one (e.g. .fits.gz): writers that
    # choose compression or format from the name do the same for both.
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.',
                               suffix='.tmp' + ''.join(path.suffixes[-2:]), dir=folder)
    tmp = Path(tmp)
    try:
        os.close(fd)
        yield tmp
        _fsync_file(tmp)
        os.chmod(tmp, new_file_mode())
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
            else:
                tmp.unlink()
        _fsync_folder(folder)
    finally:
        if os.path.lexists(tmp):
            tmp.unlink()
