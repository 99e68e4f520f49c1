"""Properties of the access graph over generated organizations.

Given a small generated organization (two hub users, a group, roles in three accounts that may assume each
other, an optional permissions boundary and SCP levels), when a statement is added or the statements are
shuffled, then the answers move only the way IAM's logic allows: a Deny never opens a way, an Allow never
closes one, order never matters, and an MFA session reaches at least what long-term keys reach.

Outcomes are ranked no < conditional < yes, separately with MFA and without.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from tests.generated_orgs import World, shuffled, snapshot_of, with_one_more, worlds

from rolegate.access.graph import AccessGraph, Principal
from rolegate.access.reach import ReachEngine
from rolegate.state.snapshot import Snapshot

RANK = {"no": 0, "conditional": 1, "yes": 2}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class OneModeReach(ReachEngine):
    """The reach engine with each edge decided one way only (with MFA, or without) in both slots."""

    mfa = False

    def out(self, principal: Principal, mfa: bool) -> dict[str, Any]:
        return super().out(principal, self.mfa)


class OneMode(AccessGraph):
    """The graph seen with MFA only, or without MFA only: each edge decided the one way in both slots."""

    def __init__(self, snapshot: Snapshot, *, mfa: bool) -> None:
        super().__init__(snapshot)
        self.engine = OneModeReach(self.index, self.evaluator)
        self.engine.mfa = mfa


def ranks(snapshot: Snapshot) -> dict[tuple[str, str], tuple[int, int]]:
    """(user, role ARN) -> (rank with MFA, rank without); pairs absent are (0, 0)."""
    found: dict[tuple[str, str], list[int]] = {}
    for slot, mfa in enumerate((True, False)):
        graph = OneMode(snapshot, mfa=mfa)
        for user in graph.users():
            for row in graph.reach(user):
                assert not row.mfa_required  # one mode: nothing can depend on MFA
                found.setdefault((user.name, row.role_arn), [0, 0])[slot] = RANK[row.reachable]
    return {key: (a, b) for key, (a, b) in found.items()}


def rows(snapshot: Snapshot) -> dict[tuple[str, str], tuple[str, bool, tuple[str, ...]]]:
    graph = AccessGraph(snapshot)
    return {
        (user.name, r.role_arn): (r.reachable, r.mfa_required, tuple(r.via))
        for user in graph.users()
        for r in graph.reach(user)
    }


def at_most(
    smaller: dict[tuple[str, str], tuple[int, int]], larger: dict[tuple[str, str], tuple[int, int]]
) -> None:
    for key, (mfa, plain) in smaller.items():
        bigger = larger.get(key, (0, 0))
        assert mfa <= bigger[0] and plain <= bigger[1], f"{key}: {(mfa, plain)} > {bigger}"


# -- properties -------------------------------------------------------------------------------------------


@SETTINGS
@given(with_one_more("Deny"))
def test_adding_a_deny_never_makes_anything_more_reachable(pair: tuple[World, World]) -> None:
    """Given an organization, when one Deny statement is added anywhere, then no user reaches any role more
    easily than before, with MFA or without ("an explicit deny overrides any allow")."""
    before, after = pair

    at_most(ranks(snapshot_of(after)), ranks(snapshot_of(before)))


@SETTINGS
@given(with_one_more("Allow"))
def test_adding_an_allow_never_makes_anything_less_reachable(pair: tuple[World, World]) -> None:
    """Given an organization, when one Allow statement is added anywhere (identity, group, boundary, SCP,
    trust, a role's own policy), then nothing any user reached becomes harder to reach."""
    before, after = pair

    at_most(ranks(snapshot_of(before)), ranks(snapshot_of(after)))


@SETTINGS
@given(shuffled())
def test_statement_order_never_matters(pair: tuple[World, World]) -> None:
    """Given an organization, when every policy's Statement list is shuffled, then every answer — reachable,
    MFA required, the roles passed through — stays the same."""
    before, after = pair

    assert rows(snapshot_of(after)) == rows(snapshot_of(before))


@SETTINGS
@given(worlds(mfa_safe=True))
def test_mfa_never_reaches_less_when_policies_only_ask_for_it(world: World) -> None:
    """Given policies whose MFA conditions only ever demand MFA, when each user's reach is ranked with an MFA
    session and with long-term keys, then the MFA session reaches at least as much, everywhere."""
    for key, (mfa, plain) in ranks(snapshot_of(world)).items():
        assert mfa >= plain, key


@SETTINGS
@given(worlds(mfa_safe=False))
def test_each_row_is_the_two_modes_put_together(world: World) -> None:
    """Given any organization, when the rows are compared with the two modes alone, then a row exists where
    either mode reaches; MFA is required exactly when only the MFA session reaches; and the row shows the
    long-term-keys answer unless that one is no."""
    snapshot = snapshot_of(world)
    modes = {key: value for key, value in ranks(snapshot).items() if value != (0, 0)}
    table = rows(snapshot)

    assert table.keys() == modes.keys()
    for key, (reachable, mfa_required, _) in table.items():
        mfa, plain = modes[key]
        assert mfa_required == (plain == 0 and mfa > 0), key
        assert RANK[reachable] == (plain or mfa), key
