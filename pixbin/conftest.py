# Licensed under a 3-clause BSD style license - see LICENSE
"""
pytest settings for the docstring examples of pixbin (``--doctest-modules``).

The examples that make figures run with matplotlib's non-interactive Agg
backend, and every figure they leave open is closed afterwards.
"""

import pytest

# This file holds settings, not examples.
collect_ignore = ['conftest.py']


@pytest.fixture(autouse=True)
def _no_figure_windows():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    yield
    plt.close('all')
