"""Managed policies attached to a role, group or user: a set of ARNs on each side. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from rolegate.model import naming
from rolegate.plan.changes import Call
from rolegate.plan.kinds.base import Edit, edit

ASPECT = "policies"


def operations(principal: str) -> frozenset[str]:
    """The calls that attach and detach a Role's, Group's or User's managed policies."""
    return frozenset({f"Attach{principal}Policy", f"Detach{principal}Policy"})


def _call(verb: str, principal: str, name: str, arn: str) -> Call:
    return Call(f"{verb}{principal}Policy", {f"{principal}Name": name, "PolicyArn": arn})


def create(principal: str, name: str, want: Iterable[str]) -> Edit:
    """`principal`: Role, Group or User, as the operation names spell it."""
    return edit([_call("Attach", principal, name, arn) for arn in want], aspect=ASPECT)


def update(principal: str, name: str, want: Iterable[str], have: Iterable[str]) -> Edit:
    wanted, held = set(want), set(have)
    calls: list[Call] = []
    details: list[str] = []
    for arn in sorted(wanted - held):
        calls.append(_call("Attach", principal, name, arn))
        details.append(f"+ policy {naming.policy_display_name(arn)}")
    for arn in sorted(held - wanted):
        calls.append(_call("Detach", principal, name, arn))
        details.append(f"- policy {naming.policy_display_name(arn)}")
    return edit(calls, details, ASPECT)


def delete(principal: str, name: str, have: Iterable[str]) -> list[Call]:
    return [_call("Detach", principal, name, arn) for arn in have]


def policy_ref(arn: str) -> str:
    """How the file names an attached policy: AWS managed ones by name, others by ARN (rolegate import)."""
    prefix = "arn:aws:iam::aws:policy/"
    return arn[len(prefix) :] if arn.startswith(prefix) else arn
