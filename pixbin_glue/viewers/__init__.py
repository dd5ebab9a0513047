# Licensed under a 3-clause BSD style license - see LICENSE
"""
Frontend-independent parts of the pixbin viewers (glue-core and Matplotlib):
the bin-map viewer mixin and the bin-SED viewer state, layer artist and mixin.
The Qt and Jupyter viewers combine them with their frontend's base classes;
`SimpleBinMapViewer` and `SimpleSEDViewer` need no frontend (scripts, tests).
"""

from glue.viewers.image.viewer import SimpleImageViewer
from glue.viewers.matplotlib.viewer import SimpleMatplotlibViewer

from .binmap import (BINMAP_TOOLS, BinMapViewerMixin, BinMapViewerState, SelectBinTool,
                     outline_segments, style_binmap_layer)
from .sed import SEDLayerArtist, SEDLayerState, SEDViewerMixin, SEDViewerState, bin_seds

__all__ = ['BINMAP_TOOLS', 'BinMapViewerMixin', 'BinMapViewerState', 'SEDLayerArtist',
           'SEDLayerState', 'SEDViewerMixin', 'SEDViewerState', 'SelectBinTool',
           'SimpleBinMapViewer', 'SimpleSEDViewer', 'bin_seds', 'outline_segments',
           'style_binmap_layer']


class SimpleBinMapViewer(BinMapViewerMixin, SimpleImageViewer):
    """The bin-map viewer without a frontend (a Matplotlib figure)."""

    LABEL = 'pixbin bin map'
    _state_cls = BinMapViewerState

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_binmap_callbacks()


class SimpleSEDViewer(SEDViewerMixin, SimpleMatplotlibViewer):
    """The bin-SED viewer without a frontend (a Matplotlib figure)."""

    LABEL = 'pixbin bin SEDs'
    _state_cls = SEDViewerState
    _data_artist_cls = SEDLayerArtist
    _subset_artist_cls = SEDLayerArtist

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_sed_callbacks()
