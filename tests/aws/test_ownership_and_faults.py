"""rolegate touches only what it owns, and an apply that is interrupted or throttled loses nothing.

Given the seed's organization with some hand-made IAM in it, when cobus applies rolegate.yaml, then the
hand-made resources are counted as unmanaged and left exactly as they were; a same-named hand-made role is
a conflict and nothing at all is changed; throttling and IAM's eventual consistency are waited out; and an
apply that fails half-way finishes on the next run with nothing duplicated.
"""

from __future__ import annotations

import json

import pytest
from tests.builders import seed_config, trust
from tests.helpers import FaultInjector, Org, rolegate

from rolegate.aws.session import AwsSessions
from rolegate.model.load import parse
from rolegate.plan.apply import apply_plan
from rolegate.runner import read_and_plan

pytestmark = pytest.mark.aws

TRUST_ANYONE_IN_HUB = trust("arn:aws:iam::123456789012:root")


def hand_made_iam(org: Org) -> dict[str, object]:
    """What the seed's author clicked together before rolegate: a role, a user, a group, a policy."""
    dev = org.client("iam", "development")
    dev.create_role(RoleName="legacy-deploy", AssumeRolePolicyDocument=json.dumps(TRUST_ANYONE_IN_HUB))
    dev.attach_role_policy(RoleName="legacy-deploy", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    hub = org.client("iam")
    hub.create_user(UserName="alice")
    hub.create_group(GroupName="billing")
    hub.add_user_to_group(GroupName="billing", UserName="alice")
    hub.create_policy(
        PolicyName="billing-view",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "aws-portal:View*", "Resource": "*"}],
            }
        ),
    )
    return {
        "legacy": dev.get_role(RoleName="legacy-deploy")["Role"],
        "legacy_policies": dev.list_attached_role_policies(RoleName="legacy-deploy")["AttachedPolicies"],
        "alice_groups": hub.list_groups_for_user(UserName="alice")["Groups"],
    }


def test_hand_made_resources_are_counted_and_left_exactly_as_they_were(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    before = hand_made_iam(org)
    config = str(org.write_config(seed_config(org.ids)))

    plan = rolegate(capsys, "-c", config, "plan")
    applied = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw"))

    assert "unmanaged, left alone: 1 role" in plan.out  # legacy-deploy (and the bootstrap role)
    assert "unmanaged, left alone: 1 user, 1 group, 1 policy" in plan.out
    assert applied.code == 0, applied.all
    dev, hub = org.client("iam", "development"), org.client("iam")
    assert dev.get_role(RoleName="legacy-deploy")["Role"] == before["legacy"]
    assert (
        dev.list_attached_role_policies(RoleName="legacy-deploy")["AttachedPolicies"]
        == before["legacy_policies"]
    )
    assert hub.list_groups_for_user(UserName="alice")["Groups"] == before["alice_groups"]
    assert "billing-view" in {p["PolicyName"] for p in hub.list_policies(Scope="Local")["Policies"]}
    verbose = rolegate(capsys, "-c", config, "-v", "plan")
    assert "legacy-deploy" in verbose.out and "alice" in verbose.out


def test_a_hand_made_role_with_the_same_name_is_a_conflict_and_nothing_changes(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    staging = org.client("iam", "staging")
    staging.create_role(RoleName="administrator", AssumeRolePolicyDocument=json.dumps(TRUST_ANYONE_IN_HUB))
    config = str(org.write_config(seed_config(org.ids)))

    result = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw"))

    assert result.code == 1
    assert "! role administrator" in result.out and "rolegate does not own it" in result.out
    assert "Traceback" not in result.all
    assert "administrator" not in {
        r["RoleName"] for r in org.client("iam", "development").list_roles()["Roles"]
    }
    assert staging.get_role(RoleName="administrator")["Role"].get("Tags", []) == []


def test_someone_added_to_a_rolegate_group_by_hand_is_removed_by_the_next_apply(org: Org) -> None:
    config = parse(seed_config(org.ids)).config
    s = AwsSessions(None, "us-east-1")
    assert apply_plan(read_and_plan(config, s)[1], s.iam).ok
    hub = org.client("iam")
    hub.create_user(UserName="mallory")
    hub.add_user_to_group(GroupName="production_administrator", UserName="mallory")

    _, plan = read_and_plan(config, s)

    assert [(c.action, c.kind, c.name, c.details) for c in plan.changes] == [
        ("update", "group", "production_administrator", ("- member mallory (not in rolegate.yaml)",))
    ]
    assert apply_plan(plan, s.iam).ok
    assert hub.list_groups_for_user(UserName="mallory")["Groups"] == []
    assert hub.get_user(UserName="mallory")["User"]["UserName"] == "mallory"  # the user itself is not ours


@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException"])
def test_throttling_is_retried_and_the_apply_completes(org: Org, code: str) -> None:
    config = parse(seed_config(org.ids)).config
    s = AwsSessions(None, "us-east-1")
    throttle = FaultInjector("CreateRole", code, times=2, message="Rate exceeded")
    s.hooks.append(throttle)

    _, plan = read_and_plan(config, s)
    result = apply_plan(plan, s.iam)

    assert result.ok, result.error
    assert throttle.hits == 2
    assert not read_and_plan(config, AwsSessions(None, "us-east-1"))[1].changes


def test_a_just_created_policy_not_yet_visible_is_waited_for(org: Org) -> None:
    config = parse(seed_config(org.ids)).config
    s = AwsSessions(None, "us-east-1")
    unseen = FaultInjector("AttachGroupPolicy", "NoSuchEntity", times=2, message="Policy does not exist")
    s.hooks.append(unseen)
    waited: list[float] = []

    _, plan = read_and_plan(config, s)
    result = apply_plan(plan, s.iam, sleep=waited.append)

    assert result.ok, result.error
    assert unseen.hits == 2 and waited == [1.0, 2.0]


def test_an_apply_that_fails_half_way_finishes_on_rerun_with_nothing_duplicated(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = parse(seed_config(org.ids)).config
    s = AwsSessions(None, "us-east-1")
    s.hooks.append(FaultInjector("CreateGroup", "AccessDenied", times=1, message="not today"))

    _, plan = read_and_plan(config, s)
    broken = apply_plan(plan, s.iam)

    assert not broken.ok and broken.failed is not None
    assert broken.failed.kind == "group" and "AccessDenied" in (broken.error or "")
    assert broken.done and broken.not_done  # roles and policies landed; users did not
    rerun = rolegate(
        capsys,
        "apply",
        "--yes",
        "--password-out",
        str(org.workdir / "pw"),
        "-c",
        str(org.write_config(seed_config(org.ids))),
    )
    assert rerun.code == 0, rerun.all
    remaining = {c.address for c in plan.changes} - {c.address for c in broken.done}
    assert remaining  # the rerun's plan covered exactly what was not done
    hub = org.client("iam")
    assert len(hub.list_policies(Scope="Local", PathPrefix="/rolegate/")["Policies"]) == 2
    for policy in hub.list_policies(Scope="Local", PathPrefix="/rolegate/")["Policies"]:
        assert len(hub.list_policy_versions(PolicyArn=policy["Arn"])["Versions"]) == 1
    assert len(hub.list_groups(PathPrefix="/rolegate/")["Groups"]) == 3
    assert not read_and_plan(config, AwsSessions(None, "us-east-1"))[1].changes
