"""Real labelled TCEs from the KOI table (coursekit.transits.koi), on files the tests write and on the real table."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.transits import koi
from coursekit.transits.io import write_kepler_lightcurve
from coursekit.transits.preprocess import phase_fold

HEADER = "# This file was produced by the NASA Exoplanet Archive\n# COLUMN kepid: KepID\n"
COLUMNS = "kepid,kepoi_name,koi_disposition,koi_period,koi_time0bk,koi_duration\n"


def _star(tmp_path, rng, kepid, planets, eb=None):
    """Two quarters of a star with box transits (period, t0, duration [h], depth) and optionally a V-shaped EB."""
    paths = []
    for q, (start, stop) in enumerate([(131.5, 220.0), (224.0, 310.0)], start=2):
        t = np.arange(start, stop, 0.0204336)
        f = 1 + 1e-4 * rng.standard_normal(len(t))
        for period, t0, dur_h, depth in planets:
            f[np.abs(phase_fold(t, period, t0)) < dur_h / 48] -= depth
        if eb is not None:
            period, t0, dur_h, depth = eb
            x = np.abs(phase_fold(t, period, t0)) / (dur_h / 48)
            f -= depth * np.clip(1 - x, 0, None)  # V shape
            f[np.abs(phase_fold(t, period, t0 + period / 2)) < dur_h / 48] -= 0.5 * depth  # secondary eclipse
        paths.append(write_kepler_lightcurve(tmp_path / f"kplr{kepid:09d}-q{q}_llc.fits", t, 1e4 * f, kepid=kepid, quarter=q))
    return paths


@pytest.fixture
def koi_files(tmp_path, rng):
    # star 1001: two planets, the second on the same period half an orbit later (it would look like a secondary eclipse)
    files = {1001: _star(tmp_path, rng, 1001, [(5.3, 133.0, 3.0, 8e-4), (5.3, 135.65, 5.0, 1.5e-3)]),
             1002: _star(tmp_path, rng, 1002, [], eb=(3.1, 132.2, 4.0, 6e-3))}
    table = tmp_path / "koi.csv"
    table.write_text(HEADER + COLUMNS + "1001,K00001.01,CONFIRMED,5.3,133.0,3.0\n1001,K00001.02,CANDIDATE,5.3,135.65,5.0\n"
                     "1002,K00002.01,FALSE POSITIVE,3.1,132.2,4.0\n1003,K00003.01,CONFIRMED,,,\n")
    return table, files


def test_read_and_select(koi_files, tmp_path):
    table, _ = koi_files
    t = koi.read_koi_table(table)
    assert len(t) == 4 and t["koi_period"].isna().sum() == 1
    sel = koi.select_kois(t, n=4, seed=0)
    assert sorted(sel["kepoi_name"]) == ["K00001.01", "K00002.01"]  # CANDIDATE and NaN ephemeris dropped
    assert dict(zip(sel["kepoi_name"], sel["label"])) == {"K00001.01": 1, "K00002.01": 0}
    with_candidates = koi.select_kois(t, n=4, planet=("CONFIRMED", "CANDIDATE"))
    assert len(with_candidates) == 3
    (tmp_path / "bad.csv").write_text(HEADER + "kepid,period\n1,2\n")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['kepoi_name'"):
        koi.read_koi_table(tmp_path / "bad.csv")
    with pytest.raises(FileNotFoundError, match="data fetch kepler_koi_cumulative"):
        koi.read_koi_table(tmp_path / "none.csv")


def test_dataset_views_labels_and_masking(koi_files):
    table, files = koi_files
    kois = koi.select_kois(koi.read_koi_table(table), n=4, planet=("CONFIRMED", "CANDIDATE"))
    ds = koi.koi_dataset(kois, loader=lambda kepid: files[kepid], progress=False)
    assert ds.global_view.shape == (3, 2001) and ds.local_view.shape == (3, 201)
    order = list(ds.params["kepoi_name"])
    assert ds.label[order.index("K00002.01")] == 0 and ds.label[order.index("K00001.01")] == 1
    assert ds.params["duration"][order.index("K00001.02")] == pytest.approx(5.0 / 24)
    # each view dips at its own transit (normalised: centre of the local view near -1)
    assert np.all(ds.local_view[:, 100] < -0.5)
    # the other planet of star 1001 is masked: K00001.01's global view has one dip, at phase 0, 3 h of 5.3 d wide
    g = ds.global_view[order.index("K00001.01")]
    dip = np.flatnonzero(g < -0.5)
    assert g[1000] < -0.5 and np.abs(dip - 1000).max() <= 0.07 / 5.3 * 2001
    for name in ("K00001.01", "K00001.02"):  # unmasked, the sibling would sit at phase 0.5 like a secondary eclipse
        assert ds.vetting["secondary_sigma"][order.index(name)] < 3
    # the eclipsing binary shows a secondary eclipse the planets do not
    assert ds.vetting["secondary_sigma"][order.index("K00002.01")] > 5


def test_bad_stars_are_skipped_by_name(koi_files, tmp_path):
    table, files = koi_files
    kois = koi.select_kois(koi.read_koi_table(table), n=4)
    broken = tmp_path / "kplr000001002-broken_llc.fits"
    broken.write_bytes(b"not a fits file")
    with pytest.warns(UserWarning, match="KIC 1002"):
        ds = koi.koi_dataset(kois, loader=lambda k: [broken] if k == 1002 else files[k], progress=False)
    assert list(ds.params["kepid"]) == [1001]
    with pytest.raises(RuntimeError, match="no KOI light curve could be used"), pytest.warns(UserWarning):
        koi.koi_dataset(kois, loader=lambda k: [broken], progress=False)
    with pytest.raises(ValueError, match="label"):
        koi.koi_dataset(kois.drop(columns="label"), loader=lambda k: files[k])


@pytest.mark.shared_data
def test_real_koi_table_and_kepler90(shared_real):
    """The real DR25 cumulative table: dispositions, and Kepler-90's KOIs folded on the real Q3-Q5 files."""
    root = shared_real / "kepler_lightcurves"
    t = koi.read_koi_table(root / "koi_catalog" / "cumulative_koi_2019-01-20.csv")
    assert len(t) > 9000
    counts = t["koi_disposition"].value_counts()
    assert counts["CONFIRMED"] > 2000 and counts["FALSE POSITIVE"] > 4000
    k90 = t[t["kepid"] == 11442793].copy()
    assert len(k90) == 7
    k90["label"] = 1
    k90 = k90[k90["kepoi_name"].isin(["K00351.03", "K00351.04"])]  # d (59.7 d) and e (91.9 d)
    files = sorted((root / "kepler90_KIC11442793").glob("*llc.fits"))
    ds = koi.koi_dataset(k90, loader=lambda kepid: files, progress=False)
    assert len(ds) == 2 and np.all(ds.vetting["snr"] > 7)
    assert np.all(ds.local_view[:, 95:106].min(axis=1) < -0.5)


def test_workflow_trains_on_kois_from_the_manifest_table(koi_files, monkeypatch):
    """Full mode's path: manifest KOI table -> views -> the same CNN training and scoring as the simulations."""
    import coursekit.data
    from coursekit.transits import workflow
    from coursekit.transits.model import CNNConfig, predict_proba, train_classifier

    table, files = koi_files
    monkeypatch.setattr(coursekit.data, "fetch", lambda name: [table] if name == "kepler_koi_cumulative" else 1 / 0)
    ds = workflow.koi_tces(n=4, loader=lambda k: files[k])
    assert sorted(ds.params["kepoi_name"]) == ["K00001.01", "K00002.01"]
    small = CNNConfig(global_channels=(4,), local_channels=(4,), fc=(8,))
    model, hist = train_classifier(ds, ds, config=small, epochs=1, batch_size=2, progress=False)
    p = predict_proba(model, ds)
    assert p.shape == (2,) and np.all((p >= 0) & (p <= 1)) and len(hist.train_loss) == 1


def test_mast_loader_uses_the_cache_offline(tmp_path, rng, monkeypatch, no_network):
    """Light curves already in the cache are found without the network; an uncached star fails fast, named."""
    from coursekit.data import OfflineError

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "kepler_mast" / "mastDownload" / "Kepler" / "kplr000001001_lc_Q111"
    folder.mkdir(parents=True)
    written = _star(folder, rng, 1001, [(5.3, 133.0, 3.0, 8e-4)])
    assert koi.mast_loader(1001) == sorted(written)
    with pytest.raises(OfflineError, match="KIC 1002"):
        koi.mast_loader(1002)
