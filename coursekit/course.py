"""The course map: the eight notebooks, what each teaches and what it needs.

One table used by notebook 01, ``python -m coursekit run`` and the README test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notebook:
    number: str
    filename: str
    title: str
    learn: str
    method: str
    baseline: str
    reduced_minutes: float
    full_minutes: float
    gpu: str
    topic: str


NOTEBOOKS: tuple[Notebook, ...] = (
    Notebook("01", "01_data_tsunami.ipynb", "The data tsunami",
             "survey data rates with astropy units; why ML is load-bearing; environment check",
             "CNN throughput measured live", "volunteer classification (Galaxy Zoo)", 0.5, 1, "no", "surveys"),
    Notebook("02", "02_galaxy_morphology.ipynb", "Galaxy morphology with CNNs",
             "ResNet18 transfer learning, rotation augmentation, calibration, domain shift",
             "ResNet18 CNN", "morphology features + random forest", 1.5, 40, "yes (full mode)", "galaxies"),
    Notebook("03", "03_photometric_redshifts.ipynb", "Photometric redshifts",
             "mixture density networks for p(z); NMAD, outliers, PIT, CRPS",
             "mixture density network", "template fitting, kNN, random forest", 1.5, 10, "no", "photoz"),
    Notebook("04", "04_gravitational_waves.ipynb", "Gravitational-wave detection",
             "whitening, injections, 1D CNN vs matched filtering at fixed false-alarm rate; GW150914",
             "1D CNN", "matched filtering (PyCBC)", 2, 30, "helps", "gw"),
    Notebook("05", "05_exoplanet_transits.ipynb", "Exoplanet transits",
             "detrending, BLS, global/local views, dual-view CNN (Shallue & Vanderburg 2018)",
             "dual-view CNN", "BLS SNR + odd/even + secondary vetting", 1.5, 30, "helps", "transits"),
    Notebook("06", "06_symbolic_regression.ipynb", "Symbolic regression",
             "recovering Kepler's third law, NFW and Hubble-Lemaitre laws from data",
             "PySR / Operon", "least-squares fit of the known law", 2, 10, "no", "symbolic"),
    Notebook("07", "07_simulation_based_inference.ipynb", "Simulation-based inference",
             "neural posterior estimation of Omega_m and sigma_8, calibration (SBC, coverage)",
             "NPE (sbi)", "exact Gaussian-likelihood posterior on a grid", 2, 15, "no", "sbi"),
    Notebook("08", "08_astropy_ml.ipynb", "Astropy + ML",
             "FITS, WCS, units, coordinates and tables feeding a model, and back to FITS",
             "star/galaxy CNN on cutouts", "size/concentration cut", 1.5, 5, "no", "astro"),
)


def course_table() -> list[dict[str, str]]:
    """Rows for a printed or plotted course map."""
    return [
        {"#": n.number, "notebook": n.title, "you learn": n.learn, "ML method": n.method,
         "classical baseline": n.baseline, "reduced": f"~{n.reduced_minutes:g} min",
         "full": f"~{n.full_minutes:g} min", "GPU": n.gpu}
        for n in NOTEBOOKS
    ]
