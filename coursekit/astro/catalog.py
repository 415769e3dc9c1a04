"""Predictions -> FITS binary table with units, metadata and provenance, and back.

A catalogue that leaves the notebook must say what it is: every column carries its
unit (``TUNITn``), and the header records the model, its version, the date, the code
version and where the input came from (file name and SHA-256 of the image), so a
reader can tell months later how each number was made. :func:`read_predictions`
checks those keywords and units on the way back in, and refuses files that lack them.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import Table

#: Header keywords every predictions file carries (FITS keywords: at most 8 characters).
REQUIRED_META = ("MODEL", "MODELVER", "DATE", "CREATOR", "SOURCE", "PROVENAN")
#: Required columns and their units (None = dimensionless).
REQUIRED_COLUMNS: dict[str, u.UnitBase | None] = {
    "id": None,
    "ra": u.deg,
    "dec": u.deg,
    "p_galaxy": None,
}


def predictions_table(catalog: Table, p_galaxy: np.ndarray, *, model: str, model_version: str, source: str,
                      provenance: str, threshold: float = 0.5, extra_meta: dict | None = None,
                      date: str | None = None) -> Table:
    """A predictions table: the catalogue's ``id``/``ra``/``dec`` (and any ``x``, ``y``, ``flux``,
    ``flux_err``, ``snr``, ``fwhm`` columns, with units) plus ``p_galaxy`` and ``class`` ('star'/'galaxy').

    Parameters
    ----------
    catalog:
        Detections with at least ``id``, ``ra``, ``dec``.
    p_galaxy:
        (n,) probabilities in [0, 1].
    model, model_version:
        Name and version string of the model that made the predictions.
    source:
        The input image (file name or description); ``provenance``: how the catalogue was made
        (e.g. detection settings, training data), one line.
    date:
        ISO-8601 UTC timestamp; default: now.
    """
    p = np.asarray(p_galaxy, float).reshape(-1)
    if len(p) != len(catalog):
        raise ValueError(f"p_galaxy has {len(p)} values for a catalogue of {len(catalog)} rows")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("p_galaxy must lie in [0, 1] (apply a sigmoid/softmax to logits first)")
    for col in ("id", "ra", "dec"):
        if col not in catalog.colnames:
            raise KeyError(f"catalog needs an {col!r} column (detect() with a wcs provides ra/dec)")
    if not model or not model_version:
        raise ValueError("model and model_version must be non-empty strings")
    t = Table()
    t["id"] = np.asarray(catalog["id"], np.int64)
    for col, unit in (("ra", u.deg), ("dec", u.deg)):
        c = catalog[col]
        t[col] = (c.quantity.to(unit) if getattr(c, "unit", None) is not None else np.asarray(c, float) * unit)
    for col in ("x", "y", "flux", "flux_err", "snr", "fwhm"):
        if col in catalog.colnames:
            t[col] = catalog[col]
    t["p_galaxy"] = p.astype(np.float32)
    t["class"] = np.where(p >= threshold, "galaxy", "star")
    t.meta["MODEL"] = model
    t.meta["MODELVER"] = str(model_version)
    t.meta["DATE"] = date or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    from coursekit import __version__

    t.meta["CREATOR"] = f"coursekit {__version__} (coursekit.astro.catalog)"
    t.meta["SOURCE"] = str(source)
    t.meta["PROVENAN"] = str(provenance)
    t.meta["THRESH"] = float(threshold)
    for k, v in (extra_meta or {}).items():
        t.meta[str(k).upper()] = v
    return t


def write_predictions(path: str | os.PathLike, table: Table, overwrite: bool = False) -> Path:
    """Write a :func:`predictions_table` as a FITS binary table (extension ``PREDICTIONS``)."""
    missing = [k for k in REQUIRED_META if k not in table.meta]
    if missing:
        raise ValueError(f"table lacks provenance keywords {missing}; build it with predictions_table()")
    path = Path(path)
    from astropy.io import fits

    hdu = fits.table_to_hdu(table)
    hdu.name = "PREDICTIONS"
    hdu.header.add_comment("p_galaxy: model probability that the source is a galaxy; class: p_galaxy >= THRESH")
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path, overwrite=overwrite)
    return path


def read_predictions(path: str | os.PathLike) -> Table:
    """Read a predictions file back, checking the provenance keywords, the columns and their units."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"predictions file not found: {path}")
    try:
        t = Table.read(path, hdu="PREDICTIONS")
    except (KeyError, OSError, ValueError) as exc:
        raise ValueError(f"{path} has no readable PREDICTIONS table ({exc})") from exc
    missing = [k for k in REQUIRED_META if k not in t.meta]
    if missing:
        raise ValueError(f"{path}: missing provenance keywords {missing}")
    for col, unit in REQUIRED_COLUMNS.items():
        if col not in t.colnames:
            raise ValueError(f"{path}: missing column {col!r}")
        got = t[col].unit
        if unit is not None and (got is None or u.Unit(got) != unit):
            raise ValueError(f"{path}: column {col!r} has unit {got}, expected {unit}")
    return t


def tables_equal(a: Table, b: Table, rtol: float = 1e-6) -> bool:
    """Same columns, units and values (float columns to ``rtol``; strings exactly)."""
    if a.colnames != b.colnames or len(a) != len(b):
        return False
    for c in a.colnames:
        if (a[c].unit or None) != (b[c].unit or None):
            return False
        va, vb = np.asarray(a[c]), np.asarray(b[c])
        if va.dtype.kind in "fc":
            if not np.allclose(va, vb, rtol=rtol, equal_nan=True):
                return False
        elif not np.array_equal(va.astype(str) if va.dtype.kind in "SU" else va,
                                vb.astype(str) if vb.dtype.kind in "SU" else vb):
            return False
    return True
