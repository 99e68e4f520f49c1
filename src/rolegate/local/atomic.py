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


def backup_path(path: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    candidate = path.with_name(f"{path.name}.rolegate-backup-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.rolegate-backup-{stamp}-{n}")
    return candidate


def write_atomic(
    path: Path, data: str | bytes, *, mode: int | None = None, backup: bool = True
) -> Path | None:
    """Replace `path` with `data` atomically; returns the backup of the old file, if one was made.

    The old file's permission bits are kept; a new file gets `mode` (0600 unless told). Text is written
    exactly as given: no newline translation, so a CRLF file stays CRLF.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    saved: Path | None = None
    tmp_name: str | None = None
    try:
        existing = path.stat() if path.exists() else None
        target_mode = (
            stat.S_IMODE(existing.st_mode) if existing else (mode if mode is not None else NEW_FILE_MODE)
        )
        if existing and backup:
            saved = backup_path(path)
            shutil.copy2(path, saved)
            os.chmod(saved, target_mode)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, target_mode)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise LocalFileError(
            f"{path}: cannot write it ({exc.strerror or exc})",
            "check the directory exists and is writable; the old file is unchanged",
        ) from None
    finally:
        if tmp_name is not None:  # a failed write leaves no temporary file behind
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return saved
