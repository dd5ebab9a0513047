# Licensed under a 3-clause BSD style license - see LICENSE
"""
The glue-jupyter bin-map and bin-SED viewers (Matplotlib, through ipympl).
"""

import ipywidgets as widgets
from glue.utils import decorate_all_methods, defer_draw
from glue_jupyter.matplotlib.base import MatplotlibJupyterViewer
from glue_jupyter.matplotlib.image import ImageJupyterViewer

from ..viewers import (BINMAP_TOOLS, BinMapViewerMixin, BinMapViewerState, SEDLayerArtist,
                       SEDViewerMixin, SEDViewerState)
from ..viewers.sed import FLUX_MODES

__all__ = ['BinMapJupyterViewer', 'SEDJupyterViewer', 'SEDLayerWidget', 'SEDOptionsWidget']


def _link(state, name, widget):
    """Two-way link between a state attribute and an ipywidget's value."""
    widget.value = getattr(state, name)

    def to_widget(value):
        if widget.value != value:
            widget.value = value

    def to_state(change):
        if getattr(state, name) != change['new']:
            setattr(state, name, change['new'])

    state.add_callback(name, to_widget)
    widget.observe(to_state, names='value')
    return to_widget


class SEDOptionsWidget(widgets.VBox):
    """
    Options of the Jupyter bin-SED viewer.

    Examples
    --------
    Its widgets and the viewer state follow each other:

    >>> from pixbin_glue.jupyter.viewers import SEDOptionsWidget
    >>> from pixbin_glue.viewers import SEDViewerState
    >>> state = SEDViewerState()
    >>> options = SEDOptionsWidget(state)
    >>> options.flux_mode.value, options.max_bins.value, options.x_log.value
    ('sum', 50, True)
    >>> options.max_bins.value = 5
    >>> state.max_bins
    5
    """

    def __init__(self, viewer_state):
        self.viewer_state = viewer_state
        self.flux_mode = widgets.Dropdown(options=[(v, k) for k, v in FLUX_MODES.items()],
                                          description='Flux')
        self.max_bins = widgets.BoundedIntText(min=1, max=10000, description='Max bins')
        self.show_spectra = widgets.Checkbox(description='Show spectra')
        self.auto_limits = widgets.Checkbox(description='Fit axes to the bins')
        self.x_log = widgets.Checkbox(description='Log wavelength')
        self.y_log = widgets.Checkbox(description='Log flux')
        self._links = [_link(viewer_state, name, getattr(self, name))
                       for name in ('flux_mode', 'max_bins', 'show_spectra', 'auto_limits',
                                    'x_log', 'y_log')]
        super().__init__([self.flux_mode, self.max_bins, self.show_spectra, self.auto_limits,
                          self.x_log, self.y_log])


class SEDLayerWidget(widgets.VBox):
    """
    Style of one layer of the Jupyter bin-SED viewer.

    Examples
    --------
    >>> import numpy as np
    >>> from glue.core import Data
    >>> from pixbin_glue.jupyter.viewers import SEDLayerWidget
    >>> from pixbin_glue.viewers import SEDLayerState
    >>> state = SEDLayerState(layer=Data(x=np.arange(3), label='any'))
    >>> style = SEDLayerWidget(state)
    >>> style.linewidth.value = 2.5
    >>> state.linewidth, style.visible.value
    (2.5, True)
    """

    def __init__(self, layer_state):
        self.layer_state = layer_state
        self.visible = widgets.Checkbox(description='Visible')
        self.linewidth = widgets.FloatSlider(min=0.2, max=5, step=0.1, description='Line width')
        self._links = [_link(layer_state, 'visible', self.visible),
                       _link(layer_state, 'linewidth', self.linewidth)]
        super().__init__([self.visible, self.linewidth])


@decorate_all_methods(defer_draw)
class BinMapJupyterViewer(BinMapViewerMixin, ImageJupyterViewer):
    """
    Jupyter bin-map viewer: categorical bins, outlines, whole-bin selections.

    Examples
    --------
    In a notebook (``show=False`` here, where there is no notebook to show it in):

    >>> from glue.core import Data
    >>> from glue_jupyter import jglue
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.jupyter.viewers import BinMapJupyterViewer
    >>> mock = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> app = jglue()
    >>> cube, = app.add_data(cube=Data(FLUX=mock.data, FLUX_ERR=mock.uncertainty.array))
    >>> bins = pixbin_glue.bin_data(app.data_collection, cube, snr=[10] * 7 + [0] * 5,
    ...                             unit=mock.unit, ref_band=4)
    >>> viewer = app.new_data_viewer(BinMapJupyterViewer, data=bins, show=False)
    >>> viewer.select_bin_at(20.0, 20.0)                 # what a click there does
    2
    >>> pixbin_glue.bins_in_subset(app.data_collection.subset_groups[0]).tolist()
    [2]
    """

    LABEL = 'pixbin bin map'
    _state_cls = BinMapViewerState
    # glue-jupyter has no contrast/bias tool
    tools = [t for t in BINMAP_TOOLS if t != 'image:contrast_bias']

    def __init__(self, session, parent=None, state=None):
        super().__init__(session, parent=parent, state=state)
        self.setup_binmap_callbacks()


@decorate_all_methods(defer_draw)
class SEDJupyterViewer(SEDViewerMixin, MatplotlibJupyterViewer):
    """
    Jupyter bin-SED viewer: the SEDs of the bins of each subset.

    Examples
    --------
    The SEDs of a selected bin (in a notebook, without ``show=False``, the
    viewer appears below the cell):

    >>> from glue.core import Data
    >>> from glue_jupyter import jglue
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.jupyter.viewers import SEDJupyterViewer
    >>> app = jglue()
    >>> dc = app.data_collection
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc['cube'] = Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array)
    >>> dc['cube'].meta['band_names'] = cube.meta['band_names']   # wavelengths from the names
    >>> bins = pixbin_glue.bin_data(dc, dc['cube'], snr=[10] * 7 + [0] * 5, unit=cube.unit,
    ...                             ref_band=4)
    >>> viewer = app.new_data_viewer(SEDJupyterViewer, data=bins, show=False)
    >>> group = dc.new_subset_group('bin 4', bins.id['bin'] == 4)
    >>> [line.get_label() for line in viewer.axes.get_lines() if line.get_label() == 'bin 4']
    ['bin 4']
    >>> viewer.state.x_axislabel
    'wavelength (micron)'
    """

    LABEL = 'pixbin bin SEDs'
    _state_cls = SEDViewerState
    _data_artist_cls = SEDLayerArtist
    _subset_artist_cls = SEDLayerArtist
    _options_cls = SEDOptionsWidget
    _layer_style_widget_cls = SEDLayerWidget
    tools = []

    def __init__(self, session, parent=None, state=None):
        super().__init__(session, parent=parent, state=state)
        self.setup_sed_callbacks()
