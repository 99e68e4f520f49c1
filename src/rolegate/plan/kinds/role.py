"""The spoke roles: `roles:` in the file, an IAM role in each account it names, trusting the hub. Pure.

Ownership: the tag rolegate:owner=<organization>, believed only when the role looks like one rolegate made
(plan/ownership.py). A lockdown's Deny in the trust policy and its inline policy are not the file's to remove:
compared without them, and kept in any update.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from rolegate.model import marks, naming, policydoc
from rolegate.model.config import ALL_ACCOUNTS, Config
from rolegate.model.durations import IAM_MIN_MAX_SESSION, format_duration
from rolegate.model.iam_shapes import tags_dict
from rolegate.model.trust import trust_policy
from rolegate.plan import adoption, ownership
from rolegate.plan.changes import Call
from rolegate.plan.kinds import attachments, inline
from rolegate.plan.kinds.base import DESCRIPTION, Context, Edit, document_json, edit, join
from rolegate.plan.kinds.base import adoption as adopted
from rolegate.state.snapshot import Role, owns_tagged

if TYPE_CHECKING:
    from rolegate.plan.compile import DesiredAccount

NAME = "role"
DEFAULT_MAX_SESSION = 3600  # what IAM gives a role made without MaxSessionDuration
__all__ = ["KIND", "DesiredRole", "trust_policy"]
SERVICE_ROLE_PATH = "/aws-service-role/"


@dataclass(frozen=True)
class DesiredRole:
    name: str
    trust_policy: dict[str, Any]
    managed_policies: tuple[str, ...]  # ARNs, sorted
    max_session: int
    require_mfa: bool
    # `"*"` in the file: every account but the hub, including accounts made later (a StackSet deploys it to
    # every account of its organizational units; direct apply knows only the accounts listed).
    every_spoke: bool = False
    # Inline policies the file declares, by name: created and kept as written; any other is removed.
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The managed policy ARN that bounds what the role's policies grant; None: whatever is there is left.
    permissions_boundary: str | None = None


def compile_roles(config: Config, hub_id: str, accounts: Mapping[str, DesiredAccount]) -> None:
    """Each role of the file into every account it names that has an id."""
    for role_name, role in config.roles.items():
        for account in config.role_accounts(role_name):
            if account not in accounts:
                continue
            accounts[account].roles[role_name] = DesiredRole(
                name=role_name,
                trust_policy=trust_policy(hub_id, role.require_mfa),
                managed_policies=tuple(sorted(naming.managed_policy_arn(p) for p in role.policies)),
                max_session=max(IAM_MIN_MAX_SESSION, role.max_session_seconds),
                require_mfa=role.require_mfa,
                every_spoke=ALL_ACCOUNTS in role.accounts,
                inline_policies=inline.json_values(role.inline_policies),
                permissions_boundary=(
                    naming.managed_policy_arn(role.permissions_boundary)
                    if role.permissions_boundary
                    else None
                ),
            )


def summary(want: DesiredRole) -> str:
    """`AdministratorAccess, MFA, 1h`: what the plan's one line says of a role."""
    parts = [naming.policy_display_name(p) for p in want.managed_policies]
    parts += [f"inline {p}" for p in sorted(want.inline_policies)]
    parts += ["MFA" if want.require_mfa else "no MFA", format_duration(want.max_session)]
    if want.permissions_boundary:
        parts.append(f"bounded by {naming.policy_display_name(want.permissions_boundary)}")
    return ", ".join(parts)


def _trust(want: DesiredRole, have: Role) -> Edit:
    have_trust = marks.without_lockdown(have.trust_policy)
    if policydoc.equivalent(want.trust_policy, have_trust):
        return Edit()
    trust = marks.with_statements(want.trust_policy, marks.lockdown_statements(have.trust_policy))
    call = Call("UpdateAssumeRolePolicy", {"RoleName": want.name, "PolicyDocument": document_json(trust)})
    lines = ["trust policy:", *("  " + line for line in policydoc.diff_lines(have_trust, want.trust_policy))]
    return edit([call], lines, "trust policy")


def _max_session(want: DesiredRole, have: Role) -> Edit:
    if have.max_session is None or have.max_session == want.max_session:
        return Edit()
    call = Call("UpdateRole", {"RoleName": want.name, "MaxSessionDuration": want.max_session})
    line = f"max session: {format_duration(have.max_session)} → {format_duration(want.max_session)}"
    return edit([call], [line], "max session")


def made_by(call: Call, found: dict[str, Any]) -> bool:
    """The role a refused CreateRole found (a retry whose first answer was lost) is the one it made:
    rolegate's tags and the same trust policy."""
    p = call.params
    return tags_dict(p.get("Tags")).items() <= tags_dict(found.get("Tags")).items() and policydoc.equivalent(
        found.get("AssumeRolePolicyDocument") or {}, p["AssumeRolePolicyDocument"]
    )


def _boundary(want: DesiredRole, have: Role) -> Edit:
    if want.permissions_boundary is None or have.permissions_boundary == want.permissions_boundary:
        return Edit()
    call = Call(
        "PutRolePermissionsBoundary",
        {"RoleName": want.name, "PermissionsBoundary": want.permissions_boundary},
    )
    before = naming.policy_display_name(have.permissions_boundary) if have.permissions_boundary else "(none)"
    line = f"permissions boundary: {before} → {naming.policy_display_name(want.permissions_boundary)}"
    return edit([call], [line], "permissions boundary")


@dataclass(frozen=True)
class ImportedRole:
    """A hand-made role that trusts the hub as rolegate's roles do, as `rolegate import` writes it: the roles
    of one name that share this shape become one entry of `roles:`."""

    policies: tuple[str, ...]
    require_mfa: bool
    max_session: str
    inline: str = "{}"  # its inline policies (the lockdown's aside), as canonical JSON: part of what it is
    boundary: str | None = None  # its permissions boundary, as the file names it

    def entry(self, accounts: list[str], inline_policies: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
        """The file's entry, in the file's order of fields."""
        out: dict[str, Any] = {"accounts": accounts}
        if self.policies:
            out["policies"] = list(self.policies)
        out["require_mfa"] = self.require_mfa
        out["max_session"] = self.max_session
        if inline.importable(inline_policies):
            out["inline_policies"] = inline.importable(inline_policies)
        if self.boundary:
            out["permissions_boundary"] = self.boundary
        return out

    def describe(self) -> str:
        policies = ", ".join(self.policies) or "no policies"
        bounded = f", bounded by {self.boundary}" if self.boundary else ""
        return f"{policies}, {'MFA' if self.require_mfa else 'no MFA'}, {self.max_session}{bounded}"


def imported(have: Role, require_mfa: bool) -> ImportedRole:
    """`have`'s shape, for a role whose trust is the hub trust with (or without) MFA."""
    return ImportedRole(
        tuple(sorted(attachments.policy_ref(a) for a in have.managed_policies)),
        require_mfa,
        format_duration(have.max_session or DEFAULT_MAX_SESSION),
        json.dumps(inline.importable(have.inline_policies), sort_keys=True),
        attachments.policy_ref(have.permissions_boundary) if have.permissions_boundary else None,
    )


# Every call a role's changes may hold: a saved plan's are checked against them before anything runs.
OPERATIONS = (
    frozenset(
        {
            "CreateRole",
            "TagRole",
            "UpdateRole",
            "UpdateAssumeRolePolicy",
            "PutRolePermissionsBoundary",
            "RemoveRoleFromInstanceProfile",
            "DeleteRole",
        }
    )
    | attachments.operations("Role")
    | inline.operations("Role")
)


class RoleKind:
    name = NAME
    plural = "roles"

    def wanted(self, ctx: Context) -> Mapping[str, DesiredRole]:
        return ctx.acct.roles

    def existing(self, ctx: Context) -> Mapping[str, Role]:
        return ctx.state.roles

    def decide(self, ctx: Context, have: Role) -> ownership.Decision:
        return ownership.role_decision(
            have, org=ctx.org, hub_id=ctx.hub_id, bootstrap_role=ctx.desired.bootstrap_role
        )

    def create(self, ctx: Context, want: DesiredRole) -> Edit:
        params: dict[str, Any] = {
            "RoleName": want.name,
            "AssumeRolePolicyDocument": document_json(want.trust_policy),
            "MaxSessionDuration": want.max_session,
            "Description": DESCRIPTION,
            "Tags": ctx.owner_tags(),
        }
        if want.permissions_boundary:
            params["PermissionsBoundary"] = want.permissions_boundary
        make = Call("CreateRole", params)
        return join(
            [
                edit([make]),
                attachments.create("Role", want.name, want.managed_policies),
                inline.create("Role", want.name, want.inline_policies),
            ],
            summary(want),
        )

    def update(self, ctx: Context, want: DesiredRole, have: Role) -> Edit:
        return join(
            [
                _trust(want, have),
                _max_session(want, have),
                _boundary(want, have),
                attachments.update("Role", want.name, want.managed_policies, have.managed_policies),
                inline.update("Role", want.name, want.inline_policies, have.inline_policies),
            ]
        )

    def delete(self, ctx: Context, have: Role) -> Edit:
        calls = [
            Call("RemoveRoleFromInstanceProfile", {"RoleName": have.name, "InstanceProfileName": ip})
            for ip in have.instance_profiles
        ]
        calls += attachments.delete("Role", have.name, have.managed_policies)
        calls += inline.delete("Role", have.name, have.inline_policies)
        calls.append(Call("DeleteRole", {"RoleName": have.name}))
        return edit(calls).with_summary("no longer in rolegate.yaml")

    def adopt(self, ctx: Context, want: DesiredRole, have: Role) -> Edit | str:
        explicit = ctx.explicit(NAME, have.name)
        refusal = adoption.role_refusal(have, ctx.hub_id, ctx.desired.bootstrap_role, explicit=explicit)
        if refusal is not None:
            return refusal
        # What would read as "not rolegate's" once tagged, and which the update does not take away, is what
        # the operator accepts by adopting: recorded, so the next plan believes the tag.
        tagged = replace(have, tags={**have.tags, naming.OWNER_TAG: ctx.org})
        evidence = tuple(e for e in self.decide(ctx, tagged).evidence if e != "trust")
        tags = ctx.owner_tags(**ownership.accepted_tag(have.tags, evidence))
        text = f"hand-made; tagged {naming.OWNER_TAG}={ctx.org}"
        if evidence:
            text += f"; kept as it is: {', '.join(evidence)}"
        mark = Call("TagRole", {"RoleName": have.name, "Tags": tags})
        return adopted([mark], text, self.update(ctx, want, have))

    def foreign(self, have: Role) -> str:
        return ""

    def unmanaged(self, ctx: Context) -> list[str]:
        return [
            r.name
            for r in ctx.state.roles.values()
            if not owns_tagged(r.tags, ctx.org)
            and r.path != SERVICE_ROLE_PATH
            and r.name not in ctx.acct.roles
        ]


KIND = RoleKind()


def cloudformation(want: DesiredRole, tags: list[dict[str, str]], trust: dict[str, Any]) -> dict[str, Any]:
    """AWS::IAM::Role's properties: what CreateRole sets, so a deployed stack plans as "no changes".
    `trust`: the trust policy with the hub's principal as the template's parameter."""
    properties: dict[str, Any] = {
        "RoleName": want.name,
        "Description": DESCRIPTION,
        "AssumeRolePolicyDocument": trust,
        "MaxSessionDuration": want.max_session,
        "Tags": tags,
    }
    if want.managed_policies:
        properties["ManagedPolicyArns"] = list(want.managed_policies)
    if want.inline_policies:
        properties["Policies"] = inline.cloudformation(want.inline_policies)
    if want.permissions_boundary:
        properties["PermissionsBoundary"] = want.permissions_boundary
    return properties


def terraform(
    want: DesiredRole,
    tags: dict[str, str],
    document: Callable[[dict[str, Any]], str],
    text: Callable[[str], str],
) -> dict[str, Any]:
    """aws_iam_role's arguments; `document` and `text`: the export's escaping of a policy and of a string
    Terraform must not read as a template."""
    body = {
        "name": want.name,
        "description": DESCRIPTION,
        "assume_role_policy": document(want.trust_policy),
        "max_session_duration": want.max_session,
        "tags": tags,
    }
    if want.permissions_boundary:
        body["permissions_boundary"] = text(want.permissions_boundary)
    return body
