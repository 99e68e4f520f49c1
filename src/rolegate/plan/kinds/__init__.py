"""One module per kind of IAM resource rolegate manages; each is the one home of what that kind is.

    role.py            spoke roles: desired shape, compile, ownership, calls, CloudFormation, Terraform
    policy.py          the groups' grant policies (customer managed, in the hub)
    group.py           the hub's groups, their attachments and members
    user.py            the hub's users, their groups
    login_profile.py   a user's console sign-in
    attachments.py     managed policies attached to a role, group or user
    inline.py          inline policies of a role, group or user
    alias.py           the account alias
    password_policy.py the hub's password policy
    unit.py            the organization's units, and where each account is
    control_policy.py  the file's guardrails: service and resource control policies and their attachments
    organization_base.py  what the organization's kinds are planned in (plan/organization.py drives them)
    base.py            Edit (calls + details + aspects), Context (the account being planned), Kind

plan/diff.py runs every kind of RECONCILED through the one ownership rule, in this order (a role before the
grant naming it, a group before its members); changes.PHASES orders what they emit for apply.
"""

from __future__ import annotations

from typing import Any

from rolegate.plan.kinds import (
    alias,
    control_policy,
    group,
    password_policy,
    policy,
    role,
    root_access,
    unit,
    user,
)
from rolegate.plan.kinds.base import Kind

RECONCILED: tuple[Kind[Any, Any], ...] = (role.KIND, policy.KIND, group.KIND, user.KIND)
# Each kind's plural as plans list the unmanaged ones (role -> roles).
PLURALS = {k.name: k.plural for k in RECONCILED}
# Every call each kind's changes may hold, by the kind a Change names: a plan file is data anyone could write.
OPERATIONS: dict[str, frozenset[str]] = {
    role.NAME: role.OPERATIONS,
    policy.NAME: policy.OPERATIONS,
    group.NAME: group.OPERATIONS,
    user.NAME: user.OPERATIONS,
    "account": alias.OPERATIONS | password_policy.OPERATIONS,
    unit.NAME: unit.OPERATIONS,
    "placement": unit.PLACEMENT_OPERATIONS,
    "policy type": unit.POLICY_TYPE_OPERATIONS,
    control_policy.NAME: control_policy.OPERATIONS,
    "root access": root_access.OPERATIONS,
}
# The services each kind's calls go to (IAM unless listed): a plan file's calls are checked against them.
SERVICES: dict[str, frozenset[str]] = {
    k: frozenset({unit.SERVICE}) for k in (unit.NAME, "placement", "policy type", control_policy.NAME)
} | {"root access": frozenset({"iam", unit.SERVICE})}
