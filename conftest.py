"""Root pytest configuration: applies to the unit tests and to the notebooks that nbval executes.

Sets reduced mode, hides progress bars and uses a headless matplotlib backend
(the notebook kernels inherit this environment), and prints how long each
notebook took at the end of the run.
"""

from __future__ import annotations

import os
from collections import defaultdict

os.environ.setdefault("COURSEKIT_MODE", "reduced")
os.environ.setdefault("COURSEKIT_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
# Third-party libraries (lightkurve, astroML, pycbc, ...) warn on import; nbval runs lax, but keep the logs readable.
os.environ.setdefault("PYTHONWARNINGS", "ignore")

_durations: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _durations[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _durations:
        return
    terminalreporter.section("notebook durations (reduced mode)")
    for nb, secs in sorted(_durations.items()):
        terminalreporter.write_line(f"{secs:7.1f} s  {nb}")
    terminalreporter.write_line(f"{sum(_durations.values()):7.1f} s  all notebooks")
