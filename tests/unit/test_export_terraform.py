"""The Terraform export, without Terraform (no HashiCorp download on these machines): given the seed's
rolegate.yaml and a snapshot of accounts rolegate has applied, the files are Terraform JSON configuration
syntax, every resource has a stable name from account, kind and name, and everything that exists and is
rolegate's has an import block in the ID format of its resource type (AWS provider docs), so the first
`terraform plan` adopts it. What we cannot run here is `terraform plan` itself: the checks below are the
rules it applies to the syntax and the import ids."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.builders import IDS, as_aws_has_it, empty_snapshot, seed_config

from rolegate.export.terraform import MAIN_FILE, identifier, terraform_files
from rolegate.model import naming
from rolegate.model.load import parse
from rolegate.plan.compile import Desired, compile_config
from rolegate.state.snapshot import Role

# Terraform's JSON configuration syntax: the top-level object's properties are block types ("//": comment).
TOP_LEVEL = {"terraform", "provider", "resource", "import", "variable", "output", "//"}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
ARN = re.compile(r"^arn:aws:iam::(aws|\d{12}):policy/")


def desired() -> Desired:
    return compile_config(parse(seed_config(IDS)).config)


def parsed(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {name: json.loads(text) for name, text in files.items()}


def resources(files: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """address -> body, over every file; an address defined twice fails."""
    out: dict[str, dict[str, Any]] = {}
    for body in files.values():
        for kind, named in body.get("resource", {}).items():
            for name, resource in named.items():
                address = f"{kind}.{name}"
                assert address not in out, f"{address} defined twice"
                out[address] = resource
    return out


def imports(files: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {block["to"]: block for body in files.values() for block in body.get("import", [])}


def test_the_files_follow_terraform_json_syntax_and_reference_declared_providers(tmp_path: Path) -> None:
    export = terraform_files(desired(), as_aws_has_it(desired()), "us-west-2")
    for name, text in export.texts().items():
        (tmp_path / name).write_text(text)
    files = {p.name: json.loads(p.read_text()) for p in tmp_path.glob("*.tf.json")}

    assert set(files) == {
        MAIN_FILE,
        "master.tf.json",
        "development.tf.json",
        "staging.tf.json",
        "production.tf.json",
    }
    for name, body in files.items():
        assert set(body) <= TOP_LEVEL, (name, set(body) - TOP_LEVEL)
    main = files[MAIN_FILE]
    assert main["terraform"]["required_providers"]["aws"]["source"] == "hashicorp/aws"
    assert main["variable"]["region"]["default"] == "us-west-2"
    aliases = {p["alias"]: p for p in main["provider"]["aws"]}
    assert set(aliases) == set(IDS)
    # The hub uses the operator's own credentials; every other account is reached by the bootstrap role.
    assert "assume_role" not in aliases["master"]
    for account in ("development", "staging", "production"):
        role_arn = aliases[account]["assume_role"]["role_arn"]
        assert role_arn == f"arn:aws:iam::{IDS[account]}:role/OrganizationAccountAccessRole"
        assert aliases[account]["allowed_account_ids"] == [IDS[account]]
    declared = {f"aws.{a}" for a in aliases}
    for body in files.values():
        for kind, named in body.get("resource", {}).items():
            assert kind.startswith("aws_iam_")
            for name, resource in named.items():  # type -> name -> body
                assert NAME.match(name), name
                assert resource["provider"] in declared
        for block in body.get("import", []):
            assert set(block) == {"to", "id", "provider"} and block["provider"] in declared


def test_names_are_stable_distinct_and_derived_from_account_kind_and_name() -> None:
    files = parsed(terraform_files(desired(), None, "us-east-1").texts())
    again = parsed(terraform_files(desired(), None, "us-east-1").texts())

    assert files == again
    found = resources(files)
    assert "aws_iam_role.development_role_administrator" in found
    assert "aws_iam_role_policy_attachment.development_role_administrator_AdministratorAccess" in found
    assert "aws_iam_group.master_group_development_administrator" in found
    assert "aws_iam_policy.master_policy_development_administrator" in found
    assert "aws_iam_user.master_user_cobus" in found
    assert "aws_iam_user_group_membership.master_user_cobus_groups" in found
    # Characters Terraform does not allow in a name are replaced, and a hash of the original keeps the name
    # distinct from any other that would read the same.
    assert identifier("dev", "user", "a.b") != identifier("dev", "user", "a_b")
    assert NAME.match(identifier("dev", "user", "jane+ops@example.com"))
    assert identifier("dev", "user", "a.b") == identifier("dev", "user", "a.b")


def test_fresh_accounts_get_resources_and_no_import() -> None:
    export = terraform_files(desired(), empty_snapshot(), "us-east-1")

    assert export.imports == 0 and not export.not_owned
    assert not imports(parsed(export.texts()))


def test_everything_rolegate_applied_is_imported_with_the_provider_id_format() -> None:
    want = desired()
    snapshot = as_aws_has_it(want)
    files = parsed(terraform_files(want, snapshot, "us-east-1").texts())
    found, blocks = resources(files), imports(files)

    # Every resource of the export exists in this snapshot, so every one has an import block.
    assert set(blocks) == set(found)
    hub = IDS["master"]
    expected_ids = {
        "aws_iam_role.development_role_administrator": "administrator",
        "aws_iam_role_policy_attachment.development_role_administrator_AdministratorAccess": (
            "administrator/arn:aws:iam::aws:policy/AdministratorAccess"
        ),
        "aws_iam_policy.master_policy_development_administrator": (
            f"arn:aws:iam::{hub}:policy/rolegate/development_administrator"
        ),
        "aws_iam_group.master_group_development_administrator": "development_administrator",
        "aws_iam_group_policy_attachment.master_group_master_administrator_AdministratorAccess": (
            "master_administrator/arn:aws:iam::aws:policy/AdministratorAccess"
        ),
        "aws_iam_group_policy_attachment.master_group_development_administrator_development_administrator": (
            f"development_administrator/arn:aws:iam::{hub}:policy/rolegate/development_administrator"
        ),
        "aws_iam_user.master_user_cobus": "cobus",
        "aws_iam_user_group_membership.master_user_cobus_groups": (
            "cobus/development_administrator/production_administrator/master_administrator"
        ),
        "aws_iam_account_alias.master_account_alias": "demo-master",
        "aws_iam_account_password_policy.master_account_password_policy": "iam-account-password-policy",
    }
    for address, import_id in expected_ids.items():
        assert blocks[address]["id"] == import_id, address
        assert blocks[address]["provider"] == found[address]["provider"]
    for address, block in blocks.items():
        kind = address.split(".")[0]
        if kind == "aws_iam_policy":
            assert ARN.match(block["id"])
        if kind.endswith("_policy_attachment"):
            name, arn = block["id"].split("/", 1)
            assert ARN.match(arn) and name


def test_the_configuration_says_what_direct_apply_sets_so_an_import_shows_no_change() -> None:
    want = desired()
    files = parsed(terraform_files(want, as_aws_has_it(want), "us-east-1").texts())
    found = resources(files)

    role = found["aws_iam_role.staging_role_administrator"]
    assert (
        json.loads(role["assume_role_policy"]) == want.accounts["staging"].roles["administrator"].trust_policy
    )
    assert role["max_session_duration"] == 3600
    assert role["tags"] == {naming.OWNER_TAG: "demo"}
    user = found["aws_iam_user.master_user_cobus"]
    assert user["tags"] == {naming.OWNER_TAG: "demo", "rolegate:console": "true"}
    group = found[
        "aws_iam_group_policy_attachment.master_group_development_administrator_development_administrator"
    ]
    assert group["policy_arn"] == "${aws_iam_policy.master_policy_development_administrator.arn}"
    membership = found["aws_iam_user_group_membership.master_user_cobus_groups"]
    assert "${aws_iam_group.master_group_master_administrator.name}" in membership["groups"]
    text = json.dumps(files)
    assert "LoginProfile" not in text and 'password"' not in text.lower().replace("_password", "")


def test_what_is_not_rolegate_s_is_not_imported_and_is_reported() -> None:
    want = desired()
    snapshot = as_aws_has_it(want)
    trust = {"Version": "2012-10-17", "Statement": []}
    snapshot.accounts["production"].roles["administrator"] = Role(
        "administrator", "arn:aws:iam::444444444444:role/administrator", "/", trust
    )

    export = terraform_files(want, snapshot, "us-east-1")
    blocks = imports(parsed(export.texts()))

    assert "aws_iam_role.production_role_administrator" not in blocks
    assert "aws_iam_role_policy_attachment.production_role_administrator_AdministratorAccess" not in blocks
    assert export.not_owned == ["production: role administrator"]


def test_a_literal_template_sequence_in_a_policy_is_escaped() -> None:
    """In Terraform JSON every string is a template: `${aws:username}` in a policy must stay literal."""
    want = desired()
    policy = next(iter(want.accounts["master"].policies.values()))
    policy.document["Statement"][0]["Resource"] = "arn:aws:iam::*:role/${aws:username}"
    files = parsed(terraform_files(want, None, "us-east-1").texts())

    body = resources(files)[f"aws_iam_policy.master_policy_{policy.name}"]["policy"]
    assert "$${aws:username}" in body and "${aws" not in body.replace("$${", "")
