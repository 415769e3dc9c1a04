"""Simulated data with a known law, and small tables of facts that can be typed in.

Every simulator takes an explicit ``seed`` and returns astropy quantities, so
the units travel with the numbers until the moment they are handed to the
search as plain floats.
"""

from __future__ import annotations

import numpy as np
from astropy import constants as const
from astropy import units as u
from astropy.table import QTable


def kepler_period(a: u.Quantity, m_star: u.Quantity = 1 * u.M_sun) -> u.Quantity:
    """Orbital period from Kepler's third law, ``T = 2 pi sqrt(a^3 / (G M))`` (test mass), in years."""
    return (2 * np.pi * np.sqrt(a**3 / (const.G * m_star))).to(u.yr)


def simulate_orbits(n: int = 100, *, a_min_au: float = 0.2, a_max_au: float = 40.0, rel_noise: float = 0.01,
                    seed: int = 0) -> dict[str, u.Quantity]:
    """Noisy orbits around a solar-mass star: the guide's ``T = a^1.5`` toy data.

    Semi-major axes are log-uniform in ``[a_min_au, a_max_au]`` AU; periods follow
    Kepler's third law (:func:`kepler_period`, 0.99998 yr at 1 AU) times
    ``1 + rel_noise * N(0, 1)`` (timing scatter).

    Returns ``{"a": (n,) AU, "T": (n,) yr}``.
    """
    if n < 2 or rel_noise < 0 or not 0 < a_min_au < a_max_au:
        raise ValueError(f"need n >= 2, rel_noise >= 0 and 0 < a_min_au < a_max_au; got {n}, {rel_noise}, "
                         f"{a_min_au}, {a_max_au}")
    rng = np.random.default_rng(seed)
    a = 10 ** rng.uniform(np.log10(a_min_au), np.log10(a_max_au), n) * u.AU
    T = kepler_period(a) * (1 + rel_noise * rng.normal(size=n))
    return {"a": a, "T": T}


def nfw_density(r: u.Quantity, rho0: u.Quantity, rs: u.Quantity) -> u.Quantity:
    """Navarro, Frenk & White (1997, ApJ 490, 493) profile ``rho0 / [(r/rs) (1 + r/rs)^2]``."""
    x = (r / rs).to_value(u.dimensionless_unscaled)
    return rho0 / (x * (1 + x) ** 2)


def simulate_nfw_profile(*, rs_kpc: float = 20.0, rho0_msun_kpc3: float = 5e6, r_min_rs: float = 0.01,
                         r_max_rs: float = 20.0, n_bins: int = 40, scatter: float = 0.05,
                         seed: int = 0) -> dict[str, u.Quantity]:
    """A noisy spherically averaged halo density profile in log-spaced radial bins.

    The truth is :func:`nfw_density`; each bin gets log-normal scatter of
    ``scatter`` (5 % by default, like a stacked profile from an N-body
    simulation). Bins run from ``r_min_rs`` to ``r_max_rs`` scale radii.

    Returns ``{"r": (n_bins,) kpc, "rho": (n_bins,) Msun / kpc^3, "rs": kpc, "rho0": Msun / kpc^3}``.
    """
    if n_bins < 5 or scatter < 0 or not 0 < r_min_rs < r_max_rs:
        raise ValueError("need n_bins >= 5, scatter >= 0 and 0 < r_min_rs < r_max_rs")
    rng = np.random.default_rng(seed)
    rs = rs_kpc * u.kpc
    rho0 = rho0_msun_kpc3 * u.Msun / u.kpc**3
    r = np.geomspace(r_min_rs, r_max_rs, n_bins) * rs
    rho = nfw_density(r, rho0, rs) * np.exp(scatter * rng.normal(size=n_bins))
    return {"r": r, "rho": rho, "rs": rs, "rho0": rho0}


# Facts that fit on a page: the planets (semi-major axis, sidereal period) and Jupiter's Galilean moons.
# Sources: NASA Planetary Fact Sheet (nssdc.gsfc.nasa.gov/planetary/factsheet) and JPL Solar System Dynamics
# mean orbital elements of the Galilean satellites; masses in solar masses (Jupiter: 1/1047.35 M_sun).
_PLANETS = [  # name, a [AU], P [days]
    ("Mercury", 0.38710, 87.969),
    ("Venus", 0.72333, 224.701),
    ("Earth", 1.00000, 365.256),
    ("Mars", 1.52366, 686.980),
    ("Jupiter", 5.20336, 4332.589),
    ("Saturn", 9.53707, 10759.22),
    ("Uranus", 19.1913, 30685.4),
    ("Neptune", 30.0690, 60189.0),
]
_GALILEAN = [  # name, a [km], P [days]
    ("Io", 421_800.0, 1.769138),
    ("Europa", 671_100.0, 3.551181),
    ("Ganymede", 1_070_400.0, 7.154553),
    ("Callisto", 1_882_700.0, 16.689018),
]
JUPITER_MASS_MSUN = 1.0 / 1047.35


def solar_system_table() -> QTable:
    """The eight planets and the four Galilean moons in the Open Exoplanet Catalogue's layout.

    Columns as :func:`coursekit.symbolic.data.read_oec` returns them: ``name``,
    ``period`` [day], ``semimajoraxis`` [AU], ``hoststar_mass`` [M_sun], ``list``
    (the host: ``Sun`` or ``Jupiter``): two hosts, so both exponents of
    ``P^2 = 4 pi^2 a^3 / (G M)`` can be measured.
    """
    rows = [(n, p, a, 1.0, "Sun") for n, a, p in _PLANETS]
    rows += [(n, p, (a * u.km).to_value(u.AU), JUPITER_MASS_MSUN, "Jupiter") for n, a, p in _GALILEAN]
    name, period, a, mass, host = (list(c) for c in zip(*rows))
    return QTable({"name": name, "period": period * u.day, "semimajoraxis": a * u.AU,
                   "hoststar_mass": mass * u.M_sun, "list": host})


def simulate_supernovae(n: int = 600, *, h0: float = 73.0, om0: float = 0.334, z_min: float = 0.01,
                        z_max: float = 1.5, sigma_mu: float = 0.15, seed: int = 0) -> QTable:
    """Type Ia supernova distance moduli from flat LambdaCDM, in the layout of
    :func:`coursekit.symbolic.data.read_pantheon` (``CID, zHD, MU_SH0ES [mag], MU_SH0ES_ERR_DIAG [mag],
    IS_CALIBRATOR``).

    Redshifts are log-uniform in ``[z_min, z_max]``; ``mu`` gets Gaussian scatter
    ``sigma_mu`` mag (the intrinsic scatter of standardised SNe Ia is ~0.1-0.15
    mag). The default H0 and Omega_m are the Pantheon+SH0ES values (Brout et al. 2022),
    for which ``q0 = 3 Om / 2 - 1 = -0.50``.
    """
    from astropy.cosmology import FlatLambdaCDM

    rng = np.random.default_rng(seed)
    z = np.sort(10 ** rng.uniform(np.log10(z_min), np.log10(z_max), n))
    mu = FlatLambdaCDM(H0=h0, Om0=om0).distmod(z).to_value(u.mag) + sigma_mu * rng.normal(size=n)
    return QTable({"CID": [f"sim{i}" for i in range(n)], "zHD": z, "MU_SH0ES": mu * u.mag,
                   "MU_SH0ES_ERR_DIAG": np.full(n, sigma_mu) * u.mag, "IS_CALIBRATOR": np.zeros(n, dtype=int)})
