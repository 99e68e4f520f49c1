"""The StackSet engine's decisions: the spoke template deployed by AWS itself, as a service-managed StackSet
with automatic deployment to the organizational units that hold the file's spoke accounts. Pure: what the
organization and the StackSet look like in, a Plan's changes out, in the same form as direct changes.

Ownership is the same rule as everywhere: the StackSet carries rolegate's owner tag; one of the same name
without it is a conflict, never touched. CloudFormation itself never takes over a role that exists already
(the stack instance fails), so a role where a new stack instance would go is shown as a conflict up front.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rolegate.export.cloudformation import HUB_PARAMETER, IS_SPOKE, spoke_template
from rolegate.model import naming
from rolegate.plan.changes import Call, Change, Conflict, Plan
from rolegate.plan.compile import Desired

KIND = "stackset"
INSTANCES = "stack instances"
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]  # the template names its roles
# New accounts in the targeted units get the roles; an account that leaves them loses them.
AUTO_DEPLOYMENT = {"Enabled": True, "RetainStacksOnAccountRemoval": False}
OPERATION_PREFERENCES = {"FailureTolerancePercentage": 0, "MaxConcurrentPercentage": 100}


def stackset_name(org: str) -> str:
    """StackSet names are letters, digits and hyphens, starting with a letter."""
    return "rolegate-" + "".join(c if c.isalnum() else "-" for c in org) + "-spoke-roles"


@dataclass(frozen=True)
class StackSetState:
    """The StackSet as read from CloudFormation in the management account; `exists=False` when absent."""

    name: str
    exists: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    template: dict[str, Any] | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    permission_model: str = ""
    auto_deployment: bool | None = None  # None: not reported (moto); AWS reports it
    instances: tuple[str, ...] = ()  # account ids with a stack instance in the region


@dataclass(frozen=True)
class Targets:
    """Where the StackSet deploys: organizational units, and the accounts in them as Organizations lists
    them now (AWS never deploys a service-managed StackSet to the management account)."""

    units: tuple[str, ...]  # ou-… or r-… ids
    accounts: dict[str, str]  # account id -> the unit it sits in
    management_account: str = ""


def parameters(desired: Desired) -> list[dict[str, str]]:
    hub_id = desired.accounts[desired.hub].account_id
    return [{"ParameterKey": HUB_PARAMETER, "ParameterValue": hub_id}]


def _label(desired: Desired, account_id: str) -> str:
    names = {a.account_id: a.name for a in desired.accounts.values()}
    return f"{account_id} ({names[account_id]})" if account_id in names else account_id


def _role_lines(have: dict[str, Any] | None, want: dict[str, Any]) -> list[str]:
    """The template's difference as people read it: roles added, changed, removed."""
    old = (have or {}).get("Resources", {})
    new = want["Resources"]
    lines = []
    for lid, body in new.items():
        name = body["Properties"]["RoleName"]
        if lid not in old:
            lines.append(f"+ role {name}")
        elif old[lid] != body:
            lines.append(f"~ role {name}")
    lines += [
        f"- role {body['Properties'].get('RoleName', lid)}" for lid, body in old.items() if lid not in new
    ]
    if (have or {}).get("Conditions") != want.get("Conditions") and not lines:
        lines.append("~ where the roles go (the template's account conditions)")
    return lines


def stackset_plan(
    desired: Desired,
    direct: Plan,
    state: StackSetState,
    targets: Targets,
    region: str,
    role_names_by_account: dict[str, set[str]],
) -> Plan:
    """The plan with the StackSet engine: the direct plan's changes where the StackSet does not reach (the
    hub's groups, policies, users and settings), the StackSet's own changes for the spoke roles.

    `role_names_by_account`: account id -> names of the roles it has now (from the direct read), to show a
    conflict where a new stack instance would meet a role CloudFormation cannot take over.
    """
    covered = {a for a in targets.accounts if a != targets.management_account}
    plan = Plan(
        changes=[c for c in direct.changes if not (c.kind == "role" and c.account_id in covered)],
        conflicts=[c for c in direct.conflicts if not (c.kind == "role" and _id(direct, c) in covered)],
        unmanaged=direct.unmanaged,
        accounts=dict(direct.accounts),
        locked=direct.locked,
    )
    hub = desired.accounts[desired.hub]
    where_name, where_id = (hub.name, hub.account_id)
    if targets.management_account and targets.management_account != hub.account_id:
        where_name, where_id = "organization", targets.management_account
        plan.accounts = {where_name: where_id, **plan.accounts}
    template = spoke_template(desired)
    # What CreateStackSet sets and UpdateStackSet keeps so: one place, so an update never drops a setting.
    settings: dict[str, Any] = {
        "TemplateBody": json.dumps(template, separators=(",", ":")),
        "Parameters": parameters(desired),
        "Capabilities": CAPABILITIES,
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": AUTO_DEPLOYMENT,
        "Tags": [{"Key": naming.OWNER_TAG, "Value": desired.org}],
    }
    name = state.name

    def change(action: Any, kind: str, calls: list[Call], summary: str, details: list[str]) -> None:
        plan.changes.append(
            Change(where_name, where_id, action, kind, name, summary, tuple(details), tuple(calls))
        )

    if state.exists and state.tags.get(naming.OWNER_TAG) != desired.org:
        plan.conflicts.append(
            Conflict(
                where_name,
                KIND,
                name,
                f"StackSet {name} exists in {where_id} and rolegate does not own it "
                f"(no tag {naming.OWNER_TAG}={desired.org})",
                "rolegate never touches what it does not own: delete or rename that StackSet",
            )
        )
        return plan
    units = list(targets.units)
    roots = [u for u in units if u.startswith("r-")]
    if roots:
        # A StackSet for the root deploys the spoke roles to every account of the organization, today's and
        # tomorrow's, not only the file's: too wide to do because one account sits there.
        under_root = sorted(a for a, unit in targets.accounts.items() if unit in roots)
        mine = {a.account_id for a in desired.accounts.values()}
        others = [a for a in under_root if a not in mine and a != targets.management_account]
        plan.conflicts.append(
            Conflict(
                where_name,
                KIND,
                name,
                f"{', '.join(_label(desired, a) for a in under_root if a in mine)} sit(s) right under the "
                f"organization's root: a StackSet for the root would put the spoke roles into every account "
                f"of the organization ({len(others)} not in rolegate.yaml) and every one created later",
                "move the spoke accounts into an organizational unit (Organizations → Move), "
                "or use the direct engine",
            )
        )
        return plan
    new_accounts = sorted(covered - set(state.instances))
    gone = sorted(a for a in state.instances if a not in covered and a != targets.management_account)
    instance_lines = [f"+ instance in {_label(desired, a)}" for a in new_accounts]
    for account_id in new_accounts:
        for role in sorted(
            set(_roles_for(template, account_id, desired)) & role_names_by_account.get(account_id, set())
        ):
            plan.conflicts.append(
                Conflict(
                    _name_of(desired, account_id),
                    "role",
                    role,
                    f"role {role} exists in {_label(desired, account_id)}: the StackSet's stack there would "
                    "fail to create it (CloudFormation never takes over an existing role)",
                    "delete it first (if direct apply made it: remove the account's roles from rolegate.yaml "
                    "and `rolegate apply`), or take the account out of the StackSet's units",
                )
            )
    create_instances = Call(
        "CreateStackInstances",
        {
            "StackSetName": name,
            "DeploymentTargets": {"OrganizationalUnitIds": units},
            "Regions": [region],
            "OperationPreferences": OPERATION_PREFERENCES,
        },
    )
    summary = f"service-managed, deploys to {', '.join(units)} and every account added there later"
    if not state.exists:
        calls = [
            Call(
                "CreateStackSet",
                {"StackSetName": name, "Description": template["Description"], **settings},
            ),
            create_instances,
        ]
        change("create", KIND, calls, summary, _role_lines(None, template) + instance_lines)
        return plan
    want_params = {p["ParameterKey"]: p["ParameterValue"] for p in parameters(desired)}
    details = _role_lines(state.template, template)
    if state.parameters != want_params:
        details.append(f"parameters: {state.parameters} → {want_params}")
    if state.auto_deployment is False:
        details.append("+ automatic deployment to accounts added to the units later")
    if details:
        update = Call(
            "UpdateStackSet",
            {"StackSetName": name, **settings, "OperationPreferences": OPERATION_PREFERENCES},
        )
        change("update", KIND, [update], summary, details)
    if new_accounts:
        change("create", INSTANCES, [create_instances], f"{len(new_accounts)} account(s)", instance_lines)
    if gone:
        by_unit: dict[str, list[str]] = {}
        for account_id in gone:
            by_unit.setdefault(targets.accounts.get(account_id, ""), []).append(account_id)
        calls = [
            Call(
                "DeleteStackInstances",
                {
                    "StackSetName": name,
                    # Only these accounts: the units may hold others that keep their instance.
                    "DeploymentTargets": {
                        "OrganizationalUnitIds": [u for u in by_unit if u] or units,
                        "Accounts": gone,
                        "AccountFilterType": "INTERSECTION",
                    },
                    "Regions": [region],
                    "RetainStacks": False,
                    "OperationPreferences": OPERATION_PREFERENCES,
                },
            )
        ]
        lines = [f"- instance in {_label(desired, a)} (no longer in the StackSet's units)" for a in gone]
        change("delete", INSTANCES, calls, f"{len(gone)} account(s)", lines)
    return plan


def _id(plan: Plan, conflict: Conflict) -> str:
    return plan.accounts.get(conflict.account, "")


def _name_of(desired: Desired, account_id: str) -> str:
    return next((a.name for a in desired.accounts.values() if a.account_id == account_id), account_id)


def _roles_for(template: dict[str, Any], account_id: str, desired: Desired) -> list[str]:
    """The roles the template creates in this account: the file's roles there, or the `"*"` roles for an
    account the file does not list (a unit's other accounts)."""
    acct = next((a for a in desired.accounts.values() if a.account_id == account_id), None)
    if acct is not None:
        return list(acct.roles)
    hub_id = desired.accounts[desired.hub].account_id
    names = []
    for body in template["Resources"].values():
        if body.get("Condition") == IS_SPOKE and account_id != hub_id:
            names.append(body["Properties"]["RoleName"])
    return names
