"""Sliding-window scan of detector strain with a trained CNN.

Real data are prepared the way the training windows were made: resampled to the model's rate,
PSD estimated from the data themselves (Welch, median average, 4 s segments), whitened with
that PSD (Tukey taper, whitening filter truncated to ``truncate`` s, the resolution of the PSD
estimate), band-passed and rescaled to unit robust standard deviation; the tapered ends are
dropped. Windows of the training length slide with ``stride``; each window's score is attached
to the window's centre, and a trigger's time is the middle of the plateau of high scores (see
:func:`peak_time`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coursekit.gw.data import StrainFileError, detector_of
from coursekit.gw.spectral import F_HIGH, F_LOW, interpolate_psd, welch_psd, whiten

#: Plausible amplitude spectral density of calibrated strain in 50-500 Hz [1/sqrt(Hz)]: initial LIGO
#: reached ~2e-23, the design of Advanced LIGO ~4e-24; anything outside 1e-25..1e-18 is not strain.
ASD_RANGE = (1e-25, 1e-18)
#: A run of identical samples at least this long [s] is a dead channel (or zero-filled gap), not noise.
FLAT_RUN_S = 0.05


@dataclass
class PreparedStrain:
    """Whitened multi-detector strain: ``data`` (n_det, n) with ``data[:, 0]`` at GPS ``t0``."""

    data: np.ndarray
    t0: float
    fs: float
    detectors: tuple[str, ...]
    psd_freqs: np.ndarray
    psds: dict[str, np.ndarray]

    def psd_on_grid(self, n: int) -> dict[str, np.ndarray]:
        """The measured PSDs interpolated onto the rfft grid of ``n`` samples (e.g. a waveform bank's)."""
        return {d: interpolate_psd(self.psd_freqs, p, n, self.fs) for d, p in self.psds.items()}


def _longest_flat_run(x: np.ndarray) -> tuple[int, int]:
    """(start, length) of the longest run of identical consecutive samples of ``x`` (n,)."""
    change = np.flatnonzero(np.diff(x) != 0)
    bounds = np.concatenate([[-1], change, [len(x) - 1]])
    lengths = np.diff(bounds)
    i = int(np.argmax(lengths))
    return int(bounds[i] + 1), int(lengths[i])


def check_strain(series, fs: float, min_duration: float) -> dict:
    """Refuse strain that cannot be searched, in one line naming the detector and what to do.

    series: gwpy TimeSeries (or a dict of them / an ``EventStrain``), one per detector. Refused:
    a detector given twice; sample rates that are not an integer multiple of ``fs``; detectors
    covering different stretches (start or length); NaN/inf samples (data gaps); a flat stretch
    (identical samples for ``FLAT_RUN_S`` s or more: a dead channel, zero-filled gap or all-zero
    file); a strain scale that no detector produces (median ASD in 50-500 Hz outside
    ``ASD_RANGE``, e.g. data already whitened, or in the wrong units); data too short.
    Returns ``{detector: TimeSeries}``.
    """
    if hasattr(series, "strain") and isinstance(series.strain, dict):
        series = series.strain
    items = list(series.items()) if isinstance(series, dict) else [(detector_of(s), s) for s in series]
    if not items:
        raise StrainFileError("no strain given; pass one GWOSC file (or TimeSeries) per detector")
    dets = [d for d, _ in items]
    if len(set(dets)) != len(dets):
        raise StrainFileError(f"each detector must appear once, got {dets}")
    ref_det, ref = items[0]
    for det, s in items:
        rate = float(s.sample_rate.value)
        t0, dur = float(s.t0.value), float(s.duration.value)
        if rate < fs or abs(rate / fs - round(rate / fs)) > 1e-9:
            raise StrainFileError(f"{det}: sample rate {rate:g} Hz cannot be resampled to {fs:g} Hz (need an "
                                  f"integer multiple of {fs:g} Hz, e.g. the 4096 Hz GWOSC files)")
        r0, rdur = float(ref.t0.value), float(ref.duration.value)
        if abs(t0 - r0) > 1 / fs or abs(dur - rdur) > 1 / fs:
            raise StrainFileError(f"detectors cover different stretches: {ref_det} GPS [{r0:.3f}, +{rdur:g} s) vs "
                                  f"{det} [{t0:.3f}, +{dur:g} s); crop them to the same GPS span")
        x = np.asarray(s.value, dtype=np.float64)
        bad = ~np.isfinite(x)
        if bad.any():
            raise StrainFileError(f"{det}: {int(bad.sum())} NaN/inf samples (data gap from GPS "
                                  f"{t0 + np.argmax(bad) / rate:.3f}); crop to a gap-free stretch")
        if dur < min_duration:
            raise StrainFileError(f"{det}: {dur:g} s of data is too short; need at least {min_duration:g} s for the "
                                  "PSD estimate and the tapered edges")
        start, length = _longest_flat_run(x)
        if length >= FLAT_RUN_S * rate:
            what = "all samples are equal (a dead channel or an all-zero file)" if length == len(x) else (
                f"{length / rate:.2f} s of identical samples (value {x[start]:g}) from GPS {t0 + start / rate:.3f}: "
                "a dead channel or a zero-filled gap")
            raise StrainFileError(f"{det}: {what}; it would be scored as noise. Crop it out or gate it "
                                  "(set the stretch aside) before scanning")
        from scipy.signal import welch

        f, p = welch(x, fs=rate, nperseg=int(rate))
        asd = float(np.sqrt(np.median(p[(f >= 50) & (f <= 500)])))
        if not ASD_RANGE[0] <= asd <= ASD_RANGE[1]:
            raise StrainFileError(f"{det}: median amplitude spectral density {asd:.2g}/sqrt(Hz) in 50-500 Hz is not "
                                  f"that of detector strain ({ASD_RANGE[0]:g}-{ASD_RANGE[1]:g}); pass calibrated, "
                                  "un-whitened strain (dimensionless, ~1e-23/sqrt(Hz))")
    return dict(items)


def prepare_strain(series, fs: float = 2048.0, detectors: tuple[str, ...] | None = None,
                   psd_duration: float = 4.0, taper_s: float = 2.0, truncate: float | None = 4.0, f_low: float = F_LOW,
                   f_high: float = F_HIGH) -> PreparedStrain:
    """Check (:func:`check_strain`), resample, estimate PSDs (Welch, median), whiten, drop ``taper_s`` s at each end.

    series: gwpy TimeSeries per detector (a list, a dict or an ``EventStrain``); ``detectors``
    fixes the channel order (that of the model), by default the order given.
    """
    by_det = check_strain(series, fs, min_duration=max(4 * psd_duration, 2 * taper_s + 2))
    detectors = tuple(detectors or by_det)
    missing = [d for d in detectors if d not in by_det]
    if missing:
        raise StrainFileError(f"the model expects detectors {detectors}; missing {missing} (got {sorted(by_det)})")
    rows, psds, freqs = [], {}, None
    from coursekit.gw.spectral import resample

    for d in detectors:
        ts = by_det[d]
        x = resample(np.asarray(ts.value, dtype=np.float64), float(ts.sample_rate.value), fs)
        freqs, p = welch_psd(x, fs, psd_duration)
        psds[d] = p
        n = len(x)
        w = whiten(x, interpolate_psd(freqs, p, n, fs), fs, f_low, f_high, taper=2 * taper_s * fs / n,
                   truncate=truncate)
        rows.append(w)
        t0 = float(ts.t0.value)
    cut = int(round(taper_s * fs))
    data = np.stack(rows)[:, cut:-cut]
    # a median-averaged Welch PSD from a few segments is biased by a few per cent; rescale to a unit
    # robust standard deviation (1.4826 MAD, insensitive to a loud signal) so the windows match training
    data /= 1.4826 * np.median(np.abs(data), axis=1, keepdims=True)
    data = data.astype(np.float32)
    return PreparedStrain(data=data, t0=t0 + taper_s, fs=fs, detectors=detectors, psd_freqs=freqs, psds=psds)


def sliding_windows(data: np.ndarray, fs: float, window_duration: float = 1.0, stride: float = 1 / 16
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Windows (m, n_det, window*fs) of ``data`` (n_det, n) and their start offsets [s]."""
    w = int(round(window_duration * fs))
    step = max(1, int(round(stride * fs)))
    if data.shape[-1] < w:
        raise ValueError(f"{data.shape[-1] / fs:g} s of data is shorter than one {window_duration:g} s window")
    starts = np.arange(0, data.shape[-1] - w + 1, step)
    idx = starts[:, None] + np.arange(w)[None]
    return np.ascontiguousarray(np.transpose(data[:, idx], (1, 0, 2))), starts / fs


def scan(model, prepared: PreparedStrain, window_duration: float = 1.0, stride: float = 1 / 16
         ) -> tuple[np.ndarray, np.ndarray]:
    """CNN logit along the data: ``(gps_times, logits)``, each (m,); the time of a window is its centre.

    The course's CNN runs its convolutional trunk once over the whole stretch and pools it per
    window (``FusedCNN.stream_logits``), the stride rounded to the trunk's grid (32 samples,
    1/64 s at 2048 Hz); any other model scores the windows one by one.
    """
    import torch

    from coursekit.gw.model import FusedCNN, MultiScaleCNN, predict_logits

    if isinstance(model, MultiScaleCNN):
        model = model.eval().for_inference()
    if not isinstance(model, FusedCNN):
        windows, starts = sliding_windows(prepared.data, prepared.fs, window_duration, stride)
        return prepared.t0 + starts + window_duration / 2, predict_logits(model, windows).numpy()
    fs, ds = prepared.fs, model.downsample
    w = int(round(window_duration * fs))
    step = max(ds, int(round(stride * fs / ds)) * ds)
    x = torch.from_numpy(np.ascontiguousarray(prepared.data[None], dtype=np.float32))
    with torch.inference_mode():
        logits = model.stream_logits(x.to(next(model.parameters()).device), w, step)[0].float().cpu().numpy()
    starts = np.arange(len(logits)) * step / fs
    return prepared.t0 + starts + window_duration / 2, logits


def peak_time(times: np.ndarray, scores: np.ndarray) -> float:
    """Time of a trigger: the middle of the run of windows around the highest score that stay above half maximum.

    "Half maximum" is half-way between the median score (the noise level) and the highest score.
    The CNN pools globally over the window, so it fires for any window that contains the merger:
    the score forms a plateau about one window long, centred (in window-centre times) on the
    merger. The middle of the plateau locates the merger to a fraction of the stride; the single
    highest window can lie anywhere on it.
    """
    scores = np.asarray(scores, dtype=float)
    i = int(np.argmax(scores))
    level = np.median(scores) + 0.5 * (scores[i] - np.median(scores))
    lo = i
    while lo > 0 and scores[lo - 1] >= level:
        lo -= 1
    hi = i
    while hi < len(scores) - 1 and scores[hi + 1] >= level:
        hi += 1
    return float(0.5 * (times[lo] + times[hi]))


def find_triggers(times: np.ndarray, scores: np.ndarray, threshold: float, cluster: float = 1.0,
                  top: int | None = None) -> list[dict]:
    """Clustered triggers ``{gps, score}``: local maxima above ``threshold`` separated by ``cluster`` s, loudest first."""
    order = np.argsort(scores)[::-1]
    taken: list[dict] = []
    for i in order:
        if scores[i] <= threshold:
            break
        if all(abs(times[i] - t["gps"]) > cluster for t in taken):
            near = np.abs(times - times[i]) <= 1.5 * cluster
            taken.append({"gps": peak_time(times[near], scores[near]) if near.sum() > 2 else float(times[i]),
                          "score": float(scores[i])})
        if top is not None and len(taken) >= top:
            break
    return taken


def scan_step(search_stride: float, fs: float, downsample: int) -> int:
    """Samples between windows of a search stepping by ``search_stride`` s (the merger-range width),
    rounded down to the CNN trunk's grid of ``downsample`` samples."""
    return max(downsample, int(search_stride * fs) // downsample * downsample)
