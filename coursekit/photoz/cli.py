"""``python -m coursekit photoz train|predict|run``: photometric redshifts for your own table.

    python -m coursekit photoz train --data specz.csv --out model.pt [--holdout 0.2]
    python -m coursekit photoz predict photometry.csv --model model.pt --out photoz.csv [--pdf]
    python -m coursekit photoz run [--mode reduced|full] [--json] [--out report.json]

Tables are CSV with ugriz magnitudes, their errors and (for training) a
spectroscopic redshift. Column names are found without options when they
follow SDSS SkyServer (``u g r i z``, ``err_u`` ..., ``redshift``), CasJobs
(``modelMag_u``, ``modelMagErr_u`` ..., ``z``) or ANNZ/BOSS (``MAG_U``,
``MAGERR_U`` ..., ``Z``); otherwise ``--mag-col 'mag_{b}' --err-col
'magerr_{b}' --z-col zspec`` (``{b}`` is the band letter as written in
``--bands``; names match case-insensitively). Training drops rows with NaN,
99-magnitudes (|mag| >= 90) or non-positive errors (``--missing drop``);
prediction keeps every row and flags the ones it cannot trust: missing
magnitudes, or magnitudes far outside the training range (e.g. r = 80), get
NaN redshifts and a ``flag``.
"""

from __future__ import annotations

import argparse
import sys

EXAMPLES = """examples:
  # an SDSS SkyServer/CasJobs table (columns u,g,r,i,z,err_u..err_z,redshift) needs no column options
  python -m coursekit photoz train --data sdss_specz.csv --out photoz_mdn.pt --holdout 0.2
  python -m coursekit photoz predict sdss_photometry.csv --model photoz_mdn.pt --out photoz.csv --pdf
  # other names: patterns with {b} for the band letter (matched case-insensitively)
  python -m coursekit photoz train --data mine.csv --out m.pt --mag-col 'mag_{b}' --err-col 'magerr_{b}' --z-col zspec
"""


def _add_table_args(p: argparse.ArgumentParser, *, predict: bool) -> None:
    p.add_argument("--mag-col", default=None, metavar="PATTERN",
                   help="magnitude column pattern with {b} for the band, e.g. 'mag_{b}' (default: recognise SDSS, "
                        "CasJobs and ANNZ names)")
    p.add_argument("--err-col", default=None, metavar="PATTERN",
                   help="magnitude-error column pattern, e.g. 'magerr_{b}' (default: recognised with --mag-col)")
    p.add_argument("--z-col", default=None, metavar="NAME",
                   help="spectroscopic redshift column (default: redshift, zspec, z_spec, specz, Z or z)")
    p.add_argument("--bands", default="ugriz", help="band letters in wavelength order, as in the column names "
                                                     "(default ugriz)")
    if predict:
        p.add_argument("--missing", choices=("flag", "fill", "raise"), default="flag",
                       help="rows with NaN / 99 magnitudes: flag them with NaN redshifts (default), fill with a "
                            "faint limit and a 1 mag error, or stop")
    else:
        p.add_argument("--missing", choices=("drop", "fill", "raise"), default="drop",
                       help="rows with NaN / 99 magnitudes: drop and count them (default), fill, or stop")


def register(subparsers) -> None:
    from coursekit.cli_util import finite_float, nonneg_int, positive_int, probability
    from coursekit.experiment import add_run_command

    p = subparsers.add_parser("photoz", help="photometric redshifts: train an MDN on a table, predict p(z)",
                              description="Photometric redshifts for your own table: train a mixture density network, "
                                          "predict p(z), or run the lesson.", epilog=EXAMPLES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="photoz_cmd", metavar="ACTION", required=True)

    t = sub.add_parser("train", help="train a mixture density network on a table with spectroscopic z",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("--data", nargs="+", required=True, metavar="TABLE", help="CSV table(s) to train on")
    t.add_argument("--out", required=True, metavar="MODEL", help="where to write the model (.pt)")
    t.add_argument("--epochs", type=positive_int, default=60)
    t.add_argument("--components", type=positive_int, default=5, help="Gaussian components K (default 5)")
    t.add_argument("--errors", action="store_true", help="also feed log magnitude errors to the network")
    t.add_argument("--z-min", type=finite_float, default=0.005, help="drop training rows with z below this (stars)")
    t.add_argument("--holdout", type=probability, default=None, metavar="FRACTION",
                   help="hold out this fraction, train a random forest on the same rows and compare both on it")
    t.add_argument("--seed", type=nonneg_int, default=0)
    _add_table_args(t, predict=False)
    t.set_defaults(func=_cmd_train)

    q = sub.add_parser("predict", help="p(z) summaries (and optionally the PDF) for every row of a table",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("table", metavar="TABLE", help="CSV table with the same bands (no redshift column needed)")
    q.add_argument("--model", required=True, metavar="MODEL", help="a model written by `photoz train`")
    q.add_argument("--out", required=True, metavar="OUT.csv")
    q.add_argument("--pdf", action="store_true", help="also write p(z) on the grid as columns pdf_<z>")
    q.add_argument("--grid", default=None, metavar="ZMIN,ZMAX,N",
                   help="p(z) grid; it must cover the model's training redshifts (default: 0 to just above them)")
    _add_table_args(q, predict=True)
    q.set_defaults(func=_cmd_predict)

    from coursekit.photoz.experiment import run

    add_run_command(sub, "photoz", run)


def _read(paths, args, *, require_z: bool, **kw):
    from coursekit.photoz.data import read_photometry

    return read_photometry(paths, mag=args.mag_col, err=args.err_col, z=args.z_col, bands=args.bands,
                           require_z=require_z, **kw)


def _cmd_train(args: argparse.Namespace) -> int:
    import numpy as np

    from coursekit.cli_util import check_out_path
    from coursekit.photoz.data import feature_names, features
    from coursekit.photoz.model import MDNConfig, MDNPhotoZ

    check_out_path(args.out, *args.data)
    report: dict = {}
    cat = _read(args.data, args, require_z=True, z_min=args.z_min, missing=args.missing, report=report)
    if len(cat) < 100:
        raise ValueError(f"only {len(cat)} usable training rows in {', '.join(args.data)}; an MDN needs at least a "
                         "few hundred")
    cols = report["columns"]
    print(f"read {report['n_read']} rows (magnitudes {', '.join(cols['mag'])}; redshift {cols['z']}): "
          f"{report['n_bad']} with bad magnitudes, {report['n_low_z']} with z < {args.z_min}; {len(cat)} usable")
    train, held = cat, None
    if args.holdout:
        train, held = cat.split(1 - args.holdout, seed=args.seed)
    X = features(train, errors=args.errors)
    cfg = MDNConfig(n_components=args.components, epochs=args.epochs, seed=args.seed)
    model = MDNPhotoZ(cfg, tuple(feature_names(cat.bands, errors=args.errors))).fit(X, train.z)
    print(model.history.summary())
    if held is not None:
        _compare_with_forest(model, train, held, args)
    path = model.save(args.out, errors=bool(args.errors), bands="".join(cat.bands),
                      columns={"mag": cols["mag"], "err": cols["err"]}, n_train=int(len(train)),
                      z_train_median=float(np.median(train.z)))
    print(f"model written to {path}")
    return 0


def _compare_with_forest(model, train, held, args) -> None:
    """MDN against a random forest trained on the same rows, both scored on the held-out rows (paired errors)."""
    from dataclasses import replace

    from coursekit.photoz.config import get_config
    from coursekit.photoz.data import features
    from coursekit.photoz.experiment import PhotozData, Predictions, evaluate, fit_forest
    from coursekit.photoz.metrics import quantiles
    from coursekit.photoz.model import mixture_pdf

    data = PhotozData(train, held, "user table", "")
    cfg = replace(get_config("reduced"), rf_trees=100, seed=args.seed)
    grid = data.z_grid()
    pdf = mixture_pdf(model.predict_params(features(held, errors=args.errors)), grid)
    mdn = Predictions("MDN", quantiles(grid, pdf + 1e-300, [0.5])[:, 0], pdf, grid, 0.0, model)
    ev = evaluate(data, {"mdn": mdn, "rf": fit_forest(data, cfg)}, cfg)
    print(f"held-out comparison on {len(held)} rows (random forest: 100 trees, same training rows):")
    for metric in ("nmad", "sigma_mad", "outlier_fraction"):
        print("  " + ev.verdict("mdn", "rf", metric))


def _grid(spec: str | None, z_range: list[float]):
    import numpy as np

    lo, hi = float(z_range[0]), float(z_range[1])
    if spec is None:
        top = np.ceil((hi + 0.1) * 10) / 10
        return np.linspace(0.0, top, int(round(top / 0.005)) + 1)
    try:
        zmin, zmax, n = spec.split(",")
        zmin, zmax, n = float(zmin), float(zmax), int(n)
    except ValueError:
        raise ValueError(f"--grid must look like ZMIN,ZMAX,N (e.g. 0,1.2,241), got {spec!r}") from None
    if not (np.isfinite(zmin) and np.isfinite(zmax)) or n < 2 or n > 100_000 or zmax <= zmin:
        raise ValueError(f"--grid {spec}: need ZMIN < ZMAX and 2 <= N <= 100000")
    if zmin < 0 or zmin > max(lo, 0.0) or zmax < hi or zmax > hi + 0.5:
        raise ValueError(f"--grid {spec} is outside the model's trained range: it was trained on z = {lo:.3f} to "
                         f"{hi:.3f}, so the grid must start in [0, {max(lo, 0):.3f}] and end in [{hi:.3f}, "
                         f"{hi + 0.5:.3f}]")
    return np.linspace(zmin, zmax, n)


def _cmd_predict(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from coursekit.cli_util import check_out_path
    from coursekit.photoz import metrics as M
    from coursekit.photoz.data import features
    from coursekit.photoz.model import MDNPhotoZ, mixture_pdf, split_params

    out_path = check_out_path(args.out, args.table, args.model)
    model, extra = MDNPhotoZ.load(args.model)
    if extra.get("bands") and extra["bands"] != args.bands:
        raise ValueError(f"{args.model} was trained on bands {extra['bands']!r}; the table is read with --bands "
                         f"{args.bands!r}")
    grid = _grid(args.grid, model.training_range()["z"])
    report: dict = {}
    missing = "keep" if args.missing == "flag" else args.missing
    cat = _read(args.table, args, require_z=False, missing=missing, report=report)
    errors = bool(extra.get("errors", False))
    n_features = len(model.training_range()["x_min"])
    X = features(cat, errors=errors)
    if X.shape[1] != n_features:
        raise ValueError(f"{args.model} expects {n_features} features, the table gives {X.shape[1]}")
    bad = np.zeros(len(cat), bool)
    bad[np.searchsorted(report["kept_rows"], report["bad_rows"])] = args.missing == "flag"
    far = model.out_of_range(features(cat, errors=errors, mag_clip=None)) & ~bad
    flag = np.where(bad, "missing_magnitude", np.where(far, "outside_training_range", "ok"))
    ok = flag == "ok"
    cols = {k: np.full(len(cat), np.nan) for k in ("z_median", "z_mode", "z_mean", "z_lo68", "z_hi68", "z_lo95",
                                                     "z_hi95")}
    pdf = np.zeros((len(cat), grid.size))
    if ok.any():
        params = model.predict_params(X[ok])
        p = mixture_pdf(params, grid) + 1e-300
        q = M.quantiles(grid, p, [0.025, 0.16, 0.5, 0.84, 0.975])
        log_w, mu, _ = split_params(__import__("torch").as_tensor(params))
        for name, v in zip(("z_lo95", "z_lo68", "z_median", "z_hi68", "z_hi95"), q.T):
            cols[name][ok] = v
        cols["z_mode"][ok] = grid[np.argmax(p, axis=1)]
        cols["z_mean"][ok] = (log_w.exp() * mu).sum(-1).numpy()
        pdf[ok] = M.normalize_pdf(grid, p)
    if not ok.any():
        raise ValueError(f"{args.table}: no row can be predicted ({int(bad.sum())} with missing magnitudes, "
                         f"{int(far.sum())} far outside the magnitudes {args.model} was trained on); check the "
                         "columns (--mag-col) and the bands")
    out = pd.DataFrame({"row": report["kept_rows"], **cols, "flag": flag})
    if np.isfinite(cat.z).any():
        out["z_spec"] = cat.z
    if args.pdf:
        pdf[~ok] = np.nan
        out = pd.concat([out, pd.DataFrame(pdf, columns=[f"pdf_{z:.4f}" for z in grid])], axis=1)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(out_path, index=False, float_format="%.5g")
    n_bad, n_far = int(bad.sum()), int(far.sum())
    print(f"{int(ok.sum())} of {report['n_read']} rows predicted; {n_bad} flagged for missing magnitudes, {n_far} "
          f"for magnitudes outside the training range (NaN redshifts); written to {out_path}")
    if n_far:
        print(f"warning: {n_far} rows lie outside what the model was trained on (e.g. row "
              f"{int(report['kept_rows'][np.flatnonzero(far)[0]])}); their redshifts are not given", file=sys.stderr)
    return 0
