"""``python -m coursekit transits train|search|run``: train the classifier, search your own Kepler files, run the lesson.

``train`` and ``search`` are thin: data from :mod:`~coursekit.transits.data`, the search and scores from
:mod:`~coursekit.transits.search` and :mod:`~coursekit.transits.model`; ``run`` is the generic verb over
:func:`coursekit.transits.experiment.run`.
"""

from __future__ import annotations

import argparse

from coursekit.cli_util import nonneg_int, positive_float, positive_int

VIEW_CHOICES = {"global,local": ("global", "local"), "global": ("global",), "local": ("local",)}


def _views(text: str) -> tuple[str, ...]:
    key = ",".join(v.strip() for v in text.split(",") if v.strip())
    if key not in VIEW_CHOICES:
        raise argparse.ArgumentTypeError(f"--views must be one of {', '.join(VIEW_CHOICES)}, got {text!r}")
    return VIEW_CHOICES[key]


def register(subparsers) -> None:
    from coursekit.experiment import add_run_command
    from coursekit.transits.experiment import run

    p = subparsers.add_parser("transits", help="exoplanet transits: train the CNN, search Kepler light curves")
    sub = p.add_subparsers(dest="transits_cmd", metavar="ACTION", required=True)

    q = sub.add_parser("train", help="train the dual-view CNN on simulated TCEs (default) or real labelled KOIs")
    q.add_argument("--out", required=True, help="where to write the model file (.pt)")
    q.add_argument("--data", choices=["simulated", "koi"], default="simulated",
                   help="simulated Kepler-like TCEs (default, offline) or CONFIRMED vs FALSE POSITIVE KOIs "
                        "(DR25 table + MAST light curves; needs network the first time)")
    q.add_argument("--n", type=positive_int, default=None,
                   help="light curves / KOIs to use, at least 50 (default: by mode)")
    q.add_argument("--epochs", type=positive_int, default=None, help="training epochs, at least 1 (default: by mode)")
    q.add_argument("--views", type=_views, default=("global", "local"), help="global,local (default), global or local")
    q.add_argument("--search-examples", type=nonneg_int, default=None, metavar="N",
                   help="simulated stars of each kind searched blind to calibrate the planet score on what `transits "
                        "search` finds (default: by mode; 0: the clean validation TCEs only)")
    q.add_argument("--seed", type=int, default=0)
    q.set_defaults(func=_cmd_train)

    q = sub.add_parser("search", help="stitch Kepler _llc.fits quarters, run BLS, vet and score the signals")
    q.add_argument("files", nargs="+", metavar="FILE.fits", help="Kepler long-cadence files of one star")
    q.add_argument("--model", default=None, help="model file from `transits train` for a planet score")
    q.add_argument("--n-signals", type=positive_int, default=3, help="signals to extract (default 3)")
    q.add_argument("--period-min", type=positive_float, default=0.8, help="days (default 0.8)")
    q.add_argument("--period-max", type=positive_float, default=None, help="days (default: half the baseline)")
    q.add_argument("--json", action="store_true", help="machine-readable list of signals (strict JSON)")
    q.set_defaults(func=_cmd_search)

    add_run_command(sub, "transits", run)


def _cmd_train(args: argparse.Namespace) -> int:
    from coursekit.cli_util import check_out_path
    from coursekit.transits.config import get_config
    from coursekit.transits.experiment import TCESplit, evaluate, koi_tces, search_examples, train_cnn
    from coursekit.transits.model import save_model
    from coursekit.transits.simulate import make_dataset

    out = check_out_path(args.out)
    config = get_config()
    n = args.n if args.n is not None else (config.n_real_kois if args.data == "koi" else config.n_lightcurves)
    if n < 50:
        raise ValueError(f"--n must be at least 50 light curves to train and validate, got {n}")
    config = config.with_(n_lightcurves=max(n, 50), seed=args.seed,
                          epochs=args.epochs if args.epochs is not None else config.epochs)
    if args.data == "koi":
        dataset = koi_tces(config, n=n)
        what = f"{len(dataset)} real KOIs"
    else:
        dataset = make_dataset(n, seed=args.seed, n_quarters=config.n_quarters)
        what = f"{n} simulated light curves"
    split = TCESplit(*dataset.split((0.8, 0.1, 0.1), seed=args.seed), seconds=0.0)
    n_search = config.n_search_examples if args.search_examples is None else args.search_examples
    search = search_examples(n_search) if n_search else None
    trained = train_cnn(split, config, views=args.views, calibrated=True, search=search)
    ev = evaluate(split.test, {"cnn": trained.model}, baseline=False, pairs=[])
    m = ev.metrics["cnn"]
    save_model(trained.model, out, extra={"data": args.data, "n": len(dataset), "epochs": trained.history.epochs,
                                          "search_examples_per_kind": n_search,
                                          "test_auc": m.auc.to_dict(), "test_accuracy": m.accuracy.to_dict()})
    calib = f"{len(split.val)} validation TCEs" + ("" if search is None else
                                                    f" + {len(search)} TCEs of a blind search of {n_search} "
                                                    "simulated stars per kind")
    print(f"trained {'+'.join(args.views)} CNN on {what} for {trained.history.epochs} epoch(s), vetting features "
          f"calibrated on {calib}: test AUC {m.auc}, accuracy {m.accuracy} ({m.n} held-out TCEs); saved to {out}")
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from coursekit.jsonio import print_json
    from coursekit.transits.data import read_kepler_lightcurves
    from coursekit.transits.search import find_candidates

    if args.period_max is not None and args.period_max <= args.period_min:
        raise ValueError(f"--period-max ({args.period_max:g} d) must exceed --period-min ({args.period_min:g} d)")
    model = None
    if args.model:
        from coursekit.transits.model import load_model

        model = load_model(args.model)
    lc = read_kepler_lightcurves(args.files)
    cands = find_candidates(lc, n_signals=args.n_signals, model=model,
                            period_min=args.period_min, period_max=args.period_max)
    target = str(lc.meta.get("OBJECT", ""))
    quarters = sorted({int(q) for q in lc.meta.get("QUARTERS", []) if q is not None})
    if args.json:
        print_json({"target": target, "n_cadences": len(lc), "quarters": quarters,
                    "duplicates_removed": int(lc.meta.get("DUPLICATES_REMOVED", 0)),
                    "time_system": "BKJD = BJD - 2454833", "model": args.model,
                    "signals": [c.to_dict() for c in cands]})
        return 0
    print(f"{target}: {len(lc)} good cadences, quarters {quarters}"
          + (f", {lc.meta['DUPLICATES_REMOVED']} duplicated cadences removed" if lc.meta.get("DUPLICATES_REMOVED")
             else ""))
    print(f"{'#':>2} {'period [d]':>11} {'epoch [BKJD]':>13} {'dur [h]':>8} {'depth [ppm]':>11} {'SNR':>7} "
          f"{'n tr':>5} {'odd/even':>9} {'second.':>8} {'vetting':>8} {'CNN':>6}")
    for i, c in enumerate(cands, 1):
        s, v = c.signal, c.vetting
        score = "-" if c.planet_score is None else f"{c.planet_score:.3f}"
        oe = f"{v.odd_even_sigma:>8.1f}s" if v is not None else f"{'-':>9}"
        sec = f"{v.secondary_sigma:>7.1f}s" if v is not None else f"{'-':>8}"
        vs = f"{c.vetting_score:>8.2f}" if c.vetting_score is not None else f"{'-':>8}"
        print(f"{i:>2} {s.period:>11.5f} {s.t0:>13.4f} {s.duration * 24:>8.2f} {s.depth * 1e6:>11.0f} "
              f"{s.snr:>7.1f} {s.n_transits:>5d} {oe} {sec} {vs} {score:>6}")
        if c.note:
            print(f"   {c.note}")
        for flag in c.flags:
            print(f"   {flag} (model score {c.model_score:.3f})")
    return 0
