"""Read the organization's shape: its root, the unit tree, where each account is, and its control policies.

Read only when rolegate.yaml declares units or guardrails (a plan of IAM alone costs no Organizations call),
with the operator's own credentials: Organizations answers only in the management account (or a delegated
administrator). A handful of calls per unit plus three per customer policy; the accounts' places come from
ListAccountsForParent per unit, not ListParents per account, so 500 accounts in 10 units cost 11 calls.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rolegate.aws.errors import error_code, refusal
from rolegate.aws.retry import patiently
from rolegate.errors import AwsError
from rolegate.limits import loads_json
from rolegate.model.iam_shapes import tags_dict
from rolegate.model.names import UNIT
from rolegate.state.snapshot import ControlPolicy, OrganizationalUnit, OrganizationState

POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")


def _pages(organizations: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    paginator = organizations.get_paginator(operation)
    for page in patiently(lambda: list(paginator.paginate(**params))):
        found += page.get(key, [])
    return found


def _tags(organizations: Any, resource_id: str) -> dict[str, str]:
    return tags_dict(_pages(organizations, "list_tags_for_resource", "Tags", ResourceId=resource_id))


def read_organization(organizations: Any) -> OrganizationState:
    """The organization as it is now. Not in an organization, or not allowed to read it: an AwsError that
    says which, with what to do."""
    try:
        return _read(organizations)
    except AwsError:
        raise
    except Exception as exc:
        code = error_code(exc)
        if code == "AWSOrganizationsNotInUseException":
            raise AwsError(
                "the hub is not in an organization: rolegate.yaml's units and guardrails have nowhere to go",
                "create one in the management account: "
                "aws organizations create-organization --feature-set ALL",
            ) from None
        raise AwsError(
            f"Organizations could not be read: {refusal(exc)}",
            "units and guardrails are read with the management account's credentials (--profile)",
        ) from None


def _read(organizations: Any) -> OrganizationState:
    described = patiently(organizations.describe_organization)["Organization"]
    root = _pages(organizations, "list_roots", "Roots")[0]
    state = OrganizationState(
        id=described["Id"],
        management_account_id=described["MasterAccountId"],
        root_id=root["Id"],
        policy_types=sorted(t["Type"] for t in root.get("PolicyTypes", []) if t.get("Status") == "ENABLED"),
    )
    parents = [(root["Id"], "")]
    while parents:  # breadth first: every unit after its parent
        parent_id, prefix = parents.pop(0)
        for account in _pages(organizations, "list_accounts_for_parent", "Accounts", ParentId=parent_id):
            state.parents[account["Id"]] = parent_id
        units = _pages(
            organizations, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id
        )
        for unit in sorted(units, key=lambda u: u["Name"]):
            # Organizations takes any text for a name, `/` too: a unit named "A/B" under the root must not
            # pass for B inside A. A name rolegate would not write is kept under its id, which no path of
            # the file can spell, so it is never mistaken for one (and never rolegate's: plan/kinds/unit.py).
            name = unit["Name"] if UNIT.ok(unit["Name"]) else f"<{unit['Id']}>"
            path = f"{prefix}{name}"
            state.units[path] = OrganizationalUnit(
                unit["Id"], path, parent_id, _tags(organizations, unit["Id"])
            )
            parents.append((unit["Id"], f"{path}/"))
    for policy_type in POLICY_TYPES:
        if policy_type in state.policy_types:
            for summary in _pages(organizations, "list_policies", "Policies", Filter=policy_type):
                policy = _policy(organizations, summary, policy_type)
                state.policies.setdefault(policy.name, policy)  # a second of the same name is not rolegate's
    return state


def _policy(organizations: Any, summary: dict[str, Any], policy_type: str) -> ControlPolicy:
    pid = summary["Id"]
    content = patiently(partial(organizations.describe_policy, PolicyId=pid))["Policy"]["Content"]
    document = loads_json(content, f"policy {summary['Name']} ({pid})", "a control policy")
    targets = _pages(organizations, "list_targets_for_policy", "Targets", PolicyId=pid)
    aws_managed = bool(summary.get("AwsManaged"))
    return ControlPolicy(
        id=pid,
        name=summary["Name"],
        type=policy_type,
        document=document if isinstance(document, dict) else {},
        description=summary.get("Description", ""),
        aws_managed=aws_managed,
        tags={} if aws_managed else _tags(organizations, pid),
        targets=sorted(t["TargetId"] for t in targets),
    )
