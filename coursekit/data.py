"""From ``data_manifest.yaml`` to verified local files, in three tiers.

The manifest lists every data set the course uses. An entry can have

* ``sample``: small real files (a few MB), commit-pinned URLs with ``sha256`` and ``size``;
* ``full``: the complete real data, same schema (``full: sample`` when the sample is the whole set);
* ``reduced``: the offline stand-in, a ``generator`` (``"package.module:function"`` and ``params``) or a
  ``packaged`` file.

:func:`resolve` is the one door: it picks the tier for the current mode and returns a :class:`Resolved`
(reduced mode: the sample when it is cached or can be downloaded within seconds, otherwise the stand-in,
with one printed line saying so; full mode: the full files). Every file is used only after its sha256
matched the manifest, in this process or through a stamp bound to the file's inode and change time that
the current user wrote; a file that does not match is moved aside to ``<file>.corrupt`` and reported.

Downloads (:func:`fetch`) go through pooch into a temporary file next to the target, which enters the
cache only after its checksum matched; they print what and where from, give up when no byte arrives
within ``timeout`` seconds, and leave no ``.part`` file behind. :func:`import_folder` fills the cache
from a folder (a USB stick, a shared drive) by matching sha256, without a network.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import urlparse

import yaml

from coursekit.config import cache_dir, get_mode

#: Manifest shipped inside the package (a link to the repository's top-level file).
MANIFEST_PATH = Path(__file__).with_name("data_manifest.yaml")

_CHUNK = 1 << 20
Tier = Literal["sample", "full", "stand-in"]
TIERS: tuple[str, ...] = ("sample", "full")


class DataError(RuntimeError):
    """Base class for every data-layer failure."""


class UnknownDatasetError(DataError, KeyError):
    """The name is not in the manifest."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0])


class ChecksumError(DataError):
    """A file's sha256 differs from the manifest."""


class OfflineError(DataError):
    """A download was needed but the host could not be reached."""


class ManifestError(DataError, ValueError):
    """The manifest itself is malformed."""


@dataclass(frozen=True)
class RemoteFile:
    url: str
    sha256: str
    size: int
    filename: str  # relative path inside the data set's cache folder (may hold a sub-folder)
    unpack: str | None = None  # "zip", "tar" or None


@dataclass(frozen=True)
class Dataset:
    """One manifest entry. ``files`` is the full tier (the sample's files when ``full: sample``)."""

    name: str
    notebook: str
    description: str
    files: tuple[RemoteFile, ...] = ()
    sample: tuple[RemoteFile, ...] = ()
    licence: str = ""
    citation: str = ""
    reduced: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    full_is_sample: bool = False

    def tier_files(self, tier: str) -> tuple[RemoteFile, ...]:
        if tier == "sample":
            return self.sample
        if tier == "full":
            return self.files
        raise DataError(f"unknown tier {tier!r}: use 'sample' or 'full'")

    @property
    def tiers(self) -> tuple[str, ...]:
        return tuple(t for t in TIERS if self.tier_files(t))

    @property
    def total_size(self) -> int:
        """Bytes of the full tier."""
        return sum(f.size for f in self.files)

    @property
    def sample_size(self) -> int:
        return sum(f.size for f in self.sample)

    @property
    def folder(self) -> Path:
        return cache_dir() / self.name

    def all_files(self) -> tuple[RemoteFile, ...]:
        """Every distinct file of every tier."""
        seen: dict[str, RemoteFile] = {}
        for rf in (*self.sample, *self.files):
            seen.setdefault(rf.filename, rf)
        return tuple(seen.values())

    def is_cached(self, tier: str = "full") -> bool:
        """True when every file of ``tier`` is in the cache and matches its sha256."""
        files = self.tier_files(tier)
        return bool(files) and all(file_state(self.folder / f.filename, f.sha256) == "ok" for f in files)


# --------------------------------------------------------------------------- manifest

_REQUIRED_TOP = {"notebook", "description"}
_SHA = set("0123456789abcdef")


def _parse_files(name: str, section: str, files: Any) -> tuple[RemoteFile, ...]:
    if not isinstance(files, list) or not files:
        raise ManifestError(f"manifest entry {name!r}: {section}.files must be a non-empty list")
    out: list[RemoteFile] = []
    for i, f in enumerate(files):
        where = f"manifest entry {name!r}, {section} file {i}"
        if not isinstance(f, dict):
            raise ManifestError(f"{where} must be a mapping")
        for key in ("url", "sha256", "size"):
            if key not in f:
                raise ManifestError(f"{where} lacks {key!r}")
        url = str(f["url"])
        if urlparse(url).scheme not in {"http", "https", "ftp"}:
            raise ManifestError(f"{where}: url {url!r} is not http(s)/ftp")
        sha = str(f["sha256"]).lower()
        if len(sha) != 64 or not set(sha) <= _SHA:
            raise ManifestError(f"{where}: sha256 {f['sha256']!r} is not 64 hex digits")
        size = f["size"]
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise ManifestError(f"{where}: size must be a positive number of bytes, got {size!r}")
        unpack = f.get("unpack")
        if unpack not in (None, "zip", "tar"):
            raise ManifestError(f"{where}: unpack must be zip, tar or absent, got {unpack!r}")
        filename = str(f.get("filename") or Path(urlparse(url).path).name)
        parts = PurePosixPath(filename).parts
        if not parts or filename.startswith("/") or ".." in parts:
            raise ManifestError(f"{where}: filename {filename!r} must be a relative path inside the data set's folder")
        out.append(RemoteFile(url=url, sha256=sha, size=size, filename=filename, unpack=unpack))
    return tuple(out)


def _validate_entry(name: str, entry: Any) -> Dataset:
    if not isinstance(entry, dict):
        raise ManifestError(f"manifest entry {name!r} must be a mapping, got {type(entry).__name__}")
    missing = _REQUIRED_TOP - entry.keys()
    if missing:
        raise ManifestError(f"manifest entry {name!r} lacks {sorted(missing)}")
    sample_sec, full_sec, reduced = entry.get("sample"), entry.get("full"), entry.get("reduced")
    if not (sample_sec or full_sec or reduced):
        raise ManifestError(f"manifest entry {name!r} needs a 'sample', 'full' or 'reduced' section")
    licence, citation = entry.get("licence"), entry.get("citation")
    sample: tuple[RemoteFile, ...] = ()
    if sample_sec:
        if not isinstance(sample_sec, dict) or "files" not in sample_sec:
            raise ManifestError(f"manifest entry {name!r}: sample needs 'files'")
        sample = _parse_files(name, "sample", sample_sec["files"])
    files: tuple[RemoteFile, ...] = ()
    full_is_sample = False
    if full_sec == "sample":
        if not sample:
            raise ManifestError(f"manifest entry {name!r}: 'full: sample' but there is no sample section")
        files, full_is_sample = sample, True
    elif full_sec:
        if not isinstance(full_sec, dict) or "files" not in full_sec:
            raise ManifestError(f"manifest entry {name!r}: full section lacks 'files'")
        licence = full_sec.get("licence", licence)
        citation = full_sec.get("citation", citation)
        files = _parse_files(name, "full", full_sec["files"])
    if (sample or files) and (not licence or not citation):
        raise ManifestError(f"manifest entry {name!r}: real data need a 'licence' and a 'citation'")
    if reduced:
        if not isinstance(reduced, dict) or not ({"generator", "packaged"} & reduced.keys()):
            raise ManifestError(f"manifest entry {name!r}: reduced needs 'generator' or 'packaged'")
        gen = reduced.get("generator")
        if gen is not None and (not isinstance(gen, str) or ":" not in gen):
            raise ManifestError(
                f"manifest entry {name!r}: reduced.generator must look like 'package.module:function'"
            )
    known = {"notebook", "description", "full", "sample", "reduced", "licence", "citation"}
    return Dataset(
        name=name,
        notebook=str(entry["notebook"]),
        description=str(entry["description"]).strip(),
        files=files,
        sample=sample,
        licence=str(licence or ""),
        citation=str(citation or ""),
        reduced=dict(reduced or {}),
        extra={k: v for k, v in entry.items() if k not in known},
        full_is_sample=full_is_sample,
    )


def load_manifest(path: str | os.PathLike | None = None) -> dict[str, Dataset]:
    """Read and validate the manifest; return ``{name: Dataset}``.

    Raises ``ManifestError`` naming the entry and field that is wrong.
    """
    p = Path(path) if path is not None else MANIFEST_PATH
    try:
        raw = yaml.safe_load(p.read_text())
    except FileNotFoundError as exc:
        raise ManifestError(f"data manifest not found at {p}") from exc
    except yaml.YAMLError as exc:
        raise ManifestError(f"data manifest {p} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or "datasets" not in raw or not isinstance(raw["datasets"], dict):
        raise ManifestError(f"data manifest {p} must have a top-level 'datasets' mapping")
    return {name: _validate_entry(name, entry) for name, entry in raw["datasets"].items()}


@lru_cache(maxsize=1)
def _default_manifest() -> dict[str, Dataset]:
    return load_manifest()


def get_dataset(name: str, manifest: dict[str, Dataset] | None = None) -> Dataset:
    """Look up a manifest entry by name, with a helpful error for typos."""
    datasets = manifest if manifest is not None else _default_manifest()
    if name not in datasets:
        import difflib

        close = difflib.get_close_matches(name, datasets, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownDatasetError(
            f"Unknown dataset {name!r}.{hint} Known: {', '.join(sorted(datasets))}. "
            "List them with `python -m coursekit data list`."
        )
    return datasets[name]


def list_datasets(manifest: dict[str, Dataset] | None = None) -> list[Dataset]:
    datasets = manifest if manifest is not None else _default_manifest()
    return sorted(datasets.values(), key=lambda d: (d.notebook, d.name))


# --------------------------------------------------------------------------- checking bytes

def sha256sum(path: str | os.PathLike) -> str:
    """sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


#: Files hashed in this process: absolute path -> (inode, size, mtime_ns, ctime_ns, sha256).
_VERIFIED: dict[str, tuple[int, int, int, int, str]] = {}


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp_trusted(path: Path, ident: tuple[int, int, int, int], sha256: str) -> bool:
    """A stamp counts only if this user wrote it, nobody else can change it, and it names this very inode
    with its current change time (which no edit, ``touch`` or copy can keep)."""
    stamp = _stamp_path(path)
    try:
        st = stamp.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            return False
        rec = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    return rec == {"inode": ident[0], "size": ident[1], "mtime_ns": ident[2], "ctime_ns": ident[3], "sha256": sha256}


def _write_stamp(path: Path, ident: tuple[int, int, int, int], sha256: str) -> None:
    """Best effort: a read-only cache simply gets no stamp (and is re-hashed once per process)."""
    rec = {"inode": ident[0], "size": ident[1], "mtime_ns": ident[2], "ctime_ns": ident[3], "sha256": sha256}
    try:
        _atomic_write_text(_stamp_path(path), json.dumps(rec))
    except OSError:
        pass


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def file_state(path: Path, sha256: str) -> Literal["ok", "missing", "MISMATCH"]:
    """``"ok"`` only when the bytes of ``path`` hash to ``sha256`` (hashed once per process and file)."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    if not path.is_file():
        return "MISMATCH"
    ident = _identity(st)
    key = str(path.resolve())
    if _VERIFIED.get(key) == (*ident, sha256):
        return "ok"
    if _stamp_trusted(path, ident, sha256) or sha256sum(path) == sha256:
        _VERIFIED[key] = (*ident, sha256)
        _write_stamp(path, ident, sha256)
        return "ok"
    _VERIFIED.pop(key, None)
    return "MISMATCH"


def _verified(path: Path, sha256: str) -> bool:
    return file_state(path, sha256) == "ok"


def _quarantine(ds: Dataset, path: Path) -> Path:
    """Move a file whose bytes do not match aside (never delete it) and say so."""
    aside = path.with_name(path.name + ".corrupt")
    try:
        os.replace(path, aside)
        _stamp_path(path).unlink(missing_ok=True)
    except OSError as exc:
        raise ChecksumError(
            f"{path} (dataset {ds.name!r}) does not match its sha256 in the manifest and the cache is not "
            f"writable ({exc.strerror}): ask whoever manages {path.parent} to replace it, or point "
            "COURSEKIT_DATA_DIR at a cache of your own."
        ) from exc
    print(f"coursekit: {path.name} of {ds.name!r} did not match its sha256; moved aside to {aside.name}",
          file=sys.stderr)
    return aside


def tier_state(ds: Dataset, tier: str) -> dict[str, str]:
    """``{filename: 'ok'|'missing'|'MISMATCH'}`` for every file of ``tier``."""
    return {rf.filename: file_state(ds.folder / rf.filename, rf.sha256) for rf in ds.tier_files(tier)}


def summarize_state(states: dict[str, str]) -> str:
    """One word for a tier: ``complete``, ``partial k/n``, ``corrupt``, ``absent`` or ``-`` (no such tier)."""
    if not states:
        return "-"
    values = list(states.values())
    if "MISMATCH" in values:
        return "corrupt"
    ok = values.count("ok")
    if ok == len(values):
        return "complete"
    return f"partial {ok}/{len(values)}" if ok else "absent"


# --------------------------------------------------------------------------- network

def offline() -> bool:
    """``COURSEKIT_OFFLINE=1`` forbids every download (tests, air-gapped classrooms)."""
    from coursekit.config import env_flag

    return env_flag("COURSEKIT_OFFLINE", False)


def host_reachable(url: str, timeout: float = 3.0) -> bool:
    """Quick TCP check that the host of ``url`` answers, so offline runs fail in seconds."""
    if offline():
        return False
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 21 if parsed.scheme == "ftp" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def _offline_message(ds: Dataset, rf: RemoteFile, reason: str) -> str:
    return (
        f"cannot download {ds.name!r} ({rf.filename}, {rf.size / 1e6:.1f} MB) from {rf.url}: {reason}. "
        f"Online: `python -m coursekit data fetch {ds.name}`; offline: copy the files and run "
        "`python -m coursekit data import FOLDER` (or point COURSEKIT_DATA_DIR at a shared cache); "
        "or run in reduced mode (COURSEKIT_MODE=reduced)."
    )


def _default_downloader(url: str, dest: Path, timeout: float) -> None:
    """Stream ``url`` into ``dest`` (which the caller later verifies and moves).

    ``timeout`` is the socket timeout: the download gives up when no byte arrives for that long.
    """
    import pooch

    from coursekit.config import show_progress

    cls = pooch.HTTPDownloader if url.startswith("http") else pooch.FTPDownloader
    cls(timeout=timeout, progressbar=show_progress())(url, str(dest), None)


Downloader = Callable[[str, Path, float], None]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_partial_downloads(folder: Path) -> list[Path]:
    """Remove ``.<file>.part-PID`` leftovers of downloads whose process is gone (e.g. killed)."""
    removed = []
    if not folder.is_dir():
        return removed
    for p in folder.rglob(".*.part-*"):
        try:
            pid = int(p.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        if pid == os.getpid() or not _pid_alive(pid):
            try:
                p.unlink()
                removed.append(p)
            except OSError:
                pass
    return removed


def _is_timeout(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, (TimeoutError, socket.timeout)) or "timed out" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _download_verified(
    ds: Dataset,
    rf: RemoteFile,
    target: Path,
    *,
    downloader: Downloader,
    retries: int,
    timeout: float,
    check_host: bool,
) -> None:
    if check_host and not host_reachable(rf.url):
        why = "downloads are off (COURSEKIT_OFFLINE=1)" if offline() else "the host is unreachable (no network?)"
        raise OfflineError(_offline_message(ds, rf, why))
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_partial_downloads(target.parent)
    print(f"coursekit: downloading {ds.name}/{rf.filename} ({rf.size / 1e6:.1f} MB) from {rf.url}", file=sys.stderr)
    last_error: Exception | None = None
    for attempt in range(1, retries + 1):
        tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
        try:
            downloader(rf.url, tmp, timeout)
            got = sha256sum(tmp)
            if got != rf.sha256:
                raise ChecksumError(
                    f"checksum mismatch for {ds.name!r} file {rf.filename} from {rf.url}: expected sha256 "
                    f"{rf.sha256}, got {got}; the download was discarded (if the upstream file changed, the "
                    "manifest needs updating)."
                )
            os.replace(tmp, target)
            file_state(target, rf.sha256)
            return
        except ChecksumError:
            raise
        except Exception as exc:  # network hiccup: retry with back-off, but never wait twice on silence
            last_error = exc
            if _is_timeout(exc):
                raise OfflineError(
                    _offline_message(ds, rf, f"no data arrived within {timeout:.0f} s")
                ) from exc
            if attempt < retries:
                time.sleep(min(2.0 ** attempt, 10.0))
        finally:
            tmp.unlink(missing_ok=True)
    raise OfflineError(_offline_message(ds, rf, f"{retries} attempts failed, last error: {last_error}"))


def _unpack(path: Path, kind: str, dest: Path) -> None:
    import tempfile

    marker = dest / ".unpacked"
    if marker.exists():
        return
    tmpdir = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}-unpack-"))
    try:
        shutil.unpack_archive(str(path), str(tmpdir), format="zip" if kind == "zip" else "tar")
        dest.mkdir(parents=True, exist_ok=True)
        for item in tmpdir.iterdir():
            os.replace(item, dest / item.name)
        marker.write_text(path.name)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _maybe_unpacked(target: Path, rf: RemoteFile) -> Path:
    if rf.unpack is None:
        return target
    dest = target.with_name(target.name + ".unpacked")
    _unpack(target, rf.unpack, dest)
    return dest


def fetch(
    name: str,
    *,
    tier: str = "full",
    manifest: dict[str, Dataset] | None = None,
    downloader: Downloader | None = None,
    retries: int = 2,
    timeout: float = 15.0,
    check_host: bool = True,
) -> list[Path]:
    """Return the verified local paths of one tier of a data set, downloading what is missing.

    Files already in the cache are used only when their sha256 matches; a file that does not match is moved
    aside to ``<file>.corrupt`` (kept, not deleted) and downloaded again.

    Raises
    ------
    UnknownDatasetError, OfflineError, ChecksumError, DataError (no such tier)
    """
    ds = get_dataset(name, manifest)
    files = ds.tier_files(tier)
    if not files:
        where = ds.reduced.get("generator") or ds.reduced.get("packaged")
        raise DataError(
            f"dataset {name!r} has no {tier}-tier files"
            + (f": it is generated locally in reduced mode ({where})." if where else ".")
        )
    downloader = downloader or _default_downloader
    paths = []
    for rf in files:
        target = ds.folder / rf.filename
        state = file_state(target, rf.sha256)
        if state == "ok":
            paths.append(_maybe_unpacked(target, rf))
            continue
        if state == "MISMATCH":
            _quarantine(ds, target)
        _download_verified(
            ds, rf, target, downloader=downloader, retries=retries, timeout=timeout, check_host=check_host
        )
        paths.append(_maybe_unpacked(target, rf))
    return paths


def verify(name: str, manifest: dict[str, Dataset] | None = None, *, rehash: bool = True) -> dict[str, str]:
    """Check every file of every tier of ``name``: ``{filename: 'ok'|'missing'|'MISMATCH'}``.

    ``rehash`` (default) ignores stamps and what this process already checked, and reads every byte.
    """
    ds = get_dataset(name, manifest)
    out = {}
    for rf in ds.all_files():
        p = ds.folder / rf.filename
        if rehash:
            _VERIFIED.pop(str(p.resolve()), None)
            if p.exists() and _stamp_path(p).exists():
                try:
                    _stamp_path(p).unlink()
                except OSError:
                    pass
            if p.is_file():
                ok = sha256sum(p) == rf.sha256
                out[rf.filename] = "ok" if ok else "MISMATCH"
                if ok:
                    file_state(p, rf.sha256)
                continue
        out[rf.filename] = file_state(p, rf.sha256)
    return out


# --------------------------------------------------------------------------- importing a folder

@dataclass
class ImportReport:
    """What :func:`import_folder` did: per data set and tier, files present out of files needed."""

    copied: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    scanned: int = 0
    tiers: dict[str, dict[str, str]] = field(default_factory=dict)  # {dataset: {tier: summarize_state}}

    @property
    def matched(self) -> int:
        return len(self.copied) + len(self.already)


def _copy_atomic(src: Path, target: Path, sha256: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
    try:
        shutil.copyfile(src, tmp)
        if sha256sum(tmp) != sha256:  # the source changed under us
            raise ChecksumError(f"{src} changed while it was being copied; run the import again")
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def import_folder(
    folder: str | os.PathLike,
    manifest: dict[str, Dataset] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Copy every file under ``folder`` whose sha256 is a manifest file's into the cache.

    Files are matched by content, not by name (so a renamed copy is found), copied atomically, and never
    modified at the source. Only files whose size equals a manifest file's size are hashed.
    """
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise DataError(f"{root} is not a folder: give the folder that holds the data files (e.g. a USB stick)")
    datasets = list_datasets(manifest)
    wanted: dict[tuple[int, str], list[tuple[Dataset, RemoteFile]]] = {}
    sizes: set[int] = set()
    for ds in datasets:
        for rf in ds.all_files():
            wanted.setdefault((rf.size, rf.sha256), []).append((ds, rf))
            sizes.add(rf.size)
    report = ImportReport()
    touched: set[str] = set()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.endswith((".part", ".corrupt", ".verified")):
            continue
        report.scanned += 1
        size = path.stat().st_size
        if size not in sizes:
            continue
        sha = sha256sum(path)
        for ds, rf in wanted.get((size, sha), []):
            target = ds.folder / rf.filename
            touched.add(ds.name)
            if file_state(target, rf.sha256) == "ok":
                report.already.append(f"{ds.name}/{rf.filename}")
                continue
            if target.exists():
                _quarantine(ds, target)
            _copy_atomic(path, target, rf.sha256)
            file_state(target, rf.sha256)
            report.copied.append(f"{ds.name}/{rf.filename}")
            if progress:
                progress(f"{ds.name}/{rf.filename}")
    for ds in datasets:
        if ds.name in touched:
            report.tiers[ds.name] = {t: summarize_state(tier_state(ds, t)) for t in ds.tiers}
    return report


# --------------------------------------------------------------------------- resolution

@dataclass(frozen=True)
class Resolved:
    """A data set resolved for a mode: which tier, and the verified files of that tier.

    ``paths`` is empty for the stand-in; the topic's ``data`` module then calls its simulator.
    """

    name: str
    tier: Tier
    paths: tuple[Path, ...]
    folder: Path | None
    message: str
    manifest: dict[str, Dataset] | None = field(default=None, repr=False, compare=False)

    @property
    def is_real(self) -> bool:
        return self.tier != "stand-in"

    def path(self, filename: str) -> Path:
        """The verified file called ``filename`` (its name or its relative path in the manifest)."""
        for p in self.paths:
            if self.folder is not None and (p.name == filename or p.relative_to(self.folder).as_posix() == filename):
                return p
        if not self.is_real:
            raise DataError(f"{self.name!r} resolved to the stand-in, which has no file {filename!r}")
        raise DataError(f"{self.name!r} ({self.tier} tier) has no file {filename!r}; it has "
                        f"{', '.join(p.name for p in self.paths[:5])}{'...' if len(self.paths) > 5 else ''}")

    def generate(self, **overrides: Any) -> Any:
        """Call the manifest's stand-in generator (``overrides`` replace its parameters)."""
        return generate(self.name, self.manifest, **overrides)


def _how_to_get(ds: Dataset) -> str:
    return (f"for the real sample run `python -m coursekit data fetch {ds.name} --tier sample` online, "
            "or `python -m coursekit data import FOLDER` from a copy")


def resolve(
    name: str,
    *,
    mode: str | None = None,
    manifest: dict[str, Dataset] | None = None,
    download: bool | None = None,
    timeout: float = 15.0,
    verbose: bool = True,
    downloader: Downloader | None = None,
) -> Resolved:
    """Resolve data set ``name`` for the current mode (see the module docstring) and say which tier in one line.

    reduced
        the ``sample`` tier when it is cached (sha256-checked) or can be downloaded now (``download``:
        default unless ``COURSEKIT_OFFLINE=1``; a host that does not answer within 3 s counts as offline);
        otherwise the stand-in.
    full
        the ``full`` tier (the sample when the manifest has no full tier); raises ``OfflineError`` with what
        to do when it cannot be had. A data set with no real tier at all resolves to its stand-in.
    """
    ds = get_dataset(name, manifest)
    mode = get_mode(mode)
    if download is None:
        download = not offline()
    real_tier = ("full" if ds.files else "sample" if ds.sample else None) if mode == "full" else (
        "sample" if ds.sample else None)
    reason = ""
    if real_tier is not None:
        files = ds.tier_files(real_tier)
        states = tier_state(ds, real_tier)
        for rf in files:  # a file that does not match is moved aside, never trusted and never lost
            if states[rf.filename] == "MISMATCH":
                try:
                    _quarantine(ds, ds.folder / rf.filename)
                except ChecksumError as exc:
                    if mode == "full":
                        raise
                    reason = str(exc)
        complete = all(s == "ok" for s in states.values())
        if complete or (download and host_reachable(files[0].url)) or mode == "full":
            try:
                paths = fetch(name, tier=real_tier, manifest=manifest, timeout=timeout, downloader=downloader,
                              check_host=not complete)
            except OfflineError:
                if mode == "full":
                    raise
                reason = reason or "the download failed"
            else:
                tier: Tier = "full" if mode == "full" else "sample"
                size = sum(rf.size for rf in files) / 1e6
                msg = (f"data: {name}: real data, {tier} tier ({len(paths)} file{'s' * (len(paths) != 1)}, "
                       f"{size:.1f} MB, sha256-verified) in {ds.folder}")
                if verbose:
                    print(msg)
                return Resolved(name, tier, tuple(paths), ds.folder, msg, manifest)
        else:
            have = sum(s == "ok" for s in states.values())
            reason = reason or (f"the sample is not in the cache ({have}/{len(files)} files)"
                                + (" and downloads are off" if not download else " and its host is unreachable"))
        msg = f"data: {name}: simulated stand-in ({reason}); {_how_to_get(ds)}."
    else:
        msg = f"data: {name}: simulated stand-in (this data set has no real {'' if mode == 'full' else 'sample '}tier)."
    if verbose:  # the topic's data module builds the stand-in (its simulator, or the manifest generator)
        print(msg)
    return Resolved(name, "stand-in", (), None, msg, manifest)


# --------------------------------------------------------------------------- reduced mode

def resolve_callable(dotted: str) -> Callable[..., Any]:
    """Import ``"package.module:function"`` and return the function."""
    module_name, _, attr = dotted.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise DataError(f"cannot import generator module {module_name!r}: {exc}") from exc
    try:
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError as exc:
        raise DataError(f"{module_name!r} has no attribute {attr!r}") from exc
    return obj


def generate(name: str, manifest: dict[str, Dataset] | None = None, **overrides: Any) -> Any:
    """Make the reduced-mode stand-in for ``name`` by calling its manifest generator.

    ``overrides`` replace manifest parameters (e.g. ``n=200`` in a test).
    """
    ds = get_dataset(name, manifest)
    gen = ds.reduced.get("generator")
    if gen:
        params = {**(ds.reduced.get("params") or {}), **overrides}
        return resolve_callable(gen)(**params)
    packaged = ds.reduced.get("packaged")
    if packaged:
        path = Path(__file__).parent / packaged
        if not path.exists():
            raise DataError(f"packaged file {packaged!r} for {name!r} is missing from the installation")
        return path
    raise DataError(f"dataset {name!r} has no reduced-mode recipe; run with COURSEKIT_MODE=full")
