"""Figures for simulation-based inference. Every function takes ``ax=None`` (or ``axes=None``) and returns it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from coursekit.plotting import get_ax
from coursekit.sbi.simulate import (
    FIDUCIAL_SURVEY,
    PARAM_LABELS,
    PLANCK18_ERR,
    PLANCK18_THETA,
    Survey,
    band_power_model,
    band_power_sigma,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from coursekit.sbi.baseline import GridPosterior
    from coursekit.sbi.experiment import BudgetResult
    from coursekit.sbi.metrics import Calibration

__all__ = ["plot_band_powers", "plot_budget", "plot_coverage", "plot_pair", "plot_sbc_ranks", "plot_widths_vs_volume"]


def plot_band_powers(
    x_obs: Any, survey: Survey = FIDUCIAL_SURVEY, theta: Any = PLANCK18_THETA, others: Any = (), ax: Axes | None = None
) -> Axes:
    """Observed band powers with their cosmic-variance + shot-noise errors, the model at ``theta``,
    and the models at ``others`` (a list of (Omega_m, sigma_8)) for comparison; log-log axes."""
    ax = get_ax(ax)
    k = survey.k_eff
    model = band_power_model(theta, survey)[0]
    ax.errorbar(k, np.asarray(x_obs), yerr=band_power_sigma(model, survey), fmt="o", color="k", ms=4,
                label="observed band powers")
    ax.plot(k, model, color="C0", label=rf"model $\Omega_m$={theta[0]:.3f}, $\sigma_8$={theta[1]:.3f}")
    for i, th in enumerate(others):
        ax.plot(k, band_power_model(th, survey)[0], ls="--", color=f"C{i + 1}",
                label=rf"$\Omega_m$={th[0]:.2f}, $\sigma_8$={th[1]:.2f}")
    ax.axhline(survey.shot_noise, color="0.6", lw=1, ls=":", label=r"shot noise $1/\bar n$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$k$ [$h$ Mpc$^{-1}$]")
    ax.set_ylabel(r"$P(k)$ [$(h^{-1}$Mpc$)^3$]")
    ax.legend(fontsize=8)
    return ax


def plot_pair(
    samples: Any, reference: GridPosterior | None = None, truth: Any = None, planck: bool = True,
    s8_line: bool = True, axes: Any = None, label: str = "NPE",
) -> Any:
    """Corner plot of (Omega_m, sigma_8): NPE histograms/contours, exact-posterior contours (68%, 95%),
    the truth, Planck 2018's 1-sigma box and the S_8 = sigma_8 (Omega_m/0.3)^0.5 degeneracy line.
    Returns the (2, 2) array of Axes."""
    import matplotlib.pyplot as plt

    samples = np.asarray(samples, dtype=float)[:, :2]  # a third parameter (the bias) is marginalised
    if reference is not None and reference.dim > 2:
        reference = reference.marginal((0, 1))
    if axes is None:
        from coursekit.plotting import use_style

        use_style()
        _, axes = plt.subplots(2, 2, figsize=(7, 6.5))
    if reference is not None:  # frame the exact posterior (+-5 sigma): NPE tails beyond it are rare outliers
        mu, sd = reference.mean(), reference.std()
        lo, hi = mu - 5 * sd, mu + 5 * sd
    else:
        lo, hi = np.percentile(samples, 0.5, axis=0), np.percentile(samples, 99.5, axis=0)
        pad = 0.1 * (hi - lo)
        lo, hi = lo - pad, hi + pad
    for d in range(2):
        ax = axes[d, d]
        ax.hist(samples[:, d], bins=40, range=(lo[d], hi[d]), density=True, color="C0", alpha=0.5, label=label)
        if reference is not None:
            grid = reference.omega_m if d == 0 else reference.sigma8
            marg = reference.prob.sum(axis=1 - d) / (grid[1] - grid[0])
            ax.plot(grid, marg, color="k", lw=1.5, label="exact")
        if truth is not None:
            ax.axvline(truth[d], color="C3", lw=1.2, label="truth")
        if planck:
            ax.axvspan(PLANCK18_THETA[d] - PLANCK18_ERR[d], PLANCK18_THETA[d] + PLANCK18_ERR[d], color="C2",
                       alpha=0.2, label="Planck 2018")
        ax.set_xlim(lo[d], hi[d])
        ax.set_yticks([])
        ax.set_xlabel(PARAM_LABELS[d])
    axes[0, 0].legend(fontsize=7)
    axes[0, 1].axis("off")
    ax = axes[1, 0]
    h, xe, ye = np.histogram2d(samples[:, 0], samples[:, 1], bins=40, range=[[lo[0], hi[0]], [lo[1], hi[1]]])
    ax.imshow(h.T, origin="lower", extent=(lo[0], hi[0], lo[1], hi[1]), aspect="auto", cmap="Blues")
    if reference is not None:
        ax.contour(reference.omega_m, reference.sigma8, reference.density().T, levels=reference.levels((0.95, 0.68)),
                   colors="k", linewidths=1.2)
    if truth is not None:
        ax.plot(truth[0], truth[1], "*", color="C3", ms=12, label="truth")
    if planck:
        ax.add_patch(plt.Rectangle(PLANCK18_THETA - PLANCK18_ERR, *(2 * PLANCK18_ERR), color="C2", alpha=0.4,
                                   label="Planck 2018 (1σ)"))
    if s8_line:
        anchor = truth if truth is not None else PLANCK18_THETA
        s8_val = anchor[1] * (anchor[0] / 0.3) ** 0.5
        om = np.linspace(lo[0], hi[0], 100)
        ax.plot(om, s8_val * (om / 0.3) ** -0.5, color="C1", ls="--", lw=1.2,
                label=r"$S_8=\sigma_8(\Omega_m/0.3)^{0.5}$ = const")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel(PARAM_LABELS[0])
    ax.set_ylabel(PARAM_LABELS[1])
    ax.legend(fontsize=7, loc="upper right")
    return axes


def plot_sbc_ranks(cal: Calibration, bins: int = 20, ax: Axes | None = None) -> Axes:
    """SBC rank histograms per parameter with the 99% band expected for uniform ranks (binomial)."""
    from scipy.stats import binom

    ax = get_ax(ax)
    n = len(cal.ranks)
    labels = PARAM_LABELS + (r"$b$",)
    edges = np.linspace(0, cal.n_samples, bins + 1)
    lo, hi = binom.ppf([0.005, 0.995], n, 1 / bins)
    ax.axhspan(lo, hi, color="0.85", label="99% band if uniform")
    ax.axhline(n / bins, color="0.5", lw=1)
    for d in range(cal.ranks.shape[1]):
        ax.hist(cal.ranks[:, d], bins=edges, histtype="step", lw=1.5, color=f"C{d}",
                label=f"{labels[d]} (KS p = {cal.ks_pvals[d]:.2f})")
    ax.set_xlabel(f"rank of the truth among {cal.n_samples} posterior samples")
    ax.set_ylabel("number of tests")
    ax.set_title(f"SBC over {n} simulations")
    ax.legend(fontsize=8)
    return ax


def plot_coverage(cal: Calibration, ax: Axes | None = None) -> Axes:
    """Expected coverage of HPD regions and TARP's coverage curve against the credibility level."""
    ax = get_ax(ax)
    levels = np.linspace(0, 1, 51)
    ax.plot([0, 1], [0, 1], color="0.5", ls="--", lw=1, label="calibrated")
    ax.plot(levels, cal.coverage(levels), color="C0", lw=2, label="HPD expected coverage")
    ax.plot(cal.tarp_alpha, cal.tarp_ecp, color="C1", lw=1.5, label=f"TARP (ATC = {cal.tarp_atc:.3f})")
    c68 = float(cal.coverage([0.68])[0])
    ax.plot([0.68], [c68], "o", color="C3", label=f"68% level: {c68:.3f}")
    ax.set_xlabel("credibility level")
    ax.set_ylabel("fraction of truths inside")
    ax.text(0.02, 0.9, "above: underconfident\nbelow: overconfident", fontsize=8, transform=ax.transAxes, va="top")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_widths_vs_volume(
    volumes: Any, widths: Any, npe_volume: float | None = None, npe_widths: Any = None, ax: Axes | None = None
) -> Axes:
    """Posterior standard deviations of Omega_m and sigma_8 against survey volume (log-log), with the
    V^-1/2 scaling, an NPE point if given, and Planck 2018's errors as horizontal lines."""
    ax = get_ax(ax)
    v = np.asarray(volumes, dtype=float) / 1e9
    w = np.asarray(widths, dtype=float)
    for d in range(2):
        ax.plot(v, w[:, d], "o-", color=f"C{d}", label=f"exact posterior, {PARAM_LABELS[d]}")
        ax.plot(v, w[0, d] * (v / v[0]) ** -0.5, ":", color=f"C{d}", lw=1)
        ax.axhline(PLANCK18_ERR[d], color=f"C{d}", ls="--", lw=1, label=f"Planck 2018, {PARAM_LABELS[d]}")
        if npe_volume is not None and npe_widths is not None:
            ax.plot(npe_volume / 1e9, npe_widths[d], "s", color=f"C{d}", mfc="none", ms=10,
                    label=f"NPE (68% half-width), {PARAM_LABELS[d]}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"survey volume [$(h^{-1}$Gpc$)^3$]")
    ax.set_ylabel("posterior standard deviation")
    ax.set_title(r"dotted: $\propto V^{-1/2}$")
    ax.legend(fontsize=7)
    return ax


def plot_budget(result: BudgetResult, ax: Axes | None = None) -> Axes:
    """C2ST against the exact posterior versus the number of simulations: amortised and sequential NPE, the mean
    over seeds with its standard error, every seed as a dot, and 0.5 (indistinguishable)."""
    ax = get_ax(ax)
    n = np.asarray(result.sizes, dtype=float)
    for which, color, label in (("amortised", "C0", "amortised NPE"),
                                ("sequential", "C1", f"sequential NPE ({result.rounds} rounds)")):
        vals = getattr(result, which)
        if np.all(np.isnan(vals)):
            continue
        curve = result.curve(which)
        shift = 1.0 if which == "amortised" else 1.06  # side by side, not on top of each other
        ax.errorbar(n * shift, [c.value for c in curve], yerr=[c.err for c in curve], fmt="o-", color=color,
                    capsize=3, label=label)
        for j in range(vals.shape[1]):
            ax.plot(n * shift, vals[:, j], ".", color=color, alpha=0.4)
    ax.axhline(0.5, color="0.5", ls="--", lw=1, label="indistinguishable (0.5)")
    ax.set_xscale("log")
    ax.set_xlabel("number of simulations")
    ax.set_ylabel("C2ST accuracy vs exact posterior")
    ax.legend(fontsize=8)
    return ax
