"""The steps plan, apply and demo share: decide what to read, read it, and compute the plan."""

from __future__ import annotations

from collections.abc import Callable

from rolegate.aws.session import AwsSessions
from rolegate.model.config import Config
from rolegate.plan.changes import Plan
from rolegate.plan.compile import Desired, compile_config
from rolegate.plan.diff import diff
from rolegate.state.collect import ReadPlan, collect
from rolegate.state.snapshot import Snapshot


def read_plans(config: Config, desired: Desired) -> list[ReadPlan]:
    """Only what the file manages costs a call: ListRoles where it puts roles, the alias where it sets one."""
    plans = []
    for name, acct in desired.accounts.items():
        plans.append(
            ReadPlan(
                name=name,
                account_id=acct.account_id,
                role_sessions=bool(acct.roles),
                alias=config.accounts[name].alias is not None,
                password_policy=acct.is_hub and acct.password_policy is not None,
            )
        )
    return plans


def sessions_for(config: Config, profile: str | None) -> AwsSessions:
    return AwsSessions(profile, config.organization.region, bootstrap_role=config.organization.bootstrap_role)


def read_and_plan(
    config: Config,
    sessions: AwsSessions,
    *,
    on_read: Callable[[ReadPlan], None] | None = None,
) -> tuple[Snapshot, Plan]:
    desired = compile_config(config)
    sessions.caller()  # credentials trouble is one message up front, not one per account thread
    snapshot = collect(read_plans(config, desired), sessions.iam, on_done=on_read)
    return snapshot, diff(desired, snapshot)
