"""Durations as people write them in rolegate.yaml: `15m`, `1h`, `1h30m`, `8h`, `3600s`."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)\s*([hms])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[hms]\s*)+$")
_UNIT = {"h": 3600, "m": 60, "s": 1}

MIN_SESSION = 15 * 60  # IAM: a role's MaxSessionDuration is 1 to 12 hours; AssumeRole's floor is 15 minutes
MAX_SESSION = 12 * 3600
IAM_MIN_MAX_SESSION = 3600  # IAM's floor for a role's MaxSessionDuration (1 to 12 hours)


def parse_duration(text: str) -> int:
    """Seconds in a duration like `1h30m`; ValueError with the accepted forms otherwise."""
    if not _WHOLE.match(text):
        raise ValueError(f"{text!r} is not a duration; write it like 15m, 1h, 1h30m or 12h")
    return sum(int(n) * _UNIT[u] for n, u in _PART.findall(text))


def format_duration(seconds: int) -> str:
    """The shortest form people read: 3600 -> `1h`, 5400 -> `1h30m`, 900 -> `15m`."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    out = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s else "")
    return out or "0s"
