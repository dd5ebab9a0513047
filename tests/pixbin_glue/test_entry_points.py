# Licensed under a 3-clause BSD style license - see LICENSE
"""
One reader behind every entry point: the same file gives the same bin map through
``bin_pixels(path)``, ``pixbin bin``, ``pixbin batch`` and glue's data factory, or
the same error.
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from numpy.testing import assert_allclose, assert_array_equal

import pixbin
from pixbin_glue_helpers import SNR
from pixbin_test_helpers import write_fluxmap_fits

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')

from glue.core import DataCollection  # noqa: E402
from glue.core.data_factories import find_factory, load_data  # noqa: E402

import pixbin_glue  # noqa: E402
from pixbin.batch import bin_many  # noqa: E402
from pixbin.cli import main  # noqa: E402
from pixbin_glue._input_data import read_input_data  # noqa: E402

OPTIONS = dict(ref_band=4, min_diameter=3)
CLI_OPTIONS = ['--snr', ','.join(str(s) for s in SNR), '--ref-band', '4',
               '--min-diameter', '3', '--no-progress']


def write_fluxmap(path, cube, region, spectra=None, spec_region=None):
    """A piXedfit flux-map file with the galaxy keywords that travel to the bin map."""
    return write_fluxmap_fits(path, cube, region, spectra, spec_region,
                              extra_header={'z': 0.0123, 'psffwhm': 3.0})


@pytest.fixture(scope='module')
def files(tmp_path_factory, mock):
    cube, spectra, footprint = mock
    folder = tmp_path_factory.mktemp('inputs')
    y, x = np.indices(cube.data.shape[1:])
    region = np.hypot(y - 20, x - 20) < 17
    return {'photometric': write_fluxmap(folder / 'phot.fits', cube, region),
            'spectrophotometric': write_fluxmap(folder / 'specphot.fits', cube, region,
                                                spectra, footprint)}


def through_glue(path):
    assert find_factory(str(path)) is read_input_data
    dc = DataCollection(load_data(str(path)))
    return pixbin_glue.binmap_from_data(
        pixbin_glue.bin_data(dc, dc[path.stem], SNR, **OPTIONS)), dc


def through_cli(path, out):
    assert main(['bin', str(path), '-o', str(out)] + CLI_OPTIONS) == 0
    return pixbin.read_binmap(out)


def through_batch(path, folder):
    table = bin_many([path], folder, scheduler='serial', progress=False, snr=SNR, **OPTIONS)
    assert list(table['status']) == ['done'], table['error'][0]
    return pixbin.read_binmap(table['output'][0])


def assert_same(bm, reference, what):
    assert bm.nbins == reference.nbins, what
    assert_array_equal(bm.labels, reference.labels, err_msg=what)
    assert bm.flux.unit == reference.flux.unit, what
    assert_allclose(bm.flux.value, reference.flux.value, rtol=1e-12, err_msg=what)
    assert_allclose(bm.flux_err.value, reference.flux_err.value, rtol=1e-12, err_msg=what)
    assert bm.band_names == reference.band_names, what
    assert bm.meta['z'] == reference.meta['z'] == 0.0123, what
    assert bm.meta['nvalid'] == reference.meta['nvalid'], what
    assert (bm.spectra is None) == (reference.spectra is None), what
    if reference.spectra is not None:
        assert bm.nbins_spec == reference.nbins_spec, what
        assert_array_equal(bm.spec_labels, reference.spec_labels, err_msg=what)
        assert_allclose(bm.spectra.flux.to_value(reference.spectra.flux.unit),
                        reference.spectra.flux.value, rtol=1e-10, err_msg=what)


@pytest.mark.parametrize('kind', ['photometric', 'spectrophotometric'])
def test_four_entry_points_give_one_bin_map(glue_plugins, files, kind, tmp_path):
    path = files[kind]
    reference = pixbin.bin_pixels(path, SNR, **OPTIONS)
    # the file's own reader gives the same
    assert_same(pixbin.bin_pixels(**pixbin.io.read_input(path), snr=SNR, **OPTIONS),
                reference, 'read_input')
    assert reference.nbins > 10
    if kind == 'spectrophotometric':
        # bin_pixels(path) keeps the spectra of a spectrophotometric file
        assert reference.spectra is not None and 0 < reference.nbins_spec < reference.nbins
        assert_array_equal(reference.spec_region, fits.getdata(path, 'SPEC_REGION') == 1)
    else:
        assert reference.spectra is None
    assert not np.any(reference.labels[fits.getdata(path, 1) != 1])   # region kept
    assert_same(through_cli(path, tmp_path / 'cli.fits'), reference, 'pixbin bin')
    assert_same(through_batch(path, tmp_path / 'batch'), reference, 'pixbin batch')
    from_glue, dc = through_glue(path)
    assert_same(from_glue, reference, 'glue')
    expected = [path.stem] + ([f'{path.stem}[SPECTRA]', f'{path.stem}[SPEC_REGION]']
                              if kind == 'spectrophotometric' else [])
    assert [d.label for d in dc][:len(expected)] == expected


def test_spectra_given_twice_is_an_error(files, mock):
    with pytest.raises(ValueError, match=r"specphot.fits' is a spectrophotometric file with "
                                         r"its own spectra, and spectra= was given too"):
        pixbin.bin_pixels(files['spectrophotometric'], SNR, spectra=mock[1], **OPTIONS)


def test_a_spectral_cube_is_binned_through_the_same_windows_everywhere(glue_plugins,
                                                                       tmp_path, capsys):
    """
    A MUSE cube: bin_pixels(path), pixbin bin and pixbin batch bin it through the
    same wavelength windows, and so does glue's bin_data, read by pixbin's data
    factory or by glue's own FITS reader (one dataset per extension).
    """
    path = tmp_path / 'muse.fits'
    rng = np.random.default_rng(3)
    header = fits.Header({'CTYPE1': 'RA---TAN', 'CTYPE2': 'DEC--TAN', 'CTYPE3': 'AWAV',
                          'CUNIT1': 'deg', 'CUNIT2': 'deg', 'CUNIT3': 'Angstrom',
                          'CRVAL1': 63.3, 'CRVAL2': 10.4, 'CRVAL3': 4750.0, 'CRPIX1': 5.0,
                          'CRPIX2': 5.0, 'CRPIX3': 1.0, 'CD1_1': -5.5e-5, 'CD2_2': 5.5e-5,
                          'CD3_3': 1.25, 'BUNIT': '10**(-20)*erg/s/cm**2/Angstrom'})
    flux = rng.gamma(3.0, 2.0, size=(30, 9, 9))
    stat = header.copy()
    stat['BUNIT'] = '(10**(-20)*erg/s/cm**2/Angstrom)**2'
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(flux, header, name='DATA'),
                  fits.ImageHDU(np.ones_like(flux), stat, name='STAT')]).writeto(path)
    bands = '4750-4770,4770-4785'
    direct = pixbin.bin_pixels(path, 5.0, bands=[[4750, 4770], [4770, 4785]] * u.AA)
    assert direct.band_names == ('4750-4770 Angstrom', '4770-4785 Angstrom')
    assert direct.nbins > 10 and direct.nbins_spec == direct.nbins
    assert main(['bin', str(path), '-o', str(tmp_path / 'out.fits'), '--snr', '5',
                 '--bands', bands, '--no-progress']) == 0
    table = bin_many([path], tmp_path / 'batch', scheduler='serial', progress=False, snr=5.0,
                     bands=bands)
    assert table['status'][0] == 'done'
    for other in (pixbin.read_binmap(tmp_path / 'out.fits'),
                  pixbin.read_binmap(table['output'][0])):
        np.testing.assert_array_equal(other.labels, direct.labels)
        np.testing.assert_allclose(other.flux.value, direct.flux.value, rtol=1e-12)
    dc = DataCollection(load_data(str(path)))
    data = dc['muse']
    assert data.meta['spectral_cube'] is True and data.meta['layout'] == 'MUSE'
    from glue.core.data_factories.fits import fits_reader
    split = DataCollection(fits_reader(str(path)))
    assert [d.label for d in split] == ['muse[DATA]', 'muse[STAT]']
    for dc, data in ((dc, data), (split, split['muse[DATA]'])):
        bins = pixbin_glue.bin_data(dc, data, 5.0, bands=bands)
        binmap = pixbin_glue.binmap_from_data(bins)
        np.testing.assert_array_equal(binmap.labels, direct.labels)
        np.testing.assert_allclose(binmap.flux.value, direct.flux.value, rtol=1e-12)
        assert binmap.band_names == direct.band_names
        np.testing.assert_allclose(binmap.spectra.flux.value, direct.spectra.flux.value,
                                   rtol=1e-12)
    # without windows, the default ones, with the warning of bin_pixels
    with pytest.warns(pixbin.PixbinWarning, match='no bands were given: binned in 4 windows'):
        bins = pixbin_glue.bin_data(split, split['muse[DATA]'], 5.0)
    assert len(pixbin_glue.binmap_from_data(bins).band_names) == 4


def test_generic_fits_files_are_left_to_glue(glue_plugins, mock, tmp_path):
    cube = mock[0]
    header = cube.wcs.to_header()
    header['BUNIT'] = cube.unit.to_string()
    path = tmp_path / 'plain.fits'
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(cube.data, header, name='SCI'),
                  fits.ImageHDU(cube.uncertainty.array, name='ERR')]).writeto(path)
    assert find_factory(str(path)) is not read_input_data
    assert pixbin.io.read_cube(path).meta['layout'] == 'generic'
    assert sorted(d.label for d in load_data(str(path))) == ['plain[ERR]', 'plain[SCI]']


def hst_image(path, mock, weight=None):
    """An HST drizzled image (SCI, WHT, CTX) of band 5 of the mock, in ct/s."""
    cube = mock[0]
    primary = fits.Header({'TELESCOP': 'HST', 'INSTRUME': 'ACS', 'FILTER1': 'F606W',
                           'D001DEXP': 500.0, 'D001WTSC': 500.0})
    sci = cube.wcs.to_header()
    sci.update({'BUNIT': 'COUNTS/S', 'FILTER': 'F606W', 'PHOTPLAM': 5921.9})
    wht = fits.Header({'BUNIT': 'COUNTS'})       # drizzle copies the input's BUNIT
    if weight:
        wht['WHTTYPE'] = weight
    fits.HDUList([fits.PrimaryHDU(header=primary),
                  fits.ImageHDU(cube.data[5] * 10, sci, name='SCI'),
                  fits.ImageHDU((cube.uncertainty.array[5] * 10) ** -2, wht, name='WHT'),
                  fits.ImageHDU(np.ones(cube.data.shape[1:], np.int32), name='CTX')]
                 ).writeto(path)
    return path


def test_hst_image_through_every_entry_point(glue_plugins, mock, tmp_path):
    path = hst_image(tmp_path / 'j8xi01_drc.fits', mock, weight='IVM')
    reference = pixbin.bin_pixels(path, 8.0, min_diameter=3)
    assert reference.flux.unit == u.ct / u.s and reference.band_names == ('F606W',)
    assert_allclose(reference.band_wavelengths.to_value(u.AA), [5921.9])
    assert reference.nbins > 10
    assert main(['bin', str(path), '-o', str(tmp_path / 'cli.fits'), '--snr', '8',
                 '--min-diameter', '3', '--no-progress']) == 0
    table = bin_many([path], tmp_path / 'batch', scheduler='serial', progress=False, snr=8.0,
                     min_diameter=3)
    assert find_factory(str(path)) is read_input_data
    dc = DataCollection(load_data(str(path)))
    from_glue = pixbin_glue.binmap_from_data(
        pixbin_glue.bin_data(dc, dc[path.stem], 8.0, min_diameter=3))
    for bm in (pixbin.read_binmap(tmp_path / 'cli.fits'),
               pixbin.read_binmap(table['output'][0]), from_glue):
        assert_array_equal(bm.labels, reference.labels)
        assert_allclose(bm.flux.to_value(reference.flux.unit), reference.flux.value,
                        rtol=1e-12)
        assert_allclose(bm.flux_err.to_value(reference.flux.unit), reference.flux_err.value,
                        rtol=1e-12)


def test_hst_exposure_weight_is_left_to_glue_and_refused_by_pixbin(glue_plugins, mock,
                                                                   tmp_path, capsys):
    path = hst_image(tmp_path / 'j8xi01_drz.fits', mock)
    # glue can still show the image: its own FITS reader opens it
    assert find_factory(str(path)) is not read_input_data
    message = 'WHT extension of this drizzled image is an exposure-time weight'
    with pytest.raises(ValueError, match=message):
        pixbin.bin_pixels(path, 8.0)
    assert main(['bin', str(path), '-o', str(tmp_path / 'o.fits'), '--snr', '8',
                 '--no-progress']) == 2
    assert message in capsys.readouterr().err
