"""The lockdown journal: the exact documents a lockdown replaced, so restore can put them back. Pure.

It is kept twice, and both copies are written before the first change to IAM:

- a local file, `$XDG_STATE_HOME/rolegate/lockdown/<account id>.json` (`user-<hub id>-<name>.json` for a
  person), written atomically with mode 0600: every record in full, inline documents included;
- a copy in the account itself, in the tags of each role (or user) it concerns: `rolegate:lockdown:00`,
  `:01`, … each hold 256 characters of one base64 text (IAM tag values allow `+ / =`), the zlib-compressed
  JSON of that principal's record and the lock's when/who/why. Tags, because GetAccountAuthorizationDetails
  returns role and user tags (plan and restore read them at no extra call), each principal carries its own
  record (no single document grows with the account, unlike a managed policy's 6,144 characters), and the
  copy lives and dies with the role it describes. Inline policies travel as fingerprints there: lockdown
  never changes them, restore only checks that nobody else did.

So an operator whose laptop died mid-lockdown restores from the account alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

JOURNAL_VERSION = 1
TAG_PREFIX = "rolegate:lockdown:"
TAG_VALUE_MAX = 256  # IAM's limit for a tag value
TAGS_MAX = 50  # IAM's limit of tags on a role or user

Kind = Literal["account", "user"]


def fingerprint(document: Any) -> str:
    """A short, stable digest of a document: key order and whitespace do not matter."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Lock:
    """When, by whom and why; the same on every record of one lockdown."""

    since: str  # ISO 8601, UTC, seconds: also the TokenIssueTime before which sessions end
    by: str  # the operator's principal ARN
    reason: str = ""

    def describe(self) -> str:
        text = f"locked since {self.since} by {self.by}"
        return text + (f": {self.reason}" if self.reason else "")


@dataclass
class RoleRecord:
    """A role as it was before the lockdown touched it."""

    name: str
    arn: str
    trust_policy: dict[str, Any]
    managed_policies: list[str] = field(default_factory=list)
    inline_policies: dict[str, str] = field(default_factory=dict)  # name -> fingerprint
    inline_documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # local copy only
    in_account: bool = True  # False: the role had no room for the tags; only the local file has it
    derived: bool = False  # rebuilt by removing the lockdown statement: no journal copy was found


@dataclass
class UserRecord:
    """A person as they were before `lockdown --user`."""

    name: str
    arn: str
    access_keys: dict[str, str] = field(default_factory=dict)  # key id (not a secret) -> Active|Inactive
    login_profile: bool = False
    groups: list[str] = field(default_factory=list)
    managed_policies: list[str] = field(default_factory=list)
    inline_policies: dict[str, str] = field(default_factory=dict)  # name -> fingerprint
    # [account, account id, role name] of each role they reached, given a revoke of older sessions
    revoked_roles: list[list[str]] = field(default_factory=list)
    in_account: bool = True


@dataclass
class Journal:
    kind: Kind
    account: str  # logical name
    account_id: str
    lock: Lock
    keep: list[str] = field(default_factory=list)  # principal ARN patterns the bootstrap role stays open to
    roles: dict[str, RoleRecord] = field(default_factory=dict)
    user: UserRecord | None = None
    version: int = JOURNAL_VERSION

    @property
    def target(self) -> str:
        return self.user.name if self.user is not None else self.account

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Journal:
        if data.get("version") != JOURNAL_VERSION:
            raise ValueError(
                f"journal version {data.get('version')!r}; this rolegate reads {JOURNAL_VERSION}"
            )
        user = data.get("user")
        return cls(
            kind=data["kind"],
            account=data["account"],
            account_id=data["account_id"],
            lock=Lock(**data["lock"]),
            keep=list(data.get("keep", [])),
            roles={k: RoleRecord(**v) for k, v in data.get("roles", {}).items()},
            user=UserRecord(**user) if user else None,
        )


# -- the copy in the account: tags --------------------------------------------------------------------------


def _record_for_tags(record: RoleRecord | UserRecord) -> dict[str, Any]:
    data = asdict(record)
    data.pop("inline_documents", None)  # fingerprints are enough to notice a change; documents stay local
    data.pop("in_account", None)
    data.pop("derived", None)
    return data


def encode_tags(lock: Lock, record: RoleRecord | UserRecord, keep: list[str] | None = None) -> dict[str, str]:
    """The record as tags: `rolegate:lockdown:00` … in order, each value at most 256 characters."""
    payload: dict[str, Any] = {"v": JOURNAL_VERSION, "lock": asdict(lock), "record": _record_for_tags(record)}
    if keep:
        payload["keep"] = keep
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    text = base64.b64encode(zlib.compress(raw, 9)).decode()
    chunks = [text[i : i + TAG_VALUE_MAX] for i in range(0, len(text), TAG_VALUE_MAX)]
    return {f"{TAG_PREFIX}{i:02d}": chunk for i, chunk in enumerate(chunks)}


def journal_tags(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k.startswith(TAG_PREFIX)}


def decode_tags(tags: dict[str, str]) -> tuple[Lock, dict[str, Any], list[str]] | None:
    """(lock, record data, keep) from a principal's tags; None when it carries no (readable) journal."""
    ours = journal_tags(tags)
    if not ours:
        return None
    text = "".join(ours[k] for k in sorted(ours))
    try:
        payload = json.loads(zlib.decompress(base64.b64decode(text)))
        return Lock(**payload["lock"]), dict(payload["record"]), list(payload.get("keep", []))
    except (ValueError, KeyError, TypeError, zlib.error):
        return None  # damaged by hand: restore falls back to removing the lockdown statement


def role_record_from_tags(tags: dict[str, str]) -> tuple[Lock, RoleRecord, list[str]] | None:
    decoded = decode_tags(tags)
    if decoded is None or "trust_policy" not in decoded[1]:
        return None
    lock, data, keep = decoded
    return lock, RoleRecord(**data), keep


def user_record_from_tags(tags: dict[str, str]) -> tuple[Lock, UserRecord] | None:
    decoded = decode_tags(tags)
    if decoded is None or "access_keys" not in decoded[1]:
        return None
    return decoded[0], UserRecord(**decoded[1])


def room_for_tags(existing: dict[str, str], wanted: dict[str, str]) -> bool:
    others = {k for k in existing if not k.startswith(TAG_PREFIX)}
    return len(others) + len(wanted) <= TAGS_MAX


# -- the local file -----------------------------------------------------------------------------------------


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "rolegate" / "lockdown"


def journal_path(kind: Kind, account_id: str, user: str | None = None) -> Path:
    name = f"{account_id}.json" if kind == "account" else f"user-{account_id}-{user}.json"
    return state_dir() / name


def read_local(path: Path) -> Journal | None:
    """The local journal, or None when there is none; a damaged one is an error (it may be all there is)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return Journal.from_json(json.loads(text))
