# Licensed under a 3-clause BSD style license - see LICENSE
"""
Sphinx configuration of the pixbin documentation (sphinx-astropy, pydata theme).

Build with ``sphinx-build -W -b html docs docs/_build/html``.  The build needs
no network: intersphinx links to numpy, astropy, specutils, regions and
matplotlib are made only when ``PIXBIN_DOCS_INTERSPHINX=1`` is set (or on Read
the Docs); references to those packages are never reported as missing.
"""

import os
import sys
import tempfile

try:
    from sphinx_astropy.conf.v2 import *  # noqa: F401,F403
    from sphinx_astropy.conf.v2 import exclude_patterns, extensions, intersphinx_mapping
except ImportError:  # pragma: no cover
    print('ERROR: the documentation needs sphinx-astropy: pip install -e ".[docs]"')
    sys.exit(1)

import pixbin

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '_ext'))

# -- Project --------------------------------------------------------------------------------
project = 'pixbin'
author = 'pixbin developers'
copyright = f'2026, {author}'
release = pixbin.__version__
version = '.'.join(release.split('.')[:2])

# -- General --------------------------------------------------------------------------------
extensions = list(extensions) + ['pixbin_cli']
exclude_patterns = list(exclude_patterns) + ['_ext', '**/.ipynb_checkpoints']
html_static_path = [os.path.join(HERE, '_static')]

# -- Cross references -----------------------------------------------------------------------
# Offline by default: the inventories of other packages cannot be fetched here.
online = os.environ.get('PIXBIN_DOCS_INTERSPHINX', '') == '1' or \
    os.environ.get('READTHEDOCS') == 'True'
intersphinx_mapping = dict(intersphinx_mapping)
intersphinx_mapping.update({
    'specutils': ('https://specutils.readthedocs.io/en/stable/', None),
    'regions': ('https://astropy-regions.readthedocs.io/en/stable/', None),
    'glue': ('https://docs.glueviz.org/en/stable/', None),
    'photutils': ('https://photutils.readthedocs.io/en/stable/', None),
    'reproject': ('https://reproject.readthedocs.io/en/stable/', None),
})
if not online:
    intersphinx_mapping = {}

nitpicky = True
# References into other packages resolve through intersphinx when it is on, and are
# never reported otherwise.
_EXTERNAL = (r'(numpy|np|scipy|astropy|specutils|regions|matplotlib|glue|glue_qt|'
             r'glue_jupyter|glue_astronomy|echo|qtpy|PyQt6|dask|tqdm|numba|photutils|'
             r'reproject)(\..*)?')
nitpick_ignore_regex = [
    (r'py:.*', _EXTERNAL),
    (r'py:.*', r'(ndarray|array-like|array_like|callable|path-like|optional|'
               r'int|float|bool|str|dict|list|tuple|None|True|False|object|'
               r'sequence|iterable|.*\.Path)'),
]

numpydoc_xref_param_type = False

# -- HTML -----------------------------------------------------------------------------------
html_title = f'pixbin {version}'
html_short_title = 'pixbin'
html_theme_options = {
    'collapse_navigation': True,
    'navigation_depth': 2,
    'header_links_before_dropdown': 8,
    'navbar_align': 'left',
    'show_nav_level': 1,
    'use_edit_page_button': False,
    'icon_links': [],
    'navbar_end': ['theme-switcher', 'navbar-icon-links'],
    'footer_start': ['copyright'],
    'footer_end': ['sphinx-version'],
}
# The user-guide pages have no sub-pages: no left sidebar, more room for the code.
html_sidebars = {page: [] for page in ('index', 'installation', 'getting_started', 'tutorial',
                                       'pixedfit', 'algorithm', 'io', 'glue', 'real_data', 'api',
                                       'citing', 'affiliated', 'changes')}
html_last_updated_fmt = None
html_show_sourcelink = False

# -- matplotlib plot directive --------------------------------------------------------------
# Every figure is made by the build.  Code runs in a scratch folder so that the
# files it writes (FITS files, regions) do not land in the source tree.
plot_working_directory = tempfile.mkdtemp(prefix='pixbin-docs-')
plot_pre_code = ''
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [('png', 100)]
plot_rcparams = {'figure.dpi': 100, 'savefig.bbox': 'tight'}
plot_apply_rcparams = False

# -- automodapi -----------------------------------------------------------------------------
automodapi_toctreedirnm = 'api'
automodsumm_inherited_members = False


def _remove_plot_working_directory(app, exception):
    import shutil
    shutil.rmtree(plot_working_directory, ignore_errors=True)


def _consistent_source_backlinks(app):
    """
    Point every ``[docs]`` back-link of the highlighted source at a page that has its anchor.

    A function documented under two names (``pixbin.read_binmap`` and
    ``pixbin.io.read_binmap``) gets one back-link, which sphinx.ext.viewcode
    builds from the module name of the first page that documents it and the
    page of the last one: ``api/pixbin.read_binmap.html#pixbin.io.read_binmap``,
    an anchor that page does not have.  The link is sent to the page of that
    module name instead (``api/pixbin.io.read_binmap.html``).
    """
    env = app.env
    for entry in getattr(env, '_viewcode_modules', {}).values():
        if not entry:
            continue
        _code, _tags, used, refname = entry
        for fullname in used:
            page = f'{automodapi_toctreedirnm}/{refname}.{fullname}'
            if page in env.all_docs:
                used[fullname] = page
    return ()                                    # no pages of its own


def setup(app):
    app.connect('build-finished', _remove_plot_working_directory)
    # before sphinx.ext.viewcode writes the source pages (its handler has priority 500)
    app.connect('html-collect-pages', _consistent_source_backlinks, priority=400)
