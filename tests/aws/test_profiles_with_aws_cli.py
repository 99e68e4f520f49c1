"""The profiles rolegate writes work in the tools people use: given the seed applied on moto and cobus's hub
access keys in his (sandboxed) credentials file, when he writes his profiles into a ~/.aws/config that
already holds his own, then the real `aws` CLI and a fresh boto3 Session switch into each environment's
administrator role through them, the MFA code answered on stdin.

moto accepts any MFA code and does not check trust policies: what is shown here is that the profiles are
right (role, source, MFA serial), not that AWS would enforce MFA; the trust policy's MFA condition is
checked in test_seed_walkthrough.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.builders import seed_config
from tests.helpers import Org, rolegate, written_files

pytestmark = pytest.mark.aws

USERS_OWN = (
    "# my own profiles, hands off\n[default]\nregion = eu-west-1\n\n"
    "[profile personal]\nregion = eu-west-1\n\n"
)


def applied_seed(org: Org, capsys: pytest.CaptureFixture[str]) -> Path:
    config = org.write_config(seed_config(org.ids))
    assert (
        rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(org.workdir / "pw")).code
        == 0
    )
    keys = org.client("iam").create_access_key(UserName="cobus")["AccessKey"]
    Path(org.env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[demo-master-cobus]\naws_access_key_id = {keys['AccessKeyId']}\n"
        f"aws_secret_access_key = {keys['SecretAccessKey']}\n"
    )
    Path(org.env["AWS_CONFIG_FILE"]).write_text(USERS_OWN)
    return config


def test_cobus_writes_his_profiles_and_the_aws_cli_and_boto3_switch_roles_through_them(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    config = applied_seed(org, capsys)

    written = rolegate(capsys, "-c", str(config), "profiles", "--user", "cobus", "--write")

    assert written.code == 0, written.all
    assert "a [default] profile exists" in written.err  # the seed's advice
    aws_config = Path(org.env["AWS_CONFIG_FILE"]).read_text()
    assert aws_config.startswith(USERS_OWN)
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or "aws"
    for account in ("development", "production"):
        done = subprocess.run(
            [aws, "sts", "get-caller-identity", "--profile", f"demo-{account}-cobus", "--output", "json"],
            input="123456\n",
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(org.env, PATH="/usr/bin:/bin"),
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert f'"arn:aws:sts::{org.ids[account]}:assumed-role/administrator/cobus"' in done.stdout

    import boto3

    session = boto3.Session(profile_name="demo-staging-cobus")
    provider = session._session.get_component("credential_provider").get_provider("assume-role")
    asked: list[str] = []
    provider._prompter = lambda prompt: asked.append(prompt) or "123456"
    identity = session.client("sts").get_caller_identity()

    assert identity["Arn"] == f"arn:aws:sts::{org.ids['staging']}:assumed-role/administrator/cobus"
    assert asked and f"arn:aws:iam::{org.hub_id}:mfa/cobus" in asked[0]  # the MFA serial of the hub user


def test_profiles_without_write_print_and_touch_no_file(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    config = org.write_config(seed_config(org.ids))

    printed = rolegate(capsys, "-c", str(config), "profiles")

    assert printed.code == 0
    assert "[profile demo-production-cobus]" in printed.out
    assert f"role_arn = arn:aws:iam::{org.ids['production']}:role/administrator" in printed.out
    assert not Path(org.env["AWS_CONFIG_FILE"]).exists()


def test_a_team_lead_writes_every_users_profiles_and_links_into_a_directory(
    org: Org, capsys: pytest.CaptureFixture[str]
) -> None:
    text = seed_config(org.ids, extra_users="  alice:\n    groups: [development_administrator]\n")
    config = str(org.write_config(text))
    out = org.workdir / "team"

    profiles = rolegate(capsys, "-c", config, "profiles", "--all-users", "--out", str(out))
    links = rolegate(capsys, "-c", config, "links", "--all-users", "--out", str(out))

    assert profiles.code == 0 and links.code == 0, profiles.all + links.all
    assert written_files(out) == [  # writers leave their hidden lock files
        "alice.aws-config",
        "alice.txt",
        "cobus.aws-config",
        "cobus.txt",
    ]
    assert "demo-production-alice" not in (out / "alice.aws-config").read_text()
    assert "demo-development-alice" in (out / "alice.aws-config").read_text()
    assert "roleName=administrator" in (out / "cobus.txt").read_text()
    for fmt, suffix in (("html", "html"), ("aesr", "aesr.ini")):
        assert (
            rolegate(capsys, "-c", config, "links", "--all-users", "--format", fmt, "--out", str(out)).code
            == 0
        )
        assert (out / f"alice.{suffix}").exists() and (out / f"cobus.{suffix}").exists()
    assert "<!doctype html>" in (out / "cobus.html").read_text()
    assert "[demo-master-alice]" in (out / "alice.aesr.ini").read_text()


def test_an_unknown_user_gets_a_suggestion(org: Org, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(org.write_config(seed_config(org.ids)))

    result = rolegate(capsys, "-c", config, "profiles", "--user", "cobsu")

    assert result.code == 1 and "did you mean 'cobus'?" in result.err and "Traceback" not in result.all
