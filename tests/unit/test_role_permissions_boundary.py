"""A role's `permissions_boundary`, the field docs/adding-a-kind.md walks through: given a file that bounds
the spoke administrator by PowerUserAccess, then compile, plan, drift, both exports, validate and import all
know it, from the role kind alone (plan/kinds/role.py) and the one line of schema."""

from __future__ import annotations

from dataclasses import replace

from tests.builders import IDS, as_aws_has_it, seed_config

from rolegate.adopt.drift import drift_items
from rolegate.adopt.importer import AccountInfo, Source, import_config
from rolegate.export.cloudformation import spoke_template
from rolegate.export.terraform import terraform_files
from rolegate.model.load import parse
from rolegate.model.managed_policies import validate_issues
from rolegate.plan.compile import compile_config
from rolegate.plan.diff import diff

POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def bounded(boundary: str = "PowerUserAccess") -> str:
    return seed_config(IDS).replace(
        "    max_session: 1h\n", f"    max_session: 1h\n    permissions_boundary: {boundary}\n", 1
    )


def test_a_bounded_role_is_created_with_its_boundary_and_says_so() -> None:
    desired = compile_config(parse(bounded()).config)
    role = desired.accounts["production"].roles["administrator"]
    assert role.permissions_boundary == POWER_USER

    unbounded = as_aws_has_it(desired)  # rolegate's roles, made before the file named a boundary
    updates = diff(desired, unbounded).changes
    assert [c.address for c in updates] == [
        f"{a}/role/administrator" for a in ("development", "staging", "production")
    ]
    assert {c.details for c in updates} == {("permissions boundary: (none) → PowerUserAccess",)}
    for state in unbounded.accounts.values():
        for name, have in state.roles.items():
            state.roles[name] = replace(have, permissions_boundary=POWER_USER)
    assert diff(desired, unbounded).empty

    fresh = as_aws_has_it(compile_config(parse(bounded()).config))
    for state in fresh.accounts.values():
        state.roles.clear()
    created = [c for c in diff(desired, fresh).changes if c.kind == "role"]
    assert {c.calls[0].params["PermissionsBoundary"] for c in created} == {POWER_USER}
    assert created[0].summary == "AdministratorAccess, MFA, 1h, bounded by PowerUserAccess"


def test_a_boundary_changed_by_hand_is_put_back_and_drift_names_it() -> None:
    desired = compile_config(parse(bounded()).config)
    snapshot = as_aws_has_it(desired)
    for state in snapshot.accounts.values():
        for name, role in state.roles.items():
            state.roles[name] = replace(role, permissions_boundary=POWER_USER)
    production = snapshot.accounts["production"]
    production.roles["administrator"] = replace(
        production.roles["administrator"], permissions_boundary=READ_ONLY
    )

    plan = diff(desired, snapshot)

    (change,) = plan.changes
    assert change.address == "production/role/administrator"
    assert [c.operation for c in change.calls] == ["PutRolePermissionsBoundary"]
    assert change.calls[0].params == {"RoleName": "administrator", "PermissionsBoundary": POWER_USER}
    assert change.details == ("permissions boundary: ReadOnlyAccess → PowerUserAccess",)
    (item,) = drift_items(plan, bootstrap_role="OrganizationAccountAccessRole")
    assert (item.what, item.detail) == ("changed", "permissions boundary")


def test_without_the_field_a_boundary_set_by_hand_is_left_alone() -> None:
    desired = compile_config(parse(seed_config(IDS)).config)
    snapshot = as_aws_has_it(desired)
    role = snapshot.accounts["production"].roles["administrator"]
    snapshot.accounts["production"].roles["administrator"] = replace(role, permissions_boundary=READ_ONLY)

    assert diff(desired, snapshot).empty


def test_both_exports_carry_the_boundary() -> None:
    desired = compile_config(parse(bounded()).config)

    (role,) = spoke_template(desired)["Resources"].values()
    assert role["Properties"]["PermissionsBoundary"] == POWER_USER
    files = terraform_files(desired, None, "us-east-1").files
    bodies = [
        body
        for name, f in files.items()
        if name != "main.tf.json"
        for body in f.get("resource", {}).get("aws_iam_role", {}).values()
    ]
    assert {b["permissions_boundary"] for b in bodies} == {POWER_USER}


def test_validate_warns_of_a_boundary_aws_does_not_have_where_it_is_named() -> None:
    config = parse(bounded("PowerUserAcess")).config

    (issue,) = validate_issues(config)

    assert issue.loc == ("roles", "administrator", "permissions_boundary")
    assert "PowerUserAccess" in issue.hint


def test_import_writes_the_boundary_a_hand_made_role_has() -> None:
    desired = compile_config(parse(bounded()).config)
    snapshot = as_aws_has_it(desired)
    for state in snapshot.accounts.values():
        for name, role in state.roles.items():
            state.roles[name] = replace(role, tags={}, permissions_boundary=POWER_USER)
    accounts = [AccountInfo(name, account_id) for name, account_id in IDS.items()]
    source = Source("demo", "master", "us-east-1", "OrganizationAccountAccessRole", accounts, snapshot)

    text = import_config(source).text

    assert "    permissions_boundary: PowerUserAccess\n" in text
    assert (
        compile_config(parse(text).config).accounts["production"].roles["administrator"].permissions_boundary
        == POWER_USER
    )
