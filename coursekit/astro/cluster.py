"""Where on the sky are the detected stars densest? (Finding M67 on a DSS plate.)

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
