"""The snapshot indexed for access questions: built once, read-only, and evaluating nothing.

What the evaluator (evaluate.py) and the reach engine (reach.py) look up again and again, made once from the
snapshot: every role by ARN with its account, the roles of each account and of each name, the row order (the
snapshot's account order, roles by name within each), each role's trust policy parsed, who each trust could
let in by what it names (an account's root, anyone, a principal itself), each account's managed policies by
ARN, and the SCP levels over each account. Lookups made on first use (a Resource pattern's roles, a role as a
principal) are memoized here too: their answer depends on the snapshot alone.

`decide()` (decide.py) reads one request's policies through this index, without the graph's caches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rolegate.access.policy import Statement, statements, wildcard_match
from rolegate.state.snapshot import AccountState, Group, Role, Snapshot, User

# AWS managed policies whose documents a snapshot may not hold: the two that grant sts:AssumeRole broadly.
KNOWN_AWS_MANAGED: dict[str, dict[str, Any]] = {
    "arn:aws:iam::aws:policy/AdministratorAccess": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    },
    "arn:aws:iam::aws:policy/PowerUserAccess": {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}
        ],
    },
}

# A role session's ARN: its account id, its role's name (the session's own name after it).
_SESSION = re.compile(r"arn:aws:sts::(\d{12}):assumed-role/([^/]+)/.+")

# Trust policies are labelled without their account, so that the same trust in 500 accounts is one chunk
# decided once; each row's `why` names its own account in the slot.
ACCOUNT_SLOT = "{account}"


@dataclass(frozen=True)
class Principal:
    arn: str
    name: str
    kind: str  # "user" | "role"
    account: str  # logical name in the snapshot
    account_id: str


@dataclass(frozen=True)
class PolicyHolder:
    """A user, group or role as a holder of identity policies, with the label its statements carry."""

    key: str  # "user:<ARN>" | "group:<ARN>" | "role:<ARN>": one per holder in the snapshot
    label: str  # "user alice" | "group team" | "role admin"
    managed: list[str]  # managed policy ARNs
    inline: dict[str, dict[str, Any]]  # inline policy name -> document


def _holder(kind: str, owner: User | Group | Role) -> PolicyHolder:
    return PolicyHolder(
        f"{kind}:{owner.arn}", f"{kind} {owner.name}", owner.managed_policies, owner.inline_policies
    )


class SnapshotIndex:
    """The snapshot's principals, roles, trusts and policies, indexed once for lookups by ARN."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.org_id = snapshot.organization_id or None
        self.roles: dict[str, tuple[AccountState, Role]] = {}  # role ARN -> its account, itself
        self.roles_in_account: dict[str, list[str]] = {}  # account id -> role ARNs
        self.roles_named: dict[str, list[str]] = {}  # role name -> role ARNs
        self._index_roles()
        self.all_roles = frozenset(self.roles)
        # Rows are in the snapshot's (the file's) account order, roles by name within each account.
        self.order: list[str] = self._row_order()
        self.position = {arn: i for i, arn in enumerate(self.order)}
        self.trust: dict[str, list[Statement]] = {
            arn: statements(role.trust_policy, f"trust policy of role {role.name} in {ACCOUNT_SLOT}")
            for arn, (_, role) in self.roles.items()
        }
        # Which roles' trust could let a principal in at all, by what it names: the principal's account
        # (`:root`), anyone (`*`, NotPrincipal), or the principal itself. No other role can be assumed by it,
        # whatever its identity policies allow, so no other role is evaluated for it.
        self.named: dict[str, set[str]] = {}  # principal ARN -> roles whose trust allows it by name
        self.trusting: dict[str, set[str]] = {}  # account id -> roles whose trust allows its root
        self.open: set[str] = set()  # roles whose trust allows `*` or uses NotPrincipal
        # Roles whose trust grants `*`, by their account: within it they need no identity allow (decide.py).
        self.everyone: dict[str, set[str]] = {}
        self.mentioned: set[str] = set()  # principal ARNs some trust names: answered one by one
        self._index_trust()
        # Made on first use: each account's customer managed policies by ARN (a grant policy is looked up
        # once per principal that holds it, and AccountState.policy_by_arn is a scan), a Resource pattern's
        # roles, each role as a principal, the roles that could admit a principal of an account.
        self._policies_by_arn: dict[str, dict[str, dict[str, Any]]] = {}
        self._pattern_roles: dict[str, list[str]] = {}
        self._role_principals: dict[str, Principal] = {}
        self._admitted: dict[str, frozenset[str]] = {}
        self._principals: dict[str, Principal] | None = None  # by ARN, users and roles

    def _index_roles(self) -> None:
        for account in self.snapshot.accounts.values():
            for role in account.roles.values():
                self.roles[role.arn] = (account, role)
                self.roles_in_account.setdefault(account.account_id, []).append(role.arn)
                self.roles_named.setdefault(role.name, []).append(role.arn)

    def _row_order(self) -> list[str]:
        account_index = {name: i for i, name in enumerate(self.snapshot.accounts)}
        roles = self.roles
        return sorted(roles, key=lambda a: (account_index[roles[a][0].name], roles[a][1].name))

    def _index_trust(self) -> None:
        for arn, stmts in self.trust.items():
            for stmt in stmts:
                for p in (stmt.principals or ()) + (stmt.not_principals or ()):
                    if p != "*" and not p.endswith(":root"):
                        self.mentioned.add(p)
                if stmt.effect != "Allow":
                    continue
                if stmt.not_principals is not None:
                    self.open.add(arn)
                for p in stmt.principals or ():
                    if p == "*":
                        self.open.add(arn)
                        self.everyone.setdefault(self.roles[arn][0].account_id, set()).add(arn)
                    elif p.endswith(":root") and p.startswith("arn:aws:iam::"):
                        self.trusting.setdefault(p.split(":")[4], set()).add(arn)
                    else:
                        self.named.setdefault(p, set()).add(arn)

    # -- principals -----------------------------------------------------------------------------------
    def users(self) -> list[Principal]:
        return [
            Principal(u.arn, u.name, "user", name, acct.account_id)
            for name, acct in self.snapshot.accounts.items()
            for u in acct.users.values()
        ]

    def role_principal(self, arn: str) -> Principal:
        found = self._role_principals.get(arn)
        if found is None:
            acct, role = self.roles[arn]
            found = self._role_principals[arn] = Principal(
                role.arn, role.name, "role", acct.name, acct.account_id
            )
        return found

    def principal(self, arn: str) -> Principal | None:
        """The user or role with this ARN, or whose session it is (a role session,
        arn:aws:sts::<id>:assumed-role/<role>/<name>, acts with its role's policies); None when the snapshot
        holds neither. The first in snapshot order wins, should two accounts share an id."""
        if self._principals is None:
            self._principals = {}
            for user in self.users():
                self._principals.setdefault(user.arn, user)
            for role_arn in self.roles:
                self._principals.setdefault(role_arn, self.role_principal(role_arn))
        found = self._principals.get(arn)
        session = _SESSION.fullmatch(arn) if found is None else None
        if session is not None:
            account_id, name = session.groups()
            found = next(
                (
                    self.role_principal(a)
                    for a in self.roles_named.get(name, [])
                    if self.roles[a][0].account_id == account_id
                ),
                None,
            )
        return found

    # -- policies -------------------------------------------------------------------------------------
    def identity(self, account_name: str, kind: str, name: str) -> tuple[list[PolicyHolder], str | None]:
        """Whose identity policies a principal acts with (a user: its own, then each of its groups' in its
        order, a group the snapshot does not hold left out; a role: its own), and its permissions
        boundary's ARN (None: none is set)."""
        account = self.snapshot.accounts[account_name]
        if kind != "user":
            role = account.roles[name]
            return [_holder("role", role)], role.permissions_boundary
        user = account.users[name]
        groups = [account.groups[g] for g in user.groups if g in account.groups]
        return [_holder("user", user), *(_holder("group", g) for g in groups)], user.permissions_boundary

    def document(self, account: AccountState, arn: str) -> dict[str, Any] | None:
        """A managed policy's document as the snapshot holds it (or, for the two AWS managed policies that
        grant sts:AssumeRole broadly, as AWS publishes it); None when unknown."""
        documents = self._policies_by_arn.get(account.account_id)
        if documents is None:
            documents = {p.arn: p.document for p in account.policies.values()}
            self._policies_by_arn[account.account_id] = documents
        if arn in documents:
            return documents[arn]
        return self.snapshot.aws_managed_policies.get(arn) or KNOWN_AWS_MANAGED.get(arn)

    def scp_levels(self, account_id: str) -> list[list[dict[str, Any]]]:
        """The SCP documents over the account, level by level from the root ([]: not read, or none)."""
        return self.snapshot.scps.get(account_id, [])

    def rcp_levels(self, account_id: str) -> list[list[dict[str, Any]]]:
        """The RCP documents over the account whose resources they limit, level by level from the root."""
        return self.snapshot.rcps.get(account_id, [])

    # -- roles by what names them ---------------------------------------------------------------------
    def roles_matching(self, pattern: str) -> list[str]:
        """Roles whose ARN the Resource pattern matches. A wildcard never spans a colon of a role ARN (the
        ARN has exactly the pattern's five), so a literal account, or a literal last name segment, narrows
        the roles to test to that account's or that name's."""
        found = self._pattern_roles.get(pattern)
        if found is None:
            pool: list[str] | None = None
            parts = pattern.split(":", 5)
            if len(parts) == 6:
                account, name = parts[4], parts[5].rsplit("/", 1)[-1]
                if "*" not in account and "?" not in account:
                    pool = self.roles_in_account.get(account, [])
                elif "/" in parts[5] and "*" not in name and "?" not in name:
                    pool = self.roles_named.get(name, [])
            candidates = self.roles if pool is None else pool
            found = self._pattern_roles[pattern] = [arn for arn in candidates if wildcard_match(pattern, arn)]
        return found

    def admitting(self, account_id: str) -> frozenset[str]:
        """Roles whose trust could let in a principal of this account that no trust names."""
        found = self._admitted.get(account_id)
        if found is None:
            found = self._admitted[account_id] = frozenset(self.trusting.get(account_id, set()) | self.open)
        return found
