"""Band-power simulator: the matter (or galaxy) power spectrum measured in a survey volume.

An observation is the shot-noise-subtracted power spectrum averaged in ``n_bins`` k-shells,
``x_i = P_i(theta) + sqrt(2 / N_i) (P_i(theta) + 1/n_bar) * eps_i`` with ``eps_i ~ N(0, 1)``:
Gaussian cosmic variance ``2 (P + 1/n_bar)^2 / N_modes`` per bin (Feldman, Kaiser & Peacock 1994,
ApJ 426, 23; Tegmark 1997 for the mode counting), where ``N_modes = V 4 pi k^2 dk / (2 pi)^3``
counts every wave vector in the shell (k and -k are the same real mode, hence the factor 2).

Three inference problems share the survey and the noise model (:data:`PROBLEMS`):

* ``"eh"`` (the default): ``theta = (Omega_m, sigma_8)``, the linear matter P(k) of Eisenstein & Hu (1998),
  the rest fixed at Planck 2018 (:data:`PLANCK18`); prior box ``Omega_m in [0.1, 0.5]``, ``sigma_8 in [0.6, 1.0]``.
* ``"toy"``: the same parameters and box with the guide's toy spectrum ``P = A sigma_8 Omega_m k^-2``: the data
  measure only the product ``sigma_8 Omega_m``, so the posterior is a ridge.
* ``"bias"``: ``theta = (Omega_m, sigma_8, b)``: galaxies with a linear bias ``b in [1, 2]`` (Kaiser 1984),
  ``P_g = b^2 P``: the amplitude measures ``b sigma_8`` and ``b`` is a nuisance parameter to marginalise.

:func:`grf_band_powers` realises the same statistics the slow way, as a Gaussian random field
on a periodic grid measured with FFTs, to check the fast simulator against.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from coursekit.sbi.power import PLANCK18, FixedCosmology, linear_power

__all__ = [
    "FIDUCIAL_SURVEY",
    "PROBLEMS",
    "TOY_AMPLITUDE",
    "Problem",
    "get_problem",
    "PARAM_LABELS",
    "PARAM_NAMES",
    "PLANCK18_THETA",
    "PRIOR_HIGH",
    "PRIOR_LOW",
    "Survey",
    "band_power_model",
    "band_power_sigma",
    "check_theta",
    "grf_band_powers",
    "noisy_band_powers",
    "prior",
    "sample_prior",
    "simulate",
    "simulate_dataset",
]

PARAM_NAMES = ("Omega_m", "sigma_8")
PARAM_LABELS = (r"$\Omega_m$", r"$\sigma_8$")
#: Prior box (uniform): Omega_m in [0.1, 0.5], sigma_8 in [0.6, 1.0].
PRIOR_LOW = np.array([0.1, 0.6])
PRIOR_HIGH = np.array([0.5, 1.0])
#: Planck 2018 TT,TE,EE+lowE+lensing: Omega_m = 0.315 +- 0.007, sigma_8 = 0.811 +- 0.006.
PLANCK18_THETA = np.array([0.315, 0.811])
PLANCK18_ERR = np.array([0.007, 0.006])

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(4)

#: Amplitude A of the guide's toy spectrum P = A sigma_8 Omega_m k^-2, in (Mpc/h)^3 (h/Mpc)^2: chosen so that at
#: Planck 2018 it equals the Eisenstein & Hu spectrum near k = 0.1 h/Mpc (same signal-to-noise as the real problem).
TOY_AMPLITUDE = 220.0


@dataclass(frozen=True)
class Problem:
    """One inference problem: which spectrum the band powers follow, its parameters and their uniform prior box.

    name: key in :data:`PROBLEMS`; param_names, labels: per parameter (plain and LaTeX); low, high: the prior box;
    fiducial: the parameters of the course's observation; description: one line.
    """

    name: str
    param_names: tuple[str, ...]
    labels: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    fiducial: tuple[float, ...]
    description: str

    @property
    def dim(self) -> int:
        return len(self.param_names)

    @property
    def low_array(self) -> np.ndarray:
        return np.asarray(self.low, dtype=float)

    @property
    def high_array(self) -> np.ndarray:
        return np.asarray(self.high, dtype=float)

    def box_text(self) -> str:
        return ", ".join(f"{n} in [{lo}, {hi}]" for n, lo, hi in zip(self.param_names, self.low, self.high))


#: The three problems of the lesson (see the module docstring).
PROBLEMS: dict[str, Problem] = {
    "eh": Problem("eh", ("Omega_m", "sigma_8"), (r"$\Omega_m$", r"$\sigma_8$"), (0.1, 0.6), (0.5, 1.0),
                  (0.315, 0.811), "matter P(k), Eisenstein & Hu (1998) transfer function, normalised to sigma_8"),
    "toy": Problem("toy", ("Omega_m", "sigma_8"), (r"$\Omega_m$", r"$\sigma_8$"), (0.1, 0.6), (0.5, 1.0),
                   (0.315, 0.811), "the guide's toy P(k) = A sigma_8 Omega_m k^-2 (only the product is measured)"),
    "bias": Problem("bias", ("Omega_m", "sigma_8", "b"), (r"$\Omega_m$", r"$\sigma_8$", r"$b$"),
                    (0.1, 0.6, 1.0), (0.5, 1.0, 2.0), (0.315, 0.811, 1.5),
                    "galaxy P_g(k) = b^2 P(k) with a free linear bias b (a nuisance parameter)"),
}


def get_problem(problem: str | Problem = "eh") -> Problem:
    """The :class:`Problem` called ``problem`` (``"eh"``, ``"toy"`` or ``"bias"``), or ``problem`` itself."""
    if isinstance(problem, Problem):
        return problem
    if problem not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}: use one of {', '.join(PROBLEMS)}")
    return PROBLEMS[problem]


@dataclass(frozen=True)
class Survey:
    """A survey measuring the matter power spectrum.

    volume: comoving volume in (Mpc/h)^3; n_bar: tracer number density in (h/Mpc)^3
    (shot noise 1/n_bar); k_min, k_max: edges of the k range in h/Mpc; n_bins: linear k-bins;
    cosmo: the fixed cosmological parameters.
    """

    volume: float = 1.0e8
    n_bar: float = 5.0e-4
    k_min: float = 0.02
    k_max: float = 0.20
    n_bins: int = 12
    cosmo: FixedCosmology = PLANCK18

    def __post_init__(self) -> None:
        if not (self.volume > 0 and self.n_bar > 0):
            raise ValueError(f"volume and n_bar must be positive, got {self.volume}, {self.n_bar}")
        if not (0 < self.k_min < self.k_max):
            raise ValueError(f"need 0 < k_min < k_max, got {self.k_min}, {self.k_max}")
        if self.n_bins < 1:
            raise ValueError(f"n_bins must be >= 1, got {self.n_bins}")

    def with_volume(self, volume: float) -> Survey:
        return replace(self, volume=volume)

    @cached_property
    def k_edges(self) -> np.ndarray:
        """(n_bins + 1,) bin edges in h/Mpc."""
        return np.linspace(self.k_min, self.k_max, self.n_bins + 1)

    @cached_property
    def k_eff(self) -> np.ndarray:
        """(n_bins,) mode-weighted mean k of each shell, 3/4 (k2^4 - k1^4) / (k2^3 - k1^3)."""
        lo, hi = self.k_edges[:-1], self.k_edges[1:]
        return 0.75 * (hi**4 - lo**4) / (hi**3 - lo**3)

    @cached_property
    def n_modes(self) -> np.ndarray:
        """(n_bins,) wave vectors per shell, V (4 pi / 3)(k2^3 - k1^3) / (2 pi)^3."""
        lo, hi = self.k_edges[:-1], self.k_edges[1:]
        return self.volume * (hi**3 - lo**3) / (6 * np.pi**2)

    @property
    def shot_noise(self) -> float:
        """1 / n_bar in (Mpc/h)^3."""
        return 1.0 / self.n_bar

    @cached_property
    def _quadrature(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.k_edges[:-1, None], self.k_edges[1:, None]
        k = 0.5 * (hi + lo) + 0.5 * (hi - lo) * _GL_NODES[None, :]
        w = _GL_WEIGHTS[None, :] * k**2
        return k.ravel(), w / w.sum(axis=1, keepdims=True)


#: The fiducial survey: 0.1 (Gpc/h)^3 = 1e8 (Mpc/h)^3, n_bar = 5e-4 (h/Mpc)^3, 12 bins in 0.02-0.20 h/Mpc.
FIDUCIAL_SURVEY = Survey()


def check_theta(theta: Any, *, low: Any = None, high: Any = None, problem: str | Problem = "eh") -> np.ndarray:
    """Return ``theta`` as a float64 (n, d) array, or raise ValueError (shape, NaN, outside the prior box).

    d is the problem's number of parameters; ``low``/``high`` override its prior box.
    """
    prob = get_problem(problem)
    low = prob.low_array if low is None else np.asarray(low, dtype=float)
    high = prob.high_array if high is None else np.asarray(high, dtype=float)
    if hasattr(theta, "detach"):
        theta = theta.detach().cpu().numpy()
    arr = np.asarray(theta, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    names = ", ".join(prob.param_names)
    if arr.ndim != 2 or arr.shape[1] != prob.dim:
        raise ValueError(f"theta must have shape ({prob.dim},) or (n, {prob.dim}) = ({names}), got {np.shape(theta)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("theta contains NaN or infinite values")
    outside = np.any((arr < low) | (arr > high), axis=1)
    if outside.any():
        i = int(np.argmax(outside))
        box = ", ".join(f"{n} in [{lo:g}, {hi:g}]" for n, lo, hi in zip(prob.param_names, low, high))
        first = ", ".join(f"{v:.4g}" for v in arr[i])
        raise ValueError(
            f"{int(outside.sum())} parameter set(s) lie outside the prior box {box} "
            f"(first: ({first})); draw theta from prior() or clip it"
        )
    return arr


def toy_band_factor(survey: Survey) -> np.ndarray:
    """(n_bins,) k^-2 averaged over each shell with weight k^2: 3 / (k1^2 + k1 k2 + k2^2), in (Mpc/h)^2."""
    lo, hi = survey.k_edges[:-1], survey.k_edges[1:]
    return 3.0 / (lo**2 + lo * hi + hi**2)


def band_power_model(
    theta: Any, survey: Survey = FIDUCIAL_SURVEY, *, check: bool = True, exact: bool = False,
    problem: str | Problem = "eh",
) -> np.ndarray:
    """Expected band powers: P(k) averaged over each k-shell with weight k^2 (4-point Gauss-Legendre).

    theta: (d,) or (n, d) parameters of ``problem`` (d = 2 for "eh" and "toy", 3 for "bias").
    Returns (n, n_bins) in (Mpc/h)^3.
    P scales as sigma_8^2 times a shape that depends on Omega_m alone; by default that shape is read
    from a cubic spline in ln Omega_m tabulated once per survey (relative error < 1e-6, tested),
    which makes the simulator ~100x faster; ``exact=True`` evaluates Eisenstein & Hu directly.
    The toy problem is A sigma_8 Omega_m <k^-2>; the bias problem b^2 times the matter band powers.
    """
    prob = get_problem(problem)
    arr = check_theta(theta, problem=prob) if check else np.atleast_2d(np.asarray(theta, dtype=float))
    if prob.name == "toy":
        return TOY_AMPLITUDE * (arr[:, 0] * arr[:, 1])[:, None] * toy_band_factor(survey)[None, :]
    if prob.name == "bias":
        return arr[:, 2:3] ** 2 * band_power_model(arr[:, :2], survey, check=False, exact=exact)
    if not exact and np.all((arr[:, 0] >= _SHAPE_RANGE[0]) & (arr[:, 0] <= _SHAPE_RANGE[1])):
        return arr[:, 1:2] ** 2 * np.exp(_band_shape_spline(survey)(np.log(arr[:, 0])))
    k, w = survey._quadrature
    pk = linear_power(k, arr[:, 0], arr[:, 1], survey.cosmo).reshape(len(arr), survey.n_bins, -1)
    return np.einsum("nbq,bq->nb", pk, w)


#: Omega_m range of the tabulated band-power shape (covers the prior box with margin).
_SHAPE_RANGE = (0.08, 0.6)


@lru_cache(maxsize=16)
def _band_shape_spline(survey: Survey):
    from scipy.interpolate import CubicSpline

    om = np.linspace(*_SHAPE_RANGE, 1041)
    shape = band_power_model(np.stack([om, np.ones_like(om)], axis=1), survey, check=False, exact=True)
    return CubicSpline(np.log(om), np.log(shape), axis=0)


def band_power_sigma(model: np.ndarray, survey: Survey = FIDUCIAL_SURVEY) -> np.ndarray:
    """Standard deviation of each band power: sqrt(2 / N_modes) (P + 1/n_bar)."""
    return np.sqrt(2.0 / survey.n_modes) * (model + survey.shot_noise)


def noisy_band_powers(
    power: np.ndarray, k_edges: np.ndarray, volume: float, n_bar: float, rng: np.random.Generator
) -> np.ndarray:
    """One measurement of each band power: Gaussian cosmic variance plus shot noise (Feldman, Kaiser & Peacock 1994).

    Parameters
    ----------
    power: (n, n_bins) expected band powers P_i in (Mpc/h)^3.
    k_edges: (n_bins + 1,) shell edges in h/Mpc.
    volume: survey volume V in (Mpc/h)^3; n_bar: number density in (h/Mpc)^3.
    rng: the generator; one ``standard_normal(power.shape)`` draw is used.

    Returns
    -------
    (n, n_bins) ``P_i + sqrt(2 / N_i) (P_i + 1/n_bar) eps_i``, where N_i = V (k2^3 - k1^3) / (6 pi^2) counts the
    wave vectors in shell i (k and -k are one real mode: hence the 2).
    """
    power = np.asarray(power, dtype=float)
    k_edges = np.asarray(k_edges, dtype=float)
    if k_edges.ndim != 1 or power.shape[-1] != len(k_edges) - 1:
        raise ValueError(f"power has {power.shape[-1]} bins but k_edges {k_edges.shape} defines {len(k_edges) - 1}")
    n_modes = volume * (k_edges[1:] ** 3 - k_edges[:-1] ** 3) / (6 * np.pi**2)
    sigma = np.sqrt(2.0 / n_modes) * (power + 1.0 / n_bar)
    return power + sigma * rng.standard_normal(power.shape)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise ValueError("pass seed=<int> or a numpy Generator: the simulator never reads global random state")
    return np.random.default_rng(seed)


def simulate(
    theta: Any, seed: int | np.random.Generator, survey: Survey = FIDUCIAL_SURVEY, problem: str | Problem = "eh",
) -> Any:
    """Simulate shot-noise-subtracted band powers for one or many parameter sets.

    Parameters
    ----------
    theta: (d,) or (n, d) parameters of ``problem``, NumPy or torch; must lie inside its prior box.
    seed: int or ``numpy.random.Generator`` (required: nothing reads global random state).
    survey: volume, number density and k-bins.
    problem: "eh" (default), "toy" or "bias" (see :data:`PROBLEMS`).

    Returns
    -------
    (n_bins,) or (n, n_bins) band powers in (Mpc/h)^3; a float32 torch tensor if ``theta`` was one.
    Each is ``P + sqrt(2 / N_modes) (P + 1/n_bar) eps`` with ``eps ~ N(0, 1)``.
    """
    is_torch = hasattr(theta, "detach")
    single = np.ndim(theta.detach().cpu().numpy() if is_torch else theta) == 1
    arr = check_theta(theta, problem=problem)
    mean = band_power_model(arr, survey, check=False, problem=problem)
    x = noisy_band_powers(mean, survey.k_edges, survey.volume, survey.n_bar, _rng(seed))
    if single:
        x = x[0]
    if is_torch:
        import torch

        return torch.as_tensor(x, dtype=torch.float32)
    return x


def prior(low: Any = None, high: Any = None, device: str = "cpu", problem: str | Problem = "eh"):
    """The uniform prior box of ``problem`` (or ``low``/``high``) as an sbi ``BoxUniform``."""
    import torch
    from sbi.utils import BoxUniform

    prob = get_problem(problem)
    low = prob.low_array if low is None else low
    high = prob.high_array if high is None else high
    lo = torch.as_tensor(np.asarray(low, dtype=float), dtype=torch.float32)
    hi = torch.as_tensor(np.asarray(high, dtype=float), dtype=torch.float32)
    if lo.shape != (prob.dim,) or hi.shape != (prob.dim,) or not bool(torch.all(hi > lo)):
        raise ValueError(f"prior bounds must be two ({prob.dim},) arrays with high > low, got {low}, {high}")
    return BoxUniform(low=lo, high=hi, device=device)


def sample_prior(n: int, seed: int | np.random.Generator, problem: str | Problem = "eh") -> np.ndarray:
    """(n, d) draws from the problem's uniform prior box, in NumPy (no torch needed)."""
    prob = get_problem(problem)
    return _rng(seed).uniform(prob.low_array, prob.high_array, size=(n, prob.dim))


def simulate_dataset(n: int = 20000, seed: int = 0, volume: float = FIDUCIAL_SURVEY.volume,
                     problem: str = "eh") -> dict[str, np.ndarray]:
    """Training set for NPE: ``{"theta": (n, d), "x": (n, n_bins), "k": (n_bins,)}`` (the manifest's generator)."""
    rng = np.random.default_rng(seed)
    survey = FIDUCIAL_SURVEY.with_volume(volume)
    theta = sample_prior(n, rng, problem)
    return {"theta": theta, "x": simulate(theta, rng, survey, problem), "k": survey.k_eff}


def grf_band_powers(
    theta: Any, seed: int | np.random.Generator, survey: Survey = FIDUCIAL_SURVEY, n_mesh: int = 64,
    return_field: bool = False,
) -> Any:
    """Realise a Gaussian random field with P(k) + shot noise in a periodic box and measure its band powers by FFT.

    The box has side ``L = volume^(1/3)``; Fourier modes are drawn as white noise times
    ``sqrt(P(k) / V_cell)`` and white shot noise of variance ``1 / (n_bar V_cell)`` is added in
    configuration space. The estimator is ``P_hat(k) = V_cell^2 / V |delta_k|^2`` averaged over the
    wave vectors in each shell, minus ``1 / n_bar``.

    theta: (2,) one parameter set. Returns (n_bins,) band powers in (Mpc/h)^3 and the number of
    wave vectors per shell on the grid, plus the (n_mesh,)*3 density field if ``return_field``.
    """
    arr = check_theta(theta)
    if len(arr) != 1:
        raise ValueError("grf_band_powers takes one parameter set, shape (2,)")
    rng = _rng(seed)
    box = survey.volume ** (1 / 3)
    k_nyq = np.pi * n_mesh / box
    if survey.k_max > k_nyq:
        raise ValueError(
            f"k_max = {survey.k_max} h/Mpc exceeds the grid's Nyquist {k_nyq:.3f} h/Mpc: raise n_mesh "
            f"to at least {int(np.ceil(survey.k_max * box / np.pi))}"
        )
    v_cell = survey.volume / n_mesh**3
    kf = 2 * np.pi * np.fft.fftfreq(n_mesh, d=box / n_mesh)
    kz = 2 * np.pi * np.fft.rfftfreq(n_mesh, d=box / n_mesh)
    kmag = np.sqrt(kf[:, None, None] ** 2 + kf[None, :, None] ** 2 + kz[None, None, :] ** 2)
    pk = np.zeros_like(kmag)
    nz = kmag > 0
    pk[nz] = linear_power(kmag[nz], arr[0, 0], arr[0, 1], survey.cosmo)[0]
    white = np.fft.rfftn(rng.standard_normal((n_mesh,) * 3))
    field = np.fft.irfftn(white * np.sqrt(pk / v_cell), s=(n_mesh,) * 3, axes=(0, 1, 2))
    field += rng.standard_normal(field.shape) * np.sqrt(1.0 / (survey.n_bar * v_cell))
    power = np.abs(np.fft.rfftn(field)) ** 2 * v_cell**2 / survey.volume
    # rfft stores kz >= 0 only: weight the kz > 0 planes twice (they stand for -k as well)
    weight = np.full(kmag.shape, 2.0)
    weight[..., 0] = 1.0
    if n_mesh % 2 == 0:
        weight[..., -1] = 1.0
    idx = np.digitize(kmag.ravel(), survey.k_edges) - 1
    ok = (idx >= 0) & (idx < survey.n_bins)
    counts = np.bincount(idx[ok], weights=weight.ravel()[ok], minlength=survey.n_bins)
    sums = np.bincount(idx[ok], weights=(weight * power).ravel()[ok], minlength=survey.n_bins)
    band = sums / counts - survey.shot_noise
    if return_field:
        return band, counts, field
    return band, counts
