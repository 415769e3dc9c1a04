from __future__ import annotations

import nbformat
import pytest

from coursekit.runner import find_notebooks, run_notebook, summary_markdown


def _write(path, sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, path)
    return path


def test_run_notebook_collects_results_and_checks(tmp_path):
    nb = _write(tmp_path / "01_tiny.ipynb", [
        "import os\nfrom coursekit.results import record\nrecord('mode seen', os.environ['COURSEKIT_MODE'])",
        "print('PASS: right')\nprint('NOT YET: Not attempted yet: x')\nprint('NOT YET: too big')",
    ])
    run = run_notebook(nb, tmp_path / "out", mode="full", timeout=120)
    assert run.status == "ok", run.error
    assert run.results == ["mode seen: full"]
    assert (run.checks_passed, run.checks_wrong, run.checks_not_attempted) == (1, 1, 1)
    assert run.peak_memory_mb and run.peak_memory_mb > 10
    saved = nbformat.read(tmp_path / "out" / "01_tiny.ipynb", as_version=4)
    assert len(saved.cells) == 2 and saved.cells[0].outputs  # executed copy, probe cell removed
    table = summary_markdown([run], "full")
    assert "01_tiny" in table and "mode seen: full" in table


def test_failing_notebook_is_reported(tmp_path):
    nb = _write(tmp_path / "02_bad.ipynb", ["1/0"])
    run = run_notebook(nb, tmp_path / "out", mode="reduced", timeout=120)
    assert run.status == "FAILED" and "ZeroDivisionError" in run.error


def test_find_notebooks(tmp_path):
    for name in ("01_a.ipynb", "02_b.ipynb"):
        _write(tmp_path / name, ["1"])
    assert [p.name for p in find_notebooks(None, tmp_path)] == ["01_a.ipynb", "02_b.ipynb"]
    assert [p.name for p in find_notebooks(["02"], tmp_path)] == ["02_b.ipynb"]
    with pytest.raises(ValueError, match="matches 0 notebooks"):
        find_notebooks(["07"], tmp_path)


def test_executed_notebook_keeps_its_figures_and_exports_html(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")   # as under pytest: the runner must not pass it on to the kernel
    nb = _write(tmp_path / "03_plot.ipynb", [
        "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0]);",
        "fig, ax = plt.subplots(); ax.hist([1, 2, 2, 3]); plt.show()",
    ])
    run = run_notebook(nb, tmp_path / "out", mode="reduced", timeout=120, html=True)
    assert run.status == "ok", run.error
    assert run.figures == 2
    html = (tmp_path / "out" / "03_plot.html").read_text()
    assert html.count("data:image/png;base64") >= 2
    import os

    assert os.environ["MPLBACKEND"] == "Agg"   # restored after the run


def test_stand_ins_only_hides_the_cache_and_the_network(tmp_path, monkeypatch):
    import os

    from coursekit.runner import stand_ins_only

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COURSEKIT_OFFLINE", raising=False)
    nb = _write(tmp_path / "05_env.ipynb", [
        "import os\nfrom coursekit.results import record\n"
        "record('offline', os.environ['COURSEKIT_OFFLINE'])\nrecord('empty', not os.listdir(os.environ['COURSEKIT_DATA_DIR']))",
    ])
    with stand_ins_only():
        run = run_notebook(nb, tmp_path / "out", mode="reduced", timeout=120)
    assert run.results == ["offline: 1", "empty: True"]
    assert os.environ["COURSEKIT_DATA_DIR"] == str(tmp_path) and "COURSEKIT_OFFLINE" not in os.environ
