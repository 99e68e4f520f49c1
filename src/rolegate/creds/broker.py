"""Role credentials for a profile, refreshed from AWS only when the cache cannot answer.

With the hub user's long-term keys, GetSessionToken is called once with an MFA code (12 hours by default)
and every role is assumed from that session, so a person types one code a day however many accounts and
roles they use. AWS limits role sessions assumed from such a session token to 1 hour (role chaining), so
those are refreshed silently from the cached session whenever they run low — no prompt.

Roles that do not demand MFA are assumed straight from the long-term keys, for their whole duration_seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolegate.aws.errors import error_code, error_message
from rolegate.creds.awsconfig import RoleProfile, aws_config_path, read_profiles
from rolegate.creds.credentials import CacheEntry, Credentials, utcnow
from rolegate.creds.fast import cached, role_entry, session_entry
from rolegate.creds.lock import (
    Failure,
    forget_failure,
    forget_failures,
    recent_failure,
    record_failure,
    refresh_lock,
    still_shared,
)
from rolegate.creds.mfa import COMMAND_ENV, MfaSourceError, mfa_code
from rolegate.creds.store import choose_store
from rolegate.errors import AwsError, CredentialsError

if TYPE_CHECKING:
    from rolegate.creds.store import Store

DEFAULT_SESSION_SECONDS = 12 * 3600
CHAINED_MAX_SECONDS = 3600  # AWS: a role session assumed with temporary credentials lasts at most 1 hour
# The profiles being resolved, passed down to a credential_process that may be rolegate again: a profile met
# twice is a loop, reported at once (waiting would deadlock on the refresh lock its first visit holds).
CHAIN_ENV = "ROLEGATE_RESOLVING"


# AWS's own limits for AssumeRole's session fields (the STS API reference): checked here so a mistake is one
# message naming every bad value, before any call or MFA prompt, instead of AWS's ValidationError.
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)  # RoleSessionName and SourceIdentity alike
TAG_PUNCTUATION = frozenset("_.:/=+-@")
MAX_SESSION_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256


@dataclass(frozen=True)
class SessionOptions:
    """What a person may add to one role session (exec's --session-name, --source-identity, --tag): the
    name CloudTrail shows, the source identity that sticks to every session chained from it, and session
    tags. They apply to the profile asked for only, never to the role profiles it is assumed through."""

    name: str | None = None
    source_identity: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.name or self.source_identity or self.tags)

    def fingerprint(self) -> str:
        """Added to the role entry's fingerprint: a cached plain session never answers for this one."""
        return repr((self.name, self.source_identity, self.tags))

    def request(self) -> dict[str, Any]:
        """The AssumeRole parameters these set (RoleSessionName is the caller's, with its default)."""
        request: dict[str, Any] = {}
        if self.source_identity:
            request["SourceIdentity"] = self.source_identity
        if self.tags:
            request["Tags"] = [{"Key": key, "Value": value} for key, value in self.tags]
        return request


def _tag_text(text: str) -> bool:
    r"""IAM's tag alphabet, [\p{L}\p{Z}\p{N}_.:/=+\-@]: letters, separators (spaces), numbers, six marks."""
    return all(c in TAG_PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in text)


def session_problems(name: str | None, source_identity: str | None, tags: Sequence[str]) -> list[str]:
    """Every way the values break AWS's rules for AssumeRole, one line each (none: they are fine)."""
    problems: list[str] = []
    for option, value in (("--session-name", name), ("--source-identity", source_identity)):
        if value is not None and value.lower().startswith("aws:"):
            problems.append(f"{option} {value!r}: the prefix aws: is AWS's own")
        elif value is not None and not SESSION_NAME.fullmatch(value):
            problems.append(
                f"{option} {value!r}: 2 to 64 of the letters A-Z a-z, digits and _+=,.@- (AWS's rule)"
            )
    if len(tags) > MAX_SESSION_TAGS:
        problems.append(f"--tag: {len(tags)} tags; a session has at most {MAX_SESSION_TAGS}")
    seen: dict[str, str] = {}
    for tag in tags:
        key, equals, value = tag.partition("=")
        where = f"--tag {tag!r}"
        if not equals:
            problems.append(f"{where}: write it as KEY=VALUE")
            continue
        if not 1 <= len(key) <= MAX_TAG_KEY or not _tag_text(key):
            problems.append(
                f"{where}: the key must be 1 to {MAX_TAG_KEY} letters, digits, spaces or _.:/=+-@"
            )
        elif key.lower().startswith("aws:"):
            problems.append(f"{where}: keys starting with aws: are AWS's own")
        elif key.lower() in seen:
            problems.append(f"{where}: the key is given twice (AWS compares tag keys ignoring case)")
        if len(value) > MAX_TAG_VALUE or not _tag_text(value):
            problems.append(
                f"{where}: the value must be at most {MAX_TAG_VALUE} letters, digits, spaces or _.:/=+-@"
            )
        seen.setdefault(key.lower(), key)
    return problems


def session_options(name: str | None, source_identity: str | None, tags: Sequence[str]) -> SessionOptions:
    """The options, checked: a ValueError names every bad value at once."""
    problems = session_problems(name, source_identity, tags)
    if problems:
        raise ValueError("\n".join(problems))
    pairs = tuple((key, value) for key, _, value in (tag.partition("=") for tag in tags))
    return SessionOptions(name, source_identity, pairs)


@dataclass
class Options:
    mfa_command: str | None = None
    session_seconds: int = DEFAULT_SESSION_SECONDS
    config_file: Path | None = None
    session: SessionOptions = field(default_factory=SessionOptions)
    # False: never ask at the terminal (a credential server's thread, with nobody at it): a refresh that needs
    # a code and has no MFA command fails with what to set instead.
    ask: bool = True


class Broker:
    def __init__(
        self,
        options: Options | None = None,
        store: Store | None = None,
        note: Callable[[str], None] | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.options = options or Options()
        self.store = store or choose_store()
        self.note = note or (lambda _: None)
        # Cached credentials are served only while fresh at this clock's time too (a credential server's
        # tests move it on, so a refresh happens in seconds instead of an hour).
        self.clock = clock
        self.config_file = str(self.options.config_file or aws_config_path())
        self.profiles = read_profiles(self.config_file)
        self._chain: list[str] = [p for p in os.environ.get(CHAIN_ENV, "").split("\n") if p]

    # -- profiles ---------------------------------------------------------------------------------------
    def profile(self, name: str) -> RoleProfile:
        found = self.profiles.get(name)
        if found is not None:
            return found
        from difflib import get_close_matches

        close = get_close_matches(name, list(self.profiles), n=1)
        raise CredentialsError(
            f"no profile {name!r} in {self.config_file}",
            (f"did you mean {close[0]!r}?  " if close else "")
            + "`rolegate profiles --write` writes rolegate's; `aws configure list-profiles` lists them all",
        )

    # -- what callers want ------------------------------------------------------------------------------
    def credentials(self, name: str) -> Credentials:
        """Fresh credentials for the profile: its role's, or the MFA session of a non-role profile; the
        session options apply to this profile's role only."""
        return self._resolve(name, self.options.session)

    def _resolve(self, name: str, session: SessionOptions) -> Credentials:
        if name in self._chain:
            raise CredentialsError(
                f"profile {name!r}: source_profile or credential_process goes round in a circle "
                f"({' -> '.join([*self._chain[self._chain.index(name) :], name])})",
                "follow source_profile from this profile in the AWS config file; it must end at keys",
            )
        self._chain.append(name)
        try:
            return self._credentials(self.profile(name), session)
        finally:
            self._chain.pop()

    def _credentials(self, profile: RoleProfile, session: SessionOptions) -> Credentials:
        if not profile.is_role:
            if session:
                raise CredentialsError(
                    f"profile {profile.name!r} has no role: --session-name, --source-identity and --tag "
                    "are AssumeRole's",
                    "use a role profile (one with role_arn), e.g. one `rolegate profiles` wrote",
                )
            return self._session(profile, profile.mfa_serial)
        entry, fingerprint = role_entry(profile)
        make = lambda: self._assume(profile, session)  # noqa: E731 - a thunk, named for the line's length
        if not session:
            return self._refresh(entry, fingerprint, make, profile.name, profile.mfa_serial)
        # A session of its own (name, source identity, tags) is made for this run: never served from the
        # cache, never put there, where the next plain `credential-process` would hand it out.
        return self._refresh(
            entry,
            f"{fingerprint}|{session.fingerprint()}",
            make,
            profile.name,
            profile.mfa_serial,
            keep=lambda _: False,
        )

    def _refresh(
        self,
        entry: str,
        fingerprint: str,
        make: Callable[[], Credentials],
        profile: str,
        mfa_serial: str | None,
        *,
        keep: Callable[[Credentials], bool] = lambda _: True,
    ) -> Credentials:
        """The cached credentials of `entry`, else made once under its lock. Waiters find what the first
        made; when the first failed at its MFA source, they find that failure instead of asking again."""
        found = self._cached(entry, fingerprint)
        if found is not None:
            return found
        with refresh_lock(entry):
            found = self._cached(entry, fingerprint)  # another process may have refreshed meanwhile
            if found is not None:
                return found
            failed = recent_failure(entry)
            if failed is not None:
                raise shared_failure_error(failed, time.time())
            try:
                credentials = make()
            except MfaSourceError as exc:
                if not exc.shared:  # an inner refresh (the MFA session's) shared it already
                    failure = Failure(time.time(), profile, mfa_serial or "-", exc.message, exc.hint)
                    record_failure(entry, failure)
                    exc.shared = True
                raise
            if keep(credentials):
                self.store.put(entry, CacheEntry(credentials, fingerprint).dumps())
            forget_failure(entry)
            return credentials

    def _cached(self, entry: str, fingerprint: str) -> Credentials | None:
        found = cached(self.store, entry, fingerprint)
        return found if found is not None and found.fresh(self.clock()) else None

    def _code(self, serial: str, command: str | None) -> str:
        """An MFA code, from the command or (when allowed) the terminal."""
        if not (self.options.ask or command or os.environ.get(COMMAND_ENV)):
            raise CredentialsError(
                f"an MFA code for {serial} is needed to renew the session, and rolegate does not ask for one "
                "while a command runs with nobody at the terminal",
                f"set mfa_process in the profile, pass --mfa-command, or set {COMMAND_ENV}; or run "
                "`rolegate exec` again from a terminal",
            )
        return mfa_code(serial, command)

    # -- the AWS side -----------------------------------------------------------------------------------
    def _assume(self, profile: RoleProfile, session: SessionOptions) -> Credentials:
        source_name = profile.source_profile
        if source_name is None:
            raise CredentialsError(
                f"profile {profile.name!r} has a role but no source_profile",
                "rolegate assumes roles from the hub user's profile: add source_profile = <hub profile>"
                + (" (credential_source is not supported)" if profile.credential_source else ""),
            )
        source = self.profile(source_name)
        token_code: str | None = None
        if source.is_role:
            base = self._resolve(source_name, SessionOptions())
        elif profile.mfa_serial:
            base = self._session(source, profile.mfa_serial, profile.mfa_process)
        else:
            base = self._long_term(source)
        if profile.mfa_serial and base.expiration is None:  # temporary source keys: MFA on AssumeRole
            token_code = self._code(profile.mfa_serial, self._mfa_command(profile))
        chained = base.session_token is not None
        wanted = profile.duration_seconds or 3600
        duration = min(wanted, CHAINED_MAX_SECONDS) if chained else wanted
        request: dict[str, Any] = {
            "RoleArn": profile.role_arn,
            "RoleSessionName": session.name or profile.role_session_name or "rolegate",
            "DurationSeconds": duration,
            **session.request(),
        }
        if profile.external_id:
            request["ExternalId"] = profile.external_id
        if token_code is not None:
            request.update(SerialNumber=profile.mfa_serial, TokenCode=token_code)
        sts = self._sts(base, profile.region)
        from botocore.exceptions import ClientError

        try:
            answer = sts.assume_role(**request)
        except ClientError as exc:
            message = error_message(exc)
            if "DurationSeconds" in message and duration > 3600:  # the role allows less than asked
                self.note(f"{profile.role_arn} allows less than {duration} s; asking for 1 hour")
                request["DurationSeconds"] = 3600
                answer = self._call(sts.assume_role, request, profile, "AssumeRole")
            else:
                raise _refused(profile, "AssumeRole", exc, session) from None
        credentials = Credentials.from_sts(answer["Credentials"])
        self.note(f"assumed {profile.role_arn} until {credentials.expiration:%H:%M %Z}")
        return credentials

    def _mfa_command(self, profile: RoleProfile) -> str | None:
        return self.options.mfa_command or profile.mfa_process

    def region(self, name: str) -> str | None:
        """The profile's region, else its source profile's (the seed writes it on both)."""
        profile = self.profile(name)
        source = self.profiles.get(profile.source_profile or "")
        return profile.region or (source.region if source else None)

    def _session(
        self, source: RoleProfile, mfa_serial: str | None, mfa_process: str | None = None
    ) -> Credentials:
        """The cached MFA session of a profile with long-term keys; made with one code when missing."""
        entry, fingerprint = session_entry(source.name, mfa_serial)

        def make() -> Credentials:
            keys = self._long_term(source)
            if keys.session_token is not None:
                return keys  # already temporary (SSO, another helper): GetSessionToken refuses those
            request: dict[str, Any] = {"DurationSeconds": self.options.session_seconds}
            if mfa_serial:
                command = self.options.mfa_command or mfa_process or source.mfa_process
                request.update(SerialNumber=mfa_serial, TokenCode=self._code(mfa_serial, command))
            answer = self._call(
                self._sts(keys, source.region).get_session_token, request, source, "GetSessionToken"
            )
            credentials = Credentials.from_sts(answer["Credentials"])
            self.note(f"MFA session for {source.name} until {credentials.expiration:%Y-%m-%d %H:%M %Z}")
            return credentials

        # Temporary source keys are the SDK's to refresh, not a session of ours: they are not cached.
        return self._refresh(
            entry, fingerprint, make, source.name, mfa_serial, keep=lambda c: c.expiration is not None
        )

    def _long_term(self, source: RoleProfile) -> Credentials:
        """The profile's long-term key: rolegate's store first (`rolegate keys`), then the SDK's usual
        sources.

        Only a refresh comes here, never the warm path: the cached sessions are made from this key."""
        from rolegate.creds.keys import stored_credentials

        stored = stored_credentials(self.store, source.name)
        if stored is not None:
            return stored
        import boto3
        from botocore.exceptions import BotoCoreError

        # A credential_process that botocore starts here may be rolegate again: it learns the chain so far.
        outer = os.environ.get(CHAIN_ENV)
        os.environ[CHAIN_ENV] = "\n".join(self._chain)
        try:
            found = boto3.Session(profile_name=source.name).get_credentials()
        except BotoCoreError as exc:
            raise CredentialsError(f"profile {source.name!r}: {exc}") from None
        finally:
            if outer is None:
                del os.environ[CHAIN_ENV]
            else:
                os.environ[CHAIN_ENV] = outer
        if found is None:
            raise CredentialsError(
                f"profile {source.name!r} has no credentials to start from",
                f"put the hub user's access key under [{source.name}] in ~/.aws/credentials",
            )
        frozen = found.get_frozen_credentials()
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token, None)

    def _sts(self, credentials: Credentials, region: str | None) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.Session(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            region_name=region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1",
        ).client("sts", config=Config(retries={"mode": "adaptive", "max_attempts": 6}))

    @staticmethod
    def _call(method: Callable[..., Any], request: dict[str, Any], profile: RoleProfile, what: str) -> Any:
        from botocore.exceptions import ClientError

        try:
            return method(**request)
        except ClientError as exc:
            raise _refused(profile, what, exc) from None


def shared_failure_error(failure: Failure, now: float) -> MfaSourceError:
    """The error a waiter gets from the refresh that failed before it: the same message, when it was, and
    when rolegate asks again. Marked shared, so it is not shared a second time."""
    left = still_shared(failure, now) or 0.0
    ago = max(0.0, now - failure.at)
    error = MfaSourceError(
        f"{failure.message} (MFA for profile {failure.profile!r} failed {ago:.0f} s ago; "
        "not asked again meanwhile)",
        (f"{failure.hint}; " if failure.hint else "")
        + f"rolegate asks again in {left:.0f} s, or at once after `rolegate logout {failure.profile}`",
    )
    error.shared = True
    return error


def _refused(
    profile: RoleProfile, what: str, exc: Any, session: SessionOptions | None = None
) -> CredentialsError | AwsError:
    code, message = error_code(exc), error_message(exc)
    if "MultiFactorAuthentication" in message or ("MFA" in message and code == "AccessDenied"):
        return MfaSourceError(
            f"profile {profile.name!r}: AWS did not accept the MFA code ({message})",
            "wait for the next code and run it again; check mfa_serial names your device",
        )
    target = f" on {profile.role_arn}" if what == "AssumeRole" else ""
    hint = "check that the role trusts the hub and that one of your groups grants it (rolegate plan: both)"
    wanted = [
        action
        for action, used in (("sts:TagSession", session and session.tags),
                             ("sts:SetSourceIdentity", session and session.source_identity))
        if used
    ]  # fmt: skip
    if wanted and code == "AccessDenied":
        hint = f"the role's trust policy must also allow {' and '.join(wanted)}; or leave those options out"
    return AwsError(f"profile {profile.name!r}: AWS refused {what}{target}: {code}: {message}", hint)


def logout(store: Store, profile: RoleProfile | None, profiles: dict[str, RoleProfile]) -> list[str]:
    """Forget cached credentials: every session, or a profile's role credentials and the MFA session they
    came from (the next call asks for a code again). Returns the names removed. The access keys that
    `rolegate keys` keeps are not sessions: they stay."""
    if profile is None:
        from rolegate.creds.keys import is_key_entry

        names = [n for n in store.names() if not is_key_entry(n)]  # the hub key is not a session
    else:
        names = [role_entry(profile)[0]] if profile.is_role else []
        source = profiles.get(profile.source_profile or "") if profile.is_role else profile
        if source is not None and profile.is_role:
            names.append(session_entry(source.name, profile.mfa_serial)[0])
        elif source is not None:
            # The hub profile itself: its MFA sessions are keyed by the devices of the roles made from it.
            serials = {p.mfa_serial for p in profiles.values() if p.source_profile == source.name}
            serials |= {source.mfa_serial}
            names += sorted({session_entry(source.name, serial)[0] for serial in serials})
    removed = [n for n in names if store.delete(n)]
    # A failure shared with waiters is forgotten too: logout is how a person says "ask me again now".
    if profile is None:
        forget_failures()
    else:
        for name in names:
            forget_failure(name)
    return removed
