"""The classical answer: the exact posterior of the band-power simulator, on a grid (and with emcee).

Because the simulator's noise is Gaussian with known, parameter-dependent variance, the
likelihood is known in closed form,

    ln L(theta) = -1/2 sum_i [ (x_i - P_i(theta))^2 / s_i(theta)^2 + ln(2 pi s_i(theta)^2) ],
    s_i = sqrt(2 / N_i) (P_i(theta) + 1/n_bar),

and with a uniform prior the posterior is ``L`` restricted to the prior box. Two or three parameters make a
grid exact up to its resolution: a coarse pass over the whole box finds the posterior mass, a fine pass zooms
onto it. This is the ground truth that the neural posterior is compared with (C2ST); :func:`mcmc_posterior`
samples the same posterior with emcee (Foreman-Mackey et al. 2013), the field's sampler, as a cross-check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit.sbi.simulate import (
    FIDUCIAL_SURVEY,
    TOY_AMPLITUDE,
    Problem,
    Survey,
    band_power_model,
    band_power_sigma,
    get_problem,
    simulate,
    toy_band_factor,
)

__all__ = ["GridPosterior", "log_likelihood", "log_posterior", "mcmc_posterior", "reference_posterior",
           "widths_vs_volume"]


def check_x(x_obs: Any, survey: Survey) -> np.ndarray:
    """``x_obs`` as a finite float64 (n_bins,) array, or ValueError naming the problem."""
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


def log_likelihood(theta: Any, x_obs: Any, survey: Survey = FIDUCIAL_SURVEY, problem: str | Problem = "eh") -> np.ndarray:
    """Gaussian log-likelihood of band powers ``x_obs`` (n_bins,) at ``theta`` (n, d); returns (n,)."""
    x = check_x(x_obs, survey)
    th = np.atleast_2d(np.asarray(theta, dtype=float))
    model = band_power_model(th, survey, check=False, problem=problem)
    sig = band_power_sigma(model, survey)
    return -0.5 * np.sum(((x - model) / sig) ** 2 + np.log(2 * np.pi * sig**2), axis=1)


@dataclass(frozen=True)
class GridPosterior:
    """A posterior tabulated on a regular grid of cell centres, one axis per parameter.

    axes: d arrays of cell centres; prob: probability of each cell, shape (len(axes[0]), ..., len(axes[d-1])),
    summing to 1; names: the parameter names.
    """

    axes: tuple[np.ndarray, ...]
    prob: np.ndarray
    names: tuple[str, ...] = ("Omega_m", "sigma_8")

    @property
    def dim(self) -> int:
        return len(self.axes)

    @property
    def omega_m(self) -> np.ndarray:
        return self.axes[0]

    @property
    def sigma8(self) -> np.ndarray:
        return self.axes[1]

    @property
    def cell(self) -> tuple[float, ...]:
        return tuple(float(a[1] - a[0]) for a in self.axes)

    def marginal(self, dims: tuple[int, ...] = (0, 1)) -> GridPosterior:
        """The posterior of the parameters ``dims`` with the others summed out (exact marginalisation)."""
        others = tuple(i for i in range(self.dim) if i not in dims)
        prob = self.prob.sum(axis=others) if others else self.prob
        if list(dims) != sorted(dims):
            prob = np.transpose(prob, [sorted(dims).index(d) for d in dims])
        return GridPosterior(tuple(self.axes[i] for i in dims), prob, tuple(self.names[i] for i in dims))

    def sample(self, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
        """(n, d) samples: a cell drawn by its probability, then a uniform point inside it."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        flat = rng.choice(self.prob.size, size=n, p=self.prob.ravel())
        idx = np.unravel_index(flat, self.prob.shape)
        return np.stack([a[i] + (rng.random(n) - 0.5) * c for a, i, c in zip(self.axes, idx, self.cell)], axis=1)

    def mean(self) -> np.ndarray:
        """(d,) posterior mean."""
        return np.array([np.sum(self.marginal((i,)).prob * a) for i, a in enumerate(self.axes)])

    def cov(self) -> np.ndarray:
        """(d, d) posterior covariance (cell-centre approximation)."""
        grids = np.meshgrid(*self.axes, indexing="ij")
        m = self.mean()
        d = np.stack([g - mi for g, mi in zip(grids, m)]).reshape(self.dim, -1)
        return np.einsum("ak,bk,k->ab", d, d, self.prob.ravel())

    def std(self) -> np.ndarray:
        """(d,) marginal standard deviations."""
        return np.sqrt(np.diag(self.cov()))

    def function_moments(self, func: Any) -> tuple[float, float]:
        """Mean and standard deviation of ``func(theta)`` ((n, d) -> (n,)) under the grid posterior."""
        grids = np.stack([g.ravel() for g in np.meshgrid(*self.axes, indexing="ij")], axis=1)
        f = np.asarray(func(grids), dtype=float)
        p = self.prob.ravel()
        m = float(np.sum(p * f))
        return m, float(np.sqrt(max(np.sum(p * (f - m) ** 2), 0.0)))

    def density(self) -> np.ndarray:
        """Probability density per unit volume of parameter space, same shape as ``prob``."""
        return self.prob / np.prod(self.cell)

    def levels(self, masses: tuple[float, ...] = (0.95, 0.68)) -> np.ndarray:
        """Density thresholds enclosing the given probability masses (for contour plots), increasing."""
        p = np.sort(self.prob.ravel())[::-1]
        cum = np.cumsum(p)
        vol = np.prod(self.cell)
        return np.array(sorted(p[min(np.searchsorted(cum, m), p.size - 1)] / vol for m in masses))


def _matter_shape(survey: Survey, om: np.ndarray) -> np.ndarray:
    """(n_om, n_bins) matter band powers at sigma_8 = 1 (P scales as sigma_8^2)."""
    return band_power_model(np.stack([om, np.ones_like(om)], axis=1), survey, check=False)


def _grid_loglike(x: np.ndarray, survey: Survey, prob: Problem, axes: tuple[np.ndarray, ...]) -> np.ndarray:
    """ln L on the product grid of ``axes``, with the model built by broadcasting (one spectrum shape per Omega_m)."""
    om, s8 = axes[0], axes[1]
    if prob.name == "toy":
        return _gauss(x, _toy_grid(om, s8, survey), survey)
    shape = _matter_shape(survey, om)  # (n_om, n_bins)
    if prob.name == "eh":
        return _gauss(x, s8[None, :, None] ** 2 * shape[:, None, :], survey)
    b = axes[2]
    amp2 = (s8[:, None] * b[None, :]) ** 2  # (n_s8, n_b)
    out = np.empty((len(om), len(s8), len(b)))
    for i in range(len(om)):  # one Omega_m slice at a time keeps the memory small
        out[i] = _gauss(x, amp2[:, :, None] * shape[i][None, None, :], survey)
    return out


def _toy_grid(om: np.ndarray, s8: np.ndarray, survey: Survey) -> np.ndarray:
    """(n_om, n_s8, n_bins) toy band powers A Omega_m sigma_8 <k^-2>."""
    return TOY_AMPLITUDE * om[:, None, None] * s8[None, :, None] * toy_band_factor(survey)[None, None, :]


def _gauss(x: np.ndarray, model: np.ndarray, survey: Survey) -> np.ndarray:
    sig = band_power_sigma(model, survey)
    return -0.5 * np.sum(((x - model) / sig) ** 2 + np.log(2 * np.pi * sig**2), axis=-1)


def reference_posterior(
    x_obs: Any, survey: Survey = FIDUCIAL_SURVEY, n_grid: int | None = None, n_coarse: int | None = None,
    low: Any = None, high: Any = None, problem: str | Problem = "eh",
) -> GridPosterior:
    """Exact posterior p(theta | x_obs) for the problem's uniform prior box, on an adaptive grid.

    x_obs: (n_bins,) band powers in (Mpc/h)^3. The coarse grid (``n_coarse`` points per axis over the prior box)
    finds where ln p > max - 25; the fine grid (``n_grid`` cells per axis) covers that region, clipped to the box.
    Defaults: 241/121 points for two parameters, 81/41 for three.
    """
    prob = get_problem(problem)
    x = check_x(x_obs, survey)
    low = prob.low_array if low is None else np.asarray(low, dtype=float)
    high = prob.high_array if high is None else np.asarray(high, dtype=float)
    n_grid = n_grid or (241 if prob.dim == 2 else 81)
    n_coarse = n_coarse or (121 if prob.dim == 2 else 41)
    coarse = tuple(np.linspace(lo, hi, n_coarse) for lo, hi in zip(low, high))
    lp = _grid_loglike(x, survey, prob, coarse)
    keep = lp > lp.max() - 25.0
    fine = []
    for d, ax in enumerate(coarse):
        other = tuple(i for i in range(prob.dim) if i != d)
        idx = np.flatnonzero(keep.any(axis=other))
        step = ax[1] - ax[0]
        lo, hi = max(low[d], ax[idx[0]] - 2 * step), min(high[d], ax[idx[-1]] + 2 * step)
        edges = np.linspace(lo, hi, n_grid + 1)  # cell centres of a grid that exactly tiles the zoomed box
        fine.append(0.5 * (edges[1:] + edges[:-1]))
    lp = _grid_loglike(x, survey, prob, tuple(fine))
    p = np.exp(lp - lp.max())
    post = GridPosterior(tuple(fine), p / p.sum(), prob.param_names)
    narrow = post.std() < 2 * np.asarray(post.cell)
    if narrow.any():
        raise ValueError(f"the posterior of {prob.param_names[int(np.argmax(narrow))]} is narrower than two grid "
                         f"cells: raise n_grid (now {n_grid}) or analyse a smaller survey")
    return post


def log_posterior(theta: Any, x_obs: Any, survey: Survey = FIDUCIAL_SURVEY, low: Any = None, high: Any = None,
                  problem: str | Problem = "eh") -> np.ndarray:
    """Unnormalised log posterior for the uniform prior box: ln L inside, -inf outside. theta (n, d) -> (n,)."""
    prob = get_problem(problem)
    low = prob.low_array if low is None else low
    high = prob.high_array if high is None else high
    th = np.atleast_2d(np.asarray(theta, dtype=float))
    inside = np.all((th >= low) & (th <= high), axis=1)
    out = np.full(len(th), -np.inf)
    if inside.any():
        out[inside] = log_likelihood(th[inside], x_obs, survey, prob)
    return out


def mcmc_posterior(
    x_obs: Any, survey: Survey = FIDUCIAL_SURVEY, n_walkers: int = 32, n_steps: int = 2000, burn: int = 500,
    seed: int = 0, problem: str | Problem = "eh",
) -> np.ndarray:
    """The same exact posterior sampled with emcee (Foreman-Mackey et al. 2013): (n_walkers * (n_steps - burn), d).

    An independent check on the grid; walkers start in a small ball around the grid's mean.
    """
    import emcee

    prob = get_problem(problem)
    x = check_x(x_obs, survey)
    if burn >= n_steps:
        raise ValueError(f"burn ({burn}) must be smaller than n_steps ({n_steps})")
    grid = reference_posterior(x, survey, n_grid=81 if prob.dim == 2 else 41, n_coarse=61 if prob.dim == 2 else 31,
                               problem=prob)
    rng = np.random.default_rng(seed)
    start = grid.mean() + 0.1 * grid.std() * rng.standard_normal((n_walkers, prob.dim))
    sampler = emcee.EnsembleSampler(n_walkers, prob.dim, lambda th: log_posterior(th, x, survey, problem=prob),
                                    vectorize=True)
    sampler.random_state = np.random.RandomState(seed).get_state()  # emcee's own generator, seeded
    sampler.run_mcmc(start, n_steps, progress=False)
    return sampler.get_chain(discard=burn, flat=True)


def widths_vs_volume(
    volumes: Any, theta: Any = None, survey: Survey = FIDUCIAL_SURVEY, noiseless: bool = True, seed: int = 0,
) -> np.ndarray:
    """Exact posterior standard deviations of (Omega_m, sigma_8) for surveys of each volume in (Mpc/h)^3.

    With ``noiseless=True`` the observation is the expected band powers (the Asimov data set), so the
    widths are those of the typical posterior rather than of one noisy draw. Returns (n_volumes, 2).
    """
    theta = get_problem("eh").fiducial if theta is None else theta
    out = []
    for i, v in enumerate(np.atleast_1d(np.asarray(volumes, dtype=float))):
        s = survey.with_volume(float(v))
        x = band_power_model(theta, s)[0] if noiseless else simulate(theta, seed + i, s)
        out.append(reference_posterior(x, s).std())
    return np.array(out)
