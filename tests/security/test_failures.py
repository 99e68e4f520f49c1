"""Issue 16, class 6: failures that repeat or mislead.

Given the seed applied on moto and cobus's profiles written, these tests show that

- a failing MFA source (a password manager that is locked, a command that prints no code, a code AWS
  refuses) is asked once for a burst of parallel `rolegate credential-process` callers, and every one of
  them gets the same clear error; a call after the failure window asks again;
- a misspelt AWS managed policy (`ReadOnlyAcess`, `service-role/AWSLambdaBasicExecutionRol`, an ARN with a
  typo) is caught by `plan` (file:line, did you mean) before any change, looked up in the hub only when the
  shipped list does not know it; offline `validate` warns;
- `apply` reads back what it wrote: a change IAM answered OK for but did not keep (an IAM in front of moto
  that answers a write OK and drops it) is "not applied: <what differs>" naming the account and resource,
  exit 1, never "applied"; a normal apply reads back only the accounts and extras it changed and says
  applied; the decision itself (apply.not_applied) is tested on 27 pairs of plan and re-read state;
- (class 4) every path that issues a console password, apply and `restore --user`, refuses 24 unsafe
  --password-out paths (links, someone's file, a FIFO, a read-only or shared directory…) before any IAM
  change; writes the password into the file before its next IAM call; and, when the write fails after IAM
  set the password, shows it once on the terminal (or, with none, names the users and how to reset them);
- no console password is in any log record (botocore logs request parameters at DEBUG), in the lockdown
  journal, the user's tags, or any output.

Checked against the pre-fix commit fb45e3e (a worktree of it on PYTHONPATH, then this module):
every attack here fails there (six prompts for six callers; the misspelt names pass plan; apply says
applied; unsafe --password-out files are written or refused after IAM changed; a password that cannot be
written is lost; botocore's DEBUG log holds the password; restore writes its password only at the end).
Guards that pass there too, by design: a failure that asked nobody (no terminal) is not shared; the safe
--password-out cases (a new 0600 file, an earlier run's password file) and apply writing the password
before its next call, which fb45e3e did already. The tests of `rolegate.model.managed_policies` and of
`rolegate.plan.apply.not_applied` cannot run there: neither existed at fb45e3e (they fail on import).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.builders import allow, doc, trust
from tests.faults import STS_XMLNS, FaultyProxy
from tests.helpers import PROFILES, ROLEGATE, Org, asked, on_every_session

from rolegate.plan.compile import Desired
from rolegate.state.snapshot import Role, Snapshot, User

pytestmark = pytest.mark.aws


# ---------------------------------------------------------------------------------------------------------
# A failing MFA source, shared with the callers queued behind it


class _RefusesMfaCodes(FaultyProxy):
    """AWS as it answers a mistyped code: GetSessionToken refused (moto accepts any code)."""

    def _handle(self, handler: Any) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if b"Action=GetSessionToken" in body:
            message = "MultiFactorAuthentication failed with invalid MFA one time pass code."
            xml = (
                f'<ErrorResponse xmlns="{STS_XMLNS}"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
                f"<Message>{message}</Message></Error><RequestId>refused</RequestId></ErrorResponse>"
            ).encode()
            self._reply(handler, 403, {"Content-Type": "text/xml"}, xml)
            return
        status, headers, answer = self._forward(handler, body)
        self._reply(handler, status, headers, answer)


@pytest.fixture
def refusing(cobus: Org) -> Iterator[str]:
    with _RefusesMfaCodes(cobus.url) as proxy:
        yield proxy.url


# (what the person sees happen, the MFA command's body after it counts the call, whether AWS refuses codes)
MFA_SOURCES = [
    ("a locked password manager: the command exits 1", "echo 'vault is locked' >&2; exit 1", False),
    ("a command that prints no code", "echo 'enter your master password'", False),
    ("a command that prints five digits", "echo 12345", False),
    ("a code AWS refuses (mistyped)", "echo 000000", True),
]


def _failing_source(org: Org, body: str, refuse: str | None) -> dict[str, str]:
    script = Path(org.extra["counter"]).with_name("failing-mfa")
    # A second at the prompt: the other callers are queued on the refresh lock by then.
    script.write_text(f"#!/bin/sh\necho asked >> {org.extra['counter']}\nsleep 1\n{body}\n")
    script.chmod(0o755)
    env = {**org.extra["env"], "ROLEGATE_MFA_COMMAND": str(script)}
    if refuse:
        env["AWS_ENDPOINT_URL"] = refuse
    return env


def _credential_process(env: dict[str, str], profile: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROLEGATE, "credential-process", profile],
        env=env, capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _age_shared_failures(org: Org, seconds: float) -> int:
    """As if `seconds` had passed since the failure was shared (the files beside the refresh locks)."""
    locks = Path(org.extra["env"]["XDG_CACHE_HOME"]) / "rolegate" / "locks"
    n = 0
    for path in locks.glob("*.failed"):
        data = json.loads(path.read_text())
        data["at"] -= seconds
        path.write_text(json.dumps(data))
        n += 1
    return n


@pytest.mark.parametrize(("story", "body", "aws_refuses"), MFA_SOURCES, ids=[s[0] for s in MFA_SOURCES])
def test_six_parallel_callers_and_a_failing_mfa_source_mean_one_prompt_and_one_error_for_all(
    cobus: Org, refusing: str, story: str, body: str, aws_refuses: bool
) -> None:
    env = _failing_source(cobus, body, refusing if aws_refuses else None)
    profiles = [PROFILES[i % len(PROFILES)] for i in range(6)]  # terraform with six providers at once

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda p: _credential_process(env, p), profiles))

    assert asked(cobus) == 1, f"{story}: the source was asked {asked(cobus)} times for 6 callers"
    assert all(r.returncode == 1 and r.stdout == "" for r in results), [r.stderr for r in results]
    reasons = {r.stderr.splitlines()[0].split(" (MFA for profile")[0] for r in results}
    assert len(reasons) == 1, reasons  # the same reason for every caller
    shared = [r.stderr for r in results if "not asked again meanwhile" in r.stderr]
    assert len(shared) == 5 and all("rolegate logout demo-master-cobus" in e for e in shared)
    assert not any("Traceback" in r.stderr for r in results)
    if not aws_refuses:  # the command line is the user's: it is named by its program only
        assert not any(str(env["ROLEGATE_MFA_COMMAND"]) in r.stderr for r in results)

    again = _credential_process(env, "demo-staging-cobus")  # at once: still the shared failure
    assert again.returncode == 1 and asked(cobus) == 1

    assert _age_shared_failures(cobus, 31) == 1  # half a minute later: asked again
    later = _credential_process(env, "demo-staging-cobus")
    assert later.returncode == 1 and asked(cobus) == 2

    logout = [ROLEGATE, "logout", "demo-master-cobus"]  # what the error says to do
    assert subprocess.run(logout, env=env, check=False, capture_output=True).returncode == 0
    fixed = _credential_process(cobus.extra["env"], "demo-production-cobus")  # a working source, at once
    assert fixed.returncode == 0, fixed.stderr
    assert json.loads(fixed.stdout)["Version"] == 1 and asked(cobus) == 3


def test_a_failure_is_not_shared_with_a_caller_who_was_never_going_to_ask(cobus: Org) -> None:
    """No terminal and no command is a failure of this caller only: the next one, with a command, asks."""
    no_source = {k: v for k, v in cobus.extra["env"].items() if k != "ROLEGATE_MFA_COMMAND"}
    first = subprocess.run(
        [ROLEGATE, "credential-process", "demo-production-cobus"],
        env=no_source, capture_output=True, text=True, timeout=120, check=False,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    assert first.returncode == 1 and "no terminal to ask" in first.stderr

    second = _credential_process(cobus.extra["env"], "demo-production-cobus")

    assert second.returncode == 0, second.stderr
    assert asked(cobus) == 1


def test_what_is_shared_holds_no_secret(cobus: Org) -> None:
    env = _failing_source(cobus, "echo 'vault is locked' >&2; exit 1", None)
    # A seed on the command line, as `oathtool --totp -b SEED` puts it there.
    seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    env["ROLEGATE_MFA_COMMAND"] = f"{env['ROLEGATE_MFA_COMMAND']} --totp -b {seed}"

    done = _credential_process(env, "demo-production-cobus")

    locks = Path(env["XDG_CACHE_HOME"]) / "rolegate" / "locks"
    shared = list(locks.glob("*.failed"))
    assert done.returncode == 1 and seed not in done.stderr
    assert len(shared) == 1 and oct(shared[0].stat().st_mode & 0o777) == "0o600"
    record = json.loads(shared[0].read_text())
    assert set(record) == {"at", "profile", "mfa_serial", "message", "hint"}
    assert seed not in shared[0].read_text() and cobus.extra["keys"]["SecretAccessKey"] not in record.values()


# ---------------------------------------------------------------------------------------------------------
# A misspelt AWS managed policy, caught at plan with did-you-mean

# (what cobus wrote in rolegate.yaml, the name rolegate must suggest first)
MISSPELT = [
    ("ReadOnlyAcess", "ReadOnlyAccess"),  # a missing letter
    ("ReadOnlyAccesss", "ReadOnlyAccess"),  # one too many
    ("RaedOnlyAccess", "ReadOnlyAccess"),  # swapped letters
    ("readonlyaccess", "ReadOnlyAccess"),  # case
    ("READONLYACCESS", "ReadOnlyAccess"),
    ("/ReadOnlyAcess", "ReadOnlyAccess"),  # a leading slash
    ("AdministratorAcess", "AdministratorAccess"),
    ("AdminstratorAccess", "AdministratorAccess"),
    ("AdministartorAccess", "AdministratorAccess"),
    ("administratoraccess", "AdministratorAccess"),
    ("PowreUserAccess", "PowerUserAccess"),
    ("SecurityAudt", "SecurityAudit"),
    ("AmazonS3ReadOnlyAcces", "AmazonS3ReadOnlyAccess"),
    ("IAMReadonlyAccess", "IAMReadOnlyAccess"),
    ("AWSLambdaBasicExecutionRole", "service-role/AWSLambdaBasicExecutionRole"),  # its path left out
    ("service-role/AWSLambdaBasicExecutionRol", "service-role/AWSLambdaBasicExecutionRole"),
    ("service-role/awslambdabasicexecutionrole", "service-role/AWSLambdaBasicExecutionRole"),
    ("service_role/AWSLambdaBasicExecutionRole", "service-role/AWSLambdaBasicExecutionRole"),
    ("ViewOnlyAccess", "job-function/ViewOnlyAccess"),  # its path left out
    ("job-function/ViewOnlyAcces", "job-function/ViewOnlyAccess"),
    ("jobfunction/ViewOnlyAccess", "job-function/ViewOnlyAccess"),
    ("job-function/DatabaseAdminstrator", "job-function/DatabaseAdministrator"),
    ("Billing", "job-function/Billing"),
    ("arn:aws:iam::aws:policy/ReadOnlyAcess", "arn:aws:iam::aws:policy/ReadOnlyAccess"),  # ARNs with a typo
    ("arn:aws:iam::aws:policy/ViewOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
    (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRol",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    ),
]


def _config_naming(org: Org, refs: list[str]) -> tuple[Path, dict[str, int]]:
    """The seed, plus one group per reference (IAM allows ten policies a group); and each one's line."""
    from tests.builders import seed_config

    groups = "".join(f'  typo_{i}:\n    policies: ["{ref}"]\n' for i, ref in enumerate(refs))
    text = seed_config(org.ids).replace("groups:\n", "groups:\n" + groups, 1)
    lines = {ref: text.splitlines().index(f'    policies: ["{ref}"]') + 1 for ref in refs}
    return org.write_config(text), lines


def test_every_misspelt_managed_policy_stops_plan_and_apply_with_its_line_and_the_right_name(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers import rolegate

    config, lines = _config_naming(org, [ref for ref, _ in MISSPELT])
    iam = org.client("iam")

    validate = rolegate(capsys, "-c", str(config), "validate")
    plan = rolegate(capsys, "-c", str(config), "plan")
    apply = rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(org.workdir / "pw"))

    assert validate.code == 0, validate.all  # offline: warned, not refused (AWS may have added them since)
    assert plan.code == 1 and apply.code == 1, plan.all
    for ref, meant in MISSPELT:
        at = f"{config}:{lines[ref]}:"
        assert at in validate.err and at in plan.err and at in apply.err, ref
        for output in (validate.err, plan.err):
            block = output[output.index(at) :].split(f"{config}:", 2)[1]
            assert f"did you mean {meant!r}" in block, (ref, block)
    assert "Plan:" not in plan.out and "Applied" not in apply.all
    assert not any(g["GroupName"].startswith("typo_") for g in iam.list_groups()["Groups"])
    assert iam.list_users()["Users"] == []  # apply stopped before any change: cobus was not made either


def test_a_name_the_shipped_list_lacks_but_aws_has_is_looked_up_once_and_accepted(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS adds managed policies every month: an old list must not block a new one."""
    from tests.helpers import rolegate

    from rolegate.model import managed_policies

    older = managed_policies.shipped_names() - {"job-function/ViewOnlyAccess", "SecurityAudit"}
    monkeypatch.setattr(managed_policies, "shipped_names", lambda: older)
    config, _ = _config_naming(
        org, ["job-function/ViewOnlyAccess", "SecurityAudit", "job-function/ViewOnlyAccess"]
    )

    plan = rolegate(capsys, "-c", str(config), "plan")

    assert plan.code == 0, plan.all
    assert "+ group typo_0" in plan.out and "+ group typo_2" in plan.out


def test_each_unknown_name_is_asked_of_aws_once_however_often_it_is_named(org: Org) -> None:
    """Tests rolegate.model.managed_policies, new since fb45e3e (there it cannot be imported)."""
    from tests.builders import seed_config

    from rolegate.model.load import parse
    from rolegate.model.managed_policies import plan_issues

    refs = ["ReadOnlyAcess", "ReadOnlyAcess", "arn:aws:iam::aws:policy/ReadOnlyAcess", "NewPolicyOfNextMonth"]
    groups = "".join(f'  typo_{i}:\n    policies: ["{ref}"]\n' for i, ref in enumerate(refs))
    config = parse(seed_config(org.ids).replace("groups:\n", "groups:\n" + groups, 1)).config
    asked: list[str] = []

    def exists(arn: str) -> bool | None:
        asked.append(arn)
        return arn.endswith("/NewPolicyOfNextMonth")  # AWS has the new one, not the typo

    issues = plan_issues(config, exists)

    assert asked == ["arn:aws:iam::aws:policy/ReadOnlyAcess", "arn:aws:iam::aws:policy/NewPolicyOfNextMonth"]
    assert [i.loc for i in issues] == [("groups", f"typo_{i}", "policies", 0) for i in range(3)]
    assert "did you mean 'arn:aws:iam::aws:policy/ReadOnlyAccess'" in (issues[2].hint or "")
    assert plan_issues(config, lambda _: None) == []  # AWS could not be asked: apply will say, not plan


# ---------------------------------------------------------------------------------------------------------
# Apply reads back what it wrote before it says "applied"

# What the accounts show after an apply, as a change of a perfect apply's result (tests/unit/test_plan_diff).
Mutation = Callable[[Snapshot], None]


def _applied(want: Desired) -> Snapshot:
    """The accounts after a perfect apply of the seed: cobus's console password there too."""
    from tests.builders import as_aws_has_it

    snap = as_aws_has_it(want)
    for user in snap.accounts["master"].users.values():
        user.login_profile = user.tags.get("rolegate:console") == "true"
    return snap


def _nothing(_: Snapshot) -> None:
    pass


def _role(account: str, **changes: Any) -> Mutation:
    def change(snap: Snapshot) -> None:
        role = snap.accounts[account].roles["administrator"]
        for key, value in changes.items():
            setattr(role, key, value)

    return change


def _user(**changes: Any) -> Mutation:
    def change(snap: Snapshot) -> None:
        user = snap.accounts["master"].users["cobus"]
        for key, value in changes.items():
            setattr(user, key, value(user) if callable(value) else value)

    return change


def _gone(account: str, kind: str, name: str) -> Mutation:
    def change(snap: Snapshot) -> None:
        del getattr(snap.accounts[account], kind)[name]

    return change


def _set(account: str, kind: str, name: str, attribute: str, value: Any) -> Mutation:
    def change(snap: Snapshot) -> None:
        setattr(getattr(snap.accounts[account], kind)[name], attribute, value)

    return change


def _account(**changes: Any) -> Mutation:
    def change(snap: Snapshot) -> None:
        for key, value in changes.items():
            setattr(snap.accounts["master"], key, value)

    return change


def _leftover_role(account: str, name: str) -> Mutation:
    """A role of rolegate's the file no longer declares: the plan deletes it."""

    def change(snap: Snapshot) -> None:
        from tests.builders import IDS

        from rolegate.model import naming

        state = snap.accounts[account]
        trust = next(iter(snap.accounts["development"].roles.values())).trust_policy
        state.roles[name] = Role(
            name, naming.role_arn(IDS[account], name), "/", trust, [], tags={naming.OWNER_TAG: "demo"}
        )

    return change


def _leftover_user(name: str) -> Mutation:
    def change(snap: Snapshot) -> None:
        from tests.builders import IDS

        from rolegate.model import naming

        snap.accounts["master"].users[name] = User(
            name, naming.user_arn(IDS["master"], name), "/", [], tags={naming.OWNER_TAG: "demo"}
        )

    return change


def _both(*mutations: Mutation) -> Mutation:
    def change(snap: Snapshot) -> None:
        for mutation in mutations:
            mutation(snap)

    return change


_ALLOW_ALL = doc(allow(action="*"))  # a fresh allow of everything
_OTHER_TRUST = trust("arn:aws:iam::999999999999:root")
FRESH = None  # before the apply: empty accounts, so every resource of the seed is created

# (the story, the accounts before the apply: FRESH or a change of the applied state, what the accounts show
# when read back after it, {address: words of what must be said about it}); {} is "applied, all of it"
READ_BACK: list[tuple[str, Mutation | None, Mutation, dict[str, str]]] = [
    ("a clean apply reads back as planned", FRESH, _nothing, {}),
    ("a spoke role AWS never made", FRESH, _gone("production", "roles", "administrator"),
     {"production/role/administrator": "it is not there"}),
    ("a role made without its policy", FRESH, _role("production", managed_policies=[]),
     {"production/role/administrator": "+ policy AdministratorAccess"}),
    ("a role whose session length did not stick", FRESH, _role("staging", max_session=43200),
     {"staging/role/administrator": "max session: 12h → 1h"}),
    ("a role without rolegate's mark", FRESH, _role("staging", tags={}),
     {"staging/role/administrator": "conflict: role administrator exists in staging"}),
    ("a role trusting another account", FRESH, _role("development", trust_policy=_OTHER_TRUST),
     {"development/role/administrator": "conflict: role administrator in development"}),
    ("a role with a policy apply never attached",
     FRESH, _role("staging", managed_policies=[
         "arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"]),
     {"staging/role/administrator": "- policy ReadOnlyAccess"}),
    ("a role with an inline allow-all", FRESH, _role("production", inline_policies={"x": _ALLOW_ALL}),
     {"production/role/administrator": "- inline policy x"}),
    ("a grant policy AWS never made", FRESH, _gone("master", "policies", "development_administrator"),
     {"master/policy/development_administrator": "it is not there"}),
    ("a grant policy with no statement",
     FRESH, _set("master", "policies", "production_administrator", "document",
                 {"Version": "2012-10-17", "Statement": []}),
     {"master/policy/production_administrator": "+ - Sid: AssumeRolesGrantedByRolegate"}),
    ("a group AWS never made", FRESH, _gone("master", "groups", "master_administrator"),
     {"master/group/master_administrator": "it is not there"}),
    ("a group without its managed policy",
     FRESH, _set("master", "groups", "master_administrator", "managed_policies", []),
     {"master/group/master_administrator": "AdministratorAccess"}),
    ("a group without its grant",
     FRESH, _set("master", "groups", "development_administrator", "managed_policies", []),
     {"master/group/development_administrator": "development_administrator"}),
    ("a user AWS never made", FRESH, _gone("master", "users", "cobus"),
     {"master/user/cobus": "it is not there"}),
    ("a user left out of a group", FRESH, _user(groups=["development_administrator"]),
     {"master/user/cobus": "+ in group production_administrator"}),
    ("a console password that did not stick", FRESH, _user(login_profile=False),
     {"master/user/cobus": "console sign-in"}),
    ("a user without rolegate's mark", FRESH, _user(tags={}),
     {"master/user/cobus": "conflict: user cobus exists in master"}),
    ("the alias never set", FRESH, _account(alias=None),
     {"master/account/alias": "account alias: not applied: it is not there"}),
    ("someone else's alias", FRESH, _account(alias="not-demo"),
     {"master/account/alias": "alias: not-demo → demo-master"}),
    ("no password policy", FRESH, _account(password_policy=None),
     {"master/account/password policy": "it is not there"}),
    ("a weaker password policy", FRESH, _account(password_policy={"MinimumPasswordLength": 8}),
     {"master/account/password policy": "MinimumPasswordLength: 8 → 14"}),
    ("a deleted role still there", _leftover_role("staging", "old"), _leftover_role("staging", "old"),
     {"staging/role/old": "it is still there"}),
    ("a deleted role gone, as planned", _leftover_role("staging", "old"), _nothing, {}),
    ("a deleted user still there", _leftover_user("mallory"), _leftover_user("mallory"),
     {"master/user/mallory": "it is still there"}),
    ("an update undone: the old session length back",
     _role("staging", max_session=7200), _role("staging", max_session=7200),
     {"staging/role/administrator": "max session: 2h → 1h"}),
    ("what apply did not touch is not apply's to answer for",
     _gone("production", "roles", "administrator"), _user(groups=[]), {}),
    ("several at once, each named",
     FRESH, _both(_gone("production", "roles", "administrator"), _user(login_profile=False),
                  _account(alias=None)),
     {"production/role/administrator": "it is not there", "master/user/cobus": "console sign-in",
      "master/account/alias": "alias"}),
]  # fmt: skip


@pytest.mark.parametrize(("story", "before", "after", "expected"), READ_BACK, ids=[r[0] for r in READ_BACK])
def test_what_apply_wrote_is_compared_with_what_reading_back_shows(
    story: str, before: Mutation | None, after: Mutation, expected: dict[str, str]
) -> None:
    """Given the seed and the accounts as they were, when apply's every call was answered OK and the accounts
    read back as `after`, then exactly the changes whose resource is not as planned are not applied, each
    with what differs. (rolegate.plan.apply.not_applied is new since fb45e3e: there it cannot be imported.)"""
    from tests.builders import desired, empty_snapshot

    from rolegate.plan.apply import not_applied
    from rolegate.plan.diff import diff

    want = desired()
    start = empty_snapshot() if before is FRESH else _applied(want)
    if before is not FRESH:
        before(start)
    done = diff(want, start).changes
    read = _applied(want)
    after(read)

    found = not_applied(done, diff(want, read))

    assert {f.change.address for f in found} == set(expected), story
    for missed in found:
        said = " ".join((missed.message, *missed.details))
        assert expected[missed.change.address] in said, (story, said)
        assert said.startswith(f"{missed.change.account} ({missed.change.account_id}): ")
        assert ": not applied: " in said


class _KeepsNothingOf(FaultyProxy):
    """IAM in front of moto, answering the named writes OK without carrying them out (what a write that does
    not stick looks like to rolegate), and recording every call as (service, action), in order."""

    def __init__(self, upstream: str, swallow: frozenset[str] = frozenset()) -> None:
        super().__init__(upstream)
        self.swallow = swallow
        self.seen: list[tuple[str, str]] = []

    def _handle(self, handler: Any) -> None:
        import urllib.parse

        from tests.faults import _SERVICE, IAM_XMLNS

        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        match = _SERVICE.search(handler.headers.get("Authorization", ""))
        service = match.group(1) if match else ""
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        with self._lock:
            self.seen.append((service, action))
        if service == "iam" and action in self.swallow:
            xml = (
                f'<{action}Response xmlns="{IAM_XMLNS}"><{action}Result></{action}Result>'
                f"<ResponseMetadata><RequestId>kept-nothing</RequestId></ResponseMetadata></{action}Response>"
            ).encode()
            self._reply(handler, 200, {"Content-Type": "text/xml"}, xml)
            return
        status, headers, answer = self._forward(handler, body)
        self._reply(handler, status, headers, answer)

    def read_back(self) -> list[str]:
        """The IAM reads after apply's first write: what reading back cost (each account is read back by its
        worker as soon as its own writes are done, so reads and other accounts' writes interleave)."""
        from rolegate.aws.session import is_write

        iam = [action for service, action in self.seen if service == "iam"]
        first = min(i for i, action in enumerate(iam) if is_write(action))
        return [action for action in iam[first:] if not is_write(action)]


@pytest.fixture
def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A change that does not read back is read once more at once, not after IAM's ~15 s of consistency."""
    import rolegate.runner

    monkeypatch.setattr(rolegate.runner, "READ_BACK_WAITS", (0.0,), raising=False)  # none before the fix


def test_a_normal_apply_reads_back_only_what_it_changed_and_says_applied(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the seed on fresh accounts, when cobus applies it, then every account it changed is read again
    after the last write (GAAD once an account, and only the extras that changed), and it says applied;
    when he then takes himself out of one group, only the hub is read back."""
    from tests.builders import seed_config
    from tests.helpers import rolegate

    config = org.write_config(seed_config(org.ids))
    password_out = org.workdir / "pw"
    with _KeepsNothingOf(org.url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        applied = rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(password_out))
        first = proxy.read_back()
        proxy.seen.clear()
        fewer = seed_config(org.ids).replace(
            "groups: [development_administrator, production_administrator, master_administrator]",
            "groups: [development_administrator, production_administrator]",
        )
        again = rolegate(capsys, "-c", str(org.write_config(fewer)), "apply", "--yes")
        second = proxy.read_back()

    assert applied.code == 0, applied.all
    assert "Applied 11 changes" in applied.out and "not applied" not in applied.all.lower()
    assert first.count("GetAccountAuthorizationDetails") == 4  # the hub and three spokes
    assert first.count("ListRoles") == 3 and "ListAccountAliases" in first
    assert "GetAccountPasswordPolicy" in first
    assert again.code == 0, again.all
    assert "Applied 1 change" in again.out
    assert second.count("GetAccountAuthorizationDetails") == 1  # the hub, where cobus changed
    assert "ListRoles" not in second and "ListAccountAliases" not in second
    assert "GetAccountPasswordPolicy" not in second


# (the write IAM answers OK and does not keep, the resources that then are not applied, what is said of them)
SWALLOWED = [
    ("AttachRolePolicy", ["development/role/administrator", "staging/role/administrator",
                          "production/role/administrator"], "+ policy AdministratorAccess"),
    ("AttachGroupPolicy", ["master/group/development_administrator", "master/group/production_administrator",
                           "master/group/master_administrator"], "+ policy"),
    ("AddUserToGroup", ["master/user/cobus"], "+ in group production_administrator"),
    ("CreateLoginProfile", ["master/user/cobus"], "console sign-in"),
    ("CreateAccountAlias", ["master/account/alias"], "it is not there"),
    ("UpdateAccountPasswordPolicy", ["master/account/password policy"], "it is not there"),
]  # fmt: skip


@pytest.mark.parametrize(("write", "addresses", "said"), SWALLOWED, ids=[s[0] for s in SWALLOWED])
@pytest.mark.usefixtures("no_waits")
def test_a_write_iam_answered_ok_but_did_not_keep_is_not_applied_and_apply_fails(
    org: Org,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    write: str,
    addresses: list[str],
    said: str,
) -> None:
    """Given the seed on fresh accounts and an IAM that answers `write` OK and keeps nothing of it, when cobus
    applies, then each resource it touched is named "not applied" with what differs, read again once before
    it is said, the exit is 1 and nothing calls it applied; a rerun against a working IAM finishes the job."""
    from tests.builders import seed_config
    from tests.helpers import rolegate

    config = str(org.write_config(seed_config(org.ids)))
    password_out = str(org.workdir / "pw")
    with _KeepsNothingOf(org.url, frozenset({write})) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        applied = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", password_out)
        cost = proxy.read_back()
        proxy.seen.clear()
        as_json = rolegate(capsys, "-c", config, "apply", "--yes", "--json", "--password-out", password_out)
    monkeypatch.setenv("AWS_ENDPOINT_URL", org.url)
    rerun = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", password_out)

    assert applied.code == 1, applied.all
    assert "Applied" not in applied.all and "Traceback" not in applied.all
    for address in addresses:
        account, kind, name = address.split("/")
        line = f"✗ {account} ({org.ids[account]}): {kind} {name}: not applied: "
        assert line in applied.out, (address, applied.out)
        block = applied.out[applied.out.index(line) :].split("✗", 2)[1]
        assert said in block or said in applied.out, (address, block)
        assert f"{account} ({kind} {name}: not applied)" in applied.err or "not applied:" in applied.err
    accounts = {a.split("/")[0] for a in addresses}
    assert cost.count("GetAccountAuthorizationDetails") == 4 + len(accounts)  # read again once, then said

    assert as_json.code == 1
    result = json.loads(as_json.out)
    assert sorted(n["address"] for n in result["not_applied"]) == sorted(addresses)
    assert not set(addresses) & set(result["applied"])
    assert all(r["status"] == "not applied" for r in result["accounts"] if r.get("not_applied"))

    assert rerun.code == 0, rerun.all
    assert "not applied" not in rerun.all.lower()


# ---------------------------------------------------------------------------------------------------------
# --password-out, on every path that issues a console password (apply and restore --user)


@contextlib.contextmanager
def _read_only(directory: Path) -> Iterator[None]:
    """A directory nobody may write in, root included: immutable where the test runs as root (root ignores
    the mode bits), mode 0500 otherwise. Undone on the way out, so the test's tmp_path can be cleaned."""
    if os.geteuid() != 0:
        directory.chmod(0o500)
        try:
            yield
        finally:
            directory.chmod(0o700)
        return
    if subprocess.run(["chattr", "+i", str(directory)], capture_output=True, check=False).returncode:
        pytest.skip("running as root where `chattr +i` is not allowed: no directory is read-only to root")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(directory)], capture_output=True, check=True)


def _file(path: Path, text: str | bytes, mode: int = 0o600) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    path.chmod(mode)
    return path


def _link(path: Path, target: Path) -> Path:
    path.symlink_to(target)
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path, 0o600)
    return path


def _hard_linked(path: Path) -> Path:
    _file(path, "master\tdana\tOld-One-1!\n")
    os.link(path, path.with_name("pw.other-name"))
    return path


def _others(path: Path) -> Path:
    _file(path, "master\tdana\tOld-One-1!\n")
    os.chown(path, 65534, 65534)
    return path


def _in_dir(mode: int) -> Callable[[Path, Path], Path]:
    def make(work: Path, _: Path) -> Path:
        shared = work / "shared"
        shared.mkdir()
        shared.chmod(mode)
        return shared / "pw"

    return make


# (what cobus typed or found, how the path is made from (workdir, rolegate.yaml), words the refusal says)
PASSWORD_OUT_REFUSED: list[tuple[str, Callable[[Path, Path], Path], str]] = [
    ("rolegate.yaml itself, a typo", lambda w, c: c, "--password-out"),
    ("rolegate.yaml made 0600", lambda w, c: (c.chmod(0o600), c)[1], "not a rolegate password file"),
    ("a symlink to rolegate.yaml", lambda w, c: _link(w / "pw", c), "symbolic link"),
    ("a symlink to ~/.aws/credentials",
     lambda w, c: _link(w / "pw", _file(w / "credentials", "[default]\naws_access_key_id = AKIAX\n")),
     "symbolic link"),
    ("a dangling symlink (to where an attacker waits)", lambda w, c: _link(w / "pw", w / "not-yet"),
     "symbolic link"),
    ("a symlink to a real password file",
     lambda w, c: _link(w / "pw", _file(w / "real", "master\tdana\tOld-One-1!\n")), "symbolic link"),
    ("a symlink to /dev/null", lambda w, c: _link(w / "pw", Path("/dev/null")), "symbolic link"),
    ("a 0600 file of notes", lambda w, c: _file(w / "pw", "remember: rotate keys\n"),
     "not a rolegate password file"),
    ("a 0600 private key", lambda w, c: _file(w / "pw", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n"),
     "not a rolegate password file"),
    ("a 0600 AWS credentials file",
     lambda w, c: _file(w / "pw", "[default]\naws_access_key_id = AKIAX\naws_secret_access_key = x\n"),
     "not a rolegate password file"),
    ("a 0600 binary file", lambda w, c: _file(w / "pw", b"\x89PNG\r\n\x1a\n\x00\x00"),
     "not a rolegate password file"),
    ("a password file with a line of notes",
     lambda w, c: _file(w / "pw", "master\tdana\tOld-One-1!\n# dana's, from March\n"),
     "not a rolegate password file"),
    ("a line of two fields", lambda w, c: _file(w / "pw", "master\tdana\n"), "not a rolegate password file"),
    ("a password file others can read", lambda w, c: _file(w / "pw", "master\tdana\tOld-1!\n", 0o644),
     "readable or writable by others"),
    ("a password file others can write", lambda w, c: _file(w / "pw", "master\tdana\tOld-1!\n", 0o622),
     "readable or writable by others"),
    ("a password file of another user", lambda w, c: _others(w / "pw"), "another user"),
    ("a password file with a second hard link", lambda w, c: _hard_linked(w / "pw"), "hard links"),
    ("a directory", lambda w, c: (w / "pw").mkdir() or w / "pw", "is a directory"),
    ("a FIFO someone listens on", lambda w, c: _fifo(w / "pw"), "FIFO"),
    ("a device", lambda w, c: Path("/dev/null"), "a device"),
    ("a directory that does not exist", lambda w, c: w / "missing" / "pw", "cannot be created"),
    ("a file where the directory should be", lambda w, c: _file(w / "notes", "x") / "pw",
     "cannot be used (Not a directory)"),
    ("a world-writable directory, no sticky bit", _in_dir(0o777), "writable by every user"),
    ("a read-only directory", _in_dir(0o700), "not writable"),  # made read-only below
]  # fmt: skip


def _refused_everywhere(
    org: Org, capsys: pytest.CaptureFixture[str], command: list[str], unchanged: Callable[[], object]
) -> None:
    """Each --password-out of the table, given to `command`: refused before any IAM change, with the reason,
    the victim file byte for byte as it was, and what `unchanged` reads from IAM as before."""
    from tests.helpers import rolegate

    config = Path(command[1])
    before = unchanged()
    for i, (story, make, words) in enumerate(PASSWORD_OUT_REFUSED):
        work = org.workdir / f"case-{i}"
        work.mkdir()
        path = make(work, config)
        victim = Path(os.path.realpath(path))
        held = victim.read_bytes() if victim.is_file() else None
        guard = _read_only(path.parent) if story == "a read-only directory" else contextlib.nullcontext()
        with guard:
            refused = rolegate(capsys, *command, "--password-out", str(path))
        # A directory is refused by the option itself, as a usage error (exit 2), before rolegate runs.
        assert refused.code == (2 if story == "a directory" else 1), (story, refused.all)
        assert words in refused.err, (story, refused.err)
        assert "nothing was changed" in refused.err or refused.code == 2, (story, refused.err)
        assert "Traceback" not in refused.all, story
        assert (victim.read_bytes() if victim.is_file() else None) == held, story
        assert not (path.parent / "pw.lock").exists() or story == "a read-only directory", story
        assert unchanged() == before, story


def test_every_unsafe_password_out_is_refused_before_apply_changes_anything(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the seed's console user cobus not yet made, when cobus's admin names any of 24 unsafe files as
    --password-out, then apply refuses before any IAM change: no user, no password, the file untouched."""
    from tests.builders import seed_config

    config = org.write_config(seed_config(org.ids))
    iam = org.client("iam")

    _refused_everywhere(org, capsys, ["-c", str(config), "apply", "--yes"], lambda: iam.list_users()["Users"])

    assert iam.list_users()["Users"] == []


def _locked_out(org: Org, capsys: pytest.CaptureFixture[str]) -> str:
    """The seed applied and cobus locked out: his console password deleted, his sessions denied."""
    from tests.builders import seed_config
    from tests.helpers import rolegate

    config = str(org.write_config(seed_config(org.ids)))
    applied = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "first"))
    assert applied.code == 0, applied.all
    locked = rolegate(capsys, "-c", config, "lockdown", "--user", "cobus", "--yes")
    assert locked.code == 0, locked.all
    return config


def _cobus(org: Org) -> tuple[bool, list[str]]:
    """Whether cobus has a console password, and his inline policies (the lockout's deny among them)."""
    iam = org.client("iam")
    try:
        iam.get_login_profile(UserName="cobus")
        password = True
    except iam.exceptions.NoSuchEntityException:
        password = False
    return password, iam.list_user_policies(UserName="cobus")["PolicyNames"]


def test_every_unsafe_password_out_is_refused_before_restore_lets_anyone_back_in(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given cobus locked out, when the admin restores him naming any of 24 unsafe files as --password-out,
    then restore refuses before any IAM change: still no password, still locked, the file untouched."""
    config = _locked_out(org, capsys)

    _refused_everywhere(
        org, capsys, ["-c", config, "restore", "--user", "cobus", "--yes"], lambda: _cobus(org)
    )

    assert _cobus(org) == (False, ["RolegateLockdown"])


def _password_lines(path: Path) -> dict[str, str]:
    return {line.split("\t")[1]: line.split("\t")[2] for line in path.read_text().splitlines()}


@pytest.mark.parametrize("existing", [False, True], ids=["a new file", "a password file of an earlier run"])
def test_apply_and_restore_write_a_new_0600_file_or_add_to_their_own(
    org: Org, capsys: pytest.CaptureFixture[str], existing: bool
) -> None:
    """The other side of the refusals: a new path becomes a 0600 file; a 0600 password file of an earlier
    run keeps its lines and gains the new password (a newer one of the same user replaces the older)."""
    from tests.helpers import rolegate

    path = org.workdir / "passwords"
    if existing:
        _file(path, "master\tdana\tOld-One-1!\n")
    from tests.builders import seed_config

    config = str(org.write_config(seed_config(org.ids)))
    applied = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(path))
    first = _password_lines(path)
    locked = rolegate(capsys, "-c", config, "lockdown", "--user", "cobus", "--yes")
    restored = rolegate(
        capsys, "-c", config, "restore", "--user", "cobus", "--yes", "--password-out", str(path)
    )

    assert applied.code == 0 and locked.code == 0 and restored.code == 0, restored.all
    assert oct(path.stat().st_mode & 0o777) == "0o600" and not path.is_symlink()
    after = _password_lines(path)
    assert set(after) == ({"dana", "cobus"} if existing else {"cobus"})
    assert after["cobus"] != first["cobus"]  # restore's one-time password replaced apply's first one
    if existing:
        assert after["dana"] == "Old-One-1!"
    for result in (applied, locked, restored):
        assert first["cobus"] not in result.all and after["cobus"] not in result.all


class _Terminal(io.StringIO):
    """The person's terminal (/dev/tty), kept readable after rolegate closes it."""

    def close(self) -> None:
        pass


def _directory_turns_read_only_after(
    monkeypatch: pytest.MonkeyPatch, directory: Path, undo: contextlib.ExitStack
) -> list[str]:
    """A fault hook: the moment IAM answers CreateLoginProfile, --password-out's directory becomes read-only
    (a disk that filled, a mount gone read-only): after the check, after the IAM change, before the write.
    `undo` makes it writable again. Returns the list the hook notes each time it fires in."""
    fired: list[str] = []

    def hook(client: Any) -> None:
        def after(**_: Any) -> None:
            if not fired:
                undo.enter_context(_read_only(directory))
            fired.append("CreateLoginProfile")

        client.meta.events.register("after-call.iam.CreateLoginProfile", after)

    on_every_session(monkeypatch, hook)
    return fired


@pytest.mark.parametrize("command", ["apply", "restore"])
@pytest.mark.parametrize("terminal", [True, False], ids=["on a terminal", "no terminal"])
def test_a_password_set_in_iam_and_then_not_written_is_shown_once_on_the_terminal(
    org: Org,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    terminal: bool,
) -> None:
    """Given --password-out checked writable, when its directory turns read-only after IAM set the password,
    then the password is shown once on the terminal, never on stdout, stderr or in --json, and the command
    fails naming the file; with no terminal at all, the users are named with how to set a new one."""
    from tests.builders import seed_config
    from tests.helpers import rolegate

    from rolegate.cli import passwords

    config = _locked_out(org, capsys) if command == "restore" else str(org.write_config(seed_config(org.ids)))
    directory = org.workdir / "out"
    directory.mkdir()
    shown = _Terminal()
    monkeypatch.setattr(passwords, "_terminal", lambda: shown if terminal else None)
    args = ["apply", "--yes", "--json"] if command == "apply" else ["restore", "--user", "cobus", "--yes"]

    with contextlib.ExitStack() as undo:
        fired = _directory_turns_read_only_after(monkeypatch, directory, undo)
        done = rolegate(capsys, "-c", config, *args, "--password-out", str(directory / "pw"))

    assert fired == ["CreateLoginProfile"]
    assert _cobus(org)[0]  # IAM has the password
    assert not (directory / "pw").exists()
    assert done.code == 1 and "Traceback" not in done.all, done.all
    assert f"--password-out {directory / 'pw'}" in done.err or str(directory / "pw") in done.err
    if terminal:
        lines = [line for line in shown.getvalue().splitlines() if "cobus:" in line]
        assert len(lines) == 1, shown.getvalue()  # once
        password = lines[0].rsplit(": ", 1)[1]
        assert len(password) >= 24 and password not in done.all
        assert "shown once on the terminal" in done.err
    else:
        assert "no terminal" in done.err and "update-login-profile" in done.err


def test_a_console_password_never_lands_in_a_log_the_journal_or_iam_tags(
    org: Org, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Given every logger of the process at DEBUG (botocore's among them logs each request's parameters),
    when apply issues cobus's first password and restore his one-time one, then neither password is in any
    log record, either journal (the local one and the copy in his tags), his tags, or any output."""
    import logging
    import urllib.parse

    from tests.builders import seed_config
    from tests.helpers import rolegate

    from rolegate.respond.journal import state_dir

    caplog.set_level(logging.DEBUG)
    config = str(org.write_config(seed_config(org.ids)))
    first_file, second_file = org.workdir / "first", org.workdir / "second"
    applied = rolegate(capsys, "-c", config, "apply", "--yes", "--json", "--password-out", str(first_file))
    locked = rolegate(capsys, "-c", config, "lockdown", "--user", "cobus", "--yes")
    tags_while_locked = org.client("iam").list_user_tags(UserName="cobus")["Tags"]
    journals_while_locked = [p.read_text() for p in state_dir().glob("*.json")]
    restored = rolegate(
        capsys, "-c", config, "restore", "--user", "cobus", "--yes", "--password-out", str(second_file)
    )
    journals = journals_while_locked + [p.read_text() for p in state_dir().glob("*.json")]
    tags = json.dumps(tags_while_locked + org.client("iam").list_user_tags(UserName="cobus")["Tags"])

    assert applied.code == 0 and locked.code == 0 and restored.code == 0, restored.all
    assert any("CreateLoginProfile" in r.getMessage() for r in caplog.records)  # botocore did log the call
    assert len(journals) >= 2  # the lockout's journal, then the restored one kept for the record
    passwords = [_password_lines(first_file)["cobus"], _password_lines(second_file)["cobus"]]
    for password in passwords:
        forms = {password, urllib.parse.quote(password, safe=""), urllib.parse.quote(password, safe="-_.~")}
        forms.add(urllib.parse.quote_plus(password))
        for form in forms:
            assert not [r.name for r in caplog.records if form in r.getMessage()], form
            assert form not in caplog.text
            assert all(form not in text for text in journals)
            assert form not in tags
            for result in (applied, locked, restored):
                assert form not in result.all


@pytest.mark.parametrize("command", ["apply", "restore"])
def test_the_password_is_in_password_out_before_the_next_iam_call(
    org: Org, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Given --password-out, when IAM sets cobus's password, then it is in the file before rolegate makes
    its next call: a process killed there (SIGKILL, a closed laptop) has lost no password."""
    from tests.builders import seed_config
    from tests.helpers import rolegate

    config = _locked_out(org, capsys) if command == "restore" else str(org.write_config(seed_config(org.ids)))
    path = org.workdir / "pw-now"
    seen: list[str] = []  # the file's users at the first call after CreateLoginProfile

    def hook(client: Any) -> None:
        def before(model: Any, **_: Any) -> None:
            if seen == ["set"]:
                seen[:] = [model.name, ",".join(_password_lines(path)) if path.exists() else ""]

        def after(**_: Any) -> None:
            seen.append("set")

        client.meta.events.register("before-call.iam", before)
        client.meta.events.register("after-call.iam.CreateLoginProfile", after)

    on_every_session(monkeypatch, hook)
    args = ["apply", "--yes"] if command == "apply" else ["restore", "--user", "cobus", "--yes"]

    done = rolegate(capsys, "-c", config, *args, "--password-out", str(path))

    assert done.code == 0, done.all
    assert len(seen) == 2 and seen[1] == "cobus", seen  # the next call found the password written


@pytest.mark.parametrize("stale_reads", [0, 1, 4, 5])
def test_a_read_back_waits_out_iams_eventual_consistency_before_it_says_not_applied(
    monkeypatch: pytest.MonkeyPatch, stale_reads: int
) -> None:
    """Given IAM still showing the old state to the first `stale_reads` reads after a write (IAM is eventually
    consistent), then the read-back waits 1, 2, 4, 8 s between reads and says applied once it shows; after
    five stale reads (~15 s) the change is not applied. The reads are runner's own collect, fed by hand."""
    from tests.builders import IDS, desired, empty_snapshot

    import rolegate.runner
    from rolegate.plan.diff import diff

    want = desired()
    done = [c for c in diff(want, empty_snapshot()).changes if c.account == "production"]
    reads: list[list[str]] = []

    def collect_each(plans: list[Any], iam_for: Any, **_: Any) -> tuple[Snapshot, dict[str, Any]]:
        reads.append([p.name for p in plans])
        source = empty_snapshot() if len(reads) <= stale_reads else _applied(want)
        return Snapshot(accounts={p.name: source.accounts[p.name] for p in plans}), {}

    monkeypatch.setattr(rolegate.runner, "collect_each", collect_each)
    slept: list[float] = []

    sessions: Any = SimpleNamespace(iam=lambda account_id: None)  # nothing is called through it here

    found = rolegate.runner.read_back(want, sessions, done, sleep=slept.append)

    assert reads == [["production"]] * min(stale_reads + 1, 5)  # only the account the changes were in
    assert slept == [1.0, 2.0, 4.0, 8.0][: min(stale_reads, 4)]
    if stale_reads < 5:
        assert found == []
    else:
        assert [f.message for f in found] == [
            f"production ({IDS['production']}): role administrator: not applied: it is not there"
        ]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40), st.sampled_from(["plain", "body", "quoted", "repr"]))
def test_a_password_is_hidden_from_a_log_record_however_it_is_spelt(
    before: str, after: str, how: str
) -> None:
    """Given a password apply made (every character class IAM allows, the symbols included), when a log
    record holds it as is, URL-encoded as in a request body, or inside a dict's repr, then the record as
    logged holds none of its forms."""
    import logging
    import urllib.parse

    from rolegate.plan.apply import first_password, hide_from_logs, secret_forms

    password = first_password()
    hide_from_logs(password)
    spelt = {
        "plain": password,
        "body": urllib.parse.urlencode({"Action": "CreateLoginProfile", "Password": password}),
        "quoted": urllib.parse.quote(password, safe="-_.~"),
        "repr": repr({"Password": password}),
    }[how]
    record = logging.getLogger("botocore.endpoint").makeRecord(
        "botocore.endpoint", logging.DEBUG, __file__, 1, "request %s%s%s", (before, spelt, after), None
    )

    message = record.getMessage()
    assert not any(form in message for form in secret_forms(password)), message
    assert before in message or any(form in before for form in secret_forms(password))
