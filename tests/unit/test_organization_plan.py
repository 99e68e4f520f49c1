"""The organization's part of a plan, decided offline (plan/organization.py, plan/kinds/unit.py and
control_policy.py): given the seed with `Environments/{Development,Production}` units and guardrails, and an
organization as Organizations would describe it, what rolegate plans, and what it never touches."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from tests.builders import IDS, as_aws_has_it, organization_config, rehashed, seed_config

from rolegate.errors import ConfigError
from rolegate.model import naming
from rolegate.model.guardrails import BUILT_IN, Facts
from rolegate.model.load import parse
from rolegate.plan.changes import Plan
from rolegate.plan.compile import compile_config
from rolegate.plan.diff import diff
from rolegate.plan.saved import SavedPlan, dumps, loads
from rolegate.state.snapshot import ControlPolicy, OrganizationalUnit, OrganizationState

ROOT = "r-root"
OWNER = {naming.OWNER_TAG: "demo"}
FULL_AWS_ACCESS = ControlPolicy(
    "p-FullAWSAccess",
    "FullAWSAccess",
    "SERVICE_CONTROL_POLICY",
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    aws_managed=True,
    targets=[ROOT],
)

ORGANIZATION = """\
  units:
    Environments:
      Development: {}
      Production: {}
"""
GUARDRAILS = """\
guardrails:
  protect-rolegate: {attach: [root]}
  deny-leave-organization: {attach: [Environments]}
  no-bucket-deletes:
    type: service_control
    attach: [production]
    document:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          Action: s3:DeleteBucket
          Resource: "*"
          Condition: {StringNotEquals: {aws:PrincipalAccount: "${account:master}"}}
"""


def config_text(units: str = ORGANIZATION, guardrails: str = GUARDRAILS) -> str:
    return organization_config(IDS, guardrails, units)


def new_organization() -> OrganizationState:
    """A fresh organization: every account under the root, SCPs on (FullAWSAccess), nothing of rolegate's."""
    return OrganizationState(
        "o-a1b2c3d4e5",
        IDS["master"],
        ROOT,
        ["SERVICE_CONTROL_POLICY"],
        parents={account_id: ROOT for account_id in IDS.values()},
        policies={"FullAWSAccess": FULL_AWS_ACCESS},
    )


def planned(text: str, organization: OrganizationState) -> Plan:
    desired = compile_config(parse(text).config)
    snapshot = as_aws_has_it(desired)
    snapshot.organization = organization
    return diff(desired, snapshot)


def org_changes(plan: Plan) -> dict[str, str]:
    return {f"{c.kind}/{c.name}": c.action for c in plan.changes if c.account == "organization"}


def as_applied(text: str) -> OrganizationState:
    """The organization after a perfect apply of `text`, as Organizations would describe it."""
    config = parse(text).config
    desired = compile_config(config)
    state = new_organization()
    state.policy_types = ["RESOURCE_CONTROL_POLICY", "SERVICE_CONTROL_POLICY"]
    for i, unit in enumerate(desired.organization.units.values()):
        parent = ROOT if unit.parent == "root" else state.units[unit.parent].id
        state.units[unit.path] = OrganizationalUnit(f"ou-{i}", unit.path, parent, dict(OWNER))
    for account_id, path in desired.organization.placements.values():
        state.parents[account_id] = state.units[path].id
    for name, policy in desired.organization.policies.items():
        ids = {"root": ROOT} | {p: u.id for p, u in state.units.items()}
        targets = [t.account_id if t.kind == "account" else ids[t.name] for t in policy.targets]
        state.policies[name] = ControlPolicy(
            f"p-{name}", name, policy.type, json.loads(json.dumps(policy.document)),
            f"{policy.description} Managed by rolegate: edit rolegate.yaml, not this".strip()[:512],
            tags=dict(OWNER), targets=sorted(targets),
        )  # fmt: skip
    return state


def test_given_a_fresh_organization_when_cobus_plans_then_units_come_parents_first_and_accounts_move_in() -> (
    None
):
    plan = planned(config_text(), new_organization())

    ordered = [f"{c.kind}/{c.name}" for c in plan.ordered() if c.account == "organization"]
    assert ordered[:3] == [
        "unit/Environments",
        "unit/Environments/Development",
        "unit/Environments/Production",
    ]
    assert org_changes(plan) == {
        "unit/Environments": "create",
        "unit/Environments/Development": "create",
        "unit/Environments/Production": "create",
        "placement/production": "update",
        "placement/development": "update",
        "guardrail/protect-rolegate": "create",
        "guardrail/deny-leave-organization": "create",
        "guardrail/no-bucket-deletes": "create",
    }
    assert plan.accounts["organization"] == IDS["master"]
    assert all(
        call.service == "organizations"
        for c in plan.changes
        if c.account == "organization"
        for call in c.calls
    )
    # A unit made in the same apply is named by reference; apply resolves it (plan/references.py).
    child = next(c for c in plan.changes if c.name == "Environments/Production")
    assert child.calls[0].params["ParentId"] == "<unit Environments>"
    move = next(c for c in plan.changes if c.kind == "placement" and c.name == "production").calls[0]
    assert move.params == {
        "AccountId": IDS["production"],
        "SourceParentId": ROOT,
        "DestinationParentId": "<unit Environments/Production>",
    }


def test_the_file_own_document_names_accounts_by_their_ids_and_the_plan_shows_its_size() -> None:
    plan = planned(config_text(), new_organization())
    created = next(c for c in plan.changes if c.name == "no-bucket-deletes")
    content = json.loads(created.calls[0].params["Content"])
    assert content["Statement"][0]["Condition"]["StringNotEquals"]["aws:PrincipalAccount"] == IDS["master"]
    assert created.details[0].startswith("+ document: 1 statement, ")
    assert "of 5,120 characters" in created.details[0]
    assert created.calls[1].params == {
        "PolicyId": "<policy no-bucket-deletes>",
        "TargetId": IDS["production"],
    }


def test_a_resource_control_guardrail_enables_its_type_first() -> None:
    text = config_text(guardrails="guardrails:\n  deny-outside-org: {attach: [Environments/Production]}\n")
    plan = planned(text, new_organization())
    first = plan.ordered()[0]
    assert (first.kind, first.name, first.calls[0].operation) == (
        "policy type", "RESOURCE_CONTROL_POLICY", "EnablePolicyType"
    )  # fmt: skip
    rcp = next(c for c in plan.changes if c.name == "deny-outside-org")
    # The organization's id, known once Organizations is read, replaces ${organization:id}.
    assert "o-a1b2c3d4e5" in rcp.calls[0].params["Content"] and "${" not in rcp.calls[0].params["Content"]


def test_after_a_perfect_apply_the_plan_is_empty() -> None:
    text = config_text()
    plan = planned(text, as_applied(text))
    assert org_changes(plan) == {}
    assert plan.conflicts == [] and "organization" not in plan.unmanaged


def test_aws_own_full_access_is_never_touched_whatever_the_file_says() -> None:
    deny_all = "{Version: '2012-10-17', Statement: [{Effect: Deny, Action: '*', Resource: '*'}]}"
    text = config_text(
        guardrails="guardrails:\n  FullAWSAccess:\n    type: service_control\n    attach: [root]\n"
        f"    document: {deny_all}\n"
    )
    plan = planned(text, as_applied(config_text(guardrails="")))
    assert "guardrail/FullAWSAccess" not in org_changes(plan)
    assert [(c.kind, c.name) for c in plan.conflicts] == [("guardrail", "FullAWSAccess")]
    assert "AWS's own policy" in plan.conflicts[0].message


def test_a_hand_made_policy_of_the_same_name_is_a_conflict_until_the_file_allows_adoption() -> None:
    text = config_text()
    organization = as_applied(text)
    organization.policies["protect-rolegate"].tags = {}  # made by hand, in the console
    plan = planned(text, organization)
    assert [(c.kind, c.name) for c in plan.conflicts] == [("guardrail", "protect-rolegate")]
    assert "untag-resource" not in plan.conflicts[0].hint  # not a forged mark: a hand-made one

    adopted = planned(text.replace("  name: demo\n", "  name: demo\n  adopt: true\n"), organization)
    change = next(c for c in adopted.changes if c.name == "protect-rolegate")
    assert change.action == "adopt" and change.calls[0].operation == "TagResource"


def test_a_hand_edited_guardrail_is_put_back_and_only_known_targets_are_detached() -> None:
    text = config_text()
    organization = as_applied(text)
    policy = organization.policies["deny-leave-organization"]
    policy.document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    policy.targets = [*policy.targets, ROOT, "ou-not-the-files"]
    plan = planned(text, organization)
    change = next(c for c in plan.changes if c.name == "deny-leave-organization")
    assert change.action == "update"
    assert [c.operation for c in change.calls] == ["UpdatePolicy", "DetachPolicy"]
    assert change.calls[1].params == {"PolicyId": "p-deny-leave-organization", "TargetId": ROOT}
    assert "- attached to root" in change.details


def test_units_and_guardrails_that_are_not_rolegate_s_are_unmanaged_and_left_alone() -> None:
    text = config_text()
    organization = as_applied(text)
    organization.units["Sandbox"] = OrganizationalUnit("ou-sandbox", "Sandbox", ROOT, {})
    organization.policies["their-scp"] = ControlPolicy("p-theirs", "their-scp", "SERVICE_CONTROL_POLICY", {})
    plan = planned(text, organization)
    assert org_changes(plan) == {}
    assert plan.unmanaged["organization"] == {"units": ["Sandbox"], "guardrails": ["their-scp"]}


def test_a_dropped_unit_is_deleted_only_once_it_is_empty() -> None:
    text = config_text()
    organization = as_applied(text)
    # Development leaves the file; development (the account) is still placed there by the file.
    dropped = text.replace("      Development: {}\n", "").replace("    unit: Environments/Development\n", "")
    plan = planned(dropped, organization)
    assert "unit/Environments/Development" not in org_changes(plan)
    assert [(c.kind, c.name) for c in plan.conflicts] == [("unit", "Environments/Development")]
    assert "account development" in plan.conflicts[0].message

    # Placed elsewhere by the file: moved out first, then the unit goes.
    moved = dropped.replace(f'  development:\n    id: "{IDS["development"]}"\n',
                            f'  development:\n    id: "{IDS["development"]}"\n    unit: root\n')  # fmt: skip
    plan = planned(moved, organization)
    assert org_changes(plan) == {"placement/development": "update", "unit/Environments/Development": "delete"}
    kinds = [c.kind for c in plan.ordered() if c.account == "organization"]
    assert kinds.index("placement") < kinds.index("unit")


def test_a_dropped_guardrail_is_detached_everywhere_then_deleted() -> None:
    text = config_text()
    plan = planned(
        config_text(guardrails="guardrails:\n  protect-rolegate: {attach: [root]}\n"), as_applied(text)
    )
    gone = {c.name: c for c in plan.changes if c.action == "delete"}
    assert set(gone) == {"deny-leave-organization", "no-bucket-deletes"}
    assert [c.operation for c in gone["no-bucket-deletes"].calls] == ["DetachPolicy", "DeletePolicy"]


def test_a_file_without_units_or_guardrails_asks_nothing_of_the_organization() -> None:
    desired = compile_config(parse(seed_config(IDS)).config)
    snapshot = as_aws_has_it(desired)
    snapshot.organization = new_organization()
    plan = diff(desired, snapshot)
    assert org_changes(plan) == {} and "organization" not in plan.accounts


def test_a_saved_plan_keeps_the_organization_s_calls_and_refuses_one_sent_elsewhere() -> None:
    from rolegate.plan.saved import Basis

    plan = planned(config_text(), new_organization())
    basis = Basis("0" * 64, {}, "test", "now", "direct")
    again = loads(dumps(SavedPlan(plan, basis)).encode(), "plan.json")
    assert [c.calls for c in again.plan.changes] == [c.calls for c in plan.ordered()]
    tampered = json.loads(dumps(SavedPlan(plan, basis)))
    for change in tampered["plan"]["changes"]:
        if change["kind"] == "unit":
            change["calls"][0].pop("service")  # as if an IAM call: refused
    from rolegate.errors import LocalFileError

    with pytest.raises(LocalFileError, match="calls organizations"):
        loads(rehashed(tampered), "plan.json")


def test_a_built_in_guardrail_keeps_the_hub_operator_able_to_apply() -> None:
    """protect-rolegate as planned is BUILT_IN's document for this file (its evaluator tests are in
    test_guardrails.py): planned as reviewed, nothing added."""
    plan = planned(config_text(), new_organization())
    content = json.loads(
        next(c for c in plan.changes if c.name == "protect-rolegate").calls[0].params["Content"]
    )
    facts = Facts("demo", "OrganizationAccountAccessRole", ("us-west-2",), "${organization:id}")
    assert content == BUILT_IN["protect-rolegate"].document(facts)


@pytest.mark.parametrize(
    ("guardrails", "message"),
    [
        ("  protect-rolegate: {attach: [nowhere]}\n", "is not root, a unit or an account"),
        ("  protect-rolegate: {attach: [root], type: resource_control}\n", "is a service_control policy"),
        ("  mine: {attach: [root]}\n", "not a guardrail rolegate ships"),
        ("  mine: {attach: [root], type: service_control, document_file: none.json}\n", "no such file"),
        (
            "  deny-root-user: {attach: [root], regions: [eu-west-1]}\n",
            "only region-allow-list takes regions",
        ),
        ("  'bad name': {attach: [root]}\n", "guardrail name"),
    ],
)
def test_a_guardrail_that_points_nowhere_is_refused_at_its_line(guardrails: str, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse(config_text(guardrails="guardrails:\n" + guardrails), "rolegate.yaml")
    assert message in str(refused.value)


def test_an_account_placed_in_an_unknown_unit_is_refused_with_the_known_ones() -> None:
    text = config_text().replace("unit: Environments/Production", "unit: Environments/Prod")
    with pytest.raises(ConfigError) as refused:
        parse(text)
    (found,) = refused.value.diagnostics
    assert (found.path, found.message) == ("accounts.production.unit", "unknown unit 'Environments/Prod'")
    assert found.hint is not None and "Environments/Production" in found.hint


def test_replace_keeps_desired_organization() -> None:
    desired = compile_config(parse(config_text()).config)
    assert replace(desired, adopt_names=frozenset({"x"})).organization == desired.organization


def test_centralized_root_access_is_planned_in_the_organization_and_only_ever_enabled() -> None:
    text = config_text().replace("  name: demo\n", "  name: demo\n  root_access: centralized\n")
    organization = as_applied(config_text())
    organization.root_features, organization.iam_trusted_access = [], False
    change = next(c for c in planned(text, organization).changes if c.kind == "root access")
    assert [(c.service, c.operation) for c in change.calls] == [
        ("organizations", "EnableAWSServiceAccess"),
        ("iam", "EnableOrganizationsRootCredentialsManagement"),
        ("iam", "EnableOrganizationsRootSessions"),
    ]
    organization.root_features = ["RootCredentialsManagement", "RootSessions"]
    organization.iam_trusted_access = True
    assert not [c for c in planned(text, organization).changes if c.kind == "root access"]
    # A file that does not name it leaves it as it is: no disable, whatever is on.
    assert not [c for c in planned(config_text(), organization).changes if c.kind == "root access"]


def test_a_lockdown_by_control_policy_is_shown_and_never_undone_by_apply() -> None:
    """`rolegate lockdown --method scp production` made a policy tagged rolegate's: the plan must not read it
    as a guardrail the file dropped (it would delete the lockdown); it shows production as locked."""
    text = config_text()
    organization = as_applied(text)
    organization.policies["rolegate-lockdown-444444444444-scp"] = ControlPolicy(
        "p-lock", "rolegate-lockdown-444444444444-scp", "SERVICE_CONTROL_POLICY", {},
        tags={**OWNER, "rolegate:lockdown": IDS["production"]}, targets=[IDS["production"]],
    )  # fmt: skip
    plan = planned(text, organization)
    assert org_changes(plan) == {}
    assert "organization" not in plan.unmanaged
    assert plan.locked["production"] == [
        "locked by rolegate-lockdown-444444444444-scp (rolegate restore production)"
    ]


def test_a_dropped_tree_of_units_goes_children_first() -> None:
    text = config_text()
    bare = config_text(units="").replace("    unit: Environments/Production\n", "")
    bare = bare.replace("    unit: Environments/Development\n", "").replace(
        "  deny-leave-organization: {attach: [Environments]}\n", ""
    )
    organization = as_applied(text)
    for account_id in IDS.values():
        organization.parents[account_id] = ROOT  # moved out by hand already
    plan = planned(bare, organization)
    gone = [c.name for c in plan.ordered() if c.kind == "unit"]
    assert gone[-1] == "Environments" and set(gone) == {
        "Environments",
        "Environments/Development",
        "Environments/Production",
    }
    assert plan.conflicts == []
