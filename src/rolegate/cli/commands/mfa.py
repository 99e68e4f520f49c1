"""`rolegate mfa enroll`: the seed's "set up MFA on your user" from the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from rolegate.cli.completion import complete_user
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.errors import CredentialsError, ExitStatus, RolegateError

if TYPE_CHECKING:  # boto3 is imported only when enrolling
    from boto3.session import Session
    from botocore.client import (
        BaseClient,  # what session.client() makes; rolegate has no stubs of its methods
    )


@click.group("mfa")
def mfa() -> None:
    """MFA devices of hub users."""


def _caller_user(session: Session) -> str:
    arn = str(session.client("sts").get_caller_identity()["Arn"])
    if ":user/" not in arn:
        raise CredentialsError(
            f"you are signed in as {arn}, not as an IAM user", "pass --user with the hub user to enroll"
        )
    return arn.rsplit("/", 1)[-1]


def _account_label(session: Session, iam: BaseClient) -> str:
    aliases = iam.list_account_aliases().get("AccountAliases") or []
    return str(aliases[0]) if aliases else str(session.client("sts").get_caller_identity()["Account"])


@mfa.command("enroll")
@click.option(
    "--user", "-u", shell_complete=complete_user, help="The hub user; default: the one you are signed in as."
)
@click.option("--replace", is_flag=True, help="Deactivate and delete the user's current device first.")
@click.option("--show-secret", is_flag=True, help="Also print the secret, for apps that cannot scan.")
@click.option(
    "--config-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The AWS config file whose rolegate profiles get the new mfa_serial (default: ~/.aws/config).",
)
@global_options
@click.pass_obj
def enroll(env: Env, user: str | None, replace: bool, show_secret: bool, config_file: Path | None) -> int:
    """Give a hub user a virtual MFA device: scan the QR code, type two codes in a row, done.

    Uses the hub credentials (--profile, or the SDK's usual chain). The profiles rolegate wrote for the user
    get the device's mfa_serial. A user who already has a device keeps it unless --replace.

    \b
    Examples:
      rolegate mfa enroll                       # yourself, signed in as your hub user
      rolegate mfa enroll --user cobus --profile admin
    """
    import boto3
    import segno

    from rolegate.creds.enroll import create_device, enable_device, existing_devices, remove_devices
    from rolegate.creds.mfa import ask_terminal

    session = boto3.Session(profile_name=env.profile)
    iam = session.client("iam")
    user = user or _caller_user(session)
    current = existing_devices(iam, user)
    if current and not replace:
        raise RolegateError(
            f"{user} already has an MFA device ({current[0]}); nothing was changed",
            "pass --replace to deactivate it and enroll a new one",
        )
    if not env.stdout_is_tty:
        raise RolegateError(
            "enrolment shows a QR code that holds the device's secret, and standard output is not a terminal",
            "run it in a terminal, not through a pipe or a file",
        )
    account = _account_label(session, iam)
    if current:
        remove_devices(iam, user, current)
        env.note(f"removed {escape(', '.join(current))}")
    device = create_device(iam, user)
    try:
        env.print(f"Scan this with your authenticator app ([bold]{escape(user)}[/] in {escape(account)}):")
        segno.make(device.otpauth_uri(user, account), error="m").terminal(out=env.stdout, compact=True)
        if show_secret:
            env.print(f"secret: {device.seed}", markup=False)
        first = ask_terminal("First code: ", "an MFA code")
        second = ask_terminal("Next code (wait for the app to change it): ", "a second MFA code")
    except BaseException:
        iam.delete_virtual_mfa_device(SerialNumber=device.serial)  # nothing half-made is left behind
        raise
    enable_device(iam, user, device, first, second)
    env.print(f"[green]✓[/] MFA device {escape(device.serial)} enabled for {escape(user)}")
    _update_profiles(env, config_file, user, device.serial)
    return ExitStatus.SUCCESS


def _update_profiles(env: Env, config_file: Path | None, user: str, serial: str) -> None:
    from rolegate.atomic import update_file
    from rolegate.creds.awsconfig import aws_config_path
    from rolegate.local.aws_config import set_mfa_serial

    path = config_file or Path(aws_config_path())
    if not path.exists():
        env.print(f"`rolegate profiles --user {escape(user)} --write` writes profiles that use it.")
        return

    def set_serial(text: str | None) -> tuple[str | None, list[str]]:
        return set_mfa_serial(text, user, serial) if text is not None else (None, [])

    # the read and the write are one operation under the file's lock: a profile written meanwhile stays
    changed, backup = update_file(path, set_serial)
    if changed:
        env.print(
            f"{path}: mfa_serial set in {escape(', '.join(changed))}"
            + (f" (backup: {backup.name})." if backup else ".")
        )
    else:
        env.print(f"{path}: the profiles rolegate wrote for {escape(user)} already name this device.")
