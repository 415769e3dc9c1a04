"""Figures of notebook 06: the Pareto front and a law over its data. Each takes ``ax=None``, returns the Axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coursekit.plotting import get_ax
from coursekit.symbolic.model import SymbolicFit, round_floats

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def plot_pareto_front(fit: SymbolicFit, ax: Axes | None = None, *, digits: int = 3, label_rows: int = 6) -> Axes:
    """Loss against complexity (log scale), the selected formula starred and the simplest rows written out."""
    ax = get_ax(ax)
    front = fit.front
    ax.step(front["complexity"], front["loss"], where="post", color="0.6", lw=1)
    ax.plot(front["complexity"], front["loss"], "o", color="C0", label="Pareto front")
    best = front.loc[fit.best_index]
    ax.plot([best.complexity], [best.loss], "*", ms=16, color="C3", label="selected", zorder=5)
    for i, row in front.head(label_rows).iterrows():
        text = str(round_floats(row.expression, digits))
        if len(text) > 38:
            text = text[:36] + "…"
        ax.annotate(text, (row.complexity, row.loss), textcoords="offset points", xytext=(6, 4), fontsize=8,
                    color="C3" if i == fit.best_index else "0.2")
    ax.set_yscale("log")
    ax.set_xlabel("complexity (nodes in the expression tree)")
    ax.set_ylabel(f"loss (MSE of {fit.target_name})")
    ax.set_title(f"Pareto front ({fit.engine})")
    ax.legend(loc="upper right")
    return ax


def plot_law(x: np.ndarray, y: np.ndarray, fit: SymbolicFit, ax: Axes | None = None, *,
             transform=None, xlabel: str = "x", ylabel: str = "y", logx: bool = True, logy: bool = True,
             label: str = "data") -> Axes:
    """Data points and the selected formula on a fine grid (one-feature fits).

    ``transform`` maps the formula's output back to the plotted ``y`` (e.g.
    ``np.exp`` when the search fitted ``ln y``).
    """
    ax = get_ax(ax)
    x = np.asarray(x, float)
    ax.plot(x, y, ".", color="0.3", label=label)
    lo, hi = np.min(x), np.max(x)
    grid = np.geomspace(lo, hi, 300) if logx and lo > 0 else np.linspace(lo, hi, 300)
    pred = fit.predict(grid[:, None])
    if transform is not None:
        pred = transform(pred)
    ax.plot(grid, pred, color="C3", lw=2, label=f"{fit.target_name} = {round_floats(fit.best, 3)}"[:70])
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return ax
