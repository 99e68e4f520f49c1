"""The global options, accepted after the command too: `rolegate plan -c prod.yaml` as well as
`rolegate -c prod.yaml plan`, as people type them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rolegate.cli.env import Env

F = TypeVar("F", bound=Callable[..., Any])


def _set(field: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _: click.Parameter, value: Any) -> None:
        if value in (None, False, 0):
            return
        env = ctx.find_object(Env)
        if env is not None:
            env.update(**{field: value})

    return callback


def global_options(command: F) -> F:
    for option in reversed(
        [
            click.option("-c", "--config", type=click.Path(path_type=Path), expose_value=False,
                         callback=_set("config_path"), help="The rolegate.yaml to read."),
            click.option("--profile", expose_value=False, callback=_set("profile"),
                         help="AWS profile with the hub (management) account's credentials."),
            click.option("-v", "--verbose", count=True, expose_value=False, callback=_set("verbose"),
                         help="More detail; tracebacks on errors."),
            click.option("--no-color", is_flag=True, expose_value=False, callback=_set("no_color"),
                         help="No colours, even on a terminal."),
        ]
    ):  # fmt: skip
        command = option(command)
    return command
