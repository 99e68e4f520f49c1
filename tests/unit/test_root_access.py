"""Centralized root access (issue 20, item 4): the planned setting of the management account
(plan/kinds/root_access.py) for every state IAM and Organizations can be read in, and the audit's RG034,
which names member accounts whose root user still has credentials while the file says root access is
centralized. Pure: no AWS."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rolegate.plan.kinds import root_access
from rolegate.plan.kinds.root_access import FEATURES, OPERATIONS, update

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
