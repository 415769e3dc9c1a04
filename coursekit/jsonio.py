"""Strict JSON for every ``--json`` and every report file.

Python's ``json`` writes ``NaN`` and ``Infinity``, which are not JSON (RFC 8259):
``jq``, JavaScript and most parsers reject them. :func:`dumps` writes ``null``
instead and also understands the types the course produces: NumPy scalars and
arrays, torch tensors, :class:`pathlib.Path`, dataclasses (e.g.
:class:`coursekit.metrics.Measurement`), objects with a ``to_dict()`` method,
tuples and sets, dates. Anything else is a ``TypeError`` that names its type.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
import sys
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

import numpy as np


def to_jsonable(obj: Any) -> Any:
    """Convert ``obj`` recursively into plain JSON types, with non-finite floats as ``None``."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if isinstance(k, np.generic):
                k = k.item()
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                k = str(k)
            out[k] = to_jsonable(v)
        return out
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return [to_jsonable(v) for v in sorted(obj, key=repr)]
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, (_dt.datetime, _dt.date, _dt.time)):
        return obj.isoformat()
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return to_jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.Tensor):
        return to_jsonable(obj.detach().cpu().tolist())
    raise TypeError(f"cannot write a {type(obj).__module__}.{type(obj).__qualname__} as JSON; convert it first")


def dumps(obj: Any, **kw: Any) -> str:
    """Strict JSON text of ``obj`` (NaN/±Infinity become ``null``); ``kw`` go to :func:`json.dumps`.

    ``allow_nan`` is always ``False``, so the output is guaranteed valid JSON.
    """
    kw.pop("allow_nan", None)
    kw.pop("default", None)
    return json.dumps(to_jsonable(obj), allow_nan=False, **kw)


def print_json(obj: Any, *, file=None, indent: int | None = 2) -> None:
    """Print ``obj`` as strict, indented JSON (to stdout unless ``file`` is given)."""
    print(dumps(obj, indent=indent), file=file or sys.stdout)
