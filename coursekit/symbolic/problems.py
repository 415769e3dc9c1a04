"""The four laws of notebook 06, each as one function: data -> search -> physics read off the formula.

Every problem converts its astropy quantities to stated units, runs
:func:`~coursekit.symbolic.engine.fit_symbolic` with a small operator set,
reads the law from the selected expression with sympy
(:mod:`coursekit.symbolic.laws`) and computes the classical baseline in the
same call (a least-squares fit of the known form).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
from astropy import constants as const
from astropy import units as u

from coursekit.config import sized
from coursekit.symbolic.engine import SymbolicFit, fit_symbolic
from coursekit.symbolic.laws import as_power_law, broken_power_law, is_nfw, taylor_coefficients


@dataclass(frozen=True)
class SearchConfig:
    """Run size of the searches (one per mode, picked with :func:`coursekit.config.sized`)."""

    population_size: int
    generations: int
    restarts: int
    max_rows: int  # real tables are subsampled to this many rows (search cost grows with rows)


REDUCED = SearchConfig(population_size=500, generations=100, restarts=1, max_rows=400)
FULL = SearchConfig(population_size=1000, generations=200, restarts=3, max_rows=5000)


def search_config(mode: str | None = None) -> SearchConfig:
    return sized(REDUCED, FULL, mode)


@dataclass
class LawResult:
    """What a problem returns: the search, the numbers read off the law, the baseline."""

    fit: SymbolicFit
    recovered: bool
    values: dict[str, float]
    baseline: dict[str, float]
    units: dict[str, str]
    cpu_s: float
    data: dict[str, Any] = field(default_factory=dict)

    def report(self, digits: int = 3) -> dict[str, Any]:
        """Rounded numbers for printing."""
        out: dict[str, Any] = {"law": str(self.fit.best), "recovered": self.recovered}
        out.update({k: round(float(v), digits) for k, v in self.values.items()})
        out.update({f"baseline_{k}": round(float(v), digits) for k, v in self.baseline.items()})
        return out


def _subsample(n: int, max_rows: int, seed: int) -> np.ndarray:
    idx = np.arange(n)
    if n <= max_rows:
        return idx
    return np.sort(np.random.default_rng(seed).choice(n, max_rows, replace=False))


# --------------------------------------------------------------------------- 1. Kepler, simulated

def kepler_simulated(orbits: dict[str, u.Quantity], *, seed: int = 0, config: SearchConfig | None = None,
                     engine: str = "auto", free_exponent: bool = False, max_complexity: int = 8,
                     p_tol: float = 0.01) -> LawResult:
    """Recover ``T = c a^p`` from simulated orbits (``{"a": AU, "T": yr}``, see ``simulate_orbits``).

    The search sees ``a`` in AU and ``T`` in years. By default its building
    blocks are ``+ - *`` and ``sqrt`` (no division: with ``/`` the search fits
    poles to single noisy orbits): an exponent 3/2 has to be assembled as
    ``a * sqrt(a)``, a structural discovery. With ``free_exponent=True`` it gets
    ``^`` instead, and ``p`` becomes a fitted constant, whose precision is then
    limited by the squared loss in linear space (dominated by the outermost
    orbits). ``max_complexity`` is kept small on purpose: the 1 % timing noise
    makes the few longest periods dominate the squared error, and with room for
    12 nodes the search bends formulas through them, which lowers the smallest
    loss enough to push the true law out of PySR's "within 1.5x" window.
    Recovered means the selected formula simplifies (sympy) to a pure
    power law with ``|p - 1.5| <= p_tol``. Baseline: a straight-line
    least-squares fit of ``ln T`` on ``ln a``.
    """
    cfg = config or search_config()
    a = orbits["a"].to_value(u.AU)
    T = orbits["T"].to_value(u.yr)
    binary, unary = (("+", "-", "*", "/", "^"), ()) if free_exponent else (("+", "-", "*"), ("sqrt",))
    t0 = time.process_time()
    fit = fit_symbolic(a[:, None], T, ["a"], engine=engine, binary_operators=binary,
                       unary_operators=unary, max_complexity=max_complexity, population_size=cfg.population_size,
                       generations=cfg.generations, restarts=cfg.restarts, seed=seed, target_name="T")
    cpu = time.process_time() - t0
    law = as_power_law(fit.best, fit.symbols)
    p = law.exponents["a"] if law else float("nan")
    c = law.coefficient if law else float("nan")
    slope, intercept = np.polyfit(np.log(a), np.log(T), 1)
    c_theory = (2 * np.pi / np.sqrt(const.G * u.M_sun) * u.AU**1.5).to_value(u.yr)
    return LawResult(
        fit=fit, recovered=bool(law is not None and abs(p - 1.5) <= p_tol),
        values={"p": p, "c": c, "c_theory": float(c_theory)},
        baseline={"p": float(slope), "c": float(np.exp(intercept))},
        units={"a": "AU", "T": "yr", "c": "yr / AU^p"}, cpu_s=cpu,
    )


# --------------------------------------------------------------------------- 2. Kepler, real planets

def kepler_planets(table, *, seed: int = 0, config: SearchConfig | None = None, engine: str = "auto",
                   clip: float | None = 5.0, tol_a: float = 0.05, tol_m: float = 0.05) -> LawResult:
    """Recover ``P ∝ a^(3/2) M^(-1/2)`` from planets (columns ``period_days, a_au, host_mass_msun``).

    Periods span seven decades and host masses only one, so the search works on
    logarithms: target ``ln(P / day)``, features ``ln(a / AU)`` and ``ln(M / M_sun)``,
    operators ``+ - *``. A power law is a plane there; the search must find that
    plane and nothing more. ``exp`` of the selected formula is read as a power
    law in ``a`` and ``M``.

    A squared loss lets a few inconsistent catalogue rows (wrong host, wrong
    period) pull the exponents; with ``clip`` the rows whose residual from the
    first law exceeds ``clip`` robust standard deviations (1.4826 MAD, and at
    least 0.1 in ln P) are dropped
    and the search is run again (one round of sigma clipping). Recovered means
    exponents within ``tol_a`` of 3/2 and ``tol_m`` of -1/2. Baseline: linear
    least squares of ``ln P`` on ``ln a`` and ``ln M`` on the same rows.
    ``c_theory = 2 pi / sqrt(G)`` in days AU^-1.5 M_sun^0.5 (365.26).
    """
    cfg = config or search_config()
    idx = _subsample(len(table), cfg.max_rows, seed)
    a = table["a_au"].to_numpy(float)[idx]
    m = table["host_mass_msun"].to_numpy(float)[idx]
    P = table["period_days"].to_numpy(float)[idx]
    X, y = np.column_stack([np.log(a), np.log(m)]), np.log(P)
    sa, sm = sympy.symbols("a M", positive=True)

    def search(keep: np.ndarray):
        fit = fit_symbolic(X[keep], y[keep], ["ln_a", "ln_M"], engine=engine, binary_operators=("+", "-", "*"),
                           unary_operators=(), max_complexity=10, population_size=cfg.population_size,
                           generations=cfg.generations, restarts=cfg.restarts, seed=seed, target_name="ln P")
        ln_a, ln_m = fit.symbols
        law = as_power_law(sympy.exp(fit.best.xreplace({ln_a: sympy.log(sa), ln_m: sympy.log(sm)})), (sa, sm))
        return fit, law

    t0 = time.process_time()
    keep = np.ones(len(y), bool)
    fit, law = search(keep)
    first = law
    if clip is not None:
        resid = y - fit.predict(X)
        resid = resid - np.median(resid)
        scale = 1.4826 * np.median(np.abs(resid))
        # never clip a period that is within 10 % of the law (near-exact data has a tiny MAD)
        new_keep = np.abs(resid) <= max(clip * scale, 0.1)
        if new_keep.sum() >= 5 and not new_keep.all():
            keep = new_keep
            fit, law = search(keep)
    cpu = time.process_time() - t0
    nan = float("nan")
    pa = law.exponents["a"] if law else nan
    pm = law.exponents["M"] if law else nan
    design = np.column_stack([np.ones(keep.sum()), X[keep]])
    (b0, ba, bm), *_ = np.linalg.lstsq(design, y[keep], rcond=None)
    c_theory = (2 * np.pi / np.sqrt(const.G) * u.AU**1.5 / u.M_sun**0.5).to_value(u.day)
    recovered = law is not None and abs(pa - 1.5) <= tol_a and abs(pm + 0.5) <= tol_m
    return LawResult(
        fit=fit, recovered=bool(recovered),
        values={"p_a": pa, "p_M": pm, "c": law.coefficient if law else nan, "c_theory": float(c_theory),
                "p_M_before_clipping": first.exponents["M"] if first else nan,
                "n_clipped": float((~keep).sum())},
        baseline={"p_a": float(ba), "p_M": float(bm), "c": float(np.exp(b0))},
        units={"a": "AU", "M": "M_sun", "P": "day", "c": "day AU^-1.5 M_sun^0.5"}, cpu_s=cpu,
        data={"a": a, "M": m, "P": P, "keep": keep},
    )


# --------------------------------------------------------------------------- 3. NFW

def nfw_profile(profile: dict[str, u.Quantity], *, seed: int = 0, config: SearchConfig | None = None,
                engine: str = "auto", restarts: int | None = None) -> LawResult:
    """Recover the NFW form from a density profile (``{"r": kpc, "rho": Msun/kpc^3}``).

    The search fits ``ln(rho / rho_ref)`` with ``+ - * log`` on ``r`` [kpc]
    (a multiplicative scatter becomes additive there; ``rho_ref``, the geometric
    mean density of the profile, keeps the target O(1) so the formula needs no
    large additive constant, which makes the NFW form much easier to find). Recovered means the
    selected formula has the form ``A r^-a (r + B)^-b`` with inner slope -1 and
    outer slope -3 (within 0.15) and ``B`` within 25 % of the true ``rs``
    (:func:`~coursekit.symbolic.laws.broken_power_law`). Baseline: scipy
    least squares of the NFW formula itself (form known in advance).
    """
    from scipy.optimize import curve_fit

    cfg = config or search_config()
    r = profile["r"].to_value(u.kpc)
    rho = profile["rho"].to_value(u.Msun / u.kpc**3)
    rho_ref = float(np.exp(np.mean(np.log(rho))))  # typical density: ln(rho / rho_ref) is O(1)
    t0 = time.process_time()
    fit = fit_symbolic(r[:, None], np.log(rho / rho_ref), ["r"], engine=engine, binary_operators=("+", "-", "*"),
                       unary_operators=("log",), max_complexity=12, population_size=cfg.population_size,
                       generations=cfg.generations, restarts=restarts or max(cfg.restarts, 5), seed=seed,
                       target_name="ln(rho/rho_ref)")
    cpu = time.process_time() - t0
    form = broken_power_law(fit.best, fit.symbols[0], log_space=True)
    rs_true = profile["rs"].to_value(u.kpc) if "rs" in profile else None

    def ln_nfw(x, ln_rho0, ln_rs):
        s = np.exp(ln_rs)
        return ln_rho0 - np.log(x / s) - 2 * np.log1p(x / s)

    (ln_rho0, ln_rs), _ = curve_fit(ln_nfw, r, np.log(rho), p0=(np.log(np.median(rho)), np.log(np.median(r))))
    values = {"inner_slope": form.inner_slope if form else float("nan"),
              "outer_slope": form.outer_slope if form else float("nan"),
              "rs": form.break_radius if form else float("nan")}
    if rs_true is not None:
        values["rs_true"] = float(rs_true)
    return LawResult(
        fit=fit, recovered=is_nfw(form, rs=rs_true), values=values,
        baseline={"rs": float(np.exp(ln_rs)), "rho0": float(np.exp(ln_rho0))},
        units={"r": "kpc", "rho": "Msun / kpc^3", "rs": "kpc"}, cpu_s=cpu,
        data={"rho_ref": rho_ref},
    )


# --------------------------------------------------------------------------- 4. Hubble-Lemaitre

def hubble_law(diagram: dict[str, u.Quantity], *, distance: str = "comoving", seed: int = 0,
               config: SearchConfig | None = None, engine: str = "auto", h0_tol: float = 2.0) -> LawResult:
    """Find ``d(v)`` from supernovae (``{"z", "v": km/s, "d": Mpc}``, see :func:`~coursekit.symbolic.data.hubble_diagram`).

    The distance is the noisy quantity (7 % per supernova) and ``v = cz`` is
    nearly exact, so the search predicts distance from velocity (regressing
    ``v`` on ``d`` would flatten the slope: regression dilution).

    ``distance="comoving"`` uses ``d = d_L / (1 + z)``, the proper distance today,
    for which ``v = H0 d`` holds to ~1 % below z = 0.1; ``"luminosity"`` uses
    ``d_L`` itself, which bends away from a line as
    ``d_L ≈ v/H0 [1 + (1 - q0) v / (2c)]`` (the cosmographic
    expansion). H0 is the inverse of the formula's slope at ``v = 0`` (its first
    Taylor coefficient) in km/s/Mpc, and ``q0`` follows from the second one.
    Baseline: least squares of ``d = v / H0`` through the origin, and of the
    quadratic expansion. Recovered means ``|H0 - H0_ls| <= h0_tol``.
    """
    if distance not in ("comoving", "luminosity"):
        raise ValueError(f"distance must be 'comoving' or 'luminosity', got {distance!r}")
    cfg = config or search_config()
    v = diagram["v"].to_value(u.km / u.s)
    d = diagram["d"].to_value(u.Mpc)
    if distance == "comoving":
        d = d / (1 + np.asarray(diagram["z"]))
    idx = _subsample(len(d), cfg.max_rows, seed)
    t0 = time.process_time()
    fit = fit_symbolic(v[idx, None], d[idx], ["v"], engine=engine, binary_operators=("+", "-", "*", "/"),
                       unary_operators=(), max_complexity=11, population_size=cfg.population_size,
                       generations=cfg.generations, restarts=cfg.restarts, seed=seed, target_name="d")
    cpu = time.process_time() - t0
    c0, c1, c2 = taylor_coefficients(fit.best, fit.symbols[0], order=2)
    c_kms = const.c.to_value(u.km / u.s)

    def q0_of(k1: float, k2: float) -> float:
        # d_L = (v/H0)[1 + (1 - q0) v/(2c)],  d_C = (v/H0)[1 - (1 + q0) v/(2c)]
        return 1 - 2 * c_kms * k2 / k1 if distance == "luminosity" else -1 - 2 * c_kms * k2 / k1

    h0_ls = float(np.sum(v * v) / np.sum(v * d))
    (l1, l2), *_ = np.linalg.lstsq(np.column_stack([v, v**2]), d, rcond=None)
    return LawResult(
        fit=fit, recovered=bool(c1 > 0 and abs(1 / c1 - h0_ls) <= h0_tol),
        values={"H0": 1 / c1 if c1 else float("nan"), "intercept_Mpc": c0, "q0": q0_of(c1, c2) if c1 else float("nan")},
        baseline={"H0": h0_ls, "H0_quadratic": float(1 / l1), "q0_quadratic": q0_of(l1, l2)},
        units={"v": "km/s", "d": "Mpc", "H0": "km/s/Mpc"}, cpu_s=cpu,
        data={"d": d, "v": v, "z": np.asarray(diagram["z"]), "distance": distance},
    )


def hubble_ratio(diagram: dict[str, u.Quantity], *, seed: int = 0, config: SearchConfig | None = None,
                 engine: str = "auto") -> LawResult:
    """What replaces ``v = H0 d`` beyond z ≈ 0.1: search for ``d_L / v`` as a function of ``z``.

    If Hubble's law held for luminosity distances, ``d_L / v = 1/H0`` would be a
    constant. The cosmographic expansion (Visser 2004; Riess et al. 2022) says
    ``d_L / v = (1/H0) [1 + (1 - q0) z / 2 + O(z^2)]``: the formula must grow a term
    whose slope measures the deceleration parameter ``q0`` (flat LambdaCDM:
    ``q0 = 3 Om / 2 - 1 ≈ -0.5``; negative means accelerating). Dividing by the
    exact ``v`` keeps the 7 % distance scatter the same at every z.

    The target is ``d_L / v`` in Mpc per 1000 km/s, so ``H0 = 1000 / y(0)`` km/s/Mpc
    and ``q0 = 1 - 2 y'(0) / y(0)``. Baseline: least squares of a quadratic in z.
    """
    cfg = config or search_config()
    z = np.asarray(diagram["z"])
    y = (diagram["d"] / diagram["v"]).to_value(u.Mpc / (1000 * u.km / u.s))
    idx = _subsample(len(z), cfg.max_rows, seed)
    t0 = time.process_time()
    fit = fit_symbolic(z[idx, None], y[idx], ["z"], engine=engine, binary_operators=("+", "-", "*", "/"),
                       unary_operators=(), max_complexity=11, population_size=cfg.population_size,
                       generations=cfg.generations, restarts=cfg.restarts, seed=seed, target_name="d_L/v")
    cpu = time.process_time() - t0
    c0, c1, _ = taylor_coefficients(fit.best, fit.symbols[0], order=2)
    (b0, b1, _b2), *_ = np.linalg.lstsq(np.column_stack([np.ones_like(z), z, z**2]), y, rcond=None)
    return LawResult(
        fit=fit, recovered=bool(c1 > 0),
        values={"H0": 1000 / c0 if c0 else float("nan"), "q0": 1 - 2 * c1 / c0 if c0 else float("nan")},
        baseline={"H0": float(1000 / b0), "q0": float(1 - 2 * b1 / b0)},
        units={"z": "", "d_L/v": "Mpc / (1000 km/s)", "H0": "km/s/Mpc"}, cpu_s=cpu,
        data={"z": z, "y": y},
    )
