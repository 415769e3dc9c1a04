"""Tests of coursekit.astro.bench: the benchmarks are registered and time the experiment's steps."""

from __future__ import annotations


def test_benchmarks_registered():
    from coursekit.bench import discover

    names = {n for t, n in discover() if t == "astro"}
    assert names == {"detection", "star_galaxy", "m67"}

def test_bench_calls_the_experiment_steps():
    import inspect

    from coursekit.astro import bench

    src = inspect.getsource(bench)
    for step in ("detection_scan", "simulate_data", "fit_baselines", "train", "evaluate", "locate_cluster"):
        assert step in src

