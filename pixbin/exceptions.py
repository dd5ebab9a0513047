# Licensed under a 3-clause BSD style license - see LICENSE
"""
Warnings issued by pixbin.
"""

from astropy.utils.exceptions import AstropyUserWarning

__all__ = ['PixbinWarning']


class PixbinWarning(AstropyUserWarning):
    """
    A result that may not be what was asked for (e.g. no bin at all).

    Examples
    --------
    No pixel of the mock galaxy reaches S/N 100000, so there is no bin:

    >>> import warnings
    >>> import pixbin
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter('always')
    ...     bm = pixbin.bin_pixels(cube, snr=1e5, ref_band='sdss_r')
    >>> bm.nbins, caught[0].category is pixbin.PixbinWarning
    (0, True)
    >>> print(caught[0].message)        # doctest: +ELLIPSIS
    No bin reached the S/N threshold in every required band (1600 valid pixels); try ...
    """
