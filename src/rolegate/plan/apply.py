"""Run a Plan's calls, in dependency order, and report what was done and what was not.

Apply decides nothing: the plan's changes carry every call. What it adds is patience: botocore's adaptive
retries cover throttling, and here we wait out IAM's eventual consistency (a role or policy created a moment
ago can be invisible for seconds). The first hard failure stops the run; the next plan starts from what is
there, so a rerun finishes the job.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rolegate.plan.changes import GENERATED_PASSWORD, USER_CREDENTIALS_CLEANUP, Call, Change, Plan

# Waits for IAM's eventual consistency, in seconds: about half a minute in all, as AWS suggests.
CONSISTENCY_WAITS = (1.0, 2.0, 4.0, 8.0, 15.0)
# Errors that mean "not visible yet" right after a create elsewhere in the same apply.
_NOT_YET = {"NoSuchEntity"}
_UNDOING = ("Delete", "Detach", "Remove", "Untag", "Deactivate")


@dataclass
class ApplyResult:
    done: list[Change] = field(default_factory=list)
    failed: Change | None = None
    error: str | None = None
    not_done: list[Change] = field(default_factory=list)
    passwords: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, user) -> first password
    calls: int = 0

    @property
    def ok(self) -> bool:
        return self.failed is None


def first_password(length: int = 24) -> str:
    """A password any IAM password policy accepts: every character class, at least `length` long."""
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "!@#$%^&*()_+-=[]{}|"]
    alphabet = "".join(classes)
    while True:
        chars = [secrets.choice(alphabet) for _ in range(max(length, 24))]
        if all(any(c in cls for c in chars) for cls in classes):
            return "".join(chars)


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _message(exc: Exception) -> str:
    error = getattr(exc, "response", {}).get("Error", {})
    return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".strip(": ")


def _where(change: Change) -> str:
    return f"{change.account} ({change.account_id}): {change.action} {change.kind} {change.name}"


def _not_yet_visible(call: Call, exc: Exception) -> bool:
    code = _code(exc)
    if call.operation.startswith(_UNDOING):
        return False
    if code in _NOT_YET:
        return True
    # A trust policy naming a principal IAM has not propagated yet is refused as malformed for a while.
    return code == "MalformedPolicyDocument" and "principal" in _message(exc).lower()


def _cleanup_user_credentials(iam: Any, user: str) -> int:
    """Delete what stands in the way of DeleteUser; returns the number of calls made."""
    n = 0
    for key in iam.list_access_keys(UserName=user).get("AccessKeyMetadata", []):
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
        n += 1
    for device in iam.list_mfa_devices(UserName=user).get("MFADevices", []):
        iam.deactivate_mfa_device(UserName=user, SerialNumber=device["SerialNumber"])
        n += 1
        if ":mfa/" in device["SerialNumber"]:
            iam.delete_virtual_mfa_device(SerialNumber=device["SerialNumber"])
            n += 1
    for cert in iam.list_signing_certificates(UserName=user).get("Certificates", []):
        iam.delete_signing_certificate(UserName=user, CertificateId=cert["CertificateId"])
        n += 1
    for key in iam.list_ssh_public_keys(UserName=user).get("SSHPublicKeys", []):
        iam.delete_ssh_public_key(UserName=user, SSHPublicKeyId=key["SSHPublicKeyId"])
        n += 1
    return n + 4


def apply_plan(
    plan: Plan,
    iam_for: Callable[[str], Any],
    *,
    on_start: Callable[[Change], None] | None = None,
    on_done: Callable[[Change], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    waits: tuple[float, ...] = CONSISTENCY_WAITS,
) -> ApplyResult:
    from botocore import xform_name
    from botocore.exceptions import ClientError

    result = ApplyResult()
    ordered = plan.ordered()
    for index, change in enumerate(ordered):
        if on_start:
            on_start(change)
        iam = iam_for(change.account_id)
        try:
            for call in change.calls:
                result.calls += _run(iam, change, call, result, xform_name, ClientError, sleep, waits)
        except KeyboardInterrupt:
            # Ctrl-C: report like any stop, so the passwords already set are still handed out.
            result.failed = change
            result.error = f"{_where(change)}: interrupted"
            result.not_done = ordered[index + 1 :]
            return result
        except ClientError as exc:
            result.failed = change
            result.error = f"{_where(change)}: {_message(exc)}"
            result.not_done = ordered[index + 1 :]
            return result
        result.done.append(change)
        if on_done:
            on_done(change)
    return result


def _run(
    iam: Any,
    change: Change,
    call: Call,
    result: ApplyResult,
    xform_name: Callable[[str], str],
    client_error: type[Exception],
    sleep: Callable[[float], None],
    waits: tuple[float, ...],
) -> int:
    if call.operation == USER_CREDENTIALS_CLEANUP:
        return _cleanup_user_credentials(iam, call.params["UserName"])
    params = dict(call.params)
    if params.get("Password") == GENERATED_PASSWORD:
        params["Password"] = first_password()
    method = getattr(iam, xform_name(call.operation))
    attempts = 0
    for wait in (*waits, None):
        attempts += 1
        try:
            method(**params)
        except client_error as exc:
            if _code(exc) in call.tolerate or (
                call.operation.startswith(_UNDOING) and _code(exc) == "NoSuchEntity"
            ):
                return attempts  # already so: a rerun after an interruption, or a hand-made login profile
            if wait is not None and _not_yet_visible(call, exc):
                sleep(wait)
                continue
            raise
        if "Password" in params:
            result.passwords[(change.account, params["UserName"])] = params["Password"]
        return attempts
    return attempts  # pragma: no cover - the loop returns or raises
