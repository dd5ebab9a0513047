# Licensed under a 3-clause BSD style license - see LICENSE
"""
The options of `~pixbin.bin_pixels`, specified once.

Each `Option` holds a keyword's name, default, choices, help text and how
its value is read from text.  The command line (``pixbin bin``,
``pixbin batch``), the batch configuration (`pixbin.batch.read_config`) and
the glue plugin's dialog are made from `OPTIONS`; `bin_pixels` checks
choices against it, and a test keeps its signature's defaults equal to it.
"""

import argparse
from dataclasses import dataclass

import astropy.units as u

from .binning import LEFTOVER_CHOICES, METHODS

__all__ = []


def _number_list(text):
    """'10' or '10,10,0' -> float or list of float."""
    try:
        values = [float(v) for v in text.split(',')]
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a number or comma-separated numbers, got '
                                         f'{text!r}') from None
    return values[0] if len(values) == 1 else values


def _band(text):
    """A band index ('4') or name ('sdss_r')."""
    return int(text) if text.lstrip('-').isdigit() else text


def _diameter(text):
    """'4' (pixels), '4pix' or an angle '0.8arcsec' -> float or Quantity."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        value = u.Quantity(text)
    except (TypeError, ValueError):
        value = None
    if value is None or not value.isscalar or not (value.unit == u.pix
                                                   or value.unit.physical_type == 'angle'):
        raise argparse.ArgumentTypeError(f'expected a number of pixels or an angle with its '
                                         f'unit, e.g. 4 or 0.8arcsec, got {text!r}')
    return value


def _bands(text):
    """'4760-4950,4950-5150' or '0.476-0.495um' -> Quantity (n, 2)."""
    from ._windows import parse_bands_text
    try:
        return parse_bands_text(text)
    except (ValueError, u.UnitsError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: The default of a required option.
REQUIRED = object()


@dataclass(frozen=True)
class Option:
    """
    One keyword of `~pixbin.bin_pixels`.

    ``parse`` reads the value from text (command line); `bool` options are
    flags.  ``default_text`` is how the default is described where it is not
    a plain value.
    """

    name: str
    default: object
    help: str
    parse: object = None
    choices: tuple = None
    metavar: str = None
    default_text: str = None

    @property
    def flag(self):
        """The command-line flag, e.g. ``--min-diameter``."""
        return '--' + self.name.replace('_', '-')

    def describe_default(self):
        """The default in words, for help texts."""
        if self.default_text is not None:
            return self.default_text
        if self.default is REQUIRED:
            return 'required'
        return repr(self.default) if isinstance(self.default, str) else f'{self.default}'


_SYS_ERR_DEFAULTS = ', '.join(f'{value:g} for {name}' for name, value in METHODS.items())

#: The options of bin_pixels that the command line, batch and glue offer.
OPTIONS = {option.name: option for option in (
    Option('snr', REQUIRED, 'S/N threshold: one value for all bands or one per band, comma '
           'separated (0 = no requirement in that band)', parse=_number_list),
    Option('method', 'complete', "binning method: 'complete' bins every group of pixels "
           "that can reach the S/N; 'greedy' is piXedfit's scheme", choices=tuple(METHODS)),
    Option('ref_band', None, 'band index or name that orders the seeds', parse=_band,
           default_text='the band with the highest total S/N'),
    Option('min_diameter', 2.0, 'diameter of the core disc of a bin (not a guaranteed '
           'minimum size), e.g. the PSF FWHM: in pixels, or an angle with its unit '
           '(0.8arcsec) converted with the WCS pixel scale', parse=_diameter),
    Option('redchi2_limit', 4.0, 'largest reduced chi-square between a pixel SED and its '
           'bin SED', parse=float),
    Option('sys_err', None, 'fractional systematic error in the shape tests', parse=float,
           default_text=_SYS_ERR_DEFAULTS),
    Option('leftovers', 'unbinned', "pixels left in no bin: keep them out ('unbinned') or "
           "merge them into the most similar adjacent bin ('merge')",
           choices=LEFTOVER_CHOICES),
    Option('strict_min_diameter', False, 'take the whole core disc without the shape test '
           '(piXedfit)', parse=bool),
    Option('covariance', None, 'covariance correction of the binned noise, eta = 1 + ALPHA '
           'log10(npix) (MaNGA: 1.62)', parse=float, metavar='ALPHA', default_text='none'),
    Option('bands', None, 'wavelength windows of a spectral cube, each a band of the '
           'binning: LOW-HIGH in Angstrom or with a unit, comma separated, e.g. '
           '4760-4950,4950-5150 or 0.476-0.495um', parse=_bands, metavar='LOW-HIGH[,...]',
           default_text='4 equal windows for a spectral cube'),
    Option('spec_min_fraction', 1.0, 'fraction of a bin inside the IFU footprint for it to '
           'get a spectrum', parse=float),
)}


#: The other keywords of bin_pixels: the data, and how to report progress.
DATA_KEYWORDS = ('mask', 'spectra', 'spec_region', 'band_names', 'band_wavelengths',
                 'progress')


def add_arguments(parser, *, required_snr):
    """Add an argument for every option of `OPTIONS` to an argparse ``parser``."""
    for option in OPTIONS.values():
        text = f'{option.help} (default: {option.describe_default()})'
        if option.parse is bool:
            parser.add_argument(option.flag, dest=option.name, action='store_true',
                                default=None, help=text)
            continue
        extra = dict(choices=list(option.choices)) if option.choices else \
            dict(type=option.parse)
        if option.default is REQUIRED:
            extra['required'] = required_snr
            text = option.help
        parser.add_argument(option.flag, dest=option.name, default=None,
                            metavar=option.metavar, help=text, **extra)


def given(namespace):
    """The options set in an argparse ``namespace`` (not None, not a false flag)."""
    values = {name: getattr(namespace, name, None) for name in OPTIONS}
    # (by identity: 0.0 == False, and --min-diameter 0 must reach bin_pixels' check)
    return {name: value for name, value in values.items()
            if value is not None and value is not False}
