"""Readers for the two real tables of notebook 06, and the choice of what to show in each mode.

* Open Exoplanet Catalogue (Rein 2012, arXiv:1211.7121), the ``oec_tables`` CSV.
* Pantheon+SH0ES (Scolnic et al. 2022; Brout et al. 2022), ``Pantheon+SH0ES.dat``.

The readers only read and check; the selections (Hubble flow, complete rows)
are separate functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from astropy import constants as const
from astropy import units as u

from coursekit.config import get_mode
from coursekit.data import DataError, fetch, generate, shared_real_dir

OEC_COLUMNS = ("name", "period", "semimajoraxis", "hoststar_mass")
PANTHEON_COLUMNS = ("zHD", "MU_SH0ES", "MU_SH0ES_ERR_DIAG", "IS_CALIBRATOR")

SPEED_OF_LIGHT_KMS = const.c.to_value(u.km / u.s)


def load_oec(path: str | Path) -> pd.DataFrame:
    """Read the Open Exoplanet Catalogue CSV (period [days], semimajoraxis [AU], hoststar_mass [M_sun]).

    Returns the rows with all three values finite and positive, with columns
    ``name, period_days, a_au, host_mass_msun, list``.

    Raises ``FileNotFoundError`` for a missing file and ``DataError`` for a file
    without the needed columns or with no complete row.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Open Exoplanet Catalogue file not found: {path}")
    try:
        raw = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is not a readable CSV table: {exc}") from exc
    missing = [c for c in OEC_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path} lacks the Open Exoplanet Catalogue column(s) {missing}; "
                        f"expected at least {list(OEC_COLUMNS)}")
    out = pd.DataFrame({
        "name": raw["name"].astype(str),
        "period_days": pd.to_numeric(raw["period"], errors="coerce"),
        "a_au": pd.to_numeric(raw["semimajoraxis"], errors="coerce"),
        "host_mass_msun": pd.to_numeric(raw["hoststar_mass"], errors="coerce"),
        "list": raw["list"].astype(str) if "list" in raw.columns else "",
    })
    num = out[["period_days", "a_au", "host_mass_msun"]].to_numpy()
    ok = np.all(np.isfinite(num) & (num > 0), axis=1)
    if not ok.any():
        raise DataError(f"{path} has no row with period, semi-major axis and host mass all present")
    return out[ok].reset_index(drop=True)


def load_pantheon(path: str | Path) -> pd.DataFrame:
    """Read ``Pantheon+SH0ES.dat`` (whitespace separated) and return its key columns.

    Columns: ``CID`` (if present), ``zHD`` (Hubble-diagram redshift), ``MU_SH0ES``
    (distance modulus [mag], SH0ES-calibrated), ``MU_SH0ES_ERR_DIAG`` [mag],
    ``IS_CALIBRATOR`` (1 for the Cepheid hosts).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Pantheon+ file not found: {path}")
    try:
        raw = pd.read_csv(path, sep=r"\s+")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is not a readable whitespace-separated table: {exc}") from exc
    missing = [c for c in PANTHEON_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path} lacks the Pantheon+ column(s) {missing}; expected {list(PANTHEON_COLUMNS)}")
    cols = (["CID"] if "CID" in raw.columns else []) + list(PANTHEON_COLUMNS)
    out = raw[cols].copy()
    for c in PANTHEON_COLUMNS:
        out[c] = pd.to_numeric(out[c], errors="coerce")
    out = out[np.isfinite(out[list(PANTHEON_COLUMNS)].to_numpy()).all(axis=1)]
    if out.empty:
        raise DataError(f"{path} has no complete row")
    return out.reset_index(drop=True)


def hubble_diagram(table: pd.DataFrame, *, z_min: float = 0.023, z_max: float = 0.1) -> dict[str, u.Quantity]:
    """Velocity ``v = c z`` and luminosity distance ``d_L = 10^((mu - 25)/5)`` Mpc for ``z_min < zHD < z_max``.

    Cepheid calibrator rows are dropped (their ``MU_SH0ES`` is the Cepheid
    distance). The defaults are the Hubble-flow cut of Riess et al. 2022.
    Returns ``{"z": (n,), "v": (n,) km/s, "d": (n,) Mpc, "d_err": (n,) Mpc}``.
    """
    sel = table[(table["IS_CALIBRATOR"] == 0) & (table["zHD"] > z_min) & (table["zHD"] < z_max)]
    if len(sel) < 5:
        raise ValueError(f"only {len(sel)} supernovae with {z_min} < z < {z_max}: widen the range")
    z = sel["zHD"].to_numpy()
    mu = sel["MU_SH0ES"].to_numpy()
    d = 10 ** ((mu - 25) / 5)
    d_err = d * np.log(10) / 5 * sel["MU_SH0ES_ERR_DIAG"].to_numpy()
    return {"z": z, "v": SPEED_OF_LIGHT_KMS * z * u.km / u.s, "d": d * u.Mpc, "d_err": d_err * u.Mpc}


@dataclass(frozen=True)
class Table:
    """A table plus a sentence saying where it came from (printed by the notebook)."""

    data: pd.DataFrame
    source: str
    real: bool


def planets_table(mode: str | None = None) -> Table:
    """Planets with period, semi-major axis and host mass.

    full: the manifest's Open Exoplanet Catalogue (downloaded, sha256-checked);
    reduced: the real sample in ``../shared/data/real`` when present, otherwise
    the eight planets and four Galilean moons typed into the package.
    """
    if get_mode(mode) == "full":
        return Table(load_oec(fetch("open_exoplanet_catalogue")[0]), "Open Exoplanet Catalogue (downloaded)", True)
    shared = shared_real_dir()
    if shared is not None and (shared / "exoplanet_catalogue_oec" / "open_exoplanet_catalogue.csv").exists():
        path = shared / "exoplanet_catalogue_oec" / "open_exoplanet_catalogue.csv"
        return Table(load_oec(path), "Open Exoplanet Catalogue (real sample beside the course)", True)
    return Table(generate("open_exoplanet_catalogue"),
                 "the 8 planets and 4 Galilean moons typed into coursekit (no catalogue here)", False)


def supernova_table(mode: str | None = None) -> Table:
    """Pantheon+SH0ES distances: downloaded (full), the real sample when present (reduced),
    else supernovae simulated from flat LambdaCDM with H0 = 73 (reduced, on a student's machine)."""
    if get_mode(mode) == "full":
        return Table(load_pantheon(fetch("pantheonplus_sh0es")[0]), "Pantheon+SH0ES (downloaded)", True)
    shared = shared_real_dir()
    if shared is not None and (shared / "supernova_hubble_diagram_pantheonplus" / "Pantheon+SH0ES.dat").exists():
        path = shared / "supernova_hubble_diagram_pantheonplus" / "Pantheon+SH0ES.dat"
        return Table(load_pantheon(path), "Pantheon+SH0ES (real sample beside the course)", True)
    return Table(generate("pantheonplus_sh0es"),
                 "supernovae SIMULATED from flat LambdaCDM (H0 = 73, Om = 0.334, 0.15 mag scatter): no Pantheon+ here",
                 False)
