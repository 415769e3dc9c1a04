"""Read and write GWOSC/LOSC HDF5 strain files.

A GWOSC file holds ``strain/Strain`` (float64 strain, attributes ``Xstart`` = GPS
start and ``Xspacing`` = 1/sample rate) and ``meta/{GPSstart, Duration, Detector}``
(see https://gwosc.org/archive/dataset/ and the LOSC tutorial of Abbott et al. 2016).
Missing data are stored as NaN.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DETECTORS = ("H1", "L1", "V1", "K1", "G1")


class StrainFileError(ValueError):
    """A strain file cannot be used: unreadable, wrong layout, NaN gaps, wrong rate."""


@dataclass(frozen=True)
class StrainSegment:
    """A contiguous stretch of strain from one detector.

    strain: (n,) dimensionless strain; ``t0``: GPS time of ``strain[0]`` [s];
    ``sample_rate`` [Hz]; ``detector``: e.g. ``"H1"``.
    """

    strain: np.ndarray
    t0: float
    sample_rate: float
    detector: str

    @property
    def duration(self) -> float:
        return len(self.strain) / self.sample_rate

    @property
    def times(self) -> np.ndarray:
        """(n,) GPS time of each sample [s]."""
        return self.t0 + np.arange(len(self.strain)) / self.sample_rate

    def resample(self, sample_rate: float) -> StrainSegment:
        """Return the segment at ``sample_rate`` (an integer ratio of the current rate)."""
        return StrainSegment(resample(self.strain, self.sample_rate, sample_rate), self.t0, float(sample_rate),
                             self.detector)

    def crop(self, start: float, end: float) -> StrainSegment:
        """Samples with GPS ``start <= t < end``."""
        i0 = int(round((start - self.t0) * self.sample_rate))
        i1 = int(round((end - self.t0) * self.sample_rate))
        if i0 < 0 or i1 > len(self.strain) or i1 <= i0:
            raise ValueError(
                f"crop [{start}, {end}) lies outside the segment [{self.t0}, {self.t0 + self.duration})"
            )
        return StrainSegment(self.strain[i0:i1], self.t0 + i0 / self.sample_rate, self.sample_rate, self.detector)


def _as_str(value) -> str:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return _as_str(value.item())
    return str(value)


def read_gwosc_hdf5(path: str | os.PathLike, *, allow_nan: bool = False) -> StrainSegment:
    """Read one GWOSC/LOSC HDF5 strain file.

    Parameters
    ----------
    path:
        e.g. ``H-H1_LOSC_4_V2-1126259446-32.hdf5``.
    allow_nan:
        GWOSC marks missing data with NaN. By default a file with NaN raises
        :class:`StrainFileError` naming the first gap; ``True`` returns it as is.

    Returns
    -------
    StrainSegment with the GPS start from ``strain/Strain.attrs['Xstart']``
    (falling back to ``meta/GPSstart``), the rate from ``Xspacing`` and the
    detector from ``meta/Detector`` (or the file name ``H-H1_...``).
    """
    import h5py

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"strain file {path} does not exist")
    try:
        fh = h5py.File(path, "r")
    except OSError as exc:
        raise StrainFileError(f"{path} is not a readable HDF5 file ({exc}); is it a GWOSC .hdf5 download?") from exc
    with fh:
        if "strain/Strain" not in fh:
            raise StrainFileError(
                f"{path} has no 'strain/Strain' dataset (groups: {sorted(fh.keys())}); "
                "expected a GWOSC/LOSC strain file"
            )
        ds = fh["strain/Strain"]
        strain = np.asarray(ds[()], dtype=np.float64)
        if strain.ndim != 1 or strain.size == 0:
            raise StrainFileError(f"{path}: strain/Strain must be a non-empty 1-D array, got shape {strain.shape}")
        if "Xspacing" not in ds.attrs:
            raise StrainFileError(f"{path}: strain/Strain lacks the 'Xspacing' attribute (1/sample rate)")
        dt = float(ds.attrs["Xspacing"])
        if not np.isfinite(dt) or dt <= 0:
            raise StrainFileError(f"{path}: Xspacing = {dt} is not a positive time step")
        if "Xstart" in ds.attrs:
            t0 = float(ds.attrs["Xstart"])
        elif "meta/GPSstart" in fh:
            t0 = float(fh["meta/GPSstart"][()])
        else:
            raise StrainFileError(f"{path}: neither strain/Strain.attrs['Xstart'] nor meta/GPSstart gives the GPS start")
        if "meta/GPSstart" in fh and abs(float(fh["meta/GPSstart"][()]) - t0) > dt:
            raise StrainFileError(
                f"{path}: Xstart {t0} disagrees with meta/GPSstart {float(fh['meta/GPSstart'][()])}"
            )
        detector = _as_str(fh["meta/Detector"][()]) if "meta/Detector" in fh else ""
    if not detector:
        m = re.match(r"^[A-Z]-([A-Z][0-9])_", path.name)
        detector = m.group(1) if m else "unknown"
    if not allow_nan:
        bad = ~np.isfinite(strain)
        if bad.any():
            first = int(np.argmax(bad))
            raise StrainFileError(
                f"{path}: {int(bad.sum())} NaN/inf samples (data gap starting at GPS {t0 + first * dt:.3f}); "
                "crop to a gap-free stretch or read with allow_nan=True"
            )
    rate = 1.0 / dt
    if abs(rate - round(rate)) < 1e-6:
        rate = float(round(rate))
    return StrainSegment(strain, t0, rate, detector)


def write_gwosc_hdf5(path: str | os.PathLike, strain: np.ndarray, t0: float, sample_rate: float,
                     detector: str = "H1") -> Path:
    """Write ``strain`` in the GWOSC layout (``strain/Strain`` with Xstart/Xspacing, ``meta/*``).

    Used by the tests and handy for saving simulated stretches in the format the CLI reads.
    """
    import h5py

    path = Path(path)
    strain = np.asarray(strain, dtype=np.float64)
    with h5py.File(path, "w") as fh:
        ds = fh.create_dataset("strain/Strain", data=strain)
        ds.attrs["Xstart"] = t0
        ds.attrs["Xspacing"] = 1.0 / sample_rate
        ds.attrs["Npoints"] = len(strain)
        ds.attrs["Xunits"] = "second"
        fh["meta/GPSstart"] = t0
        fh["meta/Duration"] = len(strain) / sample_rate
        fh["meta/Detector"] = detector
        fh["meta/Description"] = "Strain data time series (written by coursekit.gw.io)"
    return path


def resample(x: np.ndarray, rate_in: float, rate_out: float) -> np.ndarray:
    """Resample ``x`` (..., n) from ``rate_in`` to ``rate_out`` Hz with a polyphase anti-aliasing filter.

    The ratio must be rational with small terms (e.g. 4096 -> 2048 Hz).
    """
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
