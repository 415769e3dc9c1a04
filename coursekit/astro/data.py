"""The topic's images: the real plates through ``coursekit.data.resolve``, and any FITS image with a celestial WCS.

* :func:`load_dss_m67` and :func:`load_spitzer_glimpse` resolve the manifest's data sets (the real sample when it
  is in the cache or can be downloaded; otherwise the stand-in, said in one printed line) and return a
  :class:`Plate`, an astropy ``CCDData`` with its celestial WCS, from every tier alike.
* :func:`read_image` reads a user's FITS file: it picks the image HDU, checks that its header holds a usable
  celestial WCS (``RA---TAN``/``DEC--TAN``, ``GLON-CAR``/``GLAT-CAR``, ...) and refuses, naming the file and the
  fix, a file without image data or an image without a celestial WCS, instead of handing back a WCS that
  silently maps every pixel to (0, 0).

Pixel convention: NumPy order ``data[y, x]``, 0-based (astropy's ``pixel_to_world``/``world_to_pixel``
convention, not FITS's 1-based one).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.nddata import CCDData
from astropy.wcs import WCS, FITSFixedWarning


class FitsImageError(ValueError):
    """The file is not a readable 2-D FITS image."""


class WCSError(ValueError):
    """The image has no usable celestial WCS."""


#: Catalogued centres (J2000) of the objects the notebook and ``astro locate`` know offline.
#: M67 = NGC 2682: 08h51m18s +11d48m (Cantat-Gaudin et al. 2018, A&A 618, A93, rounded).
KNOWN_OBJECTS = {"m67": SkyCoord(132.825 * u.deg, 11.80 * u.deg, frame="fk5"),
                 "ngc2682": SkyCoord(132.825 * u.deg, 11.80 * u.deg, frame="fk5")}
M67_CENTER = KNOWN_OBJECTS["m67"]


class Plate(CCDData):
    """A 2-D image with its celestial WCS: an astropy :class:`~astropy.nddata.CCDData` (``data`` (ny, nx) float,
    NaN where the file has blanks; ``wcs``; ``unit`` from ``BUNIT``, dimensionless if absent or unknown;
    ``meta``/``header``) plus where it came from: ``path``, ``hdu``, ``fixes`` (astropy's header repairs),
    ``tier`` (``"sample"``/``"full"``/``"stand-in"``/``"file"``) and ``message`` (the data line of ``resolve``).
    ``truth`` holds the injected catalogue of a simulated stand-in (``None`` for a real plate).
    """

    path: Path | None = None
    hdu: int = 0
    fixes: tuple[str, ...] = ()
    tier: str = "file"
    message: str = ""
    truth = None

    @property
    def is_real(self) -> bool:
        return self.tier != "stand-in"

    @property
    def pixel_scale(self) -> u.Quantity:
        """Mean pixel side on the sky (arcsec)."""
        return pixel_scale(self.wcs)

    @property
    def frame(self) -> str:
        """Celestial frame of the WCS (``icrs``, ``fk5``, ``galactic``, ...)."""
        from astropy.wcs.utils import wcs_to_celestial_frame

        return wcs_to_celestial_frame(self.wcs).name

    @property
    def obs_time(self):
        """Observation epoch as an :class:`astropy.time.Time` (UTC), or ``None`` if the header has none.

        Taken from the WCS after astropy's ``datfix`` repair, so old ``DATE-OBS = 'dd/mm/yy'`` cards work.
        UTC is undefined before 1960, so older epochs (photographic plates) are given in TT (they differ by
        under a minute then).
        """
        from astropy.time import Time

        w = self.wcs.wcs
        if w.dateobs:
            t = Time(w.dateobs, scale="tt")
        elif np.isfinite(w.mjdobs):
            t = Time(w.mjdobs, format="mjd", scale="tt")
        else:
            return None
        return t if t.jyear < 1960 else Time(t.tt.value, format=t.format, scale="utc")

    def center(self) -> SkyCoord:
        """Sky coordinate of the image centre."""
        ny, nx = self.shape
        return self.wcs.pixel_to_world((nx - 1) / 2, (ny - 1) / 2)

    def footprint(self) -> np.ndarray:
        """(4, 2) sky corners (deg) of the image in the WCS's frame."""
        return self.wcs.calc_footprint()

    def contains(self, coord: SkyCoord) -> bool:
        """Whether ``coord`` falls on the image."""
        x, y = self.wcs.world_to_pixel(coord)
        ny, nx = self.shape
        return bool(np.isfinite(x) and np.isfinite(y) and -0.5 <= x < nx - 0.5 and -0.5 <= y < ny - 0.5)


def _plate(data: np.ndarray, wcs: WCS, unit, *, header=None, path=None, hdu=0, fixes=(), tier="file",
           message="", truth=None) -> Plate:
    meta = {} if header is None else header
    plate = Plate(np.asarray(data, float), wcs=wcs, unit=unit, meta=meta)
    plate.path, plate.hdu, plate.fixes, plate.tier, plate.message = path, hdu, tuple(fixes), tier, message
    plate.truth = truth
    return plate


def pixel_scale(wcs: WCS) -> u.Quantity:
    """Geometric-mean pixel side of a celestial WCS, in arcsec."""
    scales = wcs.celestial.proj_plane_pixel_scales()
    return (np.sqrt(scales[0] * scales[1])).to(u.arcsec)


def celestial_wcs(header: fits.Header, *, source: str = "header") -> tuple[WCS, list[str]]:
    """Build the celestial WCS of ``header``; raise :class:`WCSError` if there is none.

    Returns the 2-D celestial WCS and the list of repairs astropy made to the
    header (e.g. ``datfix`` converting an old ``DATE-OBS``), which are
    reported rather than printed as warnings.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FITSFixedWarning)
        try:
            wcs = WCS(header)
        except Exception as exc:  # astropy raises several types for malformed WCS keywords
            raise WCSError(f"{source}: the WCS keywords cannot be parsed ({exc}); check CTYPE/CRVAL/CRPIX/CD") from exc
    fixes = [str(w.message) for w in caught if issubclass(w.category, FITSFixedWarning)]
    ctypes = [c for c in wcs.wcs.ctype if c]
    if not ctypes:
        raise WCSError(
            f"{source} has no WCS (no CTYPE keywords): pixel positions cannot be mapped to the sky. "
            "Solve the astrometry first (e.g. astrometry.net) or use an image that carries a WCS."
        )
    if not wcs.has_celestial:
        raise WCSError(
            f"{source} has a WCS with axes {ctypes}, which is not celestial: it needs a longitude/latitude "
            "pair such as RA---TAN/DEC--TAN or GLON-CAR/GLAT-CAR."
        )
    cel = wcs.celestial
    try:
        det = float(np.linalg.det(cel.pixel_scale_matrix))
    except Exception as exc:  # pragma: no cover - defensive
        raise WCSError(f"{source}: the celestial WCS has no usable pixel-scale matrix ({exc})") from exc
    if not np.isfinite(det) or det == 0:
        raise WCSError(f"{source}: the celestial WCS is singular (CD/PC matrix has zero determinant); check CDELT/CD")
    return cel, fixes


def _first_image_hdu(hdul: fits.HDUList, source: str) -> int:
    for i, h in enumerate(hdul):
        if isinstance(h, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)) and h.data is not None:
            if h.data.ndim >= 2:
                return i
    raise FitsImageError(f"{source} holds no image HDU with 2-D data (found {[type(h).__name__ for h in hdul]})")


def read_image(path: str | os.PathLike, hdu: int | str | None = None, *, dtype=np.float64) -> Plate:
    """Read a 2-D image and its celestial WCS from a FITS file.

    Parameters
    ----------
    path:
        FITS file.
    hdu:
        HDU index or EXTNAME; default: the first HDU with 2-D image data.
    dtype:
        Float type of the returned pixels (integer plates such as the DSS are converted;
        ``BSCALE``/``BZERO`` are applied by astropy).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    FitsImageError
        Not a FITS file, no image HDU, or data that are not 2-D (degenerate axes of length 1 are dropped).
    WCSError
        No WCS, a non-celestial WCS, or a singular one.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"FITS file not found: {path}")
    if not path.is_file():
        raise FitsImageError(f"{path} is not a file: give a FITS image")
    try:
        hdul = fits.open(path, memmap=False)
    except OSError as exc:
        raise FitsImageError(f"{path} is not a readable FITS file ({exc})") from exc
    with hdul:
        source = str(path.name)
        if hdu is None:
            index = _first_image_hdu(hdul, source)
        else:
            try:
                index = hdul.index_of(hdu)
            except (KeyError, IndexError) as exc:
                raise FitsImageError(f"{source} has no HDU {hdu!r}; it has {len(hdul)} HDUs") from exc
        h = hdul[index]
        if h.data is None or not hasattr(h.data, "ndim"):
            raise FitsImageError(f"{source} HDU {index} holds no image data")
        data = np.asarray(h.data, dtype=dtype)
        header = h.header.copy()
    data = np.squeeze(data)
    if data.ndim != 2:
        raise FitsImageError(f"{source} HDU {index}: expected a 2-D image, got shape {data.shape}")
    wcs, fixes = celestial_wcs(header, source=f"{source} HDU {index}")
    unit = u.dimensionless_unscaled
    bunit = header.get("BUNIT")
    if bunit:
        try:
            unit = u.Unit(bunit, parse_strict="silent")
            if isinstance(unit, u.UnrecognizedUnit):
                unit = u.dimensionless_unscaled
        except (ValueError, TypeError):
            unit = u.dimensionless_unscaled
    return _plate(data, wcs, unit, header=header, path=path, hdu=index, fixes=fixes)


def write_image(path: str | os.PathLike, data: np.ndarray, wcs: WCS, *, unit: str | u.UnitBase | None = None,
                meta: dict | None = None, overwrite: bool = False) -> Path:
    """Write a 2-D image with its WCS (and ``BUNIT``, extra ``meta`` cards) as a primary HDU."""
    data = np.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"write_image expects a 2-D array, got shape {data.shape}")
    header = wcs.to_header()
    if unit is not None:
        header["BUNIT"] = u.Unit(unit).to_string("fits")
    for k, v in (meta or {}).items():
        header[k] = v
    path = Path(path)
    fits.PrimaryHDU(data=data.astype(np.float32), header=header).writeto(path, overwrite=overwrite)
    return path


# --------------------------------------------------------------------------- the manifest's plates

def load_dss_m67(mode: str | None = None, *, verbose: bool = True) -> Plate:
    """The DSS (POSS-I) plate of M67 (data set ``dss_m67_image``): 1059 x 1059 pixels of 1.7 arcsec, TAN WCS,
    photographic densities (dimensionless). Stand-in: :func:`coursekit.astro.simulate.simulate_cluster_plate`,
    a simulated plate of a cluster at M67's catalogued position among field stars."""
    from coursekit.astro.simulate import simulate_cluster_plate
    from coursekit.data import resolve

    r = resolve("dss_m67_image", mode=mode, verbose=verbose)
    if r.is_real:
        plate = read_image(r.paths[0])
        plate.tier, plate.message = r.tier, r.message
        return plate
    sim = simulate_cluster_plate(seed=67, center=M67_CENTER)
    return _plate(sim.data, sim.wcs, u.dimensionless_unscaled, tier="stand-in", message=r.message, truth=sim.truth)


def load_spitzer_glimpse(mode: str | None = None, *, verbose: bool = True) -> Plate:
    """The Spitzer/IRAC 4.5 micron GLIMPSE cut-out near l = 18 deg (data set ``spitzer_glimpse_image``): Galactic
    ``GLON-CAR``/``GLAT-CAR`` WCS, MJy/sr. Stand-in: a simulated star field on the same kind of WCS."""
    from coursekit.astro.simulate import simulate_galactic_field
    from coursekit.data import resolve

    r = resolve("spitzer_glimpse_image", mode=mode, verbose=verbose)
    if r.is_real:
        plate = read_image(r.paths[0])
        plate.tier, plate.message = r.tier, r.message
        return plate
    sim = simulate_galactic_field(seed=18)
    return _plate(sim.data, sim.wcs, u.MJy / u.sr, tier="stand-in", message=r.message, truth=sim.truth)


def object_position(name: str, *, online: bool = True) -> SkyCoord:
    """Catalogued position of ``name``: :data:`KNOWN_OBJECTS` offline, else Sesame (``SkyCoord.from_name``).

    Raises ``LookupError`` naming the object and the offline alternative (``--ra``/``--dec``) when it cannot be
    resolved.
    """
    key = "".join(str(name).lower().split())
    if key in KNOWN_OBJECTS:
        return KNOWN_OBJECTS[key]
    if not online:
        raise LookupError(f"{name!r} is not known offline (known: M67); give its position with --ra and --dec")
    from astropy.coordinates.name_resolve import NameResolveError

    try:
        return SkyCoord.from_name(name)
    except (NameResolveError, OSError) as exc:
        raise LookupError(f"cannot resolve {name!r} ({str(exc).splitlines()[0][:120]}); give its position with "
                          "--ra and --dec (degrees)") from None
