# Licensed under a 3-clause BSD style license - see LICENSE
"""The installed distribution: its name, its version, and the unrelated "pixbin" one."""
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import warnings

import pytest
from packaging.version import Version

import pixbin
from pixbin import _distribution
from pixbin.cli import main
from pixbin.exceptions import PixbinWarning


def test_version_comes_from_the_installed_distribution():
    # setuptools_scm wrote it: a PEP 440 version, not the "not installed" stand-in
    assert Version(pixbin.__version__) > Version('0.0.0')
    dist = importlib.metadata.distribution('astro-pixbin')
    direct_url = json.loads(dist.read_text('direct_url.json') or '{}')
    if not direct_url.get('dir_info', {}).get('editable', False):
        # an installed wheel (in an editable install, every build of the source tree
        # rewrites pixbin/_version.py, while the metadata keep the version of the install)
        assert pixbin.__version__ == dist.version


def test_cli_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(['--version'])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f'pixbin {pixbin.__version__}'


def test_installed_command_prints_the_version():
    entry = {ep.name: ep.value for ep in importlib.metadata.entry_points(group='console_scripts')
             if ep.dist is not None and ep.dist.name == 'astro-pixbin'}
    assert entry == {'pixbin': 'pixbin.cli:main'}
    # the console script that pip made, next to this Python
    command = shutil.which('pixbin', path=os.path.dirname(sys.executable))
    assert command is not None, f'no pixbin command next to {sys.executable}'
    result = subprocess.run([command, '--version'], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f'pixbin {pixbin.__version__}'


def _fake_distribution(folder, name, *, summary, script=None):
    info = folder / f'{name}-0.1.0.dist-info'
    info.mkdir(parents=True)
    (info / 'METADATA').write_text(
        f'Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\nSummary: {summary}\n')
    (info / 'RECORD').write_text(f'pixbin/__init__.py,,\n{info.name}/METADATA,,\n')
    if script:
        (info / 'entry_points.txt').write_text(f'[console_scripts]\npixbin = {script}\n')
    return folder


def test_unrelated_pixbin_distribution_is_detected(tmp_path, monkeypatch):
    _fake_distribution(tmp_path, 'pixbin', summary='Python client library for an image API')
    monkeypatch.setattr(sys, 'path', [str(tmp_path)] + sys.path)
    dist = _distribution.foreign_pixbin_distribution()
    assert dist is not None and dist.metadata['Name'] == 'pixbin'
    with pytest.warns(PixbinWarning, match=r'"pixbin" 0\.1\.0 \(Python client library for an '
                                           r'image API\) is installed next to astro-pixbin'):
        assert _distribution.warn_if_foreign_pixbin() is True


def test_no_warning_without_it_or_for_an_old_install_of_this_project(tmp_path, monkeypatch):
    empty = tmp_path / 'empty'
    empty.mkdir()
    monkeypatch.setattr(sys, 'path', [str(empty)])
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert _distribution.foreign_pixbin_distribution() is None
        assert _distribution.warn_if_foreign_pixbin() is False
    # this project installed under its old distribution name declares the pixbin command
    own = _fake_distribution(tmp_path / 'own', 'pixbin', summary='SED-aware pixel binning',
                             script='pixbin.cli:main')
    monkeypatch.setattr(sys, 'path', [str(own)])
    assert _distribution.foreign_pixbin_distribution() is None


def test_import_warns_when_the_unrelated_distribution_is_installed(tmp_path):
    _fake_distribution(tmp_path, 'pixbin', summary='Python client library for an image API')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(tmp_path)] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]))
    # the warnings that "import pixbin" issues, printed one a line (astropy's logger, which
    # would show them instead, is set aside)
    code = ('import warnings\n'
            'from astropy import log\n'
            'log.disable_warnings_logging()\n'
            'with warnings.catch_warnings(record=True) as caught:\n'
            '    warnings.simplefilter("always")\n'
            '    import pixbin\n'
            'for w in caught:\n'
            '    print(f"{w.category.__name__}: {w.message}")\n')
    # run outside the source tree, whose metadata folders would be found first
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('PixbinWarning: The distribution "pixbin" 0.1.0'), \
        result.stdout
    assert 'python -m pip uninstall pixbin astro-pixbin' in result.stdout
    # and nothing without it
    clean = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                           cwd=tmp_path.parent, timeout=300)
    assert clean.returncode == 0, clean.stderr
    assert 'PixbinWarning' not in clean.stdout
