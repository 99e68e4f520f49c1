"""A role's permissions boundary on the moto server: given the seed's file whose administrator is bounded by
PowerUserAccess, when cobus applies it, then every spoke's administrator has that boundary, a second plan is
empty; when someone swaps the boundary in the console, drift names it and apply puts it back; and import
writes it into the file it makes."""

from __future__ import annotations

import pytest
from tests.builders import seed_config
from tests.helpers import Org, rolegate

pytestmark = pytest.mark.aws

POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def bounded(org: Org) -> str:
    return seed_config(org.ids).replace(
        "    max_session: 1h\n", "    max_session: 1h\n    permissions_boundary: PowerUserAccess\n", 1
    )


def boundary(org: Org, account: str) -> str | None:
    role = org.client("iam", account).get_role(RoleName="administrator")["Role"]
    found: str | None = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return found


def test_cobus_bounds_the_administrator_and_a_hand_swapped_boundary_is_drift_that_apply_undoes(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(org.write_config(bounded(org)))
    applied = rolegate(capsys, "-c", path, "apply", "--yes", "--password-out", str(org.workdir / "pw"))
    assert applied.code == 0, applied.all
    assert {boundary(org, a) for a in ("development", "staging", "production")} == {POWER_USER}
    again = rolegate(capsys, "-c", path, "plan", "--detailed-exitcode")
    assert again.code == 0, again.all

    org.client("iam", "production").put_role_permissions_boundary(
        RoleName="administrator", PermissionsBoundary=READ_ONLY
    )
    drifted = rolegate(capsys, "-c", path, "drift", "--detailed-exitcode")
    fixed = rolegate(capsys, "-c", path, "apply", "--yes")

    assert drifted.code == 2, drifted.all
    assert any(
        line.split()[:2] == ["changed", "production/role/administrator"] and "permissions boundary" in line
        for line in drifted.out.splitlines()
    ), drifted.out
    assert fixed.code == 0, fixed.all
    assert boundary(org, "production") == POWER_USER
    assert rolegate(capsys, "-c", path, "plan", "--detailed-exitcode").code == 0


def test_import_keeps_the_boundary_of_a_hand_made_role(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(org.write_config(bounded(org)))
    assert rolegate(capsys, "-c", path, "apply", "--yes", "--password-out", str(org.workdir / "pw")).code == 0
    imported = org.workdir / "imported.yaml"

    made = rolegate(capsys, "import", "-o", str(imported))

    assert made.code == 0, made.all
    assert "permissions_boundary: PowerUserAccess" in imported.read_text(encoding="utf-8")
    replanned = rolegate(capsys, "-c", str(imported), "plan", "--json")
    assert replanned.code == 0, replanned.all
    assert '"PutRolePermissionsBoundary"' not in replanned.out
