"""Validated command-line options, shared by every ``python -m coursekit`` verb.

The argparse types turn a bad value into one usage line naming the option, e.g.
``argument --epochs: must be a positive integer, got '0'``. :func:`check_out_path`
keeps a verb from writing its ``--out`` over one of its inputs or its model.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path


class UsageError(ValueError):
    """A command was called with arguments that cannot work together (one line says which and what to do)."""


def _number(text: str, kind: type, what: str):
    try:
        value = kind(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def _checked(kind: type, ok, what: str, name: str, doc: str):
    def parse(text: str):
        value = _number(text, kind, what)
        if not ok(value):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    parse.__name__ = parse.__qualname__ = name
    parse.__doc__ = f"argparse type: {doc}."
    return parse


positive_int = _checked(int, lambda v: v > 0, "a positive integer", "positive_int", "an integer > 0")
nonneg_int = _checked(int, lambda v: v >= 0, "an integer >= 0", "nonneg_int", "an integer >= 0")
positive_float = _checked(float, lambda v: v > 0, "a positive number", "positive_float", "a finite number > 0")
finite_float = _checked(float, lambda v: True, "a finite number", "finite_float",
                        "any finite number (e.g. a magnitude); nan and inf are refused")
probability = _checked(float, lambda v: 0 < v < 1, "a probability between 0 and 1 (exclusive)", "probability",
                       "a probability strictly between 0 and 1 (e.g. a false-alarm probability)")


def existing_file(text: str) -> Path:
    """argparse type: the path of an existing, readable file."""
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"not a file: {text}")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {text}: permission denied")
    return path


def _same(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        try:
            return os.path.samefile(a, b)  # also a hard link or a symlink to the same file
        except OSError:
            pass
    return a.expanduser().resolve() == b.expanduser().resolve()


def check_out_path(out: str | os.PathLike | None, *inputs: str | os.PathLike | None) -> Path | None:
    """Refuse an output path that is one of the inputs; return ``out`` as a Path (``None`` passes through).

    Two paths are the same file when they resolve to the same location (through
    ``..`` and symbolic links) or, when both exist, when :func:`os.path.samefile`
    says so (a hard link). ``None`` inputs are ignored. Raises :class:`UsageError`
    with one line naming both.
    """
    if out is None:
        return None
    out_path = Path(out)
    if out_path.is_dir():
        raise UsageError(f"--out {out} is a folder; give the name of a file (inside it, or elsewhere)")
    for inp in inputs:
        if inp is None:
            continue
        if _same(out_path, Path(inp)):
            raise UsageError(
                f"--out {out} is the input {inp}; writing would destroy it. Choose another output file name"
            )
    return out_path


# --------------------------------------------------------------------------- the one error path

#: Exceptions that mean "the input or the environment is wrong", not "coursekit has a bug".
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (ValueError, OSError, RuntimeError, LookupError, ImportError)


def error_line(exc: BaseException) -> str:
    """The one line ``python -m coursekit`` prints for ``exc`` (without the ``error: `` prefix).

    Expected failures (bad input, a missing or corrupt file, no network, a bad
    setting) show their message; files named by an ``OSError`` come first.
    Anything else is a bug in the course: the line says so and how to get the
    traceback.
    """
    if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str) and type(exc).__str__ is KeyError.__str__:
        msg = exc.args[0]
    elif isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        msg = f"{exc.filename}: {exc.strerror}"
    else:
        msg = str(exc)
    msg = " ".join(part.strip() for part in msg.splitlines() if part.strip()) or type(exc).__name__
    if len(msg) > 600:
        msg = msg[:597] + "..."
    if isinstance(exc, EXPECTED_ERRORS):
        return msg
    kind = type(exc).__qualname__ if type(exc).__module__ == "builtins" else f"{type(exc).__module__}.{type(exc).__qualname__}"
    return f"unexpected {kind}: {msg} (run again with --debug for the traceback, and report it)"


def pop_debug_flag(argv: list[str]) -> tuple[list[str], bool]:
    """Remove every ``--debug`` (before a ``--``) from ``argv``; return the rest and whether one was there.

    ``--debug`` is accepted anywhere on the command line, e.g. at the end of
    ``python -m coursekit gw scan data.hdf5 --debug``.
    """
    if "--" in argv:
        cut = argv.index("--")
        head, tail = argv[:cut], argv[cut:]
    else:
        head, tail = argv, []
    found = "--debug" in head
    return [a for a in head if a != "--debug"] + tail, found
