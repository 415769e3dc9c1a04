"""Tests of coursekit.photoz.simulate: templates, filters, the flux grid and the population."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.photoz import simulate as sim


def test_templates_are_the_bpz_cww_kinney_set():
    for name in sim.TEMPLATE_NAMES:
        wave, flam = sim.load_template(name)
        assert wave[0] <= 1000 and wave[-1] >= 20000  # covers ugriz up to z = 1.5 and beyond
        assert np.all(flam >= 0) and flam.max() > 0
    w1, f1 = sim.load_template("El")
    w2, f2 = sim.load_template("El_B2004a")
    np.testing.assert_array_equal(f1, f2)
    with pytest.raises(FileNotFoundError, match="no template"):
        sim.load_template("Sa_nonexistent")


def test_ab_maggies_of_flat_fnu_is_its_level():
    # A flat f_nu = 3631 Jy * 10^(-0.4 m) spectrum has AB magnitude m in every band.
    wave = np.linspace(1000, 20000, 4000)
    m = 20.0
    fnu = 3631e-23 * 10 ** (-0.4 * m)
    flam = fnu * 2.99792458e18 / wave**2
    mags = -2.5 * np.log10(sim.ab_maggies(wave, flam))
    np.testing.assert_allclose(mags, m, atol=2e-3)


@pytest.mark.parametrize("template,z", [("El", 0.0), ("El", 0.35), ("Sbc", 0.8), ("SB2", 1.2)])
def test_redshifted_colours_match_speclite_integration(template, z):
    """Our vectorised integration against speclite's own AB magnitudes of the redshifted SED."""
    import astropy.units as u

    wave, flam = sim.load_template(template)
    obs_wave = wave * (1 + z)
    obs_flam = flam / (1 + z)
    keep = (obs_wave > 2500) & (obs_wave < 12000)
    filters = sim.load_sdss_filters()
    ref = filters.get_ab_magnitudes(
        obs_flam[keep] * 1e-17 * u.erg / (u.s * u.cm**2 * u.Angstrom), obs_wave[keep] * u.Angstrom
    )
    ref_mags = np.array([ref[name][0] for name in filters.names])
    ours = -2.5 * np.log10(sim.ab_maggies(wave, flam * 1e-17, z))
    # g-r, r-i, i-z agree to a few mmag; u differs by up to ~0.02 mag where the red templates are faint and
    # coarsely sampled in the rest-frame UV (speclite resamples the filter onto the SED, we the SED onto the filter)
    np.testing.assert_allclose(np.diff(ours)[1:], np.diff(ref_mags)[1:], atol=0.005)
    np.testing.assert_allclose(ours[1:], ref_mags[1:], atol=0.005)
    assert abs(ours[0] - ref_mags[0]) < 0.03


def test_elliptical_gets_redder_with_redshift_4000A_break_through_g_r():
    grid = sim.flux_grid()
    col = lambda z: -2.5 * np.log10(grid.fluxes(np.array([0.0]), np.array([z]))[0])
    g_r = [col(z)[1] - col(z)[2] for z in (0.0, 0.2, 0.35)]
    assert g_r[0] < g_r[1] < g_r[2]  # the break moves from g into r
    assert 0.6 < g_r[0] < 0.9  # local ellipticals have g-r ~ 0.75
    assert col(0.0)[2] == pytest.approx(0.0, abs=1e-12)  # unit rest-frame r normalisation


def test_grid_interpolation_is_linear_in_type_and_close_to_direct_in_z():
    grid = sim.flux_grid()
    mix = grid.fluxes(np.array([1.25]), np.array([0.4]))[0]
    pure = grid.fluxes(np.array([1.0, 2.0]), np.array([0.4, 0.4]))
    np.testing.assert_allclose(mix, 0.75 * pure[0] + 0.25 * pure[1], rtol=1e-12)
    z = 0.4123  # off-node: linear interpolation vs direct integration
    wave, flam = sim.load_template("Scd")
    direct = sim.ab_maggies(wave, flam, z) / sim.ab_maggies(wave, flam, 0.0)[2]
    np.testing.assert_allclose(grid.fluxes(np.array([2.0]), np.array([z]))[0], direct, rtol=3e-3)
    with pytest.raises(ValueError, match="template type"):
        grid.fluxes(np.array([7.0]), np.array([0.1]))
    with pytest.raises(ValueError, match="grid range"):
        grid.fluxes(np.array([1.0]), np.array([5.0]))


def test_asinh_magnitudes_round_trip_and_match_pogson_when_bright():
    f = np.array([[1e-8, 1e-8, 1e-7, 3e-8, 1e-7]])  # >= 20 mag: asinh = Pogson to < 1 mmag
    m = sim.asinh_mag(f)
    np.testing.assert_allclose(sim.asinh_to_flux(m), f, rtol=1e-10)
    np.testing.assert_allclose(m, -2.5 * np.log10(f), atol=1e-3)
    assert np.all(np.isfinite(sim.asinh_mag(np.array([[-1e-10] * 5]))))  # negative flux is fine


def test_population_is_magnitude_limited_with_a_realistic_nz():
    cat = sim.simulate_galaxies(6000, seed=3, r_limit=21.0)
    assert len(cat) == 6000
    assert np.all(cat.mag[:, 2] < 21.0)  # the cut on observed r is respected
    assert 0.25 < np.median(cat.z) < 0.5  # SDSS-depth photometric samples peak at z ~ 0.3-0.4
    assert cat.z.min() > 0 and cat.z.max() <= 1.5
    assert 0.01 < cat.truth["blended"].mean() < 0.1
    # errors grow towards the faint end, and u is the noisiest band
    faint = cat.mag[:, 2] > 20.5
    bright = cat.mag[:, 2] < 19.0
    assert np.median(cat.mag_err[faint, 2]) > 2 * np.median(cat.mag_err[bright, 2])
    assert np.median(cat.mag_err[:, 0]) > np.median(cat.mag_err[:, 2])
    # a brighter limit gives lower redshifts
    bright_cat = sim.simulate_galaxies(1000, seed=3, r_limit=19.0)
    assert np.median(bright_cat.z) < np.median(cat.z) - 0.1


def test_simulation_is_reproducible_and_fast():
    import time

    t0 = time.perf_counter()
    a = sim.simulate_galaxies(20000, seed=7)
    elapsed = time.perf_counter() - t0
    b = sim.simulate_galaxies(20000, seed=7)
    np.testing.assert_array_equal(a.mag, b.mag)
    assert elapsed < 15  # "tens of thousands of galaxies in seconds" (generous under CPU contention)


def test_simulate_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n must be positive"):
        sim.simulate_galaxies(0)
    with pytest.raises(ValueError, match="blend_fraction"):
        sim.simulate_galaxies(10, blend_fraction=1.5)
    with pytest.raises(ValueError, match="one value per band"):
        sim.simulate_galaxies(10, depth=(22.0, 22.0))


def test_catalog_shapes_split_and_frame():
    cat = sim.simulate_galaxies(500, seed=1)
    a, b = cat.split(0.6, seed=0)
    assert len(a) == 300 and len(b) == 200
    df = cat.to_frame()
    assert list(df.columns[:3]) == ["MAG_U", "MAGERR_U", "MAG_G"] and "Z" in df and "BLENDED" in df
    flux, err = cat.fluxes()
    np.testing.assert_allclose(sim.asinh_mag(flux), cat.mag, atol=1e-9)
    with pytest.raises(ValueError, match="mag and mag_err"):
        sim.PhotometryCatalog(np.zeros((3, 5)), np.zeros((3, 4)), np.zeros(3))


def test_packaged_grid_matches_a_fresh_integration():
    grid = sim.flux_grid()
    assert sim.PACKAGED_GRID.exists() and grid.flux.shape == (6, 401, 5)
    for t, name in enumerate(sim.TEMPLATE_NAMES):
        wave, flam = sim.load_template(name)
        k = np.array([0, 57, 123, 399])
        fresh = sim.ab_maggies(wave, flam, grid.z[k]) / sim.ab_maggies(wave, flam, 0.0)[2]
        np.testing.assert_allclose(grid.flux[t, k], fresh, rtol=1e-9)
    with pytest.raises(ValueError, match="positive"):
        sim.compute_flux_grid(dz=0.0)
