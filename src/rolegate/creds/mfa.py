"""Where an MFA code comes from: a command that prints it, or the person at the terminal.

The prompt goes to /dev/tty, never to stdout, so `credential_process` output stays clean JSON even while
a person is asked. With no terminal and no command, it fails at once with what to do, instead of hanging.
"""

from __future__ import annotations

import os
import re
import subprocess

from rolegate.errors import CredentialsError

COMMAND_ENV = "ROLEGATE_MFA_COMMAND"
_CODE = re.compile(r"\b(\d{6})\b")


def mfa_code(serial: str, command: str | None = None) -> str:
    """A six-digit code for the device `serial`: from `command` (or $ROLEGATE_MFA_COMMAND), else asked."""
    command = command or os.environ.get(COMMAND_ENV)
    if command:
        return _from_command(serial, command)
    return ask_terminal(f"MFA code for {serial}: ", f"an MFA code for {serial}")


def _from_command(serial: str, command: str) -> str:
    # Through the shell, as aws-vault's mfa_process: people write pipes (`op item get … | …`).
    try:
        done = subprocess.run(  # noqa: S602 - the user's own command from their own config
            command, shell=True, capture_output=True, text=True, timeout=120, check=False
        )
    except subprocess.TimeoutExpired:
        raise CredentialsError(f"the MFA command for {serial} did not finish in 120 s: {command}") from None
    codes = _CODE.findall(done.stdout)
    if done.returncode != 0 or not codes:
        # Its output is not shown: a password manager's command may print more than a code.
        raise CredentialsError(
            f"the MFA command for {serial} "
            + (f"exited with {done.returncode}" if done.returncode else "printed no six-digit code")
            + f": {command}",
            "run it yourself to see what it prints; it must print the current code",
        )
    return str(codes[-1])


def ask_terminal(prompt: str, what: str) -> str:
    """Six digits typed at the terminal (/dev/tty, whatever stdin and stdout are)."""
    try:  # two streams: a terminal cannot seek, so one read-write text stream is refused
        ask = open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115 - closed below
        answers = open("/dev/tty", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
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
    raise CredentialsError(f"{what} was not entered")
