# Licensed under a 3-clause BSD style license - see LICENSE
"""
glue data factory for pixbin's input files: the files whose layout
`pixbin.io.read_input` knows (piXedfit flux maps, MaNGA, MUSE, JWST, HST
drizzled, CALIFA) are read by it, so that `pixbin_glue.bin_data` bins them as
``pixbin.bin_pixels(path)`` does.  Plain FITS files (the generic layout) are
left to glue's own FITS reader.

Translation to glue datasets: a spectral cube (`specutils.Spectrum`) goes
through glue-astronomy's translator (``glue.config.data_translator``), which
does the same job as pixbin would (the mask it drops is put back by
`pixbin_glue.bin_data`).  A photometric cube (`~astropy.nddata.NDData`,
nbands x ny x nx) is translated here, by `cube_to_data`, because
glue-astronomy's NDData translation (glue-astronomy 0.15) loses what binning
needs: it has no translator for plain ``NDData`` (what `pixbin.io.read_input`
returns); for ``NDDataArray`` it drops the mask, turns a variance or inverse
variance into a standard deviation without a unit, puts the 2-D celestial
WCS on the 3-D cube (glue fails with an IndexError), and copies ``meta`` as it
is, whose Quantities (band wavelengths) make glue's session save fail.
`cube_to_data` keeps the uncertainty's kind and unit (``FLUX_ERR``, ``VAR``
or ``IVAR``), the mask, a 3-D WCS (celestial axes and a band axis) and a
``meta`` that glue can save.
"""

import os

import astropy.units as u
import numpy as np

from ._constants import CELESTIAL_WCS_KEY

__all__ = ['is_input_file', 'read_input_data']

#: Below the bin-map factory (500), above glue's generic FITS reader (100).
INPUT_FACTORY_PRIORITY = 400
#: Keys of ``meta`` of the cube dataset that name the datasets of the spectra and
#: of the IFU footprint of a spectrophotometric file (used by `bin_data`).
SPECTRA_KEY = 'pixbin_spectra'
SPEC_REGION_KEY = 'pixbin_spec_region'
_FITS_NAMES = ('.fits', '.fit', '.fts', '.fits.gz')
_UNCERTAINTY_LABELS = {'StdDevUncertainty': 'FLUX_ERR', 'VarianceUncertainty': 'VAR',
                       'InverseVariance': 'IVAR'}


def is_input_file(filename, **kwargs):
    """glue identifier: a FITS file of a layout that pixbin reads (not the generic one)."""
    if not isinstance(filename, (str, os.PathLike)) or \
            not os.fspath(filename).lower().endswith(_FITS_NAMES):
        return False
    from pixbin.io.cube import identify_layout
    # a file that pixbin would refuse (an HST image whose only noise is an
    # exposure-time weight) is left to glue's FITS reader, to be looked at
    layout = identify_layout(filename, readable=True)
    return layout is not None and layout.name != 'generic'


def _label(filename):
    label = os.path.basename(os.fspath(filename))
    for ext in ('.gz', '.fits', '.fit', '.fts'):
        if label.lower().endswith(ext):
            label = label[:-len(ext)]
    return label


def _glue_meta(meta):
    """The entries of ``meta`` that glue can save in a session (numbers, strings, lists)."""
    from ._binmap_data import session_value
    out = {}
    for key, value in (meta or {}).items():
        if key == 'band_wavelengths':
            out['band_wavelengths'] = value.to_value(u.AA).tolist()
            out['band_wavelength_unit'] = 'Angstrom'
        elif key == 'flux_conversion':
            out['flux_conversion'] = value['text']
        elif key != 'celestial_wcs':
            out[key] = session_value(value)
    return out


def _band_wcs(celestial):
    """A 3-D WCS for a (nbands, ny, nx) cube: the celestial WCS and a band axis."""
    from astropy.wcs import WCS
    wcs = WCS(naxis=3)
    wcs.wcs.ctype = list(celestial.wcs.ctype) + ['BAND']
    wcs.wcs.cunit = list(celestial.wcs.cunit) + ['']
    wcs.wcs.crpix = list(celestial.wcs.crpix) + [1.0]
    wcs.wcs.crval = list(celestial.wcs.crval) + [0.0]
    pc = np.eye(3)
    pc[:2, :2] = celestial.wcs.get_pc()
    wcs.wcs.pc = pc
    wcs.wcs.cdelt = list(celestial.wcs.get_cdelt()) + [1.0]
    wcs.wcs.radesys = celestial.wcs.radesys
    wcs.wcs.set()
    return wcs


def cube_to_data(cube, label):
    """A photometric NDData cube or image as a glue dataset: FLUX, its uncertainty, MASK."""
    from glue.core import Component, Data
    data_array = np.asarray(cube.data)
    coords = cube.wcs
    if coords is not None and data_array.ndim == 3:
        coords = _band_wcs(coords)
    data = Data(label=label, coords=coords)
    data.add_component(Component(data_array, units=cube.unit.to_string()), 'FLUX')
    err_unit = cube.uncertainty.unit
    data.add_component(Component(np.asarray(cube.uncertainty.array),
                                 units=None if err_unit is None else err_unit.to_string()),
                       _UNCERTAINTY_LABELS[type(cube.uncertainty).__name__])
    if cube.mask is not None:
        mask = np.broadcast_to(np.asarray(cube.mask), data_array.shape).astype(np.uint8)
        data.add_component(Component(mask), 'MASK')
    data.meta.update(_glue_meta(cube.meta))
    return data


def _to_data(spectrum):
    """A specutils Spectrum as a glue dataset, by glue-astronomy's translator."""
    from glue.config import data_translator
    try:
        handler, _ = data_translator.get_handler_for(spectrum)
    except TypeError:
        # glue-astronomy registers its translators on import, which glue's plugin
        # loading does; without it (pixbin_glue.setup() alone) import them here.
        # (spectral-cube, which they import, warns about an astropy name it uses)
        import warnings

        from astropy.utils.exceptions import AstropyPendingDeprecationWarning
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', AstropyPendingDeprecationWarning)
            import glue_astronomy.translators  # noqa: F401
        handler, _ = data_translator.get_handler_for(spectrum)
    return handler.to_data(spectrum)


def read_input_data(filename, **kwargs):
    """
    glue data factory: an input file read by `pixbin.io.read_input`.

    Returns the cube (components ``FLUX``, ``FLUX_ERR``/``VAR``/``IVAR`` and
    ``MASK``, True = bad, with band names and wavelengths in ``meta``), and for
    a spectrophotometric piXedfit file also ``<name>[SPECTRA]`` (the spectral
    cube) and ``<name>[SPEC_REGION]`` (the IFU footprint, 1 = has a spectrum),
    which the cube names in ``meta`` so that `pixbin_glue.bin_data` uses them.
    A spectral cube (MUSE, MaNGA, CALIFA, JWST s3d) is one dataset translated
    from its `specutils.Spectrum` with ``meta['spectral_cube']`` True.
    """
    from glue.core import Component, Data
    from specutils import Spectrum

    from pixbin.io import read_input
    read = read_input(filename)
    label = _label(filename)
    cube = read['cube']
    if isinstance(cube, Spectrum):
        data = _to_data(cube)
        data.label = label
        data.meta.pop('celestial_wcs', None)        # glue cannot save a WCS in meta
        data.meta.update(_glue_meta(cube.meta))
        celestial = cube.meta.get('celestial_wcs')
        if celestial is not None:                    # but it can save its header
            from pixbin.io._fitsutil import exact_wcs_header
            data.meta[CELESTIAL_WCS_KEY] = exact_wcs_header(celestial).tostring()
        data.meta['pixbin_file'] = os.fspath(filename)
        return [data]
    data = cube_to_data(cube, label)
    data.meta['pixbin_file'] = os.fspath(filename)
    out = [data]
    if 'spectra' in read:
        spectra = _to_data(read['spectra'])
        spectra.label = f'{label}[SPECTRA]'
        region = Data(label=f'{label}[SPEC_REGION]', coords=cube.wcs)
        region.add_component(Component(read['spec_region'].astype(np.uint8)), 'SPEC_REGION')
        data.meta[SPECTRA_KEY] = spectra.label
        data.meta[SPEC_REGION_KEY] = region.label
        out += [spectra, region]
    return out
