"""The warm path: cached credentials for a profile, read with the standard library and the store alone.

`rolegate credential-process PROFILE` is called by the AWS SDKs before their first request, often many
times at once; with a warm cache it must answer faster than boto3 can be imported. So this module, and
what it imports, never load boto3, botocore, click, rich or pydantic (an import-linter contract checks it).
Anything it cannot answer — no entry, an expired or mismatched one, an odd argument — returns None, and
the full command takes over.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from rolegate.creds.awsconfig import RoleProfile, read_profiles
from rolegate.creds.credentials import CacheEntry, Credentials
from rolegate.creds.store import recorded_store

if TYPE_CHECKING:
    from rolegate.creds.store import Store


def role_entry(profile: RoleProfile) -> tuple[str, str]:
    """The store name of a role profile's credentials, and the fingerprint they must match."""
    return f"role:{profile.name}", profile.fingerprint()


def session_entry(source_profile: str, mfa_serial: str | None) -> tuple[str, str]:
    """The store name of the MFA session made from a profile's long-term keys."""
    return f"session:{source_profile}:{mfa_serial or '-'}", mfa_serial or "-"


def entry_for(profile: RoleProfile) -> tuple[str, str]:
    return role_entry(profile) if profile.is_role else session_entry(profile.name, profile.mfa_serial)


def cached(store: Store, name: str, fingerprint: str) -> Credentials | None:
    """Fresh credentials under `name` made for `fingerprint`, or None."""
    text = store.get(name)
    if text is None:
        return None
    try:
        entry = CacheEntry.loads(text)
    except (ValueError, KeyError, TypeError):
        return None
    if entry.fingerprint != fingerprint or not entry.credentials.fresh():
        return None
    return entry.credentials


def warm_credentials(profile_name: str) -> Credentials | None:
    profile = read_profiles().get(profile_name)
    store = recorded_store()
    if profile is None or store is None:
        return None
    return cached(store, *entry_for(profile))


KEY_PREFIX = "key:"  # the store's entries of long-term keys (rolegate.creds.keys)


def stored_key(profile_name: str) -> Credentials | None:
    """The long-term key `rolegate keys` stored for the profile (only the two fields of StoredKey.dumps
    the SDK needs are read here)."""
    store = recorded_store()
    text = store.get(KEY_PREFIX + profile_name) if store is not None else None
    if not text:
        return None
    data = json.loads(text)
    return Credentials(str(data["AccessKeyId"]), str(data["SecretAccessKey"]))


def credential_process(argv: list[str], *, key: bool = False) -> int | None:
    """`rolegate credential-process PROFILE` from the cache (or, with `key`, `rolegate keys
    credential-process PROFILE` from the store), or None to let the full command answer."""
    if len(argv) != 1 or argv[0].startswith("-") or sys.stdout.isatty():
        return None
    try:
        credentials = stored_key(argv[0]) if key else warm_credentials(argv[0])
    except Exception:  # whatever went wrong, the full command will say it properly
        return None
    if credentials is None:
        return None
    sys.stdout.write(json.dumps(credentials.process_output()) + "\n")
    sys.stdout.flush()
    return 0
