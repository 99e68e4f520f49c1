"""Attack class 2 of issue 16: ownership taken from tags anyone can write.

Anyone allowed iam:TagRole / iam:TagUser / iam:CreateGroup can put rolegate's marks (`rolegate:owner=demo`,
the path /rolegate/) on what they like. Given the seed's organization applied by rolegate, when an attacker
marks 26 crafted resources (the bootstrap role, AWS-reserved and service roles, roles with a foreign trust
or path, users with their own password, keys, MFA or policies, users in a spoke, /rolegate/ groups and
policies with strangers on them, users the file declares but someone else made first), then the plan shows
each as a conflict with its reason and touches none of them, apply refuses and changes nothing, and only
`--adopt KIND/NAME` takes one over, keeping its credentials and saying so.

Checked against the pre-fix commit fb45e3e (PYTHONPATH=/tmp/base/src): the table test fails there (the
bootstrap role and the forged roles and users are planned for deletion, the pre-created users are put in
admin groups); the --adopt test fails there too (no such option).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from tests.builders import seed_config
from tests.helpers import Org, rolegate

from rolegate.aws.session import AwsSessions
from rolegate.model.load import parse
from rolegate.plan.apply import apply_plan
from rolegate.runner import read_and_plan

pytestmark = pytest.mark.aws

OWNER = [{"Key": "rolegate:owner", "Value": "demo"}]
HUB = "123456789012"


def trust(principal: dict[str, Any], **condition: Any) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


HUB_TRUST = trust({"AWS": f"arn:aws:iam::{HUB}:root"})
ADMIN = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@dataclass(frozen=True)
class Attack:
    """One crafted resource: where it is, how it is made, and the words the conflict must say."""

    account: str
    kind: str
    name: str
    make: Callable[[Org], None]
    reason: str

    @property
    def address(self) -> str:
        return f"{self.account}/{self.kind}/{self.name}"


def role(
    account: str, name: str, document: str, path: str = "/", tags: list[Any] | None = None
) -> Callable[[Org], None]:
    def make(org: Org) -> None:
        iam = org.client("iam", account)
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=document, Tags=tags or OWNER)

    return make


def tag_bootstrap(account: str) -> Callable[[Org], None]:
    def make(org: Org) -> None:
        org.client("iam", account).tag_role(RoleName="OrganizationAccountAccessRole", Tags=OWNER)

    return make


def user(
    name: str,
    *,
    account: str = "master",
    password: bool = False,
    key: bool = False,
    mfa: bool = False,
    policy: bool = False,
    inline: bool = False,
    console_tag: bool = False,
) -> Callable[[Org], None]:
    def make(org: Org) -> None:
        iam = org.client("iam", account)
        tags = OWNER + ([{"Key": "rolegate:console", "Value": "true"}] if console_tag else [])
        iam.create_user(UserName=name, Tags=tags)
        if password:
            iam.create_login_profile(UserName=name, Password="Attacker-chosen-1!")
        if key:
            iam.create_access_key(UserName=name)
        if mfa:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"][
                "SerialNumber"
            ]
            iam.enable_mfa_device(
                UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
            )
        if policy:
            iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        if inline:
            iam.put_user_policy(UserName=name, PolicyName="mine", PolicyDocument=ADMIN)

    return make


def group(name: str, account: str = "master") -> Callable[[Org], None]:
    def make(org: Org) -> None:
        iam = org.client("iam", account)
        iam.create_group(GroupName=name, Path="/rolegate/")
        if account == "master":
            iam.create_user(UserName=f"{name}-member")  # a person rolegate does not know
            iam.add_user_to_group(GroupName=name, UserName=f"{name}-member")

    return make


def policy(name: str, account: str = "master") -> Callable[[Org], None]:
    def make(org: Org) -> None:
        iam = org.client("iam", account)
        arn = iam.create_policy(PolicyName=name, Path="/rolegate/", PolicyDocument=ADMIN)["Policy"]["Arn"]
        if account == "master":
            iam.create_user(UserName=f"{name}-holder")
            iam.attach_user_policy(UserName=f"{name}-holder", PolicyArn=arn)

    return make


ATTACKS = [
    Attack("development", "role", "OrganizationAccountAccessRole", tag_bootstrap("development"), "bootstrap_role"),  # noqa: E501
    Attack("production", "role", "OrganizationAccountAccessRole", tag_bootstrap("production"), "forged"),
    Attack("development", "role", "AWSServiceRoleForSupport",
           role("development", "AWSServiceRoleForSupport", trust({"Service": "support.amazonaws.com"}),
                "/aws-service-role/support.amazonaws.com/"), "reserved"),
    Attack("development", "role", "AWSReservedSSO_Admin_0123abcd",
           role("development", "AWSReservedSSO_Admin_0123abcd", trust({"Federated": "arn:aws:iam::1:saml-provider/x"}),  # noqa: E501
                "/aws-reserved/sso.amazonaws.com/"), "reserved"),
    Attack("staging", "role", "lambda-exec",
           role("staging", "lambda-exec", trust({"Service": "lambda.amazonaws.com"}), "/service-role/"), "reserved"),  # noqa: E501
    Attack("staging", "role", "AWSControlTowerExecution", role("staging", "AWSControlTowerExecution", HUB_TRUST),  # noqa: E501
           "reserves"),
    Attack("staging", "role", "stacksets-exec-0a1b2c", role("staging", "stacksets-exec-0a1b2c", HUB_TRUST),
           "reserves"),
    Attack("production", "role", "AWSCloudFormationStackSetExecutionRole",
           role("production", "AWSCloudFormationStackSetExecutionRole", HUB_TRUST), "reserves"),
    Attack("production", "role", "vendor-audit",
           role("production", "vendor-audit", trust({"AWS": "arn:aws:iam::999999999999:root"},
                                                    StringEquals={"sts:ExternalId": "v"})), "trust policy"),
    Attack("development", "role", "ci-deploy",
           role("development", "ci-deploy", trust({"Service": "codebuild.amazonaws.com"})), "trust policy"),
    Attack("development", "role", "team-admin", role("development", "team-admin", HUB_TRUST, "/team/"), "path"),  # noqa: E501
    Attack("staging", "role", "office-only",
           role("staging", "office-only", trust({"AWS": f"arn:aws:iam::{HUB}:root"},
                                                IpAddress={"aws:SourceIp": "10.0.0.0/8"})), "trust policy"),
    Attack("staging", "role", "open-door", role("staging", "open-door", trust({"AWS": "*"})), "trust policy"),
    Attack("master", "user", "mallory-password", user("mallory-password", password=True), "console password"),
    Attack("master", "user", "mallory-key", user("mallory-key", key=True), "access key"),
    Attack("master", "user", "mallory-mfa", user("mallory-mfa", mfa=True), "MFA device"),
    Attack("master", "user", "mallory-policy", user("mallory-policy", policy=True), "directly"),
    Attack("master", "user", "mallory-inline", user("mallory-inline", inline=True), "inline"),
    # Declared in the file, made first by someone else: without the check they would join admin groups.
    Attack("master", "user", "eve", user("eve", password=True, key=True), "console password"),
    Attack("master", "user", "frank", user("frank", mfa=True), "MFA device"),
    Attack("master", "user", "grace", user("grace", key=True, console_tag=True, password=True), "access key"),
    Attack("development", "user", "dev-person", user("dev-person", account="development"), "only in the hub"),
    Attack("master", "group", "shadow-admins", group("shadow-admins"), "members rolegate does not know"),
    Attack("development", "group", "spoke-group", group("spoke-group", "development"), "only in the hub"),
    Attack("master", "policy", "shadow-policy", policy("shadow-policy"), "not rolegate's"),
    Attack("staging", "policy", "spoke-policy", policy("spoke-policy", "staging"), "only in the hub"),
]  # fmt: skip

DECLARED = """\
  eve:
    groups: [master_administrator]
    console: true
  frank:
    groups: [production_administrator]
  grace:
    groups: [development_administrator]
    console: true
"""


def seen(org: Org, attack: Attack) -> Any:
    """What IAM says about the crafted resource: the same before and after, or rolegate touched it."""
    iam = org.client("iam", attack.account)
    if attack.kind == "role":
        found = iam.get_role(RoleName=attack.name)["Role"]
        found.pop("RoleLastUsed", None)
        return found, iam.list_role_tags(RoleName=attack.name)["Tags"]
    if attack.kind == "user":
        return (
            iam.get_user(UserName=attack.name)["User"],
            iam.list_groups_for_user(UserName=attack.name)["Groups"],
            [k["AccessKeyId"] for k in iam.list_access_keys(UserName=attack.name)["AccessKeyMetadata"]],
        )
    if attack.kind == "group":
        return iam.get_group(GroupName=attack.name)["Users"]
    arn = f"arn:aws:iam::{org.ids[attack.account]}:policy/rolegate/{attack.name}"
    return iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"]


def test_forged_marks_are_conflicts_with_their_reason_and_nothing_forged_is_touched(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(ATTACKS) >= 20
    s = AwsSessions(None, "us-east-1")
    assert apply_plan(read_and_plan(parse(seed_config(org.ids)).config, s)[1], s.iam).ok
    for attack in ATTACKS:
        attack.make(org)
    before = {a.address: seen(org, a) for a in ATTACKS}
    path = org.write_config(seed_config(org.ids, extra_users=DECLARED))

    _, plan = read_and_plan(parse(path.read_text()).config, AwsSessions(None, "us-east-1"))
    applied = rolegate(capsys, "-c", str(path), "apply", "--yes", "--password-out", str(org.workdir / "pw"))

    conflicts = {f"{c.account}/{c.kind}/{c.name}": c.message for c in plan.conflicts}
    touched = {c.address for c in plan.changes}
    wrong = [
        f"{a.address}: {conflicts.get(a.address, 'no conflict')}"
        for a in ATTACKS
        if a.reason not in conflicts.get(a.address, "") or a.address in touched
    ]
    assert not wrong, "\n".join(wrong)
    assert applied.code == 1 and "nothing was changed" in applied.all
    after = {a.address: seen(org, a) for a in ATTACKS}
    assert [a for a in after if after[a] != before[a]] == []
    assert "Attacker-chosen" not in applied.all


def test_a_user_made_first_by_someone_else_is_taken_over_only_by_name_and_keeps_its_credentials(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    s = AwsSessions(None, "us-east-1")
    assert apply_plan(read_and_plan(parse(seed_config(org.ids)).config, s)[1], s.iam).ok
    user("eve", password=True, key=True)(org)
    path = str(org.write_config(seed_config(org.ids, extra_users=DECLARED.split("  frank:", maxsplit=1)[0])))

    refused = rolegate(capsys, "-c", path, "plan")
    adopted = rolegate(capsys, "-c", path, "plan", "--adopt", "user/eve")
    applied = rolegate(
        capsys, "-c", path, "apply", "--yes", "--adopt", "user/eve", "--password-out", str(org.workdir / "pw")
    )
    again = rolegate(capsys, "-c", path, "plan", "--detailed-exitcode")

    assert refused.code == 1 and "! user eve" in refused.out and "--adopt user/eve" in refused.out
    assert adopted.code == 0 and "= user eve" in adopted.out
    assert (
        "keeps 1 access key" in adopted.out
        and "key(s)" not in adopted.out
        and "rolegate never removes credentials" in adopted.out
    )
    assert applied.code == 0, applied.all
    assert again.code == 0, again.all  # the acceptance is recorded: the next plan believes the mark
    hub = org.client("iam")
    assert len(hub.list_access_keys(UserName="eve")["AccessKeyMetadata"]) == 1
    assert [g["GroupName"] for g in hub.list_groups_for_user(UserName="eve")["Groups"]] == [
        "master_administrator"
    ]
