"""Figures of merit of the topic, each with its uncertainty.

* detection: completeness above a magnitude limit, purity (fraction of detections with an injected counterpart),
  false detections, astrometric RMS in pixels (:func:`match_summary`, :func:`completeness_curve`);
* star/galaxy: accuracy above the limit with a binomial error (:func:`accuracy_above`), and the paired bootstrap
  difference of two classifiers on the same sources (:func:`paired_accuracy_difference`).

Shared definitions (``Measurement``, ``binomial_err``, ``bootstrap_ci``) come from :mod:`coursekit.metrics`.
"""

from __future__ import annotations

import numpy as np
from astropy import units as u
from astropy.table import Table
from astropy.wcs import WCS

from coursekit.astro.detect import Match
from coursekit.metrics import Measurement, binomial_err, bootstrap_ci


def proportion(k: int, n: int) -> Measurement:
    """``k / n`` with its binomial standard error (NaN ± 0 when ``n == 0``)."""
    if n == 0:
        return Measurement(float("nan"), 0.0)
    return Measurement(k / n, binomial_err(k, n))


def match_summary(truth: Table, detections: Table, match: Match, wcs: WCS, mag_limit: float) -> dict[str, float]:
    """Completeness above ``mag_limit`` and astrometric accuracy of the matched sources.

    Returns ``completeness`` (fraction of truth rows with ``mag <= mag_limit`` that are matched),
    ``n_bright``, ``n_detected``, ``purity`` (fraction of detections matched to any injected source),
    ``rms_px`` (radial RMS of the pixel offsets of matched sources above the limit) and ``median_sep_arcsec``.
    """
    mag = np.asarray(truth["mag"], float)
    bright = mag <= mag_limit
    n_bright = int(bright.sum())
    m = match.matched
    completeness = float(m[bright].mean()) if n_bright else float("nan")
    sel = m & bright
    if sel.any():
        j = match.index[sel]
        dx = np.asarray(detections["x"], float)[j] - np.asarray(truth["x"], float)[sel]
        dy = np.asarray(detections["y"], float)[j] - np.asarray(truth["y"], float)[sel]
        rms = float(np.sqrt(np.mean(dx**2 + dy**2)))
        med = float(np.median(match.separation[sel].to_value(u.arcsec)))
    else:
        rms, med = float("nan"), float("nan")
    purity = float(m.sum() / len(detections)) if len(detections) else float("nan")
    return {"completeness": completeness, "n_bright": n_bright, "n_detected": int(len(detections)),
            "n_matched": int(m.sum()), "purity": purity, "rms_px": rms, "median_sep_arcsec": med,
            "mag_limit": float(mag_limit)}


def completeness(truth: Table, match: Match, mag_limit: float) -> Measurement:
    """Fraction of injected sources with ``mag <= mag_limit`` that were detected, with its binomial error."""
    bright = np.asarray(truth["mag"], float) <= mag_limit
    return proportion(int(match.matched[bright].sum()), int(bright.sum()))


def false_detections(match: Match, n_detections: int) -> int:
    """Detections with no injected source within the match radius (noise peaks, split sources)."""
    return int(n_detections - match.matched.sum())


def completeness_curve(truth: Table, match: Match, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fraction of injected sources detected per magnitude bin: ``(centres, fraction, counts)``."""
    mag = np.asarray(truth["mag"], float)
    counts, _ = np.histogram(mag, bins)
    hits, _ = np.histogram(mag[match.matched], bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)
    return 0.5 * (bins[1:] + bins[:-1]), frac, counts


def accuracy_above(pred_galaxy: np.ndarray, is_galaxy: np.ndarray, mag: np.ndarray, mag_limit: float) -> float:
    """Accuracy of boolean predictions on sources with ``mag <= mag_limit`` (NaN if there are none)."""
    sel = np.asarray(mag, float) <= mag_limit
    if not sel.any():
        return float("nan")
    return float(np.mean(np.asarray(pred_galaxy, bool)[sel] == np.asarray(is_galaxy, bool)[sel]))


def accuracy(pred_galaxy: np.ndarray, is_galaxy: np.ndarray) -> Measurement:
    """Accuracy of boolean predictions with its binomial standard error."""
    pred, truth = np.asarray(pred_galaxy, bool), np.asarray(is_galaxy, bool)
    if pred.shape != truth.shape:
        raise ValueError(f"predictions {pred.shape} and labels {truth.shape} differ in shape")
    return proportion(int((pred == truth).sum()), len(truth))


def paired_accuracy_difference(is_galaxy: np.ndarray, pred_a: np.ndarray, pred_b: np.ndarray, *,
                               n_boot: int = 300, seed: int = 0) -> Measurement:
    """accuracy(a) - accuracy(b) on the same sources, with a paired bootstrap error
    (:func:`coursekit.metrics.bootstrap_ci`: tighter than adding two binomial errors, which ignores that the
    classifiers agree on most sources)."""
    y = np.asarray(is_galaxy, bool)
    a, b = np.asarray(pred_a, bool), np.asarray(pred_b, bool)
    if not (len(y) == len(a) == len(b)):
        raise ValueError(f"need one prediction per source, got {len(y)}, {len(a)}, {len(b)}")

    def diff(yy, aa, bb):
        return float(np.mean(aa == yy) - np.mean(bb == yy))

    return bootstrap_ci(diff, y, a, b, n_boot=n_boot, seed=seed)


def describe_difference(d: Measurement, *, min_sigma: float = 2.0) -> str:
    """One line for a paired difference: ``'+0.012 ± 0.004 (3.0 sigma: significant at 2 sigma)'``.

    A difference with no uncertainty is either exact agreement (value 0: the two agree on every source) or
    a bootstrap too small to say; neither is reported as infinitely significant."""
    if not np.isfinite(d.value):
        return "not measured (too few sources)"
    if d.err <= 0:
        return ("0 (they agree on every source)" if d.value == 0
                else f"{d.value:+.3f} with no bootstrap spread: too few sources to judge")
    sigma = abs(d.value) / d.err
    verdict = "significant" if sigma >= min_sigma else "not significant"
    return f"{d.value:+.3f} ± {d.err:.3f} ({sigma:.1f} sigma: {verdict} at {min_sigma:g} sigma)"
