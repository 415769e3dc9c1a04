"""A multi-scale 1D convolutional network that scores whitened strain windows.

Follows the CNN detectors of George & Huerta 2018 (PLB 778, 64) and Gabbard et al. 2018
(PRL 120, 141103): stacked 1D convolutions and pooling on whitened strain, one channel per
detector. The first block runs three kernel lengths in parallel (16, 32 and 64 samples: 8, 16
and 31 ms at 2048 Hz) so that the short merger and the longer inspiral are both matched; its
stride of 4 makes it a learned filter bank followed by decimation, which keeps CPU training
fast. Five convolution + pooling layers follow, so that one trunk feature sees 0.8 s of strain:
with the GWTC-1 prior (components down to 7 Msun) the window holds up to a second of inspiral, and
round one's three layers (0.21 s) could add its pieces only incoherently. The end uses global max-
and mean-pooling over the window, so the score hardly depends on where in the window the merger is.

The network returns a *logit* (no sigmoid): train it with ``torch.nn.BCEWithLogitsLoss``,
which computes ``log(sigmoid(z))`` stably; a sigmoid followed by ``BCELoss`` saturates and loses
precision exactly in the far tail where false-alarm thresholds live.

For searches, :meth:`MultiScaleCNN.for_inference` returns :class:`FusedCNN`, the same function
computed with fewer operations (identical logits up to float rounding); :func:`predict_logits`
uses it automatically.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

#: channels of the convolutions after the first block: five, each but the last followed by a max-pool,
#: so that one trunk feature sees ~0.8 s of strain (1676 samples at 2048 Hz) -- the last second of
#: inspiral of the lightest GWTC-1 binaries; round one's three layers saw 0.21 s.
CHANNELS = (16, 32, 32, 32, 32)
#: the channels of round one's network (model files saved without an architecture)
LEGACY_CHANNELS = (16, 32, 32)


class MultiScaleCNN(nn.Module):
    """Input ``(batch, n_det, n_samples)`` whitened strain; output ``(batch,)`` logits.

    n_det: detector channels (1 or 2); width: channels per branch of the first block;
    kernels: kernel lengths of the parallel first-block branches (samples).
    """

    def __init__(self, n_det: int = 2, width: int = 8, kernels: tuple[int, ...] = (16, 32, 64),
                 channels: tuple[int, ...] = CHANNELS, stride: int = 4, dropout: float = 0.1):
        super().__init__()
        self.n_det = n_det
        #: what it takes to rebuild this network (saved with its weights)
        self.arch = {"n_det": n_det, "width": width, "kernels": list(kernels), "channels": list(channels),
                     "stride": stride}
        self.branches = nn.ModuleList(
            nn.Conv1d(n_det, width, k, stride=stride, padding=k // 2, bias=False) for k in kernels
        )
        c_in = width * len(kernels)
        self.stem = nn.Sequential(nn.BatchNorm1d(c_in), nn.ReLU(), nn.MaxPool1d(2))
        layers: list[nn.Module] = []
        for i, c in enumerate(channels):
            layers += [nn.Conv1d(c_in, c, 7, padding=3, bias=False), nn.BatchNorm1d(c), nn.ReLU()]
            if i < len(channels) - 1:
                layers.append(nn.MaxPool1d(2))
            c_in = c
        self.body = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(2 * c_in, 64), nn.ReLU(), nn.Dropout(dropout), nn.Linear(64, 1))

    @property
    def downsample(self) -> int:
        """Input samples per feature of the convolutional trunk (first stride x every max-pool)."""
        return self.arch["stride"] * 2 ** (len(self.arch["channels"]))

    def forward(self, x: torch.Tensor, context: int = 0) -> torch.Tensor:
        """Logits (batch,) of windows ``x`` (batch, n_det, n_samples).

        ``context`` > 0: each row holds ``context`` samples of data on each side of its window (a
        multiple of :attr:`downsample`); the trunk sees them, the pooling only the window, as in
        :meth:`FusedCNN.context_logits` (training on such rows trains the network as a scan uses it).
        """
        if x.ndim != 3 or x.shape[1] != self.n_det:
            raise ValueError(f"expected input (batch, {self.n_det}, n_samples), got {tuple(x.shape)}")
        kernels = [b.kernel_size[0] for b in self.branches]
        s = self.arch["stride"]
        if all(k % 2 == 0 for k in kernels) and max(kernels) % s == 0:
            # the branches as one stride-1 convolution over the polyphase components of x (as FusedCNN
            # computes them): the same values, and about half the training time of strided convolutions on a CPU
            w = _merged_branch_weight(self.branches)
            h = F.conv1d(_polyphase(x, w.shape[-1], s), _polyphase_weight(w, s))
        else:
            feats = [b(x) for b in self.branches]
            m = min(f.shape[-1] for f in feats)
            h = torch.cat([f[..., :m] for f in feats], dim=1)
        h = self.body(self.stem(h))
        if context:
            ds = self.downsample
            window = x.shape[-1] - 2 * context
            if context % ds or context < 0 or window <= 0 or window % ds:
                raise ValueError(f"context and window must be multiples of {ds} samples, got {context} "
                                 f"and {window}")
            h = h[..., context // ds: (context + window) // ds]
        h = torch.cat([h.amax(dim=-1), h.mean(dim=-1)], dim=1)
        return self.head(h).squeeze(-1)

    def for_inference(self) -> FusedCNN:
        """The trained network in its eval-mode form, rewritten for speed (see :class:`FusedCNN`)."""
        return FusedCNN(self)


def _merged_branch_weight(branches: nn.ModuleList) -> torch.Tensor:
    """The kernels of parallel bias-free branches (even lengths, same stride) as one kernel
    (sum of out channels, in channels, longest length), each centred and zero-padded to the longest."""
    kmax = max(b.kernel_size[0] for b in branches)
    return torch.cat([F.pad(b.weight, ((kmax - b.kernel_size[0]) // 2,) * 2) for b in branches], dim=0)


def _polyphase(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """x (batch, c, n) zero-padded as a stride-``stride`` convolution with an even ``kernel`` and padding
    ``kernel // 2`` pads it, split into its ``stride`` interleaved phases: (batch, c * stride, n // stride + kernel // stride).

    A stride-1 convolution of this with :func:`_polyphase_weight` gives the strided convolution's n // stride + 1 outputs.
    """
    n, s = x.shape[-1], stride
    n_out = n // s + 1
    xp = F.pad(x, (kernel // 2, s * (n_out - 1) + kernel - kernel // 2 - n))
    return xp.reshape(x.shape[0], x.shape[1], -1, s).transpose(2, 3).reshape(x.shape[0], x.shape[1] * s, -1)


def _polyphase_weight(w: torch.Tensor, stride: int) -> torch.Tensor:
    """Kernel (c_out, c_in, k) of a stride-``stride`` convolution as (c_out, c_in * stride, k // stride):
    ``w[o, c, s*q + r] -> w_poly[o, c*stride + r, q]`` (Vaidyanathan 1993, ch. 4)."""
    c_out, c_in, k = w.shape
    return w.reshape(c_out, c_in, k // stride, stride).permute(0, 1, 3, 2).reshape(c_out, c_in * stride, k // stride)


def _fold_batchnorm(weight: torch.Tensor, bn: nn.BatchNorm1d) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of ``bn(conv(x))`` as one bias-free convolution followed by nothing (exact for a
    BatchNorm in eval mode), through PyTorch's own ``torch.nn.utils.fusion.fuse_conv_bn_weights``."""
    from torch.nn.utils.fusion import fuse_conv_bn_weights

    w, b = fuse_conv_bn_weights(weight, None, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return w.detach(), b.detach()


class FusedCNN(nn.Module):
    """An eval-mode :class:`MultiScaleCNN` computed with fewer, larger operations; same logits.

    Exact rewrites of the trained network (no retraining, no approximation beyond float rounding):

    * every BatchNorm is folded into the convolution before it;
    * the parallel first-block branches become one convolution whose kernel holds each branch's
      kernel, centred and zero-padded to the longest one (so the concatenation disappears);
    * that stride-``s`` convolution is computed in polyphase form, as a stride-1 convolution over
      the ``s`` interleaved sub-sequences of each channel (Vaidyanathan 1993, *Multirate Systems and
      Filter Banks*, ch. 4), which the CPU convolution kernels run about twice as fast;
    * each max-pool comes before its ReLU (the two commute), so the ReLU touches half the values.

    Weights are copied at construction: build a new one after further training.
    """

    def __init__(self, model: MultiScaleCNN):
        super().__init__()
        kernels = [b.kernel_size[0] for b in model.branches]
        self.stride = model.branches[0].stride[0]
        self.kmax = max(kernels)
        if any(k % 2 for k in kernels) or self.kmax % self.stride or any(b.stride[0] != self.stride for b in model.branches):
            raise ValueError(f"FusedCNN needs even branch kernels with a common stride dividing the longest, "
                             f"got kernels {kernels} and stride {self.stride}")
        self.n_det = model.n_det
        was_training = model.training
        model.eval()
        with torch.no_grad():
            w, bias = _fold_batchnorm(_merged_branch_weight(model.branches), model.stem[0])
            self.register_buffer("w0", _polyphase_weight(w, self.stride).contiguous())
            self.register_buffer("b0", bias.contiguous())
            body = list(model.body)
            self.pools: list[bool] = []
            for i, layer in enumerate(body):
                if isinstance(layer, nn.Conv1d):
                    wi, bi = _fold_batchnorm(layer.weight, body[i + 1])
                    self.register_buffer(f"w{len(self.pools) + 1}", wi.contiguous())
                    self.register_buffer(f"b{len(self.pools) + 1}", bi.contiguous())
                    self.pools.append(i + 3 < len(body) and isinstance(body[i + 3], nn.MaxPool1d))
            self.head = copy.deepcopy(model.head).eval()
        model.train(was_training)

    @property
    def downsample(self) -> int:
        """Input samples per feature of the convolutional trunk (first stride x every max-pool)."""
        return self.stride * 2 * 2 ** sum(self.pools)

    @property
    def receptive_field(self) -> int:
        """Input samples that one trunk feature depends on."""
        r, jump = self.kmax, self.stride
        r, jump = r + jump, 2 * jump  # max-pool after the first block
        for i, pool in enumerate(self.pools, start=1):
            r += (getattr(self, f"w{i}").shape[-1] - 1) * jump
            if pool:
                r, jump = r + jump, 2 * jump
        return r

    @property
    def context(self) -> int:
        """Samples of data on each side of a window that its pooled features can reach (a multiple of
        :attr:`downsample`): with this much real data around it, a window scores as in a continuous scan."""
        ds = self.downsample
        return -(-(self.receptive_field // 2) // ds) * ds

    def _check(self, x: torch.Tensor) -> None:
        if x.ndim != 3 or x.shape[1] != self.n_det:
            raise ValueError(f"expected input (batch, {self.n_det}, n_samples), got {tuple(x.shape)}")

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Trunk features (batch, channels, ~n_samples / downsample) of any length of strain."""
        self._check(x)
        xp = _polyphase(x, self.kmax, self.stride)  # zero-padded as the widest branch, split into its phases
        h = torch.relu_(F.max_pool1d(F.conv1d(xp, self.w0, self.b0), 2))
        for i, pool in enumerate(self.pools, start=1):
            w = getattr(self, f"w{i}")
            h = F.conv1d(h, w, getattr(self, f"b{i}"), padding=w.shape[-1] // 2)
            h = torch.relu_(F.max_pool1d(h, 2) if pool else h)
        return h

    def _pool_head(self, h: torch.Tensor) -> torch.Tensor:
        """Logits from features (..., channels, positions): global max and mean pooling, then the head."""
        return self.head(torch.cat([h.amax(dim=-1), h.mean(dim=-1)], dim=-1)).squeeze(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._pool_head(self.features(x))

    def context_logits(self, x: torch.Tensor, context: int) -> torch.Tensor:
        """Logits of the windows in the middle of ``x`` (batch, n_det, window + 2 * context): the trunk
        sees the ``context`` samples of data on each side, the pooling only the window."""
        ds = self.downsample
        if context % ds or context < 0:
            raise ValueError(f"context must be a non-negative multiple of {ds} samples, got {context}")
        window = x.shape[-1] - 2 * context
        if window <= 0 or window % ds:
            raise ValueError(f"the window inside the context must be a positive multiple of {ds} samples, got {window}")
        h = self.features(x)[..., context // ds: (context + window) // ds]
        return self._pool_head(h)

    def stream_logits(self, x: torch.Tensor, window: int, step: int) -> torch.Tensor:
        """Logits (batch, n_windows) of ``window``-sample windows starting at 0, step, 2 step, ... of ``x``.

        The trunk runs once over the whole stretch and each window pools its own part of the
        features, so overlapping windows share the convolutions. A window with at least
        :attr:`context` samples of data on each side gets the same logit as :meth:`context_logits`.
        """
        ds = self.downsample
        if window % ds or step % ds or window <= 0 or step <= 0:
            raise ValueError(f"window and step must be positive multiples of {ds} samples, got {window} and {step}")
        if x.shape[-1] < window:
            raise ValueError(f"{x.shape[-1]} samples of data is shorter than one {window}-sample window")
        u = self.features(x).unfold(-1, window // ds, step // ds)  # (batch, channels, n_windows, window // ds)
        return self._pool_head(u.transpose(1, 2))


@torch.no_grad()
def predict_logits(model: nn.Module, x, batch_size: int = 128, device=None, context: int = 0) -> torch.Tensor:
    """Logits of ``model`` for windows ``x`` (n, n_det, n_samples) (NumPy or torch), in batches, on CPU.

    A :class:`MultiScaleCNN` is run as its :class:`FusedCNN` (same logits, fewer operations).
    ``context`` > 0: each row holds ``context`` samples of data on each side of its window
    (:meth:`FusedCNN.context_logits`).
    """
    import numpy as np

    device = device or next(model.parameters()).device
    model.eval()
    if isinstance(model, MultiScaleCNN):
        model = model.for_inference()
    x = torch.as_tensor(np.asarray(x, dtype=np.float32)) if not isinstance(x, torch.Tensor) else x
    if context and not isinstance(model, FusedCNN):
        raise TypeError(f"context needs a MultiScaleCNN or FusedCNN, got {type(model).__name__}")
    score = (lambda b: model.context_logits(b, context)) if context else model  # noqa: E731
    out = [score(x[i:i + batch_size].to(device)).float().cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out) if out else torch.empty(0)


# --------------------------------------------------------------------------- training

class _WithContext(nn.Module):
    """``model(x, context)`` as a one-argument module, for the shared training loop."""

    def __init__(self, model: MultiScaleCNN, context: int):
        super().__init__()
        self.model, self.context = model, context

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x, self.context)


def train_cnn(cfg, sampler, seed: int | None = None, progress: bool | None = None, snr_range=None):
    """Train :class:`MultiScaleCNN` with ``BCEWithLogitsLoss`` on freshly simulated windows (shared ``fit``).

    cfg: :class:`coursekit.gw.config.Config`; sampler: :class:`coursekit.gw.simulate.InjectionSampler`.
    Every epoch draws new noise, sky positions and SNRs (uniform in ``snr_range``, default
    ``cfg.snr_range``) from the training bank; the validation set is fixed. Each window carries the
    data that the network's trunk reaches beyond its edges (:attr:`FusedCNN.context` samples on each
    side, :func:`coursekit.gw.simulate.context_sampler`), so it is trained on what a scan shows it,
    not on zero padding. Returns ``(model, history)``.
    """
    import numpy as np

    from coursekit.config import seed_everything
    from coursekit.metrics import accuracy_from_logits
    from coursekit.training import fit

    seed = cfg.seed if seed is None else seed
    snr_range = tuple(cfg.snr_range if snr_range is None else snr_range)
    if not 0 < snr_range[0] <= snr_range[1]:
        raise ValueError(f"snr_range must be 0 < low <= high, got {snr_range}")
    seed_everything(seed)
    rng = np.random.default_rng(seed + 1)
    model = MultiScaleCNN(n_det=sampler.n_det)
    context = model.for_inference().context
    if context:  # train on windows as the scan sees them: real data around each window
        from coursekit.gw.simulate import context_sampler

        sampler = context_sampler(cfg, sampler.bank, context)
    val = sampler.sample(cfg.n_val, rng, snr=snr_range)
    xv, yv = torch.from_numpy(val.x), torch.from_numpy(val.y)
    val_loader = [(xv[i:i + 128], yv[i:i + 128]) for i in range(0, len(xv), 128)]  # small: memory
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-4)
    steps = cfg.epochs * cfg.batches_per_epoch
    # one-cycle schedule (Smith & Topin 2019), warm-up 20% of the steps; a run too short for a warm-up and a
    # decay (fewer than 3 steps, e.g. an experiment's tiny arm) keeps a constant learning rate
    sched = (torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps,
                                                 pct_start=min(max(0.2, 1.5 / steps), 1 - 1.5 / steps))
             if steps >= 3 else None)
    stream = sampler.batches(cfg.batches_per_epoch, cfg.batch_size, rng, snr_range)
    history = fit(_WithContext(model, context), stream, val_loader,
                  loss_fn=torch.nn.BCEWithLogitsLoss(), epochs=cfg.epochs, optimizer=opt, scheduler=sched,
                  scheduler_step="batch", progress=progress, desc="CNN",
                  metrics={"accuracy": accuracy_from_logits})
    model.eval()
    return model, history


# --------------------------------------------------------------------------- model files

TOPIC = "gw"


def save_model(model: MultiScaleCNN, path, cfg, detectors: tuple[str, ...], extra: dict | None = None):
    """Save weights plus what ``gw scan`` needs (detectors, rate, window, merger range) through
    :func:`coursekit.checkpoint.save_model` (topic ``"gw"``, sha256 of the tensors)."""
    from coursekit.checkpoint import save_model as _save

    config = {"detectors": list(detectors), "fs": cfg.fs, "window_duration": cfg.window_duration,
              "merger_range": list(cfg.merger_range), "n_det": len(detectors), "arch": dict(model.arch)}
    return _save(path, topic=TOPIC, state_dict=model.state_dict(), config=config, extra=extra or {})


def load_model(path) -> tuple[MultiScaleCNN, dict]:
    """Load a model saved by :func:`save_model`; returns ``(model, meta)`` (``meta``: config plus extra).

    A missing, changed, foreign or pickled file raises :class:`coursekit.checkpoint.ModelFileError`.
    """
    from coursekit.checkpoint import ModelFileError
    from coursekit.checkpoint import load_model as _load

    ck = _load(path, topic=TOPIC)
    try:
        arch = dict(ck.config.get("arch") or {"n_det": int(ck.config["n_det"]), "channels": LEGACY_CHANNELS, "stride": 4})
        arch = {k: tuple(v) if isinstance(v, list) else v for k, v in arch.items()}
        model = MultiScaleCNN(**arch)
        model.load_state_dict(ck.state_dict)
    except (KeyError, RuntimeError, TypeError) as exc:
        raise ModelFileError(f"{path}: not a CNN saved by `gw train` ({str(exc).splitlines()[0][:100]}); "
                             "retrain it with `python -m coursekit gw train`") from None
    model.eval()
    return model, {**ck.config, **(ck.extra or {})}
