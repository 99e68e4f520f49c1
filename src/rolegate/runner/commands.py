"""One function per command that reads or changes the accounts: `plan` and `apply`. The engine is chosen
here and nowhere else, so the command line calls one function and renders what it returns.

The direct engine: rolegate makes every change itself. The StackSet engine: the spoke roles become one
service-managed StackSet on the accounts' organizational units, and what the StackSet does not reach (the
hub's groups, policies, users and settings) stays direct. Both plans start from the same direct read; the
StackSet's changes are run after the direct ones, by CloudFormation, which reports on its own operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from rolegate.aws.managed_policies import check_managed_policies
from rolegate.aws.session import AwsSessions
from rolegate.errors import RolegateError
from rolegate.model.load import Loaded
from rolegate.plan.apply import AccountResult, ApplyResult, apply_plan
from rolegate.plan.changes import Change, Plan
from rolegate.plan.compile import Desired, compile_config
from rolegate.plan.diff import diff
from rolegate.runner import desired_plan, read_back
from rolegate.state.collect import DEFAULT_WORKERS, ReadPlan
from rolegate.state.snapshot import Snapshot
from rolegate.state.snapshot_file import load_snapshot

ENGINES = ("direct", "stacksets")

OnRead = Callable[[ReadPlan], None]


@contextmanager
def _no_progress() -> Iterator[OnRead | None]:
    yield None


@dataclass(frozen=True)
class PlanHooks:
    """What the command line shows while a plan is made: a context around the accounts' read (yielding the
    callback told of each account read) and one around the StackSet engine's read of CloudFormation."""

    reading: Callable[[], AbstractContextManager[OnRead | None]] = _no_progress
    reading_stackset: Callable[[], AbstractContextManager[object]] = nullcontext


@dataclass
class PlanOutcome:
    """A plan and what apply needs to run exactly it: the file compiled once (with --adopt's names), the
    engine that made it, and the sessions it was read with (None: planned offline, against a snapshot)."""

    plan: Plan
    desired: Desired
    engine: str
    sessions: AwsSessions | None
    snapshot: Snapshot = field(repr=False)


@dataclass(frozen=True)
class ApplyHooks:
    """apply_plan's callbacks, for the command line's progress, and where a new first password goes."""

    on_start: Callable[[Change], None] | None = None
    on_done: Callable[[Change], None] | None = None
    on_account: Callable[[AccountResult], None] | None = None
    on_password: Callable[[str, str, str], None] | None = None


def check_engine(engine: str, *, offline: bool) -> None:
    """Refuses a choice of engine before any file is read: a mistyped pair of flags is said first."""
    if engine not in ENGINES:
        raise RolegateError(f"no engine {engine!r}", f"use one of {', '.join(ENGINES)}")
    if offline and engine != "direct":
        raise RolegateError(
            "--snapshot plans the direct engine only: the StackSet engine reads CloudFormation too",
            "drop --snapshot, or --engine",
        )


def plan(
    loaded: Loaded,
    *,
    sessions: AwsSessions | None = None,
    snapshot_file: Path | None = None,
    engine: str = "direct",
    adopt: frozenset[str] = frozenset(),
    workers: int = DEFAULT_WORKERS,
    hooks: PlanHooks = PlanHooks(),
) -> PlanOutcome:
    """`rolegate plan` and the first half of `rolegate apply`. Against the accounts (`sessions`): AWS
    managed policies named in the file checked, every account read (one that cannot be read is listed in
    the plan's `unreadable`, the others planned), then the engine's plan. Against a file (`snapshot_file`):
    no AWS call, the direct engine only."""
    check_engine(engine, offline=snapshot_file is not None)
    if snapshot_file is not None:
        desired = replace(compile_config(loaded.config), adopt_names=adopt)
        snapshot = load_snapshot(snapshot_file)
        return PlanOutcome(diff(desired, snapshot), desired, engine, None, snapshot)
    if sessions is None:
        raise ValueError("plan needs sessions or a snapshot file")
    check_managed_policies(loaded, sessions)  # a misspelt AWS managed policy stops here, before any read
    desired = replace(compile_config(loaded.config), adopt_names=adopt)
    with hooks.reading() as on_read:
        snapshot, direct = desired_plan(loaded.config, desired, sessions, on_read=on_read, workers=workers)
    if engine == "direct":
        return PlanOutcome(direct, desired, engine, sessions, snapshot)
    from rolegate.runner.stacksets import plan_with_stacksets

    with hooks.reading_stackset():
        combined = plan_with_stacksets(desired, snapshot, direct, sessions)
    combined.unreadable = direct.unreadable  # an account not read is not planned by either engine
    return PlanOutcome(combined, desired, engine, sessions, snapshot)


def apply(
    outcome: PlanOutcome, *, workers: int = DEFAULT_WORKERS, hooks: ApplyHooks = ApplyHooks()
) -> ApplyResult:
    """`rolegate apply` after its question: exactly the plan shown. Direct changes by rolegate's own calls,
    each account's read back before it is said to be done; then, only if all of those went through, the
    StackSet's, by CloudFormation. One result for both, as the summary reports them together."""
    from rolegate.runner.stacksets import apply_stackset_changes, is_stackset_change

    sessions = outcome.sessions
    if sessions is None:
        raise RolegateError("a plan made against a snapshot cannot be applied", "run `rolegate apply`")
    the_plan, desired = outcome.plan, outcome.desired
    stackset = [c for c in the_plan.ordered() if is_stackset_change(c)]
    direct = Plan(
        changes=[c for c in the_plan.changes if not is_stackset_change(c)], accounts=the_plan.accounts
    )
    result = apply_plan(
        direct,
        sessions.iam,
        workers=workers,
        on_start=hooks.on_start,
        on_done=hooks.on_done,
        on_account=hooks.on_account,
        on_password=hooks.on_password,
        read_back=lambda changes: read_back(desired, sessions, changes) if changes else [],
    )
    if not stackset:
        return result
    if not result.ok:
        result.not_done += stackset
        return result
    cfn = sessions.client("cloudformation", sessions.operator_account())
    more = apply_stackset_changes(stackset, cfn, on_done=hooks.on_done)
    result.done += more.done
    result.calls += more.calls
    result.failed, result.error, result.not_done = more.failed, more.error, more.not_done
    return result
