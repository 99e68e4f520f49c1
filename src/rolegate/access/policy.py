"""IAM policy evaluation for one question: may this principal call sts:AssumeRole on that role?

Pure functions over policy documents as IAM stores them. What is followed, from IAM's documented logic:
- a statement applies when its Action/NotAction, Resource/NotResource and (in a trust policy)
  Principal/NotPrincipal match the request, and every condition holds;
- actions match case-insensitively, resources and ARNs case-sensitively, both with `*` and `?` wildcards;
- an explicit Deny anywhere wins over any Allow;
- a condition whose key the request lacks is false, except under a negated operator (StringNotEquals,
  ArnNotLike, …) or an ...IfExists operator, where it is true; `Null` tests for the key's absence;
- what cannot be known before the call (the caller's source IP, an ExternalId the caller may pass, a key
  rolegate does not model) is never guessed: the statement becomes *conditional* and carries the condition.

Decisions are three-valued: True (certainly), False (certainly not), or a tuple of the conditions the answer
depends on.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# Keys whose value rolegate knows for a request (put into the Context); anything else is "unknown".
MFA_PRESENT = "aws:multifactorauthpresent"
MFA_AGE = "aws:multifactorauthage"
# Negated operators: a key missing from the request makes them true (IAM's documented rule).
NEGATED = frozenset(
    {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
    | {"NumericNotEquals", "DateNotEquals", "NotIpAddress"}
)


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
    absent here is either absent from the request (when listed in `absent`) or unknown."""

    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()

    @staticmethod
    def for_principal(arn: str, account: str, org_id: str | None, *, mfa: bool) -> Context:
        keys: dict[str, tuple[str, ...]] = {"aws:principalarn": (arn,), "aws:principalaccount": (account,)}
        absent: set[str] = set()  # sts:ExternalId stays unknown: any caller may pass one (external_id)
        if org_id:
            keys["aws:principalorgid"] = (org_id,)
        if mfa:
            keys[MFA_PRESENT] = ("true",)
            keys[MFA_AGE] = ("0",)
        else:  # long-term keys: IAM leaves both keys out of the request
            absent |= {MFA_PRESENT, MFA_AGE}
        if arn.rsplit(":", maxsplit=1)[-1].startswith("user/"):
            keys["aws:principaltype"] = ("User",)
        return Context(keys, frozenset(absent))


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

    def label(self) -> str:
        return f"{self.source}" + (f" (Sid {self.sid})" if self.sid else "")


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


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
    raw = document.get("Statement", [])
    out: list[Statement] = []
    for st in raw if isinstance(raw, list) else [raw]:
        if not isinstance(st, dict) or st.get("Effect") not in ("Allow", "Deny"):
            continue
        conditions: list[tuple[str, str, tuple[str, ...]]] = []
        for operator, block in (st.get("Condition") or {}).items():
            if isinstance(block, dict):
                conditions += [(operator, key, _strings(values)) for key, values in block.items()]
        out.append(
            Statement(
                source=source,
                sid=st.get("Sid"),
                effect=st["Effect"],
                actions=_strings(st["Action"]) if "Action" in st else None,
                not_actions=_strings(st["NotAction"]) if "NotAction" in st else None,
                resources=_strings(st["Resource"]) if "Resource" in st else None,
                not_resources=_strings(st["NotResource"]) if "NotResource" in st else None,
                principals=_principals(st.get("Principal")),
                not_principals=_principals(st.get("NotPrincipal")),
                conditions=tuple(conditions),
            )
        )
    return out


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


def resource_matches(stmt: Statement, resource: str) -> bool:
    if stmt.resources is not None:
        return any(wildcard_match(r, resource) for r in stmt.resources)
    if stmt.not_resources is not None:
        return not any(wildcard_match(r, resource) for r in stmt.not_resources)
    return True  # trust policies name no resource: the role itself is it


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


def _compare(base: str, key_values: tuple[str, ...], wanted: tuple[str, ...]) -> bool | None:
    """Whether any request value satisfies the (non-negated) base operator; None: not modelled."""
    if base in ("StringEquals", "ArnEquals"):
        return any(v == w for v in key_values for w in wanted)
    if base == "StringEqualsIgnoreCase":
        return any(v.lower() == w.lower() for v in key_values for w in wanted)
    if base in ("StringLike", "ArnLike"):
        return any(wildcard_match(w, v) for v in key_values for w in wanted)
    if base == "Bool":
        return any(v.lower() == w.lower() for v in key_values for w in wanted)
    if base.startswith("Numeric"):
        try:
            pairs = [(float(v), float(w)) for v in key_values for w in wanted]
        except ValueError:
            return None
        ops = {
            "NumericEquals": lambda a, b: a == b,
            "NumericLessThan": lambda a, b: a < b,
            "NumericLessThanEquals": lambda a, b: a <= b,
            "NumericGreaterThan": lambda a, b: a > b,
            "NumericGreaterThanEquals": lambda a, b: a >= b,
        }
        op = ops.get(base)
        return None if op is None else any(op(a, b) for a, b in pairs)
    return None


_NEGATION = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}


def condition_holds(operator: str, key: str, wanted: tuple[str, ...], context: Context) -> bool | None:
    """True, False, or None when it cannot be decided before the call."""
    op = operator
    for_all_values = op.startswith("ForAllValues:")
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        op = op.removeprefix(prefix)  # the keys modelled here are single-valued
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    lowered = key.lower()
    if lowered not in context.keys and lowered not in context.absent:
        return None
    present = lowered in context.keys
    if for_all_values and not present:
        return True  # IAM: ForAllValues over a missing (empty) key is true
    if op == "Null":
        return (not present) == (wanted[0].lower() == "true") if wanted else None
    if not present:
        return if_exists or op in NEGATED
    values = context.keys[lowered]
    base = _NEGATION.get(op)
    if base is not None:
        result = _compare(base, values, wanted)
        return None if result is None else not result
    return _compare(op, values, wanted)


def conditions_hold(stmt: Statement, context: Context) -> Decision:
    residual: list[Condition] = []
    for operator, key, wanted in stmt.conditions:
        held = condition_holds(operator, key, wanted, context)
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
        if not (
            action_matches(stmt, action)
            and resource_matches(stmt, resource)
            and principal_matches(stmt, principal_arn, principal_account)
        ):
            continue
        held = conditions_hold(stmt, context)
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
