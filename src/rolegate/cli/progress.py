"""Progress of reads and applies across many accounts: bars on a terminal, quiet lines otherwise.

On a terminal (stderr), one bar for the whole run and one per account in flight; an account's bar gives way
to a line when it finishes. Otherwise one line per account when it finishes, on stderr, or with --json one
JSON object per line, so that CI logs stay short and machines can follow along.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.status import Status

from rolegate.aws.session import set_prompt_guard
from rolegate.cli.common import JSONValue
from rolegate.cli.env import Env
from rolegate.plan.apply import INTERRUPTED, AccountResult
from rolegate.plan.changes import Change, Plan
from rolegate.words import plural

# -- live displays hold still for a prompt -------------------------------------------------------------------
# A bar or spinner redraws its lines ten times a second; a question written to the terminal meanwhile (the
# SDK's MFA prompt for a profile with mfa_serial, from a worker thread) is overwritten by the next redraw.
# Every live display is registered while it is up, and `hold_still()` clears and stops them all around a
# prompt, then draws them again.
_shown: list[Live] = []
_shown_lock = threading.RLock()


@contextmanager
def _registered(live: Live) -> Iterator[None]:
    with _shown_lock:
        _shown.append(live)
    try:
        yield
    finally:
        with _shown_lock:
            _shown.remove(live)


@contextmanager
def hold_still() -> Iterator[None]:
    """Every live display cleared and stopped while the caller asks something on the terminal, then drawn
    again where the answer left the cursor."""
    with _shown_lock:
        stopped = [live for live in _shown if live.is_started]
        for live in reversed(stopped):
            live.stop()  # transient: erases its lines, and its refresh thread ends before this returns
        try:
            yield
        finally:
            for live in stopped:
                live.start(refresh=True)


set_prompt_guard(hold_still)


@contextmanager
def status(env: Env, text: str) -> Iterator[Status]:
    """A spinner with `text` on stderr (a terminal only), which holds still for any prompt."""
    with env.err.status(text) as spinner, _registered(spinner._live):
        yield spinner


@contextmanager
def _bars(env: Env) -> Iterator[Progress]:
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=env.err,
        transient=True,
    )
    with bars, _registered(bars.live):
        yield bars


@contextmanager
def reading(env: Env, total: int) -> Iterator[Callable[[object], None]]:
    """A callback for each account read: a bar on a terminal, nothing otherwise (the plan follows)."""
    if not env.err.is_terminal:
        yield lambda _: None
        return
    with _bars(env) as bars:
        task = bars.add_task(f"Reading {plural(total, 'account')}", total=total)
        yield lambda _: bars.advance(task)


def account_record(result: AccountResult, total: int, retries: int) -> dict[str, JSONValue]:
    """One account's outcome as data: the --json progress lines and the apply's --json summary."""
    status = "ok" if result.ok else ("failed" if result.failed else "interrupted")
    if result.ok and result.not_applied:  # every call went through, and reading back showed otherwise
        status = "not applied"
    return {
        "account": result.account,
        "account_id": result.account_id,
        "status": status,
        "applied": len(result.done),
        "changes": total,
        "failed": result.failed.address if result.failed else None,
        "error": result.error,
        "hint": result.hint,
        "calls": result.calls,
        "retries": retries,
        "seconds": round(result.seconds, 2),
        **({"not_applied": [n.change.address for n in result.not_applied]} if result.not_applied else {}),
    }


def account_line(result: AccountResult, total: int, retries: int) -> str:
    where = f"{result.account} ({result.account_id})"
    cost = f"{plural(result.calls, 'call')}" + (f", {retries} retried" if retries else "")
    if result.ok and result.not_applied:
        missed = len(result.not_applied)
        return f"[red]✗[/] {where}: {missed} of {plural(total, 'change')} not applied (read back)"
    if result.ok:
        return f"[green]✓[/] {where}: {plural(total, 'change')} applied ({cost}) in {result.seconds:.1f} s"
    if result.failed is None or (result.error or "").endswith(INTERRUPTED):  # Ctrl-C, not a failure
        return f"[yellow]■[/] {where}: interrupted, {len(result.done)} of {plural(total, 'change')} applied"
    return f"[red]✗[/] {where}: {len(result.done)} of {plural(total, 'change')} applied, then failed"


class ApplyProgress:
    """Callbacks for apply_plan, safe to call from its worker threads."""

    def __init__(self, env: Env, plan: Plan, *, as_json: bool, retries: Callable[[str], int]) -> None:
        self.env, self.as_json, self.retries = env, as_json, retries
        self.totals: dict[str, int] = {}
        for change in plan.changes:
            self.totals[change.account] = self.totals.get(change.account, 0) + 1
        self._lock = threading.Lock()
        self._shown: AbstractContextManager[Progress] | None = None
        self._bars: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._overall: TaskID | None = None

    def __enter__(self) -> ApplyProgress:
        if self.env.err.is_terminal and not self.as_json:
            self._shown = _bars(self.env)
            self._bars = self._shown.__enter__()
            total = sum(self.totals.values())
            self._overall = self._bars.add_task(
                f"Applying {plural(total, 'change')} in {plural(len(self.totals), 'account')}", total=total
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._shown is not None:
            self._shown.__exit__(None, None, None)

    def on_start(self, change: Change) -> None:
        if self._bars is None:
            return
        with self._lock:
            if change.account not in self._tasks:
                self._tasks[change.account] = self._bars.add_task(
                    f"  {change.account}", total=self.totals[change.account]
                )

    def on_done(self, change: Change) -> None:
        if self._bars is None:
            return
        task = self._tasks.get(change.account)
        if task is not None:
            self._bars.advance(task)
        if self._overall is not None:
            self._bars.advance(self._overall)

    def on_account(self, result: AccountResult) -> None:
        total = self.totals.get(result.account, 0)
        retries = self.retries(result.account_id)
        if self.as_json:
            line = json.dumps({"event": "account", **account_record(result, total, retries)})
            with self._lock:
                self.env.stderr.write(line + "\n")
                self.env.stderr.flush()
            return
        text = account_line(result, total, retries)
        if self._bars is None:
            self.env.note(text)
            return
        with self._lock:
            task = self._tasks.pop(result.account, None)
        if task is not None:
            self._bars.remove_task(task)
        self._bars.console.print(text)
