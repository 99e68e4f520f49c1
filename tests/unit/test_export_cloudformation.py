"""The CloudFormation export, without AWS: given the seed's rolegate.yaml (plus a role for every account),
the two templates pass `cfn-lint`, and the spoke template, evaluated for an account as CloudFormation would
(conditions on AWS::AccountId, the HubAccountId parameter), creates exactly the roles direct apply creates
there, with the same properties and ownership tags."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.builders import seed_config

from rolegate.errors import RolegateError
from rolegate.export.cloudformation import HUB_FILE, SPOKE_FILE, hub_template, spoke_template, templates
from rolegate.model.load import parse
from rolegate.plan.compile import Desired, compile_config
from rolegate.plan.diff import diff
from rolegate.state.snapshot import AccountState, Snapshot

IDS = {
    "master": "111111111111",
    "development": "222222222222",
    "staging": "333333333333",
    "production": "444444444444",
}
EVERY_ACCOUNT_ROLE = """\
  read_only:
    accounts: ["*"]
    policies: [ReadOnlyAccess, "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]
    require_mfa: false
    max_session: 8h
"""


def config_text(ids: dict[str, str] = IDS) -> str:
    return seed_config(ids).replace("roles:\n", "roles:\n" + EVERY_ACCOUNT_ROLE, 1)


def desired(text: str | None = None) -> Desired:
    return compile_config(parse(text or config_text()).config)


def many_accounts(n: int) -> str:
    """An organization of n environments, with the administrator role in every one of them by name."""
    ids = {"master": "111111111111"} | {f"env{i}": f"{500000000000 + i}" for i in range(n)}
    accounts = "".join(f'  env{i}:\n    id: "{ids[f"env{i}"]}"\n' for i in range(n))
    listed = ", ".join(f"env{i}" for i in range(n))
    return f"""\
version: 1
organization: {{name: big, hub: master}}
accounts:
  master: {{id: "111111111111"}}
{accounts}roles:
  administrator: {{accounts: [{listed}], policies: [AdministratorAccess]}}
"""


def resolve(value: Any, account_id: str, params: dict[str, str], conditions: dict[str, Any]) -> Any:
    """The intrinsic functions the spoke template uses, as CloudFormation evaluates them in one account."""
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return account_id if arg == "AWS::AccountId" else params[arg]
        if fn == "Fn::Sub":
            text = arg
            for key, val in params.items():
                text = text.replace("${" + key + "}", val)
            return text
        if fn == "Fn::Equals":
            a, b = (resolve(v, account_id, params, conditions) for v in arg)
            return a == b
        if fn == "Fn::Or":
            assert 2 <= len(arg) <= 10, "Fn::Or takes 2 to 10 conditions"
            return any(resolve(v, account_id, params, conditions) for v in arg)
        if fn == "Fn::Not":
            return not resolve(arg[0], account_id, params, conditions)
    if isinstance(value, dict):
        return {k: resolve(v, account_id, params, conditions) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, account_id, params, conditions) for v in value]
    return value


def roles_created(template: dict[str, Any], account_id: str, hub_id: str) -> dict[str, dict[str, Any]]:
    params = {"HubAccountId": hub_id}
    conditions = template.get("Conditions", {})
    out = {}
    for body in template["Resources"].values():
        if not resolve(conditions[body["Condition"]], account_id, params, conditions):
            continue
        properties = resolve(body["Properties"], account_id, params, conditions)
        out[properties["RoleName"]] = properties
    return out


def cfn_lint() -> str:
    """The `cfn-lint` installed with the test extra, beside this Python."""
    beside = Path(sys.executable).parent / "cfn-lint"
    found = str(beside) if beside.exists() else shutil.which("cfn-lint")
    assert found, "cfn-lint is in the test extra: pip install -e .[test]"
    return found


def test_both_templates_pass_cfn_lint(tmp_path: Path) -> None:
    """AWS's own linter, as a subprocess on the written files; a role in 12 accounts nests its Fn::Or."""
    for name, text in templates(desired()).items():
        (tmp_path / name).write_text(text)
    (tmp_path / "big.template.json").write_text(json.dumps(spoke_template(desired(many_accounts(12)))))

    result = subprocess.run(
        [cfn_lint(), *sorted(str(p) for p in tmp_path.glob("*.json"))],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert {SPOKE_FILE, HUB_FILE} <= {p.name for p in tmp_path.iterdir()}


def test_the_spoke_template_creates_in_each_account_what_direct_apply_creates() -> None:
    want = desired()
    template = spoke_template(want)
    plan = diff(want, Snapshot(accounts={n: AccountState(n, i) for n, i in IDS.items()}))
    direct: dict[str, dict[str, dict[str, Any]]] = {}
    for change in plan.changes:
        if change.kind == "role":
            create = change.calls[0].params
            direct.setdefault(change.account_id, {})[change.name] = {
                "RoleName": create["RoleName"],
                "Description": create["Description"],
                "AssumeRolePolicyDocument": json.loads(create["AssumeRolePolicyDocument"]),
                "MaxSessionDuration": create["MaxSessionDuration"],
                "Tags": create["Tags"],
                "ManagedPolicyArns": [c.params["PolicyArn"] for c in change.calls[1:]],
            }

    for account_id in IDS.values():
        assert roles_created(template, account_id, IDS["master"]) == direct.get(account_id, {}), account_id
    # An account the file does not know (made later, in a targeted unit) gets the "*" roles only.
    assert set(roles_created(template, "999999999999", IDS["master"])) == {"read_only"}
    # The hub id is a parameter: another hub is trusted without a new template.
    other = roles_created(template, IDS["staging"], "777777777777")["administrator"]
    principal = other["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"AWS": "arn:aws:iam::777777777777:root"}
    assert template["Parameters"]["HubAccountId"]["Default"] == IDS["master"]


def test_a_role_in_many_accounts_is_created_in_each_of_them_and_nowhere_else() -> None:
    big = desired(many_accounts(23))
    template = spoke_template(big)
    for acct in big.accounts.values():
        expected = {"administrator"} if not acct.is_hub else set()
        assert set(roles_created(template, acct.account_id, "111111111111")) == expected


def test_the_hub_template_has_groups_grants_and_users_but_no_password_or_key() -> None:
    template = hub_template(desired())
    types = {body["Type"] for body in template["Resources"].values()}

    assert types == {"AWS::IAM::ManagedPolicy", "AWS::IAM::Group", "AWS::IAM::User"}
    grant = template["Resources"]["GrantPolicyDevelopmentAdministrator"]["Properties"]
    assert grant["Path"] == "/rolegate/"
    assert (
        grant["PolicyDocument"]["Statement"][0]["Resource"] == "arn:aws:iam::222222222222:role/administrator"
    )
    group = template["Resources"]["GroupDevelopmentAdministrator"]["Properties"]
    assert group["ManagedPolicyArns"] == [{"Ref": "GrantPolicyDevelopmentAdministrator"}]
    user = template["Resources"]["UserCobus"]["Properties"]
    assert user["Tags"] == [{"Key": "rolegate:owner", "Value": "demo"}]
    assert {"Ref": "GroupMasterAdministrator"} in user["Groups"]
    assert "Password" not in json.dumps(template) and "LoginProfile" not in json.dumps(user)


def test_two_roles_that_would_share_a_logical_id_are_refused_naming_both() -> None:
    text = config_text().replace(
        "  read_only:\n", "  read-only:\n    accounts: [development]\n  read_only:\n"
    )

    with pytest.raises(RolegateError) as err:
        spoke_template(desired(text))

    assert (
        "'read-only' and 'read_only'" in err.value.message
        or "'read_only' and 'read-only'" in err.value.message
    )
    assert err.value.hint and "rename" in err.value.hint
