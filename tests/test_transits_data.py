"""coursekit.transits.data: Kepler _llc.fits through lightkurve (files written here in the real schema), duplicate
cadences, the manifest's Kepler-90 and KOI table through resolve, labelled KOIs from the table."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.transits.data import (
    KEPLER90_PLANETS,
    KeplerFileError,
    kepler90_koi_table,
    known_planets,
    koi_dataset,
    lc_arrays,
    make_lightcurve,
    read_kepler_lightcurve,
    read_kepler_lightcurves,
    read_koi_table,
    remove_duplicate_cadences,
    select_kois,
    write_kepler_lightcurve,
)
from coursekit.transits.preprocess import phase_fold


def _quarter(tmp_path, name, t_start, level, *, kepid=11442793, quarter=3, n=200, seed=0):
    rng = np.random.default_rng(seed)
    time = t_start + 0.0204 * np.arange(n)
    flux = level * (1 + 1e-3 * rng.standard_normal(n))
    quality = np.zeros(n, dtype=np.int32)
    quality[10:15] = 16  # flagged cadences (bit 5: a reaction-wheel desaturation)
    flux[30:33] = np.nan
    path = write_kepler_lightcurve(tmp_path / name, time, flux, flux_err=np.full(n, level * 1e-3),
                                   quality=quality, kepid=kepid, quarter=quarter)
    return path, time, flux, quality


def test_single_quarter_keeps_good_cadences_and_normalises(tmp_path):
    import lightkurve as lk

    path, time, flux, quality = _quarter(tmp_path, "kplr1_llc.fits", 260.0, 5.0e4)
    lc = read_kepler_lightcurve(path)
    assert isinstance(lc, lk.LightCurve)
    good = np.isfinite(flux) & (quality == 0)
    t, f = lc_arrays(lc)
    assert len(lc) == good.sum() == 200 - 5 - 3
    np.testing.assert_allclose(np.median(f), 1.0, atol=1e-12)
    np.testing.assert_allclose(f, flux[good].astype(np.float32) / np.median(flux[good].astype(np.float32)), rtol=1e-6)
    np.testing.assert_allclose(t, time[good], atol=1e-9)  # BKJD days, as written
    assert np.all(np.diff(t) > 0) and lc.meta["OBJECT"] == "KIC 11442793" and lc.meta["QUARTER"] == 3


def test_quality_bitmask_selects_flags(tmp_path):
    path, *_ = _quarter(tmp_path, "kplr1_llc.fits", 260.0, 5.0e4)
    # bit 16 is not in the mask 1|2|4|8, so the 5 flagged cadences are kept
    assert len(read_kepler_lightcurve(path, quality_bitmask=1 | 2 | 4 | 8)) == 200 - 3
    assert len(read_kepler_lightcurve(path, quality_bitmask="none")) == 200 - 3


def test_stitching_normalises_each_quarter_and_sorts(tmp_path):
    p1, *_ = _quarter(tmp_path, "kplr_q4_llc.fits", 352.0, 2.0e4, quarter=4, seed=1)
    p2, *_ = _quarter(tmp_path, "kplr_q3_llc.fits", 260.0, 5.0e4, quarter=3, seed=2)
    lc = read_kepler_lightcurves([p1, p2])
    t, f = lc_arrays(lc)
    assert len(lc) == 2 * 192
    assert np.all(np.diff(t) > 0)  # sorted although the files were given out of order
    q = np.asarray(lc["quarter"])
    np.testing.assert_allclose(np.median(f[q == 3]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.median(f[q == 4]), 1.0, atol=1e-12)
    assert lc.meta["QUARTERS"] == [4, 3] and lc.meta["DUPLICATES_REMOVED"] == 0
    assert len(read_kepler_lightcurves(tmp_path)) == len(lc)  # a folder works too


def test_a_quarter_given_twice_is_the_same_as_once(tmp_path):
    """Round one stitched duplicated cadences and found 29.89 d instead of 19.89 d; now they are removed."""
    p1, *_ = _quarter(tmp_path, "kplr_q3_llc.fits", 260.0, 5.0e4)
    copy = tmp_path / "copy_of_q3_llc.fits"
    copy.write_bytes(p1.read_bytes())
    once, twice = read_kepler_lightcurves([p1]), read_kepler_lightcurves([p1, copy])
    assert twice.meta["DUPLICATES_REMOVED"] == len(once)
    np.testing.assert_array_equal(lc_arrays(once)[0], lc_arrays(twice)[0])
    np.testing.assert_array_equal(lc_arrays(once)[1], lc_arrays(twice)[1])


def test_overlapping_cadences_without_cadence_numbers_are_removed():
    lc = make_lightcurve(np.r_[np.arange(10.0), np.arange(5.0, 15.0)] * 0.0204, np.ones(20))
    out = remove_duplicate_cadences(lc)
    assert len(out) == 15 and out.meta["DUPLICATES_REMOVED"] == 5


def test_all_nan_flux_and_no_usable_cadences_are_clear_errors(tmp_path):
    path = write_kepler_lightcurve(tmp_path / "nan_llc.fits", np.arange(10.0), np.full(10, np.nan))
    with pytest.raises(KeplerFileError, match="no usable cadences"):
        read_kepler_lightcurve(path)
    path = write_kepler_lightcurve(tmp_path / "flag_llc.fits", np.arange(10.0), np.ones(10),
                                   quality=np.full(10, 128, dtype=np.int32))
    with pytest.raises(KeplerFileError, match="no usable cadences"):
        read_kepler_lightcurve(path)


def test_wrong_format_errors(tmp_path):
    from astropy.io import fits

    text = tmp_path / "notes_llc.fits"
    text.write_text("this is not a FITS file")
    with pytest.raises(KeplerFileError, match="not a FITS file"):
        read_kepler_lightcurve(text)
    image = tmp_path / "image.fits"
    fits.HDUList([fits.PrimaryHDU(np.zeros((4, 4)))]).writeto(image)
    with pytest.raises(KeplerFileError, match="no LIGHTCURVE extension"):
        read_kepler_lightcurve(image)
    table = tmp_path / "table.fits"
    cols = [fits.Column(name="TIME", format="D", array=np.arange(5.0))]
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols, name="LIGHTCURVE")]).writeto(table)
    with pytest.raises(KeplerFileError, match=r"lacks column\(s\) \['PDCSAP_FLUX'\]"):
        read_kepler_lightcurve(table)
    with pytest.raises(FileNotFoundError, match="no such light-curve file"):
        read_kepler_lightcurve(tmp_path / "missing_llc.fits")


def test_different_stars_are_not_stitched(tmp_path):
    p1, *_ = _quarter(tmp_path, "a_llc.fits", 260.0, 5.0e4, kepid=1)
    p2, *_ = _quarter(tmp_path, "b_llc.fits", 352.0, 5.0e4, kepid=2)
    with pytest.raises(KeplerFileError, match="different stars"):
        read_kepler_lightcurves([p1, p2])
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no \\*llc.fits files"):
        read_kepler_lightcurves(empty)


def test_make_lightcurve_round_trip_and_checks():
    t = 300 + np.arange(5.0)
    lc = make_lightcurve(t, np.ones(5), target="x")
    back_t, back_f = lc_arrays(lc)
    np.testing.assert_allclose(back_t, t, atol=1e-9)
    assert lc.time.format == "bkjd" and lc.meta["OBJECT"] == "x"
    with pytest.raises(ValueError, match="same length"):
        make_lightcurve(np.arange(3.0), np.ones(2))


# ---------------------------------------------------------------- the manifest's data sets, through resolve

def test_stand_ins_offline(tmp_path, monkeypatch, no_network):
    """With an empty cache and no network both data sets resolve to their stand-ins, in the same types."""
    import lightkurve as lk
    from astropy.table import Table

    from coursekit.transits.data import load_kepler90, load_koi_table

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("COURSEKIT_OFFLINE", "1")
    lc = load_kepler90("reduced")
    assert isinstance(lc, lk.LightCurve) and lc.meta["TIER"] == "stand-in" and "stand-in" in lc.meta["DATA_MESSAGE"]
    table = load_koi_table("reduced")
    assert isinstance(table, Table) and table.meta["TIER"] == "stand-in"
    assert known_planets(table) == dict(sorted(KEPLER90_PLANETS.items(), key=lambda kv: kv[1][0]))


def test_real_kepler90_sample(real_sample):
    """The sample tier: Kepler-90 Q3-Q5 from the verified cache, 9,011 good cadences, h's transit ~8,070 ppm deep."""
    from coursekit.transits.data import load_kepler90

    real_sample("kepler90_lightcurves")
    lc = load_kepler90("reduced")
    t, f = lc_arrays(lc)
    assert lc.meta["TIER"] == "sample" and len(lc) == 9011  # README: SAP_QUALITY == 0 and finite PDCSAP
    assert lc.meta["KEPLERID"] == 11442793 and sorted(set(np.asarray(lc["quarter"]).tolist())) == [3, 4, 5]
    assert 260.2 < t[0] < 260.3 and 537.5 < t[-1] < 538.2
    assert 400 < np.std(f) * 1e6 < 600  # README: rms ~486 ppm
    ph = phase_fold(t, 331.5972732, 140.498929)
    deficit = (np.median(f[np.abs(ph) > 1]) - np.mean(f[np.abs(ph) < 0.2])) * 1e6
    assert 7000 < deficit < 9000


def test_real_koi_table_and_kepler90_views(real_sample):
    """The real DR25 table: dispositions, Kepler-90's KOIs, and d and e folded on the real quarters."""
    from coursekit.transits.data import load_koi_table

    paths = real_sample("kepler90_lightcurves").paths
    real_sample("kepler_koi_cumulative")
    t = load_koi_table("reduced")
    assert len(t) > 9000 and t.meta["TIER"] == "sample"
    disp = np.asarray(t["koi_disposition"]).astype(str)
    assert (disp == "CONFIRMED").sum() > 2000 and (disp == "FALSE POSITIVE").sum() > 4000
    planets = known_planets(t)
    assert planets["Kepler-90 d"][0] == pytest.approx(59.7371443) and "Kepler-90 i" in planets
    k90 = t[np.asarray(t["kepoi_name"]).astype(str) == "K00351.03"].to_pandas()
    k90["label"] = 1
    ds = koi_dataset(k90, loader=lambda kepid: sorted(paths), progress=False)
    assert len(ds) == 1 and ds.vetting["snr"][0] > 7 and ds.local_view[0, 95:106].min() < -0.5


# ---------------------------------------------------------------- labelled KOIs (full mode) on files in the real schema

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
        paths.append(write_kepler_lightcurve(tmp_path / f"kplr{kepid:09d}-q{q}_llc.fits", t, 1e4 * f, kepid=kepid,
                                             quarter=q))
    return paths


@pytest.fixture
def koi_files(tmp_path, rng):
    # star 1001: two planets, the second on the same period half an orbit later (it would look like a secondary)
    files = {1001: _star(tmp_path, rng, 1001, [(5.3, 133.0, 3.0, 8e-4), (5.3, 135.65, 5.0, 1.5e-3)]),
             1002: _star(tmp_path, rng, 1002, [], eb=(3.1, 132.2, 4.0, 6e-3))}
    table = tmp_path / "koi.csv"
    table.write_text(HEADER + COLUMNS + "1001,K00001.01,CONFIRMED,5.3,133.0,3.0\n1001,K00001.02,CANDIDATE,5.3,135.65,5.0\n"
                     "1002,K00002.01,FALSE POSITIVE,3.1,132.2,4.0\n1003,K00003.01,CONFIRMED,,,\n")
    return table, files


def test_read_and_select(koi_files, tmp_path):
    table, _ = koi_files
    t = read_koi_table(table)
    assert len(t) == 4 and np.isnan(np.asarray(t["koi_period"], float)).sum() == 1
    sel = select_kois(t, n=4, seed=0)
    assert sorted(sel["kepoi_name"]) == ["K00001.01", "K00002.01"]  # CANDIDATE and NaN ephemeris dropped
    assert dict(zip(sel["kepoi_name"], sel["label"])) == {"K00001.01": 1, "K00002.01": 0}
    assert len(select_kois(t, n=4, planet=("CONFIRMED", "CANDIDATE"))) == 3
    (tmp_path / "bad.csv").write_text(HEADER + "kepid,period\n1,2\n")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['kepoi_name'"):
        read_koi_table(tmp_path / "bad.csv")
    with pytest.raises(FileNotFoundError, match="data fetch kepler_koi_cumulative"):
        read_koi_table(tmp_path / "none.csv")
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        select_kois(t, n=0)


def test_koi_dataset_views_labels_and_masking(koi_files):
    table, files = koi_files
    kois = select_kois(read_koi_table(table), n=4, planet=("CONFIRMED", "CANDIDATE"))
    ds = koi_dataset(kois, loader=lambda kepid: files[kepid], progress=False)
    assert ds.global_view.shape == (3, 2001) and ds.local_view.shape == (3, 201)
    order = list(ds.params["kepoi_name"])
    assert ds.label[order.index("K00002.01")] == 0 and ds.label[order.index("K00001.01")] == 1
    assert ds.params["duration"][order.index("K00001.02")] == pytest.approx(5.0 / 24)
    assert np.all(ds.local_view[:, 100] < -0.5)
    g = ds.global_view[order.index("K00001.01")]
    dip = np.flatnonzero(g < -0.5)
    assert g[1000] < -0.5 and np.abs(dip - 1000).max() <= 0.07 / 5.3 * 2001
    for name in ("K00001.01", "K00001.02"):  # unmasked, the sibling would sit at phase 0.5 like a secondary eclipse
        assert ds.vetting["secondary_sigma"][order.index(name)] < 3
    assert ds.vetting["secondary_sigma"][order.index("K00002.01")] > 5


def test_bad_stars_are_skipped_by_name(koi_files, tmp_path):
    table, files = koi_files
    kois = select_kois(read_koi_table(table), n=4)
    broken = tmp_path / "kplr000001002-broken_llc.fits"
    broken.write_bytes(b"not a fits file")
    with pytest.warns(UserWarning, match="KIC 1002"):
        ds = koi_dataset(kois, loader=lambda k: [broken] if k == 1002 else files[k], progress=False)
    assert list(ds.params["kepid"]) == [1001]
    with pytest.raises(RuntimeError, match="no KOI light curve could be used"), pytest.warns(UserWarning):
        koi_dataset(kois, loader=lambda k: [broken], progress=False)
    with pytest.raises(ValueError, match="label"):
        koi_dataset(kois.drop(columns="label"), loader=lambda k: files[k])


def test_mast_loader_uses_the_cache_offline(tmp_path, rng, monkeypatch, no_network):
    """Light curves already in the cache are found without the network; an uncached star fails fast, named."""
    from coursekit.data import OfflineError
    from coursekit.transits.data import mast_loader

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "kepler_mast" / "mastDownload" / "Kepler" / "kplr000001001_lc_Q111"
    folder.mkdir(parents=True)
    written = _star(folder, rng, 1001, [(5.3, 133.0, 3.0, 8e-4)])
    assert mast_loader(1001) == sorted(written)
    with pytest.raises(OfflineError, match="KIC 1002"):
        mast_loader(1002)


def test_stand_in_koi_table_has_kepler90s_kois():
    t = kepler90_koi_table()
    assert len(t) == 7 and set(np.asarray(t["koi_disposition"]).astype(str)) == {"CONFIRMED"}
    assert known_planets(t)["Kepler-90 h"] == KEPLER90_PLANETS["Kepler-90 h"]
