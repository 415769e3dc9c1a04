"""From ``data_manifest.yaml`` to verified local files.

The manifest lists every data set the course uses, per notebook. Each entry has

* ``full``: the real data: one or more files, each with ``url``, ``sha256`` and
  ``size`` (bytes), plus ``licence`` and ``citation`` for the set;
* ``reduced``: how the small offline stand-in is made: a ``generator``
  (``"package.module:function"`` and ``params``) or a ``packaged`` file.

:func:`fetch` downloads full-mode files once with pooch into :func:`cache_dir`,
checks their sha256, retries transient failures and gives up quickly when
there is no network, with a message that says how to pre-fetch. A download
is written to a temporary file and only moved into the cache after its
checksum matches, so a failed or corrupt download never leaves a bad file
behind and never replaces a good one.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from coursekit.config import cache_dir

#: Manifest shipped inside the package (a link to the repository's top-level file).
MANIFEST_PATH = Path(__file__).with_name("data_manifest.yaml")

_CHUNK = 1 << 20


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
    filename: str
    unpack: str | None = None  # "zip", "tar" or None


@dataclass(frozen=True)
class Dataset:
    """One manifest entry."""

    name: str
    notebook: str
    description: str
    files: tuple[RemoteFile, ...] = ()
    licence: str = ""
    citation: str = ""
    reduced: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def folder(self) -> Path:
        return cache_dir() / self.name

    def is_cached(self) -> bool:
        return bool(self.files) and all((self.folder / f.filename).exists() for f in self.files)


# --------------------------------------------------------------------------- manifest

_REQUIRED_TOP = {"notebook", "description"}
_SHA = set("0123456789abcdef")


def _validate_entry(name: str, entry: Any) -> Dataset:
    if not isinstance(entry, dict):
        raise ManifestError(f"manifest entry {name!r} must be a mapping, got {type(entry).__name__}")
    missing = _REQUIRED_TOP - entry.keys()
    if missing:
        raise ManifestError(f"manifest entry {name!r} lacks {sorted(missing)}")
    full = entry.get("full")
    reduced = entry.get("reduced")
    if not full and not reduced:
        raise ManifestError(f"manifest entry {name!r} needs a 'full' or a 'reduced' section (or both)")
    files: list[RemoteFile] = []
    licence = citation = ""
    if full:
        for key in ("files", "licence", "citation"):
            if key not in full:
                raise ManifestError(f"manifest entry {name!r}: full section lacks {key!r}")
        licence, citation = str(full["licence"]), str(full["citation"])
        if not full["files"]:
            raise ManifestError(f"manifest entry {name!r}: full.files is empty")
        for i, f in enumerate(full["files"]):
            where = f"manifest entry {name!r}, file {i}"
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
            if not isinstance(size, int) or size <= 0:
                raise ManifestError(f"{where}: size must be a positive number of bytes, got {size!r}")
            unpack = f.get("unpack")
            if unpack not in (None, "zip", "tar"):
                raise ManifestError(f"{where}: unpack must be zip, tar or absent, got {unpack!r}")
            filename = f.get("filename") or Path(urlparse(url).path).name
            files.append(RemoteFile(url=url, sha256=sha, size=size, filename=filename, unpack=unpack))
    if reduced:
        if not isinstance(reduced, dict) or not ({"generator", "packaged"} & reduced.keys()):
            raise ManifestError(f"manifest entry {name!r}: reduced needs 'generator' or 'packaged'")
        gen = reduced.get("generator")
        if gen is not None and (not isinstance(gen, str) or ":" not in gen):
            raise ManifestError(
                f"manifest entry {name!r}: reduced.generator must look like 'package.module:function'"
            )
    extra = {k: v for k, v in entry.items() if k not in {"notebook", "description", "full", "reduced"}}
    return Dataset(
        name=name,
        notebook=str(entry["notebook"]),
        description=str(entry["description"]).strip(),
        files=tuple(files),
        licence=licence,
        citation=citation,
        reduced=dict(reduced or {}),
        extra=extra,
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


# --------------------------------------------------------------------------- hashing

def sha256sum(path: str | os.PathLike) -> str:
    """sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _verified(path: Path, sha256: str) -> bool:
    """True if ``path`` matches ``sha256``; a stamp (size, mtime, hash) avoids re-hashing big files."""
    stamp = _stamp_path(path)
    st = path.stat()
    if stamp.exists():
        try:
            rec = json.loads(stamp.read_text())
            if rec == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}:
                return True
        except (OSError, ValueError):
            pass
    if sha256sum(path) != sha256:
        return False
    _atomic_write_text(stamp, json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}))
    return True


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- network

def host_reachable(url: str, timeout: float = 3.0) -> bool:
    """Quick TCP check that the host of ``url`` answers, so offline runs fail in seconds."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 21 if parsed.scheme == "ftp" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def _offline_message(ds: Dataset, rf: RemoteFile, reason: str) -> str:
    return (
        f"Cannot download dataset {ds.name!r} ({rf.filename}, {rf.size / 1e6:.1f} MB) from {rf.url}: {reason}.\n"
        f"  * Check your network, or run in reduced mode (COURSEKIT_MODE=reduced), which needs no download.\n"
        f"  * To pre-fetch on a machine with network: `python -m coursekit data fetch {ds.name}`, then copy "
        f"{cache_dir() / ds.name} to the same place here (or point COURSEKIT_DATA_DIR at a shared cache).\n"
        f"  * Or download the URL by hand into {ds.folder}/{rf.filename}; it is checked against sha256 {rf.sha256[:12]}…"
    )


def _default_downloader(url: str, dest: Path, timeout: float) -> None:
    """Stream ``url`` into ``dest`` (which the caller later verifies and moves)."""
    import pooch

    downloader = pooch.HTTPDownloader(timeout=timeout, progressbar=_progress_enabled()) if url.startswith(
        "http"
    ) else pooch.FTPDownloader(timeout=timeout, progressbar=_progress_enabled())
    downloader(url, str(dest), None)


def _progress_enabled() -> bool:
    from coursekit.config import show_progress

    try:
        import tqdm  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return show_progress()


Downloader = Callable[[str, Path, float], None]


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
        raise OfflineError(_offline_message(ds, rf, "the host is unreachable (no network?)"))
    target.parent.mkdir(parents=True, exist_ok=True)
    last_error: Exception | None = None
    for attempt in range(1, retries + 1):
        tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
        try:
            downloader(rf.url, tmp, timeout)
            got = sha256sum(tmp)
            if got != rf.sha256:
                raise ChecksumError(
                    f"Checksum mismatch for {ds.name!r} file {rf.filename} from {rf.url}: "
                    f"expected sha256 {rf.sha256}, got {got}. The download was discarded; "
                    "if the upstream file changed, the manifest needs updating."
                )
            os.replace(tmp, target)
            _verified(target, rf.sha256)
            return
        except ChecksumError:
            raise
        except Exception as exc:  # network hiccup: retry with back-off
            last_error = exc
            if attempt < retries:
                time.sleep(min(2.0 ** attempt, 10.0))
        finally:
            if tmp.exists():
                tmp.unlink()
    raise OfflineError(_offline_message(ds, rf, f"{retries} attempts failed, last error: {last_error}"))


def _unpack(path: Path, kind: str, dest: Path) -> None:
    import shutil
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


def fetch(
    name: str,
    *,
    manifest: dict[str, Dataset] | None = None,
    downloader: Downloader | None = None,
    retries: int = 3,
    timeout: float = 30.0,
    check_host: bool = True,
) -> list[Path]:
    """Return local paths of a full-mode data set, downloading and verifying what is missing.

    Parameters
    ----------
    name:
        Manifest key, e.g. ``"gw150914_strain"``.
    retries, timeout:
        Download attempts per file and socket timeout in seconds.

    Files already in the cache are checked against their sha256 (once; a stamp
    remembers the result) and reused without any network access. A cached file
    whose checksum no longer matches is moved aside to ``<file>.corrupt`` (kept,
    not deleted) and downloaded again.

    Raises
    ------
    UnknownDatasetError, OfflineError, ChecksumError
    """
    ds = get_dataset(name, manifest)
    if not ds.files:
        raise DataError(
            f"Dataset {name!r} has no full-mode files: it is generated locally in reduced mode "
            f"({ds.reduced.get('generator') or ds.reduced.get('packaged')})."
        )
    downloader = downloader or _default_downloader
    paths = []
    for rf in ds.files:
        target = ds.folder / rf.filename
        if target.exists():
            if _verified(target, rf.sha256):
                paths.append(_maybe_unpacked(target, rf))
                continue
            aside = target.with_name(target.name + ".corrupt")
            os.replace(target, aside)
            _stamp_path(target).unlink(missing_ok=True)
        _download_verified(
            ds, rf, target, downloader=downloader, retries=retries, timeout=timeout, check_host=check_host
        )
        paths.append(_maybe_unpacked(target, rf))
    return paths


def _maybe_unpacked(target: Path, rf: RemoteFile) -> Path:
    if rf.unpack is None:
        return target
    dest = target.with_name(target.name + ".unpacked")
    _unpack(target, rf.unpack, dest)
    return dest


def verify(name: str, manifest: dict[str, Dataset] | None = None) -> dict[str, str]:
    """Re-hash every cached file of ``name``; return ``{filename: 'ok'|'missing'|'MISMATCH'}``."""
    ds = get_dataset(name, manifest)
    out = {}
    for rf in ds.files:
        p = ds.folder / rf.filename
        if not p.exists():
            out[rf.filename] = "missing"
        else:
            _stamp_path(p).unlink(missing_ok=True)
            out[rf.filename] = "ok" if _verified(p, rf.sha256) else "MISMATCH"
    return out


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


# --------------------------------------------------------------------------- shared real samples

def shared_real_dir() -> Path | None:
    """The folder of real validation samples (``../shared/data/real`` beside a course checkout), if present.

    ``$COURSEKIT_SHARED_DIR`` overrides the search. Returns ``None`` on a
    student's machine, where it does not exist.
    """
    env = os.environ.get("COURSEKIT_SHARED_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parent
    candidates += [here.parent.parent / "shared" / "data" / "real", Path.cwd().parent / "shared" / "data" / "real"]
    for c in candidates:
        if c.is_dir():
            return c
    return None
