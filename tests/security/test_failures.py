"""Issue 16, class 6: failures that repeat or mislead.

Given the seed applied on moto and cobus's profiles written, these tests show that

- a failing MFA source (a password manager that is locked, a command that prints no code, a code AWS
  refuses) is asked once for a burst of parallel `rolegate credential-process` callers, and every one of
  them gets the same clear error; a call after the failure window asks again;
- a misspelt AWS managed policy (`ReadOnlyAcess`, `service-role/AWSLambdaBasicExecutionRol`, an ARN with a
  typo) is caught by `plan` (file:line, did you mean) before any change, looked up in the hub only when the
  shipped list does not know it; offline `validate` warns;
- `apply` reads back what it wrote: a change IAM answered OK for but did not keep is a failure naming the
  account and resource, exit 1, never "applied".

Checked against the pre-fix commit fb45e3e (a worktree of it on PYTHONPATH, then this module):
every attack here fails there (six prompts for six callers; the misspelt names pass plan; apply says
applied). Two guards pass there too, by design: a failure that asked nobody (no terminal) is not shared,
and the tests of `rolegate.model.managed_policies`, a module that did not exist at fb45e3e.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from tests.aws.test_role_credentials import PROFILES, ROLEGATE, asked, cobus
from tests.conftest import Org
from tests.faults import STS_XMLNS, FaultyProxy

pytestmark = pytest.mark.aws

__all__ = ["cobus"]  # the fixture, imported for these tests

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
    from tests.conftest import seed_config

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
    from tests.conftest import seed_config

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
