"""The end-to-end runs used by notebook 08, the ``astro`` benchmark and the CLI.

* :func:`image_path`: where a manifest image lives (full mode: downloaded and verified;
  reduced mode: the real sample beside the course checkout, if present).
* :func:`star_galaxy_experiment`: train the CNN on stamps from simulated training fields
  and compare it, on a held-out field, with the concentration cut and the random forest.
* :func:`m67_analysis`: detect the stars on the DSS plate and find their densest concentration.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from astropy import units as u
from astropy.coordinates import SkyCoord

from coursekit.astro import AstroConfig, get_config
from coursekit.astro.model import (
    LabelledSample,
    StarGalaxyCNN,
    accuracy_above,
    fit_concentration_cut,
    predict_proba,
    random_forest_baseline,
    simulated_samples,
    train_cnn,
)
from coursekit.astro.simulate import FieldSpec

#: Where the real samples sit inside ``shared_real_dir()`` (present only in the course repository).
SHARED_FILES = {
    "dss_m67_image": "fits_images_wcs/M6707HH_DSS_M67.fits",
    "spitzer_glimpse_image": "fits_images_wcs/spitzer_irac_glimpse_l18.fits",
}

#: M67 (NGC 2682) catalogue centre, J2000 (see REFERENCES.md).
M67_CENTER = SkyCoord(132.825 * u.deg, 11.80 * u.deg, frame="fk5")


def image_path(name: str, mode: str | None = None) -> Path | None:
    """Path of the image data set ``name`` (``dss_m67_image`` or ``spitzer_glimpse_image``).

    Full mode downloads and verifies it (``coursekit.data.fetch``; fails fast offline). Reduced mode never
    touches the network: it returns the real sample in ``shared_real_dir()`` when that folder exists, else ``None``.
    """
    from coursekit.config import get_mode
    from coursekit.data import fetch, shared_real_dir

    if name not in SHARED_FILES:
        raise KeyError(f"unknown image {name!r}; known: {sorted(SHARED_FILES)}")
    if get_mode(mode) == "full":
        return fetch(name)[0]
    shared = shared_real_dir()
    if shared is None:
        return None
    path = shared / SHARED_FILES[name]
    return path if path.exists() else None


@dataclass
class StarGalaxyResult:
    """Models, predictions and metrics of :func:`star_galaxy_experiment`."""

    model: StarGalaxyCNN
    history: object
    train: LabelledSample
    test: LabelledSample
    p_cnn: np.ndarray
    p_rf: np.ndarray
    concentration_threshold: float
    metrics: dict[str, float] = field(default_factory=dict)
    features: tuple[str, ...] = ()
    feature_stats: tuple | None = None


def star_galaxy_experiment(config: AstroConfig | None = None, *, train_seeds=None, test_seed: int = 1000,
                           spec: FieldSpec | None = None, val_fraction: float = 0.2, seed: int = 0,
                           progress: bool | None = None, test_sample: LabelledSample | None = None
                           ) -> StarGalaxyResult:
    """Train the CNN on simulated fields and compare it with two classical baselines on a held-out field.

    ``metrics`` holds ``acc_cnn``, ``acc_rf``, ``acc_concentration`` (accuracy above the field's ``mag_limit``),
    the same over all matched detections (``*_all``), the sample sizes and the wall times in seconds.
    ``test_sample``: an already built :func:`~coursekit.astro.model.labelled_sample` of the held-out field
    (then ``test_seed`` is not used).
    """
    cfg = config or get_config()
    spec = spec or FieldSpec(shape=cfg.field_shape, n_stars=cfg.n_stars, n_galaxies=cfg.n_galaxies)
    train_seeds = list(range(100, 100 + cfg.n_train_fields)) if train_seeds is None else list(train_seeds)
    t0 = time.perf_counter()
    train = simulated_samples(train_seeds, spec, cfg.stamp_size)
    test = test_sample if test_sample is not None else simulated_samples([test_seed], spec, cfg.stamp_size)
    if test.stamps.shape[1] != cfg.stamp_size:
        raise ValueError(f"test_sample stamps are {test.stamps.shape[1]} px, the config says {cfg.stamp_size}")
    t_data = time.perf_counter() - t0

    ds = train.dataset(features=cfg.cnn_features)
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(ds))
    n_val = max(1, int(round(val_fraction * len(ds))))
    tr = torch.utils.data.Subset(ds, idx[n_val:].tolist())
    va = torch.utils.data.Subset(ds, idx[:n_val].tolist())
    t0 = time.perf_counter()
    model, hist = train_cnn(tr, va, epochs=cfg.epochs, batch_size=cfg.batch_size, seed=seed, progress=progress)
    t_train = time.perf_counter() - t0
    p_cnn = predict_proba(model, test.dataset(features=cfg.cnn_features, feature_stats=ds.feature_stats))

    t0 = time.perf_counter()
    thr = fit_concentration_cut(train.table, train.table["is_galaxy"])
    p_rf, _ = random_forest_baseline(train.table, test.table, seed=seed)
    t_base = time.perf_counter() - t0

    y = np.asarray(test.table["is_galaxy"])
    mag = np.asarray(test.table["mag_true"])
    lim = spec.mag_limit
    conc = np.asarray(test.table["concentration"]) < thr
    metrics = {
        "mag_limit": lim,
        "n_train": len(train),
        "n_test": len(test),
        "n_test_bright": int((mag <= lim).sum()),
        "acc_cnn": accuracy_above(p_cnn > 0.5, y, mag, lim),
        "acc_rf": accuracy_above(p_rf > 0.5, y, mag, lim),
        "acc_concentration": accuracy_above(conc, y, mag, lim),
        "acc_cnn_all": accuracy_above(p_cnn > 0.5, y, mag, np.inf),
        "acc_rf_all": accuracy_above(p_rf > 0.5, y, mag, np.inf),
        "acc_concentration_all": accuracy_above(conc, y, mag, np.inf),
        "time_data_s": t_data,
        "time_train_s": t_train,
        "time_baselines_s": t_base,
    }
    return StarGalaxyResult(model, hist, train, test, p_cnn, p_rf, thr, metrics, tuple(cfg.cnn_features),
                            ds.feature_stats)


@dataclass
class M67Result:
    """Detections on the DSS plate and their density peak; ``separation`` from the catalogue centre."""

    image: object
    detection: object
    peak: object
    separation: u.Quantity


def m67_analysis(path, *, fwhm: float = 3.0, n_sigma: float = 5.0,
                 smoothing: u.Quantity = 1.5 * u.arcmin) -> M67Result:
    """Detect stars on the DSS M67 plate and locate their densest concentration.

    The plate holds photographic densities, not calibrated fluxes, so fluxes are dimensionless; only
    positions are used. Returns the image, the :class:`~coursekit.astro.detect.Detection`, the
    :class:`~coursekit.astro.cluster.DensityPeak` and its separation from :data:`M67_CENTER`.
    """
    from coursekit.astro.cluster import densest_concentration
    from coursekit.astro.detect import detect, table_coords
    from coursekit.astro.fitsio import read_image

    img = read_image(path)
    det = detect(img.data, img.wcs, fwhm=fwhm, n_sigma=n_sigma, unit=u.dimensionless_unscaled)
    peak = densest_concentration(table_coords(det.catalog, frame=img.frame), smoothing=smoothing)
    return M67Result(img, det, peak, peak.center.separation(M67_CENTER).to(u.arcmin))
