"""Deciding, without AWS: given the seed's rolegate.yaml and a snapshot of the accounts, the plan says
exactly what apply will do, in dependency order, touching only what rolegate owns."""

from __future__ import annotations

import json

from tests.builders import IDS, as_aws_has_it, desired, empty_snapshot, seed_config

from rolegate.model import naming
from rolegate.model.load import parse
from rolegate.plan.changes import GENERATED_PASSWORD
from rolegate.plan.compile import compile_config, trust_policy
from rolegate.plan.diff import diff
from rolegate.state.snapshot import Role


def test_the_seed_on_fresh_accounts_plans_every_resource_once_in_dependency_order() -> None:
    plan = diff(desired(), empty_snapshot())

    created = [(c.account, c.kind, c.name) for c in plan.ordered()]
    assert created == [
        ("master", "account", "alias"),
        ("master", "account", "password policy"),
        ("development", "role", "administrator"),
        ("staging", "role", "administrator"),
        ("production", "role", "administrator"),
        ("master", "policy", "development_administrator"),
        ("master", "policy", "production_administrator"),
        ("master", "group", "development_administrator"),
        ("master", "group", "production_administrator"),
        ("master", "group", "master_administrator"),
        ("master", "user", "cobus"),
    ]
    assert plan.counts() == {"create": 11, "update": 0, "delete": 0}
    role = plan.ordered()[2]
    assert role.summary == "AdministratorAccess, MFA, 1h"
    grant = plan.ordered()[5]
    assert grant.summary == "may assume administrator@development"


def test_a_plan_carries_no_password_only_a_placeholder_for_apply() -> None:
    plan = diff(desired(), empty_snapshot())

    text = json.dumps(plan.to_json())

    login = [call for c in plan.changes for call in c.calls if call.operation == "CreateLoginProfile"]
    assert login and login[0].params["Password"] == GENERATED_PASSWORD
    assert login[0].params["PasswordResetRequired"] is True
    assert text.count(GENERATED_PASSWORD) == 1


def test_accounts_that_match_the_file_give_an_empty_plan() -> None:
    want = desired()

    plan = diff(want, as_aws_has_it(want))

    assert plan.empty and not plan.conflicts, [c.address for c in plan.changes]


def test_a_hand_made_role_of_the_same_name_is_a_conflict_not_a_change() -> None:
    want = desired()
    snap = empty_snapshot()
    snap.accounts["staging"].roles["administrator"] = Role(
        "administrator", naming.role_arn(IDS["staging"], "administrator"), "/", {}, []
    )

    plan = diff(want, snap)

    assert [(c.account, c.kind, c.name) for c in plan.conflicts] == [("staging", "role", "administrator")]
    assert ("staging", "role") not in {(c.account, c.kind) for c in plan.changes}


def test_a_role_rolegate_owns_and_the_file_dropped_is_deleted_cleanly() -> None:
    want = desired()
    snap = as_aws_has_it(want)
    snap.accounts["development"].roles["old"] = Role(
        "old",
        naming.role_arn(IDS["development"], "old"),
        "/",
        trust_policy(IDS["master"], True),
        ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        {"inline": {}},
        {naming.OWNER_TAG: "demo"},
        3600,
        ["old-profile"],
    )

    plan = diff(want, snap)

    assert [(c.action, c.kind, c.name) for c in plan.changes] == [("delete", "role", "old")]
    assert [call.operation for call in plan.changes[0].calls] == [
        "RemoveRoleFromInstanceProfile",
        "DetachRolePolicy",
        "DeleteRolePolicy",
        "DeleteRole",
    ]


def test_a_role_owned_by_another_organization_is_left_alone() -> None:
    want = desired()
    snap = as_aws_has_it(want)
    snap.accounts["development"].roles["theirs"] = Role(
        "theirs", naming.role_arn(IDS["development"], "theirs"), "/", {}, tags={naming.OWNER_TAG: "other-org"}
    )

    plan = diff(want, snap)

    assert plan.empty
    assert plan.unmanaged["development"] == {"roles": ["theirs"]}


def test_a_grant_policy_at_iams_five_versions_drops_the_oldest_before_the_new_one() -> None:
    want = desired()
    snap = as_aws_has_it(want)
    policy = snap.accounts["master"].policies["development_administrator"]
    policy.versions, policy.default_version = ["v1", "v2", "v3", "v4", "v5"], "v5"
    policy.document = {"Version": "2012-10-17", "Statement": []}

    plan = diff(want, snap)

    assert [(c.action, c.name) for c in plan.changes] == [("update", "development_administrator")]
    calls = plan.changes[0].calls
    assert [(c.operation, c.params.get("VersionId")) for c in calls] == [
        ("DeletePolicyVersion", "v1"),
        ("CreatePolicyVersion", None),
    ]
    assert any(line.strip().startswith("+ ") for line in plan.changes[0].details)


def test_turning_console_off_removes_the_login_profile_rolegate_made() -> None:
    want = desired()
    snap = as_aws_has_it(want)
    text = seed_config(IDS).replace("console: true", "console: false")

    plan = diff(compile_config(parse(text).config), snap)

    assert [(c.kind, [k.operation for k in c.calls]) for c in plan.changes] == [
        ("user", ["DeleteLoginProfile", "UntagUser"])
    ]
