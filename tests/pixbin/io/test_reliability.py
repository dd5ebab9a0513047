# Licensed under a 3-clause BSD style license - see LICENSE
"""
Nothing is lost: writes are atomic (an interrupted or failed write leaves the
old file and no temporary file), overwriting needs to be asked for, and reading
never modifies a file.  Permission problems are simulated with monkeypatch, as
the tests may run as root.
"""

import gzip
import os

import numpy as np
import pytest
from astropy.io import fits
from pixbin_test_helpers import write_cube_fits, write_fluxmap_fits
from numpy.testing import assert_array_equal

import pixbin
from pixbin import BinMap, bin_pixels, read_binmap, read_pixedfit
from pixbin.cli import main
from pixbin.io import is_binmap_file, read_cube, read_input, write_binmap


@pytest.fixture(scope='module')
def binmap():
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    return bin_pixels(cube, 5.0, ref_band=4)


@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / 'bins.fits'
    path.write_bytes(b'the old file')
    return path


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


# -- interrupted and failed writes --------------------------------------------------------------

@pytest.mark.parametrize('exists', [False, True])
def test_interrupted_write_keeps_the_old_file_and_no_temporary(binmap, tmp_path,
                                                               monkeypatch, exists):
    path = tmp_path / 'bins.fits'
    if exists:
        path.write_bytes(b'the old file')
    seen = []

    def interrupted(self, name, *args, **kwargs):
        seen.append(name)
        with open(name, 'wb') as f:           # half a file, then Ctrl-C
            f.write(b'SIMPLE  =                    T')
        raise KeyboardInterrupt

    monkeypatch.setattr(fits.HDUList, 'writeto', interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_binmap(binmap, path, overwrite=True)
    assert len(seen) == 1 and os.path.dirname(seen[0]) == str(tmp_path)
    assert os.path.basename(seen[0]).startswith('.bins.fits.')
    assert listing(tmp_path) == (['bins.fits'] if exists else [])
    if exists:
        assert path.read_bytes() == b'the old file'


def test_failed_rename_keeps_the_old_file(binmap, old_file, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, 'Permission denied', str(dst))

    monkeypatch.setattr(os, 'replace', refuse)
    with pytest.raises(PermissionError):
        binmap.write(old_file, overwrite=True)
    assert old_file.read_bytes() == b'the old file'
    assert listing(old_file.parent) == ['bins.fits']


def test_file_that_appears_while_writing_is_not_replaced(binmap, tmp_path, monkeypatch):
    path = tmp_path / 'bins.fits'
    writeto = fits.HDUList.writeto

    def racing(self, name, *args, **kwargs):
        path.write_bytes(b'written by someone else meanwhile')
        writeto(self, name, *args, **kwargs)

    monkeypatch.setattr(fits.HDUList, 'writeto', racing)
    with pytest.raises(FileExistsError, match='exists; pass overwrite=True'):
        binmap.write(path)
    assert path.read_bytes() == b'written by someone else meanwhile'
    assert listing(tmp_path) == ['bins.fits']


def test_file_system_without_hard_links(binmap, tmp_path, monkeypatch):
    def no_links(src, dst):
        raise OSError(95, 'Operation not supported')

    monkeypatch.setattr(os, 'link', no_links)
    binmap.write(tmp_path / 'bins.fits')
    assert listing(tmp_path) == ['bins.fits']
    assert_array_equal(read_binmap(tmp_path / 'bins.fits').labels, binmap.labels)
    with pytest.raises(FileExistsError):
        binmap.write(tmp_path / 'bins.fits')


@pytest.mark.parametrize('where, error, match', [
    ('missing/bins.fits', FileNotFoundError, 'folder .*missing does not exist'),
    ('a_file/bins.fits', FileNotFoundError, 'folder .*a_file does not exist'),
    ('a_folder.fits', IsADirectoryError, 'a_folder.fits: it is a folder'),
])
def test_impossible_places_leave_nothing(binmap, tmp_path, where, error, match):
    (tmp_path / 'a_file').write_bytes(b'x')
    (tmp_path / 'a_folder.fits').mkdir()
    with pytest.raises(error, match=match):
        binmap.write(tmp_path / where, overwrite=True)
    assert listing(tmp_path) == ['a_file', 'a_folder.fits']
    assert list((tmp_path / 'a_folder.fits').iterdir()) == []


def test_overwrite_only_when_asked(binmap, old_file):
    with pytest.raises(FileExistsError, match='bins.fits exists; pass overwrite=True'):
        binmap.write(old_file)
    with pytest.raises(FileExistsError):
        write_binmap(binmap, str(old_file), overwrite=False)
    assert old_file.read_bytes() == b'the old file'
    binmap.write(old_file, overwrite=True)
    assert read_binmap(old_file).nbins == binmap.nbins
    assert listing(old_file.parent) == ['bins.fits']


def test_compressed_name_gives_a_compressed_file(binmap, tmp_path):
    """The temporary file ends like the target, so a .fits.gz is really gzipped."""
    binmap.write(tmp_path / 'bins.fits.gz')
    raw = (tmp_path / 'bins.fits.gz').read_bytes()
    assert raw[:2] == b'\x1f\x8b'
    assert gzip.decompress(raw)[:6] == b'SIMPLE'
    assert_array_equal(BinMap.read(tmp_path / 'bins.fits.gz').labels, binmap.labels)
    assert listing(tmp_path) == ['bins.fits.gz']


def test_compressed_input_files_are_read(tmp_path):
    """A .fits.gz or .fits.bz2 input is read like the plain file; one cut short is refused."""
    import bz2
    cube = pixbin.datasets.make_mock_galaxy(shape=(30, 30))
    plain = write_cube_fits(cube, tmp_path / 'cube.fits')
    raw = plain.read_bytes()
    (tmp_path / 'cube.fits.gz').write_bytes(gzip.compress(raw))
    (tmp_path / 'cube.fits.bz2').write_bytes(bz2.compress(raw))
    expected = bin_pixels(plain, 5)
    for name in ('cube.fits.gz', 'cube.fits.bz2'):
        read = read_input(tmp_path / name)['cube']
        assert_array_equal(read.data, read_input(plain)['cube'].data)
        assert_array_equal(bin_pixels(tmp_path / name, 5).labels, expected.labels)
    packed = gzip.compress(raw)
    (tmp_path / 'cut.fits.gz').write_bytes(packed[:len(packed) // 2])
    with pytest.raises(ValueError, match='cut.fits.gz: not a readable FITS file'):
        read_input(tmp_path / 'cut.fits.gz')


def test_unknown_format_name_leaves_nothing(binmap, tmp_path):
    with pytest.raises(ValueError, match="bins.dat: cannot tell the file format from the name"):
        binmap.write(tmp_path / 'bins.dat')
    binmap.write(tmp_path / 'bins.dat', format='pixbin')
    assert read_binmap(tmp_path / 'bins.dat').nbins == binmap.nbins
    with pytest.raises(ValueError, match='BinMap.write: No writer defined for format'):
        binmap.write(tmp_path / 'x.fits', format='votable')
    assert listing(tmp_path) == ['bins.dat']


# -- the command line ----------------------------------------------------------------------------

@pytest.fixture
def cube_file(tmp_path):
    return write_cube_fits(pixbin.datasets.make_mock_galaxy(shape=(20, 20)),
                           tmp_path / 'cube.fits')


def test_cli_interrupted_keeps_the_old_output(cube_file, tmp_path, monkeypatch, capsys):
    out = tmp_path / 'bins.fits'
    out.write_bytes(b'the old file')

    def interrupted(self, name, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fits.HDUList, 'writeto', interrupted)
    with pytest.raises(KeyboardInterrupt):
        main(['bin', str(cube_file), '--snr', '5', '-o', str(out), '--overwrite',
              '--no-progress'])
    assert out.read_bytes() == b'the old file'
    assert listing(tmp_path) == ['bins.fits', 'cube.fits']


def test_cli_refuses_to_overwrite_a_picture(cube_file, tmp_path, capsys):
    (tmp_path / 'map.png').write_bytes(b'my picture')
    code = main(['bin', str(cube_file), '--snr', '5', '-o', str(tmp_path / 'bins.fits'),
                 '--plot', str(tmp_path / 'map.png'), '--no-progress'])
    assert code == 2
    assert 'map.png exists; pass overwrite=True (--overwrite)' in capsys.readouterr().err
    assert (tmp_path / 'map.png').read_bytes() == b'my picture'


@pytest.mark.parametrize('option, target', [
    ('--plot', 'map.png'),              # exists, no --overwrite
    ('--plot', 'missing/map.png'),
    ('--regions', 'missing/bins.reg'),
])
def test_cli_failing_extra_output_leaves_nothing(cube_file, tmp_path, capsys, option, target):
    (tmp_path / 'map.png').write_bytes(b'my picture')
    code = main(['bin', str(cube_file), '--snr', '5', '-o', str(tmp_path / 'bins.fits'),
                 option, str(tmp_path / target), '--no-progress'])
    assert code == 2
    assert listing(tmp_path) == ['cube.fits', 'map.png']


# -- reading never modifies a file ----------------------------------------------------------------

def snapshot(path):
    stat = os.stat(path)
    return path.read_bytes(), stat.st_mtime_ns, stat.st_mode


@pytest.fixture
def files(tmp_path, binmap):
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    paths = {
        'bins': tmp_path / 'bins.fits',
        'cube': write_cube_fits(cube, tmp_path / 'cube.fits'),
        'fluxmap': write_fluxmap_fits(tmp_path / 'fluxmap.fits', cube,
                                      np.ones((20, 20), bool)),
    }
    binmap.write(paths['bins'])
    data = paths['bins'].read_bytes()
    paths['truncated'] = tmp_path / 'truncated.fits'
    paths['truncated'].write_bytes(data[:len(data) // 2 + 1000])
    with fits.open(paths['bins']) as hdul:
        hdul['BIN_MAP'].data[hdul['BIN_MAP'].data == binmap.nbins] = 0
        hdul.writeto(tmp_path / 'inconsistent.fits')
    paths['inconsistent'] = tmp_path / 'inconsistent.fits'
    for path in paths.values():       # read-only files are read as well
        os.chmod(path, 0o444)
    return paths


def test_reading_never_modifies_a_file(files, tmp_path, capsys):
    before = {name: snapshot(path) for name, path in files.items()}
    assert read_binmap(files['bins']).nbins > 0
    assert BinMap.read(files['bins']).nbins > 0
    assert is_binmap_file(files['bins']) and not is_binmap_file(files['cube'])
    assert read_cube(files['cube']).data.shape == (12, 20, 20)
    assert read_input(files['fluxmap'])['cube'].data.shape == (12, 20, 20)
    assert read_pixedfit(files['fluxmap'])['cube'].data.shape == (12, 20, 20)
    assert bin_pixels(files['cube'], 5.0).nbins > 0
    for name in ('truncated', 'inconsistent'):
        with pytest.raises(ValueError):
            read_binmap(files[name])
        is_binmap_file(files[name])
    assert main(['info', str(files['bins'])]) == 0
    assert main(['info', str(files['inconsistent'])]) == 2
    assert main(['bin', str(files['fluxmap']), '--snr', '5', '-o',
                 str(tmp_path / 'new.fits'), '--no-progress']) == 0
    capsys.readouterr()
    assert {name: snapshot(path) for name, path in files.items()} == before
