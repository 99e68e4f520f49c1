"""rolegate.yaml as two CloudFormation templates. Pure: `Desired` in, template dicts out.

The spoke template holds every role of the file, each created only where the file puts it: a role listed for
some accounts carries a condition on `AWS::AccountId`; a role for `"*"` is created in every account but the
hub, so a StackSet deploying the template to an organizational unit gives it to accounts made later too.
The hub's account id is a parameter (the trust policies' principal). Properties and tags are exactly what
direct apply sets, so `rolegate plan` reads a deployed stack as "no changes".

The hub template holds the groups, their grant policies and the users (no password, no key: those stay with
`rolegate apply` or the people themselves). CloudFormation has no resource for an account alias or a
password policy; `rolegate apply` keeps those.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rolegate.errors import RolegateError
from rolegate.model import naming
from rolegate.plan.compile import Desired, DesiredAccount, DesiredRole
from rolegate.plan.kinds import control_policy, group, policy, role, unit, user

TEMPLATE_VERSION = "2010-09-09"
HUB_PARAMETER = "HubAccountId"
SPOKE_FILE = "spoke.template.json"
HUB_FILE = "hub.template.json"
IS_SPOKE = "IsSpokeAccount"
MAX_OR = 10  # Fn::Or takes 2 to 10 conditions


def logical_id(prefix: str, name: str) -> str:
    """`read_only` -> `RoleReadOnly`: CloudFormation's logical ids are letters and digits only. Stable: it
    depends on the name alone, so a resource is never replaced because another one came or went."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    return prefix + "".join(p[:1].upper() + p[1:] for p in parts)


def _unique(ids: dict[str, str], kind: str) -> dict[str, str]:
    """name -> logical id; two names that differ only in punctuation would share one: refuse, naming both."""
    seen: dict[str, str] = {}
    for name, lid in ids.items():
        if lid in seen:
            raise RolegateError(
                f"{kind}s {seen[lid]!r} and {name!r} would share the CloudFormation logical id {lid}",
                "rename one of them in rolegate.yaml (logical ids keep only letters and digits)",
            )
        seen[lid] = name
    return ids


def _tags(desired: Desired) -> list[dict[str, str]]:
    return [{"Key": naming.OWNER_TAG, "Value": desired.org}]


def _hub_id(desired: Desired) -> str:
    return desired.accounts[desired.hub].account_id


def _parameterised(value: Any, literal: str, replacement: Any) -> Any:
    """The document with every occurrence of `literal` (the hub's root ARN) replaced by `replacement`."""
    if value == literal:
        return replacement
    if isinstance(value, dict):
        return {k: _parameterised(v, literal, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_parameterised(v, literal, replacement) for v in value]
    return value


def _any_account(ids: list[str]) -> dict[str, Any]:
    """A condition true in any of these accounts (Fn::Or nests past its limit of 10)."""
    conditions: list[dict[str, Any]] = [{"Fn::Equals": [{"Ref": "AWS::AccountId"}, i]} for i in ids]
    while len(conditions) > 1:
        conditions = [
            {"Fn::Or": chunk} if len(chunk) > 1 else chunk[0]
            for chunk in (conditions[i : i + MAX_OR] for i in range(0, len(conditions), MAX_OR))
        ]
    return conditions[0]


def spoke_roles(desired: Desired) -> dict[str, tuple[DesiredRole, list[str]]]:
    """Each role of the file once, with the ids of the accounts it is in (file order)."""
    roles: dict[str, tuple[DesiredRole, list[str]]] = {}
    for acct in desired.accounts.values():
        for name, want in acct.roles.items():
            roles.setdefault(name, (want, []))[1].append(acct.account_id)
    return roles


def spoke_template(desired: Desired) -> dict[str, Any]:
    hub_id = _hub_id(desired)
    roles = spoke_roles(desired)
    ids = _unique({name: logical_id("Role", name) for name in roles}, "role")
    conditions: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    root = naming.root_arn(hub_id)
    principal = {"Fn::Sub": naming.root_arn("${" + HUB_PARAMETER + "}")}
    for name, (want, account_ids) in roles.items():
        lid = ids[name]
        if want.every_spoke:
            condition = IS_SPOKE
            conditions[IS_SPOKE] = {
                "Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::AccountId"}, {"Ref": HUB_PARAMETER}]}]
            }
        else:
            condition = f"In{lid}Accounts"
            conditions[condition] = _any_account(account_ids)
        trust = _parameterised(want.trust_policy, root, principal)
        properties = role.cloudformation(want, _tags(desired), trust)
        resources[lid] = {"Type": "AWS::IAM::Role", "Condition": condition, "Properties": properties}
    if not resources:
        raise RolegateError(
            "rolegate.yaml puts no role in any account with an id: the spoke template would be empty",
            "add roles (roles: …) or the accounts' ids (rolegate accounts create)",
        )
    return {
        "AWSTemplateFormatVersion": TEMPLATE_VERSION,
        "Description": f"rolegate {desired.org}: the roles of every spoke account, trusting the hub. "
        "Generated from rolegate.yaml; edit that, not this.",
        "Parameters": {
            HUB_PARAMETER: {
                "Type": "String",
                "Description": "The hub account, where people sign in: the roles trust its principal.",
                "AllowedPattern": r"^\d{12}$",
                "Default": hub_id,
            }
        },
        "Conditions": conditions,
        "Resources": resources,
    }


def hub_template(desired: Desired) -> dict[str, Any]:
    hub: DesiredAccount = desired.accounts[desired.hub]
    policy_ids = _unique({n: logical_id("GrantPolicy", n) for n in hub.policies}, "grant policy")
    group_ids = _unique({n: logical_id("Group", n) for n in hub.groups}, "group")
    user_ids = _unique({n: logical_id("User", n) for n in hub.users}, "user")
    # The template's own grant policies and groups by Ref, so CloudFormation creates them first.
    policy_refs = {p.arn: {"Ref": policy_ids[p.name]} for p in hub.policies.values()}
    group_refs = {name: {"Ref": lid} for name, lid in group_ids.items()}
    resources: dict[str, Any] = {}
    for grant in hub.policies.values():
        resources[policy_ids[grant.name]] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": policy.cloudformation(grant),
        }
    for member_of in hub.groups.values():
        resources[group_ids[member_of.name]] = {
            "Type": "AWS::IAM::Group",
            "Properties": group.cloudformation(member_of, policy_refs),
        }
    for person in hub.users.values():
        resources[user_ids[person.name]] = {
            "Type": "AWS::IAM::User",
            "Properties": user.cloudformation(person, _tags(desired), group_refs),
        }
    if not resources:
        raise RolegateError(
            "rolegate.yaml has no group or user: the hub template would be empty",
            "add groups and users, or export only what you need from the spoke template",
        )
    return {
        "AWSTemplateFormatVersion": TEMPLATE_VERSION,
        "Description": f"rolegate {desired.org}: the hub's groups, grant policies and users (no passwords, "
        "no keys). Generated from rolegate.yaml; edit that, not this.",
        "Resources": resources,
    }


def dumps(template: dict[str, Any]) -> str:
    return json.dumps(template, indent=2) + "\n"


ORGANIZATION_FILE = "organization.template.json"


def organization_template(desired: Desired) -> dict[str, Any]:
    """The file's units and guardrails, for a stack in the management account: its own template, since
    AWS::Organizations resources are made only there, and a stack that owns the organization's policies is
    a decision apart from the hub's IAM. The root's id is a parameter (CloudFormation has no resource for
    it); `${organization:id}` in a built-in is the OrganizationId parameter. Placements and policy types
    stay rolegate's: AWS::Organizations::Account would make the stack own the accounts."""
    wanted = desired.organization
    unit_ids = _unique({p: logical_id("Unit", p) for p in wanted.units}, "unit")
    policy_ids = _unique({n: logical_id("Guardrail", n) for n in wanted.policies}, "guardrail")
    resources: dict[str, Any] = {}

    def ref(kind: str, name: str, account_id: str = "") -> Any:
        if kind == "root":
            return {"Ref": "RootId"}
        return {"Ref": unit_ids[name]} if kind == "unit" else account_id

    for path, want in wanted.units.items():
        parent = (
            ref("root", "root") if want.parent == "root" else {"Fn::GetAtt": [unit_ids[want.parent], "Id"]}
        )
        resources[unit_ids[path]] = {
            "Type": "AWS::Organizations::OrganizationalUnit",
            "Properties": unit.cloudformation(want, parent, desired.org),
        }
    for name, guardrail in wanted.policies.items():
        targets = [
            {"Fn::GetAtt": [unit_ids[t.name], "Id"]}
            if t.kind == "unit"
            else ref(t.kind, t.name, t.account_id)
            for t in guardrail.targets
        ]
        properties = control_policy.cloudformation(guardrail, targets, desired.org)
        properties["Content"] = _parameterised(
            properties["Content"], "${organization:id}", {"Ref": "OrganizationId"}
        )
        resources[policy_ids[name]] = {"Type": "AWS::Organizations::Policy", "Properties": properties}
    return {
        "AWSTemplateFormatVersion": TEMPLATE_VERSION,
        "Description": f"rolegate {desired.org}: the organization's units and guardrails. Generated from "
        "rolegate.yaml; edit that, not this.",
        "Parameters": {
            "RootId": {"Type": "String", "Description": "The organization's root (r-…)"},
            "OrganizationId": {"Type": "String", "Description": "The organization's id (o-…)"},
        },
        "Resources": resources,
    }


def templates(desired: Desired) -> dict[str, str]:
    """File name -> text, as `rolegate export cloudformation` writes them."""
    out = {SPOKE_FILE: dumps(spoke_template(desired)), HUB_FILE: dumps(hub_template(desired))}
    if desired.organization.units or desired.organization.policies:
        out[ORGANIZATION_FILE] = dumps(organization_template(desired))
    return out
