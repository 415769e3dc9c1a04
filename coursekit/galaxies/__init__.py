"""Galaxy morphology with CNNs: simulator, loaders, ResNet18 classifier, feature baseline, evaluation.

Modules: :mod:`~coursekit.galaxies.simulate` (four-class g/r/z cut-outs),
:mod:`~coursekit.galaxies.preprocess` (Lupton asinh colour images),
:mod:`~coursekit.galaxies.data` (Galaxy10 DECaLS HDF5 and image-folder loaders),
:mod:`~coursekit.galaxies.model` (ResNet18, augmentation, rotation-averaged prediction),
:mod:`~coursekit.galaxies.features` (CAS/Gini/colour features + random forest),
:mod:`~coursekit.galaxies.evaluate` and :mod:`~coursekit.galaxies.plots`.

The most used names are importable from here; torch is only imported when a
model function is first used.
"""

from __future__ import annotations

import importlib
from typing import Any

from coursekit.galaxies.simulate import BANDS, CLASSES, simulate_galaxies

_LAZY = {
    "build_model": "model",
    "predict": "model",
    "train_classifier": "model",
    "TrainConfig": "model",
    "SkyAugment": "model",
    "flux_to_rgb": "preprocess",
    "uint8_to_rgb": "preprocess",
    "morphology_features": "features",
    "train_forest": "features",
    "FEATURE_NAMES": "features",
    "load_galaxy10": "data",
    "load_image_folder": "data",
}

__all__ = ["BANDS", "CLASSES", "simulate_galaxies", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"coursekit.galaxies.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'coursekit.galaxies' has no attribute {name!r}")
