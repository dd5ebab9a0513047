# Licensed under a 3-clause BSD style license - see LICENSE
"""
A slow, plain-Python statement of the SED-aware greedy binning.

It follows the steps documented in `pixbin.binning.sed_greedy` one by one,
with Python sets and `heapq`, so that the numba kernel can be checked against
an independent implementation.
"""

import heapq

import numpy as np


def shape_chi2(a, va, c, vc=None, sys_err=0.0):
    """Reduced chi-square of SED ``a`` against ``c`` scaled by the best s >= 0."""
    nbands = len(a)
    if nbands < 2:
        return 0.0
    vc = np.zeros(nbands) if vc is None else vc

    def best_scale(s):
        w = va + s * s * (vc + sys_err**2 * c * c)
        num, den = np.sum(a * c / w), np.sum(c * c / w)
        return num / den if num > 0 and den > 0 else 0.0

    s = best_scale(0.0)
    if np.any(vc) or sys_err:
        s = best_scale(s)
    w = va + s * s * (vc + sys_err**2 * c * c)
    return float(np.sum((a - s * c) ** 2 / w) / (nbands - 1))


def distance2(y, x, n, sum_y, sum_x):
    """Squared distance from (y, x) to the centroid of n pixels with these coordinate sums."""
    dy, dx = float(n * y - sum_y), float(n * x - sum_x)
    return (dy * dy + dx * dx) / (float(n) * float(n))


def snr_reached(total, variance, snr):
    need = snr > 0
    return bool(np.all(total[need] > 0)
                and np.all(total[need] / np.sqrt(variance[need]) >= snr[need]))


def reference_greedy(flux, variance, snr, valid, ref_band, min_diameter, redchi2_limit,
                     strict=False, sys_err=0.0, leftovers='unbinned', centroid=False):
    """
    The labels of the greedy pass; ``centroid=True`` grows bins beyond their
    core nearest to their centroid first, as the default method does: a pixel
    is keyed by its distance to the centroid of the bin when it is queued.
    """
    nbands, ny, nx = flux.shape
    f = flux.reshape(nbands, -1)
    v = variance.reshape(nbands, -1)
    free = set(np.flatnonzero(valid.ravel()).tolist())
    leftover = set()
    labels = np.zeros(ny * nx, int)
    seeds = sorted(free, key=lambda p: (-f[ref_band, p], p))
    radius2 = (min_diameter / 2) ** 2
    # the kernel's integer core radius: the largest squared distance in the core
    core_d2 = min(int(radius2), (ny - 1) ** 2 + (nx - 1) ** 2)
    nbins = 0

    def neighbours(p):
        y, x = divmod(p, nx)
        if y > 0:
            yield p - nx
        if y < ny - 1:
            yield p + nx
        if x > 0:
            yield p - 1
        if x < nx - 1:
            yield p + 1

    for seed in seeds:
        if seed not in free:
            continue
        sy, sx = divmod(seed, nx)

        def dist2(p):
            y, x = divmod(p, nx)
            return float((y - sy) ** 2 + (x - sx) ** 2)

        def centroid_key(p):
            # beyond every core key; squared distance to the members' centroid
            # in steps of 1/16 pixel squared
            y, x = divmod(p, nx)
            return core_d2 + 1 + int(16.0 * distance2(y, x, len(members),
                                                      sum(m // nx for m in members),
                                                      sum(m % nx for m in members)))

        def key(p):
            d2 = dist2(p)
            return centroid_key(p) if centroid and d2 > core_d2 else d2

        heap = [(0.0, seed)]
        queued = {seed}
        members = []
        total = np.zeros(nbands)
        var = np.zeros(nbands)
        core = None
        reached = False
        while heap:
            if members and snr_reached(total, var, snr) and heap[0][0] > radius2:
                reached = True
                break
            d2, p = heapq.heappop(heap)
            in_core = d2 <= radius2
            if not in_core and core is None:
                core = (len(members), total.copy(), var.copy())
            if members and not (in_core and strict):
                # (a) the pixel against the bin so far
                if shape_chi2(f[:, p], v[:, p], total, sys_err=sys_err) > redchi2_limit:
                    continue
                # (b) the pixel and its valid 4-neighbours against the bin, both noisy
                around = [p] + [q for q in neighbours(p) if valid.flat[q]]
                local = f[:, around].sum(axis=1)
                local_var = v[:, around].sum(axis=1)
                if shape_chi2(local, local_var, total, var, sys_err) > redchi2_limit:
                    continue
                # (c) beyond the core: everything added after the core against the core
                if not in_core and len(members) > core[0]:
                    outer = total - core[1] + f[:, p]
                    outer_var = var - core[2] + v[:, p]
                    if shape_chi2(outer, outer_var, core[1], core[2], sys_err) > redchi2_limit:
                        continue
            members.append(p)
            total += f[:, p]
            var += v[:, p]
            for q in neighbours(p):
                if q in free and q not in queued:
                    queued.add(q)
                    heapq.heappush(heap, (key(q), q))
        else:
            reached = bool(members) and snr_reached(total, var, snr)
        free.difference_update(members)
        if reached:
            nbins += 1
            labels[members] = nbins
        else:
            leftover.update(members)

    if leftovers == 'merge':
        sums = {b: f[:, labels == b].sum(axis=1) for b in range(1, nbins + 1)}
        wave = sorted(p for p in leftover
                      if any(labels[q] > 0 for q in neighbours(p)))
        seen = set(wave)
        while wave:
            choice = {}
            for p in wave:
                best = None
                for q in neighbours(p):
                    b = labels[q]
                    if b > 0:
                        c = shape_chi2(f[:, p], v[:, p], sums[b], sys_err=sys_err)
                        if best is None or (c, b) < best:
                            best = (c, b)
                choice[p] = best[1]
            for p, b in choice.items():
                labels[p] = b
                sums[b] = sums[b] + f[:, p]
            nxt = []
            for p in wave:
                for q in neighbours(p):
                    if q in leftover and labels[q] == 0 and q not in seen:
                        seen.add(q)
                        nxt.append(q)
            wave = nxt
    return labels.reshape(ny, nx)
