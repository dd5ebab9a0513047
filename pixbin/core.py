# Licensed under a 3-clause BSD style license - see LICENSE
"""
`bin_pixels`: bin the pixels of an astropy cube into a `~pixbin.BinMap`.
"""

import warnings

import astropy.units as u
import numpy as np

from ._covariance import check_covariance, covariance_eta
from ._options import OPTIONS
from ._progress import progress_callback
from ._spectra import bin_spectra, parse_spectra, spectral_footprint
from ._validation import (check_bool, check_choice, check_positive_scalar, parse_cube,
                          parse_ref_band, parse_snr)
from ._windows import bin_with_windows, is_spectral_cube
from .binmap import BinMap
from .binning import bin_arrays
from .exceptions import PixbinWarning
from .io.cube import normalise_input
from .io.pixedfit import GALAXY_META_KEYS

__all__ = ['bin_pixels']


def _min_diameter_pixels(min_diameter, wcs):
    """
    ``min_diameter`` in pixels; an angle is converted with the WCS pixel scale.

    The scale of an astropy FITS WCS is that of its projection plane; any other
    APE-14 WCS is measured between neighbouring pixels on the sky.  A result
    within 1e-6 pixel of an integer is that integer (0.8 arcsec at 0.2 arcsec
    per pixel is 4, not 3.999999999999968).
    """
    if isinstance(min_diameter, u.Quantity) and not min_diameter.isscalar:
        raise ValueError(f'min_diameter must be one value (pixels, or an angle), got '
                         f'{min_diameter}')
    if isinstance(min_diameter, u.Quantity) and min_diameter.unit.physical_type == 'angle':
        if wcs is None:
            raise ValueError(f'min_diameter is an angle ({min_diameter}) but the cube has no '
                             f'WCS to convert it to pixels; give it in pixels')
        from ._reproject import pixel_scale
        try:
            scale = pixel_scale(wcs)
        except ValueError as exc:
            raise ValueError(f'min_diameter is an angle ({min_diameter}) but {exc}; give it '
                             f'in pixels') from None
        min_diameter = (min_diameter / scale).to_value(u.dimensionless_unscaled)
        if np.isfinite(min_diameter) and abs(min_diameter - np.round(min_diameter)) <= 1e-6:
            min_diameter = float(np.round(min_diameter))
    elif isinstance(min_diameter, u.Quantity) and min_diameter.unit == u.pix:
        min_diameter = min_diameter.value
    return check_positive_scalar(min_diameter, 'min_diameter')


def bin_pixels(cube, snr, *, method='complete', ref_band=None, min_diameter=2.0,
               redchi2_limit=4.0, mask=None, sys_err=None, leftovers='unbinned',
               strict_min_diameter=False, covariance=None,
               spectra=None, spec_region=None, spec_min_fraction=1.0, band_names=None,
               band_wavelengths=None, bands=None, progress=False):
    """
    Bin the pixels of a multi-band cube by S/N in every band and SED shape.

    Each bin reaches the S/N threshold ``snr`` in every band that has one,
    is 4-connected, and grows from a core disc ``min_diameter`` pixels across
    (not a minimum bin size) around the brightest free pixel in ``ref_band``,
    taking pixels whose SEDs are similar in shape.  The default method then
    bins every group of connected pixels left out that reaches the threshold
    (see `pixbin.binning.bin_arrays` for the algorithm and exactly which
    pixels stay in no bin).

    Parameters
    ----------
    cube : `~astropy.nddata.NDData`, path, or list of them
        Photometric cube of shape (nbands, ny, nx), a single image (ny, nx),
        or a list of 2-D images on one pixel grid (stacked in order).  A FITS
        file is read with `pixbin.io.read_input` (the reader of ``pixbin
        bin``): a spectrophotometric piXedfit file gives its spectra too.  A
        spectral cube (a `specutils.Spectrum`) is refused.  It
        needs a flux unit (a flux, flux density, surface brightness or count
        unit, or maggies) and an uncertainty of the same shape
        (`~astropy.nddata.StdDevUncertainty`; `~astropy.nddata.VarianceUncertainty`
        and `~astropy.nddata.InverseVariance` are converted).  Its optional
        ``mask`` (True = bad) may be (ny, nx) or (nbands, ny, nx); its
        optional WCS may be celestial or a 3-D WCS with a celestial part.
        Band names and wavelengths are read from ``cube.meta['band_names']``
        and ``cube.meta['band_wavelengths']`` (a Quantity); images in a list
        name their band with ``meta['band_name']`` or a ``FILTER`` keyword.
    snr : float, sequence of float or dict
        S/N threshold: one for all bands, one per band, or a dict
        ``{band_name: snr}``.  0 means no requirement in that band.
    method : {'complete', 'greedy'}, optional
        ``'complete'`` (the default) leaves no signal behind: after the
        greedy pass, pixels at bin edges join the bin they match if it keeps
        its S/N, and every 4-connected group of unbinned pixels whose summed
        S/N reaches the threshold becomes one or more bins.  ``'greedy'`` is
        piXedfit's scheme alone (to reproduce piXedfit results).
    ref_band : int, str or None, optional
        Band (index or name) whose flux orders the seeds.  `None` chooses the
        band with the highest total S/N.
    min_diameter : float or `~astropy.units.Quantity`, optional
        Diameter of the core of a bin, in pixels (e.g. the PSF FWHM); an
        angle is converted with the WCS pixel scale.  A bin takes the free
        pixels within ``min_diameter / 2`` of its seed that match its SED
        before its S/N is tested.  It is not a guaranteed size: a bin is
        smaller where pixels of its disc are already in other bins, masked,
        or refused by the shape test (single-pixel bins occur, see
        :ref:`parameters`).
    redchi2_limit : float, optional
        Largest reduced chi-square between the SED of a pixel and the SED of
        the bin it joins (the bin SED scaled to the pixel).  Lower values
        refuse more pixels: more and smaller bins, many of a single pixel
        where colours change; higher values give fewer, larger bins that mix
        SED shapes.  Below about 2 the bins stop becoming more homogeneous
        (see :ref:`parameters`).
    mask : array-like of bool, optional
        Pixels to leave out (True = bad), shape (ny, nx) or (nbands, ny, nx),
        combined with ``cube.mask``.  Pixels that are NaN, masked or have an
        infinite uncertainty in any band are never binned.
    sys_err : float, optional
        Fractional systematic uncertainty added to the bin model in the shape
        tests only (e.g. 0.05 for 5% calibration errors), between 0 and 1.
        Default: 0.03 for ``method='complete'`` (real pixels differ by a few
        percent, which a pure chi-square test refuses at high S/N), 0 for
        ``'greedy'``.
    leftovers : {'unbinned', 'merge'}, optional
        Pixels that cannot reach the threshold keep label 0 (``'unbinned'``,
        the default) or join the adjacent bin whose SED they match best
        (``'merge'``).  Merged pixels add their noise: a bin that takes them
        can fall below ``snr`` (check ``bm.snr``), so ``'merge'`` trades the
        S/N guarantee for full coverage.
    strict_min_diameter : bool, optional
        If True, a bin takes every free pixel within ``min_diameter / 2`` of
        its seed without the shape test (piXedfit's behaviour), so that bins
        are not cut at sharp SED edges (they are still smaller where the
        disc's pixels are already in other bins); the default favours SED
        homogeneity at such edges.
    covariance : None, float or callable, optional
        Correction of the binned noise for correlated pixels: a number
        ``alpha`` multiplies the quadrature noise of an ``n``-pixel bin by
        ``1 + alpha * log10(n)`` (MaNGA: 1.62); a callable gives the factor
        for an integer array ``n``.  Used in the S/N test and in ``flux_err``.
    spectra : `~specutils.Spectrum`, `~astropy.nddata.NDData` or path, optional
        A spectral cube on the same pixel grid (spectrophotometric data): a
        Spectrum cube with any ``spectral_axis_index``, an NDData cube
        (nwave, ny, nx) with a spectral WCS axis, or a FITS file of one (read
        with `pixbin.io.read_input`: MUSE, MaNGA, CALIFA, JWST s3d, ...).  The photometry is binned
        first; the spectra of every bin inside the IFU footprint are then
        summed with the same map (masked or non-finite values are left out per
        wavelength, and such partial sums are masked).
    spec_region : array-like of bool or region, optional
        The IFU footprint: True for pixels with a spectrum, or an
        astropy-regions pixel or sky region.  Default: pixels whose spectrum
        has at least one valid, non-zero value.
    spec_min_fraction : float, optional
        A bin gets a spectrum when at least this fraction of its pixels are in
        the footprint (1, the default, means all of them, as in piXedfit); the
        spectrum sums its pixels inside the footprint.
    band_names : sequence of str, optional
        Band names, overriding ``cube.meta``.
    band_wavelengths : `~astropy.units.Quantity`, optional
        Effective band wavelengths, overriding ``cube.meta``.
    bands : `~astropy.units.Quantity` or `~specutils.SpectralRegion`, optional
        Wavelength windows ``(low, high)``, shape (n, 2), for a spectral
        ``cube`` (a Spectrum cube, or an NDData (nwave, ny, nx) with a spectral
        WCS axis and no band names), or that as text in Angstrom unless a unit
        follows a window (``'4760-4950,0.495-0.515um'``, as ``pixbin bin
        --bands`` takes it): each window becomes a band, the mean flux
        density of its valid channels, whose S/N is that of their summed
        flux; ``spectra`` is then the cube itself.  A spectral cube without
        ``bands`` is binned in 4 windows of equal numbers of channels (with a
        `~pixbin.PixbinWarning`).  See :ref:`spectral-cubes`.
    progress : bool or callable, optional
        Show a progress bar (True), or call ``progress(fraction)`` while the
        binning runs.

    Returns
    -------
    binmap : `~pixbin.BinMap`
        Labels ``1..nbins`` (bin 1 has the brightest seed, 0 = no bin), the
        summed flux of each bin in each band with its uncertainty, the WCS,
        band names and the parameters in ``meta``; with ``spectra``, also
        ``spec_labels``, ``spectra`` and ``spec_region``.

    Raises
    ------
    TypeError
        If ``cube`` is not NDData, or an option has the wrong type, or
        ``bands`` is given with a cube that is not a spectral cube.
    ValueError
        If shapes disagree, the uncertainty is missing, zero, negative or NaN
        where the data are valid, every pixel is masked, or an option is out
        of range; if a window of ``bands`` reaches beyond the spectral cube
        or holds no channel, or ``spectra`` is given with a spectral cube.
    astropy.units.UnitsError
        If the cube has no unit or a unit that is not a flux.

    Warns
    -----
    PixbinWarning
        If no bin reaches the threshold.

    Examples
    --------
    >>> import pixbin
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(60, 60))
    >>> bm = pixbin.bin_pixels(cube, snr=[10] * 7 + [0] * 5, ref_band='sdss_r',
    ...                        min_diameter=3, redchi2_limit=4.0)
    >>> bm.nbins > 50
    True
    >>> bool((bm.snr[:, :7] >= 10).all())
    True
    >>> bm.flux.unit
    Unit("1e-17 erg / (Angstrom s cm2)")
    """
    # Files are read by the one reader of every entry point (spectra included).
    cube, spectra, spec_region = normalise_input(cube, spectra, spec_region)
    options = dict(locals())            # a spectral cube is binned through its windows
    if bands is not None or is_spectral_cube(cube, band_names):
        del options['cube'], options['bands']
        return bin_with_windows(bin_pixels, cube, bands, **options)
    parsed = parse_cube(cube, mask=mask, band_names=band_names,
                        band_wavelengths=band_wavelengths)
    thresholds = parse_snr(snr, parsed.nbands, parsed.band_names)
    ref_index = None if ref_band is None else parse_ref_band(ref_band, parsed.band_names)
    min_diameter = _min_diameter_pixels(min_diameter, parsed.wcs)
    redchi2_limit = check_positive_scalar(redchi2_limit, 'redchi2_limit')
    check_choice(method, 'method', OPTIONS['method'].choices)
    if sys_err is not None:
        sys_err = check_positive_scalar(sys_err, 'sys_err', allow_zero=True)
        if sys_err > 1:
            raise ValueError(f'sys_err is a fraction of the flux and must be between 0 and 1, '
                             f'got {sys_err}')
    check_choice(leftovers, 'leftovers', OPTIONS['leftovers'].choices)
    check_bool(strict_min_diameter, 'strict_min_diameter')
    covariance = check_covariance(covariance)
    spec_min_fraction = check_positive_scalar(spec_min_fraction, 'spec_min_fraction')
    if spec_min_fraction > 1:
        raise ValueError(f'spec_min_fraction must be in (0, 1], got {spec_min_fraction}')
    if spectra is not None:
        parsed_spectra = parse_spectra(spectra, parsed.shape, parsed.wcs)
        footprint = spectral_footprint(spec_region, parsed_spectra, parsed.shape, parsed.wcs)
    elif spec_region is not None:
        raise ValueError('spec_region was given without spectra')

    nvalid = int(parsed.valid.sum())
    result = bin_arrays(parsed.flux, parsed.std, thresholds, valid=parsed.valid, method=method,
                        ref_band=ref_index,
                        min_diameter=min_diameter,
                        strict_min_diameter=bool(strict_min_diameter),
                        redchi2_limit=redchi2_limit, sys_err=sys_err,
                        eta=covariance_eta(covariance, np.arange(1, nvalid + 1)),
                        leftovers=leftovers, progress=progress_callback(progress))
    labels = result.labels
    meta = {
        'method': method,
        'snr': thresholds.tolist(),
        'ref_band': parsed.band_names[result.ref_band],
        'min_diameter': min_diameter,
        'strict_min_diameter': bool(strict_min_diameter),
        'redchi2_limit': redchi2_limit,
        'sys_err': result.sys_err,
        'leftovers': leftovers,
        'nvalid': nvalid,
    }
    # Where the data came from (piXedfit's header keywords travel to the bin-map file).
    for key in GALAXY_META_KEYS:
        if key in parsed.meta and np.isscalar(parsed.meta[key]):
            meta[key] = parsed.meta[key]
    nbins = result.nbins
    total = result.flux
    total_std = result.error * covariance_eta(covariance, result.npix)[:, np.newaxis]
    spec = {}
    if spectra is not None:
        spec_labels, binned_spectra = bin_spectra(labels, nbins, parsed_spectra, footprint,
                                                  spec_min_fraction, covariance)
        spec = dict(spectra=binned_spectra, spec_labels=spec_labels, spec_region=footprint)
        meta['spec_min_fraction'] = spec_min_fraction
    result = BinMap(labels, flux=total * parsed.unit, flux_err=total_std * parsed.unit,
                    wcs=parsed.wcs, band_names=parsed.band_names,
                    band_wavelengths=parsed.band_wavelengths, covariance=covariance, meta=meta,
                    **spec)
    if result.nbins == 0:
        warnings.warn(
            f'No bin reached the S/N threshold in every required band ({nvalid} valid pixels); '
            f'try a lower snr, fewer required bands, a larger redchi2_limit or '
            f'leftovers="merge".', PixbinWarning, stacklevel=2)
    return result
