"""Kepler _llc.fits reader: files written here in the real layout, and the real Kepler-90 quarters."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.transits.io import (
    KeplerFileError,
    LightCurve,
    read_kepler_lightcurve,
    read_kepler_lightcurves,
    write_kepler_lightcurve,
)


def _quarter(tmp_path, name, t_start, level, *, kepid=11442793, quarter=3, n=200, seed=0):
    rng = np.random.default_rng(seed)
    time = t_start + 0.0204 * np.arange(n)
    flux = level * (1 + 1e-3 * rng.standard_normal(n))
    quality = np.zeros(n, dtype=np.int32)
    quality[10:15] = 16  # flagged cadences (e.g. a momentum dump)
    time[20] = np.nan  # Kepler files have NaN times in gaps
    flux[30:33] = np.nan
    path = write_kepler_lightcurve(tmp_path / name, time, flux, flux_err=np.full(n, level * 1e-3),
                                   quality=quality, kepid=kepid, quarter=quarter)
    return path, time, flux, quality


def test_single_quarter_keeps_good_cadences_and_normalises(tmp_path):
    path, time, flux, quality = _quarter(tmp_path, "kplr1_llc.fits", 260.0, 5.0e4)
    lc = read_kepler_lightcurve(path)
    good = np.isfinite(time) & np.isfinite(flux) & (quality == 0)
    assert len(lc) == good.sum() == 200 - 5 - 1 - 3
    np.testing.assert_allclose(np.median(lc.flux), 1.0, atol=1e-12)
    np.testing.assert_allclose(lc.flux, flux[good] / np.median(flux[good]).astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(lc.flux_err, 1e-3 * 5e4 / np.median(flux[good]), rtol=1e-5)
    assert np.all(np.diff(lc.time) > 0)
    assert lc.target == "KIC 11442793" and set(lc.quarter) == {3}


def test_quality_bitmask_selects_flags(tmp_path):
    path, *_ = _quarter(tmp_path, "kplr1_llc.fits", 260.0, 5.0e4)
    # bit 16 is not in the mask 1|2|4|8, so the 5 flagged cadences are kept
    lc = read_kepler_lightcurve(path, quality_bitmask=1 | 2 | 4 | 8)
    assert len(lc) == 200 - 1 - 3


def test_stitching_normalises_each_quarter(tmp_path):
    p1, *_ = _quarter(tmp_path, "kplr_q4_llc.fits", 352.0, 2.0e4, quarter=4, seed=1)
    p2, *_ = _quarter(tmp_path, "kplr_q3_llc.fits", 260.0, 5.0e4, quarter=3, seed=2)
    lc = read_kepler_lightcurves([p1, p2])
    assert len(lc) == 2 * 191
    assert np.all(np.diff(lc.time) > 0)  # sorted although the files were given out of order
    np.testing.assert_allclose(np.median(lc.flux[lc.quarter == 3]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.median(lc.flux[lc.quarter == 4]), 1.0, atol=1e-12)
    assert lc.meta["QUARTERS"] == [4, 3]
    # a folder works too
    assert len(read_kepler_lightcurves(tmp_path)) == len(lc)


def test_all_nan_flux_is_a_clear_error(tmp_path):
    path = write_kepler_lightcurve(tmp_path / "nan_llc.fits", np.arange(10.0), np.full(10, np.nan))
    with pytest.raises(KeplerFileError, match="every PDCSAP_FLUX value is NaN"):
        read_kepler_lightcurve(path)


def test_no_usable_cadences_is_a_clear_error(tmp_path):
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


def test_lightcurve_checks_lengths():
    with pytest.raises(ValueError, match="flux has length 2"):
        LightCurve(np.arange(3.0), np.ones(2), np.ones(3), np.zeros(3, int))


# ---------------------------------------------------------------- real Kepler-90 (shared samples)

KEPLER90 = "kepler_lightcurves/kepler90_KIC11442793"


@pytest.mark.shared_data
def test_real_kepler90_quarters(shared_real):
    lc = read_kepler_lightcurves(shared_real / KEPLER90)
    # README: PDCSAP, SAP_QUALITY == 0, each file median-normalised -> 9011 good cadences, rms ~486 ppm
    assert len(lc) == 9011
    assert lc.target == "KIC 11442793" and lc.meta["KEPLERID"] == 11442793
    assert sorted(set(lc.quarter.tolist())) == [3, 4, 5]
    assert 260.2 < lc.time[0] < 260.3 and 537.5 < lc.time[-1] < 538.2
    rms = np.std(lc.flux) * 1e6
    assert 400 < rms < 600
    # Kepler-90 h: single transit at ~472 BKJD, ~8070 ppm deep (README check)
    from coursekit.transits.preprocess import phase_fold

    ph = phase_fold(lc.time, 331.5972732, 140.498929)
    inside = np.abs(ph) < 0.2
    deficit = (np.median(lc.flux[np.abs(ph) > 1]) - np.mean(lc.flux[inside])) * 1e6
    assert 7000 < deficit < 9000


@pytest.mark.shared_data
def test_real_kepler90_to_lightkurve_round_trip(shared_real):
    lc = read_kepler_lightcurves(sorted((shared_real / KEPLER90).glob("*llc.fits"))[:1])
    lk = lc.to_lightkurve()
    back = LightCurve.from_lightkurve(lk)
    np.testing.assert_allclose(back.time, lc.time, atol=1e-6)
    np.testing.assert_allclose(back.flux, lc.flux)
