"""Tests of coursekit.astro.exercises: value checks, build-it references, experiment checks and the quiz."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from astropy import units as u

from coursekit.exercises import evaluate, get_quiz, grade_quiz


def test_exercise_pixel_separation():
    assert evaluate("astro.pixel_separation", 20.0 * u.arcsec).passed
    assert evaluate("astro.pixel_separation", (20.0 / 3600) * u.deg).passed
    r = evaluate("astro.pixel_separation", 50.0)
    assert not r.passed and "pixels" in r.message
    r = evaluate("astro.pixel_separation", 28.0 * u.arcsec)
    assert not r.passed and "hypotenuse" in r.message
    assert not evaluate("astro.pixel_separation", 20.0 * u.m).passed
    assert not evaluate("astro.pixel_separation", None).passed


def test_exercise_flux_at_limit():
    assert evaluate("astro.flux_at_limit", 398.1 * u.ct).passed
    r = evaluate("astro.flux_at_limit", 10 ** (0.4 * (20.5 - 27.0)) * u.ct)
    assert not r.passed and "Sign" in r.message
    assert not evaluate("astro.flux_at_limit", 398.1).passed
    assert not evaluate("astro.flux_at_limit", 1000 * u.ct).passed


def test_exercise_matched_count():
    from coursekit.astro.exercises import exercise_catalogues

    ref, det = exercise_catalogues()
    assert len(ref) == 40 and len(det) == 38
    _, sep, _ = ref.match_to_catalog_sky(det)
    right = int((sep < 1 * u.arcsec).sum())
    assert 30 <= right <= 34
    assert evaluate("astro.matched_count", right).passed
    r = evaluate("astro.matched_count", 40)
    assert not r.passed and "separation limit" in r.message
    assert not evaluate("astro.matched_count", right + 3).passed
    assert not evaluate("astro.matched_count", float(right)).passed


def test_build_it_nearest_within_accepts_right_and_catches_no_limit():
    def right(reference, detected, max_sep):
        idx, sep, _ = reference.match_to_catalog_sky(detected)
        return np.where(sep < max_sep, idx, -1)

    def no_limit(reference, detected, max_sep):
        return reference.match_to_catalog_sky(detected)[0]

    def not_done(reference, detected, max_sep):
        raise NotImplementedError

    assert evaluate("astro.nearest_within", right).passed
    r = evaluate("astro.nearest_within", no_limit)
    assert not r.passed and "Input 1" in r.message
    assert "Not attempted" in evaluate("astro.nearest_within", not_done).message


def test_build_it_stamp_tensor_accepts_right_and_catches_pixel_position_and_trim():
    from astropy.nddata import Cutout2D

    def right(data, wcs, position, size):
        cut = Cutout2D(data, position, size, wcs=wcs, mode="partial", fill_value=np.nan)
        ring = np.ones((size, size), bool)
        ring[2:-2, 2:-2] = False
        sub = cut.data - np.nanmedian(cut.data[ring])
        return torch.tensor(np.nan_to_num(sub / np.nansum(sub))[None], dtype=torch.float32)

    def whole_median(data, wcs, position, size):
        cut = Cutout2D(data, position, size, wcs=wcs, mode="partial", fill_value=np.nan)
        sub = cut.data - np.nanmedian(cut.data)
        return torch.tensor(np.nan_to_num(sub / np.nansum(sub))[None], dtype=torch.float32)

    assert evaluate("astro.stamp_tensor", right).passed
    assert not evaluate("astro.stamp_tensor", whole_median).passed
    assert not evaluate("astro.stamp_tensor", 3).passed


def test_experiment_checks_direction_and_significance():
    assert evaluate("astro.threshold_completeness", (0.16, 0.03)).passed
    assert not evaluate("astro.threshold_completeness", (-0.16, 0.03)).passed      # wrong sign
    assert not evaluate("astro.threshold_completeness", (0.02, 0.03)).passed       # not significant
    assert evaluate("astro.threshold_false", (95.0, 9.8)).passed
    assert not evaluate("astro.threshold_false", (0.0, 1.4)).passed
    assert evaluate("astro.cnn_vs_cut_faint", ((-0.147, 0.076), "neither")).passed
    assert not evaluate("astro.cnn_vs_cut_faint", ((-0.147, 0.076), "cut")).passed
    assert evaluate("astro.cnn_vs_cut_faint", ((0.20, 0.05), "cnn")).passed
    assert not evaluate("astro.cnn_vs_cut_faint", ((0.20, 0.0), "cnn")).passed
    assert not evaluate("astro.cnn_vs_cut_faint", 0.2).passed


def test_quiz_has_answers_that_grade():
    qs = get_quiz("astro")
    assert 8 <= len(qs) <= 10
    right = {i + 1: q.answer for i, q in enumerate(qs)}
    res = grade_quiz("astro", right)
    assert res.score == len(qs)
    wrong = dict(right)
    wrong[1] = 512.5
    assert grade_quiz("astro", wrong).score == len(qs) - 1
    assert 11 * 65 / 1000 == pytest.approx(qs[-1].answer, rel=0.05)
