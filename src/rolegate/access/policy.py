"""IAM policy evaluation for one question: may this principal call this action on that resource?

Pure functions over policy documents as IAM stores them. What is followed, from IAM's documented logic
(the tests in tests/unit/test_iam_conditions.py and test_iam_policy_variables.py quote the sentences):
- a statement applies when its Action/NotAction, Resource/NotResource and (in a trust policy)
  Principal/NotPrincipal match the request, and every condition holds;
- actions match case-insensitively, resources and ARNs case-sensitively, both with `*` and `?` wildcards;
- an explicit Deny anywhere wins over any Allow; `NotPrincipal` with Allow is not supported by IAM, so such a
  statement allows no one (`invalid_trust_statements` names it for the audit);
- conditions: operators AND'd, keys of one operator AND'd, the values of one key OR'd (NOR when negated);
  a key the request lacks makes the condition false, except under a negated operator (StringNotEquals,
  ArnNotLike, NotIpAddress, …) or an ...IfExists operator, where it is true; `Null` tests for absence;
  `ForAllValues:` is true over a missing key and needs every request value to match; `ForAnyValue:` is false
  over a missing key (IfExists or not) and needs one request value to match; a plain operator on a key with
  several values in the request does not match (IAM: "multivalued context keys require a condition set
  operator");
- policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}` …) are resolved from
  the request in Resource, NotResource and the values of String, ARN and Bool conditions, only in policies
  of Version 2012-10-17; a variable that cannot be resolved fails its value's test ("any attempt to match
  it fails and causes the statement to be invalid"): a Resource pattern matches nothing, a NotResource
  one makes the statement invalid where it decides, a condition value fails under a negated operator too;
- what cannot be known before the call (the caller's source IP, an ExternalId the caller may pass, a key
  rolegate does not model) is never guessed: the statement becomes *conditional* and carries the condition.

Decisions are three-valued: True (certainly), False (certainly not), or a tuple of the conditions the answer
depends on. Inside the condition code the third value is None ("cannot be known before the call").
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fnmatch
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal

from rolegate.model.iam_shapes import statement_list

# Keys whose value rolegate knows for a request (put into the Context); anything else is "unknown".
MFA_PRESENT = "aws:multifactorauthpresent"
MFA_AGE = "aws:multifactorauthage"
# Negated operators: a key missing from the request makes them true (IAM's documented rule).
NEGATED = frozenset(
    {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
    | {"NumericNotEquals", "DateNotEquals", "NotIpAddress"}
)
# The one language version with policy variables; IAM's default when a document names none is 2008-10-17.
VARIABLES_VERSION = "2012-10-17"


@dataclass(frozen=True)
class Condition:
    """One condition a decision depends on, as written: operator, key, values."""

    operator: str
    key: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        shown = self.values[0] if len(self.values) == 1 else list(self.values)
        return f"{self.operator} {self.key} {shown}"


@dataclass(frozen=True)
class Context:
    """What is known of a request. `keys` holds condition keys (lower-case) with their values; a key that is
    absent here is either absent from the request (when listed in `absent`, or when it starts with one of
    `absent_prefixes`: all of a principal's tags known, `aws:principaltag/` lists the rest as absent) or
    unknown."""

    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    absent_prefixes: frozenset[str] = frozenset()
    # Keys that are multivalued in the request (aws:TagKeys, aws:CalledVia…) even when they hold one value:
    # a plain operator on them does not match, and they are no policy variable. A key with several values is
    # multivalued whether listed here or not.
    multivalued: frozenset[str] = frozenset()

    @staticmethod
    def of(
        keys: Mapping[str, str | Iterable[str]],
        absent: Iterable[str] = (),
        absent_prefixes: Iterable[str] = (),
    ) -> Context:
        """A context from keys as a user writes them (any case): a string is a single-valued key, a list
        (even of one) a multivalued one."""
        values = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in keys.items()}
        return Context(
            values,
            frozenset(k.lower() for k in absent),
            frozenset(p.lower() for p in absent_prefixes),
            frozenset(k.lower() for k, v in keys.items() if not isinstance(v, str)),
        )

    @staticmethod
    def for_principal(
        arn: str,
        account: str,
        org_id: str | None,
        *,
        mfa: bool,
        username: str | None = None,
        user_id: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Context:
        """The request of this principal calling with MFA or with long-term keys. `username`, `user_id` and
        `tags` are optional: the access graph shares answers between principals that its probes cannot tell
        apart, so it leaves them unknown (conditional) rather than known per principal."""
        keys: dict[str, tuple[str, ...]] = {"aws:principalarn": (arn,), "aws:principalaccount": (account,)}
        absent: set[str] = set()  # sts:ExternalId stays unknown: any caller may pass one (external_id)
        prefixes: set[str] = set()
        if org_id:
            keys["aws:principalorgid"] = (org_id,)
        if mfa:
            keys[MFA_PRESENT] = ("true",)
            keys[MFA_AGE] = ("0",)
        else:  # long-term keys: IAM leaves both keys out of the request
            absent |= {MFA_PRESENT, MFA_AGE}
        if arn.rsplit(":", maxsplit=1)[-1].startswith("user/"):
            keys["aws:principaltype"] = ("User",)
        if username is not None:
            keys["aws:username"] = (username,)
        if user_id is not None:
            keys["aws:userid"] = (user_id,)
        if tags is not None:
            keys |= {f"aws:principaltag/{k.lower()}": (v,) for k, v in tags.items()}
            prefixes.add("aws:principaltag/")
        return Context(keys, frozenset(absent), frozenset(prefixes))

    def values_of(self, key: str) -> tuple[str, ...] | None:
        """The request's values of `key` (lower-case): () when absent, None when unknown."""
        found = self.keys.get(key)
        if found is not None:
            return found
        if key in self.absent:
            return ()
        if self.absent_prefixes and any(key.startswith(p) for p in self.absent_prefixes):
            return ()
        return None


@dataclass(frozen=True)
class Statement:
    """A statement, normalised, with where it came from (for `why`)."""

    source: str  # e.g. "group development_administrator: managed policy development_administrator"
    sid: str | None
    effect: str  # Allow | Deny
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: tuple[str, ...] | None  # normalised AWS principals ("*" or ARNs); None: no Principal
    not_principals: tuple[str, ...] | None
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]
    # Policy variables are resolved: the document is of Version 2012-10-17 and the statement writes `${`.
    # False for every other statement, which then takes the fast paths of before variables.
    variables: bool = False

    def label(self) -> str:
        return f"{self.source}" + (f" (Sid {self.sid})" if self.sid else "")


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if type(value) is str:
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(v if type(v) is str else _string(v) for v in value)
    return (_string(value),)


def _string(value: Any) -> str:
    # JSON true/false in a Bool condition are the strings "true"/"false" to IAM, not Python's "True"
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _principals(value: Any) -> tuple[str, ...] | None:
    """Only AWS principals reach a role from IAM users and roles; services and federation are kept out."""
    if value is None:
        return None
    if value == "*":
        return ("*",)
    if isinstance(value, dict):
        found: list[str] = []
        for aws in _strings(value.get("AWS")):
            if aws == "*":
                found.append("*")
            elif re.fullmatch(r"\d{12}", aws):
                found.append(f"arn:aws:iam::{aws}:root")
            else:
                found.append(aws)
        return tuple(found)
    return ()


def statements(document: dict[str, Any] | None, source: str) -> list[Statement]:
    """The statements of a policy document, normalised; a malformed statement is skipped."""
    if not document:
        return []
    with_variables = document.get("Version") == VARIABLES_VERSION
    out: list[Statement] = []
    for st in statement_list(document):
        if not isinstance(st, dict) or st.get("Effect") not in ("Allow", "Deny"):
            continue
        conditions: list[tuple[str, str, tuple[str, ...]]] = []
        for operator, block in (st.get("Condition") or {}).items():
            if isinstance(block, dict):
                conditions += [(operator, key, _strings(values)) for key, values in block.items()]
        resources = _strings(st["Resource"]) if "Resource" in st else None
        not_resources = _strings(st["NotResource"]) if "NotResource" in st else None
        variables = with_variables and _mentions_variable(resources, not_resources, conditions)
        out.append(
            Statement(
                source=source,
                sid=st.get("Sid"),
                effect=st["Effect"],
                actions=_strings(st["Action"]) if "Action" in st else None,
                not_actions=_strings(st["NotAction"]) if "NotAction" in st else None,
                resources=resources,
                not_resources=not_resources,
                principals=_principals(st.get("Principal")),
                not_principals=_principals(st.get("NotPrincipal")),
                conditions=tuple(conditions),
                variables=variables,
            )
        )
    return out


def _mentions_variable(
    resources: tuple[str, ...] | None,
    not_resources: tuple[str, ...] | None,
    conditions: list[tuple[str, str, tuple[str, ...]]],
) -> bool:
    for texts in (resources, not_resources):
        if texts:
            for text in texts:
                if "${" in text:
                    return True
    for _, _, values in conditions:
        for text in values:
            if "${" in text:
                return True
    return False


def invalid_trust_statements(document: dict[str, Any] | None) -> list[str]:
    """Why statements of a role trust policy are not what IAM supports, one reason each (empty: none).

    IAM: "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is not supported."
    and "You cannot use the NotPrincipal element in an IAM identity-based policy nor in an IAM role trust
    policy." The evaluator never lets an Allow with NotPrincipal admit anyone; a Deny with NotPrincipal it
    still applies (the stricter reading), and names it here too."""
    reasons: list[str] = []
    for index, st in enumerate(statement_list(document)):
        if not isinstance(st, dict) or "NotPrincipal" not in st:
            continue
        where = f"statement {index}" + (f" (Sid {st['Sid']})" if st.get("Sid") else "")
        if st.get("Effect") == "Allow":
            reasons.append(
                f"{where}: NotPrincipal with Effect Allow is not supported by IAM; it admits no one "
                "(name the principals in Principal instead)"
            )
        else:
            reasons.append(
                f"{where}: NotPrincipal cannot be used in a role trust policy "
                "(use a Deny with ArnNotEquals on aws:PrincipalArn instead)"
            )
    return reasons


@lru_cache(maxsize=4096)
def _pattern(wildcard: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(wildcard), re.IGNORECASE if ignore_case else 0)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's `*` (any run) and `?` (one character); nothing else is special."""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    # fnmatch treats [..] as a class; IAM does not, so brackets are escaped first
    escaped = pattern.replace("[", "[[]")
    return bool(_pattern(escaped, ignore_case).match(value))


def _action_match(pattern: str, action: str) -> bool:
    # Most patterns name another service ("ec2:Describe*" against "sts:AssumeRole"): told apart by their
    # prefix before any regex (AWS managed policies list thousands of actions).
    service = pattern.split(":", 1)[0]
    if "*" not in service and "?" not in service and service.lower() != action.split(":", 1)[0].lower():
        return False
    return wildcard_match(pattern, action, ignore_case=True)


def action_matches(stmt: Statement, action: str) -> bool:
    if stmt.actions is not None:
        return any(_action_match(a, action) for a in stmt.actions)
    if stmt.not_actions is not None:
        return not any(_action_match(a, action) for a in stmt.not_actions)
    return False


# -- policy variables -----------------------------------------------------------------------------------

# A piece of a resolved text: (text, literal). Literal text (a variable's value, `${*}`) is never a wildcard.
Piece = tuple[str, bool]
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_WITH_DEFAULT = re.compile(r"\s*([^,']+?)\s*,\s*'(.*)'\s*", re.DOTALL)
_SPECIAL = frozenset({"*", "?", "$"})
# A parsed text: plain text, or a variable (lower-case key, default or None), or a special character.
_Part = tuple[str, str, str | None]  # ("text", text, None) | ("var", key, default) | ("char", c, None)


@lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[_Part, ...]:
    parts: list[_Part] = []
    at = 0
    for found in _VARIABLE.finditer(text):
        if found.start() > at:
            parts.append(("text", text[at : found.start()], None))
        inner = found.group(1)
        if inner.strip() in _SPECIAL:
            parts.append(("char", inner.strip(), None))
        elif (default := _WITH_DEFAULT.fullmatch(inner)) is not None:
            parts.append(("var", default.group(1).lower(), default.group(2)))
        elif inner.strip() and "," not in inner and "'" not in inner:
            parts.append(("var", inner.strip().lower(), None))
        else:  # not a variable IAM would read: left as written
            parts.append(("text", found.group(0), None))
        at = found.end()
    if at < len(text):
        parts.append(("text", text[at:], None))
    return tuple(parts)


def resolve(text: str, context: Context) -> tuple[Piece, ...] | Literal[False] | None:
    """A text with its policy variables replaced from the request: the pieces, or False when a variable
    cannot be resolved (its key absent and no default, or several values: IAM "cannot use a multivalued
    context key as a policy variable"), or None when a variable's key is unknown before the call."""
    pieces: list[Piece] = []
    unknown = False
    for kind, value, default in _parse(text):
        if kind == "text":
            pieces.append((value, False))
        elif kind == "char":
            pieces.append((value, True))
        else:
            found = context.values_of(value)
            if found is None:
                unknown = True
            elif len(found) == 1 and value not in context.multivalued:
                pieces.append((found[0], True))
            elif default is not None:
                pieces.append((default, True))
            else:
                return False
    return None if unknown else tuple(pieces)


def _any_value(text: str) -> tuple[Piece, ...]:
    """The text with each variable as a `*`: what it could match whatever the variables' values."""
    return tuple(
        (value, kind == "char") if kind != "var" else ("*", False) for kind, value, _ in _parse(text)
    )


def variable_keys(stmt: Statement) -> frozenset[str]:
    """The condition keys (lower-case) a statement's policy variables read: what its answer depends on
    beyond its condition keys (the access graph must tell principals apart by them)."""
    if not stmt.variables:
        return frozenset()
    texts = (
        *(stmt.resources or ()),
        *(stmt.not_resources or ()),
        *(v for c in stmt.conditions for v in c[2]),
    )
    return frozenset(key for text in texts for kind, key, _ in _parse(text) if kind == "var")


def _text(pieces: tuple[Piece, ...]) -> str:
    return "".join(text for text, _ in pieces)


def _wild(text: str) -> str:
    """IAM's wildcards as a regex: `*` any run, `?` one character, all else literal."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)


@lru_cache(maxsize=4096)
def _pieces_pattern(pieces: tuple[Piece, ...], ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(re.escape(text) if literal else _wild(text) for text, literal in pieces)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _like(pieces: tuple[Piece, ...], value: str, *, ignore_case: bool = False) -> bool:
    return _pieces_pattern(pieces, ignore_case).fullmatch(value) is not None


# -- resources ------------------------------------------------------------------------------------------


def _patterns_test(patterns: tuple[str, ...], resource: str, context: Context, negated: bool) -> bool | None:
    """Resource: some pattern matches. NotResource (`negated`): no pattern matches. A pattern whose variable
    cannot be resolved matches no resource (IAM: "any attempt to match it fails and causes the statement to
    be invalid"); under NotResource the statement is then invalid where the attempt is made, i.e. where the
    rest of the pattern matches the resource (with any value in the variable's place), and unaffected where
    the rest already rules the resource out. A variable unknown before the call leaves the answer open."""
    unknown = False
    for pattern in patterns:
        if "${" not in pattern:
            matched: bool | None = wildcard_match(pattern, resource)
        else:
            resolved = resolve(pattern, context)
            if resolved is False:
                if negated and _like(_any_value(pattern), resource):
                    return False
                continue
            matched = None if resolved is None else _like(resolved, resource)
        if matched is None:
            unknown = True
        elif matched:
            return not negated
    if unknown:
        return None
    return negated


def resource_decision(stmt: Statement, resource: str, context: Context) -> bool | None:
    """Whether the statement's Resource (or NotResource) covers the resource; None: it depends on a policy
    variable whose key is unknown before the call."""
    if not stmt.variables:
        return resource_matches(stmt, resource)
    if stmt.resources is not None:
        return _patterns_test(stmt.resources, resource, context, False)
    if stmt.not_resources is not None:
        return _patterns_test(stmt.not_resources, resource, context, True)
    return True


def resource_matches(stmt: Statement, resource: str, context: Context | None = None) -> bool:
    """Whether the Resource (or NotResource) certainly covers the resource (variables resolved from the
    context when given; one unknown before the call does not count as covering)."""
    if stmt.variables and context is not None:
        return resource_decision(stmt, resource, context) is True
    if stmt.resources is not None:
        return any(wildcard_match(r, resource) for r in stmt.resources)
    if stmt.not_resources is not None:
        return not any(wildcard_match(r, resource) for r in stmt.not_resources)
    return True  # trust policies name no resource: the role itself is it


# -- principals -----------------------------------------------------------------------------------------


def _principal_match(pattern: str, arn: str, account: str) -> bool:
    if pattern == "*":
        return True
    if pattern == f"arn:aws:iam::{account}:root":
        return True  # the account: any principal in it, whose own policies then decide
    # IAM matches principal ARNs exactly: a `*` inside one is not a wildcard (only "*" alone is)
    if ":assumed-role/" in arn:  # a role session matches its role's ARN
        role_account = arn.split(":")[4]
        role_name = arn.split("/")[1]
        return pattern in (f"arn:aws:iam::{role_account}:role/{role_name}", arn)
    return pattern == arn


def principal_matches(stmt: Statement, arn: str, account: str) -> bool:
    if stmt.principals is not None:
        return any(_principal_match(p, arn, account) for p in stmt.principals)
    if stmt.not_principals is not None:
        if stmt.effect == "Allow":
            # IAM: "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is not
            # supported." Such a statement is reported (invalid_trust_statements), never read as "anyone".
            return False
        # IAM checks the account, then the user or role, against NotPrincipal: a principal is left out only
        # when both are listed ("you must also specify the account ARN of the principal that should not be
        # denied"); the account alone does not leave out its users.
        listed = stmt.not_principals
        root = f"arn:aws:iam::{account}:root"
        if "*" in listed:
            return False
        return not (root in listed and any(p != root and _principal_match(p, arn, account) for p in listed))
    return True  # identity policies have no Principal: the holder is it


def names_principal_itself(stmt: Statement, arn: str) -> bool:
    """A trust statement naming this very principal (not its account): same-account calls need no
    identity-policy allow then."""
    return stmt.principals is not None and any(
        p != "*" and not p.endswith(":root") and p == arn for p in stmt.principals
    )


# -- conditions -----------------------------------------------------------------------------------------

Decision = bool | tuple[Condition, ...]
Tri = bool | None  # inside the condition code: True, False, or None (cannot be known before the call)

# Base operators (lower-case) -> (family, negated). IAM: "The ArnEquals and ArnLike condition operators
# behave identically", and so do ArnNotEquals and ArnNotLike.
_BASES: dict[str, tuple[str, bool]] = {
    "stringequals": ("string", False),
    "stringnotequals": ("string", True),
    "stringequalsignorecase": ("string_ignore_case", False),
    "stringnotequalsignorecase": ("string_ignore_case", True),
    "stringlike": ("string_like", False),
    "stringnotlike": ("string_like", True),
    "numericequals": ("numeric_eq", False),
    "numericnotequals": ("numeric_eq", True),
    "numericlessthan": ("numeric_lt", False),
    "numericlessthanequals": ("numeric_le", False),
    "numericgreaterthan": ("numeric_gt", False),
    "numericgreaterthanequals": ("numeric_ge", False),
    "dateequals": ("date_eq", False),
    "datenotequals": ("date_eq", True),
    "datelessthan": ("date_lt", False),
    "datelessthanequals": ("date_le", False),
    "dategreaterthan": ("date_gt", False),
    "dategreaterthanequals": ("date_ge", False),
    "bool": ("bool", False),
    "binaryequals": ("binary", False),
    "ipaddress": ("ip", False),
    "notipaddress": ("ip", True),
    "arnequals": ("arn", False),
    "arnlike": ("arn", False),
    "arnnotequals": ("arn", True),
    "arnnotlike": ("arn", True),
}
# IAM: "You can use a policy variable for Condition values in any condition that involves the string
# operators or the ARN operators" and "You can use a policy variable with the Boolean condition operator";
# not with Numeric, Date, Binary, IP address or Null, where `${...}` stays literal text.
_WITH_VARIABLES = frozenset({"string", "string_ignore_case", "string_like", "arn", "bool"})


@dataclass(frozen=True)
class _Operator:
    set_operator: str | None  # "forallvalues" | "foranyvalue" | None
    family: str | None  # None: an operator IAM does not have; "null" for Null
    negated: bool
    if_exists: bool


@lru_cache(maxsize=1024)
def _operator(name: str) -> _Operator:
    op = name.strip().lower()
    set_operator = None
    for prefix in ("forallvalues:", "foranyvalue:"):
        if op.startswith(prefix):
            set_operator, op = prefix[:-1], op[len(prefix) :]
    if op == "null":
        return _Operator(set_operator, "null", False, False)
    if_exists = op.endswith("ifexists")
    family, negated = _BASES.get(op.removesuffix("ifexists"), (None, False))
    return _Operator(set_operator, family, negated, if_exists)


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(\d{2}))?")
_EPOCH = re.compile(r"-?\d+(\.\d+)?")


def _number(text: str) -> Decimal | None:
    """IAM compares "an integer or decimal value"; anything else matches nothing."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex admits only what Decimal reads
        return None


@lru_cache(maxsize=1024)
def _date(text: str) -> float | None:
    """Seconds since the epoch of "one of the W3C implementations of the ISO 8601 date formats" or of epoch
    (UNIX) time, as IAM reads date condition values; a date without a zone is taken as UTC."""
    text = text.strip()
    if _EPOCH.fullmatch(text):  # epoch seconds (a bare year, "2020", reads as epoch too: IAM's keys are)
        return float(text)
    if (year_month := _YEAR_MONTH.fullmatch(text)) is not None:  # W3C's YYYY and YYYY-MM
        year, month = int(year_month.group(1)), int(year_month.group(2) or 1)
        if not 1 <= month <= 12:
            return None
        return dt.datetime(year, month, 1, tzinfo=dt.UTC).timestamp()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def _bytes(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


@lru_cache(maxsize=1024)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """IAM: "The value must be in the standard CIDR format"; "If you specify an IP address without the
    associated routing prefix, IAM uses the default prefix value of /32" (/128 for IPv6)."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _split_arn(pieces: tuple[Piece, ...]) -> list[tuple[Piece, ...]] | None:
    """The six colon-separated parts of an ARN (the sixth keeps its own colons), pieces kept apart so a
    variable's value stays literal text."""
    # Variables are replaced first ("the policy variables are replaced with values that come from the
    # context of the request"), then the ARN is cut: a value's colons cut it too, its `*` stays literal.
    parts: list[list[Piece]] = [[]]
    for text, literal in pieces:
        for i, chunk in enumerate(text.split(":")):
            if i and len(parts) < 6:
                parts.append([])
            elif i:  # inside the sixth part a colon is text
                parts[-1].append((":", True))
            if chunk:
                parts[-1].append((chunk, literal))
    return [tuple(p) for p in parts] if len(parts) == 6 else None


@lru_cache(maxsize=4096)
def _arn_pattern(pieces: tuple[Piece, ...]) -> tuple[re.Pattern[str], ...] | None:
    parts = _split_arn(pieces)
    return None if parts is None else tuple(_pieces_pattern(p, False) for p in parts)


def _arn_like(pieces: tuple[Piece, ...], value: str) -> bool:
    """IAM: "Each of the six colon-delimited components of the ARN is checked separately and each can
    include multi-character match wildcards (*) or single-character match wildcards (?)"."""
    patterns = _arn_pattern(pieces)
    parts = value.split(":", 5)
    if patterns is None or len(parts) != 6:
        return False
    return all(p.fullmatch(part) is not None for p, part in zip(patterns, parts, strict=True))


def _value_matches(family: str, value: str, wanted: str) -> bool:
    """One request value against one policy value (variables already resolved), the base operator."""
    if family.startswith("numeric_"):
        a, b = _number(value), _number(wanted)
        if a is None or b is None:
            return False
        return bool(_ORDER[family.removeprefix("numeric_")](a, b))
    if family.startswith("date_"):
        x, y = _date(value), _date(wanted)
        if x is None or y is None:
            return False
        return bool(_ORDER[family.removeprefix("date_")](x, y))
    if family == "binary":
        got, expected = _bytes(value), _bytes(wanted)
        return got is not None and got == expected
    if family == "ip":
        address, network = _address(value), _network(wanted)
        return address is not None and network is not None and address in network
    return False  # the string, ARN and Bool families are matched on pieces (_piece_matches)


_ORDER: dict[str, Any] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def _piece_matches(family: str, value: str, pieces: tuple[Piece, ...]) -> bool:
    if family == "string":
        return value == _text(pieces)
    if family == "string_ignore_case":
        return value.lower() == _text(pieces).lower()
    if family == "string_like":
        return _like(pieces, value)
    if family == "bool":  # "true"/"false", either case; any other text is no boolean and matches nothing
        wanted = _text(pieces).lower()
        return wanted in ("true", "false") and value.lower() == wanted
    return _arn_like(pieces, value)  # "arn"


def _plain_matches(family: str, value: str, wanted: str) -> bool:
    """One request value against one policy value that has no variable to resolve."""
    if family == "string":
        return value == wanted
    if family == "string_ignore_case":
        return value.lower() == wanted.lower()
    if family == "string_like":
        return wildcard_match(wanted, value)
    if family == "bool":
        return _piece_matches(family, value, ((wanted, False),))
    if family == "arn":
        return _arn_like(((wanted, False),), value)
    return _value_matches(family, value, wanted)


def _values_test(
    family: str, negated: bool, value: str, wanted: tuple[str, ...], context: Context, variables: bool
) -> Tri:
    """One request value against the policy's values: OR'd for an operator, NOR'd for a negated one (IAM:
    "If a single negated matching condition operator includes multiple values for a context key, those
    values are evaluated using a logical NOR"). A value whose variable cannot be resolved fails its test,
    negated or not ("any attempt to match it fails and causes the statement to be invalid"); one whose
    variable is unknown before the call leaves the answer open (None)."""
    unknown = False
    for w in wanted:
        if not (variables and "${" in w and family in _WITH_VARIABLES):
            matched = _plain_matches(family, value, w)
        else:
            resolved = resolve(w, context)
            if resolved is None:
                unknown = True
                continue
            if resolved is False:
                if negated:
                    return False
                continue
            matched = _piece_matches(family, value, resolved)
        if matched:
            return not negated
    if unknown:
        return None
    return negated


def condition_holds(
    operator: str, key: str, wanted: tuple[str, ...], context: Context, *, variables: bool = True
) -> Tri:
    """True, False, or None when it cannot be decided before the call. `variables`: the statement's policy
    language resolves policy variables (Version 2012-10-17)."""
    op = _operator(operator)
    values = context.values_of(key.lower())  # IAM: "Key names are case-insensitive"
    if op.family is None or values is None:
        return None  # an operator IAM has not, or a key unknown before the call
    if op.family == "null":  # IAM: true "the key doesn't exist", false "the key exists"; values OR'd
        goal = "false" if values else "true"
        return any(w.strip().lower() == goal for w in wanted)
    if not values:  # the key is absent (or its values an empty set)
        if op.set_operator == "forallvalues":
            return True  # IAM: "ForAllValues … also returns true if there are no context keys in the request"
        if op.set_operator == "foranyvalue":
            # no value of the request, so none matches, negated operator or not; IfExists does not save it
            # (ForAnyValue:StringEqualsIfExists over a missing aws:TagKeys denies in AWS: repost.aws
            # QU9HFmDzP0QGuU-fd7rS6B7w, "if there is no matching context key ... the condition returns false")
            return False
        return op.if_exists or op.negated
    family = op.family
    if op.set_operator is None:
        if len(values) > 1 or (context.multivalued and key.lower() in context.multivalued):
            return False  # IAM: "Multivalued context keys require a condition set operator"
        return _values_test(family, op.negated, values[0], wanted, context, variables)

    def one(value: str) -> Tri:
        return _values_test(family, op.negated, value, wanted, context, variables)

    if op.set_operator == "foranyvalue":
        return _any_of(one(v) for v in values)
    return _all_of(one(v) for v in values)


def _settled_by(decisive: bool, results: Iterable[Tri]) -> Tri:
    """Three-valued or (decisive True) and and (decisive False): the first decisive answer settles it; else
    unknown when any was, else the other answer."""
    unknown = False
    for r in results:
        if r is decisive:
            return decisive
        unknown = unknown or r is None
    return None if unknown else not decisive


def _any_of(results: Iterable[Tri]) -> Tri:
    return _settled_by(True, results)


def _all_of(results: Iterable[Tri]) -> Tri:
    return _settled_by(False, results)


def conditions_hold(stmt: Statement, context: Context) -> Decision:
    residual: list[Condition] = []
    for operator, key, wanted in stmt.conditions:
        held = condition_holds(operator, key, wanted, context, variables=stmt.variables)
        if held is False:
            return False
        if held is None:
            residual.append(Condition(operator, key, wanted))
    return tuple(residual) if residual else True


# -- putting statements together ------------------------------------------------------------------------


@dataclass
class Evaluation:
    """The outcome of one side (identity or trust): allowed, denied, or allowed only if conditions hold."""

    allowed: Decision = False
    allows: list[Statement] = field(default_factory=list)
    denies: list[Statement] = field(default_factory=list)
    conditional_denies: list[tuple[Statement, tuple[Condition, ...]]] = field(default_factory=list)

    @property
    def denied(self) -> bool:
        return bool(self.denies)

    @property
    def outcome(self) -> Decision:
        """The side's answer: False when a Deny certainly applies, else what its Allows give."""
        return False if self.denies else self.allowed

    def unless_denied(self) -> Decision:
        """What the Deny statements alone leave: False when one certainly applies, else True or the
        conditions under which none of them applies."""
        if self.denies:
            return False
        extra = tuple(
            Condition(f"not ({c.operator})", c.key, c.values) for _, cs in self.conditional_denies for c in cs
        )
        return extra or True


@dataclass(frozen=True)
class Scan:
    """What one run of statements found for a request, before it is finished into an Evaluation. Kept apart
    so a group's or a trust policy's scan can be computed once and shared by every principal it concerns."""

    certain: bool  # an Allow matched with every condition known to hold
    residuals: tuple[tuple[Condition, ...], ...]  # conditional Allows, in statement order
    allows: tuple[Statement, ...]
    denies: tuple[Statement, ...]
    conditional_denies: tuple[tuple[Statement, tuple[Condition, ...]], ...]


def _resource_condition(stmt: Statement, resource: str) -> tuple[Condition, ...]:
    """A Resource that depends on a variable unknown before the call, as the condition it puts."""
    if stmt.resources is not None:
        return (Condition("Resource", resource, stmt.resources),)
    return (Condition("NotResource", resource, stmt.not_resources or ()),)


def scan(
    stmts: list[Statement],
    action: str,
    resource: str,
    principal_arn: str,
    principal_account: str,
    context: Context,
) -> Scan:
    certain = False
    residuals: list[tuple[Condition, ...]] = []
    allows: list[Statement] = []
    denies: list[Statement] = []
    conditional_denies: list[tuple[Statement, tuple[Condition, ...]]] = []
    for stmt in stmts:
        if not action_matches(stmt, action):
            continue
        covered: bool | None = True
        if stmt.variables:
            covered = resource_decision(stmt, resource, context)
            if covered is False:
                continue
        elif not resource_matches(stmt, resource):
            continue
        if not principal_matches(stmt, principal_arn, principal_account):
            continue
        held = conditions_hold(stmt, context)
        if covered is None:
            held = both(held, _resource_condition(stmt, resource))
        if held is False:
            continue
        if stmt.effect == "Deny":
            if held is True:
                denies.append(stmt)
            else:
                conditional_denies.append((stmt, held))
            continue
        allows.append(stmt)
        if held is True:
            certain = True
        else:
            residuals.append(held)
    return Scan(certain, tuple(residuals), tuple(allows), tuple(denies), tuple(conditional_denies))


def finish(scans: list[Scan]) -> Evaluation:
    """Allow unless denied, over the statements of every scan together, as if scanned in one run."""
    result = Evaluation()
    residual: tuple[Condition, ...] | None = None
    for part in scans:
        result.allows += part.allows
        result.denies += part.denies
        result.conditional_denies += part.conditional_denies
        if part.certain:
            result.allowed = True
        elif residual is None and part.residuals:
            residual = part.residuals[0]
    if result.denies:
        result.allowed = False
        return result
    if result.allowed is not True and residual is not None:
        result.allowed = residual  # any one conditional allow suffices: the first is the one shown
    result.allowed = both(result.allowed, result.unless_denied())
    return result


def evaluate(
    stmts: list[Statement],
    action: str,
    resource: str,
    principal_arn: str,
    principal_account: str,
    context: Context,
) -> Evaluation:
    """Allow unless denied; with the statements that decided it. Conditional allows keep their conditions;
    a conditional Deny makes the allow conditional on it *not* holding."""
    return finish([scan(stmts, action, resource, principal_arn, principal_account, context)])


def rank(decision: Decision) -> int:
    """How good an answer is, to keep the best of several paths: certain 2, conditional 1, no 0."""
    return 2 if decision is True else (0 if decision is False else 1)


def either(first: Decision, second: Decision) -> Decision:
    """Logical OR of two three-valued decisions; of two conditional ones the first is the one shown."""
    if first is True or second is True:
        return True
    if first is False:
        return second
    return first


def both(first: Decision, second: Decision) -> Decision:
    """Logical AND of two three-valued decisions."""
    if first is False or second is False:
        return False
    if first is True:
        return second
    if second is True:
        return first
    return tuple(first) + tuple(second)
