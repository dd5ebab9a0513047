# Licensed under a 3-clause BSD style license - see LICENSE
"""pixbin's numba kernels cache outside the installed package (pixbin._numba_cache)."""
import os
import subprocess
import sys
from pathlib import Path

from numba.core.caching import FunctionCache
from numba.core.dispatcher import Dispatcher

import pixbin
from pixbin._numba_cache import kernel_cache_dir

PACKAGE = Path(pixbin.__file__).resolve().parent


def _cached_kernels():
    """Every numba function of pixbin compiled with cache=True, by name."""
    found = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == 'pixbin' or name.startswith('pixbin.')):
            continue
        for attr, obj in vars(module).items():
            if isinstance(obj, Dispatcher) and isinstance(obj._cache, FunctionCache):
                found[f'{name}.{attr}'] = Path(obj._cache.cache_path)
    return found


def test_kernels_cache_outside_the_package():
    kernels = _cached_kernels()
    assert len(kernels) >= 2, kernels  # the binning kernel and the input validation
    expected = Path(os.environ.get('NUMBA_CACHE_DIR') or kernel_cache_dir())
    for name, path in kernels.items():
        assert PACKAGE not in path.resolve().parents, (name, path)
        assert expected in path.parents, (name, path, expected)


def _run(code, env):
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            env=env, cwd=os.path.dirname(PACKAGE), timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_numba_setting_of_other_packages_is_left_alone(tmp_path):
    # prints whether numba's setting is unchanged, then the cache folders of pixbin's kernels
    code = ('import sys\n'
            'import numba.core.config as c\n'
            'before = c.CACHE_DIR\n'
            'import pixbin\n'
            'from numba.core.caching import FunctionCache\n'
            'from numba.core.dispatcher import Dispatcher\n'
            'print(repr(before) == repr(c.CACHE_DIR))\n'
            'for name, module in list(sys.modules.items()):\n'
            '    if name.startswith("pixbin"):\n'
            '        for obj in vars(module).values():\n'
            '            if isinstance(obj, Dispatcher) and \\\n'
            '                    isinstance(obj._cache, FunctionCache):\n'
            '                print(obj._cache.cache_path)\n')
    env = {k: v for k, v in os.environ.items() if k != 'NUMBA_CACHE_DIR'}
    unchanged, *paths = _run(code, env)
    assert unchanged == 'True' and len(paths) >= 2
    assert all(Path(kernel_cache_dir()) in Path(path).parents for path in paths), paths
    # a folder the user chose with NUMBA_CACHE_DIR is used as it is
    unchanged, *paths = _run(code, dict(env, NUMBA_CACHE_DIR=str(tmp_path)))
    assert unchanged == 'True' and len(paths) >= 2
    assert all(tmp_path in Path(path).parents for path in paths), paths


def test_a_change_in_any_module_gives_fresh_kernels(tmp_path):
    # numba checks a cached kernel against its own file only, not against the files of
    # the functions it inlines (numba issue #1833): a kernel whose helper changed in
    # another module would keep running the old helper.  The cache folder is named
    # after a digest of all the sources, so the kernel is compiled again.
    package = tmp_path / 'stalepkg'
    package.mkdir()
    (package / '__init__.py').write_text(
        'import os\n'
        'from pixbin._numba_cache import package_kernels\n'
        'with package_kernels(os.path.dirname(__file__), root=os.environ["STALE_ROOT"]):\n'
        '    from .kernel import kernel\n')
    (package / 'kernel.py').write_text(
        'from numba import njit\n'
        'from .helper import value\n\n\n'
        '@njit(cache=True)\n'
        'def kernel():\n'
        '    return value()\n')
    root = tmp_path / 'cache'
    env = {k: v for k, v in os.environ.items() if k != 'NUMBA_CACHE_DIR'}
    env.update(STALE_ROOT=str(root), PYTHONPATH=str(tmp_path))
    code = 'import stalepkg\nprint(stalepkg.kernel())\n'
    outputs = []
    for number in (1, 2, 1):
        (package / 'helper.py').write_text('from numba import njit\n\n\n'
                                           '@njit(inline="always")\n'
                                           f'def value():\n    return {number}\n')
        outputs += _run(code, env)
    assert outputs == ['1', '2', '1']
    # one folder per state of the sources (the third run found the first one's)
    assert len(list((root / 'pixbin' / 'numba').iterdir())) == 2


def test_sources_digest_follows_names_and_contents(tmp_path):
    from pixbin._numba_cache import sources_digest
    (tmp_path / 'a.py').write_text('x = 1\n')
    first = sources_digest(tmp_path)
    assert sources_digest(tmp_path) == first and len(first) == 16
    (tmp_path / 'a.py').write_text('x = 2\n')
    second = sources_digest(tmp_path)
    (tmp_path / 'a.py').rename(tmp_path / 'b.py')
    assert len({first, second, sources_digest(tmp_path)}) == 3
    assert kernel_cache_dir(tmp_path, root=tmp_path) == str(
        tmp_path / 'pixbin' / 'numba' / sources_digest(tmp_path))
