"""coursekit.symbolic.laws: power laws, the NFW form and Taylor coefficients read off sympy formulas."""

from __future__ import annotations

import pytest
import sympy

from coursekit.symbolic.laws import as_power_law, broken_power_law, is_nfw, log_slope, taylor_coefficients

a, M, r, v = sympy.symbols("a M r v", positive=True)


def test_power_law_from_operon_like_forms():
    law = as_power_law((0.99 * a) ** 1.504, [a])
    assert law.exponents["a"] == pytest.approx(1.504)
    assert law.coefficient == pytest.approx(0.99**1.504)
    law = as_power_law(sympy.sqrt(0.49 * a) * 1.42 * a, [a])
    assert law.exponents["a"] == pytest.approx(1.5)
    assert law.coefficient == pytest.approx(0.7 * 1.42)


def test_power_law_two_variables_through_exp_log():
    expr = sympy.exp(5.9 + 1.5 * sympy.log(a) - 0.5 * sympy.log(M))
    law = as_power_law(expr, [a, M])
    assert law.exponents == pytest.approx({"a": 1.5, "M": -0.5})
    assert law.coefficient == pytest.approx(float(sympy.exp(5.9)))


@pytest.mark.parametrize("expr", [a**1.5 + 0.01, sympy.log(a), a * sympy.exp(a)])
def test_not_a_power_law(expr):
    assert as_power_law(expr, [a]) is None


def test_log_slope_of_power_law():
    assert log_slope(3 * a**2.5, a) == pytest.approx(2.5)


def test_nfw_form_in_log_and_linear_space():
    rs = 20.0
    log_nfw = 12.0 - sympy.log(r / rs) - 2 * sympy.log(1 + r / rs)
    form = broken_power_law(log_nfw, r, log_space=True)
    assert form.inner_slope == pytest.approx(-1)
    assert form.outer_slope == pytest.approx(-3)
    assert form.break_radius == pytest.approx(rs)
    assert is_nfw(form, rs=rs)
    lin = 5.0 / ((r / rs) * (1 + r / rs) ** 2)
    assert broken_power_law(lin, r).break_radius == pytest.approx(rs)
    # operon-style: weights inside the logs
    op = -sympy.log(0.18 * r) - 1.979 * sympy.log(0.0266 * r + 0.519)
    f = broken_power_law(op, r, log_space=True)
    assert is_nfw(f, rs=0.519 / 0.0266)
    assert f.outer_slope == pytest.approx(-2.979)


def test_other_profiles_are_not_nfw():
    hernquist = 1 / ((r / 10) * (1 + r / 10) ** 3)
    form = broken_power_law(hernquist, r)
    assert form.outer_slope == pytest.approx(-4)
    assert not is_nfw(form)
    assert broken_power_law(r**-2, r) is None  # single power law: no break
    assert broken_power_law(-0.2 * sympy.log(0.1 * r) * sympy.log(600 * r), r, log_space=True) is None
    assert not is_nfw(None)
    assert not is_nfw(broken_power_law(1 / (r * (1 + r / 20) ** 2), r), rs=40.0)


def test_taylor_coefficients():
    k, b = 0.0137, 2e-8
    assert taylor_coefficients(k * v + b * v**2, v) == pytest.approx([0, k, b])
    c = taylor_coefficients(k * v / (1 - 3 * v), v)
    assert c == pytest.approx([0, k, 3 * k])
