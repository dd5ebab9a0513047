# Licensed under a 3-clause BSD style license - see LICENSE
"""
The tests of pixbin (tests/pixbin) and of its glue plugin (tests/pixbin_glue).

The helpers both use are in pixbin_test_helpers.py here: with pytest's
default import mode, the folder of this conftest (a folder that is not a
package) is on ``sys.path``, so the tests import them by name.
"""

# This file holds no examples (doctest collection of .py files).
collect_ignore = ['conftest.py']
