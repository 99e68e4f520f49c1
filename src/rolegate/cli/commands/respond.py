"""`rolegate lockdown` and `rolegate restore`: isolate an environment (or a person) in a breach, and undo it
losing nothing. Deciding is in respond/ (pure); this module reads, shows, asks, journals, runs."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import click
from rich.markup import escape

from rolegate.aws.session import AwsSessions
from rolegate.cli.common import load_config, member_account
from rolegate.cli.completion import complete_account, complete_user
from rolegate.cli.env import Env, Gate
from rolegate.cli.options import global_options
from rolegate.cli.render import change_line
from rolegate.errors import ApplyError, ExitStatus, RolegateError
from rolegate.model import marks
from rolegate.model.config import Config
from rolegate.model.marks import Lock
from rolegate.plan.apply import ApplyResult
from rolegate.plan.changes import Change
from rolegate.respond.journal import Journal, journal_path, read_local
from rolegate.respond.lockdown import ControlLock, Decided, Difference, is_locked
from rolegate.runner import sessions_for
from rolegate.words import plural

STAMP = "%Y-%m-%dT%H:%M:%SZ"


def _aws_now(env: Env, sessions: AwsSessions, here: dt.datetime | None = None) -> str:
    """The lockdown's time as AWS tells it (the Date of a GetCallerIdentity answer), not this machine's: a
    clock ahead would keep the operator's new sessions, restore's too, denied until it passes; one behind
    would spare the sessions issued in between. `here`: this machine's time (the Environment's clock)."""
    import email.utils

    from rolegate.cli.env import utc_now

    here = utc_now() if here is None else here
    try:
        sts = sessions.client("sts", sessions.operator_account())
        date = sts.get_caller_identity()["ResponseMetadata"]["HTTPHeaders"]["date"]
        there = email.utils.parsedate_to_datetime(date).astimezone(dt.UTC)
    except Exception:  # no Date to read: this machine's clock, as before
        return here.strftime(STAMP)
    skew = (here - there).total_seconds()
    if abs(skew) > 30:
        env.note(f"[yellow]this machine's clock is {skew:+.0f} s off AWS's[/]: the lockdown takes AWS's time")
    return there.strftime(STAMP)


def _account(config: Config, wanted: str) -> tuple[str, str]:
    """A logical name or an id -> (name, id); the hub is refused (lock people out of it with --user)."""
    hub = config.organization.hub
    refusal = RolegateError(
        f"{hub} is the hub: locking it down would lock everyone out, rolegate included",
        "lock people out of it one by one: `rolegate lockdown --user NAME`",
    )
    return member_account(config, wanted, refusal)


def _detail(line: str) -> str:
    body = escape(line)
    stripped = line.lstrip()
    if stripped.startswith("+ "):
        return f"[green]{body}[/]"
    if stripped.startswith("- "):
        return f"[red]{body}[/]"
    return body


def _show(env: Env, title: str, decided: Decided) -> None:
    env.print(title)
    # A person's lockout reaches roles in many accounts, often of one name: each line says where it is.
    many = len({change.account for change in decided.changes}) > 1
    for change in decided.changes:
        env.print("  " + change_line(change, with_account=many))
        for line in change.details:
            env.print("      " + _detail(line))
    for role in decided.unchanged:
        env.print(f"  [dim]= {escape(role)} (already so)[/]")
    for note in decided.notes:
        env.print(f"  [yellow]note:[/] {escape(note)}")


def _differences(env: Env, where: str, journal: Journal, found: list[Difference]) -> None:
    env.print(f"[bold]{escape(where)} changed since the lockdown[/] ({escape(journal.lock.describe())}):")
    for diff in found:
        env.print(f"  [yellow]! {escape(diff.principal)}[/]: {escape(diff.what)}")
        for line in diff.details:
            env.print("      " + _detail(line))


def _confirm(env: Env, yes: bool, question: str, what: str) -> None:
    env.confirm(
        Gate(
            question,
            no_terminal=f"{what} changes your accounts and there is no terminal to ask on",
            no_terminal_hint="run it with --yes",
            cancelled=f"{what} cancelled; nothing was changed",
        ),
        yes=yes,
    )


def _write_journal(path: Path, journal: Journal) -> None:
    """Under the journal's lock, never through a link; the same text again writes nothing."""
    from rolegate.atomic import update_file

    text = journal.dumps()
    os.makedirs(path.parent, mode=0o700, exist_ok=True)
    update_file(path, lambda _old: (text, None), mode=0o600, private=True)


def _retire_journal(env: Env, path: Path) -> None:
    """A restored journal is kept beside, renamed, for the incident's record; never read again."""
    if path.exists():
        stamp = env.now().strftime("%Y%m%dT%H%M%SZ")
        done = path.with_name(f"{path.stem}.restored-{stamp}.json")
        os.replace(path, done)
        env.note(f"[dim]journal kept as {escape(str(done))}[/]")


def _run(
    env: Env,
    sessions: AwsSessions,
    decided: Decided,
    what: str,
    again: str,
    *,
    go_on: bool = False,
    hand_out: Callable[[ApplyResult], None] | None = None,
    on_password: Callable[[str, str, str], None] | None = None,
) -> ApplyResult:
    """The changes in order. With `go_on` (a lockdown), a role that fails is reported and the others are
    still locked; only a failure to write the journal into the account stops everything."""
    from rolegate.plan.apply import INTERRUPTED
    from rolegate.respond.act import run_in_order

    failed: list[str] = []
    interrupted: list[Change] = []

    def done(change: Change) -> None:
        env.print("  [green]✓[/] " + change_line(change, with_account=True))

    def on_failed(change: Change, error: str) -> bool:
        if error.endswith(INTERRUPTED):  # Ctrl-C: stop here, whatever go_on says
            interrupted.append(change)
            return False
        if not go_on or change.kind != "role":
            return False
        failed.append(error)
        env.print(f"  [red]✗[/] {escape(error)}")
        return True

    result = run_in_order(
        decided.changes, sessions.iam, on_done=done, on_failed=on_failed, on_password=on_password
    )
    if hand_out is not None:
        hand_out(result)
    if interrupted:
        raise interrupted_error(what, again, decided, result)
    if failed and not result.not_done:
        raise ApplyError(
            f"{what}: {len(failed)} of {plural(len(decided.changes), 'step')} failed, the others are done "
            f"(first: {failed[0]}); the journal is kept",
            f"fix the cause and run `{again}` again: it locks what is not locked yet",
        )
    if not result.ok:
        env.print(f"[red bold]{what} stopped[/] at {escape(result.error or '')}")
        raise ApplyError(
            f"{len(result.done)} of {plural(len(decided.changes), 'step')} done before the failure; "
            "the journal is kept",
            f"fix the cause and run `{again}` again: it starts from what is there now",
        )
    return result


class Interrupted(ApplyError):
    """Ctrl-C part way through a lockdown or restore: what was done is said, and the exit is 130."""

    exit_code = ExitStatus.INTERRUPTED


def interrupted_error(what: str, again: str, decided: Decided, result: ApplyResult) -> Interrupted:
    """After Ctrl-C: what was done, what was not, and that the journal lets a rerun finish."""
    done = f"{len(result.done)} of {plural(len(decided.changes), 'step')} done"
    left = [c for c in decided.changes if c not in result.done]
    not_done = ("; not done: " + ", ".join(f"{c.account} {c.kind} {c.name}" for c in left)) if left else ""
    return Interrupted(
        f"{what.lower()} interrupted: {done}{not_done}; the journal is kept",
        f"`{again}` finishes it: it starts from what is there now",
    )


# -- lockdown -----------------------------------------------------------------------------------------------


def _refuse_for_scp(target: tuple[str, str], caller: dict[str, str], keep_open: tuple[str, ...]) -> None:
    """What a lockdown by control policies cannot do, said before any change."""
    if keep_open:
        raise RolegateError(
            "--keep-open is for --method trust: the control policies keep only the bootstrap role open",
            f"`rolegate lockdown --method scp {target[0]}`",
        )
    if target[1] == caller["account"]:
        raise RolegateError(
            f"{target[0]} is the management account: no SCP or RCP ever applies to it",
            f"`rolegate lockdown --method trust {target[0]}` (trust edits) instead",
        )


@click.command()
@click.argument("account", required=False, shell_complete=complete_account)
@click.option(
    "--user",
    "user_name",
    metavar="NAME",
    shell_complete=complete_user,
    help="Lock this person out everywhere instead.",
)
@click.option("--reason", default="", help="Why: kept in the journal and shown by plan and audit.")
@click.option(
    "--keep-open",
    "keep_open",
    multiple=True,
    metavar="ARN",
    help="Another principal of the management account the bootstrap role stays open to (e.g. an "
    "incident-response role); repeatable. Its root and you always are.",
)
@click.option(
    "--method",
    type=click.Choice(["trust", "scp"]),
    default=None,
    help="trust: edit the account's roles. scp: attach an SCP and an RCP to the account through "
    "Organizations, which also stops the sessions already issued from acting. Default: "
    "organization.lockdown in rolegate.yaml, else trust.",
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask; lock down as shown.")
@global_options
@click.pass_obj
def lockdown(
    env: Env,
    account: str | None,
    user_name: str | None,
    reason: str,
    keep_open: tuple[str, ...],
    method: str | None,
    yes: bool,
) -> int:
    """Isolate an environment account in a breach: no new role sessions, the open ones end.

    Every role in ACCOUNT that trusts another account (the hub) or anyone gets a Deny statement in its
    trust policy and an inline policy ending the sessions issued before now (AWS's "revoke active
    sessions"). The exact prior documents go first into a journal, a local file and a copy in the roles'
    own tags, so `rolegate restore` puts back exactly what was there, even from another laptop. The
    bootstrap role stays assumable by the management account's root and by you, nobody else.

    --method scp (or `organization.lockdown: scp` in the file) changes no role: from the management
    account it attaches to ACCOUNT an SCP denying every action to its principals and an RCP denying
    sessions of its roles (enabling the policy types if need be), the bootstrap role aside in both;
    `rolegate restore` takes away exactly those.

    --user NAME locks a person out instead: access keys deactivated, console password removed, an inline
    deny-all that ends their sessions.

    \b
    Examples:
      rolegate lockdown production --reason "keys leaked in CI logs, INC-42"
      rolegate lockdown --method scp production --reason "INC-43" --yes
      rolegate lockdown --user cobus --yes
      rolegate restore production
    """
    config = load_config(env).config
    method = method or (config.organization.lockdown if user_name is None else "trust")
    if (account is None) == (user_name is None):
        raise RolegateError(
            "name an ACCOUNT or --user NAME (one of them)", "e.g. `rolegate lockdown production`"
        )
    if method == "scp" and user_name is not None:
        raise RolegateError("--method scp locks an ACCOUNT down, not a person", "drop --method for --user")
    target = _account(config, account) if account is not None else None  # a typo fails before any AWS call
    sessions = sessions_for(config, env.profile)
    caller = sessions.caller()
    if target is None:
        assert user_name is not None
        return _lock_user(env, config, sessions, caller, user_name, reason, yes)
    if method == "scp":
        _refuse_for_scp(target, caller, keep_open)
        return _lock_by_control_policies(
            env, config, sessions, Lock(since="", by=caller["arn"], reason=reason), target, yes
        )
    keep = _keep(caller, keep_open)
    return _lock_account(env, config, sessions, caller, target, reason, keep, yes)


def _keep(caller: dict[str, str], extra: tuple[str, ...]) -> list[str]:
    """The management account's root, the operator, and --keep-open: principals of the management account
    only, so the way back in never opens to the environments or the outside."""
    import re

    from rolegate.respond.lockdown import operator_keep

    management = caller["account"]
    for arn in extra:
        if not re.fullmatch(rf"arn:aws:iam::{management}:(role|user)/[\w+=,.@/*-]+", arn):
            raise RolegateError(
                f"--keep-open {arn}: not a role or user ARN of the management account ({management})",
                f"e.g. arn:aws:iam::{management}:role/IncidentResponse; the bootstrap role stays open to "
                "the management account alone",
            )
    return sorted(set(operator_keep(caller["arn"], management)) | set(extra))


def _lock_account(
    env: Env,
    config: Config,
    sessions: AwsSessions,
    caller: dict[str, str],
    target: tuple[str, str],
    reason: str,
    keep: list[str],
    yes: bool,
) -> int:
    from rolegate.respond.act import read_one
    from rolegate.respond.lockdown import plan_lockdown

    name, account_id = target
    bootstrap = config.organization.bootstrap_role
    state = read_one(sessions.iam(account_id), name, account_id)
    path = journal_path("account", account_id)
    locked_now = any(is_locked(r) for r in state.roles.values())
    previous = _current_journal(env, path, locked_now)

    def decide(since: str) -> Decided:
        lock = Lock(since=since, by=caller["arn"], reason=reason)
        return plan_lockdown(state, lock=lock, keep=keep, bootstrap_role=bootstrap, previous=previous)

    title = f"[bold]Lockdown of {escape(name)}[/] [dim]{account_id}[/]"
    command, question = f"rolegate lockdown {name}", f"Lock down {name}?"
    decided = _lock(env, sessions, title, path, decide, f"{name} is locked down", command, yes, question)
    if decided is None:
        return ExitStatus.SUCCESS
    env.print(
        f"[bold red]{escape(name)} is locked down[/] since {decided.journal.lock.since}: "
        f"{plural(len(decided.journal.roles), 'role')} deny new sessions, older sessions end."
    )
    env.print(f"Undo with [bold]rolegate restore {escape(name)}[/].")
    return ExitStatus.SUCCESS


def _lock(
    env: Env,
    sessions: AwsSessions,
    title: str,
    path: Path,
    decide: Callable[[str], Decided],
    state: str,
    command: str,
    yes: bool,
    question: str,
) -> Decided | None:
    """Show, ask, journal locally, then run; None when it is all done already (a rerun)."""
    decided: Decided = decide(env.now().strftime(STAMP))
    _show(env, title, decided)
    if decided.empty:
        _write_journal(path, decided.journal)
        env.print(f"[green]{escape(state)}[/] ({escape(decided.journal.lock.describe())}); nothing to do.")
        return None
    env.print(f"Journal: {escape(str(path))} and a copy in the account, written before any change.")
    _confirm(env, yes, question, "lockdown")
    # The sessions issued until the moment you said yes end too.
    decided = decide(_aws_now(env, sessions, env.now()))
    _write_journal(path, decided.journal)
    _run(env, sessions, decided, "Lockdown", command, go_on=True)
    return decided


def _read_journal(path: Path) -> Journal | None:
    try:
        return read_local(path)
    except (ValueError, KeyError, TypeError) as exc:
        raise RolegateError(
            f"{path}: the lockdown journal cannot be read ({exc})",
            "do not delete it: it may hold the only copy; move it aside to restore from the account's tags",
        ) from None


def _current_journal(env: Env, path: Path, locked_now: bool) -> Journal | None:
    """The local journal of the lockdown under way, if any. One left over from a lockdown someone restored
    from another machine (nothing in IAM shows a lock any more) is set aside, not taken up again: its time
    would leave the sessions of the new breach open, and its documents are a month old."""
    previous = _read_journal(path)
    if previous is not None and not locked_now:
        stamp = env.now().strftime("%Y%m%dT%H%M%SZ")
        stale = path.with_name(f"{path.stem}.stale-{stamp}.json")
        os.replace(path, stale)
        env.note(
            f"[dim]an earlier lockdown's journal, restored elsewhere, set aside as {escape(str(stale))}[/]"
        )
        return None
    return previous


def _hub(config: Config) -> tuple[str, str]:
    name = config.organization.hub
    return name, config.hub_id()


def _lock_user(
    env: Env,
    config: Config,
    sessions: AwsSessions,
    caller: dict[str, str],
    user_name: str,
    reason: str,
    yes: bool,
) -> int:
    from rolegate.respond.act import roles_reached, user_credentials
    from rolegate.respond.people import plan_user_lockdown
    from rolegate.runner import read_everything

    hub_name, hub_id = _hub(config)
    iam = sessions.iam(hub_id)
    env.note("[dim]reading every account: which roles the person reaches…[/]")
    taken = read_everything(config, sessions, audit=False)  # what the access graph needs, no more
    state = taken.accounts[hub_name]
    user = state.users.get(user_name)
    if user is None:
        raise RolegateError(
            f"no user {user_name!r} in the hub ({hub_name} {hub_id})",
            "check the name: IAM's is case-sensitive",
        )
    reached = roles_reached(taken, user.arn)
    keys, login_profile = user_credentials(iam, user_name)
    path = journal_path("user", hub_id, user_name)
    previous = _current_journal(env, path, marks.user_lock(user.tags, user.inline_policies) is not None)

    def decide(since: str) -> Decided:
        lock = Lock(since=since, by=caller["arn"], reason=reason)
        return plan_user_lockdown(
            state,
            user,
            access_keys=keys,
            login_profile=login_profile,
            lock=lock,
            reached=reached,
            previous=previous,
            bootstrap_role=config.organization.bootstrap_role,
        )

    title = f"[bold]Lockout of {escape(user_name)}[/] [dim]in {escape(hub_name)} {hub_id}[/]"
    command = f"rolegate lockdown --user {user_name}"
    locked = f"{user_name} is locked out"
    if _lock(env, sessions, title, path, decide, locked, command, yes, f"Lock {user_name} out?") is None:
        return ExitStatus.SUCCESS
    env.print(
        f"[bold red]{escape(user_name)} is locked out[/]. "
        f"Undo with [bold]rolegate restore --user {escape(user_name)}[/]."
    )
    return ExitStatus.SUCCESS


# -- lockdown by control policies ---------------------------------------------------------------------------


def _control_journal_path(account_id: str) -> Path:
    from rolegate.respond.journal import state_dir

    return state_dir() / f"{account_id}.control.json"


def _read_control_journal(path: Path) -> ControlLock | None:
    import json

    try:
        return ControlLock.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise RolegateError(
            f"{path}: the lockdown journal cannot be read ({exc})",
            "do not delete it; move it aside to restore from the policies' tags in Organizations",
        ) from None


def _control_saver(path: Path) -> Callable[[ControlLock], None]:
    def save(journal: ControlLock) -> None:
        from rolegate.atomic import update_file

        text = journal.dumps()
        os.makedirs(path.parent, mode=0o700, exist_ok=True)
        update_file(path, lambda _old: (text, None), mode=0o600, private=True)

    return save


def _control_stopped(what: str, again: str, exc: Exception) -> ApplyError:
    """An Organizations call failed part way: what AWS said, and that a rerun takes up what is done."""
    from rolegate.aws.errors import error_code, refusal

    said = refusal(exc) if error_code(exc) else f"{type(exc).__name__}: {exc}"
    return ApplyError(
        f"{what} by control policies stopped: {said}; the journal is kept",
        f"fix the cause (the operator needs organizations:* in the management account) and run `{again}` "
        "again: it starts from what is done",
    )


def _control_lock_under_way(
    organizations: object, org: str, path: Path, target: tuple[str, str], lock: Lock
) -> ControlLock:
    """The journal of a lockdown by control policies already under way (local, or from the policies' tags:
    run again from another machine, it must not make a second pair), or a new one."""
    from rolegate.respond.act import control_policies_on
    from rolegate.respond.lockdown import control_journal_of_policies

    name, account_id = target
    local = _read_control_journal(path)
    if local is not None and local.policies:
        return local
    found = control_journal_of_policies(org, name, account_id, control_policies_on(organizations, account_id))
    return found or local or ControlLock(name, account_id, lock)


def _lock_by_control_policies(
    env: Env, config: Config, sessions: AwsSessions, lock: Lock, target: tuple[str, str], yes: bool
) -> int:
    """Show the steps, ask, journal locally, then enable, create and attach through Organizations."""
    from rolegate.model.guardrails import Facts
    from rolegate.respond.act import lock_by_control_policies, root_policy_types
    from rolegate.respond.lockdown import control_documents, control_lock_lines, types_to_enable

    name, account_id = target
    organizations = sessions.organizations()
    path = _control_journal_path(account_id)
    journal = _control_lock_under_way(organizations, config.organization.name, path, target, lock)
    bootstrap = config.organization.bootstrap_role
    lines = control_lock_lines(name, types_to_enable(root_policy_types(organizations)), journal, bootstrap)
    env.print(f"[bold]Lockdown of {escape(name)}[/] [dim]{account_id}[/] by control policies")
    for line in lines:
        env.print("  " + _detail(line))
    if lines:
        env.print(f"Journal: {escape(str(path))} and the policies' own tags, written as each step is done.")
        _confirm(env, yes, f"Lock down {name}?", "lockdown")
    else:  # a rerun: only the attachments are made sure of, which changes nothing that is already so
        env.print(f"  [dim]= already locked down ({escape(journal.lock.describe())})[/]")
    if not journal.lock.since:
        journal.lock = Lock(_aws_now(env, sessions, env.now()), lock.by, lock.reason)
    save = _control_saver(path)
    save(journal)
    facts = Facts(org=config.organization.name, bootstrap_role=bootstrap)
    try:
        lock_by_control_policies(
            organizations,
            journal,
            org=config.organization.name,
            documents=control_documents(facts, account_id),
            save=save,
            done=lambda line: env.print(f"  [green]✓[/] {escape(line)}"),
        )
    except Exception as exc:
        raise _control_stopped("Lockdown", f"rolegate lockdown --method scp {name}", exc) from exc
    env.print(
        f"[bold red]{escape(name)} is locked down[/] by an SCP and an RCP since {journal.lock.since}: "
        f"nobody but {escape(bootstrap)} acts there or starts a session of its roles."
    )
    env.print(f"Undo with [bold]rolegate restore {escape(name)}[/].")
    return ExitStatus.SUCCESS


def _attached_control_policies(
    env: Env, organizations: object, account_id: str
) -> list[tuple[str, str, dict[str, str]]]:
    """The control policies on the account, for a restore with no local journal of a lockdown by them.
    An operator Organizations refuses (a trust lockdown needs only IAM) is told; the trust restore goes on."""
    from rolegate.aws.errors import error_code
    from rolegate.respond.act import control_policies_on

    try:
        return control_policies_on(organizations, account_id)
    except Exception as exc:
        if error_code(exc) not in ("AccessDeniedException", "AccessDenied"):
            raise
        env.note(
            "[yellow]Organizations refused to list the account's control policies[/]: a lockdown by them, "
            "if any, is not restored (rerun from the management account with organizations:* to do so)"
        )
        return []


def _restore_control_policies(
    env: Env, sessions: AwsSessions, org: str, target: tuple[str, str], yes: bool
) -> bool:
    """Take away a lockdown by control policies, if there is one (local journal, or the policies' tags);
    whether there was."""
    from rolegate.respond.act import restore_control_policies
    from rolegate.respond.lockdown import SHORT, control_journal_of_policies

    name, account_id = target
    organizations = sessions.organizations()
    path = _control_journal_path(account_id)
    journal = _read_control_journal(path)
    if journal is None or not journal.policies:
        found = _attached_control_policies(env, organizations, account_id)
        journal = control_journal_of_policies(org, name, account_id, found)
    if journal is None:
        return False
    env.print(f"[bold]Restore of {escape(name)}[/] [dim]{account_id}[/] ({escape(journal.lock.describe())})")
    for policy_type, policy_id in sorted(journal.policies.items()):
        env.print(
            f"  [red]- {SHORT[policy_type]} {escape(policy_id)}[/] detached from {escape(name)}, deleted"
        )
    for policy_type in journal.enabled:
        env.print(f"  [red]- {policy_type}[/] disabled, unless another policy of it is attached somewhere")
    _confirm(env, yes, f"Restore {name}?", "restore")
    try:
        notes = restore_control_policies(
            organizations,
            journal,
            save=_control_saver(path),
            done=lambda line: env.print(f"  [green]✓[/] {escape(line)}"),
        )
    except Exception as exc:
        raise _control_stopped("Restore", f"rolegate restore {name}", exc) from exc
    for note in notes:
        env.print(f"  [yellow]note:[/] {escape(note)}")
    _retire_journal(env, path)
    env.print(f"[green bold]{escape(name)} is restored[/]: rolegate's control policies are gone.")
    return True


# -- restore ------------------------------------------------------------------------------------------------


@click.command()
@click.argument("account", required=False, shell_complete=complete_account)
@click.option(
    "--user",
    "user_name",
    metavar="NAME",
    shell_complete=complete_user,
    help="Let this person back in instead.",
)
@click.option("--force", is_flag=True, help="Restore even though the account changed since the lockdown.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask; restore as shown.")
@click.option(
    "--password-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --user: write the new one-time console password to this file (0600) instead of the terminal.",
)
@global_options
@click.pass_obj
def restore(
    env: Env, account: str | None, user_name: str | None, force: bool, yes: bool, password_out: Path | None
) -> int:
    """Undo a lockdown: put back exactly the documents the journal holds, remove the deny policies.

    Reads the local journal, or, when it is gone, the copy in the roles' (the user's) tags. Before changing
    anything it compares the account with the journal: a role deleted, a trust policy edited, a policy
    attached or changed since the lockdown stops it, with the difference shown.
    --force restores anyway (trust policies as journaled; the other changes are left as found).

    A console password cannot be put back (IAM never returns it): --user sets a new one-time password,
    to be changed at first sign-in, shown once or written to --password-out.

    \b
    Examples:
      rolegate restore production
      rolegate restore --user cobus --password-out ~/cobus-password.txt
    """
    config = load_config(env).config
    if (account is None) == (user_name is None):
        raise RolegateError(
            "name an ACCOUNT or --user NAME (one of them)", "e.g. `rolegate restore production`"
        )
    target = _account(config, account) if account is not None else None
    sessions = sessions_for(config, env.profile)
    sessions.caller()
    if target is None:
        assert user_name is not None
        return _restore_user(env, config, sessions, user_name, force, yes, password_out)
    return _restore_account(env, config, sessions, target, force, yes)


def _stop_on_differences(
    env: Env, where: str, journal: Journal, found: list[Difference], force: bool, again: str
) -> None:
    if not found:
        return
    _differences(env, where, journal, found)
    if not force:
        raise RolegateError(
            f"restore stopped: {where} changed since the lockdown ({plural(len(found), 'difference')}); "
            "nothing was changed",
            f"look at the difference above; `{again} --force` restores anyway (trust policies as journaled, "
            "the other changes left as found)",
        )
    env.print("[yellow]--force: restoring anyway.[/]")


def _restore_account(
    env: Env, config: Config, sessions: AwsSessions, target: tuple[str, str], force: bool, yes: bool
) -> int:
    from rolegate.respond.act import read_one
    from rolegate.respond.lockdown import compare_account, completed, journal_in_account, plan_restore

    name, account_id = target
    by_control = _restore_control_policies(env, sessions, config.organization.name, target, yes)
    state = read_one(sessions.iam(account_id), name, account_id)
    path = journal_path("account", account_id)
    locked_now = any(is_locked(r) for r in state.roles.values())
    local = _current_journal(env, path, locked_now)
    journal = completed(local, journal_in_account(state))
    source = str(path) if local is not None else "the roles' tags in the account (no local journal)"
    if journal is None and by_control:
        return ExitStatus.SUCCESS
    if journal is None:
        env.print(
            f"{escape(name)} is not locked down: no journal here ({escape(str(path))}) nor in the account."
        )
        return ExitStatus.SUCCESS
    env.note(f"[dim]journal: {escape(source)}[/]")
    _stop_on_differences(
        env, name, journal, compare_account(journal, state), force, f"rolegate restore {name}"
    )
    decided = plan_restore(journal, state, config.organization.bootstrap_role)
    _show(
        env,
        f"[bold]Restore of {escape(name)}[/] [dim]{account_id}[/] ({escape(journal.lock.describe())})",
        decided,
    )
    if not decided.empty:
        _confirm(env, yes, f"Restore {name}?", "restore")
        _run(env, sessions, decided, "Restore", f"rolegate restore {name}")
    _retire_journal(env, path)
    env.print(f"[green bold]{escape(name)} is restored[/]: every role as before the lockdown.")
    return ExitStatus.SUCCESS


def _password_has_a_place(env: Env, user_name: str, decided: Decided, password_out: Path | None) -> None:
    """A restore that sets a new console password needs a terminal to show it on, or --password-out."""
    needs_password = any(c.operation == "CreateLoginProfile" for ch in decided.changes for c in ch.calls)
    if needs_password and password_out is None and not env.stdout_is_tty:
        raise RolegateError(
            f"{user_name} gets a new one-time console password, shown once on a terminal, "
            "and stdout is not one",
            "pass --password-out FILE (written with mode 0600); nothing was changed",
        )


def _restore_user(
    env: Env,
    config: Config,
    sessions: AwsSessions,
    user_name: str,
    force: bool,
    yes: bool,
    password_out: Path | None,
) -> int:
    from rolegate.cli.passwords import check_password_out, hand_out_passwords, password_writer
    from rolegate.respond.act import read_one, user_credentials
    from rolegate.respond.people import compare_user, journal_of_user, plan_user_restore

    if password_out is not None:  # before anything is read or changed: see `apply`
        check_password_out(password_out)
    hub_name, hub_id = _hub(config)
    iam = sessions.iam(hub_id)
    state = read_one(iam, hub_name, hub_id)
    user = state.users.get(user_name)
    path = journal_path("user", hub_id, user_name)
    locked_now = user is None or marks.user_lock(user.tags, user.inline_policies) is not None
    journal = _current_journal(env, path, locked_now) or (
        journal_of_user(state, user) if user is not None else None
    )
    if journal is None:
        env.print(
            f"{escape(user_name)} is not locked out: no journal here ({escape(str(path))}) nor in their tags."
        )
        return ExitStatus.SUCCESS
    keys, login_profile = user_credentials(iam, user_name) if user is not None else ({}, False)
    _stop_on_differences(
        env,
        user_name,
        journal,
        compare_user(journal, user, keys),
        force,
        f"rolegate restore --user {user_name}",
    )
    if user is None:
        raise RolegateError(f"user {user_name} no longer exists in the hub: nothing to restore")
    decided = plan_user_restore(journal, user, access_keys=keys, login_profile=login_profile)
    _show(env, f"[bold]Restore of {escape(user_name)}[/] ({escape(journal.lock.describe())})", decided)
    _password_has_a_place(env, user_name, decided, password_out)
    if not decided.empty:
        _confirm(env, yes, f"Let {user_name} back in?", "restore")
        _run(
            env, sessions, decided, "Restore", f"rolegate restore --user {user_name}",
            # even when a later step fails: the password is set in IAM and shown nowhere else
            hand_out=lambda result: hand_out_passwords(env, result, password_out),
            # and into --password-out the moment IAM has it: a restore killed later has not lost it
            on_password=password_writer(password_out),
        )  # fmt: skip
    _retire_journal(env, path)
    env.print(f"[green bold]{escape(user_name)} is let back in[/].")
    return ExitStatus.SUCCESS
