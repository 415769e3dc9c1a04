"""Discovery of the topics' command-line subcommands and benchmarks.

A topic ``coursekit.<topic>`` plugs into the shared entry points by providing

* ``coursekit/<topic>/cli.py`` with ``register(subparsers)`` that adds its
  ``python -m coursekit <topic> ...`` subcommand (imports of heavy libraries go
  inside the handlers, so ``--help`` stays fast);
* ``coursekit/<topic>/bench.py`` whose functions are decorated with
  :func:`coursekit.bench.benchmark`.

The entry points only know these two file names, never a topic's internals.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Iterator
from types import ModuleType

import coursekit


def topics() -> list[str]:
    """Names of the topic sub-packages (``galaxies``, ``gw``, ...), sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(coursekit.__path__) if m.ispkg)


def topic_modules(kind: str) -> Iterator[tuple[str, ModuleType]]:
    """Import ``coursekit.<topic>.<kind>`` for every topic that has one."""
    for topic in topics():
        name = f"coursekit.{topic}.{kind}"
        try:
            if importlib.util.find_spec(name) is None:
                continue
            module = importlib.import_module(name)
        except Exception as exc:  # one broken topic must not take the others down
            print(f"coursekit: skipping {name} ({type(exc).__name__}: {exc})", file=sys.stderr)
            continue
        yield topic, module
