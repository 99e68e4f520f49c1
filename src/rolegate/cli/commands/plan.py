"""`rolegate plan` and `rolegate apply`: read every account, show the difference, make it so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from rich.markup import escape

from rolegate.aws.session import MAX_POOL, AwsSessions
from rolegate.cli.common import load_config, print_json
from rolegate.cli.env import Env, Gate
from rolegate.cli.options import global_options
from rolegate.cli.passwords import check_password_out, hand_out_passwords, password_writer
from rolegate.cli.progress import ApplyProgress, account_line, account_record, reading
from rolegate.cli.render import apply_result_lines, plan_lines, plan_summary, plural, unreadable_lines
from rolegate.errors import ApplyError, AwsError, ExitStatus, RolegateError
from rolegate.plan.apply import AccountResult, ApplyResult
from rolegate.plan.changes import Plan
from rolegate.runner import commands as run
from rolegate.runner import sessions_for
from rolegate.state.collect import DEFAULT_WORKERS

F = TypeVar("F", bound=Callable[..., object])

engine_option = click.option(
    "--engine",
    type=click.Choice(run.ENGINES),
    default="direct",
    show_default=True,
    help="direct: rolegate makes every change itself. stacksets: the spoke roles are deployed by AWS as a "
    "service-managed StackSet on the accounts' organizational units (new accounts there get them too); "
    "the hub's groups, policies and users stay direct.",
)


def _compute(
    env: Env,
    parallel: int = DEFAULT_WORKERS,
    engine: str = "direct",
    adopt: tuple[str, ...] = (),
    snapshot_file: Path | None = None,
) -> run.PlanOutcome:
    """The runner's plan, with a bar while the accounts are read and a line while the StackSet is."""
    run.check_engine(engine, offline=snapshot_file is not None)  # before the file: the flags are wrong
    loaded = load_config(env)
    if snapshot_file is not None:
        return run.plan(loaded, snapshot_file=snapshot_file, adopt=frozenset(adopt))
    n = len([a for a in loaded.config.accounts.values() if a.id])
    hooks = run.PlanHooks(
        reading=lambda: reading(env, n),
        reading_stackset=lambda: env.err.status("Reading the StackSet and the organizational units…"),
    )
    sessions = sessions_for(loaded.config, env.profile)
    return run.plan(
        loaded, sessions=sessions, engine=engine, adopt=frozenset(adopt), workers=parallel, hooks=hooks
    )


def adopt_option(command: F) -> F:
    return click.option(
        "--adopt",
        "adopt",
        multiple=True,
        metavar="[ACCOUNT/]KIND/NAME",
        help="Take over this resource although it carries what rolegate would not have made (a password, "
        "keys, a foreign trust: the conflict's reason), keeping what it has; repeatable. "
        "E.g. --adopt user/cobus.",
    )(command)


def parallel_option(command: F) -> F:
    return click.option(
        "--parallel",
        type=click.IntRange(1, MAX_POOL),
        default=DEFAULT_WORKERS,
        envvar="ROLEGATE_PARALLEL",
        show_default=True,
        help="Accounts read (and changed) at a time; also $ROLEGATE_PARALLEL.",
    )(command)


def _unreadable_error(plan: Plan) -> AwsError:
    names = ", ".join(plan.unreadable)
    first = next(iter(plan.unreadable.values()))
    return AwsError(
        f"{plural(len(plan.unreadable), 'account')} could not be read ({names}): {first['error']}",
        first.get("hint") or "check the bootstrap role in those accounts",
    )


def show_plan(env: Env, plan: Plan) -> None:
    for line in plan_lines(plan, verbose=env.verbose > 0) + unreadable_lines(plan):
        env.print(line)
    if plan.changes or plan.conflicts or plan.unmanaged or plan.unreadable:
        env.print()
    env.print(plan_summary(plan))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (format_version 1).")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would change, 2 when something would, 1 on error.",
)
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Plan against this snapshot (rolegate snapshot -o FILE) instead of the accounts: no AWS call.",
)
@parallel_option
@engine_option
@adopt_option
@global_options
@click.pass_obj
def plan(
    env: Env,
    as_json: bool,
    detailed_exitcode: bool,
    snapshot_file: Path | None,
    parallel: int,
    engine: str,
    adopt: tuple[str, ...],
) -> int:
    """Read every account and show what apply would change; changes nothing.

    \b
    + create   ~ update   - delete   ! conflict (exists, not rolegate's: never touched)
    = adopt    (hand-made, becomes rolegate's; only with organization.adopt: true)
    Resources rolegate does not own are counted as "unmanaged, left alone"; -v lists them.

    \b
    Examples:
      rolegate plan
      rolegate plan --detailed-exitcode   # in CI: 2 means drift or pending changes
      rolegate plan --json | jq '.changes[] | .account + " " + .action + " " + .kind + " " + .name'
      rolegate plan --snapshot org.json   # offline, against what `rolegate snapshot` saved
      rolegate plan --parallel 16         # hundreds of accounts: more at a time
      rolegate plan --engine stacksets    # the spoke roles as a StackSet; the hub direct
    """
    result = _compute(env, parallel, engine, adopt, snapshot_file).plan
    if as_json:
        print_json(env, result.to_json())
    else:
        show_plan(env, result)
        if not result.empty and not result.conflicts:
            env.print("Run [bold]rolegate apply[/] to make it so.")
    if result.unreadable:
        raise _unreadable_error(result)
    if result.conflicts:
        return ExitStatus.ERROR
    if detailed_exitcode and not result.empty:
        return ExitStatus.FOUND
    return ExitStatus.SUCCESS


APPLY_GATE = Gate(
    "Apply these changes?",
    no_terminal="apply changes your accounts and there is no terminal to ask on",
    no_terminal_hint="review `rolegate plan`, then run `rolegate apply --yes`",
    cancelled="apply cancelled; nothing was changed",
)


def _needs_password(plan: Plan) -> bool:
    return any(call.operation == "CreateLoginProfile" for c in plan.changes for call in c.calls)


@click.command()
@click.option("-y", "--yes", "--auto-approve", "yes", is_flag=True, help="Do not ask; apply the plan shown.")
@click.option(
    "--password-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write new console users' first passwords to this file (mode 0600) instead of the terminal.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the result as JSON (never any password); progress as JSON lines on stderr.",
)
@parallel_option
@engine_option
@adopt_option
@global_options
@click.pass_obj
def apply(
    env: Env,
    yes: bool,
    password_out: Path | None,
    as_json: bool,
    parallel: int,
    engine: str,
    adopt: tuple[str, ...],
) -> int:
    """Make every account match rolegate.yaml: shows the plan, asks, then runs exactly that plan.

    Runs each account's changes in dependency order (policy before attach, role before grant), --parallel
    accounts at a time; retries throttling and IAM's eventual consistency. An account stops at its first
    hard failure and the others finish; the summary says what was done and what was not, per account, and
    the exit code is 1. Running it again finishes the job. A second apply makes no change.

    New console users get a generated first password, to be changed at first sign-in: shown once on the
    terminal, or written to --password-out; never logged and never in --json.

    \b
    Examples:
      rolegate apply
      rolegate apply --yes --password-out ~/new-passwords.txt   # in CI
      rolegate apply --yes --parallel 16 --json                   # progress as JSON lines on stderr
      rolegate apply --engine stacksets   # spoke roles deployed by AWS, to accounts added later too
    """
    if password_out is not None:  # a typo must fail here, not after IAM has set a password nobody can read
        check_password_out(password_out)
    outcome = _compute(env, parallel, engine, adopt)
    the_plan, sessions = outcome.plan, outcome.sessions
    assert sessions is not None  # read from the accounts, not a snapshot
    if not as_json:
        show_plan(env, the_plan)
    if not _anything_to_apply(env, the_plan, as_json, password_out):
        return ExitStatus.SUCCESS
    env.confirm(APPLY_GATE, yes=yes)
    started = env.monotonic()
    result = _run_apply(env, outcome, sessions, parallel, as_json, password_out)
    elapsed = env.monotonic() - started
    hand_out_passwords(env, result, password_out, quiet=as_json)
    if as_json:
        print_json(env, _apply_json(the_plan, result, sessions.log.retries))
    else:
        _account_summary(env, the_plan, result, sessions.log.retries)
        _show_not_applied(env, result, elapsed)
    if not result.ok or the_plan.unreadable:
        if as_json:
            return ExitStatus.ERROR
        raise _apply_error(the_plan, result)
    return ExitStatus.SUCCESS


def _anything_to_apply(env: Env, the_plan: Plan, as_json: bool, password_out: Path | None) -> bool:
    """Whether apply goes on to ask: not with conflicts (an error), nor with nothing to do (said, and an
    error if some account could not be read), nor when first passwords would have nowhere to go."""
    if the_plan.conflicts:
        raise RolegateError(
            f"{plural(len(the_plan.conflicts), 'conflict')}; nothing was changed", "see the ! lines above"
        )
    if the_plan.empty:
        if as_json:
            print_json(env, {"applied": [], "failed": None, "not_done": [], **_unreadable_json(the_plan)})
        if the_plan.unreadable:
            raise _unreadable_error(the_plan)
        return False
    if _needs_password(the_plan) and password_out is None and (as_json or not env.stdout_is_tty):
        raise RolegateError(
            "new console users need a first password, shown once on a terminal, and stdout is not one"
            + (" (--json keeps passwords out of its output)" if as_json else ""),
            "pass --password-out FILE (written with mode 0600); nothing was changed",
        )
    return True


def _run_apply(
    env: Env,
    outcome: run.PlanOutcome,
    sessions: AwsSessions,
    parallel: int,
    as_json: bool,
    password_out: Path | None,
) -> ApplyResult:
    """The plan run, with progress (bars on a terminal, lines or JSON lines otherwise) and each first
    password into --password-out as soon as IAM has it."""
    with ApplyProgress(env, outcome.plan, as_json=as_json, retries=sessions.log.retries) as progress:
        hooks = run.ApplyHooks(
            on_start=progress.on_start,
            on_done=progress.on_done,
            on_account=progress.on_account,
            on_password=password_writer(password_out),
        )
        return run.apply(outcome, workers=parallel, hooks=hooks)


def _apply_json(the_plan: Plan, result: ApplyResult, retries: Callable[[str], int]) -> dict[str, object]:
    records = [account_record(r, _total(r), retries(r.account_id)) for r in result.accounts.values()]
    return {
        "applied": [c.address for c in result.done],
        "failed": result.failed.address if result.failed else None,
        "error": result.error,
        "not_done": [c.address for c in result.not_done],
        "not_applied": [n.to_json() for n in result.not_applied],
        "accounts": records,
        **_unreadable_json(the_plan),
    }


def _unreadable_json(plan: Plan) -> dict[str, object]:
    return {"unreadable": plan.unreadable} if plan.unreadable else {}


def _account_summary(env: Env, plan: Plan, result: ApplyResult, retries: Callable[[str], int]) -> None:
    """The final word per account: what each one did, which could not be read, how many had nothing to do."""
    if len(plan.accounts) <= 1:
        return
    env.print()
    for account in result.accounts.values():
        env.print("  " + account_line(account, _total(account), retries(account.account_id)))
    for name, what in plan.unreadable.items():
        env.print(f"  [red]✗[/] {name} ({what['account_id']}): not read, nothing applied")
    idle = len(plan.accounts) - len(result.accounts) - len(plan.unreadable)
    if idle:
        env.print(f"  [dim]{plural(idle, 'account')}: nothing to change[/]")


def _total(account: AccountResult) -> int:
    """An account's changes in the plan: done, not applied (read back otherwise), failed, never started."""
    return len(account.done) + len(account.not_applied) + len(account.not_done) + (account.failed is not None)


def _show_not_applied(env: Env, result: ApplyResult, elapsed: float) -> None:
    """The final lines: each change that did not read back as planned, by account and resource, with what
    differs; then the usual summary, which never calls them applied."""
    if result.not_applied:
        env.print()
        env.print("[red bold]Not applied[/] (IAM answered OK, but reading back shows otherwise):")
        for missed in result.not_applied:
            env.print(f"  [red]✗[/] {escape(missed.message)}")
            for line in missed.details:
                env.print(f"      {escape(line)}")
    if result.failed is not None or result.not_done or not result.not_applied:
        for line in apply_result_lines(result, elapsed):
            env.print(line)
        return
    n = len(result.not_applied)
    env.print(
        f"[red bold]{n} of {plural(n + len(result.done), 'change')} not applied[/]; the other "
        f"{len(result.done)} read back as planned ({plural(result.calls, 'call')} in {elapsed:.1f} s)."
    )


def _apply_error(plan: Plan, result: ApplyResult) -> ApplyError:
    """Names every failed account, the resource it stopped at, and what to do."""
    if result.not_applied and result.failed is None and not result.not_done and not plan.unreadable:
        names = ", ".join(f"{n.change.account} ({n.change.kind} {n.change.name})" for n in result.not_applied)
        return ApplyError(
            f"{plural(len(result.not_applied), 'change')} not applied: IAM answered OK, but reading back "
            f"shows otherwise: {names}",
            "`rolegate plan` shows what still differs; if a rerun does not fix it, something undoes these "
            "writes (another tool, a person, an automation) or IAM does not keep them",
        )
    failed = [
        f"{a.account} ({a.failed.kind} {a.failed.name})" if a.failed else f"{a.account} (interrupted)"
        for a in result.failures
    ]
    if result.failed is not None and result.failed.account not in {a.account for a in result.failures}:
        failed.append(f"{result.failed.account} ({result.failed.kind} {result.failed.name})")  # a StackSet
    failed += [f"{name} (not read)" for name in plan.unreadable]
    for missed in result.not_applied:
        failed.append(f"{missed.change.account} ({missed.change.kind} {missed.change.name}: not applied)")
    n = len(set(plan.accounts) & (set(result.accounts) | set(plan.unreadable)))
    hint = next((a.hint for a in result.failures if a.hint), None)
    if hint is None and plan.unreadable:
        hint = next(iter(plan.unreadable.values())).get("hint") or None
    return ApplyError(
        f"{len(failed)} of {plural(n, 'account')} did not finish: {', '.join(failed)}",
        (hint + "; then " if hint else "") + "run `rolegate apply` again: it starts from what is there now",
    )
