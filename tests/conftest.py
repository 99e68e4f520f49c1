"""Shared fixtures: a real moto server on 127.0.0.1, and an organization like the seed's on it.

Each test gets a fresh AWS (moto's reset), its own HOME and AWS config files, so nothing of the developer's
~/.aws is read or written, and the aws CLI's cache cannot leak between tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.builders import seed_config
from tests.helpers import READ_ONLY, Org, rolegate, user_env

from rolegate.aws.moto_local import MANAGEMENT_ACCOUNT, LocalAws, start_local_aws

SPOKES = ("development", "staging", "production")


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    server = start_local_aws()
    yield server
    server.stop()


@pytest.fixture
def aws_env(local_aws: LocalAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point every SDK in this process (and subprocesses given os.environ) at the local endpoint only."""
    local_aws.reset()
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    values = {
        "HOME": str(home),
        "AWS_ENDPOINT_URL": local_aws.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "NO_COLOR": "1",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def org(aws_env: dict[str, str], tmp_path: Path, local_aws: LocalAws) -> Org:
    import boto3

    client = boto3.client("organizations", region_name="us-east-1")
    client.create_organization(FeatureSet="ALL")
    ids = {"master": MANAGEMENT_ACCOUNT}
    for name in SPOKES:
        status = client.create_account(Email=f"you+{name}@example.com", AccountName=name.title())
        ids[name] = client.describe_create_account_status(
            CreateAccountRequestId=status["CreateAccountStatus"]["Id"]
        )["CreateAccountStatus"]["AccountId"]
    workdir = tmp_path / "work"
    workdir.mkdir()
    return Org(url=local_aws.url, ids=ids, workdir=workdir, env=aws_env)


@pytest.fixture
def cobus(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Org:
    """The seed applied, cobus's keys in his credentials file, his profiles written, an MFA command that
    counts how often it is asked."""
    text = seed_config(org.ids).replace("roles:\n", "roles:\n" + READ_ONLY, 1)
    text = text.replace(
        "  production_administrator:\n",
        "  dev_read_only:\n    assume:\n      read_only: [development]\n  production_administrator:\n",
        1,
    ).replace("groups: [development_administrator,", "groups: [dev_read_only, development_administrator,")
    config = org.write_config(text)
    assert (
        rolegate(capsys, "-c", str(config), "apply", "--yes", "--password-out", str(tmp_path / "pw")).code
        == 0
    )
    keys = org.client("iam").create_access_key(UserName="cobus")["AccessKey"]
    Path(org.env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        f"[demo-master-cobus]\naws_access_key_id = {keys['AccessKeyId']}\n"
        f"aws_secret_access_key = {keys['SecretAccessKey']}\n"
    )
    assert rolegate(capsys, "-c", str(config), "profiles", "--user", "cobus", "--write").code == 0
    counter = tmp_path / "mfa-asked"
    script = tmp_path / "mfa-code"
    script.write_text(f"#!/bin/sh\necho asked >> {counter}\necho 123456\n")
    script.chmod(0o755)
    env = user_env(org.env, ROLEGATE_MFA_COMMAND=str(script))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    org.extra.update(env=env, counter=counter, keys=keys, config=config)
    return org
