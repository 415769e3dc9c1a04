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
    from coursekit.transits.io import write_kepler_lightcurve
    from coursekit.transits.preprocess import phase_fold

    rng = np.random.default_rng(3)
    t = 200 + np.arange(0, 40, 0.0204336)
    flux = 4e4 * (1 + 2e-4 * rng.standard_normal(len(t)))
    flux[np.abs(phase_fold(t, 3.21, 201.0)) < 0.05] *= 1 - 1.5e-3
    path = write_kepler_lightcurve(tmp_path / "kplr000000001-q1_llc.fits", t, flux)
    assert main(["transits", "search", str(path), "--n-signals", "1", "--period-min", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    sig = out["signals"][0]
    assert sig["period"] == pytest.approx(3.21, rel=1e-3)
    assert abs(phase_fold(sig["t0"], 3.21, 201.0)) < 0.03
    assert sig["depth_ppm"] == pytest.approx(1500, rel=0.3)
    assert np.isnan(sig["planet_score"])  # no model given


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
