"""``python -m coursekit photoz train|predict``: photometric redshifts for your own table.

    python -m coursekit photoz train --data train.csv --out model.pt
    python -m coursekit photoz predict --model model.pt photometry.csv --out photoz.csv [--pdf]

Tables are CSV with ugriz magnitudes, errors and (for training) a spectroscopic
redshift; column names default to the BOSS/ANNZ ones (``MAG_U``, ``MAGERR_U``,
..., ``Z``) and are set with ``--mag-col 'mag_{b}' --err-col 'magerr_{b}' --z-col zspec``
(``{b}`` is the band letter, ``{band}`` the upper-case letter). Rows with NaN,
99-magnitudes (|mag| >= 90) or non-positive errors are dropped by default
(``--missing drop``); ``--missing fill`` replaces them by a faint limit with a
1 mag error; ``--missing raise`` stops with the offending rows.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def _add_table_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mag-col", default="MAG_{band}", help="magnitude column pattern (default MAG_{band})")
    p.add_argument("--err-col", default="MAGERR_{band}", help="error column pattern (default MAGERR_{band})")
    p.add_argument("--z-col", default="Z", help="spectroscopic redshift column (default Z)")
    p.add_argument("--bands", default="ugriz", help="band letters in wavelength order (default ugriz)")
    p.add_argument("--missing", choices=("drop", "fill", "raise"), default="drop",
                   help="what to do with NaN / 99 magnitudes (default drop)")


def register(subparsers) -> None:
    p = subparsers.add_parser("photoz", help="photometric redshifts: train an MDN on a table, predict p(z)")
    sub = p.add_subparsers(dest="photoz_cmd", metavar="ACTION", required=True)

    t = sub.add_parser("train", help="train a mixture density network on a table with spectroscopic z")
    t.add_argument("--data", nargs="+", required=True, metavar="TABLE", help="CSV table(s) to train on")
    t.add_argument("--out", required=True, metavar="MODEL", help="where to write the model (.pt)")
    t.add_argument("--epochs", type=int, default=60)
    t.add_argument("--components", type=int, default=5, help="Gaussian components K")
    t.add_argument("--errors", action="store_true", help="also feed log magnitude errors to the network")
    t.add_argument("--z-min", type=float, default=0.005, help="drop training rows with z below this")
    t.add_argument("--seed", type=int, default=0)
    _add_table_args(t)
    t.set_defaults(func=_cmd_train)

    q = sub.add_parser("predict", help="p(z) summaries (and optionally the PDF) for every row of a table")
    q.add_argument("table", metavar="TABLE", help="CSV table with the same magnitude columns")
    q.add_argument("--model", required=True, metavar="MODEL", help="a model written by `photoz train`")
    q.add_argument("--out", required=True, metavar="OUT.csv")
    q.add_argument("--pdf", action="store_true", help="also write p(z) on the grid as columns pdf_<z>")
    q.add_argument("--grid", default="0,1.6,161", metavar="ZMIN,ZMAX,N", help="p(z) grid (default 0,1.6,161)")
    _add_table_args(q)
    q.set_defaults(func=_cmd_predict)


def _columns(args):
    from coursekit.photoz.data import Columns

    bands = tuple(args.bands)
    if len(bands) < 2:
        raise ValueError(f"--bands needs at least two band letters, got {args.bands!r}")
    for pattern in (args.mag_col, args.err_col):
        if "{b}" not in pattern and "{band}" not in pattern:
            raise ValueError(f"column pattern {pattern!r} must contain {{b}} or {{band}}")
    return Columns(mag=args.mag_col, err=args.err_col, z=args.z_col, bands=bands)


def _cmd_train(args: argparse.Namespace) -> int:
    from coursekit.photoz.data import feature_names, features, load_photometry_csv
    from coursekit.photoz.mdn import MDNConfig, MDNPhotoZ

    cols = _columns(args)
    report: dict = {}
    cat = load_photometry_csv(args.data, columns=cols, z_min=args.z_min, missing=args.missing, report=report)
    if len(cat) < 100:
        raise ValueError(f"only {len(cat)} usable training rows; an MDN needs at least a few hundred")
    print(f"read {report['n_read']} rows: {report['n_bad']} with bad magnitudes, {report['n_low_z']} with "
          f"z < {args.z_min}; training on {len(cat)}")
    X = features(cat, errors=args.errors)
    cfg = MDNConfig(n_components=args.components, epochs=args.epochs, seed=args.seed)
    model = MDNPhotoZ(cfg, tuple(feature_names(cols.bands, errors=args.errors))).fit(X, cat.z)
    print(model.history.summary())
    path = model.save(args.out, errors=bool(args.errors), bands="".join(cols.bands))
    print(f"model written to {path}")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from coursekit.photoz import metrics as M
    from coursekit.photoz.data import features, load_photometry_csv
    from coursekit.photoz.mdn import MDNPhotoZ, mixture_pdf

    model, extra = MDNPhotoZ.load(args.model)
    cols = _columns(args)
    if extra.get("bands") and extra["bands"] != "".join(cols.bands):
        raise ValueError(f"the model was trained on bands {extra['bands']!r}, the table is read as {args.bands!r}")
    try:
        zmin, zmax, n = args.grid.split(",")
        grid = np.linspace(float(zmin), float(zmax), int(n))
    except ValueError as exc:
        raise ValueError(f"--grid must look like ZMIN,ZMAX,N (e.g. 0,1.6,161), got {args.grid!r}") from exc
    report: dict = {}
    cat = load_photometry_csv(args.table, columns=cols, require_z=False, missing=args.missing, report=report)
    X = features(cat, errors=bool(extra.get("errors", False)))
    if X.shape[1] != model.model.x_mean.numel():
        raise ValueError(f"the model expects {model.model.x_mean.numel()} features, the table gives {X.shape[1]}")
    params = model.predict_params(X)
    pdf = mixture_pdf(params, grid)
    q = M.quantiles(grid, pdf + 1e-300, [0.025, 0.16, 0.5, 0.84, 0.975])
    weights = np.exp(params[:, : params.shape[1] // 3] - params[:, : params.shape[1] // 3].max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    out = pd.DataFrame({
        "row": report["kept_rows"],
        "z_median": q[:, 2],
        "z_mode": grid[np.argmax(pdf, axis=1)],
        "z_mean": (weights * params[:, params.shape[1] // 3 : 2 * params.shape[1] // 3]).sum(1),
        "z_lo68": q[:, 1], "z_hi68": q[:, 3], "z_lo95": q[:, 0], "z_hi95": q[:, 4],
    })
    if np.isfinite(cat.z).any():
        out["z_spec"] = cat.z
    if args.pdf:
        pdf = M.normalize_pdf(grid, pdf + 1e-300)
        out = pd.concat([out, pd.DataFrame(pdf, columns=[f"pdf_{z:.4f}" for z in grid])], axis=1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False, float_format="%.5g")
    print(f"{len(out)} of {report['n_read']} rows predicted ({report['n_bad']} dropped for bad magnitudes); "
          f"written to {args.out}")
    return 0
