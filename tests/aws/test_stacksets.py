"""The StackSet engine: given the seed's organization with its environments in one organizational unit, when
cobus applies rolegate.yaml with `--engine stacksets`, then AWS's own engine (a service-managed StackSet)
puts the spoke roles in every account of the unit, and the direct engine reading the accounts finds nothing
left to change: `rolegate plan --detailed-exitcode` exits 0.

What moto does and does not do here (moto 5.2.5, tests run against its server on 127.0.0.1):
- Service-managed StackSets targeting an OU really deploy stack instances into the unit's member accounts,
  and the IAM roles appear there. moto ignores AWS::IAM::Role's ManagedPolicyArns; the embedded endpoint is
  taught AWS's behaviour (aws/moto_local.py), as it is for UpdateGroup's NewPath.
- moto ignores AutoDeployment (it neither stores nor reports it) and never deploys to an account added to a
  unit later: AWS does. So for an account added later we check our own logic instead: the StackSet is
  created with AutoDeployment enabled (the call, as planned), and the next plan adds the missing instance,
  which AWS would have made by itself.
- moto neither enforces trust nor MFA (see MOTO-NOTES.md); the roles' documents are compared with direct
  apply's by rolegate's own plan.
"""

from __future__ import annotations

import json

import pytest
from tests.builders import seed_config
from tests.helpers import Org, rolegate

pytestmark = pytest.mark.aws

READ_ONLY = """\
  read_only:
    accounts: ["*"]
    policies: [ReadOnlyAccess]
    require_mfa: true
    max_session: 8h
"""


def stackset_config(org: Org) -> str:
    return seed_config(org.ids).replace("roles:\n", "roles:\n" + READ_ONLY, 1)


def cloudformation() -> object:
    """CloudFormation in the management account, in the file's region (organization.region)."""
    import boto3

    return boto3.client("cloudformation", region_name="us-west-2")


def environments_unit(org: Org) -> str:
    """Move the three environment accounts into one organizational unit, as teams with many accounts do."""
    client = org.client("organizations")
    root = client.list_roots()["Roots"][0]["Id"]
    unit = client.create_organizational_unit(ParentId=root, Name="environments")["OrganizationalUnit"]["Id"]
    for account in ("development", "staging", "production"):
        client.move_account(AccountId=org.ids[account], SourceParentId=root, DestinationParentId=unit)
    return unit


def test_stackset_apply_leaves_the_accounts_as_direct_apply_would(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """One story, one organization (each costs seconds to set up): a hand-made role stops the plan; once it
    is gone the StackSet deploys; the direct engine finds nothing to change; an account added to the unit
    later gets the every-account role (AWS's AutoDeployment would do it by itself; moto does not, so the
    next plan shows the missing stack instance and apply adds it)."""
    unit = environments_unit(org)
    config = str(org.write_config(stackset_config(org)))
    passwords = str(org.workdir / "passwords.txt")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    staging = org.client("iam", "staging")
    staging.create_role(RoleName="read_only", AssumeRolePolicyDocument=json.dumps(trust))

    refused = rolegate(
        capsys, "-c", config, "apply", "--engine", "stacksets", "--yes", "--password-out", passwords
    )
    assert refused.code == 1, refused.all
    assert "! role read_only" in refused.out and "CloudFormation never takes over" in refused.out
    staging.delete_role(RoleName="read_only")

    plan = rolegate(capsys, "-c", config, "plan", "--engine", "stacksets", "--json")
    assert plan.code == 0, plan.all
    changes = json.loads(plan.out)["changes"]
    kinds = {(c["account"], c["action"], c["kind"]) for c in changes}
    assert ("master", "create", "stackset") in kinds
    assert not any(c["kind"] == "role" for c in changes), "the spoke roles are the StackSet's, not direct"
    stackset = next(c for c in changes if c["kind"] == "stackset")
    create = stackset["calls"][0]
    assert create["operation"] == "CreateStackSet"
    assert create["params"]["PermissionModel"] == "SERVICE_MANAGED"
    assert create["params"]["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert stackset["calls"][1]["params"]["DeploymentTargets"] == {"OrganizationalUnitIds": [unit]}

    applied = rolegate(
        capsys, "-c", config, "apply", "--engine", "stacksets", "--yes", "--password-out", passwords
    )
    assert applied.code == 0, applied.all
    assert "stackset rolegate-demo-spoke-roles" in applied.out

    # The direct engine, reading every account, finds them exactly as its own apply leaves them.
    direct = rolegate(capsys, "-c", config, "plan", "--detailed-exitcode")
    assert direct.code == 0, direct.all
    again = rolegate(capsys, "-c", config, "plan", "--engine", "stacksets", "--detailed-exitcode")
    assert again.code == 0, again.all

    cfn = cloudformation()
    described = cfn.describe_stack_set(StackSetName="rolegate-demo-spoke-roles")["StackSet"]
    assert described["PermissionModel"] == "SERVICE_MANAGED"
    assert {"Key": "rolegate:owner", "Value": "demo"} in described["Tags"]
    assert (
        org.client("iam", "development").get_role(RoleName="read_only")["Role"]["MaxSessionDuration"]
        == 8 * 3600
    )

    # A team moving to Terraform: everything exists and is rolegate's, so everything is imported.
    tf = org.workdir / "tf"
    exported = rolegate(capsys, "-c", config, "export", "terraform", "-o", str(tf), "--json")
    assert exported.code == 0, exported.all
    files = [json.loads(p.read_text()) for p in tf.glob("*.tf.json")]
    declared = {f"{k}.{n}" for body in files for k, named in body.get("resource", {}).items() for n in named}
    imported = {block["to"] for body in files for block in body.get("import", [])}
    assert imported == declared and json.loads(exported.out)["not_owned"] == []

    # Later: a new account in the unit.
    client = org.client("organizations")
    status = client.create_account(Email="you+sandbox@example.com", AccountName="Sandbox")[
        "CreateAccountStatus"
    ]
    new = client.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"][
        "AccountId"
    ]
    root = client.list_roots()["Roots"][0]["Id"]
    client.move_account(AccountId=new, SourceParentId=root, DestinationParentId=unit)

    plan = rolegate(capsys, "-c", config, "plan", "--engine", "stacksets", "--detailed-exitcode")
    assert plan.code == 2, plan.all
    assert "+ stack instances rolegate-demo-spoke-roles" in plan.out
    assert f"+ instance in {new}" in plan.out
    assert rolegate(capsys, "-c", config, "apply", "--engine", "stacksets", "--yes").code == 0

    # Not in rolegate.yaml, but in the unit: it has the "*" role and not the role listed for named accounts.
    org.ids["sandbox"] = new
    names = {r["RoleName"] for r in org.client("iam", "sandbox").list_roles()["Roles"]}
    assert "read_only" in names and "administrator" not in names
