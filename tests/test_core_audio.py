"""Decoding real audio in every supported container, bad input, and the streaming spectrogram."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf

from dancecore.audio import decode_ahead, load_audio
from dancecore.errors import AudioError
from dancecore.features import FeatureSettings, StreamingLogMel, log_mel
from tests.conftest import song


@pytest.fixture(scope="module")
def clip(song_labels, tmp_path_factory) -> Path:
    """A 12 s wav excerpt of a real song."""
    out = tmp_path_factory.mktemp("clips") / "clip.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "30", "-t", "12", "-i", str(song(song_labels, "jive")),
                    str(out)], check=True)
    return out


@pytest.mark.parametrize("suffix,extra", [
    (".mp3", []), (".flac", []), (".ogg", ["-c:a", "libvorbis"]), (".opus", ["-c:a", "libopus"]),
    (".m4a", ["-c:a", "aac"]), (".mp4", "video"), (".webm", "video"), (".mkv", "video")])
def test_decodes_every_container(clip: Path, tmp_path: Path, suffix: str, extra) -> None:
    out = tmp_path / f"clip{suffix}"
    if extra == "video":
        cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=blue:s=32x32:d=12", "-i", str(clip),
               "-shortest", str(out)]
    else:
        cmd = ["ffmpeg", "-v", "error", "-y", "-i", str(clip), *extra, str(out)]
    subprocess.run(cmd, check=True)
    reference = load_audio(clip)
    audio = load_audio(out)
    assert audio.sr == 22050 and audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert abs(audio.duration_s - 12.0) < 0.15
    n = min(len(reference.samples), len(audio.samples), 22050 * 10)
    # lossy codecs shift and colour the signal a little; the envelopes must still agree
    env = lambda x: np.sqrt(np.convolve(x[:n] ** 2, np.ones(2048) / 2048, mode="valid"))[::512]  # noqa: E731
    assert np.corrcoef(env(reference.samples), env(audio.samples))[0, 1] > 0.9
    from_bytes = load_audio(out.read_bytes(), name="upload")
    assert abs(from_bytes.duration_s - audio.duration_s) < 0.1


def test_real_song_at_22050(song_labels) -> None:
    audio = load_audio(song(song_labels, "samba"))
    assert audio.sr == 22050 and 100 < audio.duration_s < 400 and not audio.truncated


def test_max_duration_truncates(song_labels) -> None:
    audio = load_audio(song(song_labels, "samba"), max_duration_s=20)
    assert abs(audio.duration_s - 20) < 0.05 and audio.truncated and audio.source_duration_s > 100


@pytest.mark.parametrize("content,problem", [
    (b"", "empty"), (b"hello, I am a text file\n" * 20, "not a readable audio"), (b"\x00" * 5000, "not a readable audio")])
def test_bad_bytes_give_one_line_errors(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "song.mp3"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=problem) as info:
        load_audio(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_silent_and_missing(tmp_path: Path) -> None:
    sf.write(tmp_path / "silence.wav", np.zeros(22050 * 5, np.float32), 22050)
    with pytest.raises(AudioError, match="silent"):
        load_audio(tmp_path / "silence.wav")
    with pytest.raises(AudioError, match="no such file"):
        load_audio(tmp_path / "nothing.wav")


def test_video_without_sound(tmp_path: Path) -> None:
    out = tmp_path / "mute.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=32x32:d=2", str(out)], check=True)
    with pytest.raises(AudioError, match="no audio track"):
        load_audio(out)


@pytest.mark.parametrize("suffix", [".mp3", ".flac"])   # decoded by ffmpeg, and by libsndfile
def test_truncated_file_decodes_what_is_there_and_says_it_is_incomplete(clip: Path, tmp_path: Path,
                                                                        suffix: str) -> None:
    """Issue 19 item 7: the first half of a file (head -c) decodes to half its header's length: incomplete."""
    full = tmp_path / f"full{suffix}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(clip), str(full)], check=True)
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    audio = load_audio(cut)
    assert 4.0 < audio.duration_s < 8.0
    assert audio.incomplete and not audio.truncated and audio.source_duration_s == pytest.approx(12, abs=0.1)
    assert not load_audio(full).incomplete
    assert not load_audio(cut, max_duration_s=3).incomplete   # what the limit asked for was all there


def test_decode_ahead_gives_each_recording_in_order_one_ahead(clip: Path, tmp_path: Path) -> None:
    """Each source's audio in order, a bad file's error from its own future, and the next recording decoding while
    the caller holds the current one, never two ahead."""
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all " * 64)
    started: list[Path] = []

    def decode(path: Path):
        started.append(path)
        return load_audio(path)

    futures = decode_ahead([clip, bad, clip], decode)
    first = next(futures).result()
    assert abs(first.duration_s - 12.0) < 0.15
    deadline = time.monotonic() + 30
    while len(started) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert started == [clip, bad]   # the second decodes while the first is in our hands; the third waits
    with pytest.raises(AudioError, match="bad.mp3"):
        next(futures).result()
    assert np.array_equal(next(futures).result().samples, first.samples)
    assert list(futures) == [] and started == [clip, bad, clip]


def test_streaming_spectrogram_equals_offline(song_labels) -> None:
    samples = load_audio(song(song_labels, "tango"), max_duration_s=40).samples
    offline = log_mel(samples)
    rng = np.random.default_rng(0)
    for max_chunk in (1, 700, 9000):
        stream, parts, i = StreamingLogMel(), [], 0
        sizes = rng.integers(1, max_chunk + 1, size=len(samples)) if max_chunk > 1 else None
        if sizes is None:  # one-sample chunks are slow: do the first 3 s that way, then the rest at once
            for j in range(22050 * 3):
                parts.append(stream.push(samples[j:j + 1]))
            parts.append(stream.push(samples[22050 * 3:]))
        else:
            for size in sizes:
                if i >= len(samples):
                    break
                parts.append(stream.push(samples[i:i + size]))
                i += int(size)
        parts.append(stream.flush())
        streamed = np.concatenate(parts)
        assert streamed.shape == offline.shape == (1 + len(samples) // 512, 224)
        np.testing.assert_allclose(streamed, offline, atol=1e-4, rtol=0)


def test_offline_spectrogram_matches_librosa(song_labels) -> None:
    samples = load_audio(song(song_labels, "rumba"), max_duration_s=15).samples
    ours = log_mel(samples)
    settings = FeatureSettings()
    reference = librosa.power_to_db(librosa.feature.melspectrogram(
        y=samples, sr=settings.sr, n_fft=settings.n_fft, hop_length=settings.hop_length, n_mels=settings.n_mels,
        fmax=settings.sr / 2), ref=1.0, amin=1e-10, top_db=None).T
    audible = reference > -80
    assert ours.shape == reference.shape
    assert np.abs(ours - reference)[audible].max() < 0.01
