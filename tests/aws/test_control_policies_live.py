"""Resource control policies read from Organizations on the moto server (issue 20, item 5): given the seed
applied with roles that do not demand MFA, when the organization attaches an RCP to production that denies
sts:AssumeRole without MFA, then `rolegate access --user cobus` answers that production's administrator needs
MFA and development's does not; the management account is never asked for its RCPs. moto stores and returns
the policies but does not enforce them: what is tested is that rolegate reads them and applies AWS's rules."""

from __future__ import annotations

import json

import pytest
from tests.builders import RCP_ASSUME_ONLY_WITH_MFA, seed_config
from tests.helpers import Org, rolegate

pytestmark = pytest.mark.aws

MFA_FOR_ROLES = RCP_ASSUME_ONLY_WITH_MFA


def test_an_rcp_on_production_makes_its_roles_need_mfa_in_the_live_answer(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids, require_mfa="false")))
    applied = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw"))
    assert applied.code == 0, applied.all
    organizations = org.client("organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    organizations.enable_policy_type(RootId=root, PolicyType="RESOURCE_CONTROL_POLICY")
    policy = organizations.create_policy(
        Name="mfa-for-roles",
        Description="sts:AssumeRole only with MFA",
        Type="RESOURCE_CONTROL_POLICY",
        Content=json.dumps(MFA_FOR_ROLES),
    )["Policy"]["PolicySummary"]["Id"]
    organizations.attach_policy(PolicyId=policy, TargetId=org.ids["production"])
    snapshot = org.workdir / "snapshot.json"

    taken = rolegate(capsys, "-c", config, "snapshot", "-o", str(snapshot))
    answer = rolegate(
        capsys, "-c", config, "access", "--snapshot", str(snapshot), "--user", "cobus", "--json"
    )

    assert taken.code == 0, taken.all
    rcps = json.loads(snapshot.read_text(encoding="utf-8"))["rcps"]
    assert org.hub_id not in rcps  # no RCP limits the management account: not asked
    assert MFA_FOR_ROLES in [d for level in rcps[org.ids["production"]] for d in level]
    assert MFA_FOR_ROLES not in [d for level in rcps[org.ids["development"]] for d in level]
    assert answer.code == 0, answer.all
    rows = {(r["role"], r["account"]): r for r in json.loads(answer.out)["access"]}
    assert rows[("administrator", "production")]["mfa_required"] is True
    assert rows[("administrator", "development")]["mfa_required"] is False
