"""A group's `assume:` as IAM policy documents: the seed's hand-written grant policy, made exact.

Each group gets one customer managed policy named like the group allowing sts:AssumeRole on exactly the
listed role ARNs. IAM caps a managed policy at 6,144 characters (whitespace not counted), so a group that
reaches very many roles gets its grants split across `<group>`, `<group>-2`, `<group>-3`, …
"""

from __future__ import annotations

import json
from typing import Any

from rolegate.model import naming
from rolegate.model.config import Config

MAX_MANAGED_POLICY_CHARS = 6144


def grant_role_arns(config: Config, group: str) -> list[str]:
    """The role ARNs a group may assume, sorted; accounts without an id yet are left out."""
    arns: set[str] = set()
    for role, accounts in config.groups[group].assume.items():
        if role not in config.roles:
            continue
        where = set(config.role_accounts(role))
        for account in config.expand(accounts):
            account_id = config.accounts[account].id if account in where else None
            if account_id:
                arns.add(naming.role_arn(account_id, role))
    return sorted(arns)


def grant_document(arns: list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeRolesGrantedByRolegate",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": arns[0] if len(arns) == 1 else arns,
            }
        ],
    }


def policy_size(document: dict[str, Any]) -> int:
    """IAM's count: the JSON without whitespace."""
    return len(json.dumps(document, separators=(",", ":")))


def grant_policy_name(group: str, index: int) -> str:
    return group if index == 0 else f"{group}-{index + 1}"


def grant_documents(config: Config, group: str) -> list[dict[str, Any]]:
    """One document per grant policy of the group, each within IAM's size limit; [] when it grants none."""
    arns = grant_role_arns(config, group)
    documents: list[dict[str, Any]] = []
    chunk: list[str] = []
    for arn in arns:
        if chunk and policy_size(grant_document([*chunk, arn])) > MAX_MANAGED_POLICY_CHARS:
            documents.append(grant_document(chunk))
            chunk = []
        chunk.append(arn)
    if chunk:
        documents.append(grant_document(chunk))
    return documents


def reachable_roles(config: Config, user: str) -> list[tuple[str, str]]:
    """(account, role) pairs the user may assume through their groups' grants, in file order of accounts,
    then roles. Accounts without an id are included: they are in the file, only not created yet."""
    pairs: set[tuple[str, str]] = set()
    for group in config.users[user].groups:
        if group not in config.groups:
            continue
        for role, accounts in config.groups[group].assume.items():
            if role not in config.roles:
                continue
            where = set(config.role_accounts(role))
            pairs.update((a, role) for a in config.expand(accounts) if a in where)
    account_order = {a: i for i, a in enumerate(config.accounts)}
    role_order = {r: i for i, r in enumerate(config.roles)}
    return sorted(pairs, key=lambda p: (account_order[p[0]], role_order[p[1]]))


def reached_roles(config: Config, user: str) -> list[tuple[str, str, bool]]:
    """(account, role, several) for each role the user reaches in an account that has an id; `several` is
    true when they reach more than one role in that account, so names and labels must say which."""
    pairs = [(a, r) for a, r in reachable_roles(config, user) if config.accounts[a].id]
    per_account: dict[str, int] = {}
    for account, _ in pairs:
        per_account[account] = per_account.get(account, 0) + 1
    return [(a, r, per_account[a] > 1) for a, r in pairs]
