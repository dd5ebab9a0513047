# Licensed under a 3-clause BSD style license - see LICENSE
import os

import pytest
from hypothesis import settings
from pixbin_test_helpers import SNR_7_BANDS

import pixbin

# Property tests are reproducible by default: the same examples on every run and
# machine, no example database.  HYPOTHESIS_PROFILE=explore draws new random
# examples (still without a database) to hunt for failures locally.
settings.register_profile('ci', derandomize=True, database=None, deadline=None,
                          print_blob=True)
settings.register_profile('explore', derandomize=False, database=None, deadline=None,
                          print_blob=True)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))

# This file holds fixtures, not examples (doctest collection of .py files).
collect_ignore = ['conftest.py']


@pytest.fixture(scope='session')
def mock():
    """The default 100x100 mock galaxy and its truth."""
    return pixbin.datasets.make_mock_galaxy(return_truth=True)


@pytest.fixture(scope='session')
def mock200():
    """The 200x200 mock galaxy (the benchmark size) and its truth."""
    return pixbin.datasets.make_mock_galaxy(shape=(200, 200), return_truth=True)


@pytest.fixture(scope='session')
def binned(mock):
    """The issue's example binning of the default mock."""
    cube, _ = mock
    return pixbin.bin_pixels(cube, snr=SNR_7_BANDS, ref_band=4, min_diameter=4,
                             redchi2_limit=4.0)
