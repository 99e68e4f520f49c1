"""`rolegate guardrails list|show`: the service and resource control policies rolegate ships, written for this
organization, to review before switching them on by name in rolegate.yaml's `guardrails:` (issue 20)."""

from __future__ import annotations

import json
import re

import click

from rolegate.cli.common import load_config, print_json
from rolegate.cli.env import Env
from rolegate.cli.options import global_options
from rolegate.errors import ExitStatus, RolegateError
from rolegate.model import names
from rolegate.model.guardrails import BUILT_IN, Facts

ORGANIZATION_ID = re.compile(r"\Ao-[a-z0-9]{10,32}\Z")  # Organizations' own pattern for an id


@click.group()
def guardrails() -> None:
    """The guardrails rolegate ships: SCPs and an RCP for the hub-and-spoke layout.

    \b
    Examples:
      rolegate guardrails list
      rolegate guardrails show protect-rolegate > protect-rolegate.json
      aws organizations create-policy --type SERVICE_CONTROL_POLICY --name protect-rolegate \\
        --description "rolegate's marks" --content file://protect-rolegate.json
    """


@guardrails.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@global_options
@click.pass_obj
def list_(env: Env, as_json: bool) -> int:
    """Each guardrail's name, kind and what it keeps."""
    if as_json:
        print_json(env, [{"name": g.name, "type": g.kind, "summary": g.summary} for g in BUILT_IN.values()])
        return ExitStatus.SUCCESS
    width = max(len(name) for name in BUILT_IN)
    for g in BUILT_IN.values():
        kind = "RCP" if g.kind == "RESOURCE_CONTROL_POLICY" else "SCP"
        env.print(f"{g.name:<{width}}  {kind}  {g.summary}", markup=False)
    return ExitStatus.SUCCESS


@guardrails.command("show")
@click.argument("name", type=click.Choice(sorted(BUILT_IN)))
@click.option(
    "--organization-id",
    metavar="O-ID",
    help="The organization's id (o-…), which deny-outside-org names.",
)
@click.option("--region", "regions", multiple=True, metavar="REGION", help="An allowed region (repeatable).")
@global_options
@click.pass_obj
def show(env: Env, name: str, organization_id: str | None, regions: tuple[str, ...]) -> int:
    """The guardrail's policy document for the organization rolegate.yaml describes.

    Its owner tag is organization.name, the role it lets through is organization.bootstrap_role, and the
    regions are organization.region unless --region names them.
    """
    config = load_config(env, quiet=True).config
    org = config.organization
    facts = Facts(
        org=org.name,
        bootstrap_role=org.bootstrap_role,
        regions=regions or (org.region,),
        organization_id=organization_id or "",
    )
    if organization_id is not None and not ORGANIZATION_ID.match(organization_id):
        raise click.BadParameter(
            f"{organization_id!r} is not an organization id (o- and 10 to 32 of a-z, 0-9)"
        )
    for region in regions:
        if not names.REGION_RE.match(region):
            raise click.BadParameter(f"{region!r} is not an AWS region name like us-west-2")
    try:
        document = BUILT_IN[name].document(facts)
    except ValueError as exc:
        raise RolegateError(f"guardrail {name}: {exc}", "pass --organization-id o-…") from None
    env.write(json.dumps(document, indent=2) + "\n")
    return ExitStatus.SUCCESS
