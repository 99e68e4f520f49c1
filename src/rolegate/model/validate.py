"""Cross-reference and AWS-limit checks on a parsed config: pure, returns every problem at once.

Field-level rules (types, formats) are pydantic's job in config.py; here we check what only the whole file
can tell: names that point nowhere, ids used twice, and limits that would make apply fail half-way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from rolegate.model.config import ALL_ACCOUNTS, Config
from rolegate.model.durations import IAM_MIN_MAX_SESSION
from rolegate.model.grants import grant_documents

Loc = tuple[str | int, ...]

# IAM quotas that apply would otherwise hit half-way through (default values; see IAM's quotas page).
MAX_MANAGED_POLICIES_PER_ROLE = 10
MAX_MANAGED_POLICIES_PER_GROUP = 10
MAX_GROUPS_PER_USER = 10


@dataclass(frozen=True)
class Issue:
    loc: Loc
    message: str
    hint: str | None = None
    severity: str = "error"
    at_key: bool = False  # point at the key rather than its value


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _unknown(loc: Loc, kind: str, name: str, known: list[str]) -> Issue:
    hint = did_you_mean(name, known)
    listing = f"known {kind}s: {', '.join(known)}" if known else f"no {kind}s are defined"
    return Issue(loc, f"unknown {kind} {name!r}", f"{hint}  {listing}" if hint else listing)


def check(config: Config) -> list[Issue]:
    """Every cross-reference problem in the file, in file order."""
    from rolegate.model.managed_policies import validate_issues  # it imports Issue from here

    return [
        *_hub_issues(config),
        *_account_twin_issues(config),
        *(issue for name in config.roles for issue in _role_issues(config, name)),
        *(issue for name in config.groups for issue in _group_issues(config, name)),
        *(issue for name in config.users for issue in _user_issues(config, name)),
        *_spokes_without_id_issues(config),
        *_organization_issues(config),
        *validate_issues(config),  # misspelt AWS managed policies: warned offline, refused at plan
    ]


def _organization_issues(config: Config) -> list[Issue]:
    """Units, placements and guardrails that point nowhere (model/organization.py decides)."""
    from rolegate.model.organization import problems

    return [Issue(loc, message, hint) for loc, message, hint in problems(config)]


def _hub_issues(config: Config) -> list[Issue]:
    """The hub must be a known account with an id: rolegate signs in there."""
    hub = config.organization.hub
    if hub not in config.accounts:
        return [_unknown(("organization", "hub"), "account", hub, list(config.accounts))]
    if config.accounts[hub].id is None:
        return [
            Issue(
                ("accounts", hub),
                f"the hub account {hub!r} needs an id: rolegate signs in there",
                "add its 12-digit id; `aws sts get-caller-identity` in the hub prints it",
                at_key=True,
            )
        ]
    return []


def _account_twin_issues(config: Config) -> list[Issue]:
    """Two accounts sharing an id, email (any case) or alias: each is AWS-wide unique."""
    issues: list[Issue] = []
    seen: dict[str, dict[str, str]] = {"id": {}, "email": {}, "alias": {}}
    for name, acct in config.accounts.items():
        for field, value in (
            ("id", acct.id),
            ("email", acct.email.lower() if acct.email else None),
            ("alias", acct.alias),
        ):
            if value is None:
                continue
            if value in seen[field]:
                issues.append(
                    Issue(
                        ("accounts", name, field),
                        f"{field} {value} is also the {field} of account {seen[field][value]!r}",
                        f"each account has its own {field}",
                    )
                )
            else:
                seen[field][value] = name
    return issues


def _role_issues(config: Config, role_name: str) -> list[Issue]:
    role = config.roles[role_name]
    accounts = list(config.accounts)
    issues = [
        _unknown(("roles", role_name, "accounts", i), "account", account, accounts)
        for i, account in enumerate(role.accounts)
        if account != ALL_ACCOUNTS and account not in config.accounts
    ]
    if len(role.policies) > MAX_MANAGED_POLICIES_PER_ROLE:
        issues.append(
            Issue(
                ("roles", role_name, "policies"),
                f"{len(role.policies)} managed policies; IAM attaches at most "
                f"{MAX_MANAGED_POLICIES_PER_ROLE} to a role",
                "combine some into one customer managed policy, or raise the quota and split the role",
            )
        )
    if role.max_session_seconds < IAM_MIN_MAX_SESSION:
        issues.append(
            Issue(
                ("roles", role_name, "max_session"),
                f"IAM's MaxSessionDuration is at least 1h: the role allows 1h; "
                f"profiles rolegate writes ask for {role.max_session}",
                "write max_session: 1h to make the two agree",
                severity="warning",
            )
        )
    issues += _duplicates(("roles", role_name, "policies"), role.policies, "policy")
    issues += _duplicates(("roles", role_name, "accounts"), role.accounts, "account")
    return issues


def _group_issues(config: Config, group_name: str) -> list[Issue]:
    group = config.groups[group_name]
    issues = [
        issue
        for role_name, role_accounts in group.assume.items()
        for issue in _assume_issues(config, group_name, role_name, role_accounts)
    ]
    grant_count = len(grant_documents(config, group_name))
    attached = len(group.policies) + grant_count
    if attached > MAX_MANAGED_POLICIES_PER_GROUP:
        issues.append(
            Issue(
                ("groups", group_name),
                f"{attached} managed policies ({len(group.policies)} listed, "
                f"{grant_count} for its grants);"
                f" IAM attaches at most {MAX_MANAGED_POLICIES_PER_GROUP} to a group",
                "split the group in two, or combine policies",
                at_key=True,
            )
        )
    issues += _duplicates(("groups", group_name, "policies"), group.policies, "policy")
    if not group.assume and not group.policies:
        issues.append(
            Issue(
                ("groups", group_name),
                "grants nothing: no assume and no policies",
                "add an assume: or policies: entry, or remove the group",
                severity="warning",
                at_key=True,
            )
        )
    return issues


def _assume_issues(config: Config, group_name: str, role_name: str, role_accounts: list[str]) -> list[Issue]:
    """One `assume: {role: [accounts]}` entry: the role exists and is created in each account named."""
    loc: Loc = ("groups", group_name, "assume", role_name)
    if role_name not in config.roles:
        return [Issue(loc, *_split(_unknown(loc, "role", role_name, list(config.roles))), at_key=True)]
    where = config.role_accounts(role_name)
    issues: list[Issue] = []
    for i, account in enumerate(role_accounts):
        if account == ALL_ACCOUNTS:
            continue
        if account not in config.accounts:
            issues.append(_unknown((*loc, i), "account", account, list(config.accounts)))
        elif account not in where:
            issues.append(
                Issue(
                    (*loc, i),
                    f"role {role_name!r} is not created in account {account!r}",
                    f"it is created in: {', '.join(where) or 'no account'}; "
                    f"add {account} to roles.{role_name}.accounts",
                )
            )
    return issues + _duplicates(loc, role_accounts, "account")


def _user_issues(config: Config, user_name: str) -> list[Issue]:
    user = config.users[user_name]
    groups = list(config.groups)
    issues = [
        _unknown(("users", user_name, "groups", i), "group", group_name, groups)
        for i, group_name in enumerate(user.groups)
        if group_name not in config.groups
    ]
    if len(user.groups) > MAX_GROUPS_PER_USER:
        issues.append(
            Issue(
                ("users", user_name, "groups"),
                f"in {len(user.groups)} groups; IAM allows a user in at most {MAX_GROUPS_PER_USER}",
                "merge groups that always go together",
            )
        )
    return issues + _duplicates(("users", user_name, "groups"), user.groups, "group")


def _spokes_without_id_issues(config: Config) -> list[Issue]:
    """Spokes that roles target but that have no id yet: plan leaves them out, so say so."""
    return [
        Issue(
            ("accounts", account),
            "has no id yet, so its roles and the grants to them are left out of plan and apply",
            "run `rolegate accounts create` to create it through AWS Organizations, or add its id",
            severity="warning",
            at_key=True,
        )
        for account in config.spokes()
        if config.accounts[account].id is None
        and any(account in config.role_accounts(r) for r in config.roles)
    ]


def _split(issue: Issue) -> tuple[str, str | None]:
    return issue.message, issue.hint


def _duplicates(loc: Loc, values: list[str], kind: str) -> list[Issue]:
    seen: set[str] = set()
    issues: list[Issue] = []
    for i, value in enumerate(values):
        if value in seen:
            issues.append(Issue((*loc, i), f"{kind} {value!r} is listed twice", "list it once"))
        seen.add(value)
    return issues
