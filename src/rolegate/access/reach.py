"""Who reaches which role, and how: the reach engine, walking principals -> roles -> role chains on the
edges the evaluator (evaluate.py) decides, and memoizing every step; the rows the matrix, the audit, the
access page and escalation read.

- principals alike (same chunks, boundary, SCPs and account, named by no trust) share their edges and their
  answers: the users of one group set are answered once. "Alike" means alike to every question a policy
  asks of the principal (evaluate.Chunk.probes): its ARN (a trust naming it, an aws:PrincipalArn condition),
  its type, its account, a user's name (aws:username) and whatever a policy variable reads
  (`${aws:username}`, `${aws:PrincipalAccount}`); tags and user ids stay unknown to the graph (a condition
  on them is shown as the condition), which decide() knows for one principal asked alone. A principal some
  trust names is answered on its own;
- roles open to anyone decide alike for callers from any account they do not name: decided once for a
  caller from no account (`NEUTRAL`), then the few that tell an account apart are decided again for it;
- a role's onward reach (role chaining) is computed once, to a fixed point, with MFA and without apart, and
  a principal's answer is its own edges merged with the onward reach of each role it enters, the best path
  kept (certain over conditional, then fewer hops, then account and name order);
- rows (`Reach`) are views over a principal and a `Cell` shared by every principal alike, so a matrix of
  millions of rows costs one small object a row.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, Protocol

from rolegate.access.evaluate import Chunk, EdgeEvaluator, Path, Probe, answers_to, of_alike
from rolegate.access.index import ACCOUNT_SLOT, Principal, SnapshotIndex
from rolegate.access.policy import both, rank
from rolegate.state.snapshot import AccountState, Role

_Out = dict[str, Path]  # role ARN -> path; roles not reached are absent

# An account id no policy can name (it is not 12 digits): decisions that cannot depend on the caller's
# account are made once, for a caller from here, and shared by callers from every account.
NEUTRAL = "any-account"


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


class AccessRow(Protocol):
    """One row of `rolegate access` as every writer reads it (the table, JSON, CSV, the page): a reach row of
    the graph, or an escalation row (which tells MFA apart as None)."""

    @property
    def principal(self) -> str: ...  # ARN
    @property
    def principal_name(self) -> str: ...
    @property
    def principal_kind(self) -> str: ...
    @property
    def principal_account(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def role_arn(self) -> str: ...
    @property
    def reachable(self) -> str: ...  # "yes" | "conditional" | "no" | "denied"
    @property
    def mfa_required(self) -> bool | None: ...
    @property
    def conditions(self) -> Sequence[str]: ...
    @property
    def why(self) -> Sequence[str]: ...
    @property
    def via(self) -> Sequence[str]: ...
    def to_json(self) -> Mapping[str, object]: ...


class Reach:
    """One row of the answer: a principal, a role in an account, and whether and how it is reached. A view
    over the principal and its cell (which principals alike share), so that a whole organization's matrix
    (millions of rows) costs one small object a row."""

    __slots__ = ("_account", "_cell", "_principal", "_role")

    def __init__(self, principal: Principal, cell: Cell, account: AccountState, role: Role) -> None:
        self._principal, self._cell, self._account, self._role = principal, cell, account, role

    @property
    def cell(self) -> Cell:
        """The answer this row shares with the rows of principals alike: one object for all of them."""
        return self._cell

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


class ReachEngine:
    """Every principal's reach on the index, each edge decided by the evaluator; memoized by class of
    principals alike, by role for onward reach, and by set of paths for cells."""

    def __init__(self, index: SnapshotIndex, evaluator: EdgeEvaluator) -> None:
        self._index, self._ev = index, evaluator
        self._roles, self._order, self._position = index.roles, index.order, index.position
        # A principal's own edges: its class of principals alike, the edges of each chunk alone (and of a
        # caller from no account), the edges of each class (and those an explicit Deny takes out).
        self._classes: dict[str, tuple[Any, ...] | None] = {}
        self._specific: dict[str, set[str]] = {}
        # Roles open to anyone whose trust names an account ("": conditions on the caller's account)
        self._open_by_account: dict[str, set[str]] | None = None
        self._solos: dict[tuple[Any, ...], _Out] = {}
        self._outs: dict[Any, tuple[_Out, _Out]] = {}  # by class: (edges, edges an explicit Deny takes out)
        self._direct: dict[tuple[str, bool], _Out] = {}
        # Reach: onward from each role, each class's answer and its sides, refusals, cells.
        self._closures: dict[tuple[str, bool], _Out] = {}
        self._deep: tuple[set[str], set[str]] = (set(), set())  # roles with an onward reach, without/with MFA
        self._unsorted: tuple[set[str], set[str]] = (set(self._roles), set(self._roles))  # not known yet
        self._answers: dict[Any, Answer] = {}
        self._sides: dict[Any, _Out] = {}
        self._refusals: dict[int, Answer] = {}  # by id of the answer (one per class of principals alike)
        self._cells: dict[tuple[int, int, bool], list[Cell]] = {}
        self._cell_cache: dict[tuple[Any, ...], tuple[Cell, tuple[Path | None, ...]]] = {}

    # -- a principal's own edges ----------------------------------------------------------------------
    def _shared_class(self, principal: Principal) -> tuple[Any, ...] | None:
        """What a principal's edges depend on when no trust names it: its chunks, boundary, SCPs, account and
        kind, and its answers to what any of those policies asks of it. Principals alike (the users of one
        group set) share their edges."""
        if principal.arn in self._classes:
            return self._classes[principal.arn]
        found: tuple[Any, ...] | None = None
        if principal.arn not in self._index.mentioned:
            chunks, boundary = self._ev.identity_chunks(principal)
            limits = self._ev.limits_of(principal, boundary)
            answers = answers_to(self._probes_of(chunks, limits), principal.arn, principal.kind)
            found = (
                tuple(c.id for c in chunks), tuple(c.id for c in limits), principal.account_id,
                principal.kind, answers,
            )  # fmt: skip
        self._classes[principal.arn] = found
        return found

    def _probes_of(self, chunks: list[Chunk], limits: list[Chunk]) -> tuple[Probe, ...]:
        return of_alike(p for c in [*chunks, *limits] for p in c.probes) + self._ev.trust_probes

    def out(self, principal: Principal, mfa: bool) -> _Out:
        """The roles the principal may assume directly, with MFA or without."""
        found = self._direct.get((principal.arn, mfa))
        if found is None:
            found = self._direct[(principal.arn, mfa)] = self._out_of(principal, mfa)[0]
        return found

    def _denied_out(self, principal: Principal, mfa: bool) -> _Out:
        """The roles it would assume directly but for an explicit Deny (path: False, the Denies, ())."""
        return self._out_of(principal, mfa)[1]

    def _out_of(self, principal: Principal, mfa: bool) -> tuple[_Out, _Out]:
        """The principal's edges, and apart those an explicit Deny takes out; shared by its class."""
        shared = self._shared_class(principal)
        key: Any = (shared, mfa) if shared is not None else (principal.arn, mfa)
        split = self._outs.get(key)
        if split is None:
            chunks, boundary = self._ev.identity_chunks(principal)
            limits = self._ev.limits_of(principal, boundary)
            if shared is None:
                found = self._out_one(principal, chunks, limits, mfa)
            else:
                found = self._out_alike(principal, chunks, limits, mfa)
                found = self._with_open_to_everyone(principal, chunks, limits, mfa, found)
            split = self._outs[key] = self._split(found)
        if principal.arn in split[0] or principal.arn in split[1]:  # a role never reaches itself
            return tuple(  # type: ignore[return-value]
                {arn: path for arn, path in part.items() if arn != principal.arn} for part in split
            )
        return split

    def _with_open_to_everyone(
        self, principal: Principal, chunks: list[Chunk], limits: list[Chunk], mfa: bool, found: _Out
    ) -> _Out:
        """Roles of its own account open to everyone, which no identity policy of it allows: the trust alone
        may let it in (decide.py); decided on the chunks that concern them (Denies). `found` is returned as
        it is when there are none (it may be shared), else a copy with them."""
        everyone = self._index.everyone.get(principal.account_id)
        if not everyone:
            return found
        # A few roles an account: looked up one by one in the big sets, never copied.
        left = {arn for arn in everyone if arn not in found}
        for chunk in chunks:
            targets = self._ev.chunk_targets(chunk)[0]
            left = {arn for arn in left if arn not in targets}
        if left:
            found = dict(found)
            self._ev.decide_each(principal, left, chunks, limits, mfa, found)
        return found

    def _out_one(self, principal: Principal, chunks: list[Chunk], limits: list[Chunk], mfa: bool) -> _Out:
        """Edges of a principal some trust names: every candidate decided for it alone."""
        named = self._index.named.get(principal.arn, set())
        allowed: set[str] = set()
        for chunk in chunks:
            allowed |= self._ev.chunk_targets(chunk)[0]
        reachable = self._index.admitting(principal.account_id) | named
        own_account = self._index.everyone.get(principal.account_id, set())
        found: _Out = {}
        self._ev.decide_each(
            principal, (allowed & reachable) | named | own_account, chunks, limits, mfa, found
        )
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
            concerned = self._ev.chunk_targets(chunk)[1]
            overlap |= seen & concerned
            seen |= concerned
        merged: _Out = {}
        for solo in solos:
            merged.update(solo)
        overlap &= self._index.admitting(principal.account_id)
        self._ev.decide_each(principal, overlap, chunks, limits, mfa, merged)
        return merged

    def _account_specific(self, account_id: str) -> set[str]:
        """Roles whose trust tells this account apart: it trusts the account, or names it, or conditions on
        the caller's account. Every other role decides alike for callers from any account."""
        found = self._specific.get(account_id)
        if found is None:
            if self._open_by_account is None:  # the open roles' trusts read once, not once per account
                self._open_by_account = {}
                for arn in self._index.open:
                    trust = self._ev.trust_chunk(arn)
                    for named in trust.accounts | ({""} if trust.on_account else set()):
                        self._open_by_account.setdefault(named, set()).add(arn)
            found = set(self._index.trusting.get(account_id, set())) | self._index.everyone.get(
                account_id, set()
            )
            found |= self._open_by_account.get("", set()) | self._open_by_account.get(account_id, set())
            self._specific[account_id] = found
        return found

    def _solo(self, chunk: Chunk, principal: Principal, limits: list[Chunk], mfa: bool) -> _Out:
        """The edges one chunk gives the principals of this class, as if it were their only one."""
        probes = self._probes_of([chunk], limits)
        answers = answers_to(probes, principal.arn, principal.kind)
        ids = (chunk.id, tuple(c.id for c in limits), principal.kind, answers, mfa)
        found = self._solos.get((*ids, principal.account_id))
        if found is not None:
            return found
        allowed = self._ev.chunk_targets(chunk)[0]
        # Roles open to anyone decide alike for callers from any account they do not name: decided once for
        # a caller from no account (when it answers every probe alike), then the few that tell this account
        # apart are decided again.
        nobody = Principal(
            f"arn:aws:iam::{NEUTRAL}:{principal.arn.split(':', 5)[-1]}", "-", principal.kind, "", NEUTRAL
        )
        if (
            chunk.on_account
            or any(c.on_account for c in limits)
            or answers_to(probes, nobody.arn, nobody.kind) != answers
        ):
            reachable = allowed & self._index.admitting(principal.account_id)
            found = self._ev.decide_all(principal, reachable, chunk, limits, mfa)
        else:
            neutral = self._solos.get((*ids, NEUTRAL))
            if neutral is None:
                neutral = self._ev.decide_all(nobody, allowed & self._index.open, chunk, limits, mfa)
                self._solos[(*ids, NEUTRAL)] = neutral
            specific = allowed & self._account_specific(principal.account_id)
            found = neutral
            if specific:
                found = dict(neutral)
                for arn in specific:
                    found.pop(arn, None)
                found.update(self._ev.decide_all(principal, specific, chunk, limits, mfa))
        self._solos[(*ids, principal.account_id)] = found
        return found

    # -- role chaining --------------------------------------------------------------------------------
    def closure(self, role_arn: str, mfa: bool) -> _Out:
        """Everything a session of this role reaches onward, best path first found; computed once."""
        key = (role_arn, mfa)
        found = self._closures.get(key)
        if found is None:
            principal = self._index.role_principal(role_arn)
            direct = self.out(principal, mfa)
            if any(self.out(self._index.role_principal(arn), mfa) for arn in direct):
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
            out = self.out(self._index.role_principal(hop), mfa)
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
        direct = self.out(principal, mfa)
        deep, unsorted = self._deep[mfa], self._unsorted[mfa]
        # Each role is sorted once into those with an onward reach and those without; the set of roles not
        # sorted yet shrinks fast, and an intersection costs the smaller set, not the principal's edges.
        for arn in direct.keys() & unsorted:
            if self.closure(arn, mfa):
                deep.add(arn)
            unsorted.discard(arn)
        onward = direct.keys() & deep
        if not onward:
            return direct
        found: _Out = dict(direct)
        for hop in sorted(onward, key=self._position.__getitem__):
            entered = direct[hop][0]
            closure = self.closure(hop, mfa)
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

    # -- answers --------------------------------------------------------------------------------------
    def answer(self, principal: Principal) -> Answer:
        """The principal's reach with an MFA session and with long-term keys alone; shared by principals
        alike (the very same object)."""
        shared = self._shared_class(principal)
        key: Any = shared if shared is not None else principal.arn
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = Answer(self.side(principal, True), self.side(principal, False))
        return found

    def side(self, principal: Principal, mfa: bool) -> _Out:
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
        if not any(found[arn][0] is False for arn in self._ev.refused_roles if arn in found):
            return found, {}
        return (
            {arn: path for arn, path in found.items() if path[0] is not False},
            {arn: path for arn, path in found.items() if path[0] is False},
        )

    def refused(self, principal: Principal, answer: Answer | None = None) -> Answer:
        """The roles an explicit Deny keeps the principal from, on its first hop, and that no other path
        reaches, with an MFA session and without; shared by principals alike (as their answer is)."""
        if answer is None:
            answer = self.answer(principal)
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

    # -- rows ------------------------------------------------------------------------------------------
    def cells_of(self, principal: Principal, denied: bool = False) -> list[Cell]:
        """The principal's cells in row order (with `denied`, the refused roles too); shared by its class."""
        answer = self.answer(principal)
        refused = self.refused(principal, answer)
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
                    cell = _new_cell(arn, self._roles[arn][0].name, p_mfa, p_plain)
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
                cached = cache[key] = (_new_cell(arn, self._roles[arn][0].name, *paths), paths)
            cells.append(cached[0])
        return cells

    def rows(self, principal: Principal, cells: list[Cell]) -> list[Reach]:
        roles = self._roles
        return [Reach(principal, cell, *roles[cell.role_arn]) for cell in cells]

    def groups(self, users: list[Principal]) -> list[Group]:
        """The users with their answers, those alike together (the very same answer object)."""
        grouped: dict[int, Group] = {}
        for user in users:
            answer = self.answer(user)
            grouped.setdefault(id(answer), Group([], answer))[0].append(user)
        return list(grouped.values())

    def matrix(self, users: list[Principal]) -> list[Reach]:
        return [row for user in users for row in self.rows(user, self.cells_of(user))]


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
