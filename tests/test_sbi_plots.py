"""coursekit.sbi.plots: every plot_* returns its Axes."""

from __future__ import annotations

import numpy as np

from coursekit.sbi.baseline import reference_posterior
from coursekit.sbi.experiment import BudgetResult
from coursekit.sbi.metrics import Calibration
from coursekit.sbi.simulate import PLANCK18_THETA, simulate


def test_plots_return_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coursekit.sbi.plots import (
        plot_band_powers,
        plot_budget,
        plot_coverage,
        plot_pair,
        plot_sbc_ranks,
        plot_widths_vs_volume,
    )

    x_obs = simulate(PLANCK18_THETA, 0)
    ref = reference_posterior(x_obs)
    assert plot_band_powers(x_obs, others=[(0.2, 0.7)]) is not None
    axes = plot_pair(ref.sample(500, 0), ref, truth=PLANCK18_THETA)
    assert axes.shape == (2, 2)
    bias = reference_posterior(simulate([0.315, 0.811, 1.5], 0, problem="bias"), problem="bias")
    assert plot_pair(bias.sample(300, 0), bias, truth=PLANCK18_THETA).shape == (2, 2)  # 3-D reference: marginal
    rng = np.random.default_rng(0)
    cal = Calibration(ranks=rng.integers(0, 50, (30, 2)), ks_pvals=np.array([0.4, 0.6]), hpd_ranks=rng.uniform(0, 50, 30),
                      n_samples=50, tarp_ecp=np.linspace(0, 1, 5), tarp_alpha=np.linspace(0, 1, 5), tarp_atc=0.01,
                      tarp_ks_pval=0.9)
    assert plot_sbc_ranks(cal) is not None and plot_coverage(cal) is not None
    assert plot_widths_vs_volume([1e8, 1e9], np.array([[0.02, 0.01], [0.006, 0.003]]), 1e8, [0.02, 0.01])
    res = BudgetResult(sizes=np.array([300, 3000]), amortised=np.array([[0.7, 0.72], [0.55, 0.56]]),
                       sequential=np.array([[0.65, 0.6], [0.52, 0.53]]), rounds=2)
    ax = plot_budget(res)
    assert ax.get_xscale() == "log" and len(ax.get_legend().get_texts()) == 3
    plt.close("all")
