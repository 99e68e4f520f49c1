"""The hub user's access key in the AWS files: found, taken out, and replaced by a `credential_process` line.

`~/.aws/credentials` is the user's file, like `~/.aws/config`: the only bytes that change are the lines that
held the chosen profile's key (and, in the config file, the one line rolegate adds). Everything else —
other profiles, comments, blank lines, order, CRLF line endings — comes out byte for byte. The edits are
made on the file's own lines; configupdater only says where each option starts and ends, so a value
continued on the next line goes with it, and nothing is re-rendered.

Pure functions of text; the callers read and write the files (atomically, with a backup).
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from rolegate.errors import LocalFileError
from rolegate.local.aws_config import newline_of

KEY_OPTIONS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token")
PROCESS_OPTION = "credential_process"
# What makes a profile something other than "a user's access key": such a profile is not rolegate's to wire.
NOT_A_KEY_PROFILE = ("role_arn", "source_profile", "credential_source", "sso_session", "sso_start_url")


class StaticKey(NamedTuple):
    access_key_id: str
    secret_access_key: str
    session_token: str | None

    def __repr__(self) -> str:  # a traceback or a log line never carries the secret
        return f"StaticKey(access_key_id={self.access_key_id!r})"


def credentials_path() -> str:
    return os.path.expanduser(
        os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join("~", ".aws", "credentials")
    )


def section_name(profile: str, *, config_file: bool) -> str:
    """`[name]` in the credentials file; `[profile name]` in the config file, but for `[default]`."""
    return f"profile {profile}" if config_file and profile != "default" else profile


def _parse(text: str, where: str) -> Any:
    from configupdater import ConfigUpdater
    from configupdater.parser import ParsingError

    updater = ConfigUpdater(allow_no_value=True, strict=False)
    try:
        updater.read_string(text)
    except ParsingError as exc:
        raise LocalFileError(
            f"{where} cannot be parsed ({parse_error_place(exc)})", "fix it by hand; nothing was written"
        ) from None
    return updater


def parse_error_place(exc: Exception) -> str:
    """Where a parse failed, without the line itself: in a credentials file it may be a secret key."""
    lines = sorted({n for n, _ in getattr(exc, "errors", [])} | {getattr(exc, "lineno", 0)} - {0})
    return ("line " + ", ".join(map(str, lines))) if lines else "no section header before the first key"


def _spans(text: str, section: str, where: str) -> tuple[int, dict[str, tuple[int, int]]] | None:
    """The line of `[section]`'s header and each of its options' line range [start, end); None if absent.
    A name given twice (strict=False allows it) resolves to its last occurrence, as configparser does."""
    from configupdater import Option, Section

    line = 0
    found: tuple[int, dict[str, tuple[int, int]]] | None = None
    for block in _parse(text, where).iter_blocks():
        if not isinstance(block, Section):
            line += len(block.lines)
            continue
        header = line
        line += len(block.lines)
        options: dict[str, tuple[int, int]] = {}
        for inner in block.iter_blocks():
            if isinstance(inner, Option):
                options[inner.key.lower()] = (line, line + len(inner.lines))
            line += len(inner.lines)
        if block.name.strip() == section:
            found = (header, options)
    return found


def _value(lines: list[str], span: tuple[int, int]) -> str:
    first, *rest = lines[span[0] : span[1]]
    value = first.split("=", 1)[1] if "=" in first else first.split(":", 1)[-1]
    return "\n".join(part.strip() for part in (value, *rest) if part.strip())


def find_key(
    text: str, profile: str, *, config_file: bool = False, where: str = "the file"
) -> StaticKey | None:
    """The access key written under the profile's section, if both its halves are there."""
    spans = _spans(text, section_name(profile, config_file=config_file), where)
    if spans is None:
        return None
    lines = text.splitlines(keepends=True)
    options = spans[1]
    if "aws_access_key_id" not in options or "aws_secret_access_key" not in options:
        return None
    token = options.get("aws_session_token") or options.get("aws_security_token")
    return StaticKey(
        _value(lines, options["aws_access_key_id"]),
        _value(lines, options["aws_secret_access_key"]),
        _value(lines, token) if token else None,
    )


def remove_key(text: str, profile: str, *, config_file: bool = False, where: str = "the file") -> str:
    """The text without the profile's key lines; every other line as it was.

    A section left with no option and no comment goes too (an empty `[name]` in the credentials file says
    nothing); one that keeps a region, a comment or anything else keeps its header."""
    section = section_name(profile, config_file=config_file)
    spans = _spans(text, section, where)
    if spans is None:
        return text
    header, options = spans
    lines = text.splitlines(keepends=True)
    drop: set[int] = set()
    for name in KEY_OPTIONS:
        if name in options:
            drop.update(range(*options[name]))
    end = max((stop for _, stop in options.values()), default=header + 1)
    rest = [i for i in range(header + 1, end) if i not in drop and lines[i].strip()]
    if not rest:
        drop.add(header)
    return "".join(line for i, line in enumerate(lines) if i not in drop)


def sections_with_key(text: str, access_key_id: str, where: str = "the file") -> list[str]:
    """Every section that holds this access key id: a plaintext copy is a copy wherever it is."""
    from configupdater import Section

    found = []
    for block in _parse(text, where).iter_blocks():
        if isinstance(block, Section):
            option = block.get("aws_access_key_id")
            if option is not None and (option.value or "").strip() == access_key_id:
                found.append(block.name.strip())
    return found


def set_credential_process(text: str, profile: str, command: str, where: str = "the AWS config file") -> str:
    """The config text with the profile getting its credentials from `command`; added, or the section
    appended, leaving every other byte. A profile that is a role, SSO, or already runs another process is
    refused: it is not the plain key profile this wiring is for."""
    section = section_name(profile, config_file=True)
    spans = _spans(text, section, where)
    nl = newline_of(text)
    line = f"{PROCESS_OPTION} = {command}{nl}"
    if spans is None:
        if text and not text.endswith(("\n", "\r")):
            text += nl
        separator = nl if text.strip() and not text.endswith(nl + nl) else ""
        return f"{text}{separator}[{section}]{nl}{line}"
    header, options = spans
    lines = text.splitlines(keepends=True)
    other = [name for name in NOT_A_KEY_PROFILE if name in options]
    if other:
        raise LocalFileError(
            f"{where}: [{section}] has {', '.join(other)}: it is not a profile with the user's own key; "
            "nothing was written",
            "name the hub user's own profile (the one role profiles use as source_profile)",
        )
    if PROCESS_OPTION in options:
        start, stop = options[PROCESS_OPTION]
        current = _value(lines, (start, stop))
        if current == command:
            return text
        if " keys credential-process " not in f"{current} ":
            raise LocalFileError(
                f"{where}: [{section}] already gets its credentials from `{current}`; nothing was written",
                "remove that credential_process line if rolegate should keep this profile's key",
            )
        return "".join([*lines[:start], line, *lines[stop:]])
    after = max((stop for _, stop in options.values()), default=header + 1)
    if after == len(lines) and lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += nl
    return "".join([*lines[:after], line, *lines[after:]])
