"""coursekit.experiment: Report, timed steps and the generic `<topic> run` verb, with a toy topic."""

from __future__ import annotations

import argparse
import json
import time
from types import SimpleNamespace

import numpy as np
import pytest

from coursekit.cli_util import UsageError
from coursekit.experiment import Report, add_run_command, timed_step, write_report
from coursekit.metrics import Measurement, bootstrap_ci


def _toy_run(input_file=None):
    """A toy lesson: mean of a sample (ML) against its median (baseline), on the same data."""

    def run(mode=None) -> Report:
        report = Report(topic="toy", mode=mode or "reduced")
        with report.step("data"):
            x = np.random.default_rng(0).normal(1.0, 1.0, 200)
            report.record_data("toy_set", SimpleNamespace(tier="stand-in", paths=[input_file] if input_file else []))
        with report.step("evaluate"):
            ml = bootstrap_ci(np.mean, x, n_boot=200)
            base = bootstrap_ci(np.median, x, n_boot=200)
        report.add_metric("mean", ml)
        report.add_metric("ratio", Measurement(float("nan"), 0.0))
        report.add_comparison(ml="mean", baseline="median", metric="location", ml_value=ml, baseline_value=base)
        report.notes.append("toy")
        return report

    return run


def _parser(run_fn):
    parser = argparse.ArgumentParser(prog="coursekit")
    sub = parser.add_subparsers(dest="command")
    topic = sub.add_parser("toy")
    tsub = topic.add_subparsers(dest="toy_cmd", required=True)
    add_run_command(tsub, "toy", run_fn)
    return parser


def test_timed_step_records_even_on_error():
    timings: dict[str, float] = {}
    with timed_step(timings, "a"):
        time.sleep(0.02)
    with pytest.raises(RuntimeError), timed_step(timings, "b"):
        raise RuntimeError("boom")
    with timed_step(timings, "a"):
        time.sleep(0.02)
    assert timings["a"] >= 0.04 and "b" in timings


def test_report_to_dict_is_strict_json_and_summary_reads():
    report = _toy_run()(mode="reduced")
    d = report.to_dict()
    text = json.dumps(d, allow_nan=False)  # raises on NaN/Infinity
    back = json.loads(text)
    assert back["topic"] == "toy" and back["tiers"] == {"toy_set": "stand-in"}
    assert back["metrics"]["ratio"]["value"] is None
    comp = back["comparisons"][0]
    assert comp["ml"] == "mean" and comp["baseline"] == "median"
    assert comp["difference"]["value"] == pytest.approx(comp["ml_value"]["value"] - comp["baseline_value"]["value"])
    assert set(back["timings"]) == {"data", "evaluate"}
    s = report.summary()
    assert "toy (reduced mode)" in s and "location: mean" in s and "±" in s and "total" in s


def test_report_refuses_bare_floats():
    with pytest.raises(TypeError, match="Measurement"):
        Report(topic="t", mode="reduced").add_metric("acc", 0.9)


def test_run_command_json_and_out(tmp_path, capsys):
    parser = _parser(_toy_run())
    out = tmp_path / "r" / "report.json"
    args = parser.parse_args(["toy", "run", "--mode", "reduced", "--json", "--out", str(out)])
    assert args.func(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["mode"] == "reduced"
    assert json.loads(out.read_text())["metrics"]["mean"]["value"] == printed["metrics"]["mean"]["value"]
    assert printed["environment"]["device"] in ("cpu", "cuda", "mps") or printed["environment"]["device"].startswith("cuda")
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]  # atomic: no temporary file left
    args = parser.parse_args(["toy", "run"])
    assert args.func(args) == 0
    assert "ML vs baseline" in capsys.readouterr().out


def test_run_command_refuses_to_overwrite_an_input(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("precious\n")
    parser = _parser(_toy_run(input_file=data))
    args = parser.parse_args(["toy", "run", "--out", str(data)])
    with pytest.raises(UsageError, match="is the input"):
        args.func(args)
    assert data.read_text() == "precious\n"
    with pytest.raises(UsageError):
        write_report(_toy_run(input_file=data)(), data)


def test_run_command_rejects_a_bad_mode(capsys):
    with pytest.raises(SystemExit):
        _parser(_toy_run()).parse_args(["toy", "run", "--mode", "huge"])
    assert "invalid choice" in capsys.readouterr().err
