"""Tests of coursekit.photoz.data: reading tables (ANNZ, SDSS SkyServer/CasJobs names), bad values and bad
redshifts, the BOSS sample through the cache (real and stand-in tiers), features."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.photoz import data as D
from coursekit.photoz.simulate import BANDS

ANNZ_HEADER = "#F:MAG_U;F:MAGERR_U;F:MAG_G;F:MAGERR_G;F:MAG_R;F:MAGERR_R;F:MAG_I;F:MAGERR_I;F:MAG_Z;F:MAGERR_Z;D:Z\n"
ROWS = [([22.1, 20.5, 19.2, 18.7, 18.4], [0.5, 0.04, 0.02, 0.02, 0.05], 0.42),
        ([24.9, 21.8, 20.1, 19.3, 18.9], [12.0, 0.1, 0.04, 0.03, 0.08], 0.003),
        ([21.0, 19.9, 19.0, 18.6, 18.3], [0.3, 0.03, 0.02, 0.02, 0.04], 0.31)]


def _row(mags, errs, z):
    vals = [v for pair in zip(mags, errs) for v in pair] + [z]
    return ",".join(str(v) for v in vals) + "\n"


def test_reads_annz_style_boss_table(tmp_path):
    p = tmp_path / "boss.csv"
    p.write_text(ANNZ_HEADER + "".join(_row(*r) for r in ROWS))
    report = {}
    cat = D.read_photometry(p, z_min=0.005, report=report)
    assert len(cat) == 2 and (report["n_read"], report["n_bad"], report["n_low_z"]) == (3, 0, 1)
    np.testing.assert_array_equal(report["kept_rows"], [0, 2])
    np.testing.assert_allclose(cat.z, [0.42, 0.31])
    np.testing.assert_allclose(cat.mag[0], [22.1, 20.5, 19.2, 18.7, 18.4])
    np.testing.assert_allclose(cat.mag_err[1], [0.3, 0.03, 0.02, 0.02, 0.04])
    assert cat.bands == BANDS and report["columns"]["z"] == "Z"


def _sdss_table(path, style: str, with_z: bool = True):
    """The three rows above written with SDSS SkyServer or CasJobs column names."""
    if style == "skyserver":
        header = ["objid", *BANDS, *[f"err_{b}" for b in BANDS]] + (["redshift"] if with_z else [])
        rows = [[i, *m, *e] + ([z] if with_z else []) for i, (m, e, z) in enumerate(ROWS)]
    else:  # casjobs
        header = ["objID"] + [f"{k}_{b}" for b in BANDS for k in ("modelMag", "modelMagErr")] + (["z"] if with_z else [])
        rows = [[i] + [v for pair in zip(m, e) for v in pair] + ([z] if with_z else []) for i, (m, e, z) in enumerate(ROWS)]
    path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("style", ["skyserver", "casjobs"])
def test_sdss_column_names_are_recognised_without_options(tmp_path, style):
    """Bug of round one: '--mag-col {band}' upper-cased the band, so SDSS's own 'u'..'z' names were never found."""
    p = _sdss_table(tmp_path / "t.csv", style)
    report = {}
    cat = D.read_photometry(p, report=report)
    np.testing.assert_allclose(cat.mag[:, 2], [19.2, 20.1, 19.0])
    np.testing.assert_allclose(cat.z, [0.42, 0.003, 0.31])
    assert report["columns"]["z"] == ("redshift" if style == "skyserver" else "z")
    # SkyServer's 'z' column is the z-band magnitude, never the redshift
    assert report["columns"]["mag"][-1] == ("z" if style == "skyserver" else "modelMag_z")
    pred = D.read_photometry(_sdss_table(tmp_path / "p.csv", style, with_z=False), require_z=False)
    assert np.isnan(pred.z).all() and len(pred) == 3


def test_patterns_use_the_band_as_written_and_match_case_insensitively(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("id,U_mag,U_err,G_mag,G_err,R_mag,R_err,I_mag,I_err,Z_mag,Z_err,ZSPEC\n"
                 "1,21.0,0.2,20.0,0.05,19.0,0.02,18.5,0.02,18.2,0.04,0.2\n"
                 "2,21.2,0.2,20.1,0.05,19.1,0.02,18.6,0.02,18.3,0.04,0.25\n")
    cat = D.read_photometry(p, mag="{b}_mag", err="{b}_err", z="zspec")
    np.testing.assert_allclose(cat.mag[:, 0], [21.0, 21.2])
    np.testing.assert_allclose(D.read_photometry(p, mag="{b}_MAG", err="{b}_ERR", bands="ugriz").z, [0.2, 0.25])
    with pytest.raises(ValueError, match=r"must contain \{b\}"):
        D.read_photometry(p, mag="u_mag", err="{b}_err")
    with pytest.raises(ValueError, match="together"):
        D.read_photometry(p, mag="{b}_mag")


def test_99_magnitudes_are_dropped_filled_or_refused(tmp_path):
    p = tmp_path / "mine.csv"
    lines = ["id,u,u_err,g,g_err,r,r_err,i,i_err,z,z_err,zspec\n",
             "1,21.0,0.2,20.0,0.05,19.0,0.02,18.5,0.02,18.2,0.04,0.2\n",
             "2,99.0,99.0,20.4,0.06,19.5,0.03,19.0,0.03,18.7,0.05,0.3\n",  # u non-detection
             "3,21.5,0.3,20.6,0.07,,0.03,19.2,0.03,18.9,0.05,0.35\n",  # missing r
             "4,21.2,0.2,20.1,0.05,19.1,0.02,18.6,0.02,18.3,0.04,0.25\n"]
    p.write_text("".join(lines))
    report = {}
    cat = D.read_photometry(p, report=report)  # '{b}'/'{b}_err' and 'zspec' are recognised
    assert len(cat) == 2 and report["n_bad"] == 2
    filled = D.read_photometry(p, missing="fill", fill_error=1.5)
    assert len(filled) == 4 and filled.mag[1, 0] < 30 and filled.mag_err[1, 0] == 1.5
    with pytest.raises(ValueError, match="non-detected"):
        D.read_photometry(p, missing="raise")
    with pytest.raises(ValueError, match="missing must be"):
        D.read_photometry(p, missing="ignore")


@pytest.mark.parametrize(("zs", "match"), [
    ([0.5, 0.5, 0.5], "constant"),
    ([0.3, -2.0, 0.4], "below"),
    ([0.3, 19.5, 0.4], "above"),
    ([0.3, float("nan"), 0.4], "NaN"),
])
def test_training_tables_with_impossible_redshifts_are_refused(tmp_path, zs, match):
    p = tmp_path / "t.csv"
    p.write_text(ANNZ_HEADER + "".join(_row(m, e, z) for (m, e, _), z in zip(ROWS, zs)))
    with pytest.raises(ValueError, match=match):
        D.read_photometry(p)
    # for prediction the redshift column is not used, so it is not judged either
    assert len(D.read_photometry(p, require_z=False)) == 3


def test_missing_columns_and_files_give_clear_errors(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("MAG_U,MAG_G\n20,19\n")
    with pytest.raises(ValueError, match="no magnitude/error columns found.*--mag-col"):
        D.read_photometry(p)
    with pytest.raises(ValueError, match=r"missing column\(s\).*MAGERR_u"):
        D.read_photometry(p, mag="MAG_{b}", err="MAGERR_{b}")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        D.read_photometry(tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"\x89PNG\x00\xff\xfe")
    with pytest.raises(ValueError, match="not a readable CSV"):
        D.read_photometry(tmp_path / "bin.csv")


def test_features_nine_columns_and_with_errors():
    from coursekit.photoz.simulate import PhotometryCatalog

    cat = PhotometryCatalog(np.array([[22.0, 21.0, 20.5, 20.0, 19.8]]), np.array([[0.5, 0.1, 0.05, 0.04, 0.1]]),
                            np.array([0.3]))
    np.testing.assert_allclose(D.features(cat)[0], [22.0, 21.0, 20.5, 20.0, 19.8, 1.0, 0.5, 0.5, 0.2])
    Xe = D.features(cat, errors=True)
    assert Xe.shape == (1, 14) and Xe[0, -1] == pytest.approx(-1.0)
    assert D.feature_names(errors=True)[5] == "u-g" and len(D.feature_names(errors=True)) == 14
    far = PhotometryCatalog(np.array([[22.0, 21.0, 80.0, 20.0, 19.8]]), np.ones((1, 5)), np.array([0.3]))
    assert D.features(far)[0, 2] == 30.0 and D.features(far, mag_clip=None)[0, 2] == 80.0


def test_boss_falls_back_to_the_standin_offline_with_an_empty_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSEKIT_OFFLINE", "1")
    train, test = D.load_boss("reduced", n_standin=600)
    assert train.meta["tier"] == "stand-in" and len(train) == 480 and len(test) == 120
    assert "stand-in" in capsys.readouterr().out
    assert train.colnames[:2] == ["MAG_U", "MAGERR_U"] and "Z" in train.colnames
    assert str(train["MAG_R"].unit) == "mag"


def test_real_boss_sample_loads_with_documented_counts(real_sample):
    r = real_sample(D.DATASET)
    train, test = D.load_boss(r.tier if r.tier == "full" else "reduced")
    assert train.meta["tier"] in ("sample", "full")
    # 18,320 + 2,500 rows; 29 + 2 below z = 0.005 (README of the sample)
    assert len(train) == 18291 and len(test) == 2498
    z = np.asarray(train["Z"])
    assert z.min() >= 0.005 and 0.45 < np.median(z) < 0.56
    # the u band is the noisy one for these red galaxies (README: MAGERR_U > 1 for 65-83 %)
    assert np.mean(np.asarray(train["MAGERR_U"]) > 1) > 0.5


def test_full_mode_reads_the_full_tier(real_sample):
    real_sample(D.DATASET, mode="full")  # skipped where the full files are not in the test cache
    train, test = D.load_boss("full")
    assert train.meta["tier"] == test.meta["tier"] == "full"
    assert len(train) == 18291 and len(test) == 2498 and len(train.meta["files"]) == 6
