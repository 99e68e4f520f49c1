"""The seed article, done by rolegate: given the seed's organization, when cobus plans and applies
rolegate.yaml, then every account looks as the article's hand-made setup, and a rerun changes nothing.

Runs against a moto server on 127.0.0.1 (tests/conftest.py). moto does not enforce trust policies or MFA;
here we check what rolegate writes, and the evaluator's own tests check what those documents allow.
"""

from __future__ import annotations

import json

import pytest
from tests.builders import seed_config
from tests.helpers import Org, rolegate

from rolegate.aws.session import AwsSessions, CallLog
from rolegate.model.load import parse
from rolegate.plan.apply import apply_plan
from rolegate.runner import read_and_plan

pytestmark = pytest.mark.aws


def sessions(log: CallLog | None = None) -> AwsSessions:
    return AwsSessions(None, "us-east-1", log=log)


def test_cobus_applies_the_seed_setup_and_every_account_matches_the_article(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = org.write_config(seed_config(org.ids))
    pw_file = org.workdir / "passwords.txt"

    result = rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(pw_file))

    assert result.code == 0, result.all
    assert "Plan: " in result.out and "Applied " in result.out
    # Spokes: an `administrator` role trusting the hub's account, demanding MFA, with AdministratorAccess.
    for account in ("development", "staging", "production"):
        iam = org.client("iam", account)
        role = iam.get_role(RoleName="administrator")["Role"]
        statement = role["AssumeRolePolicyDocument"]["Statement"][0]
        assert statement["Principal"] == {"AWS": f"arn:aws:iam::{org.hub_id}:root"}
        assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        assert role["MaxSessionDuration"] == 3600
        attached = iam.list_attached_role_policies(RoleName="administrator")["AttachedPolicies"]
        assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]
    # Hub: the seed's grant policy, exactly; groups; cobus in them, with a console password to change.
    hub = org.client("iam")
    policy_arn = f"arn:aws:iam::{org.hub_id}:policy/rolegate/development_administrator"
    version = hub.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
    document = hub.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]
    assert document["Statement"][0]["Action"] == "sts:AssumeRole"
    assert document["Statement"][0]["Resource"] == f"arn:aws:iam::{org.ids['development']}:role/administrator"
    groups = {g["GroupName"] for g in hub.list_groups_for_user(UserName="cobus")["Groups"]}
    assert groups == {"development_administrator", "production_administrator", "master_administrator"}
    assert hub.get_login_profile(UserName="cobus")["LoginProfile"]["UserName"] == "cobus"
    assert hub.list_account_aliases()["AccountAliases"] == ["demo-master"]
    assert hub.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 14
    # The first password went to the 0600 file only: never to stdout, stderr or a log.
    password = pw_file.read_text().split("\t")[-1].strip()
    assert oct(pw_file.stat().st_mode & 0o777) == "0o600"
    assert len(password) >= 14 and password not in result.all


def test_a_second_apply_makes_no_write_call_and_a_noop_plan_reads_cheaply(org: Org) -> None:
    config = parse(seed_config(org.ids)).config
    first = sessions()
    _, plan = read_and_plan(config, first)
    assert apply_plan(plan, first.iam).ok

    # The first plan with people in the hub has IAM make its credential report (2 calls more, once); IAM
    # keeps it up to 4 hours, and every plan after reads it with one call.
    assert read_and_plan(config, sessions())[1].empty
    log = CallLog()
    again = sessions(log)
    _, noop = read_and_plan(config, again)
    result = apply_plan(noop, again.iam)

    assert noop.empty and result.ok and result.calls == 0
    assert log.count(writes_only=True) == 0
    # The promise: at most 3 calls per account, plus 1 in the hub, after STS session setup.
    for name, account_id in org.ids.items():
        assert log.count(account_id) <= (4 if name == "master" else 3), dict(log.calls)


def test_plan_after_apply_exits_0_with_detailed_exitcode(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))
    assert rolegate(capsys, "-c", config, "plan", "--detailed-exitcode").code == 2
    assert (
        rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw")).code == 0
    )

    after = rolegate(capsys, "-c", config, "plan", "--detailed-exitcode")

    assert after.code == 0, after.all
    assert "No changes." in after.out


def _apply(org: Org, text: str) -> None:
    config = parse(text).config
    s = sessions()
    _, plan = read_and_plan(config, s)
    assert apply_plan(plan, s.iam).ok


def _changes(org: Org, text: str) -> list[tuple[str, str, str, str]]:
    _, plan = read_and_plan(parse(text).config, sessions())
    return sorted((c.account, c.action, c.kind, c.name) for c in plan.changes)


def test_adding_an_account_to_a_grant_changes_only_that_grant_policy(org: Org) -> None:
    _apply(org, seed_config(org.ids))

    changes = _changes(org, seed_config(org.ids, dev_groups="[development, staging]"))

    assert changes == [("master", "update", "policy", "development_administrator")]


def test_removing_cobus_from_a_group_changes_only_cobus(org: Org) -> None:
    _apply(org, seed_config(org.ids))
    text = seed_config(org.ids).replace(
        "groups: [development_administrator, production_administrator, master_administrator]",
        "groups: [development_administrator, master_administrator]",
    )

    _, plan = read_and_plan(parse(text).config, sessions())

    assert [(c.action, c.kind, c.name) for c in plan.changes] == [("update", "user", "cobus")]
    assert [call.operation for call in plan.changes[0].calls] == ["RemoveUserFromGroup"]
    assert plan.changes[0].details == ("- from group production_administrator",)


def test_a_longer_max_session_updates_each_role_and_nothing_else(org: Org) -> None:
    _apply(org, seed_config(org.ids))

    _, plan = read_and_plan(parse(seed_config(org.ids, max_session="4h")).config, sessions())

    assert sorted(c.account for c in plan.changes) == ["development", "production", "staging"]
    for change in plan.changes:
        assert [(call.operation, call.params["MaxSessionDuration"]) for call in change.calls] == [
            ("UpdateRole", 4 * 3600)
        ]
        assert change.details == ("max session: 1h → 4h",)


def test_flipping_require_mfa_rewrites_each_trust_policy_and_shows_the_condition(org: Org) -> None:
    _apply(org, seed_config(org.ids))

    _, plan = read_and_plan(parse(seed_config(org.ids, require_mfa="false")).config, sessions())

    assert len(plan.changes) == 3
    for change in plan.changes:
        assert [c.operation for c in change.calls] == ["UpdateAssumeRolePolicy"]
        trust = json.loads(change.calls[0].params["PolicyDocument"])
        assert "Condition" not in trust["Statement"][0]
        assert any(
            line.strip().startswith("- ") and "MultiFactorAuthPresent" in line for line in change.details
        )
    _apply(org, seed_config(org.ids, require_mfa="false"))
    assert not read_and_plan(parse(seed_config(org.ids, require_mfa="false")).config, sessions())[1].changes
