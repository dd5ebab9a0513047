# Licensed under a 3-clause BSD style license - see LICENSE
"""
The binning dialog on instrument cubes, driven headless: a small MUSE file
(DATA, STAT, DQ) written here and read by glue's FITS reader (one dataset per
extension) or by pixbin's data factory; the components found by the layout,
choices in any order, the uncertainty unit overridden, and the IFU mode.
"""

import itertools
import warnings

import astropy.units as u
import numpy as np
import pytest

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')
pytest.importorskip('glue_qt')
pytest.importorskip('pytestqt')

from glue.core import Component, Data, DataCollection  # noqa: E402
from glue.core.data_factories import load_data  # noqa: E402
from glue.core.data_factories.fits import fits_reader  # noqa: E402
from qtpy import QtCore, QtWidgets  # noqa: E402

import pixbin  # noqa: E402
import pixbin_glue  # noqa: E402
from pixbin_test_helpers import califa_file, hst_file, jwst_file, manga_file, muse_file  # noqa: E402,E501

pytestmark = pytest.mark.qt

SHAPE = (40, 12, 12)                    # channels of 1.25 Angstrom from 4749.89 Angstrom
WINDOWS = '4750-4765, 4765-4780, 4780-4795'
BANDS = [[4750, 4765], [4765, 4780], [4780, 4795]] * u.AA
WINDOW_SNR = [10.0, 10.0, 5.0]
FLUX_UNIT = '1e-20 erg / (Angstrom s cm2)'
VAR_UNIT = '1e-40 erg2 / (Angstrom2 s2 cm4)'


@pytest.fixture
def muse(tmp_path):
    """A MUSE cube (40 channels, 12 x 12 spaxels, 1-sigma 4), its flux, noise and DQ."""
    path = tmp_path / 'muse.fits'
    flux, err, dq = muse_file(path, shape=SHAPE, noise=4.0)
    return path, flux, err, dq


def _split(path):
    """The file as glue's own FITS reader gives it: muse[DATA], muse[STAT], muse[DQ]."""
    dc = DataCollection(load_data(str(path), factory=fits_reader))
    assert [d.label for d in dc] == ['muse[DATA]', 'muse[STAT]', 'muse[DQ]']
    return dc


def _dialog(qtbot, data, dc):
    from pixbin_glue.qt.dialog import BinPixelsDialog
    dialog = BinPixelsDialog(data, dc)
    qtbot.addWidget(dialog)
    return dialog


def _click_bin(qtbot, dialog):
    qtbot.mouseClick(dialog.buttons.button(QtWidgets.QDialogButtonBox.Ok), QtCore.Qt.LeftButton)


def _fields(dialog):
    return (dialog.combo_flux.currentData().label, dialog.combo_uncertainty.currentData().label,
            dialog.combo_kind.currentData(), dialog.edit_unit.text(),
            dialog.combo_err_unit.currentText())


def _items(combo):
    return [combo.itemText(i) for i in range(combo.count())]


def test_fields_come_from_the_layout(glue_plugins, qtbot, muse, tmp_path):
    """DATA is the flux (its BUNIT the unit), STAT a variance, DQ the mask: IFU mode."""
    from pixbin_glue.qt.dialog import parse_windows
    path = muse[0]
    with pytest.warns(pixbin.PixbinWarning, match='no bands were given'):
        default = pixbin.bin_pixels(path, 5.0).meta['bands']
    split = _split(path)
    factory = DataCollection([load_data(str(path))])          # pixbin's data factory
    for dc, label, flux, err in ((split, 'muse[DATA]', 'DATA', 'STAT'),
                                 (split, 'muse[STAT]', 'DATA', 'STAT'),
                                 (factory, 'muse', 'flux', 'uncertainty')):
        dialog = _dialog(qtbot, dc[label], dc)
        assert _fields(dialog) == (flux, err, 'var', FLUX_UNIT, VAR_UNIT)
        assert dialog.components.mask is not None
        assert dialog.label_message.text() == ''
        assert dialog.ifu_mode and dialog.box_windows.isVisibleTo(dialog)
        # the windows are pixbin's default ones, one S/N row each
        windows = parse_windows(dialog.edit_windows.text(), u.AA)
        np.testing.assert_allclose(windows.value, default, rtol=1e-6)
        assert dialog.table_snr.rowCount() == len(default) == 4
        assert dialog.table_snr.item(0, 0).text() == \
            f'{default[0][0]:.6g}-{default[0][1]:.6g} Angstrom'
        # the STAT and DQ datasets are not flux cubes; none is used in IFU mode
        assert not {'muse[STAT]', 'muse[DQ]'} & set(_items(dialog.combo_spectra))
        assert not dialog.combo_spectra.isEnabled()
    assert dialog.components.mask.label == 'mask'
    # Bin with the windows as written: the bins of bin_pixels' default windows
    dialog = _dialog(qtbot, split['muse[DATA]'], split)
    dialog.set_snr([5.0] * 4)
    _click_bin(qtbot, dialog)
    assert dialog.result_data is not None, dialog.label_message.text()
    with pytest.warns(pixbin.PixbinWarning, match='no bands were given'):
        direct = pixbin.bin_pixels(path, 5.0)
    np.testing.assert_array_equal(pixbin_glue.binmap_from_data(dialog.result_data).labels,
                                  direct.labels)
    # old MUSE files write the variance unit as the flux unit followed by **2
    muse_file(tmp_path / 'old.fits', stat_unit='10**(-20)*erg/s/cm**2/Angstrom**2')
    dc = DataCollection(load_data(str(tmp_path / 'old.fits'), factory=fits_reader))
    dialog = _dialog(qtbot, dc['old[DATA]'], dc)
    assert _fields(dialog) == ('DATA', 'STAT', 'var', FLUX_UNIT, VAR_UNIT)


def test_choices_in_any_order(glue_plugins, qtbot, muse):
    """Flux, uncertainty and its kind chosen in any order give the same dialog."""
    path, flux, err, dq = muse
    dc = _split(path)
    data = dc['muse[DATA]']
    # a 1-sigma component that the names do not tell, without a unit
    data.add_component(Component(np.sqrt(dc['muse[STAT]'].get_data(dc['muse[STAT]'].id['STAT']))),
                       'NOISE_ALT')
    choices = {
        'flux': lambda d: d.combo_flux.setCurrentIndex(d.combo_flux.findText('DATA')),
        'uncertainty': lambda d: d.combo_uncertainty.setCurrentIndex(
            d.combo_uncertainty.findText('NOISE_ALT')),
        'kind': lambda d: d.combo_kind.setCurrentIndex(d.combo_kind.findData('std')),
    }
    seen = set()
    for order in itertools.permutations(choices):
        dialog = _dialog(qtbot, data, dc)
        for name in order:
            choices[name](dialog)
        seen.add(_fields(dialog))
    # the uncertainty chosen first is not reset by the flux chosen after it
    assert seen == {('DATA', 'NOISE_ALT', 'std', FLUX_UNIT, 'same as flux')}
    dialog.edit_windows.setText(WINDOWS)
    dialog.edit_windows.editingFinished.emit()
    dialog.set_snr(WINDOW_SNR)
    _click_bin(qtbot, dialog)
    assert dialog.result_data is not None, dialog.label_message.text()
    direct = pixbin.bin_pixels(path, WINDOW_SNR, bands=BANDS)
    result = pixbin_glue.binmap_from_data(dialog.result_data)
    np.testing.assert_array_equal(result.labels, direct.labels)
    np.testing.assert_allclose(result.flux_err.value, direct.flux_err.value, rtol=1e-6)


def test_uncertainty_unit_override(glue_plugins, qtbot, tmp_path):
    """A STAT unit that does not match the flux: said, and overridden or dropped."""
    muse_file(tmp_path / 'good.fits', shape=SHAPE, noise=4.0)
    muse_file(tmp_path / 'bad.fits', stat_unit='10**(-20)*erg/s/cm**2', shape=SHAPE, noise=4.0)
    direct = pixbin.bin_pixels(tmp_path / 'good.fits', WINDOW_SNR, bands=BANDS)
    dc = DataCollection(load_data(str(tmp_path / 'bad.fits'), factory=fits_reader))
    results = []
    for err_unit in ('same as flux', VAR_UNIT, '1e-40 erg2 s-2 cm-4 Angstrom-2'):
        dialog = _dialog(qtbot, dc['bad[DATA]'], dc)
        assert dialog.combo_err_unit.currentText() == '1e-20 erg / (s cm2)'
        assert 'does not match the flux unit' in dialog.label_message.text()
        dialog.edit_windows.setText(WINDOWS)
        dialog.edit_windows.editingFinished.emit()
        dialog.set_snr(WINDOW_SNR)
        _click_bin(qtbot, dialog)
        assert dialog.result_data is None
        assert dialog.label_message.text().startswith('Binning failed:')
        assert "does not match the flux unit" in dialog.label_message.text()
        assert "'same as flux' to drop it" in dialog.label_message.text()
        dialog.combo_err_unit.setCurrentText(err_unit)
        _click_bin(qtbot, dialog)
        assert dialog.result_data is not None, dialog.label_message.text()
        results.append(pixbin_glue.binmap_from_data(dialog.result_data))
    for result in results:
        np.testing.assert_array_equal(result.labels, direct.labels)
        np.testing.assert_allclose(result.flux_err.value, direct.flux_err.value, rtol=1e-6)
        assert result.flux.unit == direct.flux.unit
    # a unit of another kind is refused with what was expected
    dialog = _dialog(qtbot, dc['bad[DATA]'], dc)
    dialog.combo_err_unit.setCurrentText('Jy')
    _click_bin(qtbot, dialog)
    assert dialog.result_data is None
    assert 'uncertainty_unit Jy does not match the flux unit' in dialog.label_message.text()
    # the flux unit is overridden the same way, and the uncertainty's follows when dropped
    dialog.edit_unit.setText('erg / (s cm2 Angstrom)')
    dialog.edit_unit.textEdited.emit('erg / (s cm2 Angstrom)')
    dialog.combo_err_unit.setCurrentText('same as flux')
    dialog.set_snr(WINDOW_SNR)
    _click_bin(qtbot, dialog)
    assert dialog.result_data is not None, dialog.label_message.text()
    result = pixbin_glue.binmap_from_data(dialog.result_data)
    assert result.flux.unit == u.erg / u.s / u.cm**2 / u.AA


def test_ifu_mode_bins_the_cube_in_windows(glue_plugins, qtbot, muse):
    """Windows typed in the dialog, an S/N per window: bins with the cube's spectra."""
    path, flux, err, dq = muse
    dc = _split(path)
    dialog = _dialog(qtbot, dc['muse[DATA]'], dc)
    dialog.edit_windows.setText('4750-4765, nonsense')
    dialog.edit_windows.editingFinished.emit()
    assert "'nonsense' is not a window" in dialog.label_message.text()
    dialog.edit_windows.setText(WINDOWS)
    dialog.edit_windows.editingFinished.emit()
    names = ['4750-4765 Angstrom', '4765-4780 Angstrom', '4780-4795 Angstrom']
    assert _items(dialog.combo_ref)[1:] == names
    assert [dialog.table_snr.item(i, 0).text() for i in range(3)] == names
    dialog.set_snr(WINDOW_SNR)
    dialog.combo_ref.setCurrentIndex(2)             # the second window orders the seeds
    assert dialog.parameters()['ref_band'] == 1
    _click_bin(qtbot, dialog)
    assert dialog.result_data is not None, dialog.label_message.text()
    result = pixbin_glue.binmap_from_data(dialog.result_data)
    direct = pixbin.bin_pixels(path, WINDOW_SNR, bands=BANDS, ref_band=1)
    np.testing.assert_array_equal(result.labels, direct.labels)
    assert list(result.band_names) == names
    assert result.nbins > 10
    # every bin has the cube's summed spectrum, all 40 channels
    assert result.nbins_spec == result.nbins
    assert result.spectra.flux.shape == (result.nbins, SHAPE[0])
    np.testing.assert_allclose(result.spectra.flux.value, direct.spectra.flux.value,
                               rtol=1e-6)
    # every bin meets the S/N of every window
    snr = (result.flux / result.flux_err).value
    assert np.all(snr >= np.array(WINDOW_SNR) * (1 - 1e-9))
    # ... as computed here from the file: mean over the window's channels, summed over
    # the bin's pixels (bins without a DQ-flagged pixel)
    wave = 4749.890625 + 1.25 * np.arange(SHAPE[0])
    checked = 0
    for b in range(1, result.nbins + 1):
        pixels = result.labels == b
        if np.any(dq[:, pixels]):
            continue
        for (low, high), need in zip(BANDS.value, WINDOW_SNR):
            channels = (wave >= low) & (wave < high)
            total = flux[channels][:, pixels].mean(axis=0).sum()
            noise = np.sqrt((err[channels][:, pixels] ** 2).sum()) / channels.sum()
            assert total / noise >= need * (1 - 1e-6)
        checked += 1
    assert checked > 10


def test_spectral_cube_list_offers_flux_cubes_only(glue_plugins, qtbot, muse):
    """A photometric image on the MUSE grid: the list offers muse[DATA], not STAT or DQ."""
    from astropy.wcs import WCS
    path, flux, err, dq = muse
    dc = _split(path)
    cube = pixbin.io.read_cube(path)
    image = flux[10:20].mean(axis=0)
    noise = np.full(image.shape, 1.0)
    photometry = Data(label='image', coords=WCS(cube.wcs.celestial.to_header()))
    photometry.add_component(Component(image, units=FLUX_UNIT), 'FLUX')
    photometry.add_component(Component(noise), 'FLUX_ERR')
    dc.append(photometry)
    dialog = _dialog(qtbot, photometry, dc)
    assert not dialog.ifu_mode and not dialog.box_windows.isVisibleTo(dialog)
    assert _items(dialog.combo_spectra) == ['none', 'muse[DATA]']
    dialog.combo_spectra.setCurrentIndex(1)
    dialog.set_snr([10.0])
    _click_bin(qtbot, dialog)
    assert dialog.result_data is not None, dialog.label_message.text()
    result = pixbin_glue.binmap_from_data(dialog.result_data)
    from astropy.nddata import NDData, StdDevUncertainty
    direct = pixbin.bin_pixels(NDData(image, uncertainty=StdDevUncertainty(noise),
                                      unit=cube.flux.unit, wcs=cube.wcs.celestial),
                               10.0, spectra=cube)
    np.testing.assert_array_equal(result.labels, direct.labels)
    # the spectra have the uncertainty of STAT and the mask of DQ
    assert result.nbins_spec == direct.nbins_spec > 0
    np.testing.assert_allclose(result.spectra.flux.value, direct.spectra.flux.value, rtol=1e-6)
    np.testing.assert_allclose(result.spectra.uncertainty.array,
                               direct.spectra.uncertainty.array, rtol=1e-6)


@pytest.mark.parametrize('writer, flux_label, expected, ifu', [
    (califa_file, 'califa[PRIMARY]', ('PRIMARY', 'ERROR', 'std', 'BADPIX'), True),
    (manga_file, 'manga[FLUX]', ('FLUX', 'IVAR', 'ivar', 'MASK'), True),
    (jwst_file, 'jwst[SCI]', ('SCI', 'ERR', 'std', 'DQ'), True),
    (lambda path: hst_file(path, weight='IVM'), 'hst[SCI]', ('SCI', 'WHT', 'ivar', None),
     False),
])
def test_instrument_layouts(glue_plugins, qtbot, tmp_path, writer, flux_label, expected,
                            ifu):
    """
    CALIFA, MaNGA, JWST and HST files read by glue's FITS reader or by pixbin's
    factory: the dialog bins them as bin_pixels(path) does (units, masks,
    JWST surface brightness per pixel, CALIFA wavelengths from CRVAL3).
    """
    name = flux_label.split('[')[0]
    path = tmp_path / f'{name}.fits'
    writer(path)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', pixbin.PixbinWarning)     # the default windows
        direct = pixbin.bin_pixels(path, 1.0)
    split = DataCollection(load_data(str(path), factory=fits_reader))
    for dc, label in ((split, flux_label), (DataCollection([load_data(str(path))]), name)):
        dialog = _dialog(qtbot, dc[label], dc)
        found = dialog.components
        # the core diameter can be given in arcsec: the dialog knows the celestial WCS
        assert dialog.combo_diameter_unit.model().item(1).isEnabled()
        if dc is split:
            assert (found.flux.label, found.uncertainty.label, found.uncertainty_type,
                    found.mask and found.mask.label) == expected
        assert dialog.ifu_mode is ifu
        if name == 'jwst' and dc is split:     # MJy/sr as written: summed per pixel
            # (pixbin's own reader gives the flux per pixel already: no message)
            assert dialog.label_message.text() == (
                f'{found.flux.label} is a surface brightness (MJy / sr): the bins sum the '
                f'flux per pixel, MJy, with the pixel solid angle (PIXAR_SR or the WCS), as '
                f'pixbin reads the file.')
            assert direct.flux.unit == u.MJy
        else:
            assert dialog.label_message.text() == ''
        dialog.set_snr([1.0] * dialog.table_snr.rowCount())
        _click_bin(qtbot, dialog)
        assert dialog.result_data is not None, dialog.label_message.text()
        result = pixbin_glue.binmap_from_data(dialog.result_data)
        np.testing.assert_array_equal(result.labels, direct.labels)
        assert result.flux.unit == direct.flux.unit
        np.testing.assert_allclose(result.flux.value, direct.flux.value, rtol=1e-5)
        np.testing.assert_allclose(result.flux_err.value, direct.flux_err.value, rtol=1e-5)
        # the celestial WCS too (CALIFA, MaNGA: wavelengths that glue's coordinates hold)
        assert direct.wcs is not None and result.wcs is not None
        from astropy.wcs import WCSCOMPARE_ANCILLARY
        assert result.wcs.wcs.compare(direct.wcs.wcs, cmp=WCSCOMPARE_ANCILLARY, tolerance=1e-12)


@pytest.mark.remote_data
def test_real_muse_cube_through_the_dialog(glue_plugins, qtbot):
    """mpdaf's MUSE cube of Abell 478 read by glue's FITS reader, binned in IFU mode."""
    from pixbin.datasets import load_muse_a478
    path = load_muse_a478()
    dc = DataCollection(load_data(str(path), factory=fits_reader))
    dialog = _dialog(qtbot, dc['minicube[DATA]'], dc)
    assert _fields(dialog) == ('DATA', 'STAT', 'var', FLUX_UNIT, VAR_UNIT)
    assert dialog.ifu_mode and dialog.components.mask.label == 'DQ'
    assert _items(dialog.combo_spectra) == ['none']
    dialog.edit_windows.setText('4760-4950, 4950-5150, 5150-5370')
    dialog.edit_windows.editingFinished.emit()
    dialog.set_snr([30, 30, 30])
    _click_bin(qtbot, dialog)
    assert dialog.result_data is not None, dialog.label_message.text()
    result = pixbin_glue.binmap_from_data(dialog.result_data)
    bands = [[4760, 4950], [4950, 5150], [5150, 5370]] * u.AA
    direct = pixbin.bin_pixels(path, [30, 30, 30], bands=bands)
    np.testing.assert_array_equal(result.labels, direct.labels)
    assert result.nbins_spec == result.nbins > 1
    assert result.spectra.flux.shape == (result.nbins, 3681)
    assert np.all((result.flux / result.flux_err).value >= 30 * (1 - 1e-9))
