# Licensed under a 3-clause BSD style license - see LICENSE
"""
Band wavelengths by filter name: the table made from the filter libraries
against published pivot wavelengths, the names a FITS header gives, and the
wavelengths of a list of per-band FITS files through bin_pixels to plot_sed.
"""

import sys
import types

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from numpy.testing import assert_allclose

import pixbin
from pixbin.io import read_input
from pixbin.io.filters import (FILTER_WAVELENGTHS, band_wavelengths, filter_wavelength,
                               header_wavelength)

# Published pivot wavelengths (micron): JWST user documentation (NIRCam, MIRI
# filter tables), the HST ACS, WFC3 and WFPC2 instrument handbooks, Euclid
# Collaboration: Schirmer et al. 2022 (NISP), the SVO filter profile service
# (Rubin, HSC, DECam, GALEX, SDSS, 2MASS), Jarrett et al. 2011 (WISE), the IRAC
# and MIPS handbooks.  Filter curves differ between versions and detectors by
# a few 0.1%: the table must agree to 1% (Euclid VIS, a 550-900 nm band, 2%).
PUBLISHED = {
    'jwst_nircam_f070w': 0.704, 'jwst_nircam_f150w': 1.501, 'jwst_nircam_f200w': 1.990,
    'jwst_nircam_f277w': 2.776, 'jwst_nircam_f356w': 3.563, 'jwst_nircam_f444w': 4.402,
    'jwst_nircam_f212n': 2.121,
    'jwst_miri_f560w': 5.635, 'jwst_miri_f770w': 7.639, 'jwst_miri_f1000w': 9.953,
    'jwst_miri_f1500w': 15.064, 'jwst_miri_f2100w': 20.795,
    'hst_acs_f435w': 0.4329, 'hst_acs_f606w': 0.5921, 'hst_acs_f814w': 0.8045,
    'hst_wfc3_uvis_f275w': 0.2710, 'hst_wfc3_uvis_f336w': 0.3355,
    'hst_wfc3_uvis_f814w': 0.8039, 'hst_wfc3_ir_f125w': 1.2486, 'hst_wfc3_ir_f160w': 1.5369,
    'hst_wfpc2_f439w': 0.4312, 'hst_wfpc2_f555w': 0.5443, 'hst_wfpc2_f814w': 0.8012,
    'euclid_y': 1.0809, 'euclid_j': 1.3673, 'euclid_h': 1.7714,
    'lsst_g': 0.4827, 'lsst_r': 0.6223, 'lsst_i': 0.7546, 'lsst_z': 0.8691,
    'hsc_g': 0.4798, 'hsc_r': 0.6218, 'hsc_i': 0.7727, 'hsc_z': 0.8908,
    'decam_g': 0.4820, 'decam_r': 0.6423, 'decam_i': 0.7807, 'decam_z': 0.9158,
    'galex_fuv': 0.1535, 'galex_nuv': 0.2301,
    'sdss_u': 0.3557, 'sdss_g': 0.4702, 'sdss_r': 0.6176, 'sdss_i': 0.7490, 'sdss_z': 0.8947,
    '2mass_j': 1.2358, '2mass_h': 1.6458, '2mass_ks': 2.1603,
    'wise_w1': 3.368, 'wise_w2': 4.618, 'wise_w3': 12.082, 'wise_w4': 22.194,
    'spitzer_irac_ch1': 3.550, 'spitzer_irac_ch2': 4.493, 'spitzer_irac_ch4': 7.872,
    'spitzer_mips_24': 23.59,
}

# piXedfit's names and the wavelengths (Angstrom) of pixbin's former hand-written table
PIXEDFIT = {
    'galex_fuv': 1539.0, 'galex_nuv': 2316.0, 'sdss_u': 3551.0, 'sdss_g': 4686.0,
    'sdss_r': 6166.0, 'sdss_i': 7480.0, 'sdss_z': 8932.0, 'panstarrs_g': 4810.0,
    'panstarrs_r': 6170.0, 'panstarrs_i': 7520.0, 'panstarrs_z': 8660.0,
    'panstarrs_y': 9620.0, 'decam_g': 4730.0, 'decam_r': 6420.0, 'decam_i': 7840.0,
    'decam_z': 9260.0, 'decam_y': 10090.0, '2mass_j': 12350.0, '2mass_h': 16620.0,
    '2mass_k': 21590.0, 'wise_w1': 33526.0, 'wise_w2': 46028.0, 'wise_w3': 115608.0,
    'wise_w4': 220883.0, 'spitzer_irac_36': 35500.0, 'spitzer_irac_45': 44930.0,
    'spitzer_irac_58': 57310.0, 'spitzer_irac_80': 78720.0, 'spitzer_mips_24': 235900.0,
    'herschel_pacs_70': 700000.0, 'herschel_pacs_100': 1000000.0,
    'herschel_pacs_160': 1600000.0, 'herschel_spire_250': 2500000.0,
    'herschel_spire_350': 3500000.0, 'herschel_spire_500': 5000000.0,
}


@pytest.mark.parametrize('name, micron', sorted(PUBLISHED.items()))
def test_published_pivot_wavelengths(name, micron):
    wave = filter_wavelength(name)
    assert wave.unit == u.AA
    assert_allclose(wave.to_value(u.um), micron, rtol=0.01)


def test_euclid_vis():
    assert_allclose(filter_wavelength('euclid_vis').to_value(u.um), 0.72, rtol=0.02)
    assert filter_wavelength('Euclid-VIS') == filter_wavelength('VIS')


def test_pixedfit_names_are_aliases():
    """All 35 names resolve; the library pivots are within 4.5% of the old table."""
    assert len(PIXEDFIT) == 35
    new = band_wavelengths(list(PIXEDFIT)).to_value(u.AA)
    change = new / np.array(list(PIXEDFIT.values())) - 1
    assert np.abs(change).max() < 0.045
    # WISE W3 moved most: 11.56 um is its isophotal wavelength, 12.07 its pivot
    assert list(PIXEDFIT)[np.argmax(np.abs(change))] == 'wise_w3'
    assert filter_wavelength('2mass_k') == filter_wavelength('2mass_ks')
    assert filter_wavelength('spitzer_irac_36') == filter_wavelength('spitzer_irac_ch1')


def test_library_names_and_spelling():
    # sedpy's and speclite's own names, any case, '-' or ' ' for '_'
    assert filter_wavelength('jwst_f200w') == filter_wavelength('JWST NIRCam F200W')
    assert filter_wavelength('acs_wfc_f814w') == filter_wavelength('hst_acs_f814w')
    assert filter_wavelength('twomass_Ks') == filter_wavelength('2MASS-Ks')
    assert_allclose(filter_wavelength('lsst2023-r').to_value(u.um), 0.62, rtol=0.01)
    assert_allclose(filter_wavelength('HSC-R2').to_value(u.um), 0.62, rtol=0.01)
    assert len(FILTER_WAVELENGTHS) > 450


def test_filter_alone():
    # one instrument has it
    assert filter_wavelength('F160W') == filter_wavelength('hst_wfc3_ir_f160w')
    assert filter_wavelength('W1') == filter_wavelength('wise_w1')
    assert filter_wavelength('FUV') == filter_wavelength('galex_fuv')
    # NIRCam and NIRISS F200W agree to 0.1%: NIRCam's
    assert filter_wavelength('F200W') == filter_wavelength('jwst_nircam_f200w')
    assert filter_wavelength('F200W') != filter_wavelength('jwst_niriss_f200w')
    # F814W: ACS, WFC3 and WFPC2 differ by 0.6%; r: five surveys
    with pytest.raises(ValueError, match=r"'F814W' is ambiguous: hst_acs_f814w \(0.806 um\), "
                                         r"hst_wfc3_uvis_f814w \(0.803 um\), hst_wfpc2_f814w"):
        filter_wavelength('F814W')
    with pytest.raises(ValueError, match=r"'r' is ambiguous: decam_r .*sdss_r.*"
                                         r"band_wavelengths=\[\.\.\.\] \* u\.um"):
        filter_wavelength('r')


def test_instrument_telescope_detector():
    assert filter_wavelength('F814W', instrument='WFPC2') == 8012.2 * u.AA
    assert filter_wavelength('F814W', instrument='ACS') == filter_wavelength('hst_acs_f814w')
    assert filter_wavelength('F606W', instrument='WFC3', detector='UVIS') == \
        filter_wavelength('hst_wfc3_uvis_f606w')
    assert filter_wavelength('F200W', telescope='JWST', instrument='NIRISS') == \
        filter_wavelength('jwst_niriss_f200w')
    assert filter_wavelength('r DECam SDSS c0002 6415.0 1480.0', instrument='DECam') == \
        filter_wavelength('decam_r')
    assert filter_wavelength('HSC-I', instrument='Hyper Suprime-Cam') == \
        filter_wavelength('hsc_i')
    assert filter_wavelength('NIR_H', telescope='EUCLID') == filter_wavelength('euclid_h')
    assert filter_wavelength('r', telescope='SDSS 2.5-M') == filter_wavelength('sdss_r')
    assert filter_wavelength('j', telescope='2MASS') == filter_wavelength('2mass_j')
    assert filter_wavelength('z', instrument='LSSTCam') == filter_wavelength('lsst_z')
    with pytest.raises(ValueError, match="'F814W' is ambiguous"):
        filter_wavelength('F814W', telescope='HST')


def test_unknown_names():
    with pytest.raises(ValueError, match=r"filter name 'my_filter' is not a filter pixbin knows "
                                         r".*band_wavelengths="):
        filter_wavelength('my_filter')
    assert band_wavelengths(['sdss_g', 'my_filter']) is None
    with pytest.raises(ValueError, match="'my_filter' is not a filter"):
        band_wavelengths(['sdss_g', 'my_filter'], strict=True)
    assert_allclose(band_wavelengths([]).value, [])


def test_sedpy_at_run_time(monkeypatch):
    """A sedpy name missing from the table is computed from sedpy's curve when installed."""
    calls = []

    class Filter:
        def __init__(self, name):
            calls.append(name)
            self.wave_pivot = 12345.6

    observate = types.SimpleNamespace(list_available_filters=lambda: ['Newcam_Q7'],
                                      Filter=Filter)
    monkeypatch.setitem(sys.modules, 'sedpy', types.SimpleNamespace(observate=observate))
    monkeypatch.setitem(sys.modules, 'sedpy.observate', observate)
    assert filter_wavelength('newcam_q7') == 12345.6 * u.AA
    assert calls == ['Newcam_Q7']
    assert filter_wavelength('sdss_r') == 6175.0 * u.AA       # the table first
    with pytest.raises(ValueError, match='not a filter pixbin knows'):
        filter_wavelength('newcam_q8')


def test_header_wavelength():
    h = fits.Header({'TELESCOP': 'HST', 'INSTRUME': 'WFPC2', 'FILTNAM1': 'F814W'})
    assert header_wavelength(h) == 8012.2 * u.AA
    h['PHOTPLAM'] = 7995.937                 # the pipeline's pivot comes first
    assert header_wavelength(h) == 7995.937 * u.AA
    acs = fits.Header({'TELESCOP': 'HST', 'INSTRUME': 'ACS', 'FILTER1': 'CLEAR1L',
                       'FILTER2': 'F435W'})
    assert header_wavelength(acs) == filter_wavelength('hst_acs_f435w')
    assert header_wavelength(fits.Header({'FILTER': 'r'})) is None
    assert header_wavelength(fits.Header({'FILTER': 'g', 'INSTRUME': 'DECam'})) == \
        filter_wavelength('decam_g')
    assert header_wavelength(fits.Header({'INSTRUME': 'NIRCAM'})) is None


def _band_file(path, mock, band, header):
    """A per-band image file (SCI, ERR) of the mock with the header keywords ``header``."""
    h = mock.wcs.to_header()
    h.update(header)
    h['BUNIT'] = mock.unit.to_string('fits')
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(mock.data[band], h, name='SCI'),
                  fits.ImageHDU(mock.uncertainty.array[band], h, name='ERR')]).writeto(path)
    return path


def test_files_to_plot_sed(tmp_path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    mock = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    index = mock.meta['band_names'].index
    paths = [_band_file(tmp_path / 'g.fits', mock, index('sdss_g'),
                        {'TELESCOP': 'SDSS 2.5-M', 'FILTER': 'g'}),
             _band_file(tmp_path / 'f200w.fits', mock, index('2mass_k'),
                        {'TELESCOP': 'JWST', 'INSTRUME': 'NIRCAM', 'FILTER': 'F200W'}),
             _band_file(tmp_path / 'w1.fits', mock, index('wise_w1'), {'FILTER': 'W1'})]
    assert read_input(paths[1])['cube'].meta['band_wavelengths'] == \
        filter_wavelength('jwst_nircam_f200w')
    bm = pixbin.bin_pixels(paths, snr=5)
    assert bm.band_names == ('g', 'F200W', 'W1')
    assert_allclose(bm.band_wavelengths.to_value(u.um), [0.47025, 1.98760, 3.36822])
    ax = bm.plot_sed([1, 2])
    assert ax.get_xscale() == 'log'
    assert_allclose(ax.containers[0].lines[0].get_xdata(), bm.band_wavelengths.to_value(u.um))
    # one file without a known filter: no wavelengths, the SED by band
    paths.append(_band_file(tmp_path / 'x.fits', mock, index('sdss_r'), {'FILTER': 'r'}))
    bm = pixbin.bin_pixels(paths, snr=5)
    assert bm.band_wavelengths is None
    assert [t.get_text() for t in bm.plot_sed(1).get_xticklabels()] == ['g', 'F200W', 'W1', 'r']
    # ... unless they are given
    wave = [0.47, 1.99, 3.37, 0.62] * u.um
    assert np.all(pixbin.bin_pixels(paths, snr=5, band_wavelengths=wave).band_wavelengths == wave)
    plt.close('all')


def test_images_with_header_meta():
    """CCDData-like images whose meta is their header: the wavelength of their filter."""
    from astropy.nddata import CCDData, StdDevUncertainty
    mock = pixbin.datasets.make_mock_galaxy(shape=(30, 30))
    images = [CCDData(mock.data[b], unit=mock.unit, wcs=mock.wcs,
                      uncertainty=StdDevUncertainty(mock.uncertainty.array[b]),
                      meta=fits.Header({'FILTER': name, 'TELESCOP': 'SDSS'}))
              for b, name in ((3, 'g'), (4, 'r'))]
    bm = pixbin.bin_pixels(images, snr=5)
    assert bm.band_names == ('g', 'r')
    assert_allclose(bm.band_wavelengths.to_value(u.AA), [4702.5, 6175.0])
    assert 'band_wavelengths' not in images[0].meta            # the input is not changed


@pytest.mark.parametrize('name, where', [('F160W', dict(instrument='NIRCAM')),
                                         ('F200W', dict(instrument='MIRI')),
                                         ('F444W', dict(telescope='HST', instrument='ACS'))])
def test_a_filter_the_instrument_does_not_have_is_refused(name, where):
    """No fall-back to another instrument's filter of the same name."""
    with pytest.raises(ValueError, match=f"'{name}' is not a filter of .* that pixbin knows"):
        filter_wavelength(name, **where)
    header = fits.Header({'FILTER': name, **{('TELESCOP' if k == 'telescope' else 'INSTRUME'): v
                                             for k, v in where.items()}})
    assert header_wavelength(header) is None


def test_table_rows_from_sedpy_are_the_pivots_of_its_curves():
    """
    The table's sedpy rows are the pivots of sedpy's curves, to the table's
    0.1 Angstrom: sqrt(int R l dl / int R / l dl) of the photon-counting response
    R (negative values of a curve set to 0), as tools/make_filter_table.py
    computes them.
    """
    observate = pytest.importorskip('sedpy.observate')    # the 'filters' extra
    from pixbin.io._filter_table import PIVOTS
    rows = {key: (pivot, source.split()[1]) for key, (pivot, source) in PIVOTS.items()
            if source.startswith('sedpy ')}
    assert len(rows) > 350
    pivots = {}
    for curve in sorted({curve for _, curve in rows.values()}):
        f = observate.Filter(curve)
        wave, response = f.wavelength, np.clip(f.transmission, 0, None)
        pivots[curve] = np.sqrt(np.trapezoid(response * wave, wave)
                                / np.trapezoid(response / wave, wave))
    for key, (pivot, curve) in rows.items():
        assert abs(pivot - pivots[curve]) <= 0.05 + 1e-6, (key, pivot, pivots[curve])
