# Licensed under a 3-clause BSD style license - see LICENSE
"""
glue-qt, headless: a restored session draws the spectra; binning raises no
warning pop-up; the exporter refuses other data with a message; the SED
viewer's legend counts the bins it draws; the first Bin says it prepares.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip('glue_qt')
pytest.importorskip('pytestqt')

from qtpy import QtCore, QtWidgets  # noqa: E402
import test_glue_qt  # noqa: E402

import pixbin  # noqa: E402
import pixbin_glue  # noqa: E402
from pixbin_glue._binmap_data import bins_subset_state  # noqa: E402
from pixbin_glue_helpers import BIN_KW, SNR  # noqa: E402

pytestmark = pytest.mark.qt
#: the GlueApplication fixture of the other Qt tests
app = test_glue_qt.app


def _sed_artist(viewer, bins):
    return next(a for a in viewer.layers if a.layer.data is bins and a.layer is not bins)


def _legend_texts(viewer):
    viewer.redraw()
    legend = viewer.axes.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def test_restored_session_draws_the_spectra(qtbot, glue_plugins, dc_cube, mock, tmp_path):
    """Save a session with a spectral bin map, open it in a new app: the spectra are drawn."""
    from glue.core.state import GlueSerializer, GlueUnSerializer
    from glue_qt.app.application import GlueApplication

    from pixbin_glue.qt.viewers import SEDViewer
    dc_cube['ifu'] = mock[1]
    bins = pixbin_glue.bin_data(dc_cube, dc_cube['cube'], SNR, spectra=dc_cube['ifu'],
                                **BIN_KW)
    direct = pixbin.bin_pixels(mock[0], SNR, spectra=mock[1], **BIN_KW)
    ids = [int(b) for b in direct.spec_bin_ids[:3]]
    dc_cube.new_subset_group('three', bins_subset_state(bins, ids))
    path = tmp_path / 'session.glu'
    path.write_text(GlueSerializer(dc_cube).dumps())
    restored = GlueUnSerializer.loads(path.read_text()).object('__main__')
    window = GlueApplication(restored)
    qtbot.addWidget(window)
    rbins = restored[bins.label]
    sed = window.new_data_viewer(SEDViewer, data=rbins)
    artist = _sed_artist(sed, rbins)
    np.testing.assert_array_equal(artist.bin_ids, ids)
    assert len(artist.sed_lines) == 3 and len(artist.spectrum_lines) == 3
    for line, b in zip(artist.spectrum_lines, ids):
        np.testing.assert_array_equal(line.get_ydata(), direct.spectrum(b).flux.value)
    # the exporter writes every HDU of the file, as BinMap.write does
    pixbin_glue._register.write_binmap_data(str(tmp_path / 'restored.fits'), rbins)
    direct.write(tmp_path / 'direct.fits')
    from astropy.io import fits
    with fits.open(tmp_path / 'restored.fits') as a, fits.open(tmp_path / 'direct.fits') as b:
        assert [h.name for h in a] == [h.name for h in b] and len(a) > 5


def test_binning_in_the_app_shows_no_warning(app, qtbot, monkeypatch, mock):
    """Bin from the data list: no warning box, nothing in glue's error console."""
    from pixbin_glue.qt import ACTION_LABEL
    from pixbin_glue.qt.dialog import BinPixelsDialog
    seen = {}

    def exec_(dialog):
        seen['dialog'] = dialog
        dialog.set_snr(SNR)
        dialog.combo_ref.setCurrentIndex(dialog.combo_ref.findText('sdss_r'))
        dialog.spin_diameter.setValue(BIN_KW['min_diameter'])
        ok = dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok)
        qtbot.mouseClick(ok, QtCore.Qt.LeftButton)
        return dialog.result()

    monkeypatch.setattr(BinPixelsDialog, 'exec', exec_)
    app._layer_widget.ui.layerTree.set_selected_layers([app.data_collection['cube']])
    with warnings.catch_warnings():
        warnings.simplefilter('default')    # as in glue: warnings go to the console
        app._layer_widget._actions[ACTION_LABEL].trigger()
    dialog = seen['dialog']
    assert dialog.result_data is app.data_collection['cube_bins']
    assert dialog.warnings == [] and not hasattr(dialog, 'warning_box')
    assert app._log._text.toPlainText() == ''


def test_muse_unit_spellings_bin_without_a_warning(dc_cube, mock):
    """BUNIT as MUSE writes it, copied by glue's FITS reader: read without astropy's warning."""
    import astropy.units as u
    cube = dc_cube['cube']
    cube.get_component('FLUX').units = '10**(-17)*erg/s/cm**2/Angstrom'
    cube.get_component('FLUX_ERR').units = '10**(-17)*erg/s/cm**2/Angstrom'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        bins = pixbin_glue.bin_data(dc_cube, cube, SNR, **BIN_KW)
    assert [str(w.message) for w in caught] == []
    binmap = pixbin_glue.binmap_from_data(bins)
    assert binmap.flux.unit == u.Unit('1e-17 erg / (Angstrom s cm2)')
    np.testing.assert_array_equal(binmap.labels, pixbin.bin_pixels(mock[0], SNR, **BIN_KW).labels)


def test_exporter_refuses_other_data_with_a_message(app, qtbot, monkeypatch, tmp_path):
    """glue's Export data dialog offers the pixbin exporter for all data: others get a message."""
    from glue.config import data_exporter
    from glue_qt.app.save_data import SaveDataDialog

    from pixbin_glue._register import EXPORTER_LABEL
    from pixbin_glue.qt import export_binmap
    dc = app.data_collection
    bins = pixbin_glue.bin_data(dc, dc['cube'], SNR, **BIN_KW)
    dc.new_subset_group('two', bins_subset_state(bins, [1, 2]))
    exporter = next(e for e in data_exporter if e.label == EXPORTER_LABEL)
    assert exporter.function is export_binmap
    path = tmp_path / 'out.fits'
    monkeypatch.setattr('qtpy.compat.getsavefilename', lambda **kw: (str(path), ''))

    def export(data, subset=None):
        dialog = SaveDataDialog(data_collection=dc)
        qtbot.addWidget(dialog)
        dialog.state.data = data
        dialog.state.subset = subset
        dialog.state.exporter = exporter
        app._pixbin_export_message = None
        dialog.accept()                   # raises nothing out of the dialog
        return app._pixbin_export_message

    box = export(dc['cube'])
    assert box.isVisible() and not path.exists()
    assert "must be a pixbin bin-map dataset to be written as a pixbin file, got 'cube'" \
        in box.text()
    box = export(bins, subset=bins.subsets[0])
    assert "not its subset 'two'" in box.text() and not path.exists()
    assert export(bins) is None
    np.testing.assert_array_equal(pixbin.read_binmap(path).labels,
                                  pixbin_glue.binmap_from_data(bins).labels)
    # outside a glue-qt application (scripts) the exporter raises, as the core one
    from glue.core import DataCollection, Data
    other = DataCollection([Data(x=np.zeros((3, 3)), label='plain')])
    with pytest.raises(ValueError, match="got 'plain'"):
        export_binmap(str(tmp_path / 'x.fits'), other['plain'])


@pytest.mark.parametrize('max_bins', [4, 50])
def test_sed_legend_counts_the_bins_drawn(app, qtbot, max_bins):
    """The legend says how many bins are drawn: 'n bins', or 'k of n bins' when cut."""
    from pixbin_glue.qt.viewers import SEDViewer
    dc = app.data_collection
    bins = pixbin_glue.bin_data(dc, dc['cube'], SNR, **BIN_KW)
    binmap = pixbin_glue.binmap_from_data(bins)
    ids = binmap.bin_ids[:12]
    dc.new_subset_group('twelve', bins_subset_state(bins, ids))
    sed = app.new_data_viewer(SEDViewer, data=bins)
    sed.state.max_bins = max_bins
    artist = _sed_artist(sed, bins)
    drawn = min(max_bins, 12)
    assert len(artist.sed_lines) == len(artist.shown_ids) == drawn
    np.testing.assert_array_equal(artist.shown_ids, ids[:drawn])
    expected = 'twelve (12 bins)' if drawn == 12 else f'twelve ({drawn} of 12 bins)'
    assert expected in _legend_texts(sed)


def test_first_bin_says_it_prepares(app, qtbot, monkeypatch):
    """The first time in a session the dialog says why it waits, then gets the kernels ready."""
    from pixbin_glue import _binning
    from pixbin_glue.qt import PREPARING_MESSAGE, bin_pixels_action
    from pixbin_glue.qt.dialog import BinPixelsDialog
    monkeypatch.setattr(_binning, '_KERNELS_READY', False)
    prepare = _binning.prepare_kernels
    shown = []

    def recording_prepare():
        dialog = seen[-1]
        shown.append((dialog.label_message.text(), dialog.isVisible(), dialog.isEnabled()))
        prepare()

    seen = []
    monkeypatch.setattr(_binning, 'prepare_kernels', recording_prepare)
    monkeypatch.setattr(BinPixelsDialog, 'exec', lambda dialog: seen.append(
        (dialog.label_message.text(), dialog.isEnabled())) or QtWidgets.QDialog.Rejected)
    original_init = BinPixelsDialog.__init__

    def init(dialog, *args, **kwargs):
        original_init(dialog, *args, **kwargs)
        seen.append(dialog)

    monkeypatch.setattr(BinPixelsDialog, '__init__', init)
    bin_pixels_action(app.data_collection['cube'], app.data_collection)
    assert shown == [(PREPARING_MESSAGE, True, False)]
    assert 'compiles' in PREPARING_MESSAGE
    assert _binning.kernels_prepared()
    # the dialog is usable again, its own message back
    assert seen[-1] == ('', True)
    # later: no preparation, no message
    bin_pixels_action(app.data_collection['cube'], app.data_collection)
    assert len(shown) == 1
