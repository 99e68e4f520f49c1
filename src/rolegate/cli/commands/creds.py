"""Role credentials for commands, shells, the SDKs' credential_process, and the console.

`exec`, `env`, `credential-process` and `console` share one broker: cached role sessions, one MFA prompt
per day, refreshed under a lock so parallel callers cause one prompt. `logout` forgets, `doctor` says where
the cache lives and what it holds (never a secret).
"""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click
from rich.markup import escape

from rolegate.cli.env import Env, no_secrets_on_a_terminal
from rolegate.cli.options import global_options
from rolegate.errors import ExitStatus, RolegateError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from rolegate.creds.broker import Broker
    from rolegate.creds.broker import SessionOptions as Session
    from rolegate.creds.credentials import Credentials

F = TypeVar("F", bound=Callable[..., object])

SECRET_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
CLEARED = (*SECRET_KEYS, "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def complete_profile(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Profiles of the AWS config file (cli/completion.py: safe words only, never a failure)."""
    from rolegate.cli.completion import complete_profile as profiles

    return profiles(ctx, param, incomplete)


def _duration(_: click.Context, __: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    from rolegate.model.durations import parse_duration

    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if not 900 <= seconds <= 36 * 3600:
        raise click.BadParameter("GetSessionToken accepts 15m to 36h")
    return seconds


def broker_options(command: F) -> F:
    for option in reversed(
        [
            click.option("--mfa-command", metavar="CMD", envvar="ROLEGATE_MFA_COMMAND",
                         help="A command that prints the MFA code (e.g. `ykman oath accounts code -s aws`); "
                         "default: the profile's mfa_process, else a prompt on the terminal."),
            click.option("--session-duration", metavar="DURATION", envvar="ROLEGATE_SESSION_DURATION",
                         callback=_duration, help="How long the MFA session lasts, 15m–36h.  [default: 12h]"),
            click.option("--config-file", type=click.Path(path_type=Path, dir_okay=False),
                         help="The AWS config file (default: $AWS_CONFIG_FILE or ~/.aws/config)."),
        ]
    ):  # fmt: skip
        command = option(command)
    return command


def session_flags(command: F) -> F:
    """The role session's own name, source identity and tags: AssumeRole's parameters, for this run only."""
    for option in reversed(
        [
            click.option("--session-name", metavar="NAME",
                         help="The role session's name, as CloudTrail and the assumed-role ARN show it "
                         "(2–64 of A-Z a-z 0-9 _+=,.@-).  [default: the profile's role_session_name]"),
            click.option("--source-identity", metavar="ID",
                         help="A source identity that stays on this session and every role chained from it "
                         "(2–64 of A-Z a-z 0-9 _+=,.@-; the role's trust must allow sts:SetSourceIdentity)."),
            click.option("--tag", "tags", metavar="KEY=VALUE", multiple=True,
                         help="A session tag, repeatable, up to 50 (the role's trust must allow "
                         "sts:TagSession)."),
        ]
    ):  # fmt: skip
        command = option(command)
    return command


def _session_options(session_name: str | None, source_identity: str | None, tags: tuple[str, ...]) -> Session:
    from rolegate.creds.broker import session_options

    try:
        return session_options(session_name, source_identity, tags)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _broker(
    env: Env,
    mfa_command: str | None,
    session_duration: int | None,
    config_file: Path | None,
    session: Session | None = None,
) -> Broker:
    from rolegate.creds.broker import DEFAULT_SESSION_SECONDS, Broker, Options, SessionOptions

    options = Options(mfa_command, session_duration or DEFAULT_SESSION_SECONDS, config_file)
    options.session = session or SessionOptions()
    return Broker(options, note=(lambda text: env.note(f"[dim]{escape(text)}[/]")) if env.verbose else None)


profile_argument = click.argument("profile_name", metavar="PROFILE", shell_complete=complete_profile)


@click.command("exec", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@profile_argument
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option(
    "--server/--no-server",
    default=None,
    envvar="ROLEGATE_EXEC_SERVER",
    help="Serve the credentials from a credential server on 127.0.0.1 that renews the role session before it "
    "ends, instead of putting them in the environment.  [default: --server when the role session lasts at "
    "most 1 hour, as an MFA role's session assumed from the MFA session does; ROLEGATE_EXEC_SERVER=1 or 0 "
    "sets yours]",
)
@session_flags
@broker_options
@global_options
@click.pass_obj
def exec_(
    env: Env,
    profile_name: str,
    command: tuple[str, ...],
    server: bool | None,
    session_name: str | None,
    source_identity: str | None,
    tags: tuple[str, ...],
    mfa_command: str | None,
    session_duration: int | None,
    config_file: Path | None,
) -> int:
    """Run COMMAND with the role credentials of PROFILE; exit with its exit code.

    With --server (the default for sessions of an hour or less) the command gets
    AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN: its AWS SDKs fetch the role's
    credentials from rolegate on 127.0.0.1 and come back before they expire, so a three-hour `terraform
    apply` outlives the one-hour role session; renewals need no MFA code while the MFA session lasts.
    With --no-server it gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
    AWS_CREDENTIAL_EXPIRATION, which end with the session. Either way AWS_REGION / AWS_DEFAULT_REGION are
    the profile's region, AWS_PROFILE is unset and ROLEGATE_PROFILE names the profile. Without COMMAND,
    your $SHELL is started.

    \b
    Examples:
      rolegate exec demo-production-cobus -- aws s3 ls
      rolegate exec --server demo-staging-cobus -- terraform apply    # renewed for hours
      rolegate exec --no-server demo-staging-cobus -- ./deploy.sh     # plain AWS_* keys
      rolegate exec --session-name cobus-release-42 --source-identity cobus \\
          --tag ticket=OPS-42 demo-production-cobus -- terraform apply
      rolegate exec demo-development-cobus            # a shell with the role's credentials

    Options go before PROFILE: everything after it is the command's.
    """
    session = _session_options(session_name, source_identity, tags)
    broker = _broker(env, mfa_command, session_duration, config_file, session)
    credentials = broker.credentials(profile_name)  # any MFA prompt happens here, before the command starts
    child = {k: v for k, v in env.environ.items() if k not in CLEARED}
    if region := broker.region(profile_name):
        child["AWS_REGION"] = child["AWS_DEFAULT_REGION"] = region
    child["ROLEGATE_PROFILE"] = profile_name
    argv = list(command[1:] if command[:1] == ("--",) else command) or [env.environ.get("SHELL") or "/bin/sh"]
    if _serve(env, credentials, child, server):
        return _run_with_server(env, broker, profile_name, credentials, child, argv)
    child.update(credentials.environment())
    return _run(argv, child)


# The role sessions a credential server is the default for: AWS's cap on a session chained from the MFA
# session, so every MFA role rolegate writes; a longer session (a role without MFA, up to 12 h) keeps the
# plain variables every tool reads.
SERVER_BY_DEFAULT_UP_TO = 3600 + 60


def _serve(env: Env, credentials: Credentials, child: dict[str, str], server: bool | None) -> bool:
    """Whether this run serves its credentials: as asked, else by the session's length. A [default] profile
    with credentials would win over the server in the child's SDKs: --server refuses, the default goes on
    without it."""
    from rolegate.creds.server import shadowing_default
    from rolegate.errors import CredentialsError

    if server is False or credentials.expiration is None:
        return False
    left = (credentials.expiration - env.now()).total_seconds()
    if server is None and left > SERVER_BY_DEFAULT_UP_TO:
        return False
    shadow = shadowing_default(child)
    if shadow is None:
        return True
    if server:
        raise CredentialsError(
            f"the command's AWS SDKs would take the credentials of {shadow} before rolegate's credential "
            "server",
            "remove the [default] profile's credentials (rolegate's profiles are all named), or pass "
            "--no-server",
        )
    env.note(f"[dim]{escape(shadow)} would win over a credential server: the role's keys go in the "
             "environment, and end with the session[/]")  # fmt: skip
    return False


def _run_with_server(
    env: Env,
    broker: Broker,
    profile_name: str,
    credentials: Credentials,
    child: dict[str, str],
    argv: list[str],
) -> int:
    """The command, with a credential server on loopback for as long as it runs."""
    from rolegate.creds.server import SHADOWING_ENV, CredentialServer, RenewedCredentials, no_proxy

    broker.options.ask = env.stdin_is_tty  # the server's thread asks for a code only with someone there
    renewed = RenewedCredentials(
        lambda: broker.credentials(profile_name),
        clock=env.now,
        current=credentials,
        note=lambda text: env.note(f"[yellow]{escape(text)}[/]"),
    )
    for key in SHADOWING_ENV:
        child.pop(key, None)
    with CredentialServer(renewed) as server:
        if env.verbose:
            env.note(f"[dim]credential server on {server.uri}, renewing {escape(profile_name)}[/]")
        child.update(server.environment())
        child.update(no_proxy(child))
        return _run(argv, child)


def _run(argv: list[str], child: dict[str, str]) -> int:
    try:
        process = subprocess.Popen(argv, env=child)
    except FileNotFoundError:
        missing = RolegateError(f"command not found: {argv[0]}", "check the name and your PATH")
        missing.exit_code = ExitStatus.COMMAND_NOT_FOUND
        raise missing from None
    except PermissionError:
        raise RolegateError(f"cannot run {argv[0]}: permission denied") from None
    returncode = _wait(process)
    # A command killed by a signal exits as shells report it: 128 + the signal's number.
    return returncode if returncode >= 0 else 128 - returncode


# Signals that reach rolegate alone (a CI runner stopping the job, a closed terminal): passed on to the
# command. Ctrl-C is not: the terminal sends it to the command too, and a second SIGINT makes Terraform
# abort at once instead of finishing its current operations and releasing its state lock.
FORWARDED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _wait(process: subprocess.Popen[bytes]) -> int:
    """The command's status, waited for as a shell waits: at Ctrl-C the command decides what to do, and
    rolegate waits on, its credential server still answering the command's clean-up, instead of killing it."""
    import threading

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        return process.wait()

    def forward(signum: int, _: object) -> None:
        process.send_signal(signum)

    previous = {number: signal.signal(number, forward) for number in FORWARDED}
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)  # set after the start: the command keeps its own
    try:
        return process.wait()
    finally:
        signal.signal(signal.SIGINT, interrupt)
        for number, handler in previous.items():
            signal.signal(number, handler)


def _shell_from_env(env: Env) -> str:
    name = Path(env.environ.get("SHELL", "")).name
    return name if name in ("bash", "zsh", "fish") else "bash"


def export_lines(environment: dict[str, str], shell: str) -> str:
    lines: list[str] = []
    for key, value in environment.items():
        if shell == "fish":
            lines.append(f"set -gx {key} {shlex.quote(value)}")
        elif shell == "powershell":
            escaped = value.replace("'", "''")
            lines.append(f"$Env:{key} = '{escaped}'")
        else:
            lines.append(f"export {key}={shlex.quote(value)}")
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        if shell == "fish":
            lines.append(f"set -e {key}")
        elif shell == "powershell":
            lines.append(f"Remove-Item Env:{key} -ErrorAction SilentlyContinue")
        else:
            lines.append(f"unset {key}")
    return "\n".join(lines) + "\n"


@click.command("env")
@profile_argument
@click.option(
    "--shell",
    type=click.Choice(["bash", "zsh", "fish", "powershell"]),
    help="The syntax of the lines.  [default: from $SHELL, else bash]",
)
@click.option("--show", is_flag=True, help="Print even when standard output is a terminal.")
@session_flags
@broker_options
@global_options
@click.pass_obj
def env_(
    env: Env,
    profile_name: str,
    shell: str | None,
    show: bool,
    session_name: str | None,
    source_identity: str | None,
    tags: tuple[str, ...],
    mfa_command: str | None,
    session_duration: int | None,
    config_file: Path | None,
) -> int:
    """Print the lines that put PROFILE's role credentials into your shell.

    \b
    Examples:
      eval "$(rolegate env demo-production-cobus)"               # bash, zsh
      rolegate env demo-production-cobus --shell fish | source
      rolegate env demo-production-cobus --shell powershell | Invoke-Expression
      eval "$(rolegate env demo-production-cobus --session-name cobus-hotfix --tag ticket=OPS-7)"
    """
    shell = shell or _shell_from_env(env)
    session = _session_options(session_name, source_identity, tags)
    no_secrets_on_a_terminal(env, show, f'use it as eval "$(rolegate env {profile_name})"')
    broker = _broker(env, mfa_command, session_duration, config_file, session)
    credentials = broker.credentials(profile_name)
    values = {**credentials.environment(), "ROLEGATE_PROFILE": profile_name}
    if region := broker.region(profile_name):
        values["AWS_REGION"] = values["AWS_DEFAULT_REGION"] = region
    env.write(export_lines(values, shell))
    return ExitStatus.SUCCESS


@click.command("credential-process")
@profile_argument
@click.option("--show", is_flag=True, help="Print even when standard output is a terminal.")
@session_flags
@broker_options
@global_options
@click.pass_obj
def credential_process(
    env: Env,
    profile_name: str,
    show: bool,
    session_name: str | None,
    source_identity: str | None,
    tags: tuple[str, ...],
    mfa_command: str | None,
    session_duration: int | None,
    config_file: Path | None,
) -> int:
    """The credential_process JSON for PROFILE (Version 1, with Expiration), for the AWS SDKs to call.

    With a warm cache this answers without importing boto3, in a fraction of the time an SDK needs to start.
    `rolegate profiles --credential-process --write` writes profiles that use it.

    \b
    In ~/.aws/config:
      [profile demo-production-cobus]
      credential_process = rolegate credential-process demo-production-cobus

    With --session-name, --source-identity or --tag the session is made for each call, not cached:
      credential_process = rolegate credential-process demo-production-cobus --source-identity cobus
    """
    session = _session_options(session_name, source_identity, tags)
    no_secrets_on_a_terminal(env, show, "the AWS SDKs call it through a pipe")
    credentials = _broker(env, mfa_command, session_duration, config_file, session).credentials(profile_name)
    env.write(json.dumps(credentials.process_output()) + "\n")
    return ExitStatus.SUCCESS


@click.command("console")
@click.argument(
    "profile_names", metavar="PROFILE...", nargs=-1, required=True, shell_complete=complete_profile
)
@click.option(
    "--multi-session",
    is_flag=True,
    help="Open every PROFILE side by side in one browser: the console's multi-session, up to 5 sessions "
    "(turn it on once in the console's account menu).",
)
@click.option("--print-url", is_flag=True, help="Print the sign-in URLs instead of opening a browser.")
@click.option(
    "--federation-endpoint",
    metavar="URL",
    envvar="ROLEGATE_FEDERATION_ENDPOINT",
    help="AWS's federation endpoint.  [default: https://signin.aws.amazon.com/federation]",
)
@click.option("--destination", metavar="URL", help="Console page to open (default: home, profile's region).")
@broker_options
@global_options
@click.pass_obj
def console(
    env: Env,
    profile_names: tuple[str, ...],
    multi_session: bool,
    print_url: bool,
    federation_endpoint: str | None,
    destination: str | None,
    mfa_command: str | None,
    session_duration: int | None,
    config_file: Path | None,
) -> int:
    """Open the AWS console as PROFILE's role (a federation sign-in URL, valid for 15 minutes); with
    --multi-session, several roles side by side in one browser (one MFA code for all of them).

    \b
    Examples:
      rolegate console demo-production-cobus
      rolegate console demo-production-cobus --print-url | pbcopy
      rolegate console --multi-session demo-staging-cobus demo-production-cobus
    """
    from rolegate.creds.console import MULTI_SESSION_NOTE, console_sessions, signin_url

    try:
        profiles = console_sessions(profile_names, multi_session)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    broker = _broker(env, mfa_command, session_duration, config_file)
    urls = [
        (name, signin_url(broker.credentials(name), broker.region(name), federation_endpoint, destination))
        for name in profiles
    ]
    if multi_session:
        env.note(f"[dim]{escape(MULTI_SESSION_NOTE)}[/]")
    if not print_url and _open_in_browser(env, urls):
        return ExitStatus.SUCCESS
    for _, url in urls:
        env.write(url + "\n")
    return ExitStatus.SUCCESS


def _open_in_browser(env: Env, urls: list[tuple[str, str]]) -> bool:
    """Each sign-in URL in a tab of the default browser (where multi-session was turned on); False, having
    said so, when there is no browser to open here and the URLs should be printed instead."""
    import webbrowser

    for name, url in urls:
        if not webbrowser.open_new_tab(url):
            env.note("no browser to open here; the sign-in URLs (valid 15 minutes):")
            return False
        env.note(f"opened the console as {escape(name)} in your browser")
    return True


@click.command("logout")
@click.argument("profile_name", metavar="[PROFILE]", required=False, shell_complete=complete_profile)
@click.option("--config-file", type=click.Path(path_type=Path, dir_okay=False), help="The AWS config file.")
@global_options
@click.pass_obj
def logout(env: Env, profile_name: str | None, config_file: Path | None) -> int:
    """Forget cached sessions: PROFILE's role credentials and its MFA session, or everything.

    \b
    Examples:
      rolegate logout demo-production-cobus
      rolegate logout                          # every cached session; the next call asks for MFA
    """
    from rolegate.creds.broker import Broker, Options
    from rolegate.creds.broker import logout as forget
    from rolegate.creds.store import forget_choice

    broker = Broker(Options(config_file=config_file))
    role = broker.profile(profile_name) if profile_name else None
    removed = forget(broker.store, role, broker.profiles)
    if profile_name is None:
        forget_choice()
    env.print(
        f"forgot {len(removed)} cached session{'s' if len(removed) != 1 else ''}"
        + (f" ({escape(', '.join(removed))})" if removed and env.verbose else "")
        + "."
    )
    return ExitStatus.SUCCESS


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@global_options
@click.pass_obj
def doctor(env: Env, as_json: bool) -> int:
    """Where credentials are cached, what is cached (never a secret), and how MFA codes are asked for.

    \b
    Examples:
      rolegate doctor
      rolegate doctor --json
    """
    from rolegate.creds.diagnose import diagnose

    report = diagnose()
    if as_json:
        env.write(json.dumps(report, indent=2) + "\n")
        return ExitStatus.ERROR if report["problems"] else ExitStatus.SUCCESS
    env.print(f"[bold]store[/]       {escape(report['store']['description'])}")
    if report["store"]["kind"] == "file":
        env.print(f"            [dim]{escape(report['store']['why'])}[/]")
    env.print(
        f"[bold]aws config[/]  {escape(report['aws_config']['path'])}  "
        f"({report['aws_config']['role_profiles']} role profiles)"
    )
    env.print(f"[bold]mfa[/]         {escape(report['mfa'])}")
    entries = report["cached"]
    env.print(f"[bold]cached[/]      {len(entries) or 'nothing'}")
    for entry in entries:
        env.print(f"  {escape(entry['name']):<60} {escape(entry['state'])}")
    for problem in report["problems"]:  # the store's files: what it refuses, and the fix
        env.print(f"[red bold]problem[/]     {escape(problem['problem'])}")
        env.print(f"            fix: {escape(problem['fix'])}")
    return ExitStatus.ERROR if report["problems"] else ExitStatus.SUCCESS
