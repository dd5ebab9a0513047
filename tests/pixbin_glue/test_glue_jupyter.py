# Licensed under a 3-clause BSD style license - see LICENSE
"""The glue-jupyter viewers (headless: the widgets are built, not displayed)."""

import numpy as np
import pytest

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')

from glue.core.roi import RectangularROI  # noqa: E402

import pixbin_glue  # noqa: E402
from pixbin_glue._binmap_data import bins_subset_state  # noqa: E402
from pixbin_glue_helpers import BIN_KW, SNR, glue_cube  # noqa: E402


@pytest.fixture
def japp(glue_plugins, mock):
    """A glue-jupyter application with the mock cube and its bin map."""
    import matplotlib
    backend = matplotlib.get_backend()
    pytest.importorskip('glue_jupyter')
    from glue_jupyter import jglue
    app = jglue()
    cube = glue_cube(mock[0])
    app.add_data(cube)
    bins = pixbin_glue.bin_data(app.data_collection, cube, SNR, **BIN_KW)
    yield app, cube, bins
    # making a viewer imports ipympl, which switches Matplotlib's backend for the
    # whole process: give the other tests theirs back
    matplotlib.use(backend)


def test_registered(japp):
    from glue_jupyter.registries import viewer_registry

    from pixbin_glue.jupyter import (BINMAP_VIEWER, SED_VIEWER, BinMapViewerLoader,
                                     SEDViewerLoader)
    assert viewer_registry.members[BINMAP_VIEWER]['cls'] is BinMapViewerLoader
    assert viewer_registry.members[SED_VIEWER]['cls'] is SEDViewerLoader
    app = japp[0]
    from pixbin_glue.jupyter.viewers import BinMapJupyterViewer, SEDJupyterViewer
    assert isinstance(app.new_data_viewer(BINMAP_VIEWER, show=False), BinMapJupyterViewer)
    assert isinstance(app.new_data_viewer(SED_VIEWER, show=False), SEDJupyterViewer)


def test_jupyter_viewers(japp):
    app, cube, bins = japp
    labels = bins.get_data(bins.id['bin'])
    binmap = app.new_data_viewer('pixbin-binmap', data=bins, show=False)
    sed = app.new_data_viewer('pixbin-sed', data=bins, show=False)
    assert binmap.state.layers[0].attribute is bins.id['bin']
    assert binmap.outline_artist is not None
    binmap.apply_roi(RectangularROI(15.5, 19.5, 20.5, 22.5))
    touched = np.unique(labels[21:23, 16:20])
    touched = touched[touched > 0]
    group = app.data_collection.subset_groups[0]
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(group), touched)
    on_cube = next(s for s in group.subsets if s.data is cube)
    np.testing.assert_array_equal(on_cube.to_mask()[0], np.isin(labels, touched))
    artist = next(a for a in sed.layers if a.layer.data is bins and a.layer is not bins)
    assert len(artist.sed_lines) == touched.size
    group.subset_state = bins_subset_state(bins, [1])
    assert [line.get_label() for line in artist.sed_lines] == ['bin 1']
    # the options widget is linked to the state both ways
    sed.viewer_options.flux_mode.value = 'mean'
    assert sed.state.flux_mode == 'mean'
    sed.state.max_bins = 7
    assert sed.viewer_options.max_bins.value == 7


def test_loading_plugins_keeps_the_matplotlib_backend(glue_plugins):
    """ipympl switches the backend when imported: loading the plugins must not import it."""
    import subprocess
    import sys
    pytest.importorskip('glue_jupyter')
    code = """
import warnings
warnings.simplefilter('ignore')
import matplotlib
matplotlib.use('agg')
from glue.main import load_plugins
load_plugins()
import sys
import pixbin_glue.jupyter
assert pixbin_glue.jupyter._DONE
assert matplotlib.get_backend().lower() == 'agg', matplotlib.get_backend()
assert 'ipympl' not in sys.modules
print('ok')
"""
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith('ok')
