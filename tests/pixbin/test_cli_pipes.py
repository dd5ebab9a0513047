# Licensed under a 3-clause BSD style license - see LICENSE
"""
``pixbin info FILE | head -1``: a reader that goes away ends every command
quietly (exit 0, no traceback), and a command whose output nobody reads still
does all its work.  Real processes on real pipes.
"""

import os
import subprocess
import sys

import pytest
from pixbin_test_helpers import write_cube_fits

import pixbin

# What the ``pixbin`` console script runs.
PIXBIN = [sys.executable, '-c', 'import sys; from pixbin.cli import main; sys.exit(main())']


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp('pipes')
    cube = write_cube_fits(pixbin.datasets.make_mock_galaxy(shape=(20, 20)),
                           folder / 'cube.fits')
    bins = folder / 'bins.fits'
    pixbin.bin_pixels(pixbin.io.read_cube(cube), 5.0, ref_band=4).write(bins)
    return folder


def run_into_closed_pipe(args, cwd):
    """Run pixbin with its standard output on a pipe whose reader has already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(PIXBIN + [str(a) for a in args], stdout=write_end,
                                stderr=subprocess.PIPE, cwd=cwd, timeout=300)
    finally:
        os.close(write_end)
    return result.returncode, result.stderr.decode()


COMMANDS = [
    ['info', 'bins.fits'],
    ['bin', 'cube.fits', '--snr', '5', '-o', 'new.fits', '--plot', 'new.png',
     '--regions', 'new.reg', '--no-progress'],
    ['batch', 'cube.fits', '-o', 'batch', '--snr', '5', '--scheduler', 'serial',
     '--no-progress'],
    ['demo', '--size', '30', '-o', 'demo.png'],
    ['--help'],
    ['info', '--help'],
]


@pytest.mark.parametrize('args', COMMANDS, ids=[' '.join(c[:2]) for c in COMMANDS])
def test_closed_pipe_ends_quietly(files, tmp_path, args):
    for name in ('bins.fits', 'cube.fits'):
        (tmp_path / name).write_bytes((files / name).read_bytes())
    code, err = run_into_closed_pipe(args, tmp_path)
    assert code == 0, err
    assert err == ''
    # nothing lost: the command did all its work although nobody read its output
    if args[0] == 'bin':
        assert pixbin.read_binmap(tmp_path / 'new.fits').nbins > 0
        assert (tmp_path / 'new.png').read_bytes()[:4] == b'\x89PNG'
        assert 'polygon' in (tmp_path / 'new.reg').read_text()
    elif args[0] == 'batch':
        assert pixbin.io.is_binmap_file(tmp_path / 'batch' / 'cube_bins.fits')
        assert 'done' in (tmp_path / 'batch' / 'summary.ecsv').read_text()
    elif args[0] == 'demo':
        assert (tmp_path / 'demo.png').read_bytes()[:4] == b'\x89PNG'


def test_head_reads_the_first_line(files):
    """The shell pipeline itself: head gets the first line, pixbin exits quietly."""
    shell = subprocess.run(
        ['bash', '-c', 'set -o pipefail; "$@" info bins.fits | head -1', 'bash'] + PIXBIN,
        capture_output=True, cwd=files, timeout=300, text=True)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout == 'bins.fits: ' + shell.stdout.split(': ', 1)[1]
    assert shell.stdout.count('\n') == 1 and ' bins on a 20 x 20 pixel grid' in shell.stdout
    assert shell.stderr == ''


def test_errors_still_reach_stderr_with_a_closed_pipe(files, tmp_path):
    code, err = run_into_closed_pipe(['info', 'cube.fits'], files)
    assert code == 2
    assert err.startswith('pixbin info: error: ') and 'is not a bin-map file' in err
    assert err.count('\n') == 1 and 'Traceback' not in err
