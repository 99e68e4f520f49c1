"""Taking over a hand-made setup: given the seed's organization set up by hand in the console (as the
article clicks it), when cobus runs `rolegate import`, then the file it writes validates, the plan on it
only adopts (nothing created or deleted), apply makes the next plan empty, and what rolegate cannot express
is named in a comment and left exactly as it was. `rolegate drift` then names what someone changes by hand.

Runs against moto on 127.0.0.1. moto does not enforce trust policies or MFA: the tests check the documents
rolegate reads and writes; what those documents allow is the evaluator's own tests' business. moto 5.2.5
ignores UpdateGroup's NewPath unless the group is renamed too; the embedded endpoint (aws/moto_local.py) is
taught AWS's behaviour, which adopting a group relies on.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.conftest import Org
from tests.helpers import rolegate

pytestmark = pytest.mark.aws

SPOKES = ("development", "staging", "production")


def console_trust(hub_id: str, *, mfa: bool = True) -> dict[str, Any]:
    """What the console's "Role for cross-account access" with "Require MFA" writes."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{hub_id}:root"},
        "Action": "sts:AssumeRole",
    }
    if mfa:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def grant(account_id: str) -> str:
    """The article's policy, exactly as it is pasted: one statement, a single Resource."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{account_id}:role/administrator",
            },
        }
    )


def click_the_seed_together(org: Org) -> None:
    """The article, by hand: the alias, two grant policies, three groups, cobus with a password and keys,
    and an `administrator` role with AdministratorAccess and Require MFA in each environment."""
    hub = org.client("iam")
    hub.create_account_alias(AccountAlias="demo-master")
    for env in ("development", "production"):
        hub.create_policy(
            PolicyName=f"{env}_administrator",
            PolicyDocument=grant(org.ids[env]),
            Description=f"Allows assuming the {env} administration role on the {env} account.",
        )
        hub.create_group(GroupName=f"{env}_administrator")
        hub.attach_group_policy(
            GroupName=f"{env}_administrator",
            PolicyArn=f"arn:aws:iam::{org.hub_id}:policy/{env}_administrator",
        )
    hub.create_group(GroupName="master_administrator")
    hub.attach_group_policy(
        GroupName="master_administrator", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    hub.create_user(UserName="cobus")
    hub.create_access_key(UserName="cobus")
    hub.create_login_profile(UserName="cobus", Password="Hand-made-Passw0rd!")
    for group in ("development_administrator", "production_administrator", "master_administrator"):
        hub.add_user_to_group(GroupName=group, UserName="cobus")
    for env in ("development", "production"):
        iam = org.client("iam", env)
        iam.create_role(
            RoleName="administrator", AssumeRolePolicyDocument=json.dumps(console_trust(org.hub_id))
        )
        iam.attach_role_policy(
            RoleName="administrator", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        )


def test_import_writes_a_file_that_validates_and_plans_adoption_only_then_apply_leaves_nothing_to_do(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    click_the_seed_together(org)
    path = str(org.workdir / "rolegate.yaml")
    passwords = org.workdir / "passwords.txt"

    imported = rolegate(capsys, "import", "-o", path)
    validated = rolegate(capsys, "-c", path, "validate")
    plan = rolegate(capsys, "-c", path, "plan", "--detailed-exitcode")
    applied = rolegate(capsys, "-c", path, "apply", "--yes", "--password-out", str(passwords))
    again = rolegate(capsys, "-c", path, "plan", "--detailed-exitcode")

    assert imported.code == 0, imported.all
    assert validated.code == 0, validated.all
    # Adoption only: every hand-made resource is named with `=`, nothing is created, changed or deleted.
    assert plan.code == 2, plan.all
    assert "Plan: 0 to create, 8 to adopt, 0 to change, 0 to delete." in plan.out
    adopted = sorted(
        line.split("(")[0].strip() for line in plan.out.splitlines() if line.strip().startswith("= ")
    )
    assert adopted == [
        "= group development_administrator",
        "= group master_administrator",
        "= group production_administrator",
        "= policy development_administrator",
        "= policy production_administrator",
        "= role administrator",
        "= role administrator",
        "= user cobus",
    ]
    assert not [
        line
        for line in plan.out.splitlines()
        if line.strip().startswith(("+ ", "- ", "~ ", "! ")) and not line.startswith("        ")
    ]
    assert applied.code == 0, applied.all
    assert again.code == 0, again.all
    assert "No changes." in again.out


def test_adoption_keeps_what_people_use_cobus_password_keys_groups_and_the_role_arns(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    click_the_seed_together(org)
    hub, dev = org.client("iam"), org.client("iam", "development")
    keys = hub.list_access_keys(UserName="cobus")["AccessKeyMetadata"]
    role_arn = dev.get_role(RoleName="administrator")["Role"]["Arn"]
    path = str(org.workdir / "rolegate.yaml")
    passwords = org.workdir / "passwords.txt"

    assert rolegate(capsys, "import", "-o", path).code == 0
    applied = rolegate(capsys, "-c", path, "apply", "--yes", "--password-out", str(passwords))

    assert applied.code == 0, applied.all
    assert not passwords.exists()  # the hand-made password was kept: no first password was made
    assert hub.get_login_profile(UserName="cobus")["LoginProfile"]["UserName"] == "cobus"
    assert hub.list_access_keys(UserName="cobus")["AccessKeyMetadata"] == keys
    groups = {g["GroupName"]: g["Path"] for g in hub.list_groups_for_user(UserName="cobus")["Groups"]}
    assert groups == dict.fromkeys(
        ("development_administrator", "production_administrator", "master_administrator"), "/rolegate/"
    )
    # The grant policy stays where it was made (IAM cannot move a policy), now rolegate's document.
    arn = f"arn:aws:iam::{org.hub_id}:policy/development_administrator"
    policy = hub.get_policy(PolicyArn=arn)["Policy"]
    document = hub.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"][
        "Document"
    ]
    assert document["Statement"][0]["Resource"] == role_arn
    assert {t["Key"]: t["Value"] for t in hub.list_policy_tags(PolicyArn=arn)["Tags"]} == {
        "rolegate:owner": "demo"
    }
    role = dev.get_role(RoleName="administrator")["Role"]
    assert role["Arn"] == role_arn
    assert {t["Key"]: t["Value"] for t in role.get("Tags", [])} == {"rolegate:owner": "demo"}
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"}
    }
