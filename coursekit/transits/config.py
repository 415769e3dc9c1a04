"""Run sizes of the transits topic: one frozen :class:`Config` per mode, read at call time.

``get_config()`` picks :data:`REDUCED` or :data:`FULL` from ``mode`` or ``$COURSEKIT_MODE`` each time it is
called (nothing is evaluated at import, so setting the mode after ``import coursekit`` works).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from coursekit.config import sized


@dataclass(frozen=True)
class CNNConfig:
    """Widths of the two convolution columns and the dense head of the dual-view CNN.

    global_channels / local_channels: output channels of each block (one block = ``convs_per_block``
    convolutions of ``kernel`` + ReLU, then max pooling ``pool`` with stride 2).
    fc: widths of the hidden dense layers. dropout: before each dense layer.
    """

    global_channels: tuple[int, ...] = (8, 16, 32, 32)
    local_channels: tuple[int, ...] = (8, 16)
    convs_per_block: int = 1
    kernel: int = 5
    global_pool: int = 5
    local_pool: int = 7
    fc: tuple[int, ...] = (64, 64)
    dropout: float = 0.2

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CNNConfig:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


#: Closer to the paper's widths (Shallue & Vanderburg 2018, Sec. 4; for full mode / a GPU).
PAPER_CONFIG = CNNConfig(
    global_channels=(16, 32, 64, 128, 256),
    local_channels=(16, 32),
    convs_per_block=2,
    fc=(512, 512, 512, 512),
    dropout=0.3,
)


@dataclass(frozen=True)
class Config:
    """Sizes of one run.

    n_lightcurves: simulated TCEs (split 80/10/10). n_quarters: ~90-d quarters per simulated light curve.
    epochs, batch_size, patience, cnn: CNN training. n_bls_examples: planets searched by the BLS benchmark.
    kepler90_signals: signals extracted from Kepler-90. n_real_kois: labelled KOIs (half CONFIRMED, half FALSE
    POSITIVE) whose MAST light curves full mode trains on. n_injections / injection_snr: the injection-recovery
    experiment (planets injected per SNR bin, the bin edges). n_search_examples: simulated stars of each kind searched
    blind to calibrate the vetter of the model ``transits train`` saves on what ``transits search`` scores
    (:func:`coursekit.transits.experiment.search_examples`; 0: the clean validation TCEs only). seed: of every random
    choice of the run.
    """

    n_lightcurves: int
    n_quarters: int
    epochs: int
    cnn: CNNConfig = field(default_factory=CNNConfig)
    batch_size: int = 64
    patience: int = 5
    n_bls_examples: int = 150
    kepler90_signals: int = 3
    n_real_kois: int = 300
    n_injections: int = 6
    injection_snr: tuple[float, ...] = (3.0, 5.0, 7.0, 10.0, 20.0)
    n_search_examples: int = 20
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("n_lightcurves", "n_quarters", "epochs", "batch_size", "n_bls_examples", "kepler90_signals",
                     "n_real_kois", "n_injections"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"transits Config: {name} must be a positive integer, got {value!r}")
        if not isinstance(self.n_search_examples, int) or self.n_search_examples < 0:
            raise ValueError(f"transits Config: n_search_examples must be an integer >= 0, got "
                             f"{self.n_search_examples!r}")
        if self.n_lightcurves < 50:
            raise ValueError(f"transits Config: n_lightcurves must be at least 50 to train and validate, "
                             f"got {self.n_lightcurves}")

    def with_(self, **changes) -> Config:
        """A copy with some fields changed (validated like the original)."""
        return replace(self, **changes)


REDUCED = Config(n_lightcurves=1500, n_quarters=2, epochs=12,
                 cnn=CNNConfig(global_channels=(4, 8, 16), local_channels=(8, 16), fc=(64,)))
FULL = Config(n_lightcurves=20000, n_quarters=6, epochs=40, cnn=PAPER_CONFIG, batch_size=128, patience=8,
              n_bls_examples=300, kepler90_signals=4, n_injections=40, n_search_examples=60)


def get_config(mode: str | None = None) -> Config:
    """The run sizes for ``mode`` (default ``$COURSEKIT_MODE``, else reduced), read now, not at import."""
    return sized(REDUCED, FULL, mode)
