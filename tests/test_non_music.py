"""Non-music (rendered by dancecore.build.non_music, as `dancecore build-model` checks it) gets "not sure"."""
from __future__ import annotations

from pathlib import Path

from dancecore.build.non_music import evaluate, render_clips


def test_speech_noise_and_hum_are_answered_not_sure(classifier, tmp_path: Path) -> None:
    """Three clips each of a talker, of steady noise and of sweeps or hum (seed 7, not a seed the threshold
    was chosen on): every one is "not sure". With the former beat-clarity threshold (0.05) noise like
    this came out as a slow waltz with 0.6 confidence."""
    manifest = render_clips(tmp_path, ["speech", "noise", "tones"], per_kind=3, seed=7, seconds=30.0)
    report = evaluate(manifest, classifier.classify)
    assert report["n"] == 9 and set(report["by_kind"]) == {"speech", "noise", "tones"}
    assert report["rejected"] == 1.0, [c for c in report["clips"] if not c["not_sure"]]
    assert report["reasons"].get("no steady beat", 0) >= 3
