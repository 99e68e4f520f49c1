"""`rolegate demo`: the hub-and-spoke walkthrough, end to end, on an embedded AWS (moto) on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rolegate.atomic import write_atomic
from rolegate.aws.moto_local import DEMO_CREDENTIALS
from rolegate.cli.commands.config import example_text
from rolegate.cli.commands.plan import show_plan
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.cli.progress import status as progress_status
from rolegate.cli.render import apply_result_lines
from rolegate.errors import ExitStatus, LocalFileError, RolegateError
from rolegate.words import plural

if TYPE_CHECKING:
    from rolegate.aws.session import AwsSessions
    from rolegate.model.config import Config
    from rolegate.model.load import Loaded

MARKER = ".rolegate-demo"
DEMO_USER = "cobus"
# The example's ids are placeholders: the demo creates the environment accounts through Organizations.
PLACEHOLDER_IDS = {"111111111111", "222222222222", "333333333333"}


# The demo's organization also shows the guardrails: the environments in their units, and two of the
# built-in SCPs switched on by name (`rolegate init`'s example leaves them out: on a real organization,
# attaching SCPs is a decision to make, not a default).
DEMO_UNITS = """\
  units:                        # organizational units; each environment account is placed in one
    Environments:
      Development: {}
      Staging: {}
      Production: {}
"""
DEMO_GUARDRAILS = """
guardrails:                     # service control policies rolegate ships, switched on by name
  protect-rolegate: {attach: [root]}               # only rolegate's role writes rolegate's marks
  deny-leave-organization: {attach: [Environments]}
"""


def demo_config_text(management_id: str) -> str:
    """The commented example, with the management account's id and no ids for the accounts to create,
    its environments placed in units and two guardrails on."""
    lines = []
    account = ""
    for line in example_text().splitlines(keepends=True):
        if line.strip().startswith("id:") and any(i in line for i in PLACEHOLDER_IDS - {"111111111111"}):
            continue
        if line.startswith("  password_policy:"):
            lines.append(DEMO_UNITS)
        if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            account = line.strip().rstrip(":")
        lines.append(line.replace("111111111111", management_id))
        if line.strip().startswith("color:") and account in ("development", "staging", "production"):
            lines.append(f"    unit: Environments/{account.capitalize()}\n")
    return "".join(lines) + DEMO_GUARDRAILS


def _fresh_dir(path: Path) -> None:
    if path.exists():
        if not (path / MARKER).exists() and any(path.iterdir()):
            raise LocalFileError(
                f"{path} exists and is not a rolegate demo directory; the demo will not touch it",
                "pass --dir with a new or empty directory",
            )
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("made by `rolegate demo`; safe to delete\n", encoding="utf-8")


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Point the SDK at the local endpoint only; the user's own AWS settings are hidden, then restored."""
    hidden = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION")
    saved = {k: os.environ.get(k) for k in (*values, *hidden)}
    for key in hidden:
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@click.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default="rolegate-demo",
    show_default=True,
    help="Where the demo writes rolegate.yaml and the CLI profiles.",
)
@click.option(
    "--serve", is_flag=True, help="Keep the local AWS running afterwards, to try more commands on it."
)
@global_options
@click.pass_obj
def demo(env: Env, directory: Path, serve: bool) -> int:
    """The hub-and-spoke layout, end to end, on a local AWS (moto on 127.0.0.1); nothing leaves the machine.

    Creates an organization with development, staging and production accounts, writes rolegate.yaml with
    their ids into a fresh demo directory, plans and applies it, and prints the sign-in URL, the
    switch-role links and the CLI profiles (written into the demo directory only; ~/.aws is untouched).

    With --serve the local AWS stays up afterwards (until Ctrl-C) and the settings to reach it are printed:
    the way to try plan, apply and the rest on a local AWS. (A plain `moto_server` needs
    MOTO_IAM_LOAD_MANAGED_POLICIES=true, and it ignores UpdateGroup's new path, which adoption relies on;
    this one is set up for rolegate.)

    \b
    Examples:
      rolegate demo
      rolegate demo --serve      # then, in another shell, the commands it prints
    """
    from rolegate.aws.moto_local import MANAGEMENT_ACCOUNT, client_environment, start_local_aws

    directory = directory.absolute()
    _fresh_dir(directory)
    started = env.monotonic()
    with progress_status(env, "Starting the local AWS (moto)…"):
        local = start_local_aws()
    try:
        with _environment(client_environment(local.url, str(directory))):
            _walkthrough(env, directory, local.url, MANAGEMENT_ACCOUNT, started, serve=serve)
            if serve:
                _serve(env, directory, local.url)
    finally:
        local.stop()
    return ExitStatus.SUCCESS


def _walkthrough(
    env: Env, directory: Path, url: str, management_id: str, started: float, *, serve: bool = False
) -> None:
    from rolegate.runner import sessions_for

    host = url.removeprefix("http://")
    env.print(
        f"[bold]rolegate demo[/] — the hub-and-spoke layout on a local AWS (moto on {host}), "
        "nothing leaves this machine\n"
    )
    loaded = _organization(env, directory / "rolegate.yaml", management_id)
    config = loaded.config
    sessions = sessions_for(config, None)
    _plan_and_apply(env, loaded, sessions, directory)
    _sign_in_and_profiles(env, config, directory)
    snapshot_file = _who_reaches_what(env, config, sessions, directory)
    env.print(f"\nDone in {env.monotonic() - started:.1f} s.")
    keep = "" if serve else "   ·   rolegate demo --serve  (keeps this AWS running)"
    env.print(
        f"[bold]Try next:[/]  rolegate access --snapshot {snapshot_file} --format html > access.html   ·   "
        f"rolegate audit --snapshot {snapshot_file}{keep}"
    )


def _organization(env: Env, config_path: Path, management_id: str) -> Loaded:
    """The example written into the demo directory, its accounts created through Organizations, and their
    ids written back into it, as `rolegate accounts create` does."""
    import boto3

    from rolegate.aws.organizations import AccountRequest, create_accounts
    from rolegate.model import naming
    from rolegate.model.edit import set_account_ids
    from rolegate.model.load import load

    write_atomic(config_path, demo_config_text(management_id), mode=0o644, backup=False)
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    draft = load(config_path).config
    requests = [
        AccountRequest(n, a.email or f"{n}@example.com", naming.display_name(n))
        for n, a in draft.accounts.items()
        if a.id is None
    ]
    with progress_status(env, "Creating the accounts through AWS Organizations…"):
        ids = create_accounts(org, requests, poll=0.2)
    set_account_ids(config_path, ids)
    loaded = load(config_path)
    env.print(
        f"  organization  [bold]{loaded.config.organization.name}[/]  (management account {management_id})"
    )
    env.print("  accounts      " + "   ".join(f"[green]✓[/] {n} {i}" for n, i in ids.items()))
    env.print(f"  config        {config_path}\n")
    return loaded


def _plan_and_apply(env: Env, loaded: Loaded, sessions: AwsSessions, directory: Path) -> None:
    """Plan, apply (first passwords into the demo directory), and plan again to show nothing is left."""
    from rolegate.runner import commands as run

    with progress_status(env, "Reading every account…"):
        outcome = run.plan(loaded, sessions=sessions)  # the engine `rolegate plan` and `apply` use
    show_plan(env, outcome.plan)
    applied = env.monotonic()
    result = run.apply(outcome)  # with the read-back, as apply does
    for line in apply_result_lines(result, env.monotonic() - applied):
        env.print(line)
    if not result.ok:
        raise RolegateError(
            "the demo's apply failed, which is a bug in rolegate", "run with -v and report it"
        )
    if result.passwords:
        text = "".join(f"{user}\t{pw}\n" for (_, user), pw in sorted(result.passwords.items()))
        write_atomic(directory / "first-passwords.txt", text, mode=0o600, backup=False, private=True)
    again = run.plan(loaded, sessions=sessions).plan
    env.print(
        "Plan again: "
        + (
            "[green]no changes[/] — apply is idempotent."
            if again.empty
            else f"[red]{plural(len(again.changes), 'change')} left[/]"
        )
    )


def _sign_in_and_profiles(env: Env, config: Config, directory: Path) -> None:
    """Where the demo user signs in, their switch-role links, and their CLI profiles (in the demo directory
    only)."""
    from rolegate.cli.commands.local import print_switch_links
    from rolegate.local.links import signin_url
    from rolegate.local.profiles import render_profiles, user_profiles

    env.print(f"\n[bold]Sign in:[/]  {signin_url(config)}")
    env.print(
        f"  first password of {DEMO_USER}: in {directory / 'first-passwords.txt'} (mode 0600), "
        "to be changed at first sign-in"
    )
    print_switch_links(env, config, DEMO_USER)
    profiles = user_profiles(config, DEMO_USER)
    aws_config = directory / "aws-config"
    write_atomic(aws_config, render_profiles(profiles), mode=0o600, backup=False)
    env.print(f"[bold]CLI profiles[/] written to {aws_config} (your ~/.aws is untouched):")
    env.print("  " + ", ".join(p.name for p in profiles))


def _who_reaches_what(env: Env, config: Config, sessions: AwsSessions, directory: Path) -> Path:
    """The layout's promise, "a single location to look at": every account read into a snapshot, the demo
    user's reach across them, and what the audit finds."""

    from rolegate.access.audit import AuditInput, audit, severity_counts
    from rolegate.access.graph import AccessGraph
    from rolegate.runner import read_everything

    with progress_status(env, "Reading everything for access and audit…"):
        snapshot = read_everything(config, sessions)
    target = directory / "snapshot.json"
    write_atomic(target, snapshot.dumps(), mode=0o600, backup=False)
    env.print(f"\n[bold]Who reaches what[/] ({DEMO_USER}; rolegate access --snapshot {target}):")
    graph = AccessGraph(snapshot)
    for user in graph.users():
        if user.name == DEMO_USER:
            for row in graph.reach(user):
                mfa = "MFA required" if row.mfa_required else "[red]no MFA needed[/]"
                env.print(f"  {row.account:<12} {row.role:<30} {mfa}")
    findings = audit(snapshot, AuditInput(hub=config.organization.hub), graph)  # what it just worked out
    env.print(
        "[bold]Audit:[/] "
        + (severity_counts(findings) or "no findings")
        + f" (rolegate audit --snapshot {target})"
    )
    return target


def serve_lines(url: str, config: Path) -> list[str]:
    """What to paste into another shell to use the local AWS: its endpoint, its fake keys (moto accepts
    any), a region, then the commands to try."""
    import shlex

    settings = {"AWS_ENDPOINT_URL": url, **DEMO_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}
    quoted = shlex.quote(str(config))
    return [
        "  export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in settings.items()),
        "  unset AWS_PROFILE AWS_SESSION_TOKEN",
        f"  rolegate -c {quoted} plan",
        f"  rolegate -c {quoted} apply",
    ]


def _serve(env: Env, directory: Path, url: str) -> None:
    env.print(
        "\n[bold]The local AWS stays up[/] until Ctrl-C (its accounts live in memory and go with it). "
        "In another shell:"
    )
    for line in serve_lines(url, directory / "rolegate.yaml"):
        env.print(line, markup=False)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        env.print("stopped.")
