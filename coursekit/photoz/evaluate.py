"""Run-size configs and the side-by-side comparison of the MDN with the baselines.

:func:`compare_methods` trains/evaluates every method on the same train/test
split and returns point metrics (NMAD, sigma_MAD, bias, outliers), p(z)
metrics (CRPS, PIT KS, coverage) where a method gives p(z), the predictions
and wall times. The notebook, the benchmark and the CLI all call it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from coursekit.photoz.mdn import MDNConfig, default_z_grid
from coursekit.photoz.simulate import PhotometryCatalog

METHODS = ("mdn", "knn", "rf", "template", "template_bpz")


@dataclass(frozen=True)
class PhotozRunConfig:
    """One run size: synthetic sample size, MDN schedule and baseline settings."""

    n_galaxies: int = 15000
    train_fraction: float = 0.8
    r_limit: float = 21.5
    mdn: MDNConfig = MDNConfig(hidden=(64, 64, 64), epochs=25, patience=6)
    mdn_errors: bool = True  # feed log magnitude errors to the MDN as well
    knn_k: int = 30
    rf_trees: int = 50
    template_n_interp: int = 1
    max_template_objects: int | None = 1500  # template fitting on a random subset of the test set
    n_jobs: int = 1  # scikit-learn workers for the random forest (-1: all cores)
    seed: int = 0


#: Laptop-sized: ~15k synthetic galaxies, a small MDN trained for <= 25 epochs.
REDUCED = PhotozRunConfig()
#: Full size: 200k synthetic galaxies (or the real BOSS sample), a bigger MDN trained to convergence.
FULL = PhotozRunConfig(
    n_galaxies=200_000,
    mdn=MDNConfig(hidden=(128, 128, 128), epochs=150, patience=12),
    rf_trees=200,
    template_n_interp=2,
    max_template_objects=None,
    n_jobs=-1,
)
#: The BOSS DR10 benchmark (real data): nine magnitude+colour features, the reference RF/kNN settings.
BOSS = PhotozRunConfig(
    mdn=MDNConfig(hidden=(128, 128, 128), epochs=40, patience=8),
    mdn_errors=False,
    rf_trees=200,
    max_template_objects=None,
)


def run_config(mode: str | None = None) -> PhotozRunConfig:
    """The config for the current run mode (``COURSEKIT_MODE``)."""
    from coursekit.config import sized

    return sized(REDUCED, FULL, mode)


@dataclass
class Comparison:
    """What :func:`compare_methods` returns."""

    z_grid: np.ndarray
    z_spec: np.ndarray
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    z_phot: dict[str, np.ndarray] = field(default_factory=dict)
    pdfs: dict[str, np.ndarray] = field(default_factory=dict)
    subsets: dict[str, np.ndarray] = field(default_factory=dict)  # test rows a method was run on
    seconds: dict[str, float] = field(default_factory=dict)
    models: dict[str, object] = field(default_factory=dict)

    def table(self, digits: int = 4) -> str:
        """A plain-text table of the metrics, one row per method."""
        cols = ["nmad", "sigma_mad", "bias", "outlier_fraction", "crps", "pit_ks", "coverage_68", "coverage_95"]
        lines = [f"{'method':<14}" + "".join(f"{c:>17}" for c in cols) + f"{'time_s':>9}"]
        for name, m in self.metrics.items():
            vals = "".join(f"{m[c]:>17.{digits}f}" if c in m else f"{'-':>17}" for c in cols)
            lines.append(f"{name:<14}{vals}{self.seconds.get(name, float('nan')):>9.1f}")
        return "\n".join(lines)


def compare_methods(
    train: PhotometryCatalog,
    test: PhotometryCatalog,
    *,
    config: PhotozRunConfig = REDUCED,
    methods: tuple[str, ...] = METHODS,
    z_grid: np.ndarray | None = None,
    progress: bool | None = None,
) -> Comparison:
    """Train and evaluate ``methods`` (subset of :data:`METHODS`) on one split.

    kNN and the random forest use the nine magnitude+colour features; the MDN
    those plus (``config.mdn_errors``) the log magnitude errors. Template
    fitting needs no training and runs on at most ``config.max_template_objects``
    test galaxies (a fixed random subset, metrics on that subset).
    """
    from coursekit.photoz import metrics as M
    from coursekit.photoz.data import features

    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown method(s) {sorted(unknown)}; choose from {METHODS}")
    grid = default_z_grid(max(1.6, float(np.max(test.z)) + 0.1)) if z_grid is None else np.asarray(z_grid)
    out = Comparison(z_grid=grid, z_spec=test.z)
    X9_tr, X9_te = features(train), features(test)

    def record(name, zp, pdf=None, rows=None):
        zs = test.z if rows is None else test.z[rows]
        out.z_phot[name] = zp
        out.metrics[name] = M.point_metrics(zp, zs)
        if pdf is not None:
            out.pdfs[name] = pdf
            out.metrics[name].update(M.pdf_metrics(grid, pdf, zs))
        if rows is not None:
            out.subsets[name] = rows

    if "mdn" in methods:
        from coursekit.photoz.mdn import MDNPhotoZ

        t0 = time.perf_counter()
        Xtr = features(train, errors=config.mdn_errors)
        Xte = features(test, errors=config.mdn_errors)
        model = MDNPhotoZ(replace(config.mdn, seed=config.seed)).fit(Xtr, train.z, progress=progress)
        pdf = model.predict_pdf(Xte, grid)
        zp = model.predict(Xte, grid, "median")
        out.seconds["mdn"] = time.perf_counter() - t0
        out.models["mdn"] = model
        record("mdn", zp, pdf)
    if "knn" in methods:
        from coursekit.photoz.baselines import KNNPhotoZ

        t0 = time.perf_counter()
        knn = KNNPhotoZ(config.knn_k).fit(X9_tr, train.z)
        record("knn", knn.predict(X9_te), knn.predict_pdf(X9_te, grid))
        out.seconds["knn"] = time.perf_counter() - t0
    if "rf" in methods:
        from coursekit.photoz.baselines import ForestPhotoZ

        t0 = time.perf_counter()
        rf = ForestPhotoZ(n_estimators=config.rf_trees, seed=config.seed, n_jobs=config.n_jobs).fit(X9_tr, train.z)
        record("rf", rf.predict(X9_te))
        out.seconds["rf"] = time.perf_counter() - t0
    for name, prior in (("template", None), ("template_bpz", "bpz")):
        if name not in methods:
            continue
        from coursekit.photoz.baselines import TemplateFitter

        t0 = time.perf_counter()
        rows = np.arange(len(test))
        if config.max_template_objects is not None and len(test) > config.max_template_objects:
            rng = np.random.default_rng(config.seed)
            rows = np.sort(rng.choice(len(test), config.max_template_objects, replace=False))
        tf = TemplateFitter(z_grid=grid, n_interp=config.template_n_interp, prior=prior)
        pdf = tf.predict_pdf(test.subset(rows))
        record(name, grid[np.argmax(pdf, axis=1)], pdf, rows)
        out.seconds[name] = time.perf_counter() - t0
    return out


def synthetic_split(config: PhotozRunConfig = REDUCED) -> tuple[PhotometryCatalog, PhotometryCatalog]:
    """Simulate ``config.n_galaxies`` galaxies and split them into (train, test)."""
    from coursekit.photoz.simulate import simulate_galaxies

    cat = simulate_galaxies(config.n_galaxies, seed=config.seed, r_limit=config.r_limit)
    return cat.split(config.train_fraction, seed=config.seed + 1)


def multimodal_indices(z_grid: np.ndarray, pdf: np.ndarray, n: int = 3, min_ratio: float = 0.3,
                       min_separation: float = 0.1) -> np.ndarray:
    """Rows of ``pdf`` (n_obj, G) whose second-highest peak is at least ``min_ratio`` of the highest
    and at least ``min_separation`` away in z; the ``n`` most bimodal first."""
    p = np.asarray(pdf)
    grid = np.asarray(z_grid)
    is_peak = np.zeros_like(p, dtype=bool)
    is_peak[:, 1:-1] = (p[:, 1:-1] > p[:, :-2]) & (p[:, 1:-1] >= p[:, 2:])
    scores = np.zeros(len(p))
    for i in np.flatnonzero(is_peak.sum(1) >= 2):
        idx = np.flatnonzero(is_peak[i])
        order = idx[np.argsort(p[i, idx])[::-1]]
        main = order[0]
        others = [j for j in order[1:] if abs(grid[j] - grid[main]) >= min_separation]
        if others:
            scores[i] = p[i, others[0]] / p[i, main]
    good = np.flatnonzero(scores >= min_ratio)
    return good[np.argsort(scores[good])[::-1]][:n]
