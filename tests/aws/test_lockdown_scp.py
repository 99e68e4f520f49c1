"""Lockdown by control policies on the moto server (issue 20, item 5): given the seed applied, when the
operator runs `rolegate lockdown --method scp production --yes`, then production carries an SCP and an RCP
tagged rolegate:owner, access analysis of a fresh snapshot finds nobody reaching production's roles but
rolegate's bootstrap role, no role of production was edited and development is untouched; when the operator
runs `rolegate restore production --yes`, then production has no rolegate policy, the policy types rolegate
enabled are disabled again, and access is as before.

moto 5.2.5 stores, attaches and detaches SCPs and RCPs but does not enforce them (MOTO-NOTES.md): what they
allow is decided by rolegate's evaluator, which applies RCPs over a role's account to every way into it.
A new option: on the pre-fix commit (858b91e) every test here fails, `--method` being unknown there."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.helpers import Org, rolegate, seed_applied

from rolegate.respond.journal import state_dir

pytestmark = pytest.mark.aws

BOOTSTRAP = "OrganizationAccountAccessRole"
REACHES = ("yes", "conditional")  # "denied" rows are ways in an explicit Deny refuses
CONTROL = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")


def access_rows(org: Org, capsys: pytest.CaptureFixture[str], config: str, name: str) -> list[Any]:
    """Every (principal, account, role, reachable) the access analysis of a fresh snapshot answers."""
    path = org.workdir / f"{name}.json"
    taken = rolegate(capsys, "-c", config, "snapshot", "-o", str(path))
    assert taken.code == 0, taken.all
    answer = rolegate(capsys, "-c", config, "access", "--snapshot", str(path), "--json")
    assert answer.code == 0, answer.all
    rows = json.loads(answer.out)["access"]
    return sorted((r["principal"], r["account"], r["role"], r["reachable"]) for r in rows)


def rolegate_policies(org: Org, account_id: str) -> dict[str, dict[str, str]]:
    """Policy type -> tags of each customer control policy attached to the account."""
    organizations = org.client("organizations")
    found: dict[str, dict[str, str]] = {}
    for policy_type in CONTROL:
        for summary in organizations.list_policies_for_target(TargetId=account_id, Filter=policy_type)[
            "Policies"
        ]:
            if summary["AwsManaged"]:
                continue
            tags = organizations.list_tags_for_resource(ResourceId=summary["Id"])["Tags"]
            found[policy_type] = {t["Key"]: t["Value"] for t in tags}
    return found


def enabled_types(org: Org) -> list[str]:
    root = org.client("organizations").list_roots()["Roots"][0]
    return sorted(t["Type"] for t in root.get("PolicyTypes", []) if t["Status"] == "ENABLED")


def role_documents(org: Org, name: str) -> dict[str, Any]:
    """Each role of the account with its trust policy and inline policy names: what a trust lockdown edits."""
    iam = org.client("iam", name)
    return {
        r["RoleName"]: (
            r["AssumeRolePolicyDocument"],
            iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"],
        )
        for r in iam.list_roles()["Roles"]
    }


def test_lockdown_by_scp_then_restore_puts_production_back_exactly(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seed_applied(org, capsys)
    production = org.ids["production"]
    types_before = enabled_types(org)
    roles_before = {name: role_documents(org, name) for name in ("production", "development")}
    access_before = access_rows(org, capsys, config, "before")
    assert any(
        row[1] == "production" and row[2] == "administrator" and row[3] in REACHES for row in access_before
    )

    locked = rolegate(
        capsys, "-c", config, "lockdown", "--method", "scp", "production", "--yes", "--reason", "INC-43"
    )

    assert locked.code == 0, locked.all
    assert "production is locked down" in locked.out
    policies = rolegate_policies(org, production)
    assert set(policies) == set(CONTROL)
    for tags in policies.values():
        assert tags["rolegate:owner"] == "demo"
        assert tags["rolegate:lockdown"] == production
    assert enabled_types(org) == sorted(CONTROL)
    assert {name: role_documents(org, name) for name in ("production", "development")} == roles_before
    journal = state_dir() / f"{production}.control.json"
    assert oct(journal.stat().st_mode & 0o777) == "0o600"
    recorded = json.loads(journal.read_text())
    assert sorted(recorded["policies"]) == sorted(CONTROL)
    assert sorted(recorded["enabled"]) == sorted(set(CONTROL) - set(types_before))
    assert recorded["lock"]["reason"] == "INC-43"
    during = access_rows(org, capsys, config, "during")
    into_production = [row for row in during if row[1] == "production" and row[3] in REACHES]
    assert into_production and {row[2] for row in into_production} == {BOOTSTRAP}
    refused = {row[2] for row in during if row[1] == "production" and row[3] == "denied"}
    assert "administrator" in refused  # refused by the RCP, as AWS would
    assert [row for row in during if row[1] != "production"] == [
        row for row in access_before if row[1] != "production"
    ]

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert "production is restored" in restored.out
    assert rolegate_policies(org, production) == {}
    assert enabled_types(org) == types_before
    assert access_rows(org, capsys, config, "after") == access_before
    assert not journal.exists()
    assert list(journal.parent.glob(f"{production}.control.restored-*.json"))


def test_restore_finds_the_lockdown_in_the_policies_tags_when_the_local_journal_is_gone(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seed_applied(org, capsys)
    production = org.ids["production"]
    types_before = enabled_types(org)
    assert rolegate(capsys, "-c", config, "lockdown", "--method", "scp", "production", "--yes").code == 0
    (state_dir() / f"{production}.control.json").unlink()  # the laptop that locked it down is gone

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert rolegate_policies(org, production) == {}
    assert enabled_types(org) == types_before


def test_a_type_another_policy_uses_stays_enabled_on_restore(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seed_applied(org, capsys)
    assert rolegate(capsys, "-c", config, "lockdown", "--method", "scp", "production", "--yes").code == 0
    organizations = org.client("organizations")
    theirs = organizations.create_policy(
        Name="no-leaving",
        Description="someone else's",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
                ],
            }
        ),
    )["Policy"]["PolicySummary"]["Id"]
    organizations.attach_policy(PolicyId=theirs, TargetId=org.ids["development"])

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert "SERVICE_CONTROL_POLICY stays enabled" in restored.out
    assert "SERVICE_CONTROL_POLICY" in enabled_types(org)
    assert [t["TargetId"] for t in organizations.list_targets_for_policy(PolicyId=theirs)["Targets"]] == [
        org.ids["development"]
    ]
    assert rolegate_policies(org, org.ids["production"]) == {}


def test_a_rerun_from_another_machine_makes_no_second_pair(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seed_applied(org, capsys)
    production = org.ids["production"]
    assert rolegate(capsys, "-c", config, "lockdown", "--method", "scp", "production", "--yes").code == 0
    first = sorted(json.loads((state_dir() / f"{production}.control.json").read_text())["policies"].values())
    (state_dir() / f"{production}.control.json").unlink()  # the other machine has no local journal

    again = rolegate(capsys, "-c", config, "lockdown", "--method", "scp", "production", "--yes")

    assert again.code == 0, again.all
    assert "already locked down" in again.out
    organizations = org.client("organizations")
    ours = [
        s["Id"]
        for t in CONTROL
        for s in organizations.list_policies(Filter=t)["Policies"]
        if s["Name"].startswith("rolegate-lockdown-")
    ]
    assert sorted(ours) == first


def test_restore_leaves_a_policy_with_forged_lockdown_tags_alone(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Someone tags their own SCP on production as if it were rolegate's lockdown of another organization:
    restore, reading the account's policies (no local journal), takes away only rolegate's own."""
    config = seed_applied(org, capsys)
    production = org.ids["production"]
    assert rolegate(capsys, "-c", config, "lockdown", "--method", "scp", "production", "--yes").code == 0
    (state_dir() / f"{production}.control.json").unlink()
    organizations = org.client("organizations")
    theirs = organizations.create_policy(
        Name="guard",
        Description="not rolegate's",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}
        ),
        Tags=[
            {"Key": "rolegate:owner", "Value": "someone-else"},
            {"Key": "rolegate:lockdown", "Value": production},
        ],
    )["Policy"]["PolicySummary"]["Id"]
    organizations.attach_policy(PolicyId=theirs, TargetId=production)

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert rolegate_policies(org, production) == {
        "SERVICE_CONTROL_POLICY": {"rolegate:owner": "someone-else", "rolegate:lockdown": production}
    }


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--user", "cobus"), "not a person"),
        (
            ("production", "--keep-open", "arn:aws:iam::123456789012:role/IR"),
            "--keep-open is for --method trust",
        ),
    ],
)
def test_options_scp_cannot_honour_are_refused_before_any_change(
    org: Org, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], said: str
) -> None:
    config = seed_applied(org, capsys)

    refused = rolegate(capsys, "-c", config, "lockdown", "--method", "scp", *args, "--yes")

    assert refused.code != 0
    assert said in refused.all
    assert "Traceback" not in refused.all
    assert rolegate_policies(org, org.ids["production"]) == {}


def test_both_methods_on_one_account_are_both_undone_by_one_restore(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seed_applied(org, capsys)
    production = org.ids["production"]
    roles_before = role_documents(org, "production")
    assert rolegate(capsys, "-c", config, "lockdown", "production", "--yes").code == 0
    assert rolegate(capsys, "-c", config, "lockdown", "--method", "scp", "production", "--yes").code == 0

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert rolegate_policies(org, production) == {}
    assert role_documents(org, "production") == roles_before
    assert "every role as before the lockdown" in restored.out


def test_a_restore_interrupted_after_a_policy_was_deleted_finishes_on_rerun(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seed_applied(org, capsys)
    production = org.ids["production"]
    types_before = enabled_types(org)
    assert rolegate(capsys, "-c", config, "lockdown", "--method", "scp", "production", "--yes").code == 0
    recorded = json.loads((state_dir() / f"{production}.control.json").read_text())
    organizations = org.client("organizations")
    scp = recorded["policies"]["SERVICE_CONTROL_POLICY"]
    organizations.detach_policy(PolicyId=scp, TargetId=production)  # what the first restore got done
    organizations.delete_policy(PolicyId=scp)

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert rolegate_policies(org, production) == {}
    assert enabled_types(org) == types_before
