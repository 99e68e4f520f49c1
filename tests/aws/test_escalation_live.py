"""Escalation for real: given the seed applied on moto and one hand-made hub user, mallory, whose only
permission is iam:AddUserToGroup on rolegate's production_administrator group, when the operator takes a
snapshot, then mallory is shown reaching `administrator` in production through the escalation, and the
audit rates it CRITICAL with the path; and what IAM records of use (a role's last use, a key's) is in the
snapshot for the unused-access findings.

Escalation is a new API (issue 17, section 3): dc3883e had none, so this cannot run there.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from tests.helpers import Org, rolegate, seed_applied

from rolegate.access.escalation import Escalations
from rolegate.access.graph import AccessGraph
from rolegate.state.snapshot import Snapshot

pytestmark = pytest.mark.aws


def _snapshot(org: Org, capsys: pytest.CaptureFixture[str], config: str) -> Snapshot:
    path: Path = org.workdir / "org.json"
    taken = rolegate(capsys, "-c", config, "snapshot", "-o", str(path))
    assert taken.code == 0, taken.all
    return Snapshot.from_json(json.loads(path.read_text()))


def test_given_mallory_may_add_herself_to_production_administrator_she_reaches_administrator_in_production(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = seed_applied(org, capsys)
    iam = org.client("iam")
    group = iam.get_group(GroupName="production_administrator")["Group"]
    iam.create_user(UserName="mallory")
    iam.put_user_policy(
        UserName="mallory",
        PolicyName="helpdesk",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": group["Arn"]}],
            }
        ),
    )
    key = iam.create_access_key(UserName="mallory")["AccessKey"]
    as_mallory = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=org.url,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    as_mallory.get_user()  # IAM records the key's use

    snapshot = _snapshot(org, capsys, config)

    graph = AccessGraph(snapshot)
    mallory = next(u for u in graph.users() if u.name == "mallory")
    assert [r.role_arn for r in graph.reach(mallory)] == [], "alone, mallory may assume nothing"
    found = {(e.role, e.account): e for e in Escalations(graph).reach(mallory)}
    production = found[("administrator", "production")]
    assert production.reachable == "yes"
    assert list(production.via) == [
        "iam:AddUserToGroup on group production_administrator",
        "sts:AssumeRole on role administrator in production",
    ]
    assert ("administrator", "staging") in found  # the group grants staging too

    audit = rolegate(capsys, "-c", config, "audit", "--snapshot", str(org.workdir / "org.json"), "--json")
    findings = [f for f in json.loads(audit.out)["findings"] if f["rule"] == "RG030"]
    assert [(f["resource"], f["severity"]) for f in findings] == [(mallory.arn, "CRITICAL")]
    assert "iam:AddUserToGroup on group production_administrator" in findings[0]["message"]
    assert key["SecretAccessKey"] not in audit.all and key["AccessKeyId"] not in audit.all

    hub = snapshot.accounts["master"]
    assert hub.users["mallory"].access_keys_last_used is not None
    (used,) = hub.users["mallory"].access_keys_last_used
    assert used.startswith("20"), "the use of her key, from the credential report"
    administrator = snapshot.accounts["production"].roles["administrator"]
    assert administrator.created and administrator.last_used is not None

    # And when cobus asks the CLI, mallory's rows show the path: the table, the JSON (escalation, the steps,
    # when the role was last used, when her key was), and --no-escalation leaves them out.
    snap = str(org.workdir / "org.json")
    table = rolegate(capsys, "access", "--snapshot", snap, "--user", "mallory")
    assert table.code == 0, table.all
    assert "administrator" in table.out and "production" in table.out
    assert "by escalation" in table.out
    as_json = rolegate(capsys, "access", "--snapshot", snap, "--user", "mallory", "--json")
    data = json.loads(as_json.out)
    rows = {(r["role"], r["account"]): r for r in data["access"]}
    row = rows[("administrator", "production")]
    assert row["escalation"] is True and row["reachable"] == "yes" and row["mfa_required"] is None
    assert row["via"][0] == "iam:AddUserToGroup on group production_administrator"
    assert row["principal_name"] == "mallory" and row["principal_account"] == "master"
    assert data["access_keys_last_used"][mallory.arn] == [used]
    assert key["AccessKeyId"] not in as_json.all and key["SecretAccessKey"] not in as_json.all
    cobus = json.loads(rolegate(capsys, "access", "--snapshot", snap, "--user", "cobus", "--json").out)
    assert all("role_last_used" in r for r in cobus["access"] if not r.get("escalation"))
    plain = rolegate(capsys, "access", "--snapshot", snap, "--user", "mallory", "--json", "--no-escalation")
    assert json.loads(plain.out)["access"] == []
    csv_out = rolegate(capsys, "access", "--snapshot", snap, "--user", "mallory", "--format", "csv")
    assert "by escalation: iam:AddUserToGroup on group production_administrator" in csv_out.out
    explained = rolegate(
        capsys, "access", "--snapshot", snap, "--explain", "mallory", "administrator@production"
    )
    assert "by escalation" in explained.out
    assert "1. iam:AddUserToGroup on group production_administrator" in explained.out

    # A role nobody used since it was made in 2020 (staging's administrator, edited so) is unused access at
    # 90 days (the default) and at 30, and not when cobus says a decade is fine (--unused-days 3650).
    data = json.loads(Path(snap).read_text())
    stale = {"created": "2020-01-01T00:00:00Z", "last_used": ""}  # "": never used; None: not read
    data["accounts"]["staging"]["roles"]["administrator"].update(stale)
    Path(snap).write_text(json.dumps(data))

    def unused(*days: str) -> list[str]:
        out = rolegate(capsys, "-c", config, "audit", "--snapshot", snap, "--json", *days)
        return [f["resource"] for f in json.loads(out.out)["findings"] if f["rule"] == "RG031"]

    administrator = data["accounts"]["staging"]["roles"]["administrator"]["arn"]
    assert administrator in unused() and administrator in unused("--unused-days", "30")
    assert administrator not in unused("--unused-days", "3650")
