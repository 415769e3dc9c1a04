"""coursekit.symbolic.engine: the engine choice (PySR, installing Julia, or Operon) and both back-ends.

No test needs Julia: the install is a child process replaced by a stand-in command, and
PySR itself by a stand-in ``pysr`` module that records the ``PySRRegressor`` call.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest

from coursekit.symbolic import engine as E
from coursekit.symbolic.model import fit_symbolic


@pytest.fixture
def no_julia(monkeypatch, tmp_path):
    monkeypatch.delenv("PYTHON_JULIAPKG_EXE", raising=False)
    monkeypatch.delenv("PYTHON_JULIAPKG_PROJECT", raising=False)
    monkeypatch.delenv("COURSEKIT_SR_ENGINE", raising=False)
    monkeypatch.delenv("COURSEKIT_SR_INSTALL", raising=False)
    monkeypatch.setenv("JULIA_DEPOT_PATH", str(tmp_path / "depot"))
    monkeypatch.setattr(E.shutil, "which", lambda name: None)
    monkeypatch.setattr(E.sys, "prefix", str(tmp_path / "venv"))
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.delitem(sys.modules, "juliacall", raising=False)
    monkeypatch.setattr(E, "_install_outcome", None)
    monkeypatch.setattr(E, "pysr_installed", lambda: True)


def test_pysr_status_without_julia_never_imports_pysr(no_julia):
    ok, why = E.pysr_status()
    assert not ok and "Julia is not" in why
    assert "pysr" not in sys.modules


def test_pysr_status_finds_configured_julia(no_julia, monkeypatch, tmp_path):
    exe = tmp_path / "julia"
    exe.write_text("#!/bin/sh\n")
    monkeypatch.setenv("PYTHON_JULIAPKG_EXE", str(exe))
    ok, why = E.pysr_status()
    assert ok and str(exe) in why


def test_auto_offline_falls_back_to_operon_in_one_line(no_julia, monkeypatch):
    monkeypatch.setenv("COURSEKIT_OFFLINE", "1")
    called = []
    monkeypatch.setattr(E, "install_julia", lambda **kw: called.append(1) or (True, "x"))
    name, why = E.choose_engine("auto")
    assert name == "operon" and not called
    assert "\n" not in why and "cannot be downloaded" in why and why.startswith("Operon")


def test_auto_online_installs_julia_then_uses_pysr(no_julia, monkeypatch):
    monkeypatch.setattr(E, "julia_downloadable", lambda timeout=3.0: True)
    calls = []
    monkeypatch.setattr(E, "install_julia", lambda **kw: calls.append(kw) or (True, "Julia was installed just now"))
    assert E.choose_engine("auto") == ("pysr", "PySR: Julia was installed just now")
    assert E.choose_engine("auto")[0] == "pysr" and len(calls) == 1  # one install attempt per process


def test_auto_falls_back_when_the_install_fails(no_julia, monkeypatch):
    monkeypatch.setattr(E, "julia_downloadable", lambda timeout=3.0: True)
    monkeypatch.setattr(E, "install_julia", lambda **kw: (False, "the Julia install did not finish within 5 s"))
    name, why = E.choose_engine("auto")
    assert name == "operon" and "did not finish within 5 s" in why
    with pytest.raises(RuntimeError, match="engine 'pysr' is not available: .*did not finish"):
        E.choose_engine("pysr")


def test_choose_engine_errors_and_override(no_julia, monkeypatch):
    monkeypatch.setenv("COURSEKIT_SR_INSTALL", "0")
    assert E.choose_engine("operon") == ("operon", "Operon was requested")
    with pytest.raises(ValueError, match="unknown engine 'gplearn'"):
        E.choose_engine("gplearn")
    monkeypatch.setenv("COURSEKIT_SR_ENGINE", "pysr")
    with pytest.raises(RuntimeError, match="not available"):
        E.choose_engine("auto")


def test_install_julia_streams_progress_and_respects_the_time_limit():
    lines = []
    ok, why = E.install_julia(30, progress=lines.append,
                              command=[sys.executable, "-c", "print('Downloading Julia 1.11'); print('done')"])
    assert ok and any("Downloading Julia" in s for s in lines) and lines[0].startswith("installing Julia")
    ok, why = E.install_julia(1, progress=lines.append, command=[sys.executable, "-c", "import time; time.sleep(30)"])
    assert not ok and "within 1 s" in why
    ok, why = E.install_julia(30, progress=lines.append,
                              command=[sys.executable, "-c", "import sys; print('URLError: offline'); sys.exit(1)"])
    assert not ok and "URLError: offline" in why


def test_install_timeout_setting(monkeypatch):
    monkeypatch.setenv("COURSEKIT_SR_INSTALL_TIMEOUT", "120")
    assert E.install_timeout_s() == 120
    monkeypatch.setenv("COURSEKIT_SR_INSTALL_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="COURSEKIT_SR_INSTALL_TIMEOUT must be a positive number"):
        E.install_timeout_s()


class _FakePySRRegressor:
    """Stands in for pysr.PySRRegressor: records its options, returns a hall of fame for y = 2 x0^1.5."""

    last: _FakePySRRegressor | None = None

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        _FakePySRRegressor.last = self

    def set_params(self, **kwargs):
        self.kwargs.update(kwargs)
        return self

    def fit(self, X, y, variable_names=None):
        self.variable_names = variable_names
        v = variable_names[0]
        self.equations_ = pd.DataFrame({"complexity": [1, 3, 5],
                                        "sympy_format": ["7.0", f"3.1*{v}", f"2.0*{v}**1.5"]})
        return self


def test_the_pysr_path_with_a_stand_in_for_julia(no_julia, monkeypatch):
    fake = types.ModuleType("pysr")
    fake.PySRRegressor = _FakePySRRegressor
    monkeypatch.setitem(sys.modules, "pysr", fake)
    monkeypatch.setattr(E, "pysr_status", lambda: (True, "Julia was found at /stand-in/julia"))
    x = np.linspace(1, 5, 30)
    fit = fit_symbolic(x[:, None], 2 * x**1.5, ["a"], engine="auto", binary_operators=("+", "*", "^"),
                       unary_operators=("sqrt",), max_complexity=9, population_size=450, generations=60, seed=3)
    assert fit.engine == "pysr" and "stand-in" in fit.engine_reason
    kw = _FakePySRRegressor.last.kwargs
    assert kw["binary_operators"] == ["+", "*", "^"] and kw["unary_operators"] == ["sqrt"]
    assert kw["maxsize"] == 9 and kw["niterations"] == 12 and kw["population_size"] == 30
    assert kw["random_state"] == 3 and kw["deterministic"] and kw["model_selection"] == "best"
    assert _FakePySRRegressor.last.variable_names == ["x0"]
    assert fit.best_row.complexity == 5 and fit.best_row.loss < 1e-20
    assert str(fit.best) == "2.0*a**1.5"


def test_pysr_call_text_is_the_call_the_back_end_makes():
    text = E.pysr_call(binary=("+", "*"), unary=(), max_complexity=12, population_size=500, generations=100,
                       seed=0, time_limit=None)
    assert text.startswith("from pysr import PySRRegressor") and "maxsize=12" in text and "niterations=20" in text
    assert "binary_operators=['+', '*']" in text


def test_operon_back_end_returns_infix_strings_in_internal_names():
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 10, 40)
    raw = E.fit_operon(x[:, None], 3 * x, ["x0"], binary=("+", "*"), unary=(), max_complexity=5, population_size=100,
                       generations=10, seed=0, time_limit=None, n_threads=1)
    assert raw and all(isinstance(c, int) and c >= 1 for c, _ in raw)
    assert any("x0" in s for _, s in raw) and all("x1" not in s for _, s in raw)
