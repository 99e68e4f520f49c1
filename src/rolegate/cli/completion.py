"""Shell completion of the names people type: AWS CLI profiles from ~/.aws/config, and the users, accounts
and roles of rolegate.yaml, for click's `shell_complete` on the arguments and options that take them.

    eval "$(_ROLEGATE_COMPLETE=bash_source rolegate)"     # bash; zsh_source and fish_source likewise

A completion runs on every TAB, in the middle of someone's typing: it never fails and never prints. A file
that is missing, unreadable, too large or mid-edit (invalid) still completes what can be read from it. A
name is offered only when it is spelled entirely of the characters AWS names and profiles use, because the
shell puts the completed word on the command line as typed text: a name holding `;`, `$(…)`, a quote, a
space or a newline (from a hand-edited or hostile file) would run as a command the moment Enter is pressed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from rolegate import limits
from rolegate.cli.env import Environment

# The characters of IAM names and of the profile names rolegate writes (letters, digits, `_+=,.@-`), plus
# `/` and `:` of hand-written profiles: none of them means anything to a shell inside a word.
SAFE_WORD = re.compile(r"\A[A-Za-z0-9_+=,.@/:-]{1,128}\Z")

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def safe_words(names: Iterable[object], incomplete: str) -> list[str]:
    """The names that start with what was typed and are safe to put on a command line, each once, in order;
    anything else (not a string, a control character, shell syntax, a leading `-`) is left out."""
    seen: dict[str, None] = {}
    for name in names:
        safe = isinstance(name, str) and SAFE_WORD.match(name) and not name.startswith("-")
        if safe and isinstance(name, str) and name.startswith(incomplete):
            seen.setdefault(name, None)
    return list(seen)


def _environment(ctx: click.Context) -> Environment:
    """The run's Environment (run() hands it to click as ctx.obj, completion included), with what -c and
    --profile set; a bare one when a completer is called outside a run."""
    found = ctx.find_object(Environment)
    return found if found is not None else Environment()


# -- ~/.aws/config ---------------------------------------------------------------------------------------


def _aws_config(ctx: click.Context) -> Path:
    given = ctx.params.get("config_file")
    if isinstance(given, Path):
        return given
    environ = _environment(ctx).environ
    return Path(environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config").expanduser()


def profile_names(ctx: click.Context) -> dict[str, str]:
    """Each profile of the AWS config file with a word of help (the role it assumes, or what it is)."""
    from rolegate.creds.awsconfig import read_profiles

    return {name: _profile_help(p.role_arn) for name, p in read_profiles(_aws_config(ctx)).items()}


def _profile_help(role_arn: str | None) -> str:
    """`administrator in 123456789012` for a role profile, `keys or SSO` otherwise. The help is printed into
    the shell's completion protocol, a line per field: only safe words go in, so no newline can split it."""
    if not role_arn:
        return "keys or SSO"
    parts = role_arn.split(":")
    role, account = parts[-1].rsplit("/", 1)[-1], parts[4] if len(parts) > 5 else ""
    return f"{role} in {account}" if SAFE_WORD.match(role) and SAFE_WORD.match(account) else "a role"


def complete_profile(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    described = profile_names(ctx)
    return [CompletionItem(name, help=described[name]) for name in safe_words(described, incomplete)]


# -- rolegate.yaml ---------------------------------------------------------------------------------------


def config_path(ctx: click.Context) -> Path:
    """The rolegate.yaml the command would read. Completion parses the words without running the root
    command's body, which is where `rolegate -c FILE …` reaches the Environment, so the root's parsed value
    is read here; a -c after the command has reached it already, through global_options' callback."""
    env = _environment(ctx)
    given_first = ctx.find_root().params.get("config_path")
    if env.config_path == Path("rolegate.yaml") and isinstance(given_first, Path):
        return given_first
    return env.config_path


def _config_text(ctx: click.Context) -> str | None:
    try:
        return limits.read_text(config_path(ctx), limits.CONFIG_BYTES, "a rolegate.yaml")
    except Exception:  # missing, unreadable, too large, not text: TAB must never fail
        return None


def config_sections(ctx: click.Context, section: str) -> list[object]:
    """The keys of `accounts`, `users` or `roles` in the rolegate.yaml this run would read, as plain YAML:
    no validation, so a file mid-edit still completes and a TAB costs a YAML read (a third of a full load);
    `roles_at` (role@account, which needs `*` expanded) from a file that validates only."""
    text = _config_text(ctx)
    if text is None:
        return []
    if section == "roles_at":
        return _placements(text)
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe", pure=True).load(text)
    except Exception:  # not YAML at all: nothing to complete
        return []
    value = data.get(section) if isinstance(data, dict) else None
    return list(value) if isinstance(value, dict) else []


def _placements(text: str) -> list[object]:
    from rolegate.model.load import parse

    try:
        config = parse(text).config
    except Exception:  # mid-edit: where `*` reaches is not known yet
        return []
    return [f"{role}@{account}" for role in config.roles for account in config.role_accounts(role)]


def _from_config(section: str, what: str) -> Completer:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        names = config_sections(ctx, section)
        return [CompletionItem(name, help=what) for name in safe_words(names, incomplete)]

    return complete


complete_user = _from_config("users", "user in rolegate.yaml")
complete_account = _from_config("accounts", "account in rolegate.yaml")
complete_role = _from_config("roles", "role in rolegate.yaml")


complete_role_at = _from_config("roles_at", "role@account in rolegate.yaml")


def complete_principal(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """A user or a role (access --user takes either)."""
    return complete_user(ctx, param, incomplete) + complete_role(ctx, param, incomplete)


def complete_asker(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Who asks in `access check`: a user, or a role as role@account (a file that validates only)."""
    return complete_user(ctx, param, incomplete) + complete_role_at(ctx, param, incomplete)
