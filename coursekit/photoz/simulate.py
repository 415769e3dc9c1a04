"""Synthetic SDSS ugriz photometry made the physical way.

The recipe (every step is a function below, each with a test):

1. **Templates**: the empirical CWW (Coleman, Wu & Weedman 1980) + Kinney et al.
   (1996) spectral energy distributions as shipped with BPZ (Benitez 2000;
   ``desc_bpz/data_files/SED``), extended by Benitez et al. 2004: El, Sbc,
   Scd, Im, SB3, SB2. Wavelengths in Angstrom, flux densities ``f_lambda`` in
   arbitrary units.
2. **Filters**: the SDSS 2010 ugriz response curves from ``speclite``
   (Doi et al. 2010, AJ 139, 1628).
3. **Magnitude grid**: each template is redshifted (``f_lambda(lambda) ->
   f_lambda(lambda / (1 + z)) / (1 + z)``), integrated through each filter into
   AB maggies and normalised to unit rest-frame r-band flux. This is done once
   on a fine redshift grid (:class:`FluxGrid`); a galaxy of continuous type
   ``t`` (0 = El ... 5 = SB2) at redshift ``z`` is then a linear interpolation
   between neighbouring templates and grid nodes, so tens of thousands of
   galaxies take well under a second.
4. **Population**: redshifts drawn from the comoving volume, absolute
   r-band magnitudes from type-dependent Schechter luminosity functions with
   luminosity evolution, apparent magnitude ``m = M + DM(z) + K(z, t)``
   (the K-correction comes from the grid), and a cut on the *observed*
   r magnitude: the realistic n(z) and type mix are consequences of the cut.
5. **Noise**: Gaussian flux errors set by SDSS 5-sigma depths plus a
   calibration floor, turned into SDSS asinh magnitudes (Lupton, Gunn &
   Szalay 1999) so faint or negative fluxes never give 99s, an intrinsic
   colour scatter (SED variety beyond six templates), and a few percent of
   blends of two galaxies at different redshifts: the catastrophic outliers
   every photo-z method meets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

_trapezoid = np.trapezoid if hasattr(np, "trapezoid") else np.trapz  # numpy < 2 has only trapz

BANDS: tuple[str, ...] = ("u", "g", "r", "i", "z")
#: CWW + Kinney templates in BPZ's order (red to blue), file stems in desc_bpz.
TEMPLATE_NAMES: tuple[str, ...] = ("El_B2004a", "Sbc_B2004a", "Scd_B2004a", "Im_B2004a", "SB3_B2004a", "SB2_B2004a")
#: Short labels of the templates.
TEMPLATE_LABELS: tuple[str, ...] = ("El", "Sbc", "Scd", "Im", "SB3", "SB2")
#: SDSS 5-sigma point-source depths (AB mag; SDSS DR7 documentation, 95% completeness).
SDSS_DEPTH_5SIGMA: tuple[float, ...] = (22.0, 22.2, 22.2, 21.3, 20.5)
#: SDSS asinh softening parameters b (in maggies; Lupton et al. 1999, SDSS EDR paper Table 21).
SDSS_ASINH_B: tuple[float, ...] = (1.4e-10, 0.9e-10, 1.2e-10, 1.8e-10, 7.4e-10)

_POGSON = 2.5 / np.log(10.0)
_C_ANGSTROM_PER_S = 2.99792458e18
_AB_FNU = 3631e-23  # erg/s/cm^2/Hz


# --------------------------------------------------------------------------- templates and filters

def template_dir() -> Path:
    """Folder of the SED templates inside the installed ``desc_bpz`` package."""
    try:
        import desc_bpz
    except ImportError as exc:  # pragma: no cover - desc-bpz is a dependency
        raise ImportError("desc-bpz is needed for the CWW/Kinney templates: pip install desc-bpz") from exc
    path = Path(desc_bpz.__file__).parent / "data_files" / "SED"
    if not path.is_dir():
        raise FileNotFoundError(f"desc_bpz is installed but has no SED folder at {path}")
    return path


@cache
def load_template(name: str) -> tuple[np.ndarray, np.ndarray]:
    """One template SED: ``(wavelength_A (n,), f_lambda (n,))``, arbitrary flux units.

    ``name`` is a file stem from :data:`TEMPLATE_NAMES` or a short label
    (``"El"``, ``"Sbc"``, ...).
    """
    if name in TEMPLATE_LABELS:
        name = TEMPLATE_NAMES[TEMPLATE_LABELS.index(name)]
    path = template_dir() / f"{name}.sed"
    if not path.exists():
        raise FileNotFoundError(f"no template {name!r} in {template_dir()}; known: {', '.join(TEMPLATE_NAMES)}")
    data = np.loadtxt(path, comments="#")
    wave, flam = data[:, 0], data[:, 1]
    order = np.argsort(wave)
    return wave[order], np.clip(flam[order], 0.0, None)


@lru_cache(maxsize=1)
def load_sdss_filters():
    """The speclite ``sdss2010-{u,g,r,i,z}`` response curves (a ``FilterSequence``)."""
    import speclite.filters

    return speclite.filters.load_filters("sdss2010-*")


def filter_curves() -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(wavelength_A, response), ...]`` for u, g, r, i, z."""
    return [(np.asarray(f.wavelength, float), np.asarray(f.response, float)) for f in load_sdss_filters()]


def ab_maggies(
    wave: np.ndarray, flam: np.ndarray, z: float | np.ndarray = 0.0
) -> np.ndarray:
    """AB flux ratios (maggies, ``10**(-0.4 m_AB)``) of an SED redshifted to ``z``, in u, g, r, i, z.

    Parameters
    ----------
    wave, flam:
        Rest-frame SED: wavelength in Angstrom (n,), ``f_lambda`` in erg/s/cm^2/A (n,).
    z:
        Redshift(s), scalar or (m,). The observed SED is
        ``f_lambda(lambda / (1 + z)) / (1 + z)`` (luminosity distance left out).

    Returns
    -------
    (5,) or (m, 5) maggies: ``int f_lambda lambda R dlambda / int (c / lambda^2) 3631 Jy lambda R dlambda``
    (photon-counting response R, as in speclite and Fukugita et al. 1996), integrated on a 1 A
    grid with the filter response linearly interpolated.
    """
    z = np.asarray(z, float)
    zz = np.atleast_1d(z)
    if np.any(zz < 0) or np.any(zz > 10):
        raise ValueError(f"redshifts must lie in [0, 10], got range [{zz.min()}, {zz.max()}]")
    out = np.empty((zz.size, len(BANDS)))
    for b, (lam0, resp0) in enumerate(filter_curves()):
        # integrate on a 1 A grid so that narrow emission lines of the starburst templates are not skipped
        lam = np.arange(lam0[0], lam0[-1] + 0.5, 1.0)
        resp = np.interp(lam, lam0, resp0)
        rest = lam[None, :] / (1.0 + zz[:, None])
        f = np.interp(rest, wave, flam, left=0.0, right=0.0) / (1.0 + zz[:, None])
        num = _trapezoid(f * lam * resp, lam, axis=-1)
        den = _trapezoid(_AB_FNU * _C_ANGSTROM_PER_S / lam**2 * lam * resp, lam)
        out[:, b] = num / den
    return out[0] if z.ndim == 0 else out


# --------------------------------------------------------------------------- the precomputed grid

@dataclass(frozen=True)
class FluxGrid:
    """AB maggies of every template on a redshift grid, normalised to unit rest-frame r flux.

    ``flux[t, k, b]`` is the flux in band ``b`` of template ``t`` at ``z[k]``,
    so ``-2.5 log10 flux[t, k, r]`` is the r-band K-correction of template ``t``.
    """

    z: np.ndarray  # (nz,)
    flux: np.ndarray  # (n_templates, nz, 5)
    labels: tuple[str, ...] = TEMPLATE_LABELS

    @property
    def n_templates(self) -> int:
        return self.flux.shape[0]

    def fluxes(self, t: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Normalised maggies (n, 5) of galaxies of continuous type ``t`` (n,) in [0, n_templates-1] at ``z`` (n,).

        Type ``t = 1.3`` is 70% Sbc + 30% Scd (mixed in flux at fixed rest-frame r).
        Redshifts are linearly interpolated between grid nodes.
        """
        t = np.asarray(t, float)
        z = np.asarray(z, float)
        if t.shape != z.shape:
            raise ValueError(f"t and z need the same shape, got {t.shape} and {z.shape}")
        if np.any((t < 0) | (t > self.n_templates - 1)):
            raise ValueError(f"template type t must lie in [0, {self.n_templates - 1}]")
        if np.any((z < self.z[0]) | (z > self.z[-1])):
            raise ValueError(f"z must lie in the grid range [{self.z[0]}, {self.z[-1]}]")
        i = np.minimum(np.floor(t).astype(int), self.n_templates - 2)
        w = (t - i)[..., None]
        dz = self.z[1] - self.z[0]
        k = np.minimum(((z - self.z[0]) / dz).astype(int), len(self.z) - 2)
        u = ((z - self.z[k]) / dz)[..., None]

        def at(ti):
            return (1 - u) * self.flux[ti, k] + u * self.flux[ti, k + 1]

        return (1 - w) * at(i) + w * at(i + 1)

    def k_correction(self, t: np.ndarray, z: np.ndarray, band: int = 2) -> np.ndarray:
        """K-correction ``m(z) - M - DM(z)`` (mag) in ``band`` for rest-frame r-band absolute magnitudes."""
        return -_POGSON * np.log(self.fluxes(t, z)[..., band])

    def interpolated(self, n_interp: int = 0) -> np.ndarray:
        """Template fluxes with ``n_interp`` evenly mixed templates between neighbours (BPZ's INTERP).

        Returns ``(n_templates + (n_templates - 1) * n_interp, nz, 5)``.
        """
        if n_interp < 0:
            raise ValueError("n_interp must be >= 0")
        ts = np.linspace(0, self.n_templates - 1, self.n_templates + (self.n_templates - 1) * n_interp)
        i = np.minimum(np.floor(ts).astype(int), self.n_templates - 2)
        w = (ts - i)[:, None, None]
        return (1 - w) * self.flux[i] + w * self.flux[i + 1]

    def template_types(self, n_interp: int = 0) -> np.ndarray:
        """Continuous type value of each template returned by :meth:`interpolated`."""
        return np.linspace(0, self.n_templates - 1, self.n_templates + (self.n_templates - 1) * n_interp)


#: The default grid, precomputed with :func:`compute_flux_grid` and shipped with the package
#: (``tests/test_photoz_simulate.py`` checks it against a fresh integration).
PACKAGED_GRID = Path(__file__).with_name("sdss_cww_flux_grid.npz")


@lru_cache(maxsize=4)
def flux_grid(z_max: float = 2.0, dz: float = 0.005) -> FluxGrid:
    """The :class:`FluxGrid` on ``z = 0, dz, ..., z_max`` (the packaged default, or computed once per process)."""
    if (z_max, dz) == (2.0, 0.005) and PACKAGED_GRID.exists():
        with np.load(PACKAGED_GRID) as d:
            return FluxGrid(z=d["z"], flux=d["flux"], labels=tuple(str(x) for x in d["labels"]))
    return compute_flux_grid(z_max, dz)


def compute_flux_grid(z_max: float = 2.0, dz: float = 0.005) -> FluxGrid:
    """Integrate every template through every filter on ``z = 0, dz, ..., z_max`` (a few seconds)."""
    if dz <= 0 or z_max <= 0:
        raise ValueError("z_max and dz must be positive")
    z = np.round(np.arange(0.0, z_max + dz / 2, dz), 10)
    flux = []
    for name in TEMPLATE_NAMES:
        wave, flam = load_template(name)
        f = ab_maggies(wave, flam, z)
        flux.append(f / f[0, 2])  # unit rest-frame r
    return FluxGrid(z=z, flux=np.stack(flux))


# --------------------------------------------------------------------------- magnitudes

def asinh_mag(flux: np.ndarray, b: np.ndarray | tuple[float, ...] = SDSS_ASINH_B) -> np.ndarray:
    """SDSS asinh magnitude of ``flux`` in maggies: ``-(2.5/ln 10) [asinh(f / 2b) + ln b]`` (Lupton et al. 1999)."""
    b = np.asarray(b, float)
    return -_POGSON * (np.arcsinh(np.asarray(flux) / (2 * b)) + np.log(b))


def asinh_mag_err(flux: np.ndarray, flux_err: np.ndarray, b=SDSS_ASINH_B) -> np.ndarray:
    """Error of :func:`asinh_mag`: ``(2.5/ln 10) sigma_f / sqrt(4 b^2 + f^2)``."""
    b = np.asarray(b, float)
    return _POGSON * np.asarray(flux_err) / np.sqrt(4 * b**2 + np.asarray(flux) ** 2)


def asinh_to_flux(mag: np.ndarray, b=SDSS_ASINH_B) -> np.ndarray:
    """Inverse of :func:`asinh_mag` (maggies)."""
    b = np.asarray(b, float)
    return 2 * b * np.sinh(-np.asarray(mag) / _POGSON - np.log(b))


# --------------------------------------------------------------------------- the catalogue type

@dataclass
class PhotometryCatalog:
    """ugriz photometry of n galaxies with spectroscopic (or true) redshifts.

    ``mag``/``mag_err``: (n, 5) magnitudes in u, g, r, i, z; ``z``: (n,).
    ``asinh_b`` is set when the magnitudes are SDSS asinh magnitudes (then
    :meth:`fluxes` inverts them exactly). ``truth`` holds simulator-only
    columns (type, absolute magnitude, blend flag), each (n,).
    """

    mag: np.ndarray
    mag_err: np.ndarray
    z: np.ndarray
    bands: tuple[str, ...] = BANDS
    asinh_b: tuple[float, ...] | None = None
    truth: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.mag = np.asarray(self.mag, float)
        self.mag_err = np.asarray(self.mag_err, float)
        self.z = np.asarray(self.z, float)
        n = len(self.z)
        if self.mag.shape != (n, len(self.bands)) or self.mag_err.shape != self.mag.shape:
            raise ValueError(
                f"mag and mag_err must be (n, {len(self.bands)}) with n = len(z) = {n}; "
                f"got {self.mag.shape} and {self.mag_err.shape}"
            )

    def __len__(self) -> int:
        return len(self.z)

    def subset(self, index) -> PhotometryCatalog:
        """Rows ``index`` (boolean mask or integer indices) as a new catalogue."""
        return PhotometryCatalog(
            self.mag[index], self.mag_err[index], self.z[index], self.bands, self.asinh_b,
            {k: v[index] for k, v in self.truth.items()},
        )

    def split(self, fraction: float = 0.5, seed: int = 0) -> tuple[PhotometryCatalog, PhotometryCatalog]:
        """Random split into (first, second) with ``fraction`` of the rows in the first."""
        if not 0 < fraction < 1:
            raise ValueError(f"fraction must be in (0, 1), got {fraction}")
        idx = np.random.default_rng(seed).permutation(len(self))
        cut = int(round(fraction * len(self)))
        return self.subset(np.sort(idx[:cut])), self.subset(np.sort(idx[cut:]))

    def fluxes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(flux, flux_err)`` in maggies, each (n, 5), from the magnitudes."""
        if self.asinh_b is not None:
            f = asinh_to_flux(self.mag, self.asinh_b)
            b = np.asarray(self.asinh_b)
            err = self.mag_err * np.sqrt(4 * b**2 + f**2) / _POGSON
        else:
            f = 10 ** (-0.4 * self.mag)
            err = f * self.mag_err / _POGSON
        return f, err

    def to_table(self, meta: dict | None = None):
        """An astropy ``Table`` with the BOSS/ANNZ column names ``MAG_U, MAGERR_U, ..., Z`` (magnitudes in mag)
        plus the truth columns in upper case; ``meta`` goes into ``Table.meta`` (with ``asinh_b``)."""
        import astropy.units as u
        from astropy.table import Table

        t = Table()
        for j, b in enumerate(self.bands):
            t[f"MAG_{b.upper()}"] = self.mag[:, j] * u.mag
            t[f"MAGERR_{b.upper()}"] = self.mag_err[:, j] * u.mag
        t["Z"] = self.z
        for k, v in self.truth.items():
            t[k.upper()] = v
        t.meta.update(meta or {})
        t.meta["bands"] = "".join(self.bands)
        t.meta["asinh_b"] = list(self.asinh_b) if self.asinh_b is not None else None
        return t

    @classmethod
    def from_table(cls, table) -> PhotometryCatalog:
        """Inverse of :meth:`to_table` (columns ``MAG_<B>``, ``MAGERR_<B>``, ``Z``; bands from ``meta``)."""
        bands = tuple(table.meta.get("bands", "".join(BANDS)))
        need = [f"{p}_{b.upper()}" for b in bands for p in ("MAG", "MAGERR")] + ["Z"]
        lacking = [c for c in need if c not in table.colnames]
        if lacking:
            raise ValueError(f"the table lacks column(s) {lacking}; expected {need} (PhotometryCatalog.to_table)")
        mag = np.stack([np.asarray(table[f"MAG_{b.upper()}"], float) for b in bands], axis=1)
        err = np.stack([np.asarray(table[f"MAGERR_{b.upper()}"], float) for b in bands], axis=1)
        known = set(need)
        truth = {c.lower(): np.asarray(table[c]) for c in table.colnames if c not in known}
        b = table.meta.get("asinh_b")
        return cls(mag, err, np.asarray(table["Z"], float), bands, tuple(b) if b else None, truth)

    def to_frame(self):
        """A pandas DataFrame with columns ``MAG_U, MAGERR_U, ..., Z`` (the BOSS/ANNZ names) plus truth columns."""
        import pandas as pd

        cols = {}
        for j, b in enumerate(self.bands):
            cols[f"MAG_{b.upper()}"] = self.mag[:, j]
            cols[f"MAGERR_{b.upper()}"] = self.mag_err[:, j]
        cols["Z"] = self.z
        cols.update({k.upper(): v for k, v in self.truth.items()})
        return pd.DataFrame(cols)


# --------------------------------------------------------------------------- the population

@dataclass(frozen=True)
class GalaxyPopulation:
    """Luminosity functions and type mix of the simulated population (Schechter 1976 form).

    Three classes: early (types 0-1: El to Sbc), spiral (1-3: Sbc to Im) and
    starburst (3-5: Im to SB2). Schechter parameters are rest-frame r-band,
    h = 0.7, roughly after Blanton et al. 2003 and Zucca et al. 2006, with the
    characteristic magnitude brightening by ``q_evolution`` mag per unit z.
    """

    m_star: tuple[float, float, float] = (-21.4, -21.1, -20.6)
    alpha: tuple[float, float, float] = (-0.5, -1.1, -1.4)
    phi_star: tuple[float, float, float] = (0.40, 0.45, 0.15)  # relative normalisations
    type_range: tuple[tuple[float, float], ...] = ((0.0, 1.0), (1.0, 3.0), (3.0, 5.0))
    q_evolution: float = 1.3
    abs_mag_range: tuple[float, float] = (-24.5, -16.0)
    z_range: tuple[float, float] = (0.005, 1.5)
    h0: float = 70.0
    omega_m: float = 0.3


def _cumulative(x: np.ndarray, density: np.ndarray) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(x))])
    return c / c[-1]


def _distance_modulus_and_volume(z: np.ndarray, h0: float, omega_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Distance modulus (mag) and dV/dz per steradian (Mpc^3, flat LCDM) on a grid ``z`` starting at 0."""
    c_km_s = 299792.458
    ez = np.sqrt(omega_m * (1 + z) ** 3 + (1 - omega_m))
    dh = c_km_s / h0
    dc = dh * np.concatenate([[0.0], np.cumsum(0.5 * (1 / ez[1:] + 1 / ez[:-1]) * np.diff(z))])
    dl = (1 + z) * dc
    with np.errstate(divide="ignore"):
        dm = 5 * np.log10(np.where(dl > 0, dl, np.nan) * 1e6 / 10.0)
    dvdz = dh * dc**2 / ez
    return dm, dvdz


def simulate_galaxies(
    n: int = 20000,
    *,
    seed: int | np.random.Generator = 0,
    r_limit: float = 21.5,
    depth: tuple[float, ...] = SDSS_DEPTH_5SIGMA,
    depth_offset: float = -0.5,
    calibration_floor: float = 0.02,
    sed_scatter: float = 0.03,
    blend_fraction: float = 0.03,
    population: GalaxyPopulation | None = None,
    grid: FluxGrid | None = None,
) -> PhotometryCatalog:
    """Draw a magnitude-limited sample of ``n`` galaxies with SDSS-like ugriz photometry.

    Parameters
    ----------
    n:
        Number of galaxies returned (all with observed asinh ``r < r_limit``).
    seed:
        Seed or ``numpy.random.Generator``.
    r_limit:
        Cut on the observed r magnitude (mag). SDSS's Main Galaxy Sample stops at
        17.77; the photometric sample is complete to about 22.
    depth, depth_offset:
        5-sigma point-source depths per band (mag) and a shift applied to them
        (extended galaxies are measured less deeply than stars; -0.5 mag by default).
    calibration_floor:
        Fractional flux error added in quadrature (photometric calibration).
    sed_scatter:
        Intrinsic per-band scatter (mag) of the true fluxes about the template mix.
    blend_fraction:
        Fraction of galaxies whose photometry includes a second, unrelated galaxy
        (flux ratio 0.3-1 in r, another redshift); their label stays the primary's z.

    Returns
    -------
    PhotometryCatalog with asinh magnitudes and ``truth`` columns ``type``,
    ``abs_mag_r``, ``r_true`` and ``blended``.
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if not 0 <= blend_fraction < 1:
        raise ValueError(f"blend_fraction must be in [0, 1), got {blend_fraction}")
    if len(depth) != len(BANDS):
        raise ValueError(f"depth needs one value per band {BANDS}, got {len(depth)}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    pop = population or GalaxyPopulation()
    grid = grid or flux_grid()
    if pop.z_range[1] > grid.z[-1]:
        raise ValueError(f"population z_range {pop.z_range} exceeds the flux grid (z <= {grid.z[-1]})")

    # redshift: uniform in comoving volume
    zt = np.linspace(0.0, pop.z_range[1], 3001)
    dm_table, dvdz = _distance_modulus_and_volume(zt, pop.h0, pop.omega_m)
    keep = zt >= pop.z_range[0]
    z_cdf_x, z_cdf = zt[keep], _cumulative(zt[keep], dvdz[keep])

    # absolute magnitude offsets M - M*(z) from each class's Schechter shape
    dm_grid = np.linspace(pop.abs_mag_range[0] - 3.0, pop.abs_mag_range[1] + 3.0, 2001)
    cdfs, weights = [], []
    for ms, a, ps in zip(pop.m_star, pop.alpha, pop.phi_star):
        x = 10 ** (-0.4 * (dm_grid - ms))
        phi = ps * x ** (a + 1) * np.exp(-x)
        mask = (dm_grid >= pop.abs_mag_range[0]) & (dm_grid <= pop.abs_mag_range[1])
        cdfs.append((dm_grid[mask], _cumulative(dm_grid[mask], phi[mask])))
        weights.append(_trapezoid(phi[mask], dm_grid[mask]))
    weights = np.asarray(weights) / np.sum(weights)

    b = np.asarray(SDSS_ASINH_B)
    sky_sigma = 10 ** (-0.4 * (np.asarray(depth) + depth_offset)) / 5.0

    def draw(m: int) -> dict[str, np.ndarray]:
        z = np.interp(rng.random(m), z_cdf, z_cdf_x)
        cls = rng.choice(len(weights), size=m, p=weights)
        lo = np.array([pop.type_range[c][0] for c in range(len(weights))])[cls]
        hi = np.array([pop.type_range[c][1] for c in range(len(weights))])[cls]
        t = lo + (hi - lo) * rng.random(m)
        mabs = np.empty(m)
        for c, (x, cdf) in enumerate(cdfs):
            sel = cls == c
            mabs[sel] = np.interp(rng.random(sel.sum()), cdf, x)
        mabs = mabs - pop.q_evolution * z  # luminosity evolution (brighter in the past)
        dmod = np.interp(z, zt, dm_table)
        true_flux = grid.fluxes(t, z) * 10 ** (-0.4 * (mabs + dmod))[:, None]
        return {"z": z, "type": t, "abs_mag_r": mabs, "flux": true_flux}

    def observe(d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        m = len(d["z"])
        flux = d["flux"] * 10 ** (-0.4 * rng.normal(0.0, sed_scatter, size=(m, len(BANDS))))
        blended = rng.random(m) < blend_fraction
        if blended.any():
            partner = rng.integers(0, m, size=int(blended.sum()))
            ratio = rng.uniform(0.3, 1.0, size=partner.size)
            scale = ratio * flux[blended, 2] / d["flux"][partner, 2]
            flux[blended] = flux[blended] + scale[:, None] * d["flux"][partner]
        flux_err = np.sqrt(sky_sigma**2 + (calibration_floor * flux) ** 2)
        obs = flux + flux_err * rng.standard_normal(flux.shape)
        mag = asinh_mag(obs, b)
        keep = mag[:, 2] < r_limit
        return {
            "mag": mag[keep],
            "err": asinh_mag_err(obs, flux_err, b)[keep],
            "z": d["z"][keep],
            "type": d["type"][keep],
            "abs_mag_r": d["abs_mag_r"][keep],
            "r_true": -_POGSON * np.log(flux[keep, 2]),
            "blended": blended[keep],
        }

    # Draw the parent population in batches until enough galaxies pass the observed cut.
    parts, have = [], 0
    for _ in range(200):
        d = draw(max(200_000, 4 * n))
        r_true = -_POGSON * np.log(d["flux"][:, 2])
        d = {k: v[r_true < r_limit + 1.5] for k, v in d.items()}  # cannot scatter over the cut
        part = observe(d)
        parts.append(part)
        have += len(part["z"])
        if have >= n:
            break
    else:
        raise RuntimeError(f"only {have} galaxies passed r < {r_limit}; lower n or raise r_limit")
    pool = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    idx = np.sort(rng.choice(have, size=n, replace=False))
    truth = {k: pool[k][idx] for k in ("type", "abs_mag_r", "r_true", "blended")}
    return PhotometryCatalog(pool["mag"][idx], pool["err"][idx], pool["z"][idx], BANDS, tuple(SDSS_ASINH_B), truth)
