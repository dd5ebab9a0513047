# Licensed under a 3-clause BSD style license - see LICENSE
"""
Pixel links between a bin map and the datasets on its pixel grid.

A bin map is linked by **pixel** (`~glue.core.link_helpers.LinkSame` between
pixel component ids), not by WCS: the grids are the same, and a WCS link's
floating-point round-off lets whole-bin selections leak across bin edges.  Each
linked dataset also gets a ``bin`` component (the label image broadcast along
its other axes, without a copy) linked to the bin map's ``bin``, so that a
subset of whole bins selects the bins' spaxels on the cube and the spectra.

A dataset on **another** celestial grid (an HST image of the galaxy) that is
linked to the bin map through the WCS (glue's WCS link, from the link editor
or its autolinker, or `link_binmap_wcs`) gets the bin map carried to its grid
(`pixbin.BinMap.reproject`, a majority vote of sub-pixels) as its ``bin``
component, linked to the bin map's ``bin``: a subset of whole bins then
selects, on that dataset, the pixels that fall in the selected bins.  A watcher
on the data collection's hub adds it as soon as the WCS link is made.
"""

import weakref

import numpy as np
from glue.core.hub import HubListener

from ._constants import BIN_COMPONENT
from ._binmap_data import binmap_from_data, is_binmap_data
from ._session import BroadcastLabelsComponent

__all__ = ['link_binmap', 'link_binmap_wcs', 'spatial_axes']

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


def linked_cids(data_collection, cid):
    """Component ids linked to ``cid`` by a LinkSame."""
    from glue.core.link_helpers import LinkSame
    out = []
    for link in data_collection.external_links:
        if isinstance(link, LinkSame):
            ids = list(link.cids1) + list(link.cids2)
            if any(i is cid for i in ids):
                out.extend(i for i in ids if i is not cid)
    return out


def links_between(data_collection, cid):
    """Datasets already linked to ``cid`` by a LinkSame."""
    return [i.parent for i in linked_cids(data_collection, cid)]


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
    [('cube', 48), ('cube_bins', 4), ('r image', 4)]

    (bin 5 has 4 pixels, in each of the 12 bands of the cube).
    """
    from glue.core.link_helpers import LinkSame
    if not is_binmap_data(binmap_data):
        raise ValueError(f'binmap_data must be a pixbin bin-map dataset, got '
                         f'{getattr(binmap_data, "label", binmap_data)!r}')
    if binmap_data not in data_collection:
        raise ValueError(f'binmap_data {binmap_data.label!r} must be in data_collection')
    binmap = binmap_from_data(binmap_data)
    bin_cid = binmap_data.id[BIN_COMPONENT]
    already = set(map(id, links_between(data_collection, binmap_data.pixel_component_ids[0])))
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
            # the labels broadcast over the dataset, saved in sessions as a reference
            label = _bin_label(data, binmap_data)
            data.add_component(BroadcastLabelsComponent(binmap_data.get_component(bin_cid),
                                                        data.shape, axes), label)
            links.append(LinkSame(bin_cid, data.id[label]))
        linked.append(data)
    if links:
        data_collection.add_link(links)
    watch_grids(data_collection)
    filter_autolinkers()
    return linked


def celestial_grid(data):
    """
    ``(axes, wcs)``: the two array axes (y, x) of the sky grid of ``data`` and
    its 2-D celestial WCS, or None (no astropy celestial WCS, or not 2-D or 3-D).
    """
    from astropy.wcs import WCS

    from ._components import celestial_coords
    coords = data.coords
    if not isinstance(coords, WCS) or not coords.has_celestial or data.ndim not in (2, 3):
        return None
    ndim = data.ndim
    # WCS pixel axis i is array axis ndim - 1 - i
    axes = tuple(sorted((ndim - 1 - coords.wcs.lng, ndim - 1 - coords.wcs.lat)))
    wcs = celestial_coords(data, axes)
    return None if wcs is None else (axes, wcs)


def grid_linked(binmap_data, data):
    """True if glue's links give the bin map's pixel coordinates on ``data``."""
    derivable = set(data.externally_derivable_components)
    return all(cid in derivable for cid in binmap_data.pixel_component_ids)


def reprojected_labels(binmap_data, data):
    """
    The bin numbers of the bin map on the pixel grid of ``data`` (another
    celestial grid), with the shape of ``data`` (broadcast, no copy, along a
    third axis); 0 = no bin.  None when ``data`` or the bin map has no
    celestial WCS.
    """
    grid = celestial_grid(data)
    binmap = binmap_from_data(binmap_data)
    if grid is None or binmap.wcs is None:
        return None
    axes, wcs = grid
    other = binmap.reproject(wcs, tuple(data.shape[a] for a in axes))
    # the reprojected map numbers its bins 1..n: back to the bin map's numbers
    # (16-bit numbers when they fit: the image can be much larger than the bin map)
    dtype = np.int16 if binmap.nbins < np.iinfo(np.int16).max else np.int32
    table = np.concatenate([[0], other.meta['source_bin_ids']]).astype(dtype)
    labels = table[other.labels]
    shape = [1] * data.ndim
    shape[axes[0]], shape[axes[1]] = labels.shape
    return np.broadcast_to(labels.reshape(shape), data.shape)


def _add_reprojected_bins(data_collection, binmap_data, data):
    """The reprojected ``bin`` component of ``data``, linked to the bin map's; its label."""
    from glue.core import Component
    from glue.core.link_helpers import LinkSame
    labels = reprojected_labels(binmap_data, data)
    if labels is None:
        return None
    label = _bin_label(data, binmap_data)
    data.add_component(Component(labels), label)
    data_collection.add_link(LinkSame(binmap_data.id[BIN_COMPONENT], data.id[label]))
    return label


def bin_component(data_collection, binmap_data, data):
    """The component of ``data`` linked to the bin map's ``bin``, or None."""
    for cid in linked_cids(data_collection, binmap_data.id[BIN_COMPONENT]):
        if cid.parent is data:
            return cid
    return None


def link_other_grids(data_collection, binmap_data):
    """
    Give every dataset linked to the bin map through the WCS (on another grid)
    the reprojected ``bin`` component, if it has none; the datasets changed.
    """
    done = []
    for data in list(data_collection):
        if data is binmap_data or is_binmap_data(data) \
                or bin_component(data_collection, binmap_data, data) is not None \
                or not grid_linked(binmap_data, data):
            continue
        if _add_reprojected_bins(data_collection, binmap_data, data) is not None:
            done.append(data)
    return done


def link_binmap_wcs(data_collection, binmap_data, data):
    """
    Link a bin map to a dataset on another celestial grid through the WCS.

    Adds glue's WCS link (`glue.plugins.wcs_autolinking.WCSLink`) between
    the bin map and ``data`` unless they are linked already (e.g. through
    the cube), and gives ``data`` the bin map carried to its grid
    (`pixbin.BinMap.reproject`) as a ``bin`` component linked to the bin
    map's ``bin``: a subset of whole bins selects, on ``data``, the pixels
    that fall in those bins, and `region_to_subset` takes regions drawn on
    ``data``.  A WCS link made in glue (link editor, autolinker) gets the
    same component automatically once the bin map is linked (`link_binmap`,
    `bin_data`).

    Parameters
    ----------
    data_collection : `~glue.core.data_collection.DataCollection`
        Holds both datasets.
    binmap_data : `~glue.core.data.Data`
        The bin-map dataset (with a celestial WCS).
    data : `~glue.core.data.Data`
        An image or cube with an astropy celestial WCS.

    Returns
    -------
    cid : `~glue.core.component_id.ComponentID`
        The ``bin`` component of ``data``.

    Raises
    ------
    ValueError
        If ``binmap_data`` is not a bin map in the collection, ``data`` is
        not in it, or either has no celestial WCS.

    Examples
    --------
    A 40 x 40 mock galaxy binned in glue, and an image of it on a grid
    rotated by 30 degrees with pixels 1.5 times larger:

    >>> import numpy as np
    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> r_band = Data(FLUX=cube.data[4], FLUX_ERR=cube.uncertainty.array[4],
    ...               coords=cube.wcs, label='r')
    >>> dc = DataCollection([r_band])
    >>> bins = pixbin_glue.bin_data(dc, r_band, snr=20, unit=cube.unit, min_diameter=3)
    >>> other = cube.wcs.deepcopy()
    >>> angle = np.radians(30)
    >>> rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    >>> other.wcs.cd = 1.5 * rotation @ cube.wcs.pixel_scale_matrix
    >>> other.wcs.crpix = [14.0, 14.0]
    >>> image = Data(SCI=np.ones((28, 28)), coords=other, label='image')
    >>> dc.append(image)
    >>> pixbin_glue.link_binmap_wcs(dc, bins, image).label
    'bin'

    A subset of the bin at the centre selects, on the image, the pixels that
    fall in it:

    >>> from regions import PixCoord, PointPixelRegion
    >>> group = pixbin_glue.region_to_subset(dc, PointPixelRegion(PixCoord(20, 20)), bins)
    >>> pixbin_glue.bins_in_subset(group)
    array([2])
    >>> on_image = group.subsets[-1]
    >>> on_image.data.label, int(on_image.to_mask().sum())
    ('image', 4)
    >>> int((image.get_data(image.id['bin']) == 2).sum())
    4
    """
    from glue.plugins.wcs_autolinking.wcs_autolinking import WCSLink
    if not is_binmap_data(binmap_data) or binmap_data not in data_collection:
        raise ValueError(f'binmap_data must be a pixbin bin-map dataset in data_collection, '
                         f'got {getattr(binmap_data, "label", binmap_data)!r}')
    if data not in data_collection:
        raise ValueError(f'data {getattr(data, "label", data)!r} must be in data_collection')
    if binmap_from_data(binmap_data).wcs is None:
        raise ValueError(f'binmap_data {binmap_data.label!r} has no celestial WCS')
    if celestial_grid(data) is None:
        raise ValueError(f'data {data.label!r} must have an astropy celestial WCS '
                         f'(data.coords) to be linked to a bin map through the WCS')
    cid = bin_component(data_collection, binmap_data, data)
    if cid is not None:
        return cid
    if not grid_linked(binmap_data, data):
        data_collection.add_link(WCSLink(binmap_data, data))
    # the watcher of the collection may have added it already
    watch_grids(data_collection)
    cid = bin_component(data_collection, binmap_data, data)
    if cid is None:
        cid = data.id[_add_reprojected_bins(data_collection, binmap_data, data)]
    return cid


class GridWatcher(HubListener):
    """
    Gives the datasets that get linked to a bin map through the WCS their
    reprojected ``bin`` (listens to the data collection's hub).
    """

    def __init__(self, data_collection):
        from glue.core.message import ExternallyDerivableComponentsChangedMessage
        self._dc = weakref.ref(data_collection)
        self._busy = False
        self._pending = False
        data_collection.hub.subscribe(self, ExternallyDerivableComponentsChangedMessage,
                                      handler=self.update)

    def update(self, message=None):
        """Link the datasets newly WCS-linked to a bin map (re-entrant calls are queued)."""
        dc = self._dc()
        if dc is None:
            return
        if self._busy:
            self._pending = True
            return
        self._busy = True
        try:
            self._pending = True
            while self._pending:
                self._pending = False
                for binmap_data in [d for d in dc if is_binmap_data(d)]:
                    link_other_grids(dc, binmap_data)
        finally:
            self._busy = False


# one watcher per data collection (the hub holds its listeners weakly)
_WATCHERS = weakref.WeakKeyDictionary()


def watch_grids(data_collection):
    """Start (once) the `GridWatcher` of ``data_collection`` and run it."""
    if data_collection.hub is None:
        return
    watcher = _WATCHERS.get(data_collection)
    if watcher is None:
        watcher = _WATCHERS[data_collection] = GridWatcher(data_collection)
    watcher.update()


def pixel_linked_groups(data_collection):
    """
    The sets of datasets (by id) that pixbin pixel-linked: each bin map with
    the datasets on its grid.
    """
    groups = []
    for data in data_collection:
        if is_binmap_data(data):
            linked = links_between(data_collection, data.pixel_component_ids[0])
            groups.append({id(data)} | set(map(id, linked)))
    return groups


def without_pixbin_pairs(links, data_collection):
    """
    ``links`` less those between two datasets that pixbin pixel-linked, those
    between a bin map and a dataset already linked to it (e.g. through the
    cube it was made from), and those between a bin map and a dataset that
    another of ``links`` links to the bin map's cube (one link per grid).
    """
    groups = pixel_linked_groups(data_collection)
    if not groups:
        return list(links)
    kept = []
    for link in links:
        data1, data2 = getattr(link, 'data1', None), getattr(link, 'data2', None)
        if any({id(data1), id(data2)} <= group for group in groups):
            continue
        if (is_binmap_data(data1) and grid_linked(data1, data2)) or \
                (is_binmap_data(data2) and grid_linked(data2, data1)):
            continue
        kept.append(link)

    def through_cube(binmap, other):
        group = next(g for g in groups if id(binmap) in g)
        for link in kept:
            ends = {id(getattr(link, 'data1', None)), id(getattr(link, 'data2', None))}
            if id(other) in ends and id(binmap) not in ends and ends - {id(other)} <= group:
                return True
        return False

    out = []
    for link in kept:
        data1, data2 = getattr(link, 'data1', None), getattr(link, 'data2', None)
        if (is_binmap_data(data1) and through_cube(data1, data2)) or \
                (is_binmap_data(data2) and through_cube(data2, data1)):
            continue
        out.append(link)
    return out


def filter_autolinker(function):
    """
    An autolinker that proposes what ``function`` (another plugin's autolinker,
    glue's 'Astronomy WCS') proposes, less the links between datasets that
    pixbin pixel-linked (a bin map and the cube it was made from).  The bin
    maps are pixel-linked first (`autolink_binmaps`), so that a bin map just
    opened is never proposed a WCS link to its own cube.
    """
    if getattr(function, 'pixbin_filtered', False):
        return function

    def autolink(data_collection):
        link_all_binmaps(data_collection)
        return without_pixbin_pairs(function(data_collection), data_collection)

    autolink.pixbin_filtered = True
    autolink.__wrapped__ = function
    autolink.__name__ = getattr(function, '__name__', 'autolink')
    autolink.__doc__ = getattr(function, '__doc__', None)
    return autolink


#: Autolinkers whose proposals pixbin filters (glue's WCS autolinker).
FILTERED_AUTOLINKERS = ('Astronomy WCS',)


def filter_autolinkers():
    """
    Wrap the registered autolinkers of `FILTERED_AUTOLINKERS` with
    `filter_autolinker` (once; those registered later are wrapped the next
    time this runs, which `autolink_binmaps` does before they are called).
    """
    from glue.config import autolinker
    members = autolinker.members
    for i, (label, function) in enumerate(members):
        if label in FILTERED_AUTOLINKERS:
            members[i] = (label, filter_autolinker(function))


def link_all_binmaps(data_collection):
    """`link_binmap` for every bin map, unless pixbin's autolinker is set to 'always_ignore'."""
    from glue.config import settings
    if settings.AUTOLINK.get(AUTOLINK_LABEL) == 'always_ignore':
        return
    for data in list(data_collection):
        if is_binmap_data(data):
            link_binmap(data_collection, data)


def autolink_binmaps(data_collection):
    """
    The glue autolinker of pixbin: link every bin map to its pixel grid.

    glue-qt runs autolinkers when datasets are added (e.g. a pixbin FITS file
    opened with File > Open).  Pixel links of a bin map are exact, so they are
    added at once (unless the autolinker is set to 'always_ignore' in glue's
    preferences) rather than suggested, and nothing is returned.  It also
    makes sure that glue's WCS autolinker proposes no link between datasets
    that pixbin pixel-linked (`filter_autolinkers`).
    """
    filter_autolinkers()
    link_all_binmaps(data_collection)
    return []
