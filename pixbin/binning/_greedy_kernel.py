# Licensed under a 3-clause BSD style license - see LICENSE
"""
Numba kernels of the SED-aware greedy binning.

Everything here works on plain arrays: fluxes and variances of shape
``(npix, nbands)`` (pixel-major, so that a pixel's SED is contiguous) for a
flattened ``(ny, nx)`` grid, a validity mask, and scalar parameters.
Validation happens in `pixbin.binning.sed_greedy` and `pixbin.bin_pixels`;
these functions trust their inputs.
"""

import numpy as np
from numba import njit

from ._intrinsics import prefetch_row

#: `centroid_key` orders pixels by squared distance to a bin's centroid in
#: steps of ``1 / CENTROID_STEPS`` pixel squared.
CENTROID_STEPS = 16.0

__all__ = []

# Pixel states.
FREE = 0
BINNED = 1
LEFTOVER = 2
INVALID = 3


@njit(cache=True, inline='always', error_model='numpy')
def _shape_chi2(a, va, c, vc, has_vc, sys_err2):
    """
    Reduced chi-square between the shapes of two SEDs ``a`` and ``c``.

    ``c`` is scaled by the non-negative normalisation ``s`` that minimises
    chi-square; the variance of each band is ``va + s**2 * (vc + sys_err2 *
    c**2)`` (``vc`` only if ``has_vc``).  Degrees of freedom: ``nbands - 1``.

    With only ``va`` the best scale has a closed form,
    ``s = max(sum(a*c/va), 0) / sum(c**2/va)``; otherwise ``s`` is solved with
    ``va`` alone, then once more with the full variance.
    """
    nbands = a.shape[0]
    if nbands < 2:
        return 0.0
    ac = 0.0
    cc = 0.0
    for b in range(nbands):
        w = 1.0 / va[b]
        ac += a[b] * c[b] * w
        cc += c[b] * c[b] * w
    scale = ac / cc if (ac > 0.0 and cc > 0.0) else 0.0
    if not has_vc and sys_err2 == 0.0:
        # The residuals are summed directly: aa - scale * ac would cancel
        # catastrophically for bright pixels (S/N above ~1e7).
        chi2 = 0.0
        for b in range(nbands):
            d = a[b] - scale * c[b]
            chi2 += d * d / va[b]
        return chi2 / (nbands - 1)
    s2 = scale * scale
    ac = 0.0
    cc = 0.0
    for b in range(nbands):
        extra = sys_err2 * c[b] * c[b]
        if has_vc:
            extra += vc[b]
        w = 1.0 / (va[b] + s2 * extra)
        ac += a[b] * c[b] * w
        cc += c[b] * c[b] * w
    scale = ac / cc if (ac > 0.0 and cc > 0.0) else 0.0
    s2 = scale * scale
    chi2 = 0.0
    for b in range(nbands):
        extra = sys_err2 * c[b] * c[b]
        if has_vc:
            extra += vc[b]
        d = a[b] - scale * c[b]
        chi2 += d * d / (va[b] + s2 * extra)
    return chi2 / (nbands - 1)


@njit(cache=True, inline='always', error_model='numpy')
def _snr_reached(bin_flux, bin_var, npix, snr, eta):
    """
    True when the bin S/N reaches ``snr`` in every band with ``snr > 0``.

    The noise of an ``npix``-pixel bin is ``sqrt(bin_var) * eta[npix - 1]``.
    """
    e = eta[npix - 1]
    for b in range(snr.shape[0]):
        if snr[b] > 0.0:
            if bin_flux[b] <= 0.0:
                return False
            # S / (eta * sqrt(V)) >= T  <=>  S**2 >= (T * eta)**2 * V
            t = snr[b] * e
            if bin_flux[b] * bin_flux[b] < t * t * bin_var[b]:
                return False
    return True


@njit(cache=True, inline='always', error_model='numpy')
def _neighbour(p, py, px, j, ny, nx):
    """
    Index of the ``j``-th 4-neighbour (up, down, left, right) of pixel ``p``
    at row ``py`` and column ``px``, or -1.
    """
    if j == 0:
        return p - nx if py > 0 else -1
    if j == 1:
        return p + nx if py < ny - 1 else -1
    if j == 2:
        return p - 1 if px > 0 else -1
    return p + 1 if px < nx - 1 else -1


@njit(cache=True, inline='always', error_model='numpy')
def _local_sed(flux, var, valid, p, py, px, ny, nx, out, out_var):
    """
    Summed SED of pixel ``p`` and its valid 4-neighbours, into ``out``/``out_var``.

    The neighbours count whatever bin they are in: this is the SED of the
    pixel's surroundings, about sqrt(5) times less noisy than the pixel's own.
    """
    nbands = flux.shape[1]
    for b in range(nbands):
        out[b] = flux[p, b]
        out_var[b] = var[p, b]
    for j in range(4):
        q = _neighbour(p, py, px, j, ny, nx)
        if q >= 0 and valid[q]:
            for b in range(nbands):
                out[b] += flux[q, b]
                out_var[b] += var[q, b]


@njit(cache=True, inline='always', error_model='numpy')
def _heap_push(heap, size, key):
    """Push ``key`` on a binary min-heap of int64 stored in ``heap[:size]``."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if heap[parent] <= key:
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = key
    return size + 1


@njit(cache=True, inline='always', error_model='numpy')
def _heap_pop(heap, size):
    """Remove the smallest key; return ``(key, new_size)``."""
    top = heap[0]
    size -= 1
    last = heap[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if last <= heap[child]:
            break
        heap[i] = heap[child]
        i = child
    heap[i] = last
    return top, size


@njit(cache=True, inline='always', error_model='numpy')
def centroid_d2(py, px, n, sum_y, sum_x):
    """
    Squared distance from pixel ``(py, px)`` to the centroid of ``n`` pixels
    whose coordinates sum to ``sum_y, sum_x``.

    The offsets ``n * py - sum_y`` are exact integers, so the result does not
    depend on where the grid starts (padding, cut-outs) or on its orientation.
    """
    dy = float(n * py - sum_y)
    dx = float(n * px - sum_x)
    return (dy * dy + dx * dx) / (float(n) * float(n))


@njit(cache=True, inline='always', error_model='numpy')
def centroid_key(py, px, sumy, sumx, nmem, core_d2):
    """
    Queue key of pixel ``(py, px)`` beyond the core of a bin of ``nmem`` pixels.

    ``sumy, sumx`` are the sums of the member coordinates.  The key is
    ``core_d2 + 1 + floor(16 d2)``, where ``d2`` is the squared distance from
    the pixel to the bin's centroid (`centroid_d2`): it sorts after every core
    pixel and orders the others by distance in steps of 1/16 pixel squared.
    """
    # (scaling by a power of two is exact: the same as scaling before the division)
    return core_d2 + 1 + np.int64(CENTROID_STEPS * centroid_d2(py, px, nmem, sumy, sumx))


@njit(cache=True, error_model='numpy')
def key_bits(npix):
    """Bits that hold the pixel index in the queue keys of `greedy_kernel`."""
    bits = 1
    while (np.int64(1) << bits) < npix:
        bits += 1
    return bits


def greedy_work(valid):
    """
    The state of `greedy_kernel` for a grid with validity mask ``valid`` (flat).

    Returns ``(labels, state, stamp, members, heap, counters)``: arrays that
    successive calls of `greedy_kernel` (one per batch of seeds) share.
    ``counters`` holds the number of bins made and of bin attempts so far.
    Large numpy arrays are mapped with huge pages where the system allows it,
    which makes the kernel's scattered reads cheaper.
    """
    npix = valid.size
    labels = np.zeros(npix, dtype=np.int32)
    state = np.where(valid, FREE, INVALID).astype(np.int8)
    # ``stamp[p] == attempt`` marks a pixel already queued in the current attempt.
    stamp = np.zeros(npix, dtype=np.int32 if npix < 2**31 else np.int64)
    members = np.empty(npix, dtype=np.int64)
    heap = np.empty(npix, dtype=np.int64)
    return labels, state, stamp, members, heap, np.zeros(2, dtype=np.int64)


@njit(cache=True, nogil=True, error_model='numpy')
def greedy_kernel(flux, var, valid, ny, nx, seeds, snr, radius2, strict_core,
                  redchi2_limit, sys_err2, eta, labels, state, stamp, members, heap,
                  counters, progress, centroid_order):
    """
    Grow bins from the pixels in ``seeds`` (brightest first).

    Parameters
    ----------
    flux, var : ndarray, shape (ny * nx, nbands)
        Flux and variance of every pixel, pixel-major so that a pixel's SED
        is contiguous (only valid pixels are read).
    valid : ndarray of bool, shape (ny * nx,)
        Pixels that may enter a bin.
    ny, nx : int
        Shape of the pixel grid.
    seeds : ndarray of int
        Valid pixel indices, brightest first, all fainter than the seeds of
        earlier calls with the same state.  Each pixel seeds a bin when it is
        still free when its turn comes.
    snr : ndarray, shape (nbands,)
        S/N threshold per band; 0 means no requirement.
    radius2 : float
        Squared radius of the core disc that a bin completes before the S/N
        test may stop it.
    strict_core : bool
        Take every free core pixel connected to the seed, without the shape
        test (piXedfit's behaviour).
    centroid_order : bool
        Beyond the core disc, take first the queued pixel that was nearest to
        the bin's centroid when it was queued (see `centroid_key`), instead of
        the one nearest to the seed (piXedfit's order).
    redchi2_limit : float
        Largest reduced chi-square of a pixel SED against the bin SED
        (infinite: no shape test).
    sys_err2 : float
        Square of the fractional systematic error used in the shape test.
    eta : ndarray
        Noise inflation of an ``n``-pixel bin at index ``n - 1`` (covariance
        correction), used in the S/N test.
    labels, state, stamp, members, heap, counters : ndarray
        The state made by `greedy_work`, updated in place: ``labels`` holds
        the bin number of every pixel (1..nbins in creation order, 0 for no
        bin), ``state`` FREE, BINNED, LEFTOVER or INVALID.
    progress : ndarray of int64, shape (1,)
        Number of seeds processed, increased in place (read by a progress bar
        in another thread).
    """
    npix, nbands = flux.shape
    # Queued pixels of an attempt, ordered by (squared distance to the seed,
    # pixel index): both in one int64 key, ``d2 << shift | p``.  With
    # ``centroid_order``, pixels beyond the core are keyed by `centroid_key`
    # instead, which sorts after every core pixel.
    shift = np.int64(key_bits(npix))
    mask = (np.int64(1) << shift) - 1
    max_d2 = (ny - 1) * (ny - 1) + (nx - 1) * (nx - 1)
    core_d2 = np.int64(radius2) if radius2 < max_d2 else np.int64(max_d2)
    radius_key = (core_d2 + 1) << shift   # the first key outside the core disc
    bin_flux = np.empty(nbands, dtype=np.float64)
    bin_var = np.empty(nbands, dtype=np.float64)
    core_flux = np.empty(nbands, dtype=np.float64)
    core_var = np.empty(nbands, dtype=np.float64)
    outer = np.empty(nbands, dtype=np.float64)
    outer_var = np.empty(nbands, dtype=np.float64)
    local = np.empty(nbands, dtype=np.float64)
    local_var = np.empty(nbands, dtype=np.float64)
    limit = redchi2_limit
    shape_tests = limit < np.inf      # an infinite limit: no shape test at all
    nbins = counters[0]
    attempt = counters[1]
    for k in range(seeds.shape[0]):
        progress[0] += 1
        seed = seeds[k]
        if state[seed] != FREE:
            continue
        attempt += 1
        sy = seed // nx
        sx = seed - sy * nx
        bin_flux[:] = 0.0
        bin_var[:] = 0.0
        sumy = 0
        sumx = 0
        nmem = 0
        ncore = -1
        size = 0
        stamp[seed] = attempt
        size = _heap_push(heap, size, np.int64(seed))
        snr_ok = False
        while size > 0:
            # Stop once the S/N is reached and the core disc is complete.
            if snr_ok and heap[0] >= radius_key:
                break
            key, size = _heap_pop(heap, size)
            p = key & mask
            py = p // nx
            px = p - py * nx
            d2 = float((py - sy) * (py - sy) + (px - sx) * (px - sx))
            cand = flux[p]
            cand_var = var[p]
            in_core = d2 <= radius2
            if not in_core and ncore < 0:
                ncore = nmem
                core_flux[:] = bin_flux
                core_var[:] = bin_var
            if nmem > 0 and shape_tests and not (in_core and strict_core):
                # (a) The pixel's SED must match the SED of the bin so far.
                if _shape_chi2(cand, cand_var, bin_flux, bin_var, False, sys_err2) > limit:
                    continue
                # (b) So must the SED of its surroundings (the pixel and its
                # 4-neighbours), within the noise of both: this test sees
                # colour edges that single noisy pixels hide.
                _local_sed(flux, var, valid, p, py, px, ny, nx, local, local_var)
                if _shape_chi2(local, local_var, bin_flux, bin_var, True, sys_err2) > limit:
                    continue
                # (c) Outside the core, all the pixels taken beyond the core,
                # this one included, must match the core SED: this stops a bin
                # from drifting to another SED through pixels too faint to be
                # told apart one by one.
                if not in_core and nmem > ncore:
                    for b in range(nbands):
                        outer[b] = bin_flux[b] - core_flux[b] + cand[b]
                        outer_var[b] = bin_var[b] - core_var[b] + cand_var[b]
                    if _shape_chi2(outer, outer_var, core_flux, core_var, True, sys_err2) > limit:
                        continue
            members[nmem] = p
            nmem += 1
            sumy += py
            sumx += px
            for b in range(nbands):
                bin_flux[b] += flux[p, b]
                bin_var[b] += var[p, b]
            # Queue the free 4-neighbours not queued yet in this attempt.
            for j in range(4):
                q = _neighbour(p, py, px, j, ny, nx)
                if q < 0:
                    continue
                if state[q] == FREE and stamp[q] != attempt:
                    stamp[q] = attempt
                    qy = py + (j == 1) - (j == 0)
                    qx = px + (j == 3) - (j == 2)
                    # Its tests will read its SED and its neighbours' (test b):
                    # ask for them now, so that memory latency overlaps with work.
                    prefetch_row(flux, q)
                    prefetch_row(var, q)
                    for jj in range(4):
                        r = _neighbour(q, qy, qx, jj, ny, nx)
                        if r >= 0:
                            prefetch_row(flux, r)
                            prefetch_row(var, r)
                    d2q = (qy - sy) * (qy - sy) + (qx - sx) * (qx - sx)
                    if centroid_order and d2q > core_d2:
                        d2q = centroid_key(qy, qx, sumy, sumx, nmem, core_d2)
                    size = _heap_push(heap, size, (np.int64(d2q) << shift) | q)
            snr_ok = _snr_reached(bin_flux, bin_var, nmem, snr, eta)
        if snr_ok:
            nbins += 1
            for i in range(nmem):
                labels[members[i]] = nbins
                state[members[i]] = BINNED
        else:
            # All the connected pixels that match this seed cannot reach the
            # threshold together: they stay out of every bin.
            for i in range(nmem):
                state[members[i]] = LEFTOVER
    counters[0] = nbins
    counters[1] = attempt


@njit(cache=True, nogil=True, error_model='numpy')
def _label_sums(flux, var, labels, nbins):
    """Summed flux and variance and pixel count of labels ``0..nbins`` (row 0 unused)."""
    npix, nbands = flux.shape
    sums = np.zeros((nbins + 1, nbands))
    sums_var = np.zeros((nbins + 1, nbands))
    count = np.zeros(nbins + 1, dtype=np.int64)
    for p in range(npix):
        lab = labels[p]
        if lab > 0:
            count[lab] += 1
            for b in range(nbands):
                sums[lab, b] += flux[p, b]
                sums_var[lab, b] += var[p, b]
    return sums, sums_var, count


@njit(cache=True, nogil=True, error_model='numpy')
def merge_kernel(flux, var, labels, state, ny, nx, nbins, sys_err2, snr, eta, max_waves,
                 guard, redchi2_limit):
    """
    Give leftover pixels to the most similar adjacent bin.

    Leftover pixels are reached in breadth-first waves from the bins; each takes
    the label of the 4-neighbouring bin whose SED it matches best (lowest
    reduced chi-square), so bins stay contiguous.  The choices of a wave are
    made before any of them is applied, so that the order of pixels within a
    wave does not matter.  At most ``max_waves`` waves are made.

    With ``guard``, a pixel chooses among the bins whose SED it matches
    within ``redchi2_limit`` (noise of both counted), and joins only if that
    bin still reaches ``snr`` in every required band with it (noise inflated
    by ``eta``), checked pixel by pixel in wave order; a pixel refused stays
    leftover and does not lead the next wave.  Without it, every leftover pixel with a path to a bin
    joins one.  ``labels`` is modified in place; returns the number of pixels
    given to bins.
    """
    npix, nbands = flux.shape
    sums, sums_var, count = _label_sums(flux, var, labels, nbins)
    queued = np.zeros(npix, dtype=np.bool_)
    current = np.empty(npix, dtype=np.int64)
    ncur = 0
    for p in range(npix):
        if state[p] == LEFTOVER and labels[p] == 0:
            py = p // nx
            for j in range(4):
                q = _neighbour(p, py, p - py * nx, j, ny, nx)
                if q >= 0 and labels[q] > 0:
                    current[ncur] = p
                    ncur += 1
                    queued[p] = True
                    break
    nxt = np.empty(npix, dtype=np.int64)
    choice = np.empty(npix, dtype=np.int32)
    union = np.empty(nbands, dtype=np.float64)
    union_var = np.empty(nbands, dtype=np.float64)
    nmerged = 0
    waves = 0
    while ncur > 0 and waves < max_waves:
        waves += 1
        for i in range(ncur):
            p = current[i]
            best = 0
            best_chi2 = np.inf
            py = p // nx
            for j in range(4):
                q = _neighbour(p, py, p - py * nx, j, ny, nx)
                if q < 0:
                    continue
                lab = labels[q]
                if lab > 0 and lab != best:
                    if guard:
                        c = _shape_chi2(flux[p], var[p], sums[lab], sums_var[lab], True,
                                        sys_err2)
                        if c > redchi2_limit:
                            continue
                    else:
                        c = _shape_chi2(flux[p], var[p], sums[lab], sums[lab], False, sys_err2)
                    if c < best_chi2 or (c == best_chi2 and lab < best):
                        best_chi2 = c
                        best = lab
            choice[i] = best
        nnext = 0
        for i in range(ncur):
            p = current[i]
            lab = choice[i]
            if lab == 0:
                continue
            if guard:
                for b in range(nbands):
                    union[b] = sums[lab, b] + flux[p, b]
                    union_var[b] = sums_var[lab, b] + var[p, b]
                if not _snr_reached(union, union_var, count[lab] + 1, snr, eta):
                    choice[i] = 0
                    continue
            labels[p] = lab
            nmerged += 1
            count[lab] += 1
            for b in range(nbands):
                sums[lab, b] += flux[p, b]
                sums_var[lab, b] += var[p, b]
        for i in range(ncur):
            if choice[i] == 0:
                continue
            p = current[i]
            py = p // nx
            for j in range(4):
                q = _neighbour(p, py, p - py * nx, j, ny, nx)
                if q < 0:
                    continue
                if state[q] == LEFTOVER and labels[q] == 0 and not queued[q]:
                    queued[q] = True
                    nxt[nnext] = q
                    nnext += 1
        current, nxt = nxt, current
        ncur = nnext
    return nmerged


@njit(cache=True, nogil=True, error_model='numpy')
def absorb_kernel(flux, var, labels, order, starts, ny, nx, snr, eta, sys_err2):
    """
    Give whole groups of leftover pixels to an adjacent bin that stays above the S/N.

    ``order[starts[c]:starts[c + 1]]`` are the pixels of group ``c`` (a
    4-connected set of pixels in no bin).  A group joins the 4-adjacent bin
    whose SED it matches best (lowest reduced chi-square of the two summed
    SEDs, both noises counted), among the bins that have at least as many
    pixels as the group and still reach ``snr`` in every required band with
    the group added.  Groups are taken in order; a group with no such bin
    keeps label 0.  ``labels`` is modified in place;
    returns the number of pixels given to bins.
    """
    npix, nbands = flux.shape
    sums, sums_var, count = _label_sums(flux, var, labels, labels.max())
    group = np.empty(nbands)
    group_var = np.empty(nbands)
    union = np.empty(nbands)
    union_var = np.empty(nbands)
    given = 0
    for c in range(starts.shape[0] - 1):
        first = starts[c]
        last = starts[c + 1]
        n = last - first
        group[:] = 0.0
        group_var[:] = 0.0
        for i in range(first, last):
            p = order[i]
            for b in range(nbands):
                group[b] += flux[p, b]
                group_var[b] += var[p, b]
        best = 0
        best_chi2 = np.inf
        for i in range(first, last):
            p = order[i]
            py = p // nx
            for j in range(4):
                q = _neighbour(p, py, p - py * nx, j, ny, nx)
                if q < 0:
                    continue
                lab = labels[q]
                if lab <= 0 or lab == best or count[lab] < n:
                    continue
                for b in range(nbands):
                    union[b] = sums[lab, b] + group[b]
                    union_var[b] = sums_var[lab, b] + group_var[b]
                if not _snr_reached(union, union_var, count[lab] + n, snr, eta):
                    continue
                chi2 = _shape_chi2(group, group_var, sums[lab], sums_var[lab], True, sys_err2)
                if chi2 < best_chi2 or (chi2 == best_chi2 and lab < best):
                    best_chi2 = chi2
                    best = lab
        if best > 0:
            for i in range(first, last):
                labels[order[i]] = best
            count[best] += n
            for b in range(nbands):
                sums[best, b] += group[b]
                sums_var[best, b] += group_var[b]
            given += n
    return given


def pixel_major(values, second, valid, scale, square):
    """
    Pixel-major float64 copies of band-major arrays, in one pass.

    Parameters
    ----------
    values, second : ndarray, shape (nbands, npix)
        Flux, and variance (``square`` False) or 1-sigma uncertainty
        (``square`` True); any real dtype.
    valid : ndarray of bool, shape (npix,)
        Pixels to copy; the others are set to 0 (they never enter a bin).
    scale : float
        Divisor of the flux and uncertainty (a power of two: exact).
    square : bool
        Square ``second`` (uncertainty to variance).

    Returns
    -------
    flux, var : ndarray, shape (npix, nbands)
        Two halves of one buffer, allocated by numpy: large numpy buffers are
        mapped with huge pages where the system allows it, which makes the
        first touch of the memory several times cheaper.
    """
    nbands, npix = values.shape
    buffer = np.empty((2, npix, nbands))
    _fill_pixel_major(values, second, valid, 1.0 / scale, square, buffer[0], buffer[1])
    return buffer[0], buffer[1]


@njit(cache=True, nogil=True, error_model='numpy')
def _fill_pixel_major(values, second, valid, inv, square, flux, var):
    """Fill ``flux``/``var`` (npix, nbands) for `pixel_major`."""
    nbands, npix = values.shape
    block = 64                       # read rows in runs, write a tile that stays in L1
    for start in range(0, npix, block):
        stop = min(start + block, npix)
        for b in range(nbands):
            for p in range(start, stop):
                flux[p, b] = values[b, p] * inv
        for b in range(nbands):
            for p in range(start, stop):
                s = second[b, p]
                if square:
                    s = s * inv
                    var[p, b] = s * s
                else:
                    var[p, b] = s * inv * inv
        for p in range(start, stop):
            if not valid[p]:
                for b in range(nbands):
                    flux[p, b] = 0.0
                    var[p, b] = 0.0


@njit(cache=True, nogil=True, error_model='numpy')
def bin_totals(flux, var, labels, nbins):
    """
    Summed flux and variance of each bin from pixel-major arrays, (nbins, nbands) each.

    The binning's own sums (pixel-major, variances); binned values of
    band-major arrays are made by `pixbin._sums.sum_by_bin`.
    """
    npix, nbands = flux.shape
    total = np.zeros((nbins, nbands))
    total_var = np.zeros((nbins, nbands))
    for p in range(npix):
        lab = labels[p]
        if lab > 0:
            for b in range(nbands):
                total[lab - 1, b] += flux[p, b]
                total_var[lab - 1, b] += var[p, b]
    return total, total_var
