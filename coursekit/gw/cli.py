"""``python -m coursekit gw train|scan|run``: train the CNN detector, scan GWOSC strain or a GWTC event, run the lesson.

``train`` and ``scan`` are thin verbs over :mod:`coursekit.gw.model`, :mod:`coursekit.gw.data` and
:mod:`coursekit.gw.scan`; ``run`` is the generic verb over :func:`coursekit.gw.experiment.run`.
Errors reach the user as one line through ``python -m coursekit``'s entry point.
"""

from __future__ import annotations

import argparse

from coursekit.cli_util import positive_float, positive_int, probability


def register(subparsers) -> None:
    from coursekit.experiment import add_run_command
    from coursekit.gw.experiment import run

    p = subparsers.add_parser("gw", help="gravitational waves: train the CNN detector, scan GWOSC strain or an event")
    sub = p.add_subparsers(dest="gw_cmd", metavar="ACTION", required=True)

    t = sub.add_parser("train", help="train the 1D CNN on simulated BBH injections and save it")
    t.add_argument("--out", required=True, help="where to write the model (.pt)")
    t.add_argument("--psd-from", nargs="+", metavar="FILE.hdf5",
                   help="GWOSC files (one per detector) whose measured PSDs the training noise should match; "
                        "default: the advanced-LIGO design PSD for H1 and L1")
    t.add_argument("--epochs", type=positive_int, help="override the number of epochs of the run-size config")
    t.add_argument("--seed", type=int, default=None)
    t.set_defaults(func=_train)

    s = sub.add_parser("scan", help="scan GWOSC HDF5 strain (one file per detector, same stretch) or a GWTC event")
    s.add_argument("files", nargs="*", metavar="FILE.hdf5")
    s.add_argument("--event", metavar="NAME",
                   help="scan a GWTC event instead of files (GW150914 from the cache; any other, e.g. GW151226, "
                        "is fetched from GWOSC in full mode)")
    s.add_argument("--model", required=True, help="a model written by `gw train`")
    s.add_argument("--top", type=positive_int, default=5, help="how many triggers to print")
    s.add_argument("--stride", type=positive_float, default=1 / 16,
                   help="window step [s], rounded to the CNN trunk's grid (1/64 s at 2048 Hz); default 1/16")
    s.add_argument("--fap", type=probability, default=1e-3,
                   help="flag triggers above the model's threshold at this false-alarm probability per window "
                        "(1e-2 or 1e-3, measured at training)")
    s.add_argument("--json", action="store_true", help="machine-readable output (strict JSON)")
    s.set_defaults(func=_scan)

    add_run_command(sub, "gw", run)


def _train(args: argparse.Namespace) -> int:
    import numpy as np

    from coursekit.cli_util import check_out_path
    from coursekit.gw.config import get_config
    from coursekit.gw.data import read_strain
    from coursekit.gw.experiment import simulate
    from coursekit.gw.model import predict_logits, save_model, train_cnn
    from coursekit.gw.scan import prepare_strain
    from coursekit.gw.simulate import context_sampler, design_psds
    from coursekit.metrics import threshold_at_fap

    out = check_out_path(args.out, *(args.psd_from or []))
    changes = {k: v for k, v in (("epochs", args.epochs), ("seed", args.seed)) if v is not None}
    cfg = get_config(**changes)
    if args.psd_from:
        prepared = prepare_strain([read_strain(f) for f in args.psd_from], fs=cfg.fs)
        psds = prepared.psd_on_grid(int(round(cfg.seg_duration * cfg.fs)))
        source = "measured from " + ", ".join(str(f) for f in args.psd_from)
    else:
        psds = design_psds(cfg.fs, cfg.seg_duration)
        source = "aLIGO design"
    print(f"Training on {'/'.join(psds)} windows, PSD: {source}")
    sim = simulate(cfg, psds)
    model, history = train_cnn(cfg, sim.train)
    print(history.summary())
    # thresholds for `gw scan`: noise windows as the scan sees them (with the data around each window)
    fused = model.to("cpu").eval().for_inference()
    noise_x = context_sampler(cfg, sim.test.bank, fused.context).noise(max(cfg.n_noise_eval, 1000),
                                                                        np.random.default_rng(cfg.seed + 7))
    noise = predict_logits(fused, noise_x, context=fused.context).numpy()
    thresholds = {f"{fap:g}": threshold_at_fap(noise, fap) for fap in (1e-2, 1e-3)}
    path = save_model(model, out, cfg, tuple(psds), {"psd": source, "thresholds": thresholds,
                                                     "n_noise_windows": len(noise)})
    print(f"saved {path}; logit thresholds per 1 s window (Gaussian noise, {len(noise)} windows): "
          + ", ".join(f"FAP {k}: {v:.2f}" for k, v in thresholds.items()))
    return 0


def _scan(args: argparse.Namespace) -> int:
    from coursekit.gw.data import load_event, read_strain
    from coursekit.gw.model import load_model
    from coursekit.gw.scan import find_triggers, prepare_strain, scan
    from coursekit.jsonio import print_json

    if bool(args.files) == bool(args.event):
        raise ValueError("give either GWOSC files (one per detector) or --event NAME, not both and not neither")
    model, meta = load_model(args.model)
    thresholds = meta.get("thresholds", {})
    key = f"{args.fap:g}"
    if key not in thresholds:
        raise ValueError(f"--fap {args.fap:g}: the model has thresholds for FAP {', '.join(thresholds) or 'none'} "
                         "per window; pick one of those")
    threshold = float(thresholds[key])
    event = None
    if args.event:
        event = load_event(args.event)
        series = event
    else:
        series = [read_strain(f) for f in args.files]
    prepared = prepare_strain(series, fs=float(meta["fs"]), detectors=tuple(meta["detectors"]))
    times, logits = scan(model, prepared, float(meta["window_duration"]), args.stride)
    triggers = find_triggers(times, logits, -float("inf"), cluster=1.0, top=args.top)
    dets = ",".join(prepared.detectors)
    for t in triggers:
        t["detectors"] = dets
        t[f"above_fap_{key}_threshold"] = bool(t["score"] > threshold)
        if event is not None:
            t["offset_from_catalogue_s"] = t["gps"] - event.gps
    result = {"data": f"{prepared.data.shape[-1] / prepared.fs:.1f} s of {dets} from GPS {prepared.t0:.3f}",
              "threshold": threshold, "fap_per_window": args.fap, "triggers": triggers}
    if event is not None:
        from coursekit.gw.baseline import search_stretch
        from coursekit.gw.config import get_config
        from coursekit.gw.simulate import template_bank

        cfg = get_config()
        templates = template_bank(cfg, prepared.psd_on_grid(int(round(cfg.seg_duration * cfg.fs))))
        res = search_stretch(prepared.data, templates)
        result.update({"event": event.event, "catalogue_gps": event.gps, "tier": event.tier,
                       "matched_filter_network_snr": float(res.network[res.t_best]),
                       "matched_filter_gps": prepared.t0 + res.t_best / prepared.fs,
                       "n_templates": len(templates)})
    if args.json:
        print_json(result)
        return 0
    print(f"{len(triggers)} trigger(s) in {result['data']}, loudest first "
          f"(threshold at FAP {key} per window: logit {threshold:.2f}):")
    print(f"{'GPS time':>16}  {'logit':>8}  {'above':>5}  detectors" + ("  offset [s]" if event else ""))
    for t in triggers:
        print(f"{t['gps']:16.3f}  {t['score']:8.2f}  {'yes' if t[f'above_fap_{key}_threshold'] else 'no':>5}  "
              f"{t['detectors']}" + (f"  {t['offset_from_catalogue_s']:+.3f}" if event else ""))
    if event is not None:
        print(f"{event.event}: catalogue GPS {event.gps:.2f}; matched filter ({result['n_templates']} templates) "
              f"network SNR {result['matched_filter_network_snr']:.1f} at GPS {result['matched_filter_gps']:.3f}")
    return 0
