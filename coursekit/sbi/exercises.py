"""Exercises for notebook 07 (simulation-based inference), checked by ``coursekit.exercises.check``."""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Result, exercise


@exercise("sbi.cosmic_variance", title="Cosmic variance of one band power", solution='''
from coursekit.sbi.simulate import Survey
s = Survey(volume=1e9, k_min=0.10, k_max=0.11, n_bins=1)   # 1 (Gpc/h)^3, one shell
n_modes = s.n_modes[0]                                        # V (k2^3 - k1^3) / (6 pi^2)
answer = float(np.sqrt(2 / n_modes))                          # sigma_P / P without shot noise
''')
def cosmic_variance(answer) -> Result:
    """Fractional error sigma_P / P of the band 0.10-0.11 h/Mpc in 1 (Gpc/h)^3, shot noise neglected."""
    value = float(answer)
    n_modes = 1e9 * (0.11**3 - 0.10**3) / (6 * np.pi**2)
    right = np.sqrt(2 / n_modes)
    if abs(value / right - 1) < 0.02:
        return Result.ok(f"Right: N_modes = {n_modes:.0f} wave vectors, so sigma_P/P = sqrt(2/N) = {right:.4f}.")
    if abs(value / np.sqrt(1 / n_modes) - 1) < 0.02:
        return Result.fail("You used 1/N_modes: k and -k are the same real mode, so the variance is 2P^2/N_modes.")
    if abs(value / (2 / n_modes) - 1) < 0.02:
        return Result.fail("That is the variance divided by P^2; the question asks for the standard deviation.")
    return Result.fail("Count the wave vectors in the shell, N = V 4 pi k^2 dk / (2 pi)^3 = V (k2^3 - k1^3)/(6 pi^2), "
                       "then sigma_P / P = sqrt(2 / N).")


@exercise("sbi.volume_for_half_width", title="How much bigger must the survey be?", solution='''
# Cosmic variance per band falls as 1/N_modes ~ 1/V, so posterior widths shrink as V^(-1/2):
# halving the width needs four times the volume.
answer = 4 * 1e8    # (Mpc/h)^3, starting from the fiducial 1e8
''')
def volume_for_half_width(answer) -> Result:
    """Volume (Mpc/h)^3 that halves the posterior widths of the fiducial 1e8 (Mpc/h)^3 survey."""
    value = float(answer)
    if abs(value / 4e8 - 1) < 0.1:
        return Result.ok("Right: widths scale as V^-1/2, so 4x the volume (4e8 (Mpc/h)^3) halves them.")
    if abs(value / 2e8 - 1) < 0.1:
        return Result.fail("Doubling the volume shrinks widths by sqrt(2), not 2: widths scale as V^-1/2.")
    if abs(value / 4 - 1) < 0.1 or abs(value / 0.4 - 1) < 0.1:
        return Result.fail("Give the volume itself in (Mpc/h)^3, not the factor or (Gpc/h)^3.")
    return Result.fail("Each band's variance is 2P^2/N_modes with N_modes proportional to V: how do widths scale?")


@exercise("sbi.read_coverage", title="Read a coverage curve", solution='''
# The 68% regions contained the truth in only 55% of tests: the regions are too small.
answer = "overconfident"
''')
def read_coverage(answer) -> Result:
    """A posterior whose 68% regions contain the truth in 55% of simulations is ... ?"""
    text = str(answer).strip().lower()
    if text == "overconfident":
        return Result.ok("Right: too narrow (Hermans et al. 2022 find this is the common failure of SBI).")
    if text == "underconfident":
        return Result.fail("Underconfident regions contain the truth MORE often than their level; here it is less.")
    return Result.fail("Answer with one word: 'overconfident' or 'underconfident'.")
