"""One sts:AssumeRole request decided, principal -> role, on the snapshot's index: the evaluator the reach
engine (reach.py) asks for every edge.

Each edge is the identity side (the principal's own and its groups' policies), its permissions boundary, the
SCP levels over its account and the role's trust policy, each evaluated (policy.py) and put together by
`decide.judge`, the code `rolegate access check` runs, so the matrix and `decide()` cannot disagree.

What makes it cheap at scale lives here too:
- policies are parsed once into chunks, and chunks are known by their content, so the AdministratorAccess
  of 500 `administrator` roles, or one SCP over 500 accounts, is one chunk, scanned once per role;
- what of a principal a chunk's scan depends on is known ahead (`Chunk.probes`, its account where named),
  so principals that answer alike share each scan, evaluation and decision;
- what of a role a decision depends on (which statements name it, its trust's content, whether it is in the
  principal's account) is its shape, and roles of one shape are decided once;
- a Resource with a policy variable names every role it could whatever the variable's value (each `${…}`
  read as `*`), and the evaluator decides each one for the principal asking, role by role.

Pure: every memo holds an answer that depends on the snapshot and the question alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from rolegate.access.decide import Verdict, grants_principal_directly, judge
from rolegate.access.index import PolicyHolder, Principal, SnapshotIndex
from rolegate.access.policy import (
    Context,
    Decision,
    Evaluation,
    Scan,
    Statement,
    action_matches,
    evaluate,
    finish,
    scan,
    statements,
    variable_keys,
    wildcard_match,
)
from rolegate.state.snapshot import AccountState

ASSUME = "sts:AssumeRole"

# decision, why (the statements of the last hop), roles passed through (first hop first)
Path = tuple[Decision, tuple[str, ...], tuple[str, ...]]
_Out = dict[str, Path]  # role ARN -> path; roles not reached are absent

# ("principal", ARN) | ("arn", aws:PrincipalArn value) | ("type", "") | ("key", a key a policy variable reads)
Probe = tuple[str, str]

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
    probes: tuple[Probe, ...]
    accounts: frozenset[str]  # account ids named as `<account>:root`, in Principal or NotPrincipal
    on_account: bool  # a condition on aws:PrincipalAccount

    @property
    def sensitive(self) -> bool:
        return bool(self.probes)


def _probes(stmts: list[Statement]) -> tuple[Probe, ...]:
    """What the statements ask of the principal itself. Of the keys about the caller, the evaluator knows
    only its ARN, account and type (others stay unknown, the same for everyone). A policy variable asks for
    the key it reads (`${aws:PrincipalArn}`: the principal's whole ARN); an aws:PrincipalArn value holding a
    variable is compared after the variable is resolved, so it is asked as the ARN itself."""
    found: list[Probe] = []
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
    """What the request context (`EdgeEvaluator._context`) holds for a key a policy variable reads,
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


def of_alike(probes: Iterable[Probe]) -> tuple[Probe, ...]:
    """The probes that can tell apart principals no trust names: a principal named by ARN is answered on its
    own (`SnapshotIndex.mentioned`), so for all others "is it this ARN" is always no."""
    return tuple(dict.fromkeys(p for p in probes if p[0] != "principal"))


def _username(arn: str, kind: str) -> str | None:
    """aws:username: a user's friendly name, the last part of its ARN (IAM sets it for users only)."""
    return arn.rsplit("/", 1)[-1] if kind == "user" else None


def answers_to(probes: tuple[Probe, ...], arn: str, kind: str) -> tuple[Any, ...]:
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


def _may_allow_assume(stmt: Statement) -> bool:
    return action_matches(stmt, ASSUME)


def _policy_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


class EdgeEvaluator:
    """Decides one edge principal -> role (`decision`), and the edges of a chunk to many roles at once
    (`decide_all`, `decide_each`), on the snapshot's index; memoized by everything a decision depends on."""

    def __init__(self, index: SnapshotIndex) -> None:
        self.index = index
        self._roles = index.roles
        self._all_roles = index.all_roles
        # What any trust asks of a principal: principals alike must answer alike to share their answers.
        # The RCPs' conditions are asked of every principal in the same way.
        rcp_statements = [
            st for levels in index.snapshot.rcps.values() for level in levels for doc in level
            for st in statements(doc, "resource control policy")
        ]  # fmt: skip
        self.trust_probes = of_alike(
            p for stmts in [*index.trust.values(), rcp_statements] for p in _probes(stmts)
        )
        self.refused_roles: set[str] = set()  # roles some refused edge leads to
        # Policies as chunks: by what they were built from, by content, per role's trust, per account's SCPs.
        self._chunks: dict[str, Chunk] = {}
        self._by_content: dict[tuple[Statement, ...], Chunk] = {}
        self._trust_chunks: dict[str, Chunk] = {}
        self._control_cache: dict[str, list[Chunk]] = {}  # "scp:<account>" / "rcp:<account>" -> levels
        self._assume_actions: dict[tuple[tuple[str, ...] | None, tuple[str, ...] | None], bool] = {}
        # What each chunk's statements name: roles per statement, per chunk, and the statements whose
        # Resource or NotResource holds a policy variable (chunks with any).
        self._targets: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        self._stmt_targets: dict[int, list[frozenset[str]]] = {}
        self._variable_resources: dict[int, frozenset[int]] = {}
        # Shapes of roles, and their numbers (one per content).
        self._shapes: dict[tuple[Any, ...], dict[str, tuple[int, str]]] = {}
        self._shape_ids: dict[tuple[Any, ...], int] = {}
        # The work of deciding: principals' answers to probes, contexts, scans, evaluations, decisions.
        self._whos: dict[tuple[int, str], Any] = {}
        self._contexts: dict[tuple[str, bool], Context] = {}
        self._scans: dict[tuple[Any, ...], Scan] = {}
        self._evaluations: dict[tuple[Any, ...], Evaluation] = {}
        self._decisions: dict[tuple[Any, ...], Path | None] = {}

    # -- policies as chunks ---------------------------------------------------------------------------
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
        account = self.index.snapshot.accounts[principal.account]
        holders, boundary_arn = self.index.identity(principal.account, principal.kind, principal.name)
        chunks = [self._chunk(holder.key, lambda h=holder: self._attached(account, h)) for holder in holders]
        boundary = None
        if boundary_arn:
            label = f"permissions boundary {_policy_name(boundary_arn)}"
            boundary = self._chunk(f"boundary:{account.account_id}:{boundary_arn}", lambda: statements(
                self.index.document(account, boundary_arn), label))  # fmt: skip
        return [c for c in chunks if c.statements], boundary

    def trust_chunk(self, role_arn: str) -> Chunk:
        """The role's trust policy as a chunk (labelled without its account: one chunk for alike trusts)."""
        found = self._trust_chunks.get(role_arn)
        if found is None:
            found = self._trust_chunks[role_arn] = self._chunk(
                f"trust:{role_arn}", lambda: self.index.trust[role_arn]
            )
        return found

    def _scp_chunks(self, account_id: str) -> list[Chunk]:
        """The SCP levels over a principal's account."""
        return self._control_chunks("scp", account_id, self.index.scp_levels, "service control policy")

    def rcp_chunks(self, account_id: str) -> list[Chunk]:
        """The RCP levels over a role's account: they limit who may assume it, as its trust does."""
        return self._control_chunks("rcp", account_id, self.index.rcp_levels, "resource control policy")

    def _control_chunks(
        self,
        kind: str,
        account_id: str,
        levels_of: Callable[[str], list[list[dict[str, Any]]]],
        label: str,
    ) -> list[Chunk]:
        key = f"{kind}:{account_id}"
        found = self._control_cache.get(key)
        if found is None:
            found = self._control_cache[key] = [
                self._chunk(
                    f"{key}:{i}",
                    lambda lv=level: [st for doc in lv for st in statements(doc, label)],
                )
                for i, level in enumerate(levels_of(account_id))
                if level  # AWS keeps at least one policy on every node: an empty level was not read
            ]
        return found

    def _attached(self, account: AccountState, holder: PolicyHolder) -> list[Statement]:
        """The holder's managed, then inline policies' statements, each labelled with its holder."""
        out: list[Statement] = []
        for arn in holder.managed:
            label = f"{holder.label}: managed policy {_policy_name(arn)}"
            out += statements(self.index.document(account, arn), label)
        for name, document in holder.inline.items():
            out += statements(document, f"{holder.label}: inline policy {name}")
        return out

    def limits_of(self, principal: Principal, boundary: Chunk | None) -> list[Chunk]:
        """Every limit an allow must pass for the principal: its permissions boundary, then each SCP level."""
        scps = self._scp_chunks(principal.account_id)
        return [boundary, *scps] if boundary is not None else scps

    # -- which roles a chunk names ---------------------------------------------------------------------
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
                            named.update(self.index.roles_matching(_VARIABLE.sub("*", pattern)))
                    elif "*" in pattern or "?" in pattern:
                        named.update(self.index.roles_matching(pattern))
                    elif pattern in self._roles:
                        named.add(pattern)
                if stmt.resources is None and stmt.not_resources is None:  # a trust policy's: the role itself
                    found.append(self._all_roles)
                elif stmt.resources is None:  # NotResource: everything but
                    found.append(self._all_roles - named)
                else:
                    found.append(frozenset(named))
            self._stmt_targets[chunk.id] = found
        return found

    def chunk_targets(self, chunk: Chunk) -> tuple[frozenset[str], frozenset[str]]:
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
        trust = self.trust_chunk(role_arn)
        account_id = self._roles[role_arn][0].account_id
        hits = (
            tuple(self._hits(c, role_arn) for c in chunks),
            tuple(self._hits(c, role_arn) for c in limits),
            trust.id,
            self._hits(trust, role_arn),
            # The RCPs over the role's account, by content: accounts under the same RCPs stay alike.
            tuple((c.id, self._hits(c, role_arn)) for c in self.rcp_chunks(account_id)),
        )
        return self._shape_ids.setdefault(hits, len(self._shape_ids)), account_id

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
            found = self._whos[key] = (account, answers_to(chunk.probes, principal.arn, principal.kind))
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
            # of `ReachEngine._solo`, "a caller from no account", keeps the principal's ARN path and name).
            found = Context.for_principal(
                principal.arn,
                principal.account_id,
                self.index.org_id,
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

    def decision(
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
        trust = self.trust_chunk(role_arn)
        shape = self._shape(base, chunks, limits, role_arn, principal.account_id)
        key = (base, shape, self._who(trust, principal))
        if key in self._decisions:
            return self._decisions[key]
        verdict = self.judge_edge(principal, role_arn, chunks, limits, mfa)
        found: Path | None = None
        if verdict.decision is not False:
            found = (verdict.decision, tuple(s.label() for s in verdict.allows), ())
        elif verdict.denies and verdict.would_allow:
            # Allowed on every layer but for an explicit Deny: kept as a refused edge (a row "denied" with
            # its statements), which no path follows (`ReachEngine._split` keeps it apart).
            found = (False, tuple(s.label() for s in verdict.denies), ())
            self.refused_roles.add(role_arn)
        self._decisions[key] = found
        return found

    def judge_edge(
        self, principal: Principal, role_arn: str, chunks: list[Chunk], limits: list[Chunk], mfa: bool
    ) -> Verdict:
        """One edge, put together by `decide.judge` (the code `rolegate access check` runs) from this
        evaluator's cached evaluations of each layer."""
        if len(chunks) == 1:
            own = self._evaluation(chunks[0], role_arn, principal, mfa)
        else:
            own = finish([self._scan(c, role_arn, principal, mfa) for c in chunks])
        trust_chunk = self.trust_chunk(role_arn)
        trust = self._evaluation(trust_chunk, role_arn, principal, mfa)
        # Each limit's evaluation is cached; the decision that uses them is too. The RCPs over the role's
        # account limit the request as the principal's SCPs do (the role is the resource).
        role_account = self._roles[role_arn][0].account_id
        resource_limits = self.rcp_chunks(role_account)
        evaluated = [
            self._evaluation(limit, role_arn, principal, mfa) for limit in [*limits, *resource_limits]
        ]
        direct = None
        if self._roles[role_arn][0].account_id == principal.account_id and any(
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

    # -- many edges at once ---------------------------------------------------------------------------
    def decide_each(
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
            relevant = [c for c in chunks if role_arn in self.chunk_targets(c)[1]]
            path = self.decision(principal, role_arn, relevant, limits, mfa)
            if path is None:
                into.pop(role_arn, None)
            else:
                into[role_arn] = path

    def decide_all(
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
            path = self.decision(principal, arns[0], [chunk], limits, mfa, base)
            if path is not None:
                found.update(dict.fromkeys(arns, path))
        return found
