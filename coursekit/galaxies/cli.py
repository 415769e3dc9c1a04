"""``python -m coursekit galaxies train|predict|run``: train a morphology classifier, classify cut-outs, run the lesson.

Examples::

    python -m coursekit galaxies train --out sim.pt                        # on simulated galaxies (minutes, CPU)
    python -m coursekit galaxies train --out gz.pt --data my_cutouts/      # labels.csv + images, or a GZ1 folder
    python -m coursekit galaxies train --out gz.pt --data my_cutouts/ --init sim.pt   # transfer from a saved model
    python -m coursekit galaxies train --out g10.pt --data Galaxy10_DECals.h5 --task ten
    python -m coursekit galaxies predict --model gz.pt cutouts/ --out predictions.csv
    python -m coursekit galaxies run --json                                # the notebook's experiment, end to end

``train --data`` holds out ``--test-fraction`` of the labelled cut-outs (stratified) and reports the CNN and the
morphology-features + random-forest baseline trained on the same images, on the same held-out galaxies, with
95 % intervals and the paired differences, and saves both in the model file: ``predict`` reports the combination
(the network's and the forest's class probabilities averaged, :data:`~coursekit.galaxies.config.FOLDER_NETWORK_WEIGHT`),
which on a few hundred real cut-outs beats either alone; ``predict --network-only`` uses the network alone.
By default the CNN is an ensemble of three compact networks
(:mod:`coursekit.galaxies.compact`, :data:`~coursekit.galaxies.config.FOLDER_TRAIN`) trained from random weights,
which needs no download and suits a few hundred images; ``--arch resnet18 --init simulation|imagenet|scratch|FILE``
fine-tunes or trains a ResNet18 instead, and ``--init simulation`` starts the compact networks from one pretrained
on ``--n`` simulated galaxies (made once, cached). ``predict`` applies the test-time averaging ``train`` scored the model with.
Classes that are each other's mirror image (Galaxy Zoo 1's clockwise and anticlockwise spirals) are found by name
(:func:`~coursekit.galaxies.data.mirror_image_classes`): a mirrored training or test-time view takes the other
label, and the forest, blind to the sense of winding, votes for the pair while the network splits it. On the GZ1
folder's own six classes, four random 70/30 splits: the combination beat the forest by +0.164, +0.115, +0.066 and
+0.057 (each +-0.04), mean +0.10 +- 0.025.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coursekit.cli_util import positive_float, positive_int
from coursekit.galaxies.config import (
    FOLDER_CROP,
    FOLDER_NETWORK_WEIGHT,
    FOLDER_SIZE,
    FOLDER_TRAIN,
    FOLDER_TTA,
    FOLDER_TTA_MIRROR,
    PRETRAIN_EPOCHS,
    PRETRAIN_N,
)


def _fraction(text: str) -> float:
    value = positive_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a fraction between 0 and 1 (exclusive), got {text!r}")
    return value


def _crop(text: str) -> float:
    value = positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text!r}")
    return value


def _size(text: str) -> int:
    value = positive_int(text)
    if value < 16:
        raise argparse.ArgumentTypeError(f"must be at least 16 pixels, got {text!r}")
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser("galaxies", help="galaxy morphology: train a ResNet18, classify cut-outs, run the lesson",
                              description=__doc__.split("\n")[0],
                              formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = p.add_subparsers(dest="galaxies_command", required=True)

    t = sub.add_parser("train", help="train and save a classifier (with its class names and preprocessing)")
    t.add_argument("--out", required=True, help="output model file (.pt)")
    t.add_argument("--data", help="folder with labels.csv (filename, class_name) + images, a Galaxy Zoo 1 folder "
                                  "(smallCSV_class.csv + images/), or a Galaxy10 .h5 file (default: simulate)")
    t.add_argument("--task", choices=["four", "ten"], default="four", help="Galaxy10 classes (default: four)")
    t.add_argument("--label-column", default="class_name", help="labels.csv column with the class names")
    t.add_argument("--arch", choices=["compact", "resnet18"], default=None,
                   help="with --data: 'compact' (an ensemble of small CNNs, from random weights or pretrained on "
                        "simulations; the default) or 'resnet18' (the default with --init imagenet or a model file)")
    t.add_argument("--init", default=None,
                   help="with --data: start from 'simulation' (pretrain on --n simulated galaxies first; the compact "
                        "network's pretraining is cached and reused), 'scratch' (random weights), and with --arch "
                        "resnet18 also 'imagenet' (ImageNet weights) or a model file saved by `galaxies train` "
                        "(default: scratch for the compact network, simulation for resnet18)")
    t.add_argument("--members", type=positive_int, default=None,
                   help="with --data: networks in the ensemble (default 3 compact, 1 resnet18)")
    t.add_argument("--test-fraction", type=_fraction, default=0.3,
                   help="with --data: share of the labelled images held out to score CNN and forest (default 0.3)")
    t.add_argument("--n", type=positive_int, default=None,
                   help=f"simulated galaxies (default 3000; {PRETRAIN_N} to pretrain the compact network)")
    t.add_argument("--size", type=_size, default=None,
                   help=f"cut-out side in pixels the network sees (default {FOLDER_SIZE} for compact, 64 otherwise)")
    t.add_argument("--crop", type=_crop, default=None,
                   help=f"central fraction of real images kept (default {FOLDER_CROP} for the compact network, 0.5 for "
                        f"resnet18 and for the forest's features)")
    t.add_argument("--epochs", type=positive_int, default=None,
                   help=f"epochs on the simulations (default 4; {PRETRAIN_EPOCHS} for the compact network)")
    t.add_argument("--finetune-epochs", type=positive_int, default=None,
                   help=f"epochs on --data (default {FOLDER_TRAIN.epochs} for compact; 20 for resnet18: with 10, 122 "
                        "Galaxy Zoo images were too few steps and the network fell back to the majority class)")
    t.add_argument("--batch-size", type=positive_int, default=64)
    t.add_argument("--lr", type=positive_float, default=None,
                   help=f"learning rate (default {FOLDER_TRAIN.lr:g} compact, 2e-3 resnet18)")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=_train)

    q = sub.add_parser("predict", help="classify image files or folders; one CSV row per image")
    q.add_argument("--model", required=True, help="model file written by `galaxies train`")
    q.add_argument("paths", nargs="+", help="JPEG/PNG files, three-band FITS cut-outs, or folders of them")
    q.add_argument("--out", help="CSV file (default: standard output)")
    q.add_argument("--network-only", action="store_true",
                   help="a model trained with --data: classify with the network alone, without its features + forest")
    q.add_argument("--tta", type=positive_int, default=None,
                   help="average over this many rotations (1: none; default: what `train` scored the model with, "
                        "the 8 rotations/flips for the compact ensemble, none for a ResNet18)")
    q.set_defaults(func=_predict)

    from coursekit.experiment import add_run_command
    from coursekit.galaxies.experiment import run

    add_run_command(sub, "galaxies", run)


def _load_labelled(args, size: int, crop: float):
    from coursekit.galaxies.data import load_galaxy10, load_labelled_folder

    path = Path(args.data)
    if not path.exists():
        raise FileNotFoundError(f"--data {path} does not exist: give a folder of labelled cut-outs or a Galaxy10 .h5")
    if path.is_dir():
        cut = load_labelled_folder(path, size=size, crop=crop, label_column=args.label_column)
        return cut.images, cut.labels, cut.classes
    x, y, classes = load_galaxy10(path, task=args.task, size=size, crop=crop)
    return x, y, classes


def _simulation_model(args, progress=None):
    from coursekit.galaxies.config import TrainConfig
    from coursekit.galaxies.model import train_classifier
    from coursekit.galaxies.simulate import CLASSES, simulate_rgb

    x, y = simulate_rgb(args.n or 3000, size=args.size or 64, seed=args.seed)
    cfg = TrainConfig(epochs=args.epochs or 4, batch_size=args.batch_size, lr=args.lr or 2e-3, seed=args.seed)
    model, history = train_classifier(x, y, CLASSES, cfg, progress=progress, desc="ResNet18 (simulations)")
    return model, history, cfg


def _train(args) -> int:
    from coursekit.cli_util import UsageError, check_out_path

    inputs = [p for p in (args.data, args.init) if p and Path(p).exists()]
    out = check_out_path(args.out, *inputs)
    if args.data is None:
        model, history, cfg = _simulation_model(args)
        from coursekit.galaxies.model import save_model

        save_model(model, out, size=args.size or 64, crop=1.0, config=cfg, extra={"data": "simulated galaxies"})
        print(f"trained on {args.n or 3000} simulated galaxies: {history.summary()}")
        print(f"saved {out}")
        return 0
    arch = args.arch or ("resnet18" if args.init not in (None, "simulation", "scratch") else "compact")
    default_init = "simulation" if arch == "resnet18" or FOLDER_TRAIN.pretrain_n > 0 else "scratch"
    init = args.init or default_init
    if arch == "compact" and init not in {"simulation", "scratch"}:
        raise UsageError(f"--init {init!r} fine-tunes a ResNet18: add --arch resnet18 (the compact network starts "
                         "from its pretraining on simulated galaxies or from random weights)")
    if init not in {"simulation", "imagenet", "scratch"} and not Path(init).is_file():
        raise UsageError(f"--init {init!r}: use simulation, imagenet, scratch or the path of a saved model file")
    return _train_on_data(args, out, arch, init)


def _check_labels(args, y, classes) -> None:
    import numpy as np

    counts = np.bincount(y, minlength=len(classes))
    if (counts > 0).sum() < 2:
        raise ValueError(f"--data {args.data}: every labelled image is of class {classes[int(counts.argmax())]!r}; "
                         "a classifier needs examples of at least two classes")
    if counts[counts > 0].min() < 2:
        rare = [c for c, k in zip(classes, counts) if k == 1]
        raise ValueError(f"--data {args.data}: class {rare[0]!r} has a single image; give at least two per class "
                         "(one to train on, one to test)")


def _train_on_data(args, out, arch: str, init: str) -> int:
    from dataclasses import replace

    from coursekit.galaxies.baseline import TreeForest, forest_proba, morphology_features, train_forest
    from coursekit.galaxies.config import FOREST_CROP, FOREST_SIZE, TrainConfig
    from coursekit.galaxies.data import mirror_image_classes, mirror_permutation, stratified_split
    from coursekit.galaxies.metrics import accuracy_measurement, majority_rate, paired_difference, significance_text
    from coursekit.galaxies.model import (
        build_model,
        combined_proba,
        fine_tune,
        load_model,
        predict,
        save_model,
        train_classifier,
    )

    compact = arch == "compact"
    size = args.size or (FOLDER_SIZE if compact else 64)
    crop = args.crop or (FOLDER_CROP if compact else 0.5)
    x, y, classes = _load_labelled(args, size, crop)
    _check_labels(args, y, classes)
    # the forest measures its features on 64-pixel images of the central half (its best framing on the Galaxy Zoo
    # sample), or on the user's --crop
    forest_crop = args.crop or FOREST_CROP
    xf = x if (size, crop) == (FOREST_SIZE, forest_crop) else _load_labelled(args, FOREST_SIZE, forest_crop)[0]
    train_idx, test_idx = stratified_split(y, 1 - args.test_fraction, seed=args.seed)
    members = args.members or (FOLDER_TRAIN.members if compact else 1)
    epochs = args.finetune_epochs or (FOLDER_TRAIN.epochs if compact else 20)
    lr = args.lr or (FOLDER_TRAIN.lr if compact else 2e-3)
    batch = min(args.batch_size, 32)
    chiral = mirror_image_classes(classes)
    mirror_labels = mirror_permutation(classes)
    if chiral:
        print(f"classes {' and '.join(f'{a!r}/{b!r}' for a, b in chiral)} are each other's mirror image (the sense of "
              "a spiral's winding): a mirrored training or test-time view takes the other label")
    if compact:
        pre_n = (args.n or FOLDER_TRAIN.pretrain_n or PRETRAIN_N) if init == "simulation" else 0
        pre_epochs = args.epochs or FOLDER_TRAIN.pretrain_epochs
        ft = replace(FOLDER_TRAIN, epochs=epochs, lr=lr, batch_size=batch, members=members, seed=args.seed,
                     pretrain_n=pre_n, pretrain_epochs=pre_epochs, mirror_labels=mirror_labels)
        model, _ = train_classifier(x[train_idx], y[train_idx], classes, ft, desc="compact CNN")
        name = f"compact CNN x{members}" if members > 1 else "compact CNN"
        start = f"its pretraining on {pre_n} simulated galaxies" if pre_n else "random weights"
        tta, mirror = FOLDER_TTA, FOLDER_TTA_MIRROR
    else:
        ft = TrainConfig(epochs=epochs, batch_size=batch, lr=lr, warmup_fraction=0.1, val_fraction=0.0,
                         seed=args.seed, members=members, mirror_labels=mirror_labels)
        name, tta, mirror = "ResNet18", False, False
        if init == "scratch":
            model, _ = train_classifier(x[train_idx], y[train_idx], classes, ft, desc="from scratch")
            start = "random weights"
        else:
            if init == "simulation":
                source, _, _ = _simulation_model(args)
                start = f"ResNet18 pretrained on {args.n or 3000} simulated galaxies"
            elif init == "imagenet":
                source, start = build_model(2, pretrained=True), "ImageNet ResNet18"
            else:
                source, _ = load_model(init)
                start = f"model {init}"
            model, _ = fine_tune(source, x[train_idx], y[train_idx], classes, ft, desc="fine-tune")
    forest = train_forest(morphology_features(xf[train_idx]), y[train_idx], seed=args.seed)
    yt = y[test_idx]
    p_cnn = predict(model, x[test_idx], tta=tta, mirror=mirror, mirror_labels=mirror_labels)
    p_forest = forest_proba(forest, morphology_features(xf[test_idx]), len(classes))
    w = FOLDER_NETWORK_WEIGHT
    p_both = combined_proba(p_cnn, p_forest, w, mirror_labels)
    a_cnn, a_forest, a_both = (accuracy_measurement(p, yt) for p in (p_cnn, p_forest, p_both))
    diff = paired_difference(yt, p_cnn, p_forest, seed=args.seed)
    diff_both = paired_difference(yt, p_both, p_forest, seed=args.seed)
    save_model(model, out, size=size, crop=crop, config=ft, extra={
        "data": str(args.data), "init": start, "n_train": int(len(train_idx)), "n_test": int(len(test_idx)),
        "tta": tta, "tta_mirror": mirror, "mirror_labels": list(mirror_labels), "test_accuracy": a_cnn.to_dict(),
        "forest_test_accuracy": a_forest.to_dict(),
        "combined_test_accuracy": a_both.to_dict(), "cnn_minus_forest": diff.to_dict(),
        "combined_minus_forest": diff_both.to_dict()},
        forest=TreeForest.from_sklearn(forest, len(classes)),
        forest_input={"size": FOREST_SIZE, "crop": forest_crop, "weight": w})
    print(f"trained {name} on {len(train_idx)} labelled images ({', '.join(classes)}, {size} px, central "
          f"{crop:g} of the frame), starting from {start}")
    print(f"held-out test, {len(test_idx)} images (majority class {majority_rate(yt):.3f}):")
    label = f"{name}{f' + {_views_text(tta, mirror)}' if tta else ''}"
    print(f"  {label:<36} accuracy {a_cnn}  (95% interval {a_cnn.value - 1.96 * a_cnn.err:.3f}-"
          f"{a_cnn.value + 1.96 * a_cnn.err:.3f})")
    print(f"  {'features + random forest':<36} accuracy {a_forest}  (95% interval "
          f"{a_forest.value - 1.96 * a_forest.err:.3f}-{a_forest.value + 1.96 * a_forest.err:.3f})")
    both = f"{name} + forest (probabilities x{w:g} / x{1 - w:g}{'; mirror pairs split by the network' if chiral else ''})"
    print(f"  {both:<36} accuracy {a_both}  (95% interval {a_both.value - 1.96 * a_both.err:.3f}-"
          f"{a_both.value + 1.96 * a_both.err:.3f})")
    print(f"  CNN - forest (paired bootstrap) {diff}: {significance_text(diff)} at 95%")
    print(f"  CNN + forest - forest (paired bootstrap) {diff_both}: {significance_text(diff_both)} at 95%")
    print(f"saved {out} (the network and the features + forest; `predict` combines them, `--network-only` does not)")
    return 0


def _views_text(tta: bool | int, mirror: bool) -> str:
    """'8 rotations/flips', '8 rotations + mirrors' (16 views) or 'k rotations'."""
    if tta is True:
        return "8 rotations/flips"
    return f"{tta} rotations + mirrors" if mirror else f"{tta} rotations"


def _predict(args) -> int:
    import csv

    from coursekit.cli_util import check_out_path
    from coursekit.galaxies.data import list_images, read_images
    from coursekit.galaxies.model import load_model, predict

    model, meta = load_model(args.model)
    files = [f for p in args.paths for f in list_images(p)]
    out_path = check_out_path(args.out, args.model, *files) if args.out else None
    classes = list(meta["classes"])
    # read (and refuse) everything before anything is written
    x = read_images(files, size=int(meta["size"]), crop=float(meta.get("crop", 1.0)))
    saved = meta.get("tta", False)
    saved = saved if isinstance(saved, bool) or (isinstance(saved, int) and saved > 1) else bool(saved)
    tta = saved if args.tta is None else (args.tta if args.tta > 1 else False)
    mirror_labels = meta.get("mirror_labels") or None
    probs = predict(model, x, tta=tta, mirror=bool(meta.get("tta_mirror", False)) and tta is not False,
                    mirror_labels=mirror_labels)
    forest = None if args.network_only else meta.get("forest_model")
    if forest is not None:  # a model of `train --data`: the network and the features + forest it was saved with
        from coursekit.galaxies.baseline import morphology_features
        from coursekit.galaxies.model import combined_proba

        f_in = meta["forest"]
        xf = read_images(files, size=int(f_in["size"]), crop=float(f_in["crop"]))
        probs = combined_proba(probs, forest.predict_proba(morphology_features(xf)), float(f_in["weight"]),
                               mirror_labels)
    out = open(out_path, "w", newline="") if out_path else sys.stdout
    try:
        writer = csv.writer(out)
        writer.writerow(["path", "predicted_class", *[f"p_{c}" for c in classes]])
        for f, p in zip(files, probs):
            writer.writerow([str(f), classes[int(p.argmax())], *[f"{v:.4f}" for v in p]])
    finally:
        if out_path:
            out.close()
    if out_path:
        print(f"wrote {len(files)} predictions to {out_path}")
    return 0
