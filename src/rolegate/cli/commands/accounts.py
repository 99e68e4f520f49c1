"""`rolegate accounts create`: the file's accounts that have no id yet, made through AWS Organizations.

Like apply: the organization is read first, the plan is shown (what will be created, what the organization
already has), and only a typed "yes" (or --yes) creates anything. Each account is reported once, with its
id, when the run is over; an interrupted or failed run writes down the ids it already has and says what was
done and what AWS may still be doing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import click

from rolegate.cli.common import load_config
from rolegate.cli.env import Env, Gate
from rolegate.cli.options import global_options
from rolegate.cli.progress import status as progress_status
from rolegate.errors import ExitStatus, RolegateError
from rolegate.model import naming
from rolegate.model.edit import set_account_ids
from rolegate.words import plural

if TYPE_CHECKING:
    from pathlib import Path

    from rolegate.aws.organizations import AccountRequest

CREATE_GATE = Gate(
    "Create these accounts?",
    no_terminal="accounts create makes AWS accounts and there is no terminal to ask on",
    no_terminal_hint="review the plan above, then run `rolegate accounts create --yes`",
    cancelled="accounts create cancelled; nothing was created",
)


def account_plan_lines(requests: Sequence[AccountRequest], known: Mapping[str, str]) -> list[str]:
    """The plan of `accounts create`, one line per account without an id, then the summary: `+` for an
    account to create, `=` for one whose email the organization already has (only its id is written)."""
    lines: list[str] = []
    width = max(len(r.name) for r in requests)
    for r in requests:
        existing = known.get(r.email.lower())
        if existing:
            lines.append(
                f"  [dim]=[/] account {r.name:<{width}}  {r.email} is already in the organization "
                f"({existing}): only its id is written into the file"
            )
        else:
            lines.append(f"  [green]+[/] account {r.name:<{width}}  {r.email}, named {r.display_name!r}")
    to_create = sum(1 for r in requests if r.email.lower() not in known)
    lines.append("")
    lines.append(
        f"Plan: {plural(to_create, 'account')} to create, {len(requests) - to_create} already there."
    )
    return lines


def interrupted_lines(
    requests: Sequence[AccountRequest], ids: Mapping[str, str], requested: set[str], config: Path
) -> list[str]:
    """What an interrupted run did: the accounts whose ids it wrote down, those AWS is still creating (a
    request it accepted goes on without us), and those never asked for."""
    done = [f"{r.name} ({ids[r.name]})" for r in requests if r.name in ids]
    pending = [r.name for r in requests if r.name in requested and r.name not in ids]
    untouched = [r.name for r in requests if r.name not in ids and r.name not in requested]
    lines = []
    if done:
        lines.append(f"  ids written into {config}: {', '.join(done)}")
    if pending:
        lines.append(f"  requested, AWS goes on creating: {', '.join(pending)}")
    if untouched:
        lines.append(f"  not requested: {', '.join(untouched)}")
    if pending or untouched:
        lines.append(
            "Run `rolegate accounts create` again to finish: an account whose email the organization "
            "already has is not created twice, only its id is written."
        )
    return lines


@click.group()
def accounts() -> None:
    """The AWS accounts of rolegate.yaml."""


@accounts.command("create")
@click.option("-y", "--yes", is_flag=True, help="Do not ask; create the accounts shown.")
@global_options
@click.pass_obj
def create(env: Env, yes: bool) -> int:
    """Create every account that has no id, through AWS Organizations, and write the ids into the file.

    Run with the management account's credentials. Shows the plan first (the accounts to create, and those
    whose email the organization already has) and asks, as apply does. Each account gets the email from the
    file and a name like "Development"; AWS takes a few minutes per account. Comments and layout of
    rolegate.yaml are kept; a backup of the old file is written beside it. Safe to run again, and after
    Ctrl-C: an account whose email the organization already has is not created twice.

    \b
    Example:
      rolegate accounts create && rolegate plan
    """
    from rolegate.aws.organizations import AccountRequest, existing_accounts
    from rolegate.runner import sessions_for

    config = load_config(env, quiet=True).config
    missing = [(name, a) for name, a in config.accounts.items() if a.id is None]
    if not missing:
        env.print("Every account in the file has an id; nothing to create.")
        return ExitStatus.SUCCESS
    without_email = [name for name, a in missing if not a.email]
    if without_email:
        raise RolegateError(
            f"accounts without an id need an email to be created: {', '.join(without_email)}",
            "add `email:` to them in rolegate.yaml (AWS needs one unused address per account)",
        )
    requests = [AccountRequest(name, a.email or "", naming.display_name(name)) for name, a in missing]
    # The organization is reached (and any MFA code asked for) before anything is drawn on the terminal.
    org = sessions_for(config, env.profile).organizations()
    known = existing_accounts(org)
    for line in account_plan_lines(requests, known):
        env.print(line)
    if any(r.email.lower() not in known for r in requests):
        env.confirm(CREATE_GATE, yes=yes)
    return _create(env, org, requests)


def _create(env: Env, org: object, requests: list[AccountRequest]) -> int:
    """Creates them, with one status line that says where each account is; writes the ids it has, whatever
    happens, and reports each account once."""
    from rolegate.aws.organizations import create_accounts

    ids: dict[str, str] = {}
    requested: set[str] = set()
    states = {r.name: "waiting" for r in requests}
    with progress_status(env, _status_text(states)) as status:

        def progress(request: AccountRequest, state: str) -> None:
            states[request.name] = state
            if state == "requested":
                requested.add(request.name)
            if env.err.is_terminal:
                status.update(_status_text(states))
            elif state == "requested":  # a CI log: one line while AWS works, the ✓ comes at the end
                env.note(f"  {request.name}: requested, AWS takes a few minutes")

        try:
            create_accounts(org, requests, on_progress=progress, found=ids)
        except (KeyboardInterrupt, RolegateError) as exc:
            status.stop()
            _write_ids(env, ids)
            lines = interrupted_lines(requests, ids, requested, env.config_path)
            if isinstance(exc, RolegateError):
                for line in lines:
                    env.note(line)
                raise
            env.note("[yellow]interrupted[/]; what was done:")
            for line in lines:
                env.note(line)
            return ExitStatus.INTERRUPTED
    backup = _write_ids(env, ids)
    for request in requests:
        env.print(f"[green]✓[/] {request.name} {ids[request.name]}")
    env.print(f"Wrote the ids into {env.config_path}" + (f" (backup: {backup.name})." if backup else "."))
    env.print("Next: [bold]rolegate plan[/]")
    return ExitStatus.SUCCESS


def _status_text(states: Mapping[str, str]) -> str:
    done = sum(1 for s in states.values() if s in ("created", "exists"))
    each = ", ".join(f"{name} {state}" for name, state in states.items())
    return f"Creating accounts through AWS Organizations ({done} of {len(states)} done): {each}"


def _write_ids(env: Env, ids: Mapping[str, str]) -> Path | None:
    return set_account_ids(env.config_path, ids) if ids else None
