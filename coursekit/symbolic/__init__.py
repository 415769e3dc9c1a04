"""Symbolic regression that recovers physical laws (notebook 06).

``fit_symbolic`` runs PySR (with Julia) or Operon (no Julia) and returns a
Pareto front of sympy formulas; ``laws`` reads exponents, profile slopes and
Taylor coefficients off a formula; ``problems`` holds the four laws of the
notebook (Kepler simulated and real, NFW, Hubble-Lemaître).
"""

from coursekit.symbolic.engine import SymbolicFit, choose_engine, fit_symbolic, pysr_status

__all__ = ["SymbolicFit", "choose_engine", "fit_symbolic", "pysr_status"]
