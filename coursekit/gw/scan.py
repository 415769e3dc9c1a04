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

from coursekit.gw.io import StrainSegment
from coursekit.gw.spectral import F_HIGH, F_LOW, interpolate_psd, welch_psd, whiten


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


def check_segments(segments: list[StrainSegment], fs: float, min_duration: float) -> list[StrainSegment]:
    """Check that the segments cover the same stretch, can be resampled to ``fs`` and are long enough."""
    if not segments:
        raise ValueError("no strain segments given")
    dets = [s.detector for s in segments]
    if len(set(dets)) != len(dets):
        raise ValueError(f"each detector must appear once, got {dets}")
    ref = segments[0]
    for s in segments:
        if s.sample_rate < fs or (s.sample_rate / fs) != int(s.sample_rate / fs):
            raise ValueError(
                f"{s.detector}: sample rate {s.sample_rate:g} Hz cannot be resampled to {fs:g} Hz "
                f"(need an integer multiple of {fs:g} Hz, e.g. the 4096 Hz GWOSC files)"
            )
        if abs(s.t0 - ref.t0) > 1 / fs or abs(s.duration - ref.duration) > 1 / fs:
            raise ValueError(
                f"segments must cover the same stretch: {ref.detector} [{ref.t0}, +{ref.duration} s) vs "
                f"{s.detector} [{s.t0}, +{s.duration} s)"
            )
        if not np.all(np.isfinite(s.strain)):
            raise ValueError(f"{s.detector}: strain has NaN gaps; crop to a gap-free stretch")
        if s.duration < min_duration:
            raise ValueError(
                f"{s.detector}: {s.duration:g} s of data is too short; need at least {min_duration:g} s for the "
                "PSD estimate and the tapered edges"
            )
    return segments


def prepare_strain(segments: list[StrainSegment], fs: float = 2048.0, detectors: tuple[str, ...] | None = None,
                   psd_duration: float = 4.0, taper_s: float = 2.0, truncate: float | None = 4.0, f_low: float = F_LOW,
                   f_high: float = F_HIGH) -> PreparedStrain:
    """Resample, estimate PSDs, whiten and drop ``taper_s`` s at each end.

    ``detectors`` fixes the channel order (that of the model); by default the order given.
    """
    check_segments(segments, fs, min_duration=max(4 * psd_duration, 2 * taper_s + 2))
    by_det = {s.detector: s for s in segments}
    detectors = tuple(detectors or by_det)
    missing = [d for d in detectors if d not in by_det]
    if missing:
        raise ValueError(f"the model expects detectors {detectors}; missing {missing} (got {sorted(by_det)})")
    rows, psds, freqs = [], {}, None
    for d in detectors:
        seg = by_det[d].resample(fs) if by_det[d].sample_rate != fs else by_det[d]
        x = seg.strain
        freqs, p = welch_psd(x, fs, psd_duration)
        psds[d] = p
        n = len(x)
        w = whiten(x, interpolate_psd(freqs, p, n, fs), fs, f_low, f_high, taper=2 * taper_s / seg.duration,
                   truncate=truncate)
        rows.append(w)
        t0 = seg.t0
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
