"""The live tracker's decisions on constructed window observations: when it calls the core's decision,
where songs begin and end (silence, talk, a fade, a lost input, a crossfade), that quiet or beat-less
stretches inside a song keep it, that first calls hold and revisions stay in their song, and that tempo
and meter events follow the song."""
from __future__ import annotations

import numpy as np
import pytest

from dancecore.beat.decode import RhythmFacts
from dancecore.dances import DANCE_IDS
from dancecore.model import DanceModel
from dancecore.stream.events import DanceEvent, SilenceEvent, TempoEvent
from dancecore.stream.settings import TrackerConfig
from dancecore.stream.tracker import METER_SETTLE_HOPS, Observation, Tracker
from dancecore.tempo import fold_to_dance

HOP = 1.0
BLOCK = 0.1
N_BLOCKS = 52          # a 5.2 s window's level profile
START = 5.0            # the first window ends here
MODEL = DanceModel(name="test", specs={"cnn": {"settings": {"arch": "none"}}})   # the thesis's mean, no networks


def probs(dance: str, confidence: float = 0.8) -> np.ndarray:
    p = np.full(len(DANCE_IDS), (1 - confidence) / (len(DANCE_IDS) - 1))
    p[DANCE_IDS.index(dance)] = confidence
    return p


def mix(weights: dict[str, float]) -> np.ndarray:
    p = np.full(len(DANCE_IDS), (1 - sum(weights.values())) / (len(DANCE_IDS) - len(weights)))
    for dance, w in weights.items():
        p[DANCE_IDS.index(dance)] = w
    return p


def beat(bpm: float = 120.0, meter: int = 4, sure: float = 0.9, confidence: float = 0.9) -> RhythmFacts:
    """Beat-network facts: tempo `bpm` heard with `confidence`, `meter` with probability `sure`."""
    p_three = sure if meter == 3 else 1.0 - sure
    return RhythmFacts(bpm=bpm, tempo_confidence=confidence, beats_per_bar=meter, p_three=p_three,
                       meter_log_odds=0.0, beats=(), downbeats=())


def run(tracker: Tracker, plan: list[tuple[int, np.ndarray | None, dict]]) -> list[tuple[float, object]]:
    """Feed stretches of (windows, probabilities or None for silence, Observation fields); return (time, event).
    Each window's level profile shows the silent stretches of the plan (blocks of BLOCK s), as a real one does."""
    silent, t = [], START
    for count, p, _ in plan:
        if p is None:
            silent.append((t - HOP, t + (count - 1) * HOP))
        t += count * HOP
    events, t = [], START
    for count, p, extra in plan:
        for _ in range(count):
            fields = {"clarity": 0.5, "low_energy_ratio": 0.1, "bpm": 120.0, **extra}
            level = fields.pop("level", -20.0)
            blocks = t - (np.arange(N_BLOCKS)[::-1] + 0.5) * BLOCK
            quiet = np.zeros(N_BLOCKS, bool)
            for a, b in silent:
                quiet |= (blocks > a) & (blocks < b)
            levels = np.where(quiet, -120.0, level)
            obs = Observation(t_s=t, probs=np.full(len(DANCE_IDS), 0.1) if p is None else p,
                              rms_dbfs=float(levels[-round(HOP / BLOCK):].max()), levels_dbfs=levels,
                              level_block_s=BLOCK, **fields)
            events += [(t, e) for e in tracker.update(obs)]
            t += HOP
    return events


def make(**settings: object) -> Tracker:
    return Tracker(TrackerConfig(**settings), HOP, MODEL)


@pytest.fixture
def tracker() -> Tracker:
    return make()


def calls(events: list[tuple[float, object]]) -> list[tuple[str, int, bool, bool]]:
    """(dance, song, revised, not sure) of each DanceEvent."""
    return [(e.dance, e.song, e.revised, e.not_sure) for _, e in events if isinstance(e, DanceEvent)]


def kinds(events: list[tuple[float, object]]) -> list[str]:
    return [e.kind for _, e in events]


# ---------------------------------------------------------------- calls

def test_silence_alone_calls_nothing(tracker: Tracker) -> None:
    assert run(tracker, [(30, None, {})]) == []
    assert tracker.phase == "silence"


def test_a_steady_song_is_called_once_with_the_core_s_result(tracker: Tracker) -> None:
    events = run(tracker, [(20, probs("quickstep"), {"facts": beat(100.0)})])
    assert calls(events) == [("quickstep", 1, False, False)]
    (t, event), = events
    assert event.windows == tracker.config.quick_windows == 1     # 0.8: very sure, called at its first window
    assert event.since_song_start_s == pytest.approx(t)   # the sound began with the stream
    result = event.result
    assert result.dance == "quickstep" and result.confidence == pytest.approx(0.8) and not result.not_sure
    assert result.tempo_bpm == pytest.approx(fold_to_dance(100.0, "quickstep"))        # the beat network's tempo
    assert result.beats_per_bar == 4 and result.meter_confidence == pytest.approx(0.9)
    as_json = event.to_dict()
    assert as_json["event"] == "dance" and as_json["dance"] == "quickstep" and as_json["revised"] is False
    assert {"bpm", "mpm", "dj_bpm"} <= set(as_json["tempo"]) and as_json["meter"]["beats_per_bar"] == 4


def test_a_less_sure_decision_is_called_once_it_held() -> None:
    """Sure (above the model's 0.5) but under quick_call_probability: called once the song has min_windows windows
    and its decision named the dance for the last stable_windows."""
    config = TrackerConfig()
    events = run(make(), [(20, probs("tango", 0.6), {})])
    assert calls(events) == [("tango", 1, False, False)]
    assert events[0][1].windows == config.min_windows == config.stable_windows > config.quick_windows


def test_unsure_music_gets_one_not_sure_call_then_its_first_named_call(tracker: Tracker) -> None:
    unsure = mix({"rumba": 0.4, "cha_cha_cha": 0.35})
    events = run(tracker, [(25, unsure, {}), (12, probs("rumba", 0.95), {})])
    assert calls(events) == [("rumba", 1, False, True), ("rumba", 1, False, False)]
    (t, first), (_, named) = events
    assert t - (START - 5.2) == pytest.approx(tracker.config.unsure_after_s, abs=HOP)
    assert first.result.not_sure_reason == "fits several dances: Rumba or Cha Cha Cha"
    assert tracker.announced == "rumba" and named.result.also_fits is None


def test_the_first_call_waits_while_the_meter_heard_disagrees() -> None:
    waltz_heard = run(make(), [(20, probs("slow_foxtrot"), {"facts": beat(90.0, meter=3, sure=0.95)})])
    four_heard = run(make(), [(20, probs("slow_foxtrot"), {"facts": beat(120.0, meter=4, sure=0.95)})])
    unsure_meter = run(make(), [(20, probs("slow_foxtrot"), {"facts": beat(90.0, meter=3, sure=0.7)})])
    assert calls(waltz_heard) == calls(four_heard) == calls(unsure_meter) == [("slow_foxtrot", 1, False, False)]
    waited = waltz_heard[0][0] - (START - 5.2)
    assert waited == pytest.approx(TrackerConfig().unsure_after_s, abs=HOP)
    assert four_heard[0][0] == unsure_meter[0][0] == START           # very sure, the meter fits: at once


def test_talk_before_the_music_without_silence_calls_only_the_music(tracker: Tracker) -> None:
    talk = {"clarity": 0.05, "low_energy_ratio": 0.5}
    events = run(tracker, [(12, probs("jive", 0.3), talk), (12, probs("cha_cha_cha"), {})])
    assert calls(events) == [("cha_cha_cha", 1, False, False)]
    assert events[0][1].since_song_start_s < 8.0     # the song counts from the end of the talk


# ---------------------------------------------------------------- song ends

def test_silence_gap_ends_the_song_and_the_next_is_called(tracker: Tracker) -> None:
    events = run(tracker, [(12, probs("tango"), {}), (5, None, {}), (12, probs("jive"), {})])
    assert kinds(events) == ["dance", "silence", "dance"]
    assert calls(events) == [("tango", 1, False, False), ("jive", 2, False, False)]
    gap_start = START + 12 * HOP - HOP
    assert events[1][0] - gap_start == pytest.approx(TrackerConfig().silence_gap_s, abs=HOP)
    assert events[1][1].song == 1 and events[1][1].reason == "silence"


def test_the_same_dance_after_a_gap_is_a_new_song(tracker: Tracker) -> None:
    events = run(tracker, [(12, probs("samba"), {}), (4, None, {}), (12, probs("samba"), {})])
    assert calls(events) == [("samba", 1, False, False), ("samba", 2, False, False)]


def test_a_short_break_inside_a_song_is_not_a_new_song(tracker: Tracker) -> None:
    events = run(tracker, [(12, probs("rumba"), {}), (1, None, {}), (12, probs("rumba"), {})])
    assert kinds(events) == ["dance"]


def test_a_gap_shorter_than_whole_silent_hops_still_ends_the_song(tracker: Tracker) -> None:
    """A 2.3 s gap between hops: at no hop is 2 s of it behind; the level profile shows it once sound is back."""
    events, t = [], START
    gap_start, gap_end = 20.35, 22.65
    for _ in range(35):
        blocks = t - (np.arange(N_BLOCKS)[::-1] + 0.5) * BLOCK
        levels = np.where((blocks > gap_start) & (blocks < gap_end), -120.0, -20.0)
        obs = Observation(t_s=t, probs=probs("tango"), rms_dbfs=float(levels[-10:].max()), bpm=120.0, clarity=0.5,
                          low_energy_ratio=0.1, levels_dbfs=levels, level_block_s=BLOCK)
        events += [(t, e) for e in tracker.update(obs)]
        t += HOP
    assert kinds(events) == ["dance", "silence", "dance"]
    assert calls(events) == [("tango", 1, False, False), ("tango", 2, False, False)]
    assert events[1][0] - gap_start <= 4.0
    assert events[2][1].since_song_start_s == pytest.approx(events[2][0] - gap_end, abs=BLOCK)


def test_quiet_smooth_or_beatless_stretches_inside_a_song_keep_it(tracker: Tracker) -> None:
    """Issue 17: 4 s of hops failing the beat or talk gates ended songs. A soft verse, a breakdown without
    beat clarity, a smooth passage, a sparse one with many quiet frames, 15 dB down: one song, one call."""
    events = run(tracker, [(10, probs("slow_waltz"), {}),
                           (8, probs("slow_waltz", 0.5), {"clarity": 0.02}),                  # no beat clarity
                           (8, probs("slow_waltz", 0.6), {"onset_variation": 0.1}),           # smooth, steady
                           (8, probs("slow_waltz", 0.6), {"low_energy_ratio": 0.45}),         # sparse, beat clear
                           (8, probs("slow_waltz", 0.6), {"level": -35.0, "clarity": 0.1}),   # soft verse
                           (8, probs("slow_waltz", 0.6), {"low_energy_ratio_now": 0.5, "onset_variation_now": 2.0}),
                           (8, probs("slow_waltz", 0.6), {"level": -35.0, "low_energy_ratio_now": 0.5}),
                           (10, probs("slow_waltz"), {})])
    assert kinds(events) == ["dance"]     # the last two: sparse and bursty but loud, soft and sparse but smooth


def test_talk_after_a_song_ends_it_and_the_next_song_is_called(tracker: Tracker) -> None:
    talk = {"clarity": 0.05, "low_energy_ratio": 0.5}
    events = run(tracker, [(10, probs("rumba"), {}), (8, probs("jive", 0.3), talk), (12, probs("rumba"), {})])
    assert kinds(events) == ["dance", "silence", "dance"]
    assert calls(events) == [("rumba", 1, False, False), ("rumba", 2, False, False)]
    talk_start = START + 10 * HOP
    assert events[1][1].reason == "talk"
    assert events[1][0] == pytest.approx(talk_start + (tracker.config.talk_gap_s / HOP - 1) * HOP)


def test_talk_right_after_the_music_ends_the_song_within_seconds(tracker: Tracker) -> None:
    """Issue 17: talk starting as the music stops was found 8 s late (the talk measures reach 4-6 s back into the
    music). Over the last 2 s it is talk-like (quiet frames, bursty onsets) and far below the song: 2 hops end it."""
    song = {"facts": beat(100.0), "recent": beat(100.0)}
    talk = {**song, "level": -35.0, "low_energy_ratio_now": 0.5, "onset_variation_now": 2.0}   # the song still heard
    later = {**talk, "clarity": 0.05, "low_energy_ratio": 0.5, "recent": beat(70.0, confidence=0.2)}
    events = run(tracker, [(10, probs("rumba"), song), (3, probs("rumba", 0.6), talk), (8, probs("jive", 0.3), later)])
    assert kinds(events) == ["dance", "silence"] and events[1][1].reason == "talk"
    talk_start = START + 10 * HOP
    assert events[1][0] == pytest.approx(talk_start + (tracker.config.talk_now_hops - 1) * HOP)


def test_talk_over_the_song_s_beat_keeps_the_song(tracker: Tracker) -> None:
    song = {"facts": beat(100.0), "recent": beat(100.0)}
    over_it = {**song, "clarity": 0.05, "low_energy_ratio": 0.5, "recent": beat(50.5, confidence=0.8)}
    events = run(tracker, [(10, probs("rumba"), song), (10, probs("rumba", 0.4), over_it), (5, probs("rumba"), song)])
    assert kinds(events) == ["dance"]


def test_a_fade_far_below_the_song_without_its_beat_ends_it(tracker: Tracker) -> None:
    song = {"facts": beat(100.0), "recent": beat(100.0)}
    fading = {"level": -45.0, "facts": beat(100.0), "recent": beat(100.0, confidence=0.1)}
    events = run(tracker, [(20, probs("rumba"), song), (8, probs("rumba", 0.4), fading)])
    assert kinds(events) == ["dance", "silence"] and events[1][1].reason == "faded"
    assert events[1][0] == pytest.approx(START + 20 * HOP + (tracker.config.talk_gap_s / HOP - 1) * HOP)


def test_a_lost_input_ends_the_song_at_once(tracker: Tracker) -> None:
    events = run(tracker, [(12, probs("jive"), {})])
    lost_at = START + 12 * HOP
    silence, = tracker.lost(lost_at)
    assert isinstance(silence, SilenceEvent) and silence.reason == "input lost" and silence.song == 1
    assert tracker.lost(lost_at + 1.0) == [] and tracker.song_start_s is None and tracker.phase == "silence"
    assert calls(events) == [("jive", 1, False, False)]


# ---------------------------------------------------------------- revisions and new songs

def test_a_brief_change_is_nothing(tracker: Tracker) -> None:
    n = tracker.config.change_windows
    events = run(tracker, [(12, probs("tango"), {}), (n - 1, probs("jive"), {}), (12, probs("tango"), {})])
    assert kinds(events) == ["dance"]


def test_a_wrong_first_call_is_revised_quickly_in_the_same_song(tracker: Tracker) -> None:
    """Issue 17: a quickstep called slow waltz at 9 s was corrected at 41 s as a new song."""
    n = tracker.config.change_windows
    events = run(tracker, [(8, probs("slow_waltz", 0.7), {}), (30, probs("quickstep"), {})])
    assert calls(events) == [("slow_waltz", 1, False, False), ("quickstep", 1, True, False)]
    change_at = START + 8 * HOP
    assert events[1][0] == pytest.approx(change_at + (n - 1) * HOP)


def test_going_back_to_a_dance_called_before_needs_twice_the_evidence(tracker: Tracker) -> None:
    n = tracker.config.change_windows
    back_briefly = run(make(), [(6, probs("jive"), {}), (n, probs("viennese_waltz"), {}),
                                (2 * n - 1, probs("jive"), {}), (n, probs("viennese_waltz"), {})])
    assert calls(back_briefly) == [("jive", 1, False, False), ("viennese_waltz", 1, True, False)]
    back = run(tracker, [(6, probs("jive"), {}), (n, probs("viennese_waltz"), {}), (2 * n, probs("jive"), {})])
    assert calls(back) == [("jive", 1, False, False), ("viennese_waltz", 1, True, False), ("jive", 1, True, False)]


def test_more_evidence_revises_the_song_once(tracker: Tracker) -> None:
    # window tops alternate (no sustained change) while the song mean moves to viennese_waltz
    alternating = [mix({"slow_waltz": 0.45, "viennese_waltz": 0.4}), mix({"slow_waltz": 0.1, "viennese_waltz": 0.75})]
    events = run(tracker, [(3, probs("slow_waltz", 0.6), {})])
    t = START + 3 * HOP
    for i in range(40):
        obs = Observation(t_s=t, probs=alternating[i % 2], rms_dbfs=-20.0, bpm=120.0, clarity=0.5, low_energy_ratio=0.1,
                          levels_dbfs=np.full(N_BLOCKS, -20.0), level_block_s=BLOCK)
        events += [(t, e) for e in tracker.update(obs)]
        t += HOP
    assert calls(events) == [("slow_waltz", 1, False, False), ("viennese_waltz", 1, True, False)]


def test_a_late_change_of_dance_and_beat_is_a_new_song(tracker: Tracker) -> None:
    """A crossfade: after new_song_after_s of a paso doble at 120 BPM, windows name a viennese waltz at 174."""
    n = tracker.config.change_windows
    paso = {"facts": beat(120.0), "recent": beat(120.0)}
    waltz = {"facts": beat(140.0, meter=3), "recent": beat(174.0, meter=3)}
    events = run(tracker, [(45, probs("paso_doble"), paso), (n + 3, probs("viennese_waltz"), waltz)])
    assert calls(events) == [("paso_doble", 1, False, False), ("viennese_waltz", 2, False, False)]
    (t, call), = [(t, e) for t, e in events if isinstance(e, DanceEvent) and e.song == 2]
    change_at = START + 45 * HOP
    assert t == pytest.approx(change_at + n * HOP)     # detected, then called with the new song's facts
    assert call.since_song_start_s == pytest.approx(n * HOP + tracker.config.min_music_s)


def test_a_late_change_of_dance_on_the_same_beat_is_not_a_new_song(tracker: Tracker) -> None:
    n = tracker.config.change_windows
    same = {"facts": beat(176.0), "recent": beat(176.0)}
    events = run(tracker, [(45, probs("jive"), same), (n + 3, probs("viennese_waltz"), same)])
    assert calls(events) == [("jive", 1, False, False)]


def test_the_song_start_comes_from_the_window_level_profile(tracker: Tracker) -> None:
    levels = np.full(N_BLOCKS, -20.0)
    levels[:20] = -120.0          # music began 20 blocks (2 s) into the window ending at t = 5
    first = Observation(t_s=START, probs=probs("jive"), rms_dbfs=-20.0, bpm=120.0, clarity=0.5, low_energy_ratio=0.1,
                        levels_dbfs=levels, level_block_s=BLOCK)
    assert first.sound_start_s(-50.0) == pytest.approx(START - 32 * BLOCK)
    events = tracker.update(first)
    for t in range(6, 20):
        events += tracker.update(Observation(t_s=float(t), probs=probs("jive"), rms_dbfs=-20.0, bpm=120.0, clarity=0.5,
                                             low_energy_ratio=0.1, levels_dbfs=np.full(N_BLOCKS, -20.0),
                                             level_block_s=BLOCK))
    event, = events
    assert event.since_song_start_s == pytest.approx(event.stream_s - (START - 32 * BLOCK))


# ---------------------------------------------------------------- tempo and meter

def test_tempo_and_meter_events_follow_the_song(tracker: Tracker) -> None:
    events = run(tracker, [(8, probs("quickstep"), {"facts": beat(200.0)}),
                           (6, probs("quickstep"), {"facts": beat(204.0)}),                 # 2%: the same tempo
                           (6, probs("quickstep"), {"facts": beat(212.0)}),                 # 6%: moved
                           (1, probs("quickstep"), {"facts": beat(200.0)}),                 # one window is no move
                           (6, probs("quickstep"), {"facts": beat(212.0, meter=3, sure=0.7)}),   # meter unsure
                           (6, probs("quickstep"), {"facts": beat(212.0, meter=3, sure=0.9)})])
    assert kinds(events) == ["dance", "tempo", "tempo"]
    (_, called), (t1, faster), (t2, in_three) = events
    assert called.tempo_bpm == pytest.approx(200.0) and called.result.beats_per_bar == 4
    assert isinstance(faster, TempoEvent) and faster.song == 1 and faster.dance == "quickstep"
    assert faster.tempo_bpm == pytest.approx(212.0) and t1 == pytest.approx(START + 14 * HOP + HOP)
    assert in_three.result.beats_per_bar == 3 and t2 == pytest.approx(START + 27 * HOP)   # 3 held, now sure
    assert faster.to_dict()["event"] == "tempo" and faster.to_dict()["tempo"]["bpm"] == pytest.approx(212.0)


def test_a_meter_heard_unsurely_replaces_the_one_reported_only_once_it_held(tracker: Tracker) -> None:
    """Issue 17: a song's P(3) wanders across 0.5 from one window to the next, and whatever meter a tempo event
    happened to carry stayed (4/4 songs ending in 3 live, 8 of 84; offline 0 of 21). The meter reported changes
    when another one is heard surely, or for METER_SETTLE_HOPS windows in a row; a tempo event keeps it."""
    n = METER_SETTLE_HOPS
    four = {"facts": beat(200.0, meter=4, sure=0.9)}
    three_unsure = {"facts": beat(212.0, meter=3, sure=0.7)}
    events = run(tracker, [(8, probs("quickstep"), four), (n - 1, probs("quickstep"), three_unsure),
                           (1, probs("quickstep"), {"facts": beat(212.0, meter=4, sure=0.9)}),
                           (n, probs("quickstep"), three_unsure)])
    assert kinds(events) == ["dance", "tempo", "tempo"]
    (_, called), (t1, faster), (t2, in_three) = events
    assert called.result.beats_per_bar == 4
    assert faster.tempo_bpm == pytest.approx(212.0) and t1 == pytest.approx(START + 9 * HOP)
    assert faster.result.beats_per_bar == 4 and faster.result.meter_confidence == pytest.approx(0.9)   # kept
    assert in_three.result.beats_per_bar == 3 and in_three.result.meter_confidence == pytest.approx(0.7)
    assert t2 == pytest.approx(START + (8 + 2 * n - 1) * HOP)


def test_a_call_names_a_meter_only_once_it_is_heard_surely_or_has_held() -> None:
    """A first call at 5 s hears a few seconds of the song: its meter (a tango in 3 at P 0.64) is no meter to
    announce. The call says none (null); a tempo event gives it once it is sure, or held METER_SETTLE_HOPS windows."""
    sure_later = run(make(), [(5, probs("rumba"), {"facts": beat(100.0, meter=4, sure=0.6)}),
                              (3, probs("rumba"), {"facts": beat(100.0, meter=4, sure=0.85)})])
    held = run(make(), [(METER_SETTLE_HOPS + 4, probs("rumba"), {"facts": beat(100.0, meter=4, sure=0.6)})])
    for events, at in ((sure_later, START + 5 * HOP), (held, START + METER_SETTLE_HOPS * HOP)):
        assert kinds(events) == ["dance", "tempo"]
        (_, called), (t, known) = events
        assert called.result.beats_per_bar is None and called.to_dict()["meter"] is None
        assert known.result.beats_per_bar == 4 and t == pytest.approx(at)
