"""Run sizes of the data-tsunami lesson (notebook 01): one frozen :class:`Config`, ``REDUCED`` and ``FULL``.

The lesson has no data files to size; what changes with the mode is how long the CNN throughput is timed
(how many images per timing and how many repeated timings, which set its uncertainty). Nothing here reads the
environment at import: :func:`get_config` does, when called.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    """One run size.

    ``n_images`` images of ``image_size`` x ``image_size`` pixels and 3 bands per timing, in batches of
    ``batch_size``; ``n_repeats`` timings give the throughput's mean and standard error.
    """

    n_images: int = 128
    image_size: int = 64
    batch_size: int = 32
    n_repeats: int = 3
    seed: int = 0


#: About 10 s on a busy 2-core CPU.
REDUCED = Config()
#: Longer timings, more repeats: a tighter throughput (~1-2 min on a 2-core CPU, seconds on a GPU).
FULL = Config(n_images=256, batch_size=64, n_repeats=5)


def get_config(mode: str | None = None) -> Config:
    """The :class:`Config` of ``mode`` (default: ``$COURSEKIT_MODE``, else reduced)."""
    from coursekit.config import sized

    return sized(REDUCED, FULL, mode)
