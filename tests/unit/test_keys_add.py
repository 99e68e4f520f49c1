"""Taking a key out of ~/.aws/credentials touches nothing else.

Given a credentials file the way people grow them — several profiles, comments above and between them, a
region next to the key, CRLF line endings from a Windows editor — when cobus's key is moved into rolegate's
store, then only the lines of that key go, every other byte stays, and the hub profile in ~/.aws/config
gets one `credential_process` line and nothing else. No AWS here: these are the pure edits, and the write
with its backup.
"""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from rolegate.atomic import write_atomic
from rolegate.creds.keys import AccessKey, KeyRow, StoredKey, key_level
from rolegate.errors import LocalFileError
from rolegate.local.aws_config import merge_profiles
from rolegate.local.aws_credentials import (
    find_key,
    remove_key,
    sections_with_key,
    set_credential_process,
)
from rolegate.local.profiles import Profile

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
OTHER_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
CREDENTIALS = f"""\
# my keys; do not commit
[personal]
aws_access_key_id = AKIAPERSONAL00000001
aws_secret_access_key = {OTHER_SECRET}

; the hub user, pasted from the console on day one
[demo-master-cobus]
aws_access_key_id = AKIACOBUS0000000001
# the secret below
aws_secret_access_key = {SECRET}
region = us-west-2

[ci]
aws_access_key_id=AKIACI00000000000001
aws_secret_access_key={OTHER_SECRET}
"""
COMMAND = "/opt/rolegate/bin/rolegate keys credential-process demo-master-cobus"


def test_only_the_chosen_profiles_key_lines_go_and_every_other_byte_stays() -> None:
    found = find_key(CREDENTIALS, "demo-master-cobus")
    cleaned = remove_key(CREDENTIALS, "demo-master-cobus")

    assert found is not None and found.access_key_id == "AKIACOBUS0000000001"
    assert found.secret_access_key == SECRET and SECRET not in repr(found)
    assert SECRET not in cleaned
    assert cleaned == CREDENTIALS.replace("aws_access_key_id = AKIACOBUS0000000001\n", "").replace(
        f"aws_secret_access_key = {SECRET}\n", ""
    )
    assert find_key(cleaned, "personal") == find_key(CREDENTIALS, "personal")


def test_a_section_left_empty_goes_and_crlf_stays_crlf() -> None:
    text = (
        "[a]\r\nregion = x\r\n\r\n"
        f"[cobus]\r\naws_access_key_id = AKIA1\r\naws_secret_access_key = {SECRET}\r\n\r\n"
        "[b]\r\nq = 1\r\n"
    )

    cleaned = remove_key(text, "cobus")

    assert cleaned == "[a]\r\nregion = x\r\n\r\n\r\n[b]\r\nq = 1\r\n"


def test_the_same_key_elsewhere_is_found_so_it_can_be_reported() -> None:
    text = CREDENTIALS + "\n[default]\naws_access_key_id = AKIACOBUS0000000001\naws_secret_access_key = x\n"

    assert sections_with_key(remove_key(text, "demo-master-cobus"), "AKIACOBUS0000000001") == ["default"]


def test_a_key_in_the_config_file_is_found_under_its_profile_section() -> None:
    config = f"[profile demo-master-cobus]\naws_access_key_id = AKIA1\naws_secret_access_key = {SECRET}\n"

    assert find_key(config, "demo-master-cobus", config_file=True) is not None
    assert find_key(config, "demo-master-cobus") is None
    assert remove_key(config, "demo-master-cobus", config_file=True) == ""


def test_the_hub_profile_gets_one_credential_process_line_and_a_rerun_changes_nothing() -> None:
    config = (
        "# mine\n[profile demo-master-cobus]\nregion = us-west-2\n# after\n\n[profile other]\nregion = x\n"
    )

    wired = set_credential_process(config, "demo-master-cobus", COMMAND)

    assert wired == config.replace(
        "region = us-west-2\n", f"region = us-west-2\ncredential_process = {COMMAND}\n"
    )
    assert set_credential_process(wired, "demo-master-cobus", COMMAND) == wired
    moved = COMMAND.replace("/opt/rolegate", "/usr/local")
    assert set_credential_process(wired, "demo-master-cobus", moved) == wired.replace(COMMAND, moved)


def test_a_missing_profile_is_appended_and_crlf_is_kept() -> None:
    assert (
        set_credential_process("", "cobus", COMMAND) == f"[profile cobus]\ncredential_process = {COMMAND}\n"
    )
    assert set_credential_process("[default]\r\nregion = x", "cobus", COMMAND) == (
        f"[default]\r\nregion = x\r\n\r\n[profile cobus]\r\ncredential_process = {COMMAND}\r\n"
    )
    assert (
        set_credential_process("[default]\n", "default", COMMAND)
        == f"[default]\ncredential_process = {COMMAND}\n"
    )


@pytest.mark.parametrize(
    ("section", "why"),
    [
        ("role_arn = arn:aws:iam::1:role/x\nsource_profile = a\n", "role_arn, source_profile"),
        ("credential_process = aws-vault export --format=json x\n", "already gets its credentials"),
    ],
)
def test_a_profile_that_is_not_a_plain_key_profile_is_refused(section: str, why: str) -> None:
    with pytest.raises(LocalFileError, match=why):
        set_credential_process(f"[profile cobus]\n{section}", "cobus", COMMAND)


def test_rewriting_rolegates_hub_profile_keeps_the_stored_key_wiring() -> None:
    """`rolegate profiles --write` re-renders the sections it owns; the hub's key line must survive it."""
    hub = Profile("demo-master-cobus", {"region": "us-west-2"})
    first = merge_profiles("", [hub], "demo", "cobus").text
    wired = set_credential_process(first, "demo-master-cobus", COMMAND)

    again = merge_profiles(wired, [hub], "demo", "cobus")

    assert again.text == wired and not again.changed


def test_the_file_write_keeps_a_backup_with_the_old_bytes(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(CREDENTIALS)
    path.chmod(0o600)

    backup = write_atomic(path, remove_key(CREDENTIALS, "demo-master-cobus"))

    assert backup is not None and backup.read_text() == CREDENTIALS
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600 == stat.S_IMODE(path.stat().st_mode)
    assert SECRET not in path.read_text()


def test_the_store_entry_never_shows_its_secret_and_round_trips() -> None:
    entry = StoredKey(
        "demo-master-cobus", "cobus", AccessKey("AKIA1", SECRET, "2026-01-01T00:00:00Z"), "123456789012",
        pending=AccessKey("AKIA2", OTHER_SECRET), retiring=("AKIA0",),
    )  # fmt: skip

    assert SECRET not in repr(entry) and OTHER_SECRET not in repr(entry)
    assert StoredKey.loads(entry.dumps()) == entry


NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def row(age: int, used: bool = True, status: str = "Active") -> KeyRow:
    created = NOW - dt.timedelta(days=age)
    return KeyRow("cobus", "AKIA1", status, created, created if used else None, "sts", "us-east-1", None)


def test_keys_are_judged_by_the_audits_own_age_limit() -> None:
    from rolegate.access.audit import KEY_MAX_AGE_DAYS

    assert key_level(row(KEY_MAX_AGE_DAYS), NOW) == "ok"
    assert key_level(row(KEY_MAX_AGE_DAYS + 1), NOW) == "old"
    assert key_level(row(3, used=False), NOW) == "unused"
    assert key_level(row(400, status="Inactive"), NOW) == "inactive"


def test_a_credentials_file_that_cannot_be_parsed_is_named_by_line_never_by_its_content() -> None:
    """Given a secret key line above the first section (a paste gone wrong), when rolegate reads the file,
    then the error says which line, and does not quote it: it is the secret."""
    broken = f"aws_secret_access_key = {SECRET}\n" + CREDENTIALS

    with pytest.raises(LocalFileError) as raised:
        find_key(broken, "demo-master-cobus")

    assert "line 1" in str(raised.value) and SECRET not in str(raised.value)
    assert SECRET not in str(raised.value.hint or "")
