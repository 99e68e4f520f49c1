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

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rolegate.model.marks import JOURNAL_VERSION, Kind, Lock, RoleRecord, UserRecord


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
