import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from coursekit.plotting import get_ax, plot_history, plot_rates, use_style  # noqa: E402
from coursekit.training import History  # noqa: E402


def test_plot_history_returns_axes_and_marks_best():
    h = History(train_loss=[1.0, 0.5, 0.3], val_loss=[1.1, 0.6, 0.7], best_epoch=1)
    h.metrics["accuracy"] = [0.5, 0.7, 0.68]
    fig, ax = plt.subplots()
    out = plot_history(h, ax=ax, metric="accuracy")
    assert out is ax
    assert len(ax.lines) == 3  # train, val, best marker
    assert ax.get_yscale() == "log"
    plt.close("all")


def test_get_ax_and_style():
    use_style()
    ax = get_ax()
    assert ax.figure is not None
    ax2 = plot_rates(["a", "b"], [1.0, 1000.0], "TB/day")
    assert ax2.get_xscale() == "log" and ax2.get_xlabel() == "data rate [TB/day]"
    plt.close("all")
