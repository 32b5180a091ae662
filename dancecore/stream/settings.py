"""Settings of the streaming analysis (windows every hop, song boundaries, calls), shared by `dancecore live`
and `dancecore classify --sections`; `configs/adapter.yaml` sets them for live."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SettingsSection(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class EngineConfig(SettingsSection):
    """How often and over what span the model and the beat tracker run."""

    hop_s: float = Field(1.0, gt=0.05, le=10, description="a new window is scored every hop, seconds")
    tempo_s: float = Field(6.0, ge=2.0, le=30, description="span of audio for tempo and beat clarity, seconds")
    talk_s: float = Field(4.0, ge=1.0, le=30, description="span for the low-energy (talk) measure, seconds")
    talk_now_s: float = Field(2.0, ge=0.5, le=10, description="span of the quick talk measures (share of quiet "
                              "frames, onset variation) that find talk right after the music, seconds")
    rhythm_audio_s: float = Field(12.0, ge=0, le=60, description="recent audio handed to the scorer, seconds")
    song_s: float = Field(60.0, ge=10, le=600, description="the song's latest audio kept for its onset tempo, beat "
                          "clarity and meter, seconds")
    beat_tempo_s: float = Field(20.0, ge=4, le=600, description="the song's tempo is the beat network's over its "
                                "latest audio of this length, seconds (shorter follows a tempo change sooner)")
    beat_recent_s: float = Field(8.0, ge=2, le=60, description="span of the beat network's 'steady beat heard now' "
                                 "and recent tempo, seconds")
    lost_s: float = Field(2.0, gt=0, description="no audio from the source for this long ends the song, seconds")
    threads: int = Field(1, ge=1, le=64, description="CPU threads of the model's networks")


class TrackerConfig(SettingsSection):
    """When to call a dance, where songs begin and end. The dance is the core's decision on the song so far."""

    silence_dbfs: float = Field(-50.0, le=0, description="a hop quieter than this RMS (dB full scale) is silent")
    silence_gap_s: float = Field(2.0, gt=0, le=4, description="this much silence ends a song, seconds")
    talk_gap_s: float = Field(4.0, gt=0, description="this much talk, or sound far quieter than the song, without "
                              "the song's beat ends a song, seconds")
    min_music_s: float = Field(4.0, ge=0, description="music a window must hold before it counts, seconds")
    min_windows: int = Field(3, ge=1, description="windows of a song before its first call")
    stable_windows: int = Field(3, ge=1, description="consecutive windows the song's decision must name the dance")
    quick_call_probability: float = Field(0.7, ge=0, le=1, description="a sure decision with at least this top "
                                          "probability is called once quick_windows windows in a row name it (a first "
                                          "call, or a 'not sure' call becoming sure); 1: never sooner")
    quick_windows: int = Field(1, ge=1, description="windows (in a row, and of the song) before a call at "
                               "quick_call_probability")
    min_confidence: float | None = Field(None, ge=0, le=1, description="the decision's 'not sure' threshold on the "
                                         "top probability; null: the model's min_top_probability")
    min_beat_clarity: float | None = Field(
        0.05, ge=0, le=1, description="a window's last tempo_s of audio below this beat clarity is doubtful (a few "
        "seconds are less periodic than a whole song, so lower than the model's song-level min_beat_clarity); "
        "null: the model's")
    max_low_energy_ratio: float = Field(0.3, gt=0, le=1, description="talk: share of quiet frames above this")
    talk_max_clarity: float = Field(0.2, ge=0, le=1, description="talk that ends a song: beat clarity below this too")
    talk_now_onset_variation: float = Field(1.5, ge=0, description="talk right after the music: over the last "
                                            "engine.talk_now_s more than max_low_energy_ratio quiet frames and an "
                                            "onset variation above this (speech is burstier than music)")
    talk_now_drop_db: float = Field(10.0, gt=0, description="talk right after the music: the hop also this far "
                                    "below the called song's median level, dB")
    talk_now_hops: int = Field(2, ge=1, description="hops in a row of talk right after the music that end the song "
                               "(reason talk)")
    min_onset_variation: float = Field(0.22, ge=0, description="steady sound (noise, hum): onset variation "
                                       "(std / mean of the spectral flux) below this")
    min_beat_confidence: float = Field(0.6, ge=0, le=1, description="the beat network hears a steady beat when its "
                                       "tempo confidence over beat_recent_s reaches this: such a window is music")
    level_drop_db: float = Field(20.0, gt=0, description="a hop this far below the song's median level, without "
                                 "its beat, counts towards the song's end, dB")
    meter_hold_confidence: float = Field(0.9, ge=0.5, le=1, description="hold a call whose dance has another meter "
                                         "than the one heard with at least this confidence (until unsure_after_s)")
    unsure_after_s: float = Field(8.0, gt=0, description="after this much music the song's decision is called "
                                  "as it stands, sure or 'not sure', seconds")
    tempo_change: float = Field(0.04, gt=0, le=1, description="a tempo event when the song's tempo moves by more "
                                "than this share; also the tolerance of 'the same beat', 0.04 = 4%")
    change_windows: int = Field(6, ge=2, description="windows in a row each naming another dance: the song's evidence "
                                "starts again there (a revision), or with another beat a new song begins")
    new_song_after_s: float = Field(30.0, ge=0, description="a change of dance without a gap is a new song only after "
                                    "this much of the song, seconds (before: the first call was wrong)")
    revise_margin: float = Field(0.1, ge=0, le=1, description="lead over the called dance to revise it")
