"""`rolegate accounts create` writes the new ids into rolegate.yaml and changes nothing else."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import rolegate.model
from rolegate.errors import LocalFileError
from rolegate.model.edit import set_account_ids
from rolegate.model.load import load

EXAMPLE = Path(rolegate.model.__file__).parent / "example.yaml"
NEW_ID = "444444444444"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "rolegate.yaml"
    shutil.copyfile(EXAMPLE, path)
    return path


def changed_lines(before: str, after: str) -> list[str]:
    """The +/- lines of a diff, without the file headers."""
    diff = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def edited(tmp_path: Path, text: str, ids: dict[str, str]) -> str:
    path = tmp_path / "rolegate.yaml"
    path.write_bytes(text.encode("utf-8"))
    set_account_ids(path, ids)
    return path.read_bytes().decode("utf-8")


def test_accounts_create_writes_the_new_id_and_keeps_every_comment(config: Path) -> None:
    before = config.read_text()

    set_account_ids(config, {"staging": NEW_ID})

    after = config.read_text()
    assert changed_lines(before, after) == [f'+    id: "{NEW_ID}"\n']
    assert f'  staging:\n    id: "{NEW_ID}"\n    email: you+staging@example.com   # no id yet' in after


def test_the_edited_file_still_parses_and_the_new_id_is_a_string(config: Path) -> None:
    set_account_ids(config, {"staging": NEW_ID})

    tree = YAML(typ="rt").load(config.read_text())
    staging = tree["accounts"]["staging"]
    assert list(staging) == ["id", "email", "color"]
    assert isinstance(staging["id"], str) and staging["id"] == NEW_ID
    loaded = load(config)
    assert loaded.config.accounts["staging"].id == NEW_ID
    assert loaded.warnings == []  # the example's only warning was the missing staging id


def test_an_existing_id_is_replaced_in_place(config: Path) -> None:
    before = config.read_text()

    set_account_ids(config, {"production": "999999999999", "staging": NEW_ID})

    assert changed_lines(before, config.read_text()) == [
        f'+    id: "{NEW_ID}"\n',
        '-    id: "333333333333"\n',
        '+    id: "999999999999"\n',
    ]


def test_an_unquoted_or_single_quoted_id_is_replaced_by_a_double_quoted_one(tmp_path: Path) -> None:
    text = "accounts:\n  a:\n    id: 111111111111  # old\n  b:\n    id: '222222222222'\n"

    after = edited(tmp_path, text, {"a": NEW_ID, "b": "555555555555"})

    # the comment keeps its column where it can; here the longer value pushes it one space closer
    assert changed_lines(text, after) == [
        "-    id: 111111111111  # old\n",
        f'+    id: "{NEW_ID}" # old\n',
        "-    id: '222222222222'\n",
        '+    id: "555555555555"\n',
    ]


def test_the_old_file_is_kept_as_a_backup_beside_it(config: Path) -> None:
    before = config.read_bytes()

    backup = set_account_ids(config, {"staging": NEW_ID})

    assert backup is not None and backup.parent == config.parent
    assert backup.name.startswith("rolegate.yaml.rolegate-backup-")
    assert backup.read_bytes() == before


def test_an_account_not_in_the_file_is_refused_and_nothing_is_written(config: Path) -> None:
    before = config.read_bytes()

    with pytest.raises(LocalFileError, match=r"accounts\.sandbox is not in the file"):
        set_account_ids(config, {"staging": NEW_ID, "sandbox": "555555555555"})

    assert config.read_bytes() == before
    assert sorted(p.name for p in config.parent.iterdir()) == [
        ".rolegate.yaml.lock",
        "rolegate.yaml",
    ]  # the lock stays


def test_an_id_that_is_not_twelve_digits_is_refused_before_the_file_is_touched(config: Path) -> None:
    before = config.read_bytes()

    with pytest.raises(ValueError, match="12 digits"):
        set_account_ids(config, {"staging": "4444"})

    assert config.read_bytes() == before


def test_a_crlf_config_stays_crlf_byte_for_byte(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("\n", "\r\n")

    after = edited(tmp_path, text, {"staging": NEW_ID})

    assert changed_lines(text, after) == [f'+    id: "{NEW_ID}"\r\n']


def test_four_space_indentation_and_flush_left_sequences_are_kept(tmp_path: Path) -> None:
    text = (
        "accounts:\n"
        "    staging:    # added later\n"
        "        email: you+staging@example.com\n"
        "roles:\n"
        "    administrator:\n"
        "        accounts:\n"
        "        - staging   # block style, dash flush with the key\n"
        "        - production\n"
    )

    after = edited(tmp_path, text, {"staging": NEW_ID})

    assert changed_lines(text, after) == [f'+        id: "{NEW_ID}"\n']


def test_a_header_above_the_document_marker_a_bom_and_a_missing_final_newline_are_kept(
    tmp_path: Path,
) -> None:
    text = "\ufeff# Owned by the platform team\n---\naccounts:\n  staging: {email: a@example.com}"

    after = edited(tmp_path, text, {"staging": NEW_ID})

    assert after == (
        "\ufeff# Owned by the platform team\n---\n"
        f'accounts:\n  staging: {{id: "{NEW_ID}", email: a@example.com}}'
    )


def test_an_account_that_takes_its_fields_from_a_merge_key_gets_its_own_id(tmp_path: Path) -> None:
    text = (
        "defaults: &defaults\n  color: red\n"
        "accounts:\n  staging:\n    <<: *defaults\n    email: a@example.com\n"
    )

    after = edited(tmp_path, text, {"staging": NEW_ID})

    assert changed_lines(text, after) == [f'+    id: "{NEW_ID}"\n']
