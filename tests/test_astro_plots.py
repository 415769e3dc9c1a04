"""Tests of coursekit.astro.plots: every plot_* returns its Axes."""

from __future__ import annotations

import matplotlib
import numpy as np
from astropy import units as u

matplotlib.use("Agg")


def test_plots_return_axes():
    import matplotlib.pyplot as plt

    from coursekit.astro import plots
    from coursekit.astro.baseline import densest_concentration
    from coursekit.astro.simulate import simulate_field

    f = simulate_field(seed=0, shape=(96, 96), n_stars=5, n_galaxies=5)
    ax = plots.plot_field(f.data, f.wcs, truth=f.truth, detections=f.truth)
    assert hasattr(ax, "coords")
    ax = plots.plot_completeness(np.array([18.0, 19.0]), np.array([1.0, 0.9]), 20.5)
    assert ax.get_xlabel() == "injected magnitude"
    axes = plots.plot_stamps(np.random.default_rng(0).normal(size=(5, 9, 9)), titles=list("abcde"), ncols=3)
    assert axes.shape == (2, 3)
    ax = plots.plot_accuracy_vs_mag(np.array([18.0, 19.0, 20.0, 21.0]), np.array([0, 1, 0, 1]),
                                    {"cnn": np.array([0, 1, 1, 1])}, mag_limit=20.5)
    assert len(ax.lines) >= 2
    ax = plots.plot_offsets(np.array([0.1, -0.2]), np.array([0.0, 0.1]))
    assert "RMS" in ax.get_title()
    from astropy.coordinates import SkyCoord

    rng = np.random.default_rng(1)
    c = SkyCoord(rng.uniform(10, 10.2, 200) * u.deg, rng.uniform(0, 0.2, 200) * u.deg)
    ax = plots.plot_density(densest_concentration(c, smoothing=1 * u.arcmin), reference=c[0])
    assert ax.get_xlim()[0] > ax.get_xlim()[1]  # east to the left
    plt.close("all")
