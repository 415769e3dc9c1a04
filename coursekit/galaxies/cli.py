"""``python -m coursekit galaxies train|predict``: train a morphology classifier, classify image files.

Examples::

    python -m coursekit galaxies train --out galaxy_resnet18.pt            # simulated galaxies (a few minutes, CPU)
    python -m coursekit galaxies train --out g10.pt --data Galaxy10_DECals.h5 --task ten
    python -m coursekit galaxies train --out gz.pt --data my_cutouts/     # folder with labels.csv + images/
    python -m coursekit galaxies predict --model galaxy_resnet18.pt cutouts/ --out predictions.csv
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("galaxies", help="galaxy morphology: train a ResNet18, classify cut-outs",
                              description=__doc__.split("\n")[0],
                              formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = p.add_subparsers(dest="galaxies_command", required=True)

    t = sub.add_parser("train", help="train and save a classifier (with its class names and preprocessing)")
    t.add_argument("--out", required=True, help="output model file (.pt)")
    t.add_argument("--data", help="Galaxy10 .h5 file or a folder with labels.csv + images/ (default: simulate)")
    t.add_argument("--task", choices=["four", "ten"], default="four", help="Galaxy10 classes (default: four)")
    t.add_argument("--label-column", default="class_name", help="labels.csv column with the class names")
    t.add_argument("--n", type=int, default=3000, help="simulated galaxies (without --data; default 3000)")
    t.add_argument("--size", type=int, default=64, help="cut-out side in pixels (default 64)")
    t.add_argument("--crop", type=float, default=0.5, help="central fraction of real images kept (default 0.5)")
    t.add_argument("--epochs", type=int, default=4)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--pretrained", action="store_true", help="start from ImageNet weights (downloads; freezes early layers)")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=_train)

    q = sub.add_parser("predict", help="classify image files or folders; one CSV row per image")
    q.add_argument("--model", required=True, help="model file written by `galaxies train`")
    q.add_argument("paths", nargs="+", help="JPEG/PNG files or folders")
    q.add_argument("--out", help="CSV file (default: standard output)")
    q.add_argument("--tta", type=int, default=1, help="average over this many rotations (default 1: none)")
    q.set_defaults(func=_predict)


def _load_training_data(args):
    from pathlib import Path

    from coursekit.galaxies.simulate import CLASSES

    if args.data is None:
        from coursekit.galaxies.preprocess import flux_to_rgb
        from coursekit.galaxies.simulate import simulate_galaxies

        x, y = simulate_galaxies(args.n, size=args.size, seed=args.seed)
        return flux_to_rgb(x), y, CLASSES, 1.0
    path = Path(args.data)
    if not path.exists():
        raise FileNotFoundError(f"--data {path} does not exist")
    if path.is_dir():
        from coursekit.galaxies.data import load_image_folder

        x, y, classes, _ = load_image_folder(path, size=args.size, crop=args.crop, label_column=args.label_column)
        return x, y, classes, args.crop
    from coursekit.galaxies.data import load_galaxy10

    x, y, classes = load_galaxy10(path, task=args.task, size=args.size, crop=args.crop)
    return x, y, classes, args.crop


def _train(args) -> int:
    if args.n < 8 or args.epochs < 1 or args.size < 16:
        raise ValueError("need --n >= 8, --epochs >= 1 and --size >= 16")
    from coursekit.galaxies.model import TrainConfig, train_classifier
    from coursekit.galaxies.workflow import save_model

    x, y, classes, crop = _load_training_data(args)
    cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, pretrained=args.pretrained,
                      seed=args.seed)
    model, history = train_classifier(x, y, classes, cfg)
    path = save_model(model, args.out, size=args.size, crop=crop, config=cfg)
    acc = history.metrics.get("accuracy", [float("nan")])
    best = history.best_epoch if history.best_epoch is not None else -1
    print(f"trained on {len(y)} images ({', '.join(classes)}): {history.summary()}; "
          f"validation accuracy {acc[best]:.3f}")
    print(f"saved {path}")
    return 0


def _predict(args) -> int:
    import csv

    from coursekit.galaxies.data import list_images, read_images
    from coursekit.galaxies.model import predict
    from coursekit.galaxies.workflow import load_model

    model, meta = load_model(args.model)
    files = [f for p in args.paths for f in list_images(p)]
    classes = list(meta["classes"])
    out = open(args.out, "w", newline="") if args.out else sys.stdout
    try:
        writer = csv.writer(out)
        writer.writerow(["path", "predicted_class", *[f"p_{c}" for c in classes]])
        for start in range(0, len(files), 256):
            chunk = files[start : start + 256]
            x = read_images(chunk, size=int(meta["size"]), crop=float(meta.get("crop", 1.0)))
            probs = predict(model, x, tta=args.tta if args.tta > 1 else False)
            for f, p in zip(chunk, probs):
                writer.writerow([str(f), classes[int(p.argmax())], *[f"{v:.4f}" for v in p]])
    finally:
        if args.out:
            out.close()
    if args.out:
        print(f"wrote {len(files)} predictions to {args.out}")
    return 0
