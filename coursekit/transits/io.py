"""Reading Kepler long-cadence light curves (``*_llc.fits``).

A Kepler light-curve file holds one quarter of one star: a ``LIGHTCURVE``
binary table with ``TIME`` (BKJD = BJD_TDB - 2454833, days), ``PDCSAP_FLUX``
(e-/s, corrected for systematics by the Presearch Data Conditioning pipeline),
``PDCSAP_FLUX_ERR`` and the ``SAP_QUALITY`` bitmask (0 = good cadence).
:func:`read_kepler_lightcurve` keeps the good, finite cadences of one file and
divides the flux by its median (each quarter falls on a different CCD with a
different gain, so quarters are normalised separately);
:func:`read_kepler_lightcurves` stitches several quarters of the same star,
sorted in time. The layout follows the Kepler Archive Manual (KDMC-10008) and
``light_curve/kepler_io.py`` of Shallue & Vanderburg (2018).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

#: Kepler barycentric Julian date reference: BKJD = BJD - 2454833.0.
BKJD_OFFSET = 2454833.0
#: Long-cadence sampling, days (29.4 min).
LONG_CADENCE_DAYS = 0.0204335982


class KeplerFileError(ValueError):
    """A file is not a usable Kepler light curve (wrong format, no good cadences, all NaN)."""


@dataclass(frozen=True)
class LightCurve:
    """A (stitched) light curve, flux normalised to median 1 per quarter.

    Attributes
    ----------
    time: (n,) days, BKJD, sorted ascending.
    flux: (n,) dimensionless normalised flux.
    flux_err: (n,) its 1-sigma uncertainty (same units).
    quarter: (n,) Kepler quarter of each cadence (-1 where unknown).
    target: star name (``OBJECT`` keyword, e.g. ``"KIC 11442793"``).
    meta: extra header values (``KEPLERID``, ``KEPMAG``, ``TEFF``, ``RADIUS``, ``CDPP6_0`` per quarter...).
    """

    time: np.ndarray
    flux: np.ndarray
    flux_err: np.ndarray
    quarter: np.ndarray
    target: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.time)
        for name in ("flux", "flux_err", "quarter"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"LightCurve: {name} has length {len(getattr(self, name))}, time has {n}")

    def __len__(self) -> int:
        return len(self.time)

    @property
    def baseline_days(self) -> float:
        """Time from the first to the last cadence, days."""
        return float(self.time[-1] - self.time[0]) if len(self) else 0.0

    def to_lightkurve(self):
        """The same data as a ``lightkurve.LightCurve`` (time as BKJD ``Time``), for lightkurve's tools."""
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import lightkurve as lk
            from astropy.time import Time

        lc = lk.LightCurve(
            time=Time(self.time + BKJD_OFFSET, format="jd", scale="tdb"),
            flux=self.flux,
            flux_err=self.flux_err,
            meta={"OBJECT": self.target, **{k: v for k, v in self.meta.items() if np.isscalar(v)}},
        )
        lc["quarter"] = self.quarter
        return lc

    @classmethod
    def from_lightkurve(cls, lc: Any) -> LightCurve:
        """Build from a ``lightkurve.LightCurve`` (time in BTJD/BKJD or JD; NaNs dropped)."""
        t = np.asarray(lc.time.value, dtype=float)
        fmt = getattr(lc.time, "format", "")
        if fmt == "jd" or np.nanmedian(t) > 2.4e6:
            t = t - BKJD_OFFSET
        f = np.asarray(getattr(lc.flux, "value", lc.flux), dtype=float)
        e = lc.flux_err
        e = np.asarray(getattr(e, "value", e), dtype=float) if e is not None else np.full_like(f, np.nan)
        q = np.asarray(lc["quarter"], dtype=int) if "quarter" in lc.colnames else np.full(len(t), -1)
        good = np.isfinite(t) & np.isfinite(f)
        if not good.any():
            raise KeplerFileError("the lightkurve LightCurve has no finite time/flux values")
        order = np.argsort(t[good])
        return cls(t[good][order], f[good][order], e[good][order], q[good][order],
                   target=str(lc.meta.get("OBJECT", "")))


_REQUIRED_COLUMNS = ("TIME", "PDCSAP_FLUX")


def read_kepler_lightcurve(
    path: str | os.PathLike,
    *,
    flux_column: str = "PDCSAP_FLUX",
    quality_bitmask: int | None = None,
    normalize: bool = True,
) -> LightCurve:
    """Read one Kepler ``_llc.fits`` file (one quarter).

    Parameters
    ----------
    path: the FITS file.
    flux_column: ``"PDCSAP_FLUX"`` (default, systematics-corrected) or ``"SAP_FLUX"``.
    quality_bitmask: cadences with ``SAP_QUALITY & quality_bitmask != 0`` are dropped;
        ``None`` (default) drops every flagged cadence (``SAP_QUALITY != 0``).
    normalize: divide flux and error by the median flux of the good cadences.

    Returns
    -------
    LightCurve with only good cadences (finite TIME and flux, quality passed), sorted in time.

    Raises
    ------
    FileNotFoundError: the path does not exist.
    KeplerFileError: not a FITS file, no ``LIGHTCURVE`` table with TIME and the flux column,
        flux all NaN, or no cadence survives the quality mask.
    """
    from astropy.io import fits

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such light-curve file: {path}")
    try:
        hdul = fits.open(path, memmap=False)
    except (OSError, ValueError) as exc:
        raise KeplerFileError(
            f"{path.name} is not a FITS file ({exc}); expected a Kepler long-cadence light curve kplr*_llc.fits"
        ) from exc
    with hdul:
        if "LIGHTCURVE" not in hdul:
            names = [h.name for h in hdul]
            raise KeplerFileError(
                f"{path.name} has no LIGHTCURVE extension (HDUs: {names}); "
                "expected a Kepler light-curve file (*_llc.fits), not a target-pixel or image file"
            )
        hdu = hdul["LIGHTCURVE"]
        cols = list(getattr(hdu, "columns", None).names) if getattr(hdu, "columns", None) is not None else []
        needed = ("TIME", flux_column)
        missing = [c for c in needed if c not in cols]
        if missing:
            raise KeplerFileError(f"{path.name}: LIGHTCURVE table lacks column(s) {missing}; it has {cols}")
        data = hdu.data
        primary = hdul[0].header
        header = hdu.header
        time = np.asarray(data["TIME"], dtype=float)
        flux = np.asarray(data[flux_column], dtype=float)
        err_col = f"{flux_column}_ERR"
        err = np.asarray(data[err_col], dtype=float) if err_col in cols else np.full_like(flux, np.nan)
        quality = np.asarray(data["SAP_QUALITY"], dtype=np.int64) if "SAP_QUALITY" in cols else np.zeros(
            len(time), dtype=np.int64
        )
        meta = {k: primary.get(k) for k in ("KEPLERID", "KEPMAG", "TEFF", "RADIUS", "LOGG", "QUARTER") if k in primary}
        meta["CDPP6_0"] = header.get("CDPP6_0")
        target = str(primary.get("OBJECT", path.stem))
        bjdref = header.get("BJDREFI", 2454833) + header.get("BJDREFF", 0.0)
    if abs(bjdref - BKJD_OFFSET) > 1e-6:
        raise KeplerFileError(f"{path.name}: BJDREFI+BJDREFF = {bjdref}, expected {BKJD_OFFSET} (BKJD)")
    if len(time) == 0:
        raise KeplerFileError(f"{path.name}: the LIGHTCURVE table is empty")
    if not np.isfinite(flux).any():
        raise KeplerFileError(f"{path.name}: every {flux_column} value is NaN; no usable flux in this file")
    bad_quality = quality != 0 if quality_bitmask is None else (quality & int(quality_bitmask)) != 0
    good = np.isfinite(time) & np.isfinite(flux) & ~bad_quality
    if not good.any():
        raise KeplerFileError(
            f"{path.name}: no usable cadences ({len(time)} rows, {int(bad_quality.sum())} flagged by SAP_QUALITY, "
            f"{int((~np.isfinite(flux)).sum())} with NaN flux)"
        )
    time, flux, err = time[good], flux[good], err[good]
    order = np.argsort(time, kind="stable")
    time, flux, err = time[order], flux[order], err[order]
    if normalize:
        med = np.median(flux)
        if not med > 0:
            raise KeplerFileError(f"{path.name}: median {flux_column} is {med}, cannot normalise")
        flux, err = flux / med, err / med
    q = int(meta.get("QUARTER", -1) if meta.get("QUARTER") is not None else -1)
    return LightCurve(time, flux, err, np.full(len(time), q, dtype=int), target=target, meta=meta)


def read_kepler_lightcurves(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    **kwargs: Any,
) -> LightCurve:
    """Read and stitch several quarters of one star (each normalised to median 1), sorted by time.

    ``paths`` may be one file, several files, or a folder (all ``*llc.fits`` inside).
    Keyword arguments go to :func:`read_kepler_lightcurve`.

    Raises
    ------
    FileNotFoundError: no files given / found.
    KeplerFileError: a file is unusable, or the files belong to different stars.
    """
    if isinstance(paths, (str, os.PathLike)):
        p = Path(paths)
        files: Sequence[Path] = sorted(p.glob("*llc.fits")) if p.is_dir() else [p]
        if p.is_dir() and not files:
            raise FileNotFoundError(f"no *llc.fits files in folder {p}")
    else:
        files = [Path(x) for x in paths]
    if not files:
        raise FileNotFoundError("no light-curve files given")
    parts = [read_kepler_lightcurve(f, **kwargs) for f in files]
    ids = {lc.meta.get("KEPLERID") for lc in parts} - {None}
    if len(ids) > 1:
        raise KeplerFileError(f"the files belong to different stars (KEPLERID {sorted(ids)}); stitch one star at a time")
    time = np.concatenate([lc.time for lc in parts])
    order = np.argsort(time, kind="stable")
    meta = dict(parts[0].meta)
    meta["QUARTERS"] = [lc.meta.get("QUARTER") for lc in parts]
    meta["CDPP6_0"] = [lc.meta.get("CDPP6_0") for lc in parts]
    meta["FILES"] = [f.name for f in files]
    return LightCurve(
        time[order],
        np.concatenate([lc.flux for lc in parts])[order],
        np.concatenate([lc.flux_err for lc in parts])[order],
        np.concatenate([lc.quarter for lc in parts])[order],
        target=parts[0].target,
        meta=meta,
    )


def write_kepler_lightcurve(
    path: str | os.PathLike,
    time: np.ndarray,
    flux: np.ndarray,
    *,
    flux_err: np.ndarray | None = None,
    quality: np.ndarray | None = None,
    kepid: int = 1,
    quarter: int = 1,
) -> Path:
    """Write a minimal file in the Kepler ``_llc.fits`` layout (PRIMARY, LIGHTCURVE, APERTURE).

    Used by the tests and to save simulated light curves so that
    ``python -m coursekit transits search`` can read them. ``flux`` is in e-/s.
    """
    from astropy.io import fits

    n = len(time)
    flux_err = np.full(n, np.nan) if flux_err is None else flux_err
    quality = np.zeros(n, dtype=np.int32) if quality is None else quality
    primary = fits.PrimaryHDU()
    primary.header.update({"TELESCOP": "Kepler", "OBJECT": f"KIC {kepid}", "KEPLERID": kepid,
                           "QUARTER": quarter, "OBSMODE": "long cadence"})
    cols = [
        fits.Column(name="TIME", format="D", unit="BJD - 2454833", array=np.asarray(time, float)),
        fits.Column(name="CADENCENO", format="J", array=np.arange(n, dtype=np.int32)),
        fits.Column(name="SAP_FLUX", format="E", unit="e-/s", array=np.asarray(flux, np.float32)),
        fits.Column(name="PDCSAP_FLUX", format="E", unit="e-/s", array=np.asarray(flux, np.float32)),
        fits.Column(name="PDCSAP_FLUX_ERR", format="E", unit="e-/s", array=np.asarray(flux_err, np.float32)),
        fits.Column(name="SAP_QUALITY", format="J", array=np.asarray(quality, np.int32)),
    ]
    table = fits.BinTableHDU.from_columns(cols, name="LIGHTCURVE")
    table.header.update({"BJDREFI": 2454833, "BJDREFF": 0.0, "TIMEUNIT": "d",
                         "TIMEDEL": LONG_CADENCE_DAYS})
    aperture = fits.ImageHDU(np.ones((5, 5), dtype=np.int32), name="APERTURE")
    path = Path(path)
    fits.HDUList([primary, table, aperture]).writeto(path, overwrite=True)
    return path


def download_kepler_lightcurves(
    target: str, *, quarters: Sequence[int] | None = None, folder: str | os.PathLike | None = None
) -> list[Path]:
    """Download a star's Kepler long-cadence ``_llc.fits`` files from MAST with lightkurve (full mode).

    ``target``: a name lightkurve resolves (``"Kepler-22"``, ``"KIC 11442793"``). Files are cached in
    ``folder`` (default ``cache_dir()/kepler_mast``) and reused. Read them with :func:`read_kepler_lightcurves`.

    Raises
    ------
    OfflineError: MAST cannot be reached. FileNotFoundError: no Kepler long-cadence data for ``target``.
    """
    import warnings

    from coursekit.config import cache_dir
    from coursekit.data import OfflineError, host_reachable

    if not host_reachable("https://mast.stsci.edu"):
        raise OfflineError(f"cannot reach MAST to download {target!r}: no network? Use reduced mode, or the "
                           "Kepler-90 files of the manifest (`python -m coursekit data fetch kepler90_lightcurves`).")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lightkurve as lk

        result = lk.search_lightcurve(target, mission="Kepler", exptime="long", author="Kepler")
        if quarters is not None:
            result = result[np.isin(np.asarray(result.table["mission"]).astype(str),
                                    [f"Kepler Quarter {q:02d}" for q in quarters])]
        if len(result) == 0:
            raise FileNotFoundError(f"no Kepler long-cadence light curves found at MAST for {target!r}")
        dest = Path(folder) if folder is not None else cache_dir() / "kepler_mast"
        dest.mkdir(parents=True, exist_ok=True)
        result.download_all(download_dir=str(dest), flux_column="pdcsap_flux")
        names = {str(n).lower() for n in result.table["target_name"]}  # e.g. "kplr011442793"
    return sorted(p for p in dest.rglob("*llc.fits") if any(p.name.lower().startswith(n) for n in names))
