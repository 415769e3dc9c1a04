"""Figures of merit for a posterior: C2ST against the exact one, calibration (SBC, coverage, TARP), S_8,
the degeneracy direction and a posterior predictive check.

* :func:`c2st`: classifier two-sample test between NPE samples and exact samples (Lopez-Paz & Oquab 2017;
  the metric of sbibm, Lueckmann et al. 2021) with sbi's ``c2st``: 0.5 means indistinguishable. Its
  uncertainty is binomial: every one of the 2n samples is classified once in the cross-validation.
* :func:`calibration`: simulation-based calibration ranks (Talts et al. 2018) with a Kolmogorov-Smirnov test per
  parameter, expected coverage of highest-density regions (Hermans et al. 2022) and TARP (Lemos et al. 2023),
  from ``sbi.diagnostics``.
* :func:`posterior_predictive_pvalue`: how surprising the observation is under its own posterior (Gelman, Meng &
  Stern 1996): the check that SBC cannot make, because SBC averages over the prior.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit.metrics import Measurement, binomial_err
from coursekit.sbi.simulate import (
    FIDUCIAL_SURVEY,
    Problem,
    Survey,
    band_power_model,
    band_power_sigma,
    get_problem,
    sample_prior,
    simulate,
)

__all__ = ["Calibration", "c2st", "calibration", "degeneracy_exponent", "posterior_predictive_pvalue", "s8"]


def c2st(samples_a: Any, samples_b: Any, seed: int = 0, classifier: str = "rf") -> Measurement:
    """C2ST accuracy between two (n, d) sample sets with sbi's ``c2st`` (5-fold CV, z-scored), with its
    binomial standard error over the ``n_a + n_b`` classified samples; 0.5 is ideal."""
    import torch
    from sbi.utils.metrics import c2st as sbi_c2st

    a = torch.as_tensor(np.asarray(samples_a, dtype=float), dtype=torch.float32)
    b = torch.as_tensor(np.asarray(samples_b, dtype=float), dtype=torch.float32)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"need two (n, d) sample arrays with the same d, got {tuple(a.shape)}, {tuple(b.shape)}")
    if min(len(a), len(b)) < 10:
        raise ValueError(f"C2ST needs at least 10 samples per side, got {len(a)} and {len(b)}")
    acc = float(sbi_c2st(a, b, seed=seed, classifier=classifier))
    n = len(a) + len(b)
    return Measurement(acc, binomial_err(round(acc * n), n))


def s8(theta: Any, alpha: float = 0.5) -> np.ndarray:
    """S_8 = sigma_8 (Omega_m / 0.3)^alpha for theta (n, >= 2); alpha = 0.5 is the weak-lensing convention."""
    th = np.atleast_2d(np.asarray(theta, dtype=float))
    return th[:, 1] * (th[:, 0] / 0.3) ** alpha


def degeneracy_exponent(samples: Any) -> float:
    """The exponent alpha for which sigma_8 Omega_m^alpha is best constrained by these samples (n, 2).

    It is the direction of least variance of (ln Omega_m, ln sigma_8): the eigenvector (a, b) of the
    smallest eigenvalue of their covariance gives a ln Omega_m + b ln sigma_8 = const, i.e. alpha = a / b.
    Weak lensing finds alpha ~ 0.5 (hence S_8); the guide's toy spectrum gives exactly 1; a negative alpha means
    Omega_m and sigma_8 are positively correlated and no S_8-like degeneracy is present.
    """
    th = np.asarray(samples, dtype=float)[:, :2] if np.ndim(samples) == 2 else np.asarray(samples, dtype=float)
    if th.ndim != 2 or th.shape[1] != 2 or len(th) < 3 or np.any(th <= 0):
        raise ValueError(f"samples must be (n >= 3, 2) positive (Omega_m, sigma_8), got shape {th.shape}")
    cov = np.cov(np.log(th).T)
    vals, vecs = np.linalg.eigh(cov)
    a, b = vecs[:, 0]
    if abs(b) < 1e-12:
        return float("inf")
    return float(a / b)


@dataclass
class Calibration:
    """SBC and coverage results.

    ranks: (n_tests, d) SBC ranks of the true parameters among ``n_samples`` posterior draws;
    ks_pvals: (d,) KS p-values of rank uniformity; hpd_ranks: (n_tests,) ranks of the truth's
    posterior density; coverage(levels) gives the expected coverage; tarp_ecp, tarp_alpha: TARP curve.
    """

    ranks: np.ndarray
    ks_pvals: np.ndarray
    hpd_ranks: np.ndarray
    n_samples: int
    tarp_ecp: np.ndarray
    tarp_alpha: np.ndarray
    tarp_atc: float
    tarp_ks_pval: float

    def coverage(self, levels: Any = (0.68,)) -> np.ndarray:
        """Fraction of tests whose truth lies inside the ``level`` highest-posterior-density region."""
        lv = np.atleast_1d(np.asarray(levels, dtype=float))
        frac = self.hpd_ranks / self.n_samples  # fraction of samples less probable than the truth
        return np.array([np.mean(frac >= 1 - a) for a in lv])

    def coverage_68(self) -> Measurement:
        """The 68% expected coverage with its binomial standard error over the tests."""
        n = len(self.hpd_ranks)
        c = float(self.coverage([0.68])[0])
        return Measurement(c, binomial_err(round(c * n), n))

    def verdict(self, ks_threshold: float = 0.01, band: tuple[float, float] = (0.63, 0.73)) -> str:
        """One line: calibrated or not, and why."""
        c68 = float(self.coverage([0.68])[0])
        ks_ok = bool(np.all(self.ks_pvals > ks_threshold))
        cov_ok = band[0] <= c68 <= band[1]
        p = ", ".join(f"{v:.3f}" for v in self.ks_pvals)
        if ks_ok and cov_ok:
            return f"CALIBRATED: SBC ranks uniform (KS p = {p}), 68% region covers {c68:.3f} of truths."
        why = []
        if not ks_ok:
            why.append(f"SBC ranks not uniform (KS p = {p})")
        if not cov_ok:
            kind = "overconfident" if c68 < band[0] else "underconfident"
            why.append(f"68% region covers {c68:.3f} of truths ({kind})")
        return "NOT CALIBRATED: " + "; ".join(why) + "."


def calibration(trained: Any, n_tests: int = 300, n_samples: int = 1000, seed: int = 1) -> Calibration:
    """SBC ranks, HPD expected coverage and TARP over ``n_tests`` fresh (theta, x) pairs from the prior.

    ``trained`` is a :class:`coursekit.sbi.model.TrainedPosterior` (amortised). Posterior samples are drawn once
    per test (batched) and serve all three checks: SBC ranks as sbi's ``run_sbc`` computes them, with
    ``check_uniformity_frequentist`` for their KS p-values; the same samples' ``log_prob`` ranks the truth's density
    for expected coverage; TARP's coverage curve as ``run_tarp`` computes it, and ``check_tarp``.
    """
    import torch

    from coursekit.sbi.model import features, quiet_sbi

    if n_tests < 1 or n_samples < 2:
        raise ValueError(f"need n_tests >= 1 and n_samples >= 2, got {n_tests}, {n_samples}")
    if getattr(trained, "x_obs", None) is not None:
        raise ValueError("a sequential posterior is valid for one observation only: calibrate an amortised one")
    rng = np.random.default_rng(seed)
    theta = sample_prior(n_tests, rng, trained.problem)
    x = simulate(theta, rng, trained.survey, trained.problem)
    th = torch.as_tensor(theta, dtype=torch.float32)
    xf = features(torch.as_tensor(x, dtype=torch.float32))
    torch.manual_seed(seed)
    with quiet_sbi():
        return _calibration(trained.posterior, th, xf, n_samples)


def _calibration(post: Any, th: Any, xf: Any, n_samples: int) -> Calibration:
    """One batch of posterior samples (S, B, d) serves SBC, expected coverage and TARP (sbi's ``run_sbc`` and
    ``run_tarp`` would each draw their own, tripling the sampling for the same statistics)."""
    import torch
    from sbi.diagnostics import check_tarp
    from sbi.diagnostics.sbc import check_uniformity_frequentist

    samples = post.sample_batched((n_samples,), x=xf, show_progress_bars=False)  # (S, B, d)
    # SBC ranks of each marginal, as sbi's run_sbc computes them: how many samples lie below the truth
    ranks = (samples < th[None]).sum(0).to(torch.float32)  # (B, d)
    ks = check_uniformity_frequentist(ranks, n_samples)
    # expected coverage of HPD regions: rank of the truth's density among the samples' densities
    with torch.no_grad():
        lp_samples = post.log_prob_batched(samples, x=xf, norm_posterior=False)  # (S, B)
        lp_true = post.log_prob_batched(th[None], x=xf, norm_posterior=False)[0]  # (B,)
    hpd = (lp_samples < lp_true[None, :]).sum(0).numpy().astype(float)
    ecp, alpha = _tarp(samples, th)
    atc, ks_tarp = check_tarp(ecp, alpha)
    return Calibration(
        ranks=ranks.numpy(), ks_pvals=ks.numpy().astype(float), hpd_ranks=hpd, n_samples=n_samples,
        tarp_ecp=ecp.numpy(), tarp_alpha=alpha.numpy(), tarp_atc=float(atc), tarp_ks_pval=float(ks_tarp),
    )


def _tarp(samples: Any, th: Any):
    """TARP's coverage curve (Lemos et al. 2023) from given samples (S, B, d), as sbi's ``run_tarp`` computes it
    (uniform reference points over the truths' range, z-scored parameters, l2 distance)."""
    from sbi.diagnostics import tarp

    return tarp._run_tarp(samples, th, tarp.get_tarp_references(th), tarp.l2, None, True)


def posterior_predictive_pvalue(
    x_obs: Any, posterior_samples: Any, survey: Survey = FIDUCIAL_SURVEY, problem: str | Problem = "eh",
    seed: int = 0,
) -> Measurement:
    """Posterior predictive p-value of the chi^2 discrepancy, with its binomial error.

    For each posterior draw theta_j (n, d): T_obs = chi^2(x_obs; theta_j), and a replicated observation
    x_rep ~ simulator(theta_j) gives T_rep = chi^2(x_rep; theta_j). The p-value is the fraction with
    T_rep >= T_obs (Gelman, Meng & Stern 1996). Near 0: the model cannot produce data like x_obs at any
    parameter the posterior allows (a misspecified simulator or prior). Calibrated around 0.5 otherwise
    (the p-value is conservative, not uniform).
    """
    prob = get_problem(problem)
    from coursekit.sbi.baseline import check_x

    x = check_x(x_obs, survey)
    th = np.array(np.atleast_2d(np.asarray(posterior_samples, dtype=float)))
    if th.ndim != 2 or th.shape[1] != prob.dim or len(th) < 10:
        raise ValueError(f"posterior_samples must have shape (n >= 10, {prob.dim}), got {np.shape(posterior_samples)}")
    # samples may lie outside the prior box (raw network samples): keep them physical, not inside the box
    th[:, 0] = np.clip(th[:, 0], 0.06, 0.9)
    th[:, 1:] = np.maximum(th[:, 1:], 1e-3)
    model = band_power_model(th, survey, check=False, problem=prob)
    sig = band_power_sigma(model, survey)
    rng = np.random.default_rng(seed)
    x_rep = model + sig * rng.standard_normal(model.shape)
    t_obs = np.sum(((x - model) / sig) ** 2, axis=1)
    t_rep = np.sum(((x_rep - model) / sig) ** 2, axis=1)
    k = int(np.sum(t_rep >= t_obs))
    return Measurement(k / len(th), binomial_err(k, len(th)))
