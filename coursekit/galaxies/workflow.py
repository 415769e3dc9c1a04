"""Run sizes and the steps notebook 02, the command line and the benchmark share.

One frozen :class:`GalaxyConfig` per mode (``get_config()`` picks it with
:func:`coursekit.sized`), the simulated train/test sets (from different seeds),
the real sample for the domain-shift lesson, a stratified split, and saving /
loading a trained classifier together with its class names and preprocessing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from coursekit.galaxies.model import TrainConfig
from coursekit.galaxies.simulate import CLASSES, simulate_galaxies

#: Seeds of the simulated training and (unseen) test sets.
TRAIN_SEED, TEST_SEED = 0, 2024


@dataclass(frozen=True)
class GalaxyConfig:
    """Everything that changes between reduced and full mode."""

    size: int
    n_train: int
    n_test: int
    train: TrainConfig
    forest_trees: int
    tta: bool | int
    finetune: TrainConfig
    real_crop: float = 0.5  # central fraction of a real cut-out kept (galaxies fill the middle of the frame)
    n_real: int | None = None  # Galaxy10 images used in full mode (None: all)
    finetune_fraction: float = 0.5  # share of the real images used for fine-tuning; the rest tests
    extra: dict = field(default_factory=dict)


#: Reduced: 48-pixel cut-outs, 1,200 training galaxies, 3 epochs from random weights (~50 CPU-seconds of
#: training; the whole notebook is sized for ~90 s on 2 cores).
REDUCED = GalaxyConfig(
    size=48, n_train=1200, n_test=600,
    train=TrainConfig(epochs=4, batch_size=64, lr=2e-3),  # 3 epochs: ResNet18 0.86 < forest 0.89; 4: 0.93
    forest_trees=150, tta=4,
    finetune=TrainConfig(epochs=5, batch_size=32, lr=5e-4, warmup_fraction=0.0, val_fraction=0.2),
)

#: Full: 64-pixel cut-outs, 20,000 simulated galaxies, ImageNet weights with the early layers frozen, Galaxy10.
FULL = GalaxyConfig(
    size=64, n_train=20000, n_test=2000,
    train=TrainConfig(epochs=15, batch_size=128, lr=1e-3, pretrained=True),
    forest_trees=300, tta=True,
    finetune=TrainConfig(epochs=10, batch_size=64, lr=3e-4, val_fraction=0.1, pretrained=True),
    n_real=8000, finetune_fraction=0.8,
)


def get_config(mode: str | None = None) -> GalaxyConfig:
    from coursekit.config import sized

    return sized(REDUCED, FULL, mode)


def simulated_sets(cfg: GalaxyConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) g/r/z counts from seeds :data:`TRAIN_SEED` and :data:`TEST_SEED`."""
    x_train, y_train = simulate_galaxies(cfg.n_train, size=cfg.size, seed=TRAIN_SEED)
    x_test, y_test = simulate_galaxies(cfg.n_test, size=cfg.size, seed=TEST_SEED)
    return x_train, y_train, x_test, y_test


def real_sample(cfg: GalaxyConfig, mode: str | None = None):
    """Real cut-outs for the domain-shift lesson, or ``None`` when none are available offline.

    Full mode: Galaxy10 DECaLS (downloaded and verified through the manifest), mapped
    to the four classes. Reduced mode: the 350 labelled Galaxy Zoo 1 SDSS cut-outs in
    ``../shared/data/real`` when that folder exists (the "don't know" class dropped).
    Returns ``(images, labels, description)``.
    """
    from coursekit.config import get_mode

    if get_mode(mode) == "full":
        from coursekit.data import fetch
        from coursekit.galaxies.data import load_galaxy10

        path = fetch("galaxy10_decals")[0]
        idx = None
        if cfg.n_real is not None:
            import h5py

            with h5py.File(path, "r") as fh:
                total = fh["ans"].shape[0]
            idx = np.random.default_rng(0).choice(total, size=min(cfg.n_real, total), replace=False)
        x, y, _ = load_galaxy10(path, task="four", size=cfg.size, crop=cfg.real_crop, indices=idx)
        return x, y, "Galaxy10 DECaLS (g/r/z colour JPEG-like uint8)"
    from coursekit.data import shared_real_dir
    from coursekit.galaxies.data import gz1_mapping, load_image_folder

    root = shared_real_dir()
    if root is None or not (root / "galaxy_zoo1_sdss_images").is_dir():
        return None
    x, y, _, _ = load_image_folder(root / "galaxy_zoo1_sdss_images", size=cfg.size, crop=cfg.real_crop,
                                   mapping=gz1_mapping())
    return x, y, "Galaxy Zoo 1 SDSS gri colour JPEGs (350, 'don't know' dropped)"


def stratified_split(labels: np.ndarray, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (first, second) with ``fraction`` of every class in the first part."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    first = []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        first.append(idx[: int(round(fraction * len(idx)))])
    first = np.sort(np.concatenate(first))
    second = np.setdiff1d(np.arange(len(labels)), first)
    return first, second


# --------------------------------------------------------------------------- saving

def save_model(model, path: str | Path, *, size: int, crop: float = 0.5, config: TrainConfig | None = None) -> Path:
    """Save weights + class names + preprocessing (input size, crop, stem) in one file (read with :func:`load_model`)."""
    from coursekit.training import save_checkpoint

    stem = "small" if getattr(model.trunk.maxpool, "kernel_size", None) is None else "imagenet"
    state = {
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "classes": list(model.classes),
        "size": int(size),
        "crop": float(crop),
        "stem": stem,
        "preprocessing": "colour images in [0, 1]: simulations via flux_to_rgb (Lupton asinh, R,G,B = z,r,g); "
                         "JPEG/PNG via uint8_to_rgb (centre crop, resize)",
        "train_config": {k: v for k, v in asdict(config).items()} if config is not None else {},
    }
    return save_checkpoint(state, path)


def load_model(path: str | Path):
    """Rebuild a classifier saved by :func:`save_model`; returns ``(model, metadata)``."""
    from coursekit.galaxies.model import build_model
    from coursekit.training import load_checkpoint

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        state = load_checkpoint(path)
    except Exception as exc:  # pickle/zip errors from a file that is not a checkpoint
        raise ValueError(f"{path} is not a model saved by `galaxies train`: {exc}") from exc
    if not isinstance(state, dict) or "state_dict" not in state or "classes" not in state:
        raise ValueError(f"{path} is not a model saved by `galaxies train` (no state_dict/classes)")
    model = build_model(tuple(state["classes"]), stem=state.get("stem", "imagenet"))
    model.load_state_dict(state["state_dict"])
    model.eval()
    meta = {k: v for k, v in state.items() if k != "state_dict"}
    return model, meta


__all__ = ["CLASSES", "FULL", "REDUCED", "GalaxyConfig", "get_config", "load_model", "real_sample", "save_model",
           "simulated_sets", "stratified_split"]
