# Licensed under a 3-clause BSD style license - see LICENSE
"""The version of pixbin (written by setuptools_scm at install)."""

try:
    from ._version import version
except ImportError:  # pragma: no cover - not installed
    version = '0.0.0'

__all__ = ['version']
