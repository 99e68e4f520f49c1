"""`rolegate profiles` and `rolegate links`: every place people switch roles, from rolegate.yaml alone.

No AWS call: the file knows the accounts, the roles and who reaches what.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from rolegate.atomic import write_atomic
from rolegate.cli.common import load_config, print_json
from rolegate.cli.completion import complete_user
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.cli.render import shown
from rolegate.errors import ExitStatus, RolegateError
from rolegate.model import names as alphabets
from rolegate.model.config import Config
from rolegate.model.validate import did_you_mean
from rolegate.safe_text import visible

if TYPE_CHECKING:
    from rolegate.local.profiles import Profile


def default_aws_config(env: Env) -> Path:
    return Path(env.environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config").expanduser()


def pick_users(config: Config, user: str | None, all_users: bool) -> list[str]:
    known = list(config.users)
    if all_users:
        return known
    if user is not None:
        if user not in config.users:
            hint = did_you_mean(user, known)
            raise RolegateError(
                f"no user {user!r} in rolegate.yaml",
                f"{hint + '  ' if hint else ''}users: {', '.join(known) or 'none'}",
            )
        return [user]
    if len(known) == 1:
        return known
    raise RolegateError(
        "which user? rolegate.yaml has " + (f"{len(known)}: {', '.join(known)}" if known else "none"),
        "pass --user NAME, or --all-users --out DIR for every user",
    )


def _out_dir(out: Path | None, all_users: bool) -> Path | None:
    if all_users and out is None:
        raise RolegateError("--all-users writes one file per user and needs --out DIR")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    return out


user_option = click.option(
    "--user",
    "-u",
    shell_complete=complete_user,
    help="The person (a user in rolegate.yaml); default: the only one.",
)
all_users_option = click.option("--all-users", is_flag=True, help="Every user, one file each in --out DIR.")
out_option = click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), help="Directory for --all-users."
)


@click.command()
@user_option
@all_users_option
@out_option
@click.option("--write", is_flag=True, help="Merge into the AWS config file instead of printing.")
@click.option(
    "--config-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The AWS config file to merge into (default: $AWS_CONFIG_FILE or ~/.aws/config).",
)
@click.option("--prefix", help="Profile name prefix instead of organization.name.")
@click.option(
    "--credential-process",
    "use_process",
    is_flag=True,
    help="Profiles that get their credentials from `rolegate credential-process` (one MFA prompt a day).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the profiles as JSON.")
@global_options
@click.pass_obj
def profiles(
    env: Env,
    user: str | None,
    all_users: bool,
    out: Path | None,
    write: bool,
    config_file: Path | None,
    prefix: str | None,
    use_process: bool,
    as_json: bool,
) -> int:
    """The ~/.aws/config profiles for a user: one per role they reach, switching from the hub profile.

    \b
    Names: <org>-<account>-<user>, plus -<role> when the user reaches several roles in one account; the hub
    profile <org>-<hub>-<user> is their source (its keys live in ~/.aws/credentials or a credential helper;
    rolegate never writes credentials). Each has role_arn, source_profile, role_session_name, region,
    mfa_serial when the role demands MFA, and duration_seconds from max_session.

    With --write they are merged into the AWS config file: profiles rolegate wrote before are updated or
    removed, a hand-written one for the same role is adopted, and everything else stays byte for byte
    (atomic write, timestamped backup, mode kept). Running it twice changes nothing.

    \b
    Examples:
      rolegate profiles --user cobus
      rolegate profiles --user cobus --write
      rolegate profiles --all-users --out team-profiles/
      rolegate profiles --user cobus --credential-process --write
    """
    from functools import partial

    from rolegate.local.profiles import render_profiles
    from rolegate.local.profiles import user_profiles as profiles_of

    user_profiles = partial(profiles_of, credential_process=rolegate_command() if use_process else None)
    _check_prefix(prefix)
    config = load_config(env, quiet=True).config
    users = pick_users(config, user, all_users)
    out_dir = _out_dir(out, all_users)
    if as_json:
        print_json(
            env,
            {u: [{"name": p.name, **p.settings} for p in user_profiles(config, u, prefix)] for u in users},
        )
    elif out_dir is not None:
        for u in users:
            target = out_dir / f"{u}.aws-config"
            write_atomic(target, render_profiles(user_profiles(config, u, prefix)), mode=0o600)
            env.print(f"wrote {target}")
    elif not write:
        for u in users:
            env.out.print(render_profiles(user_profiles(config, u, prefix)), markup=False, end="")
    else:
        (name,) = users
        path = config_file or default_aws_config(env)
        _merge_into(env, path, user_profiles(config, name, prefix), prefix or config.organization.name, name)
    return ExitStatus.SUCCESS


def _check_prefix(prefix: str | None) -> None:
    if prefix is not None and not alphabets.ORG_NAME.ok(prefix):
        raise RolegateError(
            f"--prefix {prefix!r} cannot start a profile name",
            f"a prefix is like organization.name: {alphabets.ORG_NAME.rule}",
        )


def _merge_into(env: Env, path: Path, wanted: list[Profile], org: str, user: str) -> None:
    """`profiles --write`: the user's profiles merged into the AWS config file, and what that did to it."""
    from rolegate.local.aws_config import write_profiles

    result, backup = write_profiles(path, wanted, org, user)
    for word, names in (
        ("added", result.added),
        ("updated", result.updated),
        ("adopted", result.adopted),
        ("removed", result.removed),
    ):
        if names:
            env.print(f"  {word:<8} {shown(', '.join(names))}")
    if result.kept:
        env.print(
            f"  kept     {shown(', '.join(result.kept))} (your own hub profile: its credentials stay yours)"
        )
    done = (
        "no change." if not result.changed else "written" + (f" (backup: {backup.name})." if backup else ".")
    )
    env.print(f"{path}: {done}")
    if result.has_default:
        env.note(
            "[yellow]warning:[/] a \\[default] profile exists: the CLI uses it whenever --profile is "
            "forgotten; the hub-and-spoke layout advises against one (name every profile you use)"
        )


@click.command()
@user_option
@all_users_option
@out_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "aesr"]),
    default="text",
    show_default=True,
    help="text: switch-role URLs; html: a self-contained launch page; aesr: aws-extend-switch-roles config.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the links as JSON.")
@global_options
@click.pass_obj
def links(env: Env, user: str | None, all_users: bool, out: Path | None, fmt: str, as_json: bool) -> int:
    """Switch-role links for a user and the sign-in URL, as text, a launch page, or an AESR config.

    \b
    Links use the console's own colour palette (the nearest to each account's colour) and each account's
    display_name (else its name, capitalised); the AESR config takes the file's colours as they are. Several
    roles side by side: the console's multi-session (turn it on once in its account menu; up to 5 sessions
    per browser), and `rolegate console --multi-session P1 P2`.

    \b
    Examples:
      rolegate links --user cobus
      rolegate links --user cobus --format html > cobus.html
      rolegate links --user cobus --format aesr        # paste into the extension's configuration
      rolegate links --all-users --format html --out launch/
    """
    from rolegate.local.links import SIDE_BY_SIDE, signin_url, user_links

    config = load_config(env, quiet=True).config
    users = pick_users(config, user, all_users)
    out_dir = _out_dir(out, all_users)
    if as_json:
        print_json(
            env,
            {
                "signin_url": signin_url(config),
                "side_by_side": SIDE_BY_SIDE,
                "users": {u: [vars(link) for link in user_links(config, u)] for u in users},
            },
        )
        return ExitStatus.SUCCESS
    for u in users:
        text = render_links(config, u, fmt)
        if out_dir is not None:
            target = out_dir / f"{u}.{ {'text': 'txt', 'html': 'html', 'aesr': 'aesr.ini'}[fmt] }"
            write_atomic(target, text, mode=0o644)
            env.print(f"wrote {target}")
        elif fmt == "text" and env.stdout_is_tty:
            _print_coloured(env, config, u)
        else:
            env.out.file.write(text)
    if out_dir is not None or (fmt == "text" and env.stdout_is_tty):
        env.print(f"[dim]{shown(SIDE_BY_SIDE)}[/]")  # on a pipe, stdout stays the page or the links alone
    return ExitStatus.SUCCESS


def rolegate_command() -> str:
    """How the SDKs should start rolegate: this very executable, by absolute path, since they run the
    credential_process without the virtualenv or PATH the person had when writing the profiles."""
    import shlex
    import shutil
    import sys

    me = Path(sys.argv[0])
    found = str(me.resolve()) if me.name == "rolegate" and me.exists() else shutil.which("rolegate")
    return shlex.quote(found) if found else "rolegate"


def render_links(config: Config, user: str, fmt: str) -> str:
    from rolegate.local.links import signin_url, user_links

    if fmt == "html":
        from rolegate.local.launchpage import render_html

        return render_html(config, user)
    if fmt == "aesr":
        from rolegate.local.aesr import render_aesr

        return render_aesr(config, user)
    # Plain text for pipes: a name from elsewhere could hold a tab, a newline or a control; shown escaped.
    lines = [f"sign in: {visible(signin_url(config), one_line=True)}"]
    lines += [
        "\t".join(visible(part, one_line=True) for part in (link.account, link.role, link.url))
        for link in user_links(config, user)
    ]
    return "\n".join(lines) + "\n"


def _print_coloured(env: Env, config: Config, user: str) -> None:
    from rolegate.local.links import signin_url

    env.print(f"[bold]Sign in:[/]  {shown(signin_url(config))}")
    print_switch_links(env, config, user)


def print_switch_links(env: Env, config: Config, user: str) -> None:
    """A dot in the console's colour, the account, the link (its roleName says the role)."""
    from rolegate.local.links import user_links

    env.print(f"[bold]Switch role ({shown(user)}):[/]")
    for link in user_links(config, user):
        env.print(f"  [#{link.colour}]●[/] {shown(f'{link.account:<12}')} {shown(link.url)}")
