"""Run sizes of the gravitational-wave lesson: ``REDUCED`` (a 2-core laptop, about a minute) and ``FULL``.

One accessor, :func:`get_config`; nothing here reads the environment at import. All durations
are in s, rates in Hz, masses in solar masses (detector frame).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from coursekit.config import sized
from coursekit.gw.waveforms import BBHPrior


@dataclass(frozen=True)
class Config:
    """Run size of the GW detection lesson.

    The prior covers the binary black holes of GWTC-1 in the detector frame (Abbott et al. 2019,
    PRX 9, 031040): components from 7 Msun (GW151226, GW170608) to 50 Msun, mass ratios down to
    1:3. The lightest of them spend ~11 s above 20 Hz, so waveforms are generated on 16 s grids.
    """

    fs: float = 2048.0
    window_duration: float = 1.0
    merger_range: tuple[float, float] = (0.35, 0.95)  # a search slides the windows by this width (0.6 s)
    seg_duration: float = 16.0  # waveform generation grid (PSD resolution 1/16 Hz); longer than any signal
    crop_duration: float = 2.75  # waveforms kept [s]: room for windows with the CNN's scan context (0.44 s a side)
    merger_offset: float = 1.5  # merger this far [s] into the kept crop
    prior: BBHPrior = field(default_factory=BBHPrior)
    n_train_waveforms: int = 1000  # many waveforms: the CNN must not learn the bank by heart
    n_test_waveforms: int = 50
    n_template_candidates: int = 250
    minimal_match: float = 0.95
    max_templates: int | None = 60
    snr_range: tuple[float, float] = (6.0, 16.0)
    batch_size: int = 64
    batches_per_epoch: int = 40
    epochs: int = 8
    lr: float = 3e-3
    n_val: int = 512
    n_noise_eval: int = 2000
    n_signal_eval: int = 200
    eval_snrs: tuple[float, ...] = (6.0, 8.0, 10.0, 12.0, 15.0)
    faps: tuple[float, ...] = (1e-2, 1e-3)
    scan_stride: float = 1 / 16  # window step of the scan of real strain [s]
    background_s: float = 256.0  # s of simulated noise per detector for the time-slide background
    n_slides: int = 8  # time slides of that noise (L1 shifted by multiples of 1 s + the coincidence window)
    n_glitch_windows: int = 400  # noise windows with one glitch each (glitch section)
    seed: int = 2015

    @property
    def search_stride(self) -> float:
        """Step [s] by which a search slides the windows: the width of the merger range, so that every
        merger time falls inside some window's trained range."""
        return (self.merger_range[1] - self.merger_range[0]) * self.window_duration

    def to_dict(self) -> dict:
        d = asdict(self)
        d["prior"] = {"mass_range": list(self.prior.mass_range), "spin_range": list(self.prior.spin_range),
                      "min_mass_ratio": self.prior.min_mass_ratio}
        return d


REDUCED = Config()
FULL = Config(n_train_waveforms=2000, n_test_waveforms=300, n_template_candidates=2000, minimal_match=0.97,
              max_templates=200, batches_per_epoch=300, epochs=15, batch_size=128, n_val=4096,
              n_noise_eval=10_000, n_signal_eval=500, background_s=1024.0, n_slides=32,
              n_glitch_windows=2000)


def get_config(mode: str | None = None, **changes) -> Config:
    """The reduced or full config for ``mode`` (default ``COURSEKIT_MODE``), with ``changes`` applied."""
    cfg = sized(REDUCED, FULL, mode)
    return replace(cfg, **changes) if changes else cfg
