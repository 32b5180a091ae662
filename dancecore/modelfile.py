"""The `.dcmodel` container: a zip archive with model.json, one ONNX graph per network and the same
networks' parameters as numpy arrays (weights/*.npz, torch state_dict names).

This module knows the archive, not the networks: it reads and writes members, checks that a file is a
dancecore model of a format this version understands, and packs arrays. What the networks are and how
they run is dancecore.model's business (inference) and dancecore.training.torch_model's (PyTorch).
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dancecore.errors import ModelError

FORMAT = "dancecore-model"
FORMAT_VERSION = 2
META = "model.json"
SUFFIX = ".dcmodel"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # member timestamps: the same content gives the same bytes


@dataclass
class ModelArchive:
    """A model file in memory. meta: the model.json dict; members: every other member's bytes by name."""

    meta: dict[str, Any]
    members: dict[str, bytes] = field(default_factory=dict)

    def member(self, name: str) -> bytes:
        """Bytes of member `name`; ModelError naming the file's model when it is missing."""
        if name not in self.members:
            raise ModelError(f"model {self.meta.get('name', '?')}: member {name} is missing from the model file; "
                             "the file is damaged")
        return self.members[name]

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        """The arrays of an .npz member, by name."""
        return unpack_arrays(self.member(name))

    def to_bytes(self) -> bytes:
        """The zip archive: model.json first, then the members in name order."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            _write(archive, META, json.dumps(self.meta, indent=1, sort_keys=False).encode())
            for name in sorted(self.members):
                _write(archive, name, self.members[name])
        return buffer.getvalue()

    def save(self, path: str | Path) -> None:
        """Write the archive atomically (a crash never leaves a half-written file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)


def _write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def is_torch_checkpoint(path: str | Path) -> bool:
    """True when `path` is a zip written by torch.save (a training checkpoint such as runs/x/best.pt)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.endswith("/data.pkl") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def read_archive(path: str | Path) -> ModelArchive:
    """Read a .dcmodel file; ModelError (one line) when it is missing, not a zip, not a dancecore
    model, or of a format version newer than this dancecore understands."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: model file not found; check the --model path")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if META not in names:
                raise ModelError(f"{path}: not a dancecore model file (no {META} inside)")
            meta = json.loads(archive.read(META))
            check_meta(meta, path)
            return ModelArchive(meta, {n: archive.read(n) for n in names if n != META and not n.endswith("/")})
    except zipfile.BadZipFile:
        raise ModelError(f"{path}: not a dancecore model file (not a zip archive)") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError(f"{path}: not a dancecore model file ({META} is not JSON)") from None
    except (OSError, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the model file ({type(exc).__name__}); is it damaged?") from None


def check_meta(meta: Any, where: str | Path) -> None:
    """ModelError unless `meta` is a model.json of format FORMAT with a version this dancecore reads."""
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ModelError(f"{where}: not a dancecore model file (format {found!r}, expected {FORMAT!r})")
    version = meta.get("format_version")
    if not isinstance(version, int) or version < FORMAT_VERSION:
        raise ModelError(f"{where}: unsupported dancecore model format version {version!r} "
                         f"(this dancecore reads {FORMAT_VERSION})")
    if version > FORMAT_VERSION:
        created = meta.get("created_by", "a newer dancecore")
        raise ModelError(f"{where}: written by a newer dancecore (format {version}, by {created}); "
                         f"this one reads format {FORMAT_VERSION}: upgrade dancecore")


def pack_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """Named arrays -> .npz bytes (uncompressed: the archive compresses its members)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unpack_arrays(data: bytes) -> dict[str, np.ndarray]:
    """.npz bytes -> named arrays (no pickled objects allowed)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}
