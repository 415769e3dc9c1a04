from __future__ import annotations

import json
import subprocess
import sys

from coursekit.cli import main


def test_doctor_json(capsys):
    assert main(["doctor", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mode"] in {"reduced", "full"}
    assert report["packages"]["torch"]
    assert any(d["name"] == "gw150914_strain" for d in report["datasets"])


def test_data_list(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "gw150914_strain" in out and "MB" in out


def test_data_fetch_unknown_is_a_clear_error(capsys):
    assert main(["data", "fetch", "no_such_set"]) == 1
    err = capsys.readouterr().err
    assert "Unknown dataset 'no_such_set'" in err


def test_entry_point_runs_as_module():
    out = subprocess.run([sys.executable, "-m", "coursekit", "--help"], capture_output=True, text=True, check=True)
    assert "doctor" in out.stdout and "data" in out.stdout


def test_bench_lists_foundation():
    out = subprocess.run([sys.executable, "-m", "coursekit.bench", "--list"], capture_output=True, text=True,
                         check=True)
    assert "training_loop_throughput" in out.stdout
