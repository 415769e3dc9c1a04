"""Kepler light curves and the KOI table, from ``coursekit.data.resolve`` into the field's own objects.

Light curves enter and leave the topic as ``lightkurve.LightCurve``. A Kepler light-curve file holds one quarter
of one star: a ``LIGHTCURVE`` table with ``TIME`` (BKJD = BJD_TDB - 2454833, days), ``PDCSAP_FLUX`` (e-/s,
corrected for systematics by the Presearch Data Conditioning pipeline) and the ``SAP_QUALITY`` bitmask
(Kepler Archive Manual, KDMC-10008). :func:`read_kepler_lightcurve` checks the file, reads it with
``lightkurve.read`` (quality bitmask applied), drops NaN cadences and normalises each quarter by its median (each
quarter falls on a different CCD with a different gain); :func:`read_kepler_lightcurves` stitches several quarters
of one star with ``LightCurveCollection.stitch`` and removes duplicated cadences, so a quarter given twice gives
the same light curve as once.

Data sets (``data_manifest.yaml``):

* ``kepler90_lightcurves``: Kepler-90 (KIC 11442793) Q3-Q5 :func:`load_kepler90`; the stand-in is a simulated
  light curve with Kepler-90's ephemerides (:func:`coursekit.transits.simulate.simulate_kepler90_like`).
* ``kepler_koi_cumulative``: the DR25 cumulative KOI table, :func:`load_koi_table` (an astropy ``Table``); the
  stand-in is the table of Kepler-90's own KOIs written from :data:`KEPLER90_PLANETS`.
* full mode only: MAST light curves of labelled KOIs (:func:`mast_loader`, :func:`koi_dataset`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import lightkurve as lk
    from astropy.table import Table

#: Kepler barycentric Julian date reference: BKJD = BJD - 2454833.0.
BKJD_OFFSET = 2454833.0
#: Long-cadence sampling, days (29.4 min).
LONG_CADENCE_DAYS = 0.0204335982
#: Every flagged cadence is dropped (lightkurve's "hardest" bitmask): the cadences Kepler marks as affected by
#: momentum dumps, thruster firings, cosmic rays or attitude tweaks are exactly the ones a transit search
#: mistakes for dips.
DEFAULT_QUALITY_BITMASK = "hardest"

#: Kepler-90 planets: period [d], mid-transit epoch [BKJD], duration [h], depth [ppm] (NASA Exoplanet Archive
#: cumulative KOI table, DR25; Kepler-90 i from Shallue & Vanderburg 2018, epoch approximate).
KEPLER90_PLANETS: dict[str, tuple[float, float, float]] = {
    "Kepler-90 b": (7.00821787, 137.67164, 3.812),
    "Kepler-90 c": (8.71980135, 139.52134, 3.745),
    "Kepler-90 i": (14.44912, 2.2, 2.704),
    "Kepler-90 d": (59.7371443, 158.95974, 8.001),
    "Kepler-90 e": (91.9401253, 134.3000, 9.195),
    "Kepler-90 f": (124.922516, 129.7295, 11.942),
    "Kepler-90 g": (210.6013843, 147.056867, 11.992),
    "Kepler-90 h": (331.5972732, 140.498929, 14.404),
}
KEPLER90_KEPID = 11442793
#: KOI names of Kepler-90's planets (Kepler-90 i is not a KOI).
_KEPLER90_KOIS = {"b": "K00351.06", "c": "K00351.05", "d": "K00351.03", "e": "K00351.04", "f": "K00351.07",
                  "g": "K00351.02", "h": "K00351.01"}
_KEPLER90_DEPTH_PPM = {"b": 116, "c": 160, "i": 100, "d": 566, "e": 483, "f": 499, "g": 4159, "h": 8322}


class KeplerFileError(ValueError):
    """A file is not a usable Kepler light curve (wrong format, no good cadences, all NaN, other star)."""


def _lightkurve():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lightkurve warns about optional extras at import
        import lightkurve as lk
    return lk


# --------------------------------------------------------------------------- light curves <-> arrays

def make_lightcurve(time: np.ndarray, flux: np.ndarray, flux_err: np.ndarray | None = None, *, target: str = "",
                    meta: dict[str, Any] | None = None) -> lk.LightCurve:
    """A ``lightkurve.LightCurve`` from arrays: ``time`` (n,) BKJD days, ``flux`` (n,) normalised flux."""
    lk = _lightkurve()
    from astropy.time import Time

    time = np.asarray(time, float)
    flux = np.asarray(flux, float)
    if time.shape != flux.shape or time.ndim != 1:
        raise ValueError(f"time and flux must be 1-D arrays of the same length, got {time.shape} and {flux.shape}")
    err = np.full_like(flux, np.nan) if flux_err is None else np.asarray(flux_err, float)
    lc = lk.LightCurve(time=Time(time, format="bkjd", scale="tdb"), flux=flux, flux_err=err)
    lc.meta.update({"OBJECT": target, **(meta or {})})
    return lc


def lc_arrays(lc: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(time, flux)`` of a ``lightkurve.LightCurve``: (n,) BKJD days and (n,) flux as plain floats.

    Masked or NaN flux becomes NaN; the cadences stay in the light curve's order.
    """
    t = lc.time
    time = np.asarray(t.value, float) if getattr(t, "format", "") == "bkjd" else np.asarray(t.tdb.jd, float) - BKJD_OFFSET
    flux = lc.flux
    flux = np.ma.filled(np.ma.asarray(getattr(flux, "value", flux), dtype=float), np.nan)
    return time, np.asarray(flux, float)


# --------------------------------------------------------------------------- reading Kepler files

def _check_kepler_file(path: Path, flux_column: str) -> None:
    """Refuse, with one line naming the file, anything ``lightkurve.read`` would misread or crash on."""
    from astropy.io import fits

    if not path.exists():
        raise FileNotFoundError(f"no such light-curve file: {path}")
    if path.is_dir():
        raise KeplerFileError(f"{path} is a folder; give the *_llc.fits files inside it (or the folder to "
                              "read_kepler_lightcurves)")
    try:
        with fits.open(path, memmap=False) as hdul:
            names = [h.name for h in hdul]
            if "LIGHTCURVE" not in hdul:
                raise KeplerFileError(f"{path.name} has no LIGHTCURVE extension (HDUs: {names}); expected a Kepler "
                                      "light-curve file (*_llc.fits), not a target-pixel or image file")
            hdu = hdul["LIGHTCURVE"]
            cols = list(hdu.columns.names) if getattr(hdu, "columns", None) is not None else []
            missing = [c for c in ("TIME", flux_column.upper()) if c not in cols]
            if missing:
                raise KeplerFileError(f"{path.name}: LIGHTCURVE table lacks column(s) {missing}; it has {cols}")
            bjdref = hdu.header.get("BJDREFI", 2454833) + hdu.header.get("BJDREFF", 0.0)
            n_rows = len(hdu.data) if hdu.data is not None else 0
    except (OSError, ValueError, TypeError) as exc:
        if isinstance(exc, KeplerFileError):
            raise
        raise KeplerFileError(f"{path.name} is not a FITS file ({str(exc).splitlines()[0][:80]}); expected a Kepler "
                              "long-cadence light curve kplr*_llc.fits") from None
    if abs(bjdref - BKJD_OFFSET) > 1e-6:
        raise KeplerFileError(f"{path.name}: BJDREFI+BJDREFF = {bjdref}, expected {BKJD_OFFSET} (BKJD); "
                              "not a Kepler light curve")
    if n_rows == 0:
        raise KeplerFileError(f"{path.name}: the LIGHTCURVE table is empty")


def read_kepler_lightcurve(
    path: str | os.PathLike,
    *,
    flux_column: str = "pdcsap_flux",
    quality_bitmask: str | int = DEFAULT_QUALITY_BITMASK,
    normalize: bool = True,
) -> lk.LightCurve:
    """Read one Kepler ``_llc.fits`` file (one quarter) with lightkurve's Kepler reader (``lightkurve.read``).

    Parameters
    ----------
    path: the FITS file.
    flux_column: ``"pdcsap_flux"`` (default, systematics-corrected) or ``"sap_flux"``.
    quality_bitmask: lightkurve's ``"none"``, ``"default"``, ``"hard"``, ``"hardest"`` (default: every flagged
        cadence dropped) or an integer bitmask (cadences with ``SAP_QUALITY & bitmask != 0`` are dropped).
    normalize: divide flux and error by the median flux of the good cadences.

    Returns
    -------
    ``lightkurve.KeplerLightCurve`` of the good cadences (finite time and flux, quality passed), sorted in time,
    flux median 1 when ``normalize``.

    Raises
    ------
    FileNotFoundError: the path does not exist.
    KeplerFileError: not a FITS file, no ``LIGHTCURVE`` table with TIME and the flux column, not in BKJD, flux all
        NaN, or no cadence survives the quality mask.
    """
    lk = _lightkurve()
    path = Path(path)
    _check_kepler_file(path, flux_column)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lc = lk.KeplerLightCurve.read(str(path), format="kepler", flux_column=flux_column,
                                          quality_bitmask=quality_bitmask)
    except (ValueError, KeyError, TypeError, OSError, lk.LightkurveError) as exc:
        raise KeplerFileError(f"{path.name}: lightkurve cannot read it as a Kepler light curve "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0][:100]})") from None
    n_read = len(lc)
    time, flux = lc_arrays(lc)
    good = np.isfinite(time) & np.isfinite(flux)
    if not good.any():
        raise KeplerFileError(f"{path.name}: no usable cadences ({n_read} rows pass the quality mask "
                              f"{quality_bitmask!r}, none with a finite {flux_column.upper()})")
    lc = lc[good]
    order = np.argsort(lc_arrays(lc)[0], kind="stable")
    lc = lc[order]
    if normalize:
        med = float(np.median(lc_arrays(lc)[1]))
        if not med > 0:
            raise KeplerFileError(f"{path.name}: median {flux_column.upper()} is {med}, cannot normalise")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lc = lc.normalize()
    lc.meta["FILENAME"] = str(path)
    return lc


def _find_files(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        p = Path(paths)
        if p.is_dir():
            files = sorted(p.glob("*llc.fits"))
            if not files:
                raise FileNotFoundError(f"no *llc.fits files in folder {p}")
            return files
        return [p]
    files = [Path(x) for x in paths]
    if not files:
        raise FileNotFoundError("no light-curve files given")
    return files


def remove_duplicate_cadences(lc: lk.LightCurve) -> lk.LightCurve:
    """Keep the first of every repeated cadence (same ``cadenceno``, or time within 1 minute), sorted in time.

    A quarter given twice, or two archive files that overlap, would otherwise count each transit twice in the
    search (and shift the periods and SNRs it finds). ``meta["DUPLICATES_REMOVED"]`` records how many went.
    """
    time, _ = lc_arrays(lc)
    order = np.argsort(time, kind="stable")
    lc = lc[order]
    time = time[order]
    if "cadenceno" in lc.colnames:
        key = np.asarray(lc["cadenceno"]).astype(np.int64)
        _, first = np.unique(key, return_index=True)
    else:
        _, first = np.unique(np.round(time * 1440.0).astype(np.int64), return_index=True)
    keep = np.sort(first)
    removed = len(lc) - len(keep)
    if removed:
        lc = lc[keep]
    lc.meta["DUPLICATES_REMOVED"] = int(removed)
    return lc


def read_kepler_lightcurves(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    **kwargs: Any,
) -> lk.LightCurve:
    """Read and stitch several quarters of one star (``LightCurveCollection.stitch``), duplicates removed.

    ``paths`` may be one file, several files, or a folder (all ``*llc.fits`` inside). Keyword arguments go to
    :func:`read_kepler_lightcurve`. Each quarter is normalised to median 1 before stitching; a cadence present in
    several files is kept once (:func:`remove_duplicate_cadences`). ``meta["QUARTERS"]`` and ``meta["FILES"]``
    list what was read.

    Raises
    ------
    FileNotFoundError: no files given / found.
    KeplerFileError: a file is unusable, or the files belong to different stars.
    """
    lk = _lightkurve()
    files = _find_files(paths)
    parts = [read_kepler_lightcurve(f, **kwargs) for f in files]
    ids = {lc.meta.get("KEPLERID") for lc in parts} - {None}
    if len(ids) > 1:
        raise KeplerFileError(f"the files belong to different stars (KEPLERID {sorted(ids)}); "
                              "search one star at a time")
    for lc in parts:
        lc["quarter"] = np.full(len(lc), int(lc.meta.get("QUARTER", -1) or -1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stitched = lk.LightCurveCollection(parts).stitch(corrector_func=lambda x: x)
    stitched = remove_duplicate_cadences(stitched)
    stitched.meta.update({k: parts[0].meta.get(k) for k in ("OBJECT", "KEPLERID", "KEPMAG", "TEFF", "RADIUS")})
    stitched.meta["QUARTERS"] = [lc.meta.get("QUARTER") for lc in parts]
    stitched.meta["FILES"] = [f.name for f in files]
    return stitched


def write_kepler_lightcurve(
    path: str | os.PathLike,
    time: np.ndarray,
    flux: np.ndarray,
    *,
    flux_err: np.ndarray | None = None,
    quality: np.ndarray | None = None,
    kepid: int = 1,
    quarter: int = 1,
    cadenceno: np.ndarray | None = None,
) -> Path:
    """Write a file in the Kepler ``_llc.fits`` layout (PRIMARY, LIGHTCURVE with the archive's columns, APERTURE).

    Used by the tests (files in the real schema) and to save simulated light curves so that
    ``python -m coursekit transits search`` can read them. ``time`` in BKJD days, ``flux`` in e-/s.
    """
    from astropy.io import fits

    n = len(time)
    time = np.asarray(time, float)
    flux_err = np.full(n, np.nan) if flux_err is None else np.asarray(flux_err, float)
    quality = np.zeros(n, dtype=np.int32) if quality is None else np.asarray(quality)
    cadenceno = (np.arange(n) + 1000 * quarter) if cadenceno is None else np.asarray(cadenceno)
    primary = fits.PrimaryHDU()
    primary.header.update({"TELESCOP": "Kepler", "INSTRUME": "Kepler Photometer", "MISSION": "Kepler",
                           "CREATOR": "FluxExporter2PipelineModule", "ORIGIN": "NASA/Ames",
                           "OBJECT": f"KIC {kepid}", "KEPLERID": kepid, "QUARTER": quarter,
                           "OBSMODE": "long cadence", "DATA_REL": 25})
    zeros = np.zeros(n, np.float32)
    cols = [
        fits.Column(name="TIME", format="D", unit="BJD - 2454833", array=time),
        fits.Column(name="TIMECORR", format="E", unit="d", array=zeros),
        fits.Column(name="CADENCENO", format="J", array=np.asarray(cadenceno, np.int32)),
        fits.Column(name="SAP_FLUX", format="E", unit="e-/s", array=np.asarray(flux, np.float32)),
        fits.Column(name="SAP_FLUX_ERR", format="E", unit="e-/s", array=np.asarray(flux_err, np.float32)),
        fits.Column(name="SAP_BKG", format="E", unit="e-/s", array=zeros),
        fits.Column(name="SAP_BKG_ERR", format="E", unit="e-/s", array=zeros),
        fits.Column(name="PDCSAP_FLUX", format="E", unit="e-/s", array=np.asarray(flux, np.float32)),
        fits.Column(name="PDCSAP_FLUX_ERR", format="E", unit="e-/s", array=np.asarray(flux_err, np.float32)),
        fits.Column(name="SAP_QUALITY", format="J", array=np.asarray(quality, np.int32)),
        fits.Column(name="PSF_CENTR1", format="D", unit="pixel", array=np.full(n, np.nan)),
        fits.Column(name="PSF_CENTR1_ERR", format="E", unit="pixel", array=np.full(n, np.nan, np.float32)),
        fits.Column(name="PSF_CENTR2", format="D", unit="pixel", array=np.full(n, np.nan)),
        fits.Column(name="PSF_CENTR2_ERR", format="E", unit="pixel", array=np.full(n, np.nan, np.float32)),
        fits.Column(name="MOM_CENTR1", format="D", unit="pixel", array=np.full(n, 500.0)),
        fits.Column(name="MOM_CENTR1_ERR", format="E", unit="pixel", array=zeros),
        fits.Column(name="MOM_CENTR2", format="D", unit="pixel", array=np.full(n, 500.0)),
        fits.Column(name="MOM_CENTR2_ERR", format="E", unit="pixel", array=zeros),
        fits.Column(name="POS_CORR1", format="E", unit="pixel", array=zeros),
        fits.Column(name="POS_CORR2", format="E", unit="pixel", array=zeros),
    ]
    table = fits.BinTableHDU.from_columns(cols, name="LIGHTCURVE")
    table.header.update({"BJDREFI": 2454833, "BJDREFF": 0.0, "TIMEUNIT": "d", "TIMESYS": "TDB",
                         "TIMEDEL": LONG_CADENCE_DAYS})
    aperture = fits.ImageHDU(np.ones((5, 5), dtype=np.int32), name="APERTURE")
    path = Path(path)
    fits.HDUList([primary, table, aperture]).writeto(path, overwrite=True)
    return path


# --------------------------------------------------------------------------- the manifest's data sets

def load_kepler90(mode: str | None = None, *, seed: int = 0, verbose: bool = True) -> lk.LightCurve:
    """Kepler-90's Q3-Q5 light curve as a ``lightkurve.LightCurve``, whichever tier ``resolve`` gives.

    Real files (sample or full tier): read and stitched with :func:`read_kepler_lightcurves`. Stand-in (offline,
    nothing cached): :func:`coursekit.transits.simulate.simulate_kepler90_like`. Either way ``meta["TIER"]``,
    ``meta["DATA_MESSAGE"]`` (the line to print) and ``meta["FILES_READ"]`` (paths) say what was used.
    ``verbose``: print the tier line (off for ``--json`` output, which must hold JSON only).
    """
    from coursekit.data import resolve

    r = resolve("kepler90_lightcurves", mode=mode, verbose=verbose)
    if r.is_real:
        lc = read_kepler_lightcurves(sorted(r.paths))
    else:
        from coursekit.transits.simulate import simulate_kepler90_like

        lc = simulate_kepler90_like(seed=seed)
    lc.meta.update({"TIER": r.tier, "DATA_MESSAGE": r.message, "FILES_READ": [str(p) for p in r.paths]})
    return lc


def read_koi_table(path: str | os.PathLike) -> Table:
    """The cumulative KOI table (CSV with ``#`` comment lines) as an astropy ``Table``.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the missing columns when the file is
    not a KOI table.
    """
    import pandas as pd
    from astropy.table import Table

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"KOI table {path} does not exist (`python -m coursekit data fetch "
                                "kepler_koi_cumulative`)")
    try:
        frame = pd.read_csv(path, comment="#", low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path} is not a readable CSV KOI table: {str(exc).splitlines()[0][:100]}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path} is not a KOI table: missing column(s) {missing}")
    table = Table.from_pandas(frame)
    table.meta["FILENAME"] = str(path)
    return table


def kepler90_koi_table() -> Table:
    """The stand-in KOI table: Kepler-90's seven KOIs (CONFIRMED) in the archive's columns and units."""
    from astropy.table import Table

    rows = [(KEPLER90_KEPID, koi, f"Kepler-90 {letter}", "CONFIRMED", *KEPLER90_PLANETS[f"Kepler-90 {letter}"],
             float(_KEPLER90_DEPTH_PPM[letter])) for letter, koi in _KEPLER90_KOIS.items()]
    names = ("kepid", "kepoi_name", "kepler_name", "koi_disposition", "koi_period", "koi_time0bk", "koi_duration",
             "koi_depth")
    return Table(rows=rows, names=names)


def load_koi_table(mode: str | None = None, *, verbose: bool = True) -> Table:
    """The DR25 cumulative KOI table (Thompson et al. 2018) as an astropy ``Table``, whichever tier.

    Real (sample/full): all 9,564 KOIs. Stand-in: :func:`kepler90_koi_table`. ``meta["TIER"]`` and
    ``meta["DATA_MESSAGE"]`` say which.
    """
    from coursekit.data import resolve

    r = resolve("kepler_koi_cumulative", mode=mode, verbose=verbose)
    table = read_koi_table(r.paths[0]) if r.is_real else kepler90_koi_table()
    table.meta.update({"TIER": r.tier, "DATA_MESSAGE": r.message, "FILES_READ": [str(p) for p in r.paths]})
    return table


def known_planets(table: Table, kepid: int = KEPLER90_KEPID) -> dict[str, tuple[float, float, float]]:
    """``{name: (period [d], epoch [BKJD], duration [h])}`` of a star's CONFIRMED KOIs in ``table``.

    Named by ``kepler_name`` where the table has it, else by KOI. For Kepler-90 the planet found by Shallue &
    Vanderburg (2018), Kepler-90 i, which is not a KOI, is added from :data:`KEPLER90_PLANETS`.
    """
    rows = table[(np.asarray(table["kepid"]) == kepid)
                 & (np.char.upper(np.asarray(table["koi_disposition"]).astype(str)) == "CONFIRMED")]
    out: dict[str, tuple[float, float, float]] = {}
    for r in rows:
        name = str(r["kepler_name"]) if "kepler_name" in table.colnames and str(r["kepler_name"]).strip() not in (
            "", "nan", "--") else str(r["kepoi_name"])
        out[name] = (float(r["koi_period"]), float(r["koi_time0bk"]), float(r["koi_duration"]))
    if kepid == KEPLER90_KEPID:
        out.setdefault("Kepler-90 i", KEPLER90_PLANETS["Kepler-90 i"])
    return dict(sorted(out.items(), key=lambda kv: kv[1][0]))


# --------------------------------------------------------------------------- labelled KOIs (full mode)

#: Columns the KOI table must have (Exoplanet Archive names); duration in hours, epoch in BKJD.
REQUIRED_COLUMNS = ("kepid", "kepoi_name", "koi_disposition", "koi_period", "koi_time0bk", "koi_duration")
PLANET = ("CONFIRMED",)
FALSE_POSITIVE = ("FALSE POSITIVE",)


def select_kois(table: Any, n: int, *, seed: int = 0, planet: Sequence[str] = PLANET,
                false_positive: Sequence[str] = FALSE_POSITIVE, period_range: tuple[float, float] = (0.8, 200.0),
                max_stars: int | None = None):
    """A random, class-balanced sample of ``n`` KOIs with finite ephemerides in ``period_range`` (days).

    ``table``: an astropy ``Table`` or pandas ``DataFrame`` of KOIs. Returns a DataFrame with a ``label`` column
    (1 = planet, 0 = false positive). All KOIs of a chosen star are kept together (one light-curve download
    serves them all), so the sample can be slightly larger than ``n``.
    """
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2 (one planet and one false positive at least), got {n!r}")
    t = table.to_pandas() if hasattr(table, "to_pandas") else table.copy()
    disp = t["koi_disposition"].astype(str).str.upper()
    t["label"] = np.where(disp.isin([d.upper() for d in planet]), 1,
                          np.where(disp.isin([d.upper() for d in false_positive]), 0, -1))
    ok = (t["label"] >= 0) & np.isfinite(t["koi_period"]) & np.isfinite(t["koi_time0bk"]) & (t["koi_duration"] > 0)
    ok &= (t["koi_period"] >= period_range[0]) & (t["koi_period"] <= period_range[1])
    t = t[ok]
    if len(t) == 0:
        raise ValueError("no KOIs with these dispositions and a finite ephemeris in the period range")
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for label in (1, 0):
        stars = t.loc[t["label"] == label, "kepid"].unique()
        rng.shuffle(stars)
        count = 0
        for s in stars:
            if count >= n // 2 + (n % 2 if label == 1 else 0):
                break
            chosen.append(int(s))
            count += int(((t["kepid"] == s) & (t["label"] == label)).sum())
    chosen = list(dict.fromkeys(chosen))[: max_stars or None]
    return t[t["kepid"].isin(chosen)].reset_index(drop=True)


def download_kepler_lightcurves(
    target: str, *, quarters: Sequence[int] | None = None, folder: str | os.PathLike | None = None
) -> list[Path]:
    """Download a star's Kepler long-cadence ``_llc.fits`` files from MAST with lightkurve (full mode).

    ``target``: a name lightkurve resolves (``"Kepler-22"``, ``"KIC 11442793"``). Files are cached in ``folder``
    (default ``cache_dir()/kepler_mast``) and reused. This is the seed's ``search_lightcurve(...).download_all()``.

    Raises
    ------
    OfflineError: MAST cannot be reached. FileNotFoundError: no Kepler long-cadence data for ``target``.
    """
    from coursekit.config import cache_dir
    from coursekit.data import OfflineError, host_reachable

    if not host_reachable("https://mast.stsci.edu"):
        raise OfflineError(f"cannot reach MAST to download {target!r}: no network? Use reduced mode (Kepler-90 "
                           "from the course's sample) or fill the cache on a machine that is online")
    lk = _lightkurve()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
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


def mast_loader(kepid: int, quarters: Sequence[int] = tuple(range(1, 9))) -> list[Path]:
    """Default light-curve source of :func:`koi_dataset`: quarters 1-8 of ``KIC kepid`` from MAST (cached).

    Quarters 1-8 (two years, ~3 MB per star) cover every period up to 200 d at least three times. Files already in
    ``cache_dir()/kepler_mast`` are used without touching the network, so a classroom cache filled once works
    offline.
    """
    from coursekit.config import cache_dir

    cached = sorted((cache_dir() / "kepler_mast").rglob(f"kplr{int(kepid):09d}-*llc.fits"))
    if cached:
        return cached
    return download_kepler_lightcurves(f"KIC {int(kepid)}", quarters=quarters)


def koi_dataset(kois: Any, *, loader: Callable[[int], Sequence[str | os.PathLike]] | None = None,
                progress: bool | None = None):
    """Views and vetting statistics of each KOI at its catalogue ephemeris, as a :class:`TransitDataset`.

    ``kois``: a DataFrame from :func:`select_kois` (needs a ``label`` column). ``loader(kepid)`` returns the star's
    ``_llc.fits`` files (default :func:`mast_loader`). Stars whose files cannot be fetched or read are skipped with
    a warning naming them (one bad download does not cost the rest); if none is left, ``RuntimeError`` says why.
    ``params`` holds kepid, KOI name, disposition, period [d], t0 [BKJD] and duration [d] per row.
    """
    from tqdm.auto import tqdm

    from coursekit.config import show_progress
    from coursekit.data import OfflineError
    from coursekit.transits.baseline import stack_statistics
    from coursekit.transits.preprocess import phase_fold
    from coursekit.transits.search import ViewError, views_and_vetting
    from coursekit.transits.simulate import TransitDataset

    if "label" not in kois.columns:
        raise ValueError("kois needs a 'label' column: build it with select_kois()")
    loader = loader or mast_loader
    gv, lv, labels, stats = [], [], [], []
    params: dict[str, list] = {k: [] for k in ("kepid", "kepoi_name", "kind", "period", "t0", "duration")}
    skipped: dict[int, str] = {}
    stars = kois["kepid"].unique()
    bar = tqdm(stars, desc="KOI light curves", disable=not (show_progress() if progress is None else progress))
    for kepid in bar:
        rows = kois[kois["kepid"] == kepid]
        try:
            time, flux = lc_arrays(read_kepler_lightcurves(list(loader(int(kepid)))))
        except OfflineError:
            raise
        except (FileNotFoundError, KeplerFileError, OSError, ValueError) as exc:
            skipped[int(kepid)] = str(exc).splitlines()[0][:120]
            continue
        ephem = [(float(r.koi_period), float(r.koi_time0bk), float(r.koi_duration) / 24.0) for r in rows.itertuples()]
        for r, (period, t0, duration) in zip(rows.itertuples(), ephem):
            keep = np.ones(len(time), bool)
            for p2, t2, d2 in ephem:  # the star's other KOIs would pollute this one's views
                if (p2, t2) != (period, t0):
                    keep &= np.abs(phase_fold(time, p2, t2)) > d2
            try:
                g, loc, st = views_and_vetting(time, flux, period, t0, duration, keep=keep)
            except ViewError as exc:
                skipped[int(kepid)] = f"{r.kepoi_name}: {exc}"[:120]
                continue
            gv.append(g)
            lv.append(loc)
            labels.append(int(r.label))
            stats.append(st.to_dict())
            for key, v in (("kepid", int(kepid)), ("kepoi_name", r.kepoi_name), ("kind", str(r.koi_disposition)),
                           ("period", period), ("t0", t0), ("duration", duration)):
                params[key].append(v)
    if skipped:
        shown = "; ".join(f"KIC {k}: {v}" for k, v in list(skipped.items())[:5])
        warnings.warn(f"{len(skipped)} star(s) skipped ({shown}{' ...' if len(skipped) > 5 else ''})", stacklevel=2)
    if not labels:
        raise RuntimeError(f"no KOI light curve could be used ({len(skipped)} star(s) skipped: "
                           f"{'; '.join(list(skipped.values())[:3])})")
    return TransitDataset(np.asarray(gv, np.float32), np.asarray(lv, np.float32), np.asarray(labels, np.int64),
                          {k: np.asarray(v) for k, v in params.items()}, stack_statistics(stats))
