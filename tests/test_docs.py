# Licensed under a 3-clause BSD style license - see LICENSE
"""
The documentation builds without a single warning.

Runs ``sphinx-build -W`` on a copy of ``docs/`` into a temporary folder (so the
files that automodapi generates do not land in the source tree).  The build
runs every example and makes every figure of the pages, so a change that
breaks a page fails here.  Needs the ``docs`` extra: ``pip install -e ".[docs]"``.
Every figure a page shows has a ``*Figure: ...*`` caption under it.
"""

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
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
    # every link inside the site, the [source] and [docs] links of the API included,
    # goes to a page that has its anchor
    assert broken_local_links(output) == []


def broken_local_links(root):
    """``(page, href)`` of the links in the HTML under ``root`` whose page or anchor is missing."""
    pages = {path: path.read_text(encoding='utf-8') for path in root.rglob('*.html')
             if '_static' not in path.parts}
    anchors = {path.resolve(): set(re.findall(r'\bid="([^"]+)"', text))
               for path, text in pages.items()}
    broken = []
    for path, text in pages.items():
        for href in re.findall(r'href="([^"]+)"', text):
            href = html.unescape(href)
            if re.match(r'[a-z]+:', href):             # http:, https:, mailto:
                continue
            target, _, anchor = href.partition('#')
            target = target.split('?')[0]
            page = (path.parent / target).resolve() if target else path.resolve()
            if not page.exists() or (anchor and page in anchors
                                     and anchor not in anchors[page]):
                broken.append((str(path.relative_to(root)), href))
    return broken


def test_broken_local_links_finds_a_missing_anchor(tmp_path):
    (tmp_path / 'api').mkdir()
    (tmp_path / 'api' / 'f.html').write_text('<dt id="pixbin.f">f</dt>')
    (tmp_path / 'src.html').write_text(
        '<a href="api/f.html#pixbin.f">ok</a> <a href="api/f.html#pixbin.io.f">bad</a> '
        '<a href="gone.html">gone</a> <a href="https://x.org/#y">external</a>')
    assert broken_local_links(tmp_path) == [('src.html', 'api/f.html#pixbin.io.f'),
                                            ('src.html', 'gone.html')]


def page_steps(text):
    """
    The steps of a page in reading order: ``('python', source)`` for each ``>>>``
    example and ``('pixbin', argv)`` for each ``.. pixbin-command::``.
    """
    import doctest
    import shlex
    steps = [(example.lineno, 'python', example.source)
             for example in doctest.DocTestParser().get_examples(text)]
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.startswith('.. pixbin-command::'):
            command = [line.split('::', 1)[1]]
            for more in lines[number + 1:]:
                if not more.startswith('   ') or not more.strip():
                    break
                command.append(more)
            argv = shlex.split(' '.join(command))
            assert argv[0] == 'pixbin', command
            steps.append((number, 'pixbin', argv[1:]))
    return [(kind, what) for _, kind, what in sorted(steps, key=lambda step: step[0])]


@pytest.mark.parametrize('page', ['pixedfit.rst', 'tutorial.rst', 'cubes.rst', 'installation.rst'])
def test_page_runs_top_to_bottom(page, tmp_path, monkeypatch, capsys):
    """The examples and the shell commands of a page, run in order in one folder, all work."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from pixbin.cli import main
    monkeypatch.chdir(tmp_path)
    steps = page_steps((DOCS / page).read_text(encoding='utf-8'))
    assert [kind for kind, _ in steps].count('pixbin') >= 1
    namespace = {}
    try:
        for kind, what in steps:
            if kind == 'python':
                exec(compile(what, page, 'single'), namespace)
            else:
                assert main(what) == 0, (what, capsys.readouterr().err)
    finally:
        plt.close('all')
    if page == 'pixedfit.rst':
        # the Python block and the shell line wrote the same bins into two files
        import pixbin
        python, shell = (pixbin.read_binmap(name) for name in
                         ('pixbin_ngc309.fits', 'pixbin_ngc309_cli.fits'))
        assert python.nbins == shell.nbins == 188
        np.testing.assert_array_equal(python.labels, shell.labels)


def test_page_steps_in_reading_order():
    text = ('Text\n\n   >>> x = 1\n\n.. pixbin-command:: pixbin bin a.fits --snr 5\n'
            '   -o b.fits\n\nmore\n\n   >>> print(x)\n   1\n')
    assert page_steps(text) == [('python', 'x = 1\n'),
                                ('pixbin', ['bin', 'a.fits', '--snr', '5', '-o', 'b.fits']),
                                ('python', 'print(x)\n')]


FIGURE_DIRECTIVE = re.compile(r'(?P<indent> *)\.\. (?P<name>plot|image)::')


def shown_figures(text):
    """
    ``(line, directive, caption)`` for each figure a page shows: every
    ``.. image::`` and every ``.. plot::`` without ``:nofigs:``.  ``caption``
    is the paragraph after the directive's indented body and blank lines, at
    the directive's indent, when it is an italic paragraph that starts with
    ``*Figure:``; None otherwise.
    """
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines):
        match = FIGURE_DIRECTIVE.match(line)
        if match is None:
            continue
        indent = len(match['indent'])
        end = number + 1
        while end < len(lines) and (not lines[end].strip()
                                    or len(lines[end]) - len(lines[end].lstrip()) > indent):
            end += 1
        options = []
        for option in lines[number + 1:end]:
            if not option.strip():
                break
            options.append(option.strip())
        if match['name'] == 'plot' and ':nofigs:' in options:
            continue
        paragraph = []
        for after in lines[end:]:
            if not after.strip():
                break
            paragraph.append(after.strip())
        caption = ' '.join(paragraph)
        starts_here = end < len(lines) and lines[end][:indent].strip() == '' \
            and lines[end][indent:].startswith('*Figure:')
        italic = caption.endswith('*') and not caption.endswith('**')
        found.append((number + 1, match['name'], caption if starts_here and italic else None))
    return found


def test_shown_figures_finds_a_figure_without_caption():
    text = ('.. plot::\n   :context: reset\n   :nofigs:\n\n   >>> x = 1\n\n'
            'No figure above.\n\n'
            '.. plot::\n   :context: close-figs\n\n   >>> ax = bm.plot_map()\n\n'
            '*Figure: the bins; white pixels\nare in no bin.*\n\n'
            '.. image:: _static/a.png\n   :alt: a dialog\n\nText, not a caption.\n\n'
            '.. plot::\n\n   plot()\n\n*Figure: not closed.\n\n'
            '.. image:: _static/b.png\n\n*Figure:* **the dialog**\n')
    assert shown_figures(text) == [
        (9, 'plot', '*Figure: the bins; white pixels are in no bin.*'),
        (17, 'image', None), (22, 'plot', None), (28, 'image', None)]


@pytest.mark.parametrize('page', sorted(path.name for path in DOCS.glob('*.rst')))
def test_every_figure_has_a_caption(page):
    """Every figure a page shows has a ``*Figure: ...*`` paragraph right under it."""
    figures = shown_figures((DOCS / page).read_text(encoding='utf-8'))
    missing = [f'{page}:{line} .. {name}::' for line, name, caption in figures
               if caption is None]
    assert not missing, f'no "*Figure: ...*" caption under {missing}'
