"""Run sizes of the astro topic: ``REDUCED`` and ``FULL``, and the one accessor :func:`get_config`."""

from __future__ import annotations

from dataclasses import dataclass

from coursekit.config import sized


@dataclass(frozen=True)
class AstroConfig:
    """Run size of the astro topic (one per mode; see :func:`coursekit.config.sized`).

    ``field_shape``: (ny, nx) pixels of the simulated training/test fields; ``n_stars``/``n_galaxies`` per field;
    ``n_train_fields``: simulated fields whose stamps train the classifier; ``n_test_fields``: held-out fields
    (the accuracy's error bar comes from all of them); ``stamp_size`` in pixels; ``epochs``/``batch_size`` for the
    CNN; ``cnn_features``: catalogue columns the CNN gets beside the stamps (the flux normalisation hides
    brightness from the pixels; ``("log_snr",)`` gives it back, which did not improve accuracy on the
    reduced-mode simulation, so the default is pixels only); ``n_boot``: bootstrap replicates of every error bar.
    """

    field_shape: tuple[int, int] = (512, 512)
    n_stars: int = 150
    n_galaxies: int = 150
    n_train_fields: int = 6
    n_test_fields: int = 2
    stamp_size: int = 21
    epochs: int = 12
    batch_size: int = 128
    cnn_features: tuple[str, ...] = ()
    n_boot: int = 300


REDUCED = AstroConfig()
FULL = AstroConfig(field_shape=(1024, 1024), n_stars=600, n_galaxies=600, n_train_fields=12, n_test_fields=4,
                   epochs=20, n_boot=1000)


def get_config(mode: str | None = None) -> AstroConfig:
    """The :class:`AstroConfig` of ``mode`` (default: ``COURSEKIT_MODE``, read now, not at import)."""
    return sized(REDUCED, FULL, mode)


__all__ = ["AstroConfig", "REDUCED", "FULL", "get_config"]
