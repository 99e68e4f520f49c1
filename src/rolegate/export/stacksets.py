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
from rolegate.plan.changes import Action, Call, Change, Conflict, Plan
from rolegate.plan.compile import Desired
from rolegate.words import plural

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


@dataclass
class _Where:
    """Where the StackSet lives (the management account, or the hub when it is that), and its plan."""

    desired: Desired
    plan: Plan
    account: str
    account_id: str
    name: str

    def change(self, action: Action, kind: str, calls: list[Call], summary: str, details: list[str]) -> None:
        self.plan.changes.append(
            Change(
                self.account, self.account_id, action, kind, self.name, summary, tuple(details), tuple(calls)
            )
        )

    def conflict(self, message: str, hint: str) -> None:
        self.plan.conflicts.append(Conflict(self.account, KIND, self.name, message, hint))


def _outside_the_stackset(direct: Plan, covered: set[str]) -> Plan:
    """The direct plan's changes where the StackSet does not reach: the hub's groups, policies, users and
    settings, and the roles of accounts outside its units."""
    return Plan(
        changes=[c for c in direct.changes if not (c.kind == "role" and c.account_id in covered)],
        conflicts=[c for c in direct.conflicts if not (c.kind == "role" and _id(direct, c) in covered)],
        unmanaged=direct.unmanaged,
        accounts=dict(direct.accounts),
        locked=direct.locked,
    )


def _where(desired: Desired, plan: Plan, targets: Targets, name: str) -> _Where:
    hub = desired.accounts[desired.hub]
    if targets.management_account and targets.management_account != hub.account_id:
        plan.accounts = {"organization": targets.management_account, **plan.accounts}
        return _Where(desired, plan, "organization", targets.management_account, name)
    return _Where(desired, plan, hub.name, hub.account_id, name)


def _settings(desired: Desired, template: dict[str, Any]) -> dict[str, Any]:
    """What CreateStackSet sets and UpdateStackSet keeps so: one place, so an update never drops a setting."""
    return {
        "TemplateBody": json.dumps(template, separators=(",", ":")),
        "Parameters": parameters(desired),
        "Capabilities": CAPABILITIES,
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": AUTO_DEPLOYMENT,
        "Tags": [{"Key": naming.OWNER_TAG, "Value": desired.org}],
    }


def _refused(where: _Where, state: StackSetState, targets: Targets) -> bool:
    """A StackSet rolegate does not own, or units that are the organization's root: shown, nothing planned."""
    desired = where.desired
    if state.exists and state.tags.get(naming.OWNER_TAG) != desired.org:
        where.conflict(
            f"StackSet {where.name} exists in {where.account_id} and rolegate does not own it "
            f"(no tag {naming.OWNER_TAG}={desired.org})",
            "rolegate never touches what it does not own: delete or rename that StackSet",
        )
        return True
    roots = [u for u in targets.units if u.startswith("r-")]
    if not roots:
        return False
    # A StackSet for the root deploys the spoke roles to every account of the organization, today's and
    # tomorrow's, not only the file's: too wide to do because one account sits there.
    under_root = sorted(a for a, unit in targets.accounts.items() if unit in roots)
    mine = {a.account_id for a in desired.accounts.values()}
    others = [a for a in under_root if a not in mine and a != targets.management_account]
    listed = [_label(desired, a) for a in under_root if a in mine]
    where.conflict(
        f"{', '.join(listed)} {'sits' if len(listed) == 1 else 'sit'} right under the "
        f"organization's root: a StackSet for the root would put the spoke roles into every account "
        f"of the organization ({len(others)} not in rolegate.yaml) and every one created later",
        "move the spoke accounts into an organizational unit (Organizations → Move), "
        "or use the direct engine",
    )
    return True


def _roles_in_the_way(
    where: _Where, template: dict[str, Any], new_accounts: list[str], roles_now: dict[str, set[str]]
) -> None:
    """CloudFormation never takes over a role that exists: where a new stack instance would meet one, the
    stack would fail, so it is a conflict up front."""
    desired = where.desired
    for account_id in new_accounts:
        for role in sorted(set(_roles_for(template, account_id, desired)) & roles_now.get(account_id, set())):
            where.plan.conflicts.append(
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


def _create_instances(name: str, units: list[str], region: str) -> Call:
    return Call(
        "CreateStackInstances",
        {
            "StackSetName": name,
            "DeploymentTargets": {"OrganizationalUnitIds": units},
            "Regions": [region],
            "OperationPreferences": OPERATION_PREFERENCES,
        },
    )


def _delete_instances(where: _Where, gone: list[str], targets: Targets, region: str) -> None:
    by_unit: dict[str, list[str]] = {}
    for account_id in gone:
        by_unit.setdefault(targets.accounts.get(account_id, ""), []).append(account_id)
    call = Call(
        "DeleteStackInstances",
        {
            "StackSetName": where.name,
            # Only these accounts: the units may hold others that keep their instance.
            "DeploymentTargets": {
                "OrganizationalUnitIds": [u for u in by_unit if u] or list(targets.units),
                "Accounts": gone,
                "AccountFilterType": "INTERSECTION",
            },
            "Regions": [region],
            "RetainStacks": False,
            "OperationPreferences": OPERATION_PREFERENCES,
        },
    )
    lines = [f"- instance in {_label(where.desired, a)} (no longer in the StackSet's units)" for a in gone]
    where.change("delete", INSTANCES, [call], plural(len(gone), "account"), lines)


def _update_details(desired: Desired, state: StackSetState, template: dict[str, Any]) -> list[str]:
    want_params = {p["ParameterKey"]: p["ParameterValue"] for p in parameters(desired)}
    details = _role_lines(state.template, template)
    if state.parameters != want_params:
        details.append(f"parameters: {state.parameters} → {want_params}")
    if state.auto_deployment is False:
        details.append("+ automatic deployment to accounts added to the units later")
    return details


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
    where = _where(desired, _outside_the_stackset(direct, covered), targets, state.name)
    if _refused(where, state, targets):
        return where.plan
    template = spoke_template(desired)
    settings = _settings(desired, template)
    units = list(targets.units)
    new_accounts = sorted(covered - set(state.instances))
    gone = sorted(a for a in state.instances if a not in covered and a != targets.management_account)
    instance_lines = [f"+ instance in {_label(desired, a)}" for a in new_accounts]
    _roles_in_the_way(where, template, new_accounts, role_names_by_account)
    create_instances = _create_instances(state.name, units, region)
    summary = f"service-managed, deploys to {', '.join(units)} and every account added there later"
    if not state.exists:
        create = Call(
            "CreateStackSet", {"StackSetName": state.name, "Description": template["Description"], **settings}
        )
        lines = _role_lines(None, template) + instance_lines
        where.change("create", KIND, [create, create_instances], summary, lines)
        return where.plan
    details = _update_details(desired, state, template)
    if details:
        update = Call(
            "UpdateStackSet",
            {"StackSetName": state.name, **settings, "OperationPreferences": OPERATION_PREFERENCES},
        )
        where.change("update", KIND, [update], summary, details)
    if new_accounts:
        where.change(
            "create", INSTANCES, [create_instances], plural(len(new_accounts), "account"), instance_lines
        )
    if gone:
        _delete_instances(where, gone, targets, region)
    return where.plan


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
