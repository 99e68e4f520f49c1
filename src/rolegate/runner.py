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


def read_everything(config: Config, sessions: AwsSessions) -> Snapshot:
    """All that `snapshot`, `access` and `audit` look at: every account in full (roles' session lengths,
    aliases, the hub's password policy, credential reports and summaries), the organization's id, and the
    AWS managed policies attached anywhere."""
    from rolegate.state.collect import aws_managed_documents

    desired = compile_config(config)
    sessions.caller()
    plans = [
        ReadPlan(
            name=p.name,
            account_id=p.account_id,
            role_sessions=True,
            alias=True,
            password_policy=desired.accounts[p.name].is_hub,
            audit=True,
        )
        for p in read_plans(config, desired)
    ]
    snapshot = collect(plans, sessions.iam)
    hub = sessions.operator_account()
    snapshot.aws_managed_policies = aws_managed_documents(sessions.iam(hub), snapshot)
    try:
        snapshot.organization_id = sessions.organizations().describe_organization()["Organization"]["Id"]
    except Exception:  # not in an organization, or not allowed to see it: PrincipalOrgID stays conditional
        snapshot.organization_id = ""
    return snapshot
