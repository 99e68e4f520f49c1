"""Edits to rolegate.yaml that keep it as people wrote it: comments, blank lines, order and layout.

ruamel.yaml's round-trip mode changes only the nodes we touch; the write is atomic with a backup.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from rolegate.errors import LocalFileError
from rolegate.local.atomic import write_atomic


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def set_account_ids(path: Path, ids: Mapping[str, str]) -> Path | None:
    """Set `accounts.<name>.id` for each name, as a quoted string first in its mapping; returns the backup."""
    text = path.read_text(encoding="utf-8")
    yaml = _round_trip()
    tree = yaml.load(text)
    accounts = tree.get("accounts") if isinstance(tree, CommentedMap) else None
    if not isinstance(accounts, CommentedMap):
        raise LocalFileError(f"{path}: has no accounts: mapping to write ids into")
    for name, account_id in ids.items():
        account = accounts.get(name)
        if not isinstance(account, CommentedMap):
            raise LocalFileError(f"{path}: accounts.{name} is not in the file", "was it renamed meanwhile?")
        value = DoubleQuotedScalarString(account_id)
        if "id" in account:
            account["id"] = value
        else:
            account.insert(0, "id", value)
    out = io.StringIO()
    yaml.dump(tree, out)
    return write_atomic(path, out.getvalue())
