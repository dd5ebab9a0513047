# Licensed under a 3-clause BSD style license - see LICENSE
"""The glue.plugins entry points; each setup is a no-op without its frontend (no glue needed)."""

import subprocess
import sys
from importlib.metadata import entry_points


def test_entry_points_one_module_per_frontend():
    found = {ep.name: ep.value for ep in entry_points(group='glue.plugins')
             if ep.value.startswith('pixbin_glue')}
    assert found == {'pixbin': 'pixbin_glue:setup', 'pixbin_qt': 'pixbin_glue.qt:setup',
                     'pixbin_jupyter': 'pixbin_glue.jupyter:setup'}


def test_setups_are_no_ops_without_their_frontend():
    """Run in a fresh interpreter where glue, glue-qt and glue-jupyter cannot be imported."""
    code = '''
import sys
for name in ('glue', 'glue_qt', 'glue_jupyter', 'qtpy'):
    sys.modules[name] = None          # makes "import name" raise ImportError
import pixbin_glue, pixbin_glue.qt, pixbin_glue.jupyter
assert pixbin_glue.setup() is None and pixbin_glue.qt.setup() is None
assert pixbin_glue.jupyter.setup() is None
assert not (pixbin_glue._DONE or pixbin_glue.qt._DONE or pixbin_glue.jupyter._DONE)
try:
    pixbin_glue.bin_data
except ImportError as exc:
    assert 'pip install "astro-pixbin[glue]"' in str(exc), exc
else:
    raise AssertionError('bin_data imported without glue')
print('ok')
'''
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'


def test_core_setup_alone_opens_spectral_cubes(tmp_path):
    """pixbin_glue.setup() alone, as its docstring shows, is enough for a MUSE cube."""
    import pytest
    pytest.importorskip('glue')
    pytest.importorskip('glue_astronomy')
    from pixbin_test_helpers import muse_file
    muse_file(tmp_path / 'muse.fits')
    code = f'''
import warnings
warnings.simplefilter('ignore')
import pixbin_glue
pixbin_glue.setup()
from glue.core.data_factories import load_data
data = load_data({str(tmp_path / 'muse.fits')!r})
print(data.label, data.meta['spectral_cube'], data.ndim)
'''
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'muse True 3'
