"""Change a file without ever leaving it half-written: edit a temporary copy next to it, then rename.

The copy keeps the original's permissions, times and (where allowed) owner; it is flushed to disk and
then put in place with os.replace, which is atomic on the same file system. Until that moment the
original is untouched, so an error, Ctrl-C or a killed process leaves either the old file or the new
one, plus at worst a hidden `.NAME.*.dancecore-tmp` file that the next run removes.
The original is locked (flock, where the system has it) while its copy is edited, and the rename is
refused when the original changed meanwhile. A symbolic link stays a link: its target is changed.
Hard links to the file keep the old content (the rename gives the path a new inode).
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from dancecore.tagging import TagError

try:
    import fcntl
except ImportError:  # Windows: a file open in another program makes os.replace fail instead
    fcntl = None

TMP_SUFFIX = ".dancecore-tmp"


def write_problem(path: Path) -> str | None:
    """Why `path` cannot be rewritten (read-only file, no permission, folder not writable), or None."""
    mode = os.stat(path).st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return "its folder is not writable (the new tags are written to a copy next to the file)"
    return None


def rewrite(path: str | Path, edit: Callable[[Path, int], None], keep_mtime: bool = False) -> None:
    """Apply `edit(copy, mtime_ns)` to a temporary copy of `path`, then replace `path` with it atomically.

    mtime_ns: the modification time the new file will have (the original's with keep_mtime, else now,
    in whole seconds); `edit` may record it. TagError (one line) for read-only, locked or meanwhile
    changed files; the original is then untouched.
    """
    real = Path(os.path.realpath(path))
    problem = write_problem(real)
    if problem:
        raise TagError(f"{path}: {problem}; skipped")
    with open(real, "rb") as original:
        if fcntl is not None:
            try:
                fcntl.flock(original.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise TagError(f"{path}: locked by another program; skipped") from None
            except OSError:  # a file system without locks (some network shares): go on unlocked
                pass
        before = os.fstat(original.fileno())
        fd, name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=TMP_SUFFIX)
        os.close(fd)
        tmp = Path(name)
        try:
            shutil.copyfile(real, tmp)
            shutil.copystat(real, tmp)
            _copy_owner(before, tmp)
            mtime_ns = before.st_mtime_ns if keep_mtime else time.time_ns() // 10**9 * 10**9
            edit(tmp, mtime_ns)
            os.utime(tmp, ns=(before.st_atime_ns, mtime_ns))
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            now = os.stat(real)
            if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                raise TagError(f"{path}: changed by another program while being tagged; skipped, run again")
            os.replace(tmp, real)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    _sync_folder(real.parent)


def remove_leftovers(folders: Iterable[Path]) -> list[Path]:
    """Delete temporary copies a killed run left in `folders` (not recursive); returns them."""
    removed = []
    for folder in folders:
        for leftover in folder.glob(f".*{TMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def _copy_owner(before: os.stat_result, tmp: Path) -> None:
    """Give the copy the original's owner and group where allowed (e.g. when run as root)."""
    if hasattr(os, "chown") and (before.st_uid, before.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.chown(tmp, before.st_uid, before.st_gid)
        except PermissionError:
            pass


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk (best effort; not possible on every system)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
