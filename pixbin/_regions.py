# Licensed under a 3-clause BSD style license - see LICENSE
"""
Bin outlines: line segments for figures, astropy-regions polygons, region files.
"""

import os
from collections import defaultdict

import numpy as np

from ._validation import check_bin_ids

__all__ = []

# Directions of boundary edges: +x, +y, -x, -y (counter-clockwise order).
_STEP = ((1, 0), (0, 1), (-1, 0), (0, -1))


def outline_segments(labels):
    """
    Line segments along the pixel edges between different labels.

    Parameters
    ----------
    labels : array-like of int, shape (ny, nx)
        Label image.

    Returns
    -------
    segments : ndarray, shape (n, 2, 2)
        ``[[x0, y0], [x1, y1]]`` in pixel coordinates (pixel centres at
        integers), for a `~matplotlib.collections.LineCollection`: the
        vertical edges, then the horizontal ones.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin_glue.viewers import outline_segments
    >>> segments = outline_segments(np.array([[1, 1, 2],
    ...                                       [0, 1, 2]]))
    >>> segments.shape                          # 3 vertical edges, 1 horizontal
    (4, 2, 2)
    >>> segments[-1].tolist()                   # between pixels (0, 0) and (0, 1)
    [[-0.5, 0.5], [0.5, 0.5]]
    """
    labels = np.asarray(labels)
    ys, xs = np.nonzero(labels[:, 1:] != labels[:, :-1])   # vertical edges
    vertical = np.stack([np.stack([xs + 0.5, ys - 0.5], -1),
                         np.stack([xs + 0.5, ys + 0.5], -1)], 1)
    ys, xs = np.nonzero(labels[1:, :] != labels[:-1, :])   # horizontal edges
    horizontal = np.stack([np.stack([xs - 0.5, ys + 0.5], -1),
                           np.stack([xs + 0.5, ys + 0.5], -1)], 1)
    return np.concatenate([vertical, horizontal]).astype(float)


def _boundary_edges(labels):
    """
    Directed boundary edges of every bin, with the bin on their left.

    Returns arrays (label, x0, y0, direction) with (x0, y0) the start corner in
    corner indices (pixel (y, x) spans corners x..x+1, y..y+1).
    """
    padded = np.pad(labels, 1)
    inner = padded[1:-1, 1:-1]
    out = []
    # (neighbour offset dy, dx), edge start corner offset (cx, cy), direction
    sides = (((-1, 0), (0, 0), 0),    # bottom side, moving +x
             ((0, 1), (1, 0), 1),     # right side, moving +y
             ((1, 0), (1, 1), 2),     # top side, moving -x
             ((0, -1), (0, 1), 3))    # left side, moving -y
    ny, nx = labels.shape
    for (dy, dx), (cx, cy), direction in sides:
        neighbour = padded[1 + dy:1 + dy + ny, 1 + dx:1 + dx + nx]
        ys, xs = np.nonzero((inner > 0) & (neighbour != inner))
        out.append((inner[ys, xs], xs + cx, ys + cy, np.full(ys.size, direction)))
    return [np.concatenate(parts) for parts in zip(*out)]


def _loops(x0, y0, direction):
    """
    Link the edges of one bin into closed loops of corner coordinates.

    At a corner where two pixels of the bin touch only diagonally, the loop
    turns left, so that such pixels are not joined (4-connectivity).
    """
    outgoing = defaultdict(list)
    for i, (x, y) in enumerate(zip(x0.tolist(), y0.tolist())):
        outgoing[(x, y)].append(i)
    used = np.zeros(x0.size, bool)
    loops = []
    for start in range(x0.size):
        if used[start]:
            continue
        loop = []
        edge = start
        while not used[edge]:
            used[edge] = True
            x, y, d = int(x0[edge]), int(y0[edge]), int(direction[edge])
            loop.append((x, y))
            end = (x + _STEP[d][0], y + _STEP[d][1])
            choices = [e for e in outgoing[end] if not used[e]]
            if not choices:
                break
            # prefer left turn, then straight on, then right turn
            rank = {(d + 1) % 4: 0, d: 1, (d + 3) % 4: 2}
            edge = min(choices, key=lambda e: rank.get(int(direction[e]), 3))
        loops.append(np.array(loop, dtype=float))
    return loops


def _simplify(loop):
    """Drop corners where the outline goes straight on."""
    prev = np.roll(loop, 1, axis=0)
    nxt = np.roll(loop, -1, axis=0)
    cross = (loop[:, 0] - prev[:, 0]) * (nxt[:, 1] - loop[:, 1]) - \
        (loop[:, 1] - prev[:, 1]) * (nxt[:, 0] - loop[:, 0])
    return loop[cross != 0]


def _signed_area(loop):
    x, y = loop[:, 0], loop[:, 1]
    return 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)


def bin_outlines(labels):
    """
    Outline polygons of every bin.

    Returns
    -------
    outlines : dict
        ``{bin_id: (exteriors, holes)}``, each a list of (n, 2) arrays of
        vertices ``(x, y)`` in pixel coordinates (pixel centres are integers,
        so corners are at half-integers).
    """
    labels = np.asarray(labels)
    lab, x0, y0, direction = _boundary_edges(labels)
    order = np.argsort(lab, kind='stable')
    lab, x0, y0, direction = lab[order], x0[order], y0[order], direction[order]
    bounds = np.flatnonzero(np.diff(lab)) + 1
    outlines = {}
    for part in np.split(np.arange(lab.size), bounds):
        if part.size == 0:
            continue
        exteriors, holes = [], []
        for loop in _loops(x0[part], y0[part], direction[part]):
            loop = _simplify(loop) - 0.5
            (exteriors if _signed_area(loop) > 0 else holes).append(loop)
        outlines[int(lab[part[0]])] = (exteriors, holes)
    return outlines


def binmap_regions(binmap, bin_ids=None, sky=False):
    """Implementation of `pixbin.BinMap.to_regions`."""
    from regions import PixCoord, PolygonPixelRegion, Regions
    if sky and binmap.wcs is None:
        raise ValueError('sky regions need a WCS, and this bin map has none')
    ids = binmap.bin_ids if bin_ids is None else check_bin_ids(bin_ids, binmap.nbins)
    outlines = bin_outlines(binmap.labels)
    regions = []
    for i in ids.tolist():
        exteriors, holes = outlines[i]
        parts = [PolygonPixelRegion(PixCoord(loop[:, 0], loop[:, 1])) for loop in exteriors]
        region = parts[0]
        for part in parts[1:]:
            region = region | part
        for loop in holes:
            region = region ^ PolygonPixelRegion(PixCoord(loop[:, 0], loop[:, 1]))
        if sky:
            region = region.to_sky(binmap.wcs)
        region.meta['label'] = region.meta['text'] = f'bin {i}'
        regions.append(region)
    return Regions(regions)


def flat_regions(regions):
    """
    Regions without compound regions, for files (ds9, CRTF) that cannot store them.

    A bin with holes becomes its outline polygon(s) plus its holes as excluded
    polygons (``meta['include'] = 0``, as the regions package reads ds9's
    excluded regions), all with
    the bin's label.
    """
    import operator

    from regions import CompoundPixelRegion, CompoundSkyRegion, Regions
    flat = []

    def walk(region, include, label):
        if isinstance(region, (CompoundPixelRegion, CompoundSkyRegion)):
            walk(region.region1, include, label)
            walk(region.region2, include if region.operator is operator.or_ else not include,
                 label)
            return
        region = region.copy()
        region.meta['text'] = label
        if not include:
            region.meta['include'] = 0
        flat.append(region)

    for region in regions:
        walk(region, True, region.meta.get('text', region.meta.get('label', '')))
    return Regions(flat)


def region_file_format(path):
    """The astropy-regions format of a region file: ``'crtf'`` for ``.crtf``, else ``'ds9'``."""
    return 'crtf' if os.fspath(path).lower().endswith('.crtf') else 'ds9'


def read_region_file(path):
    """
    Read a ds9 or CRTF region file (the format from `region_file_format`).

    Parameters
    ----------
    path : str or path-like
        The region file.

    Returns
    -------
    regions : `~regions.Regions`
    """
    from regions import Regions
    path = os.fspath(path)
    return Regions.read(path, format=region_file_format(path))
