# Licensed under a 3-clause BSD style license - see LICENSE
"""
The bin-map viewer, frontend-independent part: a glue image viewer that shows
bin numbers in categorical colours with bin outlines, and turns every
selection into a selection of whole bins.
"""

import numpy as np
from echo import delay_callback
from glue.config import viewer_tool
from glue.viewers.image.pixel_selection_mode import PixelSelectionTool
from glue.viewers.image.state import ImageViewerState
from glue.viewers.matplotlib.state import DeferredDrawCallbackProperty as DDCProperty
from pixbin._regions import outline_segments

from .. import BIN_COMPONENT
from .._binmap_data import bins_subset_state, is_binmap_data, whole_bins
from .._links import spatial_axes
from .._bin_colours import bin_colours, bin_layer_artist

__all__ = ['BinMapViewerMixin', 'BinMapViewerState', 'SelectBinTool', 'bin_layer_artist',
           'outline_segments', 'style_binmap_layer']

#: Tools of the bin-map viewers: glue's region tools and a click that picks one bin.
BINMAP_TOOLS = ['select:rectangle', 'select:circle', 'select:polygon', 'pixbin:select_bin',
                'image:contrast_bias']


def style_binmap_layer(layer_state):
    """
    Show the ``bin`` component of a bin-map layer in categorical colours.

    The bin-map viewers call it for every bin map added to them: bin ``k``
    gets colour ``k`` of the ``pixbin bins`` colour map, bin 0 is transparent.

    Examples
    --------
    >>> from glue.core import Data, DataCollection
    >>> from glue.viewers.image.state import ImageLayerState
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.viewers import style_binmap_layer
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array)])
    >>> layer_state = ImageLayerState(layer=pixbin_glue.bin_data(dc, dc[0], snr=5, unit=cube.unit))
    >>> style_binmap_layer(layer_state)
    >>> layer_state.attribute.label, layer_state.cmap.name, layer_state.v_min, layer_state.v_max
    ('bin', 'pixbin_bins', -0.5, 4095.5)
    """
    data = layer_state.layer
    with delay_callback(layer_state, 'attribute', 'cmap', 'percentile', 'v_min', 'v_max',
                        'stretch'):
        layer_state.attribute = data.id[BIN_COMPONENT]
        bin_colours(layer_state)


class BinMapViewerState(ImageViewerState):
    """
    Image viewer state with the bin-map options.

    Examples
    --------
    >>> from pixbin_glue.viewers import BinMapViewerState
    >>> state = BinMapViewerState(outline_color='white')
    >>> state.show_outlines, state.outline_color, state.outline_width
    (True, 'white', 0.5)
    """

    show_outlines = DDCProperty(True, docstring='Draw the outlines of the bins')
    outline_color = DDCProperty('black', docstring='Colour of the bin outlines')
    outline_width = DDCProperty(0.5, docstring='Line width of the bin outlines (points)')


class BinMapViewerMixin:
    """
    Bin-map behaviour for a glue image viewer (mix in before the image viewer).

    * A bin-map dataset is shown by its ``bin`` component with the categorical
      ``pixbin bins`` colour map (bin 0, no bin, transparent).
    * The outlines of the bins of the first visible bin map are drawn on top,
      and the outline of each subset of it, thick, in the subset's colour.
    * Every selection (rectangle, circle, polygon, or a click with the "Bin"
      tool) selects the whole bins it touches: the subset state is the set of
      bin numbers, so it selects the bins' pixels on the cube and the spectra
      as well.

    Examples
    --------
    The frontend-less `~pixbin_glue.viewers.SimpleBinMapViewer` has this
    behaviour, as have the glue-qt and glue-jupyter bin-map viewers:

    >>> from glue.core import Data, DataCollection, Session
    >>> from glue.core.roi import CircularROI
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.viewers import SimpleBinMapViewer
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array)])
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit,
    ...                             ref_band=4)
    >>> viewer = SimpleBinMapViewer(Session(data_collection=dc))
    >>> viewer.add_data(bins), viewer.binmap_data is bins
    (True, True)
    >>> len(viewer.outline_artist.get_segments())          # pixel edges between bins
    420
    >>> viewer.apply_roi(CircularROI(20, 20, 2))        # a circle selects whole bins
    >>> group = dc.subset_groups[0]
    >>> pixbin_glue.bins_in_subset(group).tolist()
    [1, 2]
    >>> [int(subset.to_mask().sum()) for subset in group.subsets]   # cube, bin map
    [276, 23]

(bins 1 and 2 have 15 pixels, in each of the 12 bands of the cube).
    """

    _outline_artist = None
    _selection_artists = ()

    def setup_binmap_callbacks(self):
        """Connect the outline updates; call after the image viewer is set up."""
        for name in ('layers', 'reference_data', 'x_att', 'y_att', 'show_outlines',
                     'outline_color', 'outline_width'):
            self.state.add_callback(name, self._update_outlines)

    # -- data -----------------------------------------------------------------------
    def add_data(self, data):
        result = super().add_data(data)
        if result and is_binmap_data(data):
            self.state.color_mode = 'Colormaps'
            for layer_artist in self._layer_artist_container[data]:
                style_binmap_layer(layer_artist.state)
            self._update_outlines()
        if result:
            self.restack()
        return result

    def add_subset(self, subset):
        result = super().add_subset(subset)
        if result:
            self.restack()
        return result

    def restack(self):
        """
        Put the layers of other datasets (an image of the galaxy) and their
        subsets under the bin maps and their subsets, keeping the order
        within each group.
        """
        from glue.core import BaseData

        def of_binmap(artist):
            layer = artist.layer
            return is_binmap_data(layer if isinstance(layer, BaseData) else layer.data)

        artists = sorted(self._layer_artist_container,
                         key=lambda a: (of_binmap(a), a.zorder))
        for zorder, artist in enumerate(artists, start=1):
            if artist.zorder != zorder:
                artist.zorder = zorder

    @property
    def binmap_data(self):
        """The bin map that selections use: the reference data, or the first bin-map layer."""
        ref = self.state.reference_data
        if is_binmap_data(ref):
            return ref
        for layer_state in self.state.layers:
            if getattr(layer_state, 'visible', True) and is_binmap_data(layer_state.layer):
                return layer_state.layer
        return None

    def _display_axes(self, binmap_data):
        """
        True if the displayed x/y are the bin map's x/y, False if swapped, None if neither.
        """
        ref = self.state.reference_data
        if ref is None or self.state.x_att is None or self.state.y_att is None:
            return None
        shape = binmap_data.shape
        axes = spatial_axes(ref, shape)
        if axes is None:
            return None
        x, y = self.state.x_att.axis, self.state.y_att.axis
        if (y, x) == axes:
            return True
        if (x, y) == axes:
            return False
        return None

    # -- selection ----------------------------------------------------------------------
    def apply_subset_state(self, subset_state, override_mode=None):
        """Apply a subset state, widened to the whole bins it touches."""
        binmap_data = self.binmap_data
        if binmap_data is not None:
            bins = whole_bins(binmap_data, subset_state)
            if bins is not None:
                subset_state = bins
        super().apply_subset_state(subset_state, override_mode=override_mode)

    def select_bin_at(self, x, y, override_mode=None):
        """
        Select the bin under display position ``(x, y)`` (pixel coordinates).

        Returns the bin number, or None (no bin map, outside the map, or a
        pixel in no bin: the selection is then emptied).
        """
        binmap_data = self.binmap_data
        if binmap_data is None:
            return None
        orientation = self._display_axes(binmap_data)
        if orientation is None:
            return None
        col, row = int(np.floor(x + 0.5)), int(np.floor(y + 0.5))
        if not orientation:
            col, row = row, col
        labels = binmap_data.get_data(binmap_data.id[BIN_COMPONENT])
        ny, nx = labels.shape
        bin_id = int(labels[row, col]) if (0 <= row < ny and 0 <= col < nx) else 0
        ids = [bin_id] if bin_id > 0 else []
        super().apply_subset_state(bins_subset_state(binmap_data, ids),
                                   override_mode=override_mode)
        return bin_id or None

    # -- outlines -----------------------------------------------------------------------
    def _update_subset(self, message):
        super()._update_subset(message)
        # the selection outlines follow the subsets, their colour included
        if getattr(message.subset, 'data', None) is self.binmap_data:
            self._update_outlines()

    def _remove_artists(self):
        for artist in [self._outline_artist] + list(self._selection_artists):
            if artist is None:
                continue
            try:
                artist.remove()
            except (ValueError, AttributeError):
                pass
        self._outline_artist = None
        self._selection_artists = []

    def _update_outlines(self, *args):
        """Draw the bin outlines and, thicker, the outline of each visible bin subset."""
        from glue.core import Subset
        from glue.core.exceptions import IncompatibleAttribute
        from matplotlib.collections import LineCollection
        from matplotlib.patheffects import withStroke
        self._remove_artists()
        binmap_data = self.binmap_data
        orientation = None if binmap_data is None else self._display_axes(binmap_data)
        if orientation is None:
            self.redraw()
            return

        def collection(labels, **kwargs):
            segments = outline_segments(labels)
            if not orientation:
                segments = segments[:, :, ::-1]
            artist = LineCollection(segments, **kwargs)
            self.axes.add_collection(artist)
            return artist

        if getattr(self.state, 'show_outlines', True):
            self._outline_artist = collection(
                binmap_data.get_data(binmap_data.id[BIN_COMPONENT]),
                colors=getattr(self.state, 'outline_color', 'black'),
                linewidths=getattr(self.state, 'outline_width', 0.5), alpha=0.8, zorder=50)
        for layer_state in self.state.layers:
            layer = layer_state.layer
            if not (isinstance(layer, Subset) and layer.data is binmap_data
                    and layer_state.visible):
                continue
            try:
                mask = layer.to_mask()
            except IncompatibleAttribute:
                continue
            if mask.any():
                # a white halo keeps the outline visible on every bin colour
                self._selection_artists.append(collection(
                    mask.astype(np.int8), colors=layer.style.color, linewidths=2.0,
                    zorder=60, path_effects=[withStroke(linewidth=4.0, foreground='white')]))
        self.redraw()

    @property
    def outline_artist(self):
        """The `~matplotlib.collections.LineCollection` of bin outlines, or None."""
        return self._outline_artist

    @property
    def selection_artists(self):
        """One `~matplotlib.collections.LineCollection` per visible subset of the bin map."""
        return list(self._selection_artists)


@viewer_tool
class SelectBinTool(PixelSelectionTool):
    """
    Click a bin to select it (whole); drag to follow the cursor.

    The "Bin" tool of the bin-map viewers; a click calls the viewer's
    ``select_bin_at``.

    Examples
    --------
    >>> from glue.config import viewer_tool
    >>> from pixbin_glue.viewers import BINMAP_TOOLS, SelectBinTool
    >>> viewer_tool.members[SelectBinTool.tool_id] is SelectBinTool, SelectBinTool.action_text
    (True, 'Bin')
    >>> SelectBinTool.tool_id in BINMAP_TOOLS
    True
    """

    tool_id = 'pixbin:select_bin'
    action_text = 'Bin'
    tool_tip = 'Select the whole bin under the mouse'
    status_tip = 'CLICK to select a bin, CLICK and DRAG to update the selection in real time'

    def _select_pixel(self, mode):
        if not self._pressed:
            return
        x, y = self._event_xdata, self._event_ydata
        if x is None or y is None:
            return
        if hasattr(self.viewer, 'select_bin_at'):
            self.viewer.select_bin_at(x, y)
