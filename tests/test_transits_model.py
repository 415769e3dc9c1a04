"""Dual-view CNN: shapes, errors, learning on a small set, checkpoints; evaluation metrics by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coursekit.transits.metrics import breakdown, classification_metrics, recall_at_precision, roc_curve
from coursekit.transits.model import (
    CNNConfig,
    TransitCNN,
    load_model,
    predict_proba,
    random_reflection,
    save_model,
    score_views,
    train_classifier,
)
from coursekit.transits.simulate import TransitDataset

TINY = CNNConfig(global_channels=(4, 8), local_channels=(4,), fc=(16,), dropout=0.0)


def _toy(n, rng):
    """Planets: a box dip at the centre of both views; false positives: a V-shaped dip plus a secondary."""
    g = 0.05 * rng.standard_normal((n, 2001)).astype(np.float32)
    loc = 0.05 * rng.standard_normal((n, 201)).astype(np.float32)
    label = (np.arange(n) % 2).astype(np.int64)
    x = np.linspace(-4, 4, 201)
    box = -(np.abs(x) < 0.5).astype(np.float32)
    vee = -np.clip(1 - np.abs(x) / 0.8, 0, 1).astype(np.float32)
    loc += np.where(label[:, None] == 1, box, vee)
    g[:, 990:1011] -= 1
    g[label == 0, 1990:2001] -= 0.5
    g[label == 0, 0:10] -= 0.5
    return TransitDataset(g, loc, label, {"kind": np.where(label == 1, "planet", "eb")}, {})


@pytest.mark.parametrize("views", [("global", "local"), ("global",), ("local",)])
def test_forward_shapes(views):
    model = TransitCNN(views, TINY)
    xs = {"global": torch.zeros(3, 2001), "local": torch.zeros(3, 201)}
    out = model(*[xs[v] for v in views])
    assert out.shape == (3,)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="non-empty ordered subset"):
        TransitCNN(("global", "global"))
    model = TransitCNN(("global", "local"), TINY)
    with pytest.raises(ValueError, match="takes 2 view"):
        model(torch.zeros(2, 2001))
    with pytest.raises(ValueError, match="global view must have length 2001"):
        model(torch.zeros(2, 2000), torch.zeros(2, 201))


def test_paper_columns_have_the_expected_widths():
    model = TransitCNN(("global", "local"), CNNConfig(global_channels=(16, 32), local_channels=(16,)))
    # 2001 -> pool(5, s2) -> 999 -> 498 ; 201 -> pool(7, s2) -> 98
    assert model.columns["global"].out_features == 32 * 498
    assert model.columns["local"].out_features == 16 * 98


def test_reflection_flips_views_together():
    torch.manual_seed(0)
    g = torch.arange(2001.0).repeat(64, 1)
    loc = torch.arange(201.0).repeat(64, 1)
    (g2, l2), y = random_reflection([g, loc], torch.zeros(64))
    flipped_g = g2[:, 0] == 2000
    assert 10 < flipped_g.sum() < 54
    assert torch.equal(flipped_g, l2[:, 0] == 200)


def test_training_separates_box_from_v_shapes(rng, tmp_path):
    train, val = _toy(128, rng), _toy(64, rng)
    model, hist = train_classifier(train, val, config=TINY, epochs=10, lr=3e-3, batch_size=16, patience=None,
                                   progress=False)
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    p = predict_proba(model, val)
    assert classification_metrics(val.label, p).auc.value > 0.95
    path = tmp_path / "cnn.pt"
    save_model(model, path, extra={"epochs": hist.epochs})
    again = load_model(path)
    np.testing.assert_allclose(predict_proba(again, val), p, atol=1e-6)
    np.testing.assert_allclose(score_views(again, val.global_view, val.local_view), p, atol=1e-6)


def test_model_files_are_checked(rng, tmp_path):
    """Model files go through coursekit.checkpoint: junk, another topic's file and a changed file are refused."""
    from coursekit.checkpoint import ModelFileError
    from coursekit.checkpoint import save_model as save_any

    model = TransitCNN(("global", "local"), TINY)
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    with pytest.raises(ModelFileError, match="junk.pt"):
        load_model(tmp_path / "junk.pt")
    save_any(tmp_path / "gw.pt", topic="gw", state_dict=model.state_dict(), config={})
    with pytest.raises(ModelFileError, match="gw.pt"):
        load_model(tmp_path / "gw.pt")
    save_any(tmp_path / "odd.pt", topic="transits", state_dict=model.state_dict(), config={"views": ["global"]})
    with pytest.raises(ModelFileError, match="odd.pt"):
        load_model(tmp_path / "odd.pt")


@pytest.mark.parametrize("kwargs", [{"epochs": 0}, {"epochs": -1}, {"batch_size": 0}])
def test_impossible_training_sizes_are_refused(rng, kwargs):
    """Round one's `--epochs 0` saved an untrained model and printed an AUC: now it is refused."""
    data = _toy(16, rng)
    with pytest.raises(ValueError, match="positive integer"):
        train_classifier(data, data, config=TINY, progress=False, **kwargs)
    one_class = data.subset(np.flatnonzero(data.label == 1))
    with pytest.raises(ValueError, match="one class"):
        train_classifier(one_class, data, config=TINY, progress=False)


def test_metrics_by_hand():
    label = np.array([1, 1, 0, 0, 1, 0])
    score = np.array([0.9, 0.6, 0.7, 0.1, 0.4, 0.2])
    m = classification_metrics(label, score, threshold=0.5)
    # pairs (pos, neg) ordered correctly: 0.9>all 3, 0.6>0.1,0.2 (2), 0.4>0.1,0.2 (2) -> 7/9
    assert m.auc.value == pytest.approx(7 / 9) and 0 < m.auc.err < 0.5
    assert m.accuracy.value == pytest.approx(4 / 6)  # predictions 1,1,1,0,0,0
    assert m.accuracy.err == pytest.approx(np.sqrt(4 / 6 * 2 / 6 / 6))  # binomial
    assert m.precision == pytest.approx(2 / 3) and m.recall == pytest.approx(2 / 3)
    fpr, tpr = roc_curve(label, score)
    assert fpr[-1] == 1 and tpr[-1] == 1
    assert recall_at_precision(label, score, 1.0) == pytest.approx(1 / 3)
    rows = breakdown(np.array(["planet", "planet", "eb", "eb", "planet", "quiet"]), label, score)
    assert {r["kind"]: r["accuracy"] for r in rows} == pytest.approx({"eb": 0.5, "planet": 2 / 3, "quiet": 1.0})
    with pytest.raises(ValueError, match="both planets and false positives"):
        classification_metrics(np.ones(3), np.ones(3))
