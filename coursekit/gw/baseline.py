"""The classical baseline: matched filtering over a template bank, with a chi^2 signal-consistency test.

The matched filter is the optimal linear detector for a known signal in Gaussian noise
(Allen et al. 2012, PRD 85, 122006). For whitened data ``d`` and a whitened template ``g`` the
SNR time series is ``rho(t) = |<d, g_t>| / sqrt(<g_t, g_t>)``, maximised over the phase by using
the two quadratures (h+ and hx of a face-on (2,2)-mode waveform) and over arrival time by an FFT
correlation. The network statistic adds H1 and L1 in quadrature, with L1 allowed within the
light-travel time (+-10 ms plus a margin) of H1: ``rho_net^2 = rho_H1^2(t) + max_|dt|<tau rho_L1^2(t+dt)``,
maximised over templates and over the merger times allowed in the window. This is what
``pycbc.filter.matched_filter`` computes for one template and one detector;
``tests/test_gw_matched_filter.py`` checks the two against each other. Here many windows and
templates are filtered at once with NumPy FFTs, which is the fair (fast) baseline.

:func:`matched_filter_snr` is the textbook form for one template over a long stretch (the
notebook's build-it exercise; checked against ``pycbc.filter.matched_filter``), and
:func:`chisq_reweighted` adds the power chi^2 test of Allen 2005 (PRD 71, 062001) with the
re-weighted SNR of Babak et al. 2013 (PRD 87, 024033), which down-weights glitches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.fft
from scipy.ndimage import maximum_filter1d

from coursekit.gw.spectral import band_fraction
from coursekit.gw.waveforms import WaveformBank


def _padded_spectra(bank: WaveformBank, det: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """rfft of the whitened (h+, hx) crops zero-padded to twice their length, and their energies: (K, 2, nf), (K,)."""
    td = scipy.fft.irfft(bank.spectra[:, det], n=bank.n_crop, axis=-1)
    return scipy.fft.rfft(td, n=2 * bank.n_crop, axis=-1), np.sum(td[:, 0].astype(np.float64) ** 2, axis=-1)


def _match(spec: np.ndarray, norm: np.ndarray, i: int, others: np.ndarray, n: int) -> np.ndarray:
    zp = scipy.fft.irfft(spec[i, 0][None] * np.conj(spec[others, 0]), n=n, axis=-1)
    zc = scipy.fft.irfft(spec[i, 1][None] * np.conj(spec[others, 0]), n=n, axis=-1)
    return np.sqrt(np.max(zp.astype(np.float64) ** 2 + zc**2, axis=-1) / (norm[i] * norm[others]))


def waveform_match(bank: WaveformBank, i: int, others: np.ndarray, det: int = 0) -> np.ndarray:
    """Match (overlap maximised over time and phase) of waveform ``i`` with waveforms ``others`` (m,).

    Computed on the whitened crops of detector ``det`` (noise-weighted with that detector's PSD).
    """
    spec, norm = _padded_spectra(bank, det)
    return _match(spec, norm, i, np.asarray(others), 2 * bank.n_crop)


def place_template_bank(candidates: WaveformBank, minimal_match: float = 0.95, max_templates: int | None = None,
                        order: np.ndarray | None = None) -> np.ndarray:
    """Greedy stochastic placement (Harry, Allen & Sathyaprakash 2009, PRD 80, 104014).

    A candidate (drawn from the prior) joins the bank if its best match with the templates
    already accepted is below ``minimal_match``. Returns the indices of the accepted candidates.
    """
    if not 0 < minimal_match < 1:
        raise ValueError(f"minimal_match must lie in (0, 1), got {minimal_match}")
    spec, norm = _padded_spectra(candidates)
    idx = np.arange(len(candidates)) if order is None else np.asarray(order)
    accepted = [int(idx[0])]
    for i in idx[1:]:
        if max_templates is not None and len(accepted) >= max_templates:
            break
        if _match(spec, norm, int(i), np.array(accepted), 2 * candidates.n_crop).max() < minimal_match:
            accepted.append(int(i))
    return np.array(accepted)


def fitting_factors(bank: WaveformBank, templates: WaveformBank, injections: np.ndarray) -> np.ndarray:
    """Best match of each waveform ``injections`` (indices into ``bank``) with every template of ``templates``."""
    if bank.n_crop != templates.n_crop:
        raise ValueError("bank and templates must use the same crop length")
    joined = WaveformBank(params={}, spectra=np.concatenate([bank.spectra[injections], templates.spectra]),
                          gram=np.zeros(0), fs=bank.fs, crop_duration=bank.crop_duration,
                          merger_offset=bank.merger_offset, detectors=bank.detectors, f_low=bank.f_low,
                          f_high=bank.f_high)
    m = len(injections)
    others = np.arange(m, m + len(templates))
    spec, norm = _padded_spectra(joined)
    return np.array([_match(spec, norm, i, others, 2 * joined.n_crop).max() for i in range(m)])


@dataclass
class WindowFilter:
    """Matched filter for whitened windows (n_det, n_samples) with the merger in ``merger_range``.

    Built from a :class:`WaveformBank` of templates (whitened per detector with the same PSDs
    as the data). ``spectra``: (K, n_det, 2, nfft//2+1) FFTs of the template quadratures laid
    out for circular correlation; ``norms``: (K, n_det, 2, n_lags) template energy that
    overlaps the window at each candidate arrival time.
    """

    spectra: np.ndarray
    norms: np.ndarray
    lags: np.ndarray
    nfft: int
    n_samples: int
    fs: float
    coincidence: int
    frac: float

    @classmethod
    def from_bank(cls, templates: WaveformBank, window_duration: float = 1.0,
                  merger_range: tuple[float, float] = (0.6, 0.9), slack: float = 0.025,
                  coincidence_s: float = 0.012) -> WindowFilter:
        fs = templates.fs
        w = int(round(window_duration * fs))
        lo = int(np.floor((merger_range[0] * window_duration - slack) * fs))
        hi = int(np.ceil((merger_range[1] * window_duration + slack) * fs))
        lags = np.arange(max(lo, 0), min(hi, w - 1) + 1)
        a, b = int(lags[-1]), int(w - lags[0])  # template support needed: [-a, b) around the merger
        nfft = scipy.fft.next_fast_len(a + b + 1)
        m0 = int(round(templates.merger_offset * fs))
        if m0 - a < 0 or m0 + b > templates.n_crop:
            raise ValueError("template crop too short for this window and merger range")
        k, nd = templates.spectra.shape[:2]
        td = scipy.fft.irfft(templates.spectra, n=templates.n_crop, axis=-1)  # (K, nd, 2, n_crop)
        seg = td[..., m0 - a: m0 + b]  # relative times -a .. b-1
        g = np.zeros((k, nd, 2, nfft), dtype=np.float32)
        g[..., :b] = seg[..., a:]  # s >= 0 at index s
        g[..., nfft - a:] = seg[..., :a]  # s < 0 at index nfft + s
        spectra = scipy.fft.rfft(g, axis=-1).astype(np.complex64)
        # energy of g(t - p) for t in [0, w): sum over s in [-p, w - p)
        c = np.concatenate([np.zeros(seg.shape[:-1] + (1,)), np.cumsum(seg.astype(np.float64) ** 2, axis=-1)], -1)
        lo_idx = a - lags  # index of s = -p in seg
        hi_idx = a + w - lags
        norms = c[..., np.minimum(hi_idx, a + b)] - c[..., lo_idx]
        frac = band_fraction(w, fs, templates.f_low, templates.f_high)
        return cls(spectra=spectra, norms=norms.astype(np.float32), lags=lags, nfft=nfft, n_samples=w, fs=fs,
                   coincidence=int(np.ceil(coincidence_s * fs)), frac=frac)

    @property
    def n_templates(self) -> int:
        return self.spectra.shape[0]

    def snr_series(self, x: np.ndarray) -> np.ndarray:
        """Single-detector SNR at each allowed arrival time: (n, K, n_det, n_lags) for windows x (n, n_det, n_samples)."""
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 3 or x.shape[-1] != self.n_samples or x.shape[1] != self.spectra.shape[1]:
            raise ValueError(f"windows must be (n, {self.spectra.shape[1]}, {self.n_samples}), got {x.shape}")
        d = scipy.fft.rfft(x, n=self.nfft, axis=-1)  # (n, nd, nf)
        prod = d[:, None, :, None, :] * np.conj(self.spectra)[None]  # (n, K, nd, 2, nf)
        z = scipy.fft.irfft(prod, n=self.nfft, axis=-1)[..., self.lags]  # (n, K, nd, 2, n_lags)
        rho2 = self.frac * (z[..., 0, :] ** 2 / self.norms[None, :, :, 0] + z[..., 1, :] ** 2 / self.norms[None, :, :, 1])
        return np.sqrt(rho2)

    def network_snr(self, x: np.ndarray, chunk: int = 8) -> np.ndarray:
        """Maximum network SNR over templates and arrival times for each window: (n,)."""
        out = np.empty(len(x))
        for s in range(0, len(x), chunk):
            rho = self.snr_series(x[s: s + chunk])
            r2 = rho[:, :, 0] ** 2
            if rho.shape[2] > 1:
                for dd in range(1, rho.shape[2]):
                    r2 = r2 + maximum_filter1d(rho[:, :, dd] ** 2, size=2 * self.coincidence + 1, axis=-1,
                                               mode="nearest")
            out[s: s + chunk] = np.sqrt(r2.max(axis=(1, 2)))
        return out

    def chisq_network_snr(self, x: np.ndarray, n_bins: int = 8, chunk: int = 8) -> tuple[np.ndarray, np.ndarray]:
        """Network SNR and network re-weighted SNR (Allen 2005 chi^2, Babak et al. 2013) per window: (n,), (n,).

        At the template and arrival time of the loudest network SNR, each detector's SNR is split
        into ``n_bins`` frequency bins holding equal shares of the template's power. For a signal
        that matches the template each bin carries ``1 / n_bins`` of the SNR and
        ``chi^2 = n_bins sum_b sum_q (z_qb - z_q / n_bins)^2`` follows a chi^2 with
        ``2 n_bins - 2`` degrees of freedom; a glitch puts its power in a few bins and gets a large
        chi^2. Each detector's SNR is re-weighted (:func:`reweighted_snr`) and the network value
        is their quadrature sum.
        """
        if n_bins < 2:
            raise ValueError(f"n_bins must be at least 2, got {n_bins}")
        x = np.asarray(x, dtype=np.float32)
        k_all, nd = self.spectra.shape[:2]
        nf = self.spectra.shape[-1]
        f = np.arange(nf)
        cf = np.full(nf, 2.0)
        cf[0] = 1.0
        if self.nfft % 2 == 0:
            cf[-1] = 1.0
        edges = {}
        snr_out, rw_out = np.empty(len(x)), np.empty(len(x))
        for s0 in range(0, len(x), chunk):
            xs = x[s0: s0 + chunk]
            rho = self.snr_series(xs)  # (m, K, nd, L)
            r2 = rho[:, :, 0] ** 2
            for dd in range(1, nd):
                r2 = r2 + maximum_filter1d(rho[:, :, dd] ** 2, size=2 * self.coincidence + 1, axis=-1, mode="nearest")
            d = scipy.fft.rfft(xs, n=self.nfft, axis=-1)
            for i in range(len(xs)):
                k, lag0 = np.unravel_index(int(np.argmax(r2[i])), r2[i].shape)
                snr_out[s0 + i] = np.sqrt(r2[i, k, lag0])
                rw2 = 0.0
                for j in range(nd):
                    if j == 0:
                        lag = lag0
                    else:
                        lo, hi = max(0, lag0 - self.coincidence), min(rho.shape[-1], lag0 + self.coincidence + 1)
                        lag = lo + int(np.argmax(rho[i, k, j, lo:hi]))
                    if (k, j) not in edges:
                        edges[(k, j)] = chisq_bins(np.abs(self.spectra[k, j, 0]) ** 2, n_bins)
                    e = edges[(k, j)]
                    phase = cf * np.exp(2j * np.pi * f * self.lags[lag] / self.nfft) / self.nfft
                    zeta = np.empty((2, n_bins))
                    for q in range(2):
                        contrib = (d[i, j] * np.conj(self.spectra[k, j, q]) * phase).real
                        cs = np.concatenate([[0.0], np.cumsum(contrib)])
                        zeta[q] = (cs[e[1:]] - cs[e[:-1]]) * np.sqrt(self.frac / self.norms[k, j, q, lag])
                    total = zeta.sum(axis=1, keepdims=True)
                    chisq = n_bins * np.sum((zeta - total / n_bins) ** 2)
                    rho_j = float(np.sqrt(np.sum(total**2)))
                    rw2 += float(reweighted_snr(rho_j, chisq / (2 * n_bins - 2))) ** 2
                rw_out[s0 + i] = np.sqrt(rw2)
        return snr_out, rw_out


def matched_filter_snr(data: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Complex matched-filter SNR time series of one template in whitened data (Allen et al. 2012, eq. 4.1).

    data: (n,) whitened strain (unit-variance white noise in the analysis band);
    template: (n,) whitened template (one polarisation, e.g. h+ of a face-on binary), in the
    same units, with the time it refers to (the merger) at index 0 and earlier samples wrapped
    to the end (PyCBC's convention). Returns (n,) complex ``z``: ``z[t]`` is the SNR of the
    template shifted to ``t``; ``|z[t]|`` is maximised over the coalescence phase (the
    imaginary part correlates with the quadrature, the Hilbert transform of the template).
    In Gaussian noise ``|z|^2`` follows a chi^2 with 2 degrees of freedom (mean 2).

    Computed with one forward FFT of each and one inverse FFT: the circular correlation
    ``sum_s d[t + s] h[s]``, keeping positive frequencies only (times 2) to build the analytic
    signal, divided by ``sigma = sqrt(sum h^2)``, the template's noise-weighted norm.
    """
    d = np.asarray(data, dtype=np.float64)
    h = np.asarray(template, dtype=np.float64)
    if d.ndim != 1 or h.shape != d.shape:
        raise ValueError(f"data and template must be 1-D arrays of the same length, got {d.shape} and {h.shape}")
    n = len(d)
    sigma = np.sqrt(np.sum(h**2))
    if not sigma > 0:
        raise ValueError("the template is all zeros")
    prod = np.fft.fft(d) * np.conj(np.fft.fft(h))
    step = np.zeros(n)
    step[0] = 1.0
    step[1:(n + 1) // 2] = 2.0
    if n % 2 == 0:
        step[n // 2] = 1.0
    return np.fft.ifft(prod * step) / sigma


def stretch_template(bank: WaveformBank, k: int, det: int, n: int) -> np.ndarray:
    """(2, n) whitened (h+, hx) of bank waveform ``k`` in detector ``det`` laid out for
    :func:`matched_filter_snr` on ``n`` samples: merger at index 0, the inspiral wrapped to the end."""
    if n < bank.n_crop:
        raise ValueError(f"a stretch of {n} samples is shorter than the template crop ({bank.n_crop})")
    td = bank.time_series(k, det)
    m0 = int(round(bank.merger_offset * bank.fs))
    out = np.zeros((2, n))
    out[:, : bank.n_crop - m0] = td[:, m0:]
    out[:, n - m0:] = td[:, :m0]
    return out


@dataclass
class StretchSearch:
    """Matched-filter search of a whitened multi-detector stretch over a template bank.

    ``snr``: (n_det, n) best single-detector |SNR| over the bank at each time (merger time);
    ``network``: (n,) network SNR at each H1 time, L1 allowed within ``coincidence_s``;
    ``best_template``: the template index of the loudest network SNR; ``t_best`` its sample.
    """

    snr: np.ndarray
    network: np.ndarray
    best_template: int
    t_best: int


def search_stretch(data: np.ndarray, templates: WaveformBank, coincidence_s: float = 0.012,
                   edge: int | None = None) -> StretchSearch:
    """Matched filter of every template over a whitened stretch ``data`` (n_det, n), as a real search does.

    Uses the two quadratures of each template (:func:`matched_filter_snr` on h+ gives the
    same |SNR| up to the quadrature's small difference). ``edge`` samples at each end (default:
    the template crop) are set to zero, where the circular correlation wraps.
    """
    data = np.asarray(data, dtype=np.float64)
    nd, n = data.shape
    if nd != len(templates.detectors):
        raise ValueError(f"data has {nd} detectors, the templates {len(templates.detectors)}")
    edge = templates.n_crop if edge is None else edge
    frac = band_fraction(n, templates.fs, templates.f_low, templates.f_high)
    d = scipy.fft.rfft(data, axis=-1)
    best = np.zeros((nd, n))
    net_best = np.zeros(n)
    k_best, t_best, v_best = 0, 0, -1.0
    coinc = int(np.ceil(coincidence_s * templates.fs))
    for k in range(len(templates)):
        rho2 = np.zeros((nd, n))
        for j in range(nd):
            g = stretch_template(templates, k, j, n)
            gs = scipy.fft.rfft(g, axis=-1)
            z = scipy.fft.irfft(d[j][None] * np.conj(gs), n=n, axis=-1)
            rho2[j] = frac * (z[0] ** 2 / np.sum(g[0] ** 2) + z[1] ** 2 / np.sum(g[1] ** 2))
        rho2[:, :edge] = 0
        rho2[:, n - edge:] = 0
        best = np.maximum(best, rho2)
        net = rho2[0] + sum(maximum_filter1d(rho2[j], 2 * coinc + 1, mode="nearest") for j in range(1, nd))
        i = int(np.argmax(net))
        if net[i] > v_best:
            k_best, t_best, v_best = k, i, float(net[i])
        net_best = np.maximum(net_best, net)
    return StretchSearch(np.sqrt(best), np.sqrt(net_best), k_best, t_best)


def chisq_bins(power: np.ndarray, n_bins: int) -> np.ndarray:
    """Edges (n_bins + 1,) of frequency bins holding equal shares of a template's ``power`` (nf,)."""
    c = np.cumsum(power)
    if not c[-1] > 0:
        raise ValueError("template power is zero")
    edges = np.searchsorted(c / c[-1], np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.concatenate([[0], edges, [len(power)]])


def reweighted_snr(snr: np.ndarray, chisq_r: np.ndarray) -> np.ndarray:
    """Re-weighted SNR of Babak et al. 2013 (eq. 6): ``snr / [(1 + chisq_r^3) / 2]^(1/6)`` where the
    reduced chi^2 ``chisq_r > 1``, else ``snr``."""
    snr, chisq_r = np.asarray(snr, float), np.asarray(chisq_r, float)
    return np.where(chisq_r > 1, snr / ((1 + chisq_r**3) / 2) ** (1 / 6), snr)


def time_pycbc_search(templates: WaveformBank, duration: float = 8.0, n_templates: int | None = None,
                      seed: int = 0, repeats: int = 2, single: bool = True) -> float:
    """Wall time [s] per second of data of ``pycbc.filter.matched_filter`` over the bank, all detectors.

    Filters ``duration`` s of whitened noise with each template (h+ quadrature, complex SNR) in
    each detector, after one untimed warm-up call, best of ``repeats``; with ``n_templates`` only
    that many are timed and the result is scaled to the full bank. The SNR time series covers
    every merger time in the data: no sliding is needed. ``single``: float32 data and complex64
    templates, as PyCBC's search pipelines run (about 3x faster with FFTW than double precision).
    """
    from pycbc.filter import matched_filter
    from pycbc.types import FrequencySeries, TimeSeries

    fs = templates.fs
    n = int(round(duration * fs))
    rng = np.random.default_rng(seed)
    k_all, nd = templates.spectra.shape[:2]
    k = k_all if n_templates is None else min(n_templates, k_all)
    real, cplx = (np.float32, np.complex64) if single else (np.float64, np.complex128)
    data = [TimeSeries(rng.standard_normal(n).astype(real), delta_t=1 / fs) for _ in range(nd)]
    tmpl = []
    for i in range(k):
        row = []
        for d in range(nd):
            h = np.zeros(n)
            td = np.fft.irfft(templates.spectra[i, d, 0], n=templates.n_crop)
            h[: len(td)] = td
            row.append(FrequencySeries((np.fft.rfft(h) / fs).astype(cplx), delta_f=1 / duration))
        tmpl.append(row)
    def filter_one(i: int, d: int) -> None:
        matched_filter(tmpl[i][d], data[d], psd=None, low_frequency_cutoff=templates.f_low,
                       high_frequency_cutoff=templates.f_high)

    filter_one(0, 0)  # warm-up: FFT plans and caches are built once
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for i in range(k):
            for d in range(nd):
                filter_one(i, d)
        best = min(best, time.perf_counter() - t0)
    return best / k * k_all / duration


def fft_floor_search(n_templates: int, n_det: int, duration: float = 32.0, fs: float = 2048.0,
                     repeats: int = 10) -> float:
    """Lower bound [s per second of data] on any FFT matched-filter search over ``n_templates`` in ``n_det`` detectors.

    Each template costs at least one complex inverse FFT of the segment per detector (the data's
    forward FFT is shared). Timed here in single precision (as production PyCBC runs) with NumPy's
    FFT, on one core, best of ``repeats``; correlation, normalisation and thresholding are left out.
    """
    if n_templates < 1 or n_det < 1 or not duration * fs >= 2:
        raise ValueError(f"need n_templates >= 1, n_det >= 1 and a segment of >= 2 samples, got {n_templates}, "
                         f"{n_det}, {duration} s at {fs} Hz")
    n = int(round(duration * fs))
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
    np.fft.ifft(x)  # warm-up
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.fft.ifft(x)
        best = min(best, time.perf_counter() - t0)
    return best * n_templates * n_det / duration
