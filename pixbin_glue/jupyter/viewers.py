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
    """Options of the Jupyter bin-SED viewer."""

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
    """Style of one layer of the Jupyter bin-SED viewer."""

    def __init__(self, layer_state):
        self.layer_state = layer_state
        self.visible = widgets.Checkbox(description='Visible')
        self.linewidth = widgets.FloatSlider(min=0.2, max=5, step=0.1, description='Line width')
        self._links = [_link(layer_state, 'visible', self.visible),
                       _link(layer_state, 'linewidth', self.linewidth)]
        super().__init__([self.visible, self.linewidth])


@decorate_all_methods(defer_draw)
class BinMapJupyterViewer(BinMapViewerMixin, ImageJupyterViewer):
    """Jupyter bin-map viewer: categorical bins, outlines, whole-bin selections."""

    LABEL = 'pixbin bin map'
    _state_cls = BinMapViewerState
    # glue-jupyter has no contrast/bias tool
    tools = [t for t in BINMAP_TOOLS if t != 'image:contrast_bias']

    def __init__(self, session, parent=None, state=None):
        super().__init__(session, parent=parent, state=state)
        self.setup_binmap_callbacks()


@decorate_all_methods(defer_draw)
class SEDJupyterViewer(SEDViewerMixin, MatplotlibJupyterViewer):
    """Jupyter bin-SED viewer: the SEDs of the bins of each subset."""

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
