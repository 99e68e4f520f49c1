"""The entry point: parse the command line, run the command, turn failures into one message and an exit code.

The program is separate from the entry point (httpie's habit): `main()` is the only place that knows about
exit codes and tracebacks; commands raise RolegateError and return an int.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from rolegate import __version__
from rolegate.cli.completion import complete_profile
from rolegate.cli.env import Environment
from rolegate.errors import ConfigError, ExitStatus, RolegateError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
WIDTH = 100


def exit_status_epilog() -> str:
    """The root --help's table of exit statuses, drawn from ExitStatus so it cannot drift from the code;
    click's \b keeps its lines as written, so the meanings are wrapped here, under their column."""
    import textwrap

    lines = ["\b", "Exit status:"]
    for status in ExitStatus:
        head = f"  {int(status):>3}  {status.name:<18} "
        lines += textwrap.wrap(
            status.meaning, WIDTH - 4, initial_indent=head, subsequent_indent=" " * len(head)
        )
    lines.append("  rolegate exec exits with its command's own status.")
    return "\n".join(lines)


# Each command's module is imported only when that command runs (click's lazy-group pattern): `rolegate
# exec` is typed before every command of the day and must not load the config model, the planner and moto.
COMMANDS = {
    "init": "config:init",
    "validate": "config:validate",
    "plan": "plan:plan",
    "apply": "plan:apply",
    "accounts": "accounts:accounts",
    "profiles": "local:profiles",
    "links": "local:links",
    "exec": "creds:exec_",
    "env": "creds:env_",
    "credential-process": "creds:credential_process",
    "console": "creds:console",
    "logout": "creds:logout",
    "doctor": "creds:doctor",
    "mfa": "mfa:mfa",
    "keys": "keys:keys",
    "snapshot": "access:snapshot",
    "access": "access:access",
    "audit": "access:audit",
    "demo": "demo:demo",
    "lockdown": "respond:lockdown",
    "restore": "respond:restore",
    "import": "adopt:import_",
    "drift": "adopt:drift",
    "export": "export:export",
    "guardrails": "guardrails:guardrails",
    "root": "root:root",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        import importlib

        module, attribute = target.split(":")
        command = getattr(importlib.import_module(f"rolegate.cli.commands.{module}"), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings=CONTEXT, epilog=exit_status_epilog())
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default="rolegate.yaml",
    envvar="ROLEGATE_CONFIG",
    show_default=True,
    help="The rolegate.yaml to read.",
)
@click.option(
    "--profile",
    envvar="ROLEGATE_PROFILE_OPERATOR",
    shell_complete=complete_profile,
    help="AWS profile with the hub (management) account's credentials; default: the SDK's usual chain.",
)
@click.option("-v", "--verbose", count=True, help="More detail; tracebacks on errors.")
@click.option("--no-color", is_flag=True, help="No colours, even on a terminal (NO_COLOR works too).")
@click.version_option(__version__, "-V", "--version", prog_name="rolegate")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, profile: str | None, verbose: int, no_color: bool) -> None:
    """One reviewed file for a hub-and-spoke AWS organization.

    \b
    Start here:
      rolegate demo                 the whole walkthrough on a local AWS, in seconds
      rolegate init                 write a commented rolegate.yaml
      rolegate validate             check it offline
      rolegate plan                 see what would change in every account
      rolegate apply                make it so

    The AWS endpoint and credentials come from the SDK's own settings (AWS_PROFILE, AWS_ENDPOINT_URL, …).
    Shell completion: eval "$(_ROLEGATE_COMPLETE=bash_source rolegate)" (zsh_source, fish_source too).
    """
    # The Environment run() built; the options given before the command set it here, those after it in
    # global_options' callbacks, which click runs next.
    env = ctx.ensure_object(Environment)
    env.options(config_path=config_path, profile=profile, verbose=verbose, no_color=no_color)


def _verbose(argv: list[str], env: Environment) -> bool:
    return any(
        a in ("-v", "--verbose") or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in argv
    ) or bool(env.environ.get("ROLEGATE_DEBUG"))


def report(err: Console, exc: RolegateError) -> None:
    if isinstance(exc, ConfigError):
        from rolegate.cli.render import diagnostics

        for line in diagnostics(exc.diagnostics):
            err.print(line)
        n = len(exc.diagnostics)
        err.print(f"{n} error{'s' if n != 1 else ''}; nothing was changed.")
        return
    err.print(f"[red bold]error:[/] {escape(exc.message)}")
    if exc.hint:
        err.print(f"  [dim]{escape(exc.hint)}[/]")


def run(argv: list[str] | None = None, environment: Environment | None = None) -> int:
    """`rolegate ARGV` in this process, in `environment` (by default this process's streams, terminal,
    clock and variables): its exit status. Tests call it with an Environment of their own."""
    args = list(sys.argv[1:] if argv is None else argv)
    env = Environment() if environment is None else environment
    try:
        result = cli.main(args=args, prog_name="rolegate", standalone_mode=False, obj=env)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        env.err.print("aborted; nothing more was changed.")
        return ExitStatus.ERROR
    except click.ClickException as exc:
        exc.show(file=env.stderr)
        return exc.exit_code
    except RolegateError as exc:
        if _verbose(args, env):
            traceback.print_exc(file=env.stderr)
        report(env.err, exc)
        return exc.exit_code
    except KeyboardInterrupt:
        env.err.print("interrupted; run the same command again to finish.")
        return ExitStatus.INTERRUPTED
    except Exception as exc:
        if _verbose(args, env):
            traceback.print_exc(file=env.stderr)
        from rolegate.aws.errors import from_sdk

        known = from_sdk(exc)
        if known is not None:
            report(env.err, known)
            return known.exit_code
        env.err.print(f"[red bold]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}")
        env.err.print(
            "  [dim]this is a bug in rolegate; run again with -v for the traceback and report it[/]"
        )
        return ExitStatus.INTERNAL_ERROR
    return result if isinstance(result, int) else ExitStatus.SUCCESS


def main() -> None:
    sys.exit(run())
