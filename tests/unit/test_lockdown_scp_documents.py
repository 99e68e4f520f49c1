"""The two documents of `rolegate lockdown --method scp` (model/guardrails.py: lockdown_scp, lockdown_rcp),
run through rolegate's own IAM evaluator. Given the seed's organization with production at 444…, when
production is locked down by control policies, then every principal there is denied every action (sessions
already issued included) and nobody starts a session of production's roles, but rolegate's bootstrap role
still acts and is still assumable, so that restore can come in.

A new API: these tests cannot fail on the pre-fix commit, where the two functions did not exist."""

from __future__ import annotations

import json

import pytest
from tests.builders import IDS

from rolegate.access.policy import Context, evaluate, statements
from rolegate.model.guardrails import MAX_SCP_BYTES, Facts, lockdown_rcp, lockdown_scp

FACTS = Facts(org="demo", bootstrap_role="OrganizationAccountAccessRole")
PRODUCTION = IDS["production"]
HUB = IDS["master"]
BOOTSTRAP = f"arn:aws:iam::{PRODUCTION}:role/OrganizationAccountAccessRole"


def scp_denies(who: str, action: str, resource: str = "*") -> bool:
    document = lockdown_scp(FACTS, PRODUCTION)
    context = Context.of({"aws:PrincipalArn": who})
    return evaluate(statements(document, "lockdown"), action, resource, who, PRODUCTION, context).denied


def rcp_denies(who: str, action: str, role: str) -> bool:
    document = lockdown_rcp(FACTS, PRODUCTION)
    context = Context.of({"aws:PrincipalArn": who})
    resource = f"arn:aws:iam::{PRODUCTION}:role/{role}"
    account = who.split(":")[4] or PRODUCTION
    return evaluate(statements(document, "lockdown"), action, resource, who, account, context).denied


PRODUCTION_PRINCIPALS = [
    f"arn:aws:iam::{PRODUCTION}:role/administrator",
    f"arn:aws:iam::{PRODUCTION}:role/read_only",
    f"arn:aws:iam::{PRODUCTION}:role/deploy",
    f"arn:aws:iam::{PRODUCTION}:role/ci/github-actions",
    f"arn:aws:iam::{PRODUCTION}:user/mallory",
    f"arn:aws:iam::{PRODUCTION}:root",
    f"arn:aws:iam::{PRODUCTION}:role/OrganizationAccountAccessRoleX",  # a look-alike name
    f"arn:aws:iam::{PRODUCTION}:role/evil/OrganizationAccountAccessRole",  # the name at another path
]
ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "iam:CreateUser",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRolePolicy",
    "sts:AssumeRole",
    "ec2:RunInstances",
    "kms:Decrypt",
    "secretsmanager:GetSecretValue",
    "organizations:LeaveOrganization",
    "lambda:InvokeFunction",
]


@pytest.mark.parametrize("who", PRODUCTION_PRINCIPALS)
@pytest.mark.parametrize("action", ACTIONS)
def test_given_production_locked_by_scp_then_its_principals_do_nothing(who: str, action: str) -> None:
    assert scp_denies(who, action)


@pytest.mark.parametrize("action", ACTIONS)
def test_given_production_locked_by_scp_then_rolegate_s_bootstrap_role_still_acts(action: str) -> None:
    assert not scp_denies(BOOTSTRAP, action)


CALLERS = [
    f"arn:aws:iam::{HUB}:user/cobus",
    f"arn:aws:iam::{HUB}:role/rolegate/operator",
    f"arn:aws:iam::{HUB}:root",
    "arn:aws:iam::999999999999:role/vendor",
    f"arn:aws:iam::{PRODUCTION}:role/administrator",
    f"arn:aws:iam::{IDS['development']}:role/administrator",
]
ROLES = ["administrator", "read_only", "deploy", "ci/github-actions", "OrganizationAccountAccessRoleX"]
ASSUME = ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ASSUME)
def test_given_production_locked_by_rcp_then_nobody_starts_a_session_of_its_roles(
    who: str, role: str, action: str
) -> None:
    assert rcp_denies(who, action, role)


@pytest.mark.parametrize("who", CALLERS)
def test_given_production_locked_by_rcp_then_the_bootstrap_role_is_still_assumable(who: str) -> None:
    assert not rcp_denies(who, "sts:AssumeRole", "OrganizationAccountAccessRole")


def test_the_rcp_limits_only_role_sessions_not_other_actions() -> None:
    assert not rcp_denies(f"arn:aws:iam::{HUB}:user/cobus", "s3:GetObject", "administrator")


@pytest.mark.parametrize("render", [lockdown_scp, lockdown_rcp])
def test_each_document_fits_organizations_size_limit(render: object) -> None:
    document = render(FACTS, PRODUCTION)  # type: ignore[operator]
    assert len(json.dumps(document, separators=(",", ":"))) <= MAX_SCP_BYTES
