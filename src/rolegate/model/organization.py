"""The organization as rolegate.yaml shapes it: the unit tree, where each account goes, and what each
guardrail is attached to and says. Pure: the file's words to plain values, and the problems in them.

A guardrail attaches to `root`, to a unit by its path (`Environments/Production`) or to an account by its
name in the file. Its document may name accounts as `${account:production}` (their ids) and the
organization as `${organization:id}` (known once Organizations is read: plan time).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rolegate.model.config import ROOT, Config, Guardrail
from rolegate.model.guardrails import BUILT_IN, MAX_SCP_BYTES, Facts

SERVICE_CONTROL = "SERVICE_CONTROL_POLICY"
RESOURCE_CONTROL = "RESOURCE_CONTROL_POLICY"
TYPES = {"service_control": SERVICE_CONTROL, "resource_control": RESOURCE_CONTROL}
FILE_WORDS = {v: k for k, v in TYPES.items()}

REFERENCE_RE = re.compile(r"\$\{(account|organization):([A-Za-z0-9_-]*)\}")
ORGANIZATION_ID = "${organization:id}"


def unit_paths(tree: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """Every unit of the tree as its path, each parent before its children."""
    for name, children in tree.items():
        path = f"{prefix}{name}"
        yield path
        yield from unit_paths(children or {}, f"{path}/")


def parent_of(path: str) -> str:
    """The unit a unit is in, or root."""
    return path.rsplit("/", 1)[0] if "/" in path else ROOT


@dataclass(frozen=True)
class Target:
    """Where a guardrail attaches: the root, a unit (by path) or an account (by its name and id)."""

    kind: str  # root, unit, account
    name: str  # root, the unit's path, the account's name
    account_id: str = ""

    @property
    def label(self) -> str:
        return "root" if self.kind == "root" else f"{self.kind} {self.name}"


def target_of(config: Config, word: str) -> Target | None:
    """What an `attach:` entry names, or None when it names nothing of the file."""
    if word == ROOT:
        return Target("root", ROOT)
    if word in set(unit_paths(config.organization.units)):
        return Target("unit", word)
    account = config.accounts.get(word)
    if account is not None:
        return Target("account", word, account.id or "")
    return None


def policy_type(name: str, guardrail: Guardrail) -> str:
    built_in = BUILT_IN.get(name)
    if guardrail.type is not None:
        return TYPES[guardrail.type]
    return built_in.kind if built_in is not None else SERVICE_CONTROL


def facts(config: Config, name: str, guardrail: Guardrail, organization_id: str = "") -> Facts:
    org = config.organization
    regions = tuple(guardrail.regions) if guardrail.regions else (org.region,)
    return Facts(org.name, org.bootstrap_role, regions, organization_id or ORGANIZATION_ID)


def document_of(config: Config, name: str, guardrail: Guardrail) -> dict[str, Any]:
    """The guardrail's document with accounts resolved; `${organization:id}` is left for plan time."""
    built_in = BUILT_IN.get(name)
    if guardrail.document is None and built_in is not None:
        return built_in.document(facts(config, name, guardrail))
    document = guardrail.document or {}
    ids = {key: acct.id for key, acct in config.accounts.items() if acct.id}

    def resolve(match: re.Match[str]) -> str:
        what, value = match.groups()
        if what == "account" and value in ids:
            return str(ids[value])
        return match.group(0)

    return json.loads(REFERENCE_RE.sub(resolve, json.dumps(document)))  # type: ignore[no-any-return]


def with_organization_id(document: dict[str, Any], organization_id: str) -> dict[str, Any]:
    """`${organization:id}` made the organization's id, once it is known."""
    text = json.dumps(document)
    if ORGANIZATION_ID not in text or not organization_id:
        return document
    return json.loads(text.replace(ORGANIZATION_ID, organization_id))  # type: ignore[no-any-return]


def content_size(document: dict[str, Any]) -> int:
    """What Organizations counts against its 5,120-character limit: the document without spaces."""
    return len(json.dumps(document, separators=(",", ":")))


Problem = tuple[tuple[str | int, ...], str, str | None]  # where, what, hint


def problems(config: Config) -> list[Problem]:
    """Every cross-reference problem of the organization's part of the file, in file order."""
    found: list[Problem] = []
    paths = list(unit_paths(config.organization.units))
    for name, account in config.accounts.items():
        if account.unit is not None and account.unit != ROOT and account.unit not in paths:
            known = ", ".join(paths) if paths else "none: declare them under organization.units"
            found.append(
                (("accounts", name, "unit"), f"unknown unit {account.unit!r}", f"known units: {known}")
            )
    for path in paths:
        if path in config.accounts:
            found.append(
                (
                    ("organization", "units"),
                    f"unit {path!r} has the name of an account, so `attach: [{path}]` would name both",
                    "rename the unit or the account",
                )
            )
    for name, guardrail in config.guardrails.items():
        found += _guardrail_problems(config, name, guardrail)
    return found


def _guardrail_problems(config: Config, name: str, guardrail: Guardrail) -> list[Problem]:
    at: tuple[str | int, ...] = ("guardrails", name)
    built_in = BUILT_IN.get(name)
    found: list[Problem] = []
    has_document = guardrail.document is not None or guardrail.document_file is not None
    if built_in is not None and has_document:
        found.append(
            (
                (*at, "document"),
                f"{name} is one of rolegate's guardrails: its document is rolegate's, not the file's",
                "remove document, or give your own policy another name",
            )
        )
    elif built_in is not None and guardrail.type is not None and TYPES[guardrail.type] != built_in.kind:
        found.append(((*at, "type"), f"{name} is a {FILE_WORDS[built_in.kind]} policy", "remove type"))
    elif built_in is None and not has_document:
        known = ", ".join(BUILT_IN)
        found.append(
            (at, f"{name} is not a guardrail rolegate ships and has no document", f"built-in ones: {known}")
        )
    elif built_in is None and guardrail.type is None:
        found.append(((*at, "type"), "a guardrail of your own says its type", "type: service_control"))
    if guardrail.regions is not None and name != "region-allow-list":
        found.append(((*at, "regions"), "only region-allow-list takes regions", "remove regions"))
    for i, word in enumerate(guardrail.attach):
        if target_of(config, word) is None:
            found.append(
                ((*at, "attach", i), f"{word!r} is not root, a unit or an account of the file", None)
            )
    if guardrail.document is not None:
        for what, value in REFERENCE_RE.findall(json.dumps(guardrail.document)):
            if (what == "account" and value not in config.accounts) or (
                what == "organization" and value != "id"
            ):
                found.append(
                    (
                        (*at, "document"),
                        f"${{{what}:{value}}} names nothing",
                        "use ${account:NAME} or ${organization:id}",
                    )
                )
            elif what == "account" and config.accounts[value].id is None:
                found.append(((*at, "document"), f"account {value} has no id yet", "add its id"))
        size = content_size(document_of(config, name, guardrail))
        if size > MAX_SCP_BYTES:
            found.append(
                (
                    (*at, "document"),
                    f"the document is {size} characters; Organizations takes {MAX_SCP_BYTES}",
                    None,
                )
            )
    return found
