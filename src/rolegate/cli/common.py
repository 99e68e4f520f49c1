"""Small pieces several commands share."""

from __future__ import annotations

import json
from typing import Any

from rolegate.cli.env import Env
from rolegate.cli.render import diagnostics
from rolegate.model.load import Loaded, load


def load_config(env: Env, *, quiet: bool = False) -> Loaded:
    loaded = load(env.config_path)
    if not quiet:
        for line in diagnostics(loaded.warnings):
            env.note(line)
    return loaded


def print_json(data: Any) -> None:
    import sys

    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
