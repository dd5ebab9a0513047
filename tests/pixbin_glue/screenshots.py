# Licensed under a 3-clause BSD style license - see LICENSE
"""
Make the screenshots of the glue plugin for the documentation (not a test).

Runs glue-qt headless on the bundled 100x100 mock galaxy and its IFU cube,
drives the dialog and the two viewers, and saves::

    docs/_static/glue_dialog.png
    docs/_static/glue_binmap_viewer.png
    docs/_static/glue_sed_viewer.png

and, given a MUSE cube (``--muse minicube.fits``, the mpdaf 3.6 wheel's
``mpdaf/data/sdetect/minicube.fits``), the dialog in IFU mode and its bin map::

    docs/_static/glue_ifu_dialog.png
    docs/_static/glue_ifu_binmap.png

Usage (with ``pip install -e ".[qt]"``)::

    python tests/pixbin_glue/screenshots.py [output folder] [--muse minicube.fits]
"""

import os
import sys

os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
os.environ.setdefault('QT_API', 'pyqt6')
os.environ.setdefault('GLUE_TESTING', 'True')

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def settle():
    """Let Qt draw what is pending."""
    from qtpy import QtWidgets
    for _ in range(5):
        QtWidgets.QApplication.processEvents()


def plugins():
    """Load every glue plugin (no WCS autolink dialog)."""
    from glue.config import settings
    from glue.main import load_plugins
    load_plugins()
    settings.AUTOLINK['Astronomy WCS'] = 'always_ignore'


def application(dc):
    """glue-qt showing ``dc``."""
    from glue_qt.app.application import GlueApplication
    app = GlueApplication(dc)
    app.resize(1400, 900)
    app.show()
    return app


def main(out):
    import numpy as np
    from glue.core import DataCollection
    from regions import CirclePixelRegion, PixCoord

    import pixbin
    import pixbin_glue
    from pixbin_glue._binmap_data import bins_subset_state
    from pixbin_glue.qt.dialog import BinPixelsDialog
    from pixbin_glue.qt.viewers import BinMapViewer, SEDViewer
    from pixbin_glue_helpers import glue_cube

    plugins()
    cube = pixbin.datasets.make_mock_galaxy()
    spectra, _ = pixbin.datasets.make_mock_ifu()
    dc = DataCollection([glue_cube(cube, label='galaxy')])
    dc['galaxy_ifu'] = spectra
    app = application(dc)

    # the dialog, filled as in the README example
    dialog = BinPixelsDialog(dc['galaxy'], dc, parent=app)
    dialog.set_snr([10] * 7 + [0] * 5)
    dialog.combo_ref.setCurrentIndex(dialog.combo_ref.findText('sdss_r'))
    dialog.spin_diameter.setValue(4)
    dialog.combo_spectra.setCurrentIndex(dialog.combo_spectra.findText('galaxy_ifu'))
    dialog.show()
    settle()
    dialog.grab().save(os.path.join(out, 'glue_dialog.png'))
    dialog.accept()
    bins = dialog.result_data
    binmap = pixbin_glue.binmap_from_data(bins)
    print(binmap)

    # the bin map with two selections: a region (whole bins) and a clicked bin
    viewer = app.new_data_viewer(BinMapViewer, data=bins)
    viewer.parentWidget().resize(780, 760)
    pixbin_glue.region_to_subset(dc, CirclePixelRegion(PixCoord(50, 50), 4.0), bins,
                                 label='bulge (circle region)')
    clump = int(np.argmax(binmap.flux[:, 0] / binmap.flux[:, 4]) + 1)   # bluest bin
    dc.new_subset_group('bluest bin (clicked)', bins_subset_state(bins, [clump]))
    viewer.state.x_min, viewer.state.x_max = 18, 82
    viewer.state.y_min, viewer.state.y_max = 18, 82
    settle()
    viewer.central_widget.canvas.draw()
    settle()
    viewer.grab().save(os.path.join(out, 'glue_binmap_viewer.png'))

    # the SEDs (and spectra) of the selected bins
    sed = app.new_data_viewer(SEDViewer, data=bins)
    sed.parentWidget().resize(900, 620)
    sed.state.y_log = True
    sed.state.reset_limits()
    settle()
    sed.central_widget.canvas.draw()
    settle()
    sed.grab().save(os.path.join(out, 'glue_sed_viewer.png'))


#: The windows and S/N of the IFU screenshots (and of docs/glue.rst).
IFU_WINDOWS = '4760-4950, 4950-5150, 5150-5370'
IFU_SNR = [30, 30, 30]


def muse(out, path):
    """The dialog in IFU mode on a MUSE cube read by glue's FITS reader, and the bin map."""
    from glue.core import DataCollection
    from glue.core.data_factories import load_data
    from glue.core.data_factories.fits import fits_reader

    import pixbin_glue
    from pixbin_glue.qt.dialog import BinPixelsDialog
    from pixbin_glue.qt.viewers import BinMapViewer

    plugins()
    dc = DataCollection(load_data(path, factory=fits_reader))
    app = application(dc)
    label = next(d.label for d in dc if d.label.endswith('[DATA]'))
    dialog = BinPixelsDialog(dc[label], dc, parent=app)
    dialog.edit_windows.setText(IFU_WINDOWS)
    dialog.edit_windows.editingFinished.emit()
    dialog.set_snr(IFU_SNR)
    # the core diameter as an angle: MUSE's seeing, 0.8 arcsec (4 spaxels)
    unit = dialog.combo_diameter_unit
    unit.setCurrentIndex(unit.findText('arcsec'))
    dialog.spin_diameter.setValue(0.8)
    dialog.show()
    settle()
    dialog.grab().save(os.path.join(out, 'glue_ifu_dialog.png'))
    dialog.accept()
    bins = dialog.result_data
    print(pixbin_glue.binmap_from_data(bins))
    viewer = app.new_data_viewer(BinMapViewer, data=bins)
    viewer.parentWidget().resize(640, 600)
    settle()
    viewer.central_widget.canvas.draw()
    settle()
    viewer.grab().save(os.path.join(out, 'glue_ifu_binmap.png'))


if __name__ == '__main__':
    args = sys.argv[1:]
    cube = None
    if '--muse' in args:
        i = args.index('--muse')
        cube = args[i + 1]
        del args[i:i + 2]
    folder = args[0] if args else os.path.join(HERE, '..', '..', 'docs', '_static')
    if cube is None:
        main(folder)
    else:
        muse(folder, cube)
