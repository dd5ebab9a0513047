# Licensed under a 3-clause BSD style license - see LICENSE
"""Bins carried across pixel grids (BinMap.reproject) and angles converted to pixels."""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.nddata import NDData, StdDevUncertainty
from astropy.wcs import WCS
from astropy.wcs.wcsapi import BaseLowLevelWCS, HighLevelWCSWrapper
from numpy.testing import assert_array_equal

from pixbin import BinMap, bin_pixels
from pixbin.core import _min_diameter_pixels

SHAPE = (60, 50)
SCALE = 0.2 / 3600          # deg per pixel (MUSE)


def tan_wcs(scale=SCALE, crpix=(25.0, 30.0), rotation=0.0, crval=(63.355417, 10.46556)):
    """A TAN WCS with ``scale`` deg/px, rotated by ``rotation`` degrees."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN']
    wcs.wcs.crval = list(crval)
    wcs.wcs.crpix = list(crpix)
    c, s = np.cos(np.radians(rotation)), np.sin(np.radians(rotation))
    wcs.wcs.cd = np.array([[-scale * c, scale * s], [scale * s, scale * c]])
    wcs.wcs.set()
    return wcs


def voronoi_labels(shape=SHAPE, nseeds=120, seed=0):
    """Contiguous bins of irregular shapes (nearest of random seeds); a corner in no bin."""
    rng = np.random.default_rng(seed)
    seeds = rng.random((nseeds, 2)) * shape
    y, x = np.indices(shape)
    d = (y[..., None] - seeds[:, 0]) ** 2 + (x[..., None] - seeds[:, 1]) ** 2
    labels = np.argmin(d, axis=-1) + 1
    labels[:12, :15] = 0
    used = np.unique(labels[labels > 0])
    table = np.zeros(nseeds + 1, int)
    table[used] = np.arange(1, used.size + 1)
    return table[labels]


class SmallAngleWCS(BaseLowLevelWCS):
    """A plain-Python APE-14 celestial WCS (not an astropy FITS WCS): RA, Dec linear in x, y."""

    def __init__(self, ra0, dec0, scale, nan=False):
        self.ra0, self.dec0, self.scale, self.nan = ra0, dec0, scale, nan

    pixel_n_dim = world_n_dim = 2
    world_axis_physical_types = ['pos.eq.ra', 'pos.eq.dec']
    world_axis_units = ['deg', 'deg']
    world_axis_object_components = [('celestial', 0, 'spherical.lon.degree'),
                                    ('celestial', 1, 'spherical.lat.degree')]

    @property
    def world_axis_object_classes(self):
        return {'celestial': (SkyCoord, (), {'frame': 'icrs', 'unit': u.deg})}

    def pixel_to_world_values(self, x, y):
        ra = self.ra0 - np.asarray(x) * self.scale / np.cos(np.radians(self.dec0))
        dec = self.dec0 + np.asarray(y) * self.scale
        return (ra * np.nan, dec * np.nan) if self.nan else (ra, dec)

    def world_to_pixel_values(self, ra, dec):
        x = (self.ra0 - np.asarray(ra)) * np.cos(np.radians(self.dec0)) / self.scale
        return x, (np.asarray(dec) - self.dec0) / self.scale


# -- min_diameter as an angle -----------------------------------------------------------

def test_angle_to_pixels_without_float_noise():
    wcs = tan_wcs()
    assert _min_diameter_pixels(0.8 * u.arcsec, wcs) == 4.0        # was 3.999999999999968
    assert _min_diameter_pixels(1.2 * u.arcsec, wcs) == 6.0
    assert _min_diameter_pixels(0.7 * u.arcsec, wcs) == pytest.approx(3.5, rel=1e-12)
    # within 1e-6 px of an integer: the integer; further away: kept
    assert _min_diameter_pixels(0.8000001 * u.arcsec, wcs) == 4.0
    assert _min_diameter_pixels(0.80001 * u.arcsec, wcs) == pytest.approx(4.00005, rel=1e-9)


def test_angle_to_pixels_with_a_wcs_that_is_not_a_fits_wcs():
    ape14 = HighLevelWCSWrapper(SmallAngleWCS(63.355417, 10.46556, SCALE))
    assert not isinstance(ape14, WCS)
    assert _min_diameter_pixels(0.8 * u.arcsec, ape14) == 4.0
    # a bare low-level WCS too
    assert _min_diameter_pixels(0.8 * u.arcsec, SmallAngleWCS(10.0, 0.0, SCALE)) == 4.0
    rng = np.random.default_rng(3)
    flux = rng.gamma(3.0, 2.0, size=(2, 20, 20))
    cube = NDData(flux, uncertainty=StdDevUncertainty(np.ones(flux.shape)), unit='Jy',
                  wcs=ape14)
    by_angle = bin_pixels(cube, 6.0, min_diameter=0.8 * u.arcsec)
    by_pixels = bin_pixels(NDData(flux, uncertainty=StdDevUncertainty(np.ones(flux.shape)),
                                  unit='Jy'), 6.0, min_diameter=4)
    assert by_angle.meta['min_diameter'] == 4.0
    assert_array_equal(by_angle.labels, by_pixels.labels)
    broken = NDData(flux, uncertainty=StdDevUncertainty(np.ones(flux.shape)), unit='Jy',
                    wcs=HighLevelWCSWrapper(SmallAngleWCS(0.0, 0.0, SCALE, nan=True)))
    with pytest.raises(ValueError, match=r'min_diameter is an angle \(0.8 arcsec\) but the '
                                         r'WCS .* gives no usable pixel scale'):
        bin_pixels(broken, 6.0, min_diameter=0.8 * u.arcsec)


# -- BinMap.reproject -----------------------------------------------------------------------

@pytest.fixture(scope='module')
def bm():
    return BinMap(voronoi_labels(), wcs=tan_wcs())


def test_identity_grid_gives_the_same_labels(bm):
    same = bm.reproject(bm.wcs, bm.shape)
    assert_array_equal(same.labels, bm.labels)
    assert_array_equal(same.meta['source_bin_ids'], bm.bin_ids)
    assert same.meta['supersample'] == 3
    assert same.wcs is not bm.wcs or same.wcs.naxis == 2
    assert same.flux is None and same.spectra is None


@pytest.mark.parametrize('supersample', [None, 1, 2, 3])
def test_twice_finer_grid_gives_each_coarse_label_to_its_children(bm, supersample):
    fine = tan_wcs(scale=SCALE / 2, crpix=(2 * 25.0 - 0.5, 2 * 30.0 - 0.5))
    shape = (2 * SHAPE[0], 2 * SHAPE[1])
    result = bm.reproject(fine, shape, supersample=supersample)
    assert_array_equal(result.labels, np.kron(bm.labels, np.ones((2, 2), int)))
    if supersample is None:
        assert result.meta['supersample'] == 3       # odd >= 3 * 0.5


def test_apply_sums_another_dataset_over_the_reprojected_bins(bm):
    fine = tan_wcs(scale=SCALE / 2, crpix=(2 * 25.0 - 0.5, 2 * 30.0 - 0.5))
    shape = (2 * SHAPE[0], 2 * SHAPE[1])
    other = NDData(np.ones(shape), unit='ct / s', wcs=fine,
                   uncertainty=StdDevUncertainty(np.full(shape, 0.5)))
    binned = bm.reproject(fine, shape).apply(other)
    # each bin has 4 fine pixels per coarse pixel
    np.testing.assert_allclose(binned.data, 4 * bm.npix)
    np.testing.assert_allclose(binned.uncertainty.array, 0.5 * np.sqrt(4 * bm.npix))
    assert binned.unit == u.Unit('ct / s')


def reference_fractions(labels, source, target, shape, k=16):
    """
    Brute force: the fraction of each target pixel covered by each label (0 = no bin),
    from k x k sub-pixels through the FITS WCS arrays, counted with one bincount.
    """
    ny, nx = shape
    offsets = (np.arange(k) + 0.5) / k - 0.5
    y, x = np.indices(shape)
    sx = np.broadcast_to(x[..., None, None] + offsets[None, :], (ny, nx, k, k)).ravel()
    sy = np.broadcast_to(y[..., None, None] + offsets[:, None], (ny, nx, k, k)).ravel()
    ra, dec = target.all_pix2world(sx, sy, 0)
    px, py = source.all_world2pix(ra, dec, 0)
    ix, iy = np.floor(px + 0.5).astype(int), np.floor(py + 0.5).astype(int)
    inside = (ix >= 0) & (ix < labels.shape[1]) & (iy >= 0) & (iy < labels.shape[0])
    lab = np.zeros(sx.size, int)
    lab[inside] = labels[iy[inside], ix[inside]]
    pixel = np.repeat(np.arange(ny * nx), k * k)
    nlab = labels.max() + 1
    counts = np.bincount(pixel * nlab + lab, minlength=ny * nx * nlab)
    return counts.reshape(ny * nx, nlab) / (k * k)


@pytest.mark.parametrize('scale, rotation, shift, grow', [(0.7, 30.0, (3.3, -2.6), 1),
                                                          (1.6, -47.0, (0.4, 5.1), 1),
                                                          (0.45, 12.0, (-1.7, 0.2), 1),
                                                          (1.0, 40.0, (30.3, -20.6), 2)])
def test_rotated_offset_grid_assigns_the_areas_like_a_brute_force_reference(
        bm, scale, rotation, shift, grow):
    # (grow: a target grid grow times as large as the source, which covers part of it)
    ny, nx = int(grow * SHAPE[0] / scale), int(grow * SHAPE[1] / scale)
    target = tan_wcs(scale=SCALE * scale, rotation=rotation,
                     crpix=(nx / 2 + shift[0], ny / 2 + shift[1]))
    result = bm.reproject(target, (ny, nx))
    source_ids = np.concatenate([[0], result.meta['source_bin_ids']])
    assigned = source_ids[result.labels].ravel()          # in the source numbering
    fractions = reference_fractions(np.asarray(bm.labels), bm.wcs, target, (ny, nx))
    rows = np.arange(fractions.shape[0])
    in_bins = 1 - fractions[:, 0]
    best = np.where(in_bins >= 0.5, np.argmax(fractions[:, 1:], axis=1) + 1, 0)
    got = fractions[rows, assigned]
    possible = fractions[rows, best]
    # the area given to the right bin, relative to the best possible assignment
    assert got.sum() / possible.sum() >= 0.98
    assert np.mean(assigned == best) >= 0.99
    # pixels entirely outside the source grid are 0
    assert np.all(assigned[fractions[:, 0] == 1] == 0)
    assert result.nbins == len(result.meta['source_bin_ids']) > 50


def test_outside_the_source_footprint_is_zero(bm):
    # the target grid shifted by 20 columns: its last 20 columns see no source pixel
    shifted = tan_wcs(crpix=(25.0 - 20, 30.0))
    result = bm.reproject(shifted, bm.shape, supersample=4)
    assert np.all(result.labels[:, -20:] == 0)
    ids = np.concatenate([[0], result.meta['source_bin_ids']])
    assert_array_equal(ids[result.labels[:, :-20]], bm.labels[:, 20:])
    # bins left out are dropped and the others numbered 1..n in order
    assert_array_equal(np.unique(result.labels[result.labels > 0]),
                       np.arange(1, result.nbins + 1))
    assert np.all(np.diff(result.meta['source_bin_ids']) > 0)
    assert result.nbins < bm.nbins


def test_ties_go_to_the_lower_label_and_mostly_outside_is_zero():
    source = tan_wcs(crpix=(1.0, 1.0))

    def one_pixel(labels, x_centre):
        """Labels of one target pixel 2 x 2 source pixels large, centred at (x_centre, 0.5)."""
        # target pixel 0 is 1 - crpix target pixels = 2 (1 - crpix) source pixels from 0
        target = tan_wcs(scale=2 * SCALE, crpix=(1 - x_centre / 2, 0.75))
        result = BinMap(np.array(labels), wcs=source).reproject(target, (1, 1), supersample=20)
        return np.concatenate([[0], result.meta['source_bin_ids']])[result.labels[0, 0]]

    # exactly on the 2 x 2 grid, half in each bin: the lower label wins
    assert one_pixel([[1, 2], [1, 2]], 0.5) == 1
    assert one_pixel([[2, 1], [2, 1]], 0.5) == 1
    # half inside (in bin 2), half outside the grid: in the bin
    assert one_pixel([[2, 1], [2, 1]], -0.5) == 2
    # a little more outside than inside (55%, as 11 of 20 sub-pixel columns see it): 0
    assert one_pixel([[2, 1], [2, 1]], -0.57) == 0
    # an unbinned pixel counts as outside
    assert one_pixel([[0, 1], [0, 1]], 0.38) == 0
    assert one_pixel([[0, 1], [0, 1]], 0.5) == 1


def test_reproject_with_a_wcs_that_is_not_a_fits_wcs(bm):
    # the same grid as bm's, as a plain APE-14 WCS (pixel 0 at the reference point)
    source = tan_wcs(crpix=(1.0, 1.0))
    mapped = BinMap(np.asarray(bm.labels), wcs=source)
    ape14 = HighLevelWCSWrapper(SmallAngleWCS(63.355417, 10.46556, SCALE))
    result = mapped.reproject(ape14, bm.shape)
    # small-angle and TAN agree to far less than a pixel over 10 arcsec
    assert np.mean(result.labels == mapped.labels) > 0.99


def test_reproject_errors(bm):
    with pytest.raises(ValueError, match='this bin map has no WCS'):
        BinMap(np.ones((3, 3), int)).reproject(tan_wcs(), (3, 3))
    with pytest.raises(ValueError, match=r'shape must be a pair of positive integers'):
        bm.reproject(tan_wcs(), (0, 3))
    with pytest.raises(ValueError, match='shape is required'):
        bm.reproject(tan_wcs())
    with pytest.raises(ValueError, match='supersample must be a positive integer, got 0'):
        bm.reproject(tan_wcs(), (3, 3), supersample=0)
    with pytest.raises(TypeError, match='wcs must be a celestial WCS'):
        bm.reproject(None, (3, 3))
    linear = WCS(naxis=2)
    linear.wcs.ctype = ['LINEAR', 'LINEAR']
    with pytest.raises(ValueError, match='wcs must be a celestial WCS of the target grid, got '
                                         'one with axes LINEAR, LINEAR'):
        bm.reproject(linear, (3, 3))
    # a WCS that knows its shape needs none
    sized = tan_wcs()
    sized.pixel_shape = (SHAPE[1], SHAPE[0])
    assert bm.reproject(sized).shape == SHAPE
