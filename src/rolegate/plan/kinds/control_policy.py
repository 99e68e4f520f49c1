"""Service and resource control policies the file's `guardrails:` keep: a built-in by name or a document of
the file's own, attached to the root, units or accounts. Pure.

Ownership: the owner tag, which only the management account can write (plan/kinds/unit.py says why that is
enough). AWS's own policies (FullAWSAccess, RCPFullAWSAccess) are reserved: never changed, detached or
deleted, whatever the file says. A hand-made policy of a name the file declares is adopted when the file
allows it, else a conflict; one the file does not name is unmanaged, its attachments left as they are.
rolegate detaches its own policies only from targets it knows (the root, units and accounts of the file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from rolegate.model import iam_shapes, marks, naming, policydoc
from rolegate.model.guardrails import BUILT_IN, MAX_SCP_BYTES, Facts
from rolegate.model.names import CONTROL_POLICY
from rolegate.model.organization import FILE_WORDS, Target, content_size
from rolegate.plan import ownership
from rolegate.plan.changes import Call
from rolegate.plan.kinds.base import DESCRIPTION, Context, Edit, document_json, edit, join
from rolegate.plan.kinds.organization_base import of
from rolegate.plan.kinds.unit import SERVICE, parent_id
from rolegate.state.snapshot import ControlPolicy, OrganizationState
from rolegate.words import plural

NAME = "guardrail"
DUPLICATE_ATTACHMENT = "DuplicatePolicyAttachmentException"  # attached already: a rerun
NOT_ATTACHED = "PolicyNotAttachedException"  # detached already: a rerun
OPERATIONS = frozenset(
    {"CreatePolicy", "UpdatePolicy", "DeletePolicy", "AttachPolicy", "DetachPolicy", "TagResource"}
)


@dataclass(frozen=True)
class DesiredControlPolicy:
    name: str
    type: str  # SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY
    document: dict[str, Any]  # ${organization:id} resolved once the organization is read
    description: str
    targets: tuple[Target, ...]

    @property
    def type_word(self) -> str:
        return FILE_WORDS[self.type].replace("_", " ")


def description(want: DesiredControlPolicy) -> str:
    return f"{want.description} {DESCRIPTION}".strip()[:512]


def reference(name: str) -> str:
    """How a call names a policy apply makes earlier in the same run: `<policy NAME>`."""
    return f"<policy {name}>"


def target_id(state: OrganizationState, target: Target) -> str:
    if target.kind == "account":
        return target.account_id
    return parent_id(state, target.name)


def call(operation: str, params: dict[str, Any], *tolerate: str) -> Call:
    return Call(operation, params, tolerate, service=SERVICE)


def _attachments(
    state: OrganizationState, want: DesiredControlPolicy, policy_id: str, attached: list[str]
) -> Edit:
    """Attach where the file says and it is not; detach where it is and the file no longer says (of the
    targets rolegate knows: the root, the file's units and accounts)."""
    wanted = {target_id(state, t): t for t in want.targets}
    known = {state.root_id, *(u.id for u in state.units.values()), *state.parents}
    attach = [
        (call("AttachPolicy", {"PolicyId": policy_id, "TargetId": tid}, DUPLICATE_ATTACHMENT), t.label)
        for tid, t in wanted.items()
        if tid not in attached
    ]
    detach = [
        (call("DetachPolicy", {"PolicyId": policy_id, "TargetId": tid}, NOT_ATTACHED), state.path_of(tid))
        for tid in attached
        if tid not in wanted and tid in known
    ]
    pieces = [edit([c], [f"+ attached to {label}"], "attachments") for c, label in attach]
    pieces += [edit([c], [f"- attached to {label}"], "attachments") for c, label in detach]
    return join(pieces)


def shape(document: dict[str, Any]) -> str:
    """A new document in a line (its statements and its share of Organizations' limit): the whole of it
    is `rolegate guardrails show NAME` for a built-in, rolegate.yaml for the file's own."""
    statements = len(iam_shapes.statement_list(document))
    return f"{plural(statements, 'statement')}, {content_size(document):,} of {MAX_SCP_BYTES:,} characters"


def is_lockdown(policy: ControlPolicy) -> bool:
    """A policy `rolegate lockdown --method scp` made: `rolegate restore`'s to take away, never apply's."""
    return marks.CONTROL_LOCK_TAG in policy.tags


def summary(want: DesiredControlPolicy) -> str:
    return f"{want.type_word}, on " + ", ".join(t.label for t in want.targets)


class ControlPolicyKind:
    name = NAME
    plural = "guardrails"

    def wanted(self, ctx: Context) -> Mapping[str, DesiredControlPolicy]:
        return of(ctx).organization_wanted.policies

    def existing(self, ctx: Context) -> Mapping[str, ControlPolicy]:
        return {n: p for n, p in of(ctx).organization.policies.items() if not is_lockdown(p)}

    def decide(self, ctx: Context, have: ControlPolicy) -> ownership.Decision:
        if have.aws_managed:
            return ownership.Decision("unmanaged", "it is AWS's own policy", (), True)
        return ownership.OWNED if have.tags.get(naming.OWNER_TAG) == ctx.org else ownership.UNMANAGED

    def create(self, ctx: Context, want: DesiredControlPolicy) -> Edit:
        made = call(
            "CreatePolicy",
            {
                "Content": document_json(want.document),
                "Description": description(want),
                "Name": want.name,
                "Type": want.type,
                "Tags": ctx.owner_tags(),
            },
            "DuplicatePolicyException",
        )
        created = edit([made], [f"+ document: {shape(want.document)}"], "document")
        return (created + _attachments(of(ctx).organization, want, reference(want.name), [])).with_summary(
            summary(want)
        )

    def update(self, ctx: Context, want: DesiredControlPolicy, have: ControlPolicy) -> Edit:
        pieces = []
        if not policydoc.equivalent(want.document, have.document) or have.description != description(want):
            params = {
                "PolicyId": have.id,
                "Content": document_json(want.document),
                "Description": description(want),
            }
            lines = [
                "document:",
                *("  " + line for line in policydoc.diff_lines(have.document, want.document)),
            ]
            if policydoc.equivalent(want.document, have.document):
                lines = ["~ description"]
            pieces.append(edit([call("UpdatePolicy", params)], lines, "document"))
        pieces.append(_attachments(of(ctx).organization, want, have.id, have.targets))
        return join(pieces, summary(want))

    def delete(self, ctx: Context, have: ControlPolicy) -> Edit:
        # Detached first from every target (Organizations refuses to delete an attached policy); one attached
        # to a target rolegate does not know is still detached: the policy is rolegate's, and it is going.
        calls = [call("DetachPolicy", {"PolicyId": have.id, "TargetId": t}, NOT_ATTACHED)
                 for t in have.targets]  # fmt: skip
        calls.append(call("DeletePolicy", {"PolicyId": have.id}, "PolicyNotFoundException"))
        return edit(calls, aspect="document").with_summary("dropped from the file")

    def adopt(self, ctx: Context, want: DesiredControlPolicy, have: ControlPolicy) -> Edit | str:
        if have.type != want.type:
            return f" (it is a {FILE_WORDS.get(have.type, have.type)} policy, the file's is {want.type_word})"
        mark = call("TagResource", {"ResourceId": have.id, "Tags": ctx.owner_tags()})
        update = self.update(ctx, want, have)
        return Edit(
            (mark, *update.calls),
            update.details,
            ("owner", *update.aspects),
            "made by hand; " + summary(want),
        )

    def foreign(self, have: ControlPolicy) -> str:
        return " (it has no rolegate:owner tag)"

    def unmanaged(self, ctx: Context) -> list[str]:
        return [
            name
            for name, have in self.existing(ctx).items()
            if not have.aws_managed
            and have.tags.get(naming.OWNER_TAG) != ctx.org
            and name not in of(ctx).organization_wanted.policies
        ]


KIND = ControlPolicyKind()


def cloudformation(want: DesiredControlPolicy, targets: list[Any], org: str) -> dict[str, Any]:
    """AWS::Organizations::Policy's properties (`targets`: ids or Refs)."""
    return {
        "Name": want.name,
        "Type": want.type,
        "Description": description(want),
        "Content": want.document,
        "TargetIds": targets,
        "Tags": [{"Key": naming.OWNER_TAG, "Value": org}],
    }


def terraform(want: DesiredControlPolicy, document: str, org: str) -> dict[str, Any]:
    """aws_organizations_policy's arguments (the attachments are their own resources)."""
    return {
        "name": want.name,
        "type": want.type,
        "description": description(want),
        "content": document,
        "tags": {naming.OWNER_TAG: org},
    }


def imported(
    policy: ControlPolicy, state: OrganizationState, facts: Facts, names_by_id: dict[str, str]
) -> dict[str, Any] | str:
    """A policy of the organization as `guardrails.<name>` writes it, or why it is left out. One with a
    built-in's name and its document (for this organization) is just switched on by name; any other keeps
    its document, the file's account ids in it written as `${account:NAME}`."""
    if policy.aws_managed or is_lockdown(policy):
        return "AWS's own" if policy.aws_managed else "a lockdown's (rolegate restore takes it away)"
    if not CONTROL_POLICY.ok(policy.name):
        return "its name is not one rolegate writes (IAM's characters, up to 128)"
    paths = {state.root_id: "root"} | {u.id: p for p, u in state.units.items()}
    attach = [paths.get(t) or names_by_id.get(t) for t in policy.targets]
    if None in attach or not attach:
        return (
            "it is attached nowhere, or to something not in this file"
            if not attach
            else ("it is attached to a target outside this file's root, units and accounts")
        )
    built_in = BUILT_IN.get(policy.name)
    if built_in is not None:
        regions = _requested_regions(policy.document) or facts.regions
        rendered = built_in.document(replace(facts, regions=regions))
        if not policydoc.equivalent(rendered, policy.document):
            return (
                "it has the name of one of rolegate's guardrails but another document: rename it to import it"
            )
        entry: dict[str, Any] = {"attach": attach}
        if policy.name == "region-allow-list":
            entry["regions"] = list(regions)
        return entry
    text = json.dumps(policy.document)
    for account_id, name in names_by_id.items():
        text = re.sub(rf"(?<![0-9]){account_id}(?![0-9])", f"${{account:{name}}}", text)
    description = policy.description.removesuffix(DESCRIPTION).strip()
    if not description.isprintable():  # a control or bidi character: rolegate.yaml refuses those
        description = ""
    return {
        "type": FILE_WORDS.get(policy.type, "service_control"),
        **({"description": description} if description else {}),
        "attach": attach,
        "document": json.loads(text),
    }


def _requested_regions(document: dict[str, Any]) -> tuple[str, ...]:
    """The regions a region allow-list names (its aws:RequestedRegion condition), in its order."""
    for statement in iam_shapes.statement_list(document):
        for operator in (statement.get("Condition") or {}).values():
            if isinstance(operator, dict) and "aws:RequestedRegion" in operator:
                return tuple(iam_shapes.listed(operator["aws:RequestedRegion"]))
    return ()
