"""rolegate.yaml -> the IAM state every account should have. Pure: plain data in, plain data out.

The hub gets, per group, a customer managed grant policy (the seed's hand-written policy, exact), the group
with its attachments, users with their memberships and login profiles, the alias and the password policy.
Each spoke gets its roles: trust to the hub's account principal, MFA when required, policies, session length.
Accounts that have no id yet are left out (validate warns about them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rolegate.model import naming
from rolegate.model.config import ALL_ACCOUNTS, Config, PasswordPolicy
from rolegate.model.durations import IAM_MIN_MAX_SESSION
from rolegate.model.grants import grant_documents, grant_policy_name


@dataclass(frozen=True)
class DesiredRole:
    name: str
    trust_policy: dict[str, Any]
    managed_policies: tuple[str, ...]  # ARNs, sorted
    max_session: int
    require_mfa: bool
    # `"*"` in the file: every account but the hub, including accounts made later (a StackSet deploys it to
    # every account of its organizational units; direct apply knows only the accounts listed).
    every_spoke: bool = False
    # Inline policies the file declares, by name: created and kept as written; any other is removed.
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class DesiredPolicy:
    name: str
    arn: str
    document: dict[str, Any]
    group: str  # the group whose grants it carries


@dataclass(frozen=True)
class DesiredGroup:
    name: str
    managed_policies: tuple[str, ...]  # ARNs, sorted
    grants: tuple[str, ...]  # role ARNs it may assume, for the plan's one-line summary
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class DesiredUser:
    name: str
    groups: tuple[str, ...]
    console: bool
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class DesiredAccount:
    name: str
    account_id: str
    is_hub: bool
    roles: dict[str, DesiredRole] = field(default_factory=dict)
    policies: dict[str, DesiredPolicy] = field(default_factory=dict)
    groups: dict[str, DesiredGroup] = field(default_factory=dict)
    users: dict[str, DesiredUser] = field(default_factory=dict)
    alias: str | None = None
    password_policy: dict[str, Any] | None = None  # UpdateAccountPasswordPolicy's parameters


@dataclass
class Desired:
    org: str
    hub: str
    bootstrap_role: str
    accounts: dict[str, DesiredAccount]  # by logical name, file order; only accounts with an id
    adopt: bool = False  # organization.adopt: same-named hand-made resources may be taken over
    # `--adopt NAME|KIND/NAME|ACCOUNT/KIND/NAME` on the command line: these are taken over even when they
    # carry evidence that rolegate did not make them (plan/ownership.py), keeping what they have.
    adopt_names: frozenset[str] = frozenset()


def trust_policy(hub_id: str, require_mfa: bool) -> dict[str, Any]:
    """The seed's cross-account trust: the hub's account principal, and MFA when the role demands it."""
    statement: dict[str, Any] = {
        "Sid": "AssumeFromHub",
        "Effect": "Allow",
        "Principal": {"AWS": naming.root_arn(hub_id)},
        "Action": "sts:AssumeRole",
    }
    if require_mfa:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _documents(declared: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The file's inline policies as IAM takes them: plain JSON values (YAML's ints and bools as written)."""
    import json

    return {name: json.loads(json.dumps(doc)) for name, doc in declared.items()}


def password_policy_params(policy: PasswordPolicy) -> dict[str, Any]:
    params: dict[str, Any] = {
        "MinimumPasswordLength": policy.minimum_length,
        "RequireSymbols": policy.require_symbols,
        "RequireNumbers": policy.require_numbers,
        "RequireUppercaseCharacters": policy.require_uppercase,
        "RequireLowercaseCharacters": policy.require_lowercase,
        "AllowUsersToChangePassword": policy.allow_users_to_change_password,
        "HardExpiry": policy.hard_expiry,
    }
    if policy.max_age_days is not None:
        params["MaxPasswordAge"] = policy.max_age_days
    if policy.reuse_prevention is not None:
        params["PasswordReusePrevention"] = policy.reuse_prevention
    return params


def compile_config(config: Config) -> Desired:
    org = config.organization
    hub_name = org.hub
    hub_id = config.hub_id()
    accounts: dict[str, DesiredAccount] = {}
    for name, acct in config.accounts.items():
        if acct.id is None:
            continue
        accounts[name] = DesiredAccount(name, acct.id, is_hub=name == hub_name, alias=acct.alias)

    for role_name, role in config.roles.items():
        for account in config.role_accounts(role_name):
            if account not in accounts:
                continue
            accounts[account].roles[role_name] = DesiredRole(
                name=role_name,
                trust_policy=trust_policy(hub_id, role.require_mfa),
                managed_policies=tuple(sorted(naming.managed_policy_arn(p) for p in role.policies)),
                max_session=max(IAM_MIN_MAX_SESSION, role.max_session_seconds),
                require_mfa=role.require_mfa,
                every_spoke=ALL_ACCOUNTS in role.accounts,
                inline_policies=_documents(role.inline_policies),
            )

    hub = accounts[hub_name]
    if org.password_policy is not None:
        hub.password_policy = password_policy_params(org.password_policy)
    for group_name, group in config.groups.items():
        grant_arns: list[str] = []
        granted: list[str] = []
        for i, document in enumerate(grant_documents(config, group_name)):
            policy_name = grant_policy_name(group_name, i)
            arn = naming.customer_policy_arn(hub_id, policy_name)
            hub.policies[policy_name] = DesiredPolicy(policy_name, arn, document, group_name)
            grant_arns.append(arn)
            resource = document["Statement"][0]["Resource"]
            granted.extend([resource] if isinstance(resource, str) else resource)
        hub.groups[group_name] = DesiredGroup(
            name=group_name,
            managed_policies=tuple(
                sorted(grant_arns + [naming.managed_policy_arn(p) for p in group.policies])
            ),
            grants=tuple(granted),
            inline_policies=_documents(group.inline_policies),
        )
    for user_name, user in config.users.items():
        hub.users[user_name] = DesiredUser(
            name=user_name,
            groups=tuple(user.groups),
            console=user.console,
            inline_policies=_documents(user.inline_policies),
        )
    return Desired(
        org=org.name, hub=hub_name, bootstrap_role=org.bootstrap_role, accounts=accounts, adopt=org.adopt
    )
