"""Benchmarks for ``python -m coursekit.bench gw``: the experiment's steps (:mod:`coursekit.gw.experiment`), timed.

Targets, declared once here (issues 5 and 18):

* ``cnn_vs_matched_filter``: at optimal network SNR 10 and a false-alarm probability of 1e-3 per
  1 s window, CNN efficiency >= 0.8 and >= 90% of the matched filter's on the same injections;
  CNN inference >= 100x faster per second of data than the matched-filter search (PyCBC in single
  precision, over a bank that covers the prior), compared per core: the CNN on one thread, as
  PyCBC's FFTs. The CNN searches as :class:`coursekit.gw.model.FusedCNN` does: one pass of its
  trunk over the stretch, windows every 0.5625 s (the merger range's width on the trunk's 1/16 s grid) pooling their
  share; efficiencies are measured on windows that carry the same data context, scored exactly
  as in that scan. Also reported: the speed-up against the floor of any FFT matched filter over
  the same bank (one single-precision inverse FFT per template and detector, nothing else).
* ``gw150914_scan``: the CNN trigger (the middle of the plateau of highest scores) in the 32 s of
  real H1+L1 data around GW150914 lies within 0.1 s of GPS 1126259462.44.

One model serves both: trained once (steps ``load_data`` -> ``simulate`` -> ``train``) on noise with
the PSDs measured from the GW150914 data (the sample through ``coursekit.data.resolve``; the
stand-in's design PSD offline), over the GWTC-1 prior (7-50 Msun, mass ratios to 1:3).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from coursekit.bench import benchmark

_STATE: dict[str, Any] = {}
FAP = 1e-3
SNR = 10.0


def _setup() -> dict[str, Any]:
    if _STATE:
        return _STATE
    from coursekit.gw import experiment as ex
    from coursekit.gw.config import get_config

    base = get_config()
    # a bank that covers the prior (minimal match 0.97, uncapped), so that both the matched filter's
    # sensitivity and its cost are those of a real search over this prior
    cfg = replace(base, epochs=max(base.epochs, 20), batches_per_epoch=max(base.batches_per_epoch, 64),
                  n_train_waveforms=max(base.n_train_waveforms, 1000),
                  n_template_candidates=max(base.n_template_candidates, 1500),
                  minimal_match=max(base.minimal_match, 0.97), max_templates=None,
                  n_noise_eval=max(base.n_noise_eval, 10_000), n_signal_eval=max(base.n_signal_eval, 500))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    data = ex.load_data(cfg)
    timings["data_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = ex.simulate(cfg, data.psds)
    timings["simulate_s"] = time.perf_counter() - t0
    trained = ex.train(cfg, sim, progress=False)
    timings["train_s"] = trained.seconds
    _STATE.update(cfg=cfg, data=data, sim=sim, model=trained.model, timings=timings,
                  psd=data.psd_source if data.event.is_real else "aLIGO design (stand-in)")
    return _STATE


@benchmark("gw", "cnn_vs_matched_filter")
def cnn_vs_matched_filter() -> dict:
    """CNN vs matched filter: efficiency at SNR 10, FAP 1e-3 per window, and speed per second of data."""
    import torch
    from pycbc.fft.backend_support import get_backend

    from coursekit.gw import experiment as ex
    from coursekit.gw.baseline import fft_floor_search, time_pycbc_search

    s = _setup()
    cfg = s["cfg"]
    t0 = time.perf_counter()
    cmp_ = ex.compare(cfg, s["model"], s["sim"], snrs=(8.0, SNR, 12.0))
    eval_s = time.perf_counter() - t0
    out: dict[str, Any] = {"psd": s["psd"], "n_noise_windows": len(cmp_.noise["CNN"]),
                           "n_injections_per_snr": cfg.n_signal_eval, "bank_size": cmp_.n_templates,
                           "bank_fitting_factor_median": round(float(np.median(cmp_.fitting_factor)), 4),
                           "bank_fitting_factor_p05": round(float(np.quantile(cmp_.fitting_factor, 0.05)), 4),
                           "prior_mass_range": list(cfg.prior.mass_range),
                           "prior_min_mass_ratio": round(cfg.prior.min_mass_ratio, 3),
                           "fap_per_window": FAP}
    for name, key in (("CNN", "cnn"), ("matched filter", "mf")):
        for snr in (8.0, SNR, 12.0):
            e = cmp_.efficiency(name, snr, FAP)
            out[f"{key}_efficiency_snr{snr:g}"] = round(e.value, 4)
            if snr == SNR:
                out[f"{key}_efficiency_err"] = round(e.err, 4)
    diff = cmp_.efficiency_difference(SNR, FAP)
    ratio = out["cnn_efficiency_snr10"] / max(out["mf_efficiency_snr10"], 1e-9)
    # error of the ratio from the paired difference: ratio - 1 = diff / mf
    out["cnn_minus_mf_efficiency"] = f"{diff} (paired bootstrap)"
    out["cnn_over_mf_efficiency_err"] = round(diff.err / max(out["mf_efficiency_snr10"], 1e-9), 4)
    cnn_t = cmp_.seconds_per_data_second["CNN"]
    mf_t = cmp_.seconds_per_data_second["matched filter"]
    cnn_1t = cmp_.seconds_per_data_second["CNN, 1 thread"]
    pycbc_t = time_pycbc_search(s["sim"].banks.templates, duration=32.0, n_templates=16)
    floor_t = fft_floor_search(cmp_.n_templates, s["sim"].banks.templates.spectra.shape[1], duration=32.0,
                               fs=cfg.fs)
    out.update({
        "cnn_over_mf_efficiency": round(ratio, 4),
        "cnn_s_per_data_s": cnn_t, "cnn_1_thread_s_per_data_s": cnn_1t,
        "mf_numpy_s_per_data_s": mf_t, "mf_pycbc_s_per_data_s": pycbc_t,
        "pycbc_fft_backend": get_backend().__name__.rsplit(".", 1)[-1] + " (one thread)",
        "speedup_vs_numpy_mf": round(mf_t / cnn_t, 1),
        "speedup_vs_pycbc_mf_per_core": round(pycbc_t / cnn_1t, 1),
        "speedup_vs_pycbc_mf": round(pycbc_t / cnn_t, 1), "torch_threads": torch.get_num_threads(),
        # any FFT matched filter pays at least one single-precision inverse FFT per template and detector
        "mf_fft_floor_s_per_data_s": floor_t, "speedup_vs_fft_floor_per_core": round(floor_t / cnn_1t, 1),
        "window_stride_s": round(cmp_.stride, 4), "pycbc_precision": "single",
        **{k: round(v, 1) for k, v in s["timings"].items()}, "eval_s": round(eval_s, 1),
        "target_cnn_efficiency": ">= 0.8", "target_cnn_over_mf": ">= 0.9",
        "target_speedup": ">= 100, per core (CNN on one thread, as PyCBC's FFTs)",
    })
    out["passed_cnn_efficiency"] = out["cnn_efficiency_snr10"] >= 0.8
    out["passed_cnn_over_mf"] = ratio >= 0.9
    out["passed_speedup"] = out["speedup_vs_pycbc_mf_per_core"] >= 100
    return out


@benchmark("gw", "gw150914_scan")
def gw150914_scan() -> dict:
    """Sliding-window CNN scan of the 32 s of H1+L1 data around GW150914 (step ``scan_event``).

    The loud event saturates the logit of every window that contains the merger (a plateau about
    one window long), so the single highest window can sit anywhere on it; the trigger time is the
    plateau's middle (:func:`coursekit.gw.scan.peak_time`, as ``gw scan`` reports it). Both are reported.
    """
    from coursekit.gw import experiment as ex

    s = _setup()
    cfg = s["cfg"]
    t0 = time.perf_counter()
    ev = ex.scan_event(cfg, s["model"], s["data"], stride=1 / 16)
    scan_s = time.perf_counter() - t0
    i = int(np.argmax(ev.logits))
    far = np.abs(ev.times - ev.gps) > 1.0
    return {"tier": s["data"].event.tier, "trigger_gps": round(ev.trigger_gps, 3),
            "trigger_offset_s": round(ev.offset.value, 3), "trigger_offset_err_s": round(ev.offset.err, 3),
            "max_window_gps": round(float(ev.times[i]), 3), "max_window_offset_s": round(float(ev.times[i] - ev.gps), 3),
            "plateau_windows_within_1_of_max_logit": int(np.sum(ev.logits > ev.logits[i] - 1.0)),
            "peak_logit": round(float(ev.logits[i]), 2), "max_logit_away_from_event": round(float(ev.logits[far].max()), 2),
            "scan_s": round(scan_s, 3),
            "target_offset_s": "<= 0.1 (trigger = middle of the plateau of windows at the highest score, peak_time)",
            "passed": bool(abs(ev.offset.value) <= 0.1) and s["data"].event.is_real}
