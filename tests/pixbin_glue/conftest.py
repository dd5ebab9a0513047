# Licensed under a 3-clause BSD style license - see LICENSE
"""
Fixtures of the glue plugin tests.

The core tests need glue-core and glue-astronomy (``pip install astro-pixbin[glue]``)
and are skipped without them; the Qt tests (marked ``qt``) also need glue-qt,
PyQt6 and pytest-qt (``pip install astro-pixbin[qt]``) and run headless.
"""

import os
import warnings

# Headless Qt with PyQt6, set before anything imports qtpy or pytest-qt picks a binding.
os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
os.environ.setdefault('QT_API', 'pyqt6')
os.environ.setdefault('PYTEST_QT_API', 'pyqt6')
os.environ.setdefault('GLUE_TESTING', 'True')

import astropy.units as u  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pixbin  # noqa: E402
from pixbin_glue_helpers import BIN_KW, SNR, glue_cube  # noqa: E402

# This file holds fixtures, not examples (doctest collection of .py files).
collect_ignore = ['conftest.py']

# pytest runs with filterwarnings = error.  The glue-jupyter stack raises third-party
# warnings from code pixbin does not control (listed with the plugin's examples, in
# pixbin_glue/conftest.py); they are ignored in test_glue_jupyter.py only.
from pixbin_glue.conftest import JUPYTER_WARNINGS, ignore_jupyter_warnings  # noqa: E402


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name == 'test_glue_jupyter.py':
            ignore_jupyter_warnings(item)


@pytest.fixture(scope='session')
def glue_plugins():
    """glue with every installed plugin loaded, pixbin's included."""
    pytest.importorskip('glue')
    pytest.importorskip('glue_astronomy')
    from glue.config import settings
    from glue.main import load_plugins
    with warnings.catch_warnings():
        # importing glue-jupyter (pixbin_glue.jupyter:setup) warns, see above
        for message, category in JUPYTER_WARNINGS:
            warnings.filterwarnings('ignore', message, category)
        load_plugins()
    # no modal autolink dialog in headless tests: WCS links are not wanted here
    settings.AUTOLINK['Astronomy WCS'] = 'always_ignore'
    return True


@pytest.fixture(scope='session')
def mock():
    """A 40x40 mock galaxy (12 bands) and its IFU cube (same grid)."""
    cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    spectra, footprint = pixbin.datasets.make_mock_ifu(
        shape=(40, 40), wavelength=np.arange(3600.0, 9000.0, 30.0) * u.AA)
    return cube, spectra, footprint


@pytest.fixture
def dc_cube(glue_plugins, mock):
    """A data collection with the mock cube (FLUX, FLUX_ERR, 3-D WCS)."""
    from glue.core import DataCollection
    cube = mock[0]
    dc = DataCollection()
    dc.append(glue_cube(cube))
    return dc


@pytest.fixture
def binned(dc_cube, mock):
    """(dc, cube data, bin-map data, the BinMap that pixbin makes directly)."""
    import pixbin_glue
    cube_data = dc_cube['cube']
    bins = pixbin_glue.bin_data(dc_cube, cube_data, SNR, **BIN_KW)
    direct = pixbin.bin_pixels(mock[0], SNR, **BIN_KW)
    return dc_cube, cube_data, bins, direct
