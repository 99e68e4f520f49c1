"""How a lockdown shows in IAM, for everyone who reads IAM (plan, audit, import, restore). Pure, stdlib only.

A locked role carries three marks: a Deny statement with Sid `RolegateLockdown` in its trust policy, an
inline policy `RolegateLockdown` (deny everything to sessions issued before the lockdown: AWS's own "revoke
active sessions"), and the journal in its `rolegate:lockdown:NN` tags. A locked-out user carries the inline
policy and the tags.

It lives next to the model, not in `respond/`, because plan, audit and import read these marks too: layers
only point down. The tags hold the lockdown journal's copy in the account (see `respond/journal.py` for the
local file): each of `rolegate:lockdown:00`, `:01`, … holds 256 characters of one base64 text, the
zlib-compressed JSON of that principal's record and the lock's when/who/why.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rolegate.model.iam_shapes import statement_list

JOURNAL_VERSION = 1
TAG_PREFIX = "rolegate:lockdown:"
# On a lockdown's control policy (`lockdown --method scp`): the id of the account it locks. Plan leaves such a
# policy to `rolegate restore`, and shows the account as locked.
CONTROL_LOCK_TAG = "rolegate:lockdown"
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


# -- the marks on a role or user ----------------------------------------------------------------------------

SID = "RolegateLockdown"
POLICY_NAME = "RolegateLockdown"


def is_lockdown_policy(name: str) -> bool:
    """The lockdown's own inline policies: `RolegateLockdown`, and `RolegateLockdown-<user>` on the roles a
    locked-out person reached."""
    return name == POLICY_NAME or name.startswith(POLICY_NAME + "-")


def is_lockdown_statement(statement: Any) -> bool:
    return isinstance(statement, dict) and statement.get("Sid") == SID


def has_lockdown(trust_policy: dict[str, Any]) -> bool:
    return any(is_lockdown_statement(s) for s in statement_list(trust_policy))


def lockdown_statements(trust_policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in statement_list(trust_policy) if is_lockdown_statement(s)]


def without_lockdown(trust_policy: dict[str, Any]) -> dict[str, Any]:
    """The trust policy as it would be without rolegate's lockdown statement."""
    if not has_lockdown(trust_policy):
        return trust_policy
    document = copy.deepcopy(trust_policy)
    document["Statement"] = [s for s in statement_list(document) if not is_lockdown_statement(s)]
    return document


def with_statements(trust_policy: dict[str, Any], extra: list[dict[str, Any]]) -> dict[str, Any]:
    """`trust_policy` (its own lockdown statement removed) plus `extra` at the end."""
    document = copy.deepcopy(without_lockdown(trust_policy))
    document["Statement"] = statement_list(document) + copy.deepcopy(extra)
    return document


def role_lock(tags: dict[str, str], trust_policy: dict[str, Any], inline: dict[str, Any]) -> Lock | None:
    """The lock on a role: from its journal tags, or an unnamed one when only the marks are there."""
    decoded = decode_tags(tags)
    if decoded is not None:
        return decoded[0]
    if has_lockdown(trust_policy) or POLICY_NAME in inline:
        return Lock(since="(unknown)", by="(unknown: no journal in the account)")
    return None


def user_lock(tags: dict[str, str], inline: dict[str, Any]) -> Lock | None:
    decoded = decode_tags(tags)
    if decoded is not None and "access_keys" in decoded[1]:
        return decoded[0]
    if POLICY_NAME in inline:
        return Lock(since="(unknown)", by="(unknown: no journal in the account)")
    return None
