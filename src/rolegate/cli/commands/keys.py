"""`rolegate keys`: the hub user's access key in rolegate's secure store, never in a plaintext file.

create / add put a key in the store and wire the hub profile to it with a `credential_process` line; rotate
replaces it with proof; list shows every key's age and last use as the audit judges them. `keys
credential-process PROFILE` is what the hub profile runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from rolegate.cli.common import JSONValue, print_json
from rolegate.cli.env import Env, Gate
from rolegate.cli.options import global_options
from rolegate.errors import CredentialsError, ExitStatus, RolegateError
from rolegate.words import plural

if TYPE_CHECKING:
    from botocore.client import BaseClient  # what boto3.client() makes; rolegate has no stubs of its methods
    from rich.table import Table

    from rolegate.creds.credentials import Credentials
    from rolegate.creds.keys import KeyClients, KeyRow, StoredKey
    from rolegate.creds.store import Store
    from rolegate.local.aws_credentials import StaticKey

config_file_option = click.option(
    "--config-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The AWS config file the profile is wired in (default: $AWS_CONFIG_FILE or ~/.aws/config).",
)
LEVEL_STYLE = {"ok": "green", "old": "red", "unused": "yellow", "inactive": "dim"}
LEVEL_WORDS = {
    "ok": "",
    "old": "older than the audit allows: rolegate keys rotate",
    "unused": "never used",
    "inactive": "inactive",
}


@click.group("keys")
def keys() -> None:
    """The hub user's access key: kept in the OS keyring (or encrypted files), rotated, and shown by age.

    \b
    Examples:
      rolegate keys add demo-master-cobus                    # move a key out of ~/.aws/credentials
      rolegate keys create --user cobus --profile demo-master-cobus
      rolegate keys rotate                                   # new key, proven; the old one deleted
      rolegate keys list --all-users
    """


def _store() -> Store:
    from rolegate.creds.store import choose_store

    return choose_store()


def _note(env: Env) -> Callable[[str], None]:
    return lambda text: env.note(f"[dim]{escape(text)}[/]")


def _config_path(config_file: Path | None) -> Path:
    from rolegate.creds.awsconfig import aws_config_path

    return config_file or Path(aws_config_path())


def _read(path: Path) -> str:
    from rolegate import limits

    try:
        return limits.read_text(path, limits.AWS_FILE_BYTES, "an AWS config or credentials file")
    except FileNotFoundError:
        return ""


def _wiring(config_file: Path | None, profile: str) -> tuple[Path, str, str]:
    """The config file, its text, and its text with the hub profile wired; refuses a profile it cannot wire
    (an SSO or role profile) before anything is created."""
    from rolegate.cli.commands.local import rolegate_command
    from rolegate.local.aws_credentials import set_credential_process

    path = _config_path(config_file)
    text = _read(path)
    command = f"{rolegate_command()} keys credential-process {profile}"
    return path, text, set_credential_process(text, profile, command, str(path))


def _wire(env: Env, config_file: Path | None, profile: str) -> None:
    """The hub profile gets its key through `rolegate keys credential-process`, with a backup of the file."""
    path, text, wired = _wiring(config_file, profile)
    if wired == text:
        env.print(
            f"  {escape(str(path))}: {escape(f'[{profile}]')} already gets it through credential_process"
        )
        return
    from rolegate.cli.commands.local import rolegate_command
    from rolegate.local.aws_credentials import edit_file, set_credential_process

    command = f"{rolegate_command()} keys credential-process {profile}"
    # under the file's lock, on what it holds then: a write meanwhile (another tool's) is not lost
    backup = edit_file(path, lambda now: set_credential_process(now, profile, command, str(path)))
    env.print(
        f"  {escape(str(path))}: {escape(f'[{profile}]')} gets it through credential_process"
        + (f" (backup: {escape(backup.name)})" if backup else "")
    )


def _default_profile(env: Env, user: str | None) -> str:
    """The hub profile `rolegate profiles` writes for the user, when rolegate.yaml says what it is."""
    if user and env.config_path.exists():
        from rolegate.cli.common import load_config
        from rolegate.local.profiles import hub_profile_name

        return hub_profile_name(load_config(env, quiet=True).config, user)
    raise click.UsageError("name the hub profile to wire: --profile NAME (e.g. demo-master-cobus)")


def _check_no_plaintext(profile: str) -> None:
    from rolegate.local.aws_credentials import credentials_path, find_key

    path = Path(credentials_path())
    if find_key(_read(path), profile, where=str(path)) is not None:
        raise RolegateError(
            f"{path} already holds a key for [{profile}]; the SDKs would keep using that plaintext copy",
            f"`rolegate keys add {profile}` moves it into rolegate's store instead",
        )


@keys.command("create")
@click.option("--user", "-u", help="The hub user; default: the one the SDK's usual credentials are.")
@click.option("--show", is_flag=True, help="Print the secret too (only on a terminal).")
@config_file_option
@global_options
@click.pass_obj
def create(env: Env, user: str | None, show: bool, config_file: Path | None) -> int:
    """Create an access key for a hub user, keep it in rolegate's store, and wire the hub profile to it.

    --profile names the hub profile to wire (default: the one `rolegate profiles` writes for --user). The
    key is created with the SDK's usual credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, …): someone allowed
    to create the user's keys. IAM allows two keys per user; a user who has two is refused. The secret is
    never printed, but with --show on a terminal.

    \b
    Examples:
      rolegate keys create --user cobus --profile demo-master-cobus
      AWS_PROFILE=admin rolegate keys create -u cobus     # profile from rolegate.yaml: demo-master-cobus
    """
    from rolegate.creds.keys import KeyClients, prove, record_account
    from rolegate.creds.keys import create as create_key

    profile = env.profile or _default_profile(env, user)
    _check_no_plaintext(profile)
    _wiring(config_file, profile)  # a profile that cannot be wired is refused before a key exists
    store = _store()
    clients = KeyClients()
    entry = create_key(store, clients, profile, user, _note(env))
    env.print(
        f"[green]✓[/] {escape(entry.key.access_key_id)} created for {escape(entry.user)}, "
        f"kept in {escape(store.describe())}"
    )
    _wire(env, config_file, profile)
    try:
        arn = prove(clients, entry.key, entry.user, _note(env))
    except Exception as exc:
        raise CredentialsError(
            f"the key is stored and wired, but AWS has not accepted it yet: {exc}",
            f"IAM can take a minute; then `aws sts get-caller-identity --profile {profile}`",
        ) from None
    record_account(store, entry, arn)
    env.print(f"[green]✓[/] AWS accepts it: {escape(arn)}")
    _show_secret(env, show, entry)
    return ExitStatus.SUCCESS


def _show_secret(env: Env, show: bool, entry: StoredKey) -> None:
    if not show:
        return
    if not env.stdout_is_tty:
        env.note("--show prints the secret only on a terminal; it was not printed")
        return
    env.print(f"secret access key: {entry.key.secret_access_key}", markup=False)


def _key_from_stdin(env: Env) -> StaticKey:
    """`aws iam create-access-key` JSON, the console's CSV download, or `KEY_ID SECRET`, at most 64 KB."""
    from rolegate import limits
    from rolegate.local.aws_credentials import parse_key_input

    where = "standard input"
    return parse_key_input(
        limits.read_stream(env.stdin, limits.KEY_INPUT_BYTES, where, "an access key"), where
    )


@keys.command("add")
@click.argument("profile_name", metavar="PROFILE")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the key from standard input instead.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before removing the plaintext copy.")
@click.option(
    "--credentials-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The AWS credentials file (default: $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials).",
)
@config_file_option
@global_options
@click.pass_obj
def add(
    env: Env,
    profile_name: str,
    from_stdin: bool,
    yes: bool,
    credentials_file: Path | None,
    config_file: Path | None,
) -> int:
    """Move PROFILE's access key out of ~/.aws/credentials (or standard input) into rolegate's store.

    The key is proven first (GetCallerIdentity). Then it goes into the store, the profile gets it through a
    `credential_process` line, and its lines are removed from the credentials file — everything else in the
    file stays byte for byte, and a backup of it is kept (it still holds the key: delete it once all works).
    Asks before removing anything, unless --yes.

    \b
    Examples:
      rolegate keys add demo-master-cobus
      rolegate keys add demo-master-cobus --stdin --yes < cobus_accessKeys.csv
    """
    from rolegate.creds.keys import AccessKey, KeyClients, identify
    from rolegate.creds.keys import add as add_key
    from rolegate.local.aws_credentials import credentials_path

    cred_path = credentials_file or Path(credentials_path())
    conf_path = _config_path(config_file)
    found, source = _plaintext_key(env, profile_name, from_stdin, cred_path, conf_path)
    key = AccessKey(found.access_key_id, found.secret_access_key)
    user, account = identify(KeyClients(), key)
    store = _store()
    env.confirm(_add_gate(profile_name, key.access_key_id, user, account, store, source), yes=yes)
    add_key(store, profile_name, key, user, account)
    env.print(
        f"[green]✓[/] {escape(key.access_key_id)} ({escape(user)} in {account}) "
        f"kept in {escape(store.describe())}"
    )
    _wire(env, config_file, profile_name)
    if source is not None:
        _remove_plaintext(env, profile_name, source, is_config=source == conf_path)
    _other_plaintext_copies(env, key.access_key_id, (cred_path, conf_path))
    return ExitStatus.SUCCESS


def _plaintext_key(
    env: Env, profile_name: str, from_stdin: bool, cred_path: Path, conf_path: Path
) -> tuple[StaticKey, Path | None]:
    """The long-term key to move, checked, and the file it is in (None: standard input): PROFILE's section
    of the credentials file, else of the config file."""
    from rolegate.local.aws_credentials import checked_key, find_key

    source: Path | None = None
    found: StaticKey | None
    if from_stdin:
        found = _key_from_stdin(env)
    else:
        found = find_key(_read(cred_path), profile_name, where=str(cred_path))
        source = cred_path
        if found is None:
            found = find_key(_read(conf_path), profile_name, config_file=True, where=str(conf_path))
            source = conf_path
        if found is None:
            raise CredentialsError(
                f"no access key under [{profile_name}] in {cred_path} or {conf_path}",
                f"pipe it in instead: rolegate keys add {profile_name} --stdin < key.csv",
            )
    found = checked_key(found, str(source or "standard input"))
    if found.session_token:
        raise CredentialsError(
            f"[{profile_name}] holds temporary credentials (a session token), not a user's access key",
            "only an IAM user's long-term key is kept by rolegate",
        )
    return found, source


def _add_gate(
    profile_name: str, key_id: str, user: str, account: str, store: Store, source: Path | None
) -> Gate:
    where = "" if source is None else f" and take its lines out of {source}"
    return Gate(
        f"Move {key_id} ({user} in {account}) into {store.describe()}{where}? A backup of the file is kept",
        no_terminal=f"this would move {key_id} ({user}) into {store.describe()}{where}; nothing was changed",
        no_terminal_hint=f"run `rolegate keys add {profile_name} --yes` to do it without asking",
        cancelled="nothing was changed",
        typed_yes=False,  # a local file's lines move, with a backup: y/N, as `rm -i` asks
    )


def _remove_plaintext(env: Env, profile_name: str, source: Path, *, is_config: bool) -> None:
    """The key's lines out of `source`, under the file's lock, on what it holds then; the rest untouched."""
    from rolegate.local.aws_credentials import edit_file, remove_key

    backup = edit_file(
        source, lambda now: remove_key(now, profile_name, config_file=is_config, where=str(source))
    )
    env.print(
        f"  {escape(str(source))}: the key's lines under {escape(f'[{profile_name}]')} removed, "
        "the rest untouched"
    )
    if backup is not None:
        env.print(
            f"[yellow]![/] the backup {escape(str(backup))} still holds the key in plain text: "
            "delete it once "
            f"`aws sts get-caller-identity --profile {escape(profile_name)}` works"
        )


def _other_plaintext_copies(env: Env, key_id: str, paths: tuple[Path, Path]) -> None:
    from rolegate.local.aws_credentials import sections_with_key

    for path in dict.fromkeys(paths):
        others = sections_with_key(_read(path), key_id, str(path))
        if others:
            env.print(
                f"[yellow]![/] {escape(str(path))} still has the same key in plain text under "
                f"{escape(', '.join(f'[{s}]' for s in others))}"
            )


@keys.command("rotate")
@click.option("--user", "-u", help="Whose stored key (when the store holds several).")
@click.option(
    "--keep-old", is_flag=True, help="Deactivate the old key but keep it (the next rotation deletes it)."
)
@global_options
@click.pass_obj
def rotate(env: Env, user: str | None, keep_old: bool) -> int:
    """Replace the stored key: create, store, prove (retrying while IAM propagates), deactivate, delete.

    The calls are made with the stored key itself. Each step is recorded in the store before the next, so
    a failure leaves a key that works in the store, names the step, and running it again finishes the job.
    --profile picks the stored key when there are several.

    \b
    Examples:
      rolegate keys rotate
      rolegate keys rotate --profile demo-master-cobus --keep-old
    """
    from rolegate.creds.keys import KeyClients, choose, key_entry
    from rolegate.creds.keys import rotate as rotate_key
    from rolegate.creds.lock import refresh_lock

    store = _store()
    profile = choose(store, env.profile, user).profile
    with refresh_lock(key_entry(profile)):  # two rotations at once would make two keys: one waits
        entry = choose(store, profile, None)
        done = rotate_key(store, KeyClients(), entry, keep_old, _note(env))
    env.print(
        f"[green]✓[/] {escape(entry.profile)} now uses {escape(done.new)}"
        + (f" ({escape(done.arn)})" if done.arn else "")
    )
    for old in done.deleted:
        env.print(f"  {escape(old)} deactivated and deleted")
    for old in done.kept:
        env.print(f"  {escape(old)} inactive, kept (--keep-old); the next rotation deletes it")
    return ExitStatus.SUCCESS


def _list_credentials(env: Env, store: Store, kept: list[StoredKey]) -> Credentials | None:
    """The hub profile's stored key; else None, for the SDK's usual credentials, unless it has none and the
    store holds exactly one key: then that one (the store first, as for every credentials command)."""
    if env.profile:
        from rolegate.creds.keys import stored_credentials

        return stored_credentials(store, env.profile)
    if len(kept) == 1:
        import boto3

        if boto3.Session().get_credentials() is None:
            return kept[0].key.credentials()
    return None


@keys.command("list")
@click.option("--all-users", is_flag=True, help="Every user of the account, not only the stored keys' users.")
@click.option("--user", "-u", "users", multiple=True, help="This user's keys (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the keys as JSON.")
@global_options
@click.pass_obj
def list_(env: Env, all_users: bool, users: tuple[str, ...], as_json: bool) -> int:
    """Access keys per user: age, last use (date, service, region), status, and which one rolegate keeps.

    Coloured as the audit judges them: red past its age limit (90 days, RG012), yellow never used (RG013).
    Without --user or --all-users: the users whose keys rolegate keeps, else the caller.

    \b
    Examples:
      rolegate keys list
      rolegate keys list --all-users --profile demo-master-cobus
      rolegate keys list --json
    """
    from rolegate.creds.keys import KeyClients, key_rows, stored_keys

    store = _store()
    kept = stored_keys(store)
    credentials = _list_credentials(env, store, kept)
    clients = KeyClients(profile=None if credentials else env.profile)
    iam = clients.client("iam", credentials)
    names = _key_users(clients, iam, credentials, kept, all_users, users)
    rows = key_rows(iam, names, {k.key.access_key_id: k.profile for k in kept})
    now = env.now()
    if as_json:
        print_json(env, [_key_json(r, now) for r in rows])
    elif rows:
        if not env.stdout_is_tty:
            env.out.width = 200  # a pipe or a file gets whole lines, not 80 columns with ellipses
        env.print(_key_table(rows, now))
    else:
        env.print(f"no access keys for {escape(', '.join(names))}")
    return ExitStatus.SUCCESS


def _key_users(
    clients: KeyClients,
    iam: BaseClient,
    credentials: Credentials | None,
    kept: list[StoredKey],
    all_users: bool,
    users: tuple[str, ...],
) -> list[str]:
    """Whose keys to list: every user, the ones asked for, the stored keys' users, else the caller."""
    from rolegate.creds.keys import all_users as every_user
    from rolegate.creds.keys import caller_user

    if all_users:
        return every_user(iam)
    if users:
        return list(users)
    return list(dict.fromkeys(k.user for k in kept)) or [caller_user(clients.client("sts", credentials))[0]]


def _key_json(row: KeyRow, now: dt.datetime) -> dict[str, JSONValue]:
    from rolegate.creds.credentials import iso
    from rolegate.creds.keys import key_level

    used: JSONValue = None
    if row.last_used is not None:
        used = {"date": iso(row.last_used), "service": row.service, "region": row.region}
    return {
        "user": row.user,
        "access_key_id": row.access_key_id,
        "status": row.status,
        "created": iso(row.created),
        "age_days": row.age_days(now),
        "last_used": used,
        "stored_as": row.stored_as,
        "level": key_level(row, now),
    }


def _key_table(rows: list[KeyRow], now: dt.datetime) -> Table:
    """Coloured as the audit judges each key (LEVEL_STYLE)."""
    from rich.table import Table

    from rolegate.creds.keys import key_level

    table = Table(box=None, pad_edge=False, header_style="bold")
    for title in ("user", "access key", "status", "age", "last used", "stored as", ""):
        table.add_column(title, no_wrap=title != "")
    for r in rows:
        level = key_level(r, now)
        style = LEVEL_STYLE[level]
        used = (
            "never"
            if r.last_used is None
            else " ".join(x for x in (f"{r.last_used:%Y-%m-%d}", r.service, r.region) if x)
        )
        table.add_row(
            escape(r.user),
            escape(r.access_key_id),
            escape(r.status),
            f"[{style}]{plural(r.age_days(now), 'day')}[/]",
            used,
            escape(r.stored_as or ""),
            f"[{style}]{LEVEL_WORDS[level]}[/]",
        )
    return table


@keys.command("credential-process")
@click.argument("profile_name", metavar="PROFILE")
@click.option("--show", is_flag=True, help="Print even when standard output is a terminal.")
@global_options
@click.pass_obj
def credential_process(env: Env, profile_name: str, show: bool) -> int:
    """The credential_process JSON of PROFILE's stored key, for the AWS SDKs (what `keys add` wires).

    \b
    In ~/.aws/config:
      [profile demo-master-cobus]
      credential_process = rolegate keys credential-process demo-master-cobus
    """
    from rolegate.cli.env import no_secrets_on_a_terminal
    from rolegate.creds.keys import stored_credentials

    no_secrets_on_a_terminal(env, show, "the AWS SDKs call it through a pipe")
    credentials = stored_credentials(_store(), profile_name)
    if credentials is None:
        raise CredentialsError(
            f"rolegate's store holds no access key for profile {profile_name!r}",
            f"`rolegate keys add {profile_name} --stdin` stores one; `rolegate doctor` shows what is stored",
        )
    env.write(json.dumps(credentials.process_output()) + "\n")
    return ExitStatus.SUCCESS


# -- what --profile means in each keys command ---------------------------------------------------------------
# The global --profile is "the hub operator's credentials" everywhere else; in the keys commands it names the
# hub profile whose key is made, rotated or read, and the help says that (one meaning per command, the one
# the code uses). Where a command takes PROFILE as its argument, the global option is not used and is hidden.
PROFILE_HELP = {
    create: "The hub profile to wire to the new key (default: the one `rolegate profiles` writes for "
    "--user). The key itself is created with the SDK's usual credentials "
    "(AWS_PROFILE, AWS_ACCESS_KEY_ID, …).",
    rotate: "The stored key to rotate, by the hub profile it is wired to (when the store holds several); the "
    "calls are made with that key itself.",
    list_: "Read with this hub profile's stored key (default: the SDK's usual credentials, or the one "
    "stored key when there are none).",
}


def _profile_option(command: click.Command) -> click.Option:
    (option,) = [p for p in command.params if isinstance(p, click.Option) and "--profile" in p.opts]
    return option


for _command, _help in PROFILE_HELP.items():
    _profile_option(_command).help = _help
for _command in (add, credential_process):
    _profile_option(_command).hidden = True
