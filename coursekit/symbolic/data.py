"""The two real tables of the lesson, resolved through the manifest, as astropy tables with units.

* Open Exoplanet Catalogue (Rein 2012, arXiv:1211.7121), data set ``open_exoplanet_catalogue``.
* Pantheon+SH0ES (Scolnic et al. 2022; Brout et al. 2022), data set ``pantheonplus_sh0es``.

:func:`load_planets` and :func:`load_supernovae` return the same ``QTable``
layout from every tier (the real sample or full file, or the stand-in: the
Solar System and Galilean moons, or supernovae simulated from flat LambdaCDM),
with ``meta["tier"]`` and ``meta["message"]`` (the one line of
:func:`coursekit.data.resolve`). The readers only read and check; the
selections (Hubble flow, complete rows) are separate functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy import constants as const
from astropy import units as u
from astropy.table import QTable

from coursekit.data import DataError, resolve

OEC_COLUMNS = ("name", "period", "semimajoraxis", "hoststar_mass")
PANTHEON_COLUMNS = ("zHD", "MU_SH0ES", "MU_SH0ES_ERR_DIAG", "IS_CALIBRATOR")
OEC_FILE = "open_exoplanet_catalogue.csv"
PANTHEON_FILE = "Pantheon+SH0ES.dat"

SPEED_OF_LIGHT_KMS = const.c.to_value(u.km / u.s)


def _read_text_table(path: Path, what: str, **kwargs):
    import pandas as pd

    if not path.exists():
        raise FileNotFoundError(f"{what} file not found: {path}")
    try:
        return pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is not a readable {what} table: {exc}") from exc


def read_oec(path: str | Path) -> QTable:
    """Read the Open Exoplanet Catalogue CSV into a ``QTable``.

    Returns the rows with period, semi-major axis and host mass all finite and
    positive, with columns ``name``, ``period`` [day], ``semimajoraxis`` [AU],
    ``hoststar_mass`` [M_sun] and ``list`` (the catalogue's lists, e.g.
    ``Confirmed planets``).

    Raises ``FileNotFoundError`` for a missing file and ``DataError`` for a file
    without the needed columns or with no complete row.
    """
    import pandas as pd

    path = Path(path)
    raw = _read_text_table(path, "Open Exoplanet Catalogue")
    missing = [c for c in OEC_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path} lacks the Open Exoplanet Catalogue column(s) {missing}; "
                        f"expected at least {list(OEC_COLUMNS)}")
    num = np.column_stack([pd.to_numeric(raw[c], errors="coerce").to_numpy(float)
                           for c in ("period", "semimajoraxis", "hoststar_mass")])
    ok = np.all(np.isfinite(num) & (num > 0), axis=1)
    if not ok.any():
        raise DataError(f"{path} has no row with period, semi-major axis and host mass all present")
    lists = raw["list"].fillna("").astype(str) if "list" in raw.columns else pd.Series([""] * len(raw))
    return QTable({"name": raw["name"].astype(str).to_numpy()[ok], "period": num[ok, 0] * u.day,
                   "semimajoraxis": num[ok, 1] * u.AU, "hoststar_mass": num[ok, 2] * u.M_sun,
                   "list": lists.to_numpy()[ok]})


def read_pantheon(path: str | Path) -> QTable:
    """Read ``Pantheon+SH0ES.dat`` (whitespace separated) into a ``QTable`` of its key columns.

    Columns: ``CID`` (if present), ``zHD`` (Hubble-diagram redshift), ``MU_SH0ES``
    (distance modulus [mag], SH0ES-calibrated), ``MU_SH0ES_ERR_DIAG`` [mag],
    ``IS_CALIBRATOR`` (1 for the Cepheid hosts). Rows with a missing value are dropped.
    """
    import pandas as pd

    path = Path(path)
    raw = _read_text_table(path, "Pantheon+", sep=r"\s+")
    missing = [c for c in PANTHEON_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path} lacks the Pantheon+ column(s) {missing}; expected {list(PANTHEON_COLUMNS)}")
    num = np.column_stack([pd.to_numeric(raw[c], errors="coerce").to_numpy(float) for c in PANTHEON_COLUMNS])
    ok = np.isfinite(num).all(axis=1)
    if not ok.any():
        raise DataError(f"{path} has no complete row")
    cid = raw["CID"].astype(str).to_numpy()[ok] if "CID" in raw.columns else np.arange(ok.sum()).astype(str)
    return QTable({"CID": cid, "zHD": num[ok, 0], "MU_SH0ES": num[ok, 1] * u.mag,
                   "MU_SH0ES_ERR_DIAG": num[ok, 2] * u.mag, "IS_CALIBRATOR": num[ok, 3].astype(int)})


def _with_meta(table: QTable, resolved, source: str) -> QTable:
    table.meta.update({"dataset": resolved.name, "tier": resolved.tier, "message": resolved.message,
                       "source": source})
    return table


def load_planets(mode: str | None = None, *, verbose: bool = True) -> QTable:
    """Planets with period, semi-major axis and host mass (layout of :func:`read_oec`).

    The real Open Exoplanet Catalogue (sample tier in reduced mode, which is the
    whole catalogue; full tier in full mode); without it, the stand-in: the
    eight planets and four Galilean moons typed into coursekit
    (:func:`coursekit.symbolic.simulate.solar_system_table`).
    """
    r = resolve("open_exoplanet_catalogue", mode=mode, verbose=verbose)
    if r.is_real:
        return _with_meta(read_oec(r.path(OEC_FILE)), r, f"Open Exoplanet Catalogue ({r.tier} tier)")
    return _with_meta(QTable(r.generate()), r, "stand-in: the 8 planets and 4 Galilean moons typed into coursekit")


def load_supernovae(mode: str | None = None, *, verbose: bool = True) -> QTable:
    """Type Ia supernova distance moduli (layout of :func:`read_pantheon`).

    The real Pantheon+SH0ES table (sample tier in reduced mode, which is the whole
    table; full tier in full mode); without it, the stand-in: supernovae
    simulated from flat LambdaCDM with H0 = 73, Om = 0.334
    (:func:`coursekit.symbolic.simulate.simulate_supernovae`).
    """
    r = resolve("pantheonplus_sh0es", mode=mode, verbose=verbose)
    if r.is_real:
        return _with_meta(read_pantheon(r.path(PANTHEON_FILE)), r, f"Pantheon+SH0ES ({r.tier} tier)")
    return _with_meta(QTable(r.generate()), r,
                      "stand-in: supernovae SIMULATED from flat LambdaCDM (H0 = 73, Om = 0.334, 0.15 mag scatter)")


def hubble_diagram(table: QTable, *, z_min: float = 0.023, z_max: float = 0.1) -> dict[str, u.Quantity]:
    """Velocity ``v = c z`` and luminosity distance ``d_L = 10^((mu - 25)/5)`` Mpc for ``z_min < zHD < z_max``.

    Cepheid calibrator rows are dropped (their ``MU_SH0ES`` is the Cepheid
    distance). The defaults are the Hubble-flow cut of Riess et al. 2022.
    Returns ``{"z": (n,), "v": (n,) km/s, "d": (n,) Mpc (luminosity distance), "d_err": (n,) Mpc}``.
    """
    if not 0 <= z_min < z_max:
        raise ValueError(f"need 0 <= z_min < z_max, got z_min={z_min}, z_max={z_max}")
    z_all = np.asarray(table["zHD"], dtype=float)
    sel = (np.asarray(table["IS_CALIBRATOR"]) == 0) & (z_all > z_min) & (z_all < z_max)
    if sel.sum() < 5:
        raise ValueError(f"only {int(sel.sum())} supernovae with {z_min} < z < {z_max}: widen the range")
    z = z_all[sel]
    mu = u.Quantity(table["MU_SH0ES"][sel], u.mag).value
    mu_err = u.Quantity(table["MU_SH0ES_ERR_DIAG"][sel], u.mag).value
    d = 10 ** ((mu - 25) / 5)
    d_err = d * np.log(10) / 5 * mu_err
    return {"z": z, "v": SPEED_OF_LIGHT_KMS * z * u.km / u.s, "d": d * u.Mpc, "d_err": d_err * u.Mpc}
