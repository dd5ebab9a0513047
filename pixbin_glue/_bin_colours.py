# Licensed under a 3-clause BSD style license - see LICENSE
"""
Bin numbers in bin colours: the categorical colour map of bins, and the glue
layer-artist maker that uses it in every image viewer.
"""

from echo import delay_callback

from ._constants import BIN_COMPONENT

__all__ = ['BIN_CMAP_NAME', 'BIN_CMAP_SIZE', 'BinColours', 'bin_cmap', 'bin_colours',
           'bin_layer_artist', 'is_bin_attribute']

#: Name of the categorical colour map of bin numbers (matplotlib and glue).
BIN_CMAP_NAME = 'pixbin_bins'
#: Number of colours of that map: bins 0..BIN_CMAP_SIZE - 1 get one colour each.
BIN_CMAP_SIZE = 4096


def bin_cmap():
    """
    The categorical colour map of bin numbers (`pixbin.plotting.bin_colormap`).

    Bin 0 (no bin) is transparent.  It has `BIN_CMAP_SIZE` colours, so that one
    named map serves every bin map (glue saves colour maps by name); an image
    layer shows bin ``k`` in colour ``k`` with ``v_min = -0.5`` and
    ``v_max = BIN_CMAP_SIZE - 0.5``.
    """
    import matplotlib
    if BIN_CMAP_NAME in matplotlib.colormaps:
        return matplotlib.colormaps[BIN_CMAP_NAME]
    from pixbin.plotting import bin_colormap
    cmap, _ = bin_colormap(BIN_CMAP_SIZE - 1)
    cmap.name = BIN_CMAP_NAME
    matplotlib.colormaps.register(cmap, name=BIN_CMAP_NAME)
    return matplotlib.colormaps[BIN_CMAP_NAME]


#: RGBA of the pixels outside the data (NaN) in a viewer that shows bins: transparent.
#: glue draws them opaque in the bad colour by default, which made dark bars
#: beside a bin map narrower than the view.
OUTSIDE_RGBA = (0.0, 0.0, 0.0, 0.0)


def bin_colours(layer_state):
    """Colour the layer's attribute (bin numbers) with the categorical bin colours."""
    if hasattr(layer_state, 'cmap_bad'):       # glue-core >= 1.21
        layer_state.cmap_bad = OUTSIDE_RGBA
    with delay_callback(layer_state, 'cmap', 'percentile', 'v_min', 'v_max', 'stretch'):
        layer_state.cmap = bin_cmap()
        layer_state.stretch = 'linear'
        layer_state.percentile = 'Custom'
        # bin k gets colour k of the map (see bin_cmap)
        layer_state.v_min = -0.5
        layer_state.v_max = BIN_CMAP_SIZE - 0.5


def is_bin_attribute(cid):
    """True for a component of bin numbers: ``bin``, or ``bin [<bin map>]`` on a linked dataset."""
    label = getattr(cid, 'label', None) or ''
    return label == BIN_COMPONENT or label.startswith(f'{BIN_COMPONENT} [')


class BinColours:
    """
    Keeps an image layer in bin colours while it shows bin numbers, and gives
    it back its colour map and levels when it shows something else.
    """

    def __init__(self, layer_state):
        self.state = layer_state
        self.saved = None
        layer_state.add_callback('attribute', self.update)
        self.update()

    def update(self, *args):
        state = self.state
        if is_bin_attribute(state.attribute):
            if self.saved is None:
                self.saved = (state.cmap, state.stretch, state.percentile,
                              getattr(state, 'cmap_bad', None))
            bin_colours(state)
        elif self.saved is not None:
            cmap, stretch, percentile, bad = self.saved
            self.saved = None
            if hasattr(state, 'cmap_bad'):
                state.cmap_bad = bad
            with delay_callback(state, 'cmap', 'stretch', 'percentile'):
                state.cmap, state.stretch = cmap, stretch
                # levels from the percentile again (100 = min/max when it was 'Custom')
                state.percentile = 100 if percentile == 'Custom' else percentile


def bin_layer_artist(viewer, layer):
    """
    glue layer-artist maker (``glue.config.layer_artist_maker``): in every
    image viewer, a dataset layer that shows bin numbers (a bin map's ``bin``,
    or the ``bin`` component of a linked dataset) is drawn in the categorical
    bin colours of the bin-map viewer (bin 0 transparent), whatever glue's
    default colour map; choosing another attribute gives the layer back its
    colour map.  Returns None (glue's default artist) otherwise.
    """
    from glue.core import BaseData
    from glue.viewers.image.state import ImageViewerState
    if not isinstance(layer, BaseData) or not isinstance(getattr(viewer, 'state', None),
                                                         ImageViewerState):
        return None
    if not any(is_bin_attribute(cid) for cid in layer.main_components):
        return None
    artist = viewer.get_data_layer_artist(layer)
    if artist is not None and hasattr(artist.state, 'cmap'):
        artist.state._pixbin_colours = BinColours(artist.state)
    return artist
