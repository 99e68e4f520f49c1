"""Shell completion, as cobus presses TAB: profiles come from his ~/.aws/config (or --config-file, or
AWS_CONFIG_FILE), users, accounts and roles from the rolegate.yaml the command would read (./rolegate.yaml or
-c), in file order; a file mid-edit still completes; a missing or broken one completes nothing and never
fails. Shown twice: by calling the completion functions, and by running `rolegate` the way bash does
(`_ROLEGATE_COMPLETE=bash_complete` with COMP_WORDS and COMP_CWORD) in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from rolegate.cli import completion
from rolegate.cli.env import Environment

ROLEGATE = str(Path(sys.executable).with_name("rolegate"))
CONFIG = """\
version: 1
organization: {name: demo, hub: master, region: us-east-1}
accounts:
  master: {id: "111111111111"}
  development: {id: "222222222222"}
  production: {id: "333333333333"}
  ml-dev: {id: "444444444444", display_name: ML-Dev}
roles:
  administrator: {accounts: [development, production]}
  read_only: {accounts: ["*"]}
groups:
  admins: {assume: {administrator: ["*"], read_only: ["*"]}}
users:
  cobus: {groups: [admins]}
  carol: {groups: [admins]}
  dave: {groups: []}
"""
AWS_CONFIG = """\
[profile demo-master-cobus]
region = us-east-1

[profile demo-production-cobus]
role_arn = arn:aws:iam::333333333333:role/administrator
source_profile = demo-master-cobus

[profile demo-development-cobus]
role_arn = arn:aws:iam::222222222222:role/administrator
source_profile = demo-master-cobus

[default]
region = eu-west-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "rolegate.yaml").write_text(CONFIG)
    (tmp_path / "aws-config").write_text(AWS_CONFIG)
    return tmp_path


def context(home: Path, config: str = "rolegate.yaml", **params: object) -> click.Context:
    env = Environment(environ={"AWS_CONFIG_FILE": str(home / "aws-config")})
    env.options(config_path=home / config)
    ctx = click.Context(click.Command("x"), obj=env)
    ctx.params.update(params)
    return ctx


def values(items: list[completion.CompletionItem]) -> list[str]:
    return [item.value for item in items]


PARAM = click.Option(["--x"])


@pytest.mark.parametrize(
    ("completer", "typed", "expected"),
    [
        (completion.complete_user, "", ["cobus", "carol", "dave"]),
        (completion.complete_user, "c", ["cobus", "carol"]),
        (completion.complete_user, "co", ["cobus"]),
        (completion.complete_user, "x", []),
        (completion.complete_user, "Cobus", []),  # IAM names are case-sensitive
        (completion.complete_account, "", ["master", "development", "production", "ml-dev"]),
        (completion.complete_account, "p", ["production"]),
        (completion.complete_account, "ml", ["ml-dev"]),
        (completion.complete_account, "d", ["development"]),
        (completion.complete_role, "", ["administrator", "read_only"]),
        (completion.complete_role, "r", ["read_only"]),
        (completion.complete_principal, "", ["cobus", "carol", "dave", "administrator", "read_only"]),
        (completion.complete_principal, "a", ["administrator"]),
        (completion.complete_profile, "", ["demo-master-cobus", "demo-production-cobus",
                                           "demo-development-cobus", "default"]),
        (completion.complete_profile, "demo-p", ["demo-production-cobus"]),
        (completion.complete_profile, "de", ["demo-master-cobus", "demo-production-cobus",
                                             "demo-development-cobus", "default"]),
        (completion.complete_profile, "corp", []),  # an sso-session is not a profile
        (completion.complete_profile, "nope", []),
    ],
)  # fmt: skip
def test_tab_completes_the_names_of_the_file_and_the_aws_config_in_their_order(
    home: Path, completer: completion.Completer, typed: str, expected: list[str]
) -> None:
    assert values(completer(context(home), PARAM, typed)) == expected


def test_a_profile_says_which_role_in_which_account_it_assumes(home: Path) -> None:
    items = {i.value: i.help for i in completion.complete_profile(context(home), PARAM, "demo")}
    assert items == {
        "demo-master-cobus": "keys or SSO",
        "demo-production-cobus": "administrator in 333333333333",
        "demo-development-cobus": "administrator in 222222222222",
    }


def test_the_config_file_option_of_the_command_wins_over_aws_config_file(home: Path) -> None:
    other = home / "other-config"
    other.write_text("[profile elsewhere]\nregion = us-east-1\n")
    ctx = context(home, config_file=other)
    assert values(completion.complete_profile(ctx, PARAM, "")) == ["elsewhere"]


def test_a_file_mid_edit_still_completes_what_it_names(home: Path) -> None:
    """Given cobus is adding a user and the file does not validate yet (the group does not exist), then TAB
    still offers every user the file names."""
    (home / "editing.yaml").write_text(CONFIG + "  erin: {groups: [no-such-group]}\n")
    ctx = context(home, "editing.yaml")
    assert values(completion.complete_user(ctx, PARAM, "")) == ["cobus", "carol", "dave", "erin"]
    assert values(completion.complete_account(ctx, PARAM, "prod")) == ["production"]


@pytest.mark.parametrize(
    "text",
    [
        None,  # no file at all
        "",
        "not: [valid",
        "- a list\n- not a mapping\n",
        "users: 3\naccounts: [a, b]\n",
        "\x00\x01binary",
        "users:\n  1: {}\n  true: {}\n",
        "a: " + "x" * (6 * 1024 * 1024),  # over rolegate.yaml's size limit
    ],
)
def test_a_missing_or_broken_file_completes_nothing_and_never_fails(home: Path, text: str | None) -> None:
    target = home / "broken.yaml"
    if text is not None:
        target.write_text(text)
    ctx = context(home, "broken.yaml")
    for completer in (completion.complete_user, completion.complete_account, completion.complete_role):
        assert values(completer(ctx, PARAM, "")) == []


def test_no_aws_config_completes_no_profile(home: Path, tmp_path: Path) -> None:
    ctx = context(home)
    ctx.find_object(Environment).environ = {"AWS_CONFIG_FILE": str(tmp_path / "missing")}  # type: ignore[union-attr]
    assert completion.complete_profile(ctx, PARAM, "") == []


# -- as bash runs it -------------------------------------------------------------------------------------


def bash_complete(home: Path, *words: str) -> list[str]:
    """What bash's completion function gets for `rolegate WORDS…` with the cursor on the last word."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLEGATE_", "_ROLEGATE", "COMP_"))
    }
    environ.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / "aws-config"),
        _ROLEGATE_COMPLETE="bash_complete",
        COMP_WORDS=" ".join(["rolegate", *words]),
        COMP_CWORD=str(len(words)),
    )
    done = subprocess.run(
        [ROLEGATE], cwd=home, env=environ, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if line.startswith("plain,")]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("links", "--user", "c"), ["cobus", "carol"]),
        (("profiles", "-u", ""), ["cobus", "carol", "dave"]),
        (("-c", "other.yaml", "links", "--user", ""), ["erin"]),
        (("links", "-c", "other.yaml", "--user", ""), ["erin"]),
        (("access", "--account", "p"), ["production"]),
        (("access", "--role", ""), ["administrator", "read_only"]),
        (("access", "--user", "ca"), ["carol"]),
        (("exec", "demo-p"), ["demo-production-cobus"]),
        (("console", "demo-d"), ["demo-development-cobus"]),
        (("console", "--multi-session", "demo-production-cobus", "demo-d"), ["demo-development-cobus"]),
        (("credential-process", "demo-m"), ["demo-master-cobus"]),
        (("logout", "demo-m"), ["demo-master-cobus"]),
        (("plan", "--profile", "demo-m"), ["demo-master-cobus"]),
        (("--profile", "def"), ["default"]),
        (("lockdown", "pro"), ["production"]),
        (("lockdown", "--user", "d"), ["dave"]),
        (("restore", "ml"), ["ml-dev"]),
        (("restore", "--user", "car"), ["carol"]),
        (("mfa", "enroll", "--user", "co"), ["cobus"]),
        (("access", "check", "--resource", "adm"), ["administrator@development", "administrator@production"]),
        (("access", "check", "--principal", "read_only@m"), ["read_only@ml-dev"]),
        (("access", "check", "--principal", "c"), ["cobus", "carol"]),
    ],
)
def test_bash_completes_names_through_rolegate_itself(
    home: Path, words: tuple[str, ...], expected: list[str]
) -> None:
    people = "  cobus: {groups: [admins]}\n  carol: {groups: [admins]}\n  dave: {groups: []}\n"
    (home / "other.yaml").write_text(CONFIG.replace(people, "  erin: {groups: [admins]}\n"))
    assert bash_complete(home, *words) == expected
