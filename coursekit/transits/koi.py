"""Real labelled TCEs from the Kepler KOI table: dispositions + light curves -> a :class:`TransitDataset`.

Shallue & Vanderburg (2018) trained on the DR24 Threshold-Crossing Events labelled by the
Autovetter training set. The closest labelled set that is one small file is the NASA Exoplanet
Archive's cumulative KOI table (DR25, Thompson et al. 2018, in ``data_manifest.yaml`` as
``kepler_koi_cumulative``): every Kepler Object of Interest with its ephemeris and an
Exoplanet Archive disposition. Here CONFIRMED (and optionally CANDIDATE) KOIs are planets
(label 1) and FALSE POSITIVE KOIs are not (label 0): a harder, more honest task than DR24's,
since every KOI already passed the Kepler pipeline's own cuts.

The light curves come from MAST through lightkurve (full mode; cached after the first
download), or from any ``loader(kepid) -> list of _llc.fits paths`` you pass, e.g. files
you downloaded by hand. Each KOI gets the same global/local views and vetting statistics as
the simulated TCEs (:func:`coursekit.transits.pipeline.views_and_vetting`), with the other
KOIs of the same star masked out.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

#: Columns the KOI table must have (Exoplanet Archive names); duration in hours, epoch in BKJD.
REQUIRED_COLUMNS = ("kepid", "kepoi_name", "koi_disposition", "koi_period", "koi_time0bk", "koi_duration")
PLANET = ("CONFIRMED",)
FALSE_POSITIVE = ("FALSE POSITIVE",)


def read_koi_table(path: str | os.PathLike):
    """The cumulative KOI table (CSV with ``#`` comment lines) as a pandas DataFrame.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the missing
    columns when the file is not a KOI table.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"KOI table {path} does not exist (full mode: `python -m coursekit data fetch "
                                "kepler_koi_cumulative`)")
    try:
        table = pd.read_csv(path, comment="#", low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path} is not a readable CSV KOI table: {exc}") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path} is not a KOI table: missing column(s) {missing}")
    return table


def select_kois(table, n: int, *, seed: int = 0, planet: Sequence[str] = PLANET,
                false_positive: Sequence[str] = FALSE_POSITIVE, period_range: tuple[float, float] = (0.8, 200.0),
                max_stars: int | None = None):
    """A random, class-balanced sample of ``n`` KOIs with finite ephemerides in ``period_range`` (days).

    Adds a ``label`` column (1 = planet, 0 = false positive). All KOIs of a chosen star are kept
    together (one light-curve download serves them all), so the sample can be slightly larger than ``n``.
    """
    t = table.copy()
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


def mast_loader(kepid: int, quarters: Sequence[int] = tuple(range(1, 9))) -> list[Path]:
    """Default light-curve source: Kepler long-cadence ``quarters`` of ``KIC kepid`` from MAST (cached).

    Quarters 1-8 (two years, ~3 MB per star) cover every period up to 200 d at least three times.
    Files already in ``cache_dir()/kepler_mast`` are used without touching the network, so a
    classroom cache filled once (``python -m coursekit transits train --data koi ...``) works offline.
    """
    from coursekit.config import cache_dir
    from coursekit.transits.io import download_kepler_lightcurves

    cached = sorted((cache_dir() / "kepler_mast").rglob(f"kplr{int(kepid):09d}-*llc.fits"))
    if cached:
        return cached
    return download_kepler_lightcurves(f"KIC {int(kepid)}", quarters=quarters)


def koi_dataset(kois, *, loader: Callable[[int], Sequence[str | os.PathLike]] | None = None,
                progress: bool | None = None):
    """Views and vetting statistics of each KOI at its catalogue ephemeris, as a :class:`TransitDataset`.

    ``kois``: a DataFrame from :func:`select_kois` (needs a ``label`` column). ``loader(kepid)``
    returns the star's ``_llc.fits`` files (default :func:`mast_loader`). Stars whose files cannot
    be fetched or read are skipped with a warning naming them (one bad download does not cost the
    rest); if none is left, ``RuntimeError`` says why. ``params`` holds kepid, KOI name, disposition,
    period [d], t0 [BKJD] and duration [d] per row.
    """
    from tqdm.auto import tqdm

    from coursekit.config import show_progress
    from coursekit.data import OfflineError
    from coursekit.transits.io import KeplerFileError, read_kepler_lightcurves
    from coursekit.transits.pipeline import views_and_vetting
    from coursekit.transits.preprocess import phase_fold
    from coursekit.transits.simulate import TransitDataset
    from coursekit.transits.vetting import stack_statistics

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
            lc = read_kepler_lightcurves(list(loader(int(kepid))))
        except OfflineError:
            raise
        except (FileNotFoundError, KeplerFileError, OSError, ValueError) as exc:
            skipped[int(kepid)] = str(exc).splitlines()[0][:120]
            continue
        ephem = [(float(r.koi_period), float(r.koi_time0bk), float(r.koi_duration) / 24.0) for r in rows.itertuples()]
        for r, (period, t0, duration) in zip(rows.itertuples(), ephem):
            keep = np.ones(len(lc.time), bool)
            for p2, t2, d2 in ephem:  # the star's other KOIs would pollute this one's views
                if (p2, t2) != (period, t0):
                    keep &= np.abs(phase_fold(lc.time, p2, t2)) > d2
            try:
                g, loc, st = views_and_vetting(lc.time, lc.flux, period, t0, duration, keep=keep)
            except ValueError as exc:
                skipped[int(kepid)] = f"{r.kepoi_name}: {exc}"[:120]
                continue
            gv.append(g)
            lv.append(loc)
            labels.append(int(r.label))
            stats.append(st)
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
