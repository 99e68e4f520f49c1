"""Audit findings as SARIF 2.1.0, for code-scanning dashboards: one rule per check, one result per finding,
the finding's stable id as its fingerprint so a dashboard tracks it across runs.

Where a finding is about something rolegate.yaml declares (a role in one of its accounts, a hub group or user,
an inline policy, the password policy, an account entry), its result points at that entry's line and column
in the file, so a dashboard shows the finding beside the line to change; a finding about something the file
does not declare points at the account's entry, and one about an account the file does not hold (or a local
file) has the account and the resource as logical locations only, never a made-up line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from rolegate import __version__
from rolegate.access.audit import RULES, Finding, command
from rolegate.model.load import Loaded
from rolegate.model.validate import Loc

LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"}
# The rules whose fix is the role's trust: their results point at require_mfa when the file writes it.
_MFA_RULES = frozenset({"RG004", "RG007"})


@dataclass(frozen=True)
class Declared:
    """Where in rolegate.yaml a finding's resource is declared: the entry's path, line and column (1-based).
    `exact` is False when only the account's entry was found, not the resource itself."""

    path: str
    line: int
    column: int
    exact: bool = True

    def label(self, filename: str) -> str:
        return f"{filename}:{self.line}:{self.column}"


@dataclass(frozen=True)
class _Arn:
    account_id: str
    kind: str  # "role", "user", "group", "policy", "root", "account-password-policy", ...
    name: str  # the last part of the resource, path left out
    detail: str  # after '#': an inline policy, an access key, a granted pattern


def _arn(resource: str) -> _Arn | None:
    base, _, detail = resource.partition("#")
    parts = base.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam":
        return None
    kind, _, rest = parts[5].partition("/")
    return _Arn(parts[4], kind, rest.rsplit("/", 1)[-1], detail)


def declared_path(finding: Finding, loaded: Loaded) -> tuple[Loc, bool] | None:
    """The path in rolegate.yaml of what the finding is about, and whether it is the thing itself (True) or
    only its account's entry (False); None when the file holds neither."""
    config = loaded.config
    account = finding.account if finding.account in config.accounts else None
    if account is not None and config.accounts[account].id not in (None, finding.account_id):
        account = None  # the same logical name for another account: not this file's
    arn = _arn(finding.resource)
    if account is None or arn is None:
        return None
    hub = account == config.organization.hub
    loc: Loc | None = None
    if arn.kind == "root":
        loc = ("accounts", account)
    elif arn.kind == "account-password-policy" and hub:
        loc = (
            ("organization", "password_policy") if config.organization.password_policy else ("organization",)
        )
    elif arn.kind == "role" and arn.name in config.roles and account in config.role_accounts(arn.name):
        loc = _within(("roles", arn.name), arn.detail, config.roles[arn.name].inline_policies)
        if finding.rule in _MFA_RULES and "require_mfa" in config.roles[arn.name].model_fields_set:
            loc = ("roles", arn.name, "require_mfa")
    elif arn.kind == "user" and hub and arn.name in config.users:
        loc = _within(("users", arn.name), arn.detail, config.users[arn.name].inline_policies)
    elif arn.kind == "group" and hub and arn.name in config.groups:
        group = config.groups[arn.name]
        loc = _within(("groups", arn.name), arn.detail, group.inline_policies)
        if arn.detail.startswith("arn:") and group.assume:
            loc = ("groups", arn.name, "assume")  # RG014: a granted role that does not exist
    elif arn.kind == "policy" and hub and arn.name in config.groups and config.groups[arn.name].assume:
        loc = ("groups", arn.name, "assume")  # the policy a group's assume: compiles to
    if loc is not None:
        return loc, True
    return ("accounts", account), False


def _within(entry: Loc, detail: str, inline: dict[str, Any]) -> Loc:
    return (*entry, "inline_policies", detail) if detail in inline else entry


def locate(finding: Finding, loaded: Loaded) -> Declared | None:
    found = declared_path(finding, loaded)
    if found is None:
        return None
    loc, exact = found
    line, column, _ = loaded.source.position(loc, at_key=True)
    if line is None or column is None:
        return None
    return Declared(".".join(str(part) for part in loc), line, column, exact)


def _user_locations(finding: Finding, loaded: Loaded, uri: str) -> list[dict[str, Any]]:
    """RG015 names users: each one the file declares, as a related location (the user to give a device)."""
    if finding.rule != "RG015":
        return []
    related: list[dict[str, Any]] = []
    for name in loaded.config.users:
        if command("rolegate", "mfa", "enroll", "--user", name) not in finding.commands:
            continue
        line, column, _ = loaded.source.position(("users", name), at_key=True)
        if line is not None and column is not None:
            related.append(
                {
                    "id": len(related),
                    "message": {"text": f"user {name}"},
                    "physicalLocation": _physical(uri, line, column),
                }
            )
    return related


def _physical(uri: str, line: int | None = None, column: int | None = None) -> dict[str, Any]:
    place: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if line is not None:
        place["region"] = {"startLine": line, "startColumn": column or 1}
    return place


def _location(finding: Finding, loaded: Loaded | None, uri: str | None) -> dict[str, Any]:
    logical = [
        {
            "name": finding.resource.rsplit("/", 1)[-1],
            "fullyQualifiedName": finding.resource,
            "kind": "resource",
        }
    ]
    if finding.account != "local":
        logical.append(
            {
                "name": finding.account,
                "fullyQualifiedName": f"account/{finding.account_id}",
                "kind": "namespace",
            }
        )
    location: dict[str, Any] = {"logicalLocations": logical}
    declared = locate(finding, loaded) if loaded is not None and uri else None
    if declared is not None and uri:
        location["physicalLocation"] = _physical(uri, declared.line, declared.column)
        location["message"] = {"text": declared.path}
    elif finding.account == "local" and finding.resource.startswith("/"):  # RG019: the local AWS config
        location["physicalLocation"] = _physical(PurePosixPath(finding.resource).as_uri())
    return location


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.title.replace("-", " ").split() if word.isalnum()),
        "shortDescription": {"text": rule.title},
        "help": {"text": rule.fix},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[rule.severity], "tags": ["security", "iam"]},
    }


def _result(finding: Finding, loaded: Loaded | None, uri: str | None) -> dict[str, Any]:
    run = f" Run: {'; '.join(finding.commands)}" if finding.commands else ""
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": LEVEL[finding.severity],
        "message": {
            "text": f"{finding.message} ({finding.account} {finding.account_id}). Fix: {finding.fix}.{run}"
        },
        "partialFingerprints": {"rolegateFindingId/v1": finding.id},
        "locations": [_location(finding, loaded, uri)],
        "properties": {
            "severity": finding.severity,
            "account": finding.account,
            "account_id": finding.account_id,
            "commands": list(finding.commands),
        },
    }
    related = _user_locations(finding, loaded, uri) if loaded is not None and uri else []
    if related:
        result["relatedLocations"] = related
    return result


def to_sarif(
    findings: list[Finding], config_uri: str | None = "rolegate.yaml", loaded: Loaded | None = None
) -> dict[str, Any]:
    """`config_uri` is how the dashboard names rolegate.yaml (relative to the repository); `loaded` is that
    file as read, whose line numbers the results point at. Without it, results carry logical locations."""
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "rolegate",
                        "version": __version__,
                        "rules": [_rule(rule_id) for rule_id in RULES],
                    }
                },
                "results": [_result(f, loaded, config_uri) for f in findings],
            }
        ],
    }
