"""`dancecore tag`: write the dance and tempo into audio files' tags, safely and resumably.

config     what is written where (configs/tag.yaml), validated on load
containers one interface over ID3 (mp3, wav, aiff), Vorbis comments (flac, ogg, opus) and MP4 atoms
record     the DANCECORE field: the findings, the model, what was written and what was there before
plan       which fields change, which are kept (someone else's value) and what --remove restores
safe_write a temporary copy next to the file, edited, then put in place atomically
job        one file: read, decide, classify when needed, write (runs in worker processes)
runner     many files: workers, progress bar, outcomes in input order
playlists  one M3U8 per dance and report.csv with tempo advice

Needs the `tag` extra (mutagen, pydantic); see docs/TAG.md.
"""
from __future__ import annotations

from dancecore.errors import DancecoreError


class TagError(DancecoreError):
    """A file whose tags cannot be read or written: unsupported, damaged, read-only, locked, changed meanwhile."""


def require_extra() -> None:
    """Raise a one-line DancecoreError naming the `tag` extra when mutagen or pydantic is missing."""
    try:
        import mutagen  # noqa: F401
        import pydantic  # noqa: F401
    except ImportError as exc:
        raise DancecoreError(f"dancecore tag needs {exc.name}, which is not installed; "
                             "install the tag extra: pip install 'dancecore[tag]'") from None
