"""The hub user's access key in the AWS files: found, taken out, and replaced by a `credential_process` line.

`~/.aws/credentials` is the user's file, like `~/.aws/config`: the only bytes that change are the lines that
held the chosen profile's key (and, in the config file, the one line rolegate adds). Everything else —
other profiles, comments, blank lines, order, CRLF line endings — comes out byte for byte. The edits are
made on the file's own lines; configupdater only says where each option starts and ends, so a value
continued on the next line goes with it, and nothing is re-rendered.

Pure functions of text; `edit_file` applies one to a file under its lock (atomically, with a backup).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from rolegate.errors import LocalFileError
from rolegate.local.ini import newline_of, parse_error_place

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


# IAM's own bounds (AccessKeyId: 16-128 word characters, capitals and digits in every key it issues); the
# secret and a session token are printable ASCII without spaces. Anything else is not a key: it is refused
# before it is sent, stored or shown (an ESC in it would reach the terminal).
_ACCESS_KEY_ID = re.compile(r"[A-Z0-9]{16,128}")
_SECRET = re.compile(r"[!-~]{1,256}")
_SESSION_TOKEN = re.compile(r"[!-~]{1,8192}")


def checked_key(key: StaticKey, where: str) -> StaticKey:
    """The key, if each part has the shape AWS gives it; else a LocalFileError naming `where`, not the key."""
    if not _ACCESS_KEY_ID.fullmatch(key.access_key_id):
        problem = "the access key id is not 16 to 128 capital letters and digits"
    elif not _SECRET.fullmatch(key.secret_access_key):
        problem = "the secret access key is not printable text without spaces"
    elif key.session_token is not None and not _SESSION_TOKEN.fullmatch(key.session_token):
        problem = "the session token is not printable text without spaces"
    else:
        return key
    raise LocalFileError(
        f"{where}: {problem}; nothing was stored", "copy the key again from where IAM gave it"
    )


def parse_key_input(text: str, where: str = "standard input") -> StaticKey:
    """`aws iam create-access-key` JSON, the console's CSV download, or `KEY_ID SECRET`, checked.

    Text only: the caller bounds what it reads (limits.KEY_INPUT_BYTES). Nothing of the input is ever put in
    an error, as it holds a secret."""
    import csv
    import io

    from rolegate.limits import loads_json

    text = text.removeprefix("\ufeff").strip()  # the console's CSV download may start with a BOM
    try:
        data = loads_json(text, where, "an access key", max_depth=8) if text[:1] == "{" else None
    except LocalFileError:
        data = None
    if isinstance(data, dict):
        inner = data.get("AccessKey", data)
        if isinstance(inner, dict) and "AccessKeyId" in inner and "SecretAccessKey" in inner:
            key_id, secret, token = inner["AccessKeyId"], inner["SecretAccessKey"], inner.get("SessionToken")
            if not (isinstance(key_id, str) and isinstance(secret, str) and isinstance(token, str | None)):
                raise LocalFileError(f"{where}: the key's fields must be text; nothing was stored")
            return checked_key(StaticKey(key_id, secret, token), where)
    try:
        rows = [r for r in csv.reader(io.StringIO(text)) if r]
    except csv.Error:
        rows = []
    if len(rows) > 1 and rows[0][0].strip().lower().lstrip("\ufeff").startswith("access key id"):
        header = [h.strip().lower() for h in rows[0]]
        row = dict(zip(header, rows[1], strict=False))
        if row.get("access key id") and row.get("secret access key"):
            return checked_key(
                StaticKey(row["access key id"].strip(), row["secret access key"].strip(), None), where
            )
    parts = text.split()
    if len(parts) == 2:
        return checked_key(StaticKey(parts[0], parts[1], None), where)
    raise LocalFileError(
        f"{where} holds no access key that rolegate can read",
        "pipe the JSON of `aws iam create-access-key`, the console's CSV, or `KEY_ID SECRET`",
    )


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


def edit_file(path: Path, edit: Callable[[str], str]) -> Path | None:
    """`~/.aws/credentials` or `~/.aws/config` changed by `edit`, a pure function of its text, run on what the
    file holds under its lock (another tool's or rolegate's write meanwhile is not lost); never through a
    link, with a backup; returns the backup. A missing file is created 0600 if `edit` gives it any text."""
    from rolegate.atomic import update_file

    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)

    def change(text: str | None) -> tuple[str | None, None]:
        new = edit(text or "")
        return (None if text is None and not new else new), None

    return update_file(path, change, mode=0o600)[1]
