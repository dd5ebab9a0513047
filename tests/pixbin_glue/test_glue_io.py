# Licensed under a 3-clause BSD style license - see LICENSE
"""Registration, the pixbin FITS exporter and data factory, and the autolinker."""

import numpy as np
import pytest
from astropy.io import fits

import pixbin


pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')

from glue.core import DataCollection  # noqa: E402

import pixbin_glue  # noqa: E402
from pixbin_glue._register import BIN_CMAP_NAME, read_binmap_data  # noqa: E402
from pixbin_glue_helpers import glue_cube  # noqa: E402


def test_core_registrations(glue_plugins):
    from glue.config import autolinker, colormaps, data_exporter, data_factory
    assert 'pixbin bin map (FITS)' in [f.label for f in data_factory]
    assert 'pixbin bin map (FITS)' in [e.label for e in data_exporter]
    assert 'pixbin bin maps (pixel grid)' in [label for label, _ in autolinker]
    names = [c.name for _, c in colormaps]
    assert names.count(BIN_CMAP_NAME) == 1
    # setup again (glue loads each entry point module once, but users may call it)
    pixbin_glue.setup()
    assert [f.label for f in data_factory].count('pixbin bin map (FITS)') == 1
    assert [e.label for e in data_exporter].count('pixbin bin map (FITS)') == 1


def test_exporter_writes_pixbin_fits(binned, tmp_path):
    from glue.config import data_exporter
    dc, cube, bins, direct = binned
    exporter = next(e for e in data_exporter if e.label == 'pixbin bin map (FITS)')
    assert exporter.extension == ['fits']
    path = tmp_path / 'bins.fits'
    exporter.function(str(path), bins)
    assert pixbin.io.is_binmap_file(path)
    back = pixbin.read_binmap(path)
    np.testing.assert_array_equal(back.labels, direct.labels)
    np.testing.assert_allclose(back.flux.value, direct.flux.value, rtol=1e-12)
    assert back.band_names == direct.band_names
    # glue's dialog has asked already: the exporter replaces the file
    exporter.function(str(path), bins)
    with pytest.raises(ValueError, match='writes whole bin maps'):
        exporter.function(str(path), dc.new_subset_group('s', None).subsets[0])
    with pytest.raises(ValueError, match="must be a pixbin bin-map dataset to be written as "
                                         "a pixbin file, got 'cube'"):
        exporter.function(str(path), cube)


def test_data_factory_and_autolinker(binned, mock, tmp_path):
    from glue.core.autolinking import find_possible_links
    from glue.core.data_factories import find_factory, load_data
    dc, cube, bins, direct = binned
    path = tmp_path / 'galaxy_bins.fits'
    direct.write(path)
    assert find_factory(str(path)) is read_binmap_data
    assert find_factory(str(tmp_path / 'nothing.fits')) is not read_binmap_data
    loaded = load_data(str(path))
    assert loaded.label == 'galaxy_bins'
    assert pixbin_glue.is_binmap_data(loaded)
    np.testing.assert_array_equal(loaded.get_data(loaded.id['bin']), direct.labels)
    result = pixbin_glue.binmap_from_data(loaded)
    np.testing.assert_allclose(result.flux.value, direct.flux.value, rtol=1e-12)
    # in a collection with the cube, the autolinker (run by glue-qt when data are
    # added) pixel-links it at once and suggests nothing
    cube = glue_cube(mock[0])
    fresh = DataCollection([cube])
    fresh.append(loaded)
    assert 'pixbin bin maps (pixel grid)' not in find_possible_links(fresh)
    assert 'bin' in [c.label for c in cube.components]
    group = fresh.new_subset_group('b', pixbin_glue._binmap_data.bins_subset_state(loaded, [4]))
    on_cube = next(s for s in group.subsets if s.data is cube)
    np.testing.assert_array_equal(on_cube.to_mask()[0], direct.labels == 4)


def test_autolinker_respects_always_ignore(binned, mock, tmp_path):
    from glue.config import settings
    from pixbin_glue._links import AUTOLINK_LABEL, autolink_binmaps
    dc, cube, bins, direct = binned
    path = tmp_path / 'b.fits'
    direct.write(path)
    cube = glue_cube(mock[0])
    fresh = DataCollection([cube, read_binmap_data(str(path))])
    settings.AUTOLINK[AUTOLINK_LABEL] = 'always_ignore'
    try:
        autolink_binmaps(fresh)
        assert len(fresh.external_links) == 0
        assert 'bin' not in [c.label for c in cube.components]
    finally:
        del settings.AUTOLINK[AUTOLINK_LABEL]
    autolink_binmaps(fresh)
    assert len(fresh.external_links) == 3


# -- a saved session gives the same BinMap, and the exporter the same file -------------------

def _helpers():
    """assert_same_binmap of the shared test helpers (tests/pixbin_test_helpers.py)."""
    from pixbin_test_helpers import assert_same_binmap
    return assert_same_binmap


def eta_sqrt(n):
    return 1.0 + 0.1 * np.sqrt(n)


@pytest.mark.parametrize('covariance', [None, 1.62, eta_sqrt])
@pytest.mark.parametrize('with_spectra', [False, True], ids=['photometry', 'spectra'])
def test_saved_session_gives_the_same_binmap_and_file(dc_cube, mock, tmp_path, covariance,
                                                      with_spectra):
    from glue.core.state import GlueSerializer, GlueUnSerializer
    from pixbin_glue_helpers import BIN_KW, SNR
    from pixbin_glue._register import write_binmap_data
    assert_same_binmap = _helpers()
    cube, spectra, footprint = mock
    kwargs = dict(BIN_KW, covariance=covariance)
    if with_spectra:
        y, x = np.indices(footprint.shape)
        kwargs.update(spectra=spectra, spec_region=footprint & (x < 25), spec_min_fraction=0.5)
    bins = pixbin_glue.bin_data(dc_cube, dc_cube['cube'], SNR, **kwargs)
    direct = pixbin.bin_pixels(cube, SNR, **kwargs)
    live = pixbin_glue.binmap_from_data(bins)
    np.testing.assert_array_equal(live.labels, direct.labels)
    np.testing.assert_allclose(live.flux_err.value, direct.flux_err.value, rtol=1e-12)
    assert (live.nbins_spec, live.covariance) == (direct.nbins_spec, direct.covariance)
    if with_spectra:
        assert direct.nbins_spec > 5 and direct.spec_region.sum() < footprint.sum()
    if covariance is not None:
        assert np.all(direct.eta[direct.npix > 1] > 1)

    restored = GlueUnSerializer.loads(GlueSerializer(dc_cube).dumps()).object('__main__')
    rebuilt = pixbin_glue.binmap_from_data(restored[bins.label])
    assert rebuilt is not live
    if callable(covariance):          # a session keeps the eta of each bin, as a file does
        assert isinstance(rebuilt.covariance, pixbin._covariance.TabulatedCovariance)
    assert_same_binmap(rebuilt, live)

    # the exporter writes what BinMap.write writes, before and after the session
    live.write(tmp_path / 'direct.fits')
    write_binmap_data(str(tmp_path / 'live.fits'), bins)
    write_binmap_data(str(tmp_path / 'restored.fits'), restored[bins.label])
    header = fits.getheader(tmp_path / 'restored.fits')
    assert header['PBCOVAR'] == {None: 'none', 1.62: 'alpha'}.get(covariance, 'table')
    eta = fits.getdata(tmp_path / 'restored.fits', 'BINS')['ETA']
    np.testing.assert_array_equal(eta, live.eta)
    for name in ('live.fits', 'restored.fits'):
        assert_same_binmap(pixbin.read_binmap(tmp_path / name),
                           pixbin.read_binmap(tmp_path / 'direct.fits'))
        written, expected = (_without_checksums(tmp_path / n) for n in (name, 'direct.fits'))
        assert len(written) == len(expected)
        for i, (hdu, hdu0) in enumerate(zip(written, expected)):
            assert hdu[0] == hdu0[0], f'{name}, HDU {i}: header'
            assert hdu[1] == hdu0[1], f'{name}, HDU {i}: data'


def _without_checksums(path):
    """The HDUs of a file: header cards but CHECKSUM and DATASUM, and data bytes."""
    with fits.open(path) as hdul:
        return [([card.image for card in hdu.header.cards
                  if card.keyword not in ('CHECKSUM', 'DATASUM')],
                 None if hdu.data is None else np.asarray(hdu.data).tobytes())
                for hdu in hdul]


def _older_session(bins, exact_in_meta):
    """
    ``bins`` as an older pixbin_glue made it: plain glue components (saved as
    whole arrays), with the exact state in ``meta['pixbin_exact']`` or without it.
    """
    from glue.core import Component, Data, DataCollection
    old = Data(label=bins.label, coords=bins.coords)
    for cid in bins.main_components:
        component = bins.get_component(cid)
        old.add_component(Component(np.array(component.data), units=component.units), cid.label)
    old.meta.update(bins.meta)
    if exact_in_meta:
        old.meta['pixbin_exact'] = dict(bins.get_component('bin').exact)
        old.meta['pixbin_exact'].pop('spec_labels', None)    # read from the spec_bin component
    return DataCollection([old])


@pytest.mark.parametrize('with_spectra', [False, True], ids=['photometry', 'spectra'])
def test_session_saved_with_the_exact_state_in_meta(dc_cube, mock, with_spectra):
    """Sessions of the previous pixbin_glue: meta['pixbin_exact'] and whole arrays."""
    from glue.core.state import GlueSerializer, GlueUnSerializer
    from pixbin_glue_helpers import BIN_KW, SNR
    assert_same_binmap = _helpers()
    kwargs = dict(BIN_KW, covariance=eta_sqrt)
    if with_spectra:
        kwargs.update(spectra=mock[1], spec_region=mock[2], spec_min_fraction=0.5)
    bins = pixbin_glue.bin_data(dc_cube, dc_cube['cube'], SNR, **kwargs)
    dc = _older_session(bins, exact_in_meta=True)
    restored = GlueUnSerializer.loads(GlueSerializer(dc).dumps()).object('__main__')
    data = restored[bins.label]
    assert type(data.get_component('bin')).__name__ == 'Component'
    assert_same_binmap(pixbin_glue.binmap_from_data(data), pixbin_glue.binmap_from_data(bins))


def test_session_saved_by_an_older_pixbin_glue(binned):
    """Without the exact state: the flux from the components, no covariance."""
    from glue.core.state import GlueSerializer, GlueUnSerializer
    dc, cube, bins, direct = binned
    restored = GlueUnSerializer.loads(
        GlueSerializer(_older_session(bins, exact_in_meta=False)).dumps()).object('__main__')
    rebuilt = pixbin_glue.binmap_from_data(restored['cube_bins'])
    np.testing.assert_allclose(rebuilt.flux.value, direct.flux.value, rtol=1e-12)
    assert rebuilt.covariance is None and rebuilt.spectra is None


@pytest.mark.parametrize('where', ['component', 'meta'])
@pytest.mark.parametrize('edit, match', [
    (lambda state: state.update(flux=np.ones(3)), r"does not describe its \d+ bins and 12 "
                                                  r"bands \(ValueError"),
    (lambda state: state.update(covariance='maybe'), r"unknown covariance 'maybe'"),
    (lambda state: state.pop('flux_err'), r"\(KeyError: 'flux_err'\)"),
    (lambda state: state.update(flux_err=-state['flux_err']),
     r"dataset 'cube_bins' is not a consistent bin map: flux_err must be >= 0"),
])
def test_damaged_exact_state_is_refused(binned, edit, match, where):
    from glue.core.state import GlueSerializer, GlueUnSerializer
    dc, cube, bins, direct = binned
    if where == 'meta':
        dc = _older_session(bins, exact_in_meta=True)
    restored = GlueUnSerializer.loads(GlueSerializer(dc).dumps()).object('__main__')
    data = restored['cube_bins']
    if where == 'meta':
        state, prefix = data.meta['pixbin_exact'], r"meta\['pixbin_exact'\] "
    else:
        state, prefix = data.get_component('bin').exact, r"the exact state of its 'bin' component "
    edit(state)
    with pytest.raises(ValueError, match=match):
        pixbin_glue.binmap_from_data(data)
    if 'describe' in match:
        with pytest.raises(ValueError, match=f"dataset 'cube_bins': {prefix}does not describe"):
            pixbin_glue.binmap_from_data(data)


@pytest.mark.parametrize('mask, expected', [(0o022, 0o644), (0o077, 0o600)])
def test_glue_outputs_honour_the_umask(binned, tmp_path, mask, expected):
    """The exporter's FITS file and the region files get 0o666 & ~umask, not 0o600."""
    import os
    import stat

    from pixbin_glue._register import write_binmap_data
    dc, cube, bins, direct = binned
    group = dc.new_subset_group('two bins', pixbin_glue._binmap_data.bins_subset_state(
        bins, [1, 2]))
    old = os.umask(mask)
    try:
        write_binmap_data(str(tmp_path / 'bins.fits'), bins)
        pixbin_glue.write_subset_regions(group, tmp_path / 'bins.reg')
        pixbin_glue.write_subset_regions(group, tmp_path / 'bins.crtf')
    finally:
        os.umask(old)
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in tmp_path.iterdir()}
    assert modes == {name: oct(expected) for name in ('bins.fits', 'bins.reg', 'bins.crtf')}
