"""`rolegate root delete-credentials ACCOUNT`: a member account's root password, keys, signing certificates
and MFA devices deleted from the management account, through sts:AssumeRoot (centralized root access:
`organization.root_access: centralized`). No root sign-in, no root password ever known to anyone."""

from __future__ import annotations

import click
from rich.markup import escape

from rolegate.cli.common import load_config, member_account, print_json
from rolegate.cli.completion import complete_account
from rolegate.cli.env import Env, Gate
from rolegate.cli.options import global_options
from rolegate.errors import ExitStatus, RolegateError
from rolegate.model.config import Config
from rolegate.respond.root import TASK_POLICY, delete_all, holdings
from rolegate.respond.root import assume_root as root_session
from rolegate.runner import sessions_for


@click.group()
def root() -> None:
    """Member accounts' root users, handled from the management account (centralized root access).

    \b
    Examples:
      rolegate root delete-credentials production
      rolegate root delete-credentials production --yes --json
    """


def _member(config: Config, wanted: str) -> tuple[str, str]:
    """A member account of the file by name or id; the management account is refused (AssumeRoot reaches
    member accounts only)."""
    hub = config.organization.hub
    refusal = RolegateError(
        f"{hub} is the management account: sts:AssumeRoot reaches member accounts only",
        "sign in as its root user to manage its own root credentials",
    )
    return member_account(config, wanted, refusal)


@root.command("delete-credentials")
@click.argument("account", shell_complete=complete_account)
@click.option("-y", "--yes", is_flag=True, help="Do not ask; delete what is found.")
@click.option("--json", "as_json", is_flag=True, help="Print what was deleted as JSON.")
@global_options
@click.pass_obj
def delete_credentials(env: Env, account: str, yes: bool, as_json: bool) -> int:
    """Delete ACCOUNT's root user credentials: console password, access keys, signing certificates, MFA.

    A root session (sts:AssumeRoot, 15 minutes, scoped by AWS's task policy IAMDeleteRootUserCredentials)
    lists what the root user holds; after your yes, each is deleted. Access keys are shown by their last
    four characters. A rerun lists again and deletes what is left.
    """
    config = load_config(env).config
    name, account_id = _member(config, account)
    sessions = sessions_for(config, env.profile)
    operator = sessions.operator_account()
    credentials = root_session(sessions.client("sts", operator), account_id, name)
    iam = sessions.client_as("iam", account_id, credentials)
    found = holdings(iam)
    if found.empty:
        if as_json:
            print_json(env, {"account": name, "account_id": account_id, "deleted": found.to_json()})
        else:
            env.print(f"The root user of {escape(name)} ({account_id}) holds no credentials.")
        return ExitStatus.SUCCESS
    env.note(f"The root user of {escape(name)} ({account_id}) holds: {escape(', '.join(found.said()))}.")
    env.confirm(
        Gate(
            f"Delete them (as {TASK_POLICY.rsplit('/', 1)[-1]})?",
            no_terminal="deleting root credentials asks first and there is no terminal to ask on",
            no_terminal_hint="run it with --yes",
            cancelled="cancelled; nothing was deleted",
        ),
        yes=yes,
    )
    deleted = delete_all(iam, found, name)
    if as_json:
        print_json(env, {"account": name, "account_id": account_id, "deleted": deleted.to_json()})
    else:
        env.print(
            f"[green]Deleted[/] from the root user of {escape(name)}: {escape(', '.join(deleted.said()))}."
        )
    return ExitStatus.SUCCESS
