# Licensed under a 3-clause BSD style license - see LICENSE
"""
How a bin-map dataset is saved in a glue session, compactly.

glue saves a plain `~glue.core.component.Component` as its whole array
(``np.save`` in base64).  A bin map's per-pixel components (mean flux, S/N,
number of pixels, ... of each pixel's bin) are one value per bin painted on
the pixel grid; written so, they cost one full image each, and the spectra
of the bins (one per bin) cost far more than the labels.  The two components
here use glue's own hook for custom objects (``__gluestate__`` and
``__setgluestate__``, see `glue.core.state`):

`BinLabelsComponent`
    The ``bin`` component.  It keeps the labels and the exact per-bin state
    of the `~pixbin.BinMap` (summed flux and its uncertainty, covariance,
    spectra, IFU footprint, WCS; see ``_binmap_data._exact_state``) and saves
    both once, each array byte-shuffled and zlib-compressed (lossless: the
    restored arrays are bit for bit the same).
`BinValueComponent`
    Every other per-pixel component.  It saves only what it shows (e.g.
    ``('snr', 2)``) and the ``bin`` component it comes from; on restore it is
    rebuilt from that component's labels and per-bin tables by the same code
    that made it (`pixbin.BinMap.pixel_map`).
`BroadcastLabelsComponent`
    The labels broadcast over a linked cube's grid (no copy); saved as a
    reference to the ``bin`` component, not as the cube-sized array.

The class paths (``pixbin_glue._session.BinLabelsComponent``, ...) are written
in session files: keep them.
"""

import base64
import weakref
import zlib

import numpy as np
from glue.core import Component

__all__ = ['BinLabelsComponent', 'BinValueComponent', 'BroadcastLabelsComponent', 'pack_array',
           'unpack_array']

#: zlib level of the packed arrays: 1 compresses float data nearly as well as 6,
#: in a third of the time.
ZLIB_LEVEL = 1
PACKED = 'pixbin_packed_array'


def pack_array(array):
    """
    A JSON-able dict of an array: its bytes, shuffled and zlib-compressed, in base64.

    The bytes are grouped by their position in the item (all first bytes, all
    second bytes, ...), which lets zlib compress the exponents and the low
    bytes of float sums.  `unpack_array` gives the same array, bit for bit.

    Examples
    --------
    >>> import numpy as np
    >>> from pixbin_glue._session import pack_array, unpack_array
    >>> a = np.linspace(0.0, 1.0, 1000)
    >>> packed = pack_array(a)
    >>> len(packed['data']) < a.nbytes
    True
    >>> np.array_equal(unpack_array(packed), a)
    True
    """
    array = np.ascontiguousarray(array)
    if array.dtype.hasobject:
        raise TypeError(f'cannot pack an array of dtype {array.dtype}')
    raw = array.view(np.uint8).reshape(-1, array.dtype.itemsize).T.tobytes() \
        if array.size else b''
    return {PACKED: 1, 'dtype': array.dtype.str, 'shape': list(array.shape),
            'data': base64.b64encode(zlib.compress(raw, ZLIB_LEVEL)).decode('ascii')}


def unpack_array(packed):
    """The array of a `pack_array` dict."""
    dtype = np.dtype(packed['dtype'])
    shape = tuple(int(n) for n in packed['shape'])
    raw = np.frombuffer(zlib.decompress(base64.b64decode(packed['data'])), dtype=np.uint8)
    size = int(np.prod(shape, dtype=np.int64))
    if raw.size != size * dtype.itemsize:
        raise ValueError(f'packed array of shape {shape} and dtype {dtype} holds {raw.size} '
                         f'bytes')
    return np.ascontiguousarray(raw.reshape(dtype.itemsize, size).T).view(dtype).reshape(shape)


def _pack_tree(value, context):
    """``value`` (dicts, lists, arrays, numbers, str) with every array packed."""
    if isinstance(value, dict):
        return {str(k): _pack_tree(v, context) for k, v in value.items()}
    if isinstance(value, np.ndarray) and not value.dtype.hasobject:
        return pack_array(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_pack_tree(v, context) for v in value]
    return value


def _unpack_tree(value):
    if isinstance(value, dict):
        if value.get(PACKED) == 1:
            return unpack_array(value)
        return {k: _unpack_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpack_tree(v) for v in value]
    return value


def _logged(component, context):
    """glue's reference to a file's load log, when the session does not hold data."""
    if not context.include_data and hasattr(component, '_load_log'):
        log = component._load_log
        return dict(log=context.id(log), log_item=log.id(component))
    return None


def _from_log(rec, context):
    if 'log' in rec:
        return context.object(rec['log']).component(rec['log_item'])
    return None


class BinLabelsComponent(Component):
    """
    The ``bin`` component of a bin-map dataset: the labels, and the exact
    per-bin state of the `~pixbin.BinMap` in ``exact`` (saved with them).

    ``binmap`` is the `~pixbin.BinMap` itself once made or rebuilt (see
    `pixbin_glue.binmap_from_data`); it is not saved, ``exact`` is.
    """

    def __init__(self, labels, exact=None, binmap=None):
        super().__init__(np.asarray(labels))
        self.exact = exact
        self.binmap = binmap
        self._values = None

    def __gluestate__(self, context):
        logged = _logged(self, context)
        if logged is not None:
            return logged
        # glue's serializer goes over every object until no new one turns up
        # (two passes or more): pack once per serializer
        saved = getattr(self, '_saved', None)
        if saved is not None and saved[0]() is context:
            return saved[1]
        state = dict(self.exact) if self.exact is not None else None
        labels = np.asarray(self.data)
        spec = None if state is None else state.get('spec_labels')
        if spec is not None and np.array_equal(spec, np.where(spec > 0, labels, 0)):
            # the bin of a pixel with a spectrum is its own bin: a mask is enough
            state['spec_labels'] = {'in_bin': pack_array(np.asarray(spec) > 0)}
        result = {'labels': pack_array(labels), 'exact': _pack_tree(state, context)}
        self._saved = (weakref.ref(context), result)
        return dict(result)

    @classmethod
    def __setgluestate__(cls, rec, context):
        logged = _from_log(rec, context)
        if logged is not None:
            return logged
        labels = unpack_array(rec['labels'])
        exact = _unpack_tree(rec['exact'])
        spec = None if exact is None else exact.get('spec_labels')
        if isinstance(spec, dict):
            exact['spec_labels'] = np.where(spec['in_bin'], labels, 0)
        return cls(labels, exact)

    def pixel_values(self, kind, band=None):
        """
        The per-pixel image of ``kind`` ('npix', 'mean_flux', 'mean_flux_err',
        'snr' of ``band``, or 'spec_bin'), from the labels and ``exact``.
        """
        if kind == 'spec_bin':
            return np.asarray(self.exact['spec_labels'])
        if self._values is None:
            import astropy.units as u

            from pixbin import BinMap
            labels = np.asarray(self.data)
            nbins = int(labels.max(initial=0))
            unit = u.Unit(self.exact['flux_unit'])
            flux, err = (_per_bin(self.exact[key], nbins) * unit for key in ('flux', 'flux_err'))
            self._values = BinMap(labels, flux=flux, flux_err=err)
        binmap = self._values
        if kind == 'npix':
            return binmap.pixel_map(binmap.npix, fill_value=0)
        values = {'mean_flux': binmap.mean_flux, 'mean_flux_err': binmap.mean_flux_err,
                  'snr': binmap.snr}[kind]
        return binmap.pixel_map(np.asarray(getattr(values, 'value', values))[:, band])


def _per_bin(values, nbins):
    """A saved per-bin table as an array (nbins, nbands); (0, nbands) for no bin."""
    values = np.asarray(values, dtype=float)
    return values if values.ndim == 2 else values.reshape(nbins, -1)


class BinValueComponent(Component):
    """
    A per-pixel component of a bin-map dataset: one value per bin (``kind``
    of ``band``) painted on the pixels of each bin; saved as a reference to
    the ``bin`` component and rebuilt from it.
    """

    def __init__(self, bins, kind, band=None, values=None, units=None):
        if values is None:
            values = bins.pixel_values(kind, band)
        super().__init__(np.asarray(values), units=units)
        self.bins, self.kind, self.band = bins, kind, band

    def __gluestate__(self, context):
        logged = _logged(self, context)
        if logged is not None:
            return logged
        return {'bins': context.id(self.bins), 'kind': self.kind, 'band': self.band,
                'units': self._units}

    @classmethod
    def __setgluestate__(cls, rec, context):
        logged = _from_log(rec, context)
        if logged is not None:
            return logged
        return cls(context.object(rec['bins']), rec['kind'], rec['band'],
                   units=rec['units'])


class BroadcastLabelsComponent(Component):
    """
    The labels of a bin map broadcast over the grid of another dataset (a
    cube, the spectra), without a copy: the ``bin`` component that
    `pixbin_glue.link_binmap` gives the datasets on the bin map's grid.
    Saved as a reference to the bin map's `BinLabelsComponent`, the shape and
    the two axes of the grid, not as the broadcast array.

    Parameters
    ----------
    bins : `BinLabelsComponent`
        The ``bin`` component of the bin map.
    shape : tuple of int
        Shape of the other dataset.
    axes : (int, int)
        Its array axes of the bin map's rows and columns.
    """

    def __init__(self, bins, shape, axes):
        labels = np.asarray(bins.data)
        grid = [1] * len(shape)
        grid[axes[0]], grid[axes[1]] = labels.shape
        super().__init__(np.broadcast_to(labels.reshape(grid), tuple(shape)))
        self.bins, self.axes = bins, (int(axes[0]), int(axes[1]))

    def __gluestate__(self, context):
        return {'bins': context.id(self.bins), 'shape': [int(n) for n in self.shape],
                'axes': list(self.axes)}

    @classmethod
    def __setgluestate__(cls, rec, context):
        return cls(context.object(rec['bins']), rec['shape'], rec['axes'])
