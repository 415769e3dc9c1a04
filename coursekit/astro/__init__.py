"""Astropy + ML: from a FITS image with a WCS to a source catalogue, postage stamps, a model and back.

Modules (import them explicitly; this package imports nothing heavy):

``fitsio``     read an image HDU with a celestial WCS, with clear errors when it has none
``simulate``   a simulated field: TAN WCS, PSF stars, Sersic galaxies, sky and Poisson noise
``detect``     background, segmentation, source catalogue, sky cross-match, completeness
``stamps``     ``Cutout2D`` postage stamps (edges included) and a torch ``Dataset``
``model``      a small star/galaxy CNN and the classical baselines it is compared with
``catalog``    predictions -> FITS table with units and provenance, and back
``cluster``    the densest concentration of stars on the sky (M67 on the DSS plate)
``plots``      figures for notebook 08
"""

from __future__ import annotations

from dataclasses import dataclass

from coursekit.config import sized


@dataclass(frozen=True)
class AstroConfig:
    """Run size of the astro topic (one per mode; see :func:`coursekit.config.sized`).

    ``field_shape``: (ny, nx) pixels of the simulated test field; ``n_stars``/``n_galaxies`` per field;
    ``n_train_fields``: simulated fields whose stamps train the classifier; ``stamp_size`` in pixels;
    ``epochs``/``batch_size`` for the CNN; ``cnn_features``: catalogue columns the CNN gets beside the stamps
    (the flux normalisation hides brightness from the pixels; ``("log_snr",)`` gives it back, which did not
    improve accuracy on the reduced-mode simulation, so the default is pixels only).
    """

    field_shape: tuple[int, int] = (512, 512)
    n_stars: int = 150
    n_galaxies: int = 150
    n_train_fields: int = 6
    stamp_size: int = 21
    epochs: int = 12
    batch_size: int = 128
    cnn_features: tuple[str, ...] = ()


REDUCED = AstroConfig()
FULL = AstroConfig(field_shape=(1024, 1024), n_stars=600, n_galaxies=600, n_train_fields=12, epochs=20)


def get_config(mode: str | None = None) -> AstroConfig:
    """The :class:`AstroConfig` of the current run mode."""
    return sized(REDUCED, FULL, mode)


__all__ = ["AstroConfig", "REDUCED", "FULL", "get_config"]
