"""The exact posterior of the band-power simulator, on a grid.

Because the simulator's noise is Gaussian with known, parameter-dependent variance, the
likelihood is known in closed form,

    ln L(theta) = -1/2 sum_i [ (x_i - P_i(theta))^2 / s_i(theta)^2 + ln(2 pi s_i(theta)^2) ],
    s_i = sqrt(2 / N_i) (P_i(theta) + 1/n_bar),

and with a uniform prior the posterior is ``L`` restricted to the prior box. Two parameters make a
grid exact up to its resolution: a coarse pass over the whole box finds the posterior mass, a fine
pass zooms onto it. This is the ground truth that the neural posterior is compared with (C2ST).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit.sbi.simulate import (
    FIDUCIAL_SURVEY,
    PRIOR_HIGH,
    PRIOR_LOW,
    Survey,
    band_power_model,
    band_power_sigma,
)

__all__ = ["GridPosterior", "log_likelihood", "log_posterior", "mcmc_posterior", "reference_posterior"]


def _check_x(x_obs: Any, survey: Survey) -> np.ndarray:
    if hasattr(x_obs, "detach"):
        x_obs = x_obs.detach().cpu().numpy()
    x = np.asarray(x_obs, dtype=float)
    if x.ndim == 2 and x.shape[0] == 1:
        x = x[0]
    if x.shape != (survey.n_bins,):
        raise ValueError(f"x_obs must have shape ({survey.n_bins},) for this survey's k-bins, got {np.shape(x_obs)}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x_obs contains NaN or infinite values")
    return x


def log_likelihood(theta: Any, x_obs: Any, survey: Survey = FIDUCIAL_SURVEY) -> np.ndarray:
    """Gaussian log-likelihood of band powers ``x_obs`` (n_bins,) at ``theta`` (n, 2); returns (n,)."""
    x = _check_x(x_obs, survey)
    th = np.atleast_2d(np.asarray(theta, dtype=float))
    model = band_power_model(th, survey, check=False)
    sig = band_power_sigma(model, survey)
    return -0.5 * np.sum(((x - model) / sig) ** 2 + np.log(2 * np.pi * sig**2), axis=1)


@dataclass(frozen=True)
class GridPosterior:
    """A 2-D posterior tabulated on a regular grid (cell centres ``omega_m`` x ``sigma8``).

    prob: (n_om, n_s8) probability of each cell (sums to 1).
    """

    omega_m: np.ndarray
    sigma8: np.ndarray
    prob: np.ndarray

    @property
    def cell(self) -> tuple[float, float]:
        return float(self.omega_m[1] - self.omega_m[0]), float(self.sigma8[1] - self.sigma8[0])

    def sample(self, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
        """(n, 2) samples: a cell drawn by its probability, then a uniform point inside it."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        flat = rng.choice(self.prob.size, size=n, p=self.prob.ravel())
        i, j = np.unravel_index(flat, self.prob.shape)
        d_om, d_s8 = self.cell
        om = self.omega_m[i] + (rng.random(n) - 0.5) * d_om
        s8 = self.sigma8[j] + (rng.random(n) - 0.5) * d_s8
        return np.stack([om, s8], axis=1)

    def mean(self) -> np.ndarray:
        """(2,) posterior mean."""
        return np.array([np.sum(self.prob.sum(1) * self.omega_m), np.sum(self.prob.sum(0) * self.sigma8)])

    def cov(self) -> np.ndarray:
        """(2, 2) posterior covariance (cell-centre approximation)."""
        om, s8 = np.meshgrid(self.omega_m, self.sigma8, indexing="ij")
        m = self.mean()
        d = np.stack([om - m[0], s8 - m[1]])
        return np.einsum("aij,bij,ij->ab", d, d, self.prob)

    def std(self) -> np.ndarray:
        """(2,) marginal standard deviations."""
        return np.sqrt(np.diag(self.cov()))

    def density(self) -> np.ndarray:
        """(n_om, n_s8) probability density (per unit Omega_m per unit sigma_8)."""
        d_om, d_s8 = self.cell
        return self.prob / (d_om * d_s8)

    def levels(self, masses: tuple[float, ...] = (0.95, 0.68)) -> np.ndarray:
        """Density thresholds enclosing the given probability masses (for contour plots), increasing."""
        p = np.sort(self.prob.ravel())[::-1]
        cum = np.cumsum(p)
        d_om, d_s8 = self.cell
        out = [p[min(np.searchsorted(cum, m), p.size - 1)] / (d_om * d_s8) for m in masses]
        return np.array(sorted(out))


def _grid_logpost(x: np.ndarray, survey: Survey, om: np.ndarray, s8: np.ndarray) -> np.ndarray:
    """ln L on the grid om x s8: P scales as sigma_8^2, so the spectrum's shape is computed once per Omega_m."""
    shape = band_power_model(np.stack([om, np.ones_like(om)], axis=1), survey, check=False)  # (n_om, n_bins)
    model = s8[None, :, None] ** 2 * shape[:, None, :]
    sig = band_power_sigma(model, survey)
    return -0.5 * np.sum(((x - model) / sig) ** 2 + np.log(2 * np.pi * sig**2), axis=-1)


def reference_posterior(
    x_obs: Any, survey: Survey = FIDUCIAL_SURVEY, n_grid: int = 241, n_coarse: int = 121,
    low: np.ndarray = PRIOR_LOW, high: np.ndarray = PRIOR_HIGH,
) -> GridPosterior:
    """Exact posterior p(theta | x_obs) for the uniform prior box, on an adaptive grid.

    x_obs: (n_bins,) band powers in (Mpc/h)^3. The coarse grid (``n_coarse``^2 over the prior box)
    finds where ln p > max - 25; the fine grid (``n_grid``^2) covers that region, clipped to the box.
    """
    x = _check_x(x_obs, survey)
    om, s8 = np.linspace(low[0], high[0], n_coarse), np.linspace(low[1], high[1], n_coarse)
    lp = _grid_logpost(x, survey, om, s8)
    keep = lp > lp.max() - 25.0
    i = np.flatnonzero(keep.any(axis=1))
    j = np.flatnonzero(keep.any(axis=0))
    d_om, d_s8 = om[1] - om[0], s8[1] - s8[0]
    om_lo, om_hi = max(low[0], om[i[0]] - 2 * d_om), min(high[0], om[i[-1]] + 2 * d_om)
    s8_lo, s8_hi = max(low[1], s8[j[0]] - 2 * d_s8), min(high[1], s8[j[-1]] + 2 * d_s8)
    # cell centres of a grid that exactly tiles the zoomed box
    f_om = np.linspace(om_lo, om_hi, n_grid + 1)
    f_s8 = np.linspace(s8_lo, s8_hi, n_grid + 1)
    c_om, c_s8 = 0.5 * (f_om[1:] + f_om[:-1]), 0.5 * (f_s8[1:] + f_s8[:-1])
    lp = _grid_logpost(x, survey, c_om, c_s8)
    prob = np.exp(lp - lp.max())
    prob /= prob.sum()
    return GridPosterior(omega_m=c_om, sigma8=c_s8, prob=prob)


def log_posterior(theta: Any, x_obs: Any, survey: Survey = FIDUCIAL_SURVEY,
                  low: np.ndarray = PRIOR_LOW, high: np.ndarray = PRIOR_HIGH) -> np.ndarray:
    """Unnormalised log posterior for the uniform prior box: ln L inside, -inf outside. theta (n, 2) -> (n,)."""
    th = np.atleast_2d(np.asarray(theta, dtype=float))
    inside = np.all((th >= low) & (th <= high), axis=1)
    out = np.full(len(th), -np.inf)
    if inside.any():
        out[inside] = log_likelihood(th[inside], x_obs, survey)
    return out


def mcmc_posterior(
    x_obs: Any, survey: Survey = FIDUCIAL_SURVEY, n_walkers: int = 32, n_steps: int = 2000, burn: int = 500,
    seed: int = 0,
) -> np.ndarray:
    """The same exact posterior sampled with emcee (Foreman-Mackey et al. 2013): (n_walkers * (n_steps - burn), 2).

    An independent check on the grid; walkers start in a small ball around the grid's mean.
    """
    import emcee

    x = _check_x(x_obs, survey)
    if burn >= n_steps:
        raise ValueError(f"burn ({burn}) must be smaller than n_steps ({n_steps})")
    grid = reference_posterior(x, survey, n_grid=81, n_coarse=61)
    rng = np.random.default_rng(seed)
    start = grid.mean() + 0.1 * grid.std() * rng.standard_normal((n_walkers, 2))
    sampler = emcee.EnsembleSampler(n_walkers, 2, lambda th: log_posterior(th, x, survey), vectorize=True)
    sampler.random_state = np.random.RandomState(seed).get_state()  # emcee's own generator, seeded
    sampler.run_mcmc(start, n_steps, progress=False)
    return sampler.get_chain(discard=burn, flat=True)
