"""The guardrails rolegate ships (issue 20): service and resource control policies a file switches on by name.
Pure: each is a function of the organization's facts to a policy document, reviewed here once.

SCPs never apply to the management account and never grant: each of these is a Deny beside FullAWSAccess.
Every guardrail that could stop rolegate itself exempts the role rolegate reaches a spoke through
(`organization.bootstrap_role`), by ARN pattern, since that is the principal apply acts as there.

    protect-rolegate             rolegate's ownership marks (rolegate:* tags, the /rolegate/ path) and the
                                 resources they mark, changed by nobody but rolegate's own role: what makes
                                 a mark proof, not a hint (plan/ownership.py)
    deny-leave-organization      no account leaves the organization (it would shed every SCP)
    region-allow-list            nothing outside the file's regions, global services aside
    deny-root-user               the root user of a member account does nothing
    require-mfa-for-iam-writes   IAM changes only from a session signed in with MFA (rolegate's role aside)
    deny-outside-org (RCP)       S3, STS, KMS, SQS and Secrets Manager resources answer only principals of
                                 the organization (and AWS services acting for it)

What the guardrails are not yet: declared in rolegate.yaml, planned and applied as a kind (issue 20, item 2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from rolegate.model import naming

VERSION = "2012-10-17"
MAX_SCP_BYTES = 5120  # Organizations' size limit for a service (and resource) control policy
OWNER_TAG_KEYS = "rolegate:*"
OWNED_PATH = naming.OWNED_PATH

# IAM changes that alter a role: what a forger would do to a role rolegate marked, or to its way in.
ROLE_CHANGES = (
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
MARK_WRITES = (
    "iam:TagRole",
    "iam:UntagRole",
    "iam:TagUser",
    "iam:UntagUser",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)
# Writes under /rolegate/: making, moving or changing a group or policy there is making a mark.
PATH_WRITES = (
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:CreateGroup",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeleteGroup",
    "iam:DeleteGroupPolicy",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:DetachGroupPolicy",
    "iam:PutGroupPolicy",
    "iam:RemoveUserFromGroup",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateGroup",
)
# AWS's own example of a region allow-list keeps global services out of the condition: they are called in
# us-east-1 whatever the region (Organizations' user guide: "Deny access to AWS based on the requested
# Region").
GLOBAL_SERVICES = (
    "a4b:*",
    "acm:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "budgets:*",
    "ce:*",
    "chime:*",
    "cloudfront:*",
    "config:*",
    "cur:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    "fms:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "importexport:*",
    "kms:*",
    "mobileanalytics:*",
    "networkmanager:*",
    "organizations:*",
    "pricing:*",
    "route53:*",
    "route53domains:*",
    "route53-recovery-cluster:*",
    "route53-recovery-control-config:*",
    "route53-recovery-readiness:*",
    "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*",
    "shield:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "waf-regional:*",
    "waf:*",
    "wafv2:*",
)
IAM_WRITES = (
    "iam:Add*",
    "iam:Attach*",
    "iam:Change*",
    "iam:Create*",
    "iam:Deactivate*",
    "iam:Delete*",
    "iam:Detach*",
    "iam:Enable*",
    "iam:Put*",
    "iam:Remove*",
    "iam:Reset*",
    "iam:Resync*",
    "iam:Set*",
    "iam:Tag*",
    "iam:Untag*",
    "iam:Update*",
    "iam:Upload*",
)
PERIMETER_SERVICES = ("s3:*", "sts:*", "kms:*", "sqs:*", "secretsmanager:*")


@dataclass(frozen=True)
class Facts:
    """What the guardrails are written for: the organization as rolegate.yaml and Organizations tell it."""

    org: str  # organization.name: the value of rolegate's owner tag
    bootstrap_role: str  # organization.bootstrap_role: the role rolegate acts as in a spoke
    regions: tuple[str, ...] = ("us-east-1",)
    organization_id: str = ""  # o-…, for the resource perimeter

    @property
    def rolegate_principal(self) -> str:
        """rolegate's own role in any member account, as an aws:PrincipalArn pattern."""
        return f"arn:{naming.PARTITION}:iam::*:role/{self.bootstrap_role}"


Kind = Literal["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]


@dataclass(frozen=True)
class Guardrail:
    name: str
    kind: Kind
    summary: str
    render: Callable[[Facts], dict[str, Any]]

    def document(self, facts: Facts) -> dict[str, Any]:
        return self.render(facts)


def _deny(
    sid: str, actions: Iterable[str], resources: Any = "*", condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Deny", "Action": list(actions), "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def _not_rolegate(facts: Facts) -> dict[str, Any]:
    return {"aws:PrincipalArn": facts.rolegate_principal}


def protect_rolegate(facts: Facts) -> dict[str, Any]:
    partition = naming.PARTITION
    return {
        "Version": VERSION,
        "Statement": [
            _deny(
                "RolegateMarksOnlyByRolegate",
                MARK_WRITES,
                condition={
                    "ForAnyValue:StringLike": {"aws:TagKeys": [OWNER_TAG_KEYS]},
                    "ArnNotLike": _not_rolegate(facts),
                },
            ),
            _deny(
                "RolegatePathOnlyByRolegate",
                PATH_WRITES,
                [
                    f"arn:{partition}:iam::*:group{OWNED_PATH}*",
                    f"arn:{partition}:iam::*:policy{OWNED_PATH}*",
                ],
                {"ArnNotLike": _not_rolegate(facts)},
            ),
            _deny(
                "RolegateRolesOnlyByRolegate",
                ROLE_CHANGES,
                condition={
                    "StringEquals": {f"aws:ResourceTag/{naming.OWNER_TAG}": facts.org},
                    "ArnNotLike": _not_rolegate(facts),
                },
            ),
            _deny(
                "RolegateWayInOnlyByRolegate",
                ROLE_CHANGES,
                f"arn:{partition}:iam::*:role/{facts.bootstrap_role}",
                {"ArnNotLike": _not_rolegate(facts)},
            ),
        ],
    }


def deny_leave_organization(facts: Facts) -> dict[str, Any]:
    return {"Version": VERSION, "Statement": [_deny("NoLeaving", ["organizations:LeaveOrganization"])]}


def region_allow_list(facts: Facts) -> dict[str, Any]:
    statement = {
        "Sid": "OnlyTheFilesRegions",
        "Effect": "Deny",
        "NotAction": list(GLOBAL_SERVICES),
        "Resource": "*",
        "Condition": {
            "StringNotEquals": {"aws:RequestedRegion": list(facts.regions)},
            "ArnNotLike": _not_rolegate(facts),
        },
    }
    return {"Version": VERSION, "Statement": [statement]}


def deny_root_user(facts: Facts) -> dict[str, Any]:
    root = {"aws:PrincipalArn": f"arn:{naming.PARTITION}:iam::*:root"}
    return {"Version": VERSION, "Statement": [_deny("NoRootUser", ["*"], condition={"StringLike": root})]}


def require_mfa_for_iam_writes(facts: Facts) -> dict[str, Any]:
    return {
        "Version": VERSION,
        "Statement": [
            _deny(
                "IamWritesWithMfa",
                IAM_WRITES,
                condition={
                    "BoolIfExists": {"aws:MultiFactorAuthPresent": "false"},
                    "ArnNotLike": _not_rolegate(facts),
                },
            )
        ],
    }


def deny_outside_org(facts: Facts) -> dict[str, Any]:
    if not facts.organization_id:
        raise ValueError("deny-outside-org needs the organization's id (o-…)")
    statement = {
        "Sid": "OnlyTheOrganization",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(PERIMETER_SERVICES),
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": facts.organization_id},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    }
    return {"Version": VERSION, "Statement": [statement]}


BUILT_IN: dict[str, Guardrail] = {
    g.name: g
    for g in (
        Guardrail(
            "protect-rolegate",
            "SERVICE_CONTROL_POLICY",
            "rolegate's marks and the resources they mark change only through rolegate's own role",
            protect_rolegate,
        ),
        Guardrail(
            "deny-leave-organization",
            "SERVICE_CONTROL_POLICY",
            "no account leaves the organization",
            deny_leave_organization,
        ),
        Guardrail(
            "region-allow-list",
            "SERVICE_CONTROL_POLICY",
            "nothing outside the file's regions, global services aside",
            region_allow_list,
        ),
        Guardrail(
            "deny-root-user",
            "SERVICE_CONTROL_POLICY",
            "the root user of a member account does nothing",
            deny_root_user,
        ),
        Guardrail(
            "require-mfa-for-iam-writes",
            "SERVICE_CONTROL_POLICY",
            "IAM changes only from a session signed in with MFA (rolegate's role aside)",
            require_mfa_for_iam_writes,
        ),
        Guardrail(
            "deny-outside-org",
            "RESOURCE_CONTROL_POLICY",
            "S3, STS, KMS, SQS and Secrets Manager answer only the organization's principals",
            deny_outside_org,
        ),
    )
}


# -- lockdown by control policies (`rolegate lockdown --method scp`) ----------------------------------------
# Not switched on by name: written for one account in a breach, attached to that account alone (more precise
# than its OU, which may hold others), and taken away by `rolegate restore`.

LOCKDOWN_ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")


def _bootstrap_role_in(facts: Facts, account_id: str) -> str:
    return f"arn:{naming.PARTITION}:iam::{account_id}:role/{facts.bootstrap_role}"


def lockdown_scp(facts: Facts, account_id: str) -> dict[str, Any]:
    """Every principal of the account does nothing, sessions already issued included (an SCP is evaluated
    on every call, unlike a trust policy, read only when a session starts); rolegate's bootstrap role aside,
    so that restore can still come in."""
    keep = {"aws:PrincipalArn": _bootstrap_role_in(facts, account_id)}
    statement = _deny("RolegateLockdown", ["*"], condition={"ArnNotLike": keep})
    return {"Version": VERSION, "Statement": [statement]}


def lockdown_rcp(facts: Facts, account_id: str) -> dict[str, Any]:
    """No new session of any role of the account, from anyone (the hub, another account, a federated
    caller), the bootstrap role aside: its own trust policy keeps it to the management account."""
    statement = {
        "Sid": "RolegateLockdown",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(LOCKDOWN_ASSUME_ACTIONS),
        "NotResource": [_bootstrap_role_in(facts, account_id)],
    }
    return {"Version": VERSION, "Statement": [statement]}
