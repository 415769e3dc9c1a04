"""coursekit.checkpoint: model files that record their topic and a sha256 of their tensors."""

from __future__ import annotations

import os
import struct
import zipfile

import pytest
import torch
from torch import nn

from coursekit.checkpoint import FORMAT_VERSION, ModelFileError, load_model, save_model
from coursekit.data import DataError


class Payload:
    """An arbitrary Python object: unpickling it would run code from the file."""


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))


def _data_record_offset(path, name_part: str) -> tuple[int, int]:
    """Byte offset and size of the stored (uncompressed) zip member whose name contains ``name_part``."""
    with zipfile.ZipFile(path) as zf:
        info = next(i for i in zf.infolist() if name_part in i.filename and "/data/" in i.filename
                    and i.file_size >= 64)
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
    n_name, n_extra = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + n_name + n_extra, info.file_size


def test_round_trip_keeps_weights_config_and_extra(tmp_path):
    model = _model()
    path = save_model(tmp_path / "m.pt", topic="gw", state_dict=model.state_dict(),
                      config={"width": 8, "lr": 1e-3}, extra={"threshold": 0.25, "nan": float("nan")})
    ck = load_model(path, topic="gw")
    assert ck.topic == "gw" and ck.version == FORMAT_VERSION
    assert ck.config == {"width": 8, "lr": 1e-3}
    assert ck.extra == {"threshold": 0.25, "nan": None}  # strict JSON: NaN stored as null
    fresh = _model()
    for p in fresh.parameters():
        p.data.zero_()
    fresh.load_state_dict(ck.state_dict)
    for k, v in model.state_dict().items():
        assert torch.equal(ck.state_dict[k], v), k
    assert sorted(os.listdir(tmp_path)) == ["m.pt"]  # no temporary file left behind


def test_refuses_a_file_whose_weight_bytes_were_flipped(tmp_path):
    path = save_model(tmp_path / "m.pt", topic="gw", state_dict=_model().state_dict())
    offset, size = _data_record_offset(path, "")
    raw = bytearray(path.read_bytes())
    for i in range(offset + size // 2, offset + size // 2 + 4):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    # torch alone does not notice ...
    torch.load(path, weights_only=True)
    # ... the model file does
    with pytest.raises(ModelFileError, match=r"m\.pt.*changed since it was saved"):
        load_model(path, topic="gw")


def test_refuses_another_topic(tmp_path):
    path = save_model(tmp_path / "m.pt", topic="photoz", state_dict=_model().state_dict())
    with pytest.raises(ModelFileError, match="topic 'photoz', not 'gw'") as info:
        load_model(path, topic="gw")
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_refuses_a_pickle_that_is_not_weights_only(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": "coursekit-model", "obj": Payload()}, path)
    with pytest.raises(ModelFileError, match="not a weights-only file"):
        load_model(path, topic="gw")


def test_refuses_a_truncated_file(tmp_path):
    path = save_model(tmp_path / "m.pt", topic="gw", state_dict=_model().state_dict())
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError, match="truncated or corrupt"):
        load_model(path, topic="gw")


@pytest.mark.parametrize("content", [b"", b"hello, not a model\n", b"junk", b"PK\x03\x04" + bytes(100)])
def test_refuses_a_non_checkpoint(tmp_path, content):
    path = tmp_path / "m.pt"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=r"m\.pt"):
        load_model(path, topic="gw")


def test_refuses_a_bare_state_dict_and_a_missing_file(tmp_path):
    bare = tmp_path / "bare.pt"
    torch.save(_model().state_dict(), bare)
    with pytest.raises(ModelFileError, match="not a coursekit model file"):
        load_model(bare, topic="gw")
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "absent.pt", topic="gw")


def test_refuses_edited_metadata(tmp_path):
    path = save_model(tmp_path / "m.pt", topic="gw", state_dict=_model().state_dict(), config={"threshold": 1.0})
    record = torch.load(path, weights_only=True)
    record["config"] = '{"threshold": 9.0}'
    torch.save(record, path)
    with pytest.raises(ModelFileError, match="changed since it was saved"):
        load_model(path, topic="gw")


def test_model_file_error_is_a_data_error_and_a_value_error():
    assert issubclass(ModelFileError, DataError) and issubclass(ModelFileError, ValueError)


def test_save_rejects_non_tensors_and_non_json(tmp_path):
    with pytest.raises(ValueError, match="not a tensor"):
        save_model(tmp_path / "m.pt", topic="gw", state_dict={"w": [1, 2]})
    with pytest.raises(ValueError, match="JSON"):
        save_model(tmp_path / "m.pt", topic="gw", state_dict={}, config={"f": object()})
    assert not (tmp_path / "m.pt").exists()


def test_overwrite_is_atomic_and_readable(tmp_path):
    path = tmp_path / "sub" / "m.pt"
    save_model(path, topic="gw", state_dict={"w": torch.zeros(3)})
    save_model(path, topic="gw", state_dict={"w": torch.ones(3)})
    assert torch.equal(load_model(path, topic="gw").state_dict["w"], torch.ones(3))
    assert sorted(os.listdir(path.parent)) == ["m.pt"]


def test_damaged_files_either_refuse_or_load_unchanged(tmp_path):
    """Truncations and bit flips anywhere in the file: never another exception, never different weights."""
    import random

    path = save_model(tmp_path / "m.pt", topic="gw", state_dict=_model().state_dict(), config={"width": 8})
    raw, ref = path.read_bytes(), load_model(path, topic="gw")
    rng = random.Random(0)
    refused = 0
    for trial in range(80):
        damaged = bytearray(raw[: rng.randrange(len(raw))] if trial < 20 else raw)
        if trial >= 20:
            for _ in range(rng.randrange(1, 4)):
                damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(damaged))
        try:
            ck = load_model(path, topic="gw")
        except ModelFileError:
            refused += 1
            continue
        assert ck.config == ref.config and set(ck.state_dict) == set(ref.state_dict)
        assert all(torch.equal(ck.state_dict[k], v) for k, v in ref.state_dict.items())
    assert refused >= 40  # most damage is caught; the rest hit bytes torch never reads (zip padding, ids)


def test_a_table_given_as_model_file_is_named_as_such(tmp_path):
    path = tmp_path / "photometry.csv"
    path.write_text("u,g,r,i,z\n19.1,18.2,17.6,17.3,17.1\n")
    with pytest.raises(ModelFileError, match="not a model file at all"):
        load_model(path, topic="photoz")
