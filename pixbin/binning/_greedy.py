# Licensed under a 3-clause BSD style license - see LICENSE
"""
The greedy pass of the SED-aware binning on pixel-major arrays.

Its steps are documented in `pixbin.binning.bin_arrays`.
"""

import threading

import numpy as np

from ._greedy_kernel import CENTROID_STEPS, FREE, greedy_kernel, greedy_work, key_bits

__all__ = []

#: Accepted values of the ``leftovers`` option.
LEFTOVER_CHOICES = ('unbinned', 'merge')


def greedy_pass(flux2, var2, valid, shape, snr, *, ref_band, min_diameter,
                strict_min_diameter, redchi2_limit, sys_err, eta, centroid_order, progress):
    """
    The greedy pass on pixel-major arrays (npix, nbands) as made by `pixel_major`.

    ``valid`` is the flat (npix,) mask; ``eta`` the noise inflation of an
    ``n``-pixel bin at index ``n - 1`` (length >= the number of valid pixels);
    ``centroid_order`` grows bins beyond their core nearest to their centroid
    first (else nearest to their seed).
    Returns the state of `greedy_kernel` after the pass, as made by
    `greedy_work`: ``(labels, state, stamp, members, heap, counters)``, flat;
    every valid pixel is then BINNED or LEFTOVER.
    """
    ny, nx = shape
    snr = np.ascontiguousarray(snr, dtype=np.float64)
    # The kernel's queue keys hold a squared distance (to the seed, or to a centroid
    # in 1/16 steps beyond the core: see centroid_key) and a pixel index in 63 bits.
    max_d2 = (ny - 1) ** 2 + (nx - 1) ** 2
    max_key = max_d2 + 1 + (int(CENTROID_STEPS) * max_d2 if centroid_order else 0)
    if max_key << key_bits(ny * nx) >= 2**63:
        raise ValueError(f'the pixel grid {ny} x {nx} is too large to bin in one piece')
    candidates = np.flatnonzero(valid)
    radius2 = (0.5 * float(min_diameter)) ** 2
    labels, state, stamp, members, heap, counters = greedy_work(valid)
    done = np.zeros(1, dtype=np.int64)

    def run():
        reference = np.ascontiguousarray(flux2[:, ref_band])
        for seeds in _seed_batches(reference, candidates, state, done):
            greedy_kernel(flux2, var2, valid, ny, nx, seeds, snr, radius2,
                          bool(strict_min_diameter), float(redchi2_limit),
                          float(sys_err) ** 2, eta, labels, state, stamp, members, heap,
                          counters, done, bool(centroid_order))

    if progress is None:
        run()
    else:
        _run_with_progress(run, done, candidates.size, progress)
    return labels, state, stamp, members, heap, counters


def seed_order(values, candidates):
    """``candidates`` brightest first in ``values``, ties by pixel index."""
    return candidates[_brightest_first(values[candidates])]


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
