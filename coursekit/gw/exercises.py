"""Checks for notebook 04 (gravitational waves): a build-it, two experiments, value exercises and a quiz.

Solutions live only in the solved notebook, between ``### BEGIN SOLUTION`` and ``### END SOLUTION``.
"""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Question, Result, effect_exercise, exercise, function_exercise, quiz_questions

# --------------------------------------------------------------------------- build it: the matched filter

def _matched_filter_inputs(rng: np.random.Generator):
    """Whitened noise with a chirp-like template buried at a random shift, and the template itself."""
    n = int(rng.choice([512, 1024, 1536]))
    t = np.arange(n) / 2048.0
    f = 40.0 + 200.0 * t / t[-1]
    envelope = np.exp(-((t - 0.7 * t[-1]) / (0.2 * t[-1])) ** 2)
    template = envelope * np.sin(2 * np.pi * np.cumsum(f) / 2048.0 + rng.uniform(0, 2 * np.pi))
    shift = int(rng.integers(0, n))
    data = rng.standard_normal(n) + rng.uniform(0, 1.5) * np.roll(template, shift)
    return (data, template), {}


function_exercise(
    "gw.matched_filter_snr", title="Build it: the FFT matched filter of one template",
    reference="coursekit.gw.baseline:matched_filter_snr", make_inputs=_matched_filter_inputs,
    n_trials=5, rtol=1e-6, atol=1e-8,
    hints=("The correlation of d and h at every shift t is one product in the frequency domain: "
           "ifft(fft(d) * conj(fft(h))). Keep positive frequencies only (doubled) to get the complex (two-phase) "
           "output, then normalise.",
           "D = np.fft.fft(data); H = np.fft.fft(template); weight 1 at f = 0 (and at n/2 for even n), 2 for "
           "0 < k < n/2, 0 for the negative frequencies; z = np.fft.ifft(D * np.conj(H) * weight) / sqrt(sum(h**2))."),
)


# --------------------------------------------------------------------------- experiments

@exercise("gw.snr_training_range", title="Train only on loud signals: efficiency at SNR 8",
          hints=("Retrain with snr_range=(10, 20) on the same banks, score the same kind of SNR-8 injections, and "
                 "compare with the model trained on 6-16 at the same false-alarm probability.",
                 "effect = difference(eff_loud, eff_default) with coursekit.metrics.difference (independent test "
                 "sets), both from compare(..., snrs=(8.0,), matched_filter=False).efficiency('CNN', 8.0, 1e-2)."))
def snr_training_range(answer) -> Result:
    """The change of efficiency at SNR 8 when the CNN is trained on SNRs 10-20 instead of 6-16, with its error.

    Passes when the uncertainty is small enough to say something (< 0.08), the size is plausible
    (|effect| < 0.4) and the effect is not a significant *gain*: training on louder signals cannot
    teach the faint end better. Whether the loss is significant is for the student to read: in our
    reduced runs it was within the errors (+0.03 +- 0.04), so the lesson is the measurement itself.
    """
    from coursekit.exercises import as_value_err

    try:
        value, err = as_value_err(answer)
    except (TypeError, ValueError) as exc:
        return Result.fail(f"{exc}.")
    if not (np.isfinite(value) and np.isfinite(err)) or err <= 0:
        return Result.fail("Give the effect with a positive uncertainty (binomial errors of both efficiencies, "
                           "added in quadrature).")
    text = f"efficiency change at SNR 8 = {value:+.3f} ± {err:.3f} ({abs(value) / err:.1f} sigma)"
    if err > 0.08:
        return Result.fail(f"{text}: too uncertain to conclude; score more SNR-8 injections (n_signal).")
    if abs(value) > 0.4:
        return Result.fail(f"{text}: too large a change; check that both models are scored at the same SNR and "
                           "false-alarm probability.")
    if value > 2.5 * err:
        return Result.fail(f"{text}: a significant gain from dropping the faint examples would be surprising; "
                           "check which efficiency you subtracted from which.")
    verdict = "a significant loss" if value < -2 * err else "no significant change at this training budget"
    return Result.ok(f"{text}: {verdict}. A network learns the signals it is shown; report the error bar with it.")


effect_exercise(
    "gw.overlapping_false_alarms", title="False alarms of overlapping windows, by time slides",
    direction=-1, min_sigma=2.0, value_range=(-1.0, -0.3),
    what="clustered false alarms / (FAP x windows per day) - 1",
    hints=("Scan time-slid noise with the CNN at the scan's stride, count clustered triggers above the "
           "threshold, and compare with FAP x (86400 / stride).",
           "bg = time_slide_background(cfg, model, threshold, stride=1/16); "
           "effect = bg.rate / bg.windows_per_day_expected - 1, with the error bg.rate.err / windows_per_day_expected."),
)


# --------------------------------------------------------------------------- value exercises

@exercise("gw.network_snr", title="Network SNR of GW150914",
          hints=("Is the noise in H1 and L1 correlated?",
                 "Independent noise: add the squares of the SNRs and take the root."))
def network_snr(answer) -> Result:
    """The matched filter gives SNR 18.6 in H1 and 13.2 in L1: what is the network SNR?"""
    value = float(answer)
    if np.isclose(value, np.hypot(18.6, 13.2), atol=0.1):
        return Result.ok("Right: noise in the two detectors is independent, so the SNRs add in quadrature "
                         "(22.8; GWTC-1 quotes 24.4 with the full analysis).")
    if np.isclose(value, 31.8, atol=0.1):
        return Result.fail("SNRs do not add linearly: the noise in H1 and L1 is independent, so add the squares.")
    if np.isclose(value, 15.9, atol=0.1):
        return Result.fail("The mean is too small: combining detectors adds information. Add the squares.")
    return Result.fail("rho_net^2 = rho_H1^2 + rho_L1^2.")


@exercise("gw.whitening_band", title="Choose the analysis band",
          hints=("Where does seismic noise dominate, and how high does a 30+30 Msun merger ring?",
                 "A lower edge of 15-35 Hz and an upper edge of 250 Hz to the Nyquist frequency."))
def whitening_band(answer) -> Result:
    """A (low, high) band in Hz for whitening and band-passing BBH data like GW150914."""
    low, high = (float(v) for v in answer)
    if low >= high:
        return Result.fail("The lower edge must be below the upper edge.")
    if low < 10:
        return Result.fail("Below ~10-15 Hz the detector is dominated by seismic noise: raise the lower edge.")
    if low > 35:
        return Result.fail("GW150914 enters the band at ~35 Hz and spends most of its cycles below 100 Hz: "
                           "a lower edge above 35 Hz throws away inspiral SNR.")
    if high < 250:
        return Result.fail("The merger and ring-down of a 30+30 Msun binary reach ~300 Hz: raise the upper edge.")
    if high > 1024:
        return Result.fail("At 2048 Hz sampling the Nyquist frequency is 1024 Hz: the band cannot go above it.")
    return Result.ok(f"Good: {low:g}-{high:g} Hz keeps the chirp and drops the seismic wall.")


# --------------------------------------------------------------------------- quiz

quiz_questions("gw", [
    Question("Why is the strain whitened before the CNN or the matched filter sees it?",
             choices={"a": "to remove the chirp from the data",
                      "b": "to give every frequency the same noise power, so a dot product is the optimal statistic",
                      "c": "to reduce the sample rate",
                      "d": "to make the noise non-Gaussian"},
             answer="b",
             feedback={"a": "The chirp is the signal we want to keep; whitening acts on the noise spectrum.",
                       "c": "Resampling changes the rate; whitening divides by the amplitude spectral density.",
                       "d": "Whitening keeps Gaussian noise Gaussian; it only flattens its spectrum."},
             explain="Dividing by sqrt(S_n) turns the noise-weighted inner product into a plain dot product."),
    Question("A search slides 1 s windows every 1/16 s and thresholds at a false-alarm probability of 1e-3 per "
             "window. How many windows per day exceed the threshold in noise?",
             answer=1382.4, rtol=0.02, unit="windows per day",
             feedback=[(86.4, "That counts 86,400 windows per day, as if they did not overlap: at a 1/16 s "
                              "stride there are 16 x 86,400."),
                       (3.6, "That is per hour, and without the overlap.")],
             explain="1e-3 x 86,400 x 16 = 1382 windows; clustered into triggers they are far fewer."),
    Question("Why are triggers from overlapping windows clustered before counting false alarms?",
             choices={"a": "neighbouring windows share most of their data, so one noise excursion lifts several",
                      "b": "to make the CNN faster",
                      "c": "because the matched filter needs it",
                      "d": "clustering lowers the false-alarm probability per window"},
             answer="a",
             feedback={"b": "Clustering happens after scoring; it does not change the CNN's cost.",
                       "c": "Both searches cluster; the reason is the shared data, not the method.",
                       "d": "The threshold and the probability per window are unchanged; only the counting is."},
             explain="Windows 1/16 s apart share 15/16 of their samples: their scores are strongly correlated."),
    Question("The CNN was trained on SNRs 6-16. What happens to its efficiency at SNR 8 if it is trained on "
             "10-20 only?",
             choices={"a": "it rises", "b": "it falls", "c": "it is unchanged"},
             answer="b",
             feedback={"a": "Louder training examples teach features of loud signals; the weak ones are what it misses.",
                       "c": "Measure it: the experiment in the notebook shows the change with its error bar."},
             explain="A network learns the signals it is shown; the faint end needs faint examples."),
    Question("A glitch appears in H1 only. Which statistic is hurt least by it?",
             choices={"a": "the CNN logit", "b": "the network matched-filter SNR",
                      "c": "the chi^2 re-weighted network SNR", "d": "all equally"},
             answer="c",
             feedback={"a": "The CNN never saw a glitch in training; nothing stops it from firing on one.",
                       "b": "A loud glitch rings the matched filter in one detector, and the network SNR adds it.",
                       "d": "The glitch section measured them: they differ."},
             explain="A glitch does not distribute its power over frequency like a chirp; chi^2 sees that."),
    Question("What does the chi^2 test of Allen (2005) compare?",
             choices={"a": "the SNRs of H1 and L1",
                      "b": "the SNR accumulated in frequency bins with the share the template predicts for each",
                      "c": "the CNN and the matched filter",
                      "d": "the data with a Gaussian distribution"},
             answer="b",
             feedback={"a": "That is a coincidence test, not chi^2.",
                       "c": "chi^2 is a property of one matched-filter trigger.",
                       "d": "It does not test Gaussianity of the data directly."},
             explain="A real chirp puts 1/p of its SNR in each of p equal-power bins; a glitch does not."),
    Question("Two detectors measure SNR 8 and 6. What is the network SNR?", answer=10.0, rtol=0.01,
             feedback=[(14.0, "SNRs add in quadrature, not linearly."), (7.0, "The mean throws information away.")],
             explain="sqrt(8^2 + 6^2) = 10."),
    Question("Why does the course's training prior reach down to 7 Msun?",
             choices={"a": "to speed up training",
                      "b": "GWTC-1 has binaries with components near 8 Msun (detector frame), e.g. GW151226",
                      "c": "lighter binaries are louder",
                      "d": "the matched filter needs it"},
             answer="b",
             feedback={"a": "Lighter binaries have longer waveforms: they cost more, not less.",
                       "c": "At a fixed distance lighter binaries are quieter.",
                       "d": "The bank must cover the prior too, but the reason is the real population."},
             explain="A network misses what its prior leaves out: round one missed a low-mass event for this reason."),
    Question("Time slides shift L1 against H1 by much more than 10 ms. What do they estimate?",
             choices={"a": "the signal's arrival time",
                      "b": "the background: how often noise alone gives a coincident trigger",
                      "c": "the detector's PSD",
                      "d": "the efficiency"},
             answer="b",
             feedback={"a": "A shift destroys the signal's coincidence; it cannot time it.",
                       "c": "The PSD is estimated from each detector's own data.",
                       "d": "Efficiency needs injections, not slides."},
             explain="No astrophysical signal can be coincident after a shift larger than the light travel time."),
])
