"""The hub's groups: `groups:` in the file, each with its grant policies (policy.py) and other managed
policies attached, inline policies, and the members `users:` puts there. Pure.

Ownership: the path /rolegate/ (IAM cannot tag groups); adopting a hand-made group moves it there, keeping
its members and policies. A group of rolegate's has only the members the file gives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.plan import ownership
from rolegate.plan.changes import Call
from rolegate.plan.kinds import attachments, inline, policy
from rolegate.plan.kinds.base import Context, Edit, adoption, edit, join
from rolegate.state.snapshot import Group, owns_path

if TYPE_CHECKING:
    from rolegate.plan.compile import DesiredAccount

NAME = "group"


@dataclass(frozen=True)
class DesiredGroup:
    name: str
    managed_policies: tuple[str, ...]  # ARNs, sorted
    grants: tuple[str, ...]  # role ARNs it may assume, for the plan's one-line summary
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)


def compile_groups(config: Config, hub_id: str, hub: DesiredAccount) -> None:
    """Each group into the hub, with its grant policies beside it."""
    for group_name, group in config.groups.items():
        grants = policy.compile_grants(config, group_name, hub_id)
        hub.policies.update((p.name, p) for p in grants)
        others = [naming.managed_policy_arn(p) for p in group.policies]
        hub.groups[group_name] = DesiredGroup(
            name=group_name,
            managed_policies=tuple(sorted([p.arn for p in grants] + others)),
            grants=tuple(arn for p in grants for arn in policy.granted(p)),
            inline_policies=inline.json_values(group.inline_policies),
        )


def summary(ctx: Context, want: DesiredGroup) -> str:
    """`may assume administrator@development, …; ReadOnlyAccess`."""
    parts = []
    if want.grants:
        parts.append("may assume " + ctx.role_labels(want.grants))
    hub = ctx.desired.accounts[ctx.desired.hub]
    grant_names = {p.name for p in hub.policies.values() if p.group == want.name}
    grant_prefix = naming.customer_policy_arn(hub.account_id, want.name)
    others = [
        naming.policy_display_name(p)
        for p in want.managed_policies
        if not p.startswith(grant_prefix) and naming.policy_display_name(p) not in grant_names
    ]
    if others:
        parts.append(", ".join(others))
    return "; ".join(parts)


def _as_they_are(ctx: Context) -> dict[str, DesiredGroup]:
    """Groups with their grant policies' ARNs as the account has them: an adopted grant policy keeps the path
    it was made with (IAM cannot move a policy), and its name alone identifies it."""
    state, acct = ctx.state, ctx.acct
    actual = {
        want.arn: state.policies[name].arn
        for name, want in acct.policies.items()
        if name in state.policies and state.policies[name].arn != want.arn
    }
    if not actual:
        return acct.groups
    return {
        name: replace(
            group, managed_policies=tuple(sorted(actual.get(arn, arn) for arn in group.managed_policies))
        )
        for name, group in acct.groups.items()
    }


def made_by(call: Call, found: dict[str, Any]) -> bool:
    """The group a refused CreateGroup found is the one it made: at the call's path."""
    return bool(found.get("Path", "/") == call.params.get("Path", "/"))


OPERATIONS = (
    frozenset({"CreateGroup", "UpdateGroup", "RemoveUserFromGroup", "DeleteGroup"})
    | attachments.operations("Group")
    | inline.operations("Group")
)


class GroupKind:
    name = NAME
    plural = "groups"

    def wanted(self, ctx: Context) -> Mapping[str, DesiredGroup]:
        return _as_they_are(ctx)

    def existing(self, ctx: Context) -> Mapping[str, Group]:
        return ctx.state.groups

    def decide(self, ctx: Context, have: Group) -> ownership.Decision:
        unknown = [
            m for m in ctx.state.members_of(have.name) if m not in ctx.acct.users and not ctx.owned_user(m)
        ]
        return ownership.group_decision(
            have, is_hub=ctx.acct.is_hub, declared=have.name in ctx.acct.groups, unknown_members=unknown
        )

    def create(self, ctx: Context, want: DesiredGroup) -> Edit:
        make = Call("CreateGroup", {"GroupName": want.name, "Path": naming.OWNED_PATH})
        return join(
            [
                edit([make]),
                attachments.create("Group", want.name, want.managed_policies),
                inline.create("Group", want.name, want.inline_policies),
            ],
            summary(ctx, want),
        )

    def _members(self, ctx: Context, want: DesiredGroup) -> Edit:
        # Members the file does not put here are removed, whoever they are: the group is rolegate's, and its
        # membership is who reaches the environments. (Owned users' own changes come with the user.)
        calls: list[Call] = []
        details: list[str] = []
        for member in ctx.state.members_of(want.name):
            if member not in ctx.acct.users and not ctx.owned_user(member):
                calls.append(Call("RemoveUserFromGroup", {"GroupName": want.name, "UserName": member}))
                details.append(f"- member {member} (not in rolegate.yaml)")
        return edit(calls, details, "members")

    def update(self, ctx: Context, want: DesiredGroup, have: Group) -> Edit:
        changes = join(
            [
                attachments.update("Group", want.name, want.managed_policies, have.managed_policies),
                inline.update("Group", want.name, want.inline_policies, have.inline_policies),
                self._members(ctx, want),
            ]
        )
        return changes.with_summary(summary(ctx, want)) if changes else changes

    def delete(self, ctx: Context, have: Group) -> Edit:
        # Members rolegate owns leave through their own update or delete, earlier in the plan; the others
        # must be taken out here, or IAM refuses to delete the group.
        calls = [
            Call("RemoveUserFromGroup", {"GroupName": have.name, "UserName": u})
            for u in ctx.state.members_of(have.name)
            if not ctx.owned_user(u)
        ]
        calls += attachments.delete("Group", have.name, have.managed_policies)
        calls += inline.delete("Group", have.name, have.inline_policies)
        calls.append(Call("DeleteGroup", {"GroupName": have.name}))
        return edit(calls).with_summary("no longer in rolegate.yaml")

    def adopt(self, ctx: Context, want: DesiredGroup, have: Group) -> Edit | str:
        # IAM cannot tag groups: the group moves under rolegate's path, keeping its members and policies.
        mark = Call("UpdateGroup", {"GroupName": have.name, "NewPath": naming.OWNED_PATH})
        text = f"hand-made; moved to path {naming.OWNED_PATH}"
        if summary(ctx, want):
            text += "; " + summary(ctx, want)
        return adoption([mark], text, self.update(ctx, want, have))

    def foreign(self, have: Group) -> str:
        return f" (its path is {have.path}, rolegate's is {naming.OWNED_PATH})"

    def unmanaged(self, ctx: Context) -> list[str]:
        return [
            g.name
            for g in ctx.state.groups.values()
            if not owns_path(g.path) and g.name not in ctx.acct.groups
        ]


KIND = GroupKind()


def cloudformation(want: DesiredGroup, policy_refs: Mapping[str, Any]) -> dict[str, Any]:
    """AWS::IAM::Group's properties; a grant policy of the same template by `policy_refs` (its Ref), so
    CloudFormation creates it first."""
    properties: dict[str, Any] = {"GroupName": want.name, "Path": naming.OWNED_PATH}
    if want.managed_policies:
        properties["ManagedPolicyArns"] = [policy_refs.get(arn, arn) for arn in want.managed_policies]
    if want.inline_policies:
        properties["Policies"] = inline.cloudformation(want.inline_policies)
    return properties


def terraform(want: DesiredGroup) -> dict[str, Any]:
    """aws_iam_group's arguments."""
    return {"name": want.name, "path": naming.OWNED_PATH}
