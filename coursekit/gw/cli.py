"""``python -m coursekit gw train|scan``: train the CNN detector and scan GWOSC strain files."""

from __future__ import annotations

import argparse
import json


def register(subparsers) -> None:
    p = subparsers.add_parser("gw", help="gravitational waves: train the CNN detector, scan GWOSC strain files")
    sub = p.add_subparsers(dest="gw_cmd", metavar="ACTION", required=True)

    t = sub.add_parser("train", help="train the 1D CNN on simulated BBH injections and save it")
    t.add_argument("--out", required=True, help="where to write the model (.pt)")
    t.add_argument("--psd-from", nargs="+", metavar="FILE.hdf5",
                   help="GWOSC files (one per detector) whose measured PSDs the training noise should match; "
                        "default: the advanced-LIGO design PSD for H1 and L1")
    t.add_argument("--epochs", type=int, help="override the number of epochs of the run-size config")
    t.add_argument("--seed", type=int, default=None)
    t.set_defaults(func=_train)

    s = sub.add_parser("scan", help="scan GWOSC HDF5 strain (one file per detector, same stretch) with a model")
    s.add_argument("files", nargs="+", metavar="FILE.hdf5")
    s.add_argument("--model", required=True, help="a model written by `gw train`")
    s.add_argument("--top", type=int, default=5, help="how many triggers to print")
    s.add_argument("--stride", type=float, default=1 / 16,
                   help="window step [s], rounded to the CNN trunk's grid (1/64 s at 2048 Hz); default 1/16")
    s.add_argument("--threshold", type=float, default=None, help="only triggers with a logit above this")
    s.add_argument("--json", action="store_true", help="machine-readable list of triggers")
    s.set_defaults(func=_scan)


def _train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import numpy as np

    from coursekit.gw import pipeline as pl
    from coursekit.gw.io import read_gwosc_hdf5
    from coursekit.gw.model import predict_logits
    from coursekit.gw.scan import prepare_strain

    cfg = pl.get_config()
    if args.epochs is not None:
        if args.epochs < 1:
            raise ValueError("--epochs must be at least 1")
        cfg = replace(cfg, epochs=args.epochs)
    if args.seed is not None:
        cfg = replace(cfg, seed=args.seed)
    if args.psd_from:
        prepared = prepare_strain([read_gwosc_hdf5(f) for f in args.psd_from], fs=cfg.fs)
        psds = prepared.psd_on_grid(int(round(cfg.seg_duration * cfg.fs)))
        source = "measured from " + ", ".join(str(f) for f in args.psd_from)
    else:
        psds = pl.design_psds(cfg)
        source = "aLIGO design"
    print(f"Training on {'/'.join(psds)} windows, PSD: {source}")
    banks = pl.build_banks(cfg, psds)
    train, test = pl.samplers(cfg, banks)
    model, history = pl.train_cnn(cfg, train)
    print(history.summary())
    # thresholds for `gw scan`: noise windows as the scan sees them (with the data around each window)
    fused = model.to("cpu").eval().for_inference()
    noise_x = pl.context_sampler(cfg, test.bank, fused.context).noise(max(cfg.n_noise_eval, 1000),
                                                                       np.random.default_rng(cfg.seed + 7))
    noise = predict_logits(fused, noise_x, context=fused.context).numpy()
    thresholds = {f"{fap:g}": float(np.quantile(noise, 1 - fap)) for fap in (1e-2, 1e-3)}
    path = pl.save_model(model, args.out, cfg, tuple(psds), {"psd": source, "thresholds": thresholds})
    print(f"saved {path}; logit thresholds per 1 s window (Gaussian noise): {thresholds}")
    return 0


def _scan(args: argparse.Namespace) -> int:
    from coursekit.gw import pipeline as pl
    from coursekit.gw.io import read_gwosc_hdf5
    from coursekit.gw.scan import find_triggers, prepare_strain, scan

    model, meta = pl.load_model(args.model)
    segments = [read_gwosc_hdf5(f) for f in args.files]
    prepared = prepare_strain(segments, fs=float(meta["fs"]), detectors=tuple(meta["detectors"]))
    times, logits = scan(model, prepared, float(meta["window_duration"]), args.stride)
    threshold = -float("inf") if args.threshold is None else args.threshold
    triggers = find_triggers(times, logits, threshold, cluster=1.0, top=args.top)
    dets = ",".join(prepared.detectors)
    thresholds = meta.get("thresholds", {})
    for t in triggers:
        t["detectors"] = dets
        t["above_fap_1e-3_threshold"] = bool(t["score"] > thresholds["0.001"]) if "0.001" in thresholds else None
    if args.json:
        print(json.dumps(triggers, indent=2))
        return 0
    print(f"{len(triggers)} trigger(s) in {prepared.data.shape[-1] / prepared.fs:.1f} s of {dets} data "
          f"(GPS {prepared.t0:.2f} +), loudest first:")
    print(f"{'GPS time':>16}  {'logit':>8}  detectors")
    for t in triggers:
        print(f"{t['gps']:16.3f}  {t['score']:8.2f}  {t['detectors']}")
    return 0
