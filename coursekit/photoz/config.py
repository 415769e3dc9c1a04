"""Run sizes of the photo-z topic: one frozen :class:`Config`, ``REDUCED`` and ``FULL``, one accessor.

Both modes run on the real SDSS-III BOSS DR10 sample (the ``sample`` tier in
reduced mode, ``full`` in full mode; they hold the same six files) or, offline
without the sample, on the synthetic stand-in from
:func:`coursekit.photoz.simulate.simulate_galaxies`. Nothing here reads the
environment at import: :func:`get_config` does, when called.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MDNConfig:
    """Size and training schedule of the MDN."""

    n_components: int = 5
    hidden: tuple[int, ...] = (128, 128, 128)
    sigma_min: float = 1e-3  # in units of z
    epochs: int = 60
    batch_size: int = 256
    lr: float = 2e-3
    weight_decay: float = 1e-5
    patience: int = 10
    val_fraction: float = 0.15
    seed: int = 0
    #: torch CPU threads while training/predicting (restored afterwards). A small MLP gains little from
    #: intra-op threads and loses a lot when the cores are shared; None keeps torch's setting.
    cpu_threads: int | None = 1


@dataclass(frozen=True)
class Config:
    """One run size.

    Data: ``z_min`` drops stars and failed redshifts from the spectroscopic
    tables; the stand-in has ``n_standin`` simulated galaxies with observed
    ``r < r_limit`` split ``train_fraction`` / rest. The synthetic template
    lesson uses ``n_synthetic`` galaxies and fits templates to at most
    ``max_template_objects`` of them.

    Models: the MDN (:class:`~coursekit.photoz.model.MDNConfig`; ``mdn_errors``
    adds the log magnitude errors to its inputs), kNN with ``knn_k``
    neighbours, a random forest of ``rf_trees`` trees (``n_jobs`` workers).
    ``experiment_epochs`` is the schedule of the short re-trainings of the
    notebook's experiments (K = 1 vs 5, bright-to-faint, errors on/off).

    Uncertainties: ``n_boot`` bootstrap resamples of the test set.
    """

    z_min: float = 0.005
    n_standin: int = 15000
    train_fraction: float = 0.8
    r_limit: float = 21.5
    n_synthetic: int = 4000
    mdn: MDNConfig = field(default_factory=lambda: MDNConfig(hidden=(64, 64, 64), epochs=25, patience=6))
    mdn_errors: bool = False
    experiment_epochs: int = 12
    knn_k: int = 30
    rf_trees: int = 30
    template_n_interp: int = 1
    max_template_objects: int | None = 400
    n_jobs: int = 1
    n_boot: int = 200
    seed: int = 0


#: Laptop-sized: the whole BOSS sample (18k train / 2.5k test), a small MDN, a 30-tree forest; ~1.5 min on 2 cores.
REDUCED = Config()
#: Full size: the same real sample with the reference settings of the benchmark (bigger MDN, 200 trees), a larger
#: synthetic lesson, and more bootstrap resamples.
FULL = Config(
    n_standin=200_000,
    n_synthetic=20000,
    mdn=MDNConfig(hidden=(128, 128, 128), epochs=40, patience=8),
    experiment_epochs=30,
    rf_trees=200,
    template_n_interp=2,
    max_template_objects=None,
    n_jobs=-1,
    n_boot=1000,
)


def get_config(mode: str | None = None) -> Config:
    """The :class:`Config` of ``mode`` (default: ``$COURSEKIT_MODE``, else reduced)."""
    from coursekit.config import sized

    return sized(REDUCED, FULL, mode)
