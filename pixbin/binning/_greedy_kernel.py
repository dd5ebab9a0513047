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

__all__ = []

# Pixel states.
FREE = 0
BINNED = 1
LEFTOVER = 2
INVALID = 3


@njit(cache=True, inline='always')
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


@njit(cache=True, inline='always')
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


@njit(cache=True, inline='always')
def _neighbour(p, j, ny, nx):
    """Index of the ``j``-th 4-neighbour (up, down, left, right) of ``p``, or -1."""
    py = p // nx
    px = p - py * nx
    if j == 0:
        return p - nx if py > 0 else -1
    if j == 1:
        return p + nx if py < ny - 1 else -1
    if j == 2:
        return p - 1 if px > 0 else -1
    return p + 1 if px < nx - 1 else -1


@njit(cache=True, inline='always')
def _heap_push(keys, items, size, key, item):
    """Push ``(key, item)`` on a binary min-heap stored in ``keys``/``items``."""
    i = size
    keys[i] = key
    items[i] = item
    while i > 0:
        parent = (i - 1) >> 1
        # Ties are broken by the pixel index, so that the result is deterministic.
        if keys[parent] < keys[i] or (keys[parent] == keys[i] and items[parent] < items[i]):
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        items[parent], items[i] = items[i], items[parent]
        i = parent
    return size + 1


@njit(cache=True, inline='always')
def _heap_pop(keys, items, size):
    """Remove the smallest entry; return ``(item, new_size)``."""
    top = items[0]
    size -= 1
    keys[0] = keys[size]
    items[0] = items[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        right = left + 1
        if right < size and (keys[right] < keys[left]
                             or (keys[right] == keys[left] and items[right] < items[left])):
            child = right
        if keys[i] < keys[child] or (keys[i] == keys[child] and items[i] < items[child]):
            break
        keys[i], keys[child] = keys[child], keys[i]
        items[i], items[child] = items[child], items[i]
        i = child
    return top, size


@njit(cache=True, nogil=True)
def greedy_kernel(flux, var, valid, ny, nx, order, snr, radius2, strict_core,
                  redchi2_limit, sys_err2, eta, progress):
    """
    Grow bins from the pixels in ``order`` (brightest first).

    Parameters
    ----------
    flux, var : ndarray, shape (ny * nx, nbands)
        Flux and variance of every pixel, pixel-major so that a pixel's SED
        is contiguous (only valid pixels are read).
    valid : ndarray of bool, shape (ny * nx,)
        Pixels that may enter a bin.
    ny, nx : int
        Shape of the pixel grid.
    order : ndarray of int
        Valid pixel indices, brightest first.  Each pixel seeds a bin when it is
        still free when its turn comes.
    snr : ndarray, shape (nbands,)
        S/N threshold per band; 0 means no requirement.
    radius2 : float
        Squared radius of the core disc that a bin completes before the S/N
        test may stop it.
    strict_core : bool
        Take every free core pixel connected to the seed, without the shape
        test (piXedfit's behaviour).
    redchi2_limit : float
        Largest reduced chi-square of a pixel SED against the bin SED.
    sys_err2 : float
        Square of the fractional systematic error used in the shape test.
    eta : ndarray
        Noise inflation of an ``n``-pixel bin at index ``n - 1`` (covariance
        correction), used in the S/N test.
    progress : ndarray of int64, shape (1,)
        Number of seeds processed so far, updated in place (read by a
        progress bar in another thread).

    Returns
    -------
    labels : ndarray of int32, shape (ny * nx,)
        Bin number per pixel, 1..nbins in creation order, 0 for no bin.
    state : ndarray of int8, shape (ny * nx,)
        FREE, BINNED, LEFTOVER or INVALID per pixel.
    """
    npix, nbands = flux.shape
    labels = np.zeros(npix, dtype=np.int32)
    state = np.zeros(npix, dtype=np.int8)
    for p in range(npix):
        if not valid[p]:
            state[p] = INVALID
    # ``stamp[p] == attempt`` marks a pixel already queued in the current attempt.
    stamp = np.zeros(npix, dtype=np.int64)
    members = np.empty(npix, dtype=np.int64)
    heap_keys = np.empty(npix, dtype=np.float64)
    heap_items = np.empty(npix, dtype=np.int64)
    bin_flux = np.empty(nbands, dtype=np.float64)
    bin_var = np.empty(nbands, dtype=np.float64)
    core_flux = np.empty(nbands, dtype=np.float64)
    core_var = np.empty(nbands, dtype=np.float64)
    outer = np.empty(nbands, dtype=np.float64)
    outer_var = np.empty(nbands, dtype=np.float64)
    limit = redchi2_limit
    nbins = 0
    attempt = 0
    for k in range(order.shape[0]):
        progress[0] = k
        seed = order[k]
        if state[seed] != FREE:
            continue
        attempt += 1
        sy = seed // nx
        sx = seed - sy * nx
        bin_flux[:] = 0.0
        bin_var[:] = 0.0
        nmem = 0
        ncore = -1
        size = 0
        stamp[seed] = attempt
        size = _heap_push(heap_keys, heap_items, size, 0.0, seed)
        snr_ok = False
        while size > 0:
            # Stop once the S/N is reached and the core disc is complete.
            if snr_ok and heap_keys[0] > radius2:
                break
            p, size = _heap_pop(heap_keys, heap_items, size)
            py = p // nx
            px = p - py * nx
            d2 = float((py - sy) * (py - sy) + (px - sx) * (px - sx))
            cand = flux[p]
            cand_var = var[p]
            if d2 <= radius2:
                # Inside the core disc: the pixel must match the SED of the bin
                # so far, unless the core is strict.
                if nmem > 0 and not strict_core and \
                        _shape_chi2(cand, cand_var, bin_flux, bin_var, False, sys_err2) > limit:
                    continue
            else:
                # Outside the core: the pixel must match the bin SED, and all
                # the pixels taken beyond the core, this one included, must
                # match the core SED.  The second test stops a bin from
                # drifting to another SED through pixels too faint to be told
                # apart one by one.
                if ncore < 0:
                    ncore = nmem
                    core_flux[:] = bin_flux
                    core_var[:] = bin_var
                if _shape_chi2(cand, cand_var, bin_flux, bin_var, False, sys_err2) > limit:
                    continue
                if nmem > ncore:
                    for b in range(nbands):
                        outer[b] = bin_flux[b] - core_flux[b] + cand[b]
                        outer_var[b] = bin_var[b] - core_var[b] + cand_var[b]
                    if _shape_chi2(outer, outer_var, core_flux, core_var, True, sys_err2) > limit:
                        continue
            members[nmem] = p
            nmem += 1
            for b in range(nbands):
                bin_flux[b] += flux[p, b]
                bin_var[b] += var[p, b]
            # Queue the free 4-neighbours not queued yet in this attempt.
            for j in range(4):
                q = _neighbour(p, j, ny, nx)
                if q < 0:
                    continue
                if state[q] == FREE and stamp[q] != attempt:
                    stamp[q] = attempt
                    qy = q // nx
                    qx = q - qy * nx
                    size = _heap_push(heap_keys, heap_items, size,
                                      float((qy - sy) * (qy - sy) + (qx - sx) * (qx - sx)), q)
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
    progress[0] = order.shape[0]
    return labels, state


@njit(cache=True, nogil=True)
def merge_kernel(flux, var, labels, state, ny, nx, nbins, sys_err2):
    """
    Give leftover pixels to the most similar adjacent bin.

    Leftover pixels are reached in breadth-first waves from the bins; each takes
    the label of the 4-neighbouring bin whose SED it matches best (lowest
    reduced chi-square), so bins stay contiguous.  Leftover pixels with no path
    to a bin keep label 0.  ``labels`` is modified in place.
    """
    npix, nbands = flux.shape
    sums = np.zeros((nbins + 1, nbands), dtype=np.float64)
    for p in range(npix):
        lab = labels[p]
        if lab > 0:
            for b in range(nbands):
                sums[lab, b] += flux[p, b]
    queued = np.zeros(npix, dtype=np.bool_)
    current = np.empty(npix, dtype=np.int64)
    ncur = 0
    for p in range(npix):
        if state[p] == LEFTOVER and labels[p] == 0:
            for j in range(4):
                q = _neighbour(p, j, ny, nx)
                if q >= 0 and labels[q] > 0:
                    current[ncur] = p
                    ncur += 1
                    queued[p] = True
                    break
    nxt = np.empty(npix, dtype=np.int64)
    choice = np.empty(npix, dtype=np.int32)
    nmerged = 0
    while ncur > 0:
        # Choose for the whole wave first, then assign, so that the order of
        # pixels within a wave does not matter.
        for i in range(ncur):
            p = current[i]
            best = 0
            best_chi2 = np.inf
            for j in range(4):
                q = _neighbour(p, j, ny, nx)
                if q < 0:
                    continue
                lab = labels[q]
                if lab > 0 and lab != best:
                    c = _shape_chi2(flux[p], var[p], sums[lab], sums[lab], False, sys_err2)
                    if c < best_chi2 or (c == best_chi2 and lab < best):
                        best_chi2 = c
                        best = lab
            choice[i] = best
        nnext = 0
        for i in range(ncur):
            p = current[i]
            lab = choice[i]
            labels[p] = lab
            nmerged += 1
            for b in range(nbands):
                sums[lab, b] += flux[p, b]
        for i in range(ncur):
            p = current[i]
            for j in range(4):
                q = _neighbour(p, j, ny, nx)
                if q < 0:
                    continue
                if state[q] == LEFTOVER and labels[q] == 0 and not queued[q]:
                    queued[q] = True
                    nxt[nnext] = q
                    nnext += 1
        current, nxt = nxt, current
        ncur = nnext
    return nmerged


@njit(cache=True, nogil=True)
def pixel_major(values, second, valid, scale, square):
    """
    Pixel-major float64 copies of band-major arrays, in one pass.

    Parameters
    ----------
    values, second : ndarray, shape (nbands, npix)
        Flux, and variance (``square`` False) or 1-sigma uncertainty
        (``square`` True); any real dtype or byte order.
    valid : ndarray of bool, shape (npix,)
        Pixels to copy; the others are set to 0 (they never enter a bin).
    scale : float
        Divisor of the flux and uncertainty (a power of two: exact).
    square : bool
        Square ``second`` (uncertainty to variance).

    Returns
    -------
    flux, var : ndarray, shape (npix, nbands)
    """
    nbands, npix = values.shape
    flux = np.zeros((npix, nbands))
    var = np.zeros((npix, nbands))
    inv = 1.0 / scale
    block = 512                      # read rows in runs, write a cache-sized tile
    for start in range(0, npix, block):
        stop = min(start + block, npix)
        for b in range(nbands):
            for p in range(start, stop):
                if valid[p]:
                    flux[p, b] = values[b, p] * inv
                    s = second[b, p]
                    if square:
                        s = s * inv
                        var[p, b] = s * s
                    else:
                        var[p, b] = s * inv * inv
    return flux, var


@njit(cache=True, nogil=True)
def bin_totals(flux, var, labels, nbins):
    """Summed flux and variance of each bin from pixel-major arrays, (nbins, nbands) each."""
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
