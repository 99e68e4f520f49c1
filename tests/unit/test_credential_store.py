"""The credential cache keeps secrets where only their owner can read them.

Given a machine with no keyring (a headless server, CI), the encrypted-file store is chosen: its files are
0600 in a 0700 directory, unreadable without the key kept apart from them, and an entry tampered with or
moved under another name is refused rather than served. Where a keyring exists, it is used instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from rolegate.cli.commands.creds import export_lines
from rolegate.creds.awsconfig import read_profiles
from rolegate.creds.credentials import CacheEntry, Credentials
from rolegate.creds.fast import cached
from rolegate.creds.store import FileStore, KeyringStore, choose_store, recorded_store
from rolegate.errors import CredentialsError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for key in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "ROLEGATE_STORE", "ROLEGATE_STORE_KEY"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


def entry(minutes: int = 60) -> str:
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    return CacheEntry(Credentials("ASIAEXAMPLE", SECRET, "token-" + SECRET, expires), "fp").dumps()


def test_the_file_store_is_private_and_unreadable_without_its_key(home: Path) -> None:
    store = FileStore()
    store.put("role:demo-production-cobus", entry())

    (data,) = (home / ".cache" / "rolegate" / "store").iterdir()
    key = home / ".config" / "rolegate" / "store.key"
    assert oct(data.stat().st_mode & 0o777) == "0o600" and oct(key.stat().st_mode & 0o777) == "0o600"
    assert oct(data.parent.stat().st_mode & 0o777) == "0o700"
    assert SECRET.encode() not in data.read_bytes()
    read = CacheEntry.loads(store.get("role:demo-production-cobus") or "")
    assert read.credentials.secret_access_key == SECRET and read.fingerprint == "fp"
    assert store.names() == ["role:demo-production-cobus"]

    key.write_bytes(base64.b64encode(b"\x00" * 32))  # another key: the data is as good as absent
    assert store.get("role:demo-production-cobus") is None


def test_an_entry_tampered_with_or_moved_under_another_name_is_refused(home: Path) -> None:
    store = FileStore()
    store.put("role:a", entry())
    store.put("role:b", entry())
    path_a, path_b = Path(store.path("role:a")), Path(store.path("role:b"))

    path_b.write_bytes(path_a.read_bytes())  # a's sealed credentials under b's name
    assert store.get("role:b") is None
    blob = bytearray(path_a.read_bytes())
    blob[-1] ^= 1
    path_a.write_bytes(bytes(blob))
    assert store.get("role:a") is None


def test_a_key_from_the_environment_must_be_a_256_bit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLEGATE_STORE_KEY", base64.b64encode(b"short").decode())

    with pytest.raises(CredentialsError, match="256-bit"):
        FileStore().put("x", "y")


def test_without_a_keyring_the_file_store_is_chosen_and_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

    assert choose_store().kind == "file"
    assert isinstance(recorded_store(), FileStore)  # the warm path needs no keyring discovery


class MemoryKeyring:
    """A keyring backend as the keyring library defines one: service, username, password."""

    priority = 5

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, name: str) -> str | None:
        return self.items.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        self.items[(service, name)] = value

    def delete_password(self, service: str, name: str) -> None:
        from keyring.errors import PasswordDeleteError

        if self.items.pop((service, name), None) is None:
            raise PasswordDeleteError(name)


def test_the_keyring_store_keeps_secrets_in_the_keyring_and_only_names_on_disk(home: Path) -> None:
    backend: Any = MemoryKeyring()
    store = KeyringStore(backend)

    store.put("role:demo-production-cobus", entry())

    assert backend.items[("rolegate", "role:demo-production-cobus")] == store.get(
        "role:demo-production-cobus"
    )
    assert store.names() == ["role:demo-production-cobus"]
    assert SECRET not in (home / ".cache" / "rolegate" / "keyring-index.json").read_text()
    assert store.delete("role:demo-production-cobus") and store.names() == []


def test_expiring_or_mismatched_credentials_are_not_served() -> None:
    store = FileStore()
    store.put("fresh", entry(60))
    store.put("ending", entry(10))  # inside the 15 minutes botocore wants left

    assert cached(store, "fresh", "fp") is not None
    assert cached(store, "ending", "fp") is None
    assert cached(store, "fresh", "made-for-another-role") is None


def test_a_credential_process_profile_names_its_role_where_the_sdk_does_not_look(home: Path) -> None:
    config = home / "config"
    config.write_text(
        "[profile p]\ncredential_process = rolegate credential-process p\n"
        "rolegate_role_arn = arn:aws:iam::222222222222:role/administrator\nsource_profile = hub\n"
        "duration_seconds = 3600\n[profile hub]\nregion = eu-west-1\n"
    )

    profiles = read_profiles(config)

    assert profiles["p"].role_arn == "arn:aws:iam::222222222222:role/administrator"
    assert profiles["p"].duration_seconds == 3600 and not profiles["hub"].is_role
    changed = read_profiles(config)["p"].fingerprint()
    config.write_text(config.read_text().replace("3600", "7200"))
    assert read_profiles(config)["p"].fingerprint() != changed


@pytest.mark.parametrize(
    ("shell", "line", "unset"),
    [
        ("bash", "export AWS_SECRET_ACCESS_KEY='a b'\"'\"'c'", "unset AWS_PROFILE"),
        ("fish", "set -gx AWS_SECRET_ACCESS_KEY 'a b'\"'\"'c'", "set -e AWS_PROFILE"),
        ("powershell", "$Env:AWS_SECRET_ACCESS_KEY = 'a b''c'", "Remove-Item Env:AWS_PROFILE"),
    ],
)
def test_export_lines_quote_values_for_each_shell(shell: str, line: str, unset: str) -> None:
    text = export_lines({"AWS_SECRET_ACCESS_KEY": "a b'c"}, shell)

    assert line in text.splitlines() and unset in text


def test_credentials_never_show_their_secrets_in_a_repr() -> None:
    creds = Credentials("ASIAEXAMPLE", SECRET, "token", None)

    assert SECRET not in repr(creds) and "token" not in repr(creds)
    assert json.loads(CacheEntry(creds, "fp").dumps())["SecretAccessKey"] == SECRET


def _key_file(home: Path) -> Path:
    return home / ".config" / "rolegate" / "store.key"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606, 0o666, 0o620, 0o777])
def test_a_key_file_others_may_read_or_write_is_refused_with_the_chmod_that_fixes_it(
    home: Path, mode: int
) -> None:
    """Given a store.key someone left readable (a dotfiles sync, a careless cp), when rolegate opens the
    store, then it refuses and says `chmod 600`: that key decrypts every cached credential."""
    store = FileStore()
    store.put("role:a", entry())
    _key_file(home).chmod(mode)

    with pytest.raises(CredentialsError) as caught:
        store.get("role:a")

    assert str(_key_file(home)) in caught.value.message and f"{mode:o}" in caught.value.message
    assert caught.value.hint is not None and f"chmod 600 {_key_file(home)}" in caught.value.hint


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_key_file_of_another_user_is_refused(home: Path) -> None:
    store = FileStore()
    store.put("role:a", entry())
    os.chown(_key_file(home), 4242, 4242)
    try:
        with pytest.raises(CredentialsError, match="another user"):
            store.get("role:a")
    finally:
        os.chown(_key_file(home), os.geteuid(), os.getegid())


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not base64 at all!",
        b"c2hvcnQ=",
        base64.b64encode(bytes(31)),
        base64.b64encode(bytes(33)),
        b"\xff\xfe",
    ],
)
def test_a_key_file_that_does_not_decode_is_a_clear_error_not_an_internal_one(
    home: Path, content: bytes
) -> None:
    store = FileStore()
    store.put("role:a", entry())
    _key_file(home).write_bytes(content)

    with pytest.raises(CredentialsError, match="not a base64 256-bit key"):
        store.get("role:a")


@pytest.mark.parametrize("mode", [0o777, 0o757, 0o770, 0o722])
def test_a_store_directory_others_may_write_is_refused(home: Path, mode: int) -> None:
    store = FileStore()
    store.put("role:a", entry())
    Path(store.directory).chmod(mode)

    with pytest.raises(CredentialsError) as caught:
        store.get("role:a")

    assert "writable by others" in caught.value.message
    assert caught.value.hint == f"`chmod 700 {store.directory}`"


def test_the_store_directories_are_made_0700(home: Path) -> None:
    FileStore().put("role:a", entry())

    for directory in (
        home / ".cache" / "rolegate",
        home / ".cache" / "rolegate" / "store",
        home / ".config" / "rolegate",
    ):
        assert oct(directory.stat().st_mode & 0o777) == "0o700", directory


def test_doctor_reports_every_store_problem_with_its_fix(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rolegate.creds.diagnose import diagnose

    monkeypatch.setenv("ROLEGATE_STORE", "file")
    store = FileStore()
    store.put("role:a", entry())
    _key_file(home).chmod(0o644)
    Path(store.directory).chmod(0o777)

    report = diagnose()

    problems = " ".join(p["problem"] + " " + p["fix"] for p in report["problems"])
    assert "chmod 600" in problems and "chmod 700" in problems
    assert [c["name"] for c in report["cached"]] == ["role:a"]
    assert SECRET not in json.dumps(report)
