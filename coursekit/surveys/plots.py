"""Plots of the data-tsunami lesson; every ``plot_*`` takes ``ax=None`` and returns the Axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import astropy.units as u
import numpy as np

from coursekit.plotting import get_ax
from coursekit.surveys.metrics import classification_time

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_survey_rates(ax: Axes | None = None, per: u.UnitBase = u.TB / u.day) -> Axes:
    """Log-scale bar chart of the surveys' data rates in ``per``."""
    from coursekit.plotting import plot_rates
    from coursekit.surveys.data import survey_table

    table = survey_table(per)
    return plot_rates(list(table["survey"]), list(table["rate"].to_value(per)), per.to_string(), ax=ax)


def plot_classification_time(n_objects: float, rates: dict[str, u.Quantity], ax: Axes | None = None) -> Axes:
    """Bar chart (log scale, years) of how long each classifier needs for ``n_objects``."""
    ax = get_ax(ax)
    names = list(rates)
    years = [classification_time(n_objects, r).to(u.year).value for r in rates.values()]
    ax.barh(names, years, color=[f"C{i}" for i in range(len(names))])
    ax.set_xscale("log")
    ax.set_xlabel(f"time to classify {n_objects:.2g} galaxies [yr]")
    for i, y in enumerate(years):
        label = f"{y:,.3g} yr" if y >= 1 else f"{y * 365.25:.3g} d" if y * 365.25 >= 1 else f"{y * 8766:.2g} h"
        ax.text(y, i, " " + label, va="center", fontsize=9)
    ax.axvline(10, color="0.4", ls="--", lw=1)
    ax.text(10, len(names) - 0.5, " 10-yr survey", fontsize=8, color="0.3")
    ax.grid(axis="y", visible=False)
    return ax


def plot_survey_design(area: float = 18000, cadence: float = 3, depth: float = 24.0, years: float = 10,
                       axes=None):
    """Two panels for one survey design (area deg², cadence nights, single-visit i depth mag, years).

    Left: raw data per night and telescope hours per night against Rubin's published ~20 TB and a 10 h night.
    Right: galaxies against co-added depth for this area, the design marked, Rubin's ~2e10 (Ivezić et al. 2019)
    for scale. Prints the design's numbers. Returns the two Axes.
    """
    import matplotlib.pyplot as plt

    from coursekit.plotting import use_style
    from coursekit.surveys.simulate import galaxy_surface_density, simulate_survey

    out = simulate_survey(area * u.deg**2, cadence * u.day, depth, years)
    print(out.summary())
    if axes is None:
        use_style()
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    left, right = axes
    tb = out.data_per_night.to_value(u.TB)
    hours = out.hours_needed.to_value(u.hour)
    left.bar(["raw data\n[TB/night]", "telescope time\n[h/night]"], [tb, hours],
             color=["C0", "C1" if out.feasible else "C3"])
    left.axhline(20, color="C0", ls=":", lw=1)
    left.text(-0.4, 20, "Rubin ~20 TB", fontsize=8, va="bottom", color="C0")
    left.axhline(10, color="C1", ls="--", lw=1)
    left.text(0.6, 10, "10 h night", fontsize=8, va="bottom", color="C1")
    left.set_yscale("log")
    left.set_title("feasible" if out.feasible else "NOT feasible: the nights are too short", fontsize=10)
    depths = np.linspace(23, 29, 61)
    counts = [(galaxy_surface_density(d) * area * u.deg**2).to_value(u.one) for d in depths]
    right.plot(depths, counts, color="C2")
    right.plot([out.coadd_depth], [out.galaxies.value], "o", color="C3", label=f"this design: {out.galaxies.value:.2g}")
    right.axhline(2e10, color="0.4", ls=":", lw=1, label="Rubin, Ivezić et al. 2019: ~2e10")
    right.set_yscale("log")
    right.set_xlabel("co-added i depth [mag]")
    right.set_ylabel("galaxies")
    right.legend(fontsize=8, loc="lower right")
    return left, right
