"""Small pieces several commands share."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TypeAlias

from rolegate.cli.env import Environment
from rolegate.cli.render import diagnostics
from rolegate.errors import RolegateError
from rolegate.model.config import Config
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


def member_account(config: Config, wanted: str, hub_refusal: RolegateError) -> tuple[str, str]:
    """An account of the file other than the hub, by logical name or id -> (name, id). The hub is refused
    with `hub_refusal` (each command says why it cannot act there); an account without an id, or none of
    that name, with what to do."""
    for name, account in config.accounts.items():
        if wanted in (name, account.id):
            if account.id is None:
                raise RolegateError(f"account {name} has no id yet", "`rolegate accounts create` first")
            if name == config.organization.hub:
                raise hub_refusal
            return name, account.id
    known = ", ".join(n for n in config.accounts if n != config.organization.hub)
    raise RolegateError(
        f"no account {wanted!r} in {config.organization.name}'s rolegate.yaml", f"known: {known}"
    )
