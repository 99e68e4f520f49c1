"""Shared fixtures: a real moto server on 127.0.0.1, and an organization like the seed's on it.

Each test gets a fresh AWS (moto's reset), its own HOME and AWS config files, so nothing of the developer's
~/.aws is read or written, and the aws CLI's cache cannot leak between tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

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


@dataclass
class Org:
    """An organization like the seed's: the management account is the hub, three environment accounts."""

    url: str
    ids: dict[str, str]
    workdir: Path
    env: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def hub_id(self) -> str:
        return self.ids["master"]

    def client(self, service: str, account: str = "master") -> Any:
        """A client inside an account: the operator's own in the hub, the bootstrap role elsewhere."""
        import boto3

        if account == "master":
            return boto3.client(service, region_name="us-east-1")
        creds = boto3.client("sts", region_name="us-east-1").assume_role(
            RoleArn=f"arn:aws:iam::{self.ids[account]}:role/OrganizationAccountAccessRole",
            RoleSessionName="test-observer",
        )["Credentials"]
        return boto3.client(
            service,
            region_name="us-east-1",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    def write_config(self, text: str, name: str = "rolegate.yaml") -> Path:
        path = self.workdir / name
        path.write_text(text, encoding="utf-8")
        return path


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


def seed_config(
    ids: dict[str, str],
    *,
    extra_users: str = "",
    max_session: str = "1h",
    require_mfa: str = "true",
    dev_groups: str = "[development]",
) -> str:
    """The seed's setup as rolegate.yaml, with the organization's real ids."""
    return f"""\
version: 1
organization:
  name: demo
  hub: master
  region: us-west-2
  password_policy:
    minimum_length: 14
accounts:
  master:
    id: "{ids["master"]}"
    email: you+master@example.com
    alias: demo-master
  development:
    id: "{ids["development"]}"
    email: you+development@example.com
    color: green
  staging:
    id: "{ids["staging"]}"
    email: you+staging@example.com
    color: yellow
  production:
    id: "{ids["production"]}"
    email: you+production@example.com
    color: red
roles:
  administrator:
    accounts: [development, staging, production]
    policies: [AdministratorAccess]
    require_mfa: {require_mfa}
    max_session: {max_session}
groups:
  development_administrator:
    assume:
      administrator: {dev_groups}
  production_administrator:
    assume:
      administrator: [staging, production]
  master_administrator:
    policies: [AdministratorAccess]
users:
  cobus:
    groups: [development_administrator, production_administrator, master_administrator]
    console: true
    mfa: required
{extra_users}"""
