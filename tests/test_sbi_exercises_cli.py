"""Tests of the sbi exercises (right and wrong answers) and of the `sbi simulate|posterior` CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coursekit.exercises import evaluate


def test_cosmic_variance_exercise():
    n_modes = 1e9 * (0.11**3 - 0.10**3) / (6 * np.pi**2)
    assert evaluate("sbi.cosmic_variance", np.sqrt(2 / n_modes)).passed
    res = evaluate("sbi.cosmic_variance", np.sqrt(1 / n_modes))
    assert not res.passed and "2P^2" in res.message
    res = evaluate("sbi.cosmic_variance", 0.5)
    assert not res.passed and "Count the wave vectors" in res.message
    assert not evaluate("sbi.cosmic_variance", None).passed


def test_volume_exercise():
    assert evaluate("sbi.volume_for_half_width", 4e8).passed
    res = evaluate("sbi.volume_for_half_width", 2e8)
    assert not res.passed and "sqrt(2)" in res.message
    res = evaluate("sbi.volume_for_half_width", 4)
    assert not res.passed and "volume itself" in res.message


def test_read_coverage_exercise():
    assert evaluate("sbi.read_coverage", " Overconfident").passed
    res = evaluate("sbi.read_coverage", "underconfident")
    assert not res.passed and "MORE often" in res.message


def test_cli_simulate_and_posterior(capsys):
    from coursekit.cli import main

    assert main(["sbi", "simulate", "--omega-m", "0.3", "--sigma8", "0.8", "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["band_power"]) == 12 and len(out["k_h_per_mpc"]) == 12
    assert main(["sbi", "posterior", "--volume", "1e9", "--seed", "2", "--json"]) == 0
    post = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(post["mean"], [0.315, 0.811], atol=0.03)
    assert main(["sbi", "simulate"]) == 0
    assert "k [h/Mpc]" in capsys.readouterr().out


def test_cli_rejects_out_of_prior(capsys):
    from coursekit.cli import main

    assert main(["sbi", "simulate", "--omega-m", "0.9"]) == 1
    assert "outside the prior box" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sbi"])
