"""A multi-scale 1D convolutional network that scores whitened strain windows.

Follows the CNN detectors of George & Huerta 2018 (PLB 778, 64) and Gabbard et al. 2018
(PRL 120, 141103): stacked 1D convolutions and pooling on whitened strain, one channel per
detector. The first block runs three kernel lengths in parallel (16, 32 and 64 samples: 8, 16
and 31 ms at 2048 Hz) so that the short merger and the longer inspiral are both matched; its
stride of 4 makes it a learned filter bank followed by decimation, which keeps CPU training
fast. The end uses global max- and mean-pooling, so the score hardly depends on where in the
window the merger is.

The network returns a *logit* (no sigmoid): train it with ``torch.nn.BCEWithLogitsLoss``,
which computes ``log(sigmoid(z))`` stably; a sigmoid followed by ``BCELoss`` saturates and loses
precision exactly in the far tail where false-alarm thresholds live.
"""

from __future__ import annotations

import torch
from torch import nn


class MultiScaleCNN(nn.Module):
    """Input ``(batch, n_det, n_samples)`` whitened strain; output ``(batch,)`` logits.

    n_det: detector channels (1 or 2); width: channels per branch of the first block;
    kernels: kernel lengths of the parallel first-block branches (samples).
    """

    def __init__(self, n_det: int = 2, width: int = 8, kernels: tuple[int, ...] = (16, 32, 64),
                 channels: tuple[int, ...] = (16, 32, 32), stride: int = 4, dropout: float = 0.1):
        super().__init__()
        self.n_det = n_det
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[1] != self.n_det:
            raise ValueError(f"expected input (batch, {self.n_det}, n_samples), got {tuple(x.shape)}")
        feats = [b(x) for b in self.branches]
        m = min(f.shape[-1] for f in feats)
        h = self.stem(torch.cat([f[..., :m] for f in feats], dim=1))
        h = self.body(h)
        h = torch.cat([h.amax(dim=-1), h.mean(dim=-1)], dim=1)
        return self.head(h).squeeze(-1)


@torch.no_grad()
def predict_logits(model: nn.Module, x, batch_size: int = 512, device=None) -> torch.Tensor:
    """Logits of ``model`` for windows ``x`` (n, n_det, n_samples) (NumPy or torch), in batches, on CPU."""
    import numpy as np

    device = device or next(model.parameters()).device
    model.eval()
    x = torch.as_tensor(np.asarray(x, dtype=np.float32)) if not isinstance(x, torch.Tensor) else x
    out = [model(x[i:i + batch_size].to(device)).float().cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out) if out else torch.empty(0)
