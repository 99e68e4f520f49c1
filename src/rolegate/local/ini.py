"""What rolegate may put into an INI file (`~/.aws/config`, the aws-extend-switch-roles config): it refuses.

INI has no escaping. botocore reads `~/.aws/config` with configparser, whose section header is `[` + anything
+ the line's last `]`, whose lines end at `\\n` and `\\r`, and which treats `;`/`#` at a line's start as a
comment; the AESR extension cuts every line at its first `;` or `#` and splits at the first `=`. Neither has
a way to quote a `]`, a newline or a `#`. So a name that holds one cannot be written faithfully at all, and
writing it anyway is how `[profile x]\\ncredential_process = evil` becomes a second profile with a command
the SDK runs. The only safe answer is to refuse, with a LocalFileError naming the profile and the field,
whatever the name came from (rolegate.yaml, AWS, a snapshot, `--prefix`).

The rules are the union of what both readers treat as structure, so one check serves every INI writer:

- a section is `default`, or a profile name, optionally after `profile ` (one space): profile names are held
  to names.py's profile alphabet (IAM's ASCII characters), so no space, quote, bracket, `;`, `#` or control;
- a key is lowercase ASCII letters, digits and `_`, starting with a letter;
- a value is one line of printable text: no control character (C0, DEL, C1), no Unicode format character
  (bidi overrides and isolates, zero-width joiners), no line or paragraph separator, no `;` or `#`, and no
  space at either end (configparser would strip it, so the file would not say what was meant);
- a comment rolegate writes (its ownership marker) follows the value rules, `#` and `;` aside.
"""

from __future__ import annotations

import re
import unicodedata

from rolegate.errors import LocalFileError
from rolegate.model import names

_KEY = re.compile(r"\A[a-z][a-z0-9_]{0,63}\Z")
# Unicode categories that never belong in one line of a text file: controls, format characters (bidi,
# zero-width), surrogates, private use, unassigned, and line/paragraph separators.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def unsafe_character(text: str, *, comment_chars: bool = True) -> str | None:
    """The first character of `text` an INI reader would take as structure, described; None if none."""
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "\n\r":
            return "a line break"
        if category in _UNSAFE_CATEGORIES or (category == "Zs" and ch != " "):
            return f"the invisible or control character U+{ord(ch):04X}"
        if comment_chars and ch in ";#":
            return f"{ch!r}, which starts a comment"
    return None


def _refuse(profile: str, field: str, why: str, where: str) -> LocalFileError:
    return LocalFileError(
        f"refusing to write profile {profile!r} into {where}: its {field} holds {why}, "
        "which an INI file cannot hold without changing what it says; nothing was written",
        "names that reach an AWS config file are letters, digits and + = , . @ _ -; "
        "rename it in rolegate.yaml (or pass another --prefix), then run the command again",
    )


def section_problem(section: str) -> str | None:
    """Why `section` cannot be written as an INI header, or None."""
    name = section.removeprefix("profile ")
    if section == "default" or names.PROFILE_NAME.ok(name):
        return None
    return unsafe_character(name) or "characters outside letters, digits and + = , . @ _ -"


def value_problem(value: str) -> str | None:
    if value != value.strip(" "):
        return "a space at its start or end"
    return unsafe_character(value)


def check_entry(section: str, key: str | None, value: str | None, *, profile: str, where: str) -> None:
    """Refuse (LocalFileError) a (section, key, value) an INI reader would not read back as written.

    `key` and `value` may be None to check the section header alone. Every INI writer calls this for every
    header and every line it writes."""
    problem = section_problem(section)
    if problem is not None:
        raise _refuse(profile, "name", problem, where)
    if key is not None and not _KEY.fullmatch(key):
        raise _refuse(profile, f"setting {key!r}", "a key that is not lowercase letters, digits and _", where)
    if value is not None:
        problem = value_problem(value)
        if problem is not None:
            raise _refuse(profile, f"{key or 'value'}", problem, where)


def check_comment(text: str, *, profile: str, where: str) -> None:
    """A comment line rolegate writes (its marker): one line, no control or invisible character."""
    problem = unsafe_character(text, comment_chars=False)
    if problem is not None:
        raise _refuse(profile, "ownership comment (organization or user)", problem, where)


def check_section(section: str, settings: dict[str, str], *, profile: str, where: str) -> None:
    """A whole section: its header and each of its settings."""
    check_entry(section, None, None, profile=profile, where=where)
    for key, value in settings.items():
        check_entry(section, key, value, profile=profile, where=where)


# -- what both INI writers (~/.aws/config, ~/.aws/credentials) read from the file they rewrite ---------


def newline_of(text: str) -> str:
    """The file's own line ending: CRLF when most of its lines end so, else LF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def parse_error_place(exc: Exception) -> str:
    """Where a parse failed, without the line itself: in a credentials file it may be a secret key."""
    lines = sorted({n for n, _ in getattr(exc, "errors", [])} | {getattr(exc, "lineno", 0)} - {0})
    return ("line " + ", ".join(map(str, lines))) if lines else "no section header before the first key"
