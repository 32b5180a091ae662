"""Arrangement styles: per dance, a traditional ballroom band and modern (pop/electronic) variants.

A Style is data: harmony families, feel, drum grooves (keys of patterns.GROOVES), bass, comping
and melody specs with GM program pools. Positions/durations are in beats of the dance's meter
(quarter notes; 2/4 dances have 2 beats per bar).
"""
from __future__ import annotations

from dataclasses import dataclass

from dancecore.data.synth import patterns as P

Riff = tuple[tuple[float, float, str], ...]  # (position, duration, degree) per bar, see bass.py


@dataclass(frozen=True)
class BassSpec:
    """Bass line: per-bar riff alternatives and/or a generated `walk` ("walking" | "boogie");
    with both, verses may use a riff (e.g. a two-feel) and choruses the walk."""

    programs: tuple[int, ...]
    riffs: tuple[Riff, ...] = ()
    walk: str = ""
    low: int = 28
    legato: float = 0.9
    level: float = 0.85


@dataclass(frozen=True)
class CompSpec:
    """Chordal part: rhythm grids (alternatives), voicing `mode` (block | strum | arp | octaves),
    voicing centre (MIDI pitch), number of voices, when it plays (all | main | chorus | verse)."""

    name: str
    programs: tuple[int, ...]
    grids: tuple[str, ...]
    steps_per_beat: int = 2
    mode: str = "block"
    center: int = 62
    voices: int = 3
    legato: float = 0.85
    prob: float = 1.0
    when: str = "all"
    level: float = 0.7


@dataclass(frozen=True)
class MelodySpec:
    """Lead line: programs, pitch range, rhythm cells (per-bar durations in beats; negative = rest)."""

    programs: tuple[int, ...]
    low: int
    high: int
    cells: tuple[tuple[float, ...], ...]
    legato: float = 0.9
    prob: float = 0.9
    level: float = 0.85


@dataclass(frozen=True)
class Style:
    """One arrangement style of a dance."""

    dance: str
    variant: str
    weight: float
    harmony: tuple[str, ...]
    bars_per_chord: tuple[float, ...]
    kits: tuple[int, ...]
    grooves: tuple[tuple[str, float], ...]
    fills: tuple[str, ...]
    bass: BassSpec
    comps: tuple[CompSpec, ...]
    melody: MelodySpec
    phrase_bars: int = 8
    swing: tuple[float, float] = (0.5, 0.5)
    swing16: tuple[float, float] = (0.5, 0.5)
    warp: tuple[float, ...] = ()
    timing_ms: tuple[float, float] = (4.0, 12.0)
    phrase_end: str = ""  # tutti-stop grid (16ths) replacing the last bar of every phrase, e.g. tango
    break_grid: str = "X"  # tutti hits (16ths, repeating per bar) in stop-time breaks


# ---- shared pools -------------------------------------------------------------------------------
PIANOS = (0, 1, 2)
EPIANOS = (4, 5)
PADS = (88, 89, 90, 91, 94, 95)
STRINGS = (48, 49)
SYNTH_BASS = (38, 39)
ACOUSTIC_BASS = (32, 33)
LEADS_POP = (53, 54, 80, 81, 65, 73)
BRASS = (61, 56, 57)

CELLS_44 = ((1, 1, 1, 1), (2, 1, 1), (1.5, 0.5, 2), (0.5, 0.5, 1, 2), (1, 0.5, 0.5, 1, 1), (-1, 1, 1, 1),
            (3, 1), (4,), (1.5, 1.5, 1), (-0.5, 0.5, 0.5, 0.5, 2), (2, 2))
CELLS_44_LATIN = ((1.5, 1.5, 1), (-0.5, 1, 1, 1.5), (1, 0.5, 1, 0.5, 1), (0.5, 1, 0.5, 2), (2, 1, 0.5, 0.5),
                  (1, 1, 1, 0.5, 0.5), (3, 0.5, 0.5), (-1, 0.5, 1, 1.5), (4,))
CELLS_44_SWING = ((1, 1, 1, 1), (1.5, 0.5, 1.5, 0.5), (-0.5, 0.5, 1, 2), (0.5, 1, 0.5, 2), (3, 1), (4,),
                  (2, 0.5, 0.5, 1), (-1, 0.5, 0.5, 0.5, 1.5))
CELLS_34 = ((2, 1), (1, 1, 1), (3,), (1.5, 0.5, 1), (1, 2), (-1, 1, 1), (2, 0.5, 0.5))
CELLS_24_SAMBA = ((0.5, 0.5, 1), (0.25, 0.5, 0.25, 1), (0.5, 0.25, 0.25, 1), (-0.25, 0.5, 0.5, 0.75),
                  (0.75, 0.75, 0.5), (2,), (1, 1), (0.25, 0.25, 0.5, 0.5, 0.5))
CELLS_24_MARCH = ((1 / 6, 1 / 6, 1 / 6, 0.5, 1), (1.5, 0.5), (0.75, 0.25, 0.75, 0.25), (2,), (1, 1),
                  (0.5, 0.5, 1), (1, 0.75, 0.25))
CELLS_24_TANGO = ((0.75, 0.25, 1), (0.5, 0.5, 0.5, 0.5), (1.5, 0.25, 0.25), (-0.5, 0.5, 1), (0.25, 0.25, 0.5, 1),
                  (2,), (1, 1), (0.75, 0.75, 0.5))
CELLS_34_FAST = ((3,), (2, 1), (1, 1, 1), (-1, 2), (1, 2))

# ---- per-dance bass riffs -----------------------------------------------------------------------
PUMP_8THS: Riff = tuple((k * 0.5, 0.45, "R") for k in range(8))

STYLES: tuple[Style, ...] = (
    # =========================== CHA CHA CHA (4/4, 120-128 BPM) ===========================
    Style("cha_cha_cha", "ballroom", 1.0, ("latin_minor", "latin_major", "latin_major"), (1, 2),
          (P.STANDARD, P.ROOM, P.JAZZ),
          (("cha.cowbell", 0.9), ("cha.guiro", 0.9), ("cha.congas", 0.9), ("cha.bongo", 0.4),
           ("cha.timbales", 0.5), ("cha.kit", 0.6)),
          ("timbales", "congas", "snare"),
          BassSpec(ACOUSTIC_BASS + (35,), (((0, 1.5, "R"), (2, 1, "5"), (3, 0.5, "5"), (3.5, 0.5, "A")),
                                            ((0, 1, "R"), (1.5, 0.5, "5"), (2, 1, "8"), (3, 0.5, "5"), (3.5, 0.5, "3")),
                                            ((0, 2, "R"), (2, 1, "5-"), (3, 0.5, "R"), (3.5, 0.5, "A")))),
          (CompSpec("montuno", PIANOS, ("X.xx.xx. x.xx.xxx", "x.x.xxXx", "X..x..xx x.xx.x.x"), mode="octaves",
                    center=67, legato=0.7),
           CompSpec("horns", BRASS + (65,), ("X.....XX", "......XX X......."), center=70, voices=3, legato=0.5,
                    prob=0.6, when="chorus"),
           CompSpec("strings", STRINGS + (44,), ("X-------",), center=67, voices=3, legato=1.0, prob=0.5,
                    when="main", level=0.5)),
          MelodySpec((73, 40, 56, 65, 71, 0, 11), 62, 86, CELLS_44_LATIN)),
    Style("cha_cha_cha", "pop", 1.0, ("pop_minor", "pop_major", "latin_minor"), (1, 2),
          (P.STANDARD, P.ELECTRONIC, P.TR808, P.POWER),
          (("cha.pop_kit", 1.0), ("cha.cowbell", 0.6), ("cha.shaker", 0.6), ("cha.congas", 0.5), ("cha.guiro", 0.3)),
          ("snare", "toms", "claps"),
          BassSpec(SYNTH_BASS + (33, 34),
                   (((0, 1.5, "R"), (2, 1, "5"), (3, 0.5, "R"), (3.5, 0.5, "R")),
                    ((0, 0.5, "R"), (1.5, 0.5, "R"), (2, 0.5, "5"), (3, 0.5, "8"), (3.5, 0.5, "R")),
                    PUMP_8THS)),
          (CompSpec("keys", EPIANOS + PIANOS + (27, 28), ("x..x..x. ..x..x..", "X.....XX", ".x.x.xXx"), center=64,
                    voices=3, legato=0.6),
           CompSpec("pad", PADS + (50,), ("X-------",), center=62, voices=4, legato=1.0, prob=0.8, level=0.45),
           CompSpec("stabs", (62, 63, 61, 81), ("X.....XX",), center=68, voices=3, legato=0.4, prob=0.5,
                    when="chorus")),
          MelodySpec(LEADS_POP, 60, 84, CELLS_44_LATIN), timing_ms=(1.0, 5.0)),
    # a pop band (funk, disco, country pop): guitars, electric bass, organ and a horn section, the
    # instruments of many records danced as cha cha, which otherwise only the paso doble's brass has
    Style("cha_cha_cha", "band", 0.8, ("pop_major", "rock_major", "pop_minor", "blues"), (1, 2),
          (P.STANDARD, P.ROOM, P.POWER),
          (("cha.pop_kit", 0.7), ("cha.kit", 0.5), ("cha.cowbell", 0.4), ("cha.shaker", 0.4)),
          ("snare", "toms"),
          BassSpec((33, 34, 36, 37), (((0, 1.5, "R"), (2, 1, "5"), (3, 0.5, "R"), (3.5, 0.5, "R")),
                                      ((0, 0.5, "R"), (0.5, 0.5, "8"), (1.5, 0.5, "R"), (2, 1, "5"), (3, 0.5, "R"),
                                       (3.5, 0.5, "A")),
                                      PUMP_8THS)),
          (CompSpec("guitar", (27, 28, 25, 29), ("x.x.xxx.", ".x.x.xXx", "X.xx.xx."), mode="strum", center=60,
                    voices=4, legato=0.5),
           CompSpec("horns", BRASS + (65, 66), ("X.....XX", "......XX X......."), center=70, voices=3, legato=0.5,
                    prob=0.6, when="chorus"),
           CompSpec("organ", (16, 17, 18, 4), ("X-------", "x..x..x."), center=64, voices=3, legato=1.0, prob=0.5,
                    level=0.5)),
          MelodySpec((65, 66, 56, 27, 29, 40, 22, 110, 53, 54), 60, 84, CELLS_44_LATIN + CELLS_44),
          timing_ms=(2.0, 8.0)),
    # =========================== RUMBA (4/4, 100-108 BPM) ===========================
    Style("rumba", "ballroom", 1.0, ("latin_minor", "latin_major", "pop_minor"), (1, 2),
          (P.STANDARD, P.ROOM, P.JAZZ, P.BRUSH),
          (("rumba.clave", 0.8), ("rumba.maracas", 0.8), ("rumba.bongo", 0.6), ("rumba.congas", 0.8),
           ("rumba.kit", 0.4)),
          ("congas", "timbales"),
          BassSpec(ACOUSTIC_BASS + (35,), (((1.5, 1.5, "5"), (3, 2.5, "NR")),
                                            ((0, 1.5, "R"), (1.5, 1.5, "5"), (3, 1, "NR")),
                                            ((0, 2.5, "R"), (2.5, 0.5, "5"), (3, 1, "8")))),
          (CompSpec("guitar", (24, 25, 46), ("xxxxxxxx", "x.xxx.xx"), mode="arp", center=60, voices=4, legato=1.5),
           CompSpec("piano", PIANOS + EPIANOS, ("X..x..x.", "x..x..x. ..x.x...", "X.xx.xx."), mode="octaves",
                    center=65, legato=0.8, prob=0.6),
           CompSpec("strings", STRINGS + (44, 89), ("X-------",), center=64, voices=4, legato=1.0, prob=0.8,
                    level=0.5)),
          MelodySpec((40, 73, 65, 66, 71, 53, 59, 22, 0), 60, 84, CELLS_44_LATIN + CELLS_44, legato=1.0)),
    Style("rumba", "pop_ballad", 1.0, ("pop_major", "pop_minor"), (1, 2),
          (P.STANDARD, P.ROOM, P.ELECTRONIC, P.TR808),
          (("rumba.pop_kit", 1.0), ("rumba.maracas", 0.5), ("rumba.congas", 0.4), ("rumba.clave", 0.2)),
          ("snare", "toms"),
          BassSpec((33, 35, 38, 34), (((0, 1.5, "R"), (1.5, 1, "R"), (3, 1, "5")),
                                      ((0, 3, "R"), (3, 1, "NR")),
                                      ((1.5, 1.5, "5"), (3, 2.5, "NR")))),
          (CompSpec("keys", EPIANOS + PIANOS, ("X...x.x.", "x.x.x.x.", "X-..x.x."), center=62, voices=4, legato=0.9),
           CompSpec("guitar", (24, 25, 27), ("xxxxxxxx",), mode="arp", center=60, voices=4, legato=1.5, prob=0.5),
           CompSpec("pad", PADS + STRINGS, ("X-------",), center=62, voices=4, legato=1.0, prob=0.8, level=0.45)),
          MelodySpec(LEADS_POP + (40, 22), 60, 82, CELLS_44 + CELLS_44_LATIN), timing_ms=(2.0, 8.0)),
    # =========================== SAMBA (2/4, 100-104 BPM) ===========================
    Style("samba", "batucada", 1.0, ("latin_major", "latin_minor", "pop_major"), (1, 2),
          (P.STANDARD, P.ROOM, P.JAZZ),
          (("samba.surdo", 1.0), ("samba.ganza", 1.0), ("samba.tamborim", 0.8), ("samba.agogo", 0.5),
           ("samba.caixa", 0.6), ("samba.pandeiro", 0.5), ("samba.cuica", 0.3), ("samba.kit", 0.5)),
          ("surdo", "snare", "toms"),
          BassSpec(ACOUSTIC_BASS + (34,), (((0, 0.75, "R"), (0.75, 0.25, "5-"), (1, 1, "5-")),
                                            ((0, 0.75, "R"), (0.75, 0.25, "R"), (1, 0.5, "5-"), (1.5, 0.5, "5-")),
                                            ((0, 0.5, "R"), (0.75, 0.25, "3"), (1, 0.75, "5"), (1.75, 0.25, "A")))),
          (CompSpec("cavaquinho", (24, 25, 105, 0), ("x.xx.x.x .xx.x.x.", "xx.x.xx. x.xx.x.x"), 4, center=67,
                    voices=3, legato=0.6),
           CompSpec("brass", BRASS + (65,), ("...X..X.", "X..X..X. ........"), 4, center=70, voices=3, legato=0.5,
                    prob=0.6, when="chorus"),
           CompSpec("piano", PIANOS, ("..x...x.", "x..x..x."), 4, center=62, voices=4, legato=0.5, prob=0.4)),
          MelodySpec((56, 65, 66, 73, 72, 0, 11), 62, 86, CELLS_24_SAMBA), phrase_bars=16,
          swing16=(0.5, 0.58)),
    Style("samba", "reggaeton", 0.8, ("pop_minor", "latin_minor"), (2, 4),
          (P.ELECTRONIC, P.TR808, P.STANDARD),
          (("samba.dembow", 1.0), ("samba.surdo", 0.7), ("samba.ganza", 0.8), ("samba.tamborim", 0.3)),
          ("snare", "claps"),
          BassSpec(SYNTH_BASS + (87,), (((0, 0.75, "R"), (0.75, 0.25, "R"), (1, 1, "R")),
                                         ((0, 0.7, "R"), (0.75, 0.7, "R"), (1.5, 0.5, "5-")))),
          (CompSpec("pluck", (81, 84, 0, 24, 5), ("X..X..X.", "X..X..X. X..X.X.x"), 4, center=66, voices=3,
                    legato=0.5),
           CompSpec("pad", PADS + (50, 51), ("X-------",), 4, center=62, voices=4, legato=1.0, prob=0.7,
                    level=0.45)),
          MelodySpec(LEADS_POP + (24,), 62, 84, CELLS_24_SAMBA), phrase_bars=16, timing_ms=(0.5, 3.0)),
    Style("samba", "pop_house", 0.8, ("pop_major", "latin_major", "pop_minor"), (1, 2),
          (P.ELECTRONIC, P.STANDARD, P.POWER),
          (("samba.house", 1.0), ("samba.surdo", 0.8), ("samba.ganza", 0.8), ("samba.tamborim", 0.4),
           ("samba.agogo", 0.3)),
          ("snare", "surdo"),
          BassSpec(SYNTH_BASS + (33,), (((0, 0.75, "R"), (0.75, 0.25, "5-"), (1, 1, "5-")),
                                         ((0.5, 0.5, "R"), (1.5, 0.5, "R")))),
          (CompSpec("piano", PIANOS + EPIANOS, ("x.xx.x.x .xx.x.x.", "..X...X."), 4, center=66, voices=4,
                    legato=0.5),
           CompSpec("brass", (61, 62, 63), ("...X..X.",), 4, center=70, voices=3, legato=0.5, prob=0.5,
                    when="chorus"),
           CompSpec("pad", PADS + STRINGS, ("X-------",), 4, center=62, voices=4, legato=1.0, prob=0.6, level=0.45)),
          MelodySpec(LEADS_POP + (56, 11), 62, 86, CELLS_24_SAMBA), phrase_bars=16, timing_ms=(0.5, 3.0)),
    # =========================== JIVE (4/4 swing, 168-176 BPM) ===========================
    Style("jive", "swing", 1.0, ("blues", "rock_major", "jazz_major"), (1,),
          (P.STANDARD, P.JAZZ, P.ROOM),
          (("jive.swing_kit", 1.0), ("jive.claps", 0.3)),
          ("snare", "toms"),
          BassSpec((32, 33), walk="boogie"),
          (CompSpec("piano", PIANOS + (3,), ("..X...X.", "x.xXx.xX", "..x..xX."), center=67, voices=3, legato=0.5),
           CompSpec("horns", (65, 66, 61, 56, 57), ("X..x..X. ........", "......X. X.X....."), center=66, voices=4,
                    legato=0.6, prob=0.7, when="main"),
           CompSpec("guitar", (26, 27, 16, 17), ("..X...X.",), center=58, voices=3, legato=0.4, prob=0.5)),
          MelodySpec((66, 65, 56, 71, 0, 22), 60, 86, CELLS_44_SWING + CELLS_44), swing=(0.58, 0.66)),
    Style("jive", "rock", 1.0, ("blues", "rock_major"), (1,),
          (P.ROOM, P.POWER, P.STANDARD),
          (("jive.rock_kit", 1.0), ("jive.claps", 0.2)),
          ("snare", "toms"),
          BassSpec((33, 34, 32), walk="boogie"),
          (CompSpec("guitar", (29, 30, 27, 25), ("x.xxx.xx", "XxXxXxXx", "..X...X."), center=55, voices=3, legato=0.6),
           CompSpec("organ", (16, 17, 18, 0, 3), ("X-------", "..X...X."), center=64, voices=4, legato=0.9,
                    prob=0.6, level=0.5)),
          MelodySpec((29, 66, 22, 56, 80, 53), 58, 84, CELLS_44_SWING + CELLS_44), swing=(0.55, 0.64),
          timing_ms=(2.0, 8.0)),
    Style("jive", "electro_swing", 0.7, ("jazz_major", "jazz_minor", "blues"), (1, 2),
          (P.ELECTRONIC, P.STANDARD, P.TR808),
          (("jive.electro", 1.0), ("jive.claps", 0.4)),
          ("snare", "claps"),
          BassSpec(SYNTH_BASS + (32,), walk="boogie"),
          (CompSpec("brass", (61, 62, 56, 65), ("X..x..X. ........", "..X...X."), center=66, voices=4, legato=0.5),
           CompSpec("piano", PIANOS, ("x.xXx.xX", "..X...X."), center=67, voices=3, legato=0.5, prob=0.7)),
          MelodySpec((56, 66, 71, 80, 54), 60, 86, CELLS_44_SWING), swing=(0.6, 0.68), timing_ms=(0.5, 3.0)),
    # =========================== PASO DOBLE (2/4 march, 120-124 BPM) ===========================
    Style("paso_doble", "march", 1.0, ("spanish", "spanish", "march_major"), (1, 2),
          (P.ORCHESTRA, P.STANDARD, P.ROOM),
          (("paso.march", 1.0), ("paso.bass_drum", 0.5), ("paso.castanets", 0.4)),
          ("roll", "roll", "snare"),
          BassSpec((58, 57, 32, 43), (((0, 0.5, "R"), (1, 0.5, "5-")), ((0, 0.5, "R"), (1, 0.5, "R"))), low=33,
                   legato=0.8),
          (CompSpec("afterbeats", (61, 60, 57, 48, 0), ("..X...X.", "..x.x.x."), 4, center=62, voices=3, legato=0.5),
           CompSpec("strings", (44, 48, 49), ("X-------",), 4, center=66, voices=4, legato=1.0, prob=0.6, level=0.5),
           CompSpec("fanfare", (56, 61), ("X.XXX...", "X...X.XX"), 4, center=72, voices=3, legato=0.6, prob=0.6,
                    when="chorus")),
          MelodySpec((56, 61, 40, 48, 60, 73), 62, 86, CELLS_24_MARCH), phrase_bars=16),
    Style("paso_doble", "cinematic", 0.8, ("spanish", "pop_minor"), (2, 4),
          (P.ORCHESTRA, P.POWER, P.STANDARD),
          (("paso.cinematic", 1.0), ("paso.bass_drum", 0.5)),
          ("roll", "toms"),
          BassSpec((43, 48, 38, 42), (((0, 0.5, "R"), (0.5, 0.5, "R"), (1, 0.5, "R"), (1.5, 0.5, "R")),
                                      ((0, 1, "R"), (1, 1, "5-"))), low=31),
          (CompSpec("ostinato", (48, 49, 44, 50, 45), ("xxxxxxxx", "x.x.x.x."), 4, mode="arp", center=62, voices=4,
                    legato=0.9),
           CompSpec("brass", (61, 60, 62, 57), ("X..X..X.", "X-------"), 4, center=64, voices=4, legato=0.8, prob=0.8,
                    when="main"),
           CompSpec("taiko", (116, 117, 47), ("X..xX...", "X...X.x."), 4, center=40, voices=1, legato=0.5, prob=0.6),
           CompSpec("choir", (52, 91, 89), ("X-------",), 4, center=64, voices=4, legato=1.0, prob=0.5, level=0.5,
                    when="chorus")),
          MelodySpec((61, 60, 56, 48, 40, 52), 60, 84, CELLS_24_MARCH), phrase_bars=16, timing_ms=(1.0, 5.0)),
    Style("paso_doble", "flamenco", 0.7, ("spanish",), (1, 2),
          (P.STANDARD, P.ROOM),
          (("paso.flamenco", 1.0), ("paso.castanets", 0.6), ("paso.bass_drum", 0.3)),
          ("snare", "toms"),
          BassSpec((32, 33), (((0, 0.5, "R"), (1, 0.5, "5-")), ((0, 0.75, "R"), (0.75, 0.25, "R"), (1, 1, "5-")))),
          (CompSpec("rasgueado", (24, 25), ("X.xxx.X.", "Xxxx..X.", "X.x.Xxxx"), 4, mode="strum", center=58, voices=5,
                    legato=0.8),
           CompSpec("strings", (48, 49, 40), ("X-------",), 4, center=66, voices=3, legato=1.0, prob=0.4, level=0.45)),
          MelodySpec((24, 40, 56, 53, 66, 22), 57, 82, CELLS_24_MARCH + CELLS_24_TANGO), phrase_bars=16),
    # =========================== TANGO (2/4, 62-66 BPM; staccato eighths) ===========================
    Style("tango", "orquesta", 1.0, ("tango", "tango", "waltz_minor"), (1, 2),
          (P.STANDARD, P.ORCHESTRA, P.ROOM),
          (("tango.snare", 0.6),),
          ("roll", "snare"),
          BassSpec((32, 43, 33, 0), (((0, 0.3, "R"), (0.5, 0.3, "R"), (1, 0.3, "5-"), (1.5, 0.3, "R")),
                                     ((0, 0.5, "R"), (0.75, 0.25, "5-"), (1, 0.5, "3"), (1.5, 0.3, "5")),
                                     ((0, 0.3, "R"), (1, 0.3, "5-")))),
          (CompSpec("marcato", (21, 23, 0, 48), ("X.x.X.x.", "X.xxX.x.", "X..x..X."), 4, center=62, voices=4,
                    legato=0.5, level=0.8),
           CompSpec("strings", (48, 49, 45, 44), ("X.x.X.x.", "X-------"), 4, center=66, voices=3, legato=0.4,
                    prob=0.6),
           CompSpec("piano", PIANOS, ("X.x.X.x.",), 4, center=58, voices=3, legato=0.3, prob=0.4)),
          MelodySpec((40, 23, 21, 48, 71, 73, 0), 60, 86, CELLS_24_TANGO), phrase_bars=16, phrase_end="X.x.X...",
          break_grid="X.x.X..."),
    Style("tango", "electro", 0.8, ("tango", "pop_minor"), (2, 4),
          (P.ELECTRONIC, P.STANDARD, P.TR808),
          (("tango.electro", 1.0), ("tango.snare", 0.3)),
          ("snare", "claps"),
          BassSpec(SYNTH_BASS + (33,), (((0, 0.3, "R"), (0.5, 0.3, "R"), (1, 0.3, "R"), (1.5, 0.3, "R")),
                                         ((0, 0.75, "R"), (0.75, 0.25, "R"), (1, 0.5, "5-"), (1.5, 0.3, "R")))),
          (CompSpec("marcato", (23, 21, 0), ("X.x.X.x.", "X..x..X."), 4, center=62, voices=4, legato=0.5),
           CompSpec("pad", PADS + (50,), ("X-------",), 4, center=62, voices=4, legato=1.0, prob=0.7, level=0.4)),
          MelodySpec((40, 23, 80, 21, 54), 60, 84, CELLS_24_TANGO), phrase_bars=16, phrase_end="X.x.X...",
          timing_ms=(0.5, 3.0)),
    # =========================== SLOW WALTZ (3/4, 84-90 BPM) ===========================
    Style("slow_waltz", "orchestra", 1.0, ("waltz_major", "waltz_major", "waltz_minor"), (1, 2),
          (P.BRUSH, P.JAZZ, P.ORCHESTRA),
          (("waltz.brush", 0.6),),
          ("brush",),
          BassSpec((32, 43, 45), (((0, 1, "R"),), ((0, 2, "R"),)), legato=0.95),
          (CompSpec("oompah", PIANOS + (48, 45, 46, 4), ("..x.x.", "..X.x."), center=62, voices=3, legato=0.7),
           CompSpec("strings", STRINGS + (89, 52), ("X-----",), center=66, voices=4, legato=1.0, prob=0.8, level=0.5),
           CompSpec("harp", (46, 0, 24), ("xxxxxx",), mode="arp", center=66, voices=4, legato=1.5, prob=0.4,
                    level=0.5)),
          MelodySpec((40, 73, 71, 0, 53, 64, 68, 11), 60, 86, CELLS_34, legato=1.0), timing_ms=(6.0, 15.0)),
    Style("slow_waltz", "country", 0.8, ("waltz_major", "rock_major"), (1, 2),
          (P.STANDARD, P.ROOM, P.BRUSH),
          (("waltz.country", 1.0),),
          ("snare", "toms"),
          BassSpec((32, 33, 34), (((0, 1, "R"),), ((0, 1, "R"), (2, 1, "5-")), ((0, 2, "R"), (2, 1, "3"))),
                   legato=0.85),
          (CompSpec("guitar", (25, 24), ("..x.x.", "x.x.x.", "X.xxx."), mode="strum", center=58, voices=5, legato=0.8),
           CompSpec("steel", (26, 27, 110, 22), ("X-----",), center=66, voices=2, legato=1.0, prob=0.5, level=0.45),
           CompSpec("piano", (0, 1, 3), ("..x.x.",), center=64, voices=3, legato=0.6, prob=0.5)),
          MelodySpec((110, 40, 22, 27, 53, 25), 58, 82, CELLS_34), timing_ms=(3.0, 10.0)),
    Style("slow_waltz", "pop_ballad", 0.8, ("pop_major", "waltz_major", "pop_minor"), (1, 2),
          (P.STANDARD, P.ROOM, P.ELECTRONIC),
          (("waltz.pop", 1.0),),
          ("snare", "toms"),
          BassSpec((33, 35, 38), (((0, 2.5, "R"),), ((0, 1.5, "R"), (2, 1, "5-"))), legato=0.9),
          (CompSpec("keys", PIANOS + EPIANOS, ("x.xxx.", "X.x.x.", "xxxxxx"), mode="arp", center=62, voices=4,
                    legato=1.2),
           CompSpec("pad", PADS + STRINGS, ("X-----",), center=64, voices=4, legato=1.0, prob=0.8, level=0.45)),
          MelodySpec(LEADS_POP + (40,), 60, 84, CELLS_34), timing_ms=(2.0, 8.0)),
    # =========================== VIENNESE WALTZ (3/4, 174-180 BPM) ===========================
    Style("viennese_waltz", "orchestra", 1.0, ("waltz_major", "waltz_major", "waltz_minor"), (2, 4),
          (P.ORCHESTRA, P.STANDARD),
          (("vw.orchestra", 0.7), ("vw.kit", 0.3)),
          ("roll",),
          BassSpec((43, 32, 58, 45), (((0, 1, "R"),), ((0, 1, "R"),)), low=31, legato=0.8),
          (CompSpec("oompah", (48, 49, 60, 45, 0), ("..x.x.",), center=63, voices=3, legato=0.6),
           CompSpec("strings", STRINGS + (44,), ("X-----",), center=68, voices=3, legato=1.0, prob=0.5, level=0.45),
           CompSpec("horns", (60, 61, 57), ("X-----",), center=60, voices=3, legato=1.0, prob=0.4, when="chorus",
                    level=0.5)),
          MelodySpec((40, 48, 73, 72, 68, 56, 9), 64, 91, CELLS_34_FAST, legato=1.0), phrase_bars=16,
          warp=(0.0, 0.9, 2.0), timing_ms=(5.0, 12.0)),
    Style("viennese_waltz", "pop", 0.8, ("pop_major", "waltz_major", "pop_minor"), (2, 4),
          (P.STANDARD, P.ROOM, P.POWER),
          (("vw.pop", 1.0),),
          ("snare", "toms"),
          BassSpec((33, 34, 38), (((0, 1, "R"),), ((0, 2, "R"),)), legato=0.9),
          (CompSpec("guitar", (25, 24, 27, 29), ("x.x.x.", "X.xxx."), mode="strum", center=58, voices=5, legato=0.8),
           CompSpec("keys", PIANOS + EPIANOS, ("..x.x.",), center=64, voices=3, legato=0.6, prob=0.6),
           CompSpec("pad", PADS + STRINGS, ("X-----",), center=64, voices=4, legato=1.0, prob=0.6, level=0.4)),
          MelodySpec(LEADS_POP + (40, 22), 60, 84, CELLS_34_FAST), phrase_bars=16, timing_ms=(2.0, 6.0)),
    # =========================== SLOW FOXTROT (4/4 swing, 112-120 BPM) ===========================
    Style("slow_foxtrot", "big_band", 1.0, ("jazz_major", "jazz_major", "jazz_minor"), (1, 0.5),
          (P.BRUSH, P.JAZZ),
          (("fox.brush", 1.0),),
          ("brush", "snare"),
          BassSpec((32,), walk="walking", level=0.8),
          (CompSpec("piano", PIANOS + (4,), ("X..x....", "...x..x.", "..x....x"), center=62, voices=4, legato=0.5),
           CompSpec("saxes", (65, 66, 64, 67), ("X-------", "X---..X-"), center=64, voices=4, legato=1.0, prob=0.7,
                    level=0.5),
           CompSpec("brass", (61, 56, 57, 59), ("......X. ........", "X..x...."), center=68, voices=4, legato=0.5,
                    prob=0.6, when="chorus"),
           CompSpec("guitar", (26, 24), ("x.x.x.x.",), center=56, voices=3, legato=0.45, prob=0.4)),
          MelodySpec((66, 65, 59, 56, 71, 11, 53, 57, 40), 58, 84, CELLS_44_SWING + CELLS_44, legato=1.0),
          swing=(0.6, 0.68), timing_ms=(5.0, 12.0)),
    Style("slow_foxtrot", "pop", 0.8, ("pop_major", "jazz_major", "pop_minor"), (1, 2),
          (P.STANDARD, P.ROOM, P.BRUSH),
          (("fox.pop_kit", 1.0),),
          ("snare", "toms"),
          BassSpec((33, 35, 38), (((0, 1.5, "R"), (1.5, 1, "5"), (3, 1, "R")), ((0, 1, "R"), (1, 1, "R"), (2, 1, "5"),
                                                                               (3, 1, "A")))),
          (CompSpec("keys", EPIANOS + PIANOS, ("X...x.x.", "..X...X.", "x.x.x.x."), center=62, voices=4, legato=0.7),
           CompSpec("pad", PADS + STRINGS, ("X-------",), center=64, voices=4, legato=1.0, prob=0.7, level=0.45),
           CompSpec("guitar", (27, 26, 25), ("..x...x.",), center=60, voices=3, legato=0.4, prob=0.5)),
          MelodySpec(LEADS_POP + (66,), 60, 84, CELLS_44 + CELLS_44_SWING), swing=(0.5, 0.62), timing_ms=(2.0, 7.0)),
    # =========================== QUICKSTEP (4/4 swing, 200-208 BPM) ===========================
    Style("quickstep", "big_band", 1.0, ("jazz_major", "rock_major", "jazz_major"), (1, 2),
          (P.STANDARD, P.JAZZ, P.ROOM, P.BRUSH),
          (("qs.swing_kit", 1.0),),
          ("snare", "toms"),
          BassSpec((32, 33), (((0, 2, "R"), (2, 2, "5-")),), walk="walking"),
          (CompSpec("piano", PIANOS, ("X..x....", "..X...X.", "x..x..x."), center=64, voices=4, legato=0.5),
           CompSpec("brass", (61, 56, 57, 65, 66), ("X.X...X.", "X..x..X. ......X.", "......XX"), center=68, voices=4,
                    legato=0.5, prob=0.8, when="main"),
           CompSpec("guitar", (26, 24), ("x.x.x.x.",), center=56, voices=3, legato=0.4, prob=0.4)),
          MelodySpec((56, 71, 65, 66, 13, 0, 11), 60, 88, CELLS_44_SWING + CELLS_44), swing=(0.55, 0.63),
          timing_ms=(3.0, 9.0)),
    Style("quickstep", "pop", 0.8, ("pop_major", "rock_major", "jazz_major"), (1, 2),
          (P.STANDARD, P.ELECTRONIC, P.POWER),
          (("qs.pop_kit", 1.0), ("jive.claps", 0.3)),
          ("snare", "toms"),
          BassSpec(SYNTH_BASS + (33, 34), (((0, 1, "R"), (1, 1, "5"), (2, 1, "8"), (3, 1, "5")), PUMP_8THS),
                   walk="walking"),
          (CompSpec("brass", (61, 62, 56), ("X.X...X.", "......XX"), center=68, voices=4, legato=0.5, prob=0.7),
           CompSpec("keys", PIANOS + EPIANOS, ("..X...X.", "x.x.x.x."), center=64, voices=4, legato=0.5),
           CompSpec("pad", PADS, ("X-------",), center=62, voices=4, legato=1.0, prob=0.5, level=0.4)),
          MelodySpec((56, 80, 81, 65, 54, 53), 60, 86, CELLS_44 + CELLS_44_SWING), swing=(0.5, 0.6),
          timing_ms=(0.5, 4.0)),
)


def styles_for(dance_id: str) -> tuple[Style, ...]:
    """All styles of a dance (raises KeyError if none)."""
    found = tuple(s for s in STYLES if s.dance == dance_id)
    if not found:
        raise KeyError(f"no synth styles for dance {dance_id!r}")
    return found
