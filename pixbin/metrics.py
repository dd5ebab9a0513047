# Licensed under a 3-clause BSD style license - see LICENSE
"""
Quality figures of a binning: S/N, contiguity, shape, and SED homogeneity.

These are the figures that separate binning methods (see the benchmarks):
they take a label image (or a `~pixbin.BinMap`) and, for the homogeneity
figures, the noise-free truth of a mock galaxy.
"""

import numpy as np
from scipy import ndimage

from ._sums import bin_centroids, sum_by_bin

__all__ = ['colour_spread', 'component_purity', 'disconnected_bins', 'quality_summary',
           'roundness', 'roundness_excess', 'snr_deficit', 'unbinned_groups']

_FOUR_CONNECTED = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])


def _labels(labels):
    return np.asarray(getattr(labels, 'labels', labels))


def _bin_sums(labels, values):
    """Sum (n, ny, nx) values over bins 1..nbins: (nbins, n)."""
    labels = _labels(labels)
    total, _, _ = sum_by_bin(labels, int(labels.max(initial=0)), np.asarray(values, float))
    return total


def disconnected_bins(labels):
    """
    Bins whose pixels are not one 4-connected piece.

    Parameters
    ----------
    labels : ndarray of int or `~pixbin.BinMap`
        Bin labels, 0 = no bin.

    Returns
    -------
    ids : ndarray of int
        Labels of the disconnected bins.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin.metrics import disconnected_bins
    >>> disconnected_bins(np.array([[1, 2, 1], [1, 2, 2]]))
    array([1])
    """
    labels = _labels(labels)
    bad = []
    for i, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        _, n = ndimage.label(labels[box] == i, structure=_FOUR_CONNECTED)
        if n > 1:
            bad.append(i)
    return np.array(bad, dtype=int)


def roundness(labels):
    """
    Roundness ``R = r_max / sqrt(npix / pi) - 1`` of each bin.

    ``r_max`` is the largest distance of a pixel centre from the bin centroid:
    0 for a disc, larger for elongated or ragged bins.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin.metrics import roundness
    >>> roundness(np.ones((1, 9), int)).round(2)
    array([1.36])
    """
    labels = _labels(labels)
    nbins = int(labels.max(initial=0))
    y, x = np.indices(labels.shape)
    flat = labels.ravel()
    n = np.bincount(flat, minlength=nbins + 1)[1:]
    cx, cy = bin_centroids(labels, nbins, n).T
    inside = flat > 0
    lab = flat[inside] - 1
    d2 = (x.ravel()[inside] - cx[lab]) ** 2 + (y.ravel()[inside] - cy[lab]) ** 2
    rmax = np.zeros(nbins)
    np.maximum.at(rmax, lab, np.sqrt(d2))
    return _roundness_of(rmax, np.maximum(n, 1))


def _roundness_of(rmax, npix):
    """`roundness` of ``npix`` pixels whose farthest is ``rmax`` from their centroid."""
    return rmax / np.sqrt(npix / np.pi) - 1.0


def roundness_excess(labels):
    """
    `roundness` of each bin minus that of a digital disc of as many pixels.

    The roundness of small bins depends on their number of pixels more than on
    their shape: a 2-pixel bin has -0.37, three pixels in an L -0.24, in a line
    0.02.  Medians of `roundness` over bin maps with different bin sizes
    compare their sizes; this figure compares their shapes.  The digital disc
    of ``n`` pixels is the ``n`` pixels nearest to a centre (ties in row, then
    column order) placed on a pixel centre, an edge midpoint or a pixel
    corner, whichever is roundest: about 0 for the most compact shape of
    ``n`` pixels (0 for 1 pixel), larger for elongated or ragged bins.

    Parameters
    ----------
    labels : ndarray of int or `~pixbin.BinMap`
        Bin labels, 0 = no bin.

    Returns
    -------
    excess : ndarray, shape (nbins,)
        For bins ``1..nbins``; NaN for a label with no pixel.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin.metrics import roundness, roundness_excess
    >>> labels = np.zeros((3, 12), int)
    >>> labels[:, :3] = 1                 # a 3 x 3 square
    >>> labels[1, 3:12] = 2               # a line of 9 pixels
    >>> roundness(labels).round(2), roundness_excess(labels).round(2)
    (array([-0.16,  1.36]), array([0.  , 1.53]))
    """
    labels = _labels(labels)
    nbins = int(labels.max(initial=0))
    npix = np.bincount(labels.ravel(), minlength=nbins + 1)[1:]
    present = npix > 0
    sizes = np.unique(npix[present])
    reference = np.full(nbins, np.nan)
    reference[present] = _disc_roundness(sizes)[np.searchsorted(sizes, npix[present])]
    return roundness(labels) - reference


def _disc_roundness(sizes):
    """`roundness` of the roundest digital disc of each number of pixels in ``sizes``."""
    if sizes.size == 0:
        return np.zeros(0)
    half = int(np.ceil(np.sqrt(sizes.max() / np.pi))) + 2
    y, x = (a.ravel() for a in np.mgrid[-half:half + 1, -half:half + 1])
    best = np.full(sizes.size, np.inf)
    count = np.arange(1, y.size + 1)
    for oy, ox in ((0.0, 0.0), (0.0, 0.5), (0.5, 0.5)):
        order = np.lexsort((x, y, (y - oy) ** 2 + (x - ox) ** 2))
        py, px = y[order], x[order]
        cy, cx = np.cumsum(py) / count, np.cumsum(px) / count
        for i, n in enumerate(sizes.tolist()):
            rmax = np.sqrt(np.max((py[:n] - cy[n - 1]) ** 2 + (px[:n] - cx[n - 1]) ** 2))
            best[i] = min(best[i], _roundness_of(rmax, n))
    return best


def snr_deficit(snr, thresholds):
    """
    Relative S/N of each bin in its worst required band: ``min_b (SN_b / T_b) - 1``.

    Parameters
    ----------
    snr : ndarray, shape (nbins, nbands)
        S/N of each bin in each band (e.g. ``BinMap.snr``).
    thresholds : array-like, shape (nbands,)
        Thresholds; bands with 0 are ignored.

    Returns
    -------
    deficit : ndarray, shape (nbins,)
        Negative for bins below the threshold in some band.

    Examples
    --------
    Three bins, S/N in two bands, thresholds 10 and 5:

    >>> import numpy as np
    >>> from pixbin.metrics import snr_deficit
    >>> snr_deficit(np.array([[12.0, 9.0], [8.0, 20.0], [10.0, 5.0]]), [10, 5])
    array([ 0.2, -0.2,  0. ])
    """
    thresholds = np.asarray(thresholds, float)
    required = thresholds > 0
    if not np.any(required):
        return np.zeros(len(snr))
    return np.min(np.asarray(snr)[:, required] / thresholds[required], axis=1) - 1.0


def unbinned_groups(labels, flux, error, thresholds, valid=None):
    """
    The 4-connected groups of valid pixels in no bin, and how close each comes to a bin.

    Parameters
    ----------
    labels : ndarray of int or `~pixbin.BinMap`
        Bin labels, 0 = no bin.
    flux, error : array-like, shape (nbands, ny, nx) or (ny, nx)
        Flux and 1-sigma uncertainty of every pixel.
    thresholds : array-like, shape (nbands,) or float
        S/N threshold per band (0 = none).
    valid : ndarray of bool, shape (ny, nx), optional
        Pixels that may be binned; default where flux and error are finite and
        the error positive in every band.

    Returns
    -------
    groups : ndarray of int, shape (ny, nx)
        Group number of every unbinned valid pixel (1..ngroups), 0 elsewhere.
    reach : ndarray, shape (ngroups,)
        Summed S/N of each group over the threshold in its worst required
        band (quadrature-summed noise): 1 or more means the group alone could
        make a bin.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin.metrics import unbinned_groups
    >>> labels = np.array([[1, 0, 0, 1, 0]])
    >>> groups, reach = unbinned_groups(labels, np.full((1, 5), 3.0), np.ones((1, 5)), 5.0)
    >>> groups
    array([[0, 1, 1, 0, 2]], dtype=int32)
    >>> reach.round(3)
    array([0.849, 0.6  ])
    """
    labels = _labels(labels)
    flux = np.asarray(getattr(flux, 'value', flux), float)
    error = np.asarray(getattr(error, 'value', error), float)
    if flux.ndim == 2:
        flux, error = flux[np.newaxis], error[np.newaxis]
    thresholds = np.broadcast_to(np.asarray(thresholds, float), flux.shape[:1])
    if valid is None:
        with np.errstate(invalid='ignore'):
            valid = np.all(np.isfinite(flux) & np.isfinite(error) & (error > 0), axis=0)
    groups, ngroups = ndimage.label(valid & (labels == 0), structure=_FOUR_CONNECTED)
    required = np.flatnonzero(thresholds > 0)
    reach = np.full(ngroups, np.inf)
    index = np.arange(1, ngroups + 1)
    for b in required:
        signal = ndimage.sum_labels(np.where(groups > 0, flux[b], 0.0), groups, index)
        noise = np.sqrt(ndimage.sum_labels(np.where(groups > 0, error[b] ** 2, 0.0), groups,
                                           index))
        reach = np.minimum(reach, signal / noise / thresholds[b])
    return groups, reach


def colour_spread(labels, model, weights=None):
    """
    SED-shape spread of the pixels inside each bin, in magnitudes.

    For a pixel with noise-free SED ``m`` in a bin with summed SED ``M``, its
    colour offset is the RMS over bands of ``-2.5 log10(m / M)`` after the
    mean over bands is removed (so normalisation does not count).  The
    spread of a bin is the ``weights``-weighted RMS of its pixels' offsets.
    A bin of pixels with identical SED shapes has spread 0.

    Parameters
    ----------
    labels : ndarray of int or `~pixbin.BinMap`
        Bin labels, 0 = no bin.
    model : array-like, shape (nbands, ny, nx)
        Noise-free flux of every pixel (must be positive inside bins).
    weights : ndarray, shape (ny, nx), optional
        Pixel weights; default the model flux summed over bands.

    Returns
    -------
    spread : ndarray, shape (nbins,)
        Colour spread of each bin in mag.

    Examples
    --------
    Bin 1 joins two pixels of one SED shape, bin 2 a red and a blue pixel:

    >>> import numpy as np
    >>> from pixbin.metrics import colour_spread
    >>> labels = np.array([[1, 1, 2, 2]])
    >>> model = np.array([[[1.0, 2.0, 1.0, 2.0]],       # band 1
    ...                   [[1.0, 2.0, 2.0, 1.0]]])      # band 2
    >>> colour_spread(labels, model).round(2)
    array([0.  , 0.38])

    On the mock galaxy, against its noise-free model:

    >>> import pixbin
    >>> cube, truth = pixbin.datasets.make_mock_galaxy(shape=(40, 40), return_truth=True)
    >>> bm = pixbin.bin_pixels(cube, snr=[10] * 7 + [0] * 5, ref_band='sdss_r')
    >>> spread = colour_spread(bm, truth.model)
    >>> print(f'{spread.size} bins, 90% of them below {np.percentile(spread, 90):.3f} mag')
    70 bins, 90% of them below 0.289 mag
    """
    labels = _labels(labels)
    model = np.asarray(getattr(model, 'value', model), float)
    nbins = int(labels.max(initial=0))
    inside = labels > 0
    lab = labels[inside] - 1
    pix = model[:, inside]                                   # (nbands, n)
    if np.any(pix <= 0):
        raise ValueError('model must be positive in every binned pixel')
    bins = _bin_sums(labels, model)                          # (nbins, nbands)
    offset = -2.5 * np.log10(pix / bins[lab].T)              # (nbands, n)
    offset = offset - offset.mean(axis=0)
    d2 = np.mean(offset**2, axis=0)
    w = (model.sum(axis=0) if weights is None else np.asarray(weights, float))[inside]
    num = np.bincount(lab, w * d2, nbins)
    den = np.bincount(lab, w, nbins)
    return np.sqrt(num / np.maximum(den, np.finfo(float).tiny))


def component_purity(labels, components, band=None):
    """
    Fraction of each bin's flux that comes from its dominant component.

    Parameters
    ----------
    labels : ndarray of int or `~pixbin.BinMap`
        Bin labels, 0 = no bin.
    components : array-like, shape (ncomp, ny, nx) or (ncomp, nbands, ny, nx)
        Noise-free flux of each component.
    band : int, optional
        Band to use when ``components`` has a band axis (default: sum of bands).

    Returns
    -------
    purity : ndarray, shape (nbins,)
        Dominant-component fraction of each bin.
    flux : ndarray, shape (nbins,)
        Noise-free flux of each bin (for flux-weighted statistics).

    Examples
    --------
    Two components; bin 1 holds only the first, bin 2 both equally:

    >>> import numpy as np
    >>> from pixbin.metrics import component_purity
    >>> labels = np.array([[1, 1, 2, 2]])
    >>> components = np.array([[[1.0, 1.0, 1.0, 0.0]],
    ...                        [[0.0, 0.0, 0.0, 1.0]]])
    >>> purity, flux = component_purity(labels, components)
    >>> purity, flux
    (array([1. , 0.5]), array([2., 2.]))
    """
    comp = np.asarray(getattr(components, 'value', components), float)
    if comp.ndim == 4:
        comp = comp.sum(axis=1) if band is None else comp[:, band]
    sums = _bin_sums(labels, comp)                           # (nbins, ncomp)
    flux = sums.sum(axis=1)
    return sums.max(axis=1) / np.where(flux > 0, flux, np.inf), flux


def quality_summary(binmap, thresholds, truth=None, ref_band=None):
    """
    The quality figures of a binning in one dictionary.

    Parameters
    ----------
    binmap : `~pixbin.BinMap`
        A binning with photometry.
    thresholds : array-like
        S/N threshold per band (0 = none).
    truth : `~pixbin.datasets.MockTruth`, optional
        Noise-free truth, for the homogeneity figures.
    ref_band : int, optional
        Band of the purity figure (default: all bands summed).

    Returns
    -------
    summary : dict
        ``nbins``, ``binned_fraction`` (pixels in a bin / valid pixels),
        ``frac_below_target`` (bins below the threshold in any required band),
        ``snr_scatter`` (std of the relative S/N excess), ``disconnected``,
        ``single_pixel_fraction``, ``roundness_median``, and with ``truth``:
        ``colour_spread_p90`` (mag), ``pure_flux_fraction`` (flux in bins
        whose dominant component has >= 90% of the flux).

    Examples
    --------
    >>> import pixbin
    >>> from pixbin.metrics import quality_summary
    >>> snr = [10] * 7 + [0] * 5
    >>> cube, truth = pixbin.datasets.make_mock_galaxy(shape=(40, 40), return_truth=True)
    >>> bm = pixbin.bin_pixels(cube, snr=snr, ref_band='sdss_r')
    >>> summary = quality_summary(bm, snr, truth=truth)
    >>> summary['nbins'], summary['binned_fraction'], summary['frac_below_target']
    (70, 1.0, 0.0)
    >>> print(f"{summary['colour_spread_p90']:.3f} mag, {summary['pure_flux_fraction']:.2f}")
    0.289 mag, 0.89
    """
    deficit = snr_deficit(binmap.snr, thresholds)
    nvalid = binmap.meta.get('nvalid', binmap.labels.size)
    summary = {
        'nbins': binmap.nbins,
        'binned_fraction': float((binmap.labels > 0).sum() / max(nvalid, 1)),
        'frac_below_target': float(np.mean(deficit < -1e-9)) if binmap.nbins else 0.0,
        'snr_scatter': float(np.std(deficit)) if binmap.nbins else 0.0,
        'disconnected': int(disconnected_bins(binmap).size),
        'single_pixel_fraction': float(np.mean(binmap.npix == 1)) if binmap.nbins else 0.0,
        'roundness_median': float(np.median(roundness(binmap))) if binmap.nbins else 0.0,
    }
    if truth is not None and binmap.nbins:
        spread = colour_spread(binmap, truth.model)
        purity, flux = component_purity(binmap, truth.components, band=ref_band)
        summary['colour_spread_p90'] = float(np.percentile(spread, 90))
        summary['pure_flux_fraction'] = float(flux[purity >= 0.9].sum() / flux.sum())
    return summary
