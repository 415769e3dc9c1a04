"""Tests of coursekit.photoz.exercises: right and wrong answers, the build-it references, the effect checks, the quiz."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from coursekit.exercises import evaluate, get_quiz, grade_quiz
from coursekit.metrics import Measurement

ZS = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
ZP = np.array([0.13, 0.18, 0.33, 0.7, 0.52, 0.64])


def test_nmad_accepts_both_literature_definitions_with_a_note():
    dz = (ZP - ZS) / (1 + ZS)
    frac = np.mean(np.abs(dz) > 0.15)
    res = evaluate("photoz.nmad", (1.48 * np.median(np.abs(dz)), frac), z_phot=ZP, z_spec=ZS)
    assert res.passed and "Brammer" not in res.message
    brammer = 1.4826 * np.median(np.abs(dz - np.median(dz)))
    assert not np.isclose(brammer, 1.48 * np.median(np.abs(dz)), rtol=1e-3)  # the example separates them
    res = evaluate("photoz.nmad", (brammer, frac), z_phot=ZP, z_spec=ZS)
    assert res.passed and "Brammer" in res.message and "Ilbert" in res.message
    res = evaluate("photoz.nmad", (1.48 * np.median(np.abs(ZP - ZS)), frac), z_phot=ZP, z_spec=ZS)
    assert not res.passed and "1 + z_spec" in res.message
    res = evaluate("photoz.nmad", (1.48 * np.median(np.abs(dz)), 100 * frac), z_phot=ZP, z_spec=ZS)
    assert not res.passed and "percentage" in res.message
    assert not evaluate("photoz.nmad", None, z_phot=ZP, z_spec=ZS).passed


def test_4000_angstrom_break_exercise():
    assert evaluate("photoz.break_4000", 0.375).passed
    assert "1 + z" in evaluate("photoz.break_4000", 1.375).message
    assert "Balmer" in evaluate("photoz.break_4000", 5500 / 3646 - 1).message
    assert not evaluate("photoz.break_4000", 0.1).passed


def test_build_it_references_pass_and_typical_mistakes_fail():
    from coursekit.photoz import model

    assert evaluate("photoz.mixture_head", model.mixture_head).passed

    def exp_widths(raw, sigma_min=1e-3):  # Bishop's exp instead of softplus: a different function
        logits, mu, s = raw.chunk(3, dim=-1)
        return torch.log_softmax(logits, -1), mu, torch.exp(s) + sigma_min

    res = evaluate("photoz.mixture_head", exp_widths)
    assert not res.passed and "Input 1 of 5" in res.message

    assert evaluate("photoz.mixture_nll", model.mixture_nll).passed

    def naive(log_w, mu, sigma, z):  # underflows or differs where components are far away
        z = z.reshape(-1, 1)
        p = log_w.exp() * torch.exp(-0.5 * ((z - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
        return -torch.log(p.sum(-1)).mean()

    assert not evaluate("photoz.mixture_nll", naive).passed

    def sum_not_mean(log_w, mu, sigma, z):
        return model.mixture_nll(log_w, mu, sigma, z) * len(z)

    assert not evaluate("photoz.mixture_nll", sum_not_mean).passed
    assert evaluate("photoz.train_loop", model.train_loop).passed

    def forgets_zero_grad(net, loader, optimizer, epochs=1):
        out = []
        for _ in range(epochs):
            for x, z in loader:
                loss = model.mdn_nll(net(x), z)
                loss.backward()
                optimizer.step()
            out.append(float(loss.detach()))
        return out

    res = evaluate("photoz.train_loop", forgets_zero_grad)
    assert not res.passed

    def todo(*args, **kwargs):
        raise NotImplementedError

    assert "Not attempted" in evaluate("photoz.mixture_head", todo).message


@pytest.mark.parametrize(("exercise", "good", "wrong_sign", "weak"), [
    ("photoz.components", (0.003, 0.0005), (-0.003, 0.0005), (0.0005, 0.0005)),
    ("photoz.domain_shift", (0.01, 0.002), (-0.01, 0.002), (0.001, 0.002)),
])
def test_effect_checks_need_the_right_direction_and_significance(exercise, good, wrong_sign, weak):
    assert evaluate(exercise, Measurement(*good)).passed
    assert "sign" in evaluate(exercise, Measurement(*wrong_sign)).message
    assert "not significant" in evaluate(exercise, Measurement(*weak)).message


def test_errors_input_check_asks_for_a_mean_consistent_with_zero():
    assert evaluate("photoz.errors_input", Measurement(-0.016, 0.0098)).passed  # four seeds on the BOSS sample
    assert evaluate("photoz.errors_input", Measurement(0.003, 0.005)).passed  # four seeds on the stand-in
    assert "consistent with zero" in evaluate("photoz.errors_input", Measurement(-0.02, 0.004)).message
    assert "outside the expected range" in evaluate("photoz.errors_input", Measurement(0.08, 0.05)).message
    assert not evaluate("photoz.errors_input", Measurement(-0.01, 0.0)).passed


def test_quiz_has_8_to_10_questions_and_grades():
    qs = get_quiz("photoz")
    assert 8 <= len(qs) <= 10
    right = grade_quiz("photoz", [q.answer for q in qs])
    assert right.score == len(qs)
    wrong = grade_quiz("photoz", ["d"] * len(qs))
    assert wrong.score < len(qs)
