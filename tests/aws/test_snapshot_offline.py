"""Gather once, ask offline: given the seed applied on moto, when the operator saves a snapshot and AWS
then goes away, `access`, `audit` and `plan` still answer from the file alone, and the file holds no secret.
"""

from __future__ import annotations

import json

import pytest
from tests.builders import seed_config
from tests.helpers import Org, rolegate

pytestmark = pytest.mark.aws


def test_access_audit_and_plan_answer_from_the_snapshot_without_aws(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(org.write_config(seed_config(org.ids)))
    password_file = org.workdir / "pw"
    assert rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(password_file)).code == 0
    keys = org.client("iam").create_access_key(UserName="cobus")["AccessKey"]
    snapshot = org.workdir / "org.json"

    taken = rolegate(capsys, "-c", config, "snapshot", "-o", str(snapshot))

    assert taken.code == 0, taken.all
    text = snapshot.read_text()
    assert oct(snapshot.stat().st_mode & 0o777) == "0o600"
    for secret in (keys["SecretAccessKey"], password_file.read_text().split()[-1]):
        assert secret not in text
    data = json.loads(text)
    assert data["version"] == 1 and set(data["accounts"]) == {
        "master",
        "development",
        "staging",
        "production",
    }

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: any AWS call would fail
    access = rolegate(
        capsys, "-c", config, "access", "--snapshot", str(snapshot), "--user", "cobus", "--json"
    )
    audit = rolegate(capsys, "-c", config, "audit", "--snapshot", str(snapshot), "--json")
    plan = rolegate(capsys, "-c", config, "plan", "--snapshot", str(snapshot), "--detailed-exitcode")
    csv = rolegate(capsys, "-c", config, "access", "--snapshot", str(snapshot), "--format", "csv")
    explain = rolegate(
        capsys,
        "-c",
        config,
        "access",
        "--snapshot",
        str(snapshot),
        "--explain",
        "cobus",
        "administrator@production",
    )

    assert access.code == 0, access.all
    rows = json.loads(access.out)["access"]
    administrator = {r["account"]: r for r in rows if r["role"] == "administrator"}
    assert set(administrator) == {"development", "staging", "production"}
    assert all(r["reachable"] == "yes" and r["mfa_required"] for r in administrator.values())
    assert audit.code == 0 and {f["rule"] for f in json.loads(audit.out)["findings"]} >= {"RG003", "RG015"}
    assert plan.code == 0, plan.all  # the file and the snapshot agree: nothing to do
    assert csv.out.splitlines()[0].startswith("principal,principal_account,account")
    assert "allowed by trust policy of role administrator in production" in explain.out


def test_a_snapshot_that_is_not_one_is_a_clear_error(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    bad = org.workdir / "bad.json"
    bad.write_text('{"version": 99, "accounts": {}}')

    result = rolegate(capsys, "access", "--snapshot", str(bad))

    assert result.code == 1 and "snapshot version 99" in result.err and "Traceback" not in result.all
