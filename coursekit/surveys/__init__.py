"""The data tsunami (notebook 01): survey data rates with units, people vs a CNN, and a survey simulator.

Roles as in every topic (SPINE.md): ``config`` (run sizes), ``data`` (the published figures, with sources and
the corrections to the course guide), ``simulate`` (depth, area, cadence -> data rate and galaxies),
``baseline`` (volunteer classification), ``model`` (CNN throughput measured here), ``metrics`` (volumes,
classification times), ``plots``, ``exercises`` and ``experiment`` (the lesson's steps, also
``python -m coursekit surveys run``).
"""

from coursekit.surveys.baseline import galaxy_zoo_rate, volunteer_rate
from coursekit.surveys.data import GALAXY_ZOO_1, GUIDE_CORRECTIONS, SURVEYS, Survey, corrections_table, survey_table
from coursekit.surveys.metrics import classification_time, rubin_volume_per_year, ska_per_day
from coursekit.surveys.model import measure_cnn_throughput, measure_throughput
from coursekit.surveys.plots import plot_classification_time, plot_survey_design, plot_survey_rates
from coursekit.surveys.simulate import simulate_survey

__all__ = [
    "GALAXY_ZOO_1",
    "GUIDE_CORRECTIONS",
    "SURVEYS",
    "Survey",
    "classification_time",
    "corrections_table",
    "galaxy_zoo_rate",
    "measure_cnn_throughput",
    "measure_throughput",
    "plot_classification_time",
    "plot_survey_design",
    "plot_survey_rates",
    "rubin_volume_per_year",
    "simulate_survey",
    "ska_per_day",
    "survey_table",
    "volunteer_rate",
]
