"""Exercises of notebook 04 (coursekit.gw.exercises): each check passes the reference and fails wrong answers."""

from __future__ import annotations

import numpy as np

from coursekit.exercises import evaluate, get_quiz, grade_quiz
from coursekit.metrics import Measurement


def test_build_it_matched_filter_accepts_the_reference_and_rejects_near_misses():
    from coursekit.gw.baseline import matched_filter_snr

    assert evaluate("gw.matched_filter_snr", matched_filter_snr).passed
    r = evaluate("gw.matched_filter_snr", lambda d, h: np.abs(matched_filter_snr(d, h)))  # dropped the phase
    assert not r.passed and "Input 1" in r.message
    unnormalised = lambda d, h: matched_filter_snr(d, h) * np.sqrt(np.sum(np.asarray(h) ** 2))  # noqa: E731
    assert not evaluate("gw.matched_filter_snr", unnormalised).passed

    def not_yet(d, h):
        raise NotImplementedError

    assert "Not attempted" in evaluate("gw.matched_filter_snr", not_yet).message


def test_snr_training_range_reads_the_effect_with_its_error():
    assert evaluate("gw.snr_training_range", Measurement(0.03, 0.04)).passed
    assert evaluate("gw.snr_training_range", Measurement(-0.2, 0.04)).passed
    assert not evaluate("gw.snr_training_range", Measurement(0.3, 0.04)).passed  # a significant gain
    assert not evaluate("gw.snr_training_range", Measurement(-0.1, 0.2)).passed  # too uncertain
    assert not evaluate("gw.snr_training_range", (0.0, 0.0)).passed


def test_overlapping_false_alarms_effect():
    assert evaluate("gw.overlapping_false_alarms", Measurement(-0.9, 0.05)).passed
    assert not evaluate("gw.overlapping_false_alarms", Measurement(0.1, 0.05)).passed  # wrong direction
    assert not evaluate("gw.overlapping_false_alarms", Measurement(-0.9, 0.6)).passed  # not significant


def test_value_exercises():
    assert evaluate("gw.network_snr", 22.8).passed
    assert "add the squares" in evaluate("gw.network_snr", 31.8).message
    assert evaluate("gw.whitening_band", (20, 500)).passed
    assert not evaluate("gw.whitening_band", (5, 500)).passed


def test_quiz_has_answers_that_grade():
    qs = get_quiz("gw")
    assert 8 <= len(qs) <= 10
    assert grade_quiz("gw", [q.answer for q in qs]).score == len(qs)
    wrong = grade_quiz("gw", ["d" if q.choices and q.answer != "d" else "a" if q.choices else 0.0 for q in qs])
    assert wrong.score == 0
    assert all(r.message for r in wrong.results)  # feedback for every wrong answer
