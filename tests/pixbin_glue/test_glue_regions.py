# Licensed under a 3-clause BSD style license - see LICENSE
"""astropy-regions regions to subsets of whole bins, and back."""

import astropy.units as u
import numpy as np
import pytest

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')

from astropy.wcs import WCS  # noqa: E402
from glue.core import Data, DataCollection  # noqa: E402
from regions import (CirclePixelRegion, CircleSkyRegion, PixCoord,  # noqa: E402
                     PointPixelRegion, PolygonPixelRegion, RectanglePixelRegion, Regions)

import pixbin  # noqa: E402
import pixbin_glue  # noqa: E402
from pixbin_glue._binmap_data import binmap_to_data  # noqa: E402

# Four bins on a 10 x 12 grid (rows y, columns x):
#   bin 1: x 0-5, y 0-4   bin 2: x 6-11, y 0-4
#   bin 3: x 0-5, y 5-9   bin 4: x 6-11, y 5-9, except bin 3 pixels at x 6-7, y 8-9
LABELS = np.ones((10, 12), int)
LABELS[:5, 6:] = 2
LABELS[5:, :6] = 3
LABELS[5:, 6:] = 4
LABELS[8:, 6:8] = 3


def _wcs():
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN']
    wcs.wcs.crval = [150.0, 2.0]
    wcs.wcs.crpix = [6.0, 5.0]
    wcs.wcs.cdelt = [-1 / 3600, 1 / 3600]
    wcs.wcs.set()
    return wcs


@pytest.fixture
def quads(glue_plugins):
    """A collection with the four-bin map and a 3-band cube on its grid."""
    flux = np.arange(1.0, 13.0).reshape(4, 3)
    bm = pixbin.BinMap(LABELS, flux=flux * u.Jy, flux_err=0.1 * flux * u.Jy, wcs=_wcs(),
                       band_names=['a', 'b', 'c'])
    bins = binmap_to_data(bm, 'quads')
    cube = Data(label='cube3', flux=np.random.default_rng(1).normal(size=(3, 10, 12)))
    dc = DataCollection([cube, bins])
    pixbin_glue.link_binmap(dc, bins)
    return dc, bins, cube


def _ids(group):
    return pixbin_glue.bins_in_subset(group).tolist()


@pytest.mark.parametrize('region, overlap, centre', [
    (CirclePixelRegion(PixCoord(2.5, 2.0), 1.0), [1], [1]),
    # crosses into bin 2 by 0.3 pixel: overlap touches 1 and 2; centre of bin 1 outside
    (CirclePixelRegion(PixCoord(4.3, 2.0), 1.5), [1, 2], []),
    (RectanglePixelRegion(PixCoord(5.5, 4.5), 2.0, 2.0), [1, 2, 3, 4], []),
    # an outline along pixel edges touches only what is inside
    (PolygonPixelRegion(PixCoord([-0.5, 5.5, 5.5, -0.5], [-0.5, -0.5, 4.5, 4.5])), [1], [1]),
    (PointPixelRegion(PixCoord(6.2, 8.6)), [3], []),
    # bin centroids: 1 (2.5, 2), 2 (8.5, 2), 3 (2.97, 7.18), 4 (8.81, 6.77)
    (CirclePixelRegion(PixCoord(8.6, 4.4), 2.6), [2, 4], [2, 4]),
])
def test_rules(quads, region, overlap, centre):
    dc, bins, cube = quads
    group = pixbin_glue.region_to_subset(dc, region, bins)
    assert _ids(group) == overlap
    assert group.label == 'region bins'
    group = pixbin_glue.region_to_subset(dc, region, bins, rule='centre', label='c')
    assert _ids(group) == centre
    assert group.label == 'c'


def test_whole_bins_on_the_cube(quads):
    dc, bins, cube = quads
    group = pixbin_glue.region_to_subset(dc, CirclePixelRegion(PixCoord(6.5, 8.5), 0.4), cube)
    assert _ids(group) == [3]
    on_cube = next(s for s in group.subsets if s.data is cube)
    np.testing.assert_array_equal(on_cube.to_mask(), np.broadcast_to(LABELS == 3, (3, 10, 12)))


def test_sky_regions_and_files(quads, tmp_path):
    dc, bins, cube = quads
    pixel = CirclePixelRegion(PixCoord(8.0, 6.0), 1.2)
    sky = pixel.to_sky(_wcs())
    assert isinstance(sky, CircleSkyRegion)
    expected = _ids(pixbin_glue.region_to_subset(dc, pixel, bins))
    assert expected == [4]
    assert _ids(pixbin_glue.region_to_subset(dc, sky, bins)) == expected
    for name, fmt in (('r.reg', 'ds9'), ('r.crtf', 'crtf')):
        path = tmp_path / name
        Regions([sky]).write(str(path), format=fmt)
        assert _ids(pixbin_glue.region_to_subset(dc, str(path), bins)) == expected


def test_excluded_regions(quads, tmp_path):
    dc, bins, cube = quads
    everything = RectanglePixelRegion(PixCoord(5.5, 4.5), 12.0, 10.0)
    hole = RectanglePixelRegion(PixCoord(2.5, 2.0), 6.0, 5.0)     # exactly bin 1
    hole.meta['include'] = 0
    assert _ids(pixbin_glue.region_to_subset(dc, [everything, hole], bins)) == [2, 3, 4]
    path = tmp_path / 'holes.reg'
    Regions([everything, hole]).write(str(path), format='ds9')
    assert _ids(pixbin_glue.region_to_subset(dc, str(path), bins)) == [2, 3, 4]


def test_subset_to_regions_round_trip(quads, tmp_path):
    dc, bins, cube = quads
    group = pixbin_glue.region_to_subset(dc, CirclePixelRegion(PixCoord(6.5, 8.5), 0.4), bins)
    regions = pixbin_glue.subset_to_regions(group)
    assert [r.meta['label'] for r in regions] == ['bin 3']
    # bin 3 is an L shape: its outline has 6 corners
    assert len(regions[0].vertices) == 6
    assert _ids(pixbin_glue.region_to_subset(dc, regions, bins)) == [3]
    sky = pixbin_glue.subset_to_regions(group.subsets[1], sky=True)
    assert _ids(pixbin_glue.region_to_subset(dc, sky, bins)) == [3]


def test_round_trip_on_real_bins(binned, tmp_path):
    """Bins (some with holes) -> regions -> subset gives the same bins."""
    from pixbin_glue._binmap_data import bins_subset_state
    from scipy.ndimage import binary_fill_holes
    dc, cube, bins, direct = binned
    # ds9 and CRTF files exclude a hole from every region, so a bin around
    # others (an outskirts ring) cannot go in one file with them: leave such out
    ringed = [i for i in range(1, direct.nbins + 1)
              if np.any(binary_fill_holes(direct.labels == i) & (direct.labels != i))]
    ids = [i for i in range(1, direct.nbins + 1, 4) if i not in ringed]
    assert len(ids) >= 10
    group = dc.new_subset_group('some', bins_subset_state(bins, ids))
    regions = pixbin_glue.subset_to_regions(group, sky=True)
    assert len(regions) == len(ids)
    back = pixbin_glue.region_to_subset(dc, regions, cube)
    assert _ids(back) == ids
    # through ds9 and CRTF files (sky coordinates, about 8 digits)
    from pixbin_glue._regions import write_subset_regions
    for name in ('bins.reg', 'bins.crtf'):
        written = write_subset_regions(group, tmp_path / name)
        # one outline per bin, plus an excluded polygon per hole
        assert sum(bool(r.meta.get('include', 1)) for r in written) == len(ids)
        assert _ids(pixbin_glue.region_to_subset(dc, str(tmp_path / name), cube)) == ids
    # an existing file is kept unless overwrite=True
    before = (tmp_path / 'bins.reg').read_text()
    one = dc.new_subset_group('one', bins_subset_state(bins, ids[:1]))
    with pytest.raises(FileExistsError, match='overwrite=True'):
        write_subset_regions(one, tmp_path / 'bins.reg')
    assert (tmp_path / 'bins.reg').read_text() == before
    assert len(write_subset_regions(one, tmp_path / 'bins.reg', overwrite=True)) == 1
    assert _ids(pixbin_glue.region_to_subset(dc, str(tmp_path / 'bins.reg'), cube)) == ids[:1]


def test_bin_with_a_hole_through_a_file(glue_plugins, tmp_path):
    """A ring-shaped bin: written as outline + excluded hole, read back as that bin only."""
    from pixbin_glue._regions import write_subset_regions
    labels = np.ones((7, 7), int)
    labels[2:5, 2:5] = 2
    bm = pixbin.BinMap(labels, flux=[[1.0], [2.0]] * u.Jy, flux_err=[[0.1], [0.1]] * u.Jy,
                       wcs=_wcs())
    ring = binmap_to_data(bm, 'ring')
    dc = DataCollection([ring])
    group = dc.new_subset_group('ring', pixbin_glue._binmap_data.bins_subset_state(ring, [1]))
    assert type(pixbin_glue.subset_to_regions(group)[0]).__name__ == 'CompoundPixelRegion'
    for name, sky in (('ring.reg', True), ('ring_pix.reg', False), ('ring.crtf', True)):
        write_subset_regions(group, tmp_path / name, sky=sky)
        fmt = 'crtf' if name.endswith('.crtf') else 'ds9'
        back = Regions.read(str(tmp_path / name), format=fmt)
        assert [bool(r.meta.get('include', True)) for r in back] == [True, False]
        assert _ids(pixbin_glue.region_to_subset(dc, str(tmp_path / name), ring)) == [1]


def test_errors(quads, glue_plugins):
    dc, bins, cube = quads
    circle = CirclePixelRegion(PixCoord(2, 2), 1)
    with pytest.raises(ValueError, match="rule must be one of"):
        pixbin_glue.region_to_subset(dc, circle, bins, rule='inside')
    with pytest.raises(TypeError, match='region must be an astropy-regions region'):
        pixbin_glue.region_to_subset(dc, 42, bins)
    loose = Data(label='loose', x=np.zeros((10, 12)))
    dc.append(loose)
    with pytest.raises(ValueError, match="got 'loose' \\(no linked bin map\\)"):
        pixbin_glue.region_to_subset(dc, circle, loose)
    nowcs = binmap_to_data(pixbin.BinMap(LABELS, flux=np.ones((4, 1)) * u.Jy,
                                         flux_err=np.ones((4, 1)) * u.Jy), 'nowcs')
    dc.append(nowcs)
    with pytest.raises(ValueError, match='region is a sky region .* has no WCS'):
        pixbin_glue.region_to_subset(dc, circle.to_sky(_wcs()), nowcs)
    with pytest.raises(ValueError, match='subset.data must be a pixbin bin-map dataset'):
        pixbin_glue.bins_in_subset(dc.new_subset_group('x', None).subsets[0])
