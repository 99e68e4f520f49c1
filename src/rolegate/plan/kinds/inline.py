"""Inline policies of a role, group or user: the file declares them by name, IAM holds them on the
principal. Pure.

Declared ones are put as written; any other is deleted (GAAD shows them all, and they are as much access as
an attached policy) — except a lockdown's own, which `rolegate restore` takes away.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rolegate.model import marks, policydoc
from rolegate.plan.changes import Call
from rolegate.plan.kinds.base import Edit, document_json, edit

ASPECT = "inline policies"
Documents = Mapping[str, dict[str, Any]]


def operations(principal: str) -> frozenset[str]:
    """The calls that put and delete a Role's, Group's or User's inline policies."""
    return frozenset({f"Put{principal}Policy", f"Delete{principal}Policy"})


def _put(principal: str, name: str, policy: str, document: dict[str, Any]) -> Call:
    return Call(
        f"Put{principal}Policy",
        {f"{principal}Name": name, "PolicyName": policy, "PolicyDocument": document_json(document)},
    )


def create(principal: str, name: str, want: Documents) -> Edit:
    """`principal`: Role, Group or User, as the operation names spell it."""
    return edit([_put(principal, name, p, d) for p, d in sorted(want.items())], aspect=ASPECT)


def update(principal: str, name: str, want: Documents, have: Documents) -> Edit:
    calls: list[Call] = []
    details: list[str] = []
    for policy, document in sorted(want.items()):
        before = have.get(policy)
        if before is not None and policydoc.equivalent(document, before):
            continue
        calls.append(_put(principal, name, policy, document))
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
        calls.append(Call(f"Delete{principal}Policy", {f"{principal}Name": name, "PolicyName": policy}))
        details.append(f"- inline policy {policy} (not in rolegate.yaml)")
    return edit(calls, details, ASPECT)


def delete(principal: str, name: str, have: Documents) -> list[Call]:
    return [Call(f"Delete{principal}Policy", {f"{principal}Name": name, "PolicyName": p}) for p in have]


def dropped(details: tuple[str, ...]) -> list[str]:
    """The inline policies an update deletes, from its lines: the hand-added ones drift names first."""
    return [d.split()[3] for d in details if d.startswith("- inline policy ")]


def cloudformation(declared: Documents) -> list[dict[str, Any]]:
    """Declared inline policies as CloudFormation's `Policies` property."""
    return [{"PolicyName": name, "PolicyDocument": declared[name]} for name in sorted(declared)]


def terraform(principal: str, ref: str, name: str, document: str) -> dict[str, Any]:
    """aws_iam_{role,group,user}_policy's arguments; `principal`: role, group or user, `ref` its name."""
    return {principal: ref, "name": name, "policy": document}


def json_values(declared: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The file's inline policies as IAM takes them: plain JSON values (YAML's ints and bools as written)."""
    import json

    return {name: json.loads(json.dumps(doc)) for name, doc in declared.items()}


def importable(have: Documents) -> dict[str, dict[str, Any]]:
    """Inline policies to write into the file, as IAM holds them (key order too); a lockdown's stay out, and
    so does a document the file could not hold (validate would refuse it; IAM normally does too)."""
    return {
        name: have[name]
        for name in sorted(have)
        if not marks.is_lockdown_policy(name) and not policydoc.identity_policy_problems(have[name])
    }


def unwritable(have: Documents) -> list[str]:
    """The inline policies `rolegate import` cannot write into the file (named in a comment instead)."""
    return sorted(
        name
        for name, document in have.items()
        if not marks.is_lockdown_policy(name) and policydoc.identity_policy_problems(document)
    )
