"""One interface over the tag formats mutagen writes: values are lists of strings, keys as in the config.

ID3v2 (mp3, and the ID3 chunk of wav and aiff) keeps its version (2.3 or 2.4; 2.2 becomes 2.3) and its
frames as stored (no 2.3 <-> 2.4 translation on the way through); an mp3's ID3v1 tag is kept byte for
byte. Vorbis comments (flac, ogg vorbis, opus, ogg flac, speex) keep each name's spelling and place.
MP4 (m4a, mp4) text atoms, `tmpo` (a whole number) and freeform `----:MEAN:NAME` atoms (UTF-8).
Nothing here touches audio data: mutagen rewrites only the tag blocks (and, for MP4, the chunk offsets
that point past a grown tag).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import mutagen
from mutagen.aiff import AIFF
from mutagen.flac import FLAC
from mutagen.id3 import COMM, TXXX, Frames
from mutagen.id3._id3v1 import find_id3v1  # where mutagen itself looks for an ID3v1 tag
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, AtomDataType, MP4FreeForm
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from dancecore.tagging import TagError

ID3_TYPES = (MP3, WAVE, AIFF)
VORBIS_TYPES = (FLAC, OggVorbis, OggOpus, OggFLAC, OggSpeex)
SUPPORTED = "mp3, flac, ogg, opus, m4a/mp4, wav, aiff"


@dataclass(frozen=True)
class TrackInfo:
    """What playlists show: duration in seconds, artist and title from the tags ("" when absent)."""

    duration_s: float
    artist: str
    title: str


class TagFile(ABC):
    """The tags of one file. `created`: the file had no tag block of this format before it was opened;
    kind: the tag format ("id3", "vorbis", "mp4"); artist_title_keys: where artist and title are kept."""

    kind: str
    artist_title_keys: tuple[str, str]

    def __init__(self, path: Path, audio: mutagen.FileType) -> None:
        self.path = path
        self.audio = audio
        self.created = audio.tags is None
        if self.created:
            audio.add_tags()

    @abstractmethod
    def get(self, key: str) -> list[str] | None:
        """The values stored under `key`, None when absent or empty."""

    @abstractmethod
    def set(self, key: str, values: list[str]) -> None:
        """Store `values` under `key`, replacing what was there."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove `key` (no-op when absent)."""

    @abstractmethod
    def save(self) -> None:
        """Write the tags into the file."""

    @abstractmethod
    def drop_tag_block(self) -> None:
        """Remove the (empty) tag block from the file, as it was before dancecore created it."""

    def carried_over(self) -> dict[str, list[str]]:
        """Values a tag block dancecore creates should hold besides its own (none but for ID3, below)."""
        return {}

    def put(self, key: str, values: list[str] | None) -> None:
        """`set`, or `delete` for None."""
        if values is None:
            self.delete(key)
        else:
            self.set(key, values)

    def is_empty(self) -> bool:
        return len(self.audio.tags.keys()) == 0

    def info(self) -> TrackInfo:
        artist, title = (self.get(key) for key in self.artist_title_keys)
        return TrackInfo(float(getattr(self.audio.info, "length", 0.0) or 0.0),
                         " / ".join(artist or []), " / ".join(title or []))


def _present(values: list[str]) -> list[str] | None:
    return values if any(v != "" for v in values) else None


class Id3File(TagFile):
    kind = "id3"
    artist_title_keys = ("TPE1", "TIT2")

    def __init__(self, path: Path, audio: mutagen.FileType, new_version: int) -> None:
        super().__init__(path, audio)
        stored = audio.tags.version[1]
        self.version = new_version if self.created else (stored if stored in (3, 4) else 3)

    def info(self) -> TrackInfo:
        """Artist and title from an mp3's ID3v1 tag where the ID3v2 tag has none."""
        info = super().info()
        v1 = self.carried_over()
        return TrackInfo(info.duration_s, info.artist or " / ".join(v1.get("TPE1", [])),
                         info.title or " / ".join(v1.get("TIT2", [])))

    def carried_over(self) -> dict[str, list[str]]:
        """An mp3's ID3v1 fields as ID3v2 keys and values (TDRC as TYER in 2.3): a new ID3v2 tag repeats
        them, because readers that find an ID3v2 tag may ignore the ID3v1 tag (ffmpeg does)."""
        if not isinstance(self.audio, MP3):
            return {}
        with open(self.path, "rb") as f:
            frames = find_id3v1(f, v2_version=self.version)[0] or {}
        return {key: values for key, frame in frames.items() if (values := _present([str(t) for t in frame.text]))}

    def get(self, key: str) -> list[str] | None:
        frame = self.audio.tags.get(key)
        return None if frame is None else _present([str(text) for text in frame.text])

    def set(self, key: str, values: list[str]) -> None:
        head, _, rest = key.partition(":")
        if head == "TXXX":
            frame = TXXX(encoding=3, desc=rest, text=values)
        elif head == "COMM":
            desc, _, lang = rest.rpartition(":")
            frame = COMM(encoding=3, lang=lang, desc=desc, text=values)
        else:
            frame = Frames[head](encoding=3, text=values)
        self.delete(key)
        self.audio.tags.add(frame)

    def delete(self, key: str) -> None:
        self.audio.tags.pop(key, None)

    def save(self) -> None:
        if isinstance(self.audio, MP3):
            with open(self.path, "rb") as f:
                tag, offset = find_id3v1(f)
                f.seek(offset, 2)
                v1 = f.read() if tag is not None else b""
            self.audio.save(v1=0, v2_version=self.version)  # v1=1 would rewrite the ID3v1 tag from the v2 frames
            if v1:
                with open(self.path, "ab") as f:
                    f.write(v1)
        else:
            self.audio.save(v2_version=self.version)

    def drop_tag_block(self) -> None:
        if isinstance(self.audio, MP3):
            self.audio.tags.delete(self.path, delete_v1=False, delete_v2=True)
        else:
            self.audio.tags.delete(self.path)


class VorbisFile(TagFile):
    kind = "vorbis"
    artist_title_keys = ("ARTIST", "TITLE")

    def _pairs(self) -> list[tuple[str, str]]:
        """The comments as (name, value) in file order (mutagen's dict view merges and re-spells names)."""
        return list(list.__iter__(self.audio.tags))

    def _store(self, pairs: list[tuple[str, str]]) -> None:
        list.clear(self.audio.tags)
        list.extend(self.audio.tags, pairs)

    def get(self, key: str) -> list[str] | None:
        values = [value for name, value in self._pairs() if name.lower() == key.lower()]
        return _present(values) if values else None

    def set(self, key: str, values: list[str]) -> None:
        pairs = self._pairs()
        places = [i for i, (name, _) in enumerate(pairs) if name.lower() == key.lower()]
        spelling, at = (pairs[places[0]][0], places[0]) if places else (key, len(pairs))
        kept = [p for p in pairs if p[0].lower() != key.lower()]
        self._store(kept[:at] + [(spelling, value) for value in values] + kept[at:])

    def delete(self, key: str) -> None:
        self._store([p for p in self._pairs() if p[0].lower() != key.lower()])

    def is_empty(self) -> bool:
        return len(self.audio.tags) == 0

    def save(self) -> None:
        self.audio.save()

    def drop_tag_block(self) -> None:
        self.audio.delete()  # flac: the comment block goes; ogg: it stays, empty (every stream has one)


class Mp4File(TagFile):
    kind = "mp4"
    artist_title_keys = ("©ART", "©nam")

    def get(self, key: str) -> list[str] | None:
        values = self.audio.tags.get(key)
        if values is None:
            return None
        if key.startswith("----:"):
            return _present([bytes(v).decode("utf-8", errors="replace") for v in values])
        return _present([str(v) for v in values])

    def set(self, key: str, values: list[str]) -> None:
        if key == "tmpo":
            try:
                self.audio.tags[key] = [int(round(float(v))) for v in values]
            except ValueError:
                raise TagError(f"{self.path}: tmpo holds a whole number of beats per minute, not {values!r}; "
                               "fix the field's value template") from None
        elif key.startswith("----:"):
            self.audio.tags[key] = [MP4FreeForm(v.encode("utf-8"), dataformat=AtomDataType.UTF8) for v in values]
        else:
            self.audio.tags[key] = list(values)

    def delete(self, key: str) -> None:
        self.audio.tags.pop(key, None)

    def save(self) -> None:
        self.audio.save()

    def drop_tag_block(self) -> None:
        self.audio.delete()


def open_tags(path: str | Path, new_id3_version: int = 3, like: type | None = None) -> TagFile:
    """The tags of an audio file; TagError (one line) for unsupported or damaged files.
    like: the mutagen class to read it with (a temporary copy's name does not tell its format)."""
    path = Path(path)
    try:
        kind = like or type(mutagen.File(path, options=[*ID3_TYPES, *VORBIS_TYPES, MP4]))
        if kind is type(None):
            raise TagError(f"{path}: not a format dancecore can tag (supported: {SUPPORTED})")
        if issubclass(kind, ID3_TYPES):
            audio = kind(path, translate=False, load_v1=False)
            if audio.tags is not None and audio.tags.version < (2, 3, 0):  # 2.2 frames must be translated
                audio = kind(path, translate=True, v2_version=3, load_v1=False)
            return Id3File(path, audio, new_id3_version)
        return (VorbisFile if issubclass(kind, VORBIS_TYPES) else Mp4File)(path, kind(path))
    except mutagen.MutagenError as exc:
        raise TagError(f"{path}: cannot read its tags, the file may be damaged ({_reason(exc)}); "
                       "check the file") from None


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__
