"""Small pieces several commands share."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TypeAlias

from rolegate.cli.env import Environment
from rolegate.cli.render import diagnostics
from rolegate.model.load import Loaded, load

# A JSON value, said once, for what the commands read and build as JSON. Read-only views (Mapping,
# Sequence), so a dict[str, str] is one too.
JSONValue: TypeAlias = "str | int | float | bool | Mapping[str, JSONValue] | Sequence[JSONValue] | None"
# A document the commands print: always an object or an array at the top. Its values are `object`, as the
# packages below hand them (their to_json() return dict[str, object]); json.dumps is what checks them.
JSONDocument: TypeAlias = Mapping[str, object] | Sequence[object]


def load_config(env: Environment, *, quiet: bool = False) -> Loaded:
    loaded = load(env.config_path)
    if not quiet:
        for line in diagnostics(loaded.warnings):
            env.note(line)
    return loaded


def print_json(env: Environment, data: JSONDocument) -> None:
    env.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
