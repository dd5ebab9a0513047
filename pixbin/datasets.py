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
