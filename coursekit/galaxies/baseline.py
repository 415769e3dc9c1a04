"""The classical baseline: hand-made morphology features and a random forest (scikit-learn).

The non-parametric measures a morphologist would compute, vectorised over a
stack of images (every image is measured about the centre of the cut-out, where
the simulator and the survey cut-outs put the galaxy):

* **concentration** ``C = 5 log10(r80 / r20)`` (Bershady et al. 2000; Conselice 2003):
  radii enclosing 20% and 80% of the light inside the aperture.
* **asymmetry** ``A = Σ|I - I_180| / Σ|I|`` minus the same quantity for pure noise
  (Conselice, Bershady & Jangren 2000), ``I_180`` the image rotated by 180°.
* **clumpiness (smoothness)** ``S = Σ (I - I_σ)_+ / Σ I`` with ``I_σ`` the image
  smoothed by a Gaussian of width ``0.25 r_half`` (Conselice 2003), centre excluded,
  minus the expected contribution of the sky noise.
* **ellipticity** ``1 - b/a`` from the flux-weighted second moments of the pixels above
  2σ of the sky.
* **Gini** coefficient of the pixel fluxes (Abraham et al. 2003; Lotz et al. 2004).
* **colour**: ``-2.5 log10`` of the flux ratios bluest/middle and middle/reddest band
  inside the aperture (g - r and r - z for the simulations).
* **size** ``r_half`` (pixels) and **brightness** ``-2.5 log10`` total flux.

:func:`morphology_features` accepts (n, 3, H, W) arrays of sky-subtracted flux
(simulations, Galaxy10 after conversion) or of stretched colour images; the
features are only comparable between images prepared the same way.
"""

from __future__ import annotations

import numpy as np

FEATURE_NAMES: tuple[str, ...] = (
    "concentration", "asymmetry", "clumpiness", "ellipticity", "gini",
    "colour_br", "colour_rz", "r_half", "brightness",
)


def _radius_grid(size: int) -> np.ndarray:
    c = (size - 1) / 2.0
    y, x = np.mgrid[0:size, 0:size]
    return np.hypot(x - c, y - c)


def _radii_at(growth: np.ndarray, edges: np.ndarray, frac: float) -> np.ndarray:
    """Radius at which each normalised growth curve (n, nbins) first reaches ``frac`` (linear interpolation)."""
    idx = np.argmax(growth >= frac, axis=1)
    idx = np.clip(idx, 1, growth.shape[1] - 1)
    rows = np.arange(len(growth))
    g0, g1 = growth[rows, idx - 1], growth[rows, idx]
    t = np.clip((frac - g0) / np.where(g1 > g0, g1 - g0, 1.0), 0, 1)
    return edges[idx - 1] + t * (edges[idx] - edges[idx - 1])


def _noise_sigma(img: np.ndarray) -> np.ndarray:
    """Robust per-image noise estimate (n,) from the border pixels (MAD × 1.4826)."""
    border = np.concatenate([img[:, :4].reshape(len(img), -1), img[:, -4:].reshape(len(img), -1),
                             img[:, 4:-4, :4].reshape(len(img), -1), img[:, 4:-4, -4:].reshape(len(img), -1)], axis=1)
    med = np.median(border, axis=1, keepdims=True)
    return 1.4826 * np.median(np.abs(border - med), axis=1) + 1e-12


def morphology_features(images: np.ndarray, aperture: float = 0.45, *, chunk: int = 256) -> np.ndarray:
    """Features (n, len(FEATURE_NAMES)) of (n, 3, H, W) images (bands ordered blue to red).

    ``aperture`` is the radius of the measurement aperture as a fraction of the
    cut-out side. The morphology is measured on the sum of the three bands.
    Every image is measured on its own, ``chunk`` images at a time (float64 work arrays stay small).
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must have shape (n, 3, H, W), got {images.shape}")
    if images.shape[2] != images.shape[3]:
        raise ValueError(f"images must be square, got {images.shape[2]}x{images.shape[3]}")
    if chunk < 1:
        raise ValueError(f"chunk must be a positive number of images, got {chunk}")
    if len(images) <= chunk:
        return _features(images, aperture)
    return np.concatenate([_features(images[i : i + chunk], aperture) for i in range(0, len(images), chunk)])


def _features(images: np.ndarray, aperture: float) -> np.ndarray:
    """:func:`morphology_features` of one block of (n, 3, H, H) images."""
    from scipy.ndimage import gaussian_filter

    images = np.asarray(images, dtype=np.float64)
    n, _, h, w = images.shape
    img = images.sum(axis=1)
    sigma = _noise_sigma(img)
    r = _radius_grid(h)
    inside = r <= aperture * h

    # curve of growth in 1-pixel annuli
    nb = int(np.ceil(aperture * h))
    edges = np.arange(nb + 1, dtype=float)
    which = np.minimum(np.floor(r).astype(int), nb)  # annulus index; nb = outside the aperture
    onehot = (which.reshape(-1)[:, None] == np.arange(nb)[None, :]).astype(float)
    annuli = img.reshape(n, -1) @ onehot
    growth = np.cumsum(annuli, axis=1)
    total = np.maximum(growth[:, -1], 1e-12)
    norm_growth = np.concatenate([np.zeros((n, 1)), growth / total[:, None]], axis=1)
    r20 = _radii_at(norm_growth, edges, 0.2)
    r50 = _radii_at(norm_growth, edges, 0.5)
    r80 = _radii_at(norm_growth, edges, 0.8)
    concentration = 5 * np.log10(np.maximum(r80, 0.5) / np.maximum(r20, 0.5))

    # asymmetry about the centre, corrected for the noise's own asymmetry (√2 σ per pixel, |.| mean √(2/π))
    rot = img[:, ::-1, ::-1]
    absum = np.abs(img)[:, inside].sum(axis=1)
    noise_term = np.sqrt(2) * sigma * np.sqrt(2 / np.pi) * inside.sum()
    asym = (np.abs(img - rot)[:, inside].sum(axis=1) - noise_term) / np.maximum(absum, 1e-12)

    # clumpiness: residual from a smoothed copy, excluding the centre
    smooth_scale = np.clip(0.25 * r50, 0.7, 4.0)
    clump = np.empty(n)
    ring = inside & (r > 2.0)
    for s in np.unique(np.round(smooth_scale, 1)):
        sel = np.round(smooth_scale, 1) == s
        sm = gaussian_filter(img[sel], sigma=(0, s, s), mode="constant")
        resid = np.clip(img[sel] - sm, 0, None)[:, ring].sum(axis=1)
        # remove the noise's own contribution: E[(r)_+] = sigma_r / sqrt(2 pi), with
        # sigma_r^2 = sigma^2 (1 - 2 k0 + sum k^2) = sigma^2 (1 - 3 / (4 pi s^2)) for a Gaussian kernel
        sigma_r = sigma[sel] * np.sqrt(max(1 - 3 / (4 * np.pi * s**2), 0.05))
        resid = resid - ring.sum() * sigma_r / np.sqrt(2 * np.pi)
        clump[sel] = resid / np.maximum(img[sel][:, ring].clip(0, None).sum(axis=1), 1e-12)

    # ellipticity from second moments of the significant pixels
    c = (h - 1) / 2.0
    yy, xx = np.mgrid[0:h, 0:w] - c
    wgt = np.where((img > 2 * sigma[:, None, None]) & inside, img, 0.0)
    wsum = np.maximum(wgt.sum(axis=(1, 2)), 1e-12)
    mx = (wgt * xx).sum(axis=(1, 2)) / wsum
    my = (wgt * yy).sum(axis=(1, 2)) / wsum
    ixx = (wgt * xx**2).sum(axis=(1, 2)) / wsum - mx**2
    iyy = (wgt * yy**2).sum(axis=(1, 2)) / wsum - my**2
    ixy = (wgt * xx * yy).sum(axis=(1, 2)) / wsum - mx * my
    tr, det = ixx + iyy, ixx * iyy - ixy**2
    disc = np.sqrt(np.maximum(tr**2 / 4 - det, 0))
    lam1, lam2 = tr / 2 + disc, np.maximum(tr / 2 - disc, 0)
    ellipticity = 1 - np.sqrt(lam2 / np.maximum(lam1, 1e-12))

    # Gini of the absolute pixel values inside the aperture
    vals = np.sort(np.abs(img[:, inside]), axis=1)
    m = vals.shape[1]
    k = np.arange(1, m + 1)
    gini = ((2 * k - m - 1) * vals).sum(axis=1) / np.maximum(vals.mean(axis=1) * m * (m - 1), 1e-12)

    # colours inside the aperture (half-light aperture would be noisier for faint galaxies)
    band_flux = np.clip(images[:, :, inside].sum(axis=2), 1e-3 * total[:, None] + 1e-9, None)
    colour_br = -2.5 * np.log10(band_flux[:, 0] / band_flux[:, 1])
    colour_rz = -2.5 * np.log10(band_flux[:, 1] / band_flux[:, 2])
    brightness = -2.5 * np.log10(total)
    return np.stack([concentration, asym, clump, ellipticity, gini, colour_br, colour_rz, r50, brightness], axis=1)


def train_forest(features: np.ndarray, labels: np.ndarray, *, n_estimators: int = 300, seed: int = 0,
                 n_jobs: int | None = None):
    """A random forest (Breiman 2001; scikit-learn) on the morphology features; returns the fitted classifier.

    Refuses a training set with a single class (nothing to learn).
    """
    from sklearn.ensemble import RandomForestClassifier

    features, labels = np.asarray(features), np.asarray(labels)
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(f"features must be (n, d) with one label each; got {features.shape} and {len(labels)} labels")
    if len(np.unique(labels)) < 2:
        raise ValueError(f"the training labels hold a single class ({np.unique(labels).tolist()}); "
                         "a classifier needs examples of at least two classes")
    forest = RandomForestClassifier(n_estimators=n_estimators, min_samples_leaf=2, random_state=seed, n_jobs=n_jobs)
    return forest.fit(features, labels)


def forest_proba(forest, features: np.ndarray, n_classes: int) -> np.ndarray:
    """Class probabilities (n, n_classes) of a fitted forest, with zero columns for classes it never saw."""
    p = forest.predict_proba(np.asarray(features))
    out = np.zeros((len(p), n_classes))
    out[:, np.asarray(forest.classes_, dtype=int)] = p
    return out


class TreeForest:
    """A fitted random forest as plain arrays: what a model file can hold (tensors, no pickle) and predict from.

    ``left``/``right``: (n_nodes,) child of each node (-1 at a leaf), every tree's nodes stacked with ``roots``
    (n_trees,) giving where each tree starts; ``feature``/``threshold``: the split (go left when
    ``x[feature] <= threshold``, the features cast to float32 first, as scikit-learn does); ``value``:
    (n_nodes, n_classes) class fractions at each node, columns in the order of the full class list.
    :meth:`predict_proba` equals scikit-learn's ``predict_proba`` (mean over trees of the leaf fractions).
    """

    KEYS = ("roots", "left", "right", "feature", "threshold", "value")

    def __init__(self, roots, left, right, feature, threshold, value):
        self.roots, self.left, self.right = (np.asarray(a, dtype=np.int64) for a in (roots, left, right))
        self.feature = np.asarray(feature, dtype=np.int64)
        self.threshold, self.value = np.asarray(threshold, dtype=np.float64), np.asarray(value, dtype=np.float64)
        n = len(self.left)
        if not (len(self.right) == len(self.feature) == len(self.threshold) == len(self.value) == n and n
                and self.roots.ndim == 1 and len(self.roots) and self.value.ndim == 2):
            raise ValueError("a forest's node arrays must have one entry per node and at least one tree")
        inner = self.left >= 0
        if (self.roots.min() < 0 or self.roots.max() >= n or self.left[inner].max(initial=0) >= n
                or self.right[inner].max(initial=0) >= n or (self.right[inner] < 0).any()):
            raise ValueError("a forest's node arrays point outside the forest")

    @classmethod
    def from_sklearn(cls, forest, n_classes: int) -> TreeForest:
        """Export a fitted ``RandomForestClassifier`` (labels 0..n_classes-1, some possibly unseen)."""
        cols = np.asarray(forest.classes_, dtype=int)
        roots, left, right, feature, threshold, value, offset = [], [], [], [], [], [], 0
        for est in forest.estimators_:
            t = est.tree_
            leaf = t.children_left < 0
            roots.append(offset)
            left.append(np.where(leaf, -1, t.children_left + offset))
            right.append(np.where(leaf, -1, t.children_right + offset))
            feature.append(np.where(leaf, 0, t.feature))
            threshold.append(t.threshold)
            v = np.asarray(t.value[:, 0, :], dtype=np.float64)
            full = np.zeros((len(v), n_classes))
            full[:, cols] = v / v.sum(axis=1, keepdims=True)
            value.append(full)
            offset += t.node_count
        return cls(roots, *(np.concatenate(a) for a in (left, right, feature, threshold, value)))

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities (n, n_classes) for morphology features (n, d)."""
        x = np.asarray(features, dtype=np.float32)
        if x.ndim != 2 or (len(x) and x.shape[1] <= self.feature.max()):
            raise ValueError(f"features must be (n, d) with d > {self.feature.max()}, got {x.shape}")
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        rows = np.arange(len(x))[:, None]
        while True:
            inner = self.left[node] >= 0
            if not inner.any():
                break
            go_left = x[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(inner, np.where(go_left, self.left[node], self.right[node]), node)
        return self.value[node].mean(axis=1)

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k) for k in self.KEYS}


def fit_baseline(images: np.ndarray, labels: np.ndarray, *, n_estimators: int = 300, seed: int = 0):
    """Features of (n, 3, H, W) images + a forest trained on them: the whole baseline in one call."""
    return train_forest(morphology_features(images), labels, n_estimators=n_estimators, seed=seed)
