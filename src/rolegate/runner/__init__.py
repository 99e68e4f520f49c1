"""The steps plan, apply and demo share: decide what to read, read it, and compute the plan."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from typing import Any

from rolegate.aws.retry import patiently
from rolegate.aws.session import AwsSessions
from rolegate.errors import RolegateError
from rolegate.model.config import Config
from rolegate.plan.apply import NotApplied, not_applied, unread
from rolegate.plan.changes import Change, Plan
from rolegate.plan.compile import Desired, compile_config
from rolegate.plan.diff import diff
from rolegate.plan.organization import ACCOUNT as ORGANIZATION
from rolegate.state.collect import DEFAULT_WORKERS, ReadPlan, collect, collect_each
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
                logins=acct.is_hub,
                owner=desired.org,
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
    workers: int = DEFAULT_WORKERS,
    partial: bool = False,
    adopt: frozenset[str] = frozenset(),
) -> tuple[Snapshot, Plan]:
    """The snapshot and the plan. `partial`: an account that cannot be read is listed in the plan's
    `unreadable` (and nothing is planned there) instead of stopping everything; plan and apply use it so
    that one broken account out of hundreds does not hold up the others. `adopt`: --adopt's names."""
    desired = replace(compile_config(config), adopt_names=adopt)
    if partial:
        return desired_plan(config, desired, sessions, on_read=on_read, workers=workers)
    sessions.caller()  # credentials trouble is one message up front, not one per account thread
    snapshot = collect(read_plans(config, desired), sessions.iam, workers=workers, on_done=on_read)
    read_organization_if_declared(desired, sessions, snapshot)
    return snapshot, diff(desired, snapshot)


def read_organization_if_declared(desired: Desired, sessions: AwsSessions, snapshot: Snapshot) -> None:
    """The organization's units, places and control policies, when the file shapes them: a plan of IAM
    alone makes no Organizations call."""
    from rolegate.state.organization import read_organization

    wanted = desired.organization
    if not wanted.declared:
        return
    organization = read_organization(sessions.organizations())
    if wanted.root_access is not None:
        from rolegate.state.root_access import read_features, trusted_access

        organization.root_features = read_features(sessions.iam(organization.management_account_id))
        organization.iam_trusted_access = trusted_access(sessions.organizations())
    snapshot.organization = organization


def desired_plan(
    config: Config,
    desired: Desired,
    sessions: AwsSessions,
    *,
    on_read: Callable[[ReadPlan], None] | None = None,
    workers: int = DEFAULT_WORKERS,
) -> tuple[Snapshot, Plan]:
    """read_and_plan's partial read for a file compiled already (the orchestrator compiles once, for the
    plan, the StackSet engine and the read-back alike): accounts that cannot be read are the plan's
    `unreadable`, the others planned."""
    sessions.caller()  # credentials trouble is one message up front, not one per account thread
    plans = read_plans(config, desired)
    snapshot, failures = collect_each(plans, sessions.iam, workers=workers, on_done=on_read)
    read_organization_if_declared(desired, sessions, snapshot)
    plan = diff(desired, snapshot)
    plan.unreadable = {
        name: {"account_id": desired.accounts[name].account_id, "error": exc.message, "hint": exc.hint or ""}
        for name, exc in failures.items()
    }
    return snapshot, plan


# Waits before a change that does not read back is read again: IAM is eventually consistent, and a read right
# after a write may still see the old state for a few seconds. About 15 s in all.
READ_BACK_WAITS = (1.0, 2.0, 4.0, 8.0)


def read_back_plans(desired: Desired, changes: list[Change]) -> list[ReadPlan]:
    """The reads that show what `changes` did, and no more: GAAD in each account they touched, ListRoles only
    where a role changed, the alias or the password policy only where that changed, the hub's logins only
    where a user changed. The same reads `collect` makes for a plan."""
    touched: dict[str, set[tuple[str, str]]] = {}
    for change in changes:
        if change.account in desired.accounts:  # the organization's changes are read back on their own
            touched.setdefault(change.account, set()).add((change.kind, change.name))
    plans = []
    for name, what in touched.items():
        acct = desired.accounts[name]
        kinds = {kind for kind, _ in what}
        plans.append(
            ReadPlan(
                name=name,
                account_id=acct.account_id,
                role_sessions="role" in kinds,
                alias=("account", "alias") in what,
                password_policy=acct.is_hub and ("account", "password policy") in what,
                logins=acct.is_hub and "user" in kinds,
                owner=desired.org,
            )
        )
    return plans


def read_back(
    desired: Desired,
    sessions: AwsSessions,
    changes: list[Change],
    *,
    sleep: Callable[[float], None] | None = None,
    waits: tuple[float, ...] | None = None,
) -> list[NotApplied]:
    """Which of `changes`, every call of them answered OK, the accounts do not show: their accounts read
    again as plan reads them, and the file's plan made against that (diff, then apply's `not_applied`). What
    does not match is read again after a wait, for IAM's eventual consistency, before it is reported."""
    import time

    pending = list(changes)
    found: list[NotApplied] = []
    for wait in (*(READ_BACK_WAITS if waits is None else waits), None):
        # One account at a time is what apply asks for: its worker reads back its own account.
        snapshot, failures = collect_each(read_back_plans(desired, pending), sessions.iam, workers=1)
        if any(c.account == ORGANIZATION for c in pending):
            read_organization_if_declared(desired, sessions, snapshot)
        found = not_applied(pending, diff(desired, snapshot))
        for name, exc in failures.items():
            found += unread([c for c in pending if c.account == name], exc.message)
        if not found or wait is None:
            break
        (sleep or time.sleep)(wait)
        pending = [f.change for f in found]
    order = {id(c): i for i, c in enumerate(changes)}
    return sorted(found, key=lambda f: order.get(id(f.change), 0))


def read_everything(config: Config, sessions: AwsSessions, *, audit: bool = True) -> Snapshot:
    """All that `snapshot`, `access` and `audit` look at: every account in full (roles' session lengths,
    aliases, the hub's password policy, credential reports and summaries), the organization's id, and the
    AWS managed policies attached anywhere. `audit=False`: what access alone needs (no credential reports,
    summaries, aliases or password policy)."""
    from rolegate.state.collect import aws_managed_documents

    desired = compile_config(config)
    sessions.caller()
    plans = [
        ReadPlan(
            name=p.name,
            account_id=p.account_id,
            role_sessions=audit,
            alias=audit,
            password_policy=audit and desired.accounts[p.name].is_hub,
            audit=audit,
            logins=p.logins,
            owner=p.owner,
        )
        for p in read_plans(config, desired)
    ]
    snapshot = collect(plans, sessions.iam)
    hub = sessions.operator_account()
    snapshot.aws_managed_policies = aws_managed_documents(sessions.iam(hub), snapshot)
    try:
        organization = patiently(sessions.organizations().describe_organization)["Organization"]
    except Exception:  # not in an organization, or not allowed to see it: PrincipalOrgID stays conditional
        return snapshot
    snapshot.organization_id = organization["Id"]
    try:  # the file's units and guardrails, for `plan --snapshot`; access and audit do without them
        read_organization_if_declared(desired, sessions, snapshot)
    except RolegateError:
        snapshot.organization = None
    members = [
        a.account_id for a in snapshot.accounts.values() if a.account_id != organization["MasterAccountId"]
    ]
    found = read_control_policies(sessions.organizations(), members)
    snapshot.scps, snapshot.rcps = found[SERVICE_CONTROL], found[RESOURCE_CONTROL]
    return snapshot


SERVICE_CONTROL = "SERVICE_CONTROL_POLICY"
RESOURCE_CONTROL = "RESOURCE_CONTROL_POLICY"
Levels = dict[str, list[list[dict[str, Any]]]]  # account id -> documents per node, from the root down


def read_control_policies(organizations: Any, account_ids: list[str]) -> dict[str, Levels]:
    """The service and resource control policies over each member account, by type: one level per node
    from the root down to the account, each a list of documents (every level must allow). Each account's
    path is walked once for both types. The management account is never limited by either, so it is not
    asked for; a type not enabled (or not readable) yields nothing."""
    # A few Organizations calls an account at least, so the accounts are walked by a small pool, not one by
    # one (300 accounts: most of a snapshot's time). A node two workers reach at once is read twice: harmless.
    workers = max(1, min(DEFAULT_WORKERS, len(account_ids)))

    def path(account_id: str) -> list[str]:
        found = [account_id]
        while True:
            parent = patiently(partial(organizations.list_parents, ChildId=found[-1]))["Parents"][0]
            found.append(parent["Id"])
            if parent["Type"] == "ROOT":
                return list(reversed(found))

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            paths = dict(zip(account_ids, pool.map(path, account_ids), strict=True))
    except Exception:  # not readable: access is computed without control policies, and says so
        return {SERVICE_CONTROL: {}, RESOURCE_CONTROL: {}}
    return {t: _levels(organizations, paths, t, workers) for t in (SERVICE_CONTROL, RESOURCE_CONTROL)}


def _levels(organizations: Any, paths: dict[str, list[str]], policy_type: str, workers: int) -> Levels:
    import json

    documents: dict[str, dict[str, Any]] = {}
    on_node: dict[str, list[dict[str, Any]]] = {}

    def policies_on(target: str) -> list[dict[str, Any]]:
        if target not in on_node:
            found = []
            pages = organizations.get_paginator("list_policies_for_target").paginate(
                TargetId=target, Filter=policy_type
            )
            for page in pages:
                for summary in page.get("Policies", []):
                    pid = summary["Id"]
                    if pid not in documents:
                        content = organizations.describe_policy(PolicyId=pid)["Policy"]["Content"]
                        documents[pid] = json.loads(content)
                    found.append(documents[pid])
            on_node[target] = found
        return on_node[target]

    def levels(nodes: list[str]) -> list[list[dict[str, Any]]]:
        # Throttling is waited out here: the `except` below would read it as "not readable".
        return [patiently(partial(policies_on, node)) for node in nodes]

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            found = list(pool.map(levels, paths.values()))
    except Exception:  # this type not enabled or not readable: access is computed without it, and says so
        return {}
    return dict(zip(paths, found, strict=True))
