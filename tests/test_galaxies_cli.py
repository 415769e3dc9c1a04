"""`python -m coursekit galaxies train|predict|run`: happy paths on tiny data, and hostile input refused in one line."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from coursekit.cli import main

TINY_TRAIN = ["--n", "16", "--size", "16", "--epochs", "1", "--finetune-epochs", "1", "--batch-size", "8"]


def _folder(root, names):
    from PIL import Image

    (root / "images").mkdir(parents=True)
    rows = []
    for i, name in enumerate(names):
        arr = np.zeros((40, 40, 3), np.uint8)
        arr[12:28, 12:28] = (200, 40, 40) if name == "elliptical" else (40, 40, 200)
        fn = f"images/g{i}.png"
        Image.fromarray(arr).save(root / fn)
        rows.append({"filename": fn, "class_name": name})
    with open(root / "labels.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["filename", "class_name"])
        w.writeheader()
        w.writerows(rows)
    return root


@pytest.fixture(scope="module")
def sim_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("m") / "g.pt"
    assert main(["galaxies", "train", "--out", str(out), *TINY_TRAIN]) == 0
    return out


def test_train_on_simulations_then_predict(sim_model, tmp_path, capsys):
    folder = _folder(tmp_path / "cut", ["elliptical", "spiral", "spiral"])
    csv_path = tmp_path / "pred.csv"
    assert main(["galaxies", "predict", "--model", str(sim_model), str(folder / "images"), "--out", str(csv_path),
                 "--tta", "4"]) == 0
    rows = list(csv.DictReader(open(csv_path)))
    assert len(rows) == 3
    classes = ("elliptical", "spiral", "merger", "irregular")
    for r in rows:
        probs = [float(r[f"p_{c}"]) for c in classes]
        assert sum(probs) == pytest.approx(1, abs=2e-3)
        assert r["predicted_class"] == classes[int(np.argmax(probs))]


def test_train_on_a_labelled_folder_reports_cnn_and_forest(sim_model, tmp_path, capsys):
    folder = _folder(tmp_path / "labelled", ["elliptical", "spiral"] * 6)
    out = tmp_path / "gz.pt"
    capsys.readouterr()
    assert main(["galaxies", "train", "--out", str(out), "--data", str(folder), "--init", str(sim_model),
                 *TINY_TRAIN]) == 0
    text = capsys.readouterr().out
    assert "ResNet18" in text and "random forest" in text and "95% interval" in text and "paired bootstrap" in text
    from coursekit.galaxies.model import load_model

    model, meta = load_model(out)
    assert meta["classes"] == ["elliptical", "spiral", "merger"] and "forest_test_accuracy" in meta


def test_train_compact_ensemble_on_a_folder_then_predict(tmp_path, capsys):
    folder = _folder(tmp_path / "labelled", ["elliptical", "spiral"] * 8)
    out = tmp_path / "compact.pt"
    capsys.readouterr()
    assert main(["galaxies", "train", "--out", str(out), "--data", str(folder), "--members", "2",
                 "--finetune-epochs", "2", "--batch-size", "8", "--n", "24", "--epochs", "1"]) == 0
    text = capsys.readouterr().out
    assert "compact CNN x2" in text and "random forest" in text and "95% interval" in text
    from coursekit.galaxies.config import FOLDER_TRAIN

    start = "its pretraining on 24 simulated galaxies" if FOLDER_TRAIN.pretrain_n else "random weights"
    assert f"starting from {start}" in text
    assert "significant" in text and "paired bootstrap" in text
    from coursekit.galaxies.model import load_model

    model, meta = load_model(out)
    assert meta["arch"] == "compact" and meta["members"] == 2 and meta["tta"] is True
    assert meta["size"] == 32 and meta["crop"] == 0.35
    csv_path = tmp_path / "p.csv"
    assert main(["galaxies", "predict", "--model", str(out), str(folder / "images"), "--out", str(csv_path)]) == 0
    rows = list(csv.DictReader(open(csv_path)))
    assert len(rows) == 16 and {r["predicted_class"] for r in rows} <= {"elliptical", "spiral", "merger"}
    # the file holds the features + forest too: predict combines them; --network-only uses the network alone
    assert "+ forest (probabilities x0.5 / x0.5)" in text and "CNN + forest - forest" in text
    assert meta["forest"]["weight"] == 0.5 and "combined_minus_forest" in meta
    net_path = tmp_path / "net.csv"
    assert main(["galaxies", "predict", "--model", str(out), str(folder / "images"), "--out", str(net_path),
                 "--network-only"]) == 0
    cols = [f"p_{c}" for c in meta["classes"]]
    p_both = np.array([[float(r[c]) for c in cols] for r in rows])
    p_net = np.array([[float(r[c]) for c in cols] for r in csv.DictReader(open(net_path))])
    from coursekit.galaxies.baseline import morphology_features
    from coursekit.galaxies.data import list_images, read_images

    files = list_images(folder / "images")
    xf = read_images(files, size=meta["forest"]["size"], crop=meta["forest"]["crop"])
    p_forest = meta["forest_model"].predict_proba(morphology_features(xf))
    np.testing.assert_allclose(p_both, 0.5 * p_net + 0.5 * p_forest, atol=2e-4)  # the CSV keeps 4 decimals
    assert np.abs(p_both - p_net).max() > 1e-3
    # --init scratch: the same ensemble from random weights
    assert main(["galaxies", "train", "--out", str(tmp_path / "s.pt"), "--data", str(folder), "--members", "2",
                 "--finetune-epochs", "1", "--batch-size", "8", "--init", "scratch"]) == 0
    assert "starting from random weights" in capsys.readouterr().out


def _fails(args, capsys, *needles):
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for n in needles:
        assert n in err, err
    return err


def test_hostile_input(sim_model, tmp_path, capsys):
    _fails(["galaxies", "predict", "--model", str(tmp_path / "missing.pt"), str(tmp_path)], capsys, "missing.pt")
    _fails(["galaxies", "train", "--out", str(tmp_path / "x.pt"), "--data", str(tmp_path / "nope")], capsys,
           "does not exist")
    one = _folder(tmp_path / "one", ["spiral"] * 4)
    _fails(["galaxies", "train", "--out", str(tmp_path / "y.pt"), "--data", str(one), *TINY_TRAIN], capsys,
           "'spiral'", "two classes")
    _fails(["galaxies", "predict", "--model", str(sim_model), str(one / "images"), "--out", str(sim_model)], capsys,
           "--out")
    with pytest.raises(SystemExit):  # argparse usage error
        main(["galaxies", "train", "--out", str(tmp_path / "z.pt"), "--epochs", "0"])
    assert "positive integer" in capsys.readouterr().err
    _fails(["galaxies", "train", "--out", str(tmp_path / "z.pt"), "--data", str(one), "--init", "imagenett"], capsys,
           "--init")
    two = _folder(tmp_path / "two", ["elliptical", "spiral"] * 3)
    _fails(["galaxies", "train", "--out", str(tmp_path / "w.pt"), "--data", str(two), "--arch", "compact", "--init",
            "imagenet"], capsys, "--arch resnet18")


def test_predict_refuses_a_plate(sim_model, tmp_path, capsys):
    from astropy.io import fits

    plate = tmp_path / "m67.fits"
    fits.PrimaryHDU(np.random.default_rng(0).random((300, 300)).astype(np.float32)).writeto(plate)
    out = tmp_path / "p.csv"
    _fails(["galaxies", "predict", "--model", str(sim_model), str(plate), "--out", str(out)], capsys,
           "m67.fits", "band")
    assert not out.exists()


def test_run_verb_is_registered(capsys):
    with pytest.raises(SystemExit):
        main(["galaxies", "run", "--help"])
    assert "--json" in capsys.readouterr().out


def test_mirror_image_classes_swap_labels_under_flips(tmp_path, capsys):
    folder = _folder(tmp_path / "chiral", ["elliptical", "spiral_clockwise", "spiral_anticlockwise"] * 6)
    out = tmp_path / "chiral.pt"
    capsys.readouterr()
    assert main(["galaxies", "train", "--out", str(out), "--data", str(folder), "--members", "1",
                 "--finetune-epochs", "1", "--batch-size", "8", "--init", "scratch"]) == 0
    text = capsys.readouterr().out
    assert "each other's mirror image" in text and "'spiral_clockwise'/'spiral_anticlockwise'" in text
    from coursekit.galaxies.model import load_model

    _, meta = load_model(out)
    classes = list(meta["classes"])
    swap = [classes.index(c) for c in ("spiral_anticlockwise", "spiral_clockwise")]
    assert meta["mirror_labels"][classes.index("spiral_clockwise")] == swap[0]
    assert meta["mirror_labels"][classes.index("spiral_anticlockwise")] == swap[1]
    assert meta["mirror_labels"][classes.index("elliptical")] == classes.index("elliptical")
    assert list(meta["train"]["mirror_labels"]) == meta["mirror_labels"]
    net_csv, both_csv = tmp_path / "net.csv", tmp_path / "both.csv"
    assert main(["galaxies", "predict", "--model", str(out), str(folder / "images"), "--network-only",
                 "--out", str(net_csv)]) == 0
    assert main(["galaxies", "predict", "--model", str(out), str(folder / "images"), "--out", str(both_csv)]) == 0
    from coursekit.galaxies.baseline import morphology_features
    from coursekit.galaxies.data import list_images, read_images
    from coursekit.galaxies.model import combined_proba

    cols = [f"p_{c}" for c in classes]
    p_net = np.array([[float(r[c]) for c in cols] for r in csv.DictReader(open(net_csv))])
    p_both = np.array([[float(r[c]) for c in cols] for r in csv.DictReader(open(both_csv))])
    xf = read_images(list_images(folder / "images"), size=meta["forest"]["size"], crop=meta["forest"]["crop"])
    p_forest = meta["forest_model"].predict_proba(morphology_features(xf))
    np.testing.assert_allclose(p_both, combined_proba(p_net, p_forest, 0.5, meta["mirror_labels"]), atol=2e-4)
