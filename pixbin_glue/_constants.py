# Licensed under a 3-clause BSD style license - see LICENSE
"""Names shared by the modules of the glue plugin (no glue import)."""

__all__ = ['BIN_COMPONENT']

#: Label of the component that holds the bin number of every pixel.
BIN_COMPONENT = 'bin'
