"""The lesson of notebook 01 as named steps: data -> baseline -> model -> evaluate -> report.

Each step is a plain function the notebook calls one section at a time; :func:`run` calls them in order for
``python -m coursekit surveys run`` and returns a :class:`coursekit.experiment.Report`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import astropy.units as u
from astropy.table import QTable

from coursekit.experiment import Report
from coursekit.metrics import Measurement
from coursekit.surveys.config import Config, get_config

#: Galaxies in Rubin's ten-year catalogue (Ivezić et al. 2019, ApJ 873, 111).
RUBIN_GALAXIES = 20e9


@dataclass(frozen=True)
class CrowdRates:
    """Galaxies per day classified by people: the model crowd (an upper bound) and Galaxy Zoo 1 as measured."""

    model: u.Quantity
    measured: u.Quantity

    @property
    def optimism(self) -> float:
        """How many times faster the model crowd is than the real one."""
        return float((self.model / self.measured).to(u.one))


@dataclass(frozen=True)
class Throughput:
    """The CNN's measured rate (galaxies per second, mean ± standard error) and where it was measured."""

    rate: Measurement
    device: str
    image_size: int


@dataclass(frozen=True)
class ClassificationTimes:
    """Time to classify ``n_galaxies``: the crowd's lower bound, its empirical estimate, and the CNN's (± error)."""

    n_galaxies: float
    crowd_lower_bound: u.Quantity
    crowd_empirical: u.Quantity
    cnn: Measurement                # days


def survey_rates(per: u.UnitBase = u.TB / u.day) -> QTable:
    """Step 1 (data): the published survey figures, rates in ``per``."""
    from coursekit.surveys.data import survey_table

    return survey_table(per)


def crowd_rates() -> CrowdRates:
    """Step 2 (baseline): people classifying by eye, modelled and as Galaxy Zoo 1 measured it."""
    from coursekit.surveys.baseline import galaxy_zoo_rate, volunteer_rate

    return CrowdRates(volunteer_rate(), galaxy_zoo_rate())


def cnn_throughput(config: Config | None = None, device=None) -> Throughput:
    """Step 3 (model): the ResNet18's classification rate on this machine, timed ``config.n_repeats`` times."""
    from coursekit.config import get_device
    from coursekit.surveys.model import measure_throughput

    config = config or get_config()
    dev = device if device is not None else get_device()
    rate = measure_throughput(config.n_images, config.image_size, config.batch_size, config.n_repeats,
                              device=dev, seed=config.seed)
    return Throughput(rate, str(dev), config.image_size)


def size_scaling(config: Config | None = None, device=None, factor: int = 2,
                 small: Throughput | None = None) -> Measurement:
    """The experiment: log2 of how many times slower cut-outs ``factor`` x larger per side are classified.

    A convolutional network's work grows with the number of pixels, so doubling the side (4x the pixels)
    should give about 2 (log2 4); per-call overheads at small sizes make it less. Errors propagated from the
    two timings' standard errors. ``small``: a throughput already measured at ``config.image_size`` (reused).
    """
    from coursekit.surveys.model import measure_throughput

    config = config or get_config()
    small_rate = small.rate if small is not None else cnn_throughput(config, device).rate
    large = measure_throughput(max(config.n_images // factor**2, config.batch_size), config.image_size * factor,
                               config.batch_size, config.n_repeats, device=device, seed=config.seed)
    value = math.log2(small_rate.value / large.value)
    err = math.hypot(small_rate.err / small_rate.value, large.err / large.value) / math.log(2)
    return Measurement(value, err)


def classification_times(crowd: CrowdRates, cnn: Throughput, n_galaxies: float = RUBIN_GALAXIES) -> ClassificationTimes:
    """Step 4 (evaluate): how long people and the CNN need for ``n_galaxies``."""
    from coursekit.surveys.metrics import classification_time_measured

    return ClassificationTimes(
        n_galaxies,
        (n_galaxies / crowd.model).to(u.year),
        (n_galaxies / crowd.measured).to(u.year),
        classification_time_measured(n_galaxies, cnn.rate, u.day),
    )


def run(mode: str | None = None) -> Report:
    """All steps in order; the report holds rates with uncertainties and the CNN-vs-crowd comparison."""
    from coursekit.config import get_mode

    mode = get_mode(mode)
    config = get_config(mode)
    report = Report(topic="surveys", mode=mode)
    report.tiers["published survey figures"] = "built-in (no data files)"
    with report.step("data"):
        survey_rates()
    with report.step("baseline"):
        crowd = crowd_rates()
    with report.step("model"):
        cnn = cnn_throughput(config)
    with report.step("experiment"):
        scaling = size_scaling(config, small=cnn)
    with report.step("evaluate"):
        times = classification_times(crowd, cnn)
    per_day = 86400.0
    cnn_day = Measurement(cnn.rate.value * per_day, cnn.rate.err * per_day, "galaxies/day")
    report.add_metric("CNN throughput", Measurement(cnn.rate.value, cnn.rate.err, f"galaxies/s on {cnn.device}"))
    report.add_metric("log2 slow-down for 2x larger cut-outs", scaling)
    report.add_metric("CNN time for 2e10 galaxies", times.cnn)
    # The crowd rates are a model's stated assumptions and a published count, not samples: no statistical error.
    report.add_metric("crowd time, model (lower bound)", Measurement(times.crowd_lower_bound.value, 0.0, "yr"))
    report.add_metric("crowd time, Galaxy Zoo 1 rate", Measurement(times.crowd_empirical.value, 0.0, "yr"))
    report.add_comparison(ml=f"ResNet18 on {cnn.device}", baseline="model volunteer crowd (upper bound)",
                          metric="classification rate", ml_value=cnn_day,
                          baseline_value=Measurement(crowd.model.to_value(1 / u.day), 0.0, "galaxies/day"))
    report.notes.append(f"the model crowd is {crowd.optimism:.0f}x faster than Galaxy Zoo 1 was in its first year")
    return report
