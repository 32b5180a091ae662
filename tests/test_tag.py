"""`dancecore tag` on a mixed-format library cut from the real songs: tags read back with mutagen and
ffprobe, audio bit-identical, resume, --remove, --dry-run, --overwrite, read-only and locked files, bad
files, a killed run, playlists and the report."""
from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

mutagen = pytest.importorskip("mutagen", reason="dancecore tag needs the tag extra (mutagen)")
pytest.importorskip("pydantic", reason="dancecore tag needs the tag extra (pydantic)")
if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
    pytest.skip("the tag tests make their library with ffmpeg and read it back with ffprobe", allow_module_level=True)

from dancecore.cli import main  # noqa: E402
from dancecore.dances import BY_ID  # noqa: E402
from dancecore.errors import ConfigError  # noqa: E402
from dancecore.tagging.config import config_from_dict  # noqa: E402
from dancecore.tagging.containers import open_tags  # noqa: E402
from dancecore.tagging.playlists import tempo_change_pct  # noqa: E402
from dancecore.tagging.record import Record  # noqa: E402
from dancecore.tagging.safe_write import TMP_SUFFIX  # noqa: E402
from tests.conftest import REPO, song  # noqa: E402

sys.path.insert(0, str(REPO / "scripts"))
from bench_tag import decoded_md5 as pcm_md5, ffprobe_tags, make_file, mutagen_view  # noqa: E402

# name -> (song's dance, ffmpeg options); 25 s from 60 s into the song. a23.mp3 holds a BPM and b.flac a
# grouping of their own (kept); a1.mp3 has only an ID3v1 tag, c.wav none at all (no RIFF INFO list either:
# ffmpeg prefers INFO to the ID3 chunk when reading).
LIBRARY = {
    "a23.mp3": ("jive", ["-metadata", "TBPM=99", "-c:a", "libmp3lame", "-b:a", "96k", "-id3v2_version", "3",
                         "-write_id3v1", "1"]),
    "a24.mp3": ("jive", ["-c:a", "libmp3lame", "-b:a", "96k", "-id3v2_version", "4"]),
    "a1.mp3": ("jive", ["-c:a", "libmp3lame", "-b:a", "96k", "-write_id3v1", "1"]),  # its ID3v2 tag is deleted
    "b.flac": ("slow_waltz", ["-metadata", "GROUPING=Party", "-c:a", "flac"]),
    "b.opus": ("slow_waltz", ["-c:a", "libopus", "-b:a", "64k"]),
    "c.m4a": ("tango", ["-c:a", "aac", "-b:a", "96k"]),
    "c.wav": ("tango", ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-c:a", "pcm_s16le"]),
    "c.aiff": ("tango", ["-write_id3v2", "1", "-c:a", "pcm_s16le"]),
}
KEPT = {"a23.mp3": ("TBPM", ["99"]), "b.flac": ("GROUPING", ["Party"])}


def tag(*args: object) -> tuple[int, str, str]:
    """`dancecore tag ARGS` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["tag", *map(str, args)])
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, tuple]:
    """name -> (file bytes' MD5, modification time in ns)."""
    return {p.name: (hashlib.md5(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def record_of(path: Path) -> Record | None:
    tags = open_tags(path)
    return Record.parse(tags.get({"id3": "TXXX:DANCECORE", "vorbis": "DANCECORE",
                                  "mp4": "----:com.apple.iTunes:DANCECORE"}[tags.kind]))


@pytest.fixture(scope="module")
def library(tmp_path_factory, song_labels) -> Path:
    """The untagged library (copy it before changing anything)."""
    folder = tmp_path_factory.mktemp("library")
    for name, (dance, options) in LIBRARY.items():
        named = {} if name == "c.wav" else {"title": "Test Title", "artist": "Test Artist"}
        make_file(song(song_labels, dance), folder / name, options, 25.0, start=60.0, **named)
    mutagen.id3.delete(folder / "a1.mp3", delete_v1=False, delete_v2=True)
    return folder


@pytest.fixture(scope="module")
def config_file(tmp_path_factory) -> Path:
    """Write every field even when the model is not sure (25-second cuts often are)."""
    path = tmp_path_factory.mktemp("config") / "tag.yaml"
    path.write_text("not_sure: write\n")
    return path


@pytest.fixture(scope="module")
def tagged(library: Path, config_file: Path, model_path: Path, tmp_path_factory) -> dict:
    """A copy of the library tagged once (one process), with its state before and the run's output."""
    folder = tmp_path_factory.mktemp("tagged") / "music"
    shutil.copytree(library, folder)
    before = {p.name: {"pcm": pcm_md5(p), "mutagen": mutagen_view(p), "ffprobe": ffprobe_tags(p)}
              for p in folder.iterdir()}
    code, out, err = tag(folder, "--config", config_file, "--model", model_path, "--workers", 1)
    return {"folder": folder, "before": before, "code": code, "out": out, "err": err}


def test_tags_written_and_read_back_with_mutagen_and_ffprobe(tagged: dict, classifier) -> None:
    folder = tagged["folder"]
    assert tagged["code"] == 0, tagged["err"]
    assert f"{len(LIBRARY)} tagged" in tagged["out"] and "per dance:" in tagged["out"]
    for name in LIBRARY:
        path = folder / name
        record = record_of(path)
        assert record is not None and record.model == f"{classifier.model.name} {classifier.model.version}", name
        facts = record.facts
        dance, mpm, bpm = BY_ID[facts.dance].name, f"{facts.mpm:.1f}", f"{facts.dj_bpm:.0f}"
        tags = open_tags(path)
        keys = {"id3": ("TIT1", "TXXX:DANCE", "TBPM", "TXXX:MPM"), "vorbis": ("GROUPING", "DANCE", "BPM", "MPM"),
                "mp4": ("©grp", "----:com.apple.iTunes:DANCE", "tmpo", "----:com.apple.iTunes:MPM")}[tags.kind]
        expected = dict(zip(keys, [[dance], [dance], [bpm], [mpm]]))
        if name in KEPT:
            expected[KEPT[name][0]] = KEPT[name][1]
            assert f"{KEPT[name][0]} keeps" in tagged["out"]
        assert {k: tags.get(k) for k in keys} == expected, name
        if tags.kind == "id3":
            assert tags.get("GRP1") == [dance]
        probe = {k.lower(): v for k, v in ffprobe_tags(path).items()}
        assert probe["dance"] == dance and probe["mpm"] == mpm, (name, probe)
        assert probe["grouping"] == expected[keys[0]][0], (name, probe)
        assert json.loads(probe["dancecore"])["result"]["dance"] == facts.dance
        if tags.kind != "mp4":  # ffprobe 5 does not show an MP4 tmpo atom; mutagen read it above
            assert probe["tbpm" if tags.kind == "id3" else "bpm"] == expected[keys[2]][0]
        for key, value in tagged["before"][name]["ffprobe"].items():  # what was there is still there
            assert probe[key.lower()] == value, (name, key)
    result = classifier.classify(folder / "a24.mp3")
    facts = record_of(folder / "a24.mp3").facts
    assert facts.dance == result.dance and facts.mpm == pytest.approx(result.tempo_mpm, abs=0.01)


def test_audio_is_bit_identical_after_tagging(tagged: dict) -> None:
    for name in LIBRARY:
        assert pcm_md5(tagged["folder"] / name) == tagged["before"][name]["pcm"], name
    v1 = (tagged["folder"] / "a23.mp3").read_bytes()[-128:]
    assert v1.startswith(b"TAGTest Title")  # the ID3v1 tag is kept as it was


def test_second_run_skips_every_file(tagged: dict, config_file: Path, model_path: Path) -> None:
    folder = tagged["folder"]
    before = snapshot(folder)
    code, out, err = tag(folder, "--config", config_file, "--model", model_path, "--workers", 1)
    assert code == 0, err
    assert f"{len(LIBRARY)} already tagged (skipped)" in out and "0 classified" in out
    assert snapshot(folder) == before


def test_remove_restores_the_original_tags_exactly(tagged: dict, library: Path, tmp_path: Path) -> None:
    folder = tmp_path / "music"
    shutil.copytree(tagged["folder"], folder)
    code, out, err = tag(folder, "--remove", "--workers", 1)
    assert code == 0, err
    assert f"{len(LIBRARY)} untagged" in out
    for name in LIBRARY:
        path = folder / name
        assert mutagen_view(path) == tagged["before"][name]["mutagen"], name
        assert ffprobe_tags(path) == tagged["before"][name]["ffprobe"], name
        assert pcm_md5(path) == tagged["before"][name]["pcm"], name
    for name in ("c.wav", "a1.mp3"):  # the tag block dancecore added is gone
        assert (folder / name).read_bytes() == (library / name).read_bytes(), name
    code, out, _ = tag(folder, "--remove", "--workers", 1)
    assert code == 0 and f"{len(LIBRARY)} had no dancecore tags" in out


def test_overwrite_replaces_and_remove_gives_back(library: Path, config_file: Path, model_path: Path,
                                                  tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    for name in KEPT:
        shutil.copy2(library / name, folder / name)
    before = {name: mutagen_view(folder / name) for name in KEPT}
    code, out, err = tag(folder, "--config", config_file, "--model", model_path, "--workers", 1, "--overwrite",
                         "--keep-mtime")
    assert code == 0, err
    for name, (key, value) in KEPT.items():
        path = folder / name
        assert open_tags(path).get(key) not in (None, value), name
        assert record_of(path).owned[key]["before"] == value
        assert path.stat().st_mtime_ns == (library / name).stat().st_mtime_ns  # --keep-mtime
    code, _, err = tag(folder, "--remove", "--workers", 1)
    assert code == 0, err
    assert {name: mutagen_view(folder / name) for name in KEPT} == before


def test_dry_run_changes_nothing(library: Path, config_file: Path, model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    for name in ("a24.mp3", "b.flac", "c.m4a"):
        shutil.copy2(library / name, folder / name)
    before = snapshot(folder)
    code, out, err = tag(folder, "--config", config_file, "--model", model_path, "--workers", 1, "--dry-run")
    assert code == 0, err
    assert out.count("would tag") == 3 and "TXXX:DANCE (none) -> " in out and "GROUPING keeps 'Party'" in out
    assert "3 would be tagged" in out
    assert snapshot(folder) == before


def test_dry_run_then_real_run_decode_once_with_the_cache(library: Path, model_path: Path, tmp_path: Path) -> None:
    folder, cache = tmp_path / "music", tmp_path / "cache"
    folder.mkdir()
    shutil.copy2(library / "b.opus", folder / "b.opus")
    code, planned, err = tag(folder, "--model", model_path, "--workers", 1, "--dry-run", "--cache", cache)
    assert code == 0, err
    entries = sorted(cache.rglob("*.npy"))
    assert len(entries) >= 1
    stamps = [p.stat().st_mtime_ns for p in entries]
    code, done, err = tag(folder, "--model", model_path, "--workers", 1, "--cache", cache)
    assert code == 0, err
    assert sorted(cache.rglob("*.npy")) == entries and [p.stat().st_mtime_ns for p in entries] == stamps
    finding = planned.split("b.opus", 1)[1].split(":")[0]  # "  Slow Waltz, 28.9 bars/min = ... (71%)"
    assert finding in done


def test_read_only_locked_and_bad_files_are_reported_and_skipped(library: Path, model_path: Path,
                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "music"
    folder.mkdir()
    for name in ("a24.mp3", "b.opus", "c.m4a"):
        shutil.copy2(library / name, folder / name)
    (folder / "a24.mp3").chmod(0o444)
    (folder / "broken.mp3").write_bytes(os.urandom(50_000))
    (folder / "empty.flac").write_bytes(b"")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=2", "-c:a", "wmav2", str(folder / "x.wma")],
                   check=True)
    before = snapshot(folder)
    with open(folder / "c.m4a", "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another program holds the file
        code, out, err = tag(folder, "--model", model_path, "--workers", 1)
    assert code == 2
    failed = [line for line in err.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 5, err
    assert any("a24.mp3: the file is read-only; skipped" in line for line in failed)
    assert any("c.m4a: locked by another program; skipped" in line for line in failed)
    assert any("x.wma: not a format dancecore can tag" in line for line in failed)
    assert any("broken.mp3" in line for line in failed) and any("empty.flac" in line for line in failed)
    assert "1 tagged, 5 failed" in out
    after = snapshot(folder)
    assert {n: after[n] for n in after if n != "b.opus"} == {n: before[n] for n in before if n != "b.opus"}
    assert record_of(folder / "b.opus") is not None


def test_interrupted_write_leaves_the_original(library: Path, model_path: Path, tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C after the copy was edited and before it replaced the original: the original stays, no copy left."""
    import dancecore.tagging.job as job

    folder = tmp_path / "music"
    folder.mkdir()
    shutil.copy2(library / "b.flac", folder / "b.flac")
    before = snapshot(folder)
    real_apply = job._apply

    def apply_then_interrupt(*args, **kwargs):
        real_apply(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(job, "_apply", apply_then_interrupt)
    code, _, err = tag(folder, "--model", model_path, "--workers", 1)
    assert code == 130 and "interrupted" in err
    assert snapshot(folder) == before


def test_killed_run_leaves_whole_files_and_resumes(library: Path, config_file: Path, model_path: Path,
                                                   tmp_path: Path) -> None:
    """The parent of two worker processes killed with SIGKILL while tagging: the workers end by themselves,
    every file is either untouched or completely tagged (audio identical), and the next run finishes
    the job and removes leftovers."""
    folder = tmp_path / "music"
    shutil.copytree(library, folder)
    pcm = {p.name: pcm_md5(p) for p in folder.iterdir()}
    proc = subprocess.Popen([sys.executable, "-m", "dancecore", "tag", str(folder), "--config", str(config_file),
                             "--model", str(model_path), "--workers", "2"], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(record_of(folder / name) for name in LIBRARY):
            break
        time.sleep(0.05)
    psutil = pytest.importorskip("psutil", reason="the worker processes are found with psutil")
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()
    proc.wait()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, "worker processes outlived their parent"
    done = [name for name in LIBRARY if record_of(folder / name) is not None]
    assert done, "no file was tagged before the kill"
    for name in LIBRARY:
        assert pcm_md5(folder / name) == pcm[name], name
    (folder / f".c.wav.x1y2{TMP_SUFFIX}").write_bytes(b"half a copy")  # as a kill during a copy leaves it
    code, out, err = tag(folder, "--config", config_file, "--model", model_path, "--workers", 1)
    assert code == 0, err
    assert "removed 1 temporary file(s) an interrupted run left behind" in err
    assert not list(folder.glob(f"*{TMP_SUFFIX}")) and not list(folder.glob(f".*{TMP_SUFFIX}"))
    assert all(record_of(folder / name) is not None for name in LIBRARY)
    assert f"{len(done)} already tagged (skipped)" in out or len(done) == len(LIBRARY)


def test_playlists_and_report(tagged: dict, config_file: Path, model_path: Path, tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    code, out, err = tag(tagged["folder"], "--config", config_file, "--model", model_path, "--workers", 1,
                         "--playlists", lists, "--any-tempo")
    assert code == 0, err
    assert "0 classified" in out  # playlists from the records, no classification
    files = sorted(lists.glob("*.m3u8"))
    assert [p.stem for p in files] == sorted(d.name for d in BY_ID.values())
    listed = []
    for playlist in files:
        lines = playlist.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "#EXTM3U" and lines[1] == f"#PLAYLIST:{playlist.stem}"
        for info, entry in zip(lines[2::2], lines[3::2]):
            seconds, title = info.removeprefix("#EXTINF:").split(",", 1)
            assert 24 <= int(seconds) <= 26 and title in ("Test Artist - Test Title", "c")  # c.wav: no title
            assert not Path(entry).is_absolute() and (lists / entry).resolve().is_file()
            listed.append((playlist.stem, Path(entry).name))
    assert len(listed) == len(LIBRARY)
    rows = list(csv.DictReader(open(lists / "report.csv", encoding="utf-8")))
    assert sorted(r["path"] for r in rows) == sorted(str(tagged["folder"] / n) for n in LIBRARY)
    for row in rows:
        assert float(row["tempo_change_pct"]) == tempo_change_pct(float(row["mpm"]), row["dance"])
        low, high = (float(x) for x in row["range_mpm"].split("-"))
        inside = low <= float(row["mpm"]) <= high
        assert inside == (float(row["tempo_change_pct"]) == 0.0)
        assert (row["playlist"], Path(row["path"]).name) in listed
    tag(tagged["folder"], "--config", config_file, "--model", model_path, "--workers", 1, "--playlists", lists)
    in_range = sum(len(p.read_text().splitlines()[2:]) // 2 for p in lists.glob("*.m3u8"))
    rows = list(csv.DictReader(open(lists / "report.csv", encoding="utf-8")))
    named_in_range = [r for r in rows if float(r["tempo_change_pct"]) == 0.0 and r["not_sure"] == "False"]
    assert in_range == len(named_in_range) == sum(1 for r in rows if r["playlist"])


def test_tempo_advice_in_percent() -> None:
    assert tempo_change_pct(26.0, "rumba") == 0.0
    assert tempo_change_pct(24.0, "rumba") == pytest.approx(4.2)    # 24 -> 25 bars/min: 4.2% faster
    assert tempo_change_pct(30.0, "rumba") == pytest.approx(-10.0)  # 30 -> 27: 10% slower


def test_config_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"fields.bpm.id3: 'XBPM' is not an ID3 text frame"):
        config_from_dict({"fields": {"bpm": {"id3": ["XBPM"]}}})
    with pytest.raises(ConfigError, match=r"unknown name \{tempo\}"):
        config_from_dict({"fields": {"bpm": {"value": "{tempo}"}}})
    with pytest.raises(ConfigError, match="TIT1 is written by two enabled fields"):
        config_from_dict({"fields": {"genre": {"write": True, "id3": ["TIT1"]}}})
    assert config_from_dict({"fields": {"genre": {"write": True}}}).fields["genre"].id3 == ["TCON"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("names: {polka: Polka}\n")
    code, _, err = tag(tmp_path, "--config", bad)
    assert code == 2 and err.count("\n") == 1 and "names: unknown dance 'polka'" in err


def test_shipped_config_lists_the_defaults() -> None:
    from dancecore.tagging.config import TagConfig, load_config

    assert load_config(REPO / "configs" / "tag.yaml") == TagConfig()


def test_without_the_tag_extra_one_line_names_it(tmp_path: Path) -> None:
    code = "import sys; sys.modules['mutagen'] = None; from dancecore.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, "tag", str(tmp_path)], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "dancecore: error: dancecore tag needs mutagen, which is not installed; install the tag extra: "
        "pip install 'dancecore[tag]'"]


def test_classify_of_a_folder_ends_with_a_summary(library: Path, model_path: Path, tmp_path: Path) -> None:
    """`dancecore classify FOLDER` (issue 18 part 4): results, then one summary line; with --json stdout stays JSON."""
    folder = tmp_path / "music"
    folder.mkdir()
    for name in ("a24.mp3", "b.opus", "c.m4a"):
        shutil.copy2(library / name, folder / name)
    (folder / "broken.mp3").write_bytes(os.urandom(20_000))
    run = [sys.executable, "-m", "dancecore", "classify", "--model", str(model_path), str(folder)]
    table = subprocess.run(run, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert table.returncode == 2
    last = table.stdout.strip().splitlines()[-1]
    assert last.startswith("4 files: 3 classified, 1 failed"), table.stdout
    counts = [int(item.rsplit(" ", 1)[1]) for group in last.split("; ")[1:] for item in group.split(", ")]
    assert sum(counts) == 3  # per dance and not sure add up to the classified files
    as_json = subprocess.run([*run, "--json"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert [json.loads(line)["path"] for line in as_json.stdout.splitlines()] == \
        [str(folder / n) for n in ("a24.mp3", "b.opus", "c.m4a")]
    assert "4 files: 3 classified, 1 failed" in as_json.stderr
