# Licensed under a 3-clause BSD style license - see LICENSE
"""
glue-jupyter frontend of pixbin_glue (entry point ``pixbin_glue.jupyter:setup``).

Registers the bin-map and bin-SED viewers with glue-jupyter, as
``app.new_data_viewer('pixbin-binmap', data=...)`` and
``app.new_data_viewer('pixbin-sed', data=...)`` (Matplotlib viewers, through
ipympl).  Nothing is imported from glue-jupyter until `setup` runs, and
`setup` does nothing when glue-jupyter is missing.
"""

import importlib.util

__all__ = ['BINMAP_VIEWER', 'SED_VIEWER', 'BinMapViewerLoader', 'SEDViewerLoader', 'setup']

#: Names of the viewers in glue-jupyter's viewer registry.
BINMAP_VIEWER = 'pixbin-binmap'
SED_VIEWER = 'pixbin-sed'

_DONE = False


# Importing ipympl switches Matplotlib's backend for the whole process (a glue-qt
# session too), so the viewer classes, which need it, are imported only when a
# viewer is made.  glue-jupyter makes viewers with ``cls(session, state=...)``.
class BinMapViewerLoader:
    """
    Makes a `~pixbin_glue.jupyter.viewers.BinMapJupyterViewer` (imported on first use).

    Examples
    --------
    glue-jupyter makes the viewer from its registered name:

    >>> from glue_jupyter import jglue
    >>> from glue_jupyter.registries import viewer_registry
    >>> from pixbin_glue.jupyter import BINMAP_VIEWER, BinMapViewerLoader, setup
    >>> setup()
    >>> viewer_registry.members[BINMAP_VIEWER]['cls'] is BinMapViewerLoader
    True
    >>> app = jglue()
    >>> type(app.new_data_viewer(BINMAP_VIEWER, show=False)).__name__
    'BinMapJupyterViewer'
    """

    LABEL = 'pixbin bin map'

    def __new__(cls, session, parent=None, state=None):
        from .viewers import BinMapJupyterViewer
        return BinMapJupyterViewer(session, parent=parent, state=state)


class SEDViewerLoader:
    """
    Makes a `~pixbin_glue.jupyter.viewers.SEDJupyterViewer` (imported on first use).

    Examples
    --------
    glue-jupyter makes the viewer from its registered name:

    >>> from glue_jupyter import jglue
    >>> from glue_jupyter.registries import viewer_registry
    >>> from pixbin_glue.jupyter import SED_VIEWER, SEDViewerLoader, setup
    >>> setup()
    >>> viewer_registry.members[SED_VIEWER]['cls'] is SEDViewerLoader
    True
    >>> viewer = jglue().new_data_viewer(SED_VIEWER, show=False)
    >>> type(viewer).__name__, viewer.state.flux_mode
    ('SEDJupyterViewer', 'sum')
    """

    LABEL = 'pixbin bin SEDs'

    def __new__(cls, session, parent=None, state=None):
        from .viewers import SEDJupyterViewer
        return SEDJupyterViewer(session, parent=parent, state=state)


def setup():
    """
    Register the glue-jupyter viewers; a no-op without glue-jupyter.

    Also runs the glue-core setup (``pixbin_glue.setup``).

    Examples
    --------
    glue loads it with its plugins; then the two viewers have names:

    >>> from glue_jupyter.registries import viewer_registry
    >>> from pixbin_glue.jupyter import BINMAP_VIEWER, SED_VIEWER, setup
    >>> setup()
    >>> BINMAP_VIEWER in viewer_registry.members, SED_VIEWER in viewer_registry.members
    (True, True)
    """
    global _DONE
    if _DONE:
        return
    if importlib.util.find_spec('ipympl') is None:
        return
    try:
        from glue_jupyter.registries import viewer_registry
    except ImportError:
        return

    from .. import setup as setup_core
    setup_core()
    for name, cls in ((BINMAP_VIEWER, BinMapViewerLoader), (SED_VIEWER, SEDViewerLoader)):
        if name not in viewer_registry.members:
            viewer_registry.add(name, cls)
    _DONE = True
