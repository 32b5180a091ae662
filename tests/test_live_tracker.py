"""The live tracker's decisions on constructed window observations: when it announces, when a new
song starts, and that silence, talk and unsure stretches announce nothing."""
from __future__ import annotations

import numpy as np
import pytest

from adapters.config import TrackerConfig
from adapters.events import DanceEvent, SilenceEvent
from adapters.tracker import Observation, Tracker
from dancecore.dances import DANCE_IDS
from dancecore.model import RejectSettings
from dancecore.tempo import fold_to_dance

HOP = 1.0
BLOCK = 0.25
N_BLOCKS = 20  # a 5 s window


def probs(dance: str, confidence: float = 0.8) -> np.ndarray:
    p = np.full(len(DANCE_IDS), (1 - confidence) / (len(DANCE_IDS) - 1))
    p[DANCE_IDS.index(dance)] = confidence
    return p


def observation(t: float, p: np.ndarray | None, level: float = -20.0, clarity: float = 0.5,
                low_energy: float = 0.1, levels: np.ndarray | None = None) -> Observation:
    """A window ending at t; p None means silence (uniform probabilities, digital silence)."""
    if p is None:
        p, level = np.full(len(DANCE_IDS), 0.1), -120.0
    return Observation(t_s=t, probs=p, rms_dbfs=level, bpm=120.0, clarity=clarity, low_energy_ratio=low_energy,
                       levels_dbfs=np.full(N_BLOCKS, level) if levels is None else levels, level_block_s=BLOCK)


def run(tracker: Tracker, plan: list[tuple[int, np.ndarray | None, dict]]) -> list[tuple[float, object]]:
    """Feed (windows, probabilities, extra fields) stretches; return (time, event) pairs."""
    events, t = [], 5.0
    for count, p, extra in plan:
        for _ in range(count):
            events += [(t, e) for e in tracker.update(observation(t, p, **extra))]
            t += HOP
    return events


@pytest.fixture
def tracker() -> Tracker:
    return Tracker(TrackerConfig(), HOP, RejectSettings(), {"name": "test", "arch": "none"})


def dances(events: list[tuple[float, object]]) -> list[tuple[str, int, bool]]:
    return [(e.dance, e.song, e.revised) for _, e in events if isinstance(e, DanceEvent)]


def test_silence_alone_announces_nothing(tracker: Tracker) -> None:
    assert run(tracker, [(30, None, {})]) == []
    assert tracker.phase == "silence"


def test_a_steady_song_is_announced_once_when_stable(tracker: Tracker) -> None:
    events = run(tracker, [(20, probs("quickstep"), {})])
    assert dances(events) == [("quickstep", 1, False)]
    (t, event), = events
    assert event.windows == tracker.config.min_windows
    assert event.since_song_start_s >= tracker.config.min_music_s
    assert event.result.dance == "quickstep" and event.confidence == pytest.approx(0.8)
    assert event.tempo_bpm == pytest.approx(fold_to_dance(120.0, "quickstep"))
    assert event.to_dict()["event"] == "dance" and event.to_dict()["dance"] == "quickstep"


def test_silence_gap_ends_the_song_and_the_next_is_announced(tracker: Tracker) -> None:
    events = run(tracker, [(12, probs("tango"), {}), (5, None, {}), (12, probs("jive"), {})])
    kinds = [type(e).__name__ for _, e in events]
    assert kinds == ["DanceEvent", "SilenceEvent", "DanceEvent"]
    assert dances(events) == [("tango", 1, False), ("jive", 2, False)]
    silence_at = events[1][0]
    assert events[0][0] < silence_at < events[2][0]
    assert isinstance(events[1][1], SilenceEvent) and events[1][1].song == 1


def test_the_same_dance_after_a_gap_is_a_new_song(tracker: Tracker) -> None:
    events = run(tracker, [(12, probs("samba"), {}), (4, None, {}), (12, probs("samba"), {})])
    assert dances(events) == [("samba", 1, False), ("samba", 2, False)]


def test_a_short_break_inside_a_song_is_not_a_new_song(tracker: Tracker) -> None:
    events = run(tracker, [(12, probs("rumba"), {}), (1, None, {}), (12, probs("rumba"), {})])
    assert dances(events) == [("rumba", 1, False)]
    assert not any(isinstance(e, SilenceEvent) for _, e in events)


@pytest.mark.parametrize("talk", [{"clarity": 0.01}, {"low_energy": 0.45}], ids=["no-beat", "talk-pauses"])
def test_talk_announces_nothing(tracker: Tracker, talk: dict) -> None:
    assert run(tracker, [(20, probs("slow_waltz"), talk)]) == []
    assert tracker.phase == "unsure"


def test_unsure_music_announces_nothing(tracker: Tracker) -> None:
    assert run(tracker, [(25, probs("slow_foxtrot", confidence=0.3), {})]) == []


def test_talk_between_songs_without_silence_keeps_quiet_until_the_music(tracker: Tracker) -> None:
    events = run(tracker, [(8, probs("jive", 0.3), {"clarity": 0.01}), (12, probs("cha_cha_cha"), {})])
    assert dances(events) == [("cha_cha_cha", 1, False)]


def test_a_sustained_change_without_a_gap_is_a_new_song(tracker: Tracker) -> None:
    n = tracker.config.change_windows
    events = run(tracker, [(12, probs("paso_doble"), {}), (n + 2, probs("viennese_waltz"), {})])
    assert dances(events) == [("paso_doble", 1, False), ("viennese_waltz", 2, False)]
    change_at = 5.0 + 12 * HOP
    assert events[1][0] == pytest.approx(change_at + (n - 1) * HOP)


def test_a_brief_change_is_not_a_new_song(tracker: Tracker) -> None:
    n = tracker.config.change_windows
    events = run(tracker, [(12, probs("tango"), {}), (n - 1, probs("jive"), {}), (12, probs("tango"), {})])
    assert dances(events) == [("tango", 1, False)]


def test_talk_over_a_song_keeps_the_announcement(tracker: Tracker) -> None:
    events = run(tracker, [(10, probs("rumba"), {}), (3, probs("jive", 0.3), {"clarity": 0.01}),
                           (5, probs("rumba"), {})])
    assert dances(events) == [("rumba", 1, False)]


def test_talk_after_a_song_ends_it_and_the_next_song_is_announced(tracker: Tracker) -> None:
    events = run(tracker, [(10, probs("rumba"), {}), (8, probs("jive", 0.3), {"low_energy": 0.5}),
                           (12, probs("rumba"), {})])
    assert [type(e).__name__ for _, e in events] == ["DanceEvent", "SilenceEvent", "DanceEvent"]
    assert dances(events) == [("rumba", 1, False), ("rumba", 2, False)]
    talk_start = 5.0 + 10 * HOP
    assert events[1][0] == pytest.approx(talk_start + (tracker.config.talk_gap_s / HOP - 1) * HOP)


def test_a_gap_shorter_than_whole_silent_hops_still_splits_songs(tracker: Tracker) -> None:
    """A 2.5 s gap leaves at most two fully silent hops; the level profile still shows it."""
    events, t = [], 5.0
    gap_start, gap_end = 20.3, 22.8
    for _ in range(35):
        block_times = t - (np.arange(N_BLOCKS)[::-1] + 0.5) * BLOCK
        levels = np.where((block_times > gap_start) & (block_times < gap_end), -120.0, -20.0)
        hop_silent = bool((t - HOP >= gap_start) and (t <= gap_end))
        obs = observation(t, probs("tango"), level=-120.0 if hop_silent else -20.0, levels=levels)
        events += [(t, e) for e in tracker.update(obs)]
        t += HOP
    assert dances(events) == [("tango", 1, False), ("tango", 2, False)]
    assert not any(isinstance(e, SilenceEvent) for _, e in events)
    assert events[1][1].since_song_start_s == pytest.approx(events[1][0] - gap_end, abs=BLOCK)


def mix(weights: dict[str, float]) -> np.ndarray:
    p = np.full(len(DANCE_IDS), (1 - sum(weights.values())) / (len(DANCE_IDS) - len(weights)))
    for dance, w in weights.items():
        p[DANCE_IDS.index(dance)] = w
    return p


def test_more_evidence_revises_the_song_once(tracker: Tracker) -> None:
    # window tops alternate (no sustained change) while the song mean moves to viennese_waltz
    alternating = [mix({"slow_waltz": 0.45, "viennese_waltz": 0.4}), mix({"slow_waltz": 0.1, "viennese_waltz": 0.75})]
    events = run(tracker, [(3, probs("slow_waltz", 0.6), {})])
    t = 5.0 + 3 * HOP
    for i in range(40):
        events += [(t, e) for e in tracker.update(observation(t, alternating[i % 2]))]
        t += HOP
    assert dances(events) == [("slow_waltz", 1, False), ("viennese_waltz", 1, True)]


def test_the_song_start_comes_from_the_window_level_profile(tracker: Tracker) -> None:
    levels = np.full(N_BLOCKS, -20.0)
    levels[:8] = -120.0          # music began 8 blocks (2 s) into the window ending at t = 5
    first = observation(5.0, probs("jive"), levels=levels)
    assert first.sound_start_s(-50.0) == pytest.approx(5.0 - 12 * BLOCK)
    events = [e for t in range(5, 20) for e in tracker.update(
        observation(float(t), probs("jive"), levels=levels if t == 5 else None))]
    event, = events
    assert event.since_song_start_s == pytest.approx(event.stream_s - (5.0 - 12 * BLOCK))


def test_a_change_right_after_a_weak_announcement_is_a_revision_not_a_new_song() -> None:
    tracker = Tracker(TrackerConfig(min_confidence=0.3), HOP, RejectSettings(), {"name": "t", "arch": "t"})
    leaning = mix({"tango": 0.35, "quickstep": 0.3})
    events = run(tracker, [(1, probs("quickstep", 0.9), {}), (2, leaning, {}), (10, probs("tango", 0.8), {})])
    assert dances(events) == [("quickstep", 1, False), ("tango", 1, True)]
