"""The audit, rule by rule: given a small organization with one thing wrong, the audit names that thing —
rule, severity, account and resource — with its fix; given the seed done right, it stays quiet about it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from tests.builders import (
    ADMIN,
    HUB,
    MFA,
    PROD,
    doc,
    iam_role,
    iam_user,
    may_assume,
    report_row,
    rolegate_grant,
    trust,
)
from tests.builders import audited_org as org

from rolegate.access.audit import RULES, AuditInput, Finding, at_or_above, audit
from rolegate.access.sarif import to_sarif
from rolegate.state.snapshot import Group, ManagedPolicy, Role, Snapshot, User

FOREIGN = "999999999999"
NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def admin_role(trust_policy: dict[str, Any], name: str = "administrator") -> Role:
    return iam_role(PROD, name, trust_policy, managed=[ADMIN])


def grant(name: str, *resources: str) -> tuple[Group, ManagedPolicy]:
    return rolegate_grant(HUB, name, may_assume(list(resources)))


def cobus(*groups: str, **fields: Any) -> User:
    return iam_user(HUB, "cobus", groups=groups, **fields)


def rules(snapshot: Snapshot, **extra: Any) -> set[str]:
    return {f.rule for f in audit(snapshot, AuditInput(hub="hub", now=NOW, **extra))}


def the_seed_done_right() -> Snapshot:
    group, policy = grant("prod_admin", f"arn:aws:iam::{PROD}:role/administrator")
    return org(
        roles=[admin_role(trust({"AWS": f"arn:aws:iam::{HUB}:root"}, MFA))],
        users=[cobus("prod_admin")],
        groups=[group],
        policies=[policy],
        hub_report=[
            report_row("cobus", f"arn:aws:iam::{HUB}:user/cobus", password_enabled="true", mfa_active="true")
        ],
    )


def test_the_seed_done_right_has_no_finding() -> None:
    assert audit(the_seed_done_right(), AuditInput(hub="hub", now=NOW)) == []


@pytest.mark.parametrize(
    ("rule", "snapshot", "extra"),
    [
        pytest.param("RG004", org(roles=[admin_role(trust({"AWS": HUB}))], users=[cobus("g")],
                     groups=[grant("g", f"arn:aws:iam::{PROD}:role/administrator")[0]],
                     policies=[grant("g", f"arn:aws:iam::{PROD}:role/administrator")[1]]), {},
                     id="admin role reachable without MFA"),
        pytest.param("RG005", org(roles=[admin_role(trust("*"))]), {}, id="trust open to anyone"),
        pytest.param("RG006", org(roles=[admin_role(trust({"AWS": f"arn:aws:iam::{FOREIGN}:root"}))]), {},
                     id="foreign account without ExternalId"),
        pytest.param("RG007", org(roles=[admin_role(trust({"AWS": f"arn:aws:iam::{HUB}:root"}))]), {},
                     id="hub trust without MFA on an admin role"),
        # IAM: "You cannot use the NotPrincipal element in ... an IAM role trust policy": not an open door
        # (it admits no one), an unsupported policy.
        pytest.param("RG023", org(roles=[admin_role(doc({"Effect": "Allow", "NotPrincipal": {"AWS": FOREIGN},
                                                         "Action": "sts:AssumeRole"}))]), {},
                     id="NotPrincipal allow"),
        pytest.param("RG023", org(roles=[admin_role(doc({"Effect": "Deny", "NotPrincipal": {"AWS": HUB},
                                                         "Action": "sts:AssumeRole"}))]), {},
                     id="NotPrincipal deny"),
        pytest.param("RG009", org(users=[cobus(inline={"any": doc(
                     {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})})]), {},
                     id="AssumeRole on every role"),
        pytest.param("RG010", org(users=[cobus(managed=[ADMIN])]), {}, id="policy on a user"),
        pytest.param("RG011", org(users=[cobus(inline={"x": doc()})]), {}, id="inline policy"),
        pytest.param("RG012", org(users=[cobus()], hub_report=[report_row(
                     "cobus", f"arn:aws:iam::{HUB}:user/cobus", access_key_1_active="true",
                     access_key_1_last_rotated="2026-01-01T00:00:00+00:00",
                     access_key_1_last_used_date="2026-11-24T00:00:00+00:00")]), {}, id="old key"),
        pytest.param("RG013", org(users=[cobus()], hub_report=[report_row(
                     "cobus", f"arn:aws:iam::{HUB}:user/cobus", access_key_2_active="true",
                     access_key_2_last_rotated="2026-11-01T00:00:00+00:00",
                     access_key_2_last_used_date="N/A")]), {}, id="unused key"),
        pytest.param("RG014", org(users=[cobus("g")], groups=[grant("g", f"arn:aws:iam::{PROD}:role/x")[0]],
                     policies=[grant("g", f"arn:aws:iam::{PROD}:role/x")[1]]), {},
                     id="grant to a missing role"),
        pytest.param("RG016", org(roles=[iam_role(PROD, "orphan",
                     trust({"AWS": f"arn:aws:iam::{HUB}:root"}, MFA))]), {}, id="role nobody reaches"),
        pytest.param("RG017", org(prod_users=[iam_user(PROD, "bob")]), {},
                     id="user in an environment account"),
        pytest.param("RG018", org(password_policy={"MinimumPasswordLength": 8}),
                     {"wanted_password_policy": {"MinimumPasswordLength": 14}}, id="weaker password policy"),
        pytest.param("RG019", org(), {"aws_config_text": "# mine\n[default]\nregion = eu-west-1\n"},
                     id="a [default] profile"),
    ],
)  # fmt: skip
def test_each_rule_names_what_is_wrong_and_how_to_fix_it(
    rule: str, snapshot: Snapshot, extra: dict[str, Any]
) -> None:
    found = [f for f in audit(snapshot, AuditInput(hub="hub", now=NOW, **extra)) if f.rule == rule]

    assert found, f"{rule} ({RULES[rule].title}) not found"
    assert all(f.severity == RULES[rule].severity and f.fix and f.message for f in found)


def test_root_keys_and_missing_root_mfa_are_critical() -> None:
    snapshot = org()
    snapshot.accounts["prod"].summary = {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1}

    found = audit(snapshot, AuditInput(hub="hub", now=NOW))

    assert {(f.rule, f.account, f.severity) for f in found} >= {
        ("RG001", "prod", "CRITICAL"),
        ("RG002", "prod", "CRITICAL"),
    }


def test_a_console_user_without_mfa_and_a_grant_they_cannot_use() -> None:
    snapshot = the_seed_done_right()
    snapshot.accounts["hub"].credential_report[1]["mfa_active"] = "false"  # type: ignore[index]

    found = rules(snapshot)

    assert found == {"RG003", "RG015"}


def test_ids_are_stable_and_severity_gates_ci() -> None:
    first = audit(org(roles=[admin_role(trust("*"))]), AuditInput(hub="hub", now=NOW))
    again = audit(org(roles=[admin_role(trust("*"))]), AuditInput(hub="hub", now=NOW))

    assert [f.id for f in first] == [f.id for f in again] and len({f.id for f in first}) == len(first)
    assert first[0].severity == "CRITICAL"  # most severe first
    assert at_or_above(first, "critical") and not at_or_above(
        [f for f in first if f.severity == "LOW"], "HIGH"
    )


def test_sarif_has_a_rule_per_check_and_a_fingerprinted_result_per_finding() -> None:
    findings: list[Finding] = audit(org(roles=[admin_role(trust("*"))]), AuditInput(hub="hub", now=NOW))

    sarif = json.loads(json.dumps(to_sarif(findings)))

    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(RULES)
    assert [r["partialFingerprints"]["rolegateFindingId/v1"] for r in run["results"]] == [
        f.id for f in findings
    ]
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}
