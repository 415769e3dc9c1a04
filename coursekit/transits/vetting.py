"""Vetting features and the calibrated planet score: what a TCE's views and light curve say besides the CNN.

Kepler's Robovetter (Thompson et al. 2018, ApJS 235, 38; Coughlin et al. 2016) and Data Validation (Twicken et
al. 2018) reject false positives with a handful of diagnostics; the CNN of Shallue & Vanderburg (2018) sees the
views only, and a network trained on a limited set of false positives scores anything dip-like it has not seen
(heartbeat stars, pulsators, rotators) as a planet. Ansdell et al. (2018) showed that adding such scalar
features to the views helps. Here each TCE gets :data:`FEATURES`:

* ``cnn_logit``: the dual-view CNN's logit;
* ``log_snr``: ln of the transit SNR;
* ``odd_even``: ln(1 + odd/even depth difference in sigma) (an EB detected at half its period);
* ``secondary``: ln(1 + max(0, significance of the deepest secondary dip)), phase 0.5 included;
* ``period_doubling``: ln(1 + chi2/dof) of the profile folded on twice the period, first half against second
  half (``VettingStats.period_doubling_chi2``): unequal eclipses, or unequal durations, of a binary;
* ``log_depth``: ln of the fractional depth (no planet around a dwarf blocks more than a few per cent);
* ``duration_ratio``: ln(duration / the longest central transit of a body of that depth around a star of solar
  density, Seager & Mallen-Ornelas 2003); a twin binary at half its period, or a giant host, lasts too long;
* ``shape_v``: 1 - (mean of the inner tenth of the transit) / (mean of its inner 80 %), from the local view:
  ~0 for a flat-bottomed (U) transit, larger for a V (grazing binary);
* ``brightening``: the 95th percentile of the local view outside the transit, in units of the depth: a
  heartbeat star brightens beside its dip, a transit does not;
* ``scatter``: robust scatter of the global view away from the transit, in units of the depth: stellar
  variability left by the detrending (pulsators, fast rotators) folds into a wavy global view.

:class:`Vetter` is a logistic regression on these features, fitted on a validation set the CNN was not trained
on, so it both vets and calibrates: its output is a probability, and 0.5 means even odds on that population
(Platt 1999 scaling generalised to several inputs; the features are standardised with the validation set's
mean and scatter, stored in the model file).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

FEATURES = ("cnn_logit", "log_snr", "odd_even", "secondary", "period_doubling", "log_depth", "duration_ratio",
            "shape_v", "brightening", "scatter")

#: a / R* of a star of solar density at a period of one day: (G rho_sun (1 d)^2 / (3 pi))^(1/3).
A_RS_ONE_DAY_SOLAR = 4.206


def max_duration_solar(period: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Longest (central, circular) transit duration in days around a star of solar density.

    ``T = P / pi * arcsin((1 + k) / (a / R*))`` with ``a / R* = 4.206 (P / 1 d)^(2/3)`` and ``k = sqrt(depth)``
    (Seager & Mallen-Ornelas 2003, eq. 3 with b = 0). period: days; depth: fractional.
    """
    period = np.asarray(period, float)
    k = np.sqrt(np.clip(np.asarray(depth, float), 0.0, 1.0))
    a_rs = A_RS_ONE_DAY_SOLAR * period ** (2.0 / 3.0)
    return period / np.pi * np.arcsin(np.clip((1 + k) / a_rs, 0.0, 1.0))


def _local_x(n: int = 201, num_durations: float = 4.0, bin_width: float = 0.16) -> np.ndarray:
    """Bin centres of the local view in units of the duration (for the usual +-4-duration window)."""
    spacing = (2 * num_durations - bin_width) / (n - 1)
    return -num_durations + bin_width / 2 + spacing * np.arange(n)


def view_features(global_view: np.ndarray, local_view: np.ndarray, duty_cycle: np.ndarray
                  ) -> dict[str, np.ndarray]:
    """``shape_v``, ``brightening`` and ``scatter`` of normalised views (median 0, minimum -1).

    global_view: (n, 2001); local_view: (n, 201); duty_cycle: (n,) duration / period. Returns (n,) arrays.
    """
    g = np.atleast_2d(np.asarray(global_view, float))
    loc = np.atleast_2d(np.asarray(local_view, float))
    duty = np.atleast_1d(np.asarray(duty_cycle, float))
    x = np.abs(_local_x(loc.shape[1]))
    inner = loc[:, x <= 0.1].mean(1)
    core = loc[:, x <= 0.4].mean(1)
    shape_v = np.where(inner < 0, 1.0 - core / np.where(inner < 0, inner, -1.0), 0.0)
    brightening = np.percentile(loc[:, x >= 1.0], 95, axis=1)
    phase = np.abs(-0.5 + (np.arange(g.shape[1]) + 0.5) / g.shape[1])  # |phase| in orbits
    scatter = np.empty(len(g))
    for i in range(len(g)):
        away = g[i, phase > min(2.0 * duty[i], 0.25)]
        scatter[i] = 1.4826 * np.median(np.abs(away - np.median(away))) if len(away) else 0.0
    return {"shape_v": np.clip(shape_v, -1.0, 2.0), "brightening": np.clip(brightening, -1.0, 5.0),
            "scatter": np.clip(scatter, 0.0, 5.0)}


def vetting_features(vetting: dict[str, Any], global_view: np.ndarray, local_view: np.ndarray,
                     period: np.ndarray, duration: np.ndarray, cnn_logit: np.ndarray) -> np.ndarray:
    """The (n, len(FEATURES)) feature matrix of n TCEs.

    vetting: dict of (n,) arrays with ``snr``, ``depth``, ``odd_even_sigma``, ``secondary_sigma``,
    ``period_doubling_chi2`` (:func:`coursekit.transits.baseline.stack_statistics`, or one
    ``VettingStats.to_dict()``); views (n, 2001) and (n, 201); period, duration: (n,) days; cnn_logit: (n,).
    """
    def col(name: str) -> np.ndarray:
        if name not in vetting:
            raise ValueError(f"vetting statistics lack {name!r}: recompute them with "
                             "coursekit.transits.search.views_and_vetting")
        return np.atleast_1d(np.asarray(vetting[name], float))

    period = np.atleast_1d(np.asarray(period, float))
    duration = np.atleast_1d(np.asarray(duration, float))
    depth = np.clip(col("depth"), 1e-6, 1.0)
    views = view_features(global_view, local_view, duration / period)
    feats = {
        "cnn_logit": np.clip(np.atleast_1d(np.asarray(cnn_logit, float)), -30, 30),
        "log_snr": np.log(np.clip(col("snr"), 1.0, 1e5)),
        "odd_even": np.log1p(np.clip(col("odd_even_sigma"), 0.0, 1e5)),
        "secondary": np.log1p(np.clip(col("secondary_sigma"), 0.0, 1e5)),
        "period_doubling": np.log1p(np.clip(col("period_doubling_chi2"), 0.0, 1e5)),
        "log_depth": np.log(depth),
        "duration_ratio": np.log(np.clip(duration / np.maximum(max_duration_solar(period, depth), 1e-3),
                                         1e-2, 1e2)),
        **views,
    }
    out = np.stack([feats[name] for name in FEATURES], axis=1)
    return np.where(np.isfinite(out), out, 0.0)


def balanced_weights(label: np.ndarray) -> np.ndarray:
    """(n,) weights that give planets and false positives equal total weight (mean 1): fitted with them, a score of
    0.5 means even odds for a TCE that is a priori as likely a planet as not, whatever the mix of the calibration
    set (the planets among the TCEs of a blind search are a minority)."""
    label = np.asarray(label)
    n1 = int(np.sum(label == 1))
    n0 = len(label) - n1
    if n0 == 0 or n1 == 0:
        raise ValueError("balanced weights need planets and false positives")
    return np.where(label == 1, 0.5 * len(label) / n1, 0.5 * len(label) / n0)


class Vetter(nn.Module):
    """Logistic regression on :data:`FEATURES` (standardised); ``forward`` returns the calibrated logit."""

    def __init__(self, n_features: int = len(FEATURES)):
        super().__init__()
        self.linear = nn.Linear(n_features, 1)
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("scale", torch.ones(n_features))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear((features - self.mean) / self.scale).squeeze(-1)

    def fit(self, features: np.ndarray, label: np.ndarray, *, weight: np.ndarray | None = None, l2: float = 1e-2,
            max_iter: int = 500) -> Vetter:
        """Maximum-likelihood fit (L-BFGS) with an L2 penalty ``l2 * |w|^2`` on the standardised weights.

        features: (n, F); label: (n,) 0/1 with both classes present; weight: (n,) non-negative weight of each
        example in the likelihood (default equal; :func:`balanced_weights` gives the classes equal shares).
        """
        x = torch.as_tensor(np.asarray(features, float), dtype=torch.float32)
        y = torch.as_tensor(np.asarray(label, float), dtype=torch.float32)
        if x.ndim != 2 or x.shape[1] != self.linear.in_features or len(x) != len(y):
            raise ValueError(f"features must be (n, {self.linear.in_features}) with n labels, got "
                             f"{tuple(x.shape)} and {len(y)}")
        if len(torch.unique(y)) < 2:
            raise ValueError("the vetter needs planets and false positives in its calibration set")
        w = torch.ones(len(y)) if weight is None else torch.as_tensor(np.asarray(weight, float), dtype=torch.float32)
        if w.shape != y.shape or not bool(torch.all(w >= 0)) or not float(w.sum()) > 0:
            raise ValueError(f"weight must be (n,) = ({len(y)},) non-negative numbers with a positive sum")
        w = w / w.mean()
        self.mean.copy_(x.mean(0))
        self.scale.copy_(x.std(0).clamp_min(1e-3))
        with torch.no_grad():
            self.linear.weight.zero_()
            self.linear.bias.fill_(float(torch.logit(((w * y).sum() / w.sum()).clamp(0.01, 0.99))))
        opt = torch.optim.LBFGS(self.linear.parameters(), max_iter=max_iter, line_search_fn="strong_wolfe")
        loss_fn = nn.BCEWithLogitsLoss(weight=w)

        def closure():
            opt.zero_grad()
            loss = loss_fn(self(x), y) + l2 * (self.linear.weight**2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        self.eval()
        return self

    @torch.no_grad()
    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Calibrated planet probability, (n,) floats in [0, 1]."""
        x = torch.as_tensor(np.asarray(features, float), dtype=torch.float32)
        return torch.sigmoid(self(x)).double().numpy()
