# Licensed under a 3-clause BSD style license - see LICENSE
"""Finding flux, uncertainty and mask components in glue datasets."""

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.nddata import NDData, StdDevUncertainty

import pixbin

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')

from glue.core import Component, Data, DataCollection  # noqa: E402

import pixbin_glue  # noqa: E402
from pixbin_glue._components import band_info, cube_nddata  # noqa: E402

from pixbin_glue_helpers import BIN_KW, SNR, glue_cube  # noqa: E402


def _labels(components):
    return (components.flux.label, components.uncertainty.label, components.uncertainty_type)


@pytest.mark.parametrize('flux, err, kind', [
    ('FLUX', 'FLUX_ERR', 'std'), ('SCI', 'ERR', 'std'), ('PHOTO_FLUX', 'PHOTO_FLUXERR', 'std'),
    ('data', 'error', 'std'), ('data', 'err', 'std'), ('data', 'sigma', 'std'),
    ('flux', 'var', 'var'), ('Flux', 'IVAR', 'ivar'), ('sci', 'Err', 'std')])
def test_common_names(glue_plugins, mock, flux, err, kind):
    data = glue_cube(mock[0], flux=flux, err=err)
    found = pixbin_glue.find_flux_components(data)
    assert _labels(found) == (flux, err, kind)
    assert found.mask is None


def test_partner_wins_over_other_uncertainties(glue_plugins, mock):
    # SCI pairs with ERR even when a FLUX_ERR-like sigma is also there
    data = glue_cube(mock[0], flux='SCI', err='sigma')
    data.add_component(Component(np.ones(data.shape)), 'ERR')
    assert _labels(pixbin_glue.find_flux_components(data)) == ('SCI', 'ERR', 'std')


@pytest.mark.parametrize('kind', ['var', 'ivar'])
def test_variance_and_inverse_variance_are_converted(glue_plugins, mock, kind):
    cube = mock[0]
    std = cube.uncertainty.array
    values = std**2 if kind == 'var' else 1 / std**2
    dc = DataCollection([glue_cube(cube, err=kind.upper(), err_values=values)])
    bins = pixbin_glue.bin_data(dc, dc['cube'], SNR, **BIN_KW)
    direct = pixbin.bin_pixels(cube, SNR, **BIN_KW)
    result = pixbin_glue.binmap_from_data(bins)
    np.testing.assert_array_equal(result.labels, direct.labels)
    np.testing.assert_allclose(result.flux_err.value, direct.flux_err.value, rtol=1e-12)


def test_fits_extensions_in_sibling_datasets(glue_plugins, mock, tmp_path):
    """glue reads each FITS extension into its own dataset: the partner is found there."""
    from glue.core.data_factories import load_data
    cube = mock[0]
    header = cube.wcs.to_header()
    header['BUNIT'] = cube.unit.to_string('fits')
    for i, name in enumerate(cube.meta['band_names']):
        header[f'FIL{i}'] = name
    path = tmp_path / 'cube.fits'
    fits.HDUList([fits.PrimaryHDU(),
                  fits.ImageHDU(cube.data, header=header, name='FLUX'),
                  fits.ImageHDU(cube.uncertainty.array, name='FLUX_ERR')]).writeto(path)
    datasets = load_data(str(path))
    dc = DataCollection(datasets)
    assert sorted(d.label for d in dc) == ['cube[FLUX]', 'cube[FLUX_ERR]']
    found = pixbin_glue.find_flux_components(dc['cube[FLUX]'], dc)
    assert found.flux.parent is dc['cube[FLUX]']
    assert found.uncertainty.parent is dc['cube[FLUX_ERR]']
    # band names from the FILi keywords, wavelengths from pixbin's filter table
    names, wave = band_info(dc['cube[FLUX]'], 12)
    assert names == list(cube.meta['band_names'])
    from pixbin.io.filters import band_wavelengths
    np.testing.assert_array_equal(wave, band_wavelengths(names))
    np.testing.assert_allclose(wave.to_value(u.AA), cube.meta['band_wavelengths'].value,
                               rtol=0.01)      # the mock's own wavelengths, to 1%
    # the FLUX HDU is 3-D with a 2-D celestial header: glue gives it no WCS we can use,
    # but binning works and gives pixbin's numbers
    bins = pixbin_glue.bin_data(dc, dc['cube[FLUX]'], SNR, **BIN_KW)
    direct = pixbin.bin_pixels(cube, SNR, **BIN_KW)
    np.testing.assert_array_equal(pixbin_glue.binmap_from_data(bins).labels, direct.labels)


def test_glue_astronomy_spectrum_translation(glue_plugins, mock):
    """A Spectrum with a VarianceUncertainty: the kind survives in meta['uncertainty_type']."""
    from astropy.nddata import VarianceUncertainty
    from specutils import Spectrum
    cube = mock[0]
    wave = cube.meta['band_wavelengths']
    # (ny, nx, nbands): the spectral axis last, to check that it is moved first
    flux = np.moveaxis(cube.data, 0, -1) * cube.unit
    var = VarianceUncertainty(np.moveaxis(cube.uncertainty.array, 0, -1) ** 2 * cube.unit**2)
    dc = DataCollection()
    dc['photometry'] = Spectrum(flux=flux, spectral_axis=wave, uncertainty=var,
                                spectral_axis_index=2,
                                meta={'band_names': cube.meta['band_names']})
    data = dc['photometry']
    assert data.meta['uncertainty_type'] == 'var'
    found = pixbin_glue.find_flux_components(data)
    assert _labels(found) == ('flux', 'uncertainty', 'var')
    bins = pixbin_glue.bin_data(dc, data, SNR, **BIN_KW)
    direct = pixbin.bin_pixels(cube, SNR, **BIN_KW)
    result = pixbin_glue.binmap_from_data(bins)
    np.testing.assert_array_equal(result.labels, direct.labels)
    np.testing.assert_allclose(result.flux.value, direct.flux.value, rtol=1e-12)
    assert result.band_names == direct.band_names


def test_glue_astronomy_nddata_translation(glue_plugins, mock):
    """NDDataArray becomes 'data' + 'uncertainty' (1-sigma)."""
    from astropy.nddata import NDDataArray
    cube = mock[0]
    dc = DataCollection()
    dc['nd'] = NDDataArray(cube.data, uncertainty=StdDevUncertainty(cube.uncertainty.array),
                           unit=cube.unit, meta=dict(cube.meta))
    found = pixbin_glue.find_flux_components(dc['nd'])
    assert _labels(found) == ('data', 'uncertainty', 'std')


def test_mask_component_is_used(glue_plugins, mock):
    cube = mock[0]
    data = glue_cube(cube)
    mask = np.zeros(data.shape, dtype=np.int16)
    mask[:, :20, :] = 4        # DQ flags: non-zero = bad
    data.add_component(Component(mask), 'DQ')
    found = pixbin_glue.find_flux_components(data)
    assert found.mask.label == 'DQ'
    dc = DataCollection([data])
    bins = pixbin_glue.bin_data(dc, data, SNR, **BIN_KW)
    labels = pixbin_glue.binmap_from_data(bins).labels
    assert np.all(labels[:20] == 0) and labels[20:].max() > 0
    direct = pixbin.bin_pixels(cube, SNR, mask=mask != 0, **BIN_KW)
    np.testing.assert_array_equal(labels, direct.labels)


def test_cannot_tell_names_the_candidates(glue_plugins, mock):
    cube = mock[0]
    data = Data(a=cube.data, b=cube.uncertainty.array, label='odd')
    with pytest.raises(ValueError, match=r"cannot tell which component of 'odd' is the flux "
                                         r"\(components: 'a', 'b'\); give flux="):
        pixbin_glue.find_flux_components(data)
    data = Data(flux=cube.data, other=cube.uncertainty.array, label='odd2')
    with pytest.raises(ValueError, match='cannot tell which component holds the uncertainty'):
        pixbin_glue.find_flux_components(data)


def test_explicit_components(glue_plugins, mock):
    cube = mock[0]
    data = Data(a=cube.data, b=cube.uncertainty.array ** 2, label='odd')
    data.get_component('a').units = cube.unit.to_string()
    found = pixbin_glue.find_flux_components(data, flux='A', uncertainty=data.id['b'],
                                             uncertainty_type='var')
    assert _labels(found) == ('a', 'b', 'var')
    with pytest.raises(ValueError, match="flux must name a component of 'odd'"):
        pixbin_glue.find_flux_components(data, flux='nope', uncertainty='b')
    with pytest.raises(TypeError, match='uncertainty must be a component label'):
        pixbin_glue.find_flux_components(data, flux='a', uncertainty=3)
    with pytest.raises(ValueError, match='uncertainty_type must be one of'):
        pixbin_glue.find_flux_components(data, flux='a', uncertainty='b',
                                         uncertainty_type='sigma')
    with pytest.raises(TypeError, match='data must be a glue Data'):
        pixbin_glue.find_flux_components(cube)
    # bin_data takes the same arguments (no band names: pixbin's band0.. names)
    dc = DataCollection([data])
    bins = pixbin_glue.bin_data(dc, data, 10, flux='a', uncertainty='b',
                                uncertainty_type='var', min_diameter=3)
    direct = pixbin.bin_pixels(NDData(cube.data, uncertainty=StdDevUncertainty(
        cube.uncertainty.array), unit=cube.unit), 10, min_diameter=3)
    np.testing.assert_array_equal(pixbin_glue.binmap_from_data(bins).labels, direct.labels)
    assert bins.meta['band_names'] == [f'band{i}' for i in range(12)]


def test_units(glue_plugins, mock):
    cube = mock[0]
    data = glue_cube(cube, units=False)
    components = pixbin_glue.find_flux_components(data)
    with pytest.raises(u.UnitsError, match="the flux component 'FLUX' of 'cube' has no units"):
        cube_nddata(data, components)
    nd = cube_nddata(data, components, unit='Jy')
    assert nd.unit == u.Jy
    data.get_component('FLUX').units = 'not a unit'
    with pytest.raises(u.UnitsError, match="flux component 'FLUX' has units 'not a unit'"):
        cube_nddata(data, components)


def test_band_info_from_meta(glue_plugins, mock):
    data = glue_cube(mock[0])
    data.meta['band_wavelengths'] = mock[0].meta['band_wavelengths']   # a Quantity
    names, wave = band_info(data, 12)
    assert names == list(mock[0].meta['band_names'])
    assert np.all(wave == mock[0].meta['band_wavelengths'])
    del data.meta['band_wavelength_unit']
    data.meta['band_wavelengths'] = [1.0] * 12
    with pytest.raises(u.UnitsError, match='band_wavelengths has no unit'):
        band_info(data, 12)
    data.meta['band_wavelength_unit'] = 'um'
    names, wave = band_info(data, 12)
    assert wave.unit == u.um and names[4] == 'sdss_r'
    with pytest.raises(ValueError, match='band_names has 12 names but the cube has 3 bands'):
        band_info(data, 3)
