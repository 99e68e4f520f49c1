"""Clients for every account in the file: the operator's own session for the account it signs into, the
bootstrap role for the others, with adaptive retries on throttling.

Sessions are passed in, never global (aws-assume-role-lib's habit): collect and apply take an `AwsSessions`.
Every API call is counted per account, so tests and benchmarks can show what a plan costs.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from rolegate.aws.errors import error_code, error_message, unreachable
from rolegate.aws.retry import patiently
from rolegate.errors import AwsError, CredentialsError
from rolegate.model import naming

# IAM, STS and Organizations throttle by account. botocore's standard mode retries throttling and dropped
# connections with exponential backoff and full jitter; each account has its own IAM client, so one
# throttled account slows only itself, and aws/retry.py waits out what outlasts these attempts. Not
# adaptive mode: its client-side rate limiter starts from the rate it measured, near zero on a client that
# has made a handful of calls (an account's whole read), and then gates every later call: 50 accounts
# through a 20 % throttling storm took 1.5x as long (benchmarks/README.md). AWS_RETRY_MODE=adaptive
# still chooses it.
RETRY_CONFIG = {"mode": "standard", "max_attempts": 10}
# Connections kept per client: the hub's STS client assumes the bootstrap role for every worker at once.
MAX_POOL = 64
SESSION_NAME = "rolegate"
PROBE_ATTEMPTS = 3
PROBE_TIMEOUT = 15  # seconds to connect, and for the answer; botocore's default is 60 each

# STS session setup is not counted against the "cheap reads" budget: it is the price of reaching an account.
SETUP_OPERATIONS = frozenset({"AssumeRole", "GetCallerIdentity"})


@dataclass
class CallLog:
    """API calls made, per account id and operation; thread-safe."""

    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)  # HTTP requests per account, retries included
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, account_id: str, operation: str) -> None:
        with self._lock:
            self.calls[(account_id, operation)] += 1

    def attempt(self, account_id: str) -> None:
        with self._lock:
            self.attempts[account_id] += 1

    def retries(self, account_id: str | None = None) -> int:
        """Requests sent again (throttling, dropped connections): attempts beyond one per call."""
        sent = sum(n for acct, n in self.attempts.items() if account_id is None or acct == account_id)
        return max(0, sent - self.count(account_id, setup=True))

    def count(self, account_id: str | None = None, *, writes_only: bool = False, setup: bool = False) -> int:
        return sum(
            n
            for (acct, op), n in self.calls.items()
            if (account_id is None or acct == account_id)
            and (setup or op not in SETUP_OPERATIONS)
            and (not writes_only or is_write(op))
        )

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.attempts.clear()


# -- prompts and progress displays -----------------------------------------------------------------------
# An MFA code asked for while a progress bar redraws itself is overwritten by the bar. The command line
# registers how to hold its displays still (cli/progress.py); the SDK's own MFA prompt (a profile with
# mfa_serial) goes through it.
_prompt_guard: list[Callable[[], AbstractContextManager[None]]] = [contextlib.nullcontext]


def set_prompt_guard(guard: Callable[[], AbstractContextManager[None]]) -> None:
    """`guard()` is entered around every prompt the SDK makes (the command line clears its bars in it).
    One for the process, as the SDK has one getpass and the process one terminal."""
    _prompt_guard[0] = guard


def _guarded_getpass(prompt: str) -> str:
    import getpass

    with _prompt_guard[0]():
        return getpass.getpass(prompt)


def _guard_mfa_prompt(session: Any) -> None:
    """botocore's assume-role provider asks for a profile's MFA code with getpass; through the guard here.
    `_prompter` is its constructor's documented argument, kept under that name since botocore 1.x."""
    try:
        provider = session._session.get_component("credential_provider").get_provider("assume-role")
    except Exception:  # another SDK build: its prompt then goes unguarded, nothing breaks
        return
    if provider is not None and hasattr(provider, "_prompter"):
        provider._prompter = _guarded_getpass


def _resolve_credentials(session: Any, profile: str | None) -> None:
    """The operator's credentials, resolved now: whatever they ask for (a profile's MFA code, a
    credential_process that prompts on the terminal) is asked before any command draws a progress display,
    not from a worker thread under a live bar. Missing credentials are left for the first call to report."""
    from botocore.exceptions import BotoCoreError

    try:
        credentials = session.get_credentials()
        if credentials is not None:
            credentials.get_frozen_credentials()
    except BotoCoreError as exc:
        raise _no_credentials(
            exc,
            f"cannot get the operator's AWS credentials{f' (profile {profile!r})' if profile else ''}: {exc}",
            "sign in to the hub account (aws sso login, aws-vault, …) or pass --profile",
        ) from None


def _no_credentials(exc: BaseException, message: str, hint: str) -> AwsError | CredentialsError:
    """What the SDK's failure to get or use credentials means: an endpoint that cannot be reached is not a
    credentials problem (say which, and where); anything else is."""
    far = unreachable(exc, os.environ.get("AWS_ENDPOINT_URL"))
    return far if far is not None else CredentialsError(message, hint)


def is_write(operation: str) -> bool:
    return not operation.startswith(("Get", "List", "Describe", "Generate", "Simulate"))


class AwsSessions:
    """The operator's session plus one assumed session per other account, created on first use."""

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        *,
        bootstrap_role: str = "OrganizationAccountAccessRole",
        log: CallLog | None = None,
        max_attempts: int | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config as BotoConfig

        try:
            self._operator = boto3.Session(profile_name=profile, region_name=region)
        except Exception as exc:  # ProfileNotFound and friends: name the profile, no traceback
            raise CredentialsError(
                f"cannot use AWS profile {profile!r}: {exc}",
                "check `aws configure list-profiles`, or pass --profile with the hub operator's profile",
            ) from None
        _guard_mfa_prompt(self._operator)
        _resolve_credentials(self._operator, profile)
        self.region = region or self._operator.region_name or "us-east-1"
        self.bootstrap_role = bootstrap_role
        self.log = log or CallLog()
        retries: dict[str, Any] = dict(RETRY_CONFIG)
        if os.environ.get("AWS_RETRY_MODE") in ("standard", "adaptive", "legacy"):
            retries["mode"] = os.environ["AWS_RETRY_MODE"]
        if max_attempts is not None:
            retries["max_attempts"] = max_attempts
        self._config = BotoConfig(retries=retries, region_name=self.region, max_pool_connections=MAX_POOL)
        # The first call (who am I) is the one that finds an endpoint down: a few quick attempts, so a
        # refused connection is said in seconds, not after ten backed-off retries (about 30 s).
        self._probe_config = self._config.merge(
            BotoConfig(
                retries={**retries, "max_attempts": min(PROBE_ATTEMPTS, retries["max_attempts"])},
                connect_timeout=PROBE_TIMEOUT,
                read_timeout=PROBE_TIMEOUT,
            )
        )
        self._lock = threading.Lock()
        self._sessions: dict[str, dict[str, str]] = {}  # account -> client credentials
        self._clients: dict[tuple[str, str], Any] = {}
        self._caller: dict[str, str] | None = None
        self.hooks: list[Callable[[Any], None]] = []  # called with each new client (tests inject faults)

    # -- who am I --------------------------------------------------------------------------------------
    def caller(self) -> dict[str, str]:
        if self._caller is None:
            from botocore.exceptions import BotoCoreError, ClientError

            sts = self._new_client("sts", "operator", {}, config=self._probe_config)
            try:
                ident = sts.get_caller_identity()
            except ClientError as exc:
                raise CredentialsError(
                    f"AWS refused the operator's credentials: {error_message(exc, str(exc))}",
                    "sign in to the hub account (aws sso login, aws-vault, …) or pass --profile",
                ) from None
            except BotoCoreError as exc:
                raise _no_credentials(
                    exc,
                    f"no usable AWS credentials for the operator: {exc}",
                    "pass --profile with the hub account's profile, or set AWS_PROFILE",
                ) from None
            self._caller = {"account": ident["Account"], "arn": ident["Arn"]}
        return self._caller

    def operator_account(self) -> str:
        return self.caller()["account"]

    # -- sessions and clients ----------------------------------------------------------------------------
    def credentials_for(self, account_id: str) -> dict[str, str]:
        """Keyword arguments for a client inside the account: none for the operator's own, the bootstrap
        role's temporary credentials elsewhere (assumed once per account)."""
        with self._lock:
            if account_id in self._sessions:
                return dict(self._sessions[account_id])
        creds = {} if account_id == self.operator_account() else self._assume_bootstrap(account_id)
        with self._lock:
            self._sessions.setdefault(account_id, creds)
        return creds

    def _assume_bootstrap(self, account_id: str) -> dict[str, str]:
        from botocore.exceptions import ClientError

        arn = naming.role_arn(account_id, self.bootstrap_role)
        sts = self.client("sts", self.operator_account())
        try:
            creds = patiently(lambda: sts.assume_role(RoleArn=arn, RoleSessionName=SESSION_NAME))[
                "Credentials"
            ]
        except ClientError as exc:
            code = error_code(exc)
            hint = (
                f"rolegate reaches the other accounts through organization.bootstrap_role "
                f"({self.bootstrap_role}); make sure it exists there and trusts the account you run in "
                f"({self.operator_account()})"
            )
            if code == "AccessDenied":
                hint += (
                    "; if the account is locked down (`rolegate lockdown`), only the management account's "
                    "root and the principals the lockdown kept open may assume it"
                )
            raise AwsError(f"account {account_id}: cannot assume {arn} ({code})", hint) from None
        return {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"],
        }

    def client(self, service: str, account_id: str) -> Any:
        key = (service, account_id)
        with self._lock:
            if key in self._clients:
                return self._clients[key]
        client = self._new_client(service, account_id, self.credentials_for(account_id))
        with self._lock:
            return self._clients.setdefault(key, client)

    def iam(self, account_id: str) -> Any:
        return self.client("iam", account_id)

    def client_as(self, service: str, account_id: str, credentials: dict[str, str]) -> Any:
        """A client with credentials got elsewhere (a root task session): not cached, never reused."""
        return self._new_client(service, account_id, credentials)

    def organizations(self) -> Any:
        return self.client("organizations", self.operator_account())

    def _new_client(
        self, service: str, account_id: str, credentials: dict[str, str], *, config: Any = None
    ) -> Any:
        # Every client comes from the operator's one session, with the account's credentials: a boto3
        # Session per account would load the service models again each time (~0.2 s of CPU an account,
        # minutes at a few hundred accounts). boto3 sessions are not thread-safe while they create clients.
        with self._lock:
            client = self._operator.client(service, config=config or self._config, **credentials)

        def count(model: Any, **_: Any) -> None:
            self.log.record(account_id, model.name)

        def attempt(**_: Any) -> None:
            self.log.attempt(account_id)

        client.meta.events.register("before-call", count)
        client.meta.events.register("before-send", attempt)
        for hook in self.hooks:
            hook(client)
        return client
