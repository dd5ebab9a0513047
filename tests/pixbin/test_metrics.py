# Licensed under a 3-clause BSD style license - see LICENSE
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from pixbin.metrics import (colour_spread, component_purity, disconnected_bins, roundness,
                            roundness_excess, snr_deficit)


def test_disconnected_bins():
    labels = np.array([[1, 1, 2, 3],
                       [2, 2, 2, 3],
                       [1, 0, 3, 3]])
    assert_array_equal(disconnected_bins(labels), [1])
    # diagonal contact is not 4-connected
    assert_array_equal(disconnected_bins(np.array([[1, 0], [0, 1]])), [1])


def test_roundness_of_disc_and_line():
    y, x = np.indices((21, 21))
    disc = ((y - 10) ** 2 + (x - 10) ** 2 <= 64).astype(int)
    assert abs(roundness(disc)[0]) < 0.1
    assert roundness(np.ones((1, 20), int))[0] > 1.0


def test_roundness_excess_compares_shapes_not_sizes():
    y, x = np.indices((41, 41)) - 20
    disc = np.hypot(y, x) <= 12
    labels = np.zeros((41, 41), int)
    labels[disc] = 1
    labels[0, :2] = 2                           # 2 pixels: as compact as 2 pixels can be
    labels[40, :] = 3                           # a line of 41 pixels
    half = np.zeros((41, 41), int)
    half[disc & (x >= 0)] = 1                   # a half disc
    assert_allclose(roundness(labels)[:2], [0.013, -0.373], atol=1e-3)
    assert_allclose(roundness_excess(labels), [0.015, 0.0, 4.574], atol=1e-3)
    assert_allclose(roundness_excess(half), [0.506], atol=1e-3)
    assert roundness_excess(np.ones((1, 1), int))[0] == 0.0      # one pixel
    assert_array_equal(roundness_excess(np.array([[1, 0, 3]])), [0.0, np.nan, 0.0])
    assert roundness_excess(np.zeros((3, 3), int)).size == 0


def test_snr_deficit():
    snr = np.array([[12.0, 1.0, 30.0], [9.0, 50.0, 10.0]])
    assert_allclose(snr_deficit(snr, [10, 0, 10]), [0.2, -0.1])
    assert_allclose(snr_deficit(snr, [0, 0, 0]), [0, 0])


def test_colour_spread_zero_for_one_shape_and_positive_for_two():
    model = np.ones((3, 2, 4))
    model[:, :, 2:] *= np.array([1.0, 2.0, 4.0])[:, None, None]   # other shape on the right
    same = np.array([[1, 1, 2, 2], [1, 1, 2, 2]])
    mixed = np.array([[1, 1, 1, 1], [2, 2, 2, 2]])
    assert_allclose(colour_spread(same, model), [0, 0], atol=1e-12)
    # Each bin: two pixels of shape (1, 1, 1) and two of (1, 2, 4); worked by hand:
    # offsets from the bin SED (4, 6, 10) have RMS 0.4072 and 0.2100 mag, weights 3 and 7.
    assert_allclose(colour_spread(mixed, model), np.sqrt((3 * 0.4072**2 + 7 * 0.2100**2) / 10),
                    rtol=1e-3)
    with pytest.raises(ValueError, match='model must be positive'):
        colour_spread(same, -model)


def test_component_purity():
    comps = np.zeros((2, 2, 2))
    comps[0, :, 0] = 9.0
    comps[1, :, 0] = 1.0
    comps[1, :, 1] = 5.0
    purity, flux = component_purity(np.array([[1, 2], [1, 2]]), comps)
    assert_allclose(purity, [0.9, 1.0])
    assert_allclose(flux, [20.0, 10.0])
