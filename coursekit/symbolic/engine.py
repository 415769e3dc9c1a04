"""One entry point, :func:`fit_symbolic`, for two symbolic-regression engines.

* **PySR** (Cranmer 2023, arXiv:2305.01582): the engine the course guide uses.
  It runs a Julia back-end (SymbolicRegression.jl); importing ``pysr`` without
  Julia installed tries to download Julia, which fails at once offline. So we
  only import it when a Julia installation is already there
  (:func:`pysr_status` checks without importing anything or running a process).
* **Operon** (Burlacu, Kronberger & Kommenda 2020, GECCO; the ``pyoperon``
  package): a C++ genetic-programming engine that needs no Julia. It is set up
  for parsimony as in SRBench (La Cava et al. 2021): NSGA-II on two objectives
  (error and tree length), a small operator set chosen per problem, and
  Levenberg-Marquardt optimisation of every constant.

Both engines return the same :class:`SymbolicFit`: a Pareto front (one row per
complexity: loss, a sympy expression, PySR's score) and the selected law.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import sympy

ENGINES = ("auto", "operon", "pysr")
SELECTIONS = ("best", "accuracy", "score")

#: Operators in one vocabulary (PySR's); translated for Operon below.
BINARY_OPERATORS = ("+", "-", "*", "/", "^")
UNARY_OPERATORS = ("sqrt", "log", "exp", "square", "sin", "cos", "abs")
_OPERON_SYMBOL = {
    "+": "add", "-": "sub", "*": "mul", "/": "div", "^": "powabs",
    "sqrt": "sqrtabs", "log": "logabs", "exp": "exp", "square": "square", "sin": "sin", "cos": "cos", "abs": "abs",
}
# Operon gets the protected forms |x|^y, sqrt|x|, log|x| (as Operon's own benchmarks use), so that no
# candidate turns into NaN on the data; sympy reads them back as Abs(...), which vanishes for positive features.

#: Smallest number of rows :func:`fit_symbolic` accepts.
MIN_ROWS = 5


# --------------------------------------------------------------------------- engine choice

def _julia_candidates() -> list[Path]:
    """Where a Julia executable usable by juliacall/PySR would be, without running anything."""
    found: list[Path] = []
    exe = os.environ.get("PYTHON_JULIAPKG_EXE")
    if exe:
        found.append(Path(exe))
    for name in ("julia", "juliaup"):
        w = shutil.which(name)
        if w:
            found.append(Path(w))
    prefixes = [sys.prefix, os.environ.get("CONDA_PREFIX")]
    project = os.environ.get("PYTHON_JULIAPKG_PROJECT")
    roots = [Path(project)] if project else []
    roots += [Path(p) / "julia_env" for p in prefixes if p]
    depot = os.environ.get("JULIA_DEPOT_PATH", "").split(os.pathsep)[0] or str(Path.home() / ".julia")
    roots.append(Path(depot) / "environments" / "pyjuliapkg")
    for root in roots:
        found.append(root / "pyjuliapkg" / "install" / "bin" / "julia")
    return [p for p in found if p.exists()]


def pysr_status() -> tuple[bool, str]:
    """Can PySR run here? Returns ``(available, reason)``.

    Never imports ``pysr`` (which would try to download Julia) and never starts a
    process, so it cannot hang: it checks that the package is installed and that
    a Julia executable already exists (``$PYTHON_JULIAPKG_EXE``, ``julia`` or
    ``juliaup`` on the PATH, or juliapkg's own install folder), or that
    ``juliacall`` is already loaded in this session.
    """
    if importlib.util.find_spec("pysr") is None:
        return False, "PySR is not installed (pip install pysr)"
    if "juliacall" in sys.modules:
        return True, "PySR is installed and Julia is already loaded in this session"
    exe = _julia_candidates()
    if exe:
        return True, f"PySR is installed and Julia was found at {exe[0]}"
    return False, (
        "PySR is installed but no Julia installation was found; PySR would try to download Julia "
        "(impossible offline), so the Julia-free Operon engine runs instead"
    )


def choose_engine(engine: str = "auto") -> tuple[str, str]:
    """Resolve ``engine`` (``auto``/``operon``/``pysr``) to ``(name, reason)``.

    ``$COURSEKIT_SR_ENGINE`` overrides ``auto``. Asking for ``pysr`` where it
    cannot run raises a ``RuntimeError`` that says why, instead of a Julia traceback.
    """
    engine = (engine or "auto").strip().lower()
    if engine == "auto":
        engine = os.environ.get("COURSEKIT_SR_ENGINE", "auto").strip().lower() or "auto"
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    ok, why = pysr_status()
    if engine == "pysr":
        if not ok:
            raise RuntimeError(f"engine 'pysr' is not available: {why}. Use engine='operon' or 'auto'.")
        return "pysr", why
    if engine == "operon":
        if importlib.util.find_spec("pyoperon") is None:
            raise RuntimeError("engine 'operon' needs the pyoperon package: pip install pyoperon")
        return "operon", "Operon was requested"
    if ok:
        return "pysr", why
    if importlib.util.find_spec("pyoperon") is None:
        raise RuntimeError(f"no symbolic-regression engine can run: {why}, and pyoperon is not installed")
    return "operon", why


# --------------------------------------------------------------------------- result

@dataclass
class SymbolicFit:
    """What :func:`fit_symbolic` returns.

    Attributes
    ----------
    front:
        Pareto front, one row per complexity, sorted by complexity, with columns
        ``complexity`` (number of nodes in the expression tree), ``loss`` (mean
        squared error on the data, in target units squared), ``expression``
        (a sympy expression in the feature symbols), ``score`` (PySR's
        -d ln(loss) / d complexity) and ``equation`` (its string).
    best_index:
        Row of ``front`` chosen by ``selection``.
    symbols:
        One sympy symbol per feature, named like the features.
    """

    front: pd.DataFrame
    best_index: int
    symbols: tuple
    feature_names: tuple[str, ...]
    target_name: str
    engine: str
    engine_reason: str
    selection: str
    wall_s: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> sympy.Expr:
        """The selected law as a sympy expression."""
        return self.front.loc[self.best_index, "expression"]

    @property
    def best_row(self) -> pd.Series:
        return self.front.loc[self.best_index]

    def predict(self, X: np.ndarray, index: int | None = None) -> np.ndarray:
        """Evaluate the selected expression (or row ``index``) on ``X`` of shape (n, n_features)."""
        expr = self.best if index is None else self.front.loc[index, "expression"]
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        if X.shape[1] != len(self.symbols):
            raise ValueError(f"X has {X.shape[1]} columns but the fit used {len(self.symbols)} features")
        return _evaluate(expr, self.symbols, X)

    def to_records(self) -> list[dict[str, Any]]:
        """The front as JSON-ready dicts: complexity, loss, score, expression (sympy syntax), selected."""
        return [
            {
                "complexity": int(row.complexity),
                "loss": float(row.loss),
                "score": float(row.score),
                "expression": str(row.expression),
                "selected": bool(i == self.best_index),
            }
            for i, row in self.front.iterrows()
        ]

    def summary(self, digits: int = 4) -> str:
        """A short text table of the front with the selected row marked."""
        lines = [f"engine: {self.engine}, {self.wall_s:.1f} s",
                 f"{'':2}{'complexity':>10}  {'loss':>11}  {'score':>7}  expression"]
        for i, row in self.front.iterrows():
            mark = ">>" if i == self.best_index else ""
            expr = round_floats(row.expression, digits)
            lines.append(f"{mark:2}{int(row.complexity):>10}  {row.loss:>11.4g}  {row.score:>7.3f}  {expr}")
        return "\n".join(lines)


def round_floats(expr: sympy.Expr, digits: int = 4) -> sympy.Expr:
    """Round every Float in ``expr`` to ``digits`` significant digits (for display)."""
    import sympy

    return expr.xreplace({f: sympy.Float(f, digits) for f in expr.atoms(sympy.Float)})


# --------------------------------------------------------------------------- checks

def _check_inputs(X: Any, y: Any, feature_names: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray, tuple]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_rows, n_features), got {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if feature_names is None:
        feature_names = tuple(f"x{i}" for i in range(X.shape[1]))
    feature_names = tuple(str(n) for n in feature_names)
    if len(feature_names) != X.shape[1]:
        raise ValueError(f"{len(feature_names)} feature names for {X.shape[1]} columns of X")
    if len(set(feature_names)) != len(feature_names):
        raise ValueError(f"feature names must be unique, got {feature_names}")
    if X.shape[0] < MIN_ROWS:
        raise ValueError(f"too few rows: {X.shape[0]} (symbolic regression needs at least {MIN_ROWS})")
    for j, name in enumerate(feature_names):
        col = X[:, j]
        if not np.all(np.isfinite(col)):
            raise ValueError(f"feature {name!r} has {int((~np.isfinite(col)).sum())} non-finite values: drop those rows")
        if np.ptp(col) == 0:
            raise ValueError(f"feature {name!r} is constant ({float(col[0]):g}): it cannot enter a law; drop it")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"target has {int((~np.isfinite(y)).sum())} non-finite values: drop those rows")
    if np.ptp(y) == 0:
        raise ValueError("target is constant: there is no law to find")
    return X, y, feature_names


def _make_symbols(feature_names: Sequence[str], X: np.ndarray) -> tuple:
    """One sympy symbol per feature; ``positive=True`` where every value is > 0 (lets sympy simplify powers)."""
    import sympy

    return tuple(
        sympy.Symbol(name, positive=True) if np.all(X[:, j] > 0) else sympy.Symbol(name, real=True)
        for j, name in enumerate(feature_names)
    )


def _evaluate(expr: sympy.Expr, symbols: Sequence, X: np.ndarray) -> np.ndarray:
    import sympy

    fn = sympy.lambdify(list(symbols), expr, modules="numpy")
    with np.errstate(all="ignore"):
        out = np.asarray(fn(*[X[:, j] for j in range(X.shape[1])]), dtype=float)
    return np.broadcast_to(out, (X.shape[0],)).copy()


def parse_infix(text: str, symbols: Sequence, internal_names: Sequence[str] | None = None) -> sympy.Expr:
    """Parse an engine's infix string (``^`` for powers) into sympy, mapping names to ``symbols``.

    ``internal_names`` are the names the engine used for the features (default:
    the symbols' own names).
    """
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    names = list(internal_names) if internal_names is not None else [s.name for s in symbols]
    local = {n: s for n, s in zip(names, symbols)}
    local.update({"sqrt": sympy.sqrt, "log": sympy.log, "exp": sympy.exp, "sin": sympy.sin, "cos": sympy.cos,
                  "abs": sympy.Abs, "square": lambda z: z**2})
    return parse_expr(text.replace("^", "**"), local_dict=local, evaluate=True)


def pareto_table(rows: list[tuple[int, sympy.Expr]], symbols: Sequence, X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Build the front from ``(complexity, expression)`` pairs.

    The loss (mean squared error) is recomputed from the sympy expression, so
    both engines are measured the same way; rows that do not improve on a simpler
    one are dropped (that is what makes it a Pareto front). ``score`` follows
    PySR: ``-(ln L_i - ln L_{i-1}) / (c_i - c_{i-1})``, 0 for the simplest row.
    """
    import pandas as pd

    best: dict[int, tuple[float, Any]] = {}
    for complexity, expr in rows:
        pred = _evaluate(expr, symbols, X)
        if not np.all(np.isfinite(pred)):
            continue
        loss = float(np.mean((pred - y) ** 2))
        if complexity not in best or loss < best[complexity][0]:
            best[complexity] = (loss, expr)
    kept: list[tuple[int, float, Any]] = []
    for c in sorted(best):
        loss, expr = best[c]
        if not kept or loss < kept[-1][1]:
            kept.append((c, loss, expr))
    if not kept:
        raise RuntimeError("the engine returned no expression that is finite on the data")
    scores = [0.0]
    tiny = np.finfo(float).tiny
    for (c0, l0, _), (c1, l1, _) in zip(kept[:-1], kept[1:]):
        scores.append(float(-(np.log(max(l1, tiny)) - np.log(max(l0, tiny))) / (c1 - c0)))
    return pd.DataFrame(
        {
            "complexity": [k[0] for k in kept],
            "loss": [k[1] for k in kept],
            "score": scores,
            "expression": [k[2] for k in kept],
            "equation": [str(k[2]) for k in kept],
        }
    )


def select_index(front: pd.DataFrame, selection: str = "best") -> int:
    """PySR's model selection on a front: ``best`` (highest score among losses
    within 1.5x of the smallest), ``accuracy`` (smallest loss) or ``score``."""
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}: use one of {', '.join(SELECTIONS)}")
    if selection == "accuracy":
        return int(front["loss"].idxmin())
    if selection == "score":
        return int(front["score"].idxmax())
    ok = front[front["loss"] <= 1.5 * front["loss"].min()]
    return int(ok["score"].idxmax())


# --------------------------------------------------------------------------- engines

def _fit_operon(X, y, internal, *, binary, unary, max_complexity, population_size, generations, seed,
                time_limit, n_threads, options=None) -> list[tuple[int, str]]:
    from pyoperon.sklearn import SymbolicRegressor

    symbols = ",".join([_OPERON_SYMBOL[o] for o in (*binary, *unary)] + ["constant", "variable"])
    sigma = float(np.std(y)) or 1.0
    reg = SymbolicRegressor(
        allowed_symbols=symbols,
        objectives=["gauss", "length"],  # NSGA-II on (error, length): the parsimony pressure
        uncertainty=[sigma],
        add_model_scale_term=False,  # no hidden linear scaling: the law carries its own constants
        add_model_intercept_term=False,
        optimizer="lm",
        optimizer_iterations=10,  # Levenberg-Marquardt on the constants of every offspring
        max_length=max_complexity,
        max_depth=8,
        initialization_max_length=min(10, max_complexity),
        population_size=population_size,
        generations=generations,
        max_evaluations=10**9,
        n_threads=n_threads,
        max_time=int(time_limit) if time_limit else None,
        random_state=int(seed),
    )
    if options:
        reg.set_params(**options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for attempt in range(3):
            try:
                reg.fit(X, y)
                break
            except ValueError as exc:  # a non-finite model on the final front makes pyoperon's stats fail
                if "NaN" not in str(exc) and "infinity" not in str(exc) or attempt == 2:
                    raise
                reg.set_params(random_state=int(seed) + 1000 * (attempt + 1))
        return [(int(m["length"]), reg.get_model_string(m["tree"], 10, names=list(internal)))
                for m in reg.pareto_front_]


def _fit_pysr(X, y, internal, *, binary, unary, max_complexity, population_size, generations, seed,
              time_limit, n_threads, options=None) -> list[tuple[int, Any]]:  # pragma: no cover - needs Julia
    from pysr import PySRRegressor

    model = PySRRegressor(
        binary_operators=list(binary),
        unary_operators=list(unary),
        maxsize=max(max_complexity, 7),
        niterations=max(generations // 5, 10),
        population_size=max(population_size // 15, 27),
        model_selection="best",
        random_state=int(seed),
        deterministic=True,
        parallelism="serial",
        timeout_in_seconds=time_limit,
        progress=False,
        verbosity=0,
        temp_equation_file=True,
    )
    if options:
        model.set_params(**options)
    model.fit(X, y, variable_names=list(internal))
    eq = model.equations_
    return [(int(c), str(s)) for c, s in zip(eq["complexity"], eq["sympy_format"])]


def fit_symbolic(
    X: Any,
    y: Any,
    feature_names: Sequence[str] | None = None,
    *,
    engine: str = "auto",
    binary_operators: Sequence[str] = ("+", "-", "*", "/"),
    unary_operators: Sequence[str] = ("sqrt",),
    max_complexity: int = 20,
    population_size: int = 500,
    generations: int = 100,
    seed: int = 0,
    restarts: int = 1,
    time_limit: float | None = None,
    selection: str = "best",
    n_threads: int = 1,
    target_name: str = "y",
    engine_options: dict[str, Any] | None = None,
) -> SymbolicFit:
    """Search for a formula ``y = f(X)`` and return its Pareto front.

    Parameters
    ----------
    X:
        ``(n, n_features)`` plain numbers (convert astropy quantities to a chosen unit first).
    y:
        ``(n,)`` target in its own unit.
    feature_names:
        Names of the columns of ``X``; they become the sympy symbols of the laws.
    engine:
        ``"auto"`` (PySR if Julia is already installed, else Operon), ``"operon"`` or ``"pysr"``.
    binary_operators, unary_operators:
        The search's building blocks in PySR's spelling (``+ - * / ^``;
        ``sqrt log exp square sin cos abs``). Small sets give clean laws.
    max_complexity:
        Largest expression tree (nodes) searched.
    population_size, generations:
        Size of the search (Operon's own terms; PySR gets comparable values).
    restarts:
        Independent searches (seeds ``seed, seed+1, ...``) whose fronts are merged;
        a cheap guard against a run that settles on a look-alike formula.
    selection:
        ``"best"`` (PySR's default), ``"accuracy"`` or ``"score"``: see :func:`select_index`.
    time_limit:
        Seconds after which the search stops (``None``: no limit).
    engine_options:
        Extra keyword arguments for the engine's estimator (``pyoperon.sklearn.SymbolicRegressor``
        or ``pysr.PySRRegressor``), applied last.

    Raises
    ------
    ValueError
        Bad shapes, constant or non-finite columns, fewer than ``MIN_ROWS`` rows,
        unknown operators or selection.
    RuntimeError
        ``engine="pysr"`` where Julia is missing.
    """
    X, y, feature_names = _check_inputs(X, y, feature_names)
    for op in binary_operators:
        if op not in BINARY_OPERATORS:
            raise ValueError(f"unknown binary operator {op!r}: use some of {' '.join(BINARY_OPERATORS)}")
    for op in unary_operators:
        if op not in UNARY_OPERATORS:
            raise ValueError(f"unknown unary operator {op!r}: use some of {' '.join(UNARY_OPERATORS)}")
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}: use one of {', '.join(SELECTIONS)}")
    if restarts < 1:
        raise ValueError(f"restarts must be >= 1, got {restarts}")
    if max_complexity < 3:
        raise ValueError(f"max_complexity must be at least 3, got {max_complexity}")
    name, reason = choose_engine(engine)
    symbols = _make_symbols(feature_names, X)
    internal = [f"x{j}" for j in range(X.shape[1])]
    settings = dict(binary_operators=tuple(binary_operators), unary_operators=tuple(unary_operators),
                    max_complexity=max_complexity, population_size=population_size, generations=generations,
                    seed=seed, restarts=restarts, time_limit=time_limit)
    runner = _fit_operon if name == "operon" else _fit_pysr
    t0 = time.perf_counter()
    raw = []
    for k in range(restarts):
        raw += runner(X, y, internal, binary=tuple(binary_operators), unary=tuple(unary_operators),
                      max_complexity=max_complexity, population_size=population_size, generations=generations,
                      seed=seed + k, time_limit=time_limit, n_threads=n_threads, options=engine_options)
    wall = time.perf_counter() - t0
    rows = [(c, parse_infix(s, symbols, internal)) for c, s in raw]
    front = pareto_table(rows, symbols, X, y)
    return SymbolicFit(
        front=front,
        best_index=select_index(front, selection),
        symbols=symbols,
        feature_names=feature_names,
        target_name=target_name,
        engine=name,
        engine_reason=reason,
        selection=selection,
        wall_s=wall,
        settings=settings,
    )
