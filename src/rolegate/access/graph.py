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

The graph is a facade over three parts (benchmarks/README.md has the figures at scale):
- `index.SnapshotIndex`: the snapshot indexed once (roles by ARN, account and name, row order, trusts
  parsed and who each lets in by name, managed policies by ARN, SCP levels); read-only, evaluates nothing;
- `evaluate.EdgeEvaluator`: one sts:AssumeRole edge decided through `decide.judge` on the index, policies
  parsed once into chunks known by their content, scans and decisions shared by principals and roles that
  answer alike;
- `reach.ReachEngine`: principals -> roles -> role chains on those edges, memoized by class of principals
  alike, by role for onward reach and by set of paths for cells; the rows of the matrix, the audit, the
  access page and escalation.
"""

from __future__ import annotations

from typing import Any

from rolegate.access.decide import judge
from rolegate.access.evaluate import ASSUME, Chunk, EdgeEvaluator, Path
from rolegate.access.index import ACCOUNT_SLOT, KNOWN_AWS_MANAGED, Principal, SnapshotIndex
from rolegate.access.reach import (
    NEUTRAL,
    NO_REFUSALS,
    Answer,
    Cell,
    Group,
    Reach,
    ReachEngine,
    collector_paused,
)
from rolegate.state.snapshot import AccountState, Snapshot

__all__ = [
    "ACCOUNT_SLOT",
    "ASSUME",
    "KNOWN_AWS_MANAGED",
    "NEUTRAL",
    "NO_REFUSALS",
    "AccessGraph",
    "Answer",
    "Cell",
    "Chunk",
    "Group",
    "Path",
    "Principal",
    "Reach",
    "collector_paused",
    "judge",  # the very function decide() puts the layers together with (tests check it is one)
]


class AccessGraph:
    """Built once from a snapshot; answers `reach(principal)` for any user or role in it."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.index = SnapshotIndex(snapshot)
        self.evaluator = EdgeEvaluator(self.index)
        self.engine = ReachEngine(self.index, self.evaluator)
        self.snapshot = snapshot
        self.org_id = self.index.org_id
        self.roles = self.index.roles  # role ARN -> (its account, the role)

    # -- the snapshot, as indexed ---------------------------------------------------------------------
    def users(self) -> list[Principal]:
        return self.index.users()

    def role_principal(self, arn: str) -> Principal:
        return self.index.role_principal(arn)

    def document(self, account: AccountState, arn: str) -> dict[str, Any] | None:
        """A managed policy's document as the snapshot holds it (or, for the two AWS managed policies that
        grant sts:AssumeRole broadly, as AWS publishes it); None when unknown."""
        return self.index.document(account, arn)

    def identity_chunks(self, principal: Principal) -> tuple[list[Chunk], Chunk | None]:
        """The principal's identity policies (its own, then each group's), and its permissions boundary."""
        return self.evaluator.identity_chunks(principal)

    # -- reach ----------------------------------------------------------------------------------------
    def edges(self, principal: Principal, mfa: bool) -> dict[str, Path]:
        """The roles the principal may assume in one hop (role ARN -> path), with an MFA session or without:
        each one decided by `decide.judge`, as `decide()` would answer sts:AssumeRole on it."""
        with collector_paused():
            return dict(self.engine.out(principal, mfa))

    def answer(self, principal: Principal) -> Answer:
        """Every role the principal reaches (role ARN -> decision, why, via), with an MFA session and without:
        the matrix's answer, shared by principals alike (the very same object: read it, never change it)."""
        with collector_paused():
            return self.engine.answer(principal)

    def reachable(self, principal: Principal, *, mfa: bool) -> dict[str, Path]:
        """One side of `answer(principal)`: every role it reaches with an MFA session (mfa=True) or with
        long-term keys alone, without working out the other (the same shared dict: read it, never change
        it)."""
        with collector_paused():
            return self.engine.side(principal, mfa)

    def session_reach(self, role_arn: str, *, mfa: bool) -> dict[str, Path]:
        """Everything a session of this role reaches onward by role chaining (role ARN -> path, roles passed
        through after it), with the MFA context of the session it came from; computed once per role and
        shared (read it, never change it)."""
        with collector_paused():
            return self.engine.closure(role_arn, mfa)

    def refusals(self, principal: Principal) -> Answer:
        """The roles an explicit Deny keeps the principal from (role ARN -> (False, the Denies, ())), that
        it reaches no other way, with an MFA session and without."""
        with collector_paused():
            return self.engine.refused(principal)

    def reach(self, principal: Principal, *, denied: bool = False) -> list[Reach]:
        """Every role the principal reaches, directly or through other roles. With MFA and without are
        followed apart: a session keeps the MFA context of its first hop. With `denied`, the roles an
        explicit Deny keeps it from are rows too (reachable "denied", why: the Denies)."""
        with collector_paused():
            return self.engine.rows(principal, self.engine.cells_of(principal, denied))

    def groups(self) -> list[Group]:
        """Every user's reach, with the users whose answers are alike together: the whole matrix without its
        repetition, for whoever reads it whole (the audit). `cells(group)` puts one in row order."""
        with collector_paused():
            return self.engine.groups(self.users())

    def cells(self, group: Group) -> list[Cell]:
        with collector_paused():
            return self.engine.cells_of(group.principals[0])

    def matrix(self) -> list[Reach]:
        """Every user's reach, in snapshot order."""
        with collector_paused():
            return self.engine.matrix(self.users())
