"""~/.aws/config is the user's file: rolegate's profiles go in, and every other byte stays as it was.

Given config files people really have (comments, odd spacing, CRLF, a [default], hand-written copies of the
seed's profiles), when cobus writes his profiles twice, then only rolegate's sections differ, the second
run changes nothing, and nothing else moves.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.atomic import lock_path
from rolegate.cli.commands.config import example_text
from rolegate.errors import LocalFileError
from rolegate.local.aws_config import MARK, merge_profiles, write_profiles
from rolegate.local.profiles import user_profiles
from rolegate.model.load import parse

CONFIG = parse(example_text()).config
PROFILES = user_profiles(CONFIG, "cobus")


def merge(text: str, profiles: list = PROFILES) -> str:  # type: ignore[type-arg]
    return merge_profiles(text, profiles, "demo", "cobus").text


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12).filter(
    lambda n: not n.startswith("demo-")
)
values = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_:/.=", max_size=20)
comments = st.builds(lambda c, t: f"{c} {t}", st.sampled_from(["#", ";"]), values)
option = st.builds(lambda k, sep, v: f"{k}{sep}{v}", names, st.sampled_from([" = ", "=", " =", "= "]), values)


@st.composite
def config_files(draw: st.DrawFn) -> str:
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = draw(st.lists(st.one_of(comments, st.just("")), max_size=3))
    for name in draw(st.lists(names, max_size=5, unique=True)):
        header = "[default]" if name == "default" else f"[profile {name}]"
        lines.append(header + draw(st.sampled_from(["", "  ", "  # note"])))
        lines += draw(st.lists(st.one_of(option, comments, st.just("")), max_size=4))
    text = nl.join(lines)
    return text + (nl if draw(st.booleans()) else "")


@settings(max_examples=300, deadline=None)
@given(config_files())
def test_any_existing_file_keeps_every_byte_and_a_second_write_changes_nothing(original: str) -> None:
    first = merge(original)

    assert first.startswith(original)  # rolegate's profiles are appended, nothing before them moved
    assert merge(first) == first
    assert first.count(MARK) == len(PROFILES)


@settings(max_examples=100, deadline=None)
@given(config_files())
def test_removing_a_role_takes_out_only_rolegates_section(original: str) -> None:
    written = merge(original)

    fewer = merge(written, PROFILES[:-1])

    assert fewer.startswith(original)
    assert PROFILES[-1].name not in fewer and PROFILES[1].name in fewer


def test_crlf_files_stay_crlf_and_the_seeds_hand_written_profile_is_adopted() -> None:
    original = (
        "# my accounts\r\n[profile demo-master-cobus]\r\nregion = us-west-2\r\n\r\n"
        "[profile demo-development-cobus]\r\nrole_arn = arn:aws:iam::222222222222:role/administrator\r\n"
        "source_profile = demo-master-cobus\r\n"
    )

    result = merge_profiles(original, PROFILES, "demo", "cobus")

    assert "\n" not in result.text.replace("\r\n", "")
    assert result.kept == ["demo-master-cobus"] and result.adopted == ["demo-development-cobus"]
    assert result.text.startswith(
        "# my accounts\r\n[profile demo-master-cobus]\r\nregion = us-west-2\r\n\r\n"
    )


def test_a_hand_written_profile_for_another_role_is_a_conflict_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "config"
    original = "[profile demo-development-cobus]\nrole_arn = arn:aws:iam::999999999999:role/other\n"
    path.write_text(original)

    with pytest.raises(LocalFileError, match="demo-development-cobus"):
        write_profiles(path, PROFILES, "demo", "cobus")

    assert path.read_text() == original and sorted(tmp_path.iterdir()) == sorted([path, lock_path(path)])


def test_another_users_profiles_are_not_removed() -> None:
    alice = [p for p in user_profiles(CONFIG, "cobus")]
    written = merge_profiles("", alice, "demo", "alice").text

    result = merge_profiles(written, PROFILES[:1], "demo", "cobus")

    assert result.removed == [] and "demo-development-cobus" in result.text


def test_a_default_profile_is_reported(tmp_path: Path) -> None:
    assert merge_profiles("[default]\nregion = eu-west-1\n", PROFILES, "demo", "cobus").has_default


def test_write_keeps_mode_makes_a_backup_and_a_second_run_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile mine]\nregion = eu-west-1\n")
    path.chmod(0o600)

    first, backup = write_profiles(path, PROFILES, "demo", "cobus")
    second, no_backup = write_profiles(path, PROFILES, "demo", "cobus")

    assert first.added and backup is not None and backup.read_text() == "[profile mine]\nregion = eu-west-1\n"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not second.changed and no_backup is None


def test_a_new_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / ".aws" / "config"

    write_profiles(path, PROFILES, "demo", "cobus")

    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_read_only_file_is_left_as_its_owner_set_it(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[profile mine]\n")
    path.chmod(0o400)

    with pytest.raises(LocalFileError, match="read-only"):
        write_profiles(path, PROFILES, "demo", "cobus")

    assert path.read_text() == "[profile mine]\n" and sorted(tmp_path.iterdir()) == sorted(
        [path, lock_path(path)]
    )


def test_a_symlinked_config_is_refused_and_stays_a_link(tmp_path: Path) -> None:
    """Issue 16: a link is never written through (it could point anywhere); the message names the target."""
    real = tmp_path / "dotfiles" / "aws-config"
    real.parent.mkdir()
    real.write_text("[profile mine]\n")
    link = tmp_path / "config"
    link.symlink_to(real)

    with pytest.raises(LocalFileError, match="symbolic link"):
        write_profiles(link, PROFILES, "demo", "cobus")

    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "[profile mine]\n"
