"""Binary-black-hole prior, an IMRPhenomD waveform bank and the projection onto H1/L1.

IMRPhenomD (Husa et al. 2016, PRD 93, 044006; Khan et al. 2016, PRD 93, 044007) is an
aligned-spin, dominant-(2,2)-mode inspiral-merger-ringdown model, generated here with
``pycbc.waveform.get_fd_waveform`` (LALSuite). Because only the (2,2) mode is modelled, the
inclination ``iota`` and coalescence phase ``phi`` act analytically on face-on polarisations:

    h+ = (1 + cos^2 iota)/2 [h+0 cos 2phi - hx0 sin 2phi],   hx = cos iota [h+0 sin 2phi + hx0 cos 2phi]

so a bank of intrinsic waveforms (masses, spins) is generated once and reused with random
extrinsic parameters (sky position, polarisation, inclination, phase, arrival time), the
approach of Gabbard et al. 2018 (PRL 120, 141103) and George & Huerta 2018 (PLB 778, 64).
The detector response ``F+ h+ + Fx hx`` and the arrival-time delays come from
``pycbc.detector.Detector``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft

from coursekit.gw.spectral import F_HIGH, F_LOW, band_fraction, band_mask

#: GPS time at which antenna patterns are evaluated (GW150914); the right ascension prior is
#: uniform, so a fixed time loses no generality.
REFERENCE_GPS = 1126259462.4
DETECTORS = ("H1", "L1")


@dataclass(frozen=True)
class BBHPrior:
    """Priors of the simulated binary black holes (detector-frame masses).

    mass_range: component masses [M_sun], uniform, ``m1 >= m2``, with ``m2 / m1 >= min_mass_ratio``
    (drawn by rejection); spin_range: aligned dimensionless spins, uniform. Sky position isotropic,
    ``cos(iota)`` uniform, polarisation uniform in [0, pi), phase uniform in [0, 2 pi). The distance
    is not drawn: each injection is scaled to a target network SNR and the implied distance is recorded.

    The default covers the binary black holes of GWTC-1 (Abbott et al. 2019, PRX 9, 031040) in the
    detector frame: GW151226 and GW170608 have components near 8 M_sun, GW151012 a ratio near 1:2.
    """

    mass_range: tuple[float, float] = (7.0, 50.0)
    spin_range: tuple[float, float] = (-0.5, 0.5)
    min_mass_ratio: float = 1 / 3

    def __post_init__(self):
        lo, hi = self.mass_range
        if not 0 < lo < hi:
            raise ValueError(f"mass_range must be 0 < low < high [M_sun], got {self.mass_range}")
        if not 0 < self.min_mass_ratio <= 1:
            raise ValueError(f"min_mass_ratio must lie in (0, 1], got {self.min_mass_ratio}")

    def sample_intrinsic(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Draw ``n`` (m1, m2, spin1z, spin2z); each value (n,)."""
        m1 = np.empty(0)
        m2 = np.empty(0)
        while len(m1) < n:
            m = rng.uniform(*self.mass_range, size=(2 * (n - len(m1)) + 8, 2))
            a, b = m.max(axis=1), m.min(axis=1)
            ok = b >= self.min_mass_ratio * a
            m1, m2 = np.concatenate([m1, a[ok]]), np.concatenate([m2, b[ok]])
        s = rng.uniform(*self.spin_range, size=(n, 2))
        return {"mass1": m1[:n], "mass2": m2[:n], "spin1z": s[:, 0], "spin2z": s[:, 1]}

    @staticmethod
    def sample_extrinsic(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Draw ``n`` (ra, dec, polarization, inclination, phase) [rad]; each (n,)."""
        return {
            "ra": rng.uniform(0, 2 * np.pi, n),
            "dec": np.arcsin(rng.uniform(-1, 1, n)),
            "polarization": rng.uniform(0, np.pi, n),
            "inclination": np.arccos(rng.uniform(-1, 1, n)),
            "phase": rng.uniform(0, 2 * np.pi, n),
        }


def chirp_mass(m1: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """Chirp mass (m1 m2)^(3/5) / (m1 + m2)^(1/5) in the units of the masses."""
    m1, m2 = np.asarray(m1, float), np.asarray(m2, float)
    return (m1 * m2) ** 0.6 / (m1 + m2) ** 0.2


def chirp_time(m1: np.ndarray, m2: np.ndarray, f_low: float = F_LOW) -> np.ndarray:
    """Newtonian time to merger [s] from frequency ``f_low`` [Hz] for masses [M_sun] (Sathyaprakash &
    Dhurandhar 1991): ``tau0 = 5 / (256 pi f_low) (pi G Mc f_low / c^3)^(-5/3)``; the full waveform is
    a little longer (post-Newtonian terms and the merger)."""
    mc_s = chirp_mass(m1, m2) * 4.925490947e-6  # G M_sun / c^3 [s]
    return 5.0 / (256.0 * np.pi * f_low) * (np.pi * mc_s * f_low) ** (-5.0 / 3.0)


def fd_waveform(mass1: float, mass2: float, spin1z: float = 0.0, spin2z: float = 0.0, *, fs: float = 2048.0,
                seg_duration: float = 8.0, f_low: float = F_LOW, approximant: str = "IMRPhenomD"
                ) -> tuple[np.ndarray, np.ndarray]:
    """Face-on ``(h+(f), hx(f))`` at 1 Mpc on the rfft grid of ``seg_duration`` s at ``fs`` Hz.

    Continuous-Fourier-transform normalisation [strain/Hz]; the peak amplitude sits at t = 0
    (so in the time domain the inspiral wraps to the end of the segment until shifted).
    Each returned array has ``seg_duration * fs / 2 + 1`` complex values.
    """
    from pycbc.waveform import get_fd_waveform

    n = int(round(seg_duration * fs))
    hp, hc = get_fd_waveform(approximant=approximant, mass1=float(mass1), mass2=float(mass2),
                             spin1z=float(spin1z), spin2z=float(spin2z), distance=1.0, inclination=0.0,
                             delta_f=1.0 / seg_duration, f_lower=f_low, f_final=fs / 2)
    out = []
    for h in (hp, hc):
        a = np.zeros(n // 2 + 1, dtype=np.complex128)
        v = np.asarray(h.numpy())[: n // 2 + 1]
        a[: len(v)] = v
        out.append(a)
    return out[0], out[1]


@lru_cache(maxsize=32)
def _detector_geometry(name: str, gps: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Response tensor, Earth-fixed location [m] and Greenwich sidereal time [rad] (cached: PyCBC builds
    these with astropy, which costs milliseconds per call)."""
    from pycbc.detector import Detector

    det = Detector(name)
    return np.asarray(det.response, float), np.asarray(det.location, float), float(det.gmst_estimate(gps))


def antenna_response(ra: np.ndarray, dec: np.ndarray, polarization: np.ndarray, detectors=DETECTORS,
                     gps: float = REFERENCE_GPS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Antenna patterns and delays for each detector, vectorised over sources.

    The same formulas as ``pycbc.detector.Detector.antenna_pattern`` and
    ``time_delay_from_earth_center`` (response tensor D: F+ = X.D.X - Y.D.Y,
    Fx = X.D.Y + Y.D.X), written with NumPy arrays instead of object arrays.

    Returns ``(fplus, fcross, delay)``, each (n_det, n); ``delay`` [s] is the arrival time at the
    detector minus the arrival time at the Earth's centre.
    """
    ra, dec, pol = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, float)) for v in (ra, dec, polarization)))
    fp, fc, dt = [], [], []
    for name in detectors:
        resp, location, gmst = _detector_geometry(name, float(gps))
        gha = gmst - ra
        cg, sg, cd, sd, cp, sp = np.cos(gha), np.sin(gha), np.cos(dec), np.sin(dec), np.cos(pol), np.sin(pol)
        x = np.stack([-cp * sg - sp * cg * sd, -cp * cg + sp * sg * sd, sp * cd])
        y = np.stack([sp * sg - cp * cg * sd, sp * cg + cp * sg * sd, cp * cd])
        dx, dy = resp @ x, resp @ y
        fp.append((x * dx - y * dy).sum(axis=0))
        fc.append((x * dy + y * dx).sum(axis=0))
        ehat = np.stack([cd * cg, -cd * sg, sd])
        dt.append(-(location @ ehat) / 299792458.0)
    return np.array(fp), np.array(fc), np.array(dt)


def projection_coefficients(extrinsic: dict[str, np.ndarray], detectors=DETECTORS
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients ``(c+, cx)`` such that the detector strain is ``c+ h+0 + cx hx0`` (face-on h0), and delays.

    Each returned array is (n_det, n).
    """
    fp, fc, delay = antenna_response(extrinsic["ra"], extrinsic["dec"], extrinsic["polarization"], detectors)
    ci = np.cos(extrinsic["inclination"])
    ap, ac = (1 + ci**2) / 2, ci
    c2, s2 = np.cos(2 * extrinsic["phase"]), np.sin(2 * extrinsic["phase"])
    # h+ = ap (h+0 c2 - hx0 s2), hx = ac (h+0 s2 + hx0 c2); strain = F+ h+ + Fx hx
    cp = fp * ap * c2 + fc * ac * s2
    cx = -fp * ap * s2 + fc * ac * c2
    return cp, cx, delay


@dataclass
class WaveformBank:
    """Whitened IMRPhenomD waveforms, ready to be projected and injected into whitened windows.

    Attributes
    ----------
    params: dict of (K,) arrays (mass1, mass2, spin1z, spin2z)
    spectra: (K, n_det, 2, n_crop//2+1) complex64: rfft of the whitened, band-passed face-on
        (h+, hx) at 1 Mpc, cropped to ``crop_duration`` s with the merger (peak of |h|) at
        ``merger_offset`` s from the start. Whitening uses each detector's PSD and is
        normalised like :func:`coursekit.gw.spectral.whiten` (unit-variance noise).
    gram: (K, n_det, 3) noise-weighted inner products <h+,h+>, <h+,hx>, <hx,hx> of the full
        waveforms (from ``f_low``), so that optimal SNRs are exact, not limited to the crop.
    """

    params: dict[str, np.ndarray]
    spectra: np.ndarray
    gram: np.ndarray
    fs: float
    crop_duration: float
    merger_offset: float
    detectors: tuple[str, ...]
    f_low: float
    f_high: float

    def __len__(self) -> int:
        return self.spectra.shape[0]

    @property
    def n_crop(self) -> int:
        return int(round(self.crop_duration * self.fs))

    def time_series(self, k: int, det: int = 0) -> np.ndarray:
        """(2, n_crop) whitened face-on (h+, hx) of waveform ``k`` in detector ``det``."""
        return np.fft.irfft(self.spectra[k, det], n=self.n_crop, axis=-1)

    @classmethod
    def generate(cls, params: dict[str, np.ndarray], psds: dict[str, np.ndarray], *, fs: float = 2048.0,
                 seg_duration: float = 8.0, crop_duration: float = 2.0, merger_offset: float = 1.3,
                 f_low: float = F_LOW, f_high: float = F_HIGH, approximant: str = "IMRPhenomD") -> WaveformBank:
        """Generate one waveform per row of ``params`` and whiten it with each detector's PSD.

        psds: ``{detector: (seg_duration*fs/2 + 1,) one-sided PSD}``, e.g. from
        :func:`coursekit.gw.spectral.aligo_psd` or a Welch estimate interpolated on that grid.
        ``seg_duration`` must exceed the longest waveform (from ``f_low``) by 1 s; a waveform
        whose Newtonian chirp time (:func:`chirp_time`) fits in half of it is generated on the
        half-length grid (the PSD interpolated onto it), which halves its cost and changes nothing.
        """
        from coursekit.gw.spectral import interpolate_psd

        detectors = tuple(psds)
        n = int(round(seg_duration * fs))
        n_crop = int(round(crop_duration * fs))
        for det in detectors:
            if np.shape(psds[det]) != (n // 2 + 1,):
                raise ValueError(f"psd for {det} must have {n // 2 + 1} values (rfft grid of {seg_duration} s "
                                 f"at {fs} Hz), got {np.shape(psds[det])}")
        f_full = np.fft.rfftfreq(n, 1 / fs)

        def grid(seg: float) -> dict:
            m = int(round(seg * fs))
            mask = band_mask(m, fs, f_low, f_high)
            psd = np.stack([np.asarray(psds[d], float) if m == n else interpolate_psd(f_full, psds[d], m, fs)
                            for d in detectors])[:, mask]
            w = np.zeros((len(detectors), m // 2 + 1))
            # whitening filter on the band, times fs (continuous FT -> DFT), unit-variance normalisation
            w[:, mask] = fs / np.sqrt(band_fraction(m, fs, f_low, f_high)) / np.sqrt(psd * fs / 2.0)
            # place the peak at seg - 1 s so the inspiral (< seg - 1 s long) does not wrap
            shift = np.exp(-2j * np.pi * np.fft.rfftfreq(m, 1 / fs) * (seg - 1.0)).astype(np.complex64)
            return {"seg": seg, "n": m, "mask": mask, "w": w.astype(np.float32), "wgt": 4 * (fs / m) / psd,
                    "shift": shift}

        grids = {"full": grid(seg_duration)}
        k_count = len(params["mass1"])
        tau = chirp_time(params["mass1"], params["mass2"], f_low)
        spectra = np.zeros((k_count, len(detectors), 2, n_crop // 2 + 1), dtype=np.complex64)
        gram = np.zeros((k_count, len(detectors), 3))
        i0_rel = int(round(merger_offset * fs))
        for k in range(k_count):
            half = seg_duration / 2 >= max(tau[k] * 1.2 + 1.5, crop_duration + 1.0)
            if half and "half" not in grids:
                grids["half"] = grid(seg_duration / 2)
            g = grids["half" if half else "full"]
            hp, hc = fd_waveform(params["mass1"][k], params["mass2"][k], params["spin1z"][k], params["spin2z"][k],
                                 fs=fs, seg_duration=g["seg"], f_low=f_low, approximant=approximant)
            h = np.stack([hp, hc]).astype(np.complex64) * g["shift"]  # (2, nf)
            pol = scipy.fft.irfft(h, n=g["n"], axis=-1)
            peak = int(np.argmax(pol[0] ** 2 + pol[1] ** 2))
            start = peak - i0_rel
            td = scipy.fft.irfft(h[None] * g["w"][:, None], n=g["n"], axis=-1)  # (nd, 2, n) whitened
            crop = np.take(td, np.arange(start, start + n_crop), axis=-1, mode="wrap")
            spectra[k] = scipy.fft.rfft(crop, axis=-1)
            sp, sc, wgt = hp[g["mask"]], hc[g["mask"]], g["wgt"]
            gram[k] = np.stack([(np.abs(sp) ** 2 * wgt).sum(-1), ((sp * np.conj(sc)).real * wgt).sum(-1),
                                (np.abs(sc) ** 2 * wgt).sum(-1)], axis=-1)
        return cls(params={k: np.asarray(v, float) for k, v in params.items()}, spectra=spectra, gram=gram, fs=fs,
                   crop_duration=crop_duration, merger_offset=merger_offset, detectors=detectors, f_low=f_low,
                   f_high=f_high)
