# Licensed under a 3-clause BSD style license - see LICENSE
"""
Warnings issued by pixbin.
"""

from astropy.utils.exceptions import AstropyUserWarning

__all__ = ['PixbinWarning']


class PixbinWarning(AstropyUserWarning):
    """A result that may not be what was asked for (e.g. no bin at all)."""
