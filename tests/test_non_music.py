"""Non-music (scripts/render_non_music.py, scored by scripts/eval_non_music.py) gets "not sure" from the shipped model."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from eval_non_music import evaluate  # noqa: E402


def test_speech_noise_and_hum_are_answered_not_sure(classifier, tmp_path: Path) -> None:
    """Three clips each of a talker, of steady noise and of sweeps or hum (seed 7, not a seed the threshold
    was chosen on): every one is "not sure". With the former beat-clarity threshold (0.05) noise like
    this came out as a slow waltz with 0.6 confidence."""
    subprocess.run([sys.executable, str(REPO / "scripts" / "render_non_music.py"), "--out", str(tmp_path),
                    "--per-kind", "3", "--seed", "7", "--kinds", "speech", "noise", "tones"],
                   check=True, capture_output=True, cwd=REPO)
    report = evaluate(tmp_path / "manifest.csv", classifier)
    assert report["n"] == 9 and set(report["by_kind"]) == {"speech", "noise", "tones"}
    assert report["rejected"] == 1.0, [c for c in report["clips"] if not c["not_sure"]]
    assert report["reasons"].get("no steady beat", 0) >= 3
