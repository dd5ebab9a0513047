# Licensed under a 3-clause BSD style license - see LICENSE
"""
The options of bin_pixels are specified once (pixbin._options) and every front
end is made from that specification.
"""

import argparse
import inspect

import astropy.units as u
import numpy as np
import pytest

import pixbin
from pixbin._options import DATA_KEYWORDS, OPTIONS, REQUIRED
from pixbin.batch import BIN_OPTIONS
from pixbin.cli import build_parser


def test_bin_pixels_signature_is_the_specification():
    parameters = inspect.signature(pixbin.bin_pixels).parameters
    assert set(parameters) == {'cube'} | set(OPTIONS) | set(DATA_KEYWORDS)
    for name, option in OPTIONS.items():
        default = parameters[name].default
        expected = inspect.Parameter.empty if option.default is REQUIRED else option.default
        assert default == expected, name


def test_command_line_options_come_from_the_specification():
    parser = build_parser()
    for command in ('bin', 'batch'):
        sub = parser._subparsers._group_actions[0].choices[command]
        flags = {action.dest: action for action in sub._actions}
        for name, option in OPTIONS.items():
            action = flags[name]
            assert option.flag in action.option_strings
            assert action.default is None          # not given: bin_pixels' default applies
            if option.choices:
                assert list(action.choices) == list(option.choices)
            if option.default is not REQUIRED:
                assert option.describe_default() in action.help
    assert BIN_OPTIONS == tuple(OPTIONS)


@pytest.mark.parametrize('name, text, value', [
    ('snr', '10,10,0', [10.0, 10.0, 0.0]), ('snr', '5', 5.0), ('ref_band', '4', 4),
    ('ref_band', 'sdss_r', 'sdss_r'), ('min_diameter', '3.5', 3.5), ('covariance', '1.62', 1.62),
    ('min_diameter', '0.8arcsec', 0.8 * u.arcsec), ('min_diameter', '0.8 arcsec', 0.8 * u.arcsec),
    ('min_diameter', '1e-4 deg', 1e-4 * u.deg), ('min_diameter', '4 pix', 4 * u.pix),
])
def test_values_are_read_from_text(name, text, value):
    parsed = OPTIONS[name].parse(text)
    assert type(parsed) is type(value) and np.all(parsed == value)
    if isinstance(value, u.Quantity):
        assert parsed.unit == value.unit


@pytest.mark.parametrize('text', ['0.8as', '3 m', 'four', '4 bogus', ''])
def test_min_diameter_text_is_pixels_or_an_angle(text):
    with pytest.raises(argparse.ArgumentTypeError,
                       match=f'expected a number of pixels or an angle with its unit, e.g. 4 or '
                             f'0.8arcsec, got {text!r}'):
        OPTIONS['min_diameter'].parse(text)


def test_glue_accepts_the_specified_keywords():
    pytest.importorskip('glue')
    from pixbin_glue._binning import binning_options
    assert binning_options() == (set(OPTIONS) | set(DATA_KEYWORDS)) - {'snr'}
