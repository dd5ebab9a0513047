# Licensed under a 3-clause BSD style license - see LICENSE
"""
BinMap FITS files: pixbin's own file, readable by piXedfit users' code.

A file holds the extensions that piXedfit's ``pixel_binning`` writes, with
piXedfit's names and header keywords, plus the exact per-bin values:

==========================  =====================================================
photometric                 spectrophotometric
==========================  =====================================================
``BIN_MAP``                 ``PHOTO_BIN_MAP``, ``SPEC_BIN_MAP``
``BIN_FLUX``                ``BIN_PHOTO_FLUX``
``BIN_FLUXERR``             ``BIN_PHOTO_FLUXERR``
..                          ``SPEC_WAVE``, ``BIN_SPEC_FLUX``, ``BIN_SPEC_FLUXERR``
``BINS``, ``BANDS``         ``BINS``, ``BANDS``, ``SPECTRA``, ``SPECTRA_ERR``,
                            ``SPECTRA_MASK``, ``SPEC_REGION``
==========================  =====================================================

The bin-map extensions carry the celestial WCS and piXedfit's keywords
(``nfilters``, ``refband``, ``nbins`` or ``nbinsph``/``nbinssp``, ``unit``,
``bunit``, ``fil0..``, ``specphot``); the primary header repeats them, because
piXedfit's fitting functions read them from the first header of the file.  As
in piXedfit, every pixel of ``BIN_FLUX`` holds the summed flux of its bin (0
outside bins), in units of ``unit`` x erg/s/cm2/A.  The ``BINS`` table holds
one row per bin (``BIN``, ``NPIX``, ``XCEN``, ``YCEN``, ``ETA``, ``FLUX``,
``FLUX_ERR`` in the bin map's own unit), ``BANDS`` the band names and
wavelengths, and the primary header the binning parameters (``PBSNRi``,
``PBREFB``, ``PBDMIN``, ``PBCHI2``, ...).

The per-pixel images (``BIN_FLUX``, ``BIN_SPEC_FLUX``, ... : the same values
over each bin) and the per-bin spectra are written as FITS tile-compressed
images, losslessly (GZIP with byte shuffling, no quantization: every float
is kept bit for bit), unless ``write_binmap(..., compress=False)``.
`astropy.io.fits` opens them under the same names and gives the same arrays
(``fits.open(path)['BIN_SPEC_FLUX'].data``); a spectral cube's bin map would
otherwise be about 2.4 times the size of the cube.
"""

import numbers
import os
import warnings

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.table import Table

from .._covariance import TabulatedCovariance
from .._package_version import version
from .._sums import bin_centroids, first_pixels
from .._validation import convert_flux
from ..binmap import BinMap
from ._atomic import atomic_path
from ._units import parse_fits_unit
from ._fitsutil import (PIXEDFIT_UNIT, display_name, exact_wcs_header, extension_names,
                        header_wcs, int_keyword, open_fits, scaled_unit, set_exact)
from .pixedfit import GALAXY_META_KEYS

__all__ = ['is_binmap_file', 'read_binmap', 'write_binmap']

FORMAT_VERSION = 1
_PARAMETERS = (  # meta key, header keyword, comment
    ('method', 'PBMETHOD', 'binning algorithm'),
    ('ref_band', 'PBREFB', 'reference band (brightness order)'),
    ('min_diameter', 'PBDMIN', 'diameter of the core of a bin [pixel]'),
    ('strict_min_diameter', 'PBSTRICT', 'core disc taken without shape test'),
    ('redchi2_limit', 'PBCHI2', 'reduced chi-square limit of the shape test'),
    ('sys_err', 'PBSYSERR', 'fractional systematic error in the shape test'),
    ('leftovers', 'PBLEFT', 'what happened to pixels below the S/N'),
    ('spec_min_fraction', 'PBSPFRAC', 'fraction of a bin inside the IFU for a spectrum'),
    ('nvalid', 'NVALID', 'number of valid pixels'),
)


def _pixedfit_values(quantity, wavelengths):
    """
    ``quantity`` (n, nlead) as numbers in ``scale`` x erg/s/cm2/A for piXedfit.

    Returns (values, scale, bunit): f_lambda units keep their numbers (scale =
    their factor); other flux densities are converted with the wavelengths;
    anything else is written as it is, with its own unit in ``bunit``.
    """
    unit = quantity.unit
    if unit.is_equivalent(PIXEDFIT_UNIT):
        # 15 significant digits: 1e-17, not the 9.99999999999999e-18 of the conversion.
        scale = float(f'{unit.to(PIXEDFIT_UNIT):.15g}')
        return quantity.value, scale, 'erg/s/cm^2/A'
    if wavelengths is not None:
        try:
            values = convert_flux(quantity, PIXEDFIT_UNIT, wavelengths).value
            return values, 1.0, 'erg/s/cm^2/A'
        except u.UnitsError:
            pass
    return quantity.value, 1.0, unit.to_string()


def _compressed(data, name, header=None, compress=True):
    """
    A losslessly tile-compressed image HDU (GZIP_2, no quantization) of
    ``data``; one tile per plane, at most about 2 million pixels a tile.
    An empty array, or any with ``compress`` False, is a plain image HDU.
    """
    data = np.asarray(data)
    if data.size == 0 or not compress:
        return fits.ImageHDU(data, header=header, name=name)
    rows = max(1, min(data.shape[-2] if data.ndim > 1 else 1, 2 ** 21 // data.shape[-1]))
    tile = (1,) * (data.ndim - 2) + (rows, data.shape[-1]) if data.ndim > 1 else data.shape
    return fits.CompImageHDU(data, header=header, name=name, compression_type='GZIP_2',
                             quantize_level=0.0, tile_shape=tile)


def _paint(labels, per_bin):
    """
    Per-pixel image (nlead, ny, nx) of per-bin values (nbins, nlead); 0 outside bins.

    Made plane by plane from a (nlead, nbins + 1) table, in the order it is
    written: for MUSE spectra (3681 x 160 x 160) 2.5-3.5 times faster than gathering
    whole spectra and moving their axis.
    """
    table = np.zeros((per_bin.shape[1], per_bin.shape[0] + 1))
    table[:, 1:] = per_bin.T
    return np.take(table, labels, axis=1)


def _pixedfit_header(bm, specphot, scale, bunit):
    """piXedfit's keywords of the bin map (``nfilters``, ``nbins``, ``unit``, ``fil0``, ...)."""
    header = fits.Header()
    header['nfilters'] = (bm.nbands, 'number of bands')
    ref = bm.meta.get('ref_band')
    header['refband'] = (bm.band_names.index(ref) if ref in bm.band_names else -1,
                         'index of the reference band')
    if specphot:
        header['nbinsph'] = (bm.nbins, 'number of bins (photometry)')
        header['nbinssp'] = (bm.nbins_spec, 'number of bins with a spectrum')
        header['structph'] = '(band,y,x)'
        header['structsp'] = '(wavelength,y,x)'
    else:
        header['nbins'] = (bm.nbins, 'number of bins')
        header['struct'] = '(band,y,x)'
    header['unit'] = (scale, 'flux = value * unit [bunit]')
    header['bunit'] = bunit
    header['specphot'] = specphot
    for i, name in enumerate(bm.band_names):
        header[f'fil{i}'] = name
    for key in GALAXY_META_KEYS:
        if key in bm.meta:
            set_exact(header, key, bm.meta[key])
    return header


def _primary_header(bm, pixedfit_header):
    header = fits.Header()
    header['ORIGIN'] = 'pixbin'
    header['PIXBIN'] = (version, 'pixbin version')
    header['PBFORMAT'] = (FORMAT_VERSION, 'pixbin bin-map file format')
    header['NBINS'] = bm.nbins
    header['NBANDS'] = bm.nbands
    header['SPECPHOT'] = int(bm.spectra is not None)
    for key, keyword, comment in _PARAMETERS:
        if key in bm.meta:
            set_exact(header, keyword, bm.meta[key], comment)
    for i, value in enumerate(bm.meta.get('snr', [])):
        set_exact(header, f'PBSNR{i}', float(value), f'S/N threshold of band {i}')
    cov = bm.covariance
    if cov is None:
        header['PBCOVAR'] = ('none', 'covariance correction')
    elif callable(cov):
        header['PBCOVAR'] = ('table', 'covariance: eta per bin in BINS.ETA')
    else:
        header['PBCOVAR'] = ('alpha', 'eta = 1 + PBALPHA log10(npix)')
        set_exact(header, 'PBALPHA', cov)
    # piXedfit's fitting functions read its keywords from the first header
    for card in pixedfit_header.cards:
        if card.keyword not in header:
            header.append(card)
    return header


def _spectra_npix(bm):
    """
    Pixels summed into each bin spectrum: ``spectra.meta['npix']``, or counted
    on ``spec_labels`` (its definition) when the spectra do not say.
    """
    counts = np.bincount(bm.spec_labels.ravel(), minlength=bm.nbins + 1)[bm.spec_bin_ids]
    npix = bm.spectra.meta.get('npix')
    if npix is None:
        return counts
    values = np.asarray(npix)
    if values.shape != counts.shape or values.dtype.kind not in 'iu' or np.any(values < 0):
        raise ValueError(f"spectra.meta['npix'] must hold one pixel count (integer >= 0) per "
                         f"bin with a spectrum ({counts.size}), got {npix!r}")
    return values


def _check_text(value, what):
    if not (value.isascii() and value.isprintable()) or value != value.rstrip():
        raise ValueError(f'{what} must be printable ASCII without trailing spaces to be written '
                         f'to a FITS file (which drops trailing spaces), got {value!r}')


def _check_writable(bm):
    """
    Raise a ValueError or TypeError naming the part of ``bm`` that a FITS file
    cannot hold exactly (band names and header values), before anything is written.
    """
    for i, name in enumerate(bm.band_names):
        _check_text(name, f'band_names[{i}]')
    for key in [key for key, _, _ in _PARAMETERS] + list(GALAXY_META_KEYS):
        if key not in bm.meta:
            continue
        value, what = bm.meta[key], f'meta[{key!r}]'
        if isinstance(value, str):
            _check_text(value, what)
        elif isinstance(value, (bool, np.bool_, numbers.Integral)):
            pass
        elif isinstance(value, numbers.Real):
            if not np.isfinite(value):
                raise ValueError(f'{what} must be finite to be written to a FITS header, got '
                                 f'{value!r}')
        else:
            raise TypeError(f'{what} must be a string, a number or True/False to be written to '
                            f'a FITS header, got {type(value).__name__}')
    snr = bm.meta.get('snr')
    if snr is not None:
        try:
            values = np.asarray(snr, dtype=float)
        except (TypeError, ValueError):
            values = None
        if values is None or values.ndim != 1 or not np.all(np.isfinite(values)) \
                or values.size != bm.nbands:
            raise ValueError(f"meta['snr'] must be a list of finite numbers, one S/N threshold "
                             f"per band ({bm.nbands}), to be written to a FITS header, got "
                             f"{snr!r}")
    # (a ValueError for a meta['nvalid'] that does not fit the labels, which no reader takes)
    bm.n_unbinned


def binmap_to_hdulist(bm, compress=True):
    """
    The FITS HDUs of a `~pixbin.BinMap` (see the module docstring); the
    per-pixel maps and the spectra are compressed without loss unless
    ``compress`` is False.
    """
    if bm.flux is None:
        raise ValueError('only a BinMap with photometry (flux, flux_err) can be written')
    _check_writable(bm)
    specphot = int(bm.spectra is not None)
    wave = bm.band_wavelengths
    flux, scale, bunit = _pixedfit_values(bm.flux, wave)
    err, _, _ = _pixedfit_values(bm.flux_err, wave)
    pixedfit_header = _pixedfit_header(bm, specphot, scale, bunit)
    map_header = fits.Header() if bm.wcs is None else exact_wcs_header(bm.wcs)
    map_header.extend(pixedfit_header)
    labels = bm.labels.astype(np.int32)
    hdus = [fits.PrimaryHDU(header=_primary_header(bm, pixedfit_header))]
    prefix = 'PHOTO_' if specphot else ''
    hdus.append(fits.ImageHDU(labels, header=map_header, name=f'{prefix}BIN_MAP'))
    if specphot:
        spec_header = fits.Header() if bm.wcs is None else exact_wcs_header(bm.wcs)
        hdus.append(fits.ImageHDU(bm.spec_labels.astype(np.int32), header=spec_header,
                                  name='SPEC_BIN_MAP'))
    flux_name = 'BIN_PHOTO_FLUX' if specphot else 'BIN_FLUX'
    hdus.append(_compressed(_paint(labels, flux), flux_name, None, compress))
    hdus.append(_compressed(_paint(labels, err), flux_name + 'ERR', None, compress))
    if specphot:
        spectra = bm.spectra
        spectral_axis = spectra.spectral_axis
        wave_aa = spectral_axis.to_value(u.AA, equivalencies=u.spectral())
        hdus.append(fits.ImageHDU(wave_aa, name='SPEC_WAVE'))
        hdus[-1].header['BUNIT'] = 'Angstrom'
        target = u.Unit(scale * PIXEDFIT_UNIT) if bunit == 'erg/s/cm^2/A' else spectra.flux.unit
        try:
            values = convert_flux(spectra.flux, target, spectral_axis).value
        except u.UnitsError:
            target = spectra.flux.unit
            values = spectra.flux.value
        full = np.zeros((bm.nbins, spectral_axis.size))
        full[bm.spec_bin_ids - 1] = values
        spec_header = fits.Header()
        spec_header['BUNIT'] = target.to_string()
        hdus.append(_compressed(_paint(bm.spec_labels, full), 'BIN_SPEC_FLUX', spec_header,
                                compress))
        if spectra.uncertainty is not None:
            full[bm.spec_bin_ids - 1] = convert_flux(spectra.uncertainty.quantity, target,
                                                     spectral_axis).value
            hdus.append(_compressed(_paint(bm.spec_labels, full), 'BIN_SPEC_FLUXERR',
                                    spec_header, compress))
    # exact per-bin values in the bin map's own unit
    table = Table()
    table['BIN'] = np.asarray(bm.bin_ids, np.int32)
    table['NPIX'] = np.asarray(bm.npix, np.int32)
    table['XCEN'] = bm.centroid[:, 0]
    table['YCEN'] = bm.centroid[:, 1]
    table['ETA'] = bm.eta
    # FITS units (TUNIT) cannot spell every astropy unit (electron/s): such a unit
    # is written in astropy's own notation as FLUXUNIT, for unit-less columns.
    unit = bm.flux.unit
    try:
        unit.to_string('fits')
        fluxunit = None
    except ValueError:
        fluxunit = unit.to_string()
    table['FLUX'] = bm.flux if fluxunit is None else bm.flux.value
    table['FLUX_ERR'] = bm.flux_err if fluxunit is None else bm.flux_err.to_value(unit)
    if specphot:
        spec_npix = np.zeros(bm.nbins, np.int32)
        spec_npix[bm.spec_bin_ids - 1] = _spectra_npix(bm)
        table['SPEC_NPIX'] = spec_npix
    hdus.append(fits.table_to_hdu(table))
    hdus[-1].name = 'BINS'
    if fluxunit is not None:
        hdus[-1].header['FLUXUNIT'] = (fluxunit, 'unit of FLUX and FLUX_ERR (astropy)')
    bands = Table()
    bands['NAME'] = list(bm.band_names)
    if wave is not None:
        bands['WAVELENGTH'] = wave
    hdus.append(fits.table_to_hdu(bands))
    hdus[-1].name = 'BANDS'
    if specphot:
        spectra = bm.spectra
        header = fits.Header()
        header['BUNIT'] = spectra.flux.unit.to_string()
        header['SPECUNIT'] = (spectra.spectral_axis.unit.to_string(), 'unit of SPECAXIS')
        hdus.append(_compressed(spectra.flux.value, 'SPECTRA', header, compress))
        if spectra.uncertainty is not None:
            hdus.append(_compressed(spectra.uncertainty.quantity.to_value(spectra.flux.unit),
                                    'SPECTRA_ERR', header, compress))
        if spectra.mask is not None:
            hdus.append(_compressed(np.asarray(spectra.mask, np.uint8), 'SPECTRA_MASK', None,
                                    compress))
        hdus.append(fits.ImageHDU(spectra.spectral_axis.value, name='SPECAXIS'))
        hdus[-1].header['BUNIT'] = spectra.spectral_axis.unit.to_string()
        if bm.spec_region is not None:
            hdus.append(fits.ImageHDU(bm.spec_region.astype(np.uint8), name='SPEC_REGION'))
    return fits.HDUList(hdus)


def write_binmap(bm, path, *, overwrite=False, compress=True):
    """
    Write a `~pixbin.BinMap` to a FITS file (pixbin's layout, piXedfit-compatible).

    The file is written to a temporary file in the same folder and renamed,
    so an interrupted write leaves no partial file and the old one intact.
    The per-pixel maps and the spectra are tile-compressed without loss
    (astropy, and piXedfit, read them under the same extension names).

    Parameters
    ----------
    bm : `~pixbin.BinMap`
        The bins, with photometry.
    path : str or path-like
        Output file.
    overwrite : bool, optional
        Replace ``path`` if it exists.
    compress : bool, optional
        Compress the per-pixel maps and the spectra (lossless GZIP; the
        default).  False writes plain images: a larger file (for a spectral
        cube about 2.4 times the cube instead of 0.5 to 1.5) written several
        times faster.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    FileNotFoundError
        If the folder does not exist.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> import pixbin
    >>> from pixbin.io import read_binmap, write_binmap
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> bm = pixbin.bin_pixels(cube, snr=[10] * 7 + [0] * 5, ref_band='sdss_r')
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, 'galaxy_bins.fits')
    >>> write_binmap(bm, path)                     # the same as bm.write(path)
    >>> back = read_binmap(path)
    >>> back.nbins == bm.nbins, bool((back.flux == bm.flux).all())   # bit for bit
    (True, True)
    >>> write_binmap(bm, os.path.join(folder, 'plain.fits'), compress=False)
    >>> os.path.getsize(path) < os.path.getsize(os.path.join(folder, 'plain.fits'))
    True
    >>> write_binmap(bm, path)
    Traceback (most recent call last):
    ...
    FileExistsError: ...galaxy_bins.fits exists; pass overwrite=True (--overwrite) to replace it
    >>> write_binmap(bm, path, overwrite=True)
    """
    hdul = binmap_to_hdulist(bm, compress=compress)
    with atomic_path(path, overwrite=overwrite) as tmp:
        hdul.writeto(tmp, overwrite=True, checksum=True)


def binmap_counts(path):
    """
    ``(nbins, nbins_spec)`` of a pixbin or piXedfit bin-map file, or None.

    Read from the header of the bin map (``nbins``, or ``nbinsph`` and
    ``nbinssp``) without reading the data; -1 where the header does not say
    (``nbins_spec`` of a file without spectra).  None if ``path`` is not a
    readable FITS file with a bin map.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')       # a damaged file is just not identified
            with fits.open(os.fspath(path), mode='readonly', memmap=False) as hdul:
                names = extension_names(hdul)
                for name in ('PHOTO_BIN_MAP', 'BIN_MAP'):
                    if name in names:
                        header = hdul[names.index(name)].header
                        return (_header_count(header, 'nbinsph', 'nbins'),
                                _header_count(header, 'nbinssp'))
    except (OSError, ValueError, TypeError):
        pass
    return None


def _header_count(header, *keys):
    """The integer value of the first of ``keys`` in ``header``; -1 if none or not an integer."""
    for key in keys:
        if key in header:
            try:
                return int_keyword(header, key, '')
            except ValueError:
                return -1
    return -1


def is_binmap_file(path):
    """
    True if ``path`` is a FITS file with a pixbin or piXedfit bin map.

    Only the headers are read; a missing, damaged or other file is False.

    Examples
    --------
    >>> import os, tempfile
    >>> import pixbin
    >>> from pixbin.io import is_binmap_file
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> path = os.path.join(tempfile.mkdtemp(), 'galaxy_bins.fits')
    >>> pixbin.bin_pixels(cube, snr=10, ref_band='sdss_r').write(path)
    >>> is_binmap_file(path), is_binmap_file(path + '.missing')
    (True, False)
    """
    return binmap_counts(path) is not None


def _parameters(header):
    meta = {}
    for key, keyword, _ in _PARAMETERS:
        if keyword in header:
            meta[key] = header[keyword]
    snr = []
    while f'PBSNR{len(snr)}' in header:
        snr.append(float(header[f'PBSNR{len(snr)}']))
    if snr:
        meta['snr'] = snr
    return meta


def _per_bin(image, labels, nbins):
    """Per-bin values (nbins, nlead) read off a per-pixel image (nlead, ny, nx)."""
    return image.reshape(image.shape[0], -1)[:, first_pixels(labels, nbins)].T


def _check_painted(image, per_bin, labels, path, image_name, map_name):
    """Raise a ValueError unless every pixel of a bin holds its bin's values."""
    inside = labels > 0
    painted = per_bin[labels[inside] - 1].T
    values = image[:, inside]
    differ = ~((values == painted) | (np.isnan(values) & np.isnan(painted)))
    if np.any(differ):
        bin_id = int(labels[inside][np.flatnonzero(differ.any(axis=0))[0]])
        raise ValueError(f'{path}: {image_name} and {map_name} disagree: the pixels of bin '
                         f'{bin_id} hold different values (each pixel of a bin must hold the '
                         f'flux of its bin)')


def _check_bins_table(bins, labels, nbins, path, map_name):
    """Raise a ValueError unless the BINS table describes the bins of the label image."""
    missing = [c for c in ('BIN', 'NPIX', 'FLUX', 'FLUX_ERR') if c not in bins.colnames]
    if missing:
        raise ValueError(f'{path}: the BINS table has no column(s) {", ".join(missing)}: the '
                         f'file is incomplete')
    npix = np.bincount(labels.ravel(), minlength=nbins + 1)[1:]
    if len(bins) != nbins or np.any(np.asarray(bins['BIN']) != np.arange(1, nbins + 1)) \
            or np.any(np.asarray(bins['NPIX']) != npix):
        raise ValueError(f'{path}: the labels of {map_name} ({nbins} bins) and the '
                         f'BINS table ({len(bins)} rows) disagree: the file is '
                         f'inconsistent')
    if 'XCEN' in bins.colnames and 'YCEN' in bins.colnames and nbins:
        centre = bin_centroids(labels, nbins, npix)
        stored = np.column_stack([np.asarray(bins['XCEN'], float),
                                  np.asarray(bins['YCEN'], float)])
        wrong = np.flatnonzero(np.any(~(np.abs(centre - stored) <= 1e-6), axis=1))
        if wrong.size:
            i = wrong[0]
            raise ValueError(f'{path}: the labels of {map_name} and the BINS table disagree: '
                             f'the centroids of bin {i + 1} differ (x, y = {centre[i, 0]:g}, '
                             f'{centre[i, 1]:g} in {map_name}, {stored[i, 0]:g}, '
                             f'{stored[i, 1]:g} in BINS): the file is inconsistent')


def read_binmap(path):
    """
    Read a bin-map FITS file written by pixbin (or by piXedfit's ``pixel_binning``).

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    bm : `~pixbin.BinMap`
        Labels, WCS, per-bin flux and uncertainty, band names and wavelengths,
        binning parameters in ``meta``, and spectra for spectrophotometric
        files.  For a piXedfit file the per-bin values are read off the
        per-pixel maps and the unit is ``unit`` x erg/s/cm2/A.

    Raises
    ------
    TypeError
        If ``path`` is not a path or a file.
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a readable FITS bin-map file (truncated, corrupt,
        incomplete), or its labels and per-bin values disagree (the message
        names the file and the problem).

    Examples
    --------
    >>> import os, tempfile
    >>> import pixbin
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> path = os.path.join(tempfile.mkdtemp(), 'galaxy_bins.fits')
    >>> pixbin.bin_pixels(cube, snr=[10] * 7 + [0] * 5, ref_band='sdss_r').write(path)
    >>> bm = pixbin.read_binmap(path)
    >>> bm.nbins, bm.labels.shape, bm.flux.shape
    (70, (40, 40), (70, 12))
    >>> bm.band_names[:3], bm.flux.unit
    (('galex_fuv', 'galex_nuv', 'sdss_u'), Unit("1e-17 erg / (Angstrom s cm2)"))
    >>> bm.meta['ref_band'], bm.meta['min_diameter']
    ('sdss_r', 2.0)
    """
    with open_fits(path) as hdul:
        path = display_name(path)
        try:
            return _read_binmap(hdul, path)
        except KeyError as exc:         # a keyword, extension or column that is not there
            what = str(exc.args[0] if exc.args else exc)
            what = what if ' ' in what else f'no {what!r} column or keyword'
            raise ValueError(f'{path}: incomplete bin-map file: {what}') from None


def _read_binmap(hdul, path):
    """The `BinMap` of an open bin-map file (`read_binmap`); ``path`` names it in errors."""
    names = extension_names(hdul)
    if 'PHOTO_BIN_MAP' in names:
        map_name, flux_name, specphot = 'PHOTO_BIN_MAP', 'BIN_PHOTO_FLUX', True
    elif 'BIN_MAP' in names:
        map_name, flux_name, specphot = 'BIN_MAP', 'BIN_FLUX', False
    else:
        raise ValueError(f'{path} is not a bin-map file: it has no BIN_MAP or PHOTO_BIN_MAP '
                         f'extension (found: {", ".join(names)})')
    header = hdul[map_name].header
    labels = np.asarray(hdul[map_name].data)
    if labels is None or labels.ndim != 2:
        raise ValueError(f'{path}: extension {map_name} must be a 2-D label image')
    if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)) \
            or np.any(labels < 0):
        raise ValueError(f'{path}: extension {map_name} must hold non-negative integer '
                         f'labels')
    labels = labels.astype(np.int64)
    wcs = header_wcs(header)
    nbins = int(labels.max(initial=0))
    if nbins > labels.size:
        raise ValueError(f'{path}: {map_name} has label {nbins} but only {labels.size} '
                         f'pixels: labels must number the bins 1..nbins without gaps')
    pixbin_file = hdul[0].header.get('ORIGIN') == 'pixbin'
    missing = [n for n in ('BINS', 'BANDS') if n not in names]
    if pixbin_file and missing:
        raise ValueError(f'{path}: incomplete pixbin bin-map file (truncated?): missing '
                         f'extension(s) {", ".join(missing)} (found: {", ".join(names)})')
    meta = _parameters(hdul[0].header) if pixbin_file else {}
    if 'nvalid' in meta:
        nvalid, binned = meta['nvalid'], int(np.count_nonzero(labels))
        if isinstance(nvalid, bool) or not isinstance(nvalid, (int, np.integer)) \
                or not binned <= nvalid <= labels.size:
            raise ValueError(f'{path}: header keyword NVALID (number of valid pixels) must '
                             f'be an integer between the {binned} pixels in bins and the '
                             f'{labels.size} pixels of {map_name}, got {nvalid!r}')
    for key in GALAXY_META_KEYS:
        if key in header:
            meta[key] = header[key]
    if 'BINS' in names:
        bins = Table.read(hdul['BINS'])
        _check_bins_table(bins, labels, nbins, path, map_name)
        flux = u.Quantity(bins['FLUX'])
        flux_err = u.Quantity(bins['FLUX_ERR'])
        if 'FLUXUNIT' in hdul['BINS'].header:      # a unit that FITS cannot spell
            unit = parse_fits_unit(hdul['BINS'].header['FLUXUNIT'],
                                   f'{path}: FLUXUNIT of BINS')
            if flux.unit == u.dimensionless_unscaled:
                flux = flux.value * unit
            if flux_err.unit == u.dimensionless_unscaled:
                flux_err = flux_err.value * unit
        if flux.ndim == 1:
            flux, flux_err = flux[:, None], flux_err[:, None]
        bands = Table.read(hdul['BANDS']) if 'BANDS' in names else None
        band_names = None if bands is None else [str(n) for n in bands['NAME']]
        wave = (u.Quantity(bands['WAVELENGTH'])
                if bands is not None and 'WAVELENGTH' in bands.colnames else None)
        covariance = None
        kind = hdul[0].header.get('PBCOVAR', 'none')
        if kind == 'alpha':
            covariance = float(hdul[0].header['PBALPHA'])
        elif kind == 'table':
            covariance = TabulatedCovariance(bins['NPIX'], bins['ETA'])
    else:
        nbands = int_keyword(header, 'nfilters', path, default=0)
        unit = scaled_unit(header, path)
        if flux_name not in names or flux_name + 'ERR' not in names:
            raise ValueError(f'{path} is not a bin-map file: missing extension(s) '
                             f'{flux_name}, {flux_name}ERR (found: {", ".join(names)})')
        image = np.asarray(hdul[flux_name].data, dtype=np.float64)
        image_err = np.asarray(hdul[flux_name + 'ERR'].data, dtype=np.float64)
        if image.ndim != 3 or image.shape[1:] != labels.shape or image_err.shape != \
                image.shape or (nbands and image.shape[0] != nbands):
            raise ValueError(f'{path}: {flux_name} {image.shape} and {flux_name}ERR '
                             f'{image_err.shape} do not match {map_name} {labels.shape} '
                             f'and nfilters = {nbands}')
        flux = _per_bin(image, labels, nbins)
        flux_err = _per_bin(image_err, labels, nbins)
        _check_painted(image, flux, labels, path, flux_name, map_name)
        _check_painted(image_err, flux_err, labels, path, flux_name + 'ERR', map_name)
        flux, flux_err = flux * unit, flux_err * unit
        band_names = [str(header.get(f'fil{i}', f'band{i}')) for i in range(image.shape[0])]
        from .filters import band_wavelengths
        wave = band_wavelengths(band_names)
        covariance = None
    spec = {}
    if specphot:
        spec = _read_spectra(hdul, names, path, nbins)
        spec.setdefault('spec_region', None)
        _spectra_npix_from_file(spec, bins if 'BINS' in names else None, path)
    try:
        return BinMap(labels, flux=flux, flux_err=flux_err, wcs=wcs, band_names=band_names,
                      band_wavelengths=wave, covariance=covariance, meta=meta, **spec)
    except (ValueError, TypeError, u.UnitsError) as exc:
        raise ValueError(f'{path}: inconsistent bin-map file ({exc})') from None


def _read_spectra(hdul, names, path, nbins):
    from specutils import Spectrum
    from astropy.nddata import StdDevUncertainty
    if 'SPEC_BIN_MAP' not in names:
        raise ValueError(f'{path}: spectrophotometric bin map without SPEC_BIN_MAP')
    spec_labels = np.asarray(hdul['SPEC_BIN_MAP'].data).astype(np.int64)
    ids = np.unique(spec_labels[spec_labels > 0])
    out = {'spec_labels': spec_labels}
    if 'SPEC_REGION' in names:
        out['spec_region'] = np.asarray(hdul['SPEC_REGION'].data).astype(bool)
    if 'SPECTRA' in names:
        unit = u.Unit(hdul['SPECTRA'].header['BUNIT'])
        axis = np.asarray(hdul['SPECAXIS'].data) * u.Unit(hdul['SPECAXIS'].header['BUNIT'])
        flux = np.asarray(hdul['SPECTRA'].data, dtype=np.float64) * unit
        err = (StdDevUncertainty(np.asarray(hdul['SPECTRA_ERR'].data) * unit)
               if 'SPECTRA_ERR' in names else None)
        mask = (np.asarray(hdul['SPECTRA_MASK'].data).astype(bool)
                if 'SPECTRA_MASK' in names else None)
    else:
        scale = float(hdul['PHOTO_BIN_MAP'].header.get('unit', 1.0))
        unit = u.Unit(scale * PIXEDFIT_UNIT)
        axis = np.asarray(hdul['SPEC_WAVE'].data, dtype=np.float64) * u.AA
        cube = np.asarray(hdul['BIN_SPEC_FLUX'].data, dtype=np.float64)
        flux = _per_bin(cube, spec_labels, nbins)[ids - 1] * unit
        err = None
        if 'BIN_SPEC_FLUXERR' in names:
            cube_err = np.asarray(hdul['BIN_SPEC_FLUXERR'].data, dtype=np.float64)
            err = StdDevUncertainty(_per_bin(cube_err, spec_labels, nbins)[ids - 1] * unit)
        mask = None
    if flux.shape[0] != ids.size:
        raise ValueError(f'{path}: SPEC_BIN_MAP has {ids.size} bins but the spectra have '
                         f'{flux.shape[0]} rows')
    out['spectra'] = Spectrum(flux=flux, spectral_axis=axis, spectral_axis_index=1,
                              uncertainty=err, mask=mask,
                              meta={'bin_ids': ids})
    return out


def _spectra_npix_from_file(spec, bins, path):
    """
    Put the pixel count of each bin spectrum into ``spectra.meta['npix']``:
    the ``SPEC_NPIX`` column of ``BINS``, or, in files without it (older pixbin
    files, piXedfit's), the pixels of each bin in ``SPEC_BIN_MAP``.
    """
    spectra = spec['spectra']
    ids = spectra.meta['bin_ids']
    if bins is not None and 'SPEC_NPIX' in bins.colnames:
        column = np.asarray(bins['SPEC_NPIX'])
        if column.dtype.kind not in 'iu' or np.any(column < 0):
            raise ValueError(f'{path}: the SPEC_NPIX column of BINS must hold pixel counts '
                             f'(integers >= 0), got {column[:5].tolist()}')
        npix = column[ids - 1].astype(np.int64)
    else:
        npix = np.bincount(spec['spec_labels'].ravel())[ids] if ids.size \
            else np.zeros(0, np.int64)
    spectra.meta['npix'] = npix
