# Licensed under a 3-clause BSD style license - see LICENSE
import astropy.units as u
import numpy as np
import pytest
from numpy.testing import assert_allclose

from pixbin.datasets import BANDS, FLUX_UNIT, component_sed, make_mock_galaxy


def test_mock_is_deterministic_and_consistent():
    a, truth = make_mock_galaxy(shape=(40, 50), seed=3, return_truth=True)
    b = make_mock_galaxy(shape=(40, 50), seed=3)
    assert np.array_equal(a.data, b.data)
    assert a.unit == FLUX_UNIT and a.data.shape == (12, 40, 50)
    assert a.uncertainty.array.shape == a.data.shape and np.all(a.uncertainty.array > 0)
    assert a.wcs.pixel_shape is None or a.wcs.naxis == 2
    assert len(a.meta['band_names']) == 12 and a.meta['band_wavelengths'].unit == u.AA
    assert_allclose(truth.model.value, truth.components.sum(axis=0).value)
    noise_free = make_mock_galaxy(shape=(40, 50), seed=3, noise=False)
    assert_allclose(noise_free.data, truth.model.value)


def test_outer_pixels_are_noisy_and_centre_bright():
    cube, truth = make_mock_galaxy(return_truth=True)
    snr = cube.data / cube.uncertainty.array
    model_snr = truth.model.value / cube.uncertainty.array
    assert model_snr[4, 0, 0] < 1.0 and model_snr[4, 50, 50] > 30
    assert np.median(np.abs(snr[:, :10, :10])) < 1.0


def test_components_have_distinct_colours():
    fuv, r = 0, 4
    seds = {name: component_sed(name, [BANDS[fuv][1], BANDS[r][1]]) for name in
            ('bulge', 'disk', 'clumps')}
    colours = {k: -2.5 * np.log10(v[0] / v[1]) for k, v in seds.items()}
    assert colours['bulge'] - colours['disk'] > 1.5
    assert colours['disk'] - colours['clumps'] > 3.0


def test_components_occupy_separate_regions():
    _, truth = make_mock_galaxy(return_truth=True)
    share = truth.maps.max(axis=0) / truth.maps.sum(axis=0)
    assert np.mean(share > 0.9) > 0.9
    assert set(np.unique(truth.dominant)) == {0, 1, 2}


@pytest.mark.parametrize('kwargs, match', [
    ({'shape': (0, 5)}, 'shape must be two positive integers'),
    ({'shape': (5, 5, 5)}, 'shape must be two positive integers'),
    ({'depth': 0}, 'depth must be positive'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_mock_galaxy(**kwargs)


def test_component_sed_name_checked():
    with pytest.raises(ValueError, match="name must be one of"):
        component_sed('halo', 5000.0)
