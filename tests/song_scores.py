"""Per-window scores of real songs saved as build_default_model.py --save-scores saves them, and the scripts
that read such scores run on them (for script tests)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from dancecore.audio import load_audio
from dancecore.features import log_mel
from dancecore.fusion import OTHER_INDEX
from dancecore.segments import DEFAULT_STRIDE_FRAMES

REPO = Path(__file__).resolve().parents[1]


def save_window_scores(songs: list[dict[str, str]], classifier, path: Path, seconds: float = 25.0) -> list[float]:
    """Score the first `seconds` of each song (labels.csv rows with absolute paths) with the classifier's CNN and
    rhythm branch, save them to `path` (.npz, beat clarity fixed at 0.5) and return each song's mean rhythm
    probability of another dance."""
    model = classifier.model
    saved, other = {}, []
    for i, row in enumerate(songs):
        audio = load_audio(row["path"], sr=model.features.sr, max_duration_s=seconds)
        scores = model.analyse(log_mel(audio.samples, model.features), audio.samples, DEFAULT_STRIDE_FRAMES).scores
        saved.update({f"cnn_{i}": scores.cnn, f"rhythm_{i}": scores.rhythm,
                      f"clarity_{i}": np.float64(0.5), f"dance_{i}": np.str_(row["dance"]),
                      f"path_{i}": np.str_(row["path"])})
        other.append(float(scores.rhythm[:, OTHER_INDEX].mean()))
    np.savez(path, **saved)
    return other


def run_scores_script(script: str, scores: Path, model_path: Path, out: Path) -> dict:
    """Run scripts/`script` --scores `scores` --model `model_path` --out `out`; assert it succeeds and return the
    JSON report it wrote."""
    done = subprocess.run([sys.executable, str(REPO / "scripts" / script), "--scores", str(scores),
                           "--model", str(model_path), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(out.read_text())
