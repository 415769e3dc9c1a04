"""A mixture density network for p(z) from photometry (Bishop 1994; D'Isanto & Polsterer 2018).

The network maps standardised features x (magnitudes, colours, optionally
errors) through a shared MLP trunk to the parameters of K Gaussians:

    p(z | x) = sum_k pi_k(x) N(z | mu_k(x), sigma_k(x)),

with ``pi = softmax(logits)`` and ``sigma = softplus(.) + sigma_min``. It is
trained by minimising the negative log-likelihood, written with
``logsumexp`` so that it stays finite when every component is far from z
(:func:`mdn_nll`). Feature and redshift standardisation live inside the
module as buffers, so a saved state dict is the whole model.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from coursekit.photoz.config import MDNConfig  # re-exported: the MDN sizes live with the run sizes

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class MixtureDensityNetwork(nn.Module):
    """MLP trunk + three heads (mixture logits, means, widths) for a K-Gaussian p(z|x).

    ``forward(x)`` takes standardised-or-raw features (n, d) (the module
    standardises with its buffers ``x_mean``/``x_std``) and returns (n, 3K):
    ``[logits | mu | sigma]`` with mu and sigma in units of z.
    """

    def __init__(self, n_features: int, n_components: int = 5, hidden: tuple[int, ...] = (128, 128, 128),
                 sigma_min: float = 1e-3) -> None:
        super().__init__()
        if n_features < 1 or n_components < 1:
            raise ValueError("n_features and n_components must be >= 1")
        layers: list[nn.Module] = []
        width = n_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.SiLU()]
            width = h
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(width, 3 * n_components)
        self.n_components = n_components
        self.sigma_min = sigma_min
        self.register_buffer("x_mean", torch.zeros(n_features))
        self.register_buffer("x_std", torch.ones(n_features))
        self.register_buffer("z_loc", torch.tensor(0.0))
        self.register_buffer("z_scale", torch.tensor(1.0))

    def set_standardisation(self, x: np.ndarray, z: np.ndarray) -> None:
        """Store feature means/stds (from training data) and the redshift location/scale."""
        x = np.asarray(x, np.float64)
        std = x.std(axis=0)
        self.x_mean.copy_(torch.as_tensor(x.mean(axis=0), dtype=torch.float32))
        self.x_std.copy_(torch.as_tensor(np.where(std > 0, std, 1.0), dtype=torch.float32))
        self.z_loc.fill_(float(np.mean(z)))
        self.z_scale.fill_(float(np.std(z)) or 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.trunk((x - self.x_mean) / self.x_std)
        raw = self.head(h)
        _, mu, sigma = mixture_head(raw, sigma_min=0.0)  # positive widths in standardised units
        mu = self.z_loc + self.z_scale * mu
        sigma = self.z_scale * sigma + self.sigma_min
        # the logits stay unnormalised (split_params and mdn_nll apply log_softmax), as the benchmarks were run
        return torch.cat([raw[:, : self.n_components], mu, sigma], dim=-1)


def mixture_head(raw: torch.Tensor, sigma_min: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Turn a network's raw output (n, 3K) into a valid K-Gaussian mixture ``(log_weights, mu, sigma)``, each (n, K).

    The first K columns are mixture logits (``log_weights = log_softmax``, so the
    weights are positive and sum to one), the next K the means (unconstrained),
    the last K the widths, made positive with ``softplus(.) + sigma_min``
    (Bishop 1994 used ``exp``; softplus grows linearly and does not explode).
    """
    if raw.ndim != 2 or raw.shape[1] % 3 != 0:
        raise ValueError(f"raw must be (n, 3K), got shape {tuple(raw.shape)}")
    logits, mu, s = raw.chunk(3, dim=-1)
    return torch.log_softmax(logits, dim=-1), mu, F.softplus(s) + sigma_min


def split_params(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(log_weights, mu, sigma)``, each (n, K), from the network output (n, 3K) (log_softmax is idempotent)."""
    logits, mu, sigma = out.chunk(3, dim=-1)
    return torch.log_softmax(logits, dim=-1), mu, sigma


def mixture_nll(log_weights: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood ``-mean_i log sum_k pi_ik N(z_i | mu_ik, sigma_ik)``, computed stably.

    ``log_weights``, ``mu``, ``sigma``: (n, K); ``z``: (n,) or (n, 1).
    ``log pi_k + log N_k`` is formed per component and combined with
    ``torch.logsumexp``, so no component's tiny probability underflows to 0
    and the loss stays finite for any z (Bishop 1994, eq. 29-30).
    """
    z = z.reshape(-1, 1)
    log_n = -0.5 * ((z - mu) / sigma) ** 2 - torch.log(sigma) - _LOG_SQRT_2PI
    return -torch.logsumexp(log_weights + log_n, dim=-1).mean()


def mdn_nll(out: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """:func:`mixture_nll` of a network output (n, 3K) ``[log_weights | mu | sigma]``: the training loss."""
    return mixture_nll(*split_params(out), z)


def train_loop(model: nn.Module, loader, optimizer: torch.optim.Optimizer, epochs: int = 1) -> list[float]:
    """The bare training loop the notebook's build-it section asks for: mean training loss per epoch.

    ``loader`` yields ``(x, z)`` batches; each step is zero_grad -> loss -> backward -> step,
    with :func:`mdn_nll` as the loss. :meth:`MDNPhotoZ.fit` uses :func:`coursekit.training.fit`
    instead, which adds validation, early stopping and a learning-rate schedule around the same step.
    """
    losses = []
    for _ in range(epochs):
        model.train()
        total, n = 0.0, 0
        for x, z in loader:
            optimizer.zero_grad()
            loss = mdn_nll(model(x), z)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(z)
            n += len(z)
        losses.append(total / n)
    return losses


def mixture_pdf(params: np.ndarray, z_grid: np.ndarray) -> np.ndarray:
    """Evaluate the mixture densities (n, G) on ``z_grid`` (G,) from network outputs ``params`` (n, 3K)."""
    p = torch.as_tensor(np.asarray(params), dtype=torch.float64)
    log_w, mu, sigma = split_params(p)
    g = torch.as_tensor(np.asarray(z_grid, float))[None, :, None]
    log_n = -0.5 * ((g - mu[:, None, :]) / sigma[:, None, :]) ** 2 - torch.log(sigma[:, None, :]) - _LOG_SQRT_2PI
    return torch.logsumexp(log_w[:, None, :] + log_n, dim=-1).exp().numpy()


def mixture_cdf(params: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Mixture CDF at ``z`` (n,) for each row of ``params`` (n, 3K): the exact PIT."""
    p = torch.as_tensor(np.asarray(params), dtype=torch.float64)
    log_w, mu, sigma = split_params(p)
    zz = torch.as_tensor(np.asarray(z, float)).reshape(-1, 1)
    cdf = 0.5 * (1 + torch.erf((zz - mu) / (sigma * math.sqrt(2))))
    return (log_w.exp() * cdf).sum(-1).numpy()


class MDNPhotoZ:
    """Estimator wrapper: ``fit(X, z)``, ``predict_params``, ``predict_pdf``, ``predict``, ``save``/``load``.

    ``X`` are features (n, d) from :func:`coursekit.photoz.data.features`,
    ``z`` the spectroscopic redshifts (n,). Training uses
    :func:`coursekit.training.fit` with early stopping on a held-out
    ``config.val_fraction``.
    """

    def __init__(self, config: MDNConfig | None = None, feature_names: tuple[str, ...] | None = None) -> None:
        self.config = config or MDNConfig()
        self.feature_names = feature_names
        self.model: MixtureDensityNetwork | None = None
        self.history = None
        self.train_range_: dict[str, list[float]] | None = None

    def _require(self) -> MixtureDensityNetwork:
        if self.model is None:
            raise RuntimeError("the MDN is not trained yet: call fit(X, z) or MDNPhotoZ.load(path)")
        return self.model

    def fit(self, X: np.ndarray, z: np.ndarray, *, progress: bool | None = None, device=None) -> MDNPhotoZ:
        from coursekit.config import seed_everything
        from coursekit.training import fit, make_loaders

        X = np.asarray(X, np.float32)
        z = np.asarray(z, np.float32).ravel()
        if X.ndim != 2 or len(X) != len(z):
            raise ValueError(f"X must be (n, d) and z (n,), got {X.shape} and {z.shape}")
        if not (np.isfinite(X).all() and np.isfinite(z).all()):
            raise ValueError("X or z contains NaN/inf; clean the table first (see coursekit.photoz.data)")
        c = self.config
        seed_everything(c.seed)
        self.model = MixtureDensityNetwork(X.shape[1], c.n_components, c.hidden, c.sigma_min)
        self.model.set_standardisation(X, z)
        train, val = make_loaders(X, z, batch_size=c.batch_size, val_fraction=c.val_fraction, seed=c.seed)
        opt = torch.optim.AdamW(self.model.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=max(2, c.patience // 3))
        from coursekit.config import get_device

        device = torch.device(device) if device is not None else get_device()
        self.history = fit(self.model, train, val, loss_fn=mdn_nll, epochs=c.epochs, optimizer=opt,
                           scheduler=sched, patience=c.patience, progress=progress, device=device,
                           grad_clip=5.0, desc="MDN", threads=c.cpu_threads)
        self.model.to("cpu").eval()
        self.train_range_ = {"z": [float(z.min()), float(z.max())],
                             "x_min": X.min(axis=0).astype(float).tolist(), "x_max": X.max(axis=0).astype(float).tolist()}
        return self

    def predict_params(self, X: np.ndarray) -> np.ndarray:
        """Mixture parameters (n, 3K): ``[logits | mu | sigma]``."""
        from coursekit.training import predict, torch_threads

        with torch_threads(self.config.cpu_threads):
            out = predict(self._require(), np.asarray(X, np.float32), batch_size=4096, device="cpu")
        return out.astype(np.float64)

    def predict_pdf(self, X: np.ndarray, z_grid: np.ndarray) -> np.ndarray:
        """p(z) (n, G) on ``z_grid``."""
        return mixture_pdf(self.predict_params(X), z_grid)

    def predict(self, X: np.ndarray, z_grid: np.ndarray | None = None, kind: str = "median") -> np.ndarray:
        """Point estimates (n,): ``"median"``, ``"mode"`` (of p(z) on ``z_grid``) or ``"mean"``."""
        params = self.predict_params(X)
        if kind == "mean":
            log_w, mu, _ = split_params(torch.as_tensor(params))
            return (log_w.exp() * mu).sum(-1).numpy()
        from coursekit.photoz.metrics import quantiles

        grid = default_z_grid() if z_grid is None else np.asarray(z_grid)
        pdf = mixture_pdf(params, grid)
        if kind == "mode":
            return grid[np.argmax(pdf, axis=1)]
        if kind == "median":
            return quantiles(grid, pdf + 1e-300, [0.5])[:, 0]
        raise ValueError(f"kind must be 'median', 'mode' or 'mean', got {kind!r}")

    def training_range(self) -> dict[str, list[float]]:
        """What the network saw in training: ``z`` (min, max) and per-feature ``x_min``/``x_max``."""
        if self.train_range_ is None:
            raise RuntimeError("the MDN is not trained yet: call fit(X, z) or MDNPhotoZ.load(path)")
        return self.train_range_

    def out_of_range(self, X: np.ndarray, margin: float = 0.5) -> np.ndarray:
        """Boolean (n,): rows with a feature outside the training range widened by ``margin`` times its span.

        A network extrapolates silently; a galaxy with r = 80 or -50 must be flagged, not given a
        confident redshift. ``margin=0.5`` allows half the training span on either side.
        """
        rng = self.training_range()
        X = np.asarray(X, float)
        lo, hi = np.asarray(rng["x_min"]), np.asarray(rng["x_max"])
        if X.ndim != 2 or X.shape[1] != lo.size:
            raise ValueError(f"X must be (n, {lo.size}) features, got shape {X.shape}")
        span = hi - lo
        return ~np.all((X >= lo - margin * span) & (X <= hi + margin * span), axis=1)

    def save(self, path: str | Path, **extra) -> Path:
        """Write the model through :func:`coursekit.checkpoint.save_model` (topic ``photoz``).

        ``extra`` (JSON-serialisable) is stored with it, e.g. the input columns and bands.
        """
        from coursekit.checkpoint import save_model

        model = self._require()
        cfg = asdict(self.config)
        cfg["hidden"] = list(cfg["hidden"])
        cfg["n_features"] = int(model.x_mean.numel())
        meta = {"feature_names": list(self.feature_names or ()), "training_range": self.training_range(), **extra}
        return save_model(path, topic="photoz", state_dict=model.state_dict(), config=cfg, extra=meta)

    @classmethod
    def load(cls, path: str | Path) -> tuple[MDNPhotoZ, dict]:
        """Read and verify a model written by :meth:`save`; returns ``(model, extra entries)``.

        A missing, changed or foreign file raises :class:`coursekit.checkpoint.ModelFileError`.
        """
        from coursekit.checkpoint import ModelFileError, load_model

        ck = load_model(path, topic="photoz")
        cfg = dict(ck.config or {})
        extra = dict(ck.extra or {})
        try:
            n_features = int(cfg.pop("n_features"))
            cfg["hidden"] = tuple(cfg["hidden"])
            est = cls(MDNConfig(**cfg), tuple(extra.pop("feature_names", ()) or ()) or None)
            est.model = MixtureDensityNetwork(n_features, cfg["n_components"], cfg["hidden"], cfg["sigma_min"])
            est.model.load_state_dict(ck.state_dict)
            est.train_range_ = extra.pop("training_range")
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise ModelFileError(f"{path}: not a photoz MDN model file ({type(exc).__name__}: {exc}); "
                                 "train one with `python -m coursekit photoz train`") from None
        est.model.eval()
        return est, extra


def default_z_grid(z_max: float = 1.6, n: int = 321) -> np.ndarray:
    """The p(z) grid used throughout: 0 to ``z_max`` in ``n`` points (dz = 0.005 by default)."""
    return np.linspace(0.0, z_max, n)
