"""`rolegate init` and `rolegate validate`: the file, before any AWS call."""

from __future__ import annotations

from importlib import resources

import click

from rolegate.atomic import write_atomic
from rolegate.cli.common import load_config, print_json
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.errors import ConfigError, ExitStatus, LocalFileError
from rolegate.model.organization import unit_paths
from rolegate.words import plural


def example_text() -> str:
    return resources.files("rolegate.model").joinpath("example.yaml").read_text(encoding="utf-8")


@click.command()
@global_options
@click.pass_obj
def init(env: Env) -> int:
    """Write a commented rolegate.yaml for the hub-and-spoke layout (a hub, then development, staging and
    production accounts reached by switching role).

    \b
    Refuses to overwrite an existing file. Then:
      $EDITOR rolegate.yaml      put in your account ids and emails
      rolegate validate
    """
    path = env.config_path
    if path.exists():
        raise LocalFileError(
            f"{path} exists already; rolegate init never overwrites it",
            "edit it, or pass -c with another path",
        )
    write_atomic(path, example_text(), mode=0o644, backup=False)
    env.print(f"Wrote {path}. Put in your account ids and emails, then run `rolegate validate`.")
    return ExitStatus.SUCCESS


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@global_options
@click.pass_obj
def validate(env: Env, as_json: bool) -> int:
    """Check rolegate.yaml offline: fields, references between sections, and IAM limits.

    Every problem is reported at once with file:line:column and the field; exit 0 when valid, 1 otherwise.

    \b
    Examples:
      rolegate validate
      rolegate -c envs/prod.yaml validate --json
    """
    if as_json:
        try:
            loaded = load_config(env, quiet=True)
        except ConfigError as exc:
            print_json(env, {"valid": False, "diagnostics": [vars(d) for d in exc.diagnostics]})
            return ExitStatus.ERROR
        print_json(env, {"valid": True, "diagnostics": [vars(d) for d in loaded.warnings]})
        return ExitStatus.SUCCESS
    loaded = load_config(env)
    c = loaded.config
    with_id = sum(1 for a in c.accounts.values() if a.id)
    units = len(list(unit_paths(c.organization.units)))
    shaped = (
        f", {plural(units, 'unit')}, {plural(len(c.guardrails), 'guardrail')}"
        if units or c.guardrails
        else ""
    )
    env.print(
        f"[green]{env.config_path} is valid[/]: {plural(len(c.accounts), 'account')} ({with_id} with an id), "
        f"{plural(len(c.roles), 'role')}, {plural(len(c.groups), 'group')}, {plural(len(c.users), 'user')}"
        f"{shaped}."
    )
    return ExitStatus.SUCCESS


# -c is where init writes, not what it reads; neither command reaches AWS, so --profile is not theirs.
def _option(command: click.Command, flag: str) -> click.Option:
    (option,) = [p for p in command.params if isinstance(p, click.Option) and flag in p.opts]
    return option


_option(init, "--config").help = "Where to write the new rolegate.yaml (default: ./rolegate.yaml)."
_option(validate, "--config").help = "The rolegate.yaml to check (default: ./rolegate.yaml)."
for _command in (init, validate):
    _option(_command, "--profile").hidden = True
