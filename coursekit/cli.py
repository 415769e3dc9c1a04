"""``python -m coursekit``: the course's one command-line entry.

Subcommands: ``doctor`` (environment check), ``data list|fetch|verify``,
and one per topic (``galaxies``, ``gw``, ...), which each topic registers
itself in ``coursekit/<topic>/cli.py`` (see :mod:`coursekit.registry`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
from collections.abc import Sequence

from coursekit import __version__

# --------------------------------------------------------------------------- doctor

#: Packages whose versions ``doctor`` reports (import name, distribution name).
DOCTOR_PACKAGES = [
    ("numpy", "numpy"),
    ("scipy", "scipy"),
    ("astropy", "astropy"),
    ("torch", "torch"),
    ("torchvision", "torchvision"),
    ("sklearn", "scikit-learn"),
    ("matplotlib", "matplotlib"),
    ("h5py", "h5py"),
    ("pooch", "pooch"),
    ("astroML", "astroML"),
    ("gwpy", "gwpy"),
    ("pycbc", "pycbc"),
    ("lightkurve", "lightkurve"),
    ("batman", "batman-package"),
    ("sbi", "sbi"),
    ("pyccl", "pyccl"),
    ("pyoperon", "pyoperon"),
    ("pysr", "pysr"),
    ("photutils", "photutils"),
    ("speclite", "speclite"),
]


def package_versions() -> dict[str, str | None]:
    """Installed version of each course dependency (``None`` if missing), without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {}
    for _, dist in DOCTOR_PACKAGES:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = None
    return out


def doctor_report() -> dict:
    """Everything ``doctor`` prints, as a dict (also used by notebook 01)."""
    import platform

    from coursekit.config import cache_dir, get_mode, run_info
    from coursekit.data import list_datasets, shared_real_dir

    info = run_info()
    datasets = []
    for ds in list_datasets():
        datasets.append(
            {
                "name": ds.name,
                "notebook": ds.notebook,
                "size_mb": round(ds.total_size / 1e6, 1),
                "cached": ds.is_cached() if ds.files else None,
            }
        )
    shared = shared_real_dir()
    return {
        "coursekit": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "mode": get_mode(),
        "device": info.device,
        "device_name": info.device_name,
        "cache_dir": str(cache_dir()),
        "shared_real_data": str(shared) if shared else None,
        "packages": package_versions(),
        "datasets": datasets,
    }


def print_doctor(report: dict | None = None, file=None) -> None:
    file = file or sys.stdout
    r = report or doctor_report()
    p = lambda *a: print(*a, file=file)  # noqa: E731
    p(f"coursekit {r['coursekit']} on Python {r['python']} ({r['platform']})")
    p(f"mode     : {r['mode']}  (set COURSEKIT_MODE=reduced|full)")
    p(f"device   : {r['device']} ({r['device_name']})  (override with COURSEKIT_DEVICE)")
    p(f"cache    : {r['cache_dir']}  (override with COURSEKIT_DATA_DIR)")
    p(f"real samples: {r['shared_real_data'] or 'not present (fine: only the course repository has them)'}")
    p("packages :")
    for name, ver in r["packages"].items():
        p(f"  {name:<15} {ver or 'MISSING'}")
    p("full-mode data sets:")
    for d in r["datasets"]:
        state = "generated only" if d["cached"] is None else ("cached" if d["cached"] else "not cached")
        p(f"  [{d['notebook']}] {d['name']:<28} {d['size_mb']:>9.1f} MB  {state}")
    missing = [n for n, v in r["packages"].items() if v is None]
    if missing:
        p(f"\nMissing packages: {', '.join(missing)}. Reinstall with: pip install -e '.[dev]'")
    else:
        p("\nAll course packages are installed.")


def _cmd_doctor(args: argparse.Namespace) -> int:
    report = doctor_report()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_doctor(report)
    return 0


# --------------------------------------------------------------------------- data

def _cmd_data(args: argparse.Namespace) -> int:
    from coursekit import data

    if args.data_cmd == "list":
        rows = data.list_datasets()
        if args.json:
            print(json.dumps([
                {"name": d.name, "notebook": d.notebook, "size_bytes": d.total_size, "cached": d.is_cached(),
                 "licence": d.licence, "description": d.description} for d in rows
            ], indent=2))
            return 0
        print(f"{'notebook':<9}{'name':<30}{'size':>10}  {'cached':<7} description")
        for d in rows:
            size = f"{d.total_size / 1e6:.1f} MB" if d.files else "-"
            cached = ("yes" if d.is_cached() else "no") if d.files else "-"
            print(f"{d.notebook:<9}{d.name:<30}{size:>10}  {cached:<7} {d.description.splitlines()[0][:70]}")
        return 0
    if args.data_cmd == "fetch":
        names = [d.name for d in data.list_datasets() if d.files] if args.all else args.names
        if not names:
            print("Name one or more data sets, or use --all. See `python -m coursekit data list`.", file=sys.stderr)
            return 2
        status = 0
        for name in names:
            try:
                paths = data.fetch(name)
            except data.DataError as exc:
                print(f"FAILED {name}: {exc}", file=sys.stderr)
                status = 1
                continue
            for p in paths:
                print(f"{name}: {p}")
        return status
    if args.data_cmd == "verify":
        names = args.names or [d.name for d in data.list_datasets() if d.files and d.is_cached()]
        if not names:
            print("Nothing cached yet; nothing to verify.")
            return 0
        bad = 0
        for name in names:
            for fname, state in data.verify(name).items():
                print(f"{name:<28} {fname:<50} {state}")
                bad += state == "MISMATCH"
        return 1 if bad else 0
    raise AssertionError(args.data_cmd)


# --------------------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m coursekit",
        description="Machine Learning for Astrophysics & Cosmology: course tools.",
    )
    parser.add_argument("--version", action="version", version=f"coursekit {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (also COURSEKIT_DEBUG=1); accepted anywhere")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("doctor", help="check the installation: versions, device, mode, cache, data")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_doctor)

    p = sub.add_parser("data", help="list, download (fetch) and verify the full-mode data sets")
    dsub = p.add_subparsers(dest="data_cmd", metavar="ACTION", required=True)
    q = dsub.add_parser("list", help="every data set in data_manifest.yaml")
    q.add_argument("--json", action="store_true")
    q = dsub.add_parser("fetch", help="download and verify data sets into the cache")
    q.add_argument("names", nargs="*", metavar="NAME")
    q.add_argument("--all", action="store_true", help="every full-mode data set (for a classroom cache)")
    q = dsub.add_parser("verify", help="re-check the sha256 of cached files")
    q.add_argument("names", nargs="*", metavar="NAME")
    p.set_defaults(func=_cmd_data)

    for extra in ("coursekit.runner",):
        try:
            mod = importlib.import_module(extra)
        except ImportError:
            continue
        mod.register(sub)

    from coursekit.registry import topic_modules

    for _topic, module in topic_modules("cli"):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every error ends here as one line ``error: ...`` on stderr and exit status 1.

    ``--debug`` (anywhere on the command line) or ``COURSEKIT_DEBUG=1`` prints the
    traceback as well. Ctrl-C exits with 130, usage errors with argparse's 2.
    """
    import traceback

    from coursekit.cli_util import error_line, pop_debug_flag

    args_list, debug = pop_debug_flag(list(sys.argv[1:] if argv is None else argv))
    try:
        from coursekit.config import debug_enabled

        debug = debug or debug_enabled()
        parser = build_parser()
        args = parser.parse_args(args_list)
        if not getattr(args, "func", None):
            parser.print_help()
            return 0
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `python -m coursekit data list | head`
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if debug:
            traceback.print_exc()
        print(f"error: {error_line(exc)}", file=sys.stderr)
        return 1
