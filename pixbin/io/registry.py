# Licensed under a 3-clause BSD style license - see LICENSE
"""
Connect `~pixbin.BinMap` to its file formats (astropy's ``connect`` pattern).

Importing this module (``import pixbin`` does) registers the ``'pixbin'``
format of `pixbin.io.write_binmap` in the `~pixbin.BinMap` I/O registry
(`pixbin._unified_io`): read, write, and identification by a ``BIN_MAP`` or
``PHOTO_BIN_MAP`` extension.
"""

import os

from .._unified_io import binmap_registry
from ..binmap import BinMap
from .binmap_fits import is_binmap_file, read_binmap, write_binmap

__all__ = []


def _read(path, **kwargs):
    return read_binmap(path, **kwargs)


def _write(binmap, path, **kwargs):
    write_binmap(binmap, path, **kwargs)


def _identify(origin, path, fileobj, *args, **kwargs):
    if path is None or not isinstance(path, (str, os.PathLike)):
        return False
    if origin == 'write':
        return str(path).lower().endswith(('.fits', '.fit', '.fts', '.fits.gz'))
    return is_binmap_file(path)


binmap_registry.register_reader('pixbin', BinMap, _read)
binmap_registry.register_writer('pixbin', BinMap, _write)
binmap_registry.register_identifier('pixbin', BinMap, _identify)
