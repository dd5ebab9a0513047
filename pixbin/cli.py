# Licensed under a 3-clause BSD style license - see LICENSE
"""
The ``pixbin`` command line.

``pixbin demo`` bins the bundled synthetic galaxy and writes a picture.
"""

import argparse
import sys

__all__ = ['main']


class UserError(Exception):
    """A mistake of the user: reported in one line, exit code 2."""


def _demo(args):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from .core import bin_pixels
    from .datasets import make_mock_galaxy
    from .metrics import quality_summary

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
    bm.plot_map(ax=axes[1])
    fig.tight_layout()
    fig.savefig(args.output, dpi=args.dpi)
    print(f'wrote {args.output}')
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog='pixbin',
        description='SED-aware pixel binning of astronomical images and data cubes.')
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
    demo.set_defaults(func=_demo)
    return parser


def main(argv=None):
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f'pixbin {args.command}: error: {exc}', file=sys.stderr)
        return 2


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
