"""Sliders where they render, a static figure where they cannot.

A notebook cell calls :func:`explore` with a drawing function and its controls::

    from coursekit.widgets import explore, Slider

    explore(draw_design,                                   # draw_design(area=..., cadence=...) draws one figure
            {"area": Slider(1000, 41253, 1000, 18000, "area [deg²]"),
             "cadence": Slider(1, 30, 1, 3, "cadence [nights]")},
            static=[{}, {"area": 5000}])                   # the settings drawn where widgets cannot render

In a Jupyter or Colab kernel with ipywidgets, the sliders redraw the figure. Where widgets cannot render
(``COURSEKIT_WIDGETS=0``, which ``python -m coursekit run`` sets so its executed notebooks and HTML pages keep
figures; a plain Python process; no ipywidgets) the figure is drawn for each ``static`` setting (the
defaults, overridden by each dict) with one printed line saying so. ``COURSEKIT_WIDGETS=1`` forces the widgets.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Slider:
    """A float (or int, when every number is an int) slider: ``min``, ``max``, ``step``, ``value``, label."""

    min: float
    max: float
    step: float
    value: float
    description: str = ""

    def __post_init__(self) -> None:
        if not self.min <= self.value <= self.max or self.step <= 0:
            raise ValueError(f"slider {self.description!r}: need min <= value <= max and step > 0")

    @property
    def is_int(self) -> bool:
        return all(float(v).is_integer() for v in (self.min, self.max, self.step, self.value))

    def widget(self, name: str):
        import ipywidgets as widgets

        cls = widgets.IntSlider if self.is_int else widgets.FloatSlider
        cast = int if self.is_int else float
        return cls(min=cast(self.min), max=cast(self.max), step=cast(self.step), value=cast(self.value),
                   description=self.description or name, continuous_update=False,
                   style={"description_width": "initial"}, layout={"width": "420px"})


def widgets_enabled() -> bool:
    """Whether sliders can render here: ``$COURSEKIT_WIDGETS`` if set, else a Jupyter kernel with ipywidgets."""
    env = os.environ.get("COURSEKIT_WIDGETS", "").strip().lower()
    if env in ("0", "false", "no", "off"):
        return False
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    if env in ("1", "true", "yes", "on"):
        return True
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _show(result: Any) -> None:
    import matplotlib.pyplot as plt

    plt.show()


def explore(draw: Callable[..., Any], controls: Mapping[str, Slider], *,
            static: Sequence[Mapping[str, float]] | None = None) -> str:
    """Sliders that redraw ``draw(**values)`` where widgets render, else static figures; returns which ran.

    ``draw`` makes one matplotlib figure (it may print a summary too). Returns ``"widgets"`` or ``"static"``.
    """
    defaults = {name: s.value for name, s in controls.items()}
    for setting in static or ():
        unknown = set(setting) - set(controls)
        if unknown:
            raise ValueError(f"static setting names unknown controls {sorted(unknown)}; controls: {sorted(controls)}")
    if widgets_enabled():
        import ipywidgets as widgets
        from IPython.display import display

        if "google.colab" in sys.modules:  # Colab renders ipywidgets 8 through its custom widget manager
            from google.colab import output  # type: ignore[import-not-found]

            output.enable_custom_widget_manager()
        sliders = {name: s.widget(name) for name, s in controls.items()}

        def redraw(**values: Any) -> None:
            _show(draw(**values))

        out = widgets.interactive_output(redraw, sliders)
        display(widgets.VBox([widgets.VBox(list(sliders.values())), out]))
        return "widgets"
    settings = list(static) if static else [{}]
    described = "; ".join(", ".join(f"{k}={v:g}" for k, v in {**defaults, **s}.items()) for s in settings)
    print(f"(Sliders do not render here: static figure{'s' if len(settings) > 1 else ''} for {described}. "
          "In Jupyter or Colab, move the sliders.)")
    for setting in settings:
        _show(draw(**{**defaults, **setting}))
    return "static"
