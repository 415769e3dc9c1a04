"""Loader tests: Galaxy10 DECaLS HDF5 written here in the real layout, image folders, the real GZ1 sample."""

from __future__ import annotations

import csv

import h5py
import numpy as np
import pytest

from coursekit.galaxies.data import (
    GALAXY10_CLASSES,
    GALAXY10_TO_FOUR,
    gz1_mapping,
    list_images,
    load_galaxy10,
    load_image_folder,
    read_images,
)
from coursekit.galaxies.simulate import CLASSES


def _write_galaxy10(path, n=6):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 256, 256, 3), dtype=np.uint8)
    images[0] = 255  # one all-white image
    ans = (np.arange(n) % 10).astype(np.uint8)
    with h5py.File(path, "w") as fh:
        fh.create_dataset("images", data=images)
        fh.create_dataset("ans", data=ans)
        fh.create_dataset("ra", data=np.zeros(n))
    return images, ans


def test_galaxy10_ten_and_four(tmp_path):
    path = tmp_path / "Galaxy10_DECals.h5"
    _, ans = _write_galaxy10(path, n=10)
    x, y, names = load_galaxy10(path, task="ten", size=32, chunk=3)
    assert x.shape == (10, 3, 32, 32) and x.dtype == np.float32
    assert names == GALAXY10_CLASSES and y.tolist() == list(range(10))
    np.testing.assert_allclose(x[0], 1.0, atol=1e-6)
    assert 0 <= x.min() and x.max() <= 1
    x4, y4, names4 = load_galaxy10(path, task="four", size=32, indices=[9, 1, 2])
    assert names4 == CLASSES and x4.shape == (3, 3, 32, 32)
    # sorted indices 1 (merging), 2 (round smooth), 9 (edge-on with bulge)
    assert y4.tolist() == [CLASSES.index("merger"), CLASSES.index("elliptical"), CLASSES.index("spiral")]
    assert sorted(set(GALAXY10_TO_FOUR.values())) == [0, 1, 2, 3]


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


def _write_folder(root, n=4):
    from PIL import Image

    (root / "images").mkdir(parents=True)
    rows = []
    for i in range(n):
        arr = np.zeros((50, 50, 3), np.uint8)
        arr[..., i % 3] = 200
        name = f"images/g{i}.{'png' if i % 2 else 'jpeg'}"
        Image.fromarray(arr).save(root / name)
        rows.append({"filename": name, "class_name": ["elliptical", "spiral", "merger", "dont_know"][i]})
    with open(root / "labels.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["filename", "class_name"])
        w.writeheader()
        w.writerows(rows)


def test_image_folder(tmp_path):
    _write_folder(tmp_path)
    x, y, names, paths = load_image_folder(tmp_path, size=16, crop=1.0)
    assert names == ("dont_know", "elliptical", "merger", "spiral")  # not a subset of CLASSES: sorted
    assert x.shape == (4, 3, 16, 16) and len(paths) == 4
    np.testing.assert_allclose(x[0, 0], 200 / 255, atol=0.02)  # first image is red
    x, y, names, _ = load_image_folder(tmp_path, size=16, mapping=gz1_mapping() | {"spiral": "spiral"})
    assert names == CLASSES and len(y) == 3 and y.tolist() == [0, 1, 2]


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="labels.csv"):
        load_image_folder(tmp_path)
    _write_folder(tmp_path)
    with pytest.raises(ValueError, match="no column 'label'"):
        load_image_folder(tmp_path, label_column="label")
    with pytest.raises(ValueError, match="not in the mapping"):
        load_image_folder(tmp_path, mapping={"elliptical": "elliptical"})
    (tmp_path / "images" / "broken.jpeg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="cannot read image"):
        read_images([tmp_path / "images" / "broken.jpeg"])
    with pytest.raises(FileNotFoundError):
        read_images([tmp_path / "nope.png"])
    assert len(list_images(tmp_path / "images")) == 5
    with pytest.raises(ValueError, match="no .jpg"):
        list_images(_empty(tmp_path))


def _empty(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    return d


@pytest.mark.shared_data
def test_real_gz1_sample(shared_real):
    root = shared_real / "galaxy_zoo1_sdss_images"
    x, y, names, paths = load_image_folder(root, size=64, crop=0.5, mapping=gz1_mapping())
    assert names == CLASSES
    assert x.shape == (350, 3, 64, 64)  # 406 minus the 56 "don't know"
    assert np.bincount(y, minlength=4).tolist() == [70, 210, 70, 0]
    # real cut-outs: the galaxy is brighter in the middle than at the edge of the crop
    centre = x[:, :, 24:40, 24:40].mean()
    edge = x[:, :, :6, :].mean()
    assert centre > 2 * edge
