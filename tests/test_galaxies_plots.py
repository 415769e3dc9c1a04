"""Plot functions: each takes ax=None, returns the Axes, and draws what it says."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from coursekit.galaxies import plots  # noqa: E402

CLASSES4 = ("elliptical", "spiral", "merger", "irregular")


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_mosaic_layout():
    imgs = np.zeros((5, 3, 4, 4), np.float32)
    imgs[1] = 0.5
    m = plots.mosaic(imgs, ncols=3, pad=2)
    assert m.shape == (2 * 4 + 2, 3 * 4 + 2 * 2, 3)
    np.testing.assert_allclose(m[:4, 6:10], 0.5)  # second tile
    assert m[4, 0, 0] == 1.0  # white gap
    with pytest.raises(ValueError, match=r"\(n, 3, H, W\)"):
        plots.mosaic(np.zeros((2, 4, 4)), 2)


def test_all_plots_return_axes():
    rng = np.random.default_rng(0)
    imgs = rng.random((12, 3, 16, 16)).astype(np.float32)
    y = np.arange(12) % 4
    probs = rng.dirichlet(np.ones(4), 12)
    assert plots.plot_gallery(imgs, y, CLASSES4, per_class=3).get_images()
    ax = plots.plot_confusion(np.eye(4, dtype=int) * 3, CLASSES4)
    assert ax.get_images()[0].origin == "upper"  # true class 0 in the top row
    ax = plots.plot_reliability(probs, y, label="a")
    plots.plot_reliability(probs, y, label="b", ax=ax)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels.count("perfectly calibrated") == 1 and any("ECE" in lab for lab in labels)
    assert plots.plot_mistakes(imgs, probs, y, CLASSES4, k=4).get_images()
    assert plots.plot_attribution(imgs[:3], rng.random((3, 16, 16))).get_images()
    with pytest.raises(ValueError, match="maps must be"):
        plots.plot_attribution(imgs[:3], rng.random((2, 16, 16)))


def test_plot_comparison_draws_95_percent_bars():
    from coursekit.metrics import Measurement

    ax = plots.plot_comparison({"CNN": Measurement(0.8, 0.02), "forest": Measurement(0.7, 0.03)}, reference=0.6)
    bars = [p for p in ax.patches]
    assert len(bars) == 2 and bars[0].get_width() == pytest.approx(0.8)
    assert "95" in ax.get_xlabel() and ax.get_legend() is not None
