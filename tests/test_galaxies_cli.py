"""Command line, saving/loading, workflow helpers, exercises and the cheap benchmark of the galaxy topic."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from coursekit.cli import main
from coursekit.exercises import evaluate as check_quietly
from coursekit.exercises import get_exercise
from coursekit.galaxies.model import build_model
from coursekit.galaxies.workflow import (
    FULL,
    REDUCED,
    get_config,
    load_model,
    save_model,
    stratified_split,
)


def _pngs(folder, n=3):
    from PIL import Image

    folder.mkdir()
    for i in range(n):
        arr = np.zeros((40, 40, 3), np.uint8)
        arr[15:25, 15:25] = 180 + 20 * i
        Image.fromarray(arr).save(folder / f"gal{i}.png")
    return folder


def test_save_and_load_roundtrip(tmp_path):
    import torch

    model = build_model(("a", "b", "c")).eval()
    path = save_model(model, tmp_path / "m.pt", size=32, crop=0.4)
    loaded, meta = load_model(path)
    assert meta["classes"] == ["a", "b", "c"] and meta["size"] == 32 and meta["crop"] == 0.4
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=1e-5)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "none.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a model"):
        load_model(junk)


def test_cli_train_then_predict(tmp_path, capsys):
    out = tmp_path / "g.pt"
    assert main(["galaxies", "train", "--out", str(out), "--n", "32", "--size", "32", "--epochs", "1",
                 "--batch-size", "16"]) == 0
    assert out.exists() and "saved" in capsys.readouterr().out
    folder = _pngs(tmp_path / "imgs")
    csv_path = tmp_path / "pred.csv"
    assert main(["galaxies", "predict", "--model", str(out), str(folder), "--out", str(csv_path), "--tta", "4"]) == 0
    rows = list(csv.DictReader(open(csv_path)))
    assert len(rows) == 3
    assert set(rows[0]) == {"path", "predicted_class", "p_elliptical", "p_spiral", "p_merger", "p_irregular"}
    for r in rows:
        probs = [float(r[f"p_{c}"]) for c in ("elliptical", "spiral", "merger", "irregular")]
        assert sum(probs) == pytest.approx(1, abs=2e-3)
        assert r["predicted_class"] == ("elliptical", "spiral", "merger", "irregular")[int(np.argmax(probs))]


def test_cli_errors(tmp_path, capsys):
    assert main(["galaxies", "predict", "--model", str(tmp_path / "missing.pt"), str(tmp_path)]) == 1
    assert "model file not found" in capsys.readouterr().err
    assert main(["galaxies", "train", "--out", str(tmp_path / "x.pt"), "--data", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_configs_and_split():
    assert get_config("reduced") is REDUCED and get_config("full") is FULL
    assert FULL.train.pretrained and not REDUCED.train.pretrained
    y = np.array([0] * 10 + [1] * 6 + [2] * 4)
    a, b = stratified_split(y, 0.5, seed=1)
    assert np.bincount(y[a]).tolist() == [5, 3, 2]
    assert len(np.intersect1d(a, b)) == 0 and len(a) + len(b) == len(y)
    with pytest.raises(ValueError, match="fraction"):
        stratified_split(y, 1.5)


@pytest.mark.parametrize(
    "name, wrong",
    [
        ("galaxies.disc_concentration", 0.56),
        ("galaxies.ece", 0.3),
        ("galaxies.galaxy10_mapping", {0: 3, 1: 2, 2: 0, 3: 0, 4: 0, 5: 1, 6: 1, 7: 1, 8: 0, 9: 1}),
    ],
)
def test_exercises_right_and_wrong(name, wrong):
    ns = {"np": np}
    exec(get_exercise(name).solution, ns)
    assert check_quietly(name, ns["answer"]).passed
    res = check_quietly(name, wrong)
    assert not res.passed and "Not attempted" not in res.message
    assert not check_quietly(name, None).passed


def test_simulator_speed_benchmark_reports():
    from coursekit.galaxies.bench import simulator_speed

    r = simulator_speed()
    assert r["images"] == 2000 and r["images_per_s"] > 0 and isinstance(r["passed"], bool)
