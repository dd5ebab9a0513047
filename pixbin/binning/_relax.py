# Licensed under a 3-clause BSD style license - see LICENSE
"""
The relaxation pass of the default binning: compact bins.

Once every bin is made, pixels on the border between two bins move to the
other bin when that makes the two bins more compact, measured by their
moments of inertia scaled to their size.  A move never costs a guarantee:
both bins keep their S/N and stay 4-connected, the pixel matches its new
bin's SED, the bins' cores stay, and the number of bins and the set of
binned pixels do not change.  The step is documented in
`pixbin.binning.bin_arrays`.
"""

import numpy as np
from numba import njit

from ._greedy_kernel import (_label_sums, _local_sed, _neighbour, _shape_chi2, _snr_reached,
                             centroid_d2)

__all__ = []

#: Largest number of sweeps over the pixels (each later one only looks where the
#: one before moved pixels).
MAX_SWEEPS = 4
#: A move must lower the summed compactness (see `relax_kernel`) by at least this
#: much: a digital disc scores 1 / (2 pi) = 0.159, and a pixel on the rim of a
#: bin of 100 pixels changes it by about 1e-3, of 3000 pixels by less than 1e-5
#: (so the largest bins keep their shape; with 1e-9 the median roundness excess moved
#: by at most 0.003 on the mocks and the real data).
MIN_GAIN = 1e-5
#: A move may raise the reduced chi-square of the pixel's surroundings against its
#: bin by at most this much: pixels where the colour changes fast stay in the bin
#: whose SED they match, while in noise-dominated outskirts (where chi-square
#: differences of ~1 are noise) shape wins.
CHI2_TOLERANCE = 2.0

# The 8 pixels around a pixel in cyclic order, starting above it (row, column
# offsets): consecutive ones are 4-adjacent, the even ones are its 4-neighbours.
_RING_DY = np.array([-1, -1, 0, 1, 1, 1, 0, -1])
_RING_DX = np.array([0, 1, 1, 1, 0, -1, -1, -1])


@njit(cache=True, inline='always', error_model='numpy')
def _stays_connected(labels, p, py, px, ny, nx, lab):
    """
    True when bin ``lab`` stays 4-connected without pixel ``p`` (a local test).

    The pixels of the bin among the 8 around ``p`` fall in runs of consecutive
    ring positions, each run 4-connected.  If exactly one run holds a
    4-neighbour of ``p``, every path through ``p`` can go around it inside
    that run.  (The test is sufficient, not necessary: a bin joined elsewhere
    is kept as it is.)
    """
    inside = 0                  # bit k: ring position k is in the bin
    for k in range(8):
        y = py + _RING_DY[k]
        x = px + _RING_DX[k]
        if 0 <= y < ny and 0 <= x < nx and labels[y * nx + x] == lab:
            inside |= 1 << k
    if inside == 255:
        return True
    start = 0                   # a position outside the bin: runs end there
    while inside >> start & 1:
        start += 1
    runs = 0
    in_run = False
    touches = False
    for i in range(1, 9):
        k = (start + i) % 8
        if inside >> k & 1:
            if not in_run:
                in_run = True
                touches = False
            if k % 2 == 0:
                touches = True
        elif in_run:
            runs += touches
            in_run = False
    return runs == 1


@njit(cache=True, inline='always', error_model='numpy')
def _border_grows(labels, p, py, px, ny, nx, a, b):
    """True when pixel ``p`` has more 4-neighbours in bin ``a`` than in bin ``b``."""
    in_a = 0
    in_b = 0
    for j in range(4):
        q = _neighbour(p, py, px, j, ny, nx)
        if q >= 0:
            in_a += labels[q] == a
            in_b += labels[q] == b
    return in_b < in_a


@njit(cache=True, nogil=True, error_model='numpy')
def relax_kernel(flux, var, valid, labels, ny, nx, nbins, snr, eta, sys_err2,
                 redchi2_limit, radius2, max_sweeps):
    """
    Move pixels on bin borders where that makes the bins more compact.

    The compactness of a bin of ``n`` pixels is ``I / n**2``, with ``I`` the
    sum of the squared distances of its pixels to its centroid: a number
    independent of the bin's size, smallest for a disc (``1 / (2 pi)``),
    large for elongated or ragged bins.  The pixels are swept in order, each
    move applied at once.  Pixel ``p`` of bin ``a`` moves to the 4-adjacent
    bin ``b`` for which the summed compactness of ``a`` and ``b`` drops the
    most, by at least `MIN_GAIN`, if:

    - ``p`` is farther than ``sqrt(radius2)`` from the centroid of ``a``'s
      other pixels (cores stay);
    - ``p`` has at least as many 4-neighbours in ``b`` as in ``a`` (the
      border does not grow: no spikes, no one-pixel threads);
    - ``p`` matches ``b``'s SED (reduced chi-square, both noises counted,
      below ``redchi2_limit``), and its surroundings (`_local_sed`) do not
      match ``b`` worse than ``a`` by more than `CHI2_TOLERANCE`;
    - both bins reach ``snr`` after the move (noise inflated by ``eta``);
    - ``a`` stays 4-connected (`_stays_connected`).

    Every move lowers the summed compactness of all bins, so no state comes
    back.  The first sweep looks at every pixel, later ones only at the
    pixels next to a move of the sweep before; sweeps stop when one moves
    nothing, or after ``max_sweeps``.  ``labels`` (flat, modified in place)
    keeps its bins and its binned pixels.  Returns the number of moves.
    """
    npix, nbands = flux.shape
    sums, sums_var, count = _label_sums(flux, var, labels, nbins)
    sum_y = np.zeros(nbins + 1, dtype=np.int64)
    sum_x = np.zeros(nbins + 1, dtype=np.int64)
    for py in range(ny):
        for px in range(nx):
            lab = labels[py * nx + px]
            if lab > 0:
                sum_y[lab] += py
                sum_x[lab] += px
    # moments of inertia about the centroids (summed as distances, not as
    # sum(r**2) - n * centroid**2, which cancels far from the origin)
    inertia = np.zeros(nbins + 1)
    for py in range(ny):
        for px in range(nx):
            lab = labels[py * nx + px]
            if lab > 0:
                inertia[lab] += centroid_d2(py, px, count[lab], sum_y[lab], sum_x[lab])
    trial = np.empty(nbands)
    trial_var = np.empty(nbands)
    local = np.empty(nbands)
    local_var = np.empty(nbands)
    active = np.ones(npix, dtype=np.bool_)
    touched = np.zeros(npix, dtype=np.bool_)
    moves = 0
    for _ in range(max_sweeps):
        moved = 0
        for p in range(npix):
            if not active[p]:
                continue
            a = labels[p]
            if a <= 0 or count[a] < 2:
                continue
            py = p // nx
            px = p - py * nx
            border = False
            for j in range(4):
                q = _neighbour(p, py, px, j, ny, nx)
                if q >= 0 and labels[q] > 0 and labels[q] != a:
                    border = True
            if not border:
                continue
            na = count[a]
            # to the centroid of the others
            da2 = centroid_d2(py, px, na - 1, sum_y[a] - py, sum_x[a] - px)
            if da2 <= radius2:
                continue
            # (the distance to the centroid with p is (na - 1) / na of that)
            inertia_a = inertia[a] - da2 * (na - 1) / na
            gain_a = inertia[a] / (na * na) - inertia_a / ((na - 1) * (na - 1))
            best = 0
            best_change = -MIN_GAIN
            can_leave = -1          # whether a keeps its S/N and connectivity without p
            chi2_a = -1.0           # computed once a candidate needs it
            for j in range(4):
                q = _neighbour(p, py, px, j, ny, nx)
                if q < 0:
                    continue
                b = labels[q]
                if b <= 0 or b == a or b == best:
                    continue
                nb = count[b]
                inertia_b = inertia[b] + (centroid_d2(py, px, nb, sum_y[b], sum_x[b])
                                          * nb / (nb + 1))
                change = inertia_b / ((nb + 1) * (nb + 1)) - inertia[b] / (nb * nb) - gain_a
                if change >= best_change or _border_grows(labels, p, py, px, ny, nx, a, b):
                    continue
                if can_leave < 0:
                    for k in range(nbands):
                        trial[k] = sums[a, k] - flux[p, k]
                        trial_var[k] = sums_var[a, k] - var[p, k]
                    can_leave = (_snr_reached(trial, trial_var, na - 1, snr, eta)
                                 and _stays_connected(labels, p, py, px, ny, nx, a))
                if not can_leave:
                    break
                for k in range(nbands):
                    trial[k] = sums[b, k] + flux[p, k]
                    trial_var[k] = sums_var[b, k] + var[p, k]
                if not _snr_reached(trial, trial_var, nb + 1, snr, eta):
                    continue
                if _shape_chi2(flux[p], var[p], sums[b], sums_var[b], True,
                               sys_err2) > redchi2_limit:
                    continue
                if chi2_a < 0.0:
                    _local_sed(flux, var, valid, p, py, px, ny, nx, local, local_var)
                    chi2_a = _shape_chi2(local, local_var, sums[a], sums_var[a], True,
                                         sys_err2)
                if _shape_chi2(local, local_var, sums[b], sums_var[b], True,
                               sys_err2) > chi2_a + CHI2_TOLERANCE:
                    continue
                best = b
                best_change = change
            if best == 0:
                continue
            nb = count[best]
            inertia[best] += centroid_d2(py, px, nb, sum_y[best], sum_x[best]) * nb / (nb + 1)
            inertia[a] = inertia_a
            labels[p] = best
            count[a] -= 1
            count[best] += 1
            sum_y[a] -= py
            sum_x[a] -= px
            sum_y[best] += py
            sum_x[best] += px
            for k in range(nbands):
                sums[a, k] -= flux[p, k]
                sums_var[a, k] -= var[p, k]
                sums[best, k] += flux[p, k]
                sums_var[best, k] += var[p, k]
            moved += 1
            touched[p] = True
            for j in range(4):
                q = _neighbour(p, py, px, j, ny, nx)
                if q >= 0:
                    touched[q] = True
        moves += moved
        if moved == 0:
            break
        active, touched = touched, active
        touched[:] = False
    return moves


def relax_pass(flux2, var2, valid, shape, snr, work, *, min_diameter, redchi2_limit,
               sys_err, eta):
    """
    Make the bins in ``work`` (the state of `complete_pass`) compact: `relax_kernel`.

    Pixels within ``min_diameter / 2`` of a bin's centroid stay.  Returns the
    number of pixels moved.
    """
    labels = work[0]
    nbins = int(work[5][0])
    radius2 = (0.5 * float(min_diameter)) ** 2
    return relax_kernel(flux2, var2, valid, labels, shape[0], shape[1], nbins, snr, eta,
                        float(sys_err) ** 2, float(redchi2_limit), radius2, MAX_SWEEPS)
