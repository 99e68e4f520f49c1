"""Run a Plan's calls, in dependency order, account by account in parallel, and report what was done.

Apply decides nothing: the plan's changes carry every call. What it adds is patience and scale. Each
account's changes run in the plan's order (policy before attach, role before grant) on one worker of a
bounded pool; no change waits on another account's (a grant names a role by ARN, which IAM accepts before
the role exists). botocore's adaptive retries, and aws/retry.py behind them, wait out throttling; here we
wait out IAM's eventual consistency (a role or policy created a moment ago can be invisible for seconds),
and a create whose answer was lost is recognised (plan/idempotence.py). The first hard failure stops its
account; the others finish. The next plan starts from what is there, so a rerun finishes the job.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from rolegate.aws.errors import error_code, error_message
from rolegate.aws.retry import is_throttling, patiently
from rolegate.errors import RolegateError
from rolegate.model.managed_policies import MANAGED_PREFIX, did_you_mean
from rolegate.plan import idempotence
from rolegate.plan.changes import GENERATED_PASSWORD, USER_CREDENTIALS_CLEANUP, Call, Change, Plan
from rolegate.plan.references import References

# Waits for IAM's eventual consistency, in seconds: about half a minute in all, as AWS suggests.
CONSISTENCY_WAITS = (1.0, 2.0, 4.0, 8.0, 15.0)
# Errors that mean "not visible yet" right after a create elsewhere in the same apply.
_NOT_YET = {"NoSuchEntity"}
_UNDOING = ("Delete", "Detach", "Remove", "Untag", "Deactivate")
INTERRUPTED = "interrupted"


@dataclass
class AccountResult:
    """One account's part of an apply."""

    account: str
    account_id: str
    done: list[Change] = field(default_factory=list)
    failed: Change | None = None
    error: str | None = None
    hint: str | None = None
    not_done: list[Change] = field(default_factory=list)  # after the failure, or never started
    # Changes whose every call went through and whose resource did not read back as planned; not in `done`.
    not_applied: list[NotApplied] = field(default_factory=list)
    calls: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every call went through; whether it all read back is `not_applied`'s to say."""
        return self.failed is None and not self.not_done


@dataclass(frozen=True)
class NotApplied:
    """A change whose every call IAM answered OK, and whose resource, read back, is not what the plan made it
    for: a write AWS accepted and did not keep, someone undoing it meanwhile, or a call rolegate got wrong."""

    change: Change
    headline: str  # e.g. "it is not there"
    details: tuple[str, ...] = ()  # what still differs, as the plan would show it

    @property
    def message(self) -> str:
        c = self.change
        return f"{c.account} ({c.account_id}): {c.kind} {c.name}: not applied: {self.headline}"

    def to_json(self) -> dict[str, object]:
        return {"address": self.change.address, "not_applied": self.headline, "differs": list(self.details)}


def not_applied(done: Iterable[Change], again: Plan) -> list[NotApplied]:
    """Which of the changes apply made the accounts do not show, decided from `again`: the plan made from the
    file and a re-read of those accounts. A change is applied when that plan has nothing left to do to its
    resource; anything else, a change still wanted or the resource no longer rolegate's by what the re-read
    shows, is not applied, with what differs. Changes to other resources are not apply's to answer for."""
    still = {c.address: c for c in again.changes}
    conflicts = {f"{c.account}/{c.kind}/{c.name}": c for c in again.conflicts}
    found = []
    for change in done:
        conflict = conflicts.get(change.address)
        if conflict is not None:
            found.append(NotApplied(change, f"read back, it is a conflict: {conflict.message}"))
            continue
        left = still.get(change.address)
        if left is None:
            continue
        if left.action == "create":
            found.append(NotApplied(change, "it is not there"))
        elif left.action == "delete":
            found.append(NotApplied(change, "it is still there"))
        else:
            found.append(
                NotApplied(change, "it still differs from the file", left.details or (left.summary,))
            )
    return found


def unread(changes: Iterable[Change], why: str) -> list[NotApplied]:
    """Changes whose account could not be read back: not known to be applied, so not said to be."""
    return [NotApplied(c, f"it could not be read back ({why})") for c in changes]


@dataclass
class ApplyResult:
    done: list[Change] = field(default_factory=list)
    failed: Change | None = None  # the first failure, in plan order
    error: str | None = None
    not_done: list[Change] = field(default_factory=list)  # neither done nor failed
    passwords: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, user) -> first password
    calls: int = 0
    accounts: dict[str, AccountResult] = field(default_factory=dict)  # by logical name, in plan order
    # Done changes that did not read back as planned (they are not in `done`), in plan order.
    not_applied: list[NotApplied] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None and not self.not_done and not self.not_applied

    @property
    def failures(self) -> list[AccountResult]:
        return [a for a in self.accounts.values() if not a.ok]


def first_password(length: int = 24) -> str:
    """A password any IAM password policy accepts: every character class, at least `length` long."""
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, "!@#$%^&*()_+-=[]{}|"]
    alphabet = "".join(classes)
    while True:
        chars = [secrets.choice(alphabet) for _ in range(max(length, 24))]
        if all(any(c in cls for c in chars) for cls in classes):
            return "".join(chars)


# --- a password never in a log ------------------------------------------------------------------------------
# botocore logs every request's parameters at DEBUG (CreateLoginProfile's Password among them) for anyone who
# turns logging on: a wrapper application, a debugging session, a test's log capture. Each password apply
# makes is therefore hidden from every log record the process makes after it, as given and as a request body
# spells it (URL-encoded).

_HIDDEN_MARK = "<password hidden>"


@dataclass
class _Hidden:
    forms: frozenset[str] = frozenset()  # every form of every password hidden so far
    lock: threading.Lock = field(default_factory=threading.Lock)


_HIDDEN = _Hidden()


def secret_forms(secret: str) -> frozenset[str]:
    """How `secret` can appear in a log: as is, and URL-encoded as query bodies and URLs carry it."""
    from urllib.parse import quote, quote_plus

    return frozenset({secret, quote(secret, safe=""), quote(secret, safe="-_.~"), quote_plus(secret)})


def redact(text: str, forms: frozenset[str]) -> str:
    """`text` with each of `forms` replaced, longest first (an encoded form may contain the plain one)."""
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, _HIDDEN_MARK)
    return text


def hide_from_logs(secret: str) -> None:
    """From now on no log record this process makes holds `secret`."""
    with _HIDDEN.lock:
        if not _HIDDEN.forms:
            _redact_log_records()
        _HIDDEN.forms = _HIDDEN.forms | secret_forms(secret)


def _redact_log_records() -> None:
    import logging

    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        forms = _HIDDEN.forms
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is the logging module's to report
            return record
        if any(form in message for form in forms):
            record.msg, record.args = redact(message, forms), None
        return record

    logging.setLogRecordFactory(factory)


def _message(exc: BaseException) -> str:
    return f"{error_code(exc, type(exc).__name__)}: {error_message(exc)}".strip(": ")


def _where(change: Change) -> str:
    return f"{change.account} ({change.account_id}): {change.action} {change.kind} {change.name}"


def missing_managed_policy(call: Call, exc: BaseException) -> str | None:
    """The AWS managed policy an attach was refused for because AWS has none of that name. AWS's own
    policies are never just created, so there is nothing to wait for: the name is wrong."""
    arn = str(call.params.get("PolicyArn", ""))
    if not call.operation.startswith("Attach") or not arn.startswith(MANAGED_PREFIX):
        return None
    if error_code(exc) != "NoSuchEntity" or arn not in _message(exc):  # not "the role cannot be found"
        return None
    return arn.removeprefix(MANAGED_PREFIX)


def _not_yet_visible(call: Call, exc: Exception) -> bool:
    code = error_code(exc)
    if call.operation.startswith(_UNDOING) or missing_managed_policy(call, exc):
        return False
    if code in _NOT_YET:
        return True
    # A trust policy naming a principal IAM has not propagated yet is refused as malformed for a while.
    return code == "MalformedPolicyDocument" and "principal" in _message(exc).lower()


def _gone_already(call: Callable[[], Any]) -> None:
    """A delete whose answer was lost is retried by the SDK and told NoSuchEntity: it is done."""
    try:
        call()
    except Exception as exc:
        if error_code(exc) != "NoSuchEntity":
            raise


def _cleanup_user_credentials(iam: Any, user: str) -> int:
    """Delete what stands in the way of DeleteUser; returns the number of calls made."""
    n = 0
    for key in iam.list_access_keys(UserName=user).get("AccessKeyMetadata", []):
        _gone_already(partial(iam.delete_access_key, UserName=user, AccessKeyId=key["AccessKeyId"]))
        n += 1
    for device in iam.list_mfa_devices(UserName=user).get("MFADevices", []):
        serial = device["SerialNumber"]
        _gone_already(partial(iam.deactivate_mfa_device, UserName=user, SerialNumber=serial))
        n += 1
        if ":mfa/" in serial:
            _gone_already(partial(iam.delete_virtual_mfa_device, SerialNumber=serial))
            n += 1
    for cert in iam.list_signing_certificates(UserName=user).get("Certificates", []):
        _gone_already(
            partial(iam.delete_signing_certificate, UserName=user, CertificateId=cert["CertificateId"])
        )
        n += 1
    for key in iam.list_ssh_public_keys(UserName=user).get("SSHPublicKeys", []):
        _gone_already(partial(iam.delete_ssh_public_key, UserName=user, SSHPublicKeyId=key["SSHPublicKeyId"]))
        n += 1
    return n + 4


def hint_for(change: Change, call: Call | None, exc: BaseException) -> str:
    """What to do about a failed change, by the kind of failure."""
    code = error_code(exc)
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        action = f"{call.service}:{call.operation}" if call else "the IAM actions apply uses"
        if call is not None and call.service == "organizations":
            return f"your credentials must allow {action} in the management account (--profile)"
        return (
            f"the role rolegate uses in {change.account} ({change.account_id}) must allow {action}: "
            "organization.bootstrap_role in the other accounts, your own credentials in the hub"
        )
    if is_throttling(exc):
        return (
            f"AWS kept throttling {change.account} for minutes: run `rolegate apply` again later, "
            "or with a lower --parallel"
        )
    if code == "LimitExceeded":
        return f"an IAM quota of {change.account} ({change.account_id}) is reached: see IAM's quotas page"
    missing = missing_managed_policy(call, exc) if call else None
    if missing is not None:
        close = did_you_mean(missing)
        return (
            f"AWS has no managed policy {missing!r}" + (f": {close}" if close else "")
            + "; fix the name in rolegate.yaml (`rolegate plan` checks every name before it changes anything)"
        )  # fmt: skip
    return "fix the cause and run `rolegate apply` again: the plan starts from what is there now"


Progress = Callable[[Change], None]
ReadBack = Callable[[list[Change]], list[NotApplied]]


@dataclass
class _Run:
    """What every account's worker shares: the client factory, the callbacks, and the stop signal."""

    iam_for: Callable[[str], Any]
    sleep: Callable[[float], None]
    waits: tuple[float, ...]
    on_start: Progress | None = None
    on_done: Progress | None = None
    on_account: Callable[[AccountResult], None] | None = None
    on_password: Callable[[str, str, str], None] | None = None
    read_back: ReadBack | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    passwords: dict[tuple[str, str], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The operator's Organizations client, for the organization's changes (plan/organization.py), and the ids
    # their references name (plan/references.py); None: the plan has none.
    organizations: Callable[[], Any] | None = None
    references: References | None = None

    def client(self, account_id: str, service: str) -> Any:
        if service == "iam":
            return self.iam_for(account_id)  # the bootstrap role is assumed on first use
        if service != "organizations" or self.organizations is None:
            raise RolegateError(f"apply cannot call {service}", "this plan was made by another rolegate")
        return self.organizations()

    def password(self, account: str, user: str, password: str) -> None:
        with self.lock:
            self.passwords[(account, user)] = password
        if self.on_password:  # written at once: a process killed later must not lose a password set in IAM
            self.on_password(account, user, password)


def apply_plan(
    plan: Plan,
    iam_for: Callable[[str], Any],
    *,
    workers: int = 1,
    on_start: Progress | None = None,
    on_done: Progress | None = None,
    on_account: Callable[[AccountResult], None] | None = None,
    on_password: Callable[[str, str, str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    waits: tuple[float, ...] = CONSISTENCY_WAITS,
    read_back: ReadBack | None = None,
    organizations: Callable[[], Any] | None = None,
) -> ApplyResult:
    """Every account's changes in plan order, `workers` accounts at a time. Callbacks are called from the
    workers' threads. `read_back` (runner.read_back, as runner.commands.apply passes it): told an account's
    changes once all their calls went through, it says which of them the account does not show; those are
    `not_applied`, never done."""
    ordered = plan.ordered()
    by_account: dict[str, list[Change]] = {}
    for change in ordered:
        by_account.setdefault(change.account, []).append(change)
    run = _Run(iam_for, sleep, waits, on_start, on_done, on_account, on_password, read_back)
    if organizations is not None and any(
        call.service == "organizations" for c in ordered for call in c.calls
    ):
        run.organizations, run.references = organizations, References(organizations())
    if workers <= 1 or len(by_account) <= 1:
        outcomes = [_apply_account(changes, run) for changes in by_account.values()]
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(by_account))) as pool:
            futures = [pool.submit(_apply_account, changes, run) for changes in by_account.values()]
            try:
                outcomes = [f.result() for f in futures]
            except KeyboardInterrupt:
                # Ctrl-C reaches this thread only: the workers finish the change they are in, then stop.
                run.stop.set()
                outcomes = [f.result() for f in futures]
    return _merge(ordered, outcomes, run.passwords)


def _merge(
    ordered: list[Change], outcomes: list[AccountResult], passwords: dict[tuple[str, str], str]
) -> ApplyResult:
    result = ApplyResult(passwords=dict(passwords))
    result.accounts = {o.account: o for o in outcomes}
    done = {id(c) for o in outcomes for c in o.done}
    failed = {id(o.failed): o for o in outcomes if o.failed is not None}
    missed = {id(n.change): n for o in outcomes for n in o.not_applied}
    for change in ordered:
        if id(change) in done:
            result.done.append(change)
        elif id(change) in missed:
            result.not_applied.append(missed[id(change)])
        elif id(change) in failed:
            if result.failed is None:
                result.failed, result.error = change, failed[id(change)].error
        else:
            result.not_done.append(change)
    if result.failed is None and result.not_done:
        result.error = INTERRUPTED
    result.calls = sum(o.calls for o in outcomes)
    return result


def _apply_account(changes: list[Change], run: _Run) -> AccountResult:
    first = changes[0]
    out = AccountResult(first.account, first.account_id)
    started = time.monotonic()
    try:
        _apply_changes(changes, run, out)
        if run.read_back is not None and out.ok and out.done:
            _read_back(run, out)
    finally:
        out.seconds = time.monotonic() - started
    if run.on_account:
        run.on_account(out)
    return out


def _read_back(run: _Run, out: AccountResult) -> None:
    """The account's changes read again before it is said to be done: what does not show as planned moves
    from `done` to `not_applied`; an account that cannot be read again has nothing known to be applied."""
    assert run.read_back is not None
    try:
        out.not_applied = run.read_back(list(out.done))
    except RolegateError as exc:
        out.not_applied = unread(out.done, exc.message)
    except KeyboardInterrupt:  # the calls are made: report like any stop, so the passwords are handed out
        run.stop.set()
        out.not_applied = unread(out.done, INTERRUPTED)
    missed = {id(n.change) for n in out.not_applied}
    out.done = [c for c in out.done if id(c) not in missed]


def _apply_changes(changes: list[Change], run: _Run, out: AccountResult) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    for index, change in enumerate(changes):
        if run.stop.is_set():
            out.not_done = changes[index:]
            out.error = INTERRUPTED
            return
        if run.on_start:
            run.on_start(change)
        call: Call | None = None
        try:
            for call in change.calls:
                out.calls += _run(run.client(change.account_id, call.service), change, call, run)
        except KeyboardInterrupt:
            # Ctrl-C: report like any stop, so the passwords already set are still handed out.
            run.stop.set()
            out.failed, out.error, out.not_done = (
                change,
                f"{_where(change)}: {INTERRUPTED}",
                changes[index + 1 :],
            )
            return
        except RolegateError as exc:  # the account cannot be reached: assuming the bootstrap role failed
            out.failed, out.error, out.hint = change, exc.message, exc.hint
            out.not_done = changes[index + 1 :]
            return
        except (ClientError, BotoCoreError) as exc:
            out.failed, out.error = change, f"{_where(change)}: {_message(exc)}"
            out.hint = hint_for(change, call, exc)
            out.not_done = changes[index + 1 :]
            return
        out.done.append(change)
        if run.on_done:
            run.on_done(change)


def _run(iam: Any, change: Change, call: Call, run: _Run) -> int:
    from botocore import xform_name

    if call.operation == USER_CREDENTIALS_CLEANUP:
        return _cleanup_user_credentials(iam, call.params["UserName"])
    params = dict(call.params)
    if call.service == "organizations" and run.references is not None:
        params = run.references.resolve(call)
    if params.get("Password") == GENERATED_PASSWORD:
        params["Password"] = first_password()
        hide_from_logs(params["Password"])  # before botocore logs the request
    method = getattr(iam, xform_name(call.operation))
    attempts = 0
    for wait in (*run.waits, None):
        attempts += 1
        try:
            answer = patiently(lambda: method(**params), sleep=run.sleep)
        except Exception as exc:
            code = error_code(exc)
            if code in call.tolerate or (call.operation.startswith(_UNDOING) and code == "NoSuchEntity"):
                # Already so: a rerun after an interruption, or a hand-made login profile; or our own
                # first attempt, whose answer was lost, made it (then the password is the one we sent). An
                # adopted user may have had a profile all along: there, a retry proves nothing.
                if "Password" in params and change.action != "adopt" and idempotence.retry_attempts(exc):
                    run.password(change.account, params["UserName"], params["Password"])
                return attempts
            if code == "EntityAlreadyExists" and call.operation in idempotence.CHECKED_CREATES:
                if idempotence.already_made(iam, change.account_id, call):
                    return attempts + 1
                raise
            if (
                code == "LimitExceeded"
                and call.operation == "CreatePolicyVersion"
                and idempotence.retry_attempts(exc)
                and idempotence.version_already_made(iam, call)
            ):
                return attempts + 2
            if wait is not None and _not_yet_visible(call, exc):
                run.sleep(wait)
                continue
            raise
        if run.references is not None and call.service == "organizations":
            run.references.learn(call, params, answer)
        if call.operation == "CreatePolicyVersion" and idempotence.retry_attempts(answer):
            attempts += idempotence.drop_duplicate_versions(iam, call, answer)
        if "Password" in params:
            run.password(change.account, params["UserName"], params["Password"])
        return attempts
    return attempts  # pragma: no cover - the loop returns or raises
