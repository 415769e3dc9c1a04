"""Source detection, sky cross-matching and completeness.

The classical pipeline of SExtractor (Bertin & Arnouts 1996, A&AS 117, 393) as
photutils implements it:

1. :func:`estimate_background`: a sigma-clipped background and RMS map on a mesh
   of ``box_size`` pixels, median-filtered and interpolated (``Background2D``).
2. :func:`detect`: subtract the background, convolve with a Gaussian matched to the
   PSF, keep connected regions of at least ``n_pixels`` pixels above
   ``n_sigma`` x RMS (``detect_sources``; deblended with ``SourceFinder`` when
   scikit-image is installed), and measure each segment (``SourceCatalog``):
   centroid, segment and Kron fluxes with errors, second-moment shape, FWHM,
   Gini, and a concentration index from two circular apertures.
3. :func:`cross_match`: nearest neighbours on the sky
   (``SkyCoord.match_to_catalog_sky``) with a separation limit and one-to-one
   assignment, then :func:`match_summary`: completeness above a magnitude limit and
   the astrometric RMS in pixels.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table
from astropy.wcs import WCS

#: Radii (pixels) of the two circular apertures whose flux ratio is the concentration index.
CONCENTRATION_RADII = (1.5, 4.0)


@dataclass
class Detection:
    """What :func:`detect` returns.

    ``catalog``: one row per detected source (see :func:`detect`); ``segmentation``: the photutils
    ``SegmentationImage`` (or ``None`` when nothing was found); ``background``/``background_rms``: (ny, nx)
    maps; ``threshold``: the per-pixel detection threshold above the background; ``deblended``: whether
    segments were deblended.
    """

    catalog: Table
    segmentation: object | None
    background: np.ndarray
    background_rms: np.ndarray
    threshold: np.ndarray
    deblended: bool


def _check_image(data: np.ndarray) -> np.ndarray:
    data = np.asarray(data, dtype=float)
    if data.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {data.shape}")
    if not np.isfinite(data).any():
        raise ValueError("the image has no finite pixels")
    return data


def estimate_background(data: np.ndarray, box_size: int = 64, filter_size: int = 3,
                        mask: np.ndarray | None = None):
    """Sigma-clipped SExtractor-style background on a ``box_size`` mesh (photutils ``Background2D``).

    Non-finite pixels are masked automatically. Returns the ``Background2D`` object
    (``.background`` and ``.background_rms`` are (ny, nx) maps in the image's units).
    """
    from astropy.stats import SigmaClip
    from photutils.background import Background2D, MedianBackground, StdBackgroundRMS

    data = _check_image(data)
    if box_size < 4 or box_size > min(data.shape):
        raise ValueError(f"box_size must be between 4 and the image's smaller side {min(data.shape)}, got {box_size}")
    bad = ~np.isfinite(data)
    if mask is not None:
        mask = np.asarray(mask, bool)
        if mask.shape != data.shape:
            raise ValueError(f"mask shape {mask.shape} differs from image shape {data.shape}")
        bad = bad | mask
    return Background2D(
        np.where(np.isfinite(data), data, 0.0),
        box_size,
        mask=bad if bad.any() else None,
        filter_size=(filter_size, filter_size),
        sigma_clip=SigmaClip(sigma=3.0, maxiters=10),
        bkg_estimator=MedianBackground(),
        bkg_rms_estimator=StdBackgroundRMS(),
        exclude_percentile=50.0,
    )


def has_deblender() -> bool:
    """Whether photutils can deblend (it needs scikit-image)."""
    return importlib.util.find_spec("skimage") is not None


def detect(data: np.ndarray, wcs: WCS | None = None, *, fwhm: float = 3.0, n_sigma: float = 1.5, n_pixels: int = 5,
           box_size: int = 64, mask: np.ndarray | None = None, deblend: str | None = "peaks", contrast: float = 0.02,
           unit: u.UnitBase | str = u.ct, error: np.ndarray | None = None, kron: bool = False) -> Detection:
    """Detect and measure sources in an image.

    Parameters
    ----------
    data:
        (ny, nx) image including its sky (NaN = no data).
    wcs:
        Celestial WCS; adds ``ra``/``dec`` columns (deg, ICRS for ICRS/FK5 images, the WCS frame otherwise).
    fwhm:
        PSF FWHM in pixels: width of the Gaussian detection kernel.
    n_sigma, n_pixels:
        A source is >= ``n_pixels`` connected pixels above ``n_sigma`` x background RMS in the convolved image.
    box_size:
        Background mesh size (pixels), several times the size of the largest source.
    deblend:
        How touching sources are split: ``"peaks"`` (default; :func:`deblend_peaks`, SciPy only),
        ``"photutils"`` (``SourceFinder``'s multi-threshold deblending; needs scikit-image) or ``None``.
    contrast:
        ``"peaks"``: a secondary peak is kept if its convolved height is at least ``contrast`` x the brightest.
    unit:
        Unit of the pixel values. Flux columns carry it: they are sums of pixel values, so for a surface-brightness
        image (e.g. MJy/sr) multiply by the pixel solid angle to get a flux density.
    error:
        Optional (ny, nx) total per-pixel error; default: the background RMS plus the sources' Poisson noise
        is *not* modelled, so flux errors are background-only (a lower bound for bright sources).

    kron:
        Also measure Kron fluxes (``kron_flux``; slow for thousands of sources).

    Returns
    -------
    Detection
        ``catalog`` columns: ``id``, ``x``, ``y`` [pix], (``ra``, ``dec`` [deg]; ``lon``, ``lat`` for Galactic
        images), ``flux``, ``flux_err`` [unit], ``snr``, ``area`` [pix2], ``fwhm``, ``semimajor``, ``semiminor`` [pix],
        ``ellipticity``, ``gini``, ``peak`` [unit], ``concentration`` (flux ratio of the r = 1.5 and 4 px
        apertures: high for point sources), ``peak_to_flux``.
    """
    from astropy.convolution import convolve
    from photutils.segmentation import SourceCatalog, SourceFinder, detect_sources, make_2dgaussian_kernel

    data = _check_image(data)
    unit = u.Unit(unit)
    if fwhm <= 0 or n_sigma <= 0 or n_pixels < 1:
        raise ValueError(f"fwhm and n_sigma must be > 0 and n_pixels >= 1 (got {fwhm}, {n_sigma}, {n_pixels})")
    bad = ~np.isfinite(data)
    if mask is not None:
        bad = bad | np.asarray(mask, bool)
    bkg = estimate_background(data, box_size=box_size, mask=bad if bad.any() else None)
    bkg_map, rms_map = bkg.background, bkg.background_rms  # each access re-interpolates the mesh: do it once
    sub = np.where(bad, 0.0, data - bkg_map)
    size = 2 * int(np.ceil(2 * fwhm)) + 1
    kernel = make_2dgaussian_kernel(fwhm, size=size)
    convolved = convolve(sub, kernel, mask=bad if bad.any() else None, normalize_kernel=True)
    threshold = n_sigma * rms_map
    if deblend not in ("peaks", "photutils", None):
        raise ValueError(f"deblend must be 'peaks', 'photutils' or None, got {deblend!r}")
    if deblend == "photutils":
        if not has_deblender():
            raise ValueError("deblend='photutils' needs scikit-image (pip install scikit-image); use 'peaks'")
        finder = SourceFinder(n_pixels=n_pixels, deblend=True, progress_bar=False)
        segm = finder(convolved, threshold, mask=bad if bad.any() else None)
    else:
        segm = detect_sources(convolved, threshold, n_pixels=n_pixels, mask=bad if bad.any() else None)
        if segm is not None and deblend == "peaks":
            from photutils.segmentation import SegmentationImage

            labels = deblend_peaks(convolved, segm.data, min_distance=max(2, int(round(fwhm))),
                                   min_peak=3.0 * threshold, contrast=contrast)
            segm = SegmentationImage(labels)
    deblended = deblend is not None
    empty = Table(names=("id", "x", "y", "flux", "flux_err", "snr"), dtype=(int, float, float, float, float, float))
    if segm is None:
        return Detection(empty, None, bkg_map, rms_map, threshold, deblended)
    err = rms_map if error is None else np.asarray(error, float)
    cat = SourceCatalog(sub, segm, convolved_data=convolved, error=err, mask=bad if bad.any() else None, wcs=wcs)
    f1, f2 = _aperture_sums(sub, np.asarray(cat.x_centroid, float), np.asarray(cat.y_centroid, float),
                            CONCENTRATION_RADII, bad if bad.any() else None)

    t = Table()
    t["id"] = np.asarray(cat.label, int)
    t["x"] = np.asarray(cat.x_centroid, float) * u.pix
    t["y"] = np.asarray(cat.y_centroid, float) * u.pix
    if wcs is not None:
        sky = wcs.pixel_to_world(t["x"].value, t["y"].value)
        lon, lat = _lonlat(sky)
        t["ra" if lon[0] == "ra" else "lon"] = lon[1] * u.deg
        t["dec" if lat[0] == "dec" else "lat"] = lat[1] * u.deg
    flux = np.asarray(cat.segment_flux, float)
    flux_err = np.asarray(cat.segment_flux_err, float)
    t["flux"] = flux * unit
    t["flux_err"] = flux_err * unit
    if kron:
        t["kron_flux"] = np.asarray(cat.kron_flux, float) * unit
    with np.errstate(divide="ignore", invalid="ignore"):
        t["snr"] = np.where(flux_err > 0, flux / flux_err, np.nan)
    t["area"] = np.asarray(_value(cat.area), float) * u.pix**2
    t["fwhm"] = np.asarray(_value(cat.fwhm), float) * u.pix
    t["semimajor"] = np.asarray(_value(cat.semimajor_axis), float) * u.pix
    t["semiminor"] = np.asarray(_value(cat.semiminor_axis), float) * u.pix
    t["ellipticity"] = np.asarray(_value(cat.ellipticity), float)
    t["gini"] = np.asarray(cat.gini, float)
    t["peak"] = np.asarray(cat.max_value, float) * unit
    with np.errstate(divide="ignore", invalid="ignore"):
        t["concentration"] = np.asarray(f1, float) / np.asarray(f2, float)
        t["peak_to_flux"] = np.asarray(cat.max_value, float) / flux
    t.meta.update({"FWHM_KER": fwhm, "NSIGMA": n_sigma, "NPIXELS": n_pixels, "BOXSIZE": box_size,
                   "DEBLEND": deblend or "none"})
    return Detection(t, segm, bkg_map, rms_map, threshold, deblended)


def deblend_peaks(convolved: np.ndarray, labels: np.ndarray, *, min_distance: int = 3,
                  min_peak: np.ndarray | float = 0.0, contrast: float = 0.02) -> np.ndarray:
    """Split segments that hold several peaks, by a marker watershed on the convolved image (SciPy only).

    A peak is a local maximum of ``convolved`` within ``(2 min_distance + 1)^2`` pixels, above ``min_peak``
    (scalar or (ny, nx) map) and at least ``contrast`` x the segment's brightest peak. Each segment with two
    or more peaks is flooded from its peaks downhill (a marker watershed, as photutils' deblender does after
    its multi-threshold step); the first child keeps the label,
    the others get new labels. Returns the new (ny, nx) label array.
    """
    from scipy import ndimage as ndi

    labels = np.asarray(labels)
    if labels.shape != convolved.shape:
        raise ValueError(f"labels shape {labels.shape} differs from image shape {convolved.shape}")
    size = 2 * int(min_distance) + 1
    maxf = ndi.maximum_filter(convolved, size=size, mode="nearest")
    peaks = (convolved == maxf) & (labels > 0) & (convolved >= min_peak)
    counts = np.bincount(labels[peaks], minlength=int(labels.max()) + 1)
    out = labels.copy()
    next_label = int(labels.max()) + 1
    slices = ndi.find_objects(labels)
    for lab in np.nonzero(counts > 1)[0]:
        sl = slices[lab - 1]
        seg = labels[sl] == lab
        conv = convolved[sl]
        py, px = np.nonzero(peaks[sl] & seg)
        vals = conv[py, px]
        keep = vals >= contrast * vals.max()
        if keep.sum() < 2:
            continue
        py, px = py[keep], px[keep]
        child = _flood(conv, seg, py, px)
        view = out[sl]
        for k in range(2, len(py) + 1):
            view[child == k] = next_label
            next_label += 1
    return out


def _flood(image: np.ndarray, region: np.ndarray, py: np.ndarray, px: np.ndarray) -> np.ndarray:
    """Marker watershed by priority flood: pixels of ``region`` are claimed from the brightest down.

    Each pixel joins the child of the already-claimed 8-neighbour through which the flood reached it first
    (highest ``image`` value first). Returns labels 1..len(py) inside ``region`` (0 outside).
    """
    import heapq

    ny, nx = region.shape
    lab = np.zeros(region.shape, np.int32)
    heap: list[tuple[float, int, int, int]] = []
    for k, (y, x) in enumerate(zip(py, px), start=1):
        lab[y, x] = k
        heapq.heappush(heap, (-float(image[y, x]), int(y), int(x), k))
    while heap:
        _, y, x, k = heapq.heappop(heap)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                yy, xx = y + dy, x + dx
                if 0 <= yy < ny and 0 <= xx < nx and region[yy, xx] and lab[yy, xx] == 0:
                    lab[yy, xx] = k
                    heapq.heappush(heap, (-float(image[yy, xx]), yy, xx, k))
    return lab


def _aperture_sums(image: np.ndarray, x: np.ndarray, y: np.ndarray, radii, mask) -> list[np.ndarray]:
    """Sums of ``image`` in circles of each radius around (x, y) (exact pixel overlap, photutils.aperture)."""
    from photutils.aperture import CircularAperture, aperture_photometry

    xy = np.column_stack([x, y])
    out = []
    for r in radii:
        tab = aperture_photometry(image, CircularAperture(xy, r=r), mask=mask, method="exact")
        out.append(np.asarray(tab["aperture_sum"], float))
    return out


def _value(x) -> np.ndarray:
    return x.value if isinstance(x, u.Quantity) else np.asarray(x)


def _lonlat(sky: SkyCoord) -> tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]]:
    names = list(sky.representation_component_names)
    lon, lat = names[0], names[1]
    if sky.frame.name in ("icrs", "fk5", "fk4"):
        return ("ra", sky.ra.deg), ("dec", sky.dec.deg)
    return (lon, getattr(sky, lon).deg), (lat, getattr(sky, lat).deg)


def table_coords(table: Table, frame: str = "icrs") -> SkyCoord:
    """SkyCoord of a table with ``ra``/``dec`` columns (deg, or Quantity columns)."""
    for col in ("ra", "dec"):
        if col not in table.colnames:
            raise KeyError(f"table has no {col!r} column (it has {table.colnames}); detect() with a wcs adds it")
    ra = table["ra"].quantity if table["ra"].unit is not None else np.asarray(table["ra"]) * u.deg
    dec = table["dec"].quantity if table["dec"].unit is not None else np.asarray(table["dec"]) * u.deg
    return SkyCoord(ra, dec, frame=frame)


@dataclass
class Match:
    """Result of :func:`cross_match` for each *reference* source.

    ``index``: (n_ref,) index of the matched detection, -1 if none; ``separation``: (n_ref,) Angle to
    the nearest detection; ``matched``: (n_ref,) bool, within ``max_sep`` and the closest claimant of that detection.
    """

    index: np.ndarray
    separation: u.Quantity
    matched: np.ndarray
    max_sep: u.Quantity


def cross_match(reference: SkyCoord, detected: SkyCoord, max_sep: u.Quantity = 1.0 * u.arcsec) -> Match:
    """Match each reference source to its nearest detection within ``max_sep``, one-to-one.

    Uses ``reference.match_to_catalog_sky(detected)``. When several reference sources
    claim the same detection (a blend), only the closest keeps it.
    """
    if not isinstance(max_sep, u.Quantity) or max_sep.unit.physical_type != "angle":
        raise ValueError(f"max_sep must be an angle Quantity (e.g. 1 * u.arcsec), got {max_sep!r}")
    if max_sep <= 0:
        raise ValueError(f"max_sep must be positive, got {max_sep}")
    n_ref = len(reference)
    if n_ref == 0:
        return Match(np.zeros(0, int), np.zeros(0) * u.arcsec, np.zeros(0, bool), max_sep)
    if len(detected) == 0:
        return Match(np.full(n_ref, -1), np.full(n_ref, np.inf) * u.arcsec, np.zeros(n_ref, bool), max_sep)
    if len(detected) == 1:  # match_to_catalog_sky needs at least two catalogue entries for its tree
        sep = reference.separation(detected[0])
        idx = np.zeros(n_ref, int)
    else:
        idx, sep, _ = reference.match_to_catalog_sky(detected)
        idx = np.asarray(idx)
    ok = sep < max_sep
    # one-to-one: for each detection keep only the closest reference source
    order = np.argsort(sep.to_value(u.arcsec))
    taken = np.zeros(len(detected), bool)
    matched = np.zeros(n_ref, bool)
    for i in order:
        if ok[i] and not taken[idx[i]]:
            matched[i] = True
            taken[idx[i]] = True
    index = np.where(matched, idx, -1)
    return Match(index=index, separation=sep.to(u.arcsec), matched=matched, max_sep=max_sep)


def match_summary(truth: Table, detections: Table, match: Match, wcs: WCS, mag_limit: float) -> dict[str, float]:
    """Completeness above ``mag_limit`` and astrometric accuracy of the matched sources.

    Returns ``completeness`` (fraction of truth rows with ``mag <= mag_limit`` that are matched),
    ``n_bright``, ``n_detected``, ``purity`` (fraction of detections matched to any injected source),
    ``rms_px`` (radial RMS of the pixel offsets of matched sources above the limit) and ``median_sep_arcsec``.
    """
    mag = np.asarray(truth["mag"], float)
    bright = mag <= mag_limit
    n_bright = int(bright.sum())
    m = match.matched
    completeness = float(m[bright].mean()) if n_bright else float("nan")
    sel = m & bright
    if sel.any():
        j = match.index[sel]
        dx = np.asarray(detections["x"], float)[j] - np.asarray(truth["x"], float)[sel]
        dy = np.asarray(detections["y"], float)[j] - np.asarray(truth["y"], float)[sel]
        rms = float(np.sqrt(np.mean(dx**2 + dy**2)))
        med = float(np.median(match.separation[sel].to_value(u.arcsec)))
    else:
        rms, med = float("nan"), float("nan")
    purity = float(m.sum() / len(detections)) if len(detections) else float("nan")
    return {"completeness": completeness, "n_bright": n_bright, "n_detected": int(len(detections)),
            "n_matched": int(m.sum()), "purity": purity, "rms_px": rms, "median_sep_arcsec": med,
            "mag_limit": float(mag_limit)}


def completeness_curve(truth: Table, match: Match, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fraction of injected sources detected per magnitude bin: ``(centres, fraction, counts)``."""
    mag = np.asarray(truth["mag"], float)
    counts, _ = np.histogram(mag, bins)
    hits, _ = np.histogram(mag[match.matched], bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)
    return 0.5 * (bins[1:] + bins[:-1]), frac, counts
