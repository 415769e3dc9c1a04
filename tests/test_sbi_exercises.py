"""coursekit.sbi.exercises: value answers right and wrong, the build-it simulator, the two experiments, the quiz."""

from __future__ import annotations

import numpy as np

from coursekit.exercises import evaluate, get_quiz, grade_quiz
from coursekit.metrics import Measurement


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


def test_read_coverage_and_toy_exponent():
    assert evaluate("sbi.read_coverage", " Overconfident").passed
    res = evaluate("sbi.read_coverage", "underconfident")
    assert not res.passed and "MORE often" in res.message
    assert evaluate("sbi.toy_exponent", 1.0).passed
    assert "S_8" in evaluate("sbi.toy_exponent", 0.5).message


def test_build_it_simulator_accepts_the_right_function_and_names_the_wrong_one():
    def right(power, k_edges, volume, n_bar, rng):
        n = volume * np.diff(k_edges**3) / (6 * np.pi**2)
        return power + np.sqrt(2 / n) * (power + 1 / n_bar) * rng.standard_normal(power.shape)

    def one_over_n(power, k_edges, volume, n_bar, rng):  # forgets that k and -k are one mode
        n = volume * np.diff(k_edges**3) / (6 * np.pi**2)
        return power + np.sqrt(1 / n) * (power + 1 / n_bar) * rng.standard_normal(power.shape)

    def not_yet(power, k_edges, volume, n_bar, rng):
        raise NotImplementedError

    assert evaluate("sbi.band_power_simulator", right).passed
    wrong = evaluate("sbi.band_power_simulator", one_over_n)
    assert not wrong.passed and "Input 1 of 5" in wrong.message
    assert "Not attempted" in evaluate("sbi.band_power_simulator", not_yet).message


def test_experiment_checks_direction_and_size():
    assert evaluate("sbi.budget_pays", Measurement(0.12, 0.02)).passed
    assert not evaluate("sbi.budget_pays", Measurement(-0.05, 0.01)).passed  # wrong sign
    assert not evaluate("sbi.budget_pays", Measurement(0.02, 0.02)).passed  # not significant
    assert evaluate("sbi.outside_prior", (-0.15, 0.01)).passed
    assert not evaluate("sbi.outside_prior", (-0.001, 0.0002)).passed  # too small to be the prior's edge
    assert not evaluate("sbi.outside_prior", (0.15, 0.01)).passed


def test_quiz_grades_and_explains():
    questions = get_quiz("sbi")
    assert 8 <= len(questions) <= 10
    right = [q.answer for q in questions]
    assert grade_quiz("sbi", right).score == len(questions)
    wrong = ["a" if q.choices and q.answer != "a" else ("b" if q.choices else 2.0) for q in questions]
    graded = grade_quiz("sbi", wrong)
    assert graded.score < len(questions)
