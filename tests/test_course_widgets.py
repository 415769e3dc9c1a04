"""coursekit.widgets: sliders where widgets render, static figures elsewhere."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from coursekit.widgets import Slider, explore, widgets_enabled  # noqa: E402


def _drawer(calls):
    def draw(a, b):
        import matplotlib.pyplot as plt

        calls.append((a, b))
        fig, ax = plt.subplots()
        ax.plot([0, 1], [a, b])
        return ax

    return draw


def test_static_figures_for_each_setting(monkeypatch, capsys):
    monkeypatch.setenv("COURSEKIT_WIDGETS", "0")
    calls = []
    assert explore(_drawer(calls), {"a": Slider(0, 10, 1, 3), "b": Slider(0.0, 1.0, 0.1, 0.5)},
                   static=[{}, {"a": 7}]) == "static"
    assert calls == [(3, 0.5), (7, 0.5)]
    assert "Sliders do not render here" in capsys.readouterr().out


def test_widgets_build_and_draw_once(monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.setenv("COURSEKIT_WIDGETS", "1")
    calls = []
    assert explore(_drawer(calls), {"a": Slider(0, 10, 1, 3), "b": Slider(0.0, 1.0, 0.1, 0.5)}) == "widgets"
    assert calls == [(3, 0.5)]       # interactive_output draws the defaults once


def test_outside_a_kernel_widgets_are_off(monkeypatch):
    monkeypatch.delenv("COURSEKIT_WIDGETS", raising=False)
    assert widgets_enabled() is False


def test_bad_sliders_and_settings_are_refused():
    with pytest.raises(ValueError, match="min <= value <= max"):
        Slider(0, 1, 0.1, 2)
    with pytest.raises(ValueError, match="unknown controls"):
        explore(lambda a: None, {"a": Slider(0, 1, 0.1, 0.5)}, static=[{"z": 1}])
    assert Slider(1, 30, 1, 3).is_int and not Slider(22.0, 26.0, 0.1, 24.0).is_int
