"""The organization's units and guardrails in the exports (issue 20), decided offline: given the seed with
Environments units and guardrails, the CloudFormation template and the Terraform file say the same units,
policies and attachments rolegate applies, and a file without them exports exactly as before."""

from __future__ import annotations

import json

from tests.builders import IDS, organization_config, seed_config

from rolegate.export.cloudformation import ORGANIZATION_FILE, organization_template, templates
from rolegate.export.terraform import ORGANIZATION_FILE as TF_FILE
from rolegate.export.terraform import terraform_files
from rolegate.model.load import parse
from rolegate.plan.compile import compile_config
from rolegate.state.snapshot import ControlPolicy, OrganizationalUnit, OrganizationState, Snapshot

GUARDRAILS = """\
guardrails:
  protect-rolegate: {attach: [root]}
  deny-outside-org: {attach: [Environments/Production, production]}
"""


def test_cloudformation_makes_units_parents_first_and_policies_on_their_targets() -> None:
    template = organization_template(compile_config(parse(organization_config(IDS, GUARDRAILS)).config))
    resources = template["Resources"]
    units = {k: v for k, v in resources.items() if v["Type"] == "AWS::Organizations::OrganizationalUnit"}
    assert len(units) == 3
    child = next(v for v in units.values() if v["Properties"]["Name"] == "Production")
    assert child["Properties"]["ParentId"]["Fn::GetAtt"][1] == "Id"
    top = next(v for v in units.values() if v["Properties"]["Name"] == "Environments")
    assert top["Properties"]["ParentId"] == {"Ref": "RootId"}
    rcp = next(v for v in resources.values() if v["Properties"].get("Name") == "deny-outside-org")
    assert rcp["Properties"]["Type"] == "RESOURCE_CONTROL_POLICY"
    assert IDS["production"] in rcp["Properties"]["TargetIds"]
    assert "${organization:id}" not in json.dumps(rcp["Properties"]["Content"])
    assert '{"Ref": "OrganizationId"}' in json.dumps(rcp)


def test_terraform_names_the_organization_from_its_data_source_and_imports_what_is_rolegate_s() -> None:
    want = compile_config(parse(organization_config(IDS, GUARDRAILS)).config)
    state = OrganizationState(
        "o-1", IDS["master"], "r-1", ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]
    )
    state.units["Environments"] = OrganizationalUnit(
        "ou-1", "Environments", "r-1", {"rolegate:owner": "demo"}
    )
    state.policies["protect-rolegate"] = ControlPolicy(
        "p-1",
        "protect-rolegate",
        "SERVICE_CONTROL_POLICY",
        {},
        tags={"rolegate:owner": "demo"},
        targets=["r-1"],
    )
    state.policies["deny-outside-org"] = ControlPolicy(
        "p-2", "deny-outside-org", "RESOURCE_CONTROL_POLICY", {}
    )
    exported = terraform_files(want, Snapshot(organization=state), "us-west-2")
    body = exported.files[TF_FILE]
    content = body["resource"]["aws_organizations_policy"]["guardrail_deny-outside-org"]["content"]
    assert "${data.aws_organizations_organization.this.id}" in content
    imported = {i["to"]: i["id"] for i in body["import"]}
    assert imported["aws_organizations_organizational_unit.unit_Environments"] == "ou-1"
    assert imported["aws_organizations_policy.guardrail_protect-rolegate"] == "p-1"
    assert "r-1:p-1" in imported.values()  # attached already
    assert not any(v == "p-2" for v in imported.values())  # not rolegate's: never imported


def test_a_file_without_units_or_guardrails_exports_no_organization() -> None:
    want = compile_config(parse(seed_config(IDS)).config)
    assert ORGANIZATION_FILE not in templates(want)
    assert TF_FILE not in terraform_files(want, None, "us-west-2").files
