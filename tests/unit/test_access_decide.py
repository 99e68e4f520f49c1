"""`rolegate.access.decide`: may this principal make this request, and which statements say so, by layer.

Given a small organization (the corpus's worlds: users in the hub, roles in prod and stage), when one
request is asked — any action, any resource, a context of condition keys — then the decision is IAM's
(allow, explicit deny, implicit deny, or conditional on what rolegate cannot know), every deciding
statement is named with its policy, account and Sid or index, and every layer says what it said, an absent
one included. The access graph decides its edges through the same `judge`, and the two agree on the whole
corpus with MFA and without.

Against dc3883e (before this API) the module fails at its import: decide, refused rows and both answers
did not exist. Of the behaviour pinned here, two answers were wrong there and are checked through the graph
too: a same-account trust with Principal "*" reached by no one without an identity allow, and a role an
explicit Deny refuses was a missing row instead of a row "denied" with its statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from tests import generated_orgs as generated
from tests.access_scenarios import SCENARIOS
from tests.builders import (
    ADMIN,
    FULL_ACCESS,
    MFA,
    WITH_MFA,
    WITHOUT_MFA,
    SnapshotWorld,
    World,
    allow,
    deny,
    doc,
    path_effect,
    plain_effect,
    trust,
    trusts,
)

from rolegate.access.decide import UnknownPrincipal, decide, judge
from rolegate.access.graph import AccessGraph

ASSUME = "sts:AssumeRole"


def alice(w: World) -> str:
    return w.user_arn("alice")


# -- the graph is built on decide: the same answer for every edge of the corpus ---------------------------


PER_PRINCIPAL = ("aws:principaltag/", "aws:username", "${")


@pytest.mark.parametrize("item", [pytest.param(s, id=s.name) for s in SCENARIOS.values()])
def test_every_corpus_edge_is_what_decide_says(item: Any) -> None:
    """Given a corpus scenario, when the graph's one-hop edges of its user are compared with decide() on
    sts:AssumeRole for every role of the snapshot, with an MFA session and with long-term keys, then they
    agree on allow / conditional / deny, and the conditions are the same."""
    world = SnapshotWorld()
    item.build(world)
    graph = AccessGraph(world.snapshot)
    user = next(u for u in graph.users() if u.name == world.name(item.who))
    for mfa, context in ((True, WITH_MFA), (False, WITHOUT_MFA)):
        edges = graph.edges(user, mfa)
        for role_arn in graph.roles:
            answer = decide(graph, user.arn, ASSUME, role_arn, context)
            path = edges.get(role_arn)
            if path_effect(path) == "conditional" and plain_effect(answer) != "conditional":
                # The graph shares answers between principals alike, so it leaves what tells one user from
                # another unknown (its name, its tags); decide asks about one and knows them.
                assert any(k in str(c).lower() for c in path[0] for k in PER_PRINCIPAL), path  # type: ignore[index]
                continue
            assert plain_effect(answer) == path_effect(path), (item.rule, role_arn, mfa, answer.reason)
            if path is not None and path[0] is not True:
                assert list(answer.conditions) == [str(c) for c in path[0]]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated.worlds(mfa_safe=False))
def test_every_generated_edge_is_what_decide_says(world: Any) -> None:
    """Given a generated organization (users, a group, roles in three accounts, a boundary, SCP levels, any
    mix of Allow and Deny with MFA, address and unknown-key conditions), when every user's and role's
    one-hop edges are compared with decide() on each role, with MFA and without, then they agree."""
    snapshot = generated.snapshot_of(world)
    graph = AccessGraph(snapshot)
    principals = [*graph.users(), *(graph.role_principal(arn) for arn in graph.roles)]
    for who in principals:
        for mfa, context in ((True, WITH_MFA), (False, WITHOUT_MFA)):
            edges = graph.edges(who, mfa)
            for role_arn in graph.roles:
                if role_arn == who.arn:
                    continue  # a role never reaches itself in the graph
                answer = decide(graph, who.arn, ASSUME, role_arn, context)
                path = edges.get(role_arn)
                if path_effect(path) == "conditional" and plain_effect(answer) != "conditional":
                    assert any(k in str(c).lower() for c in path[0] for k in PER_PRINCIPAL), path  # type: ignore[index]
                    continue
                assert plain_effect(answer) == path_effect(path), (who.arn, role_arn, mfa, answer.reason)


# -- a table of requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[World], None]
    action: str
    resource: Callable[[World], str]
    effect: str
    context: dict[str, Any] | None = None
    cites: tuple[str, ...] = ()  # substrings of the labels of the deciding statements, in order
    layer: tuple[str, str] | None = None  # (layer, what it said) that must be among the layers
    who: Callable[[World], str] = alice


def prod_admin(w: World) -> str:
    return w.role_arn("admin", "prod")


def hub_admin(w: World) -> str:
    return w.role_arn("admin", "hub")


def _cross(w: World, condition: dict[str, Any] | None = None, **user: Any) -> None:
    w.user("alice", **user)
    w.role("admin", "prod", trust=trust(w.root("hub"), condition))


def _may(w: World, *stmts: dict[str, Any]) -> dict[str, Any]:
    return {"assume": doc(*stmts)}


CASES = [
    Case("cross-account, both sides allow", lambda w: _cross(w, inline=_may(w, allow(prod_admin(w)))),
         ASSUME, prod_admin, "allow", WITH_MFA,
         ("user alice: inline policy assume", "trust policy of role admin")),
    Case("cross-account, no identity allow", _cross, ASSUME, prod_admin, "implicit_deny",
         layer=("identity", "implicit deny")),
    Case("identity Deny beats Allow, cited by Sid",
         lambda w: _cross(w, inline=_may(w, allow(prod_admin(w)), deny(prod_admin(w), Sid="Fence"))),
         ASSUME, prod_admin, "explicit_deny", cites=("Sid Fence",)),
    Case("group Deny beats the user's Allow, cited by index",
         lambda w: (w.group("g", inline={"no": doc(allow("arn:aws:s3:::x"), deny())}),
                    _cross(w, inline=_may(w, allow(prod_admin(w))), groups=("g",))),
         ASSUME, prod_admin, "explicit_deny", cites=("group g: inline policy no in hub (statement #1)",)),
    Case("trust Deny beats the trust's Allow",
         lambda w: (w.user("alice", inline=_may(w, allow(prod_admin(w)))),
                    w.role("admin", "prod",
                           trust=doc(trusts(w.root("hub")), trusts(alice(w), effect="Deny")))),
         ASSUME, prod_admin, "explicit_deny", cites=("trust policy of role admin in prod",)),
    Case("boundary without sts:AssumeRole: implicit deny in the boundary",
         lambda w: _cross(w, inline=_may(w, allow(prod_admin(w))),
                          boundary=w.policy("edge", doc(allow(action="s3:*")))),
         ASSUME, prod_admin, "implicit_deny", layer=("permissions boundary", "implicit deny")),
    Case("boundary with a Deny", lambda w: _cross(
        w, inline=_may(w, allow(prod_admin(w))),
        boundary=w.policy("edge", doc(allow(action="*"), deny(prod_admin(w))))),
         ASSUME, prod_admin, "explicit_deny", cites=("permissions boundary edge",)),
    Case("SCP level without an allow", lambda w: (_cross(w, inline=_may(w, allow(prod_admin(w)))),
                                                  w.scp("hub", [FULL_ACCESS], [doc(allow(action="s3:*"))])),
         ASSUME, prod_admin, "implicit_deny", WITH_MFA, layer=("SCP", "implicit deny")),
    Case("SCP Deny", lambda w: (_cross(w, inline=_may(w, allow(prod_admin(w)))),
                                w.scp("hub", [FULL_ACCESS, doc(deny(Sid="NoRoles"))])),
         ASSUME, prod_admin, "explicit_deny", cites=("Sid NoRoles",)),
    Case("an SCP level with no policy read is said, not dropped",
         lambda w: (_cross(w, inline=_may(w, allow(prod_admin(w)))), w.scp("hub", [FULL_ACCESS], [])),
         ASSUME, prod_admin, "allow", WITH_MFA, layer=("SCP", "absent")),
    Case("no SCP known for the account is said", lambda w: _cross(w, inline=_may(w, allow(prod_admin(w)))),
         ASSUME, prod_admin, "allow", layer=("SCP", "absent")),
    Case("MFA unknown: conditional on it", lambda w: _cross(w, MFA, inline=_may(w, allow(prod_admin(w)))),
         ASSUME, prod_admin, "conditional"),
    Case("MFA absent (long-term keys): implicit deny",
         lambda w: _cross(w, MFA, inline=_may(w, allow(prod_admin(w)))),
         ASSUME, prod_admin, "implicit_deny", WITHOUT_MFA, layer=("resource policy", "implicit deny")),
    Case("MFA present: allow", lambda w: _cross(w, MFA, inline=_may(w, allow(prod_admin(w)))),
         ASSUME, prod_admin, "allow", WITH_MFA),
    Case("ExternalId given and right", lambda w: _cross(w, {"StringEquals": {"sts:ExternalId": "s3cr"}},
                                                        managed=(ADMIN,)),
         ASSUME, prod_admin, "allow", {"sts:ExternalId": "s3cr"}),
    Case("ExternalId given and wrong", lambda w: _cross(w, {"StringEquals": {"sts:ExternalId": "s3cr"}},
                                                        managed=(ADMIN,)),
         ASSUME, prod_admin, "implicit_deny", {"sts:ExternalId": "other"}),
    Case("source IP given inside the range",
         lambda w: _cross(w, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, managed=(ADMIN,)),
         ASSUME, prod_admin, "allow", {"aws:SourceIp": "203.0.113.9"}),
    Case("a multi-valued key: ForAnyValue matches one of the values",
         lambda w: _cross(w, {"ForAnyValue:StringEquals": {"aws:PrincipalTag/team": ["ops"]}},
                          managed=(ADMIN,)),
         ASSUME, prod_admin, "allow", {"aws:PrincipalTag/team": ["dev", "ops"]}),
    Case("same account: trust naming the user suffices without identity allow",
         lambda w: (w.user("alice"), w.role("admin", "hub", trust=trust(alice(w)))),
         ASSUME, hub_admin, "allow", cites=("trust policy of role admin in hub",)),
    Case("same account: trust naming the account needs the identity allow",
         lambda w: (w.user("alice"), w.role("admin", "hub", trust=trust(w.root("hub")))),
         ASSUME, hub_admin, "implicit_deny"),
    Case("same account: trust naming the bare account id is the account too",
         lambda w: (w.user("alice"), w.role("admin", "hub", trust=trust(w.id("hub")))),
         ASSUME, hub_admin, "implicit_deny"),
    Case('same account: Principal "*" suffices without identity allow (IAM: "to allow everyone")',
         lambda w: (w.user("alice"), w.role("admin", "hub", trust=trust("*"))),
         ASSUME, hub_admin, "allow", cites=("trust policy of role admin in hub",)),
    Case('same account: Principal "*" with a condition that fails',
         lambda w: (w.user("alice"),
                    w.role("admin", "hub",
                           trust=trust("*", {"StringEquals": {"aws:PrincipalOrgID": "o-other"}}))),
         ASSUME, hub_admin, "implicit_deny"),
    Case('across accounts: Principal "*" still needs the identity allow',
         lambda w: (w.user("alice"), w.role("admin", "prod", trust=trust("*"))),
         ASSUME, prod_admin, "implicit_deny"),
    Case("same account: an identity Deny still beats a trust naming the user",
         lambda w: (w.user("alice", inline={"no": doc(deny())}),
                    w.role("admin", "hub", trust=trust(alice(w)))),
         ASSUME, hub_admin, "explicit_deny"),
    Case("any action: s3:GetObject in the same account, identity allows",
         lambda w: w.user("alice", inline={"s3": doc(allow(f"arn:aws:s3:::logs-{w.id('hub')}/*",
                                                           action="s3:GetObject"))}),
         "s3:GetObject", lambda w: f"arn:aws:s3:::logs-{w.id('hub')}/a.txt", "allow",
         layer=("resource policy", "absent")),
    Case("any action: another account's queue hangs on its own policy",
         lambda w: w.user("alice", managed=(ADMIN,)),
         "sqs:SendMessage", lambda w: f"arn:aws:sqs:us-east-1:{w.id('prod')}:q", "conditional",
         layer=("resource policy", "conditional")),
    Case("any action: iam:CreateUser in its own account",
         lambda w: w.user("alice", inline={"iam": doc(allow(action="iam:CreateUser"))}),
         "iam:CreateUser", lambda w: f"arn:aws:iam::{w.id('hub')}:user/bob", "allow"),
    Case("any action: IAM in another account is never reached by identity alone",
         lambda w: w.user("alice", managed=(ADMIN,)),
         "iam:CreateUser", lambda w: f"arn:aws:iam::{w.id('prod')}:user/bob", "implicit_deny"),
    Case("any action: NotAction leaves it out", lambda w: w.user(
        "alice", inline={"most": doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})}),
         "iam:CreateUser", lambda w: f"arn:aws:iam::{w.id('hub')}:user/bob", "implicit_deny"),
    Case("a role as the principal", lambda w: (
        w.role("hop", "hub", trust=trust(w.root("hub")), inline={"a": doc(allow(prod_admin(w)))}),
        w.role("admin", "prod", trust=trust(w.role_arn("hop", "hub")))),
         ASSUME, prod_admin, "allow", who=lambda w: w.role_arn("hop", "hub")),
    Case("a role session acts with its role's policies", lambda w: (
        w.role("hop", "hub", trust=trust(w.root("hub")), inline={"a": doc(allow(prod_admin(w)))}),
        w.role("admin", "prod", trust=trust(w.root("hub")))),
         ASSUME, prod_admin, "allow", who=lambda w: f"arn:aws:sts::{w.id('hub')}:assumed-role/hop/alice"),
]  # fmt: skip


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_a_request_decided_with_its_statements_and_layers(case: Case) -> None:
    """Given the case's organization, when decide() is asked the request, then IAM's answer, with the
    deciding statements named and the layers each saying something."""
    w = SnapshotWorld()
    case.build(w)

    answer = decide(w.snapshot, case.who(w), case.action, case.resource(w), case.context)

    assert answer.effect == case.effect, answer.reason
    labels = [c.label() for c in answer.statements]
    for wanted, label in zip(case.cites, labels, strict=False):
        assert wanted in label, labels
    assert len(labels) >= len(case.cites), labels
    names = [layer.layer for layer in answer.layers]
    assert names[0] == "identity" and "permissions boundary" in names and "SCP" in names
    assert names[-1] == "resource policy"
    if case.layer is not None:
        assert case.layer in [(x.layer, x.said) for x in answer.layers], answer.layers
    if answer.effect == "conditional":
        assert answer.conditions
    if answer.effect == "explicit_deny":
        assert answer.statements and all(c.effect == "Deny" for c in answer.statements)
    json.dumps(answer.to_json())  # data, all of it


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 20
    assert {c.effect for c in CASES} == {"allow", "explicit_deny", "implicit_deny", "conditional"}


def test_principal_star_in_one_account_follows_the_docs() -> None:
    """IAM: "If either the identity-based policy or the resource-based policy within the same account allows
    the request and the other doesn't, the request is still allowed", and of a role's trust: "you can change
    the account to "*" to allow everyone to assume the role". Given a hub role trusting "*" and bob with no
    policy at all, when bob asks to assume it, then allow, on the trust statement alone; the graph agrees."""
    w = SnapshotWorld()
    w.user("bob")
    w.role("open", "hub", trust=trust("*"))
    graph = AccessGraph(w.snapshot)

    answer = decide(graph, w.user_arn("bob"), ASSUME, w.role_arn("open", "hub"), WITHOUT_MFA)

    assert answer.effect == "allow"
    assert [c.layer for c in answer.statements] == ["resource policy"]
    assert "grants the principal itself" in answer.reason
    rows = graph.reach(next(u for u in graph.users() if u.name == "bob"))
    assert [(r.role, r.reachable, r.mfa_required) for r in rows] == [("open", "yes", False)]


def test_an_unknown_principal_is_one_clear_error() -> None:
    w = SnapshotWorld()
    with pytest.raises(UnknownPrincipal, match="no user or role"):
        decide(w.snapshot, "arn:aws:iam::111111111111:user/nobody", ASSUME, "*")


def test_decide_is_the_same_on_the_snapshot_and_on_its_graph() -> None:
    w = SnapshotWorld()
    _cross(w, MFA, inline=_may(w, allow(prod_admin(w))))
    on_snapshot = decide(w.snapshot, alice(w), ASSUME, prod_admin(w), WITH_MFA)
    on_graph = decide(AccessGraph(w.snapshot), alice(w), ASSUME, prod_admin(w), WITH_MFA)
    assert on_snapshot.to_json() == on_graph.to_json()
    assert on_snapshot.allowed


def test_judge_is_the_one_the_graph_calls() -> None:
    """The matrix is built on decide's judge, not beside it: the graph module uses that very function."""
    from rolegate.access import graph

    assert graph.judge is judge


# -- reach rows: both answers, and explicit denies as rows ----------------------------------------------


def _rows(graph: AccessGraph, who: str, *, denied: bool) -> dict[str, Any]:
    user = next(u for u in graph.users() if u.name == who)
    return {f"{r.role}@{r.account}": r.to_json() for r in graph.reach(user, denied=denied)}


def test_a_role_an_scp_denies_is_a_denied_row_with_its_statement() -> None:
    """Given alice allowed to assume admin in prod and an SCP over the hub that denies it, when her reach is
    asked with denied rows, then admin@prod is a row "denied" naming the SCP's statement, on both answers;
    the plain reach (the audit's, lockdown's) still has no row for it."""
    w = SnapshotWorld()
    _cross(w, inline=_may(w, allow(prod_admin(w))))
    w.scp("hub", [FULL_ACCESS, doc(deny(prod_admin(w), Sid="NoProdAdmin"))])
    graph = AccessGraph(w.snapshot)

    rows = _rows(graph, "alice", denied=True)

    row = rows["admin@prod"]
    assert row["reachable"] == "denied" and not row["mfa_required"]
    assert row["why"] == ["service control policy (Sid NoProdAdmin)"]
    assert row["with_mfa"]["reachable"] == row["without_mfa"]["reachable"] == "denied"
    assert _rows(graph, "alice", denied=False) == {}
    assert decide(graph, alice(w), ASSUME, prod_admin(w)).effect == "explicit_deny"


def test_each_row_carries_both_answers() -> None:
    """Given alice allowed on admin@prod, and an identity Deny whenever MFA is absent, when her reach is
    asked, then the row is yes with MFA required, and its without_mfa answer is "denied" by that Deny."""
    w = SnapshotWorld()
    no_mfa = deny(Sid="NoMfaNoRoles", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})
    _cross(w, inline=_may(w, allow(prod_admin(w)), no_mfa))
    w.role("open", "prod", trust=trust(w.root("hub")))
    graph = AccessGraph(w.snapshot)

    rows = _rows(graph, "alice", denied=True)

    row = rows["admin@prod"]
    assert (row["reachable"], row["mfa_required"]) == ("yes", True)
    assert row["with_mfa"] == {
        "reachable": "yes", "conditions": [], "why": ["user alice: inline policy assume",
                                                      "trust policy of role admin in prod"], "via": [],
    }  # fmt: skip
    assert row["without_mfa"]["reachable"] == "denied"
    assert row["without_mfa"]["why"] == ["user alice: inline policy assume (Sid NoMfaNoRoles)"]
    assert "open@prod" not in rows  # no identity allow: not refused, simply not reached


def test_a_denied_hop_is_never_followed() -> None:
    """Given alice allowed on hop@prod, which may assume admin@stage, and a Deny on hop in alice's group,
    when her reach is asked, then hop is a denied row and admin@stage is not reached through it."""
    w = SnapshotWorld()
    w.group("fenced", inline={"no-hop": doc(deny(w.role_arn("hop", "prod")))})
    w.user("alice", groups=("fenced",), inline=_may(w, allow(w.role_arn("hop", "prod"))))
    w.role("hop", "prod", trust=trust(w.root("hub")), inline={"on": doc(allow(w.role_arn("admin", "stage")))})
    w.role("admin", "stage", trust=trust(w.root("prod")))
    graph = AccessGraph(w.snapshot)

    rows = _rows(graph, "alice", denied=True)

    assert {k: r["reachable"] for k, r in rows.items()} == {"hop@prod": "denied"}
    assert rows["hop@prod"]["why"] == ["group fenced: inline policy no-hop"]
    assert all(not answer.with_mfa and not answer.without_mfa for _, answer in graph.groups())


def test_one_principal_asked_alone_is_known_by_its_name_and_tags() -> None:
    """Given a trust on aws:PrincipalTag/team = ops and a policy on ${aws:username}, when alice (tagged
    team=ops) and bob (untagged) ask, then decide knows each one's tags and name: alice is allowed, bob is
    not — where the matrix, which answers users alike together, says conditional."""
    w = SnapshotWorld()
    own = {"own": doc(allow("arn:aws:iam::*:role/${aws:username}-admin"))}
    w.user("alice", inline=own)
    w.user("bob", inline=own)
    w.snapshot.accounts["hub"].users["alice"].tags = {"team": "ops"}
    for name in ("alice", "bob"):
        w.role(
            f"{name}-admin",
            "prod",
            trust=trust(w.root("hub"), {"StringEquals": {"aws:PrincipalTag/team": "ops"}}),
        )

    alice_answer = decide(w.snapshot, w.user_arn("alice"), ASSUME, w.role_arn("alice-admin"), WITH_MFA)
    bob_answer = decide(w.snapshot, w.user_arn("bob"), ASSUME, w.role_arn("bob-admin"), WITH_MFA)
    not_hers = decide(w.snapshot, w.user_arn("alice"), ASSUME, w.role_arn("bob-admin"), WITH_MFA)

    assert (alice_answer.effect, bob_answer.effect, not_hers.effect) == (
        "allow",
        "implicit_deny",
        "implicit_deny",
    )


def test_a_conditional_allow_is_cited_with_its_conditions() -> None:
    """Given the hub trust demanding MFA and no MFA said, when alice asks, then conditional, and the trust
    statement is cited with the condition it still hangs on."""
    w = SnapshotWorld()
    _cross(w, MFA, inline=_may(w, allow(prod_admin(w))))

    answer = decide(w.snapshot, alice(w), ASSUME, prod_admin(w))

    trust_side = next(c for c in answer.statements if c.layer == "resource policy")
    assert answer.effect == "conditional"
    assert trust_side.conditions == ("Bool aws:MultiFactorAuthPresent true",)
