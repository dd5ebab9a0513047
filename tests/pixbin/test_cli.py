# Licensed under a 3-clause BSD style license - see LICENSE
import pytest

from pixbin.cli import main


def test_demo_prints_bins_and_writes_png(tmp_path, capsys):
    out = tmp_path / 'demo.png'
    assert main(['demo', '--size', '60', '-o', str(out)]) == 0
    text = capsys.readouterr().out
    assert 'number of bins:' in text and f'wrote {out}' in text
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_demo_replaces_only_its_own_picture(tmp_path, capsys):
    out = tmp_path / 'demo.png'
    assert main(['demo', '--size', '30', '-o', str(out)]) == 0
    first = out.read_bytes()
    # run again (the README command twice): an earlier demo picture is replaced
    assert main(['demo', '--size', '40', '-o', str(out)]) == 0
    assert out.read_bytes() != first
    # a file the demo did not write is kept unless --overwrite
    other = tmp_path / 'mine.png'
    other.write_bytes(b'not the demo')
    assert main(['demo', '--size', '30', '-o', str(other)]) == 2
    assert 'pass overwrite=True (--overwrite)' in capsys.readouterr().err
    assert other.read_bytes() == b'not the demo'
    assert main(['demo', '--size', '30', '-o', str(other), '--overwrite']) == 0
    assert other.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith('.')] == []


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(['--help'])
    assert info.value.code == 0
    assert 'demo' in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(['frobnicate'])
    assert info.value.code == 2


import numpy as np  # noqa: E402
from pixbin_test_helpers import write_cube_fits  # noqa: E402

import pixbin  # noqa: E402


@pytest.fixture
def cube_file(tmp_path):
    """A plain FITS cube of the mock galaxy with BUNIT, ERR and band names."""
    return write_cube_fits(pixbin.datasets.make_mock_galaxy(shape=(50, 50)),
                           tmp_path / 'cube.fits')


def test_bin_writes_file_plot_and_regions(cube_file, tmp_path, capsys):
    out = tmp_path / 'bins.fits'
    code = main(['bin', str(cube_file), '--snr', '10,10,10,10,10,10,10,0,0,0,0,0',
                 '--ref-band', 'sdss_r', '--min-diameter', '4', '--redchi2-limit', '4',
                 '-o', str(out), '--plot', str(tmp_path / 'map.png'),
                 '--regions', str(tmp_path / 'bins.reg'), '--no-progress'])
    assert code == 0
    text = capsys.readouterr().out
    bm = pixbin.read_binmap(out)
    assert f'{bm.nbins} bins' in text
    expected = pixbin.bin_pixels(pixbin.io.read_cube(cube_file), [10] * 7 + [0] * 5,
                                 ref_band=4, min_diameter=4)
    np.testing.assert_array_equal(bm.labels, expected.labels)
    assert (tmp_path / 'map.png').read_bytes()[:4] == b'\x89PNG'
    text = (tmp_path / 'bins.reg').read_text()
    assert text.count('text={bin ') >= bm.nbins and text.count('polygon') >= bm.nbins


def test_bin_method_option(cube_file, tmp_path):
    """--method greedy gives piXedfit's scheme, the default the complete one."""
    snr = [10] * 7 + [0] * 5
    cube = pixbin.io.read_cube(cube_file)
    for method in ('greedy', 'complete'):
        out = tmp_path / f'{method}.fits'
        args = ['bin', str(cube_file), '--snr', ','.join(map(str, snr)), '--ref-band', '4',
                '--min-diameter', '4', '-o', str(out), '--no-progress']
        assert main(args + (['--method', 'greedy'] if method == 'greedy' else [])) == 0
        bm = pixbin.read_binmap(out)
        expected = pixbin.bin_pixels(cube, snr, ref_band=4, min_diameter=4, method=method)
        np.testing.assert_array_equal(bm.labels, expected.labels)
        assert bm.meta['method'] == method
    assert not np.array_equal(pixbin.read_binmap(tmp_path / 'greedy.fits').labels,
                              pixbin.read_binmap(tmp_path / 'complete.fits').labels)


def test_bin_min_diameter_as_an_angle(cube_file, tmp_path, capsys):
    """--min-diameter takes an angle, converted with the WCS pixel scale (1.5 arcsec here)."""
    snr = ','.join(['10'] * 7 + ['0'] * 5)
    out = tmp_path / 'angle.fits'
    assert main(['bin', str(cube_file), '--snr', snr, '--min-diameter', '6arcsec', '-o',
                 str(out), '--no-progress']) == 0
    bm = pixbin.read_binmap(out)
    expected = pixbin.bin_pixels(pixbin.io.read_cube(cube_file), [10] * 7 + [0] * 5,
                                 min_diameter=4)
    np.testing.assert_array_equal(bm.labels, expected.labels)
    assert bm.meta['min_diameter'] == 4.0
    assert not np.array_equal(bm.labels, pixbin.bin_pixels(
        pixbin.io.read_cube(cube_file), [10] * 7 + [0] * 5, min_diameter=6).labels)
    capsys.readouterr()
    for text in ('6s', 'six', '6 furlongs'):         # a time, no number, no unit astropy knows
        with pytest.raises(SystemExit) as info:
            main(['bin', str(cube_file), '--snr', '10', '--min-diameter', text, '-o',
                  str(tmp_path / 'x.fits')])
        assert info.value.code == 2
        assert (f'argument --min-diameter: expected a number of pixels or an angle with its '
                f'unit, e.g. 4 or 0.8arcsec, got {text!r}') in capsys.readouterr().err
    assert not (tmp_path / 'x.fits').exists()


def test_bin_progress_bar_on_stderr(cube_file, tmp_path, capsys):
    assert main(['bin', str(cube_file), '--snr', '5', '-o', str(tmp_path / 'b.fits'),
                 '--progress']) == 0
    assert 'binning: 100%' in capsys.readouterr().err


def test_info_summarises(cube_file, tmp_path, capsys):
    out = tmp_path / 'bins.fits'
    assert main(['bin', str(cube_file), '--snr', '8', '-o', str(out), '--covariance',
                 '1.62']) == 0
    capsys.readouterr()
    assert main(['info', str(out)]) == 0
    text = capsys.readouterr().out
    bm = pixbin.read_binmap(out)
    assert f'{bm.nbins} bins on a 50 x 50 pixel grid' in text
    assert 'WCS: yes' in text and 'sdss_r' in text and 'threshold 8' in text
    assert 'covariance correction: 1.62' in text
    # the core diameter in pixels and, with the WCS (1.5 arcsec pixels), as an angle
    assert 'min_diameter=2 px (3 arcsec),' in text
    # a file with thresholds for its first bands only (PBSNR3 edited out)
    from astropy.io import fits
    with fits.open(out) as hdul:
        hdul = fits.HDUList([hdu.copy() for hdu in hdul])
    del hdul[0].header['PBSNR3']
    hdul.writeto(tmp_path / 'edited.fits')
    assert main(['info', str(tmp_path / 'edited.fits')]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = lines.index('  bands (S/N threshold, minimum S/N over bins):') + 1
    bands = lines[first:first + 12]
    assert ['threshold 8' in line for line in bands] == [True] * 3 + [False] * 9
    assert all(' min ' in line for line in bands)


@pytest.mark.parametrize('args, message', [
    (['bin', '{cube}', '--snr', '10,3', '-o', '{out}'],
     'snr must be a scalar or have one value per band (12), got 2 value(s)'),
    (['bin', '{missing}', '--snr', '10', '-o', '{out}'], 'missing.fits: no such file'),
    (['bin', '{cube}', '--snr', '10', '--ref-band', 'vband', '-o', '{out}'],
     "ref_band 'vband' is not a band name"),
    (['bin', '{cube}', '--snr', '10', '--min-diameter', '-3', '-o', '{out}'],
     'min_diameter must be a finite positive number'),
    (['bin', '{cube}', '--snr', '10', '-o', '{tmp}/nofolder/x.fits'], 'does not exist'),
    # checked before the binning: no bin-map file is left behind
    (['bin', '{cube}', '--snr', '10', '-o', '{out}', '--plot', '{tmp}/map.xyz'],
     'error: --plot {tmp}/map.xyz: matplotlib cannot write .xyz pictures; use one of '),
    # any other file-system error is a one-line error too
    (['bin', '{cube}', '--snr', '10', '-o', '{tmp}/' + 'x' * 300 + '.fits'],
     'File name too long'),
    (['batch', '{cube}', '-o', '{tmp}/batch', '--snr', '10', '--workers', '0'],
     'workers must be a positive number of workers or None, got 0'),
    (['info', '{cube}'], 'is not a bin-map file'),
    (['info', '{missing}'], 'no such file'),
])
def test_user_errors_give_one_line_and_exit_2(cube_file, tmp_path, capsys, args, message):
    fill = {'cube': cube_file, 'out': tmp_path / 'out.fits', 'missing': tmp_path / 'missing.fits',
            'tmp': tmp_path}
    code = main([a.format(**fill) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message.format(**fill) in err
    assert err.count('\n') == 1 and 'Traceback' not in err
    assert not (tmp_path / 'out.fits').exists()


def test_overwrite_needs_the_flag(cube_file, tmp_path, capsys):
    out = tmp_path / 'bins.fits'
    out.write_bytes(b'keep me')
    assert main(['bin', str(cube_file), '--snr', '8', '-o', str(out)]) == 2
    assert 'exists; pass overwrite=True (--overwrite)' in capsys.readouterr().err
    assert out.read_bytes() == b'keep me'
    assert main(['bin', str(cube_file), '--snr', '8', '-o', str(out), '--overwrite']) == 0
    assert pixbin.read_binmap(out).nbins > 0


def test_bad_option_value_is_a_usage_error(cube_file, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(['bin', str(cube_file), '--snr', 'ten', '-o', str(tmp_path / 'x.fits')])
    assert info.value.code == 2
    assert 'expected a number or comma-separated numbers' in capsys.readouterr().err


def test_info_tells_valid_pixels_from_pixels_without_data(tmp_path, capsys):
    """No-data pixels are not 'unbinned' (SAURON: 188 valid pixels on a 30 x 30 grid)."""
    from astropy.io import fits
    from astropy.nddata import NDData
    cube = pixbin.datasets.make_mock_galaxy(shape=(30, 30))
    y, x = np.indices((30, 30))
    data = np.where(np.hypot(y - 14.5, x - 14.5) > 12, np.nan, cube.data)
    bm = pixbin.bin_pixels(NDData(data, unit=cube.unit, uncertainty=cube.uncertainty,
                                  wcs=cube.wcs, meta=cube.meta), 5.0, ref_band=4)
    path = tmp_path / 'bins.fits'
    bm.write(path)
    assert main(['info', str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    binned = bm.n_binned
    assert lines[1] == (f'  pixels in bins: {binned} ({binned / 900:.1%} of the grid); pixels '
                        f'per bin: min {bm.npix.min()}, median {np.median(bm.npix):g}, max '
                        f'{bm.npix.max()}')
    assert lines[2] == (f'  valid pixels: 448 ({binned} binned, {448 - binned} not binned); '
                        f'pixels without data: 452')
    assert lines[3].startswith('  WCS: yes')
    # a file that does not know its number of valid pixels (older pixbin files) says so
    with fits.open(path) as hdul:
        del hdul[0].header['NVALID']
        hdul.writeto(tmp_path / 'old.fits')
    assert main(['info', str(tmp_path / 'old.fits')]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == (f'  valid pixels: unknown (the file has no NVALID): {900 - binned} '
                        f'pixels in no bin, with or without data')
