"""Audit findings as SARIF 2.1.0, for code-scanning dashboards: one rule per check, one result per finding,
the finding's stable id as its fingerprint so a dashboard tracks it across runs."""

from __future__ import annotations

from typing import Any

from rolegate import __version__
from rolegate.access.audit import RULES, Finding

LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"}


def to_sarif(findings: list[Finding], config_uri: str | None = "rolegate.yaml") -> dict[str, Any]:
    rules = [
        {
            "id": rule.id,
            "name": "".join(
                word.capitalize() for word in rule.title.replace("-", " ").split() if word.isalnum()
            ),
            "shortDescription": {"text": rule.title},
            "help": {"text": rule.fix},
            "defaultConfiguration": {"level": LEVEL[rule.severity]},
            "properties": {
                "security-severity": SECURITY_SEVERITY[rule.severity],
                "tags": ["security", "iam"],
            },
        }
        for rule in RULES.values()
    ]
    results = []
    for f in findings:
        location: dict[str, Any] = {
            "logicalLocations": [{"fullyQualifiedName": f.resource, "kind": "resource"}],
        }
        if config_uri:  # dashboards want a file: the one that describes the organization
            location["physicalLocation"] = {
                "artifactLocation": {"uri": config_uri},
                "region": {"startLine": 1},
            }
        results.append(
            {
                "ruleId": f.rule,
                "level": LEVEL[f.severity],
                "message": {"text": f"{f.message} ({f.account} {f.account_id}). Fix: {f.fix}"},
                "partialFingerprints": {"rolegateFindingId/v1": f.id},
                "locations": [location],
                "properties": {"severity": f.severity, "account": f.account, "account_id": f.account_id},
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "rolegate", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
