"""The thin layer that talks to AWS for lockdown and restore: read one account, read a user's keys and
login profile (GetAccountAuthorizationDetails shows neither), and run decided changes in the given order.

Running reuses apply's executor one change at a time, so lockdown and restore get the same retries, waits for
IAM's eventual consistency and tolerance of "already so" as apply, but keep their own order (the journal
first, the bootstrap role last) instead of apply's phases.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rolegate.aws.errors import error_code
from rolegate.aws.retry import patiently
from rolegate.model.iam_shapes import tags_dict
from rolegate.plan.apply import ApplyResult, apply_plan
from rolegate.plan.changes import Change, Plan
from rolegate.respond.lockdown import ControlLock
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


# -- lockdown by control policies: Organizations, from the management account --------------------------------
# apply's executor knows IAM only; these few calls run here, each saved in the journal the moment it is done
# (`save`), so an interrupted lockdown or restore can run again and finds what it already did.


def _root(organizations: Any) -> dict[str, Any]:
    root: dict[str, Any] = patiently(organizations.list_roots)["Roots"][0]
    return root


def control_policies_on(organizations: Any, account_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """(id, type, tags) of every customer policy of either control type attached to the account itself; a
    type not enabled has none."""
    from rolegate.respond.lockdown import CONTROL_TYPES

    found: list[tuple[str, str, dict[str, str]]] = []
    for policy_type in CONTROL_TYPES:
        try:
            pages = organizations.get_paginator("list_policies_for_target").paginate(
                TargetId=account_id, Filter=policy_type
            )
            summaries = [s for page in pages for s in page.get("Policies", []) if not s.get("AwsManaged")]
        except Exception as exc:  # the type is not enabled (or no organization): nothing of it is attached
            if error_code(exc) not in ("PolicyTypeNotEnabledException", "AWSOrganizationsNotInUseException"):
                raise
            continue
        for summary in summaries:
            tags = organizations.list_tags_for_resource(ResourceId=summary["Id"]).get("Tags", [])
            found.append((summary["Id"], policy_type, tags_dict(tags)))
    return found


def root_policy_types(organizations: Any) -> list[dict[str, Any]]:
    types: list[dict[str, Any]] = _root(organizations).get("PolicyTypes", [])
    return types


def _wait_enabled(organizations: Any, policy_type: str, *, tries: int = 30, pause: float = 2.0) -> None:
    """Organizations enables a policy type asynchronously (PENDING_ENABLE first): attaching before it is
    ENABLED fails, so wait for it, a minute at most."""
    import time

    for _ in range(tries):
        types = root_policy_types(organizations)
        if any(t.get("Type") == policy_type and t.get("Status") == "ENABLED" for t in types):
            return
        time.sleep(pause)


def lock_by_control_policies(
    organizations: Any,
    journal: ControlLock,
    *,
    org: str,
    documents: dict[str, dict[str, Any]],
    save: Callable[[ControlLock], None],
    done: Callable[[str], None],
) -> None:
    """Enable the types the root lacks, then create, tag and attach each lockdown policy to the account."""
    import json

    from rolegate.respond.lockdown import (
        CONTROL_TYPES,
        SHORT,
        control_policy_name,
        control_tags,
        types_to_enable,
    )

    root = _root(organizations)
    for policy_type in types_to_enable(root.get("PolicyTypes", [])):
        patiently(partial(organizations.enable_policy_type, RootId=root["Id"], PolicyType=policy_type))
        journal.enabled.append(policy_type)
        save(journal)
        _wait_enabled(organizations, policy_type)
        done(f"{policy_type} enabled on {root['Id']}")
    for policy_type in CONTROL_TYPES:
        if policy_type in journal.policies:
            continue  # a rerun: made, and attached below if it is not yet
        name = control_policy_name(journal.account_id, policy_type)
        created = organizations.create_policy(
            Name=name,
            Description=f"rolegate lockdown of {journal.account} {journal.lock.describe()}"[:512],
            Type=policy_type,
            Content=json.dumps(documents[policy_type], separators=(",", ":")),
            Tags=control_tags(org, journal.account_id, policy_type in journal.enabled),
        )
        journal.policies[policy_type] = created["Policy"]["PolicySummary"]["Id"]
        save(journal)
    for policy_type in CONTROL_TYPES:
        policy_id = journal.policies[policy_type]
        try:
            organizations.attach_policy(PolicyId=policy_id, TargetId=journal.account_id)
        except Exception as exc:
            if error_code(exc) != "DuplicatePolicyAttachmentException":
                raise
        done(f"{SHORT[policy_type]} {policy_id} attached to {journal.account}")


def _attached_anywhere(organizations: Any, policy_type: str, but: set[str]) -> bool:
    """Whether any customer policy of the type, other than `but`, is attached to a root, OU or account."""
    for page in organizations.get_paginator("list_policies").paginate(Filter=policy_type):
        for summary in page.get("Policies", []):
            if summary.get("AwsManaged") or summary["Id"] in but:
                continue
            targets = organizations.list_targets_for_policy(PolicyId=summary["Id"]).get("Targets", [])
            if targets:
                return True
    return False


def restore_control_policies(
    organizations: Any,
    journal: ControlLock,
    *,
    save: Callable[[ControlLock], None],
    done: Callable[[str], None],
) -> list[str]:
    """Detach and delete exactly the journal's policies, then disable the types rolegate enabled when no other
    policy of the type is attached anywhere; notes for what is left as it is."""
    from rolegate.respond.lockdown import SHORT, types_to_disable

    gone = {"PolicyNotAttachedException", "PolicyNotFoundException", "TargetNotFoundException"}
    for policy_type, policy_id in sorted(journal.policies.items()):
        for call in (
            partial(organizations.detach_policy, PolicyId=policy_id, TargetId=journal.account_id),
            partial(organizations.delete_policy, PolicyId=policy_id),
        ):
            try:
                patiently(call)
            except Exception as exc:
                if error_code(exc) not in gone:
                    raise
        done(f"{SHORT[policy_type]} {policy_id} detached from {journal.account} and deleted")
    ours = set(journal.policies.values())
    elsewhere = {t: _attached_anywhere(organizations, t, ours) for t in journal.enabled}
    disable, notes = types_to_disable(journal, elsewhere)
    if disable:
        root = _root(organizations)
        for policy_type in disable:
            patiently(partial(organizations.disable_policy_type, RootId=root["Id"], PolicyType=policy_type))
            done(f"{policy_type} disabled on {root['Id']}, as before the lockdown")
    journal.policies, journal.enabled = {}, []
    save(journal)
    return notes
