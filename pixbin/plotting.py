# Licensed under a 3-clause BSD style license - see LICENSE
"""
Figures of bin maps and bin SEDs (matplotlib is imported when a figure is made).
"""

import numpy as np

from ._validation import check_bin_ids

__all__ = ['bin_colormap', 'plot_map', 'plot_sed']


def bin_colormap(nbins, seed=0):
    """
    A categorical colour map for labels ``0..nbins``: 0 is transparent.

    Neighbouring bin numbers get unrelated colours (a seeded shuffle of a
    perceptually spread palette), so adjacent bins are easy to tell apart.

    Returns
    -------
    cmap : `matplotlib.colors.ListedColormap`
    norm : `matplotlib.colors.BoundaryNorm`

    Examples
    --------
    >>> from pixbin.plotting import bin_colormap
    >>> cmap, norm = bin_colormap(3)
    >>> cmap.N                                  # label 0 and three bins
    4
    >>> cmap(norm(0))                           # transparent: no bin
    (np.float64(0.0), np.float64(0.0), np.float64(0.0), np.float64(0.0))
    """
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm, ListedColormap
    rng = np.random.default_rng(seed)
    base = colormaps['turbo'](np.linspace(0.05, 0.95, max(nbins, 1)))
    colours = base[rng.permutation(max(nbins, 1))]
    colours = np.vstack([[0, 0, 0, 0], colours])
    cmap = ListedColormap(colours, name='pixbin_bins')
    norm = BoundaryNorm(np.arange(-0.5, max(nbins, 1) + 1.5), cmap.N)
    return cmap, norm


def plot_map(binmap, ax=None, *, labels=None, outlines=True, colorbar=False, legend=True,
             footprint=None, title=None):
    """
    Show a bin map: each bin in its own colour, bin outlines, WCS axes.

    Parameters
    ----------
    binmap : `~pixbin.BinMap`
        The bins to show.
    ax : `matplotlib.axes.Axes`, optional
        Axes to draw in.  By default a new figure is made, with WCS axes when
        the bin map has a WCS.
    labels : ndarray, optional
        Label image to show instead of ``binmap.labels`` (e.g. its
        ``spec_labels``).
    outlines : bool, optional
        Draw the edges between bins.
    colorbar : bool, optional
        Add a colour bar of bin numbers (of little use with many bins: their
        colours are shuffled so that neighbours differ).
    legend : bool, optional
        Say what white (pixels in no bin) and grey (outside the footprint)
        mean, when the map has such pixels.
    footprint : ndarray of bool, optional
        Region to shade (e.g. the IFU footprint); default the bin map's
        ``spec_region`` when it has one.
    title : str, optional
        Axes title; default the number of bins.

    Returns
    -------
    ax : `matplotlib.axes.Axes`
        The axes, with the label image as ``ax.images[0]``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pixbin
    >>> from pixbin.plotting import plot_map
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(40, 40))
    >>> bm = pixbin.bin_pixels(cube, snr=[10] * 7 + [0] * 5, ref_band='sdss_r',
    ...                        spectra=spectra, spec_region=footprint)
    >>> ax = plot_map(bm)                       # the same as bm.plot_map()
    >>> ax.get_title(), ax.images[0].get_array().shape, type(ax).__name__
    ('70 bins', (40, 40), 'WCSAxes')
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['outside the IFU footprint']
    >>> plt.close(ax.figure)
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from ._regions import outline_segments

    labels = binmap.labels if labels is None else np.asarray(labels)
    if ax is None:
        fig = plt.figure(figsize=(6.4, 5.6))
        if binmap.wcs is not None:
            ax = fig.add_subplot(projection=binmap.wcs)
        else:
            ax = fig.add_subplot()
    nbins = int(labels.max(initial=0))
    cmap, norm = bin_colormap(nbins)
    image = ax.imshow(np.ma.masked_equal(labels, 0), origin='lower', cmap=cmap, norm=norm,
                      interpolation='nearest')
    if footprint is None:
        footprint = getattr(binmap, 'spec_region', None)
    if footprint is not None:
        footprint = np.asarray(footprint, bool)
        # Shade what lies outside the footprint, outline its edge.
        ax.imshow(np.ma.masked_where(footprint, np.ones(footprint.shape)), origin='lower',
                  cmap='Greys', vmin=0, vmax=4, alpha=0.5, interpolation='nearest', zorder=1.5)
        ax.contour(footprint.astype(float), levels=[0.5], colors='k', linewidths=1.5,
                   linestyles='--', zorder=3)
    if outlines and nbins:
        lines = LineCollection(outline_segments(labels), colors='k', linewidths=0.4,
                               alpha=0.6, zorder=2)
        ax.add_collection(lines)
    if legend:
        from matplotlib.patches import Patch
        handles = []
        if np.any(labels == 0):
            handles.append(Patch(facecolor='white', edgecolor='0.4', label='in no bin'))
        if footprint is not None and not np.all(footprint):
            handles.append(Patch(facecolor='0.75', edgecolor='k', linestyle='--',
                                 label='outside the IFU footprint'))
        if handles:
            ax.legend(handles=handles, loc='upper left', fontsize='small', framealpha=0.9)
    if colorbar:
        cbar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        cbar.set_label('bin number')
        if nbins > 20:
            cbar.set_ticks(np.linspace(1, nbins, 6).round().astype(int))
    if hasattr(ax, 'coords'):      # WCSAxes
        ax.coords[0].set_axislabel('RA')
        ax.coords[1].set_axislabel('Dec')
    else:
        ax.set_xlabel('x (pixel)')
        ax.set_ylabel('y (pixel)')
    ax.set_title(f'{nbins} bins' if title is None else title)
    ax.set_xlim(-0.5, labels.shape[1] - 0.5)
    ax.set_ylim(-0.5, labels.shape[0] - 0.5)
    return ax


def plot_sed(binmap, bin_ids, ax=None, *, spectra=True, unit=None):
    """
    Plot the photometric SED of bins, and their spectra when present.

    Without band wavelengths (``binmap.band_wavelengths`` is None: filters
    that `pixbin.io.filters` does not know), the SEDs are drawn against the
    bands in their order, named on the x axis, and the axis label says to
    give ``band_wavelengths=`` to `~pixbin.bin_pixels`; spectra need the
    wavelengths and are then not drawn.

    Parameters
    ----------
    binmap : `~pixbin.BinMap`
        A bin map with photometry and band wavelengths.
    bin_ids : int or sequence of int
        Bin numbers (1-based) to plot.
    ax : `matplotlib.axes.Axes`, optional
        Axes to draw in (default: a new figure).
    spectra : bool, optional
        Also draw the binned spectrum of bins that have one.
    unit : `~astropy.units.Unit`, optional
        Flux unit of the plot (default: the bin map's).

    Returns
    -------
    ax : `matplotlib.axes.Axes`
        The axes: one error-bar container per bin, one line per spectrum.

    Raises
    ------
    astropy.units.UnitsError
        If ``unit`` is not a flux unit that the bin map's converts to (a
        change between f_nu and f_lambda needs the band wavelengths).

    Examples
    --------
    >>> import astropy.units as u
    >>> import pixbin
    >>> bm = pixbin.bin_pixels(pixbin.datasets.make_mock_galaxy(shape=(40, 40)), snr=5)
    >>> ax = pixbin.plotting.plot_sed(bm, [1, 2], unit=u.mJy)
    >>> len(ax.containers), ax.get_xscale()         # wavelengths on a log axis
    (2, 'log')
    >>> import numpy as np
    >>> from astropy.nddata import NDData, StdDevUncertainty
    >>> images = [NDData(np.ones((8, 8)), uncertainty=StdDevUncertainty(np.full((8, 8), 0.1)),
    ...                  unit='mJy', meta={'band_name': name}) for name in ('my_a', 'my_b')]
    >>> bm = pixbin.bin_pixels(images, snr=20)      # filters pixbin does not know
    >>> ax = pixbin.plotting.plot_sed(bm, 1)
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_xlabel()
    (['my_a', 'my_b'], 'band (wavelengths unknown: give band_wavelengths= to bin_pixels)')
    """
    import astropy.units as u
    import matplotlib.pyplot as plt

    if binmap.flux is None:
        raise ValueError('binmap has no photometry to plot')
    if binmap.nbins == 0:
        raise ValueError('binmap has no bin: there is no SED to plot')
    ids = check_bin_ids(bin_ids, binmap.nbins)
    if ids.size == 0:
        raise ValueError(f'bin_ids must name at least one bin (1 to {binmap.nbins}), got none')
    if ax is None:
        ax = plt.figure(figsize=(7.5, 4.8)).add_subplot()
    from ._validation import convert_flux

    unit = binmap.flux.unit if unit is None else u.Unit(unit)
    known = binmap.band_wavelengths is not None
    if known:
        wave = binmap.band_wavelengths.to(u.um, equivalencies=u.spectral())
        bands = binmap.band_wavelengths
    else:
        wave, bands = np.arange(binmap.nbands) * u.one, None
        try:
            convert_flux(1 * binmap.flux.unit, unit)
        except u.UnitsError:
            raise u.UnitsError(f'unit {unit!s} is not {binmap.flux.unit!s} or a unit that it '
                               f'converts to without wavelengths: give band_wavelengths= to '
                               f'bin_pixels to plot in it') from None
    spec = getattr(binmap, 'spectra', None) if spectra and known else None
    for i in ids:
        flux = convert_flux(binmap.flux[i - 1], unit, bands)
        err = convert_flux(binmap.flux_err[i - 1], unit, bands)
        container = ax.errorbar(wave.value, flux.value, yerr=err.value, fmt='o', ms=5,
                                capsize=2, label=f'bin {i}', zorder=3)
        colour = container.lines[0].get_color()
        if spec is not None:
            row = binmap.spectrum_index(i)
            if row is not None:
                sw = spec.spectral_axis.to(u.um, equivalencies=u.spectral())
                sf = convert_flux(spec.flux[row], unit, spec.spectral_axis)
                ax.plot(sw.value, sf.value, '-', lw=0.7, color=colour, alpha=0.8, zorder=2)
    from matplotlib.ticker import FuncFormatter, LogLocator
    if known:
        ax.set_xscale('log')
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f'{x:g}'))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _: ''))
        ax.set_xlabel(r'wavelength ($\mu$m)')
    else:
        ax.set_xticks(wave.value, binmap.band_names,
                      rotation=45 if binmap.nbands > 6 else 0, ha='center')
        ax.set_xlabel('band (wavelengths unknown: give band_wavelengths= to bin_pixels)')
    photometry = binmap.flux[ids - 1]
    if np.all(photometry.value > 0) and photometry.max() > 20 * photometry.min():
        ax.set_yscale('log')
    ax.set_ylabel(f'flux ({unit.to_string("latex_inline")})')
    ax.legend(fontsize='small')
    return ax
