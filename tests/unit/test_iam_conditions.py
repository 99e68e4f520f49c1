"""IAM condition operators, each family to the letter of AWS's IAM reference.

Given a policy condition and what rolegate knows of a request (a key's values, the key known absent, or the
key unknown before the call), when `policy.condition_holds` decides it, then the answer is the one the IAM
reference documents; every table quotes the sentence it follows (from "IAM JSON policy elements: Condition
operators", "Creating a condition with multiple keys or values", "Single-valued vs. multivalued context
keys" and "AWS JSON policy elements: NotPrincipal").

Three of the four classes issue 17 found wrong fail on the pre-fix commit dc3883e (worktree /tmp/base17):
`ArnEquals`/`ArnNotEquals` without wildcards (test_arn_equals_matches_like_arn_like), `ForAnyValue:` with a
negated operator on an absent key and `ForAllValues:` over several values (test_set_operators), and a trust
statement with `NotPrincipal` and Allow read as "everyone" (test_not_principal_with_allow_admits_no_one).
`invalid_trust_statements` is a new API: its test cannot fail on dc3883e other than by its absence. The
fourth class, policy variables, is tests/unit/test_iam_policy_variables.py. Families that were merely
undecided before (Date, IP, Binary: "conditional") now get their documented answer; their tables fail on
dc3883e too, by answering None where IAM answers True or False.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rolegate.access.policy import Context, condition_holds, evaluate, statements

ABSENT = object()  # the request certainly lacks the key
UNKNOWN = object()  # rolegate cannot know the key before the call

ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/administrator"
COBUS = f"arn:aws:iam::{ACCOUNT}:user/cobus"


def request(key: str, values: Any) -> Context:
    """The request as rolegate knows it: `values` a string, a list (a multivalued key), ABSENT or UNKNOWN.
    Built with the constructor of dc3883e too, so the tables run against the old code."""
    if values is UNKNOWN:
        return Context({}, frozenset())
    if values is ABSENT:
        return Context({}, frozenset({key.lower()}))
    return Context({key.lower(): (values,) if isinstance(values, str) else tuple(values)}, frozenset())


def holds(operator: str, key: str, wanted: Any, values: Any) -> bool | None:
    wanted = (wanted,) if isinstance(wanted, str) else tuple(wanted)
    return condition_holds(operator, key, wanted, request(key, values))


Row = tuple[str, str, Any, Any, bool | None]


def ids(rows: list[Row]) -> list[str]:
    return [
        f"{op} {w!r} vs {'absent' if v is ABSENT else 'unknown' if v is UNKNOWN else repr(v)}"
        for op, _, w, v, _ in rows
    ]


# -- ARN ------------------------------------------------------------------------------------------------

ARN_DOC = (
    "ArnEquals, ArnLike: Case-sensitive matching of the ARN. Each of the six colon-delimited components of "
    "the "
    "ARN is checked separately and each can include multi-character match wildcards (*) or single-character "
    "match wildcards (?). The ArnEquals and ArnLike condition operators behave identically. "
    "ArnNotEquals, ArnNotLike: Negated matching for ARN. The ArnNotEquals and ArnNotLike condition operators "
    "behave identically."
)
K = "aws:PrincipalArn"
ARN_ROWS: list[Row] = [
    ("ArnEquals", K, f"arn:aws:iam::{ACCOUNT}:user/*", COBUS, True),
    ("ArnEquals", K, "arn:aws:iam::*:user/cobus", COBUS, True),
    ("ArnEquals", K, "arn:aws:iam::11111111111?:user/cobus", COBUS, True),
    ("ArnEquals", K, "arn:aws:iam::*:role/*", COBUS, False),
    ("ArnEquals", K, COBUS, COBUS, True),
    ("ArnEquals", K, COBUS.upper(), COBUS, False),  # case-sensitive
    ("ArnEquals", K, "arn:*:*:*:*:*", COBUS, True),
    ("ArnEquals", K, "*", COBUS, False),  # not six components: not an ARN pattern
    ("ArnEquals", K, "arn:aws:iam::*", COBUS, False),
    ("ArnEquals", K, f"arn:aws:iam::{ACCOUNT}:user/*", "not-an-arn", False),
    ("ArnNotEquals", K, f"arn:aws:iam::{ACCOUNT}:user/*", COBUS, False),
    ("ArnNotEquals", K, "arn:aws:iam::*:role/*", COBUS, True),
    ("ArnNotEquals", K, f"arn:aws:iam::{ACCOUNT}:user/*", ABSENT, True),
    ("ArnEquals", K, f"arn:aws:iam::{ACCOUNT}:user/*", ABSENT, False),
    ("ArnLike", K, f"arn:aws:iam::{ACCOUNT}:user/*", COBUS, True),
    ("ArnLike", K, "arn:aws:iam::*:user/c?bus", COBUS, True),
    ("ArnNotLike", K, "arn:aws:iam::*:user/c?bus", COBUS, False),
    ("ArnLike", K, "arn:aws:iam::*:user/*", UNKNOWN, None),
    ("ArnEqualsIfExists", K, "arn:aws:iam::*:role/*", ABSENT, True),
    ("ArnEqualsIfExists", K, "arn:aws:iam::*:role/*", COBUS, False),
    ("ArnNotEqualsIfExists", K, "arn:aws:iam::*:role/*", COBUS, True),
    # the sixth component keeps its colons: `*` there runs across them
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:sns:*:111122223333:*",
        "arn:aws:sns:us-east-2:111122223333:t:x",
        True,
    ),
]


@pytest.mark.parametrize(("operator", "key", "wanted", "values", "expected"), ARN_ROWS, ids=ids(ARN_ROWS))
def test_arn_equals_matches_like_arn_like(
    operator: str, key: str, wanted: Any, values: Any, expected: Any
) -> None:
    """Given a condition on aws:PrincipalArn, when cobus calls, then ArnEquals and ArnLike answer alike,
    wildcards and all (issue 17: ArnEquals read `*` literally)."""
    assert holds(operator, key, wanted, values) is expected, ARN_DOC


def test_arn_like_checks_each_component_apart_where_string_like_does_not() -> None:
    """IAM: "With a StringLike condition, the match succeeds. The first asterisk matches
    us-east-2:999999999999:store/abc:. With an ArnLike condition, which matches elements between colons, the
    match fails." The reference's own example, both ways, and ArnEquals with it."""
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    assert holds("StringLike", "aws:SourceArn", pattern, value) is True
    assert holds("ArnLike", "aws:SourceArn", pattern, value) is False
    assert holds("ArnEquals", "aws:SourceArn", pattern, value) is False
    assert holds("ArnNotEquals", "aws:SourceArn", pattern, value) is True


ARN_PART = st.text(alphabet="abc12-/*?", min_size=0, max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(ARN_PART, min_size=6, max_size=6),
    st.lists(st.text(alphabet="abc12-/", max_size=6), min_size=6, max_size=6),
)
def test_arn_equals_and_arn_like_behave_identically(pattern: list[str], value: list[str]) -> None:
    """For any ARN pattern and ARN: "The ArnEquals and ArnLike condition operators behave identically", and
    the Not forms are their negation when the key is present."""
    p, v = ":".join(["arn", *pattern[1:]]), ":".join(["arn", *value[1:]])
    like = holds("ArnLike", K, p, v)
    assert holds("ArnEquals", K, p, v) is like
    assert holds("ArnNotEquals", K, p, v) is (not like)
    assert holds("ArnNotLike", K, p, v) is (not like)


# -- String ---------------------------------------------------------------------------------------------

STRING_DOC = (
    "StringEquals: Exact matching, case sensitive. StringNotEquals: Negated matching. "
    "StringEqualsIgnoreCase: "
    "Exact matching, ignoring case. StringLike: Case-sensitive matching. The values can include "
    "multi-character match wildcards (*) and single-character match wildcards (?) anywhere in the string."
)
T = "aws:PrincipalTag/team"
STRING_ROWS: list[Row] = [
    ("StringEquals", T, "platform", "platform", True),
    ("StringEquals", T, "platform", "Platform", False),
    ("StringEquals", T, "plat*", "platform", False),  # no wildcards in StringEquals
    ("StringEquals", T, "plat*", "plat*", True),
    ("StringNotEquals", T, "platform", "Platform", True),
    ("StringNotEquals", T, "platform", "platform", False),
    ("StringEqualsIgnoreCase", T, "platform", "PLATFORM", True),
    ("StringEqualsIgnoreCase", T, "platform", "platforms", False),
    ("StringNotEqualsIgnoreCase", T, "platform", "PLATFORM", False),
    ("StringNotEqualsIgnoreCase", T, "platform", "data", True),
    ("StringLike", T, "plat*", "platform", True),
    ("StringLike", T, "plat*", "Platform", False),  # case-sensitive
    ("StringLike", T, "pl?tform", "platform", True),
    ("StringLike", T, "pl?tform", "pltform", False),  # ? is exactly one character
    ("StringLike", T, "*", "", True),
    ("StringLike", T, "[a-z]*", "platform", False),  # brackets are no class to IAM
    ("StringLike", T, "[a-z]*", "[a-z]x", True),
    ("StringNotLike", T, "plat*", "data", True),
    ("StringNotLike", T, "plat*", "platform", False),
    ("StringLike", T, "line*", "line\nbreak", True),  # * runs over any character
    ("StringEquals", T, "platform", ABSENT, False),
    ("StringNotEquals", T, "platform", ABSENT, True),
    ("StringNotLike", T, "plat*", ABSENT, True),
    ("StringEquals", T, "platform", UNKNOWN, None),
    ("StringEqualsIfExists", T, "platform", ABSENT, True),
    ("StringEqualsIfExists", T, "platform", "data", False),
    ("StringNotLikeIfExists", T, "plat*", "platform", False),
]


@pytest.mark.parametrize(
    ("operator", "key", "wanted", "values", "expected"), STRING_ROWS, ids=ids(STRING_ROWS)
)
def test_string_operators(operator: str, key: str, wanted: Any, values: Any, expected: Any) -> None:
    """Given a condition on the caller's team tag, then each String operator answers as documented."""
    assert holds(operator, key, wanted, values) is expected, STRING_DOC


def test_condition_keys_are_case_insensitive_and_values_are_not() -> None:
    """IAM: "Key names are case-insensitive. For example, aws:CurrentTime is equivalent to AWS:currenttime."
    Values keep their case under StringEquals."""
    context = Context({"aws:principaltag/team": ("platform",)}, frozenset())
    for spelling in ("aws:PrincipalTag/team", "AWS:PRINCIPALTAG/TEAM", "aws:principaltag/Team"):
        assert condition_holds("StringEquals", spelling, ("platform",), context) is True
        assert condition_holds("StringEquals", spelling, ("PLATFORM",), context) is False


# -- Numeric --------------------------------------------------------------------------------------------

NUMERIC_DOC = (
    "Numeric condition operators let you construct Condition elements that restrict access based on "
    "comparing a key to an integer or decimal value."
)
A = "aws:MultiFactorAuthAge"
NUMERIC_ROWS: list[Row] = [
    ("NumericEquals", A, "10", "10", True),
    ("NumericEquals", A, "10", "10.0", True),
    ("NumericEquals", A, "10.5", "10.50", True),
    ("NumericEquals", A, "10", "11", False),
    ("NumericNotEquals", A, "10", "11", True),
    ("NumericNotEquals", A, "10", "10", False),
    ("NumericLessThan", A, "3600", "3599", True),
    ("NumericLessThan", A, "3600", "3600", False),
    ("NumericLessThanEquals", A, "3600", "3600", True),
    ("NumericLessThanEquals", A, "3600", "3600.1", False),
    ("NumericGreaterThan", A, "0.5", "0.75", True),
    ("NumericGreaterThan", A, "0.5", "0.5", False),
    ("NumericGreaterThanEquals", A, "-1", "-1", True),
    ("NumericGreaterThanEquals", A, "-1", "-2", False),
    ("NumericLessThan", A, "ten", "3", False),  # a value that is no number matches nothing
    ("NumericLessThan", A, "10", "three", False),
    ("NumericLessThan", A, "inf", "3", False),
    ("NumericEquals", A, "nan", "nan", False),
    ("NumericLessThan", A, "${aws:MultiFactorAuthAge}", "3", False),  # no variables in Numeric
    ("NumericLessThan", A, "3600", ABSENT, False),
    ("NumericNotEquals", A, "3600", ABSENT, True),
    ("NumericLessThanIfExists", A, "3600", ABSENT, True),
    ("NumericLessThan", A, "3600", UNKNOWN, None),
    ("NumericLessThan", A, ["10", "3600"], "100", True),  # values OR'd
]


@pytest.mark.parametrize(
    ("operator", "key", "wanted", "values", "expected"), NUMERIC_ROWS, ids=ids(NUMERIC_ROWS)
)
def test_numeric_operators(operator: str, key: str, wanted: Any, values: Any, expected: Any) -> None:
    """Given a condition on the MFA session's age, then Numeric operators compare integers and decimals."""
    assert holds(operator, key, wanted, values) is expected, NUMERIC_DOC


# -- Date -----------------------------------------------------------------------------------------------

DATE_DOC = (
    "You must specify date/time values with one of the W3C implementations of the ISO 8601 date formats or "
    "in epoch (UNIX) time. Wildcards are not permitted for date condition operators."
)
C = "aws:CurrentTime"
DATE_ROWS: list[Row] = [
    ("DateLessThan", C, "2030-01-01T00:00:00Z", "2025-06-01T12:00:00Z", True),
    ("DateLessThan", C, "2020-01-01T00:00:00Z", "2025-06-01T12:00:00Z", False),
    ("DateGreaterThan", C, "2020-01-01T00:00:01Z", "2025-06-01T12:00:00Z", True),
    ("DateEquals", C, "2025-06-01T12:00:00Z", "2025-06-01T14:00:00+02:00", True),  # same instant
    ("DateNotEquals", C, "2025-06-01T12:00:00Z", "2025-06-01T12:00:01Z", True),
    ("DateEquals", C, "2025-06-01", "2025-06-01T00:00:00Z", True),  # W3C YYYY-MM-DD
    ("DateEquals", C, "2025-06", "2025-06-01T00:00:00Z", True),  # W3C YYYY-MM
    ("DateLessThanEquals", C, "2025-06-01T12:00Z", "2025-06-01T12:00:00Z", True),  # hh:mm
    ("DateGreaterThanEquals", C, "2025-06-01T12:00:00.5Z", "2025-06-01T12:00:00.25Z", False),  # fractions
    ("DateEquals", C, "1748779200", "2025-06-01T12:00:00Z", True),  # epoch seconds
    ("DateLessThan", C, "1748779201", "1748779200", True),  # epoch both sides
    ("DateGreaterThan", "aws:EpochTime", "2025-01-01T00:00:00Z", "1748779200", True),
    ("DateLessThan", C, "2030-01-*", "2025-06-01T12:00:00Z", False),  # no wildcards
    ("DateLessThan", C, "next tuesday", "2025-06-01T12:00:00Z", False),
    ("DateLessThan", C, "2030-13-01", "2025-06-01T12:00:00Z", False),  # no 13th month
    ("DateLessThan", C, "2030-01-01T00:00:00Z", "garbage", False),
    ("DateLessThan", C, "2030-01-01T00:00:00Z", ABSENT, False),
    ("DateNotEquals", C, "2030-01-01T00:00:00Z", ABSENT, True),
    ("DateLessThanIfExists", C, "2030-01-01T00:00:00Z", ABSENT, True),
    ("DateLessThan", C, "2030-01-01T00:00:00Z", UNKNOWN, None),
    ("DateLessThan", C, ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"], "2025-06-01T12:00:00Z", True),
]


@pytest.mark.parametrize(("operator", "key", "wanted", "values", "expected"), DATE_ROWS, ids=ids(DATE_ROWS))
def test_date_operators(operator: str, key: str, wanted: Any, values: Any, expected: Any) -> None:
    """Given a time-boxed grant, then Date operators compare instants in ISO 8601 or epoch seconds."""
    assert holds(operator, key, wanted, values) is expected, DATE_DOC


# -- Bool, Binary, IP -----------------------------------------------------------------------------------

BOOL_DOC = (
    "Boolean conditions let you construct Condition elements that restrict access based on comparing a key "
    'to "true" or "false."'
)
M = "aws:MultiFactorAuthPresent"
BOOL_ROWS: list[Row] = [
    ("Bool", M, "true", "true", True),
    ("Bool", M, "TRUE", "true", True),
    ("Bool", M, "True", "true", True),
    ("Bool", M, "true", "True", True),
    ("Bool", M, "false", "true", False),
    ("Bool", M, "false", "false", True),
    ("Bool", M, "yes", "yes", False),  # no boolean: no match
    ("Bool", M, "1", "1", False),
    ("Bool", M, "true", ABSENT, False),
    ("Bool", M, "false", ABSENT, False),  # absent is not false
    ("BoolIfExists", M, "true", ABSENT, True),
    ("BoolIfExists", M, "false", "true", False),
    ("Bool", M, "true", UNKNOWN, None),
    ("Bool", M, ["true", "false"], "false", True),
    ("Bool", "aws:SecureTransport", "false", "false", True),
    ("Bool", "aws:SecureTransport", "false", "true", False),
    ("Bool", M, "true", ["true", "true"], False),  # several values need a set operator
    ("ForAnyValue:Bool", M, "true", ["false", "true"], True),
    ("ForAllValues:Bool", M, "true", ["false", "true"], False),
    ("Bool", M, " true ", "true", False),  # whitespace is no boolean
]


@pytest.mark.parametrize(("operator", "key", "wanted", "values", "expected"), BOOL_ROWS, ids=ids(BOOL_ROWS))
def test_bool_operator(operator: str, key: str, wanted: Any, values: Any, expected: Any) -> None:
    """Given a trust that wants MFA, then Bool compares "true"/"false" in any case and nothing else."""
    assert holds(operator, key, wanted, values) is expected, BOOL_DOC


def test_bool_reads_json_true_as_iam_does() -> None:
    """A policy written with JSON `true` (not the string) still means "true" to IAM."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE,
                       "Condition": {"Bool": {M: True}}}],
    }  # fmt: skip
    stmts = statements(document, "test")
    with_mfa = Context({M.lower(): ("true",)}, frozenset())
    without = Context({}, frozenset({M.lower()}))
    assert evaluate(stmts, "sts:AssumeRole", ROLE, COBUS, ACCOUNT, with_mfa).allowed is True
    assert evaluate(stmts, "sts:AssumeRole", ROLE, COBUS, ACCOUNT, without).allowed is False


BINARY_DOC = (
    "It compares the value of the specified key byte for byte against a base-64 encoded representation of "
    "the "
    "binary value in the policy."
)
B = "s3:x-amz-binary"
B64 = base64.b64encode(b"BinaryValueInBase64").decode()
BINARY_ROWS: list[Row] = [
    ("BinaryEquals", B, B64, B64, True),
    ("BinaryEquals", B, "QmluYXJ5VmFsdWVJbkJhc2U2NA==", B64, True),  # the reference's own example value
    ("BinaryEquals", B, base64.b64encode(b"other").decode(), B64, False),
    ("BinaryEquals", B, "not base64!", B64, False),
    ("BinaryEquals", B, B64, ABSENT, False),
    ("BinaryEqualsIfExists", B, B64, ABSENT, True),
    ("BinaryEquals", B, B64, UNKNOWN, None),
    ("BinaryEquals", B, [base64.b64encode(b"x").decode(), B64], B64, True),
]


@pytest.mark.parametrize(
    ("operator", "key", "wanted", "values", "expected"), BINARY_ROWS, ids=ids(BINARY_ROWS)
)
def test_binary_equals(operator: str, key: str, wanted: Any, values: Any, expected: Any) -> None:
    assert holds(operator, key, wanted, values) is expected, BINARY_DOC


IP_DOC = (
    "The value must be in the standard CIDR format (for example, 203.0.113.0/24 or 2001:DB8:1234:5678::/64). "
    "If you specify an IP address without the associated routing prefix, IAM uses the default prefix value "
    "of /32."
)
S = "aws:SourceIp"
IP_ROWS: list[Row] = [
    ("IpAddress", S, "203.0.113.0/24", "203.0.113.7", True),
    ("IpAddress", S, "203.0.113.0/24", "203.0.114.7", False),
    ("IpAddress", S, "203.0.113.7", "203.0.113.7", True),  # /32
    ("IpAddress", S, "203.0.113.7", "203.0.113.8", False),
    ("IpAddress", S, "203.0.113.9/24", "203.0.113.200", True),  # host bits are ignored
    ("IpAddress", S, "0.0.0.0/0", "198.51.100.1", True),
    ("IpAddress", S, "2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", True),
    ("IpAddress", S, "2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1", False),
    ("IpAddress", S, "2001:db8::1", "2001:db8::1", True),  # /128
    ("IpAddress", S, "203.0.113.0/24", "2001:db8::1", False),  # v4 range, v6 caller
    ("IpAddress", S, "::/0", "203.0.113.7", False),  # v6 range, v4 caller
    ("IpAddress", S, ["203.0.113.0/24", "2001:DB8:1234:5678::/64"], "2001:db8:1234:5678::9", True),
    ("IpAddress", S, "203.0.113.0/33", "203.0.113.7", False),  # no such prefix
    ("IpAddress", S, "203.0.113.*", "203.0.113.7", False),  # no wildcards
    ("IpAddress", S, "203.0.113.0/24", "not an ip", False),
    ("NotIpAddress", S, "203.0.113.0/24", "198.51.100.1", True),
    ("NotIpAddress", S, "203.0.113.0/24", "203.0.113.7", False),
    ("NotIpAddress", S, ["203.0.113.0/24", "198.51.100.0/24"], "198.51.100.1", False),  # NOR
    ("IpAddress", S, "203.0.113.0/24", ABSENT, False),
    ("NotIpAddress", S, "203.0.113.0/24", ABSENT, True),
    ("IpAddressIfExists", S, "203.0.113.0/24", ABSENT, True),
    ("IpAddress", S, "203.0.113.0/24", UNKNOWN, None),
    ("NotIpAddress", S, "203.0.113.0/24", UNKNOWN, None),
]


@pytest.mark.parametrize(("operator", "key", "wanted", "values", "expected"), IP_ROWS, ids=ids(IP_ROWS))
def test_ip_address_operators(operator: str, key: str, wanted: Any, values: Any, expected: Any) -> None:
    """Given a trust limited to the office's ranges, then IpAddress/NotIpAddress read v4 and v6 CIDRs."""
    assert holds(operator, key, wanted, values) is expected, IP_DOC


# -- Null, IfExists, missing keys -----------------------------------------------------------------------

NULL_DOC = (
    "Use a Null condition operator to check if a condition key is absent at the time of authorization. In "
    "the "
    "policy statement, use either true (the key doesn't exist — it is null) or false (the key exists and its "
    "value is not null)."
)
NULL_ROWS: list[Row] = [
    ("Null", "aws:TokenIssueTime", "true", ABSENT, True),
    ("Null", "aws:TokenIssueTime", "true", "2025-06-01T12:00:00Z", False),
    ("Null", "aws:TokenIssueTime", "false", ABSENT, False),
    ("Null", "aws:TokenIssueTime", "false", "2025-06-01T12:00:00Z", True),
    ("Null", "aws:TokenIssueTime", "TRUE", ABSENT, True),
    ("Null", "aws:TokenIssueTime", ["true", "false"], ABSENT, True),  # values OR'd
    ("Null", "aws:TokenIssueTime", "true", UNKNOWN, None),
    ("Null", "aws:TokenIssueTime", "maybe", ABSENT, False),
]


@pytest.mark.parametrize(("operator", "key", "wanted", "values", "expected"), NULL_ROWS, ids=ids(NULL_ROWS))
def test_null_operator(operator: str, key: str, wanted: Any, values: Any, expected: Any) -> None:
    assert holds(operator, key, wanted, values) is expected, NULL_DOC


MISSING_DOC = (
    "If the key that you specify in a policy condition is not present in the request context, the values do "
    "not match and the condition is false. If the policy condition requires that the key is not matched, "
    "such "
    "as StringNotLike or ArnNotLike, and the right key is not present, the condition is true. This logic "
    "applies to all condition operators except ...IfExists and Null check."
)
IF_EXISTS_DOC = (
    'You can add IfExists to the end of any condition operator name except the Null condition. "If the '
    "policy "
    "key is present in the context of the request, process the key as specified in the policy. If the key is "
    'not present, evaluate the condition element as true."'
)
EVERY_OPERATOR = {
    "StringEquals": "x", "StringNotEquals": "x", "StringEqualsIgnoreCase": "x",
    "StringNotEqualsIgnoreCase": "x",
    "StringLike": "x*", "StringNotLike": "x*", "NumericEquals": "1", "NumericNotEquals": "1",
    "NumericLessThan": "1", "NumericLessThanEquals": "1", "NumericGreaterThan": "1",
    "NumericGreaterThanEquals": "1", "DateEquals": "2025-01-01", "DateNotEquals": "2025-01-01",
    "DateLessThan": "2025-01-01", "DateLessThanEquals": "2025-01-01", "DateGreaterThan": "2025-01-01",
    "DateGreaterThanEquals": "2025-01-01", "Bool": "true", "BinaryEquals": B64, "IpAddress": "10.0.0.0/8",
    "NotIpAddress": "10.0.0.0/8", "ArnEquals": ROLE, "ArnLike": ROLE, "ArnNotEquals": ROLE,
    "ArnNotLike": ROLE,
}  # fmt: skip


@pytest.mark.parametrize("operator", sorted(EVERY_OPERATOR))
def test_a_missing_key_is_false_but_for_negated_operators_and_if_exists(operator: str) -> None:
    """Given a key the request lacks, then every operator is false, a negated one true, and its IfExists form
    true; a key unknown before the call leaves every form undecided."""
    wanted = EVERY_OPERATOR[operator]
    negated = "Not" in operator
    assert holds(operator, "k:key", wanted, ABSENT) is negated, MISSING_DOC
    assert holds(operator + "IfExists", "k:key", wanted, ABSENT) is True, IF_EXISTS_DOC
    assert holds(operator, "k:key", wanted, UNKNOWN) is None
    assert holds(operator + "IfExists", "k:key", wanted, UNKNOWN) is None


def test_an_operator_iam_does_not_have_is_never_guessed() -> None:
    """IAM refuses an unknown operator; rolegate, reading a document it did not write, leaves it undecided."""
    assert holds("StringEqualz", T, "platform", "platform") is None


# -- set operators and multivalued keys ------------------------------------------------------------------

SET_DOC = (
    "ForAnyValue – The condition returns true if any one of the key values in the request matches any one of "
    "the condition values in the policy. ForAllValues – The condition returns true if there's a match "
    "between "
    "every one of the specified key values in the request and at least one value in the policy. If the key "
    "values in the request resolve to an empty data set (for example, an empty string), a condition operator "
    "modified by ForAllValues returns true, and a condition operator modified by ForAnyValue returns false. "
    "Multivalued context keys require a condition set operator. (Observed in AWS, repost.aws question "
    "'ForAnyValue:StringEqualsIfExists behaving unexpectedly': 'if there is no matching context key or the "
    "dataset is null, the condition returns false', IfExists or not.)"
)
G = "aws:TagKeys"
SET_ROWS: list[Row] = [
    # ForAnyValue over an absent key: no value, so no match, negated operator or not (issue 17)
    ("ForAnyValue:StringNotEquals", G, "secret", ABSENT, False),
    ("ForAnyValue:StringNotLike", G, "secret*", ABSENT, False),
    ("ForAnyValue:ArnNotLike", G, ROLE, ABSENT, False),
    ("ForAnyValue:StringEquals", G, "team", ABSENT, False),
    ("ForAnyValue:StringEquals", G, "team", [], False),  # an empty data set
    ("ForAnyValue:StringEqualsIfExists", G, "team", ABSENT, False),  # IfExists does not save it (AWS)
    ("ForAnyValue:StringNotEqualsIfExists", G, "team", ABSENT, False),
    ("ForAllValues:StringEqualsIfExists", G, "team", ABSENT, True),
    # ForAllValues over an absent key is true
    ("ForAllValues:StringEquals", G, "team", ABSENT, True),
    ("ForAllValues:StringNotEquals", G, "team", ABSENT, True),
    ("ForAllValues:StringEquals", G, "team", [], True),
    # ForAllValues over several values needs every one to match (issue 17: any one sufficed)
    ("ForAllValues:StringEquals", G, ["team", "cost"], ["team", "cost"], True),
    ("ForAllValues:StringEquals", G, ["team", "cost"], ["team", "secret"], False),
    ("ForAllValues:StringLike", G, ["team*"], ["team", "teams", "teamwork"], True),
    ("ForAllValues:StringLike", G, ["team*"], ["team", "Team"], False),
    ("ForAllValues:StringNotEquals", G, ["secret"], ["team", "cost"], True),
    ("ForAllValues:StringNotEquals", G, ["secret"], ["team", "secret"], False),
    # ForAnyValue over several values needs one
    ("ForAnyValue:StringEquals", G, ["secret"], ["team", "secret"], True),
    ("ForAnyValue:StringEquals", G, ["secret"], ["team", "cost"], False),
    ("ForAnyValue:StringNotEquals", G, ["secret"], ["secret", "team"], True),
    ("ForAnyValue:StringNotEquals", G, ["secret"], ["secret"], False),
    ("ForAnyValue:StringEqualsIgnoreCase", G, ["SECRET"], ["team", "secret"], True),
    # a set operator over a key with one value treats it as a set of one ("overly permissive", IAM warns)
    ("ForAnyValue:StringEquals", T, "platform", "platform", True),
    ("ForAllValues:StringEquals", T, "platform", "data", False),
    # a plain operator over several values: multivalued keys require a set operator
    ("StringEquals", G, "team", ["team", "cost"], False),
    ("StringNotEquals", G, "secret", ["team", "cost"], False),
    ("StringLike", G, "*", ["team", "cost"], False),
    ("StringEquals", G, "team", ["team"], True),
    ("ForAllValues:StringEquals", G, "team", UNKNOWN, None),
    ("ForAnyValue:StringEquals", G, "team", UNKNOWN, None),
]


@pytest.mark.parametrize(("operator", "key", "wanted", "values", "expected"), SET_ROWS, ids=ids(SET_ROWS))
def test_set_operators(operator: str, key: str, wanted: Any, values: Any, expected: Any) -> None:
    """Given a request whose tag keys are a set, then ForAnyValue/ForAllValues answer as documented."""
    assert holds(operator, key, wanted, values) is expected, SET_DOC


def test_a_key_given_as_a_list_is_multivalued_even_with_one_value() -> None:
    """Given a request whose aws:TagKeys is the list ["team"] (a multivalued key that happens to hold one
    value), then a plain operator does not match it and a set operator does; the same key given as the
    string "team" is single-valued. (`Context.of` is a new API: absent from dc3883e.)"""
    listed = Context.of({"aws:TagKeys": ["team"]})
    single = Context.of({"AWS:TagKeys": "team"})
    assert condition_holds("StringEquals", G, ("team",), listed) is False, SET_DOC
    assert condition_holds("StringNotEquals", G, ("other",), listed) is False, SET_DOC
    assert condition_holds("ForAnyValue:StringEquals", G, ("team",), listed) is True, SET_DOC
    assert condition_holds("ForAllValues:StringEquals", G, ("team",), listed) is True, SET_DOC
    assert condition_holds("StringEquals", G, ("team",), single) is True
    assert condition_holds("StringEquals", "aws:tagkeys", ("team",), single) is True


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", "ab"]), max_size=4),
    st.lists(st.sampled_from(["a", "b", "c", "a*"]), min_size=1, max_size=3),
    st.sampled_from(["StringEquals", "StringLike", "StringNotEquals", "StringNotLike"]),
)
def test_set_operators_are_any_and_every_over_the_request_values(
    request_values: list[str], wanted: list[str], base: str
) -> None:
    """For any request set: ForAnyValue is "some value matches", ForAllValues "every value matches" (each
    value asked as a one-value request of the plain operator); an empty set is false and true."""
    each = [holds(base, G, wanted, [v]) for v in request_values]
    assert holds(f"ForAnyValue:{base}", G, wanted, request_values) is any(each)
    assert holds(f"ForAllValues:{base}", G, wanted, request_values) is all(each)


# -- multiple values, keys, operators --------------------------------------------------------------------

MULTIPLE_DOC = (
    "If your policy statement has multiple condition operators, the condition operators are evaluated using "
    "a "
    "logical AND. If your policy statement has multiple context keys attached to a single condition "
    "operator, "
    "the context keys are evaluated using a logical AND. If a single condition operator includes multiple "
    "values for a context key, those values are evaluated using a logical OR. If a single negated matching "
    "condition operator includes multiple values for a context key, those values are evaluated using a "
    "logical NOR."
)


def allowed(condition: dict[str, Any], keys: dict[str, str], absent: tuple[str, ...] = ()) -> Any:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE, "Condition": condition}
        ],
    }
    context = Context({k.lower(): (v,) for k, v in keys.items()}, frozenset(a.lower() for a in absent))
    return evaluate(statements(document, "test"), "sts:AssumeRole", ROLE, COBUS, ACCOUNT, context).allowed


MULTIPLE_ROWS: list[tuple[dict[str, Any], dict[str, str], bool]] = [
    ({"StringEquals": {T: ["a", "b"]}}, {T: "b"}, True),  # values OR'd
    ({"StringEquals": {T: ["a", "b"]}}, {T: "c"}, False),
    ({"StringNotEquals": {T: ["a", "b"]}}, {T: "b"}, False),  # negated values NOR'd
    ({"StringNotEquals": {T: ["a", "b"]}}, {T: "c"}, True),
    ({"StringEquals": {T: "a", "aws:PrincipalTag/cost": "x"}}, {T: "a", "aws:PrincipalTag/cost": "x"}, True),
    ({"StringEquals": {T: "a", "aws:PrincipalTag/cost": "x"}}, {T: "a", "aws:PrincipalTag/cost": "y"}, False),
    ({"StringEquals": {T: "a"}, "Bool": {M: "true"}}, {T: "a", M: "true"}, True),  # operators AND'd
    ({"StringEquals": {T: "a"}, "Bool": {M: "true"}}, {T: "a", M: "false"}, False),
    ({"StringEquals": {T: "a"}, "Bool": {M: "true"}}, {T: "b", M: "true"}, False),
    ({"StringLike": {T: "a*"}, "StringNotLike": {T: "ab*"}}, {T: "ac"}, True),
    ({"StringLike": {T: "a*"}, "StringNotLike": {T: "ab*"}}, {T: "abc"}, False),
    ({"NumericLessThan": {A: "3600"}, "Bool": {M: "true"}}, {A: "60", M: "true"}, True),
    ({"NumericLessThan": {A: "3600"}, "Bool": {M: "true"}}, {A: "7200", M: "true"}, False),
    ({"IpAddress": {S: ["10.0.0.0/8", "192.168.0.0/16"]}}, {S: "192.168.1.1"}, True),
    ({"IpAddress": {S: ["10.0.0.0/8", "192.168.0.0/16"]}}, {S: "172.16.0.1"}, False),
    ({"ArnLike": {K: ["arn:aws:iam::*:user/a*", "arn:aws:iam::*:user/c*"]}}, {K: COBUS}, True),
    ({"ArnNotLike": {K: ["arn:aws:iam::*:user/a*", "arn:aws:iam::*:user/c*"]}}, {K: COBUS}, False),
    (
        {"DateGreaterThan": {C: "2020-01-01"}, "DateLessThan": {C: "2030-01-01"}},
        {C: "2025-01-01T00:00:00Z"},
        True,
    ),
    (
        {"DateGreaterThan": {C: "2026-01-01"}, "DateLessThan": {C: "2030-01-01"}},
        {C: "2025-01-01T00:00:00Z"},
        False,
    ),
    ({"StringEquals": {T: "a"}, "Null": {"aws:TokenIssueTime": "true"}}, {T: "a"}, True),
]


@pytest.mark.parametrize(("condition", "keys", "expected"), MULTIPLE_ROWS)
def test_multiple_values_keys_and_operators(
    condition: dict[str, Any], keys: dict[str, str], expected: bool
) -> None:
    """Given a trust statement with a condition block, when cobus calls, then its parts combine so."""
    absent = ("aws:TokenIssueTime",)
    assert allowed(condition, keys, absent) is expected, MULTIPLE_DOC


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", "a*", "?"]), min_size=1, max_size=4),
    st.sampled_from(["a", "b", "ab", "c"]),
    st.sampled_from(
        ["StringEquals", "StringLike", "StringNotEquals", "StringNotLike", "StringEqualsIgnoreCase"]
    ),
)
def test_values_are_ored_and_negated_values_nored(wanted: list[str], value: str, operator: str) -> None:
    """For any list of policy values: the positive operator holds when one value does; its negation holds
    when none of the positive ones does."""
    one_by_one = [holds(operator.replace("Not", ""), T, [w], value) for w in wanted]
    expected = (not any(one_by_one)) if "Not" in operator else any(one_by_one)
    assert holds(operator, T, wanted, value) is expected


# -- NotPrincipal with Allow ----------------------------------------------------------------------------

NOT_PRINCIPAL_DOC = (
    'NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is not supported. '
    "You cannot use the NotPrincipal element in an IAM identity-based policy nor in an IAM role trust policy."
)
NOT_PRINCIPALS: list[Any] = [
    {"AWS": "arn:aws:iam::999999999999:root"},
    {"AWS": ["arn:aws:iam::999999999999:user/mallory", "arn:aws:iam::999999999999:root"]},
    {"AWS": f"arn:aws:iam::{ACCOUNT}:user/someone-else"},
    {"AWS": [f"arn:aws:iam::{ACCOUNT}:user/someone-else", f"arn:aws:iam::{ACCOUNT}:root"]},
    {"AWS": "999999999999"},
    {"AWS": ["999999999999", "888888888888"]},
    {"Service": "ec2.amazonaws.com"},
    {"AWS": "arn:aws:iam::999999999999:role/x"},
    {"AWS": []},
    {"Federated": "cognito-identity.amazonaws.com"},
]
CALLERS = [COBUS, f"arn:aws:iam::{ACCOUNT}:role/ci", "arn:aws:iam::222222222222:user/eve"]


@pytest.mark.parametrize("not_principal", NOT_PRINCIPALS)
@pytest.mark.parametrize("caller", CALLERS)
def test_not_principal_with_allow_admits_no_one(not_principal: Any, caller: str) -> None:
    """Given a role whose trust says Allow with NotPrincipal (which IAM does not support), when anyone asks
    to assume it, then the trust does not admit them: never "reachable by everyone"."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "NotPrincipal": not_principal, "Action": "sts:AssumeRole"}],
    }
    context = Context({"aws:principalarn": (caller,)}, frozenset())
    account = caller.split(":")[4]
    found = evaluate(statements(trust, "trust"), "sts:AssumeRole", ROLE, caller, account, context)
    assert found.allowed is False, NOT_PRINCIPAL_DOC
    assert not found.allows


def test_not_principal_with_deny_still_denies() -> None:
    """Given a trust that allows the account and denies all but one user with NotPrincipal, then that Deny
    still applies to everyone else (rolegate keeps the stricter reading of a statement IAM would refuse)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Action": "sts:AssumeRole",
             "NotPrincipal": {"AWS": [COBUS, f"arn:aws:iam::{ACCOUNT}:root"]}},
        ],
    }  # fmt: skip
    stmts = statements(trust, "trust")
    other = f"arn:aws:iam::{ACCOUNT}:user/eve"
    context = Context({}, frozenset())
    assert evaluate(stmts, "sts:AssumeRole", ROLE, COBUS, ACCOUNT, context).allowed is True
    assert evaluate(stmts, "sts:AssumeRole", ROLE, other, ACCOUNT, context).allowed is False


def test_invalid_trust_statements_names_each_not_principal() -> None:
    """Given trust policies, then `invalid_trust_statements` gives one reason per NotPrincipal statement,
    naming its index and Sid, and none for a trust IAM accepts. (A new API: absent from dc3883e.)"""
    from rolegate.access.policy import invalid_trust_statements

    good = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]}  # fmt: skip
    assert invalid_trust_statements(good) == []
    assert invalid_trust_statements(None) == []
    assert invalid_trust_statements({"Statement": "garbage"}) == []
    bad = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
        {"Sid": "Everyone", "Effect": "Allow", "NotPrincipal": {"AWS": "999999999999"},
         "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": COBUS}, "Action": "sts:AssumeRole"},
    ]}  # fmt: skip
    reasons = invalid_trust_statements(bad)
    assert len(reasons) == 2
    assert reasons[0].startswith(
        "statement 1 (Sid Everyone): NotPrincipal with Effect Allow is not supported"
    )
    assert reasons[1].startswith("statement 2: NotPrincipal cannot be used in a role trust policy")
    single = {"Statement": {"Effect": "Allow", "NotPrincipal": "*", "Action": "sts:AssumeRole"}}
    assert len(invalid_trust_statements(single)) == 1


# -- what cannot be known is never guessed -------------------------------------------------------------

STATE = st.one_of(st.just(ABSENT), st.just(UNKNOWN), st.sampled_from(["a", "ab", "b"]), st.just(["a", "b"]))
OPERATORS = st.sampled_from(
    [
        "StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIfExists",
        "StringNotEqualsIgnoreCase", "ArnLike", "ArnNotEquals", "Bool", "Null", "NumericLessThan",
        "ForAnyValue:StringEquals", "ForAllValues:StringLike", "ForAnyValue:StringNotEquals",
        "ForAllValues:StringNotLikeIfExists", "ForAnyValue:StringLikeIfExists",
    ]
)  # fmt: skip
WANTED = st.lists(
    st.sampled_from(["a", "b*", "${aws:username}", "x${aws:username}", "${aws:username, 'a'}", "true"]),
    min_size=1,
    max_size=3,
)


def _context(team: Any, username: Any) -> Context:
    keys: dict[str, tuple[str, ...]] = {}
    absent: set[str] = set()
    for key, state in (("aws:principaltag/team", team), ("aws:username", username)):
        if state is ABSENT:
            absent.add(key)
        elif state is not UNKNOWN:
            keys[key] = (state,) if isinstance(state, str) else tuple(state)
    return Context(keys, frozenset(absent))


@settings(max_examples=400, deadline=None)
@given(OPERATORS, WANTED, STATE, STATE)
def test_a_definite_answer_holds_whatever_the_unknown_keys_turn_out_to_be(
    operator: str, wanted: list[str], team: Any, username: Any
) -> None:
    """Given a condition over the caller's team tag whose values may name ${aws:username}, and a request
    where either key may be unknown before the call, when rolegate answers True or False, then every way the
    unknown keys could turn out (absent, one value, several) gives that same answer: "conditional" is the
    only answer that may depend on what is not known."""
    answer = condition_holds(operator, T, tuple(wanted), _context(team, username))
    if answer is None:
        return
    outcomes: list[Any] = [ABSENT, "a", "ab", "b", ["a", "b"]]
    for t in outcomes if team is UNKNOWN else [team]:
        for u in outcomes if username is UNKNOWN else [username]:
            assert condition_holds(operator, T, tuple(wanted), _context(t, u)) is answer, (t, u)
