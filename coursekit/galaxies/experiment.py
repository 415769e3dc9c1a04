"""The lesson's steps, each callable alone and returning a typed result; :func:`run` calls them in order.

Notebook 02 calls one step per section, ``python -m coursekit galaxies run`` calls :func:`run`, and
``python -m coursekit.bench galaxies`` times the same steps. Every comparison is made on the same test
galaxies and carries a paired-bootstrap uncertainty (:func:`coursekit.galaxies.metrics.paired_difference`).

1. :func:`load_real_data`: the real cut-outs (Galaxy Zoo 1 sample; Galaxy10 DECaLS in full mode; the
   simulated stand-in offline) and a stratified train/test split.
2. :func:`real_baseline`: morphology features + random forest on the real training half.
3. :func:`simulate`: simulated training and test galaxies (different seeds).
4. :func:`simulated_baseline`: the same baseline on the simulations.
5. :func:`train_cnn`: ResNet18 on the simulations.
6. :func:`evaluate_cnn`: CNN (with and without rotation TTA) against the forest on simulated test galaxies.
7. :func:`transfer`: a pretrained network (ImageNet where the weights can be had, else the simulation-trained
   one) fine-tuned on the real training half, against the same network from scratch and the forest.
8. :func:`rotation_experiment` and :func:`calibration_experiment`: the two experiments of the exercises.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from coursekit.galaxies.config import Config, TrainConfig, get_config
from coursekit.galaxies.data import Cutouts, load_real, stratified_split
from coursekit.galaxies.simulate import CLASSES
from coursekit.metrics import Measurement

#: Seeds of the simulated training and (unseen) test sets.
TRAIN_SEED, TEST_SEED = 0, 2024


# --------------------------------------------------------------------------- results

@dataclass
class RealData:
    """Real (or stand-in) cut-outs and the indices of their stratified training and test halves."""

    cutouts: Cutouts
    train_idx: np.ndarray
    test_idx: np.ndarray

    @property
    def train(self) -> Cutouts:
        return self.cutouts.subset(self.train_idx)

    @property
    def test(self) -> Cutouts:
        return self.cutouts.subset(self.test_idx)


@dataclass
class SimulatedData:
    """Simulated g/r/z counts (for the features), their colour images (for the CNN) and labels."""

    counts_train: np.ndarray
    rgb_train: np.ndarray
    y_train: np.ndarray
    counts_test: np.ndarray
    rgb_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...] = CLASSES


@dataclass
class BaselineResult:
    """The forest's test-set probabilities (n, C) and accuracy (binomial error)."""

    forest: object
    probs: np.ndarray
    accuracy: Measurement
    seconds: float


@dataclass
class TrainResult:
    """A trained network, its training history and the wall-clock seconds it took."""

    model: object
    history: object
    seconds: float


@dataclass
class CNNEvaluation:
    """CNN vs forest on the simulated test galaxies: probabilities, accuracies and paired differences."""

    probs: np.ndarray
    probs_tta: np.ndarray
    accuracy: Measurement
    accuracy_tta: Measurement
    tta_gain: Measurement
    cnn_minus_forest: Measurement
    seconds_predict: float
    seconds_predict_tta: float


@dataclass
class TransferResult:
    """Pretrained-and-fine-tuned vs from-scratch vs forest on the real test half."""

    source: str
    probs_transfer: np.ndarray
    probs_scratch: np.ndarray
    probs_zero_shot: np.ndarray | None
    accuracy_transfer: Measurement
    accuracy_scratch: Measurement
    accuracy_zero_shot: Measurement | None
    gain: Measurement
    transfer_minus_forest: Measurement
    model: object
    seconds: float


@dataclass
class RotationResult:
    """A network trained on aligned galaxies with or without random rotations, tested on aligned galaxies and on
    the same galaxies turned by a quarter turn."""

    rotate: bool
    probs_aligned: np.ndarray
    probs_rotated: np.ndarray
    labels: np.ndarray
    accuracy_aligned: Measurement
    accuracy_rotated: Measurement
    seconds: float


@dataclass
class CalibrationResult:
    """A single network against its MC-dropout average on calibration (ECE) and accuracy."""

    probs_single: np.ndarray
    probs_mc: np.ndarray
    labels: np.ndarray
    ece_single: Measurement
    ece_mc: Measurement
    ece_change: Measurement
    accuracy_change: Measurement


# --------------------------------------------------------------------------- steps

def load_real_data(cfg: Config | None = None, mode: str | None = None) -> RealData:
    """Step 1: the real cut-outs of the current mode (prints the data tier line) and a stratified split."""
    cfg = cfg or get_config(mode)
    cut = load_real(cfg, mode)
    train_idx, test_idx = stratified_split(cut.labels, cfg.real_fraction, seed=cfg.seed)
    return RealData(cut, train_idx, test_idx)


def _baseline(images_train, y_train, images_test, y_test, n_classes, cfg: Config) -> BaselineResult:
    from coursekit.galaxies.baseline import forest_proba, morphology_features, train_forest
    from coursekit.galaxies.metrics import accuracy_measurement
    from coursekit.training import release_memory

    t0 = time.perf_counter()
    forest = train_forest(morphology_features(images_train), y_train, n_estimators=cfg.forest_trees, seed=cfg.seed)
    probs = forest_proba(forest, morphology_features(images_test), n_classes)
    release_memory()  # the feature code's work arrays
    return BaselineResult(forest, probs, accuracy_measurement(probs, y_test), time.perf_counter() - t0)


def real_baseline(real: RealData, cfg: Config | None = None) -> BaselineResult:
    """Step 2: morphology features + random forest, trained on the real training half, scored on the test half."""
    cfg = cfg or get_config()
    tr, te = real.train, real.test
    return _baseline(tr.images, tr.labels, te.images, te.labels, len(real.cutouts.classes), cfg)


def simulate(cfg: Config | None = None) -> SimulatedData:
    """Step 3: ``cfg.n_train`` training and ``cfg.n_test`` test galaxies (seeds :data:`TRAIN_SEED`, :data:`TEST_SEED`)."""
    from coursekit.galaxies.simulate import flux_to_rgb, simulate_galaxies
    from coursekit.training import release_memory

    cfg = cfg or get_config()
    x_train, y_train = simulate_galaxies(cfg.n_train, size=cfg.size, seed=TRAIN_SEED)
    x_test, y_test = simulate_galaxies(cfg.n_test, size=cfg.size, seed=TEST_SEED)
    release_memory()  # the simulator's work arrays
    return SimulatedData(x_train, flux_to_rgb(x_train), y_train, x_test, flux_to_rgb(x_test), y_test)


def simulated_baseline(sim: SimulatedData, cfg: Config | None = None) -> BaselineResult:
    """Step 4: the forest on features measured from the simulated counts (sky-subtracted g, r, z)."""
    cfg = cfg or get_config()
    return _baseline(sim.counts_train, sim.y_train, sim.counts_test, sim.y_test, len(sim.classes), cfg)


def train_cnn(sim: SimulatedData, cfg: Config | None = None, train: TrainConfig | None = None, *,
              progress: bool | None = None) -> TrainResult:
    """Step 5: ResNet18 trained on the simulated colour images with ``train`` (default ``cfg.train``)."""
    from coursekit.galaxies.model import train_classifier

    cfg = cfg or get_config()
    t0 = time.perf_counter()
    model, history = train_classifier(sim.rgb_train, sim.y_train, sim.classes, train or cfg.train,
                                      progress=progress, desc="ResNet18 (simulations)")
    return TrainResult(model, history, time.perf_counter() - t0)


def evaluate_cnn(trained: TrainResult, sim: SimulatedData, baseline: BaselineResult,
                 cfg: Config | None = None) -> CNNEvaluation:
    """Step 6: CNN with and without rotation TTA against the forest, on the same simulated test galaxies."""
    from coursekit.galaxies.metrics import accuracy_measurement, paired_difference
    from coursekit.galaxies.model import predict

    cfg = cfg or get_config()
    t0 = time.perf_counter()
    p = predict(trained.model, sim.rgb_test)
    t1 = time.perf_counter()
    p_tta = predict(trained.model, sim.rgb_test, tta=cfg.tta)
    t2 = time.perf_counter()
    y = sim.y_test
    best = p_tta if np.mean(p_tta.argmax(1) == y) >= np.mean(p.argmax(1) == y) else p
    return CNNEvaluation(
        p, p_tta, accuracy_measurement(p, y), accuracy_measurement(p_tta, y),
        paired_difference(y, p_tta, p, n_boot=cfg.n_boot, seed=cfg.seed),
        paired_difference(y, best, baseline.probs, n_boot=cfg.n_boot, seed=cfg.seed),
        t1 - t0, t2 - t1,
    )


def pretrained_source(trained: TrainResult | None, cfg: Config | None = None, *, use_imagenet: bool | None = None):
    """The network transfer starts from, and its name: ImageNet ResNet18 when its weights are cached or can be
    downloaded, else the simulation-trained network (``trained``). Prints one line saying which."""
    from coursekit.galaxies.model import build_model, imagenet_weights_available

    if use_imagenet is None:
        use_imagenet = imagenet_weights_available()
    if use_imagenet:
        print("transfer: starting from ImageNet ResNet18 weights (torchvision's IMAGENET1K_V1)")
        return build_model(2, pretrained=True), "ImageNet ResNet18"  # its head is replaced by transfer()
    if trained is None:
        raise ValueError("no ImageNet weights here and no simulation-trained network given: run train_cnn first")
    print("transfer: ImageNet weights are not available here (offline, not cached), so the network pretrained on "
          "our simulated galaxies is the starting point")
    return trained.model, "ResNet18 pretrained on simulated galaxies"


def _zero_shot(model, real: RealData, cfg: Config) -> np.ndarray | None:
    """The simulation-trained network's probabilities on the real test half, in the real classes' order
    (its irregular class is summed into nothing: a galaxy called irregular counts as wrong)."""
    from coursekit.galaxies.model import predict

    names = tuple(getattr(model, "classes", ()))
    if not set(real.cutouts.classes) <= set(names):
        return None
    p = predict(model, real.test.images, tta=cfg.tta)
    cols = [names.index(c) for c in real.cutouts.classes]
    out = np.zeros((len(p), len(cols) + 1))
    out[:, :-1] = p[:, cols]
    out[:, -1] = 1 - out[:, :-1].sum(1)  # any other simulated class: never right
    return out


def transfer(real: RealData, source, cfg: Config | None = None, baseline: BaselineResult | None = None, *,
             source_name: str = "pretrained ResNet18", progress: bool | None = None) -> TransferResult:
    """Step 7: fine-tune ``source`` on the real training half (new head, early layers frozen, AdamW + cosine +
    label smoothing) and train the same architecture from random weights on the same images; score both (and,
    when the classes match, ``source`` used as it is) on the real test half."""
    from coursekit.galaxies.metrics import accuracy_measurement, paired_difference
    from coursekit.galaxies.model import fine_tune, predict, train_classifier

    cfg = cfg or get_config()
    t0 = time.perf_counter()
    tr, te = real.train, real.test
    classes = real.cutouts.classes
    # one network in training at a time (peak memory): scratch first, scored and dropped, then the fine-tuned one
    scratch, _ = train_classifier(tr.images, tr.labels, classes, cfg.scratch, progress=progress,
                                  desc="from scratch")
    p_s = predict(scratch, te.images, tta=cfg.tta)
    del scratch
    tuned, _ = fine_tune(source, tr.images, tr.labels, classes, cfg.transfer, progress=progress,
                         desc="fine-tune (pretrained)")
    p_t = predict(tuned, te.images, tta=cfg.tta)
    p_z = _zero_shot(source, real, cfg)
    y = te.labels
    zero = None
    if p_z is not None:
        zero = accuracy_measurement(p_z, y)
    vs_forest = (paired_difference(y, p_t, baseline.probs, n_boot=cfg.n_boot, seed=cfg.seed)
                 if baseline is not None else Measurement(float("nan"), float("nan")))
    return TransferResult(source_name, p_t, p_s, p_z, accuracy_measurement(p_t, y), accuracy_measurement(p_s, y), zero,
                          paired_difference(y, p_t, p_s, n_boot=cfg.n_boot, seed=cfg.seed), vs_forest, tuned,
                          time.perf_counter() - t0)


def rotation_experiment(cfg: Config | None = None, *, rotate: bool = True, progress: bool | None = None
                        ) -> RotationResult:
    """What random rotations in training buy. A small network (``cfg.experiment_train``: the compact CNN in reduced
    mode, a ResNet18 in full mode) is trained on ``cfg.experiment_n`` simulated
    galaxies that all point the same way (``position_angle=0``: an artificially aligned training set), with
    (``rotate=True``) or without random rotations in its augmentation, then tested on aligned galaxies and on the
    same galaxies turned by 90 degrees (exactly, ``rot90``; the same galaxies for every run of this experiment)."""
    from coursekit.galaxies.metrics import accuracy_measurement
    from coursekit.galaxies.model import predict, train_classifier
    from coursekit.galaxies.simulate import simulate_rgb

    cfg = cfg or get_config()
    t0 = time.perf_counter()
    n, size = cfg.experiment_n, cfg.experiment_size
    x, y = simulate_rgb(n, size=size, seed=TRAIN_SEED + 1, position_angle=0.0)
    x_al, y_al = simulate_rgb(2 * n, size=size, seed=TEST_SEED + 1, position_angle=0.0)
    model, _ = train_classifier(x, y, CLASSES, replace(cfg.experiment_train, rotate=rotate), progress=progress,
                                desc=f"{cfg.experiment_train.arch} {'with' if rotate else 'without'} rotations")
    p_al = predict(model, x_al)
    p_rot = predict(model, np.ascontiguousarray(np.rot90(x_al, 1, axes=(-2, -1))))
    return RotationResult(rotate, p_al, p_rot, y_al, accuracy_measurement(p_al, y_al),
                          accuracy_measurement(p_rot, y_al), time.perf_counter() - t0)


def rotation_effect(with_rotations: RotationResult, without_rotations: RotationResult, cfg: Config | None = None
                    ) -> Measurement:
    """Accuracy on the turned test galaxies, trained with rotations minus without (paired bootstrap)."""
    from coursekit.galaxies.metrics import paired_difference

    cfg = cfg or get_config()
    a, b = with_rotations, without_rotations
    if len(a.labels) != len(b.labels) or not np.array_equal(a.labels, b.labels):
        raise ValueError("the two rotation experiments were tested on different galaxies; use the same cfg for both")
    return paired_difference(a.labels, a.probs_rotated, b.probs_rotated, n_boot=cfg.n_boot, seed=cfg.seed)


def calibration_experiment(trained: TrainResult, sim: SimulatedData, cfg: Config | None = None,
                           n_samples: int | None = None, probs_single: np.ndarray | None = None) -> CalibrationResult:
    """The single network against its MC-dropout average (``n_samples`` passes with the head's dropout on):
    ECE of each and the change, with paired-bootstrap uncertainties, on the simulated test galaxies."""
    from coursekit.galaxies.metrics import accuracy, ece_measurement, expected_calibration_error, paired_difference
    from coursekit.galaxies.model import predict, predict_mc_dropout

    cfg = cfg or get_config()
    y = sim.y_test
    p1 = predict(trained.model, sim.rgb_test) if probs_single is None else np.asarray(probs_single)
    pm = predict_mc_dropout(trained.model, sim.rgb_test, n_samples=n_samples or cfg.mc_samples, seed=cfg.seed)
    ece = lambda p, yy: expected_calibration_error(p, yy)  # noqa: E731
    return CalibrationResult(
        p1, pm, y, ece_measurement(p1, y, n_boot=cfg.n_boot // 2), ece_measurement(pm, y, n_boot=cfg.n_boot // 2),
        paired_difference(y, pm, p1, metric=ece, n_boot=cfg.n_boot // 2, seed=cfg.seed),
        paired_difference(y, pm, p1, metric=accuracy, n_boot=cfg.n_boot // 2, seed=cfg.seed),
    )


# --------------------------------------------------------------------------- the whole lesson

def run(mode: str | None = None, *, progress: bool | None = False, experiments: bool = True):
    """All steps in order; returns a :class:`coursekit.experiment.Report` (tiers, metrics, comparisons, timings)."""
    from coursekit.config import get_mode
    from coursekit.experiment import Report

    mode = get_mode(mode)
    cfg = get_config(mode)
    report = Report(topic="galaxies", mode=mode)
    with report.step("real data"):
        real = load_real_data(cfg, mode)
    report.tiers["galaxy10_decals" if mode == "full" else "galaxy_zoo1_cutouts"] = real.cutouts.tier
    report.inputs.extend(str(p) for p in real.cutouts.paths)
    with report.step("real baseline"):
        real_forest = real_baseline(real, cfg)
    with report.step("simulate"):
        sim = simulate(cfg)
    report.tiers["simulated galaxies"] = "stand-in"
    with report.step("simulated baseline"):
        sim_forest = simulated_baseline(sim, cfg)
    with report.step("train"):
        trained = train_cnn(sim, cfg, progress=progress)
    with report.step("evaluate"):
        ev = evaluate_cnn(trained, sim, sim_forest, cfg)
    with report.step("transfer"):
        source, name = pretrained_source(trained, cfg)
        tl = transfer(real, source, cfg, real_forest, source_name=name, progress=progress)
    report.add_metric("simulated: ResNet18 accuracy", ev.accuracy)
    report.add_metric(f"simulated: ResNet18 + TTA({cfg.tta}) accuracy", ev.accuracy_tta)
    report.add_metric("simulated: TTA gain", ev.tta_gain)
    report.add_metric("simulated: forest accuracy", sim_forest.accuracy)
    report.add_comparison(ml="ResNet18 (best of plain/TTA)", baseline="features + random forest",
                          metric="accuracy, simulated test galaxies",
                          ml_value=max(ev.accuracy, ev.accuracy_tta, key=lambda m: m.value),
                          baseline_value=sim_forest.accuracy, diff=ev.cnn_minus_forest)
    tag = "real" if real.cutouts.is_real else "stand-in"
    report.add_metric(f"{tag}: forest accuracy", real_forest.accuracy)
    report.add_metric(f"{tag}: fine-tuned ({tl.source}) accuracy", tl.accuracy_transfer)
    report.add_metric(f"{tag}: from-scratch accuracy", tl.accuracy_scratch)
    report.add_metric(f"{tag}: transfer gain over scratch", tl.gain)
    if tl.accuracy_zero_shot is not None:
        report.add_metric(f"{tag}: simulation-trained, no fine-tuning", tl.accuracy_zero_shot)
    report.add_comparison(ml=f"ResNet18 fine-tuned from {tl.source}", baseline="features + random forest",
                          metric=f"accuracy, {tag} test half ({len(real.test_idx)} galaxies)",
                          ml_value=tl.accuracy_transfer, baseline_value=real_forest.accuracy,
                          diff=tl.transfer_minus_forest)
    if experiments:
        with report.step("calibration experiment"):
            cal = calibration_experiment(trained, sim, cfg, probs_single=ev.probs)
        report.add_metric("simulated: ECE single network", cal.ece_single)
        report.add_metric(f"simulated: ECE MC dropout ({cfg.mc_samples})", cal.ece_mc)
        report.add_metric("simulated: ECE change with MC dropout", cal.ece_change)
        with report.step("rotation experiment"):
            with_rot = rotation_experiment(cfg, rotate=True)
            without = rotation_experiment(cfg, rotate=False)
        report.add_metric("rotation: accuracy on turned galaxies, trained (aligned) with rotations",
                          with_rot.accuracy_rotated)
        report.add_metric("rotation: accuracy on turned galaxies, trained (aligned) without", without.accuracy_rotated)
        report.add_metric("rotation: gain from rotation augmentation", rotation_effect(with_rot, without, cfg))
    report.notes.append(real.cutouts.message)
    report.notes.append(f"transfer source: {tl.source}")
    return report
