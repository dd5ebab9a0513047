# Licensed under a 3-clause BSD style license - see LICENSE
"""
The documentation builds without a single warning.

Runs ``sphinx-build -W`` on a copy of ``docs/`` into a temporary folder (so the
files that automodapi generates do not land in the source tree).  The build
runs every example and makes every figure of the pages, so a change that
breaks a page fails here.  Needs the ``docs`` extra: ``pip install -e ".[docs]"``.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip('sphinx')

DOCS = Path(__file__).resolve().parent.parent / 'docs'


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    source = tmp_path / 'docs'
    shutil.copytree(DOCS, source, ignore=shutil.ignore_patterns('_build', 'api', '__pycache__'))
    # the changes page includes the change log at the top of the repository
    shutil.copy(DOCS.parent / 'CHANGES.rst', tmp_path / 'CHANGES.rst')
    output = tmp_path / 'html'
    env = dict(os.environ, MPLBACKEND='Agg')
    result = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-b', 'html', '-q',
         '-d', str(tmp_path / 'doctrees'), str(source), str(output)],
        capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, (
        f'sphinx-build -W failed (exit {result.returncode}):\n{result.stderr[-8000:]}')
    assert 'WARNING' not in result.stderr, result.stderr[-8000:]
    for page in ('index', 'installation', 'getting_started', 'own_data', 'tutorial',
                 'pixedfit', 'algorithm', 'parameters', 'io', 'glue', 'real_data', 'api',
                 'citing', 'affiliated', 'changes'):
        assert (output / f'{page}.html').is_file(), f'{page}.html was not written'
    # every figure is made by the build
    figures = list((output / '_images').glob('*.png'))
    assert len(figures) >= 8, sorted(f.name for f in figures)
