"""Shared matplotlib style and small plotting helpers.

Every ``plot_*`` function takes ``ax=None`` (a new figure is made when it is
``None``) and returns the Axes, so plots compose into the student's own figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

STYLE_PATH = Path(__file__).with_name("course.mplstyle")


def use_style() -> None:
    """Apply the course style to matplotlib (idempotent)."""
    import matplotlib.pyplot as plt

    plt.style.use(str(STYLE_PATH))


def get_ax(ax: Axes | None = None, **subplots_kw: Any) -> Axes:
    """Return ``ax``, or the Axes of a new figure in the course style."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    use_style()
    _, ax = plt.subplots(**subplots_kw)
    return ax


def plot_history(history: Any, ax: Axes | None = None, *, log: bool = True, metric: str | None = None) -> Axes:
    """Training and validation loss per epoch (a :class:`coursekit.training.History`), best epoch marked.

    With ``metric`` the named validation metric is drawn on a twin axis.
    """
    ax = get_ax(ax)
    epochs = range(1, history.epochs + 1)
    ax.plot(epochs, history.train_loss, label="train")
    if history.val_loss:
        ax.plot(range(1, len(history.val_loss) + 1), history.val_loss, label="validation")
    if history.best_epoch is not None and history.val_loss:
        ax.axvline(history.best_epoch + 1, color="0.5", ls="--", lw=1, label="best (restored)")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if metric is not None:
        values = history.metrics.get(metric)
        if values is None:
            raise KeyError(f"history has no metric {metric!r}; it has {sorted(history.metrics)}")
        ax2 = ax.twinx()
        ax2.plot(range(1, len(values) + 1), values, color="C2", label=metric)
        ax2.set_ylabel(metric)
        ax2.grid(False)
    ax.legend()
    return ax


def plot_rates(names: list[str], rates: list[float], unit: str, ax: Axes | None = None) -> Axes:
    """Horizontal bar chart of data rates (log scale) with the values written on the bars."""
    ax = get_ax(ax)
    y = range(len(names))
    ax.barh(list(y), rates, color=[f"C{i % 8}" for i in y])
    ax.set_yticks(list(y), names)
    ax.set_xscale("log")
    ax.set_xlabel(f"data rate [{unit}]")
    for yi, r in zip(y, rates):
        ax.text(r, yi, f" {r:,.3g}", va="center", fontsize=9)
    ax.grid(axis="y", visible=False)
    return ax
