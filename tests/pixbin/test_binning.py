# Licensed under a 3-clause BSD style license - see LICENSE
"""The array-level algorithm against its plain-Python statement, and its properties."""

import numpy as np
import pytest
from pixbin_test_helpers import default_first_pass, default_stages, random_cube
from numpy.testing import assert_array_equal
from reference_greedy import reference_greedy, shape_chi2
from reference_relax import reference_relax
from scipy import ndimage

from pixbin.binning import bin_arrays, sed_greedy
from pixbin.metrics import disconnected_bins, roundness_excess


def _check_labels(labels, valid):
    """Labels 1..nbins without gaps, only on valid pixels, every bin 4-connected."""
    present = np.unique(labels[labels > 0])
    assert_array_equal(present, np.arange(1, labels.max() + 1))
    assert not np.any(labels[~valid])
    assert disconnected_bins(labels).size == 0


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('strict', [False, True])
@pytest.mark.parametrize('leftovers', ['unbinned', 'merge'])
def test_kernel_matches_reference(seed, strict, leftovers):
    rng = np.random.default_rng(seed)
    flux, var = random_cube(rng, shape=(4, 14, 17))
    valid = rng.random(flux.shape[1:]) > 0.1
    snr = np.array([6.0, 0.0, 4.0, 0.0])
    kwargs = dict(min_diameter=3.0, redchi2_limit=2.5)
    labels = sed_greedy(flux, var, snr, valid=valid, ref_band=1, strict_min_diameter=strict,
                        leftovers=leftovers, **kwargs)
    expected = reference_greedy(flux, var, snr, valid, 1, strict=strict, leftovers=leftovers,
                                **kwargs)
    assert_array_equal(labels, expected)
    assert labels.max() > 3
    _check_labels(labels, valid)


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('strict', [False, True])
@pytest.mark.parametrize('limit', [10.0, 1e6])
def test_default_growth_matches_reference(seed, strict, limit):
    """The default's greedy pass grows beyond the core nearest to the centroid first."""
    rng = np.random.default_rng(seed)
    flux, var = random_cube(rng, shape=(4, 14, 17))
    valid = rng.random(flux.shape[1:]) > 0.1
    snr = np.array([12.0, 0.0, 8.0, 0.0])      # bins grow beyond their core
    kwargs = dict(min_diameter=2.0, redchi2_limit=limit)
    _, first = default_first_pass(bin_arrays, flux, np.sqrt(var), snr, valid=valid,
                                  ref_band=1, strict_min_diameter=strict, sys_err=0.0,
                                  **kwargs)
    expected = reference_greedy(flux, var, snr, valid, 1, strict=strict, centroid=True,
                                **kwargs)
    assert_array_equal(first, expected)
    assert first.max() > 2
    # the order matters here: the piXedfit order gives other bins
    assert not np.array_equal(first, reference_greedy(flux, var, snr, valid, 1,
                                                      strict=strict, **kwargs))


def test_default_growth_tiles_a_flat_field_with_compact_bins():
    """
    On a flat field each seed is blocked above and to the left by earlier bins:
    the default grows its bins around their centroid into compact tiles, where
    piXedfit's order (method='greedy') grows them around the seed, ragged.
    """
    flux = np.ones((1, 60, 60))
    runs = {method: bin_arrays(flux, np.ones_like(flux), [5.0], method=method,
                               min_diameter=1, sys_err=0.0).labels
            for method in ('complete', 'greedy')}
    for method, labels in runs.items():
        _check_labels(labels, np.ones((60, 60), bool))
    npix = {method: np.bincount(labels.ravel())[1:] for method, labels in runs.items()}
    # S/N 5 = sqrt(25): 144 bins of 25 pixels; the greedy order leaves 50 pixels out
    assert runs['complete'].max() == 144 and np.all(npix['complete'] == 25)
    assert runs['greedy'].max() == 142 and np.count_nonzero(runs['greedy'] == 0) == 50
    excess = {method: np.median(roundness_excess(labels)) for method, labels in runs.items()}
    assert excess['complete'] < 0.05 and excess['greedy'] > 0.35        # 0.02 and 0.39


def compactness(labels):
    """Sum over the bins of I / n**2 (I: moment of inertia about the centroid)."""
    total = 0.0
    for i in range(1, labels.max() + 1):
        y, x = np.nonzero(labels == i)
        total += (np.var(y) + np.var(x)) / y.size
    return total


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('min_diameter', [1.0, 3.0])
def test_relaxation_matches_reference(seed, min_diameter):
    """
    The relaxation moves border pixels where that makes the bins more compact,
    and keeps the bins, the binned pixels and the guarantees.
    """
    rng = np.random.default_rng(seed)
    flux, var = random_cube(rng, shape=(4, 14, 17))
    valid = rng.random(flux.shape[1:]) > 0.1
    snr = np.array([12.0, 0.0, 8.0, 0.0])
    result, stages = default_stages(bin_arrays, flux, np.sqrt(var), snr, valid=valid,
                                    ref_band=1, min_diameter=min_diameter, redchi2_limit=10.0)
    before, labels = stages['complete'], result.labels
    expected = reference_relax(flux, var, before, snr, valid, min_diameter, 10.0, 0.03)
    assert_array_equal(labels, expected)
    assert np.count_nonzero(labels != before) > 0
    assert_array_equal(labels > 0, before > 0)
    assert labels.max() == before.max()
    _check_labels(labels, valid)
    assert np.all(result.flux[:, snr > 0] >= snr[snr > 0] * result.error[:, snr > 0])
    assert compactness(labels) < compactness(before)


def test_kernel_matches_reference_on_mock(mock):
    cube, _ = mock
    flux = cube.data[:, 30:70, 25:75]
    var = cube.uncertainty.array[:, 30:70, 25:75] ** 2
    snr = np.array([10.0] * 7 + [0.0] * 5)
    valid = np.ones(flux.shape[1:], bool)
    labels = sed_greedy(flux, var, snr, valid=valid, ref_band=4, min_diameter=4,
                        redchi2_limit=4.0)
    expected = reference_greedy(flux, var, snr, valid, 4, 4.0, 4.0)
    assert_array_equal(labels, expected)
    assert labels.max() > 100
    _, first = default_first_pass(bin_arrays, flux, np.sqrt(var), snr, valid=valid,
                                  ref_band=4, min_diameter=4, redchi2_limit=4.0)
    expected = reference_greedy(flux, var, snr, valid, 4, 4.0, 4.0, sys_err=0.03,
                                centroid=True)
    assert_array_equal(first, expected)
    assert first.max() > 100
    result, stages = default_stages(bin_arrays, flux, np.sqrt(var), snr, valid=valid,
                                    ref_band=4, min_diameter=4, redchi2_limit=4.0)
    expected = reference_relax(flux, var, stages['complete'], snr, valid, 4.0, 4.0, 0.03)
    assert_array_equal(result.labels, expected)
    assert np.count_nonzero(result.labels != stages['complete']) > 50


def test_sys_err_matches_reference():
    rng = np.random.default_rng(11)
    flux, var = random_cube(rng, shape=(5, 10, 10), noise=0.3)
    snr = np.full(5, 8.0)
    valid = np.ones((10, 10), bool)
    labels = sed_greedy(flux, var, snr, valid=valid, ref_band=0, min_diameter=2,
                        redchi2_limit=3.0, sys_err=0.1)
    expected = reference_greedy(flux, var, snr, valid, 0, 2.0, 3.0, sys_err=0.1)
    assert_array_equal(labels, expected)


def test_bins_reach_threshold_and_stop_early():
    rng = np.random.default_rng(3)
    flux, var = random_cube(rng, shape=(3, 30, 30))
    snr = np.array([8.0, 8.0, 0.0])
    labels = sed_greedy(flux, var, snr, min_diameter=1, redchi2_limit=1e6)
    nbins = labels.max()
    totals = np.array([[flux[b][labels == i].sum() for b in range(3)]
                       for i in range(1, nbins + 1)])
    noise = np.array([[np.sqrt(var[b][labels == i].sum()) for b in range(3)]
                      for i in range(1, nbins + 1)])
    assert np.all(totals[:, :2] / noise[:, :2] >= 8.0)
    # Without a shape test and with a 1-pixel core, no bin keeps pixels it does
    # not need: removing its last pixel (the farthest) breaks the threshold for
    # most bins; at least it never takes more than the S/N needs by far.
    assert np.median((totals[:, :2] / noise[:, :2]).min(axis=1)) < 12.0
    _check_labels(labels, np.ones((30, 30), bool))


def test_brightest_seed_is_bin_one():
    flux = np.ones((2, 9, 9))
    flux[:, 6, 2] = 50.0
    labels = sed_greedy(flux, np.ones_like(flux), np.array([3.0, 3.0]), min_diameter=1)
    assert labels[6, 2] == 1


def test_core_disc_taken_before_stopping():
    """A bin whose seed alone reaches the S/N still takes its core disc."""
    flux = np.ones((2, 9, 9))
    flux[:, 4, 4] = 100.0
    labels = sed_greedy(flux, np.ones_like(flux), np.array([5.0, 5.0]), min_diameter=5,
                        redchi2_limit=10.0)
    y, x = np.indices((9, 9))
    disc = (y - 4) ** 2 + (x - 4) ** 2 <= 2.5**2
    assert np.all(labels[disc] == 1)
    assert np.all(labels[~disc] != 1)


def test_shape_test_separates_colours():
    """Two halves with different SED shapes never share a bin."""
    flux = np.empty((3, 20, 20))
    flux[:, :, :10] = np.array([10.0, 5.0, 1.0])[:, None, None]
    flux[:, :, 10:] = np.array([1.0, 5.0, 10.0])[:, None, None]
    var = np.full_like(flux, 0.25)
    labels = sed_greedy(flux, var, np.array([15.0, 15.0, 15.0]), min_diameter=3,
                        redchi2_limit=4.0)
    left = set(np.unique(labels[:, :10])) - {0}
    right = set(np.unique(labels[:, 10:])) - {0}
    assert left and right and not (left & right)


def test_surroundings_test_sees_an_edge_single_pixels_hide():
    """
    Two halves whose SEDs differ by 40% in one of three bands, at S/N 6 per
    pixel and band: one pixel of the right half against the left half's SED
    gives a reduced chi-square of 1.9, below the limit of 4, so the pixel test
    alone lets a bin cross the edge.  The pixel and its four neighbours have
    sqrt(5) times the S/N, and their test does not.  The core disc covers the
    whole image, so the aggregate test beyond the core plays no part.
    """
    left_sed, right_sed = np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.4, 1.0])
    flux = np.empty((3, 8, 12))
    flux[:, :, :6] = 36.0 * 1.0001 * left_sed[:, None, None]   # seeds on the left first
    flux[:, :, 6:] = 36.0 * right_sed[:, None, None]
    var = np.full_like(flux, 36.0)
    one_pixel = shape_chi2(flux[:, 3, 8], var[:, 3, 8], flux[:, :, :6].sum(axis=(1, 2)))
    assert 1.8 < one_pixel < 4.0
    labels = sed_greedy(flux, var, np.zeros(3), min_diameter=100, redchi2_limit=4.0)
    assert np.all(labels[:, :6] == 1)
    # only the two corners of the edge column (three neighbours, one on the left) join
    assert_array_equal(np.argwhere(labels[:, 6:] == 1), [[0, 0], [7, 0]])
    assert np.all(labels[:, 7:] == 2)
    valid = np.ones((8, 12), bool)
    assert_array_equal(labels, reference_greedy(flux, var, np.zeros(3), valid, 0, 100.0, 4.0))


def test_strict_core_mixes_colours_at_an_edge():
    flux = np.empty((3, 9, 9))
    flux[:, :, :5] = np.array([10.0, 5.0, 1.0])[:, None, None]
    flux[:, :, 5:] = np.array([1.0, 5.0, 10.0])[:, None, None]
    flux[:, 4, 4] += 5.0   # the brightest pixel sits on the edge
    var = np.full_like(flux, 0.01)
    snr = np.zeros(3)
    y, x = np.indices((9, 9))
    disc = (y - 4) ** 2 + (x - 4) ** 2 <= 2.5**2
    strict = sed_greedy(flux, var, snr, min_diameter=5, redchi2_limit=4.0,
                        strict_min_diameter=True)
    assert np.all(strict[disc] == 1) and np.all(strict[~disc] != 1)
    loose = sed_greedy(flux, var, snr, min_diameter=5, redchi2_limit=4.0)
    # The seed's SED matches neither side: it is a bin of its own.
    assert loose[4, 4] == 1 and np.count_nonzero(loose == 1) == 1
    left = set(np.unique(loose[:, :5])) - {1}
    right = set(np.unique(loose[:, 5:]))
    assert left and right and not left & right


def test_unreachable_pixels_are_leftovers_or_merged():
    rng = np.random.default_rng(5)
    flux = rng.normal(0, 1, size=(2, 20, 20))
    flux[:, 8:12, 8:12] += 30.0
    var = np.ones_like(flux)
    snr = np.array([10.0, 10.0])
    labels = sed_greedy(flux, var, snr, min_diameter=2, redchi2_limit=4.0)
    assert labels.max() >= 1
    assert np.count_nonzero(labels == 0) > 300
    merged = sed_greedy(flux, var, snr, min_diameter=2, redchi2_limit=4.0,
                        leftovers='merge')
    assert labels.max() == merged.max()
    # every leftover pixel connected to a bin joined one, and bins stay connected
    assert np.count_nonzero(merged == 0) == 0
    assert disconnected_bins(merged).size == 0
    assert np.all(merged[labels > 0] == labels[labels > 0])


def test_merge_prefers_the_matching_bin():
    """A leftover strip between two colours joins the bins of its own SED shape."""
    flux = np.zeros((2, 5, 9))
    flux[:, :, :4] = np.array([40.0, 4.0])[:, None, None]
    flux[:, :, 5:] = np.array([4.0, 40.0])[:, None, None]
    flux[:, :, 4] = np.array([0.5, 3.0])[:, None]     # faint, shaped like the right side
    var = np.full_like(flux, 0.01)
    snr = np.array([20.0, 20.0])
    kept = sed_greedy(flux, var, snr, min_diameter=1, redchi2_limit=2.0)
    assert np.all(kept[:, 4] == 0) and np.all(kept[:, [3, 5]] > 0)
    merged = sed_greedy(flux, var, snr, min_diameter=1, redchi2_limit=2.0, leftovers='merge')
    assert_array_equal(merged[:, 4], merged[:, 5])


def test_invalid_pixels_never_binned_and_nan_ignored():
    rng = np.random.default_rng(8)
    flux, var = random_cube(rng, shape=(3, 16, 16))
    flux[1, 3, 4] = np.nan
    var[0, 10, 10] = 0.0
    labels = sed_greedy(flux, var, np.array([5.0, 5.0, 5.0]), min_diameter=2)
    assert labels[3, 4] == 0 and labels[10, 10] == 0
    assert labels.max() > 5


def test_negative_fluxes_are_summed_as_they_are():
    flux = np.full((1, 1, 6), 3.0)
    flux[0, 0, 1] = -1.0
    labels = sed_greedy(flux, np.ones_like(flux), np.array([3.0]), min_diameter=1)
    # Seeds go by flux: pixels 0, 2, 3, 4, 5 (S/N 3) are bins on their own;
    # the negative pixel 1 cannot seed a bin that reaches S/N 3 alone and has
    # no free neighbour left, so it stays out; its -1 is never replaced.
    assert_array_equal(labels, [[1, 0, 2, 3, 4, 5]])
    flux[0, 0, 2:] = [1.0, 1.0, 1.0, 1.0]
    labels = sed_greedy(flux, np.ones_like(flux), np.array([1.5]), min_diameter=1)
    # bin 1 = pixel 0 (S/N 3); then seed 2 takes 3 (2/sqrt(2) < 1.5), then 1 or 4
    # by distance and index: pixel 1 at distance 1 joins: (1 + 1 - 1) / sqrt(3) < 1.5,
    # so pixel 4 joins too: 2 / sqrt(4) = 1 < 1.5, then 5: 3 / sqrt(5) = 1.34 < 1.5 -> fail
    assert labels[0, 0] == 1
    assert labels.max() == 1


def test_single_band_image():
    rng = np.random.default_rng(2)
    flux = rng.normal(5.0, 1.0, size=(1, 25, 25))
    labels = sed_greedy(flux, np.ones_like(flux), np.array([20.0]), min_diameter=2)
    _check_labels(labels, np.ones((25, 25), bool))
    for i in range(1, labels.max() + 1):
        assert flux[0][labels == i].sum() / np.sqrt(np.count_nonzero(labels == i)) >= 20.0


def test_deterministic_and_tie_break_by_index():
    flux = np.ones((2, 6, 6))
    var = np.ones_like(flux)
    a = sed_greedy(flux, var, np.array([2.0, 2.0]), min_diameter=1)
    b = sed_greedy(flux, var, np.array([2.0, 2.0]), min_diameter=1)
    assert_array_equal(a, b)
    assert a[0, 0] == 1


@pytest.mark.parametrize('values', [
    np.array([3.0, 1.0, 2.0, 5.0, 4.0]),                 # no tie: the fast sort
    np.array([1.0, 2.0, 1.0, 2.0, 0.0, 2.0, -1.0, 1.0]),  # ties: lowest index first
    np.zeros(7),
])
def test_seed_order_brightest_first_ties_by_index(values):
    from pixbin.binning._greedy import _brightest_first
    order = _brightest_first(values)
    expected = sorted(range(values.size), key=lambda i: (-values[i], i))
    assert order.tolist() == expected


def test_progress_callback_reaches_one():
    rng = np.random.default_rng(0)
    flux, var = random_cube(rng, shape=(3, 40, 40))
    seen = []
    labels = sed_greedy(flux, var, np.full(3, 5.0), progress=seen.append)
    assert seen[-1] == 1.0
    assert all(0 <= x <= 1 for x in seen)
    assert labels.max() > 0


def test_covariance_eta_makes_bins_larger():
    rng = np.random.default_rng(4)
    flux, var = random_cube(rng, shape=(2, 30, 30))
    snr = np.array([10.0, 10.0])
    plain = sed_greedy(flux, var, snr, min_diameter=1)
    n = np.arange(1, 901)
    inflated = sed_greedy(flux, var, snr, min_diameter=1, eta=1 + 1.0 * np.log10(n))
    assert inflated.max() < plain.max()
    for i in range(1, inflated.max() + 1):
        sel = inflated == i
        npix = sel.sum()
        noise = np.sqrt(var[:, sel].sum(axis=1)) * (1 + np.log10(npix))
        assert np.all(flux[:, sel].sum(axis=1) / noise >= 10.0)


def test_leftovers_value_checked():
    with pytest.raises(ValueError, match='leftovers must be one of'):
        sed_greedy(np.ones((1, 2, 2)), np.ones((1, 2, 2)), np.array([1.0]), leftovers='drop')


def test_contiguity_on_ragged_valid_mask():
    rng = np.random.default_rng(9)
    flux, var = random_cube(rng, shape=(3, 40, 40))
    valid = ndimage.binary_opening(rng.random((40, 40)) > 0.3)
    labels = sed_greedy(flux, var, np.full(3, 6.0), valid=valid, min_diameter=3,
                        leftovers='merge')
    _check_labels(labels, valid)


@pytest.mark.parametrize('centroid_order, side', [(True, 23000), (False, 70000)])
def test_grid_too_large_for_the_queue_keys(centroid_order, side):
    """The queue keys (distance, pixel index) must fit in 63 bits: a clear error."""
    from pixbin.binning._greedy import greedy_pass
    tiny = np.zeros((1, 1))
    with pytest.raises(ValueError, match=f'pixel grid {side} x {side} is too large'):
        greedy_pass(tiny, tiny, np.ones(1, bool), (side, side), np.ones(1), ref_band=0,
                    min_diameter=2, strict_min_diameter=False, redchi2_limit=4.0, sys_err=0.0,
                    eta=np.ones(1), centroid_order=centroid_order, progress=None)
