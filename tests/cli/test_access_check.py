"""`rolegate access check`: one request asked as a user types it, answered with its statements, gating CI.

Given the seed applied on moto (cobus in the hub's groups, `administrator` roles in every environment
trusting the hub with MFA), when cobus's requests are checked, then the exit code is the answer (0 allow,
1 deny, 2 conditional), the human output names the deciding statements by layer, --json is data, and a
mistake in the question is one clear error with exit 1. `rolegate access --user cobus` is unchanged.

`access check` is new (it did not exist at dc3883e, where these fail as an unknown command); the refused
row test is of a change: there the Deny made the row disappear.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.helpers import Org, Result, rolegate, seed_applied

pytestmark = pytest.mark.aws

ASSUME = "sts:AssumeRole"


@pytest.fixture
def applied(org: Org, capsys: pytest.CaptureFixture[str]) -> tuple[Org, str, Path]:
    """The seed applied, and a snapshot of it (the checks then ask offline: fast, and no AWS call)."""
    config = seed_applied(org, capsys)
    snapshot = org.workdir / "org.json"
    assert rolegate(capsys, "-c", config, "snapshot", "-o", str(snapshot)).code == 0
    return org, config, snapshot


def check(capsys: pytest.CaptureFixture[str], snapshot: Path, *args: str) -> Result:
    return rolegate(capsys, "access", "check", "--snapshot", str(snapshot), *args)


def test_the_exit_code_is_the_answer(
    applied: tuple[Org, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the seed, when cobus asks to assume administrator in production with an MFA session, then
    allow (0); with long-term keys, deny (1); not saying, conditional on MFA (2)."""
    _, _, snapshot = applied
    ask = ("-p", "cobus", "--action", ASSUME, "--resource", "administrator@production")

    with_mfa = check(capsys, snapshot, *ask, "--mfa")
    without = check(capsys, snapshot, *ask, "--no-mfa")
    unknown = check(capsys, snapshot, *ask)

    assert with_mfa.code == 0, with_mfa.all
    assert with_mfa.out.startswith("ALLOW  arn:aws:iam::")
    assert "managed policy production_administrator" in with_mfa.out  # the identity side's statement
    assert "trust policy of role administrator in production" in with_mfa.out
    assert "(Sid AssumeFromHub)" in with_mfa.out
    assert without.code == 1 and "DENY" in without.out and "implicit" in without.out
    assert unknown.code == 2 and "only if Bool aws:MultiFactorAuthPresent true" in unknown.out
    for layer in ("identity", "permissions boundary", "SCP", "RCP", "resource policy"):
        assert layer in with_mfa.out, layer


def test_json_is_the_decision_as_data(
    applied: tuple[Org, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    org, _, snapshot = applied

    done = check(
        capsys, snapshot, "-p", f"arn:aws:iam::{org.hub_id}:user/cobus", "--action", ASSUME,
        "--resource", f"arn:aws:iam::{org.ids['staging']}:role/administrator", "--mfa", "--json",
    )  # fmt: skip

    assert done.code == 0, done.all
    data = json.loads(done.out)
    assert data["format_version"] == 1 and data["decision"] == "allow"
    assert {s["layer"] for s in data["statements"]} >= {"identity", "resource policy"}
    trust = next(s for s in data["statements"] if s["layer"] == "resource policy")
    assert trust["account_id"] == org.ids["staging"] and trust["sid"] == "AssumeFromHub"
    assert data["layers"][0]["layer"] == "identity"
    assert data["context"]["aws:MultiFactorAuthPresent"] == ["true"]


def test_an_explicit_deny_is_named(
    applied: tuple[Org, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a hand-made inline Deny on cobus, when he asks again, then explicit deny (1), the statement
    named by its Sid."""
    org, config, snapshot = applied
    deny = {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoProduction", "Effect": "Deny", "Action": "sts:AssumeRole",
         "Resource": f"arn:aws:iam::{org.ids['production']}:role/*"}]}  # fmt: skip
    org.client("iam").put_user_policy(UserName="cobus", PolicyName="fence", PolicyDocument=json.dumps(deny))
    assert rolegate(capsys, "-c", config, "snapshot", "-o", str(snapshot)).code == 0

    done = check(capsys, snapshot, "-p", "cobus", "--action", ASSUME, "--resource",
                 "administrator@production", "--mfa")  # fmt: skip

    assert done.code == 1, done.all
    assert "DENY" in done.out and "explicit" in done.out
    assert "user cobus: inline policy fence in master (Sid NoProduction)" in done.out


def test_any_action_not_only_assume_role(
    applied: tuple[Org, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the seed, cobus is in master_administrator (AdministratorAccess in the hub): iam:CreateUser in
    the hub is allowed by that policy; in production it is not, since IAM has no resource policies and an
    identity policy alone never reaches another account."""
    org, _, snapshot = applied
    ask = ("-p", "cobus", "--action", "iam:CreateUser", "--resource")

    hub = check(capsys, snapshot, *ask, f"arn:aws:iam::{org.hub_id}:user/eve")
    production = check(capsys, snapshot, *ask, f"arn:aws:iam::{org.ids['production']}:user/eve")

    assert hub.code == 0 and "managed policy AdministratorAccess in master" in hub.out, hub.all
    assert production.code == 1 and "nothing allows it in: resource policy" in production.out, production.all


def test_live_without_a_snapshot(applied: tuple[Org, str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Given no --snapshot, when asked, then every account is read first, and the answer is the same."""
    _, config, _ = applied

    done = rolegate(capsys, "-c", config, "access", "check", "-p", "cobus", "--action", ASSUME,
                    "--resource", "administrator@development", "--mfa")  # fmt: skip

    assert done.code == 0, done.all


BAD = [
    (("-p", "nobody", "--action", ASSUME, "--resource", "administrator@production"), "no user 'nobody'"),
    (("-p", "cobsu", "--action", ASSUME, "--resource", "administrator@production"), "did you mean cobus"),
    (("-p", "arn:aws:iam::123:user/x", "--action", ASSUME, "--resource", "administrator@production"),
     "is not an ARN"),
    (("-p", "arn:aws:iam::999999999999:user/x", "--action", ASSUME, "--resource", "a@production"),
     "no user or role"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "nope@production"), "no role 'nope'"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "administrator@qa"), "no role 'administrator'"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "administrator"), "neither an ARN nor ROLE@ACCOUNT"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "arn:aws:iam"), "is not an ARN"),
    (("-p", "cobus", "--action", "AssumeRole", "--resource", "a@production"), "not an IAM action"),
    (("-p", "cobus", "--action", "sts:Assume Role", "--resource", "a@production"), "not an IAM action"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "administrator@production", "--context", "novalue"),
     "is not KEY=VALUE"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "administrator@production", "--context", "=x"),
     "is not KEY=VALUE"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "administrator@production", "--context", "nocolon=x"),
     "is not KEY=VALUE"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "administrator@production", "--absent", "bad key"),
     "not an IAM condition key"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "administrator@production",
      "--context", "sts:ExternalId=x", "--absent", "sts:ExternalId"), "both given"),
    (("--action", ASSUME, "--resource", "administrator@production"), "needs --principal"),
    (("-p", "cobus", "--resource", "administrator@production"), "needs --action"),
    (("-p", "cobus", "--action", ASSUME), "needs --resource"),
    (("-p", "cob\nus", "--action", ASSUME, "--resource", "administrator@production"), "no user 'cob\\x0aus'"),
    (("-p", "cobus", "--action", ASSUME, "--resource", "admin\x1b[2J@production"), "no role 'admin\\x1b[2J'"),
]  # fmt: skip


def test_bad_questions_are_one_clear_error(
    applied: tuple[Org, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the seed, when a question is malformed (unknown user or role, a bad ARN, action or context),
    then exit 1, one error line naming what was wrong (controls shown as escapes), no traceback."""
    _, _, snapshot = applied
    assert len(BAD) >= 20
    for args, wanted in BAD:
        done = check(capsys, snapshot, *args)
        assert done.code == 1, (args, done.all)
        assert wanted in done.err, (args, done.err)
        assert "Traceback" not in done.all and "\x1b" not in done.all
        assert done.err.startswith("error:"), done.err


def test_access_as_a_group_still_answers_access_user(
    applied: tuple[Org, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the seed, `rolegate access --user cobus --json` is what it always was; --help shows check."""
    _, config, snapshot = applied

    done = rolegate(capsys, "-c", config, "access", "--snapshot", str(snapshot), "--user", "cobus", "--json")
    helped = rolegate(capsys, "access", "--help")
    check_help = rolegate(capsys, "access", "check", "--help")

    assert done.code == 0, done.all
    rows = json.loads(done.out)["access"]
    assert {(r["role"], r["account"]) for r in rows} >= {("administrator", "production")}
    assert "check" in helped.out and "--user" in helped.out
    assert check_help.code == 0 and "0 allow, 1 deny" in check_help.out and "Examples" in check_help.out


def test_a_refused_role_is_a_row_in_json_and_counted_in_the_table(
    applied: tuple[Org, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a hand-made inline Deny on cobus for production's administrator, when his access is listed,
    then --json has it as a row "denied" naming the Deny, with both answers; the table
    leaves it out with a count line, and --all shows it; other rows keep both answers too."""
    org, config, snapshot = applied
    deny = {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoProduction", "Effect": "Deny", "Action": "sts:AssumeRole",
         "Resource": f"arn:aws:iam::{org.ids['production']}:role/administrator"}]}  # fmt: skip
    org.client("iam").put_user_policy(UserName="cobus", PolicyName="fence", PolicyDocument=json.dumps(deny))
    assert rolegate(capsys, "-c", config, "snapshot", "-o", str(snapshot)).code == 0
    asked = ("-c", config, "access", "--snapshot", str(snapshot), "--user", "cobus")

    data = rolegate(capsys, *asked, "--json")
    table = rolegate(capsys, *asked)
    everything = rolegate(capsys, *asked, "--all")
    csv = rolegate(capsys, *asked, "--format", "csv")

    rows = {(r["role"], r["account"]): r for r in json.loads(data.out)["access"]}
    refused = rows[("administrator", "production")]
    assert refused["reachable"] == "denied"
    assert refused["why"] == ["user cobus: inline policy fence (Sid NoProduction)"]
    # With MFA the policies would let him in but for the Deny; without, the trust's MFA condition already
    # keeps him out: "no", not "denied".
    assert (refused["with_mfa"]["reachable"], refused["without_mfa"]["reachable"]) == ("denied", "no")
    staging = rows[("administrator", "staging")]
    assert (staging["with_mfa"]["reachable"], staging["without_mfa"]["reachable"]) == ("yes", "no")
    assert "1 more refused by an explicit Deny" in table.out and "denied" not in table.out
    assert "denied" in everything.out and "fence" in everything.out  # the table wraps at 80 columns
    assert "administrator,denied" in csv.out.replace('"', "")
