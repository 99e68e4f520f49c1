"""Edits to rolegate.yaml that keep it as people wrote it: comments, blank lines, order and layout.

ruamel.yaml's round-trip mode changes only the nodes we touch, given the file's own indentation (found
from the parsed tree, not assumed), its line endings, byte order mark and document markers. Before the
atomic write (with a backup) the new text is loaded again and must mean exactly the old file plus the ids.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from rolegate.atomic import locked, write_atomic
from rolegate.errors import LocalFileError

ACCOUNT_ID_RE = re.compile(r"\d{12}")
BOM = "\ufeff"


@dataclass(frozen=True)
class _Layout:
    """How a file is written, beyond what ruamel's tree remembers."""

    newline: str = "\n"
    bom: bool = False
    head: str = ""  # up to and including a `---` line (comments, directives), kept verbatim
    tail: str = ""  # from a `...` line to the end, kept verbatim
    final_newline: bool = True


def _dash_column(line: str, item_column: int) -> int | None:
    """The column of the `-` that introduces the item at `item_column`, when it is on the same line."""
    i = item_column - 1
    while i >= 0 and line[i] == " ":
        i -= 1
    return i if i >= 0 and line[i] == "-" else None


def _key_column(node: CommentedMap, key: Any) -> int | None:
    """Where `key` stands in the file; None for a key that only comes in through a merge (`<<: *x`)."""
    try:
        return int(node.lc.key(key)[1])
    except KeyError:
        return None


def _indents(tree: Any, lines: list[str]) -> tuple[int, int, int]:
    """(mapping, sequence, offset) for ruamel's `indent()`: the most common ones among the file's blocks."""
    mapping: Counter[int] = Counter()
    sequence: Counter[tuple[int, int]] = Counter()

    def walk(node: Any) -> None:
        if isinstance(node, CommentedMap):
            for key, child in node.items():
                key_column = _key_column(node, key)
                if key_column is None:
                    continue  # walked where it is written
                if isinstance(child, CommentedMap) and child and not child.fa.flow_style():
                    columns = (_key_column(child, k) for k in child)
                    first_column = next((c for c in columns if c is not None), None)
                    if first_column is not None and first_column > key_column:
                        mapping[first_column - key_column] += 1
                elif isinstance(child, CommentedSeq) and child and not child.fa.flow_style():
                    line, column = child.lc.item(0)
                    dash = _dash_column(lines[line], column) if line < len(lines) else None
                    if dash is not None and dash >= key_column and column >= dash + 2:
                        sequence[(column - key_column, dash - key_column)] += 1
                walk(child)
        elif isinstance(node, CommentedSeq):
            for child in node:
                walk(child)

    walk(tree)
    map_indent = mapping.most_common(1)[0][0] if mapping else 2
    seq_indent, offset = sequence.most_common(1)[0][0] if sequence else (map_indent + 2, map_indent)
    return map_indent, seq_indent, offset


def _split_markers(text: str) -> tuple[str, str, str]:
    """(head, body, tail): the text up to a `---` line, the document, and from a `...` line on.

    ruamel drops comments and directives above `---`; keeping head and tail aside as text keeps them
    byte for byte. Only bare marker lines are split off: `--- {a: 1}` stays in the body.
    """
    lines = text.splitlines(keepends=True)
    start = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "%")):
            continue
        if line.rstrip() == "---":
            start = i + 1
        break
    end = len(lines)
    for i in range(len(lines) - 1, start - 1, -1):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if lines[i].rstrip() == "...":
            end = i
        break
    return "".join(lines[:start]), "".join(lines[start:end]), "".join(lines[end:])


def _read(path: Path) -> tuple[str, _Layout]:
    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LocalFileError(f"{path}: cannot read it ({exc})", hint="is it a UTF-8 text file?") from exc
    bom = raw.startswith(BOM)
    raw = raw.removeprefix(BOM)
    crlf = raw.count("\r\n")
    newline = "\r\n" if crlf and crlf * 2 >= raw.count("\n") else "\n"
    head, body, tail = _split_markers(raw.replace("\r\n", "\n"))
    layout = _Layout(
        newline=newline, bom=bom, head=head, tail=tail, final_newline=body.endswith("\n") or not body
    )
    return body, layout


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # must be set before loading: the loader records the quotes
    yaml.width = 4096  # never re-wrap long lines
    return yaml


def _meaning(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def set_account_ids(path: Path, ids: Mapping[str, str]) -> Path | None:
    """The ids written into rolegate.yaml, read and written under the file's lock as one operation (an
    editor's or another rolegate's save in between is not overwritten); see `_set_account_ids`."""
    with locked(path):
        return _set_account_ids(path, ids)


def _set_account_ids(path: Path, ids: Mapping[str, str]) -> Path | None:
    """Set `accounts.<name>.id` for each name, as a double-quoted string; returns the backup of the old file.

    A new `id:` becomes the first key of its account; an existing one gets the new value in place.
    Everything else (comments, blank lines, key order, indentation, flow style, line endings) is kept.
    Raises LocalFileError, and writes nothing, when a name is not an account in the file.
    """
    for name, account_id in ids.items():
        if not isinstance(account_id, str) or not ACCOUNT_ID_RE.fullmatch(account_id):
            raise ValueError(f"account id of {name} must be 12 digits, got {account_id!r}")
    text, layout = _read(path)
    yaml = _round_trip()
    try:
        tree = yaml.load(text)
        before = _meaning(text)
    except YAMLError as exc:
        raise LocalFileError(f"{path}: is not valid YAML ({exc})", hint="run `rolegate validate`") from exc
    accounts = tree.get("accounts") if isinstance(tree, CommentedMap) else None
    if not isinstance(accounts, CommentedMap):
        raise LocalFileError(f"{path}: has no accounts: mapping to write ids into")
    for name in ids:
        if name not in accounts:
            raise LocalFileError(
                f"{path}: accounts.{name} is not in the file", hint="was it renamed meanwhile?"
            )
        if not isinstance(accounts[name], CommentedMap):
            raise LocalFileError(
                f"{path}: accounts.{name} is not a mapping of fields, so it cannot take an id",
                hint=f'give it its fields, e.g. `email:`, and add `id: "{ids[name]}"` first among them',
            )

    mapping, sequence, offset = _indents(tree, text.split("\n"))
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    for name, account_id in ids.items():
        account = accounts[name]
        value = DoubleQuotedScalarString(account_id)
        if "id" in account:
            account["id"] = value
        else:
            account.insert(0, "id", value)
    out = io.StringIO()
    yaml.dump(tree, out)
    new = out.getvalue()
    if not layout.final_newline:
        new = new.removesuffix("\n")

    for name, account_id in ids.items():
        before["accounts"][name]["id"] = account_id
    if _meaning(new) != before:  # a round-trip that changed meaning would be worse than no edit
        wanted = ", ".join(f'{name}: id: "{account_id}"' for name, account_id in ids.items())
        raise LocalFileError(
            f"{path}: rewriting it would change more than the account ids, so it was left unchanged",
            hint=f"add the ids by hand: {wanted}",
        )
    new = layout.head + new + layout.tail
    if layout.newline != "\n":
        new = new.replace("\n", layout.newline)
    return write_atomic(path, (BOM if layout.bom else "") + new, lock=False)  # the caller holds the lock
