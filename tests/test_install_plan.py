"""scripts/install_plan.py: PyTorch's large wheels one per pip command, the rest together; install.sh's options."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "install_plan.py"


def _item(name: str, version: str, download_info: dict | None = None) -> dict:
    """One entry of pip's installation report."""
    return {"metadata": {"name": name, "version": version},
            "download_info": download_info or {"url": f"https://files.example/{name}-{version}.whl"}}


def test_large_wheels_alone_then_the_rest_and_no_editable_project(tmp_path: Path) -> None:
    report = {"install": [
        _item("librosa", "0.11.0"),
        _item("torch", "2.15.0"),
        _item("dancecore", "0.1.0", {"url": "file:///work/main", "dir_info": {"editable": True}}),
        _item("nvidia-cudnn-cu13", "9.26.0.51"),
        _item("numpy", "2.3.1"),
        _item("Triton", "3.9.0"),
        _item("cuda-bindings", "13.5.0"),
    ]}
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    run = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "torch==2.15.0", "nvidia-cudnn-cu13==9.26.0.51", "Triton==3.9.0", "cuda-bindings==13.5.0",
        "librosa==0.11.0 numpy==2.3.1",
    ]


def test_nothing_left_to_install_prints_nothing(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"install": []}))
    run = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (0, "")


def test_unreadable_report_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("{not json")
    run = subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1 and "cannot read pip's report" in run.stderr


def test_install_sh_refuses_an_unknown_option_in_one_line() -> None:
    run = subprocess.run(["bash", str(REPO / "scripts" / "install.sh"), "--devv"], capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "install.sh: unknown option '--devv'; use no option (classify, live, serve, bot) or --dev (adds tests and training)"]
