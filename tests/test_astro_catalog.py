"""Tests of coursekit.astro.catalog: predictions to FITS with units and provenance, and back."""

from __future__ import annotations

import pytest
from astropy import units as u
from astropy.io import fits
from astropy.table import Table

from coursekit.astro.catalog import predictions_table, read_predictions, tables_equal, write_predictions


def _det_table():
    t = Table()
    t["id"] = [1, 2, 3]
    t["ra"] = [150.0, 150.001, 150.002] * u.deg
    t["dec"] = [2.0, 2.001, 2.002] * u.deg
    t["x"] = [1.0, 2.0, 3.0] * u.pix
    t["y"] = [4.0, 5.0, 6.0] * u.pix
    t["flux"] = [100.0, 200.0, 300.0] * u.ct
    return t


def test_predictions_fits_round_trip(tmp_path):
    t = predictions_table(_det_table(), [0.1, 0.6, 0.95], model="StarGalaxyCNN", model_version="1.0",
                          source="field.fits sha256:abc", provenance="test", date="2026-01-01T00:00:00")
    assert t["class"].tolist() == ["star", "galaxy", "galaxy"]
    path = write_predictions(tmp_path / "pred.fits", t)
    back = read_predictions(path)
    assert tables_equal(t, back)
    assert back["ra"].unit == u.deg and back["flux"].unit == u.ct and back["x"].unit == u.pix
    for k in ("MODEL", "MODELVER", "DATE", "CREATOR", "SOURCE", "PROVENAN"):
        assert back.meta[k] == t.meta[k]
    assert back.meta["MODEL"] == "StarGalaxyCNN" and back.meta["DATE"] == "2026-01-01T00:00:00"
    with fits.open(path) as h:
        assert h["PREDICTIONS"].header["TUNIT2"] == "deg"


def test_predictions_bad_input(tmp_path):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        predictions_table(_det_table(), [0.1, 2.0, 0.3], model="m", model_version="1", source="s", provenance="p")
    with pytest.raises(ValueError, match="3 rows"):
        predictions_table(_det_table(), [0.1], model="m", model_version="1", source="s", provenance="p")
    with pytest.raises(ValueError, match="non-empty"):
        predictions_table(_det_table(), [0.1, 0.2, 0.3], model="", model_version="1", source="s", provenance="p")
    with pytest.raises(ValueError, match="provenance"):
        write_predictions(tmp_path / "x.fits", _det_table())
    # a file without the provenance keywords or with a wrong unit is refused on reading
    bare = _det_table()
    bare["p_galaxy"] = [0.1, 0.2, 0.3]
    hdu = fits.table_to_hdu(bare)
    hdu.name = "PREDICTIONS"
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(tmp_path / "bare.fits")
    with pytest.raises(ValueError, match="missing provenance"):
        read_predictions(tmp_path / "bare.fits")
    t = predictions_table(_det_table(), [0.1, 0.2, 0.3], model="m", model_version="1", source="s", provenance="p")
    t["ra"] = t["ra"].to(u.arcmin)
    write_predictions(tmp_path / "arcmin.fits", t)
    with pytest.raises(ValueError, match="unit"):
        read_predictions(tmp_path / "arcmin.fits")
    with pytest.raises(FileNotFoundError):
        read_predictions(tmp_path / "nope.fits")
