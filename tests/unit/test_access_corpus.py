"""The evaluator against IAM's documented rules, one small organization per scenario.

Given a hub account (where the users live) and spoke accounts (where the roles live), built by a scenario
out of users, groups, policies and roles, when the access graph answers "may this user reach that role",
then the answer — reachable yes/conditional/no, whether MFA is required, and the condition it hangs on — is
the one IAM's documentation gives, quoted or paraphrased next to each scenario.

The scenarios build through a `World`, so tests/aws/test_access_live.py builds the same ones in moto.
"""

from __future__ import annotations

import pytest
from tests.access_scenarios import SCENARIOS, Scenario, admin_trusting_hub, answer, observed
from tests.builders import ADMIN, SnapshotWorld, World

from rolegate.access.graph import AccessGraph


def build(item: Scenario, world: World) -> World:
    item.build(world)
    return world


@pytest.mark.parametrize("item", [pytest.param(s, id=s.name) for s in SCENARIOS.values()])
def test_scenario(item: Scenario) -> None:
    """Given the scenario's organization, when asked whether who reaches role@account, then IAM's answer."""
    world = build(item, SnapshotWorld())

    row = answer(AccessGraph(world.snapshot), item.who, item.target, world)

    assert observed(row, item.expect.condition) == item.expect, f"{item.rule}\n{row}"


def test_the_corpus_covers_enough_ground() -> None:
    """Given the corpus, then it is large enough and each scenario names its rule."""
    assert len(SCENARIOS) >= 45
    assert all(s.rule for s in SCENARIOS.values())
    assert {s.expect.reachable for s in SCENARIOS.values()} == {"yes", "no", "conditional"}


def test_conditions_are_never_silently_allowed() -> None:
    """Given a trust demanding an ExternalId, when alice has every identity permission, then she is not simply
    'yes': the answer names sts:ExternalId, with MFA or without."""
    world = SnapshotWorld()
    w = world
    w.user("alice", managed=(ADMIN,))
    admin_trusting_hub(w, {"StringEquals": {"sts:ExternalId": "shared-secret"}})

    row = answer(AccessGraph(world.snapshot), "alice", "admin@prod", world)

    assert row is not None and row.reachable == "conditional"
    assert row.conditions == ["StringEquals sts:ExternalId shared-secret"]


def test_a_chain_cycle_lists_each_role_once() -> None:
    """Given roles a and b that may assume each other, when alice's reach is asked, then each appears once."""
    world = build(SCENARIOS["chain-cycle-terminates"], SnapshotWorld())
    graph = AccessGraph(world.snapshot)

    rows = graph.reach(next(u for u in graph.users() if u.name == "alice"))

    assert sorted((r.role, r.reachable, len(r.via)) for r in rows) == [("a", "yes", 0), ("b", "yes", 1)]
