"""`dancecore classify` end to end on real songs, through the real command line."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from dancecore.dances import DANCE_IDS
from tests.conftest import REPO, song


def dancecore(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dancecore", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300)


def test_json_schema_on_real_songs(song_labels, model_path: Path, tmp_path: Path) -> None:
    paths = [song(song_labels, "jive"), song(song_labels, "slow_waltz")]
    png = tmp_path / "timeline.png"
    proc = dancecore("classify", "--json", "--model", str(model_path), "--timeline", str(png), *map(str, paths))
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["path"] for r in results] == [str(p) for p in paths]
    for r in results:
        assert set(r["probabilities"]) == set(DANCE_IDS)
        assert abs(sum(r["probabilities"].values()) - 1) < 1e-4
        assert r["dance"] == max(r["probabilities"], key=r["probabilities"].get)
        assert [t["dance"] for t in r["top2"]][0] == r["dance"] and len(r["top2"]) == 2
        assert isinstance(r["not_sure"], bool)
        assert 40 < r["tempo"]["bpm"] < 260 and r["tempo"]["mpm"] > 0
        assert r["duration_s"] > 100 and len(r["timeline"]) > 20
        assert r["timeline"][1]["start_s"] == pytest.approx(200 * 512 / 22050, abs=1e-3)
        means = np.mean([[w["probabilities"][d] for d in DANCE_IDS] for w in r["timeline"]], axis=0)
        np.testing.assert_allclose(means, [r["probabilities"][d] for d in DANCE_IDS], atol=1e-4)
        assert r["model"]["name"]
    for p in paths:
        assert (tmp_path / f"timeline_{p.stem}.png").stat().st_size > 10_000


def test_table_and_csv(song_labels, model_path: Path) -> None:
    path = song(song_labels, "tango")
    table = dancecore("classify", "--model", str(model_path), str(path))
    assert table.returncode == 0 and "tempo" in table.stdout and "=>" in table.stdout
    rows = list(csv.DictReader(io.StringIO(dancecore("classify", "--csv", "--model", str(model_path), str(path)).stdout)))
    assert len(rows) == 1 and rows[0]["dance"] in DANCE_IDS


def test_output_into_a_closed_pipe_stops_quietly(song_labels, model_path: Path) -> None:
    """`dancecore classify ... | head` where the reader has gone before the answer is printed."""
    proc = subprocess.Popen([sys.executable, "-m", "dancecore", "classify", "--json", "--model", str(model_path),
                             str(song(song_labels, "jive"))], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()                     # the reader leaves while the song is still being analysed
    stderr = proc.stderr.read()
    assert proc.wait(timeout=300) != 0
    assert "error" not in stderr and "Traceback" not in stderr, stderr


def test_short_clip_is_padded_not_rejected(song_labels, model_path: Path, tmp_path: Path) -> None:
    short = tmp_path / "short.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "40", "-t", "3", "-i", str(song(song_labels, "samba")),
                    str(short)], check=True)
    r = json.loads(dancecore("classify", "--json", "--model", str(model_path), str(short)).stdout)
    assert r["padded"] and len(r["timeline"]) == 1


@pytest.mark.parametrize("content,message", [
    (b"hello world, not music\n" * 50, "not a readable audio"), (b"", "empty")])
def test_bad_files_exit_2_with_one_line(tmp_path: Path, model_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(content)
    proc = dancecore("classify", "--model", str(model_path), str(bad))
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_silent_clip(tmp_path: Path, model_path: Path) -> None:
    sf.write(tmp_path / "quiet.wav", np.zeros(22050 * 10, np.float32), 22050)
    proc = dancecore("classify", "--model", str(model_path), str(tmp_path / "quiet.wav"))
    assert proc.returncode == 2 and "silent" in proc.stderr


def test_folder_scan_skips_bad_file(song_labels, model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "library" / "sub"
    folder.mkdir(parents=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "30", "-t", "15", "-i", str(song(song_labels, "rumba")),
                    str(folder / "good.mp3")], check=True)
    (folder / "broken.mp3").write_bytes(b"ID3 garbage" * 100)
    (tmp_path / "library" / "notes.txt").write_text("not scanned")
    proc = dancecore("classify", "--json", "--model", str(model_path), str(tmp_path / "library"))
    assert proc.returncode == 2
    assert [json.loads(line)["path"].endswith("good.mp3") for line in proc.stdout.splitlines()] == [True]
    assert "broken.mp3" in proc.stderr and "Traceback" not in proc.stderr


def test_one_hour_file_is_cut_to_the_limit(tmp_path: Path, model_path: Path) -> None:
    """A 1-hour recording: the first --max-duration seconds are analysed and the result says so."""
    long_file = tmp_path / "hour.flac"
    rng = np.random.default_rng(0)
    sr = 8000
    beat = np.zeros(sr * 60, np.float32)
    for t in np.arange(0, 60, 0.5):
        beat[int(t * sr):int(t * sr) + 200] = rng.normal(0, 0.5, 200)
    with sf.SoundFile(long_file, "w", samplerate=sr, channels=1, format="FLAC") as f:
        for _ in range(60):
            f.write(beat)
    proc = dancecore("classify", "--json", "--max-duration", "120", "--model", str(model_path), str(long_file))
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["truncated"] and r["duration_s"] == pytest.approx(120, abs=0.5)
    assert r["source_duration_s"] == pytest.approx(3600, abs=1)


def test_missing_default_model_or_model_path_message(tmp_path: Path) -> None:
    proc = dancecore("classify", "--model", str(tmp_path / "nope.pt"), str(tmp_path / "x.wav"))
    assert proc.returncode == 2 and "model file not found" in proc.stderr


def imported_modules(argv: list[str]) -> set[str]:
    """Names of the modules imported after building the `dancecore` parser for `argv`, in a fresh interpreter."""
    code = (f"import sys; from dancecore.cli import build_parser; build_parser({argv!r}); "
            "print(' '.join(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def test_only_the_named_command_is_imported() -> None:
    """`dancecore classify` must not pay for the other commands' imports (scikit-learn, uvicorn, evaluation) nor
    for matplotlib, and `dancecore --help` for none; the help still lists every command with its summary."""
    classify = imported_modules(["--debug", "classify", "x.mp3"])
    assert {name for name in classify if name.startswith("dancecore.cli.")} == {"dancecore.cli.classify"}
    assert "matplotlib" not in classify   # only --timeline draws
    listing = imported_modules([])
    assert not {name for name in listing if name.startswith("dancecore.cli.")}
    assert "torch" not in listing and "matplotlib" not in listing
    top = dancecore("--help")
    assert top.returncode == 0
    for command in ("classify", "train", "dedupe", "evaluate", "baseline", "live", "serve"):
        assert command in top.stdout
    assert "announce the dance of what is playing" in top.stdout
    train_help = dancecore("train", "--help")
    assert train_help.returncode == 0 and "--resume" in train_help.stdout and "Train a dance classifier" in train_help.stdout


def test_a_command_whose_extra_is_missing_says_which_to_install() -> None:
    """Without PyTorch (a user install), `dancecore train` names the train extra in one line, exit status 2."""
    code = ("import sys; sys.modules['torch'] = None; from dancecore.cli import main; "
            "sys.exit(main(['train', 'x.csv', '--out', 'runs/x']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "needs torch" in proc.stderr and "'.[train]'" in proc.stderr


def test_version_credits_the_shipped_models_weights() -> None:
    """CC BY 4.0 asks for credit where the weights are used: `dancecore --version` names it."""
    proc = dancecore("--version")
    assert proc.returncode == 0
    assert "model dancecore-default" in proc.stdout and "Heydari" in proc.stdout and "CC BY 4.0" in proc.stdout
