"""Photometric tables: the BOSS DR10 sample through the course's data cache, user tables, and model features.

* :func:`load_boss` resolves the manifest data set ``sdss_boss_dr10_photoz``
  with :func:`coursekit.data.resolve` (sample tier in reduced mode, full in
  full mode, both the six ANNZ2 files) and returns ``(train, test)`` astropy
  ``Table`` s with the same columns from every tier; offline without the
  sample, the tables come from the physical simulator
  (:func:`coursekit.photoz.simulate.simulate_galaxies`), and
  ``table.meta["tier"]`` says so.
* :func:`read_photometry` reads a user's CSV table. Column names are found
  without options when they follow ANNZ (``MAG_U``, ``MAGERR_U``, ``Z``),
  SDSS SkyServer (``u``, ``err_u``, ``redshift``) or CasJobs
  (``modelMag_u``, ``modelMagErr_u``, ``z``) conventions, matched
  case-insensitively; ``{b}`` in a pattern is the band letter as written.
* :func:`features` turns a catalogue into the network's inputs.

Non-detections and missing values (``missing=``): magnitudes with
``|mag| >= bad_mag`` (SDSS/SExtractor's 99 and -99 sentinels), NaN, inf or an
error <= 0 are ``"drop"`` ped (the default; counted), ``"fill"`` ed with the
band's 99th percentile and a 1 mag error, or ``"raise"``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coursekit.photoz.simulate import BANDS, PhotometryCatalog

#: The manifest data set of notebook 03.
DATASET = "sdss_boss_dr10_photoz"
#: The ANNZ2 training and evaluation files of BOSS DR10 (the split the benchmark uses).
BOSS_TRAIN_FILES: tuple[str, ...] = ("boss_dr10_0.csv", "boss_dr10_1.csv", "boss_dr10_2.csv", "boss_dr10_3.csv")
BOSS_EVAL_FILES: tuple[str, ...] = ("boss_dr10_eval0.csv", "boss_dr10_eval1.csv")

#: Redshifts a spectroscopic training table may hold: stars scatter to about -0.01; nothing seen in ugriz is
#: beyond z ~ 7 (the most distant SDSS quasars).
Z_PLAUSIBLE: tuple[float, float] = (-0.01, 7.0)


@dataclass(frozen=True)
class Columns:
    """The columns of a table that hold each band's magnitude and error, and the redshift (``None``: absent)."""

    mags: tuple[str, ...]
    errs: tuple[str, ...]
    z: str | None
    bands: tuple[str, ...] = BANDS


def _fill(pattern: str, bands: Sequence[str]) -> list[str]:
    if "{b}" not in pattern and "{band}" not in pattern:
        raise ValueError(f"column pattern {pattern!r} must contain {{b}} (the band letter), e.g. 'mag_{{b}}'")
    return [pattern.replace("{band}", b).replace("{b}", b) for b in bands]


#: Naming conventions recognised without options, tried in this order: ANNZ/BOSS, SDSS CasJobs (model and
#: cmodel magnitudes), SDSS SkyServer (``u`` with ``err_u``, or ``dered_u``), and two common plain styles.
KNOWN_SCHEMES: tuple[tuple[str, str], ...] = (
    ("MAG_{b}", "MAGERR_{b}"),
    ("modelMag_{b}", "modelMagErr_{b}"),
    ("cModelMag_{b}", "cModelMagErr_{b}"),
    ("dered_{b}", "err_{b}"),
    ("{b}", "err_{b}"),
    ("{b}", "{b}_err"),
    ("mag_{b}", "mag_err_{b}"),
)
#: Spectroscopic-redshift column names recognised without options (SkyServer joins call it ``redshift``).
KNOWN_Z_NAMES: tuple[str, ...] = ("redshift", "zspec", "z_spec", "specz", "spec_z", "Z", "z")


def _lookup(columns: Sequence[str]) -> dict[str, str]:
    """Map every case-folded column name to the real one (the first wins)."""
    out: dict[str, str] = {}
    for c in columns:
        out.setdefault(str(c).casefold(), str(c))
    return out


def _find(name: str, columns: Sequence[str]) -> str | None:
    if name in columns:
        return name
    return _lookup(columns).get(name.casefold())


def detect_columns(columns: Sequence[str], *, bands: str | Sequence[str] = BANDS, mag: str | None = None,
                   err: str | None = None, z: str | None = None, need_z: bool = True) -> Columns:
    """Decide which columns of a table hold the magnitudes, errors and redshift.

    ``mag``/``err`` are patterns with ``{b}`` for the band letter as written in
    ``bands`` (``"mag_{b}"``); names match case-insensitively (the exact spelling
    first). Patterns left ``None`` are found among :data:`KNOWN_SCHEMES`, the
    redshift among :data:`KNOWN_Z_NAMES` (never a column already used for a
    magnitude, so SkyServer's ``z`` band is not taken for a redshift).
    Raises ``ValueError`` naming the table's columns and the option to set.
    """
    bands = tuple(bands)
    if len(bands) < 2 or len(set(bands)) != len(bands):
        raise ValueError(f"need at least two distinct band letters, got {''.join(bands)!r}")
    if (mag is None) != (err is None):
        raise ValueError("give the magnitude and error column patterns together (--mag-col and --err-col), or "
                         "neither to recognise SDSS/CasJobs/ANNZ names")
    cols = [str(c) for c in columns]
    schemes = [(mag, err)] if mag is not None else list(KNOWN_SCHEMES)
    chosen = None
    for m, e in schemes:
        names = _fill(m, bands) + _fill(e, bands)
        found = [_find(c, cols) for c in names]
        if all(found) and len(set(found)) == len(found):
            chosen = found
            break
    if chosen is None:
        if mag is not None:
            lacking = [c for c in _fill(mag, bands) + _fill(err, bands) if not _find(c, cols)]
            raise ValueError(f"missing column(s) {lacking}; the table has {cols[:20]}. "
                             "Set --mag-col/--err-col to patterns with {b}, e.g. --mag-col 'mag_{b}'")
        tried = ", ".join(f"{m}/{e}" for m, e in schemes)
        raise ValueError(f"no magnitude/error columns found for bands {''.join(bands)} (tried {tried}); the table "
                         f"has {cols[:20]}. Name them with --mag-col and --err-col, e.g. --mag-col 'mag_{{b}}'")
    mags, errs = tuple(chosen[: len(bands)]), tuple(chosen[len(bands):])
    used = set(chosen)
    if z is not None and z != "":
        z_col = _find(z, cols)
        if z_col is None and need_z:
            raise ValueError(f"missing redshift column {z!r}; the table has {cols[:20]}. Set --z-col")
    elif z == "":
        z_col = None
    else:
        z_col = next((_find(n, cols) for n in KNOWN_Z_NAMES if _find(n, cols) and _find(n, cols) not in used), None)
        if z_col is None and need_z:
            raise ValueError(f"no spectroscopic redshift column found (tried {', '.join(KNOWN_Z_NAMES)}); the "
                             f"table has {cols[:20]}. Name it with --z-col")
    if z_col is not None and z_col in used:
        raise ValueError(f"column {z_col!r} is used both as a magnitude/error and as the redshift; set --z-col")
    return Columns(mags, errs, z_col, bands)


def _read_table(path: Path):
    import pandas as pd

    try:
        with open(path) as fh:
            first = fh.readline().strip()
        if first.startswith("#"):
            # ANNZ style "#F:MAG_U;F:MAGERR_U;...;D:Z" or a commented CSV header
            body = first.lstrip("#").strip()
            sep = ";" if ";" in body else ","
            names = [n.split(":")[-1].strip() for n in body.split(sep)]
            return pd.read_csv(path, comment="#", header=None, names=names, skipinitialspace=True)
        return pd.read_csv(path, skipinitialspace=True)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: not a readable CSV table ({type(exc).__name__}: {str(exc)[:100]})") from None


def check_redshifts(z: np.ndarray, column: str = "z") -> None:
    """Refuse a training redshift column that cannot be spectroscopic redshifts (ValueError, one line).

    Refused: NaN/inf, values below ``Z_PLAUSIBLE[0]`` (negative beyond a star's
    scatter) or above ``Z_PLAUSIBLE[1]``, and a constant column.
    """
    z = np.asarray(z, float)
    if z.size == 0:
        raise ValueError(f"redshift column {column!r} is empty")
    bad = ~np.isfinite(z)
    if bad.any():
        raise ValueError(f"redshift column {column!r} has NaN/inf values (rows {np.flatnonzero(bad)[:5].tolist()}); "
                         "remove those rows")
    lo, hi = Z_PLAUSIBLE
    if (z < lo).any():
        rows = np.flatnonzero(z < lo)
        raise ValueError(f"redshift column {column!r} has {rows.size} value(s) below {lo} (min {z.min():.3g}, rows "
                         f"{rows[:5].tolist()}): redshifts are not negative; is {column!r} the spectroscopic redshift?")
    if (z > hi).any():
        rows = np.flatnonzero(z > hi)
        raise ValueError(f"redshift column {column!r} has {rows.size} value(s) above {hi} (max {z.max():.3g}, rows "
                         f"{rows[:5].tolist()}): not galaxy redshifts; is {column!r} a magnitude? Set --z-col")
    if np.ptp(z) == 0:
        raise ValueError(f"redshift column {column!r} is constant ({z[0]:.4g} in every row): nothing to learn; "
                         "is it the spectroscopic redshift?")


def read_photometry(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    mag: str | None = None,
    err: str | None = None,
    z: str | None = None,
    bands: str | Sequence[str] = BANDS,
    require_z: bool = True,
    z_min: float | None = None,
    bad_mag: float = 90.0,
    missing: str = "drop",
    fill_error: float = 1.0,
    report: dict | None = None,
) -> PhotometryCatalog:
    """Read one or more CSV files into a :class:`PhotometryCatalog`.

    Parameters
    ----------
    paths:
        A file or a list of files with the same columns (concatenated in order).
    mag, err, z, bands:
        Column patterns and band letters (:func:`detect_columns`); ``None`` recognises SDSS SkyServer,
        CasJobs and ANNZ names.
    require_z:
        True for training tables (the redshift column must exist and pass
        :func:`check_redshifts`); False for prediction (z is NaN where absent).
    z_min:
        Drop rows with ``z < z_min`` (e.g. 0.005: stars and failed redshifts).
    bad_mag, missing, fill_error:
        Sentinel threshold and the policy for bad values (module docstring).
    report:
        If a dict is given, it receives ``n_read``, ``n_bad``, ``n_low_z``, ``columns``
        and ``kept_rows`` (indices of the rows returned) and ``bad_rows``.
    """
    if missing not in {"drop", "fill", "raise", "keep"}:
        raise ValueError(f"missing must be 'drop', 'fill' or 'raise', got {missing!r}")
    import pandas as pd

    path_list = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not path_list:
        raise ValueError("no files given")
    frames = []
    for p in path_list:
        p = Path(p)
        if not p.is_file():
            raise FileNotFoundError(f"photometry table {p} does not exist" if not p.exists() else f"{p} is not a file")
        frames.append(_read_table(p))
    df = pd.concat(frames, ignore_index=True)
    if len(df) == 0:
        raise ValueError(f"{path_list[0]}: the table has no rows")
    columns = detect_columns(list(df.columns), bands=bands, mag=mag, err=err, z=z, need_z=require_z)
    stats: dict = {"n_read": len(df), "n_bad": 0, "n_low_z": 0,
                   "columns": {"mag": list(columns.mags), "err": list(columns.errs), "z": columns.z}}
    try:
        mag = df[list(columns.mags)].apply(pd.to_numeric, errors="raise").to_numpy(float)
        err = df[list(columns.errs)].apply(pd.to_numeric, errors="raise").to_numpy(float)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"magnitude/error columns are not numeric: {exc}") from None
    has_z = columns.z is not None
    if has_z:
        try:
            z = pd.to_numeric(df[columns.z], errors="raise").to_numpy(float)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"redshift column {columns.z!r} is not numeric: {exc}") from None
    else:
        z = np.full(len(df), np.nan)
    if has_z and require_z:
        check_redshifts(z, columns.z)

    bad = ~np.isfinite(mag) | (np.abs(mag) >= bad_mag) | ~np.isfinite(err) | (err <= 0)
    row_bad = bad.any(axis=1)
    stats["n_bad"] = int(row_bad.sum())
    stats["bad_rows"] = np.flatnonzero(row_bad)
    if row_bad.any():
        if missing == "raise":
            rows, cols = np.nonzero(bad)
            names = sorted({list(columns.mags)[c] for c in cols})
            raise ValueError(
                f"{row_bad.sum()} rows have missing or non-detected magnitudes (|mag| >= {bad_mag}, NaN, or "
                f"error <= 0) in {names}, e.g. rows {sorted(set(rows.tolist()))[:5]}; use missing='drop' or 'fill'"
            )
        if missing == "fill":
            for j in range(mag.shape[1]):
                good = ~bad[:, j]
                if not good.any():
                    raise ValueError(f"column {list(columns.mags)[j]} has no valid value to fill from")
                mag[bad[:, j], j] = np.percentile(mag[good, j], 99)
                err[bad[:, j], j] = fill_error
            row_bad[:] = False
    keep = ~row_bad if missing != "keep" else np.ones(len(df), bool)
    if z_min is not None and has_z:
        low = z < z_min
        stats["n_low_z"] = int((low & keep).sum())
        keep &= ~low
    if report is not None:
        report.update(stats)
        report["kept_rows"] = np.flatnonzero(keep)
    if not keep.any():
        raise ValueError(f"no rows left after removing {stats['n_bad']} with bad magnitudes and "
                         f"{stats['n_low_z']} with z < {z_min}")
    if has_z and require_z:
        check_redshifts(z[keep], columns.z)  # e.g. constant once the bad rows are gone
    return PhotometryCatalog(mag[keep], err[keep], z[keep], tuple(columns.bands))


def load_boss(mode: str | None = None, *, z_min: float = 0.005, n_standin: int = 15000, seed: int = 0,
              train_fraction: float = 0.8, verbose: bool = True):
    """The BOSS DR10 sample as ``(train, test)`` astropy Tables, from whichever tier resolves.

    Real tiers: the four ANNZ2 training files and the two evaluation files, rows with
    ``z < z_min`` or bad magnitudes dropped. Stand-in: ``n_standin`` simulated galaxies
    with ``r < 21.5``, split ``train_fraction`` / rest. Columns ``MAG_U, MAGERR_U, ...,
    MAG_Z, MAGERR_Z, Z`` in every tier; ``meta`` holds ``tier``, ``message`` and ``files``.
    ``verbose`` prints the one-line data-tier message (to stdout; pass False and print
    ``meta["message"]`` yourself where stdout must stay clean, e.g. for ``--json``).
    """
    from coursekit.data import resolve

    r = resolve(DATASET, mode=mode, verbose=False)
    if verbose:
        print(r.message)
    meta = {"dataset": DATASET, "tier": r.tier, "message": r.message}
    if r.is_real:
        annz = {"mag": "MAG_{b}", "err": "MAGERR_{b}", "z": "Z", "z_min": z_min}
        train = read_photometry([r.path(f) for f in BOSS_TRAIN_FILES], **annz)
        test = read_photometry([r.path(f) for f in BOSS_EVAL_FILES], **annz)
        files = [str(p) for p in r.paths]
    else:
        cat = r.generate(n=n_standin, seed=seed)  # the manifest's stand-in: simulate_galaxies(r_limit=21.5)
        train, test = cat.split(train_fraction, seed=seed + 1)
        files = []
    return (train.to_table({**meta, "split": "train", "files": files}),
            test.to_table({**meta, "split": "test", "files": files}))


def features(cat: PhotometryCatalog, *, colours: bool = True, errors: bool = False,
             mag_clip: tuple[float, float] = (10.0, 30.0), err_clip: float = 2.0) -> np.ndarray:
    """Model inputs (n, d): the magnitudes, then adjacent colours (u-g, g-r, ...), then (optionally) log errors.

    With ``colours=True`` and ``errors=False`` this is the nine-feature set
    (5 magnitudes + 4 colours) of the reference measurements. Magnitudes are
    clipped to ``mag_clip`` and errors to ``err_clip`` so that a few absurd
    values (u = 30 with a 40 mag error) cannot dominate the standardisation;
    use ``mag_clip=None`` to see the raw values (the range check of ``predict`` does).
    """
    mag = np.clip(cat.mag, *mag_clip) if mag_clip is not None else np.asarray(cat.mag, float)
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
