"""``python -m coursekit``: the course's one command-line entry.

Subcommands: ``doctor`` (environment check), ``data list|fetch|import|verify``,
and one per topic (``galaxies``, ``gw``, ...), which each topic registers
itself in ``coursekit/<topic>/cli.py`` (see :mod:`coursekit.registry`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
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


def dataset_rows(verify_bytes: bool = True) -> list[dict]:
    """One row per manifest data set: tiers, sizes and the state of each tier in the cache.

    The state is computed from the bytes (sha256, once per process), the same check ``resolve`` uses:
    ``complete``, ``partial k/n``, ``corrupt``, ``absent``, or ``-`` where the data set has no such tier.
    """
    from coursekit.data import list_datasets, summarize_state, tier_state

    rows = []
    for ds in list_datasets():
        rows.append({
            "name": ds.name,
            "notebook": ds.notebook,
            "sample_mb": round(ds.sample_size / 1e6, 2) if ds.sample else None,
            "full_mb": round(ds.total_size / 1e6, 2) if ds.files else None,
            "full_is_sample": ds.full_is_sample,
            "sample": summarize_state(tier_state(ds, "sample")) if verify_bytes else None,
            "full": summarize_state(tier_state(ds, "full")) if verify_bytes else None,
            "stand_in": bool(ds.reduced),
            "licence": ds.licence,
            "description": ds.description,
        })
    return rows


def doctor_report() -> dict:
    """Everything ``doctor`` prints, as a dict (also used by notebook 01).

    A bad ``COURSEKIT_*`` setting is reported in ``problems`` instead of aborting the report.
    """
    import platform

    problems: list[str] = []
    try:
        from coursekit.config import check_settings
    except ImportError:  # pragma: no cover - older config module
        check_settings = None
    if check_settings is not None:
        problems += list(check_settings())

    def guarded(fn, default):
        try:
            return fn()
        except Exception as exc:  # report, do not abort
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if msg not in problems:
                problems.append(msg)
            return default

    from coursekit.config import cache_dir, get_mode, run_info

    info = guarded(run_info, None)
    return {
        "coursekit": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "mode": guarded(get_mode, "invalid"),
        "device": info.device if info else "unknown",
        "device_name": info.device_name if info else "unknown",
        "cache_dir": str(guarded(cache_dir, "unavailable")),
        "packages": package_versions(),
        "datasets": guarded(dataset_rows, []),
        "problems": problems,
    }


def print_doctor(report: dict | None = None, file=None) -> None:
    file = file or sys.stdout
    r = report or doctor_report()
    p = lambda *a: print(*a, file=file)  # noqa: E731
    p(f"coursekit {r['coursekit']} on Python {r['python']} ({r['platform']})")
    p(f"mode     : {r['mode']}  (set COURSEKIT_MODE=reduced|full)")
    p(f"device   : {r['device']} ({r['device_name']})  (override with COURSEKIT_DEVICE)")
    p(f"cache    : {r['cache_dir']}  (override with COURSEKIT_DATA_DIR)")
    p("packages :")
    for name, ver in r["packages"].items():
        p(f"  {name:<15} {ver or 'MISSING'}")
    p("data sets (sample / full tier in the cache, checked by sha256):")
    for d in r["datasets"]:
        p(f"  [{d['notebook']}] {d['name']:<28} sample: {d['sample']:<12} full: {d['full']}")
    if any(d["sample"] not in ("complete", "-") for d in r["datasets"]):
        p("  -> real samples missing: `python -m coursekit data fetch --samples` (online) or "
          "`python -m coursekit data import FOLDER` (from a copy); without them notebooks use stand-ins.")
    missing = [n for n, v in r["packages"].items() if v is None]
    if missing:
        p(f"\nMissing packages: {', '.join(missing)}. Reinstall with: pip install -e '.[dev]'")
    else:
        p("\nAll course packages are installed.")
    for prob in r.get("problems", []):
        p(f"PROBLEM: {prob}")


def _cmd_doctor(args: argparse.Namespace) -> int:
    report = doctor_report()
    if args.json:
        _print_json(report)
    else:
        print_doctor(report)
    return 1 if report.get("problems") else 0


# --------------------------------------------------------------------------- data

def _cmd_data(args: argparse.Namespace) -> int:
    from coursekit import data

    if args.data_cmd == "list":
        rows = dataset_rows()
        if args.json:
            _print_json(rows)
            return 0
        print(f"{'nb':<4}{'name':<28}{'sample':>9} {'state':<12}{'full':>10} {'state':<12} description")
        for d in rows:
            smb = f"{d['sample_mb']:.1f} MB" if d["sample_mb"] is not None else "-"
            fmb = "= sample" if d["full_is_sample"] else (f"{d['full_mb']:.1f} MB" if d["full_mb"] is not None else "-")
            print(f"{d['notebook']:<4}{d['name']:<28}{smb:>9} {d['sample']:<12}{fmb:>10} {d['full']:<12} "
                  f"{d['description'].splitlines()[0][:60]}")
        return 0
    if args.data_cmd == "fetch":
        datasets = data.list_datasets()
        if args.samples:
            jobs = [(d.name, "sample") for d in datasets if d.sample]
        elif args.all:
            jobs = [(d.name, "full") for d in datasets if d.files]
        else:
            jobs = [(n, args.tier or ("full" if data.get_dataset(n).files else "sample")) for n in args.names]
        if not jobs:
            raise data.DataError("name one or more data sets, or use --samples or --all "
                                 "(see `python -m coursekit data list`)")
        status = 0
        for name, tier in jobs:
            try:
                paths = data.fetch(name, tier=tier, timeout=args.timeout)
            except data.DataError as exc:
                print(f"FAILED {name} ({tier}): {exc}", file=sys.stderr)
                status = 1
                continue
            print(f"{name} ({tier}): {len(paths)} file(s) verified in {data.get_dataset(name).folder}")
        return status
    if args.data_cmd == "import":
        report = data.import_folder(args.folder)
        print(f"scanned {report.scanned} files in {args.folder}: {len(report.copied)} copied into the cache, "
              f"{len(report.already)} already there")
        for name, tiers in sorted(report.tiers.items()):
            print(f"  {name:<28} " + "  ".join(f"{t}: {s}" for t, s in tiers.items()))
        if not report.matched:
            raise data.DataError(f"no file under {args.folder} matches a file of the manifest (by sha256): "
                                 "nothing imported")
        return 0
    if args.data_cmd == "verify":
        if args.names:
            names = args.names
            for n in names:
                data.get_dataset(n)
        else:  # every data set with at least one file (or a leftover) in the cache
            names = [d.name for d in data.list_datasets() if d.folder.is_dir() and any(d.folder.iterdir())]
        if not names:
            print(f"Nothing cached yet in {data.cache_dir()}; nothing to verify.")
            return 0
        bad = 0
        for name in names:
            ds = data.get_dataset(name)
            removed = data.clean_partial_downloads(ds.folder)
            for p in removed:
                print(f"{name:<28} {p.name:<50} removed (interrupted download)")
            states = data.verify(name)
            for fname, state in states.items():
                if state != "ok" or args.all_files:
                    print(f"{name:<28} {fname:<50} {state}")
            for tier in ds.tiers:
                summary = data.summarize_state({f.filename: states[f.filename] for f in ds.tier_files(tier)})
                if tier == "full" and ds.full_is_sample:
                    continue
                print(f"{name:<28} {tier + ' tier':<50} {summary}")
                bad += summary not in ("complete", "absent") or (bool(args.names) and summary != "complete")
        return 1 if bad else 0
    raise AssertionError(args.data_cmd)


def _print_json(obj) -> None:
    from coursekit.jsonio import dumps

    print(dumps(obj, indent=2))


# --------------------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    from coursekit.cli_util import positive_float

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

    p = sub.add_parser("data", help="list, fetch, import and verify the data sets (sample and full tiers)")
    dsub = p.add_subparsers(dest="data_cmd", metavar="ACTION", required=True)
    q = dsub.add_parser("list", help="every data set in data_manifest.yaml, with the state of each tier in the cache")
    q.add_argument("--json", action="store_true")
    q = dsub.add_parser("fetch", help="download and verify data sets into the cache")
    q.add_argument("names", nargs="*", metavar="NAME")
    q.add_argument("--tier", choices=["sample", "full"], help="which tier of NAME (default: full where it exists)")
    q.add_argument("--samples", action="store_true", help="the sample tier of every data set (a few MB each)")
    q.add_argument("--all", action="store_true", help="the full tier of every data set (for a classroom cache)")
    q.add_argument("--timeout", type=positive_float, default=15.0,
                   help="give up when no byte arrives for this many seconds (default 15)")
    q = dsub.add_parser("import", help="copy the data files found in FOLDER (matched by sha256) into the cache")
    q.add_argument("folder", metavar="FOLDER")
    q = dsub.add_parser("verify", help="re-hash cached files; exit 1 if a tier is partial or corrupt")
    q.add_argument("names", nargs="*", metavar="NAME")
    q.add_argument("--all-files", action="store_true", help="list every file, not only the ones that are wrong")
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
