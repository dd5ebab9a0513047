# Licensed under a 3-clause BSD style license - see LICENSE
"""
The array-level entry point of the binning algorithms.
"""

from dataclasses import dataclass

import numpy as np

from .._sums import safe_scale
from .._validation import check_choice
from ._complete import complete_pass
from ._greedy import LEFTOVER_CHOICES, greedy_pass
from ._greedy_kernel import LEFTOVER, bin_totals, merge_kernel, pixel_major
from ._relax import relax_pass

__all__ = ['BinnedArrays', 'LEFTOVER_CHOICES', 'METHODS', 'bin_arrays', 'sed_greedy']

#: The binning methods and the default ``sys_err`` of each.
METHODS = {'complete': 0.03, 'greedy': 0.0}


@dataclass(frozen=True)
class BinnedArrays:
    """
    The result of `bin_arrays`: labels and per-bin totals as plain arrays.

    Attributes
    ----------
    labels : ndarray of int32, shape (ny, nx)
        Bin number of every pixel, ``1..nbins``, 0 for pixels in no bin.
    flux : ndarray, shape (nbins, nbands)
        Summed flux of each bin, in the unit of the input.
    error : ndarray, shape (nbins, nbands)
        Quadrature sum of the pixel uncertainties of each bin (no covariance
        correction), in the unit of the input.
    npix : ndarray of int, shape (nbins,)
        Number of pixels of each bin.
    ref_band : int
        The band that ordered the seeds.
    sys_err : float
        The fractional systematic uncertainty used in the shape tests.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin.binning import bin_arrays
    >>> flux = np.ones((2, 3, 4))
    >>> result = bin_arrays(flux, np.ones_like(flux), [2.0, 0.0], min_diameter=1)
    >>> type(result).__name__, result.labels.max(), result.flux.shape
    ('BinnedArrays', np.int32(3), (3, 2))
    >>> result.error[:, 0], result.ref_band, result.sys_err     # quadrature sums of 4 ones
    (array([2., 2., 2.]), 0, 0.03)
    """

    labels: np.ndarray
    flux: np.ndarray
    error: np.ndarray
    npix: np.ndarray
    ref_band: int
    sys_err: float

    @property
    def nbins(self):
        """Number of bins."""
        return self.flux.shape[0]


def bin_arrays(flux, error, snr, *, valid=None, method='complete', ref_band=None,
               min_diameter=2.0, strict_min_diameter=False, redchi2_limit=4.0, sys_err=None,
               eta=None, leftovers='unbinned', progress=None):
    """
    Bin pixels so that every bin reaches a S/N threshold in every band and holds
    pixels with similar SED shapes.

    This is the array-level algorithm behind `pixbin.bin_pixels`, which parses
    and checks astropy inputs and should be preferred.  Here the inputs are
    trusted: no unit, no NaN check beyond ``valid``.

    Both methods start with a greedy pass after piXedfit's ``pixel_binning``,
    with its defects fixed:

    1. The brightest free pixel in ``ref_band`` seeds a bin.
    2. The bin takes the free pixels within ``min_diameter / 2`` of the seed
       that connect to it (4-connectivity) and pass shape tests (a) and (b)
       below (all of them if ``strict_min_diameter``, as piXedfit does).  The
       S/N test cannot stop the bin before this core is complete.
    3. It grows through free 4-neighbours, nearest to its centroid first
       (``method='complete'``: compact bins where earlier bins block one side
       of the seed) or nearest to the seed first (``method='greedy'``,
       piXedfit's order).  A pixel joins only if (a) its SED matches the
       current summed SED of the bin, (b) the summed SED of the pixel and its
       valid 4-neighbours (whatever bin they are in) matches it too, and (c)
       the summed SED of all pixels taken beyond the core, itself included,
       matches the SED of the core.
       "Matches" means a reduced chi-square below ``redchi2_limit``
       (``nbands - 1`` degrees of freedom) after scaling by the best
       non-negative normalisation; (b) and (c) count the noise of both SEDs,
       and the bin's model has a fractional systematic uncertainty
       ``sys_err`` in every band.
    4. It stops as soon as the summed S/N reaches ``snr`` in every band with a
       non-zero threshold.  If the candidates run out first, the pixels it
       took become leftovers, which neither seed nor join later bins of
       this pass.

    ``method='greedy'`` stops there (piXedfit's scheme).  ``method='complete'``
    (the default) then leaves no signal behind, and makes the bins compact:

    5. Completion: first, leftover pixels within ``min_diameter / 2`` of a
       bin join the adjacent bin whose SED they match (the shape limit, both
       noises counted) if it keeps its S/N: blends at component edges.  Then
       every 4-connected group of pixels in no bin whose summed S/N reaches
       the threshold in every required band is freed, and its pixels seed
       new bins as in steps 1-4 without the shape tests (the greedy pass
       tried them), until no such group is left.  The first seed of a group
       can take the whole group, so every freed group gives at least one bin
       and the rounds end.  Pixels where SEDs change, such as PSF blends at
       the edges of clumps, make bins of their own instead of being left out.
    6. Absorption: each remaining group joins the adjacent bin whose SED it
       matches best (lowest reduced chi-square, both noises counted) among
       the bins with at least as many pixels that still reach the threshold
       with it.  Bright pixels where SEDs blend, too few to make a bin of
       their own, are binned with their best match rather than left out.
    7. Relaxation: pixels on the border of two bins move to the other bin
       where that makes the two bins more compact (their moments of inertia
       scaled to their sizes drop), in up to 4 sweeps over the pixels.  A
       pixel moves only if both bins keep their S/N and stay 4-connected,
       the border between them does not grow, the pixel is farther than
       ``min_diameter / 2`` from its bin's centroid, it matches the new
       bin's SED and its surroundings do not match it much worse than the
       old one.  The bins and the set of binned pixels stay as they are.

    Pixels stay in no bin only when no 4-connected group of them reaches the
    threshold and no adjacent bin can take them and stay above it.  Then
    ``leftovers='merge'`` gives them to the adjacent bin whose SED they match
    best, wherever that leaves its S/N.

    Every bin is 4-connected by construction, pixels with ``valid=False`` never
    enter a bin, and negative fluxes are summed as they are.  The cost grows
    as ``N log N`` with the number of pixels ``N`` (heap-ordered flood fills;
    each completion round labels the unbinned pixels once; each relaxation
    sweep visits the pixels next to the moves of the sweep before).

    Parameters
    ----------
    flux, error : ndarray, shape (nbands, ny, nx)
        Flux and 1-sigma uncertainty of every pixel (any float dtype).
    snr : array-like, shape (nbands,)
        S/N threshold per band; 0 means no requirement in that band.
    valid : ndarray of bool, shape (ny, nx), optional
        Pixels allowed in a bin.  Default: pixels whose flux and uncertainty
        are finite and whose uncertainty is positive in every band.
    method : {'complete', 'greedy'}, optional
        The default ``'complete'`` runs every step above; ``'greedy'`` stops
        after step 4, as piXedfit does.
    ref_band : int, optional
        Band whose flux orders the seeds, brightest first.  Default: the band
        with the highest total S/N.
    min_diameter : float, optional
        Diameter in pixels of the core disc around the seed.
    strict_min_diameter : bool, optional
        Take every free core pixel without the shape test (piXedfit's
        behaviour), so that cores are not cut at sharp colour edges; a bin is
        still smaller where the core's pixels are already in other bins.
    redchi2_limit : float, optional
        Largest reduced chi-square between a pixel SED and the bin SED.
    sys_err : float, optional
        Fractional systematic uncertainty of the bin model, added in
        quadrature in the shape tests only.  Default: ``METHODS[method]``,
        0.03 for ``'complete'`` (3% differences between pixels are not told
        apart, at any S/N) and 0 for ``'greedy'``.
    eta : ndarray, optional
        Noise inflation factor for a bin of ``n`` pixels at index ``n - 1``
        (covariance correction) used in the S/N tests; length at least the
        number of valid pixels.  Default: no correction.
    leftovers : {'unbinned', 'merge'}, optional
        What happens to pixels left in no bin.
    progress : callable, optional
        Called from the calling thread with the fraction of seeds processed
        (0 to 1) while the greedy pass runs in a worker thread.

    Returns
    -------
    result : `BinnedArrays`
        The labels (bin 1 has the brightest seed of the greedy pass), the
        summed flux and uncertainty of every bin, its number of pixels, and
        the reference band and ``sys_err`` used.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin.binning import bin_arrays
    >>> flux = np.ones((2, 3, 4))
    >>> result = bin_arrays(flux, np.ones_like(flux), [2.0, 0.0], min_diameter=1)
    >>> result.labels
    array([[1, 1, 2, 2],
           [1, 1, 2, 2],
           [3, 3, 3, 3]], dtype=int32)
    >>> result.flux[:, 0], result.npix
    (array([4., 4., 4.]), array([4, 4, 4]))
    """
    check_choice(method, 'method', METHODS)
    check_choice(leftovers, 'leftovers', LEFTOVER_CHOICES)
    sys_err = METHODS[method] if sys_err is None else float(sys_err)
    flux = np.asarray(flux)
    error = np.asarray(error)
    nbands, ny, nx = flux.shape
    # A core wider than any path through the grid takes the whole grid: the same
    # bins from there on, without squares that overflow.
    min_diameter = min(float(min_diameter), 2.0 * (ny * nx + 1))
    snr = np.ascontiguousarray(np.broadcast_to(np.asarray(snr, dtype=np.float64), (nbands,)))
    if valid is None:
        with np.errstate(invalid='ignore'):
            valid = (np.all(np.isfinite(flux), axis=0) & np.all(np.isfinite(error), axis=0)
                     & np.all(error > 0, axis=0))
    valid = np.ascontiguousarray(valid, dtype=bool).ravel()
    candidates = np.flatnonzero(valid)
    # Pixel-major float64 copies (a pixel's SED contiguous) made in one pass.
    # Tiny or huge values (1e-200, 1e200 in some unit) are rescaled by a power of
    # two, which is exact: their squares must neither underflow nor overflow.
    # (a typical uncertainty: the median of a sample of about 256 pixels is enough)
    error_flat = error.reshape(nbands, -1)
    sample = candidates[::max(1, candidates.size // 256)]
    scale = safe_scale(np.median(error_flat[:, sample])) if sample.size else 1.0
    flux2, var2 = pixel_major(flux.reshape(nbands, -1), error_flat, valid, scale, True)
    if ref_band is None:
        with np.errstate(invalid='ignore', divide='ignore'):
            total_snr = flux2.sum(axis=0) / np.sqrt(var2.sum(axis=0))
        ref_band = int(np.argmax(np.where(np.isfinite(total_snr), total_snr, -np.inf)))
    if eta is None:
        eta = np.ones(max(candidates.size, 1))
    eta = np.ascontiguousarray(eta, dtype=np.float64)
    options = dict(ref_band=ref_band, min_diameter=min_diameter,
                   strict_min_diameter=strict_min_diameter, redchi2_limit=redchi2_limit,
                   sys_err=sys_err, eta=eta, centroid_order=method == 'complete')
    work = greedy_pass(flux2, var2, valid, (ny, nx), snr, progress=progress, **options)
    if method == 'complete':
        complete_pass(flux2, var2, valid, (ny, nx), snr, work, **options)
        relax_pass(flux2, var2, valid, (ny, nx), snr, work, min_diameter=min_diameter,
                   redchi2_limit=redchi2_limit, sys_err=sys_err, eta=eta)
    labels, state = work[0], work[1]
    nbins = int(work[5][0])
    if leftovers == 'merge' and np.any((state == LEFTOVER) & (labels == 0)):
        # as many waves as it takes (at most one per pixel), no S/N guard, no shape limit
        merge_kernel(flux2, var2, labels, state, ny, nx, nbins, sys_err ** 2, snr, eta,
                     valid.size, False, np.inf)
    total, total_var = bin_totals(flux2, var2, labels, nbins)
    npix = np.bincount(labels, minlength=nbins + 1)[1:]
    return BinnedArrays(labels=labels.reshape(ny, nx), flux=total * scale,
                        error=np.sqrt(total_var) * scale, npix=npix, ref_band=int(ref_band),
                        sys_err=sys_err)


def sed_greedy(flux, variance, snr, *, valid=None, ref_band=0, min_diameter=2.0,
               strict_min_diameter=False, redchi2_limit=4.0, sys_err=0.0, eta=None,
               leftovers='unbinned', progress=None):
    """
    Labels of piXedfit's greedy scheme: `bin_arrays` with ``method='greedy'``.

    Kept for scripts written for pixbin 0.1; the parameters are those of
    `bin_arrays`, with a variance instead of a 1-sigma uncertainty.

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
    >>> sed_greedy(flux, np.ones_like(flux), np.array([2.0, 0.0]), min_diameter=1)
    array([[1, 1, 2, 2],
           [1, 1, 2, 2],
           [3, 3, 3, 3]], dtype=int32)
    """
    # (a variance that is not finite and positive gives an error that is not either:
    # bin_arrays' default valid pixels are the same)
    with np.errstate(invalid='ignore'):
        error = np.sqrt(np.asarray(variance))
    return bin_arrays(flux, error, snr, valid=valid, method='greedy', ref_band=ref_band,
                      min_diameter=min_diameter, strict_min_diameter=strict_min_diameter,
                      redchi2_limit=redchi2_limit, sys_err=sys_err, eta=eta,
                      leftovers=leftovers, progress=progress).labels
