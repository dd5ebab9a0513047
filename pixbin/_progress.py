# Licensed under a 3-clause BSD style license - see LICENSE
"""
Progress reporting: a ``progress`` option becomes a ``callback(fraction)``.
"""

__all__ = []


class _Bar:
    """A tqdm bar on stderr driven by fractions in [0, 1]."""

    def __init__(self, desc='binning'):
        from tqdm.auto import tqdm
        self._bar = tqdm(total=1000, desc=desc, unit='‰', leave=True,
                         bar_format='{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}')
        self._done = 0

    def __call__(self, fraction):
        step = int(round(1000 * fraction))
        if step > self._done:
            self._bar.update(step - self._done)
            self._done = step
        if fraction >= 1.0:
            self._bar.close()


def progress_callback(progress, desc='binning'):
    """
    None for no progress, a tqdm bar for True, or the callable itself.
    """
    if progress is None or progress is False:
        return None
    if progress is True:
        return _Bar(desc)
    if callable(progress):
        return progress
    raise TypeError(f'progress must be True, False or a callable taking a fraction, got '
                    f'{progress!r}')
