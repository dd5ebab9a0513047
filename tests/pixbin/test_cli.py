# Licensed under a 3-clause BSD style license - see LICENSE
import pytest

from pixbin.cli import main


def test_demo_prints_bins_and_writes_png(tmp_path, capsys):
    out = tmp_path / 'demo.png'
    assert main(['demo', '--size', '60', '-o', str(out)]) == 0
    text = capsys.readouterr().out
    assert 'number of bins:' in text and f'wrote {out}' in text
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(['--help'])
    assert info.value.code == 0
    assert 'demo' in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(['frobnicate'])
    assert info.value.code == 2
