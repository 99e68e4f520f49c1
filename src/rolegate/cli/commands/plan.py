"""`rolegate plan` and `rolegate apply`: read every account, show the difference, make it so."""

from __future__ import annotations

import datetime as dt
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
from rolegate.cli.progress import ApplyProgress, account_line, account_record, reading, status
from rolegate.cli.render import apply_result_lines, plan_lines, plan_summary, unreadable_lines
from rolegate.errors import ApplyError, AwsError, ExitStatus, RolegateError
from rolegate.model.load import Loaded
from rolegate.plan.apply import INTERRUPTED, AccountResult, ApplyResult
from rolegate.plan.changes import Plan
from rolegate.plan.saved import MASS_DELETE
from rolegate.runner import commands as run
from rolegate.runner import sessions_for
from rolegate.state.collect import DEFAULT_WORKERS
from rolegate.words import plural

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
    targets: tuple[str, ...] = (),
) -> run.PlanOutcome:
    return _loaded_plan(env, parallel, engine, adopt, snapshot_file, targets)[1]


def _loaded_plan(
    env: Env,
    parallel: int = DEFAULT_WORKERS,
    engine: str = "direct",
    adopt: tuple[str, ...] = (),
    snapshot_file: Path | None = None,
    targets: tuple[str, ...] = (),
    saved_file: Path | None = None,
) -> tuple[Loaded, run.PlanOutcome]:
    """The runner's plan (or a saved plan, checked), with a bar while the accounts are read and a line while
    the StackSet is; and the file it was planned from."""
    run.check_engine(engine, offline=snapshot_file is not None)  # before the file: the flags are wrong
    loaded = load_config(env)
    run.parse_targets(loaded, targets, engine)  # a mistyped -target is said before anything is read
    if saved_file is not None:
        run.read_saved_plan(saved_file)  # an edited or crafted file is refused before any AWS call
    if snapshot_file is not None:
        offline = run.plan(loaded, snapshot_file=snapshot_file, adopt=frozenset(adopt), targets=targets)
        return loaded, offline
    n = len([a for a in loaded.config.accounts.values() if a.id])
    hooks = run.PlanHooks(
        reading=lambda: reading(env, n),
        reading_stackset=lambda: status(env, "Reading the StackSet and the organizational units…"),
    )
    sessions = sessions_for(loaded.config, env.profile)
    if saved_file is not None:
        return loaded, run.plan_saved(loaded, saved_file, sessions=sessions, workers=parallel, hooks=hooks)
    outcome = run.plan(
        loaded,
        sessions=sessions,
        engine=engine,
        adopt=frozenset(adopt),
        workers=parallel,
        hooks=hooks,
        targets=targets,
    )
    return loaded, outcome


def target_option(command: F) -> F:
    return click.option(
        "-target",
        "--target",
        "targets",
        multiple=True,
        metavar="ACCOUNT[/KIND/NAME]",
        help="Only the changes in this account, or to this resource (KIND: role, policy, group, user, "
        "account); exactly those, not what they depend on; repeatable. For repairs, not every day: the "
        "rest of the file waits for a later plan. E.g. -target production/role/administrator.",
    )(command)


def plan_notes(env: Env, outcome: run.PlanOutcome) -> None:
    """What a plan's header says beyond its changes: that it is targeted, or a saved plan being applied."""
    if outcome.targets:
        names = ", ".join(str(t) for t in outcome.targets)
        env.print(
            f"[yellow]Targeted plan[/]: only the changes of {escape(names)}, exactly those (not what they "
            "depend on); the rest of rolegate.yaml is not planned here."
        )
    if outcome.basis is not None:
        adopting = "".join(f" --adopt {name}" for name in outcome.basis.adopt)
        env.print(
            f"Saved plan of {escape(outcome.basis.planned_at)}"
            + (f" (planned with{escape(adopting)})" if adopting else "")
            + ": the accounts and rolegate.yaml are as they were; applying exactly its changes."
        )


def mass_delete_warning(env: Env, outcome: run.PlanOutcome) -> None:
    reasons = run.mass_delete(outcome)
    if reasons:
        env.print(
            f"[red bold]Warning[/]: {escape('; '.join(reasons))}. apply refuses this unless "
            "[bold]--allow-mass-delete[/]."
        )


def _save(env: Env, loaded: Loaded, outcome: run.PlanOutcome, out_file: Path, quiet: bool) -> None:
    planned_at = env.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run.save_plan(outcome, loaded, out_file, planned_at=planned_at)
    if not quiet:
        env.print(f"Saved this plan to {escape(str(out_file))} (mode 0600). To apply exactly it:")
        env.print(f"  rolegate apply {escape(str(out_file))}")


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
@click.option(
    "-out",
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also save the plan to FILE (mode 0600), with what it was planned against; `rolegate apply FILE` "
    "runs exactly it, or refuses if the accounts or rolegate.yaml changed since.",
)
@target_option
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
    out_file: Path | None,
    targets: tuple[str, ...],
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
      rolegate plan -out prod.plan -target production   # saved; then: rolegate apply prod.plan
      rolegate plan --parallel 16         # hundreds of accounts: more at a time
      rolegate plan --engine stacksets    # the spoke roles as a StackSet; the hub direct
    """
    if out_file is not None and (snapshot_file is not None or engine != "direct"):
        raise RolegateError("-out saves direct plans made against the accounts", "drop --snapshot/--engine")
    loaded, outcome = _loaded_plan(env, parallel, engine, adopt, snapshot_file, targets)
    result = outcome.plan
    if as_json:
        print_json(env, result.to_json())
    else:
        plan_notes(env, outcome)
        show_plan(env, result)
        mass_delete_warning(env, outcome)
    if out_file is not None:
        _save(env, loaded, outcome, out_file, quiet=as_json)
    elif not as_json and not result.empty and not result.conflicts:
        env.print("Run [bold]rolegate apply[/] to make it so.")
    return _plan_status(result, detailed_exitcode)


def _plan_status(result: Plan, detailed_exitcode: bool) -> int:
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


def _check_saved_apply(
    saved_file: Path | None, engine: str, adopt: tuple[str, ...], targets: tuple[str, ...]
) -> None:
    """A saved plan holds its own engine, --adopt names and targets: a flag that would change them is a
    mistake, said before anything is read."""
    if saved_file is None:
        return
    given = [
        *(["--engine"] if engine != "direct" else []),
        *(["--adopt"] if adopt else []),
        *(["-target"] if targets else []),
    ]
    if given:
        raise RolegateError(
            f"{' and '.join(given)} cannot change a saved plan: {saved_file} holds what it was planned with",
            f"`rolegate apply {saved_file}` alone, or make a new plan with those flags",
        )


def _check_mass_delete(outcome: run.PlanOutcome, allow: bool) -> None:
    reasons = run.mass_delete(outcome)
    if reasons and not allow:
        raise RolegateError(
            f"apply refused: {'; '.join(reasons)}; nothing was changed",
            "read the - lines above; if these deletes are meant, run again with --allow-mass-delete",
        )


@click.command()
@click.argument(
    "saved_file", metavar="[PLAN_FILE]", required=False, type=click.Path(path_type=Path, dir_okay=False)
)
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
@click.option(
    "--allow-mass-delete",
    is_flag=True,
    help=f"Apply a plan that deletes more than {MASS_DELETE} resources, or every role rolegate made in an "
    "account; without it apply refuses such a plan.",
)
@target_option
@parallel_option
@engine_option
@adopt_option
@global_options
@click.pass_obj
def apply(
    env: Env,
    saved_file: Path | None,
    yes: bool,
    password_out: Path | None,
    as_json: bool,
    allow_mass_delete: bool,
    targets: tuple[str, ...],
    parallel: int,
    engine: str,
    adopt: tuple[str, ...],
) -> int:
    """Make every account match rolegate.yaml, or run the saved PLAN_FILE (`rolegate plan -out`): shows
    the plan, asks (not for a saved plan: it was reviewed), then runs exactly it. A saved plan is refused
    if it was edited, is of another rolegate.yaml, or the accounts changed since it was made.

    Changes run in dependency order, --parallel accounts at a time; an account stops at its first hard
    failure, the others finish, and the summary says what was and was not done (exit 1). Running it again
    finishes the job; a second changes nothing. New console users' first passwords are shown once on the
    terminal, or written to --password-out; never logged, never in --json.

    \b
    Examples:
      rolegate apply
      rolegate plan -out tonight.plan && rolegate apply tonight.plan   # exactly what was reviewed
      rolegate apply --yes --password-out ~/new-passwords.txt   # in CI
      rolegate apply -target staging/role/read_only              # only that change
      rolegate apply --engine stacksets   # spoke roles deployed by AWS, to accounts added later too
    """
    _check_saved_apply(saved_file, engine, adopt, targets)
    if password_out is not None:  # a typo must fail here, not after IAM has set a password nobody can read
        check_password_out(password_out)
    outcome = _loaded_plan(env, parallel, engine, adopt, targets=targets, saved_file=saved_file)[1]
    if not as_json:
        plan_notes(env, outcome)
        show_plan(env, outcome.plan)
    if not _anything_to_apply(env, outcome, as_json, password_out):
        return ExitStatus.SUCCESS
    _check_mass_delete(outcome, allow_mass_delete)
    env.confirm(APPLY_GATE, yes=yes or saved_file is not None)  # a saved plan was reviewed: Terraform's way
    return _apply_and_report(env, outcome, parallel, as_json, password_out)


def _apply_and_report(
    env: Env, outcome: run.PlanOutcome, parallel: int, as_json: bool, password_out: Path | None
) -> int:
    the_plan, sessions = outcome.plan, outcome.sessions
    assert sessions is not None  # read from the accounts, not a snapshot
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


def _anything_to_apply(env: Env, outcome: run.PlanOutcome, as_json: bool, password_out: Path | None) -> bool:
    """Whether apply goes on to ask: not with conflicts (an error), nor with nothing to do (said, and an
    error if some account could not be read), nor when first passwords would have nowhere to go: only
    when one will be issued (an adopted or imported user keeping their password gets none)."""
    the_plan = outcome.plan
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
    if password_out is None and run.issued_passwords(outcome) and (as_json or not env.stdout_is_tty):
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
    stopped = ApplyError(
        f"{len(failed)} of {plural(n, 'account')} did not finish: {', '.join(failed)}",
        (hint + "; then " if hint else "") + "run `rolegate apply` again: it starts from what is there now",
    )
    if any(a.error == INTERRUPTED for a in result.failures):
        stopped.exit_code = ExitStatus.INTERRUPTED  # Ctrl-C: 130, as every interrupted command exits
    return stopped
