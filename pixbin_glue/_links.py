# Licensed under a 3-clause BSD style license - see LICENSE
"""
Pixel links between a bin map and the datasets on its pixel grid.

A bin map is linked by **pixel** (`~glue.core.link_helpers.LinkSame` between
pixel component ids), not by WCS: the grids are the same, and a WCS link's
floating-point round-off lets whole-bin selections leak across bin edges.  Each
linked dataset also gets a ``bin`` component (the label image broadcast along
its other axes, without a copy) linked to the bin map's ``bin``, so that a
subset of whole bins selects the bins' spaxels on the cube and the spectra.
"""

import numpy as np

from ._constants import BIN_COMPONENT
from ._binmap_data import binmap_from_data, is_binmap_data

__all__ = ['link_binmap', 'spatial_axes']

AUTOLINK_LABEL = 'pixbin bin maps (pixel grid)'


def spatial_axes(data, shape):
    """
    The two array axes of ``data`` that are the pixel grid ``shape`` (ny, nx), or None.

    A 2-D dataset must have the shape; a 3-D one has them after its band axis
    (pixbin's (nbands, ny, nx)) or around its spectral axis
    (``meta['spectral_axis_index']``, set by glue-astronomy for Spectrum).
    """
    shape = tuple(shape)
    if data.ndim == 2:
        return (0, 1) if tuple(data.shape) == shape else None
    if data.ndim != 3:
        return None
    spectral = data.meta.get('spectral_axis_index')
    if spectral in (0, 1, 2, -1, -2, -3):
        axes = tuple(i for i in range(3) if i != spectral % 3)
    else:
        axes = (1, 2)
    return axes if tuple(data.shape[i] for i in axes) == shape else None


def _same_grid(binmap, data):
    """Spatial axes of ``data`` if it is on the grid of ``binmap`` (shape and WCS)."""
    from ._components import celestial_coords
    axes = spatial_axes(data, binmap.shape)
    if axes is None:
        return None
    wcs = celestial_coords(data, axes)
    try:
        binmap.check_grid(binmap.shape, wcs)
    except ValueError:
        return None
    return axes


def links_between(data_collection, cid):
    """Datasets already linked to ``cid`` by a LinkSame."""
    from glue.core.link_helpers import LinkSame
    out = []
    for link in data_collection.external_links:
        if isinstance(link, LinkSame):
            ids = list(link.cids1) + list(link.cids2)
            if any(i is cid for i in ids):
                out.extend(i.parent for i in ids if i is not cid)
    return out


def _bin_label(data, binmap_data):
    """A free label for the ``bin`` component of a linked dataset."""
    labels = {c.label for c in data.components}
    if BIN_COMPONENT not in labels:
        return BIN_COMPONENT
    label = f'{BIN_COMPONENT} [{binmap_data.label}]'
    n = 2
    while label in labels:
        label = f'{BIN_COMPONENT} [{binmap_data.label}] {n}'
        n += 1
    return label


def link_binmap(data_collection, binmap_data, datasets=None):
    """
    Pixel-link a bin map to the datasets on its pixel grid.

    For each dataset on the grid (same spatial shape and, when both have one,
    the same celestial WCS): `~glue.core.link_helpers.LinkSame` between the
    pixel component ids (y with y, x with x), and a ``bin`` component (the
    labels broadcast along the band or spectral axis, no copy) linked to the
    bin map's ``bin``, so that subsets of whole bins select the bins' pixels
    there too.  Another bin map on the grid gets the pixel links only (its
    bins are different bins).  Datasets already linked are left alone.

    Parameters
    ----------
    data_collection : `~glue.core.data_collection.DataCollection`
        Holds the bin map and the other datasets.
    binmap_data : `~glue.core.data.Data`
        The bin-map dataset.
    datasets : list of `~glue.core.data.Data`, optional
        Datasets to consider (default: all of ``data_collection``).

    Returns
    -------
    linked : list of `~glue.core.data.Data`
        The datasets linked by this call.

    Raises
    ------
    ValueError
        If ``binmap_data`` is not a bin-map dataset or not in the collection.

    Examples
    --------
    `~pixbin_glue.bin_data` links the binned cube; an r-band image on the
    same grid, added later, is linked by this call:

    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')])
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit, ref_band=4)
    >>> image = Data(r=cube.data[4], label='r image')
    >>> dc.append(image)
    >>> [linked.label for linked in pixbin_glue.link_binmap(dc, bins)]
    ['r image']
    >>> group = dc.new_subset_group('bin 5', bins.id['bin'] == 5)
    >>> [(subset.data.label, int(subset.to_mask().sum())) for subset in group.subsets]
    [('cube', 36), ('cube_bins', 3), ('r image', 3)]

    (bin 5 has 3 pixels, in each of the 12 bands of the cube).
    """
    from glue.core import Component
    from glue.core.link_helpers import LinkSame
    if not is_binmap_data(binmap_data):
        raise ValueError(f'binmap_data must be a pixbin bin-map dataset, got '
                         f'{getattr(binmap_data, "label", binmap_data)!r}')
    if binmap_data not in data_collection:
        raise ValueError(f'binmap_data {binmap_data.label!r} must be in data_collection')
    binmap = binmap_from_data(binmap_data)
    bin_cid = binmap_data.id[BIN_COMPONENT]
    already = set(map(id, links_between(data_collection, binmap_data.pixel_component_ids[0])))
    labels = np.asarray(binmap_data.get_data(bin_cid))
    links, linked = [], []
    for data in (data_collection if datasets is None else datasets):
        if data is binmap_data or id(data) in already:
            continue
        axes = _same_grid(binmap, data)
        if axes is None:
            continue
        py, px = (data.pixel_component_ids[a] for a in axes)
        links.append(LinkSame(binmap_data.pixel_component_ids[0], py))
        links.append(LinkSame(binmap_data.pixel_component_ids[1], px))
        if not is_binmap_data(data):
            shape = [1] * data.ndim
            shape[axes[0]], shape[axes[1]] = labels.shape
            view = np.broadcast_to(labels.reshape(shape), data.shape)
            label = _bin_label(data, binmap_data)
            data.add_component(Component(view), label)
            links.append(LinkSame(bin_cid, data.id[label]))
        linked.append(data)
    if links:
        data_collection.add_link(links)
    return linked


def autolink_binmaps(data_collection):
    """
    The glue autolinker of pixbin: link every bin map to its pixel grid.

    glue-qt runs autolinkers when datasets are added (e.g. a pixbin FITS file
    opened with File > Open).  Pixel links of a bin map are exact, so they are
    added at once (unless the autolinker is set to 'always_ignore' in glue's
    preferences) rather than suggested, and nothing is returned.
    """
    from glue.config import settings
    if settings.AUTOLINK.get(AUTOLINK_LABEL) == 'always_ignore':
        return []
    for data in list(data_collection):
        if is_binmap_data(data):
            link_binmap(data_collection, data)
    return []
