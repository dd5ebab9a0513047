# Licensed under a 3-clause BSD style license - see LICENSE
"""
pytest settings for the docstring examples of the glue plugin (``--doctest-modules``).

The glue-jupyter frontend has no examples, and importing glue-jupyter raises
third-party deprecation warnings (listed in tests/pixbin_glue/conftest.py, where
its tests ignore them); its module is therefore not collected for examples.
"""

collect_ignore = ['conftest.py', 'jupyter']
