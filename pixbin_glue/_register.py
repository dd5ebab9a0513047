# Licensed under a 3-clause BSD style license - see LICENSE
"""
What ``pixbin_glue.setup`` registers with glue-core: the pixbin FITS data
factories (bin maps, and input cubes read by `pixbin.io.read_input`) and
exporter, the translator of `pixbin.BinMap` (``dc['bins'] = binmap``), the
pixel-grid autolinker, the bin colour map and the layer-artist maker that
shows bin numbers in bin colours in every image viewer.
"""

import os

from ._bin_colours import BIN_CMAP_NAME, BIN_CMAP_SIZE, bin_cmap

__all__ = ['BIN_CMAP_NAME', 'BIN_CMAP_SIZE', 'EXPORTER_LABEL', 'bin_cmap', 'export_refusal',
           'read_binmap_data', 'register_core', 'write_binmap_data']

#: Label of the layer-artist maker that colours bin numbers in image viewers.
BIN_LAYER_MAKER = 'pixbin bin colours'

# Ahead of glue's generic FITS reader (priority 100) for pixbin and piXedfit
# bin-map files.
FACTORY_PRIORITY = 500
#: Label of the pixbin exporter in glue's export dialogs.
EXPORTER_LABEL = 'pixbin bin map (FITS)'


def is_binmap_file(filename, **kwargs):
    """glue identifier: a pixbin (or piXedfit) bin-map FITS file."""
    from pixbin.io import is_binmap_file as identify
    if not isinstance(filename, (str, os.PathLike)):
        return False
    return identify(filename)


def read_binmap_data(filename, **kwargs):
    """
    glue data factory: a pixbin bin-map FITS file as a bin-map dataset.

    The dataset is labelled after the file.  glue-qt then pixel-links it to
    the datasets on its grid (the pixbin autolinker); elsewhere call
    `pixbin_glue.link_binmap`.
    """
    import pixbin

    from ._binmap_data import binmap_to_data
    binmap = pixbin.read_binmap(filename)
    label = os.path.basename(os.fspath(filename))
    for ext in ('.gz', '.fits', '.fit', '.fts'):
        if label.lower().endswith(ext):
            label = label[:-len(ext)]
    data = binmap_to_data(binmap, label)
    data.meta['pixbin_file'] = os.fspath(filename)
    return data


def write_binmap_data(filename, data, components=None):
    """
    glue data exporter: write a bin-map dataset to pixbin's FITS file.

    The file is `pixbin.BinMap.write`'s (piXedfit-compatible); glue's export
    dialog has asked before replacing a file, so an existing file is replaced.
    ``components`` is ignored: the file always holds the whole bin map.

    Raises
    ------
    ValueError
        If ``data`` is a subset or not a bin-map dataset.
    """
    from ._binmap_data import binmap_from_data
    problem = export_refusal(data)
    if problem is not None:
        raise ValueError(problem)
    # glue's export dialog has already asked whether to replace an existing file
    # (glue exporters get no overwrite argument); the write itself is atomic.
    binmap_from_data(data).write(os.fspath(filename), overwrite=True)


def export_refusal(data):
    """
    Why the pixbin exporter cannot write ``data`` (a sentence), or None if it can.

    glue offers every registered exporter for every dataset and subset; the
    pixbin exporter writes whole bin-map datasets only.
    """
    from glue.core import Subset

    from ._binmap_data import is_binmap_data
    if isinstance(data, Subset):
        return (f'the pixbin exporter writes whole bin maps: export the bin-map dataset '
                f'{data.data.label!r}, not its subset {data.label!r}')
    if not is_binmap_data(data):
        return (f'data must be a pixbin bin-map dataset to be written as a pixbin file, got '
                f'{getattr(data, "label", data)!r}: bin it first (Bin pixels (pixbin)...) '
                f'or choose another format')
    return None


def register_core():
    """Register the glue-core parts of the plugin (called by ``pixbin_glue.setup``)."""
    from glue.config import autolinker, colormaps, data_exporter, data_factory, data_translator

    from pixbin import BinMap

    from ._binmap_data import BinMapTranslator
    if BinMap not in data_translator.supported_classes:
        data_translator(BinMap)(BinMapTranslator)

    from ._links import AUTOLINK_LABEL, autolink_binmaps, filter_autolinkers
    data_factory('pixbin bin map (FITS)', identifier=is_binmap_file,
                 priority=FACTORY_PRIORITY)(read_binmap_data)
    # input cubes of the layouts that pixbin.io.read_input knows, read by it
    from ._input_data import INPUT_FACTORY_PRIORITY, is_input_file, read_input_data
    if 'pixbin input cube (FITS)' not in [f.label for f in data_factory]:
        data_factory('pixbin input cube (FITS)', identifier=is_input_file,
                     priority=INPUT_FACTORY_PRIORITY)(read_input_data)
    if EXPORTER_LABEL not in [e.label for e in data_exporter]:
        data_exporter(EXPORTER_LABEL, extension=['fits'])(write_binmap_data)
    if AUTOLINK_LABEL not in [label for label, _ in autolinker]:
        autolinker(AUTOLINK_LABEL)(autolink_binmaps)
    # no WCS links proposed between datasets that pixbin pixel-linked
    filter_autolinkers()
    cmap = bin_cmap()
    if cmap not in [c for _, c in colormaps]:
        colormaps.add('pixbin bins', cmap)
    # bin numbers in bin colours in every image viewer, not only pixbin's
    from glue.config import layer_artist_maker
    if BIN_LAYER_MAKER not in [m.label for m in layer_artist_maker]:
        from ._bin_colours import bin_layer_artist
        layer_artist_maker(BIN_LAYER_MAKER)(bin_layer_artist)
