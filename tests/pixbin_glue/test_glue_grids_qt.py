# Licensed under a 3-clause BSD style license - see LICENSE
"""
glue-qt viewers with bin maps and images on other grids: bin colours in glue's
own image viewer, layers under the bins in the bin-map viewer, bin subsets on
another instrument's image.
"""

import numpy as np
import pytest

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')
pytest.importorskip('glue_qt')
pytest.importorskip('pytestqt')

import pixbin_glue  # noqa: E402
from pixbin_glue._binmap_data import bins_subset_state  # noqa: E402
from pixbin_glue._bin_colours import BIN_CMAP_NAME, BIN_CMAP_SIZE  # noqa: E402
from pixbin_glue_helpers import other_grid, write_image  # noqa: E402

pytestmark = pytest.mark.qt

SHAPE = (38, 40)


@pytest.fixture
def app(qtbot, binned, mock, tmp_path):
    """glue-qt on the binned mock cube and an image on another grid (read from a file)."""
    from glue.core.data_factories import load_data
    from glue_qt.app.application import GlueApplication
    dc, cube, bins, direct = binned
    wcs = other_grid(mock[0].wcs)
    image = load_data(str(write_image(tmp_path / 'hst.fits', wcs, SHAPE)))
    dc.append(image)
    application = GlueApplication(dc)
    qtbot.addWidget(application)
    return application, dc, cube, bins, direct, image


def _settle(viewer):
    from qtpy import QtWidgets
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    viewer.central_widget.canvas.draw()


def _is_bin_colours(state):
    return (state.cmap.name == BIN_CMAP_NAME and state.percentile == 'Custom'
            and (state.v_min, state.v_max) == (-0.5, BIN_CMAP_SIZE - 0.5))


def test_bins_in_colour_in_glue_image_viewer(app):
    """glue's own image viewer shows bin numbers in the bin colours, and gives them back."""
    from glue_qt.viewers.image import ImageViewer
    application, dc, cube, bins, direct, image = app
    viewer = application.new_data_viewer(ImageViewer, data=bins)
    state = viewer.layers[0].state
    assert state.attribute is bins.id['bin'] and _is_bin_colours(state)
    _settle(viewer)
    # the drawn colours: bin k in colour k of the map, bin 0 transparent
    rgba = viewer.axes._composite(bounds=[(0, 39, 40), (0, 39, 40)])
    from pixbin_glue._bin_colours import bin_cmap
    colours = bin_cmap()(direct.labels)[..., :3]
    binned = direct.labels > 0
    # (glue composites the layer, with its opacity, on a white background)
    np.testing.assert_allclose(rgba[binned][:, :3],
                               state.alpha * colours[binned] + (1 - state.alpha), atol=1e-6)
    # another attribute: back to glue's colour map and automatic levels
    state.attribute = bins.id['npix']
    assert state.cmap.name != BIN_CMAP_NAME and state.percentile == 100
    npix = bins['npix']                 # 0 where a pixel is in no bin
    assert (state.v_min, state.v_max) == (npix.min(), npix.max())
    state.attribute = bins.id['bin']
    assert _is_bin_colours(state)
    # the cube: its flux as glue shows it, its bin component in bin colours
    viewer.add_data(cube)
    cube_state = viewer.layers[-1].state
    assert cube_state.layer is cube and cube_state.cmap.name != BIN_CMAP_NAME
    cube_state.attribute = cube.id['bin']
    assert _is_bin_colours(cube_state)


def test_outside_the_bin_map_is_not_painted(app):
    """
    Around a bin map narrower than the view, glue's image viewers show the
    background, not the opaque bad colour (the dark bars of issue 21); the
    layer gets its own bad colour back with another attribute.
    """
    from glue_qt.viewers.image import ImageViewer
    from pixbin_glue.qt.viewers import BinMapViewer
    application, dc, cube, bins, direct, image = app
    for viewer_class in (BinMapViewer, ImageViewer):
        viewer = application.new_data_viewer(viewer_class, data=bins)
        state = viewer.layers[0].state
        _settle(viewer)
        ny, nx = direct.labels.shape
        # 10 rows below and above the map: NaN for glue, drawn as the background
        rgba = viewer.axes._composite(bounds=[(-10, ny + 9, ny + 20), (0, nx - 1, nx)])
        np.testing.assert_allclose(rgba[:10, :, :3], 1.0)
        np.testing.assert_allclose(rgba[-10:, :, :3], 1.0)
        assert not np.allclose(rgba[10:-10][direct.labels > 0][:, :3], 1.0)   # bins drawn
        if viewer_class is ImageViewer:
            state.attribute = bins.id['npix']
            assert state.cmap_bad is None              # glue's default again


def test_layers_go_under_the_bins(app):
    """The bin-map viewer keeps other datasets and their subsets under the bins."""
    from pixbin_glue.qt.viewers import BinMapViewer
    application, dc, cube, bins, direct, image = app
    pixbin_glue.link_binmap_wcs(dc, bins, image)
    dc.new_subset_group('bin 3', bins_subset_state(bins, [3]))
    viewer = application.new_data_viewer(BinMapViewer, data=bins)
    viewer.add_data(image)
    viewer.add_data(cube)
    dc.new_subset_group('bins 1, 2', bins_subset_state(bins, [1, 2]))

    def zorders(data):
        return [a.zorder for a in viewer.layers
                if (a.layer if a.layer is data else getattr(a.layer, 'data', None)) is data]

    top_of_others = max(zorders(image) + zorders(cube))
    assert len(zorders(image)) == len(zorders(cube)) == 3          # data and two subsets
    assert min(zorders(bins)) > top_of_others
    # the order among the others is kept: the image, then the cube on it
    assert zorders(image)[0] < zorders(cube)[0]
    # and so drawn: the composite image stacks the bin map last
    _settle(viewer)
    order = sorted(viewer.layers, key=lambda a: a.zorder)
    assert order[-1].layer is bins or getattr(order[-1].layer, 'data', None) is bins
    assert len({a.zorder for a in viewer.layers}) == len(viewer.layers)


def test_bin_subset_on_the_other_image(app):
    """A bin subset is shown on the image of the other grid (no 'Cannot visualize this layer')."""
    from glue.plugins.wcs_autolinking.wcs_autolinking import WCSLink
    from glue_qt.viewers.image import ImageViewer
    application, dc, cube, bins, direct, image = app
    dc.add_link(WCSLink(cube, image))                 # as glue's link editor does
    group = dc.new_subset_group('bins 1-4', bins_subset_state(bins, [1, 2, 3, 4]))
    viewer = application.new_data_viewer(ImageViewer, data=image)
    _settle(viewer)
    artist = next(a for a in viewer.layers if a.layer is next(
        s for s in group.subsets if s.data is image))
    assert artist.enabled and artist.visible
    labels = np.asarray(image.get_data(image.id['bin']))
    shown = artist.state.get_sliced_data()
    np.testing.assert_array_equal(shown, np.isin(labels, [1, 2, 3, 4]))
    assert shown.sum() > 20
