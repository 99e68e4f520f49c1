"""rolegate.yaml -> the IAM state every account should have. Pure: plain data in, plain data out.

The hub gets, per group, a customer managed grant policy (the seed's hand-written policy, exact), the group
with its attachments, users with their memberships and login profiles, the alias and the password policy.
Each spoke gets its roles: trust to the hub's account principal, MFA when required, policies, session length.
Accounts that have no id yet are left out (validate warns about them). How each kind compiles is its own
module's (plan/kinds/); this module holds the containers and the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rolegate.model.config import Config, PasswordPolicy
from rolegate.plan.kinds import group, password_policy, role, user
from rolegate.plan.kinds.group import DesiredGroup
from rolegate.plan.kinds.organization_base import DesiredOrganization
from rolegate.plan.kinds.policy import DesiredPolicy
from rolegate.plan.kinds.role import DesiredRole, trust_policy
from rolegate.plan.kinds.user import DesiredUser
from rolegate.plan.organization import compile_organization

__all__ = [
    "Desired",
    "DesiredAccount",
    "DesiredGroup",
    "DesiredPolicy",
    "DesiredRole",
    "DesiredUser",
    "compile_config",
    "password_policy_params",
    "trust_policy",
]


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
    # organization.units, accounts' units and guardrails: planned against Organizations (plan/organization.py)
    organization: DesiredOrganization = field(default_factory=DesiredOrganization)


def password_policy_params(policy: PasswordPolicy) -> dict[str, Any]:
    return password_policy.compile_params(policy)


def compile_config(config: Config) -> Desired:
    org = config.organization
    hub_id = config.hub_id()
    accounts: dict[str, DesiredAccount] = {
        name: DesiredAccount(name, acct.id, is_hub=name == org.hub, alias=acct.alias)
        for name, acct in config.accounts.items()
        if acct.id is not None
    }
    role.compile_roles(config, hub_id, accounts)
    hub = accounts[org.hub]
    if org.password_policy is not None:
        hub.password_policy = password_policy.compile_params(org.password_policy)
    group.compile_groups(config, hub_id, hub)
    hub.users.update(user.compile_users(config))
    return Desired(
        org=org.name,
        hub=org.hub,
        bootstrap_role=org.bootstrap_role,
        accounts=accounts,
        adopt=org.adopt,
        organization=compile_organization(config),
    )
