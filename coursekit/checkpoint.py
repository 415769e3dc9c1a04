"""Model files that check themselves: one save/load for every topic.

A model file is a ``torch.save`` archive of one plain dict::

    {"format": "coursekit-model", "version": 1, "topic": "gw",
     "state_dict": {name: tensor, ...},
     "config": "<JSON text>", "extra": "<JSON text>",
     "sha256": "<hex digest>"}

``config`` and ``extra`` are stored as JSON text, so the file holds only
tensors, strings and numbers and loads with ``torch.load(weights_only=True)``:
no code from a model file is ever run. ``sha256`` covers the topic, the format
version, the JSON texts and every tensor's name, dtype, shape and raw bytes, in
sorted name order (:func:`state_dict_digest`). torch itself does not check a
tensor's bytes (a weight record with flipped bytes loads silently), so
:func:`load_model` recomputes the digest and refuses a file whose tensors or
metadata changed, a file saved for another topic, a pickle that is not
weights-only, a truncated archive and anything else that is not a coursekit
model file, each with one :class:`ModelFileError` line naming the file and what
to do.

Files are written atomically (temporary file in the same folder, ``fsync``,
rename), so an interrupted save never leaves half a model behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from coursekit.data import DataError

#: Value of the ``format`` key of every coursekit model file.
FORMAT = "coursekit-model"
#: Version of the layout above; bumped when it changes, checked by :func:`load_model`.
FORMAT_VERSION = 1


class ModelFileError(DataError, ValueError):
    """A model file is missing, corrupt, changed, of another topic, or not a coursekit model file."""


@dataclass(frozen=True)
class Checkpoint:
    """What :func:`load_model` returns: the verified weights and the JSON metadata saved with them."""

    state_dict: dict[str, torch.Tensor]
    config: Any = None
    extra: Any = None
    topic: str = ""
    version: int = FORMAT_VERSION
    path: Path | None = field(default=None, compare=False)


def _json_text(obj: Any, what: str) -> str:
    from coursekit.jsonio import dumps

    try:
        return dumps(obj, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"save_model: {what} must be JSON-serialisable (numbers, strings, lists, dicts): {exc}") from None


def _tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.detach().cpu().contiguous().reshape(-1)
    if t.numel() == 0:
        return b""
    return t.view(torch.uint8).numpy().tobytes()


def state_dict_digest(state_dict: Mapping[str, torch.Tensor], *, topic: str, config_json: str, extra_json: str,
                      version: int = FORMAT_VERSION) -> str:
    """sha256 (hex) of a model file's content in a canonical order.

    Hashes, in this order: the format and version, the topic, the config and
    extra JSON texts, then for each tensor in sorted name order its name, dtype,
    shape and raw bytes (native byte order, row-major). Each field is prefixed
    with its length, so no two different contents hash alike by concatenation.
    """
    h = hashlib.sha256()

    def put(b: bytes) -> None:
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)

    put(f"{FORMAT}/{int(version)}".encode())
    put(topic.encode())
    put(config_json.encode())
    put(extra_json.encode())
    for name in sorted(state_dict):
        t = state_dict[name]
        put(name.encode())
        put(str(t.dtype).encode())
        put(repr(tuple(t.shape)).encode())
        put(_tensor_bytes(t))
    return h.hexdigest()


def _check_state_dict(state_dict: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    if not isinstance(state_dict, Mapping):
        raise ValueError(f"save_model: state_dict must be a mapping of names to tensors, got {type(state_dict).__name__}")
    out = {}
    for name, value in state_dict.items():
        if not isinstance(name, str) or not isinstance(value, torch.Tensor):
            raise ValueError(
                f"save_model: state_dict entry {name!r} is a {type(value).__name__}, not a tensor; "
                "put non-tensor settings in config= or extra="
            )
        out[name] = value.detach().cpu()
    return out


def save_model(path: str | os.PathLike, *, topic: str, state_dict: Mapping[str, torch.Tensor], config: Any = None,
               extra: Any = None) -> Path:
    """Write a model file for ``topic`` atomically and return its path.

    Parameters
    ----------
    path:
        Destination (its folder is created). An existing file is replaced only
        once the new one is complete.
    topic:
        The topic that can load it (``"gw"``, ``"photoz"``, ...).
    state_dict:
        ``{name: tensor}``, e.g. ``model.state_dict()``; tensors are saved from
        the CPU.
    config, extra:
        JSON-serialisable settings needed to rebuild the model (``config``) and
        anything else worth keeping with it (``extra``: thresholds, scalers,
        training history). NaN/Infinity are stored as ``null``.
    """
    if not isinstance(topic, str) or not topic:
        raise ValueError("save_model: topic must be a non-empty string such as 'gw'")
    tensors = _check_state_dict(state_dict)
    config_json = _json_text(config, "config")
    extra_json = _json_text(extra, "extra")
    record = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "topic": topic,
        "state_dict": tensors,
        "config": config_json,
        "extra": extra_json,
        "sha256": state_dict_digest(tensors, topic=topic, config_json=config_json, extra_json=extra_json),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            torch.save(record, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _refuse(path: Path, problem: str, fix: str) -> ModelFileError:
    return ModelFileError(f"{path}: {problem}; {fix}")


def load_model(path: str | os.PathLike, *, topic: str, map_location: Any = "cpu") -> Checkpoint:
    """Read and verify a model file written by :func:`save_model` for ``topic``.

    Raises :class:`ModelFileError` (one line naming the file and what to do) if
    the file is missing, is not a weights-only torch archive (e.g. a pickle of
    arbitrary objects), is truncated or otherwise unreadable, is not a coursekit
    model file, has another format version, was saved for another topic, or
    its tensors or metadata no longer match the sha256 recorded at save time.
    """
    path = Path(path)
    retrain = f"pass a model file that coursekit saved for '{topic}', or retrain one (see `python -m coursekit {topic} --help`)"
    if not path.exists():
        raise _refuse(path, "no such model file", f"check the path or {retrain}")
    if path.is_dir():
        raise _refuse(path, "is a folder, not a model file", f"name the .pt file inside it or {retrain}")
    with open(path, "rb") as fh:
        head = fh.read(4)
    # torch.save writes a zip archive (PK..); an old-style pickle starts with its protocol byte \x80
    if head and not head.startswith(b"PK") and head[:1] != b"\x80":
        raise _refuse(path, "is not a model file at all (not a torch archive: a table, an image?)", retrain)
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise _refuse(path, "holds Python objects beyond tensors (not a weights-only file), so it was not loaded",
                      f"never load model files from untrusted sources; {retrain}") from None
    except Exception:  # torch.load on arbitrary bytes raises almost anything (RuntimeError, EOFError, struct.error, ...)
        kind = "is truncated or corrupt (not a readable torch archive)" if path.stat().st_size > 0 else "is empty"
        raise _refuse(path, kind, retrain) from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise _refuse(path, "is not a coursekit model file (no coursekit header; perhaps a bare state dict)", retrain)
    version = record.get("version")
    if version != FORMAT_VERSION:
        raise _refuse(path, f"has model-file format version {version!r}, this coursekit reads {FORMAT_VERSION}",
                      f"update coursekit or {retrain}")
    saved_topic = record.get("topic")
    if saved_topic != topic:
        raise _refuse(path, f"is a model for topic '{saved_topic}', not '{topic}'",
                      f"use it with `python -m coursekit {saved_topic} ...`, or {retrain}")
    tensors = record.get("state_dict")
    config_json, extra_json, digest = record.get("config"), record.get("extra"), record.get("sha256")
    if (not isinstance(tensors, dict) or not all(isinstance(v, torch.Tensor) for v in tensors.values())
            or not isinstance(config_json, str) or not isinstance(extra_json, str) or not isinstance(digest, str)):
        raise _refuse(path, "has a malformed coursekit header", retrain)
    actual = state_dict_digest(tensors, topic=saved_topic, config_json=config_json, extra_json=extra_json,
                               version=version)
    if actual != digest:
        raise _refuse(path, "its contents changed since it was saved (sha256 of the tensors does not match)",
                      f"the file is damaged or was edited; restore it or {retrain}")
    try:
        config, extra = json.loads(config_json), json.loads(extra_json)
    except json.JSONDecodeError:  # pragma: no cover - covered by the digest, kept for a clear message
        raise _refuse(path, "has unreadable metadata", retrain) from None
    if map_location is not None and str(map_location) != "cpu":
        tensors = {k: v.to(map_location) for k, v in tensors.items()}
    return Checkpoint(state_dict=tensors, config=config, extra=extra, topic=saved_topic, version=version, path=path)
