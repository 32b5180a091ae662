"""A file's audio as a stream of mono float32 blocks, whatever its length (a whole DJ set): no
duration cap and constant memory, unlike `dancecore.audio.load_audio` (whole file in memory, 30
minutes at most), which checks the file first so that a bad one fails with the same one line.

wav, flac, ogg and aiff are read with soundfile at their own rate; everything else streams from an
ffmpeg subprocess at the rate asked for.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import soundfile as sf

from dancecore.audio import load_audio
from dancecore.errors import AudioError
from dancecore.sniff import SOUNDFILE_FORMATS, read_head, sniff_media_type

CHECK_S = 10.0   # seconds decoded up front to check the file


@dataclass(frozen=True)
class AudioStream:
    """rate: Hz of the blocks; blocks: mono float32 arrays of about `block_s` each, to the end of the file."""

    rate: int
    blocks: Iterator[np.ndarray]


def stream_audio(path: str, rate: int, block_s: float) -> AudioStream:
    """Check `path` (AudioError, one line, as `load_audio` words it) and stream its audio in blocks."""
    load_audio(path, sr=rate, max_duration_s=CHECK_S, name=path, allow_silent=True)
    if sniff_media_type(read_head(path)) in SOUNDFILE_FORMATS:
        try:
            native = sf.info(path).samplerate
        except (sf.LibsndfileError, RuntimeError):
            native = 0      # libsndfile cannot read this one after all: ffmpeg can (the check passed)
        if native:
            return AudioStream(native, _soundfile_blocks(path, max(1, int(block_s * native))))
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise AudioError(f"{path}: this format needs ffmpeg, which is not installed; install ffmpeg")
    return AudioStream(rate, _ffmpeg_blocks(ffmpeg, path, rate, max(1, int(block_s * rate))))


def _soundfile_blocks(path: str, block: int) -> Iterator[np.ndarray]:
    with sf.SoundFile(path) as f:
        for data in f.blocks(blocksize=block, dtype="float32", always_2d=True):
            yield data.mean(axis=1)


def _ffmpeg_blocks(ffmpeg: str, path: str, rate: int, block: int) -> Iterator[np.ndarray]:
    """The first audio stream decoded by ffmpeg to mono float32 at `rate` Hz; the process ends with
    the generator (closing it early kills ffmpeg)."""
    proc = subprocess.Popen([ffmpeg, "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-vn", "-ac", "1",
                             "-ar", str(rate), "-f", "f32le", "pipe:1"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    try:
        while data := proc.stdout.read(4 * block):
            yield np.frombuffer(data[: len(data) // 4 * 4], dtype="<f4").copy()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
