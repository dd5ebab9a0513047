# Licensed under a 3-clause BSD style license - see LICENSE
"""The glue-qt action, dialog and viewers, driven headless (offscreen Qt, PyQt6)."""

import numpy as np
import pytest

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')
pytest.importorskip('glue_qt')
pytest.importorskip('pytestqt')

from glue.core import Data  # noqa: E402
from glue.core.roi import RectangularROI  # noqa: E402
from qtpy import QtCore, QtWidgets  # noqa: E402

import pixbin  # noqa: E402
import pixbin_glue  # noqa: E402
from pixbin_glue._binmap_data import bins_subset_state  # noqa: E402
from pixbin_glue_helpers import BIN_KW, SNR, inner_pixel  # noqa: E402

pytestmark = pytest.mark.qt


@pytest.fixture
def app(qtbot, glue_plugins, dc_cube):
    from glue_qt.app.application import GlueApplication
    application = GlueApplication(dc_cube)
    qtbot.addWidget(application)
    return application


def _viewers(app, cls):
    return [v for tab in app.viewers for v in tab if isinstance(v, cls)]


def _fill_and_click(qtbot, dialog):
    """What a user does in the dialog: S/N per band, reference band, diameter; Bin."""
    dialog.set_snr(SNR)
    dialog.combo_ref.setCurrentIndex(dialog.combo_ref.findText('sdss_r'))
    dialog.spin_diameter.setValue(BIN_KW['min_diameter'])
    dialog.spin_chi2.setValue(BIN_KW['redchi2_limit'])
    ok = dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok)
    qtbot.mouseClick(ok, QtCore.Qt.LeftButton)


def test_registered(glue_plugins):
    from glue_qt.config import layer_action, qt_client

    from pixbin_glue.qt import ACTION_LABEL
    from pixbin_glue.qt.viewers import BinMapViewer, SEDViewer
    action = next(a for a in layer_action if a.label == ACTION_LABEL)
    assert action.single and action.data and not action.subset
    assert BinMapViewer in qt_client.members and SEDViewer in qt_client.members
    assert BinMapViewer.LABEL == 'pixbin bin map' and SEDViewer.LABEL == 'pixbin bin SEDs'
    # the one-pixel tool is replaced by the whole-bin tool
    assert 'pixbin:select_bin' in BinMapViewer.tools
    assert 'image:point_selection' not in BinMapViewer.tools


def test_action_bins_the_cube(app, qtbot, monkeypatch, mock):
    """Right-click the cube, "Bin pixels (pixbin)...", fill the dialog, Bin."""
    from pixbin_glue.qt import ACTION_LABEL
    from pixbin_glue.qt.dialog import BinPixelsDialog
    from pixbin_glue.qt.viewers import BinMapViewer
    dc = app.data_collection
    cube = dc['cube']
    action = app._layer_widget._actions[ACTION_LABEL]
    assert action.text() == ACTION_LABEL
    app._layer_widget.ui.layerTree.set_selected_layers([cube])
    assert action.isEnabled()
    seen = {}

    def exec_(dialog):
        seen['dialog'] = dialog
        # the components were found by name, with the unit and the band names
        assert dialog.combo_flux.currentText() == 'FLUX'
        assert dialog.combo_uncertainty.currentText() == 'FLUX_ERR'
        assert dialog.combo_kind.currentData() == 'std'
        assert dialog.edit_unit.text() == '1e-17 erg / (Angstrom s cm2)'
        assert [dialog.table_snr.item(i, 0).text() for i in range(12)] == \
            list(mock[0].meta['band_names'])
        assert dialog.edit_label.text() == 'cube_bins'
        _fill_and_click(qtbot, dialog)
        return dialog.result()

    monkeypatch.setattr(BinPixelsDialog, 'exec', exec_)
    action.trigger()
    dialog = seen['dialog']
    assert dialog.result() == QtWidgets.QDialog.Accepted
    bins = dc['cube_bins']
    assert dialog.result_data is bins
    direct = pixbin.bin_pixels(mock[0], SNR, **BIN_KW)
    np.testing.assert_array_equal(bins.get_data(bins.id['bin']), direct.labels)
    # the progress came from bin_pixels' callback, up to 1
    assert dialog.progress_values and dialog.progress_values[-1] == 1.0
    # linked by pixel and by bin number; the cube has the bin component
    assert 'bin' in [c.label for c in cube.components]
    assert len(dc.external_links) == 3
    # and the result is shown in a bin-map viewer
    viewers = _viewers(app, BinMapViewer)
    assert len(viewers) == 1 and viewers[0].state.layers[0].layer is bins


def test_dialog_asks_when_it_cannot_tell(app, qtbot, mock):
    from pixbin_glue.qt.dialog import BinPixelsDialog
    dc = app.data_collection
    odd = Data(label='odd', a=mock[0].data, b=mock[0].uncertainty.array)
    dc.append(odd)
    dialog = BinPixelsDialog(odd, dc)
    qtbot.addWidget(dialog)
    assert dialog.combo_flux.currentData() is None
    assert 'cannot tell which component holds the flux' in dialog.label_message.text()
    dialog.set_snr([10] * 12)
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok), QtCore.Qt.LeftButton)
    assert dialog.label_message.text() == 'Choose the flux component.'
    assert dialog.result_data is None and len(dc) == 2
    # the user chooses: flux a, uncertainty b; no unit -> the dialog asks for it
    dialog.combo_flux.setCurrentIndex(dialog.combo_flux.findText('a'))
    dialog.combo_uncertainty.setCurrentIndex(dialog.combo_uncertainty.findText('b'))
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok), QtCore.Qt.LeftButton)
    assert "has no units" in dialog.label_message.text()
    dialog.edit_unit.setText(mock[0].unit.to_string())
    dialog.table_snr.item(3, 2).setText('ten')
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok), QtCore.Qt.LeftButton)
    assert dialog.label_message.text() == "S/N of band 'band3' must be a number, got 'ten'"
    dialog.set_snr([10] * 12)
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok), QtCore.Qt.LeftButton)
    assert dialog.result_data is dc['odd_bins']


def test_dialog_method(app, qtbot, mock):
    """The method chosen in the dialog is the one bin_pixels runs."""
    from pixbin_glue.qt.dialog import BinPixelsDialog
    dc = app.data_collection
    dialog = BinPixelsDialog(dc['cube'], dc)
    qtbot.addWidget(dialog)
    assert dialog.combo_method.currentData() == 'complete'
    dialog.combo_method.setCurrentIndex(dialog.combo_method.findData('greedy'))
    _fill_and_click(qtbot, dialog)
    bins = dialog.result_data
    greedy = pixbin.bin_pixels(mock[0], SNR, method='greedy', **BIN_KW)
    np.testing.assert_array_equal(bins.get_data(bins.id['bin']), greedy.labels)
    assert not np.array_equal(greedy.labels, pixbin.bin_pixels(mock[0], SNR, **BIN_KW).labels)


def test_dialog_core_diameter_in_arcsec(app, qtbot, mock):
    """With a celestial WCS the core diameter can be given in arcsec (the PSF FWHM)."""
    import astropy.units as u

    from pixbin_glue.qt.dialog import BinPixelsDialog
    dc = app.data_collection
    dialog = BinPixelsDialog(dc['cube'], dc)
    qtbot.addWidget(dialog)
    combo = dialog.combo_diameter_unit
    assert combo.currentText() == 'pixels' and combo.model().item(1).isEnabled()
    assert combo.toolTip() == 'pixel scale 1.5 arcsec'          # the mock's WCS
    dialog.spin_diameter.setValue(3)
    combo.setCurrentIndex(combo.findText('arcsec'))
    assert dialog.spin_diameter.value() == 4.5                  # 3 pixels of 1.5 arcsec
    assert dialog.min_diameter() == 4.5 * u.arcsec
    dialog.spin_diameter.setValue(6.0)
    combo.setCurrentIndex(combo.findText('pixels'))
    assert dialog.spin_diameter.value() == 4.0 and dialog.min_diameter() == 4.0
    combo.setCurrentIndex(combo.findText('arcsec'))
    dialog.set_snr(SNR)
    dialog.combo_ref.setCurrentIndex(dialog.combo_ref.findText('sdss_r'))
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok), QtCore.Qt.LeftButton)
    assert dialog.label_message.text() == ''
    bins = dialog.result_data
    direct = pixbin.bin_pixels(mock[0], SNR, ref_band='sdss_r', min_diameter=4)
    np.testing.assert_array_equal(bins.get_data(bins.id['bin']), direct.labels)
    assert pixbin_glue.binmap_from_data(bins).meta['min_diameter'] == 4.0
    # without a celestial WCS, only pixels
    plain = Data(label='plain', FLUX=mock[0].data, FLUX_ERR=mock[0].uncertainty.array)
    dc.append(plain)
    other = BinPixelsDialog(plain, dc)
    qtbot.addWidget(other)
    assert not other.combo_diameter_unit.model().item(1).isEnabled()
    assert other.combo_diameter_unit.toolTip() == \
        "'plain' has no celestial WCS: the diameter is in pixels"


def test_dialog_with_spectra(app, qtbot, mock):
    from pixbin_glue.qt.dialog import BinPixelsDialog
    dc = app.data_collection
    dc['ifu'] = mock[1]
    dialog = BinPixelsDialog(dc['cube'], dc)
    qtbot.addWidget(dialog)
    assert [dialog.combo_spectra.itemText(i) for i in range(dialog.combo_spectra.count())] == \
        ['none', 'ifu']
    dialog.set_snr(SNR)
    dialog.combo_ref.setCurrentIndex(dialog.combo_ref.findText('sdss_r'))
    dialog.spin_diameter.setValue(3)
    dialog.edit_region.setText('ifu.reg')
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok), QtCore.Qt.LeftButton)
    assert dialog.label_message.text() == 'An IFU region needs a spectral cube.'
    dialog.edit_region.setText('')
    dialog.combo_spectra.setCurrentIndex(1)
    assert dialog.parameters()['spectra'] is dc['ifu']
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok), QtCore.Qt.LeftButton)
    result = pixbin_glue.binmap_from_data(dialog.result_data)
    direct = pixbin.bin_pixels(mock[0], SNR, spectra=mock[1], **BIN_KW)
    assert result.nbins_spec == direct.nbins_spec > 0


@pytest.fixture
def qt_binned(app, mock):
    dc = app.data_collection
    dc['ifu'] = mock[1]
    bins = pixbin_glue.bin_data(dc, dc['cube'], SNR, spectra=dc['ifu'], **BIN_KW)
    direct = pixbin.bin_pixels(mock[0], SNR, spectra=mock[1], **BIN_KW)
    return app, dc, bins, direct


def test_binmap_viewer_region_selects_whole_bins(qt_binned, qtbot):
    from pixbin_glue.qt.viewers import BinMapViewer
    app, dc, bins, direct = qt_binned
    viewer = app.new_data_viewer(BinMapViewer, data=bins)
    layer = viewer.state.layers[0]
    assert layer.attribute is bins.id['bin'] and layer.cmap.name == 'pixbin_bins'
    assert viewer.outline_artist in viewer.axes.collections
    viewer.options.checkbox_outlines.setChecked(False)
    assert viewer.state.show_outlines is False and viewer.outline_artist is None
    viewer.options.checkbox_outlines.setChecked(True)
    assert viewer.outline_artist in viewer.axes.collections
    viewer.apply_roi(RectangularROI(15.5, 19.5, 20.5, 22.5))   # pixels x 16-19, y 21-22
    touched = np.unique(direct.labels[21:23, 16:20])
    touched = touched[touched > 0]
    group = dc.subset_groups[0]
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(group), touched)
    cube, ifu = dc['cube'], dc['ifu']
    expected = np.isin(direct.labels, touched)
    for data in (cube, ifu):
        mask = next(s for s in group.subsets if s.data is data).to_mask()
        np.testing.assert_array_equal(mask, np.broadcast_to(expected, data.shape))
    # a subset layer appeared in the viewer
    assert any(a.layer is next(s for s in group.subsets if s.data is bins)
               for a in viewer.layers)


def test_binmap_viewer_click_selects_a_bin(qt_binned, qtbot):
    from matplotlib.backend_bases import MouseEvent

    from pixbin_glue.qt.viewers import BinMapViewer
    app, dc, bins, direct = qt_binned
    viewer = app.new_data_viewer(BinMapViewer, data=bins)
    tool = viewer.toolbar.tools['pixbin:select_bin']
    viewer.toolbar.active_tool = tool
    canvas = viewer.central_widget.canvas
    canvas.draw()
    row, column = inner_pixel(direct.labels)
    x, y = viewer.axes.transData.transform((float(column), float(row)))
    MouseEvent('button_press_event', canvas, x, y, button=1)._process()
    MouseEvent('button_release_event', canvas, x, y, button=1)._process()
    b = direct.labels[row, column]
    assert b > 0
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(dc.subset_groups[0]), [b])


def test_region_subset_and_sed_viewer(qt_binned, qtbot):
    """A region selects whole bins; the SED viewer shows one line per bin and follows."""
    from regions import CirclePixelRegion, PixCoord

    from pixbin_glue.qt.viewers import SEDViewer
    app, dc, bins, direct = qt_binned
    sed = app.new_data_viewer(SEDViewer, data=bins)
    region = CirclePixelRegion(PixCoord(20.0, 21.0), 2.5)
    group = pixbin_glue.region_to_subset(dc, region, dc['cube'])
    ids = pixbin_glue.bins_in_subset(group)
    assert ids.size >= 2
    artist = next(a for a in sed.layers if a.layer.data is bins and a.layer is not bins)
    np.testing.assert_array_equal(artist.bin_ids, ids)
    assert len(artist.sed_lines) == ids.size
    for line, b in zip(artist.sed_lines, ids):
        np.testing.assert_allclose(line.get_ydata(), direct.flux[b - 1].value, rtol=1e-12)
    with_spec = [b for b in ids if direct.spectrum_index(b) is not None]
    assert len(artist.spectrum_lines) == len(with_spec)
    # the selection changes: the lines follow
    group.subset_state = bins_subset_state(bins, ids[:1])
    assert len(artist.sed_lines) == 1 and artist.sed_lines[0].get_label() == f'bin {ids[0]}'
    # the options widget drives the state
    sed.options.combo_flux_mode.setCurrentIndex(1)
    assert sed.state.flux_mode == 'mean'
    np.testing.assert_allclose(artist.sed_lines[0].get_ydata(),
                               direct.mean_flux[ids[0] - 1].value, rtol=1e-12)


def test_selection_follows_to_a_spectrum_viewer(qt_binned, qtbot):
    """glue's profile viewer of the IFU cube shows the summed spectrum of a selected bin."""
    from glue_qt.viewers.profile import ProfileViewer

    from pixbin_glue.qt.viewers import BinMapViewer
    app, dc, bins, direct = qt_binned
    ifu = dc['ifu']
    b = int(direct.spec_bin_ids[0])
    assert np.all(direct.spec_labels[direct.labels == b] == b)   # wholly inside the IFU
    binmap_viewer = app.new_data_viewer(BinMapViewer, data=bins)
    row, col = np.argwhere(direct.labels == b)[0]
    assert binmap_viewer.select_bin_at(col, row) == b
    group = dc.subset_groups[0]
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(group), [b])
    profile = app.new_data_viewer(ProfileViewer, data=ifu)
    profile.state.function = 'sum'
    artist = next(a for a in profile.layers if a.layer.data is ifu and a.layer is not ifu)
    qtbot.waitUntil(lambda: artist.state.profile is not None and not artist.is_computing,
                    timeout=20000)
    x, y = artist.state.profile
    np.testing.assert_allclose(y, direct.spectrum(b).flux.value, rtol=1e-10)


def test_open_pixbin_file_in_the_app(app, qtbot, mock, tmp_path):
    """File > Open of a pixbin FITS file: our factory, then pixel links to the cube."""
    direct = pixbin.bin_pixels(mock[0], SNR, **BIN_KW)
    path = tmp_path / 'galaxy_bins.fits'
    direct.write(path)
    app.load_data(str(path))
    dc = app.data_collection
    loaded = dc['galaxy_bins']
    assert pixbin_glue.is_binmap_data(loaded)
    assert 'bin' in [c.label for c in dc['cube'].components]
    group = dc.new_subset_group('b', bins_subset_state(loaded, [3]))
    on_cube = next(s for s in group.subsets if s.data is dc['cube'])
    np.testing.assert_array_equal(on_cube.to_mask()[2], direct.labels == 3)


def test_save_bins_as_regions_action(qt_binned, qtbot, monkeypatch, tmp_path):
    """Right-click a subset, "Save bins as regions (pixbin)...": a ds9 file of the bins."""
    from regions import Regions

    from pixbin_glue.qt import REGIONS_ACTION_LABEL
    app, dc, bins, direct = qt_binned
    group = dc.new_subset_group('two', bins_subset_state(bins, [4, 9]))
    path = tmp_path / 'two.reg'
    monkeypatch.setattr(QtWidgets.QFileDialog, 'getSaveFileName',
                        lambda *args, **kwargs: (str(path), 'ds9 regions (*.reg)'))
    action = app._layer_widget._actions[REGIONS_ACTION_LABEL]
    app._layer_widget.ui.layerTree.set_selected_layers([group])
    assert action.isEnabled()
    action.trigger()
    regions = Regions.read(str(path), format='ds9')
    assert sorted({r.meta['text'] for r in regions}) == ['bin 4', 'bin 9']
    back = pixbin_glue.region_to_subset(dc, str(path), bins)
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(back), [4, 9])
