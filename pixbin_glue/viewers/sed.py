# Licensed under a 3-clause BSD style license - see LICENSE
"""
The bin-SED viewer, frontend-independent part.

Each subset layer of a bin-map dataset draws the SED of every bin that the
subset touches (one line with error bars per bin, in the subset's colour), and
the bin's summed spectrum when the bin map has spectra.  The lines follow the
selection: glue updates subset layers whenever a subset changes.
"""

import astropy.units as u
import numpy as np
from echo import delay_callback
from glue.core import Subset
from glue.viewers.matplotlib.layer_artist import MatplotlibLayerArtist
from glue.viewers.matplotlib.state import (DeferredDrawCallbackProperty as DDCProperty,
                                           DeferredDrawSelectionCallbackProperty as DDSCProperty,
                                           MatplotlibDataViewerState, MatplotlibLayerState)

from .._binmap_data import binmap_from_data, bins_in_subset, is_binmap_data

__all__ = ['SEDLayerArtist', 'SEDLayerState', 'SEDViewerMixin', 'SEDViewerState', 'bin_seds']

FLUX_MODES = {'sum': 'summed flux of the bin', 'mean': 'mean flux per pixel of the bin'}
# short forms for combo boxes and axis labels
FLUX_MODE_LABELS = {'sum': 'sum over the bin', 'mean': 'mean per pixel'}
# marker of the n-th bin of a subset (all in the subset's colour)
MARKERS = ('o', 's', '^', 'D', 'v', 'P', 'X', '<', '>', 'h')
_REDRAW_ON = {'flux_mode', 'show_spectra', 'max_bins', 'layer', 'visible', 'color', 'alpha',
              'zorder', 'linewidth'}


def bin_seds(layer, flux_mode='sum', max_bins=None, spectra=True):
    """
    The SEDs (and spectra) that a layer of the SED viewer draws.

    Parameters
    ----------
    layer : `~glue.core.subset.Subset` or `~glue.core.data.Data`
        A subset of a bin-map dataset (a dataset draws nothing).
    flux_mode : {'sum', 'mean'}
        The bin's summed flux (`pixbin.BinMap.flux`) or its mean flux per
        pixel (`pixbin.BinMap.mean_flux`); spectra are divided by the number
        of pixels whose spectrum was summed.
    max_bins : int, optional
        Draw at most this many bins (the first ones by number).
    spectra : bool
        Also return the bins' spectra.

    Returns
    -------
    result : dict
        ``bin_ids`` (all bins touched), ``shown`` (bins drawn), ``wave``
        (band wavelengths in micron, or band numbers 1..nbands when the
        wavelengths are unknown), ``flux`` and ``err`` (shown, nbands) as
        Quantity, ``spectra`` (list of (bin, wave in micron, flux) for shown
        bins that have one), ``has_wavelengths``.

    Examples
    --------
    What the SED viewer draws for a selection of two bins:

    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.viewers import bin_seds
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> flux = Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')
    >>> flux.meta['band_names'] = cube.meta['band_names']      # wavelengths from the names
    >>> dc = DataCollection([flux])
    >>> bins = pixbin_glue.bin_data(dc, flux, snr=[10] * 7 + [0] * 5, unit=cube.unit, ref_band=4)
    >>> group = dc.new_subset_group('two bins', (bins.id['bin'] == 3) | (bins.id['bin'] == 5))
    >>> seds = bin_seds(group.subsets[1])                 # the subset on the bin map
    >>> seds['shown'], seds['flux'].shape, seds['wave'][:3].round(2)
    (array([3, 5]), (2, 12), array([0.15, 0.23, 0.36]))
    """
    if flux_mode not in FLUX_MODES:
        raise ValueError(f'flux_mode must be one of {tuple(FLUX_MODES)}, got {flux_mode!r}')
    binmap = binmap_from_data(layer.data)
    ids = bins_in_subset(layer) if isinstance(layer, Subset) else np.zeros(0, int)
    shown = ids if max_bins is None else ids[:max(int(max_bins), 0)]
    if flux_mode == 'sum':
        flux, err = binmap.flux[shown - 1], binmap.flux_err[shown - 1]
    else:
        flux, err = binmap.mean_flux[shown - 1], binmap.mean_flux_err[shown - 1]
    if binmap.band_wavelengths is not None:
        wave = binmap.band_wavelengths.to_value(u.um, equivalencies=u.spectral())
    else:
        wave = np.arange(1, binmap.nbands + 1, dtype=float)
    out = []
    if spectra and binmap.spectra is not None:
        axis = binmap.spectra.spectral_axis.to_value(u.um, equivalencies=u.spectral())
        for i in shown:
            row = binmap.spectrum_index(i)
            if row is None:
                continue
            values = binmap.spectra.flux[row]
            if flux_mode == 'mean':
                values = values / np.count_nonzero(binmap.spec_labels == i)
            out.append((int(i), axis, values))
    return dict(bin_ids=ids, shown=shown, wave=wave, flux=flux, err=err, spectra=out,
                has_wavelengths=binmap.band_wavelengths is not None, unit=binmap.flux.unit)


class SEDViewerState(MatplotlibDataViewerState):
    """
    State of the bin-SED viewer.

    Examples
    --------
    >>> from pixbin_glue.viewers import SEDViewerState
    >>> state = SEDViewerState(max_bins=10)
    >>> state.flux_mode, state.show_spectra, state.max_bins, state.x_log
    ('sum', True, 10, True)
    >>> SEDViewerState.flux_mode.get_choices(state)
    ['sum', 'mean']
    """

    flux_mode = DDSCProperty(docstring="'sum': summed flux of each bin; 'mean': mean flux "
                                       "per pixel")
    show_spectra = DDCProperty(True, docstring='Draw the summed spectra of the bins')
    max_bins = DDCProperty(50, docstring='Draw at most this many bins per subset (the first '
                                         'ones by number; the legend says "50 of 74 bins")')
    auto_limits = DDCProperty(True, docstring='Fit the axes to the SEDs when they change')

    def __init__(self, **kwargs):
        super().__init__()
        SEDViewerState.flux_mode.set_choices(self, list(FLUX_MODES))
        SEDViewerState.flux_mode.set_display_func(self, FLUX_MODE_LABELS.get)
        self.x_log = True
        self.legend.visible = True     # which colour is which subset
        # called after a layer has drawn its SEDs (the viewer redraws its legend)
        self.drawn_listeners = []
        self.update_from_dict(kwargs)

    def _sed_layers(self):
        for layer_state in self.layers:
            layer = layer_state.layer
            if isinstance(layer, Subset) and is_binmap_data(layer.data) \
                    and getattr(layer_state, 'visible', True):
                yield layer

    def reset_limits(self):
        """Fit the axes to the SEDs (and spectra) of all visible subset layers."""
        xs, ys = [], []
        for layer in self._sed_layers():
            seds = bin_seds(layer, self.flux_mode, self.max_bins, self.show_spectra)
            if seds['shown'].size:
                xs.append(seds['wave'])
                ys.append(seds['flux'].value.ravel())
                ys.append((seds['flux'] - seds['err']).value.ravel())
                ys.append((seds['flux'] + seds['err']).value.ravel())
            for _, wave, flux in seds['spectra']:
                xs.append(wave)
                ys.append(np.asarray(flux.value))
        if not xs:
            return
        x = np.concatenate([np.ravel(v) for v in xs])
        y = np.concatenate([np.ravel(v) for v in ys])
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        if self.x_log:
            x = x[x > 0]
        if self.y_log:
            y = y[y > 0]
        if x.size == 0 or y.size == 0:
            return
        with delay_callback(self, 'x_min', 'x_max', 'y_min', 'y_max'):
            if self.x_log:
                lo, hi = np.log10(x.min()), np.log10(x.max())
                pad = max(0.05 * (hi - lo), 0.02)
                self.x_min, self.x_max = 10 ** (lo - pad), 10 ** (hi + pad)
            else:
                pad = max(0.05 * (x.max() - x.min()), 0.5)
                self.x_min, self.x_max = x.min() - pad, x.max() + pad
            if self.y_log:
                lo, hi = np.log10(y.min()), np.log10(y.max())
                pad = max(0.05 * (hi - lo), 0.02)
                self.y_min, self.y_max = 10 ** (lo - pad), 10 ** (hi + pad)
            else:
                span = y.max() - y.min()
                pad = 0.05 * span if span > 0 else max(abs(y.max()) * 0.1, 1e-30)
                self.y_min, self.y_max = y.min() - pad, y.max() + pad


class SEDLayerState(MatplotlibLayerState):
    """
    State of one layer of the bin-SED viewer.

    Examples
    --------
    >>> import numpy as np
    >>> from glue.core import Data
    >>> from pixbin_glue.viewers import SEDLayerState
    >>> state = SEDLayerState(layer=Data(x=np.arange(3), label='any'), linewidth=2.0)
    >>> state.linewidth, state.visible
    (2.0, True)
    """

    linewidth = DDCProperty(1.0, docstring='Line width of the SEDs')


class SEDLayerArtist(MatplotlibLayerArtist):
    """
    Draws the SEDs of the bins of one subset: one line with error bars per bin.

    Attributes
    ----------
    bin_ids : ndarray of int
        The bins that the subset touches.
    shown_ids : ndarray of int
        The bins drawn: the first ``max_bins`` of ``bin_ids`` (by bin number).
        The legend says how many are drawn: ``'<subset> (74 bins)'`` when all
        are, ``'<subset> (50 of 74 bins)'`` when ``max_bins`` cuts the list.
    sed_lines : list of `~matplotlib.lines.Line2D`
        One line per bin drawn (``bin_ids[:max_bins]``), in bin order, with
        the label ``'bin <id>'``.
    spectrum_lines : list of `~matplotlib.lines.Line2D`
        One line per drawn bin that has a spectrum.

    Examples
    --------
    The artist of a selection in a `~pixbin_glue.viewers.SimpleSEDViewer`:

    >>> from glue.core import Data, DataCollection, Session
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.viewers import SimpleSEDViewer
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array)])
    >>> dc[0].meta['band_names'] = cube.meta['band_names']
    >>> bins = pixbin_glue.bin_data(dc, dc[0], snr=[10] * 7 + [0] * 5, unit=cube.unit,
    ...                             ref_band=4)
    >>> group = dc.new_subset_group('bin 3 to 5', (bins.id['bin'] >= 3) & (bins.id['bin'] <= 5))
    >>> viewer = SimpleSEDViewer(Session(data_collection=dc))
    >>> viewer.add_data(bins)
    True
    >>> artist = next(a for a in viewer.layers if a.layer is group.subsets[1])
    >>> artist.bin_ids, [line.get_label() for line in artist.sed_lines]
    (array([3, 4, 5]), ['bin 3', 'bin 4', 'bin 5'])
    """

    _layer_state_cls = SEDLayerState

    def __init__(self, axes, viewer_state, layer_state=None, layer=None):
        super().__init__(axes, viewer_state, layer_state=layer_state, layer=layer)
        self._containers = []
        self.bin_ids = np.zeros(0, int)
        self.shown_ids = np.zeros(0, int)
        self.sed_lines = []
        self.spectrum_lines = []
        self._viewer_state.add_global_callback(self._on_state_change)
        self.state.add_global_callback(self._on_state_change)

    def _on_state_change(self, **kwargs):
        if _REDRAW_ON.intersection(kwargs):
            self._draw()

    def remove(self):
        for container in self._containers:
            try:
                container.remove()
            except (ValueError, AttributeError, NotImplementedError):
                pass
        self._containers = []
        super().remove()
        self.sed_lines, self.spectrum_lines = [], []

    def clear(self):
        self.remove()

    def _draw(self):
        self.remove()
        layer = self.layer
        data = layer.data if isinstance(layer, Subset) else layer
        self.shown_ids = np.zeros(0, int)
        if not is_binmap_data(data):
            self.bin_ids = np.zeros(0, int)
            self.disable(f'{data.label!r} is not a pixbin bin map: the SED viewer shows the '
                         f'bins of bin-map datasets')
            self.redraw()
            return
        self.enable()
        if not isinstance(layer, Subset):
            # a whole bin map would be thousands of SEDs: its subsets are drawn
            self.bin_ids = np.zeros(0, int)
            self.redraw()
            return
        viewer = self._viewer_state
        seds = bin_seds(layer, viewer.flux_mode, viewer.max_bins, viewer.show_spectra)
        self.bin_ids, self.shown_ids = seds['bin_ids'], seds['shown']
        visible = bool(self.state.visible)
        color, alpha = self.state.color, self.state.alpha
        width = self.state.linewidth
        zorder = self.state.zorder
        for n, (i, flux, err) in enumerate(zip(seds['shown'], seds['flux'], seds['err'])):
            container = self.axes.errorbar(seds['wave'], flux.value, yerr=err.value,
                                           fmt=MARKERS[n % len(MARKERS)] + '-',
                                           color=color, alpha=alpha, ms=4, lw=width,
                                           elinewidth=width * 0.8, capsize=2,
                                           zorder=zorder + 1, label=f'bin {i}')
            self._containers.append(container)
            line, caps, bars = container.lines
            line.set_label(f'bin {i}')
            self.sed_lines.append(line)
            self.mpl_artists.extend([line, *caps, *bars])
        for i, wave, flux in seds['spectra']:
            line, = self.axes.plot(wave, flux.value, '-', color=color, alpha=0.6 * alpha,
                                   lw=0.6 * width, zorder=zorder, label=f'bin {i} spectrum')
            self.spectrum_lines.append(line)
            self.mpl_artists.append(line)
        for artist in self.mpl_artists:
            artist.set_visible(visible)
        if viewer.auto_limits and seds['shown'].size:
            viewer.reset_limits()
        for listener in getattr(viewer, 'drawn_listeners', ()):
            listener()     # the legend counts the bins drawn
        self.redraw()

    def update(self):
        self._draw()

    def get_handle_legend(self):
        if self.enabled and self.state.visible and self.sed_lines:
            return self.sed_lines[0], f'{self.layer.label} ({bins_drawn(self)})', None
        return None, None, None


def bins_drawn(artist):
    """
    How many bins a layer draws, for its legend: ``'74 bins'`` when all the
    bins of the subset are drawn, ``'50 of 74 bins'`` when ``max_bins`` cuts.
    """
    shown, total = len(artist.shown_ids), len(artist.bin_ids)
    if shown == total:
        return f'{total} bin{"s" if total != 1 else ""}'
    return f'{shown} of {total} bins'


class SEDViewerMixin:
    """
    Bin-SED behaviour for a glue Matplotlib viewer (mix in before the viewer).

    The axes are labelled and scaled for SEDs (logarithmic wavelength in
    micron, the flux unit of the bin map) and follow the flux mode.

    Examples
    --------
    The frontend-less `~pixbin_glue.viewers.SimpleSEDViewer` has this
    behaviour, as have the glue-qt and glue-jupyter SED viewers:

    >>> from glue.core import Data, DataCollection, Session
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.viewers import SimpleSEDViewer
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> data = Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array, label='cube')
    >>> dc = DataCollection([data])
    >>> viewer = SimpleSEDViewer(Session(data_collection=dc))
    >>> viewer.add_data(pixbin_glue.bin_data(dc, data, snr=10, unit=cube.unit))
    True
    >>> viewer.state.x_axislabel, viewer.state.y_axislabel
    ('band', 'Bin flux (sum over the bin) [1e-17 erg / (Angstrom s cm2)]')
    >>> viewer.state.flux_mode = 'mean'
    >>> viewer.state.y_axislabel
    'Bin flux (mean per pixel) [1e-17 erg / (Angstrom s cm2)]'

    (the x axis is ``'band'`` here: the dataset has no band names, so no
    wavelengths.)
    """

    def setup_sed_callbacks(self):
        """Keep the axis labels in step with the flux mode; call after the viewer is set up."""
        self.state.add_callback('flux_mode', self._update_sed_axes)
        self.state.add_callback('layers', self._update_sed_axes)
        # after glue's own x_log callback (priority 1000), which resets the ticks
        self.state.add_callback('x_log', self._format_wave_axis, priority=-1000)
        self.state.drawn_listeners.append(self.draw_legend)
        self._update_sed_axes()
        self._format_wave_axis()

    def _format_wave_axis(self, *args):
        """Plain tick labels (0.2, 0.5, 1, 2...) on a logarithmic wavelength axis."""
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
        if self.state.x_log:
            self.axes.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            self.axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f'{x:g}'))
            self.axes.xaxis.set_minor_formatter(NullFormatter())
        self.redraw()

    def _sed_unit(self):
        for layer_state in self.state.layers:
            data = getattr(layer_state.layer, 'data', layer_state.layer)
            if is_binmap_data(data):
                return u.Unit(data.meta['flux_unit']), data.meta.get('band_wavelengths')
        return None, None

    def _update_sed_axes(self, *args):
        unit, wave = self._sed_unit()
        self.state.x_axislabel = ('wavelength (micron)' if wave is not None or unit is None
                                  else 'band')
        what = f'Bin flux ({FLUX_MODE_LABELS[self.state.flux_mode]})'
        self.state.y_axislabel = what if unit is None else f'{what} [{unit.to_string()}]'

    def apply_roi(self, roi, override_mode=None):
        """The SED viewer does not select: draw on the bin-map viewer instead."""
        self.redraw()
