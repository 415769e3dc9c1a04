"""Survey data rates worked with ``astropy.units``, and how long classification takes by eye versus by CNN.

Figures are the published ones (sources in each entry); where a figure is a
round number quoted by the course guide it says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import astropy.units as u

from coursekit.plotting import get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class Survey:
    name: str
    rate: u.Quantity          # data per unit time
    objects: u.Quantity | None  # catalogue size (dimensionless count)
    note: str
    source: str


SURVEYS: tuple[Survey, ...] = (
    Survey("Rubin/LSST", 20 * u.TB / u.day, 17e9 * u.one,
           "~20 TB of raw images per night (one night per day); ~10 million alerts per night, each within 60 s",
           "Juric et al. 2015 (arXiv:1512.07914); 17 billion objects: course guide"),
    Survey("SKA", 8 * u.Tbit / u.s, None,
           "~8 Tb/s from the telescopes to the central processors; > 700 PB/yr archived", "SKAO"),
    Survey("Gaia", 40 * u.GB / u.day, 1.8e9 * u.one,
           "DR3: ~1.8 billion sources (1.7 billion in DR2); downlink ~40 GB/day (approx.)",
           "Gaia Collaboration 2023 (DR3); ESA"),
    Survey("TESS", 100 * u.GB / u.day, None, "light curves and full-frame images (~100 GB/day)",
           "course guide"),
)


def survey_table(per: u.Unit = u.TB / u.day) -> list[dict[str, object]]:
    """Each survey's rate converted to a common unit (default TB per day of wall time)."""
    rows = []
    for s in SURVEYS:
        rows.append({"survey": s.name, "rate": s.rate.to(per), "objects": s.objects, "note": s.note,
                     "source": s.source})
    return rows


def plot_survey_rates(ax: Axes | None = None, per: u.Unit = u.TB / u.day) -> Axes:
    """Log-scale bar chart of the surveys' data rates in ``per``."""
    from coursekit.plotting import plot_rates

    rows = survey_table(per)
    return plot_rates([r["survey"] for r in rows], [r["rate"].value for r in rows], per.to_string(), ax=ax)


def volunteer_rate(
    volunteers: float = 1.5e5,
    seconds_per_classification: float = 10.0,
    classifications_per_galaxy: float = 38.0,
    hours_per_volunteer_per_week: float = 1.0,
) -> u.Quantity:
    """Galaxies per day a volunteer crowd can classify, as a Quantity (1/day).

    Defaults: Galaxy Zoo 1's > 150,000 volunteers; a median of 38 independent
    classifications per galaxy (Lintott et al. 2011, MNRAS 410, 166); an assumed
    10 s per click and one hour per volunteer per week (both stated assumptions).
    """
    clicks_per_day = volunteers * (hours_per_volunteer_per_week * u.hour / u.week) / (
        seconds_per_classification * u.s
    )
    return (clicks_per_day / classifications_per_galaxy).to(1 / u.day)


def classification_time(n_objects: float, rate: u.Quantity) -> u.Quantity:
    """Time to classify ``n_objects`` at ``rate`` (objects per unit time), in the most readable unit."""
    if rate.value <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    t = (n_objects / rate).to(u.day)
    if t > 2 * u.year:
        return t.to(u.year)
    if t < 1 * u.hour:
        return t.to(u.s)
    return t


def measure_cnn_throughput(
    n_images: int = 256, size: int = 64, batch_size: int = 64, device=None, arch: str = "resnet18"
) -> u.Quantity:
    """Images per second a ResNet18 classifies on this machine (inference, eval mode, no gradients).

    Measured live so that students see their own hardware: a warm-up batch, then
    ``n_images`` images of ``size``x``size`` pixels and 3 bands.
    """
    import torch
    import torchvision

    from coursekit.config import get_device

    device = torch.device(device) if device is not None else get_device()
    model = getattr(torchvision.models, arch)(weights=None, num_classes=4).to(device).eval()
    x = torch.randn(batch_size, 3, size, size, device=device)
    with torch.inference_mode():
        model(x)  # warm-up
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        done = 0
        while done < n_images:
            model(x)
            done += batch_size
        if device.type == "cuda":
            torch.cuda.synchronize()
    return (done / (time.perf_counter() - t0)) * u.one / u.s


def plot_classification_time(
    n_objects: float, rates: dict[str, u.Quantity], ax: Axes | None = None
) -> Axes:
    """Bar chart (log scale, years) of how long each classifier needs for ``n_objects``."""
    ax = get_ax(ax)
    names = list(rates)
    years = [classification_time(n_objects, r).to(u.year).value for r in rates.values()]
    ax.barh(names, years, color=[f"C{i}" for i in range(len(names))])
    ax.set_xscale("log")
    ax.set_xlabel(f"time to classify {n_objects:.2g} galaxies [yr]")
    for i, y in enumerate(years):
        label = f"{y:.3g} yr" if y >= 1 else f"{y * 365.25:.3g} d" if y * 365.25 >= 1 else f"{y * 8766:.2g} h"
        ax.text(y, i, " " + label, va="center", fontsize=9)
    ax.axvline(10, color="0.4", ls="--", lw=1)
    ax.text(10, len(names) - 0.5, " 10-yr survey", fontsize=8, color="0.3")
    ax.grid(axis="y", visible=False)
    return ax


def rubin_volume_per_year(nights: float = 300) -> u.Quantity:
    """Rubin's raw data volume over ``nights`` observing nights, in PB."""
    return (20 * u.TB * nights).to(u.PB)


def ska_per_day() -> u.Quantity:
    """8 Tbit/s sustained for a day, in PB."""
    return (8 * u.Tbit / u.s * u.day).to(u.PB)

