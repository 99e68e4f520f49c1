"""One exception hierarchy. Each error knows its exit code and the hint that tells the user what to do.

The CLI's `main()` turns these into one clear message and an exit code; a traceback is shown only with -v.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitStatus(IntEnum):
    """Every exit status rolegate itself uses, named once (httpie's habit), each with its meaning. The
    numbers are a contract scripts and CI jobs gate on: the root `--help` and SPEC.md's "Exit status" table
    list them from here (a test holds them equal); never renumber one. `rolegate exec` exits with its
    command's own status instead, as `env` and `sudo` do."""

    meaning: str

    def __new__(cls, value: int, meaning: str) -> ExitStatus:
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    SUCCESS = 0, "done; nothing to report"
    ERROR = (
        1,
        "a failure the message says how to fix; a cancelled prompt; an apply that stopped; "
        "`doctor`'s problems; `access check`'s deny",
    )
    FOUND = (
        2,
        "it worked and found what a script should see: changes (`plan`, `drift` with "
        "--detailed-exitcode), findings at `audit --fail-on`'s level, a conditional `access check`; "
        "also a usage error",
    )
    INTERNAL_ERROR = 70, "a bug in rolegate (sysexits' EX_SOFTWARE): rerun with -v and report it"
    COMMAND_NOT_FOUND = 127, "`exec`'s command is not on PATH, as shells say"
    INTERRUPTED = 130, "Ctrl-C (128 + SIGINT): run the same command again to finish"


class RolegateError(Exception):
    """A failure the user can act on."""

    exit_code: int = ExitStatus.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a config file, with where it is and how to fix it."""

    file: str
    line: int | None  # 1-based
    column: int | None  # 1-based
    path: str  # dotted field path, e.g. roles.administrator.accounts[1]
    message: str
    hint: str | None = None
    source: str | None = None  # the offending line, for a caret display
    width: int = 1  # how many characters to underline
    severity: str = "error"  # or "warning"

    def location(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


@dataclass
class ConfigError(RolegateError):
    """The config file is not valid; carries every problem found, not only the first."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    exit_code = ExitStatus.ERROR  # no annotation: a class attribute, not a dataclass field

    def __post_init__(self) -> None:
        n = len(self.diagnostics)
        RolegateError.__init__(self, f"{n} error{'s' if n != 1 else ''} in the config")

    def __str__(self) -> str:
        return "\n".join(f"{d.location()}: {d.path}: {d.message}" for d in self.diagnostics)


class AwsError(RolegateError):
    """AWS refused or failed a call; names the account and resource."""


class CredentialsError(RolegateError):
    """No usable operator credentials."""


class ApplyError(RolegateError):
    """Apply stopped at a hard failure; what was done and not done is reported separately."""


class UserAbort(RolegateError):
    exit_code = ExitStatus.ERROR


class LocalFileError(RolegateError):
    """A local file could not be read or written safely."""
