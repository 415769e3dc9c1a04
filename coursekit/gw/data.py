"""Detector strain in, as ``gwpy.timeseries.TimeSeries``: GWOSC files, the GW150914 sample, any GWTC event.

Every tier gives the same object, an :class:`EventStrain` holding one ``TimeSeries`` per
detector (dimensionless strain, GPS epoch, sample rate), the event's GPS time and the tier line:

* ``sample`` (reduced mode, default): the 32 s of H1 and L1 around GW150914 from the LOSC
  tutorial (``gw150914_strain`` in the manifest, sha256-checked by :func:`coursekit.data.resolve`),
  read with gwpy's GWOSC HDF5 reader (``TimeSeries.read(path, format="hdf5.gwosc")``);
* ``full``: the same files for GW150914, and for any other GWTC event
  ``TimeSeries.fetch_open_data`` from GWOSC around the catalogue time (needs the network);
* ``stand-in`` (offline without the sample): coloured Gaussian noise with one IMRPhenomD injection
  (:func:`coursekit.gw.simulate.simulate_event_strain`), said so in one line.

A GWOSC HDF5 file holds ``strain/Strain`` (float64, attributes ``Xstart`` = GPS start and
``Xspacing`` = 1/rate) and ``meta/{GPSstart, Duration, Detector}``; missing data are NaN.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

GW150914_GPS = 1126259462.44
GW150914_FILES = {"H1": "H-H1_LOSC_4_V2-1126259446-32.hdf5", "L1": "L-L1_LOSC_4_V2-1126259446-32.hdf5"}
GW150914_TEMPLATE = "GW150914_4_template.hdf5"
EVENTS_FILE = "BBH_events_v3.json"
DATASET = "gw150914_strain"

#: GWTC-1 binary black holes (Abbott et al. 2019, PRX 9, 031040, tables III-IV): GPS merger time,
#: network matched-filter SNR, source-frame median component masses [Msun] and redshift (detector-frame
#: masses are ``m (1 + z)``). Used offline; online, ``gwosc.datasets.event_gps`` covers every GWTC event.
GWTC1_BBH = {
    "GW150914": {"gps": 1126259462.4, "snr": 24.4, "mass1": 35.6, "mass2": 30.6, "z": 0.09},
    "GW151012": {"gps": 1128678900.4, "snr": 10.0, "mass1": 23.2, "mass2": 13.6, "z": 0.21},
    "GW151226": {"gps": 1135136350.6, "snr": 13.1, "mass1": 13.7, "mass2": 7.7, "z": 0.09},
    "GW170104": {"gps": 1167559936.6, "snr": 13.0, "mass1": 30.8, "mass2": 20.0, "z": 0.19},
    "GW170608": {"gps": 1180922494.5, "snr": 14.9, "mass1": 11.0, "mass2": 7.6, "z": 0.07},
    "GW170729": {"gps": 1185389807.3, "snr": 10.2, "mass1": 50.2, "mass2": 34.0, "z": 0.49},
    "GW170809": {"gps": 1186302519.8, "snr": 12.4, "mass1": 35.0, "mass2": 23.8, "z": 0.20},
    "GW170814": {"gps": 1186741861.5, "snr": 15.9, "mass1": 30.6, "mass2": 25.2, "z": 0.12},
    "GW170818": {"gps": 1187058327.1, "snr": 11.3, "mass1": 35.4, "mass2": 26.7, "z": 0.20},
    "GW170823": {"gps": 1187529256.5, "snr": 11.5, "mass1": 39.5, "mass2": 29.0, "z": 0.35},
}


class StrainFileError(ValueError):
    """A strain file or stretch cannot be used: unreadable, wrong layout, gaps, flat, wrong scale."""


@dataclass
class EventStrain:
    """Strain of several detectors around one event, the same object from every tier.

    strain: ``{detector: gwpy TimeSeries}`` (dimensionless strain, same GPS span);
    gps: catalogue merger time [s]; tier: ``"sample"``, ``"full"`` or ``"stand-in"``;
    message: the one line that says which; template: optional (h+, hx) arrays of the LOSC
    best-fit template at 4096 Hz (GW150914 sample only).
    """

    event: str
    gps: float
    strain: dict
    tier: str
    message: str
    paths: list[Path] = field(default_factory=list)
    template: np.ndarray | None = None

    @property
    def detectors(self) -> tuple[str, ...]:
        return tuple(self.strain)

    @property
    def is_real(self) -> bool:
        return self.tier != "stand-in"

    def series(self) -> list:
        """The TimeSeries in detector order."""
        return [self.strain[d] for d in self.detectors]


def detector_of(ts) -> str:
    """Detector prefix of a TimeSeries name such as ``"H1:Strain"`` (``""`` when it has none)."""
    name = str(getattr(ts, "name", "") or getattr(getattr(ts, "channel", None), "name", "") or "")
    return name.split(":", 1)[0] if ":" in name else name


def read_strain(path: str | os.PathLike, detector: str | None = None):
    """Read one GWOSC/LOSC HDF5 strain file with gwpy: a ``TimeSeries`` named ``"<det>:Strain"``.

    Raises :class:`StrainFileError` (one line naming the file) for a missing, unreadable or
    non-GWOSC file. NaN gaps are kept; :func:`coursekit.gw.scan.check_strain` refuses them.
    """
    import h5py
    from gwpy.timeseries import TimeSeries

    path = Path(path)
    if not path.is_file():
        raise StrainFileError(f"strain file {path} does not exist; give a GWOSC .hdf5 file")
    try:
        with h5py.File(path, "r") as fh:
            if "strain/Strain" not in fh:
                raise StrainFileError(f"{path} has no 'strain/Strain' dataset (groups: {sorted(fh.keys())}); "
                                      "expected a GWOSC/LOSC strain file")
            det = detector or (fh["meta/Detector"][()] if "meta/Detector" in fh else b"")
    except OSError as exc:
        raise StrainFileError(f"{path} is not a readable HDF5 file ({str(exc)[:80]}); is it a GWOSC .hdf5 "
                              "download?") from None
    det = det.decode() if isinstance(det, bytes) else str(det)
    if not det:
        det = path.name[2:4] if path.name[1:2] == "-" else "X1"
    try:
        ts = TimeSeries.read(str(path), format="hdf5.gwosc")
    except (OSError, KeyError, ValueError) as exc:
        raise StrainFileError(f"{path}: gwpy cannot read it as GWOSC strain ({str(exc)[:80]})") from None
    ts.name = f"{det}:Strain"
    return ts


def write_gwosc_hdf5(path: str | os.PathLike, strain: np.ndarray, t0: float, sample_rate: float,
                     detector: str = "H1") -> Path:
    """Write ``strain`` (n,) in the GWOSC layout (``strain/Strain`` with Xstart/Xspacing, ``meta/*``).

    For tests and for saving simulated stretches in the format ``gw scan`` reads.
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
        ds.attrs["Xlabel"] = "GPS time"
        ds.attrs["Ylabel"] = "Strain"
        ds.attrs["Yunits"] = ""
        fh["meta/GPSstart"] = t0
        fh["meta/Duration"] = len(strain) / sample_rate
        fh["meta/Detector"] = detector
        fh["meta/Description"] = "Strain data time series (written by coursekit.gw.data)"
    return path


def as_timeseries(strain: np.ndarray, t0: float, sample_rate: float, detector: str):
    """A NumPy strain array (n,) as a gwpy ``TimeSeries`` named ``"<detector>:Strain"``."""
    from gwpy.timeseries import TimeSeries

    return TimeSeries(np.asarray(strain, dtype=np.float64), t0=t0, sample_rate=sample_rate,
                      name=f"{detector}:Strain")


def _read_template(path: Path) -> np.ndarray:
    import h5py

    with h5py.File(path, "r") as fh:
        return np.asarray(fh["template"][()], dtype=np.float64)


def load_gw150914(mode: str | None = None, *, download: bool | None = None) -> EventStrain:
    """H1 and L1 strain around GW150914: the real sample when it can be had, else the stand-in.

    Calls ``coursekit.data.resolve("gw150914_strain")`` (which prints the tier line). The real
    files are 32 s at 4096 Hz starting at GPS 1126259446; the stand-in is 32 s at 2048 Hz of
    design-PSD noise with a 38+31 Msun injection at network SNR 20 at the same GPS time.
    """
    from coursekit.data import resolve

    r = resolve(DATASET, mode=mode, download=download)
    if not r.is_real:
        from coursekit.gw.simulate import simulate_event_strain

        return EventStrain("GW150914", GW150914_GPS, simulate_event_strain(), r.tier, r.message)
    strain = {det: read_strain(r.path(name), det) for det, name in GW150914_FILES.items()}
    template = _read_template(r.path(GW150914_TEMPLATE))
    return EventStrain("GW150914", GW150914_GPS, strain, r.tier, r.message, list(r.paths), template)


def event_gps(name: str) -> float:
    """Catalogue GPS time of event ``name`` (``GW151226``, ...): GWTC-1 offline, else ``gwosc``."""
    key = name.strip().upper()
    if key in GWTC1_BBH:
        return GWTC1_BBH[key]["gps"] if key != "GW150914" else GW150914_GPS
    try:
        from gwosc.datasets import event_gps as _event_gps

        return float(_event_gps(name.strip()))
    except ValueError as exc:
        raise StrainFileError(f"unknown event {name!r} ({exc}); give a GWTC name such as GW151226") from None
    except OSError as exc:
        raise StrainFileError(f"cannot look up event {name!r} offline ({str(exc)[:60]}); known offline: "
                              f"{', '.join(GWTC1_BBH)}") from None


def load_event(name: str, mode: str | None = None, *, detectors: tuple[str, ...] = ("H1", "L1"),
               duration: float = 32.0, cache: bool = True) -> EventStrain:
    """Strain of ``detectors`` for ``duration`` s centred on GWTC event ``name``.

    GW150914 comes through :func:`load_gw150914` (sample or full tier). Any other event needs
    full mode: ``TimeSeries.fetch_open_data(det, gps - duration/2, gps + duration/2)`` from
    GWOSC (cached by gwpy/astropy when ``cache``); reduced mode refuses it in one line.
    """
    from coursekit.config import get_mode

    key = name.strip().upper()
    if key == "GW150914" and duration <= 32.0:
        return load_gw150914(mode)
    if get_mode(mode) != "full":
        raise StrainFileError(f"event {name!r} is fetched from GWOSC in full mode only: rerun with "
                              "COURSEKIT_MODE=full (or --mode full), online")
    gps = event_gps(key)
    from gwpy.timeseries import TimeSeries

    start, end = int(np.floor(gps - duration / 2)), int(np.ceil(gps + duration / 2))
    strain = {}
    for det in detectors:
        try:
            ts = TimeSeries.fetch_open_data(det, start, end, cache=cache)
        except Exception as exc:  # noqa: BLE001 - network and archive errors of many kinds, one line
            raise StrainFileError(f"cannot fetch {det} data for {name} (GPS {start}-{end}) from GWOSC: "
                                  f"{str(exc).splitlines()[0][:100]}; check the network or the event name") from None
        ts.name = f"{det}:Strain"
        strain[det] = ts
    msg = f"data: {key}: real data, full tier (GWOSC open data, {len(detectors)} x {end - start} s, fetched by gwpy)"
    print(msg)
    return EventStrain(key, gps, strain, "full", msg)


def catalogue(path: str | os.PathLike) -> dict:
    """The LOSC tutorial's event table (``BBH_events_v3.json``): ``{event: {tevent, m1, m2, ...}}``."""
    return json.loads(Path(path).read_text())
