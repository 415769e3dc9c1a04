"""From band fluxes or 8-bit JPEGs to the network's input: Lupton asinh colour images.

The SDSS colour JPEGs that Galaxy Zoo volunteers classified were made with the
asinh stretch of Lupton et al. (2004, PASP 116, 133): the three band images are
mapped to R, G, B, their mean intensity ``I`` is compressed as
``asinh(Q I / stretch) / Q`` and each channel is scaled by the same factor, so
colours are kept while faint and bright structure both stay visible. Putting the
simulated (g, r, z) fluxes through the *same* stretch (reddest band in R, bluest
in B) makes them comparable to real 8-bit cut-outs, which only need ``/ 255``,
a centre crop and a resize. :func:`lupton_rgb` is a vectorised version of
:func:`astropy.visualization.make_lupton_rgb` (tested against it).
"""

from __future__ import annotations

import numpy as np

from coursekit.galaxies.simulate import SKY_COUNTS

#: Per-band weights (g, r, z) applied before the stretch so that a typical disc is grey.
BAND_WEIGHTS = np.array([1 / 0.65, 1.0, 1 / 1.3])

#: Default stretch (the linear-to-log transition) and black point, in units of the r-band sky noise:
#: like the SDSS colour JPEGs, the empty sky comes out (mostly) black.
DEFAULT_STRETCH = 5.0 * float(np.sqrt(SKY_COUNTS[1]))
DEFAULT_MINIMUM = 1.0 * float(np.sqrt(SKY_COUNTS[1]))
DEFAULT_Q = 8.0
_FRAC = 0.1  # astropy >= 7 normalisation of the Lupton stretch: asinh(Q x / stretch) * frac / asinh(frac Q)


def lupton_rgb(r: np.ndarray, g: np.ndarray, b: np.ndarray, *, stretch: float, Q: float = DEFAULT_Q,
               minimum: float = 0.0) -> np.ndarray:
    """Lupton et al. (2004) asinh colour composite of equally shaped arrays.

    ``I = (r + g + b) / 3`` is mapped to ``asinh(Q I / stretch) · 0.1 / asinh(0.1 Q)``
    (astropy's ``LuptonAsinhStretch``) and every channel is scaled by the same factor;
    pixels whose brightest channel exceeds 1 are scaled down to keep their colour.

    Returns an array of shape ``r.shape + (3,)`` with values in [0, 1] (the same
    numbers as ``make_lupton_rgb(...) / 255`` before rounding to 8 bits).
    """
    if stretch <= 0 or Q <= 0:
        raise ValueError(f"stretch and Q must be positive, got stretch={stretch}, Q={Q}")
    rgb = np.stack([np.asarray(c, dtype=np.float64) - minimum for c in (r, g, b)], axis=-1)
    intensity = rgb.sum(axis=-1, keepdims=True) / 3.0
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(intensity > 0, np.arcsinh(Q * intensity / stretch) * _FRAC / np.arcsinh(_FRAC * Q) / intensity,
                          0.0)
    rgb = np.clip(rgb * factor, 0.0, None)
    peak = rgb.max(axis=-1, keepdims=True)
    rgb = np.where(peak > 1.0, rgb / np.where(peak > 1.0, peak, 1.0), rgb)
    return rgb


def flux_to_rgb(images: np.ndarray, *, stretch: float = DEFAULT_STRETCH, Q: float = DEFAULT_Q,
                minimum: float = DEFAULT_MINIMUM) -> np.ndarray:
    """Simulated (n, 3, H, W) g/r/z counts -> (n, 3, H, W) float32 asinh RGB in [0, 1].

    Channel order of the output is (R, G, B) = (z, r, g), as in an SDSS gri JPEG
    (R = i, G = r, B = g). Bands are weighted by :data:`BAND_WEIGHTS`; ``minimum``
    (counts) is the black point subtracted before the stretch.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must have shape (n, 3, H, W) with bands (g, r, z), got {images.shape}")
    w = BAND_WEIGHTS
    rgb = lupton_rgb(images[:, 2] * w[2], images[:, 1] * w[1], images[:, 0] * w[0], stretch=stretch, Q=Q,
                     minimum=minimum)
    return np.ascontiguousarray(np.moveaxis(rgb, -1, 1), dtype=np.float32)


def uint8_to_rgb(images: np.ndarray, size: int = 64, crop: float = 1.0) -> np.ndarray:
    """8-bit colour cut-outs (n, H, W, 3) -> (n, 3, size, size) float32 in [0, 1].

    ``crop`` is the fraction of the frame kept around the centre before the
    area-averaging resize (torch's ``antialias=True`` bilinear), e.g. 0.4 for the
    Galaxy Zoo SDSS JPEGs, whose galaxies fill only the middle of the frame.
    """
    import torch
    import torch.nn.functional as F

    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected 8-bit colour images of shape (n, H, W, 3), got {images.shape}")
    if not 0 < crop <= 1:
        raise ValueError(f"crop must be in (0, 1], got {crop}")
    h, w = images.shape[1:3]
    ch, cw = max(1, int(round(h * crop))), max(1, int(round(w * crop)))
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    x = torch.from_numpy(np.array(images[:, y0 : y0 + ch, x0 : x0 + cw])).permute(0, 3, 1, 2).float() / 255.0
    if (ch, cw) != (size, size):
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return x.clamp(0, 1).numpy().astype(np.float32)
