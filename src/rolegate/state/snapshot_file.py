"""A snapshot file read back: every field of the right type, every policy in IAM's grammar, or a clear error.

A snapshot is passed around (a reviewer's laptop, a CI artifact), so whoever holds it can edit it. What
`access`, `audit` and `plan --snapshot` build on it must then be what `rolegate snapshot` could have
written: the dataclasses of snapshot.py checked field by field (pydantic, from their own annotations, so a
field added there is checked here too), and each policy document in the shape IAM returns (a Statement of
mappings whose Action, Resource, Principal and Condition hold text). Anything else is a SnapshotError that
names the field, never its value.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from rolegate.errors import RolegateError

if TYPE_CHECKING:
    from rolegate.state.snapshot import AccountState, OrganizationState, Snapshot

MAX_PROBLEMS = 5


class SnapshotError(ValueError):
    """The snapshot's data is not what rolegate writes; the message names where."""


def _part(part: Any) -> str:
    # Keys come from the file: one holding ESC or U+202E must not reach the terminal as it is.
    text = str(part)
    return text if text.isascii() and text.isprintable() and len(text) <= 64 else ascii(text)[:66]


def field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + _part(part)
    return out or "(top level)"


@cache
def _account_adapter() -> TypeAdapter[AccountState]:
    from rolegate.state.snapshot import AccountState

    return TypeAdapter(AccountState)


@cache
def _organization_adapter() -> TypeAdapter[OrganizationState | None]:
    from rolegate.state.snapshot import OrganizationState

    return TypeAdapter(OrganizationState | None)


_TOP_TYPES: dict[str, Any] = {  # the fields around the accounts, checked strictly (JSON has no other types)
    "taken_at": str,
    "organization_id": str,
    "aws_managed_policies": dict[str, dict[str, Any]],
    "scps": dict[str, list[list[dict[str, Any]]]],
    "rcps": dict[str, list[list[dict[str, Any]]]],
    "account_order": list[str],
    "accounts": dict[str, dict[str, Any]],
}


@cache
def _top_adapters() -> dict[str, TypeAdapter[Any]]:
    return {key: TypeAdapter(annotation) for key, annotation in _TOP_TYPES.items()}


def _problems(error: ValidationError, prefix: tuple[Any, ...]) -> list[str]:
    found = []
    for err in error.errors(include_url=False)[:MAX_PROBLEMS]:
        found.append(f"{field_path(prefix + tuple(err['loc']))}: {err['msg'].lower()}")
    return found


def _texts(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def document_problem(document: Any) -> tuple[tuple[Any, ...], str] | None:
    """Where a policy document leaves IAM's grammar, and how; None when it keeps to it. Flat, not
    recursive: IAM's grammar is four levels deep and nothing deeper is looked into."""
    if not isinstance(document, dict):
        return (), "a policy document must be a mapping"
    raw = document.get("Statement", [])
    statements = raw if isinstance(raw, list) else [raw]
    for i, st in enumerate(statements):
        at: tuple[Any, ...] = ("Statement", i) if isinstance(raw, list) else ("Statement",)
        if not isinstance(st, dict):
            return at, "a statement must be a mapping"
        for key in ("Sid", "Effect"):
            if key in st and not isinstance(st[key], str):
                return (*at, key), "must be text"
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in st and not _texts(st[key]):
                return (*at, key), "must be text or a list of text"
        for key in ("Principal", "NotPrincipal"):
            principal = st.get(key)
            if principal is None or principal == "*":
                continue
            if not isinstance(principal, dict) or not all(_texts(v) for v in principal.values()):
                return (*at, key), 'must be "*" or a mapping of principal types to text or lists of text'
        condition = st.get("Condition", {})
        if not isinstance(condition, dict):
            return (*at, "Condition"), "must be a mapping of operators"
        for operator, block in condition.items():
            if not isinstance(block, dict):
                return (*at, "Condition", operator), "must be a mapping of condition keys"
            for key, given in block.items():
                values = given if isinstance(given, list) else [given]
                if not all(isinstance(v, str | bool | int | float) for v in values):
                    return (*at, "Condition", operator, key), "must be text, a number, true/false or a list"
    return None


def _documents(account: AccountState) -> list[tuple[tuple[Any, ...], Any]]:
    found: list[tuple[tuple[Any, ...], Any]] = []
    for name, role in account.roles.items():
        found.append((("roles", name, "trust_policy"), role.trust_policy))
        found += [(("roles", name, "inline_policies", k), d) for k, d in role.inline_policies.items()]
    for kind, principals in (("groups", account.groups), ("users", account.users)):
        for name, principal in principals.items():
            found += [((kind, name, "inline_policies", k), d) for k, d in principal.inline_policies.items()]
    found += [(("policies", name, "document"), p.document) for name, p in account.policies.items()]
    return found


def _check_documents(found: list[tuple[tuple[Any, ...], Any]], problems: list[str]) -> None:
    for at, document in found:
        problem = document_problem(document)
        if problem is not None and len(problems) < MAX_PROBLEMS:
            problems.append(f"{field_path(at + problem[0])}: {problem[1]}")


def snapshot_from_json(data: Any) -> Snapshot:
    """The Snapshot a `rolegate snapshot -o` file holds; SnapshotError names the first fields that are not
    what rolegate writes (up to five)."""
    from rolegate.state.snapshot import SNAPSHOT_VERSION, Snapshot

    if not isinstance(data, dict):
        raise SnapshotError("not a rolegate snapshot: the file must hold a JSON object")
    version = data.get("version")
    if type(version) is not int or version != SNAPSHOT_VERSION:
        shown = version if type(version) is int else type(version).__name__
        raise SnapshotError(f"snapshot version {shown}; this rolegate reads {SNAPSHOT_VERSION}")
    if "accounts" not in data:
        raise SnapshotError("not a rolegate snapshot: it has no accounts")
    problems: list[str] = []
    for key, adapter in _top_adapters().items():
        if key in data:
            try:
                adapter.validate_python(data[key], strict=True)
            except ValidationError as exc:
                problems += _problems(exc, (key,))
    if problems:
        raise SnapshotError("; ".join(problems[:MAX_PROBLEMS]))
    raw_accounts: dict[str, Any] = data["accounts"]
    order = [n for n in data.get("account_order", []) if n in raw_accounts]
    accounts = {}
    for name in dict.fromkeys(order + sorted(set(raw_accounts) - set(order))):
        try:
            # Strict, as JSON: lax Python mode would take "3600" for a session length and "yes" for a flag,
            # and strict Python mode wants dataclass instances; the JSON round trip is what the file holds.
            account = _account_adapter().validate_json(json.dumps(raw_accounts[name]), strict=True)
        except ValidationError as exc:
            problems += _problems(exc, ("accounts", name))
            continue
        documents = [(("accounts", name, *at), d) for at, d in _documents(account)]
        _check_documents(documents, problems)
        accounts[name] = account
        if len(problems) >= MAX_PROBLEMS:
            break
    managed = data.get("aws_managed_policies", {})
    _check_documents([(("aws_managed_policies", arn), d) for arn, d in managed.items()], problems)
    scps = data.get("scps", {})
    rcps = data.get("rcps", {})
    _check_documents(
        [
            ((kind, acct, i, j), d)
            for kind, found in (("scps", scps), ("rcps", rcps))
            for acct, levels in found.items()
            for i, level in enumerate(levels)
            for j, d in enumerate(level)
        ],
        problems,
    )
    organization = None
    try:
        organization = _organization_adapter().validate_json(
            json.dumps(data.get("organization")), strict=True
        )
    except ValidationError as exc:
        problems += _problems(exc, ("organization",))
    if organization is not None:
        _check_documents(
            [
                (("organization", "policies", n, "document"), p.document)
                for n, p in organization.policies.items()
            ],
            problems,
        )
    if problems:
        raise SnapshotError("; ".join(problems[:MAX_PROBLEMS]))
    return Snapshot(
        organization=organization,
        accounts=accounts,
        version=version,
        taken_at=data.get("taken_at", ""),
        organization_id=data.get("organization_id", ""),
        aws_managed_policies=managed,
        scps=scps,
        rcps=rcps,
    )


def load_snapshot(path: Path) -> Snapshot:
    """The snapshot file, bounded in size and depth and checked field by field before anything uses it: the
    one way `access`, `audit`, `export` and `plan --snapshot` read a file `rolegate snapshot -o` wrote."""
    from rolegate import limits
    from rolegate.state.snapshot import Snapshot

    try:
        raw = limits.read_bytes(path, limits.SNAPSHOT_BYTES, "a snapshot")
    except FileNotFoundError:
        raise RolegateError(
            f"{path}: no such snapshot", "make one with `rolegate snapshot -o FILE`"
        ) from None
    data = limits.loads_json(raw, str(path), "a snapshot")
    try:
        return Snapshot.from_json(data)
    except ValueError as exc:  # SnapshotError, or a value error of the dataclasses'
        raise RolegateError(f"{path}: {exc}", "take a new one with `rolegate snapshot -o FILE`") from None
