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
    """
    The bin-map viewer without a frontend (a Matplotlib figure).

    Examples
    --------
    In a script: bin a cube in glue, select the bin under a pixel, save the figure:

    >>> import os, tempfile
    >>> from glue.core import Data, DataCollection, Session
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.viewers import SimpleBinMapViewer
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array,
    ...                           label='cube')])
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit,
    ...                             ref_band=4)
    >>> session = Session(data_collection=dc)
    >>> viewer = SimpleBinMapViewer(session)
    >>> viewer.register_to_hub(session.hub)           # follow the subsets, as glue apps do
    >>> viewer.add_data(bins)
    True
    >>> viewer.select_bin_at(20.0, 20.0)               # x, y: the bin's number
    2
    >>> len(viewer.selection_artists)                  # its outline, in the subset colour
    1
    >>> path = os.path.join(tempfile.mkdtemp(), 'bins.png')
    >>> viewer.figure.savefig(path)
    """

    LABEL = 'pixbin bin map'
    _state_cls = BinMapViewerState

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_binmap_callbacks()


class SimpleSEDViewer(SEDViewerMixin, SimpleMatplotlibViewer):
    """
    The bin-SED viewer without a frontend (a Matplotlib figure).

    Examples
    --------
    In a script: the SEDs of the bins of a selection, saved as a figure:

    >>> import os, tempfile
    >>> from glue.core import Data, DataCollection, Session
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.viewers import SimpleSEDViewer
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> flux = Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')
    >>> flux.meta['band_names'] = cube.meta['band_names']      # wavelengths from the names
    >>> dc = DataCollection([flux])
    >>> bins = pixbin_glue.bin_data(dc, flux, snr=[10] * 7 + [0] * 5, unit=cube.unit,
    ...                             ref_band=4)
    >>> session = Session(data_collection=dc)
    >>> viewer = SimpleSEDViewer(session)
    >>> viewer.register_to_hub(session.hub)           # follow the subsets, as glue apps do
    >>> viewer.add_data(bins)
    True
    >>> group = dc.new_subset_group('bin 7', bins.id['bin'] == 7)
    >>> [line.get_label() for line in viewer.axes.get_lines() if line.get_label() == 'bin 7']
    ['bin 7']
    >>> viewer.state.x_axislabel
    'wavelength (micron)'
    >>> path = os.path.join(tempfile.mkdtemp(), 'seds.png')
    >>> viewer.figure.savefig(path)
    """

    LABEL = 'pixbin bin SEDs'
    _state_cls = SEDViewerState
    _data_artist_cls = SEDLayerArtist
    _subset_artist_cls = SEDLayerArtist

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_sed_callbacks()
