# Licensed under a 3-clause BSD style license - see LICENSE
"""
pytest settings for the docstring examples of the glue plugin (``--doctest-modules``).

The examples of the Qt frontend run headless.  Those of the glue-jupyter
frontend run when glue-jupyter is installed (``doctest_subpackage_requires``
in pyproject.toml); the glue-jupyter stack raises third-party warnings, from
code pixbin does not control, which are ignored there by message and
category (`JUPYTER_WARNINGS`, also used by tests/pixbin_glue).
"""

import os
import warnings

import pytest

# The examples of the Qt frontend run headless, without glue's modal dialogs.
os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
os.environ.setdefault('GLUE_TESTING', 'True')

# This file holds settings, not examples.
collect_ignore = ['conftest.py']

# pytest runs with filterwarnings = error.  The core and Qt parts raise no
# third-party warning with glue-core 1.28, glue-qt 0.4.2, glue-astronomy 0.15 and
# PyQt6 6.11.  The glue-jupyter stack does:
JUPYTER_WARNINGS = [
    # bqscales (imported by glue-jupyter through bqplot) passes trait metadata in
    # the constructor, deprecated since traitlets 4.1
    # (no ':' in the patterns: pytest's filter syntax splits on it)
    (r'metadata .* was set from the constructor', DeprecationWarning),
    # ipympl's Canvas builds its Toolbar with arguments that traitlets deprecates
    (r'Passing unrecognized arguments to super\(Toolbar\).__init__', DeprecationWarning),
    # glue-jupyter 0.29's image-layer panel names properties that glue-core 1.28's
    # ImageLayerState no longer has (c_min, levels, ...); glue's own image viewer too
    (r"Vue template references '.*' is not a callback property on ImageLayerState",
     UserWarning),
]


def ignore_jupyter_warnings(item):
    """Let ``item`` (a test or an example) raise the `JUPYTER_WARNINGS`."""
    for message, category in JUPYTER_WARNINGS:
        item.add_marker(pytest.mark.filterwarnings(f'ignore:{message}:{category.__name__}'))


def pytest_collection_modifyitems(config, items):
    jupyter = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'jupyter')
    for item in items:
        if str(item.path).startswith(jupyter + os.sep):
            ignore_jupyter_warnings(item)


def _import_jupyter_frontend():
    """
    Import the glue-jupyter modules that pixbin_glue/jupyter imports, before
    pytest collects its examples: without their import-time warnings, and
    keeping Matplotlib's backend, which importing ipympl switches for the whole
    process (the other tests and examples draw with theirs).
    """
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return
    backend = matplotlib.get_backend()
    with warnings.catch_warnings():
        for message, category in JUPYTER_WARNINGS:
            warnings.filterwarnings('ignore', message, category)
        try:
            import glue_jupyter.matplotlib.base  # noqa: F401
            import glue_jupyter.matplotlib.image  # noqa: F401
        except ImportError:
            pass
    matplotlib.use(backend)


_import_jupyter_frontend()


@pytest.fixture(autouse=True)
def _keep_matplotlib_backend():
    """An example that makes a glue-jupyter viewer leaves Matplotlib's backend as it was."""
    import matplotlib
    backend = matplotlib.get_backend()
    yield
    matplotlib.use(backend)
