"""Desired state vs what the snapshot shows -> a Plan. Pure.

Ownership decides everything here (plan/ownership.py): rolegate creates what is missing, updates and deletes
only what it owns (roles and users by tag, groups and policies by path, each mark checked against evidence
that rolegate did not make the resource), reports a same-named resource it does not own, or a mark it does
not believe, as a conflict, and counts the rest as unmanaged without touching it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

from rolegate.model import marks, naming, policydoc
from rolegate.model.durations import format_duration
from rolegate.model.iam_shapes import tag_list
from rolegate.plan import adoption, ownership
from rolegate.plan.changes import (
    GENERATED_PASSWORD,
    USER_CREDENTIALS_CLEANUP,
    Action,
    Call,
    Change,
    Conflict,
    Plan,
)
from rolegate.plan.compile import (
    Desired,
    DesiredAccount,
    DesiredGroup,
    DesiredPolicy,
    DesiredRole,
    DesiredUser,
)
from rolegate.state.snapshot import (
    AccountState,
    Group,
    ManagedPolicy,
    Role,
    Snapshot,
    User,
    owns_path,
    owns_tagged,
)

# On a user: rolegate made its login profile. The profile itself is read (the hub's credential report); the
# tag says who issued it, so a password rolegate did not make is never taken for one it did.
CONSOLE_TAG = ownership.CONSOLE_TAG
DESCRIPTION = "Managed by rolegate: edit rolegate.yaml, not this"
SERVICE_ROLE_PATH = "/aws-service-role/"

W = TypeVar("W")  # what the file wants
H = TypeVar("H")  # what an account has


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def _short(arn: str) -> str:
    return naming.policy_display_name(arn)


class _Differ:
    def __init__(self, desired: Desired) -> None:
        self.desired = desired
        self.org = desired.org
        self.names = {a.account_id: a.name for a in desired.accounts.values()}
        self.order = {a.account_id: i for i, a in enumerate(desired.accounts.values())}
        self.plan = Plan(accounts={a.name: a.account_id for a in desired.accounts.values()})
        self.users_decided: dict[str, ownership.Decision] = {}  # the account being planned's users

    # -- helpers -----------------------------------------------------------------------------------------
    def add(
        self,
        acct: DesiredAccount,
        action: Action,
        kind: str,
        name: str,
        calls: list[Call],
        summary: str = "",
        details: list[str] | None = None,
    ) -> None:
        self.plan.changes.append(
            Change(
                acct.name, acct.account_id, action, kind, name, summary, tuple(details or ()), tuple(calls)
            )
        )

    def explicit(self, acct: DesiredAccount, kind: str, name: str) -> bool:
        """Adopted by name on the command line (--adopt)."""
        return ownership.adopt_matches(self.desired.adopt_names, acct.name, kind, name)

    def forged(self, acct: DesiredAccount, kind: str, name: str, decision: ownership.Decision) -> None:
        """A rolegate mark on something rolegate would not have made: shown, never touched."""
        if decision.reserved:
            hint = (
                f"rolegate never changes this {kind}; remove the tag if nobody should have set it: aws iam "
                f"untag-{kind} --{kind}-name {name} --tag-keys {naming.OWNER_TAG} (and find who tagged it)"
            )
        else:
            hint = (
                f"if it is rolegate's after all, adopt it: rolegate apply --adopt {kind}/{name} (it keeps "
                f"what it has); if not, remove rolegate's mark from it and find out who set it"
            )
        self.plan.conflicts.append(
            Conflict(
                acct.name,
                kind,
                name,
                f"{kind} {name} in {acct.name} ({acct.account_id}) carries rolegate's mark, but "
                f"{decision.reason}: the mark is not believed and nothing about it is changed",
                hint,
            )
        )

    def conflict(self, acct: DesiredAccount, kind: str, name: str, why: str) -> None:
        self.plan.conflicts.append(
            Conflict(
                acct.name,
                kind,
                name,
                f"{kind} {name} exists in {acct.name} ({acct.account_id}) and rolegate does not own it{why}",
                "rolegate never touches what it does not own: rename it in rolegate.yaml, remove the "
                "hand-made one, or adopt it (organization.adopt: true, which `rolegate import` writes)",
            )
        )

    def role_labels(self, arns: list[str] | tuple[str, ...]) -> str:
        """Role ARNs as people name them, in the file's order of accounts."""
        ordered = sorted(arns, key=lambda a: (self.order.get(naming.account_from_arn(a), 0), a))
        return ", ".join(self.role_label(a) for a in ordered)

    def role_label(self, arn: str) -> str:
        """arn:aws:iam::222…:role/administrator -> administrator@development."""
        account = naming.account_from_arn(arn)
        return f"{naming.name_from_arn(arn)}@{self.names.get(account, account)}"

    def owner_tags(self, **extra: str) -> list[dict[str, str]]:
        tags = {naming.OWNER_TAG: self.org, **extra}
        return tag_list(tags)

    def account(self, acct: DesiredAccount, state: AccountState) -> None:
        """Every change one account needs, kind by kind under the same ownership rule."""
        self.account_settings(acct, state)
        self.users_decided = {u.name: self.user_decision(acct, state, u) for u in state.users.values()}
        self.reconcile(
            acct,
            "role",
            acct.roles,
            state.roles,
            self.role_decision,
            partial(self.create_role, acct),
            partial(self.update_role, acct),
            partial(self.delete_role, acct),
            lambda w, h, e: self.adopt_role(acct, w, h, e),
        )
        self.reconcile(
            acct,
            "policy",
            acct.policies,
            state.policies,
            lambda p: self.policy_decision(acct, state, p),
            partial(self.create_policy, acct),
            partial(self.update_policy, acct),
            partial(self.delete_policy, acct),
            lambda w, h, e: self.adopt_policy(acct, w, h, state),
        )
        groups = self._grants_as_they_are(acct, state)
        self.reconcile(
            acct,
            "group",
            groups,
            state.groups,
            lambda g: self.group_decision(acct, state, g),
            partial(self.create_group, acct),
            lambda w, h: self.update_group(acct, w, h, state),
            lambda h: self.delete_group(acct, h, state),
            lambda w, h, e: self.adopt_group(acct, w, h, state),
        )
        self.reconcile(
            acct,
            "user",
            acct.users,
            state.users,
            lambda u: self.users_decided[u.name],
            partial(self.create_user, acct),
            lambda w, h: self.update_user(acct, w, h, state),
            partial(self.delete_user, acct),
            lambda w, h, e: self.adopt_user(acct, w, h, state, e),
        )
        self.unmanaged(acct, state)
        self.locks(acct, state)

    # -- ownership: plan/ownership.py decides, with what only the plan knows --------------------------------
    def role_decision(self, role: Role) -> ownership.Decision:
        hub_id = self.desired.accounts[self.desired.hub].account_id
        return ownership.role_decision(
            role, org=self.org, hub_id=hub_id, bootstrap_role=self.desired.bootstrap_role
        )

    def user_decision(self, acct: DesiredAccount, state: AccountState, user: User) -> ownership.Decision:
        want = acct.users.get(user.name)
        return ownership.user_decision(
            user,
            org=self.org,
            is_hub=acct.is_hub,
            owned_groups=[g.name for g in state.groups.values() if owns_path(g.path)],
            wanted_groups=want.groups if want is not None else None,
            declared_inline=want.inline_policies if want is not None else (),
        )

    def group_decision(self, acct: DesiredAccount, state: AccountState, group: Group) -> ownership.Decision:
        unknown = [
            m for m in state.members_of(group.name) if m not in acct.users and not self._owned_user(state, m)
        ]
        return ownership.group_decision(
            group, is_hub=acct.is_hub, declared=group.name in acct.groups, unknown_members=unknown
        )

    def policy_decision(
        self, acct: DesiredAccount, state: AccountState, policy: ManagedPolicy
    ) -> ownership.Decision:
        if policy.path != naming.OWNED_PATH:
            return ownership.OWNED if self._adopted_grant(acct, state, policy) else ownership.UNMANAGED
        foreign = [
            f"group {g.name}"
            for g in state.groups.values()
            if policy.arn in g.managed_policies and not owns_path(g.path)
        ]
        foreign += [f"user {u.name}" for u in state.users.values() if policy.arn in u.managed_policies]
        foreign += [f"role {r.name}" for r in state.roles.values() if policy.arn in r.managed_policies]
        return ownership.policy_decision(
            policy, is_hub=acct.is_hub, declared=policy.name in acct.policies, foreign_holders=foreign
        )

    # -- the one rule for every kind ----------------------------------------------------------------------
    def reconcile(
        self,
        acct: DesiredAccount,
        kind: str,
        wanted: Mapping[str, W],
        existing: Mapping[str, H],
        decide: Callable[[H], ownership.Decision],
        create: Callable[[W], None],
        update: Callable[[W, H], None],
        delete: Callable[[H], None],
        adopt: Callable[[W, H, tuple[str, ...]], str | None],
    ) -> None:
        """Create what is missing, update what rolegate owns, delete what it owns and the file dropped.

        A same-named resource rolegate does not own is adopted when the file allows it (organization.adopt, or
        --adopt naming it) and it can be, else a conflict. A mark rolegate does not believe is a conflict
        whether the file declares the resource or not, until --adopt names it; what AWS reserves never moves.
        Anything else not its own is left alone.
        """
        for name, want in wanted.items():
            have = existing.get(name)
            if have is None:
                create(want)
                continue
            decision = decide(have)
            explicit = self.explicit(acct, kind, name) and not decision.reserved
            if decision.owned:
                update(want, have)
            elif decision.ownership == "conflict" and not explicit:
                self.forged(acct, kind, name, decision)
            elif decision.reserved:
                self.conflict(acct, kind, name, f" ({decision.reason})")
            else:
                refusal = adopt(want, have, decision.evidence) if self.desired.adopt or explicit else ""
                if refusal is None:
                    continue
                path = getattr(have, "path", "/")
                why = refusal or (
                    ""
                    if kind in ("role", "user")
                    else f" (its path is {path}, rolegate's is {naming.OWNED_PATH})"
                )
                self.conflict(acct, kind, name, why)
        for name, have in existing.items():
            if name in wanted:
                continue
            decision = decide(have)
            if decision.owned or (
                decision.ownership == "conflict" and not decision.reserved and self.explicit(acct, kind, name)
            ):
                delete(have)
            elif decision.ownership == "conflict":
                self.forged(acct, kind, name, decision)

    # -- account settings --------------------------------------------------------------------------------
    def account_settings(self, acct: DesiredAccount, state: AccountState) -> None:
        if acct.alias and state.alias_read and state.alias != acct.alias:
            calls = [Call("DeleteAccountAlias", {"AccountAlias": state.alias})] if state.alias else []
            calls.append(Call("CreateAccountAlias", {"AccountAlias": acct.alias}))
            action: Action = "update" if state.alias else "create"
            detail = [f"alias: {state.alias} → {acct.alias}"] if state.alias else []
            self.add(acct, action, "account", "alias", calls, acct.alias, detail)
        if acct.password_policy and state.password_policy_read:
            current = state.password_policy or {}
            changed = [
                f"{key}: {current.get(key, '(unset)')} → {value}"
                for key, value in acct.password_policy.items()
                if current.get(key) != value
            ]
            if changed:
                policy_action: Action = "update" if state.password_policy else "create"
                call = Call("UpdateAccountPasswordPolicy", dict(acct.password_policy))
                self.add(
                    acct,
                    policy_action,
                    "account",
                    "password policy",
                    [call],
                    "",
                    changed if state.password_policy else [],
                )

    # -- roles -------------------------------------------------------------------------------------------
    def create_role(self, acct: DesiredAccount, want: DesiredRole) -> None:
        calls = [
            Call(
                "CreateRole",
                {
                    "RoleName": want.name,
                    "AssumeRolePolicyDocument": _json(want.trust_policy),
                    "MaxSessionDuration": want.max_session,
                    "Description": DESCRIPTION,
                    "Tags": self.owner_tags(),
                },
            )
        ]
        calls += [
            Call("AttachRolePolicy", {"RoleName": want.name, "PolicyArn": p}) for p in want.managed_policies
        ]
        calls += self._put_inline("Role", want.name, want.inline_policies)
        parts = [_short(p) for p in want.managed_policies]
        parts += [f"inline {p}" for p in sorted(want.inline_policies)]
        parts += ["MFA" if want.require_mfa else "no MFA", format_duration(want.max_session)]
        self.add(acct, "create", "role", want.name, calls, ", ".join(parts))

    def update_role(self, acct: DesiredAccount, want: DesiredRole, have: Role) -> None:
        calls: list[Call] = []
        details: list[str] = []
        # A lockdown's Deny is not the file's to remove: compare without it, and keep it in any update.
        have_trust = marks.without_lockdown(have.trust_policy)
        if not policydoc.equivalent(want.trust_policy, have_trust):
            trust = marks.with_statements(want.trust_policy, marks.lockdown_statements(have.trust_policy))
            calls.append(
                Call("UpdateAssumeRolePolicy", {"RoleName": want.name, "PolicyDocument": _json(trust)})
            )
            details += [
                "trust policy:",
                *("  " + line for line in policydoc.diff_lines(have_trust, want.trust_policy)),
            ]
        if have.max_session is not None and have.max_session != want.max_session:
            calls.append(Call("UpdateRole", {"RoleName": want.name, "MaxSessionDuration": want.max_session}))
            details.append(
                f"max session: {format_duration(have.max_session)} → {format_duration(want.max_session)}"
            )
        self._attachments("Role", want.name, want.managed_policies, have.managed_policies, calls, details)
        self._inline("Role", want.name, want.inline_policies, have.inline_policies, calls, details)
        if calls:
            self.add(acct, "update", "role", want.name, calls, "", details)

    def delete_role(self, acct: DesiredAccount, have: Role) -> None:
        calls = [
            Call("RemoveRoleFromInstanceProfile", {"RoleName": have.name, "InstanceProfileName": ip})
            for ip in have.instance_profiles
        ]
        calls += [
            Call("DetachRolePolicy", {"RoleName": have.name, "PolicyArn": p}) for p in have.managed_policies
        ]
        calls += [
            Call("DeleteRolePolicy", {"RoleName": have.name, "PolicyName": p}) for p in have.inline_policies
        ]
        calls.append(Call("DeleteRole", {"RoleName": have.name}))
        self.add(acct, "delete", "role", have.name, calls, "no longer in rolegate.yaml")

    @staticmethod
    def _inline(
        kind: str,
        name: str,
        want: Mapping[str, dict[str, Any]],
        have: Mapping[str, dict[str, Any]],
        calls: list[Call],
        details: list[str],
    ) -> None:
        """Inline policies as the file declares them: put what is missing or differs, delete what it does not
        declare (GAAD shows them all; they are as much access as an attached policy). A lockdown's own stays:
        `rolegate restore` takes it away."""
        for policy, document in sorted(want.items()):
            before = have.get(policy)
            if before is not None and policydoc.equivalent(document, before):
                continue
            calls.append(
                Call(
                    f"Put{kind}Policy",
                    {f"{kind}Name": name, "PolicyName": policy, "PolicyDocument": _json(document)},
                )
            )
            if before is None:
                details.append(f"+ inline policy {policy}")
            else:
                details += [
                    f"inline policy {policy}:",
                    *("  " + line for line in policydoc.diff_lines(before, document)),
                ]
        for policy in sorted(set(have) - set(want)):
            if marks.is_lockdown_policy(policy):
                continue
            calls.append(Call(f"Delete{kind}Policy", {f"{kind}Name": name, "PolicyName": policy}))
            details.append(f"- inline policy {policy} (not in rolegate.yaml)")

    @staticmethod
    def _put_inline(kind: str, name: str, want: Mapping[str, dict[str, Any]]) -> list[Call]:
        return [
            Call(f"Put{kind}Policy", {f"{kind}Name": name, "PolicyName": p, "PolicyDocument": _json(d)})
            for p, d in sorted(want.items())
        ]

    @staticmethod
    def _attachments(
        kind: str, name: str, want: tuple[str, ...], have: list[str], calls: list[Call], details: list[str]
    ) -> None:
        for arn in sorted(set(want) - set(have)):
            calls.append(Call(f"Attach{kind}Policy", {f"{kind}Name": name, "PolicyArn": arn}))
            details.append(f"+ policy {_short(arn)}")
        for arn in sorted(set(have) - set(want)):
            calls.append(Call(f"Detach{kind}Policy", {f"{kind}Name": name, "PolicyArn": arn}))
            details.append(f"- policy {_short(arn)}")

    # -- customer managed policies (the grants) -----------------------------------------------------------
    def grant_summary(self, document: dict[str, Any]) -> str:
        resource = document["Statement"][0]["Resource"]
        arns = [resource] if isinstance(resource, str) else resource
        return "may assume " + self.role_labels(arns)

    def create_policy(self, acct: DesiredAccount, want: DesiredPolicy) -> None:
        call = Call(
            "CreatePolicy",
            {
                "PolicyName": want.name,
                "Path": naming.OWNED_PATH,
                "PolicyDocument": _json(want.document),
                "Description": f"Grants of group {want.group}. {DESCRIPTION}",
            },
        )
        self.add(acct, "create", "policy", want.name, [call], self.grant_summary(want.document))

    def update_policy(self, acct: DesiredAccount, want: DesiredPolicy, have: ManagedPolicy) -> None:
        if policydoc.equivalent(want.document, have.document):
            return
        calls: list[Call] = []
        # IAM keeps at most 5 versions of a managed policy: make room by dropping the oldest non-default one.
        others = [v for v in have.versions if v != have.default_version]
        if len(have.versions) >= 5 and others:
            oldest = min(others, key=lambda v: int(v.lstrip("v") or 0))
            calls.append(Call("DeletePolicyVersion", {"PolicyArn": have.arn, "VersionId": oldest}))
        calls.append(
            Call(
                "CreatePolicyVersion",
                {"PolicyArn": have.arn, "PolicyDocument": _json(want.document), "SetAsDefault": True},
            )
        )
        details = ["document:", *("  " + line for line in policydoc.diff_lines(have.document, want.document))]
        self.add(acct, "update", "policy", want.name, calls, self.grant_summary(want.document), details)

    def delete_policy(self, acct: DesiredAccount, have: ManagedPolicy) -> None:
        # Groups that should lose it were detached by their own update or delete, earlier in the plan; one
        # rolegate does not own keeps it attached, and IAM refuses the delete (DeleteConflict) rather than
        # rolegate touching that group.
        calls = [
            Call("DeletePolicyVersion", {"PolicyArn": have.arn, "VersionId": v})
            for v in have.versions
            if v != have.default_version
        ]
        calls.append(Call("DeletePolicy", {"PolicyArn": have.arn}))
        self.add(acct, "delete", "policy", have.name, calls, "no longer granted by any group")

    # -- groups ----------------------------------------------------------------------------------------------
    def group_summary(self, want: DesiredGroup) -> str:
        parts = []
        if want.grants:
            parts.append("may assume " + self.role_labels(want.grants))
        others = [
            _short(p)
            for p in want.managed_policies
            if not p.startswith(self._grant_prefix(want)) and _short(p) not in self._grant_names(want)
        ]
        if others:
            parts.append(", ".join(others))
        return "; ".join(parts)

    def _grant_names(self, want: DesiredGroup) -> set[str]:
        hub = self.desired.accounts[self.desired.hub]
        return {p.name for p in hub.policies.values() if p.group == want.name}

    def _grant_prefix(self, want: DesiredGroup) -> str:
        hub = self.desired.accounts[self.desired.hub].account_id
        return naming.customer_policy_arn(hub, want.name)

    def create_group(self, acct: DesiredAccount, want: DesiredGroup) -> None:
        calls = [Call("CreateGroup", {"GroupName": want.name, "Path": naming.OWNED_PATH})]
        calls += [
            Call("AttachGroupPolicy", {"GroupName": want.name, "PolicyArn": p}) for p in want.managed_policies
        ]
        calls += self._put_inline("Group", want.name, want.inline_policies)
        self.add(acct, "create", "group", want.name, calls, self.group_summary(want))

    def update_group(
        self, acct: DesiredAccount, want: DesiredGroup, have: Group, state: AccountState
    ) -> None:
        calls: list[Call] = []
        details: list[str] = []
        self._attachments("Group", want.name, want.managed_policies, have.managed_policies, calls, details)
        self._inline("Group", want.name, want.inline_policies, have.inline_policies, calls, details)
        # Members the file does not put here are removed, whoever they are: the group is rolegate's, and its
        # membership is who reaches the environments. (Owned users' own changes come with the user.)
        for member in state.members_of(want.name):
            wanted = acct.users.get(member)
            if wanted is None and not self._owned_user(state, member):
                calls.append(Call("RemoveUserFromGroup", {"GroupName": want.name, "UserName": member}))
                details.append(f"- member {member} (not in rolegate.yaml)")
        if calls:
            self.add(acct, "update", "group", want.name, calls, self.group_summary(want), details)

    def _owned_user(self, state: AccountState, name: str) -> bool:
        """rolegate's user, its mark believed (or adopted by name): its own change handles its groups."""
        decided = self.users_decided.get(name)
        if decided is None:
            return False
        return decided.owned or (
            decided.ownership == "conflict" and self.explicit_user(name) and not decided.reserved
        )

    def explicit_user(self, name: str) -> bool:
        return any(
            ownership.adopt_matches(self.desired.adopt_names, account, "user", name)
            for account in self.desired.accounts
        )

    def delete_group(self, acct: DesiredAccount, have: Group, state: AccountState) -> None:
        # Members rolegate owns leave through their own update or delete, earlier in the plan; the others
        # must be taken out here, or IAM refuses to delete the group.
        calls = [
            Call("RemoveUserFromGroup", {"GroupName": have.name, "UserName": u})
            for u in state.members_of(have.name)
            if not self._owned_user(state, u)
        ]
        calls += [
            Call("DetachGroupPolicy", {"GroupName": have.name, "PolicyArn": p}) for p in have.managed_policies
        ]
        calls += [
            Call("DeleteGroupPolicy", {"GroupName": have.name, "PolicyName": p}) for p in have.inline_policies
        ]
        calls.append(Call("DeleteGroup", {"GroupName": have.name}))
        self.add(acct, "delete", "group", have.name, calls, "no longer in rolegate.yaml")

    # -- users -----------------------------------------------------------------------------------------------
    def _login_profile_calls(self, name: str, *, tagged: bool = False) -> list[Call]:
        # The tag goes first: an apply killed between the two calls leaves a tagged user without a password
        # (the next plan issues it), never a password without the tag (which reads as one rolegate did not
        # make).
        tag = [Call("TagUser", {"UserName": name, "Tags": [{"Key": CONSOLE_TAG, "Value": "true"}]})]
        return [
            *([] if tagged else tag),
            Call(
                "CreateLoginProfile",
                {"UserName": name, "Password": GENERATED_PASSWORD, "PasswordResetRequired": True},
                tolerate=("EntityAlreadyExists",),
            ),  # a hand-made one stays: rolegate never resets a password
        ]

    def create_user(self, acct: DesiredAccount, want: DesiredUser) -> None:
        extra = {CONSOLE_TAG: "true"} if want.console else {}
        calls = [Call("CreateUser", {"UserName": want.name, "Tags": self.owner_tags(**extra)})]
        calls += [Call("AddUserToGroup", {"GroupName": g, "UserName": want.name}) for g in want.groups]
        calls += self._put_inline("User", want.name, want.inline_policies)
        if want.console:
            calls += self._login_profile_calls(want.name, tagged=True)
        parts = ["console" if want.console else "CLI only"]
        if want.groups:
            parts.append("in " + ", ".join(want.groups))
        self.add(acct, "create", "user", want.name, calls, ", ".join(parts))

    def update_user(self, acct: DesiredAccount, want: DesiredUser, have: User, state: AccountState) -> None:
        calls: list[Call] = []
        details: list[str] = []
        for group in want.groups:
            if group not in have.groups:
                calls.append(Call("AddUserToGroup", {"GroupName": group, "UserName": want.name}))
                details.append(f"+ in group {group}")
        for group in have.groups:
            if group in want.groups:
                continue
            existing = state.groups.get(group)
            if existing is not None and owns_path(existing.path):
                calls.append(Call("RemoveUserFromGroup", {"GroupName": group, "UserName": want.name}))
                details.append(f"- from group {group}")
            # membership of a group rolegate does not own is left alone
        has_console = have.tags.get(CONSOLE_TAG) == "true"
        if want.console and not has_console:
            calls += self._login_profile_calls(want.name)
            details.append("+ console sign-in (first password generated, shown once)")
        elif want.console and have.login_profile is False and not self._locked_out(have):
            # (A lockdown takes the password away on purpose: `rolegate restore --user` gives a new one.)
            # The tag says rolegate issued one, IAM says there is none (deleted by hand): issue it again.
            calls += self._login_profile_calls(want.name, tagged=True)
            details.append("+ console sign-in (its password was deleted: a new first one, shown once)")
        elif has_console and not want.console:
            calls += [
                Call("DeleteLoginProfile", {"UserName": want.name}, tolerate=("NoSuchEntity",)),
                Call("UntagUser", {"UserName": want.name, "TagKeys": [CONSOLE_TAG]}),
            ]
            details.append("- console sign-in")
        self._inline("User", want.name, want.inline_policies, have.inline_policies, calls, details)
        if calls:
            self.add(acct, "update", "user", want.name, calls, "", details)

    def delete_user(self, acct: DesiredAccount, have: User) -> None:
        calls = [Call("DeleteLoginProfile", {"UserName": have.name}, tolerate=("NoSuchEntity",))]
        calls += [Call("RemoveUserFromGroup", {"GroupName": g, "UserName": have.name}) for g in have.groups]
        calls += [
            Call("DetachUserPolicy", {"UserName": have.name, "PolicyArn": p}) for p in have.managed_policies
        ]
        calls += [
            Call("DeleteUserPolicy", {"UserName": have.name, "PolicyName": p}) for p in have.inline_policies
        ]
        calls.append(Call(USER_CREDENTIALS_CLEANUP, {"UserName": have.name}))
        calls.append(Call("DeleteUser", {"UserName": have.name}))
        self.add(
            acct,
            "delete",
            "user",
            have.name,
            calls,
            "no longer in rolegate.yaml; its keys and MFA devices go too",
        )

    # -- lockdowns: shown, never undone by apply (rolegate restore does that) ---
    def locks(self, acct: DesiredAccount, state: AccountState) -> None:
        found: list[str] = []
        role_locks = [
            lock
            for r in state.roles.values()
            if (lock := marks.role_lock(r.tags, r.trust_policy, r.inline_policies)) is not None
        ]
        if role_locks:
            found.append(f"{role_locks[0].describe()} (rolegate restore {acct.name})")
        for user in sorted(state.users.values(), key=lambda u: u.name):
            lock = marks.user_lock(user.tags, user.inline_policies)
            if lock is not None:
                found.append(f"user {user.name} {lock.describe()} (rolegate restore --user {user.name})")
        if found:
            self.plan.locked[acct.name] = found

    # -- adoption (organization.adopt): see plan/adoption.py -------------------------------------------------
    def _adopt(
        self,
        acct: DesiredAccount,
        kind: str,
        name: str,
        mark: list[Call],
        summary: str,
        update: Callable[[], None],
    ) -> None:
        """One "adopt" change: the ownership mark, then whatever the update rolegate would make once it owns
        the resource (computed by the same code, so the plan after apply is empty)."""
        before = len(self.plan.changes)
        update()
        updates = self.plan.changes[before:]
        del self.plan.changes[before:]
        calls = mark + [c for u in updates for c in u.calls]
        details = [d for u in updates for d in u.details]
        self.add(acct, "adopt", kind, name, calls, summary, details)

    def _accepted(self, tags: dict[str, str], evidence: tuple[str, ...]) -> dict[str, str]:
        """The tag recording what the operator accepted by adopting by name, with what was accepted before."""
        if not evidence:
            return {}
        accepted = sorted(ownership.acknowledged(tags) | set(evidence))
        return {ownership.ADOPTED_TAG: "+".join(accepted)}

    def adopt_role(
        self, acct: DesiredAccount, want: DesiredRole, have: Role, evidence: tuple[str, ...] = ()
    ) -> str | None:
        hub_id = self.desired.accounts[self.desired.hub].account_id
        explicit = self.explicit(acct, "role", have.name)
        refusal = adoption.role_refusal(have, hub_id, self.desired.bootstrap_role, explicit=explicit)
        # What would read as "not rolegate's" once tagged, and which the update does not take away, is what
        # the operator accepts by adopting: recorded, so the next plan believes the tag.
        tagged = replace(have, tags={**have.tags, naming.OWNER_TAG: self.org})
        evidence = tuple(e for e in self.role_decision(tagged).evidence if e != "trust")
        if refusal is None:
            tags = self.owner_tags(**self._accepted(have.tags, evidence))
            mark = [Call("TagRole", {"RoleName": have.name, "Tags": tags})]
            summary = f"hand-made; tagged {naming.OWNER_TAG}={self.org}"
            if evidence:
                summary += f"; kept as it is: {', '.join(evidence)}"
            self._adopt(acct, "role", want.name, mark, summary, lambda: self.update_role(acct, want, have))
        return refusal

    def adopt_policy(
        self, acct: DesiredAccount, want: DesiredPolicy, have: ManagedPolicy, state: AccountState
    ) -> str | None:
        refusal = adoption.policy_refusal(state, have, want.group)
        if refusal is None:
            mark = [Call("TagPolicy", {"PolicyArn": have.arn, "Tags": self.owner_tags()})]
            summary = f"hand-made; {self.grant_summary(want.document)}"
            self._adopt(
                acct, "policy", want.name, mark, summary, lambda: self.update_policy(acct, want, have)
            )
        return refusal

    def adopt_group(
        self, acct: DesiredAccount, want: DesiredGroup, have: Group, state: AccountState
    ) -> str | None:
        # IAM cannot tag groups: the group moves under rolegate's path, keeping its members and policies.
        mark = [Call("UpdateGroup", {"GroupName": have.name, "NewPath": naming.OWNED_PATH})]
        summary = f"hand-made; moved to path {naming.OWNED_PATH}"
        if self.group_summary(want):
            summary += "; " + self.group_summary(want)
        self._adopt(
            acct, "group", want.name, mark, summary, lambda: self.update_group(acct, want, have, state)
        )
        return None

    def adopt_user(
        self,
        acct: DesiredAccount,
        want: DesiredUser,
        have: User,
        state: AccountState,
        evidence: tuple[str, ...] = (),
    ) -> str | None:
        tagged = replace(have, tags={**have.tags, naming.OWNER_TAG: self.org})
        evidence = tuple(self.user_decision(acct, state, tagged).evidence)
        if want.console:  # the adoption tags the password rolegate keeps as the one it issued
            evidence = tuple(e for e in evidence if e != "password")
        tags = self.owner_tags(**self._accepted(have.tags, evidence))
        mark = [Call("TagUser", {"UserName": have.name, "Tags": tags})]
        summary = f"hand-made; tagged {naming.OWNER_TAG}={self.org}"
        if evidence:
            summary += f"; kept as it is: {', '.join(evidence)}"
        self._adopt(acct, "user", want.name, mark, summary, lambda: self.update_user(acct, want, have, state))
        kept = self._credentials_kept(have)
        if kept:
            last = self.plan.changes[-1]
            self.plan.changes[-1] = replace(last, details=(*last.details, kept))
        if want.console:  # the login profile call tolerates an existing one: a password is never reset
            last = self.plan.changes[-1]
            details = tuple(
                "console sign-in: the password there is kept; a first one is made only if there is none"
                if d.startswith("+ console sign-in")
                else d
                for d in last.details
            )
            self.plan.changes[-1] = replace(last, details=details)
        return None

    @staticmethod
    def _locked_out(user: User) -> bool:
        return marks.user_lock(user.tags, user.inline_policies) is not None

    @staticmethod
    def _credentials_kept(have: User) -> str:
        """What an adopted user keeps: rolegate never removes credentials it did not issue."""
        kept = []
        if have.access_keys:
            kept.append(f"{have.access_keys} access key(s)")
        if have.mfa_devices:
            kept.append("its MFA device")
        if have.login_profile and have.tags.get(CONSOLE_TAG) != "true":
            kept.append("its console password")
        if not kept:
            return ""
        return "keeps " + ", ".join(kept) + " (rolegate never removes credentials it did not issue)"

    def _adopted_grant(self, acct: DesiredAccount, state: AccountState, policy: ManagedPolicy) -> bool:
        want = acct.policies.get(policy.name)
        return want is not None and adoption.adopted_grant(state, policy, want.group)

    def _grants_as_they_are(self, acct: DesiredAccount, state: AccountState) -> dict[str, DesiredGroup]:
        """Groups with their grant policies' ARNs as the account has them: an adopted grant policy keeps
        the path it was made with (IAM cannot move a policy), and its name alone identifies it."""
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

    # -- unmanaged ------------------------------------------------------------------------------------------
    def unmanaged(self, acct: DesiredAccount, state: AccountState) -> None:
        found: dict[str, list[str]] = {}
        roles = [
            r.name
            for r in state.roles.values()
            if not owns_tagged(r.tags, self.org) and r.path != SERVICE_ROLE_PATH and r.name not in acct.roles
        ]
        users = [
            u.name
            for u in state.users.values()
            if not owns_tagged(u.tags, self.org) and u.name not in acct.users
        ]
        groups = [
            g.name for g in state.groups.values() if not owns_path(g.path) and g.name not in acct.groups
        ]
        policies = [
            p.name for p in state.policies.values() if not owns_path(p.path) and p.name not in acct.policies
        ]
        for kind, names in (("roles", roles), ("users", users), ("groups", groups), ("policies", policies)):
            if names:
                found[kind] = sorted(names)
        if found:
            self.plan.unmanaged[acct.name] = found


def diff(desired: Desired, snapshot: Snapshot) -> Plan:
    differ = _Differ(desired)
    for name, acct in desired.accounts.items():
        state = snapshot.accounts.get(name)
        if state is None:
            continue  # not read (e.g. --account filter); nothing to decide there
        differ.account(acct, state)
    return differ.plan
