"""Every file rolegate writes for people goes through here: one writer at a time, atomic, backed up, and
never through a symbolic link.

The rules (SECURITY.md, "Files rolegate writes"):

- **One writer at a time.** A lock file `.<name>.lock` beside the target (0600, `flock` through filelock,
  released by the kernel when its holder dies) is held while the file is read, changed and replaced:
  `update_file` is that read-modify-write as one operation, so twenty `rolegate profiles --write` at once
  lose none of each other's profiles. A writer that waits longer than `LOCK_TIMEOUT` gives up, naming the
  lock file.
- **Never through a symlink.** The last component of the path must not be a symbolic link: writing through
  one lets whoever planted it aim rolegate at any file the user can write (`/etc/passwd` as root, their
  rolegate.yaml). It is refused, naming the link and its target; the user writes to the target itself if
  that is what they mean. A symlinked *directory* (`~/.aws -> ~/dotfiles/aws`) is fine: the directory is
  the user's own choice of where the file lives, and it is the final name that an attacker would plant.
  The old file is read with O_NOFOLLOW, and the new one takes its place by rename, which replaces a
  directory entry and never follows one, so a link planted after the check is replaced, not written through.
- **Only a plain file of the user's.** A FIFO, a device, a socket or a directory is refused (reading a FIFO
  would hang), so is a file with several hard links (replacing it would silently leave the other names with
  the old content) and one owned by another user (when running as root, the owner is kept instead: `sudo`
  must not hand someone's `~/.aws/config` to root).
- **Not in a directory anyone can change.** A directory writable by others without the sticky bit is
  refused: anyone could swap the file before it is read or after it is written. With the sticky bit (`/tmp`)
  others cannot rename or remove the user's files, and the temporary and backup names are claimed with
  O_EXCL, so it is allowed.
- **Atomic, with a backup.** The new content goes to a temporary file in the same directory (created 0600
  with O_EXCL), is flushed to disk, given its mode, and replaces the old file in one rename, so a crash
  leaves the old file or the new one, never half of one. The old bytes (exactly those read under the lock)
  are kept as `<name>.rolegate-backup-<stamp>`, the newest `KEEP_BACKUPS` of them per file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rolegate.errors import LocalFileError

NEW_FILE_MODE = 0o600
BACKUP_MARK = ".rolegate-backup-"
KEEP_BACKUPS = 5  # per file; older backups are removed after a successful write
LOCK_TIMEOUT = 15.0  # seconds: any real writer holds the lock for milliseconds
_STAMP = re.compile(r"(\d{8}T\d{6})(?:-(\d+))?")

R = TypeVar("R")


def lock_path(path: Path) -> Path:
    """The lock file of `path`: hidden, beside it, so it is on the same filesystem and in the same hands."""
    return path.with_name(f".{path.name}.lock")


@dataclass(frozen=True)
class Current:
    """The file as it was read under the lock: its bytes and its status, or nothing when it did not exist."""

    data: bytes | None
    status: os.stat_result | None


# --- deciding: pure functions of what lstat/stat said ------------------------------------------------------


def refusal(path: Path, status: os.stat_result, euid: int) -> LocalFileError | None:
    """Why an existing `path` (described by its lstat) must not be replaced; None when it may be."""
    mode = status.st_mode
    if stat.S_ISLNK(mode):
        return symlink_refusal(path)
    if stat.S_ISDIR(mode):
        return LocalFileError(
            f"{path} is a directory; rolegate writes files only", "name a file inside it, or another path"
        )
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        return LocalFileError(
            f"{path} is {kind}, not a regular file; rolegate writes regular files only, and wrote nothing",
            "name a regular file (or a new path)",
        )
    if status.st_nlink > 1:
        return LocalFileError(
            f"{path} has {status.st_nlink} hard links; replacing it would leave the other names with the old "
            "content, so nothing was written",
            f"make it a file of its own (`cp {path} {path}.new && mv {path}.new {path}`), or name another",
        )
    if euid not in (0, status.st_uid):
        return LocalFileError(
            f"{path} belongs to another user (uid {status.st_uid}); rolegate writes only your own files, and "
            "wrote nothing",
            "name a file of yours, or have its owner run the command",
        )
    return None


def symlink_refusal(path: Path) -> LocalFileError:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    resolved = os.path.realpath(path)
    return LocalFileError(
        f"{path} is a symbolic link (to {target}); rolegate never writes through a link, and wrote nothing",
        f"if {resolved} is the file you mean, name it directly (e.g. AWS_CONFIG_FILE={resolved} or the "
        "command's file option); or replace the link with a regular file",
    )


def directory_refusal(directory: Path, status: os.stat_result) -> LocalFileError | None:
    """A directory anyone may change is no place for the user's file: anyone could swap it there."""
    if status.st_mode & stat.S_IWOTH and not status.st_mode & stat.S_ISVTX:
        return LocalFileError(
            f"{directory} is writable by every user (mode {stat.S_IMODE(status.st_mode):o}, no sticky bit): "
            "anyone could swap a file there, so rolegate writes nothing in it",
            f"`chmod o-w {directory}` (or `chmod +t` for a shared directory), or write elsewhere",
        )
    return None


def backups_to_prune(names: list[str], file_name: str, keep: int = KEEP_BACKUPS) -> list[str]:
    """Of the names in a directory, the backups of `file_name` beyond the newest `keep`, oldest first."""
    prefix = f"{file_name}{BACKUP_MARK}"
    stamped: list[tuple[str, int, str]] = []
    for name in names:
        match = _STAMP.fullmatch(name[len(prefix) :]) if name.startswith(prefix) else None
        if match:
            stamped.append((match[1], int(match[2] or 1), name))
    stamped.sort()
    return [name for *_, name in stamped[: max(0, len(stamped) - keep)]]


# --- doing: the thin layer of system calls ----------------------------------------------------------------


def _cannot_write(path: Path, exc: OSError) -> LocalFileError:
    return LocalFileError(
        f"{path}: cannot write it ({exc.strerror or exc})",
        hint="check that the directory exists and is writable; the old file is unchanged",
    )


def _check_directory(path: Path) -> None:
    try:
        status = os.stat(path.parent)  # a symlinked directory is followed: only the last name matters
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    if not stat.S_ISDIR(status.st_mode):
        raise _cannot_write(path, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))
    problem = directory_refusal(path.parent, status)
    if problem is not None:
        raise problem


def read_current(path: Path) -> Current:
    """The file's bytes, read without following a link, and only from a plain file of the user's."""
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        return Current(None, None)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    problem = refusal(path, before, os.geteuid())
    if problem is not None:
        raise problem
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return Current(None, None)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # became a link between the lstat and the open
            raise symlink_refusal(path) from None
        raise LocalFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        status = os.fstat(fd)
        problem = refusal(path, status, os.geteuid())  # what was opened, not what lstat saw
        if problem is not None:
            raise problem
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except OSError as exc:
        raise LocalFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    return Current(b"".join(chunks), status)


@contextlib.contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold `path`'s lock file: rolegate's writers of this file wait for each other."""
    from filelock import FileLock, Timeout

    _check_directory(path)
    lock_file = lock_path(path)
    if lock_file.is_symlink():
        raise symlink_refusal(lock_file)
    lock = FileLock(str(lock_file), timeout=timeout, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise LocalFileError(
            f"{path}: another process is writing it (it holds {lock_file}); waited {timeout:g} s, wrote "
            "nothing",
            f"let the other rolegate finish and run again; the lock goes when its holder exits (if no "
            f"rolegate is running and it stays, delete {lock_file})",
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise symlink_refusal(lock_file) from None
        raise _cannot_write(path, exc) from None
    try:
        yield
    finally:
        lock.release()


def _make_backup(path: Path, current: Current) -> Path:
    """The bytes read under the lock into `<name>.rolegate-backup-<stamp>`, with the old mode, owner, times.

    The name is claimed with O_EXCL (which never follows a link), so two writers never share a backup; the
    copy is created 0600 and only then given the original's mode, so a private file is never readable by
    others, not even briefly."""
    assert current.data is not None
    assert current.status is not None
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    n = 1 + _last_number(path, stamp)  # after the newest: a pruned older name is never reused
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
            target.write(current.data)
            target.flush()
            os.fsync(target.fileno())
            _give_owner(target.fileno(), current.status)
            os.fchmod(target.fileno(), stat.S_IMODE(current.status.st_mode))
        os.utime(candidate, ns=(current.status.st_atime_ns, current.status.st_mtime_ns))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(candidate)
        raise
    return candidate


def _last_number(path: Path, stamp: str) -> int:
    prefix = f"{path.name}{BACKUP_MARK}{stamp}"
    try:
        names = os.listdir(path.parent)
    except OSError:
        return 0
    numbers = [0]
    for name in names:
        match = (
            _STAMP.fullmatch(name[len(path.name) + len(BACKUP_MARK) :]) if name.startswith(prefix) else None
        )
        if match and match[1] == stamp:
            numbers.append(int(match[2] or 1))
    return max(numbers)


def _give_owner(fd: int, old: os.stat_result | None) -> None:
    """Root replacing someone's file keeps it theirs; anyone else can only write their own files anyway."""
    if old is not None and os.geteuid() == 0 and (old.st_uid, old.st_gid) != (0, 0):
        os.fchown(fd, old.st_uid, old.st_gid)


def _prune_backups(path: Path) -> None:
    """The oldest backups beyond KEEP_BACKUPS removed. Only regular files count and go: a link or a
    directory that happens to carry a backup's name is neither followed, removed, nor counted (counted, a
    few planted links would push the real backups out)."""
    with contextlib.suppress(OSError):
        prefix = f"{path.name}{BACKUP_MARK}"
        regular = [
            n for n in os.listdir(path.parent) if n.startswith(prefix) and _is_regular(path.with_name(n))
        ]
        for name in backups_to_prune(regular, path.name):
            old = path.with_name(name)
            if _is_regular(old):  # again, just before: never unlink what was swapped for a link meanwhile
                os.unlink(old)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every platform can open a directory, and that is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace(
    path: Path, payload: bytes, current: Current, *, mode: int | None, backup: bool, private: bool
) -> Path | None:
    """Under the lock: back the old file up, then put `payload` in its place in one rename."""
    old = current.status
    if private:
        target_mode = 0o600
    elif old is not None:
        target_mode = stat.S_IMODE(old.st_mode)
    else:
        target_mode = mode if mode is not None else NEW_FILE_MODE
    saved: Path | None = None
    tmp_name: str | None = None
    try:
        if current.data is not None and backup:
            saved = _make_backup(path, current)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
            _give_owner(handle.fileno(), old)
            os.fchmod(handle.fileno(), target_mode)
        os.replace(tmp_name, path)  # replaces the name: a link planted meanwhile is replaced, not followed
        tmp_name = None
        _fsync_directory(path.parent)
    except OSError as exc:
        if saved is not None:  # the old file is intact, so its copy is only clutter
            with contextlib.suppress(OSError):
                os.unlink(saved)
        raise _cannot_write(path, exc) from exc
    finally:
        if tmp_name is not None:  # a failed write leaves no temporary file behind
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    if saved is not None:
        _prune_backups(path)
    return saved


def update_file(
    path: Path,
    transform: Callable[[str | None], tuple[str | None, R]],
    *,
    mode: int | None = None,
    backup: bool = True,
    private: bool = False,
    timeout: float = LOCK_TIMEOUT,
) -> tuple[R, Path | None]:
    """Read, change and replace `path` as one operation under its lock; returns (result, backup).

    `transform` gets the file's current text (None when there is no file) and returns the new text (None,
    or the same text, to leave the file as it is) and a result for the caller. It runs under the lock, so
    what it merges into is what is there now, not what was read before another writer's change; whatever it
    raises propagates, and nothing is written."""
    with locked(path, timeout):
        current = read_current(path)
        try:
            text = None if current.data is None else current.data.decode("utf-8")
        except UnicodeDecodeError:
            raise LocalFileError(
                f"{path}: is not UTF-8 text, so rolegate cannot merge into it; nothing was written",
                "check that it is the file you mean",
            ) from None
        new, result = transform(text)
        if new is None or new == text:
            return result, None
        saved = _replace(path, new.encode("utf-8"), current, mode=mode, backup=backup, private=private)
    return result, saved


def write_atomic(
    path: Path,
    data: str | bytes,
    *,
    mode: int | None = None,
    backup: bool = True,
    private: bool = False,
    timeout: float = LOCK_TIMEOUT,
    lock: bool = True,
) -> Path | None:
    """Replace `path` with `data` under its lock, atomically; returns the backup of the old file, if made.

    The old file's permission bits are kept; a new file gets `mode` (0600 unless told). Text is written
    exactly as given, UTF-8, with no newline translation, so a CRLF file stays CRLF. A `private` file (one
    holding secrets) is 0600 whatever the old one's bits were. A symlink, a directory, a FIFO, a hard-linked
    file or someone else's file is refused (see the module's rules). On failure nothing is left behind: no
    temporary file and no backup, and the old file is unchanged. A caller that merges into what the file
    holds uses `update_file` instead, so that the read is under the same lock. `lock=False` is for a caller
    that holds `locked(path)` itself around its own read, and for the credential store's entries: whole
    files, never merged, whose writers the refresh lock serialises already, in a directory that would
    otherwise fill with a lock file per entry."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with locked(path, timeout) if lock else _checked_directory(path):
        current = read_current(path)
        return _replace(path, payload, current, mode=mode, backup=backup, private=private)


@contextlib.contextmanager
def _checked_directory(path: Path) -> Iterator[None]:
    _check_directory(path)
    yield
