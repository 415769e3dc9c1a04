"""The notebook's and the benchmark's run: one run-size switch, data, training and comparison.

``RUN_CONFIG = sized(ReducedRun, FullRun)`` holds every size the topic uses.
Reduced mode simulates ~1,500 Kepler-like TCEs and trains small CNNs on a
CPU in well under a minute; full mode simulates 20,000 over more quarters,
trains the paper-sized network, and uses the real Kepler-90 quarters and the
KOI table from ``data_manifest.yaml``.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from coursekit.config import sized
from coursekit.transits.model import PAPER_CONFIG, CNNConfig


@dataclass(frozen=True)
class RunSize:
    """Sizes of one run. n_lightcurves: simulated TCEs (80/10/10 split). epochs: CNN training epochs.
    n_bls_examples: planets searched by the BLS benchmark. kepler90_signals: signals extracted from Kepler-90.
    n_real_kois: labelled KOIs (half CONFIRMED, half FALSE POSITIVE) whose MAST light curves full mode uses."""

    n_lightcurves: int
    n_quarters: int
    epochs: int
    cnn: CNNConfig = field(default_factory=CNNConfig)
    batch_size: int = 64
    patience: int = 5
    n_bls_examples: int = 150
    kepler90_signals: int = 2
    n_real_kois: int = 300


ReducedRun = RunSize(n_lightcurves=1500, n_quarters=2, epochs=12,
                     cnn=CNNConfig(global_channels=(4, 8, 16), local_channels=(8, 16), fc=(64,)))
FullRun = RunSize(n_lightcurves=20000, n_quarters=6, epochs=40, cnn=PAPER_CONFIG, batch_size=128, patience=8,
                  n_bls_examples=300, kepler90_signals=4)
RUN_CONFIG: RunSize = sized(ReducedRun, FullRun)


def simulated_tces(n: int | None = None, seed: int = 0, n_quarters: int | None = None, **kwargs: Any):
    """The simulated TCE set (:class:`~coursekit.transits.simulate.TransitDataset`) for this run size."""
    from coursekit.transits.simulate import make_dataset

    return make_dataset(n or RUN_CONFIG.n_lightcurves, seed=seed,
                        n_quarters=n_quarters or RUN_CONFIG.n_quarters, **kwargs)


def train_on_simulations(
    n: int | None = None,
    epochs: int | None = None,
    views: tuple[str, ...] = ("global", "local"),
    seed: int = 0,
    out: str | Path | None = None,
    dataset: Any = None,
) -> dict[str, Any]:
    """Simulate (unless ``dataset`` is given), split 80/10/10, train, and score the test split.

    Returns ``{"model", "history", "metrics", "test", "proba", "seconds"}``; saves the model to ``out``.
    """
    from coursekit.transits.evaluate import classification_metrics
    from coursekit.transits.model import predict_proba, save_model, train_classifier

    t0 = _time.perf_counter()
    ds = dataset if dataset is not None else simulated_tces(n, seed=seed)
    train, val, test = ds.split((0.8, 0.1, 0.1), seed=seed)
    model, history = train_classifier(train, val, views=views, config=RUN_CONFIG.cnn,
                                      epochs=epochs or RUN_CONFIG.epochs, batch_size=RUN_CONFIG.batch_size,
                                      patience=RUN_CONFIG.patience, seed=seed)
    proba = predict_proba(model, test)
    if out is not None:
        save_model(model, out)
    return {"model": model, "history": history, "metrics": classification_metrics(test.label, proba),
            "test": test, "proba": proba, "seconds": _time.perf_counter() - t0}


def koi_tces(n: int | None = None, seed: int = 0, loader: Any = None):
    """Real labelled TCEs (full mode): CONFIRMED vs FALSE POSITIVE KOIs of the DR25 table, views from MAST light curves.

    The KOI table comes from the manifest (``kepler_koi_cumulative``, verified); the light curves
    are downloaded with lightkurve (Kepler quarters 1-8, ~3 MB per star, cached) unless ``loader``
    gives them. See :mod:`coursekit.transits.koi`. Returns a :class:`TransitDataset`.
    """
    from coursekit.data import fetch
    from coursekit.transits.koi import koi_dataset, read_koi_table, select_kois

    table = read_koi_table(fetch("kepler_koi_cumulative")[0])
    return koi_dataset(select_kois(table, n or RUN_CONFIG.n_real_kois, seed=seed), loader=loader)


def kepler90_lightcurve(seed: int = 0):
    """Kepler-90's light curve: the real quarters when available, else a simulated stand-in.

    Order of preference: the shared real samples (``shared_real_dir()``), the manifest's
    ``kepler90_lightcurves`` in full mode (downloaded and verified by ``fetch``), and in
    reduced mode without the samples a simulated light curve with Kepler-90's ephemerides
    (:func:`~coursekit.transits.simulate.simulate_kepler90_like`). Returns ``(LightCurve, source)``.
    """
    from coursekit.config import get_mode
    from coursekit.data import fetch, shared_real_dir
    from coursekit.transits.io import read_kepler_lightcurves

    shared = shared_real_dir()
    folder = shared / "kepler_lightcurves" / "kepler90_KIC11442793" if shared is not None else None
    if folder is not None and folder.is_dir():
        return read_kepler_lightcurves(folder), "real Kepler Q3-Q5 (shared samples)"
    if get_mode() == "full":
        return read_kepler_lightcurves(fetch("kepler90_lightcurves")), "real Kepler Q3-Q5 (downloaded)"
    from coursekit.transits.simulate import simulate_kepler90_like

    return simulate_kepler90_like(seed=seed), "simulated stand-in with Kepler-90's ephemerides"


def compare_on_test(test: Any, scores: dict[str, np.ndarray], thresholds: dict[str, float] | None = None):
    """Metrics, ROC and PR curves of several scores on one test set: ``{name: {...}}``."""
    from coursekit.transits.evaluate import classification_metrics, pr_curve, roc_curve

    thresholds = thresholds or {}
    out = {}
    for name, s in scores.items():
        m = classification_metrics(test.label, s, thresholds.get(name, 0.5))
        out[name] = {"metrics": m, "roc": roc_curve(test.label, s), "pr": pr_curve(test.label, s)}
    return out
