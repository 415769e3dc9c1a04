"""Source detection, sky cross-matching and completeness.

The classical pipeline of SExtractor (Bertin & Arnouts 1996, A&AS 117, 393) as
photutils implements it:

1. :func:`estimate_background`: a sigma-clipped background and RMS map on a mesh
   of ``box_size`` pixels, median-filtered and interpolated (``Background2D``).
2. :func:`detect`: subtract the background, convolve with a Gaussian matched to the
   PSF, keep connected regions of at least ``n_pixels`` pixels above
   ``n_sigma`` x RMS (``detect_sources``), split blends with SExtractor's
   multi-threshold deblender (``deblend_sources``), and measure each segment (``SourceCatalog``):
   centroid, segment and Kron fluxes with errors, second-moment shape, FWHM,
   Gini, and a concentration index from two circular apertures.
3. :func:`cross_match`: nearest neighbours on the sky
   (``SkyCoord.match_to_catalog_sky``) with a separation limit and one-to-one
   assignment (completeness and astrometric RMS: :mod:`coursekit.astro.metrics`).
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table
from astropy.utils.exceptions import AstropyUserWarning
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
    """Whether photutils can deblend (``deblend_sources`` needs scikit-image, a dependency of coursekit)."""
    return importlib.util.find_spec("skimage") is not None


def detect(data: np.ndarray, wcs: WCS | None = None, *, fwhm: float = 3.0, n_sigma: float = 1.5, n_pixels: int = 5,
           box_size: int = 64, mask: np.ndarray | None = None, deblend: str | None = "photutils", contrast: float = 0.005,
           n_levels: int = 32,
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
        ``"photutils"`` (default): ``photutils.segmentation.deblend_sources``, SExtractor's multi-thresholding
        (``n_levels`` exponentially spaced levels) followed by a watershed; ``None``: no deblending.
    contrast, n_levels:
        A branch of the multi-threshold tree becomes its own source when it holds at least ``contrast`` of the
        segment's flux (SExtractor's ``DEBLEND_MINCONT``; ``n_levels`` is ``DEBLEND_NTHRESH``).
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
    from photutils.segmentation import SourceCatalog, deblend_sources, detect_sources, make_2dgaussian_kernel

    data = _check_image(data)
    unit = u.Unit(unit)
    for name, value in (("fwhm", fwhm), ("n_sigma", n_sigma), ("contrast", contrast)):
        if not (np.isfinite(value) and value > 0):  # NaN fails every comparison: test finiteness explicitly
            raise ValueError(f"{name} must be a finite number > 0, got {value}")
    if int(n_pixels) != n_pixels or n_pixels < 1 or int(n_levels) != n_levels or n_levels < 1:
        raise ValueError(f"n_pixels and n_levels must be integers >= 1, got {n_pixels} and {n_levels}")
    bad = ~np.isfinite(data)
    if mask is not None:
        bad = bad | np.asarray(mask, bool)
    bkg = estimate_background(data, box_size=box_size, mask=bad if bad.any() else None)
    bkg_map, rms_map = bkg.background, bkg.background_rms  # each access re-interpolates the mesh: do it once
    sub = np.where(bad, 0.0, data - bkg_map)
    size = 2 * int(np.ceil(2 * fwhm)) + 1
    kernel = make_2dgaussian_kernel(fwhm, size=size)
    with warnings.catch_warnings():
        # a blank region wider than the kernel (a rotated plate's corners, a mosaic's edge) stays NaN after the
        # kernel-renormalising interpolation; astropy warns, and those pixels are masked below anyway
        warnings.filterwarnings("ignore", message="nan_treatment='interpolate', however, NaN values detected",
                                category=AstropyUserWarning)
        convolved = convolve(sub, kernel, mask=bad if bad.any() else None, normalize_kernel=True)
    convolved = np.where(np.isfinite(convolved), convolved, 0.0)
    threshold = n_sigma * rms_map
    if deblend not in ("photutils", None):
        raise ValueError(f"deblend must be 'photutils' or None, got {deblend!r}")
    segm = detect_sources(convolved, threshold, n_pixels=n_pixels, mask=bad if bad.any() else None)
    if segm is not None and deblend == "photutils":
        if not has_deblender():
            raise ImportError("deblending needs scikit-image: pip install scikit-image (or pass deblend=None)")
        segm = deblend_sources(convolved, segm, n_pixels=n_pixels, n_levels=n_levels, contrast=contrast,
                               mode="exponential", progress_bar=False)
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


def nearest_within(reference: SkyCoord, detected: SkyCoord, max_sep: u.Quantity) -> np.ndarray:
    """For each reference source, the index of the nearest detection if it lies within ``max_sep``, else -1.

    ``reference.match_to_catalog_sky(detected)`` finds the nearest neighbour on the sphere (a k-d tree on unit
    vectors); the separation limit turns "nearest" into "matched". Returns (n_ref,) int.
    """
    if not isinstance(max_sep, u.Quantity) or max_sep.unit.physical_type != "angle":
        raise ValueError(f"max_sep must be an angle Quantity (e.g. 1 * u.arcsec), got {max_sep!r}")
    if len(reference) == 0:
        return np.zeros(0, int)
    if len(detected) == 0:
        return np.full(len(reference), -1)
    idx, sep, _ = reference.match_to_catalog_sky(detected)
    return np.where(sep < max_sep, np.asarray(idx), -1)


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
