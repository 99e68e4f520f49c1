"""The StackSet engine's AWS side: read the StackSet and where it deploys, run the StackSet changes of a plan.

Thin on purpose: what to change is decided in export/stacksets.py from what is read here. StackSet
operations are asynchronous: each call that starts one is followed until CloudFormation reports it done.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from rolegate.aws.errors import error_code, error_of, refusal
from rolegate.aws.session import AwsSessions
from rolegate.errors import AwsError, RolegateError
from rolegate.export.stacksets import INSTANCES, KIND, StackSetState, Targets, stackset_name, stackset_plan
from rolegate.model.iam_shapes import tags_dict
from rolegate.plan.apply import ApplyResult
from rolegate.plan.changes import Change, Plan
from rolegate.plan.compile import Desired
from rolegate.state.snapshot import Snapshot

POLL_SECONDS = 5.0
TIMEOUT_SECONDS = 60 * 60  # AWS deploys to a few accounts at a time; large units take a while
_DONE = {"SUCCEEDED"}
_FAILED = {"FAILED", "STOPPED"}


def read_stackset(cfn: Any, name: str, region: str) -> StackSetState:
    from botocore.exceptions import ClientError

    try:
        stackset = cfn.describe_stack_set(StackSetName=name)["StackSet"]
    except ClientError as exc:
        if error_code(exc) in ("StackSetNotFoundException", "StackSetNotFound"):
            return StackSetState(name)
        raise
    if stackset.get("Status") == "DELETED":
        return StackSetState(name)
    try:
        template = json.loads(stackset.get("TemplateBody") or "{}")
    except ValueError:
        template = {}  # not JSON: not ours as it stands; an update rewrites it
    auto = stackset.get("AutoDeployment")
    instances = []
    for page in cfn.get_paginator("list_stack_instances").paginate(StackSetName=name):
        instances += [s["Account"] for s in page.get("Summaries", []) if s.get("Region") == region]
    return StackSetState(
        name=name,
        exists=True,
        tags=tags_dict(stackset.get("Tags", [])),
        template=template,
        parameters={p["ParameterKey"]: p["ParameterValue"] for p in stackset.get("Parameters", [])},
        permission_model=stackset.get("PermissionModel", ""),
        # moto does not report AutoDeployment; AWS always does for a service-managed StackSet.
        auto_deployment=None if auto is None else bool(auto.get("Enabled")),
        instances=tuple(sorted(set(instances))),
    )


def read_targets(org: Any, account_ids: list[str]) -> Targets:
    """The units that hold these accounts, and every account in them now (child units included, as AWS
    deploys to them). An account right under the root makes the root a target: the whole organization."""
    from botocore.exceptions import ClientError

    try:
        management = org.describe_organization()["Organization"]["MasterAccountId"]
        units = sorted(
            {org.list_parents(ChildId=a)["Parents"][0]["Id"] for a in account_ids if a != management}
        )
        accounts: dict[str, str] = {}
        for unit in units:
            stack = [unit]
            while stack:
                parent = stack.pop()
                for page in org.get_paginator("list_accounts_for_parent").paginate(ParentId=parent):
                    for account in page.get("Accounts", []):
                        accounts.setdefault(account["Id"], unit)
                pages = org.get_paginator("list_organizational_units_for_parent").paginate(ParentId=parent)
                for page in pages:
                    stack += [ou["Id"] for ou in page.get("OrganizationalUnits", [])]
    except ClientError as exc:
        code = error_code(exc)
        raise AwsError(
            f"Organizations refused to show where the accounts are ({code})",
            "the StackSet engine runs in the organization's management account: pass --profile with it",
        ) from None
    if not units:
        raise RolegateError(
            "no spoke account to deploy to: the StackSet engine deploys the roles to the organizational "
            "units of the file's accounts",
            "give the accounts ids (rolegate accounts create), or use the direct engine",
        )
    return Targets(tuple(units), accounts, management)


def plan_with_stacksets(desired: Desired, snapshot: Snapshot, direct: Plan, sessions: AwsSessions) -> Plan:
    spokes = [a.account_id for a in desired.accounts.values() if a.roles and not a.is_hub]
    targets = read_targets(sessions.organizations(), spokes)
    cfn = sessions.client("cloudformation", sessions.operator_account())
    state = read_stackset(cfn, stackset_name(desired.org), sessions.region)
    roles = {a.account_id: set(a.roles) for a in snapshot.accounts.values()}
    return stackset_plan(desired, direct, state, targets, sessions.region, roles)


def is_stackset_change(change: Change) -> bool:
    return change.kind in (KIND, INSTANCES)


def apply_stackset_changes(
    changes: list[Change],
    cfn: Any,
    *,
    on_done: Callable[[Change], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = POLL_SECONDS,
    timeout: float = TIMEOUT_SECONDS,
) -> ApplyResult:
    """Run each change's CloudFormation calls and wait for the StackSet operation each one starts."""
    from botocore import xform_name
    from botocore.exceptions import ClientError

    result = ApplyResult()
    for index, change in enumerate(changes):
        try:
            for call in change.calls:
                response = getattr(cfn, xform_name(call.operation))(**call.params)
                result.calls += 1
                operation = response.get("OperationId")
                if operation:
                    result.calls += _wait(cfn, call.params["StackSetName"], operation, sleep, poll, timeout)
        except (ClientError, AwsError) as exc:
            message = refusal(exc) if error_of(exc) else str(exc)
            result.failed = change
            result.error = (
                f"{change.account} ({change.account_id}): {change.action} {change.kind} {change.name}: "
            )
            result.error += message
            result.not_done = changes[index + 1 :]
            return result
        result.done.append(change)
        if on_done:
            on_done(change)
    return result


def _wait(
    cfn: Any, name: str, operation: str, sleep: Callable[[float], None], poll: float, timeout: float
) -> int:
    calls = 0
    deadline = time.monotonic() + timeout
    while True:
        status = cfn.describe_stack_set_operation(StackSetName=name, OperationId=operation)[
            "StackSetOperation"
        ]
        calls += 1
        if status["Status"] in _DONE:
            return calls
        if status["Status"] in _FAILED:
            reason = status.get("StatusReason") or "see the stack instances' status reasons"
            raise AwsError(
                f"StackSet {name}: operation {operation} {status['Status'].lower()}: {reason}",
                f"aws cloudformation list-stack-instances --stack-set-name {name}",
            )
        if time.monotonic() > deadline:
            raise AwsError(
                f"StackSet {name}: operation {operation} still running after {timeout / 60:.0f} minutes",
                "run `rolegate plan --engine stacksets` later: it shows what is left",
            )
        sleep(poll)
