# Licensed under a 3-clause BSD style license - see LICENSE
"""
The completion passes of the default binning: no signal left behind.

After the greedy pass, some valid pixels are in no bin: the pixels of seeds
whose matching neighbours could not reach the threshold, and pixels that no
bin accepted.  These passes bin every 4-connected set of such pixels whose
summed S/N reaches the threshold, then let small sets that cannot join an
adjacent bin that stays above the threshold.  Steps are documented in
`pixbin.binning.bin_arrays`.
"""

import numpy as np
from scipy import ndimage

from ._greedy import seed_order
from ._greedy_kernel import (BINNED, FREE, LEFTOVER, absorb_kernel, bin_totals,
                             greedy_kernel, merge_kernel)

__all__ = []

_FOUR_CONNECTED = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)


def leftover_groups(state, shape):
    """
    The 4-connected groups of LEFTOVER pixels: flat group labels (0 = none) and their number.
    """
    groups, ngroups = ndimage.label((state == LEFTOVER).reshape(shape),
                                    structure=_FOUR_CONNECTED)
    return groups.ravel(), ngroups


def groups_reaching(flux2, var2, groups, ngroups, snr, eta):
    """
    Boolean (ngroups,): the groups whose summed S/N reaches ``snr`` in every required band.

    The noise of an ``n``-pixel group is ``sqrt(summed variance) * eta[n - 1]``.
    """
    total, total_var = bin_totals(flux2, var2, groups, ngroups)
    npix = np.bincount(groups, minlength=ngroups + 1)[1:]
    required = snr > 0
    noise = np.sqrt(total_var[:, required]) * eta[np.maximum(npix, 1) - 1, np.newaxis]
    signal = total[:, required]
    return np.all((signal > 0) & (signal >= snr[required] * noise), axis=1)


def complete_pass(flux2, var2, valid, shape, snr, work, *, ref_band, min_diameter,
                  strict_min_diameter, redchi2_limit, sys_err, eta, centroid_order):
    """
    Bin the leftover groups that reach the threshold, then absorb small ones.

    ``work`` is the state returned by `greedy_pass`, updated in place.  First,
    leftover pixels within ``min_diameter / 2`` of a bin join the adjacent
    bin they match in shape if it keeps its S/N (`merge_kernel` with its
    guard): blends at component edges.  Then each round finds the 4-connected
    groups of pixels in no bin and frees those whose summed S/N reaches
    ``snr``; their pixels seed new bins, brightest first, without the shape
    tests (the greedy pass tried them on these pixels).  A round bins at
    least one set in every group it frees (the first seed's bin may take its
    whole group), so the rounds end, with no group of unbinned pixels left
    that reaches the threshold.  Then each remaining group
    joins the adjacent bin (no smaller than the group) that its SED matches
    best among those that stay above the threshold with it (see
    `absorb_kernel`).  Returns the number of rounds.
    """
    labels, state, stamp, members, heap, counters = work
    ny, nx = shape
    radius2 = (0.5 * float(min_diameter)) ** 2
    reference = np.ascontiguousarray(flux2[:, ref_band])
    done = np.zeros(1, dtype=np.int64)
    # Edges: pixels within a core radius of a bin join their best match if the bin
    # keeps its S/N (blends at component edges, spread by the PSF).
    waves = max(1, int(np.ceil(0.5 * float(min_diameter))))
    merge_kernel(flux2, var2, labels, state, ny, nx, int(counters[0]), float(sys_err) ** 2,
                 snr, eta, waves, True, float(redchi2_limit))
    state[(state == LEFTOVER) & (labels > 0)] = BINNED
    rounds = 0
    while True:
        groups, ngroups = leftover_groups(state, shape)
        if ngroups == 0:
            break
        reaching = groups_reaching(flux2, var2, groups, ngroups, snr, eta)
        if not reaching.any():
            break
        freed = np.flatnonzero(np.concatenate(([False], reaching))[groups])
        state[freed] = FREE
        # Without the shape tests: the greedy pass tried them on these pixels.
        greedy_kernel(flux2, var2, valid, ny, nx, seed_order(reference, freed), snr, radius2,
                      bool(strict_min_diameter), np.inf, float(sys_err) ** 2, eta, labels,
                      state, stamp, members, heap, counters, done, bool(centroid_order))
        rounds += 1
    groups, ngroups = leftover_groups(state, shape)
    if ngroups:
        # the leftover pixels by group, in pixel order within a group
        left = np.flatnonzero(groups)
        order = left[np.argsort(groups[left], kind='stable')]
        starts = np.searchsorted(groups[order], np.arange(1, ngroups + 2))
        absorb_kernel(flux2, var2, labels, order, starts, ny, nx, snr, eta,
                      float(sys_err) ** 2)
        state[(state == LEFTOVER) & (labels > 0)] = BINNED
    return rounds
