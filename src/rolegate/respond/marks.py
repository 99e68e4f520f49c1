"""How a lockdown shows in IAM, for everyone who reads IAM (plan, audit, restore). Pure, stdlib only.

A locked role carries three marks: a Deny statement with Sid `RolegateLockdown` in its trust policy, an
inline policy `RolegateLockdown` (deny everything to sessions issued before the lockdown: AWS's own "revoke
active sessions"), and the journal in its `rolegate:lockdown:NN` tags. A locked-out user carries the inline
policy and the tags.
"""

from __future__ import annotations

import copy
from typing import Any

from rolegate.respond.journal import Lock, decode_tags

SID = "RolegateLockdown"
POLICY_NAME = "RolegateLockdown"


def is_lockdown_policy(name: str) -> bool:
    """The lockdown's own inline policies: `RolegateLockdown`, and `RolegateLockdown-<user>` on the roles a
    locked-out person reached."""
    return name == POLICY_NAME or name.startswith(POLICY_NAME + "-")


def _statements(document: dict[str, Any]) -> list[Any]:
    found = document.get("Statement", [])
    return list(found) if isinstance(found, list) else [found]


def is_lockdown_statement(statement: Any) -> bool:
    return isinstance(statement, dict) and statement.get("Sid") == SID


def has_lockdown(trust_policy: dict[str, Any]) -> bool:
    return any(is_lockdown_statement(s) for s in _statements(trust_policy))


def lockdown_statements(trust_policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _statements(trust_policy) if is_lockdown_statement(s)]


def without_lockdown(trust_policy: dict[str, Any]) -> dict[str, Any]:
    """The trust policy as it would be without rolegate's lockdown statement."""
    if not has_lockdown(trust_policy):
        return trust_policy
    document = copy.deepcopy(trust_policy)
    document["Statement"] = [s for s in _statements(document) if not is_lockdown_statement(s)]
    return document


def with_statements(trust_policy: dict[str, Any], extra: list[dict[str, Any]]) -> dict[str, Any]:
    """`trust_policy` (its own lockdown statement removed) plus `extra` at the end."""
    document = copy.deepcopy(without_lockdown(trust_policy))
    document["Statement"] = _statements(document) + copy.deepcopy(extra)
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
