"""`dancecore dedupe`: a re-encoded, shifted copy of a real song is found; different songs are not paired."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dancecore.audio import load_audio
from dancecore.datasets import Item
from dancecore.dedupe import DEFAULT_SECONDS, find_pairs, fingerprint, max_correlation
from dancecore.features import FeatureSettings, log_mel

REPO = Path(__file__).resolve().parents[1]
SHIFT_S = 3.1


@pytest.fixture(scope="module")
def in_set(song_labels: list[dict[str, str]]) -> list[Item]:
    """The 29 different in-set songs (each its own group)."""
    return [Item(Path(r["path"]), r["dance"], r["path"]) for r in song_labels if r["kind"] == "in_set"]


@pytest.fixture(scope="module")
def planted(in_set: list[Item], tmp_path_factory: pytest.TempPathFactory) -> tuple[Item, Item]:
    """(original, copy): the copy is the original without its first 3.1 s, re-encoded to MP3 at 96 kbit/s."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    original = next(i for i in in_set if i.dance == "cha_cha_cha")
    copy = tmp_path_factory.mktemp("planted") / "copy_of_song.mp3"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-ss", str(SHIFT_S), "-i", str(original.path),
                    "-c:a", "libmp3lame", "-b:a", "96k", str(copy)], check=True, timeout=120)
    return original, Item(copy, original.dance, str(copy))


def load_fingerprint(item: Item) -> np.ndarray:
    """Fingerprint of the first 60 s, decoded directly (no cache)."""
    audio = load_audio(item.path, max_duration_s=DEFAULT_SECONDS)
    return fingerprint(log_mel(audio.samples))


def test_finds_planted_copy_and_no_pair_among_different_songs(in_set: list[Item], planted: tuple[Item, Item]) -> None:
    original, copy = planted
    pairs = find_pairs([*in_set, copy], None, load_fingerprint, same_dance_only=False)
    assert len(pairs) == 1, [(p.a.path.name, p.b.path.name, p.correlation) for p in pairs]
    pair = pairs[0]
    assert {pair.a.path, pair.b.path} == {original.path, copy.path}
    assert pair.correlation > 0.85
    offset = pair.offset_s if pair.a.path == original.path else -pair.offset_s
    assert offset == pytest.approx(SHIFT_S, abs=0.1)  # the copy starts 3.1 s into the original


def test_correlation_matches_direct_computation() -> None:
    """The FFT/matrix form equals the plain loop over shifts (overlap-normalised correlation)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((700, 32)).astype(np.float32)
    b = np.concatenate([rng.standard_normal((37, 32)), a[:500]]).astype(np.float32) + 0.5 * rng.standard_normal((537, 32)).astype(np.float32)
    corr, shift = max_correlation([a, b[:300]], [b, a], max_shift_frames=60)

    def direct(x: np.ndarray, y: np.ndarray, max_shift: int) -> tuple[float, int]:
        best = (-1.0, 0)
        for s in range(-max_shift, max_shift + 1):
            lo, hi = max(0, -s), min(len(x), len(y) - s)
            if hi - lo < min(224, len(x), len(y)):
                continue
            xa, yb = x[lo:hi].astype(float), y[lo + s:hi + s].astype(float)
            value = float((xa * yb).sum() / np.sqrt((xa ** 2).sum() * (yb ** 2).sum()))
            best = max(best, (value, s))
        return best

    for i, x in enumerate([a, b[:300]]):
        for j, y in enumerate([b, a]):
            value, s = direct(x, y, 60)
            assert corr[i, j] == pytest.approx(value, abs=1e-4)
            assert shift[i, j] == s
    assert shift[0, 0] == 37 and corr[0, 0] > 0.85  # a[t] reappears in b at t + 37


def test_fingerprint_ignores_loudness() -> None:
    """A quiet copy (-12 dB, i.e. the whole spectrogram lowered) has the same fingerprint."""
    rng = np.random.default_rng(1)
    spec = rng.normal(-40, 10, (500, 224)).astype(np.float32)
    assert np.allclose(fingerprint(spec), fingerprint(spec - 12.0), atol=1e-4)
    assert fingerprint(spec, FeatureSettings(), seconds=5.0).shape == (215, 32)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dancecore", "dedupe", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_cli_pairs_and_clean_manifest(in_set: list[Item], planted: tuple[Item, Item], tmp_path: Path) -> None:
    original, copy = planted
    train = tmp_path / "train.csv"
    others = [i for i in in_set if i.dance == "cha_cha_cha" and i.path != original.path][:2]
    with open(train, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "dance", "group"])
        for item in [original, *others]:
            writer.writerow([item.path, item.dance, item.path.stem])
    test = tmp_path / "test.csv"
    test.write_text(f"path,dance\n{copy.path},Cha-Cha\n")
    result = _cli(str(train), str(test), "--out", "pairs.csv", "--drop-to", "clean/train.csv",
                  "--cache", str(tmp_path / "cache"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(open(tmp_path / "pairs.csv")))
    assert [(Path(r["a"]), Path(r["b"])) for r in rows] == [(original.path, copy.path)]
    assert float(rows[0]["correlation"]) > 0.85 and float(rows[0]["offset_s"]) == pytest.approx(SHIFT_S, abs=0.1)
    clean = list(csv.DictReader(open(tmp_path / "clean" / "train.csv")))
    assert [Path(r["path"]) for r in clean] == [i.path for i in others]
    assert [r["group"] for r in clean] == [i.path.stem for i in others]


def test_cli_bad_input_is_one_line(tmp_path: Path) -> None:
    result = _cli(str(tmp_path / "missing.csv"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "missing.csv" in result.stderr and "Traceback" not in result.stderr
    result = _cli(str(tmp_path), "--threshold", "3", cwd=tmp_path)
    assert result.returncode == 2 and "--threshold" in result.stderr
