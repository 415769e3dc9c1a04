"""Smoke tests of coursekit.photoz.plots (each returns its Axes and draws what it says) and the bench registry."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from coursekit.photoz import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_zphot_zspec_and_pit_and_pdfs(rng):
    zs = rng.uniform(0.05, 1.0, 500)
    zp = zs + 0.02 * (1 + zs) * rng.standard_normal(500)
    ax = plots.plot_zphot_zspec(zs, zp, title="x")
    assert ax.get_xlabel() == r"$z_\mathrm{spec}$" and "NMAD" in ax.texts[0].get_text()
    _, given = plt.subplots()
    assert plots.plot_pit(rng.uniform(size=300), ax=given, label="mdn") is given
    assert "KS" in given.get_legend().get_texts()[0].get_text()
    grid = np.linspace(0, 1.5, 151)
    ax = plots.plot_pdfs(grid, np.ones((2, 151)), [0.3, 0.6], labels=["a", "b"])
    assert len(ax.lines) == 4  # two curves + two truth markers


def test_metric_vs_magnitude_and_colour_tracks(rng):
    mag = rng.uniform(17, 21.5, 400)
    zs = rng.uniform(0.1, 0.8, 400)
    ax = plots.plot_metric_vs_magnitude(mag, zs, {"a": zs + 0.01, "b": zs - 0.02})
    assert len(ax.lines) == 2 and ax.get_ylabel() == "NMAD"
    ax = plots.plot_colour_tracks()
    assert len(ax.lines) == 6 and ax.get_ylabel() == "g - r [mag]"


def test_bench_registers_both_benchmarks():
    import coursekit.photoz.bench  # noqa: F401
    from coursekit.bench import _REGISTRY

    assert {("photoz", "boss_dr10"), ("photoz", "synthetic")} <= set(_REGISTRY)


def test_catalog_overview_has_three_panels():
    from coursekit.photoz.simulate import simulate_galaxies

    axes = plots.plot_catalog_overview(simulate_galaxies(800, seed=2), r_limit=21.5)
    assert len(axes) == 3 and "21.5" in axes[0].get_title() and axes[1].get_yscale() == "log"
