"""Recognise audio and video containers from their first bytes, not from names or declared types."""
from __future__ import annotations

from pathlib import Path

# formats libsndfile reads in-process; the rest go through ffmpeg
SOUNDFILE_FORMATS = {"wav", "flac", "ogg", "aiff"}


def sniff_media_type(head: bytes) -> str | None:
    """Container of a file from its first 64 bytes: wav, flac, ogg, aiff, mp3, aac, mp4, matroska
    (mkv/webm), or None when it is not a known audio or video format."""
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"AVI "):
        return "wav" if head[8:12] == b"WAVE" else "avi"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 in (0xF2, 0xF4, 0xF6) and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"0&\xb2u":
        return "asf"
    return None


def read_head(source: str | Path | bytes, n: int = 64) -> bytes:
    """The first `n` bytes of a path or of in-memory bytes."""
    if isinstance(source, bytes):
        return source[:n]
    with open(source, "rb") as f:
        return f.read(n)
