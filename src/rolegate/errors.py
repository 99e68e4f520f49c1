"""One exception hierarchy. Each error knows its exit code and the hint that tells the user what to do.

The CLI's `main()` turns these into one clear message and an exit code; a traceback is shown only with -v.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class RolegateError(Exception):
    """A failure the user can act on."""

    exit_code = 1

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
    exit_code = 1

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
    exit_code = 1


class LocalFileError(RolegateError):
    """A local file could not be read or written safely."""
