"""Exercises for notebook 04 (gravitational waves), checked by ``coursekit.exercises.check``."""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Result, exercise


@exercise("gw.false_alarms_per_day", title="From false-alarm probability to false alarms per day", solution="""
from coursekit.gw.evaluate import false_alarms_per
answer = false_alarms_per(1e-3, window_duration=1.0, per="day")   # 1e-3 per window * 86400 windows per day = 86.4
""")
def false_alarms_per_day(answer) -> Result:
    """A search scores non-overlapping 1 s windows and fires on 1 noise window in 1000: false alarms per day?"""
    value = float(answer)
    if np.isclose(value, 86.4, rtol=0.01):
        return Result.ok("Right: 86,400 windows per day times 1e-3 = 86.4 false alarms per day. One per month "
                         "needs a false-alarm probability of about 4e-7 per window.")
    if np.isclose(value, 3.6, rtol=0.02):
        return Result.fail("That is per hour. There are 86,400 one-second windows in a day.")
    if np.isclose(value, 1e-3 * 86400 / 60, rtol=0.02) or value < 1:
        return Result.fail("Count windows, not minutes: a day holds 86,400 one-second windows; multiply by the "
                           "probability per window.")
    return Result.fail("Multiply the false-alarm probability per window by the number of windows in a day.")


@exercise("gw.network_snr", title="Network SNR of GW150914", solution="""
answer = (18.6**2 + 13.2**2) ** 0.5   # independent detector noise: SNRs add in quadrature -> 22.8
""")
def network_snr(answer) -> Result:
    """The matched filter gives SNR 18.6 in H1 and 13.2 in L1: what is the network SNR?"""
    value = float(answer)
    if np.isclose(value, np.hypot(18.6, 13.2), atol=0.1):
        return Result.ok("Right: noise in the two detectors is independent, so the SNRs add in quadrature "
                         "(22.8; the LVC quoted 24 with the full analysis).")
    if np.isclose(value, 31.8, atol=0.1):
        return Result.fail("SNRs do not add linearly: the noise in H1 and L1 is independent, so add the squares.")
    if np.isclose(value, 15.9, atol=0.1):
        return Result.fail("The mean is too small: combining detectors adds information. Add the squares.")
    return Result.fail("rho_net^2 = rho_H1^2 + rho_L1^2.")


@exercise("gw.whitening_band", title="Choose the analysis band", solution="""
answer = (20, 500)   # Hz: below ~20 Hz seismic noise dominates; a 30+30 Msun merger rings down near 300 Hz
""")
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
