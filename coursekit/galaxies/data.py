"""Loaders for real galaxy cut-outs: Galaxy10 DECaLS (HDF5) and folders of labelled JPEG/PNG images.

Both return what the classifier eats: ``(n, 3, size, size)`` float32 colour images
in [0, 1] (see :mod:`coursekit.galaxies.preprocess`), integer labels and the class
names. I/O functions only read; they raise ``FileNotFoundError`` for missing
paths and ``ValueError`` naming the problem for files of the wrong layout.

Class mappings onto the four simulated classes (elliptical, spiral, merger, irregular):

* **Galaxy10 DECaLS** (Leung & Bovy 2019; Walmsley et al. 2022 labels): smooth classes
  (round, in-between, cigar) -> elliptical; barred/tight/loose spirals and both edge-on
  classes -> spiral; merging -> merger; disturbed -> irregular. "Disturbed" galaxies are
  asymmetric but not necessarily clumpy star-forming irregulars: an approximation.
* **Galaxy Zoo 1** (Lintott et al. 2008): elliptical -> elliptical; clockwise,
  anticlockwise and edge-on spirals -> spiral; merger -> merger; "don't know" has no
  counterpart and is dropped (GZ1 has no irregular class).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from coursekit.galaxies.preprocess import uint8_to_rgb
from coursekit.galaxies.simulate import CLASSES

GALAXY10_CLASSES: tuple[str, ...] = (
    "disturbed", "merging", "round_smooth", "in_between_round_smooth", "cigar_shaped_smooth",
    "barred_spiral", "unbarred_tight_spiral", "unbarred_loose_spiral", "edge_on_without_bulge",
    "edge_on_with_bulge",
)

#: Galaxy10 DECaLS class index -> index into :data:`CLASSES`.
GALAXY10_TO_FOUR: dict[int, int] = {0: 3, 1: 2, 2: 0, 3: 0, 4: 0, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1}

GZ1_CLASSES: tuple[str, ...] = (
    "elliptical", "spiral_clockwise", "spiral_anticlockwise", "edge_on", "dont_know", "merger",
)

#: Galaxy Zoo 1 class index -> index into :data:`CLASSES` (None: dropped).
GZ1_TO_FOUR: dict[int, int | None] = {0: 0, 1: 1, 2: 1, 3: 1, 4: None, 5: 2}

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def load_galaxy10(
    path: str | Path,
    *,
    task: str = "four",
    size: int = 64,
    crop: float = 1.0,
    indices: Sequence[int] | np.ndarray | None = None,
    chunk: int = 512,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Read Galaxy10 DECaLS (``Galaxy10_DECals.h5``: ``images`` (N, 256, 256, 3) uint8, ``ans`` (N,)).

    Parameters
    ----------
    task:
        ``"four"`` maps the 10 classes onto :data:`CLASSES` with :data:`GALAXY10_TO_FOUR`;
        ``"ten"`` keeps the original 10.
    size, crop:
        Output side in pixels, and the central fraction of the 256-pixel frame kept before resizing.
    indices:
        Read only these rows (sorted internally; the output follows the sorted order).
    chunk:
        Rows read at a time, to bound memory (the full file is 2.5 GB).

    Returns
    -------
    images (n, 3, size, size) float32 in [0, 1], labels (n,) int64, class names.
    """
    import h5py

    if task not in {"four", "ten"}:
        raise ValueError(f"task must be 'four' or 'ten', got {task!r}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"Galaxy10 file not found: {path} (fetch it with `python -m coursekit data fetch "
                                "galaxy10_decals`)")
    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"{path} is not a readable HDF5 file ({exc}); re-download it") from exc
    with fh:
        for key in ("images", "ans"):
            if key not in fh:
                raise ValueError(f"{path} is not a Galaxy10 file: it has no dataset {key!r} (has {sorted(fh)})")
        images, ans = fh["images"], fh["ans"]
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise ValueError(f"{path}: 'images' must be (N, H, W, 3) uint8, got {images.shape} {images.dtype}")
        if ans.shape != (images.shape[0],):
            raise ValueError(f"{path}: 'ans' has shape {ans.shape}, expected ({images.shape[0]},)")
        idx = np.arange(images.shape[0]) if indices is None else np.unique(np.asarray(indices, dtype=np.int64))
        if idx.size and (idx[0] < 0 or idx[-1] >= images.shape[0]):
            raise ValueError(f"indices out of range for {images.shape[0]} images")
        out = np.empty((idx.size, 3, size, size), dtype=np.float32)
        for start in range(0, idx.size, chunk):
            sel = idx[start : start + chunk]
            out[start : start + len(sel)] = uint8_to_rgb(images[sel], size=size, crop=crop)
        labels = np.asarray(ans[:], dtype=np.int64)[idx]
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels must be 0-9, got range [{labels.min()}, {labels.max()}]")
    if task == "ten":
        return out, labels, GALAXY10_CLASSES
    return out, np.array([GALAXY10_TO_FOUR[int(v)] for v in labels], dtype=np.int64), CLASSES


def read_images(paths: Sequence[str | Path], *, size: int = 64, crop: float = 1.0) -> np.ndarray:
    """Read JPEG/PNG files (any size; greyscale or RGBA are converted to RGB) -> (n, 3, size, size) in [0, 1]."""
    from PIL import Image, UnidentifiedImageError

    out = np.empty((len(paths), 3, size, size), dtype=np.float32)
    for i, p in enumerate(paths):
        p = Path(p)
        if not p.exists():
            raise FileNotFoundError(f"image not found: {p}")
        try:
            with Image.open(p) as im:
                arr = np.asarray(im.convert("RGB"))
        except (UnidentifiedImageError, OSError) as exc:
            raise ValueError(f"cannot read image {p}: {exc}") from exc
        out[i] = uint8_to_rgb(arr[None], size=size, crop=crop)[0]
    return out


def list_images(path: str | Path) -> list[Path]:
    """Image files in a folder (sorted), or the file itself."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"no {'/'.join(IMAGE_SUFFIXES)} images in {path}")
    return files


def load_image_folder(
    root: str | Path,
    *,
    size: int = 64,
    crop: float = 0.5,
    label_column: str = "class_name",
    file_column: str = "filename",
    mapping: dict[str, str | None] | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], list[Path]]:
    """Labelled cut-outs in the layout ``root/labels.csv`` + ``root/images/*.jpeg``.

    ``labels.csv`` needs a ``file_column`` (path relative to ``root``) and a
    ``label_column`` (class name). ``mapping`` renames classes (``None`` drops the
    row), e.g. :func:`gz1_mapping` for the Galaxy Zoo 1 sample. ``crop`` keeps the
    central fraction of each frame (0.5 suits the SDSS Galaxy Zoo cut-outs, whose
    galaxies fill the middle of a 423-pixel frame).

    Returns images (n, 3, size, size) float32 in [0, 1], labels (n,) int64 indices
    into the returned class names (:data:`CLASSES` when the names are a subset of
    it, else the sorted names), those class names, and the image paths.
    """
    root = Path(root)
    table = root / "labels.csv"
    if not table.exists():
        raise FileNotFoundError(f"{table} not found: the folder needs labels.csv with columns "
                                f"{file_column!r} and {label_column!r}")
    with open(table, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{table} has no rows")
    for col in (file_column, label_column):
        if col not in rows[0]:
            raise ValueError(f"{table} has no column {col!r}; columns are {list(rows[0])}")
    names, paths = [], []
    for row in rows:
        name = row[label_column].strip()
        if mapping is not None:
            if name not in mapping:
                raise ValueError(f"class {name!r} in {table} is not in the mapping {sorted(mapping)}")
            name = mapping[name]
            if name is None:
                continue
        names.append(name)
        paths.append(root / row[file_column])
    uniq = set(names)
    # keep the simulator's label order when possible, so a simulation-trained model applies directly
    classes = CLASSES if uniq <= set(CLASSES) else tuple(sorted(uniq))
    lookup = {c: i for i, c in enumerate(classes)}
    labels = np.array([lookup[n] for n in names], dtype=np.int64)
    return read_images(paths, size=size, crop=crop), labels, classes, paths


def gz1_mapping() -> dict[str, str | None]:
    """Galaxy Zoo 1 class names -> the four simulated classes (``dont_know`` dropped)."""
    return {name: (CLASSES[GZ1_TO_FOUR[i]] if GZ1_TO_FOUR[i] is not None else None)
            for i, name in enumerate(GZ1_CLASSES)}
