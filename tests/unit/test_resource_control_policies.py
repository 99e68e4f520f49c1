"""Resource control policies in access analysis (issue 20, item 5): given the seed's organization with roles
that do not demand MFA, and an RCP on production that denies sts:AssumeRole to any session without MFA, then
cobus reaches production's administrator only with MFA while development's stays open without it — in the
matrix and in `decide`, which agree — and the management account, which no RCP limits, is not asked.

Real AWS keeps RCPFullAWSAccess on every node, as it does FullAWSAccess for SCPs: each level here has it."""

from __future__ import annotations

import pytest
from tests.builders import IDS, RCP_ASSUME_ONLY_WITH_MFA, RCP_FULL_ACCESS, as_aws_has_it, seed_config

from rolegate.access.decide import decide
from rolegate.access.graph import AccessGraph
from rolegate.model.load import parse
from rolegate.plan.compile import compile_config
from rolegate.state.snapshot import Snapshot
from rolegate.state.snapshot_file import snapshot_from_json

FULL_ACCESS = RCP_FULL_ACCESS
MFA_FOR_ROLES = RCP_ASSUME_ONLY_WITH_MFA
COBUS = f"arn:aws:iam::{IDS['master']}:user/cobus"


def org(*, rcp_on_production: bool = True) -> Snapshot:
    snapshot = as_aws_has_it(compile_config(parse(seed_config(IDS, require_mfa="false")).config))
    for name in ("development", "staging", "production"):
        account_id = IDS[name]
        levels = [[FULL_ACCESS], [FULL_ACCESS]]  # the root, then the account
        if name == "production" and rcp_on_production:
            levels[1] = [FULL_ACCESS, MFA_FOR_ROLES]
        snapshot.rcps[account_id] = levels
    return snapshot


def reach_of(snapshot: Snapshot) -> dict[str, tuple[str, bool]]:
    graph = AccessGraph(snapshot)
    cobus = next(p for p in graph.users() if p.name == "cobus")
    return {f"{r.role}@{r.account}": (r.reachable, r.mfa_required) for r in graph.reach(cobus)}


def test_an_rcp_makes_production_need_mfa_and_leaves_development_alone() -> None:
    without = reach_of(org(rcp_on_production=False))
    with_rcp = reach_of(org())

    assert without["administrator@production"] == ("yes", False)
    assert with_rcp["administrator@production"] == ("yes", True)
    assert with_rcp["administrator@development"] == ("yes", False)


def test_decide_names_the_rcp_that_denies_and_agrees_with_the_matrix() -> None:
    snapshot = org()
    role = f"arn:aws:iam::{IDS['production']}:role/administrator"

    no_mfa = decide(snapshot, COBUS, "sts:AssumeRole", role, {"aws:MultiFactorAuthPresent": "false"})
    with_mfa = decide(snapshot, COBUS, "sts:AssumeRole", role, {"aws:MultiFactorAuthPresent": "true"})

    assert no_mfa.effect == "explicit_deny"
    assert [(s.layer, s.sid) for s in no_mfa.statements] == [("RCP", "AssumeOnlyWithMfa")]
    assert with_mfa.effect == "allow"


def test_rcps_travel_in_a_snapshot_file_checked_like_scps() -> None:
    snapshot = org()

    again = snapshot_from_json(snapshot.to_json())

    assert again.rcps == snapshot.rcps
    broken = snapshot.to_json()
    broken["rcps"][IDS["production"]][1].append({"Statement": "not a list of statements"})
    with pytest.raises(ValueError, match="rcps"):
        snapshot_from_json(broken)
