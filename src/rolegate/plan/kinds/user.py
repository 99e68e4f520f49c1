"""The hub's users: `users:` in the file, their group memberships, inline policies and console sign-in
(login_profile.py). Pure.

Ownership: the tag rolegate:owner=<organization>, believed only when the user looks like one rolegate made
(plan/ownership.py). Deleting a user takes its keys and MFA devices with it; adopting one keeps every
credential it has (rolegate never removes credentials it did not issue).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.model.iam_shapes import tags_dict
from rolegate.plan import ownership
from rolegate.plan.changes import USER_CREDENTIALS_CLEANUP, Call
from rolegate.plan.kinds import attachments, inline, login_profile
from rolegate.plan.kinds.base import Context, Edit, adoption, edit, join
from rolegate.state.snapshot import User, owns_path, owns_tagged
from rolegate.words import plural

NAME = "user"


@dataclass(frozen=True)
class DesiredUser:
    name: str
    groups: tuple[str, ...]
    console: bool
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)


def compile_users(config: Config) -> dict[str, DesiredUser]:
    return {
        name: DesiredUser(
            name=name,
            groups=tuple(user.groups),
            console=user.console,
            inline_policies=inline.json_values(user.inline_policies),
        )
        for name, user in config.users.items()
    }


def tags(want: DesiredUser) -> dict[str, str]:
    """The tags beside the owner tag: the console tag when rolegate issues the password."""
    return {login_profile.CONSOLE_TAG: "true"} if want.console else {}


def _groups(ctx: Context, want: DesiredUser, have: User) -> Edit:
    calls: list[Call] = []
    details: list[str] = []
    for group in want.groups:
        if group not in have.groups:
            calls.append(Call("AddUserToGroup", {"GroupName": group, "UserName": want.name}))
            details.append(f"+ in group {group}")
    for group in have.groups:
        existing = ctx.state.groups.get(group)
        if group not in want.groups and existing is not None and owns_path(existing.path):
            calls.append(Call("RemoveUserFromGroup", {"GroupName": group, "UserName": want.name}))
            details.append(f"- from group {group}")
        # membership of a group rolegate does not own is left alone
    return edit(calls, details, "groups")


def _credentials_kept(have: User) -> str:
    """What an adopted user keeps: rolegate never removes credentials it did not issue."""
    kept = []
    if have.access_keys:
        kept.append(plural(have.access_keys, "access key"))
    if have.mfa_devices:
        kept.append("its MFA device")
    if have.login_profile and not login_profile.issued(have):
        kept.append("its console password")
    if not kept:
        return ""
    return "keeps " + ", ".join(kept) + " (rolegate never removes credentials it did not issue)"


def made_by(call: Call, found: dict[str, Any]) -> bool:
    """The user a refused CreateUser found is the one it made: it carries the call's tags."""
    return tags_dict(call.params.get("Tags")).items() <= tags_dict(found.get("Tags")).items()


def imported(have: User, groups: Iterable[str], report: Mapping[str, str] | None) -> dict[str, Any]:
    """A hub user as `rolegate import` writes it: its groups among `groups`, console and MFA from the
    credential report (`report`, None when it could not be read: then a password rolegate made is known by
    its tag, others are not), its inline policies."""
    entry: dict[str, Any] = {}
    if have.groups:
        entry["groups"] = [g for g in sorted(have.groups) if g in set(groups)]
    if report is not None:
        entry["console"] = report.get("password_enabled") == "true"
        if report.get("mfa_active") == "true":
            entry["mfa"] = "required"
    else:
        entry["console"] = login_profile.issued(have)
    if inline.importable(have.inline_policies):
        entry["inline_policies"] = inline.importable(have.inline_policies)
    return entry


OPERATIONS = (
    frozenset({"CreateUser", "AddUserToGroup", "RemoveUserFromGroup", USER_CREDENTIALS_CLEANUP, "DeleteUser"})
    | login_profile.OPERATIONS
    | attachments.operations("User")
    | inline.operations("User")
)


class UserKind:
    name = NAME
    plural = "users"

    def wanted(self, ctx: Context) -> Mapping[str, DesiredUser]:
        return ctx.acct.users

    def existing(self, ctx: Context) -> Mapping[str, User]:
        return ctx.state.users

    def decide(self, ctx: Context, have: User) -> ownership.Decision:
        want = ctx.acct.users.get(have.name)
        return ownership.user_decision(
            have,
            org=ctx.org,
            is_hub=ctx.acct.is_hub,
            owned_groups=[g.name for g in ctx.state.groups.values() if owns_path(g.path)],
            wanted_groups=want.groups if want is not None else None,
            declared_inline=want.inline_policies if want is not None else (),
        )

    def create(self, ctx: Context, want: DesiredUser) -> Edit:
        make = Call("CreateUser", {"UserName": want.name, "Tags": ctx.owner_tags(**tags(want))})
        memberships = [Call("AddUserToGroup", {"GroupName": g, "UserName": want.name}) for g in want.groups]
        parts = ["console" if want.console else "CLI only"]
        if want.groups:
            parts.append("in " + ", ".join(want.groups))
        return join(
            [
                edit([make]),
                edit(memberships, aspect="groups"),
                inline.create("User", want.name, want.inline_policies),
                login_profile.create(want.name) if want.console else Edit(),
            ],
            ", ".join(parts),
        )

    def update(self, ctx: Context, want: DesiredUser, have: User) -> Edit:
        return join(
            [
                _groups(ctx, want, have),
                login_profile.update(want.name, want.console, have),
                inline.update("User", want.name, want.inline_policies, have.inline_policies),
            ]
        )

    def delete(self, ctx: Context, have: User) -> Edit:
        calls = login_profile.delete(have.name)
        calls += [Call("RemoveUserFromGroup", {"GroupName": g, "UserName": have.name}) for g in have.groups]
        calls += attachments.delete("User", have.name, have.managed_policies)
        calls += inline.delete("User", have.name, have.inline_policies)
        calls.append(Call(USER_CREDENTIALS_CLEANUP, {"UserName": have.name}))
        calls.append(Call("DeleteUser", {"UserName": have.name}))
        return edit(calls).with_summary("no longer in rolegate.yaml; its keys and MFA devices go too")

    def adopt(self, ctx: Context, want: DesiredUser, have: User) -> Edit | str:
        tagged = replace(have, tags={**have.tags, naming.OWNER_TAG: ctx.org})
        evidence = tuple(self.decide(ctx, tagged).evidence)
        if want.console:  # the adoption tags the password rolegate keeps as the one it issued
            evidence = tuple(e for e in evidence if e != "password")
        mark = Call(
            "TagUser",
            {"UserName": have.name, "Tags": ctx.owner_tags(**ownership.accepted_tag(have.tags, evidence))},
        )
        text = f"hand-made; tagged {naming.OWNER_TAG}={ctx.org}"
        if evidence:
            text += f"; kept as it is: {', '.join(evidence)}"
        made = adoption([mark], text, self.update(ctx, want, have))
        kept = _credentials_kept(have)
        details = made.details + ((kept,) if kept else ())
        return made.with_details(login_profile.kept_on_adoption(details) if want.console else details)

    def foreign(self, have: User) -> str:
        return ""

    def unmanaged(self, ctx: Context) -> list[str]:
        return [
            u.name
            for u in ctx.state.users.values()
            if not owns_tagged(u.tags, ctx.org) and u.name not in ctx.acct.users
        ]


KIND = UserKind()


def cloudformation(
    want: DesiredUser, org_tags: list[dict[str, str]], group_refs: Mapping[str, Any]
) -> dict[str, Any]:
    """AWS::IAM::User's properties (no login profile: CloudFormation would hold the password)."""
    properties: dict[str, Any] = {"UserName": want.name, "Tags": org_tags}
    if want.groups:
        properties["Groups"] = [group_refs.get(g, g) for g in want.groups]
    if want.inline_policies:
        properties["Policies"] = inline.cloudformation(want.inline_policies)
    return properties


def terraform(want: DesiredUser, org_tags: dict[str, str]) -> dict[str, Any]:
    """aws_iam_user's arguments; the console tag says rolegate made the login profile, kept so an import
    changes nothing."""
    return {"name": want.name, "tags": {**org_tags, **tags(want)}}
