"""Run sizes of the symbolic-regression lesson: one frozen config per mode, one accessor.

Nothing here reads the environment at import; :func:`get_config` picks the
variant for ``mode`` (default ``$COURSEKIT_MODE``) when it is called.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursekit.config import sized


@dataclass(frozen=True)
class Config:
    """Sizes of the searches and of the experiments built on them.

    Attributes
    ----------
    population_size, generations, restarts:
        Size of each symbolic search (Operon's terms; PySR gets comparable values).
    max_rows:
        Real tables are subsampled to this many rows (the search cost grows with rows).
    n_bootstrap:
        Resamples for the uncertainty of every fitted constant (H0, q0, exponents).
    sweep_noise:
        Relative timing noise levels of the noise-sweep experiment on Kepler's law.
    sweep_seeds:
        Independent orbit sets per noise level (and per operator set in the ablation).
    sweep_population, sweep_generations:
        The smaller search used inside the sweeps (many fits).
    """

    population_size: int
    generations: int
    restarts: int
    max_rows: int
    n_bootstrap: int
    sweep_noise: tuple[float, ...]
    sweep_seeds: int
    sweep_population: int
    sweep_generations: int


REDUCED = Config(population_size=500, generations=100, restarts=1, max_rows=400, n_bootstrap=200,
                 sweep_noise=(0.01, 0.1, 0.3), sweep_seeds=4, sweep_population=200, sweep_generations=40)
FULL = Config(population_size=1000, generations=200, restarts=3, max_rows=5000, n_bootstrap=1000,
              sweep_noise=(0.003, 0.01, 0.03, 0.1, 0.3), sweep_seeds=10, sweep_population=500, sweep_generations=100)


def get_config(mode: str | None = None) -> Config:
    """The run sizes for ``mode`` (``"reduced"``/``"full"``; default ``$COURSEKIT_MODE``, else reduced)."""
    return sized(REDUCED, FULL, mode)
