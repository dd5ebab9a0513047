# Licensed under a 3-clause BSD style license - see LICENSE
"""
`BinMap.read` and `BinMap.write` through an astropy unified I/O registry.

This module knows no file format: `pixbin.io.registry` registers the readers,
writers and identifiers (as astropy's ``connect`` modules do), so that the
data flow goes one way: `~pixbin.BinMap` here, file formats in `pixbin.io`.
"""

import os

from astropy.io import registry

__all__ = ['BinMapRead', 'BinMapWrite', 'binmap_registry']

#: The I/O registry of `~pixbin.BinMap` (filled by `pixbin.io.registry`).
binmap_registry = registry.UnifiedIORegistry()


def _only_format(cls, mode):
    """The one format registered for ``cls`` in ``mode``, or None."""
    formats = binmap_registry.get_formats(cls, mode.capitalize())
    return formats['Format'][0] if len(formats) == 1 else None


class BinMapRead(registry.UnifiedReadWrite):
    """
    Read a `~pixbin.BinMap` from a file.

    ``BinMap.read(path, format=None)``: the format is identified from the file
    (``'pixbin'``: pixbin's or piXedfit's bin-map FITS files).  A file that
    is not identified is given to the only format's reader, which says why it
    cannot read it (no such file, not FITS, no ``BIN_MAP`` extension...).

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
            only = _only_format(self._cls, 'read')
            if kwargs.get('format') is None and len(args) == 1 and only is not None and \
                    isinstance(args[0], (str, os.PathLike)):
                return self.registry.read(self._cls, *args, format=only, **kwargs)
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
