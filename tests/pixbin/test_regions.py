# Licensed under a 3-clause BSD style license - see LICENSE
"""Bins as astropy-regions polygons."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin import BinMap


def rasterise(region, shape):
    image = region.to_mask(mode='center').to_image(shape)
    return np.zeros(shape, bool) if image is None else image.astype(bool)


def test_outlines_cover_exactly_the_bin_pixels():
    cube = pixbin.datasets.make_mock_galaxy(shape=(70, 70))
    bm = pixbin.bin_pixels(cube, [10] * 7 + [0] * 5, ref_band=4, min_diameter=4,
                           leftovers='merge')
    regions = bm.to_regions()
    assert len(regions) == bm.nbins
    for i, region in enumerate(regions, start=1):
        assert_array_equal(rasterise(region, bm.shape), bm.labels == i)
        assert region.meta['label'] == f'bin {i}'


def test_simple_shapes():
    square = BinMap(np.ones((2, 2), int)).to_regions()[0]
    assert_allclose(square.vertices.xy, ([-0.5, 1.5, 1.5, -0.5], [-0.5, -0.5, 1.5, 1.5]))
    assert square.area == pytest.approx(4.0)


def test_hole_and_diagonal_contact():
    labels = np.array([[1, 1, 1, 0],
                       [1, 0, 1, 0],
                       [1, 1, 1, 2],
                       [3, 0, 0, 2]])
    bm = BinMap(labels)
    ring = bm.to_regions(1)[0]
    assert_array_equal(rasterise(ring, labels.shape), labels == 1)
    # bins 1 and 2 touch at a corner only: bin 2's outline is its own two pixels
    assert_array_equal(rasterise(bm.to_regions(2)[0], labels.shape), labels == 2)


def test_disconnected_user_bin_becomes_a_union():
    labels = np.array([[1, 0, 1]])
    region = BinMap(labels).to_regions()[0]
    assert_array_equal(rasterise(region, labels.shape), labels == 1)


def test_sky_regions_and_ds9_file(tmp_path, binned):
    sky = binned.to_regions([1, 2, 3], sky=True)
    assert len(sky) == 3
    back = sky[0].to_pixel(binned.wcs)
    assert_array_equal(rasterise(back, binned.shape), binned.labels == 1)
    sky.write(tmp_path / 'bins.reg', format='ds9')
    from regions import Regions
    read = Regions.read(tmp_path / 'bins.reg', format='ds9')
    assert len(read) == 3 and read[0].meta['text'] == 'bin 1'


def test_flat_regions_for_files(tmp_path):
    labels = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]])
    flat = BinMap(labels).to_regions(flat=True)
    assert len(flat) == 2
    assert 'include' not in flat[0].meta and flat[1].meta['include'] == 0
    flat.write(tmp_path / 'ring.reg', format='ds9')
    from regions import Regions
    back = Regions.read(tmp_path / 'ring.reg', format='ds9')
    assert [r.meta.get('include', 1) for r in back] == [1, 0]
    assert all(r.meta['text'] == 'bin 1' for r in back)


def test_errors():
    bm = BinMap(np.array([[1, 2]]))
    with pytest.raises(ValueError, match='sky regions need a WCS'):
        bm.to_regions(sky=True)
    with pytest.raises(ValueError, match='bin_ids must be between 1 and 2'):
        bm.to_regions([3])
    # bin numbers are integers: nothing is truncated (1.7 is not bin 1) or parsed
    for ids in (1.7, [1.0], '2', [[1]], [1, [2]], True):
        with pytest.raises(TypeError, match=r'bin_ids must be a bin number or a sequence of '
                                            r'bin numbers \(integers\), got '):
            bm.to_regions(ids)
    assert len(bm.to_regions([])) == 0 and len(bm.to_regions(np.int64(2))) == 1
