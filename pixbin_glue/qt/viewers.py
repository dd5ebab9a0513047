# Licensed under a 3-clause BSD style license - see LICENSE
"""
The glue-qt bin-map and bin-SED viewers.
"""

from echo.qt import connect_checkable_button, connect_combo_selection, connect_value
from glue.utils import decorate_all_methods, defer_draw
from glue.viewers.common.utils import get_viewer_tools
from glue_qt.viewers.image import ImageViewer
from glue_qt.viewers.image.options_widget import ImageOptionsWidget
from glue_qt.viewers.matplotlib.data_viewer import MatplotlibDataViewer
from qtpy import QtWidgets

from ..viewers import (BinMapViewerMixin, BinMapViewerState, SEDLayerArtist, SEDViewerMixin,
                       SEDViewerState)
from ..viewers.sed import FLUX_MODES

__all__ = ['BinMapOptionsWidget', 'BinMapViewer', 'SEDOptionsWidget', 'SEDViewer']


class BinMapOptionsWidget(ImageOptionsWidget):
    """
    glue's image viewer options plus the bin outlines.

    Examples
    --------
    The options panel of a `BinMapViewer`, with a "Bins" tab first:

    >>> import pixbin, pixbin_glue
    >>> from glue.core import Data, DataCollection
    >>> from glue_qt.app import GlueApplication
    >>> from pixbin_glue.qt.viewers import BinMapViewer
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array)])
    >>> app = GlueApplication(dc)
    >>> viewer = app.new_data_viewer(BinMapViewer, data=pixbin_glue.bin_data(
    ...     dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit, ref_band=4))
    >>> options = viewer.options_widget()
    >>> options.ui.tab_widget.tabText(0), options.checkbox_outlines.isChecked()
    ('Bins', True)
    >>> options.checkbox_outlines.setChecked(False)     # the viewer follows
    >>> viewer.state.show_outlines
    False
    >>> app.close()
    True
    """

    def __init__(self, viewer_state, session, parent=None):
        super().__init__(viewer_state, session, parent=parent)
        self.checkbox_outlines = QtWidgets.QCheckBox('Show bin outlines')
        self.checkbox_outlines.setToolTip('Draw the edges between bins')
        tab = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(tab)
        layout.addWidget(self.checkbox_outlines)
        note = QtWidgets.QLabel('Rectangle, circle, polygon and the Bin tool select whole '
                                'bins, on this map and on the datasets linked to it.')
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addStretch(1)
        self.ui.tab_widget.insertTab(0, tab, 'Bins')
        self.ui.tab_widget.setCurrentIndex(0)
        self._binmap_connections = [
            connect_checkable_button(viewer_state, 'show_outlines', self.checkbox_outlines)]


_image_tools, _image_subtools = get_viewer_tools(ImageViewer)


@decorate_all_methods(defer_draw)
class BinMapViewer(BinMapViewerMixin, ImageViewer):
    """
    Bin-map viewer: bins in categorical colours with outlines; selections are whole bins.

    Drawing a rectangle, circle or polygon, or clicking with the "Bin" tool,
    selects every bin it touches, on the bin map and, through the ``bin``
    components, on the cube and the spectra.

    Examples
    --------
    A bin map in a glue-qt application; a click with the "Bin" tool:

    >>> from glue.core import Data, DataCollection
    >>> from glue_qt.app import GlueApplication
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.qt.viewers import BinMapViewer
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array)])
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit,
    ...                             ref_band=4)
    >>> app = GlueApplication(dc)
    >>> viewer = app.new_data_viewer(BinMapViewer, data=bins)
    >>> 'pixbin:select_bin' in viewer.toolbar.tools        # the "Bin" tool
    True
    >>> viewer.select_bin_at(20.0, 20.0)                  # what a click there does
    2
    >>> pixbin_glue.bins_in_subset(dc.subset_groups[0]).tolist()
    [2]
    >>> app.close()
    True
    """

    LABEL = 'pixbin bin map'
    _state_cls = BinMapViewerState
    _options_cls = BinMapOptionsWidget

    # glue's image tools, with the one-pixel tool replaced by the one-bin tool
    inherit_tools = False
    tools = [t for t in _image_tools if t != 'image:point_selection'] + ['pixbin:select_bin']
    subtools = _image_subtools

    def __init__(self, session, parent=None, state=None):
        super().__init__(session, parent=parent, state=state)
        self.setup_binmap_callbacks()


class SEDOptionsWidget(QtWidgets.QWidget):
    """
    Options of the bin-SED viewer.

    Examples
    --------
    The options panel of a `SEDViewer`; its controls follow the viewer state:

    >>> from glue.core import Data, DataCollection
    >>> from glue_qt.app import GlueApplication
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.qt.viewers import SEDViewer
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> app = GlueApplication(DataCollection([Data(FLUX=cube.data,
    ...                                            FLUX_ERR=cube.uncertainty.array)]))
    >>> dc = app.data_collection
    >>> viewer = app.new_data_viewer(SEDViewer, data=pixbin_glue.bin_data(
    ...     dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit, ref_band=4))
    >>> options = viewer.options_widget()
    >>> options.combo_flux_mode.currentText(), options.spin_max_bins.value()
    ('sum over the bin', 50)
    >>> viewer.state.flux_mode = 'mean'
    >>> options.combo_flux_mode.currentText()
    'mean per pixel'
    >>> app.close()
    True
    """

    def __init__(self, viewer_state, session, parent=None):
        super().__init__(parent=parent)
        self.viewer_state = viewer_state
        self.session = session
        grid = QtWidgets.QGridLayout(self)
        self.combo_flux_mode = QtWidgets.QComboBox()
        self.spin_max_bins = QtWidgets.QSpinBox()
        self.spin_max_bins.setRange(1, 10000)
        self.checkbox_spectra = QtWidgets.QCheckBox('show the bins\' spectra')
        self.checkbox_auto = QtWidgets.QCheckBox('fit the axes to the bins')
        self.checkbox_x_log = QtWidgets.QCheckBox('log wavelength')
        self.checkbox_y_log = QtWidgets.QCheckBox('log flux')
        grid.addWidget(QtWidgets.QLabel('flux'), 0, 0)
        grid.addWidget(self.combo_flux_mode, 0, 1)
        grid.addWidget(QtWidgets.QLabel('max bins'), 1, 0)
        grid.addWidget(self.spin_max_bins, 1, 1)
        for row, checkbox in enumerate((self.checkbox_spectra, self.checkbox_auto,
                                        self.checkbox_x_log, self.checkbox_y_log), start=2):
            grid.addWidget(checkbox, row, 0, 1, 2)
        note = QtWidgets.QLabel('Select bins in a bin-map viewer: each subset draws the SEDs '
                                'of its bins in its colour: the first "max bins" by number; '
                                'the legend says how many are drawn.')
        note.setWordWrap(True)
        grid.addWidget(note, 6, 0, 1, 2)
        grid.setRowStretch(7, 1)
        self._connections = [
            connect_combo_selection(viewer_state, 'flux_mode', self.combo_flux_mode),
            connect_checkable_button(viewer_state, 'show_spectra', self.checkbox_spectra),
            connect_value(viewer_state, 'max_bins', self.spin_max_bins),
            connect_checkable_button(viewer_state, 'auto_limits', self.checkbox_auto),
            connect_checkable_button(viewer_state, 'x_log', self.checkbox_x_log),
            connect_checkable_button(viewer_state, 'y_log', self.checkbox_y_log),
        ]
        self.combo_flux_mode.setToolTip('\n'.join(f'{k}: {v}' for k, v in FLUX_MODES.items()))


@decorate_all_methods(defer_draw)
class SEDViewer(SEDViewerMixin, MatplotlibDataViewer):
    """
    Bin-SED viewer: the SEDs (with error bars) of the bins in each subset.

    Add a bin-map dataset; each of its subsets draws one line per bin it
    touches, in the subset's colour, and the bin's summed spectrum when the
    bin map has spectra.  The lines follow the selection.

    Examples
    --------
    >>> from glue.core import Data
    >>> from glue_qt.app import GlueApplication
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.qt.viewers import SEDViewer
    >>> app = GlueApplication()
    >>> dc = app.data_collection
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc['cube'] = Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array)
    >>> dc[0].meta['band_names'] = cube.meta['band_names']     # wavelengths from the names
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit,
    ...                             ref_band=4)
    >>> viewer = app.new_data_viewer(SEDViewer, data=bins)
    >>> group = dc.new_subset_group('two bins', (bins.id['bin'] == 3) | (bins.id['bin'] == 8))
    >>> sorted(line.get_label() for line in viewer.axes.get_lines()
    ...        if line.get_label().startswith('bin'))
    ['bin 3', 'bin 8']
    >>> viewer.state.x_axislabel
    'wavelength (micron)'
    >>> app.close()
    True
    """

    LABEL = 'pixbin bin SEDs'
    _state_cls = SEDViewerState
    _options_cls = SEDOptionsWidget
    _data_artist_cls = SEDLayerArtist
    _subset_artist_cls = SEDLayerArtist
    allow_duplicate_data = False

    def __init__(self, session, parent=None, state=None):
        super().__init__(session, parent=parent, state=state)
        self.setup_sed_callbacks()
