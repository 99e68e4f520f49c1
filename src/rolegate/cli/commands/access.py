"""`rolegate snapshot` and `rolegate access`: read everything once, then answer who reaches what, and why."""

from __future__ import annotations

import csv
import difflib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import click
from rich.markup import escape

from rolegate.cli.common import load_config
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.errors import RolegateError
from rolegate.safe_text import csv_cell, visible

ACCESS_FORMAT_VERSION = 1


def _shown(text: str) -> str:
    """A name inside one line of the terminal: rich markup escaped, controls and newlines shown as escapes."""
    return escape(visible(str(text), one_line=True))


COLUMNS = ("principal_name", "principal_account", "account", "role", "reachable", "mfa_required", "via")

snapshot_option = click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read this snapshot (rolegate snapshot -o FILE) instead of the accounts: no AWS call.",
)


def load_snapshot(path: Path) -> Any:
    """The snapshot file, bounded in size and depth and checked field by field before anything uses it."""
    from rolegate import limits
    from rolegate.state.snapshot import Snapshot

    try:
        raw = limits.read_bytes(path, limits.SNAPSHOT_BYTES, "a snapshot")
    except FileNotFoundError:
        raise RolegateError(
            f"{path}: no such snapshot", "make one with `rolegate snapshot -o FILE`"
        ) from None
    data = limits.loads_json(raw, str(path), "a snapshot")
    try:
        return Snapshot.from_json(data)
    except ValueError as exc:  # snapshot_file.SnapshotError
        raise RolegateError(f"{path}: {exc}", "take a new one with `rolegate snapshot -o FILE`") from None


def read_snapshot(env: Env, snapshot_file: Path | None) -> Any:
    """From the file when given (offline), else from every account of rolegate.yaml."""
    if snapshot_file is not None:
        return load_snapshot(snapshot_file)
    from rolegate.runner import read_everything, sessions_for

    config = load_config(env).config
    env.note("[dim]reading every account…[/]")
    return read_everything(config, sessions_for(config, env.profile))


@click.command("snapshot")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help="File.")
@global_options
@click.pass_obj
def snapshot(env: Env, output: Path) -> int:
    """Save everything rolegate reads from every account, as one JSON file (versioned; no secrets).

    `access`, `audit` and `plan` take it with --snapshot FILE and then make no AWS call: gather once, ask
    offline, share it with a reviewer.

    \b
    Examples:
      rolegate snapshot -o org.json
      rolegate access --snapshot org.json --user cobus
    """
    from rolegate.local.atomic import write_atomic

    taken = read_snapshot(env, None)
    write_atomic(output, taken.dumps(), mode=0o600)
    counts = [f"{len(a.users)} users, {len(a.roles)} roles in {name}" for name, a in taken.accounts.items()]
    env.note(f"wrote {escape(str(output))}: " + escape("; ".join(counts)))
    return 0


@click.command("access")
@click.option("--user", "-u", "users", multiple=True, help="Only these principals (user or role names).")
@click.option("--role", "-r", "roles", multiple=True, help="Only these roles (who can reach them).")
@click.option("--account", "-a", "accounts", multiple=True, help="Only roles in these accounts.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "html"]),
    default="table",
    show_default=True,
    help="table for people, json (documented, stable) or csv for tools, html for a page.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--explain", nargs=2, metavar="PRINCIPAL ROLE@ACCOUNT", help="The whole chain for one answer.")
@snapshot_option
@global_options
@click.pass_obj
def access(
    env: Env,
    users: tuple[str, ...],
    roles: tuple[str, ...],
    accounts: tuple[str, ...],
    fmt: str,
    as_json: bool,
    explain: tuple[str, str] | None,
    snapshot_file: Path | None,
) -> int:
    """Who can reach which role in which account, and why — the hub's policies and every trust policy
    together, with and without MFA, roles that assume roles followed to the end.

    \b
    Each answer: reachable (yes, conditional, no), whether MFA is required, the conditions it depends on
    (source IP, ExternalId, … are never guessed), why (policy and Sid on each side), and the roles passed
    through on the way.

    \b
    Examples:
      rolegate access --user cobus
      rolegate access --role administrator --account production
      rolegate access --explain cobus administrator@production
      rolegate access --format html > access.html
      rolegate snapshot -o org.json && rolegate access --snapshot org.json --json
    """
    from rolegate.access.graph import AccessGraph, collector_paused

    taken = read_snapshot(env, snapshot_file)
    graph = AccessGraph(taken)
    if explain:
        return _explain(env, graph, *explain)
    known = {u.name for u in graph.users()}
    missing = [u for u in users if u not in known]
    if missing:
        close = difflib.get_close_matches(missing[0], known, n=3)
        raise RolegateError(
            f"no user {missing[0]!r} in the snapshot",
            f"did you mean {' or '.join(close)}?"
            if close
            else f"users: {', '.join(sorted(known)[:20])}"
            + (f" … ({len(known)} in all)" if len(known) > 20 else ""),
        )
    # A generator: over a whole organization the rows are millions, written as they come.
    rows = (
        row
        for user in graph.users()
        if not users or user.name in users
        for row in graph.reach(user)
        if _wanted(row, roles, accounts)
    )
    with collector_paused():  # the rows are made as they are written: no collection of the graph between
        if as_json or fmt == "json":
            write_access_json(sys.stdout, taken, rows)
        elif fmt == "csv":
            write_access_csv(sys.stdout, rows)
        elif fmt == "html":
            from rolegate.access.page import render_access_html

            sys.stdout.write(render_access_html(taken, list(rows)))
        else:
            _table(env, list(rows))
    return 0


def _wanted(row: Any, roles: tuple[str, ...], accounts: tuple[str, ...]) -> bool:
    return (not roles or row.role in roles) and (
        not accounts or row.account in accounts or row.account_id in accounts
    )


def write_access_json(out: TextIO, taken: Any, rows: Iterable[Any]) -> None:
    """The documented shape (format_version 1, see README, "Who can reach what"), streamed: one row a line,
    so the output of an organization with millions of rows is never held whole."""
    head = {
        "format_version": ACCESS_FORMAT_VERSION,
        "snapshot_taken_at": taken.taken_at,
        "accounts": {name: a.account_id for name, a in taken.accounts.items()},
    }
    out.write(json.dumps(head)[:-1] + ', "access": [')
    for i, row in enumerate(rows):
        out.write(("\n" if i == 0 else ",\n") + json.dumps(row.to_json()))
    out.write("\n]}\n")


def write_access_csv(out: TextIO, rows: Iterable[Any]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["principal", "principal_account", "account", "account_id", "role", "reachable", "mfa_required",
         "conditions", "via", "why"]
    )  # fmt: skip
    # csv quotes separators, quotes and line breaks; csv_cell keeps a spreadsheet from running a name as a
    # formula (a principal or role name from AWS may start with = + - @).
    for r in rows:
        writer.writerow(
            [csv_cell(str(cell)) for cell in
             (r.principal_name, r.principal_account, r.account, r.account_id, r.role, r.reachable,
              str(r.mfa_required).lower(), "; ".join(r.conditions), " > ".join(r.via), "; ".join(r.why))]
        )  # fmt: skip


def _table(env: Env, rows: list[Any]) -> None:
    from rich.table import Table

    if not rows:
        env.print("nobody reaches any role here.")
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for title in ("principal", "account", "role", "reachable", "MFA", "via / conditions"):
        table.add_column(title)
    colour = {"yes": "green", "conditional": "yellow", "no": "dim"}
    for r in rows:
        via = " > ".join(v.rsplit("/", 1)[-1] for v in r.via)
        extra = "; ".join(filter(None, [f"via {via}" if via else "", *r.conditions]))
        table.add_row(
            _shown(f"{r.principal_name} ({r.principal_account})"),
            _shown(f"{r.account} {r.account_id}"),
            _shown(r.role),
            f"[{colour[r.reachable]}]{r.reachable}[/]",
            "required" if r.mfa_required else "[red]not required[/]",
            _shown(extra),
        )
    env.print(table)


def _explain(env: Env, graph: Any, principal_name: str, target: str) -> int:
    role_name, _, account = target.partition("@")
    principal = next((u for u in graph.users() if u.name == principal_name), None)
    if principal is None:
        raise RolegateError(f"no user {principal_name!r} in the snapshot")
    row = next(
        (r for r in graph.reach(principal) if r.role == role_name and account in (r.account, r.account_id)),
        None,
    )
    if row is None:
        env.print(f"{_shown(principal_name)} cannot reach {_shown(target)}: no identity policy allows "
                  "sts:AssumeRole on it together with a trust policy that lets them in.")  # fmt: skip
        return 0
    env.print(f"[bold]{_shown(principal_name)}[/] → [bold]{_shown(row.role)}[/] in "
              f"{_shown(row.account)} {_shown(row.account_id)}: [bold]{row.reachable}[/]"
              + (", MFA required" if row.mfa_required else ", [red]no MFA needed[/]"))  # fmt: skip
    for hop in row.via:
        env.print(f"  via role {_shown(hop)}")
    for reason in row.why:
        env.print(f"  allowed by {_shown(reason)}")
    for condition in row.conditions:
        env.print(f"  [yellow]only if[/] {_shown(condition)}")
    return 0


@click.command("audit")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "sarif"]),
    default="table",
    show_default=True,
    help="table for people, json for tools, sarif for code-scanning dashboards.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--fail-on",
    type=click.Choice(["LOW", "MEDIUM", "HIGH", "CRITICAL"], case_sensitive=False),
    help="Exit 2 when a finding is at this severity or above (for CI).",
)
@click.option(
    "--aws-config-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The local AWS config to check too (default: $AWS_CONFIG_FILE or ~/.aws/config).",
)
@snapshot_option
@global_options
@click.pass_obj
def audit(
    env: Env,
    fmt: str,
    as_json: bool,
    fail_on: str | None,
    aws_config_file: Path | None,
    snapshot_file: Path | None,
) -> int:
    """Security findings across every account: root keys and MFA, users without MFA, roles reachable without
    MFA, open or foreign trust, broad grants, old keys, unusable grants, unreachable roles, users outside the
    hub, a weak password policy, a [default] profile.

    \b
    Each finding has a stable id (rule + account + resource), a severity, and the fix. Exit codes: 0, or 2
    when --fail-on finds something at or above its level; 1 on error.

    \b
    Examples:
      rolegate audit
      rolegate audit --fail-on HIGH                       # in CI
      rolegate audit --format sarif > rolegate.sarif      # for a code-scanning dashboard
      rolegate audit --snapshot org.json --json
    """
    from rolegate.access.audit import at_or_above
    from rolegate.access.audit import audit as run_audit

    taken = read_snapshot(env, snapshot_file)
    extra = _audit_input(env, aws_config_file)
    findings = run_audit(taken, extra)
    if as_json or fmt == "json":
        data = {
            "format_version": 1,
            "snapshot_taken_at": taken.taken_at,
            "findings": [f.to_json() for f in findings],
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif fmt == "sarif":
        from rolegate.access.sarif import to_sarif

        uri = env.config_path.name if env.config_path.exists() else None
        sys.stdout.write(json.dumps(to_sarif(findings, uri), indent=2) + "\n")
    else:
        _findings_table(env, findings)
    if fail_on and at_or_above(findings, fail_on):
        env.note(f"{len(at_or_above(findings, fail_on))} finding(s) at {fail_on.upper()} or above")
        return 2
    return 0


def _audit_input(env: Env, aws_config_file: Path | None) -> Any:
    from rolegate import limits
    from rolegate.access.audit import AuditInput
    from rolegate.creds.awsconfig import aws_config_path

    extra = AuditInput()
    if env.config_path.exists():
        config = load_config(env, quiet=True).config
        extra.hub = config.organization.hub
        from rolegate.access.audit import declared_inline_policies  # owned principals' inline policies

        extra.org, extra.declared_inline = config.organization.name, declared_inline_policies(config)
        if config.organization.password_policy is not None:
            from rolegate.plan.compile import password_policy_params

            wanted = password_policy_params(config.organization.password_policy)
            extra.wanted_password_policy = {
                k: v for k, v in wanted.items() if k != "AllowUsersToChangePassword"
            }
    path = aws_config_file or Path(aws_config_path())
    extra.aws_config_path = str(path)
    try:
        extra.aws_config_text = limits.read_text(path, limits.AWS_FILE_BYTES, "an AWS config file")
    except FileNotFoundError:
        extra.aws_config_text = None
    return extra


def _findings_table(env: Env, findings: list[Any]) -> None:
    if not findings:
        env.print("[green]no findings.[/]")
        return
    colour = {"CRITICAL": "red bold", "HIGH": "red", "MEDIUM": "yellow", "LOW": "dim"}
    for f in findings:
        env.print(
            f"[{colour[f.severity]}]{f.severity:<8}[/] {f.id}  {_shown(f.account)} {_shown(f.account_id)}\n"
            f"         {_shown(f.message)}\n         [dim]fix: {_shown(f.fix)}[/]"
        )
    from rolegate.access.audit import severity_counts

    env.print(severity_counts(findings) + ".")
