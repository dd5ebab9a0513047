# Licensed under a 3-clause BSD style license - see LICENSE
"""
A slow, plain-Python statement of the relaxation step of the default binning.

It follows the rules documented in `pixbin.binning._relax.relax_kernel` with
Python dictionaries and `scipy.ndimage`, so that the numba kernel can be
checked against an independent implementation.
"""

import numpy as np
from reference_greedy import distance2, shape_chi2
from scipy import ndimage

from pixbin.binning._relax import CHI2_TOLERANCE, MAX_SWEEPS, MIN_GAIN


def reaches(total, variance, npix, snr, eta):
    """S/N of a bin of ``npix`` pixels at least ``snr`` in every band with a threshold."""
    for b in np.flatnonzero(snr > 0):
        threshold = snr[b] * eta[npix - 1]
        if total[b] <= 0 or total[b] * total[b] < threshold * threshold * variance[b]:
            return False
    return True


def reference_relax(flux, variance, labels, snr, valid, min_diameter, redchi2_limit, sys_err,
                    eta=None, max_sweeps=MAX_SWEEPS):
    """The labels after relaxation of ``labels`` (the bins the other passes made)."""
    nbands, ny, nx = flux.shape
    f = flux.reshape(nbands, -1).T
    v = variance.reshape(nbands, -1).T
    ok = valid.ravel()
    lab = labels.ravel().copy()
    eta = np.ones(lab.size) if eta is None else eta
    snr = np.asarray(snr, float)
    radius2 = (min_diameter / 2) ** 2
    members = {}
    for p in np.flatnonzero(lab):
        members.setdefault(lab[p], []).append(p)
    total = {k: sum(f[p] for p in ps) for k, ps in members.items()}
    total_var = {k: sum(v[p] for p in ps) for k, ps in members.items()}
    count = {k: len(ps) for k, ps in members.items()}
    sum_y = {k: sum(p // nx for p in ps) for k, ps in members.items()}
    sum_x = {k: sum(p % nx for p in ps) for k, ps in members.items()}
    inertia = {k: sum(distance2(p // nx, p % nx, count[k], sum_y[k], sum_x[k]) for p in ps)
               for k, ps in members.items()}

    def neighbours(p):
        """4-neighbours in the order up, down, left, right."""
        y, x = divmod(p, nx)
        return [q for q, inside in ((p - nx, y > 0), (p + nx, y < ny - 1),
                                    (p - 1, x > 0), (p + 1, x < nx - 1)) if inside]

    def stays_connected(p, a):
        """Exactly one 4-connected part of a's pixels around p holds a 4-neighbour of p."""
        y, x = divmod(p, nx)
        window = np.zeros((3, 3), bool)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if (dy or dx) and 0 <= y + dy < ny and 0 <= x + dx < nx:
                    window[1 + dy, 1 + dx] = lab[(y + dy) * nx + x + dx] == a
        parts, _ = ndimage.label(window)
        return len({parts[1 + dy, 1 + dx] for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1))}
                   - {0}) == 1

    def local_sed(p):
        """The pixel and its valid 4-neighbours, summed in that order."""
        sed, sed_var = f[p].copy(), v[p].copy()
        for q in neighbours(p):
            if ok[q]:
                sed, sed_var = sed + f[q], sed_var + v[q]
        return sed, sed_var

    active = set(range(lab.size))
    for _ in range(max_sweeps):
        touched = set()
        for p in sorted(active):
            a = lab[p]
            if a == 0 or count[a] < 2:
                continue
            others = [lab[q] for q in neighbours(p) if lab[q] not in (0, a)]
            if not others:
                continue
            y, x = divmod(p, nx)
            na = count[a]
            da2 = distance2(y, x, na - 1, sum_y[a] - y, sum_x[a] - x)
            if da2 <= radius2:
                continue
            if not (reaches(total[a] - f[p], total_var[a] - v[p], na - 1, snr, eta)
                    and stays_connected(p, a)):
                continue
            inertia_a = inertia[a] - da2 * (na - 1) / na
            gain_a = inertia[a] / (na * na) - inertia_a / ((na - 1) * (na - 1))
            in_a = sum(lab[q] == a for q in neighbours(p))
            sed, sed_var = local_sed(p)
            best, best_change = 0, -MIN_GAIN
            for b in others:
                nb = count[b]
                inertia_b = inertia[b] + distance2(y, x, nb, sum_y[b], sum_x[b]) * nb / (nb + 1)
                change = inertia_b / ((nb + 1) * (nb + 1)) - inertia[b] / (nb * nb) - gain_a
                if (change < best_change
                        and sum(lab[q] == b for q in neighbours(p)) >= in_a
                        and reaches(total[b] + f[p], total_var[b] + v[p], nb + 1, snr, eta)
                        and shape_chi2(f[p], v[p], total[b], total_var[b], sys_err)
                        <= redchi2_limit
                        and shape_chi2(sed, sed_var, total[b], total_var[b], sys_err)
                        <= shape_chi2(sed, sed_var, total[a], total_var[a], sys_err)
                        + CHI2_TOLERANCE):
                    best, best_change = b, change
            if best == 0:
                continue
            nb = count[best]
            inertia[best] += distance2(y, x, nb, sum_y[best], sum_x[best]) * nb / (nb + 1)
            inertia[a] = inertia_a
            lab[p] = best
            for k, sign in ((a, -1), (best, 1)):
                count[k] += sign
                sum_y[k] += sign * y
                sum_x[k] += sign * x
                total[k] = total[k] + sign * f[p]
                total_var[k] = total_var[k] + sign * v[p]
            touched |= {p, *neighbours(p)}
        if not touched:
            break
        active = touched
    return lab.reshape(ny, nx)
