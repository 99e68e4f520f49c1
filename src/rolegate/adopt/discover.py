"""Find and read the accounts of a hand-made setup, for `rolegate import`.

The account list comes from AWS Organizations when the operator may read it (ids, names, emails); otherwise
from the ids given, named after their alias. Each account is read like `rolegate snapshot` reads it, through
the bootstrap role; the hub's credential report tells which users sign in to the console and have MFA.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rolegate.adopt.importer import AccountInfo, Source, account_name, org_name_from
from rolegate.aws.session import AwsSessions
from rolegate.errors import RolegateError
from rolegate.model import naming
from rolegate.state.collect import ReadPlan, collect


def organization_accounts(sessions: AwsSessions) -> list[dict[str, str]] | None:
    """Active accounts of the organization (Id, Name, Email), management account included; None when
    Organizations cannot be read (not in use, or not allowed)."""
    from botocore.exceptions import ClientError

    try:
        pages = sessions.organizations().get_paginator("list_accounts").paginate()
        accounts = [a for page in pages for a in page.get("Accounts", [])]
    except ClientError:
        return None
    return [a for a in accounts if a.get("Status", "ACTIVE") == "ACTIVE"]


def _resolve_hub(hub: str | None, operator: str, listed: list[dict[str, str]]) -> str:
    if hub is None:
        return operator
    if naming.ACCOUNT_ID_RE.match(hub):
        return hub
    for account in listed:
        if account_name(account.get("Name", "")) == hub.lower():
            return account["Id"]
    raise RolegateError(
        f"--hub {hub}: not an account id, nor the name of an account in the organization",
        "pass the hub's 12-digit account id",
    )


def find_accounts(
    sessions: AwsSessions, hub: str | None, account_ids: list[str]
) -> tuple[str, list[AccountInfo], bool]:
    """(hub id, accounts with logical names, hub first, whether Organizations listed them)."""
    for account_id in account_ids:
        if not naming.ACCOUNT_ID_RE.match(account_id):
            raise RolegateError(f"--accounts: {account_id!r} is not a 12-digit account id")
    listed = organization_accounts(sessions)
    hub_id = _resolve_hub(hub, sessions.operator_account(), listed or [])
    wanted = [hub_id] + [a for a in account_ids if a != hub_id]
    infos: list[AccountInfo] = []
    taken: list[str] = []
    if listed is not None:
        by_id = {a["Id"]: a for a in listed}
        others = sorted(
            (i for i in by_id if i != hub_id), key=lambda i: str(by_id[i].get("Name") or i).lower()
        )
        chosen = wanted if account_ids else [hub_id, *others]
        for account_id in chosen:
            found = by_id.get(account_id, {})
            name = account_name(found.get("Name") or f"account-{account_id}", taken)
            taken.append(name)
            infos.append(AccountInfo(name, account_id, found.get("Email"), found.get("Name")))
        return hub_id, infos, True
    for account_id in wanted:
        name = account_name(f"account-{account_id}", taken)
        taken.append(name)
        infos.append(AccountInfo(name, account_id))
    return hub_id, infos, False


def read_source(
    sessions: AwsSessions,
    *,
    hub: str | None,
    account_ids: list[str],
    org_name: str | None,
    on_read: Callable[[ReadPlan], None] | None = None,
) -> tuple[Source, bool]:
    """Everything the importer needs, and whether Organizations gave the account list."""
    sessions.caller()
    hub_id, infos, from_org = find_accounts(sessions, hub, account_ids)
    plans = [
        ReadPlan(
            name=info.name,
            account_id=info.account_id,
            role_sessions=True,
            alias=True,
            password_policy=info.account_id == hub_id,
            audit=info.account_id == hub_id,  # the credential report: console passwords and MFA
        )
        for info in infos
    ]
    snapshot = collect(plans, sessions.iam, on_done=on_read)
    if from_org:  # units, places and control policies: imported when Organizations lets them be read
        from rolegate.errors import RolegateError
        from rolegate.state.organization import read_organization

        try:
            snapshot.organization = read_organization(sessions.organizations())
        except RolegateError:
            snapshot.organization = None
    if not from_org:
        infos = _named_by_alias(infos, snapshot.accounts)
        snapshot.accounts = {
            new.name: _renamed(snapshot.accounts[plan.name], new.name)
            for plan, new in zip(plans, infos, strict=True)
        }
    hub_info = infos[0]
    hub_state = snapshot.accounts.get(hub_info.name)
    name = org_name or org_name_from(hub_state.alias if hub_state else None, hub_info.name)
    source = Source(
        org_name=name,
        hub=hub_info.name,
        region=sessions.region,
        bootstrap_role=sessions.bootstrap_role,
        accounts=infos,
        snapshot=snapshot,
        taken_at=snapshot.taken_at,
    )
    return source, from_org


def _named_by_alias(infos: list[AccountInfo], states: dict[str, Any]) -> list[AccountInfo]:
    """Without Organizations, an account is named after its alias (demo-development -> development when
    the hub's alias is demo-master), else after its id."""
    hub_alias = states[infos[0].name].alias if infos[0].name in states else None
    prefix = hub_alias.rsplit("-", 1)[0] + "-" if hub_alias and "-" in hub_alias else ""
    out: list[AccountInfo] = []
    taken: list[str] = []
    for info in infos:
        alias = states[info.name].alias if info.name in states else None
        base = alias[len(prefix) :] if alias and prefix and alias.startswith(prefix) else alias
        name = account_name(base or info.name, taken)
        taken.append(name)
        out.append(AccountInfo(name, info.account_id, info.email))
    return out


def _renamed(state: Any, name: str) -> Any:
    state.name = name
    return state
