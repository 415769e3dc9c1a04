"""Photometric tables from disk and the features the models see.

:func:`load_photometry_csv` reads a plain CSV table of ugriz magnitudes, their
errors and (optionally) a spectroscopic redshift into a
:class:`~coursekit.photoz.simulate.PhotometryCatalog`. Column names are
configurable (:class:`Columns`; the defaults are the ANNZ/BOSS names
``MAG_U, MAGERR_U, ..., Z``). The ANNZ header style
``#F:MAG_U;F:MAGERR_U;...;D:Z`` is understood.

Non-detections and missing values are handled the documented way
(``missing=``): magnitudes >= ``bad_mag`` (SDSS/SExtractor's 99 and -99
sentinels), NaN, inf or error <= 0 are either

* ``"drop"`` (default): the row is removed (and counted), or
* ``"fill"``: the magnitude is replaced by the sample's 99th percentile in
  that band (a faint limit) and its error by ``fill_error``, or
* ``"raise"``: a ``ValueError`` names the rows and columns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coursekit.photoz.simulate import BANDS, PhotometryCatalog

#: The BOSS DR10 files of the shared sample / the manifest entry ``sdss_boss_dr10_photoz``.
BOSS_TRAIN_FILES: tuple[str, ...] = ("boss_dr10_0.csv", "boss_dr10_1.csv", "boss_dr10_2.csv", "boss_dr10_3.csv")
BOSS_EVAL_FILES: tuple[str, ...] = ("boss_dr10_eval0.csv", "boss_dr10_eval1.csv")
BOSS_DIRNAME = "sdss_photoz_boss_dr10"


@dataclass(frozen=True)
class Columns:
    """Column names of a photometry table: ``mag``/``err`` templates with ``{band}`` (upper-case) and ``z``."""

    mag: str = "MAG_{band}"
    err: str = "MAGERR_{band}"
    z: str | None = "Z"
    bands: tuple[str, ...] = BANDS

    def mag_names(self) -> list[str]:
        return [self.mag.format(band=b.upper(), b=b) for b in self.bands]

    def err_names(self) -> list[str]:
        return [self.err.format(band=b.upper(), b=b) for b in self.bands]


def _read_table(path: Path):
    import pandas as pd

    with open(path) as fh:
        first = fh.readline().strip()
    if first.startswith("#"):
        # ANNZ style "#F:MAG_U;F:MAGERR_U;...;D:Z" or a commented CSV header
        body = first.lstrip("#").strip()
        sep = ";" if ";" in body else ","
        names = [n.split(":")[-1].strip() for n in body.split(sep)]
        return pd.read_csv(path, comment="#", header=None, names=names, skipinitialspace=True)
    return pd.read_csv(path, skipinitialspace=True)


def load_photometry_csv(
    paths: str | os.PathLike | list[str | os.PathLike],
    *,
    columns: Columns = Columns(),
    require_z: bool = True,
    z_min: float | None = None,
    bad_mag: float = 90.0,
    missing: str = "drop",
    fill_error: float = 1.0,
    deduplicate: bool = False,
    report: dict | None = None,
) -> PhotometryCatalog:
    """Read one or more CSV files into a :class:`PhotometryCatalog`.

    Parameters
    ----------
    paths:
        A file or a list of files with the same columns (concatenated in order).
    columns:
        Column names (:class:`Columns`).
    require_z:
        If False, a table without the redshift column is accepted (z = NaN), for prediction.
    z_min:
        Drop rows with ``z < z_min`` (e.g. 0.005: stars and failed redshifts).
    bad_mag, missing, fill_error:
        Sentinel threshold (|mag| >= bad_mag is a non-detection) and the policy for
        bad values: ``"drop"``, ``"fill"`` or ``"raise"`` (see the module docstring).
    deduplicate:
        Drop rows that repeat an earlier row exactly.
    report:
        If a dict is given, it receives counts: ``n_read``, ``n_bad``, ``n_low_z``, ``n_duplicates``,
        and ``kept_rows``, the indices of the rows returned.
    """
    if missing not in {"drop", "fill", "raise"}:
        raise ValueError(f"missing must be 'drop', 'fill' or 'raise', got {missing!r}")
    import pandas as pd

    path_list = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not path_list:
        raise ValueError("no files given")
    frames = []
    for p in path_list:
        p = Path(p)
        if not p.exists():
            raise FileNotFoundError(f"photometry table {p} does not exist")
        df = _read_table(p)
        need = columns.mag_names() + columns.err_names()
        if columns.z is not None and require_z:
            need.append(columns.z)
        lacking = [c for c in need if c not in df.columns]
        if lacking:
            raise ValueError(
                f"{p.name}: missing column(s) {lacking}; the table has {list(df.columns)}. "
                "Name the columns with Columns(mag=..., err=..., z=...) or --mag-col/--err-col/--z-col."
            )
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    stats = {"n_read": len(df), "n_bad": 0, "n_low_z": 0, "n_duplicates": 0}
    if deduplicate:
        dup = df.duplicated()
        stats["n_duplicates"] = int(dup.sum())
        df = df[~dup].reset_index(drop=True)

    try:
        mag = df[columns.mag_names()].to_numpy(float)
        err = df[columns.err_names()].to_numpy(float)
    except ValueError as exc:
        raise ValueError(f"magnitude/error columns are not numeric: {exc}") from exc
    has_z = columns.z is not None and columns.z in df.columns
    z = df[columns.z].to_numpy(float) if has_z else np.full(len(df), np.nan)
    if has_z and require_z and not np.all(np.isfinite(z)):
        bad_rows = np.flatnonzero(~np.isfinite(z))[:5].tolist()
        raise ValueError(f"redshift column {columns.z!r} has NaN/inf values (rows {bad_rows}...)")

    bad = ~np.isfinite(mag) | (np.abs(mag) >= bad_mag) | ~np.isfinite(err) | (err <= 0)
    row_bad = bad.any(axis=1)
    stats["n_bad"] = int(row_bad.sum())
    if row_bad.any():
        if missing == "raise":
            rows, cols = np.nonzero(bad)
            names = sorted({columns.mag_names()[c] for c in cols})
            raise ValueError(
                f"{row_bad.sum()} rows have missing or non-detected magnitudes (|mag| >= {bad_mag}, NaN, or "
                f"error <= 0) in {names}, e.g. rows {sorted(set(rows.tolist()))[:5]}; use missing='drop' or 'fill'"
            )
        if missing == "fill":
            for j in range(mag.shape[1]):
                good = ~bad[:, j]
                if not good.any():
                    raise ValueError(f"column {columns.mag_names()[j]} has no valid value to fill from")
                faint = np.percentile(mag[good, j], 99)
                mag[bad[:, j], j] = faint
                err[bad[:, j], j] = fill_error
            row_bad[:] = False
    keep = ~row_bad
    if z_min is not None and has_z:
        low = z < z_min
        stats["n_low_z"] = int((low & keep).sum())
        keep &= ~low
    if report is not None:
        report.update(stats)
        report["kept_rows"] = np.flatnonzero(keep)  # row numbers (after de-duplication) that were kept
    if not keep.any():
        raise ValueError("no rows left after removing bad values and low redshifts")
    return PhotometryCatalog(mag[keep], err[keep], z[keep], tuple(columns.bands))


def boss_paths(root: str | os.PathLike | None = None) -> tuple[list[Path], list[Path]]:
    """``(train_files, eval_files)`` of the BOSS DR10 sample.

    ``root`` is a folder holding the files; by default the shared real-sample
    folder (``shared_real_dir() / "sdss_photoz_boss_dr10"``).
    """
    if root is None:
        from coursekit.data import shared_real_dir

        shared = shared_real_dir()
        if shared is None:
            raise FileNotFoundError(
                "the shared real samples are not present here; in full mode use "
                "coursekit.data.fetch('sdss_boss_dr10_photoz') and pass its folder"
            )
        root = shared / BOSS_DIRNAME
    root = Path(root)
    train = [root / f for f in BOSS_TRAIN_FILES]
    evals = [root / f for f in BOSS_EVAL_FILES]
    missing_files = [p.name for p in train + evals if not p.exists()]
    if missing_files:
        raise FileNotFoundError(f"BOSS files {missing_files} not found in {root}")
    return train, evals


def load_boss(root: str | os.PathLike | None = None, z_min: float = 0.005) -> tuple[PhotometryCatalog, PhotometryCatalog]:
    """The BOSS DR10 sample as ``(train, test)``: the four training files and the two evaluation files.

    Rows with ``z < z_min`` (stars, failed redshifts) or bad magnitudes are dropped.
    """
    train, evals = boss_paths(root)
    return (load_photometry_csv(train, z_min=z_min), load_photometry_csv(evals, z_min=z_min))


def features(cat: PhotometryCatalog, *, colours: bool = True, errors: bool = False,
             mag_clip: tuple[float, float] = (10.0, 30.0), err_clip: float = 2.0) -> np.ndarray:
    """Model inputs (n, d): the magnitudes, then adjacent colours (u-g, g-r, ...), then (optionally) errors.

    With ``colours=True`` and ``errors=False`` this is the nine-feature set
    (5 magnitudes + 4 colours) of the reference measurements. Magnitudes are
    clipped to ``mag_clip`` and errors to ``err_clip`` so that a few absurd
    values (u = 30 with a 40 mag error) cannot dominate the standardisation.
    """
    mag = np.clip(cat.mag, *mag_clip)
    parts = [mag]
    if colours:
        parts.append(mag[:, :-1] - mag[:, 1:])
    if errors:
        parts.append(np.log10(np.clip(cat.mag_err, 1e-3, err_clip)))
    return np.concatenate(parts, axis=1)


def feature_names(bands: tuple[str, ...] = BANDS, *, colours: bool = True, errors: bool = False) -> list[str]:
    """Names matching :func:`features`."""
    names = list(bands)
    if colours:
        names += [f"{a}-{b}" for a, b in zip(bands[:-1], bands[1:])]
    if errors:
        names += [f"log_err_{b}" for b in bands]
    return names


#: SFD98 extinction ratios A_b / A_r for SDSS ugriz (A_b / E(B-V) = 5.155, 3.793, 2.751, 2.086, 1.479).
SDSS_EXTINCTION_RATIO: tuple[float, ...] = (5.155 / 2.751, 3.793 / 2.751, 1.0, 2.086 / 2.751, 1.479 / 2.751)


def load_specgals(paths: str | os.PathLike | list[str | os.PathLike], *, deredden: bool = True,
                  z_min: float = 0.02, z_max: float | None = None) -> PhotometryCatalog:
    """The SDSS DR8 spectroscopic galaxy table of astroML's ``fetch_sdss_specgals`` (FITS, one or two parts).

    Uses the ``modelMag_{ugriz}`` magnitudes and ``modelMagErr_{ugriz}`` errors and the spectroscopic ``z``.
    astroML's query already applies the quality cuts (``petroMag_r`` 10-18, i.e. the Main Galaxy
    Sample; all model magnitudes 10-25; 0 < u - r < 6; ``rChi2 < 2``; ``0 < zErr < 0.01``; ``z > 0.02``).
    With ``deredden=True`` Galactic extinction is removed using ``extinction_r`` scaled to each band
    with the SFD98 ratios (:data:`SDSS_EXTINCTION_RATIO`). The file is not in the course manifest (no
    verifiable sha256); point this at astroML's cached copy (``~/astroML_data/SDSSspecgalsDR8_*.fit.gz``).
    """
    from astropy.table import Table, vstack

    path_list = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    tables = []
    for p in path_list:
        if not Path(p).exists():
            raise FileNotFoundError(f"{p} does not exist (astroML caches it in ~/astroML_data)")
        tables.append(Table.read(p))
    t = vstack(tables) if len(tables) > 1 else tables[0]
    need = [f"modelMag_{b}" for b in BANDS] + [f"modelMagErr_{b}" for b in BANDS] + ["z"]
    if deredden:
        need.append("extinction_r")
    lacking = [c for c in need if c not in t.colnames]
    if lacking:
        raise ValueError(f"not an astroML specgals table: missing {lacking}")
    mag = np.stack([np.asarray(t[f"modelMag_{b}"], float) for b in BANDS], axis=1)
    err = np.stack([np.asarray(t[f"modelMagErr_{b}"], float) for b in BANDS], axis=1)
    z = np.asarray(t["z"], float)
    if deredden:
        mag = mag - np.asarray(t["extinction_r"], float)[:, None] * np.asarray(SDSS_EXTINCTION_RATIO)[None, :]
    keep = np.isfinite(mag).all(1) & (err > 0).all(1) & (z >= z_min)
    if z_max is not None:
        keep &= z <= z_max
    return PhotometryCatalog(mag[keep], err[keep], z[keep])
