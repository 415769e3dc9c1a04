"""Loaders: Galaxy10 DECaLS and Galaxy Zoo 1 folders written here in their real schemas, user folders, FITS and
plates refused, the stand-in offline, and the real GZ1 sample from the test cache."""

from __future__ import annotations

import csv

import h5py
import numpy as np
import pytest

from coursekit.galaxies import data as gdata
from coursekit.galaxies.data import (
    GALAXY10_CLASSES,
    GALAXY10_TO_FOUR,
    GALAXY10_TO_REAL,
    REAL_CLASSES,
    Cutouts,
    list_images,
    load_galaxy10,
    load_labelled_folder,
    read_gz1_folder,
    read_gz1_table,
    read_images,
    stratified_split,
    uint8_to_rgb,
)
from coursekit.galaxies.simulate import CLASSES


def _write_galaxy10(path, n=6):
    """A file in the real Galaxy10 DECaLS schema: images (N, 256, 256, 3) uint8, ans uint8, ra/dec/redshift/pxscale."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 256, 256, 3), dtype=np.uint8)
    images[0] = 255  # one all-white image
    ans = (np.arange(n) % 10).astype(np.uint8)
    with h5py.File(path, "w") as fh:
        fh.create_dataset("images", data=images)
        fh.create_dataset("ans", data=ans)
        for key in ("ra", "dec", "redshift", "pxscale"):
            fh.create_dataset(key, data=np.zeros(n))
    return images, ans


def test_galaxy10_ten_and_four(tmp_path):
    path = tmp_path / "Galaxy10_DECals.h5"
    _write_galaxy10(path, n=10)
    x, y, names = load_galaxy10(path, task="ten", size=32, chunk=3)
    assert x.shape == (10, 3, 32, 32) and x.dtype == np.float32
    assert names == GALAXY10_CLASSES and y.tolist() == list(range(10))
    np.testing.assert_allclose(x[0], 1.0, atol=1e-6)
    x4, y4, names4 = load_galaxy10(path, task="four", size=32, indices=[9, 1, 2])
    assert names4 == CLASSES and x4.shape == (3, 3, 32, 32)
    assert y4.tolist() == [CLASSES.index("merger"), CLASSES.index("elliptical"), CLASSES.index("spiral")]
    assert sorted(set(GALAXY10_TO_FOUR.values())) == [0, 1, 2, 3]
    assert GALAXY10_TO_REAL[0] is None and GALAXY10_TO_REAL[1] == "merger" and GALAXY10_TO_REAL[9] == "spiral"


def test_galaxy10_full_tier_through_resolve(tmp_path, monkeypatch):
    """Full mode: the resolved Galaxy10 file becomes Cutouts in the three real classes (disturbed dropped)."""
    from coursekit.data import Resolved

    path = tmp_path / "Galaxy10_DECals.h5"
    _write_galaxy10(path, n=10)
    fake = Resolved("galaxy10_decals", "full", (path,), tmp_path, "data: galaxy10_decals: real data, full tier")
    monkeypatch.setattr("coursekit.data.resolve", lambda name, **kw: fake)
    cut = gdata.load_galaxy10_cutouts(size=16, mode="full")
    assert isinstance(cut, Cutouts) and cut.tier == "full" and cut.classes == REAL_CLASSES
    assert len(cut) == 9  # row 0 (disturbed) dropped
    assert cut.counts() == {"elliptical": 3, "spiral": 5, "merger": 1}


def test_galaxy10_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_galaxy10(tmp_path / "missing.h5")
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"this is not hdf5")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        load_galaxy10(bad)
    wrong = tmp_path / "wrong.h5"
    with h5py.File(wrong, "w") as fh:
        fh.create_dataset("images", data=np.zeros((2, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="no dataset 'ans'"):
        load_galaxy10(wrong)
    with pytest.raises(ValueError, match="task"):
        load_galaxy10(wrong, task="five")


def _jpeg(path, colour=(200, 30, 30), size=60):
    from PIL import Image

    arr = np.zeros((size, size, 3), np.uint8)
    arr[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = colour
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)


def _write_gz1(root, codes=(0, 1, 2, 3, 4, 5, 0, 5)):
    """The upstream layout: smallCSV_class.csv (OBJID,CLASS) for more objects than there are images."""
    rows = []
    for i, code in enumerate(codes):
        objid = f"5877{i:014d}"  # 18 digits: must survive as a string
        rows.append((objid, code))
        _jpeg(root / "images" / f"{objid}.jpeg")
    rows.append(("587799999999999999", 0))  # a label whose image is absent: dropped
    with open(root / "smallCSV_class.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["OBJID", "CLASS"])
        w.writerows(rows)
    return rows


def test_gz1_folder_in_upstream_schema(tmp_path):
    rows = _write_gz1(tmp_path)
    table = read_gz1_table(tmp_path)
    assert len(table) == 8 and table[0] == (rows[0][0], 0)  # the image-less row is gone, ids kept exactly
    x, y, classes, ids = read_gz1_folder(tmp_path, size=16, crop=1.0)
    assert classes == REAL_CLASSES
    # codes 0 1 2 3 4 5 0 5 -> elliptical spiral spiral spiral (dropped) merger elliptical merger
    assert [classes[i] for i in y] == ["elliptical", "spiral", "spiral", "spiral", "merger", "elliptical", "merger"]
    assert ids[4] == rows[5][0] and x.shape == (7, 3, 16, 16)
    cut = load_labelled_folder(tmp_path, size=16, crop=1.0)  # a GZ1 folder is a labelled folder too
    assert len(cut) == 7 and cut.classes == REAL_CLASSES


def test_gz1_table_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="smallCSV_class.csv"):
        read_gz1_table(tmp_path)
    (tmp_path / "smallCSV_class.csv").write_text("OBJID,CLASS\n1,9\n")
    with pytest.raises(ValueError, match="line 2: CLASS 9"):
        read_gz1_table(tmp_path)
    (tmp_path / "smallCSV_class.csv").write_text("ID,LABEL\n1,0\n")
    with pytest.raises(ValueError, match="OBJID,CLASS"):
        read_gz1_table(tmp_path)
    (tmp_path / "smallCSV_class.csv").write_text("OBJID,CLASS\n1,0\n")
    with pytest.raises(ValueError, match="none of its objects has an image"):
        read_gz1_table(tmp_path)


def _write_folder(root, names=("elliptical", "spiral", "merger", "spiral")):
    rows = []
    for i, name in enumerate(names):
        fn = f"images/g{i}.{'png' if i % 2 else 'jpeg'}"
        _jpeg(root / fn, colour=(200, 0, 0) if i == 0 else (0, 200, 0))
        rows.append({"filename": fn, "class_name": name})
    with open(root / "labels.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["filename", "class_name"])
        w.writeheader()
        w.writerows(rows)


def test_labelled_folder(tmp_path):
    _write_folder(tmp_path)
    cut = load_labelled_folder(tmp_path, size=16, crop=1.0)
    assert cut.classes == REAL_CLASSES and cut.labels.tolist() == [0, 1, 2, 1]
    assert cut.images.shape == (4, 3, 16, 16) and cut.tier == "user"
    assert cut.images[0, 0].max() == pytest.approx(200 / 255, abs=0.02)
    other = tmp_path / "other"
    other.mkdir()
    _write_folder(other, names=("smooth", "featured", "smooth", "edge"))
    cut = load_labelled_folder(other, size=16, crop=1.0)
    assert cut.classes == ("edge", "featured", "smooth")  # not the real classes: sorted


def test_labelled_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="labels.csv"):
        load_labelled_folder(tmp_path)
    _write_folder(tmp_path)
    with pytest.raises(ValueError, match="no column 'label'"):
        load_labelled_folder(tmp_path, label_column="label")
    with pytest.raises(ValueError, match="not among the classes"):
        load_labelled_folder(tmp_path, classes=("elliptical", "spiral"))
    (tmp_path / "images" / "broken.jpeg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="cannot read image"):
        read_images([tmp_path / "images" / "broken.jpeg"])
    with pytest.raises(FileNotFoundError):
        read_images([tmp_path / "nope.png"])
    assert len(list_images(tmp_path / "images")) == 5
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no .jpg"):
        list_images(empty)


def test_fits_single_band_plate_is_refused_and_a_three_band_cube_is_read(tmp_path):
    from astropy.io import fits

    plate = tmp_path / "plate.fits"
    fits.PrimaryHDU(np.random.default_rng(0).random((64, 64)).astype(np.float32)).writeto(plate)
    with pytest.raises(ValueError, match=r"1 band.*colour cut-out"):
        read_images([plate], size=16)
    assert list_images(tmp_path) == [plate]
    cube = tmp_path / "galaxy.fits"
    yy, xx = np.mgrid[0:40, 0:40] - 19.5
    blob = 1000 * np.exp(-np.hypot(xx, yy) / 4)
    noise = np.random.default_rng(1).normal(0, 5, (3, 40, 40))
    fits.PrimaryHDU((np.stack([0.5 * blob, blob, 2 * blob]) + noise).astype(np.float32)).writeto(cube)
    x = read_images([cube], size=16, crop=1.0)
    assert x.shape == (1, 3, 16, 16)
    assert x[0, :, 6:10, 6:10].mean() > 5 * x[0, :, :2, :2].mean()  # the galaxy is in the middle
    assert x[0, 0, 8, 8] > x[0, 2, 8, 8]  # reddest band (third) in R


def test_plate_sized_image_is_refused(tmp_path):
    big = tmp_path / "field.png"
    _jpeg(big, size=1500)
    with pytest.raises(ValueError, match="larger than a cut-out of one galaxy"):
        read_images([big], size=16)


def test_uint8_to_rgb_crop_and_resize():
    img = np.zeros((2, 100, 100, 3), dtype=np.uint8)
    img[:, 40:60, 40:60] = 255  # a white square in the middle
    out = uint8_to_rgb(img, size=20, crop=0.2)
    assert out.shape == (2, 3, 20, 20)
    np.testing.assert_allclose(out, 1.0, atol=1e-6)
    with pytest.raises(ValueError, match=r"\(n, H, W, 3\)"):
        uint8_to_rgb(np.zeros((2, 3, 10, 10)))


def test_stratified_split():
    y = np.array([0] * 10 + [1] * 6 + [2] * 4)
    a, b = stratified_split(y, 0.5, seed=1)
    assert np.bincount(y[a]).tolist() == [5, 3, 2]
    assert len(np.intersect1d(a, b)) == 0 and len(a) + len(b) == len(y)
    with pytest.raises(ValueError, match="fraction"):
        stratified_split(y, 1.5)


def test_offline_empty_cache_gives_the_stand_in(tmp_path, monkeypatch, no_network):
    import time

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    t0 = time.perf_counter()
    cut = gdata.load_gz1_cutouts(size=24, mode="reduced", n_standin=30)
    assert time.perf_counter() - t0 < 30
    assert cut.tier == "stand-in" and not cut.is_real and cut.classes == REAL_CLASSES
    assert "stand-in" in cut.message and "coursekit data" in cut.message
    assert cut.images.shape == (30, 3, 24, 24) and set(cut.labels.tolist()) == {0, 1, 2}
    t = cut.to_table()
    assert len(t) == 30 and t.meta["tier"] == "stand-in" and t["image"].shape == (30, 3, 24, 24)


def test_real_gz1_sample(real_sample, monkeypatch):
    r = real_sample("galaxy_zoo1_cutouts")
    cut = gdata.load_gz1_cutouts(size=32, crop=0.5, mode="reduced")
    assert cut.tier == "sample" and cut.classes == REAL_CLASSES
    assert len(cut) == 350  # 406 minus the 56 "don't know"
    assert cut.counts() == {"elliptical": 70, "spiral": 210, "merger": 70}
    assert all(len(i) == 18 for i in cut.ids)
    assert len(r.paths) == 407
    # real cut-outs: the galaxy is brighter in the middle than at the edge of the crop
    assert cut.images[:, :, 12:20, 12:20].mean() > 2 * cut.images[:, :, :3, :].mean()


def test_mirror_image_classes_finds_the_senses_of_winding():
    from coursekit.galaxies.data import mirror_image_classes

    gz1 = ["dont_know", "edge_on", "elliptical", "merger", "spiral_anticlockwise", "spiral_clockwise"]
    assert mirror_image_classes(gz1) == [("spiral_clockwise", "spiral_anticlockwise")]
    assert mirror_image_classes(["CW spiral", "ACW spiral", "E"]) == [("CW spiral", "ACW spiral")]
    assert mirror_image_classes(["S-wise", "Z-wise"]) == [("Z-wise", "S-wise")]
    assert mirror_image_classes(["elliptical", "spiral", "edge_on", "merger"]) == []
    assert mirror_image_classes(["clockwise_spiral", "counterclockwise_bar"]) == []  # two words differ


def test_mirror_permutation_swaps_only_the_mirror_pairs():
    from coursekit.galaxies.data import mirror_permutation

    gz1 = ["dont_know", "edge_on", "elliptical", "merger", "spiral_anticlockwise", "spiral_clockwise"]
    assert mirror_permutation(gz1) == (0, 1, 2, 3, 5, 4)
    assert mirror_permutation(["elliptical", "spiral"]) == ()
