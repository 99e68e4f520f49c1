"""One refresh at a time: many `credential_process` calls at once (Terraform with several providers, make
-j) must cause one MFA prompt and one STS call, not one each. The first takes an exclusive lock on a file
per cache entry and refreshes; the others wait on the lock, then find the fresh entry and reuse it.

When the refresh fails because the MFA source gave no usable code (a mistyped code, a locked password
manager, an `mfa_process` that exits non-zero), the waiters find no fresh entry: without more, each would
ask again, one prompt per queued process. So the failure is shared too, like a negative cache: it is
written beside the lock (when, for which profile and MFA device, and the message; never a code or a key)
and, for FAILURE_WINDOW seconds, every caller that would refresh the same entry gets that same error at
once instead of a prompt. After the window, or after `rolegate logout`, the next call asks again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from typing import NamedTuple

from rolegate.creds.store import cache_dir, private_dir

# Long enough to cover a burst of SDK processes queued behind one prompt (and an `aws` loop over profiles),
# short enough that a person who mistyped can simply try again half a minute later.
FAILURE_WINDOW = 30.0
_FAILED = ".failed"


def _locks_dir() -> str:
    return private_dir(os.path.join(cache_dir(), "locks"))


def _path(name: str, suffix: str) -> str:
    return os.path.join(_locks_dir(), hashlib.sha256(name.encode()).hexdigest()[:32] + suffix)


@contextlib.contextmanager
def refresh_lock(name: str) -> Iterator[None]:
    fd = os.open(_path(name, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)  # released by the kernel if this process dies
        yield
    finally:
        os.close(fd)


class Failure(NamedTuple):
    """A refresh that failed at its MFA source: what the waiters are told. No secret is ever part of it."""

    at: float  # seconds since the epoch
    profile: str  # the profile whose refresh asked for the code
    mfa_serial: str
    message: str
    hint: str | None = None

    def dumps(self) -> str:
        return json.dumps(self._asdict(), separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> Failure:
        data = json.loads(text)
        hint = data.get("hint")
        return cls(
            float(data["at"]),
            str(data["profile"]),
            str(data["mfa_serial"]),
            str(data["message"]),
            None if hint is None else str(hint),
        )


def still_shared(failure: Failure, now: float, window: float = FAILURE_WINDOW) -> float | None:
    """Seconds left before the next call asks again, or None when the failure no longer holds. A failure
    dated in the future (a clock set back) holds no longer than one window from now."""
    age = max(0.0, now - failure.at)
    left = window - age
    return left if left > 0 else None


def record_failure(name: str, failure: Failure) -> None:
    """Shared with every caller of the same entry for the next FAILURE_WINDOW seconds; written 0600 and
    renamed into place, so a waiter never reads half of it."""
    path = _path(name, _FAILED)
    temporary = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, failure.dumps().encode())
    finally:
        os.close(fd)
    os.replace(temporary, path)


def recent_failure(name: str, now: float | None = None, window: float = FAILURE_WINDOW) -> Failure | None:
    """The failure another caller shared for this entry, while it holds; anything unreadable is none."""
    try:
        with open(_path(name, _FAILED), encoding="utf-8") as handle:
            failure = Failure.loads(handle.read())
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return failure if still_shared(failure, time.time() if now is None else now, window) else None


def forget_failure(name: str) -> bool:
    """The entry's shared failure removed (a success came, or `logout`); True if there was one."""
    try:
        os.unlink(_path(name, _FAILED))
    except FileNotFoundError:
        return False
    return True


def forget_failures() -> int:
    """Every shared failure removed (`rolegate logout` of everything); returns how many there were."""
    directory = _locks_dir()
    n = 0
    for entry in os.listdir(directory):
        if entry.endswith(_FAILED):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, entry))
                n += 1
    return n
