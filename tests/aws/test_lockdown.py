"""In a breach: given the seed applied on moto, when the operator locks production down and later restores
it, then production is exactly as before, development was never touched, and nobody reached production in
between, except rolegate's own way back in.

moto does not enforce trust policies, MFA or `aws:TokenIssueTime` (MOTO-NOTES.md): AssumeRole succeeds
whatever the trust policy says. So what moto shows here is what rolegate *writes*; what those documents
*allow* is decided by rolegate's own IAM evaluator (`AccessGraph(snapshot).matrix()`, and the evaluator's
`evaluate` for the operator, who is no IAM user in moto), which the access corpus tests against IAM's rules.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import Org, rolegate, seed_applied

from rolegate.access.graph import AccessGraph
from rolegate.access.policy import Context, evaluate, statements
from rolegate.aws.session import AwsSessions
from rolegate.respond.journal import state_dir
from rolegate.runner import read_everything, sessions_for
from rolegate.state.collect import ReadPlan, read_account
from rolegate.state.snapshot import Snapshot

pytestmark = pytest.mark.aws

OPERATOR = "arn:aws:iam::123456789012:user/moto"  # who moto's test credentials are (GetCallerIdentity)


def applied(org: Org, capsys: pytest.CaptureFixture[str]) -> str:
    return seed_applied(org, capsys)


def account_state(org: Org, name: str) -> dict[str, Any]:
    """Everything IAM says about one account's principals: documents, attachments, inline policies, tags."""
    sessions = AwsSessions(None, "us-east-1")
    state = read_account(sessions.iam(org.ids[name]), ReadPlan(name, org.ids[name], role_sessions=True))
    data = asdict(state)
    # When a role was last used is IAM's record of the lockdown itself (rolegate comes in through the
    # bootstrap role), not something restore puts back.
    for role in data["roles"].values():
        role.pop("last_used", None)
    for user in data["users"].values():
        user.pop("access_keys_last_used", None)
    return {
        "roles": data["roles"],
        "users": data["users"],
        "policies": data["policies"],
        "groups": data["groups"],
    }


def snapshot(org: Org, config: str) -> Snapshot:
    from rolegate.model.load import load

    loaded = load(Path(config))
    return read_everything(loaded.config, AwsSessions(None, "us-east-1"))


def reach(taken: Snapshot, user: str, account: str) -> dict[str, str]:
    return {
        row.role: row.reachable
        for row in AccessGraph(taken).matrix()
        if row.principal_name == user and row.account == account
    }


def reaches_nothing(taken: Snapshot, user: str, account: str) -> bool:
    return all(v == "no" for v in reach(taken, user, account).values())


def test_lockdown_then_restore_leaves_production_exactly_as_before_and_development_untouched(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied(org, capsys)
    before = {name: account_state(org, name) for name in ("production", "development")}
    taken = snapshot(org, config)
    assert reach(taken, "cobus", "production") == {
        "OrganizationAccountAccessRole": "yes",
        "administrator": "yes",
    }

    locked = rolegate(
        capsys, "-c", config, "lockdown", "production", "--yes", "--reason", "INC-42 leaked key"
    )

    assert locked.code == 0, locked.all
    assert "production is locked down" in locked.out
    during = account_state(org, "production")
    for role in ("administrator", "OrganizationAccountAccessRole"):
        trust = during["roles"][role]["trust_policy"]["Statement"]
        assert trust[-1]["Sid"] == "RolegateLockdown" and trust[-1]["Effect"] == "Deny"
        revoke = during["roles"][role]["inline_policies"]["RolegateLockdown"]["Statement"][0]
        assert revoke["Effect"] == "Deny" and "aws:TokenIssueTime" in revoke["Condition"]["DateLessThan"]
        assert any(k.startswith("rolegate:lockdown:") for k in during["roles"][role]["tags"])
    assert account_state(org, "development") == before["development"]
    journal = state_dir() / f"{org.ids['production']}.json"
    assert oct(journal.stat().st_mode & 0o777) == "0o600"
    assert json.loads(journal.read_text())["lock"]["reason"] == "INC-42 leaked key"
    # While locked, the evaluator finds no way into production for cobus (an administrator of the hub),
    # and development is as reachable as before.
    during_snapshot = snapshot(org, config)
    assert reaches_nothing(during_snapshot, "cobus", "production")
    assert reach(during_snapshot, "cobus", "development") == reach(taken, "cobus", "development")

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert account_state(org, "production") == before["production"]
    assert account_state(org, "development") == before["development"]
    assert reach(snapshot(org, config), "cobus", "production") == reach(taken, "cobus", "production")
    assert not journal.exists()  # kept aside, renamed, for the incident's record
    assert list(journal.parent.glob(f"{org.ids['production']}.restored-*.json"))


def test_while_locked_plan_shows_the_lock_and_apply_keeps_it_and_audit_reports_it(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied(org, capsys)
    assert rolegate(capsys, "-c", config, "lockdown", "production", "--yes", "--reason", "INC-7").code == 0

    plan = rolegate(capsys, "-c", config, "plan", "--detailed-exitcode")
    audit = rolegate(capsys, "-c", config, "audit", "--json")

    assert plan.code == 0, plan.all  # nothing to "fix": the lockdown is not drift
    assert "No changes." in plan.out
    assert "locked since " in plan.out and "INC-7" in plan.out and "rolegate restore production" in plan.out
    findings = json.loads(audit.out)["findings"]
    rules = {(f["rule"], f["account"]) for f in findings}
    assert ("RG020", "production") in rules
    assert not any(f["rule"] == "RG011" and "RolegateLockdown" in f["resource"] for f in findings)
    assert not any(f["rule"] == "RG016" and f["account"] == "production" for f in findings)

    # The file changes while production is locked: apply updates the role and keeps the lockdown in it.
    Path(config).write_text(Path(config).read_text().replace("require_mfa: true", "require_mfa: false"))
    changed = rolegate(capsys, "-c", config, "apply", "--yes")

    assert changed.code == 0, changed.all
    trust = org.client("iam", "production").get_role(RoleName="administrator")["Role"][
        "AssumeRolePolicyDocument"
    ]
    assert [s.get("Sid") for s in trust["Statement"]] == ["AssumeFromHub", "RolegateLockdown"]
    assert "Condition" not in trust["Statement"][0]
    assert reaches_nothing(snapshot(org, config), "cobus", "production")


def test_the_bootstrap_role_stays_open_to_the_management_account_operator_only(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """moto lets anyone assume any role, so the trust policy is put to rolegate's evaluator: the operator
    (moto's `user/moto` in the management account), the management account's root and a principal kept
    open with --keep-open are allowed, cobus
    (an administrator in the same management account) and any other principal are denied. Then the
    operator really restores through the bootstrap role."""
    config = applied(org, capsys)
    outsider = f"arn:aws:iam::{org.ids['development']}:role/IncidentResponse"
    refused = rolegate(capsys, "-c", config, "lockdown", "production", "--yes", "--keep-open", outsider)
    assert refused.code == 1 and "not a role or user ARN of the management account" in refused.err
    responder = f"arn:aws:iam::{org.hub_id}:role/IncidentResponse"
    locked = rolegate(capsys, "-c", config, "lockdown", "production", "--yes", "--keep-open", responder)
    assert locked.code == 0, locked.all
    trust = org.client("iam", "production").get_role(RoleName="OrganizationAccountAccessRole")["Role"][
        "AssumeRolePolicyDocument"
    ]
    role_arn = f"arn:aws:iam::{org.ids['production']}:role/OrganizationAccountAccessRole"

    def allowed(principal: str) -> object:
        context = Context.for_principal(principal, principal.split(":")[4], None, mfa=True)
        found = evaluate(
            statements(trust, "trust"),
            "sts:AssumeRole",
            role_arn,
            principal,
            principal.split(":")[4],
            context,
        )
        return found.allowed

    assert allowed(OPERATOR) is True
    assert allowed(f"arn:aws:iam::{org.hub_id}:root") is True
    assert allowed(responder) is True
    assert allowed(f"arn:aws:iam::{org.hub_id}:user/cobus") is False
    assert allowed(f"arn:aws:iam::{org.hub_id}:role/SomeAdmin") is False
    assert allowed(f"arn:aws:iam::{org.ids['development']}:role/OrganizationAccountAccessRole") is False
    assert reaches_nothing(snapshot(org, config), "cobus", "production")

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all


class FailAfterWrites:
    """Lets the first `n` IAM writes through, then fails every write: a laptop dying mid-lockdown."""

    def __init__(self, n: int) -> None:
        self.n, self.writes = n, 0

    def __call__(self, client: Any) -> None:
        client.meta.events.register("before-send.iam.*", self._send)

    def _send(self, request: Any = None, **_: Any) -> Any:
        from tests.helpers import error_response

        body = request.body if request is not None else b""
        text = body.decode() if isinstance(body, bytes) else str(body or "")
        action = text.split("Action=", 1)[-1].split("&", 1)[0]
        if action.startswith(("Get", "List")):
            return None
        self.writes += 1
        if self.writes > self.n:
            return error_response("ServiceFailure", "the operator's laptop died")
        return None


def _inject(monkeypatch: pytest.MonkeyPatch, fault: Any | None) -> None:
    """Every AwsSessions the lockdown and restore commands make gets `fault`; None takes it away."""
    from rolegate.cli.commands import respond

    real = sessions_for

    def with_fault(config: Any, profile: str | None) -> AwsSessions:
        sessions = real(config, profile)
        sessions.hooks.append(fault)
        return sessions

    monkeypatch.setattr(respond, "sessions_for", with_fault if fault is not None else real)


@pytest.mark.parametrize("local_journal", [True, False], ids=["local journal", "in-account copy only"])
def test_a_lockdown_interrupted_after_its_first_write_is_restored_exactly(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, local_journal: bool
) -> None:
    config = applied(org, capsys)
    before = account_state(org, "production")
    fault = FailAfterWrites(1)
    _inject(monkeypatch, fault)

    interrupted = rolegate(capsys, "-c", config, "lockdown", "production", "--yes")

    assert interrupted.code != 0 and "Lockdown stopped" in interrupted.out, interrupted.all
    assert "the journal is kept" in interrupted.err
    assert fault.writes >= 2  # one write went through, the next failed
    assert account_state(org, "production") != before  # the first write (a journal tag) is there
    _inject(monkeypatch, None)
    journal = state_dir() / f"{org.ids['production']}.json"
    assert journal.exists()  # written in full before the first AWS write
    if not local_journal:
        journal.unlink()

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert account_state(org, "production") == before


def test_a_complete_lockdown_restores_from_the_account_alone_when_the_laptop_died(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied(org, capsys)
    before = account_state(org, "production")
    assert rolegate(capsys, "-c", config, "lockdown", "production", "--yes").code == 0
    (state_dir() / f"{org.ids['production']}.json").unlink()

    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert restored.code == 0, restored.all
    assert "the roles' tags in the account" in restored.err
    assert account_state(org, "production") == before


def test_lockdown_twice_writes_nothing_the_second_time_and_keeps_the_first_journal(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied(org, capsys)
    assert rolegate(capsys, "-c", config, "lockdown", "production", "--yes", "--reason", "first").code == 0
    journal = state_dir() / f"{org.ids['production']}.json"
    first, locked = journal.read_text(), account_state(org, "production")

    again = rolegate(capsys, "-c", config, "lockdown", "production", "--yes", "--reason", "second")

    assert again.code == 0, again.all
    assert "nothing to do" in again.out
    assert journal.read_text() == first and account_state(org, "production") == locked


def test_restore_after_someone_edited_a_role_stops_with_the_difference_and_force_goes_on(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied(org, capsys)
    before = account_state(org, "production")
    assert rolegate(capsys, "-c", config, "lockdown", "production", "--yes").code == 0
    iam = org.client("iam", "production")
    document = iam.get_role(RoleName="administrator")["Role"]["AssumeRolePolicyDocument"]
    document["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::999999999999:root"}
    iam.update_assume_role_policy(RoleName="administrator", PolicyDocument=json.dumps(document))
    iam.attach_role_policy(RoleName="administrator", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    edited = account_state(org, "production")

    stopped = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert stopped.code == 1
    assert "restore stopped: production changed since the lockdown" in stopped.err
    assert "trust policy edited during the lockdown" in stopped.out
    assert "-   Principal: { AWS: arn:aws:iam::123456789012:root }" in stopped.out
    assert "+   Principal: { AWS: arn:aws:iam::999999999999:root }" in stopped.out
    assert "+ policy ReadOnlyAccess attached" in stopped.out
    assert "--force" in stopped.err
    assert account_state(org, "production") == edited  # nothing was changed

    forced = rolegate(capsys, "-c", config, "restore", "production", "--yes", "--force")

    assert forced.code == 0, forced.all
    after = account_state(org, "production")
    assert after["roles"]["administrator"]["trust_policy"] == before["roles"]["administrator"]["trust_policy"]
    assert "RolegateLockdown" not in after["roles"]["administrator"]["inline_policies"]
    # What someone else attached is theirs, not lockdown's: left as found, and plan shows it.
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" in after["roles"]["administrator"]["managed_policies"]


def test_cobus_is_locked_out_everywhere_and_let_back_in(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    config = applied(org, capsys)
    hub = org.client("iam")
    secret = hub.create_access_key(UserName="cobus")["AccessKey"]
    key_id = secret["AccessKeyId"]
    before = {name: account_state(org, name) for name in org.ids}
    taken = snapshot(org, config)
    assert reach(taken, "cobus", "production")["administrator"] == "yes"

    locked = rolegate(capsys, "-c", config, "lockdown", "--user", "cobus", "--yes", "--reason", "phished")

    assert locked.code == 0, locked.all
    assert hub.list_access_keys(UserName="cobus")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    with pytest.raises(hub.exceptions.NoSuchEntityException):
        hub.get_login_profile(UserName="cobus")
    assert "RolegateLockdown" in hub.list_user_policies(UserName="cobus")["PolicyNames"]
    # The role sessions cobus may hold end: older sessions on every role cobus reached are denied.
    for account in ("development", "staging", "production"):
        policies = org.client("iam", account).list_role_policies(RoleName="administrator")["PolicyNames"]
        assert policies == ["RolegateLockdown-cobus"]
    during = snapshot(org, config)
    for account in ("development", "staging", "production"):
        assert reaches_nothing(during, "cobus", account)
    plan = rolegate(capsys, "-c", config, "plan", "--detailed-exitcode")
    assert plan.code == 0 and "user cobus locked since" in plan.out, plan.all
    journal = state_dir() / f"user-{org.hub_id}-cobus.json"
    assert oct(journal.stat().st_mode & 0o777) == "0o600"

    password_file = org.workdir / "cobus-password"
    restored = rolegate(
        capsys, "-c", config, "restore", "--user", "cobus", "--yes", "--password-out", str(password_file)
    )

    assert restored.code == 0, restored.all
    assert hub.list_access_keys(UserName="cobus")["AccessKeyMetadata"][0]["Status"] == "Active"
    assert hub.get_login_profile(UserName="cobus")["LoginProfile"]["UserName"] == "cobus"
    assert {name: account_state(org, name) for name in org.ids} == before
    assert reach(snapshot(org, config), "cobus", "production") == reach(taken, "cobus", "production")
    password = password_file.read_text().split("\t")[-1].strip()
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    kept = next(journal.parent.glob("user-*.restored-*.json")).read_text()
    for text in (locked.all, restored.all, plan.all, kept):
        assert secret["SecretAccessKey"] not in text and password not in text
    assert key_id not in locked.all  # shown as AKIA…WXYZ


def _on_a_terminal(args: list[str], answer: bytes) -> tuple[int, bytes]:
    """`rolegate ARGS` with a terminal on stdin and stdout, answering its one question with `answer`."""
    import pty
    import subprocess
    import sys

    from tests.terminal import drain, read_until

    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "rolegate", *args], stdin=follower, stdout=follower, stderr=follower
    )
    os.close(follower)
    try:
        seen = read_until(leader, b"Only 'yes' will be accepted", limit=120)
        os.write(leader, answer + b"\n")
        code = child.wait(timeout=120)
        return code, seen + drain(leader)
    finally:
        os.close(leader)


def test_the_plan_is_shown_and_only_yes_locks_down(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    config = applied(org, capsys)
    before = account_state(org, "production")

    no_terminal = rolegate(capsys, "-c", config, "lockdown", "production")
    code, shown = _on_a_terminal(["-c", config, "lockdown", "production"], b"no")

    assert no_terminal.code == 1 and "there is no terminal to ask on" in no_terminal.err
    assert code == 1, shown
    assert b"Lockdown of production" in shown and b"+ trust: Deny sts:AssumeRole" in shown
    assert b"lockdown cancelled; nothing was changed" in shown
    assert account_state(org, "production") == before

    code, shown = _on_a_terminal(["-c", config, "lockdown", "production"], b"yes")

    assert code == 0, shown
    assert b"production is locked down" in shown
    assert account_state(org, "production") != before


def test_importing_a_locked_account_describes_it_as_it_was_before_the_lockdown(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the seed applied and imported, when production is locked down and imported again, then the file
    is the same but for a note saying production is locked: the lockdown's Deny statements and policies are
    rolegate's own, not part of the setup, so production's roles are still described as hub roles."""
    config = applied(org, capsys)
    first, second = org.workdir / "before.yaml", org.workdir / "during.yaml"
    assert rolegate(capsys, "-c", config, "import", "-o", str(first)).code == 0
    assert rolegate(capsys, "-c", config, "lockdown", "production", "--yes", "--reason", "INC-7").code == 0

    during = rolegate(capsys, "-c", config, "import", "-o", str(second))

    assert during.code == 0, during.all
    added = set(second.read_text().splitlines()) - set(first.read_text().splitlines())
    assert added and all(line.lstrip().startswith("#") for line in added)
    assert "production is locked since" in " ".join(added) and "INC-7" in " ".join(added)
    assert "RolegateLockdown" not in second.read_text()


class RefuseForRole:
    """IAM refuses one role's new trust policy (say, past the account's trust-policy size quota)."""

    def __init__(self, role: str) -> None:
        self.role = role

    def __call__(self, client: Any) -> None:
        client.meta.events.register("before-send.iam.UpdateAssumeRolePolicy", self._send)

    def _send(self, request: Any = None, **_: Any) -> Any:
        from tests.helpers import error_response

        body = request.body if request is not None else b""
        text = body.decode() if isinstance(body, bytes) else str(body or "")
        if f"RoleName={self.role}&" in text + "&":
            return error_response("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048")
        return None


def test_a_role_that_cannot_be_locked_does_not_keep_the_others_open(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given IAM refuses production's administrator its lockdown trust policy, when production is locked
    down, then the other roles are locked all the same, the failure is named with a non-zero exit, and a rerun
    once the cause is fixed locks what is left; restore then puts everything back."""
    config = applied(org, capsys)
    before = account_state(org, "production")
    _inject(monkeypatch, RefuseForRole("administrator"))

    partial = rolegate(capsys, "-c", config, "lockdown", "production", "--yes")

    assert partial.code != 0 and "administrator" in partial.err and "LimitExceeded" in partial.all
    assert "the others are done" in partial.err and "Traceback" not in partial.all
    during = account_state(org, "production")["roles"]
    bootstrap = during["OrganizationAccountAccessRole"]
    assert bootstrap["trust_policy"]["Statement"][-1]["Sid"] == "RolegateLockdown"
    assert "RolegateLockdown" in during["administrator"]["inline_policies"]  # its old sessions end anyway
    _inject(monkeypatch, None)

    rerun = rolegate(capsys, "-c", config, "lockdown", "production", "--yes")

    assert rerun.code == 0, rerun.all
    trust = account_state(org, "production")["roles"]["administrator"]["trust_policy"]["Statement"]
    assert trust[-1]["Sid"] == "RolegateLockdown"
    assert rolegate(capsys, "-c", config, "restore", "production", "--yes").code == 0
    assert account_state(org, "production") == before


def test_a_journal_left_by_a_lockdown_restored_elsewhere_is_set_aside_not_taken_up(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given alice locked production down and bob restored it from his machine (from the tags), when alice
    locks it down again for a new incident, then her old local journal is set aside: the new lockdown has its
    own time (so the sessions of the new breach end) and its own reason and documents."""
    config = applied(org, capsys)
    assert rolegate(capsys, "-c", config, "lockdown", "production", "--yes", "--reason", "INC-1").code == 0
    journal = state_dir() / f"{org.ids['production']}.json"
    first = json.loads(journal.read_text())["lock"]["since"]
    alices = journal.with_name("alice.json")
    journal.rename(alices)  # bob's machine has no local journal: he restores from the tags
    assert rolegate(capsys, "-c", config, "restore", "production", "--yes").code == 0
    alices.rename(journal)  # alice's laptop still has hers
    time.sleep(1.1)  # the lock's time has one-second steps

    again = rolegate(capsys, "-c", config, "lockdown", "production", "--yes", "--reason", "INC-2")

    assert again.code == 0, again.all
    assert "set aside" in again.all
    lock = json.loads(journal.read_text())["lock"]
    assert lock["reason"] == "INC-2" and lock["since"] > first
    revoke = account_state(org, "production")["roles"]["administrator"]["inline_policies"]["RolegateLockdown"]
    assert revoke["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"] == lock["since"]


class RefuseOperation:
    """IAM refuses every call of one operation (say, a spoke's DeleteRolePolicy during a restore)."""

    def __init__(self, operation: str) -> None:
        self.operation = operation

    def __call__(self, client: Any) -> None:
        client.meta.events.register(f"before-send.iam.{self.operation}", self._send)

    def _send(self, **_: Any) -> Any:
        from tests.helpers import error_response

        return error_response("ServiceFailure", "IAM is having a bad day")


def test_a_restore_that_fails_after_setting_a_new_password_still_hands_it_out(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given cobus locked out, when his restore sets his new console password and then fails in a spoke,
    then the password is in --password-out all the same: IAM has it and would never show it again."""
    config = applied(org, capsys)
    assert rolegate(capsys, "-c", config, "lockdown", "--user", "cobus", "--yes").code == 0
    _inject(monkeypatch, RefuseOperation("DeleteRolePolicy"))
    password_file = org.workdir / "cobus-password"

    failed = rolegate(
        capsys, "-c", config, "restore", "--user", "cobus", "--yes", "--password-out", str(password_file)
    )

    assert failed.code != 0 and "Traceback" not in failed.all
    assert org.client("iam").get_login_profile(UserName="cobus")["LoginProfile"]["UserName"] == "cobus"
    _, user, password = password_file.read_text().strip().split("\t")
    assert user == "cobus" and password and password not in failed.all
