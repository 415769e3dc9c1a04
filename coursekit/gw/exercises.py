"""Checks for notebook 04 (gravitational waves): a build-it, two experiments, value exercises and a quiz.

Solutions live only in the solved notebook, between ``### BEGIN SOLUTION`` and ``### END SOLUTION``.
"""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Result, effect_exercise, exercise, function_exercise

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
