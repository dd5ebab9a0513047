# Licensed under a 3-clause BSD style license - see LICENSE
import os
import sys

import numpy as np
import pytest

import pixbin

# The reference implementation lives next to the tests.
sys.path.insert(0, os.path.dirname(__file__))

SNR_7_BANDS = [10.0] * 7 + [0.0] * 5


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


def random_cube(rng, shape=(3, 12, 15), noise=1.0):
    """Random positive-ish fluxes with unit noise, for property tests."""
    flux = rng.gamma(2.0, 2.0, size=shape) + rng.normal(0, noise, size=shape)
    return flux, np.full(shape, noise**2)


def write_cube_fits(cube, path, uncertainty_name='ERR', transform=lambda err: err):
    """Write an NDData cube as a plain FITS cube: BUNIT, WCS, FILTERi, an uncertainty HDU."""
    from astropy.io import fits
    header = cube.wcs.to_header()
    header['BUNIT'] = cube.unit.to_string()
    for i, name in enumerate(cube.meta['band_names']):
        header[f'FILTER{i}'] = name
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(cube.data, header=header, name='SCI'),
                  fits.ImageHDU(transform(cube.uncertainty.array), name=uncertainty_name)]
                 ).writeto(path)
    return path
