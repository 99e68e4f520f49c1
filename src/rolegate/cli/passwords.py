"""First passwords: where --password-out may write them, how they are written as soon as IAM has them, and
how they are handed out at the end (to the file, or once to the terminal). apply and restore --user share it.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from rolegate.cli.env import Env
from rolegate.errors import RolegateError
from rolegate.plan.apply import ApplyResult

_PASSWORD_LINE = re.compile(r"[^\t\r\n]+\t[^\t\r\n]+\t[^\t\r\n]+")


def is_password_file_text(text: str) -> bool:
    """What rolegate writes into --password-out, and nothing else: lines of `account<TAB>user<TAB>password`.
    An empty file counts (`--password-out "$(mktemp)"`); anything else — rolegate.yaml, a key, notes — is
    someone's file, never added to."""
    return all(_PASSWORD_LINE.fullmatch(line) for line in text.splitlines())


def check_password_out(path: Path) -> None:
    """Refuses, before any IAM change, a --password-out that rolegate could not or must not write: a link, a
    directory or device, a file that is not a password file of the user's own with mode 0600, or a place
    where no file can be made. A password set in IAM and then not written is a password nobody knows."""
    import os
    import stat

    from rolegate import atomic

    try:
        status: os.stat_result | None = os.lstat(path)
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise _password_out_error(path, f"cannot be used ({exc.strerror or exc})") from None
    if status is None:
        try:
            parent = os.stat(path.parent)
        except OSError as exc:
            raise _password_out_error(path, f"cannot be created ({exc.strerror or exc})") from None
        if not stat.S_ISDIR(parent.st_mode):
            raise _password_out_error(path, f"cannot be created: {path.parent} is not a directory")
        problem = atomic.directory_refusal(path.parent, parent)
        if problem is None and not os.access(path.parent, os.W_OK | os.X_OK):
            raise _password_out_error(path, f"cannot be created: {path.parent} is not writable")
        if problem is not None:
            raise _refused(problem)
        return
    problem = atomic.refusal(path, status, os.geteuid())
    if problem is not None:
        raise _refused(problem)
    if status.st_uid != os.geteuid():
        raise _password_out_error(path, f"belongs to another user (uid {status.st_uid})")
    if stat.S_IMODE(status.st_mode) & 0o077:
        raise _password_out_error(
            path,
            f"is readable or writable by others (mode {stat.S_IMODE(status.st_mode):o}); a password file is "
            f"0600 (`chmod 600 {path}` if it is one)",
        )
    data = atomic.read_current(path).data or b""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    if not is_password_file_text(text):
        raise _password_out_error(path, "is not a rolegate password file (lines of account, user, password)")


def _refused(problem: RolegateError) -> RolegateError:
    """The file-writing helper's refusal (a link, a FIFO, a shared directory…), said as --password-out's: the
    user must know that no password was set either."""
    from rolegate.errors import LocalFileError

    why = problem.message.removesuffix(", and wrote nothing").removesuffix(", so nothing was written")
    return LocalFileError(
        f"--password-out {why}; nothing was changed",
        "name a new file (it is created with mode 0600), or a password file of an earlier apply",
    )


def _password_out_error(path: Path, why: str) -> RolegateError:
    from rolegate.errors import LocalFileError

    return LocalFileError(
        f"--password-out {path} {why}; nothing was changed",
        "name a new file (it is created with mode 0600), or a password file of an earlier apply",
    )


def write_passwords(path: Path, passwords: dict[tuple[str, str], str]) -> None:
    """First passwords into `path` (account, user, password; tab-separated), mode 0600 whatever the file was.
    Those of earlier runs stay: IAM never gives a password back, so a file is never overwritten, only added
    to; a user's newer password replaces their older one, which no longer works. The read and the write are
    one operation under the file's lock, never through a link; a file that is not a password file is refused
    and left as it is."""
    from rolegate.atomic import update_file

    def add(text: str | None) -> tuple[str, None]:
        if text is not None and not is_password_file_text(text):
            raise _password_out_error(path, "is not a rolegate password file, so it was left as it is")
        kept: dict[tuple[str, str], str] = {}
        for line in (text or "").splitlines():
            account, user, password = line.split("\t")
            kept[(account, user)] = password
        kept.update(passwords)
        return "".join(f"{a}\t{u}\t{p}\n" for (a, u), p in sorted(kept.items())), None

    update_file(path, add, mode=0o600, backup=False, private=True)


def password_writer(password_out: Path | None) -> Callable[[str, str, str], None] | None:
    """Each first password into --password-out as soon as IAM has it, so that a process killed later
    (Ctrl-C twice, SIGKILL, a closed laptop) has not lost a password already set. A write that fails here
    does not stop the apply: the password is kept in the result, and the hand-out at the end writes all of
    them again or, failing that, shows them once on the terminal."""
    if password_out is None:
        return None
    lock = threading.Lock()

    def write(account: str, user: str, password: str) -> None:
        with lock, contextlib.suppress(RolegateError):  # workers hand passwords in at once
            write_passwords(password_out, {(account, user): password})

    return write


def hand_out_passwords(
    env: Env, result: ApplyResult, password_out: Path | None, *, quiet: bool = False
) -> None:
    """`quiet`: with --json, stderr carries only JSON lines; the caller named the file itself."""
    if not result.passwords:
        return
    if password_out is not None:
        try:
            write_passwords(password_out, result.passwords)
        except RolegateError as exc:
            _rescue_passwords(password_out, result.passwords, exc)
        if quiet:
            return
        env.note(
            f"First passwords written to {password_out} (mode 0600); each must be changed at first sign-in."
        )
        return
    # Only ever to a terminal (checked before apply began): never into a pipe, a log or --json.
    env.print("First passwords, shown once; each must be changed at first sign-in:")
    for (_, user), password in sorted(result.passwords.items()):
        env.print(f"  {user}: {password}", markup=False)


def _terminal() -> TextIO | None:
    """The person's terminal, whatever stdout and stderr were redirected to; None where there is none."""
    import sys

    try:
        return open("/dev/tty", "w", encoding="utf-8")  # closed by the caller
    except OSError:
        return sys.stderr if sys.stderr.isatty() else None


def _rescue_passwords(path: Path, passwords: dict[tuple[str, str], str], exc: RolegateError) -> None:
    """The passwords are set in IAM and could not be written: shown once on the terminal, or, with none, the
    users named with how to reset them. Either way the command fails: nothing is silently lost."""
    import sys

    from rolegate.errors import LocalFileError

    users = ", ".join(f"{user} ({account})" for account, user in sorted(passwords))
    terminal = _terminal()
    if terminal is not None:
        try:
            terminal.write(
                f"rolegate: the first passwords could not be written to {path}; shown here once (each "
                "must be changed at first sign-in):\n"
            )
            for (account, user), password in sorted(passwords.items()):
                terminal.write(f"  {account}  {user}: {password}\n")
            terminal.flush()
        finally:
            if terminal is not sys.stderr:
                terminal.close()
        raise LocalFileError(
            f"{exc.message.removesuffix('; nothing was changed')}: the first passwords of {users} are set in "
            "IAM and were shown once on the terminal instead",
            "copy them now: IAM never shows a password again",
        ) from None
    raise LocalFileError(
        f"{exc.message.removesuffix('; nothing was changed')}: the first passwords of {users} are set in IAM "
        "and could not be saved, and there is no terminal to show them on",
        "set a new one for each: `aws iam update-login-profile --user-name USER --password-reset-required "
        "--password ...` (or delete the login profile and run `rolegate apply` again)",
    ) from None
