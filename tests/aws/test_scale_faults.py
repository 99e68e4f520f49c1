"""Many accounts, throttling, dropped connections and killed processes: apply loses and duplicates nothing.

Given an organization whose accounts were created through AWS Organizations on the moto server, when the
platform team applies rolegate.yaml through a loopback proxy that throttles a seeded fifth of the calls
and drops connections (some before moto sees the call, some after it carried it out), then the accounts
end exactly as they do without faults. When apply is SIGKILLed at seeded write calls, the next plan shows
what is left (no conflicts: half-made resources are recognised as rolegate's) and the next apply reaches
the same state, with no resource or policy version twice. When one account cannot be reached, it is named
with a hint, the others are applied, and the exit code says so.

moto does not throttle or drop anything itself: the proxy (tests/faults.py) does, with the error shapes
AWS sends. Wall time is not asserted here (benchmarks/scale.py measures it).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from tests.big_org import big_config, iam_state, make_accounts
from tests.builders import seed_config
from tests.faults import Faults, FaultyProxy, Kill
from tests.helpers import FaultInjector, Org, rolegate

from rolegate.aws.moto_local import LocalAws
from rolegate.aws.session import AwsSessions
from rolegate.model.load import parse
from rolegate.plan.apply import apply_plan
from rolegate.runner import read_and_plan

pytestmark = pytest.mark.aws

STORM = Faults(
    seed=8, throttle=0.2, drop_before=0.03, drop_after=0.03, services=("iam", "sts", "organizations")
)


def test_fifty_accounts_through_a_throttling_storm_end_as_without_faults(
    local_aws: LocalAws,
    aws_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "rolegate.yaml"
    config.write_text(big_config(make_accounts(50)))
    calm = rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(tmp_path / "pw0"))
    assert calm.code == 0, calm.all
    without_faults = iam_state(config.read_text())

    local_aws.reset()  # a second organization, its accounts made the same way (new ids)
    config.write_text(big_config(make_accounts(50)))
    with FaultyProxy(local_aws.url, STORM) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        stormy = rolegate(
            capsys,
            "-c",
            str(config),
            "apply",
            "--yes",
            "--parallel",
            "12",
            "--password-out",
            str(tmp_path / "pw"),
        )
        monkeypatch.setenv("AWS_ENDPOINT_URL", local_aws.url)

    assert stormy.code == 0, stormy.all
    seen = proxy.stats.counts
    assert seen["throttle"] > 40 and seen["drop_before"] > 3 and seen["drop_after"] > 1, seen
    assert iam_state(config.read_text()) == without_faults  # nothing lost, nothing twice
    assert without_faults["pending_changes"] == []
    people = [line.split("\t")[1] for line in (tmp_path / "pw").read_text().splitlines()]
    assert sorted(people) == ["user01", "user04"]  # each new console user's password handed out once
    assert "Applied 110 changes" in stormy.out


def _apply(config: Path, endpoint: str, password_out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    return subprocess.Popen(
        [sys.executable, "-m", "rolegate", "-c", str(config), "apply", "--yes", "--parallel", "4",
         "--password-out", str(password_out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip


def test_apply_killed_at_seeded_points_always_finishes_in_the_same_state(
    local_aws: LocalAws, aws_env: dict[str, str], tmp_path: Path
) -> None:
    rng = random.Random(20261125)
    reference = None
    outcomes = []
    with FaultyProxy(local_aws.url) as proxy:
        for run in range(4):
            local_aws.reset()
            ids = make_accounts(5)
            before, after = tmp_path / f"b{run}.yaml", tmp_path / f"a{run}.yaml"
            before.write_text(big_config(ids, variant="b"))
            after.write_text(big_config(ids, variant="a"))
            s = AwsSessions(None, "us-east-1")
            assert apply_plan(read_and_plan(parse(before.read_text()).config, s)[1], s.iam, workers=4).ok
            full = read_and_plan(parse(after.read_text()).config, AwsSessions(None, "us-east-1"))[1]
            writes = sum(len(c.calls) for c in full.changes)
            if reference is None:  # the same path without a kill: what every run must end in
                passwords = tmp_path / "reference-pw"
                done = _apply(after, local_aws.url, passwords)
                assert done.wait(120) == 0, done.communicate()
                reference = iam_state(after.read_text())
                continue
            for _ in range(rng.choice((1, 2))):
                proxy.configure(
                    Faults(kill=Kill(pid=0, nth=rng.randint(1, writes), landed=rng.random() < 0.5))
                )
                killed = _apply(after, proxy.url, tmp_path / f"pw{run}")
                assert proxy.faults.kill is not None
                proxy.faults.kill.pid = killed.pid
                code = killed.wait(120)
                outcomes.append((proxy.faults.kill.nth, proxy.faults.kill.landed, code))

                left = read_and_plan(parse(after.read_text()).config, AwsSessions(None, "us-east-1"))[1]
                assert not left.conflicts  # half-made resources are rolegate's, not someone else's
                assert {c.address for c in left.changes} <= {c.address for c in full.changes}
            finish = _apply(after, local_aws.url, tmp_path / f"pw{run}")
            assert finish.wait(120) == 0, finish.communicate()
            assert iam_state(after.read_text()) == reference, outcomes

    assert any(code == -9 for *_, code in outcomes), outcomes  # the kills did land mid-apply


def test_an_unreachable_account_is_named_and_the_others_are_applied(
    org: Org, local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """moto's AssumeRole succeeds whether the role exists or not; the proxy refuses it for staging with the
    AccessDenied AWS answers when the bootstrap role is missing there."""
    config = str(org.write_config(seed_config(org.ids)))
    with FaultyProxy(local_aws.url, Faults(deny_assume=frozenset({org.ids["staging"]}))) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        plan = rolegate(capsys, "-c", config, "plan")
        applied = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw"))
        after = rolegate(capsys, "-c", config, "plan", "--detailed-exitcode")
        monkeypatch.setenv("AWS_ENDPOINT_URL", local_aws.url)

    assert plan.code == 1 and "staging" in plan.out and "not read" in plan.out
    assert "Plan: " in plan.out and "production" in plan.out  # the others are planned all the same
    assert "OrganizationAccountAccessRole" in plan.all and "AccessDenied" in plan.all
    assert applied.code == 1 and "Traceback" not in applied.all
    assert "staging (not read)" in applied.err and "bootstrap_role" in applied.err
    assert "administrator" in {r["RoleName"] for r in org.client("iam", "production").list_roles()["Roles"]}
    assert "administrator" not in {r["RoleName"] for r in org.client("iam", "staging").list_roles()["Roles"]}
    assert after.code == 1 and "staging" in after.err  # still named, until someone fixes it
    assert "+ role administrator" not in after.out  # the others are done


def test_creates_whose_answer_was_lost_are_recognised_not_made_twice(
    org: Org, local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The connection drops after moto made the resource: the SDK sends the call again and IAM answers
    EntityAlreadyExists (or, for CreatePolicyVersion, makes a second version). Each must end as one."""
    config = org.write_config(seed_config(org.ids))
    lose = frozenset(
        {
            "CreateRole",
            "CreatePolicy",
            "CreateGroup",
            "CreateUser",
            "CreateLoginProfile",
            "CreatePolicyVersion",
        }
    )
    with FaultyProxy(local_aws.url, Faults(lose_first=lose)) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        first = rolegate(
            capsys, "-c", str(config), "apply", "--yes", "--json", "--password-out", str(org.workdir / "pw")
        )
        config.write_text(seed_config(org.ids, dev_groups="[development, staging]"))  # a grant changes
        second = rolegate(
            capsys, "-c", str(config), "apply", "--yes", "--password-out", str(org.workdir / "pw2")
        )
        monkeypatch.setenv("AWS_ENDPOINT_URL", local_aws.url)

    assert first.code == 0, first.all
    assert second.code == 0, second.all
    progress = [json.loads(line) for line in first.err.splitlines()]  # one JSON line per account, when done
    assert sorted(p["account"] for p in progress) == ["development", "master", "production", "staging"]
    assert {p["status"] for p in progress} == {"ok"} and {p["event"] for p in progress} == {"account"}
    summary = json.loads(first.out)
    assert summary["failed"] is None and len(summary["accounts"]) == 4
    assert "\t" not in first.all  # no password in --json or its progress
    assert (
        "master (" in second.err and "applied (" in second.err
    )  # without --json: one line per account on stderr
    assert proxy.stats.lost == lose  # every one of them was lost once, after it was carried out
    assert (org.workdir / "pw").read_text().count("\tcobus\t") == 1  # the password that was set
    hub = org.client("iam")
    grant = f"arn:aws:iam::{org.hub_id}:policy/rolegate/development_administrator"
    assert len(hub.list_policy_versions(PolicyArn=grant)["Versions"]) == 2  # v1 and the new one, not 3
    plan = rolegate(capsys, "-c", str(config), "plan", "--detailed-exitcode")
    assert plan.code == 0, plan.all


def test_access_denied_in_one_account_stops_that_account_only_and_names_the_resource(org: Org) -> None:
    config = parse(seed_config(org.ids)).config
    s = AwsSessions(None, "us-east-1")
    s.hooks.append(FaultInjector("CreateGroup", "AccessDenied", times=1, message="not today"))

    _, plan = read_and_plan(config, s)
    result = apply_plan(plan, s.iam, workers=4)

    assert [a.account for a in result.failures] == ["master"]
    failure = result.failures[0]
    assert failure.failed is not None and failure.failed.kind == "group"
    assert "AccessDenied" in (failure.error or "") and "iam:CreateGroup" in (failure.hint or "")
    assert all(result.accounts[n].ok for n in ("development", "staging", "production"))
