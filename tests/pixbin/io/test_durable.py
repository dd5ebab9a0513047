# Licensed under a 3-clause BSD style license - see LICENSE
"""
Durable writes with the right permissions: every file pixbin writes is flushed
to disk before it is renamed into place (and the folder after), and gets the
mode a new file gets under the process umask (``0o666 & ~umask``), not the
private mode of its temporary file.  A write interrupted at any step leaves
the old file or the complete new one, and no temporary file.
"""

import errno
import os
import stat

import numpy as np
import pytest
from astropy.io import fits
from numpy.testing import assert_array_equal
from pixbin_test_helpers import write_cube_fits

import pixbin
from pixbin import bin_pixels, read_binmap
from pixbin.batch import bin_many
from pixbin.cli import main
from pixbin.io import _atomic


@pytest.fixture(scope='module')
def binmap():
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    return bin_pixels(cube, 5.0, ref_band=4)


@pytest.fixture
def umask():
    """Set the process umask for one test; restore it afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


# -- the mode of new files --------------------------------------------------------------------

@pytest.mark.parametrize('mask, expected', [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664),
                                            (0o027, 0o640)])
def test_every_kind_of_output_honours_the_umask(binmap, tmp_path, umask, capsys, mask,
                                                expected):
    cube_file = write_cube_fits(pixbin.datasets.make_mock_galaxy(shape=(20, 20)),
                                tmp_path / 'cube.fits')
    umask(mask)
    assert _atomic.current_umask() == mask
    assert _atomic.new_file_mode() == expected
    binmap.write(tmp_path / 'api.fits')
    binmap.write(tmp_path / 'api.fits.gz')
    assert main(['bin', str(cube_file), '--snr', '5', '-o', str(tmp_path / 'cli.fits'),
                 '--plot', str(tmp_path / 'map.png'), '--regions', str(tmp_path / 'bins.reg'),
                 '--no-progress']) == 0
    assert main(['demo', '--size', '30', '-o', str(tmp_path / 'demo.png')]) == 0
    assert main(['batch', str(cube_file), '-o', str(tmp_path / 'batch'), '--snr', '5',
                 '--scheduler', 'serial', '--no-progress']) == 0
    table = bin_many([cube_file], tmp_path / 'many', scheduler='serial', snr=5.0,
                     progress=False)
    assert list(table['status']) == ['done']
    capsys.readouterr()
    written = ['api.fits', 'api.fits.gz', 'cli.fits', 'map.png', 'bins.reg', 'demo.png',
               'batch/cube_bins.fits', 'batch/summary.ecsv', 'many/cube_bins.fits']
    assert {name: oct(mode(tmp_path / name)) for name in written} == \
        {name: oct(expected) for name in written}
    # replacing a file gives the new file the same mode, whatever the old one had
    os.chmod(tmp_path / 'api.fits', 0o400)
    binmap.write(tmp_path / 'api.fits', overwrite=True)
    assert mode(tmp_path / 'api.fits') == expected
    assert [n for n in listing(tmp_path) if n.startswith('.')] == []


def test_umask_read_without_proc(tmp_path, umask, monkeypatch):
    """Where /proc is not there, the umask is read by setting and restoring it."""
    import builtins
    real_open = builtins.open

    def no_proc(name, *args, **kwargs):
        if str(name).startswith('/proc/'):
            raise FileNotFoundError(2, 'No such file or directory', name)
        return real_open(name, *args, **kwargs)

    umask(0o027)
    monkeypatch.setattr(builtins, 'open', no_proc)
    assert _atomic.current_umask() == 0o027
    assert _atomic.current_umask() == 0o027          # and it is left as it was
    assert os.umask(0o027) == 0o027


# -- durability ---------------------------------------------------------------------------------

def test_file_flushed_before_the_rename_and_folder_after(binmap, tmp_path, monkeypatch):
    events = []
    fsync, replace, link = os.fsync, os.replace, os.link

    def logged_fsync(fd):
        kind = 'folder' if stat.S_ISDIR(os.fstat(fd).st_mode) else 'file'
        events.append(('fsync', kind, os.fstat(fd).st_size))
        fsync(fd)

    def logged_replace(src, dst):
        events.append(('replace', os.path.basename(dst), mode(src)))
        replace(src, dst)

    def logged_link(src, dst):
        events.append(('link', os.path.basename(dst), mode(src)))
        link(src, dst)

    monkeypatch.setattr(os, 'fsync', logged_fsync)
    monkeypatch.setattr(os, 'replace', logged_replace)
    monkeypatch.setattr(os, 'link', logged_link)
    path = tmp_path / 'bins.fits'
    binmap.write(path)
    size = path.stat().st_size
    new_mode = _atomic.new_file_mode()
    assert [e[:2] for e in events] == [('fsync', 'file'), ('link', 'bins.fits'),
                                       ('fsync', 'folder')]
    assert events[0][2] == size and events[1][2] == new_mode
    events.clear()
    binmap.write(path, overwrite=True)
    assert [e[:2] for e in events] == [('fsync', 'file'), ('replace', 'bins.fits'),
                                       ('fsync', 'folder')]
    assert events[0][2] == size and events[1][2] == new_mode


@pytest.mark.parametrize('error', [errno.EINVAL, errno.EBADF, errno.EACCES])
def test_folder_that_cannot_be_flushed_is_skipped(binmap, tmp_path, monkeypatch, error):
    """Some systems (Windows, some network file systems) cannot fsync a folder."""
    fsync = os.fsync

    def no_folder_fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(error, os.strerror(error))
        fsync(fd)

    monkeypatch.setattr(os, 'fsync', no_folder_fsync)
    binmap.write(tmp_path / 'bins.fits')
    assert_array_equal(read_binmap(tmp_path / 'bins.fits').labels, binmap.labels)
    assert listing(tmp_path) == ['bins.fits']


def test_folder_that_cannot_be_opened_is_skipped(binmap, tmp_path, monkeypatch):
    """Windows cannot open a folder with os.open."""
    real_open = os.open

    def no_folder_open(path, flags, *args, **kwargs):
        if os.path.isdir(path):
            raise PermissionError(13, 'Permission denied', path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, 'open', no_folder_open)
    binmap.write(tmp_path / 'bins.fits')
    assert listing(tmp_path) == ['bins.fits']


# -- interrupted at every step ---------------------------------------------------------------

class Interrupt(Exception):
    pass


def raise_at(monkeypatch, name, when=1, error=None):
    """Make ``os.<name>`` raise on its ``when``-th call."""
    real = getattr(os, name)
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        if len(calls) == when:
            raise error if error is not None else Interrupt(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, failing)
    return calls


def half_writer(monkeypatch):
    def interrupted(self, name, *args, **kwargs):
        with open(name, 'wb') as handle:
            handle.write(b'SIMPLE  =                    T')
        raise Interrupt('writer')
    monkeypatch.setattr(fits.HDUList, 'writeto', interrupted)


# (step, the os function that fails ('rename': os.link for a new file, os.replace
# to replace one), which call of it, the file afterwards: the old one or the new one)
STEPS = [
    ('writer', None, None, 'old'),
    ('fsync of the file', 'fsync', 1, 'old'),
    ('fsync of the file: EIO', 'fsync', 1, 'old'),
    ('chmod', 'chmod', 1, 'old'),
    ('rename', 'rename', 1, 'old'),
    ('fsync of the folder', 'fsync', 2, 'new'),
    ('fsync of the folder: EIO', 'fsync', 2, 'new'),
]


@pytest.mark.parametrize('exists', [False, True], ids=['new file', 'replace a file'])
@pytest.mark.parametrize('step, name, when, after', STEPS, ids=[s[0] for s in STEPS])
def test_interrupted_at_each_step(binmap, tmp_path, monkeypatch, step, name, when, after,
                                  exists):
    path = tmp_path / 'bins.fits'
    if exists:
        path.write_bytes(b'the old file')
    if name == 'rename':
        name = 'replace' if exists else 'link'
    error = OSError(errno.EIO, 'Input/output error') if step.endswith('EIO') else None
    if name is None:
        half_writer(monkeypatch)
        calls = [()]
    else:
        calls = raise_at(monkeypatch, name, when, error)
    with pytest.raises(OSError if error else Interrupt):
        binmap.write(path, overwrite=exists)
    monkeypatch.undo()
    assert len(calls) == (when or 1)           # the write stopped at that step
    if after == 'new':
        assert_array_equal(read_binmap(path).labels, binmap.labels)
    elif exists:
        assert path.read_bytes() == b'the old file'
    assert listing(tmp_path) == ([] if after == 'old' and not exists else ['bins.fits'])


def test_writes_of_every_writer_are_durable(binmap, tmp_path, monkeypatch, capsys):
    """The plot, the regions and the batch summary are flushed like the bin map."""
    cube_file = write_cube_fits(pixbin.datasets.make_mock_galaxy(shape=(20, 20)),
                                tmp_path / 'cube.fits')
    flushed = []
    fsync = os.fsync

    def logged(fd):
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            flushed.append(os.fstat(fd).st_size)
        fsync(fd)

    monkeypatch.setattr(os, 'fsync', logged)
    assert main(['bin', str(cube_file), '--snr', '5', '-o', str(tmp_path / 'b.fits'),
                 '--plot', str(tmp_path / 'm.png'), '--regions', str(tmp_path / 'b.reg'),
                 '--no-progress']) == 0
    assert main(['batch', str(cube_file), '-o', str(tmp_path / 'out'), '--snr', '5',
                 '--scheduler', 'serial', '--no-progress']) == 0
    capsys.readouterr()
    sizes = [os.path.getsize(tmp_path / n) for n in
             ('b.fits', 'm.png', 'b.reg', 'out/cube_bins.fits', 'out/summary.ecsv')]
    assert flushed == sizes
    assert np.all(np.array(sizes) > 0)
