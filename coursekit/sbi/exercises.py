"""Exercises of notebook 07 (simulation-based inference): value answers, the build-it band-power simulator,
two experiments checked by the size and direction of their effect, and the quiz.

Worked solutions live in the solved notebook (between ``### BEGIN SOLUTION`` and ``### END SOLUTION``).
"""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Result, effect_exercise, exercise, function_exercise


@exercise("sbi.cosmic_variance", title="Cosmic variance of one band power", hints=(
    "How many independent wave vectors fit in a thin shell of radius k and width dk in a box of volume V?",
    "N = V 4 pi k^2 dk / (2 pi)^3 = V (k2^3 - k1^3) / (6 pi^2); k and -k are one real mode, so sigma_P/P = sqrt(2/N).",
))
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


@exercise("sbi.volume_for_half_width", title="How much bigger must the survey be?", hints=(
    "How does the variance of one band power depend on the number of modes, and that on the volume?",
    "Variance ~ 1/N_modes ~ 1/V, so widths ~ V^-1/2: what factor in V halves a width?",
))
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


@exercise("sbi.toy_exponent", title="What does the toy spectrum measure?", hints=(
    "Write the toy P(k) = A sigma_8 Omega_m k^-2: which single number do all the band powers depend on?",
    "The likelihood depends on sigma_8 Omega_m^alpha only; read alpha off the product.",
))
def toy_exponent(answer) -> Result:
    """The exponent alpha of the combination sigma_8 Omega_m^alpha that the guide's toy spectrum measures."""
    value = float(answer)
    if abs(value - 1.0) < 0.05:
        return Result.ok("Right: P = A sigma_8 Omega_m k^-2 depends on the product only (alpha = 1), so the posterior "
                         "is a ridge sigma_8 Omega_m = const and neither parameter is measured alone.")
    if abs(value - 0.5) < 0.05:
        return Result.fail("0.5 is weak lensing's S_8 convention; the toy spectrum is linear in both parameters.")
    if abs(value - 2.0) < 0.1:
        return Result.fail("The toy spectrum is linear in sigma_8 (not sigma_8^2 as the real P(k) is).")
    return Result.fail("Look at how P depends on sigma_8 and on Omega_m: both to the first power.")


@exercise("sbi.read_coverage", title="Read a coverage curve", hints=(
    "A 68% region should contain the truth in 68% of simulations. Here it does less often: too big or too small?",
    "Regions that are too small claim more certainty than they have.",
))
def read_coverage(answer) -> Result:
    """A posterior whose 68% regions contain the truth in 55% of simulations is ... ?"""
    text = str(answer).strip().lower()
    if text == "overconfident":
        return Result.ok("Right: too narrow (Hermans et al. 2022 find this is the common failure of SBI).")
    if text == "underconfident":
        return Result.fail("Underconfident regions contain the truth MORE often than their level; here it is less.")
    return Result.fail("Answer with one word: 'overconfident' or 'underconfident'.")


def _band_power_inputs(rng: np.random.Generator):
    """One random test case for the build-it simulator: spectra, shells, a volume, a density, a seeded generator."""
    n_bins = int(rng.integers(3, 13))
    edges = np.sort(rng.uniform(0.01, 0.3, n_bins + 1))
    edges[1:] = np.maximum(edges[1:], edges[:-1] + 0.003)  # no empty shells
    power = rng.uniform(500.0, 3e4, (int(rng.integers(1, 5)), n_bins))
    volume = float(10 ** rng.uniform(7, 10))
    n_bar = float(10 ** rng.uniform(-4.5, -2.5))
    return (power, edges, volume, n_bar, np.random.default_rng(int(rng.integers(1 << 31)))), {}


function_exercise(
    "sbi.band_power_simulator", title="Build the band-power simulator",
    reference="coursekit.sbi.simulate:noisy_band_powers", make_inputs=_band_power_inputs, n_trials=5,
    rtol=1e-9, atol=1e-9, hints=(
        "Count the wave vectors in each shell from the edges and the volume, then the standard deviation of each band.",
        "N_i = V (k_{i+1}^3 - k_i^3) / (6 pi^2); sigma_i = sqrt(2 / N_i) (P_i + 1/n_bar); "
        "return power + sigma * rng.standard_normal(power.shape) (one draw, in that shape).",
    ))


effect_exercise(
    "sbi.budget_pays", title="Do more simulations bring NPE closer to the exact posterior?", direction=+1,
    min_sigma=2.0, value_range=(0.005, 0.5), what="C2ST(fewest simulations) - C2ST(most)", hints=(
        "Train amortised NPE at a small and a large budget, several seeds each, and compare C2ST against the exact "
        "posterior; the error comes from the spread over seeds.",
        "result = experiment.simulation_budget(obs, exact, sizes=(300, 3000), sequential=False); "
        "check(..., result.gain()).",
    ))


effect_exercise(
    "sbi.outside_prior", title="What does NPE say about an observation made outside its prior?", direction=-1,
    min_sigma=3.0, value_range=(-0.6, -0.02), what="posterior mean of sigma_8 - true sigma_8", hints=(
        "Simulate an observation with sigma_8 = 1.15 (the prior stops at 1.0) and sample the trained NPE at it; "
        "rejection finds almost nothing inside the box, so sample with reject_outside_prior=False.",
        "experiment.sigma8_offset(samples, obs_out) gives mean - truth with the posterior width as its error.",
    ))
