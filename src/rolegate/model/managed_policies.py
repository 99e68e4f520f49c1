"""AWS managed policy names: the list rolegate ships, and the references of rolegate.yaml checked against it.

A misspelt managed policy (`ReadOnlyAcess`) is a valid-looking name that IAM refuses only when apply
attaches it, in every account, after IAM's eventual-consistency retries: so names are checked before. The
list (aws_managed_policies.txt, regenerated from moto's copy of AWS's by scripts/aws_managed_policies.py)
holds names only, with the path as rolegate.yaml writes it (`job-function/ViewOnlyAccess`). AWS adds
policies every month, so a name the list does not know is not yet an error: offline, `validate` warns; at
plan, the name is looked up once in the hub (iam:GetPolicy), and only a name AWS does not have either is an
error (plan_issues).

Pure: no AWS here. The lookup is handed in as a function.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.model.validate import Issue, Loc

LIST_FILE = "aws_managed_policies.txt"
MANAGED_PREFIX = f"arn:{naming.PARTITION}:iam::aws:policy/"

# The answer of a lookup in AWS: True it exists, False AWS has no such policy, None could not tell
# (denied, throttled past the retries, offline): only False makes an error.
Lookup = Callable[[str], bool | None]


@cache
def shipped_names() -> frozenset[str]:
    """Every AWS managed policy name in the list shipped with rolegate, as rolegate.yaml writes them."""
    text = resources.files("rolegate.model").joinpath(LIST_FILE).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def _by_folded() -> dict[str, list[str]]:
    """Names by their lowercase form and by their last part's: `readonlyaccess`, `awslambdabasicexecutionrole`
    (the name written without its `service-role/` path)."""
    index: dict[str, list[str]] = {}
    for name in sorted(shipped_names()):
        index.setdefault(name.lower(), []).append(name)
        base = name.rsplit("/", 1)[-1].lower()
        if base != name.lower():
            index.setdefault(base, []).append(name)
    return index


def managed_name(ref: str) -> str | None:
    """The AWS managed policy a reference means (`ReadOnlyAccess`, `arn:aws:iam::aws:policy/ReadOnlyAccess`),
    as `path/name`; None for a customer managed policy (an ARN in an account)."""
    if not ref.startswith("arn:"):
        return ref.lstrip("/")
    # The field's check (model/names.py) has made sure it is arn:<partition>:iam::<account|aws>:policy/….
    parts = ref.split(":", 5)
    if len(parts) < 6 or parts[4] != "aws" or not parts[5].startswith("policy/"):
        return None
    return parts[5].removeprefix("policy/")


def suggestions(name: str, n: int = 3) -> list[str]:
    """The shipped names closest to `name`: the same one in another case or without its path first, then
    the nearest spellings (of the whole name, and of its last part alone)."""
    folded = name.lstrip("/").lower()
    index = _by_folded()
    found: list[str] = list(index.get(folded, []))
    base = folded.rsplit("/", 1)[-1]
    found += index.get(base, [])
    keys = list(index)
    for key in difflib.get_close_matches(folded, keys, n=n, cutoff=0.75) + difflib.get_close_matches(
        base, keys, n=n, cutoff=0.75
    ):
        found += index[key]
    unique = list(dict.fromkeys(f for f in found if f != name.lstrip("/")))
    return unique[:n]


def did_you_mean(name: str, as_arn: bool = False) -> str | None:
    close = suggestions(name)
    if not close:
        return None
    shown = [f"{MANAGED_PREFIX}{c}" if as_arn else c for c in close]
    return "did you mean " + " or ".join(repr(s) for s in shown) + "?"


@dataclass(frozen=True)
class Reference:
    """One AWS managed policy named in the file, and where."""

    loc: Loc
    ref: str  # as written
    name: str  # path/name


def references(config: Config) -> list[Reference]:
    """Every AWS managed policy reference of the file (roles' and groups' `policies`, roles'
    `permissions_boundary`), in file order."""
    named: list[tuple[Loc, str]] = []
    for name, role in config.roles.items():
        named += [(("roles", name, "policies", i), ref) for i, ref in enumerate(role.policies)]
        if role.permissions_boundary is not None:
            named.append((("roles", name, "permissions_boundary"), role.permissions_boundary))
    for name, group in config.groups.items():
        named += [(("groups", name, "policies", i), ref) for i, ref in enumerate(group.policies)]
    return [Reference(loc, ref, managed) for loc, ref in named if (managed := managed_name(ref)) is not None]


def validate_issues(config: Config) -> list[Issue]:
    """Offline: a name the shipped list does not know is a warning (AWS may have added it since), with
    the closest names. (An ARN that cannot be a policy's is refused with the field, in model/names.py.)"""
    issues = []
    known = shipped_names()
    for reference in references(config):
        if reference.name in known:
            continue
        hint = did_you_mean(reference.name, as_arn=reference.ref.startswith("arn:"))
        issues.append(
            Issue(
                reference.loc,
                f"{reference.ref!r} is not an AWS managed policy rolegate knows; plan asks AWS",
                hint or "AWS's list: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/",
                severity="warning",
            )
        )
    return issues


def plan_issues(config: Config, exists: Lookup) -> list[Issue]:
    """The references AWS does not have either: each name not in the shipped list is looked up once
    (`exists` is given the policy's ARN); an error for every place a missing one is named."""
    known = shipped_names()
    answers: dict[str, bool | None] = {}
    issues = []
    for reference in references(config):
        if reference.name in known:
            continue
        if reference.name not in answers:
            answers[reference.name] = exists(MANAGED_PREFIX + reference.name)
        if answers[reference.name] is not False:
            continue
        hint = did_you_mean(reference.name, as_arn=reference.ref.startswith("arn:"))
        issues.append(
            Issue(
                reference.loc,
                f"AWS has no managed policy {reference.ref!r} (looked up in the hub)",
                (hint + "  " if hint else "")
                + "names are case-sensitive and include their path, e.g. job-function/ViewOnlyAccess",
            )
        )
    return issues
