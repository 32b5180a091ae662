"""Where do two crossfaded songs meet? Candidate rules for `dancecore classify --sections`' crossfade boundary.

Each of the 29 in-set songs ends (its last 60 s, its real ending) into the first 60 s of another song of another
dance (seeded choice) with a 6 s linear crossfade; the true boundary is the fade's middle. Each pair streams
through the live tracker as `dancecore.sections.track` does, recording per window its probabilities and the beat
network's recent tempo and confidence. Where the tracker split the pair in two songs, the candidate rules place
the boundary and their errors are printed per lag:

- old: where the old dance's evidence ended (change point of log(1-p_old) - log p_old), less the lag;
- new: where the new dance's evidence began (change point of log p_new - log p_old), less the lag;
- beat: where the old song's beat was last heard (the beat network's recent tempo within 4% of the old song's,
  octaves allowed, with confidence >= min_beat_confidence: change point of +-1), less the lag.

These excerpts (song endings into song starts) are not the benchmark's (song starts cut at 60-90 s), so the lag
chosen here is not fitted on scripts/bench_sections.py's sets.

    .venv/bin/python research/sections/crossfades.py            # about 10 minutes on 2 cores
"""
from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from bench_sections import SR, read_rows  # noqa: E402

from dancecore.audio import load_audio  # noqa: E402
from dancecore.classify import Classifier  # noqa: E402
from dancecore.dances import DANCE_IDS  # noqa: E402
from dancecore.model import load_model  # noqa: E402
from dancecore.sections import PROBABILITY_FLOOR, _note  # noqa: E402
from dancecore.stream.settings import EngineConfig, TrackerConfig  # noqa: E402
from dancecore.stream.tracker import Tracker, same_beat  # noqa: E402
from dancecore.stream.windows import WindowStream  # noqa: E402

EXCERPT_S = 60.0
FADE_S = 6.0
SEARCH_S = 30.0
LAGS = {"old": [2.0, 3.0, 4.0, 5.0, 6.0], "new": [1.0, 2.0, 2.6, 3.0, 4.0], "beat": [3.0, 4.0, 5.0, 6.0, 7.0]}


def pair(a: dict[str, str], b: dict[str, str]) -> np.ndarray:
    """The last EXCERPT_S of song a crossfaded into the first EXCERPT_S of song b (true boundary:
    EXCERPT_S - FADE_S / 2)."""
    tail = load_audio(a["path"], sr=SR, max_duration_s=1e4).samples[-round(EXCERPT_S * SR):]
    head = load_audio(b["path"], sr=SR, max_duration_s=EXCERPT_S).samples
    n = round(FADE_S * SR)
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    return np.concatenate([tail[:-n], tail[-n:] * (1 - ramp) + head[:n] * ramp, head[n:]])


def stream(classifier: Classifier, samples: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Songs the tracker called (sections.TrackedSong by number) and per window: times, probs, recent bpm and
    confidence."""
    engine, tracking = EngineConfig(), TrackerConfig()
    windows = WindowStream(classifier, engine)
    tracker = Tracker(tracking, windows.hop_s, classifier.model)
    hop = windows.hop_frames * windows.features.hop_length
    songs: dict = {}
    rows = []
    for first in range(0, len(samples), hop):
        for obs in windows.push(samples[first:first + hop]):
            for event in tracker.update(obs):
                _note(event, songs, len(rows))
            windows.music_start_s = tracker.song_start_s
            recent = obs.recent
            rows.append((obs.t_s, obs.probs, recent.bpm if recent else 0.0, recent.tempo_confidence if recent else 0.0))
    return (songs, np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
            np.array([r[2] for r in rows]), np.array([r[3] for r in rows]))


def change_at(scores: np.ndarray) -> int:
    """Index k maximising the sum of scores[k:]."""
    return int(np.argmax(np.cumsum(scores[::-1])[::-1]))


def candidates(songs: dict, times, probs, bpm, conf) -> dict[str, float]:
    """Each rule's change time (window end, before its lag) for the tracker's first two songs."""
    old, new = songs[1], songs[2]
    first = max(old.call_hop + 1, int(np.searchsorted(times, times[new.call_hop] - SEARCH_S)))
    last = new.call_hop + 1
    p = np.clip(probs[first:last], PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
    p_old, p_new = p[:, DANCE_IDS.index(old.dance)], p[:, DANCE_IDS.index(new.first_dance)]
    out = {"old": times[first + change_at(np.log1p(-p_old) - np.log(p_old))],
           "new": times[first + change_at(np.log(p_new) - np.log(p_old))]}
    before = [b for b, c in zip(bpm[max(0, first - 10):first], conf[max(0, first - 10):first]) if c >= 0.6]
    if before:
        old_bpm = float(np.median(before))
        heard = np.array([c >= 0.6 and same_beat(b, old_bpm, 0.04) for b, c in zip(bpm[first:last], conf[first:last])])
        out["beat"] = times[first + change_at(np.where(heard, -1.0, 1.0))]
    return out


def main() -> int:
    rows = [r for r in read_rows(Path(os.environ.get("DANCECORE_DATA", REPO.parent / "shared" / "data")))
            if r["kind"] == "in_set"]
    rng = random.Random(181)
    classifier = Classifier(load_model(None))
    truth = EXCERPT_S - FADE_S / 2
    found: dict[str, list[float]] = {rule: [] for rule in LAGS}
    missed = []
    for a in tqdm(rows, desc="pairs", file=sys.stderr):
        b = rng.choice([r for r in rows if r["dance"] != a["dance"]])
        songs, times, probs, bpm, conf = stream(classifier, pair(a, b))
        name = f"{Path(a['path']).stem[:24]} -> {Path(b['path']).stem[:24]}"
        if len(songs) < 2:
            missed.append(name)
            print(f"{name}: not split ({len(songs)} song)")
            continue
        change = candidates(songs, times, probs, bpm, conf)
        print(f"{name}: " + ", ".join(f"{k} {v - truth:+.1f}" for k, v in change.items()))
        for rule in LAGS:
            found[rule].append(change.get(rule, np.nan) - truth)
    print(f"\n{len(rows)} pairs, split by the tracker: {len(rows) - len(missed)}")
    for rule, lags in LAGS.items():
        raw = np.array(found[rule])
        for lag in lags:
            err = np.abs(raw[np.isfinite(raw)] - lag)
            print(f"  {rule:<4} lag {lag:.1f} s: median |error| {np.median(err):.1f} s, 90th percentile "
                  f"{np.percentile(err, 90):.1f} s, worst {err.max():.1f} s, "
                  f"within 5 s {int(np.sum(err <= 5))}/{len(raw)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
