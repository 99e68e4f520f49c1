"""`rolegate import` (a hand-made setup -> rolegate.yaml) and `rolegate drift` (what differs, for cron/CI)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from rolegate.cli import progress
from rolegate.cli.common import load_config, print_json
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.errors import ConfigError, ExitStatus, LocalFileError, RolegateError
from rolegate.words import plural

if TYPE_CHECKING:
    from rolegate.adopt.importer import Imported


def _ids(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@click.command("import")
@click.option("--hub", help="The hub account (id, or its name in the organization); default: yours.")
@click.option(
    "--accounts",
    "account_ids",
    multiple=True,
    help="Account ids to read (comma-separated or repeated); default: every account in the organization.",
)
@click.option("--org-name", help="organization.name (the profiles' prefix); default: from the hub's alias.")
@click.option(
    "--bootstrap-role",
    default="OrganizationAccountAccessRole",
    show_default=True,
    help="The role rolegate reaches the other accounts through.",
)
@click.option("--region", help="organization.region; default: the SDK's region.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the file; default: the -c path (rolegate.yaml).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file (a timestamped backup is kept).")
@global_options
@click.pass_obj
def import_(
    env: Env,
    hub: str | None,
    account_ids: tuple[str, ...],
    org_name: str | None,
    bootstrap_role: str,
    region: str | None,
    output: Path | None,
    force: bool,
) -> int:
    """Read a hand-made setup and write the rolegate.yaml that describes it.

    Accounts come from AWS Organizations (or --accounts), each read through the bootstrap role. Roles that
    trust the hub (with or without MFA), groups with their grants as `assume:`, users and their groups
    become config; whatever rolegate cannot express (a role trusting another account, an inline policy, a
    policy on a user) is named in a comment and stays as it is. The file sets `organization.adopt: true`,
    so `rolegate plan` shows the hand-made resources as adopted (tagged or moved to /rolegate/), nothing
    created or deleted.

    \b
    Examples:
      rolegate import -o rolegate.yaml
      rolegate import --accounts 222222222222,333333333333 --org-name demo -o rolegate.yaml
      rolegate validate && rolegate plan      # then: = adopt … only
    """
    from rolegate.adopt.discover import read_source
    from rolegate.adopt.importer import import_config
    from rolegate.atomic import write_atomic
    from rolegate.aws.session import AwsSessions

    path = output or env.config_path
    if path.exists() and not force:
        raise LocalFileError(
            f"{path} exists already; rolegate import does not overwrite it",
            "pass -o with another path, or --force (the old file is kept as a backup)",
        )
    sessions = AwsSessions(env.profile, region, bootstrap_role=bootstrap_role)
    with progress.status(env, "Reading the accounts…"):
        source, from_org = read_source(sessions, hub=hub, account_ids=_ids(account_ids), org_name=org_name)
    result = import_config(source)
    _check_imported(result, path)
    backup = write_atomic(path, result.text, mode=0o644, backup=True)
    _report_import(env, path, result, from_org, backup)
    return ExitStatus.SUCCESS


def _check_imported(result: Imported, path: Path) -> None:
    """The importer's own mistake is said as one, rather than a broken file written."""
    from rolegate.model.load import parse

    try:
        parse(result.text, str(path))
    except ConfigError as exc:
        raise RolegateError(
            f"the imported file does not validate ({exc}); nothing was written",
            "this is a bug in rolegate import: run again with -v and report it",
        ) from None


def _report_import(env: Env, path: Path, result: Imported, from_org: bool, backup: Path | None) -> None:
    counts = result.counts
    env.print(
        f"Wrote {path}: {plural(counts['accounts'], 'account')}, {plural(counts['roles'], 'role')}, "
        f"{plural(counts['groups'], 'group')}, {plural(counts['users'], 'user')}"
        + ("" if from_org else " (no Organizations access: accounts named after their alias)")
        + "."
    )
    if backup is not None:
        env.note(f"The old file is kept as {backup}.")
    if result.notes:
        env.print(f"Not imported, left as it is ({plural(len(result.notes), 'note')} in the file):")
        for note in result.notes:
            env.print(f"  - {note}", markup=False)
    env.print("Next: rolegate validate, then rolegate plan (adoption only), then rolegate apply.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the drift as JSON (format_version 1).")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is no drift, 2 when there is, 1 on error.",
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="GLOB",
    help="Leave out items whose account/kind/name matches, e.g. 'production/role/vendor-*' (repeatable).",
)
@global_options
@click.pass_obj
def drift(env: Env, as_json: bool, detailed_exitcode: bool, ignore: tuple[str, ...]) -> int:
    """What differs between rolegate.yaml and the accounts, one line each, for cron and CI.

    Reads every account like `rolegate plan` and shows its difference as drift: resources rolegate owns
    that were changed by hand (changed), declared but absent (missing), owned but no longer declared
    (extra), hand-made ones the file names (adoptable, conflict), and users or roles that rolegate does not
    own (unmanaged; the bootstrap role aside). Changes nothing.

    \b
    Examples:
      rolegate drift
      rolegate drift --detailed-exitcode || alert "IAM drift"     # 0 none, 2 drift, 1 error
      rolegate drift --json | jq -r '.drift[].address'
      rolegate drift --ignore 'development/user/ci-*'
    """
    from rolegate.adopt.drift import KINDS, drift_items, drift_lines, drift_summary
    from rolegate.runner import read_and_plan, sessions_for

    config = load_config(env).config
    with progress.status(env, "Reading the accounts…"):
        _, plan = read_and_plan(config, sessions_for(config, env.profile))
    items = drift_items(plan, bootstrap_role=config.organization.bootstrap_role, ignore=ignore)
    if as_json:
        print_json(
            env,
            {
                "format_version": 1,
                "accounts": dict(plan.accounts),
                "summary": {what: sum(1 for i in items if i.what == what) for what in KINDS},
                "drift": [i.to_json() for i in items],
            },
        )
    else:
        for line in drift_lines(items):
            env.print(line, markup=False)
        env.print(drift_summary(items))
    return ExitStatus.FOUND if detailed_exitcode and items else ExitStatus.SUCCESS
