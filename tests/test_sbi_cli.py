"""`python -m coursekit sbi simulate|posterior|train|run`: results, strict JSON, and one-line refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coursekit.cli import main


def test_cli_simulate_and_posterior(capsys):
    assert main(["sbi", "simulate", "--omega-m", "0.3", "--sigma8", "0.8", "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["band_power"]) == 12 and len(out["k_h_per_mpc"]) == 12
    assert main(["sbi", "posterior", "--volume", "1e9", "--seed", "2", "--json"]) == 0
    post = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(post["mean"], [0.315, 0.811], atol=0.03)
    assert main(["sbi", "simulate"]) == 0
    assert "k [h/Mpc]" in capsys.readouterr().out
    assert main(["sbi", "posterior", "--problem", "bias", "--json"]) == 0
    post = json.loads(capsys.readouterr().out)
    assert len(post["mean"]) == 3 and post["truth"] == [0.315, 0.811, 1.5]


def _one_line_error(capsys, argv, code=1, match=None):
    if code == 2:  # argparse usage errors
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    else:
        assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("error") or "error:" in ln]
    assert lines, err
    if match:
        assert match in err, err
    return err


@pytest.mark.parametrize("argv, code, match", [
    (["sbi", "simulate", "--omega-m", "0.9"], 1, "outside the prior box"),
    (["sbi", "simulate", "--omega-m", "nan"], 2, "finite"),
    (["sbi", "simulate", "--sigma8", "inf"], 2, "finite"),
    (["sbi", "simulate", "--seed", "-1"], 2, "--seed"),          # numpy refused a negative seed with a traceback
    (["sbi", "simulate", "--volume", "0"], 2, "--volume"),       # Survey's ValueError ended in a traceback
    (["sbi", "posterior", "--volume", "-1e8"], 2, "--volume"),
    (["sbi", "posterior", "--n-bar", "0"], 2, "--n-bar"),
    (["sbi", "posterior", "--volume", "1e20"], 1, "outside 1e3-1e12"),  # exact posterior unresolved by its grid
    (["sbi", "posterior", "--problem", "bias", "--bias", "2.5"], 1, "b in [1, 2]"),
    (["sbi", "posterior", "--problem", "lensing"], 2, "invalid choice"),
])
def test_bad_input_is_refused_in_one_line(capsys, argv, code, match):
    _one_line_error(capsys, argv, code, match)


def test_model_verbs_refuse_bad_files(capsys, tmp_path):
    missing = tmp_path / "none.pt"
    err = _one_line_error(capsys, ["sbi", "posterior", "--model", str(missing)], 1, "none.pt")
    assert "no such model file" in err
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    _one_line_error(capsys, ["sbi", "posterior", "--model", str(junk)], 1, "junk.pt")
    _one_line_error(capsys, ["sbi", "train", "--out", str(tmp_path), "--simulations", "100"], 1, "folder")
    _one_line_error(capsys, ["sbi", "train", "--out", str(tmp_path / "m.pt"), "--simulations", "10"], 1, "at least 50")


@pytest.mark.slow
def test_train_then_posterior_with_the_model(capsys, tmp_path):
    out = tmp_path / "npe.pt"
    assert main(["sbi", "train", "--simulations", "300", "--out", str(out)]) == 0
    assert out.exists() and "written to" in capsys.readouterr().out
    assert main(["sbi", "posterior", "--model", str(out), "--samples", "300", "--json"]) == 0
    post = json.loads(capsys.readouterr().out)
    assert len(post["npe_mean"]) == 2 and all(np.isfinite(post["npe_std"]))
    _one_line_error(capsys, ["sbi", "posterior", "--model", str(out), "--problem", "toy"], 1, "--problem eh")
    _one_line_error(capsys, ["sbi", "posterior", "--model", str(out), "--volume", "1e9"], 1, "--volume")
