"""`dancecore classify --sections` (issue 18 part 3): real songs joined with gaps and a crossfade are found again one
by one, each where it was put and with its own dance; one song, or less, is one section; the table, the JSON, the CSV
cue list and the CUE sheet say the same; the web answer and the bot list the songs; bad input is one line."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from bot_clips import cut
from conftest import REPO, song
from dancecore import wording
from dancecore.audio import Audio, load_audio
from dancecore.classify import Classifier
from dancecore.cli.classify import CSV_COLUMNS, SECTION_COLUMNS, format_sections, section_rows
from dancecore.sections import Section, cue_sheet, cue_time, find_sections, sections_dict
from dancecore.service import Answer, ClassificationService, ServiceLimits

sys.path.insert(0, str(REPO / "scripts"))
from bench_sections import SIX_DANCES, SR, Part, build_mix  # noqa: E402  (the benchmark's joined set, shorter)

LENGTHS_S = [50.0, 45.0, 55.0, 45.0, 50.0, 45.0]        # shorter than the benchmark's 60-90 s, to keep the test quick
JOINS = ["gap 3", "crossfade 6", "gap 2", "gap 4", "gap 5"]
TOLERANCE_S = 5.0                                       # the target for every boundary
CUE_INDEX = re.compile(r"^    INDEX 01 (\d{2,}):(\d{2}):(\d{2})$")


def dancecore(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dancecore", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=600)


@pytest.fixture(scope="module")
def mix(song_labels: list[dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Part]]:
    """Six songs of six dances joined by gaps of 2-5 s and a 6 s crossfade, as a 16-bit wav; its true parts."""
    rows = [next(r for r in song_labels if r["dance"] == dance and r["kind"] == "in_set") for dance in SIX_DANCES]
    samples, parts = build_mix(rows, LENGTHS_S, JOINS)
    path = tmp_path_factory.mktemp("sections") / "set.wav"
    sf.write(path, samples, SR, subtype="PCM_16")
    return path, parts


@pytest.fixture(scope="module")
def found(mix: tuple[Path, list[Part]], classifier: Classifier) -> tuple[Audio, list[Section]]:
    audio = load_audio(mix[0], sr=classifier.model.features.sr, max_duration_s=3600)
    return audio, find_sections(classifier, audio, mix[0].name)


def test_six_joined_songs_are_six_sections_within_5_s(mix, found, classifier: Classifier) -> None:
    parts = mix[1]
    audio, sections = found
    assert len(sections) == len(parts) == 6
    for part, section in zip(parts, sections):
        assert abs(section.start_s - part.start_s) <= TOLERANCE_S, (part, section.start_s)
        assert abs(section.end_s - part.end_s) <= TOLERANCE_S, (part, section.end_s)
    dances = [s.result.dance for s in sections]
    assert len(set(dances)) == 6, dances   # each section its own dance
    for part, section in zip(parts, sections):   # the answer for the song cut out where it really lies
        alone = Audio(samples=audio.samples[round(part.start_s * SR):round(part.end_s * SR)], sr=SR,
                      source_duration_s=None, truncated=False)
        assert section.result.dance == classifier.analyse_audio(alone, "alone").result.dance


def test_each_section_is_classify_of_its_own_audio(found, classifier: Classifier) -> None:
    audio, sections = found
    section = sections[2]
    cut_out = Audio(samples=audio.samples[round(section.start_s * SR):round(section.end_s * SR)], sr=SR,
                    source_duration_s=None, truncated=False)
    alone = classifier.analyse_audio(cut_out, "x").result
    assert section.result.probabilities == pytest.approx(alone.probabilities, abs=1e-9)
    assert section.result.tempo_bpm == pytest.approx(alone.tempo_bpm)
    assert section.result.duration_s == pytest.approx(section.end_s - section.start_s, abs=0.01)


def test_table_json_csv_and_cue_say_the_same(mix, found) -> None:
    audio, sections = found
    doc = json.loads(json.dumps(sections_dict(sections, audio, str(mix[0]))))
    assert doc["duration_s"] == pytest.approx(audio.duration_s, abs=0.01) and len(doc["sections"]) == 6
    for s, section in zip(doc["sections"], sections):
        assert s["start_s"] == round(section.start_s, 2) and s["end_s"] == round(section.end_s, 2)
        assert s["dance"] == section.result.dance and {"tempo", "meter", "also_fits", "not_sure"} <= set(s)
    table = format_sections(doc).splitlines()
    assert table[0].endswith(": 6 songs") and len(table) == 7
    for line, s in zip(table[1:], doc["sections"]):
        assert wording.span(s) in line and wording.verdict(s) in line and wording.tempo(s) in line

    text = io.StringIO()
    csv.writer(text).writerows([[*SECTION_COLUMNS, *CSV_COLUMNS], *section_rows(doc)])
    rows = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert [int(r["section"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    for r, s in zip(rows, doc["sections"]):
        assert float(r["start_s"]) == pytest.approx(s["start_s"]) and r["start"] == wording.duration(s["start_s"])
        assert r["dance"] == s["dance"] and float(r["bpm"]) == pytest.approx(s["tempo"]["bpm"], abs=0.05)

    sheet = cue_sheet(sections, mix[0].name).splitlines()
    assert sheet[2] == f'FILE "{mix[0].name}" WAVE'
    tracks = [line for line in sheet if line.startswith("  TRACK ")]
    assert tracks == [f"  TRACK {n:02d} AUDIO" for n in range(1, 7)]
    titles = [line.split('"')[1] for line in sheet if line.startswith("    TITLE ")]
    assert titles == [wording.headline(s) for s in doc["sections"]]
    indexes = [CUE_INDEX.match(line) for line in sheet if line.startswith("    INDEX")]
    starts = [int(m[1]) * 60 + int(m[2]) + int(m[3]) / 75 for m in indexes]
    assert starts == pytest.approx([s.start_s for s in sections], abs=1 / 75)


def test_cue_times_count_frames_of_a_75th_of_a_second() -> None:
    assert cue_time(0.0) == "00:00:00" and cue_time(83.2) == "01:23:15" and cue_time(6000.0) == "100:00:00"


def test_web_answer_and_bot_list_the_songs(found) -> None:
    from bots.embeds import reply_for
    from dancecore.web.schemas import ClassifyResult

    sections = found[1]
    answer = Answer(result=sections[0].result, timeline_png=None, sections=sections)
    body = json.loads(json.dumps(answer.to_dict()))
    ClassifyResult.model_validate(body)
    assert [s["start_s"] for s in body["sections"]] == [round(s.start_s, 2) for s in sections]
    lines = [wording.section(s) for s in body["sections"]]
    field = {f["name"]: f["value"] for f in reply_for(answer, "set.wav").embed["fields"]}["Songs in this recording"]
    assert field.splitlines() == lines
    single = Answer(result=sections[0].result, timeline_png=None, sections=sections[:1])
    assert "sections" not in single.to_dict()
    assert "Songs in this recording" not in str(reply_for(single, "one.wav").embed)


async def test_service_seeks_songs_only_in_recordings_long_enough(song_labels, classifier: Classifier,
                                                                  tmp_path: Path) -> None:
    clip = cut(song(song_labels, "rumba"), tmp_path / "clip.mp3", 30, 20, "-b:a", "128k").read_bytes()
    limits = ServiceLimits(cooldown_s=0, timeout_s=120)
    plain = await ClassificationService(classifier, limits, timeline=False).submit(clip, "clip.mp3")
    assert isinstance(plain, Answer) and plain.sections == []
    sought = ServiceLimits(cooldown_s=0, timeout_s=120, sections_min_s=10)
    answer = await ClassificationService(classifier, sought, timeline=False).submit(clip, "clip.mp3")
    assert isinstance(answer, Answer) and len(answer.sections) == 1
    assert answer.sections[0].result is answer.result and answer.to_dict() == plain.to_dict()


def test_one_song_is_one_section_through_the_command_line(song_labels, model_path: Path, tmp_path: Path) -> None:
    """A single song (90 s of it) is one section, the whole file, answered as plain classify answers it; its CUE
    sheet has one track; a clip shorter than a song gives one CSV row."""
    one = cut(song(song_labels, "samba"), tmp_path / "one song.flac", 20, 90)
    cue = tmp_path / "one.cue"
    proc = dancecore("classify", "--sections", "--json", "--cue", str(cue), "--model", str(model_path), str(one))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    plain = json.loads(dancecore("classify", "--json", "--model", str(model_path), str(one)).stdout)
    assert len(doc["sections"]) == 1
    section = doc["sections"][0]
    assert section["start_s"] == 0 and section["end_s"] == pytest.approx(90, abs=0.1)
    assert {k: v for k, v in section.items() if k not in ("start_s", "end_s")} == plain
    sheet = cue.read_text()
    assert 'FILE "one song.flac" WAVE' in sheet and sheet.count("TRACK ") == 1 and "INDEX 01 00:00:00" in sheet

    short = cut(song(song_labels, "jive"), tmp_path / "short.mp3", 40, 20, "-b:a", "128k")
    proc = dancecore("classify", "--sections", "--csv", "--model", str(model_path), str(short))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 1 and rows[0]["start"] == "0:00" and rows[0]["end"] == "0:20" and rows[0]["error"] == ""


@pytest.mark.parametrize("args, words", [
    (["--sections", "{missing}"], "no such file"),
    (["--sections", "{text}"], "not a readable audio"),
    (["--cue", "{tmp}/set.cue", "{text}", "{text}"], "one recording; 2 were given"),
    (["--cue", "{tmp}/no/such/folder/set.cue", "{text}"], "does not exist"),
    (["--sections", "--timeline", "{tmp}/t.png", "{text}"], "--timeline"),
    (["--sections", "--max-duration", "0", "{text}"], "--max-duration must be a positive"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, model_path: Path, args: list[str], words: str) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("not music\n" * 100)
    filled = [a.format(missing=tmp_path / "missing.wav", text=text, tmp=tmp_path) for a in args]
    proc = dancecore("classify", "--model", str(model_path), *filled)
    assert proc.returncode == 2, proc
    assert words in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "set.cue").exists()
