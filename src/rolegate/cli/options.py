"""The global options, accepted after the command too: `rolegate plan -c prod.yaml` as well as
`rolegate -c prod.yaml plan`, as people type them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from click.shell_completion import CompletionItem

from rolegate.cli.env import Environment

F = TypeVar("F", bound=Callable[..., object])


def _set(
    apply: Callable[[Environment, object], None],
) -> Callable[[click.Context, click.Parameter, object], None]:
    def callback(ctx: click.Context, _: click.Parameter, value: object) -> None:
        if value in (None, False, 0):
            return
        env = ctx.find_object(Environment)
        if env is not None:
            apply(env, value)

    return callback


def _config(env: Environment, value: object) -> None:
    assert isinstance(value, Path)
    env.options(config_path=value)


def _profile(env: Environment, value: object) -> None:
    env.options(profile=str(value))


def _verbose(env: Environment, value: object) -> None:
    assert isinstance(value, int)
    env.options(verbose=value)


def _no_color(env: Environment, value: object) -> None:
    env.options(no_color=bool(value))


def _profiles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from rolegate.cli.completion import complete_profile

    return complete_profile(ctx, param, incomplete)


def global_options(command: F) -> F:
    for option in reversed(
        [
            click.option("-c", "--config", type=click.Path(path_type=Path), expose_value=False,
                         callback=_set(_config), help="The rolegate.yaml to read."),
            click.option("--profile", expose_value=False, callback=_set(_profile), shell_complete=_profiles,
                         help="AWS profile with the hub (management) account's credentials."),
            click.option("-v", "--verbose", count=True, expose_value=False, callback=_set(_verbose),
                         help="More detail; tracebacks on errors."),
            click.option("--no-color", is_flag=True, expose_value=False, callback=_set(_no_color),
                         help="No colours, even on a terminal."),
        ]
    ):  # fmt: skip
        command = option(command)
    return command
