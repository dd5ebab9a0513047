# Licensed under a 3-clause BSD style license - see LICENSE
"""
Adapters that run pixbin and its peers on the same cube.

Every adapter takes a cube (an `~astropy.nddata.NDData` (nbands, ny, nx) or
(ny, nx): a mock of `pixbin.datasets` or a real data set, see `load_dataset`)
and a `Problem` (the binning parameters) and returns a label image
``(ny, nx)`` with 0 for unbinned pixels; the peers get the valid pixels only
(finite, positive noise, not masked).  The harness `measure` runs one method
on one data set in a fresh child process, with a time cap, and returns the
wall time of the binning call, its peak memory and the labels; `quality`
scores a label image the same way for every method.

The peers are never part of pixbin and no code of theirs is copied here:

- piXedfit ``pixel_binning`` (MIT) is run from its own module file, in a
  subprocess with the Python that has it installed (``PIXBIN_PIXEDFIT_PYTHON``
  or the current one), because its package ``__init__`` imports fsps.
- vorbin and PowerBin (non-commercial, no-redistribution licences) are only
  imported when the user installed them; they are skipped otherwise.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PIXEDFIT_RUNNER = os.path.join(HERE, '_pixedfit_runner.py')


@dataclass(frozen=True)
class Problem:
    """The binning problem shared by all methods."""

    snr: tuple = field(default_factory=lambda: (10.0,) * 7 + (0.0,) * 5)
    ref_band: int = 4
    min_diameter: float = 4.0
    redchi2_limit: float = 4.0
    seed: int = 0

    @property
    def thresholds(self):
        return np.asarray(self.snr, dtype=float)


def make_cube(n, problem=Problem(), return_truth=False):
    """The mock galaxy of ``n x n`` pixels (12 bands) used by every method."""
    from pixbin.datasets import make_mock_galaxy
    return make_mock_galaxy(shape=(n, n), seed=problem.seed, return_truth=return_truth)


#: The data sets of `load_dataset`: the mocks take a size n (n x n pixels).
DATASETS = ('mock', 'blended', 'sauron', 'muse')

#: The 12 wavelength windows of the MUSE cube: ~383 A each from 4750 to 9350 A.
MUSE_EDGES = np.linspace(4750.0, 9350.0, 13)


def muse_windows():
    """The MUSE cube of `pixbin.datasets.load_muse_a478` as a 12-window photometric cube."""
    import astropy.units as u
    from pixbin._windows import spectral_to_windows
    from pixbin.datasets import load_muse_a478
    from pixbin.io import read_cube
    bands = np.column_stack([MUSE_EDGES[:-1], MUSE_EDGES[1:]]) * u.AA
    return spectral_to_windows(read_cube(load_muse_a478()), bands)[0]


def load_dataset(name, n=None, problem=Problem(), return_truth=False):
    """
    The cube of a data set of `DATASETS` (and its truth, None for real data).

    ``'mock'``: `make_cube`; ``'blended'``: the PSF-blended mock of ``n x n``
    pixels; ``'sauron'``: the SAURON image of NGC 2273 (one band); ``'muse'``:
    `muse_windows`.  Real data are fetched (and cached) by pixbin's loaders.
    """
    if name == 'mock':
        return make_cube(n, problem, return_truth)
    if name == 'blended':
        from pixbin.datasets import make_blended_galaxy
        return make_blended_galaxy(shape=(n, n), seed=problem.seed, return_truth=return_truth)
    if name == 'sauron':
        from pixbin.datasets import load_sauron_ngc2273
        cube = load_sauron_ngc2273()
    elif name == 'muse':
        cube = muse_windows()
    else:
        raise ValueError(f'unknown data set {name!r}: one of {DATASETS}')
    return (cube, None) if return_truth else cube


def _arrays(cube):
    """Flux and noise (nbands, ny, nx) and the valid pixels (ny, nx) of a cube."""
    data = np.asarray(cube.data, float)
    std = np.asarray(cube.uncertainty.array, float)
    if data.ndim == 2:
        data, std = data[np.newaxis], std[np.newaxis]
    with np.errstate(invalid='ignore'):
        valid = np.all(np.isfinite(data) & np.isfinite(std) & (std > 0), axis=0)
    if cube.mask is not None:
        mask = np.asarray(cube.mask, bool)
        valid &= ~(mask.any(axis=0) if mask.ndim == 3 else mask)
    return data, std, valid


# -- memory --------------------------------------------------------------------------

def reset_peak_rss():
    """Reset the peak RSS of this process (Linux); False if not possible."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def peak_rss_mib():
    """Peak resident memory of this process in MiB (VmHWM, else ru_maxrss)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != 'darwin' else peak / 2**20


# -- the multi-band S/N of the Voronoi family ------------------------------------------

class MultiBandSN:
    """
    S/N of a set of pixels in every band with a threshold, combined as the worst one.

    ``sn(index) = min_b T_max / T_b * sum(f_b) / sqrt(sum(var_b))`` over the
    bands ``b`` with ``T_b > 0``: it reaches ``T_max`` exactly when every
    required band reaches its own threshold.  With equal thresholds it is the
    plain minimum over bands of the summed S/N.
    """

    def __init__(self, flux, std, thresholds):
        required = thresholds > 0
        if not np.any(required):
            raise ValueError('at least one band needs a S/N threshold')
        self.target = float(thresholds[required].max())
        self.scale = self.target / thresholds[required]
        nb = flux.shape[0]
        # Pixel-major copies: the bands of one pixel are contiguous.
        self.flux = np.ascontiguousarray(flux.reshape(nb, -1)[required].T)
        self.var = np.ascontiguousarray(np.square(std.reshape(nb, -1)[required]).T)

    def pixel_sn(self):
        """S/N of every single pixel, shape (npix,)."""
        return np.min(self.scale * self.flux / np.sqrt(self.var), axis=1)

    def __call__(self, index):
        index = np.atleast_1d(index)   # vorbin passes a scalar for one pixel
        f = self.flux[index].sum(axis=0)
        v = self.var[index].sum(axis=0)
        return float(np.min(self.scale * f / np.sqrt(v)))


def _grid(valid):
    """x and y of the valid pixels."""
    y, x = np.nonzero(valid)
    return x.astype(float), y.astype(float)


def _image(number, valid):
    """A label image: bin numbers 0.. of the valid pixels as 1.., 0 elsewhere."""
    labels = np.zeros(valid.shape, np.int64)
    labels[valid] = np.asarray(number) + 1
    return labels


# -- adapters -------------------------------------------------------------------------

def run_pixbin(cube, problem, method='complete'):
    """pixbin `~pixbin.bin_pixels` (its default method): label image."""
    import pixbin
    bm = pixbin.bin_pixels(cube, snr=list(problem.snr), ref_band=problem.ref_band,
                           min_diameter=problem.min_diameter,
                           redchi2_limit=problem.redchi2_limit, method=method)
    return np.asarray(bm.labels)


def run_pixbin_greedy(cube, problem):
    """pixbin `~pixbin.bin_pixels` with ``method='greedy'`` (piXedfit's scheme)."""
    return run_pixbin(cube, problem, method='greedy')


def _vorbin(x, y, signal, noise, target, sn_func):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')    # its deprecation notice
        from vorbin.voronoi_2d_binning import voronoi_2d_binning
    # Defaults of vorbin 3.2 (cvt=True, wvt=True); pixelsize given, as its docs ask
    # for large data sets.
    result = voronoi_2d_binning(x, y, signal, noise, target, pixelsize=1.0, plot=False,
                                quiet=True, sn_func=sn_func)
    return result[0]


def run_vorbin_multiband(cube, problem):
    """vorbin with a ``sn_func`` = worst summed S/N over the required bands."""
    data, std, valid = _arrays(cube)
    sn = MultiBandSN(data[:, valid], std[:, valid], problem.thresholds)
    x, y = _grid(valid)
    # signal / noise is the per-pixel S/N that vorbin orders and weights pixels by;
    # sn_func works on the full cube through the closure.
    signal = sn.pixel_sn()
    number = _vorbin(x, y, signal, np.ones_like(signal), sn.target,
                     lambda index, signal, noise: sn(index))
    return _image(number, valid)


def run_vorbin_refband(cube, problem):
    """vorbin on the reference band alone, target = its threshold."""
    data, std, valid = _arrays(cube)
    band = problem.ref_band
    x, y = _grid(valid)
    target = float(problem.thresholds[band] or problem.thresholds.max())
    number = _vorbin(x, y, data[band][valid], std[band][valid], target, None)
    return _image(number, valid)


def _powerbin(xy, capacity, target):
    from powerbin import PowerBin
    return PowerBin(xy, capacity, target_capacity=target, pixelsize=1.0, verbose=0).bin_num


def run_powerbin_multiband(cube, problem):
    """PowerBin with capacity = (worst summed S/N over required bands)^2, clipped at 0."""
    data, std, valid = _arrays(cube)
    sn = MultiBandSN(data[:, valid], std[:, valid], problem.thresholds)
    xy = np.column_stack(_grid(valid))

    def capacity(index):
        return max(sn(index), 0.0) ** 2

    number = _powerbin(xy, capacity, sn.target ** 2)
    return _image(number, valid)


def run_powerbin_refband(cube, problem):
    """PowerBin on the reference band alone: additive capacity (S/N)^2 per pixel."""
    data, std, valid = _arrays(cube)
    band = problem.ref_band
    xy = np.column_stack(_grid(valid))
    target = float(problem.thresholds[band] or problem.thresholds.max())
    number = _powerbin(xy, (data[band][valid] / std[band][valid]) ** 2, target ** 2)
    return _image(number, valid)


# -- repair: merge the bins below the target ---------------------------------------------

def repair_to_target(labels, data, std, thresholds):
    """
    Merge the bins below the S/N target into their neighbours until every bin reaches it.

    The S/N of a bin in a band is its summed flux over its quadrature-summed
    error (as in `quality`); its *reach* is the worst, over the bands with a
    threshold, of S/N over threshold.  While some bin has a reach below 1, the
    one with the lowest reach is merged into the 4-adjacent bin of lowest
    reach (ties: the smaller label).  A bin below the target with no
    neighbour left (an island whose pixels together cannot reach it) is
    unbinned (label 0).  Merging two 4-adjacent bins keeps them 4-connected.

    Per-bin sums, an adjacency set per bin and a heap of reaches (stale
    entries skipped) are updated at each merge; the image is relabelled once
    at the end.

    Parameters
    ----------
    labels : ndarray of int, shape (ny, nx)
        Bin labels, 0 = no bin.
    data, std : ndarray, shape (nbands, ny, nx) or (ny, nx)
        Flux and its error; non-finite values count as 0.
    thresholds : sequence of float, shape (nbands,)
        S/N target per band; bands with 0 are not required.

    Returns
    -------
    repaired : ndarray of int, shape (ny, nx)
        Labels 1..nbins (0 = no bin), every bin at or above the target in
        every required band.
    """
    import heapq

    from pixbin._sums import sum_by_bin
    labels = relabel(labels)
    data, std = np.asarray(data, float), np.asarray(std, float)
    if data.ndim == 2:
        data, std = data[np.newaxis], std[np.newaxis]
    thresholds = np.asarray(thresholds, float)
    required = thresholds > 0
    nbins = int(labels.max(initial=0))
    total, total_std, _ = sum_by_bin(labels, nbins, np.nan_to_num(data[required]),
                                     std=np.nan_to_num(std[required]))
    # row k = bin k (row 0, no bin, unused)
    flux = np.vstack([np.zeros(total.shape[1]), total])
    var = np.vstack([np.zeros(total.shape[1]), total_std ** 2])
    target = thresholds[required]

    def reach(k):
        with np.errstate(divide='ignore', invalid='ignore'):
            sn = np.where(var[k] > 0, flux[k] / np.sqrt(var[k]), 0.0)
        return float(np.min(sn / target))

    # adjacency: the distinct pairs of different bins that touch along a pixel side
    adjacency = [set() for _ in range(nbins + 1)]
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
        touch = (a > 0) & (b > 0) & (a != b)
        for i, j in set(zip(a[touch].tolist(), b[touch].tolist())):
            adjacency[i].add(j)
            adjacency[j].add(i)
    value = np.array([np.inf] + [reach(k) for k in range(1, nbins + 1)])
    into = np.arange(nbins + 1)        # into[k] = the bin k was merged into (k if alive)
    heap = [(value[k], k) for k in range(1, nbins + 1) if value[k] < 1]
    heapq.heapify(heap)
    while heap:
        v, low = heapq.heappop(heap)
        if into[low] != low or v != value[low]:
            continue                   # merged away, or an old value
        if not adjacency[low]:
            into[low] = 0              # an island that cannot reach the target
            continue
        high = min(adjacency[low], key=lambda k: (value[k], k))
        flux[high] += flux[low]
        var[high] += var[low]
        into[low] = high
        for k in adjacency[low]:
            adjacency[k].discard(low)
            if k != high:
                adjacency[k].add(high)
                adjacency[high].add(k)
        adjacency[low] = set()
        value[low] = np.inf
        value[high] = reach(high)
        if value[high] < 1:
            heapq.heappush(heap, (value[high], high))
    # follow the chains of merges to the bin each label ended in
    final = into.copy()
    while True:
        nxt = final[final]
        if np.array_equal(nxt, final):
            break
        final = nxt
    return relabel(final[labels])


# -- piXedfit, in a subprocess ----------------------------------------------------------

def pixedfit_python():
    """
    The Python that runs piXedfit: ``$PIXBIN_PIXEDFIT_PYTHON``, else this one if
    piXedfit is installed here, else None.
    """
    env = os.environ.get('PIXBIN_PIXEDFIT_PYTHON')
    if env:
        return env
    if importlib.util.find_spec('piXedfit') is not None:
        return sys.executable
    return None


def pixedfit_version(python):
    """Version of piXedfit seen by ``python``, or None."""
    code = ('import importlib.metadata as m\n'
            'try: print(m.version("pixedfit"))\n'
            'except Exception: print("")')
    try:
        out = subprocess.run([python, '-c', code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def write_pixedfit_input(cube, path):
    """
    Write the cube as a piXedfit photometric flux-map file (specphot = 0).

    ``GALAXY_REGION`` is the valid pixels; elsewhere the flux is 0 and the
    noise 1 (piXedfit bins only the region).
    """
    import astropy.units as u
    from astropy.io import fits
    data, std, valid = _arrays(cube)
    header = fits.Header()
    header['specphot'] = 0
    header['nfilters'] = data.shape[0]
    names = cube.meta.get('band_names') or [f'band{i}' for i in range(data.shape[0])]
    for i, name in enumerate(names):
        header[f'fil{i}'] = name
    # piXedfit's `unit` is the flux scale in erg/s/cm2/A: the mock's unit is 1e-17 of it
    # (1 for data without a flux unit).
    try:
        header['unit'] = float(cube.unit.to('erg / (s cm2 Angstrom)'))
    except (AttributeError, u.UnitConversionError):
        header['unit'] = 1.0
    crval = cube.wcs.wcs.crval[:2] if cube.wcs is not None else (0.0, 0.0)
    header['RA'], header['DEC'] = [float(v) for v in crval]
    header['z'] = 0.01
    header['GalEBV'] = 0.0
    header['fsamp'] = 0
    header['pixsize'] = 1.5
    header['fpsfmtch'] = 'none'
    header['psffwhm'] = 1.0
    hdul = fits.HDUList([
        fits.PrimaryHDU(header=header),
        fits.ImageHDU(valid.astype(np.int32), name='GALAXY_REGION'),
        fits.ImageHDU(np.where(valid, data, 0.0), name='FLUX'),
        fits.ImageHDU(np.where(valid, std, 1.0), name='FLUX_ERR'),
    ])
    hdul.writeto(path, overwrite=True)


class Timeout(Exception):
    """A run went over its time cap."""


def run_pixedfit(cube, problem, *, timeout=None, python=None, workdir=None):
    """
    piXedfit 0.1.1 ``pixel_binning`` in a subprocess.

    Returns (labels, seconds, peak_rss_mib): the time is that of the
    ``pixel_binning`` call alone (it reads the input and writes the output
    FITS itself), measured in the subprocess.
    """
    python = python or pixedfit_python()
    if python is None:
        raise RuntimeError('piXedfit not found: set PIXBIN_PIXEDFIT_PYTHON')
    from astropy.io import fits
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        fin, fout = os.path.join(tmp, 'in.fits'), os.path.join(tmp, 'out.fits')
        write_pixedfit_input(cube, fin)
        command = [python, PIXEDFIT_RUNNER, fin, fout, str(problem.ref_band),
                   str(problem.min_diameter), str(problem.redchi2_limit)]
        command += [repr(float(s)) for s in problem.snr]
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Timeout(f'piXedfit did not finish in {timeout} s') from None
        result = None
        for line in out.stdout.splitlines():
            if line.startswith('PIXEDFIT_RESULT '):
                result = json.loads(line.split(' ', 1)[1])
        if out.returncode != 0 or result is None:
            raise RuntimeError(f'piXedfit failed (exit {out.returncode}):\n'
                               f'{out.stdout[-2000:]}\n{out.stderr[-2000:]}')
        labels = np.asarray(fits.getdata(fout, 'BIN_MAP')).astype(np.int64)
    return labels, result['seconds'], result['peak_rss_mib']


# -- the registry of methods -------------------------------------------------------------

@dataclass(frozen=True)
class Method:
    name: str
    run: object          # callable(cube, problem) -> labels; None for piXedfit
    requires: str        # module that must be importable
    description: str
    slow: bool = False   # capped at the default sizes unless --full


METHODS = {
    'pixbin': Method('pixbin', run_pixbin, 'pixbin',
                     "bin_pixels, default method='complete': S/N in every band, SED test, "
                     '4-connected'),
    'pixbin-greedy': Method('pixbin-greedy', run_pixbin_greedy, 'pixbin',
                            "bin_pixels(method='greedy'): piXedfit's scheme"),
    'piXedfit': Method('piXedfit', None, 'piXedfit',
                       'pixel_binning 0.1.1 (greedy rings, chi2 vs seed pixel)', slow=True),
    'vorbin-multi': Method('vorbin-multi', run_vorbin_multiband, 'vorbin',
                           'voronoi_2d_binning, sn_func = worst band S/N', slow=True),
    'vorbin-r': Method('vorbin-r', run_vorbin_refband, 'vorbin',
                       'voronoi_2d_binning on ref band alone', slow=True),
    'powerbin-multi': Method('powerbin-multi', run_powerbin_multiband, 'powerbin',
                             'PowerBin, capacity = (worst band S/N)^2'),
    'powerbin-r': Method('powerbin-r', run_powerbin_refband, 'powerbin',
                         'PowerBin on ref band alone, additive (S/N)^2'),
}


def availability(name):
    """(available, note) for a method."""
    method = METHODS[name]
    if name == 'piXedfit':
        python = pixedfit_python()
        if python is None:
            return False, 'not installed (set PIXBIN_PIXEDFIT_PYTHON, see README)'
        if not os.path.exists(python):
            return False, f'PIXBIN_PIXEDFIT_PYTHON={python} does not exist'
        return True, ''
    if importlib.util.find_spec(method.requires) is None:
        return False, f'not installed (pip install {method.requires})'
    return True, ''


def _git_commit():
    """The commit of the pixbin checkout that is imported (+'-dirty' if modified), or None."""
    import pixbin
    folder = os.path.dirname(os.path.dirname(os.path.abspath(pixbin.__file__)))
    try:
        out = subprocess.run(['git', 'describe', '--always', '--dirty', '--abbrev=7'],
                             cwd=folder, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def versions():
    """Versions of the methods that are installed."""
    import importlib.metadata as md
    out = {}
    for dist in ('astro-pixbin', 'vorbin', 'powerbin', 'numba', 'numpy'):
        try:
            out[dist.removeprefix('astro-')] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    commit = _git_commit()
    if commit:
        # an editable install keeps the version of when it was installed
        out['pixbin'] = f'{out.get("pixbin", "?")} (code at git {commit})'
    python = pixedfit_python()
    if python:
        version = pixedfit_version(python)
        if version:
            out['pixedfit'] = version
    return out


# -- the harness: one method, one size, in a child process --------------------------------

def _warm_up(name, problem):
    """First call on a small cube (numba compile for pixbin); its time."""
    cube = make_cube(32, Problem())
    start = time.perf_counter()
    METHODS[name].run(cube, problem)
    return time.perf_counter() - start


def _child_main(argv):
    """Child: ``peers.py NAME DATASET N PROBLEM_JSON REPEATS REPEAT_BELOW BUDGET OUT.npy``."""
    name, dataset, n, problem, repeats, repeat_below, budget, out = argv
    n, repeats, repeat_below, budget = int(n), int(repeats), float(repeat_below), float(budget)
    problem = Problem(**{k: tuple(v) if isinstance(v, list) else v
                         for k, v in json.loads(problem).items()})
    warm = _warm_up(name, Problem()) if name.startswith('pixbin') else None
    cube = load_dataset(dataset, n, problem)
    times, labels = [], None
    reset_peak_rss()
    while True:
        start = time.perf_counter()
        labels = METHODS[name].run(cube, problem)
        times.append(time.perf_counter() - start)
        if times[-1] > repeat_below:
            break
        if len(times) >= repeats and (sum(times) >= budget or len(times) >= MAX_RUNS):
            break
    np.save(out, np.asarray(labels))
    import resource
    lifetime = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print('CHILD_RESULT ' + json.dumps(dict(times=times, first_call=warm,
                                            peak_rss_mib=peak_rss_mib(),
                                            process_peak_rss_mib=lifetime)))


#: Most runs of one method at one size (see `measure`).
MAX_RUNS = 100


def measure(name, n, problem=Problem(), *, repeats=3, repeat_below=10.0, budget=5.0,
            timeout=None, cube=None, env=None, dataset='mock'):
    """
    Run a method on a data set (the ``n x n`` mock by default), in a child process.

    A method is run at least ``repeats`` times, and again until its runs have
    taken ``budget`` seconds in all (at most `MAX_RUNS` runs), unless a run
    takes more than ``repeat_below`` s; the best time is kept (the least
    disturbed by other jobs on the machine); for pixbin a first call on a
    32 x 32 cube compiles (or loads) the numba kernels before the timed runs.
    piXedfit runs once.

    Returns
    -------
    result : dict
        ``status`` ('ok', 'timeout' or 'error'), ``seconds`` (best),
        ``times``, ``labels``, ``peak_rss_mib`` (peak during the timed runs,
        MiB), ``first_call`` (pixbin: time of the warm-up call), ``error``.
    """
    if name == 'piXedfit':
        cube = load_dataset(dataset, n, problem) if cube is None else cube
        try:
            labels, seconds, rss = run_pixedfit(cube, problem, timeout=timeout)
        except Timeout as exc:
            return dict(status='timeout', error=str(exc), seconds=None)
        except RuntimeError as exc:
            return dict(status='error', error=str(exc), seconds=None)
        return dict(status='ok', seconds=seconds, times=[seconds], labels=labels,
                    peak_rss_mib=rss, first_call=None)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'labels.npy')
        command = [sys.executable, os.path.abspath(__file__), name, dataset, str(n or 0),
                   json.dumps(asdict(problem)), str(repeats), str(repeat_below), str(budget),
                   out]
        # The cap counts from the start of the child (imports and the mock included).
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  env=env)
        except subprocess.TimeoutExpired:
            return dict(status='timeout', error=f'{name} did not finish in {timeout} s',
                        seconds=None)
        result = None
        for line in proc.stdout.splitlines():
            if line.startswith('CHILD_RESULT '):
                result = json.loads(line.split(' ', 1)[1])
        if proc.returncode != 0 or result is None:
            return dict(status='error', seconds=None,
                        error=f'exit {proc.returncode}: {proc.stderr[-3000:]}')
        labels = np.load(out)
    times = result['times']
    return dict(status='ok', seconds=min(times), times=times, labels=labels,
                peak_rss_mib=result['peak_rss_mib'], first_call=result['first_call'],
                process_peak_rss_mib=result['process_peak_rss_mib'])


def relabel(labels):
    """Labels 1..nbins (in increasing order of the original label); 0 stays 0."""
    labels = np.asarray(labels)
    ids, inverse = np.unique(labels.ravel(), return_inverse=True)
    shift = 1 if ids[0] == 0 else 0
    out = inverse.reshape(labels.shape) + 1 - shift
    out[labels == 0] = 0
    return out.astype(np.int64)


def quality(labels, cube, truth, problem=Problem()):
    """
    pixbin's quality figures of any label image, on the same footing for every method.

    The labels are renumbered 1..nbins and the flux of every bin is summed
    again from the original cube (so that piXedfit's per-pixel copies of bin
    sums, for example, play no part).  Besides `pixbin.metrics.quality_summary`
    (``binned_fraction`` is over the valid pixels):

    - ``binned_snr3_fraction``: fraction of the valid pixels with S/N > 3 in the
      reference band that are in a bin;
    - ``max_unbinned_reach``: the largest summed S/N over the target, in its
      worst required band, of a 4-connected group of unbinned valid pixels
      (`pixbin.metrics.unbinned_groups`; < 1: no group left out could make a
      bin; 0 if every valid pixel is binned);
    - ``snr_rms_multi``: rms over the bins of more than one pixel of
      ``min_b(SN_b / T_b) - 1``;
    - ``colour_spread_p99`` and ``roundness_median_multi`` (bins of >= 2 px);
    - ``roundness_excess_median``: median over the bins of >= 2 px of
      `pixbin.metrics.roundness_excess` (0 = as compact as a bin of as many
      pixels can be, whatever its size).
    """
    from pixbin import BinMap
    from pixbin.metrics import (colour_spread, quality_summary, roundness, roundness_excess,
                                snr_deficit, unbinned_groups)
    labels = relabel(labels)
    data, std, valid = _arrays(cube)
    labels[~valid] = 0
    nvalid = int(valid.sum())
    binned = BinMap(labels, wcs=cube.wcs).apply(cube)
    bm = BinMap(labels, flux=binned.data * cube.unit,
                flux_err=binned.uncertainty.array * cube.unit, meta={'nvalid': nvalid})
    summary = quality_summary(bm, problem.thresholds, truth, ref_band=problem.ref_band)
    summary['meet_snr_fraction'] = 1.0 - summary['frac_below_target']
    with np.errstate(invalid='ignore', divide='ignore'):
        bright = valid & (data[problem.ref_band] / std[problem.ref_band] > 3)
    summary['binned_snr3_fraction'] = float((labels[bright] > 0).mean()) if bright.any() else None
    _, reach = unbinned_groups(labels, data, std, problem.thresholds, valid=valid)
    summary['max_unbinned_reach'] = float(reach.max()) if reach.size else 0.0
    # Two figures that still separate the methods on large, smooth mocks, where most bins
    # sit inside one component (colour p90 -> 0) or are single pixels (roundness -1).
    if bm.nbins:
        spread = colour_spread(bm, truth.model) if truth is not None else None
        summary['colour_spread_p99'] = None if spread is None else float(np.percentile(spread, 99))
        multi = bm.npix > 1
        summary['roundness_median_multi'] = (float(np.median(roundness(bm)[multi]))
                                             if np.any(multi) else None)
        summary['roundness_excess_median'] = (float(np.median(roundness_excess(bm)[multi]))
                                              if np.any(multi) else None)
        deficit = snr_deficit(bm.snr, problem.thresholds)
        summary['snr_rms_multi'] = (float(np.sqrt(np.mean(deficit[multi] ** 2)))
                                    if np.any(multi) else None)
    summary['disconnected_fraction'] = summary['disconnected'] / max(summary['nbins'], 1)
    return summary


def machine_info():
    """A short description of this machine and of the software versions."""
    import platform
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    memory = None
    try:
        with open('/proc/meminfo') as f:
            memory = int(f.readline().split()[1]) / 2**20
    except (OSError, ValueError, IndexError):
        pass
    return dict(cpu=cpu, cores=os.cpu_count(), memory_gib=memory,
                python=platform.python_version(), system=platform.platform(),
                versions=versions())


if __name__ == '__main__':
    _child_main(sys.argv[1:])
