"""Checks of notebook 06: the build-it compares with coursekit's pareto_front, the effect checks test sign and
size with the error, the cosmography answer catches the positive-slope mistake, the quiz has 8-10 questions."""

from __future__ import annotations

import numpy as np

from coursekit.exercises import evaluate, get_quiz, grade_quiz
from coursekit.metrics import Measurement
from coursekit.symbolic.model import pareto_front


def test_build_it_accepts_the_reference_and_names_a_wrong_rule():
    assert evaluate("symbolic.pareto_front", pareto_front).passed

    def accuracy_rule(c, L):  # the 'accuracy' rule instead of 'best'
        front, score, _ = pareto_front(c, L)
        return front, score, int(front[np.argmin(np.asarray(L)[front])])

    bad = evaluate("symbolic.pareto_front", accuracy_rule)
    assert not bad.passed and "Input" in bad.message and "output[2]" in bad.message

    def no_log(c, L):
        front, score, sel = pareto_front(c, L)
        return front, score * 2, sel

    assert "output[1]" in evaluate("symbolic.pareto_front", no_log).message

    def todo(c, L):
        raise NotImplementedError

    assert "Not attempted" in evaluate("symbolic.pareto_front", todo).message


def test_effect_checks():
    assert evaluate("symbolic.noise_sweep", Measurement(0.05, 0.01)).passed
    assert not evaluate("symbolic.noise_sweep", Measurement(-0.05, 0.01)).passed      # wrong sign
    assert not evaluate("symbolic.noise_sweep", Measurement(0.01, 0.01)).passed       # not significant
    assert evaluate("symbolic.operator_ablation", (1.5, 0.3)).passed
    assert not evaluate("symbolic.operator_ablation", (30.0, 1.0)).passed             # implausible size
    assert not evaluate("symbolic.operator_ablation", None).passed


def test_q0_answer_catches_the_positive_slope_mistake():
    assert evaluate("symbolic.q0_from_slope", (0.5, False)).passed
    wrong = evaluate("symbolic.q0_from_slope", (0.5, True))
    assert not wrong.passed and "decelerating" in wrong.message
    assert "Sign" in evaluate("symbolic.q0_from_slope", (-0.5, True)).message
    assert "c1/c0 itself" in evaluate("symbolic.q0_from_slope", (0.25, False)).message


def test_quiz_answers_grade_fully():
    questions = get_quiz("symbolic")
    assert 8 <= len(questions) <= 10
    key = {i: q.answer for i, q in enumerate(questions, 1)}
    assert grade_quiz("symbolic", key).score == len(questions)
    wrong = {i: next(c for c in q.choices if c != q.answer) for i, q in enumerate(questions, 1)}
    assert grade_quiz("symbolic", wrong).score == 0
