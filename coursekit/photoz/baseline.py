"""Classical photo-z baselines on the same features and split as the MDN.

* :class:`TemplateFitter`: chi^2 over templates x redshift grid (the guide's
  equation), with the same CWW/Kinney templates and SDSS filters as the
  simulator. This is *not* BPZ (desc-bpz) itself: it is a chi^2 template fit
  that can use a BPZ-style prior (the HDF-N prior of Benitez 2000). For each template T and redshift z the best flux
  scale is analytic,

      a = sum_b f_b F_bT(z) / s_b^2  /  sum_b F_bT(z)^2 / s_b^2,
      chi^2(z, T) = sum_b (f_b - a F_bT(z))^2 / s_b^2,

  and ``p(z) ~ sum_T prior(z, T | m0) exp(-chi^2 / 2)``. ``prior="bpz"`` uses
  the HDF-N prior of Benitez (2000, Table 1) with the i magnitude; ``None`` is
  maximum likelihood with a flat prior.
* :class:`KNNPhotoZ`: k nearest neighbours in standardised feature space
  (Beck et al. 2016 use kNN + local fits for SDSS DR12); p(z) is a Gaussian
  kernel density of the neighbours' redshifts.
* :class:`ForestPhotoZ`: scikit-learn random forest regression (point estimates only;
  Carliles et al. 2010 introduced random forests for SDSS photo-z).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coursekit.photoz.simulate import FluxGrid, PhotometryCatalog, flux_grid

_trapezoid = np.trapezoid if hasattr(np, "trapezoid") else np.trapz  # numpy < 2 has only trapz

# --------------------------------------------------------------------------- template fitting

#: Benitez (2000) HDF-N prior parameters per class (E/S0, Spiral, Irr/SB): a, z0, k_m; k_t and f_t for E/S0, Sp.
_BPZ_A = (2.465, 1.806, 0.906)
_BPZ_Z0 = (0.431, 0.390, 0.0626)
_BPZ_KM = (0.0913, 0.0636, 0.123)
_BPZ_KT = (0.450, 0.147)
_BPZ_FT = (0.35, 0.50)


def bpz_prior(z: np.ndarray, m0: np.ndarray, template_class: np.ndarray) -> np.ndarray:
    """HDF-N prior p(z, T | m0) of Benitez (2000), shape (n, nz, nt).

    Parameters
    ----------
    z: (nz,) redshift grid. m0: (n,) magnitudes (I814 in the paper; SDSS i here), clipped to [20, 32].
    template_class: (nt,) class of each template, 0 = E/S0, 1 = spiral, 2 = Irr/starburst.
    Per class, ``p(T | m0)`` follows ``f_t exp(-k_t (m0 - 20))`` and
    ``p(z | T, m0) ~ z^a exp(-(z / z_m)^a)`` with ``z_m = z0 + k_m (m0 - 20)``.
    """
    z = np.asarray(z, float)
    m = np.clip(np.asarray(m0, float), 20.0, 32.0)[:, None]
    cls = np.asarray(template_class, int)
    counts = np.bincount(cls, minlength=3).astype(float)
    dm = m - 20.0
    f_e = _BPZ_FT[0] * np.exp(-_BPZ_KT[0] * dm)
    f_s = _BPZ_FT[1] * np.exp(-_BPZ_KT[1] * dm)
    f_c = np.concatenate([f_e, f_s, np.clip(1 - f_e - f_s, 0, None)], axis=1)  # (n, 3)
    out = np.empty((m.shape[0], z.size, cls.size))
    for j, c in enumerate(cls):
        a, z0, km = _BPZ_A[c], _BPZ_Z0[c], _BPZ_KM[c]
        zm = np.clip(z0 + km * dm, 0.01, 15.0)  # (n, 1)
        pz = z[None, :] ** a * np.exp(-np.clip((z[None, :] / zm) ** a, 0, 700))
        pz /= _trapezoid(pz, z, axis=1)[:, None]
        out[:, :, j] = pz * (f_c[:, c] / max(counts[c], 1.0))[:, None]
    return out


def template_classes(types: np.ndarray) -> np.ndarray:
    """BPZ class of continuous template types: El (t < 0.5) -> 0, Sbc/Scd (t < 2.5) -> 1, else 2."""
    t = np.asarray(types, float)
    return np.where(t < 0.5, 0, np.where(t < 2.5, 1, 2))


@dataclass
class TemplateFitter:
    """chi^2 template fitting on a redshift grid (needs no training set).

    ``n_interp`` mixed templates are inserted between neighbours (BPZ's
    INTERP); ``sigma_model`` is a fractional template error added to the flux
    errors in quadrature; ``prior`` is ``None`` (flat) or ``"bpz"``.
    """

    z_grid: np.ndarray | None = None
    n_interp: int = 2
    sigma_model: float = 0.03
    prior: str | None = None
    grid: FluxGrid | None = None
    chunk: int = 250  # galaxies per vectorised block (memory ~ chunk x nz x nt x 5 doubles)

    def __post_init__(self) -> None:
        if self.prior not in (None, "bpz"):
            raise ValueError(f"prior must be None or 'bpz', got {self.prior!r}")
        from coursekit.photoz.model import default_z_grid

        self.z_grid = default_z_grid() if self.z_grid is None else np.asarray(self.z_grid, float)
        self.grid = self.grid or flux_grid()
        if self.z_grid.max() > self.grid.z[-1]:
            raise ValueError(f"z_grid extends beyond the template grid (z <= {self.grid.z[-1]})")
        base = self.grid.interpolated(self.n_interp)  # (nt, nz_grid, 5)
        zg = self.grid.z
        self.types = self.grid.template_types(self.n_interp)
        # templates resampled on z_grid: (nt, nz, 5)
        self.model_flux = np.stack(
            [np.stack([np.interp(self.z_grid, zg, base[t, :, b]) for b in range(base.shape[2])], axis=-1)
             for t in range(base.shape[0])]
        )

    def fit(self, *args, **kwargs) -> TemplateFitter:
        """Nothing to learn (kept for the common estimator interface)."""
        return self

    def chi2(self, flux: np.ndarray, flux_err: np.ndarray) -> np.ndarray:
        """chi^2 (n, nz, nt) of observed fluxes (n, 5) with errors (n, 5), amplitude fitted analytically."""
        F = self.model_flux.transpose(1, 0, 2)  # (nz, nt, 5)
        out = np.empty((flux.shape[0], F.shape[0], F.shape[1]))
        for s in range(0, flux.shape[0], self.chunk):
            f = flux[s : s + self.chunk, None, None, :]
            e = flux_err[s : s + self.chunk, None, None, :]
            a = np.clip(f, 0, None)  # model error from the (non-negative) flux level
            var = e**2 + (self.sigma_model * a) ** 2
            w = 1.0 / var
            ff = np.sum(F * F * w, -1)
            fo = np.sum(F * f * w, -1)
            amp = np.clip(fo / ff, 0, None)
            out[s : s + self.chunk] = np.sum((f - amp[..., None] * F) ** 2 * w, -1)
        return out

    def predict_pdf(self, cat: PhotometryCatalog) -> np.ndarray:
        """p(z) (n, nz) on ``z_grid``, normalised."""
        flux, err = cat.fluxes()
        chi2 = self.chi2(flux, err)
        like = np.exp(-0.5 * (chi2 - chi2.min(axis=(1, 2), keepdims=True)))
        if self.prior == "bpz":
            i_band = cat.bands.index("i") if "i" in cat.bands else -1
            like = like * bpz_prior(self.z_grid, cat.mag[:, i_band], template_classes(self.types))
        pdf = like.sum(axis=2)
        area = _trapezoid(pdf, self.z_grid, axis=1)[:, None]
        return pdf / np.where(area > 0, area, 1.0)

    def predict(self, cat: PhotometryCatalog, kind: str = "mode") -> np.ndarray:
        """Point estimates: ``"mode"`` of p(z) or ``"chi2"`` (the minimum-chi^2 redshift)."""
        if kind == "chi2":
            flux, err = cat.fluxes()
            c = self.chi2(flux, err).min(axis=2)
            return self.z_grid[np.argmin(c, axis=1)]
        if kind == "mode":
            return self.z_grid[np.argmax(self.predict_pdf(cat), axis=1)]
        raise ValueError(f"kind must be 'mode' or 'chi2', got {kind!r}")


# --------------------------------------------------------------------------- empirical baselines

class KNNPhotoZ:
    """k-nearest-neighbour photo-z on standardised features (scikit-learn).

    Point estimate: median of the neighbours' redshifts. p(z): a Gaussian
    kernel of width ``bandwidth * (1 + z)`` on each neighbour.
    """

    def __init__(self, k: int = 30, bandwidth: float = 0.02) -> None:
        if k < 1:
            raise ValueError("k must be >= 1")
        self.k, self.bandwidth = k, bandwidth
        self._nn = None

    def fit(self, X: np.ndarray, z: np.ndarray) -> KNNPhotoZ:
        from sklearn.neighbors import NearestNeighbors

        X = np.asarray(X, float)
        self.mean_, self.std_ = X.mean(0), np.where(X.std(0) > 0, X.std(0), 1.0)
        self.z_ = np.asarray(z, float).ravel()
        if len(self.z_) < self.k:
            raise ValueError(f"need at least k = {self.k} training objects, got {len(self.z_)}")
        self._nn = NearestNeighbors(n_neighbors=self.k).fit((X - self.mean_) / self.std_)
        return self

    def neighbours(self, X: np.ndarray) -> np.ndarray:
        if self._nn is None:
            raise RuntimeError("call fit(X, z) first")
        _, idx = self._nn.kneighbors((np.asarray(X, float) - self.mean_) / self.std_)
        return self.z_[idx]  # (n, k)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.median(self.neighbours(X), axis=1)

    def predict_pdf(self, X: np.ndarray, z_grid: np.ndarray) -> np.ndarray:
        zn = self.neighbours(X)
        g = np.asarray(z_grid, float)
        out = np.zeros((zn.shape[0], g.size))
        for j in range(zn.shape[1]):  # accumulate one neighbour at a time to bound memory
            s = self.bandwidth * (1 + zn[:, j : j + 1])
            out += np.exp(-0.5 * ((g[None, :] - zn[:, j : j + 1]) / s) ** 2) / s
        out /= zn.shape[1] * np.sqrt(2 * np.pi)
        area = _trapezoid(out, g, axis=1)[:, None]
        return out / np.where(area > 0, area, 1.0)


class ForestPhotoZ:
    """Random-forest regression of z (200 trees, min leaf 5 by default; point estimates only)."""

    def __init__(self, n_estimators: int = 200, min_samples_leaf: int = 5, seed: int = 0, n_jobs: int = 1) -> None:
        from sklearn.ensemble import RandomForestRegressor

        self.model = RandomForestRegressor(n_estimators=n_estimators, min_samples_leaf=min_samples_leaf,
                                           random_state=seed, n_jobs=n_jobs)

    def fit(self, X: np.ndarray, z: np.ndarray) -> ForestPhotoZ:
        self.model.fit(np.asarray(X, float), np.asarray(z, float).ravel())
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.model.predict(np.asarray(X, float))
