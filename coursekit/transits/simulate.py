"""Kepler-like long-cadence light curves with planets, eclipsing binaries and quiet stars.

The reduced-mode stand-in for the Kepler DR24 TCE set of Shallue & Vanderburg (2018):

* a **time grid** of 29.4-min cadences over a few ~90-day quarters, with the
  spacecraft-wide gaps of the real mission (a day or two between quarters,
  about a day for each monthly data downlink) and a few per cent of cadences
  lost at random (cosmic rays, flagged cadences);
* **stars**: radius 0.75-1.5 R_sun, quadratic limb darkening, rotational spot
  modulation (5-45 d periods as for most Kepler dwarfs, McQuillan et al. 2014; 0.01-2 %), granulation-like red noise (an AR(1)
  process of hours) and white noise set by the 6.5-h CDPP (30-300 ppm, the
  range of Kepler's 11-15 mag dwarfs), plus thermal ramps after each gap;
* **planets** (label 1): a physical transit model with limb darkening
  (batman; Mandel & Agol 2002, Kreidberg 2015), integrated over the 29.4-min
  exposure; the radius is set from a target transit SNR so the sample spans
  marginal (SNR ~8, just above Kepler's 7.1-sigma threshold) to obvious detections;
* **eclipsing binaries** (label 0): primary and secondary eclipses (secondary
  at phase ~0.5, depth ratio set by the surface-brightness ratio), large
  radius ratios and grazing geometries give V shapes; twins are often
  detected at half the period, so odd and even "transits" differ; a third of the others' TCEs are the
  secondary eclipse, found once the primaries are masked;
* **background eclipsing binaries** (label 0): the same, diluted by a
  brighter foreground star to planet-like depths;
* **quiet stars** (label 0): no signal; the TCE is a noise-triggered detection: a random period, the epoch
  on the deepest dip of the noise folded on it;
* **heartbeat stars** (label 0): eccentric binaries (e 0.3-0.8, P 3-40 d) whose tidal distortion at periastron
  makes a brief brightening and dip once per orbit (Kumar, Ao & Quataert 1995; Thompson et al. 2012, eq. 1),
  0.02-0.5 % in amplitude;
* **spotted fast rotators** (label 0): young active stars, rotation 0.5-5 d and 0.3-3 % spot modulation that
  the flattening cannot follow (McQuillan et al. 2014), so its residual dips repeat at the rotation period;
* **pulsators** (label 0): gamma Doradus (0.3-3 d) and delta Scuti (0.02-0.25 d) stars, several modes of
  0.01-0.5 % beating together (Uytterhoeven et al. 2011).

The TCE of a variable star (heartbeat, rotator, pulsator) is where the search finds its deepest repeating dip:
the noiseless signal folded on its period (the rotation or dominant pulsation period times the smallest integer
that reaches the 0.8-d search minimum), the epoch at its minimum and the duration where it is below half-depth.

Each object gets a TCE ephemeris (period, epoch, duration, with small
detection errors) as the Kepler pipeline would provide. :func:`make_dataset`
turns the light curves into the global and local views and the classical
vetting statistics, in chunks, so thousands of light curves fit in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from coursekit.transits.data import LONG_CADENCE_DAYS

KINDS = ("planet", "eb", "beb", "quiet", "heartbeat", "spotted", "pulsator")
#: Kinds whose signal is stellar variability, not an eclipse; their TCE is the deepest repeating dip.
VARIABLE_KINDS = ("heartbeat", "spotted", "pulsator")
#: Solar radius over AU, for a/R* from Kepler's third law.
_AU_PER_RSUN = 215.032


@dataclass(frozen=True)
class SimulationConfig:
    """Everything that shapes the simulated population (one frozen object per run size).

    n_quarters: quarters of data (~90 d each). fractions: share of each of :data:`KINDS`.
    period_range: days (log-uniform). cdpp_range_ppm: 6.5-h CDPP (log-uniform).
    planet_snr_range: expected transit SNR of planets, white and red noise included (log-uniform); the lower end
    sits just above
    Kepler's 7.1-sigma detection threshold, since a TCE exists only if the pipeline detected it.
    """

    n_quarters: int = 3
    quarter_days: float = 90.0
    start_bkjd: float = 131.5
    cadence_days: float = LONG_CADENCE_DAYS
    fractions: tuple[float, ...] = (0.5, 0.15, 0.1, 0.1, 0.05, 0.05, 0.05)
    period_range: tuple[float, float] = (0.8, 60.0)
    cdpp_range_ppm: tuple[float, float] = (30.0, 300.0)
    planet_snr_range: tuple[float, float] = (8.0, 150.0)
    beb_snr_range: tuple[float, float] = (8.0, 200.0)
    eb_depth_range: tuple[float, float] = (0.002, 0.3)
    spot_amp_range: tuple[float, float] = (1e-4, 2e-2)
    missing_fraction: float = 0.02
    supersample: int = 3

    @property
    def baseline_days(self) -> float:
        return self.n_quarters * self.quarter_days


@dataclass
class SimulatedLightCurves:
    """A batch of light curves on one time grid.

    time: (n_cad,) days (BKJD-like). flux: (n, n_cad) float32 normalised flux, NaN in gaps.
    params: dict of (n,) arrays: ``kind``, ``label`` (1 = planet), true ``period``, ``t0``,
    ``duration``, ``depth``, ``snr_expected``, the TCE ephemeris ``tce_period``, ``tce_t0``,
    ``tce_duration``, ``cdpp_ppm``, ``impact``, ``rp_rs``, ``secondary_ratio``...
    """

    time: np.ndarray
    flux: np.ndarray
    params: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.flux)

    def lightcurve(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(time, flux) of object ``i`` with the gaps removed."""
        ok = np.isfinite(self.flux[i])
        return self.time[ok], self.flux[i][ok].astype(float)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def kepler_time_grid(config: SimulationConfig, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Cadence times (days) and a mask of cadences with data (False in spacecraft gaps).

    Quarters of ``quarter_days`` separated by 1-2 d; inside each, a ~1-d
    downlink gap every ~30 d and occasionally a longer safe-mode gap.
    """
    dt = config.cadence_days
    total = config.baseline_days
    time = config.start_bkjd + np.arange(0.0, total, dt)
    rel = time - config.start_bkjd
    good = np.ones(len(time), bool)
    for q in range(config.n_quarters):
        q0 = q * config.quarter_days
        if q > 0:  # inter-quarter gap (data downlink + roll)
            good &= ~((rel >= q0) & (rel < q0 + rng.uniform(1.0, 2.0)))
        for m in (1, 2):  # monthly downlinks
            g0 = q0 + m * config.quarter_days / 3 + rng.uniform(-2, 2)
            good &= ~((rel >= g0) & (rel < g0 + rng.uniform(0.8, 1.2)))
        if rng.random() < 0.25:  # safe mode
            g0 = q0 + rng.uniform(5, config.quarter_days - 10)
            good &= ~((rel >= g0) & (rel < g0 + rng.uniform(2, 5)))
    return time, good


def _a_over_rstar(period: np.ndarray, mass: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Kepler's third law: a / R* for period (days), total mass (M_sun), stellar radius (R_sun)."""
    a_au = (mass * (period / 365.25) ** 2) ** (1.0 / 3.0)
    return a_au * _AU_PER_RSUN / radius


def transit_duration(period: np.ndarray, a_rs: np.ndarray, k: np.ndarray, b: np.ndarray) -> np.ndarray:
    """First-to-fourth-contact duration (days) of a circular orbit (Seager & Mallen-Ornelas 2003, eq. 3).

    period: days; a_rs: a/R*; k: radius ratio; b: impact parameter (in R*). Zero when there is no eclipse.
    """
    a_rs, k, b = np.asarray(a_rs, float), np.asarray(k, float), np.asarray(b, float)
    inc = np.arccos(np.clip(b / a_rs, -1, 1))
    arg = np.sqrt(np.clip((1 + k) ** 2 - b**2, 0, None)) / (a_rs * np.sin(inc))
    return np.asarray(period, float) / np.pi * np.arcsin(np.clip(arg, 0, 1))


def _batman_dip(time, t0, period, k, a_rs, b, u, config) -> np.ndarray:
    """Fractional flux deficit (>= 0) of a transit/eclipse from batman, integrated over the cadence."""
    import batman

    p = batman.TransitParams()
    p.t0, p.per, p.rp, p.a = float(t0), float(period), float(k), float(a_rs)
    p.inc = float(np.degrees(np.arccos(min(1.0, b / a_rs))))
    p.ecc, p.w, p.u, p.limb_dark = 0.0, 90.0, [float(u[0]), float(u[1])], "quadratic"
    # only evaluate near the events: the rest is exactly 0
    ph = np.mod(time - t0 + 0.5 * period, period) - 0.5 * period
    dur = transit_duration(period, a_rs, k, b)
    near = np.abs(ph) < max(1.5 * dur, 3 * config.cadence_days)
    out = np.zeros(len(time))
    if near.any() and dur > 0:
        m = batman.TransitModel(p, time[near], supersample_factor=config.supersample, exp_time=config.cadence_days)
        out[near] = 1.0 - m.light_curve(p)
    return out


def _draw_kinds(n: int, config: SimulationConfig, rng: np.random.Generator) -> np.ndarray:
    f = np.asarray(config.fractions, float)
    if len(f) != len(KINDS) or np.any(f < 0) or not f.sum() > 0:
        raise ValueError(f"SimulationConfig.fractions must give {len(KINDS)} non-negative shares, one per kind "
                         f"{KINDS}, got {config.fractions}")
    counts = np.floor(f / f.sum() * n).astype(int)
    counts[0] += n - counts.sum()
    kinds = np.repeat(np.array(KINDS), counts)
    return kinds[rng.permutation(n)]


def simulate_lightcurves(
    n: int,
    seed: int | np.random.Generator | None = 0,
    config: SimulationConfig | None = None,
    kinds: np.ndarray | list[str] | None = None,
) -> SimulatedLightCurves:
    """Simulate ``n`` Kepler-like long-cadence light curves (see the module docstring).

    Parameters
    ----------
    n: number of light curves. seed: int or ``numpy.random.Generator``.
    config: population settings (default :class:`SimulationConfig`).
    kinds: optional (n,) list of ``"planet"``, ``"eb"``, ``"beb"``, ``"quiet"``; drawn from
        ``config.fractions`` when omitted.
    """
    from scipy.signal import lfilter

    config = config or SimulationConfig()
    rng = _rng(seed)
    # the heartbeat stars, rotators, pulsators and secondary-eclipse TCEs draw from a child stream, so the planets,
    # binaries and noise of a given seed are the same as before these kinds existed
    xrng = rng.spawn(1)[0]
    if kinds is None:
        kinds = _draw_kinds(n, config, rng)
    kinds = np.asarray(kinds)
    if len(kinds) != n:
        raise ValueError(f"kinds has {len(kinds)} entries for n={n}")
    unknown = set(kinds.tolist()) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind(s) {sorted(unknown)}; use {KINDS}")
    time, grid_ok = kepler_time_grid(config, rng)
    n_cad = len(time)
    dt = config.cadence_days
    baseline = config.baseline_days
    frac_observed = grid_ok.mean() * (1 - config.missing_fraction)

    # --- stars and noise levels
    r_star = rng.uniform(0.75, 1.5, n)
    m_star = r_star**0.9
    u1, u2 = rng.uniform(0.3, 0.55, n), rng.uniform(0.1, 0.3, n)
    cdpp = np.exp(rng.uniform(*np.log(config.cdpp_range_ppm), n))
    sigma_cad = cdpp * 1e-6 * np.sqrt((6.5 / 24) / dt)

    # --- orbits (all kinds), TCE ephemerides
    p_lo, p_hi = config.period_range[0], min(config.period_range[1], baseline / 3)
    period = np.exp(rng.uniform(np.log(p_lo), np.log(p_hi), n))
    hb_hi = max(min(40.0, baseline / 3), 3.5)  # heartbeat stars: 3-40 d orbits (Thompson et al. 2012)
    period = np.where(kinds == "heartbeat", np.exp(xrng.uniform(np.log(3.0), np.log(hb_hi), n)), period)
    t0 = config.start_bkjd + rng.uniform(0, 1, n) * period
    is_binary = np.isin(kinds, ("eb", "beb"))
    k = np.where(is_binary, rng.uniform(0.3, 1.0, n), 0.05)
    mass_total = m_star * np.where(is_binary, 1 + k, 1.0)
    r_sum = r_star  # a/R* uses the primary radius
    a_rs = _a_over_rstar(period, mass_total, r_sum)
    # impact parameter: planets mostly non-grazing; binaries often grazing (V shapes)
    grazing = is_binary & (rng.random(n) < np.where(kinds == "beb", 0.6, 0.35))
    b = np.where(
        kinds == "planet",
        rng.uniform(0, 0.9, n),
        np.where(grazing, 1 + k * rng.uniform(-0.6, 0.7, n), rng.uniform(0, 0.8, n)),
    )
    b = np.minimum(b, 0.98 * (1 + k))
    duration0 = transit_duration(period, a_rs, np.where(kinds == "planet", 0.0, k), b)
    n_transits = np.maximum(1.0, baseline / period * frac_observed)

    # --- depths
    ld_factor = (1 - u1 * 0.3 - u2 * 0.1) / (1 - u1 / 3 - u2 / 6)  # centre-to-mean limb-darkening boost
    snr_target = np.where(
        kinds == "beb",
        np.exp(rng.uniform(*np.log(config.beb_snr_range), n)),
        np.exp(rng.uniform(*np.log(config.planet_snr_range), n)),
    )
    # transit SNR with correlated noise (Pont, Zucker & Queloz 2006): per transit, white noise averages down
    # over the n_pt in-transit cadences, the AR(1) red noise only over n_pt / (correlation length)
    red_ratio = rng.uniform(0.1, 0.6, n)
    tau_red = rng.uniform(0.05, 0.3, n)
    phi = np.exp(-dt / tau_red)
    n_pt = np.maximum(1.0, 0.8 * np.maximum(duration0, dt) / dt)
    var_transit = sigma_cad**2 / n_pt * (1 + red_ratio**2 * np.minimum(n_pt, (1 + phi) / (1 - phi)))
    n_in = n_transits * n_pt
    noise_per_depth = np.sqrt(var_transit / n_transits)  # 1-sigma depth uncertainty from all transits
    depth_from_snr = snr_target * noise_per_depth
    rp_rs = np.clip(np.sqrt(depth_from_snr / ld_factor), 0.004, 0.25)
    k = np.where(kinds == "planet", rp_rs, k)
    duration = transit_duration(period, a_rs, k, b)
    eb_depth = np.exp(rng.uniform(*np.log(config.eb_depth_range), n))
    depth = np.where(kinds == "planet", rp_rs**2 * ld_factor,
                     np.where(kinds == "beb", depth_from_snr, np.where(kinds == "eb", eb_depth, 0.0)))
    secondary_ratio = np.where(is_binary, rng.uniform(0, 1, n) ** 1.5, 0.0)
    twin = is_binary & (rng.random(n) < 0.25)
    secondary_ratio = np.where(twin, rng.uniform(0.8, 1.0, n), secondary_ratio)
    ecosw = np.where(is_binary, rng.normal(0, 0.02, n), 0.0)
    half_period_tce = twin & (rng.random(n) < 0.6)
    # after the primary eclipses are masked the search finds the secondary as a TCE of its own at the same period
    # (many DR24 false positives are such secondary-eclipse TCEs, Thompson et al. 2018)
    secondary_tce = is_binary & ~half_period_tce & (secondary_ratio > 0.05) & (xrng.random(n) < 0.3)

    # quiet stars: a random "noise" ephemeris with a planet-like duration
    quiet = kinds == "quiet"
    duration = np.where(quiet, transit_duration(period, a_rs, 0.0, rng.uniform(0, 0.9, n)), duration)
    duration = np.maximum(duration, 1.0 * dt)

    # --- signals
    flux = np.ones((n, n_cad))
    for i in np.flatnonzero(np.isin(kinds, ("planet", "eb", "beb"))):
        if kinds[i] == "planet":
            dip = _batman_dip(time, t0[i], period[i], k[i], a_rs[i], b[i], (u1[i], u2[i]), config)
            flux[i] -= dip
            depth[i] = dip.max() if dip.max() > 0 else depth[i]
        else:
            shape = _batman_dip(time, t0[i], period[i], k[i], a_rs[i], b[i], (u1[i], u2[i]), config)
            if shape.max() <= 0:
                continue
            shape /= shape.max()
            t_sec = t0[i] + period[i] * (0.5 + 2 / np.pi * ecosw[i])
            shape2 = _batman_dip(time, t_sec, period[i], k[i], a_rs[i], b[i], (u1[i], u2[i]), config)
            shape2 = shape2 / shape2.max() if shape2.max() > 0 else shape2
            flux[i] -= depth[i] * (shape + secondary_ratio[i] * shape2)

    # --- stellar variability, red and white noise, systematics
    p_rot = np.exp(rng.uniform(np.log(5.0), np.log(45.0), n))  # most Kepler dwarfs: 5-45 d (McQuillan+2014)
    spot_amp = np.exp(rng.uniform(*np.log(config.spot_amp_range), n))
    phase1, phase2 = rng.uniform(0, 2 * np.pi, (2, n))
    tau_evol = rng.uniform(10, 60, n)
    spotted = kinds == "spotted"  # young fast rotators: 0.5-5 d, 0.3-3 %, spots evolving over days to weeks
    p_rot = np.where(spotted, np.exp(xrng.uniform(np.log(0.5), np.log(5.0), n)), p_rot)
    spot_amp = np.where(spotted, np.exp(xrng.uniform(np.log(3e-3), np.log(3e-2), n)), spot_amp)
    tau_evol = np.where(spotted, xrng.uniform(5, 30, n), tau_evol)
    tt = (time - time[0])[None, :]
    envelope = 1 + 0.4 * np.sin(2 * np.pi * tt / tau_evol[:, None] + phase2[:, None])
    spots = spot_amp[:, None] * envelope * (
        np.sin(2 * np.pi * tt / p_rot[:, None] + phase1[:, None])
        + 0.4 * np.sin(4 * np.pi * tt / p_rot[:, None] + 2 * phase1[:, None])
    )
    flux *= 1 + spots
    variability = np.zeros((n, n_cad))  # heartbeat / pulsation signal (noiseless), for the TCE of variable stars
    var_amp = np.zeros(n)
    for i in np.flatnonzero(kinds == "heartbeat"):
        e = xrng.uniform(0.3, 0.8)
        var_amp[i] = np.exp(xrng.uniform(np.log(2e-4), np.log(5e-3)))
        variability[i] = var_amp[i] * heartbeat_signal(time, period[i], t0[i], e, xrng.uniform(0, 2 * np.pi),
                                                       np.radians(xrng.uniform(20, 90)))
    for i in np.flatnonzero(kinds == "pulsator"):
        delta_scuti = xrng.random() < 0.5
        p0 = np.exp(xrng.uniform(*np.log((0.02, 0.25) if delta_scuti else (0.3, 3.0))))
        n_modes = int(xrng.integers(2, 6))
        periods = p0 * np.concatenate([[1.0], xrng.uniform(0.85, 1.15, n_modes - 1)])
        amps = np.exp(xrng.uniform(np.log(1e-4), np.log(5e-3), n_modes))
        amps[0] = amps.max() * 1.5
        phases = xrng.uniform(0, 2 * np.pi, n_modes)
        variability[i] = (amps[:, None] * np.sin(2 * np.pi * time[None, :] / periods[:, None] + phases[:, None])).sum(0)
        period[i], var_amp[i] = p0, amps.sum()
    flux *= 1 + variability
    for i in np.flatnonzero(spotted):
        period[i] = p_rot[i]
        variability[i] = spots[i]
    white = rng.standard_normal((n, n_cad))
    for i in range(n):  # AR(1): x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t
        phi = np.exp(-dt / tau_red[i])
        red = lfilter([np.sqrt(1 - phi**2)], [1, -phi], rng.standard_normal(n_cad))
        flux[i] += sigma_cad[i] * (white[i] + red_ratio[i] * red)
    # thermal settling ramps after each gap
    starts = np.flatnonzero(np.diff(np.concatenate([[False], grid_ok]).astype(int)) == 1)
    for s in starts:
        since = np.clip(time - time[s], 0, None)
        ramp = np.where(time >= time[s], np.exp(-since / 1.0), 0.0)
        flux -= rng.uniform(0, 5e-4, n)[:, None] * ramp[None, :]

    # --- gaps and missing cadences
    lost = ~grid_ok[None, :] | (rng.random((n, n_cad)) < config.missing_fraction)
    flux[lost] = np.nan

    # --- the TCE ephemeris the pipeline would report
    tce_period = np.where(half_period_tce, period / 2, period) * (1 + rng.normal(0, 2e-5, n))
    t_sec = t0 + period * (0.5 + 2 / np.pi * ecosw)
    tce_t0 = np.where(secondary_tce, t_sec, t0) + rng.normal(0, 0.05, n) * duration
    tce_duration = duration * np.exp(rng.normal(0, 0.1, n))
    for i in np.flatnonzero(quiet):  # a noise TCE sits on the deepest dip of the noise folded on its period
        tce_t0[i] = _deepest_dip(time, flux[i], tce_period[i], tce_duration[i])
    for i in np.flatnonzero(np.isin(kinds, VARIABLE_KINDS)):
        p_tce, t_min, dur, dep = variability_tce(time, variability[i], period[i], period_min=0.8)
        tce_period[i], tce_t0[i], tce_duration[i] = p_tce, t_min, dur
        t0[i], duration[i], depth[i] = t_min, dur, dep
        if kinds[i] != "heartbeat":
            period[i] = p_tce
    label = (kinds == "planet").astype(np.int64)
    params = {
        "kind": kinds,
        "label": label,
        "period": period,
        "t0": t0,
        "duration": duration,
        "depth": depth,
        "snr_expected": np.where(quiet, 0.0, depth / noise_per_depth),
        "snr_white": np.where(quiet, 0.0, depth / sigma_cad * np.sqrt(n_in)),
        "impact": b,
        "rp_rs": k,
        "a_rs": a_rs,
        "secondary_ratio": secondary_ratio,
        "secondary_phase": np.where(is_binary, 0.5 + 2 / np.pi * ecosw, np.nan),
        "half_period_tce": half_period_tce,
        "secondary_tce": secondary_tce,
        "cdpp_ppm": cdpp,
        "p_rot": p_rot,
        "spot_amp": spot_amp,
        "variability_amp": var_amp,
        "tce_period": tce_period,
        "tce_t0": tce_t0,
        "tce_duration": tce_duration,
    }
    return SimulatedLightCurves(time=time, flux=flux.astype(np.float32), params=params)


def _deepest_dip(time: np.ndarray, flux: np.ndarray, period: float, duration: float) -> float:
    """Epoch (days) of the lowest mean flux in boxes of ``duration`` of the light curve folded on ``period``
    (what a box search settles on in pure noise at that period); NaN cadences ignored."""
    ok = np.isfinite(flux)
    n_bins = max(4, int(period / max(duration, 1e-3)))
    idx = np.minimum((np.mod(time[ok] - time[0], period) / period * n_bins).astype(int), n_bins - 1)
    c = np.bincount(idx, minlength=n_bins)
    mean = np.bincount(idx, flux[ok], minlength=n_bins) / np.maximum(c, 1)
    mean = np.where(c > 0, mean, np.inf)
    return float(time[0] + (int(np.argmin(mean)) + 0.5) / n_bins * period)


def heartbeat_signal(time: np.ndarray, period: float, t_peri: float, ecc: float, omega: float, incl: float
                     ) -> np.ndarray:
    """Tidal "heartbeat" of an eccentric binary, scaled so its largest excursion is 1 (Thompson et al. 2012, eq. 1).

    ``dF/F = S [1 - 3 sin^2 i sin^2(nu - omega)] / (r / a)^3`` with the true anomaly ``nu(t)`` from Kepler's
    equation and ``r / a = (1 - e^2) / (1 + e cos nu)`` (Kumar, Ao & Quataert 1995); the mean is removed.
    time (n,) days; period days; t_peri: a time of periastron; ecc: eccentricity; omega, incl: radians.
    """
    mean_anom = 2 * np.pi * np.mod((np.asarray(time, float) - t_peri) / period, 1.0)
    ecc_anom = mean_anom.copy()
    for _ in range(30):  # Newton on E - e sin E = M
        ecc_anom -= (ecc_anom - ecc * np.sin(ecc_anom) - mean_anom) / (1 - ecc * np.cos(ecc_anom))
    nu = 2 * np.arctan2(np.sqrt(1 + ecc) * np.sin(ecc_anom / 2), np.sqrt(1 - ecc) * np.cos(ecc_anom / 2))
    sep = (1 - ecc**2) / (1 + ecc * np.cos(nu))
    sig = (1 - 3 * np.sin(incl) ** 2 * np.sin(nu - omega) ** 2) / sep**3
    sig -= np.median(sig)
    return sig / np.max(np.abs(sig))


def variability_tce(time: np.ndarray, signal: np.ndarray, period: float, *, period_min: float = 0.8,
                    n_bins: int = 400) -> tuple[float, float, float, float]:
    """The TCE a transit search makes of periodic stellar variability: ``(period, t0, duration, depth)``, days.

    The period is ``period`` times the smallest integer reaching ``period_min`` (a search starting there sees the
    variability folded on a multiple of its period); the noiseless ``signal`` (n,) (fractional, on ``time``) is
    folded and binned, the epoch is its minimum and the duration the width below half the depth (from the
    median), clipped to the search's 1.5-12 h boxes and a fifth of the period.
    """
    k = max(1, int(np.ceil(period_min / period - 1e-9)))
    p = period * k
    ph = np.mod(time - time[0], p) / p
    idx = np.minimum((ph * n_bins).astype(int), n_bins - 1)
    c = np.bincount(idx, minlength=n_bins)
    prof = np.bincount(idx, signal, minlength=n_bins) / np.maximum(c, 1)
    prof = np.where(c > 0, prof, np.median(signal))
    j = int(np.argmin(prof))
    depth = float(np.median(prof) - prof[j])
    below = prof < np.median(prof) - 0.5 * depth
    width = 1  # contiguous run of bins below half depth around the minimum (cyclic)
    while width < n_bins and below[(j + width) % n_bins]:
        width += 1
    left = 1
    while left < n_bins and below[(j - left) % n_bins]:
        left += 1
    dur = float(np.clip((width + left - 1) / n_bins * p, 1.5 / 24, min(0.5, 0.2 * p)))
    t0 = float(time[0] + (j + 0.5) / n_bins * p)
    return float(p), t0, dur, max(depth, 0.0)


@dataclass
class TransitDataset:
    """Views, labels and vetting statistics of a set of TCEs.

    global_view: (n, 2001) float32. local_view: (n, 201) float32. label: (n,) int64, 1 = planet.
    params: dict of (n,) arrays (see :class:`SimulatedLightCurves`). vetting: dict of (n,) arrays
    (``snr``, ``odd_even_sigma``, ``secondary_sigma``, ``depth``, ``score``).
    """

    global_view: np.ndarray
    local_view: np.ndarray
    label: np.ndarray
    params: dict[str, np.ndarray] = field(default_factory=dict)
    vetting: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.label)

    @property
    def kind(self) -> np.ndarray:
        return self.params.get("kind", np.where(self.label == 1, "planet", "fp"))

    def subset(self, idx: np.ndarray) -> TransitDataset:
        idx = np.asarray(idx)
        return TransitDataset(
            self.global_view[idx],
            self.local_view[idx],
            self.label[idx],
            {k: np.asarray(v)[idx] for k, v in self.params.items()},
            {k: np.asarray(v)[idx] for k, v in self.vetting.items()},
        )

    def split(self, fractions: tuple[float, float, float] = (0.8, 0.1, 0.1), seed: int = 0, *,
              stratify: bool = False):
        """Random train / validation / test split (Shallue & Vanderburg used 80/10/10).

        ``stratify=True`` splits planets and false positives separately, with at least one of each in the
        validation and test sets when the class has three or more members (for small real sets).
        """
        if abs(sum(fractions) - 1) > 1e-6 or min(fractions) < 0:
            raise ValueError(f"fractions must be non-negative and sum to 1, got {fractions}")
        rng = np.random.default_rng(seed)
        if not stratify:
            groups = [rng.permutation(len(self))]
        else:
            groups = [rng.permutation(np.flatnonzero(self.label == c)) for c in np.unique(self.label)]
        parts: list[list[np.ndarray]] = [[], [], []]
        for idx in groups:
            n_va = int(round(fractions[1] * len(idx)))
            n_te = int(round(fractions[2] * len(idx)))
            if stratify and len(idx) >= 3:
                n_va, n_te = max(n_va, 1), max(n_te, 1)
            n_tr = len(idx) - n_va - n_te
            parts[0].append(idx[:n_tr])
            parts[1].append(idx[n_tr : n_tr + n_va])
            parts[2].append(idx[n_tr + n_va :])
        return tuple(self.subset(np.sort(np.concatenate(p))) if stratify else self.subset(np.concatenate(p))
                     for p in parts)

    @staticmethod
    def concatenate(parts: list[TransitDataset]) -> TransitDataset:
        return TransitDataset(
            np.concatenate([p.global_view for p in parts]),
            np.concatenate([p.local_view for p in parts]),
            np.concatenate([p.label for p in parts]),
            {k: np.concatenate([p.params[k] for p in parts]) for k in parts[0].params},
            {k: np.concatenate([p.vetting[k] for p in parts]) for k in parts[0].vetting},
        )


def dataset_from_lightcurves(sim: SimulatedLightCurves) -> TransitDataset:
    """Views and vetting statistics of every light curve in ``sim`` at its TCE ephemeris."""
    from coursekit.transits.baseline import stack_statistics
    from coursekit.transits.search import views_and_vetting

    n = len(sim)
    gv = np.empty((n, 2001), np.float32)
    lv = np.empty((n, 201), np.float32)
    stats: list[dict[str, float]] = []
    p = sim.params
    for i in range(n):
        g, loc, st = views_and_vetting(sim.time, sim.flux[i], p["tce_period"][i], p["tce_t0"][i], p["tce_duration"][i])
        gv[i], lv[i] = g, loc
        stats.append(st.to_dict())
    return TransitDataset(gv, lv, p["label"].copy(), dict(p), stack_statistics(stats))


def make_dataset(
    n: int = 2000,
    seed: int = 0,
    config: SimulationConfig | None = None,
    chunk: int = 200,
    progress: bool | None = None,
    **config_overrides: Any,
) -> TransitDataset:
    """Simulate ``n`` light curves and return their views, labels and vetting statistics.

    Works in chunks of ``chunk`` light curves so memory stays small. ``config_overrides``
    replace fields of ``config`` (e.g. ``n_quarters=4``). This is the reduced-mode generator
    of the ``simulated_kepler_tces`` data set in ``data_manifest.yaml``.
    """
    from coursekit.config import show_progress

    config = config or SimulationConfig()
    if config_overrides:
        config = replace(config, **{k: tuple(v) if isinstance(v, list) else v for k, v in config_overrides.items()})
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    rng = np.random.default_rng(seed)
    kinds = _draw_kinds(n, config, rng)
    parts = []
    show = show_progress() if progress is None else progress
    from tqdm.auto import tqdm

    with tqdm(total=n, desc="simulating light curves", disable=not show) as bar:
        for s in range(0, n, chunk):
            sim = simulate_lightcurves(min(chunk, n - s), rng, config, kinds=kinds[s : s + chunk])
            parts.append(dataset_from_lightcurves(sim))
            bar.update(len(sim))
    return TransitDataset.concatenate(parts)


def simulate_kepler90_like(seed: int = 0, noise_ppm: float = 480.0):
    """A stand-in for Kepler-90's Q3-Q5 light curve, as a ``lightkurve.LightCurve`` (BKJD, flux median ~1).

    Its planets' ephemerides and depths (:data:`~coursekit.transits.data.KEPLER90_PLANETS`) on Kepler's time grid
    (BKJD 260-349.5, 352.4-373.2, 443.5-538.2), with 480 ppm white noise per cadence (the real light curve's
    scatter) and mild spot modulation. Used where the real files are neither cached nor downloadable.
    """
    from coursekit.transits.data import _KEPLER90_DEPTH_PPM, KEPLER90_KEPID, KEPLER90_PLANETS, make_lightcurve

    rng = np.random.default_rng(seed)
    dt = LONG_CADENCE_DAYS
    time = np.concatenate([np.arange(260.22, 349.50, dt), np.arange(352.38, 373.22, dt),
                           np.arange(443.49, 538.16, dt)])
    quarter = np.where(time < 350, 3, np.where(time < 400, 4, 5))
    cfg = SimulationConfig(supersample=3)
    flux = np.ones(len(time))
    for name, (period, t0, dur_h) in KEPLER90_PLANETS.items():
        depth = _KEPLER90_DEPTH_PPM[name.split()[-1]] * 1e-6
        k = np.sqrt(depth / 1.1)
        # a/R* from the duration of a central transit: T = P / pi * (1 + k) / (a/R*)
        a_rs = period / np.pi * (1 + k) / (dur_h / 24)
        flux -= _batman_dip(time, t0, period, k, a_rs, 0.3, (0.4, 0.25), cfg)
    flux *= 1 + 5e-4 * np.sin(2 * np.pi * time / 17.0 + rng.uniform(0, 2 * np.pi))
    flux += noise_ppm * 1e-6 * rng.standard_normal(len(time))
    keep = rng.random(len(time)) > 0.05
    lc = make_lightcurve(time[keep], flux[keep], np.full(keep.sum(), noise_ppm * 1e-6),
                         target="simulated Kepler-90 stand-in", meta={"KEPLERID": KEPLER90_KEPID})
    lc["quarter"] = quarter[keep]
    return lc


def inject_transit(lightcurve, period: float, t0: float, depth: float, duration: float, *, impact: float = 0.3,
                   limb_darkening: tuple[float, float] = (0.4, 0.25)):
    """A copy of ``lightcurve`` (a ``lightkurve.LightCurve``) with a batman transit multiplied in.

    period, t0 (BKJD), duration (days, first to fourth contact): the planet's ephemeris; depth: fractional.
    The radius ratio follows from the depth (limb-darkened centre boost ~1.1), a/R* from the duration of a
    transit at ``impact``; the model is integrated over the 29.4-min cadence, as in :func:`simulate_lightcurves`.
    """
    from coursekit.transits.data import lc_arrays

    if not (period > 0 and duration > 0 and 0 < depth < 1):
        raise ValueError(f"need period > 0, duration > 0 and 0 < depth < 1, got {period}, {duration}, {depth}")
    time, flux = lc_arrays(lightcurve)
    k = np.sqrt(depth / 1.1)
    a_rs = period / (np.pi * duration) * np.sqrt(max((1 + k) ** 2 - impact**2, 1e-6))
    dip = _batman_dip(time, t0, period, k, a_rs, impact, limb_darkening, SimulationConfig(supersample=3))
    out = lightcurve.copy()
    out.flux = out.flux * (1.0 - dip)
    return out
