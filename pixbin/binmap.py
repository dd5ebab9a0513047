# Licensed under a 3-clause BSD style license - see LICENSE
"""
The result of a binning: a label image with the binned photometry.
"""

import astropy.units as u
import numpy as np
from astropy.utils import lazyproperty

from ._covariance import check_covariance, covariance_eta, describe_covariance
from ._validation import celestial_wcs

__all__ = ['BinMap']


class BinMap:
    """
    A map of pixel bins and the binned photometry of each bin.

    A `BinMap` is what `~pixbin.bin_pixels` returns.  Bins are numbered
    ``1..nbins`` without gaps; 0 marks pixels in no bin.  Derived quantities
    (pixel counts, centroids, S/N) are computed on first access and cached.

    Flux semantics: ``flux`` is the **sum** of the pixel fluxes of each bin, in
    the unit of the input cube; ``flux_err`` its 1-sigma uncertainty, the
    quadrature sum of the pixel uncertainties times the covariance factor
    ``eta(npix)`` when a covariance correction was asked for.  ``mean_flux`` is
    the mean per pixel.

    Parameters
    ----------
    labels : array-like of int, shape (ny, nx)
        Bin number of each pixel, ``1..nbins``, 0 for no bin.
    flux, flux_err : `~astropy.units.Quantity`, shape (nbins, nbands), optional
        Summed flux of each bin in each band and its uncertainty.  Both or
        neither.
    wcs : `~astropy.wcs.WCS`, optional
        Celestial WCS of the pixel grid.
    band_names : sequence of str, optional
        Names of the bands (default ``band0``, ``band1``, ...).
    band_wavelengths : `~astropy.units.Quantity`, optional
        Effective wavelength of each band.
    covariance : None, float or callable, optional
        Covariance correction used for ``flux_err`` (see `~pixbin.bin_pixels`);
        also applied by `apply`.
    meta : dict, optional
        Parameters of the binning and other metadata.

    Examples
    --------
    >>> import numpy as np
    >>> import astropy.units as u
    >>> from pixbin import BinMap
    >>> bm = BinMap(np.array([[1, 1, 0], [2, 2, 2]]),
    ...             flux=[[3.0], [6.0]] * u.Jy, flux_err=[[1.0], [1.5]] * u.Jy)
    >>> bm.nbins, bm.npix
    (2, array([2, 3]))
    >>> bm.snr
    array([[3.],
           [4.]])
    """

    def __init__(self, labels, *, flux=None, flux_err=None, wcs=None, band_names=None,
                 band_wavelengths=None, covariance=None, meta=None):
        self._labels = self._check_labels(labels)
        self._wcs = celestial_wcs(wcs, 'wcs')
        self._covariance = check_covariance(covariance)
        self.meta = dict(meta) if meta else {}
        self._flux, self._flux_err = self._check_flux(flux, flux_err)
        nbands = 0 if self._flux is None else self._flux.shape[1]
        if band_names is None:
            band_names = [f'band{i}' for i in range(nbands)]
        band_names = tuple(str(name) for name in band_names)
        if self._flux is not None and len(band_names) != nbands:
            raise ValueError(f'band_names must have one name per band ({nbands}), got '
                             f'{len(band_names)}')
        self._band_names = band_names
        if band_wavelengths is not None:
            band_wavelengths = u.Quantity(band_wavelengths)
            if band_wavelengths.shape != (len(band_names),):
                raise ValueError(f'band_wavelengths must have one value per band '
                                 f'({len(band_names)}), got shape {band_wavelengths.shape}')
        self._band_wavelengths = band_wavelengths

    @staticmethod
    def _check_labels(labels):
        labels = np.asanyarray(labels)
        if labels.ndim != 2:
            raise ValueError(f'labels must be a 2-D array, got shape {labels.shape}')
        if labels.dtype.kind not in 'iu':
            if labels.dtype.kind == 'f' and np.all(np.isfinite(labels)) \
                    and np.all(labels == np.round(labels)):
                labels = labels.astype(np.int64)
            else:
                raise TypeError(f'labels must be an integer array, got dtype {labels.dtype}')
        if labels.size and labels.min() < 0:
            raise ValueError(f'labels must be >= 0 (0 = no bin), got minimum {labels.min()}')
        present = np.unique(labels[labels > 0])
        if present.size and (present[0] != 1 or present[-1] != present.size):
            missing = np.setdiff1d(np.arange(1, present[-1] + 1), present)
            raise ValueError(f'labels must number the bins 1..nbins without gaps; '
                             f'missing {missing[:10].tolist()}'
                             + (' ...' if missing.size > 10 else ''))
        labels = np.array(labels, dtype=np.int32 if labels.max(initial=0) < 2**31 else np.int64)
        labels.flags.writeable = False
        return labels

    def _check_flux(self, flux, flux_err):
        if flux is None and flux_err is None:
            return None, None
        if flux is None or flux_err is None:
            raise ValueError('flux and flux_err must be given together')
        nbins = self.nbins
        result = []
        for name, value in (('flux', flux), ('flux_err', flux_err)):
            if not isinstance(value, u.Quantity):
                raise TypeError(f'{name} must be a Quantity with a flux unit, got '
                                f'{type(value).__name__}')
            value = np.atleast_1d(value)
            if value.ndim == 1:
                value = value[:, np.newaxis]
            if value.ndim != 2 or value.shape[0] != nbins:
                raise ValueError(f'{name} must have shape (nbins, nbands) with nbins = {nbins}, '
                                 f'got {value.shape}')
            result.append(value)
        flux, flux_err = result
        if flux.shape != flux_err.shape:
            raise ValueError(f'flux and flux_err must have the same shape, got {flux.shape} '
                             f'and {flux_err.shape}')
        try:
            flux_err = flux_err.to(flux.unit)
        except u.UnitsError:
            raise u.UnitsError(f'flux_err has unit {flux_err.unit!s}, which does not convert '
                               f'to the flux unit {flux.unit!s}') from None
        return flux, flux_err

    # -- the label image -------------------------------------------------------------
    @property
    def labels(self):
        """Bin number of each pixel (read-only 2-D array), 0 = no bin."""
        return self._labels

    @property
    def shape(self):
        """Shape ``(ny, nx)`` of the pixel grid."""
        return self._labels.shape

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._labels, dtype=dtype)

    @property
    def wcs(self):
        """Celestial WCS of the pixel grid, or `None`."""
        return self._wcs

    @property
    def covariance(self):
        """The covariance correction (None, alpha or a callable eta(n))."""
        return self._covariance

    @lazyproperty
    def nbins(self):
        """Number of bins."""
        return int(self._labels.max(initial=0))

    @lazyproperty
    def bin_ids(self):
        """Bin numbers ``1..nbins``."""
        return np.arange(1, self.nbins + 1)

    @lazyproperty
    def npix(self):
        """Number of pixels in each bin, shape (nbins,)."""
        return np.bincount(self._labels.ravel(), minlength=self.nbins + 1)[1:]

    @lazyproperty
    def unbinned(self):
        """Boolean image, True for pixels in no bin."""
        return self._labels == 0

    @lazyproperty
    def eta(self):
        """Covariance factor applied to the quadrature noise of each bin, shape (nbins,)."""
        return covariance_eta(self._covariance, self.npix)

    @lazyproperty
    def centroid(self):
        """Unweighted pixel centroid ``(x, y)`` of each bin, shape (nbins, 2)."""
        y, x = np.indices(self.shape)
        lab = self._labels.ravel()
        n = np.maximum(self.npix, 1)
        cx = np.bincount(lab, weights=x.ravel(), minlength=self.nbins + 1)[1:] / n
        cy = np.bincount(lab, weights=y.ravel(), minlength=self.nbins + 1)[1:] / n
        return np.column_stack([cx, cy])

    @lazyproperty
    def sky_centroid(self):
        """Sky position of each bin centroid (`~astropy.coordinates.SkyCoord`), or None."""
        if self._wcs is None:
            return None
        return self._wcs.pixel_to_world(self.centroid[:, 0], self.centroid[:, 1])

    @lazyproperty
    def slices(self):
        """Bounding-box slices ``(slice_y, slice_x)`` of each bin."""
        from scipy.ndimage import find_objects
        return find_objects(self._labels, max_label=self.nbins)

    # -- photometry ------------------------------------------------------------------
    @property
    def band_names(self):
        """Names of the bands."""
        return self._band_names

    @property
    def band_wavelengths(self):
        """Effective wavelength of each band (`~astropy.units.Quantity`) or None."""
        return self._band_wavelengths

    @property
    def nbands(self):
        """Number of bands."""
        return len(self._band_names)

    @property
    def flux(self):
        """Summed flux of each bin in each band, Quantity (nbins, nbands)."""
        return self._flux

    @property
    def flux_err(self):
        """1-sigma uncertainty of `flux`, Quantity (nbins, nbands)."""
        return self._flux_err

    @lazyproperty
    def snr(self):
        """S/N of each bin in each band, ``flux / flux_err``, shape (nbins, nbands)."""
        if self._flux is None:
            return None
        with np.errstate(divide='ignore', invalid='ignore'):
            return (self._flux / self._flux_err).to_value(u.dimensionless_unscaled)

    @lazyproperty
    def mean_flux(self):
        """Mean flux per pixel of each bin, ``flux / npix``, Quantity (nbins, nbands)."""
        if self._flux is None:
            return None
        return self._flux / self.npix[:, np.newaxis]

    @lazyproperty
    def mean_flux_err(self):
        """Uncertainty of `mean_flux`."""
        if self._flux is None:
            return None
        return self._flux_err / self.npix[:, np.newaxis]

    def pixel_map(self, values, fill_value=np.nan):
        """
        Paint one value per bin onto the pixel grid.

        Parameters
        ----------
        values : array-like or `~astropy.units.Quantity`, shape (nbins, ...)
            One value (or one row of values) per bin, e.g. ``bm.snr[:, 4]``.
        fill_value : float, optional
            Value of pixels in no bin.

        Returns
        -------
        image : ndarray or Quantity, shape (..., ny, nx)
            The value of each pixel's bin; trailing dimensions of ``values``
            come first, as in a cube.

        Examples
        --------
        >>> import numpy as np
        >>> from pixbin import BinMap
        >>> BinMap(np.array([[1, 0], [2, 2]])).pixel_map([10.0, 20.0])
        array([[10., nan],
               [20., 20.]])
        """
        unit = getattr(values, 'unit', None)
        values = np.asarray(getattr(values, 'value', values))
        if values.shape[:1] != (self.nbins,):
            raise ValueError(f'values must have one entry per bin ({self.nbins}) along its '
                             f'first axis, got shape {values.shape}')
        table = np.concatenate([np.full((1,) + values.shape[1:], fill_value,
                                        dtype=np.result_type(values, fill_value)), values])
        image = np.moveaxis(table[self._labels], (0, 1), (-2, -1))
        return image * unit if unit is not None else image

    # -- re-using the map -------------------------------------------------------------
    def apply(self, data):
        """
        Bin other data on the same pixel grid with this map.

        Values are summed over the pixels of each bin and uncertainties are
        summed in quadrature, times the covariance factor `eta`.  Masked or
        non-finite values are left out of the sums, and a sum that misses
        any pixel is masked in the result.

        Parameters
        ----------
        data : `~astropy.nddata.NDData` or `~specutils.Spectrum`
            An image (ny, nx), a cube (n, ny, nx), or a specutils spectrum
            cube (any ``spectral_axis_index``) on this map's pixel grid.

        Returns
        -------
        binned : `~astropy.nddata.NDData` or `~specutils.Spectrum`
            `~astropy.nddata.NDData` of shape (nbins,) or (nbins, n) for
            NDData input; a `~specutils.Spectrum` with flux (nbins, nwave)
            for a Spectrum.  Units are kept and the uncertainty is a
            `~astropy.nddata.StdDevUncertainty` (None if the input has none).

        Raises
        ------
        TypeError
            If ``data`` is not an NDData or Spectrum.
        ValueError
            If the pixel grid differs from this map's (shape or WCS).
        """
        from ._apply import apply_binmap
        return apply_binmap(self, data)

    def check_grid(self, shape, wcs=None, name='data'):
        """
        Raise a ValueError unless ``shape`` (and ``wcs`` when both have one) is this grid.
        """
        if tuple(shape) != self.shape:
            raise ValueError(f'{name} has spatial shape {tuple(shape)}, but the bin map has '
                             f'{self.shape}: resample it onto the bin map grid first '
                             f'(e.g. reproject.reproject_interp(..., bm.wcs, shape_out=bm.shape))')
        if wcs is None or self._wcs is None:
            return
        other = celestial_wcs(wcs, f'{name}.wcs')
        # Same grid: the corners and centre of the other grid land on the same
        # pixels of this one (to 1% of a pixel).
        ny, nx = self.shape
        xs = np.array([0, nx - 1, 0, nx - 1, (nx - 1) / 2])
        ys = np.array([0, 0, ny - 1, ny - 1, (ny - 1) / 2])
        try:
            px, py = self._wcs.world_to_pixel(other.pixel_to_world(xs, ys))
            same = bool(np.all(np.hypot(px - xs, py - ys) < 0.01))
        except (ValueError, TypeError, u.UnitsError):
            same = False
        if not same:
            raise ValueError(f'{name} has a different WCS from the bin map: resample it onto '
                             f'the bin map grid first (e.g. reproject.reproject_interp(..., '
                             f'bm.wcs, shape_out=bm.shape))')

    # -- tables and display -------------------------------------------------------------
    def to_table(self):
        """
        One row per bin: id, npix, centroid, and flux, error and S/N per band.

        Returns
        -------
        table : `~astropy.table.QTable`
        """
        from astropy.table import QTable
        table = QTable()
        table['bin'] = self.bin_ids
        table['npix'] = self.npix
        table['xcentroid'] = self.centroid[:, 0]
        table['ycentroid'] = self.centroid[:, 1]
        if self.sky_centroid is not None:
            table['sky_centroid'] = self.sky_centroid
        if self._flux is not None:
            for i, name in enumerate(self._band_names):
                table[f'flux_{name}'] = self._flux[:, i]
                table[f'flux_err_{name}'] = self._flux_err[:, i]
                table[f'snr_{name}'] = self.snr[:, i]
        return table

    def plot_map(self, ax=None, **kwargs):
        """
        Show the bin map; see `pixbin.plotting.plot_map`.

        Returns
        -------
        ax : `matplotlib.axes.Axes`
        """
        from .plotting import plot_map
        return plot_map(self, ax, **kwargs)

    def plot_sed(self, bin_ids, ax=None, **kwargs):
        """
        Plot the SEDs of bins; see `pixbin.plotting.plot_sed`.

        Returns
        -------
        ax : `matplotlib.axes.Axes`
        """
        from .plotting import plot_sed
        return plot_sed(self, bin_ids, ax, **kwargs)

    def __repr__(self):
        unit = '' if self._flux is None else f', unit={self._flux.unit!s}'
        return (f'<{type(self).__name__}(nbins={self.nbins}, shape={self.shape}, '
                f'nbands={self.nbands}{unit}, unbinned={int(self.unbinned.sum())} px, '
                f'covariance={describe_covariance(self._covariance)!r}, '
                f'wcs={"yes" if self._wcs is not None else "no"})>')
