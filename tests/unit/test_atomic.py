"""Writing people's files: atomic, permission bits kept, the old bytes backed up, nothing left on failure."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rolegate import atomic
from rolegate.atomic import write_atomic
from rolegate.errors import LocalFileError


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(directory: Path, keep: Path) -> list[str]:
    """What is beside the file but the file itself and its lock file (which stays, on purpose: waiters must
    share one inode, and removing a lock file on release would let two writers hold two different ones)."""
    return sorted(p.name for p in directory.iterdir() if p not in (keep, atomic.lock_path(keep)))


def test_a_new_file_is_private_unless_a_mode_is_given(tmp_path: Path) -> None:
    private = tmp_path / "first-passwords.txt"
    shared = tmp_path / "rolegate.yaml"

    assert write_atomic(private, "secret\n") is None
    assert write_atomic(shared, "version: 1\n", mode=0o644) is None

    assert mode_of(private) == 0o600
    assert mode_of(shared) == 0o644
    assert private.read_text() == "secret\n"


@pytest.mark.parametrize("original_mode", [0o600, 0o644])
def test_rewriting_a_file_keeps_its_permission_bits_whatever_mode_is_asked(
    tmp_path: Path, original_mode: int
) -> None:
    path = tmp_path / "config"
    path.write_text("old\n")
    path.chmod(original_mode)

    write_atomic(path, "new\n", mode=0o640)

    assert path.read_text() == "new\n"
    assert mode_of(path) == original_mode


@pytest.mark.parametrize("original_mode", [0o600, 0o644])
def test_the_old_file_is_backed_up_beside_it_with_its_bytes_and_mode(
    tmp_path: Path, original_mode: int
) -> None:
    path = tmp_path / "rolegate.yaml"
    old = b"# mine\r\naccounts: {}\r\n\xc3\xa9\n"
    path.write_bytes(old)
    path.chmod(original_mode)

    backup = write_atomic(path, "accounts: {}\n")

    assert backup is not None and backup.parent == tmp_path
    assert backup.name.startswith("rolegate.yaml.rolegate-backup-")
    stamp = backup.name.removeprefix("rolegate.yaml.rolegate-backup-")
    assert len(stamp) == len("20240101T120000") and stamp[8] == "T" and stamp.replace("T", "").isdigit()
    assert backup.read_bytes() == old
    assert mode_of(backup) == original_mode
    assert path.read_bytes() == b"accounts: {}\n"


def test_two_backups_in_the_same_second_do_not_overwrite_each_other(tmp_path: Path) -> None:
    path = tmp_path / "rolegate.yaml"
    path.write_text("one\n")

    first = write_atomic(path, "two\n")
    second = write_atomic(path, "three\n")

    assert first is not None and second is not None and first != second
    assert first.read_text() == "one\n"
    assert second.read_text() == "two\n"


def test_no_backup_is_made_when_not_asked_for_or_when_there_was_no_file(tmp_path: Path) -> None:
    path = tmp_path / "config"

    assert write_atomic(path, "a\n") is None
    assert write_atomic(path, "b\n", backup=False) is None

    assert leftovers(tmp_path, path) == []
    assert path.read_text() == "b\n"


def test_crlf_text_is_written_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "rolegate.yaml"
    text = "version: 1\r\naccounts:\r\n  a: {}  # é\r\n"

    write_atomic(path, text)

    assert path.read_bytes() == text.encode("utf-8")


def test_bytes_are_written_as_given(tmp_path: Path) -> None:
    path = tmp_path / "blob"

    write_atomic(path, b"\x00\r\n\xff")

    assert path.read_bytes() == b"\x00\r\n\xff"


def test_writing_where_the_parent_is_a_file_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "plain-file"
    not_a_directory.write_text("x")

    with pytest.raises(LocalFileError) as caught:
        write_atomic(not_a_directory / "rolegate.yaml", "version: 1\n")

    assert caught.value.message.startswith(f"{not_a_directory / 'rolegate.yaml'}: cannot write it (")
    assert caught.value.hint
    assert leftovers(tmp_path, not_a_directory) == []


def test_a_write_that_fails_at_the_rename_leaves_the_old_file_and_no_temp_or_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rolegate.yaml"
    path.write_text("old\n")

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", refuse)

    with pytest.raises(LocalFileError, match="cannot write it"):
        write_atomic(path, "new\n")

    assert path.read_text() == "old\n"
    assert leftovers(tmp_path, path) == []


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only directories"
)
def test_a_read_only_directory_is_refused_cleanly(tmp_path: Path) -> None:
    directory = tmp_path / "locked"
    directory.mkdir()
    path = directory / "rolegate.yaml"
    path.write_text("old\n")
    directory.chmod(0o500)
    try:
        with pytest.raises(LocalFileError, match="cannot write it"):
            write_atomic(path, "new\n")
        assert sorted(p.name for p in directory.iterdir()) == ["rolegate.yaml"]
        assert path.read_text() == "old\n"
    finally:
        directory.chmod(0o700)


def test_a_symlinked_file_is_refused_naming_the_link_and_its_target(tmp_path: Path) -> None:
    """The rule changed (issue 16): a link is never written through. Given ~/.aws/config as a link into a
    dotfiles directory, when rolegate writes it, then it refuses, names both, says to name the target, and
    neither the link nor the target changes."""
    real = tmp_path / "dotfiles" / "config"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o600)
    link = tmp_path / "config"
    link.symlink_to(real)

    with pytest.raises(LocalFileError) as caught:
        write_atomic(link, "new\n")

    assert str(link) in caught.value.message and str(real) in caught.value.message
    assert caught.value.hint is not None and str(real) in caught.value.hint
    assert link.is_symlink() and real.read_text() == "old\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["config"]


def test_a_file_in_a_symlinked_directory_is_written(tmp_path: Path) -> None:
    """~/.aws -> ~/dotfiles/aws is the user's choice of where the file lives: only the last name matters."""
    real_dir = tmp_path / "dotfiles" / "aws"
    real_dir.mkdir(parents=True)
    (tmp_path / ".aws").symlink_to(real_dir)

    write_atomic(tmp_path / ".aws" / "config", "new\n")

    assert (real_dir / "config").read_text() == "new\n"


def test_only_the_newest_backups_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("0\n")
    for n in range(1, 9):
        write_atomic(path, f"{n}\n")

    backups = sorted(p for p in tmp_path.iterdir() if atomic.BACKUP_MARK in p.name)
    assert len(backups) == atomic.KEEP_BACKUPS
    assert sorted(b.read_text() for b in backups) == [f"{n}\n" for n in range(3, 8)]


def test_which_backups_are_pruned_orders_by_stamp_then_number() -> None:
    names = [f"config{atomic.BACKUP_MARK}20240101T120000{s}" for s in ("", "-2", "-10", "-3")] + [
        f"config{atomic.BACKUP_MARK}20231231T235959",
        f"other{atomic.BACKUP_MARK}20200101T000000",
        f"config{atomic.BACKUP_MARK}not-a-stamp",
    ]

    assert atomic.backups_to_prune(names, "config", keep=3) == [
        f"config{atomic.BACKUP_MARK}20231231T235959",
        f"config{atomic.BACKUP_MARK}20240101T120000",
    ]


def test_update_file_merges_into_what_is_there_under_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("a\n")

    seen, backup = atomic.update_file(path, lambda text: ((text or "") + "b\n", text))

    assert seen == "a\n" and path.read_text() == "a\nb\n"
    assert backup is not None and backup.read_text() == "a\n"


def test_update_file_writes_nothing_when_the_text_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("a\n")
    before = path.stat()

    result, backup = atomic.update_file(path, lambda text: (text, "same"))

    assert (result, backup) == ("same", None)
    assert path.stat().st_ino == before.st_ino and leftovers(tmp_path, path) == []


def test_a_writer_that_cannot_get_the_lock_in_time_names_the_lock_file(tmp_path: Path) -> None:
    from filelock import FileLock

    path = tmp_path / "config"
    path.write_text("old\n")
    holder = FileLock(str(atomic.lock_path(path)))
    holder.acquire()
    try:
        with pytest.raises(LocalFileError) as caught:
            write_atomic(path, "new\n", timeout=0.2)
    finally:
        holder.release()

    assert str(atomic.lock_path(path)) in caught.value.message
    assert path.read_text() == "old\n"


def test_a_private_file_is_0600_whatever_the_old_one_was(tmp_path: Path) -> None:
    """Given a password file someone left world-readable, when rolegate writes secrets into it, then it is
    0600 afterwards (its other writes keep an existing file's bits)."""
    target = tmp_path / "passwords.txt"
    target.write_text("old\n")
    target.chmod(0o644)

    write_atomic(target, "new\n", mode=0o600, backup=False, private=True)

    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_text() == "new\n"


def test_first_passwords_are_added_to_the_file_never_overwritten(tmp_path: Path) -> None:
    """Given first passwords of an earlier apply in --password-out, when a later apply or restore writes
    another user's, then both are there (IAM never gives a password back); a newer one replaces the older."""
    from rolegate.cli.passwords import write_passwords

    target = tmp_path / "passwords.txt"
    write_passwords(target, {("master", "cobus"): "first-one"})
    write_passwords(target, {("master", "dana"): "second-one", ("master", "cobus"): "newer-one"})

    assert target.read_text().splitlines() == ["master\tcobus\tnewer-one", "master\tdana\tsecond-one"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
