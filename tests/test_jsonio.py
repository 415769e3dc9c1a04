"""coursekit.jsonio: strict JSON (no NaN/Infinity) for every --json and report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from coursekit.jsonio import dumps, print_json


def _strict_loads(text: str):
    def reject(token):
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=reject)


def test_non_finite_floats_become_null():
    text = dumps({"a": float("nan"), "b": float("inf"), "c": -np.inf, "d": np.float32("nan"), "e": 1.5})
    assert _strict_loads(text) == {"a": None, "b": None, "c": None, "d": None, "e": 1.5}


def test_numpy_torch_path_and_dataclasses():
    @dataclass
    class Point:
        x: float
        where: Path

    obj = {
        "i": np.int64(3),
        "b": np.bool_(True),
        "arr": np.array([[1.0, np.nan], [np.inf, 2.0]]),
        "t": torch.tensor([1.0, float("nan")]),
        "p": Path("/tmp/x.json"),
        "dc": Point(np.float64(0.5), Path("a")),
        "tup": (1, 2),
        np.int64(7): "numpy key",
    }
    out = _strict_loads(dumps(obj))
    assert out == {
        "i": 3, "b": True, "arr": [[1.0, None], [None, 2.0]], "t": [1.0, None], "p": "/tmp/x.json",
        "dc": {"x": 0.5, "where": "a"}, "tup": [1, 2], "7": "numpy key",
    }


def test_unknown_type_names_it():
    with pytest.raises(TypeError, match="object"):
        dumps({"x": object()})


def test_print_json(capsys):
    print_json({"x": float("nan")})
    assert _strict_loads(capsys.readouterr().out) == {"x": None}
