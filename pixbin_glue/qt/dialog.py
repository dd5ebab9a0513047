# Licensed under a 3-clause BSD style license - see LICENSE
"""
The "Bin pixels (pixbin)..." dialog of glue-qt.
"""

import warnings

import astropy.units as u
from pixbin._options import OPTIONS
from qtpy import QtCore, QtWidgets

from .._binning import bin_data, unique_label
from .._components import (UNCERTAINTY_TYPES, ComponentChoiceError, band_info,
                           candidate_components, find_flux_components, grid_shape,
                           uncertainty_kind)
from .._links import spatial_axes

__all__ = ['BinPixelsDialog']

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


class BinPixelsDialog(QtWidgets.QDialog):
    """
    Parameters of `pixbin.bin_pixels` for a glue dataset, and the binning itself.

    The flux and uncertainty components are preselected by name (see
    `pixbin_glue.find_flux_components`); when the names do not tell, the
    combo stays empty and the dialog asks.  Accepting runs
    `pixbin_glue.bin_data` with a progress dialog (fed by ``bin_pixels``'
    ``progress`` callback while the kernel runs in its worker thread); errors
    are shown in the dialog, which stays open.

    Attributes
    ----------
    result_data : `~glue.core.data.Data` or None
        The new bin-map dataset after a successful run.
    progress_values : list of float
        The fractions reported by the last run.
    """

    def __init__(self, data, data_collection, parent=None):
        super().__init__(parent)
        self.data = data
        self.data_collection = data_collection
        self.result_data = None
        self.progress_values = []
        self.setWindowTitle('Bin pixels (pixbin)')
        self._nbands, self._grid = grid_shape(data) if data.ndim in (2, 3) else (1, data.shape)
        layout = QtWidgets.QVBoxLayout(self)
        title = QtWidgets.QLabel(f'<b>{data.label}</b>: {" x ".join(map(str, data.shape))} '
                                 f'({self._nbands} band{"s" if self._nbands > 1 else ""})')
        layout.addWidget(title)
        layout.addWidget(self._components_box())
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
        self._detect_components()
        self.resize(560, 820)

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
        form.addRow('Flux', self.combo_flux)
        form.addRow('Uncertainty', self.combo_uncertainty)
        form.addRow('Uncertainty is', self.combo_kind)
        form.addRow('Flux unit', self.edit_unit)
        self.combo_flux.currentIndexChanged.connect(self._on_flux_changed)
        self.combo_uncertainty.currentIndexChanged.connect(self._on_uncertainty_changed)
        return box

    def _snr_box(self):
        box = QtWidgets.QGroupBox('S/N threshold per band (0 = no requirement)')
        vbox = QtWidgets.QVBoxLayout(box)
        try:
            names, wave = band_info(self.data, self._nbands)
        except (ValueError, u.UnitsError):
            names, wave = None, None
        self.band_names = names or [f'band{i}' for i in range(self._nbands)]
        self.table_snr = QtWidgets.QTableWidget(self._nbands, 3)
        self.table_snr.setHorizontalHeaderLabels(['band', 'wavelength', 'S/N'])
        self.table_snr.verticalHeader().setVisible(False)
        self.table_snr.verticalHeader().setDefaultSectionSize(22)
        self.table_snr.setMinimumHeight(22 * min(self._nbands, 8) + 30)
        for i, name in enumerate(self.band_names):
            item = QtWidgets.QTableWidgetItem(name)
            item.setFlags(item.flags() & ~QtCore.Qt.ItemIsEditable)
            self.table_snr.setItem(i, 0, item)
            text = '' if wave is None else f'{wave[i].to_value(u.um, u.spectral()):.4g} um'
            item = QtWidgets.QTableWidgetItem(text)
            item.setFlags(item.flags() & ~QtCore.Qt.ItemIsEditable)
            self.table_snr.setItem(i, 1, item)
            self.table_snr.setItem(i, 2, QtWidgets.QTableWidgetItem(f'{DEFAULT_SNR:g}'))
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
        button.clicked.connect(lambda: self.set_snr([self.spin_all.value()] * self._nbands))
        row.addWidget(button)
        row.addStretch(1)
        vbox.addLayout(row)
        return box

    def _binning_box(self):
        box = QtWidgets.QGroupBox('Binning')
        form = QtWidgets.QFormLayout(box)
        self.combo_ref = QtWidgets.QComboBox()
        self.combo_ref.addItem('automatic (highest total S/N)', None)
        for name in self.band_names:
            self.combo_ref.addItem(name, name)
        self.spin_diameter = QtWidgets.QDoubleSpinBox()
        self.spin_diameter.setRange(1.0, 1000.0)
        self.spin_diameter.setDecimals(1)
        self.spin_diameter.setValue(OPTIONS['min_diameter'].default)
        self.spin_diameter.setSuffix(' pixels')
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
        form.addRow('Minimum diameter', self.spin_diameter)
        form.addRow('Reduced chi-square limit', self.spin_chi2)
        form.addRow('Pixels below the S/N', self.combo_leftovers)
        return box

    def _spectra_box(self):
        box = QtWidgets.QGroupBox('Spectra (optional)')
        form = QtWidgets.QFormLayout(box)
        self.combo_spectra = QtWidgets.QComboBox()
        self.combo_spectra.addItem('none', None)
        shape = self._grid
        for other in self.data_collection:
            if other is self.data or other.ndim != 3 or other.meta.get('pixbin_binmap'):
                continue
            spectral = 'spectral_axis_index' in other.meta or \
                getattr(getattr(other.coords, 'wcs', None), 'spec', -1) >= 0
            if spectral and spatial_axes(other, shape) is not None:
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
    def _select(self, combo, cid):
        for i in range(combo.count()):
            if combo.itemData(i) is cid:
                combo.setCurrentIndex(i)
                return

    def _detect_components(self, flux=None):
        """Preselect flux, uncertainty and kind; ask for what the names do not tell."""
        self._updating = True
        try:
            found = find_flux_components(self.data, self.data_collection, flux=flux)
        except ComponentChoiceError as exc:
            if exc.what == 'flux':
                self.combo_flux.setCurrentIndex(0)
            self.combo_uncertainty.setCurrentIndex(0)
            self.label_message.setText(f'pixbin cannot tell which component holds the '
                                       f'{exc.what}: choose it above.')
            self._updating = False
            return
        self._select(self.combo_flux, found.flux)
        self._select(self.combo_uncertainty, found.uncertainty)
        self.combo_kind.setCurrentIndex(UNCERTAINTY_TYPES.index(found.uncertainty_type))
        units = found.flux.parent.get_component(found.flux).units
        self.edit_unit.setText(units or '')
        self.label_message.setText('' if units else
                                   'The flux has no unit: type it above.')
        self._updating = False

    def _on_flux_changed(self, index):
        if getattr(self, '_updating', False):
            return
        cid = self.combo_flux.itemData(index)
        if cid is not None:
            self._detect_components(flux=cid)

    def _on_uncertainty_changed(self, index):
        if getattr(self, '_updating', False):
            return
        cid = self.combo_uncertainty.itemData(index)
        if cid is not None:
            self.combo_kind.setCurrentIndex(
                UNCERTAINTY_TYPES.index(uncertainty_kind(cid, None)))
            self.label_message.setText('')

    # -- values -------------------------------------------------------------------------
    def set_snr(self, values):
        """Fill the S/N column with ``values`` (one per band)."""
        for i, value in enumerate(values):
            self.table_snr.item(i, 2).setText(f'{float(value):g}')

    def snr(self):
        """The S/N thresholds of the table, one per band."""
        values = []
        for i, name in enumerate(self.band_names):
            text = self.table_snr.item(i, 2).text().strip()
            try:
                values.append(float(text))
            except ValueError:
                raise ValueError(f'S/N of band {name!r} must be a number, got {text!r}') from None
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
                      min_diameter=self.spin_diameter.value(),
                      redchi2_limit=self.spin_chi2.value(),
                      label=self.edit_label.text().strip() or None)
        unit = self.edit_unit.text().strip()
        if unit:
            try:
                kwargs['unit'] = u.Unit(unit, parse_strict='raise')
            except ValueError:
                raise ValueError(f'Flux unit {unit!r} is not a unit astropy knows.') from None
        kwargs['leftovers'] = self.combo_leftovers.currentData()
        spectra = self.combo_spectra.currentData()
        if spectra is not None:
            kwargs['spectra'] = spectra
        region = self.edit_region.text().strip()
        if region:
            if spectra is None:
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
