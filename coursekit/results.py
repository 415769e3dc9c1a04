"""Key results a notebook reports, so ``python -m coursekit run`` can collect them."""

from __future__ import annotations

from typing import Any

from coursekit.runner import RESULT_PREFIX


def record(name: str, value: Any, unit: str = "", reference: str | None = None) -> str:
    """Print one key result (``▶ name: value unit [reference]``) and return the line.

    Floats are rounded to 4 significant figures, so the printed text is stable.
    """
    shown = f"{value:.4g}" if isinstance(value, float) else str(value)
    line = f"{name}: {shown}{(' ' + unit) if unit else ''}"
    if reference:
        line += f"  (literature: {reference})"
    print(RESULT_PREFIX + line)
    return line
