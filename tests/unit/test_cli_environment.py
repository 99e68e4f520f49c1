"""The Environment a command runs in (streams, whether each is a terminal, colour, clock, variables), and the
one yes / no-terminal / prompt gate every command asks through (Environment.confirm). Tests drive a command
with "a terminal" or "not one", a typed answer and a clock of their choosing, in-process, with no pty."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass

import pytest
from tests.helpers import Org, seed_applied

from rolegate.cli.env import Environment, Gate
from rolegate.cli.main import run
from rolegate.errors import ExitStatus, UserAbort

ACCOUNTS = Gate(
    "Lock production down?",
    no_terminal="lockdown changes your accounts and there is no terminal to ask on",
    no_terminal_hint="run it with --yes",
    cancelled="lockdown cancelled; nothing was changed",
)
LOCAL_FILE = Gate(
    "Move AKIA… into the keyring?",
    no_terminal="this would move AKIA… into the keyring; nothing was changed",
    no_terminal_hint="run `rolegate keys add hub --yes` to do it without asking",
    cancelled="nothing was changed",
    typed_yes=False,
)


def environment(typed: str = "", *, stdin_tty: bool = True, stdout_tty: bool = True) -> Environment:
    return Environment(
        stdin=io.StringIO(typed),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdin_isatty=stdin_tty,
        stdout_isatty=stdout_tty,
        stderr_isatty=False,
        environ={},
    )


def out(env: Environment) -> str:
    assert isinstance(env.stdout, io.StringIO)
    return env.stdout.getvalue()


def err(env: Environment) -> str:
    assert isinstance(env.stderr, io.StringIO)
    return env.stderr.getvalue()


@dataclass(frozen=True)
class Case:
    gate: Gate
    typed: str
    yes: bool = False
    stdin_tty: bool = True
    stdout_tty: bool = True
    goes_on: bool = False
    aborted: bool = False  # the input ended before an answer: click.Abort, "aborted; nothing more…"


CASES = [
    # --yes goes on whatever the terminal and whatever is typed (nothing is read).
    Case(ACCOUNTS, "", yes=True, goes_on=True),
    Case(ACCOUNTS, "no\n", yes=True, goes_on=True),
    Case(ACCOUNTS, "", yes=True, stdin_tty=False, stdout_tty=False, goes_on=True),
    Case(LOCAL_FILE, "", yes=True, stdin_tty=False, goes_on=True),
    # No terminal on stdin or stdout: refused with the gate's hint, nothing read.
    Case(ACCOUNTS, "yes\n", stdin_tty=False),
    Case(ACCOUNTS, "yes\n", stdout_tty=False),
    Case(ACCOUNTS, "yes\n", stdin_tty=False, stdout_tty=False),
    Case(LOCAL_FILE, "y\n", stdin_tty=False),
    Case(LOCAL_FILE, "y\n", stdout_tty=False),
    # A change to the accounts: only the word yes.
    Case(ACCOUNTS, "yes\n", goes_on=True),
    Case(ACCOUNTS, "  yes  \n", goes_on=True),
    Case(ACCOUNTS, "yes\r\n", goes_on=True),
    Case(ACCOUNTS, "y\n"),
    Case(ACCOUNTS, "YES\n"),
    Case(ACCOUNTS, "Yes\n"),
    Case(ACCOUNTS, "no\n"),
    Case(ACCOUNTS, "\n"),
    Case(ACCOUNTS, "yes please\n"),
    Case(ACCOUNTS, "", aborted=True),
    # A local file's lines, with a backup: y/N, default no; a wrong answer is asked again.
    Case(LOCAL_FILE, "y\n", goes_on=True),
    Case(LOCAL_FILE, "Y\n", goes_on=True),
    Case(LOCAL_FILE, "yes\n", goes_on=True),
    Case(LOCAL_FILE, "n\n"),
    Case(LOCAL_FILE, "\n"),
    Case(LOCAL_FILE, "NO\n"),
    Case(LOCAL_FILE, "maybe\ny\n", goes_on=True),
    Case(LOCAL_FILE, "maybe\n", aborted=True),
    Case(LOCAL_FILE, "", aborted=True),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.gate.cancelled[:8]}-{c.typed!r}-{c.yes}" for c in CASES])
def test_the_gate_goes_on_only_on_yes_or_a_yes_typed_on_a_terminal(case: Case) -> None:
    import click

    env = environment(case.typed, stdin_tty=case.stdin_tty, stdout_tty=case.stdout_tty)
    asked = case.yes is False and case.stdin_tty and case.stdout_tty

    if case.goes_on:
        env.confirm(case.gate, yes=case.yes)
    elif case.aborted:
        with pytest.raises(click.Abort):
            env.confirm(case.gate, yes=case.yes)
    else:
        with pytest.raises(UserAbort) as refused:
            env.confirm(case.gate, yes=case.yes)
        expected = case.gate.cancelled if asked else case.gate.no_terminal
        assert refused.value.message == expected
        assert refused.value.hint == (None if asked else case.gate.no_terminal_hint)
        assert refused.value.exit_code == ExitStatus.ERROR

    shown = out(env)
    if asked:
        wanted = "Only 'yes' will be accepted: " if case.gate.typed_yes else "[y/N]: "
        assert case.gate.question in shown and wanted in shown
    else:
        assert shown == ""  # no terminal, or --yes: nothing asked


def production_trusts(org: Org) -> dict[str, str]:
    iam = org.client("iam", "production")
    return {
        r["RoleName"]: json.dumps(r["AssumeRolePolicyDocument"], sort_keys=True)
        for r in iam.list_roles()["Roles"]
        if r["RoleName"] != "OrganizationAccountAccessRole"
    }


def test_cobus_locks_production_down_through_the_environment_as_a_terminal_and_as_a_pipe(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given the seed applied, when cobus runs `rolegate lockdown production` with no terminal, then it asks
    nothing and changes nothing (exit 1); on "a terminal" answering no, the same; answering yes, production
    is locked (exit 0). The Environment's clock, an hour off AWS's, is what the skew note reads."""
    config = seed_applied(org, capsys)
    before = production_trusts(org)
    argv = ["-c", config, "lockdown", "production"]

    piped = environment("yes\n", stdin_tty=False, stdout_tty=False)
    assert run(argv, piped) == ExitStatus.ERROR
    assert "there is no terminal to ask on" in err(piped)
    assert "Only 'yes'" not in out(piped)
    assert production_trusts(org) == before

    declined = environment("no\n")
    assert run(argv, declined) == ExitStatus.ERROR
    assert "Lockdown of production" in out(declined)
    assert "lockdown cancelled; nothing was changed" in err(declined)
    assert production_trusts(org) == before

    agreed = environment("yes\n")
    agreed.clock = lambda: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert run(argv, agreed) == ExitStatus.SUCCESS, err(agreed)
    assert "production is locked down" in out(agreed)
    assert "off AWS's" in err(agreed)
    after = production_trusts(org)
    assert after != before and all("Deny" in trust for trust in after.values())


def test_no_color_in_the_environment_turns_colours_off_even_on_a_terminal() -> None:
    env = environment(stdout_tty=True)
    assert env.colour and env.out.is_terminal
    assert not Environment(environ={"NO_COLOR": "1"}, stdout_isatty=True).colour
    env.options(no_color=True)
    assert not env.colour and env.out.no_color


class _CtrlC(io.StringIO):
    def readline(self, size: int | None = -1) -> str:
        raise KeyboardInterrupt


def test_ctrl_c_at_the_question_aborts_as_click_prompt_did() -> None:
    """Ctrl-C while apply asks is "aborted; nothing more was changed" (exit 1), as with click.prompt; not
    "interrupted; run the same command again" (130), which is for a run under way."""
    import click

    env = environment()
    env.stdin = _CtrlC()
    with pytest.raises(click.Abort):
        env.confirm(ACCOUNTS, yes=False)
