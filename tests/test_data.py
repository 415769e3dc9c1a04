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
            raise ConnectionResetError("connection reset by peer")
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
    with pytest.raises(DataError, match="no full-tier files"):
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


# --------------------------------------------------------------------------- round two: bytes, tiers, import

def _tiered_manifest(tmp_path: Path, reduced: bool = True):
    other = b"light curve bytes\n" * 300
    entry = {
        "notebook": "05",
        "description": "toy with a sample",
        "licence": "CC0",
        "citation": "nobody",
        "sample": {"files": [
            {"url": "https://example.invalid/a.bin", "filename": "a.bin", "sha256": PAYLOAD_SHA, "size": len(PAYLOAD)},
            {"url": "https://example.invalid/b.bin", "filename": "sub/b.bin",
             "sha256": hashlib.sha256(other).hexdigest(), "size": len(other)},
        ]},
        "full": "sample",
    }
    if reduced:
        entry["reduced"] = {"generator": "numpy:linspace", "params": {"start": 0, "stop": 1, "num": 3}}
    path = tmp_path / "tiered.yaml"
    path.write_text(yaml.safe_dump({"datasets": {"toy": entry}}))
    return load_manifest(path), other


def test_in_place_edit_with_same_size_and_mtime_is_caught(tmp_path):
    """The bug of round one: a stamp matching size and mtime let a changed file through."""
    import os

    manifest = _manifest(tmp_path)
    (path,) = fetch("toy", manifest=manifest, downloader=FakeDownloader(), check_host=False)
    st = path.stat()
    edited = bytearray(PAYLOAD)
    edited[5] ^= 1
    path.write_bytes(bytes(edited))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    assert data.file_state(path, PAYLOAD_SHA) == "MISMATCH"
    dl = FakeDownloader()
    (again,) = fetch("toy", manifest=manifest, downloader=dl, check_host=False)
    assert dl.calls == 1 and again.read_bytes() == PAYLOAD
    assert (path.parent / "strain.bin.corrupt").read_bytes() == bytes(edited)


def test_hand_written_stamp_does_not_make_content_pass(tmp_path):
    import json

    manifest = _manifest(tmp_path)
    ds = manifest["toy"]
    ds.folder.mkdir(parents=True)
    target = ds.folder / "strain.bin"
    target.write_bytes(b"poisoned" * 10)
    st = target.stat()
    for rec in ({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": PAYLOAD_SHA},  # round one's stamp
                {"inode": st.st_ino + 1, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                 "ctime_ns": st.st_ctime_ns, "sha256": PAYLOAD_SHA}):
        (ds.folder / "strain.bin.verified").write_text(json.dumps(rec))
        data._VERIFIED.clear()
        assert data.file_state(target, PAYLOAD_SHA) == "MISMATCH"


def test_read_only_cache_of_valid_files_serves_resolve(tmp_path, monkeypatch, no_network):
    manifest, other = _tiered_manifest(tmp_path)
    ds = manifest["toy"]
    (ds.folder / "sub").mkdir(parents=True)
    (ds.folder / "a.bin").write_bytes(PAYLOAD)
    (ds.folder / "sub" / "b.bin").write_bytes(other)

    def read_only(*args, **kwargs):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(data, "_atomic_write_text", read_only)  # no stamp can be written
    data._VERIFIED.clear()
    r = data.resolve("toy", manifest=manifest, mode="reduced", verbose=False)
    assert r.tier == "sample" and r.is_real and r.path("b.bin").read_bytes() == other
    assert not list(ds.folder.rglob("*.verified"))
    r = data.resolve("toy", manifest=manifest, mode="full", verbose=False)
    assert r.tier == "full" and len(r.paths) == 2


def test_resolve_offline_with_empty_cache_gives_stand_in_fast(tmp_path, capsys):
    manifest, _ = _tiered_manifest(tmp_path)
    t0 = time.perf_counter()
    r = data.resolve("toy", manifest=manifest, mode="reduced")
    assert time.perf_counter() - t0 < 5
    assert r.tier == "stand-in" and not r.is_real and r.paths == () and r.folder is None
    line = capsys.readouterr().out.strip()
    assert line.count("\n") == 0 and "stand-in" in line and "data import" in line
    assert list(r.generate()) == [0.0, 0.5, 1.0]
    with pytest.raises(DataError, match="stand-in"):
        r.path("a.bin")


def test_resolve_full_offline_fails_with_what_to_do(tmp_path):
    manifest, _ = _tiered_manifest(tmp_path)
    with pytest.raises(OfflineError, match="data import FOLDER"):
        data.resolve("toy", manifest=manifest, mode="full", verbose=False)


def test_resolve_moves_a_corrupt_sample_aside_and_falls_back(tmp_path, capsys):
    manifest, other = _tiered_manifest(tmp_path)
    ds = manifest["toy"]
    (ds.folder / "sub").mkdir(parents=True)
    (ds.folder / "a.bin").write_bytes(b"x" * len(PAYLOAD))
    (ds.folder / "sub" / "b.bin").write_bytes(other)
    r = data.resolve("toy", manifest=manifest, mode="reduced")
    assert r.tier == "stand-in"
    assert (ds.folder / "a.bin.corrupt").exists() and not (ds.folder / "a.bin").exists()
    assert "moved aside" in capsys.readouterr().err


def test_import_folder_matches_by_content_and_reports_tiers(tmp_path):
    manifest, other = _tiered_manifest(tmp_path)
    src = tmp_path / "usb"
    (src / "deep").mkdir(parents=True)
    (src / "renamed.dat").write_bytes(PAYLOAD)
    (src / "unrelated.txt").write_bytes(b"hello")
    report = data.import_folder(src, manifest)
    assert report.copied == ["toy/a.bin"] and report.tiers["toy"] == {"sample": "partial 1/2", "full": "partial 1/2"}
    (src / "deep" / "b.bin").write_bytes(other)
    report = data.import_folder(src, manifest)
    assert report.copied == ["toy/sub/b.bin"] and report.already == ["toy/a.bin"]
    assert report.tiers["toy"]["sample"] == "complete"
    assert (src / "renamed.dat").read_bytes() == PAYLOAD  # the source is never touched
    assert not list(manifest["toy"].folder.rglob(".*part*"))


def test_stale_partial_download_is_removed(tmp_path):
    manifest = _manifest(tmp_path)
    folder = manifest["toy"].folder
    folder.mkdir(parents=True)
    stale = folder / ".strain.bin.part-999999999"
    stale.write_bytes(b"half")
    fetch("toy", manifest=manifest, downloader=FakeDownloader(), check_host=False)
    assert not stale.exists()


def test_silent_server_gives_up_after_one_timeout(tmp_path):

    manifest = _manifest(tmp_path)
    calls = []

    def silent(url, dest, timeout):
        calls.append(timeout)
        raise TimeoutError("The read operation timed out")

    with pytest.raises(OfflineError, match="no data arrived within 15 s"):
        fetch("toy", manifest=manifest, downloader=silent, check_host=False)
    assert calls == [15.0]


def test_manifest_rejects_path_escape_and_sample_less_full(tmp_path):
    for entry, match in [
        ({"sample": {"files": [{"url": "https://x.invalid/a", "filename": "../a", "sha256": PAYLOAD_SHA, "size": 1}]},
          "licence": "l", "citation": "c"}, "relative path"),
        ({"full": "sample", "reduced": {"generator": "a:b"}}, "no sample section"),
        ({"sample": {"files": [{"url": "https://x.invalid/a", "sha256": PAYLOAD_SHA, "size": 1}]}}, "licence"),
    ]:
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump({"datasets": {"x": {"notebook": "01", "description": "d", **entry}}}))
        with pytest.raises(ManifestError, match=match):
            load_manifest(path)


REAL_SETS = [d.name for d in load_manifest(ROOT / "data_manifest.yaml").values() if d.sample]


@pytest.mark.parametrize("name", REAL_SETS)
def test_every_real_set_falls_back_to_its_stand_in_offline(name, tmp_path, capsys):
    """Empty cache, no network: within seconds, the stand-in and one line saying how to get the sample."""
    t0 = time.perf_counter()
    r = data.resolve(name, mode="reduced")
    assert time.perf_counter() - t0 < 5
    out = capsys.readouterr().out.strip().splitlines()
    if r.tier == "stand-in":
        assert len(out) == 1 and name in out[0] and "data fetch" in out[0] and "data import" in out[0]
    else:  # pragma: no cover - only if a cache was given on purpose
        assert r.is_real


@pytest.mark.shared_data
@pytest.mark.parametrize("name", REAL_SETS)
def test_every_real_sample_imports_and_resolves_in_both_modes(name, shared_real, tmp_path):
    """As CI does: import ../shared/data/real into an empty cache; both modes then find verified real files."""
    ds = get_dataset(name)
    report = data.import_folder(shared_real)
    assert report.tiers[name]["sample"] == "complete", report.tiers.get(name)
    r = data.resolve(name, mode="reduced", verbose=False)
    assert r.tier == "sample" and len(r.paths) == len(ds.sample)
    if ds.files:
        r = data.resolve(name, mode="full", verbose=False)
        assert r.tier == "full" and all(p.is_file() for p in r.paths)


def test_cli_verify_exit_codes(tmp_path, capsys):
    from coursekit.cli import main

    assert main(["data", "verify"]) == 0  # nothing cached: nothing wrong
    ds = get_dataset("pantheonplus_sh0es")
    ds.folder.mkdir(parents=True)
    (ds.folder / "Pantheon+SH0ES.dat").write_bytes(b"not the table")
    assert main(["data", "verify"]) == 1
    assert "MISMATCH" in capsys.readouterr().out
    assert main(["data", "verify", "dss_m67_image"]) == 1  # named and missing
    with pytest.raises(SystemExit):
        main(["data", "fetch", "--timeout", "-3", "x"])
