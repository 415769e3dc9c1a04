"""Survey data rates and the case for machine learning (notebook 01)."""

from coursekit.surveys.rates import (
    SURVEYS,
    Survey,
    classification_time,
    measure_cnn_throughput,
    plot_classification_time,
    plot_survey_rates,
    survey_table,
    volunteer_rate,
)

__all__ = [
    "SURVEYS",
    "Survey",
    "classification_time",
    "measure_cnn_throughput",
    "plot_classification_time",
    "plot_survey_rates",
    "survey_table",
    "volunteer_rate",
]
