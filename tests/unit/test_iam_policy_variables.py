"""IAM policy variables, resolved from the request as AWS's "IAM policy elements: Variables and tags" says.

Given a statement whose Resource, NotResource or condition values hold `${aws:username}`,
`${aws:PrincipalTag/team}`, `${aws:PrincipalAccount}`, `${*}` or a default `${aws:userid, 'anonymous'}`, and
what rolegate knows of the request (a key's value, the key known absent, or unknown before the call), when
`policy.evaluate` decides it, then the variable is replaced by the request's value; a variable that cannot be
resolved (its key absent and no default, or several values) makes "any attempt to match it" fail: as a
Resource pattern it matches nothing, under NotResource it makes the statement invalid where it decides (the
rest of the pattern matches the resource), as a condition value it fails its test, under a negated
operator too (so the condition is false); one whose key is unknown leaves the answer conditional;
in a policy of Version 2008-10-17 (or none) the text is literal.

These tests are the fourth class issue 17 found wrong: on the pre-fix commit dc3883e (worktree
/tmp/base17) every row that resolves a variable fails, because the old evaluator read `${aws:username}` as
literal text. Rows whose answer is the same either way (a 2008-10-17 policy, a literal that cannot match)
pass there too, by design. `resolve` and `variable_keys` are new APIs (absent from dc3883e).

The access graph's rows at the end (a Resource or a condition value with a variable, and the user name as a
condition key, compared edge by edge with decide()) fail on 9344d37 too, where the evaluator already
resolved variables but the graph chose a statement's roles from its literal Resource text and shared one
answer among principals that a variable tells apart: 19 of the 24 rows and the three scenario tests fail
there (the five rows that pass there are ones the old probes happened to tell apart, or a Deny that named no
role there and names none here for a principal without that name).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.access.policy import Context, evaluate, statements

ACCOUNT = "111111111111"
COBUS = f"arn:aws:iam::{ACCOUNT}:user/cobus"
ABSENT = object()

SUBSTITUTION = (
    "When the policy is evaluated, the policy variables are replaced with values that come from the context "
    "of the request itself."
)
NOT_PRESENT = (
    "not present means that the value is not in the current request information, and any attempt to match it "
    "fails and causes the statement to be invalid."
)
VERSION = (
    "Variables were introduced in version 2012-10-17. Earlier versions of the policy language don't support "
    "policy variables. If you don't include the Version element and set it to an appropriate version date, "
    "variables like ${aws:username} are treated as literal strings in the policy."
)
SPECIAL = (
    "${*} - use where you need an * (asterisk) character. ${?} - use where you need a ? (question mark) "
    "character. ${$} - use where you need a $ (dollar sign) character. These predefined policy variables can "
    "be used in any string where you can use regular policy variables."
)
DEFAULTS = (
    "To add a default value to a variable, surround the default value with single quotes (' '), and separate "
    "the variable text and the default value with a comma and space (, )."
)
MULTIVALUED = (
    "You can use any available single-valued context key as a policy variable, but you cannot use a "
)
MULTIVALUED += "multivalued context key as a policy variable."


def cobus(**known: Any) -> Context:
    """cobus's request: keys given as values (a list for several), or ABSENT; others unknown. Built with the
    constructor of dc3883e too, so the tables run against the old code."""
    keys = {"aws:principalarn": (COBUS,), "aws:principalaccount": (ACCOUNT,)}
    absent: set[str] = set()
    for name, value in known.items():
        key = name.replace("__", "/").replace("_", ":", 1).lower()
        if value is ABSENT:
            absent.add(key)
        else:
            keys[key] = (value,) if isinstance(value, str) else tuple(value)
    return Context(keys, frozenset(absent))


def decide(
    statement: dict[str, Any], resource: str, context: Context, version: str | None = "2012-10-17"
) -> Any:
    document: dict[str, Any] = {"Statement": [{"Effect": "Allow", "Action": "iam:*AccessKey*", **statement}]}
    if version is not None:
        document["Version"] = version
    found = evaluate(statements(document, "test"), "iam:CreateAccessKey", resource, COBUS, ACCOUNT, context)
    return "conditional" if isinstance(found.allowed, tuple) else found.allowed


def user(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:user/{name}"


RESOURCE_ROWS: list[tuple[str, str, dict[str, Any], Any]] = [
    # the reference's own example: each user manages their own access keys
    (user("${aws:username}"), user("cobus"), {"aws_username": "cobus"}, True),
    (user("${aws:username}"), user("alice"), {"aws_username": "cobus"}, False),
    (user("${aws:username}"), user("cobus"), {"aws_username": ABSENT}, False),  # a role has no aws:username
    (user("${aws:username}"), user("cobus"), {}, "conditional"),  # unknown before the call
    (user("${AWS:UserName}"), user("cobus"), {"aws_username": "cobus"}, True),  # key names: any case
    (user("${ aws:username }"), user("cobus"), {"aws_username": "cobus"}, True),
    (user("${aws:userid}"), user("AIDAEXAMPLE"), {"aws_userid": "AIDAEXAMPLE"}, True),
    (user("${aws:userid, 'anonymous'}"), user("anonymous"), {"aws_userid": ABSENT}, True),  # a default
    (user("${aws:userid, 'anonymous'}"), user("AIDAEXAMPLE"), {"aws_userid": "AIDAEXAMPLE"}, True),
    (user("${aws:userid, 'anonymous'}"), user("anonymous"), {"aws_userid": "AIDAEXAMPLE"}, False),
    (user("${aws:userid, 'anonymous'}"), user("anonymous"), {}, "conditional"),  # may be present
    (
        "arn:aws:s3:::bucket/${aws:PrincipalTag/department}",
        "arn:aws:s3:::bucket/hr",
        {"aws_PrincipalTag__department": "hr"},
        True,
    ),
    (
        "arn:aws:s3:::bucket/${aws:PrincipalTag/department}",
        "arn:aws:s3:::bucket/it",
        {"aws_PrincipalTag__department": "hr"},
        False,
    ),
    (
        "arn:aws:s3:::bucket/${aws:PrincipalTag/department}",
        "arn:aws:s3:::bucket/hr",
        {"aws_PrincipalTag__department": ABSENT},
        False,
    ),
    ("arn:aws:s3:::${aws:PrincipalAccount}-logs", f"arn:aws:s3:::{ACCOUNT}-logs", {}, True),
    ("arn:aws:s3:::${aws:PrincipalAccount}-logs", "arn:aws:s3:::222222222222-logs", {}, False),
    (user("${aws:username}-*"), user("cobus-ci"), {"aws_username": "cobus"}, True),  # wildcards outside stay
    (user("${aws:username}"), user("cob*"), {"aws_username": "cob*"}, True),  # a value is literal
    (user("${aws:username}"), user("cobus"), {"aws_username": "cob*"}, False),
    (user("${aws:username}"), user("cobus"), {"aws_username": ["cobus", "alice"]}, False),  # multivalued
    (user("${aws:username, 'x'}"), user("x"), {"aws:username": ABSENT}, True),
    (user("a${*}b"), user("a*b"), {}, True),  # ${*} is a literal asterisk
    (user("a${*}b"), user("axxb"), {}, False),
    (user("a${?}b"), user("a?b"), {}, True),
    (user("a${?}b"), user("axb"), {}, False),
    (user("a${$}b"), user("a$b"), {}, True),
    (user("${aws:nonsense}"), user("cobus"), {}, "conditional"),  # a key rolegate does not know
    (user("${aws:username"), user("${aws:username"), {"aws_username": "cobus"}, True),  # unclosed: literal
    (user("${}"), user("${}"), {}, True),  # no key: literal
]


@pytest.mark.parametrize(("pattern", "resource", "known", "expected"), RESOURCE_ROWS)
def test_variables_in_resource(pattern: str, resource: str, known: dict[str, Any], expected: Any) -> None:
    """Given a group policy letting each user manage their own keys, when cobus calls on a resource, then the
    variable is read from cobus's request."""
    context = cobus(**known)
    assert decide({"Resource": pattern}, resource, context) == expected, (SUBSTITUTION, NOT_PRESENT, SPECIAL)


NOT_RESOURCE_ROWS: list[tuple[str, str, dict[str, Any], Any]] = [
    (user("${aws:username}"), user("cobus"), {"aws_username": "cobus"}, False),  # everything but his own
    (user("${aws:username}"), user("alice"), {"aws_username": "cobus"}, True),
    (user("${aws:username}"), user("alice"), {}, "conditional"),
    (user("${aws:username}"), user("alice"), {"aws_username": ABSENT}, False),  # invalid: it decides
    (user("${aws:username}"), "arn:aws:s3:::bucket/x", {"aws_username": ABSENT}, True),  # S3: ruled out
    (user("${aws:username}"), f"arn:aws:iam::{ACCOUNT}:role/app", {"aws_username": ABSENT}, True),
    (user("${aws:username}*"), user("cobus2"), {"aws_username": "cobus"}, False),
    # an unresolvable variable makes the statement invalid where it decides; elsewhere the rest rules out
    (
        "arn:aws:s3:::reports/${aws:PrincipalTag/team}/*",
        "arn:aws:s3:::reports/2024/q1.csv",
        {"aws_PrincipalTag__team": ABSENT},
        False,
    ),
    (
        "arn:aws:s3:::other/${aws:PrincipalTag/team}",
        "arn:aws:s3:::reports/2024/q1.csv",
        {"aws_PrincipalTag__team": ABSENT},
        True,
    ),
    (
        "arn:aws:iam::222222222222:user/${aws:username}",
        user("alice"),
        {"aws_username": ABSENT},
        True,
    ),
    (
        "arn:aws:s3:::reports/${aws:PrincipalTag/team}/*",
        "arn:aws:s3:::reports/2024/q1.csv",
        {"aws_PrincipalTag__team": "2024"},
        False,
    ),
    (
        "arn:aws:s3:::reports/${aws:PrincipalTag/team}/*",
        "arn:aws:s3:::reports/2024/q1.csv",
        {"aws_PrincipalTag__team": "web"},
        True,
    ),
]


@pytest.mark.parametrize(("pattern", "resource", "known", "expected"), NOT_RESOURCE_ROWS)
def test_variables_in_not_resource(pattern: str, resource: str, known: dict[str, Any], expected: Any) -> None:
    """Given NotResource with a variable, then what it leaves out is read from the request."""
    assert decide({"NotResource": pattern}, resource, cobus(**known)) == expected, SUBSTITUTION


CONDITION_ROWS: list[tuple[dict[str, Any], dict[str, Any], Any]] = [
    # the reference's home-directory example
    (
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3_prefix": "home/cobus/notes", "aws_username": "cobus"},
        True,
    ),
    (
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3_prefix": "home/alice/notes", "aws_username": "cobus"},
        False,
    ),
    (
        {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
        {"s3_prefix": "home/", "aws_username": ABSENT},
        True,
    ),
    (
        {"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}},
        {"aws_PrincipalTag__team": "data", "aws_ResourceTag__team": "data"},
        True,
    ),
    (
        {"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}},
        {"aws_PrincipalTag__team": "data", "aws_ResourceTag__team": "web"},
        False,
    ),
    (
        {"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}},
        {"aws_PrincipalTag__team": "data", "aws_ResourceTag__team": ABSENT},
        False,
    ),
    (
        {"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}},
        {"aws_PrincipalTag__team": "data"},
        "conditional",
    ),
    (
        {"StringEquals": {"aws:PrincipalTag/team": ["data", "${aws:ResourceTag/team}"]}},
        {"aws_PrincipalTag__team": "data"},
        True,
    ),  # another value decides
    (
        {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}},
        {"aws_PrincipalTag__team": "data", "aws_ResourceTag__team": "web"},
        True,
    ),
    (
        {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}},
        {"aws_PrincipalTag__team": "data", "aws_ResourceTag__team": "data"},
        False,
    ),
    (
        {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}},
        {"aws_PrincipalTag__team": "DATA", "aws_ResourceTag__team": "data"},
        True,
    ),
    (
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}},
        {"aws_SourceArn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:topic"},
        True,
    ),
    (
        {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}},
        {"aws_SourceArn": "arn:aws:sns:eu-west-1:222222222222:topic"},
        False,
    ),
    (
        {"ArnLike": {"aws:SourceArn": "${aws:PrincipalArn}"}},
        {"aws_SourceArn": COBUS},
        True,
    ),  # a value with colons is one part
    (
        {"Bool": {"aws:SecureTransport": "${aws:MultiFactorAuthPresent}"}},
        {"aws_SecureTransport": "true", "aws_MultiFactorAuthPresent": "true"},
        True,
    ),
    (
        {"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}"}},
        {"aws_PrincipalTag__team": "data"},
        True,
    ),
    ({"StringLike": {"s3:prefix": "${*}"}}, {"s3_prefix": "*"}, True),
    ({"StringLike": {"s3:prefix": "${*}"}}, {"s3_prefix": "anything"}, False),
    # a negated operator whose value cannot be resolved fails too: "any attempt to match it fails"
    (
        {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}},
        {"aws_PrincipalTag__team": "data", "aws_ResourceTag__team": ABSENT},
        False,
    ),
    (
        {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"}},
        {"aws_username": ABSENT},
        False,
    ),
    (
        {"StringNotLike": {"s3:prefix": ["secret/*", "home/${aws:username}/*"]}},
        {"s3_prefix": "public/x", "aws_username": ABSENT},
        False,
    ),
    (
        {"StringNotLike": {"s3:prefix": ["secret/*", "home/${aws:username}/*"]}},
        {"s3_prefix": "public/x", "aws_username": "cobus"},
        True,
    ),
    # no variables in Numeric, Date, IP, Binary: the text stays literal and is no number, date or range
    (
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "${aws:TokenAge}"}},
        {"aws_MultiFactorAuthAge": "1", "aws_TokenAge": "3600"},
        False,
    ),
    (
        {"DateLessThan": {"aws:CurrentTime": "${aws:TokenIssueTime}"}},
        {"aws_CurrentTime": "2020-01-01T00:00:00Z", "aws_TokenIssueTime": "2030-01-01T00:00:00Z"},
        False,
    ),
    (
        {"IpAddress": {"aws:SourceIp": "${aws:VpcSourceIp}"}},
        {"aws_SourceIp": "10.0.0.1", "aws_VpcSourceIp": "10.0.0.1"},
        False,
    ),
]


@pytest.mark.parametrize(("condition", "known", "expected"), CONDITION_ROWS)
def test_variables_in_condition_values(
    condition: dict[str, Any], known: dict[str, Any], expected: Any
) -> None:
    """IAM: "You can use a policy variable for Condition values in any condition that involves the string
    operators or the ARN operators" and, on the operators page, "You can use a policy variable with the
    Boolean condition operator" (the variables page lists Boolean among those that cannot: rolegate follows
    the operators page, the more specific one). Numeric, Date, IP and Binary values stay literal."""
    statement = {"Resource": "*", "Condition": condition}
    assert decide(statement, "arn:aws:s3:::bucket", cobus(**known)) == expected, SUBSTITUTION


@pytest.mark.parametrize("version", ["2008-10-17", None])
@pytest.mark.parametrize(
    ("resource", "expected"),
    [(user("${aws:username}"), True), (user("cobus"), False), (user("a*b"), False)],
)
def test_variables_are_literal_before_2012_10_17(version: str | None, resource: str, expected: bool) -> None:
    """Given a policy of Version 2008-10-17, or one naming no Version, then `${aws:username}` and `${*}` are
    the literal text they are written as."""
    context = cobus(aws_username="cobus")
    assert decide({"Resource": user("${aws:username}")}, resource, context, version) is expected, VERSION
    if resource == user("a*b"):
        assert decide({"Resource": user("a${*}b")}, resource, context, version) is False, VERSION
    condition = {"Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}}
    assert (
        decide(condition, "x", cobus(aws_PrincipalTag__team="cobus", aws_username="cobus"), version) is False
    )


def test_an_unknown_variable_is_shown_as_the_condition_it_puts() -> None:
    """Given a Resource whose variable's key is unknown before the call, then the answer is conditional and
    the condition names the Resource, so `why` can show it."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": "arn:aws:iam::*:role/${aws:PrincipalTag/role}",
            }
        ],
    }
    role = "arn:aws:iam::222222222222:role/administrator"
    found = evaluate(statements(document, "test"), "sts:AssumeRole", role, COBUS, ACCOUNT, cobus())
    assert isinstance(found.allowed, tuple)
    (condition,) = found.allowed
    assert (condition.operator, condition.key) == ("Resource", role)
    assert condition.values == ("arn:aws:iam::*:role/${aws:PrincipalTag/role}",)


def test_a_deny_with_an_unresolvable_variable_denies_nothing() -> None:
    """Given an Allow on everything and a Deny on `${aws:username}`'s own keys, when a role (no
    aws:username) calls, then the Deny's value matches nothing and the Allow stands."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": user("${aws:username}")},
        ],
    }
    stmts = statements(document, "test")
    as_role = cobus(aws_username=ABSENT)
    as_cobus = cobus(aws_username="cobus")
    assert evaluate(stmts, "iam:CreateAccessKey", user("cobus"), COBUS, ACCOUNT, as_role).allowed is True
    assert evaluate(stmts, "iam:CreateAccessKey", user("cobus"), COBUS, ACCOUNT, as_cobus).allowed is False


# -- resolve, on its own (new API) -----------------------------------------------------------------------

NAME = st.text(alphabet="abcXYZ019-_.@=+", min_size=1, max_size=12)
PLAIN = st.text(alphabet="abc/:-*?", max_size=20)


@settings(max_examples=300, deadline=None)
@given(PLAIN, NAME, PLAIN)
def test_a_variable_is_replaced_by_its_value_literally(before: str, value: str, after: str) -> None:
    """For any text around `${aws:username}` and any user name: the name is put in as literal text, the
    text around it keeps its wildcards."""
    from rolegate.access.policy import resolve

    context = Context({"aws:username": (value,)}, frozenset())
    pieces = resolve(f"{before}${{aws:username}}{after}", context)
    assert pieces is not None and pieces is not False
    assert "".join(t for t, _ in pieces) == before + value + after
    assert [t for t, literal in pieces if literal] == [value]


@settings(max_examples=200, deadline=None)
@given(PLAIN, st.text(alphabet="abc -/", max_size=10))
def test_a_default_stands_in_for_an_absent_key(before: str, default: str) -> None:
    """For any default: with the key absent the default is used; with it unknown the answer waits."""
    from rolegate.access.policy import resolve

    text = f"{before}${{aws:userid, '{default}'}}"
    absent = Context({}, frozenset({"aws:userid"}))
    pieces = resolve(text, absent)
    assert pieces is not None and pieces is not False
    assert "".join(t for t, _ in pieces) == before + default, DEFAULTS
    assert resolve(text, Context({}, frozenset())) is None


def test_a_multivalued_key_is_no_variable() -> None:
    from rolegate.access.policy import resolve

    several = Context({"aws:tagkeys": ("a", "b")}, frozenset())
    assert resolve("x/${aws:TagKeys}", several) is False, MULTIVALUED
    assert resolve("x/${aws:TagKeys}", Context.of({"aws:TagKeys": ["a"]})) is False, MULTIVALUED
    assert resolve("x/${aws:TagKeys}", Context.of({"aws:TagKeys": "a"})) == (("x/", False), ("a", True))
    assert resolve("x/${aws:TagKeys, 'none'}", several) == (("x/", False), ("none", True))


def test_variable_keys_name_what_a_statement_reads() -> None:
    """`variable_keys` tells the access graph which request keys a statement's variables read."""
    from rolegate.access.policy import variable_keys

    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::${aws:PrincipalAccount}-${*}",
             "Condition": {"StringLike": {"s3:prefix": "${aws:username, 'x'}/*"}}},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        ],
    }  # fmt: skip
    first, second = statements(document, "test")
    assert variable_keys(first) == {"aws:principalaccount", "aws:username"}
    assert variable_keys(second) == frozenset()
    old = statements({**document, "Version": "2008-10-17"}, "test")
    assert variable_keys(old[0]) == frozenset()


# -- the access graph --------------------------------------------------------------------------------------


def test_the_access_graph_follows_a_resource_with_a_variable() -> None:
    """Given a hub group allowed to assume `role/${aws:PrincipalAccount}-admin` in any account, when the
    matrix is asked, then alice (of the hub) reaches prod's `111111111111-admin`, and not `admin`."""
    from tests.builders import HUB, SnapshotWorld, allow, doc, trust

    from rolegate.access.graph import AccessGraph

    w = SnapshotWorld()
    w.group("team", inline={"assume": doc(allow("arn:aws:iam::*:role/${aws:PrincipalAccount}-admin"))})
    w.user("alice", groups=("team",))
    w.role(f"{HUB}-admin", "prod", trust=trust(w.root("hub")))
    w.role("admin", "prod", trust=trust(w.root("hub")))
    graph = AccessGraph(w.snapshot)
    (alice,) = [u for u in graph.users() if u.name == "alice"]
    assert {(r.role, r.reachable) for r in graph.reach(alice)} == {(f"{HUB}-admin", "yes")}


# -- the access graph and policy variables: every edge as decide() says -----------------------------------
#
# The graph shares one decision among principals that answer a policy's questions alike. A policy variable
# is such a question: `${aws:username}` in a Resource, or `arn:aws:iam::${aws:PrincipalAccount}:user/alice`
# as an aws:PrincipalArn value, tells alice from bob and one account's role from another's. Each row below
# puts one statement with variables into an organization where sharing would be wrong, and every edge of
# every user and role is compared with decide() asked about that one principal.

_TEAM_USERS = ("alice", "bob", "carol")


def _variables_world(where: str, stmt: dict[str, Any]) -> Any:
    """Hub users alice, bob and carol, all in one group; roles named after them, after the accounts and the
    principal type, in prod and stage; a `hop` role in each of prod and stage that may assume roles too.
    `where` the statement goes: "identity" (the group and both hops), "scp" (prod's and stage's SCPs, over
    an allow of everything) or "trust" (a condition of every role's trust, whose identity side allows all)."""
    from tests.builders import FULL_ACCESS, HUB, PROD, STAGE, SnapshotWorld, allow, doc, trusts

    w = SnapshotWorld()
    identity = doc(stmt) if where == "identity" else doc(allow("*"))
    w.group("team", inline={"assume": identity})
    for name in _TEAM_USERS:
        w.user(name, groups=("team",))
    names = {
        "prod": ("alice", "bob", f"{HUB}-admin", f"{PROD}-ops", "admin", "User", "hop"),
        "stage": ("alice", f"{STAGE}-ops", f"{PROD}-ops", "hop"),
        "hub": ("local",),
    }
    for account, roles in names.items():
        for role in roles:
            principals = [w.root("hub"), w.root("prod"), w.root("stage")]
            statement = trusts(principals, stmt.get("Condition") if where == "trust" else None)
            w.role(
                role, account, trust=doc(statement), inline={"assume": identity} if role == "hop" else None
            )
    if where == "scp":
        w.scp("prod", [FULL_ACCESS, doc(stmt)])
        w.scp("stage", [FULL_ACCESS, doc(stmt)])
    return w


def _on(resource: str, key: str = "Resource", effect: str = "Allow", **condition: Any) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": effect, "Action": "sts:AssumeRole", key: resource}
    if condition:
        stmt["Condition"] = condition
    return stmt


_ANY = "arn:aws:iam::*:role/"
_HUB_USER = "arn:aws:iam::111111111111:user/"
_OWN_ACCOUNT_USER = "arn:aws:iam::${aws:PrincipalAccount}:user/"
_OWN_ACCOUNT_ROLE = "arn:aws:iam::${aws:PrincipalAccount}:role/"
VARIABLE_ROWS: list[tuple[str, str, dict[str, Any]]] = [
    # Resource and NotResource
    ("a role named after the user", "identity", _on(_ANY + "${aws:username}")),
    ("a role named after the account", "identity", _on(_ANY + "${aws:PrincipalAccount}-ops")),
    ("the hub's admin role of each account", "identity", _on(_ANY + "${aws:PrincipalAccount}-admin")),
    ("any role of one's own account", "identity", _on(_OWN_ACCOUNT_ROLE + "*")),
    ("every role but one's own name", "identity", _on(_ANY + "${aws:username}", "NotResource")),
    ("every role outside one's account", "identity", _on(_OWN_ACCOUNT_ROLE + "*", "NotResource")),
    ("a default for a role session", "identity", _on(_ANY + "${aws:username, 'admin'}")),
    ("a role named after the principal type", "identity", _on(_ANY + "${aws:PrincipalType}")),
    ("a literal ${*} in the name", "identity", _on(_ANY + "${aws:username}${*}")),
    ("a deny of one's own name", "identity", _on(_ANY + "${aws:username}", effect="Deny")),
    ("an SCP keeping roles to their own account", "scp",
     _on(_OWN_ACCOUNT_ROLE + "*", "NotResource", effect="Deny")),
    ("an SCP denying roles named after the caller's account", "scp",
     _on(_ANY + "${aws:PrincipalAccount}-*", effect="Deny")),
    # conditions on the principal, values with variables (the wrong sharing of before)
    ("alice of the principal's own account", "identity",
     _on("*", StringEquals={"aws:PrincipalArn": _OWN_ACCOUNT_USER + "alice"})),
    ("not bob of the principal's own account", "identity",
     _on("*", StringNotEquals={"aws:PrincipalArn": _OWN_ACCOUNT_USER + "bob"})),
    ("the hop of one's own account", "identity",
     _on("*", StringLike={"aws:PrincipalArn": _OWN_ACCOUNT_ROLE + "hop"})),
    ("a user ARN rebuilt from the user name", "identity",
     _on("*", ArnEquals={"aws:PrincipalArn": _HUB_USER + "${aws:username}"})),
    ("any of two ARNs, one with a variable", "identity",
     _on("*", **{"ForAnyValue:StringEquals": {"aws:PrincipalArn": [_OWN_ACCOUNT_USER + "bob", "x"]}})),
    ("the account read back from the ARN", "identity",
     _on("*", ArnLike={"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:*"})),
    ("an SCP sparing its own account's hop", "scp",
     _on("*", effect="Deny", ArnNotLike={"aws:PrincipalArn": _OWN_ACCOUNT_ROLE + "hop"})),
    ("a trust admitting only its account's hop", "trust",
     _on("*", StringEquals={"aws:PrincipalArn": _OWN_ACCOUNT_ROLE + "hop"})),
    ("a trust admitting users by their rebuilt ARN", "trust",
     _on("*", StringEquals={"aws:PrincipalArn": _HUB_USER + "${aws:username}"})),
    # the user name as a plain condition key: the graph knows it per user too
    ("a condition on the user name", "identity", _on("*", StringEquals={"aws:username": "alice"})),
    ("a case-blind condition on the user name", "identity",
     _on("*", StringEqualsIgnoreCase={"aws:username": "BOB"})),
    ("a trust for one user name", "trust", _on("*", StringLike={"aws:username": "c*"})),
]  # fmt: skip


def test_the_variable_table_is_large_enough() -> None:
    assert len(VARIABLE_ROWS) >= 20


@pytest.mark.parametrize(("where", "stmt"), [pytest.param(w, s, id=n) for n, w, s in VARIABLE_ROWS])
def test_the_access_graph_decides_each_edge_as_decide_does(where: str, stmt: dict[str, Any]) -> None:
    """Given one statement with policy variables (or a condition on the user name) among users of one group
    and roles of two accounts, when every user's and role's one-hop edges are compared with decide() on each
    role, with MFA and without, then they agree: no principal borrows another's answer."""
    from tests.builders import WITH_MFA, WITHOUT_MFA, path_effect, plain_effect

    from rolegate.access.decide import decide
    from rolegate.access.graph import AccessGraph

    graph = AccessGraph(_variables_world(where, stmt).snapshot)
    principals = [*graph.users(), *(graph.role_principal(arn) for arn in graph.roles)]
    # the graph is asked in an order that makes whoever comes first the one a wrong share would copy
    for order in (principals, principals[::-1]):
        graph = AccessGraph(graph.snapshot)
        for who in order:
            for mfa, context in ((True, WITH_MFA), (False, WITHOUT_MFA)):
                edges = graph.edges(who, mfa)
                for role_arn in graph.roles:
                    if role_arn == who.arn:
                        continue
                    answer = decide(graph, who.arn, ASSUME_ROLE, role_arn, context)
                    assert path_effect(edges.get(role_arn)) == plain_effect(answer), (who.arn, role_arn, mfa)


ASSUME_ROLE = "sts:AssumeRole"


def test_one_group_of_users_is_told_apart_by_a_variable_in_a_principal_arn_condition() -> None:
    """Given alice, bob and carol in one group that may assume prod's admin only when aws:PrincipalArn is
    `arn:aws:iam::${aws:PrincipalAccount}:user/alice`, when the matrix is asked, then alice reaches it and
    bob and carol do not (before, the three shared whichever answer was computed first)."""
    from rolegate.access.graph import AccessGraph

    stmt = _on("*", StringEquals={"aws:PrincipalArn": _OWN_ACCOUNT_USER + "alice"})
    graph = AccessGraph(_variables_world("identity", stmt).snapshot)
    reached = {u.name: {f"{r.role}@{r.account}" for r in graph.reach(u)} for u in graph.users()}
    assert "admin@prod" in reached["alice"]
    assert reached["bob"] == reached["carol"] == set()


def test_a_role_named_after_the_user_is_reached_by_that_user_alone() -> None:
    """Given a group that may assume `arn:aws:iam::*:role/${aws:username}`, when the matrix is asked, then
    alice reaches the `alice` roles of prod and stage, bob prod's `bob`, and carol none: certain answers,
    not a condition on the user name."""
    from rolegate.access.graph import AccessGraph

    graph = AccessGraph(_variables_world("identity", _on(_ANY + "${aws:username}")).snapshot)
    reached = {
        u.name: {(f"{r.role}@{r.account}", r.reachable) for r in graph.reach(u)} for u in graph.users()
    }
    assert reached == {
        "alice": {("alice@prod", "yes"), ("alice@stage", "yes")},
        "bob": {("bob@prod", "yes")},
        "carol": set(),
    }
