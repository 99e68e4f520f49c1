"""The thin layer that talks to AWS for lockdown and restore: read one account, read a user's keys and
login profile (GetAccountAuthorizationDetails shows neither), and run decided changes in the given order.

Running reuses apply's executor one change at a time, so lockdown and restore get the same retries, waits for
IAM's eventual consistency and tolerance of "already so" as apply, but keep their own order (the journal
first, the bootstrap role last) instead of apply's phases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rolegate.plan.apply import ApplyResult, apply_plan
from rolegate.plan.changes import Change, Plan
from rolegate.state.collect import ReadPlan, read_account
from rolegate.state.snapshot import AccountState, Role, Snapshot


def read_one(iam: Any, name: str, account_id: str) -> AccountState:
    """One account through GetAccountAuthorizationDetails: roles and users with documents and tags."""
    return read_account(iam, ReadPlan(name=name, account_id=account_id))


def roles_reached(snapshot: Snapshot, principal_arn: str) -> list[tuple[str, str, Role]]:
    """(account, account id, role) of every role the principal reaches, or may under conditions."""
    from rolegate.access.graph import AccessGraph

    graph = AccessGraph(snapshot)
    principal = next(p for p in graph.users() if p.arn == principal_arn)
    found = []
    for row in graph.reach(principal):
        if row.reachable != "no":
            role = snapshot.accounts[row.account].roles[row.role]
            found.append((row.account, row.account_id, role))
    return found


def user_credentials(iam: Any, user: str) -> tuple[dict[str, str], bool]:
    """A user's access keys (id -> status; ids are not secrets) and whether a login profile exists."""
    keys: dict[str, str] = {}
    for page in iam.get_paginator("list_access_keys").paginate(UserName=user):
        for key in page.get("AccessKeyMetadata", []):
            keys[key["AccessKeyId"]] = key["Status"]
    try:
        iam.get_login_profile(UserName=user)
        login_profile = True
    except iam.exceptions.NoSuchEntityException:
        login_profile = False
    return keys, login_profile


def run_in_order(
    changes: list[Change],
    iam_for: Callable[[str], Any],
    *,
    on_done: Callable[[Change], None] | None = None,
    on_failed: Callable[[Change, str], bool] | None = None,
    on_password: Callable[[str, str, str], None] | None = None,
) -> ApplyResult:
    """Each change through apply's executor, in exactly this order. A failure stops the rest unless
    `on_failed` (told of it) says to go on: in a breach, a role that cannot be locked must not keep the others
    open. `failed` and `error` are then the first failure's. `on_password`: as apply's, told of each console
    password the moment IAM has it."""
    total = ApplyResult()
    for index, change in enumerate(changes):
        one = apply_plan(
            Plan(changes=[change], accounts={change.account: change.account_id}),
            iam_for,
            on_password=on_password,
        )
        total.calls += one.calls
        total.passwords.update(one.passwords)
        if not one.ok:
            if total.failed is None:
                total.failed, total.error = one.failed, one.error
            if on_failed is not None and on_failed(change, one.error or ""):
                continue
            total.not_done = changes[index + 1 :]
            return total
        total.done.append(change)
        if on_done:
            on_done(change)
    return total
