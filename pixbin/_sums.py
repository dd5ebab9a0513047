# Licensed under a 3-clause BSD style license - see LICENSE
"""
Sums over the pixels of each bin, on band-major arrays (nlead, ny, nx).

`sum_by_bin` makes the binned values of `~pixbin.BinMap.apply`, of the bin
spectra and of the quality metrics; `bin_centroids` and `first_pixels` read
per-bin positions off a label image (`~pixbin.BinMap.centroid`, the bin-map
file reader, the glue plugin).  The binning itself sums its pixel-major
arrays (npix, nbands) in the numba kernel
``pixbin.binning._greedy_kernel.bin_totals``: it runs inside the binning
loops, takes variances rather than uncertainties, and a band-major copy for
`sum_by_bin` would cost a transpose and change the last digits of the
variances (``sqrt`` then square).
"""

import numpy as np
from scipy import sparse

__all__ = []

# Up to this many bands or wavelengths, sums use bincount instead of a sparse product.
_FEW = 64


def safe_scale(typical):
    """
    A power of two close to ``typical`` if squaring values of that size could
    underflow or overflow (beyond 2**+-64), else 1.

    Dividing by a power of two and multiplying back is exact, so results do not
    depend on it; it only keeps squares (variances) of tiny or huge values, e.g.
    fluxes of 1e-200 or 1e200 in some unit, finite and non-zero.
    """
    typical = float(abs(typical))
    if not np.isfinite(typical) or typical == 0.0 or 2.0**-64 <= typical <= 2.0**64:
        return 1.0
    return float(2.0 ** np.clip(np.round(np.log2(typical)), -1000, 1000))


def membership_matrix(labels, nbins):
    """
    Sparse (nbins, npix) matrix with a 1 where pixel ``p`` belongs to bin ``i + 1``.
    """
    flat = np.asarray(labels).ravel()
    pixels = np.flatnonzero(flat > 0)
    return sparse.csr_matrix((np.ones(pixels.size), (flat[pixels] - 1, pixels)),
                             shape=(nbins, flat.size))


def bin_centroids(labels, nbins, npix=None):
    """
    Unweighted pixel centroid ``(x, y)`` of each bin.

    Parameters
    ----------
    labels : ndarray of int, shape (ny, nx)
        Bin labels, 0 = no bin.
    nbins : int
        Number of bins.
    npix : ndarray of int, shape (nbins,), optional
        Number of pixels of each bin, when the caller has it.

    Returns
    -------
    centroid : ndarray, shape (nbins, 2)
        Mean ``x`` and ``y`` of the pixel centres of each bin (pixel
        coordinates, centres at integers); NaN for a bin without pixels.
    """
    labels = np.asarray(labels)
    flat = labels.ravel()
    if npix is None:
        npix = np.bincount(flat, minlength=nbins + 1)[1:]
    y, x = np.indices(labels.shape)
    with np.errstate(divide='ignore', invalid='ignore'):
        cx = np.bincount(flat, weights=x.ravel(), minlength=nbins + 1)[1:] / npix
        cy = np.bincount(flat, weights=y.ravel(), minlength=nbins + 1)[1:] / npix
    return np.column_stack([cx, cy])


def first_pixels(labels, nbins):
    """
    Flat index (C order) of the first pixel of each bin, -1 for a bin without pixels.

    Parameters
    ----------
    labels : ndarray of int, shape (ny, nx)
        Bin labels, 0 = no bin.
    nbins : int
        Number of bins.

    Returns
    -------
    first : ndarray of int, shape (nbins,)
    """
    flat = np.asarray(labels).ravel()
    first = np.full(nbins, -1)
    order = np.flatnonzero(flat > 0)
    first[flat[order[::-1]] - 1] = order[::-1]
    return first


def sum_by_bin(labels, nbins, values, std=None, bad=None, matrix=None):
    """
    Sum pixel values and quadrature-sum their uncertainties over bins.

    Parameters
    ----------
    labels : ndarray of int, shape (ny, nx)
        Bin labels, 0 = no bin.
    nbins : int
        Number of bins.
    values : ndarray, shape (nlead, ny, nx)
        Pixel values; ``nlead`` is the number of bands or wavelengths.
    std : ndarray, shape (nlead, ny, nx), optional
        1-sigma uncertainties of ``values``.
    bad : ndarray of bool, shape (nlead, ny, nx), optional
        Values to leave out of the sums.
    matrix : sparse matrix, optional
        `membership_matrix` of ``labels``, when the caller reuses it.

    Returns
    -------
    total : ndarray, shape (nbins, nlead)
    total_std : ndarray, shape (nbins, nlead) or None
        Quadrature sum of ``std`` (no covariance correction).
    nbad : ndarray of int, shape (nbins, nlead)
        Number of pixels left out of each sum.
    """
    nlead = values.shape[0]
    flat = values.reshape(nlead, -1)
    bad = ~np.isfinite(flat) if bad is None else bad.reshape(nlead, -1) | ~np.isfinite(flat)
    var = None
    scale = 1.0
    if std is not None:
        std = std.reshape(nlead, -1)
        finite = np.isfinite(std)
        scale = safe_scale(np.abs(std).max(initial=0.0, where=finite))
        var = np.square(std / scale if scale != 1.0 else std)
        bad |= ~finite
    if nlead <= _FEW:
        # A few bands: one bincount per band beats a sparse product.
        lab = np.asarray(labels).ravel()
        inside = lab > 0
        lab = lab[inside] - 1
        total = np.empty((nbins, nlead))
        total_var = None if var is None else np.empty((nbins, nlead))
        nbad = np.empty((nbins, nlead), dtype=np.int64)
        for i in range(nlead):
            ok = ~bad[i][inside]
            total[:, i] = np.bincount(lab[ok], weights=flat[i][inside][ok], minlength=nbins)
            if var is not None:
                total_var[:, i] = np.bincount(lab[ok], weights=var[i][inside][ok],
                                              minlength=nbins)
            nbad[:, i] = np.bincount(lab[~ok], minlength=nbins)
        return total, None if var is None else np.sqrt(total_var) * scale, nbad
    if matrix is None:
        matrix = membership_matrix(labels, nbins)
    total = np.asarray(matrix @ np.where(bad, 0.0, flat).T)
    total_std = None if var is None else \
        np.sqrt(np.asarray(matrix @ np.where(bad, 0.0, var).T)) * scale
    nbad = np.rint(np.asarray(matrix @ bad.T.astype(np.float64))).astype(np.int64)
    return total, total_std, nbad
