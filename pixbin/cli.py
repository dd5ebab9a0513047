# Licensed under a 3-clause BSD style license - see LICENSE
"""
The ``pixbin`` command line.

``pixbin bin`` bins a FITS cube and writes a bin-map file, ``pixbin info``
summarises a bin-map file, ``pixbin demo`` bins the bundled synthetic galaxy.
Exit codes: 0 success, 2 bad input (a one-line message, no traceback).
"""

import argparse
import os
import sys

import astropy.units as u
import numpy as np

from ._options import add_arguments, given

__all__ = ['main']

# Errors that come from the user's input or files: reported in one line.
USER_ERRORS = (ValueError, TypeError, u.UnitsError, OSError)


def _bin(args):
    from .core import bin_pixels
    # Check every output before the work: a bad --plot or --regions path must not
    # leave a new bin-map file behind.
    from .io._atomic import check_target
    for path in (args.output, args.plot, args.regions):
        if path is not None:
            check_target(path, args.overwrite)
    if args.plot is not None:
        _plot_format(args.plot)
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    options = given(args)
    # bin_pixels reads the file with pixbin.io.read_input, the reader of every entry point
    bm = bin_pixels(args.input, **options, progress=progress)
    bm.write(args.output, overwrite=args.overwrite)
    print(f'{args.input}: {bm.nbins} bins'
          + (f', {bm.nbins_spec} with spectra' if bm.spectra is not None else '')
          + f', {int(np.count_nonzero(bm.labels))} of {bm.meta["nvalid"]} valid pixels binned'
          + f' -> {args.output}')
    if args.plot:
        _save_map(bm, args.plot, args.overwrite)
        print(f'wrote {args.plot}')
    if args.regions:
        from .io._atomic import atomic_path
        regions = bm.to_regions(sky=bm.wcs is not None, flat=True)
        with atomic_path(args.regions, overwrite=args.overwrite) as tmp:
            regions.write(tmp, format='ds9', overwrite=True)
        print(f'wrote {args.regions}')
    return 0


def _plot_format(path):
    """The picture format of ``path`` (its extension, png without one), if matplotlib writes it."""
    from matplotlib.backend_bases import FigureCanvasBase
    extension = os.path.splitext(path)[1][1:].lower() or 'png'
    formats = FigureCanvasBase.get_supported_filetypes()
    if extension not in formats:
        raise ValueError(f'--plot {path}: matplotlib cannot write .{extension} pictures; use '
                         f'one of {", ".join("." + f for f in sorted(formats))}')
    return extension


def _save_map(bm, path, overwrite):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from .io._atomic import atomic_path
    ax = bm.plot_map()
    with atomic_path(path, overwrite=overwrite) as tmp:
        ax.figure.savefig(tmp, format=_plot_format(path), dpi=100)
    plt.close(ax.figure)


def _batch(args):
    from .batch import bin_many, choose_scheduler, read_config
    options = read_config(args.config) if args.config else {}
    options.update(given(args))
    if 'snr' not in options:
        raise ValueError('snr is required: give --snr or snr in the --config file')
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    try:
        scheduler, note = choose_scheduler(args.scheduler)
    except ImportError:
        raise ValueError(f'--scheduler {args.scheduler}: a dask scheduler address needs '
                         "dask.distributed: pip install 'astro-pixbin[dask]' (or give "
                         "--scheduler processes)") from None
    if note:
        print(f'pixbin batch: {note}', file=sys.stderr)   # one line, no warning
    table = bin_many(args.inputs, args.output, scheduler=scheduler, workers=args.workers,
                     overwrite=args.overwrite, progress=progress, **options)
    shown = table['input', 'status', 'nbins', 'seconds', 'error']
    shown['input'] = [os.path.basename(p) for p in table['input']]
    shown.pprint_all()
    summary = os.path.join(args.output, 'summary.ecsv')
    from .io._atomic import atomic_path
    with atomic_path(summary, overwrite=True) as tmp:     # the summary of this run replaces
        table.write(tmp, format='ascii.ecsv', overwrite=True)   # that of an earlier one
    print(f'{table.meta["done"]} binned, {table.meta["skipped"]} skipped (already done), '
          f'{table.meta["failed"]} failed; summary in {summary}')
    return 1 if table.meta['failed'] else 0


def _add_binning_options(parser, required_snr):
    """The options of bin_pixels (from its one specification), shared by ``bin`` and ``batch``."""
    add_arguments(parser, required_snr=required_snr)
    parser.add_argument('--overwrite', action='store_true', help='replace existing files')
    parser.add_argument('--progress', dest='progress', action='store_true', default=None,
                        help='show a progress bar (default: when the terminal is interactive)')
    parser.add_argument('--no-progress', dest='progress', action='store_false',
                        help='never show a progress bar')


def _info(args):
    from .io import read_binmap
    bm = read_binmap(args.file)
    print(f'{args.file}: {bm.nbins} bins on a {bm.shape[1]} x {bm.shape[0]} pixel grid'
          + (f', {bm.nbins_spec} with spectra' if bm.spectra is not None else ''))
    binned = int(np.count_nonzero(bm.labels))
    sizes = (f'; pixels per bin: min {bm.npix.min()}, median {np.median(bm.npix):g}, '
             f'max {bm.npix.max()}') if bm.nbins else ''
    print(f'  pixels in bins: {binned} ({binned / bm.labels.size:.1%} of the grid){sizes}')
    print('  ' + _pixel_counts(bm))
    if bm.wcs is not None:
        from astropy.coordinates import SkyCoord
        centre = bm.wcs.pixel_to_world((bm.shape[1] - 1) / 2, (bm.shape[0] - 1) / 2)
        print('  WCS: yes, ' + (f'centre {centre.to_string("hmsdms", precision=1)}'
                                if isinstance(centre, SkyCoord) else
                                'without a sky frame that astropy knows'))
    else:
        print('  WCS: no')
    print(f'  flux unit: {bm.flux.unit} (sum over the pixels of each bin)')
    snr = bm.meta.get('snr')
    print('  bands (S/N threshold, minimum S/N over bins):')
    for i, name in enumerate(bm.band_names):
        wave = '' if bm.band_wavelengths is None else f' {bm.band_wavelengths[i]:.6g}'
        need = '' if snr is None or i >= len(snr) else f'  threshold {snr[i]:g}'
        low = f'  min {np.nanmin(bm.snr[:, i]):.3g}' if bm.nbins else ''
        print(f'    {i:2d} {name}{wave}{need}{low}')
    if bm.spectra is not None:
        axis = bm.spectra.spectral_axis.to(u.AA, equivalencies=u.spectral())
        print(f'  spectra: {axis.size} wavelengths, {axis.min():.6g} to {axis.max():.6g}')
    params = {k: v for k, v in bm.meta.items() if k != 'snr'}
    if 'min_diameter' in params:
        params['min_diameter'] = _diameter_text(params['min_diameter'], bm.wcs)
    if params:
        print('  parameters: ' + ', '.join(f'{k}={v}' for k, v in params.items()))
    if bm.covariance is not None:
        print(f'  covariance correction: {bm.covariance!r}')
    return 0


def _diameter_text(pixels, wcs):
    """The core diameter in pixels, and the angle it spans with a celestial WCS."""
    try:
        text = f'{float(pixels):g} px'
    except (TypeError, ValueError):
        return pixels
    if wcs is None:
        return text
    from ._reproject import pixel_scale
    try:
        return text + f' ({(float(pixels) * pixel_scale(wcs)).to_value(u.arcsec):.4g} arcsec)'
    except ValueError:                   # no sky positions (a UnitsError is a ValueError)
        return text


def _pixel_counts(bm):
    """The line of ``pixbin info`` that tells valid pixels from pixels without data."""
    if bm.n_unbinned is None:
        return (f'valid pixels: unknown (the file has no NVALID): {int(bm.unbinned.sum())} '
                f'pixels in no bin, with or without data')
    return (f'valid pixels: {bm.n_binned + bm.n_unbinned} ({bm.n_binned} binned, '
            f'{bm.n_unbinned} not binned); pixels without data: {bm.n_nodata}')


def _demo(args):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from .core import bin_pixels
    from .datasets import make_mock_galaxy
    from .io._atomic import atomic_path, check_target
    from .metrics import quality_summary

    # A picture an earlier demo made is replaced; any other file only with --overwrite.
    replace = args.overwrite or _made_by_demo(args.output)
    check_target(args.output, replace)
    snr = [10.0] * 7 + [0.0] * 5
    cube, truth = make_mock_galaxy(shape=(args.size, args.size), return_truth=True)
    bm = bin_pixels(cube, snr, ref_band='sdss_r', min_diameter=4, redchi2_limit=4.0,
                    progress=args.progress)
    summary = quality_summary(bm, snr, truth, ref_band=4)
    print(f'pixbin demo: {args.size}x{args.size} px, 12 bands, S/N >= 10 in '
          f'{", ".join(cube.meta["band_names"][:7])}')
    print(f'number of bins: {bm.nbins}')
    print(f'pixels binned: {summary["binned_fraction"]:.1%} of valid pixels; '
          f'bins below the S/N target: {summary["frac_below_target"]:.1%}; '
          f'disconnected bins: {summary["disconnected"]}')
    print(f'within-bin colour spread (p90, noise-free truth): '
          f'{summary["colour_spread_p90"]:.3f} mag; flux in bins >= 90% one component: '
          f'{summary["pure_flux_fraction"]:.1%}')
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2),
                             subplot_kw={'projection': bm.wcs})
    r = cube.data[4]
    axes[0].imshow(r, origin='lower', cmap='gray_r',
                   vmin=0, vmax=float(r[r > 0].mean() * 6) if (r > 0).any() else 1)
    axes[0].set_title('mock galaxy, r band')
    axes[0].coords[0].set_axislabel('RA')
    axes[0].coords[1].set_axislabel('Dec')
    bm.plot_map(ax=axes[1])
    fig.tight_layout()
    with atomic_path(args.output, overwrite=replace) as tmp:
        fig.savefig(tmp, format='png', dpi=args.dpi, metadata={'Software': _DEMO_SOFTWARE})
    plt.close(fig)
    print(f'wrote {args.output}')
    return 0


_DEMO_SOFTWARE = 'pixbin demo'


def _made_by_demo(path):
    """True if ``path`` is a PNG written by ``pixbin demo``."""
    try:
        from PIL import Image
        with Image.open(path) as image:
            return image.format == 'PNG' and image.info.get('Software') == _DEMO_SOFTWARE
    except (OSError, ValueError):
        return False


def build_parser():
    parser = argparse.ArgumentParser(
        prog='pixbin',
        description='SED-aware pixel binning of astronomical images and data cubes.')
    from . import __version__
    parser.add_argument('--version', action='version', version=f'pixbin {__version__}')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    demo = sub.add_parser('demo', help='bin the bundled synthetic galaxy and write a PNG',
                          description='Bin the bundled 12-band synthetic galaxy with S/N >= 10 '
                                      'in 7 bands, print the number of bins and quality '
                                      'figures, and write a picture of the bin map.')
    demo.add_argument('-o', '--output', default='pixbin_demo.png',
                      help='PNG file to write (default: %(default)s)')
    demo.add_argument('--size', type=int, default=200,
                      help='image size in pixels (default: %(default)s)')
    demo.add_argument('--dpi', type=int, default=90, help=argparse.SUPPRESS)
    demo.add_argument('--progress', action='store_true', help='show a progress bar')
    demo.add_argument('--overwrite', action='store_true',
                      help='replace OUTPUT even if an earlier demo did not write it')
    demo.set_defaults(func=_demo)

    binp = sub.add_parser(
        'bin', help='bin a FITS cube and write a bin-map FITS file',
        description='Bin the pixels of a FITS cube (a piXedfit flux-map file, an image of '
                    'JWST or HST, or a FITS cube or image with BUNIT and an uncertainty '
                    'extension, read by pixbin.io.read_input) so that every bin '
                    'reaches the S/N threshold in every band that has one, and write the bins '
                    'as a FITS file that keeps the WCS and that piXedfit users can read.',
        epilog='example: pixbin bin ngc309_fluxmap.fits --snr 10,10,10,10,10,10,10,0,0,0,0,0 '
               '--ref-band 4 --min-diameter 4 -o ngc309_bins.fits --plot ngc309_bins.png')
    binp.add_argument('input', help='input FITS file')
    binp.add_argument('-o', '--output', required=True, help='bin-map FITS file to write')
    _add_binning_options(binp, required_snr=True)
    binp.add_argument('--plot', metavar='PNG', help='also write a picture of the bin map')
    binp.add_argument('--regions', metavar='REG',
                      help='also write the bins as ds9 polygon regions (sky if WCS)')
    binp.set_defaults(func=_bin)

    batch = sub.add_parser(
        'batch', help='bin many cubes in parallel, resumable',
        description='Bin many FITS cubes in parallel (a local dask cluster by default, or a '
                    'local process pool when dask.distributed is not installed, or an '
                    'existing dask.distributed scheduler), writing <name>_bins.fits '
                    'for each into the output folder.  Inputs whose output already exists '
                    'are skipped, so an interrupted run can be resumed; a failing cube is '
                    'reported and does not stop the others.  Options on the command line '
                    'override those of the --config file.',
        epilog="example: pixbin batch 'cubes/*.fits' --config params.toml -o out/")
    batch.add_argument('inputs', nargs='+', help='input FITS files or quoted glob patterns')
    batch.add_argument('-o', '--output', required=True, help='output folder')
    batch.add_argument('--config', help='TOML file of binning options (snr, ref_band, '
                                        'min_diameter, redchi2_limit, ...)')
    batch.add_argument('--scheduler', default=None,
                       help="dask scheduler address (tcp://host:port); 'processes' for a "
                            "local process pool without dask, 'serial' for one by one; "
                            "default: a local dask cluster, or a local process pool when "
                            "dask.distributed is not installed")
    batch.add_argument('--workers', type=int, default=None,
                       help='number of local workers (default: number of CPUs)')
    _add_binning_options(batch, required_snr=False)
    batch.set_defaults(func=_batch)

    info = sub.add_parser('info', help='summarise a bin-map FITS file',
                          description='Print the number of bins, the bands and their S/N, '
                                      'the WCS and the binning parameters of a bin-map file '
                                      'written by pixbin or piXedfit.')
    info.add_argument('file', help='bin-map FITS file')
    info.set_defaults(func=_info)
    return parser


class _ClosedPipeSafe:
    """
    Standard output that a closed pipe (``pixbin info FILE | head -1``) cannot break.

    Once the reader has gone, output is dropped and the command goes on (a
    ``pixbin bin`` still writes all its files); the file descriptor is pointed
    at the null device so that Python's last flush at exit does not fail either.
    """

    def __init__(self, stream):
        self._stream = stream
        self.closed_pipe = False

    def _broken(self):
        self.closed_pipe = True
        try:
            fd = self._stream.fileno()
        except (AttributeError, OSError, ValueError):
            return                          # not a real file (captured output)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)

    def write(self, text):
        if self.closed_pipe:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._broken()
            return len(text)

    def flush(self):
        if self.closed_pipe:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._broken()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def main(argv=None):
    """
    Run the command line; return the exit code.

    ``pixbin ARGS`` in a shell is ``main([ARGS])`` in Python.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``pixbin`` (default: ``sys.argv[1:]``).

    Returns
    -------
    code : int
        0 on success, 1 if ``pixbin batch`` could not bin some inputs, 2 on
        bad input (with a one-line message on standard error).

    Examples
    --------
    >>> import os, tempfile
    >>> from pixbin.cli import main
    >>> picture = os.path.join(tempfile.mkdtemp(), 'demo.png')
    >>> main(['demo', '--size', '40', '-o', picture])
    pixbin demo: 40x40 px, 12 bands, S/N >= 10 in galex_fuv, galex_nuv, sdss_u, ...
    number of bins: ...
    wrote ...demo.png
    0
    >>> os.path.exists(picture)
    True
    >>> main(['info', 'no-such-file.fits'])     # the message goes to standard error
    2
    """
    stdout = sys.stdout
    sys.stdout = safe = _ClosedPipeSafe(stdout)
    try:
        return _main(argv)
    finally:
        safe.flush()
        sys.stdout = stdout


def _main(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except USER_ERRORS as exc:
        message = ' '.join(str(exc).split())
        print(f'pixbin {args.command}: error: {message}', file=sys.stderr)
        return 2


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
