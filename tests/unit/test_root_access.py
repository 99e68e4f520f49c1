"""Centralized root access (issue 20, item 4): the planned setting of the management account
(plan/kinds/root_access.py) for every state IAM and Organizations can be read in, and the audit's RG034,
which names member accounts whose root user still has credentials while the file says root access is
centralized. Pure: no AWS."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.builders import OrgBuilder, report_row

from rolegate.access.audit import AuditInput, Finding, audit
from rolegate.plan.kinds import root_access
from rolegate.plan.kinds.root_access import FEATURES, OPERATIONS, ROOT_ROW, update
from rolegate.state.snapshot import OrganizationState, Snapshot

BOTH = list(FEATURES)
ENABLED_STATES: list[list[str] | None] = [None, [], ["RootCredentialsManagement"], ["RootSessions"], BOTH]
TRUSTED_STATES: list[bool | None] = [None, False, True]


def ops(enabled: list[str] | None, trusted: bool | None, wanted: str | None = "centralized") -> list[str]:
    return [c.operation for c in update(wanted, enabled, trusted).calls]


# Given the organization as IAM and Organizations answer, when the file says `root_access: centralized`,
# then the plan makes exactly these calls, in this order.
TABLE = [
    # enabled features, trusted access for IAM, the calls
    ([], False, ["EnableAWSServiceAccess", "EnableOrganizationsRootCredentialsManagement",
                 "EnableOrganizationsRootSessions"]),
    ([], True, ["EnableOrganizationsRootCredentialsManagement", "EnableOrganizationsRootSessions"]),
    ([], None, ["EnableAWSServiceAccess", "EnableOrganizationsRootCredentialsManagement",
                "EnableOrganizationsRootSessions"]),
    (["RootCredentialsManagement"], True, ["EnableOrganizationsRootSessions"]),
    (["RootSessions"], True, ["EnableOrganizationsRootCredentialsManagement"]),
    (["RootSessions"], False, ["EnableAWSServiceAccess", "EnableOrganizationsRootCredentialsManagement"]),
    (BOTH, True, []),
    (BOTH, False, []),  # both on: nothing to enable (IAM could not have them on without trust; not ours)
    (BOTH, None, []),
    (["RootSessions", "RootCredentialsManagement"], True, []),  # order of IAM's answer is not a change
    (None, True, ["EnableOrganizationsRootCredentialsManagement", "EnableOrganizationsRootSessions"]),
    (None, False, ["EnableAWSServiceAccess", "EnableOrganizationsRootCredentialsManagement",
                   "EnableOrganizationsRootSessions"]),
    (None, None, ["EnableAWSServiceAccess", "EnableOrganizationsRootCredentialsManagement",
                  "EnableOrganizationsRootSessions"]),
]  # fmt: skip


@pytest.mark.parametrize(("enabled", "trusted", "calls"), TABLE)
def test_centralized_plans_the_missing_enables_in_order(
    enabled: list[str] | None, trusted: bool | None, calls: list[str]
) -> None:
    assert ops(enabled, trusted) == calls


@pytest.mark.parametrize(("enabled", "trusted"), list(itertools.product(ENABLED_STATES, TRUSTED_STATES)))
def test_a_file_without_root_access_leaves_the_feature_alone(
    enabled: list[str] | None, trusted: bool | None
) -> None:
    # Given any state, when the file does not say root_access, then nothing is planned: rolegate never
    # disables what the file does not name.
    assert not update(None, enabled, trusted)
    assert update(None, enabled, trusted).calls == ()


def test_each_call_names_its_service_and_parameters() -> None:
    edit = update("centralized", [], False)
    trust, credentials, sessions = edit.calls
    assert (trust.service, trust.params) == ("organizations", {"ServicePrincipal": "iam.amazonaws.com"})
    assert (credentials.service, credentials.params) == ("iam", {})
    assert (sessions.service, sessions.params) == ("iam", {})
    assert trust.to_json()["service"] == "organizations" and "service" not in sessions.to_json()
    assert edit.aspects == ("root access",)
    assert edit.details == (
        "+ trusted access for IAM (iam.amazonaws.com) in Organizations",
        "+ root credentials management (the management account may delete member accounts' root credentials)",
        "+ root sessions (privileged tasks in member accounts through sts:AssumeRoot)",
    )


def test_a_plan_made_without_reading_says_so_on_each_line() -> None:
    edit = update("centralized", None, None)
    assert all("could not be read" in line for line in edit.details)
    # The IAM model declares no "already enabled" error for the enables: nothing extra is tolerated.
    assert all(c.tolerate == root_access.ALREADY_ENABLED for c in edit.calls)


@given(
    enabled=st.one_of(st.none(), st.lists(st.sampled_from(FEATURES), unique=True)),
    trusted=st.one_of(st.none(), st.booleans()),
)
def test_applying_the_plan_leaves_nothing_to_plan(enabled: list[str] | None, trusted: bool | None) -> None:
    # Given any state, when the planned calls are made (as AWS would: each enable turns its feature on),
    # then planning again finds nothing; and no call is ever outside OPERATIONS or a Disable.
    edit = update("centralized", enabled, trusted)
    have = set(enabled or ())
    trust = trusted
    for call in edit.calls:
        assert call.operation in OPERATIONS
        assert not call.operation.startswith("Disable")
        if call.operation == "EnableAWSServiceAccess":
            trust = True
        else:
            have.add(next(f for f, op in root_access.ENABLE.items() if op == call.operation))
    assert not update("centralized", sorted(have), trust)
    assert root_access.imported(sorted(have)) == "centralized"


def test_import_reads_centralized_only_with_both_features() -> None:
    assert root_access.imported(BOTH) == "centralized"
    assert root_access.imported(["RootCredentialsManagement"]) is None
    assert root_access.imported([]) is None
    assert root_access.imported(None) is None


def test_terraform_block_and_trusted_access() -> None:
    assert root_access.terraform(None) == {}
    assert root_access.service_access_principals(None) == []
    assert root_access.terraform("centralized") == {
        "aws_iam_organizations_features": {
            "root_access": {"enabled_features": ["RootCredentialsManagement", "RootSessions"]}
        }
    }
    block = root_access.terraform("centralized", depends_on=("aws_organizations_organization.this",))
    assert block["aws_iam_organizations_features"]["root_access"]["depends_on"] == [
        "aws_organizations_organization.this"
    ]
    assert root_access.service_access_principals("centralized") == ["iam.amazonaws.com"]


# -- the audit: RG034 -------------------------------------------------------------------------------------

HUB_ID, DEV_ID, PROD_ID = "111111111111", "222222222222", "333333333333"


def root_row(account_id: str, **values: str) -> dict[str, str]:
    return report_row(
        ROOT_ROW, f"arn:aws:iam::{account_id}:root", **{"password_enabled": "not_supported", **values}
    )


def org_with_roots(**rows: dict[str, str]) -> Snapshot:
    """master (the hub and management account), development and production, each root row as given (none:
    a root user with nothing)."""
    built = OrgBuilder({"master": HUB_ID, "development": DEV_ID, "production": PROD_ID}, hub="master")
    for name, state in built.snapshot.accounts.items():
        state.credential_report = [rows.get(name, root_row(state.account_id))]
    return built.snapshot


def rg034(snapshot: Snapshot, root_access: str | None = "centralized") -> list[Finding]:
    extra = AuditInput(hub="master", root_access=root_access)
    return [f for f in audit(snapshot, extra) if f.rule == "RG034"]


# Given a member account's root row as the credential report writes it, RG034 says exactly this.
ROWS = [
    ({}, None),
    ({"password_enabled": "true"}, "a password"),
    ({"password_enabled": "false"}, None),
    ({"password_enabled": "not_supported"}, None),  # AWS's root row: unknown, not named
    ({"access_key_1_active": "true"}, "an access key"),
    ({"access_key_2_active": "true"}, "an access key"),
    ({"access_key_1_active": "true", "access_key_2_active": "true"}, "2 access keys"),
    ({"access_key_1_active": "false", "access_key_2_active": "false"}, None),
    ({"mfa_active": "true"}, "an MFA device"),
    ({"mfa_active": "false"}, None),
    ({"cert_1_active": "true"}, "a signing certificate"),
    ({"cert_1_active": "true", "cert_2_active": "true"}, "2 signing certificates"),
    ({"cert_2_active": "false"}, None),
    ({"mfa_active": "true", "access_key_1_active": "true"}, "an access key and an MFA device"),
    ({"password_enabled": "true", "mfa_active": "true"}, "a password and an MFA device"),
    (
        {"password_enabled": "true", "access_key_1_active": "true", "mfa_active": "true",
         "cert_1_active": "true"},
        "a password, an access key, an MFA device and a signing certificate",
    ),
    ({"access_key_1_active": "TRUE"}, None),  # the report writes lower case; anything else is not "true"
    ({"access_key_1_active": "N/A"}, None),
    ({"mfa_active": ""}, None),
    ({"password_enabled": "yes"}, None),
    ({"access_key_1_last_used_date": "2026-01-01T00:00:00+00:00"}, None),  # used once, not active now
]  # fmt: skip


@pytest.mark.parametrize(("values", "said"), ROWS)
def test_rg034_names_what_a_member_root_still_holds(values: dict[str, str], said: str | None) -> None:
    found = rg034(org_with_roots(production=root_row(PROD_ID, **values)))
    if said is None:
        assert found == []
        return
    (finding,) = found
    assert (finding.account, finding.resource) == ("production", f"arn:aws:iam::{PROD_ID}:root")
    assert (
        finding.message == f"the root user of production still has {said}, though root access is centralized"
    )
    assert finding.commands == ("rolegate root delete-credentials production",)
    assert finding.severity == "HIGH"


def test_rg034_only_when_the_file_centralizes_root_access() -> None:
    snapshot = org_with_roots(development=root_row(DEV_ID, mfa_active="true", access_key_1_active="true"))
    assert [f.account for f in rg034(snapshot)] == ["development"]
    assert rg034(snapshot, root_access=None) == []


def test_rg034_leaves_the_management_account_alone() -> None:
    # Given the hub's root with keys and MFA (its own root user, which AssumeRoot cannot reach), then no RG034
    # there (RG001 still says the keys).
    snapshot = org_with_roots(master=root_row(HUB_ID, mfa_active="true", access_key_1_active="true"))
    assert rg034(snapshot) == []
    # Also when the management account is named by Organizations and not by organization.hub (here
    # development, so master is a member account like any other).
    snapshot.organization = OrganizationState("o-abcdefghij", DEV_ID, "r-abcd")
    extra = AuditInput(hub=None, root_access="centralized")
    snapshot.accounts["development"].credential_report = [root_row(DEV_ID, mfa_active="true")]
    assert [f.account for f in audit(snapshot, extra) if f.rule == "RG034"] == ["master"]


def test_rg034_reads_the_summary_where_the_report_has_no_root_row() -> None:
    # moto's credential report has no <root_account> row; GetAccountSummary still says keys and MFA.
    snapshot = org_with_roots()
    production = snapshot.accounts["production"]
    production.credential_report = []
    production.summary = {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 1}
    (finding,) = rg034(snapshot)
    assert "an access key and an MFA device" in finding.message
    production.summary, production.credential_report = None, None  # not read: nothing said
    assert rg034(snapshot) == []


def test_rg034_quotes_a_hostile_account_name_in_its_command() -> None:
    snapshot = org_with_roots()
    state = snapshot.accounts.pop("production")
    state.name = "prod; rm -rf ~"
    state.credential_report = [root_row(PROD_ID, mfa_active="true")]
    snapshot.accounts[state.name] = state
    (finding,) = rg034(snapshot)
    assert finding.commands == ("rolegate root delete-credentials 'prod; rm -rf ~'",)


def test_root_credentials_json_never_holds_an_id() -> None:
    row = root_row(PROD_ID, access_key_1_active="true", mfa_active="true")
    creds = root_access.root_credentials([row], None)
    assert creds.to_json() == {
        "password": None, "access_keys": 1, "mfa": True, "signing_certificates": 0, "read": True,
    }  # fmt: skip
    assert root_access.root_credentials(None, None).read is False
