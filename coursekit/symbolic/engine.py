"""The two symbolic-regression back-ends behind :func:`coursekit.symbolic.model.fit_symbolic`, and the choice.

* **PySR** (Cranmer 2023, arXiv:2305.01582): the engine the course guide uses.
  It runs a Julia back-end (SymbolicRegression.jl). ``import pysr`` installs
  Julia and the Julia packages on first use (through ``juliacall``/``juliapkg``),
  which takes minutes online (Colab included) and fails at once offline.
* **Operon** (Burlacu, Kronberger & Kommenda 2020, GECCO; the ``pyoperon``
  package): a C++ genetic-programming engine that needs no Julia. It is set up
  for parsimony as in SRBench (La Cava et al. 2021): NSGA-II on two objectives
  (error and tree length), the operator set chosen per problem, and
  Levenberg-Marquardt optimisation of every constant.

:func:`choose_engine` picks one and says why in one line. ``auto`` runs PySR
where Julia is installed, installs it (with progress and a time limit, in a
separate process that can be stopped) where the network allows, and otherwise
falls back to Operon. Both back-ends take the same options and return the same
raw front: ``[(complexity, infix string)]`` in the feature names ``x0, x1, ...``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ENGINES = ("auto", "operon", "pysr")

#: Operators in one vocabulary (PySR's); translated for Operon below.
BINARY_OPERATORS = ("+", "-", "*", "/", "^")
UNARY_OPERATORS = ("sqrt", "log", "exp", "square", "sin", "cos", "abs")
_OPERON_SYMBOL = {
    "+": "add", "-": "sub", "*": "mul", "/": "div", "^": "powabs",
    "sqrt": "sqrtabs", "log": "logabs", "exp": "exp", "square": "square", "sin": "sin", "cos": "cos", "abs": "abs",
}
# Operon gets the protected forms |x|^y, sqrt|x|, log|x| (as Operon's own benchmarks use), so that no
# candidate turns into NaN on the data; sympy reads them back as Abs(...), which vanishes for positive features.

#: Where juliapkg downloads Julia from (checked before an install is tried).
JULIA_DOWNLOAD_URL = "https://julialang-s3.julialang.org/bin/versions.json"
#: Seconds the first-use Julia install may take before ``auto`` gives up and runs Operon.
DEFAULT_INSTALL_TIMEOUT_S = 900.0

_install_outcome: tuple[bool, str] | None = None  # one install attempt per process


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


def pysr_installed() -> bool:
    """Is the ``pysr`` Python package installed (without importing it)?"""
    return importlib.util.find_spec("pysr") is not None


def pyoperon_installed() -> bool:
    return importlib.util.find_spec("pyoperon") is not None


def pysr_status() -> tuple[bool, str]:
    """Can PySR run here now? Returns ``(available, reason)``.

    Never imports ``pysr`` (which would start a Julia download) and never starts a
    process, so it cannot hang: it checks that the package is installed and that
    a Julia executable already exists (``$PYTHON_JULIAPKG_EXE``, ``julia`` or
    ``juliaup`` on the PATH, or juliapkg's own install folder), or that
    ``juliacall`` is already loaded in this session.
    """
    if not pysr_installed():
        return False, "PySR is not installed (pip install pysr)"
    if "juliacall" in sys.modules:
        return True, "PySR is installed and Julia is already loaded in this session"
    exe = _julia_candidates()
    if exe:
        return True, f"PySR is installed and Julia was found at {exe[0]}"
    return False, "PySR is installed but Julia is not"


def julia_downloadable(timeout: float = 3.0) -> bool:
    """Can Julia be downloaded now? ``False`` at once with ``COURSEKIT_OFFLINE=1`` or
    ``COURSEKIT_SR_INSTALL=0``; otherwise a TCP check of Julia's download host."""
    if os.environ.get("COURSEKIT_SR_INSTALL", "1").strip().lower() in {"0", "false", "no", "off"}:
        return False
    from coursekit.data import host_reachable

    return host_reachable(JULIA_DOWNLOAD_URL, timeout=timeout)


def install_timeout_s() -> float:
    """Time limit of the first-use Julia install: ``$COURSEKIT_SR_INSTALL_TIMEOUT`` seconds, default 900."""
    text = os.environ.get("COURSEKIT_SR_INSTALL_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_INSTALL_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"COURSEKIT_SR_INSTALL_TIMEOUT must be a positive number of seconds, got {text!r}")
    return value


def install_julia(timeout_s: float | None = None, *, progress: Callable[[str], None] = print,
                  command: Sequence[str] | None = None) -> tuple[bool, str]:
    """Install Julia and PySR's Julia packages by importing ``pysr`` in a child process.

    ``juliacall`` downloads Julia and SymbolicRegression.jl on its first import;
    doing that in a child process lets us show its progress line by line (through
    ``progress``) and stop it after ``timeout_s`` seconds, which an import in this
    process could not. Returns ``(ok, one line saying what happened)``.
    """
    timeout_s = install_timeout_s() if timeout_s is None else float(timeout_s)
    cmd = list(command) if command is not None else [sys.executable, "-c", "import pysr"]
    progress(f"installing Julia for PySR (first use; up to {timeout_s:.0f} s; COURSEKIT_SR_INSTALL=0 skips it)...")
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as exc:
        return False, f"the Julia install could not start ({exc})"
    tail: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            if line:
                tail[:] = (tail + [line])[-3:]
                progress(f"  {line}")

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        rc = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False, f"the Julia install did not finish within {timeout_s:.0f} s (COURSEKIT_SR_INSTALL_TIMEOUT)"
    reader.join(timeout=5)
    if rc != 0:
        last = tail[-1] if tail else f"exit status {rc}"
        return False, f"the Julia install failed: {last[:160]}"
    return True, "Julia was installed for PySR just now"


def choose_engine(engine: str = "auto", *, install: bool | None = None,
                  progress: Callable[[str], None] = print) -> tuple[str, str]:
    """Resolve ``engine`` (``auto``/``operon``/``pysr``) to ``(name, reason)``; ``reason`` is one line.

    ``auto`` (overridden by ``$COURSEKIT_SR_ENGINE``): PySR where Julia is
    installed; else, where PySR is installed and Julia can be downloaded
    (``install``, default: unless ``COURSEKIT_OFFLINE``/``COURSEKIT_SR_INSTALL=0``
    forbid it), PySR after installing Julia (:func:`install_julia`, once per
    process); else Operon, with the reason. Asking for ``pysr`` where it cannot
    run raises a ``RuntimeError`` that says why, instead of a Julia traceback.
    """
    global _install_outcome
    engine = (engine or "auto").strip().lower()
    if engine == "auto":
        engine = os.environ.get("COURSEKIT_SR_ENGINE", "auto").strip().lower() or "auto"
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "operon":
        if not pyoperon_installed():
            raise RuntimeError("engine 'operon' needs the pyoperon package: pip install pyoperon")
        return "operon", "Operon was requested"
    ok, why = pysr_status()
    if not ok and pysr_installed():
        if _install_outcome is None:
            allowed = julia_downloadable() if install is None else install
            if allowed:
                _install_outcome = install_julia(progress=progress)
            else:
                _install_outcome = (False, "Julia cannot be downloaded here (offline, or COURSEKIT_SR_INSTALL=0)")
        ok, why = _install_outcome if _install_outcome[0] else (False, f"{why} and {_install_outcome[1]}")
    if engine == "pysr":
        if not ok:
            raise RuntimeError(f"engine 'pysr' is not available: {why}. Use engine='operon' or 'auto'.")
        return "pysr", f"PySR: {why}"
    if ok:
        return "pysr", f"PySR: {why}"
    if not pyoperon_installed():
        raise RuntimeError(f"no symbolic-regression engine can run: {why}, and pyoperon is not installed")
    return "operon", f"Operon (no Julia needed); PySR cannot run: {why}"


# --------------------------------------------------------------------------- back-ends

def operon_kwargs(*, binary: Sequence[str], unary: Sequence[str], max_complexity: int, population_size: int,
                  generations: int, seed: int, time_limit: float | None, n_threads: int,
                  y_scale: float) -> dict[str, Any]:
    """Keyword arguments of ``pyoperon.sklearn.SymbolicRegressor`` for the course's options."""
    symbols = ",".join([_OPERON_SYMBOL[o] for o in (*binary, *unary)] + ["constant", "variable"])
    return dict(
        allowed_symbols=symbols,
        objectives=["gauss", "length"],  # NSGA-II on (error, length): the parsimony pressure
        uncertainty=[y_scale],
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


def pysr_kwargs(*, binary: Sequence[str], unary: Sequence[str], max_complexity: int, population_size: int,
                generations: int, seed: int, time_limit: float | None, n_threads: int = 1) -> dict[str, Any]:
    """Keyword arguments of ``pysr.PySRRegressor`` for the same options as :func:`operon_kwargs`.

    Operon's one population of ``population_size`` evolved for ``generations``
    becomes PySR's islands of ``population_size / 15`` (at least 27) and
    ``generations / 5`` (at least 10) iterations; ``maxsize`` is the same
    complexity bound (nodes), and the selection is PySR's default ``best``.
    """
    return dict(
        binary_operators=list(binary),
        unary_operators=list(unary),
        maxsize=max(int(max_complexity), 7),
        niterations=max(int(generations) // 5, 10),
        population_size=max(int(population_size) // 15, 27),
        model_selection="best",
        random_state=int(seed),
        deterministic=True,
        parallelism="serial",
        timeout_in_seconds=time_limit,
        progress=False,
        verbosity=0,
        temp_equation_file=True,
    )


def pysr_call(**options: Any) -> str:
    """The ``PySRRegressor(...)`` call that :func:`fit_pysr` makes for ``options`` (as text, for the notebook)."""
    kw = pysr_kwargs(**options)
    args = ",\n    ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"from pysr import PySRRegressor\n\nmodel = PySRRegressor(\n    {args},\n)\nmodel.fit(X, y)"


def fit_operon(X: np.ndarray, y: np.ndarray, internal: Sequence[str], *, options: dict[str, Any] | None = None,
               **kw: Any) -> list[tuple[int, str]]:
    """Run Operon; return its Pareto front as ``[(length, infix string in the names internal)]``."""
    from pyoperon.sklearn import SymbolicRegressor

    reg = SymbolicRegressor(**operon_kwargs(y_scale=float(np.std(y)) or 1.0, **kw))
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
                reg.set_params(random_state=int(kw["seed"]) + 1000 * (attempt + 1))
        return [(int(m["length"]), reg.get_model_string(m["tree"], 10, names=list(internal)))
                for m in reg.pareto_front_]


def fit_pysr(X: np.ndarray, y: np.ndarray, internal: Sequence[str], *, options: dict[str, Any] | None = None,
             **kw: Any) -> list[tuple[int, str]]:
    """Run PySR; return its hall of fame as ``[(complexity, sympy string in the names internal)]``."""
    from pysr import PySRRegressor

    model = PySRRegressor(**pysr_kwargs(**kw))
    if options:
        model.set_params(**options)
    model.fit(X, y, variable_names=list(internal))
    eq = model.equations_
    return [(int(c), str(s)) for c, s in zip(eq["complexity"], eq["sympy_format"])]



