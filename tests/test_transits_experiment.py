"""The lesson's steps (coursekit.transits.experiment) on small sizes, the views of a TCE, and Kepler-90 end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coursekit.transits.config import CNNConfig, get_config
from coursekit.transits.preprocess import phase_fold
from coursekit.transits.search import views_and_vetting

TINY = get_config("reduced").with_(n_lightcurves=120, n_quarters=1, epochs=2, n_injections=2,
                                   cnn=CNNConfig(global_channels=(4,), local_channels=(4,), fc=(8,)))


def test_config_is_read_at_call_time(monkeypatch):
    from coursekit.transits.config import FULL, REDUCED

    monkeypatch.setenv("COURSEKIT_MODE", "full")
    assert get_config() is FULL
    monkeypatch.setenv("COURSEKIT_MODE", "reduced")
    assert get_config() is REDUCED
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        REDUCED.with_(epochs=0)
    with pytest.raises(ValueError, match="at least 50"):
        REDUCED.with_(n_lightcurves=10)


def test_views_and_vetting_of_a_clean_transit(rng):
    t = np.arange(0, 60, 0.0204336)
    f = (1 + 2e-3 * np.sin(t / 3)) * (1 - 1e-3 * (np.abs(phase_fold(t, 4.0, 1.0)) < 0.06))
    f += 1e-4 * rng.standard_normal(len(t))
    other = np.abs(phase_fold(t, 7.0, 3.0)) < 0.05
    f[other] -= 5e-3  # another planet, dropped with keep=
    g, loc, st = views_and_vetting(t, f, 4.0, 1.0, 0.12, keep=~other)
    assert g.shape == (2001,) and loc.shape == (201,)
    assert loc[100] == pytest.approx(-1.0, abs=0.15)
    assert st.snr > 50 and st.secondary_sigma < 5 and st.odd_even_sigma < 3
    assert st.depth == pytest.approx(1e-3, rel=0.1)


@pytest.mark.slow
def test_steps_on_a_tiny_run():
    """simulate -> baseline -> train (dual, global) -> evaluate, with typed results and intervals."""
    from coursekit.transits.experiment import evaluate, simulate_tces, train_cnn, vetting_baseline

    split = simulate_tces(TINY)
    assert len(split) == 120 and split.seconds > 0
    vet = vetting_baseline(split.test)
    assert 0 <= vet.auc.value <= 1 and vet.auc.err > 0
    dual = train_cnn(split, TINY, progress=False)
    glob = train_cnn(split, TINY, views=("global",), progress=False)
    assert dual.history.epochs == 2 and dual.model.views == ("global", "local")
    ev = evaluate(split.test, {"dual": dual.model, "global": glob.model})
    assert set(ev.metrics) == {"dual", "global", "classical vetting"}
    assert set(ev.differences) == {("dual", "global"), ("dual", "classical vetting")}
    d = ev.differences[("dual", "classical vetting")]
    assert d.value == pytest.approx(ev.metrics["dual"].auc.value - vet.auc.value)
    assert "sigma" in ev.table()


@pytest.mark.slow
def test_injection_recovery_counts_by_hand():
    from coursekit.transits.experiment import injection_recovery

    inj = injection_recovery(TINY, n=4, snr_range=(40.0, 60.0), edges=(0.0, 30.0, 100.0), progress=False)
    assert inj.completeness.injected[1] == int((inj.snr >= 30).sum())
    assert inj.completeness.recovered[1] == int(inj.found[inj.snr >= 30].sum())
    assert inj.found.sum() >= 3  # strong, periodic planets are found
    np.testing.assert_array_equal(inj.found, np.abs(inj.period_found / inj.period_true - 1) < 1e-3)


def test_real_data_step_offline_uses_the_stand_ins(tmp_path, monkeypatch, no_network):
    from coursekit.transits.experiment import load_real_data

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("COURSEKIT_OFFLINE", "1")
    data = load_real_data("reduced")
    assert data.tiers == {"kepler90_lightcurves": "stand-in", "kepler_koi_cumulative": "stand-in"}
    assert not data.is_real and "Kepler-90 d" in data.planets


def test_full_mode_koi_training_on_files_in_the_real_schema(tmp_path, monkeypatch, rng):
    """Full mode's real-label path end to end: KOI table through resolve, light curves written in the Kepler
    schema, views, training, evaluation with intervals beside the vetter."""
    from test_transits_data import _star

    import coursekit.transits.data as tdata
    from coursekit.transits.experiment import train_on_kois

    files, rows = {}, []
    for i in range(8):
        kepid = 2000 + i
        if i % 2:
            files[kepid] = _star(tmp_path, rng, kepid, [], eb=(3.1 + 0.1 * i, 132.2, 4.0, 6e-3))
            rows.append(f"{kepid},K0{kepid}.01,FALSE POSITIVE,{3.1 + 0.1 * i},132.2,4.0")
        else:
            files[kepid] = _star(tmp_path, rng, kepid, [(4.0 + 0.2 * i, 133.0, 3.0, 1e-3)])
            rows.append(f"{kepid},K0{kepid}.01,CONFIRMED,{4.0 + 0.2 * i},133.0,3.0")
    table = tmp_path / "koi.csv"
    table.write_text("# NASA Exoplanet Archive\nkepid,kepoi_name,koi_disposition,koi_period,koi_time0bk,koi_duration\n"
                     + "\n".join(rows) + "\n")
    real_table = tdata.read_koi_table(table)
    real_table.meta.update({"TIER": "full", "DATA_MESSAGE": "test", "FILES_READ": [str(table)]})
    monkeypatch.setattr(tdata, "load_koi_table", lambda mode=None, **kw: real_table)
    config = TINY.with_(n_real_kois=8, seed=3)
    res = train_on_kois(config, loader=lambda k: files[k], mode="full")
    assert res.n_kois == 8 and res.n_planets == 4
    m = res.evaluation.metrics["CNN trained on KOIs"]
    assert 0 <= m.auc.value <= 1 and np.isfinite(m.auc.err)


def test_koi_training_refuses_the_stand_in_table(tmp_path, monkeypatch, no_network):
    from coursekit.transits.experiment import koi_tces

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("COURSEKIT_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="data fetch kepler_koi_cumulative"):
        koi_tces(TINY, mode="reduced")


@pytest.mark.slow
def test_search_recovers_kepler90_planets(real_sample):
    """The real sample: the search finds d (a TCE: 4 transits) and single-event g/h, which it does not classify."""
    from coursekit.transits.experiment import load_real_data, search_kepler90

    real_sample("kepler90_lightcurves")
    data = load_real_data("reduced")
    assert data.is_real
    k90 = search_kepler90(data, n_signals=2, config=TINY)
    assert k90.matches[0] in ("Kepler-90 g", "Kepler-90 h") and not k90.candidates[0].is_tce
    d = k90.candidates[1]
    assert k90.matches[1] == "Kepler-90 d" and d.is_tce
    assert d.signal.period == pytest.approx(59.737, rel=1e-3)
    assert d.vetting.odd_even_sigma < 3  # a planet: equal odd and even depths


@pytest.mark.slow
def test_run_report_is_strict_json(monkeypatch, tmp_path, no_network, capsys):
    """`transits run` on tiny sizes: a Report whose JSON has no NaN, with both comparisons and the tiers, and
    nothing else on stdout (the data tier lines would break `--json`)."""
    import coursekit.transits.experiment as ex

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("COURSEKIT_OFFLINE", "1")
    report = ex.run("reduced", config=TINY.with_(kepler90_signals=1))
    assert capsys.readouterr().out == ""
    d = report.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert "NaN" not in text and d["topic"] == "transits"
    assert d["tiers"]["kepler90_lightcurves"] == "stand-in"
    assert {c["baseline"] for c in d["comparisons"]} == {"classical vetting", "global-view CNN"}
    assert {"simulate", "train", "evaluate", "kepler90", "injection_recovery"} <= set(d["timings"])


def test_injected_views_for_the_slider(real_sample):
    from coursekit.transits import experiment

    """Deeper injected transits stand further out of Kepler-90's scatter; the views keep their shapes."""
    real_sample("kepler90_lightcurves")
    data = experiment.load_real_data(verbose=False)
    g1, l1, shallow = experiment.injected_views(data, 100, 6)
    g2, l2, deep = experiment.injected_views(data, 1000, 6)
    assert g1.shape == g2.shape == (2001,) and l1.shape == l2.shape == (201,)
    assert deep.snr > 3 * shallow.snr > 0
