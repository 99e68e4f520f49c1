"""Temporary AWS credentials as plain data: what the store keeps and what credential_process prints.

The secret fields never appear in a repr, so a traceback or a log line cannot carry them. Named tuples,
not dataclasses: these are read on the warm path, where importing `dataclasses` (and `inspect` behind it)
would cost more than the whole cache lookup.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, NamedTuple

# botocore starts refreshing credential_process credentials 15 minutes before they expire (its advisory
# window); handing out credentials with less left would make every SDK call come straight back for more.
REFRESH_MARGIN = dt.timedelta(minutes=15)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Credentials(NamedTuple):
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiration: dt.datetime | None = None  # None: long-term keys

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"

    @classmethod
    def from_sts(cls, data: dict[str, Any]) -> Credentials:
        """From the `Credentials` of an STS answer (boto3 gives Expiration as a datetime)."""
        expiration = data["Expiration"]
        if isinstance(expiration, str):
            expiration = dt.datetime.fromisoformat(expiration)
        return cls(data["AccessKeyId"], data["SecretAccessKey"], data.get("SessionToken"), expiration)

    def fresh(self, now: dt.datetime | None = None, margin: dt.timedelta = REFRESH_MARGIN) -> bool:
        """Usable for at least `margin` more; long-term keys always are."""
        if self.expiration is None:
            return True
        return self.expiration - (now or utcnow()) > margin

    def process_output(self) -> dict[str, Any]:
        """The JSON the AWS SDKs expect from a credential_process (Version 1)."""
        out: dict[str, Any] = {
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
        }
        if self.session_token:
            out["SessionToken"] = self.session_token
        if self.expiration is not None:
            out["Expiration"] = iso(self.expiration)
        return out

    def environment(self) -> dict[str, str]:
        env = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        if self.expiration is not None:
            env["AWS_CREDENTIAL_EXPIRATION"] = iso(self.expiration)
        return env

    def secrets(self) -> tuple[str, ...]:
        """What must never be printed by accident: tests grep every output for these."""
        return tuple(s for s in (self.secret_access_key, self.session_token) if s)


class CacheEntry(NamedTuple):
    """Credentials in the store, with the fingerprint of what they were made for: a changed profile (another
    role, another duration) no longer matches, and is refreshed instead of served."""

    credentials: Credentials
    fingerprint: str

    def dumps(self) -> str:
        data = self.credentials.process_output()
        data["Fingerprint"] = self.fingerprint
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> CacheEntry:
        data = json.loads(text)
        expiration = data.get("Expiration")
        credentials = Credentials(
            data["AccessKeyId"],
            data["SecretAccessKey"],
            data.get("SessionToken"),
            dt.datetime.fromisoformat(expiration) if expiration else None,
        )
        return cls(credentials, data.get("Fingerprint", ""))
