# Licensed under a 3-clause BSD style license - see LICENSE
"""
A `~pixbin.BinMap` as a glue dataset, and back.

A bin-map dataset has the pixel grid of the binned cube and these components:

``bin``
    Bin number of each pixel, 1..nbins (0 = in no bin).
``npix``
    Number of pixels of the pixel's bin.
``mean_flux_<band>``, ``mean_flux_err_<band>``
    The **mean flux per pixel** of the pixel's bin (`pixbin.BinMap.mean_flux`,
    the bin's summed flux divided by its number of pixels) and its
    uncertainty, in the unit of the cube, so that the binned image compares
    pixel by pixel with the cube.  The summed flux of a bin is
    ``mean_flux * npix`` (`pixbin.BinMap.flux`; the SED viewer shows either).
``snr_<band>``
    S/N of the pixel's bin in the band (`pixbin.BinMap.snr`).
``spec_bin``
    With spectra only: the bin number of the pixels whose spectrum entered a
    bin spectrum (`pixbin.BinMap.spec_labels`).

Pixels in no bin are NaN (0 for ``bin``, ``npix`` and ``spec_bin``).  ``meta``
holds ``pixbin_binmap`` (the marker), ``band_names``, ``band_wavelengths``
(numbers, unit in ``band_wavelength_unit``), ``flux_unit`` and the binning
parameters in ``pixbin_parameters``.  The ``bin`` component
(`~pixbin_glue._session.BinLabelsComponent`) also keeps, in ``exact``, what
the components do not show: the exact summed flux of each bin and its
uncertainty, the covariance correction, the spectra, the IFU footprint and
the WCS with every digit.  In a glue session the labels and these per-bin
tables are saved once, compressed, and the other components as references
rebuilt on restore (see `pixbin_glue._session`), so that a dataset restored
from a saved session is the same `~pixbin.BinMap`.  Sessions saved by the
previous pixbin_glue (the exact state in ``meta['pixbin_exact']``) restore
the same way.

glue's translation machinery knows a `~pixbin.BinMap` (`BinMapTranslator`,
registered with ``glue.config.data_translator`` as glue-astronomy registers
its translators; glue-astronomy has none for a BinMap): ``dc['bins'] = binmap``
and ``data.get_object(pixbin.BinMap)``.  The BinMap of a dataset is kept on
its ``bin`` component (``binmap``), not in a module-level cache, and rebuilt
from the component's exact state when missing (after a session restore).
"""

import astropy.units as u
import numpy as np

from ._constants import BIN_COMPONENT

__all__ = ['binmap_from_data', 'binmap_to_data', 'bins_in_subset', 'bins_subset_state',
           'is_binmap_data']

MARKER = 'pixbin_binmap'
FORMAT = 1
#: Key of ``meta`` that held the exact state in sessions of the previous pixbin_glue.
EXACT = 'pixbin_exact'


def session_value(value):
    """``value`` if glue can save it in a session (numbers, str, lists), else its str."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        return [session_value(v) for v in np.asarray(value).tolist()]
    return str(value)


def mean_flux_label(band):
    """Label of the mean-flux-per-pixel component of ``band``."""
    return f'mean_flux_{band}'


def mean_flux_err_label(band):
    """Label of the uncertainty of `mean_flux_label`."""
    return f'mean_flux_err_{band}'


def snr_label(band):
    """Label of the S/N component of ``band``."""
    return f'snr_{band}'


def binmap_to_data(binmap, label):
    """
    A glue dataset of a `~pixbin.BinMap` (see the module docstring).

    Parameters
    ----------
    binmap : `~pixbin.BinMap`
        Bins with photometry.
    label : str
        Dataset label.

    Returns
    -------
    data : `~glue.core.data.Data`
    """
    from glue.core import Data

    from ._session import BinLabelsComponent, BinValueComponent
    if binmap.flux is None:
        raise ValueError('binmap must have photometry (flux and flux_err) to become a glue '
                         'dataset')
    data = Data(label=label, coords=binmap.wcs)
    bins = BinLabelsComponent(binmap.labels, _exact_state(binmap), binmap)
    data.add_component(bins, BIN_COMPONENT)
    data.add_component(BinValueComponent(bins, 'npix', values=binmap.pixel_map(
        binmap.npix, fill_value=0)), 'npix')
    unit = binmap.flux.unit.to_string()
    mean = binmap.pixel_map(binmap.mean_flux.value)
    mean_err = binmap.pixel_map(binmap.mean_flux_err.value)
    snr = binmap.pixel_map(binmap.snr)
    for i, band in enumerate(binmap.band_names):
        data.add_component(BinValueComponent(bins, 'mean_flux', i, mean[i], unit),
                           mean_flux_label(band))
        data.add_component(BinValueComponent(bins, 'mean_flux_err', i, mean_err[i], unit),
                           mean_flux_err_label(band))
        data.add_component(BinValueComponent(bins, 'snr', i, snr[i]), snr_label(band))
    if binmap.spec_labels is not None:
        data.add_component(BinValueComponent(bins, 'spec_bin', values=binmap.spec_labels),
                           'spec_bin')
    data.meta[MARKER] = FORMAT
    data.meta['band_names'] = list(binmap.band_names)
    if binmap.band_wavelengths is not None:
        # in their own unit (kept exactly); glue saves numbers, not Quantities
        data.meta['band_wavelengths'] = binmap.band_wavelengths.value.tolist()
        data.meta['band_wavelength_unit'] = binmap.band_wavelengths.unit.to_string()
    data.meta['flux_unit'] = unit
    data.meta['nbins'] = int(binmap.nbins)
    data.meta['pixbin_parameters'] = {str(k): session_value(v) for k, v in binmap.meta.items()}
    return data


def _wcs_header(wcs):
    """
    The header of the bin-map file's WCS (every digit), kept so that it reads
    back as the same `~astropy.wcs.Wcsprm` (``compare`` is True): a CD matrix
    stays CD (the file writes it as PC with CDELT 1, the same transformation),
    and the ``MJDREF = 0`` that ``to_header`` adds to a WCS without a
    reference date is left out (it would set ``dateref`` on reading).
    """
    from pixbin.io._fitsutil import exact_wcs_header, set_exact
    header = exact_wcs_header(wcs)
    prm = wcs.wcs
    if not prm.dateref and not np.any(prm.mjdref):
        header.remove('MJDREF', ignore_missing=True)
    if prm.has_cd():
        for i in range(prm.naxis):
            header.remove(f'CDELT{i + 1}', ignore_missing=True)
            for j in range(prm.naxis):
                header.remove(f'PC{i + 1}_{j + 1}', ignore_missing=True)
                set_exact(header, f'CD{i + 1}_{j + 1}', float(prm.cd[i][j]))
    return header


def _exact_state(binmap):
    """What a session must keep to rebuild ``binmap`` exactly (see the module docstring)."""
    state = {'flux': np.array(binmap.flux.value), 'flux_err': np.array(binmap.flux_err.value),
             'flux_unit': binmap.flux.unit.to_string()}
    if binmap.wcs is not None:
        # glue saves the coordinates with ~15 digits; the bin-map file's header keeps all
        state['wcs_header'] = _wcs_header(binmap.wcs).tostring()
    cov = binmap.covariance
    if cov is None:
        state['covariance'] = 'none'
    elif callable(cov):                  # a function cannot be saved: its eta for each bin
        state['covariance'], state['eta'] = 'table', np.array(binmap.eta)
    else:
        state['covariance'], state['alpha'] = 'alpha', float(cov)
    if binmap.spec_region is not None:
        state['spec_region'] = np.array(binmap.spec_region)
    spectra = binmap.spectra
    if spectra is not None:
        spec = {'flux': np.array(spectra.flux.value), 'unit': spectra.flux.unit.to_string(),
                'spectral_axis': np.array(spectra.spectral_axis.value),
                'spectral_axis_unit': spectra.spectral_axis.unit.to_string()}
        if spectra.uncertainty is not None:
            spec['uncertainty'] = np.array(spectra.uncertainty.array)
            spec['uncertainty_unit'] = spectra.uncertainty.unit.to_string() \
                if spectra.uncertainty.unit is not None else spec['unit']
        if spectra.mask is not None:
            spec['mask'] = np.array(spectra.mask, dtype=bool)
        for key in ('bin_ids', 'npix'):
            if key in spectra.meta:
                spec[key] = np.array(spectra.meta[key])
        state['spectra'] = spec
        state['spec_labels'] = np.array(binmap.spec_labels)
    return state


def _exact_source(data):
    """
    The exact per-bin state of a bin-map dataset and where it is: in its
    ``bin`` component (`~pixbin_glue._session.BinLabelsComponent`), or in
    ``meta['pixbin_exact']`` (sessions saved by the previous pixbin_glue, before the
    compact sessions); (None, None) for sessions saved before either.
    """
    from ._session import BinLabelsComponent
    component = data.get_component(data.id[BIN_COMPONENT])
    if isinstance(component, BinLabelsComponent) and isinstance(component.exact, dict):
        return component.exact, f"the exact state of its '{BIN_COMPONENT}' component"
    state = data.meta.get(EXACT)
    if isinstance(state, dict):
        return state, f"meta['{EXACT}']"
    return None, None


def _exact_parts(data, labels, nbins, nbands):
    """
    Flux, flux_err, covariance, spectra and spec_region from the dataset's
    exact state (`_exact_source`), or None when it has none (saved by an
    older pixbin_glue).
    """
    from astropy.nddata import StdDevUncertainty

    from pixbin._covariance import TabulatedCovariance
    state, where = _exact_source(data)
    if state is None:
        return None
    try:
        flux = np.asarray(state['flux'], dtype=float).reshape(nbins, nbands)
        flux_err = np.asarray(state['flux_err'], dtype=float).reshape(nbins, nbands)
        kind = state['covariance']
        if kind == 'none':
            covariance = None
        elif kind == 'alpha':
            covariance = float(state['alpha'])
        elif kind == 'table':
            npix = np.bincount(labels.ravel(), minlength=nbins + 1)[1:]
            covariance = TabulatedCovariance(npix, np.asarray(state['eta'], dtype=float))
        else:
            raise ValueError(f'unknown covariance {kind!r}')
        parts = {'flux': flux, 'flux_err': flux_err, 'covariance': covariance}
        if state.get('wcs_header') is not None:
            from astropy.io import fits
            from astropy.wcs import WCS
            parts['wcs'] = WCS(fits.Header.fromstring(state['wcs_header']))
        if state.get('spec_region') is not None:
            parts['spec_region'] = np.asarray(state['spec_region'], dtype=bool)
        spec = state.get('spectra')
        if spec is not None:
            from specutils import Spectrum
            unit = u.Unit(spec['unit'])
            uncertainty = None
            if spec.get('uncertainty') is not None:
                uncertainty = StdDevUncertainty(np.asarray(spec['uncertainty']),
                                                unit=u.Unit(spec['uncertainty_unit']))
            meta = {key: np.asarray(spec[key]) for key in ('bin_ids', 'npix') if key in spec}
            parts['spectra'] = Spectrum(
                flux=np.asarray(spec['flux']) * unit,
                spectral_axis=np.asarray(spec['spectral_axis']) * u.Unit(
                    spec['spectral_axis_unit']),
                spectral_axis_index=1, uncertainty=uncertainty,
                mask=None if spec.get('mask') is None else np.asarray(spec['mask'], bool),
                meta=meta)
            spec_labels = state['spec_labels'] if 'spec_labels' in state else \
                data.get_data(data.id['spec_bin'])
            parts['spec_labels'] = np.asarray(spec_labels).astype(np.int64)
    except (KeyError, TypeError, ValueError, u.UnitsError) as exc:
        raise ValueError(f"dataset {data.label!r}: {where} does not describe its "
                         f"{nbins} bins and {nbands} bands ({type(exc).__name__}: {exc})") \
            from None
    return parts


def is_binmap_data(data):
    """
    True if ``data`` is a pixbin bin-map dataset.

    Examples
    --------
    A cube and its bin map in glue:

    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')])
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit, ref_band=4)
    >>> pixbin_glue.is_binmap_data(bins), pixbin_glue.is_binmap_data(dc[0])
    (True, False)
    """
    from glue.core import Data
    return isinstance(data, Data) and bool(data.meta.get(MARKER)) \
        and BIN_COMPONENT in [c.label for c in data.main_components]


def _require_binmap(data, name='data'):
    if not is_binmap_data(data):
        label = getattr(data, 'label', type(data).__name__)
        raise ValueError(f'{name} must be a pixbin bin-map dataset (made by '
                         f'pixbin_glue.bin_data or read from a pixbin FITS file), got {label!r}')


def binmap_from_data(data):
    """
    The `~pixbin.BinMap` of a bin-map dataset.

    The exact `~pixbin.BinMap` when the dataset was made in this session;
    otherwise (a restored glue session) the same one rebuilt from the
    labels and exact state of the ``bin`` component (flux and its
    uncertainty, covariance correction, spectra, IFU footprint, WCS) and
    ``meta`` (band names and wavelengths, binning parameters).  A dataset
    saved by an older pixbin_glue, without an exact state, gives the summed
    flux ``mean_flux * npix`` and its uncertainty, without covariance
    correction or spectra.

    Raises
    ------
    ValueError
        If ``data`` is not a bin-map dataset, or its exact state does not
        fit its bins.

    Examples
    --------
    The `~pixbin.BinMap` behind a bin map binned in glue:

    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')])
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit, ref_band=4)
    >>> bm = pixbin_glue.binmap_from_data(bins)
    >>> type(bm).__name__, bm.nbins, bm.labels.shape, bm.flux.unit
    ('BinMap', 70, (40, 40), Unit("1e-17 erg / (Angstrom s cm2)"))
    """
    _require_binmap(data)
    # the BinMap is kept on the bin component (not saved in a session: rebuilt)
    component = data.get_component(data.id[BIN_COMPONENT])
    cached = getattr(component, 'binmap', None)
    if cached is not None:
        return cached
    from astropy.wcs import WCS

    from pixbin import BinMap
    from pixbin._sums import first_pixels
    labels = np.asarray(data.get_data(data.id[BIN_COMPONENT])).astype(np.int64)
    nbins = int(labels.max(initial=0))
    npix = np.bincount(labels.ravel(), minlength=nbins + 1)[1:]
    first = first_pixels(labels, nbins)
    names = list(data.meta['band_names'])
    unit = u.Unit(data.meta['flux_unit'])
    parts = _exact_parts(data, labels, nbins, len(names))
    if parts is None:                    # saved by an older pixbin_glue
        flux = np.empty((nbins, len(names)))
        err = np.empty((nbins, len(names)))
        for i, band in enumerate(names):
            flux[:, i] = np.asarray(data.get_data(data.id[mean_flux_label(band)])).ravel()[first]
            err[:, i] = np.asarray(
                data.get_data(data.id[mean_flux_err_label(band)])).ravel()[first]
        parts = {'flux': flux * npix[:, None], 'flux_err': err * npix[:, None]}
    parts['flux'] = parts['flux'] * unit
    parts['flux_err'] = parts['flux_err'] * unit
    wave = data.meta.get('band_wavelengths')
    if wave is not None:
        wave_unit = u.Unit(data.meta.get('band_wavelength_unit', 'Angstrom'))
        wave = np.asarray(wave, dtype=float) * wave_unit
    parts.setdefault('wcs', data.coords if isinstance(data.coords, WCS) else None)
    try:
        binmap = BinMap(labels, band_names=names, band_wavelengths=wave,
                        meta=dict(data.meta.get('pixbin_parameters', {})), **parts)
    except (TypeError, ValueError, u.UnitsError) as exc:
        raise ValueError(f'dataset {data.label!r} is not a consistent bin map: {exc}') from None
    component.binmap = binmap
    return binmap


class BinMapTranslator:
    """
    glue's translation of a `~pixbin.BinMap` (registered with glue's
    ``data_translator`` by ``pixbin_glue.setup``): ``dc['bins'] = binmap``
    adds the bin-map dataset of `binmap_to_data`, and ``data.get_object()``
    gives the BinMap back (`binmap_from_data`).
    """

    def to_data(self, obj):
        return binmap_to_data(obj, 'binmap')

    def to_object(self, data_or_subset, **kwargs):
        from glue.core import Subset
        if isinstance(data_or_subset, Subset):
            raise ValueError(f'a subset ({data_or_subset.label!r}) is not a BinMap: take the '
                             f'bin map of its dataset and the bins of the subset '
                             f'(pixbin_glue.bins_in_subset)')
        return binmap_from_data(data_or_subset)


def subset_on(subset, binmap_data):
    """The subset of ``subset`` (a Subset or SubsetGroup) that lives on the bin map."""
    from glue.core.subset_group import SubsetGroup
    if not isinstance(subset, SubsetGroup):
        if binmap_data is None or subset.data is binmap_data:
            return subset
    group = subset if isinstance(subset, SubsetGroup) else getattr(subset, 'group', None)
    if group is None:
        raise ValueError(f'subset {subset.label!r} is not on binmap_data and has no group')
    candidates = [s for s in group.subsets
                  if (s.data is binmap_data if binmap_data is not None
                      else is_binmap_data(s.data))]
    if not candidates:
        raise ValueError(f'subset group {group.label!r} has no subset on a bin-map dataset')
    if len(candidates) > 1:
        raise ValueError(f'subset group {group.label!r} spans several bin-map datasets '
                         f'({", ".join(s.data.label for s in candidates)}); give '
                         f'binmap_data=')
    return candidates[0]


def bins_in_subset(subset, binmap_data=None):
    """
    Numbers of the bins that a glue subset touches.

    A bin counts when any of its pixels is in the subset; a subset made with
    the bin-map viewer or `region_to_subset` holds whole bins only.

    Parameters
    ----------
    subset : `~glue.core.subset.Subset` or `~glue.core.subset_group.SubsetGroup`
        A subset of a bin-map dataset, or a subset group (its subset on
        ``binmap_data``, or on the only bin-map dataset of the group).
    binmap_data : `~glue.core.data.Data`, optional
        The bin-map dataset.

    Returns
    -------
    bin_ids : ndarray of int
        Sorted bin numbers (1-based).

    Raises
    ------
    ValueError
        If the subset is not on a bin-map dataset.

    Examples
    --------
    The bins that a glue selection on the bin numbers touches:

    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')])
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit, ref_band=4)
    >>> state = (bins.id['bin'] == 3) | (bins.id['bin'] == 5)   # glue's own selection
    >>> pixbin_glue.bins_in_subset(dc.new_subset_group('two bins', state)).tolist()
    [3, 5]
    """
    from glue.core.exceptions import IncompatibleAttribute
    subset = subset_on(subset, binmap_data)
    _require_binmap(subset.data, 'subset.data')
    labels = np.asarray(subset.data.get_data(subset.data.id[BIN_COMPONENT]))
    try:
        mask = subset.to_mask()
    except IncompatibleAttribute:
        return np.zeros(0, dtype=int)
    ids = np.unique(labels[mask])
    return ids[ids > 0].astype(int)


def bins_subset_state(binmap_data, bin_ids):
    """
    A subset state that selects whole bins, on every dataset linked to the bin map.

    It selects the pixels whose ``bin`` equals one of ``bin_ids``: on the bin
    map, and on every dataset that has a ``bin`` component linked to it (the
    cube and the spectra, see `link_binmap`).
    """
    from glue.core.subset import CategorySubsetState
    _require_binmap(binmap_data, 'binmap_data')
    ids = np.unique(np.asarray(bin_ids, dtype=np.int64).ravel())
    return CategorySubsetState(binmap_data.id[BIN_COMPONENT], ids)


def whole_bins(binmap_data, subset_state):
    """
    The bins that ``subset_state`` touches on the bin map, as a whole-bin state.

    Returns None when the state cannot be evaluated on the bin map.
    """
    from glue.core.exceptions import IncompatibleAttribute
    try:
        mask = binmap_data.get_mask(subset_state)
    except IncompatibleAttribute:
        return None
    labels = np.asarray(binmap_data.get_data(binmap_data.id[BIN_COMPONENT]))
    ids = np.unique(labels[np.asarray(mask, dtype=bool)])
    return bins_subset_state(binmap_data, ids[ids > 0])
