"""A terminal for tests: a pty that a child process takes as its controlling terminal (/dev/tty), so what
rolegate asks and shows there can be read and answered, apart from its stdout."""

from __future__ import annotations

import os

# In its own session, the child makes the pty on its stdin its controlling terminal (/dev/tty), then becomes
# rolegate, as a terminal emulator does for a shell. Stdout and stderr stay pipes the test reads.
TAKE_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def read_until(fd: int, wanted: bytes, limit: float = 60) -> bytes:
    import select
    import time

    seen, deadline = b"", time.monotonic() + limit
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 1024)
            except OSError:  # the other side closed: the child is gone
                break
    assert wanted in seen, seen
    return seen


def drain(fd: int) -> bytes:
    import select

    seen = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return seen
