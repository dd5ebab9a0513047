# Licensed under a 3-clause BSD style license - see LICENSE
"""
Properties of the binning that hold on any data (hypothesis).

Each test draws small random cubes (1-4 bands, up to 7 x 7 pixels, integer
values with many ties or continuous values, NaN, masked and infinite-noise
pixels) and random parameters, bins them with `bin_pixels` (or `sed_greedy`),
and checks what the documentation promises, with sums computed here in plain
numpy.  The examples are reproducible (the ``ci`` profile of conftest.py).
"""

import os
import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.nddata import NDData, StdDevUncertainty
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal
from pixbin_test_helpers import default_first_pass, default_stages
from reference_greedy import reference_greedy
from reference_relax import reference_relax
from scipy import ndimage

from pixbin import PixbinWarning, bin_pixels
from pixbin.binning import bin_arrays, sed_greedy

# Examples per property: sized so that this module runs in ~20 s on 2 cores.  To
# hunt for failures: HYPOTHESIS_PROFILE=explore PIXBIN_EXAMPLES=2000 pytest ...
EXAMPLES = int(os.environ.get('PIXBIN_EXAMPLES', 120))

# Values with many exact ties (small integers) or continuous ones (rounded to
# 1e-6, so that scaling by 2**k never makes them subnormal).
TIED = st.integers(-3, 12).map(float)
CONTINUOUS = st.floats(-5.0, 40.0, allow_nan=False).map(lambda v: round(v, 6))
NOISE = st.sampled_from([0.25, 0.5, 1.0, 2.0])


@st.composite
def fluxes(draw, shape):
    """
    Fluxes drawn value by value (ties, continuous), or faint random ones (S/N ~ 1
    per pixel, from a drawn seed): bins of several pixels that stop close to
    the threshold, which hypothesis's simple values rarely give.
    """
    kind = draw(st.sampled_from(['tied', 'continuous', 'faint']))
    if kind == 'faint':
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        return np.round(rng.uniform(-1.5, 3.0, shape), 6)
    return draw(hnp.arrays(np.float64, shape, elements=TIED if kind == 'tied' else CONTINUOUS))


@st.composite
def cases(draw, max_side=7, max_bands=4, invalid=True):
    """A cube (flux, std, mask) with its parameters for `bin_pixels`."""
    nbands = draw(st.integers(1, max_bands))
    ny = draw(st.integers(1, max_side))
    nx = draw(st.integers(1, max_side))
    shape = (nbands, ny, nx)
    flux = draw(fluxes(shape))
    std = draw(hnp.arrays(np.float64, shape, elements=NOISE))
    mask = np.zeros((ny, nx), bool)
    if invalid:
        kinds = hnp.arrays(np.int8, (ny, nx), elements=st.sampled_from([0] * 6 + [1, 2, 3]))
        kind = draw(kinds)
        band = draw(st.integers(0, nbands - 1))
        flux[band][kind == 1] = np.nan          # NaN in one band
        std[band][kind == 2] = np.inf           # no measurement (inverse variance 0)
        mask[kind == 3] = True                  # masked, with a bad uncertainty
        std[:, kind == 3] = draw(st.sampled_from([0.0, -1.0, np.nan]))
    params = dict(
        snr=draw(st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.5, 4.0, 7.0]), min_size=nbands,
                          max_size=nbands)),
        ref_band=draw(st.none() | st.integers(0, nbands - 1)),
        min_diameter=draw(st.sampled_from([0.5, 1.0, 2.0, 2.9, 4.0, 5.5])),
        redchi2_limit=draw(st.sampled_from([0.3317, 1.0123, 2.7182, 9.8696, 1e6])),
        sys_err=draw(st.sampled_from([0.0, 0.0, 0.05])),
        strict_min_diameter=draw(st.booleans()),
        covariance=draw(st.sampled_from([None, None, 0.5, 1.62])),
        method=draw(st.sampled_from(['complete', 'greedy'])),
    )
    return flux, std, mask, params


def expected_valid(flux, std, mask):
    """Pixels that may be binned: finite data, finite noise, unmasked, in every band."""
    return np.all(np.isfinite(flux), axis=0) & np.all(np.isfinite(std), axis=0) & ~mask


def run(flux, std, mask, leftovers='unbinned', unit=u.Jy, **params):
    """`bin_pixels` on arrays; returns (binmap, list of warnings), or None if nothing is valid."""
    cube = NDData(flux, unit=unit, uncertainty=StdDevUncertainty(std), mask=mask)
    if not expected_valid(flux, std, mask).any():
        with pytest.raises(ValueError, match='cube has no valid pixel'):
            bin_pixels(cube, leftovers=leftovers, **params)
        return None, []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        bm = bin_pixels(cube, leftovers=leftovers, **params)
    return bm, caught


def eta(alpha, npix):
    return np.ones(np.shape(npix)) if alpha is None else 1 + alpha * np.log10(npix)


def bin_sums(labels, flux, std, alpha):
    """Sum, quadrature sum times eta(npix), and npix of every bin, computed plainly."""
    nbins = labels.max(initial=0)
    total = np.array([flux[:, labels == i].sum(axis=1) for i in range(1, nbins + 1)])
    npix = np.array([np.count_nonzero(labels == i) for i in range(1, nbins + 1)])
    noise = np.array([np.sqrt((std[:, labels == i] ** 2).sum(axis=1))
                      for i in range(1, nbins + 1)])
    total = total.reshape(nbins, flux.shape[0])
    noise = noise.reshape(nbins, flux.shape[0]) * eta(alpha, npix)[:, None]
    return total, noise, npix


def check_snr_reached(total, noise, snr):
    need = np.asarray(snr) > 0
    # The kernel sums in the order pixels join; these sums are in another order.
    assert np.all(total[:, need] > 0)
    assert np.all(total[:, need] >= np.asarray(snr)[need] * noise[:, need] * (1 - 1e-12))


def assert_4_connected(labels):
    for i in range(1, labels.max(initial=0) + 1):
        _, ncomp = ndimage.label(labels == i)     # default structure: 4-connectivity
        assert ncomp == 1, f'bin {i} has {ncomp} parts'


# -- structure of the label image ---------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None)
@given(cases(), st.sampled_from(['unbinned', 'merge']))
def test_labels_numbered_connected_and_only_on_valid_pixels(case, leftovers):
    flux, std, mask, params = case
    bm, caught = run(flux, std, mask, leftovers, **params)
    if bm is None:
        return
    labels = bm.labels
    assert labels.shape == flux.shape[1:] and labels.dtype.kind == 'i'
    assert_array_equal(np.unique(labels[labels > 0]), np.arange(1, bm.nbins + 1))
    assert not np.any(labels[~expected_valid(flux, std, mask)])
    assert bm.meta['nvalid'] == np.count_nonzero(expected_valid(flux, std, mask))
    assert_4_connected(labels)
    # A PixbinWarning if and only if there is no bin, and no other warning.
    assert [type(w.message) for w in caught] == ([PixbinWarning] if bm.nbins == 0 else [])


@settings(max_examples=EXAMPLES, deadline=None)
@given(cases(), st.sampled_from(['unbinned', 'merge']))
def test_flux_is_the_sum_and_error_the_quadrature_sum_times_eta(case, leftovers):
    flux, std, mask, params = case
    bm, _ = run(flux, std, mask, leftovers, **params)
    if bm is None:
        return
    total, noise, npix = bin_sums(bm.labels, flux, std, params['covariance'])
    assert bm.flux.unit == u.Jy and bm.flux_err.unit == u.Jy
    assert bm.flux.shape == bm.flux_err.shape == (bm.nbins, flux.shape[0])
    assert_array_equal(bm.npix, npix)
    scale = np.abs(flux).max(initial=0, where=np.isfinite(flux)) * flux.size
    np.testing.assert_allclose(bm.flux.value, total, rtol=1e-12, atol=1e-13 * scale)
    np.testing.assert_allclose(bm.flux_err.value, noise, rtol=1e-12)
    np.testing.assert_allclose(bm.eta, eta(params['covariance'], npix), rtol=1e-15)


@settings(max_examples=EXAMPLES, deadline=None)
@given(cases())
def test_unbinned_bins_reach_the_threshold_and_follow_the_seed_order(case):
    """
    With leftovers='unbinned' every bin reaches ``snr`` in every band that has one
    (noise times eta), and (method='greedy') bins are numbered in the order of
    their seeds: the brightest pixel of a bin in ``ref_band`` (ties: lowest
    pixel index) is its seed, and bin k's seed comes before bin k + 1's.
    """
    flux, std, mask, params = case
    params = dict(params, method='greedy')
    bm, _ = run(flux, std, mask, **params)
    if bm is None:
        return
    total, noise, _ = bin_sums(bm.labels, flux, std, params['covariance'])
    check_snr_reached(total, noise, params['snr'])
    assert_array_equal(bm.meta['snr'], params['snr'])
    valid = expected_valid(flux, std, mask)
    ref = params['ref_band']
    if ref is None:      # documented: the band with the highest total S/N
        sn = [flux[b][valid].sum() / np.sqrt((std[b][valid] ** 2).sum())
              for b in range(flux.shape[0])]
        ref = int(np.argmax(sn))
    assert bm.meta['ref_band'] == bm.band_names[ref]
    order = np.lexsort((np.arange(valid.size), -flux[ref].ravel()))   # seed order
    rank = np.empty(valid.size, int)
    rank[order] = np.arange(valid.size)
    labels = bm.labels.ravel()
    seeds = [rank[labels == i].min() for i in range(1, bm.nbins + 1)]
    assert np.all(np.diff(seeds) > 0)


@settings(max_examples=EXAMPLES, deadline=None)
@given(cases())
def test_complete_leaves_no_group_that_reaches_the_threshold(case):
    """
    method='complete': every bin reaches the threshold, and no 4-connected
    group of valid unbinned pixels reaches it in every required band (its
    summed flux over its quadrature-summed noise times eta(npix)), checked
    here group by group in plain numpy.
    """
    flux, std, mask, params = case
    params = dict(params, method='complete')
    bm, _ = run(flux, std, mask, **params)
    if bm is None:
        return
    total, noise, _ = bin_sums(bm.labels, flux, std, params['covariance'])
    check_snr_reached(total, noise, params['snr'])
    need = np.asarray(params['snr']) > 0
    free = expected_valid(flux, std, mask) & (bm.labels == 0)
    groups, ngroups = ndimage.label(free)          # 4-connectivity
    for g in range(1, ngroups + 1):
        total, noise, _ = bin_sums((groups == g).astype(int), flux, std, params['covariance'])
        reached = np.all((total[0, need] > 0)
                         & (total[0, need] >= np.asarray(params['snr'])[need] * noise[0, need]
                            * (1 + 1e-12)))
        assert not reached, f'unbinned group {g} reaches the threshold'


@settings(max_examples=EXAMPLES, deadline=None)
@given(cases())
def test_merge_only_adds_reachable_leftovers_to_the_same_bins(case):
    """
    leftovers='merge' (documented: leftovers join the adjacent bin whose SED
    they match best, which may lower that bin's S/N): the same bins, with the
    same pixels, plus exactly the valid unbinned pixels connected to a bin
    through other unbinned pixels; the pixels each bin had before still reach
    the threshold, the merged bin need not.
    """
    flux, std, mask, params = case
    kept, _ = run(flux, std, mask, 'unbinned', **params)
    if kept is None:
        return
    merged, _ = run(flux, std, mask, 'merge', **params)
    assert merged.nbins == kept.nbins
    inside = kept.labels > 0
    assert_array_equal(merged.labels[inside], kept.labels[inside])
    free = expected_valid(flux, std, mask) & ~inside
    parts, nparts = ndimage.label(free)
    touching = np.unique(parts[ndimage.binary_dilation(inside) & free])
    reachable = np.isin(parts, touching[touching > 0])
    assert_array_equal(merged.labels > 0, inside | reachable)
    assert_4_connected(merged.labels)
    total, noise, _ = bin_sums(kept.labels, flux, std, params['covariance'])
    check_snr_reached(total, noise, params['snr'])
    assert merged.meta['leftovers'] == 'merge'


# -- invariances --------------------------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None)
@given(cases(), st.sampled_from(['unbinned', 'merge']))
def test_deterministic(case, leftovers):
    flux, std, mask, params = case
    first, _ = run(flux, std, mask, leftovers, **params)
    if first is None:
        return
    seen = []
    again, _ = run(flux.copy(), std.copy(), mask.copy(), leftovers, progress=seen.append,
                   **params)      # the threaded path with a progress callback
    assert seen[-1] == 1.0
    assert_array_equal(again.labels, first.labels)
    assert_array_equal(again.flux.value, first.flux.value)
    assert_array_equal(again.flux_err.value, first.flux_err.value)


@settings(max_examples=EXAMPLES, deadline=None)
@given(cases(max_side=5), st.sampled_from(['unbinned', 'merge']),
       st.tuples(*[st.integers(0, 3)] * 4), st.sampled_from(['nan', 'mask']))
def test_padding_with_invalid_pixels_changes_nothing(case, leftovers, pad, how):
    """
    Embedding the cube in a larger grid of invalid pixels keeps the order of
    pixel indices, so even with ties the result is the same, bit for bit.
    """
    flux, std, mask, params = case
    bm, _ = run(flux, std, mask, leftovers, **params)
    if bm is None:
        return
    top, bottom, left, right = pad
    widths = ((0, 0), (top, bottom), (left, right))
    big_flux = np.pad(flux, widths, constant_values=np.nan if how == 'nan' else 1.0)
    big_std = np.pad(std, widths, constant_values=1.0)
    big_mask = np.pad(mask, widths[1:], constant_values=how == 'mask')
    big, _ = run(big_flux, big_std, big_mask, leftovers, **params)
    ny, nx = mask.shape
    assert_array_equal(big.labels[top:top + ny, left:left + nx], bm.labels)
    assert not np.any(np.delete(np.delete(big.labels, np.s_[top:top + ny], 0),
                                np.s_[left:left + nx], 1))
    assert_array_equal(big.flux.value, bm.flux.value)
    assert_array_equal(big.flux_err.value, bm.flux_err.value)


@settings(max_examples=EXAMPLES, deadline=None)
@given(cases(max_side=5), st.sampled_from(['unbinned', 'merge']), st.integers(-900, 900))
def test_power_of_two_flux_scale_changes_nothing(case, leftovers, exponent):
    """
    S/N and the shape test do not depend on the flux scale; scaling flux and
    noise by 2**k is exact in floating point, so the bins are identical and the
    binned values scale exactly, from 2**-900 (1e-271) to 2**900 (1e271).
    """
    flux, std, mask, params = case
    bm, _ = run(flux, std, mask, leftovers, **params)
    if bm is None:
        return
    scale = 2.0 ** exponent
    scaled, caught = run(flux * scale, std * scale, mask, leftovers, **params)
    assert [type(w.message) for w in caught] == ([PixbinWarning] if bm.nbins == 0 else [])
    assert_array_equal(scaled.labels, bm.labels)
    assert scaled.meta['ref_band'] == bm.meta['ref_band']
    assert_array_equal(scaled.flux.value, bm.flux.value * scale)
    assert_array_equal(scaled.flux_err.value, bm.flux_err.value * scale)


SYMMETRIES = {
    'flip_y': lambda a: a[..., ::-1, :],
    'flip_x': lambda a: a[..., :, ::-1],
    'transpose': lambda a: np.swapaxes(a, -1, -2),
    'rotate': lambda a: np.rot90(a, axes=(-2, -1)),
}


@st.composite
def tie_free_cases(draw):
    """Distinct reference-band fluxes, and parameters under which nothing else ties."""
    nbands = draw(st.integers(1, 3))
    ny, nx = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    flux = draw(hnp.arrays(np.float64, (nbands, ny, nx), elements=CONTINUOUS))
    flux[0] = np.reshape(draw(st.permutations(range(ny * nx))), (ny, nx)) * 1.5 - 4.0
    std = draw(hnp.arrays(np.float64, flux.shape, elements=NOISE))
    return flux, std, dict(
        snr=0.0, ref_band=0, min_diameter=draw(st.sampled_from([1.0, 2.0, 3.0, 4.5, 7.0])),
        redchi2_limit=draw(st.sampled_from([0.3317, 2.7182])),
        # with several bands, the core test of a non-strict core depends on the
        # order in which equidistant pixels join: only a strict core is tie-free
        strict_min_diameter=draw(st.just(True) if nbands > 1 else st.booleans()))


@settings(max_examples=EXAMPLES, deadline=None)
@given(tie_free_cases(), st.sampled_from(sorted(SYMMETRIES)),
       st.sampled_from(['greedy', 'complete']))
def test_symmetric_input_gives_the_symmetric_result_when_nothing_ties(case, name, method):
    """
    Ties (equal reference fluxes, and equidistant pixels while a bin grows) are
    broken by pixel index, which a flip or a rotation reorders, so in general
    a flipped cube does not give the flipped bins.  What is guaranteed: when
    no decision depends on a tie, the bins are equivariant.  That is the case
    for distinct reference fluxes with no S/N requirement and a strict core
    (or a single band), where each bin is the free part of the core disc of
    its seed connected to the seed.

    The default method's relaxation step sweeps the pixels in index order,
    so the guarantee holds for its bins before that step (and for the
    relaxed bins the sweep order decides where two moves compete).
    """
    flux, std, params = case
    transform = SYMMETRIES[name]

    def bins(flux, std):
        cube = NDData(flux, unit=u.Jy, uncertainty=StdDevUncertainty(std))
        result, stages = default_stages(bin_pixels, cube, method=method, **params)
        return stages['complete'] if method == 'complete' else result.labels

    labels = bins(flux, std)
    moved = bins(np.ascontiguousarray(transform(flux)), np.ascontiguousarray(transform(std)))
    assert_array_equal(moved, transform(labels))


@settings(max_examples=EXAMPLES, deadline=None)
@given(cases(max_side=9), st.sampled_from(['unbinned', 'merge']))
def test_a_row_and_a_column_give_the_same_bins(case, leftovers):
    """A 1 x N strip and its N x 1 transpose have the same pixel order: same bins, ties and all."""
    flux, std, mask, params = case
    row = np.s_[:, :1, :]
    flux, std, mask = flux[row], std[row], mask[:1]
    bm, _ = run(flux, std, mask, leftovers, **params)
    if bm is None:
        return
    column, _ = run(np.swapaxes(flux, 1, 2).copy(), np.swapaxes(std, 1, 2).copy(), mask.T.copy(),
                    leftovers, **params)
    assert_array_equal(column.labels, bm.labels.T)
    assert_array_equal(column.flux.value, bm.flux.value)


# -- the numba kernel against the plain-Python statement of the algorithm -----------------


@st.composite
def kernel_cases(draw, max_side=6):
    nbands = draw(st.integers(1, 4))
    ny, nx = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    shape = (nbands, ny, nx)
    flux = draw(fluxes(shape))
    var = draw(hnp.arrays(np.float64, shape, elements=NOISE.map(lambda s: s * s)))
    valid = draw(hnp.arrays(np.bool_, (ny, nx), elements=st.sampled_from([True] * 5 + [False])))
    return flux, var, valid, dict(
        snr=np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 2.5, 4.0, 7.0]),
                                   min_size=nbands, max_size=nbands))),
        ref_band=draw(st.integers(0, nbands - 1)),
        min_diameter=draw(st.sampled_from([0.5, 1.0, 2.0, 2.9, 4.0])),
        redchi2_limit=draw(st.sampled_from([0.3317, 1.0123, 2.7182, 9.8696])),
        strict=draw(st.booleans()), sys_err=draw(st.sampled_from([0.0, 0.05, 0.2])),
        leftovers=draw(st.sampled_from(['unbinned', 'merge'])))


@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(kernel_cases())
def test_kernel_matches_reference(case):
    flux, var, valid, p = case
    labels = sed_greedy(flux, var, p['snr'], valid=valid, ref_band=p['ref_band'],
                        min_diameter=p['min_diameter'], redchi2_limit=p['redchi2_limit'],
                        strict_min_diameter=p['strict'], sys_err=p['sys_err'],
                        leftovers=p['leftovers'])
    expected = reference_greedy(flux, var, p['snr'], valid, p['ref_band'], p['min_diameter'],
                                p['redchi2_limit'], strict=p['strict'], sys_err=p['sys_err'],
                                leftovers=p['leftovers'])
    assert_array_equal(labels, expected)


@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(kernel_cases())
def test_default_growth_matches_reference(case):
    """The default's greedy pass (centroid order beyond the core) against the reference."""
    flux, var, valid, p = case
    with np.errstate(invalid='ignore'):
        error = np.sqrt(var)
    _, first = default_first_pass(bin_arrays, flux, error, p['snr'], valid=valid,
                                  ref_band=p['ref_band'], min_diameter=p['min_diameter'],
                                  redchi2_limit=p['redchi2_limit'],
                                  strict_min_diameter=p['strict'], sys_err=p['sys_err'])
    expected = reference_greedy(flux, var, p['snr'], valid, p['ref_band'], p['min_diameter'],
                                p['redchi2_limit'], strict=p['strict'], sys_err=p['sys_err'],
                                centroid=True)
    assert_array_equal(first, expected)


@settings(max_examples=2 * EXAMPLES, deadline=None)
@given(kernel_cases(max_side=12))
def test_relaxation_matches_reference(case):
    """The default's relaxation step against its plain-Python statement."""
    flux, var, valid, p = case
    with np.errstate(invalid='ignore'):
        error = np.sqrt(var)
    result, stages = default_stages(bin_arrays, flux, error, p['snr'], valid=valid,
                                    ref_band=p['ref_band'], min_diameter=p['min_diameter'],
                                    redchi2_limit=p['redchi2_limit'],
                                    strict_min_diameter=p['strict'], sys_err=p['sys_err'])
    expected = reference_relax(flux, var, stages['complete'], p['snr'], valid,
                               p['min_diameter'], p['redchi2_limit'], p['sys_err'])
    assert_array_equal(result.labels, expected)


def test_identical_sed_shapes_match_at_any_snr():
    """Pixels whose SEDs are exact multiples of one SED always pass the shape test."""
    rng = np.random.default_rng(1)
    sed = np.array([1.0, 2.3, 0.7, 1.9])
    flux = sed[:, None, None] * rng.uniform(1, 2, size=(1, 10, 10))
    for snr in (1e4, 1e8):
        var = (flux / snr) ** 2
        expected = reference_greedy(flux, var, np.zeros(4), np.ones((10, 10), bool), 0, 30.0,
                                    1.0)
        assert expected.max() == 1        # the plain statement: one bin
        labels = sed_greedy(flux, var, np.zeros(4), min_diameter=30, redchi2_limit=1.0)
        assert_array_equal(labels, expected)
