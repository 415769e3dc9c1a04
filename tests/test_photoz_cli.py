"""Tests of ``python -m coursekit photoz train|predict|run``: SDSS-named tables with default options, hostile input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from coursekit.cli import main
from coursekit.photoz.simulate import BANDS


def _skyserver(cat, with_z=True) -> pd.DataFrame:
    df = pd.DataFrame({"objid": np.arange(len(cat))})
    for j, b in enumerate(BANDS):
        df[b] = cat.mag[:, j]
    for j, b in enumerate(BANDS):
        df[f"err_{b}"] = cat.mag_err[:, j]
    if with_z:
        df["redshift"] = cat.z
    return df


@pytest.fixture(scope="module")
def sdss_tables(tmp_path_factory):
    from coursekit.photoz.simulate import simulate_galaxies

    tmp = tmp_path_factory.mktemp("photoz_cli")
    train, test = simulate_galaxies(1500, seed=4).split(0.8, seed=0)
    _skyserver(train).to_csv(tmp / "train.csv", index=False)
    df = _skyserver(test, with_z=False)
    df.loc[3, "g"] = 99.0  # a non-detection
    df.loc[4, "r"] = 80.0  # absurd magnitudes: flagged, no redshift
    df.loc[5, "i"] = -50.0
    df.to_csv(tmp / "test.csv", index=False)
    model = tmp / "m.pt"
    assert main(["photoz", "train", "--data", str(tmp / "train.csv"), "--out", str(model), "--epochs", "5"]) == 0
    return tmp, model, len(test)


@pytest.mark.slow
def test_train_and_predict_on_an_sdss_table_with_default_options(sdss_tables, capsys):
    tmp, model, n_test = sdss_tables
    out = tmp / "pz.csv"
    assert main(["photoz", "predict", str(tmp / "test.csv"), "--model", str(model), "--out", str(out), "--pdf"]) == 0
    res = pd.read_csv(out)
    assert len(res) == n_test and list(res["row"]) == list(range(n_test))  # one output row per input row
    assert res.loc[3, "flag"] == "missing_magnitude" and np.isnan(res.loc[3, "z_median"])
    assert res.loc[4, "flag"] == res.loc[5, "flag"] == "outside_training_range"
    assert np.isnan(res.loc[[4, 5], ["z_median", "z_lo68", "z_hi95"]].to_numpy()).all()
    ok = res[res["flag"] == "ok"]
    assert len(ok) == n_test - 3
    assert {"z_median", "z_mode", "z_lo68", "z_hi68", "z_lo95", "z_hi95", "pdf_0.0000"} <= set(res.columns)
    assert np.all(ok["z_lo95"] <= ok["z_lo68"]) and np.all(ok["z_lo68"] <= ok["z_median"])
    assert np.all(ok["z_median"] <= ok["z_hi68"]) and np.all(ok["z_hi68"] <= ok["z_hi95"])
    captured = capsys.readouterr()
    assert "1 flagged for missing" in captured.out and "2 for magnitudes outside" in captured.out


@pytest.mark.slow
def test_predict_refuses_grids_outside_the_trained_range_and_overwriting_inputs(sdss_tables, capsys):
    tmp, model, _ = sdss_tables
    table = str(tmp / "test.csv")
    for grid in ("0,5,100", "0.5,1.6,50", "-1,1.6,50", "0,1.6,1", "a,b,c"):
        assert main(["photoz", "predict", table, "--model", str(model), "--out", str(tmp / "x.csv"), f"--grid={grid}"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--grid" in err, err
    assert main(["photoz", "predict", table, "--model", str(model), "--out", table]) == 1
    assert "would destroy" in capsys.readouterr().err
    assert main(["photoz", "predict", table, "--model", str(model), "--out", str(model)]) == 1
    assert "would destroy" in capsys.readouterr().err
    assert main(["photoz", "predict", table, "--model", table, "--out", str(tmp / "x.csv")]) == 1
    assert "Traceback" not in capsys.readouterr().err
    absurd = pd.read_csv(table)
    absurd[["u", "g", "r", "i", "z"]] = 80.0  # every row far outside the training range: no meaningless exit 0
    absurd.to_csv(tmp / "absurd.csv", index=False)
    assert main(["photoz", "predict", str(tmp / "absurd.csv"), "--model", str(model), "--out", str(tmp / "y.csv")]) == 1
    assert "no row can be predicted" in capsys.readouterr().err


def test_bad_training_tables_and_options_get_one_line(tmp_path, capsys):
    header = ",".join(["u", "g", "r", "i", "z"] + [f"err_{b}" for b in BANDS] + ["redshift"])
    rng = np.random.default_rng(0)
    mags = rng.uniform(18, 22, (200, 5))
    for name, z in (("const", np.full(200, 0.4)), ("neg", -rng.uniform(0.5, 1, 200)), ("huge", rng.uniform(20, 30, 200))):
        body = "\n".join(",".join(map(str, [*m, *[0.05] * 5, zz])) for m, zz in zip(mags, z))
        (tmp_path / f"{name}.csv").write_text(header + "\n" + body + "\n")
        assert main(["photoz", "train", "--data", str(tmp_path / f"{name}.csv"), "--out", str(tmp_path / "m.pt")]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "redshift" in err, err
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    assert main(["photoz", "train", "--data", str(tmp_path / "t.csv"), "--out", str(tmp_path / "m.pt")]) == 1
    assert "no magnitude/error columns" in capsys.readouterr().err
    assert main(["photoz", "train", "--data", str(tmp_path / "t.csv"), "--out", str(tmp_path / "t.csv")]) == 1
    assert "would destroy" in capsys.readouterr().err
    assert main(["photoz", "train", "--data", str(tmp_path / "t.csv"), "--out", "m.pt", "--mag-col", "u"]) == 1
    assert "together" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["photoz", "train", "--data", str(tmp_path / "t.csv"), "--out", "m.pt", "--epochs", "0"])
    assert "positive integer" in capsys.readouterr().err
    assert main(["photoz", "predict", str(tmp_path / "t.csv"), "--model", str(tmp_path / "none.pt"),
                 "--out", str(tmp_path / "o.csv")]) == 1
    assert "no such model file" in capsys.readouterr().err


def test_help_shows_an_sdss_example(capsys):
    with pytest.raises(SystemExit):
        main(["photoz", "train", "--help"])
    out = capsys.readouterr().out
    assert "u,g,r,i,z,err_u..err_z,redshift" in out and "--mag-col 'mag_{b}'" in out


def test_run_json_is_strict(monkeypatch, tmp_path, capsys):
    from dataclasses import replace

    from coursekit.photoz import experiment as E
    from coursekit.photoz.config import REDUCED
    from coursekit.photoz.model import MDNConfig

    small = replace(REDUCED, n_standin=1200, mdn=MDNConfig(hidden=(16,), epochs=2), rf_trees=5, n_boot=20)
    monkeypatch.setenv("COURSEKIT_OFFLINE", "1")
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(E, "get_config", lambda mode=None: small)
    assert main(["photoz", "run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["topic"] == "photoz" and report["tiers"]["sdss_boss_dr10_photoz"] == "stand-in"
