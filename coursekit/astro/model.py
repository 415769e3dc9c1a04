"""Star/galaxy separation with a small CNN on postage stamps.

* :class:`StarGalaxyCNN`: three 3x3 convolution blocks and a linear head on a
  (1, size, size) normalised stamp; one logit, ``sigmoid`` = P(galaxy). CNN star/galaxy
  classifiers on stamps follow Kim & Brunner (2017, MNRAS 464, 4463).
* :func:`train_cnn` (through :func:`coursekit.training.fit`), :func:`predict_proba`,
  :func:`save` / :func:`load` (through :mod:`coursekit.checkpoint`).
* :func:`labelled_sample` turns a simulated field into detections with true labels and
  stamps, the input of the CNN and of the classical baselines (:mod:`coursekit.astro.baseline`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from astropy import units as u
from astropy.table import Table, vstack
from torch import nn

from coursekit.astro.baseline import add_log_snr
from coursekit.astro.detect import Detection, cross_match, detect, table_coords
from coursekit.astro.simulate import FieldSpec, SimulatedField, simulate_field
from coursekit.astro.stamps import StampDataset, cutout_stamps, neighbour_masks


@dataclass
class LabelledSample:
    """Detections with their true labels: ``table`` (detection columns + ``is_galaxy``, ``mag_true``,
    ``type``, ``truth_id``, ``edge``, ``n_neighbour_px``), ``stamps`` (n, size, size) raw pixels, ``background``
    (n, size, size) cut-outs of the background map and ``neighbours`` (n, size, size) bool, the stamp pixels that
    belong to other sources' segments (:func:`~coursekit.astro.stamps.neighbour_masks`; ``None``: not known)."""

    table: Table
    stamps: np.ndarray
    background: np.ndarray
    neighbours: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.table)

    def dataset(self, features: tuple[str, ...] = (), feature_stats=None, *,
                mask_neighbours: bool = True) -> StampDataset:
        """The torch dataset of normalised stamps (plus standardised ``features`` columns), label ``is_galaxy``.

        ``mask_neighbours``: blank the pixels of other sources' segments first (needs ``neighbours``)."""
        if mask_neighbours and self.neighbours is None:
            raise ValueError("this sample has no neighbour masks; build it with labelled_sample, or pass "
                             "mask_neighbours=False")
        return StampDataset(self.stamps, self.table, label="is_galaxy", background=self.background,
                            features=features, feature_stats=feature_stats,
                            mask=self.neighbours if mask_neighbours else None)

    def subset(self, mask: np.ndarray) -> LabelledSample:
        return LabelledSample(self.table[mask], self.stamps[mask], self.background[mask],
                              None if self.neighbours is None else self.neighbours[mask])


def labelled_sample(field: SimulatedField, stamp_size: int = 21, *, detection: Detection | None = None,
                    max_sep: u.Quantity = 1.0 * u.arcsec) -> LabelledSample:
    """Detect the sources of a simulated field, match them to the truth and cut stamps.

    Detections with no injected source within ``max_sep`` are dropped (they have no label). The deblended
    segmentation gives each stamp's ``neighbours`` mask; ``n_neighbour_px`` counts its pixels.
    """
    det = detection if detection is not None else detect(field.data, field.wcs, fwhm=field.spec.psf_fwhm)
    cat = det.catalog
    truth = field.truth
    m = cross_match(table_coords(truth), table_coords(cat), max_sep)
    ti = np.nonzero(m.matched)[0]
    di = m.index[ti]
    t = cat[di]
    t["is_galaxy"] = np.asarray(truth["is_galaxy"][ti], np.int16)
    t["type"] = truth["type"][ti]
    t["mag_true"] = truth["mag"][ti]
    t["truth_id"] = truth["id"][ti]
    add_log_snr(t)
    x, y = np.asarray(t["x"], float), np.asarray(t["y"], float)
    stamps, edge, _ = cutout_stamps(field.data, x, y, stamp_size)
    bkg, _, _ = cutout_stamps(det.background, x, y, stamp_size)
    if det.segmentation is not None and len(t):
        neighbours = neighbour_masks(det.segmentation.data, np.asarray(t["id"]), x, y, stamp_size)
    else:
        neighbours = np.zeros(stamps.shape, bool)
    t["edge"] = edge
    t["n_neighbour_px"] = neighbours.sum(axis=(1, 2))
    return LabelledSample(t, stamps, bkg, neighbours)


def simulated_samples(seeds, spec: FieldSpec | None = None, stamp_size: int = 21) -> LabelledSample:
    """Concatenate :func:`labelled_sample` over fields simulated with ``seeds``."""
    parts = [labelled_sample(simulate_field(seed=s, spec=spec), stamp_size) for s in seeds]
    if not parts:
        raise ValueError("seeds is empty")
    tables = []
    for s, p in zip(seeds, parts):
        t = p.table.copy()
        t["field_seed"] = s
        t.meta = {}
        tables.append(t)
    return LabelledSample(vstack(tables, metadata_conflicts="silent"), np.concatenate([p.stamps for p in parts]),
                          np.concatenate([p.background for p in parts]),
                          np.concatenate([p.neighbours for p in parts]))


class StarGalaxyCNN(nn.Module):
    """Small CNN: (batch, 1, size, size) normalised stamps [+ (batch, n_features) catalogue columns]
    -> (batch,) logits of P(galaxy).

    Three conv blocks (16, 32, 32 channels, 3x3, BatchNorm, ReLU; max-pool after the first two), global
    average pooling, then (with ``n_features`` > 0, the standardised catalogue columns appended) a hidden
    layer of 32 and one output. About 15 k parameters.
    """

    def __init__(self, channels: tuple[int, int, int] = (16, 32, 32), n_features: int = 0):
        super().__init__()
        self.n_features = int(n_features)
        c1, c2, c3 = channels

        def block(i, o):
            return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]

        self.features = nn.Sequential(*block(1, c1), nn.MaxPool2d(2), *block(c1, c2), nn.MaxPool2d(2),
                                      *block(c2, c3), nn.AdaptiveAvgPool2d(1))
        self.head = nn.Sequential(nn.Linear(c3 + self.n_features, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x: torch.Tensor, f: torch.Tensor | None = None) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"StarGalaxyCNN expects (batch, 1, size, size) stamps, got {tuple(x.shape)}")
        # the flux-normalised pixels are ~1/size^2; rescale so the first layer sees O(1) values
        h = self.features(x * x.shape[-1] ** 2).flatten(1)
        if self.n_features:
            if f is None or f.shape != (x.shape[0], self.n_features):
                raise ValueError(f"this model needs (batch, {self.n_features}) features beside the stamps, "
                                 f"got {None if f is None else tuple(f.shape)}")
            h = torch.cat([h, f], dim=1)
        elif f is not None:
            raise ValueError("this model takes no features; build it with n_features > 0")
        return self.head(h).squeeze(-1)


def dihedral_augment(inputs: list[torch.Tensor], y: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Random flips and 90-degree rotations of each batch (stars and galaxies have no preferred orientation)."""
    x = inputs[0]
    k = int(torch.randint(0, 4, (1,)))
    x = torch.rot90(x, k, dims=(-2, -1))
    if bool(torch.randint(0, 2, (1,))):
        x = torch.flip(x, dims=(-1,))
    return [x, *inputs[1:]], y


def train_cnn(train: StampDataset, val: StampDataset, *, epochs: int = 12, batch_size: int = 128, lr: float = 3e-3,
              seed: int = 0, device=None, progress: bool | None = None, cpu_threads: int | None = 1):
    """Train :class:`StarGalaxyCNN` with :func:`coursekit.training.fit` (BCE loss, AdamW, cosine LR, dihedral
    augmentation, best-validation weights restored). The model takes the dataset's ``features`` beside the stamps
    when it has any. ``cpu_threads``: torch intra-op threads while training on a CPU (restored afterwards);
    one is as fast for this ~15 k-parameter model and does not fight other processes for cores; ``None`` keeps
    torch's setting. Returns ``(model, history)``."""
    from coursekit.metrics import accuracy_from_logits
    from coursekit.training import fit

    torch.manual_seed(seed)
    base = train.dataset if isinstance(train, torch.utils.data.Subset) else train
    model = StarGalaxyCNN(n_features=getattr(base, "n_features", 0))
    g = torch.Generator().manual_seed(seed)
    tl = torch.utils.data.DataLoader(train, batch_size=batch_size, shuffle=True, generator=g)
    vl = torch.utils.data.DataLoader(val, batch_size=512)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
    hist = fit(model, tl, vl, loss_fn=nn.BCEWithLogitsLoss(), epochs=epochs, optimizer=opt, scheduler=sched,
               batch_transform=dihedral_augment, metrics={"accuracy": accuracy_from_logits}, device=device,
               progress=progress, desc="star/galaxy CNN", threads=cpu_threads)
    return model, hist


def predict_proba(model: nn.Module, dataset: StampDataset, device=None) -> np.ndarray:
    """P(galaxy) for every stamp of ``dataset``: (n,) in [0, 1]."""
    from coursekit.training import predict

    dev = device if device is not None else next(model.parameters()).device
    loader = torch.utils.data.DataLoader(dataset, batch_size=512)
    return predict(model, loader, device=dev, transform=torch.sigmoid).reshape(-1)


def save(path, model: StarGalaxyCNN, *, stamp_size: int, features: tuple[str, ...] = (), feature_stats=None,
         extra: dict | None = None):
    """Write ``model`` with what is needed to use it (stamp size, catalogue features and their standardisation)
    through :func:`coursekit.checkpoint.save_model` (topic ``"astro"``). Returns the path."""
    from coursekit.checkpoint import save_model

    stats = None if feature_stats is None else [np.asarray(a, float).tolist() for a in feature_stats]
    config = {"n_features": model.n_features, "stamp_size": int(stamp_size), "features": list(features),
              "feature_stats": stats}
    return save_model(path, topic="astro", state_dict=model.state_dict(), config=config, extra=extra or {})


def load(path) -> tuple[StarGalaxyCNN, dict]:
    """Read a model written by :func:`save`; ``ModelFileError`` (one line) for a file of another topic, a
    changed file or a pickle. Returns ``(model in eval mode, config)``."""
    from coursekit.checkpoint import ModelFileError, load_model

    ck = load_model(path, topic="astro")
    config = dict(ck.config or {})
    model = StarGalaxyCNN(n_features=int(config.get("n_features", 0)))
    try:
        model.load_state_dict(ck.state_dict)
    except RuntimeError as exc:
        raise ModelFileError(f"{path}: the weights do not fit a StarGalaxyCNN ({str(exc).splitlines()[0]}); "
                             "save the model with coursekit.astro.model.save") from None
    model.eval()
    return model, config
