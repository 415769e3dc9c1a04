"""Preprocessing: clipping, flattening, folding, median binning and the two views (hand-computed arrays)."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.transits.preprocess import (
    flatten,
    global_view,
    local_view,
    median_bin,
    natural_spline,
    normalize_view,
    phase_fold,
    preprocess,
    robust_std,
    sigma_clip_mask,
    split_segments,
    transit_number,
)


def test_phase_fold_and_transit_number_by_hand():
    t = np.array([0.0, 1.0, 2.4, 2.6, 5.0, 7.4])
    np.testing.assert_allclose(phase_fold(t, 5.0, 0.0), [0.0, 1.0, 2.4, -2.4, 0.0, 2.4])
    np.testing.assert_array_equal(transit_number(t, 5.0, 0.0), [0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="period must be positive"):
        phase_fold(t, 0.0, 0.0)


def test_median_bin_by_hand():
    x = np.arange(10.0)
    y = np.array([1, 3, 5, 5, 2, 8, 0, 0, 7, 1], float)
    values, counts = median_bin(x, y, 5, bin_width=2.0, x_min=0.0, x_max=10.0)
    np.testing.assert_allclose(values, [2.0, 5.0, 5.0, 0.0, 4.0])
    np.testing.assert_array_equal(counts, [2, 2, 2, 2, 2])
    # overlapping bins: width 4, spacing (10 - 4) / 2 = 3 -> [0,4), [3,7), [6,10)
    values, counts = median_bin(x, y, 3, bin_width=4.0, x_min=0.0, x_max=10.0)
    np.testing.assert_allclose(values, [4.0, 3.5, 0.5])
    np.testing.assert_array_equal(counts, [4, 4, 4])
    # unsorted input, an empty bin and a NaN
    xs = np.array([3.5, 0.5, 0.2, np.nan, 3.9])
    ys = np.array([10.0, 1.0, 3.0, 5.0, np.nan])
    values, counts = median_bin(xs, ys, 4, x_min=0.0, x_max=4.0)
    np.testing.assert_allclose(values, [2.0, np.nan, np.nan, 10.0])
    np.testing.assert_array_equal(counts, [2, 0, 0, 1])


def test_median_bin_rejects_bad_arguments():
    x = np.arange(5.0)
    with pytest.raises(ValueError, match="num_bins must be at least 2"):
        median_bin(x, x, 1)
    with pytest.raises(ValueError, match="x_min .* must be less than x_max"):
        median_bin(x, x, 3, x_min=2.0, x_max=1.0)
    with pytest.raises(ValueError, match="bin_width must be in"):
        median_bin(x, x, 3, bin_width=10.0, x_min=0.0, x_max=4.0)
    with pytest.raises(ValueError, match="same length"):
        median_bin(x, x[:3], 3)


def test_normalize_view_by_hand():
    np.testing.assert_allclose(normalize_view([1.0, 2.0, 3.0, 0.0, 2.0]), [-0.5, 0.0, 0.5, -1.0, 0.0])
    np.testing.assert_array_equal(normalize_view(np.ones(4)), np.zeros(4))


def test_global_view_by_hand():
    # period 4, t0 0, 4 bins of width 1 over [-2, 2)
    t = np.array([0.25, 1.25, 2.25, 3.25, 4.25, 5.25, 6.25, 7.25])
    f = np.array([0.0, 5.0, 3.0, 4.0, 2.0, 7.0, 1.0, 6.0])
    # folded: 0.25, 1.25, -1.75, -0.75, 0.25, 1.25, -1.75, -0.75
    raw = global_view(t, f, 4.0, 0.0, num_bins=4, bin_width_factor=0.25, normalize=False)
    np.testing.assert_allclose(raw, [2.0, 5.0, 1.0, 6.0])
    norm = global_view(t, f, 4.0, 0.0, num_bins=4, bin_width_factor=0.25)
    # median 3.5 -> [-1.5, 1.5, -2.5, 2.5] / 2.5
    np.testing.assert_allclose(norm, [-0.6, 0.6, -1.0, 1.0])


def test_local_view_by_hand_and_empty_bins_take_the_median():
    # period 10, duration 1, +-2 durations, 5 bins of width 0.5 durations, spacing 0.875
    # bins: [-2,-1.5), [-1.125,-0.625), [-0.25,0.25), [0.625,1.125), [1.5,2)
    t = np.array([-1.8, -1.0, -0.1, 0.1, 0.7, 1.9, 4.0]) + 20.0
    f = np.array([1.0, 2.0, -4.0, -2.0, 3.0, 5.0, 100.0])
    raw = local_view(t, f, 10.0, 20.0, 1.0, num_bins=5, bin_width_factor=0.5, num_durations=2, normalize=False)
    np.testing.assert_allclose(raw, [1.0, 2.0, -3.0, 3.0, 5.0])
    # remove the point in bin 1: it falls back to the median of all flux (2.0)
    keep = np.arange(7) != 1
    raw2 = local_view(t[keep], f[keep], 10.0, 20.0, 1.0, num_bins=5, bin_width_factor=0.5, num_durations=2,
                      normalize=False)
    np.testing.assert_allclose(raw2, [1.0, np.median(f[keep]), -3.0, 3.0, 5.0])
    with pytest.raises(ValueError, match="duration must be positive"):
        local_view(t, f, 10.0, 20.0, 0.0)


def test_view_lengths_and_transit_at_centre(rng):
    t = np.arange(0, 90, 0.0204)
    f = 1 + 1e-4 * rng.standard_normal(len(t))
    f[np.abs(phase_fold(t, 3.3, 1.1)) < 0.05] -= 2e-3
    g = global_view(t, f, 3.3, 1.1)
    loc = local_view(t, f, 3.3, 1.1, 0.1)
    assert g.shape == (2001,) and loc.shape == (201,)
    assert g.min() == -1.0 and np.all(g[1000 - 25 : 1000 + 26] < -0.8)  # +-0.05 d = +-30 bins
    assert abs(np.median(g)) < 1e-12
    assert np.all(loc[95:106] < -0.8) and np.all(np.abs(loc[:60]) < 0.2)


def test_sigma_clip_removes_only_upward_outliers(rng):
    f = 1 + 1e-3 * rng.standard_normal(500)
    f[10] += 0.05  # cosmic ray
    f[20] -= 0.05  # a deep transit point: must stay
    f[30] = np.nan
    keep = sigma_clip_mask(f, sigma_upper=5)
    assert not keep[10] and keep[20] and not keep[30]
    assert keep.sum() >= 495
    assert abs(robust_std(1e-3 * rng.standard_normal(20000)) - 1e-3) < 3e-5


def test_split_segments():
    t = np.array([0.0, 0.1, 0.2, 2.0, 2.1, 5.0])
    assert split_segments(t, 0.75) == [slice(0, 3), slice(3, 5), slice(5, 6)]


def test_natural_spline_matches_scipy_per_segment(rng):
    from scipy.interpolate import CubicSpline

    xa, xb = np.sort(rng.uniform(0, 10, 7)), np.sort(rng.uniform(20, 30, 5))
    ya, yb = rng.standard_normal(7), rng.standard_normal(5)
    ta, tb = np.linspace(xa[0], xa[-1], 40), np.linspace(xb[0] - 0.2, xb[-1] + 0.2, 30)
    got = natural_spline(np.r_[xa, xb], np.r_[ya, yb], np.r_[np.zeros(7, int), np.ones(5, int)],
                         np.r_[ta, tb], np.r_[np.zeros(40, int), np.ones(30, int)])
    ref = np.r_[CubicSpline(xa, ya, bc_type="natural")(ta), CubicSpline(xb, yb, bc_type="natural")(tb)]
    np.testing.assert_allclose(got, ref, atol=1e-10)


def test_flatten_removes_rotation_and_keeps_the_transit(rng):
    t = np.arange(0, 60, 0.0204336)
    t = t[(t < 20) | (t > 21.5)]  # a downlink gap
    spots = 5e-3 * np.sin(2 * np.pi * t / 9.0)
    in_tr = np.abs(phase_fold(t, 4.1, 1.3)) < 0.06
    f = (1 + spots) * (1 - 1e-3 * in_tr) + 2e-4 * rng.standard_normal(len(t))
    flat, trend = flatten(t, f, window_days=1.0)
    out = ~in_tr
    assert np.std(flat[out] - 1) < 2.6e-4  # rotation (5e-3 amplitude) removed down to the noise
    depth = np.median(flat[out]) - np.median(flat[in_tr])
    assert abs(depth - 1e-3) < 1.5e-4  # transit preserved
    # inside each segment the trend follows the spots; in the last half-window before a gap or an end the
    # natural spline extrapolates and is looser (a known weakness of every spline flattener)
    edge = (t < 0.5) | ((t > 19.5) & (t < 22.0)) | (t > t[-1] - 0.5)
    # (with the transits masked from the fit, as the pipeline does once it knows the ephemeris)
    _, trend = flatten(t, f, window_days=1.0, mask=~in_tr)
    np.testing.assert_allclose(trend[~edge], 1 + spots[~edge], atol=2.5e-4)  # 5 % of the spot amplitude
    np.testing.assert_allclose(trend[edge], 1 + spots[edge], atol=1e-3)
    with pytest.raises(ValueError, match="sorted"):
        flatten(t[::-1], f)


def test_preprocess_returns_both_views(rng):
    t = np.arange(0, 90, 0.0204336)
    f = (1 + 3e-3 * np.sin(t / 2)) * (1 - 2e-3 * (np.abs(phase_fold(t, 5.0, 2.0)) < 0.06))
    f = f + 1e-4 * rng.standard_normal(len(t))
    g, loc = preprocess(t, f, 5.0, 2.0, 0.12)
    assert g.shape == (2001,) and loc.shape == (201,)
    assert loc[100] < -0.9 and g[1000] < -0.9


def test_bic_window_is_short_for_fast_rotators_and_long_for_quiet_stars(rng):
    from coursekit.transits.preprocess import choose_flatten_window

    t = np.arange(0, 40, 0.0204336)
    noise = 2e-4 * rng.standard_normal(len(t))
    quiet = choose_flatten_window(t, 1 + noise)
    fast = choose_flatten_window(t, 1 + 5e-3 * np.sin(2 * np.pi * t / 2.0) + noise)
    assert quiet == 4.0  # nothing to follow: the fewest knots win
    assert fast <= 0.75  # a 2-day rotation needs knots closer than a day
