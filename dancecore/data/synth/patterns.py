"""Drum and percussion grooves per dance (GM drum keys on step grids, see `score.parse_grid`).

Each lane repeats every len(grid)/steps_per_beat beats (a whole number of bars). Roles: "kit"
layers stop in breaks and make room for fills; "time" layers keep time through breaks; "perc"
layers stop in breaks.
"""
from __future__ import annotations

from dataclasses import dataclass

# General MIDI (and GS extension) drum keys.
KICK2, KICK, SIDE, SNARE, CLAP, SNARE2 = 35, 36, 37, 38, 39, 40
LFTOM, CHH, HFTOM, PHH, LTOM, OHH, LMTOM, HMTOM, CRASH, HTOM, RIDE = 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51
TAMB, COWBELL, CRASH2 = 54, 56, 57
HBONGO, LBONGO, MCONGA, OCONGA, LCONGA, HTIMB, LTIMB, HAGOGO, LAGOGO = 60, 61, 62, 63, 64, 65, 66, 67, 68
CABASA, MARACAS, SGUIRO, LGUIRO, CLAVES, MCUICA, OCUICA = 69, 70, 73, 74, 75, 78, 79
MTRI, OTRI, SHAKER, CASTANETS, MSURDO, OSURDO = 80, 81, 82, 85, 86, 87

# GM drum-kit programs (bank 128).
STANDARD, ROOM, POWER, ELECTRONIC, TR808, JAZZ, BRUSH, ORCHESTRA = 0, 8, 16, 24, 25, 32, 40, 48


@dataclass(frozen=True)
class DrumLayer:
    """A repeating drum/percussion pattern: (GM key, grid) lanes, grid resolution, role, level."""

    lanes: tuple[tuple[int, str], ...]
    steps_per_beat: int = 2
    role: str = "kit"
    level: float = 1.0


def layer(lanes: dict[int, str], steps_per_beat: int = 2, role: str = "kit", level: float = 1.0) -> DrumLayer:
    """Shorthand constructor from a {key: grid} dict."""
    return DrumLayer(tuple(lanes.items()), steps_per_beat, role, level)


# Each entry: alternatives (one is drawn per song). 4/4 grids are 8ths (2 steps/beat) unless noted.
GROOVES: dict[str, tuple[DrumLayer, ...]] = {
    # --- cha cha cha (4/4): the "4-and-1" (cha-cha-cha) is the signature accent.
    "cha.cowbell": (layer({COWBELL: "X.x.X.x."}, role="time", level=0.8),
                    layer({COWBELL: "X.x.x.x.", HAGOGO: "......x."}, role="time", level=0.8)),
    "cha.guiro": (layer({LGUIRO: "x...x...", SGUIRO: "..xx..xx"}, role="perc", level=0.8),
                  layer({LGUIRO: "x.......", SGUIRO: "..x.x.xx"}, role="perc", level=0.8)),
    "cha.congas": (layer({LCONGA: "g...g...", MCONGA: "..X.....", OCONGA: "......XX"}, role="perc"),
                   layer({LCONGA: "o.....XX", MCONGA: "..X.....", OCONGA: "....o..."}, role="perc")),
    "cha.bongo": (layer({HBONGO: "x.g.x.g.", LBONGO: "...o...o"}, role="perc", level=0.7),),
    "cha.timbales": (layer({HTIMB: "......xX", LTIMB: "X......."}, role="perc", level=0.7),),
    # Pop cha chas (disco, funk, latin pop) mostly put the kick on every beat ("four on the floor").
    "cha.kit": (layer({KICK: "X...X...", SNARE: "..x...xx", CHH: "x.x.x.x."}),
                layer({KICK: "X...X.x.", SIDE: "..x...x.", CHH: "xoxoxoxo"}),
                layer({KICK: "X.x.X.x.", SIDE: "..x...xx", CHH: "x.x.x.x."})),
    "cha.pop_kit": (layer({KICK: "X...X...", CLAP: "..X...XX", CHH: "xoxoxoxo"}),
                    layer({KICK: "X..xX...", SNARE: "..X...X.", CLAP: "......XX", CHH: "x.x.x.x.", OHH: ".......x"}),
                    layer({KICK: "X...X...", SNARE2: "..X...Xx", CHH: "xgxgxgxg"}),
                    layer({KICK: "X.X.X.X.", CLAP: "..X...XX", OHH: ".x.x.x.x", CHH: "x.x.x.x."}),
                    layer({KICK: "X.X.X.X.", SNARE: "..X...X.", CLAP: "......XX", CHH: "xxxxxxxx"}),
                    layer({KICK: "X.X.X.X.", SNARE2: "..X...Xx", SHAKER: "xgxgxgxg"})),
    "cha.shaker": (layer({SHAKER: "xgog" * 4}, steps_per_beat=4, role="time", level=0.6),),
    # --- rumba (4/4, slow): clave, maracas, bongo martillo, conga tumbao with open tones on 4.
    "rumba.clave": (layer({CLAVES: "..X.X... X..X..X."}, role="time", level=0.8),
                    layer({CLAVES: "X..X..X. ..X.X..."}, role="time", level=0.8),
                    layer({CLAVES: "X..X...X ..X.X..."}, role="time", level=0.8)),
    "rumba.maracas": (layer({MARACAS: "XoxoXoxo"}, role="perc", level=0.6),
                      layer({SHAKER: "xgogxgog" * 2}, steps_per_beat=4, role="perc", level=0.55)),
    "rumba.bongo": (layer({HBONGO: "XgxgXgxg", LBONGO: ".......o"}, role="perc", level=0.65),),
    "rumba.congas": (layer({LCONGA: "g...g...", MCONGA: "..X.....", OCONGA: "......XX"}, role="perc"),
                     layer({MCONGA: "..X.....", OCONGA: "......Xx", LCONGA: "g......."}, role="perc")),
    "rumba.kit": (layer({KICK: "X.....x.", SIDE: "..x...x.", CHH: "xoxoxoxo"}, level=0.8),
                  layer({KICK: "X...x...", SNARE: "......X.", RIDE: "x.x.x.x."}, level=0.8)),
    "rumba.pop_kit": (layer({KICK: "X.....x. ..x.x...", SNARE: "..X...X. ..X...X.", CHH: "xoxoxoxo xoxoxoxo"}),
                      layer({KICK: "X..x..x.", CLAP: "..X...X.", CHH: "xgxgxgxg" * 2, OHH: "........ .......x"},
                            steps_per_beat=2),
                      layer({KICK: "X.......x.x.....", SNARE: "....X.......X...", CHH: "x.x.x.x.x.x.x.xx"},
                            steps_per_beat=4)),
    # --- samba (2/4, 16ths = 4 steps/beat): surdo light on 1, heavy on 2; bouncing ganza.
    "samba.surdo": (layer({MSURDO: "o.......", OSURDO: "....X..."}, steps_per_beat=4, role="time"),
                    layer({HFTOM: "o.......", LFTOM: "....X...", KICK: "g..gX..."}, steps_per_beat=4, role="time"),
                    layer({MSURDO: "o.......o.......", OSURDO: "....X.......X..x"}, steps_per_beat=4, role="time")),
    "samba.ganza": (layer({SHAKER: "Xgox" * 2}, steps_per_beat=4, role="time", level=0.75),
                    layer({CABASA: "Xgox" * 2}, steps_per_beat=4, role="time", level=0.75),
                    layer({MARACAS: "xgoX" * 2}, steps_per_beat=4, role="time", level=0.7)),
    "samba.tamborim": (layer({HTIMB: "X.xx.x.x.xx.x.x."}, steps_per_beat=4, role="perc", level=0.7),
                       layer({SIDE: "x.xx.x.x.xx.x.x."}, steps_per_beat=4, role="perc", level=0.7)),
    "samba.agogo": (layer({HAGOGO: "x.x....x..x.x...", LAGOGO: "...x.x..x.....x."}, steps_per_beat=4,
                          role="perc", level=0.6),),
    "samba.caixa": (layer({SNARE: "Xggx xgxg"}, steps_per_beat=4, level=0.55),
                    layer({SNARE: "xgxx gxgx"}, steps_per_beat=4, level=0.5)),
    "samba.pandeiro": (layer({TAMB: "xgox" * 2}, steps_per_beat=4, role="perc", level=0.55),),
    "samba.cuica": (layer({MCUICA: "..x.............", OCUICA: "......x...x....."}, steps_per_beat=4,
                          role="perc", level=0.55),),
    "samba.kit": (layer({KICK: "x..xX...", SNARE: "..g...x.", CHH: "xgxgxgxg"}, steps_per_beat=4),
                  layer({KICK: "X..xX..x", SIDE: "...x..x.", RIDE: "x.x.x.x."}, steps_per_beat=4)),
    "samba.dembow": (layer({KICK: "X...X...", SNARE: "...X..X.", CHH: "x.x.x.x."}, steps_per_beat=4),
                     layer({KICK: "X...X...", CLAP: "...X..X.", SNARE2: "...x..x.", CHH: "xgxgxgxg"},
                           steps_per_beat=4)),
    "samba.house": (layer({KICK: "X...X...", CLAP: "....X...", OHH: "..x...x.", CHH: "xg.gxg.g"}, steps_per_beat=4),
                    layer({KICK: "X...X...", SNARE: "....X...", CHH: "xgxgxgxg", TAMB: "..x...x."}, steps_per_beat=4)),
    # --- jive (4/4, swung eighths): backbeat on 2 and 4.
    "jive.swing_kit": (layer({KICK: "X...X...", SNARE: "..X...X.", RIDE: "x.xxx.xx", PHH: "..x...x."}),
                       layer({KICK: "X.x.X.x.", SNARE: "..X...X.", CHH: "XxXxXxXx"}),
                       layer({KICK: "X...X...", SNARE: "..X..gX.", CHH: "x.xxx.xx"})),
    "jive.claps": (layer({CLAP: "..X...X."}, role="perc", level=0.7),),
    "jive.rock_kit": (layer({KICK: "X..xX.x.", SNARE: "..X...X.", CHH: "xxxxxxxx"}),
                      layer({KICK: "X...X..x", SNARE: "..X...X.", RIDE: "XxXxXxXx"}),
                      layer({KICK: "X.xxX...", SNARE: "..X...X.", CHH: "x.x.x.x.", TAMB: "..x...x."})),
    "jive.electro": (layer({KICK: "X.X.X.X.", CLAP: "..X...X.", OHH: ".x.x.x.x", CHH: "x.x.x.x."}),
                     layer({KICK: "X.X.X.X.", SNARE: "..X...X.", CHH: "xxxxxxxx"})),
    # --- paso doble (2/4 march, 16ths = 4 steps/beat).
    "paso.march": (layer({SNARE: "X.xx x.x. X.xx X.xx", KICK2: "X...x... X...X..."}, steps_per_beat=4),
                   layer({SNARE: "Xgxx xgxg", KICK: "X...x..."}, steps_per_beat=4),
                   layer({SNARE: "X.x. X.xx", KICK2: "X...X...", CRASH2: "o...o..."}, steps_per_beat=4)),
    "paso.bass_drum": (layer({KICK2: "X...x..."}, steps_per_beat=4, role="time"),),
    "paso.castanets": (layer({CASTANETS: "x.xxx.x."}, steps_per_beat=4, role="perc", level=0.7),
                       layer({CASTANETS: "xxx.x.x."}, steps_per_beat=4, role="perc", level=0.7)),
    "paso.cinematic": (layer({KICK: "X...X...", LFTOM: "X..xX...", HFTOM: "..x...x.", SNARE: "....X..."},
                             steps_per_beat=4),
                       layer({KICK: "X..xX...", LTOM: "X.x.X.xx", SNARE2: "....X..."}, steps_per_beat=4)),
    "paso.flamenco": (layer({CLAP: "..X...X.", KICK: "X...x...", SIDE: "...x..x."}, steps_per_beat=4),
                      layer({CLAP: "x.X.x.X.", KICK: "X.....x.", SNARE: "....X..."}, steps_per_beat=4)),
    # --- tango (2/4, 16ths = 4 steps/beat): staccato eighths, accents on the beats.
    "tango.snare": (layer({SNARE: "X.x.X.x.", KICK: "X...X..."}, steps_per_beat=4),
                    layer({SNARE: "X.xxX.x.", KICK: "X...x..."}, steps_per_beat=4),
                    layer({SIDE: "X.x.X.x.", KICK: "X.x.X.x."}, steps_per_beat=4)),
    "tango.electro": (layer({KICK: "X.x.X.x.", CLAP: "..X...X.", CHH: ".x.x.x.x"}, steps_per_beat=4),
                      layer({KICK: "X.x.X.x.", SNARE: "..X...X.", SHAKER: "xgxgxgxg"}, steps_per_beat=4)),
    # --- waltzes (3/4): oom-pah-pah.
    "waltz.brush": (layer({KICK: "X.....", SNARE: "..o.o.", RIDE: "x.o.o."}, level=0.7),
                    layer({KICK: "o.....", SNARE: "x.o.o.", PHH: "..x.x."}, level=0.7)),
    "waltz.country": (layer({KICK: "X.....", SIDE: "..x.x.", CHH: "x.x.x."}),
                      layer({KICK: "X...x.", SNARE: "..x.x.", CHH: "xoxoxo"})),
    "waltz.pop": (layer({KICK: "X.....", SNARE: "....X.", CHH: "xoxoxo"}),
                  layer({KICK: "X.x...", SNARE: "....X.", CHH: "x.x.x.", SHAKER: "xgogxgogxgog"})),
    "vw.orchestra": (layer({KICK2: "X.....", OTRI: "..x.x."}, role="perc", level=0.6),
                     layer({KICK2: "X.....", CRASH2: "o.....", MTRI: "..o.o."}, role="perc", level=0.5)),
    "vw.kit": (layer({KICK: "X.....", SNARE: "..x.x.", CHH: "x.x.x."}),
               layer({KICK: "X.....", SIDE: "..x.x.", RIDE: "x.x.x."})),
    "vw.pop": (layer({KICK: "X.....X.....", SNARE: "..X.X...X.X.", CHH: "xoxoxoxoxoxo"}),
               layer({KICK: "X.....", SNARE: "..X...", CHH: "xxxxxx", TAMB: "..x.x."})),
    # --- slow foxtrot and quickstep (4/4 swing).
    "fox.brush": (layer({SNARE: "o.X.o.X.", RIDE: "x.xxx.xx", PHH: "..x...x.", KICK: "g.g.g.g."}, level=0.75),
                  layer({SNARE: "g.x.g.x.", CHH: "x.xxx.xx", KICK: "o...o..."}, level=0.75)),
    "fox.pop_kit": (layer({KICK: "X...x.x.", SNARE: "..X...X.", CHH: "xoxoxoxo"}),
                    layer({KICK: "X..xX...", SIDE: "..X...X.", CHH: "x.xxx.xx"})),
    "qs.swing_kit": (layer({KICK: "X...X...", SNARE: "..X...X.", RIDE: "x.xxx.xx", PHH: "..x...x."}),
                     layer({KICK: "X.x.X.x.", SNARE: "..X...X.", CHH: "x.x.x.x."}),
                     layer({KICK: "X...X...", SNARE: "..X..xX.", RIDE: "xxxxxxxx"})),
    "qs.pop_kit": (layer({KICK: "X.X.X.X.", SNARE: "..X...X.", CHH: "x.x.x.x.", OHH: ".x.x.x.x"}),
                   layer({KICK: "X...X.x.", SNARE: "..X...X.", CHH: "xxxxxxxx"})),
    # === other social dances (negatives for the "other dance" class; dancecore.data.synth.social) ===
    # --- bachata (4/4): bongo martillo, gira scrape, modern kick on 1 and 3 (4) with the 4-and tap.
    "bachata.bongo": (layer({HBONGO: "XgxgXgxg", LBONGO: "...o...o"}, role="perc", level=0.7),
                      layer({HBONGO: "xgxgxgxx", LBONGO: "X...X..."}, role="perc", level=0.7)),
    "bachata.guira": (layer({CABASA: "X.xxX.xx" * 2}, steps_per_beat=4, role="time", level=0.65),
                      layer({MARACAS: "X.x.xxx." * 2}, steps_per_beat=4, role="time", level=0.65)),
    "bachata.kit": (layer({KICK: "X...X...", SIDE: "......x."}), layer({KICK: "X...X..x", CLAP: "......X."})),
    # --- merengue (2/4, fast): tambora with its roll into beat 1, steady gira, kick on every beat.
    "merengue.tambora": (layer({LTOM: "X..x..X.", HFTOM: "...x.xx."}, steps_per_beat=4, role="perc"),
                         layer({LTOM: "X.....X.", HFTOM: "..xx.x.x"}, steps_per_beat=4, role="perc")),
    "merengue.guira": (layer({CABASA: "X.xxX.xx"}, steps_per_beat=4, role="time", level=0.75),
                       layer({MARACAS: "Xxxx" * 2}, steps_per_beat=4, role="time", level=0.6)),
    "merengue.kit": (layer({KICK: "X...X...", CHH: "..x...x."}, steps_per_beat=4),
                     layer({KICK: "X...X...", CLAP: "....X...", OHH: "..x...x."}, steps_per_beat=4)),
    # --- cumbia (4/4, two-feel): guacharaca/guiro long-short-short, kick on 1 and 3, off-beat rim.
    "cumbia.guiro": (layer({LGUIRO: "x...x...", SGUIRO: "..xx..xx"}, role="time", level=0.75),
                     layer({SGUIRO: "x.xxx.xx" * 2}, steps_per_beat=4, role="time", level=0.7)),
    "cumbia.kit": (layer({KICK: "X...X...", SIDE: ".x.x.x.x"}), layer({KICK: "X...X...", SNARE: "..x...x.", CHH: ".x.x.x.x"})),
    "cumbia.congas": (layer({LCONGA: "o...o...", MCONGA: "..x...x.", OCONGA: "...x...x"}, role="perc", level=0.7),),
    # --- zouk / kizomba (4/4, slow): 3-3-2 kick, snare on 3, sixteenth hats.
    "zouk.kit": (layer({KICK: "X..X..X.", SNARE: "....X...", CHH: "xgxgxgxg"}),
                 layer({KICK: "X..X..X. X..X....", CLAP: "....X... ....X...", SHAKER: "xgxgxgxg" * 2})),
    "zouk.perc": (layer({SIDE: "X..X..X.", TAMB: "..x...x."}, role="perc", level=0.6),),
    # --- salsa (4/4, fast): son clave, cascara/campana, conga tumbao, bongo martillo.
    "salsa.clave": (layer({CLAVES: "X..X...X ..X.X..."}, role="time", level=0.8),
                    layer({CLAVES: "..X.X... X..X...X"}, role="time", level=0.8)),
    "salsa.campana": (layer({COWBELL: "X.x.X.x."}, role="perc", level=0.7),
                      layer({HTIMB: "X.xX.xX. x.xx.x.x"}, role="perc", level=0.6)),
    "salsa.congas": (layer({LCONGA: "g.x.g.oo", MCONGA: "..X....."}, role="perc"),
                     layer({LCONGA: "g...g...", MCONGA: "..X.....", OCONGA: "......XX"}, role="perc")),
    "salsa.bongo": (layer({HBONGO: "XgxgXgxg", LBONGO: "...o...o"}, role="perc", level=0.6),),
    # --- west coast swing (4/4, slow): blues shuffle or R&B backbeat.
    "wcs.shuffle": (layer({KICK: "X...X...", SNARE: "..X...X.", CHH: "x.xxx.xx"}),
                    layer({KICK: "X..xX...", SNARE: "..X...X.", RIDE: "x.xxx.xx"})),
    "wcs.rnb": (layer({KICK: "X..x..x.", SNARE: "..X...X.", CHH: "xxxxxxxx"}),
                layer({KICK: "X.....xx ..x.....", CLAP: "..X...X. ..X...X.", CHH: "xgxgxgxg" * 2})),
    # --- country two-step (4/4, fast): boom-chick, train beat.
    "twostep.kit": (layer({KICK: "X...X...", SNARE: "..X...X.", CHH: "x.x.x.x."}),
                    layer({KICK: "X...X...", SNARE: "gxgXgxgX", CHH: "x.x.x.x."}),
                    layer({KICK: "X.x.X.x.", SIDE: "..X...X.", RIDE: "xxxxxxxx"})),
}
