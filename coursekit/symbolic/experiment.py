"""The lesson's steps (notebook 06, ``python -m coursekit symbolic run``, the bench): each returns a typed result.

1. :func:`kepler_orbits`: Kepler's third law from simulated orbits (the guide's toy data).
2. :func:`kepler_planets`: ``P ∝ a^(3/2) M^(-1/2)`` from the Open Exoplanet Catalogue.
3. :func:`nfw_halo`: the NFW form from a noisy simulated halo profile.
4. :func:`hubble_flow`: H0 from Pantheon+ supernovae in the Hubble flow.
5. :func:`cosmography`: the deceleration parameter q0 from ``d_L / (cz)`` out to z = 0.5.
6. :func:`noise_sweep` and :func:`operator_ablation`: the two experiments the student runs.

Every step converts its astropy quantities to stated units, runs
:func:`~coursekit.symbolic.model.fit_symbolic`, reads the law off the selected
formula, and computes the classical baseline (:mod:`coursekit.symbolic.baseline`)
on the same data, each number with its uncertainty. :func:`run` calls them in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
from astropy import constants as const
from astropy import units as u

from coursekit.metrics import Measurement, difference
from coursekit.symbolic.baseline import (
    Cosmography,
    PowerLawFit,
    cosmography_fit,
    hubble_slope,
    nfw_fit,
    power_law_fit,
    q0_from_coefficients,
)
from coursekit.symbolic.config import Config, get_config
from coursekit.symbolic.laws import PowerLaw, as_power_law, broken_power_law, is_nfw
from coursekit.symbolic.metrics import formula_measurement, log_slope_at, mean_with_error, recovery_rate, taylor_at_zero
from coursekit.symbolic.model import SymbolicFit, fit_symbolic

#: q0 of flat LambdaCDM with Om = 0.3 (q0 = 3 Om / 2 - 1), and of the matter-only Einstein-de Sitter universe.
Q0_LCDM = -0.55
Q0_EDS = 0.5
#: Operator sets of the Kepler search: a structural exponent (a * sqrt(a)), a fitted one (a ^ p), neither.
KEPLER_SQRT = (("+", "-", "*"), ("sqrt",))
KEPLER_POW = (("+", "-", "*", "^"), ())
KEPLER_NEITHER = (("+", "-", "*"), ())
KEPLER_TIME_S = float((2 * np.pi / np.sqrt(const.G * u.M_sun) * u.AU**1.5).to_value(u.yr))
KEPLER_DAYS = float((2 * np.pi / np.sqrt(const.G) * u.AU**1.5 / u.M_sun**0.5).to_value(u.day))


def _subsample(n: int, max_rows: int, seed: int) -> np.ndarray:
    idx = np.arange(n)
    if n <= max_rows:
        return idx
    return np.sort(np.random.default_rng(seed).choice(n, max_rows, replace=False))


# --------------------------------------------------------------------------- 1. Kepler, simulated orbits

@dataclass
class KeplerResult:
    """Kepler's law from orbits: the search, the exponent read off it, and the log-log baseline."""

    fit: SymbolicFit
    law: PowerLaw | None
    p: Measurement            # d ln T / d ln a at the data's geometric centre, bootstrap error
    baseline: PowerLawFit     # least squares of ln T on ln a
    recovered: bool           # a pure power law with |p - 3/2| <= p_tol
    a_au: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    T_yr: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))


def kepler_orbits(orbits: dict[str, u.Quantity], *, config: Config | None = None, seed: int = 0,
                  engine: str = "auto", operators: tuple[Sequence[str], Sequence[str]] = KEPLER_SQRT,
                  max_complexity: int = 8, p_tol: float = 0.01, population_size: int | None = None,
                  generations: int | None = None, n_boot: int | None = None) -> KeplerResult:
    """Search ``T(a)`` in orbits ``{"a": AU, "T": yr}`` (see :func:`~coursekit.symbolic.simulate.simulate_orbits`).

    ``operators = (binary, unary)``: by default ``+ - *`` and ``sqrt`` (no
    division: with ``/`` the search fits poles to single noisy orbits), so an
    exponent 3/2 must be assembled as ``a * sqrt(a)``, a structural discovery;
    :data:`KEPLER_POW` gives ``^`` instead (the exponent becomes a fitted
    constant), :data:`KEPLER_NEITHER` neither. ``max_complexity`` is small on
    purpose: with 1 % timing noise the few longest periods dominate the squared
    error, and with room for 12 nodes the search bends formulas through them.
    The exponent is the logarithmic slope of the selected formula at the
    geometric centre of the orbits, with the bootstrap error of its constants.
    Baseline: straight-line least squares of ``ln T`` on ``ln a``.
    """
    cfg = config or get_config()
    a = orbits["a"].to_value(u.AU)
    T = orbits["T"].to_value(u.yr)
    binary, unary = operators
    fit = fit_symbolic(a[:, None], T, ["a"], engine=engine, binary_operators=binary, unary_operators=unary,
                       max_complexity=max_complexity, population_size=population_size or cfg.population_size,
                       generations=generations or cfg.generations, restarts=cfg.restarts, seed=seed, target_name="T")
    law = as_power_law(fit.best, fit.symbols)
    centre = float(np.exp(np.mean(np.log(a))))
    p = formula_measurement(fit.best, fit.symbols, a[:, None], T, lambda f: log_slope_at(f, [centre]),
                            n_boot=n_boot if n_boot is not None else cfg.n_bootstrap, seed=seed)
    recovered = law is not None and abs(law.exponents["a"] - 1.5) <= p_tol and _pure_power_law_over(fit, a)
    return KeplerResult(fit, law, p, power_law_fit(a, T), bool(recovered), a, T)


def _pure_power_law_over(fit: SymbolicFit, a: np.ndarray, tol: float = 1e-3) -> bool:
    """The selected formula's logarithmic slope is the same (within ``tol``) across the data's whole range.

    :func:`~coursekit.symbolic.laws.as_power_law` tests the form on points in 0.1-10; a term like
    ``1e-27 a^17`` is invisible there but bends the formula at the outermost orbits.
    """
    f = fit.predict
    slopes = [log_slope_at(lambda x: f(np.atleast_1d(x)[:, None])[0], [x]) for x in np.geomspace(a.min(), a.max(), 9)]
    return bool(np.all(np.isfinite(slopes)) and np.ptp(slopes) <= tol)


# --------------------------------------------------------------------------- 2. Kepler, real planets

@dataclass
class PlanetsResult:
    """``P = c a^p_a M^p_M`` from a planet table: search in log space, one round of clipping, baseline."""

    fit: SymbolicFit
    law: PowerLaw | None
    p_a: Measurement
    p_M: Measurement
    coefficient_days: float
    p_M_before_clipping: float
    n_rows: int
    n_clipped: int
    baseline: PowerLawFit
    recovered: bool
    a_au: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    M_msun: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    P_day: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    keep: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0, bool))


def kepler_planets(table, *, config: Config | None = None, seed: int = 0, engine: str = "auto",
                   clip: float | None = 5.0, tol_a: float = 0.05, tol_m: float = 0.05,
                   n_boot: int | None = None) -> PlanetsResult:
    """Recover ``P ∝ a^(3/2) M^(-1/2)`` from a table in the Open Exoplanet Catalogue layout
    (``period`` [day], ``semimajoraxis`` [AU], ``hoststar_mass`` [M_sun]; see :mod:`coursekit.symbolic.data`).

    Periods span seven decades and host masses one, so the search works on
    logarithms: target ``ln(P / day)``, features ``ln(a / AU)``, ``ln(M / M_sun)``,
    operators ``+ - *``: a power law is a plane there. ``exp`` of the selected
    formula is read as a power law. A squared loss lets a few inconsistent rows
    (wrong host, wrong period) pull the exponents, so with ``clip`` the rows
    whose residual from the first law exceeds ``clip`` robust standard deviations
    (1.4826 MAD, and at least 0.1 in ln P) are dropped and the search runs again.
    Recovered: exponents within ``tol_a`` of 3/2 and ``tol_m`` of -1/2. Exponent
    errors: bootstrap of the formula's constants. Baseline: linear least squares
    of ``ln P`` on ``ln a`` and ``ln M`` on the same rows.
    """
    cfg = config or get_config()
    idx = _subsample(len(table), cfg.max_rows, seed)
    a = u.Quantity(table["semimajoraxis"], u.AU).value[idx]
    m = u.Quantity(table["hoststar_mass"], u.M_sun).value[idx]
    P = u.Quantity(table["period"], u.day).value[idx]
    X, y = np.column_stack([np.log(a), np.log(m)]), np.log(P)
    sa, sm = sympy.symbols("a M", positive=True)

    def search(keep: np.ndarray) -> tuple[SymbolicFit, PowerLaw | None]:
        fit = fit_symbolic(X[keep], y[keep], ["ln_a", "ln_M"], engine=engine, binary_operators=("+", "-", "*"),
                           unary_operators=(), max_complexity=10, population_size=cfg.population_size,
                           generations=cfg.generations, restarts=cfg.restarts, seed=seed, target_name="ln P")
        ln_a, ln_m = fit.symbols
        law = as_power_law(sympy.exp(fit.best.xreplace({ln_a: sympy.log(sa), ln_m: sympy.log(sm)})), (sa, sm))
        return fit, law

    keep = np.ones(len(y), bool)
    fit, law = search(keep)
    first = law
    if clip is not None:
        resid = y - fit.predict(X)
        resid = resid - np.median(resid)
        scale = 1.4826 * np.median(np.abs(resid))
        new_keep = np.abs(resid) <= max(clip * scale, 0.1)  # never clip a period within 10 % of the law
        if new_keep.sum() >= 5 and not new_keep.all():
            keep = new_keep
            fit, law = search(keep)
    nb = n_boot if n_boot is not None else cfg.n_bootstrap
    centre = np.median(X[keep], axis=0)
    h = 1e-3

    def slope(j: int):
        def read(f) -> float:
            lo, hi = centre.copy(), centre.copy()
            lo[j] -= h
            hi[j] += h
            return (float(f(*hi)) - float(f(*lo))) / (2 * h)
        return read

    p_a = formula_measurement(fit.best, fit.symbols, X[keep], y[keep], slope(0), n_boot=nb, seed=seed)
    p_m = formula_measurement(fit.best, fit.symbols, X[keep], y[keep], slope(1), n_boot=nb, seed=seed + 1)
    recovered = law is not None and abs(p_a.value - 1.5) <= tol_a and abs(p_m.value + 0.5) <= tol_m
    return PlanetsResult(
        fit=fit, law=law, p_a=p_a, p_M=p_m, coefficient_days=law.coefficient if law else float("nan"),
        p_M_before_clipping=first.exponents["M"] if first else float("nan"), n_rows=len(y),
        n_clipped=int((~keep).sum()), baseline=power_law_fit(np.column_stack([a, m])[keep], P[keep]),
        recovered=bool(recovered), a_au=a, M_msun=m, P_day=P, keep=keep)


# --------------------------------------------------------------------------- 3. NFW halo

@dataclass
class NFWResult:
    fit: SymbolicFit
    inner_slope: float
    outer_slope: float
    rs: Measurement           # radius where d ln rho / d ln r = -2, bootstrap error [kpc]
    rs_true: float | None
    baseline_rs: Measurement  # curve_fit of the NFW form [kpc]
    recovered: bool
    rho_ref: float
    r_kpc: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    rho: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))


def _radius_at_slope(f, r: np.ndarray, target: float = -2.0) -> float:
    """Radius where ``d f / d ln r = target`` (``f = ln rho``), from a fine log grid over the data."""
    grid = np.geomspace(r.min(), r.max(), 400)
    with np.errstate(all="ignore"):
        lf = np.asarray(f(grid), float)
    slope = np.gradient(lf, np.log(grid))
    s = slope - target
    cross = np.nonzero(np.sign(s[:-1]) != np.sign(s[1:]))[0]
    if not np.all(np.isfinite(s)) or cross.size != 1:
        return float("nan")
    i = cross[0]
    t = s[i] / (s[i] - s[i + 1])
    return float(np.exp(np.log(grid[i]) + t * (np.log(grid[i + 1]) - np.log(grid[i]))))


def nfw_halo(profile: dict[str, u.Quantity], *, config: Config | None = None, seed: int = 0, engine: str = "auto",
             restarts: int | None = None, n_boot: int | None = None) -> NFWResult:
    """Recover the NFW form from a density profile ``{"r": kpc, "rho": Msun/kpc^3[, "rs": kpc]}``.

    The search fits ``ln(rho / rho_ref)`` with ``+ - * log`` on ``r`` [kpc]
    (multiplicative scatter becomes additive; ``rho_ref``, the geometric mean
    density, keeps the target O(1)). Recovered: the selected formula has the
    form ``A r^-a (r + B)^-b`` with inner slope -1 and outer slope -3 (within
    0.15) and ``B`` within 25 % of the true ``rs``
    (:func:`~coursekit.symbolic.laws.broken_power_law`). ``rs`` is read as the
    radius where the logarithmic slope is -2 (NFW: exactly ``rs``). Baseline:
    least squares of the NFW formula itself (form known in advance).
    """
    cfg = config or get_config()
    r = profile["r"].to_value(u.kpc)
    rho = profile["rho"].to_value(u.Msun / u.kpc**3)
    rho_ref = float(np.exp(np.mean(np.log(rho))))
    fit = fit_symbolic(r[:, None], np.log(rho / rho_ref), ["r"], engine=engine, binary_operators=("+", "-", "*"),
                       unary_operators=("log",), max_complexity=12, population_size=cfg.population_size,
                       generations=cfg.generations, restarts=restarts or max(cfg.restarts, 5), seed=seed,
                       target_name="ln(rho/rho_ref)")
    form = broken_power_law(fit.best, fit.symbols[0], log_space=True)
    rs_true = float(profile["rs"].to_value(u.kpc)) if "rs" in profile else None
    rs = formula_measurement(fit.best, fit.symbols, r[:, None], np.log(rho / rho_ref),
                             lambda f: _radius_at_slope(f, r), n_boot=n_boot if n_boot is not None else
                             min(cfg.n_bootstrap, 100), seed=seed, unit="kpc")
    nan = float("nan")
    return NFWResult(fit, form.inner_slope if form else nan, form.outer_slope if form else nan, rs, rs_true,
                     nfw_fit(r, rho)["rs"], is_nfw(form, rs=rs_true), rho_ref, r, rho)


# --------------------------------------------------------------------------- 4. Hubble flow

@dataclass
class HubbleResult:
    fit: SymbolicFit
    H0: Measurement           # 1 / (slope of the formula at v = 0), bootstrap error
    intercept_mpc: float
    baseline_H0: Measurement  # least squares of d = v / H0
    n_sne: int
    v_kms: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    d_mpc: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))


def hubble_flow(diagram: dict[str, u.Quantity], *, config: Config | None = None, seed: int = 0,
                engine: str = "auto", n_boot: int | None = None) -> HubbleResult:
    """H0 from a Hubble diagram ``{"z", "v": km/s, "d": Mpc (luminosity distance)}`` (see
    :func:`~coursekit.symbolic.data.hubble_diagram`).

    The search predicts the proper distance today ``d = d_L / (1 + z)`` from
    ``v = cz`` (the distance is the noisy quantity, ~7 % per supernova; regressing
    ``v`` on ``d`` would flatten the slope). ``v = H0 d`` holds to ~1 % below
    z = 0.1. H0 is the inverse slope of the selected formula at ``v = 0``, with
    the bootstrap error of its constants. Baseline: least squares of ``d = v / H0``.
    """
    cfg = config or get_config()
    v = diagram["v"].to_value(u.km / u.s)
    d = diagram["d"].to_value(u.Mpc) / (1 + np.asarray(diagram["z"]))
    idx = _subsample(len(d), cfg.max_rows, seed)
    v, d = v[idx], d[idx]
    fit = fit_symbolic(v[:, None], d, ["v"], engine=engine, binary_operators=("+", "-", "*", "/"),
                       unary_operators=(), max_complexity=11, population_size=cfg.population_size,
                       generations=cfg.generations, restarts=cfg.restarts, seed=seed, target_name="d")

    def h0(f) -> float:
        _, k = taylor_at_zero(f, float(v.max()))
        return 1.0 / k if k > 0 else float("nan")

    H0 = formula_measurement(fit.best, fit.symbols, v[:, None], d, h0, n_boot=n_boot if n_boot is not None
                             else cfg.n_bootstrap, seed=seed, unit="km/s/Mpc")
    c0 = float(fit.predict(np.zeros((1, 1)))[0])
    return HubbleResult(fit, H0, c0, hubble_slope(v, d), len(v), v, d)


# --------------------------------------------------------------------------- 5. cosmography

@dataclass
class CosmographyResult:
    """q0 from ``d_L / (cz) = (1/H0) [1 + (1 - q0) z / 2 + ...]``: the search, the polynomial baseline, verdicts."""

    fit: SymbolicFit
    H0: Measurement
    q0: Measurement
    baseline: Cosmography
    n_sne: int
    z: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    ratio: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))

    @property
    def accelerating(self) -> bool:
        """q0 < 0 at two standard deviations (q0 + 2 err < 0)."""
        return bool(self.q0.value + 2 * self.q0.err < 0)

    def pulls(self) -> dict[str, float]:
        """Distance of q0 from flat LambdaCDM (-0.55) and Einstein-de Sitter (+0.5) in standard deviations."""
        return {"LambdaCDM": (self.q0.value - Q0_LCDM) / self.q0.err,
                "Einstein-de Sitter": (self.q0.value - Q0_EDS) / self.q0.err}


def cosmography(diagram: dict[str, u.Quantity], *, config: Config | None = None, seed: int = 0,
                engine: str = "auto", n_boot: int | None = None) -> CosmographyResult:
    """Search ``d_L / v`` [Mpc per 1000 km/s] as a function of ``z`` and read H0 and q0 off the formula.

    If Hubble's law held for luminosity distances, ``d_L / v`` would be the
    constant ``1/H0``. The cosmographic expansion (Visser 2004, Class. Quantum
    Grav. 21, 2603; Riess et al. 2022) is ``d_L / (cz) = (1/H0) [1 + (1 - q0) z / 2 + O(z^2)]``,
    so with the formula's value ``c0`` and slope ``c1`` at ``z = 0``:
    ``H0 = 1000 / c0`` and ``q0 = 1 - 2 c1 / c0``. Acceleration is ``q0 < 0``,
    i.e. ``c1 / c0 > 1/2``; a positive slope alone only says ``q0 < 1`` (the
    decelerating Einstein-de Sitter universe, ``q0 = +1/2``, has one too).
    Dividing by the exact ``v`` keeps the ~7 % distance scatter the same at
    every z. Errors: bootstrap of the formula's constants. Baseline:
    least squares of a quadratic in z (:func:`~coursekit.symbolic.baseline.cosmography_fit`).
    """
    cfg = config or get_config()
    z = np.asarray(diagram["z"], float)
    ratio = (diagram["d"] / diagram["v"]).to_value(u.Mpc / (1000 * u.km / u.s))
    idx = _subsample(len(z), cfg.max_rows, seed)
    z, ratio = z[idx], ratio[idx]
    fit = fit_symbolic(z[:, None], ratio, ["z"], engine=engine, binary_operators=("+", "-", "*", "/"),
                       unary_operators=(), max_complexity=11, population_size=cfg.population_size,
                       generations=cfg.generations, restarts=cfg.restarts, seed=seed, target_name="d_L/v")
    nb = n_boot if n_boot is not None else cfg.n_bootstrap

    def read(which: str):
        def f_read(f) -> float:
            c0, c1 = taylor_at_zero(f, float(z.max()))
            if not c0 > 0:
                return float("nan")
            return 1000.0 / c0 if which == "H0" else q0_from_coefficients(c0, c1)
        return f_read

    H0 = formula_measurement(fit.best, fit.symbols, z[:, None], ratio, read("H0"), n_boot=nb, seed=seed,
                             unit="km/s/Mpc")
    q0 = formula_measurement(fit.best, fit.symbols, z[:, None], ratio, read("q0"), n_boot=nb, seed=seed)
    return CosmographyResult(fit, H0, q0, cosmography_fit(z, ratio, n_boot=nb, seed=seed), len(z), z, ratio)


# --------------------------------------------------------------------------- 6. the experiments

@dataclass
class SweepResult:
    """Kepler's exponent against timing noise: per noise level, the exponents and how often 3/2 came back."""

    noise: tuple[float, ...]
    p: list[list[float]]                 # [level][seed] exponent (log slope at the centre)
    recovered: list[list[bool]]
    formulas: list[list[str]]
    rate: list[Measurement]              # fraction recovered per level
    abs_error: list[Measurement]         # mean |p - 3/2| per level

    def table(self) -> str:
        lines = [f"{'noise':>6}  {'recovered':>12}  {'mean |p - 3/2|':>18}  formulas (first seeds)"]
        for k, s in enumerate(self.noise):
            lines.append(f"{s:>6.3f}  {str(self.rate[k]):>12}  {str(self.abs_error[k]):>18}  "
                         + "; ".join(self.formulas[k][:2]))
        return "\n".join(lines)


def noise_sweep(noise: Sequence[float] | None = None, *, seeds: int | None = None, n_orbits: int = 100,
                config: Config | None = None, engine: str = "auto",
                operators: tuple[Sequence[str], Sequence[str]] = KEPLER_POW, p_tol: float = 0.01) -> SweepResult:
    """Rerun :func:`kepler_orbits` on fresh orbits at each relative timing noise in ``noise``.

    With the power operator the exponent is a fitted constant, so its scatter
    grows with the noise until it leaves the ``p_tol`` window (statistics), and
    at larger noise the selected formula may stop being a power law at all (structure).
    """
    from coursekit.symbolic.simulate import simulate_orbits

    cfg = config or get_config()
    levels = tuple(float(s) for s in (noise if noise is not None else cfg.sweep_noise))
    n_seeds = seeds or cfg.sweep_seeds
    ps, recs, forms = [], [], []
    for s in levels:
        row_p, row_r, row_f = [], [], []
        for k in range(n_seeds):
            seed = 1000 + k
            res = kepler_orbits(simulate_orbits(n_orbits, rel_noise=s, seed=seed), config=cfg, seed=seed,
                                engine=engine, operators=operators, p_tol=p_tol,
                                population_size=cfg.sweep_population, generations=cfg.sweep_generations, n_boot=0)
            row_p.append(res.p.value)
            row_r.append(res.recovered)
            row_f.append(str(sympy.N(res.fit.best, 3)))
        ps.append(row_p)
        recs.append(row_r)
        forms.append(row_f)
    return SweepResult(levels, ps, recs, forms, [recovery_rate(r) for r in recs],
                       [mean_with_error(np.abs(np.array(p) - 1.5)) for p in ps])


@dataclass
class AblationResult:
    """Kepler's law searched with different operator sets on the same orbits."""

    names: tuple[str, ...]
    formulas: list[list[str]]
    log10_loss: list[list[float]]
    complexity: list[list[int]]
    recovered: list[list[bool]]

    def loss_increase(self, without: int = 1, with_: int = 0) -> Measurement:
        """Mean over orbit sets of ``log10(loss without / loss with)``, ± its standard error (paired by seed)."""
        d = np.array(self.log10_loss[without]) - np.array(self.log10_loss[with_])
        return mean_with_error(d, "dex")

    def table(self) -> str:
        lines = []
        for k, name in enumerate(self.names):
            lines.append(f"{name}: recovered {sum(self.recovered[k])}/{len(self.recovered[k])}, "
                         f"median complexity {int(np.median(self.complexity[k]))}, "
                         f"mean log10 loss {np.mean(self.log10_loss[k]):.2f}; e.g. T = {self.formulas[k][0]}")
        return "\n".join(lines)


def operator_ablation(operator_sets: dict[str, tuple[Sequence[str], Sequence[str]]] | None = None, *,
                      seeds: int | None = None, n_orbits: int = 100, rel_noise: float = 0.001,
                      config: Config | None = None, engine: str = "auto") -> AblationResult:
    """Search the same orbit sets with each operator set (default: with ``sqrt``, then with neither ``sqrt`` nor ``^``).

    The timings are precise (0.1 % by default) so that what a missing operator costs is not hidden in the noise:
    the loss of the best formula then measures how well the operator set can express the law at all.
    """
    from coursekit.symbolic.simulate import simulate_orbits

    cfg = config or get_config()
    sets = operator_sets or {"+ - * sqrt": KEPLER_SQRT, "+ - * (no sqrt, no ^)": KEPLER_NEITHER}
    n_seeds = seeds or cfg.sweep_seeds
    forms, losses, comps, recs = [], [], [], []
    for ops in sets.values():
        f_, l_, c_, r_ = [], [], [], []
        for k in range(n_seeds):
            seed = 2000 + k
            res = kepler_orbits(simulate_orbits(n_orbits, rel_noise=rel_noise, seed=seed), config=cfg, seed=seed,
                                engine=engine, operators=ops, population_size=cfg.sweep_population,
                                generations=cfg.sweep_generations, n_boot=0)
            f_.append(str(sympy.N(res.fit.best, 3)))
            l_.append(float(np.log10(res.fit.best_row.loss)))
            c_.append(int(res.fit.best_row.complexity))
            r_.append(res.recovered)
        forms.append(f_)
        losses.append(l_)
        comps.append(c_)
        recs.append(r_)
    return AblationResult(tuple(sets), forms, losses, comps, recs)


# --------------------------------------------------------------------------- the whole lesson

def run(mode: str | None = None, *, engine: str = "auto") -> Any:
    """Every step in order, on the data of ``mode``; returns a :class:`coursekit.experiment.Report`."""
    from coursekit.config import get_mode
    from coursekit.experiment import Report
    from coursekit.symbolic.data import hubble_diagram, load_planets, load_supernovae
    from coursekit.symbolic.simulate import simulate_nfw_profile, simulate_orbits

    mode = get_mode(mode)
    cfg = get_config(mode)
    report = Report(topic="symbolic", mode=mode)
    with report.step("data"):
        planets = load_planets(mode)
        sne = load_supernovae(mode)
        for t in (planets, sne):
            report.tiers[t.meta["dataset"]] = t.meta["tier"]
            report.notes.append(t.meta["message"])
    with report.step("kepler_orbits"):
        kep = kepler_orbits(simulate_orbits(100, rel_noise=0.01, seed=0), config=cfg, engine=engine)
    report.notes.append(f"engine: {kep.fit.engine_reason}")
    report.add_metric("kepler_exponent_symbolic", kep.p)
    report.add_comparison(ml="symbolic (a*sqrt(a) search)", baseline="log-log least squares",
                          metric="Kepler exponent p (truth 3/2)", ml_value=kep.p, baseline_value=kep.baseline.exponents[0])
    with report.step("kepler_planets"):
        pl = kepler_planets(planets, config=cfg, engine=engine)
    report.add_comparison(ml="symbolic (log space)", baseline="log-log least squares",
                          metric="planets: exponent of a (truth 3/2)", ml_value=pl.p_a,
                          baseline_value=pl.baseline.exponents[0])
    report.add_comparison(ml="symbolic (log space)", baseline="log-log least squares",
                          metric="planets: exponent of M (truth -1/2)", ml_value=pl.p_M,
                          baseline_value=pl.baseline.exponents[1])
    with report.step("nfw_halo"):
        nfw = nfw_halo(simulate_nfw_profile(seed=0), config=cfg, engine=engine)
    report.add_comparison(ml="symbolic (ln rho search)", baseline="NFW least squares", metric="NFW rs [kpc] (truth 20)",
                          ml_value=nfw.rs, baseline_value=nfw.baseline_rs)
    report.add_metric("nfw_form_recovered", Measurement(float(nfw.recovered), 0.0))
    with report.step("hubble_flow"):
        hub = hubble_flow(hubble_diagram(sne), config=cfg, engine=engine)
    report.add_comparison(ml="symbolic", baseline="least squares d = v/H0", metric="H0 [km/s/Mpc]",
                          ml_value=hub.H0, baseline_value=hub.baseline_H0)
    with report.step("cosmography"):
        cos = cosmography(hubble_diagram(sne, z_max=0.5), config=cfg, engine=engine)
    report.add_comparison(ml="symbolic", baseline="quadratic least squares", metric="q0 (0.023 < z < 0.5)",
                          ml_value=cos.q0, baseline_value=cos.baseline.q0)
    report.add_metric("q0_symbolic", cos.q0)
    report.add_metric("q0_minus_LambdaCDM", difference(cos.q0, Measurement(Q0_LCDM, 0.0)))
    report.add_metric("q0_minus_EinsteinDeSitter", difference(cos.q0, Measurement(Q0_EDS, 0.0)))
    report.notes.append(f"q0 = {cos.q0}: accelerating at 2 sigma: {cos.accelerating}")
    with report.step("noise_sweep"):
        sweep = noise_sweep(config=cfg, engine=engine)
    for s, rate in zip(sweep.noise, sweep.rate):
        report.add_metric(f"kepler_recovered_at_noise_{s:g}", rate)
    with report.step("operator_ablation"):
        abl = operator_ablation(config=cfg, engine=engine)
    report.add_metric("loss_increase_without_sqrt_dex", abl.loss_increase())
    return report
