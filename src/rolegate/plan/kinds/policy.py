"""The grant policies: one customer managed policy per group (per chunk of its grants) in the hub, allowing
sts:AssumeRole on the roles the group's `assume:` names — the seed's hand-written policy, exact. Pure.

Ownership: the path /rolegate/; a hand-made grant adopted keeps its path (IAM cannot move a policy) and is
rolegate's when the file declares it and it is attached to the group it belongs to (plan/adoption.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rolegate.model import naming, policydoc
from rolegate.model.config import Config
from rolegate.model.grants import grant_documents, grant_policy_name
from rolegate.plan import adoption, ownership
from rolegate.plan.changes import Call
from rolegate.plan.kinds.base import DESCRIPTION, Context, Edit, document_json, edit
from rolegate.plan.kinds.base import adoption as adopted
from rolegate.state.snapshot import ManagedPolicy, owns_path

NAME = "policy"
MAX_VERSIONS = 5  # IAM keeps at most five versions of a managed policy


@dataclass(frozen=True)
class DesiredPolicy:
    name: str
    arn: str
    document: dict[str, Any]
    group: str  # the group whose grants it carries


def description(want: DesiredPolicy) -> str:
    return f"Grants of group {want.group}. {DESCRIPTION}"


def compile_grants(config: Config, group: str, hub_id: str) -> list[DesiredPolicy]:
    """The group's grant policies, as many as IAM's size limit needs."""
    return [
        DesiredPolicy(name, naming.customer_policy_arn(hub_id, name), document, group)
        for i, document in enumerate(grant_documents(config, group))
        for name in [grant_policy_name(group, i)]
    ]


def granted(want: DesiredPolicy) -> list[str]:
    """The role ARNs the policy lets its group assume."""
    resource = want.document["Statement"][0]["Resource"]
    return [resource] if isinstance(resource, str) else list(resource)


def summary(ctx: Context, want: DesiredPolicy) -> str:
    return "may assume " + ctx.role_labels(granted(want))


def arn_made_by(account_id: str, params: dict[str, Any]) -> str:
    """The ARN CreatePolicy gives a policy of these parameters."""
    return f"arn:aws:iam::{account_id}:policy{params.get('Path', '/')}{params['PolicyName']}"


def made_by(call: Call, default_document: Any) -> bool:
    """The policy a refused CreatePolicy found is the one it made: its default version is the call's."""
    return policydoc.equivalent(default_document, call.params["PolicyDocument"])


OPERATIONS = frozenset(
    {"CreatePolicy", "CreatePolicyVersion", "DeletePolicyVersion", "TagPolicy", "DeletePolicy"}
)


class PolicyKind:
    name = NAME
    plural = "policies"

    def wanted(self, ctx: Context) -> Mapping[str, DesiredPolicy]:
        return ctx.acct.policies

    def existing(self, ctx: Context) -> Mapping[str, ManagedPolicy]:
        return ctx.state.policies

    def decide(self, ctx: Context, have: ManagedPolicy) -> ownership.Decision:
        state = ctx.state
        if have.path != naming.OWNED_PATH:
            want = ctx.acct.policies.get(have.name)
            ours = want is not None and adoption.adopted_grant(state, have, want.group)
            return ownership.OWNED if ours else ownership.UNMANAGED
        foreign = [
            f"group {g.name}"
            for g in state.groups.values()
            if have.arn in g.managed_policies and not owns_path(g.path)
        ]
        foreign += [f"user {u.name}" for u in state.users.values() if have.arn in u.managed_policies]
        foreign += [f"role {r.name}" for r in state.roles.values() if have.arn in r.managed_policies]
        return ownership.policy_decision(
            have, is_hub=ctx.acct.is_hub, declared=have.name in ctx.acct.policies, foreign_holders=foreign
        )

    def create(self, ctx: Context, want: DesiredPolicy) -> Edit:
        call = Call(
            "CreatePolicy",
            {
                "PolicyName": want.name,
                "Path": naming.OWNED_PATH,
                "PolicyDocument": document_json(want.document),
                "Description": description(want),
            },
        )
        return edit([call], aspect="document").with_summary(summary(ctx, want))

    def update(self, ctx: Context, want: DesiredPolicy, have: ManagedPolicy) -> Edit:
        if policydoc.equivalent(want.document, have.document):
            return Edit()
        calls: list[Call] = []
        # Make room for the new version by dropping the oldest non-default one.
        others = [v for v in have.versions if v != have.default_version]
        if len(have.versions) >= MAX_VERSIONS and others:
            oldest = min(others, key=lambda v: int(v.lstrip("v") or 0))
            calls.append(Call("DeletePolicyVersion", {"PolicyArn": have.arn, "VersionId": oldest}))
        calls.append(
            Call(
                "CreatePolicyVersion",
                {"PolicyArn": have.arn, "PolicyDocument": document_json(want.document), "SetAsDefault": True},
            )
        )
        details = ["document:", *("  " + line for line in policydoc.diff_lines(have.document, want.document))]
        return edit(calls, details, "document").with_summary(summary(ctx, want))

    def delete(self, ctx: Context, have: ManagedPolicy) -> Edit:
        # Groups that should lose it were detached by their own update or delete, earlier in the plan; one
        # rolegate does not own keeps it attached, and IAM refuses the delete (DeleteConflict) rather than
        # rolegate touching that group.
        calls = [
            Call("DeletePolicyVersion", {"PolicyArn": have.arn, "VersionId": v})
            for v in have.versions
            if v != have.default_version
        ]
        calls.append(Call("DeletePolicy", {"PolicyArn": have.arn}))
        return edit(calls).with_summary("no longer granted by any group")

    def adopt(self, ctx: Context, want: DesiredPolicy, have: ManagedPolicy) -> Edit | str:
        refusal = adoption.policy_refusal(ctx.state, have, want.group)
        if refusal is not None:
            return refusal
        mark = Call("TagPolicy", {"PolicyArn": have.arn, "Tags": ctx.owner_tags()})
        return adopted([mark], f"hand-made; {summary(ctx, want)}", self.update(ctx, want, have))

    def foreign(self, have: ManagedPolicy) -> str:
        return f" (its path is {have.path}, rolegate's is {naming.OWNED_PATH})"

    def unmanaged(self, ctx: Context) -> list[str]:
        return [
            p.name
            for p in ctx.state.policies.values()
            if not owns_path(p.path) and p.name not in ctx.acct.policies
        ]


KIND = PolicyKind()


def cloudformation(want: DesiredPolicy) -> dict[str, Any]:
    """AWS::IAM::ManagedPolicy's properties."""
    return {
        "ManagedPolicyName": want.name,
        "Path": naming.OWNED_PATH,
        "Description": description(want),
        "PolicyDocument": want.document,
    }


def terraform(want: DesiredPolicy, document: Callable[[dict[str, Any]], str]) -> dict[str, Any]:
    """aws_iam_policy's arguments."""
    return {
        "name": want.name,
        "path": naming.OWNED_PATH,
        "description": description(want),
        "policy": document(want.document),
    }
