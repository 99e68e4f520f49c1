"""An apply stopped by Ctrl-C exits 130 (ExitStatus.INTERRUPTED), as every interrupted rolegate command does,
and one stopped by a failure exits 1: given a plan over development, when its account's result says it was
interrupted, then the error apply raises carries 130; when a change failed, 1. (On e6533b3 both were 1.)"""

from __future__ import annotations

from rolegate.cli.commands.plan import _apply_error
from rolegate.errors import ExitStatus
from rolegate.plan.apply import INTERRUPTED, AccountResult, ApplyResult
from rolegate.plan.changes import Change, Plan

ROLE = Change("development", "222222222222", "create", "role", "administrator")


def stopped(error: str, failed: Change | None) -> ApplyResult:
    account = AccountResult("development", "222222222222")
    account.failed, account.error, account.not_done = failed, error, [ROLE]
    return ApplyResult(accounts={"development": account})


def test_ctrl_c_during_apply_exits_130_and_a_failure_exits_1() -> None:
    plan = Plan(changes=[ROLE], accounts={"development": "222222222222"})

    interrupted = _apply_error(plan, stopped(INTERRUPTED, None))
    failed = _apply_error(plan, stopped("AccessDenied: not allowed", ROLE))

    assert interrupted.exit_code == ExitStatus.INTERRUPTED == 130
    assert "development (interrupted)" in str(interrupted)
    assert failed.exit_code == ExitStatus.ERROR
