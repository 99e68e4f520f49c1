"""The organization imported and drifted on the moto server (issue 20): given the seed with
`Environments/{Development,Production}` units, development and production placed, protect-rolegate on the
root, deny-leave-organization on Environments and a policy of the file's own on production, applied; when
cobus imports, then the file he gets plans no change and says the same units, places and guardrails; when
someone edits the organization by hand, then drift names each edit and apply puts it back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.builders import organization_config
from tests.helpers import Org, rolegate

from rolegate.model.load import parse

pytestmark = pytest.mark.aws

GUARDRAILS = """\
guardrails:
  protect-rolegate: {attach: [root]}
  deny-leave-organization: {attach: [Environments]}
  no-bucket-deletes:
    type: service_control
    description: no deleting buckets but from the hub
    attach: [production]
    document:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          Action: s3:DeleteBucket
          Resource: "*"
          Condition: {StringNotEquals: {aws:PrincipalAccount: "${account:master}"}}
"""


def applied(org: Org, capsys: pytest.CaptureFixture[str]) -> str:
    config = str(org.write_config(organization_config(org.ids, GUARDRAILS)))
    done = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw"))
    assert done.code == 0, done.all
    return config


def policy_ids(organizations: Any) -> dict[str, str]:
    listed = organizations.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    return {p["Name"]: p["Id"] for p in listed}


def test_the_imported_file_says_the_same_organization_and_plans_no_change(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied(org, capsys)
    imported = org.workdir / "imported.yaml"

    done = rolegate(capsys, "-c", config, "import", "-o", str(imported))
    planned = rolegate(capsys, "-c", str(imported), "plan", "--json")

    assert done.code == 0, done.all
    mine, theirs = parse(Path(config).read_text()).config, parse(imported.read_text()).config
    assert theirs.organization.units == mine.organization.units
    assert {n: a.unit for n, a in theirs.accounts.items() if a.unit} == {
        "production": "Environments/Production",
        "development": "Environments/Development",
    }
    assert theirs.guardrails["protect-rolegate"].document is None  # switched on by name, as written
    assert theirs.guardrails["deny-leave-organization"].attach == ["Environments"]
    own = theirs.guardrails["no-bucket-deletes"]
    assert own.attach == ["production"] and own.description == "no deleting buckets but from the hub"
    assert "${account:master}" in json.dumps(own.document)
    assert planned.code == 0, planned.all
    plan = json.loads(planned.out)
    assert [c for c in plan["changes"] if c["account"] == "organization"] == []


def test_hand_edits_to_the_organization_are_drift_and_apply_puts_them_back(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied(org, capsys)
    organizations = org.client("organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    units = {
        u["Name"]: u["Id"]
        for u in organizations.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    }
    ids = policy_ids(organizations)
    development = org.ids["development"]
    parent = organizations.list_parents(ChildId=development)["Parents"][0]["Id"]
    organizations.move_account(AccountId=development, SourceParentId=parent, DestinationParentId=root)
    weaker = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "iam:TagRole", "Resource": "*"}],
    }
    organizations.update_policy(PolicyId=ids["protect-rolegate"], Content=json.dumps(weaker))
    organizations.detach_policy(PolicyId=ids["deny-leave-organization"], TargetId=units["Environments"])

    drift = rolegate(capsys, "-c", config, "drift", "--json")
    fixed = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw"))
    clean = rolegate(capsys, "-c", config, "drift", "--json")

    found = {(i["what"], i["address"], i["detail"]) for i in json.loads(drift.out)["drift"]}
    assert found == {
        ("changed", "organization/placement/development", "unit"),
        ("changed", "organization/guardrail/protect-rolegate", "document"),
        ("changed", "organization/guardrail/deny-leave-organization", "attachments"),
    }
    assert fixed.code == 0, fixed.all
    assert json.loads(clean.out)["drift"] == []
    back = organizations.list_parents(ChildId=development)["Parents"][0]["Id"]
    assert organizations.describe_organizational_unit(OrganizationalUnitId=back)["OrganizationalUnit"][
        "Name"
    ] == ("Development")


def test_a_hand_made_policy_with_a_built_in_s_name_but_another_document_is_left_out_and_said(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied(org, capsys)
    organizations = org.client("organizations")
    ids = policy_ids(organizations)
    organizations.update_policy(
        PolicyId=ids["protect-rolegate"],
        Content=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}
        ),
    )
    imported = org.workdir / "imported.yaml"

    done = rolegate(capsys, "-c", config, "import", "-o", str(imported))

    assert done.code == 0, done.all
    text = imported.read_text()
    assert "protect-rolegate: {" not in text and "control policy protect-rolegate: left unmanaged" in text
    assert parse(text).config.guardrails.keys() == {"deny-leave-organization", "no-bucket-deletes"}
