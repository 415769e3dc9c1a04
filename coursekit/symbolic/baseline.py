"""The classical fits each symbolic search is compared with: the known form, fitted by least squares.

Each takes plain numbers in stated units and returns the fitted parameters with
their standard errors (from the least-squares covariance, or a bootstrap where
the model is non-linear), so that every comparison carries an uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coursekit.metrics import Measurement


@dataclass(frozen=True)
class PowerLawFit:
    """``y = coefficient * prod(x_i ** exponents[i])`` fitted in log space (straight line in ``ln y``)."""

    coefficient: Measurement
    exponents: tuple[Measurement, ...]
    residual_rms: float  # in ln y


def power_law_fit(X: np.ndarray, y: np.ndarray) -> PowerLawFit:
    """Least squares of ``ln y = ln c + sum_i p_i ln x_i`` (every value must be > 0).

    ``X``: ``(n, k)`` or ``(n,)`` positive features; ``y``: ``(n,)`` positive target.
    Standard errors from the covariance ``s^2 (A^T A)^-1`` with ``s^2`` the
    residual variance (``n - k - 1`` degrees of freedom).
    """
    X = np.asarray(X, float).reshape(len(y), -1)
    y = np.asarray(y, float)
    if np.any(X <= 0) or np.any(y <= 0):
        raise ValueError("a power law is fitted in log space: every feature and target value must be > 0")
    n, k = X.shape
    if n <= k + 1:
        raise ValueError(f"need more than {k + 1} rows to fit a power law in {k} feature(s), got {n}")
    A = np.column_stack([np.ones(n), np.log(X)])
    coef, *_ = np.linalg.lstsq(A, np.log(y), rcond=None)
    resid = np.log(y) - A @ coef
    s2 = float(resid @ resid) / (n - k - 1)
    cov = s2 * np.linalg.inv(A.T @ A)
    err = np.sqrt(np.maximum(np.diag(cov), 0.0))  # round-off can make an exact fit's variance -1e-35
    c = float(np.exp(coef[0]))
    return PowerLawFit(Measurement(c, c * err[0]), tuple(Measurement(coef[i + 1], err[i + 1]) for i in range(k)),
                       float(np.sqrt(np.mean(resid**2))))


def hubble_slope(v: np.ndarray, d: np.ndarray) -> Measurement:
    """H0 [km/s/Mpc] from least squares of ``d = v / H0`` through the origin (``v`` in km/s, ``d`` in Mpc).

    The distance is the noisy quantity, so ``d`` is regressed on ``v`` (the other way round
    would dilute the slope); the error propagates the slope's standard error.
    """
    v, d = np.asarray(v, float), np.asarray(d, float)
    k = float(v @ d / (v @ v))  # Mpc per km/s
    resid = d - k * v
    k_err = float(np.sqrt(resid @ resid / (len(v) - 1) / (v @ v)))
    return Measurement(1 / k, k_err / k**2, "km/s/Mpc")


@dataclass(frozen=True)
class Cosmography:
    """H0 and q0 from ``d_L / (c z) = (1/H0) [1 + (1 - q0) z / 2 + b z^2]`` (Visser 2004, Eq. 26 to second order)."""

    H0: Measurement
    q0: Measurement


def q0_from_coefficients(c0: float, c1: float) -> float:
    """``q0`` from the constant ``c0`` and linear coefficient ``c1`` of ``d_L / (cz) = c0 + c1 z + ...``.

    The expansion is ``c0 [1 + (1 - q0) z / 2]``, so ``c1 / c0 = (1 - q0) / 2`` and
    ``q0 = 1 - 2 c1 / c0``. Acceleration (``q0 < 0``) means ``c1 / c0 > 1/2``;
    a positive ``c1`` alone means only ``q0 < 1`` (Einstein-de Sitter has ``q0 = +1/2``).
    """
    return 1.0 - 2.0 * c1 / c0


def cosmography_fit(z: np.ndarray, ratio: np.ndarray, *, order: int = 2, n_boot: int = 200,
                    seed: int = 0) -> Cosmography:
    """Polynomial least squares of ``ratio = d_L / v`` [Mpc per 1000 km/s] in ``z`` (degree ``order``).

    ``H0 = 1000 / c0`` km/s/Mpc and ``q0 = 1 - 2 c1 / c0``; the uncertainties are
    the standard deviations over ``n_boot`` bootstrap resamples of the supernovae.
    """
    z, ratio = np.asarray(z, float), np.asarray(ratio, float)

    def one(zz: np.ndarray, rr: np.ndarray) -> tuple[float, float]:
        coef = np.polynomial.polynomial.polyfit(zz, rr, order)
        return 1000.0 / coef[0], q0_from_coefficients(coef[0], coef[1])

    h0, q0 = one(z, ratio)
    rng = np.random.default_rng(seed)
    boots = np.array([one(z[i], ratio[i]) for i in (rng.integers(0, len(z), len(z)) for _ in range(n_boot))])
    return Cosmography(Measurement(h0, float(np.std(boots[:, 0], ddof=1)), "km/s/Mpc"),
                       Measurement(q0, float(np.std(boots[:, 1], ddof=1))))


def nfw_fit(r_kpc: np.ndarray, rho: np.ndarray) -> dict[str, Measurement]:
    """scipy least squares of ``ln rho = ln rho0 - ln(r/rs) - 2 ln(1 + r/rs)`` (NFW 1997; the form known in advance).

    ``r_kpc``: ``(n,)`` radii [kpc]; ``rho``: ``(n,)`` densities (any unit). Returns
    ``{"rs": kpc, "rho0": unit of rho}`` with standard errors from the covariance.
    """
    from scipy.optimize import curve_fit

    r_kpc, rho = np.asarray(r_kpc, float), np.asarray(rho, float)

    def ln_nfw(x: np.ndarray, ln_rho0: float, ln_rs: float) -> np.ndarray:
        s = np.exp(ln_rs)
        return ln_rho0 - np.log(x / s) - 2 * np.log1p(x / s)

    p0 = (np.log(np.median(rho)), np.log(np.median(r_kpc)))
    (ln_rho0, ln_rs), cov = curve_fit(ln_nfw, r_kpc, np.log(rho), p0=p0)
    err = np.sqrt(np.diag(cov))
    rs, rho0 = float(np.exp(ln_rs)), float(np.exp(ln_rho0))
    return {"rs": Measurement(rs, rs * err[1], "kpc"), "rho0": Measurement(rho0, rho0 * err[0])}
