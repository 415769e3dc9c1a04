"""``astro locate`` on plates it has never seen: the DSS plate of M67 turned into other plates.

The evaluation plates are held back (other DSS plates of other objects: another scale, orientation, depth), so
the verb must not lean on the M67 plate's own field, scale or star density. These tests resample the plate onto
new pixel grids (rotated, mirrored, coarser or finer pixels, cropped off-centre, shallower) and carry its WCS
along by the same affine map, then ask the verb to find M67 again. Where the real plate is not in the cache
(a student's clone) they use its stand-in, a simulated plate of a cluster at M67's position.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from astropy import units as u
from scipy import ndimage as ndi

from coursekit.astro.baseline import locate_on_plate
from coursekit.astro.data import M67_CENTER, Plate, load_dss_m67, write_image
from coursekit.astro.detect import detect, estimate_background
from coursekit.cli import main


def resample_plate(plate: Plate, *, angle_deg: float = 0.0, scale: float = 1.0, mirror: bool = False,
                   crop: tuple[float, float, float, float] | None = None, noise: float = 0.0, seed: int = 0) -> Plate:
    """The plate on a new pixel grid, with its WCS carried along.

    A new pixel ``p`` (0-based ``(x, y)``) shows the old pixel ``A p + b``, with ``A = scale * R(angle) * M``
    (``M`` mirrors x when ``mirror``): ``scale`` > 1 makes coarser pixels (smoothed first, so stars are not
    aliased). The WCS follows the same map: ``PC' = PC A`` and ``CRPIX' = 1 + A^-1 (CRPIX - 1 - b)`` (FITS pixels
    count from 1). ``crop = (x0, y0, nx, ny)`` as fractions of the new grid's sides; ``noise``: Gaussian noise
    added (a shallower plate).
    """
    data = np.asarray(plate.data, float)
    ny, nx = data.shape
    t = math.radians(angle_deg)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    a = scale * rot @ (np.diag([-1.0, 1.0]) if mirror else np.eye(2))
    inv = np.linalg.inv(a)
    corners = np.array([[0, 0], [nx - 1, 0], [0, ny - 1], [nx - 1, ny - 1]], float) @ inv.T
    lo = corners.min(axis=0)
    size = np.ceil(corners.max(axis=0) - lo).astype(int) + 1
    if crop is not None:
        lo = lo + np.round(np.array(crop[:2]) * size)
        size = np.round(np.array(crop[2:]) * size).astype(int)
    b = a @ lo
    src = ndi.gaussian_filter(data, 0.5 * scale) if scale > 1 else data
    swap = np.array([[0, 1], [1, 0]])  # (x, y) -> numpy's (row, col)
    out = ndi.affine_transform(src, swap @ a @ swap, offset=swap @ b, output_shape=(int(size[1]), int(size[0])),
                               order=1, mode="constant", cval=np.nan)
    if noise:
        out = out + np.random.default_rng(seed).normal(0.0, noise, out.shape)
    w = plate.wcs.deepcopy()
    w.wcs.crpix = 1 + inv @ (np.asarray(w.wcs.crpix) - 1 - b)
    if w.wcs.has_cd():
        w.wcs.cd = w.wcs.cd @ a
    else:
        w.wcs.pc = w.wcs.get_pc() @ a
    w.wcs.set()
    return Plate(out, wcs=w, unit=plate.unit)


@pytest.fixture(scope="module")
def m67_plate():
    """The real DSS plate where the test cache has it, else its stand-in (the module's data line says which)."""
    return load_dss_m67(verbose=False)


def test_resampled_wcs_follows_the_pixels(m67_plate):
    """The same stars land on the same sky positions on the original and the resampled plate."""
    src = detect(m67_plate.data, m67_plate.wcs, fwhm=3.0, n_sigma=10.0)
    new = resample_plate(m67_plate, angle_deg=37.0, mirror=True)
    det = detect(new.data, new.wcs, fwhm=3.0, n_sigma=10.0)
    from astropy.coordinates import SkyCoord

    a = SkyCoord(src.catalog["ra"].quantity, src.catalog["dec"].quantity)
    b = SkyCoord(det.catalog["ra"].quantity, det.catalog["dec"].quantity)
    idx, sep, _ = a.match_to_catalog_sky(b)
    good = sep < 3 * m67_plate.pixel_scale
    assert good.mean() > 0.8
    assert np.median(sep[good]) < 0.3 * m67_plate.pixel_scale  # a fraction of a pixel, not a rotation's worth
    assert new.pixel_scale.to_value(u.arcsec) == pytest.approx(m67_plate.pixel_scale.to_value(u.arcsec), rel=1e-6)


@pytest.mark.parametrize("kwargs", [
    pytest.param(dict(angle_deg=37.0, crop=(0.1, 0.15, 0.5, 0.45)), id="rotated-cropped-off-centre"),
    pytest.param(dict(scale=1.6, angle_deg=-120.0, mirror=True), id="coarser-mirrored"),
    pytest.param(dict(scale=0.7, angle_deg=90.0, crop=(0.07, 0.2, 0.6, 0.6), noise_rms=2.0), id="finer-shallower"),
])
def test_locate_finds_m67_on_other_plates(m67_plate, kwargs):
    kwargs = dict(kwargs)
    noise_rms = kwargs.pop("noise_rms", 0.0)
    if noise_rms:  # the plate's own sky noise times noise_rms: a shallower plate
        bkg_rms = float(np.median(estimate_background(m67_plate.data).background_rms))
        kwargs["noise"] = noise_rms * bkg_rms
    plate = resample_plate(m67_plate, **kwargs)
    assert plate.contains(M67_CENTER)
    loc, det = locate_on_plate(plate, M67_CENTER, fwhm=3.0, n_sigma=5.0, n_boot=10)
    assert loc.offset < 3 * u.arcmin, f"{kwargs}: density peak {loc.offset:.2f} from M67 ({loc.n_sources} sources)"
    assert loc.offset_err > 0 * u.arcmin


def test_locate_verb_on_a_resampled_plate_file(m67_plate, tmp_path, capsys):
    """The verb, as a user runs it, on a FITS file of a plate with another scale and orientation."""
    plate = resample_plate(m67_plate, scale=2.0, angle_deg=150.0)
    path = write_image(tmp_path / "other_plate.fits", plate.data, plate.wcs)
    assert main(["astro", "locate", str(path), "--object", "M67", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "density peak" and out["offset_arcmin"] < 3.0
    assert math.isfinite(out["offset_err_arcmin"]) and out["n_sources"] > 50


def test_locate_verb_on_the_galactic_spitzer_mosaic(real_sample, capsys):
    """A Galactic-frame (GLON-CAR) mosaic with blank borders: an ICRS position given to the verb lands on the same
    star, whose Galactic position it reports back, and M67 (not on this image) is refused in one line."""
    from astropy.coordinates import SkyCoord

    from coursekit.astro.data import load_spitzer_glimpse

    real_sample("spitzer_glimpse_image")
    plate = load_spitzer_glimpse(verbose=False)
    det = detect(plate.data, plate.wcs, fwhm=3.0, n_sigma=5.0, unit=plate.unit)
    i = int(np.nanargmax(np.asarray(det.catalog["snr"])))
    star = SkyCoord(det.catalog["lon"].quantity[i], det.catalog["lat"].quantity[i], frame="galactic").icrs
    args = ["astro", "locate", str(plate.path), "--ra", f"{star.ra.deg:.6f}", "--dec", f"{star.dec.deg:.6f}",
            "--nearest", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    found = SkyCoord(out["found_ra_deg"] * u.deg, out["found_dec_deg"] * u.deg)
    assert out["method"] == "nearest source" and found.separation(star) < 0.1 * u.arcsec
    assert out["offset_arcmin"] < 0.01
    assert main(["astro", "locate", str(plate.path), "--object", "M67"]) == 1
    err = capsys.readouterr().err
    assert "outside the plate" in err and len(err.strip().splitlines()) == 1
