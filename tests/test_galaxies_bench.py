"""The cheap benchmark runs and reports against its target; the expensive ones share the experiment's steps."""

from __future__ import annotations

from coursekit.galaxies import bench


def test_simulator_speed_benchmark_reports():
    r = bench.simulator_speed()
    assert r["images"] == 2000 and r["images_per_s"] > 0 and isinstance(r["passed"], bool)


def test_bench_size_is_round_ones():
    assert (bench.BENCH.n_train, bench.BENCH.n_test, bench.BENCH.size, bench.BENCH.train.epochs) == (4000, 1000, 64, 5)
