"""Postage stamps (``Cutout2D``) and an astropy ``Table`` + stamps -> torch ``Dataset``.

``cutout_stamps`` cuts a square stamp around every source with
``astropy.nddata.Cutout2D(mode="partial")``: a source near the edge gets a full-size
stamp whose missing pixels are NaN, and an ``edge`` flag. ``normalise_stamps`` then
makes every stamp look alike to a network whatever the source's brightness or the
local sky:

    x = (stamp - local_background) / flux,   NaN -> 0,

with the local background from a background map (or the sigma-clipped median of the
stamp's outer ring) and ``flux`` the background-subtracted sum inside a circle of radius
``flux_radius`` pixels (at least 3 x its noise). A noise-free source therefore gives the same normalised stamp at
any brightness, and its pixels inside the circle sum to 1.

A stamp is larger than its source, so it often holds a neighbour's light. ``neighbour_masks`` finds, from the
deblended segmentation image (``photutils`` ``deblend_sources``), the pixels of a stamp that belong to *other*
sources' segments; :class:`StampDataset` blanks them (``mask=``) before normalising, so that they count neither
in the local background nor in the flux, and reach the network as 0 (the sky), much as SExtractor keeps the pixels
of neighbouring detections out of a source's aperture photometry (its ``MASK_TYPE``; Bertin & Arnouts 1996).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from astropy.table import Table


def cutout_stamps(data: np.ndarray, x: Sequence[float], y: Sequence[float], size: int, *, wcs=None,
                  return_cutouts: bool = False):
    """Square ``size`` x ``size`` stamps centred on the pixels nearest to ``(x, y)``.

    Parameters
    ----------
    data:
        (ny, nx) image.
    x, y:
        (n,) 0-based pixel positions.
    size:
        Odd stamp side in pixels.
    wcs:
        If given, each ``Cutout2D`` carries its own shifted WCS (``return_cutouts=True``).

    Returns
    -------
    stamps: (n, size, size) float array, NaN where the stamp leaves the image;
    edge: (n,) bool, True where part of the stamp is off the image;
    offsets: (n, 2) sub-pixel offsets (dx, dy) of the source from the stamp centre;
    and, with ``return_cutouts``, the list of ``Cutout2D`` objects.
    """
    from astropy.nddata import Cutout2D, NoOverlapError

    data = np.asarray(data, float)
    if data.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {data.shape}")
    size = int(size)
    if size < 3 or size % 2 == 0:
        raise ValueError(f"stamp size must be an odd integer >= 3, got {size}")
    x = np.atleast_1d(np.asarray(x, float))
    y = np.atleast_1d(np.asarray(y, float))
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D of equal length, got {x.shape} and {y.shape}")
    n = len(x)
    stamps = np.full((n, size, size), np.nan)
    edge = np.zeros(n, bool)
    offsets = np.zeros((n, 2))
    cutouts = []
    half = size // 2
    for i in range(n):
        if not (np.isfinite(x[i]) and np.isfinite(y[i])):
            raise ValueError(f"source {i} has a non-finite position ({x[i]}, {y[i]})")
        try:
            c = Cutout2D(data, (x[i], y[i]), size, wcs=wcs, mode="partial", fill_value=np.nan, copy=True)
        except NoOverlapError as exc:
            raise ValueError(f"source {i} at ({x[i]:.1f}, {y[i]:.1f}) lies outside the {data.shape} image") from exc
        stamps[i] = c.data
        ix, iy = c.position_cutout
        # Cutout2D centres on the nearest pixel; keep the sub-pixel offset from the stamp centre
        offsets[i] = (c.input_position_cutout[0] - half, c.input_position_cutout[1] - half)
        if (ix, iy) != (half, half):  # pragma: no cover - Cutout2D keeps partial stamps centred
            raise AssertionError("Cutout2D did not centre the stamp")
        (ymin, ymax), (xmin, xmax) = c.bbox_original
        edge[i] = (ymax - ymin + 1 != size) or (xmax - xmin + 1 != size)
        cutouts.append(c)
    if return_cutouts:
        return stamps, edge, offsets, cutouts
    return stamps, edge, offsets


def stamp_tensor(data: np.ndarray, wcs, position, size: int):
    """The WCS-aware cut-out -> tensor step: a (1, size, size) float32 torch tensor of the source at ``position``.

    1. ``Cutout2D(data, position, size, wcs=wcs, mode="partial", fill_value=nan)``: ``position`` is a
       ``SkyCoord``, placed on the pixels by the WCS; off-image pixels are NaN.
    2. Subtract the local sky: the median of the finite pixels of the stamp's outer ring, 2 pixels wide.
    3. Divide by the flux: the sum of the finite background-subtracted pixels (a noise-free source gives the
       same tensor at any brightness).
    4. NaN -> 0, add the channel axis.
    """
    import torch
    from astropy.nddata import Cutout2D

    cut = Cutout2D(np.asarray(data, float), position, size, wcs=wcs, mode="partial", fill_value=np.nan)
    stamp = cut.data
    ring = np.ones(stamp.shape, bool)
    ring[2:-2, 2:-2] = False
    sub = stamp - np.nanmedian(stamp[ring])
    with np.errstate(invalid="ignore"):
        x = np.nan_to_num(sub / np.nansum(sub), nan=0.0)
    return torch.tensor(x[None], dtype=torch.float32)


def neighbour_masks(segmentation: np.ndarray, labels: Sequence[int], x: Sequence[float], y: Sequence[float],
                    size: int) -> np.ndarray:
    """Where each stamp shows *another* source: (n, size, size) bool.

    Parameters
    ----------
    segmentation:
        (ny, nx) integer label image, 0 = sky (``Detection.segmentation.data`` after ``deblend_sources``).
    labels:
        (n,) the segment label of each source (the catalogue's ``id`` column).
    x, y, size:
        The stamps' centres and side, as given to :func:`cutout_stamps`.

    A pixel is masked when it belongs to a segment whose label is neither 0 nor the source's own; the sky and the
    source's own segment are kept, as are pixels off the image (already NaN in the stamp).
    """
    seg = np.asarray(segmentation)
    if seg.ndim != 2 or not np.issubdtype(seg.dtype, np.integer):
        raise ValueError(f"segmentation must be a 2-D integer label image, got {seg.dtype} of shape {seg.shape}")
    labels = np.atleast_1d(np.asarray(labels))
    if labels.shape != np.shape(np.atleast_1d(x)):
        raise ValueError(f"need one label per source: {labels.shape} labels for {np.shape(np.atleast_1d(x))} positions")
    cut, _, _ = cutout_stamps(seg.astype(float), x, y, size)  # off-image pixels -> NaN -> not masked
    with np.errstate(invalid="ignore"):
        return np.isfinite(cut) & (cut > 0) & (cut != labels.astype(float)[:, None, None])


def ring_background(stamps: np.ndarray, width: int = 2) -> np.ndarray:
    """Sigma-clipped median of each stamp's outer ring of ``width`` pixels: (n,) local backgrounds."""
    from astropy.stats import sigma_clipped_stats

    stamps = np.asarray(stamps, float)
    if stamps.ndim != 3:
        raise ValueError(f"stamps must be (n, size, size), got shape {stamps.shape}")
    ring = np.ones(stamps.shape[1:], bool)
    ring[width:-width, width:-width] = False
    out = np.empty(len(stamps))
    for i, s in enumerate(stamps):
        vals = s[ring]
        vals = vals[np.isfinite(vals)]
        out[i] = sigma_clipped_stats(vals, sigma=3.0)[1] if len(vals) >= 3 else 0.0
    return out


def normalise_stamps(stamps: np.ndarray, background: np.ndarray | float | None = None, *,
                     flux_radius: float | None = None, min_flux: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Background-subtract and flux-normalise stamps; NaN (off-image) pixels become 0.

    Parameters
    ----------
    stamps:
        (n, size, size) raw stamps.
    background:
        (n,) per-stamp level, (n, size, size) background cut-outs, a scalar, or ``None`` for
        :func:`ring_background`.
    flux_radius:
        Radius (pixels) of the circle whose background-subtracted sum is the flux; default ``size / 2 - 1``.
    min_flux:
        Absolute floor of the divisor. The divisor is also at least 3 x the noise of the circle's sum
        (from the outer ring's median absolute deviation), so noise-dominated or negative-flux stamps
        stay O(1/size^2) instead of exploding.

    Returns
    -------
    normalised: (n, size, size) float32; flux: (n,) the divisor.
    """
    stamps = np.asarray(stamps, float)
    if stamps.ndim != 3 or stamps.shape[1] != stamps.shape[2]:
        raise ValueError(f"stamps must be (n, size, size), got shape {stamps.shape}")
    n, size, _ = stamps.shape
    if background is None:
        background = ring_background(stamps)
    bkg = np.asarray(background, float)
    if bkg.ndim == 1:
        if len(bkg) != n:
            raise ValueError(f"background has {len(bkg)} values for {n} stamps")
        bkg = bkg[:, None, None]
    elif bkg.ndim == 3 and bkg.shape != stamps.shape:
        raise ValueError(f"background cut-outs {bkg.shape} do not match stamps {stamps.shape}")
    sub = stamps - bkg
    r = (size / 2 - 1) if flux_radius is None else float(flux_radius)
    yy, xx = np.mgrid[:size, :size] - size // 2
    inside = (xx**2 + yy**2) <= r**2
    flux = np.nansum(np.where(inside, sub, 0.0), axis=(1, 2))
    # noise floor: 3 x the ring's robust scatter x sqrt(pixels in the circle), so that noise-only or
    # negative-flux stamps are not blown up to huge values (which would wreck a network's BatchNorm statistics)
    ring = np.ones((size, size), bool)
    ring[2:-2, 2:-2] = False
    ring_vals = sub[:, ring]
    mad = np.nanmedian(np.abs(ring_vals - np.nanmedian(ring_vals, axis=1, keepdims=True)), axis=1)
    floor = 3.0 * 1.4826 * np.nan_to_num(mad) * np.sqrt(inside.sum())
    flux = np.maximum(np.maximum(flux, floor), min_flux)
    out = sub / flux[:, None, None]
    out = np.where(np.isfinite(out), out, 0.0)
    return out.astype(np.float32), flux


def table_to_dataset(table: Table, stamps: np.ndarray, *, label: str | None = "is_galaxy",
                     background: np.ndarray | float | None = None, flux_radius: float | None = None,
                     mask: np.ndarray | None = None):
    """An astropy ``Table`` (one row per source) plus its stamps -> :class:`StampDataset`."""
    return StampDataset(stamps, table, label=label, background=background, flux_radius=flux_radius, mask=mask)


try:
    import torch
    from torch.utils.data import Dataset as _TorchDataset
except ImportError:  # pragma: no cover - torch is a hard dependency of coursekit
    torch = None
    _TorchDataset = object


class StampDataset(_TorchDataset):
    """Normalised stamps (and optional catalogue columns) with labels from a table column, as a torch ``Dataset``.

    ``dataset[i]`` is ``(x, y)``, or ``(x, f, y)`` when ``features`` are named: ``x`` a float32 tensor
    (1, size, size) normalised by :func:`normalise_stamps`; ``f`` the (n_features,) float32 table columns,
    standardised with ``feature_stats = (mean, std)`` (computed from this table when ``None``: pass the training
    set's ``dataset.feature_stats`` to a test set); ``y`` the float32 label (``table[label][i]``; 0 if ``label``
    is None). ``dataset.table`` keeps the rows (with an added ``norm_flux`` column) for writing predictions back.
    ``mask``: optional (n, size, size) bool, pixels to blank before normalising (:func:`neighbour_masks`).
    """

    def __init__(self, stamps: np.ndarray, table: Table, *, label: str | None = "is_galaxy",
                 background: np.ndarray | float | None = None, flux_radius: float | None = None,
                 features: Sequence[str] = (), feature_stats: tuple[np.ndarray, np.ndarray] | None = None,
                 mask: np.ndarray | None = None):
        stamps = np.asarray(stamps, float)
        if stamps.ndim != 3:
            raise ValueError(f"stamps must be (n, size, size), got shape {stamps.shape}")
        if mask is not None:
            mask = np.asarray(mask, bool)
            if mask.shape != stamps.shape:
                raise ValueError(f"mask shape {mask.shape} differs from the stamps' {stamps.shape}")
            stamps = np.where(mask, np.nan, stamps)
        if len(table) != len(stamps):
            raise ValueError(f"table has {len(table)} rows but there are {len(stamps)} stamps")
        if label is not None and label not in table.colnames:
            raise KeyError(f"table has no label column {label!r}; columns: {table.colnames}")
        x, flux = normalise_stamps(stamps, background, flux_radius=flux_radius)
        self.x = torch.from_numpy(x[:, None])
        if label is None:
            y = np.zeros(len(table), np.float32)
        else:
            y = np.asarray(table[label], np.float32)
        if not np.all(np.isfinite(y)):
            raise ValueError(f"label column {label!r} has non-finite values")
        self.y = torch.from_numpy(y)
        self.table = table.copy()
        self.table["norm_flux"] = flux
        self.features = tuple(features)
        self.f = None
        self.feature_stats = None
        if self.features:
            missing = [c for c in self.features if c not in table.colnames]
            if missing:
                raise KeyError(f"table has no feature columns {missing}; columns: {table.colnames}")
            F = np.column_stack([np.asarray(table[c], float) for c in self.features])
            if feature_stats is None:
                mean = np.nanmean(F, axis=0)
                std = np.nanstd(F, axis=0)
                feature_stats = (mean, np.where(std > 0, std, 1.0))
            mean, std = (np.asarray(a, float) for a in feature_stats)
            if mean.shape != (len(self.features),) or std.shape != (len(self.features),):
                raise ValueError(f"feature_stats must be two arrays of length {len(self.features)}")
            F = np.where(np.isfinite(F), (F - mean) / std, 0.0)  # missing values -> the mean
            self.f = torch.from_numpy(F.astype(np.float32))
            self.feature_stats = (mean, std)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        if self.f is not None:
            return self.x[i], self.f[i], self.y[i]
        return self.x[i], self.y[i]

    @property
    def n_features(self) -> int:
        return len(self.features)

    @property
    def stamp_size(self) -> int:
        return int(self.x.shape[-1])
