"""Power spectral densities, coloured Gaussian noise, whitening, band-passing and SNR.

Conventions (as in PyCBC and Allen et al. 2012, "FINDCHIRP", PRD 85, 122006):

* ``psd`` is one-sided, in strain^2/Hz, sampled on the ``numpy.fft.rfftfreq(n, 1/fs)`` grid of
  the series it is applied to (``n // 2 + 1`` values);
* the continuous Fourier transform is approximated by ``rfft(x) / fs``;
* the noise-weighted inner product is ``<a, b> = 4 Re sum_f a~(f) b~*(f) / S(f) df`` over the
  band ``[f_low, f_high]``, and the optimal SNR of a signal ``h`` is ``sqrt(<h, h>)``.

Whitening divides the Fourier transform by ``sqrt(S fs / 2)``: Gaussian noise with PSD ``S``
becomes white noise of unit variance per sample. Keeping only the band ``[f_low, f_high]``
leaves a variance ``(f_high - f_low) / (fs / 2)``; with ``normalise=True`` (the default) the
output is divided by the square root of that fraction so whitened noise has unit variance.
"""

from __future__ import annotations

import numpy as np

F_LOW = 20.0
F_HIGH = 1000.0


def rfft_freqs(n: int, fs: float) -> np.ndarray:
    """(n//2+1,) frequencies [Hz] of ``rfft`` of ``n`` samples at ``fs`` Hz."""
    return np.fft.rfftfreq(n, 1.0 / fs)


def band_mask(n: int, fs: float, f_low: float = F_LOW, f_high: float = F_HIGH) -> np.ndarray:
    """(n//2+1,) boolean mask of the rfft bins with ``f_low <= f <= f_high``."""
    if not 0 <= f_low < f_high <= fs / 2:
        raise ValueError(f"band [{f_low}, {f_high}] Hz must satisfy 0 <= f_low < f_high <= fs/2 = {fs / 2}")
    f = rfft_freqs(n, fs)
    return (f >= f_low) & (f <= f_high)


def band_fraction(n: int, fs: float, f_low: float = F_LOW, f_high: float = F_HIGH) -> float:
    """Variance left in unit white noise after keeping the band: (bins kept) / (n/2)."""
    return float(band_mask(n, fs, f_low, f_high).sum()) / (n / 2)


def aligo_psd(n: int, fs: float, f_low: float = 10.0) -> np.ndarray:
    """Advanced-LIGO design PSD (``pycbc.psd.aLIGOZeroDetHighPower``) on the rfft grid of ``n`` samples.

    Below ``f_low`` (where PyCBC returns 0) the value at ``f_low`` is repeated, and likewise the
    last non-zero value at the Nyquist bin, so the array can be divided by; the analysis band
    starts above it anyway. Returns (n//2+1,) [1/Hz].
    """
    import pycbc.psd

    delta_f = fs / n
    psd = np.asarray(pycbc.psd.aLIGOZeroDetHighPower(n // 2 + 1, delta_f, f_low).numpy(), dtype=np.float64)
    k0 = int(np.ceil(f_low / delta_f))
    psd[:k0] = psd[k0]
    good = np.flatnonzero(psd > 0)
    psd[good[-1] + 1:] = psd[good[-1]]  # PyCBC leaves the Nyquist bin at 0
    return psd


def welch_psd(strain: np.ndarray, fs: float, seg_duration: float = 4.0, average: str = "median"
              ) -> tuple[np.ndarray, np.ndarray]:
    """Welch estimate of the one-sided PSD of ``strain`` (n,) sampled at ``fs`` Hz.

    Hann-windowed segments of ``seg_duration`` s with 50% overlap; ``average="median"``
    (bias-corrected, as in PyCBC/gwpy) is robust to a loud signal in the data.
    Returns ``(freqs, psd)``, each (seg_duration*fs/2 + 1,).
    """
    from scipy.signal import welch

    strain = np.asarray(strain, dtype=np.float64)
    nper = int(round(seg_duration * fs))
    if strain.ndim != 1:
        raise ValueError(f"welch_psd expects a 1-D strain array, got shape {strain.shape}")
    if len(strain) < 2 * nper:
        raise ValueError(
            f"need at least two {seg_duration} s segments ({2 * nper} samples) for a Welch PSD, got {len(strain)}"
        )
    if not np.all(np.isfinite(strain)):
        raise ValueError("strain contains NaN/inf: crop the data gap before estimating a PSD")
    return welch(strain, fs=fs, nperseg=nper, noverlap=nper // 2, window="hann", average=average)


def interpolate_psd(freqs: np.ndarray, psd: np.ndarray, n: int, fs: float) -> np.ndarray:
    """Put a PSD given at ``freqs`` onto the rfft grid of ``n`` samples at ``fs`` (log-linear interpolation)."""
    target = rfft_freqs(n, fs)
    logp = np.interp(target, freqs, np.log(np.maximum(psd, np.finfo(float).tiny)))
    return np.exp(logp)


def coloured_noise(psd: np.ndarray, n: int, fs: float, rng: np.random.Generator, size: tuple[int, ...] = ()
                   ) -> np.ndarray:
    """Stationary Gaussian noise with one-sided PSD ``psd`` (n//2+1,), shape ``size + (n,)``.

    Drawn in the frequency domain: each rfft bin is complex Gaussian with
    ``E|X_k|^2 = n fs S_k / 2`` (DC and Nyquist bins real), so the series is periodic in ``n``.
    """
    psd = np.asarray(psd, dtype=np.float64)
    if psd.shape != (n // 2 + 1,):
        raise ValueError(f"psd must have n//2+1 = {n // 2 + 1} values for n = {n}, got {psd.shape}")
    sigma = np.sqrt(n * fs * psd / 4.0)
    shape = tuple(size) + (n // 2 + 1,)
    spec = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * sigma
    spec[..., 0] = spec[..., 0].real * np.sqrt(2)
    if n % 2 == 0:
        spec[..., -1] = spec[..., -1].real * np.sqrt(2)
    return np.fft.irfft(spec, n=n, axis=-1)


def inverse_asd(psd: np.ndarray, n: int, fs: float, f_low: float = F_LOW, f_high: float = F_HIGH,
                truncate: float | None = None) -> np.ndarray:
    """Whitening filter ``M(f) / sqrt(S fs / 2)`` on the rfft grid of ``n`` (zero outside the band).

    ``truncate`` (seconds) limits the filter's impulse response to that length with a Hann
    taper (``pycbc.psd.inverse_spectrum_truncation``): narrow spectral lines in real data then
    ring for at most ``truncate`` s instead of the whole segment.
    """
    psd = np.asarray(psd, dtype=np.float64)
    if psd.shape[-1] != n // 2 + 1:
        raise ValueError(f"psd must have n//2+1 = {n // 2 + 1} values for n = {n}, got {psd.shape}")
    if np.any(psd[band_mask(n, fs, f_low, f_high)] <= 0):
        raise ValueError("psd must be positive inside the whitening band")
    mask = band_mask(n, fs, f_low, f_high)
    filt = np.zeros(psd.shape)
    filt[..., mask] = 1.0 / np.sqrt(psd[..., mask] * fs / 2.0)
    if truncate is not None:
        m = int(round(truncate * fs))
        if not 0 < m < n:
            raise ValueError(f"truncate = {truncate} s must be shorter than the segment ({n / fs} s)")
        td = np.fft.irfft(filt, n=n, axis=-1)
        taper = np.zeros(n)
        half = m // 2
        win = np.hanning(2 * half)
        taper[:half] = win[half:]
        taper[-half:] = win[:half]
        filt = np.abs(np.fft.rfft(td * taper, n=n, axis=-1))
        filt[..., ~mask] = 0.0
    return filt


def whiten(strain: np.ndarray, psd: np.ndarray, fs: float, f_low: float = F_LOW, f_high: float = F_HIGH, *,
           normalise: bool = True, taper: float = 0.0, truncate: float | None = None) -> np.ndarray:
    """Whiten and band-pass ``strain`` (..., n) with the one-sided ``psd`` (n//2+1,) on its rfft grid.

    Gaussian noise with PSD ``psd`` comes out white; with ``normalise=True`` it has unit
    variance (see the module docstring). ``taper`` is the Tukey-window fraction applied first
    (use ~0.1 for real, non-periodic data and discard the tapered ends); ``truncate`` limits the
    whitening filter length in seconds (see :func:`inverse_asd`).
    """
    x = np.asarray(strain, dtype=np.float64)
    n = x.shape[-1]
    if taper:
        from scipy.signal.windows import tukey

        x = x * tukey(n, taper)
    filt = inverse_asd(psd, n, fs, f_low, f_high, truncate=truncate)
    out = np.fft.irfft(np.fft.rfft(x, axis=-1) * filt, n=n, axis=-1)
    if normalise:
        out /= np.sqrt(band_fraction(n, fs, f_low, f_high))
    return out


def band_limit(x: np.ndarray, fs: float, f_low: float = F_LOW, f_high: float = F_HIGH) -> np.ndarray:
    """Keep only the rfft bins of ``x`` (..., n) in ``[f_low, f_high]`` (the band of whitened windows)."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    return np.fft.irfft(np.fft.rfft(x, axis=-1) * band_mask(n, fs, f_low, f_high), n=n, axis=-1)


def bandpass(strain: np.ndarray, fs: float, f_low: float, f_high: float, order: int = 8) -> np.ndarray:
    """Zero-phase Butterworth band-pass (``scipy.signal.sosfiltfilt``) of ``strain`` (..., n), for display."""
    from scipy.signal import butter, sosfiltfilt

    if not 0 < f_low < f_high < fs / 2:
        raise ValueError(f"band-pass [{f_low}, {f_high}] Hz must lie strictly inside (0, fs/2 = {fs / 2})")
    sos = butter(order, [f_low, f_high], btype="bandpass", fs=fs, output="sos")
    return sosfiltfilt(sos, strain, axis=-1)


def inner_product(a: np.ndarray, b: np.ndarray, psd: np.ndarray, fs: float, f_low: float = F_LOW,
                  f_high: float = F_HIGH) -> np.ndarray:
    """Noise-weighted inner product ``<a, b>`` of time series (..., n) with the one-sided ``psd`` (n//2+1,)."""
    a = np.asarray(a, dtype=np.float64)
    n = a.shape[-1]
    mask = band_mask(n, fs, f_low, f_high)
    fa = np.fft.rfft(a, axis=-1)[..., mask] / fs
    fb = np.fft.rfft(np.asarray(b, dtype=np.float64), axis=-1)[..., mask] / fs
    df = fs / n
    return 4.0 * df * np.sum((fa * np.conj(fb)).real / psd[mask], axis=-1)


def optimal_snr(h: np.ndarray, psd: np.ndarray, fs: float, f_low: float = F_LOW, f_high: float = F_HIGH
                ) -> np.ndarray:
    """Optimal matched-filter SNR ``sqrt(<h, h>)`` of a signal ``h`` (..., n) in noise with ``psd``."""
    return np.sqrt(inner_product(h, h, psd, fs, f_low, f_high))


def resample(x: np.ndarray, rate_in: float, rate_out: float) -> np.ndarray:
    """Resample ``x`` (..., n) from ``rate_in`` to ``rate_out`` Hz with a polyphase anti-aliasing filter
    (``scipy.signal.resample_poly``). The ratio must be rational with small terms (e.g. 4096 -> 2048 Hz)."""
    from fractions import Fraction

    from scipy.signal import resample_poly

    if rate_in <= 0 or rate_out <= 0:
        raise ValueError(f"sample rates must be positive, got {rate_in} -> {rate_out}")
    ratio = Fraction(rate_out / rate_in).limit_denominator(64)
    if abs(float(ratio) - rate_out / rate_in) > 1e-9:
        raise ValueError(f"cannot resample {rate_in} Hz to {rate_out} Hz: the ratio is not a simple fraction")
    if ratio == 1:
        return np.asarray(x, dtype=np.float64).copy()
    return resample_poly(x, ratio.numerator, ratio.denominator, axis=-1)
