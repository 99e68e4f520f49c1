"""Create the accounts of the file through AWS Organizations, idempotently.

An account whose email the organization already has is not created again: its id is taken, so a run that
was interrupted while AWS was still creating accounts finishes on the next run without duplicates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rolegate.aws.errors import error_code, refusal
from rolegate.errors import AwsError

POLL_SECONDS = 5.0
TIMEOUT_SECONDS = 15 * 60  # AWS usually takes a few minutes per account


@dataclass(frozen=True)
class AccountRequest:
    name: str  # logical name in rolegate.yaml
    email: str
    display_name: str  # the account name AWS shows in the console's top-right corner


def existing_accounts(org: Any) -> dict[str, str]:
    """email (lowercase) -> account id, for every account already in the organization."""
    from botocore.exceptions import ClientError

    found: dict[str, str] = {}
    try:
        for page in org.get_paginator("list_accounts").paginate():
            for account in page.get("Accounts", []):
                found[account["Email"].lower()] = account["Id"]
    except ClientError as exc:
        code = error_code(exc)
        if code == "AWSOrganizationsNotInUseException":
            raise AwsError(
                "this account is not in an organization, so it cannot create accounts",
                "create one in the management account: "
                "aws organizations create-organization --feature-set ALL",
            ) from None
        raise AwsError(
            f"Organizations refused to list accounts: {code}",
            "run with the management account's credentials (--profile)",
        ) from None
    return found


def create_accounts(
    org: Any,
    requests: list[AccountRequest],
    *,
    on_progress: Callable[[AccountRequest, str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = POLL_SECONDS,
    timeout: float = TIMEOUT_SECONDS,
    found: dict[str, str] | None = None,
) -> dict[str, str]:
    """Logical name -> new account id. Raises AwsError naming the account when AWS refuses or fails one.

    `found` is filled in as each id becomes known, so a caller stopped part way (Ctrl-C, a failed account)
    still knows, and can write down, the ids it already has."""
    from botocore.exceptions import ClientError

    def say(request: AccountRequest, state: str) -> None:
        if on_progress:
            on_progress(request, state)

    known = existing_accounts(org)
    ids: dict[str, str] = found if found is not None else {}
    pending: dict[str, AccountRequest] = {}
    for request in requests:
        if request.email.lower() in known:
            ids[request.name] = known[request.email.lower()]
            say(request, "exists")
            continue
        try:
            status = org.create_account(Email=request.email, AccountName=request.display_name)[
                "CreateAccountStatus"
            ]
        except ClientError as exc:
            raise AwsError(
                f"account {request.name}: Organizations refused CreateAccount: {refusal(exc)}",
                "check the email is unused by any AWS account and the organization's account quota",
            ) from None
        pending[status["Id"]] = request
        say(request, "requested")
    deadline = time.monotonic() + timeout
    while pending:
        for request_id, request in list(pending.items()):
            status = org.describe_create_account_status(CreateAccountRequestId=request_id)[
                "CreateAccountStatus"
            ]
            if status["State"] == "SUCCEEDED":
                ids[request.name] = status["AccountId"]
                del pending[request_id]
                say(request, "created")
            elif status["State"] == "FAILED":
                raise AwsError(
                    f"account {request.name}: AWS could not create it ({status.get('FailureReason')})",
                    "fix the cause (often EMAIL_ALREADY_EXISTS) and run `rolegate accounts create` again",
                )
        if pending:
            if time.monotonic() > deadline:
                names = ", ".join(r.name for r in pending.values())
                raise AwsError(
                    f"accounts still being created after {timeout / 60:.0f} minutes: {names}",
                    "run `rolegate accounts create` again later: it picks up where AWS is",
                )
            sleep(poll)
    return ids
