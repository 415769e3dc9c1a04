"""Exercise checkers (right and wrong answers) and the ``transits`` command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coursekit.exercises import evaluate


@pytest.mark.parametrize(
    ("exercise_id", "right", "wrong", "hint"),
    [
        ("transits.earth_depth", 83.9, 9158.0, "square the radius ratio"),
        ("transits.earth_depth", 83.9, 8.39e-5, "parts per million"),
        ("transits.local_view_geometry", (8 * 8 / 24, 1.28), (4 * 8 / 24, 1.28), "each"),
        ("transits.local_view_geometry", (8 * 8 / 24, 1.28), (8 * 8 / 24, 0.32), "spacing"),
        ("transits.odd_even", (400 / np.hypot(60, 60), True), (400 / 60, True), "quadrature"),
        ("transits.odd_even", (400 / np.hypot(60, 60), True), (400 / np.hypot(60, 60), False), "3-sigma"),
    ],
)
def test_exercise_checkers(exercise_id, right, wrong, hint):
    assert evaluate(exercise_id, right).passed
    bad = evaluate(exercise_id, wrong)
    assert not bad.passed and hint in bad.message
    assert not evaluate(exercise_id, None).passed


def test_cli_search_on_written_file(tmp_path, capsys):
    from coursekit.cli import main
    from coursekit.transits.data import write_kepler_lightcurve
    from coursekit.transits.preprocess import phase_fold

    rng = np.random.default_rng(3)
    t = 200 + np.arange(0, 40, 0.0204336)
    flux = 4e4 * (1 + 2e-4 * rng.standard_normal(len(t)))
    flux[np.abs(phase_fold(t, 3.21, 201.0)) < 0.05] *= 1 - 1.5e-3
    path = write_kepler_lightcurve(tmp_path / "kplr000000001-q1_llc.fits", t, flux)
    assert main(["transits", "search", str(path), "--n-signals", "1", "--period-min", "1", "--json"]) == 0
    text = capsys.readouterr().out
    out = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    sig = out["signals"][0]
    assert sig["period_days"] == pytest.approx(3.21, rel=1e-3)
    assert abs(phase_fold(sig["t0_bkjd"], 3.21, 201.0)) < 0.03
    assert sig["depth_ppm"] == pytest.approx(1500, rel=0.3)
    assert sig["planet_score"] is None and "NaN" not in text  # round one wrote NaN, which is not JSON


def test_cli_search_errors(tmp_path, capsys):
    from coursekit.cli import main

    bad = tmp_path / "bad_llc.fits"
    bad.write_text("plain text")
    assert main(["transits", "search", str(bad)]) == 1
    assert "not a FITS file" in capsys.readouterr().err
    assert main(["transits", "search", str(tmp_path / "none_llc.fits")]) == 1
    assert "no such light-curve file" in capsys.readouterr().err
    assert main(["transits", "train", "--out", str(tmp_path / "m.pt"), "--n", "10"]) == 1
    assert "at least 50" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["transits", "train", "--out", "OUT", "--epochs", "0"], "--epochs"),
        (["transits", "train", "--out", "OUT", "--n", "-5"], "--n"),
        (["transits", "train", "--out", "OUT", "--views", "sideways"], "--views"),
        (["transits", "train", "--out", "OUT", "--search-examples", "-1"], "--search-examples"),
        (["transits", "search", "FILE", "--n-signals", "0"], "--n-signals"),
        (["transits", "search", "FILE", "--period-min", "-1"], "--period-min"),
        (["transits", "search", "FILE", "--period-min", "5", "--period-max", "2"], "--period-max"),
    ],
)
def test_impossible_options_are_refused_in_one_line(tmp_path, capsys, argv, message):
    """`--epochs 0` used to save an untrained model and print an AUC; every impossible size now exits non-zero."""
    from coursekit.cli import main
    from coursekit.transits.data import write_kepler_lightcurve

    t = 200 + np.arange(0, 20, 0.0204336)
    path = write_kepler_lightcurve(tmp_path / "kplr000000001-q1_llc.fits", t, 4e4 + np.sin(t))
    argv = [str(tmp_path / "m.pt") if a == "OUT" else str(path) if a == "FILE" else a for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refuses a bad option type with exit status 2
        code = exc.code
    assert code != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "m.pt").exists()


def test_cli_refuses_one_cadence_and_flat_light_curves(tmp_path, capsys):
    from coursekit.cli import main
    from coursekit.transits.data import write_kepler_lightcurve

    one = write_kepler_lightcurve(tmp_path / "one_llc.fits", np.array([200.0]), np.array([4e4]))
    assert main(["transits", "search", str(one)]) == 1
    assert "1 good cadence" in capsys.readouterr().err
    flat = write_kepler_lightcurve(tmp_path / "flat_llc.fits", 200 + np.arange(0, 20, 0.02), np.full(1000, 4e4))
    assert main(["transits", "search", str(flat)]) == 1
    assert "flat" in capsys.readouterr().err


def test_cli_search_refuses_a_foreign_model_file(tmp_path, capsys):
    from coursekit.cli import main

    bad = tmp_path / "model.pt"
    bad.write_bytes(b"\x80\x04not a model")
    assert main(["transits", "search", str(tmp_path / "x_llc.fits"), "--model", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "model.pt" in err and "Traceback" not in err


def test_cli_train_on_kois_offline_fails_fast(tmp_path, capsys, monkeypatch, no_network):
    """``transits train --data koi`` needs the KOI table: offline with an empty cache it says so within seconds."""
    import time

    from coursekit.cli import main

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path / "cache"))
    t0 = time.perf_counter()
    assert main(["transits", "train", "--data", "koi", "--out", str(tmp_path / "m.pt"), "--n", "60"]) == 1
    assert time.perf_counter() - t0 < 10
    err = capsys.readouterr().err
    assert "kepler_koi_cumulative" in err and "data fetch" in err


@pytest.mark.slow
def test_cli_train_then_search_with_the_model(tmp_path, capsys):
    from coursekit.cli import main
    from coursekit.transits.data import write_kepler_lightcurve
    from coursekit.transits.preprocess import phase_fold

    model = tmp_path / "m.pt"
    assert main(["transits", "train", "--out", str(model), "--n", "60", "--epochs", "1", "--search-examples", "1"]) == 0
    out = capsys.readouterr().out
    assert "1 epoch(s)" in out and "blind search of 1 simulated stars per kind" in out and model.exists()
    rng = np.random.default_rng(5)
    t = 200 + np.arange(0, 30, 0.0204336)
    flux = 4e4 * (1 + 2e-4 * rng.standard_normal(len(t)))
    flux[np.abs(phase_fold(t, 2.7, 201.0)) < 0.05] *= 1 - 2e-3
    path = write_kepler_lightcurve(tmp_path / "kplr000000002-q1_llc.fits", t, flux, kepid=2)
    assert main(["transits", "search", str(path), "--model", str(model), "--n-signals", "1", "--json"]) == 0
    sig = json.loads(capsys.readouterr().out)["signals"][0]
    assert sig["is_tce"] and 0 <= sig["planet_score"] <= sig["model_score"] <= 1 and isinstance(sig["flags"], list)
