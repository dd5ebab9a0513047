# Licensed under a 3-clause BSD style license - see LICENSE
"""
pytest settings for the ``>>>`` examples of the documentation pages (``--doctest-rst``).

Each page runs in a fresh temporary folder (pages write FITS files), with a
non-interactive matplotlib backend, and its figures are closed afterwards.
"""

import pytest

# The Sphinx configuration, local extensions and build output are not tests.
collect_ignore = ['conf.py', 'conftest.py', '_ext']
collect_ignore_glob = ['_build/*', 'api/*']


@pytest.fixture(autouse=True)
def _docs_page_environment(tmp_path, monkeypatch):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        plt = None
    monkeypatch.chdir(tmp_path)
    yield
    if plt is not None:
        plt.close('all')
