# Licensed under a 3-clause BSD style license - see LICENSE
"""
glue-qt frontend of pixbin_glue (entry point ``pixbin_glue.qt:setup``).

Registers the "Bin pixels (pixbin)..." action of glue's data list (right-click
a cube or an image) and the two viewers, "pixbin bin map" and
"pixbin bin SEDs".  Nothing is imported from glue-qt or Qt until `setup` runs,
and `setup` does nothing when glue-qt or a Qt binding is missing.
"""

__all__ = ['ACTION_LABEL', 'REGIONS_ACTION_LABEL', 'bin_pixels_action', 'save_regions_action',
           'setup']

#: Label of the data-list action.
ACTION_LABEL = 'Bin pixels (pixbin)...'
#: Label of the subset action that saves the selected bins as regions.
REGIONS_ACTION_LABEL = 'Save bins as regions (pixbin)...'

_DONE = False


def _application(data_collection):
    """The glue-qt application window that shows ``data_collection``, if any."""
    from glue_qt.app.application import GlueApplication
    from qtpy import QtWidgets
    for widget in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(widget, GlueApplication) and widget.data_collection is data_collection:
            return widget
    return None


def bin_pixels_action(layer, data_collection):
    """
    Callback of the data-list action: ask for the binning parameters and bin.

    Opens `~pixbin_glue.qt.dialog.BinPixelsDialog` for the selected dataset;
    on success the new bin-map dataset is in the collection, linked, and (if
    asked) shown in a new bin-map viewer.

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
    if dialog.exec() != QtWidgets.QDialog.Accepted or dialog.result_data is None:
        return dialog
    if dialog.checkbox_viewer.isChecked() and app is not None:
        dialog.viewer = app.new_data_viewer(BinMapViewer, data=dialog.result_data)
    if dialog.warnings:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, 'pixbin',
                                    '\n\n'.join(dialog.warnings), parent=app)
        box.setModal(False)
        box.show()
        dialog.warning_box = box
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
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, 'pixbin', str(exc),
                                    parent=app)
        box.setModal(False)
        box.show()
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
    from glue_qt.config import layer_action, qt_client

    from .. import setup as setup_core
    from .viewers import BinMapViewer, SEDViewer
    setup_core()
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
