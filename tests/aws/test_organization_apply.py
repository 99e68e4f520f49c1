"""The organization from rolegate.yaml on the moto server (issue 20): given the seed with
`Environments/{Development,Production}` units, development and production placed in them and the built-in
guardrails switched on by name, when cobus applies, then Organizations holds exactly that, the next plan is
empty, and what rolegate does not own (FullAWSAccess, a policy someone made by hand) is never touched.

moto stores units, places and policies as Organizations does, and returns them; it does not enforce the
policies, so what they deny is tested against the evaluator (tests/unit/test_guardrails.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.builders import organization_config
from tests.helpers import Org, rolegate

pytestmark = pytest.mark.aws

GUARDRAILS = """\
guardrails:
  protect-rolegate: {attach: [root]}
  deny-leave-organization: {attach: [Environments]}
  region-allow-list: {attach: [Environments/Production], regions: [us-west-2, eu-west-1]}
  deny-outside-org: {attach: [Environments]}
"""


def organization_file(org: Org, guardrails: str = GUARDRAILS) -> str:
    return organization_config(org.ids, guardrails)


def shape(organizations: Any) -> dict[str, Any]:
    """The organization as Organizations answers: units (with tags), where each account is, and each
    policy's targets by name."""
    root = organizations.list_roots()["Roots"][0]["Id"]
    names = {root: "root"}
    units: dict[str, dict[str, str]] = {}
    todo = [(root, "")]
    while todo:
        parent, prefix = todo.pop()
        for unit in organizations.list_organizational_units_for_parent(ParentId=parent)[
            "OrganizationalUnits"
        ]:
            path = prefix + unit["Name"]
            names[unit["Id"]] = path
            tags = organizations.list_tags_for_resource(ResourceId=unit["Id"])["Tags"]
            units[path] = {t["Key"]: t["Value"] for t in tags}
            todo.append((unit["Id"], path + "/"))
    places = {
        a["Id"]: names[organizations.list_parents(ChildId=a["Id"])["Parents"][0]["Id"]]
        for a in organizations.list_accounts()["Accounts"]
    }
    policies = {}
    for policy_type in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        for policy in organizations.list_policies(Filter=policy_type)["Policies"]:
            targets = organizations.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]
            policies[policy["Name"]] = sorted(names.get(t["TargetId"], t["TargetId"]) for t in targets)
    return {"units": units, "places": places, "policies": policies}


def apply(org: Org, capsys: pytest.CaptureFixture[str], config: str, *more: str) -> Any:
    return rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw"), *more)


def test_given_the_seed_with_units_and_guardrails_when_cobus_applies_then_the_organization_is_the_file(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(organization_file(org)))

    applied = apply(org, capsys, config)
    again = rolegate(capsys, "-c", config, "plan", "--detailed-exitcode")

    assert applied.code == 0, applied.all
    assert "organization" in applied.out
    found = shape(org.client("organizations"))
    owner = {"rolegate:owner": "demo"}
    assert found["units"] == {
        "Environments": owner,
        "Environments/Development": owner,
        "Environments/Production": owner,
    }
    assert found["places"][org.ids["production"]] == "Environments/Production"
    assert found["places"][org.ids["development"]] == "Environments/Development"
    assert found["places"][org.ids["staging"]] == "root"  # not placed by the file: left where it was
    assert found["policies"]["protect-rolegate"] == ["root"]
    assert found["policies"]["deny-leave-organization"] == ["Environments"]
    assert found["policies"]["region-allow-list"] == ["Environments/Production"]
    assert found["policies"]["deny-outside-org"] == ["Environments"]
    # AWS's own, on every node as Organizations attaches it, untouched
    assert {"root", "Environments", "Environments/Production"} <= set(found["policies"]["FullAWSAccess"])
    assert again.code == 0, again.all
    assert "No changes" in again.out


def test_the_resource_perimeter_names_this_organization(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(org.write_config(organization_file(org)))
    assert apply(org, capsys, config).code == 0
    organizations = org.client("organizations")
    organization_id = organizations.describe_organization()["Organization"]["Id"]
    listed = organizations.list_policies(Filter="RESOURCE_CONTROL_POLICY")["Policies"]
    rcp = next(p for p in listed if p["Name"] == "deny-outside-org")
    content = organizations.describe_policy(PolicyId=rcp["Id"])["Policy"]["Content"]
    assert organization_id in content and "${" not in content


def test_an_apply_stopped_after_the_first_unit_finishes_on_the_next_run(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """The units the first run made are found by name (plan/references.py): none is made twice."""
    config = str(org.write_config(organization_file(org)))

    first = apply(org, capsys, config, "-target", "organization/unit/Environments")
    rest = apply(org, capsys, config)
    again = rolegate(capsys, "-c", config, "plan", "--detailed-exitcode")

    assert first.code == 0, first.all
    assert rest.code == 0, rest.all
    assert again.code == 0, again.all
    top = org.client("organizations")
    root = top.list_roots()["Roots"][0]["Id"]
    assert [
        u["Name"] for u in top.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    ] == ["Environments"]


def test_a_guardrail_dropped_from_the_file_is_detached_and_deleted_and_aws_own_stays(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = org.write_config(organization_file(org))
    assert apply(org, capsys, str(config)).code == 0
    config.write_text(
        organization_file(
            org, GUARDRAILS.replace("  deny-leave-organization: {attach: [Environments]}\n", "")
        )
    )

    planned = rolegate(capsys, "-c", str(config), "plan")
    applied = apply(org, capsys, str(config))

    assert "- guardrail deny-leave-organization" in planned.out
    assert applied.code == 0, applied.all
    policies = shape(org.client("organizations"))["policies"]
    assert "deny-leave-organization" not in policies
    assert "root" in policies["FullAWSAccess"]


def test_a_hand_made_policy_of_a_guardrail_s_name_is_a_conflict_and_apply_refuses(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    organizations = org.client("organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    organizations.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}],
    }
    theirs = organizations.create_policy(
        Name="protect-rolegate",
        Description="someone's",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(document),
    )["Policy"]["PolicySummary"]["Id"]
    config = str(
        org.write_config(organization_file(org, "guardrails:\n  protect-rolegate: {attach: [root]}\n"))
    )

    planned = rolegate(capsys, "-c", config, "plan")
    applied = apply(org, capsys, config)

    assert "protect-rolegate" in planned.out and "rolegate does not own it" in planned.out
    assert applied.code != 0
    kept = organizations.describe_policy(PolicyId=theirs)["Policy"]
    assert json.loads(kept["Content"]) == document  # never touched
    assert organizations.list_targets_for_policy(PolicyId=theirs)["Targets"] == []


def test_access_and_audit_read_the_guardrails_rolegate_applied(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """protect-rolegate on the root: the audit no longer says anyone may forge rolegate's marks (RG033)."""
    config = str(org.write_config(organization_file(org)))
    assert apply(org, capsys, config).code == 0

    audited = rolegate(capsys, "-c", config, "audit", "--json")

    assert audited.code in (0, 2), audited.all
    rules = {f["rule"] for f in json.loads(audited.out)["findings"]}
    assert "RG033" not in rules


def test_a_lockdown_by_scp_survives_an_apply_of_the_guardrails_and_restore_leaves_them(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lockdown's policies carry rolegate's owner tag; apply must not read them as guardrails the file
    dropped. The plan shows production as locked; restore takes the lockdown away and nothing else."""
    config = str(org.write_config(organization_file(org)))
    assert apply(org, capsys, config).code == 0
    before = shape(org.client("organizations"))

    locked = rolegate(
        capsys, "-c", config, "lockdown", "--method", "scp", "production", "--yes", "--reason", "INC-7"
    )
    planned = rolegate(capsys, "-c", config, "plan", "--json")
    applied = apply(org, capsys, config)
    during = shape(org.client("organizations"))
    restored = rolegate(capsys, "-c", config, "restore", "production", "--yes")

    assert locked.code == 0, locked.all
    plan = json.loads(planned.out)
    assert plan["changes"] == []
    assert any("rolegate restore production" in line for line in plan["locked"]["production"])
    assert applied.code == 0, applied.all
    lockdown = {n for n in during["policies"] if n.startswith("rolegate-lockdown-")}
    assert len(lockdown) == 2 and all(during["policies"][n] == [org.ids["production"]] for n in lockdown)
    assert restored.code == 0, restored.all
    assert shape(org.client("organizations")) == before


def test_when_the_file_says_lockdown_scp_a_plain_lockdown_uses_control_policies(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    text = organization_file(org).replace("  name: demo\n", "  name: demo\n  lockdown: scp\n")
    config = str(org.write_config(text))
    assert apply(org, capsys, config).code == 0
    roles_before = org.client("iam", "production").get_role(RoleName="administrator")["Role"]

    locked = rolegate(capsys, "-c", config, "lockdown", "production", "--yes")

    assert locked.code == 0, locked.all
    policies = shape(org.client("organizations"))["policies"]
    assert sum(n.startswith("rolegate-lockdown-") for n in policies) == 2
    after = org.client("iam", "production").get_role(RoleName="administrator")["Role"]
    assert after["AssumeRolePolicyDocument"] == roles_before["AssumeRolePolicyDocument"]  # no trust edit
    assert rolegate(capsys, "-c", config, "restore", "production", "--yes").code == 0


def test_a_unit_named_like_a_path_is_never_taken_for_the_unit_of_that_path(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Organizations takes `/` in a unit's name. A unit "Environments/Production" made under the root, even
    tagged rolegate's, is not the file's Environments/Production: production goes into the real one, and the
    impostor is left alone (listed as unmanaged, never deleted)."""
    organizations = org.client("organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    impostor = organizations.create_organizational_unit(
        ParentId=root, Name="Environments/Production", Tags=[{"Key": "rolegate:owner", "Value": "demo"}]
    )["OrganizationalUnit"]["Id"]
    config = str(org.write_config(organization_file(org)))

    applied = apply(org, capsys, config)
    listed = rolegate(capsys, "-c", config, "plan", "-v")

    assert applied.code == 0, applied.all
    found = shape(organizations)
    assert found["places"][org.ids["production"]] == "Environments/Production"
    parent = organizations.list_parents(ChildId=org.ids["production"])["Parents"][0]["Id"]
    assert parent != impostor
    assert organizations.describe_organizational_unit(OrganizationalUnitId=impostor)["OrganizationalUnit"]
    assert f"<{impostor}>" in listed.out


def test_a_unit_or_policy_someone_makes_between_plan_and_call_is_never_used(org: Org) -> None:
    """Apply's references (plan/references.py) find by name what an earlier run made. If someone makes a
    unit or policy of that name meanwhile, the create is refused as a duplicate (tolerated, as on a rerun),
    and the name now finds theirs: it must carry rolegate's owner tag, else nothing moves into it."""
    from rolegate.errors import RolegateError
    from rolegate.plan.changes import Call
    from rolegate.plan.references import References

    organizations = org.client("organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    organizations.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    owner = [{"Key": "rolegate:owner", "Value": "demo"}]
    references = References(organizations)
    references.resolve(
        Call("CreateOrganizationalUnit", {"ParentId": "<root>", "Name": "Environments", "Tags": owner})
    )
    theirs = organizations.create_organizational_unit(ParentId=root, Name="Environments")[
        "OrganizationalUnit"
    ]
    document = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    organizations.create_policy(
        Name="no-deletes", Description="", Type="SERVICE_CONTROL_POLICY", Content=document
    )

    with pytest.raises(
        RolegateError, match=r"unit Environments exists in the organization .* is not rolegate's"
    ):
        references.resolve(
            Call(
                "MoveAccount",
                {"AccountId": org.ids["production"], "DestinationParentId": "<unit Environments>"},
            )
        )
    with pytest.raises(RolegateError, match="guardrail no-deletes exists"):
        references.resolve(Call("AttachPolicy", {"PolicyId": "<policy no-deletes>", "TargetId": root}))

    organizations.tag_resource(ResourceId=theirs["Id"], Tags=owner)  # adopted: now rolegate's
    moved = references.resolve(Call("MoveAccount", {"DestinationParentId": "<unit Environments>"}))
    assert moved["DestinationParentId"] == theirs["Id"]


def test_a_snapshot_holds_the_organization_so_plan_snapshot_plans_it_offline(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = org.write_config(organization_file(org))
    assert apply(org, capsys, str(config)).code == 0
    snapshot = org.workdir / "snapshot.json"
    assert rolegate(capsys, "-c", str(config), "snapshot", "-o", str(snapshot)).code == 0
    config.write_text(
        organization_file(org, GUARDRAILS.replace("{attach: [Environments]}\n", "{attach: [root]}\n", 1))
    )

    offline = rolegate(capsys, "-c", str(config), "plan", "--snapshot", str(snapshot))

    assert json.loads(snapshot.read_text())["organization"]["units"]["Environments"]["tags"] == {
        "rolegate:owner": "demo"
    }
    assert offline.code == 0, offline.all
    assert "~ guardrail deny-leave-organization" in offline.out
    assert "+ attached to root" in offline.out and "- attached to Environments" in offline.out
