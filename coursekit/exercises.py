"""Exercises, build-it checks, experiment checks, hints, solutions and quizzes.

Every topic declares its exercises in ``coursekit/<topic>/exercises.py`` with
the decorators below; notebooks call :func:`check`, :func:`hint`,
:func:`show_solution` and :func:`quiz`. Ids look like ``"<topic>.<name>"``.

1. Value answers (a number, a Quantity, a tuple, a word)::

       @exercise("gw.network_snr", title="Network SNR of GW150914",
                 hints=("Is the noise in H1 and L1 correlated?",
                        "Independent noise: add the squares of the SNRs and take the root."))
       def network_snr(answer) -> Result:
           if np.isclose(float(answer), np.hypot(18.6, 13.2), atol=0.1):
               return Result.ok("Right: 22.8.")
           return Result.fail("rho_net^2 = rho_H1^2 + rho_L1^2.")

   The checker returns :class:`Result` with specific feedback per wrong answer.
   Extra keyword arguments of ``check(id, answer, **context)`` reach the checker.

2. Build-it sections (the student writes a function)::

       function_exercise("gw.whiten", title="Whiten a strain series",
                         reference="coursekit.gw.spectral:whiten",        # "module:attribute" or a callable
                         make_inputs=lambda rng: ((rng.normal(size=4096), 4096.0), {}),   # (args, kwargs)
                         n_trials=5, rtol=1e-6, atol=1e-9,
                         hints=("nudge", "method"))

   ``check("gw.whiten", whiten)`` (the function itself, no parentheses) calls the
   reference and the student's function on the same ``n_trials`` inputs drawn
   with ``numpy.random.default_rng(seed)`` (default seed 0, so every run sees
   the same inputs) and reports the FIRST input where they differ: which trial,
   the shapes of its arguments, which element, expected vs got; or the exception
   the student's code raised; or PASS. Outputs may be scalars, NumPy arrays,
   torch tensors, astropy Quantities (units must be equivalent) and
   tuples/lists/dicts of these. ``make_inputs`` may return ``args`` alone.
   A function that raises ``NotImplementedError`` counts as "not attempted yet".

3. Experiments (the student measures an effect with its uncertainty)::

       effect_exercise("gw.whitening_helps", title="Does whitening raise the CNN's efficiency?",
                       direction=+1,            # +1: must be positive, -1: negative, 0: consistent with zero
                       min_sigma=2.0,           # |value| / err at least this (direction != 0)
                       value_range=(0.05, 0.6), # optional: where the size must lie
                       unit=None,               # optional astropy unit the value is given in
                       hints=(...))

   ``check("gw.whitening_helps", effect)`` takes a ``coursekit.metrics.Measurement``
   (anything with ``.value`` and ``.err``), or a ``(value, err)`` tuple.

4. Hints and solutions. ``hint(id)`` prints the nudge the first time and the
   method the second. ``show_solution(id)`` refuses politely until the student
   has attempted the exercise (``check`` with an answer that is not ``None``)
   or asked for a hint in this kernel. Solutions are written ONLY in the solved
   notebooks (``notebooks/NN_*.ipynb``), inside the markers of a build-it cell::

       def whiten(strain, fs):
           ### BEGIN SOLUTION gw.whiten
           spectrum = np.fft.rfft(strain)
           ...
           return whitened
           ### END SOLUTION
           ### STUDENT: raise NotImplementedError("your code here")

       check("gw.whiten", whiten)

   or for a value answer::

       ### BEGIN SOLUTION gw.network_snr
       answer = float(np.hypot(18.6, 13.2))
       ### END SOLUTION
       ### STUDENT: answer = None   # the network SNR from 18.6 (H1) and 13.2 (L1)
       check("gw.network_snr", answer)

   (A cell tagged ``solution`` is the older form: the whole cell is a solution.)
   The id after ``BEGIN SOLUTION`` may be left out when the cell has exactly one
   ``check("<id>", ...)``. ``python -m coursekit edition`` writes the student
   edition ``notebooks/student/`` (solution lines removed, ``### STUDENT: `` lines
   turned into code, tagged solution cells dropped, outputs stripped) and the
   encoded solution files ``coursekit/solutions/<topic>.txt`` (zlib + base85, not
   plain text) that ``show_solution`` reads; ``tests/test_edition.py`` fails when
   they are out of date. The student edition must run top to bottom with every
   answer left at ``None``: cells after a build-it cell use the package's tested
   version, not the student's.

5. Quizzes (8-10 conceptual questions per notebook) are written in
   ``notebooks/quizzes/<topic>.yaml``::

       questions:
       - prompt: Why is the strain whitened before the CNN sees it?
         choices: {a: to remove the chirp, b: to flatten the coloured noise, ...}
         answer: b
         feedback: {a: The chirp is the signal we want to keep ..., ...}
         explain: Whitening divides by the ASD so every frequency carries equal noise power.
       - prompt: "A search fires once per 1000 one-second noise windows: false alarms per day?"
         answer: 86.4
         unit: per day
         feedback: [{near: 3.6, why: That is per hour.}]    # numeric near misses
         explain: 86,400 windows x 1e-3.

   ``python -m coursekit edition`` packages them, encoded, into ``coursekit/solutions/<topic>.txt``
   (no answer key in plain text in the package); :func:`quiz_questions` registers a quiz made at run time.

   ``quiz("gw")`` prints the questions and how to answer; ``quiz("gw", answers={1: "b", 2: 86.4})``
   (or a list in question order) grades them, with the feedback of each wrong
   answer; where ipywidgets render, ``quiz("gw", interactive=True)`` shows a form.
"""

from __future__ import annotations

import base64
import copy
import importlib
import json
import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Result:
    """Outcome of a check: ``passed`` and a message for the student."""

    passed: bool
    message: str

    @classmethod
    def ok(cls, message: str = "Correct.") -> Result:
        return cls(True, message)

    @classmethod
    def fail(cls, hint: str) -> Result:
        return cls(False, hint)

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'NOT YET'}: {self.message}"

    def __bool__(self) -> bool:
        return self.passed


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    checker: Callable[..., Result]
    solution: str = ""
    hints: tuple[str, ...] = ()
    kind: str = "value"          # "value" | "function" | "effect"


_REGISTRY: dict[str, Exercise] = {}
# Progress in this kernel: show_solution needs an attempt or a hint first.
_ATTEMPTED: set[str] = set()
_HINTS_SEEN: dict[str, int] = {}


def _check_id(exercise_id: str) -> None:
    if not isinstance(exercise_id, str) or "." not in exercise_id:
        raise ValueError(f"exercise id {exercise_id!r} must look like '<topic>.<name>'")


def _check_hints(exercise_id: str, hints: Sequence[str]) -> tuple[str, ...]:
    hints = tuple(hints)
    if len(hints) not in (0, 2) or not all(isinstance(h, str) and h.strip() for h in hints):
        raise ValueError(f"exercise {exercise_id!r}: hints must be two strings (a nudge, then the method)")
    return hints


def _register(ex: Exercise) -> None:
    _REGISTRY[ex.id] = ex


def exercise(exercise_id: str, *, title: str, solution: str = "",
             hints: Sequence[str] = ()) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Register a value-answer checker under ``"<topic>.<name>"``.

    ``solution`` is accepted for older topics, but is plain text in the package: put the worked solution in the
    solved notebook between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` instead (it then wins).
    """
    _check_id(exercise_id)
    hint_pair = _check_hints(exercise_id, hints)

    def deco(fn: Callable[..., Result]) -> Callable[..., Result]:
        _register(Exercise(exercise_id, title, fn, solution.strip("\n"), hint_pair, "value"))
        return fn

    return deco


# ----------------------------------------------------------------------------------------------------------------
# Build-it: compare a student's function with the reference on fixed random inputs
# ----------------------------------------------------------------------------------------------------------------

def _resolve_reference(reference: str | Callable[..., Any]) -> Callable[..., Any]:
    if callable(reference):
        return reference
    module_name, _, attr = reference.partition(":")
    if not attr:
        raise ValueError(f"reference {reference!r} must look like 'package.module:function'")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _describe(value: Any) -> str:
    """Short description of an input: shapes and dtypes for arrays, repr for small things."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        unit = getattr(value, "unit", None)
        return f"array{tuple(value.shape)} {value.dtype}" + (f" [{unit}]" if unit is not None else "")
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_describe(v) for v in value[:6]) + (", ..." if len(value) > 6 else "")
        return f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_describe(v)}" for k, v in list(value.items())[:6]) + "}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _to_numpy(value: Any) -> Any:
    if hasattr(value, "detach") and hasattr(value, "cpu"):      # torch tensor, without importing torch
        return value.detach().cpu().numpy()
    return value


def _fmt(x: Any) -> str:
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return repr(x)


def compare_outputs(expected: Any, got: Any, *, rtol: float, atol: float, where: str = "output") -> str | None:
    """``None`` when ``got`` matches ``expected`` (``numpy.isclose`` semantics), else what differs first."""
    import astropy.units as u

    expected, got = _to_numpy(expected), _to_numpy(got)
    if isinstance(expected, u.Quantity):
        if not isinstance(got, u.Quantity):
            return f"{where}: expected a Quantity in {expected.unit}, got {type(got).__name__} without units"
        if not got.unit.is_equivalent(expected.unit):
            return f"{where}: unit {got.unit} is not convertible to {expected.unit}"
        return compare_outputs(expected.value, got.to_value(expected.unit), rtol=rtol, atol=atol, where=where)
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return f"{where}: expected a dict, got {type(got).__name__}"
        missing = [k for k in expected if k not in got]
        if missing:
            return f"{where}: missing key {missing[0]!r}"
        for key in expected:
            msg = compare_outputs(expected[key], got[key], rtol=rtol, atol=atol, where=f"{where}[{key!r}]")
            if msg:
                return msg
        return None
    if isinstance(expected, (tuple, list)) and not isinstance(got, np.ndarray):
        if not isinstance(got, (tuple, list)):
            return f"{where}: expected a {type(expected).__name__} of {len(expected)}, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"{where}: expected {len(expected)} items, got {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            msg = compare_outputs(e, g, rtol=rtol, atol=atol, where=f"{where}[{i}]")
            if msg:
                return msg
        return None
    if isinstance(expected, (str, bool)) or expected is None:
        return None if got == expected else f"{where}: expected {expected!r}, got {got!r}"
    exp = np.asarray(expected)
    if got is None:
        return f"{where}: your function returned None (a missing `return`?)"
    try:
        arr = np.asarray(got, dtype=float) if exp.dtype.kind in "fiub" else np.asarray(got)
    except (TypeError, ValueError):
        return f"{where}: expected numbers, got {type(got).__name__}"
    if arr.shape != exp.shape:
        return f"{where}: expected shape {exp.shape}, got shape {arr.shape}"
    if exp.dtype.kind not in "fiucb":
        bad = np.argwhere(np.asarray(arr != exp).reshape(exp.shape) if exp.shape else np.asarray([arr != exp]))
        if bad.size == 0:
            return None
        idx = tuple(int(i) for i in bad[0])
        return f"{where}{list(idx) if exp.shape else ''}: expected {exp[idx]!r}, got {arr[idx]!r}"
    close = np.isclose(arr, exp, rtol=rtol, atol=atol, equal_nan=True)
    if np.all(close):
        return None
    if exp.shape == ():
        return f"{where}: expected {_fmt(exp)}, got {_fmt(arr)}"
    idx = tuple(int(i) for i in np.argwhere(~close)[0])
    n_bad = int((~close).sum())
    return (f"{where}{list(idx)}: expected {_fmt(exp[idx])}, got {_fmt(arr[idx])} "
            f"({n_bad} of {exp.size} elements differ beyond rtol={rtol:g}, atol={atol:g})")


def _normalise_inputs(made: Any) -> tuple[tuple, dict]:
    if isinstance(made, tuple) and len(made) == 2 and isinstance(made[1], dict) and isinstance(made[0], (tuple, list)):
        return tuple(made[0]), dict(made[1])
    if isinstance(made, tuple):
        return made, {}
    return (made,), {}


def function_exercise(exercise_id: str, *, title: str, reference: str | Callable[..., Any],
                      make_inputs: Callable[[np.random.Generator], Any], n_trials: int = 5,
                      rtol: float = 1e-6, atol: float = 1e-9, seed: int = 0,
                      hints: Sequence[str] = ()) -> Exercise:
    """Register a build-it exercise: the answer is a function compared with ``reference``.

    ``make_inputs(rng) -> (args, kwargs)`` (or just ``args``) draws one input; trial ``k`` uses the ``k``-th draw of
    ``numpy.random.default_rng(seed)``, so every run and every student sees the same inputs.
    """
    _check_id(exercise_id)
    if n_trials < 1:
        raise ValueError(f"exercise {exercise_id!r}: n_trials must be >= 1")

    def checker(answer: Any) -> Result:
        if not callable(answer):
            return Result.fail(f"Pass your function itself, e.g. `check({exercise_id!r}, my_function)` "
                               f"(no parentheses); got a {type(answer).__name__}.")
        ref = _resolve_reference(reference)
        rng = np.random.default_rng(seed)
        for trial in range(1, n_trials + 1):
            args, kwargs = _normalise_inputs(make_inputs(rng))
            shown = ", ".join([_describe(a) for a in args] + [f"{k}={_describe(v)}" for k, v in kwargs.items()])
            expected = ref(*copy.deepcopy(args), **copy.deepcopy(kwargs))
            try:
                got = answer(*copy.deepcopy(args), **copy.deepcopy(kwargs))
            except NotImplementedError:
                return Result.fail(f"Not attempted yet: write the body of your function for '{title}'.")
            except Exception as exc:  # the student's code: report, never crash the notebook
                return Result.fail(f"Input {trial} of {n_trials} ({shown}): your function raised "
                                   f"{type(exc).__name__}: {exc}")
            diff = compare_outputs(expected, got, rtol=rtol, atol=atol)
            if diff:
                return Result.fail(f"Input {trial} of {n_trials} ({shown}): {diff}.")
        return Result.ok(f"Your function matches the reference on all {n_trials} test inputs.")

    ex = Exercise(exercise_id, title, checker, "", _check_hints(exercise_id, hints), "function")
    _register(ex)
    return ex


# ----------------------------------------------------------------------------------------------------------------
# Experiments: a measured effect with its uncertainty
# ----------------------------------------------------------------------------------------------------------------

def as_value_err(answer: Any, unit: Any = None) -> tuple[float, float]:
    """``(value, err)`` from a Measurement-like object (``.value``, ``.err``) or a 2-tuple; Quantities -> ``unit``."""
    if hasattr(answer, "value") and hasattr(answer, "err"):
        value, err = answer.value, answer.err
    elif isinstance(answer, (tuple, list)) and len(answer) == 2:
        value, err = answer
    else:
        raise ValueError("give the measured effect with its uncertainty: a Measurement, or a (value, err) tuple")

    def num(x: Any) -> float:
        if hasattr(x, "unit") and hasattr(x, "to_value"):
            if unit is None:
                raise ValueError(f"give the effect as a plain number, not in {x.unit}")
            return float(x.to_value(unit))
        return float(x)

    return num(value), num(err)


def effect_exercise(exercise_id: str, *, title: str, direction: int, min_sigma: float = 2.0,
                    value_range: tuple[float, float] | None = None, unit: Any = None,
                    what: str = "the effect", hints: Sequence[str] = ()) -> Exercise:
    """Register an experiment check on a measured ``(value, err)``.

    ``direction=+1`` (or ``-1``): the effect must be positive (negative) at ``min_sigma`` or more; ``direction=0``:
    it must be consistent with zero within ``min_sigma``. ``value_range=(lo, hi)``: the value must also lie there
    (the expected size, generous enough for every seed a student might use).
    """
    _check_id(exercise_id)
    if direction not in (-1, 0, 1):
        raise ValueError(f"exercise {exercise_id!r}: direction must be +1, -1 or 0")
    if min_sigma <= 0:
        raise ValueError(f"exercise {exercise_id!r}: min_sigma must be positive")

    def checker(answer: Any) -> Result:
        try:
            value, err = as_value_err(answer, unit)
        except (TypeError, ValueError) as exc:
            return Result.fail(f"{exc}.")
        if not (math.isfinite(value) and math.isfinite(err)) or err <= 0:
            return Result.fail(f"The uncertainty must be a positive finite number (got value {value:g} ± {err:g}): "
                               "estimate it, e.g. with a bootstrap or from repeated seeds.")
        sigma = abs(value) / err
        measured = f"{what} = {value:.3g} ± {err:.2g}{(' ' + str(unit)) if unit is not None else ''} ({sigma:.1f} sigma)"
        if direction == 0:
            if sigma > min_sigma:
                return Result.fail(f"{measured}: this should be consistent with zero; look for a bug or a leak.")
        else:
            if value * direction <= 0:
                expected = "positive" if direction > 0 else "negative"
                return Result.fail(f"{measured}: expected {expected}. Check the sign convention (which minus which).")
            if sigma < min_sigma:
                return Result.fail(f"{measured}: the sign is right but it is not significant at {min_sigma:g} sigma; "
                                   "use more data or repeats so the uncertainty shrinks.")
        if value_range is not None:
            lo, hi = value_range
            if not lo <= value <= hi:
                return Result.fail(f"{measured}: outside the expected range {lo:g} to {hi:g}. Check the units and "
                                   "that both arms of the experiment use the same data.")
        return Result.ok(f"{measured}: direction and size as expected.")

    ex = Exercise(exercise_id, title, checker, "", _check_hints(exercise_id, hints), "effect")
    _register(ex)
    return ex


# ----------------------------------------------------------------------------------------------------------------
# Lookup, check, hint, solution
# ----------------------------------------------------------------------------------------------------------------

def get_exercise(exercise_id: str) -> Exercise:
    topic = str(exercise_id).split(".", 1)[0]
    if exercise_id not in _REGISTRY:
        try:
            importlib.import_module(f"coursekit.{topic}.exercises")
        except ModuleNotFoundError:
            pass
    if exercise_id not in _REGISTRY:
        known = ", ".join(sorted(k for k in _REGISTRY if k.startswith(topic + "."))) or "none loaded"
        raise KeyError(f"unknown exercise {exercise_id!r}; known for {topic!r}: {known}")
    return _REGISTRY[exercise_id]


def evaluate(exercise_id: str, answer: Any, **context: Any) -> Result:
    """Run the checker without printing; ``None`` answers get the 'not attempted' message."""
    ex = get_exercise(exercise_id)
    if answer is None:
        what = {"function": "your function", "effect": "your measured effect and its uncertainty"}.get(ex.kind, "your answer")
        return Result.fail(f"Not attempted yet: replace `None` with {what} for '{ex.title}' "
                           f"(stuck? `hint({exercise_id!r})`).")
    try:
        result = ex.checker(answer, **context)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
        return Result.fail(f"Your answer has the wrong form for '{ex.title}': {exc}")
    if not isinstance(result, Result):
        raise TypeError(f"checker for {exercise_id!r} returned {type(result).__name__}, not Result")
    return result


def check(exercise_id: str, answer: Any, **context: Any) -> Result:
    """Check a student's answer (a value, a function or a measured effect), print the verdict and return it."""
    result = evaluate(exercise_id, answer, **context)
    if answer is not None:
        _ATTEMPTED.add(exercise_id)
    print(str(result))
    return result


def hint(exercise_id: str) -> str:
    """Print the next hint: first a nudge, then the method; after that, where to find the solution."""
    ex = get_exercise(exercise_id)
    if not ex.hints:
        text = f"No hints are written for '{ex.title}'; re-read the cell above, or `show_solution({exercise_id!r})`."
        _HINTS_SEEN[exercise_id] = max(_HINTS_SEEN.get(exercise_id, 0), 1)
    else:
        level = _HINTS_SEEN.get(exercise_id, 0)
        if level >= len(ex.hints):
            text = (f"Method: {ex.hints[-1]}\n(That was the last hint; `show_solution({exercise_id!r})` "
                    "shows the worked solution.)")
        else:
            text = ("Nudge: " if level == 0 else "Method: ") + ex.hints[level]
        _HINTS_SEEN[exercise_id] = min(level + 1, len(ex.hints))
    print(text)
    return text


def reset_progress() -> None:
    """Forget attempts and hints seen in this kernel (for tests)."""
    _ATTEMPTED.clear()
    _HINTS_SEEN.clear()


_SOLUTIONS_HEADER = "# coursekit solutions v1: zlib+base85 JSON; written by `python -m coursekit edition`, do not edit\n"


def encode_solutions(solutions: Mapping[str, str]) -> str:
    """The text of a solutions file: a header line, then base85 of zlib-compressed sorted JSON (deterministic)."""
    raw = json.dumps(dict(sorted(solutions.items())), ensure_ascii=False, sort_keys=True).encode()
    body = base64.b85encode(zlib.compress(raw, 9)).decode("ascii")
    lines = [body[i:i + 100] for i in range(0, len(body), 100)]
    return _SOLUTIONS_HEADER + "\n".join(lines) + "\n"


def decode_solutions(text: str) -> dict[str, str]:
    if not text.startswith(_SOLUTIONS_HEADER):
        raise ValueError("not a coursekit solutions file (header missing); regenerate with `python -m coursekit edition`")
    body = "".join(text[len(_SOLUTIONS_HEADER):].split())
    return json.loads(zlib.decompress(base64.b85decode(body)).decode())


def packaged_solutions(topic: str) -> dict[str, str]:
    """The worked solutions of one topic, from ``coursekit/solutions/<topic>.txt`` ({} if none)."""
    try:
        text = resources.files("coursekit.solutions").joinpath(f"{topic}.txt").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    return decode_solutions(text)


def show_solution(exercise_id: str) -> str | None:
    """Print the worked solution, once the student has attempted the exercise or asked for a hint."""
    ex = get_exercise(exercise_id)
    if exercise_id not in _ATTEMPTED and exercise_id not in _HINTS_SEEN:
        print(f"Have a go first: run `check({exercise_id!r}, your_answer)` with an answer, or ask for "
              f"`hint({exercise_id!r})`; then the solution is yours.")
        return None
    solution = packaged_solutions(exercise_id.split(".", 1)[0]).get(exercise_id) or ex.solution
    if not solution:
        print(f"No worked solution is stored for '{ex.title}'; the solved notebook in notebooks/ has it.")
        return None
    print(f"Worked solution: {ex.title}\n\n{solution}")
    return solution


def all_exercises() -> dict[str, Exercise]:
    """Every exercise of every topic (imports each topic's ``exercises`` module)."""
    from coursekit.registry import topic_modules

    for _ in topic_modules("exercises"):
        pass
    return dict(_REGISTRY)


# ----------------------------------------------------------------------------------------------------------------
# Quizzes
# ----------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    """One quiz question: multiple choice (``choices`` + a key ``answer``) or numeric (a float ``answer``).

    ``feedback``: for multiple choice, ``{wrong_key: why it is wrong}``; for numeric, ``[(near_miss, message), ...]``
    matched within ``rtol``. ``explain`` is shown after a right answer (and after a wrong one with no feedback).
    """

    prompt: str
    answer: Any
    choices: Mapping[str, str] | None = None
    feedback: Any = None
    explain: str = ""
    rtol: float = 0.02
    unit: str = ""

    def __post_init__(self) -> None:
        if self.choices is not None:
            if str(self.answer) not in self.choices:
                raise ValueError(f"quiz question {self.prompt[:40]!r}: answer {self.answer!r} is not one of the choices")
        elif not isinstance(self.answer, (int, float)):
            raise ValueError(f"quiz question {self.prompt[:40]!r}: give choices, or a numeric answer")

    def grade(self, given: Any) -> Result:
        if given is None:
            return Result.fail("not answered")
        if self.choices is not None:
            key = str(given).strip().lower().rstrip(")")
            if key not in self.choices:
                return Result.fail(f"answer with one of {', '.join(self.choices)} (got {given!r})")
            if key == str(self.answer):
                return Result.ok(self.explain or "Right.")
            why = (self.feedback or {}).get(key)
            return Result.fail(why or f"Not {key}. {self.explain}".strip())
        try:
            value = float(given)
        except (TypeError, ValueError):
            return Result.fail(f"give a number{(' in ' + self.unit) if self.unit else ''} (got {given!r})")
        if math.isclose(value, float(self.answer), rel_tol=self.rtol, abs_tol=1e-12):
            return Result.ok(self.explain or "Right.")
        for near, message in (self.feedback or []):
            if math.isclose(value, float(near), rel_tol=self.rtol, abs_tol=1e-12):
                return Result.fail(message)
        return Result.fail(f"{value:g} is not it. Work it through on paper first; the notebook above has the pieces.")


_QUIZZES: dict[str, tuple[Question, ...]] = {}


def _checked_quiz(topic: str, questions: Sequence[Question], where: str = "") -> tuple[Question, ...]:
    """The questions as a tuple, if there are 8-10 of them (the one place that rule lives)."""
    questions = tuple(questions)
    if not 8 <= len(questions) <= 10:
        raise ValueError(f"{where}{': ' if where else ''}quiz {topic!r} has {len(questions)} questions; write 8-10")
    return questions


def quiz_questions(topic: str, questions: Sequence[Question]) -> None:
    """Register the quiz of a topic (8-10 questions)."""
    _QUIZZES[topic] = _checked_quiz(topic, questions)


QUIZ_KEY = "__quiz__"
_QUESTION_FIELDS = ("prompt", "choices", "answer", "feedback", "explain", "rtol", "unit")


def question_from_dict(d: Mapping[str, Any], where: str = "quiz") -> Question:
    """A :class:`Question` from its plain form (as written in ``notebooks/quizzes/<topic>.yaml``)."""
    unknown = set(d) - set(_QUESTION_FIELDS)
    if unknown or "prompt" not in d or "answer" not in d:
        raise ValueError(f"{where}: a question needs 'prompt' and 'answer' (fields: {', '.join(_QUESTION_FIELDS)}); "
                         f"got {', '.join(sorted(d))}")
    fields = dict(d)
    if fields.get("choices") is not None:
        fields["choices"] = {str(k): str(v) for k, v in fields["choices"].items()}
        fields["answer"] = str(fields["answer"])
        fields["feedback"] = {str(k): str(v) for k, v in (fields.get("feedback") or {}).items()} or None
    elif fields.get("feedback") is not None:
        entries = fields["feedback"]
        if not isinstance(entries, list) or not all(isinstance(f, Mapping) and set(f) == {"near", "why"}
                                                    for f in entries):
            raise ValueError(f"{where}: the feedback of a numeric question is a list of {{near: NUMBER, why: TEXT}}; "
                             f"got {entries!r}")
        try:
            fields["feedback"] = [(float(f["near"]), str(f["why"])) for f in entries]
        except (TypeError, ValueError):
            raise ValueError(f"{where}: a numeric near miss ('near') must be a number; got {entries!r}") from None
    try:
        return Question(**fields)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from None


def question_to_dict(q: Question) -> dict[str, Any]:
    """The plain (JSON/YAML) form of a question; defaults are left out; numeric near misses as {near, why}."""
    out: dict[str, Any] = {"prompt": q.prompt}
    if q.choices is not None:
        out["choices"] = dict(q.choices)
    out["answer"] = q.answer
    if q.feedback:
        out["feedback"] = (dict(q.feedback) if q.choices is not None
                           else [{"near": near, "why": msg} for near, msg in q.feedback])
    if q.explain:
        out["explain"] = q.explain
    if q.rtol != 0.02:
        out["rtol"] = q.rtol
    if q.unit:
        out["unit"] = q.unit
    return out


def questions_from_list(topic: str, items: Sequence[Mapping[str, Any]], where: str = "quiz") -> tuple[Question, ...]:
    return _checked_quiz(topic, [question_from_dict(d, f"{where}, question {i}") for i, d in enumerate(items, 1)],
                         where)


def packaged_quiz(topic: str) -> tuple[Question, ...] | None:
    """The quiz of a topic from its encoded solutions file (keys and feedback are not in plain text there)."""
    text = packaged_solutions(topic).get(f"{topic}.{QUIZ_KEY}")
    if text is None:
        return None
    return questions_from_list(topic, json.loads(text), where=f"coursekit/solutions/{topic}.txt")


def get_quiz(topic: str) -> tuple[Question, ...]:
    """A topic's quiz: one registered with :func:`quiz_questions`, else the packaged one.

    The course's quizzes are written in ``notebooks/quizzes/<topic>.yaml`` and packaged, encoded with the worked
    solutions, by ``python -m coursekit edition``.
    """
    if topic not in _QUIZZES:
        questions = packaged_quiz(topic)
        if questions is not None:
            _QUIZZES[topic] = questions
    if topic not in _QUIZZES:
        raise KeyError(f"no quiz for topic {topic!r}; quizzes: {', '.join(sorted(_QUIZZES)) or 'none loaded'}")
    return _QUIZZES[topic]


@dataclass(frozen=True)
class QuizResult:
    topic: str
    results: tuple[Result, ...]

    @property
    def score(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def answered(self) -> int:
        return sum(r.message != "not answered" for r in self.results)

    def __str__(self) -> str:
        return f"quiz {self.topic}: {self.score}/{len(self.results)} right"


def _question_text(i: int, q: Question) -> str:
    lines = [f"Q{i}. {q.prompt}"]
    if q.choices is not None:
        lines += [f"    {k}) {v}" for k, v in q.choices.items()]
    else:
        lines.append(f"    (a number{(' in ' + q.unit) if q.unit else ''})")
    return "\n".join(lines)


def _as_answer_list(questions: Sequence[Question], answers: Any) -> list[Any]:
    if isinstance(answers, Mapping):
        bad = [k for k in answers if not (isinstance(k, int) and 1 <= k <= len(questions))]
        if bad:
            raise ValueError(f"quiz answers are keyed by question number 1-{len(questions)}; got key {bad[0]!r}")
        return [answers.get(i) for i in range(1, len(questions) + 1)]
    answers = list(answers)
    if len(answers) > len(questions):
        raise ValueError(f"{len(answers)} answers for {len(questions)} questions")
    return answers + [None] * (len(questions) - len(answers))


def grade_quiz(topic: str, answers: Any) -> QuizResult:
    """Grade without printing."""
    questions = get_quiz(topic)
    given = _as_answer_list(questions, answers)
    return QuizResult(topic, tuple(q.grade(a) for q, a in zip(questions, given)))


def _widgets_available() -> bool:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return shell is not None and hasattr(shell, "kernel")


def _interactive_quiz(topic: str, questions: Sequence[Question]) -> None:
    import ipywidgets as widgets
    from IPython.display import display

    rows, inputs = [], []
    for i, q in enumerate(questions, 1):
        if q.choices is not None:
            w = widgets.RadioButtons(options=[(f"{k}) {v}", k) for k, v in q.choices.items()], value=None,
                                     layout=widgets.Layout(width="auto"))
        else:
            w = widgets.Text(placeholder=f"a number{(' in ' + q.unit) if q.unit else ''}")
        inputs.append(w)
        rows.append(widgets.VBox([widgets.HTML(f"<b>Q{i}.</b> {q.prompt}"), w]))
    out = widgets.Output()
    button = widgets.Button(description="Check my answers")

    def on_click(_: Any) -> None:
        answers = [(w.value if w.value not in ("", None) else None) for w in inputs]
        with out:
            out.clear_output()
            _print_graded(grade_quiz(topic, answers))

    button.on_click(on_click)
    display(widgets.VBox([*rows, button, out]))


def _print_graded(result: QuizResult) -> None:
    for i, r in enumerate(result.results, 1):
        mark = "✓" if r.passed else ("·" if r.message == "not answered" else "✗")
        print(f"{mark} Q{i}: {r.message}")
    print(str(result))


def quiz(topic: str, answers: Any = None, *, interactive: bool | None = None) -> QuizResult | None:
    """Print a topic's quiz, or grade ``answers`` (``{number: answer}`` or a list in question order).

    With ``answers=None`` the questions are printed with how to answer, and where ipywidgets render (a Jupyter
    kernel) an interactive form is shown too (``interactive=False`` turns it off). Returns the graded
    :class:`QuizResult`, or ``None`` when nothing was answered.
    """
    questions = get_quiz(topic)
    if answers is None:
        for i, q in enumerate(questions, 1):
            print(_question_text(i, q))
        print(f"\nAnswer with `quiz({topic!r}, answers={{1: 'b', 2: 86.4, ...}})` (letters for multiple choice, "
              "numbers for the others), or use the form below where widgets show.")
        if interactive is None:
            interactive = _widgets_available()
        if interactive:
            _interactive_quiz(topic, questions)
        return None
    result = grade_quiz(topic, answers)
    _print_graded(result)
    return result
