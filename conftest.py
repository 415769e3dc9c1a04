"""Root pytest configuration: applies to the unit tests and to the notebooks that nbval executes.

Sets reduced mode, hides progress bars, forbids downloads and uses a headless matplotlib backend
(the notebook kernels inherit this environment), and prints how long each notebook took at the end
of the run.

The test session gets a temporary data cache (``COURSEKIT_DATA_DIR``). Where the course's real samples
sit beside the checkout (``../shared/data/real``, as in CI), the cache is seeded from them with
``python -m coursekit data import``, so nbval runs the notebooks the way an online student sees them
(the sample tier). In a student's clone there is no such folder: the cache stays empty and the
notebooks run on their stand-ins. Only this test configuration knows that folder; the library never
looks for it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("COURSEKIT_MODE", "reduced")
os.environ.setdefault("COURSEKIT_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
# Third-party libraries (lightkurve, astroML, pycbc, ...) warn on import; nbval runs lax, but keep the logs readable.
os.environ.setdefault("PYTHONWARNINGS", "ignore")
os.environ["COURSEKIT_OFFLINE"] = "1"  # no test touches the network

#: The real samples beside the course's own checkout (absent in a student's clone).
SHARED_REAL = Path(__file__).resolve().parent.parent / "shared" / "data" / "real"


def _share_cores() -> None:
    """Under pytest-xdist, give each worker (and the notebook kernels it starts) its share of the cores.

    Two workers that each let torch use every core spin against each other (several times slower on a
    2-core machine); one thread per core keeps the parallel run faster than the serial one.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0") or 0)
    if workers > 1:
        share = str(max(1, (os.cpu_count() or 1) // workers))
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = share


def _seed_cache() -> None:
    if os.environ.get("COURSEKIT_TEST_KEEP_CACHE"):  # run against the user's own cache on purpose
        return
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("COURSEKIT_TEST_CACHE"):
        # an xdist worker: use the cache the controlling process made and seeded (it removes it at exit)
        os.environ["COURSEKIT_DATA_DIR"] = os.environ["COURSEKIT_TEST_CACHE"]
        return
    tmp = tempfile.mkdtemp(prefix="coursekit-test-cache-")
    atexit.register(shutil.rmtree, tmp, True)
    os.environ["COURSEKIT_DATA_DIR"] = os.environ["COURSEKIT_TEST_CACHE"] = tmp
    if SHARED_REAL.is_dir():
        # what `python -m coursekit data import FOLDER` does on a USB stick: files matched by sha256
        from coursekit.data import import_folder

        import_folder(SHARED_REAL)
        os.environ["COURSEKIT_TEST_SEEDED"] = str(SHARED_REAL)


_share_cores()
_seed_cache()

_durations: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _durations[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _durations:
        return
    seeded = os.environ.get("COURSEKIT_TEST_SEEDED")
    tier = f"real samples imported from {seeded}" if seeded else "stand-ins (no real samples beside this checkout)"
    terminalreporter.section(f"notebook durations (reduced mode; data: {tier})")
    for nb, secs in sorted(_durations.items()):
        terminalreporter.write_line(f"{secs:7.1f} s  {nb}")
    terminalreporter.write_line(f"{sum(_durations.values()):7.1f} s  all notebooks")
