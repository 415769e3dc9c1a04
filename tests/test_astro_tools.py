"""Tests of the astro topic's exercises, CLI, pipeline helpers, plots and benchmark registration."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from astropy import units as u
from astropy.table import Table

from coursekit.exercises import evaluate

matplotlib.use("Agg")


# --------------------------------------------------------------------------- exercises

def test_exercise_pixel_separation():
    assert evaluate("astro.pixel_separation", 20.0 * u.arcsec).passed
    assert evaluate("astro.pixel_separation", (20.0 / 3600) * u.deg).passed
    r = evaluate("astro.pixel_separation", 50.0)
    assert not r.passed and "pixels" in r.message
    r = evaluate("astro.pixel_separation", 28.0 * u.arcsec)
    assert not r.passed and "hypotenuse" in r.message
    assert not evaluate("astro.pixel_separation", 20.0 * u.m).passed
    assert not evaluate("astro.pixel_separation", None).passed


def test_exercise_flux_at_limit():
    assert evaluate("astro.flux_at_limit", 398.1 * u.ct).passed
    r = evaluate("astro.flux_at_limit", 10 ** (0.4 * (20.5 - 27.0)) * u.ct)
    assert not r.passed and "Sign" in r.message
    assert not evaluate("astro.flux_at_limit", 398.1).passed
    assert not evaluate("astro.flux_at_limit", 1000 * u.ct).passed


def test_exercise_matched_count():
    from coursekit.astro.exercises import exercise_catalogues

    ref, det = exercise_catalogues()
    assert len(ref) == 40 and len(det) == 38
    _, sep, _ = ref.match_to_catalog_sky(det)
    right = int((sep < 1 * u.arcsec).sum())
    assert 30 <= right <= 34
    assert evaluate("astro.matched_count", right).passed
    r = evaluate("astro.matched_count", 40)
    assert not r.passed and "separation limit" in r.message
    assert not evaluate("astro.matched_count", right + 3).passed
    assert not evaluate("astro.matched_count", float(right)).passed


# --------------------------------------------------------------------------- CLI

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


# --------------------------------------------------------------------------- pipeline helpers

def test_image_path_reduced_mode(monkeypatch, tmp_path, no_network):
    from coursekit.astro.pipeline import image_path

    monkeypatch.setenv("COURSEKIT_SHARED_DIR", str(tmp_path / "absent"))
    monkeypatch.setattr("coursekit.data.shared_real_dir", lambda: None)
    assert image_path("dss_m67_image", mode="reduced") is None
    with pytest.raises(KeyError, match="unknown image"):
        image_path("sdss_frame")


def test_image_path_full_mode_offline_fails_fast(monkeypatch, tmp_path, no_network):
    import time

    from coursekit.astro.pipeline import image_path
    from coursekit.data import DataError

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    t0 = time.perf_counter()
    with pytest.raises(DataError):
        image_path("dss_m67_image", mode="full")
    assert time.perf_counter() - t0 < 30


@pytest.mark.shared_data
def test_image_path_finds_real_sample(shared_real):
    from coursekit.astro.pipeline import image_path

    p = image_path("dss_m67_image", mode="reduced")
    assert p is not None and p.name == "M6707HH_DSS_M67.fits"


def test_manifest_entries_for_astro():
    from coursekit.data import generate, get_dataset

    ds = get_dataset("simulated_field_astro")
    assert ds.notebook == "08" and "generator" in ds.reduced
    f = generate("simulated_field_astro", shape=[96, 96], n_stars=5, n_galaxies=5)
    assert f.data.shape == (96, 96) and len(f.truth) == 10


# --------------------------------------------------------------------------- plots

def test_plots_return_axes():
    import matplotlib.pyplot as plt

    from coursekit.astro import plots
    from coursekit.astro.cluster import densest_concentration
    from coursekit.astro.simulate import simulate_field

    f = simulate_field(seed=0, shape=(96, 96), n_stars=5, n_galaxies=5)
    ax = plots.plot_field(f.data, f.wcs, truth=f.truth, detections=f.truth)
    assert hasattr(ax, "coords")
    ax = plots.plot_completeness(np.array([18.0, 19.0]), np.array([1.0, 0.9]), 20.5)
    assert ax.get_xlabel() == "injected magnitude"
    axes = plots.plot_stamps(np.random.default_rng(0).normal(size=(5, 9, 9)), titles=list("abcde"), ncols=3)
    assert axes.shape == (2, 3)
    ax = plots.plot_accuracy_vs_mag(np.array([18.0, 19.0, 20.0, 21.0]), np.array([0, 1, 0, 1]),
                                    {"cnn": np.array([0, 1, 1, 1])}, mag_limit=20.5)
    assert len(ax.lines) >= 2
    ax = plots.plot_offsets(np.array([0.1, -0.2]), np.array([0.0, 0.1]))
    assert "RMS" in ax.get_title()
    from astropy.coordinates import SkyCoord

    rng = np.random.default_rng(1)
    c = SkyCoord(rng.uniform(10, 10.2, 200) * u.deg, rng.uniform(0, 0.2, 200) * u.deg)
    ax = plots.plot_density(densest_concentration(c, smoothing=1 * u.arcmin), reference=c[0])
    assert ax.get_xlim()[0] > ax.get_xlim()[1]  # east to the left
    plt.close("all")


def test_benchmarks_registered():
    from coursekit.bench import discover

    names = {n for t, n in discover() if t == "astro"}
    assert names == {"detection", "star_galaxy", "m67"}
