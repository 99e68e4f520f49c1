"""`rolegate accounts create`: the file's accounts that have no id yet, made through AWS Organizations."""

from __future__ import annotations

import click

from rolegate.cli.common import load_config
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.errors import ExitStatus, RolegateError
from rolegate.model import naming
from rolegate.model.edit import set_account_ids


@click.group()
def accounts() -> None:
    """The AWS accounts of rolegate.yaml."""


@accounts.command("create")
@global_options
@click.pass_obj
def create(env: Env) -> int:
    """Create every account that has no id, through AWS Organizations, and write the ids into the file.

    Run with the management account's credentials. Each account gets the email from the file and a name
    like "Development"; AWS takes a few minutes per account. Comments and layout of rolegate.yaml are
    kept; a backup of the old file is written beside it. Safe to run again: an account whose email the
    organization already has is not created twice.

    \b
    Example:
      rolegate accounts create && rolegate plan
    """
    from rolegate.aws.organizations import AccountRequest, create_accounts
    from rolegate.runner import sessions_for

    loaded = load_config(env, quiet=True)
    config = loaded.config
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
    sessions = sessions_for(config, env.profile)

    def progress(request: AccountRequest, state: str) -> None:
        env.note(f"  {request.name:<14} {state}")

    with env.err.status(f"Creating {len(requests)} account(s) through AWS Organizations…"):
        ids = create_accounts(sessions.organizations(), requests, on_progress=progress)
    backup = set_account_ids(env.config_path, ids)
    for name, account_id in ids.items():
        env.print(f"[green]✓[/] {name} {account_id}")
    env.print(f"Wrote the ids into {env.config_path}" + (f" (backup: {backup.name})." if backup else "."))
    env.print("Next: [bold]rolegate plan[/]")
    return ExitStatus.SUCCESS
