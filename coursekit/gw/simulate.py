"""Whitened detector windows with and without binary-black-hole signals.

A window is ``window_duration`` s of whitened, band-passed strain from each detector
(shape ``(n_det, window_duration * fs)``), as in Gabbard et al. 2018 (PRL 120, 141103):
noise-only windows are the negative class; positive windows hold one injection whose
merger (peak of |h|, at the Earth's centre) falls at a random position
``merger_range`` (fraction of the window), scaled to a chosen *optimal network SNR*
``sqrt(sum_det <h_det, h_det>)`` of the full waveform from ``f_low``.

Noise: stationary Gaussian noise with the detector PSD, whitened with the same PSD, is white
Gaussian noise restricted to the analysis band (:func:`coursekit.gw.spectral.whiten` of
:func:`coursekit.gw.spectral.coloured_noise`; ``tests/test_gw_simulate.py`` checks the
equivalence). The fast path below draws it directly in the whitened domain, so a window costs
two FFTs per detector, and signals are taken from a pre-computed :class:`WaveformBank` with
fresh extrinsic parameters for each draw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import scipy.fft

from coursekit.gw.spectral import band_fraction, band_mask
from coursekit.gw.waveforms import BBHPrior, WaveformBank, projection_coefficients


@dataclass
class WindowBatch:
    """Simulated windows: ``x`` (n, n_det, n_samples) float32, ``y`` (n,) 0/1, per-window parameters."""

    x: np.ndarray
    y: np.ndarray
    params: dict[str, np.ndarray] = field(default_factory=dict)


def whitened_noise(n: int, n_det: int, n_samples: int, fs: float, f_low: float, f_high: float,
                   rng: np.random.Generator) -> np.ndarray:
    """Whitened, band-passed, unit-variance Gaussian noise, (n, n_det, n_samples) float32."""
    band = np.flatnonzero(band_mask(n_samples, fs, f_low, f_high))
    if band.size == 0:
        raise ValueError(f"no frequency bin of a {n_samples}-sample window at {fs} Hz lies in [{f_low}, {f_high}] Hz")
    lo, hi = int(band[0]), int(band[-1]) + 1  # the band is one run of frequency bins
    spec = np.zeros((n, n_det, n_samples // 2 + 1), dtype=np.complex64)
    # E|X_k|^2 = n_samples for unit white noise; unit variance inside the band
    scale = np.float32(np.sqrt(n_samples / 2.0 / band_fraction(n_samples, fs, f_low, f_high)))
    spec.real[..., lo:hi] = rng.standard_normal((n, n_det, hi - lo), dtype=np.float32)
    spec.imag[..., lo:hi] = rng.standard_normal((n, n_det, hi - lo), dtype=np.float32)
    spec *= scale
    return scipy.fft.irfft(spec, n=n_samples, axis=-1).astype(np.float32, copy=False)


class InjectionSampler:
    """Draw whitened windows with injections from a :class:`WaveformBank`.

    Parameters
    ----------
    bank: whitened waveforms (its detectors, rate and band define the windows)
    window_duration: seconds per window (1 s at 2048 Hz by default)
    merger_range: where in the window the merger may fall (fractions of the window)
    """

    def __init__(self, bank: WaveformBank, window_duration: float = 1.0,
                 merger_range: tuple[float, float] = (0.6, 0.9), prior: BBHPrior | None = None):
        if not 0 <= merger_range[0] <= merger_range[1] <= 1:
            raise ValueError(f"merger_range {merger_range} must be fractions 0 <= lo <= hi <= 1")
        lo_s, hi_s = merger_range[0] * window_duration, merger_range[1] * window_duration
        margin = 0.03
        if hi_s + margin > bank.merger_offset or bank.crop_duration - bank.merger_offset < window_duration - lo_s + margin:
            raise ValueError(
                f"the bank crop ({bank.crop_duration} s, merger at {bank.merger_offset} s) is too short for "
                f"{window_duration} s windows with the merger at {merger_range}"
            )
        self.bank = bank
        self.window_duration = window_duration
        self.merger_range = merger_range
        self.prior = prior or BBHPrior()
        self.n_samples = int(round(window_duration * bank.fs))

    @property
    def n_det(self) -> int:
        return len(self.bank.detectors)

    def noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        b = self.bank
        return whitened_noise(n, self.n_det, self.n_samples, b.fs, b.f_low, b.f_high, rng)

    def signals(self, snr: np.ndarray | float, rng: np.random.Generator, n: int | None = None,
                templates: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Whitened signals only (no noise), (n, n_det, n_samples), scaled to optimal network ``snr``.

        Returns the signals and their parameters (template index, masses, spins, extrinsic
        parameters, merger time in the window [s], per-detector SNR, implied distance [Mpc]).
        """
        b = self.bank
        snr = np.asarray(snr, dtype=float)
        if n is None:
            n = snr.size if snr.ndim else 1
        snr = np.broadcast_to(snr, (n,)).astype(float)
        k = rng.integers(0, len(b), n) if templates is None else np.asarray(templates)
        ext = self.prior.sample_extrinsic(n, rng)
        cp, cx, delay = projection_coefficients(ext, b.detectors)  # (n_det, n)
        g = b.gram[k]  # (n, n_det, 3)
        rho2 = cp.T**2 * g[..., 0] + 2 * cp.T * cx.T * g[..., 1] + cx.T**2 * g[..., 2]  # (n, n_det) at 1 Mpc
        net = np.sqrt(rho2.sum(axis=1))
        scale = snr / net
        t_merge = rng.uniform(*self.merger_range, n) * self.window_duration
        freqs = np.fft.rfftfreq(b.n_crop, 1 / b.fs).astype(np.float32)
        out = np.empty((n, self.n_det, self.n_samples), dtype=np.float32)
        chunk = 512
        for s in range(0, n, chunk):
            sl = slice(s, min(n, s + chunk))
            spec = b.spectra[k[sl]]  # (m, n_det, 2, nf)
            coef_p = (cp[:, sl].T * scale[sl, None])[..., None].astype(np.float32)
            coef_x = (cx[:, sl].T * scale[sl, None])[..., None].astype(np.float32)
            comb = coef_p * spec[:, :, 0] + coef_x * spec[:, :, 1]  # (m, n_det, nf)
            shift = t_merge[sl, None] + delay[:, sl].T - b.merger_offset  # (m, n_det) seconds
            phase = (-2 * np.pi * shift[..., None]).astype(np.float32) * freqs
            comb *= np.cos(phase) + 1j * np.sin(phase)
            out[sl] = scipy.fft.irfft(comb, n=b.n_crop, axis=-1)[..., : self.n_samples]
        params = {"template": k, **{key: v[k] for key, v in b.params.items()}, **ext, "t_merger": t_merge,
                  "snr": snr, "distance_mpc": 1.0 / scale}
        for d, det in enumerate(b.detectors):
            params[f"snr_{det}"] = np.sqrt(rho2[:, d]) * scale
            params[f"delay_{det}"] = delay[d]
        return out, params

    def sample(self, n: int, rng: np.random.Generator, snr: float | tuple[float, float] | np.ndarray = (5.0, 20.0),
               signal_fraction: float = 0.5) -> WindowBatch:
        """``n`` windows; a fraction ``signal_fraction`` holds an injection.

        ``snr``: a fixed optimal network SNR, a ``(low, high)`` range drawn uniformly, or an array.
        """
        y = (rng.random(n) < signal_fraction).astype(np.float32)
        x = self.noise(n, rng)
        idx = np.flatnonzero(y)
        params: dict[str, np.ndarray] = {}
        if idx.size:
            if isinstance(snr, tuple):
                s = rng.uniform(snr[0], snr[1], idx.size)
            else:
                s = np.broadcast_to(np.asarray(snr, float), (n,))[idx] if np.ndim(snr) else float(snr)
            sig, p = self.signals(s, rng, n=idx.size)
            x[idx] += sig
            for key, v in p.items():
                full = np.full(n, np.nan)
                full[idx] = v
                params[key] = full
        return WindowBatch(x=x, y=y, params=params)

    def batches(self, n_batches: int, batch_size: int, rng: np.random.Generator,
                snr: float | tuple[float, float] = (5.0, 20.0)) -> TrainingStream:
        """A re-iterable stream of fresh ``(x, y)`` torch batches (new noise and sky each epoch)."""
        return TrainingStream(self, n_batches, batch_size, rng, snr)


class TrainingStream:
    """Iterable of ``n_batches`` freshly simulated ``(x, y)`` torch batches; each pass draws new data."""

    def __init__(self, sampler: InjectionSampler, n_batches: int, batch_size: int, rng: np.random.Generator,
                 snr: float | tuple[float, float]):
        self.sampler, self.n_batches, self.batch_size, self.rng, self.snr = sampler, n_batches, batch_size, rng, snr

    def __len__(self) -> int:
        return self.n_batches

    def __iter__(self) -> Iterator:
        import torch

        for _ in range(self.n_batches):
            b = self.sampler.sample(self.batch_size, self.rng, snr=self.snr)
            yield torch.from_numpy(b.x), torch.from_numpy(b.y)


def simulate_strain(bank: WaveformBank, psds: dict[str, np.ndarray], duration: float, t_merger: float,
                    snr: float, rng: np.random.Generator, t0: float = 0.0, template: int = 0,
                    with_noise: bool = True) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """A stretch of *coloured* (un-whitened) detector strain with one injection, for scans and figures.

    psds: ``{det: (duration*fs/2+1,) PSD}`` on the rfft grid of the stretch. The merger reaches
    the Earth's centre at ``t0 + t_merger``. Returns ``({det: (duration*fs,) strain}, params)``.
    The signal is the bank waveform ``template`` coloured back with the PSD, so whitening the
    result with the same PSD gives the bank's whitened waveform plus white noise.
    """
    from coursekit.gw.spectral import coloured_noise

    fs = bank.fs
    n = int(round(duration * fs))
    ext = BBHPrior.sample_extrinsic(1, rng)
    cp, cx, delay = projection_coefficients(ext, bank.detectors)
    g = bank.gram[template]
    rho2 = cp[:, 0] ** 2 * g[:, 0] + 2 * cp[:, 0] * cx[:, 0] * g[:, 1] + cx[:, 0] ** 2 * g[:, 2]
    scale = snr / np.sqrt(rho2.sum())
    freqs = np.fft.rfftfreq(n, 1 / fs)
    frac = band_fraction(bank.n_crop, fs, bank.f_low, bank.f_high)
    mask = band_mask(n, fs, bank.f_low, bank.f_high)
    out = {}
    for d, det in enumerate(bank.detectors):
        psd = np.asarray(psds[det])
        whit = (cp[d, 0] * bank.time_series(template, d)[0] + cx[d, 0] * bank.time_series(template, d)[1]) * scale
        pad = np.zeros(n)
        pad[: bank.n_crop] = whit * np.sqrt(frac)  # undo the unit-variance normalisation
        spec = np.fft.rfft(pad) * np.exp(-2j * np.pi * freqs * (t_merger + delay[d, 0] - bank.merger_offset))
        colour = np.where(mask, np.sqrt(psd * fs / 2.0), 0.0)
        out[det] = np.fft.irfft(spec * colour, n=n)
        if with_noise:
            out[det] += coloured_noise(psd, n, fs, rng)
    params = {key: float(v[template]) for key, v in bank.params.items()}
    params.update({key: float(v[0]) for key, v in ext.items()})
    params.update({"snr": float(snr), "t_merger": t0 + t_merger, "distance_mpc": float(1 / scale)})
    params.update({f"delay_{det}": float(delay[d, 0]) for d, det in enumerate(bank.detectors)})
    return out, params


# --------------------------------------------------------------------------- banks and samplers of a run

def design_psds(fs: float = 2048.0, seg_duration: float = 16.0, detectors: tuple[str, ...] = ("H1", "L1")
                ) -> dict[str, np.ndarray]:
    """Advanced-LIGO design PSD for each detector on the rfft grid of ``seg_duration`` s at ``fs`` Hz."""
    from coursekit.gw.spectral import aligo_psd

    psd = aligo_psd(int(round(seg_duration * fs)), fs)
    return {d: psd for d in detectors}


@dataclass
class Banks:
    """Training, test and template waveforms, drawn independently from the same prior."""

    train: WaveformBank
    test: WaveformBank
    templates: WaveformBank
    candidates: int
    seconds: float


def build_banks(cfg, psds: dict[str, np.ndarray], seed: int | None = None) -> Banks:
    """Generate the three waveform banks of a run (``cfg``: :class:`coursekit.gw.config.Config`).

    Templates are placed stochastically (minimal match ``cfg.minimal_match``) among
    ``cfg.n_template_candidates`` draws from the prior. ``psds`` on the rfft grid of
    ``cfg.seg_duration`` s (measured from the data, or :func:`design_psds`).
    """
    import time

    rng = np.random.default_rng(cfg.seed if seed is None else seed)
    t0 = time.perf_counter()
    kw = dict(fs=cfg.fs, seg_duration=cfg.seg_duration, crop_duration=cfg.crop_duration,
              merger_offset=cfg.merger_offset)
    train = WaveformBank.generate(cfg.prior.sample_intrinsic(cfg.n_train_waveforms, rng), psds, **kw)
    test = WaveformBank.generate(cfg.prior.sample_intrinsic(cfg.n_test_waveforms, rng), psds, **kw)
    templates = template_bank(cfg, psds, rng)
    return Banks(train, test, templates, cfg.n_template_candidates, time.perf_counter() - t0)


def template_bank(cfg, psds: dict[str, np.ndarray], rng: np.random.Generator | None = None) -> WaveformBank:
    """Templates placed stochastically (Harry, Allen & Sathyaprakash 2009) among ``cfg.n_template_candidates``
    draws from the prior, minimal match ``cfg.minimal_match``, at most ``cfg.max_templates``."""
    from coursekit.gw.baseline import place_template_bank

    rng = np.random.default_rng(cfg.seed + 3) if rng is None else rng
    kw = dict(fs=cfg.fs, seg_duration=cfg.seg_duration, crop_duration=cfg.crop_duration,
              merger_offset=cfg.merger_offset)
    cand = WaveformBank.generate(cfg.prior.sample_intrinsic(cfg.n_template_candidates, rng), psds, **kw)
    keep = place_template_bank(cand, cfg.minimal_match, cfg.max_templates)
    return WaveformBank(params={k: v[keep] for k, v in cand.params.items()}, spectra=cand.spectra[keep],
                        gram=cand.gram[keep], fs=cand.fs, crop_duration=cand.crop_duration,
                        merger_offset=cand.merger_offset, detectors=cand.detectors, f_low=cand.f_low,
                        f_high=cand.f_high)


def samplers(cfg, banks: Banks) -> tuple[InjectionSampler, InjectionSampler]:
    """Injection samplers for training (train bank) and testing (test bank)."""
    kw = dict(window_duration=cfg.window_duration, merger_range=cfg.merger_range, prior=cfg.prior)
    return InjectionSampler(banks.train, **kw), InjectionSampler(banks.test, **kw)


def context_sampler(cfg, bank: WaveformBank, context: int) -> InjectionSampler:
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


# --------------------------------------------------------------------------- glitches

GLITCH_KINDS = ("sine-gaussian", "blip")


def sine_gaussian(n: int, fs: float, t0: float, f0: float, q: float, phase: float = 0.0) -> np.ndarray:
    """Sine-Gaussian burst (n,): ``exp(-(t - t0)^2 / tau^2) sin(2 pi f0 (t - t0) + phase)``, ``tau = q / (sqrt(2) pi f0)``.

    The standard glitch and burst waveform of LIGO detector characterisation (Chatterji et al.
    2004, CQG 21, S1809); unit peak envelope.
    """
    t = np.arange(n) / fs - t0
    tau = q / (np.sqrt(2) * np.pi * f0)
    return np.exp(-(t / tau) ** 2) * np.sin(2 * np.pi * f0 * t + phase)


def blip(n: int, fs: float, t0: float, width: float = 3e-3) -> np.ndarray:
    """Blip-like glitch (n,): a Ricker wavelet of ``width`` s, a ~10 ms broadband transient like the
    blip glitches of O1/O2 (Cabero et al. 2019, CQG 36, 155010); unit peak."""
    t = (np.arange(n) / fs - t0) / width
    return (1 - t**2) * np.exp(-(t**2) / 2)


def add_glitches(x: np.ndarray, fs: float, rng: np.random.Generator, kind: str = "sine-gaussian",
                 snr: tuple[float, float] = (8.0, 30.0), time_range: tuple[float, float] = (0.2, 0.8),
                 f_low: float = 20.0, f_high: float = 1000.0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Add one glitch to one random detector of each whitened window ``x`` (n, n_det, n_samples).

    kind: ``"sine-gaussian"`` (f0 log-uniform in 40-300 Hz, Q uniform in 4-20) or ``"blip"``;
    ``snr``: range of the glitch's SNR in its detector (its norm in whitened, band-passed units,
    uniform); ``time_range``: where its peak falls (fractions of the window). A glitch lives in one
    detector only, unlike a signal. The SNR of a glitch ``g`` in these unit-variance, band-limited
    windows is ``sqrt(frac * sum g^2)`` (``frac``: :func:`coursekit.gw.spectral.band_fraction`), as for
    the injections. Returns the new windows and the glitch parameters.
    """
    from coursekit.gw.spectral import band_limit

    if kind not in GLITCH_KINDS:
        raise ValueError(f"unknown glitch kind {kind!r}; use one of {GLITCH_KINDS}")
    x = np.array(x, dtype=np.float32, copy=True)
    n, nd, m = x.shape
    frac = band_fraction(m, fs, f_low, f_high)
    det = rng.integers(0, nd, n)
    t0 = rng.uniform(*time_range, n) * m / fs
    rho = rng.uniform(*snr, n)
    f0 = np.exp(rng.uniform(np.log(40.0), np.log(300.0), n))
    q = rng.uniform(4.0, 20.0, n)
    for i in range(n):
        g = sine_gaussian(m, fs, t0[i], f0[i], q[i], rng.uniform(0, 2 * np.pi)) if kind == "sine-gaussian" \
            else blip(m, fs, t0[i])
        g = band_limit(g, fs, f_low, f_high)
        x[i, det[i]] += (rho[i] * g / np.sqrt(frac * np.sum(g**2))).astype(np.float32)
    return x, {"detector": det, "t_peak": t0, "snr": rho, "f0": f0, "q": q}


# --------------------------------------------------------------------------- stand-ins of the manifest

def simulated_windows(n: int = 256, snr: float = 10.0, n_waveforms: int = 20, seed: int = 0) -> WindowBatch:
    """Manifest generator ``gw_bbh_injections``: ``n`` whitened H1+L1 windows, half with an injection at ``snr``.

    Design-PSD Gaussian noise, IMRPhenomD signals from the reduced prior.
    """
    from coursekit.gw.config import REDUCED as cfg

    rng = np.random.default_rng(seed)
    bank = WaveformBank.generate(cfg.prior.sample_intrinsic(n_waveforms, rng), design_psds(cfg.fs, cfg.seg_duration),
                                 fs=cfg.fs, seg_duration=cfg.seg_duration)
    sampler = InjectionSampler(bank, cfg.window_duration, cfg.merger_range, cfg.prior)
    return sampler.sample(n, rng, snr=float(snr))


def simulate_event_strain(snr: float = 20.0, duration: float = 32.0, event_offset: float = 16.44,
                          t0: float = 1126259446.0, seed: int = 1, fs: float = 4096.0,
                          psds: dict | None = None) -> dict:
    """Stand-in of ``gw150914_strain``: H1+L1 coloured noise with one 38+31 Msun injection, as gwpy TimeSeries.

    ``duration`` s at ``fs`` Hz (4096, as the GWOSC files) from GPS ``t0``, merger at ``t0 + event_offset`` with optimal
    network ``snr``; ``psds`` on the 16 s waveform grid (default: design). Returns
    ``{detector: TimeSeries}`` named ``"H1:Strain"``, ``"L1:Strain"``.
    """
    from coursekit.gw.data import as_timeseries
    from coursekit.gw.spectral import interpolate_psd, rfft_freqs

    seg = 16.0
    rng = np.random.default_rng(seed)
    grid = psds or design_psds(fs, seg)
    bank = WaveformBank.generate({"mass1": np.array([38.0]), "mass2": np.array([31.0]), "spin1z": np.zeros(1),
                                  "spin2z": np.zeros(1)}, grid, fs=fs, seg_duration=seg)
    n = int(round(duration * fs))
    f_grid = rfft_freqs(int(round(seg * fs)), fs)
    long = {d: interpolate_psd(f_grid, p, n, fs) for d, p in grid.items()}
    strain, _ = simulate_strain(bank, long, duration, event_offset, snr, rng, t0=t0)
    return {d: as_timeseries(strain[d], t0, fs, d) for d in bank.detectors}
