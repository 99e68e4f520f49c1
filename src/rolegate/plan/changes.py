"""Typed changes: what apply will do, as data that can be printed, serialised and tested without AWS.

A Change is one resource's create, update or delete, carrying the exact IAM calls that make it so. Apply does
nothing but run those calls in order; plan only prints them. That keeps deciding and doing apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# adopt: a hand-made resource the file declares becomes rolegate's (its ownership mark set, and whatever
# in-place update makes it match the file); taken only when `organization.adopt` allows it.
Action = Literal["create", "update", "delete", "adopt"]

# A login profile's first password is made at apply time, never planned: plans are printed and saved.
GENERATED_PASSWORD = "<generated at apply, shown once>"  # noqa: S105 - a placeholder, not a secret
# A user's keys, MFA devices and certificates are listed at apply time: plans carry no credential ids.
USER_CREDENTIALS_CLEANUP = "DeleteUserCredentials"

# Dependency order: what a later step needs comes first (policy before attach, role before grant), and
# deletes run after every create and update, in reverse (members out before a group goes).
PHASES = {
    ("create", "account"): 0,
    ("update", "account"): 0,
    # The organization's (plan/organization.py), run by their own worker: types, then units parents first,
    # then accounts moved, then guardrails; deletes last, a unit after what moved out of it.
    ("create", "policy type"): 0,
    ("update", "root access"): 0,
    ("create", "unit"): 0,
    ("adopt", "unit"): 0,
    ("update", "placement"): 1,
    ("create", "guardrail"): 2,
    ("update", "guardrail"): 2,
    ("adopt", "guardrail"): 2,
    ("delete", "guardrail"): 7,
    ("delete", "unit"): 8,
    ("create", "role"): 1,
    ("update", "role"): 1,
    ("adopt", "role"): 1,
    # The StackSet engine (export/stacksets.py): the spoke roles, deployed by CloudFormation.
    ("create", "stackset"): 1,
    ("update", "stackset"): 1,
    ("create", "stack instances"): 1,
    ("create", "policy"): 2,
    ("update", "policy"): 2,
    ("adopt", "policy"): 2,
    ("create", "group"): 3,
    ("update", "group"): 3,
    ("adopt", "group"): 3,
    ("create", "user"): 4,
    ("update", "user"): 4,
    ("adopt", "user"): 4,
    ("delete", "user"): 5,
    ("delete", "group"): 6,
    ("delete", "policy"): 7,
    ("delete", "role"): 8,
    ("delete", "stack instances"): 8,
}


@dataclass(frozen=True)
class Call:
    """One AWS API call, by its service, operation name (as in AWS's API reference) and parameters. IAM
    unless said: the organization's own changes (units, control policies, root access) call Organizations
    from the management account."""

    operation: str
    params: dict[str, Any] = field(default_factory=dict)
    tolerate: tuple[str, ...] = ()  # error codes that mean "already so" (a rerun after an interruption)
    service: str = "iam"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"operation": self.operation, "params": self.params}
        if self.tolerate:
            out["tolerate"] = list(self.tolerate)
        if self.service != "iam":  # plans without other services read exactly as before (format_version 1)
            out["service"] = self.service
        return out


@dataclass(frozen=True)
class Change:
    account: str  # logical name
    account_id: str
    action: Action
    kind: str  # account, role, policy, group, user
    name: str
    summary: str = ""  # one line, e.g. "AdministratorAccess, MFA, 1h"
    details: tuple[str, ...] = ()  # readable diff lines
    calls: tuple[Call, ...] = ()
    # What of the resource the calls set ("trust policy", "policies", "members", …), named by the kind that
    # made the change (plan/kinds/): drift lists them.
    aspects: tuple[str, ...] = ()

    @property
    def phase(self) -> int:
        return PHASES[(self.action, self.kind)]

    @property
    def address(self) -> str:
        return f"{self.account}/{self.kind}/{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "account_id": self.account_id,
            "action": self.action,
            "kind": self.kind,
            "name": self.name,
            "summary": self.summary,
            "details": list(self.details),
            "calls": [c.to_json() for c in self.calls],
        }  # aspects stay out: the plan's JSON format (format_version 1) is a contract


@dataclass(frozen=True)
class Conflict:
    """A resource the file wants that exists already and is not rolegate's: never touched, apply refuses."""

    account: str
    kind: str
    name: str
    message: str
    hint: str

    def to_json(self) -> dict[str, str]:
        return {
            "account": self.account,
            "kind": self.kind,
            "name": self.name,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unmanaged: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # account -> kind -> names
    accounts: dict[str, str] = field(default_factory=dict)  # logical name -> id, in file order
    locked: dict[str, list[str]] = field(default_factory=dict)  # account -> lockdowns in force there
    # Accounts that could not be read (bootstrap role missing, access denied): nothing planned there.
    # account -> {"account_id", "error", "hint"}
    unreadable: dict[str, dict[str, str]] = field(default_factory=dict)

    def ordered(self) -> list[Change]:
        order = {name: i for i, name in enumerate(self.accounts)}
        return sorted(self.changes, key=lambda c: (c.phase, order.get(c.account, 0)))

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0}
        for c in self.changes:
            out[c.action] = out.get(c.action, 0) + 1
        return out  # "adopt" only when there is one: plans without adoption read as before

    @property
    def empty(self) -> bool:
        return not self.changes

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "accounts": dict(self.accounts),
            "summary": self.counts(),
            "changes": [c.to_json() for c in self.ordered()],
            "conflicts": [c.to_json() for c in self.conflicts],
            "unmanaged": self.unmanaged,
            "locked": self.locked,
            **({"unreadable": self.unreadable} if self.unreadable else {}),
        }
