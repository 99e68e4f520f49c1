"""Who can reach which role in which account, and why: the snapshot as a graph, queried in memory.

An edge principal -> role exists where the principal's identity side (its own and its groups' policies,
inside its permissions boundary, inside the SCPs of its account when known) allows sts:AssumeRole on the
role AND the role's trust policy allows the principal; an explicit Deny on either side removes it. Across
accounts both sides must allow; inside one account a trust policy that names the principal itself is
enough without an identity allow (IAM's rule for resource-based policies; the permissions boundary, the SCPs
and any Deny still apply). Each edge is decided twice: with an MFA session and with long-term keys alone,
so "reachable only with MFA" is an answer, not a guess.

Roles that may assume other roles are followed to a fixed point (role chaining), with MFA and without
apart. The MFA context of the first hop is taken to carry along the chain: AssumeRole from an MFA session
yields a session whose aws:MultiFactorAuthPresent is true.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from rolegate.access.policy import (
    Context,
    Decision,
    Evaluation,
    Scan,
    Statement,
    action_matches,
    both,
    either,
    evaluate,
    finish,
    names_principal_itself,
    scan,
    statements,
    wildcard_match,
)
from rolegate.state.snapshot import AccountState, Role, Snapshot

ASSUME = "sts:AssumeRole"

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


@dataclass(frozen=True)
class Principal:
    arn: str
    name: str
    kind: str  # "user" | "role"
    account: str  # logical name in the snapshot
    account_id: str


@dataclass
class Edge:
    """principal -> role, decided with and without MFA, with the statements that allow it."""

    with_mfa: Decision
    without_mfa: Decision
    why_mfa: list[str] = field(default_factory=list)
    why_plain: list[str] = field(default_factory=list)

    def decided(self, *, mfa: bool) -> tuple[Decision, list[str]]:
        return (self.with_mfa, self.why_mfa) if mfa else (self.without_mfa, self.why_plain)


_Path = tuple[Decision, list[str], list[str]]  # decision, why (last hop), roles passed through


@dataclass
class Reach:
    """One row of the answer: a principal, a role in an account, and whether and how it is reached."""

    principal: str  # ARN
    principal_name: str
    principal_kind: str
    principal_account: str
    role: str
    role_arn: str
    account: str
    account_id: str
    reachable: str  # "yes" | "conditional" | "no"
    mfa_required: bool
    conditions: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)  # role ARNs assumed on the way, first hop first

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "principal_name": self.principal_name,
            "principal_kind": self.principal_kind,
            "principal_account": self.principal_account,
            "account": self.account,
            "account_id": self.account_id,
            "role": self.role,
            "role_arn": self.role_arn,
            "reachable": self.reachable,
            "mfa_required": self.mfa_required,
            "conditions": self.conditions,
            "why": self.why,
            "via": self.via,
        }


@dataclass(frozen=True)
class Chunk:
    """Statements parsed once and scanned once per role and context, shared by every principal they
    concern: a group's policies by all its members, a trust policy by every caller from one account.
    `sensitive` chunks depend on the very principal (its ARN named, or conditions on who it is) and are
    scanned per principal."""

    key: str
    statements: list[Statement]
    sensitive: bool


PRINCIPAL_KEYS = frozenset(
    {"aws:principalarn", "aws:username", "aws:userid", "aws:principaltype", "aws:sourceidentity"}
)


def _on_principal(stmt: Statement) -> bool:
    """A condition on who the caller is (its ARN, name, type, tags), beyond its account."""
    return any(
        k.lower() in PRINCIPAL_KEYS or k.lower().startswith("aws:principaltag/")
        for _, k, _ in stmt.conditions
    )


def _sensitive(stmts: list[Statement]) -> bool:
    for stmt in stmts:
        if stmt.not_principals is not None:
            return True
        if any(p != "*" and not p.endswith(":root") for p in stmt.principals or ()):
            return True
        if _on_principal(stmt):
            return True
    return False


def _rank(decision: Decision) -> int:
    return 2 if decision is True else (0 if decision is False else 1)


class AccessGraph:
    """Built once from a snapshot; answers `reach(principal)` for any user or role in it."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.org_id = snapshot.organization_id or None
        self.account_name = {a.account_id: name for name, a in snapshot.accounts.items()}
        self.roles: dict[str, tuple[AccountState, Role]] = {}
        for account in snapshot.accounts.values():
            for role in account.roles.values():
                self.roles[role.arn] = (account, role)
        self._trust: dict[str, list[Statement]] = {
            arn: statements(role.trust_policy, f"trust policy of role {role.name} in {acct.name}")
            for arn, (acct, role) in self.roles.items()
        }
        # roles whose trust names a principal by its own ARN (not its account): same-account grants
        self._named: dict[str, set[str]] = {}
        # Which roles' trust could let a principal in at all, by what it names: the principal's account
        # (`:root`), anyone (`*`, NotPrincipal), or the principal itself. No other role can be assumed by it,
        # whatever its identity policies allow, so no other role is evaluated for it.
        self._trusting: dict[str, set[str]] = {}
        self._open: set[str] = set()
        for arn, stmts in self._trust.items():
            for stmt in stmts:
                if stmt.effect != "Allow":
                    continue
                if stmt.not_principals is not None:
                    self._open.add(arn)
                for p in stmt.principals or ():
                    if p == "*":
                        self._open.add(arn)
                    elif p.endswith(":root") and p.startswith("arn:aws:iam::"):
                        self._trusting.setdefault(p.split(":")[4], set()).add(arn)
                    else:
                        self._named.setdefault(p, set()).add(arn)
        self._edges: dict[str, dict[str, Edge]] = {}
        self._chunks: dict[str, Chunk] = {}
        self._scans: dict[tuple[Any, ...], Scan] = {}
        self._contexts: dict[tuple[str, bool], Context] = {}
        self._pattern_roles: dict[str, list[str]] = {}
        self._chunk_candidates: dict[str, frozenset[str]] = {}
        self._scp_cache: dict[str, list[Chunk]] = {}
        self._paths: dict[tuple[Any, ...], tuple[dict[str, _Path], dict[str, _Path]]] = {}
        self._trust_on_principal = any(_on_principal(st) for stmts in self._trust.values() for st in stmts)
        self._decisions: dict[tuple[Any, ...], tuple[Decision, list[str]]] = {}
        self._account_index = {name: i for i, name in enumerate(snapshot.accounts)}

    # -- principals -----------------------------------------------------------------------------------
    def users(self) -> list[Principal]:
        return [
            Principal(u.arn, u.name, "user", name, acct.account_id)
            for name, acct in self.snapshot.accounts.items()
            for u in acct.users.values()
        ]

    def role_principal(self, arn: str) -> Principal:
        acct, role = self.roles[arn]
        return Principal(role.arn, role.name, "role", acct.name, acct.account_id)

    def _document(self, account: AccountState, arn: str) -> dict[str, Any] | None:
        policy = account.policy_by_arn(arn)
        if policy is not None:
            return policy.document
        return self.snapshot.aws_managed_policies.get(arn) or KNOWN_AWS_MANAGED.get(arn)

    def _policy_name(self, arn: str) -> str:
        return arn.rsplit("/", 1)[-1]

    def _chunk(self, key: str, build: Any) -> Chunk:
        """Parsed once; only the statements that can bear on sts:AssumeRole are kept (others never match)."""
        found = self._chunks.get(key)
        if found is None:
            stmts = [st for st in build() if _may_allow_assume(st)]
            found = self._chunks[key] = Chunk(key, stmts, _sensitive(stmts))
        return found

    def identity_chunks(self, principal: Principal) -> tuple[list[Chunk], Chunk | None]:
        """The principal's identity policies (its own, then each group's), and its permissions boundary."""
        account = self.snapshot.accounts[principal.account]
        chunks: list[Chunk] = []
        if principal.kind == "user":
            user = account.users[principal.name]
            chunks.append(self._chunk(f"user:{user.arn}", lambda: self._attached(
                account, f"user {user.name}", user.managed_policies, user.inline_policies)))  # fmt: skip
            for group_name in user.groups:
                group = account.groups.get(group_name)
                if group is not None:
                    chunks.append(self._chunk(f"group:{group.arn}", lambda g=group: self._attached(
                        account, f"group {g.name}", g.managed_policies, g.inline_policies)))  # fmt: skip
            boundary_arn = user.permissions_boundary
        else:
            role = account.roles[principal.name]
            chunks.append(self._chunk(f"role:{role.arn}", lambda: self._attached(
                account, f"role {role.name}", role.managed_policies, role.inline_policies)))  # fmt: skip
            boundary_arn = role.permissions_boundary
        boundary = None
        if boundary_arn:
            label = f"permissions boundary {self._policy_name(boundary_arn)}"
            boundary = self._chunk(f"boundary:{account.account_id}:{boundary_arn}", lambda: statements(
                self._document(account, boundary_arn), label))  # fmt: skip
        return [c for c in chunks if c.statements], boundary

    def identity_statements(self, principal: Principal) -> tuple[list[Statement], list[Statement] | None]:
        """The principal's identity policies, and its permissions boundary's (None: no boundary)."""
        chunks, boundary = self.identity_chunks(principal)
        return [st for c in chunks for st in c.statements], (boundary.statements if boundary else None)

    def _trust_chunk(self, role_arn: str) -> Chunk:
        return self._chunk(f"trust:{role_arn}", lambda: self._trust[role_arn])

    def _scp_chunks(self, account_id: str) -> list[Chunk]:
        found = self._scp_cache.get(account_id)
        if found is None:
            found = self._scp_cache[account_id] = self._read_scp_chunks(account_id)
        return found

    def _read_scp_chunks(self, account_id: str) -> list[Chunk]:
        levels = self.snapshot.scps.get(account_id, [])
        return [
            self._chunk(
                f"scp:{account_id}:{i}",
                lambda lv=level: [st for doc in lv for st in statements(doc, "service control policy")],
            )
            for i, level in enumerate(levels)
            if level  # AWS keeps at least one SCP on every node: an empty level was not read
        ]

    def _scan(self, chunk: Chunk, role_arn: str, principal: Principal, mfa: bool) -> Scan:
        who: Any = principal.arn if chunk.sensitive else (principal.account_id, principal.kind)
        key = (chunk.key, role_arn, mfa, who)
        found = self._scans.get(key)
        if found is None:
            context = self._context(principal, mfa)
            found = scan(chunk.statements, ASSUME, role_arn, principal.arn, principal.account_id, context)
            self._scans[key] = found
        return found

    def _context(self, principal: Principal, mfa: bool) -> Context:
        key = (principal.arn, mfa)
        found = self._contexts.get(key)
        if found is None:
            found = Context.for_principal(principal.arn, principal.account_id, self.org_id, mfa=mfa)
            self._contexts[key] = found
        return found

    def _attached(
        self, account: AccountState, what: str, managed: list[str], inline: dict[str, dict[str, Any]]
    ) -> list[Statement]:
        out: list[Statement] = []
        for arn in managed:
            out += statements(
                self._document(account, arn), f"{what}: managed policy {self._policy_name(arn)}"
            )
        for name, document in inline.items():
            out += statements(document, f"{what}: inline policy {name}")
        return out

    # -- edges ----------------------------------------------------------------------------------------
    def _roles_matching(self, pattern: str) -> list[str]:
        found = self._pattern_roles.get(pattern)
        if found is None:
            found = self._pattern_roles[pattern] = [arn for arn in self.roles if wildcard_match(pattern, arn)]
        return found

    def _chunk_targets(self, chunk: Chunk) -> frozenset[str]:
        """Roles the chunk's Allows could let one assume (before any trust or condition is looked at)."""
        found = self._chunk_candidates.get(chunk.key)
        if found is not None:
            return found
        targets: set[str] = set()
        for stmt in chunk.statements:
            if stmt.effect != "Allow" or not _may_allow_assume(stmt):
                continue
            if stmt.resources is None:  # NotResource: everything but
                targets.update(self.roles)
                continue
            for pattern in stmt.resources:
                if "*" in pattern or "?" in pattern:
                    targets.update(self._roles_matching(pattern))
                elif pattern in self.roles:
                    targets.add(pattern)
        found = self._chunk_candidates[chunk.key] = frozenset(targets)
        return found

    def _candidates(self, principal: Principal, chunks: list[Chunk]) -> list[str]:
        """Roles an edge could lead to: named by an identity allow, or by a trust naming the principal."""
        named = self._named.get(principal.arn, set())
        found: set[str] = set()
        for chunk in chunks:
            found |= self._chunk_targets(chunk)
        found &= self._trusting.get(principal.account_id, set()) | self._open | named
        found |= named
        found.discard(principal.arn)
        return sorted(found)

    def edges(self, principal: Principal) -> dict[str, Edge]:
        cached = self._edges.get(principal.arn)
        if cached is not None:
            return cached
        chunks, boundary = self.identity_chunks(principal)
        result: dict[str, Edge] = {}
        for role_arn in self._candidates(principal, chunks):
            decisions: list[tuple[Decision, list[str]]] = []
            trust = self._trust_chunk(role_arn)
            shared = not (
                trust.sensitive or any(c.sensitive for c in chunks) or (boundary and boundary.sensitive)
            )
            for mfa in (True, False):
                # Principals with the same policies, boundary and account get the same answer: members of one
                # group set are decided once, unless a statement names or conditions on the principal itself.
                key = (
                    tuple(c.key for c in chunks), boundary.key if boundary else None, principal.account_id,
                    principal.kind, role_arn, mfa,
                ) if shared else None  # fmt: skip
                found = self._decisions.get(key) if key else None
                if found is None:
                    found = self._decide(principal, role_arn, chunks, boundary, mfa)
                    if key:
                        self._decisions[key] = found
                decisions.append(found)
            (with_mfa, why_mfa), (without_mfa, why_plain) = decisions
            if with_mfa is not False or without_mfa is not False:
                result[role_arn] = Edge(with_mfa, without_mfa, why_mfa, why_plain)
        self._edges[principal.arn] = result
        return result

    def _decide(
        self,
        principal: Principal,
        role_arn: str,
        chunks: list[Chunk],
        boundary: Chunk | None,
        mfa: bool,
    ) -> tuple[Decision, list[str]]:
        own = finish([self._scan(c, role_arn, principal, mfa) for c in chunks])
        trust_chunk = self._trust_chunk(role_arn)
        trust_statements = trust_chunk.statements
        trust = finish([self._scan(trust_chunk, role_arn, principal, mfa)])
        if own.denied or trust.denied:
            return False, []
        # On every path: the boundary ("if a permissions boundary is set for the user, then it must allow the
        # sts:AssumeRole action", even for a user named in the trust policy) and the SCPs of its account.
        limits: Decision = True
        for limit in ([boundary] if boundary is not None else []) + self._scp_chunks(principal.account_id):
            limits = both(limits, _allowed(finish([self._scan(limit, role_arn, principal, mfa)])))
        # Any account: an identity policy allows, and the trust policy allows.
        by_identity = both(both(own.allowed, limits), trust.allowed)
        # Same account only: trust statements naming the principal itself suffice without an identity allow;
        # identity Denies (conditional ones too) still count.
        by_name: Decision = False
        target_account = self.roles[role_arn][0].account_id
        named = [s for s in trust.allows if names_principal_itself(s, principal.arn)]
        if named and target_account == principal.account_id:
            naming_it = [
                s for s in trust_statements if s.effect == "Deny" or names_principal_itself(s, principal.arn)
            ]
            args = (ASSUME, role_arn, principal.arn, principal.account_id, self._context(principal, mfa))
            by_name = both(both(own.unless_denied(), limits), _allowed(evaluate(naming_it, *args)))
        decision = either(by_name, by_identity)
        if decision is False:
            return False, []
        if by_name is True or (by_name is not False and by_identity is False):
            return decision, [s.label() for s in named]
        return decision, [s.label() for s in own.allows] + [s.label() for s in trust.allows]

    # -- reach ----------------------------------------------------------------------------------------
    def _signature(self, principal: Principal) -> tuple[Any, ...] | None:
        """What a user's answers depend on, when nothing names or conditions on the user itself: the policies
        it holds (its own and its groups'), its boundary and its account. Users alike are answered once."""
        if principal.kind != "user" or principal.arn in self._named or self._trust_on_principal:
            return None
        chunks, boundary = self.identity_chunks(principal)
        if any(c.sensitive for c in chunks) or (boundary is not None and boundary.sensitive):
            return None
        return tuple(c.key for c in chunks), boundary.key if boundary else None, principal.account_id

    def reach(self, principal: Principal) -> list[Reach]:
        """Every role the principal reaches, directly or through other roles, best path first found. With MFA
        and without are followed apart: a session keeps the MFA context of its first hop."""
        signature = self._signature(principal)
        best = self._paths.get(signature) if signature is not None else None
        if best is None:
            best = self._follow(principal)
            if signature is not None:
                self._paths[signature] = best
        with_mfa, without = best
        rows = []
        for arn in sorted(with_mfa.keys() | without.keys(), key=self._order):
            d_mfa, why_mfa, via_mfa = with_mfa.get(arn, (False, [], []))
            d_plain, why_plain, via_plain = without.get(arn, (False, [], []))
            shown_why, shown_via = (why_plain, via_plain) if d_plain is not False else (why_mfa, via_mfa)
            rows.append(self._row(principal, arn, d_mfa, d_plain, shown_why, shown_via))
        return rows

    def _follow(self, principal: Principal) -> tuple[dict[str, _Path], dict[str, _Path]]:
        """Paths from the principal to every role, with MFA and without, to a fixed point."""
        best: tuple[dict[str, _Path], dict[str, _Path]] = ({}, {})  # with MFA, without
        for mfa, found in zip((True, False), best, strict=True):
            queue: deque[str] = deque()
            for role_arn, edge in self.edges(principal).items():
                decision, why = edge.decided(mfa=mfa)
                if decision is not False:
                    found[role_arn] = (decision, why, [])
                    queue.append(role_arn)
            while queue:
                hop = queue.popleft()
                so_far, _, via = found[hop]
                for role_arn, edge in self.edges(self.role_principal(hop)).items():
                    if role_arn == principal.arn:
                        continue
                    decision, why = edge.decided(mfa=mfa)
                    new = both(so_far, decision)
                    old = found.get(role_arn)
                    if new is False or (old is not None and _rank(new) <= _rank(old[0])):
                        continue
                    found[role_arn] = (new, why, [*via, hop])
                    queue.append(role_arn)
        return best

    def _order(self, role_arn: str) -> tuple[int, str]:
        """Accounts in the snapshot's (the file's) order, roles by name within each."""
        account, role = self.roles[role_arn]
        return self._account_index[account.name], role.name

    def _row(
        self,
        principal: Principal,
        role_arn: str,
        d_mfa: Decision,
        d_plain: Decision,
        why: list[str],
        via: list[str],
    ) -> Reach:
        account, role = self.roles[role_arn]
        shown = d_plain if d_plain is not False else d_mfa
        reachable = "yes" if shown is True else ("no" if shown is False else "conditional")
        conditions = [str(c) for c in shown] if isinstance(shown, tuple) else []
        return Reach(
            principal=principal.arn,
            principal_name=principal.name,
            principal_kind=principal.kind,
            principal_account=principal.account,
            role=role.name,
            role_arn=role_arn,
            account=account.name,
            account_id=account.account_id,
            reachable=reachable,
            mfa_required=d_plain is False and d_mfa is not False,
            conditions=conditions,
            why=why,
            via=via,
        )

    def matrix(self) -> list[Reach]:
        """Every user's reach, in snapshot order."""
        return [row for user in self.users() for row in self.reach(user)]


def _allowed(evaluation: Evaluation) -> Decision:
    return False if evaluation.denied else evaluation.allowed


def _may_allow_assume(stmt: Statement) -> bool:
    return action_matches(stmt, ASSUME)
