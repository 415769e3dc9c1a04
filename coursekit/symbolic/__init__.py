"""Symbolic regression that recovers physical laws (notebook 06).

Roles (see SPINE.md): ``config`` (run sizes), ``data`` (OEC planets, Pantheon+ supernovae),
``simulate`` (orbits, halo profiles, supernovae with known laws), ``engine`` (PySR or Operon, and the
choice), ``model`` (:func:`fit_symbolic`, the Pareto front, selection, save/load), ``laws`` (exponents,
profile slopes and Taylor coefficients read off a formula), ``baseline`` (least squares of the known
form), ``metrics``, ``plots``, ``exercises``, ``experiment`` (the lesson's steps and ``run``), ``cli``, ``bench``.
"""

from coursekit.symbolic.engine import choose_engine, pysr_status
from coursekit.symbolic.model import SymbolicFit, fit_symbolic

__all__ = ["SymbolicFit", "choose_engine", "fit_symbolic", "pysr_status"]
