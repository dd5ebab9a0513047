# Licensed under a 3-clause BSD style license - see LICENSE
"""
Bin maps and datasets on other celestial grids (another instrument's image):
links through the WCS, whole-bin subsets and regions there, no autolink
proposals for what pixbin linked.
"""

import numpy as np
import pytest

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')

from regions import CirclePixelRegion, PixCoord, RectanglePixelRegion  # noqa: E402

import pixbin_glue  # noqa: E402
from pixbin_glue._binmap_data import bins_subset_state  # noqa: E402
from pixbin_glue_helpers import other_grid, write_image  # noqa: E402

SHAPE = (38, 40)          # the other image: (ny, nx), rotated by 30 deg, pixels 1.5x larger


@pytest.fixture
def with_image(binned, mock, tmp_path):
    """``binned`` plus an image on another grid, read by glue from a FITS file."""
    from glue.core.data_factories import load_data
    dc, cube, bins, direct = binned
    wcs = other_grid(mock[0].wcs)
    image = load_data(str(write_image(tmp_path / 'hst.fits', wcs, SHAPE)))
    dc.append(image)
    return dc, cube, bins, direct, image, wcs


def reprojected(direct, wcs):
    """The bin numbers of ``direct`` on the other grid (BinMap.reproject, original numbers)."""
    other = direct.reproject(wcs, SHAPE)
    table = np.concatenate([[0], other.meta['source_bin_ids']])
    return table[other.labels]


def subset_of(group, data):
    return next(s for s in group.subsets if s.data is data)


@pytest.mark.parametrize('through', ['bins', 'cube'])
def test_glue_wcs_link_gives_the_bins_on_the_other_grid(with_image, through):
    """glue's WCS link (to the bin map or the cube): a bin subset selects the pixels there."""
    from glue.plugins.wcs_autolinking.wcs_autolinking import WCSLink
    dc, cube, bins, direct, image, wcs = with_image
    assert 'bin' not in [c.label for c in image.components]
    dc.add_link(WCSLink(bins if through == 'bins' else cube, image))
    # the watcher of the collection added the reprojected bins, linked to the bin map's
    labels = np.asarray(image.get_data(image.id['bin']))
    expected = reprojected(direct, wcs)
    np.testing.assert_array_equal(labels, expected)
    assert labels.dtype == np.int16                 # the image may be much larger than the map
    # bins on the other grid: most of them, the larger ones all
    present = np.unique(expected[expected > 0])
    assert 0.5 * direct.nbins < present.size <= direct.nbins
    assert set(present) >= set(direct.bin_ids[direct.npix >= 9])
    ids = present[::3]
    group = dc.new_subset_group('some bins', bins_subset_state(bins, ids))
    mask = subset_of(group, image).to_mask()
    np.testing.assert_array_equal(mask, np.isin(expected, ids))
    assert mask.sum() > 50
    # the cube and the bin map still select their own pixels
    np.testing.assert_array_equal(subset_of(group, bins).to_mask(), np.isin(direct.labels, ids))
    # one bin component, whatever the number of link paths
    assert [c.label for c in image.components].count('bin') == 1


def test_link_binmap_wcs(with_image):
    """pixbin's own WCS link: WCSLink plus the reprojected bins, once."""
    from glue.core import Data
    from glue.plugins.wcs_autolinking.wcs_autolinking import WCSLink
    dc, cube, bins, direct, image, wcs = with_image
    cid = pixbin_glue.link_binmap_wcs(dc, bins, image)
    assert cid.parent is image and cid.label == 'bin'
    assert sum(isinstance(link, WCSLink) for link in dc.external_links) == 1
    np.testing.assert_array_equal(image.get_data(cid), reprojected(direct, wcs))
    assert pixbin_glue.link_binmap_wcs(dc, bins, image) is cid
    assert [c.label for c in image.components].count('bin') == 1
    assert sum(isinstance(link, WCSLink) for link in dc.external_links) == 1
    plain = Data(values=np.ones(SHAPE), label='no wcs')
    dc.append(plain)
    with pytest.raises(ValueError, match='no wcs.*celestial WCS'):
        pixbin_glue.link_binmap_wcs(dc, bins, plain)
    with pytest.raises(ValueError, match='binmap_data must be a pixbin bin-map'):
        pixbin_glue.link_binmap_wcs(dc, cube, image)


def test_region_on_the_other_grid(with_image):
    """Regions drawn on the other image select the bins that they cover on the bin map."""
    dc, cube, bins, direct, image, wcs = with_image
    with pytest.raises(ValueError, match='no linked bin map'):
        pixbin_glue.region_to_subset(dc, CirclePixelRegion(PixCoord(20, 18), 3), image)
    pixbin_glue.link_binmap_wcs(dc, bins, image)
    # a circle of 3 pixels of the image = a circle of 4.5 pixels of the bin map
    centre = PixCoord(21.0, 17.0)
    bx, by = direct.wcs.world_to_pixel(wcs.pixel_to_world(centre.x, centre.y))
    same = CirclePixelRegion(PixCoord(float(bx), float(by)), 4.5)
    for rule in ('overlap', 'centre'):
        group = pixbin_glue.region_to_subset(dc, CirclePixelRegion(centre, 3), image, rule=rule)
        ids = pixbin_glue.bins_in_subset(group)
        on_binmap = pixbin_glue.region_to_subset(dc, same, bins, rule=rule)
        np.testing.assert_array_equal(ids, pixbin_glue.bins_in_subset(on_binmap))
        assert ids.size >= 2
        # whole bins on the image too
        labels = np.asarray(image.get_data(image.id['bin']))
        np.testing.assert_array_equal(subset_of(group, image).to_mask(), np.isin(labels, ids))
    # the centre rule takes fewer bins than the overlap rule
    assert 0 < len(pixbin_glue.bins_in_subset(dc.subset_groups[-2])) \
        < len(pixbin_glue.bins_in_subset(dc.subset_groups[-4]))
    # sky regions are the same from the image or the bin map
    sky = RectanglePixelRegion(PixCoord(20, 20), 8, 5).to_sky(direct.wcs)
    a = pixbin_glue.bins_in_subset(pixbin_glue.region_to_subset(dc, sky, image))
    b = pixbin_glue.bins_in_subset(pixbin_glue.region_to_subset(dc, sky, bins))
    np.testing.assert_array_equal(a, b)


def test_no_wcs_proposals_for_pixel_linked_datasets(with_image, mock, tmp_path):
    """glue's WCS autolinker proposes no link that pixbin made, or that the cube gives."""
    from glue.config import autolinker
    from glue.core.autolinking import find_possible_links
    from glue.core.data_factories import load_data
    dc, cube, bins, direct, image, wcs = with_image
    wcs_autolink = dict(autolinker.members)['Astronomy WCS']
    assert wcs_autolink.pixbin_filtered

    def pairs(links):
        return sorted(tuple(sorted((link.data1.label, link.data2.label))) for link in links)

    # unfiltered, glue would link the bin map to its own cube through the WCS
    assert ('cube', 'cube_bins') in pairs(wcs_autolink.__wrapped__(dc))
    assert ('cube_bins', 'hst') in pairs(wcs_autolink.__wrapped__(dc))
    # the image is proposed one link to the cube (which links it to the bin map too)
    proposed = find_possible_links(dc).get('Astronomy WCS', [])
    assert pairs(proposed) == [('cube', 'hst')]
    dc.add_link(proposed)
    assert 'Astronomy WCS' not in find_possible_links(dc)
    assert 'bin' in [c.label for c in image.components]
    # a bin-map file opened next to them (File > Open runs the autolinkers):
    # pixel-linked to the cube, and no WCS link proposed to the cube
    direct.write(tmp_path / 'galaxy_bins.fits')
    opened = load_data(str(tmp_path / 'galaxy_bins.fits'))
    dc.append(opened)
    proposed = pairs(find_possible_links(dc).get('Astronomy WCS', []))
    assert ('cube', 'galaxy_bins') not in proposed and ('cube_bins', 'galaxy_bins') not in proposed
    assert any(d is cube for d in pixbin_glue._links.links_between(
        dc, opened.pixel_component_ids[0]))
    # and it got its reprojected bins on the image (another bin component)
    assert 'bin [galaxy_bins]' in [c.label for c in image.components]
