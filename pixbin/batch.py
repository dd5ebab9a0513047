# Licensed under a 3-clause BSD style license - see LICENSE
"""
Binning many cubes in parallel: `bin_many` and ``pixbin batch``.
"""

import argparse
import glob
import os
import time
import warnings
from pathlib import Path

import numpy as np

from ._options import OPTIONS
from ._validation import check_bool
from .exceptions import PixbinWarning

__all__ = ['bin_many', 'read_config']

#: Options of `~pixbin.bin_pixels` that a batch configuration may set.
BIN_OPTIONS = tuple(OPTIONS)

#: What the default scheduler does when dask.distributed is not installed.
NO_DASK_FALLBACK = ("dask.distributed is not installed: binning on a local process pool "
                    "(scheduler='processes'); pip install 'astro-pixbin[dask]' for a dask "
                    "cluster")


def has_dask_distributed():
    """Whether dask.distributed can be imported (the ``dask`` extra)."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return False
    return True


def choose_scheduler(scheduler):
    """
    ``(scheduler, note)``: the scheduler `bin_many` uses for ``scheduler``,
    and the note to give the user when it differs (None otherwise).

    None without dask.distributed is a local process pool (`NO_DASK_FALLBACK`).

    Raises
    ------
    ImportError
        If ``scheduler`` is a dask scheduler address and dask.distributed is
        not installed.
    """
    if scheduler in ('processes', 'serial') or has_dask_distributed():
        return scheduler, None
    if scheduler is None:
        return 'processes', NO_DASK_FALLBACK
    raise ImportError(f"bin_many with scheduler={scheduler!r} (a dask scheduler address) "
                      "needs dask.distributed: pip install 'astro-pixbin[dask]' (or use "
                      "scheduler='processes')")


def read_config(path):
    """
    Binning options from a TOML file.

    The file holds `~pixbin.bin_pixels` options at top level or under a
    ``[pixbin]`` table, e.g.::

        snr = [10, 10, 10, 10, 10, 10, 10, 0, 0, 0, 0, 0]
        ref_band = "sdss_r"
        min_diameter = 4
        redchi2_limit = 4.0

    A value given as text is read as on the command line: ``min_diameter =
    "0.8arcsec"`` is an angle (converted with the WCS pixel scale of each
    cube), and spectral cubes take their wavelength windows in Angstrom
    unless a unit follows a window: ``bands = "4760-4950,4950-5150,5150-5370"``.

    Raises
    ------
    ValueError
        If the file is not valid TOML, has unknown options or a text value
        that does not read (the message names the option).

    Examples
    --------
    >>> import os, tempfile
    >>> from pixbin.batch import read_config
    >>> path = os.path.join(tempfile.mkdtemp(), 'params.toml')
    >>> with open(path, 'w') as handle:
    ...     _ = handle.write('''
    ... [pixbin]
    ... snr = [10, 10, 0]
    ... ref_band = "sdss_r"
    ... min_diameter = "0.8 arcsec"
    ... ''')
    >>> read_config(path)
    {'snr': [10, 10, 0], 'ref_band': 'sdss_r', 'min_diameter': <Quantity 0.8 arcsec>}
    """
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    path = os.fspath(path)
    try:
        with open(path, 'rb') as handle:
            config = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f'{path}: not a valid TOML file ({exc})') from None
    config = config.get('pixbin', config)
    if not isinstance(config, dict):
        raise ValueError(f'{path}: [pixbin] must be a table of options, got '
                         f'{type(config).__name__} {config!r}')
    unknown = sorted(set(config) - set(BIN_OPTIONS))
    if unknown:
        raise ValueError(f'{path}: unknown option(s) {unknown}; options are '
                         f'{list(BIN_OPTIONS)}')
    config = dict(config)
    for name, value in config.items():
        parse = OPTIONS[name].parse
        if isinstance(value, str) and parse not in (None, bool):
            try:
                config[name] = parse(value)
            except (argparse.ArgumentTypeError, ValueError) as exc:
                raise ValueError(f'{path}: option {name}: {exc}') from None
    return config


def _expand(paths):
    """Input files from paths and glob patterns, in a stable order, without repeats."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    found = []
    for item in paths:
        item = os.fspath(item)
        matches = sorted(glob.glob(item)) if glob.has_magic(item) else [item]
        if not matches:
            raise ValueError(f'no file matches {item!r}')
        found.extend(matches)
    return list(dict.fromkeys(found))


def output_path(path, output_dir):
    """Where the bin map of input ``path`` goes: ``<output_dir>/<stem>_bins.fits``."""
    name = Path(path).name
    for ext in ('.fits.gz', '.fits', '.fit', '.fts'):
        if name.lower().endswith(ext):
            name = name[:-len(ext)]
            break
    return str(Path(output_dir) / f'{name}_bins.fits')


def _existing_counts(path):
    """
    ``(nbins, nbins_spec)`` of an existing, readable bin-map file at ``path``,
    else None (writes are atomic, so a bin-map file is never partial).
    """
    from .io.binmap_fits import binmap_counts
    return binmap_counts(path) if os.path.exists(path) else None


def bin_one(path, output, options, overwrite=False):
    """
    Bin one input file and write its bin map; never raises.

    Returns a dict with ``input``, ``output``, ``status`` ('done' or
    'failed'), ``nbins``, ``nbins_spec``, ``seconds`` and ``error``.
    """
    from .core import bin_pixels
    start = time.perf_counter()
    try:
        bm = bin_pixels(path, **options)      # read by pixbin.io.read_input
        bm.write(output, overwrite=overwrite)
        row = failed_row(path, output)
        row.update(status='done', nbins=bm.nbins,
                   nbins_spec=bm.nbins_spec if bm.spectra is not None else -1)
    except Exception as exc:  # noqa: BLE001 - one bad cube must not stop the batch
        row = failed_row(path, output, exc)
    row['seconds'] = time.perf_counter() - start
    return row


def failed_row(path, output, exc=None):
    """The summary row of an input that failed (with ``exc``, the error it gave)."""
    error = '' if exc is None else f'{type(exc).__name__}: {" ".join(str(exc).split())}'
    return {'input': os.fspath(path), 'output': output, 'status': 'failed', 'nbins': -1,
            'nbins_spec': -1, 'seconds': 0.0, 'error': error}


def _executor(scheduler, workers):
    """(submit, as_completed, close) for the chosen scheduler."""
    if scheduler == 'serial':
        class _Done:
            def __init__(self, value):
                self._value = value

            def result(self):
                return self._value

        def submit(func, *args):
            return _Done(func(*args))

        return submit, iter, lambda: None
    if scheduler == 'processes':
        from concurrent.futures import ProcessPoolExecutor, as_completed
        pool = ProcessPoolExecutor(max_workers=workers)
        return pool.submit, as_completed, pool.shutdown
    # (choose_scheduler made sure dask.distributed is there)
    from dask.distributed import Client, LocalCluster, as_completed
    if scheduler is None:
        # The dashboard on a free port: None still asks for 8787, which another
        # cluster (another pixbin batch) may hold.
        cluster = LocalCluster(n_workers=workers or os.cpu_count(), threads_per_worker=1,
                               processes=True, dashboard_address=':0')
        client = Client(cluster)

        def close():
            client.close()
            cluster.close()
    else:
        client = Client(scheduler)
        cluster = None

        def close():
            client.close()
    return client.submit, as_completed, close


def bin_many(paths, output_dir, *, scheduler=None, workers=None, overwrite=False,
             progress=True, **options):
    """
    Bin many cubes in parallel and write one bin-map file per cube.

    Each input (a FITS cube, image or piXedfit flux map, see
    `pixbin.io.read_input`) is binned with `~pixbin.bin_pixels` and written to
    ``<output_dir>/<name>_bins.fits``.  The run is resumable: inputs whose
    output already exists and is a readable bin-map file are skipped (writes
    are atomic, so an existing file is complete).  A failing input is reported
    in the summary and does not stop the others.

    Parameters
    ----------
    paths : str, path-like or sequence of them
        Input files or glob patterns (``'cubes/*.fits'``).
    output_dir : str or path-like
        Folder for the bin maps (created if missing).
    scheduler : None, str, optional
        None (default): a local dask.distributed cluster (one process per
        worker) when dask.distributed is installed, else a local process
        pool, as with ``'processes'`` (a `~pixbin.PixbinWarning` says so);
        an address such as ``'tcp://10.0.0.5:8786'``: an existing dask
        scheduler (needs dask.distributed: ImportError without it);
        ``'processes'``: a local process pool without dask; ``'serial'``:
        one after the other in this process.
    workers : int, optional
        Number of local workers (default: the number of CPUs).
    overwrite : bool, optional
        Bin again and replace existing outputs instead of skipping them.
    progress : bool, optional
        Show a progress bar over the inputs.
    **options
        Options of `~pixbin.bin_pixels` (``snr`` is required).

    Returns
    -------
    summary : `~astropy.table.Table`
        One row per input: ``input``, ``output``, ``status`` ('done',
        'skipped', 'failed'), ``nbins``, ``nbins_spec`` (-1: failed, or no
        spectra; for a skipped input, read from its existing output),
        ``seconds``, ``error``.

    Raises
    ------
    ValueError
        If ``snr`` is missing, an option is unknown, a pattern matches
        nothing or ``workers`` is not a positive integer.
    TypeError
        If ``overwrite`` is not True or False.
    ImportError
        If ``scheduler`` is a dask scheduler address and dask.distributed is
        not installed.

    Warns
    -----
    PixbinWarning
        If ``scheduler`` is None and dask.distributed is not installed (the
        cubes are then binned on a local process pool).

    Examples
    --------
    Two mock galaxies written as FITS cubes, binned one after the other
    (``scheduler='serial'``; the default bins them in parallel):

    >>> import os, tempfile
    >>> from astropy.io import fits
    >>> import pixbin
    >>> folder = tempfile.mkdtemp()
    >>> for seed in (1, 2):
    ...     mock = pixbin.datasets.make_mock_galaxy(shape=(40, 40), seed=seed)
    ...     header = mock.wcs.to_header()
    ...     header['BUNIT'] = mock.unit.to_string()
    ...     for i, name in enumerate(mock.meta['band_names']):
    ...         header[f'FILTER{i}'] = name
    ...     fits.HDUList([fits.PrimaryHDU(),
    ...                   fits.ImageHDU(mock.data, header, name='FLUX'),
    ...                   fits.ImageHDU(mock.uncertainty.array, name='FLUX_ERR')]
    ...                  ).writeto(os.path.join(folder, f'galaxy{seed}.fits'))
    >>> out = os.path.join(folder, 'bins')
    >>> summary = pixbin.bin_many(os.path.join(folder, 'galaxy*.fits'), out,
    ...                           scheduler='serial', progress=False,
    ...                           snr=[10] * 7 + [0] * 5, ref_band='sdss_r')
    >>> summary['status'].tolist(), summary['nbins'].tolist(), sorted(os.listdir(out))
    (['done', 'done'], [85, 84], ['galaxy1_bins.fits', 'galaxy2_bins.fits'])

    A second run skips the cubes whose bin map exists:

    >>> again = pixbin.bin_many(os.path.join(folder, 'galaxy*.fits'), out,
    ...                         scheduler='serial', progress=False,
    ...                         snr=[10] * 7 + [0] * 5, ref_band='sdss_r')
    >>> again['status'].tolist(), again.meta
    (['skipped', 'skipped'], {'done': 0, 'skipped': 2, 'failed': 0})
    """
    from astropy.table import Table

    from ._progress import progress_callback
    unknown = sorted(set(options) - set(BIN_OPTIONS))
    if unknown:
        raise ValueError(f'unknown binning option(s) {unknown}; options are {list(BIN_OPTIONS)}')
    if 'snr' not in options:
        raise ValueError('snr is required (a number or one per band)')
    check_bool(overwrite, 'overwrite')
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValueError(f'workers must be a positive number of workers or None, got '
                         f'{workers!r}')
    inputs = _expand(paths)
    if not inputs:
        raise ValueError('no input files')
    os.makedirs(output_dir, exist_ok=True)
    rows, todo = [], []
    for path in inputs:
        out = output_path(path, output_dir)
        counts = None if overwrite else _existing_counts(out)
        if counts is not None:
            nbins, nbins_spec = counts
            rows.append({'input': path, 'output': out, 'status': 'skipped', 'nbins': nbins,
                         'nbins_spec': nbins_spec, 'seconds': 0.0, 'error': ''})
        else:
            todo.append((path, out))
    bar = progress_callback(bool(progress) and bool(todo), desc='cubes')
    if todo:
        scheduler, note = choose_scheduler(scheduler)
        if note:
            warnings.warn(note, PixbinWarning, stacklevel=2)
        submit, as_completed, close = _executor(scheduler, workers)
        try:
            jobs = {submit(bin_one, path, out, options, overwrite): (path, out)
                    for path, out in todo}
            for done, future in enumerate(as_completed(list(jobs)), start=1):
                try:
                    rows.append(future.result())
                except Exception as exc:  # noqa: BLE001 - the worker died (killed, out
                    # of memory): its cube failed, the batch goes on
                    rows.append(failed_row(*jobs[future], exc))
                if bar is not None:
                    bar(done / len(todo))
        finally:
            close()
    order = {path: i for i, path in enumerate(inputs)}
    rows.sort(key=lambda row: order[row['input']])
    table = Table(rows=rows, names=('input', 'output', 'status', 'nbins', 'nbins_spec',
                                    'seconds', 'error'))
    table['seconds'].format = '.2f'
    table.meta['done'] = int(np.sum(table['status'] == 'done'))
    table.meta['skipped'] = int(np.sum(table['status'] == 'skipped'))
    table.meta['failed'] = int(np.sum(table['status'] == 'failed'))
    return table
