"""The hub user's long-term access key, kept in rolegate's secure store for its whole life.

The key is the one secret that reaches every environment, so it lives where the session cache lives (the OS
keyring, or the encrypted-file fallback), under `key:<profile>`, and the hub profile gets it through
`credential_process = rolegate keys credential-process <profile>`: no plaintext copy in ~/.aws.

Rotation is six steps, each recorded in the store before the next begins, so that a failure at any of them
leaves a key that works in the store, says which step failed, and a rerun finishes the job:

  1 create the new key   2 store it as pending   3 prove it works (GetCallerIdentity, retried while IAM
  propagates it)   4 switch the store to it (the old secret is forgotten here)   5 deactivate the old key
  6 delete it (unless --keep-old: then it stays inactive, and the next rotation deletes it to free the slot)

The AWS calls go through an injected `KeyClients`, made from the stored key itself by default: a user may
rotate their own key (IAM's self-service policy allows it) without anyone else's credentials.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from rolegate.aws.errors import error_code, error_of, refusal
from rolegate.creds.credentials import Credentials, iso, utcnow
from rolegate.creds.fast import KEY_PREFIX
from rolegate.errors import AwsError, CredentialsError, RolegateError

if TYPE_CHECKING:
    from rolegate.creds.store import Store

IAM_MAX_KEYS = 2  # IAM's limit of access keys per user
# IAM takes seconds to make a new key usable everywhere; AWS documents no bound: ~30 s covers it in practice.
PROPAGATION_DELAYS = (1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0)
NOT_YET = ("InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied", "UnrecognizedClientException")

Note = Callable[[str], None]


def key_entry(profile: str) -> str:
    return f"{KEY_PREFIX}{profile}"


def is_key_entry(name: str) -> bool:
    return name.startswith(KEY_PREFIX)


class AccessKey(NamedTuple):
    access_key_id: str
    secret_access_key: str
    created: str = ""

    def __repr__(self) -> str:
        return f"AccessKey(access_key_id={self.access_key_id!r})"

    def credentials(self) -> Credentials:
        return Credentials(self.access_key_id, self.secret_access_key)

    def data(self) -> dict[str, str]:
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "Created": self.created,
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> AccessKey:
        return cls(str(data["AccessKeyId"]), str(data["SecretAccessKey"]), str(data.get("Created") or ""))


class StoredKey(NamedTuple):
    """What the store holds for a profile: the key in use, and what a rotation under way still has to do."""

    profile: str
    user: str
    key: AccessKey
    account: str = ""
    pending: AccessKey | None = None  # created and stored, not yet proven: the rotation's steps 2-3
    retiring: tuple[str, ...] = ()  # replaced (no secret kept), to be deactivated and deleted: steps 5-6
    kept: tuple[str, ...] = ()  # deactivated and kept by --keep-old

    def dumps(self) -> str:
        data: dict[str, Any] = {
            "Version": 1,
            "Profile": self.profile,
            "UserName": self.user,
            "Account": self.account,
            **self.key.data(),
        }
        if self.pending is not None:
            data["Pending"] = self.pending.data()
        if self.retiring:
            data["Retiring"] = list(self.retiring)
        if self.kept:
            data["KeptInactive"] = list(self.kept)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> StoredKey:
        data = json.loads(text)
        pending = data.get("Pending")
        return cls(
            profile=str(data["Profile"]),
            user=str(data["UserName"]),
            key=AccessKey.of(data),
            account=str(data.get("Account") or ""),
            pending=AccessKey.of(pending) if pending else None,
            retiring=tuple(data.get("Retiring") or ()),
            kept=tuple(data.get("KeptInactive") or ()),
        )


# -- the store ------------------------------------------------------------------------------------------
def load(store: Store, profile: str) -> StoredKey | None:
    text = store.get(key_entry(profile))
    if text is None:
        return None
    try:
        return StoredKey.loads(text)
    except (ValueError, KeyError, TypeError):
        return None


def stored_keys(store: Store) -> list[StoredKey]:
    found = [load(store, name.removeprefix(KEY_PREFIX)) for name in store.names() if is_key_entry(name)]
    return [k for k in found if k is not None]


def stored_credentials(store: Store, profile: str) -> Credentials | None:
    """The profile's long-term key from the store, or None: callers then try the SDK's usual sources."""
    found = load(store, profile)
    return found.key.credentials() if found else None


def choose(store: Store, profile: str | None, user: str | None) -> StoredKey:
    """The stored key a command is about: the profile's, the user's, or the only one there is."""
    every = stored_keys(store)
    if profile:
        match = [k for k in every if k.profile == profile]
    elif user:
        match = [k for k in every if k.user == user]
    else:
        match = every
    if len(match) == 1:
        return match[0]
    known = ", ".join(f"{k.profile} ({k.user})" for k in every) or "none"
    if not match:
        what = f"profile {profile!r}" if profile else f"user {user!r}" if user else "any profile"
        raise CredentialsError(
            f"rolegate's store holds no access key for {what} (stored: {known})",
            "`rolegate keys add PROFILE` moves one from ~/.aws/credentials; `rolegate keys create` makes one",
        )
    raise CredentialsError(f"rolegate's store holds several access keys ({known})", "pass --profile NAME")


def _put(store: Store, key: StoredKey) -> None:
    store.put(key_entry(key.profile), key.dumps())


# -- the AWS side ---------------------------------------------------------------------------------------
class KeyClients:
    """IAM and STS clients made from a given key, or from the SDK's usual chain when given None."""

    hooks: ClassVar[list[Callable[[Any], None]]] = []  # called with each new client (tests inject faults)
    pace: ClassVar[float] = 1.0  # how the propagation waits are scaled (tests: 0, they assert no wall time)

    def __init__(self, profile: str | None = None, region: str | None = None) -> None:
        self.profile = profile
        self.region = region

    def _session(self, credentials: Credentials | None) -> Any:
        import boto3

        if credentials is None:
            return boto3.Session(profile_name=self.profile, region_name=self.region)
        return boto3.Session(
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            region_name=self.region,
        )

    def client(self, service: str, credentials: Credentials | None) -> Any:
        from botocore.config import Config

        session = self._session(credentials)
        region = session.region_name or "us-east-1"
        client = session.client(
            service, region_name=region, config=Config(retries={"mode": "adaptive", "max_attempts": 6})
        )
        for hook in self.hooks:
            hook(client)
        return client


class StepError(RolegateError):
    """A key operation stopped at a named step; the message says what the store holds now."""


class KeyInfo(NamedTuple):
    access_key_id: str
    status: str
    created: dt.datetime


def list_keys(iam: Any, user: str) -> list[KeyInfo]:
    answer = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return [KeyInfo(k["AccessKeyId"], k["Status"], k["CreateDate"]) for k in answer]


def caller_user(sts: Any) -> tuple[str, str]:
    """(user name, account) of the credentials in use; an error when they are not an IAM user's."""
    identity = sts.get_caller_identity()
    arn = str(identity["Arn"])
    if ":user/" not in arn:
        raise CredentialsError(
            f"these credentials are {arn}, not an IAM user's", "pass --user with the hub user"
        )
    return arn.rsplit("/", 1)[-1], str(identity["Account"])


def identify(clients: KeyClients, key: AccessKey) -> tuple[str, str]:
    """(user, account) of a key someone hands over, proven by AWS before rolegate keeps it."""
    from botocore.exceptions import ClientError

    try:
        return caller_user(clients.client("sts", key.credentials()))
    except ClientError as exc:
        raise CredentialsError(
            f"AWS does not accept the key {key.access_key_id} ({_cause(exc)}); nothing was changed",
            "a deactivated or deleted key cannot be moved; `rolegate keys create` makes a new one",
        ) from None


def _cause(exc: Exception) -> str:
    if error_of(exc):
        return refusal(exc)
    return f"{type(exc).__name__}: {exc}"


def prove(clients: KeyClients, key: AccessKey, user: str, note: Note) -> str:
    """The ARN AWS answers for the key, once it is the user's: IAM propagates a new key in seconds."""
    from botocore.exceptions import ClientError

    sts = clients.client("sts", key.credentials())
    last = ""
    for delay in (0.0, *PROPAGATION_DELAYS):
        if delay:
            note(f"{key.access_key_id} not accepted yet ({last}); trying again in {delay:.0f} s")
            time.sleep(delay * clients.pace)
        try:
            arn = str(sts.get_caller_identity()["Arn"])
        except ClientError as exc:
            if error_code(exc) not in NOT_YET:
                raise
            last = _cause(exc)
            continue
        if arn.rsplit("/", 1)[-1] != user or ":user/" not in arn:
            raise AwsError(f"the new key {key.access_key_id} acts as {arn}, not as user {user}")
        return arn
    raise AwsError(f"AWS did not accept {key.access_key_id} after ~30 s: {last}")


def refused_at_maximum(
    user: str, keys: list[KeyInfo], known: dict[str, str], now: dt.datetime
) -> RolegateError:
    """IAM allows two keys per user: say which they are, and which one rolegate knows."""
    described = "; ".join(
        f"{k.access_key_id} ({k.status}, {(now - k.created).days} days old"
        + (
            f", stored for {known[k.access_key_id]})"
            if k.access_key_id in known
            else ", not in rolegate's store)"
        )
        for k in keys
    )
    unknown = next((k for k in keys if k.access_key_id not in known), keys[-1])
    return RolegateError(
        f"{user} already has the IAM maximum of {IAM_MAX_KEYS} access keys: {described}; nothing was changed",
        f"delete the one not in use: aws iam delete-access-key --user-name {user} "
        f"--access-key-id {unknown.access_key_id}",
    )


def _create(iam: Any, user: str) -> AccessKey:
    made = iam.create_access_key(UserName=user)["AccessKey"]
    created = made.get("CreateDate")
    return AccessKey(
        made["AccessKeyId"],
        made["SecretAccessKey"],
        iso(created) if isinstance(created, dt.datetime) else iso(utcnow()),
    )


def _step(number: int, what: str, exc: Exception, state: str) -> StepError:
    cause = exc.message if isinstance(exc, RolegateError) else _cause(exc)
    return StepError(
        f"stopped at step {number} of 6 ({what}): {cause}",
        f"{state}; run `rolegate keys rotate` again to finish",
    )


# -- create ---------------------------------------------------------------------------------------------
def create(store: Store, clients: KeyClients, profile: str, user: str | None, note: Note) -> StoredKey:
    """A new key for the user, stored under the profile; made with the SDK's usual credentials."""
    existing = load(store, profile)
    if existing is not None:
        raise RolegateError(
            f"rolegate's store already holds {existing.key.access_key_id} for profile {profile!r} "
            f"(user {existing.user}); nothing was changed",
            f"`rolegate keys rotate --profile {profile}` replaces it",
        )
    iam = clients.client("iam", None)
    account = ""
    if user is None:
        user, account = caller_user(clients.client("sts", None))
    keys = list_keys(iam, user)
    if len(keys) >= IAM_MAX_KEYS:
        known = {k.key.access_key_id: k.profile for k in stored_keys(store)}
        raise refused_at_maximum(user, keys, known, utcnow())
    new = _create(iam, user)
    note(f"created {new.access_key_id} for {user}")
    entry = StoredKey(profile, user, new, account)
    try:
        _put(store, entry)
    except Exception as exc:
        # A key whose secret could not be kept is useless, and takes one of the user's two slots.
        iam.delete_access_key(UserName=user, AccessKeyId=new.access_key_id)
        cause = exc.message if isinstance(exc, RolegateError) else f"{type(exc).__name__}: {exc}"
        raise StepError(
            f"{new.access_key_id} could not be stored ({cause}); it was deleted again, nothing else changed",
            "`rolegate doctor` shows the store; ROLEGATE_STORE=file uses the encrypted-file store",
        ) from None
    return entry


def record_account(store: Store, entry: StoredKey, arn: str) -> StoredKey:
    account = arn.split(":")[4]
    if account == entry.account:
        return entry
    updated = entry._replace(account=account)
    _put(store, updated)
    return updated


# -- add ------------------------------------------------------------------------------------------------
def add(store: Store, profile: str, key: AccessKey, user: str, account: str) -> StoredKey:
    """An existing key, proven by the caller, into the store (replacing nothing: a stored key is rotated)."""
    existing = load(store, profile)
    if existing is not None and existing.key.access_key_id != key.access_key_id:
        raise RolegateError(
            f"rolegate's store already holds {existing.key.access_key_id} for profile {profile!r}; "
            "nothing was changed",
            "a stored key is replaced by `rolegate keys rotate`, which deletes the old one in IAM",
        )
    entry = StoredKey(profile, user, key, account)
    _put(store, entry)
    return entry


# -- rotate ---------------------------------------------------------------------------------------------
class Rotation(NamedTuple):
    new: str
    deleted: tuple[str, ...]
    kept: tuple[str, ...]
    arn: str


def rotate(store: Store, clients: KeyClients, entry: StoredKey, keep_old: bool, note: Note) -> Rotation:
    """Replace the stored key, or finish the rotation an earlier run left half done."""
    in_use = f"the store still uses {entry.key.access_key_id}, which works"
    iam = clients.client("iam", entry.key.credentials())
    try:
        keys = list_keys(iam, entry.user)
    except Exception as exc:
        raise StepError(
            f"nothing was changed: the stored key {entry.key.access_key_id} cannot list {entry.user}'s keys "
            f"({_cause(exc)})",
            "a deactivated or deleted key cannot rotate itself: `rolegate keys list --all-users` with other "
            "credentials shows what IAM has; `rolegate keys create` stores a new one",
        ) from None
    present = {k.access_key_id for k in keys}
    entry = entry._replace(
        pending=entry.pending if entry.pending and entry.pending.access_key_id in present else None,
        retiring=tuple(i for i in entry.retiring if i in present),
        kept=tuple(i for i in entry.kept if i in present),
    )
    if entry.pending is not None:
        note(f"resuming: {entry.pending.access_key_id} was created and stored by an earlier run")
    elif entry.retiring:
        note(f"resuming: the store already uses {entry.key.access_key_id}")
    else:
        entry = _begin(store, iam, entry, keys, note, in_use)
    arn = ""
    if entry.pending is not None:
        pending = entry.pending
        waiting = f"{in_use}; the new key {pending.access_key_id} is stored as pending"
        try:
            arn = prove(clients, pending, entry.user, note)
        except Exception as exc:
            raise _step(3, "prove the new key works", exc, waiting) from None
        switched = entry._replace(
            key=pending, pending=None, retiring=(entry.key.access_key_id, *entry.retiring)
        )
        try:
            _put(store, switched)
        except Exception as exc:
            raise _step(4, "switch the store to the new key", exc, waiting) from None
        entry = switched
        note(f"the store now uses {pending.access_key_id} ({arn})")
    return _retire(store, clients, entry, keep_old, arn, note)


def _begin(
    store: Store, iam: Any, entry: StoredKey, keys: list[KeyInfo], note: Note, in_use: str
) -> StoredKey:
    """Steps 1-2: make room if a kept key is in the way, create the new key, store it as pending."""
    others = [k for k in keys if k.access_key_id != entry.key.access_key_id]
    if len(keys) >= IAM_MAX_KEYS:
        if not all(k.access_key_id in entry.kept for k in others):
            raise refused_at_maximum(entry.user, keys, {entry.key.access_key_id: entry.profile}, utcnow())
        for old in others:
            try:
                iam.delete_access_key(UserName=entry.user, AccessKeyId=old.access_key_id)
            except Exception as exc:
                raise _step(
                    1, f"delete {old.access_key_id}, kept inactive by --keep-old", exc, in_use
                ) from None
            note(f"deleted {old.access_key_id}, kept inactive since the last rotation, to make room")
        entry = entry._replace(kept=())
        _put(store, entry)
    try:
        new = _create(iam, entry.user)
    except Exception as exc:
        raise _step(1, "create the new key", exc, in_use) from None
    note(f"created {new.access_key_id} for {entry.user}")
    pending = entry._replace(pending=new)
    try:
        _put(store, pending)
    except Exception as exc:
        # The secret could not be kept: the key is useless, and would hold one of the two slots.
        try:
            iam.delete_access_key(UserName=entry.user, AccessKeyId=new.access_key_id)
            gone = f"; {new.access_key_id} was deleted again"
        except Exception:
            gone = f"; {new.access_key_id} could not be deleted again: delete it in IAM"
        raise _step(2, "store the new key", exc, in_use + gone) from None
    return pending


def _retire(
    store: Store, clients: KeyClients, entry: StoredKey, keep_old: bool, arn: str, note: Note
) -> Rotation:
    """Steps 5-6 for every key the store no longer uses."""
    in_use = f"the store uses the new key {entry.key.access_key_id}, which works"
    iam = clients.client("iam", entry.key.credentials())
    deleted: list[str] = []
    kept: list[str] = list(entry.kept)
    for old in entry.retiring:
        try:
            iam.update_access_key(UserName=entry.user, AccessKeyId=old, Status="Inactive")
        except Exception as exc:
            raise _step(5, f"deactivate the old key {old}", exc, in_use) from None
        note(f"deactivated {old}")
        if keep_old:
            kept.append(old)
        else:
            try:
                iam.delete_access_key(UserName=entry.user, AccessKeyId=old)
            except Exception as exc:
                raise _step(6, f"delete the old key {old} (now inactive)", exc, in_use) from None
            deleted.append(old)
            note(f"deleted {old}")
        entry = entry._replace(retiring=tuple(i for i in entry.retiring if i != old), kept=tuple(kept))
        _put(store, entry)
    return Rotation(entry.key.access_key_id, tuple(deleted), tuple(kept), arn)


# -- list -----------------------------------------------------------------------------------------------
class KeyRow(NamedTuple):
    user: str
    access_key_id: str
    status: str
    created: dt.datetime
    last_used: dt.datetime | None
    service: str | None
    region: str | None
    stored_as: str | None  # the profile whose key rolegate keeps, if this is one

    def age_days(self, now: dt.datetime) -> int:
        return (now - self.created).days


def key_rows(iam: Any, users: list[str], stored: dict[str, str]) -> list[KeyRow]:
    rows: list[KeyRow] = []
    for user in users:
        for key in list_keys(iam, user):
            used = iam.get_access_key_last_used(AccessKeyId=key.access_key_id).get("AccessKeyLastUsed", {})
            service, region = used.get("ServiceName"), used.get("Region")
            rows.append(
                KeyRow(
                    user,
                    key.access_key_id,
                    key.status,
                    key.created,
                    used.get("LastUsedDate"),
                    None if service in (None, "N/A") else service,
                    None if region in (None, "N/A") else region,
                    stored.get(key.access_key_id),
                )
            )
    return rows


def all_users(iam: Any) -> list[str]:
    return [u["UserName"] for page in iam.get_paginator("list_users").paginate() for u in page["Users"]]


def key_level(row: KeyRow, now: dt.datetime, max_age_days: int | None = None) -> str:
    """How the audit sees the key: `inactive`, `old` (RG012: older than the audit's limit), `unused`
    (RG013: never used), or `ok`."""
    if max_age_days is None:
        from rolegate.access.audit import KEY_MAX_AGE_DAYS

        max_age_days = KEY_MAX_AGE_DAYS
    if row.status != "Active":
        return "inactive"
    if row.age_days(now) > max_age_days:
        return "old"
    if row.last_used is None:
        return "unused"
    return "ok"
