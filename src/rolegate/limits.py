"""The one way rolegate reads a file or a stream: bounded in size, and for JSON in depth.

Every input is someone's to write: rolegate.yaml comes through review, a snapshot from a colleague, the AWS
files from whatever tool wrote them last, stdin from a pipe. None of them may keep rolegate busy for
minutes, fill the memory, or end in a traceback. So each kind of input has a cap far above any real file
(measured, and written down in SECURITY.md), checked before anything is parsed: from the file's size when it
is a regular file, else by reading one byte more than the cap. A file over its cap, one that is not UTF-8,
or JSON nested deeper than any rolegate writes is a LocalFileError naming the file, where, and the limit;
never the bytes themselves (in ~/.aws/credentials they may be a secret key).
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import IO, Any

from rolegate.errors import LocalFileError

KiB = 1024
MiB = 1024 * KiB

# rolegate.yaml: the seed is 2 KB; 1,000 accounts and 1,000 people some 250 KB. 5 MB already takes
# ruamel.yaml some 20 s to parse, so the cap is not higher.
CONFIG_BYTES = 5 * MiB
# `rolegate snapshot -o`: 500 accounts with 10,000 roles and 5,000 users is some 30 MB.
SNAPSHOT_BYTES = 256 * MiB
# ~/.aws/config and ~/.aws/credentials: 10,000 profiles of a few lines each is under 2 MB.
AWS_FILE_BYTES = 16 * MiB
# A key piped into `keys add --stdin`: the JSON of create-access-key or the console's CSV is some 300 bytes.
KEY_INPUT_BYTES = 64 * KiB
# Small files of rolegate's own (the credential store's entries and key, journals, marks).
OWN_FILE_BYTES = 16 * MiB

# Nesting: rolegate.yaml is at most 6 deep (accounts -> account -> field; users -> user -> grants -> list),
# a snapshot at most 12 (account, role, trust policy, Statement, Condition, operator, key, values).
YAML_DEPTH = 32
JSON_DEPTH = 64


def size_text(n: int) -> str:
    if n >= MiB:
        return f"{n / MiB:.0f} MB" if n % MiB == 0 else f"{n / MiB:.1f} MB"
    if n >= KiB:
        return f"{n / KiB:.0f} KB"
    return f"{n} bytes"


def too_large(where: str, limit: int, kind: str) -> LocalFileError:
    return LocalFileError(
        f"{where}: larger than {size_text(limit)}, the most rolegate reads from {kind}; nothing was read",
        f"no real {kind} is this large: check that {where} is the file you meant",
    )


def read_bytes(path: Path | str, limit: int, kind: str) -> bytes:
    """The file's bytes, at most `limit`; FileNotFoundError is left to the caller, who knows the hint."""
    where = str(path)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise too_large(where, limit, kind)
            data = _read_at_most(handle, limit + 1)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise LocalFileError(f"{where}: is a directory, not {kind}") from None
    except OSError as exc:
        raise LocalFileError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > limit:  # a pipe, a device, or a file that grew while it was read
        raise too_large(where, limit, kind)
    return data


def _read_at_most(handle: IO[bytes], most: int, chunk: int = MiB) -> bytes:
    """Up to `most` bytes, a chunk at a time: `read(most)` would allocate the whole cap (256 MB for a
    snapshot) up front, for a file of a few bytes."""
    parts: list[bytes] = []
    left = most
    while left > 0:
        part = handle.read(min(chunk, left))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def decode(data: bytes, where: str) -> str:
    """UTF-8, strictly: a byte that is not names its line and column, never its neighbours."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LocalFileError(
            f"{where}:{line}:{column}: not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file as UTF-8",
        ) from None


def read_text(path: Path | str, limit: int, kind: str) -> str:
    return decode(read_bytes(path, limit, kind), str(path))


def read_stream(stream: IO[Any], limit: int, where: str, kind: str) -> str:
    """At most `limit` bytes of a stream (stdin), as text; a binary buffer is used when the stream has one."""
    raw: IO[Any] = getattr(stream, "buffer", stream)
    data = raw.read(limit + 1)
    if isinstance(data, str):
        if len(data.encode("utf-8", "surrogatepass")) > limit:
            raise too_large(where, limit, kind)
        return data
    if len(data) > limit:
        raise too_large(where, limit, kind)
    return decode(data, where)


# JSON strings, unrolled so that no input makes the pattern backtrack; what is left holds the brackets.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_too_deep(raw: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects more than `limit` deep. Linear, and it stops at the first
    bracket past the limit, so a million-deep list costs as little as a shallow one. Text that is not JSON
    may be misjudged; json.loads then refuses it before it could nest deeper than this saw."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_A_BRACKET)
    depth = 0
    for byte in brackets:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def loads_json(text: str | bytes, where: str, kind: str, max_depth: int = JSON_DEPTH) -> Any:
    """json.loads, bounded in depth; not JSON is a LocalFileError that names the line and column."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if json_too_deep(raw, max_depth):
        raise LocalFileError(
            f"{where}: nested more than {max_depth} deep, deeper than any {kind} rolegate writes; "
            "nothing was read",
            f"check that {where} is the file you meant",
        )
    try:
        return json.loads(text if isinstance(text, str) else decode(text, where))
    except json.JSONDecodeError as exc:
        raise LocalFileError(
            f"{where}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})", f"is {where} {kind}?"
        ) from None
    except (ValueError, RecursionError) as exc:  # a number of 5,000 digits; nesting the scan misjudged
        raise LocalFileError(f"{where}: not JSON rolegate can read ({type(exc).__name__})") from None
