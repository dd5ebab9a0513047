# Licensed under a 3-clause BSD style license - see LICENSE
"""
`bin_data`: bin a glue dataset with `pixbin.bin_pixels` and add the bin map.
"""

import os

import numpy as np

__all__ = ['bin_data', 'binning_options', 'kernels_prepared', 'prepare_kernels']

# True once a binning has run in this process: numba has compiled pixbin's
# kernels, or loaded them from its cache (pixbin._numba_cache).
_KERNELS_READY = False


def kernels_prepared():
    """True if the binning kernels are ready in this process (a binning has run)."""
    return _KERNELS_READY


def prepare_kernels():
    """
    Get the binning kernels ready: bin a 12 x 12 mock once.

    The first binning of a process waits for numba: it compiles pixbin's
    kernels (about 10 s, once per installation) or loads them from its cache
    (a second or two).  Later binnings start at once.
    """
    global _KERNELS_READY
    if _KERNELS_READY:
        return
    import pixbin
    pixbin.bin_pixels(pixbin.datasets.make_mock_galaxy(shape=(12, 12)), 3.0)
    _KERNELS_READY = True


def binning_options():
    """The keyword arguments that `~pixbin.bin_pixels` accepts besides the cube and snr."""
    from pixbin._options import DATA_KEYWORDS, OPTIONS
    return (set(OPTIONS) | set(DATA_KEYWORDS)) - {'snr'}


def unique_label(data_collection, label):
    """``label``, or ``label_2``, ``label_3``... if a dataset already has it."""
    taken = {d.label for d in data_collection}
    if label not in taken:
        return label
    n = 2
    while f'{label}_{n}' in taken:
        n += 1
    return f'{label}_{n}'


def spectra_object(spectra, data_collection=None):
    """
    A glue dataset of spectra as a specutils Spectrum (the whole cube).

    A spectral cube of an instrument layout read by glue's FITS reader
    (``DATA`` with ``STAT`` and ``DQ`` in sibling datasets) gets its
    uncertainty and mask from the siblings (`cube_nddata`).
    """
    from glue.core import Data
    if isinstance(spectra, Data):
        from ._components import cube_nddata, is_flux_cube
        components = is_flux_cube(spectra, data_collection)
        if components:
            return cube_nddata(spectra, components)
        from specutils import Spectrum
        # statistic=None keeps the cube; the default ('mean') would collapse it
        result = spectra.get_object(Spectrum, statistic=None)
        mask = next((c for c in spectra.main_components if c.label == 'mask'), None)
        if result.mask is None and mask is not None:
            # glue-astronomy keeps the mask as a component but does not give it back
            result.mask = np.asarray(spectra.get_data(mask)) != 0
        return result
    return spectra


def file_spectra(data_collection, data):
    """
    The spectra and IFU footprint of a dataset read by pixbin's input data
    factory from a spectrophotometric file (named in its ``meta``), else None.
    """
    from ._input_data import SPEC_REGION_KEY, SPECTRA_KEY
    labels = {d.label: d for d in data_collection}
    spectra = labels.get(data.meta.get(SPECTRA_KEY))
    region = labels.get(data.meta.get(SPEC_REGION_KEY))
    if region is not None:
        region = np.asarray(region.get_data(region.id['SPEC_REGION'])) != 0
    return spectra, region


def read_region(region):
    """An astropy-regions region from a region, a Regions list or a ds9/CRTF file."""
    if isinstance(region, (str, os.PathLike)):
        from pixbin._regions import read_region_file
        region = read_region_file(region)
    from regions import Regions
    if isinstance(region, Regions):
        regions = list(region)
        if not regions:
            raise ValueError('spec_region must hold at least one region, got an empty list')
        combined = regions[0]
        for other in regions[1:]:
            combined = combined | other
        return combined
    return region


def bin_data(data_collection, data, snr, *, flux=None, uncertainty=None,
             uncertainty_type=None, mask=None, unit=None, uncertainty_unit=None, label=None,
             spectra=None, spec_region=None, **kwargs):
    """
    Bin the pixels of a glue dataset and add the bin map to the collection.

    The flux and uncertainty components are found by the layout of the file
    or by name (see `find_flux_components`), the cube is binned with
    `pixbin.bin_pixels` (a spectral cube, e.g. ``DATA`` of a MUSE file,
    through the wavelength windows ``bands=``, its spectra summed along), and
    the result is added as a bin-map dataset, pixel-linked to ``data`` and to
    every other dataset on the same grid (see `link_binmap`), which also get a
    ``bin`` component.

    Parameters
    ----------
    data_collection : `~glue.core.data_collection.DataCollection`
        The collection that holds ``data``; the bin map is added to it.
    data : `~glue.core.data.Data`
        A cube (nbands, ny, nx) or an image (ny, nx) with a flux unit and an
        uncertainty.  Band names and wavelengths come from ``data.meta``
        (``band_names``, ``band_wavelengths``, or ``FILi`` keywords).
    snr : float, sequence of float or dict
        S/N threshold per band, as in `pixbin.bin_pixels`.
    flux, uncertainty, mask : str or `~glue.core.component_id.ComponentID`, optional
        The components to use, when their names do not tell.
    uncertainty_type : {'std', 'var', 'ivar'}, optional
        Kind of the uncertainty component (default from its name).
    unit : str or `~astropy.units.Unit`, optional
        Flux unit, when the flux component has none (or a wrong one).
    uncertainty_unit : str or `~astropy.units.Unit`, optional
        Unit of the uncertainty, overriding the component's, which is read
        as `pixbin.io.read_input` reads it; ``'same as flux'`` drops it (the
        uncertainty is then in the flux unit, squared for a variance).
    label : str, optional
        Label of the new dataset (default ``'<data label>_bins'``).
    spectra : `~glue.core.data.Data` or `~specutils.Spectrum`, optional
        A spectral cube on the same grid (a glue dataset is converted with
        glue-astronomy); the bins get summed spectra.  For a cube that
        pixbin's data factory read from a spectrophotometric file, the
        default is the file's spectra and footprint (datasets
        ``<name>[SPECTRA]`` and ``<name>[SPEC_REGION]``), as in
        ``pixbin.bin_pixels(path)``.
    spec_region : region, str, or array-like of bool, optional
        The IFU footprint: an astropy-regions region, a ds9/CRTF region file,
        or a boolean image.
    **kwargs
        Other options of `pixbin.bin_pixels` (``ref_band``, ``min_diameter``,
        ``redchi2_limit``, ``progress``, ...), and for a spectral cube
        ``bands``: the wavelength windows, each a band of the binning.

    Returns
    -------
    binmap_data : `~glue.core.data.Data`
        The new bin-map dataset, already in ``data_collection`` and linked,
        on the pixel grid of ``data``, with the components ``bin`` (bin
        number, 0 = no bin), ``npix``, and per band ``mean_flux_<band>`` and
        ``mean_flux_err_<band>`` (the **mean flux per pixel** of the pixel's
        bin, `pixbin.BinMap.mean_flux`, in the unit of the cube; the bin's
        summed flux is ``mean_flux * npix``) and ``snr_<band>`` (the bin's
        S/N); with spectra also ``spec_bin``.  Pixels in no bin are NaN.
        `binmap_from_data` gives the `pixbin.BinMap`.

    Raises
    ------
    TypeError
        If ``data`` is not a glue Data, or an option is unknown to
        `pixbin.bin_pixels`.
    ValueError
        If ``data`` is not in ``data_collection``, its components cannot be
        told, or `pixbin.bin_pixels` rejects the inputs.

    Examples
    --------
    A glue dataset with the flux and its uncertainty as components:

    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> data = Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')
    >>> data.meta['band_names'] = cube.meta['band_names']
    >>> dc = DataCollection([data])
    >>> bins = pixbin_glue.bin_data(dc, data, snr=[10] * 7 + [0] * 5, unit=cube.unit,
    ...                             ref_band='sdss_r', min_diameter=3)
    >>> bins.label, int(bins['bin'].max())
    ('cube_bins', 55)
    """
    import pixbin
    from glue.core import Data

    from ._binmap_data import binmap_to_data
    from ._components import cube_nddata, find_flux_components
    from ._links import link_binmap
    if not isinstance(data, Data):
        raise TypeError(f'data must be a glue Data, got {type(data).__name__}')
    if data not in data_collection:
        raise ValueError(f'data {data.label!r} must be in data_collection')
    accepted = binning_options()
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise TypeError(f'bin_data got options that pixbin.bin_pixels does not accept: '
                        f'{", ".join(unknown)}')
    if spectra is None:
        # a spectrophotometric file read by pixbin's data factory: its own spectra
        spectra, file_region = file_spectra(data_collection, data)
        if spectra is not None and spec_region is None:
            spec_region = file_region
    if spectra is not None:
        kwargs['spectra'] = spectra_object(spectra, data_collection)
    if spec_region is not None:
        from regions import Region, Regions
        if isinstance(spec_region, (str, os.PathLike, Region, Regions)):
            spec_region = read_region(spec_region)
        kwargs['spec_region'] = spec_region
    components = find_flux_components(data, data_collection, flux=flux,
                                      uncertainty=uncertainty,
                                      uncertainty_type=uncertainty_type, mask=mask)
    cube = cube_nddata(data, components, unit=unit, uncertainty_unit=uncertainty_unit)
    binmap = pixbin.bin_pixels(cube, snr, **kwargs)
    global _KERNELS_READY
    _KERNELS_READY = True
    label = unique_label(data_collection, label or f'{data.label}_bins')
    binmap_data = binmap_to_data(binmap, label)
    binmap_data.meta['pixbin_source'] = data.label
    data_collection.append(binmap_data)
    link_binmap(data_collection, binmap_data)
    return binmap_data
