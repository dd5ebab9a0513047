# Licensed under a 3-clause BSD style license - see LICENSE
"""bin_data: the bin-map dataset, its links, and selections of whole bins."""


import astropy.units as u
import numpy as np
import pytest

import pixbin

pytest.importorskip('glue')
pytest.importorskip('glue_astronomy')

from glue.core import Data, DataCollection  # noqa: E402
from glue.core.link_helpers import LinkSame  # noqa: E402

import pixbin_glue  # noqa: E402
from pixbin_glue._binmap_data import bins_subset_state  # noqa: E402
from pixbin_glue_helpers import BIN_KW, SNR, glue_cube  # noqa: E402


def _pairs(dc):
    """The (cid, cid) pairs of the LinkSame links of a collection."""
    return {(link.cids1[0], link.cids2[0]) for link in dc.external_links
            if isinstance(link, LinkSame)}


def test_bin_data_adds_the_bin_map(binned):
    dc, cube, bins, direct = binned
    assert bins in dc and bins.label == 'cube_bins'
    assert bins.shape == direct.shape
    labels = bins.get_data(bins.id['bin'])
    np.testing.assert_array_equal(labels, direct.labels)
    np.testing.assert_array_equal(bins.get_data(bins.id['npix']),
                                  direct.pixel_map(direct.npix, fill_value=0))
    unit = direct.flux.unit.to_string()
    for i, band in enumerate(direct.band_names):
        mean = bins.get_data(bins.id[f'mean_flux_{band}'])
        np.testing.assert_allclose(mean, direct.pixel_map(direct.mean_flux[:, i].value),
                                   rtol=1e-12)
        assert bins.get_component(f'mean_flux_{band}').units == unit
        np.testing.assert_allclose(bins.get_data(bins.id[f'snr_{band}']),
                                   direct.pixel_map(direct.snr[:, i]), rtol=1e-12)
    # the summed flux of a bin is mean * npix; unbinned pixels are NaN
    b = 7
    pix = labels == b
    r = direct.band_names.index('sdss_r')
    mean_r = bins.get_data(bins.id['mean_flux_sdss_r'])
    assert mean_r[pix][0] * pix.sum() == pytest.approx(direct.flux[b - 1, r].value, rel=1e-12)
    assert np.all(np.isnan(mean_r[labels == 0]))
    assert bins.meta['band_names'] == list(direct.band_names)
    assert bins.meta['flux_unit'] == unit
    assert bins.meta['pixbin_parameters']['ref_band'] == 'sdss_r'
    assert bins.meta['pixbin_source'] == 'cube'
    assert bins.coords.wcs.compare(direct.wcs.wcs)


def test_pixel_links_and_bin_component(binned):
    dc, cube, bins, direct = binned
    pairs = _pairs(dc)
    # LinkSame on pixel ids (not WCS): y with y, x with x, and bin with the cube's bin
    assert (bins.pixel_component_ids[0], cube.pixel_component_ids[1]) in pairs
    assert (bins.pixel_component_ids[1], cube.pixel_component_ids[2]) in pairs
    assert (bins.id['bin'], cube.id['bin']) in pairs
    assert len(pairs) == 3
    # the cube's bin component is the label image broadcast, not a copy
    cube_bin = cube.get_component('bin').data
    assert cube_bin.shape == cube.shape and cube_bin.strides[0] == 0
    assert np.shares_memory(cube_bin, bins.get_component('bin').data)
    # glue can now give the bin map's pixel coordinates on the cube
    y = cube[bins.pixel_component_ids[0]]
    np.testing.assert_array_equal(y[5], np.indices(direct.shape)[0])


def test_whole_bins_select_spaxels_on_the_cube(binned):
    dc, cube, bins, direct = binned
    ids = [3, 8, 21]
    group = dc.new_subset_group('three bins', bins_subset_state(bins, ids))
    on_cube = next(s for s in group.subsets if s.data is cube)
    on_bins = next(s for s in group.subsets if s.data is bins)
    expected = np.isin(direct.labels, ids)
    np.testing.assert_array_equal(on_bins.to_mask(), expected)
    mask = on_cube.to_mask()
    assert mask.shape == cube.shape
    np.testing.assert_array_equal(mask, np.broadcast_to(expected, cube.shape))
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(group), ids)
    # a pixel subset drawn on the cube touches bins, which the SED viewer shows
    from glue.core.roi import RectangularROI
    from glue.core.subset import RoiSubsetState
    group.subset_state = RoiSubsetState(cube.pixel_component_ids[2], cube.pixel_component_ids[1],
                                        RectangularROI(9.5, 14.5, 19.5, 23.5))
    touched = np.unique(direct.labels[20:24, 10:15])
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(group), touched[touched > 0])


def test_second_binning_and_other_datasets(binned, mock):
    dc, cube, bins, direct = binned
    image = Data(label='r image', x=mock[0].data[4])          # same grid, 2-D
    elsewhere = Data(label='other grid', x=np.zeros((5, 5)))
    dc.extend([image, elsewhere])
    bins2 = pixbin_glue.bin_data(dc, cube, 5, ref_band='sdss_r', min_diameter=2)
    assert bins2.label == 'cube_bins_2'
    assert 'bin [cube_bins_2]' in [c.label for c in cube.components]
    assert 'bin' in [c.label for c in image.components]
    assert not any(c.label.startswith('bin') for c in elsewhere.components)
    pairs = _pairs(dc)
    assert (bins2.id['bin'], cube.id['bin [cube_bins_2]']) in pairs
    assert (bins2.id['bin'], image.id['bin']) in pairs
    # bin maps share pixel links but never bin numbers
    assert (bins2.pixel_component_ids[0], bins.pixel_component_ids[0]) in pairs
    assert not any(bins.id['bin'] in p and bins2.id['bin'] in p for p in pairs)
    # linking again adds nothing
    assert pixbin_glue.link_binmap(dc, bins2) == []
    state = bins_subset_state(bins2, [1])
    group = dc.new_subset_group('bin 1 of map 2', state)
    on_cube = next(s for s in group.subsets if s.data is cube)
    expected = pixbin_glue.binmap_from_data(bins2).labels == 1
    np.testing.assert_array_equal(on_cube.to_mask()[0], expected)


def test_progress_callable(dc_cube):
    fractions = []
    pixbin_glue.bin_data(dc_cube, dc_cube['cube'], SNR, progress=fractions.append, **BIN_KW)
    assert fractions and fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert fractions == sorted(fractions)


def test_bin_data_errors(dc_cube, mock):
    cube = dc_cube['cube']
    with pytest.raises(TypeError, match='bin_pixels does not accept: colour'):
        pixbin_glue.bin_data(dc_cube, cube, 10, colour='red')
    with pytest.raises(ValueError, match="data 'loose' must be in data_collection"):
        pixbin_glue.bin_data(dc_cube, glue_cube(mock[0], label='loose'), 10)
    with pytest.raises(TypeError, match='data must be a glue Data'):
        pixbin_glue.bin_data(dc_cube, mock[0], 10)
    with pytest.raises(ValueError, match='snr'):
        pixbin_glue.bin_data(dc_cube, cube, [10, 10])
    assert [d.label for d in dc_cube] == ['cube']
    with pytest.raises(ValueError, match="binmap_data must be a pixbin bin-map dataset, got "
                                         "'cube'"):
        pixbin_glue.link_binmap(dc_cube, cube)


def test_spectra_through_glue_astronomy(dc_cube, mock, tmp_path):
    """An IFU cube in glue gives the bins summed spectra and gets a bin component."""
    from regions import CirclePixelRegion, PixCoord, Regions
    _, spectra, footprint = mock
    dc_cube['ifu'] = spectra
    ifu = dc_cube['ifu']
    bins = pixbin_glue.bin_data(dc_cube, dc_cube['cube'], SNR, spectra=ifu, **BIN_KW)
    direct = pixbin.bin_pixels(mock[0], SNR, spectra=spectra, **BIN_KW)
    result = pixbin_glue.binmap_from_data(bins)
    np.testing.assert_array_equal(result.spec_labels, direct.spec_labels)
    np.testing.assert_allclose(result.spectra.flux.to_value(direct.spectra.flux.unit),
                               direct.spectra.flux.value, rtol=1e-10)
    np.testing.assert_array_equal(bins.get_data(bins.id['spec_bin']), direct.spec_labels)
    # the IFU cube (nwave, ny, nx) is on the grid: pixel links and a bin component
    pairs = _pairs(dc_cube)
    assert (bins.id['bin'], ifu.id['bin']) in pairs
    assert (bins.pixel_component_ids[1], ifu.pixel_component_ids[2]) in pairs
    b = int(direct.spec_bin_ids[0])
    group = dc_cube.new_subset_group('one bin', bins_subset_state(bins, [b]))
    on_ifu = next(s for s in group.subsets if s.data is ifu)
    np.testing.assert_array_equal(on_ifu.to_mask()[0], direct.labels == b)
    # the IFU footprint from a ds9 file
    path = tmp_path / 'ifu.reg'
    Regions([CirclePixelRegion(PixCoord(20, 20), 8)]).write(str(path), format='ds9')
    bins2 = pixbin_glue.bin_data(dc_cube, dc_cube['cube'], SNR, spectra=ifu,
                                 spec_region=str(path), **BIN_KW)
    direct2 = pixbin.bin_pixels(mock[0], SNR, spectra=spectra,
                                spec_region=CirclePixelRegion(PixCoord(20, 20), 8), **BIN_KW)
    result2 = pixbin_glue.binmap_from_data(bins2)
    np.testing.assert_array_equal(result2.spec_region, direct2.spec_region)
    assert result2.nbins_spec == direct2.nbins_spec < direct.nbins_spec


def test_binmap_rebuilt_from_components(binned):
    """After a session restore the BinMap is rebuilt from the dataset's components."""
    dc, cube, bins, direct = binned
    bins.get_component('bin').binmap = None     # as after a session restore
    rebuilt = pixbin_glue.binmap_from_data(bins)
    np.testing.assert_array_equal(rebuilt.labels, direct.labels)
    np.testing.assert_allclose(rebuilt.flux.value, direct.flux.value, rtol=1e-12)
    np.testing.assert_allclose(rebuilt.flux_err.value, direct.flux_err.value, rtol=1e-12)
    assert rebuilt.flux.unit == direct.flux.unit
    np.testing.assert_allclose(rebuilt.band_wavelengths.to_value(u.AA),
                               direct.band_wavelengths.to_value(u.AA))
    assert rebuilt.wcs.wcs.compare(direct.wcs.wcs)


def test_glue_session_round_trip(binned):
    """A glue session with a bin map and a whole-bin subset saves and restores."""
    from glue.core.state import GlueSerializer, GlueUnSerializer
    dc, cube, bins, direct = binned
    dc.new_subset_group('bins', bins_subset_state(bins, [2, 5]))
    text = GlueSerializer(dc).dumps()
    restored = GlueUnSerializer.loads(text).object('__main__')
    new_bins, new_cube = restored['cube_bins'], restored['cube']
    assert pixbin_glue.is_binmap_data(new_bins)
    rebuilt = pixbin_glue.binmap_from_data(new_bins)
    np.testing.assert_array_equal(rebuilt.labels, direct.labels)
    np.testing.assert_allclose(rebuilt.flux.value, direct.flux.value, rtol=1e-12)
    group = restored.subset_groups[0]
    np.testing.assert_array_equal(pixbin_glue.bins_in_subset(group), [2, 5])
    on_cube = next(s for s in group.subsets if s.data is new_cube)
    np.testing.assert_array_equal(on_cube.to_mask()[3], np.isin(direct.labels, [2, 5]))


def test_empty_result_is_a_dataset_with_a_warning(dc_cube):
    with pytest.warns(pixbin.PixbinWarning, match='No bin reached'):
        bins = pixbin_glue.bin_data(dc_cube, dc_cube['cube'], 1e6, min_diameter=2)
    assert pixbin_glue.is_binmap_data(bins)
    assert bins.get_data(bins.id['bin']).max() == 0
    assert isinstance(dc_cube, DataCollection)
