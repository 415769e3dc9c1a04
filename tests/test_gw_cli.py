"""``python -m coursekit gw train|scan|run`` end to end on a tiny configuration and GWOSC files the test writes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coursekit.cli import main
from coursekit.gw import config as gcfg
from coursekit.gw.config import Config
from coursekit.gw.data import write_gwosc_hdf5

TINY = Config(n_train_waveforms=3, n_test_waveforms=2, n_template_candidates=3, max_templates=2,
              batches_per_epoch=2, batch_size=8, epochs=1, n_val=16, n_noise_eval=1000)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr(gcfg, "sized", lambda reduced, full, mode=None: TINY)
    path = tmp_path_factory.mktemp("gw") / "model.pt"
    try:
        assert main(["gw", "train", "--out", str(path)]) == 0
    finally:
        mp.undo()
    return path


def _write_pair(folder, rng, fs=4096.0, duration=20.0, edit=None):
    paths = []
    for det in ("H1", "L1"):
        x = rng.standard_normal(int(fs * duration)) * 1e-21
        if edit is not None and det == "L1":
            x = edit(x)
        paths.append(str(write_gwosc_hdf5(folder / f"{det[0]}-{det}_TEST-1000-20.hdf5", x, 1000.0, fs, det)))
    return paths


def test_train_writes_a_checked_model_with_one_threshold_definition(model_path):
    from coursekit.gw.model import load_model

    model, meta = load_model(model_path)
    assert meta["detectors"] == ["H1", "L1"] and meta["fs"] == 2048.0
    assert set(meta["thresholds"]) == {"0.01", "0.001"} and meta["n_noise_windows"] == 1000
    # k-th largest of 1000 noise logits (coursekit.metrics.threshold_at_fap): the loudest at 1e-3
    assert meta["thresholds"]["0.001"] >= meta["thresholds"]["0.01"]


def test_scan_prints_triggers_and_strict_json(model_path, tmp_path, rng, capsys):
    files = _write_pair(tmp_path, rng)
    assert main(["gw", "scan", "--model", str(model_path), *files, "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "GPS time" in out and "H1,L1" in out and "threshold at FAP 0.001" in out
    assert main(["gw", "scan", "--model", str(model_path), *files, "--json", "--top", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert 1 <= len(result["triggers"]) <= 2 and result["fap_per_window"] == 1e-3
    assert all(1002.0 <= t["gps"] <= 1018.0 and t["detectors"] == "H1,L1" for t in result["triggers"])


@pytest.mark.parametrize("edit, message", [
    (lambda x: np.zeros_like(x), "all samples are equal"),               # all-zero: round one printed NaN JSON
    (lambda x: np.where((np.arange(len(x)) > 30000) & (np.arange(len(x)) < 40000), 0.0, x), "identical samples"),
    (lambda x: x * 1e15, "not that of detector strain"),
    (lambda x: np.where(np.arange(len(x)) == 1000, np.nan, x), "NaN"),
])
def test_scan_refuses_hostile_strain_in_one_line(model_path, tmp_path, rng, capsys, edit, message):
    """A flat-line stretch gave logit-5548 'triggers' in round one; now: exit 1, one line, nothing scored."""
    files = _write_pair(tmp_path, rng, edit=edit)
    assert main(["gw", "scan", "--model", str(model_path), *files, "--json"]) == 1
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == "" and len(captured.err.strip().splitlines()) == 1


def test_scan_clear_errors(model_path, tmp_path, rng, capsys):
    sub = tmp_path / "rate"
    sub.mkdir()
    assert main(["gw", "scan", "--model", str(model_path), *_write_pair(sub, rng, fs=1000.0)]) == 1
    assert "cannot be resampled" in capsys.readouterr().err
    sub = tmp_path / "short"
    sub.mkdir()
    assert main(["gw", "scan", "--model", str(model_path), *_write_pair(sub, rng, duration=6.0)]) == 1
    assert "too short" in capsys.readouterr().err
    files = _write_pair(tmp_path, rng)
    assert main(["gw", "scan", "--model", str(model_path), files[0]]) == 1
    assert "missing ['L1']" in capsys.readouterr().err
    bad = tmp_path / "bad.hdf5"
    bad.write_text("garbage")
    assert main(["gw", "scan", "--model", str(model_path), str(bad)]) == 1
    assert "not a readable HDF5" in capsys.readouterr().err
    assert main(["gw", "scan", "--model", str(tmp_path / "none.pt"), *files]) == 1
    assert "no such model file" in capsys.readouterr().err
    assert main(["gw", "scan", "--model", str(model_path)]) == 1
    assert "either GWOSC files" in capsys.readouterr().err
    assert main(["gw", "scan", "--model", str(model_path), *files, "--fap", "0.05"]) == 1
    assert "pick one of those" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["gw", "scan", "--model", str(model_path), *files, "--top", "0"])
    assert main(["gw", "train", "--out", files[0], "--psd-from", *files]) == 1  # never overwrite an input
    assert capsys.readouterr().err.strip()


def test_scan_event_needs_full_mode_for_other_events(model_path, capsys):
    assert main(["gw", "scan", "--model", str(model_path), "--event", "GW151226"]) == 1
    assert "full mode only" in capsys.readouterr().err


def test_run_verb_reports_strict_json(monkeypatch, capsys):
    """`gw run` calls the experiment's steps in order and prints a strict-JSON report with error bars."""
    tiny = Config(n_train_waveforms=3, n_test_waveforms=2, n_template_candidates=3, max_templates=2,
                  batches_per_epoch=2, batch_size=8, epochs=1, n_val=16, n_noise_eval=1000, n_signal_eval=20,
                  background_s=20.0, n_slides=2, n_glitch_windows=10)
    monkeypatch.setattr(gcfg, "sized", lambda reduced, full, mode=None: tiny)
    assert main(["gw", "run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["topic"] == "gw" and report["tiers"]["gw150914_strain"] in ("sample", "stand-in")
    assert list(report["timings"])[:4] == ["data", "simulate", "train", "compare"]
    comp = report["comparisons"][0]
    assert comp["ml"] == "CNN" and comp["baseline"] == "matched filter" and comp["difference"]["err"] > 0
    assert any("glitches" in k for k in report["metrics"]) and any("false alarms per day" in k for k in report["metrics"])
