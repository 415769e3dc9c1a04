"""Real galaxy cut-outs, resolved through the course's data cache, as one type from every tier.

Every loader returns a :class:`Cutouts`: ``(n, 3, size, size)`` float32 colour images in [0, 1],
integer labels, the class names, the objects' ids, and the tier and message of
:func:`coursekit.data.resolve`. The notebook and the experiment never branch on the tier.

Data sets (``data_manifest.yaml``):

``galaxy_zoo1_cutouts``
    SDSS gri colour JPEGs (423 x 423 px) of Galaxy Zoo 1 galaxies (Lintott et al. 2008, 2011), stored in the
    cache as ``images/<objid>.jpeg`` beside the upstream label table ``smallCSV_class.csv`` (columns
    ``OBJID, CLASS``; codes 0 elliptical, 1 clockwise spiral, 2 anticlockwise spiral, 3 edge-on, 4 don't know,
    5 merger). Only the rows whose image is present are kept. The sample tier has 406 images. The labels
    are mapped onto three classes: elliptical; spiral (clockwise, anticlockwise and edge-on discs: Galaxy
    Zoo 1's classes are hierarchical, all three are spirals); merger. "Don't know" has no class and is dropped.
    Stand-in: simulated ellipticals, spirals and mergers through the same colour stretch.
``galaxy10_decals``
    Galaxy10 DECaLS (Leung & Bovy 2019; labels Walmsley et al. 2022): HDF5 with ``images`` (N, 256, 256, 3)
    uint8 and ``ans`` (N,), mapped onto the same three classes (disturbed galaxies dropped, see
    :data:`GALAXY10_TO_REAL`). Full mode only.

I/O functions only read; bad files raise ``ValueError`` naming the file and what to do.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from coursekit.galaxies.simulate import CLASSES

#: The classes of the real-data lesson (a subset of the simulator's :data:`CLASSES`, same names).
REAL_CLASSES: tuple[str, ...] = ("elliptical", "spiral", "merger")

GZ1_CLASSES: tuple[str, ...] = (
    "elliptical", "spiral_clockwise", "spiral_anticlockwise", "edge_on", "dont_know", "merger",
)

#: Galaxy Zoo 1 class code -> class name of :data:`REAL_CLASSES` (``None``: dropped).
GZ1_TO_REAL: dict[int, str | None] = {0: "elliptical", 1: "spiral", 2: "spiral", 3: "spiral", 4: None,
                                     5: "merger"}

GALAXY10_CLASSES: tuple[str, ...] = (
    "disturbed", "merging", "round_smooth", "in_between_round_smooth", "cigar_shaped_smooth",
    "barred_spiral", "unbarred_tight_spiral", "unbarred_loose_spiral", "edge_on_without_bulge",
    "edge_on_with_bulge",
)

#: Galaxy10 DECaLS class index -> index into the simulator's :data:`CLASSES`
#: (smooth -> elliptical, discs -> spiral, merging -> merger, disturbed -> irregular: a loose match).
GALAXY10_TO_FOUR: dict[int, int] = {0: 3, 1: 2, 2: 0, 3: 0, 4: 0, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1}

#: Galaxy10 DECaLS class index -> class name of :data:`REAL_CLASSES` (``None``: dropped).
GALAXY10_TO_REAL: dict[int, str | None] = {k: (CLASSES[v] if CLASSES[v] in REAL_CLASSES else None)
                                           for k, v in GALAXY10_TO_FOUR.items()}

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz")

#: Largest image side (pixels) :func:`read_images` accepts: a cut-out centred on one galaxy, not a plate.
MAX_CUTOUT_SIDE = 1024


@dataclass(frozen=True)
class Cutouts:
    """Labelled colour cut-outs, the same type from the sample, full and stand-in tiers.

    images: (n, 3, H, W) float32 in [0, 1] (R, G, B); labels: (n,) int64 indices into ``classes``;
    ids: (n,) object identifiers (SDSS DR7 objid, Galaxy10 row, or ``sim-<i>``); ``tier``/``message``:
    what :func:`coursekit.data.resolve` chose and its one-line explanation.
    """

    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    ids: np.ndarray
    source: str
    tier: str = "stand-in"
    message: str = ""
    paths: tuple[Path, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or self.images.shape[1] != 3:
            raise ValueError(f"Cutouts.images must be (n, 3, H, W), got {self.images.shape}")
        if not (len(self.images) == len(self.labels) == len(self.ids)):
            raise ValueError(f"Cutouts: {len(self.images)} images, {len(self.labels)} labels, {len(self.ids)} ids")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def is_real(self) -> bool:
        return self.tier != "stand-in"

    def subset(self, idx: np.ndarray) -> Cutouts:
        """The cut-outs at integer indices ``idx`` (same classes, tier and source)."""
        idx = np.asarray(idx)
        return replace(self, images=self.images[idx], labels=self.labels[idx], ids=self.ids[idx])

    def counts(self) -> dict[str, int]:
        """Number of cut-outs per class."""
        return {c: int(n) for c, n in zip(self.classes, np.bincount(self.labels, minlength=len(self.classes)))}

    def to_table(self):
        """An astropy ``Table`` with one row per cut-out: ``id``, ``label``, ``class_name`` and ``image``."""
        from astropy.table import Table

        return Table({"id": self.ids, "label": self.labels,
                      "class_name": np.array([self.classes[i] for i in self.labels]), "image": self.images},
                     meta={"source": self.source, "tier": self.tier})


# --------------------------------------------------------------------------- images

def uint8_to_rgb(images: np.ndarray, size: int = 64, crop: float = 1.0) -> np.ndarray:
    """8-bit colour cut-outs (n, H, W, 3) -> (n, 3, size, size) float32 in [0, 1].

    ``crop`` is the fraction of the frame kept around the centre before the area-averaging
    resize (torch's ``antialias=True`` bilinear), e.g. 0.5 for the Galaxy Zoo SDSS JPEGs,
    whose galaxies fill only the middle of the 423-pixel frame.
    """
    import torch
    import torch.nn.functional as F

    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected 8-bit colour images of shape (n, H, W, 3), got {images.shape}")
    if not 0 < crop <= 1:
        raise ValueError(f"crop must be in (0, 1], got {crop}")
    h, w = images.shape[1:3]
    ch, cw = max(1, int(round(h * crop))), max(1, int(round(w * crop)))
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    x = torch.from_numpy(np.array(images[:, y0 : y0 + ch, x0 : x0 + cw])).permute(0, 3, 1, 2).float() / 255.0
    if (ch, cw) != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return x.clamp(0, 1).numpy().astype(np.float32)


def _is_fits(path: Path) -> bool:
    return any(path.name.lower().endswith(s) for s in FITS_SUFFIXES)


def read_fits_cutout(path: str | Path) -> np.ndarray:
    """A three-band FITS cut-out (primary or first image HDU of shape (3, H, W), bands blue to red)
    -> (H, W, 3) uint8 Lupton composite (R = reddest band), or ``ValueError`` saying why it cannot be used.

    A single-band image (a photographic plate, one filter) has no colour and is refused: the classifier
    was trained on gri colour composites.
    """
    from astropy.io import fits
    from astropy.visualization import LuptonAsinhStretch, ManualInterval, make_lupton_rgb

    path = Path(path)
    try:
        with fits.open(path) as hdul:
            hdu = next((h for h in hdul if getattr(h, "data", None) is not None and h.data.ndim >= 2), None)
            data = None if hdu is None else np.asarray(hdu.data, dtype=np.float64)
    except OSError as exc:
        raise ValueError(f"{path}: not a readable FITS file ({exc})") from None
    if data is None:
        raise ValueError(f"{path}: the FITS file holds no image")
    if data.ndim != 3 or data.shape[0] != 3:
        bands = 1 if data.ndim == 2 else data.shape[0]
        raise ValueError(
            f"{path}: a FITS image of shape {data.shape} ({bands} band{'s' * (bands != 1)}); the classifier needs a "
            "colour cut-out of one galaxy: give a JPEG/PNG, or a FITS cube of shape (3, H, W) with the g, r, i "
            "(or g, r, z) images of the galaxy, bluest first")
    data = np.nan_to_num(data)
    sky = np.median(data.reshape(3, -1), axis=1)
    noise = 1.4826 * np.median(np.abs(data.reshape(3, -1) - sky[:, None]), axis=1)
    scale = float(np.max(noise)) or 1.0
    rgb = make_lupton_rgb(data[2] - sky[2], data[1] - sky[1], data[0] - sky[0],
                          interval=ManualInterval(vmin=scale, vmax=None),
                          stretch_object=LuptonAsinhStretch(stretch=5 * scale, Q=8))
    return rgb


def read_images(paths: Sequence[str | Path], *, size: int = 64, crop: float = 1.0,
                max_side: int = MAX_CUTOUT_SIDE) -> np.ndarray:
    """Read JPEG/PNG (any mode, converted to RGB) or three-band FITS cut-outs -> (n, 3, size, size) in [0, 1].

    Images larger than ``max_side`` pixels are refused: a survey plate or a wide field holds many
    objects, and shrinking it to ``size`` pixels would classify the whole field as one "galaxy".
    """
    from PIL import Image, UnidentifiedImageError

    out = np.empty((len(paths), 3, size, size), dtype=np.float32)
    for i, p in enumerate(paths):
        p = Path(p)
        if not p.exists():
            raise FileNotFoundError(f"image not found: {p}")
        if _is_fits(p):
            arr = read_fits_cutout(p)
        else:
            try:
                with Image.open(p) as im:
                    arr = np.asarray(im.convert("RGB"))
            except (UnidentifiedImageError, OSError) as exc:
                raise ValueError(f"cannot read image {p}: {exc}; give JPEG, PNG or three-band FITS cut-outs") from None
        if max(arr.shape[:2]) > max_side:
            raise ValueError(
                f"{p} is {arr.shape[1]} x {arr.shape[0]} px, larger than a cut-out of one galaxy (max {max_side} px): "
                "cut out each galaxy first (e.g. astropy.nddata.Cutout2D around its position)")
        out[i] = uint8_to_rgb(arr[None], size=size, crop=crop)[0]
    return out


def list_images(path: str | Path) -> list[Path]:
    """Image files in a folder (sorted, recursive), or the file itself."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*")
                   if p.suffix.lower() in IMAGE_SUFFIXES or _is_fits(p))
    if not files:
        raise ValueError(f"no {'/'.join(IMAGE_SUFFIXES)} or FITS images in {path}")
    return files


# --------------------------------------------------------------------------- labelled folders

def _class_index(names: list[str], classes: Sequence[str] | None) -> tuple[np.ndarray, tuple[str, ...]]:
    uniq = set(names)
    if classes is None:
        classes = REAL_CLASSES if uniq <= set(REAL_CLASSES) else tuple(sorted(uniq))
    unknown = sorted(uniq - set(classes))
    if unknown:
        raise ValueError(f"labels {unknown} are not among the classes {list(classes)}")
    lookup = {c: i for i, c in enumerate(classes)}
    return np.array([lookup[n] for n in names], dtype=np.int64), tuple(classes)


def read_gz1_table(folder: str | Path) -> list[tuple[str, int]]:
    """``(objid, class code)`` of every row of ``smallCSV_class.csv`` whose ``images/<objid>.jpeg`` exists.

    The objid is kept as a string (18 digits do not survive a float).
    """
    folder = Path(folder)
    table = folder / "smallCSV_class.csv"
    if not table.exists():
        raise FileNotFoundError(f"{table} not found: a Galaxy Zoo 1 folder holds smallCSV_class.csv and images/")
    with open(table, newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not {"OBJID", "CLASS"} <= set(reader.fieldnames):
            raise ValueError(f"{table}: expected columns OBJID,CLASS, got {reader.fieldnames}")
        rows = []
        for line, row in enumerate(reader, start=2):
            try:
                code = int(row["CLASS"])
            except (TypeError, ValueError):
                raise ValueError(f"{table} line {line}: CLASS {row['CLASS']!r} is not an integer code 0-5") from None
            if code not in GZ1_TO_REAL:
                raise ValueError(f"{table} line {line}: CLASS {code} is not a Galaxy Zoo 1 code (0-5)")
            objid = row["OBJID"].strip()
            if (folder / "images" / f"{objid}.jpeg").exists():
                rows.append((objid, code))
    if not rows:
        raise ValueError(f"{table}: none of its objects has an image in {folder / 'images'}")
    return rows


def read_gz1_folder(folder: str | Path, *, size: int = 64, crop: float = 0.5) -> tuple[
        np.ndarray, np.ndarray, tuple[str, ...], np.ndarray]:
    """Images, labels (into :data:`REAL_CLASSES`), classes and objids of a Galaxy Zoo 1 folder ("don't know" dropped)."""
    folder = Path(folder)
    rows = [(o, GZ1_TO_REAL[c]) for o, c in read_gz1_table(folder) if GZ1_TO_REAL[c] is not None]
    images = read_images([folder / "images" / f"{o}.jpeg" for o, _ in rows], size=size, crop=crop)
    labels = np.array([REAL_CLASSES.index(name) for _, name in rows], dtype=np.int64)
    return images, labels, REAL_CLASSES, np.array([o for o, _ in rows])


def load_labelled_folder(
    root: str | Path,
    *,
    size: int = 64,
    crop: float = 0.5,
    label_column: str = "class_name",
    file_column: str = "filename",
    classes: Sequence[str] | None = None,
) -> Cutouts:
    """A user's labelled cut-outs: ``root/labels.csv`` (``file_column``, ``label_column``) + the images it names,
    or a Galaxy Zoo 1 folder (``smallCSV_class.csv`` + ``images/<objid>.jpeg``).

    Class names are kept as written (a label set inside :data:`REAL_CLASSES` keeps that order, else sorted).
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no such folder: {root}")
    if not (root / "labels.csv").exists() and (root / "smallCSV_class.csv").exists():
        x, y, names, ids = read_gz1_folder(root, size=size, crop=crop)
        return Cutouts(x, y, names, ids, f"Galaxy Zoo 1 folder {root}", tier="user", message=f"data: {root}")
    table = root / "labels.csv"
    if not table.exists():
        raise FileNotFoundError(f"{table} not found: the folder needs labels.csv with columns {file_column!r} and "
                                f"{label_column!r} (or a Galaxy Zoo 1 smallCSV_class.csv + images/)")
    with open(table, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{table} has no rows")
    for col in (file_column, label_column):
        if col not in rows[0]:
            raise ValueError(f"{table} has no column {col!r}; columns are {list(rows[0])}")
    names = [r[label_column].strip() for r in rows]
    if any(not n for n in names):
        raise ValueError(f"{table}: empty {label_column!r} in line {names.index('') + 2}")
    labels, classes = _class_index(names, classes)
    paths = [root / r[file_column] for r in rows]
    images = read_images(paths, size=size, crop=crop)
    ids = np.array([Path(r[file_column]).stem for r in rows])
    return Cutouts(images, labels, classes, ids, f"labelled folder {root}", tier="user", message=f"data: {root}",
                   paths=tuple(paths))


# --------------------------------------------------------------------------- Galaxy10 DECaLS

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

    ``task``: ``"four"`` maps the 10 classes onto the simulator's :data:`CLASSES` with
    :data:`GALAXY10_TO_FOUR`, ``"ten"`` keeps them. ``indices`` reads only those rows (sorted);
    ``chunk`` rows are decoded at a time (the file is 2.5 GB).
    Returns images (n, 3, size, size) float32 in [0, 1], labels (n,) int64, class names.
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
        raise ValueError(f"{path} is not a readable HDF5 file ({exc}); re-download it") from None
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


# --------------------------------------------------------------------------- resolution

def simulated_cutouts(n: int, *, size: int = 64, seed: int = 0, message: str = "") -> Cutouts:
    """The stand-in: ``n`` simulated ellipticals, spirals and mergers as colour images (tier ``stand-in``)."""
    from coursekit.galaxies.simulate import simulate_rgb

    sim_index = tuple(CLASSES.index(c) for c in REAL_CLASSES)
    x, y = simulate_rgb(n, size=size, seed=seed, classes=sim_index)
    labels = np.array([sim_index.index(int(v)) for v in y], dtype=np.int64)
    return Cutouts(x, labels, REAL_CLASSES, np.array([f"sim-{i}" for i in range(n)]),
                   "simulated stand-in (ellipticals, spirals, mergers)", tier="stand-in", message=message)


def load_gz1_cutouts(*, size: int = 64, crop: float = 0.5, mode: str | None = None, n_standin: int = 350,
                     seed: int = 0) -> Cutouts:
    """The Galaxy Zoo 1 cut-outs of ``galaxy_zoo1_cutouts`` for the current mode (prints the data tier line).

    Sample/full tier: the SDSS JPEGs with labels mapped onto :data:`REAL_CLASSES` ("don't know" dropped; 350 of
    the 406 sample images). Stand-in: ``n_standin`` simulated galaxies of the same three classes.
    """
    from coursekit.data import resolve

    r = resolve("galaxy_zoo1_cutouts", mode=mode)
    if not r.is_real:
        return simulated_cutouts(n_standin, size=size, seed=seed, message=r.message)
    folder = r.path("smallCSV_class.csv").parent
    x, y, classes, ids = read_gz1_folder(folder, size=size, crop=crop)
    return Cutouts(x, y, classes, ids, f"Galaxy Zoo 1 SDSS gri JPEGs ({len(y)}, 'don't know' dropped)",
                   tier=r.tier, message=r.message, paths=tuple(r.paths))


def load_galaxy10_cutouts(*, size: int = 64, crop: float = 0.5, n: int | None = None, mode: str | None = None,
                          seed: int = 0) -> Cutouts:
    """Galaxy10 DECaLS (``galaxy10_decals``) mapped onto :data:`REAL_CLASSES` (disturbed dropped); ``n`` random rows.

    In reduced mode (no full tier there) this is the simulated stand-in of ``n`` (default 350) galaxies.
    """
    from coursekit.data import resolve

    r = resolve("galaxy10_decals", mode=mode)
    if not r.is_real:
        return simulated_cutouts(n or 350, size=size, seed=seed, message=r.message)
    path = r.path("Galaxy10_DECals.h5")
    import h5py

    with h5py.File(path, "r") as fh:
        ans = np.asarray(fh["ans"][:], dtype=np.int64)
    keep = np.flatnonzero([GALAXY10_TO_REAL[int(a)] is not None for a in ans])
    if n is not None and n < keep.size:
        keep = np.sort(np.random.default_rng(seed).choice(keep, size=n, replace=False))
    x, y10, _ = load_galaxy10(path, task="ten", size=size, crop=crop, indices=keep)
    labels = np.array([REAL_CLASSES.index(GALAXY10_TO_REAL[int(v)]) for v in y10], dtype=np.int64)
    return Cutouts(x, labels, REAL_CLASSES, np.array([f"g10-{i}" for i in keep]),
                   f"Galaxy10 DECaLS ({len(labels)} of 17,736; disturbed dropped)", tier=r.tier, message=r.message,
                   paths=(path,))


def load_real(cfg, mode: str | None = None) -> Cutouts:
    """The real cut-outs of the lesson: Galaxy Zoo 1 (reduced mode), Galaxy10 DECaLS (full mode)."""
    from coursekit.config import get_mode

    if get_mode(mode) == "full":
        return load_galaxy10_cutouts(size=cfg.size, crop=cfg.real_crop, n=cfg.n_real, mode=mode, seed=cfg.seed)
    return load_gz1_cutouts(size=cfg.size, crop=cfg.real_crop, mode=mode, seed=cfg.seed)


#: Words that name the sense of a spiral's winding, each with its mirror image: Galaxy Zoo 1 votes "clockwise"
#: (Z-wise) and "anticlockwise" (S-wise) spirals apart (Lintott et al. 2008; Land et al. 2008).
_MIRROR_WORDS = (("anticlockwise", "clockwise"), ("counterclockwise", "clockwise"), ("acw", "cw"), ("ccw", "cw"),
                 ("swise", "zwise"))


def mirror_image_classes(classes: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs of class names that are each other's mirror image, e.g. ``spiral_clockwise`` and
    ``spiral_anticlockwise`` (also ``cw``/``acw``, ``ccw``, ``S-wise``/``Z-wise``).

    A mirror flip turns a clockwise spiral into an anticlockwise one: a classifier of such classes that augments
    or averages over flips must swap their labels (:func:`mirror_permutation`).
    """
    def norm(name: str) -> list[str]:
        return [t for t in re.split(r"[^a-z0-9]+", name.lower().replace("-", "")) if t]

    tokens = {c: norm(c) for c in classes}
    pairs = []
    for a in classes:
        for b in classes:
            ta, tb = tokens[a], tokens[b]
            if a == b or len(ta) != len(tb):
                continue
            diff = [(x, y) for x, y in zip(ta, tb) if x != y]
            if len(diff) == 1 and diff[0] in _MIRROR_WORDS:
                pairs.append((b, a))
    return pairs


def mirror_permutation(classes: Sequence[str]) -> tuple[int, ...]:
    """The class index a mirror image of each class belongs to (identity but for :func:`mirror_image_classes`);
    ``()`` when no two classes are each other's mirror image."""
    pairs = mirror_image_classes(classes)
    if not pairs:
        return ()
    index = {c: i for i, c in enumerate(classes)}
    perm = list(range(len(classes)))
    for a, b in pairs:
        perm[index[a]], perm[index[b]] = index[b], index[a]
    return tuple(perm)


def stratified_split(labels: np.ndarray, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (first, second) with ``fraction`` of every class in the first part (sorted, disjoint)."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    first = []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        first.append(idx[: int(round(fraction * len(idx)))])
    first = np.sort(np.concatenate(first))
    second = np.setdiff1d(np.arange(len(labels)), first)
    return first, second
