"""A simulated imaging field: TAN WCS, PSF stars, Sersic galaxies, sky and Poisson noise.

The reduced-mode stand-in for a survey image (SDSS / Legacy Survey style), with
the injected catalogue returned beside it, so detection completeness, astrometric
accuracy and star/galaxy accuracy can be measured against the truth.

Model (all fluxes in counts, ``ct``; positions 0-based pixels, ``data[y, x]``):

* PSF: circular Gaussian of FWHM ``psf_fwhm`` pixels, integrated exactly over each
  pixel (error functions), so a star's light-weighted centre is its true position.
* Galaxies: Sersic (1968) profiles ``I(r) ~ exp(-b_n [(r/r_e)^(1/n) - 1])`` with
  ``b_n`` from Ciotti & Bertin (1999, A&A 352, 447), elliptical (axis ratio ``q``,
  position angle ``theta``), integrated over 5x5 sub-pixels, then convolved with the PSF.
  The injected ``flux`` is the light inside the rendered stamp (the profile is truncated
  at ~5 r_e where the Sersic n = 4 wings are still a few per cent of the total).
* Magnitudes: ``mag = zeropoint - 2.5 log10(flux)``.
* Noise: Poisson on (sky + sources) plus Gaussian read noise; the returned image keeps
  the sky (a detection pipeline has to estimate and subtract it).
* Positions: uniform, at least ``border`` pixels from the edges and ``min_separation``
  pixels from each other (the simulation has no blends; real fields do).
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import Table
from astropy.wcs import WCS
from scipy.ndimage import gaussian_filter
from scipy.special import erf

FWHM_TO_SIGMA = 1.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))


@dataclass(frozen=True)
class FieldSpec:
    """Parameters of a simulated field (units in the names)."""

    shape: tuple[int, int] = (512, 512)
    ra_deg: float = 150.1
    dec_deg: float = 2.2
    pixel_scale_arcsec: float = 0.4
    rotation_deg: float = 0.0
    psf_fwhm: float = 3.0
    sky: float = 20.0
    read_noise: float = 3.0
    zeropoint: float = 27.0
    n_stars: int = 150
    n_galaxies: int = 150
    star_mag_range: tuple[float, float] = (16.5, 22.5)
    galaxy_mag_range: tuple[float, float] = (16.5, 22.0)
    r_eff_range: tuple[float, float] = (1.5, 4.0)
    sersic_n_choices: tuple[float, ...] = (1.0, 4.0)
    axis_ratio_range: tuple[float, float] = (0.4, 1.0)
    border: int = 12
    min_separation: float = 10.0
    mag_limit: float = 20.5

    def __post_init__(self) -> None:
        if len(self.shape) != 2 or min(self.shape) <= 2 * self.border + 2:
            raise ValueError(f"shape {self.shape} is too small for border {self.border}")
        if self.psf_fwhm <= 0 or self.pixel_scale_arcsec <= 0:
            raise ValueError("psf_fwhm and pixel_scale_arcsec must be positive")
        if self.sky < 0 or self.read_noise < 0:
            raise ValueError("sky and read_noise must be >= 0")
        if self.n_stars < 0 or self.n_galaxies < 0:
            raise ValueError("n_stars and n_galaxies must be >= 0")


@dataclass
class SimulatedField:
    """A simulated image and its truth.

    ``data``: (ny, nx) observed counts (sky included, noisy); ``noiseless``: (ny, nx) expected counts
    (sky included); ``wcs``: the TAN WCS; ``truth``: injected catalogue (one row per source);
    ``spec``: the :class:`FieldSpec` used; ``seed``.
    """

    data: np.ndarray
    noiseless: np.ndarray
    wcs: WCS
    truth: Table
    spec: FieldSpec
    seed: int | None

    @property
    def noise_sigma(self) -> float:
        """Per-pixel noise of the empty sky (counts)."""
        return float(np.sqrt(self.spec.sky + self.spec.read_noise**2))


def make_tan_wcs(shape: tuple[int, int], ra_deg: float, dec_deg: float, pixel_scale_arcsec: float,
                 rotation_deg: float = 0.0) -> WCS:
    """A gnomonic (TAN) ICRS WCS centred on ``(ra_deg, dec_deg)``, north up and east left when unrotated."""
    ny, nx = shape
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.crval = [ra_deg, dec_deg]
    w.wcs.crpix = [(nx + 1) / 2, (ny + 1) / 2]  # FITS 1-based: the image centre
    s = pixel_scale_arcsec / 3600.0
    c, sn = math.cos(math.radians(rotation_deg)), math.sin(math.radians(rotation_deg))
    w.wcs.cd = np.array([[-s * c, s * sn], [s * sn, s * c]])
    w.wcs.radesys = "ICRS"
    w.wcs.set()
    return w


def sersic_bn(n: float) -> float:
    """``b_n`` such that r_e encloses half the light (Ciotti & Bertin 1999 asymptotic series, n > 0.36)."""
    return 2 * n - 1 / 3 + 4 / (405 * n) + 46 / (25515 * n**2) + 131 / (1148175 * n**3)


def gaussian_psf_stamp(x: float, y: float, fwhm: float, half: int) -> tuple[np.ndarray, int, int]:
    """Pixel-integrated unit-flux Gaussian centred at (x, y) on a (2 half + 1)^2 stamp.

    Returns ``(stamp, x0, y0)``: the stamp and the image pixel of its lower-left corner.
    """
    sigma = fwhm * FWHM_TO_SIGMA
    xc, yc = int(round(x)), int(round(y))
    x0, y0 = xc - half, yc - half
    ex = np.arange(x0, xc + half + 2) - 0.5  # pixel edges
    ey = np.arange(y0, yc + half + 2) - 0.5
    px = np.diff(erf((ex - x) / (math.sqrt(2) * sigma))) / 2
    py = np.diff(erf((ey - y) / (math.sqrt(2) * sigma))) / 2
    return np.outer(py, px), x0, y0


def sersic_stamp(x: float, y: float, r_eff: float, n: float, q: float, theta: float, psf_fwhm: float,
                 half: int, oversample: int = 5) -> tuple[np.ndarray, int, int]:
    """Unit-flux PSF-convolved Sersic galaxy at (x, y) on a (2 half + 1)^2 stamp.

    ``r_eff``: half-light semi-major axis (pixels); ``n``: Sersic index; ``q``: axis ratio b/a;
    ``theta``: position angle of the major axis from +x (radians).
    """
    xc, yc = int(round(x)), int(round(y))
    x0, y0 = xc - half, yc - half
    m = 2 * half + 1
    sub = (np.arange(m * oversample) + 0.5) / oversample - 0.5  # sub-pixel centres in stamp pixels
    gx = x0 + sub - x
    gy = y0 + sub - y
    xx, yy = np.meshgrid(gx, gy)
    ct, st = math.cos(theta), math.sin(theta)
    xr = xx * ct + yy * st
    yr = -xx * st + yy * ct
    r = np.sqrt(xr**2 + (yr / q) ** 2)
    img = np.exp(-sersic_bn(n) * ((r / r_eff) ** (1.0 / n) - 1.0))
    img = img.reshape(m, oversample, m, oversample).mean(axis=(1, 3))
    img = gaussian_filter(img, psf_fwhm * FWHM_TO_SIGMA, mode="constant")
    return img / img.sum(), x0, y0


def _add_stamp(image: np.ndarray, stamp: np.ndarray, x0: int, y0: int) -> None:
    ny, nx = image.shape
    m = stamp.shape[0]
    ys, xs = max(0, y0), max(0, x0)
    ye, xe = min(ny, y0 + m), min(nx, x0 + m)
    if ye <= ys or xe <= xs:
        return
    image[ys:ye, xs:xe] += stamp[ys - y0 : ye - y0, xs - x0 : xe - x0]


def _positions(rng: np.random.Generator, n: int, spec: FieldSpec) -> np.ndarray:
    ny, nx = spec.shape
    pts: list[tuple[float, float]] = []
    tries = 0
    while len(pts) < n:
        tries += 1
        if tries > 50 * n + 1000:
            raise ValueError(
                f"cannot place {n} sources {spec.min_separation} px apart in {spec.shape}; "
                "lower n_stars/n_galaxies or min_separation"
            )
        p = (rng.uniform(spec.border, nx - 1 - spec.border), rng.uniform(spec.border, ny - 1 - spec.border))
        if pts and spec.min_separation > 0:
            a = np.asarray(pts)
            if np.min(np.hypot(a[:, 0] - p[0], a[:, 1] - p[1])) < spec.min_separation:
                continue
        pts.append(p)
    return np.asarray(pts).reshape(n, 2)


def point_source_snr(flux: np.ndarray, spec: FieldSpec, r_eff: np.ndarray | None = None) -> np.ndarray:
    """Approximate optimal-aperture S/N: ``F / sqrt(F + sigma_sky^2 * 4 pi s^2)``.

    ``s^2 = sigma_psf^2 + (r_eff / 1.18)^2`` roughly widens the noise area for resolved galaxies.
    """
    sig_psf = spec.psf_fwhm * FWHM_TO_SIGMA
    s2 = sig_psf**2 + (0.0 if r_eff is None else (np.asarray(r_eff) / 1.18) ** 2)
    area = 4 * math.pi * s2
    return np.asarray(flux) / np.sqrt(np.asarray(flux) + (spec.sky + spec.read_noise**2) * area)


def simulate_field(seed: int | None = 0, spec: FieldSpec | None = None, **overrides) -> SimulatedField:
    """Simulate a field; deterministic for a given ``seed`` and ``spec``.

    ``overrides`` replace :class:`FieldSpec` fields (``n_stars=50``, ``shape=(256, 256)``...).
    Returns a :class:`SimulatedField` whose ``truth`` table has columns
    ``id, x, y [pix], ra, dec [deg], flux [ct], mag [mag], type ('star'|'galaxy'), is_galaxy,
    r_eff [pix], sersic_n, axis_ratio, theta [rad], snr``.
    """
    spec = replace(spec or FieldSpec(), **{k: (tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()})
    rng = np.random.default_rng(seed)
    n_s, n_g = spec.n_stars, spec.n_galaxies
    n = n_s + n_g
    xy = _positions(rng, n, spec)
    is_gal = np.zeros(n, bool)
    is_gal[n_s:] = True
    mag = np.concatenate([rng.uniform(*spec.star_mag_range, n_s), rng.uniform(*spec.galaxy_mag_range, n_g)])
    flux = 10 ** (-0.4 * (mag - spec.zeropoint))
    r_eff = np.zeros(n)
    r_eff[n_s:] = np.exp(rng.uniform(np.log(spec.r_eff_range[0]), np.log(spec.r_eff_range[1]), n_g))
    sersic_n = np.zeros(n)
    sersic_n[n_s:] = rng.choice(np.asarray(spec.sersic_n_choices, float), n_g)
    q = np.ones(n)
    q[n_s:] = rng.uniform(*spec.axis_ratio_range, n_g)
    theta = np.zeros(n)
    theta[n_s:] = rng.uniform(0, np.pi, n_g)
    order = rng.permutation(n)  # stars and galaxies interleaved in the catalogue

    model = np.full(spec.shape, float(spec.sky))
    half_star = int(math.ceil(4 * spec.psf_fwhm))
    for i in range(n):
        if is_gal[i]:
            half = int(min(40, math.ceil(max(4 * spec.psf_fwhm, 5 * r_eff[i]))))
            st, x0, y0 = sersic_stamp(xy[i, 0], xy[i, 1], r_eff[i], sersic_n[i], q[i], theta[i], spec.psf_fwhm, half)
        else:
            st, x0, y0 = gaussian_psf_stamp(xy[i, 0], xy[i, 1], spec.psf_fwhm, half_star)
            st = st / st.sum()
        _add_stamp(model, flux[i] * st, x0, y0)
    data = rng.poisson(model).astype(np.float64) + rng.normal(0.0, spec.read_noise, spec.shape)

    wcs = make_tan_wcs(spec.shape, spec.ra_deg, spec.dec_deg, spec.pixel_scale_arcsec, spec.rotation_deg)
    sky = wcs.pixel_to_world(xy[:, 0], xy[:, 1])
    t = Table()
    t["id"] = np.arange(1, n + 1)
    t["x"] = xy[order, 0] * u.pix
    t["y"] = xy[order, 1] * u.pix
    t["ra"] = sky.ra.deg[order] * u.deg
    t["dec"] = sky.dec.deg[order] * u.deg
    t["flux"] = flux[order] * u.ct
    t["mag"] = mag[order] * u.mag
    t["type"] = np.where(is_gal[order], "galaxy", "star")
    t["is_galaxy"] = is_gal[order].astype(np.int16)
    t["r_eff"] = r_eff[order] * u.pix
    t["sersic_n"] = sersic_n[order]
    t["axis_ratio"] = q[order]
    t["theta"] = theta[order] * u.rad
    t["snr"] = point_source_snr(flux[order], spec, r_eff[order])
    t.meta.update({"ZEROPT": spec.zeropoint, "PSF_FWHM": spec.psf_fwhm, "SKY": spec.sky, "RDNOISE": spec.read_noise,
                   "MAGLIM": spec.mag_limit, "SEED": -1 if seed is None else int(seed)})
    return SimulatedField(data=data, noiseless=model, wcs=wcs, truth=t, spec=spec, seed=seed)


def write_field(path: str | os.PathLike, field: SimulatedField, overwrite: bool = False) -> Path:
    """Write the image (primary HDU, ``BUNIT='ct'``, WCS and simulation keywords) and the truth (``TRUTH`` table)."""
    from astropy.io import fits

    header = field.wcs.to_header()
    header["BUNIT"] = "ct"
    header["ORIGIN"] = "coursekit.astro.simulate"
    header["SEED"] = (-1 if field.seed is None else int(field.seed), "simulation seed")
    header["ZEROPT"] = (field.spec.zeropoint, "mag = ZEROPT - 2.5 log10(counts)")
    header["PSF_FWHM"] = (field.spec.psf_fwhm, "Gaussian PSF FWHM [pix]")
    header["SKY"] = (field.spec.sky, "sky level [ct / pix]")
    header["MAGLIM"] = (field.spec.mag_limit, "stated completeness limit [mag]")
    primary = fits.PrimaryHDU(field.data.astype(np.float32), header=header)
    truth = fits.table_to_hdu(field.truth)
    truth.name = "TRUTH"
    path = Path(path)
    fits.HDUList([primary, truth]).writeto(path, overwrite=overwrite)
    return path


def read_truth(path: str | os.PathLike) -> Table:
    """The injected catalogue (``TRUTH`` extension) of a file written by :func:`write_field`."""
    from astropy.io import fits

    with fits.open(path) as hdul:
        if "TRUTH" not in hdul:
            raise ValueError(f"{path} has no TRUTH extension; it was not written by coursekit.astro.simulate")
    return Table.read(path, hdu="TRUTH")


def spec_dict(spec: FieldSpec) -> dict:
    """The spec as a plain dict (for metadata)."""
    return asdict(spec)


def simulate_field_file(path: str | os.PathLike | None = None, seed: int = 0, **overrides) -> Path:
    """Manifest generator: simulate a field and write it to ``path`` (default: the cache folder)."""
    from coursekit.config import cache_dir

    field = simulate_field(seed=seed, **overrides)
    if path is None:
        path = cache_dir() / "astro" / f"simulated_field_seed{seed}.fits"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_field(path, field, overwrite=True)


# --------------------------------------------------------------------------- stand-ins of the real plates

def _render_stars(shape: tuple[int, int], x: np.ndarray, y: np.ndarray, flux: np.ndarray, fwhm: float,
                  sky: float, read_noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-integrated Gaussian stars on a flat sky, with Poisson and read noise: ``(data, noiseless)``."""
    model = np.full(shape, float(sky))
    half = int(math.ceil(4 * fwhm))
    for xi, yi, fi in zip(x, y, flux):
        st, x0, y0 = gaussian_psf_stamp(float(xi), float(yi), fwhm, half)
        _add_stamp(model, fi * st / st.sum(), x0, y0)
    data = rng.poisson(model).astype(np.float64) + rng.normal(0.0, read_noise, shape)
    return data, model


def simulate_cluster_plate(seed: int | None = 0, *, center=None, shape: tuple[int, int] = (512, 512),
                           pixel_scale_arcsec: float = 1.7, n_members: int = 220, n_field: int = 330,
                           core_radius_arcmin: float = 2.5, psf_fwhm: float = 2.5, sky: float = 100.0,
                           read_noise: float = 5.0, zeropoint: float = 27.0,
                           mag_range: tuple[float, float] = (12.0, 18.0)) -> SimulatedField:
    """A plate of an open cluster among field stars: the stand-in of the DSS M67 plate.

    Field stars are uniform; members follow a Plummer (1911) surface density
    ``Sigma(R) ~ (1 + R^2 / a^2)^-2`` with ``a = core_radius_arcmin`` about ``center`` (default M67's catalogued
    centre; the stand-in's cluster sits there, so the density peak should be found within ~1 arcmin of it).
    Magnitudes uniform in ``mag_range``; stars are Gaussian PSFs of ``psf_fwhm`` pixels; TAN WCS at
    ``pixel_scale_arcsec``. ``truth`` has ``x, y, ra, dec, flux, mag, member``.
    """
    from astropy.coordinates import SkyCoord

    center = SkyCoord(132.825 * u.deg, 11.80 * u.deg, frame="fk5") if center is None else center
    rng = np.random.default_rng(seed)
    ny, nx = shape
    icrs = center.icrs
    wcs = make_tan_wcs(shape, float(icrs.ra.deg), float(icrs.dec.deg), pixel_scale_arcsec)
    a_pix = core_radius_arcmin * 60.0 / pixel_scale_arcsec
    # Plummer radii by inverting the cumulative 1 - 1 / (1 + R^2/a^2); keep those that land on the plate
    r = a_pix * np.sqrt(1.0 / (1.0 - rng.uniform(0, 0.97, 4 * n_members)) - 1.0)
    phi = rng.uniform(0, 2 * np.pi, r.size)
    xm, ym = (nx - 1) / 2 + r * np.cos(phi), (ny - 1) / 2 + r * np.sin(phi)
    on = (xm > 3) & (xm < nx - 4) & (ym > 3) & (ym < ny - 4)
    xm, ym = xm[on][:n_members], ym[on][:n_members]
    xf, yf = rng.uniform(3, nx - 4, n_field), rng.uniform(3, ny - 4, n_field)
    x, y = np.concatenate([xm, xf]), np.concatenate([ym, yf])
    member = np.concatenate([np.ones(len(xm), bool), np.zeros(n_field, bool)])
    mag = rng.uniform(*mag_range, len(x))
    flux = 10 ** (-0.4 * (mag - zeropoint))
    data, model = _render_stars(shape, x, y, flux, psf_fwhm, sky, read_noise, rng)
    sky_pos = wcs.pixel_to_world(x, y)
    t = Table({"x": x * u.pix, "y": y * u.pix, "ra": sky_pos.ra.deg * u.deg, "dec": sky_pos.dec.deg * u.deg,
               "flux": flux * u.ct, "mag": mag * u.mag, "member": member})
    spec = FieldSpec(shape=shape, ra_deg=float(icrs.ra.deg), dec_deg=float(icrs.dec.deg),
                     pixel_scale_arcsec=pixel_scale_arcsec, psf_fwhm=psf_fwhm, sky=sky, read_noise=read_noise,
                     zeropoint=zeropoint, n_stars=len(x), n_galaxies=0)
    return SimulatedField(data=data, noiseless=model, wcs=wcs, truth=t, spec=spec, seed=seed)


def make_car_galactic_wcs(shape: tuple[int, int], l_deg: float, b_deg: float, pixel_scale_arcsec: float) -> WCS:
    """A plate-carree (CAR) Galactic WCS centred on ``(l_deg, b_deg)``, as the GLIMPSE mosaics use."""
    ny, nx = shape
    w = WCS(naxis=2)
    w.wcs.ctype = ["GLON-CAR", "GLAT-CAR"]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.crval = [l_deg, 0.0]
    s = pixel_scale_arcsec / 3600.0
    w.wcs.crpix = [(nx + 1) / 2, (ny + 1) / 2 - b_deg / s]  # CAR's reference latitude must be 0
    w.wcs.cdelt = [-s, s]
    w.wcs.set()
    return w


def simulate_galactic_field(seed: int | None = 0, *, shape: tuple[int, int] = (256, 512), l_deg: float = 18.0,
                            b_deg: float = 0.0, pixel_scale_arcsec: float = 1.2, n_stars: int = 400,
                            psf_fwhm: float = 2.0) -> SimulatedField:
    """A crowded Galactic-plane star field on a ``GLON-CAR`` WCS: the stand-in of the GLIMPSE cut-out.

    Pixel values mimic surface brightness (a diffuse background of a few MJy/sr plus point sources); only the WCS
    and the source positions matter to the notebook.
    """
    rng = np.random.default_rng(seed)
    ny, nx = shape
    wcs = make_car_galactic_wcs(shape, l_deg, b_deg, pixel_scale_arcsec)
    x, y = rng.uniform(3, nx - 4, n_stars), rng.uniform(3, ny - 4, n_stars)
    flux = 10 ** rng.uniform(1.0, 3.0, n_stars)
    data, model = _render_stars(shape, x, y, flux, psf_fwhm, 5.0, 0.5, rng)
    data = 0.1 * data
    sky = wcs.pixel_to_world(x, y)
    t = Table({"x": x * u.pix, "y": y * u.pix, "l": sky.l.deg * u.deg, "b": sky.b.deg * u.deg})
    spec = FieldSpec(shape=shape, pixel_scale_arcsec=pixel_scale_arcsec, psf_fwhm=psf_fwhm, n_stars=n_stars,
                     n_galaxies=0, border=3)
    return SimulatedField(data=data, noiseless=0.1 * model, wcs=wcs, truth=t, spec=spec, seed=seed)
