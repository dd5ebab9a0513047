# Licensed under a 3-clause BSD style license - see LICENSE
"""
Covariance correction of binned uncertainties.

Neighbouring pixels of resampled data (IFU cubes, drizzled or PSF-matched
images) are correlated, so the quadrature sum underestimates the noise of a
bin.  The usual empirical correction (Husemann et al. 2013; Law et al. 2016,
MaNGA) multiplies the quadrature noise of an ``n``-pixel bin by
``eta(n) = 1 + alpha * log10(n)``.
"""

import numbers

import numpy as np

__all__ = []


def check_covariance(covariance):
    """Return ``covariance`` if it is None, a non-negative number or a callable."""
    if covariance is None or callable(covariance):
        return covariance
    expected = ('covariance must be None, a finite alpha >= 0 (eta = 1 + alpha * log10(n)) '
                'or a callable eta(n), got')
    if isinstance(covariance, (bool, np.bool_)) or not isinstance(covariance, numbers.Real):
        raise TypeError(f'{expected} {covariance!r}')
    if not np.isfinite(covariance) or covariance < 0:
        raise ValueError(f'{expected} {covariance!r}')
    return float(covariance)


def covariance_eta(covariance, npix):
    """
    Noise inflation factor of bins of ``npix`` pixels.

    Parameters
    ----------
    covariance : None, float or callable
        None: no correction (``eta = 1``); a number ``alpha``:
        ``eta = 1 + alpha * log10(n)``; a callable: ``eta = covariance(n)``,
        vectorised over an integer array ``n``.
    npix : array-like of int
        Number of pixels per bin.

    Returns
    -------
    eta : ndarray of float
        Factor >= 1 per bin (1 for empty bins).
    """
    npix = np.asarray(npix)
    if covariance is None:
        return np.ones(npix.shape)
    n = np.maximum(npix, 1)
    if callable(covariance):
        eta = np.broadcast_to(np.asarray(covariance(n), dtype=np.float64), n.shape).copy()
        if not np.all(np.isfinite(eta)) or np.any(eta <= 0):
            raise ValueError(f'covariance(n) must return finite positive factors, got '
                             f'{eta[~(np.isfinite(eta) & (eta > 0))][:3]!r}')
        return eta
    return 1.0 + covariance * np.log10(n)


def describe_covariance(covariance):
    """A short text for headers and reprs."""
    if covariance is None:
        return 'none'
    if callable(covariance):
        return f'callable {getattr(covariance, "__name__", type(covariance).__name__)}'
    return f'eta = 1 + {covariance:g} log10(n)'


class TabulatedCovariance:
    """
    A covariance factor ``eta(n)`` known at some bin sizes (e.g. read from a file).

    Between and beyond the tabulated sizes, ``eta`` is interpolated linearly in
    ``log10(n)`` (and held constant outside the table).

    Parameters
    ----------
    npix, eta : array-like
        Bin sizes and their factors.

    Examples
    --------
    >>> from pixbin._covariance import TabulatedCovariance
    >>> TabulatedCovariance([1, 100], [1.0, 3.0])([1, 10, 100])
    array([1., 2., 3.])
    """

    def __init__(self, npix, eta):
        npix = np.asarray(npix, dtype=float)
        eta = np.asarray(eta, dtype=float)
        order = np.argsort(npix)
        self.npix, index = np.unique(npix[order], return_index=True)
        self.eta = eta[order][index]
        if np.any(self.npix < 1):
            raise ValueError('TabulatedCovariance needs bin sizes >= 1')

    def __call__(self, n):
        if self.npix.size == 0:
            # the table of a map without bins (a file keeps eta per bin): nothing is known
            if np.size(n):
                raise ValueError('this TabulatedCovariance has no bin sizes (it comes from a '
                                 'map without bins): it gives no eta')
            return np.zeros(np.shape(n))
        return np.interp(np.log10(np.maximum(n, 1)), np.log10(self.npix), self.eta)

    def __repr__(self):
        if self.npix.size == 0:
            return '<TabulatedCovariance: no sizes>'
        return f'<TabulatedCovariance: {self.npix.size} sizes from {self.npix[0]:g} ' \
               f'to {self.npix[-1]:g}>'
