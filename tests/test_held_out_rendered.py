"""scripts/held_out_rendered.py: rendered clips whose arrangement no training manifest used."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def write(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("path,dance,group,seed\n" + "".join(f"{p},{d},g{s},{s}\n" for p, d, s in rows))
    return path


def test_clips_of_training_arrangements_are_left_out(tmp_path: Path) -> None:
    render = write(tmp_path / "manifest.csv", [(f"{d}/{d}_{i}.flac", d, f"{d}{i}") for d in ("jive", "tango")
                                               for i in range(4)])
    # the training manifest names the arrangement by seed, under another path (a sung re-render)
    training = write(tmp_path / "train.csv", [("synth_v/jive/x.flac", "jive", "jive0"),
                                              ("synth_v/tango/y.flac", "tango", "tango1")])
    out = tmp_path / "held_out.csv"
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "held_out_rendered.py"), str(render),
                           "--exclude", str(training), "--per-dance", "2", "--prefix", "synth/", "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["path"] for r in rows] == ["synth/jive/jive_1.flac", "synth/jive/jive_2.flac",
                                         "synth/tango/tango_0.flac", "synth/tango/tango_2.flac"]
    assert {r["dance"] for r in rows} == {"jive", "tango"} and rows[0]["group"] == "gjive1"
    assert "4 clips" in proc.stdout
