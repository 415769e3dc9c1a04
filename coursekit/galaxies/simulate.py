"""A fast simulator of three-band (g, r, z) galaxy cut-outs in four morphological classes.

Every class is drawn for a whole batch at once with NumPy broadcasting (arrays of
shape ``(m, 1, 1)`` of per-galaxy parameters against a ``(H, W)`` pixel grid), so a
few thousand 64×64 images take about a second.

The light profiles follow the standard recipes:

* **elliptical**: a Sérsic (1968) profile with index n = 3–5, evaluated with
  :meth:`astropy.modeling.models.Sersic2D.evaluate`; red colours.
* **spiral**: a small red Sérsic bulge plus an exponential disc (Freeman 1970) whose
  light is modulated by m = 1–4 logarithmic spiral arms of pitch angle 10–35°
  (the arms are bluer than the disc), seen at any inclination (edge-on included:
  the projected axis ratio is ``q = sqrt(cos² i (1 - q0²) + q0²)`` with intrinsic
  thickness ``q0 = 0.12``, Hubble 1926).
* **merger**: two overlapping galaxies (Sérsic n = 1–4) with one or two curved tidal
  tails or a bridge (Toomre & Toomre 1972 in spirit, drawn as logarithmic arcs).
* **irregular**: a faint, off-centre, low-concentration body plus 3–10 blue
  star-forming knots at random positions, so the light is clumpy and asymmetric.

Each image is then convolved with a circular Gaussian PSF (FWHM 1.4–3 px, per band;
separable matrix products, checked against :func:`astropy.convolution.convolve`
with a :class:`~astropy.convolution.Gaussian2DKernel` in the tests), placed on a sky
background and given photon noise. Total brightness is log-uniform over two
decades and sizes vary by a factor ~3, so faint, small galaxies are genuinely hard.

Units: pixel values are sky-subtracted **photo-electron counts per pixel**; the sky
levels are :data:`SKY_COUNTS` (so the noise in an empty pixel is about
``sqrt(SKY_COUNTS)``). The noise is the Gaussian limit of Poisson noise,
``sqrt(source + sky) · N(0, 1)``, accurate at these count levels (sky ≥ 300 e⁻).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Class names, in label order.
CLASSES: tuple[str, ...] = ("elliptical", "spiral", "merger", "irregular")

#: Band names, in channel order.
BANDS: tuple[str, ...] = ("g", "r", "z")

#: Sky background per pixel and band, photo-electrons (g, r, z).
SKY_COUNTS = np.array([300.0, 450.0, 900.0])

# Flux ratios F_band / F_r of the stellar populations (g, r, z): old and red
# (g - r ≈ 0.9 mag in these count units), disc, young and blue.
_RED = np.array([0.45, 1.0, 1.55])
_DISC = np.array([0.65, 1.0, 1.3])
_BLUE = np.array([1.0, 1.0, 0.85])

_REFERENCE_SIZE = 64  # lengths below are in pixels of a 64-pixel cut-out; other sizes scale


@dataclass(frozen=True)
class _Grid:
    x: np.ndarray  # (H, W) pixel x minus the centre
    y: np.ndarray
    scale: float  # size / 64


def _grid(size: int) -> _Grid:
    c = (size - 1) / 2.0
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    return _Grid(x - c, y - c, size / _REFERENCE_SIZE)


def _col(a: np.ndarray) -> np.ndarray:
    """(m,) -> (m, 1, 1) float32 for broadcasting against the pixel grid."""
    return np.asarray(a, dtype=np.float32)[:, None, None]


def _unit(img: np.ndarray) -> np.ndarray:
    """Normalise each (H, W) plane of an (m, H, W) stack to unit sum."""
    s = img.sum(axis=(-2, -1), keepdims=True)
    return img / np.where(s > 0, s, 1.0)


def sersic(grid: _Grid, r_eff, n, x0, y0, ellip, theta) -> np.ndarray:
    """Unit-flux Sérsic profiles, (m, H, W), from per-galaxy parameter arrays of shape (m,).

    ``r_eff`` (pixels) is the semi-major half-light radius, ``ellip = 1 - b/a``,
    ``theta`` the position angle in radians (astropy's convention).
    """
    from astropy.modeling.models import Sersic2D

    img = Sersic2D.evaluate(
        grid.x, grid.y, 1.0, _col(r_eff), _col(n), _col(x0), _col(y0), _col(ellip), _col(theta)
    )
    return _unit(img)


def _disc_coords(grid: _Grid, x0, y0, theta, q):
    """Polar coordinates (R, phi) in the plane of an inclined disc (axis ratio q on the sky)."""
    dx, dy = grid.x - _col(x0), grid.y - _col(y0)
    c, s = np.cos(_col(theta)), np.sin(_col(theta))
    u = dx * c + dy * s
    v = (-dx * s + dy * c) / _col(q)
    return np.hypot(u, v), np.arctan2(v, u)


def _log_spiral(R, phi, r0, pitch, phase, m, sharp):
    """Arm pattern in [0, 1]: ((1 + cos(m (phi - ln(R/r0)/tan(pitch)) - phase))/2)**sharp."""
    psi = np.log(np.maximum(R, 1e-3) / _col(r0)) / np.tan(_col(pitch))
    return (0.5 * (1.0 + np.cos(_col(m) * (phi - psi) - _col(phase)))) ** _col(sharp)


def _gauss_blobs(grid: _Grid, xk, yk, sk, fk) -> np.ndarray:
    """Sum of circular Gaussians: positions/sigmas/fluxes (m, K) -> (m, H, W); fk = 0 switches a blob off.

    The Gaussians are separable, so the sum is one batched matrix product
    ``(m, H, K) @ (m, K, W)``.
    """
    f32 = np.float32
    xs, ys = grid.x[0].astype(f32), grid.y[:, 0].astype(f32)
    inv = (1.0 / (2.0 * sk.astype(f32) ** 2))[..., None]
    gx = np.exp(-((xs[None, None] - xk.astype(f32)[..., None]) ** 2) * inv)  # (m, K, W)
    gy = np.exp(-((ys[None, None] - yk.astype(f32)[..., None]) ** 2) * inv)  # (m, K, H)
    gy *= (fk / (2 * np.pi * sk**2)).astype(f32)[..., None]
    return np.matmul(gy.transpose(0, 2, 1), gx)


def _bands(*components: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Combine (image (m, H, W), band fluxes (m, 3)) pairs into (m, 3, H, W)."""
    out = 0.0
    for img, flux in components:
        out = out + img[:, None] * flux.astype(np.float32)[:, :, None, None]
    return out


def _colour(rng, m, base, jitter=0.15):
    """Band fluxes per unit r-band flux, (m, 3): ``base`` with log-normal jitter in g and z (r stays 1)."""
    return base[None] * np.exp(rng.normal(0.0, jitter, size=(m, 3)) * np.array([1.0, 0.0, 1.0]))


# --------------------------------------------------------------------------- classes

def _aligned(angles: np.ndarray, pa: float | None) -> np.ndarray:
    """The drawn angles, or all equal to ``pa`` (the draws are made either way, so the rest of the sequence is kept)."""
    return angles if pa is None else np.full_like(angles, pa)


def _ellipticals(rng, m, g: _Grid, flux, pa=None):
    s = g.scale
    r_eff = rng.uniform(2.0, 8.0, m) * s
    n = rng.uniform(3.0, 5.0, m)
    ellip = rng.uniform(0.0, 0.6, m)
    theta = _aligned(rng.uniform(0, np.pi, m), pa)
    x0, y0 = rng.normal(0, 1.0 * s, (2, m))
    body = sersic(g, r_eff, n, x0, y0, ellip, theta)
    return _bands((body, flux[:, None] * _colour(rng, m, _RED, jitter=0.06)))  # a tight red sequence


def _spirals(rng, m, g: _Grid, flux, pa=None):
    s = g.scale
    h = rng.uniform(3.0, 8.0, m) * s  # disc scale length
    cos_i = rng.uniform(0.0, 1.0, m)  # isotropic orientations
    q = np.sqrt(cos_i**2 * (1 - 0.12**2) + 0.12**2)
    theta = _aligned(rng.uniform(0, np.pi, m), pa)
    x0, y0 = rng.normal(0, 1.0 * s, (2, m))
    R, phi = _disc_coords(g, x0, y0, theta, q)
    disc = _unit(np.exp(-R / _col(h)))
    arms_m = rng.choice([1, 2, 2, 2, 3, 4], m)
    pitch = np.deg2rad(rng.uniform(10, 35, m))
    pattern = _log_spiral(R, phi, 0.5 * h, pitch, rng.uniform(0, 2 * np.pi, m), arms_m, rng.uniform(2, 5, m))
    taper = 1.0 - np.exp(-((R / _col(0.8 * h)) ** 2))
    arms = _unit(np.exp(-R / _col(1.3 * h)) * pattern * taper)
    bulge = sersic(g, rng.uniform(0.8, 2.0, m) * s, rng.uniform(1.5, 4.0, m), x0, y0, 0.5 * (1 - q), theta)
    b_t = rng.uniform(0.05, 0.4, m)  # bulge-to-total
    arm_frac = rng.uniform(0.3, 0.6, m) * (1 - b_t)
    disc_frac = 1 - b_t - arm_frac
    return _bands(
        (bulge, (flux * b_t)[:, None] * _colour(rng, m, _RED)),
        (disc, (flux * disc_frac)[:, None] * _colour(rng, m, _DISC)),
        (arms, (flux * arm_frac)[:, None] * _colour(rng, m, _BLUE)),
    )


def _tail(g: _Grid, x0, y0, r0, pitch, start, sense, psi_max, width) -> np.ndarray:
    """A one-armed logarithmic arc (tidal tail) starting at radius r0 from (x0, y0)."""
    dx, dy = g.x - _col(x0), g.y - _col(y0)
    R = np.hypot(dx, dy)
    phi = np.arctan2(dy, dx)
    psi = np.log(np.maximum(R, 1e-3) / _col(r0)) / np.tan(_col(pitch))
    on = (psi >= 0) & (psi <= _col(psi_max))
    delta = np.mod(phi - (_col(start) + _col(sense) * psi) + np.pi, 2 * np.pi) - np.pi
    w = _col(width) * (1 + 0.3 * np.clip(psi, 0, None))
    return _unit(on * np.exp(-0.5 * (R * delta / w) ** 2) * np.exp(-np.clip(psi, 0, None) / _col(psi_max)))


def _mergers(rng, m, g: _Grid, flux, pa=None):
    s = g.scale
    sep = rng.uniform(4.0, 16.0, m) * s
    ang = _aligned(rng.uniform(0, 2 * np.pi, m), pa)
    ratio = rng.uniform(0.25, 1.0, m)  # flux of B / flux of A
    fa, fb = 1 / (1 + ratio), ratio / (1 + ratio)
    # place the flux-weighted centre near the middle of the cut-out
    xa, ya = -fb * sep * np.cos(ang), -fb * sep * np.sin(ang)
    xb, yb = fa * sep * np.cos(ang), fa * sep * np.sin(ang)
    shift = rng.normal(0, 1.0 * s, (2, m))
    xa, ya, xb, yb = xa + shift[0], ya + shift[1], xb + shift[0], yb + shift[1]
    ra = rng.uniform(2.0, 6.0, m) * s
    rb = ra * rng.uniform(0.5, 1.0, m)
    a = sersic(g, ra, rng.uniform(1.0, 4.0, m), xa, ya, rng.uniform(0, 0.5, m), rng.uniform(0, np.pi, m))
    b = sersic(g, rb, rng.uniform(1.0, 4.0, m), xb, yb, rng.uniform(0, 0.5, m), rng.uniform(0, np.pi, m))
    # tails leave each nucleus roughly away from (or, for a bridge, towards) the companion
    sense = rng.choice([-1.0, 1.0], m)
    bridge = rng.random(m) < 0.3
    start_a = ang + np.pi + np.where(bridge, np.pi, 0.0) + rng.normal(0, 0.5, m)
    start_b = ang + rng.normal(0, 0.5, m)
    pitch = np.deg2rad(rng.uniform(25, 60, m))
    psi_max = rng.uniform(1.5, 3.5, m)
    ta = _tail(g, xa, ya, 0.8 * ra, pitch, start_a, sense, psi_max, rng.uniform(1.0, 2.2, m) * s)
    tb = _tail(g, xb, yb, 0.8 * rb, pitch, start_b, sense, psi_max, rng.uniform(1.0, 2.2, m) * s)
    two_tails = rng.random(m) < 0.6
    tail_frac = rng.uniform(0.15, 0.35, m)
    tails = _unit(ta + two_tails[:, None, None] * tb)
    body = 1 - tail_frac
    return _bands(
        (a, (flux * body * fa)[:, None] * _colour(rng, m, _RED * 0.6 + _DISC * 0.4)),
        (b, (flux * body * fb)[:, None] * _colour(rng, m, _DISC)),
        (tails, (flux * tail_frac)[:, None] * _colour(rng, m, _DISC * 0.5 + _BLUE * 0.5)),
    )


def _irregulars(rng, m, g: _Grid, flux, pa=None, k_max: int = 10):
    s = g.scale
    r_eff = rng.uniform(3.0, 9.0, m) * s
    x0, y0 = rng.normal(0, 1.5 * s, (2, m))
    body = sersic(g, r_eff, rng.uniform(0.5, 1.2, m), x0 + rng.normal(0, 1.5 * s, m), y0 + rng.normal(0, 1.5 * s, m),
                  rng.uniform(0.1, 0.6, m), rng.uniform(0, np.pi, m))
    k = rng.integers(3, k_max + 1, m)
    on = (np.arange(k_max)[None] < k[:, None]).astype(float)
    xk = x0[:, None] + rng.normal(0, 1.0, (m, k_max)) * r_eff[:, None]
    yk = y0[:, None] + rng.normal(0, 1.0, (m, k_max)) * r_eff[:, None]
    sk = rng.uniform(0.7, 2.0, (m, k_max)) * s
    fk = rng.pareto(1.5, (m, k_max)) + 0.3
    fk = fk * on
    fk = fk / fk.sum(axis=1, keepdims=True)
    knots = _gauss_blobs(g, xk, yk, sk, fk)
    knot_frac = rng.uniform(0.35, 0.7, m)
    return _bands(
        (body, (flux * (1 - knot_frac))[:, None] * _colour(rng, m, _DISC * 0.5 + _BLUE * 0.5)),
        (knots, (flux * knot_frac)[:, None] * _colour(rng, m, _BLUE)),
    )


_RENDER = (_ellipticals, _spirals, _mergers, _irregulars)


# --------------------------------------------------------------------------- PSF and noise

def gaussian_psf_convolve(images: np.ndarray, fwhm: np.ndarray) -> np.ndarray:
    """Convolve (n, C, H, W) images with circular Gaussian PSFs of FWHM ``fwhm`` (n, C) pixels.

    The Gaussian is separable, so each plane is blurred as ``K_y @ image @ K_x.T``
    with (H, H) and (W, W) Toeplitz matrices of the sampled, unit-sum 1-D kernel:
    a batched matrix product, much faster than per-image FFTs. Outside the
    cut-out the sky is taken as empty (zero padding), as in
    ``astropy.convolution.convolve(image, Gaussian2DKernel(sigma), boundary="fill")``;
    light blurred beyond the edge is lost, as in a real cut-out.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (n, C, H, W), got {images.shape}")
    fwhm = np.broadcast_to(np.asarray(fwhm, dtype=np.float64), images.shape[:2])
    if np.any(fwhm <= 0):
        raise ValueError("PSF FWHM must be positive (pixels)")
    dtype = images.dtype if images.dtype.kind == "f" else np.float64
    sigma = (fwhm / (2 * np.sqrt(2 * np.log(2))))[..., None, None]

    def kernel_matrix(length: int) -> np.ndarray:
        offsets = np.arange(length)
        k = np.exp(-0.5 * offsets**2 / sigma[..., 0] ** 2)  # (n, C, length), k(|i - j|)
        k /= 2 * k.sum(axis=-1, keepdims=True) - k[..., :1]  # unit sum over offsets -(L-1)..(L-1)
        i = np.arange(length)
        return k.astype(dtype)[..., np.abs(i[:, None] - i[None, :])]

    h, w = images.shape[-2:]
    ky = kernel_matrix(h)
    kx = ky if w == h else kernel_matrix(w)
    return np.matmul(np.matmul(ky, images.astype(dtype, copy=False)), np.swapaxes(kx, -1, -2))


def simulate_galaxies(
    n: int,
    size: int = 64,
    seed: int | np.random.Generator = 0,
    *,
    classes: tuple[int, ...] | None = None,
    flux_range: tuple[float, float] = (4e3, 3e5),
    psf_fwhm_range: tuple[float, float] = (1.4, 3.0),
    noise: bool = True,
    position_angle: float | None = None,
    dtype=np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate ``n`` galaxy cut-outs in the g, r and z bands.

    Parameters
    ----------
    n:
        Number of galaxies. Classes are balanced (``n // 4`` each, the rest spread
        over the first classes) and shuffled.
    size:
        Cut-out side in pixels (lengths are defined for 64 px and scale with ``size``).
    seed:
        Integer seed or a :class:`numpy.random.Generator`; the output is a
        deterministic function of it.
    classes:
        Restrict to these label indices (into :data:`CLASSES`), e.g. ``(0, 1)``.
    flux_range:
        Total r-band flux, photo-electrons, drawn log-uniformly.
    psf_fwhm_range:
        Gaussian PSF FWHM range in pixels (drawn per image; g band 10% broader).
    noise:
        Add sky + photon noise (``False`` gives the noiseless, PSF-convolved image).
    position_angle:
        ``None`` (default): every galaxy has a random orientation, as on the sky. A number (radians): every
        elliptical, disc and merger axis points that way (an artificially aligned training set, for the
        experiment on what rotation augmentation buys; spiral-arm phases and irregular knots stay random).

    Returns
    -------
    images:
        ``(n, 3, size, size)`` float32, sky-subtracted counts per pixel in the
        (g, r, z) bands.
    labels:
        ``(n,)`` int64 indices into :data:`CLASSES`.
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not isinstance(size, (int, np.integer)) or size < 16:
        raise ValueError(f"size must be an integer >= 16 pixels, got {size!r}")
    if classes is None:
        classes = tuple(range(len(CLASSES)))
    classes = tuple(int(c) for c in classes)
    if not classes or any(c < 0 or c >= len(CLASSES) for c in classes):
        raise ValueError(f"classes must be indices into {CLASSES}, got {classes}")
    if not 0 < flux_range[0] <= flux_range[1]:
        raise ValueError(f"flux_range must be positive and increasing, got {flux_range}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    labels = np.asarray(classes, dtype=np.int64)[np.arange(n) % len(classes)]
    labels = rng.permutation(labels)
    g = _grid(int(size))
    images = np.empty((n, 3, size, size), dtype=np.float32)
    log_lo, log_hi = np.log10(flux_range[0]), np.log10(flux_range[1])
    for c in classes:
        idx = np.flatnonzero(labels == c)
        if idx.size == 0:
            continue
        flux = 10 ** rng.uniform(log_lo, log_hi, idx.size)
        images[idx] = _RENDER[c](rng, idx.size, g, flux, position_angle)
    fwhm = rng.uniform(*psf_fwhm_range, size=(n, 1)) * np.array([1.1, 1.0, 0.95])
    images = gaussian_psf_convolve(images, fwhm)
    if noise:
        noise_img = np.clip(images, 0, None)
        noise_img += SKY_COUNTS.astype(np.float32)[None, :, None, None]
        np.sqrt(noise_img, out=noise_img)
        noise_img *= rng.standard_normal(images.shape, dtype=np.float32)
        images += noise_img
    return images.astype(dtype, copy=False), labels


# --------------------------------------------------------------------------- colour images

#: Per-band weights (g, r, z) applied before the stretch so that a typical disc is grey.
BAND_WEIGHTS = np.array([1 / 0.65, 1.0, 1 / 1.3])

#: Lupton stretch (the linear-to-log transition) and black point, in counts: 5 and 1 times the r-band sky
#: noise, so that, as in the SDSS colour JPEGs, the empty sky comes out (mostly) black.
DEFAULT_STRETCH = 5.0 * float(np.sqrt(SKY_COUNTS[1]))
DEFAULT_MINIMUM = 1.0 * float(np.sqrt(SKY_COUNTS[1]))
DEFAULT_Q = 8.0


def flux_to_rgb(images: np.ndarray, *, stretch: float = DEFAULT_STRETCH, Q: float = DEFAULT_Q,
                minimum: float = DEFAULT_MINIMUM) -> np.ndarray:
    """Simulated (n, 3, H, W) g/r/z counts -> (n, 3, H, W) float32 colour images in [0, 1].

    The composite is :func:`astropy.visualization.make_lupton_rgb` (Lupton et al. 2004, PASP 116, 133),
    the asinh stretch behind the SDSS colour JPEGs that Galaxy Zoo volunteers classified: the mean
    intensity is compressed as ``asinh(Q I / stretch)`` and every band is scaled by the same factor, so
    colours survive while faint tails and bright cores both stay visible. Channel order (R, G, B) =
    (z, r, g), as in an SDSS gri JPEG (R = i, G = r, B = g); bands are weighted by :data:`BAND_WEIGHTS`
    and ``minimum`` (counts) is the black point.
    """
    from astropy.visualization import LuptonAsinhStretch, ManualInterval, make_lupton_rgb

    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must have shape (n, 3, H, W) with bands (g, r, z), got {images.shape}")
    if stretch <= 0 or Q <= 0:
        raise ValueError(f"stretch and Q must be positive, got stretch={stretch}, Q={Q}")
    n, _, h, w = images.shape
    out = np.empty((n, 3, h, w), dtype=np.float32)
    stretch_object = LuptonAsinhStretch(stretch=stretch, Q=Q)
    for start in range(0, n, 128):  # in chunks: astropy works in float64 with several temporaries
        part = images[start : start + 128]
        k = len(part)
        # the stretch acts pixel by pixel, so the stack is passed as one tall (k*H, W) image
        bands = [part[:, c].reshape(k * h, w).astype(np.float64) * BAND_WEIGHTS[c] for c in (2, 1, 0)]
        rgb = make_lupton_rgb(*bands, interval=ManualInterval(vmin=minimum, vmax=None),
                              stretch_object=stretch_object, output_dtype=np.float64)
        out[start : start + k] = rgb.reshape(k, h, w, 3).transpose(0, 3, 1, 2)
    return out


def simulate_rgb(n: int, size: int = 64, seed: int | np.random.Generator = 0, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """:func:`simulate_galaxies` followed by :func:`flux_to_rgb`: (n, 3, size, size) colour images, labels."""
    x, y = simulate_galaxies(n, size=size, seed=seed, **kwargs)
    return flux_to_rgb(x), y
