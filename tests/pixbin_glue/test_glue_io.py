# Licensed under a 3-clause BSD style license - see LICENSE
"""Registration, the pixbin FITS exporter and data factory, and the autolinker."""

import numpy as np
import pytest

import pixbin


pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')

from glue.core import DataCollection  # noqa: E402

import pixbin_glue  # noqa: E402
from pixbin_glue._register import BIN_CMAP_NAME, read_binmap_data  # noqa: E402
from pixbin_glue_helpers import glue_cube  # noqa: E402


def test_core_registrations(glue_plugins):
    from glue.config import autolinker, colormaps, data_exporter, data_factory
    assert 'pixbin bin map (FITS)' in [f.label for f in data_factory]
    assert 'pixbin bin map (FITS)' in [e.label for e in data_exporter]
    assert 'pixbin bin maps (pixel grid)' in [label for label, _ in autolinker]
    names = [c.name for _, c in colormaps]
    assert names.count(BIN_CMAP_NAME) == 1
    # setup again (glue loads each entry point module once, but users may call it)
    pixbin_glue.setup()
    assert [f.label for f in data_factory].count('pixbin bin map (FITS)') == 1
    assert [e.label for e in data_exporter].count('pixbin bin map (FITS)') == 1


def test_exporter_writes_pixbin_fits(binned, tmp_path):
    from glue.config import data_exporter
    dc, cube, bins, direct = binned
    exporter = next(e for e in data_exporter if e.label == 'pixbin bin map (FITS)')
    assert exporter.extension == ['fits']
    path = tmp_path / 'bins.fits'
    exporter.function(str(path), bins)
    assert pixbin.io.is_binmap_file(path)
    back = pixbin.read_binmap(path)
    np.testing.assert_array_equal(back.labels, direct.labels)
    np.testing.assert_allclose(back.flux.value, direct.flux.value, rtol=1e-12)
    assert back.band_names == direct.band_names
    # glue's dialog has asked already: the exporter replaces the file
    exporter.function(str(path), bins)
    with pytest.raises(ValueError, match='writes whole bin maps'):
        exporter.function(str(path), dc.new_subset_group('s', None).subsets[0])
    with pytest.raises(ValueError, match="must be a pixbin bin-map dataset to be written as "
                                         "a pixbin file, got 'cube'"):
        exporter.function(str(path), cube)


def test_data_factory_and_autolinker(binned, mock, tmp_path):
    from glue.core.autolinking import find_possible_links
    from glue.core.data_factories import find_factory, load_data
    dc, cube, bins, direct = binned
    path = tmp_path / 'galaxy_bins.fits'
    direct.write(path)
    assert find_factory(str(path)) is read_binmap_data
    assert find_factory(str(tmp_path / 'nothing.fits')) is not read_binmap_data
    loaded = load_data(str(path))
    assert loaded.label == 'galaxy_bins'
    assert pixbin_glue.is_binmap_data(loaded)
    np.testing.assert_array_equal(loaded.get_data(loaded.id['bin']), direct.labels)
    result = pixbin_glue.binmap_from_data(loaded)
    np.testing.assert_allclose(result.flux.value, direct.flux.value, rtol=1e-12)
    # in a collection with the cube, the autolinker (run by glue-qt when data are
    # added) pixel-links it at once and suggests nothing
    cube = glue_cube(mock[0])
    fresh = DataCollection([cube])
    fresh.append(loaded)
    assert 'pixbin bin maps (pixel grid)' not in find_possible_links(fresh)
    assert 'bin' in [c.label for c in cube.components]
    group = fresh.new_subset_group('b', pixbin_glue._binmap_data.bins_subset_state(loaded, [4]))
    on_cube = next(s for s in group.subsets if s.data is cube)
    np.testing.assert_array_equal(on_cube.to_mask()[0], direct.labels == 4)


def test_autolinker_respects_always_ignore(binned, mock, tmp_path):
    from glue.config import settings
    from pixbin_glue._links import AUTOLINK_LABEL, autolink_binmaps
    dc, cube, bins, direct = binned
    path = tmp_path / 'b.fits'
    direct.write(path)
    cube = glue_cube(mock[0])
    fresh = DataCollection([cube, read_binmap_data(str(path))])
    settings.AUTOLINK[AUTOLINK_LABEL] = 'always_ignore'
    try:
        autolink_binmaps(fresh)
        assert len(fresh.external_links) == 0
        assert 'bin' not in [c.label for c in cube.components]
    finally:
        del settings.AUTOLINK[AUTOLINK_LABEL]
    autolink_binmaps(fresh)
    assert len(fresh.external_links) == 3
