"""Tests of coursekit.photoz.data: CSV loading (ANNZ/BOSS format and plain CSV), bad values, features."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.photoz import data as D
from coursekit.photoz.simulate import BANDS

ANNZ_HEADER = "#F:MAG_U;F:MAGERR_U;F:MAG_G;F:MAGERR_G;F:MAG_R;F:MAGERR_R;F:MAG_I;F:MAGERR_I;F:MAG_Z;F:MAGERR_Z;D:Z\n"


def _row(mags, errs, z):
    vals = [v for pair in zip(mags, errs) for v in pair] + [z]
    return ",".join(str(v) for v in vals) + "\n"


def test_reads_annz_style_boss_table(tmp_path):
    p = tmp_path / "boss.csv"
    p.write_text(
        ANNZ_HEADER
        + _row([22.1, 20.5, 19.2, 18.7, 18.4], [0.5, 0.04, 0.02, 0.02, 0.05], 0.42)
        + _row([24.9, 21.8, 20.1, 19.3, 18.9], [12.0, 0.1, 0.04, 0.03, 0.08], 0.003)
        + _row([21.0, 19.9, 19.0, 18.6, 18.3], [0.3, 0.03, 0.02, 0.02, 0.04], 0.31)
    )
    report = {}
    cat = D.load_photometry_csv(p, z_min=0.005, report=report)
    kept = report.pop("kept_rows")
    assert len(cat) == 2 and report == {"n_read": 3, "n_bad": 0, "n_low_z": 1, "n_duplicates": 0}
    np.testing.assert_array_equal(kept, [0, 2])
    np.testing.assert_allclose(cat.z, [0.42, 0.31])
    np.testing.assert_allclose(cat.mag[0], [22.1, 20.5, 19.2, 18.7, 18.4])
    np.testing.assert_allclose(cat.mag_err[1], [0.3, 0.03, 0.02, 0.02, 0.04])
    assert cat.bands == BANDS and cat.asinh_b is None


def test_plain_csv_with_custom_columns_and_99_handling(tmp_path):
    p = tmp_path / "mine.csv"
    lines = ["id,u,u_err,g,g_err,r,r_err,i,i_err,z,z_err,zspec\n"]
    lines.append("1,21.0,0.2,20.0,0.05,19.0,0.02,18.5,0.02,18.2,0.04,0.2\n")
    lines.append("2,99.0,99.0,20.4,0.06,19.5,0.03,19.0,0.03,18.7,0.05,0.3\n")  # u non-detection
    lines.append("3,21.5,0.3,20.6,0.07,,0.03,19.2,0.03,18.9,0.05,0.35\n")  # missing r
    lines.append("4,21.2,0.2,20.1,0.05,19.1,0.02,18.6,0.02,18.3,0.04,0.25\n")
    p.write_text("".join(lines))
    cols = D.Columns(mag="{b}", err="{b}_err", z="zspec")
    report = {}
    cat = D.load_photometry_csv(p, columns=cols, report=report)
    assert len(cat) == 2 and report["n_bad"] == 2
    filled = D.load_photometry_csv(p, columns=cols, missing="fill", fill_error=1.5)
    assert len(filled) == 4
    assert filled.mag[1, 0] < 30 and filled.mag_err[1, 0] == 1.5  # 99 replaced by a faint limit
    assert np.isfinite(filled.mag).all()
    with pytest.raises(ValueError, match="non-detected"):
        D.load_photometry_csv(p, columns=cols, missing="raise")
    with pytest.raises(ValueError, match="missing"):
        D.load_photometry_csv(p, columns=cols, missing="ignore")


def test_missing_columns_and_files_give_clear_errors(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("MAG_U,MAG_G\n20,19\n")
    with pytest.raises(ValueError, match=r"missing column\(s\).*MAGERR_U"):
        D.load_photometry_csv(p)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        D.load_photometry_csv(tmp_path / "nope.csv")


def test_table_without_redshift_for_prediction(tmp_path):
    p = tmp_path / "phot.csv"
    header = ",".join(f"MAG_{b.upper()},MAGERR_{b.upper()}" for b in BANDS)
    p.write_text(header + "\n" + ",".join(["20.0,0.05"] * 5) + "\n")
    cat = D.load_photometry_csv(p, require_z=False)
    assert len(cat) == 1 and np.isnan(cat.z[0])
    with pytest.raises(ValueError, match="missing column"):
        D.load_photometry_csv(p)


def test_features_nine_columns_and_with_errors():
    from coursekit.photoz.simulate import PhotometryCatalog

    mag = np.array([[22.0, 21.0, 20.5, 20.0, 19.8]])
    err = np.array([[0.5, 0.1, 0.05, 0.04, 0.1]])
    cat = PhotometryCatalog(mag, err, np.array([0.3]))
    X = D.features(cat)
    np.testing.assert_allclose(X[0], [22.0, 21.0, 20.5, 20.0, 19.8, 1.0, 0.5, 0.5, 0.2])
    Xe = D.features(cat, errors=True)
    assert Xe.shape == (1, 14) and Xe[0, -1] == pytest.approx(-1.0)
    assert D.feature_names(errors=True)[5] == "u-g" and len(D.feature_names(errors=True)) == 14


@pytest.mark.shared_data
def test_real_boss_sample_loads_with_documented_counts(shared_real):
    train, test = D.load_boss(shared_real / D.BOSS_DIRNAME)
    # 18,320 + 2,500 rows with z >= 0.005 before bad-magnitude removal (README: 29 + 2 below 0.005)
    assert 18200 < len(train) <= 18320 and 2450 < len(test) <= 2500
    assert train.z.min() >= 0.005 and 0.45 < np.median(train.z) < 0.56
    assert np.all(np.isfinite(train.mag)) and np.all(train.mag_err > 0)
    # the u band is the noisy one for these red galaxies (README: MAGERR_U > 1 for 65-83 %)
    assert np.mean(train.mag_err[:, 0] > 1) > 0.5


def test_specgals_fits_loader_dereddens_and_cuts(tmp_path):
    from astropy.table import Table

    n = 4
    cols = {"z": [0.05, 0.1, 0.01, 0.2], "extinction_r": [0.1, 0.0, 0.0, 0.2]}
    for j, b in enumerate(BANDS):
        cols[f"modelMag_{b}"] = [19.0 + j * 0.1] * n
        cols[f"modelMagErr_{b}"] = [0.05] * n
    Table(cols).write(tmp_path / "specgals.fits")
    cat = D.load_specgals(tmp_path / "specgals.fits")
    assert len(cat) == 3  # z = 0.01 < 0.02 dropped
    np.testing.assert_allclose(cat.mag[0], 19.0 + 0.1 * np.arange(5) - 0.1 * np.array(D.SDSS_EXTINCTION_RATIO))
    raw = D.load_specgals(tmp_path / "specgals.fits", deredden=False, z_max=0.15)
    assert len(raw) == 2 and raw.mag[0, 0] == pytest.approx(19.0)
    Table({"z": [0.1]}).write(tmp_path / "bad.fits")
    with pytest.raises(ValueError, match="not an astroML specgals table"):
        D.load_specgals(tmp_path / "bad.fits")
