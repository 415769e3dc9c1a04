"""The dual-view CNN of Shallue & Vanderburg (2018, "AstroNet", Sec. 4) and its single-view ablation.

Each view has its own column of 1-D convolution blocks (convolutions with
ReLU, then max pooling with stride 2); the flattened outputs of the columns
are concatenated and passed to fully connected layers that end in **one
logit** (planet vs not). The paper's columns are wider (global: 5 blocks of
16-256 filters; local: 2 blocks of 16-32; four 512-unit dense layers); the
course's reduced configuration keeps the shape and shrinks the widths so it
trains on a laptop CPU in seconds. Training uses ``BCEWithLogitsLoss`` on the
logit (numerically stable; apply ``sigmoid`` only to report probabilities)
and the shared loop :func:`coursekit.training.fit`; the views are randomly
reflected in time as augmentation (Sec. 4.3).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from coursekit.transits.config import PAPER_CONFIG, CNNConfig  # noqa: F401  (PAPER_CONFIG re-exported)

VIEWS = ("global", "local")


class ConvColumn(nn.Module):
    """Blocks of ``convs_per_block`` x (Conv1d + ReLU) followed by MaxPool1d(pool, stride 2).

    Input (batch, length) or (batch, 1, length); output (batch, channels[-1] * out_length).
    """

    def __init__(self, length: int, channels: tuple[int, ...], kernel: int, pool: int, convs_per_block: int):
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 1
        for c in channels:
            for _ in range(convs_per_block):
                layers += [nn.Conv1d(c_in, c, kernel, padding=kernel // 2), nn.ReLU()]
                c_in = c
            layers.append(nn.MaxPool1d(pool, stride=2))
        self.net = nn.Sequential(*layers)
        with torch.no_grad():
            self.out_features = int(self.net(torch.zeros(1, 1, length)).numel())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.unsqueeze(1)
        return self.net(x).flatten(1)


class TransitCNN(nn.Module):
    """Planet-vs-false-positive classifier on the global and/or local view; returns logits (batch,).

    ``views=("global", "local")`` is the paper's dual-view model; ``("global",)`` or
    ``("local",)`` the single-view ablations. ``forward`` takes the views in that order,
    each (batch, 2001) / (batch, 201).
    """

    def __init__(
        self,
        views: tuple[str, ...] = VIEWS,
        config: CNNConfig = CNNConfig(),
        global_length: int = 2001,
        local_length: int = 201,
    ):
        super().__init__()
        views = tuple(views)
        if not views or any(v not in VIEWS for v in views) or len(set(views)) != len(views):
            raise ValueError(f"views must be a non-empty ordered subset of {VIEWS}, got {views}")
        self.views = views
        self.config = config
        self.lengths = {"global": global_length, "local": local_length}
        cols = {}
        if "global" in views:
            cols["global"] = ConvColumn(global_length, config.global_channels, config.kernel, config.global_pool,
                                        config.convs_per_block)
        if "local" in views:
            cols["local"] = ConvColumn(local_length, config.local_channels, config.kernel, config.local_pool,
                                       config.convs_per_block)
        self.columns = nn.ModuleDict(cols)
        width = sum(c.out_features for c in self.columns.values())
        head: list[nn.Module] = []
        for h in config.fc:
            head += [nn.Dropout(config.dropout), nn.Linear(width, h), nn.ReLU()]
            width = h
        head.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*head)

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        if len(xs) != len(self.views):
            raise ValueError(f"this model takes {len(self.views)} view(s) {self.views}, got {len(xs)} inputs")
        feats = []
        for name, x in zip(self.views, xs):
            if x.shape[-1] != self.lengths[name]:
                raise ValueError(f"{name} view must have length {self.lengths[name]}, got shape {tuple(x.shape)}")
            feats.append(self.columns[name](x))
        return self.head(torch.cat(feats, dim=1)).squeeze(-1)


def _arrays(ds: Any, views: tuple[str, ...]) -> list[np.ndarray]:
    return [np.asarray(ds.global_view if v == "global" else ds.local_view, np.float32) for v in views]


def make_loader(ds: Any, views: tuple[str, ...] = VIEWS, batch_size: int = 64, shuffle: bool = False,
                seed: int = 0) -> torch.utils.data.DataLoader:
    """DataLoader of ``(view..., label)`` from a :class:`~coursekit.transits.simulate.TransitDataset`."""
    tensors = [torch.from_numpy(a) for a in _arrays(ds, views)]
    tensors.append(torch.as_tensor(np.asarray(ds.label), dtype=torch.float32))
    g = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*tensors), batch_size=batch_size,
                                       shuffle=shuffle, generator=g)


def random_reflection(inputs: list[torch.Tensor], y: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Augmentation: flip all views of a random half of the batch in time (Sec. 4.3)."""
    flip = torch.rand(len(y), device=y.device) < 0.5
    out = [torch.where(flip[:, None], x.flip(-1), x) for x in inputs]
    return out, y


def train_classifier(
    train: Any,
    val: Any,
    *,
    views: tuple[str, ...] = VIEWS,
    config: CNNConfig = CNNConfig(),
    epochs: int = 20,
    lr: float = 2e-3,
    batch_size: int = 64,
    patience: int | None = 6,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool | None = None,
):
    """Train a :class:`TransitCNN` on ``train``, early-stopping on ``val`` (both TransitDatasets).

    Returns ``(model, history)``; the model holds the best-validation weights and is in eval mode.
    Raises ``ValueError`` for an impossible size (``epochs`` < 1, ``batch_size`` < 1, an empty or one-class
    training set): an untrained model is never returned as if it were trained.
    """
    from coursekit.metrics import accuracy_from_logits
    from coursekit.training import fit

    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}: the model would stay untrained")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    for name, ds in (("training", train), ("validation", val)):
        if len(ds) == 0:
            raise ValueError(f"the {name} set is empty: use more light curves")
    if len(np.unique(np.asarray(train.label))) < 2:
        raise ValueError("the training set holds only one class: it needs planets and false positives")
    torch.manual_seed(seed)
    model = TransitCNN(views, config)
    history = fit(
        model,
        make_loader(train, views, batch_size, shuffle=True, seed=seed),
        make_loader(val, views, 512),
        loss_fn=nn.BCEWithLogitsLoss(),
        epochs=epochs,
        lr=lr,
        weight_decay=1e-4,
        patience=patience,
        batch_transform=random_reflection,
        metrics={"accuracy": accuracy_from_logits},
        device=device,
        progress=progress,
        desc=f"{'+'.join(views)} CNN",
    )
    model.eval()
    return model, history


@torch.no_grad()
def predict_logits(model: TransitCNN, ds: Any, batch_size: int = 512) -> np.ndarray:
    """The CNN's logit for every TCE in ``ds`` (views only, no vetter): (n,) floats."""
    from coursekit.training import predict

    return predict(model, make_loader(ds, model.views, batch_size)).astype(float)


def dataset_features(model: TransitCNN, ds: Any, logits: np.ndarray | None = None) -> np.ndarray:
    """The vetter's (n, F) features of every TCE in ``ds`` (its vetting statistics, views and TCE ephemeris)."""
    from coursekit.transits.vetting import vetting_features

    logits = predict_logits(model, ds) if logits is None else logits
    p = ds.params  # simulated TCEs carry the pipeline's ephemeris as tce_*; real KOIs their catalogue ephemeris
    period = p["tce_period"] if "tce_period" in p else p["period"]
    duration = p["tce_duration"] if "tce_duration" in p else p["duration"]
    return vetting_features(ds.vetting, ds.global_view, ds.local_view, period, duration, logits)


@torch.no_grad()
def predict_proba(model: TransitCNN, ds: Any, batch_size: int = 512) -> np.ndarray:
    """Planet probability for every TCE in ``ds``: (n,) floats in [0, 1].

    The sigmoid of the CNN's logit, or, for a model with a :class:`~coursekit.transits.vetting.Vetter`
    (:func:`calibrate`), the vetter's calibrated probability from the logit and the vetting features.
    """
    logits = predict_logits(model, ds, batch_size)
    vetter = getattr(model, "vetter", None)
    if vetter is not None:
        return vetter.predict_proba(dataset_features(model, ds, logits))
    return 1.0 / (1.0 + np.exp(-logits))


def candidate_features(model: TransitCNN, candidates: list[Any]) -> np.ndarray:
    """The vetter's (n, F) features of search candidates (:class:`~coursekit.transits.search.Candidate` s with
    views and vetting statistics, e.g. :func:`coursekit.transits.experiment.search_examples`'s)."""
    from coursekit.transits.vetting import vetting_features

    if not candidates:
        raise ValueError("no candidates to compute vetting features of")
    if any(c.global_view is None or c.vetting is None for c in candidates):
        raise ValueError("every candidate needs its views and vetting statistics (a TCE from find_candidates)")
    g = np.stack([c.global_view for c in candidates]).astype(np.float32)
    loc = np.stack([c.local_view for c in candidates]).astype(np.float32)
    model.eval()
    with torch.no_grad():
        device = next(model.parameters()).device
        arrays = {"global": g, "local": loc}
        logits = model(*[torch.from_numpy(arrays[v]).to(device) for v in model.views]).float().cpu().numpy()
    stats = [c.vetting.to_dict() for c in candidates]
    vetting = {k: np.array([s[k] for s in stats], float) for k in stats[0]}
    return vetting_features(vetting, g, loc, np.array([c.signal.period for c in candidates]),
                            np.array([c.signal.duration for c in candidates]), logits.astype(float))


def calibrate(model: TransitCNN, val: Any = None, *, search: tuple[list[Any], np.ndarray] | None = None,
              balanced: bool = True, l2: float = 1e-2) -> TransitCNN:
    """A copy of ``model`` with a :class:`~coursekit.transits.vetting.Vetter`: vetting features plus calibration,
    so a score of 0.5 means even odds on the population it was fitted on.

    val: a TransitDataset the CNN was not trained on (clean TCEs with the simulator's ephemerides). search:
    ``(candidates, labels)``, TCEs found by the search path (:func:`coursekit.transits.experiment.search_examples`),
    the population ``transits search`` scores. Either or both (then pooled). balanced: weight the planets and the
    false positives equally (:func:`~coursekit.transits.vetting.balanced_weights`), so 0.5 means even odds for a
    TCE with a 1:1 prior, however few planets the calibration set holds.
    """
    import copy

    from coursekit.transits.vetting import FEATURES, Vetter, balanced_weights

    feats, labels = [], []
    if val is not None:
        feats.append(dataset_features(model, val))
        labels.append(np.asarray(val.label))
    if search is not None:
        cands, lab = search
        if len(cands) != len(lab):
            raise ValueError(f"search examples: {len(cands)} candidates but {len(lab)} labels")
        feats.append(candidate_features(model, list(cands)))
        labels.append(np.asarray(lab))
    if not feats:
        raise ValueError("calibrate needs a validation set (val=) or search examples (search=)")
    out = copy.deepcopy(model)
    label = np.concatenate(labels)
    out.vetter = Vetter(len(FEATURES)).fit(np.concatenate(feats), label, l2=l2,
                                           weight=balanced_weights(label) if balanced else None)
    out.eval()
    return out


#: Topic name recorded in (and required of) every transits model file.
TOPIC = "transits"


def save_model(model: TransitCNN, path: str | Path, *, extra: dict[str, Any] | None = None) -> Path:
    """Write ``model`` (weights, views, widths) with :func:`coursekit.checkpoint.save_model`; returns the path.

    ``extra``: JSON-able facts kept with the model (training set, epochs, test AUC...).
    """
    from coursekit.checkpoint import save_model as _save

    config: dict[str, Any] = {"views": list(model.views), "cnn": model.config.to_dict()}
    if getattr(model, "vetter", None) is not None:
        from coursekit.transits.vetting import FEATURES

        config["vetter_features"] = list(FEATURES)
    return _save(path, topic=TOPIC, state_dict=model.state_dict(), config=config, extra=extra or {})


def load_model(path: str | Path) -> TransitCNN:
    """Rebuild a :class:`TransitCNN` saved by :func:`save_model` (in eval mode).

    Raises :class:`coursekit.checkpoint.ModelFileError` (one line naming the file) for a missing, changed or
    foreign file, or one saved by another topic.
    """
    from coursekit.checkpoint import ModelFileError
    from coursekit.checkpoint import load_model as _load

    ck = _load(path, topic=TOPIC)
    config = ck.config if isinstance(ck.config, dict) else {}
    try:
        model = TransitCNN(tuple(config["views"]), CNNConfig.from_dict(config["cnn"]))
        if "vetter_features" in config:
            from coursekit.transits.vetting import FEATURES, Vetter

            if list(config["vetter_features"]) != list(FEATURES):
                raise ValueError(f"its vetter uses features {config['vetter_features']}, this version {FEATURES}")
            model.vetter = Vetter(len(FEATURES))
        model.load_state_dict(ck.state_dict)
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: not a transit-classifier model ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0][:100]}); retrain it with "
                             "`python -m coursekit transits train --out MODEL.pt`") from None
    model.eval()
    return model


@torch.no_grad()
def score_views(model: TransitCNN, global_views: np.ndarray, local_views: np.ndarray, *,
                vetting: dict[str, Any] | None = None, period: Any = None, duration: Any = None) -> np.ndarray:
    """Planet probability for raw view arrays (n, 2001) and (n, 201); the model picks the views it uses.

    A calibrated model (with a vetter, :func:`calibrate`) also needs each TCE's ``vetting`` statistics (dict of
    (n,) arrays or one ``VettingStats.to_dict()``) and its ``period`` and ``duration`` (days).
    """
    g = np.atleast_2d(np.asarray(global_views, np.float32))
    loc = np.atleast_2d(np.asarray(local_views, np.float32))
    arrays = {"global": g, "local": loc}
    model.eval()
    device = next(model.parameters()).device
    xs = [torch.from_numpy(arrays[v]).to(device) for v in model.views]
    logits = model(*xs).float().cpu().numpy().astype(float)
    vetter = getattr(model, "vetter", None)
    if vetter is None:
        return 1.0 / (1.0 + np.exp(-logits))
    if vetting is None or period is None or duration is None:
        raise ValueError("this model calibrates its score with vetting features: pass vetting=, period= and "
                         "duration= (coursekit.transits.search.find_candidates does)")
    from coursekit.transits.vetting import vetting_features

    return vetter.cpu().predict_proba(vetting_features(vetting, g, loc, period, duration, logits))
