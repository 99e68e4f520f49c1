"""One refresh at a time: many `credential_process` calls at once (Terraform with several providers, make
-j) must cause one MFA prompt and one STS call, not one each. The first takes an exclusive lock on a file
per cache entry and refreshes; the others wait on the lock, then find the fresh entry and reuse it."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rolegate.creds.store import cache_dir, private_dir


@contextmanager
def refresh_lock(name: str) -> Iterator[None]:
    directory = private_dir(os.path.join(cache_dir(), "locks"))
    path = os.path.join(directory, hashlib.sha256(name.encode()).hexdigest()[:32] + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
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
