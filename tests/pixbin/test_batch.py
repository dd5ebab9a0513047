# Licensed under a 3-clause BSD style license - see LICENSE
"""Batch binning of many cubes: parallel, resumable, failures isolated."""

import os
import sys

import numpy as np
import pytest
from pixbin_test_helpers import write_cube_fits
from numpy.testing import assert_array_equal

import pixbin
from pixbin.batch import bin_many, output_path, read_config
from pixbin.cli import main

SNR = [10.0] * 7 + [0.0] * 5


@pytest.fixture
def cubes(tmp_path):
    folder = tmp_path / 'cubes'
    folder.mkdir()
    for seed in range(3):
        write_cube_fits(pixbin.datasets.make_mock_galaxy(shape=(40, 40), seed=seed),
                        folder / f'gal{seed}.fits')
    (folder / 'broken.fits').write_bytes(b'not a FITS file at all')
    return folder


@pytest.mark.parametrize('scheduler', ['serial', 'processes', None])
def test_bin_many_bins_each_cube_and_isolates_failures(cubes, tmp_path, scheduler):
    if scheduler is None:
        pytest.importorskip('dask.distributed')
    out = tmp_path / 'out'
    table = bin_many(str(cubes / '*.fits'), out, scheduler=scheduler, workers=2,
                     progress=False, snr=SNR, ref_band=4, min_diameter=4)
    assert list(table['status']) == ['failed', 'done', 'done', 'done']
    assert 'broken.fits: not a readable FITS file' in table['error'][0]
    assert table.meta == {'done': 3, 'skipped': 0, 'failed': 1}
    for row in table[1:]:
        bm = pixbin.read_binmap(row['output'])
        assert bm.nbins == row['nbins'] > 0
        direct = pixbin.bin_pixels(pixbin.io.read_cube(row['input']), SNR, ref_band=4,
                                   min_diameter=4)
        assert_array_equal(bm.labels, direct.labels)
    assert not (out / 'broken_bins.fits').exists()


def test_resume_skips_complete_outputs(cubes, tmp_path):
    out = tmp_path / 'out'
    first = bin_many([cubes / 'gal0.fits', cubes / 'gal1.fits'], out, scheduler='serial',
                     progress=False, snr=SNR)
    assert list(first['status']) == ['done', 'done']
    stamp = os.stat(out / 'gal0_bins.fits').st_mtime_ns
    # a stale partial output (not a bin map) is redone; the complete ones are skipped
    (out / 'gal2_bins.fits').write_bytes(b'partial')
    second = bin_many(str(cubes / 'gal*.fits'), out, scheduler='serial', progress=False,
                      snr=SNR)
    assert list(second['status']) == ['skipped', 'skipped', 'failed']
    # a skipped input reports the bins of the output it already has
    assert list(second['nbins'][:2]) == list(first['nbins'])
    assert list(second['nbins_spec'][:2]) == [-1, -1]
    assert 'exists; pass overwrite=True' in second['error'][2]
    assert os.stat(out / 'gal0_bins.fits').st_mtime_ns == stamp
    third = bin_many(str(cubes / 'gal*.fits'), out, scheduler='serial', progress=False,
                     snr=SNR, overwrite=True)
    assert list(third['status']) == ['done', 'done', 'done']


def test_config_file_and_options(tmp_path):
    config = tmp_path / 'params.toml'
    config.write_text('[pixbin]\nsnr = [10, 10, 0]\nref_band = "r"\nmin_diameter = 3\n')
    assert read_config(config) == {'snr': [10, 10, 0], 'ref_band': 'r', 'min_diameter': 3}
    config.write_text('snr = 5\nwhatever = 1\n')
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['whatever'\]"):
        read_config(config)
    config.write_text('snr = [1, 2')
    with pytest.raises(ValueError, match='not a valid TOML file'):
        read_config(config)
    config.write_bytes(b'snr = 5\nref_band = "\xff"\n')       # not UTF-8
    with pytest.raises(ValueError, match=r'params.toml: not a valid TOML file \('):
        read_config(config)
    config.write_text('pixbin = 3\n')
    with pytest.raises(ValueError, match=r'params.toml: \[pixbin\] must be a table of options, '
                                         r'got int 3'):
        read_config(config)
    for line, message in [('covariance = "abc"', "could not convert string to float: 'abc'"),
                          ('redchi2_limit = "four"', "could not convert string to float"),
                          ('snr = "ten"', 'expected a number or comma-separated numbers')]:
        config.write_text(line + '\n')
        name = line.split()[0]
        with pytest.raises(ValueError, match=f'params.toml: option {name}: {message}'):
            read_config(config)
    with pytest.raises(TypeError, match="overwrite must be True or False, got 'no'"):
        bin_many('x.fits', tmp_path, snr=5, overwrite='no')
    for workers in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match=f'workers must be a positive number of workers '
                                             f'or None, got {workers!r}'):
            bin_many('x.fits', tmp_path, snr=5, workers=workers)
    with pytest.raises(ValueError, match='snr is required'):
        bin_many('x.fits', tmp_path, scheduler='serial')
    with pytest.raises(ValueError, match="no file matches"):
        bin_many(str(tmp_path / '*.nothing'), tmp_path, snr=5)
    assert output_path('/a/b/ngc309.fits.gz', 'out') == os.path.join('out', 'ngc309_bins.fits')


def test_config_text_values_are_read_as_on_the_command_line(cubes, tmp_path):
    """min_diameter = "6arcsec" is an angle, converted with each cube's WCS (1.5 arcsec)."""
    import astropy.units as u
    config = tmp_path / 'params.toml'
    config.write_text('snr = "10,10,10,10,10,10,10,0,0,0,0,0"\nref_band = "4"\n'
                      'min_diameter = "6arcsec"\nbands = "4000-4500,0.5-0.55um"\n')
    options = read_config(config)
    assert options['snr'] == SNR and options['ref_band'] == 4
    assert options['min_diameter'] == 6 * u.arcsec
    np.testing.assert_allclose(options['bands'].to_value(u.AA), [[4000, 4500], [5000, 5500]],
                               rtol=1e-12)
    del options['bands']
    table = bin_many(str(cubes / 'gal1.fits'), tmp_path / 'out', scheduler='serial',
                     progress=False, **options)
    bm = pixbin.read_binmap(table['output'][0])
    assert bm.meta['min_diameter'] == 4.0
    direct = pixbin.bin_pixels(pixbin.io.read_cube(cubes / 'gal1.fits'), SNR, ref_band=4,
                               min_diameter=4)
    assert_array_equal(bm.labels, direct.labels)
    config.write_text('snr = 5\nmin_diameter = "6 s"\n')
    with pytest.raises(ValueError, match=r"params.toml: option min_diameter: expected a number "
                                         r"of pixels or an angle with its unit, e.g. 4 or "
                                         r"0.8arcsec, got '6 s'"):
        read_config(config)


def test_batch_command(cubes, tmp_path, capsys):
    config = tmp_path / 'params.toml'
    config.write_text('snr = [10, 10, 10, 10, 10, 10, 10, 0, 0, 0, 0, 0]\nref_band = 4\n')
    out = tmp_path / 'out'
    code = main(['batch', str(cubes / '*.fits'), '--config', str(config), '-o', str(out),
                 '--scheduler', 'processes', '--workers', '2', '--min-diameter', '4'])
    text = capsys.readouterr().out
    assert code == 1                       # broken.fits failed
    assert '3 binned, 0 skipped (already done), 1 failed' in text
    assert 'broken.fits' in text and 'gal2.fits' in text
    from astropy.table import Table
    summary = Table.read(out / 'summary.ecsv')
    assert list(summary['status']) == ['failed', 'done', 'done', 'done']
    bm = pixbin.read_binmap(out / 'gal1_bins.fits')
    assert bm.meta['min_diameter'] == 4.0 and bm.meta['ref_band'] == 'sdss_r'
    (cubes / 'broken.fits').unlink()
    code = main(['batch', str(cubes / '*.fits'), '--config', str(config), '-o', str(out),
                 '--scheduler', 'serial'])
    assert code == 0
    assert '0 binned, 3 skipped (already done), 0 failed' in capsys.readouterr().out
    assert np.all(bm.snr[:, :7] >= 10)


def test_skipped_spectrophotometric_output_reports_both_counts(tmp_path):
    cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(40, 40))
    bm = pixbin.bin_pixels(cube, SNR, ref_band=4, min_diameter=4, spectra=spectra,
                           spec_region=footprint)
    assert 0 < bm.nbins_spec < bm.nbins
    out = tmp_path / 'out'
    out.mkdir()
    bm.write(out / 'ifu_bins.fits')
    table = bin_many([tmp_path / 'ifu.fits'], out, scheduler='serial', progress=False, snr=SNR)
    assert list(table['status']) == ['skipped']
    assert (table['nbins'][0], table['nbins_spec'][0]) == (bm.nbins, bm.nbins_spec)


@pytest.fixture
def no_dask(monkeypatch):
    """dask.distributed cannot be imported, as on a plain install."""
    for name in ('dask.distributed', 'distributed'):
        monkeypatch.setitem(sys.modules, name, None)     # import raises ImportError
    from pixbin.batch import has_dask_distributed
    assert not has_dask_distributed()


def test_default_scheduler_without_dask_uses_a_process_pool(cubes, tmp_path, no_dask,
                                                            monkeypatch):
    import concurrent.futures
    import pixbin.batch
    pools, executor = [], pixbin.batch._executor

    def spy(scheduler, workers):                     # which executor bin_many makes
        pools.append(scheduler)
        return executor(scheduler, workers)

    monkeypatch.setattr(pixbin.batch, '_executor', spy)
    made = []
    real_pool = concurrent.futures.ProcessPoolExecutor
    monkeypatch.setattr(concurrent.futures, 'ProcessPoolExecutor',
                        lambda *a, **k: made.append(real_pool(*a, **k)) or made[-1])
    out = tmp_path / 'out'
    inputs = [cubes / 'gal0.fits', cubes / 'gal1.fits']
    with pytest.warns(pixbin.PixbinWarning, match=r"dask.distributed is not installed: "
                      r"binning on a local process pool \(scheduler='processes'\)") as caught:
        table = bin_many(inputs, out, workers=2, progress=False, snr=SNR, ref_band=4,
                         min_diameter=4)
    assert len(caught) == 1                          # said once for the whole batch
    assert pools == ['processes'] and len(made) == 1   # a process pool binned them
    assert list(table['status']) == ['done', 'done']
    for path, row in zip(inputs, table):
        assert row['output'] == str(out / f'{path.stem}_bins.fits')
        bm = pixbin.read_binmap(row['output'])
        direct = pixbin.bin_pixels(pixbin.io.read_cube(path), SNR, ref_band=4, min_diameter=4)
        assert bm.nbins == row['nbins'] == direct.nbins > 0
        assert_array_equal(bm.labels, direct.labels)
    # an explicit dask scheduler still needs dask.distributed, and says so
    with pytest.raises(ImportError, match=r"scheduler='tcp://127.0.0.1:8786' \(a dask "
                       r"scheduler address\) needs dask.distributed: pip install "
                       r"'astro-pixbin\[dask\]'"):
        bin_many(inputs, tmp_path / 'other', scheduler='tcp://127.0.0.1:8786',
                 progress=False, snr=SNR)


def test_batch_command_without_dask_says_it_uses_processes(cubes, tmp_path, capsys, no_dask):
    out = tmp_path / 'out'
    code = main(['batch', str(cubes / 'gal*.fits'), '-o', str(out), '--workers', '2',
                 '--snr', ','.join(str(s) for s in SNR), '--ref-band', '4'])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.count('dask.distributed is not installed') == 1
    assert "pixbin batch: dask.distributed is not installed: binning on a local process " \
           "pool (scheduler='processes')" in captured.err
    assert '3 binned, 0 skipped (already done), 0 failed' in captured.out
    for seed in range(3):
        bm = pixbin.read_binmap(out / f'gal{seed}_bins.fits')
        assert bm.nbins > 0 and np.all(bm.snr[:, :7] >= 10)
    code = main(['batch', str(cubes / 'gal0.fits'), '-o', str(tmp_path / 'o2'),
                 '--scheduler', 'tcp://127.0.0.1:8786', '--snr', '10'])
    assert code == 2
    assert ('pixbin batch: error: --scheduler tcp://127.0.0.1:8786: a dask scheduler '
            'address needs dask.distributed') in capsys.readouterr().err
    assert not (tmp_path / 'o2').exists()


def _crash_on_gal1(path, output, options, overwrite=False):
    """bin_one, except that the worker process dies on gal1 (as when it is killed)."""
    if 'gal1' in os.fspath(path):
        os._exit(3)
    return _real_bin_one(path, output, options, overwrite)


_real_bin_one = pixbin.batch.bin_one


def test_a_dead_worker_fails_its_cube_not_the_batch(cubes, tmp_path, monkeypatch):
    """A worker process that dies: bin_many still returns its table, that cube failed."""
    import multiprocessing
    if multiprocessing.get_start_method() != 'fork':
        pytest.skip('the crashing stand-in reaches the workers only when they are forked')
    monkeypatch.setattr(pixbin.batch, 'bin_one', _crash_on_gal1)
    inputs = [cubes / 'gal0.fits', cubes / 'gal1.fits', cubes / 'gal2.fits']
    table = bin_many(inputs, tmp_path / 'out', scheduler='processes', workers=1,
                     progress=False, snr=SNR, ref_band=4)
    assert list(table['input']) == [str(p) for p in inputs]
    row = table[1]
    assert row['status'] == 'failed' and row['error'].startswith('BrokenProcessPool')
    assert set(table['status']) <= {'done', 'failed'}
    # a second run bins what the broken pool left, and skips what it finished
    monkeypatch.setattr(pixbin.batch, 'bin_one', _real_bin_one)
    again = bin_many(inputs, tmp_path / 'out', scheduler='serial', progress=False, snr=SNR,
                     ref_band=4)
    assert list(again['status'][1:2]) == ['done']
    assert all(s in ('done', 'skipped') for s in again['status'])
