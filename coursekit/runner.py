"""``python -m coursekit run``: execute notebooks headless and summarise them.

Each notebook is executed in a fresh kernel of *this* Python (so the installed
coursekit is the one used), in the requested mode, into an output folder; the
summary table gives each notebook's status, wall time, peak memory, exercise
checks passed and its key results (the lines a notebook prints with
:func:`coursekit.results.record`).

The kernel uses matplotlib's inline backend, so the executed notebooks carry
their figures (a forced ``Agg`` backend would drop every one); ``--html`` also
exports each executed notebook to HTML for a class page. ``--student`` runs the
student edition (``notebooks/student/``) instead of the solved one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULT_PREFIX = "▶ "
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


@dataclass
class NotebookRun:
    notebook: str
    status: str
    seconds: float
    checks_passed: int = 0
    checks_not_attempted: int = 0
    checks_wrong: int = 0
    results: list[str] = field(default_factory=list)
    peak_memory_mb: float | None = None
    figures: int = 0
    error: str | None = None


def find_notebooks(names: list[str] | None, folder: Path) -> list[Path]:
    """Resolve ``names`` (``02``, ``02_galaxy_morphology`` or a path) to notebook files in ``folder``."""
    all_nbs = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not all_nbs:
        raise FileNotFoundError(f"no notebooks (NN_name.ipynb) found in {folder}")
    if not names:
        return all_nbs
    out = []
    for name in names:
        p = Path(name)
        if p.suffix == ".ipynb" and p.exists():
            out.append(p)
            continue
        hits = [nb for nb in all_nbs if nb.stem == name or nb.stem.startswith(name)]
        if len(hits) != 1:
            known = ", ".join(nb.stem for nb in all_nbs)
            raise ValueError(f"notebook {name!r} matches {len(hits)} notebooks; known: {known}")
        out.append(hits[0])
    return out


def _outputs_text(nb) -> list[str]:
    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                lines.extend(out.get("text", "").splitlines())
    return lines


def _kernel_manager():
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    km._kernel_spec = KernelSpec(
        # log_level ERROR: ipykernel warns on every start that its local TCP transport is unencrypted
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", "--IPKernelApp.log_level=ERROR"],
        display_name="coursekit", language="python",
    )
    return km


def figure_count(nb) -> int:
    """Number of images (PNG/SVG outputs) in an executed notebook."""
    return sum(1 for cell in nb.cells for out in cell.get("outputs", [])
               if any(k in out.get("data", {}) for k in ("image/png", "image/svg+xml")))


def export_html(nb, path: Path) -> Path:
    """Write an executed notebook as a standalone HTML page (figures embedded)."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(embed_images=True).from_notebook_node(nb)
    path.write_text(body, encoding="utf-8")
    return path


def run_notebook(path: Path, out_dir: Path, mode: str, timeout: int = 1200, html: bool = False) -> NotebookRun:
    """Execute one notebook in ``mode`` and write the executed copy (with its figures) to ``out_dir``.

    ``html=True`` also writes ``<name>.html`` beside it.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    # A last cell reports the kernel's peak resident memory (Binder allows 2 GB); removed before saving.
    probe = nbformat.v4.new_code_cell(
        "import resource as _r; print('__peak_rss_mb__', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    nb.cells.append(probe)
    saved_env = {k: os.environ.get(k) for k in ("COURSEKIT_MODE", "MPLBACKEND", "COURSEKIT_WIDGETS")}
    os.environ["COURSEKIT_MODE"] = mode
    # The kernel inherits this environment: the inline backend puts every figure into the saved notebook, and
    # sliders (which no one will move in a saved notebook) are drawn as static figures (coursekit.widgets).
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    os.environ["COURSEKIT_WIDGETS"] = "0"
    client = NotebookClient(nb, timeout=timeout, km=_kernel_manager(),
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    status, error = "ok", None
    try:
        client.execute()
    except CellExecutionError as exc:
        status, error = "FAILED", str(exc).strip().splitlines()[-1][:300]
    except Exception as exc:  # timeouts, dead kernels
        status, error = "FAILED", f"{type(exc).__name__}: {exc}"[:300]
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = time.perf_counter() - t0
    lines = _outputs_text(nb)
    peak = next((float(ln.split()[1]) for ln in lines if ln.startswith("__peak_rss_mb__")), None)
    nb.cells.pop()
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / path.name)
    if html:
        export_html(nb, out_dir / f"{path.stem}.html")
    verdicts = [ln for ln in lines if ln.startswith(("PASS:", "NOT YET:"))]
    return NotebookRun(
        notebook=path.stem,
        status=status,
        seconds=round(seconds, 1),
        checks_passed=sum(v.startswith("PASS:") for v in verdicts),
        checks_not_attempted=sum(v.startswith("NOT YET: Not attempted") for v in verdicts),
        checks_wrong=sum(v.startswith("NOT YET:") and not v.startswith("NOT YET: Not attempted") for v in verdicts),
        results=[ln[len(RESULT_PREFIX):] for ln in lines if ln.startswith(RESULT_PREFIX)],
        peak_memory_mb=round(peak) if peak is not None else None,
        figures=figure_count(nb),
        error=error,
    )


def summary_markdown(runs: list[NotebookRun], mode: str) -> str:
    rows = ["| notebook | status | time [s] | peak memory [MB] | figures | exercise checks (pass / wrong / not attempted) "
            "| key results |", "|---|---|---:|---:|---:|---:|---|"]
    for r in runs:
        res = "<br>".join(r.results) or (r.error or "")
        checks = f"{r.checks_passed} / {r.checks_wrong} / {r.checks_not_attempted}"
        rows.append(f"| {r.notebook} | {r.status} | {r.seconds:.1f} | {r.peak_memory_mb or '-'} | {r.figures} | {checks} "
                    f"| {res} |")
    total = sum(r.seconds for r in runs)
    peak = max((r.peak_memory_mb or 0 for r in runs), default=0)
    rows.append(f"| **all** | {sum(r.status == 'ok' for r in runs)}/{len(runs)} ok | {total:.1f} | {peak or '-'} | | | "
                f"mode: {mode} |")
    return "\n".join(rows)


@contextlib.contextmanager
def stand_ins_only(enabled: bool = True) -> Iterator[None]:
    """While active (and ``enabled``), kernels see an empty temporary cache and no network: every data set resolves
    to its stand-in, as on a student's offline machine without the samples."""
    if not enabled:
        yield
        return
    saved = {k: os.environ.get(k) for k in ("COURSEKIT_DATA_DIR", "COURSEKIT_OFFLINE")}
    with tempfile.TemporaryDirectory(prefix="coursekit-empty-cache-") as empty:
        os.environ["COURSEKIT_DATA_DIR"] = empty
        os.environ["COURSEKIT_OFFLINE"] = "1"
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _cmd_run(args: argparse.Namespace) -> int:
    from coursekit.config import get_mode

    mode = get_mode(args.mode)
    folder = Path(args.notebooks_dir)
    if args.student:
        folder = folder / "student"
    notebooks = find_notebooks(args.notebooks, folder)
    out_dir = Path(args.out)
    runs = []
    with stand_ins_only(args.stand_ins):
        for nb in notebooks:
            print(f"running {nb.name} ({mode}{', stand-ins only' if args.stand_ins else ''}) ...", flush=True)
            run = run_notebook(nb, out_dir, mode, timeout=args.timeout, html=args.html)
            print(f"  {run.status} in {run.seconds:.1f} s" + (f": {run.error}" if run.error else ""), flush=True)
            runs.append(run)
    md = summary_markdown(runs, mode + (", stand-ins only" if args.stand_ins else ""))
    (out_dir / "summary.md").write_text(md + "\n")
    from coursekit.jsonio import dumps

    (out_dir / "summary.json").write_text(dumps([asdict(r) for r in runs], indent=2))  # strict: NaN -> null
    print()
    print(md)
    print(f"\nexecuted notebooks and summary in {out_dir}/")
    return 0 if all(r.status == "ok" for r in runs) else 1


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="execute notebooks headless into a folder, with a summary table")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="e.g. 02 or 04_gravitational_waves (default: all)")
    p.add_argument("--mode", choices=["reduced", "full"], default=None, help="default: $COURSEKIT_MODE or reduced")
    p.add_argument("--out", default="runs/latest", help="output folder (default: runs/latest)")
    p.add_argument("--notebooks-dir", default=str(Path(__file__).resolve().parent.parent / "notebooks"),
                   help="folder holding the notebooks")
    p.add_argument("--timeout", type=int, default=1800, help="per-cell timeout in seconds")
    p.add_argument("--student", action="store_true", help="run the student edition (NOTEBOOKS_DIR/student/)")
    p.add_argument("--html", action="store_true", help="also export each executed notebook to HTML (figures embedded)")
    p.add_argument("--stand-ins", action="store_true",
                   help="an empty cache and no network: every data set on its stand-in (timing 'without the samples')")
    p.set_defaults(func=_cmd_run)

    from coursekit import edition

    edition.register(subparsers)



