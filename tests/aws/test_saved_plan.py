"""Saved plans, -target and the mass-delete guard against a moto server, as cobus types them.

Given the seed's organization, when cobus saves a plan (`rolegate plan -out FILE`) and applies it
(`rolegate apply FILE`), then exactly its changes are made; when someone edits a role in between, or the file
is edited or crafted, or it is of another rolegate.yaml, apply refuses and changes nothing. `-target` plans
and applies only the named changes; a plan that deletes every role of an account is refused without
`--allow-mass-delete`; and after `rolegate import`, apply asks for `--password-out` only when a first
password will really be issued.

Against the pre-change commit e6533b3 every test here fails (no -out, no PLAN_FILE, no -target, no
--allow-mass-delete; after import apply asked for --password-out), but the last: a new console user with
no terminal still needs --password-out, then as now.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from tests.builders import seed_config
from tests.helpers import Org, rolegate

from rolegate.plan import saved

pytestmark = pytest.mark.aws


def _rehash(path: Path, data: dict[str, Any]) -> None:
    """What someone who knows the format does: edit the plan and write a matching sha256."""
    body = {"planned": data["planned"], "plan": data["plan"]}
    data["sha256"] = saved.sha256_text(json.dumps(body, sort_keys=True, separators=(",", ":")))
    path.write_text(json.dumps(data), encoding="utf-8")


def _roles(org: Org, account: str) -> list[str]:
    return sorted(r["RoleName"] for r in org.client("iam", account).list_roles()["Roles"])


def test_a_saved_plan_is_written_0600_and_apply_runs_exactly_it(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))
    plan_file = org.workdir / "tonight.plan"

    planned = rolegate(capsys, "-c", config, "plan", "-out", str(plan_file))
    written = json.loads(plan_file.read_text())
    # No --yes and no terminal: a saved plan was reviewed when it was made, as Terraform's apply FILE.
    applied = rolegate(
        capsys, "-c", config, "apply", str(plan_file), "--password-out", str(org.workdir / "pw")
    )
    again = rolegate(capsys, "-c", config, "plan", "--detailed-exitcode")
    twice = rolegate(capsys, "-c", config, "apply", str(plan_file))

    assert planned.code == 0, planned.all
    assert f"rolegate apply {plan_file}" in planned.out
    assert stat.S_IMODE(os.stat(plan_file).st_mode) == 0o600
    assert written["format"] == "rolegate saved plan"
    assert written["planned"]["config_sha256"] == saved.sha256_text(Path(config).read_text())
    assert set(written["planned"]["accounts"]) == {"master", "development", "staging", "production"}
    n = len(written["plan"]["changes"])
    assert applied.code == 0, applied.all
    assert "Saved plan of" in applied.out
    assert f"Applied {n} changes" in applied.out
    assert again.code == 0 and "No changes." in again.out, again.all
    assert twice.code == 1 and "is stale" in twice.err and "a plan applied once is stale after" in twice.err


def test_a_saved_plan_is_refused_when_someone_edits_a_role_between_plan_and_apply(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = org.write_config(seed_config(org.ids))
    assert (
        rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(org.workdir / "pw")).code
        == 0
    )
    config.write_text(seed_config(org.ids, max_session="2h"))
    plan_file = org.workdir / "longer.plan"
    assert rolegate(capsys, "-c", str(config), "plan", "-out", str(plan_file)).code == 0
    prod = org.client("iam", "production")
    prod.tag_role(RoleName="administrator", Tags=[{"Key": "owner-note", "Value": "edited by hand"}])

    applied = rolegate(capsys, "-c", str(config), "apply", str(plan_file), "--yes")

    assert applied.code == 1, applied.all
    assert "is stale" in applied.err
    assert f"production ({org.ids['production']}): role administrator changed" in applied.err
    assert "development" not in applied.err.split("is stale")[1].split("; nothing")[0]
    assert prod.get_role(RoleName="administrator")["Role"]["MaxSessionDuration"] == 3600  # nothing changed


def test_a_hand_made_role_elsewhere_or_a_role_being_used_does_not_make_the_plan_stale(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))
    plan_file = org.workdir / "p.plan"
    assert rolegate(capsys, "-c", config, "plan", "-out", str(plan_file)).code == 0
    dev = org.client("iam", "development")
    dev.create_role(
        RoleName="someone-elses",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )

    # No --yes and no terminal: a saved plan was reviewed when it was made, as Terraform's apply FILE.
    applied = rolegate(
        capsys, "-c", config, "apply", str(plan_file), "--password-out", str(org.workdir / "pw")
    )

    assert applied.code == 0, applied.all
    assert "administrator" in _roles(org, "development")


def test_a_plan_of_another_rolegate_yaml_or_edited_after_saving_is_refused_before_any_change(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = org.write_config(seed_config(org.ids))
    other = org.write_config(seed_config(org.ids, max_session="4h"), name="other.yaml")
    plan_file = org.workdir / "p.plan"
    assert rolegate(capsys, "-c", str(config), "plan", "-out", str(plan_file)).code == 0
    data = json.loads(plan_file.read_text())

    foreign = rolegate(capsys, "-c", str(other), "apply", str(plan_file), "--yes")
    data["plan"]["changes"][0]["name"] = "mallory"
    plan_file.write_text(json.dumps(data))
    edited = rolegate(capsys, "-c", str(config), "apply", str(plan_file), "--yes")

    assert foreign.code == 1 and "planned against another rolegate.yaml" in foreign.err, foreign.all
    assert edited.code == 1 and "edited since `rolegate plan -out` wrote it" in edited.err, edited.all
    assert _roles(org, "production") == ["OrganizationAccountAccessRole"]


def test_a_crafted_plan_with_a_recomputed_hash_is_refused_call_or_parameters(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))
    plan_file = org.workdir / "p.plan"
    assert rolegate(capsys, "-c", config, "plan", "-out", str(plan_file)).code == 0
    original = json.loads(plan_file.read_text())
    role = next(i for i, c in enumerate(original["plan"]["changes"]) if c["kind"] == "role")

    # An operation no role change makes: an access key for someone.
    crafted = json.loads(json.dumps(original))
    crafted["plan"]["changes"][role]["calls"].append(
        {"operation": "CreateAccessKey", "params": {"UserName": "cobus"}}
    )
    _rehash(plan_file, crafted)
    by_call = rolegate(capsys, "-c", config, "apply", str(plan_file), "--yes")
    # A call a role change makes, with a trust policy that lets another account in.
    crafted = json.loads(json.dumps(original))
    create = crafted["plan"]["changes"][role]["calls"][0]
    assert create["operation"] == "CreateRole"
    create["params"]["AssumeRolePolicyDocument"] = create["params"]["AssumeRolePolicyDocument"].replace(
        org.hub_id, "666666666666"
    )
    _rehash(plan_file, crafted)
    by_params = rolegate(capsys, "-c", config, "apply", str(plan_file), "--yes")

    assert by_call.code == 1 and "'CreateAccessKey' is not an operation a role change makes" in by_call.err
    assert by_params.code == 1, by_params.all
    assert "its changes are not what rolegate plans" in by_params.err
    assert f"{original['plan']['changes'][role]['account']}/role/administrator" in by_params.err
    for account in ("development", "staging", "production"):
        assert _roles(org, account) == ["OrganizationAccountAccessRole"]
    assert org.client("iam").list_users()["Users"] == []


def test_target_plans_and_applies_only_the_named_changes(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))

    planned = rolegate(capsys, "-c", config, "plan", "-target", "production")
    applied = rolegate(capsys, "-c", config, "apply", "--yes", "-target", "staging/role/administrator")
    typo = rolegate(capsys, "-c", config, "plan", "-target", "prodution")
    bad_kind = rolegate(capsys, "-c", config, "plan", "-target", "production/bucket/x")

    assert planned.code == 0, planned.all
    assert "Targeted plan: only the changes of production" in planned.out
    assert "Plan: 1 to create, 0 to change, 0 to delete." in planned.out
    assert applied.code == 0, applied.all
    assert _roles(org, "staging") == ["OrganizationAccountAccessRole", "administrator"]
    assert _roles(org, "production") == ["OrganizationAccountAccessRole"]
    assert org.client("iam").list_users()["Users"] == []
    assert typo.code == 1 and "did you mean 'production'?" in typo.err
    assert bad_kind.code == 1 and "KIND is one of role, policy, group, user, account" in bad_kind.err


def test_a_targeted_saved_plan_keeps_its_targets_and_refuses_new_ones(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))
    plan_file = org.workdir / "prod.plan"
    assert rolegate(capsys, "-c", config, "plan", "-out", str(plan_file), "-target", "production").code == 0
    # Another account changes: the targeted plan does not depend on it.
    org.client("iam", "development").create_role(
        RoleName="administrator",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )

    retargeted = rolegate(capsys, "-c", config, "apply", str(plan_file), "-target", "staging", "--yes")
    applied = rolegate(capsys, "-c", config, "apply", str(plan_file), "--yes")

    assert retargeted.code == 1 and "-target cannot change a saved plan" in retargeted.err
    assert applied.code == 0, applied.all
    assert _roles(org, "production") == ["OrganizationAccountAccessRole", "administrator"]
    assert _roles(org, "staging") == ["OrganizationAccountAccessRole"]


def test_a_plan_deleting_every_role_of_an_account_needs_allow_mass_delete(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = org.write_config(seed_config(org.ids))
    assert (
        rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(org.workdir / "pw")).code
        == 0
    )
    config.write_text(
        seed_config(org.ids)
        .replace("accounts: [development, staging, production]", "accounts: [development, staging]")
        .replace("administrator: [staging, production]", "administrator: [staging]")
    )

    planned = rolegate(capsys, "-c", str(config), "plan")
    refused = rolegate(capsys, "-c", str(config), "apply", "--yes")
    allowed = rolegate(capsys, "-c", str(config), "apply", "--yes", "--allow-mass-delete")

    assert "Warning: it deletes every role rolegate made in production" in planned.out, planned.all
    assert "--allow-mass-delete" in planned.out
    assert refused.code == 1, refused.all
    assert (
        "apply refused: it deletes every role rolegate made in production; nothing was changed" in refused.err
    )
    assert allowed.code == 0, allowed.all
    assert _roles(org, "production") == ["OrganizationAccountAccessRole"]


def test_after_import_apply_does_not_ask_for_password_out_when_no_password_is_issued(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers import click_the_seed_together

    click_the_seed_together(org)  # cobus has a hand-made password
    path = str(org.workdir / "rolegate.yaml")
    assert rolegate(capsys, "import", "-o", path).code == 0

    applied = rolegate(capsys, "-c", path, "apply", "--yes")  # stdout is no terminal, no --password-out

    assert applied.code == 0, applied.all
    assert "--password-out" not in applied.all


def test_a_new_console_user_still_needs_password_out_without_a_terminal(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(org.write_config(seed_config(org.ids)))

    applied = rolegate(capsys, "-c", config, "apply", "--yes")

    assert applied.code == 1
    assert "pass --password-out FILE" in applied.err
    assert org.client("iam").list_users()["Users"] == []


def test_a_saved_plan_that_takes_everything_away_applies_with_allow_mass_delete(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = org.write_config(seed_config(org.ids))
    assert (
        rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(org.workdir / "pw")).code
        == 0
    )
    text = seed_config(org.ids)
    config.write_text(text[: text.index("roles:\n")])  # every role, group and user taken out of the file
    plan_file = org.workdir / "nothing.plan"

    planned = rolegate(capsys, "-c", str(config), "plan", "-out", str(plan_file))
    written = json.loads(plan_file.read_text())
    refused = rolegate(capsys, "-c", str(config), "apply", str(plan_file))
    applied = rolegate(capsys, "-c", str(config), "apply", str(plan_file), "--allow-mass-delete")

    operations = {call["operation"] for c in written["plan"]["changes"] for call in c["calls"]}
    assert planned.code == 0, planned.all
    assert {"DeleteRole", "DeleteUser", "DeletePolicy", "DeleteGroup", "DeleteLoginProfile"} <= operations
    assert refused.code == 1 and "every role rolegate made in development" in refused.err, refused.all
    assert applied.code == 0, applied.all
    assert org.client("iam").list_users()["Users"] == []
    for account in ("development", "staging", "production"):
        assert _roles(org, account) == ["OrganizationAccountAccessRole"]


def test_a_plan_with_a_conflict_is_not_saved(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    org.client("iam", "production").create_role(
        RoleName="administrator",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        Tags=[{"Key": "rolegate:owner", "Value": "demo"}],
    )
    config = str(org.write_config(seed_config(org.ids)))
    plan_file = org.workdir / "p.plan"

    planned = rolegate(capsys, "-c", config, "plan", "-out", str(plan_file))

    assert planned.code == 1, planned.all
    assert "conflict, which apply refuses; no plan was written" in planned.err
    assert not plan_file.exists()
