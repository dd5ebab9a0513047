# Licensed under a 3-clause BSD style license - see LICENSE
"""
`BinMap.read` and `BinMap.write` through the astropy unified I/O registry.

pixbin keeps its own `~astropy.io.registry.UnifiedIORegistry`, with one format
so far, ``'pixbin'`` (the FITS layout of `pixbin.io.write_binmap`, identified
by a ``BIN_MAP`` or ``PHOTO_BIN_MAP`` extension).
"""

import os

from astropy.io import registry

__all__ = ['BinMapRead', 'BinMapWrite', 'binmap_registry']

#: The I/O registry of `~pixbin.BinMap`.
binmap_registry = registry.UnifiedIORegistry()


class BinMapRead(registry.UnifiedReadWrite):
    """
    Read a `~pixbin.BinMap` from a file.

    ``BinMap.read(path, format=None)``: the format is identified from the file
    (``'pixbin'``: pixbin's or piXedfit's bin-map FITS files).

    Examples
    --------
    >>> import os, tempfile
    >>> import pixbin
    >>> from pixbin import BinMap
    >>> bm = pixbin.bin_pixels(pixbin.datasets.make_mock_galaxy(shape=(40, 40)), snr=10)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, 'bins.fits')
    ...     bm.write(path)
    ...     BinMap.read(path).nbins == bm.nbins
    True
    """

    def __init__(self, instance, cls):
        super().__init__(instance, cls, 'read', registry=binmap_registry)

    def __call__(self, *args, **kwargs):
        try:
            return self.registry.read(self._cls, *args, **kwargs)
        except registry.IORegistryError as exc:
            if kwargs.get('format') is None and len(args) == 1 and \
                    isinstance(args[0], (str, os.PathLike)):
                # Not identified as a bin map: read_binmap says why (no such
                # file, not FITS, truncated, no BIN_MAP extension...).
                from .binmap_fits import read_binmap
                return read_binmap(args[0], **kwargs)
            raise ValueError(f'BinMap.read: {exc}') from None


class BinMapWrite(registry.UnifiedReadWrite):
    """
    Write a `~pixbin.BinMap` to a file.

    ``bm.write(path, format='pixbin', overwrite=False)``; see
    `pixbin.io.write_binmap`.
    """

    def __init__(self, instance, cls):
        super().__init__(instance, cls, 'write', registry=binmap_registry)

    def __call__(self, *args, **kwargs):
        try:
            self.registry.write(self._instance, *args, **kwargs)
        except registry.IORegistryError as exc:
            if kwargs.get('format') is None and args and isinstance(args[0], (str, os.PathLike)):
                raise ValueError(f'{os.fspath(args[0])}: cannot tell the file format from the '
                                 f'name; use a .fits name (.fits, .fit, .fts, .fits.gz) or pass '
                                 f"format='pixbin'") from None
            raise ValueError(f'BinMap.write: {exc}') from None


def _read(path, **kwargs):
    from .binmap_fits import read_binmap
    return read_binmap(path, **kwargs)


def _write(binmap, path, **kwargs):
    from .binmap_fits import write_binmap
    write_binmap(binmap, path, **kwargs)


def _identify(origin, path, fileobj, *args, **kwargs):
    if path is None or not isinstance(path, (str, os.PathLike)):
        return False
    if origin == 'write':
        return str(path).lower().endswith(('.fits', '.fit', '.fts', '.fits.gz'))
    from .binmap_fits import is_binmap_file
    return is_binmap_file(path)


def _register():
    from ..binmap import BinMap
    binmap_registry.register_reader('pixbin', BinMap, _read)
    binmap_registry.register_writer('pixbin', BinMap, _write)
    binmap_registry.register_identifier('pixbin', BinMap, _identify)
