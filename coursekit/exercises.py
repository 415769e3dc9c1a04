"""Exercises with automatic checks.

Each topic declares its exercises in ``coursekit/<topic>/exercises.py``::

    from coursekit.exercises import exercise, Result

    @exercise("gw.whitening_band", title="Choose the band-pass", solution='''
    low, high = 20, 500   # Hz: below 20 Hz seismic noise dominates ...
    ''')
    def whitening_band(answer):
        low, high = answer
        if low < 15:
            return Result.fail("Below ~15 Hz the detector is dominated by seismic noise: raise the lower edge.")
        ...
        return Result.ok("Right: 20-500 Hz keeps the chirp and drops the seismic wall.")

A notebook then calls ``check("gw.whitening_band", (20, 500))``: a right
answer prints a clear pass, a wrong one a specific hint, and a missing one
(``None``, the placeholder students start from) says what to do. The worked
solution stays out of sight until ``show_solution("gw.whitening_band")``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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
    solution: str


_REGISTRY: dict[str, Exercise] = {}


def exercise(exercise_id: str, *, title: str, solution: str) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Register a checker under ``"<topic>.<name>"`` with a worked ``solution`` (text/code)."""
    if "." not in exercise_id:
        raise ValueError(f"exercise id {exercise_id!r} must look like '<topic>.<name>'")

    def deco(fn: Callable[..., Result]) -> Callable[..., Result]:
        _REGISTRY[exercise_id] = Exercise(exercise_id, title, fn, solution.strip("\n"))
        return fn

    return deco


def get_exercise(exercise_id: str) -> Exercise:
    topic = exercise_id.split(".", 1)[0]
    if exercise_id not in _REGISTRY:
        try:
            importlib.import_module(f"coursekit.{topic}.exercises")
        except ModuleNotFoundError:
            pass
    if exercise_id not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none loaded"
        raise KeyError(f"unknown exercise {exercise_id!r}; known: {known}")
    return _REGISTRY[exercise_id]


def evaluate(exercise_id: str, answer: Any, **context: Any) -> Result:
    """Run the checker without printing; ``None`` answers get the 'not attempted' message."""
    ex = get_exercise(exercise_id)
    if answer is None:
        return Result.fail(f"Not attempted yet: replace `None` with your answer to '{ex.title}'.")
    try:
        result = ex.checker(answer, **context)
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        return Result.fail(f"Your answer has the wrong form for '{ex.title}': {exc}")
    if not isinstance(result, Result):
        raise TypeError(f"checker for {exercise_id!r} returned {type(result).__name__}, not Result")
    return result


def check(exercise_id: str, answer: Any, **context: Any) -> Result:
    """Check a student's answer, print the verdict and return it."""
    result = evaluate(exercise_id, answer, **context)
    print(str(result))
    return result


def show_solution(exercise_id: str) -> str:
    """Print and return the worked solution of an exercise."""
    ex = get_exercise(exercise_id)
    print(f"Worked solution: {ex.title}\n\n{ex.solution}")
    return ex.solution


def all_exercises() -> dict[str, Exercise]:
    """Every exercise of every topic (imports each topic's ``exercises`` module)."""
    from coursekit.registry import topic_modules

    for _ in topic_modules("exercises"):
        pass
    return dict(_REGISTRY)
