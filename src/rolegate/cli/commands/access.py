"""`rolegate snapshot` and `rolegate access`: read everything once, then answer who reaches what, and why."""

from __future__ import annotations

import csv
import difflib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click
from rich.markup import escape

from rolegate.cli.common import load_config
from rolegate.cli.completion import (
    complete_account,
    complete_asker,
    complete_principal,
    complete_role,
    complete_role_at,
)
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.errors import ExitStatus, RolegateError
from rolegate.safe_text import csv_cell, visible
from rolegate.state.snapshot_file import load_snapshot
from rolegate.words import plural

if TYPE_CHECKING:  # the access package is imported only when a command needs it (lazily, below)
    from rolegate.access.audit import AuditInput, Finding
    from rolegate.access.decide import Decision
    from rolegate.access.escalation import Escalation, Escalations
    from rolegate.access.graph import AccessGraph, Principal
    from rolegate.access.reach import AccessRow
    from rolegate.model.load import Loaded
    from rolegate.state.snapshot import Snapshot


ACCESS_FORMAT_VERSION = 1


def _shown(text: str) -> str:
    """A name inside one line of the terminal: rich markup escaped, controls and newlines shown as escapes."""
    return escape(visible(str(text), one_line=True))


def _named(text: str) -> str:
    """A name inside an error message (main escapes the markup): controls and newlines shown as escapes."""
    return visible(str(text), one_line=True)


COLUMNS = ("principal_name", "principal_account", "account", "role", "reachable", "mfa_required", "via")

snapshot_option = click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read this snapshot (rolegate snapshot -o FILE) instead of the accounts: no AWS call.",
)


def read_snapshot(env: Env, snapshot_file: Path | None) -> Snapshot:
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
    from rolegate.atomic import write_atomic

    taken = read_snapshot(env, None)
    write_atomic(output, taken.dumps(), mode=0o600)
    counts = [
        f"{plural(len(a.users), 'user')}, {plural(len(a.roles), 'role')} in {name}"
        for name, a in taken.accounts.items()
    ]
    env.note(f"wrote {escape(str(output))}: " + escape("; ".join(counts)))
    return ExitStatus.SUCCESS


@click.group("access", invoke_without_command=True, context_settings={"max_content_width": 100})
@click.option(
    "--user",
    "-u",
    "users",
    multiple=True,
    shell_complete=complete_principal,
    help="Only these principals (user or role names).",
)
@click.option(
    "--role",
    "-r",
    "roles",
    multiple=True,
    shell_complete=complete_role,
    help="Only these roles (who can reach them).",
)
@click.option(
    "--account",
    "-a",
    "accounts",
    multiple=True,
    shell_complete=complete_account,
    help="Only roles in these accounts.",
)
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
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="The table shows the roles an explicit Deny refuses too (json and csv always have them).",
)
@click.option(
    "--escalation/--no-escalation",
    default=True,
    show_default=True,
    help="Also the roles a principal reaches only by first changing its own access (iam:AddUserToGroup, "
    "iam:Put*Policy, iam:PassRole, …): each such row has `via` the steps and reachable by escalation.",
)
@snapshot_option
@global_options
@click.pass_context
def access(
    ctx: click.Context,
    users: tuple[str, ...],
    roles: tuple[str, ...],
    accounts: tuple[str, ...],
    fmt: str,
    as_json: bool,
    explain: tuple[str, str] | None,
    show_all: bool,
    escalation: bool,
    snapshot_file: Path | None,
) -> int:
    """Who can reach which role in which account, and why — the hub's policies and every trust policy
    together, with and without MFA, roles that assume roles followed to the end.

    \b
    Each answer: reachable (yes, conditional, or denied: an explicit Deny refuses a role that the policies
    would otherwise let one assume), whether MFA is required, the conditions it depends on (source IP,
    ExternalId, … are never guessed), why (policy and Sid on each side, or the Deny), and the roles passed
    through on the way. --json gives both answers of each row apart: with_mfa and without_mfa, and when
    each role was last used. The table counts the denied rows and shows them with --all.

    \b
    Escalation: a principal that may add itself to a group, put or attach a policy on itself, write a new
    version of its policy, take over another user's password or keys, rewrite a role's trust, or pass a role
    to a compute service it can run, reaches what that gives it. Those roles are rows too, with
    `escalation: true` in --json and the steps in `via` ("iam:AddUserToGroup on group admins", …).

    \b
    Examples:
      rolegate access --user cobus
      rolegate access --role administrator --account production
      rolegate access --explain cobus administrator@production
      rolegate access --format html > access.html
      rolegate snapshot -o org.json && rolegate access --snapshot org.json --json

    \b
    One request, any action, with every statement that decides it (exit 0 allow, 1 deny, 2 conditional):
      rolegate access check --principal cobus --action sts:AssumeRole --resource administrator@production
    """
    if ctx.invoked_subcommand is not None:
        return ExitStatus.SUCCESS  # `access check …`: the subcommand answers
    env: Env = ctx.obj
    from rolegate.access.graph import AccessGraph, collector_paused

    taken = read_snapshot(env, snapshot_file)
    graph = AccessGraph(taken)
    if explain:
        return _explain(env, graph, *explain)
    _check_users(graph, users)
    rows = _rows(graph, users, roles, accounts, escalations(graph) if escalation else None)
    with collector_paused():  # the rows are made as they are written: no collection of the graph between
        _write_rows(env, "json" if as_json else fmt, taken, rows, show_all)
    return ExitStatus.SUCCESS


def _rows(
    graph: AccessGraph,
    users: tuple[str, ...],
    roles: tuple[str, ...],
    accounts: tuple[str, ...],
    search: Escalations | None,
) -> Iterator[AccessRow]:
    """A generator: over a whole organization the rows are millions, written as they come."""
    for user in graph.users():
        if not users or user.name in users:
            yield from (row for row in rows_of(graph, user, search) if _wanted(row, roles, accounts))


def _check_users(graph: AccessGraph, users: tuple[str, ...]) -> None:
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


def _write_rows(env: Env, fmt: str, taken: Snapshot, rows: Iterable[AccessRow], show_all: bool) -> None:
    if fmt == "json":
        write_access_json(env.stdout, taken, rows)
    elif fmt == "csv":
        write_access_csv(env.stdout, rows)
    elif fmt == "html":
        from rolegate.access.page import render_access_html

        # Every row, a refused role too (the page filters on "denied"), read as they come.
        env.write(render_access_html(taken, rows))
    else:
        _table(env, list(rows), show_all)


def escalations(graph: AccessGraph) -> Escalations:
    """The graph's escalation search: made once per command and shared by every principal's rows (it
    memoizes what principals alike share)."""
    from rolegate.access.escalation import Escalations

    return Escalations(graph)


def rows_of(graph: AccessGraph, principal: Principal, search: Escalations | None) -> Iterable[AccessRow]:
    """A principal's rows: what it reaches (and what a Deny refuses), then what it reaches by escalation."""
    yield from graph.reach(principal, denied=True)
    if search is not None:
        for found in search.reach(principal):
            yield EscalationRow.of(found, principal)


@dataclass(frozen=True)
class EscalationRow:
    """An escalation as a row of `access`: the columns of a reach row, reachable as the steps allow it, `via`
    the steps, and MFA left open (None): the steps are judged with an MFA session, the strongest context a
    principal can have, so whether the path needs one is not told apart."""

    principal: str
    principal_name: str
    principal_kind: str
    principal_account: str
    found: Escalation
    mfa_required: None = None
    escalation: bool = True

    @staticmethod
    def of(found: Escalation, principal: Principal) -> EscalationRow:
        p = principal
        return EscalationRow(p.arn, p.name, p.kind, p.account, found)

    @property
    def account(self) -> str:
        return self.found.account

    @property
    def account_id(self) -> str:
        return self.found.account_id

    @property
    def role(self) -> str:
        return self.found.role

    @property
    def role_arn(self) -> str:
        return self.found.role_arn

    @property
    def reachable(self) -> str:
        return self.found.reachable

    @property
    def via(self) -> list[str]:
        return list(self.found.via)

    @property
    def conditions(self) -> list[str]:
        decision = self.found.decision  # conditional: the conditions it hangs on, as its to_json() says them
        return [str(c) for c in decision] if isinstance(decision, tuple) else []

    @property
    def why(self) -> list[str]:
        return ["by escalation: " + " > ".join(self.found.via)]

    def to_json(self) -> dict[str, object]:
        return {
            **self.found.to_json(),
            "principal_name": self.principal_name,
            "principal_kind": self.principal_kind,
            "principal_account": self.principal_account,
            "mfa_required": None,
            "why": self.why,
        }


def _wanted(row: AccessRow, roles: tuple[str, ...], accounts: tuple[str, ...]) -> bool:
    return (not roles or row.role in roles) and (
        not accounts or row.account in accounts or row.account_id in accounts
    )


def write_access_json(out: TextIO, taken: Snapshot, rows: Iterable[AccessRow]) -> None:
    """The documented shape (format_version 1, see README, "Who can reach what"), streamed: one row a line,
    so the output of an organization with millions of rows is never held whole."""
    head = {
        "format_version": ACCESS_FORMAT_VERSION,
        "snapshot_taken_at": taken.taken_at,
        "accounts": {name: a.account_id for name, a in taken.accounts.items()},
        # Each user's active access keys, when each was last used ("" never; key 1 first, never the key id):
        # with each row's role_last_used, what an access review of unused access starts from.
        "access_keys_last_used": {
            user.arn: user.access_keys_last_used
            for account in taken.accounts.values()
            for user in account.users.values()
            if user.access_keys_last_used
        },
    }
    out.write(json.dumps(head)[:-1] + ', "access": [')
    for i, row in enumerate(rows):
        out.write(("\n" if i == 0 else ",\n") + json.dumps(row.to_json()))
    out.write("\n]}\n")


def write_access_csv(out: TextIO, rows: Iterable[AccessRow]) -> None:
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
              "" if r.mfa_required is None else str(r.mfa_required).lower(), "; ".join(r.conditions),
              " > ".join(r.via), "; ".join(r.why))]
        )  # fmt: skip


def _table(env: Env, rows: list[AccessRow], show_all: bool = False) -> None:
    from rich.table import Table

    denied = sum(1 for r in rows if r.reachable == "denied")
    if not show_all:
        rows = [r for r in rows if r.reachable != "denied"]
    hidden = f"[dim]{denied} more refused by an explicit Deny (rolegate access --all shows them).[/]"
    if not rows:
        env.print("nobody reaches any role here.")
        if denied and not show_all:
            env.print(hidden)
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for title in ("principal", "account", "role", "reachable", "MFA", "via / conditions"):
        table.add_column(title)
    colour = {"yes": "green", "conditional": "yellow", "no": "dim", "denied": "red"}
    for r in rows:
        via = " > ".join(v.rsplit("/", 1)[-1] for v in r.via)
        extra = "; ".join(filter(None, [f"via {via}" if via else "", *r.conditions]))
        mfa = "-" if r.mfa_required is None else "required" if r.mfa_required else "[red]not required[/]"
        if r.reachable == "denied":
            extra, mfa = "denied by " + "; ".join(r.why), "-"
        shown = "by escalation" if getattr(r, "escalation", False) else r.reachable
        table.add_row(
            _shown(f"{r.principal_name} ({r.principal_account})"),
            _shown(f"{r.account} {r.account_id}"),
            _shown(r.role),
            f"[{colour[r.reachable]}]{shown}[/]",
            mfa,
            _shown(extra),
        )
    env.print(table)
    if denied and not show_all:  # under the table, where the eye ends
        env.print(hidden)


def _explain(env: Env, graph: AccessGraph, principal_name: str, target: str) -> int:
    role_name, _, account = target.partition("@")
    principal = next((u for u in graph.users() if u.name == principal_name), None)
    if principal is None:
        raise RolegateError(f"no user {principal_name!r} in the snapshot")
    row = next(
        (
            r
            for r in graph.reach(principal, denied=True)
            if r.role == role_name and account in (r.account, r.account_id)
        ),
        None,
    )
    if row is None:
        escalated = next(
            (
                e
                for e in escalations(graph).reach(principal)
                if e.role == role_name and account in (e.account, e.account_id)
            ),
            None,
        )
        if escalated is not None:
            where = f"{_shown(escalated.account)} {_shown(escalated.account_id)}"
            env.print(f"[bold]{_shown(principal_name)}[/] → [bold]{_shown(escalated.role)}[/] in {where}: "
                      f"[red bold]by escalation[/] ({escalated.reachable}): no policy lets them in as they "
                      "are, but they may change their own access first")  # fmt: skip
            for n, hop in enumerate(escalated.via, 1):
                env.print(f"  {n}. {_shown(hop)}")
            return ExitStatus.SUCCESS
        env.print(f"{_shown(principal_name)} cannot reach {_shown(target)}: no identity policy allows "
                  "sts:AssumeRole on it together with a trust policy that lets them in.")  # fmt: skip
        return ExitStatus.SUCCESS
    if row.reachable == "denied":
        env.print(f"[bold]{_shown(principal_name)}[/] → [bold]{_shown(row.role)}[/] in "
                  f"{_shown(row.account)} {_shown(row.account_id)}: [red bold]denied[/]: the policies would "
                  "let them in, but an explicit Deny overrides every Allow")  # fmt: skip
        for reason in row.why:
            env.print(f"  denied by {_shown(reason)}")
        return ExitStatus.SUCCESS
    env.print(f"[bold]{_shown(principal_name)}[/] → [bold]{_shown(row.role)}[/] in "
              f"{_shown(row.account)} {_shown(row.account_id)}: [bold]{row.reachable}[/]"
              + (", MFA required" if row.mfa_required else ", [red]no MFA needed[/]"))  # fmt: skip
    for hop in row.via:
        env.print(f"  via role {_shown(hop)}")
    for reason in row.why:
        env.print(f"  allowed by {_shown(reason)}")
    for condition in row.conditions:
        env.print(f"  [yellow]only if[/] {_shown(condition)}")
    return ExitStatus.SUCCESS


CHECK_EXIT = {
    "allow": ExitStatus.SUCCESS,
    "explicit_deny": ExitStatus.ERROR,
    "implicit_deny": ExitStatus.ERROR,
    "conditional": ExitStatus.FOUND,
}
_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+")
_CONTEXT_KEY = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9_./:*-]+")


@access.command("check")
@click.option(
    "--principal",
    "-p",
    metavar="ARN|USER",
    shell_complete=complete_asker,
    help="Who asks: a user or role ARN (a role session's too), a user name, or a role as name@account.",
)
@click.option("--action", metavar="SERVICE:ACTION", help="What is asked, e.g. sts:AssumeRole, s3:GetObject.")
@click.option(
    "--resource",
    metavar="ARN|ROLE@ACCOUNT",
    shell_complete=complete_role_at,
    help="On what: an ARN, or a role as name@account (name or id).",
)
@click.option(
    "--context",
    "contexts",
    multiple=True,
    metavar="KEY=VALUE",
    help="A condition key of the request (repeat; a key given twice is multi-valued).",
)
@click.option(
    "--absent", "absent", multiple=True, metavar="KEY", help="A key the request does not carry (repeat)."
)
@click.option(
    "--mfa/--no-mfa",
    default=None,
    help="An MFA session (aws:MultiFactorAuthPresent true), or long-term keys (both MFA keys absent). "
    "Neither: MFA is unknown, and an answer that hangs on it is conditional.",
)
@click.option("--json", "as_json", is_flag=True, help="The decision as JSON (format_version 1).")
@snapshot_option
@global_options
@click.pass_context
def check(
    ctx: click.Context,
    principal: str | None,
    action: str | None,
    resource: str | None,
    contexts: tuple[str, ...],
    absent: tuple[str, ...],
    mfa: bool | None,
    as_json: bool,
    snapshot_file: Path | None,
) -> int:
    """May this principal make this request? IAM's answer, with every statement that decides it, layer by
    layer: identity policies, permissions boundary, each SCP level, RCPs, the resource's policy.

    \b
    Exit codes, so it can gate CI: 0 allow, 1 deny (explicit or implicit; also any error), 2 conditional
    (the answer hangs on a key the request does not give: add it with --context).

    \b
    Examples:
      rolegate access check -p cobus --action sts:AssumeRole --resource administrator@production --mfa
      rolegate access check -p arn:aws:iam::123456789012:user/ci --action sts:AssumeRole \\
          --resource deployer@staging --context aws:SourceIp=203.0.113.7 --no-mfa
      rolegate access check -p cobus --action s3:GetObject --resource 'arn:aws:s3:::logs/a.txt' --json
      rolegate access check --snapshot org.json -p vendor-role@production --action sts:AssumeRole \\
          --resource read_only@production --context sts:ExternalId=abc123
    """
    env: Env = ctx.obj
    # Checked here, not by click: a usage error would exit 2, which means "conditional" for this command.
    if not principal or not action or not resource:
        asked = (("--principal", principal), ("--action", action), ("--resource", resource))
        missing = ", ".join(name for name, value in asked if not value)
        raise RolegateError(f"access check needs {missing}", "see `rolegate access check --help`")
    if not _ACTION.fullmatch(action):
        raise RolegateError(
            f"--action '{_named(action)}' is not an IAM action",
            "write it service:Action, e.g. sts:AssumeRole or s3:GetObject",
        )
    given = _check_context(contexts, absent, mfa)
    if snapshot_file is None and ctx.parent is not None:  # `access --snapshot F check …` reads it too
        snapshot_file = ctx.parent.params.get("snapshot_file")
    from rolegate.access.decide import decide
    from rolegate.access.graph import AccessGraph

    graph = AccessGraph(read_snapshot(env, snapshot_file))
    principal_arn = _principal_arn(graph, principal)
    resource_arn = _resource_arn(graph, resource)
    decision = decide(graph, principal_arn, action, resource_arn, given)
    if as_json:
        env.write(json.dumps({"format_version": 1, **decision.to_json()}, indent=2) + "\n")
    else:
        for line in decision_lines(decision):
            env.print(line)
    return CHECK_EXIT[decision.effect]


def _check_context(
    contexts: tuple[str, ...], absent: tuple[str, ...], mfa: bool | None
) -> dict[str, str | list[str] | None]:
    """--context KEY=VALUE (a key twice: multi-valued), --absent KEY, --mfa/--no-mfa: decide's context."""
    given: dict[str, str | list[str] | None] = {}
    if mfa is True:
        given.update({"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"})
    elif mfa is False:  # long-term keys: IAM leaves both keys out of the request
        given.update({"aws:MultiFactorAuthPresent": None, "aws:MultiFactorAuthAge": None})
    seen: dict[str, list[str]] = {}
    for item in contexts:
        key, sep, value = item.partition("=")
        if not sep or not _CONTEXT_KEY.fullmatch(key):
            raise RolegateError(
                f"--context '{_named(item)}' is not KEY=VALUE with an IAM condition key",
                "e.g. --context aws:SourceIp=203.0.113.7 --context aws:PrincipalTag/team=ops",
            )
        seen.setdefault(key, []).append(value)
    for key, values in seen.items():
        given[key] = values[0] if len(values) == 1 else values
    for key in absent:
        if not _CONTEXT_KEY.fullmatch(key):
            raise RolegateError(
                f"--absent '{_named(key)}' is not an IAM condition key", "e.g. --absent sts:ExternalId"
            )
        if key in seen:
            raise RolegateError(f"{_named(key)} is both given (--context) and absent (--absent)")
        given[key] = None
    return given


def _principal_arn(graph: AccessGraph, principal: str) -> str:
    """An ARN as given; a user name (or role@account) looked up in the snapshot."""
    if principal.startswith("arn:"):
        if not _ARN.fullmatch(principal):
            raise RolegateError(
                f"--principal '{_named(principal)}' is not an ARN", "arn:aws:iam::<id>:user/<name>"
            )
        known = {u.arn for u in graph.users()} | set(graph.roles)
        session = principal.startswith("arn:aws:sts::") and ":assumed-role/" in principal
        if principal not in known and not session:
            raise RolegateError(
                f"no user or role {_named(principal)} in the snapshot", _users_hint(graph, "")
            )
        return principal
    if "@" in principal:
        return _role_arn(graph, principal, "--principal")
    found = [u for u in graph.users() if u.name == principal]
    if not found:
        raise RolegateError(f"no user '{_named(principal)}' in the snapshot", _users_hint(graph, principal))
    if len(found) > 1:
        where = ", ".join(_named(u.account) for u in found)
        hint = "give the ARN with --principal"
        raise RolegateError(f"user '{_named(principal)}' is in several accounts ({where})", hint)
    return str(found[0].arn)


def _users_hint(graph: AccessGraph, name: str) -> str:
    known = sorted({u.name for u in graph.users()})
    close = difflib.get_close_matches(name, known, n=3) if name else []
    if close:
        return f"did you mean {' or '.join(close)}?"
    return f"users: {', '.join(known[:20])}" + (f" … ({len(known)} in all)" if len(known) > 20 else "")


_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:.+")


def _resource_arn(graph: AccessGraph, resource: str) -> str:
    if resource == "*" or resource.startswith("arn:"):
        if resource != "*" and not _ARN.fullmatch(resource):
            raise RolegateError(
                f"--resource '{_named(resource)}' is not an ARN",
                "arn:partition:service:region:account:resource, or ROLE@ACCOUNT for a role",
            )
        return resource
    if "@" in resource:
        return _role_arn(graph, resource, "--resource")
    raise RolegateError(
        f"--resource '{_named(resource)}' is neither an ARN nor ROLE@ACCOUNT",
        "e.g. --resource administrator@production or --resource arn:aws:s3:::bucket/key",
    )


def _role_arn(graph: AccessGraph, target: str, option: str) -> str:
    name, _, account = target.partition("@")
    arns = [
        arn
        for arn, (acct, role) in graph.roles.items()
        if role.name == name and account in (acct.name, acct.account_id)
    ]
    if not arns:
        accounts = {acct.name for acct, _ in graph.roles.values()}
        hint = (
            f"accounts: {', '.join(sorted(accounts))}"
            if account not in accounts and not any(a.account_id == account for a, _ in graph.roles.values())
            else f"roles in {account}: "
            + ", ".join(
                sorted(r.name for a, r in graph.roles.values() if account in (a.name, a.account_id))[:20]
            )
        )
        raise RolegateError(f"{option}: no role '{_named(name)}' in account '{_named(account)}'", hint)
    return str(arns[0])


_SAID = {"allow": "green", "deny": "red", "implicit deny": "yellow", "conditional": "yellow", "absent": "dim"}
_EFFECT = {
    "allow": "[green bold]ALLOW[/]",
    "explicit_deny": "[red bold]DENY[/] (explicit)",
    "implicit_deny": "[red bold]DENY[/] (implicit: nothing allows it)",
    "conditional": "[yellow bold]CONDITIONAL[/]",
}


def decision_lines(decision: Decision) -> list[str]:
    """The decision for people: the answer, why, the conditions, then each layer and its statements."""
    lines = [
        f"{_EFFECT[decision.effect]}  {_shown(decision.principal)} → {_shown(decision.action)} on "
        f"{_shown(decision.resource)}",
        f"  {_shown(decision.reason)}",
    ]
    lines += [f"  [yellow]only if[/] {_shown(c)}" for c in decision.conditions]
    lines.append("  layers:")
    for layer in decision.layers:
        colour = _SAID.get(layer.said, "dim")
        note = f"  [dim]{_shown(layer.note)}[/]" if layer.note else ""
        lines.append(
            f"    {_shown(layer.layer):<20} [{colour}]{_shown(layer.said):<13}[/] {_shown(layer.scope)}{note}"
        )
        for cited in layer.statements:
            extra = f"  only if {_shown('; '.join(cited.conditions))}" if cited.conditions else ""
            lines.append(f"        {cited.effect:<5} {_shown(cited.label())}{extra}")
        said = {c for cited in layer.statements for c in cited.conditions}  # not twice
        lines += [f"        [yellow]only if[/] {_shown(c)}" for c in layer.conditions if c not in said]
    return lines


@click.command("audit")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "sarif", "html"]),
    default="table",
    show_default=True,
    help="table for people, json for tools, sarif for code-scanning dashboards, html for a report page.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the json, sarif or html to this file (mode 0600) instead of standard output.",
)
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
@click.option(
    "--unused-days",
    type=click.IntRange(1, 3650),
    default=90,
    show_default=True,
    help="A role or access key not used for this many days is unused access (RG031, RG032).",
)
@snapshot_option
@global_options
@click.pass_obj
def audit(
    env: Env,
    fmt: str,
    as_json: bool,
    output: Path | None,
    fail_on: str | None,
    aws_config_file: Path | None,
    unused_days: int,
    snapshot_file: Path | None,
) -> int:
    """Security findings across every account: root keys and MFA, users without MFA, roles reachable without
    MFA, open or foreign trust, broad grants, old keys, unusable grants, unreachable roles, users outside the
    hub, a weak password policy, a [default] profile; principals that can escalate to an admin role (RG030),
    roles and access keys unused for --unused-days (RG031, RG032).

    \b
    Each finding has a stable id (rule + account + resource), a severity, the fix and the commands that fix
    it; sarif and html say where rolegate.yaml declares what it is about (file:line:column). Exit codes: 0,
    or 2 when --fail-on finds something at or above its level; 1 on error.

    \b
    Examples:
      rolegate audit
      rolegate audit --fail-on HIGH                       # in CI
      rolegate audit --format sarif -o rolegate.sarif     # for a code-scanning dashboard
      rolegate audit --format html -o audit.html          # a report page: filter, group, copy the fixes
      rolegate audit --snapshot org.json --json
      rolegate audit --unused-days 30                     # unused access after a month
    """
    from rolegate.access.audit import at_or_above
    from rolegate.access.audit import audit as run_audit

    fmt = "json" if as_json else fmt
    if output is not None and fmt == "table":
        raise click.UsageError("-o writes json, sarif or html: add --format json, sarif or html")
    taken = read_snapshot(env, snapshot_file)
    loaded = load_config(env, quiet=True) if env.config_path.exists() else None
    extra = _audit_input(env, aws_config_file, loaded)
    extra.unused_days = unused_days
    findings = run_audit(taken, extra)
    if fmt == "table":
        _findings_table(env, findings)
    else:
        _write_findings(env, output, _audit_document(env, fmt, taken, findings, loaded))
    if fail_on and at_or_above(findings, fail_on):
        env.note(f"{len(at_or_above(findings, fail_on))} finding(s) at {fail_on.upper()} or above")
        return ExitStatus.FOUND
    return ExitStatus.SUCCESS


def _audit_document(
    env: Env, fmt: str, taken: Snapshot, findings: list[Finding], loaded: Loaded | None
) -> str:
    """The findings as json, sarif or the html report; sarif and html point into rolegate.yaml when read."""
    name = _config_uri(env.config_path)
    if fmt == "sarif":
        from rolegate.access.sarif import to_sarif

        return json.dumps(to_sarif(findings, name if loaded else None, loaded), indent=2) + "\n"
    if fmt == "html":
        from rolegate.access.report import render_audit_html

        return render_audit_html(findings, taken_at=taken.taken_at, loaded=loaded, config_name=name)
    data = {
        "format_version": 1,
        "snapshot_taken_at": taken.taken_at,
        "findings": [f.to_json() for f in findings],
    }
    return json.dumps(data, indent=2) + "\n"


def _config_uri(path: Path) -> str:
    """rolegate.yaml as a dashboard names it: relative, as given (a repository's dashboards take that)."""
    return path.as_posix() if not path.is_absolute() else path.name


def _write_findings(env: Env, output: Path | None, text: str) -> None:
    if output is None:
        env.write(text)
        return
    from rolegate.atomic import write_atomic

    write_atomic(output, text, mode=0o600)  # account ids, ARNs and who lacks MFA: for the reviewer only
    env.note(f"wrote {escape(str(output))}")


def _audit_input(env: Env, aws_config_file: Path | None, loaded: Loaded | None) -> AuditInput:
    from rolegate import limits
    from rolegate.access.audit import AuditInput
    from rolegate.creds.awsconfig import aws_config_path

    extra = AuditInput()
    if loaded is not None:
        config = loaded.config
        extra.hub, extra.bootstrap_role = config.organization.hub, config.organization.bootstrap_role
        extra.root_access = config.organization.root_access  # RG034 looks only when centralized
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


def _findings_table(env: Env, findings: list[Finding]) -> None:
    if not findings:
        env.print("[green]no findings.[/]")
        return
    colour = {"CRITICAL": "red bold", "HIGH": "red", "MEDIUM": "yellow", "LOW": "dim"}
    for f in findings:
        env.print(
            f"[{colour[f.severity]}]{f.severity:<8}[/] {f.id}  {_shown(f.account)} {_shown(f.account_id)}\n"
            f"         {_shown(f.message)}\n         [dim]fix: {_shown(f.fix)}[/]"
            + "".join(f"\n         [dim]$[/] {_shown(line)}" for line in f.commands)
        )
    from rolegate.access.audit import severity_counts

    env.print(severity_counts(findings) + ".")
