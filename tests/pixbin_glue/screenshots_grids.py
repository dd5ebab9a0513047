# Licensed under a 3-clause BSD style license - see LICENSE
"""
Make the screenshot of bins on another instrument's grid for the documentation
(not a test).

Runs glue-qt headless on the MUSE cube and the HST image of Abell 478 (mpdaf
3.6 wheel, fetched by `pixbin.datasets`): bins the cube in wavelength windows,
opens the cube, the HST image and the bin-map file as File > Open does (with
glue's WCS autolinker accepting its proposals), selects the bins under a circle
drawn on the HST image and saves::

    docs/_static/glue_hst_bins.png

Usage (with ``pip install -e ".[qt]"``)::

    python tests/pixbin_glue/screenshots_grids.py [output folder]
"""

import os
import sys

os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')
os.environ.setdefault('QT_API', 'pyqt6')
os.environ.setdefault('GLUE_TESTING', 'True')

HERE = os.path.dirname(os.path.abspath(__file__))


def main(out):
    import astropy.units as u
    import numpy as np
    from glue.config import settings
    from glue.core import DataCollection
    from glue.core.data_factories import load_data
    from glue.main import load_plugins
    from glue_qt.app.application import GlueApplication
    from glue_qt.viewers.image import ImageViewer
    from qtpy import QtWidgets
    from regions import CirclePixelRegion, PixCoord

    import pixbin
    import pixbin_glue
    from pixbin.datasets import load_hst_a478, load_muse_a478

    load_plugins()
    edges = np.linspace(4750, 9350, 13)
    windows = np.array([edges[:-1], edges[1:]]).T * u.AA
    muse = pixbin.bin_pixels(load_muse_a478(), snr=60, bands=windows,
                             min_diameter=0.8 * u.arcsec)
    path = os.path.join(out, 'muse_bins.fits')
    muse.write(path, overwrite=True)

    app = GlueApplication(DataCollection())
    dc = app.data_collection
    settings.AUTOLINK['Astronomy WCS'] = 'always_accept'    # accept what glue proposes
    for name in (load_muse_a478(), load_hst_a478(), path):
        app.add_datasets(load_data(name))                   # as File > Open: autolinkers run
    os.remove(path)
    for link in dc.external_links:
        print(type(link).__name__, link.data1.label, '--', link.data2.label)
    hst = dc['a478hst-cutout[SCI]']

    # a circle of 1.5 arcsec drawn on the HST image, on the centre of the MUSE field
    x, y = hst.coords.world_to_pixel(muse.wcs.pixel_to_world(19.5, 19.5))
    group = pixbin_glue.region_to_subset(dc, CirclePixelRegion(PixCoord(x, y), 15), hst,
                                         label='bins under a circle on HST')
    ids = pixbin_glue.bins_in_subset(group)
    on_hst = next(s for s in group.subsets if s.data is hst)
    print(f'{len(ids)} bins, {int(on_hst.to_mask().sum())} HST pixels')

    app.resize(1200, 860)
    app.show()
    viewer = app.new_data_viewer(ImageViewer, data=hst)
    viewer.parentWidget().resize(760, 720)
    layer = viewer.layers[0].state
    layer.stretch, layer.percentile = 'arcsinh', 99.5
    viewer.state.x_min, viewer.state.x_max = x - 60, x + 60
    viewer.state.y_min, viewer.state.y_max = y - 60, y + 60
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    viewer.central_widget.canvas.draw()
    QtWidgets.QApplication.processEvents()
    viewer.grab().save(os.path.join(out, 'glue_hst_bins.png'))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(HERE, '..', '..', 'docs', '_static'))
