"""The classical baseline: morphology features (hand-made images with known answers) and the forest."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.galaxies.baseline import (
    FEATURE_NAMES,
    fit_baseline,
    forest_proba,
    morphology_features,
    train_forest,
)
from coursekit.galaxies.simulate import CLASSES, simulate_galaxies

# --------------------------------------------------------------------------- features

def _round_profile(size=64, scale=3.0):
    yy, xx = np.mgrid[0:size, 0:size] - (size - 1) / 2
    return np.exp(-np.hypot(xx, yy) / scale)


def test_features_of_symmetric_and_asymmetric_images():
    disc = _round_profile()
    img = np.stack([disc, disc, disc])[None] * 100
    lop = img.copy()
    lop[..., 32:40, 36:44] += 20  # one bright off-centre clump
    f = morphology_features(np.concatenate([img, lop]))
    names = list(FEATURE_NAMES)
    assert f.shape == (2, len(FEATURE_NAMES))
    a, e = names.index("asymmetry"), names.index("ellipticity")
    assert abs(f[0, a]) < 0.01 < f[1, a]
    assert f[0, e] < 0.02  # round
    # exponential profile: r_half = 1.678 h
    assert f[0, names.index("r_half")] == pytest.approx(1.678 * 3.0, abs=0.4)
    # equal bands -> zero colours
    assert f[0, names.index("colour_br")] == pytest.approx(0.0, abs=1e-9)


def test_clumpiness_sees_knots_not_noise():
    rng = np.random.default_rng(3)
    disc = _round_profile(scale=5.0) * 200
    knots = disc.copy()
    for cx, cy in [(20, 25), (40, 38), (30, 44), (45, 22)]:
        knots[cy - 1 : cy + 2, cx - 1 : cx + 2] += 150
    stack = np.stack([np.stack([p] * 3) for p in (disc, knots)]) + rng.normal(0, 3.0, (2, 3, 64, 64))
    s = morphology_features(stack)[:, FEATURE_NAMES.index("clumpiness")]
    assert abs(s[0]) < 0.05 and s[1] > s[0] + 0.05


def test_concentration_orders_profiles():
    yy, xx = np.mgrid[0:64, 0:64] - 31.5
    r = np.hypot(xx, yy)
    expo = np.exp(-r / 4.0)
    devauc = np.exp(-7.67 * ((r / 6.0) ** 0.25 - 1))
    f = morphology_features(np.stack([np.stack([p] * 3) for p in (expo, devauc)]))
    c = f[:, FEATURE_NAMES.index("concentration")]
    # Conselice 2003: C ~ 2.7 for an exponential disc, larger for de Vaucouleurs (within a finite aperture)
    assert 2.4 < c[0] < 3.0 and c[1] > c[0] + 0.8


def test_features_bad_shape():
    with pytest.raises(ValueError, match=r"\(n, 3, H, W\)"):
        morphology_features(np.zeros((2, 1, 16, 16)))


def test_forest_beats_chance_on_simulations():
    x, y = simulate_galaxies(400, size=48, seed=5)
    xt, yt = simulate_galaxies(200, size=48, seed=6)
    forest = train_forest(morphology_features(x), y, n_estimators=50)
    acc = (forest.predict(morphology_features(xt)) == yt).mean()
    assert acc > 0.6  # chance is 0.25
    assert len(CLASSES) == 4


def test_forest_refuses_a_single_class_and_pads_missing_classes():
    f = np.random.default_rng(0).random((10, 3))
    with pytest.raises(ValueError, match="single class"):
        train_forest(f, np.zeros(10, int))
    forest = train_forest(f, np.array([0, 2] * 5), n_estimators=5)
    p = forest_proba(forest, f, 4)
    assert p.shape == (10, 4) and np.all(p[:, [1, 3]] == 0)
    np.testing.assert_allclose(p.sum(1), 1)


def test_fit_baseline_on_colour_images():
    from coursekit.galaxies.simulate import simulate_rgb

    x, y = simulate_rgb(120, size=32, seed=2)
    forest = fit_baseline(x, y, n_estimators=20)
    assert forest.predict(morphology_features(x)).shape == (120,)


def test_features_do_not_depend_on_the_chunk_size():
    """Each image is measured on its own: blocks of 7 give the same features as one block (and bad chunks refuse)."""
    from coursekit.galaxies.simulate import simulate_galaxies

    x, _ = simulate_galaxies(20, size=32, seed=5)
    whole = morphology_features(x, chunk=100)
    np.testing.assert_allclose(morphology_features(x, chunk=7), whole, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="chunk"):
        morphology_features(x, chunk=0)


def test_forest_as_arrays_predicts_as_scikit_learn(rng):
    """The forest a model file holds (TreeForest) gives scikit-learn's probabilities, unseen classes as zero columns."""
    from coursekit.galaxies.baseline import TreeForest, forest_proba, train_forest

    x = rng.normal(size=(300, 6)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 3] > 0).astype(int) * 2  # labels 0 and 2 of 4 classes: 1 and 3 never seen
    forest = train_forest(x, y, n_estimators=25, seed=1)
    tf = TreeForest.from_sklearn(forest, n_classes=4)
    test = rng.normal(size=(200, 6))
    np.testing.assert_allclose(tf.predict_proba(test), forest_proba(forest, test, 4), atol=1e-12)
    assert np.all(tf.predict_proba(test)[:, [1, 3]] == 0)
    again = TreeForest(**tf.arrays())
    np.testing.assert_array_equal(again.predict_proba(test), tf.predict_proba(test))
    bad = tf.arrays() | {"left": np.where(tf.left >= 0, len(tf.left) + 5, -1)}
    with pytest.raises(ValueError, match="outside"):
        TreeForest(**bad)
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        tf.predict_proba(test[:, :2])
