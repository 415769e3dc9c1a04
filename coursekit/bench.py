"""``python -m coursekit.bench [TOPIC ...] [--json]``: the course's benchmark harness.

Speed and quality targets are measured here, not in timed tests. Each topic
registers benchmarks in ``coursekit/<topic>/bench.py``::

    from coursekit.bench import benchmark

    @benchmark("gw", "cnn_vs_matched_filter")
    def cnn_vs_matched_filter() -> dict:
        ...
        return {"cnn_efficiency": 0.86, "mf_efficiency": 0.91, "target_cnn_efficiency": ">= 0.8", ...}

A benchmark returns a flat dict of numbers/strings (metrics, wall times in
seconds, targets). Keys starting with ``target_`` document the goal;
a boolean ``passed`` (or ``passed_*``) says whether it was met. The harness
times each benchmark and prints a table, or JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BenchFn = Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Benchmark:
    topic: str
    name: str
    fn: BenchFn
    description: str


_REGISTRY: dict[tuple[str, str], Benchmark] = {}


def benchmark(topic: str, name: str | None = None) -> Callable[[BenchFn], BenchFn]:
    """Decorator registering a benchmark under ``topic``."""

    def deco(fn: BenchFn) -> BenchFn:
        key = (topic, name or fn.__name__)
        _REGISTRY[key] = Benchmark(topic, key[1], fn, (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return deco


def discover() -> dict[tuple[str, str], Benchmark]:
    """Import every topic's ``bench`` module and return the registry."""
    import coursekit.foundation_bench  # noqa: F401  (the training-loop benchmark)
    from coursekit.registry import topic_modules

    for _ in topic_modules("bench"):
        pass
    return dict(_REGISTRY)


def run(topics: list[str] | None = None, names: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the selected benchmarks; return one result dict each."""
    registry = discover()
    known = sorted({t for t, _ in registry})
    if topics:
        unknown = set(topics) - set(known)
        if unknown:
            raise SystemExit(f"unknown benchmark topic(s) {sorted(unknown)}; known: {known}")
    results = []
    for (topic, name), bench in sorted(registry.items()):
        if topics and topic not in topics:
            continue
        if names and name not in names:
            continue
        t0 = time.perf_counter()
        try:
            metrics = bench.fn()
            error = None
        except Exception as exc:  # report and go on with the others
            metrics, error = {}, f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
        results.append(
            {
                "topic": topic,
                "name": name,
                "description": bench.description,
                "wall_s": round(time.perf_counter() - t0, 2),
                "error": error,
                "metrics": metrics,
            }
        )
    return results


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def print_results(results: list[dict[str, Any]], file=None) -> None:
    file = file or sys.stdout
    for r in results:
        status = "ERROR" if r["error"] else "ok"
        print(f"\n== {r['topic']}/{r['name']}  ({r['wall_s']:.1f} s, {status})  {r['description']}", file=file)
        if r["error"]:
            print(f"   {r['error']}", file=file)
        width = max((len(k) for k in r["metrics"]), default=0)
        for k, v in r["metrics"].items():
            print(f"   {k:<{width}}  {_fmt(v)}", file=file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursekit.bench", description=__doc__.split("\n")[0])
    parser.add_argument("topics", nargs="*", help="topics to run (default: all); e.g. foundation gw photoz")
    parser.add_argument("--name", action="append", help="only the benchmark(s) with this name")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--list", action="store_true", help="list the registered benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for (t, n), b in sorted(discover().items()):
            print(f"{t:<12} {n:<30} {b.description}")
        return 0
    if args.json:  # stdout carries the JSON alone: what the benchmarks print goes to stderr
        import contextlib

        with contextlib.redirect_stdout(sys.stderr):
            results = run(args.topics or None, args.name)
    else:
        results = run(args.topics or None, args.name)
    if args.json:
        import coursekit
        from coursekit.jsonio import print_json

        print_json({"coursekit": coursekit.__version__, "python": platform.python_version(),
                    "machine": platform.machine(), "results": results})
    else:
        print_results(results)
    return 1 if any(r["error"] for r in results) else 0


if __name__ == "__main__":
    # Run through the canonical module so that topics' @benchmark registrations land in one registry.
    from coursekit.bench import main as _main

    sys.exit(_main())
