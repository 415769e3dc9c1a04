"""The lesson's steps: data -> simulate -> train -> compare with the matched filter -> scan -> where it breaks.

Each step is a plain function returning a typed result; notebook 04 calls them one section at
a time, ``python -m coursekit gw run`` calls :func:`run` (all of them, in order) and the ``gw``
bench times the same steps.

1. :func:`load_data`: GW150914 strain (real sample, or the stand-in), whitened, PSDs measured.
2. :func:`simulate`: training, test and template banks with the measured PSDs.
3. :func:`train`: the CNN.
4. :func:`compare`: CNN and matched filter on the same noise and injection windows, timed.
5. :func:`scan_event`: the CNN scan of the event, and the matched filter's network SNR on the same data.
6. :func:`glitch_test`: glitches injected into test noise; false alarms of the CNN and of the
   matched filter with and without the chi^2 test.
7. :func:`time_slide_background`: the false-alarm rate of overlapping windows by time slides.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from coursekit.gw.config import Config, get_config
from coursekit.gw.data import GW150914_GPS, EventStrain, load_gw150914
from coursekit.gw.scan import PreparedStrain, prepare_strain, scan_step
from coursekit.gw.simulate import Banks, InjectionSampler, build_banks, context_sampler, design_psds, samplers
from coursekit.metrics import Measurement

FAP = 1e-3  # false-alarm probability per window of the headline comparison


# --------------------------------------------------------------------------- 1. data

@dataclass
class StrainData:
    """The event's strain (gwpy TimeSeries), whitened, and the PSDs on the waveform grid."""

    event: EventStrain
    prepared: PreparedStrain
    psds: dict[str, np.ndarray]
    psd_source: str


def load_data(cfg: Config | None = None, mode: str | None = None, event: EventStrain | None = None) -> StrainData:
    """GW150914 (or ``event``) whitened with its own PSD; the PSDs interpolated to the waveform grid."""
    cfg = cfg or get_config(mode)
    event = event or load_gw150914(mode)
    prepared = prepare_strain(event, fs=cfg.fs)
    psds = prepared.psd_on_grid(int(round(cfg.seg_duration * cfg.fs)))
    source = f"measured from {event.event} ({event.tier})"
    return StrainData(event, prepared, psds, source)


# --------------------------------------------------------------------------- 2. simulate

@dataclass
class Simulation:
    """Waveform banks and the training / test injection samplers."""

    banks: Banks
    train: InjectionSampler
    test: InjectionSampler


def simulate(cfg: Config, psds: dict[str, np.ndarray] | None = None, seed: int | None = None) -> Simulation:
    """Banks (train, test, templates) with ``psds`` (default: design) and their samplers."""
    banks = build_banks(cfg, psds if psds is not None else design_psds(cfg.fs, cfg.seg_duration), seed=seed)
    train_s, test_s = samplers(cfg, banks)
    return Simulation(banks, train_s, test_s)


# --------------------------------------------------------------------------- 3. train

@dataclass
class Trained:
    model: object
    history: object
    seconds: float
    snr_range: tuple[float, float]


def train(cfg: Config, sim: Simulation, snr_range: tuple[float, float] | None = None, seed: int | None = None,
          progress: bool | None = None) -> Trained:
    """Train the CNN on ``sim.train`` with SNRs uniform in ``snr_range`` (default ``cfg.snr_range``)."""
    from coursekit.gw.model import train_cnn

    t0 = time.perf_counter()
    snr_range = tuple(cfg.snr_range if snr_range is None else snr_range)
    model, history = train_cnn(cfg, sim.train, seed=seed, progress=progress, snr_range=snr_range)
    return Trained(model, history, time.perf_counter() - t0, snr_range)


# --------------------------------------------------------------------------- 4. compare

@dataclass
class Comparison:
    """Scores of the CNN (logits) and the matched filter (network SNR) on the same windows."""

    noise: dict[str, np.ndarray]
    signal: dict[str, dict[float, np.ndarray]]
    seconds_per_data_second: dict[str, float]
    n_templates: int
    fitting_factor: np.ndarray
    stride: float = 0.0  # s between the windows of the timed search

    def efficiency(self, method: str, snr: float, fap: float = FAP) -> Measurement:
        """Efficiency of ``method`` at optimal network ``snr`` and false-alarm probability ``fap`` per window."""
        from coursekit.gw.metrics import efficiency_measurement

        return efficiency_measurement(self.signal[method][float(snr)], self.noise[method], fap)

    def efficiency_difference(self, snr: float, fap: float = FAP, n_boot: int = 500) -> Measurement:
        """CNN minus matched-filter efficiency on the same injections, paired bootstrap over the injections
        (thresholds fixed on the noise windows)."""
        from coursekit.metrics import bootstrap_ci, threshold_at_fap

        thr = {m: threshold_at_fap(self.noise[m], fap) for m in self.noise}
        found_cnn = (self.signal["CNN"][float(snr)] > thr["CNN"]).astype(float)
        found_mf = (self.signal["matched filter"][float(snr)] > thr["matched filter"]).astype(float)
        return bootstrap_ci(lambda a, b: float(a.mean() - b.mean()), found_cnn, found_mf, n_boot=n_boot)


def compare(cfg: Config, model, sim: Simulation, seed: int | None = None, n_noise: int | None = None,
            n_signal: int | None = None, snrs: tuple[float, ...] | None = None, timing: bool = True,
            matched_filter: bool = True) -> Comparison:
    """Score the same noise and injection windows with the CNN and the matched filter; time both.

    The windows are those of a continuous search (:func:`coursekit.gw.simulate.context_sampler`): each
    carries the data the CNN's trunk reaches beyond its edges, and the CNN scores it with
    ``FusedCNN.context_logits``, which equals its logit in a scan; the matched filter filters the
    same samples, for mergers in the same range. Times are per second of searched data for a search
    whose windows step by the width of the merger range (:func:`coursekit.gw.scan.scan_step`):
    ``"CNN"`` is ``FusedCNN.stream_logits`` over 64 s of noise with torch's threads, ``"CNN, 1 thread"``
    the same on one core (the NumPy FFTs of both matched filters run on one core), ``"matched
    filter"`` the NumPy window filter. ``matched_filter=False`` scores the CNN only (for experiments
    that retrain it; no timing then).
    """
    import torch

    from coursekit.gw.baseline import WindowFilter, fitting_factors
    from coursekit.gw.metrics import seconds_per_data_second
    from coursekit.gw.model import predict_logits
    from coursekit.gw.simulate import whitened_noise
    from coursekit.training import torch_threads

    rng = np.random.default_rng((cfg.seed if seed is None else seed) + 2)
    n_noise = n_noise or cfg.n_noise_eval
    n_signal = n_signal or cfg.n_signal_eval
    snrs = snrs or cfg.eval_snrs
    fused = model.to("cpu").eval().for_inference()
    sampler = context_sampler(cfg, sim.test.bank, fused.context)
    mf = WindowFilter.from_bank(sim.banks.templates, sampler.window_duration, sampler.merger_range)
    cnn_fn = lambda x: predict_logits(fused, x, context=fused.context).numpy()  # noqa: E731
    noise_x = sampler.noise(n_noise, rng)
    methods = {"CNN": cnn_fn, **({"matched filter": mf.network_snr} if matched_filter else {})}
    with torch.inference_mode():
        noise = {m: fn(noise_x) for m, fn in methods.items()}
        signal: dict[str, dict[float, np.ndarray]] = {m: {} for m in methods}
        for snr in snrs:
            sig, _ = sampler.signals(np.full(n_signal, float(snr)), rng)
            x = sampler.noise(n_signal, rng) + sig
            for m, fn in methods.items():
                signal[m][float(snr)] = fn(x)
    window, step = int(round(cfg.window_duration * cfg.fs)), scan_step(cfg.search_stride, cfg.fs, fused.downsample)
    times: dict[str, float] = {}
    if timing and matched_filter:
        b = sim.test.bank
        stream_s = 64.0  # the CNN is timed on one stretch of noise: one "window" that covers stream_s seconds
        stream = torch.from_numpy(whitened_noise(1, len(b.detectors), int(stream_s * cfg.fs), cfg.fs, b.f_low,
                                                 b.f_high, rng))
        scan_fn = lambda x: fused.stream_logits(x, window, step)  # noqa: E731
        with torch.inference_mode():
            times["CNN"] = seconds_per_data_second(scan_fn, stream, stride=stream_s, repeats=3)
            with torch_threads(1):
                times["CNN, 1 thread"] = seconds_per_data_second(scan_fn, stream, stride=stream_s, repeats=3)
        times["matched filter"] = seconds_per_data_second(mf.network_snr, noise_x[:64], stride=step / cfg.fs)
    ff = fitting_factors(sim.banks.test, sim.banks.templates, np.arange(min(len(sim.banks.test), 40)))
    return Comparison(noise, signal, times, mf.n_templates, ff, stride=step / cfg.fs)


# --------------------------------------------------------------------------- 5. scan the event

@dataclass
class EventScan:
    """CNN scan of an event and the matched filter's network SNR on the same whitened data."""

    event: str
    gps: float
    times: np.ndarray
    logits: np.ndarray
    trigger_gps: float
    offset: Measurement  # trigger minus catalogue time [s], error = stride / sqrt(12)
    mf_network_snr: float
    mf_gps: float
    stride: float


def scan_event(cfg: Config, model, data: StrainData, templates=None, stride: float | None = None) -> EventScan:
    """Slide the CNN along the event's whitened data; with ``templates`` (a WaveformBank whitened with the
    same PSDs) also run the matched-filter search over the bank on the same data."""
    from coursekit.gw.baseline import search_stretch
    from coursekit.gw.scan import peak_time, scan

    stride = cfg.scan_stride if stride is None else stride
    times, logits = scan(model, data.prepared, cfg.window_duration, stride)
    t_peak = peak_time(times, logits)
    snr, t_mf = float("nan"), float("nan")
    if templates is not None:
        res = search_stretch(data.prepared.data, templates)
        snr = float(res.network[res.t_best])
        t_mf = data.prepared.t0 + res.t_best / data.prepared.fs
    step = float(times[1] - times[0]) if len(times) > 1 else stride
    return EventScan(data.event.event, data.event.gps, times, logits, t_peak,
                     Measurement(t_peak - data.event.gps, step / np.sqrt(12), "s"), snr, t_mf, step)


def inject_and_scan(cfg: Config, model, snr: float, seed: int = 1) -> tuple[StrainData, EventScan]:
    """A GW150914-like binary (38+31 Msun) injected at network SNR ``snr`` into 32 s of design-PSD noise,
    whitened and scanned by the CNN exactly as the real event is (for the notebook's SNR slider)."""
    from coursekit.gw.simulate import simulate_event_strain

    strain = simulate_event_strain(snr=snr, seed=seed)
    event = EventStrain(f"injection at network SNR {snr:g}", GW150914_GPS, strain, "stand-in",
                        f"simulated injection at network SNR {snr:g}")
    data = load_data(cfg, event=event)
    return data, scan_event(cfg, model, data)


# --------------------------------------------------------------------------- 6. glitches

@dataclass
class GlitchTest:
    """False-alarm fractions on glitch windows at thresholds set on Gaussian noise (FAP per window)."""

    kind: str
    fap: float
    n_windows: int
    fraction: dict[str, Measurement]  # "CNN", "matched filter", "matched filter + chi2"
    gaussian: dict[str, Measurement]  # the same methods on the Gaussian noise windows (~fap by construction)


def glitch_test(cfg: Config, model, sim: Simulation, kinds: tuple[str, ...] = ("sine-gaussian", "blip"),
                fap: float = 1e-2, n_windows: int | None = None, n_noise: int | None = None,
                snr: tuple[float, float] = (8.0, 30.0), seed: int | None = None) -> list[GlitchTest]:
    """Inject one glitch of each kind per noise window and count the windows each method flags.

    Thresholds at false-alarm probability ``fap`` come from glitch-free Gaussian noise windows, as a
    search trained and tuned on Gaussian noise would set them. The matched filter is scored with its
    network SNR and with its chi^2 re-weighted network SNR (``WindowFilter.chisq_network_snr``,
    Allen 2005). Glitch SNRs are uniform in ``snr`` (in the one detector that has the glitch).
    """
    import torch

    from coursekit.gw.baseline import WindowFilter
    from coursekit.gw.metrics import false_alarm_fraction
    from coursekit.gw.model import predict_logits
    from coursekit.gw.simulate import add_glitches
    from coursekit.metrics import threshold_at_fap

    rng = np.random.default_rng((cfg.seed if seed is None else seed) + 11)
    n_windows = n_windows or cfg.n_glitch_windows
    n_noise = n_noise or max(int(np.ceil(4 / fap)), 400)
    fused = model.to("cpu").eval().for_inference()
    sampler = context_sampler(cfg, sim.test.bank, fused.context)
    mf = WindowFilter.from_bank(sim.banks.templates, sampler.window_duration, sampler.merger_range)
    c = fused.context / sampler.n_samples

    def score(x: np.ndarray) -> dict[str, np.ndarray]:
        with torch.inference_mode():
            cnn = predict_logits(fused, x, context=fused.context).numpy()
        net, rw = mf.chisq_network_snr(x)
        return {"CNN": cnn, "matched filter": net, "matched filter + chi2": rw}

    noise = score(sampler.noise(n_noise, rng))
    thresholds = {m: threshold_at_fap(v, fap) for m, v in noise.items()}
    gaussian = {m: false_alarm_fraction(noise[m], thresholds[m]) for m in noise}
    out = []
    for kind in kinds:
        glitched, _ = add_glitches(sampler.noise(n_windows, rng), cfg.fs, rng, kind, snr=snr,
                                   time_range=(c + 0.1 * (1 - 2 * c), 1 - c - 0.1 * (1 - 2 * c)))
        scores = score(glitched)
        fraction = {m: false_alarm_fraction(scores[m], thresholds[m]) for m in scores}
        out.append(GlitchTest(kind, fap, n_windows, fraction, gaussian))
    return out


# --------------------------------------------------------------------------- 7. time slides

@dataclass
class Background:
    """Clustered false alarms of a CNN scan over time-slid noise, against the naive count."""

    stride: float
    livetime_s: float
    n_windows_above: int
    n_triggers: int
    rate: Measurement  # clustered triggers per day
    windows_rate: Measurement  # windows above threshold per day
    naive_per_day: float  # fap * 86400
    windows_per_day_expected: float  # fap * 86400 / stride
    fap: float
    threshold: float


def time_slide_background(cfg: Config, model, threshold: float, fap: float = FAP, stride: float | None = None,
                          duration: float | None = None, n_slides: int | None = None, cluster: float = 1.0,
                          seed: int | None = None, detectors: tuple[str, ...] = ("H1", "L1")) -> Background:
    """False alarms per day of the CNN scan at ``threshold`` (set at ``fap`` per window), by time slides.

    ``duration`` s of whitened Gaussian noise per detector; L1 is shifted against H1 by ``k`` s +
    0.1 s for ``k = 0 .. n_slides - 1`` (circularly: far beyond the 10 ms light travel time, so no
    coincidence survives), giving ``n_slides * duration`` s of background. The scan steps by
    ``stride`` s (default ``cfg.scan_stride``); triggers are windows above threshold clustered within
    ``cluster`` s. Compared with ``fap * 86400`` per day (the naive count) and with ``fap * 86400 /
    stride`` (windows above threshold per day).
    """
    import torch

    from coursekit.gw.metrics import clustered_false_alarms, false_alarm_rate, naive_false_alarms_per_day
    from coursekit.gw.simulate import whitened_noise

    stride = cfg.scan_stride if stride is None else stride
    duration = duration or cfg.background_s
    n_slides = n_slides or cfg.n_slides
    rng = np.random.default_rng((cfg.seed if seed is None else seed) + 21)
    fused = model.to("cpu").eval().for_inference()
    n = int(round(duration * cfg.fs))
    noise = whitened_noise(1, len(detectors), n, cfg.fs, 20.0, 1000.0, rng)[0]
    w = int(round(cfg.window_duration * cfg.fs))
    step = max(fused.downsample, int(round(stride * cfg.fs / fused.downsample)) * fused.downsample)
    n_above, n_trig, live = 0, 0, 0.0
    for k in range(n_slides):
        shift = int(round((k + 0.1) * cfg.fs)) if k else 0
        x = np.stack([noise[0], np.roll(noise[1], shift)])[None]
        with torch.inference_mode():
            logits = fused.stream_logits(torch.from_numpy(np.ascontiguousarray(x)), w, step)[0].numpy()
        # leave out the windows that touch the circular seam (no real context there)
        keep = slice(int(np.ceil(fused.context / step)), len(logits) - int(np.ceil((w + fused.context) / step)))
        lg = logits[keep]
        t = np.arange(len(lg)) * step / cfg.fs
        n_above += int(np.sum(lg > threshold))
        n_trig += clustered_false_alarms(t, lg, threshold, cluster)
        live += len(lg) * step / cfg.fs
    real_stride = step / cfg.fs
    return Background(real_stride, live, n_above, n_trig, false_alarm_rate(n_trig, live),
                      false_alarm_rate(n_above, live), naive_false_alarms_per_day(fap),
                      fap * 86400.0 / real_stride, fap, threshold)


# --------------------------------------------------------------------------- the whole lesson

def run(mode: str | None = None):
    """All the steps in order, on the current mode's data and sizes; returns a ``coursekit.experiment.Report``."""
    from coursekit.config import get_mode
    from coursekit.experiment import Report
    from coursekit.metrics import threshold_at_fap

    mode = get_mode(mode)
    cfg = get_config(mode)
    report = Report(topic="gw", mode=mode)
    with report.step("data"):
        data = load_data(cfg, mode)
        report.tiers["gw150914_strain"] = data.event.tier
        report.inputs += [str(p) for p in data.event.paths]
    with report.step("simulate"):
        sim = simulate(cfg, data.psds)
    with report.step("train"):
        trained = train(cfg, sim, progress=False)
    with report.step("compare"):
        cmp_ = compare(cfg, trained.model, sim, snrs=(8.0, 10.0, 12.0))
    for snr in (8.0, 10.0):
        report.add_comparison(ml="CNN", baseline="matched filter",
                              metric=f"efficiency at network SNR {snr:g}, FAP {FAP:g} per window",
                              ml_value=cmp_.efficiency("CNN", snr), baseline_value=cmp_.efficiency("matched filter", snr),
                              diff=cmp_.efficiency_difference(snr))
    t = cmp_.seconds_per_data_second
    if t:
        report.add_metric("speed-up per core vs NumPy matched filter",
                          Measurement(t["matched filter"] / t["CNN, 1 thread"], 0.0, "x"))
    report.notes.append(f"bank: {cmp_.n_templates} templates, fitting factor median "
                        f"{np.median(cmp_.fitting_factor):.3f}; PSD {data.psd_source}")
    with report.step("scan"):
        ev = scan_event(cfg, trained.model, data, templates=sim.banks.templates)
    report.add_metric(f"{ev.event} CNN trigger - catalogue time", ev.offset)
    report.add_metric(f"{ev.event} matched-filter network SNR", Measurement(ev.mf_network_snr, 1.0))
    with report.step("glitches"):
        for g in glitch_test(cfg, trained.model, sim):
            for m, v in g.fraction.items():
                report.add_metric(f"{g.kind} glitches flagged at FAP {g.fap:g}: {m}", v)
    with report.step("time slides"):
        thr = threshold_at_fap(cmp_.noise["CNN"], FAP)
        bg = time_slide_background(cfg, trained.model, thr)
    report.add_metric(f"CNN scan false alarms per day (stride {bg.stride:.3g} s, clustered)", bg.rate)
    report.notes.append(f"naive FAP x 86400 = {bg.naive_per_day:.1f} per day; windows above threshold "
                        f"{bg.windows_rate}; {bg.livetime_s:.0f} s of time-slid background")
    return report
