"""Summaries of 2-D posteriors: the best-constrained combination sigma_8 Omega_m^alpha, widths versus volume."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.sbi.reference import reference_posterior
from coursekit.sbi.simulate import FIDUCIAL_SURVEY, PLANCK18_THETA, Survey, band_power_model, simulate

__all__ = ["degeneracy_exponent", "s8", "widths_vs_volume"]


def s8(theta: Any, alpha: float = 0.5) -> np.ndarray:
    """S_8 = sigma_8 (Omega_m / 0.3)^alpha for theta (n, 2); alpha = 0.5 is the weak-lensing convention."""
    th = np.atleast_2d(np.asarray(theta, dtype=float))
    return th[:, 1] * (th[:, 0] / 0.3) ** alpha


def degeneracy_exponent(samples: Any) -> float:
    """The exponent alpha for which sigma_8 Omega_m^alpha is best constrained by these samples (n, 2).

    It is the direction of least variance of (ln Omega_m, ln sigma_8): the eigenvector (a, b) of the
    smallest eigenvalue of their covariance gives a ln Omega_m + b ln sigma_8 = const, i.e. alpha = a / b.
    Weak lensing finds alpha ~ 0.5 (hence S_8); a negative alpha means Omega_m and sigma_8 are positively
    correlated and no S_8-like degeneracy is present.
    """
    th = np.asarray(samples, dtype=float)
    if th.ndim != 2 or th.shape[1] != 2 or len(th) < 3 or np.any(th <= 0):
        raise ValueError(f"samples must be (n >= 3, 2) positive (Omega_m, sigma_8), got shape {th.shape}")
    cov = np.cov(np.log(th).T)
    vals, vecs = np.linalg.eigh(cov)
    a, b = vecs[:, 0]
    if abs(b) < 1e-12:
        return float("inf")
    return float(a / b)


def widths_vs_volume(
    volumes: Any, theta: Any = PLANCK18_THETA, survey: Survey = FIDUCIAL_SURVEY, noiseless: bool = True, seed: int = 0,
) -> np.ndarray:
    """Exact posterior standard deviations of (Omega_m, sigma_8) for surveys of each volume in (Mpc/h)^3.

    With ``noiseless=True`` the observation is the expected band powers (the Asimov data set), so the
    widths are those of the typical posterior rather than of one noisy draw. Returns (n_volumes, 2).
    """
    out = []
    for i, v in enumerate(np.atleast_1d(np.asarray(volumes, dtype=float))):
        s = survey.with_volume(float(v))
        x = band_power_model(theta, s)[0] if noiseless else simulate(theta, seed + i, s)
        out.append(reference_posterior(x, s).std())
    return np.array(out)
