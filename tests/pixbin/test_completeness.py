# Licensed under a 3-clause BSD style license - see LICENSE
"""
The default binning (method='complete') leaves no signal behind, on the
sharp-edged mock and on the PSF-blended one.

Figures measured on these seeded mocks are in the comments; the greedy
pass alone (method='greedy', piXedfit's scheme) is the comparison.
"""

import numpy as np
import pytest
from pixbin_test_helpers import SNR_7_BANDS, default_stages

from pixbin import bin_pixels
from pixbin.datasets import make_blended_galaxy
from pixbin.metrics import (colour_spread, disconnected_bins, roundness_excess, snr_deficit,
                            unbinned_groups)


@pytest.fixture(scope='module')
def blended():
    """The 100 x 100 PSF-blended mock (FWHM 4 px) and its truth."""
    return make_blended_galaxy(return_truth=True)


def run(cube, **options):
    return bin_pixels(cube, SNR_7_BANDS, ref_band=4, min_diameter=4, **options)


def bright_coverage(bm, cube):
    """Fraction of the pixels with S/N > 3 in the reference band that are in a bin."""
    bright = cube.data[4] / cube.uncertainty.array[4] > 3
    return np.mean(bm.labels[bright] > 0)


@pytest.fixture(scope='module', params=['mock', 'blended'])
def case(request):
    cube, truth = request.getfixturevalue(request.param)
    complete, stages = default_stages(run, cube)
    return (request.param, cube, truth, complete, run(cube, method='greedy', sys_err=0.03),
            stages['greedy'], stages['complete'])


def test_no_unbinned_group_reaches_the_threshold(case):
    name, cube, _, complete, greedy, *_ = case
    _, reach = unbinned_groups(complete, cube.data, cube.uncertainty.array, SNR_7_BANDS)
    # measured: one group of 0.04 of the threshold left (mock), none (blended)
    assert reach.max(initial=0.0) < 1
    _, reach_greedy = unbinned_groups(greedy, cube.data, cube.uncertainty.array, SNR_7_BANDS)
    # The greedy pass leaves groups of 13.5 (mock) and 3.5 (blended) times the target.
    assert reach_greedy.max() > 3


def test_bright_pixels_are_binned(case):
    name, cube, _, complete, greedy, *_ = case
    # measured 1.0 / 1.0 (greedy pass alone: 0.806 / 0.914); the issue asks >= 0.99
    assert bright_coverage(complete, cube) >= 0.99
    assert bright_coverage(complete, cube) > bright_coverage(greedy, cube) + 0.05


def test_guarantees_hold(case):
    _, cube, _, complete, *_ = case
    assert np.all(snr_deficit(complete.snr, SNR_7_BANDS) >= -1e-12)
    assert disconnected_bins(complete).size == 0
    valid = np.all(np.isfinite(cube.data), axis=0)
    assert np.all(complete.labels[~valid] == 0)


def test_greedy_bins_are_kept_as_they_were_made(case):
    """The completion passes only add pixels to the greedy pass's bins, and add bins."""
    _, _, _, complete, _, first, before_relaxation = case
    inside = first > 0
    assert np.array_equal(before_relaxation[inside], first[inside])
    # measured: 273 bins of the greedy pass + 19 (mock), 458 + 5 (blended)
    assert complete.nbins == before_relaxation.max() > first.max()
    assert np.count_nonzero(before_relaxation) > np.count_nonzero(first)


def test_relaxation_makes_bins_compact(case):
    """
    The relaxation moves border pixels between bins (measured: 318 on the
    mock, 335 on the blended mock): same bins, same binned pixels, rounder
    bins, no more colour spread.
    """
    name, _, truth, complete, _, _, before = case
    after = complete.labels
    assert 250 < np.count_nonzero(after != before) < 400
    assert np.array_equal(after > 0, before > 0)
    excess = np.median(roundness_excess(after)[complete.npix > 1])
    excess_before = np.median(roundness_excess(before)[np.bincount(before.ravel())[1:] > 1])
    # measured: 0.210 -> 0.135 (mock), 0.261 -> 0.210 (blended)
    assert excess < excess_before - 0.04
    spread = np.percentile(colour_spread(after, truth.model), 90)
    # measured: 0.152 -> 0.141 (mock), 0.114 -> 0.112 (blended)
    assert spread < np.percentile(colour_spread(before, truth.model), 90)


def test_colour_spread_of_the_default(case):
    """
    Colour spread of the noise-free pixels in each bin, p90 over bins (mag).

    The price of binning the pixels where components blend: the greedy pass
    leaves them out (p90 0.068 on the mock, 0.094 on the blended mock, with
    the default sys_err 0.03); the default bins them, and its p90 is 0.141
    and 0.112.
    """
    name, _, truth, complete, greedy, first, _ = case
    spread = colour_spread(complete, truth.model)
    assert np.percentile(spread, 90) < {'mock': 0.145, 'blended': 0.115}[name]
    assert np.percentile(colour_spread(greedy, truth.model), 90) < {'mock': 0.07,
                                                                    'blended': 0.1}[name]
    old = np.arange(1, complete.nbins + 1) <= first.max()
    # measured p90 of the greedy pass's bins, after pixels joined them: 0.095 / 0.108
    assert np.percentile(spread[old], 90) < {'mock': 0.1, 'blended': 0.115}[name]
