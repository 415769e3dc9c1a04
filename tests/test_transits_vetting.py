"""Vetting features, the calibrating vetter, the non-planet kinds of the simulator, and the search census."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coursekit.transits.baseline import period_doubling_chi2, vetting_statistics
from coursekit.transits.preprocess import phase_fold
from coursekit.transits.simulate import SimulationConfig, heartbeat_signal, simulate_lightcurves, variability_tce
from coursekit.transits.vetting import FEATURES, Vetter, max_duration_solar, vetting_features, view_features


def _box(rng, period=3.0, t0=0.5, duration=0.12, depth=1e-3, sigma=2e-4, days=60.0, odd_depth=None, odd_dur=None):
    t = np.arange(0, days, 0.0204336)
    f = 1 + sigma * rng.standard_normal(len(t))
    ph = phase_fold(t, period, t0)
    odd = (np.floor((t - t0) / period + 0.5) % 2) == 1
    d = np.where(odd, depth if odd_depth is None else odd_depth, depth)
    w = np.where(odd, duration if odd_dur is None else odd_dur, duration)
    f[np.abs(ph) < w / 2] -= d[np.abs(ph) < w / 2]
    return t, f


def test_max_duration_of_the_earth_and_a_hot_jupiter():
    # Earth around the Sun: ~13 h; a/R* = 4.206 P^(2/3) is 215 at one year
    assert max_duration_solar(365.25, 84e-6) * 24 == pytest.approx(13.0, rel=0.03)
    assert 4.206 * 365.25 ** (2 / 3) == pytest.approx(215.0, rel=0.01)
    # P = 3 d, k = 0.1: T = 3/pi * asin(1.1 / 8.75) = 0.3013 d
    assert max_duration_solar(3.0, 0.01) == pytest.approx(3 / np.pi * np.arcsin(1.1 / (4.206 * 3 ** (2 / 3))))


def test_period_doubling_sees_unequal_events(rng):
    same = _box(rng)
    deeper = _box(rng, odd_depth=2e-3)
    longer = _box(rng, odd_dur=0.2)  # equal depths, unequal durations: what a depth test alone misses
    chi = [period_doubling_chi2(t, f, 3.0, 0.5, 0.12, 2e-4) for t, f in (same, deeper, longer)]
    assert chi[0] == pytest.approx(1.0, abs=0.6)
    assert chi[1] > 20 and chi[2] > 5
    # by hand: two events per parity of one cadence each in one bin
    t = np.array([0.0, 1.0, 2.0, 3.0])
    f = np.array([0.999, 0.998, 0.999, 0.998])
    assert period_doubling_chi2(t, f, 1.0, 0.0, 0.5, 1e-3, n_bins=1) == pytest.approx(1e-6 / (1e-6 * 1.0))
    st = vetting_statistics(*deeper, 3.0, 0.5, 0.12)
    assert st.period_doubling_chi2 > 20 and "period_doubling_chi2" in st.to_dict()


def test_view_features_of_box_vee_and_heartbeat():
    x = np.linspace(-3.92, 3.92, 201)
    box = -(np.abs(x) < 0.5).astype(float)
    vee = -np.clip(1 - np.abs(x) / 0.5, 0, 1)
    beat = box + 0.8 * np.exp(-((x - 1.5) ** 2) / 0.1)
    g = np.zeros((3, 2001))
    g[:, 995:1006] = -1
    g[2, ::50] += 0.5  # a wavy global view
    feats = view_features(g, np.stack([box, vee, beat]), np.full(3, 0.01))
    assert feats["shape_v"][0] == pytest.approx(0.0, abs=1e-9)
    # V: inner tenth averages 1 - 0.05 = 0.95 deep, the inner 80 % (|x| <= 0.4) 1 - 0.4 = 0.6 deep
    assert feats["shape_v"][1] == pytest.approx(1 - 0.6 / 0.95, abs=0.05)
    assert feats["brightening"][2] > 0.5 > feats["brightening"][0] + 0.4
    assert feats["scatter"][0] == 0.0 and feats["scatter"][2] == 0.0  # MAD ignores 1 in 50; robust by design


def test_vetting_features_matrix_and_errors():
    vet = {"snr": [20.0], "depth": [1e-3], "odd_even_sigma": [0.5], "secondary_sigma": [-1.0],
           "period_doubling_chi2": [1.2]}
    g, loc = np.zeros((1, 2001)), np.zeros((1, 201))
    x = vetting_features(vet, g, loc, [3.0], [0.12], [2.0])
    assert x.shape == (1, len(FEATURES)) and np.isfinite(x).all()
    row = dict(zip(FEATURES, x[0]))
    assert row["cnn_logit"] == 2.0 and row["log_snr"] == pytest.approx(np.log(20))
    assert row["secondary"] == 0.0 and row["period_doubling"] == pytest.approx(np.log(2.2))
    assert row["duration_ratio"] == pytest.approx(np.log(0.12 / max_duration_solar(3.0, 1e-3)))
    with pytest.raises(ValueError, match="period_doubling_chi2"):
        vetting_features({k: v for k, v in vet.items() if k != "period_doubling_chi2"}, g, loc, [3.0], [0.12], [0.0])


def test_vetter_recovers_a_logistic_model_and_is_calibrated(rng):
    """Labels drawn from a known logistic model: the fit recovers it and its probabilities match the frequencies."""
    n = 4000
    x = rng.standard_normal((n, 3)) * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0]
    w_true, b_true = np.array([1.5, -0.7, 0.0]), 0.3
    p_true = 1 / (1 + np.exp(-(x @ w_true + b_true)))
    y = (rng.random(n) < p_true).astype(int)
    vet = Vetter(3).fit(x, y, l2=0.0)
    p = vet.predict_proba(x)
    assert np.abs(p - p_true).max() < 0.08
    bins = np.digitize(p, [0.2, 0.4, 0.6, 0.8])
    for b in range(5):
        sel = bins == b
        assert y[sel].mean() == pytest.approx(p[sel].mean(), abs=4 * np.sqrt(0.25 / sel.sum()) + 0.02)
    with pytest.raises(ValueError, match="planets and false positives"):
        Vetter(3).fit(x, np.zeros(n))
    with pytest.raises(ValueError, match=r"features must be \(n, 3\)"):
        Vetter(3).fit(x[:, :2], y)


def test_heartbeat_signal_peaks_at_periastron():
    t = np.linspace(0, 10, 20001)
    sig = heartbeat_signal(t, 10.0, 5.0, 0.6, 0.3, np.radians(80))
    assert np.max(np.abs(sig)) == pytest.approx(1.0)
    # the excursion is concentrated within a tenth of an orbit of periastron (t = 5)
    assert abs(t[np.argmax(np.abs(sig))] - 5.0) < 0.5
    assert np.abs(sig[np.abs(t - 5.0) > 2.0]).max() < 0.2
    # circular, edge-on: 1 - 3 sin^2(nu - omega), two equal dips per orbit, no heartbeat
    circ = heartbeat_signal(t, 10.0, 0.0, 0.0, 0.0, np.pi / 2)
    assert circ.min() == pytest.approx(circ[np.argmin(np.abs(t - 2.5))], abs=1e-6)


def test_variability_tce_of_a_sinusoid():
    t = np.arange(0, 90, 0.0204336)
    p, t0, dur, depth = variability_tce(t, 0.01 * np.sin(2 * np.pi * t / 1.5), 1.5)
    assert p == 1.5 and depth == pytest.approx(0.01, rel=0.01)
    assert np.sin(2 * np.pi * t0 / 1.5) == pytest.approx(-1.0, abs=0.01)  # epoch at the minimum
    assert dur == pytest.approx(0.3)  # 1/3 of the period below half depth, clipped to P/5
    p, _, _, _ = variability_tce(t, 0.01 * np.sin(2 * np.pi * t / 0.3), 0.3)
    assert p == pytest.approx(0.9)  # folded on the smallest multiple reaching the 0.8-d search minimum


def test_variable_star_kinds_get_a_tce_at_their_dip():
    sim = simulate_lightcurves(6, seed=3, config=SimulationConfig(n_quarters=1),
                               kinds=["heartbeat", "spotted", "pulsator"] * 2)
    p = sim.params
    assert set(p["label"]) == {0}
    assert np.all(p["tce_period"] >= 0.8) and np.all((p["tce_duration"] >= 1.5 / 24) & (p["tce_duration"] <= 0.5))
    for i in range(6):
        t, f = sim.lightcurve(i)
        assert np.std(f) > 0
        if p["kind"][i] == "spotted":
            assert 0.5 <= p["p_rot"][i] <= 5 and p["spot_amp"][i] >= 3e-3


def test_census_counts_each_kind():
    from coursekit.transits.experiment import SearchCensus, search_census

    c = SearchCensus(np.array(["planet", "planet", "eb", "eb"]), {"cnn": np.array([0.9, np.nan, 0.6, 0.1]),
                                                                  "other": np.array([0.1, 0.2, 0.3, 0.4])}, 1.0)
    assert c.above("planet").value == 0.5 and c.above("eb").value == 0.5
    assert c.above("eb").err == pytest.approx(np.sqrt(max(0.25, 1 / 2) / 2))  # binomial_err with its 1/n floor
    assert c.above("planet", "other").value == 0.0
    assert "cnn:     planet" in c.table() and "not scored 1" in c.table()
    with pytest.raises(ValueError, match="no simulated 'quiet'"):
        c.above("quiet")
    run = search_census(None, n_per_kind=1, kinds=("heartbeat",), progress=False)
    assert list(run.kind) == ["heartbeat"] and np.isnan(run.scores["model"]).all()  # no model: nothing scored
    with pytest.raises(ValueError, match="n_per_kind"):
        search_census(None, n_per_kind=0)


def test_calibrated_model_round_trips_and_needs_features(tmp_path, rng):
    """calibrate() adds a vetter that the model file keeps; score_views then needs each TCE's vetting features."""
    from coursekit.transits.config import CNNConfig
    from coursekit.transits.model import TransitCNN, calibrate, load_model, predict_proba, save_model, score_views
    from coursekit.transits.simulate import TransitDataset

    n = 40
    label = np.arange(n) % 2
    g = 0.05 * rng.standard_normal((n, 2001))
    loc = 0.05 * rng.standard_normal((n, 201))
    loc[:, 95:106] -= 1
    vet = {"snr": 10 + 5 * rng.random(n), "depth": np.where(label == 1, 1e-3, 2e-2),
           "odd_even_sigma": np.where(label == 1, 0.5, 6.0) + rng.random(n), "secondary_sigma": rng.random(n),
           "period_doubling_chi2": 1 + rng.random(n)}
    ds = TransitDataset(g.astype(np.float32), loc.astype(np.float32), label.astype(np.int64),
                        {"tce_period": np.full(n, 3.0), "tce_duration": np.full(n, 0.12)}, vet)
    model = calibrate(TransitCNN(("global", "local"), CNNConfig(global_channels=(2,), local_channels=(2,), fc=(4,))),
                      ds)
    p = predict_proba(model, ds)
    assert np.mean((p >= 0.5) == (label == 1)) > 0.9  # the odd/even feature separates the toy classes
    save_model(model, tmp_path / "vetted.pt")
    again = load_model(tmp_path / "vetted.pt")
    np.testing.assert_allclose(predict_proba(again, ds), p, atol=1e-6)
    one = {k: v[:1] for k, v in vet.items()}
    np.testing.assert_allclose(score_views(again, g[:1], loc[:1], vetting=one, period=3.0, duration=0.12), p[:1],
                               atol=1e-6)
    with pytest.raises(ValueError, match="vetting features"):
        score_views(again, g[:1], loc[:1])


@pytest.mark.slow
def test_search_examples_label_the_recovered_planet_and_calibrate_a_vetter():
    """search_examples labels the TCE at the simulated planet's period 1 and every other TCE 0; a vetter fitted on
    them scores through score_views exactly as on the features candidate_features computes."""
    from coursekit.transits.config import CNNConfig
    from coursekit.transits.experiment import recovers_period, search_examples
    from coursekit.transits.model import TransitCNN, calibrate, candidate_features, score_views

    ex = search_examples(2, kinds=("planet", "eb"), seed=5, progress=False)
    assert len(ex) == len(ex.label) == len(ex.kind) and ex.seconds > 0
    assert all(c.is_tce and c.global_view is not None for c in ex.candidates)
    assert np.all(ex.label[ex.kind == "eb"] == 0)
    assert ex.label.sum() >= 1  # a planet of this seed is found and labelled
    for c, lab, kind, period in zip(ex.candidates, ex.label, ex.kind, ex.star_period):
        assert lab == (kind == "planet" and recovers_period(c, period))
    assert recovers_period(ex.candidates[0], 2 * ex.candidates[0].signal.period * 1.005)  # half the period, 0.5 %
    assert not recovers_period(ex.candidates[0], 3 * ex.candidates[0].signal.period)
    torch.manual_seed(0)
    cnn = TransitCNN(("global", "local"), CNNConfig(global_channels=(2,), local_channels=(2,), fc=(4,)))
    model = calibrate(cnn, search=(ex.candidates, ex.label))
    p = model.vetter.predict_proba(candidate_features(cnn, ex.candidates))
    one = [float(score_views(model, c.global_view[None], c.local_view[None], vetting=c.vetting.to_dict(),
                             period=c.signal.period, duration=c.signal.duration)[0]) for c in ex.candidates]
    np.testing.assert_allclose(one, p, atol=1e-5)
    with pytest.raises(ValueError, match="validation set"):
        calibrate(cnn)
    with pytest.raises(ValueError, match="labels"):
        calibrate(cnn, search=(ex.candidates, ex.label[:-1]))
