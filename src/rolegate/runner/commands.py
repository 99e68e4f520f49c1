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
from rolegate.errors import LocalFileError, RolegateError
from rolegate.model.load import Loaded
from rolegate.plan import saved
from rolegate.plan.apply import AccountResult, ApplyResult, apply_plan
from rolegate.plan.changes import Change, Plan
from rolegate.plan.compile import Desired, compile_config
from rolegate.plan.diff import diff
from rolegate.plan.organization import ACCOUNT as ORGANIZATION
from rolegate.plan.organization import compile_organization
from rolegate.runner import desired_plan, read_back
from rolegate.state.collect import DEFAULT_WORKERS, ReadPlan
from rolegate.state.snapshot import Snapshot
from rolegate.state.snapshot_file import load_snapshot
from rolegate.words import plural

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
    targets: tuple[saved.Target, ...] = ()  # -target: the plan holds only these changes
    basis: saved.Basis | None = None  # a saved plan's: what it was planned against (apply FILE)


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
    targets: tuple[str, ...] = (),
) -> PlanOutcome:
    """`rolegate plan` and the first half of `rolegate apply`. Against the accounts (`sessions`): AWS
    managed policies named in the file checked, every account read (one that cannot be read is listed in
    the plan's `unreadable`, the others planned), then the engine's plan. Against a file (`snapshot_file`):
    no AWS call, the direct engine only. `targets` (-target): only the changes there, exactly those."""
    chosen = parse_targets(loaded, targets, engine)
    outcome = _plan(loaded, sessions, snapshot_file, engine, adopt, workers, hooks)
    if chosen:
        outcome.plan, outcome.targets = saved.select(outcome.plan, chosen), chosen
    return outcome


def parse_targets(
    loaded: Loaded, targets: tuple[str, ...], engine: str = "direct"
) -> tuple[saved.Target, ...]:
    """Each -target checked against the file's accounts before anything is read."""
    if targets and engine != "direct":
        raise RolegateError("-target plans the direct engine only", "drop -target, or --engine stacksets")
    names = [name for name, account in loaded.config.accounts.items() if account.id]
    if compile_organization(loaded.config).declared:
        names.append(ORGANIZATION)  # the organization's changes: units, places, guardrails, root access
    return tuple(saved.parse_target(t, names) for t in dict.fromkeys(targets))


def _plan(
    loaded: Loaded,
    sessions: AwsSessions | None,
    snapshot_file: Path | None,
    engine: str,
    adopt: frozenset[str],
    workers: int,
    hooks: PlanHooks,
) -> PlanOutcome:
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
        organizations=sessions.organizations,
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


# -- saved plans: `rolegate plan -out FILE`, `rolegate apply FILE` -----------------------------------------


def save_plan(outcome: PlanOutcome, loaded: Loaded, path: Path, *, planned_at: str) -> None:
    """The plan and what it was planned against into `path`, atomically, mode 0600. Refused for what a saved
    plan could not be checked against at apply: the StackSet engine's changes, accounts not read."""
    from rolegate import __version__, atomic

    if outcome.engine != "direct":
        raise RolegateError("-out saves plans of the direct engine only", "drop -out, or --engine stacksets")
    if outcome.sessions is None:
        # A snapshot is read for access and audit (every alias, every role's session length): apply's own
        # read would differ from it where nothing changed, and call the plan stale.
        raise RolegateError(
            "-out saves plans made against the accounts, not against --snapshot", "drop --snapshot or -out"
        )
    if outcome.plan.conflicts:
        raise RolegateError(
            f"-out: the plan has {plural(len(outcome.plan.conflicts), 'conflict')}, which apply refuses; "
            "no plan was written",
            "see the ! lines above; resolve them (or --adopt), then plan again",
        )
    if outcome.plan.unreadable:
        names = ", ".join(outcome.plan.unreadable)
        raise RolegateError(
            f"-out: {names} could not be read, so a saved plan could not be checked against them at apply; "
            "no plan was written",
            "fix the access to those accounts, or plan the others with -target ACCOUNT",
        )
    digests = saved.account_digests(outcome.desired, outcome.snapshot)
    if outcome.targets:  # a targeted plan depends on its accounts only
        digests = {a: d for a, d in digests.items() if a in {t.account for t in outcome.targets}}
    basis = saved.Basis(
        config_sha256=saved.sha256_text(loaded.source.text),
        accounts=digests,
        rolegate_version=__version__,
        planned_at=planned_at,
        engine=outcome.engine,
        targets=tuple(str(t) for t in outcome.targets),
        adopt=tuple(sorted(outcome.desired.adopt_names)),
    )
    atomic.write_atomic(
        path, saved.dumps(saved.SavedPlan(outcome.plan, basis)), mode=0o600, backup=False, private=True
    )


def read_saved_plan(path: Path) -> saved.SavedPlan:
    """A saved plan file, bounded in size, hash and calls checked (saved.loads); no AWS call yet."""
    from rolegate import limits

    try:
        raw = limits.read_bytes(path, saved.PLAN_BYTES, "a saved plan")
    except FileNotFoundError:
        raise LocalFileError(f"{path}: no such file", "make one with `rolegate plan -out FILE`") from None
    return saved.loads(raw, str(path))


def plan_saved(
    loaded: Loaded,
    path: Path,
    *,
    sessions: AwsSessions,
    workers: int = DEFAULT_WORKERS,
    hooks: PlanHooks = PlanHooks(),
) -> PlanOutcome:
    """`rolegate apply FILE`'s plan: the file's changes, exactly, once the file, this rolegate.yaml and a
    fresh read of the accounts all say they are still what would be planned. Refused (a RolegateError
    naming the file, or each account and resource that changed) otherwise; nothing is changed."""
    from rolegate import __version__

    found = read_saved_plan(path)
    basis = found.basis
    if basis.rolegate_version != __version__:
        raise LocalFileError(
            f"{path}: planned by rolegate {basis.rolegate_version}, this is {__version__}; "
            "nothing was changed",
            "make a new plan with this rolegate: `rolegate plan -out FILE`",
        )
    if basis.engine != "direct":
        raise LocalFileError(f"{path}: a plan of the {basis.engine!r} engine; saved plans are direct only")
    if basis.config_sha256 != saved.sha256_text(loaded.source.text):
        raise LocalFileError(
            f"{path}: planned against another rolegate.yaml, or {loaded.source.filename} changed since "
            f"(sha256 {basis.config_sha256[:12]}…, this one {saved.sha256_text(loaded.source.text)[:12]}…); "
            "nothing was changed",
            "apply it with the rolegate.yaml it was planned with (-c FILE), or make a new plan",
        )
    outcome = plan(
        loaded,
        sessions=sessions,
        engine=basis.engine,
        adopt=frozenset(basis.adopt),
        workers=workers,
        hooks=hooks,
        targets=basis.targets,
    )
    _check_still_planned(path, found, outcome)
    fresh = outcome.plan
    outcome.plan = Plan(
        changes=found.plan.changes,
        conflicts=fresh.conflicts,
        unmanaged=fresh.unmanaged,
        accounts=fresh.accounts,
        locked=fresh.locked,
    )
    outcome.basis = basis
    return outcome


def _check_still_planned(path: Path, found: saved.SavedPlan, outcome: PlanOutcome) -> None:
    """The accounts read now give the digests the plan was made against, and this file and that read plan
    exactly the file's changes."""
    if outcome.plan.unreadable:
        names = ", ".join(n for n in outcome.plan.unreadable if n in found.basis.accounts)
        if names:
            raise RolegateError(
                f"{path}: {names} cannot be read now, so the plan cannot be checked there; "
                "nothing was changed",
                next(iter(outcome.plan.unreadable.values())).get("hint") or "check the bootstrap role there",
            )
    now = saved.account_digests(outcome.desired, outcome.snapshot)
    changed = saved.changed_since(found.basis.accounts, now, outcome.plan.accounts)
    if changed:
        raise RolegateError(
            f"{path} is stale: the accounts changed since it was planned ({found.basis.planned_at}): "
            + " | ".join(changed)
            + "; nothing was changed",
            "make a new plan (`rolegate plan -out FILE`), review what changed, and apply that; a plan "
            "applied once is stale after: the new plan shows what, if anything, is left",
        )
    differ = saved.differing_changes(found.plan, outcome.plan)
    if differ:
        shown = ", ".join(differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else "")
        raise LocalFileError(
            f"{path}: its changes are not what rolegate plans from this rolegate.yaml and the accounts as "
            f"they are ({shown}): the file was made otherwise or edited; nothing was changed",
            "apply only what `rolegate plan -out FILE` wrote; make a new plan",
        )


def mass_delete(outcome: PlanOutcome, limit: int = saved.MASS_DELETE) -> list[str]:
    """Why the plan's deletes need --allow-mass-delete; empty when they do not."""
    found = saved.mass_delete(outcome.plan, outcome.snapshot, outcome.desired.org, limit)
    return found.reasons(limit) if found else []


def issued_passwords(outcome: PlanOutcome) -> list[tuple[str, str]]:
    """(account, user) of each first password apply will make (saved.issued_passwords)."""
    return saved.issued_passwords(outcome.plan, outcome.snapshot)
