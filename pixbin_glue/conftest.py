# Licensed under a 3-clause BSD style license - see LICENSE
"""
pytest settings for the docstring examples of the glue plugin (``--doctest-modules``).

The glue-jupyter frontend has no examples, and importing glue-jupyter raises
third-party deprecation warnings (listed in tests/pixbin_glue/conftest.py, where
its tests ignore them); its module is therefore not collected for examples.
"""

import os

# The examples of the Qt frontend run headless, without glue's modal dialogs.
os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
os.environ.setdefault('GLUE_TESTING', 'True')

collect_ignore = ['conftest.py', 'jupyter']
