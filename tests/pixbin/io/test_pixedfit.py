# Licensed under a 3-clause BSD style license - see LICENSE
"""Reading piXedfit flux-map cubes (files written here in piXedfit's layout)."""

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from pixbin_test_helpers import SNR_7_BANDS
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin import bin_pixels, read_pixedfit
from pixbin.io.filters import band_wavelengths


def write_fluxmap(path, cube, region, spectra=None, spec_region=None, scale=1e-17,
                  wcs=True, drop=()):
    """A piXedfit flux-map file, as piXedfit's image processing writes it."""
    header = fits.Header()
    header['specphot'] = 0 if spectra is None else 1
    header['nfilters'] = cube.data.shape[0]
    for i, name in enumerate(cube.meta['band_names']):
        header[f'fil{i}'] = name
    header['unit'] = scale
    header['z'] = 0.0123
    header['RA'] = 150.0
    header['DEC'] = 2.2
    header['pixsize'] = 1.5
    header['psffwhm'] = 6.0
    if wcs:
        header.update(cube.wcs.to_header())
    factor = cube.unit.to(u.Unit(scale * u.erg / u.s / u.cm**2 / u.AA))
    flux = cube.data * factor
    err = cube.uncertainty.array * factor
    if spectra is None:
        hdus = [fits.ImageHDU(region.astype(int), name='GALAXY_REGION'),
                fits.ImageHDU(flux, name='FLUX'), fits.ImageHDU(err, name='FLUX_ERR')]
    else:
        wave = spectra.spectral_axis.to_value(u.AA)
        hdus = [fits.ImageHDU(region.astype(int), name='PHOTO_REGION'),
                fits.ImageHDU(spec_region.astype(int), name='SPEC_REGION'),
                fits.ImageHDU(flux, name='PHOTO_FLUX'), fits.ImageHDU(err, name='PHOTO_FLUXERR'),
                fits.ImageHDU(wave, name='WAVE'),
                fits.ImageHDU(np.nan_to_num(spectra.flux.value) * factor, name='SPEC_FLUX'),
                fits.ImageHDU(np.nan_to_num(spectra.uncertainty.array) * factor,
                              name='SPEC_FLUXERR')]
    hdus = [h for h in hdus if h.name not in drop]
    fits.HDUList([fits.PrimaryHDU(header=header)] + hdus).writeto(path)


@pytest.fixture(scope='module')
def mock50():
    return pixbin.datasets.make_mock_galaxy(shape=(50, 50))


def galaxy_region(shape):
    y, x = np.indices(shape)
    return np.hypot(y - shape[0] / 2, x - shape[1] / 2) < 20


def test_photometric_fluxmap(mock50, tmp_path):
    region = galaxy_region((50, 50))
    write_fluxmap(tmp_path / 'fluxmap.fits', mock50, region)
    data = read_pixedfit(tmp_path / 'fluxmap.fits')
    assert set(data) == {'cube'}
    cube = data['cube']
    assert cube.unit == u.Unit('1e-17 erg / (s cm2 Angstrom)')
    assert_allclose(cube.data, mock50.data)
    assert_allclose(cube.uncertainty.array, mock50.uncertainty.array)
    assert_array_equal(cube.mask[0], ~region)
    assert cube.meta['band_names'] == mock50.meta['band_names']
    # the pivots of the filter table for these names, within 1% of the mock's own
    assert_array_equal(cube.meta['band_wavelengths'], band_wavelengths(mock50.meta['band_names']))
    assert_allclose(cube.meta['band_wavelengths'], mock50.meta['band_wavelengths'], rtol=0.01)
    assert cube.meta['z'] == 0.0123 and cube.meta['psffwhm'] == 6.0
    assert cube.wcs.has_celestial
    # one line for a piXedfit user
    bm = bin_pixels(**read_pixedfit(tmp_path / 'fluxmap.fits'), snr=SNR_7_BANDS, ref_band=4,
                    min_diameter=4)
    assert bm.nbins > 5 and not np.any(bm.labels[~region])
    same = bin_pixels(mock50, SNR_7_BANDS, ref_band=4, min_diameter=4, mask=~region)
    assert_array_equal(bm.labels, same.labels)


def test_spectrophotometric_fluxmap(tmp_path):
    cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(40, 40))
    region = galaxy_region((40, 40))
    write_fluxmap(tmp_path / 'specphot.fits', cube, region, spectra, footprint)
    data = read_pixedfit(tmp_path / 'specphot.fits')
    assert set(data) == {'cube', 'spectra', 'spec_region'}
    assert_array_equal(data['spec_region'], footprint)
    assert data['spectra'].flux.shape == (1800, 40, 40)
    assert data['spectra'].spectral_axis.unit == u.AA
    bm = bin_pixels(**data, snr=SNR_7_BANDS, ref_band=4, min_diameter=4)
    assert 0 < bm.nbins_spec < bm.nbins
    assert np.all(footprint[bm.spec_labels > 0])


def _memory_mapped(array):
    """True if ``array`` is a view of a memory-mapped file."""
    import mmap
    while array is not None:
        if isinstance(array, (np.memmap, mmap.mmap)):
            return True
        array = getattr(array, 'base', None)
    return False


def test_spectra_memory_mapped_and_summed_as_in_memory(tmp_path):
    """The spectra stay on disk until binned; the sums equal those of in-memory spectra."""
    from specutils import Spectrum
    cube = pixbin.datasets.make_mock_galaxy(shape=(30, 30))
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(30, 30))
    path = tmp_path / 'specphot.fits'
    write_fluxmap(path, cube, galaxy_region((30, 30)), spectra, footprint)
    before = path.read_bytes()
    data = read_pixedfit(path)
    assert _memory_mapped(data['spectra'].flux.value)
    assert _memory_mapped(data['spectra'].uncertainty.array)
    assert not _memory_mapped(data['cube'].data)         # photometry is read into memory
    lazy = bin_pixels(**data, snr=SNR_7_BANDS, ref_band=4, min_diameter=4)
    s = data['spectra']
    in_memory = Spectrum(flux=np.array(s.flux.value) * s.flux.unit,
                         spectral_axis=s.spectral_axis, spectral_axis_index=0,
                         uncertainty=type(s.uncertainty)(np.array(s.uncertainty.array),
                                                         unit=s.uncertainty.unit),
                         mask=np.array(s.mask))
    eager = bin_pixels(data['cube'], snr=SNR_7_BANDS, ref_band=4, min_diameter=4,
                       spectra=in_memory, spec_region=data['spec_region'])
    assert lazy.nbins_spec == eager.nbins_spec > 0
    assert_array_equal(lazy.spectra.flux, eager.spectra.flux)
    assert_array_equal(lazy.spectra.uncertainty.array, eager.spectra.uncertainty.array)
    del data, s, lazy
    assert path.read_bytes() == before


def test_truncated_fluxmap_is_a_clear_error(tmp_path):
    cube = pixbin.datasets.make_mock_galaxy(shape=(20, 20))
    spectra, footprint = pixbin.datasets.make_mock_ifu(shape=(20, 20))
    path = tmp_path / 'specphot.fits'
    write_fluxmap(path, cube, galaxy_region((20, 20)), spectra, footprint)
    path.write_bytes(path.read_bytes()[:-30000])
    with pytest.raises(ValueError, match='specphot.fits: not a readable FITS file .*truncated'):
        read_pixedfit(path)


@pytest.mark.parametrize('drop, match', [
    (('FLUX_ERR',), r'is not a piXedfit flux-map cube: missing extension\(s\) FLUX_ERR'),
    (('GALAXY_REGION',), r'missing extension\(s\) GALAXY_REGION'),
])
def test_missing_extensions(mock50, tmp_path, drop, match):
    write_fluxmap(tmp_path / 'f.fits', mock50, galaxy_region((50, 50)), drop=drop)
    with pytest.raises(ValueError, match=match):
        read_pixedfit(tmp_path / 'f.fits')


def test_missing_keywords_and_foreign_file(mock50, tmp_path):
    fits.HDUList([fits.PrimaryHDU(np.ones((2, 2)))]).writeto(tmp_path / 'plain.fits')
    with pytest.raises(ValueError, match='plain.fits is not a piXedfit flux-map cube: the '
                                         'primary header has no nfilters'):
        read_pixedfit(tmp_path / 'plain.fits')
    write_fluxmap(tmp_path / 'f.fits', mock50, galaxy_region((50, 50)))
    with fits.open(tmp_path / 'f.fits') as hdul:
        del hdul[0].header['fil3']
        hdul.writeto(tmp_path / 'nofil.fits')
    with pytest.raises(ValueError, match=r'header keyword fil3 is missing \(nfilters = 12\)'):
        read_pixedfit(tmp_path / 'nofil.fits')
    with pytest.raises(FileNotFoundError):
        read_pixedfit(tmp_path / 'absent.fits')
