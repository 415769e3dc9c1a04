"""The report of a lesson's experiment, and the generic ``python -m coursekit <topic> run`` verb.

Each topic's ``experiment.py`` has the lesson's steps as plain functions
(data -> baseline -> train -> evaluate -> report) and a ``run(mode=None) -> Report``
that calls them in order::

    from coursekit.experiment import Report
    from coursekit.metrics import Measurement

    def run(mode=None) -> Report:
        report = Report(topic="gw", mode=get_mode(mode))
        with report.step("data"):
            data = load_data(mode)
            report.record_data("gw150914_strain", data.resolved)
        with report.step("baseline"):
            mf = matched_filter_efficiency(data)
        with report.step("train"):
            model = train(data)
        with report.step("evaluate"):
            cnn = cnn_efficiency(model, data)
        report.add_comparison(ml="CNN", baseline="matched filter", metric="efficiency at FAP 1e-3",
                              ml_value=cnn, baseline_value=mf)
        return report

and its ``cli.py`` adds the verb with ``add_run_command(topic_subparsers, "gw", run)``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursekit.metrics import Measurement, difference


@dataclass(frozen=True)
class Comparison:
    """A machine-learning method against its classical baseline on the same data, with the difference."""

    ml: str
    baseline: str
    metric: str
    ml_value: Measurement
    baseline_value: Measurement
    difference: Measurement

    def to_dict(self) -> dict[str, Any]:
        return {
            "ml": self.ml,
            "baseline": self.baseline,
            "metric": self.metric,
            "ml_value": self.ml_value.to_dict(),
            "baseline_value": self.baseline_value.to_dict(),
            "difference": self.difference.to_dict(),
        }

    def __str__(self) -> str:
        return (f"{self.metric}: {self.ml} {self.ml_value} vs {self.baseline} {self.baseline_value} "
                f"(difference {self.difference}, {self.difference.significance:.1f} sigma)")


@contextlib.contextmanager
def timed_step(timings: dict[str, float], name: str) -> Iterator[None]:
    """Context manager adding the wall-clock seconds of its block to ``timings[name]``.

    The time is recorded even when the block raises, so a report of a failed run
    still shows where the time went.
    """
    t0 = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0


def _measurement(value: Measurement | float, name: str) -> Measurement:
    if isinstance(value, Measurement):
        return value
    raise TypeError(f"{name} must be a coursekit.metrics.Measurement (value ± uncertainty), got {type(value).__name__}")


@dataclass
class Report:
    """What one run of a lesson's experiment measured.

    Attributes
    ----------
    topic, mode:
        The topic (``"gw"``) and run mode (``"reduced"`` or ``"full"``).
    tiers:
        ``{data set name: tier}`` of every data set used (``"sample"``, ``"full"`` or ``"stand-in"``).
    metrics:
        ``{name: Measurement}``: every figure of merit with its uncertainty.
    comparisons:
        The ML-vs-baseline :class:`Comparison` s, measured in the same run on the same data.
    timings:
        ``{step: seconds}`` of wall-clock time per step (see :meth:`step`).
    notes:
        Free text lines worth keeping with the numbers.
    inputs:
        Paths of the files the run read; ``--out`` is never written over one of them.
    environment:
        Where it ran (device, versions; filled by the ``run`` verb from
        :func:`coursekit.config.run_info`), so that timings can be compared.
    """

    topic: str
    mode: str
    tiers: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Measurement] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)

    def step(self, name: str) -> contextlib.AbstractContextManager[None]:
        """``with report.step("train"): ...`` records the block's wall-clock time under ``name``."""
        return timed_step(self.timings, name)

    def record_data(self, name: str, resolved: Any) -> None:
        """Note the tier (and files) of a data set resolved by ``coursekit.data.resolve``."""
        self.tiers[name] = str(resolved.tier)
        for p in getattr(resolved, "paths", None) or []:
            if str(p) not in self.inputs:
                self.inputs.append(str(p))

    def add_metric(self, name: str, value: Measurement) -> Measurement:
        self.metrics[name] = _measurement(value, f"metric {name!r}")
        return self.metrics[name]

    def add_comparison(self, *, ml: str, baseline: str, metric: str, ml_value: Measurement,
                       baseline_value: Measurement, diff: Measurement | None = None) -> Comparison:
        """Record ML vs baseline on one metric.

        ``diff`` is the ML-minus-baseline difference with its uncertainty; give it
        when the two were scored on the same examples (a paired bootstrap,
        :func:`coursekit.metrics.bootstrap_ci`), which is tighter and correct.
        Without it the difference treats the two errors as independent.
        """
        ml_value = _measurement(ml_value, "ml_value")
        baseline_value = _measurement(baseline_value, "baseline_value")
        d = _measurement(diff, "diff") if diff is not None else difference(ml_value, baseline_value)
        comp = Comparison(ml, baseline, metric, ml_value, baseline_value, d)
        self.comparisons.append(comp)
        return comp

    def to_dict(self) -> dict[str, Any]:
        """Plain, strict-JSON-able dict (non-finite numbers become ``None`` via :mod:`coursekit.jsonio`)."""
        from coursekit.jsonio import to_jsonable

        return to_jsonable({
            "topic": self.topic,
            "mode": self.mode,
            "tiers": dict(self.tiers),
            "metrics": {k: v.to_dict() for k, v in self.metrics.items()},
            "comparisons": [c.to_dict() for c in self.comparisons],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "total_seconds": round(sum(self.timings.values()), 3),
            "notes": list(self.notes),
            "inputs": list(self.inputs),
            "environment": dict(self.environment),
        })

    def summary(self) -> str:
        """Readable text: data tiers, metrics, comparisons, timings, notes."""
        where = f" on {self.environment['device']}" if self.environment.get("device") else ""
        lines = [f"{self.topic} ({self.mode} mode{where})"]
        if self.tiers:
            lines.append("data: " + ", ".join(f"{k} [{v}]" for k, v in self.tiers.items()))
        if self.metrics:
            lines.append("metrics:")
            width = max(len(k) for k in self.metrics)
            lines += [f"  {k:<{width}}  {v}" for k, v in self.metrics.items()]
        if self.comparisons:
            lines.append("ML vs baseline:")
            lines += [f"  {c}" for c in self.comparisons]
        if self.timings:
            lines.append("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
                         + f" (total {sum(self.timings.values()):.1f} s)")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def write_report(report: Report, out: str | os.PathLike) -> Path:
    """Write ``report.to_dict()`` as strict JSON to ``out`` atomically (temporary file, then rename)."""
    from coursekit.cli_util import check_out_path
    from coursekit.jsonio import dumps

    path = check_out_path(out, *report.inputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(dumps(report.to_dict(), indent=2) + "\n")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


RunFn = Callable[..., Report]


def add_run_command(topic_subparsers: Any, topic: str, run_fn: RunFn) -> argparse.ArgumentParser:
    """Add ``run [--mode reduced|full] [--json] [--out report.json]`` to a topic's subcommands.

    ``run_fn(mode=...)`` must return a :class:`Report`. ``--json`` prints the
    report as strict JSON on stdout; ``--out`` writes it to a file atomically,
    refusing a path that is one of the run's inputs. Returns the new parser.
    """
    p = topic_subparsers.add_parser(
        "run", help=f"run the {topic} lesson's experiment end to end and report its measurements",
        description=f"Run the {topic} lesson's steps (data, baseline, train, evaluate) and report the metrics "
                    "with uncertainties, the ML-vs-baseline comparison and the time per step.",
    )
    p.add_argument("--mode", choices=("reduced", "full"), default=None,
                   help="run size and data (default: $COURSEKIT_MODE, else reduced)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of text")
    p.add_argument("--out", metavar="REPORT.json", help="also write the JSON report to this file")

    def handler(args: argparse.Namespace) -> int:
        from coursekit.cli_util import check_out_path
        from coursekit.config import get_mode
        from coursekit.jsonio import print_json

        mode = get_mode(args.mode)
        check_out_path(args.out)  # a folder is refused before the run, not after it
        if args.json:  # stdout carries the JSON alone: progress lines and data-tier lines go to stderr
            import contextlib

            with contextlib.redirect_stdout(sys.stderr):
                report = run_fn(mode=mode)
        else:
            report = run_fn(mode=mode)
        if not isinstance(report, Report):
            raise TypeError(f"{topic}: run() returned a {type(report).__name__}, not a coursekit.experiment.Report")
        if not report.environment:
            from dataclasses import asdict

            from coursekit.config import run_info

            info = asdict(run_info())
            report.environment = {k: str(info[k]) for k in ("device", "device_name", "torch", "coursekit", "python")}
        if args.out:
            path = write_report(report, args.out)
            print(f"report written to {path}", file=sys.stderr)
        if args.json:
            print_json(report.to_dict())
        else:
            print(report.summary())
        return 0

    p.set_defaults(func=handler)
    return p
