"""``python -m coursekit transits train|search``: train the classifier, search your own Kepler files."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("transits", help="exoplanet transits: train the CNN, search Kepler light curves")
    sub = p.add_subparsers(dest="transits_cmd", metavar="ACTION", required=True)

    q = sub.add_parser("train", help="train the dual-view CNN on simulated TCEs (default) or real labelled KOIs")
    q.add_argument("--out", required=True, help="where to write the model checkpoint (.pt)")
    q.add_argument("--data", choices=["simulated", "koi"], default="simulated",
                   help="simulated Kepler-like TCEs (default, offline) or CONFIRMED vs FALSE POSITIVE KOIs "
                        "(DR25 table + MAST light curves; needs network the first time)")
    q.add_argument("--n", type=int, default=None, help="light curves / KOIs to use (default: by mode)")
    q.add_argument("--epochs", type=int, default=None, help="training epochs (default: by mode)")
    q.add_argument("--views", default="global,local", help="global,local (default), global or local")
    q.add_argument("--seed", type=int, default=0)
    q.set_defaults(func=_cmd_train)

    q = sub.add_parser("search", help="stitch Kepler _llc.fits quarters, run BLS, vet and score the signals")
    q.add_argument("files", nargs="+", metavar="FILE.fits", help="Kepler long-cadence files of one star")
    q.add_argument("--model", default=None, help="checkpoint from `transits train` for a planet score")
    q.add_argument("--n-signals", type=int, default=3, help="signals to extract (default 3)")
    q.add_argument("--period-min", type=float, default=0.8, help="days (default 0.8)")
    q.add_argument("--period-max", type=float, default=None, help="days (default: half the baseline)")
    q.add_argument("--json", action="store_true", help="machine-readable list of signals")
    q.set_defaults(func=_cmd_search)


def _cmd_train(args: argparse.Namespace) -> int:
    from coursekit.transits.workflow import RUN_CONFIG, train_on_simulations

    views = tuple(v.strip() for v in args.views.split(",") if v.strip())
    default_n = RUN_CONFIG.n_real_kois if args.data == "koi" else RUN_CONFIG.n_lightcurves
    n = args.n if args.n is not None else default_n
    epochs = args.epochs if args.epochs is not None else RUN_CONFIG.epochs
    if n < 50:
        raise ValueError(f"--n must be at least 50 light curves to train and validate, got {n}")
    dataset = None
    if args.data == "koi":
        from coursekit.transits.workflow import koi_tces

        dataset = koi_tces(n=n, seed=args.seed)
    result = train_on_simulations(n=n, epochs=epochs, views=views, seed=args.seed, out=args.out, dataset=dataset)
    m = result["metrics"]
    what = f"{len(dataset)} real KOIs" if dataset is not None else f"{n} simulated light curves"
    print(f"trained {'+'.join(views)} CNN on {what}: test AUC {m['auc']:.3f}, "
          f"accuracy {m['accuracy']:.3f}; saved to {args.out}")
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from coursekit.transits.io import read_kepler_lightcurves
    from coursekit.transits.pipeline import analyse_lightcurve

    model = None
    if args.model:
        from pathlib import Path

        from coursekit.transits.model import load_model

        if not Path(args.model).exists():
            raise FileNotFoundError(f"model checkpoint {args.model} not found; make one with "
                                    "`python -m coursekit transits train --out MODEL`")
        model = load_model(args.model)
    lc = read_kepler_lightcurves(args.files)
    rows = analyse_lightcurve(lc.time, lc.flux, n_signals=args.n_signals, model=model,
                              period_min=args.period_min, period_max=args.period_max)
    keys = ["period", "t0", "duration", "depth", "snr", "n_transits", "odd_even_sigma", "secondary_sigma",
            "vetting_score", "planet_score"]
    out = [{k: r[k] for k in keys} for r in rows]
    if args.json:
        payload = {"target": lc.target, "n_cadences": len(lc), "time_system": "BKJD = BJD - 2454833",
                   "signals": [{**o, "duration_hours": o["duration"] * 24, "depth_ppm": o["depth"] * 1e6}
                               for o in out]}
        json.dump(payload, sys.stdout, indent=2, default=float, allow_nan=True)
        print()
        return 0
    print(f"{lc.target}: {len(lc)} good cadences, {lc.baseline_days:.1f} d, quarters {sorted(set(lc.quarter.tolist()))}")
    print(f"{'#':>2} {'period [d]':>11} {'epoch [BKJD]':>13} {'dur [h]':>8} {'depth [ppm]':>11} {'SNR':>7} "
          f"{'odd/even':>9} {'second.':>8} {'vetting':>8} {'CNN':>6}")
    for i, o in enumerate(out, 1):
        score = "-" if o["planet_score"] != o["planet_score"] else f"{o['planet_score']:.3f}"
        print(f"{i:>2} {o['period']:>11.5f} {o['t0']:>13.4f} {o['duration'] * 24:>8.2f} {o['depth'] * 1e6:>11.0f} "
              f"{o['snr']:>7.1f} {o['odd_even_sigma']:>8.1f}s {o['secondary_sigma']:>7.1f}s "
              f"{o['vetting_score']:>8.2f} {score:>6}")
    return 0
