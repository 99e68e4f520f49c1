"""`rolegate export cloudformation|terraform -o DIR`: rolegate.yaml for teams with other engines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from rolegate.atomic import write_atomic
from rolegate.cli import progress
from rolegate.cli.common import load_config, print_json
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.errors import ExitStatus, LocalFileError

if TYPE_CHECKING:
    from rolegate.model.config import Config
    from rolegate.plan.compile import Desired


def _write(env: Env, directory: Path, texts: dict[str, str]) -> list[Path]:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LocalFileError(f"{directory}: cannot create the directory ({exc.strerror})") from None
    written = []
    for name, text in texts.items():
        path = directory / name
        backup = write_atomic(path, text, mode=0o644)
        written.append(path)
        if backup is not None:
            env.note(f"{path} existed; the old one is kept as {backup}")
    return written


def _desired(env: Env) -> tuple[Config, Desired]:
    from rolegate.plan.compile import compile_config

    loaded = load_config(env)
    return loaded.config, compile_config(loaded.config)


output_option = click.option(
    "-o",
    "--output",
    "directory",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory to write into (made if missing; files already there are backed up first).",
)


@click.group()
def export() -> None:
    """Write rolegate.yaml for other engines: CloudFormation templates, Terraform JSON.

    Generated from the same compiled state as `rolegate apply`: what an export deploys, it deploys as apply
    would, so `rolegate plan` shows no change for it. Secrets (login profiles, keys) are never exported.
    """


@export.command("cloudformation")
@output_option
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
@global_options
@click.pass_obj
def cloudformation(env: Env, directory: Path, as_json: bool) -> int:
    """The spoke roles and the hub as two CloudFormation templates (JSON).

    \b
    spoke.template.json  every role of the file; each created only in its accounts (a condition on
                         AWS::AccountId), "*" roles in every account but the hub; parameter HubAccountId
    hub.template.json    groups, grant policies, users (no passwords, no keys)

    \b
    Examples:
      rolegate export cloudformation -o cfn/
      rolegate apply --engine stacksets          # rolegate deploys the spoke template as a StackSet
      aws cloudformation deploy --template-file cfn/hub.template.json \\
          --stack-name rolegate-hub --capabilities CAPABILITY_NAMED_IAM
    """
    from rolegate.export.cloudformation import templates

    _, desired = _desired(env)
    written = _write(env, directory, templates(desired))
    if as_json:
        print_json(env, {"written": [str(p) for p in written]})
        return ExitStatus.SUCCESS
    for path in written:
        env.print(f"  [green]✓[/] {path}")
    env.print(
        "Deploy the spoke template to every account of your organizational units with "
        "[bold]rolegate apply --engine stacksets[/]."
    )
    return ExitStatus.SUCCESS


@export.command("terraform")
@output_option
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Take what exists from this snapshot (rolegate snapshot -o FILE) instead of reading the accounts.",
)
@click.option("--no-imports", is_flag=True, help="Read nothing and write no import blocks.")
@click.option("--json", "as_json", is_flag=True, help="Print the files written and the counts as JSON.")
@global_options
@click.pass_obj
def terraform(env: Env, directory: Path, snapshot_file: Path | None, no_imports: bool, as_json: bool) -> int:
    """Terraform JSON (*.tf.json): one aws provider alias per account, import blocks for what exists.

    The hub's provider uses your credentials; every other account's assumes organization.bootstrap_role.
    What exists and is rolegate's gets an `import` block (Terraform 1.5+), so the first `terraform plan`
    adopts it without a change. Login profiles, keys and MFA devices are left out: Terraform would have to
    hold their secrets.

    \b
    Examples:
      rolegate export terraform -o infra/iam/
      rolegate export terraform -o infra/iam/ --snapshot org.json   # offline
      cd infra/iam && terraform init && terraform plan
    """
    from rolegate.export.terraform import terraform_files

    config, desired = _desired(env)
    snapshot = None
    if snapshot_file is not None:
        from rolegate.state.snapshot_file import load_snapshot

        snapshot = load_snapshot(snapshot_file)
    elif not no_imports:
        from rolegate.runner import read_and_plan, sessions_for

        with progress.status(env, "Reading the accounts…"):
            snapshot, _ = read_and_plan(config, sessions_for(config, env.profile))
    result = terraform_files(desired, snapshot, config.organization.region)
    written = _write(env, directory, result.texts())
    if as_json:
        print_json(
            env,
            {"written": [str(p) for p in written], "imports": result.imports, "not_owned": result.not_owned},
        )
        return ExitStatus.SUCCESS
    for path in written:
        env.print(f"  [green]✓[/] {path}")
    env.print(f"{result.imports} import block(s) for what exists already and is rolegate's.")
    for item in result.not_owned:
        env.note(
            f"[yellow]not imported[/]: {item} exists and is not rolegate's; "
            "terraform apply would fail to create it (import it yourself, or rename it in rolegate.yaml)"
        )
    return ExitStatus.SUCCESS
