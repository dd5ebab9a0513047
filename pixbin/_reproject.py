# Licensed under a 3-clause BSD style license - see LICENSE
"""
Bin maps carried to other celestial pixel grids (`pixbin.BinMap.reproject`),
and pixel scales of any celestial WCS.
"""

import numbers

import astropy.units as u
import numpy as np
from astropy.wcs import WCS

from ._validation import celestial_wcs

__all__ = []

#: Target points handled at a time (sub-pixels), to bound memory.
_CHUNK_POINTS = 1 << 20


def high_level(wcs):
    """``wcs`` with the high-level APE-14 API (``pixel_to_world``, ``world_to_pixel``)."""
    if hasattr(wcs, 'pixel_to_world') and hasattr(wcs, 'world_to_pixel'):
        return wcs
    from astropy.wcs.wcsapi import HighLevelWCSWrapper
    return HighLevelWCSWrapper(wcs)


def pixel_scale(wcs, at=None):
    """
    Mean pixel scale of a 2-D celestial WCS, as an angle (Quantity).

    An astropy `~astropy.wcs.WCS` gives the scale of its projection plane
    (`~astropy.wcs.utils.proj_plane_pixel_scales`, exact for linear
    transforms); any other APE-14 WCS the separations on the sky from pixel
    ``at`` (default: the grid centre, or pixel (0, 0) when the WCS does not
    know its shape) to its neighbours in x and y.

    Raises
    ------
    ValueError
        If the WCS gives no sky positions there.
    """
    if isinstance(wcs, WCS):
        from astropy.wcs.utils import proj_plane_pixel_scales
        scales = proj_plane_pixel_scales(wcs) * u.Unit(wcs.wcs.cunit[0] or 'deg')
        return np.mean(scales).to(u.deg)
    wcs = high_level(wcs)
    if at is None:
        shape = getattr(getattr(wcs, 'low_level_wcs', wcs), 'pixel_shape', None)
        at = (0.0, 0.0) if shape is None else ((shape[0] - 1) / 2, (shape[1] - 1) / 2)
    x0, y0 = at
    try:
        sky = wcs.pixel_to_world(np.array([x0, x0 + 1, x0]), np.array([y0, y0, y0 + 1]))
        sep = sky[0].separation(sky[1:])
    except (AttributeError, TypeError, ValueError) as exc:
        raise ValueError(f'the WCS ({type(wcs).__name__}) gives no sky positions near pixel '
                         f'({x0}, {y0}) to measure its pixel scale: {exc}') from None
    if not np.all(np.isfinite(sep)) or np.any(sep <= 0 * u.deg):
        raise ValueError(f'the WCS ({type(wcs).__name__}) gives no usable pixel scale near '
                         f'pixel ({x0}, {y0})')
    return np.mean(sep).to(u.deg)


def default_supersample(source_wcs, source_shape, target_wcs, target_shape):
    """
    Sub-pixels per target pixel side: the smallest odd number >= ``3 * target
    scale / source scale``.

    Sub-pixels are then at most a third of a source pixel across; an odd
    number keeps the target pixel centre among the samples and avoids the
    even splits (ties) that an even number gives at straight bin edges.
    """
    sy, sx = source_shape
    ty, tx = target_shape
    ratio = (pixel_scale(target_wcs, ((tx - 1) / 2, (ty - 1) / 2))
             / pixel_scale(source_wcs, ((sx - 1) / 2, (sy - 1) / 2))).to_value(u.one)
    k = max(1, int(np.ceil(3 * ratio - 1e-9)))
    return k + 1 - k % 2


def _majority(votes):
    """
    The label of each row of ``votes`` (npix, K) covering most of the row, 0 if
    more than half of the row is 0 (ties to the lower label).
    """
    npix, k = votes.shape
    ordered = np.sort(votes, axis=1)
    flat = ordered.ravel()
    start = np.ones(flat.size, bool)
    start[1:] = flat[1:] != flat[:-1]
    start[::k] = True                                   # each row starts a run
    first = np.flatnonzero(start)
    length = np.diff(np.append(first, flat.size))
    row = first // k
    label = flat[first]
    zeros = np.zeros(npix, np.int64)
    np.add.at(zeros, row[label == 0], length[label == 0])
    keep = label > 0
    row, label, length = row[keep], label[keep], length[keep]
    # best run of each row: longest, then lowest label (runs are in label order)
    order = np.lexsort((label, -length, row))
    row, label = row[order], label[order]
    head = np.ones(row.size, bool)
    head[1:] = row[1:] != row[:-1]
    result = np.zeros(npix, votes.dtype)
    result[row[head]] = label[head]
    result[2 * zeros > k] = 0
    return result


def _target_box(labels, src, dst, shape):
    """
    Slices of the target grid that can see a bin: the bounding box of the outline
    of the source grid's binned pixels, mapped to the target grid (plus a pixel).

    The whole grid when the outline does not map everywhere (e.g. beyond the
    edge of a projection).
    """
    ny, nx = shape
    rows = np.flatnonzero(labels.any(axis=1))
    cols = np.flatnonzero(labels.any(axis=0))
    if rows.size == 0:
        return slice(0, 0), slice(0, 0)
    y0, y1 = rows[0] - 0.5, rows[-1] + 0.5
    x0, x1 = cols[0] - 0.5, cols[-1] + 0.5
    n = 4 * (int(max(y1 - y0, x1 - x0)) + 1)        # outline points, 4 per pixel side
    t = np.linspace(0.0, 1.0, n)
    x = np.concatenate([x0 + (x1 - x0) * t, np.full(n, x1), x1 - (x1 - x0) * t, np.full(n, x0)])
    y = np.concatenate([np.full(n, y0), y0 + (y1 - y0) * t, np.full(n, y1), y1 - (y1 - y0) * t])
    try:
        tx, ty = (np.asarray(v) for v in dst.world_to_pixel(src.pixel_to_world(x, y)))
    except (ValueError, TypeError):
        return slice(0, ny), slice(0, nx)
    if not (np.all(np.isfinite(tx)) and np.all(np.isfinite(ty))):
        return slice(0, ny), slice(0, nx)
    box_y = slice(int(np.clip(np.floor(ty.min() + 0.5) - 1, 0, ny)),
                  int(np.clip(np.floor(ty.max() + 0.5) + 2, 0, ny)))
    box_x = slice(int(np.clip(np.floor(tx.min() + 0.5) - 1, 0, nx)),
                  int(np.clip(np.floor(tx.max() + 0.5) + 2, 0, nx)))
    return box_y, box_x


def reproject_labels(labels, source_wcs, target_wcs, shape, supersample):
    """
    Labels of the target grid by majority vote of ``supersample**2`` sub-pixels.

    Each target pixel is split into ``k x k`` sub-pixels whose centres go to
    the sky with ``target_wcs`` and onto the source grid with ``source_wcs``;
    each takes the label of the source pixel it falls in (0 outside the grid).
    Only the target pixels near the binned part of the source grid are
    computed; the others are 0.
    """
    k = supersample
    ny, nx = shape
    sy, sx = labels.shape
    src = high_level(source_wcs)
    dst = high_level(target_wcs)
    offsets = (np.arange(k) + 0.5) / k - 0.5
    dy, dx = (a.ravel() for a in np.meshgrid(offsets, offsets, indexing='ij'))
    out = np.zeros(shape, labels.dtype)
    box_y, box_x = _target_box(labels, src, dst, shape)
    by, bx = box_y.stop - box_y.start, box_x.stop - box_x.start
    if by <= 0 or bx <= 0:
        return out
    box = np.zeros(by * bx, labels.dtype)
    pixels_per_chunk = max(1, _CHUNK_POINTS // (k * k))
    for begin in range(0, by * bx, pixels_per_chunk):
        index = np.arange(begin, min(begin + pixels_per_chunk, by * bx))
        py, px = np.divmod(index, bx)
        py = py + box_y.start
        px = px + box_x.start
        x = (px[:, np.newaxis] + dx).ravel()
        y = (py[:, np.newaxis] + dy).ravel()
        world = dst.pixel_to_world(x, y)
        fx, fy = src.world_to_pixel(world)
        with np.errstate(invalid='ignore'):
            ix = np.floor(np.asarray(fx) + 0.5)
            iy = np.floor(np.asarray(fy) + 0.5)
            inside = (ix >= 0) & (ix < sx) & (iy >= 0) & (iy < sy)   # False for NaN
        votes = np.zeros(x.size, labels.dtype)
        votes[inside] = labels[iy[inside].astype(np.intp), ix[inside].astype(np.intp)]
        box[index] = _majority(votes.reshape(index.size, k * k))
    out[box_y, box_x] = box.reshape(by, bx)
    return out


def _check_shape(shape, wcs):
    if shape is None:
        shape = getattr(getattr(wcs, 'low_level_wcs', wcs), 'array_shape', None)
        if shape is None:
            raise ValueError('shape is required: the target wcs does not know its array shape '
                             '(give shape=(ny, nx))')
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f'shape must be a pair of positive integers (ny, nx), got '
                        f'{shape!r}') from None
    if len(shape) != 2 or not all(isinstance(n, numbers.Integral) and
                                  not isinstance(n, (bool, np.bool_)) and n > 0
                                  for n in shape):
        raise ValueError(f'shape must be a pair of positive integers (ny, nx), got {shape!r}')
    return tuple(int(n) for n in shape)


def reproject_binmap(bm, wcs, shape=None, supersample=None):
    """
    The labels of `pixbin.BinMap.reproject`: ``(labels, wcs, meta)`` on the target grid.
    """
    if bm.wcs is None:
        raise ValueError('this bin map has no WCS: reproject needs the sky position of its '
                         'pixels')
    if wcs is None:
        raise TypeError('wcs must be a celestial WCS of the target grid, got None')
    target = celestial_wcs(wcs, 'wcs')
    if isinstance(target, WCS) and not target.has_celestial:
        raise ValueError(f'wcs must be a celestial WCS of the target grid, got one with axes '
                         f'{", ".join(target.wcs.ctype)}')
    shape = _check_shape(shape, target)
    if supersample is None:
        supersample = default_supersample(bm.wcs, bm.shape, target, shape)
    elif isinstance(supersample, (bool, np.bool_)) or \
            not isinstance(supersample, numbers.Integral) or supersample < 1:
        raise ValueError(f'supersample must be a positive integer, got {supersample!r}')
    labels = reproject_labels(np.asarray(bm.labels), bm.wcs, target, shape, int(supersample))
    # Bins that cover no target pixel are dropped: number the others 1..n in order.
    present = np.flatnonzero(np.bincount(labels.ravel(), minlength=bm.nbins + 1)[1:]) + 1
    table = np.zeros(bm.nbins + 1, labels.dtype)
    table[present] = np.arange(1, present.size + 1)
    meta = {'source_bin_ids': present, 'supersample': int(supersample),
            'reprojected_from_shape': bm.shape}
    return table[labels], target, meta
