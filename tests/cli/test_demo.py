"""`rolegate demo`, run as a person runs it: the installed console script in a subprocess, no AWS account.

Then the real `aws` CLI reads the profiles the demo wrote, as the seed's reader would use them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROLEGATE = str(Path(sys.executable).with_name("rolegate"))


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(home), NO_COLOR="1")
    return env


def run_demo(cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROLEGATE, "demo"],
        cwd=cwd,
        env=clean_env(home),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_demo_walks_through_the_seed_and_leaves_the_users_aws_config_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[profile mine]\nregion = eu-west-1\n")

    done = run_demo(tmp_path, home)

    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "moto on 127.0.0.1:" in out
    assert "Plan: " in out and "Applied " in out and "no changes" in out
    assert "+ guardrail protect-rolegate  (service control, on root)" in out  # the guardrails, by name
    assert "~ placement production  (root -> Environments/Production)" in out
    assert "https://demo-master.signin.aws.amazon.com/console" in out
    links = re.findall(r"https://signin\.aws\.amazon\.com/switchrole\?\S+", out)
    assert len(links) == 3
    assert any("displayName=Production" in link and "color=f2b0a9" in link for link in links)
    assert any("displayName=Development" in link and "color=b7ca9d" in link for link in links)
    assert "demo-development-cobus" in out and "Try next" in out
    reach = re.findall(
        r"^  (development|staging|production) +administrator +MFA required$", out, re.MULTILINE
    )
    assert sorted(reach) == ["development", "production", "staging"]  # who reaches what, from the snapshot
    assert "Audit: " in out
    assert (home / ".aws" / "config").read_text() == "[profile mine]\nregion = eu-west-1\n"
    demo_dir = tmp_path / "rolegate-demo"
    assert (demo_dir / "rolegate.yaml").read_text().count('id: "') == 4
    password = (demo_dir / "first-passwords.txt").read_text().split("\t")[-1].strip()
    assert password and password not in out + done.stderr

    # The aws CLI reads the profiles as written: the seed's role switch, with MFA from the hub user.
    aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or "aws"
    cli_env = clean_env(home) | {"AWS_CONFIG_FILE": str(demo_dir / "aws-config")}
    import botocore.session

    reader = botocore.session.Session()
    reader.set_config_variable("config_file", str(demo_dir / "aws-config"))
    profiles = list(reader.full_config["profiles"])
    assert profiles == [
        "demo-master-cobus",
        "demo-development-cobus",
        "demo-staging-cobus",
        "demo-production-cobus",
    ]
    role_arn = subprocess.run(
        [aws, "configure", "get", "role_arn", "--profile", "demo-production-cobus"],
        env=cli_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert re.fullmatch(r"arn:aws:iam::\d{12}:role/administrator", role_arn)
    assert role_arn.split(":")[4] in out


def test_demo_refuses_a_directory_that_is_not_its_own(tmp_path: Path) -> None:
    (tmp_path / "rolegate-demo").mkdir()
    (tmp_path / "rolegate-demo" / "precious.txt").write_text("keep me")

    done = run_demo(tmp_path, tmp_path)

    assert done.returncode == 1
    assert "not a rolegate demo directory" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "rolegate-demo" / "precious.txt").read_text() == "keep me"
