# Licensed under a 3-clause BSD style license - see LICENSE
"""The bin-map and bin-SED viewers without a frontend (glue-core + Matplotlib)."""

import astropy.units as u
import numpy as np
import pytest

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')

from glue.core import Data, Session  # noqa: E402
from glue.core.roi import CircularROI, RectangularROI  # noqa: E402

import pixbin  # noqa: E402
import pixbin_glue  # noqa: E402
from pixbin_glue._binmap_data import bins_subset_state  # noqa: E402
from pixbin_glue._register import BIN_CMAP_NAME, BIN_CMAP_SIZE, bin_cmap  # noqa: E402
from pixbin_glue.viewers import (SimpleBinMapViewer, SimpleSEDViewer,  # noqa: E402
                                 outline_segments)
from pixbin_glue_helpers import BIN_KW, SNR, inner_pixel  # noqa: E402


def _viewer(cls, session):
    """A frontend-less viewer listening to the session's hub, as glue apps do."""
    viewer = cls(session)
    viewer.register_to_hub(session.hub)
    # Agg renders every draw_idle at once (about 0.1 s with WCS axes, and glue asks
    # for a hundred); these tests check the artists, the Qt tests render them.
    viewer.figure.canvas.draw_idle = lambda *args, **kwargs: None
    return viewer


def test_outline_segments():
    labels = np.array([[1, 1, 2],
                       [0, 1, 2]])
    segments = outline_segments(labels)
    # edges: (0,1)|(0,2), (1,1)|(1,2), (1,0)|(1,1) vertical; (0,0)-(1,0) horizontal
    assert segments.shape == (4, 2, 2)
    expected = {((1.5, -0.5), (1.5, 0.5)), ((1.5, 0.5), (1.5, 1.5)),
                ((0.5, 0.5), (0.5, 1.5)), ((-0.5, 0.5), (0.5, 0.5))}
    assert {tuple(map(tuple, s)) for s in segments} == expected


def test_bin_colormap_is_categorical():
    cmap = bin_cmap()
    assert cmap.name == BIN_CMAP_NAME and cmap.N == BIN_CMAP_SIZE
    # glue maps v_min=-0.5..v_max=N-0.5 linearly: bin k lands on colour k
    k = np.arange(BIN_CMAP_SIZE)
    colours = cmap((k + 0.5) / BIN_CMAP_SIZE)
    np.testing.assert_array_equal(colours, cmap(k))
    assert colours[0, 3] == 0 and np.all(colours[1:, 3] == 1)   # bin 0 transparent
    from pixbin.plotting import bin_colormap
    np.testing.assert_array_equal(cmap.colors, bin_colormap(BIN_CMAP_SIZE - 1)[0].colors)


@pytest.fixture
def session(binned):
    dc = binned[0]
    return Session(data_collection=dc)


def test_binmap_viewer_style_and_outlines(binned, session):
    dc, cube, bins, direct = binned
    viewer = _viewer(SimpleBinMapViewer, session)
    viewer.add_data(bins)
    layer = viewer.state.layers[0]
    assert layer.attribute is bins.id['bin']
    assert layer.cmap.name == BIN_CMAP_NAME
    assert (layer.v_min, layer.v_max) == (-0.5, BIN_CMAP_SIZE - 0.5)
    assert layer.stretch == 'linear' and layer.percentile == 'Custom'
    outlines = viewer.outline_artist
    assert outlines is not None and outlines in viewer.axes.collections
    assert len(outlines.get_segments()) == len(outline_segments(direct.labels))
    viewer.state.show_outlines = False
    assert viewer.outline_artist is None
    viewer.state.show_outlines = True
    assert viewer.outline_artist is not None


def test_binmap_viewer_selects_whole_bins(binned, session):
    dc, cube, bins, direct = binned
    viewer = _viewer(SimpleBinMapViewer, session)
    viewer.add_data(bins)
    # a small circle inside the largest bin, which it cannot cover
    row, column = inner_pixel(direct.labels)
    assert direct.npix[direct.labels[row, column] - 1] > 9
    viewer.apply_roi(CircularROI(float(column), float(row), 1.5))
    group = dc.subset_groups[-1]
    yy, xx = np.indices(direct.shape)
    circle = np.hypot(xx - column, yy - row) < 1.5
    touched = np.unique(direct.labels[circle])
    touched = touched[touched > 0]
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(group), touched)
    on_cube = next(s for s in group.subsets if s.data is cube)
    np.testing.assert_array_equal(on_cube.to_mask(),
                                  np.broadcast_to(np.isin(direct.labels, touched), cube.shape))
    # whole bins: the selection reaches beyond the circle
    assert np.any(np.isin(direct.labels, touched) & ~circle)
    # the selection is outlined in the subset's colour
    from matplotlib.colors import to_rgba
    on_bins = next(s for s in group.subsets if s.data is bins)
    [artist] = viewer.selection_artists
    assert len(artist.get_segments()) == len(
        outline_segments(np.isin(direct.labels, touched).astype(int)))
    np.testing.assert_allclose(artist.get_edgecolor()[0], to_rgba(on_bins.style.color))
    on_bins.style.color = '#00ff00'
    np.testing.assert_allclose(viewer.selection_artists[0].get_edgecolor()[0],
                               to_rgba('#00ff00'))
    # the click tool's action: the bin under (x, y) (x = column, y = row)
    row, column = inner_pixel(direct.labels)
    bin_id = viewer.select_bin_at(column + 0.2, row + 0.4)
    assert bin_id == direct.labels[row, column] > 0
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(group), [bin_id])
    # a click outside the map empties the selection
    assert viewer.select_bin_at(-3, direct.shape[0] + 2) is None
    assert pixbin_glue.bins_in_subset(group).size == 0


def test_binmap_viewer_on_the_cube(binned, session):
    """With the cube as reference data, outlines and selections still follow the bins."""
    dc, cube, bins, direct = binned
    viewer = _viewer(SimpleBinMapViewer, session)
    viewer.add_data(cube)
    viewer.add_data(bins)
    assert viewer.state.reference_data is cube
    assert viewer.binmap_data is bins
    assert viewer.outline_artist is not None
    viewer.apply_roi(RectangularROI(14.5, 16.5, 17.5, 18.5))
    touched = np.unique(direct.labels[18, 15:17])
    touched = touched[touched > 0]
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(dc.subset_groups[-1]), touched)
    # swapped axes: outlines are transposed, clicks too
    viewer.state.x_att, viewer.state.y_att = cube.pixel_component_ids[1], \
        cube.pixel_component_ids[2]
    segments = viewer.outline_artist.get_segments()
    np.testing.assert_allclose(np.sort(np.array(segments).ravel()),
                               np.sort(outline_segments(direct.labels).ravel()))
    # display x is now the row, display y the column
    row, column = inner_pixel(direct.labels)
    assert viewer.select_bin_at(float(row), float(column)) == direct.labels[row, column] > 0


def test_sed_viewer_one_line_per_bin(binned, session):
    dc, cube, bins, direct = binned
    viewer = _viewer(SimpleSEDViewer, session)
    viewer.add_data(bins)
    ids = [2, 9, 14]
    group = dc.new_subset_group('three', bins_subset_state(bins, ids))
    artist = next(a for a in viewer.layers if a.layer.data is bins and a.layer is not bins)
    assert artist.layer.data is bins
    np.testing.assert_array_equal(artist.bin_ids, ids)
    assert len(artist.sed_lines) == 3
    wave = direct.band_wavelengths.to_value(u.um)
    for line, b in zip(artist.sed_lines, ids):
        np.testing.assert_allclose(line.get_xdata(), wave)
        np.testing.assert_allclose(line.get_ydata(), direct.flux[b - 1].value, rtol=1e-12)
        assert line.get_label() == f'bin {b}'
    # error bars: one vertical segment per band, half-length = flux_err
    bars = artist._containers[0].lines[2][0].get_segments()
    np.testing.assert_allclose([s[1][1] - s[0][1] for s in bars],
                               2 * direct.flux_err[ids[0] - 1].value, rtol=1e-12)
    # the data layer itself draws nothing
    data_artist = next(a for a in viewer.layers if a.layer is bins)
    assert data_artist.sed_lines == [] and data_artist.enabled
    # the lines follow the selection
    group.subset_state = bins_subset_state(bins, [5])
    assert [line.get_label() for line in artist.sed_lines] == ['bin 5']
    # mean flux per pixel
    viewer.state.flux_mode = 'mean'
    np.testing.assert_allclose(artist.sed_lines[0].get_ydata(),
                               direct.mean_flux[4].value, rtol=1e-12)
    assert viewer.state.y_axislabel.startswith('Bin flux (mean per pixel) [1e-17 erg')
    # at most max_bins lines per subset
    viewer.state.max_bins = 2
    group.subset_state = bins_subset_state(bins, [1, 2, 3, 4])
    assert len(artist.bin_ids) == 4 and len(artist.sed_lines) == 2
    # axes fit the SEDs
    y = np.concatenate([line.get_ydata() for line in artist.sed_lines])
    assert viewer.state.y_min < y.min() and viewer.state.y_max > y.max()
    assert viewer.state.x_min < wave.min() and viewer.state.x_max > wave.max()


def test_sed_viewer_spectra_and_other_data(dc_cube, mock):
    _, spectra, footprint = mock
    dc_cube['ifu'] = spectra
    bins = pixbin_glue.bin_data(dc_cube, dc_cube['cube'], SNR, spectra=dc_cube['ifu'],
                                **BIN_KW)
    direct = pixbin.bin_pixels(mock[0], SNR, spectra=spectra, **BIN_KW)
    session = Session(data_collection=dc_cube)
    viewer = _viewer(SimpleSEDViewer, session)
    viewer.add_data(bins)
    viewer.add_data(dc_cube['cube'])
    with_spectrum = [int(b) for b in direct.spec_bin_ids[:2]]
    without = int(np.setdiff1d(direct.bin_ids, direct.spec_bin_ids)[0])
    group = dc_cube.new_subset_group('s', bins_subset_state(bins, with_spectrum + [without]))
    artist = next(a for a in viewer.layers if a.layer.data is bins and a.layer is not bins)
    assert artist.layer.group is group
    assert len(artist.sed_lines) == 3 and len(artist.spectrum_lines) == 2
    for line, b in zip(artist.spectrum_lines, with_spectrum):
        np.testing.assert_allclose(line.get_ydata(), direct.spectrum(b).flux.value, rtol=1e-10)
        np.testing.assert_allclose(line.get_xdata(),
                                   direct.spectra.spectral_axis.to_value(u.um), rtol=1e-12)
    viewer.state.show_spectra = False
    assert artist.spectrum_lines == [] and len(artist.sed_lines) == 3
    # a dataset that is not a bin map is shown as disabled, with the reason
    cube_artist = next(a for a in viewer.layers if a.layer is dc_cube['cube'])
    assert not cube_artist.enabled
    assert 'not a pixbin bin map' in cube_artist.disabled_message


def test_sed_viewer_without_wavelengths(glue_plugins):
    from glue.core import DataCollection
    from pixbin_glue._binmap_data import binmap_to_data
    bm = pixbin.BinMap(np.array([[1, 2]]), flux=[[1.0, 2.0], [3.0, 4.0]] * u.Jy,
                       flux_err=[[0.1, 0.1], [0.1, 0.1]] * u.Jy)
    bins = binmap_to_data(bm, 'tiny')
    dc = DataCollection([bins, Data(label='other', x=np.zeros(3))])
    viewer = _viewer(SimpleSEDViewer, Session(data_collection=dc))
    viewer.add_data(bins)
    group = dc.new_subset_group('both', bins_subset_state(bins, [1, 2]))
    artist = next(a for a in viewer.layers if a.layer is not bins and a.layer.data is bins)
    assert artist.layer.group is group
    np.testing.assert_allclose(artist.sed_lines[1].get_xdata(), [1, 2])   # band numbers
    np.testing.assert_allclose(artist.sed_lines[1].get_ydata(), [3, 4])
    assert viewer.state.x_axislabel == 'band'
