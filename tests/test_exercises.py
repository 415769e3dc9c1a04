"""The exercise mechanics: value, function and effect checks; hints; gated solutions; quizzes."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest

from coursekit import exercises as ex
from coursekit.exercises import (
    Question,
    Result,
    check,
    compare_outputs,
    decode_solutions,
    effect_exercise,
    encode_solutions,
    evaluate,
    exercise,
    function_exercise,
    grade_quiz,
    hint,
    quiz,
    quiz_questions,
    show_solution,
)


def _cumsum_ref(x, scale=1.0):
    return np.cumsum(x) * scale


def _inputs(rng):
    return (rng.normal(size=int(rng.integers(3, 8))),), {"scale": float(rng.uniform(0.5, 2))}


function_exercise("testtopic.cumsum", title="running sum", reference=_cumsum_ref, make_inputs=_inputs,
                  n_trials=4, hints=("Each element adds all before it.", "Use np.cumsum and multiply by scale."))
function_exercise("testtopic.by_path", title="by path", reference="numpy:cumsum",
                  make_inputs=lambda rng: rng.normal(size=5), n_trials=2)
effect_exercise("testtopic.gain", title="the gain", direction=+1, min_sigma=2.0, value_range=(0.05, 0.5),
                hints=("Which minus which?", "ML efficiency minus baseline efficiency, bootstrap error."))
effect_exercise("testtopic.null", title="no leak", direction=0, min_sigma=3.0)


@exercise("testtopic.value", title="two plus two", hints=("Count.", "Add them."))
def _value(answer) -> Result:
    return Result.ok("yes") if answer == 4 else Result.fail("no")


@pytest.fixture(autouse=True)
def _fresh():
    ex.reset_progress()
    yield
    ex.reset_progress()


def test_function_exercise_passes_the_reference_itself():
    assert evaluate("testtopic.cumsum", _cumsum_ref).passed
    assert evaluate("testtopic.by_path", lambda x: np.cumsum(x)).passed


def test_function_exercise_reports_first_differing_input_and_element():
    def almost(x, scale=1.0):
        out = np.cumsum(x) * scale
        out[2] += 1.0
        return out

    r = evaluate("testtopic.cumsum", almost)
    assert not r.passed
    assert "Input 1 of 4" in r.message and "output[2]" in r.message and "expected" in r.message


def test_function_exercise_reports_shape_exception_and_none():
    r = evaluate("testtopic.cumsum", lambda x, scale=1.0: np.cumsum(x)[:-1] * scale)
    assert not r.passed and "shape" in r.message
    r = evaluate("testtopic.cumsum", lambda x, scale=1.0: 1 / 0)
    assert not r.passed and "ZeroDivisionError" in r.message and "Input 1" in r.message
    r = evaluate("testtopic.cumsum", lambda x, scale=1.0: None)
    assert not r.passed and "returned None" in r.message


def test_function_exercise_ignores_scale_only_on_later_trials():
    # right on trials where scale is ~1 would still be caught: scale is drawn in [0.5, 2)
    r = evaluate("testtopic.cumsum", lambda x, scale=1.0: np.cumsum(x))
    assert not r.passed and "Input 1 of 4" in r.message


def test_function_exercise_not_implemented_and_not_callable():
    def todo(x, scale=1.0):
        raise NotImplementedError

    assert "Not attempted" in evaluate("testtopic.cumsum", todo).message
    assert "function itself" in evaluate("testtopic.cumsum", np.zeros(3)).message


def test_student_cannot_corrupt_reference_inputs():
    def mutating(x, scale=1.0):
        x[:] = 0
        return np.cumsum(x) * scale

    assert not evaluate("testtopic.cumsum", mutating).passed


def test_compare_outputs_units_tensors_and_containers():
    torch = pytest.importorskip("torch")
    assert compare_outputs(1 * u.km, 1000 * u.m, rtol=1e-9, atol=0) is None
    assert "not convertible" in compare_outputs(1 * u.km, 1 * u.s, rtol=1e-9, atol=0)
    assert "without units" in compare_outputs(1 * u.km, 1.0, rtol=1e-9, atol=0)
    assert compare_outputs(np.arange(3.0), torch.arange(3.0), rtol=1e-6, atol=0) is None
    msg = compare_outputs((1.0, np.ones(2)), (1.0, np.array([1.0, 3.0])), rtol=1e-6, atol=0)
    assert msg.startswith("output[1][1]") and "expected 1" in msg and "got 3" in msg
    assert "missing key" in compare_outputs({"a": 1}, {"b": 1}, rtol=0, atol=0)


def test_effect_exercise_direction_significance_range_and_form():
    assert evaluate("testtopic.gain", (0.2, 0.05)).passed
    assert "expected positive" in evaluate("testtopic.gain", (-0.2, 0.05)).message
    assert "not significant" in evaluate("testtopic.gain", (0.2, 0.15)).message
    assert "outside the expected range" in evaluate("testtopic.gain", (0.9, 0.05)).message
    assert "positive finite" in evaluate("testtopic.gain", (0.2, 0.0)).message
    assert "(value, err)" in evaluate("testtopic.gain", 0.2).message

    class M:
        value, err = 0.3, 0.1

    assert evaluate("testtopic.gain", M()).passed
    assert evaluate("testtopic.null", (0.01, 0.05)).passed
    assert "consistent with zero" in evaluate("testtopic.null", (0.5, 0.05)).message


def test_hints_two_levels_then_pointer_to_solution(capsys):
    assert hint("testtopic.cumsum").startswith("Nudge: Each element")
    assert hint("testtopic.cumsum").startswith("Method: Use np.cumsum")
    assert "show_solution" in hint("testtopic.cumsum")
    with pytest.raises(ValueError, match="two strings"):
        exercise("testtopic.bad", title="x", hints=("only one",))


def test_show_solution_is_gated_on_attempt_or_hint(capsys, monkeypatch):
    monkeypatch.setattr(ex, "packaged_solutions", lambda topic: {"testtopic.value": "answer = 2 + 2"})
    assert show_solution("testtopic.value") is None
    assert "Have a go first" in capsys.readouterr().out
    check("testtopic.value", None)             # None is not an attempt
    assert show_solution("testtopic.value") is None
    check("testtopic.value", 5)
    assert show_solution("testtopic.value") == "answer = 2 + 2"
    ex.reset_progress()
    hint("testtopic.value")
    assert show_solution("testtopic.value") == "answer = 2 + 2"


def test_solution_encoding_round_trips_and_is_not_plain_text():
    sols = {"gw.a": "answer = np.hypot(18.6, 13.2)", "gw.b": "def f(x):\n    return x  # ünïcode"}
    text = encode_solutions(sols)
    assert decode_solutions(text) == sols
    assert "hypot" not in text and "return" not in text
    assert encode_solutions(dict(reversed(sols.items()))) == text       # deterministic
    with pytest.raises(ValueError, match="regenerate"):
        decode_solutions("answer = 1")


QUESTIONS = [Question("Pick b", choices={"a": "A", "b": "B", "c": "C"}, answer="b",
                      feedback={"a": "A is the trap."}, explain="B it is.")]
QUESTIONS += [Question(f"{k} times 2?", answer=2.0 * k, feedback=[(k, "You forgot to double.")]) for k in range(1, 9)]
quiz_questions("testtopic", QUESTIONS)


def test_quiz_grades_with_feedback_per_wrong_answer(capsys):
    result = quiz("testtopic", {1: "a", 2: 2.0, 3: 2.0, 4: "four"})
    out = capsys.readouterr().out
    assert result.score == 1 and result.answered == 4
    assert "A is the trap." in out and "You forgot to double." in out and "give a number" in out
    assert grade_quiz("testtopic", ["b"] + [2.0 * k for k in range(1, 9)]).score == 9
    assert grade_quiz("testtopic", ["B)"]).results[0].passed


def test_quiz_without_answers_prints_questions_and_how_to_answer(capsys):
    assert quiz("testtopic", interactive=False) is None
    out = capsys.readouterr().out
    assert "Q1. Pick b" in out and "b) B" in out and "answers=" in out


def test_quiz_rejects_bad_definitions_and_keys():
    with pytest.raises(ValueError, match="8-10"):
        quiz_questions("short", QUESTIONS[:3])
    with pytest.raises(ValueError, match="not one of the choices"):
        Question("x", choices={"a": "A"}, answer="z")
    with pytest.raises(ValueError, match="question number"):
        grade_quiz("testtopic", {0: "b"})
    with pytest.raises(KeyError, match="no quiz"):
        quiz("nosuchtopic")


def test_existing_value_exercises_still_work():
    assert evaluate("testtopic.value", 4).passed
    assert "Not attempted" in evaluate("testtopic.value", None).message
    with pytest.raises(KeyError, match="unknown exercise"):
        evaluate("testtopic.nope", 1)


def test_interactive_quiz_form_grades_on_click(capsys):
    pytest.importorskip("ipywidgets")
    import ipywidgets as widgets

    shown = []
    import IPython.display

    orig = IPython.display.display
    IPython.display.display = lambda w: shown.append(w)
    try:
        ex._interactive_quiz("testtopic", ex.get_quiz("testtopic"))
    finally:
        IPython.display.display = orig
    form = shown[0]
    rows, button, out = form.children[:-2], form.children[-2], form.children[-1]
    rows[0].children[1].value = "b"
    rows[1].children[1].value = "2"
    assert isinstance(button, widgets.Button) and isinstance(out, widgets.Output)
    button.click()
    assert grade_quiz("testtopic", ["b", "2"]).score == 2


def test_packaged_solutions_are_read_from_the_installed_package():
    sols = ex.packaged_solutions("surveys")
    assert "1.25" in sols["surveys.coadd_depth"] and "measure_throughput" in sols["surveys.size_scaling"]
    assert ex.packaged_solutions("no_such_topic") == {}
