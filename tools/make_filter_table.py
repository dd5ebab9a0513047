# Licensed under a 3-clause BSD style license - see LICENSE
"""
Write ``pixbin/io/_filter_table.py``: the pivot wavelengths of broad-band filters.

pixbin ships pivot wavelengths, not transmission curves: one number per filter,
computed here from the curves of three filter libraries (install them first:
``pip install astro-sedpy speclite pyphot``)::

    python tools/make_filter_table.py

- astro-sedpy (MIT): the library of record.  Every one of its curves is in the
  table under its own name (``jwst_f200w``, ``acs_wfc_f814w``, ``sdss_r0``, ...),
  and it gives the curve of a pixbin name whenever it has one.
- speclite (BSD-3-Clause): every one of its curves under its own name
  (``sdss2010-r``, ``lsst2023-i``, ``Euclid-VIS``, ...); it gives the pixbin
  names that sedpy has no curve for: Euclid VIS and NISP Y, J, H, and HSC r2, i2.
- pyphot (MIT): the HST/WFPC2 filters and the JWST/NIRCam narrow bands, which
  neither sedpy nor speclite has.  (Its HST WFC3 long-pass and IR narrow-band
  curves give pivots far from the instrument handbooks, so none of its WFC3 or
  ACS curves is used: HST files carry their own pivot, ``PHOTPLAM``, which
  pixbin reads first.)

The pivot wavelength of a photon-counting response R is
``sqrt(int R lambda dlambda / int R / lambda dlambda)`` (Koornneef et al. 1986;
Tokunaga & Vacca 2005), the wavelength at which f_lambda = f_nu c / lambda**2
holds exactly for the band-averaged fluxes; all three libraries give photon
responses.
"""

import os
import re
import sys
from importlib.metadata import version

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, '..', 'pixbin', 'io', '_filter_table.py')
sys.path.insert(0, os.path.join(HERE, '..'))

from pixbin.io.filters import normalise_filter_name as normalise  # noqa: E402

MIRI = {'f560w', 'f770w', 'f1000w', 'f1130w', 'f1280w', 'f1500w', 'f1800w', 'f2100w',
        'f2550w'}


def pivot(wave, response):
    """Pivot wavelength (unit of ``wave``) of a photon-counting response."""
    wave = np.asarray(wave, dtype=float)
    response = np.clip(np.asarray(response, dtype=float), 0, None)
    return float(np.sqrt(np.trapezoid(response * wave, wave) /
                         np.trapezoid(response / wave, wave)))


def sedpy_curves():
    from sedpy import observate
    curves = {}
    for name in observate.list_available_filters():
        f = observate.Filter(name)
        curves[name] = pivot(f.wavelength, f.transmission)
    return curves


def speclite_curves():
    import speclite.filters
    folder = os.path.join(os.path.dirname(speclite.filters.__file__), 'data', 'filters')
    curves = {}
    for file in sorted(os.listdir(folder)):
        if file.endswith('.ecsv'):
            f = speclite.filters.load_filter(file[:-5])
            curves[file[:-5]] = pivot(f.wavelength, f.response)
    return curves


def pyphot_curves():
    import pyphot
    folder = os.path.join(os.path.dirname(pyphot.__file__), 'libs', 'ascii_sources')
    curves = {}
    for file in sorted(os.listdir(folder)):
        if file.startswith(('hst_wfpc2_', 'jwst_nircam_')):
            with open(os.path.join(folder, file)) as f:
                lines = [line.strip() for line in f if line.strip()]
            unit = next(line.split()[-1] for line in lines
                        if line.startswith('# WAVELENGTH_UNIT'))
            rows = [line for line in lines if not line.startswith('#')]
            assert rows[0] == 'WAVELENGTH,THROUGHPUT', (file, rows[0])
            data = np.loadtxt(rows[1:], delimiter=',')
            scale = {'AA': 1.0, 'angstrom': 1.0, 'um': 1e4, 'micron': 1e4, 'nm': 10.0}[unit]
            curves[file[:-4]] = pivot(data[:, 0] * scale, data[:, 1])
    return curves


def pixbin_names(sedpy, speclite, pyphot):
    """{pixbin name: (library, curve name)}: instrument-qualified names and aliases."""
    names = {}

    def add(name, library, curve):
        names.setdefault(normalise(name), (library, curve))

    # JWST: sedpy's jwst_fXXX are NIRCam (module average) and MIRI
    for curve in sedpy:
        m = re.fullmatch(r'jwst_(f\d+\w+)', curve)
        if m:
            band = m.group(1)
            add(f'jwst_{"miri" if band in MIRI else "nircam"}_{band}', 'sedpy', curve)
        m = re.fullmatch(r'jwst_niriss_(f\d+\w+)', curve)
        if m:
            add(curve, 'sedpy', curve)
        m = re.fullmatch(r'acs_wfc_(f\w+)', curve)
        if m:
            add(f'hst_acs_{m.group(1)}', 'sedpy', curve)
            add(f'hst_acs_wfc_{m.group(1)}', 'sedpy', curve)
        m = re.fullmatch(r'wfc3_(uvis|ir)_(f\w+)', curve)
        if m:
            add(f'hst_wfc3_{m.group(1)}_{m.group(2)}', 'sedpy', curve)
            add(f'hst_wfc3_{m.group(2)}', 'sedpy', curve)
    for curve in pyphot:
        m = re.fullmatch(r'jwst_nircam_(f\w+)', curve)
        if m:
            add(curve, 'pyphot', curve)
        if curve.startswith('hst_wfpc2_'):
            add(curve, 'pyphot', curve)
    # Euclid (speclite only)
    for band in ('VIS', 'Y', 'J', 'H'):
        curve = f'Euclid-{band}'
        add(f'euclid_{band}', 'speclite', curve)
        if band != 'VIS':
            for alias in ('nisp', 'nir', 'nisp_p'):
                add(f'euclid_{alias}_{band}', 'speclite', curve)
    # ground-based surveys and other space missions
    for band in 'ugrizy':
        add(f'lsst_{band}', 'sedpy', f'lsst_baseline_{band}')
        add(f'rubin_{band}', 'sedpy', f'lsst_baseline_{band}')
        add(f'decam_{band}', 'sedpy', f'decam_{band.upper() if band == "y" else band}')
    for band in 'grizy':
        add(f'hsc_{band}', 'sedpy', f'hsc_{band}')
        add(f'panstarrs_{band}', 'sedpy', f'panstarrs_{band}')
        add(f'ps1_{band}', 'sedpy', f'panstarrs_{band}')
    for band in ('r2', 'i2'):
        add(f'hsc_{band}', 'speclite', f'hsc2017-{band}')
    for band in 'ugriz':
        add(f'sdss_{band}', 'sedpy', f'sdss_{band}0')
    for band in ('fuv', 'nuv'):
        add(f'galex_{band}', 'sedpy', f'galex_{band.upper()}')
    for band, curve in (('j', 'J'), ('h', 'H'), ('ks', 'Ks'), ('k', 'Ks')):
        add(f'2mass_{band}', 'sedpy', f'twomass_{curve}')
    for band in range(1, 5):
        add(f'wise_w{band}', 'sedpy', f'wise_w{band}')
    for channel, micron in zip(range(1, 5), ('36', '45', '58', '80')):
        curve = f'spitzer_irac_ch{channel}'
        add(curve, 'sedpy', curve)
        add(f'spitzer_irac_{micron}', 'sedpy', curve)        # piXedfit's names
        add(f'spitzer_irac_i{channel}', 'sedpy', curve)
    for band in ('24', '70', '160'):
        add(f'spitzer_mips_{band}', 'sedpy', f'spitzer_mips_{band}')
    for band in ('70', '100', '160'):
        add(f'herschel_pacs_{band}', 'sedpy', f'herschel_pacs_{band}')
    for band in ('250', '350', '500'):
        add(f'herschel_spire_{band}', 'sedpy', f'herschel_spire_{band}')
    return names


def main():
    libraries = {'sedpy': sedpy_curves(), 'speclite': speclite_curves(),
                 'pyphot': pyphot_curves()}
    table = {}          # key: (pivot, 'library curve')
    for library in ('sedpy', 'speclite'):
        for curve, value in libraries[library].items():
            key = normalise(curve)
            if key in table:        # the same name in both libraries: sedpy's curve
                print(f'{key}: {table[key][1]} kept, {library} {curve} differs by '
                      f'{value - table[key][0]:+.1f} A')
                continue
            table[key] = (value, f'{library} {curve}')
    for name, (library, curve) in pixbin_names(*libraries.values()).items():
        if name in table and table[name][1] != f'{library} {curve}':
            sys.exit(f'{name}: already {table[name][1]}, not {library} {curve}')
        table[name] = (libraries[library][curve], f'{library} {curve}')
    versions = {'sedpy': version('astro-sedpy'), 'speclite': version('speclite'),
                'pyphot': version('pyphot')}
    lines = [
        '# Licensed under a 3-clause BSD style license - see LICENSE',
        '# Generated by tools/make_filter_table.py; do not edit by hand.',
        '"""',
        'Pivot wavelengths (Angstrom) of filter curves, computed from the curves of',
        f'astro-sedpy {versions["sedpy"]} (MIT), speclite {versions["speclite"]} '
        f'(BSD-3-Clause) and pyphot',
        f'{versions["pyphot"]} (MIT) by ``tools/make_filter_table.py``.',
        '"""',
        '',
        f'VERSIONS = {versions!r}',
        '',
        '#: {normalised name: (pivot wavelength in Angstrom, "library curve-name")}',
        'PIVOTS = {',
    ]
    for key in sorted(table):
        value, source = table[key]
        lines.append(f'    {key!r}: ({value:.1f}, {source!r}),')
    lines.append('}')
    with open(OUTPUT, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'{OUTPUT}: {len(table)} names')


if __name__ == '__main__':
    main()
