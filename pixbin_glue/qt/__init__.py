# Licensed under a 3-clause BSD style license - see LICENSE
"""
glue-qt frontend of pixbin_glue (entry point ``pixbin_glue.qt:setup``).

Registers the "Bin pixels (pixbin)..." action of glue's data list (right-click
a cube or an image) and the two viewers, "pixbin bin map" and
"pixbin bin SEDs", and makes the pixbin exporter say, in a message box, why it
does not write a subset or a dataset that is not a bin map (glue offers every
exporter for every dataset: its exporter registry has no per-dataset filter).
Nothing is imported from glue-qt or Qt until `setup` runs, and `setup` does
nothing when glue-qt or a Qt binding is missing.
"""

__all__ = ['ACTION_LABEL', 'PREPARING_MESSAGE', 'REGIONS_ACTION_LABEL', 'bin_pixels_action',
           'export_binmap', 'save_regions_action', 'setup']

#: Label of the data-list action.
ACTION_LABEL = 'Bin pixels (pixbin)...'
#: Label of the subset action that saves the selected bins as regions.
REGIONS_ACTION_LABEL = 'Save bins as regions (pixbin)...'

#: What the dialog says while the first binning of a session gets the kernels ready.
PREPARING_MESSAGE = ('Preparing the binning kernels (first run of this session: numba '
                     'compiles them once, about 10 s, or loads them from its cache)...')

_DONE = False


def _glue_apps():
    """The glue-qt application windows that are open."""
    from glue_qt.app.application import GlueApplication
    from qtpy import QtWidgets
    return [widget for widget in QtWidgets.QApplication.topLevelWidgets()
            if isinstance(widget, GlueApplication)]


def _application(data_collection):
    """The glue-qt application window that shows ``data_collection``, if any."""
    return next((app for app in _glue_apps() if app.data_collection is data_collection), None)


def _application_of(data):
    """The glue-qt application window that shows ``data`` (a dataset or subset), if any."""
    hub = getattr(getattr(data, 'data', data), 'hub', None)
    return next((app for app in _glue_apps()
                 if hub is not None and app.data_collection.hub is hub), None)


def _message(app, text):
    """A non-modal warning box over ``app``; returned so that callers (and tests) see it."""
    from qtpy import QtWidgets
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, 'pixbin', text, parent=app)
    box.setModal(False)
    box.show()
    return box


def export_binmap(filename, data, components=None):
    """
    The pixbin exporter as glue-qt calls it (``File > Export data``, or the
    data list's "Export data values").

    Writes a bin-map dataset (`pixbin_glue._register.write_binmap_data`).
    glue offers the exporter for every dataset and subset; for anything but a
    bin-map dataset shown in a glue-qt application it shows why in a message
    box and writes nothing, instead of raising out of glue's dialog.
    Elsewhere (scripts) it raises ValueError as the core exporter does.

    Examples
    --------
    >>> import os, tempfile
    >>> from glue.core import Data, DataCollection
    >>> import pixbin, pixbin_glue
    >>> from pixbin_glue.qt import export_binmap
    >>> mock = pixbin.datasets.make_mock_galaxy(shape=(40, 40))
    >>> cube = Data(FLUX=mock.data, FLUX_ERR=mock.uncertainty.array, label='cube')
    >>> dc = DataCollection([cube])
    >>> bins = pixbin_glue.bin_data(dc, cube, snr=10, unit=mock.unit)
    >>> path = os.path.join(tempfile.mkdtemp(), 'bins.fits')
    >>> export_binmap(path, bins)
    >>> pixbin.read_binmap(path).nbins == pixbin_glue.binmap_from_data(bins).nbins
    True
    >>> export_binmap(path, cube)          # not a bin map, outside a glue-qt window
    Traceback (most recent call last):
    ...
    ValueError: data must be a pixbin bin-map dataset ..., got 'cube': bin it first ...
    """
    from .._register import export_refusal, write_binmap_data
    problem = export_refusal(data)
    app = None if problem is None else _application_of(data)
    if app is None:
        return write_binmap_data(filename, data, components)
    app._pixbin_export_message = _message(app, f'Nothing was written: {problem}.')
    return None


def _prepare(dialog):
    """Before the first binning of the session: say why it waits, and get the kernels ready."""
    from qtpy import QtCore, QtWidgets

    from .._binning import kernels_prepared, prepare_kernels
    if kernels_prepared():
        return
    before = dialog.label_message.text()
    dialog.label_message.setText(PREPARING_MESSAGE)
    dialog.preparing_message = PREPARING_MESSAGE
    dialog.setEnabled(False)
    dialog.show()
    QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.WaitCursor)
    QtWidgets.QApplication.processEvents()
    try:
        prepare_kernels()
    finally:
        QtWidgets.QApplication.restoreOverrideCursor()
        dialog.setEnabled(True)
        dialog.label_message.setText(before)


def bin_pixels_action(layer, data_collection):
    """
    Callback of the data-list action: ask for the binning parameters and bin.

    Opens `~pixbin_glue.qt.dialog.BinPixelsDialog` for the selected dataset;
    on success the new bin-map dataset is in the collection, linked, and (if
    asked) shown in a new bin-map viewer.  The first time in a session the
    dialog first says that it prepares the binning kernels (`PREPARING_MESSAGE`)
    and gets them ready, so that the first Bin does not wait without a word.

    Returns
    -------
    dialog : `~pixbin_glue.qt.dialog.BinPixelsDialog`
        The closed dialog (``dialog.result_data`` is the new dataset or None).

    Examples
    --------
    glue-qt calls it from the right-click menu of its data list, where
    `setup` puts it:

    >>> from glue_qt.config import layer_action
    >>> from pixbin_glue.qt import ACTION_LABEL, bin_pixels_action, setup
    >>> setup()
    >>> action = next(a for a in layer_action if a.label == ACTION_LABEL)
    >>> action.label, action.callback is bin_pixels_action, action.single, action.data
    ('Bin pixels (pixbin)...', True, True, True)
    """
    from qtpy import QtWidgets

    from .dialog import BinPixelsDialog
    from .viewers import BinMapViewer
    app = _application(data_collection)
    dialog = BinPixelsDialog(layer, data_collection, parent=app)
    _prepare(dialog)
    if dialog.exec() != QtWidgets.QDialog.Accepted or dialog.result_data is None:
        return dialog
    if dialog.checkbox_viewer.isChecked() and app is not None:
        dialog.viewer = app.new_data_viewer(BinMapViewer, data=dialog.result_data)
    if dialog.warnings:
        dialog.warning_box = _message(app, '\n\n'.join(dialog.warnings))
    return dialog


def save_regions_action(layer, data_collection):
    """
    Callback of the subset action: save the outlines of the subset's bins.

    Asks for a file name (ds9 ``.reg`` or CRTF ``.crtf``) and writes one
    polygon per bin (sky coordinates when the bin map has a WCS).

    Returns
    -------
    path : str or None
        The file written, or None (cancelled, or the subset has no bin map).

    Examples
    --------
    glue-qt calls it from the right-click menu of a subset in its data
    list, where `setup` puts it:

    >>> from glue_qt.config import layer_action
    >>> from pixbin_glue.qt import REGIONS_ACTION_LABEL, save_regions_action, setup
    >>> setup()
    >>> action = next(a for a in layer_action if a.label == REGIONS_ACTION_LABEL)
    >>> action.callback is save_regions_action, action.subset, action.subset_group
    (True, True, True)
    """
    from qtpy import QtWidgets

    from .._regions import write_subset_regions
    app = _application(data_collection)
    path, _ = QtWidgets.QFileDialog.getSaveFileName(
        app, 'Save the bins as regions', 'bins.reg',
        'ds9 regions (*.reg);;CASA regions (*.crtf)')
    if not path:
        return None
    try:
        # The save dialog has already asked whether to replace an existing file.
        write_subset_regions(layer, path, overwrite=True)
    except (ValueError, OSError) as exc:
        _message(app, str(exc))
        return None
    return path


def setup():
    """
    Register the glue-qt parts of the plugin; a no-op without glue-qt and Qt.

    Also runs the glue-core setup (``pixbin_glue.setup``).

    Examples
    --------
    glue-qt calls it when it loads its plugins; then its "New viewer" menu
    offers the two pixbin viewers:

    >>> from glue_qt.config import qt_client
    >>> from pixbin_glue.qt import setup
    >>> from pixbin_glue.qt.viewers import BinMapViewer, SEDViewer
    >>> setup()
    >>> [(viewer.LABEL, viewer in qt_client.members) for viewer in (BinMapViewer, SEDViewer)]
    [('pixbin bin map', True), ('pixbin bin SEDs', True)]
    """
    global _DONE
    if _DONE:
        return
    try:
        import glue_qt.config  # noqa: F401
        import qtpy.QtWidgets  # noqa: F401
    except Exception:  # ImportError, or qtpy's error when no binding is installed
        return
    from glue.config import data_exporter
    from glue_qt.config import layer_action, qt_client

    from .. import setup as setup_core
    from .._register import EXPORTER_LABEL
    from .viewers import BinMapViewer, SEDViewer
    setup_core()
    members = data_exporter.members
    for i, item in enumerate(members):
        if item.label == EXPORTER_LABEL:
            members[i] = item._replace(function=export_binmap)
    layer_action(ACTION_LABEL, single=True, data=True,
                 tooltip='Bin the pixels of this cube or image by S/N and SED shape '
                         'with pixbin')(bin_pixels_action)
    layer_action(REGIONS_ACTION_LABEL, single=True, subset_group=True, subset=True,
                 tooltip='Save the outlines of the bins of this subset to a ds9 or CRTF '
                         'region file')(save_regions_action)
    for viewer in (BinMapViewer, SEDViewer):
        if viewer not in qt_client.members:
            qt_client.add(viewer)
    _DONE = True
