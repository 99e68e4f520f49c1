"""How people see rolegate: plans like Terraform's, errors like a compiler's. Colours only on a terminal."""

from __future__ import annotations

from collections.abc import Iterable

from rich.markup import escape

from rolegate.errors import Diagnostic
from rolegate.plan.apply import AccountResult, ApplyResult
from rolegate.plan.changes import Change, Plan
from rolegate.plan.kinds import RECONCILED
from rolegate.plan.organization import KINDS as ORGANIZATION_KINDS
from rolegate.safe_text import visible
from rolegate.words import plural

SIGN = {"create": "+", "update": "~", "delete": "-", "adopt": "="}  # adopt: hand-made, becomes rolegate's
STYLE = {"create": "green", "update": "yellow", "delete": "red", "adopt": "cyan"}
# The unmanaged list names kinds in the plural; a count says "1 role", "3 roles".
KIND_PLURAL = {kind.plural: kind.name for kind in (*RECONCILED, *ORGANIZATION_KINDS)}


def shown(text: str) -> str:
    """Text inside one line of output (a name, a message): escaped for rich's markup, and every control or
    invisible character shown as its escape, newlines too, so a name from AWS cannot break or rewrite the
    line. The console escapes controls again (cli/console.py); doing it here as well keeps a newline in a
    name from starting a line of its own."""
    return escape(visible(text, one_line=True))


def diagnostics(items: Iterable[Diagnostic]) -> list[str]:
    """file:line:col: field: message, the offending line with a caret under the spot, then the hint."""
    lines = []
    for d in items:
        style = "red" if d.severity == "error" else "yellow"
        word = "" if d.severity == "error" else "warning: "
        lines.append(f"[bold]{shown(d.location())}[/]: [{style}]{word}{shown(d.path)}[/]: {shown(d.message)}")
        if d.source is not None and d.column is not None:
            lines.append(f"    {shown(d.source)}")
            lines.append("    " + " " * (d.column - 1) + f"[{style}]" + "^" * max(1, d.width) + "[/]")
        if d.hint:
            lines.append(f"  [dim]{shown(d.hint)}[/]")
    return lines


def change_line(change: Change, *, with_account: bool = False) -> str:
    sign = SIGN[change.action]
    where = f"{shown(change.account)}: " if with_account else ""
    text = f"[{STYLE[change.action]}]{sign} {change.kind} {shown(change.name)}[/]"
    if change.summary:
        text += f"  [dim]({shown(change.summary)})[/]"
    return where + text


def _detail(line: str) -> str:
    body = shown(line)
    if line.lstrip().startswith("+ "):
        return f"[green]{body}[/]"
    if line.lstrip().startswith("- "):
        return f"[red]{body}[/]"
    return body


def plan_lines(plan: Plan, *, verbose: bool = False) -> list[str]:
    lines: list[str] = []
    quiet_unmanaged: list[dict[str, list[str]]] = []
    by_account: dict[str, list[Change]] = {}
    for change in plan.ordered():
        by_account.setdefault(change.account, []).append(change)
    for account, account_id in plan.accounts.items():
        changes = by_account.get(account, [])
        conflicts = [c for c in plan.conflicts if c.account == account]
        unmanaged = plan.unmanaged.get(account, {})
        locked = plan.locked.get(account, [])
        if not (changes or conflicts or locked or (unmanaged and verbose)):
            quiet_unmanaged.append(unmanaged)  # counted once at the end: a no-op plan stays short
            continue
        lines.append(f"[bold]{shown(account)}[/] [dim]{shown(account_id)}[/]")
        lines.extend(f"  [red bold]⚠ {shown(lock)}[/]" for lock in locked)
        for change in changes:
            lines.append("  " + change_line(change))
            lines.extend("      " + _detail(d) for d in change.details)
        for conflict in conflicts:
            lines.append(
                f"  [red bold]! {conflict.kind} {shown(conflict.name)}[/]: {shown(conflict.message)}"
            )
            lines.append(f"      [dim]{shown(conflict.hint)}[/]")
        if unmanaged:
            counts = ", ".join(plural(len(names), KIND_PLURAL[kind]) for kind, names in unmanaged.items())
            if verbose:
                lines.append(f"  [dim]unmanaged, left alone: {counts}[/]")
                for kind, names in unmanaged.items():
                    lines.append(f"    [dim]{KIND_PLURAL[kind]}: {shown(', '.join(names))}[/]")
            else:
                lines.append(f"  [dim]unmanaged, left alone: {counts} (rolegate plan -v lists them)[/]")
    totals: dict[str, int] = {}
    for unmanaged in quiet_unmanaged:
        for kind, names in unmanaged.items():
            totals[kind] = totals.get(kind, 0) + len(names)
    if totals:
        counts = ", ".join(plural(n, KIND_PLURAL[kind]) for kind, n in totals.items())
        where = "elsewhere" if lines else f"in {plural(len([u for u in quiet_unmanaged if u]), 'account')}"
        lines.append(f"[dim]unmanaged, left alone {where}: {counts} (rolegate plan -v lists them)[/]")
    return lines


def plan_summary(plan: Plan) -> str:
    n = plan.counts()
    if plan.conflicts:
        return (
            f"[red bold]{plural(len(plan.conflicts), 'conflict')}[/]: apply would stop before touching "
            "anything; resolve them first."
        )
    if plan.empty and plan.unreadable:
        return (
            f"[yellow]No changes in the accounts read[/]; {plural(len(plan.unreadable), 'account')} "
            "could not be read (above)."
        )
    if plan.empty:
        return "[green]No changes.[/] The accounts match rolegate.yaml."
    adopt = f"{n['adopt']} to adopt, " if n.get("adopt") else ""
    return f"[bold]Plan:[/] {n['create']} to create, {adopt}{n['update']} to change, {n['delete']} to delete."


def unreadable_lines(plan: Plan) -> list[str]:
    """Accounts that could not be read: named, with what to do; nothing was planned there."""
    lines = []
    for name, what in plan.unreadable.items():
        lines.append(f"[red]✗[/] {shown(name)} {shown(what['account_id'])}: not read, nothing planned there")
        lines.append(f"    {shown(what['error'])}")
        if what.get("hint"):
            lines.append(f"    [dim]hint: {shown(what['hint'])}[/]")
    return lines


def apply_result_lines(result: ApplyResult, seconds: float) -> list[str]:
    if result.ok:
        return [
            f"[green bold]Applied {plural(len(result.done), 'change')}[/] ({plural(result.calls, 'call')}) "
            f"in {seconds:.1f} s."
        ]
    failures = result.failures
    if not failures and result.failed is not None:  # a result made by hand, without accounts
        first = result.failed
        failures = [
            AccountResult(
                first.account,
                first.account_id,
                done=result.done,
                failed=first,
                error=result.error,
                not_done=result.not_done,
            )
        ]
    lines = []
    if len(failures) > 1 or len(result.accounts) > 1:
        finished = len(result.accounts) - len(failures)
        lines.append(
            f"[red bold]Apply stopped in {plural(len(failures), 'account')}[/]; "
            f"{plural(finished, 'other')} finished ({plural(len(result.done), 'change')} applied in all)."
        )
    for failure in failures:
        lines += _stopped_lines(failure)
    lines.append(
        "[dim]Fix the cause and run `rolegate apply` again: the plan starts from what is there now.[/]"
    )
    return lines


def _stopped_lines(failure: AccountResult) -> list[str]:
    if failure.failed is None:
        lines = [f"[yellow bold]Interrupted[/] in {shown(failure.account)} ({shown(failure.account_id)})"]
    else:
        lines = [f"[red bold]Apply stopped[/] at {shown(failure.error or '')}"]
    if failure.hint:
        lines.append(f"  [dim]hint: {shown(failure.hint)}[/]")
    lines.append(f"  done:     {len(failure.done)}")
    for change in failure.done:
        lines.append("    " + change_line(change, with_account=True))
    lines.append(f"  not done: {len(failure.not_done) + (failure.failed is not None)}")
    if failure.failed is not None:
        lines.append("    " + change_line(failure.failed, with_account=True) + "  [red]← failed here[/]")
    for change in failure.not_done:
        lines.append("    " + change_line(change, with_account=True))
    return lines
