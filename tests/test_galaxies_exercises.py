"""Checks of notebook 02: right answers pass, typical wrong ones get specific feedback, the quiz grades."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from coursekit.exercises import evaluate, get_quiz, grade_quiz
from coursekit.galaxies.exercises import DISC_CONCENTRATION, calibration_exercise_data
from coursekit.metrics import Measurement


def test_value_exercises():
    assert evaluate("galaxies.disc_concentration", DISC_CONCENTRATION).passed
    assert "factor 5" in evaluate("galaxies.disc_concentration", np.log10(2.994 / 0.824)).message
    from coursekit.galaxies.metrics import expected_calibration_error

    assert evaluate("galaxies.ece", expected_calibration_error(*calibration_exercise_data(), n_bins=5)).passed
    probs, labels = calibration_exercise_data()
    assert "error rate" in evaluate("galaxies.ece", 1 - np.mean(probs.argmax(1) == labels)).message
    good = {0: 3, 1: 2, 2: 0, 3: 0, 4: 0, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1}
    assert evaluate("galaxies.galaxy10_mapping", good).passed
    assert "edge-on" in evaluate("galaxies.galaxy10_mapping", good | {8: 0}).message
    assert not evaluate("galaxies.galaxy10_mapping", None).passed


def test_transfer_setup_build_it():
    from coursekit.galaxies.model import classifier_head, transfer_setup

    assert evaluate("galaxies.transfer_setup", transfer_setup).passed

    def in_place(model, classes, lr, wd):  # forgets to copy
        model.trunk.fc = classifier_head(512, len(classes))
        model.classes = tuple(classes)
        for name in ("conv1", "bn1", "layer1"):
            for p in getattr(model.trunk, name).parameters():
                p.requires_grad_(False)
        return model, torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=wd)

    assert "deepcopy" in evaluate("galaxies.transfer_setup", in_place).message

    def all_params(model, classes, lr, wd):  # hands the frozen weights to the optimiser too
        new, _ = transfer_setup(model, classes, lr, wd)
        return new, torch.optim.AdamW(new.parameters(), lr=lr, weight_decay=wd)

    msg = evaluate("galaxies.transfer_setup", all_params).message
    assert "optimised = trainable" in msg and "conv1" in msg

    def adam(model, classes, lr, wd):
        new, _ = transfer_setup(model, classes, lr, wd)
        return new, torch.optim.Adam([p for p in new.parameters() if p.requires_grad], lr=lr)

    assert "AdamW" in evaluate("galaxies.transfer_setup", adam).message

    def todo(model, classes, lr, wd):
        raise NotImplementedError

    assert "Not attempted" in evaluate("galaxies.transfer_setup", todo).message


def test_predict_tta_build_it():
    from coursekit.galaxies.model import predict_tta

    assert evaluate("galaxies.predict_tta", predict_tta).passed

    def rotations_only(model, x):
        return torch.stack([torch.softmax(model(torch.rot90(x, k, (-2, -1))), 1) for k in range(4)]).mean(0)

    assert "expected" in evaluate("galaxies.predict_tta", rotations_only).message

    def mean_logits(model, x):
        views = [torch.rot90(v, k, (-2, -1)) for v in (x, x.flip(-1)) for k in range(4)]
        return torch.softmax(torch.stack([model(v) for v in views]).mean(0), 1)

    assert not evaluate("galaxies.predict_tta", mean_logits).passed


def test_effect_exercises():
    assert evaluate("galaxies.rotation_invariance", Measurement(0.12, 0.03)).passed
    assert "expected positive" in evaluate("galaxies.rotation_invariance", Measurement(-0.1, 0.03)).message
    assert "not significant" in evaluate("galaxies.rotation_invariance", Measurement(0.03, 0.03)).message
    assert evaluate("galaxies.mc_dropout_calibration", Measurement(0.004, 0.004)).passed
    assert not evaluate("galaxies.mc_dropout_calibration", Measurement(0.03, 0.005)).passed


def test_quiz_grades():
    questions = get_quiz("galaxies")
    assert 8 <= len(questions) <= 10
    right = [q.answer for q in questions]
    assert grade_quiz("galaxies", right).score == len(questions)
    wrong = copy.copy(right)
    wrong[0] = "a"
    res = grade_quiz("galaxies", wrong)
    assert res.score == len(questions) - 1


@pytest.mark.parametrize("answer", [None, "x"])
def test_not_attempted_and_wrong_form(answer):
    assert not evaluate("galaxies.transfer_setup", answer).passed
