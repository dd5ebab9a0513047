# Licensed under a 3-clause BSD style license - see LICENSE
"""
SED-aware greedy binning on plain arrays.
"""

import threading

import numpy as np

from ._greedy_kernel import (FREE, LEFTOVER, greedy_kernel, greedy_work, key_bits,
                             merge_kernel, pixel_major)

__all__ = ['sed_greedy', 'LEFTOVER_CHOICES']

#: Accepted values of the ``leftovers`` option.
LEFTOVER_CHOICES = ('unbinned', 'merge')


def sed_greedy(flux, variance, snr, *, valid=None, ref_band=0, min_diameter=2.0,
               strict_min_diameter=False, redchi2_limit=4.0, sys_err=0.0, eta=None,
               leftovers='unbinned', progress=None):
    """
    Bin pixels so that every bin reaches a S/N threshold in every band and holds
    pixels with similar SED shapes.

    This is the array-level algorithm behind `pixbin.bin_pixels`, which parses
    and checks astropy inputs and should be preferred.  Here the inputs are
    trusted: no unit, no NaN check beyond ``valid``.

    The scheme (after piXedfit's ``pixel_binning``, with its defects fixed):

    1. The brightest free pixel in ``ref_band`` seeds a bin.
    2. The bin takes the free pixels within ``min_diameter / 2`` of the seed
       that connect to it (4-connectivity) and pass shape tests (a) and (b)
       below (all of them if ``strict_min_diameter``, as piXedfit does).  The
       S/N test cannot stop the bin before this core is complete.
    3. It grows through free 4-neighbours, nearest to the seed first.  A pixel
       joins only if (a) its SED matches the current summed SED of the bin,
       (b) the summed SED of the pixel and its valid 4-neighbours (whatever
       bin they are in) matches it too, and (c) the summed SED of all pixels
       taken beyond the core, itself included, matches the SED of the core.
       "Matches" means a reduced chi-square below ``redchi2_limit``
       (``nbands - 1`` degrees of freedom) after scaling by the best
       non-negative normalisation; (b) and (c) count the noise of both SEDs.
       Test (b), with about sqrt(5) times the S/N of one pixel, keeps pixels
       at colour edges (blends of two components) out of bins of pure
       pixels; test (c) stops a bin from drifting towards another SED through
       pixels too faint to be told apart one by one.
    4. It stops as soon as the summed S/N reaches ``snr`` in every band with a
       non-zero threshold.  If the candidates run out first, all the connected
       pixels that match the seed cannot reach the threshold together: they
       become leftovers, which neither seed nor join later bins.
    5. Leftovers keep label 0 (``leftovers='unbinned'``) or join the
       4-adjacent bin whose SED they match best (``leftovers='merge'``).

    Every bin is 4-connected by construction, pixels with ``valid=False`` never
    enter a bin, and negative fluxes are summed as they are.  A pixel joins
    at most one bin attempt and is tested by a few more (those it borders), so
    the cost grows as ``N log N`` with the number of pixels ``N`` (heap-ordered
    flood fills).

    Parameters
    ----------
    flux, variance : ndarray, shape (nbands, ny, nx)
        Flux and variance (squared 1-sigma uncertainty) of every pixel.
    snr : ndarray, shape (nbands,)
        S/N threshold per band; 0 means no requirement in that band.
    valid : ndarray of bool, shape (ny, nx), optional
        Pixels allowed in a bin.  Default: pixels whose flux and variance are
        finite and whose variance is positive in every band.
    ref_band : int, optional
        Band whose flux orders the seeds, brightest first.
    min_diameter : float, optional
        Diameter in pixels of the core disc around the seed.
    strict_min_diameter : bool, optional
        Take every core pixel without the shape test, so that every bin is
        at least ``min_diameter`` across even at a sharp colour edge.
    redchi2_limit : float, optional
        Largest reduced chi-square between a pixel SED and the bin SED.
    sys_err : float, optional
        Fractional systematic uncertainty of the bin model added in quadrature
        in the shape test only.
    eta : ndarray, optional
        Noise inflation factor for a bin of ``n`` pixels at index ``n - 1``
        (covariance correction) used in the S/N test; length at least the
        number of valid pixels.  Default: no correction.
    leftovers : {'unbinned', 'merge'}, optional
        What happens to pixels that cannot reach the threshold.
    progress : callable, optional
        Called from the calling thread with the fraction of seeds processed
        (0 to 1) while the kernel runs in a worker thread.

    Returns
    -------
    labels : ndarray of int32, shape (ny, nx)
        Bin number of every pixel, ``1..nbins`` in order of creation (bin 1 has
        the brightest seed), 0 for pixels in no bin.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin.binning import sed_greedy
    >>> flux = np.ones((2, 3, 4))
    >>> labels = sed_greedy(flux, np.ones_like(flux), np.array([2.0, 0.0]),
    ...                     min_diameter=1)
    >>> labels
    array([[1, 1, 2, 2],
           [1, 1, 2, 2],
           [3, 3, 3, 3]], dtype=int32)
    """
    flux = np.asarray(flux)
    variance = np.asarray(variance)
    nbands, ny, nx = flux.shape
    if valid is None:
        valid = (np.all(np.isfinite(flux), axis=0) & np.all(np.isfinite(variance), axis=0)
                 & np.all(variance > 0, axis=0))
    valid = np.ascontiguousarray(valid, dtype=bool).ravel()
    # Pixel-major copies: the SED of a pixel is contiguous in memory.
    flux2, var2 = pixel_major(np.ascontiguousarray(flux.reshape(nbands, -1)),
                              np.ascontiguousarray(variance.reshape(nbands, -1)), valid, 1.0,
                              False)
    return greedy_pixel_major(flux2, var2, valid, (ny, nx), snr, ref_band=ref_band,
                              min_diameter=min_diameter,
                              strict_min_diameter=strict_min_diameter,
                              redchi2_limit=redchi2_limit, sys_err=sys_err, eta=eta,
                              leftovers=leftovers, progress=progress)


def greedy_pixel_major(flux2, var2, valid, shape, snr, *, ref_band, min_diameter,
                       strict_min_diameter, redchi2_limit, sys_err, eta, leftovers,
                       progress):
    """
    `sed_greedy` on pixel-major arrays (npix, nbands) as made by `pixel_major`.

    ``valid`` is the flat (npix,) mask; returns the (ny, nx) labels.
    """
    ny, nx = shape
    snr = np.ascontiguousarray(snr, dtype=np.float64)
    if leftovers not in LEFTOVER_CHOICES:
        raise ValueError(f'leftovers must be one of {LEFTOVER_CHOICES}, got {leftovers!r}')
    # The kernel's queue keys hold a squared distance and a pixel index in 63 bits.
    if ((ny - 1) ** 2 + (nx - 1) ** 2 + 1) << key_bits(ny * nx) >= 2**63:
        raise ValueError(f'the pixel grid {ny} x {nx} is too large to bin in one piece')
    candidates = np.flatnonzero(valid)
    if eta is None:
        eta = np.ones(max(candidates.size, 1))
    eta = np.ascontiguousarray(eta, dtype=np.float64)
    radius2 = (0.5 * float(min_diameter)) ** 2
    labels, state, stamp, members, heap, counters = greedy_work(valid)
    done = np.zeros(1, dtype=np.int64)

    def run():
        reference = np.ascontiguousarray(flux2[:, ref_band])
        for seeds in _seed_batches(reference, candidates, state, done):
            greedy_kernel(flux2, var2, valid, ny, nx, seeds, snr, radius2,
                          bool(strict_min_diameter), float(redchi2_limit),
                          float(sys_err) ** 2, eta, labels, state, stamp, members, heap,
                          counters, done)

    if progress is None:
        run()
    else:
        _run_with_progress(run, done, candidates.size, progress)
    if leftovers == 'merge' and np.any(state == LEFTOVER):
        merge_kernel(flux2, var2, labels, state, ny, nx, int(counters[0]), float(sys_err) ** 2)
    return labels.reshape(ny, nx)


def _seed_batches(values, candidates, state, done, fraction=8, smallest=4096):
    """
    The seeds of the greedy pass in batches, brightest first.

    Sorting every valid pixel costs ``N log N``, but most pixels are in a bin
    before their turn as a seed comes.  Each batch holds the brightest
    ``1 / fraction`` of the pixels still free (all of them once fewer than
    ``smallest`` are left, and every pixel tied with the faintest one), in
    order; the pixels binned while a batch runs are dropped before the next
    batch is chosen.  The seeds that matter come in exactly the order of a
    full sort, ties by pixel index.  ``done`` counts the pixels dropped (the
    kernel counts those it visits), for the progress bar.
    """
    remaining = candidates
    while remaining.size:
        key = values[remaining]
        size = remaining.size // fraction
        if size < smallest or size >= remaining.size:
            batch, remaining = remaining, remaining[:0]
            batch_key = key
        else:
            cut = np.partition(key, remaining.size - size)[remaining.size - size]
            top = key >= cut
            batch, batch_key, remaining = remaining[top], key[top], remaining[~top]
        yield batch[_brightest_first(batch_key)]
        free = state[remaining] == FREE
        done[0] += remaining.size - np.count_nonzero(free)
        remaining = remaining[free]


def _brightest_first(values):
    """
    Indices that sort ``values`` in decreasing order, ties in increasing index.

    An unstable sort is several times faster than a stable one; it is used
    when the values have no ties, which is the usual case for fluxes.
    """
    key = -values
    order = np.argsort(key)
    ordered = key[order]
    if np.any(ordered[1:] == ordered[:-1]):
        order = np.argsort(key, kind='stable')
    return order


def _run_with_progress(run, counter, total, progress, interval=0.1):
    """Call ``run()`` (nogil kernels) in a thread and report ``counter[0] / total``."""
    result = {}

    def target():
        try:
            run()
        except BaseException as exc:  # re-raised in the calling thread
            result['error'] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    total = max(total, 1)
    while worker.is_alive():
        worker.join(interval)
        progress(min(counter[0] / total, 1.0))
    if 'error' in result:
        raise result['error']
    progress(1.0)
