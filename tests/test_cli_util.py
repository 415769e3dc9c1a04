"""coursekit.cli_util: validated argparse types and the --out guard."""

from __future__ import annotations

import argparse
import os

import pytest

from coursekit.cli_util import (
    UsageError,
    check_out_path,
    existing_file,
    finite_float,
    nonneg_int,
    positive_float,
    positive_int,
    probability,
)


@pytest.mark.parametrize(
    ("fn", "good", "bad"),
    [
        (positive_int, [("1", 1), ("30", 30)], ["0", "-2", "1.5", "x", ""]),
        (nonneg_int, [("0", 0), ("7", 7)], ["-1", "2.0", "abc"]),
        (positive_float, [("0.5", 0.5), ("3", 3.0), ("1e-3", 1e-3)], ["0", "-1", "nan", "inf", "x"]),
        (probability, [("0.01", 0.01), ("0.999", 0.999)], ["0", "1", "1.5", "-0.1", "nan", "p"]),
        (finite_float, [("24.5", 24.5), ("-3", -3.0), ("0", 0.0)], ["nan", "inf", "-inf", "mag"]),
    ],
)
def test_numeric_types(fn, good, bad):
    for text, value in good:
        assert fn(text) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=repr(text).replace(".", r"\.")):
            fn(text)


def test_types_give_one_usage_line(capsys):
    parser = argparse.ArgumentParser(prog="prog")
    parser.add_argument("--epochs", type=positive_int)
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--epochs", "0"])
    assert info.value.code == 2
    assert "argument --epochs: must be a positive integer, got '0'" in capsys.readouterr().err


def test_existing_file(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("x\n")
    assert existing_file(str(f)) == f
    with pytest.raises(argparse.ArgumentTypeError, match="no such file"):
        existing_file(str(tmp_path / "missing.csv"))
    with pytest.raises(argparse.ArgumentTypeError, match="not a file"):
        existing_file(str(tmp_path))


def test_check_out_path_refuses_inputs_also_through_links(tmp_path, monkeypatch):
    table = tmp_path / "t.csv"
    table.write_text("x\n")
    model = tmp_path / "m.pt"
    model.write_bytes(b"0")
    monkeypatch.chdir(tmp_path)
    assert check_out_path(tmp_path / "new.csv", table, model) == tmp_path / "new.csv"
    assert check_out_path(None, table) is None
    with pytest.raises(UsageError, match="is the input"):
        check_out_path("t.csv", table)
    with pytest.raises(UsageError, match="is the input"):
        check_out_path(tmp_path / "sub" / ".." / "m.pt", table, model)
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to(table)
    with pytest.raises(UsageError):
        check_out_path(link, table)
    hard = tmp_path / "hard.csv"
    os.link(table, hard)
    with pytest.raises(UsageError):
        check_out_path(hard, table)
    with pytest.raises(UsageError, match="folder"):
        check_out_path(tmp_path, table)
    assert check_out_path(tmp_path / "new.csv", None) == tmp_path / "new.csv"
