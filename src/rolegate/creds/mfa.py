"""Where an MFA code comes from: a command that prints it, or the person at the terminal.

The prompt goes to /dev/tty, never to stdout, so `credential_process` output stays clean JSON even while
a person is asked. With no terminal and no command, it fails at once with what to do, instead of hanging.

A source that was asked and failed (a command that exits non-zero or prints no code, a code not typed, a
code AWS refused) raises MfaSourceError: the broker shares that failure with the callers queued behind it
(creds/lock.py), so one wrong code is one prompt and one error, not one per waiting process. The command
itself is never put in a message: `oathtool --totp -b SEED` holds the device's secret on its command line.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess

from rolegate.errors import CredentialsError

COMMAND_ENV = "ROLEGATE_MFA_COMMAND"
_CODE = re.compile(r"\b(\d{6})\b")
_PROGRAM = re.compile(r"[A-Za-z0-9_.+-]{1,64}")


class MfaSourceError(CredentialsError):
    """The MFA source was asked and gave no usable code; worth sharing with the callers waiting on it."""

    shared = False  # True once written where the waiters find it (creds/lock.py)


def mfa_code(serial: str, command: str | None = None) -> str:
    """A six-digit code for the device `serial`: from `command` (or $ROLEGATE_MFA_COMMAND), else asked."""
    command = command or os.environ.get(COMMAND_ENV)
    if command:
        return _from_command(serial, command)
    return ask_terminal(f"MFA code for {serial}: ", f"an MFA code for {serial}")


def program_name(command: str) -> str:
    """The program a command runs, by its base name only (`op`, `ykman`), or "" when that is not plain:
    enough to recognise it, never its arguments, which may hold a TOTP seed or a vault password."""
    try:
        words = shlex.split(command)
    except ValueError:
        return ""
    first = os.path.basename(words[0]) if words else ""
    return first if _PROGRAM.fullmatch(first) and "=" not in first else ""


def _command_label(serial: str, command: str) -> str:
    program = program_name(command)
    return f"the MFA command for {serial}" + (f" ({program} …)" if program else "")


def _from_command(serial: str, command: str) -> str:
    # Through the shell, as aws-vault's mfa_process: people write pipes (`op item get … | …`).
    label = _command_label(serial, command)
    try:
        done = subprocess.run(  # noqa: S602 - the user's own command from their own config
            command, shell=True, capture_output=True, text=True, timeout=120, check=False
        )
    except subprocess.TimeoutExpired:
        raise MfaSourceError(
            f"{label} did not finish in 120 s",
            "a password manager may be waiting to be unlocked; unlock it and run again",
        ) from None
    codes = _CODE.findall(done.stdout)
    if done.returncode != 0 or not codes:
        # Its output is not shown: a password manager's command may print more than a code.
        raise MfaSourceError(
            f"{label} "
            + (f"exited with {done.returncode}" if done.returncode else "printed no six-digit code"),
            "run it yourself to see what it prints (a locked password manager?); it must print the current "
            "code (set by --mfa-command, $ROLEGATE_MFA_COMMAND or the profile's mfa_process)",
        )
    return str(codes[-1])


def ask_terminal(prompt: str, what: str) -> str:
    """Six digits typed at the terminal (/dev/tty, whatever stdin and stdout are)."""
    try:  # two streams: a terminal cannot seek, so one read-write text stream is refused
        ask = open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115 - closed below
        answers = open("/dev/tty", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        # Not an MfaSourceError: nobody was asked, and a caller that has a terminal must still be asked.
        raise CredentialsError(
            f"{what} is needed, and there is no terminal to ask on",
            f"set mfa_process in the profile, pass --mfa-command, or set {COMMAND_ENV} to a command that "
            "prints the code (e.g. `ykman oath accounts code -s aws`)",
        ) from None
    with ask, answers:
        for _ in range(3):
            ask.write(prompt)
            ask.flush()
            answer = answers.readline()
            if not answer:
                break
            code = answer.strip().replace(" ", "")
            if re.fullmatch(r"\d{6}", code):
                return code
            ask.write("  six digits, please\n")
    raise MfaSourceError(f"{what} was not entered", "run it again and type the six digits your device shows")
