"""Reading physics out of a sympy expression: power laws, the NFW form, the Hubble slope.

These checks are what turns "a formula that fits" into "the law was recovered":
they work on the expression itself (its logarithmic derivatives), not on how
well it fits the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy


@dataclass(frozen=True)
class PowerLaw:
    """``expr == coefficient * prod(x_i ** exponents[x_i])``."""

    coefficient: float
    exponents: dict[str, float]

    def __str__(self) -> str:
        terms = " * ".join(f"{k}^{v:.4g}" for k, v in self.exponents.items())
        return f"{self.coefficient:.4g} * {terms}"


def log_slope(expr: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """The logarithmic derivative ``d ln f / d ln x = x f'(x) / f(x)``, simplified."""
    return sympy.simplify(x * sympy.diff(expr, x) / expr)


def _as_number(e: sympy.Expr) -> float | None:
    e = sympy.nsimplify(e, rational=False) if e.free_symbols else e
    if e.free_symbols:
        return None
    try:
        v = complex(sympy.N(e))
    except (TypeError, ValueError):
        return None
    return v.real if abs(v.imag) < 1e-12 and np.isfinite(v.real) else None


def as_power_law(expr: sympy.Expr, symbols: Sequence[sympy.Symbol], *, tol: float = 1e-9) -> PowerLaw | None:
    """Write ``expr`` as ``c * x1^p1 * x2^p2 ...`` if it is one, else ``None``.

    A function is a pure power law exactly when each logarithmic derivative
    ``x_i d ln f / d x_i`` is a constant (it is then ``p_i``). We test that
    symbolically and, against left-over float noise, numerically: the slope must
    not vary by more than ``tol`` over the positive test points. ``expr`` may be
    ``(0.99 a)^1.504``, ``sqrt(0.49 a) * 1.42 a`` or ``exp(1.5 log a + c)``.

    Symbols are assumed positive (physical sizes and masses).
    """
    pos = {s: sympy.Symbol(s.name, positive=True) for s in symbols}
    f = sympy.powsimp(sympy.expand_power_base(expr.xreplace(pos), force=True), force=True)
    if not f.free_symbols <= set(pos.values()):
        return None
    exps: dict[str, float] = {}
    rng = np.random.default_rng(0)
    pts = [dict(zip(pos.values(), 10 ** rng.uniform(-1, 1, len(pos)))) for _ in range(6)]
    for s in pos.values():
        slope = log_slope(f, s)
        p = _as_number(slope)
        if p is None:
            vals = []
            for pt in pts:
                v = _as_number(slope.subs(pt))
                if v is None:
                    return None
                vals.append(v)
            if np.ptp(vals) > tol * max(1.0, abs(np.mean(vals))):
                return None
            p = float(np.mean(vals))
        exps[s.name] = float(p)
    base = f
    for s in pos.values():
        base = base / s ** exps[s.name]
    c = _as_number(sympy.simplify(base).subs({s: 1 for s in pos.values()}))
    if c is None:
        return None
    # check numerically that c * prod x^p reproduces expr
    for pt in pts:
        want = _as_number(f.subs(pt))
        got = c * np.prod([float(pt[s]) ** exps[s.name] for s in pos.values()])
        if want is None or not np.isclose(want, got, rtol=1e-6):
            return None
    return PowerLaw(float(c), exps)


@dataclass(frozen=True)
class BrokenPowerLaw:
    """Inner and outer logarithmic slopes of a profile ``rho(r)`` and the break radius.

    For NFW ``rho = rho0 / [(r/rs)(1 + r/rs)^2]`` the slope is
    ``-(rs + 3r)/(rs + r)``: -1 inside, -3 outside, break at ``rs``.
    """

    inner_slope: float
    outer_slope: float
    break_radius: float


def broken_power_law(expr: sympy.Expr, r: sympy.Symbol, *, log_space: bool = False) -> BrokenPowerLaw | None:
    """Read the form ``A r^-a (r + B)^-b`` off a profile expression, or return ``None``.

    The logarithmic slope of that family is ``-(a B + (a+b) r) / (B + r)``: a
    ratio of two polynomials of degree 1 in ``r``. We ask sympy for the slope of
    ``expr`` (``exp(expr)`` if ``log_space``, i.e. ``expr`` is ``ln rho``), put it
    over a common denominator and accept only that structure; then the inner
    slope is its value at ``r = 0``, the outer slope its limit at infinity and
    ``B`` minus the root of its denominator.
    """
    rp = sympy.Symbol(r.name, positive=True)
    e = expr.xreplace({r: rp})
    if e.free_symbols - {rp}:
        return None
    slope = sympy.diff(e, rp) * rp if log_space else rp * sympy.diff(e, rp) / e
    num, den = sympy.fraction(sympy.cancel(sympy.together(sympy.expand_log(slope, force=True))))
    try:
        pn, pd = sympy.Poly(num, rp), sympy.Poly(den, rp)
    except sympy.PolynomialError:
        return None
    if pn.degree() != 1 or pd.degree() != 1:
        return None
    n1, n0 = (float(c) for c in pn.all_coeffs())
    d1, d0 = (float(c) for c in pd.all_coeffs())
    if d0 == 0 or d1 == 0:
        return None
    brk = d0 / d1
    if brk <= 0:
        return None
    return BrokenPowerLaw(inner_slope=n0 / d0, outer_slope=n1 / d1, break_radius=brk)


def is_nfw(form: BrokenPowerLaw | None, *, slope_tol: float = 0.15, rs: float | None = None,
           rs_rtol: float = 0.25) -> bool:
    """True if ``form`` has NFW's slopes (-1 inside, -3 outside, within ``slope_tol``)
    and, if ``rs`` is given, its break within ``rs_rtol`` of it."""
    if form is None:
        return False
    ok = abs(form.inner_slope + 1) <= slope_tol and abs(form.outer_slope + 3) <= slope_tol
    if rs is not None:
        ok = ok and abs(form.break_radius / rs - 1) <= rs_rtol
    return bool(ok)


def taylor_coefficients(expr: sympy.Expr, x: sympy.Symbol, order: int = 2) -> list[float]:
    """Coefficients ``[c0, c1, ..., c_order]`` of the Taylor series of ``expr`` around ``x = 0``.

    For a Hubble law ``v(d)`` ``c1`` is H0 and ``c2`` the first correction
    (``-(1 - q0) H0^2 / (2c)`` at low redshift).
    """
    xs = sympy.Symbol(x.name, real=True)
    e = expr.xreplace({x: xs})
    series = sympy.series(e, xs, 0, order + 1).removeO()
    return [float(series.coeff(xs, k)) if k else float(series.subs(xs, 0)) for k in range(order + 1)]
