"""Random IAM requests for the differential test: policies of every layer, a principal, an action on a
resource, and the request's context, drawn by hypothesis strategies.

Two kinds of case, in one org of two accounts (HUB 111111111111, where the principals live, and SPOKE
222222222222):
- `identity`: a principal calls an S3, IAM, EC2 or DynamoDB action in its own account; identity policies,
  maybe a permissions boundary, maybe SCP levels decide;
- `assume`: the principal calls sts:AssumeRole on a role in its own or the other account, whose trust policy
  decides together with the principal's identity policies, boundary and SCPs.

Every statement carries a Sid unique in its case, so the simulator's explain of each statement can be put
beside rolegate's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hypothesis import strategies as st

HUB = "111111111111"
ASSUME = "sts:AssumeRole"
SPOKE = "222222222222"
ORG_ID = "o-abc123"

# (principal ARN, account, aws:username or None, aws:PrincipalArn): a role session's aws:PrincipalArn is
# its role's ARN
PRINCIPALS = (
    (f"arn:aws:iam::{HUB}:user/cobus", HUB, "cobus", f"arn:aws:iam::{HUB}:user/cobus"),
    (f"arn:aws:iam::{HUB}:user/anna", HUB, "anna", f"arn:aws:iam::{HUB}:user/anna"),
    (f"arn:aws:sts::{HUB}:assumed-role/ops/cobus", HUB, None, f"arn:aws:iam::{HUB}:role/ops"),
)

# (action, resource ARN, resource account) a principal in HUB may ask for
IDENTITY_REQUESTS = (
    ("s3:GetObject", "arn:aws:s3:::reports/2024/q1.csv", HUB),
    ("s3:PutObject", "arn:aws:s3:::reports/cobus/notes.txt", HUB),
    ("iam:CreateUser", f"arn:aws:iam::{HUB}:user/new-hire", HUB),
    ("iam:PassRole", f"arn:aws:iam::{HUB}:role/app", HUB),
    ("ec2:TerminateInstances", f"arn:aws:ec2:eu-west-1:{HUB}:instance/i-0abc", HUB),
    ("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{HUB}:table/Orders", HUB),
)
ROLES = (
    (f"arn:aws:iam::{HUB}:role/ops", HUB),
    (f"arn:aws:iam::{SPOKE}:role/administrator", SPOKE),
    (f"arn:aws:iam::{SPOKE}:role/readonly", SPOKE),
)

ACTION_PATTERNS = (
    "*",
    "s3:*",
    "s3:Get*",
    "s3:GetObject",
    "S3:getobject",
    "s3:*Object",
    "s3:?etObject",
    "iam:*",
    "iam:Create*",
    "iam:PassRole",
    "iam:*User",
    "sts:*",
    "sts:AssumeRole",
    "sts:Assume*",
    "STS:assumerole",
    "sts:TagSession",
    "ec2:*",
    "ec2:Terminate*",
    "dynamodb:Get*",
    "dynamodb:*Item",
)
RESOURCE_PATTERNS = (
    "*",
    "arn:aws:s3:::reports/*",
    "arn:aws:s3:::reports/2024/*",
    "arn:aws:s3:::rep?rts/*",
    "arn:aws:s3:::reports",
    "arn:aws:s3:::*/cobus/*",
    "arn:aws:s3:::reports/${aws:username}/*",
    "arn:aws:s3:::reports/${aws:PrincipalTag/team}/*",
    f"arn:aws:iam::{HUB}:user/*",
    "arn:aws:iam::*:user/new-*",
    f"arn:aws:iam::{HUB}:user/${{aws:username}}",
    f"arn:aws:iam::{HUB}:role/app",
    f"arn:aws:iam::{HUB}:role/APP",
    "arn:aws:iam::*:role/*",
    f"arn:aws:iam::{SPOKE}:role/*",
    f"arn:aws:iam::{SPOKE}:role/admin*",
    f"arn:aws:iam::{HUB}:role/ops",
    f"arn:aws:ec2:*:{HUB}:instance/*",
    "arn:aws:ec2:eu-west-1:*:instance/i-0abc",
    "arn:aws:dynamodb:*:*:table/Orders",
    f"arn:aws:dynamodb:eu-west-1:{HUB}:table/orders",
)

STRING_OPERATORS = (
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
)
NUMERIC_OPERATORS = (
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
)
DATE_OPERATORS = tuple(op.replace("Numeric", "Date") for op in NUMERIC_OPERATORS)
ARN_OPERATORS = ("ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike")
IP_OPERATORS = ("IpAddress", "NotIpAddress")
OPERATORS = {
    "string": STRING_OPERATORS,
    "numeric": NUMERIC_OPERATORS,
    "date": DATE_OPERATORS,
    "bool": ("Bool",),
    "ip": IP_OPERATORS,
    "arn": ARN_OPERATORS,
}
ALL_OPERATORS = (*(op for ops in OPERATORS.values() for op in ops), "Null")

CONDITION_VALUES = {
    "string": (
        "cobus",
        "Cobus",
        "anna",
        "ops",
        "dev",
        ORG_ID,
        "eu-west-1",
        "us-*",
        "co*",
        "c?bus",
        "*",
        "s3cr3t",
        "team",
        "cost",
        HUB,
        "${aws:username}",
        "${aws:PrincipalTag/team}",
        "${aws:PrincipalTag/missing, 'ops'}",
        f"arn:aws:iam::{HUB}:user/cobus",
    ),
    "numeric": ("0", "300", "3600", "7200", "-1", "1.5"),
    "date": (
        "2025-01-01T00:00:00Z",
        "2030-01-01T00:00:00Z",
        "2024-06-01",
        "1735689600",
        "2031-06-01T12:00:00Z",
    ),
    "bool": ("true", "false", "TRUE"),
    "ip": (
        "10.0.0.0/8",
        "10.1.2.3/32",
        "192.168.1.1",
        "0.0.0.0/0",
        "203.0.113.0/24",
        "2001:db8::/32",
        "::/0",
    ),
    "arn": (
        f"arn:aws:iam::{HUB}:user/cobus",
        f"arn:aws:iam::{HUB}:user/*",
        "arn:aws:iam::*:user/c?bus",
        f"arn:aws:iam::{HUB}:*",
        f"arn:aws:iam::{HUB}:role/ops",
        f"arn:aws:iam::{SPOKE}:*",
        f"arn:aws:iam::{HUB}:user/${{aws:username}}",
        "*",
    ),
}


@dataclass(frozen=True)
class Key:
    """A condition key: its IAM type, and the values a request may carry for it (one drawn per case)."""

    name: str
    kind: str
    values: tuple[Any, ...]  # a str per value, or a list for a multivalued key
    assume_only: bool = False

    @property
    def multivalued(self) -> bool:
        return isinstance(self.values[0], list)


KEYS = (
    Key("aws:PrincipalTag/team", "string", ("ops", "dev", "Ops")),
    Key("aws:PrincipalTag/level", "string", ("1", "5", "admin")),
    Key("aws:RequestedRegion", "string", ("eu-west-1", "us-east-1")),
    Key("aws:PrincipalOrgID", "string", (ORG_ID, "o-other")),
    Key("sts:ExternalId", "string", ("s3cr3t", "other"), assume_only=True),
    Key("aws:SecureTransport", "bool", ("true", "false")),
    Key("aws:CurrentTime", "date", ("2025-01-01T00:00:00Z", "2031-06-01T12:00:00Z")),
    Key("aws:TokenIssueTime", "date", ("2024-12-31T23:00:00Z",)),
    Key("aws:SourceIp", "ip", ("10.1.2.3", "192.168.1.1", "203.0.113.5", "2001:db8::1")),
    Key("aws:TagKeys", "string", (["team"], ["team", "cost"], ["Team"], ["cost", "owner"]), assume_only=True),
    Key(
        "aws:CalledVia", "string", (["athena.amazonaws.com"], ["athena.amazonaws.com", "glue.amazonaws.com"])
    ),
)
# Always in the request (rolegate's Context.for_principal puts them in too), or set by the MFA draw
FIXED_KEYS = (
    Key("aws:PrincipalArn", "arn", ("",)),
    Key("aws:PrincipalAccount", "string", ("",)),
    Key("aws:username", "string", ("",)),
    Key("aws:MultiFactorAuthPresent", "bool", ("",)),
    Key("aws:MultiFactorAuthAge", "numeric", ("",)),
)
ABSENT_KEYS = (Key("aws:SourceArn", "arn", ("",)), Key("aws:PrincipalTag/missing", "string", ("",)))
CONDITION_KEYS = KEYS + FIXED_KEYS + ABSENT_KEYS


@dataclass
class Case:
    kind: str  # identity | assume
    principal: str
    principal_account: str
    action: str
    resource: str
    resource_account: str
    identity: list[dict[str, Any]]
    boundary: dict[str, Any] | None
    scps: list[list[dict[str, Any]]]  # one list of policies per level, root first
    trust: dict[str, Any] | None
    context: dict[str, Any]  # key (as written) -> str or list of str
    sids: list[str] = field(default_factory=list)

    def to_simulation(self) -> dict[str, Any]:
        sim: dict[str, Any] = {
            "request": {
                "principal": self.principal,
                "action": self.action,
                "resource": {"resource": self.resource, "accountId": self.resource_account},
                "contextVariables": self.context,
            },
            "identityPolicies": [{"name": f"identity{i}", "policy": p} for i, p in enumerate(self.identity)],
            "serviceControlPolicies": [
                {
                    "orgIdentifier": "r-root" if n == 0 else f"ou-level{n}",
                    "policies": [{"name": f"scp{n}_{i}", "policy": p} for i, p in enumerate(level)],
                }
                for n, level in enumerate(self.scps)
            ],
            "resourceControlPolicies": [],
        }
        if self.boundary is not None:
            sim["permissionBoundaryPolicies"] = [{"name": "boundary", "policy": self.boundary}]
        if self.trust is not None:
            sim["resourcePolicy"] = self.trust
        return sim


def _one_or_many(values: st.SearchStrategy[str], most: int = 3) -> st.SearchStrategy[Any]:
    return st.one_of(values, st.lists(values, min_size=1, max_size=most, unique=True))


@cache
def _between(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


_BOOL = st.booleans()
# Strategies are built once: hypothesis validates each new strategy object, which costs more than the draws.
_KEYS = {
    assume: st.sampled_from([k for k in CONDITION_KEYS if assume or not k.assume_only])
    for assume in (False, True)
}
_OPERATORS_OF = {kind: st.sampled_from(ops) for kind, ops in OPERATORS.items()}
_ANY_OPERATOR = st.sampled_from(ALL_OPERATORS)
_SET_OPERATOR = st.sampled_from(("ForAnyValue:", "ForAllValues:"))
_NULL_VALUE = st.sampled_from(("true", "false"))
_VALUES_OF = {family: _one_or_many(st.sampled_from(values)) for family, values in CONDITION_VALUES.items()}
_FAMILY_OF = {op: family for family, ops in OPERATORS.items() for op in ops}
_EFFECT = st.sampled_from(("Allow", "Allow", "Allow", "Deny"))
_ACTIONS = _one_or_many(st.sampled_from(ACTION_PATTERNS))
_TRUST_ACTIONS = _one_or_many(
    st.sampled_from(("sts:AssumeRole", "sts:*", "*", "sts:Assume*", "sts:TagSession"))
)
_RESOURCES = _one_or_many(st.sampled_from(RESOURCE_PATTERNS))
_AWS_PRINCIPALS = _one_or_many(
    st.sampled_from(
        (
            "*",
            HUB,
            SPOKE,
            f"arn:aws:iam::{HUB}:root",
            f"arn:aws:iam::{SPOKE}:root",
            f"arn:aws:iam::{HUB}:user/cobus",
            f"arn:aws:iam::{HUB}:user/anna",
            f"arn:aws:iam::{HUB}:role/ops",
        )
    )
)


def condition_block(draw: st.DrawFn, assume: bool) -> dict[str, dict[str, Any]]:
    """A Condition block: operators over keys, each with one or several values (OR'd); keys AND'd."""
    block: dict[str, dict[str, Any]] = {}
    for _ in range(draw(_between(0, 2))):
        key = draw(_KEYS[assume])
        if draw(_between(0, 9)) == 0:
            operator = "Null"
        elif draw(_between(0, 11)) == 0:  # now and then an operator of another type than the key's
            operator = draw(_ANY_OPERATOR)
        else:
            operator = draw(_OPERATORS_OF[key.kind])
        if operator == "Null":
            block.setdefault(operator, {})[key.name] = draw(_NULL_VALUE)
            continue
        family = _FAMILY_OF[operator]
        if draw(_between(0, 3)) == 0:
            operator += "IfExists"
        if draw(_between(0, 1 if key.multivalued else 9)) == 0:
            operator = draw(_SET_OPERATOR) + operator
        block.setdefault(operator, {})[key.name] = draw(_VALUES_OF[family])
    return block


def trust_principal(draw: st.DrawFn, effect: str) -> dict[str, Any]:
    """Principal forms a trust policy names: everyone, an account (by id or root ARN), a user, a role."""
    form = draw(_between(0, 9))
    if form == 0:
        return {"Principal": "*"}
    if form == 1:
        return {"Principal": {"Service": "ec2.amazonaws.com"}}
    if form == 2 and effect == "Deny":
        return {"NotPrincipal": {"AWS": draw(_AWS_PRINCIPALS)}}
    return {"Principal": {"AWS": draw(_AWS_PRINCIPALS)}}


def _aimed(action: str, resource: str) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    """Patterns that cover this very request (as written, by its service, by a wildcard in the name): drawn
    one time in three, so that allows and denies that apply are common, not rare."""
    service, name = action.split(":")
    actions = (action, f"{service}:*", f"{service}:{name[:3]}*", action.upper(), "*")
    head = resource.rpartition("/")[0]
    resources = (resource, f"{head}/*" if head else "*", resource[:-1] + "?", "*")
    return st.sampled_from(actions), st.sampled_from(resources)


_AIMED = {(a, r): _aimed(a, r) for a, r, _ in (*IDENTITY_REQUESTS, *((ASSUME, r, acct) for r, acct in ROLES))}


def statements_of(
    draw: st.DrawFn,
    sids: list[str],
    layer: str,
    assume: bool,
    trust: bool = False,
    aim: tuple[str, str] = ("", ""),
) -> list[Any]:
    aimed_actions, aimed_resources = _AIMED[aim]
    out: list[Any] = []
    for _ in range(draw(_between(1, 3))):
        sid = f"{layer}{len(sids)}"
        sids.append(sid)
        stmt: dict[str, Any] = {"Sid": sid, "Effect": draw(_EFFECT)}
        if trust:
            stmt.update(trust_principal(draw, stmt["Effect"]))
        aimed = draw(_between(0, 2)) == 0
        stmt["NotAction" if draw(_between(0, 5)) == 0 else "Action"] = draw(
            _TRUST_ACTIONS if trust else aimed_actions if aimed else _ACTIONS
        )
        if not trust:
            stmt["NotResource" if draw(_between(0, 5)) == 0 else "Resource"] = draw(
                aimed_resources if aimed else _RESOURCES
            )
        condition = condition_block(draw, assume)
        if condition:
            stmt["Condition"] = condition
        out.append(stmt)
    return out


def policy(statements: list[Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


FULL_ACCESS = {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}


_KIND = st.sampled_from(("identity", "assume"))
_PRINCIPAL = st.sampled_from(PRINCIPALS)
_ROLE = st.sampled_from(ROLES)
_REQUEST = st.sampled_from(IDENTITY_REQUESTS)
_MFA = st.sampled_from(("with", "without", "long-term keys"))
_MFA_AGE = st.sampled_from(("0", "300", "7200"))
_CONTEXT_VALUES = {key.name: st.sampled_from(key.values) for key in KEYS}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kind = draw(_KIND)
    assume = kind == "assume"
    principal, account, username, principal_arn = draw(_PRINCIPAL)
    if assume:
        resource, resource_account = draw(_ROLE)
        action = ASSUME
    else:
        action, resource, resource_account = draw(_REQUEST)
    sids: list[str] = []
    identity = [
        policy(statements_of(draw, sids, "I", assume, aim=(action, resource)))
        for _ in range(draw(_between(0 if assume else 1, 2)))
    ]
    boundary = (
        policy(statements_of(draw, sids, "B", assume, aim=(action, resource)))
        if draw(_between(0, 3)) == 0
        else None
    )
    scps: list[list[dict[str, Any]]] = []
    for level in range(draw(_between(0, 2))):
        stmts: list[Any] = []
        if draw(_between(0, 4)):  # most levels keep FullAWSAccess; one without it allows nothing it lacks
            stmts.append(dict(FULL_ACCESS, Sid=f"FullAWSAccess{level}"))
            sids.append(f"FullAWSAccess{level}")
        if draw(_BOOL) or not stmts:
            stmts += statements_of(draw, sids, f"P{level}x", assume, aim=(action, resource))
        scps.append([policy(stmts)])
    trust = (
        policy(statements_of(draw, sids, "T", assume, trust=True, aim=(action, resource))) if assume else None
    )

    context: dict[str, Any] = {"aws:PrincipalArn": principal_arn, "aws:PrincipalAccount": account}
    if username is not None:
        context["aws:username"] = username
    mfa = draw(_MFA)
    if mfa == "with":
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = draw(_MFA_AGE)
    elif mfa == "without":
        context["aws:MultiFactorAuthPresent"] = "false"
    for key in KEYS:
        if (assume or not key.assume_only) and draw(_BOOL):
            context[key.name] = draw(_CONTEXT_VALUES[key.name])
    return Case(
        kind,
        principal,
        account,
        action,
        resource,
        resource_account,
        identity,
        boundary,
        scps,
        trust,
        context,
        sids,
    )


def probe(statement: dict[str, Any], context: dict[str, Any], principal: int = 0) -> Case:
    """The smallest request around one identity statement: a principal of HUB reads one S3 object."""
    arn, account, username, principal_arn = PRINCIPALS[principal]
    request: dict[str, Any] = {"aws:PrincipalArn": principal_arn, "aws:PrincipalAccount": account}
    if username is not None:
        request["aws:username"] = username
    return Case(
        "identity",
        arn,
        account,
        "s3:GetObject",
        "arn:aws:s3:::reports/2024/q1.csv",
        HUB,
        [policy([{"Sid": "Probe", **statement}])],
        None,
        [],
        None,
        {**request, **context},
    )
