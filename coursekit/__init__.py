"""coursekit: the tested library behind *Machine Learning for Astrophysics & Cosmology*.

Importing ``coursekit`` is cheap: it pulls in no torch, no topic and no heavy
back-end. Topics live in sub-packages (``coursekit.galaxies``, ``coursekit.gw``,
...) and are imported explicitly by the notebooks.
"""

from coursekit.config import (
    cache_dir,
    get_device,
    get_mode,
    print_header,
    seed_everything,
    sized,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "cache_dir",
    "get_device",
    "get_mode",
    "print_header",
    "seed_everything",
    "sized",
]
