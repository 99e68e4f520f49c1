"""The two documents of `rolegate lockdown --method scp` (model/guardrails.py: lockdown_scp, lockdown_rcp),
run through rolegate's own IAM evaluator. Given the seed's organization with production at 444…, when
production is locked down by control policies, then every principal there is denied every action (sessions
already issued included) and nobody starts a session of production's roles, but rolegate's bootstrap role
still acts and is still assumable, so that restore can come in. And when the local journal is gone, restore
takes away only the policies this organization's rolegate tagged as locking this account: a table of foreign
and forged tags shows the others are left alone.

A new API: on the pre-fix commit (858b91e) this module fails at import, since none of it existed there;
it cannot show an old behaviour wrong, only the new one right."""

from __future__ import annotations

import json

import pytest
from tests.builders import IDS

from rolegate.access.policy import Context, evaluate, statements
from rolegate.model.guardrails import MAX_SCP_BYTES, Facts, lockdown_rcp, lockdown_scp
from rolegate.model.marks import Lock
from rolegate.respond.lockdown import (
    CONTROL_ENABLED_TAG,
    CONTROL_LOCK_TAG,
    ControlLock,
    control_journal_of_policies,
    types_to_disable,
    types_to_enable,
)

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


# -- which attached policies restore takes away when the local journal is gone -----------------------------


SCP, RCP = "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"
OURS = {"rolegate:owner": "demo", CONTROL_LOCK_TAG: PRODUCTION}

# (tags of a policy attached to production) -> whether restore may take it away
FOREIGN_OR_FORGED = [
    {},
    {"rolegate:owner": "demo"},  # rolegate's, but not a lockdown (a guardrail)
    {CONTROL_LOCK_TAG: PRODUCTION},  # no owner
    {"rolegate:owner": "other-org", CONTROL_LOCK_TAG: PRODUCTION},
    {"rolegate:owner": "", CONTROL_LOCK_TAG: PRODUCTION},
    {"rolegate:owner": "Demo", CONTROL_LOCK_TAG: PRODUCTION},
    {"rolegate:owner": "demo ", CONTROL_LOCK_TAG: PRODUCTION},
    {"rolegate:owner": "demo", CONTROL_LOCK_TAG: IDS["development"]},  # another account's lockdown
    {"rolegate:owner": "demo", CONTROL_LOCK_TAG: ""},
    {"rolegate:owner": "demo", CONTROL_LOCK_TAG: PRODUCTION + " "},
    {"rolegate:owner": "demo", CONTROL_LOCK_TAG: "*"},
    {"rolegate:owner": "demo", CONTROL_LOCK_TAG: "yes"},
    {"rolegate:owner": "demo", "rolegate:Lockdown": PRODUCTION},
    {"Rolegate:owner": "demo", CONTROL_LOCK_TAG: PRODUCTION},
    {"rolegate:owner": "demo", f"{CONTROL_LOCK_TAG}:00": PRODUCTION},  # the trust lockdown's journal tags
    {"owner": "demo", "lockdown": PRODUCTION},
    {"rolegate:owner": "*", CONTROL_LOCK_TAG: PRODUCTION},
    {"rolegate:owner": "demo,other", CONTROL_LOCK_TAG: PRODUCTION},
    {CONTROL_ENABLED_TAG: "yes"},
    {"rolegate:owner": "other", CONTROL_LOCK_TAG: PRODUCTION, CONTROL_ENABLED_TAG: "yes"},
]


@pytest.mark.parametrize("tags", FOREIGN_OR_FORGED)
@pytest.mark.parametrize("policy_type", [SCP, RCP])
def test_given_a_policy_rolegate_did_not_make_for_this_lockdown_then_restore_leaves_it(
    tags: dict[str, str], policy_type: str
) -> None:
    assert (
        control_journal_of_policies("demo", "production", PRODUCTION, [("p-theirs", policy_type, tags)])
        is None
    )


def test_given_rolegate_s_two_policies_among_others_then_restore_takes_exactly_those() -> None:
    found = [
        ("p-theirs", SCP, FOREIGN_OR_FORGED[3]),
        ("p-scp", SCP, {**OURS, CONTROL_ENABLED_TAG: "yes"}),
        ("p-rcp", RCP, OURS),
        ("p-other", RCP, FOREIGN_OR_FORGED[7]),
    ]
    journal = control_journal_of_policies("demo", "production", PRODUCTION, found)
    assert journal is not None
    assert journal.policies == {SCP: "p-scp", RCP: "p-rcp"}
    assert journal.enabled == [SCP]


@pytest.mark.parametrize(
    ("root", "wanted"),
    [
        ([], [RCP, SCP]),
        ([{"Type": SCP, "Status": "ENABLED"}], [RCP]),
        ([{"Type": RCP, "Status": "ENABLED"}], [SCP]),
        ([{"Type": SCP, "Status": "ENABLED"}, {"Type": RCP, "Status": "ENABLED"}], []),
        ([{"Type": SCP, "Status": "PENDING_DISABLE"}], [RCP, SCP]),
        ([{"Type": "TAG_POLICY", "Status": "ENABLED"}], [RCP, SCP]),
    ],
)
def test_only_the_types_the_root_lacks_are_enabled(root: list[dict[str, str]], wanted: list[str]) -> None:
    assert types_to_enable(root) == wanted


@pytest.mark.parametrize(
    ("enabled", "elsewhere", "disabled"),
    [
        ([], {}, []),
        ([SCP], {SCP: False}, [SCP]),
        ([SCP], {SCP: True}, []),
        ([SCP, RCP], {SCP: True, RCP: False}, [RCP]),
        ([RCP], {}, [RCP]),
    ],
)
def test_restore_disables_only_types_rolegate_enabled_and_nothing_else_uses(
    enabled: list[str], elsewhere: dict[str, bool], disabled: list[str]
) -> None:
    journal = ControlLock("production", PRODUCTION, Lock("2026-12-04T22:00:00Z", "me"), enabled=enabled)
    found, notes = types_to_disable(journal, elsewhere)
    assert found == disabled
    assert len(notes) == len(enabled) - len(disabled)


def test_the_journal_reads_back_what_it_wrote() -> None:
    journal = ControlLock(
        "production",
        PRODUCTION,
        Lock("2026-12-04T22:00:00Z", "me", "INC-43"),
        [SCP],
        {SCP: "p-1", RCP: "p-2"},
    )
    assert ControlLock.from_json(json.loads(journal.dumps())) == journal
