# Licensed under a 3-clause BSD style license - see LICENSE
"""
pytest-benchmark timings of pixbin alone.

Not part of the test suite (``testpaths`` are ``tests`` and ``pixbin``, and
the file name does not match ``test_*.py``).  Run it explicitly::

    python -m pip install pytest-benchmark
    python -m pytest benchmarks/bench_pixbin.py                  # 100, 200, 400 px
    python -m pytest benchmarks/bench_pixbin.py --benchmark-json=bench.json
    PIXBIN_BENCH_SIZES=100,200,400,800 python -m pytest benchmarks/bench_pixbin.py

Each benchmark bins the 12-band mock galaxy of ``compare.py`` (S/N 10 in
bands 0-6, ref_band 4, min_diameter 4, redchi2_limit 4) after a warm-up call
that compiles the numba kernels, and checks that every bin meets its S/N.
"""

import os

import numpy as np
import pytest

pytest.importorskip('pytest_benchmark')

import pixbin  # noqa: E402
from pixbin.binning import sed_greedy  # noqa: E402

SNR = [10.0] * 7 + [0.0] * 5
SIZES = [int(s) for s in os.environ.get('PIXBIN_BENCH_SIZES', '100,200,400').split(',')]


@pytest.fixture(scope='module', autouse=True)
def compiled():
    """Compile (or load) the numba kernels outside the timed rounds."""
    cube = pixbin.datasets.make_mock_galaxy(shape=(32, 32))
    pixbin.bin_pixels(cube, snr=SNR, ref_band=4, min_diameter=4, redchi2_limit=4.0)


@pytest.fixture(scope='module', params=SIZES, ids=lambda n: f'{n}x{n}')
def cube(request):
    return pixbin.datasets.make_mock_galaxy(shape=(request.param,) * 2)


def _rounds(cube):
    # Enough rounds for a stable minimum, without minutes at the largest sizes.
    return 10 if cube.data[0].size <= 40_000 else 3


def test_bin_pixels(benchmark, cube):
    """End to end: NDData cube in, BinMap (labels and summed fluxes) out."""
    bm = benchmark.pedantic(pixbin.bin_pixels, args=(cube,),
                            kwargs=dict(snr=SNR, ref_band=4, min_diameter=4,
                                        redchi2_limit=4.0),
                            rounds=_rounds(cube), warmup_rounds=1)
    benchmark.extra_info.update(pixels=int(cube.data[0].size), nbins=int(bm.nbins))
    assert bm.nbins > 0
    assert np.all(bm.snr[:, :7] >= 10)


def test_sed_greedy(benchmark, cube):
    """The array-level algorithm alone (no unit handling, no sums)."""
    flux = np.asarray(cube.data)
    variance = np.square(cube.uncertainty.array)
    labels = benchmark.pedantic(sed_greedy, args=(flux, variance, np.array(SNR)),
                                kwargs=dict(ref_band=4, min_diameter=4.0, redchi2_limit=4.0),
                                rounds=_rounds(cube), warmup_rounds=1)
    benchmark.extra_info.update(pixels=int(flux[0].size), nbins=int(labels.max()))
    assert labels.max() > 0
