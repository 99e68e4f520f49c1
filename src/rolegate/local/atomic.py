"""Writes to people's files that lose nothing: a timestamped backup first, then an atomic replace.

The new content goes to a temporary file in the same directory, is flushed to disk, and replaces the old
file in one rename, so a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import stat
import tempfile
from pathlib import Path

from rolegate.errors import LocalFileError

NEW_FILE_MODE = 0o600
BACKUP_MARK = ".rolegate-backup-"


def _make_backup(path: Path) -> Path:
    """Copy `path` to `<name>.rolegate-backup-<stamp>` beside it, same bytes, mode and times.

    The name is claimed with O_EXCL, so two writers never share a backup; the copy is created 0600 and
    only then given the original's mode, so a private file is never readable by others, not even briefly.
    """
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    with open(path, "rb") as source:  # fails first on a directory or an unreadable file: no empty backup
        n = 1
        while True:
            suffix = "" if n == 1 else f"-{n}"
            candidate = path.with_name(f"{path.name}{BACKUP_MARK}{stamp}{suffix}")
            try:
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                n += 1
                continue
            break
        try:
            with os.fdopen(fd, "wb") as target:
                shutil.copyfileobj(source, target)
                target.flush()
                os.fsync(target.fileno())
            shutil.copystat(path, candidate)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(candidate)
            raise
    return candidate


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every platform can open a directory, and that is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(
    path: Path, data: str | bytes, *, mode: int | None = None, backup: bool = True, private: bool = False
) -> Path | None:
    """Replace `path` with `data` atomically; returns the backup of the old file, if one was made.

    The old file's permission bits are kept; a new file gets `mode` (0600 unless told). Text is written
    exactly as given, UTF-8, with no newline translation, so a CRLF file stays CRLF. A `private` file (one
    holding secrets) is 0600 whatever the old one's bits were. A symlink is written
    through (the file it points at is replaced, the link stays). On failure nothing is left behind: no
    temporary file and no backup, and the old file is unchanged.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    saved: Path | None = None
    tmp_name: str | None = None
    try:
        try:
            existing: os.stat_result | None = target.stat()
        except FileNotFoundError:
            existing = None
        if private:
            target_mode = 0o600
        elif existing is not None:
            target_mode = stat.S_IMODE(existing.st_mode)
        else:
            target_mode = mode if mode is not None else NEW_FILE_MODE
        if existing is not None and backup:
            saved = _make_backup(target)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, target_mode)
        os.replace(tmp_name, target)
        tmp_name = None
        _fsync_directory(target.parent)
    except OSError as exc:
        if saved is not None:  # the old file is intact, so its copy is only clutter
            with contextlib.suppress(OSError):
                os.unlink(saved)
        raise LocalFileError(
            f"{path}: cannot write it ({exc})",
            hint="check that the directory exists and is writable; the old file is unchanged",
        ) from exc
    finally:
        if tmp_name is not None:  # a failed write leaves no temporary file behind
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return saved
