"""A create that was carried out but whose answer was lost is recognised, not done twice.

When a connection drops after IAM made a role, the SDK sends CreateRole again and IAM answers
EntityAlreadyExists. That is success if what exists is what the call would have made (rolegate's ownership
mark and the same documents); anything else is a real conflict and stays an error. CreatePolicyVersion is
the one create IAM does not refuse twice: a retry makes a second, identical version, which is removed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rolegate.model import policydoc
from rolegate.plan.changes import Call
from rolegate.plan.kinds import alias, group, policy, role, user

# The creates whose retry answers EntityAlreadyExists: how to read what exists, and the kind's own test of
# whether it is what the call makes (plan/kinds/).
Read = Callable[[Any, str, dict[str, Any]], Any]
_CHECKS: dict[str, tuple[Read, Callable[[Call, Any], bool]]] = {
    "CreateRole": (lambda iam, _, p: iam.get_role(RoleName=p["RoleName"])["Role"], role.made_by),
    "CreateUser": (lambda iam, _, p: iam.get_user(UserName=p["UserName"])["User"], user.made_by),
    "CreateGroup": (
        lambda iam, _, p: iam.get_group(GroupName=p["GroupName"], MaxItems=1)["Group"],
        group.made_by,
    ),
    "CreatePolicy": (
        lambda iam, account_id, p: _default_document(iam, policy.arn_made_by(account_id, p)),
        policy.made_by,
    ),
    "CreateAccountAlias": (
        lambda iam, _, p: iam.list_account_aliases().get("AccountAliases", []),
        alias.made_by,
    ),
}
CHECKED_CREATES = frozenset(_CHECKS)


def retry_attempts(answer: Any) -> int:
    """How many times the SDK resent a call (an answer dict, or a ClientError carrying one)."""
    response = answer if isinstance(answer, dict) else getattr(answer, "response", {})
    return int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0)


def already_made(iam: Any, account_id: str, call: Call) -> bool:
    """True when the resource a create was refused for (EntityAlreadyExists) matches the call exactly."""
    check = _CHECKS.get(call.operation)
    if check is None:
        return False
    read, made_by = check
    return made_by(call, read(iam, account_id, call.params))


def _default_document(iam: Any, arn: str) -> Any:
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    return version["Document"]


def _default_document_is(iam: Any, arn: str, document: str) -> bool:
    return policydoc.equivalent(_default_document(iam, arn), document)


def version_already_made(iam: Any, call: Call) -> bool:
    """A retried CreatePolicyVersion refused for LimitExceeded: the first attempt filled the last slot."""
    return _default_document_is(iam, call.params["PolicyArn"], call.params["PolicyDocument"])


def drop_duplicate_versions(iam: Any, call: Call, answer: dict[str, Any]) -> int:
    """After a retried CreatePolicyVersion: delete the versions the lost attempts made (non-default, just
    below the new default, same document). Returns the calls made."""
    arn = call.params["PolicyArn"]
    made = int(answer["PolicyVersion"]["VersionId"].lstrip("v"))
    retries = retry_attempts(answer)
    calls = 1
    for version in iam.list_policy_versions(PolicyArn=arn).get("Versions", []):
        number = int(version["VersionId"].lstrip("v"))
        if version.get("IsDefaultVersion") or not made - retries <= number < made:
            continue
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version["VersionId"])["PolicyVersion"]
        calls += 1
        if policydoc.equivalent(document["Document"], call.params["PolicyDocument"]):
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
            calls += 1
    return calls
