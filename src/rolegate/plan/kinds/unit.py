"""Organizational units: the tree `organization.units` declares, each unit rolegate made tagged
`rolegate:owner`; and where each account is (`accounts.<name>.unit`). Pure.

Ownership: the owner tag. Unlike an IAM tag in a member account, an Organizations tag can be written only from
the management account (or a delegated administrator), by the people who run rolegate: a mark there is as
strong as the operators themselves. A unit made by hand is adopted (tagged) when the file allows it, else a
conflict; one the file does not name is unmanaged and never touched. A unit rolegate made and the file dropped
is deleted once nothing is left in it: Organizations refuses to delete a unit that holds accounts or units,
and rolegate never moves an account the file does not place.

A unit that does not exist yet has no id at plan time: calls name it as `<unit PATH>` (and the root as
`<root>`), which apply resolves when it gets there (plan/organization_apply.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rolegate.model import naming
from rolegate.model.config import ROOT
from rolegate.model.names import UNIT
from rolegate.plan import ownership
from rolegate.plan.changes import Call
from rolegate.plan.kinds.base import Context, Edit, edit
from rolegate.plan.kinds.organization_base import of
from rolegate.state.snapshot import OrganizationalUnit, OrganizationState

NAME = "unit"
SERVICE = "organizations"
OPERATIONS = frozenset({"CreateOrganizationalUnit", "DeleteOrganizationalUnit", "TagResource"})
PLACEMENT_OPERATIONS = frozenset({"MoveAccount"})
POLICY_TYPE_OPERATIONS = frozenset({"EnablePolicyType"})


@dataclass(frozen=True)
class DesiredUnit:
    path: str  # Environments/Production

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ROOT


def reference(path: str) -> str:
    """How a call names a unit (or the root) whose id apply looks up: `<unit Environments/Production>`."""
    return "<root>" if path == ROOT else f"<unit {path}>"


def parent_id(state: OrganizationState, path: str) -> str:
    """The id of the root or of a unit by its path; for a unit not made yet, the reference apply resolves."""
    if path == ROOT:
        return state.root_id
    unit = state.units.get(path)
    return unit.id if unit is not None else reference(path)


def owned(unit: OrganizationalUnit, org: str) -> bool:
    """rolegate's by its tag, and named as rolegate names units (one read under its id never is)."""
    return unit.tags.get(naming.OWNER_TAG) == org and all(UNIT.ok(part) for part in unit.path.split("/"))


def call(operation: str, params: dict[str, Any], *tolerate: str) -> Call:
    return Call(operation, params, tolerate, service=SERVICE)


class UnitKind:
    name = NAME
    plural = "units"

    def wanted(self, ctx: Context) -> Mapping[str, DesiredUnit]:
        return of(ctx).organization_wanted.units

    def existing(self, ctx: Context) -> Mapping[str, OrganizationalUnit]:
        return of(ctx).organization.units

    def decide(self, ctx: Context, have: OrganizationalUnit) -> ownership.Decision:
        return ownership.OWNED if owned(have, ctx.org) else ownership.UNMANAGED

    def create(self, ctx: Context, want: DesiredUnit) -> Edit:
        made = call(
            "CreateOrganizationalUnit",
            {
                "ParentId": parent_id(of(ctx).organization, want.parent),
                "Name": want.name,
                "Tags": ctx.owner_tags(),
            },
            "DuplicateOrganizationalUnitException",
        )
        return edit([made], aspect="unit").with_summary(f"in {want.parent}")

    def update(self, ctx: Context, want: DesiredUnit, have: OrganizationalUnit) -> Edit:
        return Edit()  # a unit is its path: a move or a rename is another unit

    def delete(self, ctx: Context, have: OrganizationalUnit) -> Edit:
        made = call(
            "DeleteOrganizationalUnit",
            {"OrganizationalUnitId": have.id},
            "OrganizationalUnitNotFoundException",
        )
        return edit([made], aspect="unit").with_summary("dropped from the file, and empty")

    def adopt(self, ctx: Context, want: DesiredUnit, have: OrganizationalUnit) -> Edit | str:
        mark = call("TagResource", {"ResourceId": have.id, "Tags": ctx.owner_tags()})
        return Edit((mark,), (), ("owner",), "made by hand; tagged rolegate's")

    def foreign(self, have: OrganizationalUnit) -> str:
        return " (it has no rolegate:owner tag)"

    def unmanaged(self, ctx: Context) -> list[str]:
        return [
            path
            for path, unit in of(ctx).organization.units.items()
            if not owned(unit, ctx.org) and path not in of(ctx).organization_wanted.units
        ]


KIND = UnitKind()


def placement(state: OrganizationState, account_id: str, unit: str) -> Edit:
    """The move that puts an account in `unit`, or nothing when it is there (or not in the organization)."""
    current = state.parents.get(account_id)
    if current is None:
        return Edit()
    destination = parent_id(state, unit)
    if destination == current:
        return Edit()
    move = call(
        "MoveAccount",
        {"AccountId": account_id, "SourceParentId": current, "DestinationParentId": destination},
        "DuplicateAccountException",
    )
    return edit([move], aspect="unit").with_summary(f"{state.path_of(current)} -> {unit}")


def enable_policy_type(state: OrganizationState, policy_type: str) -> Edit:
    """A policy type switched on at the root, so guardrails of that type can attach anywhere below it."""
    made = call(
        "EnablePolicyType",
        {"RootId": state.root_id, "PolicyType": policy_type},
        "PolicyTypeAlreadyEnabledException",
    )
    return edit([made], aspect="policy types").with_summary("enabled on the root")


def cloudformation(want: DesiredUnit, parent: Any, org: str) -> dict[str, Any]:
    """AWS::Organizations::OrganizationalUnit's properties (`parent`: the root's id or a Ref)."""
    return {"Name": want.name, "ParentId": parent, "Tags": [{"Key": naming.OWNER_TAG, "Value": org}]}


def terraform(want: DesiredUnit, parent: str, org: str) -> dict[str, Any]:
    """aws_organizations_organizational_unit's arguments (`parent`: an id or an interpolation)."""
    return {"name": want.name, "parent_id": parent, "tags": {naming.OWNER_TAG: org}}


def imported_tree(state: OrganizationState) -> tuple[dict[str, Any], list[str]]:
    """The units as `organization.units:` writes them (parents first), and the paths left out: a unit read
    under its id (a name rolegate would not write), with everything below it."""
    tree: dict[str, Any] = {}
    skipped: list[str] = []
    for path in state.units:
        parts = path.split("/")
        if not all(UNIT.ok(p) for p in parts):
            if not any(path.startswith(s + "/") for s in skipped):
                skipped.append(path)
            continue
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    return tree, skipped


def imported_places(state: OrganizationState, names_by_id: dict[str, str]) -> dict[str, str]:
    """Each account of the file that is in a unit (not the root), as `accounts.<name>.unit` writes it."""
    out = {}
    for account_id, name in names_by_id.items():
        parent = state.parents.get(account_id)
        if parent is None or parent == state.root_id:
            continue
        path = state.path_of(parent)
        if all(UNIT.ok(p) for p in path.split("/")):
            out[name] = path
    return out
