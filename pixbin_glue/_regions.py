# Licensed under a 3-clause BSD style license - see LICENSE
"""
astropy-regions regions to subsets of whole bins, and subsets back to regions.
"""

import os

import numpy as np
from pixbin._regions import read_region_file, region_file_format

from ._binmap_data import (binmap_from_data, bins_in_subset, bins_subset_state,
                           is_binmap_data, subset_on)

__all__ = ['region_to_subset', 'subset_to_regions', 'write_subset_regions']

RULES = ('overlap', 'centre')
# Overlaps below this fraction of a pixel are round-off: a region drawn along
# pixel edges (a bin outline) that went through a sky conversion or a region
# file overlaps its neighbours a little (ds9 files: ~1e-5 of a pixel; CRTF
# files, which regions writes with 6 decimals in degrees: ~1e-3 at 1.5 arcsec).
OVERLAP_TOLERANCE = 0.01


def _as_regions(region):
    """A list of astropy-regions regions from a region, a Regions, a list or a file."""
    from regions import Region, Regions
    if isinstance(region, (str, os.PathLike)):
        return list(read_region_file(region))
    if isinstance(region, Region):
        return [region]
    if isinstance(region, (Regions, list, tuple)):
        regions = list(region)
        if not all(isinstance(r, Region) for r in regions):
            raise TypeError('region must hold astropy-regions regions only')
        return regions
    raise TypeError(f'region must be an astropy-regions region, a Regions list or the path '
                    f'of a ds9/CRTF file, got {type(region).__name__}')


def _to_pixel(region, wcs):
    from regions import SkyRegion
    if isinstance(region, SkyRegion):
        if wcs is None:
            raise ValueError(f'region is a sky region ({type(region).__name__}) but the bin map '
                             f'has no WCS; give a pixel region')
        return region.to_pixel(wcs)
    return region


def _pixel_mask(region, shape):
    """Pixels that ``region`` overlaps (any part of the pixel), bool (ny, nx)."""
    from regions import CompoundPixelRegion, PointPixelRegion
    if isinstance(region, CompoundPixelRegion):
        return region.operator(_pixel_mask(region.region1, shape),
                               _pixel_mask(region.region2, shape))
    if isinstance(region, PointPixelRegion):
        mask = np.zeros(shape, bool)
        x, y = int(np.floor(region.center.x + 0.5)), int(np.floor(region.center.y + 0.5))
        if 0 <= y < shape[0] and 0 <= x < shape[1]:
            mask[y, x] = True
        return mask
    try:
        weights = region.to_mask(mode='exact').to_image(shape)
    except NotImplementedError:
        # regions without exact overlaps (annuli): pixel centres
        weights = region.to_mask(mode='center').to_image(shape)
    if weights is None:           # entirely outside the image
        return np.zeros(shape, bool)
    return weights > OVERLAP_TOLERANCE


def _included(region):
    return bool(region.meta.get('include', True))


def _find_binmap(data_collection, data):
    """
    The bin-map dataset of ``data``: itself, or the one bin map linked to it
    (on its grid, or through the WCS on another grid).
    """
    from ._links import bin_component, grid_linked, link_other_grids, links_between
    if is_binmap_data(data):
        return data
    binmaps = [d for d in data_collection if is_binmap_data(d)]
    found = [d for d in binmaps
             if any(x is data for x in links_between(data_collection, d.id['bin']))]
    if not found:
        # linked through the WCS, without its reprojected bins yet
        found = [d for d in binmaps if grid_linked(d, data)]
        for binmap_data in found:
            if bin_component(data_collection, binmap_data, data) is None:
                link_other_grids(data_collection, binmap_data)
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(f'data must be a bin-map dataset or a dataset linked to one, got '
                         f'{data.label!r} (no linked bin map)')
    raise ValueError(f'data {data.label!r} is linked to several bin maps '
                     f'({", ".join(d.label for d in found)}); give the bin-map dataset')


def _on_other_grid(binmap_data, data):
    """The celestial WCS of ``data`` if it is on another grid than the bin map, else None."""
    from ._links import _same_grid, celestial_grid
    if data is binmap_data or _same_grid(binmap_from_data(binmap_data), data) is not None:
        return None
    grid = celestial_grid(data)
    if grid is None:
        raise ValueError(f'data {data.label!r} is not on the pixel grid of the bin map '
                         f'{binmap_data.label!r} and has no celestial WCS: give sky regions '
                         f'or the bin-map dataset')
    return grid[1]


def _pixel_to_sky(regions, wcs):
    """Pixel regions (on another grid with ``wcs``) as sky regions; sky regions as they are."""
    from regions import PixelRegion
    return [r.to_sky(wcs) if isinstance(r, PixelRegion) else r for r in regions]


def region_bins(binmap, regions, rule='overlap'):
    """Bin numbers selected by ``regions`` (astropy-regions, pixel or sky)."""
    from regions import PixCoord
    if rule == 'center':
        rule = 'centre'
    if rule not in RULES:
        raise ValueError(f'rule must be one of {RULES}, got {rule!r}')
    pixel = [_to_pixel(r, binmap.wcs) for r in regions]
    include = [r for r, orig in zip(pixel, regions) if _included(orig)]
    exclude = [r for r, orig in zip(pixel, regions) if not _included(orig)]
    if rule == 'overlap':
        mask = np.zeros(binmap.shape, bool)
        for r in include:
            mask |= _pixel_mask(r, binmap.shape)
        for r in exclude:
            # an excluded region removes the pixels whose centre it holds
            mask &= ~r.contains(PixCoord(*np.indices(binmap.shape)[::-1]))
        ids = np.unique(binmap.labels[mask])
        return ids[ids > 0]
    centres = PixCoord(binmap.centroid[:, 0], binmap.centroid[:, 1])
    inside = np.zeros(binmap.nbins, bool)
    for r in include:
        inside |= np.asarray(r.contains(centres), bool)
    for r in exclude:
        inside &= ~np.asarray(r.contains(centres), bool)
    return binmap.bin_ids[inside]


def region_to_subset(data_collection, region, data, *, rule='overlap', label=None):
    """
    Make a subset of the whole bins that an astropy-regions region selects.

    Parameters
    ----------
    data_collection : `~glue.core.data_collection.DataCollection`
        Where the subset group is made.
    region : region, `~regions.Regions`, list or str
        Pixel regions (on the bin map's grid), sky regions (converted with
        the bin map's WCS), or the path of a ds9 or CRTF region file
        (``.crtf`` is read as CRTF, anything else as ds9).  Regions marked as
        excluded (``meta['include'] = 0``, ds9's ``-``) remove what they
        cover.
    data : `~glue.core.data.Data`
        The bin-map dataset, or a dataset linked to exactly one bin map: on
        its pixel grid (the cube), or on another grid through the WCS (an
        image of another instrument, see `link_binmap_wcs`), whose pixel
        regions are then on that dataset's grid (converted to the sky with
        its WCS).
    rule : {'overlap', 'centre'}, optional
        Which bins the region selects: ``'overlap'`` (default), every bin
        that the region touches, i.e. with at least one pixel that the region
        overlaps (exact overlap area above 1% of the pixel, so that the
        round-off of sky conversions and region files does not count; annuli
        use pixel centres, a point region its pixel); ``'centre'``, the bins
        whose pixel centroid (`pixbin.BinMap.centroid`) is inside the region.
    label : str, optional
        Label of the subset group (default ``'region bins'``).

    Returns
    -------
    subset_group : `~glue.core.subset_group.SubsetGroup`
        Selects the whole bins, on the bin map and on every dataset linked
        to it (their pixels, all bands or wavelengths).

    Raises
    ------
    TypeError
        If ``region`` is not a region, a list of regions or a path.
    ValueError
        If ``data`` has no bin map, ``rule`` is unknown, a sky region is
        given for a bin map without WCS, or ``data`` is on another grid
        without a celestial WCS.

    Examples
    --------
    The bins that a circle touches, on a 40 x 40 mock galaxy binned in glue:

    >>> from glue.core import Data, DataCollection
    >>> from regions import CirclePixelRegion, PixCoord
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> data = Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')
    >>> dc = DataCollection([data])
    >>> bins = pixbin_glue.bin_data(dc, data, snr=[10] * 7 + [0] * 5, unit=cube.unit,
    ...                             ref_band=4, min_diameter=3)
    >>> group = pixbin_glue.region_to_subset(dc, CirclePixelRegion(PixCoord(20, 20), 4), data)
    >>> pixbin_glue.bins_in_subset(group).tolist()
    [1, 2, 7, 9, 13, 14, 18, 19, 21, 22, 28, 30, 39]
    """
    binmap_data = _find_binmap(data_collection, data)
    binmap = binmap_from_data(binmap_data)
    regions = _as_regions(region)
    wcs = _on_other_grid(binmap_data, data)
    if wcs is not None:
        regions = _pixel_to_sky(regions, wcs)
    ids = region_bins(binmap, regions, rule=rule)
    state = bins_subset_state(binmap_data, ids)
    return data_collection.new_subset_group(label=label or 'region bins', subset_state=state)


def subset_to_regions(subset, *, sky=False, binmap_data=None):
    """
    The outlines of the bins in a subset, as astropy-regions polygons.

    Parameters
    ----------
    subset : `~glue.core.subset.Subset` or `~glue.core.subset_group.SubsetGroup`
        A subset on a bin-map dataset (or a group with one).  Every bin that
        the subset touches is given whole.
    sky : bool, optional
        Sky regions (through the bin map's WCS) instead of pixel regions.
    binmap_data : `~glue.core.data.Data`, optional
        The bin map, when the group spans several.

    Returns
    -------
    regions : `~regions.Regions`
        One polygon (or compound region, for bins with holes) per bin, with
        ``meta['label'] = 'bin <id>'`` (`pixbin.BinMap.to_regions`).

    Examples
    --------
    The outlines of two bins selected in glue:

    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')])
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit, ref_band=4)
    >>> group = dc.new_subset_group('bins 3 and 5', (bins.id['bin'] == 3) | (bins.id['bin'] == 5))
    >>> regions = pixbin_glue.subset_to_regions(group)
    >>> [(type(region).__name__, region.meta['label']) for region in regions]
    [('PolygonPixelRegion', 'bin 3'), ('PolygonPixelRegion', 'bin 5')]
    """
    ids = bins_in_subset(subset, binmap_data)
    binmap = binmap_from_data(subset_on(subset, binmap_data).data)
    return binmap.to_regions(ids, sky=sky)


def write_subset_regions(subset, path, *, sky=None, binmap_data=None, overwrite=False):
    """
    Write the outlines of the bins in a subset to a ds9 or CRTF region file.

    The format comes from the extension (``.crtf``: CRTF, else ds9).  A bin
    with holes is written as its outline plus excluded hole polygons, since
    these formats have no compound regions (`pixbin.BinMap.to_regions` with
    ``flat=True``).  Sky regions by default when the bin map has a WCS.  The
    file is written atomically.

    Parameters
    ----------
    subset : `~glue.core.subset.Subset` or `~glue.core.subset_group.SubsetGroup`
        A subset on a bin-map dataset (or a group with one).
    path : str or path-like
        The region file.
    sky : bool, optional
        Sky or pixel coordinates (default: sky when there is a WCS).
    binmap_data : `~glue.core.data.Data`, optional
        The bin map, when the group spans several.
    overwrite : bool, optional
        Replace an existing file.

    Returns
    -------
    regions : `~regions.Regions`
        The regions written.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.

    Examples
    --------
    The outline of one bin selected in glue, written to a ds9 file:

    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')])
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit, ref_band=4)
    >>> group = dc.new_subset_group('bin 3', bins.id['bin'] == 3)
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'bins.reg')
    >>> len(pixbin_glue.write_subset_regions(group, path))
    1
    >>> with open(path) as handle:
    ...     handle.read().splitlines()[:3]
    ['# Region file format: DS9 astropy/regions', 'global text={bin 3}', 'image']
    """
    from pixbin.io._atomic import atomic_path

    binmap = binmap_from_data(subset_on(subset, binmap_data).data)
    if sky is None:
        sky = binmap.wcs is not None
    regions = binmap.to_regions(bins_in_subset(subset, binmap_data), sky=sky, flat=True)
    path = os.fspath(path)
    with atomic_path(path, overwrite=overwrite) as tmp:
        regions.write(tmp, format=region_file_format(path), overwrite=True)
    return regions
