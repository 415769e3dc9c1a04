"""The classical methods of the topic, through the field's libraries.

* Star/galaxy separation on the ``SourceCatalog`` measurements: a one-parameter concentration cut (the classic
  ``r_1.5 / r_4`` aperture ratio, like SDSS's psf - model magnitude) and a random forest on the shape features
  (as in e.g. Vasconcellos et al. 2011, AJ 141, 189). They are what the CNN of :mod:`coursekit.astro.model`
  is compared with.
* Locating an object on a plate: :func:`densest_concentration` (a cluster) and :func:`nearest_source`, both
  behind :func:`locate`.

Where on the sky are the detected stars densest? (Finding M67 on a DSS plate.)

:func:`densest_concentration` bins positions on the tangent plane around their mean,
smooths the counts with a Gaussian kernel of ``smoothing`` (a kernel density estimate,
the classic way to find a cluster's centre from star counts, e.g. King 1962 profiles are
fitted about such a centre) and returns the sky position of the peak. Each star's weight
can be scaled (e.g. by brightness) with ``weights``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table


@dataclass
class DensityPeak:
    """``center``: sky position of the peak; ``density``: (ny, nx) smoothed counts per arcmin^2 on the grid;
    ``extent``: (xmin, xmax, ymin, ymax) of the grid in arcmin offsets (east positive, north up) from ``origin``;
    ``peak_density`` and ``mean_density`` in stars per arcmin^2."""

    center: SkyCoord
    density: np.ndarray
    extent: tuple[float, float, float, float]
    origin: SkyCoord
    peak_density: float
    mean_density: float


def densest_concentration(coords: SkyCoord, *, smoothing: u.Quantity = 1.5 * u.arcmin,
                          bin_size: u.Quantity = 0.2 * u.arcmin, weights: np.ndarray | None = None,
                          margin: u.Quantity | None = None) -> DensityPeak:
    """Peak of the Gaussian-smoothed surface density of ``coords``.

    Parameters
    ----------
    coords:
        (n,) positions (any celestial frame; ICRS is used for the offsets).
    smoothing:
        Gaussian sigma of the density kernel (angle).
    bin_size:
        Grid step (angle), a few times smaller than ``smoothing``.
    weights:
        Optional (n,) non-negative weights.
    margin:
        Ignore peaks closer than this to the edge of the sampled area (default: ``2 x smoothing``), where
        the smoothed density is biased by missing neighbours.
    """
    from scipy.ndimage import gaussian_filter

    if len(coords) < 3:
        raise ValueError(f"need at least 3 positions to find a density peak, got {len(coords)}")
    if smoothing <= 0 * u.arcmin or bin_size <= 0 * u.arcmin:
        raise ValueError("smoothing and bin_size must be positive angles")
    icrs = coords.icrs
    origin = SkyCoord(np.mean(icrs.ra.deg) * u.deg, np.mean(icrs.dec.deg) * u.deg)
    # gnomonic offsets about the mean position (arcmin): east = +x, north = +y
    off = icrs.transform_to(origin.skyoffset_frame())
    x = off.lon.to_value(u.arcmin)  # skyoffset longitude increases to the east
    y = off.lat.to_value(u.arcmin)
    step = bin_size.to_value(u.arcmin)
    sig = smoothing.to_value(u.arcmin)
    marg = (2 * sig) if margin is None else margin.to_value(u.arcmin)
    xe = np.arange(x.min() - step, x.max() + 2 * step, step)
    ye = np.arange(y.min() - step, y.max() + 2 * step, step)
    w = None if weights is None else np.asarray(weights, float)
    if w is not None and (w.shape != (len(coords),) or np.any(w < 0)):
        raise ValueError("weights must be (n,) and non-negative")
    counts, _, _ = np.histogram2d(y, x, bins=[ye, xe], weights=w)
    dens = gaussian_filter(counts, sig / step, mode="constant") / step**2
    xc, yc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
    ok = np.zeros_like(dens, bool)
    inner_x = (xc >= x.min() + marg) & (xc <= x.max() - marg)
    inner_y = (yc >= y.min() + marg) & (yc <= y.max() - marg)
    ok[np.ix_(inner_y, inner_x)] = True
    if not ok.any():
        raise ValueError(f"the positions span less than 2 x margin ({marg:.2f} arcmin); lower smoothing or margin")
    iy, ix = np.unravel_index(np.argmax(np.where(ok, dens, -np.inf)), dens.shape)
    center = SkyCoord(lon=xc[ix] * u.arcmin, lat=yc[iy] * u.arcmin, frame=origin.skyoffset_frame()).icrs
    center = SkyCoord(center.ra, center.dec, frame="icrs")
    return DensityPeak(center=center, density=dens, extent=(xe[0], xe[-1], ye[0], ye[-1]), origin=origin,
                       peak_density=float(dens[iy, ix]), mean_density=float(np.mean(dens[ok])))


# --------------------------------------------------------------------------- star/galaxy baselines

#: SourceCatalog measurements used by the random-forest baseline.
FEATURES = ("fwhm", "semimajor", "semiminor", "ellipticity", "concentration", "peak_to_flux", "gini", "log_snr")


def add_log_snr(table: Table) -> Table:
    """Add ``log_snr = log10(max(snr, 1e-3))`` in place and return the table."""
    table["log_snr"] = np.log10(np.clip(np.nan_to_num(np.asarray(table["snr"], float), nan=1e-3), 1e-3, None))
    return table


def feature_matrix(table: Table, features: tuple[str, ...] = FEATURES) -> np.ndarray:
    """(n, n_features) float array of the named columns, NaN replaced by the column median."""
    if "log_snr" in features and "log_snr" not in table.colnames:
        add_log_snr(table)
    missing = [f for f in features if f not in table.colnames]
    if missing:
        raise KeyError(f"table lacks feature columns {missing}")
    X = np.column_stack([np.asarray(table[f], float) for f in features])
    med = np.nanmedian(X, axis=0)
    return np.where(np.isfinite(X), X, med)


def fit_concentration_cut(table: Table, labels: np.ndarray, column: str = "concentration") -> float:
    """Threshold on ``column`` that best separates stars (above) from galaxies (below) on ``table``."""
    c = np.nan_to_num(np.asarray(table[column], float), nan=0.0)
    labels = np.asarray(labels).astype(bool)
    if len(c) != len(labels) or len(c) == 0:
        raise ValueError(f"need one label per row, got {len(labels)} labels for {len(c)} rows")
    grid = np.unique(np.quantile(c, np.linspace(0.01, 0.99, 199)))
    acc = [np.mean((c < t) == labels) for t in grid]
    return float(grid[int(np.argmax(acc))])


def concentration_predict(table: Table, threshold: float, column: str = "concentration") -> np.ndarray:
    """(n,) bool: galaxy where the concentration is below ``threshold`` (NaN counts as a galaxy)."""
    return np.nan_to_num(np.asarray(table[column], float), nan=0.0) < threshold


def random_forest_baseline(train: Table, test: Table, *, seed: int = 0, n_estimators: int = 200):
    """Random forest (scikit-learn) on :data:`FEATURES`; returns ``(P(galaxy) on test, fitted forest)``."""
    from sklearn.ensemble import RandomForestClassifier

    rf = RandomForestClassifier(n_estimators=n_estimators, min_samples_leaf=2, random_state=seed, n_jobs=1)
    rf.fit(feature_matrix(train), np.asarray(train["is_galaxy"], int))
    return rf.predict_proba(feature_matrix(test))[:, 1], rf


# --------------------------------------------------------------------------- locating an object on a plate

@dataclass
class Location:
    """What :func:`locate` found: ``found`` (sky position), ``target`` (the catalogued position), ``offset`` (their
    separation, arcmin), ``offset_err`` (bootstrap standard error of the offset over the detected stars, arcmin;
    0 for the nearest source), ``method`` (``"density peak"`` or ``"nearest source"``), ``n_sources`` detected
    and, for a density peak, ``peak`` (:class:`DensityPeak`)."""

    found: SkyCoord
    target: SkyCoord
    offset: u.Quantity
    offset_err: u.Quantity
    method: str
    n_sources: int
    peak: DensityPeak | None = None

    def measurement(self):
        """The offset as a :class:`coursekit.metrics.Measurement` in arcmin."""
        from coursekit.metrics import Measurement

        return Measurement(self.offset.to_value(u.arcmin), self.offset_err.to_value(u.arcmin), "arcmin")


def nearest_source(coords: SkyCoord, target: SkyCoord) -> tuple[int, u.Quantity]:
    """Index of the source of ``coords`` nearest to ``target`` and its separation."""
    if len(coords) == 0:
        raise ValueError("no sources were detected, so none can be nearest to the target")
    sep = coords.separation(target)
    i = int(np.argmin(sep))
    return i, sep[i]


def locate(coords: SkyCoord, target: SkyCoord, *, method: str = "cluster",
           smoothing: u.Quantity = 1.5 * u.arcmin, n_boot: int = 50, seed: int = 0) -> Location:
    """Find ``target`` among detected ``coords``: the densest concentration (``method="cluster"``) or the
    nearest detected source (``method="source"``); report the offset from the catalogued position.

    The density peak's error: the standard deviation of the offset over ``n_boot`` bootstrap resamplings of the
    detected stars (the peak moves as the star list is resampled)."""
    if method == "cluster":
        peak = densest_concentration(coords, smoothing=smoothing)
        offset = peak.center.separation(target).to(u.arcmin)
        rng = np.random.default_rng(seed)
        reps = [densest_concentration(coords[rng.integers(0, len(coords), len(coords))], smoothing=smoothing)
                .center.separation(target).to_value(u.arcmin) for _ in range(int(n_boot))]
        err = float(np.std(reps, ddof=1)) if len(reps) > 1 else 0.0
        return Location(peak.center, target, offset, err * u.arcmin, "density peak", len(coords), peak)
    if method == "source":
        i, sep = nearest_source(coords, target)
        return Location(coords[i], target, sep.to(u.arcmin), 0.0 * u.arcmin, "nearest source", len(coords))
    raise ValueError(f"method must be 'cluster' or 'source', got {method!r}")


def locate_on_plate(plate, target: SkyCoord, *, method: str = "cluster", fwhm: float = 3.0, n_sigma: float = 5.0,
                    smoothing: u.Quantity = 1.5 * u.arcmin, n_boot: int = 50):
    """Detect the sources of ``plate`` (a :class:`~coursekit.astro.data.Plate`) and :func:`locate` ``target``.

    The target must lie on the plate (else ``ValueError`` naming it). Fluxes are not used, so a plate of
    photographic densities works. Returns ``(Location, Detection)``.
    """
    from coursekit.astro.detect import detect

    if not plate.contains(target):
        raise ValueError(f"the target ({target.icrs.ra.deg:.4f}, {target.icrs.dec.deg:+.4f}) deg lies outside "
                         f"the plate{' ' + str(plate.path) if plate.path else ''}; check the object or the image")
    det = detect(plate.data, plate.wcs, fwhm=fwhm, n_sigma=n_sigma, unit=u.dimensionless_unscaled)
    if len(det.catalog) < 3:
        raise ValueError(f"only {len(det.catalog)} sources detected above {n_sigma} sigma: lower --nsigma")
    coords = _catalog_coords(det.catalog, plate.frame)
    return locate(coords, target, method=method, smoothing=smoothing, n_boot=n_boot), det


def _catalog_coords(table: Table, frame: str) -> SkyCoord:
    if "ra" in table.colnames:
        return SkyCoord(table["ra"].quantity, table["dec"].quantity, frame=frame)
    names = [c for c in table.colnames if c in ("lon", "lat", "l", "b", "glon", "glat")]
    if len(names) < 2:
        raise ValueError("the catalogue has no sky coordinates; detect with a celestial WCS")
    return SkyCoord(table[names[0]].quantity, table[names[1]].quantity, frame=frame)
