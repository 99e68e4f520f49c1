"""The graph answers principals alike once; these scenarios are where principals look alike but are not.

To be fast on large organizations (benchmarks/access_scale.py), the access graph answers the users of one
group set once, decides a role open to anyone once for callers from every account, and computes each role's
onward reach once. Given an organization where one policy tells two such principals apart, when each one's
reach is asked, then each gets its own answer.
"""

from __future__ import annotations

from tests.builders import MFA, SnapshotWorld, allow, deny, doc, trust, trusts

from rolegate.access.graph import AccessGraph, Reach


def reach_of(graph: AccessGraph, who: str) -> dict[str, Reach]:
    """role@account -> row, for a user (by name) or a role (role@account) of the snapshot."""
    name, _, account = who.partition("@")
    if not account:
        rows = graph.reach(next(u for u in graph.users() if u.name == name))
    else:
        found = (
            arn for arn, (acct, role) in graph.roles.items() if (role.name, acct.name) == (name, account)
        )
        rows = graph.reach(graph.role_principal(next(found)))
    return {f"{r.role}@{r.account}": r for r in rows}


def test_users_of_one_group_set_share_one_answer() -> None:
    """Given alice and bob in the same group, and carol with a policy of her own, when the matrix is asked,
    then alice and bob are answered together and carol apart."""
    w = SnapshotWorld()
    w.group("team", inline={"assume": doc(allow(w.role_arn("admin")))})
    w.user("alice", groups=("team",))
    w.user("bob", groups=("team",))
    w.user("carol", groups=("team",), inline={"more": doc(allow(w.role_arn("viewer")))})
    w.role("admin", "prod", trust=trust(w.root("hub"), MFA))
    w.role("viewer", "prod", trust=trust(w.root("hub")))

    groups = AccessGraph(w.snapshot).groups()

    assert sorted(sorted(p.name for p in principals) for principals, _ in groups) == [
        ["alice", "bob"],
        ["carol"],
    ]


def test_a_trust_asking_for_one_users_arn_tells_her_apart() -> None:
    """Given alice and bob in one group, and a trust that lets in only principals whose ARN is alice's
    (ArnLike aws:PrincipalArn), then alice reaches the role and bob does not."""
    w = SnapshotWorld()
    w.group("team", inline={"assume": doc(allow(w.role_arn("admin")))})
    w.user("alice", groups=("team",))
    w.user("bob", groups=("team",))
    w.role(
        "admin", "prod", trust=trust(w.root("hub"), {"ArnLike": {"aws:PrincipalArn": w.user_arn("alice")}})
    )
    graph = AccessGraph(w.snapshot)

    assert "admin@prod" in reach_of(graph, "alice")
    assert "admin@prod" not in reach_of(graph, "bob")


def test_a_trust_naming_one_user_tells_her_apart() -> None:
    """Given alice and bob in one group, and a trust that denies everyone but alice (Deny with NotPrincipal
    naming her and the hub), then alice reaches the role and bob does not."""
    w = SnapshotWorld()
    w.group("team", inline={"assume": doc(allow(w.role_arn("admin")))})
    w.user("alice", groups=("team",))
    w.user("bob", groups=("team",))
    keep_alice = trusts("*", effect="Deny")
    del keep_alice["Principal"]
    keep_alice["NotPrincipal"] = {"AWS": [w.user_arn("alice"), w.root("hub")]}
    w.role("admin", "prod", trust=doc(trusts(w.root("hub")), keep_alice))
    graph = AccessGraph(w.snapshot)

    assert reach_of(graph, "alice")["admin@prod"].reachable == "yes"
    assert "admin@prod" not in reach_of(graph, "bob")


def test_an_scp_sparing_one_principal_tells_it_apart_from_its_group() -> None:
    """Given alice and bob in one group, and an SCP over the hub that denies sts:AssumeRole to every principal
    but alice (the usual exception, ArnNotLike aws:PrincipalArn), then alice reaches the role and bob not."""
    w = SnapshotWorld()
    w.group("team", inline={"assume": doc(allow(w.role_arn("admin")))})
    w.user("alice", groups=("team",))
    w.user("bob", groups=("team",))
    w.role("admin", "prod", trust=trust(w.root("hub")))
    spare = deny("*", Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/alice"}})
    w.scp("hub", [doc(allow("*", action="*")), doc(spare)])
    graph = AccessGraph(w.snapshot)

    assert "admin@prod" in reach_of(graph, "alice")
    assert "admin@prod" not in reach_of(graph, "bob")


def test_a_role_open_to_the_organization_but_one_account_is_decided_apart_for_that_account() -> None:
    """Given a role open to every principal of the organization except those of prod (a Deny naming prod's
    root), and a role `ops` alike in the hub and in prod that may assume anything, then the hub's ops reaches
    it and prod's does not, though both start from one answer decided for callers from any account."""
    w = SnapshotWorld()
    anything = {"all": doc(allow("*"))}
    w.role("ops", "prod", trust=trust(w.root("hub")), inline=anything)
    w.role("ops", "hub", trust=trust(w.root("hub")), inline=anything)
    org_only = {"StringEquals": {"aws:PrincipalOrgID": w.org_id}}
    w.role("shared", "stage", trust=doc(trusts("*", org_only), trusts(w.root("prod"), effect="Deny")))
    graph = AccessGraph(w.snapshot)

    assert "shared@stage" in reach_of(graph, "ops@hub")
    assert "shared@stage" not in reach_of(graph, "ops@prod")


def test_of_two_certain_paths_the_shorter_one_is_shown() -> None:
    """Given alice may assume roles a and b in prod, a may assume b, and b may assume c in stage, when her
    reach is asked, then c is shown through b alone (one hop), not through a then b."""
    w = SnapshotWorld()
    w.user("alice", inline={"assume": doc(allow([w.role_arn("a"), w.role_arn("b")]))})
    w.role("a", "prod", trust=trust(w.root("hub")), inline={"on": doc(allow(w.role_arn("b")))})
    w.role("b", "prod", trust=doc(trusts(w.root("hub")), trusts(w.role_arn("a"))),
           inline={"on": doc(allow(w.role_arn("c", "stage")))})  # fmt: skip
    w.role("c", "stage", trust=trust([w.role_arn("a"), w.role_arn("b")]))
    graph = AccessGraph(w.snapshot)

    row = reach_of(graph, "alice")["c@stage"]

    assert row.reachable == "yes"
    assert [v.rsplit("/", 1)[-1] for v in row.via] == ["b"]


_TWO_EQUAL_PATHS = """
import json
from tests.builders import SnapshotWorld, allow, doc, trust
from rolegate.access.escalation import escalation_rows
from rolegate.access.graph import AccessGraph

w = SnapshotWorld()
w.user("alice", inline={"assume": doc(allow(w.role_arn("first", "hub")))})
w.role("first", "hub", trust=trust(w.root("hub")), inline={"on": doc(allow(w.role_arn("second", "hub")))})
w.role("second", "hub", trust=trust(w.root("hub")), inline={"on": doc(allow("arn:aws:iam::*:role/ci*"))})
onward = {"on": doc(allow(w.role_arn("deployer", "hub")))}
for account in ("prod", "stage"):
    for name in ("ci", "ci2"):
        w.role(name, account, trust=trust(w.root("hub")), inline=onward)
members = {"AWS": [w.root("prod"), w.root("stage")]}
w.role("deployer", "hub", trust=doc({"Effect": "Allow", "Principal": members, "Action": "sts:AssumeRole"}))
graph = AccessGraph(w.snapshot)
alice = next(u for u in graph.users() if u.name == "alice")
print(json.dumps({r.role + "@" + r.account: r.via for r in graph.reach(alice)}))
"""


def test_of_two_equal_paths_the_same_one_is_kept_on_every_run() -> None:
    """Given alice, who may assume `first`, which may assume `second`, which may assume four `ci` roles in
    prod and stage, each of which may assume the hub's `deployer`, when her reach is asked in processes with
    different string hashing, then `deployer` is shown through the same `ci` every time: the first in
    account and name order (prod's `ci`). Before, the kept path followed the order of a hashed set."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    seen = set()
    for seed in range(8):
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
        done = subprocess.run(
            [sys.executable, "-c", _TWO_EQUAL_PATHS],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
        )
        assert done.returncode == 0, done.stderr
        seen.add(done.stdout.strip())
    (only,) = seen
    vias = __import__("json").loads(only)
    assert vias["deployer@hub"][-1] == "arn:aws:iam::222222222222:role/ci"
