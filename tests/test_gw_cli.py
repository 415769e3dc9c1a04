"""``python -m coursekit gw train|scan`` end to end on a tiny configuration and GWOSC files the test writes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coursekit.cli import main
from coursekit.gw import pipeline as pl
from coursekit.gw.io import write_gwosc_hdf5

TINY = pl.GWConfig(n_train_waveforms=3, n_test_waveforms=2, n_template_candidates=3, max_templates=2,
                   batches_per_epoch=2, batch_size=8, epochs=1, n_val=16, n_noise_eval=1000)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr(pl, "get_config", lambda mode=None: TINY)
    path = tmp_path_factory.mktemp("gw") / "model.pt"
    try:
        assert main(["gw", "train", "--out", str(path)]) == 0
    finally:
        mp.undo()
    return path


def _write_pair(folder, rng, fs=4096.0, duration=20.0, nan=False):
    paths = []
    for det in ("H1", "L1"):
        x = rng.standard_normal(int(fs * duration)) * 1e-21
        if nan and det == "L1":
            x[1000:1200] = np.nan
        paths.append(str(write_gwosc_hdf5(folder / f"{det[0]}-{det}_TEST-1000-20.hdf5", x, 1000.0, fs, det)))
    return paths


def test_train_writes_a_loadable_model(model_path):
    model, meta = pl.load_model(model_path)
    assert meta["detectors"] == ["H1", "L1"] and meta["fs"] == 2048.0
    assert set(meta["thresholds"]) == {"0.01", "0.001"}


def test_scan_prints_triggers_and_json(model_path, tmp_path, rng, capsys):
    files = _write_pair(tmp_path, rng)
    assert main(["gw", "scan", "--model", str(model_path), *files, "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "GPS time" in out and "H1,L1" in out
    assert main(["gw", "scan", "--model", str(model_path), *files, "--json", "--top", "2"]) == 0
    triggers = json.loads(capsys.readouterr().out)
    assert 1 <= len(triggers) <= 2
    assert all(1002.0 <= t["gps"] <= 1018.0 and t["detectors"] == "H1,L1" for t in triggers)


def test_scan_clear_errors(model_path, tmp_path, rng, capsys):
    sub = tmp_path / "rate"
    sub.mkdir()
    assert main(["gw", "scan", "--model", str(model_path), *_write_pair(sub, rng, fs=1000.0)]) == 1
    assert "cannot be resampled" in capsys.readouterr().err
    sub = tmp_path / "short"
    sub.mkdir()
    assert main(["gw", "scan", "--model", str(model_path), *_write_pair(sub, rng, duration=6.0)]) == 1
    assert "too short" in capsys.readouterr().err
    sub = tmp_path / "nan"
    sub.mkdir()
    assert main(["gw", "scan", "--model", str(model_path), *_write_pair(sub, rng, nan=True)]) == 1
    assert "NaN" in capsys.readouterr().err
    files = _write_pair(tmp_path, rng)
    assert main(["gw", "scan", "--model", str(model_path), files[0]]) == 1
    assert "missing ['L1']" in capsys.readouterr().err
    bad = tmp_path / "bad.hdf5"
    bad.write_text("garbage")
    assert main(["gw", "scan", "--model", str(model_path), str(bad)]) == 1
    assert "not a readable HDF5" in capsys.readouterr().err
    assert main(["gw", "scan", "--model", str(tmp_path / "none.pt"), *files]) == 1
    assert "does not exist" in capsys.readouterr().err
