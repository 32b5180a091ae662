"""Decode any common audio or video file (path or bytes) to mono float32 at a fixed rate.

soundfile (libsndfile) reads wav, flac, aiff and ogg (vorbis, opus) in-process; everything else
(mp3, m4a/aac, video containers) goes through an ffmpeg subprocess with a time limit. The container
is recognised from the first bytes (dancecore.sniff), not from the file name.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import soundfile as sf
import soxr

from dancecore.errors import AudioError
from dancecore.sniff import SOUNDFILE_FORMATS, read_head, sniff_media_type

TARGET_SR = 22050
DEFAULT_MAX_DURATION_S = 30 * 60.0
MAX_ANALYSED_S = 600.0     # seconds of a recording analysed by default, by every front end (CLI, web, bot)
MAX_SET_S = 2 * 3600.0     # seconds of a recording split into songs by default (a DJ set of an hour or two)
DEFAULT_TIMEOUT_S = 120.0
SILENCE_PEAK = 1e-4  # peak amplitude (full scale = 1) below which a clip counts as silent
# a decoded recording shorter than its header's length by more than this (seconds, or share of the length,
# whichever is larger) is incomplete: a damaged or cut-off file (e.g. the first half of an mp3)
INCOMPLETE_SLACK_S = 2.0
INCOMPLETE_SLACK_SHARE = 0.05


@dataclass(frozen=True)
class Audio:
    """Decoded audio: `samples` mono float32 in [-1, 1] at `sr` Hz.

    source_duration_s: length of the whole input when known, from its header (may exceed the decoded part);
    truncated: True when only the first `max_duration_s` seconds were decoded;
    incomplete: True when the file ends before the length its header gives (damaged or cut off), so less
    was decoded than it should hold.
    """

    samples: np.ndarray
    sr: int
    source_duration_s: float | None
    truncated: bool
    incomplete: bool = False

    @property
    def duration_s(self) -> float:
        """Length of the decoded samples in seconds."""
        return len(self.samples) / self.sr


def load_audio(
    source: str | Path | bytes,
    sr: int = TARGET_SR,
    max_duration_s: float = DEFAULT_MAX_DURATION_S,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    name: str | None = None,
    allow_silent: bool = False,
) -> Audio:
    """Decode a file path or in-memory bytes to mono float32 at `sr` Hz.

    Reads at most `max_duration_s` seconds (the rest is skipped, `truncated` says so) and gives up
    after `timeout_s` seconds of decoding; a file that ends before its header says is `incomplete`. Raises AudioError with a one-line message naming `name`
    (default: the path, or "upload") for missing, empty, undecodable, non-audio or silent input.
    """
    label = name or (str(source) if not isinstance(source, bytes) else "upload")
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise AudioError(f"{label}: no such file; check the path")
        if path.is_dir():
            raise AudioError(f"{label}: is a folder, not an audio file")
        if path.stat().st_size == 0:
            raise AudioError(f"{label}: the file is empty (0 bytes); give a recording with sound in it")
    elif len(source) == 0:
        raise AudioError(f"{label}: the upload is empty (0 bytes); send a recording with sound in it")

    decoded = None
    if sniff_media_type(read_head(source)) in SOUNDFILE_FORMATS:
        decoded = _decode_soundfile(source, max_duration_s)
    if decoded is None:
        decoded = _decode_ffmpeg(source, label, max_duration_s, timeout_s)
    samples, native_sr, source_duration_s = decoded

    if samples.size == 0:
        raise AudioError(f"{label}: contains no audio samples; give a recording with sound in it")
    if native_sr != sr:
        samples = soxr.resample(samples, native_sr, sr, quality="HQ")
    samples = np.clip(samples.astype(np.float32, copy=False), -1.0, 1.0)
    if not allow_silent and float(np.max(np.abs(samples))) < SILENCE_PEAK:
        raise AudioError(f"{label}: the audio is silent; give a recording with music in it")
    truncated = source_duration_s is not None and source_duration_s > max_duration_s + 0.5
    return Audio(samples=samples, sr=sr, source_duration_s=source_duration_s, truncated=truncated,
                 incomplete=is_incomplete(len(samples) / sr, source_duration_s, max_duration_s))


Source = TypeVar("Source")


def decode_ahead(sources: Sequence[Source], decode: Callable[[Source], Audio]) -> Iterator[Future[Audio]]:
    """`decode` of each source, in order, as futures, decoded one ahead on a thread of its own: the first starts at
    once (it decodes while the caller loads its model), each next one while the caller analyses the one before.
    Decoding leaves the GIL free (libsndfile's reads, the ffmpeg process), so on two cores it hides behind the
    caller's work. A source's error (AudioError...) comes out of its future's result(); at most two decoded
    recordings are held at a time."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode")
    pending = deque(pool.submit(decode, source) for source in sources[:1])

    def futures() -> Iterator[Future[Audio]]:
        try:
            for following in range(1, len(sources) + 1):
                if following < len(sources):
                    pending.append(pool.submit(decode, sources[following]))
                yield pending.popleft()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    return futures()


def is_incomplete(decoded_s: float, source_duration_s: float | None, max_duration_s: float) -> bool:
    """True when `decoded_s` seconds fall short of what the header's `source_duration_s` (None: unknown)
    promises up to `max_duration_s`, by more than INCOMPLETE_SLACK_S or INCOMPLETE_SLACK_SHARE of it.
    Formats whose decoders count only the bytes present (wav, ogg, opus) never look incomplete."""
    if source_duration_s is None:
        return False
    expected = min(source_duration_s, max_duration_s)
    return expected - decoded_s > max(INCOMPLETE_SLACK_S, INCOMPLETE_SLACK_SHARE * expected)


def _decode_soundfile(source: str | Path | bytes, max_duration_s: float) -> tuple[np.ndarray, int, float] | None:
    """Decode with libsndfile; None when it cannot read the format (ffmpeg then tries)."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        with sf.SoundFile(handle) as f:
            native_sr = f.samplerate
            total = f.frames
            limit = int(max_duration_s * native_sr)
            data = f.read(frames=min(total, limit) if total > 0 else limit, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        return None
    if data.size == 0 and total != 0:
        return None
    return data.mean(axis=1), native_sr, total / native_sr if total > 0 else None


def _decode_ffmpeg(
    source: str | Path | bytes, label: str, max_duration_s: float, timeout_s: float
) -> tuple[np.ndarray, int, float | None]:
    """Decode the first audio stream with ffmpeg to 22050 Hz mono float32.

    Bytes go through a private temporary file, deleted at once: MP4/M4A keep their index at the
    end, which ffmpeg cannot reach through a pipe.
    """
    if isinstance(source, bytes):
        with tempfile.NamedTemporaryFile(prefix="dancecore-", suffix=".media") as tmp:
            tmp.write(source)
            tmp.flush()
            return _decode_ffmpeg(tmp.name, label, max_duration_s, timeout_s)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise AudioError(f"{label}: this format needs ffmpeg, which is not installed; install ffmpeg")
    native_sr = TARGET_SR
    cmd = [ffmpeg, "-nostdin", "-v", "error", "-i", str(source), "-map", "0:a:0", "-vn",
           "-t", f"{max_duration_s:.3f}", "-ac", "1", "-ar", str(native_sr), "-f", "f32le", "pipe:1"]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise AudioError(f"{label}: decoding took longer than {timeout_s:.0f} s; "
                         "give a shorter clip or raise the time limit") from None
    if proc.returncode != 0 or not proc.stdout:
        raise AudioError(f"{label}: {_ffmpeg_problem(proc.stderr.decode(errors='replace'))}")
    samples = np.frombuffer(proc.stdout[: len(proc.stdout) // 4 * 4], dtype="<f4").copy()
    return samples, native_sr, _probe_duration(source)


def _ffmpeg_problem(stderr: str) -> str:
    """Turn ffmpeg's error output into a short explanation with what to do."""
    text = stderr.lower()
    if "matches no streams" in text or "does not contain any stream" in text or "output file #0 does not contain" in text:
        return "has no audio track; give an audio file or a video with sound"
    if "invalid data" in text or "invalid argument" in text or "consecutive mpeg" in text or "could not find codec" in text or "unknown format" in text or "moov atom" in text:
        return "is not a readable audio or video file (corrupt, truncated or not audio); check the file"
    if not text.strip():
        return "decoded to no audio (corrupt or truncated file?); check the file"
    return f"cannot be decoded ({stderr.strip().splitlines()[-1][:120]}); check the file"


def _probe_duration(path: str | Path) -> float | None:
    """Duration of a file in seconds from ffprobe's container header, None if unknown."""
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return None
    try:
        out = subprocess.run([ffprobe, "-v", "error", "-show_entries", "format=duration", "-of",
                              "default=nw=1:nk=1", str(path)], capture_output=True, timeout=30, check=False)
        return float(out.stdout.decode().strip())
    except (subprocess.TimeoutExpired, ValueError):
        return None
