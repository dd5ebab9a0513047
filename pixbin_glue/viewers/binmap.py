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
    """Show the ``bin`` component of a bin-map layer in categorical colours."""
    data = layer_state.layer
    with delay_callback(layer_state, 'attribute', 'cmap', 'percentile', 'v_min', 'v_max',
                        'stretch'):
        layer_state.attribute = data.id[BIN_COMPONENT]
        bin_colours(layer_state)


class BinMapViewerState(ImageViewerState):
    """Image viewer state with the bin-map options."""

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
    """Click a bin to select it (whole); drag to follow the cursor."""

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
