# Licensed under a 3-clause BSD style license - see LICENSE
"""
pixbin_glue: the glue plugin of pixbin.

Bin a cube from glue, look at the bins and their SEDs, link the bins to the
other datasets on the same pixel grid, and select whole bins with glue tools
or astropy-regions regions.

glue finds the plugin through three ``glue.plugins`` entry points, one module
per frontend (glue loads each module's entry point only once):

``pixbin_glue:setup``
    glue-core: the pixbin FITS data factory and exporter, the pixel-grid
    autolinker and the bin colour map (no Qt needed; ``pip install astro-pixbin[glue]``).
``pixbin_glue.qt:setup``
    glue-qt: the "Bin pixels (pixbin)..." action of the data list and the
    bin-map and bin-SED viewers (``pip install astro-pixbin[qt]``).
``pixbin_glue.jupyter:setup``
    glue-jupyter: the same two viewers as ``'pixbin-binmap'`` and
    ``'pixbin-sed'`` (``pip install astro-pixbin[jupyter]``).

Each ``setup`` is a no-op when its frontend is not installed.  The public
functions below need glue-core; importing this package does not.
"""

import importlib

__all__ = ['BIN_COMPONENT', 'FluxComponents', 'bin_data', 'binmap_from_data', 'bins_in_subset',
           'find_flux_components', 'is_binmap_data', 'link_binmap', 'link_binmap_wcs',
           'region_to_subset', 'setup', 'subset_to_regions', 'write_subset_regions']

#: Label of the bin-number component of a bin-map dataset (0 = no bin).
from ._constants import BIN_COMPONENT  # noqa: E402

# public name -> private module that defines it (imported on first use, so that
# ``import pixbin_glue`` works without glue).
_LAZY = {
    'FluxComponents': '_components',
    'find_flux_components': '_components',
    'bin_data': '_binning',
    'binmap_from_data': '_binmap_data',
    'bins_in_subset': '_binmap_data',
    'is_binmap_data': '_binmap_data',
    'link_binmap': '_links',
    'link_binmap_wcs': '_links',
    'region_to_subset': '_regions',
    'subset_to_regions': '_regions',
    'write_subset_regions': '_regions',
}


def __getattr__(name):
    if name in _LAZY:
        try:
            import glue  # noqa: F401
            import glue_astronomy  # noqa: F401
        except ImportError as exc:
            raise ImportError(f'pixbin_glue.{name} needs glue-core and glue-astronomy: '
                              f'pip install "astro-pixbin[glue]" ({exc})') from exc
        module = importlib.import_module(f'{__name__}.{_LAZY[name]}')
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(set(globals()) | set(__all__))


_DONE = False


def setup():
    """
    Register the glue-core parts of the plugin (entry point ``pixbin_glue:setup``).

    Registers the pixbin FITS data factory and exporter, the autolinker that
    pixel-links bin maps opened from files, and the ``pixbin bins`` colour
    map.  Does nothing when glue-core is not installed, and only once.

    Examples
    --------
    glue calls it when it loads its plugins; then glue opens pixbin files:

    >>> import os, tempfile
    >>> from glue.core.data_factories import load_data
    >>> import pixbin, pixbin_glue
    >>> pixbin_glue.setup()
    >>> path = os.path.join(tempfile.mkdtemp(), 'galaxy_bins.fits')
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> pixbin.bin_pixels(cube, snr=10, ref_band='sdss_r').write(path)
    >>> data = load_data(path)                   # by pixbin's data factory
    >>> data.label, pixbin_glue.is_binmap_data(data)
    ('galaxy_bins', True)
    >>> from glue.config import colormaps
    >>> 'pixbin bins' in [name for name, _ in colormaps.members]
    True
    """
    global _DONE
    if _DONE:
        return
    try:
        import glue.config  # noqa: F401
    except ImportError:
        return
    from ._register import register_core
    register_core()
    _DONE = True
