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
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import (
    HAND_MADE_PASSWORD,
    FaultInjector,
    Org,
    click_the_seed_together,
    console_trust,
    rolegate,
)

from rolegate.adopt.discover import read_source
from rolegate.adopt.importer import import_config
from rolegate.aws.session import AwsSessions
from rolegate.model.load import parse

pytestmark = pytest.mark.aws

SPOKES = ("development", "staging", "production")


def test_import_writes_a_file_that_validates_and_plans_adoption_only_then_apply_leaves_nothing_to_do(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = click_the_seed_together(org)
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
    seen_text = "".join(r.all for r in (imported, validated, plan, applied, again)) + Path(path).read_text()
    assert secret not in seen_text and HAND_MADE_PASSWORD not in seen_text


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


VENDOR = "999999999999"


def click_what_rolegate_cannot_express(org: Org) -> dict[str, Any]:
    """Beyond the seed: a vendor's role with an ExternalId, an inline policy on cobus, a staging
    administrator that also demands a source IP, and a production grant that reaches it."""
    prod, staging, hub = org.client("iam", "production"), org.client("iam", "staging"), org.client("iam")
    vendor_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "vendor-audit-7f3a"}},
            }
        ],
    }
    prod.create_role(RoleName="vendor-audit", AssumeRolePolicyDocument=json.dumps(vendor_trust))
    prod.attach_role_policy(RoleName="vendor-audit", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    office_only = console_trust(org.hub_id)
    office_only["Statement"][0]["Condition"]["IpAddress"] = {"aws:SourceIp": "203.0.113.0/24"}
    staging.create_role(RoleName="administrator", AssumeRolePolicyDocument=json.dumps(office_only))
    hub.put_user_policy(
        UserName="cobus",
        PolicyName="billing-view",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "aws-portal:View*", "Resource": "*"}],
            }
        ),
    )
    both = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": [
                    f"arn:aws:iam::{org.ids['staging']}:role/administrator",
                    f"arn:aws:iam::{org.ids['production']}:role/administrator",
                ],
            },
        }
    )
    arn = f"arn:aws:iam::{org.hub_id}:policy/production_administrator"
    hub.create_policy_version(PolicyArn=arn, PolicyDocument=both, SetAsDefault=True)
    return seen(org)


def seen(org: Org) -> dict[str, Any]:
    """What people rely on, as AWS shows it: compared before and after import and apply."""
    prod, staging, hub = org.client("iam", "production"), org.client("iam", "staging"), org.client("iam")
    arn = f"arn:aws:iam::{org.hub_id}:policy/production_administrator"
    version = hub.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return {
        "vendor": prod.get_role(RoleName="vendor-audit")["Role"],
        "vendor_policies": prod.list_attached_role_policies(RoleName="vendor-audit")["AttachedPolicies"],
        "staging_admin": staging.get_role(RoleName="administrator")["Role"],
        "cobus_inline": hub.get_user_policy(UserName="cobus", PolicyName="billing-view")["PolicyDocument"],
        "grant": hub.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"],
        "grant_groups": hub.list_entities_for_policy(PolicyArn=arn)["PolicyGroups"],
    }


def test_what_rolegate_cannot_express_is_a_comment_in_the_file_and_apply_leaves_it_exactly_as_it_was(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    click_the_seed_together(org)
    before = click_what_rolegate_cannot_express(org)
    path = org.workdir / "rolegate.yaml"

    imported = rolegate(capsys, "import", "-o", str(path))
    text = path.read_text()
    validated = rolegate(capsys, "-c", str(path), "validate")
    applied = rolegate(capsys, "-c", str(path), "apply", "--yes", "--password-out", str(org.workdir / "pw"))
    again = rolegate(capsys, "-c", str(path), "plan", "--detailed-exitcode")

    assert imported.code == 0 and validated.code == 0, imported.all + validated.all
    # The comments, unwrapped: a note may run over several lines.
    comments = " ".join(
        line.strip().lstrip("#").strip() for line in text.splitlines() if line.lstrip().startswith("#")
    )
    assert "vendor-audit (trusts arn:aws:iam::999999999999:root with sts:ExternalId)" in comments
    assert "administrator (trusts" in comments and "aws:SourceIp" in comments  # staging's, left out
    assert "billing-view" not in comments  # an inline policy is config now, kept as IAM holds it
    assert "policy production_administrator is a grant, kept under policies:" in comments
    config = parse(text).config
    assert config.users["cobus"].inline_policies == {"billing-view": before["cobus_inline"]}
    assert "vendor-audit" not in config.roles
    assert config.roles["administrator"].accounts == ["development", "production"]
    assert config.groups["production_administrator"].policies == [
        f"arn:aws:iam::{org.hub_id}:policy/production_administrator"
    ]
    assert applied.code == 0, applied.all
    assert again.code == 0, again.all
    after = seen(org)
    assert after == before  # no lost access: every trust, attachment and inline policy as it was
    assert "Tags" not in after["vendor"] and "Tags" not in after["staging_admin"]


def test_drift_is_quiet_on_a_clean_setup_and_names_a_hand_edited_trust_and_a_new_user(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    click_the_seed_together(org)
    path = str(org.workdir / "rolegate.yaml")
    assert rolegate(capsys, "import", "-o", path).code == 0
    assert rolegate(capsys, "-c", path, "apply", "--yes", "--password-out", str(org.workdir / "pw")).code == 0

    clean = rolegate(capsys, "-c", path, "drift", "--detailed-exitcode")
    # Someone in the console: drops the MFA condition from development's administrator, adds a user.
    org.client("iam", "development").update_assume_role_policy(
        RoleName="administrator", PolicyDocument=json.dumps(console_trust(org.hub_id, mfa=False))
    )
    org.client("iam").create_user(UserName="mallory")
    drifted = rolegate(capsys, "-c", path, "drift", "--detailed-exitcode")
    as_json = rolegate(capsys, "-c", path, "drift", "--json")

    assert clean.code == 0, clean.all
    assert "No drift" in clean.out
    assert drifted.code == 2, drifted.all
    lines = drifted.out.splitlines()
    assert any(
        line.split()[:3] == ["changed", "development/role/administrator", "trust"] for line in lines
    ), lines
    assert any(line.split()[:2] == ["unmanaged", "master/user/mallory"] for line in lines), lines
    assert "Drift: 2 (1 changed, 1 unmanaged)." in drifted.out
    assert as_json.code == 0
    data = json.loads(as_json.out)
    assert {(d["what"], d["address"]) for d in data["drift"]} == {
        ("changed", "development/role/administrator"),
        ("unmanaged", "master/user/mallory"),
    }
    ignored = rolegate(capsys, "-c", path, "drift", "--detailed-exitcode", "--ignore", "master/user/*")
    assert ignored.code == 2 and "mallory" not in ignored.out


def test_import_refuses_to_overwrite_a_file_without_force_and_keeps_a_backup_with_it(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    click_the_seed_together(org)
    path = org.workdir / "rolegate.yaml"
    path.write_text("# mine\n")

    refused = rolegate(capsys, "import", "-o", str(path))
    forced = rolegate(capsys, "import", "-o", str(path), "--force")

    assert refused.code == 1 and "exists already" in refused.err and "Traceback" not in refused.all
    assert forced.code == 0, forced.all
    backups = list(org.workdir.glob("rolegate.yaml.rolegate-backup-*"))
    assert [b.read_text() for b in backups] == ["# mine\n"]
    assert path.read_text().startswith("# rolegate.yaml, written by `rolegate import`")


def test_without_organizations_the_given_accounts_are_read_and_named_after_their_alias(org: Org) -> None:
    """Organizations refused (a member account's operator, or no organization): the ids given are read
    through the bootstrap role all the same, and named after their aliases."""
    click_the_seed_together(org)
    org.client("iam", "development").create_account_alias(AccountAlias="demo-development")
    sessions = AwsSessions(None, "us-east-1")
    sessions.hooks.append(FaultInjector("ListAccounts", "AccessDeniedException", times=10))

    source, from_org = read_source(sessions, hub=None, account_ids=[org.ids["development"]], org_name=None)
    config = parse(import_config(source).text).config

    assert not from_org
    assert [(name, a.id) for name, a in config.accounts.items()] == [
        ("master", org.hub_id),
        ("development", org.ids["development"]),
    ]
    assert config.organization.name == "demo"
    assert config.roles["administrator"].accounts == ["development"]
    # production's role is not in the file, so the grant that reaches it stays a policy, not a lost grant
    assert config.groups["production_administrator"].policies == [
        f"arn:aws:iam::{org.hub_id}:policy/production_administrator"
    ]
