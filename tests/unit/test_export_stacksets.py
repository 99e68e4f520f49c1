"""The StackSet engine's decisions, without AWS: given what the organization and the StackSet look like, the
plan shows the StackSet's changes like direct ones, keeps the hub direct, and never touches a StackSet that
is not rolegate's. Also what moto cannot show: an update of the template (moto keeps the deployed stacks as
they were), removing instances from a unit (moto's DeleteStackInstances ignores DeploymentTargets), and
AutoDeployment (moto does not store it)."""

from __future__ import annotations

import json

from tests.builders import IDS, empty_snapshot, seed_config

from rolegate.export.cloudformation import spoke_template
from rolegate.export.stacksets import StackSetState, Targets, stackset_name, stackset_plan
from rolegate.model.load import parse
from rolegate.plan.changes import Plan
from rolegate.plan.compile import Desired, compile_config
from rolegate.plan.diff import diff

UNIT = "ou-ab12-cdefgh34"
NAME = stackset_name("demo")
TARGETS = Targets(
    (UNIT,),
    {IDS[a]: UNIT for a in ("development", "staging", "production")},
    management_account=IDS["master"],
)
OWNED = {"rolegate:owner": "demo"}
PARAMETERS = {"HubAccountId": IDS["master"]}


def desired(max_session: str = "1h") -> Desired:
    return compile_config(parse(seed_config(IDS, max_session=max_session)).config)


def deployed(want: Desired, **overrides: object) -> StackSetState:
    """The StackSet as rolegate left it: its template, tagged, an instance in every account of the unit."""
    values: dict[str, object] = {
        "name": NAME,
        "exists": True,
        "tags": OWNED,
        "template": spoke_template(want),
        "parameters": PARAMETERS,
        "permission_model": "SERVICE_MANAGED",
        "auto_deployment": True,
        "instances": tuple(sorted(TARGETS.accounts)),
    }
    values.update(overrides)
    return StackSetState(**values)  # type: ignore[arg-type]


def plan_for(want: Desired, state: StackSetState, targets: Targets = TARGETS) -> Plan:
    return stackset_plan(want, diff(want, empty_snapshot()), state, targets, "us-east-1", {})


def test_a_new_stackset_is_one_create_and_the_hub_stays_direct() -> None:
    plan = plan_for(desired(), StackSetState(NAME))

    kinds = [(c.account, c.action, c.kind) for c in plan.ordered()]
    assert ("master", "create", "stackset") in kinds
    assert not [k for k in kinds if k[2] == "role"], "the spoke roles are the StackSet's"
    assert ("master", "create", "user") in kinds and ("master", "create", "group") in kinds
    stackset = next(c for c in plan.changes if c.kind == "stackset")
    assert [c.operation for c in stackset.calls] == ["CreateStackSet", "CreateStackInstances"]
    assert {"Key": "rolegate:owner", "Value": "demo"} in stackset.calls[0].params["Tags"]
    assert "+ role administrator" in stackset.details
    assert f"+ instance in {IDS['staging']} (staging)" in stackset.details
    assert json.loads(stackset.calls[0].params["TemplateBody"]) == spoke_template(desired())


def test_a_stackset_as_the_file_says_plans_nothing_for_it() -> None:
    want = desired()
    plan = plan_for(want, deployed(want, auto_deployment=None))  # None: not reported, as moto does

    assert not [c for c in plan.changes if c.kind in ("stackset", "stack instances")]


def test_a_changed_file_updates_the_template_and_names_the_role() -> None:
    plan = plan_for(desired("4h"), deployed(desired("1h"), auto_deployment=False))

    update = next(c for c in plan.changes if c.kind == "stackset")
    assert update.action == "update"
    assert update.details[0] == "~ role administrator"
    assert "+ automatic deployment to accounts added to the units later" in update.details
    params = update.calls[0].params
    assert update.calls[0].operation == "UpdateStackSet"
    assert params["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert (
        json.loads(params["TemplateBody"])["Resources"]["RoleAdministrator"]["Properties"][
            "MaxSessionDuration"
        ]
        == 4 * 3600
    )


def test_an_account_gone_from_the_units_loses_its_instance_and_only_that_one() -> None:
    want = desired()
    gone = "555555555555"
    state = deployed(want, instances=(*TARGETS.accounts, gone, IDS["master"]))

    plan = plan_for(want, state)

    removal = next(c for c in plan.changes if c.kind == "stack instances")
    assert removal.action == "delete"
    params = removal.calls[0].params
    assert params["DeploymentTargets"]["Accounts"] == [gone]  # never the management account
    assert params["DeploymentTargets"]["AccountFilterType"] == "INTERSECTION"
    assert params["RetainStacks"] is False


def test_a_stackset_rolegate_does_not_own_is_a_conflict_and_left_alone() -> None:
    want = desired()
    plan = plan_for(want, deployed(want, tags={"team": "platform"}))

    assert [(c.kind, c.name) for c in plan.conflicts] == [("stackset", NAME)]
    assert "does not own it" in plan.conflicts[0].message
    assert not [c for c in plan.changes if c.kind in ("stackset", "stack instances")]


def test_a_role_where_a_new_instance_goes_is_a_conflict() -> None:
    want = desired()
    plan = stackset_plan(
        want,
        diff(want, empty_snapshot()),
        StackSetState(NAME),
        TARGETS,
        "us-east-1",
        {IDS["production"]: {"administrator", "hand-made"}},
    )

    assert [(c.account, c.kind, c.name) for c in plan.conflicts] == [("production", "role", "administrator")]
    assert "CloudFormation never takes over" in plan.conflicts[0].message


def test_spoke_accounts_right_under_the_root_are_a_conflict_not_a_stackset_for_the_whole_organization() -> (
    None
):
    """Given the spoke accounts right under the organization's root (no unit of their own), and a security
    account there too that rolegate.yaml does not name, when the StackSet engine plans, then it refuses with
    a conflict: a StackSet for the root would put the spoke roles into every account, today's and later."""
    root = "r-ab12"
    security = "999999999999"
    targets = Targets(
        (root,),
        {**{IDS[a]: root for a in ("development", "staging", "production")}, security: root},
        management_account=IDS["master"],
    )

    plan = plan_for(desired(), StackSetState(NAME), targets)

    assert [(c.kind, c.name) for c in plan.conflicts] == [("stackset", NAME)]
    assert "right under the organization's root" in plan.conflicts[0].message
    assert "1 not in rolegate.yaml" in plan.conflicts[0].message
    assert not [c for c in plan.changes if c.kind in ("stackset", "stack instances")]
