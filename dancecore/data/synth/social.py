"""Other social dances, rendered as negatives for the rhythm branch's "other dance" class.

People dance bachata, merengue, cumbia, kizomba/zouk, salsa, west coast swing and country two-step at
the same socials as the ten ballroom dances; the "not sure" answer must recognise them. Each has a
typical tempo range (beats per minute, from social-dance teaching practice; no competition range
exists) and one or two arrangement styles built from the same parts as the ballroom styles.
Dances whose music a ballroom teacher would dance a ballroom dance to (disco hustle = cha cha,
nightclub two-step = rumba, polka = paso doble's march) are deliberately left out.
"""
from __future__ import annotations

from dancecore.dances import Dance
from dancecore.data.synth import patterns as P
from dancecore.data.synth.styles import (
    ACOUSTIC_BASS, BRASS, CELLS_24_SAMBA, CELLS_44, CELLS_44_LATIN, CELLS_44_SWING, EPIANOS, LEADS_POP, PADS,
    PIANOS, STRINGS, SYNTH_BASS, BassSpec, CompSpec, MelodySpec, Style)

SOCIAL_DANCES: tuple[Dance, ...] = (
    Dance("bachata", "Bachata", "social", 4, (30, 35)),           # 120-140 BPM
    Dance("merengue", "Merengue", "social", 2, (64, 80)),         # 128-160 BPM
    Dance("cumbia", "Cumbia", "social", 4, (22, 27.5)),           # 88-110 BPM
    Dance("zouk", "Zouk / Kizomba", "social", 4, (20, 25)),       # 80-100 BPM
    Dance("salsa", "Salsa", "social", 4, (40, 52)),               # 160-208 BPM
    Dance("west_coast_swing", "West Coast Swing", "social", 4, (21, 26)),  # 84-104 BPM
    Dance("country_two_step", "Country Two-Step", "social", 4, (40, 48)),  # 160-192 BPM
)
SOCIAL_IDS: tuple[str, ...] = tuple(d.id for d in SOCIAL_DANCES)
SOCIAL_BY_ID: dict[str, Dance] = {d.id: d for d in SOCIAL_DANCES}

GUITARS = (24, 25, 26, 27)

SOCIAL_STYLES: tuple[Style, ...] = (
    Style("bachata", "moderna", 1.0, ("pop_minor", "latin_minor", "pop_major"), (1, 2),
          (P.STANDARD, P.ROOM, P.ELECTRONIC),
          (("bachata.bongo", 1.0), ("bachata.guira", 1.0), ("bachata.kit", 0.6)),
          ("congas", "snare"),
          BassSpec((33, 35, 38), (((0, 1, "R"), (1.5, 0.5, "5"), (2, 1, "R"), (3, 0.5, "5-"), (3.5, 0.5, "R")),
                                  ((0, 1.5, "R"), (1.5, 0.5, "5"), (2.5, 0.5, "8"), (3.5, 0.5, "NR")))),
          (CompSpec("requinto", (24, 25), ("xxxxxxxxxxxxxxxx",), 4, mode="arp", center=70, voices=4, legato=0.8),
           CompSpec("segunda", (24, 25, 27), ("x.xxx.xx",), mode="arp", center=60, voices=4, legato=1.2, prob=0.8),
           CompSpec("pad", PADS + STRINGS, ("X-------",), center=62, voices=4, legato=1.0, prob=0.5, level=0.4)),
          MelodySpec((24, 25, 53, 54, 52, 65), 60, 82, CELLS_44_LATIN), timing_ms=(2.0, 8.0)),
    Style("merengue", "tipico", 1.0, ("latin_major", "pop_major", "latin_minor"), (1, 2),
          (P.STANDARD, P.ROOM, P.POWER),
          (("merengue.tambora", 1.0), ("merengue.guira", 1.0), ("merengue.kit", 0.5)),
          ("toms", "snare"),
          BassSpec((33, 34, 38, 32), (((0, 0.5, "R"), (0.75, 0.25, "5-"), (1, 0.5, "R"), (1.75, 0.25, "5-")),
                                      ((0, 0.75, "R"), (0.75, 0.75, "5-"), (1.5, 0.5, "NR")))),
          (CompSpec("accordion", (21, 23), ("xxxxxxxx", "x.xxx.xx"), 4, mode="arp", center=70, voices=3, legato=0.6),
           CompSpec("piano", PIANOS, ("x.xx.xx.", "xx.xx.x."), 4, mode="octaves", center=68, legato=0.6, prob=0.6),
           CompSpec("horns", BRASS + (65, 66), ("X..X..X.", "..X...X."), 4, center=70, voices=3, legato=0.5,
                    prob=0.6, when="chorus")),
          MelodySpec((21, 65, 66, 56, 53, 73), 62, 86, CELLS_24_SAMBA), phrase_bars=16, timing_ms=(1.0, 5.0)),
    Style("cumbia", "sonidera", 1.0, ("pop_minor", "latin_major", "latin_minor"), (1, 2),
          (P.STANDARD, P.ELECTRONIC, P.ROOM),
          (("cumbia.guiro", 1.0), ("cumbia.kit", 0.8), ("cumbia.congas", 0.7)),
          ("congas", "snare"),
          BassSpec((33, 38, 32, 34), (((0, 1, "R"), (1.5, 0.5, "5-"), (2, 1, "5-"), (3.5, 0.5, "R")),
                                      ((0, 1, "R"), (2, 1, "5-"), (3, 0.5, "R"), (3.5, 0.5, "3")))),
          (CompSpec("accordion", (21, 23, 16), (".x.x.x.x", "..X...X."), center=66, voices=3, legato=0.5),
           CompSpec("keys", PIANOS + EPIANOS + (81,), (".x.x.x.x",), center=64, voices=3, legato=0.4, prob=0.6),
           CompSpec("guitar", GUITARS, ("x.xxx.xx",), mode="arp", center=62, voices=3, legato=0.8, prob=0.5)),
          MelodySpec((21, 81, 22, 73, 65, 24), 62, 84, CELLS_44_LATIN), timing_ms=(1.0, 6.0)),
    Style("zouk", "kizomba", 1.0, ("pop_minor", "pop_major"), (1, 2),
          (P.ELECTRONIC, P.TR808, P.STANDARD),
          (("zouk.kit", 1.0), ("zouk.perc", 0.6)),
          ("snare", "claps"),
          BassSpec(SYNTH_BASS + (33, 87), (((0, 1.5, "R"), (1.5, 1.5, "R"), (3, 1, "5-")),
                                            ((0, 0.75, "R"), (1.5, 0.75, "R"), (3, 0.5, "5-"), (3.5, 0.5, "R")))),
          (CompSpec("pad", PADS + (50,), ("X-------",), center=62, voices=4, legato=1.0, level=0.5),
           CompSpec("keys", EPIANOS + (81, 84), ("X..X..X.",), center=66, voices=3, legato=0.6, prob=0.7)),
          MelodySpec(LEADS_POP + (24, 4), 60, 82, CELLS_44 + CELLS_44_LATIN), timing_ms=(0.5, 3.0)),
    Style("salsa", "orquesta", 1.0, ("latin_minor", "latin_major"), (1, 2),
          (P.STANDARD, P.ROOM, P.JAZZ),
          (("salsa.clave", 0.9), ("salsa.campana", 0.9), ("salsa.congas", 1.0), ("salsa.bongo", 0.6)),
          ("timbales", "congas"),
          BassSpec(ACOUSTIC_BASS + (33, 35), (((1.5, 1.5, "5"), (3, 2.5, "NR")),
                                               ((1.5, 1, "5"), (3, 1, "NR"), (3.5, 0.5, "NR")))),
          (CompSpec("montuno", PIANOS, ("x.xx.xx. x.xx.xxx", "X.x.xx.x .xx.x.xx"), mode="octaves", center=67,
                    legato=0.6),
           CompSpec("horns", BRASS + (65, 66), ("X.....XX ..X.X...", "...X..X. X......."), center=70, voices=3,
                    legato=0.5, prob=0.8, when="main")),
          MelodySpec((56, 57, 65, 66, 73, 53), 62, 86, CELLS_44_LATIN), timing_ms=(2.0, 8.0)),
    Style("west_coast_swing", "blues", 1.0, ("blues", "jazz_minor"), (1, 2),
          (P.STANDARD, P.ROOM, P.JAZZ),
          (("wcs.shuffle", 1.0),),
          ("snare", "toms"),
          BassSpec((33, 34, 32), walk="boogie"),
          (CompSpec("organ", (16, 17, 18, 4), ("X-------", "..X...X."), center=64, voices=4, legato=0.9),
           CompSpec("guitar", (26, 27, 29), ("..X...X.", "x.xxx.xx"), center=58, voices=3, legato=0.5, prob=0.7)),
          MelodySpec((65, 66, 22, 29, 56), 58, 84, CELLS_44_SWING), swing=(0.6, 0.68), timing_ms=(3.0, 10.0)),
    Style("west_coast_swing", "rnb", 1.0, ("pop_minor", "jazz_minor", "pop_major"), (1, 2),
          (P.TR808, P.ELECTRONIC, P.STANDARD),
          (("wcs.rnb", 1.0),),
          ("snare", "claps"),
          BassSpec(SYNTH_BASS + (33, 35), (((0, 1.5, "R"), (1.75, 0.25, "R"), (2.5, 1, "5-")),
                                            ((0, 0.75, "R"), (0.75, 0.75, "R"), (3, 1, "NR")))),
          (CompSpec("keys", EPIANOS + PADS, ("X-------", "x..x..x."), center=62, voices=4, legato=0.9),
           CompSpec("guitar", (27, 28), ("..x...x.",), center=60, voices=3, legato=0.4, prob=0.5)),
          MelodySpec(LEADS_POP + (53,), 60, 82, CELLS_44 + CELLS_44_LATIN), swing16=(0.5, 0.6),
          timing_ms=(1.0, 5.0)),
    Style("country_two_step", "honky_tonk", 1.0, ("rock_major", "pop_major"), (1, 2),
          (P.STANDARD, P.ROOM, P.BRUSH),
          (("twostep.kit", 1.0),),
          ("snare", "toms"),
          BassSpec((33, 32, 34), (((0, 1, "R"), (2, 1, "5-")), ((0, 1, "R"), (2, 1, "5-"), (3, 1, "A")))),
          (CompSpec("guitar", (25, 24, 27), ("..X...X.", "x.Xxx.Xx"), mode="strum", center=58, voices=5, legato=0.5),
           CompSpec("piano", (3, 0, 1), ("..x...x.", ".xx..xx."), center=66, voices=3, legato=0.4, prob=0.6),
           CompSpec("fiddle", (40, 110, 22), ("X-------",), center=72, voices=2, legato=1.0, prob=0.5, level=0.5,
                    when="chorus")),
          MelodySpec((40, 110, 25, 105, 22, 26), 60, 86, CELLS_44), timing_ms=(2.0, 8.0)),
)
