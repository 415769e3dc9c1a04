"""Tests of ``python -m coursekit astro ...``: the verbs on user files refuse impossible input in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from astropy import units as u
from astropy.table import Table

from coursekit.cli import main


def test_cli_simulate_then_detect(tmp_path, capsys):
    from coursekit.cli import main

    field = tmp_path / "field.fits"
    assert main(["astro", "simulate", "--out", str(field), "--size", "128", "--stars", "10", "--galaxies", "10",
                 "--seed", "3"]) == 0
    out = tmp_path / "cat.fits"
    assert main(["astro", "detect", str(field), "--out", str(out), "--box-size", "32"]) == 0
    assert "sources in field.fits" in capsys.readouterr().out
    cat = Table.read(out)
    assert len(cat) >= 10 and cat["ra"].unit == u.deg and cat["flux"].unit == u.ct
    assert cat.meta["SOURCE"] == "field.fits"
    # refuses to overwrite, and reports a missing file / missing WCS without a traceback
    assert main(["astro", "detect", str(field), "--out", str(out)]) == 1
    assert "exists" in capsys.readouterr().err
    assert main(["astro", "detect", str(tmp_path / "nope.fits"), "--out", str(tmp_path / "x.fits")]) == 1
    assert "not found" in capsys.readouterr().err
    from astropy.io import fits

    fits.PrimaryHDU(np.zeros((64, 64))).writeto(tmp_path / "nowcs.fits")
    assert main(["astro", "detect", str(tmp_path / "nowcs.fits"), "--out", str(tmp_path / "y.fits")]) == 1
    assert "no WCS" in capsys.readouterr().err

@pytest.fixture
def field_file(tmp_path):
    field = tmp_path / "field.fits"
    assert main(["astro", "simulate", "--out", str(field), "--size", "128", "--stars", "10", "--galaxies", "10",
                 "--seed", "3"]) == 0
    return field


def test_detect_out_equal_to_input_is_refused_and_input_unchanged(field_file, capsys):
    """The round-one bug: `detect IMAGE --out IMAGE --overwrite` replaced the image with the catalogue."""
    before = field_file.read_bytes()
    assert main(["astro", "detect", str(field_file), "--out", str(field_file), "--overwrite"]) != 0
    err = capsys.readouterr().err
    assert "is the input" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert field_file.read_bytes() == before
    link = field_file.parent / "alias.fits"
    link.symlink_to(field_file)
    assert main(["astro", "detect", str(field_file), "--out", str(link), "--overwrite"]) != 0
    assert field_file.read_bytes() == before


@pytest.mark.parametrize("option,value", [("--nsigma", "nan"), ("--nsigma", "inf"), ("--fwhm", "-3"),
                                          ("--npixels", "0"), ("--box-size", "nan"), ("--nsigma", "0")])
def test_detect_refuses_non_finite_options(field_file, tmp_path, capsys, option, value):
    with pytest.raises(SystemExit) as exc:
        main(["astro", "detect", str(field_file), "--out", str(tmp_path / "c.fits"), option, value])
    assert exc.value.code == 2
    assert option in capsys.readouterr().err
    assert not (tmp_path / "c.fits").exists()


def test_simulate_out_is_checked(tmp_path, capsys):
    assert main(["astro", "simulate", "--out", str(tmp_path)]) != 0
    assert "is a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["astro", "simulate", "--out", str(tmp_path / "f.fits"), "--size", "nan"])
    assert main(["astro", "simulate", "--out", str(tmp_path / "f.fits"), "--size", "16"]) != 0
    assert "too small" in capsys.readouterr().err


def test_locate_finds_the_stand_in_cluster_and_nearest_source(tmp_path, capsys):
    from astropy.io import fits

    from coursekit.astro.simulate import simulate_cluster_plate

    sim = simulate_cluster_plate(seed=5, shape=(300, 300), n_members=150, n_field=120)
    header = sim.wcs.to_header()
    fits.PrimaryHDU(sim.data.astype(np.float32), header=header).writeto(tmp_path / "plate.fits")
    assert main(["astro", "locate", str(tmp_path / "plate.fits"), "--object", "M67", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "density peak" and out["offset_arcmin"] < 1.5 and out["offset_err_arcmin"] > 0
    x, y = float(sim.truth["ra"][0]), float(sim.truth["dec"][0])
    assert main(["astro", "locate", str(tmp_path / "plate.fits"), "--ra", str(x), "--dec", str(y), "--nearest"]) == 0
    assert "nearest source" in capsys.readouterr().out


def test_locate_refusals(tmp_path, field_file, capsys):
    from astropy.io import fits

    fits.PrimaryHDU(np.zeros((64, 64))).writeto(tmp_path / "nowcs.fits")
    assert main(["astro", "locate", str(tmp_path / "nowcs.fits"), "--ra", "1", "--dec", "2"]) == 1
    assert "no WCS" in capsys.readouterr().err
    assert main(["astro", "locate", str(field_file)]) == 1
    assert "--object" in capsys.readouterr().err
    assert main(["astro", "locate", str(field_file), "--ra", "10", "--dec", "95"]) == 1
    assert "between -90 and 90" in capsys.readouterr().err
    assert main(["astro", "locate", str(field_file), "--ra", "10", "--dec", "10"]) == 1
    assert "outside the plate" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["astro", "locate", str(field_file), "--ra", "nan", "--dec", "1"])

