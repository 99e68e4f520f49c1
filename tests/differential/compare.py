"""rolegate's side of the differential test, and how its answers are put beside the simulator's.

rolegate is asked through its pure evaluator (rolegate.access.policy): `statements` reads each policy,
`evaluate` decides each layer, and the layers are put together as rolegate's access graph puts them
(evaluate.EdgeEvaluator.judge_edge, through decide.judge): identity allow AND boundary AND every SCP level
AND trust allow; a same-account trust statement naming the principal itself suffices without an identity
allow; an explicit Deny in any layer wins.

Two comparisons per case:
- the decision: Allowed / ExplicitlyDenied / ImplicitlyDenied, only where rolegate's is definite (rolegate
  says "conditional" when a condition it cannot decide remains: those are counted, not compared);
- each statement's parts: does its Action, Resource, Principal and each condition match the request, per
  rolegate and per the simulator's explain. A part that differs names the class of the disagreement even when
  it did not change the decision.
"""

from __future__ import annotations

import inspect
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tests.differential.cases import CONDITION_KEYS, OPERATORS, Case

from rolegate.access import policy
from rolegate.access.policy import (
    Context,
    Decision,
    Evaluation,
    Statement,
    action_matches,
    both,
    either,
    evaluate,
    names_principal_itself,
    principal_matches,
    statements,
)

try:  # where rolegate puts the layers together (the access graph decides through it); older trees had none
    from rolegate.access.decide import grants_principal_directly, judge
except ImportError:  # pragma: no cover - the pre-fix tree: the graph's own composition, mirrored below
    judge = None  # type: ignore[assignment]

# Parts of the evaluator whose signature grew while issue 17 was fixed: called the way the tree has them.
_RESOURCE_TAKES_CONTEXT = "context" in inspect.signature(policy.resource_matches).parameters
_CONDITION_TAKES_VARIABLES = "variables" in inspect.signature(policy.condition_holds).parameters
KEY_KINDS = {k.name.lower(): k for k in CONDITION_KEYS}
# IAM lets string operators compare an ARN key ("AWS recommends that you use ARN operators instead of string
# operators when comparing ARNs", aws:PrincipalArn): the one pairing of types it documents as working.
COMPATIBLE = ("string", "arn")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")

SIM_PRINCIPAL_MATCHES = {"Match", "AccountLevelMatch", "SessionRoleMatch", "SessionUserMatch"}


@dataclass(frozen=True)
class Part:
    """One part of one statement on which rolegate and the simulator disagree."""

    sid: str
    part: str  # action | resource | principal | condition
    detail: str  # the operator and key, or the patterns
    rolegate: bool | None  # None: rolegate could not decide it (only conditions)
    simulator: bool
    klass: str
    operator: str = ""  # for a condition: as written, with its key, values and the request's values
    key: str = ""
    values: tuple[str, ...] = ()
    request: tuple[str, ...] | None = None  # None: the key is absent from the request

    def __str__(self) -> str:
        return f"{self.sid} {self.part} {self.detail}: rolegate {self.rolegate}, simulator {self.simulator}"


def _lower_keys(context: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {k.lower(): tuple(v) if isinstance(v, list) else (str(v),) for k, v in context.items()}


def condition_keys(case: Case) -> set[str]:
    """Every key a condition names or a policy variable reads (lower-case)."""
    found: set[str] = set()
    for doc in _documents(case):
        for stmt in doc.get("Statement", []):
            for block in (stmt.get("Condition") or {}).values():
                found |= {k.lower() for k in block}
        for name in _VARIABLE.findall(repr(doc)):
            key = name.split(",", 1)[0].strip().lower()
            if key not in ("*", "?", "$"):
                found.add(key)
    return found


def _documents(case: Case) -> list[dict[str, Any]]:
    docs = [*case.identity, *(p for level in case.scps for p in level)]
    if case.boundary is not None:
        docs.append(case.boundary)
    if case.trust is not None:
        docs.append(case.trust)
    return docs


def context_of(case: Case, ignored: list[str]) -> Context:
    """The request as rolegate sees it: every key the case sets is known; every other key a condition names is
    known to be absent (the request is fully described). Keys the simulator leaves out of the request for this
    action (it says which) are absent on both sides."""
    dropped = {k.lower() for k in ignored}
    keys = {k: v for k, v in _lower_keys(case.context).items() if k not in dropped}
    return Context(keys, frozenset(condition_keys(case) - set(keys)))


def _stmts(docs: list[dict[str, Any]], layer: str) -> list[Statement]:
    return [s for i, doc in enumerate(docs) for s in statements(doc, f"{layer} {i}")]


@dataclass
class Layers:
    identity: list[Statement]
    limits: list[list[Statement]]  # boundary, then one per SCP level
    trust: list[Statement]

    def all(self) -> list[Statement]:
        return [*self.identity, *(s for limit in self.limits for s in limit), *self.trust]


def layers_of(case: Case) -> Layers:
    limits = [_stmts([case.boundary], "boundary")] if case.boundary is not None else []
    limits += [_stmts(level, f"scp level {n}") for n, level in enumerate(case.scps)]
    trust = _stmts([case.trust], "trust") if case.trust is not None else []
    return Layers(_stmts(case.identity, "identity"), limits, trust)


def _label(decision: Decision, evaluations: list[Evaluation]) -> str:
    if any(e.denied for e in evaluations):
        return "ExplicitlyDenied"
    if decision is True:
        return "Allowed"
    if decision is False:
        # a Deny that may apply leaves it open whether the "no" is explicit
        return "Denied" if any(e.conditional_denies for e in evaluations) else "ImplicitlyDenied"
    return "Conditional"


def rolegate_decision(case: Case, context: Context) -> str:
    """Allowed | ExplicitlyDenied | ImplicitlyDenied | Denied (one of the two) | Conditional."""
    layers = layers_of(case)
    args = (case.action, case.resource, case.principal, case.principal_account, context)
    own = evaluate(layers.identity, *args)
    limits = [evaluate(limit, *args) for limit in layers.limits]
    if judge is not None:
        trust = evaluate(layers.trust, *args) if case.kind == "assume" else None
        direct = None
        if trust is not None and case.resource_account == case.principal_account:
            direct_stmts = [
                s for s in layers.trust if s.effect == "Deny" or grants_principal_directly(s, case.principal)
            ]
            direct = evaluate(direct_stmts, *args)
        verdict = judge(own, limits, trust, direct)
        if verdict.denies:
            return "ExplicitlyDenied"
        return _label(verdict.decision, [own, *limits, *([trust] if trust is not None else [])])
    allowed_by_limits: Decision = True
    for limit in limits:
        allowed_by_limits = both(allowed_by_limits, False if limit.denied else limit.allowed)
    if case.kind == "identity":
        return _label(both(own.allowed, allowed_by_limits), [own, *limits])
    trust = evaluate(layers.trust, *args)
    by_identity = both(both(own.allowed, allowed_by_limits), trust.allowed)
    by_name: Decision = False
    named = [s for s in trust.allows if names_principal_itself(s, case.principal)]
    if named and case.resource_account == case.principal_account:
        naming_it = [
            s for s in layers.trust if s.effect == "Deny" or names_principal_itself(s, case.principal)
        ]
        by_name = both(both(own.unless_denied(), allowed_by_limits), evaluate(naming_it, *args).allowed)
    return _label(either(by_name, by_identity), [own, *limits, trust])


def agrees(rolegate: str, simulator: str) -> bool:
    if rolegate == "Denied":
        return simulator in ("ExplicitlyDenied", "ImplicitlyDenied")
    return rolegate == simulator


# -- statement parts ------------------------------------------------------------------------------------


def raw_statements(case: Case) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for doc in _documents(case) for s in doc.get("Statement", [])}


def condition_class(operator: str, key: str, values: tuple[str, ...], absent: bool = False) -> str:
    """Which class a condition disagreement falls in: the four of issue 17 (policy variables, set operators,
    ArnEquals, each operator), or an operator used on a key of another type, or a multivalued key read
    without a set operator."""
    base = operator.rsplit(":", maxsplit=1)[-1].removesuffix("IfExists")
    known = KEY_KINDS.get(key.lower())
    family = next((f for f, ops in OPERATORS.items() if base in ops), None)
    if (
        known is not None
        and family is not None
        and family != known.kind
        and (family, known.kind) != COMPATIBLE
    ):
        return f"{family} operator on a {known.kind} key"
    if known is not None and known.multivalued and ":" not in operator and base != "Null":
        return "multivalued key without a set operator"
    set_operator = operator.startswith(("ForAnyValue:", "ForAllValues:"))
    if set_operator and absent:  # on an absent key the values, variables or not, are never read
        return "set-operators"
    if any("${" in v for v in values):
        return "policy-variables"
    if set_operator:
        return "set-operators"
    if base in ("ArnEquals", "ArnNotEquals"):
        return "arn-equals"
    return f"operator {base}"


def _principal_form(written: Any) -> str:
    if written == "*" or (isinstance(written, dict) and written.get("AWS") in ("*", ["*"])):
        return "everyone"
    if isinstance(written, dict) and "Service" in written:
        return "a service"
    aws = written.get("AWS", []) if isinstance(written, dict) else []
    listed = [aws] if isinstance(aws, str) else list(aws)
    if all(re.fullmatch(r"\d{12}", p) or p.endswith(":root") for p in listed):
        return "an account"
    return "a user or role"


def statement_parts(
    case: Case, context: Context, simulated: dict[str, Any], seen: Counter[str] | None = None
) -> list[Part]:
    """Every part of every statement where rolegate's match differs from the simulator's explain. `seen`
    counts the features both sides answered for, disagreeing or not (what the comparison covered)."""
    raw = raw_statements(case)
    out: list[Part] = []
    seen = Counter() if seen is None else seen
    for stmt in layers_of(case).all():
        sid = stmt.sid or ""
        sim = simulated.get(sid)
        if sim is None:
            continue
        ours = action_matches(stmt, case.action)
        seen["Action" if stmt.actions is not None else "NotAction"] += sim.get("action") is not None
        if sim.get("action") is not None and ours != sim["action"]:
            patterns = stmt.actions if stmt.actions is not None else stmt.not_actions
            out.append(Part(sid, "action", str(patterns), ours, sim["action"], "action"))
        if stmt.resources is not None or stmt.not_resources is not None:
            ours = (
                policy.resource_matches(stmt, case.resource, context)
                if _RESOURCE_TAKES_CONTEXT
                else policy.resource_matches(stmt, case.resource)
            )
            patterns = stmt.resources if stmt.resources is not None else stmt.not_resources
            if sim.get("resource") is not None:
                seen["Resource" if stmt.resources is not None else "NotResource"] += 1
                seen["a variable in Resource"] += any("${" in p for p in patterns or ())
            if sim.get("resource") is not None and ours != sim["resource"]:
                klass = "policy-variables" if any("${" in p for p in patterns or ()) else "resource"
                out.append(Part(sid, "resource", str(patterns), ours, sim["resource"], klass))
        if "Principal" in raw[sid] or "NotPrincipal" in raw[sid]:
            ours = principal_matches(stmt, case.principal, case.principal_account)
            theirs = sim.get("principal") in SIM_PRINCIPAL_MATCHES
            written = raw[sid].get("Principal", raw[sid].get("NotPrincipal"))
            kind = "Principal" if "Principal" in raw[sid] else "NotPrincipal"
            seen[f"{kind}: {_principal_form(written)}"] += sim.get("principal") is not None
            if sim.get("principal") is not None and ours != theirs:
                out.append(Part(sid, "principal", f"{kind} {written}", ours, theirs, "principal"))
        for operator, key, values in stmt.conditions:
            held = (
                policy.condition_holds(operator, key, values, context, variables=stmt.variables)
                if _CONDITION_TAKES_VARIABLES
                else policy.condition_holds(operator, key, values, context)
            )
            theirs_c = sim.get("conditions", {}).get(f"{operator}|{key}")
            request = context.keys.get(key.lower())
            if held is not None and theirs_c is not None:
                base = operator.rsplit(":", maxsplit=1)[-1]
                seen[base.removesuffix("IfExists")] += 1
                found = {
                    "...IfExists": base.endswith("IfExists"),
                    operator.split(":")[0] + ":": ":" in operator,
                    "a variable in a condition": any("${" in v for v in values),
                    "a key absent from the request": request is None,
                    "a key with several values": request is not None and len(request) > 1,
                }
                seen.update(k for k, present in found.items() if present)
            # rolegate undecided on a fully described request: an operator it does not model (a disagreement
            # too: IAM's answer is knowable before the call)
            if theirs_c is None or held == theirs_c:
                continue
            shown = f"{operator} {key} {list(values)} (request: {list(request) if request else 'absent'})"
            klass = (
                condition_class(operator, key, values, absent=request is None)
                if held is not None
                else f"operator {operator.rsplit(':', maxsplit=1)[-1].removesuffix('IfExists')}"
            )
            out.append(Part(sid, "condition", shown, held, theirs_c, klass, operator, key, values, request))
    return out
