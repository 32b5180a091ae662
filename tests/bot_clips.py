"""Test media for the service and bot tests: short cuts of the real songs made with ffmpeg into a
temporary folder, and bad inputs (text named .mp3, empty, truncated, 2-hour files). Nothing is
copied into the repository."""
from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

FFMPEG = shutil.which("ffmpeg")


def need_ffmpeg() -> str:
    if FFMPEG is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    return FFMPEG


def cut(song: Path, out: Path, start_s: float = 30.0, duration_s: float = 12.0, *args: str) -> Path:
    """A `duration_s` cut of a real song from `start_s`, encoded by the suffix of `out` (extra ffmpeg args)."""
    subprocess.run([need_ffmpeg(), "-nostdin", "-v", "error", "-y", "-ss", str(start_s), "-t", str(duration_s),
                    "-i", str(song), *args, str(out)], check=True, timeout=120)
    return out


def phone_video(song: Path, out: Path, duration_s: float = 12.0) -> Path:
    """An .mp4 with a small video track and AAC sound, like a phone recording (index at the end)."""
    subprocess.run([need_ffmpeg(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=blue:s=160x120:r=10:d={duration_s}", "-ss", "30", "-t", str(duration_s),
                    "-i", str(song), "-map", "0:v", "-map", "1:a", "-c:v", "mpeg4", "-c:a", "aac",
                    "-b:a", "64k", "-shortest", str(out)], check=True, timeout=120)
    return out


def two_hour_mp3(song: Path, out: Path) -> Path:
    """A real 2-hour mp3 made cheaply: 20 s of the song at 16 kbit/s, its frames repeated 360 times
    (MP3 frames stand alone; no header gives the length, so ffprobe estimates 2 h from the bitrate)."""
    piece = out.with_suffix(".piece.mp3")
    cut(song, piece, 30.0, 20.0, "-ac", "1", "-ar", "16000", "-c:a", "libmp3lame", "-b:a", "16k",
        "-write_xing", "0", "-id3v2_version", "0")
    out.write_bytes(piece.read_bytes() * 360)
    piece.unlink()
    return out


def wav_claiming_two_hours(song: Path, out: Path) -> Path:
    """A WAV whose header claims 2 hours of 22050 Hz 16-bit mono but holds 20 s of the song."""
    body = out.with_suffix(".body.wav")
    cut(song, body, 30.0, 20.0, "-ac", "1", "-ar", "22050", "-c:a", "pcm_s16le")
    raw = body.read_bytes()
    data = raw[raw.index(b"data") + 8:]
    claimed = 2 * 3600 * 22050 * 2
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, 22050, 44100, 2, 16)  # PCM, mono, 22050 Hz, 16 bit
    header = b"RIFF" + struct.pack("<I", 36 + claimed) + b"WAVE" + b"fmt " + fmt + b"data" + struct.pack("<I", claimed)
    out.write_bytes(header + data)
    body.unlink()
    return out


def bad_inputs(folder: Path, song: Path) -> dict[str, Path]:
    """name -> file: text renamed .mp3, empty .mp3, a truncated .m4a (index lost), an mp3 cut to 1 KB."""
    folder.mkdir(parents=True, exist_ok=True)
    text = folder / "notes.mp3"
    text.write_text("These are my dance notes, not a song.\n" * 20)
    empty = folder / "empty.mp3"
    empty.write_bytes(b"")
    whole_m4a = cut(song, folder / "whole.m4a", 30.0, 12.0, "-c:a", "aac", "-b:a", "64k")
    truncated_m4a = folder / "truncated.m4a"
    truncated_m4a.write_bytes(whole_m4a.read_bytes()[: whole_m4a.stat().st_size // 2])
    whole_mp3 = cut(song, folder / "whole.mp3", 30.0, 12.0, "-c:a", "libmp3lame", "-b:a", "96k")
    stub_mp3 = folder / "stub.mp3"
    stub_mp3.write_bytes(whole_mp3.read_bytes()[:1024])
    return {"text": text, "empty": empty, "truncated_m4a": truncated_m4a, "stub_mp3": stub_mp3}


def first_half_mp3(song: Path, folder: Path, duration_s: float = 120.0) -> tuple[Path, Path]:
    """A `duration_s` mp3 of a real song (with the Xing header that gives its length) and its first half by
    bytes, as `head -c` or a broken download leaves it: (whole, half)."""
    whole = cut(song, folder / "whole.mp3", 20.0, duration_s, "-b:a", "128k")
    half = folder / "half.mp3"
    half.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    return whole, half
