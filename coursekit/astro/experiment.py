"""The lesson's steps (notebook 08), each callable alone and returning a typed result, and ``run(mode)``.

1. :func:`locate_cluster`: detect the stars of a real plate (the DSS plate of M67 by default) and find their
   densest concentration; its offset from the catalogued centre, with a bootstrap error.
2. :func:`simulate_data`: labelled stamps and catalogue measurements from simulated training and held-out fields
   (the real plates have no star/galaxy truth).
3. :func:`detection_scan`: completeness and false detections against the detection threshold on a held-out field.
4. :func:`fit_baselines`: the concentration cut and the random forest (:mod:`coursekit.astro.baseline`).
5. :func:`train`: the star/galaxy CNN (:mod:`coursekit.astro.model`).
6. :func:`evaluate`: accuracies above the stated limit with binomial errors, ML minus baseline with a paired
   bootstrap, and accuracy in magnitude bins (where, if anywhere, the CNN starts to beat the cut).
7. :func:`neighbour_effect`: the CNN trained on stamps whose neighbours are masked by the deblended segmentation
   against one trained on the raw stamps, on the same held-out sources, with and without a neighbour in the stamp.

``python -m coursekit astro run`` and the bench call the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from astropy import units as u
from astropy.coordinates import SkyCoord

from coursekit.astro.config import AstroConfig, get_config
from coursekit.astro.model import LabelledSample, StarGalaxyCNN, predict_proba, simulated_samples, train_cnn
from coursekit.astro.simulate import FieldSpec
from coursekit.metrics import Measurement

#: Seeds of the simulated fields: training fields 100, 101, ...; held-out fields 1000, 2001, 2002, ...
TRAIN_SEED0 = 100
TEST_SEEDS = (1000, 2001, 2002, 2003, 2004, 2005)


def field_spec(config: AstroConfig) -> FieldSpec:
    """The :class:`FieldSpec` of the simulated fields of ``config``."""
    return FieldSpec(shape=config.field_shape, n_stars=config.n_stars, n_galaxies=config.n_galaxies)


# --------------------------------------------------------------------------- 1. a real plate

@dataclass
class ClusterResult:
    """``plate`` (:class:`~coursekit.astro.data.Plate`), ``detection``, ``location``
    (:class:`~coursekit.astro.baseline.Location`) and ``offset`` (Measurement, arcmin)."""

    plate: object
    detection: object
    location: object
    offset: Measurement


def locate_cluster(plate=None, target: SkyCoord | None = None, *, mode: str | None = None, fwhm: float = 3.0,
                   n_sigma: float = 5.0, smoothing: u.Quantity = 1.5 * u.arcmin, n_boot: int = 50) -> ClusterResult:
    """Detect the stars of ``plate`` (default: :func:`~coursekit.astro.data.load_dss_m67`) and find their densest
    concentration; ``target`` defaults to M67's catalogued centre."""
    from coursekit.astro.baseline import locate_on_plate
    from coursekit.astro.data import M67_CENTER, load_dss_m67

    plate = load_dss_m67(mode) if plate is None else plate
    target = M67_CENTER if target is None else target
    loc, det = locate_on_plate(plate, target, method="cluster", fwhm=fwhm, n_sigma=n_sigma, smoothing=smoothing,
                               n_boot=n_boot)
    return ClusterResult(plate, det, loc, loc.measurement())


# --------------------------------------------------------------------------- 2. simulated, labelled data

@dataclass
class SimulatedData:
    """``train`` and ``test`` :class:`~coursekit.astro.model.LabelledSample` s and the ``spec`` of the fields."""

    train: LabelledSample
    test: LabelledSample
    spec: FieldSpec
    train_seeds: tuple[int, ...]
    test_seeds: tuple[int, ...]


def simulate_data(config: AstroConfig | None = None, *, mode: str | None = None, spec: FieldSpec | None = None,
                  train_seeds=None, test_seeds=None) -> SimulatedData:
    """Detect, match and cut stamps on ``config.n_train_fields`` training and ``config.n_test_fields`` held-out
    simulated fields."""
    cfg = config or get_config(mode)
    spec = spec or field_spec(cfg)
    train_seeds = tuple(range(TRAIN_SEED0, TRAIN_SEED0 + cfg.n_train_fields)) if train_seeds is None else tuple(train_seeds)
    test_seeds = TEST_SEEDS[:cfg.n_test_fields] if test_seeds is None else tuple(test_seeds)
    if set(train_seeds) & set(test_seeds):
        raise ValueError(f"training and held-out fields share seeds {sorted(set(train_seeds) & set(test_seeds))}")
    train = simulated_samples(train_seeds, spec, cfg.stamp_size)
    test = simulated_samples(test_seeds, spec, cfg.stamp_size)
    return SimulatedData(train, test, spec, train_seeds, test_seeds)


# --------------------------------------------------------------------------- 3. detection threshold

@dataclass
class ThresholdPoint:
    """One detection threshold: ``completeness`` (all injected sources and above the limit), ``false`` (detections
    with no injected source within 1 arcsec, with a Poisson error), ``n_detected``, ``rms_px``."""

    n_sigma: float
    completeness_all: Measurement
    completeness_bright: Measurement
    false_detections: Measurement
    n_detected: int
    rms_px: float


def detection_scan(n_sigmas=(1.0, 1.5, 3.0, 5.0), *, field=None, config: AstroConfig | None = None,
                   seed: int = TEST_SEEDS[0], max_sep: u.Quantity = 1.0 * u.arcsec) -> list[ThresholdPoint]:
    """Detect the same simulated field at each threshold (in background-RMS units of the convolved image)."""
    from coursekit.astro.detect import cross_match, detect, table_coords
    from coursekit.astro.metrics import completeness, false_detections, match_summary
    from coursekit.astro.simulate import simulate_field

    if field is None:
        field = simulate_field(seed=seed, spec=field_spec(config or get_config()))
    out = []
    ref = table_coords(field.truth)
    for ns in n_sigmas:
        det = detect(field.data, field.wcs, fwhm=field.spec.psf_fwhm, n_sigma=float(ns))
        m = cross_match(ref, table_coords(det.catalog), max_sep)
        s = match_summary(field.truth, det.catalog, m, field.wcs, field.spec.mag_limit)
        n_false = false_detections(m, len(det.catalog))
        out.append(ThresholdPoint(float(ns), completeness(field.truth, m, np.inf),
                                  completeness(field.truth, m, field.spec.mag_limit),
                                  Measurement(n_false, max(np.sqrt(n_false), 1.0)), len(det.catalog), s["rms_px"]))
    return out


# --------------------------------------------------------------------------- 4. baselines

@dataclass
class Baselines:
    """``concentration_threshold`` (fitted on the training set), ``p_rf`` (random forest P(galaxy) on the test
    set) and ``pred_concentration`` (bool, galaxy, on the test set)."""

    concentration_threshold: float
    p_rf: np.ndarray
    pred_concentration: np.ndarray
    forest: object = None


def fit_baselines(data: SimulatedData, *, seed: int = 0) -> Baselines:
    from coursekit.astro.baseline import concentration_predict, fit_concentration_cut, random_forest_baseline

    thr = fit_concentration_cut(data.train.table, data.train.table["is_galaxy"])
    p_rf, rf = random_forest_baseline(data.train.table, data.test.table, seed=seed)
    return Baselines(thr, p_rf, concentration_predict(data.test.table, thr), rf)


# --------------------------------------------------------------------------- 5. the CNN

@dataclass
class Trained:
    """The trained CNN, its training ``history``, the catalogue ``features`` it takes and their ``feature_stats``,
    and whether its stamps have their neighbours masked (``mask_neighbours``)."""

    model: StarGalaxyCNN
    history: object
    features: tuple[str, ...] = ()
    feature_stats: tuple | None = None
    mask_neighbours: bool = True


def train(data: SimulatedData, config: AstroConfig | None = None, *, val_fraction: float = 0.2, seed: int = 0,
          progress: bool | None = None, mask_neighbours: bool = True) -> Trained:
    """Train :class:`~coursekit.astro.model.StarGalaxyCNN` on the training stamps (``val_fraction`` held back for
    early stopping).

    ``mask_neighbours``: blank the stamp pixels that the deblended segmentation gives to other sources (default);
    ``False`` shows the network the raw stamps, neighbours and all (for the comparison in notebook 08)."""
    cfg = config or get_config()
    ds = data.train.dataset(features=cfg.cnn_features, mask_neighbours=mask_neighbours)
    idx = np.random.default_rng(seed).permutation(len(ds))
    n_val = max(1, int(round(val_fraction * len(ds))))
    tr = torch.utils.data.Subset(ds, idx[n_val:].tolist())
    va = torch.utils.data.Subset(ds, idx[:n_val].tolist())
    model, hist = train_cnn(tr, va, epochs=cfg.epochs, batch_size=cfg.batch_size, seed=seed, progress=progress)
    return Trained(model, hist, tuple(cfg.cnn_features), ds.feature_stats, mask_neighbours)


# --------------------------------------------------------------------------- 6. evaluation

@dataclass
class Evaluation:
    """Accuracies on the held-out sources brighter than ``mag_limit`` (binomial errors), ML minus baseline
    (paired bootstrap), and per magnitude bin (``bins`` edges; ``by_mag[name]`` a list of Measurements)."""

    mag_limit: float
    accuracy: dict[str, Measurement]
    cnn_minus: dict[str, Measurement]
    bins: np.ndarray
    by_mag: dict[str, list[Measurement]]
    faint_difference: Measurement
    p_cnn: np.ndarray
    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    n_test_bright: int = 0


def predict_cnn(trained: Trained, sample: LabelledSample) -> np.ndarray:
    """P(galaxy) of the trained CNN on a labelled sample."""
    return predict_proba(trained.model, sample.dataset(features=trained.features, feature_stats=trained.feature_stats,
                                                       mask_neighbours=trained.mask_neighbours))


def evaluate(data: SimulatedData, trained: Trained, baselines: Baselines, *, n_boot: int = 300, seed: int = 0,
             bins=(16.5, 19.0, 20.5, 22.5)) -> Evaluation:
    """Score the CNN and both baselines on the same held-out sources."""
    from coursekit.astro.metrics import accuracy, paired_accuracy_difference, proportion

    t = data.test.table
    y = np.asarray(t["is_galaxy"], bool)
    mag = np.asarray(t["mag_true"], float)
    lim = data.spec.mag_limit
    p_cnn = predict_cnn(trained, data.test)
    preds = {"CNN": p_cnn > 0.5, "random forest": baselines.p_rf > 0.5,
             "concentration cut": np.asarray(baselines.pred_concentration, bool)}
    bright = mag <= lim
    acc = {k: accuracy(v[bright], y[bright]) for k, v in preds.items()}
    minus = {k: paired_accuracy_difference(y[bright], preds["CNN"][bright], preds[k][bright], n_boot=n_boot, seed=seed)
             for k in ("random forest", "concentration cut")}
    edges = np.asarray(bins, float)
    by_mag = {}
    for k, v in preds.items():
        row = []
        for lo, hi in zip(edges[:-1], edges[1:]):
            sel = (mag > lo) & (mag <= hi)
            row.append(proportion(int((v[sel] == y[sel]).sum()), int(sel.sum())))
        by_mag[k] = row
    faint = mag > lim
    faint_diff = (paired_accuracy_difference(y[faint], preds["CNN"][faint], preds["concentration cut"][faint],
                                             n_boot=n_boot, seed=seed) if faint.sum() >= 2 else Measurement(np.nan, 0))
    return Evaluation(lim, acc, minus, edges, by_mag, faint_diff, p_cnn, preds, int(bright.sum()))


@dataclass
class NeighbourEffect:
    """Accuracy of the CNN with neighbour-masked stamps minus the CNN with raw stamps (paired bootstrap), on the
    held-out sources above the limit: ``with_neighbour`` (``n_with`` sources whose stamp holds pixels of another
    segment), ``without_neighbour`` (``n_without``) and ``all``; ``accuracy_masked``/``accuracy_raw`` on the
    sources with a neighbour (binomial errors)."""

    n_with: int
    n_without: int
    with_neighbour: Measurement
    without_neighbour: Measurement
    all: Measurement
    accuracy_masked: Measurement
    accuracy_raw: Measurement


def neighbour_effect(data: SimulatedData, masked: Trained, raw: Trained, *, n_boot: int = 300,
                     seed: int = 0) -> NeighbourEffect:
    """What masking the neighbours out of the stamps does to the CNN (``masked`` and ``raw`` from :func:`train`
    with ``mask_neighbours=True`` and ``False``), scored on the same held-out sources above the limit."""
    from coursekit.astro.metrics import accuracy, paired_accuracy_difference

    if not masked.mask_neighbours or raw.mask_neighbours:
        raise ValueError("pass the CNN trained with mask_neighbours=True first, then the one trained with False")
    t = data.test.table
    y = np.asarray(t["is_galaxy"], bool)
    bright = np.asarray(t["mag_true"], float) <= data.spec.mag_limit
    crowded = np.asarray(t["n_neighbour_px"]) > 0
    pm, pr = predict_cnn(masked, data.test) > 0.5, predict_cnn(raw, data.test) > 0.5

    def diff(sel):
        if sel.sum() < 2:
            return Measurement(float("nan"), 0.0)
        return paired_accuracy_difference(y[sel], pm[sel], pr[sel], n_boot=n_boot, seed=seed)

    w, wo = bright & crowded, bright & ~crowded
    return NeighbourEffect(int(w.sum()), int(wo.sum()), diff(w), diff(wo), diff(bright),
                           accuracy(pm[w], y[w]), accuracy(pr[w], y[w]))


# --------------------------------------------------------------------------- the whole lesson

def run(mode: str | None = None, *, progress: bool | None = False):
    """All steps in order; returns a :class:`coursekit.experiment.Report`."""
    from coursekit.astro.data import load_dss_m67
    from coursekit.config import get_mode, seed_everything
    from coursekit.data import resolve
    from coursekit.experiment import Report

    mode = get_mode(mode)
    cfg = get_config(mode)
    seed_everything(0)
    report = Report(topic="astro", mode=mode)
    with report.step("real plate"):
        plate = load_dss_m67(mode, verbose=False)  # stdout stays strict JSON under --json: the line goes in notes
        cluster = locate_cluster(plate)
        report.record_data("dss_m67_image", resolve("dss_m67_image", mode=mode, verbose=False))
    report.notes.append(plate.message)
    report.add_metric("M67 density peak offset", cluster.offset)
    report.notes.append(f"M67 plate: {cluster.plate.tier} tier, {cluster.location.n_sources} sources detected")
    with report.step("data"):
        data = simulate_data(cfg)
    report.tiers["simulated fields"] = "stand-in"
    with report.step("detection"):
        scan = detection_scan((1.5,), config=cfg)
    report.add_metric("completeness above the limit (1.5 sigma)", scan[0].completeness_bright)
    report.add_metric("false detections (1.5 sigma)", scan[0].false_detections)
    with report.step("baseline"):
        base = fit_baselines(data)
    with report.step("train"):
        trained = train(data, cfg, progress=progress)
    with report.step("evaluate"):
        ev = evaluate(data, trained, base, n_boot=cfg.n_boot)
    for k, v in ev.accuracy.items():
        report.add_metric(f"accuracy above m={ev.mag_limit} ({k})", v)
    for k in ("random forest", "concentration cut"):
        report.add_comparison(ml="CNN", baseline=k, metric=f"accuracy above m={ev.mag_limit}",
                              ml_value=ev.accuracy["CNN"], baseline_value=ev.accuracy[k], diff=ev.cnn_minus[k])
    report.add_metric(f"CNN - concentration cut, accuracy below m={ev.mag_limit}", ev.faint_difference)
    with report.step("neighbours"):
        raw = train(data, cfg, progress=progress, mask_neighbours=False)
        ne = neighbour_effect(data, trained, raw, n_boot=cfg.n_boot)
    report.add_comparison(ml="CNN, neighbours masked", baseline="CNN, raw stamps",
                          metric=f"accuracy above m={ev.mag_limit}, a neighbour in the stamp",
                          ml_value=ne.accuracy_masked, baseline_value=ne.accuracy_raw, diff=ne.with_neighbour)
    report.add_metric("CNN masked - raw stamps, all sources above the limit", ne.all)
    return report
