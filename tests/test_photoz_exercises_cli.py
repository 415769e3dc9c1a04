"""Tests of the photoz exercises (right and wrong answers) and of the `photoz train|predict` CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit.exercises import evaluate


def test_nmad_exercise():
    zs = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    zp = np.array([0.11, 0.18, 0.33, 0.7, 0.52, 0.6])
    dz = (zp - zs) / (1 + zs)
    right = (1.48 * np.median(np.abs(dz)), np.mean(np.abs(dz) > 0.15))
    assert evaluate("photoz.nmad", right, z_phot=zp, z_spec=zs).passed
    no_norm = (1.48 * np.median(np.abs(zp - zs)), right[1])
    res = evaluate("photoz.nmad", no_norm, z_phot=zp, z_spec=zs)
    assert not res.passed and "1 + z_spec" in res.message
    res = evaluate("photoz.nmad", (right[0], 100 * right[1]), z_phot=zp, z_spec=zs)
    assert not res.passed and "fraction" in res.message
    assert not evaluate("photoz.nmad", None, z_phot=zp, z_spec=zs).passed


def test_balmer_break_exercise():
    assert evaluate("photoz.balmer_break", 0.38).passed
    res = evaluate("photoz.balmer_break", 1.38)
    assert not res.passed and "1 + z" in res.message
    assert not evaluate("photoz.balmer_break", 0.1).passed


def test_pit_shape_exercise():
    assert evaluate("photoz.pit_shape", "Overconfident").passed
    res = evaluate("photoz.pit_shape", "underconfident")
    assert not res.passed and "hump" in res.message


def _write_table(path, cat, with_z=True):
    df = cat.to_frame()[[c for c in cat.to_frame().columns if c.startswith("MAG")] + (["Z"] if with_z else [])]
    df.to_csv(path, index=False)


@pytest.mark.slow
def test_cli_train_and_predict_round_trip(tmp_path, capsys):
    from coursekit.cli import main
    from coursekit.photoz.simulate import simulate_galaxies

    cat = simulate_galaxies(1500, seed=4)
    train, test = cat.split(0.8, seed=0)
    _write_table(tmp_path / "train.csv", train)
    _write_table(tmp_path / "test.csv", test, with_z=False)
    df = pd.read_csv(tmp_path / "test.csv")
    df.loc[3, "MAG_G"] = 99.0  # a non-detection: dropped with a count
    df.to_csv(tmp_path / "test.csv", index=False)
    model = tmp_path / "m.pt"
    assert main(["photoz", "train", "--data", str(tmp_path / "train.csv"), "--out", str(model), "--epochs", "5"]) == 0
    assert model.exists()
    out = tmp_path / "pz.csv"
    assert main(["photoz", "predict", "--model", str(model), str(tmp_path / "test.csv"), "--out", str(out),
                 "--pdf", "--grid", "0,1.6,33"]) == 0
    res = pd.read_csv(out)
    assert len(res) == len(test) - 1 and 3 not in set(res["row"])
    assert {"z_median", "z_mode", "z_lo68", "z_hi68", "z_lo95", "z_hi95", "pdf_0.0000"} <= set(res.columns)
    assert np.all(res["z_lo95"] <= res["z_lo68"]) and np.all(res["z_lo68"] <= res["z_median"])
    assert np.all(res["z_median"] <= res["z_hi68"]) and np.all(res["z_hi68"] <= res["z_hi95"])
    assert "1 dropped" in capsys.readouterr().out


def test_cli_errors_are_clear(tmp_path, capsys):
    from coursekit.cli import main

    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    assert main(["photoz", "train", "--data", str(tmp_path / "t.csv"), "--out", str(tmp_path / "m.pt")]) == 1
    assert "missing column" in capsys.readouterr().err
    assert main(["photoz", "predict", "--model", str(tmp_path / "none.pt"), str(tmp_path / "t.csv"),
                 "--out", str(tmp_path / "o.csv")]) == 1
    assert "no model file" in capsys.readouterr().err
    assert main(["photoz", "train", "--data", str(tmp_path / "t.csv"), "--out", "m.pt", "--mag-col", "u"]) == 1
    assert "must contain" in capsys.readouterr().err
