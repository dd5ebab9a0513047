# Licensed under a 3-clause BSD style license - see LICENSE
"""
The result of a binning: a label image with the binned photometry.
"""

import astropy.units as u
import numpy as np
from astropy.io.registry import UnifiedReadWriteMethod
from astropy.utils import lazyproperty

from ._covariance import check_covariance, covariance_eta, describe_covariance
from ._reproject import reproject_binmap
from ._sums import bin_centroids
from ._unified_io import BinMapRead, BinMapWrite
from ._validation import (celestial_wcs, check_band_wavelengths, check_flux_unit,
                          check_same_grid)

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
    spectra : `~specutils.Spectrum`, optional
        Summed spectra (nbins_spec, nwave) of the bins that have one, in
        increasing bin order.
    spec_labels : array-like of int, shape (ny, nx), optional
        Bin number of the pixels whose spectrum entered a bin spectrum, else 0.
        Required with ``spectra``.
    spec_region : array-like of bool, shape (ny, nx), optional
        The IFU footprint (True = pixel has a spectrum).

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

    read = UnifiedReadWriteMethod(BinMapRead)
    write = UnifiedReadWriteMethod(BinMapWrite)

    def __init__(self, labels, *, flux=None, flux_err=None, wcs=None, band_names=None,
                 band_wavelengths=None, covariance=None, meta=None, spectra=None,
                 spec_labels=None, spec_region=None):
        self._labels = self._check_labels(labels)
        self._wcs = celestial_wcs(wcs, 'wcs')
        self._covariance = check_covariance(covariance)
        if meta is not None and not hasattr(meta, 'keys'):
            raise TypeError(f'meta must be a dict, got {type(meta).__name__}')
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
        self._band_wavelengths = check_band_wavelengths(band_wavelengths, len(band_names))
        self._spectra, self._spec_labels, self._spec_region = self._check_spectra(
            spectra, spec_labels, spec_region)

    @staticmethod
    def _check_labels(labels):
        labels = np.asanyarray(labels)
        if labels.ndim != 2:
            raise ValueError(f'labels must be a 2-D array, got shape {labels.shape}')
        if labels.size == 0:
            raise ValueError(f'labels must not be empty, got shape {labels.shape}')
        if labels.dtype.kind not in 'iu':
            if labels.dtype.kind == 'f' and np.all(np.isfinite(labels)) \
                    and np.all(labels == np.round(labels)):
                labels = labels.astype(np.int64)
            else:
                raise TypeError(f'labels must be an integer array, got dtype {labels.dtype}')
        if labels.size and labels.min() < 0:
            raise ValueError(f'labels must be >= 0 (0 = no bin), got minimum {labels.min()}')
        top = int(labels.max(initial=0))
        # A labelling without gaps has top <= labels.size: count labels in O(N) then.
        if top <= labels.size:
            present = np.flatnonzero(np.bincount(labels.ravel(), minlength=top + 1)[1:]) + 1
        else:
            present = np.unique(labels[labels > 0])
        if present.size and (present[0] != 1 or present[-1] != present.size):
            # the first missing numbers (without listing up to a huge label)
            missing = np.setdiff1d(np.arange(1, present.size + 12), present)
            missing = missing[missing < present[-1]]
            raise ValueError(f'labels must number the bins 1..nbins without gaps; '
                             f'missing {missing[:10].tolist()}'
                             + (' ...' if missing.size > 10 else ''))
        labels = np.array(labels, dtype=np.int32 if top < 2**31 else np.int64)
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
        check_flux_unit(flux.unit, 'flux')
        try:
            flux_err = flux_err.to(flux.unit)
        except u.UnitsError:
            raise u.UnitsError(f'flux_err has unit {flux_err.unit!s}, which does not convert '
                               f'to the flux unit {flux.unit!s}') from None
        negative = np.count_nonzero(flux_err.value < 0)
        if negative:
            raise ValueError(f'flux_err must be >= 0 (or NaN), got {negative} negative '
                             f'value(s)')
        return flux, flux_err

    def _check_spectra(self, spectra, spec_labels, spec_region):
        if spec_region is not None:
            spec_region = np.array(spec_region, dtype=bool)
            if spec_region.shape != self.shape:
                raise ValueError(f'spec_region must have shape {self.shape}, got '
                                 f'{spec_region.shape}')
            spec_region.flags.writeable = False
        if spectra is None and spec_labels is None:
            return None, None, spec_region
        if spectra is None or spec_labels is None:
            raise ValueError('spectra and spec_labels must be given together')
        spec_labels = np.array(spec_labels)
        if spec_labels.shape != self.shape or spec_labels.dtype.kind not in 'iu':
            raise ValueError(f'spec_labels must be an integer image of shape {self.shape}, '
                             f'got {spec_labels.dtype} {spec_labels.shape}')
        inside = spec_labels > 0
        if np.any(spec_labels[inside] != self._labels[inside]):
            raise ValueError('spec_labels must hold the bin number of labels (or 0) in every '
                             'pixel')
        ids = np.unique(spec_labels[inside])
        from specutils import Spectrum
        if not isinstance(spectra, Spectrum) or spectra.flux.ndim != 2:
            raise TypeError(f'spectra must be a specutils Spectrum with flux (nbins_spec, '
                            f'nwave), got {type(spectra).__name__}')
        if spectra.flux.shape[0] != ids.size:
            raise ValueError(f'spectra has {spectra.flux.shape[0]} rows but spec_labels has '
                             f'{ids.size} bins')
        spec_labels.flags.writeable = False
        return spectra, spec_labels, spec_region

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
        """
        Boolean image, True for pixels in no bin (with or without data).

        See `n_unbinned` and `n_nodata` for the two kinds of pixels in no bin.
        """
        return self._labels == 0

    def _nvalid(self):
        """``meta['nvalid']`` checked against the label image, or None if unknown."""
        nvalid = self.meta.get('nvalid')
        if nvalid is None:
            return None
        if isinstance(nvalid, (bool, np.bool_)) or not isinstance(nvalid, (int, np.integer)) \
                or not self.n_binned <= nvalid <= self._labels.size:
            raise ValueError(f"meta['nvalid'] must be an integer number of valid pixels between "
                             f"the {self.n_binned} pixels in bins and the {self._labels.size} "
                             f"pixels of the grid, got {nvalid!r}")
        return int(nvalid)

    @property
    def n_binned(self):
        """
        Number of pixels in a bin.

        Only pixels with valid data are ever binned, so this is also the number
        of valid pixels binned.
        """
        return int(np.count_nonzero(self._labels))

    @property
    def n_unbinned(self):
        """
        Number of **valid** pixels in no bin, or None if unknown.

        Pixels with valid data that no bin took (they could not reach the S/N
        or failed the shape test); pixels without data (`n_nodata`) are not
        counted.  It needs ``meta['nvalid']``, the number of valid pixels,
        which `~pixbin.bin_pixels` records and bin-map files keep (``NVALID``);
        for a map that does not know it (older files, piXedfit files) it is
        None, as is `n_nodata`: all that is known then is that
        ``unbinned.sum()`` pixels are in no bin.

        Examples
        --------
        >>> import numpy as np
        >>> from pixbin import BinMap
        >>> bm = BinMap(np.array([[1, 1, 0], [2, 0, 0]]), meta={'nvalid': 4})
        >>> bm.n_binned, bm.n_unbinned, bm.n_nodata
        (3, 1, 2)
        >>> print(BinMap(np.array([[1, 0]])).n_unbinned)
        None
        """
        nvalid = self._nvalid()
        return None if nvalid is None else nvalid - self.n_binned

    @property
    def n_nodata(self):
        """
        Number of pixels without valid data (never binned), or None if unknown.

        ``labels.size - meta['nvalid']``: pixels masked, non-finite or without
        a valid uncertainty in every band; None when ``meta['nvalid']`` is
        unknown (see `n_unbinned`).
        """
        nvalid = self._nvalid()
        return None if nvalid is None else self._labels.size - nvalid

    @lazyproperty
    def eta(self):
        """Covariance factor applied to the quadrature noise of each bin, shape (nbins,)."""
        return covariance_eta(self._covariance, self.npix)

    @lazyproperty
    def centroid(self):
        """Unweighted pixel centroid ``(x, y)`` of each bin, shape (nbins, 2)."""
        return bin_centroids(self._labels, self.nbins, self.npix)

    @lazyproperty
    def sky_centroid(self):
        """
        Sky position of each bin centroid (`~astropy.coordinates.SkyCoord`),
        or None without a WCS or with one that gives no sky frame astropy
        knows (e.g. ``LINEAR`` axes).
        """
        from astropy.coordinates import SkyCoord
        if self._wcs is None:
            return None
        world = self._wcs.pixel_to_world(self.centroid[:, 0], self.centroid[:, 1])
        return world if isinstance(world, SkyCoord) else None

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

    @lazyproperty
    def photometry(self):
        """
        The bin SEDs as a specutils `~specutils.Spectrum` on the band wavelengths.

        Flux (nbins, nbands) with its uncertainty; when the band wavelengths
        are unknown or not monotonic, an `~astropy.nddata.NDData` (nbins,
        nbands) with ``meta['band_names']`` instead.
        """
        if self._flux is None:
            return None
        from astropy.nddata import NDData, StdDevUncertainty
        uncertainty = StdDevUncertainty(self._flux_err)
        meta = {'band_names': self._band_names, 'bin_ids': self.bin_ids}
        wave = self._band_wavelengths
        if wave is not None and wave.size > 1:
            step = np.diff(wave.to_value(u.AA, equivalencies=u.spectral()))
            if np.all(step > 0) or np.all(step < 0):
                from specutils import Spectrum
                return Spectrum(flux=self._flux, spectral_axis=wave, spectral_axis_index=1,
                                uncertainty=uncertainty,
                                meta=meta)
        return NDData(self._flux.value, unit=self._flux.unit, uncertainty=uncertainty,
                      meta=meta)

    # -- spectra ------------------------------------------------------------------------
    @property
    def spectra(self):
        """
        Summed spectra of the bins that have one (`~specutils.Spectrum`), or None.

        Flux (nbins_spec, nwave), one row per bin of `spec_bin_ids`.
        """
        return self._spectra

    @property
    def spec_labels(self):
        """Bin number of the pixels whose spectrum entered a bin spectrum, else 0."""
        return self._spec_labels

    @property
    def spec_region(self):
        """The IFU footprint (True = pixel has a spectrum), or None."""
        return self._spec_region

    @lazyproperty
    def spec_bin_ids(self):
        """Numbers of the bins that have a spectrum (increasing)."""
        if self._spec_labels is None:
            return np.zeros(0, int)
        return np.unique(self._spec_labels[self._spec_labels > 0])

    @property
    def nbins_spec(self):
        """Number of bins with a spectrum."""
        return int(self.spec_bin_ids.size)

    def spectrum_index(self, bin_id):
        """Row of `spectra` that holds the spectrum of bin ``bin_id``, or None."""
        row = np.searchsorted(self.spec_bin_ids, bin_id)
        if row < self.spec_bin_ids.size and self.spec_bin_ids[row] == bin_id:
            return int(row)
        return None

    def spectrum(self, bin_id):
        """
        The summed spectrum of one bin as a 1-D `~specutils.Spectrum`.

        Raises
        ------
        ValueError
            If the bin has no spectrum.
        """
        row = self.spectrum_index(bin_id)
        if row is None:
            raise ValueError(f'bin {bin_id} has no spectrum (bins with spectra: '
                             f'{self.nbins_spec} of {self.nbins})')
        return self._spectra[row]

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
            If ``data`` is not an NDData or Spectrum, or does not hold real
            numbers.
        ValueError
            If the pixel grid differs from this map's (shape or WCS), ``data``
            is empty, or its uncertainty or mask does not match it (shape,
            negative uncertainties).
        """
        from ._apply import apply_binmap
        return apply_binmap(self, data)

    def reproject(self, wcs, shape=None, *, supersample=None):
        """
        The same bins on another celestial pixel grid.

        Each pixel of the target grid takes the bin that covers most of its
        area, or 0 when more than half of its area lies outside every bin (or
        outside this map).  The areas are estimated by supersampling: each
        target pixel is split into ``supersample x supersample`` sub-pixels,
        whose centres are carried through the sky (target WCS, then this
        map's WCS) to this map's pixels; the bin of the most sub-pixels wins,
        ties going to the lower bin number.  The error of an area is about the
        area of a sub-pixel row along the bin edges, so the label of a target
        pixel that a bin edge splits nearly in half may differ from the exact
        answer.

        Parameters
        ----------
        wcs : `~astropy.wcs.WCS` or APE-14 WCS
            Celestial WCS of the target grid (different pixel scale,
            rotation, offset or projection; a 3-D astropy WCS gives its
            celestial part).
        shape : tuple of int, optional
            Target shape ``(ny, nx)``; default ``wcs.array_shape``.
        supersample : int, optional
            Sub-pixels per target pixel side.  Default: the smallest odd
            number >= ``3 * target pixel scale / source pixel scale``, so that
            sub-pixels are at most a third of a pixel of this map across (1
            for a target grid three or more times finer, 3 for the same
            scale).

        Returns
        -------
        binmap : `~pixbin.BinMap`
            Labels and WCS only (no flux, spectra or covariance correction:
            bin the target data with `apply`).  Bins that cover no target
            pixel are left out and the others numbered ``1..n`` in their
            order; ``meta['source_bin_ids']`` holds the bin number in this map
            of each new bin, ``meta['supersample']`` the supersampling.

        Raises
        ------
        ValueError
            If this map has no WCS, ``wcs`` has no celestial part, ``shape``
            is not two positive integers or ``supersample`` is not a
            positive integer.

        Examples
        --------
        A 2 x 2 map carried to a grid twice as fine:

        >>> import numpy as np
        >>> from astropy.wcs import WCS
        >>> from pixbin import BinMap
        >>> coarse = WCS(naxis=2)
        >>> coarse.wcs.ctype = ['RA---TAN', 'DEC--TAN']
        >>> coarse.wcs.crval = [150.0, 2.0]
        >>> coarse.wcs.crpix = [1.0, 1.0]
        >>> coarse.wcs.cdelt = [-2e-4, 2e-4]
        >>> fine = coarse.deepcopy()
        >>> fine.wcs.crpix = [1.5, 1.5]
        >>> fine.wcs.cdelt = [-1e-4, 1e-4]
        >>> bm = BinMap(np.array([[1, 1], [2, 0]]), wcs=coarse)
        >>> bm.reproject(fine, (4, 4)).labels
        array([[1, 1, 1, 1],
               [1, 1, 1, 1],
               [2, 2, 0, 0],
               [2, 2, 0, 0]], dtype=int32)
        """
        labels, target, meta = reproject_binmap(self, wcs, shape, supersample)
        return BinMap(labels, wcs=target, meta=meta)

    def check_grid(self, shape, wcs=None, name='data'):
        """
        Raise a ValueError unless ``shape`` (and ``wcs`` when both have one) is this grid.
        """
        check_same_grid(self.shape, self._wcs, shape, wcs, name)

    def to_regions(self, bin_ids=None, *, sky=False, flat=False):
        """
        The outline of each bin as an astropy-regions polygon.

        Each bin becomes a `~regions.PolygonPixelRegion` along the outer edges
        of its pixels (vertices at pixel corners); a bin with holes becomes a
        compound region (polygon XOR holes).  ``meta['label']`` is
        ``'bin <id>'``, so the regions can be written to a ds9 file with
        labels.

        Parameters
        ----------
        bin_ids : int or sequence of int, optional
            Bins to convert (default all).
        sky : bool, optional
            Return sky regions, through the WCS.
        flat : bool, optional
            No compound regions, for file formats (ds9, CRTF) that cannot
            store them: a bin with holes becomes its outline polygon(s) plus
            its holes as excluded polygons (``meta['include'] = 0``, as
            regions reads ds9's excluded regions), all labelled with the bin.

        Returns
        -------
        regions : `~regions.Regions`
            One region per bin, in the order of ``bin_ids`` (with ``flat``,
            one or more per bin).

        Examples
        --------
        >>> import numpy as np
        >>> from pixbin import BinMap
        >>> region = BinMap(np.array([[1, 1], [0, 1]])).to_regions()[0]
        >>> region.vertices.xy
        (array([-0.5,  1.5,  1.5,  0.5,  0.5, -0.5]), array([-0.5, -0.5,  1.5,  1.5,  0.5,  0.5]))

        A ring (a bin with a hole) flattened for a ds9 file:

        >>> ring = BinMap(np.pad([[0]], 1, constant_values=1))
        >>> [r.meta.get('include', 1) for r in ring.to_regions(flat=True)]
        [1, 0]
        """
        from ._regions import binmap_regions, flat_regions
        regions = binmap_regions(self, bin_ids, sky=sky)
        return flat_regions(regions) if flat else regions

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

    def _describe_unbinned(self):
        """'unbinned=N px' (valid pixels) and 'nodata=M px', for the repr."""
        try:
            unbinned, nodata = self.n_unbinned, self.n_nodata
        except ValueError:          # a meta['nvalid'] that does not fit the labels
            unbinned = nodata = None
        if unbinned is None:
            return f'in no bin={int(self.unbinned.sum())} px (valid or not: nvalid unknown)'
        return f'unbinned={unbinned} px' + (f', nodata={nodata} px' if nodata else '')

    def __repr__(self):
        unit = '' if self._flux is None else f', unit={self._flux.unit!s}'
        spec = '' if self._spectra is None else f', nbins_spec={self.nbins_spec}'
        return (f'<{type(self).__name__}(nbins={self.nbins}{spec}, shape={self.shape}, '
                f'nbands={self.nbands}{unit}, {self._describe_unbinned()}, '
                f'covariance={describe_covariance(self._covariance)!r}, '
                f'wcs={"yes" if self._wcs is not None else "no"})>')
