"""`python -m coursekit.bench --json` writes strict JSON."""

from __future__ import annotations

import json

import numpy as np

from coursekit import bench


def test_bench_json_is_strict(monkeypatch, capsys):
    fake = [{"topic": "toy", "name": "speed", "description": "", "wall_s": 0.1, "error": None,
             "metrics": {"speedup": np.float64(2.5), "efficiency": float("nan"), "target_speedup": ">= 2"}}]
    monkeypatch.setattr(bench, "run", lambda topics, names: fake)
    assert bench.main(["--json"]) == 0

    def reject(token):
        raise AssertionError(f"non-standard JSON token {token}")

    out = json.loads(capsys.readouterr().out, parse_constant=reject)
    assert out["results"][0]["metrics"] == {"speedup": 2.5, "efficiency": None, "target_speedup": ">= 2"}
