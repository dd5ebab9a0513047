# Licensed under a 3-clause BSD style license - see LICENSE
"""
The "Bin pixels (pixbin)..." dialog of glue-qt.
"""

import re
import warnings

import astropy.units as u
import numpy as np
from pixbin._options import OPTIONS
from pixbin.io._units import parse_fits_unit
from pixbin.io.cube import is_per_solid_angle
from qtpy import QtCore, QtWidgets

from .._binning import bin_data, unique_label
from .._components import (SAME_AS_FLUX, UNCERTAINTY_TYPES, ComponentChoiceError, band_info,
                           candidate_components, default_windows_of, err_unit_of,
                           find_flux_components, flux_unit_of, grid_shape, is_flux_cube,
                           pixel_scale_of, spectral_axis)
from .._links import spatial_axes

__all__ = ['BinPixelsDialog', 'parse_windows', 'windows_text']

_KIND_LABELS = {'std': '1-sigma uncertainty', 'var': 'variance', 'ivar': 'inverse variance'}
DEFAULT_SNR = 10.0


def _cid_text(cid, data):
    if cid.parent is data:
        return cid.label
    return f'{cid.label}  ({cid.parent.label})'


def _choices_combo(name, labels):
    """A combo box of the choices of bin_pixels' option ``name``, its default selected."""
    option = OPTIONS[name]
    combo = QtWidgets.QComboBox()
    for choice in option.choices:
        combo.addItem(labels.get(choice, choice), choice)
    combo.setCurrentIndex(combo.findData(option.default))
    combo.setToolTip(option.help)
    return combo


def _edge(value, up, digits=7):
    """``value`` with ``digits`` significant digits, rounded up or down."""
    if value == 0 or not np.isfinite(value):
        return f'{value:g}'
    places = digits - 1 - int(np.floor(np.log10(abs(value))))   # < 0 from 10**digits up
    scale = 10.0 ** places
    rounded = (np.ceil if up else np.floor)(value * scale) / scale
    if places <= 0:
        return f'{rounded:.0f}'           # an integer: its zeros are digits
    return f'{rounded:.{places}f}'.rstrip('0').rstrip('.')


def windows_text(windows):
    """
    Windows (n, 2) as the dialog writes them: ``'4760-4950, 4950-5150'`` (no unit).

    Each edge is rounded inwards to 7 significant digits: a default edge lies
    half way between two channels, so that rounding it inwards by less than
    half a channel keeps the same channels, whereas rounding it outwards could
    put it outside the cube.

    Examples
    --------
    >>> import astropy.units as u
    >>> from pixbin_glue.qt.dialog import windows_text
    >>> windows_text([[4760.04, 4950.0], [5150.0, 4950.0]] * u.AA)
    '4760.04-4950, 4950-5150'
    >>> windows_text([[4760.123456789, 4950.987654321]] * u.AA)   # edges rounded inwards
    '4760.124-4950.987'
    >>> windows_text([[1234560.0, 2000000.0], [1.23456789e14, 2e14]] * u.AA)
    '1234560-2000000, 123456800000000-200000000000000'
    """
    return ', '.join(f'{_edge(low, True)}-{_edge(high, False)}'
                     for low, high in np.sort(windows.value, axis=1))


def parse_windows(text, unit):
    """
    The windows of the dialog's text as a Quantity (n, 2): ``LOW-HIGH`` in
    ``unit``, or with a unit of its own (``0.476-0.495um``), comma separated.

    Examples
    --------
    >>> import astropy.units as u
    >>> from pixbin_glue.qt.dialog import parse_windows
    >>> parse_windows('4760-4950, 0.495-0.515um', u.AA)
    <Quantity [[4760., 4950.],
               [4950., 5150.]] Angstrom>
    """
    from pixbin._windows import parse_bands_text
    items = [item.strip() for item in str(text).split(',')]
    # (a window of numbers only is in ``unit``; anything else is left to the parser)
    with_units = [f'{item} {unit.to_string()}' if re.fullmatch(r'[\d.eE+\-\s]+', item)
                  else item for item in items]
    return parse_bands_text(','.join(with_units)).to(unit, u.spectral())


class BinPixelsDialog(QtWidgets.QDialog):
    """
    Parameters of `pixbin.bin_pixels` for a glue dataset, and the binning itself.

    The flux, uncertainty and mask components are preselected by the layout
    of the file (``DATA``, ``STAT``, ``DQ`` of MUSE, ...) or by name (see
    `pixbin_glue.find_flux_components`); when neither tells, the combo stays
    empty and the dialog asks.  What the user chooses (flux, uncertainty, its
    kind, the flux unit, the uncertainty unit) is kept whatever is chosen
    next; the rest follows from it, so the order of the choices does not
    matter.  The uncertainty unit defaults to the component's, read as
    `pixbin.io.read_input` reads it; ``same as flux`` drops it.

    When the flux is a spectral cube (a 3-D dataset with a spectral WCS
    axis), the dialog is in IFU mode: the cube is binned by the S/N in
    wavelength windows (``bands=`` of `pixbin.bin_pixels`, pre-filled with
    its default windows), one S/N per window, and the cube's spectra are
    binned along.

    Accepting runs `pixbin_glue.bin_data` with a progress dialog (fed by
    ``bin_pixels``' ``progress`` callback while the kernel runs in its worker
    thread); errors are shown in the dialog, which stays open.

    Attributes
    ----------
    result_data : `~glue.core.data.Data` or None
        The new bin-map dataset after a successful run.
    progress_values : list of float
        The fractions reported by the last run.
    ifu_mode : bool
        True when the flux is a spectral cube binned through windows.

    Examples
    --------
    The dialog on the mock galaxy (headless): it finds the flux and its
    uncertainty, takes one S/N per band, and bins when accepted:

    >>> from glue.core import Data, DataCollection
    >>> from glue_qt.app import GlueApplication
    >>> import pixbin
    >>> from pixbin_glue.qt.dialog import BinPixelsDialog
    >>> cube = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> dc = DataCollection([Data(FLUX=cube.data, FLUX_ERR=cube.uncertainty.array,
    ...                           label='galaxy')])
    >>> app = GlueApplication(dc)
    >>> dialog = BinPixelsDialog(dc['galaxy'], dc, parent=app)
    >>> dialog.ifu_mode, dialog.combo_flux.currentText(), dialog.combo_uncertainty.currentText()
    (False, 'FLUX', 'FLUX_ERR')
    >>> dialog.edit_unit.setText(cube.unit.to_string())
    >>> dialog.set_snr([10] * 7 + [0] * 5)
    >>> dialog.accept()
    >>> import pixbin_glue
    >>> dialog.result_data.label, pixbin_glue.binmap_from_data(dialog.result_data).nbins > 0
    ('galaxy_bins', True)
    >>> app.close()
    True
    """

    def __init__(self, data, data_collection, parent=None):
        super().__init__(parent)
        self.data = data
        self.data_collection = data_collection
        self.result_data = None
        self.progress_values = []
        self.ifu_mode = False
        self._user = {}            # the choices the user made: kept whatever comes next
        self._updating = False
        self._windows_unit = u.AA
        self._default_windows = None
        self._windows_cube = None
        self.setWindowTitle('Bin pixels (pixbin)')
        self._nbands, self._grid = grid_shape(data) if data.ndim in (2, 3) else (1, data.shape)
        layout = QtWidgets.QVBoxLayout(self)
        self.label_title = QtWidgets.QLabel('')
        self.label_title.setWordWrap(True)
        layout.addWidget(self.label_title)
        layout.addWidget(self._components_box())
        layout.addWidget(self._windows_box())
        layout.addWidget(self._snr_box(), stretch=1)
        layout.addWidget(self._binning_box())
        layout.addWidget(self._spectra_box())
        out = QtWidgets.QFormLayout()
        self.edit_label = QtWidgets.QLineEdit(unique_label(data_collection, f'{data.label}_bins'))
        out.addRow('New dataset', self.edit_label)
        self.checkbox_viewer = QtWidgets.QCheckBox('Show it in a bin-map viewer')
        self.checkbox_viewer.setChecked(True)
        out.addRow('', self.checkbox_viewer)
        layout.addLayout(out)
        self.label_message = QtWidgets.QLabel('')
        self.label_message.setWordWrap(True)
        self.label_message.setStyleSheet('color: #b00020')
        layout.addWidget(self.label_message)
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Ok
                                                  | QtWidgets.QDialogButtonBox.Cancel)
        self.buttons.button(QtWidgets.QDialogButtonBox.Ok).setText('Bin')
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._set_photometric_bands()
        self._refresh()
        self.resize(560, 860)

    # -- building ---------------------------------------------------------------------
    def _components_box(self):
        box = QtWidgets.QGroupBox('Flux and uncertainty')
        form = QtWidgets.QFormLayout(box)
        self._cids = candidate_components(self.data, self.data_collection)
        self.combo_flux = QtWidgets.QComboBox()
        self.combo_uncertainty = QtWidgets.QComboBox()
        for combo in (self.combo_flux, self.combo_uncertainty):
            combo.addItem('(choose a component)', None)
            for cid in self._cids:
                combo.addItem(_cid_text(cid, self.data), cid)
        self.combo_kind = QtWidgets.QComboBox()
        for kind in UNCERTAINTY_TYPES:
            self.combo_kind.addItem(_KIND_LABELS[kind], kind)
        self.edit_unit = QtWidgets.QLineEdit()
        self.edit_unit.setPlaceholderText('flux unit, e.g. Jy or erg / (s cm2 Angstrom)')
        self.combo_err_unit = QtWidgets.QComboBox()
        self.combo_err_unit.setEditable(True)
        self.combo_err_unit.addItem(SAME_AS_FLUX)
        self.combo_err_unit.setToolTip(
            f"unit of the uncertainty; '{SAME_AS_FLUX}': the flux unit (squared for a "
            f"variance, to the power -2 for an inverse variance)")
        form.addRow('Flux', self.combo_flux)
        form.addRow('Uncertainty', self.combo_uncertainty)
        form.addRow('Uncertainty is', self.combo_kind)
        form.addRow('Flux unit', self.edit_unit)
        form.addRow('Uncertainty unit', self.combo_err_unit)
        self.combo_flux.currentIndexChanged.connect(
            lambda i: self._user_choice('flux', self.combo_flux.itemData(i)))
        self.combo_uncertainty.currentIndexChanged.connect(
            lambda i: self._user_choice('uncertainty', self.combo_uncertainty.itemData(i)))
        self.combo_kind.currentIndexChanged.connect(
            lambda i: self._user_choice('kind', self.combo_kind.itemData(i)))
        self.edit_unit.textEdited.connect(lambda text: self._user_choice('unit', text.strip()))
        self.combo_err_unit.currentTextChanged.connect(
            lambda text: self._user_choice('uncertainty_unit', text.strip()))
        return box

    def _windows_box(self):
        box = QtWidgets.QGroupBox('Wavelength windows (IFU cube)')
        vbox = QtWidgets.QVBoxLayout(box)
        self.label_windows = QtWidgets.QLabel('')
        self.label_windows.setWordWrap(True)
        vbox.addWidget(self.label_windows)
        row = QtWidgets.QHBoxLayout()
        self.edit_windows = QtWidgets.QLineEdit()
        self.edit_windows.setToolTip(OPTIONS['bands'].help)
        self.edit_windows.editingFinished.connect(self._on_windows_edited)
        row.addWidget(self.edit_windows, stretch=1)
        button = QtWidgets.QPushButton('Default')
        button.setToolTip(f"pixbin's default: {OPTIONS['bands'].describe_default()}")
        button.clicked.connect(self._reset_windows)
        row.addWidget(button)
        vbox.addLayout(row)
        self.box_windows = box
        box.setVisible(False)
        return box

    def _snr_box(self):
        self.box_snr = QtWidgets.QGroupBox('S/N threshold per band (0 = no requirement)')
        vbox = QtWidgets.QVBoxLayout(self.box_snr)
        self.table_snr = QtWidgets.QTableWidget(0, 3)
        self.table_snr.setHorizontalHeaderLabels(['band', 'wavelength', 'S/N'])
        self.table_snr.verticalHeader().setVisible(False)
        self.table_snr.verticalHeader().setDefaultSectionSize(22)
        header = self.table_snr.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.Stretch)
        vbox.addWidget(self.table_snr)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel('Set all bands to'))
        self.spin_all = QtWidgets.QDoubleSpinBox()
        self.spin_all.setRange(0, 1e6)
        self.spin_all.setValue(DEFAULT_SNR)
        row.addWidget(self.spin_all)
        button = QtWidgets.QPushButton('Apply')
        button.clicked.connect(lambda: self.set_snr([self.spin_all.value()]
                                                    * self.table_snr.rowCount()))
        row.addWidget(button)
        row.addStretch(1)
        vbox.addLayout(row)
        return self.box_snr

    def _set_bands(self, names, wavelengths, refs):
        """Rows of the S/N table and the reference-band choices; S/N kept by row."""
        old = [self.table_snr.item(i, 2).text() for i in range(self.table_snr.rowCount())]
        self.band_names = list(names)
        self.table_snr.setRowCount(len(names))
        for i, name in enumerate(names):
            item = QtWidgets.QTableWidgetItem(name)
            item.setFlags(item.flags() & ~QtCore.Qt.ItemIsEditable)
            self.table_snr.setItem(i, 0, item)
            item = QtWidgets.QTableWidgetItem(wavelengths[i])
            item.setFlags(item.flags() & ~QtCore.Qt.ItemIsEditable)
            self.table_snr.setItem(i, 1, item)
            self.table_snr.setItem(i, 2, QtWidgets.QTableWidgetItem(
                old[i] if i < len(old) else f'{DEFAULT_SNR:g}'))
        self.table_snr.setMinimumHeight(22 * min(len(names), 8) + 30)
        self.combo_ref.clear()
        self.combo_ref.addItem('automatic (highest total S/N)', None)
        for name, ref in zip(names, refs):
            self.combo_ref.addItem(name, ref)

    def _set_photometric_bands(self):
        try:
            names, wave = band_info(self.data, self._nbands)
        except (ValueError, u.UnitsError):
            names, wave = None, None
        names = names or [f'band{i}' for i in range(self._nbands)]
        text = ['' if wave is None else f'{w.to_value(u.um, u.spectral()):.4g} um'
                for w in (wave if wave is not None else [None] * len(names))]
        self._set_bands(names, text, names)
        self.box_snr.setTitle('S/N threshold per band (0 = no requirement)')

    def _binning_box(self):
        box = QtWidgets.QGroupBox('Binning')
        form = QtWidgets.QFormLayout(box)
        self.combo_ref = QtWidgets.QComboBox()
        self.spin_diameter = QtWidgets.QDoubleSpinBox()
        self.spin_diameter.setToolTip(f"min_diameter: {OPTIONS['min_diameter'].help}")
        # the diameter in pixels, or in arcsec when the dataset has a celestial WCS
        self.combo_diameter_unit = QtWidgets.QComboBox()
        self.combo_diameter_unit.addItem('pixels', None)
        self.combo_diameter_unit.addItem('arcsec', u.arcsec)
        self._pixel_scale = pixel_scale_of(self.data)
        if self._pixel_scale is None:
            self.combo_diameter_unit.model().item(1).setEnabled(False)
            self.combo_diameter_unit.setToolTip(f'{self.data.label!r} has no celestial WCS: '
                                                f'the diameter is in pixels')
        else:
            self.combo_diameter_unit.setToolTip(
                f'pixel scale {self._pixel_scale.to_value(u.arcsec):.4g} arcsec')
        self._set_diameter_unit(None, OPTIONS['min_diameter'].default)
        self.combo_diameter_unit.currentIndexChanged.connect(self._diameter_unit_changed)
        diameter = QtWidgets.QHBoxLayout()
        diameter.addWidget(self.spin_diameter, stretch=1)
        diameter.addWidget(self.combo_diameter_unit)
        self.spin_chi2 = QtWidgets.QDoubleSpinBox()
        self.spin_chi2.setRange(0.01, 1e6)
        self.spin_chi2.setValue(OPTIONS['redchi2_limit'].default)
        self.combo_method = _choices_combo('method', {
            'complete': 'complete: bin every group that reaches the S/N',
            'greedy': "greedy: piXedfit's scheme"})
        self.combo_leftovers = _choices_combo('leftovers', {
            'unbinned': 'stay unbinned', 'merge': 'join the best-matching neighbour bin'})
        form.addRow('Method', self.combo_method)
        form.addRow('Reference band', self.combo_ref)
        form.addRow('Core diameter', diameter)
        form.addRow('Reduced chi-square limit', self.spin_chi2)
        form.addRow('Pixels below the S/N', self.combo_leftovers)
        return box

    def _set_diameter_unit(self, unit, value):
        """Show the core diameter ``value`` in ``unit`` (None: pixels)."""
        if unit is None:
            self.spin_diameter.setDecimals(1)
            self.spin_diameter.setRange(1.0, 10000.0)
        else:
            self.spin_diameter.setDecimals(3)
            self.spin_diameter.setRange(0.001, 1e6)
        self.spin_diameter.setValue(value)

    def _diameter_unit_changed(self, index):
        """Keep the diameter when its unit changes: 4 pixels at 0.2 arcsec are 0.8 arcsec."""
        unit = self.combo_diameter_unit.itemData(index)
        scale = self._pixel_scale.to_value(u.arcsec)
        value = self.spin_diameter.value()
        self._set_diameter_unit(unit, value / scale if unit is None else value * scale)

    def min_diameter(self):
        """The core diameter: pixels (float) or an angle (Quantity)."""
        unit = self.combo_diameter_unit.currentData()
        value = self.spin_diameter.value()
        return value if unit is None else value * unit

    def _spectra_box(self):
        box = self.box_spectra = QtWidgets.QGroupBox('Spectra (optional)')
        form = QtWidgets.QFormLayout(box)
        self.combo_spectra = QtWidgets.QComboBox()
        self.combo_spectra.addItem('none', None)
        shape = self._grid
        for other in self.data_collection:
            if other is self.data or other.ndim != 3 or other.meta.get('pixbin_binmap'):
                continue
            # flux cubes only: not the STAT, IVAR or DQ of a file read by glue
            if is_flux_cube(other, self.data_collection) is not None and \
                    spatial_axes(other, shape) is not None:
                self.combo_spectra.addItem(other.label, other)
        row = QtWidgets.QHBoxLayout()
        self.edit_region = QtWidgets.QLineEdit()
        self.edit_region.setPlaceholderText('default: the pixels that have a spectrum')
        browse = QtWidgets.QPushButton('Browse...')
        browse.clicked.connect(self._browse_region)
        row.addWidget(self.edit_region)
        row.addWidget(browse)
        form.addRow('Spectral cube', self.combo_spectra)
        form.addRow('IFU region file', row)
        return box

    def _browse_region(self):
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, 'IFU footprint region', '', 'Regions (*.reg *.crtf);;All files (*)')
        if path:
            self.edit_region.setText(path)

    # -- components ---------------------------------------------------------------------
    def _select(self, combo, value):
        for i in range(combo.count()):
            item = combo.itemData(i)
            if item is value or (isinstance(value, str) and item == value):
                combo.setCurrentIndex(i)
                return
        combo.setCurrentIndex(0)

    def _user_choice(self, key, value):
        """A choice of the user: kept (an empty one forgotten), the rest follows."""
        if self._updating:
            return
        # (no == on a glue ComponentID: it makes a subset state)
        if value is None or (isinstance(value, str) and not value):
            self._user.pop(key, None)
        else:
            self._user[key] = value
        self._refresh()

    def _refresh(self):
        """Fill what the user did not choose from what they did (any order)."""
        self._updating = True
        try:
            self._refresh_fields()
        finally:
            self._updating = False

    def _refresh_fields(self):
        user = self._user
        message = ''
        try:
            found = find_flux_components(self.data, self.data_collection,
                                         flux=user.get('flux'),
                                         uncertainty=user.get('uncertainty'),
                                         uncertainty_type=user.get('kind'))
        except ComponentChoiceError as exc:
            found = None
            self._select(self.combo_flux, user.get('flux'))
            self._select(self.combo_uncertainty, user.get('uncertainty'))
            message = (f'pixbin cannot tell which component holds the {exc.what}: choose it '
                       f'above.')
        except ValueError as exc:
            found = None
            message = str(exc)
        self.components = found
        if found is not None:
            self._select(self.combo_flux, found.flux)
            self._select(self.combo_uncertainty, found.uncertainty)
            self.combo_kind.setCurrentIndex(UNCERTAINTY_TYPES.index(found.uncertainty_type))
        flux_unit, unit_message = self._fill_units(found)
        self._set_mode(found)
        self.label_message.setText(message or unit_message)

    def _fill_units(self, found):
        """The flux unit and the uncertainty unit (the user's, or the components')."""
        if found is None:
            return None, ''
        message = ''
        flux_unit = None
        if 'unit' in self._user:
            self.edit_unit.setText(self._user['unit'])
            try:
                flux_unit = parse_fits_unit(self._user['unit'], 'flux unit')
            except u.UnitsError as exc:
                message = str(exc)
        else:
            text = found.flux.parent.get_component(found.flux).units or ''
            try:
                flux_unit, text = flux_unit_of(found)
            except u.UnitsError as exc:
                message = f'{exc}: type the flux unit above.'
            self.edit_unit.setText(text or '' if flux_unit is None else flux_unit.to_string())
            if flux_unit is None and not message:
                message = 'The flux has no unit: type it above.'
        if (not message and flux_unit is not None and found.layout is not None
                and found.layout.surface_brightness and is_per_solid_angle(flux_unit)):
            message = (f'{found.flux.label} is a surface brightness ({flux_unit}): the bins '
                       f'sum the flux per pixel, {flux_unit * u.sr}, with the pixel solid '
                       f'angle (PIXAR_SR or the WCS), as pixbin reads the file.')
        if 'uncertainty_unit' in self._user:
            text = self._user['uncertainty_unit']
        else:
            text = found.uncertainty.parent.get_component(found.uncertainty).units or ''
            if flux_unit is not None:
                try:
                    err_unit = err_unit_of(found, flux_unit)
                    text = SAME_AS_FLUX if err_unit is None else err_unit.to_string()
                except u.UnitsError as exc:
                    message = message or f'{exc}.'
                    try:
                        text = parse_fits_unit(str(text), 'uncertainty unit').to_string()
                    except u.UnitsError:
                        pass            # shown as written
            elif not str(text).strip():
                text = SAME_AS_FLUX
        if self.combo_err_unit.count() > 1:
            self.combo_err_unit.removeItem(1)
        if text != SAME_AS_FLUX:
            self.combo_err_unit.addItem(text)
        self.combo_err_unit.setCurrentText(text)
        return flux_unit, message

    # -- IFU mode -----------------------------------------------------------------------
    def _set_mode(self, found):
        cube = None if found is None else found.flux.parent
        ifu = cube is not None and spectral_axis(cube) is not None
        nchan = cube.shape[spectral_axis(cube)] if ifu else None
        shape = ' x '.join(map(str, self.data.shape))
        if ifu:
            self.label_title.setText(
                f'<b>{self.data.label}</b>: {shape}, a spectral cube of {nchan} channels: '
                f'binned by the S/N in wavelength windows, its spectra binned along')
        else:
            self.label_title.setText(f'<b>{self.data.label}</b>: {shape} ({self._nbands} '
                                     f'band{"s" if self._nbands > 1 else ""})')
        if ifu == self.ifu_mode and (not ifu or cube is self._windows_cube):
            return
        self.ifu_mode = ifu
        self.box_windows.setVisible(ifu)
        self.combo_spectra.setEnabled(not ifu)
        self.box_spectra.setTitle("Spectra: the cube's own, binned along" if ifu else
                                  'Spectra (optional)')
        if not ifu:
            self._windows_cube = None
            self._set_photometric_bands()
            return
        self.combo_spectra.setCurrentIndex(0)
        self._windows_cube = cube
        self._default_windows = default_windows_of(found)
        self._windows_unit = self._default_windows.unit
        self.label_windows.setText(
            f'LOW-HIGH in {self._windows_unit.to_string()}, comma separated (pixbin\'s '
            f'default: {OPTIONS["bands"].describe_default()} over the valid channels). Each '
            f'window is a band: its S/N is that of the flux summed over its channels.')
        self._reset_windows()
        self.box_snr.setTitle('S/N threshold per window (0 = no requirement)')

    def _reset_windows(self):
        if self._default_windows is not None:
            self.edit_windows.setText(windows_text(self._default_windows))
            self._on_windows_edited()

    def _on_windows_edited(self):
        try:
            windows = self.windows()
        except (ValueError, u.UnitsError) as exc:
            self.label_message.setText(str(exc))
            return
        unit = windows.unit.to_string()
        names = [f'{low:.6g}-{high:.6g} {unit}' for low, high in windows.value]
        centres = [f'{(low + high) / 2:.6g} {unit}' for low, high in windows.value]
        self._set_bands(names, centres, list(range(len(names))))

    def windows(self):
        """The wavelength windows of IFU mode, a Quantity (n, 2), or None."""
        if not self.ifu_mode:
            return None
        windows = parse_windows(self.edit_windows.text(), self._windows_unit)
        return np.sort(windows, axis=1)

    # -- values -------------------------------------------------------------------------
    def set_snr(self, values):
        """Fill the S/N column with ``values`` (one per band, or per window)."""
        for i, value in enumerate(values):
            self.table_snr.item(i, 2).setText(f'{float(value):g}')

    def snr(self):
        """The S/N thresholds of the table, one per band (or window)."""
        values = []
        for i, name in enumerate(self.band_names):
            text = self.table_snr.item(i, 2).text().strip()
            try:
                values.append(float(text))
            except ValueError:
                what = 'window' if self.ifu_mode else 'band'
                raise ValueError(f'S/N of {what} {name!r} must be a number, got '
                                 f'{text!r}') from None
        return values

    def parameters(self):
        """
        The keyword arguments of `pixbin_glue.bin_data` that the dialog holds.

        Raises
        ------
        ValueError
            If a value is missing or invalid (the message says which).
        """
        flux = self.combo_flux.currentData()
        uncertainty = self.combo_uncertainty.currentData()
        if flux is None:
            raise ValueError('Choose the flux component.')
        if uncertainty is None:
            raise ValueError('Choose the uncertainty component.')
        kwargs = dict(flux=flux, uncertainty=uncertainty,
                      uncertainty_type=self.combo_kind.currentData(),
                      method=self.combo_method.currentData(),
                      ref_band=self.combo_ref.currentData(),
                      min_diameter=self.min_diameter(),
                      redchi2_limit=self.spin_chi2.value(),
                      label=self.edit_label.text().strip() or None)
        unit = self.edit_unit.text().strip()
        if unit:
            try:
                kwargs['unit'] = parse_fits_unit(unit, 'flux unit')
            except u.UnitsError:
                raise ValueError(f'Flux unit {unit!r} is not a unit astropy knows.') from None
        # the component's unit is read by bin_data as pixbin reads it, unless overridden
        if 'uncertainty_unit' in self._user:
            kwargs['uncertainty_unit'] = self._user['uncertainty_unit']
        kwargs['leftovers'] = self.combo_leftovers.currentData()
        if self.ifu_mode:
            try:
                kwargs['bands'] = self.windows()
            except (ValueError, u.UnitsError) as exc:
                raise ValueError(f'Wavelength windows: {exc}') from None
        spectra = self.combo_spectra.currentData() if not self.ifu_mode else None
        if spectra is not None:
            kwargs['spectra'] = spectra
        region = self.edit_region.text().strip()
        if region:
            if spectra is None and not self.ifu_mode:
                raise ValueError('An IFU region needs a spectral cube.')
            kwargs['spec_region'] = region
        return kwargs

    # -- running ------------------------------------------------------------------------
    def accept(self):
        """Bin with the dialog's values; stay open and show the error if it fails."""
        self.label_message.setText('')
        try:
            snr = self.snr()
            kwargs = self.parameters()
        except ValueError as exc:
            self.label_message.setText(str(exc))
            return
        progress = QtWidgets.QProgressDialog('Binning pixels...', None, 0, 1000, self)
        progress.setWindowTitle('pixbin')
        progress.setWindowModality(QtCore.Qt.WindowModal)
        progress.setMinimumDuration(0)
        progress.setValue(0)
        self.progress_values = []

        def report(fraction):
            self.progress_values.append(float(fraction))
            progress.setValue(int(round(1000 * fraction)))
            QtWidgets.QApplication.processEvents()

        QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.WaitCursor)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter('always')
                self.result_data = bin_data(self.data_collection, self.data, snr,
                                            progress=report, **kwargs)
        except (ValueError, TypeError, u.UnitsError, OSError) as exc:
            self.label_message.setText(f'Binning failed: {exc}')
            return
        finally:
            QtWidgets.QApplication.restoreOverrideCursor()
            progress.close()
        self.warnings = [str(w.message) for w in caught]
        super().accept()
