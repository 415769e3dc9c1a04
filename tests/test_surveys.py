"""Notebook 01's topic: published figures, unit arithmetic, the crowd baseline, the survey model, checks and run."""

from __future__ import annotations

import json
import math

import astropy.units as u
import numpy as np
import pytest

from coursekit.exercises import evaluate, get_quiz, grade_quiz
from coursekit.surveys import (
    GUIDE_CORRECTIONS,
    classification_time,
    galaxy_zoo_rate,
    measure_throughput,
    simulate_survey,
    survey_table,
    volunteer_rate,
)
from coursekit.surveys.baseline import clicks_per_week
from coursekit.surveys.metrics import classification_time_measured, rubin_volume_per_year, ska_per_day
from coursekit.surveys.simulate import coadd_depth, galaxy_surface_density


def test_unit_conversions_by_hand():
    assert rubin_volume_per_year(300).to(u.PB).value == pytest.approx(6.0)
    # 8 Tbit/s = 1 TB/s = 86,400 TB/day = 86.4 PB/day
    assert ska_per_day().to(u.PB).value == pytest.approx(86.4)
    table = survey_table()
    rates = dict(zip(table["survey"], table["rate"]))
    assert rates["TESS"].to_value(u.TB / u.day) == pytest.approx(0.1)
    assert rates["SKA (SKA1)"].to_value(u.TB / u.s) == pytest.approx(1.0)


def test_rubin_counts_galaxies_not_stars():
    table = survey_table()
    row = table[list(table["survey"]).index("Rubin/LSST")]
    assert row["catalogue"] == pytest.approx(20e9) and row["catalogue_of"] == "galaxies"
    assert "Ivezić" in row["source"]
    assert {c.topic for c in GUIDE_CORRECTIONS} >= {"Rubin catalogue", "SKA data rate", "Gaia catalogue",
                                                    "Volunteer classification time"}


def test_volunteer_model_and_measured_galaxy_zoo_rate_by_hand():
    # 150,000 volunteers x 1 h/week = 150,000 x 3600/7 s/day; / 10 s per click; / 38 clicks per galaxy
    expected = 150_000 * 3600 / 7 / 10 / 38
    assert volunteer_rate().to(1 / u.day).value == pytest.approx(expected, rel=1e-9)
    assert clicks_per_week(volunteer_rate()) == pytest.approx(150_000 * 3600 / 10, rel=1e-9)   # 54 million
    assert galaxy_zoo_rate().to(1 / u.day).value == pytest.approx(50e6 / 38 / 365.25, rel=1e-9)
    optimism = (volunteer_rate() / galaxy_zoo_rate()).to(u.one).value
    assert 50 < optimism < 60     # the model is ~56x faster than Galaxy Zoo 1 was: a lower bound on the time
    t = classification_time(20e9, volunteer_rate())
    assert t.unit == u.year and t.value == pytest.approx(20e9 / expected / 365.25, rel=1e-6)
    with pytest.raises(ValueError, match="positive"):
        classification_time(10, 0 / u.s)
    with pytest.raises(ValueError, match="positive"):
        volunteer_rate(volunteers=0)


def test_classification_time_propagates_relative_error():
    from coursekit.metrics import Measurement

    t = classification_time_measured(86400.0, Measurement(10.0, 1.0), u.day)
    assert t.value == pytest.approx(0.1) and t.err == pytest.approx(0.01)


def test_coadd_depth_and_counts_by_hand():
    assert coadd_depth(24.0, 100) == pytest.approx(26.5)
    np.testing.assert_allclose(coadd_depth([24.0, 23.0], [1, 10]), [24.0, 24.25])
    with pytest.raises(ValueError, match=">= 1"):
        coadd_depth(24.0, 0)
    assert galaxy_surface_density(25.0).to_value(u.arcmin**-2) == pytest.approx(46.0)
    assert galaxy_surface_density(26.0).to_value(u.arcmin**-2) == pytest.approx(46.0 * 10**0.31)


def test_survey_model_reproduces_rubin_design():
    out = simulate_survey()
    assert out.exposure.to_value(u.s) == pytest.approx(30.0)
    assert out.visits_per_night.value == pytest.approx(18000 / (9.6 * 3))
    # 625 visits x 2 snaps x 3.2e9 px x 2 bytes = 8.0 TB
    assert out.data_per_night.to_value(u.TB) == pytest.approx(625 * 2 * 3.2e9 * 2 / 1e12)
    assert out.coadd_depth == pytest.approx(26.8, abs=0.05)          # Ivezić et al. 2019, Table 1: i = 26.8
    assert 5e9 < out.galaxies.value < 4e10                           # ~2e10 published; the model is good to ~2x
    assert out.feasible
    deeper = simulate_survey(single_visit_depth=25.0)
    assert deeper.exposure.to_value(u.s) == pytest.approx(30 * 10**0.8) and not deeper.feasible
    with pytest.raises(ValueError, match="whole sky"):
        simulate_survey(area=50000 * u.deg**2)
    with pytest.raises(ValueError, match="one night"):
        simulate_survey(cadence=0.5 * u.day)


def test_cnn_throughput_has_an_uncertainty():
    rate = measure_throughput(n_images=8, size=32, batch_size=4, n_repeats=3)
    assert rate.value > 1 and rate.err >= 0 and rate.unit == "1/s"
    with pytest.raises(ValueError, match=">= 1"):
        measure_throughput(n_repeats=0)


@pytest.mark.parametrize(
    "ex, right, wrongs",
    [
        ("surveys.rubin_per_year", 6 * u.PB, [6.0, 48 * u.PB, 6 * u.TB, 7 * u.PB, 6 * u.PB / u.s]),
        ("surveys.volunteer_years", classification_time(20e9, volunteer_rate()).to(u.year),
         [100 * u.year, 3.0, classification_time(17e9, volunteer_rate()).to(u.year)]),
    ],
)
def test_exercise_checks(ex, right, wrongs):
    assert evaluate(ex, right).passed
    for w in wrongs:
        r = evaluate(ex, w)
        assert not r.passed and r.message
    assert "Not attempted" in evaluate(ex, None).message


def test_star_count_gets_its_own_feedback():
    r = evaluate("surveys.volunteer_years", classification_time(17e9, volunteer_rate()).to(u.year))
    assert "stars" in r.message


def test_gpus_needed_check():
    thr = 1000 / u.s
    right = 20e9 / (1000 * 86400)
    assert evaluate("surveys.gpus_needed", math.ceil(right), throughput=thr).passed
    r = evaluate("surveys.gpus_needed", math.ceil(right * 86400), throughput=thr)
    assert not r.passed and "86,400" in r.message
    assert not evaluate("surveys.gpus_needed", 3, throughput=None).passed


def test_build_it_and_experiment_checks():
    assert evaluate("surveys.coadd_depth", coadd_depth).passed
    r = evaluate("surveys.coadd_depth", lambda m, n: np.asarray(m) + 2.5 * np.log10(n))   # S/N as N, not sqrt(N)
    assert not r.passed and "Input 1 of 5" in r.message
    assert evaluate("surveys.size_scaling", (1.9, 0.1)).passed
    assert not evaluate("surveys.size_scaling", (-1.9, 0.1)).passed
    assert not evaluate("surveys.size_scaling", (5.0, 0.1)).passed


def test_quiz_answer_key_and_feedback():
    questions = get_quiz("surveys")
    assert 8 <= len(questions) <= 10
    key = {1: "b", 2: 1.0, 3: "c", 4: "a", 5: 2.5, 6: "b", 7: 4, 8: "a", 9: "b"}
    assert grade_quiz("surveys", key).score == len(questions)
    wrong = grade_quiz("surveys", {1: "a", 3: "a"})
    assert "stars" in wrong.results[0].message and "54 million" in wrong.results[2].message


def test_run_reports_comparison_with_uncertainty(monkeypatch):
    from coursekit.surveys import config as cfg
    from coursekit.surveys.experiment import run

    monkeypatch.setattr(cfg, "REDUCED", cfg.Config(n_images=8, image_size=32, batch_size=4, n_repeats=2))
    report = run(mode="reduced")
    d = json.loads(json.dumps(report.to_dict()))
    assert report.comparisons and report.comparisons[0].ml_value.err > 0
    assert report.metrics["crowd time, model (lower bound)"].value == pytest.approx(269.7, rel=0.01)
    assert set(report.timings) == {"data", "baseline", "model", "experiment", "evaluate"}
    assert d["topic"] == "surveys"


def test_design_cli(capsys):
    from coursekit.cli import main

    assert main(["surveys", "design", "--area", "18000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tb_per_night"] == pytest.approx(8.0) and out["feasible"] is True
    with pytest.raises(SystemExit):
        main(["surveys", "design", "--area", "-3"])
    assert "positive" in capsys.readouterr().err
    assert main(["surveys", "design", "--area", "50000"]) == 1        # beyond the whole sky: one line, exit 1
    assert "whole sky" in capsys.readouterr().err
