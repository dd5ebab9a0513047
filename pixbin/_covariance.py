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
    if isinstance(covariance, (bool, np.bool_)) or not isinstance(covariance, numbers.Real) \
            or not np.isfinite(covariance) or covariance < 0:
        raise ValueError(f'covariance must be None, a finite alpha >= 0 (eta = 1 + alpha * '
                         f'log10(n)) or a callable eta(n), got {covariance!r}')
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
