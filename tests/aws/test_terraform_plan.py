"""The Terraform export, proven by Terraform itself: given an organization on the moto server, when cobus runs
`rolegate export terraform -o DIR` and then `terraform init` and `terraform plan` in DIR, then Terraform
adopts every resource rolegate made through its import blocks and proposes no change; and the other way
round, what `terraform apply` makes from the export is what `rolegate plan` wants.

Terraform is run as a user would, with nothing but the files the export wrote: the AWS provider (5.100.0,
from the local filesystem mirror; nothing is downloaded) takes the moto endpoint from `AWS_ENDPOINT_URL`,
as rolegate and the AWS SDKs do, so the exported provider blocks are exactly the ones for real AWS. Each
spoke's provider assumes the bootstrap role; moto answers with credentials that act inside that account,
and `allowed_account_ids` makes the provider check it is the right one.

Skipped, with the reason, where `terraform` or the provider mirror is missing (ROLEGATE_TF_MIRROR names
another mirror than /opt/tf-plugins). Only loopback: every other host goes to a closed proxy port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.builders import example_config, organization_config, seed_config
from tests.helpers import Org, rolegate

pytestmark = [pytest.mark.aws, pytest.mark.slow]

MIRROR = Path(os.environ.get("ROLEGATE_TF_MIRROR", "/opt/tf-plugins"))
PROVIDER_DIR = MIRROR / "registry.terraform.io" / "hashicorp" / "aws"
TERRAFORM = shutil.which("terraform")
# The mirror only, never the registry: a provider missing there fails init instead of being downloaded.
CLI_CONFIG = f"""\
provider_installation {{
  filesystem_mirror {{
    path    = "{MIRROR}"
    include = ["registry.terraform.io/hashicorp/*"]
  }}
  direct {{
    exclude = ["*/*"]
  }}
}}
"""
TIMEOUT = 180  # seconds for one terraform command: a hang fails the test, never blocks the run


def _why_not() -> str | None:
    if TERRAFORM is None:
        return "terraform is not on PATH"
    if not PROVIDER_DIR.is_dir() or not any(PROVIDER_DIR.iterdir()):
        return f"no hashicorp/aws provider in the filesystem mirror {MIRROR} (set ROLEGATE_TF_MIRROR)"
    return None


if (reason := _why_not()) is not None:
    pytestmark.append(pytest.mark.skip(reason=reason))


@dataclass
class Terraform:
    """`terraform` in one directory, with a clean environment: its own HOME and CLI config, the AWS_*
    variables of the moto fixture, and nothing of the developer's TF_* settings."""

    directory: Path
    env: dict[str, str]

    @classmethod
    def in_dir(cls, directory: Path, org: Org) -> Terraform:
        cli_config = directory.parent / "terraform.rc"
        cli_config.write_text(CLI_CONFIG, encoding="utf-8")
        env = {
            **org.env,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "CHECKPOINT_DISABLE": "1",  # no version check against checkpoint-api.hashicorp.com
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "AWS_EC2_METADATA_DISABLED": "true",  # never ask 169.254.169.254 for credentials
            # Loopback only: Go never proxies 127.0.0.1, and any other host meets a closed port.
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
        }
        return cls(directory, env)

    def run(self, *args: str, codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        assert TERRAFORM is not None
        done = subprocess.run(
            [TERRAFORM, *args, "-no-color"],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert done.returncode in codes, f"terraform {' '.join(args)}: exit {done.returncode}\n" + (
            done.stdout[-4000:] + done.stderr[-4000:]
        )
        return done

    def init(self) -> None:
        self.run("init", "-input=false")

    def plan(self) -> tuple[int, str, dict[str, Any]]:
        """`terraform plan -detailed-exitcode`: its exit code, its text, and the saved plan as JSON."""
        done = self.run("plan", "-input=false", "-detailed-exitcode", "-out=tfplan", codes=(0, 2))
        shown = self.run("show", "-json", "tfplan")
        return done.returncode, done.stdout, json.loads(shown.stdout)


def export(org: Org, capsys: pytest.CaptureFixture[str], config: Path, *extra: str) -> dict[str, Any]:
    directory = org.workdir / "terraform"
    result = rolegate(
        capsys, "-c", str(config), "export", "terraform", "-o", str(directory), "--json", *extra
    )
    assert result.code == 0, result.all
    return dict(json.loads(result.out))


def apply_with_rolegate(org: Org, capsys: pytest.CaptureFixture[str], text: str) -> Path:
    config = org.write_config(text)
    result = rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(org.workdir / "pw"))
    assert result.code == 0, result.all
    return config


def declared(directory: Path) -> dict[str, Any]:
    """Every resource address the exported files declare -> its body."""
    out: dict[str, Any] = {}
    for path in directory.glob("*.tf.json"):
        for kind, named in json.loads(path.read_text()).get("resource", {}).items():
            out.update({f"{kind}.{name}": body for name, body in named.items()})
    return out


def actions(plan: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """address -> Terraform's planned actions, an import shown as ("import", …the rest)."""
    out = {}
    for change in plan.get("resource_changes", []):
        acts = tuple(change["change"]["actions"])
        out[change["address"]] = (("import",) if "importing" in change["change"] else ()) + acts
    return out


def assert_adopted_without_change(org: Org, capsys: pytest.CaptureFixture[str], config: Path) -> Terraform:
    """Export what rolegate applied, plan it with Terraform: every resource imported, none changed."""
    written = export(org, capsys, config)
    assert written["not_owned"] == []
    tf = Terraform.in_dir(org.workdir / "terraform", org)
    tf.init()

    code, text, plan = tf.plan()

    resources = declared(tf.directory)
    planned = actions(plan)
    # Every resource the files declare is in the plan, each an import and nothing else: no create,
    # update, replace or delete. The saved plan is the truth; the summary line only says it for people.
    assert set(planned) == set(resources)
    assert {address: acts for address, acts in planned.items() if acts != ("import", "no-op")} == {}
    assert written["imports"] == len(resources)
    assert f"Plan: {len(resources)} to import, 0 to add, 0 to change, 0 to destroy." in text
    # Terraform 1.11's -detailed-exitcode counts a planned import as a change: 2, not 0, even when the
    # import is all there is (the plan JSON above says it is).
    assert code == 2
    # Each spoke's resources were read inside that spoke: the provider assumed the bootstrap role there.
    for change in plan["resource_changes"]:
        arn = (change["change"]["before"] or {}).get("arn", "")
        if change["type"] == "aws_iam_role":
            account = change["address"].split(".")[1].split("_role_")[0]
            assert arn.startswith(f"arn:aws:iam::{org.ids[account]}:role/"), (change["address"], arn)
    return tf


def test_terraform_adopts_the_seed_organization_rolegate_applied_and_changes_nothing(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = apply_with_rolegate(org, capsys, seed_config(org.ids))

    tf = assert_adopted_without_change(org, capsys, config)

    # And once cobus applies that plan, Terraform holds them all and has nothing left to do (exit 0); the
    # adoption touched nothing rolegate cares about, so rolegate's own plan is still empty.
    applied = tf.run("apply", "-input=false", "-auto-approve", "tfplan")
    assert "Resources: 18 imported, 0 added, 0 changed, 0 destroyed." in applied.stdout
    assert tf.run("plan", "-input=false", "-detailed-exitcode").returncode == 0
    assert rolegate(capsys, "-c", str(config), "plan", "--detailed-exitcode").code == 0


def test_terraform_adopts_every_field_of_the_example_file_and_changes_nothing(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = apply_with_rolegate(org, capsys, example_config(org.ids))

    tf = assert_adopted_without_change(org, capsys, config)

    kinds = {address.split(".")[0] for address in declared(tf.directory)}
    assert kinds >= {
        "aws_iam_account_alias",
        "aws_iam_account_password_policy",
        "aws_iam_group",
        "aws_iam_group_policy_attachment",
        "aws_iam_policy",
        "aws_iam_role",
        "aws_iam_role_policy_attachment",
        "aws_iam_user",
        "aws_iam_user_group_membership",
    }


def test_a_role_changed_by_hand_is_the_one_change_terraform_proposes(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control for the two tests above: the plan they read would show a difference if there were one."""
    config = apply_with_rolegate(org, capsys, seed_config(org.ids))
    org.client("iam", "production").update_role(RoleName="administrator", MaxSessionDuration=7200)
    export(org, capsys, config)
    tf = Terraform.in_dir(org.workdir / "terraform", org)
    tf.init()

    code, _, plan = tf.plan()

    changed = {address: acts for address, acts in actions(plan).items() if acts != ("import", "no-op")}
    assert changed == {"aws_iam_role.production_role_administrator": ("import", "update")}
    role = next(c for c in plan["resource_changes"] if c["address"] in changed)
    assert (
        role["change"]["before"]["max_session_duration"],
        role["change"]["after"]["max_session_duration"],
    ) == (
        7200,
        3600,
    )
    assert code == 2


def test_what_terraform_applies_from_the_export_is_what_rolegate_plan_wants(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """The export's promise the other way round: deployed by Terraform, rolegate sees its own setup."""
    config = org.write_config(seed_config(org.ids))
    written = export(org, capsys, config)
    assert written["imports"] == 0
    tf = Terraform.in_dir(org.workdir / "terraform", org)
    tf.init()

    tf.run("apply", "-input=false", "-auto-approve")

    again = rolegate(capsys, "-c", str(config), "plan", "--json")
    assert again.code == 0, again.all
    plan = json.loads(again.out)
    assert plan["conflicts"] == []
    # The one thing the export leaves out on purpose is a console user's login profile (Terraform would
    # hold the password): rolegate may issue it, and it is the only change it may want.
    assert [
        (c["account"], c["action"], c["kind"], c["name"])
        for c in plan["changes"]
        if {call["operation"] for call in c["calls"]} != {"CreateLoginProfile"}
    ] == []
    assert {c["name"] for c in plan["changes"]} <= {"cobus"}


ORGANIZATION_GUARDRAILS = """\
guardrails:
  protect-rolegate: {attach: [root]}
  deny-leave-organization: {attach: [Environments]}
  region-allow-list: {attach: [Environments/Production], regions: [us-west-2, eu-west-1]}
"""


def test_terraform_adopts_the_units_and_guardrails_rolegate_applied_and_changes_nothing(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 20: the seed with Environments/{Development,Production} units and three built-in guardrails,
    applied by rolegate on moto; the export's organization.tf.json (units, policies, attachments, through
    the hub's provider) imports every one of them, and Terraform proposes no change."""
    config = apply_with_rolegate(org, capsys, organization_config(org.ids, ORGANIZATION_GUARDRAILS))

    tf = assert_adopted_without_change(org, capsys, config)

    kinds = {address.split(".")[0] for address in declared(tf.directory)}
    assert {
        "aws_organizations_organizational_unit",
        "aws_organizations_policy",
        "aws_organizations_policy_attachment",
    } <= kinds
    body = json.loads((tf.directory / "organization.tf.json").read_text())
    assert len(body["resource"]["aws_organizations_organizational_unit"]) == 3
    assert len(body["resource"]["aws_organizations_policy_attachment"]) == 3
