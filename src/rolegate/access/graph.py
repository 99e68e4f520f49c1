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

How it stays fast on an organization of hundreds of accounts (benchmarks/README.md has the figures):
- policies are parsed once into chunks, and chunks are known by their content, so the AdministratorAccess
  of 500 `administrator` roles, or one SCP over 500 accounts, is one chunk, scanned once per role;
- a decision depends only on the chunks that name the role (by their Resource), the boundary, the SCPs,
  the role's trust, and the principal's account only where a policy can tell accounts apart;
- principals alike (same chunks, boundary, SCPs and account, named by no policy) share their edges and
  their answers: the users of one group set are answered once. "Alike" means alike to every question a
  policy asks of the principal: its ARN (a trust naming it, an aws:PrincipalArn condition), its type, its
  account, a user's name (aws:username) and whatever a policy variable reads (`${aws:username}`,
  `${aws:PrincipalAccount}`); tags and user ids stay unknown to the graph (a condition on them is shown as
  the condition), which decide() knows for one principal asked alone;
- a Resource with a policy variable names every role it could whatever the variable's value (each `${…}`
  read as `*`), and the evaluator decides each one for the principal asking, role by role;
- a role's onward reach (role chaining) is computed once, and a principal's answer is its own edges merged
  with the onward reach of each role it enters, the best path kept.
"""

from __future__ import annotations

import gc
import re
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from rolegate.access.decide import Verdict, grants_principal_directly, judge
from rolegate.access.policy import (
    Context,
    Decision,
    Evaluation,
    Scan,
    Statement,
    action_matches,
    both,
    evaluate,
    finish,
    rank,
    scan,
    statements,
    variable_keys,
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

# Trust policies are labelled without their account, so that the same trust in 500 accounts is one chunk
# decided once; each row's `why` names its own account in the slot.
ACCOUNT_SLOT = "{account}"

# An account id no policy can name (it is not 12 digits): decisions that cannot depend on the caller's
# account are made once, for a caller from here, and shared by callers from every account.
NEUTRAL = "any-account"


@dataclass(frozen=True)
class Principal:
    arn: str
    name: str
    kind: str  # "user" | "role"
    account: str  # logical name in the snapshot
    account_id: str


# decision, why (the statements of the last hop), roles passed through (first hop first)
Path = tuple[Decision, tuple[str, ...], tuple[str, ...]]
_Out = dict[str, Path]  # role ARN -> path; roles not reached are absent


class Answer(NamedTuple):
    """Every role a principal reaches (role ARN -> decision, why, via), with an MFA session and without."""

    with_mfa: dict[str, Path]
    without_mfa: dict[str, Path]


class Group(NamedTuple):
    """Principals whose answers are alike, and that answer."""

    principals: list[Principal]
    answer: Answer


class Cell(NamedTuple):
    """One role as reached by a principal, shared by every principal alike (see `AccessGraph.groups`)."""

    role_arn: str
    reachable: str  # "yes" | "conditional" | "denied" (an explicit Deny refuses it, and no path is left)
    mfa_required: bool
    conditions: tuple[str, ...]
    why: tuple[str, ...]
    via: tuple[str, ...]
    # The paths behind both answers: reached with MFA, without, refused with MFA, without (None: not so).
    paths: tuple[Path | None, Path | None, Path | None, Path | None] = (None, None, None, None)
    account_name: str = ""


class Reach:
    """One row of the answer: a principal, a role in an account, and whether and how it is reached. A view
    over the principal and its cell (which principals alike share), so that a whole organization's matrix
    (millions of rows) costs one small object a row."""

    __slots__ = ("_account", "_cell", "_principal", "_role")

    def __init__(self, principal: Principal, cell: Cell, account: AccountState, role: Role) -> None:
        self._principal, self._cell, self._account, self._role = principal, cell, account, role

    @property
    def principal(self) -> str:  # ARN
        return self._principal.arn

    @property
    def principal_name(self) -> str:
        return self._principal.name

    @property
    def principal_kind(self) -> str:
        return self._principal.kind

    @property
    def principal_account(self) -> str:
        return self._principal.account

    @property
    def role(self) -> str:
        return self._role.name

    @property
    def role_arn(self) -> str:
        return self._cell.role_arn

    @property
    def account(self) -> str:
        return self._account.name

    @property
    def account_id(self) -> str:
        return self._account.account_id

    @property
    def reachable(self) -> str:  # "yes" | "conditional" | "no"
        return self._cell.reachable

    @property
    def mfa_required(self) -> bool:
        return self._cell.mfa_required

    @property
    def conditions(self) -> list[str]:
        return list(self._cell.conditions)

    @property
    def why(self) -> list[str]:
        return list(self._cell.why)

    @property
    def via(self) -> list[str]:  # role ARNs assumed on the way, first hop first
        return list(self._cell.via)

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
            # Both answers, each on its own: with an MFA session, and with long-term keys alone.
            "with_mfa": _side(self._cell.paths[0], self._cell.paths[2], self.account),
            "without_mfa": _side(self._cell.paths[1], self._cell.paths[3], self.account),
            # IAM's record of use (GAAD's RoleLastUsed; the credential report for keys): unused access is
            # what an access review removes first. "": never used; None: not read.
            "role_last_used": self._role.last_used,
        }

    def __repr__(self) -> str:
        return f"Reach({self.to_json()!r})"


# ("principal", ARN) | ("arn", aws:PrincipalArn value) | ("type", "") | ("key", a key a policy variable reads)
_Probe = tuple[str, str]

# A policy variable, as IAM writes one: `${key}`, `${key, 'default'}`, `${*}`. Where a Resource names roles,
# each reads as `*`: the roles it could name whatever the variables' values (the evaluator decides exactly).
_VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True, eq=False)
class Chunk:
    """Statements parsed once, known by their content (`id`), and scanned once per role and context, shared
    by every principal they concern. What of the principal a scan depends on is known ahead: `probes`, the
    questions its statements ask of the principal itself (is it this ARN, does its ARN match this pattern,
    what type is it), and its account where `accounts` names it or `on_account` conditions on it. Principals
    that answer alike scan alike (a SCP that spares `role/OrganizationAccountAccessRole` sorts every other
    principal into one class)."""

    id: int
    statements: list[Statement]
    probes: tuple[_Probe, ...]
    accounts: frozenset[str]  # account ids named as `<account>:root`, in Principal or NotPrincipal
    on_account: bool  # a condition on aws:PrincipalAccount

    @property
    def sensitive(self) -> bool:
        return bool(self.probes)


def _probes(stmts: list[Statement]) -> tuple[_Probe, ...]:
    """What the statements ask of the principal itself. Of the keys about the caller, the evaluator knows
    only its ARN, account and type (others stay unknown, the same for everyone). A policy variable asks for
    the key it reads (`${aws:PrincipalArn}`: the principal's whole ARN); an aws:PrincipalArn value holding a
    variable is compared after the variable is resolved, so it is asked as the ARN itself."""
    found: list[_Probe] = []
    for stmt in stmts:
        for p in (stmt.principals or ()) + (stmt.not_principals or ()):
            if p != "*" and not p.endswith(":root"):
                found.append(("principal", p))
        for _, key, values in stmt.conditions:
            if key.lower() == "aws:principalarn":
                for v in values:
                    found.append(("key", "aws:principalarn") if stmt.variables and "${" in v else ("arn", v))
            elif key.lower() == "aws:principaltype":
                found.append(("type", ""))
            elif key.lower() == "aws:username":
                found.append(("key", "aws:username"))
        found += [("key", key) for key in sorted(variable_keys(stmt))]
    return tuple(dict.fromkeys(found))


def _reads_account(stmts: list[Statement]) -> bool:
    """A condition on aws:PrincipalAccount, or a policy variable reading it: the scan depends on the
    caller's account."""
    return any(k.lower() == "aws:principalaccount" for st in stmts for _, k, _ in st.conditions) or any(
        "aws:principalaccount" in variable_keys(st) for st in stmts
    )


def _known_value(key: str, arn: str, kind: str) -> str | None:
    """What the graph's request context (`AccessGraph._context`) holds for a key a policy variable reads,
    as far as it differs between principals: their ARN, its account, their type, a user's name. Every other
    key is the same for all of them (the organization, the MFA mode, both part of every key already) or
    unknown to all (tags, user ids)."""
    if key == "aws:principalarn":
        return arn
    if key == "aws:username":
        return _username(arn, kind)
    if key == "aws:principalaccount":
        return arn.split(":")[4] if arn.count(":") >= 5 else None
    if key == "aws:principaltype":
        return kind
    return None


def _of_alike(probes: Iterable[_Probe]) -> tuple[_Probe, ...]:
    """The probes that can tell apart principals no trust names: a principal named by ARN is answered on its
    own (`_mentioned`), so for all others "is it this ARN" is always no."""
    return tuple(dict.fromkeys(p for p in probes if p[0] != "principal"))


def _username(arn: str, kind: str) -> str | None:
    """aws:username: a user's friendly name, the last part of its ARN (IAM sets it for users only)."""
    return arn.rsplit("/", 1)[-1] if kind == "user" else None


def _answers(probes: tuple[_Probe, ...], arn: str, kind: str) -> tuple[Any, ...]:
    """The principal's answers to the probes: equal answers, equal scans (see `policy.condition_holds`)."""
    out: list[Any] = []
    for what, value in probes:
        if what == "principal":
            out.append(value == arn)
        elif what == "arn":
            out.append((value == arn, value.lower() == arn.lower(), wildcard_match(value, arn)))
        elif what == "key":
            out.append(_known_value(value, arn, kind))
        else:
            out.append(kind)
    return tuple(out)


def _named_accounts(stmts: list[Statement]) -> frozenset[str]:
    return frozenset(
        p.split(":")[4]
        for stmt in stmts
        for p in (stmt.principals or ()) + (stmt.not_principals or ())
        if p.endswith(":root") and p.startswith("arn:aws:iam::")
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic GC re-scans the graph's millions of cached tuples again and again while they are built,
    which costs a third of the time at scale; none of them form cycles worth collecting mid-way."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class AccessGraph:
    """Built once from a snapshot; answers `reach(principal)` for any user or role in it."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.org_id = snapshot.organization_id or None
        # Each account's customer managed policies by ARN, made on first use: a grant policy is looked up
        # once per principal that holds it, and AccountState.policy_by_arn is a scan.
        self._policies_by_arn: dict[str, dict[str, dict[str, Any]]] = {}
        self.roles: dict[str, tuple[AccountState, Role]] = {}
        self._roles_in_account: dict[str, list[str]] = {}
        self._roles_named: dict[str, list[str]] = {}
        for account in snapshot.accounts.values():
            for role in account.roles.values():
                self.roles[role.arn] = (account, role)
                self._roles_in_account.setdefault(account.account_id, []).append(role.arn)
                self._roles_named.setdefault(role.name, []).append(role.arn)
        account_index = {name: i for i, name in enumerate(snapshot.accounts)}
        # Rows are in the snapshot's (the file's) account order, roles by name within each account.
        self._order = sorted(
            self.roles, key=lambda a: (account_index[self.roles[a][0].name], self.roles[a][1].name)
        )
        self._position = {arn: i for i, arn in enumerate(self._order)}
        self._trust: dict[str, list[Statement]] = {
            arn: statements(role.trust_policy, f"trust policy of role {role.name} in {ACCOUNT_SLOT}")
            for arn, (acct, role) in self.roles.items()
        }
        # Which roles' trust could let a principal in at all, by what it names: the principal's account
        # (`:root`), anyone (`*`, NotPrincipal), or the principal itself. No other role can be assumed by it,
        # whatever its identity policies allow, so no other role is evaluated for it.
        self._named: dict[str, set[str]] = {}  # principal ARN -> roles whose trust allows it by name
        self._trusting: dict[str, set[str]] = {}  # account id -> roles whose trust allows its root
        self._open: set[str] = set()  # roles whose trust allows `*` or uses NotPrincipal
        # Roles whose trust grants `*`, by their account: within it they need no identity allow (decide.py).
        self._everyone: dict[str, set[str]] = {}
        self._mentioned: set[str] = set()  # principal ARNs some trust names: answered one by one
        for arn, stmts in self._trust.items():
            for stmt in stmts:
                for p in (stmt.principals or ()) + (stmt.not_principals or ()):
                    if p != "*" and not p.endswith(":root"):
                        self._mentioned.add(p)
                if stmt.effect != "Allow":
                    continue
                if stmt.not_principals is not None:
                    self._open.add(arn)
                for p in stmt.principals or ():
                    if p == "*":
                        self._open.add(arn)
                        self._everyone.setdefault(self.roles[arn][0].account_id, set()).add(arn)
                    elif p.endswith(":root") and p.startswith("arn:aws:iam::"):
                        self._trusting.setdefault(p.split(":")[4], set()).add(arn)
                    else:
                        self._named.setdefault(p, set()).add(arn)
        # What any trust asks of a principal: principals alike must answer alike to share their answers.
        self._trust_probes = _of_alike(p for stmts in self._trust.values() for p in _probes(stmts))
        self._whos: dict[tuple[int, str], Any] = {}
        self._classes: dict[str, tuple[Any, ...] | None] = {}
        self._chunks: dict[str, Chunk] = {}  # by what they were built from
        self._assume_actions: dict[tuple[tuple[str, ...] | None, tuple[str, ...] | None], bool] = {}
        self._trust_chunks: dict[str, Chunk] = {}
        self._evaluations: dict[tuple[Any, ...], Evaluation] = {}
        self._by_content: dict[tuple[Statement, ...], Chunk] = {}
        self._targets: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        self._stmt_targets: dict[int, list[frozenset[str]]] = {}
        # chunk id -> its statements whose Resource or NotResource holds a policy variable (chunks with any)
        self._variable_resources: dict[int, frozenset[int]] = {}
        self._shapes: dict[tuple[Any, ...], dict[str, tuple[int, str]]] = {}
        self._shape_ids: dict[tuple[Any, ...], int] = {}  # a shape's content -> its number
        self._all_roles = frozenset(self.roles)
        self._pattern_roles: dict[str, list[str]] = {}
        self._scp_cache: dict[str, list[Chunk]] = {}
        self._scans: dict[tuple[Any, ...], Scan] = {}
        self._contexts: dict[tuple[str, bool], Context] = {}
        self._decisions: dict[tuple[Any, ...], Path | None] = {}
        self._specific: dict[str, set[str]] = {}
        # Roles open to anyone whose trust names an account ("": conditions on the caller's account)
        self._open_by_account: dict[str, set[str]] | None = None
        self._admitted: dict[str, frozenset[str]] = {}
        self._solos: dict[tuple[Any, ...], _Out] = {}
        self._outs: dict[Any, tuple[_Out, _Out]] = {}  # by class: (edges, edges an explicit Deny takes out)
        self._direct: dict[tuple[str, bool], _Out] = {}
        self._refusals: dict[int, Answer] = {}  # by id of the answer (one per class of principals alike)
        self._refused_roles: set[str] = set()  # roles some refused edge leads to
        self._role_principals: dict[str, Principal] = {}
        self._closures: dict[tuple[str, bool], _Out] = {}
        self._answers: dict[Any, Answer] = {}
        self._sides: dict[Any, _Out] = {}
        self._cells: dict[tuple[int, int, bool], list[Cell]] = {}
        self._cell_cache: dict[tuple[Any, ...], tuple[Cell, tuple[Path | None, ...]]] = {}
        self._deep: tuple[set[str], set[str]] = (set(), set())  # roles with an onward reach, without/with MFA
        self._unsorted: tuple[set[str], set[str]] = (set(self.roles), set(self.roles))  # not known yet

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

    def edges(self, principal: Principal, mfa: bool) -> dict[str, Path]:
        """The roles the principal may assume in one hop (role ARN -> path), with an MFA session or without:
        each one decided by `decide.judge`, as `decide()` would answer sts:AssumeRole on it."""
        with collector_paused():
            return dict(self._out(principal, mfa))

    # -- policies as chunks ---------------------------------------------------------------------------
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

    _document = document

    def _policy_name(self, arn: str) -> str:
        return arn.rsplit("/", 1)[-1]

    def _may_allow_assume(self, stmt: Statement) -> bool:
        """Whether the statement's actions cover sts:AssumeRole, decided once per Action list (the same list
        recurs in thousands of policies)."""
        key = (stmt.actions, stmt.not_actions)
        found = self._assume_actions.get(key)
        if found is None:
            found = self._assume_actions[key] = _may_allow_assume(stmt)
        return found

    def _chunk(self, key: str, build: Any) -> Chunk:
        """Parsed once; only the statements that can bear on sts:AssumeRole are kept (others never match).
        Two chunks of the same statements (labels included, so `why` stays true) are one."""
        found = self._chunks.get(key)
        if found is None:
            stmts = [st for st in build() if self._may_allow_assume(st)]
            content = tuple(stmts)
            found = self._by_content.get(content)
            if found is None:
                found = Chunk(
                    len(self._by_content),
                    stmts,
                    _probes(stmts),
                    _named_accounts(stmts),
                    _reads_account(stmts),
                )
                self._by_content[content] = found
                wild = frozenset(
                    i
                    for i, st in enumerate(stmts)
                    if st.variables and any("${" in r for r in (st.resources or st.not_resources or ()))
                )
                if wild:
                    self._variable_resources[found.id] = wild
            self._chunks[key] = found
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

    def _trust_chunk(self, role_arn: str) -> Chunk:
        found = self._trust_chunks.get(role_arn)
        if found is None:
            found = self._trust_chunks[role_arn] = self._chunk(
                f"trust:{role_arn}", lambda: self._trust[role_arn]
            )
        return found

    def _scp_chunks(self, account_id: str) -> list[Chunk]:
        found = self._scp_cache.get(account_id)
        if found is None:
            levels = self.snapshot.scps.get(account_id, [])
            found = self._scp_cache[account_id] = [
                self._chunk(
                    f"scp:{account_id}:{i}",
                    lambda lv=level: [st for doc in lv for st in statements(doc, "service control policy")],
                )
                for i, level in enumerate(levels)
                if level  # AWS keeps at least one SCP on every node: an empty level was not read
            ]
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

    def _roles_matching(self, pattern: str) -> list[str]:
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
                    pool = self._roles_in_account.get(account, [])
                elif "/" in parts[5] and "*" not in name and "?" not in name:
                    pool = self._roles_named.get(name, [])
            candidates = self.roles if pool is None else pool
            found = self._pattern_roles[pattern] = [arn for arn in candidates if wildcard_match(pattern, arn)]
        return found

    def _statement_targets(self, chunk: Chunk) -> list[frozenset[str]]:
        """For each statement, the roles its Resource (or NotResource) may name: exactly those of a literal
        text; for a text with a policy variable, every role it could name whatever the variable's value,
        left to the evaluator to decide (a NotResource with one leaves no role out, as it may not)."""
        found = self._stmt_targets.get(chunk.id)
        if found is None:
            found = []
            for stmt in chunk.statements:
                named: set[str] = set()
                for pattern in stmt.resources if stmt.resources is not None else stmt.not_resources or ():
                    if stmt.variables and "${" in pattern:
                        if stmt.resources is not None:
                            named.update(self._roles_matching(_VARIABLE.sub("*", pattern)))
                    elif "*" in pattern or "?" in pattern:
                        named.update(self._roles_matching(pattern))
                    elif pattern in self.roles:
                        named.add(pattern)
                if stmt.resources is None and stmt.not_resources is None:  # a trust policy's: the role itself
                    found.append(self._all_roles)
                elif stmt.resources is None:  # NotResource: everything but
                    found.append(self._all_roles - named)
                else:
                    found.append(frozenset(named))
            self._stmt_targets[chunk.id] = found
        return found

    def _chunk_targets(self, chunk: Chunk) -> tuple[frozenset[str], frozenset[str]]:
        """Roles the chunk's Allows let one assume, and roles any of its statements concern (Allow or Deny),
        before any trust or condition is looked at. A chunk that does not concern a role scans to nothing
        for it."""
        found = self._targets.get(chunk.id)
        if found is None:
            allow: set[str] = set()
            every: set[str] = set()
            for stmt, named in zip(chunk.statements, self._statement_targets(chunk), strict=True):
                every |= named
                if stmt.effect == "Allow":
                    allow |= named
            found = self._targets[chunk.id] = (frozenset(allow), frozenset(every))
        return found

    def _shape(
        self, base: tuple[Any, ...], chunks: list[Chunk], limits: list[Chunk], role_arn: str, account_id: str
    ) -> Any:
        """What of the role a decision depends on: which statements of each policy name it, its trust policy
        (content, not owner: the read_only roles of 500 accounts trust alike), and whether it is in the
        principal's own account. Roles of one shape are decided once. A shape is known by a number (one per
        content), so the keys built from it hash two integers, not its nested tuples."""
        shapes = self._shapes_of(base)
        found = shapes.get(role_arn)
        if found is None:
            found = shapes[role_arn] = self._new_shape(chunks, limits, role_arn)
        return found[0], found[1] == account_id

    def _shapes_of(self, base: tuple[Any, ...]) -> dict[str, tuple[int, str]]:
        """Role ARN -> (its shape's number, its account id), for the chunks and limits of `base`."""
        key = (base[0], base[1])  # the ids of the chunks and of the limits
        found = self._shapes.get(key)
        if found is None:
            found = self._shapes[key] = {}
        return found

    def _new_shape(self, chunks: list[Chunk], limits: list[Chunk], role_arn: str) -> tuple[int, str]:
        trust = self._trust_chunk(role_arn)
        hits = (
            tuple(self._hits(c, role_arn) for c in chunks),
            tuple(self._hits(c, role_arn) for c in limits),
            trust.id,
            self._hits(trust, role_arn),
        )
        return self._shape_ids.setdefault(hits, len(self._shape_ids)), self.roles[role_arn][0].account_id

    def _hits(self, chunk: Chunk, role_arn: str) -> tuple[int | str, ...]:
        """Which statements name the role: roles named by the same statements scan alike (the conditions and
        the principal do not depend on the role), so `role/read_only` in 500 accounts is scanned once. Where
        one of them names roles through a policy variable, whether it names this one is decided per role
        and principal: the role itself is part of the answer."""
        hits: tuple[int | str, ...] = tuple(
            i for i, named in enumerate(self._statement_targets(chunk)) if role_arn in named
        )
        if hits and chunk.id in self._variable_resources:
            wild = self._variable_resources[chunk.id]
            if any(i in wild for i in hits):
                hits += (role_arn,)
        return hits

    # -- deciding one edge ----------------------------------------------------------------------------
    def _who(self, chunk: Chunk, principal: Principal) -> Any:
        """What of the principal a chunk's scan depends on: its account (or nothing), and its answers to the
        chunk's probes."""
        account = principal.account_id if chunk.on_account or principal.account_id in chunk.accounts else ""
        if not chunk.probes:
            return account
        key = (chunk.id, principal.arn)
        found = self._whos.get(key)
        if found is None:
            found = self._whos[key] = (account, _answers(chunk.probes, principal.arn, principal.kind))
        return found

    def _scan(self, chunk: Chunk, role_arn: str, principal: Principal, mfa: bool) -> Scan:
        key = (chunk.id, self._hits(chunk, role_arn), mfa, self._who(chunk, principal))
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
            # A user's name from its ARN, as `_known_value` answers the probes that read it (the stand-in
            # of `_solo`, "a caller from no account", keeps the principal's ARN path and name).
            found = Context.for_principal(
                principal.arn,
                principal.account_id,
                self.org_id,
                mfa=mfa,
                username=_username(principal.arn, principal.kind),
            )
            self._contexts[key] = found
        return found

    def _evaluation(self, chunk: Chunk, role_arn: str, principal: Principal, mfa: bool) -> Evaluation:
        """One chunk finished on its own (a trust policy, an SCP level, the only policy naming the role)."""
        key = (chunk.id, self._hits(chunk, role_arn), mfa, self._who(chunk, principal))
        found = self._evaluations.get(key)
        if found is None:
            found = self._evaluations[key] = finish([self._scan(chunk, role_arn, principal, mfa)])
        return found

    def _base(
        self, principal: Principal, chunks: list[Chunk], limits: list[Chunk], mfa: bool
    ) -> tuple[Any, ...]:
        """The part of a decision's key that does not depend on the role."""
        whos = tuple(self._who(c, principal) for c in (*chunks, *limits))
        return tuple(c.id for c in chunks), tuple(c.id for c in limits), mfa, whos

    def _decision(
        self,
        principal: Principal,
        role_arn: str,
        chunks: list[Chunk],
        limits: list[Chunk],
        mfa: bool,
        base: tuple[Any, ...] | None = None,
    ) -> Path | None:
        """The edge principal -> role, decided on the identity chunks that concern the role; None: no edge.
        Principals for whom every part scans alike share the answer."""
        if base is None:
            base = self._base(principal, chunks, limits, mfa)
        trust = self._trust_chunk(role_arn)
        shape = self._shape(base, chunks, limits, role_arn, principal.account_id)
        key = (base, shape, self._who(trust, principal))
        if key in self._decisions:
            return self._decisions[key]
        verdict = self._decide(principal, role_arn, chunks, limits, mfa)
        found: Path | None = None
        if verdict.decision is not False:
            found = (verdict.decision, tuple(s.label() for s in verdict.allows), ())
        elif verdict.denies and verdict.would_allow:
            # Allowed on every layer but for an explicit Deny: kept as a refused edge (a row "denied" with
            # its statements), which no path follows (`_split` keeps it apart).
            found = (False, tuple(s.label() for s in verdict.denies), ())
            self._refused_roles.add(role_arn)
        self._decisions[key] = found
        return found

    def _decide(
        self, principal: Principal, role_arn: str, chunks: list[Chunk], limits: list[Chunk], mfa: bool
    ) -> Verdict:
        """One edge, put together by `decide.judge` (the code `rolegate access check` runs) from this
        graph's cached evaluations of each layer."""
        if len(chunks) == 1:
            own = self._evaluation(chunks[0], role_arn, principal, mfa)
        else:
            own = finish([self._scan(c, role_arn, principal, mfa) for c in chunks])
        trust_chunk = self._trust_chunk(role_arn)
        trust = self._evaluation(trust_chunk, role_arn, principal, mfa)
        # Each limit's evaluation is cached; the decision that uses them is too.
        evaluated = [self._evaluation(limit, role_arn, principal, mfa) for limit in limits]
        direct = None
        if self.roles[role_arn][0].account_id == principal.account_id and any(
            grants_principal_directly(s, principal.arn) for s in trust.allows
        ):
            # Same account: the trust statements granting the principal itself (or `*`) suffice without an
            # identity allow; identity Denies (conditional ones too), the boundary and the SCPs still count.
            naming_it = [
                s
                for s in trust_chunk.statements
                if s.effect == "Deny" or grants_principal_directly(s, principal.arn)
            ]
            args = (ASSUME, role_arn, principal.arn, principal.account_id, self._context(principal, mfa))
            direct = evaluate(naming_it, *args)
        return judge(own, evaluated, trust, direct)

    # -- a principal's own edges ----------------------------------------------------------------------
    def _shared_class(self, principal: Principal) -> tuple[Any, ...] | None:
        """What a principal's edges depend on when no trust names it: its chunks, boundary, SCPs, account and
        kind, and its answers to what any of those policies asks of it. Principals alike (the users of one
        group set) share their edges."""
        if principal.arn in self._classes:
            return self._classes[principal.arn]
        found: tuple[Any, ...] | None = None
        if principal.arn not in self._mentioned:
            chunks, boundary = self.identity_chunks(principal)
            limits = self._limits(principal, boundary)
            answers = _answers(self._probes_of(chunks, limits), principal.arn, principal.kind)
            found = (
                tuple(c.id for c in chunks), tuple(c.id for c in limits), principal.account_id,
                principal.kind, answers,
            )  # fmt: skip
        self._classes[principal.arn] = found
        return found

    def _limits(self, principal: Principal, boundary: Chunk | None) -> list[Chunk]:
        scps = self._scp_chunks(principal.account_id)
        return [boundary, *scps] if boundary is not None else scps

    def _probes_of(self, chunks: list[Chunk], limits: list[Chunk]) -> tuple[_Probe, ...]:
        return _of_alike(p for c in [*chunks, *limits] for p in c.probes) + self._trust_probes

    def _out(self, principal: Principal, mfa: bool) -> _Out:
        """The roles the principal may assume directly, with MFA or without."""
        found = self._direct.get((principal.arn, mfa))
        if found is None:
            found = self._direct[(principal.arn, mfa)] = self._out_of(principal, mfa)[0]
        return found

    def _denied_out(self, principal: Principal, mfa: bool) -> _Out:
        """The roles it would assume directly but for an explicit Deny (path: False, the Denies, ())."""
        return self._out_of(principal, mfa)[1]

    def _out_of(self, principal: Principal, mfa: bool) -> tuple[_Out, _Out]:
        shared = self._shared_class(principal)
        key: Any = (shared, mfa) if shared is not None else (principal.arn, mfa)
        split = self._outs.get(key)
        if split is None:
            chunks, boundary = self.identity_chunks(principal)
            limits = self._limits(principal, boundary)
            if shared is None:
                found = self._out_one(principal, chunks, limits, mfa)
            else:
                found = self._out_alike(principal, chunks, limits, mfa)
                # Roles of its own account open to everyone, which no identity policy of it allows: the
                # trust alone may let it in (decide.py); decided on the chunks that concern them (Denies).
                everyone = self._everyone.get(principal.account_id)
                if everyone:  # a few roles an account: looked up one by one in the big sets, never copied
                    left = {arn for arn in everyone if arn not in found}
                    for chunk in chunks:
                        targets = self._chunk_targets(chunk)[0]
                        left = {arn for arn in left if arn not in targets}
                    if left:
                        found = dict(found)
                        self._decide_each(principal, left, chunks, limits, mfa, found)
            split = self._outs[key] = self._split(found)
        if principal.arn in split[0] or principal.arn in split[1]:  # a role never reaches itself
            return tuple(  # type: ignore[return-value]
                {arn: path for arn, path in part.items() if arn != principal.arn} for part in split
            )
        return split

    def _out_one(self, principal: Principal, chunks: list[Chunk], limits: list[Chunk], mfa: bool) -> _Out:
        """Edges of a principal some trust names: every candidate decided for it alone."""
        named = self._named.get(principal.arn, set())
        allowed: set[str] = set()
        for chunk in chunks:
            allowed |= self._chunk_targets(chunk)[0]
        reachable = self._admitting(principal.account_id) | named
        own_account = self._everyone.get(principal.account_id, set())
        found: _Out = {}
        self._decide_each(principal, (allowed & reachable) | named | own_account, chunks, limits, mfa, found)
        return found

    def _out_alike(self, principal: Principal, chunks: list[Chunk], limits: list[Chunk], mfa: bool) -> _Out:
        """Edges shared by all principals alike: each chunk's edges as if it were the only one, merged; the
        roles two chunks both concern are decided again on both."""
        if not chunks:
            return {}
        solos = [self._solo(c, principal, limits, mfa) for c in chunks]
        if len(chunks) == 1:
            return solos[0]
        seen: set[str] = set()
        overlap: set[str] = set()
        for chunk in chunks:
            concerned = self._chunk_targets(chunk)[1]
            overlap |= seen & concerned
            seen |= concerned
        merged: _Out = {}
        for solo in solos:
            merged.update(solo)
        overlap &= self._admitting(principal.account_id)
        self._decide_each(principal, overlap, chunks, limits, mfa, merged)
        return merged

    def _decide_each(
        self,
        principal: Principal,
        role_arns: set[str],
        chunks: list[Chunk],
        limits: list[Chunk],
        mfa: bool,
        into: _Out,
    ) -> None:
        """Decide each role on the chunks that concern it, and set (or take out) its edge."""
        for role_arn in role_arns:
            relevant = [c for c in chunks if role_arn in self._chunk_targets(c)[1]]
            path = self._decision(principal, role_arn, relevant, limits, mfa)
            if path is None:
                into.pop(role_arn, None)
            else:
                into[role_arn] = path

    def _admitting(self, account_id: str) -> frozenset[str]:
        """Roles whose trust could let in a principal of this account that no trust names."""
        found = self._admitted.get(account_id)
        if found is None:
            found = self._admitted[account_id] = frozenset(self._trusting.get(account_id, set()) | self._open)
        return found

    def _account_specific(self, account_id: str) -> set[str]:
        """Roles whose trust tells this account apart: it trusts the account, or names it, or conditions on
        the caller's account. Every other role decides alike for callers from any account."""
        found = self._specific.get(account_id)
        if found is None:
            if self._open_by_account is None:  # the open roles' trusts read once, not once per account
                self._open_by_account = {}
                for arn in self._open:
                    trust = self._trust_chunk(arn)
                    for named in trust.accounts | ({""} if trust.on_account else set()):
                        self._open_by_account.setdefault(named, set()).add(arn)
            found = set(self._trusting.get(account_id, set())) | self._everyone.get(account_id, set())
            found |= self._open_by_account.get("", set()) | self._open_by_account.get(account_id, set())
            self._specific[account_id] = found
        return found

    def _solo(self, chunk: Chunk, principal: Principal, limits: list[Chunk], mfa: bool) -> _Out:
        """The edges one chunk gives the principals of this class, as if it were their only one."""
        probes = self._probes_of([chunk], limits)
        answers = _answers(probes, principal.arn, principal.kind)
        ids = (chunk.id, tuple(c.id for c in limits), principal.kind, answers, mfa)
        found = self._solos.get((*ids, principal.account_id))
        if found is not None:
            return found
        allowed = self._chunk_targets(chunk)[0]
        # Roles open to anyone decide alike for callers from any account they do not name: decided once for
        # a caller from no account (when it answers every probe alike), then the few that tell this account
        # apart are decided again.
        nobody = Principal(
            f"arn:aws:iam::{NEUTRAL}:{principal.arn.split(':', 5)[-1]}", "-", principal.kind, "", NEUTRAL
        )
        if (
            chunk.on_account
            or any(c.on_account for c in limits)
            or _answers(probes, nobody.arn, nobody.kind) != answers
        ):
            reachable = allowed & self._admitting(principal.account_id)
            found = self._decide_all(principal, reachable, chunk, limits, mfa)
        else:
            neutral = self._solos.get((*ids, NEUTRAL))
            if neutral is None:
                neutral = self._decide_all(nobody, allowed & self._open, chunk, limits, mfa)
                self._solos[(*ids, NEUTRAL)] = neutral
            specific = allowed & self._account_specific(principal.account_id)
            found = neutral
            if specific:
                found = dict(neutral)
                for arn in specific:
                    found.pop(arn, None)
                found.update(self._decide_all(principal, specific, chunk, limits, mfa))
        self._solos[(*ids, principal.account_id)] = found
        return found

    def _decide_all(
        self, principal: Principal, role_arns: frozenset[str], chunk: Chunk, limits: list[Chunk], mfa: bool
    ) -> _Out:
        """The edges of one chunk to these roles (all of which it concerns)."""
        base = self._base(principal, [chunk], limits, mfa)
        chunks, account_id, shapes = [chunk], principal.account_id, self._shapes_of(base)
        alike: dict[Any, list[str]] = {}
        for arn in role_arns:  # `_shape`, inlined: this loop runs once per role a policy names
            shape = shapes.get(arn)
            if shape is None:
                shape = shapes[arn] = self._new_shape(chunks, limits, arn)
            alike.setdefault((shape[0], shape[1] == account_id), []).append(arn)
        found: _Out = {}
        for arns in alike.values():  # roles of one shape share one decision, and its path
            path = self._decision(principal, arns[0], [chunk], limits, mfa, base)
            if path is not None:
                found.update(dict.fromkeys(arns, path))
        return found

    # -- reach ----------------------------------------------------------------------------------------
    def _closure(self, role_arn: str, mfa: bool) -> _Out:
        """Everything a session of this role reaches onward, best path first found; computed once."""
        key = (role_arn, mfa)
        found = self._closures.get(key)
        if found is None:
            principal = self.role_principal(role_arn)
            direct = self._out(principal, mfa)
            if any(self._out(self.role_principal(arn), mfa) for arn in direct):
                found = self._search(principal, direct, mfa)
            else:
                found = direct  # one hop and no further: the edges are the closure
            self._closures[key] = found
        return found

    def _search(self, principal: Principal, direct: _Out, mfa: bool) -> _Out:
        """Breadth first from the principal's edges to a fixed point; a path replaces another only when its
        decision ranks higher (certain over conditional)."""
        found: _Out = dict(direct)
        queue: deque[str] = deque(sorted(direct, key=self._position.__getitem__))
        while queue:
            hop = queue.popleft()
            so_far, _, via = found[hop]
            out = self._out(self.role_principal(hop), mfa)
            # In account and name order, as the queue started: an edge dict's own order follows string
            # hashing, which would make the kept one of two equal paths differ from run to run.
            for role_arn in sorted(out, key=self._position.__getitem__):
                decision, why, _ = out[role_arn]
                if role_arn == principal.arn:
                    continue
                new = both(so_far, decision)
                old = found.get(role_arn)
                if new is False or (old is not None and rank(new) <= rank(old[0])):
                    continue
                found[role_arn] = (new, why, (*via, hop))
                queue.append(role_arn)
        return found

    def _reached(self, principal: Principal, mfa: bool) -> _Out:
        """The principal's edges, merged with the onward reach of each role they enter. The best decision
        wins, then the fewest hops, then the first role entered in account and name order."""
        direct = self._out(principal, mfa)
        deep, unsorted = self._deep[mfa], self._unsorted[mfa]
        # Each role is sorted once into those with an onward reach and those without; the set of roles not
        # sorted yet shrinks fast, and an intersection costs the smaller set, not the principal's edges.
        for arn in direct.keys() & unsorted:
            if self._closure(arn, mfa):
                deep.add(arn)
            unsorted.discard(arn)
        onward = direct.keys() & deep
        if not onward:
            return direct
        found: _Out = dict(direct)
        for hop in sorted(onward, key=self._position.__getitem__):
            entered = direct[hop][0]
            closure = self._closure(hop, mfa)
            added = closure.keys() - found.keys()
            for arn in added:
                decision, why, via = closure[arn]
                found[arn] = (both(entered, decision), why, (hop, *via))
            for arn in closure.keys() - added:
                old, _, old_via = found[arn]
                if old is True and len(old_via) <= 1:
                    # Certain, directly or one hop past a role entered directly: no later hop betters it.
                    continue
                decision, why, via = closure[arn]
                decision = both(entered, decision)
                if (rank(decision), -len(via)) > (rank(old), -len(old_via) + 1):
                    found[arn] = (decision, why, (hop, *via))
        found.pop(principal.arn, None)
        return found

    def _answer(self, principal: Principal) -> Answer:
        """The principal's reach with an MFA session and with long-term keys alone; shared by principals
        alike (the very same object)."""
        shared = self._shared_class(principal)
        key: Any = shared if shared is not None else principal.arn
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = Answer(self._side(principal, True), self._side(principal, False))
        return found

    def _side(self, principal: Principal, mfa: bool) -> _Out:
        """One side of the answer (with an MFA session, or without), computed once per class of principals
        alike, so that the answer and whoever asks for one side alone share the very same dict."""
        shared = self._shared_class(principal)
        key: Any = (shared if shared is not None else principal.arn, mfa)
        found = self._sides.get(key)
        if found is None:
            found = self._sides[key] = self._reached(principal, mfa)
        return found

    def _split(self, found: _Out) -> tuple[_Out, _Out]:
        """Edges apart from refused ones (decision False: allowed but for an explicit Deny), which no path
        follows. Most classes have none: their dict is returned as it is, after a look at the few roles a
        refused edge leads to at all."""
        if not any(found[arn][0] is False for arn in self._refused_roles if arn in found):
            return found, {}
        return (
            {arn: path for arn, path in found.items() if path[0] is not False},
            {arn: path for arn, path in found.items() if path[0] is False},
        )

    def _refused(self, principal: Principal, answer: Answer | None = None) -> Answer:
        """The roles an explicit Deny keeps the principal from, on its first hop, and that no other path
        reaches, with an MFA session and without; shared by principals alike (as their answer is)."""
        if answer is None:
            answer = self._answer(principal)
        found = self._refusals.get(id(answer))  # answers live as long as the graph
        if found is None:
            with_mfa, without = self._denied_out(principal, True), self._denied_out(principal, False)
            found = NO_REFUSALS
            if with_mfa or without:
                found = Answer(
                    {a: p for a, p in with_mfa.items() if a not in answer.with_mfa},
                    {a: p for a, p in without.items() if a not in answer.without_mfa},
                )
            self._refusals[id(answer)] = found
        return found

    def _cells_of(self, principal: Principal, denied: bool = False) -> list[Cell]:
        answer = self._answer(principal)
        refused = self._refused(principal, answer)
        key = (id(answer), id(refused), denied)  # answers and refusals live as long as the graph
        found = self._cells.get(key)
        if found is None:
            found = self._cells[key] = self._new_cells(*answer, *refused, denied)
        return found

    def _new_cells(
        self, with_mfa: _Out, without: _Out, refused_mfa: _Out, refused: _Out, denied: bool
    ) -> list[Cell]:
        """The cells in row order. Most recur across principals with the very same paths (one decided
        edge), so a cell is made once per role and set of paths (the paths are kept alive with it, so their
        ids stay theirs). Roles an explicit Deny refuses are rows of their own only when `denied`."""
        cache, position, order = self._cell_cache, self._position, self._order
        arns = with_mfa.keys() | without.keys()
        cells = []
        if not refused_mfa and not refused:  # most principals: two paths a cell, as many a key
            for arn in [order[i] for i in sorted(map(position.__getitem__, arns))]:
                p_mfa, p_plain = with_mfa.get(arn), without.get(arn)
                key: tuple[Any, ...] = (arn, id(p_mfa), id(p_plain))
                cached = cache.get(key)
                if cached is None:
                    cell = _new_cell(arn, self.roles[arn][0].name, p_mfa, p_plain)
                    cached = cache[key] = (cell, (p_mfa, p_plain))
                cells.append(cached[0])
            return cells
        if denied:
            arns |= refused_mfa.keys() | refused.keys()
        for arn in [order[i] for i in sorted(map(position.__getitem__, arns))]:
            paths = (with_mfa.get(arn), without.get(arn), refused_mfa.get(arn), refused.get(arn))
            key = (arn, *map(id, paths))
            cached = cache.get(key)
            if cached is None:
                cached = cache[key] = (_new_cell(arn, self.roles[arn][0].name, *paths), paths)
            cells.append(cached[0])
        return cells

    def answer(self, principal: Principal) -> Answer:
        """Every role the principal reaches (role ARN -> decision, why, via), with an MFA session and without:
        the matrix's answer, shared by principals alike (the very same object: read it, never change it)."""
        with collector_paused():
            return self._answer(principal)

    def reachable(self, principal: Principal, *, mfa: bool) -> dict[str, Path]:
        """One side of `answer(principal)`: every role it reaches with an MFA session (mfa=True) or with
        long-term keys alone, without working out the other (the same shared dict: read it, never change
        it)."""
        with collector_paused():
            return self._side(principal, mfa)

    def session_reach(self, role_arn: str, *, mfa: bool) -> dict[str, Path]:
        """Everything a session of this role reaches onward by role chaining (role ARN -> path, roles passed
        through after it), with the MFA context of the session it came from; computed once per role and
        shared (read it, never change it)."""
        with collector_paused():
            return self._closure(role_arn, mfa)

    def refusals(self, principal: Principal) -> Answer:
        """The roles an explicit Deny keeps the principal from (role ARN -> (False, the Denies, ())), that
        it reaches no other way, with an MFA session and without."""
        with collector_paused():
            return self._refused(principal)

    def reach(self, principal: Principal, *, denied: bool = False) -> list[Reach]:
        """Every role the principal reaches, directly or through other roles. With MFA and without are
        followed apart: a session keeps the MFA context of its first hop. With `denied`, the roles an
        explicit Deny keeps it from are rows too (reachable "denied", why: the Denies)."""
        with collector_paused():
            return self._rows(principal, self._cells_of(principal, denied))

    def _rows(self, principal: Principal, cells: list[Cell]) -> list[Reach]:
        roles = self.roles
        return [Reach(principal, cell, *roles[cell.role_arn]) for cell in cells]

    def groups(self) -> list[Group]:
        """Every user's reach, with the users whose answers are alike together: the whole matrix without its
        repetition, for whoever reads it whole (the audit). `cells(group)` puts one in row order."""
        with collector_paused():
            grouped: dict[int, Group] = {}
            for user in self.users():
                answer = self._answer(user)
                grouped.setdefault(id(answer), Group([], answer))[0].append(user)
            return list(grouped.values())

    def cells(self, group: Group) -> list[Cell]:
        with collector_paused():
            return self._cells_of(group.principals[0])

    def matrix(self) -> list[Reach]:
        """Every user's reach, in snapshot order."""
        with collector_paused():
            return [row for user in self.users() for row in self._rows(user, self._cells_of(user))]


NO_REFUSALS = Answer({}, {})  # one object: principals without a refused edge share its cells


def _new_cell(
    role_arn: str,
    account: str,
    with_mfa: Path | None,
    without: Path | None,
    refused_mfa: Path | None = None,
    refused: Path | None = None,
) -> Cell:
    paths = (with_mfa, without, refused_mfa, refused)
    if with_mfa is None and without is None:  # refused on both answers (or on one, the other not reached)
        denial = refused if refused is not None else refused_mfa
        assert denial is not None
        why = tuple(w.replace(ACCOUNT_SLOT, account) for w in denial[1])
        return Cell(role_arn, "denied", False, (), why, (), paths, account)
    d_mfa = with_mfa[0] if with_mfa is not None else False
    d_plain = without[0] if without is not None else False
    shown_path = without if without is not None else with_mfa
    assert shown_path is not None
    shown, why, via = shown_path
    return Cell(
        role_arn,
        "yes" if shown is True else ("no" if shown is False else "conditional"),
        d_plain is False and d_mfa is not False,
        tuple(str(c) for c in shown) if isinstance(shown, tuple) else (),
        tuple(w.replace(ACCOUNT_SLOT, account) for w in why),
        via,
        paths,
        account,
    )


def _side(reached: Path | None, refused: Path | None, account: str) -> dict[str, Any]:
    """One answer of a row (with MFA, or without) as data: yes, conditional, denied (its Denies) or no."""
    path = reached if reached is not None else refused
    if path is None:
        return {"reachable": "no", "conditions": [], "why": [], "via": []}
    decision, why, via = path
    reachable = "yes" if decision is True else ("denied" if decision is False else "conditional")
    return {
        "reachable": reachable,
        "conditions": [str(c) for c in decision] if isinstance(decision, tuple) else [],
        "why": [w.replace(ACCOUNT_SLOT, account) for w in why],
        "via": list(via),
    }


def _may_allow_assume(stmt: Statement) -> bool:
    return action_matches(stmt, ASSUME)
