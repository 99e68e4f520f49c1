"""What `rolegate doctor` reports about credentials: the store and why, the MFA source, what is cached.

Only names and expiry times: a secret never leaves the store here."""

from __future__ import annotations

import os
from typing import Any

from rolegate.creds.awsconfig import aws_config_path, read_profiles
from rolegate.creds.credentials import CacheEntry, iso, utcnow
from rolegate.creds.keys import StoredKey, is_key_entry
from rolegate.creds.mfa import COMMAND_ENV
from rolegate.creds.store import CHOICE_ENV, choose_store, usable_keyring


def _terminal() -> bool:
    try:
        with open("/dev/tty", "rb"):
            return True
    except OSError:
        return False


def _state(name: str, text: str | None) -> str:
    if is_key_entry(name) and text is not None:
        try:
            stored = StoredKey.loads(text)
        except (ValueError, KeyError, TypeError):
            return "unreadable access key: `rolegate keys add` stores it again"
        pending = f"; rotation to {stored.pending.access_key_id} unfinished" if stored.pending else ""
        return f"access key {stored.key.access_key_id} of {stored.user} (rolegate keys){pending}"
    if text is None:
        return "unreadable (another key?): refreshed on next use"
    try:
        expiration = CacheEntry.loads(text).credentials.expiration
    except (ValueError, KeyError, TypeError):
        return "unreadable: refreshed on next use"
    if expiration is None:
        return "long-term"
    left = int((expiration - utcnow()).total_seconds())
    if left <= 0:
        return f"expired {iso(expiration)}"
    return f"valid until {iso(expiration)} ({left // 3600}h{left % 3600 // 60:02d}m left)"


def diagnose() -> dict[str, Any]:
    store = choose_store()
    if os.environ.get(CHOICE_ENV):
        why = f"{CHOICE_ENV}={os.environ[CHOICE_ENV]} chose it"
    elif store.kind == "file":
        backend = usable_keyring()
        why = (
            "no usable keyring backend was found (headless machine?), so the encrypted-file fallback is used"
            if backend is None
            else "chosen before a keyring backend appeared; `rolegate logout` chooses again"
        )
    else:
        why = "the keyring library found this backend"
    if os.environ.get(COMMAND_ENV):
        mfa = f"codes from ${COMMAND_ENV}"
    elif _terminal():
        mfa = "codes asked on the terminal (/dev/tty); profiles may set mfa_process instead"
    else:
        mfa = (
            f"no terminal here: set mfa_process in the profile, --mfa-command or ${COMMAND_ENV}, "
            "or calls that need a new MFA session fail"
        )
    profiles = read_profiles()
    problems = [{"problem": message, "fix": fix} for message, fix in _store_problems(store)]
    names = store.names()
    if problems:  # a store it refuses is not read: its entries are only named
        cached = [{"name": name, "state": "not read: the store is refused (see problems)"} for name in names]
    else:
        cached = [{"name": name, "state": _state(name, store.get(name))} for name in names]
    return {
        "store": {"kind": store.kind, "description": store.describe(), "why": why},
        "problems": problems,
        "aws_config": {
            "path": str(aws_config_path()),
            "profiles": len(profiles),
            "role_profiles": sum(p.is_role for p in profiles.values()),
        },
        "mfa": mfa,
        "cached": cached,
    }


def _store_problems(store: Any) -> list[tuple[str, str]]:
    """What the encrypted-file store would refuse (a key file others can read, or not the user's; a
    directory others can write; a key that does not decode); a keyring has no such files."""
    problems = getattr(store, "problems", None)
    return list(problems()) if callable(problems) else []
