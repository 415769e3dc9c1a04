"""The steps notebook 04, the ``gw`` CLI and the ``gw`` benchmark share, with one run-size config.

``CONFIG = sized(REDUCED, FULL)`` picks the size; every step takes the config and an explicit seed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from coursekit.config import sized
from coursekit.gw.io import StrainSegment, read_gwosc_hdf5
from coursekit.gw.simulate import InjectionSampler, whitened_noise
from coursekit.gw.spectral import aligo_psd
from coursekit.gw.waveforms import BBHPrior, WaveformBank

GW150914_GPS = 1126259462.44
GW150914_FILES = ("H-H1_LOSC_4_V2-1126259446-32.hdf5", "L-L1_LOSC_4_V2-1126259446-32.hdf5")


@dataclass(frozen=True)
class GWConfig:
    """Run size of the GW detection pipeline (all durations in s, rates in Hz)."""

    fs: float = 2048.0
    window_duration: float = 1.0
    merger_range: tuple[float, float] = (0.35, 0.95)  # a search slides the windows by this width (0.6 s)
    seg_duration: float = 8.0  # waveform generation grid (PSD resolution 1/8 Hz)
    crop_duration: float = 2.25  # waveforms kept [s], merger at 1.3 s: room for windows with scan context
    prior: BBHPrior = field(default_factory=BBHPrior)
    n_train_waveforms: int = 1000  # many waveforms: the CNN must not learn the bank by heart
    n_test_waveforms: int = 50
    n_template_candidates: int = 250
    minimal_match: float = 0.95
    max_templates: int = 60
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
    seed: int = 2015

    @property
    def search_stride(self) -> float:
        """Step [s] by which a search slides the windows: the width of the merger range, so that every
        merger time falls inside some window's trained range."""
        return (self.merger_range[1] - self.merger_range[0]) * self.window_duration

    def to_dict(self) -> dict:
        d = asdict(self)
        d["prior"] = {"mass_range": list(self.prior.mass_range), "spin_range": list(self.prior.spin_range)}
        return d


REDUCED = GWConfig()
FULL = GWConfig(n_train_waveforms=2000, n_test_waveforms=300, n_template_candidates=2000, minimal_match=0.97,
                max_templates=200, batches_per_epoch=300, epochs=15, batch_size=128, n_val=4096,
                n_noise_eval=10_000, n_signal_eval=500)


def get_config(mode: str | None = None) -> GWConfig:
    """The reduced or full config for the current ``COURSEKIT_MODE``."""
    return sized(REDUCED, FULL, mode)


# --------------------------------------------------------------------------- data

def gw150914_segments(mode: str | None = None) -> list[StrainSegment] | None:
    """H1 and L1 strain around GW150914 (32 s at 4096 Hz).

    Reduced mode reads the copies in ``shared_real_dir()/gw_ligo_losc`` when they exist and
    returns ``None`` otherwise (a student's offline clone); full mode downloads and verifies
    the GWOSC files listed in the manifest as ``gw150914_strain``.
    """
    from coursekit.config import get_mode
    from coursekit.data import fetch, shared_real_dir

    if get_mode(mode) == "full":
        paths = {p.name: p for p in fetch("gw150914_strain")}
        return [read_gwosc_hdf5(paths[name]) for name in GW150914_FILES]
    shared = shared_real_dir()
    if shared is None or not (shared / "gw_ligo_losc" / GW150914_FILES[0]).exists():
        return None
    return [read_gwosc_hdf5(shared / "gw_ligo_losc" / name) for name in GW150914_FILES]


def design_psds(cfg: GWConfig, detectors: tuple[str, ...] = ("H1", "L1")) -> dict[str, np.ndarray]:
    """Advanced-LIGO design PSD for each detector on the waveform grid."""
    psd = aligo_psd(int(round(cfg.seg_duration * cfg.fs)), cfg.fs)
    return {d: psd for d in detectors}


@dataclass
class Banks:
    """Training, test and template waveforms, drawn independently from the same prior."""

    train: WaveformBank
    test: WaveformBank
    templates: WaveformBank
    candidates: int
    seconds: float


def build_banks(cfg: GWConfig, psds: dict[str, np.ndarray], seed: int | None = None) -> Banks:
    """Generate the three waveform banks; templates are placed stochastically (minimal match ``cfg.minimal_match``)."""
    from coursekit.gw.matched_filter import place_template_bank

    rng = np.random.default_rng(cfg.seed if seed is None else seed)
    t0 = time.perf_counter()
    kw = dict(fs=cfg.fs, seg_duration=cfg.seg_duration, crop_duration=cfg.crop_duration)
    train = WaveformBank.generate(cfg.prior.sample_intrinsic(cfg.n_train_waveforms, rng), psds, **kw)
    test = WaveformBank.generate(cfg.prior.sample_intrinsic(cfg.n_test_waveforms, rng), psds, **kw)
    cand_params = cfg.prior.sample_intrinsic(cfg.n_template_candidates, rng)
    cand = WaveformBank.generate(cand_params, psds, **kw)
    keep = place_template_bank(cand, cfg.minimal_match, cfg.max_templates)
    templates = WaveformBank(params={k: v[keep] for k, v in cand.params.items()}, spectra=cand.spectra[keep],
                             gram=cand.gram[keep], fs=cand.fs, crop_duration=cand.crop_duration,
                             merger_offset=cand.merger_offset, detectors=cand.detectors, f_low=cand.f_low,
                             f_high=cand.f_high)
    return Banks(train, test, templates, cfg.n_template_candidates, time.perf_counter() - t0)


def samplers(cfg: GWConfig, banks: Banks) -> tuple[InjectionSampler, InjectionSampler]:
    """Injection samplers for training (train bank) and testing (test bank)."""
    kw = dict(window_duration=cfg.window_duration, merger_range=cfg.merger_range, prior=cfg.prior)
    return InjectionSampler(banks.train, **kw), InjectionSampler(banks.test, **kw)


def context_sampler(cfg: GWConfig, bank: WaveformBank, context: int) -> InjectionSampler:
    """Windows as a continuous scan sees them: ``cfg.window_duration`` s plus ``context`` samples of data
    on each side, with the merger in ``cfg.merger_range`` of the inner window.

    Scored with ``FusedCNN.context_logits(x, context)`` they get exactly the logits that
    ``FusedCNN.stream_logits`` gives the same data inside a long stretch (``context`` =
    ``FusedCNN.context``), so false-alarm thresholds and efficiencies measured on them hold for the scan.
    """
    c = context / cfg.fs
    total = cfg.window_duration + 2 * c
    lo, hi = cfg.merger_range
    merger_range = ((lo * cfg.window_duration + c) / total, (hi * cfg.window_duration + c) / total)
    return InjectionSampler(bank, window_duration=total, merger_range=merger_range, prior=cfg.prior)


def scan_step(cfg: GWConfig, downsample: int) -> int:
    """Samples between windows of a search: the merger-range width, rounded down to the trunk's grid."""
    return max(downsample, int(cfg.search_stride * cfg.fs) // downsample * downsample)


# --------------------------------------------------------------------------- training

def train_cnn(cfg: GWConfig, sampler: InjectionSampler, seed: int | None = None, progress: bool | None = None,
              checkpoint: str | Path | None = None):
    """Train :class:`MultiScaleCNN` with ``BCEWithLogitsLoss`` on freshly simulated windows (shared ``fit``).

    Every epoch draws new noise, sky positions and SNRs (uniform in ``cfg.snr_range``) from the
    training bank; the validation set is fixed. Returns ``(model, history)``.
    """
    import torch

    from coursekit.config import seed_everything
    from coursekit.gw.model import MultiScaleCNN
    from coursekit.training import fit

    seed = cfg.seed if seed is None else seed
    seed_everything(seed)
    rng = np.random.default_rng(seed + 1)
    val = sampler.sample(cfg.n_val, rng, snr=cfg.snr_range)
    xv, yv = torch.from_numpy(val.x), torch.from_numpy(val.y)
    val_loader = [(xv[i:i + 256], yv[i:i + 256]) for i in range(0, len(xv), 256)]
    model = MultiScaleCNN(n_det=sampler.n_det)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-4)
    steps = cfg.epochs * cfg.batches_per_epoch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.2)
    history = fit(model, sampler.batches(cfg.batches_per_epoch, cfg.batch_size, rng, cfg.snr_range), val_loader,
                  loss_fn=torch.nn.BCEWithLogitsLoss(), epochs=cfg.epochs, optimizer=opt, scheduler=sched,
                  scheduler_step="batch", checkpoint=checkpoint, progress=progress, desc="CNN",
                  metrics={"accuracy": lambda o, y: float(((o > 0).float() == y).float().mean())})
    model.eval()
    return model, history


# --------------------------------------------------------------------------- evaluation

@dataclass
class Comparison:
    """Scores of the CNN (logits) and the matched filter (network SNR) on the same windows."""

    noise: dict[str, np.ndarray]
    signal: dict[str, dict[float, np.ndarray]]
    seconds_per_data_second: dict[str, float]
    n_templates: int
    fitting_factor: np.ndarray
    stride: float = 0.0  # s between the windows of the timed search


def compare_with_matched_filter(cfg: GWConfig, model, banks: Banks, test_sampler: InjectionSampler,
                                seed: int | None = None, n_noise: int | None = None, n_signal: int | None = None,
                                snrs: tuple[float, ...] | None = None) -> Comparison:
    """Score the same noise and injection windows with the CNN and the matched filter; time both.

    The windows are those of a continuous search (:func:`context_sampler`): each carries the data
    the CNN's trunk reaches beyond its edges, and the CNN scores it with ``FusedCNN.context_logits``,
    which equals its logit in a scan; the matched filter filters the same samples, for mergers in
    the same range. Times are per second of searched data for a search whose windows step by the
    width of the merger range (:func:`scan_step`): ``"CNN"`` is ``FusedCNN.stream_logits`` over 64 s
    of noise with torch's threads, ``"CNN, 1 thread"`` the same on one core (the NumPy FFTs of both
    matched filters run on one core), ``"matched filter"`` the NumPy window filter.
    """
    import torch

    from coursekit.gw.evaluate import seconds_per_data_second
    from coursekit.gw.matched_filter import WindowFilter, fitting_factors
    from coursekit.gw.model import predict_logits
    from coursekit.training import torch_threads

    rng = np.random.default_rng((cfg.seed if seed is None else seed) + 2)
    n_noise = n_noise or cfg.n_noise_eval
    n_signal = n_signal or cfg.n_signal_eval
    snrs = snrs or cfg.eval_snrs
    fused = model.to("cpu").eval().for_inference()
    sampler = context_sampler(cfg, test_sampler.bank, fused.context)
    mf = WindowFilter.from_bank(banks.templates, sampler.window_duration, sampler.merger_range)
    cnn_fn = lambda x: predict_logits(fused, x, context=fused.context).numpy()  # noqa: E731
    noise_x = sampler.noise(n_noise, rng)
    with torch.inference_mode():
        noise = {"CNN": cnn_fn(noise_x), "matched filter": mf.network_snr(noise_x)}
    signal: dict[str, dict[float, np.ndarray]] = {"CNN": {}, "matched filter": {}}
    for snr in snrs:
        sig, _ = sampler.signals(np.full(n_signal, float(snr)), rng)
        x = sampler.noise(n_signal, rng) + sig
        signal["CNN"][float(snr)] = cnn_fn(x)
        signal["matched filter"][float(snr)] = mf.network_snr(x)
    # both methods only see mergers in merger_range: a search steps the windows by its width
    window, step = int(round(cfg.window_duration * cfg.fs)), scan_step(cfg, fused.downsample)
    b = test_sampler.bank
    stream_s = 64.0  # the CNN is timed on one stretch of noise: one "window" that covers stream_s seconds
    stream = torch.from_numpy(whitened_noise(1, len(b.detectors), int(stream_s * cfg.fs), cfg.fs, b.f_low, b.f_high,
                                             rng))
    scan_fn = lambda x: fused.stream_logits(x, window, step)  # noqa: E731
    with torch.inference_mode():
        times = {"CNN": seconds_per_data_second(scan_fn, stream, stride=stream_s, repeats=3)}
        with torch_threads(1):
            times["CNN, 1 thread"] = seconds_per_data_second(scan_fn, stream, stride=stream_s, repeats=3)
    times["matched filter"] = seconds_per_data_second(mf.network_snr, noise_x[:64], stride=step / cfg.fs)
    ff = fitting_factors(banks.test, banks.templates, np.arange(min(len(banks.test), 40)))
    return Comparison(noise, signal, times, mf.n_templates, ff, stride=step / cfg.fs)


# --------------------------------------------------------------------------- checkpoints

def save_model(model, path: str | Path, cfg: GWConfig, detectors: tuple[str, ...], extra: dict | None = None) -> Path:
    """Save weights plus what ``gw scan`` needs (detectors, rate, window, merger range)."""
    from coursekit.training import save_checkpoint

    meta = {"detectors": list(detectors), "fs": cfg.fs, "window_duration": cfg.window_duration,
            "merger_range": list(cfg.merger_range), "n_det": len(detectors), **(extra or {})}
    return save_checkpoint({"state_dict": model.state_dict(), "meta": meta}, path)


def load_model(path: str | Path):
    """Load a model saved by :func:`save_model`; returns ``(model, meta)``."""
    from coursekit.gw.model import MultiScaleCNN
    from coursekit.training import load_checkpoint

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file {path} does not exist; train one with `python -m coursekit gw train`")
    try:
        state = load_checkpoint(path)
        meta = state["meta"]
        model = MultiScaleCNN(n_det=int(meta["n_det"]))
        model.load_state_dict(state["state_dict"])
    except (KeyError, RuntimeError, TypeError) as exc:
        raise ValueError(f"{path} is not a model saved by `gw train` ({exc})") from exc
    model.eval()
    return model, meta


# --------------------------------------------------------------------------- reduced-mode generators (manifest)

def simulated_windows(n: int = 256, snr: float = 10.0, n_waveforms: int = 20, seed: int = 0):
    """Manifest generator ``gw_bbh_injections``: ``n`` whitened H1+L1 windows, half with an injection at ``snr``.

    Design-PSD Gaussian noise, IMRPhenomD signals from the reduced prior. Returns a
    :class:`coursekit.gw.simulate.WindowBatch`.
    """
    cfg = replace_config(n_train_waveforms=n_waveforms)
    rng = np.random.default_rng(seed)
    bank = WaveformBank.generate(cfg.prior.sample_intrinsic(n_waveforms, rng), design_psds(cfg), fs=cfg.fs,
                                 seg_duration=cfg.seg_duration)
    sampler = InjectionSampler(bank, cfg.window_duration, cfg.merger_range, cfg.prior)
    return sampler.sample(n, rng, snr=float(snr))


def simulated_event_segments(snr: float = 20.0, duration: float = 32.0, event_offset: float = 16.44,
                             t0: float = GW150914_GPS - 16.44, seed: int = 1, psds: dict | None = None
                             ) -> list[StrainSegment]:
    """Manifest generator (reduced stand-in of ``gw150914_strain``): H1+L1 coloured noise with one injection.

    ``duration`` s at 2048 Hz starting at GPS ``t0``, merger at ``t0 + event_offset`` with optimal
    network ``snr``; ``psds`` on the 8 s waveform grid (default: design). Returns two StrainSegments.
    """
    from coursekit.gw.simulate import simulate_strain
    from coursekit.gw.spectral import interpolate_psd, rfft_freqs

    cfg = REDUCED
    rng = np.random.default_rng(seed)
    grid = psds or design_psds(cfg)
    bank = WaveformBank.generate({"mass1": np.array([38.0]), "mass2": np.array([31.0]), "spin1z": np.zeros(1),
                                  "spin2z": np.zeros(1)}, grid, fs=cfg.fs, seg_duration=cfg.seg_duration)
    n = int(round(duration * cfg.fs))
    f8 = rfft_freqs(int(round(cfg.seg_duration * cfg.fs)), cfg.fs)
    long = {d: interpolate_psd(f8, p, n, cfg.fs) for d, p in grid.items()}
    strain, _ = simulate_strain(bank, long, duration, event_offset, snr, rng, t0=t0)
    return [StrainSegment(strain[d], t0, cfg.fs, d) for d in bank.detectors]


def replace_config(**changes) -> GWConfig:
    """The current mode's config with some fields changed."""
    from dataclasses import replace

    return replace(get_config(), **changes)
