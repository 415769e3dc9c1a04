"""The one CLI error path of `python -m coursekit`, and the validation of COURSEKIT_* settings."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from coursekit import cli, config
from coursekit.cli_util import error_line, pop_debug_flag, positive_int


class _Bug(Exception):
    pass


def _toy_parser(exc: BaseException | None):
    def build():
        parser = argparse.ArgumentParser(prog="coursekit")
        parser.add_argument("--debug", action="store_true")
        sub = parser.add_subparsers(dest="command")
        p = sub.add_parser("boom")
        p.add_argument("--epochs", type=positive_int, default=1)

        def handler(args):
            if exc is not None:
                raise exc
            return 0

        p.set_defaults(func=handler)
        return parser

    return build


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ValueError("photoz predict: table t.csv has no column 'mag_r'; give a table with ugriz magnitudes"),
         "error: photoz predict: table t.csv has no column 'mag_r'; give a table with ugriz magnitudes"),
        (FileNotFoundError(2, "No such file or directory", "m.pt"), "error: m.pt: No such file or directory"),
        (KeyError("unknown data set 'foo'; see data list"), "error: unknown data set 'foo'; see data list"),
        (RuntimeError("first line\n  second line"), "error: first line second line"),
        (_Bug("oops"),
         f"error: unexpected {__name__}._Bug: oops (run again with --debug for the traceback, and report it)"),
        (TypeError("bad"), "error: unexpected TypeError: bad (run again with --debug for the traceback, and report it)"),
    ],
)
def test_every_error_is_one_line(monkeypatch, capsys, exc, expected):
    monkeypatch.delenv("COURSEKIT_DEBUG", raising=False)
    monkeypatch.setattr(cli, "build_parser", _toy_parser(exc))
    assert cli.main(["boom"]) == 1
    err = capsys.readouterr().err
    assert err == expected + "\n"


def test_debug_flag_and_variable_show_the_traceback(monkeypatch, capsys):
    monkeypatch.setattr(cli, "build_parser", _toy_parser(ValueError("bad input")))
    monkeypatch.delenv("COURSEKIT_DEBUG", raising=False)
    assert cli.main(["boom", "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.rstrip().endswith("error: bad input")
    monkeypatch.setenv("COURSEKIT_DEBUG", "1")
    assert cli.main(["boom"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_keyboard_interrupt_is_130_and_usage_errors_are_2(monkeypatch, capsys):
    monkeypatch.setattr(cli, "build_parser", _toy_parser(KeyboardInterrupt()))
    assert cli.main(["boom"]) == 130
    with pytest.raises(SystemExit) as info:
        cli.main(["boom", "--epochs", "-3"])
    assert info.value.code == 2
    assert "argument --epochs: must be a positive integer, got '-3'" in capsys.readouterr().err


def test_a_bad_debug_variable_is_itself_reported(monkeypatch, capsys):
    monkeypatch.setattr(cli, "build_parser", _toy_parser(None))
    monkeypatch.setenv("COURSEKIT_DEBUG", "verbose")
    assert cli.main(["boom"]) == 1
    assert capsys.readouterr().err.startswith("error: COURSEKIT_DEBUG='verbose' is not understood")


def test_pop_debug_flag():
    assert pop_debug_flag(["gw", "--debug", "scan"]) == (["gw", "scan"], True)
    assert pop_debug_flag(["gw", "scan", "--", "--debug"]) == (["gw", "scan", "--", "--debug"], False)


def test_error_line_of_plain_exceptions():
    assert error_line(OSError("disk full")) == "disk full"
    assert error_line(ValueError("")) == "ValueError"


def test_check_settings_lists_every_problem(monkeypatch):
    import os

    for name in [n for n in os.environ if n.startswith("COURSEKIT_")]:
        monkeypatch.delenv(name)
    assert config.check_settings() == []
    monkeypatch.setenv("COURSEKIT_MODE", "tiny")
    monkeypatch.setenv("COURSEKIT_PROGRESS", "maybe")
    monkeypatch.setenv("COURSEKIT_DEVICE", "gpu")
    monkeypatch.setenv("COURSEKIT_MOD", "full")
    monkeypatch.setenv("COURSEKIT_OFFLINE", "y")
    problems = config.check_settings()
    assert len(problems) == 5, problems
    assert any("COURSEKIT_MODE 'tiny'" in p for p in problems)
    assert any("COURSEKIT_PROGRESS='maybe'" in p for p in problems)
    assert any("COURSEKIT_DEVICE='gpu' is not a torch device" in p for p in problems)
    assert any(p.startswith("COURSEKIT_MOD is set but the course does not read it") for p in problems)
    assert all("\n" not in p for p in problems)


def test_progress_and_device_values(monkeypatch):
    monkeypatch.setenv("COURSEKIT_PROGRESS", "off")
    assert config.show_progress() is False
    monkeypatch.setenv("COURSEKIT_PROGRESS", " YES ")
    assert config.show_progress() is True
    monkeypatch.setenv("COURSEKIT_PROGRESS", "2")
    with pytest.raises(config.ConfigError, match="COURSEKIT_PROGRESS='2'"):
        config.show_progress()
    monkeypatch.setenv("COURSEKIT_DEVICE", "tpu")
    with pytest.raises(config.ConfigError, match="COURSEKIT_DEVICE='tpu'"):
        config.get_device()


def test_module_entry_point(tmp_path):
    """`python -m coursekit` goes through main(): a bad COURSEKIT_DEBUG is one line and exit 1, no traceback."""
    env = {"PATH": "/usr/bin:/bin", "COURSEKIT_DEBUG": "loud", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "coursekit", "--version"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "error: COURSEKIT_DEBUG='loud' is not understood: use 1 (or true/yes/on) or 0 (or false/no/off), or unset it"
    ]
