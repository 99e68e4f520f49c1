"""Test helpers on the moto side: the organization the `org` fixture makes, the CLI run in-process or as a
subprocess as a user would, and AWS faults injected through botocore events; and what a page is made of, as
an HTML parser sees it."""

from __future__ import annotations

import html.parser
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from rolegate.cli.main import run as run_in_process


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


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def all(self) -> str:
        return self.out + self.err


def rolegate(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """`rolegate ARGS…` in this process; stdout and stderr are not terminals, as in CI."""
    capsys.readouterr()
    code = run_in_process(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def user_env(aws_env: dict[str, str], **more: str) -> dict[str, str]:
    """The environment of a user's shell in the sandbox: this machine's, less any AWS_, ROLEGATE_ or XDG_
    setting; the sandboxed AWS files and endpoint without the operator's keys; caches and config under the
    sandbox HOME; rolegate's file store; and `more`."""
    home = Path(aws_env["HOME"])
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLEGATE_", "XDG_"))},
        **{k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")},
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "ROLEGATE_STORE": "file",
        **more,
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
    }


def seed_applied(org: Org, capsys: pytest.CaptureFixture[str]) -> str:
    """The seed's rolegate.yaml written into the org's work folder and applied (console passwords to `pw`
    there); its path, for the commands the test runs next."""
    from tests.builders import seed_config

    config = str(org.write_config(seed_config(org.ids)))
    applied = rolegate(capsys, "-c", config, "apply", "--yes", "--password-out", str(org.workdir / "pw"))
    assert applied.code == 0, applied.all
    return config


def written_files(directory: Path) -> list[str]:
    """The names of the files in `directory`, sorted, without the hidden lock files writers leave."""
    return sorted(p.name for p in directory.iterdir() if not p.name.endswith(".lock"))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def error_response(code: str, message: str, status: int = 400) -> Any:
    """An IAM-style XML error response, as AWS would send it, for a before-send hook to return."""
    from botocore.awsrequest import AWSResponse

    body = (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>"
    ).encode()
    return AWSResponse("https://iam.amazonaws.com/", status, {"Content-Type": "text/xml"}, _Raw(body))


class FaultInjector:
    """Fails the first `times` sends of an operation with an error code, then lets calls through."""

    def __init__(self, operation: str, code: str, times: int, message: str = "injected by the test") -> None:
        self.operation, self.code, self.times, self.message = operation, code, times, message
        self.hits = 0

    def __call__(self, client: Any) -> None:
        client.meta.events.register(f"before-send.*.{self.operation}", self._send)

    def _send(self, **_: Any) -> Any:
        if self.hits < self.times:
            self.hits += 1
            return error_response(self.code, self.message)
        return None


def on_every_session(monkeypatch: pytest.MonkeyPatch, hook: Any) -> None:
    """`hook(client)` runs on every botocore client that any AwsSessions made in this test creates, so a
    test can watch or break calls inside a command it runs in-process."""
    from rolegate.aws.session import AwsSessions

    real = AwsSessions.__init__

    def with_hook(self: AwsSessions, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        self.hooks.append(hook)

    monkeypatch.setattr(AwsSessions, "__init__", with_hook)


def text(stream: io.StringIO) -> str:
    return stream.getvalue()


# -- cobus's everyday commands, as a subprocess (the `cobus` fixture in conftest sets him up) ---------------

ROLEGATE = str(Path(sys.executable).with_name("rolegate"))
READ_ONLY = """\
  read_only:
    accounts: [development]
    policies: [ReadOnlyAccess]
    require_mfa: true
    max_session: 8h
"""
PROFILES = (
    "demo-development-cobus-administrator",
    "demo-development-cobus-read_only",
    "demo-staging-cobus",
    "demo-production-cobus",
)


def run(org: Org, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROLEGATE, *args],
        env=org.extra["env"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )


def asked(org: Org) -> int:
    counter: Path = org.extra["counter"]
    return len(counter.read_text().splitlines()) if counter.exists() else 0


class HtmlElements(html.parser.HTMLParser):
    """A page's elements, the attributes they carry and its text, as a browser's parser would build them: a
    page with a hostile name in it must have exactly the elements and attributes of a normal one."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)

    def handle_data(self, data: str) -> None:
        self.text += data


# -- the article, clicked together by hand (rolegate import's starting point) ----------------------------

HAND_MADE_PASSWORD = "Hand-made-Passw0rd!"


def console_trust(hub_id: str, *, mfa: bool = True) -> dict[str, Any]:
    """What the console's "Role for cross-account access" with "Require MFA" writes."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{hub_id}:root"},
        "Action": "sts:AssumeRole",
    }
    if mfa:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def grant(account_id: str) -> str:
    """The article's policy, exactly as it is pasted: one statement, a single Resource."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{account_id}:role/administrator",
            },
        }
    )


def click_the_seed_together(org: Org) -> str:
    """The article, by hand: the alias, two grant policies, three groups, cobus with a password and keys,
    and an `administrator` role with AdministratorAccess and Require MFA in each environment."""
    hub = org.client("iam")
    hub.create_account_alias(AccountAlias="demo-master")
    for env in ("development", "production"):
        hub.create_policy(
            PolicyName=f"{env}_administrator",
            PolicyDocument=grant(org.ids[env]),
            Description=f"Allows assuming the {env} administration role on the {env} account.",
        )
        hub.create_group(GroupName=f"{env}_administrator")
        hub.attach_group_policy(
            GroupName=f"{env}_administrator",
            PolicyArn=f"arn:aws:iam::{org.hub_id}:policy/{env}_administrator",
        )
    hub.create_group(GroupName="master_administrator")
    hub.attach_group_policy(
        GroupName="master_administrator", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    hub.create_user(UserName="cobus")
    secret = hub.create_access_key(UserName="cobus")["AccessKey"]["SecretAccessKey"]
    hub.create_login_profile(UserName="cobus", Password=HAND_MADE_PASSWORD)
    for group in ("development_administrator", "production_administrator", "master_administrator"):
        hub.add_user_to_group(GroupName=group, UserName="cobus")
    for env in ("development", "production"):
        iam = org.client("iam", env)
        iam.create_role(
            RoleName="administrator", AssumeRolePolicyDocument=json.dumps(console_trust(org.hub_id))
        )
        iam.attach_role_policy(
            RoleName="administrator", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        )
    return str(secret)
