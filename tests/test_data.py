"""The data layer: manifest schema, fetch with checksum, corrupt/partial downloads, offline failure, cache reuse."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
import yaml

from coursekit import data
from coursekit.data import (
    ChecksumError,
    DataError,
    ManifestError,
    OfflineError,
    UnknownDatasetError,
    fetch,
    generate,
    get_dataset,
    load_manifest,
    sha256sum,
)

PAYLOAD = b"strain data, honestly\n" * 1000
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()
ROOT = Path(__file__).resolve().parents[1]


def _manifest(tmp_path: Path, sha: str = PAYLOAD_SHA, url: str = "https://example.invalid/files/strain.bin"):
    text = yaml.safe_dump(
        {
            "version": 1,
            "datasets": {
                "toy": {
                    "notebook": "04",
                    "description": "toy",
                    "full": {
                        "licence": "CC0",
                        "citation": "nobody",
                        "files": [{"url": url, "sha256": sha, "size": len(PAYLOAD)}],
                    },
                }
            },
        }
    )
    path = tmp_path / "manifest.yaml"
    path.write_text(text)
    return load_manifest(path)


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path / "cache"))


class FakeDownloader:
    """Writes ``payload`` to the destination, optionally failing the first ``fail`` calls."""

    def __init__(self, payload: bytes = PAYLOAD, fail: int = 0, partial: bool = False):
        self.payload, self.fail, self.partial, self.calls = payload, fail, partial, 0

    def __call__(self, url: str, dest: Path, timeout: float) -> None:
        self.calls += 1
        if self.partial:
            dest.write_bytes(self.payload[: len(self.payload) // 3])
            raise ConnectionResetError("connection reset mid-download")
        if self.calls <= self.fail:
            raise TimeoutError("read timed out")
        dest.write_bytes(self.payload)


# --------------------------------------------------------------------------- manifest schema

def test_repository_manifest_is_valid_and_complete():
    manifest = load_manifest(ROOT / "data_manifest.yaml")
    assert manifest, "manifest is empty"
    for ds in manifest.values():
        assert ds.notebook in {f"0{i}" for i in range(1, 9)}, ds.name
        if ds.files:
            assert ds.licence and ds.citation, ds.name
            assert all(f.size > 0 and len(f.sha256) == 64 for f in ds.files)
        if ds.reduced.get("generator"):
            assert callable(data.resolve_callable(ds.reduced["generator"])), ds.name


def test_packaged_manifest_is_the_repository_manifest():
    assert data.MANIFEST_PATH.read_bytes() == (ROOT / "data_manifest.yaml").read_bytes()


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda e: e.pop("notebook"), "lacks"),
        (lambda e: e["full"]["files"][0].update(sha256="abc"), "64 hex"),
        (lambda e: e["full"]["files"][0].update(size=0), "positive number of bytes"),
        (lambda e: e["full"]["files"][0].update(url="file:///etc/passwd"), "not http"),
        (lambda e: e["full"].pop("licence"), "licence"),
        (lambda e: e.update(reduced={"generator": "no_colon"}), "package.module:function"),
    ],
)
def test_manifest_schema_rejects_bad_entries(tmp_path, mutate, match):
    entry = {
        "notebook": "04",
        "description": "x",
        "full": {"licence": "l", "citation": "c", "files": [{"url": "https://a/b", "sha256": "a" * 64, "size": 3}]},
    }
    mutate(entry)
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({"datasets": {"bad": entry}}))
    with pytest.raises(ManifestError, match=match):
        load_manifest(path)


def test_manifest_not_yaml(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("datasets: [unclosed")
    with pytest.raises(ManifestError, match="not valid YAML"):
        load_manifest(path)


def test_unknown_dataset_suggests_close_names(tmp_path):
    manifest = _manifest(tmp_path)
    with pytest.raises(UnknownDatasetError, match="Did you mean toy"):
        get_dataset("tyo", manifest)


# --------------------------------------------------------------------------- fetch

def test_fetch_downloads_verifies_and_reuses_cache_offline(tmp_path, no_network):
    manifest = _manifest(tmp_path)
    dl = FakeDownloader()
    (path,) = fetch("toy", manifest=manifest, downloader=dl, check_host=False)
    assert path.read_bytes() == PAYLOAD and dl.calls == 1
    # second call: no download, even though the network is gone
    (again,) = fetch("toy", manifest=manifest, downloader=dl)
    assert again == path and dl.calls == 1


def test_checksum_mismatch_leaves_no_file(tmp_path):
    manifest = _manifest(tmp_path)
    dl = FakeDownloader(payload=b"tampered" * 10)
    with pytest.raises(ChecksumError, match="expected sha256"):
        fetch("toy", manifest=manifest, downloader=dl, check_host=False)
    folder = manifest["toy"].folder
    assert not any(folder.iterdir()), f"left behind: {list(folder.iterdir())}"


def test_partial_download_is_discarded_and_reported(tmp_path):
    manifest = _manifest(tmp_path)
    dl = FakeDownloader(partial=True)
    t0 = time.perf_counter()
    with pytest.raises(OfflineError, match="attempts failed"):
        fetch("toy", manifest=manifest, downloader=dl, check_host=False, retries=2)
    assert dl.calls == 2
    assert not any(manifest["toy"].folder.iterdir())
    assert time.perf_counter() - t0 < 10


def test_transient_failure_is_retried(tmp_path, monkeypatch):
    monkeypatch.setattr(data.time, "sleep", lambda s: None)
    manifest = _manifest(tmp_path)
    dl = FakeDownloader(fail=2)
    (path,) = fetch("toy", manifest=manifest, downloader=dl, check_host=False, retries=3)
    assert dl.calls == 3 and sha256sum(path) == PAYLOAD_SHA


def test_offline_fails_fast_with_instructions(tmp_path, no_network):
    manifest = _manifest(tmp_path)
    t0 = time.perf_counter()
    with pytest.raises(OfflineError) as info:
        fetch("toy", manifest=manifest)
    assert time.perf_counter() - t0 < 5
    msg = str(info.value)
    assert "'toy'" in msg and "https://example.invalid/files/strain.bin" in msg
    assert "python -m coursekit data fetch toy" in msg and "COURSEKIT_MODE=reduced" in msg


def test_offline_fails_fast_for_real_host(tmp_path):
    """On this machine (and in CI) the real hosts are unreachable: the failure must still be quick."""
    manifest = _manifest(tmp_path, url="https://10.255.255.1/never.bin")
    t0 = time.perf_counter()
    with pytest.raises(OfflineError):
        fetch("toy", manifest=manifest)
    assert time.perf_counter() - t0 < 8


def test_corrupt_cached_file_is_kept_aside_and_replaced(tmp_path):
    manifest = _manifest(tmp_path)
    ds = manifest["toy"]
    ds.folder.mkdir(parents=True)
    target = ds.folder / "strain.bin"
    target.write_bytes(b"bit rot")
    (path,) = fetch("toy", manifest=manifest, downloader=FakeDownloader(), check_host=False)
    assert path.read_bytes() == PAYLOAD
    assert (ds.folder / "strain.bin.corrupt").read_bytes() == b"bit rot"


def test_corrupt_cached_file_offline_is_not_lost(tmp_path, no_network):
    manifest = _manifest(tmp_path)
    ds = manifest["toy"]
    ds.folder.mkdir(parents=True)
    (ds.folder / "strain.bin").write_bytes(b"bit rot")
    with pytest.raises(OfflineError):
        fetch("toy", manifest=manifest)
    assert (ds.folder / "strain.bin.corrupt").read_bytes() == b"bit rot"


def test_verify_reports_mismatch(tmp_path):
    manifest = _manifest(tmp_path)
    (path,) = fetch("toy", manifest=manifest, downloader=FakeDownloader(), check_host=False)
    assert data.verify("toy", manifest) == {"strain.bin": "ok"}
    path.write_bytes(b"changed")
    assert data.verify("toy", manifest) == {"strain.bin": "MISMATCH"}


def test_generate_calls_generator_with_overrides(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        yaml.safe_dump(
            {"datasets": {"g": {"notebook": "01", "description": "d",
                                "reduced": {"generator": "numpy:linspace", "params": {"start": 0, "stop": 1, "num": 5}}}}}
        )
    )
    manifest = load_manifest(path)
    assert list(generate("g", manifest)) == [0, 0.25, 0.5, 0.75, 1.0]
    assert len(generate("g", manifest, num=3)) == 3
    with pytest.raises(DataError, match="no full-mode files"):
        fetch("g", manifest=manifest)


@pytest.mark.shared_data
def test_manifest_checksums_match_the_real_samples(shared_real):
    """Where the manifest's files are also in ../shared/data/real, their sha256 must agree."""
    by_hash = {}
    for sums in shared_real.glob("*/SHA256SUMS"):
        for line in sums.read_text().splitlines():
            h, name = line.split(maxsplit=1)
            by_hash[h] = name
    manifest = load_manifest(ROOT / "data_manifest.yaml")
    matched = [f.filename for ds in manifest.values() for f in ds.files if f.sha256 in by_hash]
    assert len(matched) >= 10
