"""May this principal make this request? One IAM decision, with every statement that made it, layer by layer.

`decide(source, principal_arn, action, resource_arn, context)` answers for any action, not only
sts:AssumeRole: the principal's identity policies (its own and its groups'), its permissions boundary, the
service control policies over its account (level by level), the resource control policies over the
resource's account when the snapshot holds any, and the resource's own policy where rolegate has it (a role's
trust policy, for the STS actions that read it). The answer is `allow`, `explicit_deny`, `implicit_deny`, or
`conditional` with the conditions rolegate cannot know before the call (a key the context does not give).

`judge` is where the layers are put together, IAM's documented order, and the access graph decides each of
its edges through it too (evaluate.py): the matrix and `rolegate access check` cannot disagree. `decide`
reads the snapshot through its index (index.py), built here when it is given a bare snapshot.

The rules, from IAM's documentation (policy evaluation logic):
- "An explicit deny in any of the policies overrides the allow": a Deny that applies in any layer decides.
- An identity allow needs every limit to allow as well: the permissions boundary ("an entity's permissions
  boundary allows it to perform only the actions that are allowed by both its identity-based policies and
  its permissions boundaries"), every SCP level over the principal's account, every RCP level over the
  resource's account.
- Across accounts the resource's policy must allow too. Within one account: "If either the identity-based
  policy or the resource-based policy within the same account allows the request and the other doesn't, the
  request is still allowed" — for a resource policy that grants the principal itself (its ARN, or `*`). One
  that names the account ("arn:aws:iam::111122223333:root" or the bare id) does not: "The account ARN and
  the shortened account ID behave the same way. Both delegate permissions to the account", whose identity
  policies must then allow. A role's trust policy must allow whichever way (it is what says who may assume
  the role), and the permissions boundary and the SCPs still apply on the same-account path ("if a
  permissions boundary is set for the user, then it must allow sts:AssumeRole").
- `Principal: "*"` in a same-account trust: it grants every principal, this one included, so it is a
  resource policy that allows the request and suffices without an identity allow (its conditions still
  hold or not). IAM's own note on role trust: "you can change the account to "*" to allow everyone to assume
  the role … Do not leave your role accessible to everyone!". An access review that said "no" here would
  hide exactly the exposure that note warns of; an over-report ("yes") is the safer error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rolegate.access.index import SnapshotIndex
from rolegate.access.policy import (
    Condition,
    Context,
    Evaluation,
    Statement,
    both,
    conditions_hold,
    either,
    evaluate,
    statements,
)
from rolegate.access.policy import Decision as Tri
from rolegate.errors import RolegateError
from rolegate.model.iam_shapes import statement_list
from rolegate.state.snapshot import Snapshot

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, CONDITIONAL = "allow", "explicit_deny", "implicit_deny", "conditional"

# The STS actions a role's trust policy decides (the trust policy is the role's resource-based policy for
# these and for nothing else: iam:* calls on a role have no resource policy at all).
TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:tagsession", "sts:setsourceidentity", "sts:setcontext"})

_ACCOUNT_ID = re.compile(r"\d{12}")


class UnknownPrincipal(RolegateError):
    """The principal asked about is not a user or role of the snapshot."""


class Indexed(Protocol):
    """Whatever holds the snapshot's index (the access graph): `decide` reads through it."""

    @property
    def index(self) -> SnapshotIndex: ...


# -- the layers put together ------------------------------------------------------------------------------


def grants_principal_directly(stmt: Statement, principal_arn: str) -> bool:
    """A resource-policy statement whose Principal is this very principal (its ARN) or everyone (`*`): one
    that, within the principal's own account, allows without an identity allow. An account principal
    (`:root`, or the bare id) delegates to the account's identity policies instead; NotPrincipal is never a
    grant to anyone in particular."""
    return stmt.principals is not None and any(
        p == "*" or (p == principal_arn and not p.endswith(":root")) for p in stmt.principals
    )


@dataclass(frozen=True)
class Verdict:
    """What `judge` found: the decision (True, False, or the conditions it hangs on), the explicit denies that
    decided a no, the allows a yes rests on, and whether every layer the request needs had an allow (so a
    Deny, not a missing allow, is what stopped it)."""

    decision: Tri
    denies: tuple[Statement, ...]
    allows: tuple[Statement, ...]
    would_allow: bool
    path: str  # "identity" | "resource" (same account, the resource policy alone) | ""


def judge(
    identity: Evaluation,
    limits: Sequence[Evaluation],
    resource: Evaluation | None,
    direct: Evaluation | None,
) -> Verdict:
    """The request's decision from each layer's evaluation.

    `identity`: the principal's own and its groups' policies together. `limits`: the permissions boundary,
    each SCP level and each RCP level, every one of which must allow. `resource`: the resource's policy (a
    role's trust) as it applies to the principal, or None where the request needs none (same account, a
    resource without a policy); a request that needs one rolegate cannot read passes an evaluation whose
    `allowed` is that condition. `direct`: within one account only, the resource statements that grant the
    principal directly (`grants_principal_directly`) together with the resource's Denies; None otherwise."""
    denies = [*identity.denies, *(s for e in limits for s in e.denies)]
    if resource is not None:
        denies += resource.denies
    limits_allow = all(e.allows for e in limits)
    via_identity_allows = bool(identity.allows) and (resource is None or bool(resource.allows))
    would_allow = limits_allow and (via_identity_allows or (direct is not None and bool(direct.allows)))
    if denies:
        return Verdict(False, tuple(dict.fromkeys(denies)), (), would_allow, "")
    limited: Tri = True
    for limit in limits:
        limited = both(limited, limit.outcome)
    by_identity = both(both(identity.allowed, limited), True if resource is None else resource.outcome)
    by_direct: Tri = False
    if direct is not None:
        by_direct = both(both(identity.unless_denied(), limited), direct.outcome)
    decision = either(by_direct, by_identity)
    if decision is False:
        return Verdict(False, (), (), would_allow, "")
    if by_direct is True or (by_direct is not False and by_identity is False):
        return Verdict(decision, (), tuple(direct.allows if direct else ()), would_allow, "resource")
    shown = [*identity.allows, *(resource.allows if resource is not None else ())]
    return Verdict(decision, (), tuple(shown), would_allow, "identity")


# -- the answer, as people and tools read it ----------------------------------------------------------------


@dataclass(frozen=True)
class Cited:
    """A statement that took part in the decision: which layer, which policy in which account, its Sid or
    (without one) its index in the policy's Statement list."""

    layer: str
    policy: str
    account: str
    account_id: str
    sid: str | None
    index: int
    effect: str
    conditions: tuple[str, ...] = ()  # what an Allow or Deny still hangs on, when it is conditional

    def label(self) -> str:
        where = f"Sid {self.sid}" if self.sid else f"statement #{self.index}"
        return f"{self.policy} in {self.account} ({where})"

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "policy": self.policy,
            "account": self.account,
            "account_id": self.account_id,
            "sid": self.sid,
            "index": self.index,
            "effect": self.effect,
            "conditions": list(self.conditions),
        }


@dataclass(frozen=True)
class Layer:
    """What one layer said: allow, deny, implicit deny (nothing in it allows), conditional, or absent (there
    is no such policy here, said rather than left out)."""

    layer: str  # identity | permissions boundary | SCP | RCP | resource policy
    scope: str
    said: str  # allow | deny | implicit deny | conditional | absent
    statements: tuple[Cited, ...] = ()
    conditions: tuple[str, ...] = ()
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "scope": self.scope,
            "said": self.said,
            "statements": [c.to_json() for c in self.statements],
            "conditions": list(self.conditions),
            "note": self.note,
        }


@dataclass(frozen=True)
class Decision:
    """The answer to one request: `effect` (allow, explicit_deny, implicit_deny, conditional), the
    conditions a conditional answer hangs on, every statement that decided it, and each layer's say."""

    principal: str
    action: str
    resource: str
    effect: str
    reason: str
    conditions: tuple[str, ...] = ()
    statements: tuple[Cited, ...] = ()
    layers: tuple[Layer, ...] = ()
    context: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        return self.effect == ALLOW

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "decision": self.effect,
            "reason": self.reason,
            "conditions": list(self.conditions),
            "statements": [c.to_json() for c in self.statements],
            "layers": [layer.to_json() for layer in self.layers],
            "context": {k: (list(v) if v is not None else None) for k, v in self.context.items()},
        }


# -- the request ------------------------------------------------------------------------------------------


ContextValues = Mapping[str, "str | Sequence[str] | None"]


def request_context(
    principal_arn: str,
    account_id: str,
    org_id: str | None,
    given: ContextValues,
    *,
    username: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> tuple[Context, dict[str, tuple[str, ...] | None]]:
    """The request's condition keys: what the principal itself tells (its ARN, account, type, organization,
    and for one principal asked alone its user name and tags), then what the caller gives (a value, a list
    for a multivalued key, or None: the request does not carry the key). Keys neither knows stay unknown, so
    a condition on them makes the answer conditional, never a guess; MFA too, unless given."""
    base = Context.for_principal(principal_arn, account_id, org_id, mfa=False, username=username, tags=tags)
    keys = dict(base.keys)
    absent = set(base.absent) - {"aws:multifactorauthpresent", "aws:multifactorauthage"}
    multivalued = set(base.multivalued)
    shown: dict[str, tuple[str, ...] | None] = {}
    for key, value in given.items():
        lowered = key.lower()
        multivalued.discard(lowered)
        if value is None:
            keys.pop(lowered, None)
            absent.add(lowered)
            shown[key] = None
            continue
        if isinstance(value, str):
            values: tuple[str, ...] = (value,)
        else:  # a list, even of one value, is a multivalued key (aws:TagKeys, aws:PrincipalServiceNamesList…)
            values = tuple(str(v) for v in value)
            multivalued.add(lowered)
        keys[lowered] = values
        absent.discard(lowered)
        shown[key] = values
    context = Context(keys, frozenset(absent), base.absent_prefixes, frozenset(multivalued))
    return context, shown


@dataclass(frozen=True)
class _Who:
    arn: str
    name: str
    kind: str  # user | role
    account: str  # logical name
    account_id: str
    username: str | None  # aws:username, for a user
    tags: Mapping[str, str]  # aws:PrincipalTag/*


def _principal(index: SnapshotIndex, principal_arn: str) -> _Who:
    found = index.principal(principal_arn)  # a role session acts with its role's policies
    if found is None:
        raise UnknownPrincipal(
            f"no user or role {principal_arn!r} in the snapshot",
            "give the ARN of a user or role the snapshot holds (rolegate access lists them)",
        )
    account = index.snapshot.accounts[found.account]
    if found.kind == "user":
        user = account.users[found.name]
        return _Who(user.arn, user.name, "user", account.name, account.account_id, user.name, user.tags)
    role = account.roles[found.name]
    return _Who(role.arn, role.name, "role", account.name, account.account_id, None, role.tags)


class _Reader:
    """Statements of each policy, each with where it stands (for `Cited`)."""

    def __init__(self, index: SnapshotIndex) -> None:
        self.index = index
        self.where: dict[int, tuple[str, str, str, int]] = {}  # id(stmt) -> layer, account, id, index
        self.missing: list[str] = []
        self.context = Context()

    def read(
        self, document: dict[str, Any] | None, source: str, layer: str, account: str, account_id: str
    ) -> list[Statement]:
        out: list[Statement] = []
        for index, one in enumerate(statement_list(document)):
            # One statement at a time, to know its index; the Version kept (it decides whether ${…} is a
            # policy variable or literal text).
            alone = {"Statement": [one]}
            if document and "Version" in document:
                alone["Version"] = document["Version"]
            for stmt in statements(alone, source):
                self.where[id(stmt)] = (layer, account, account_id, index)
                out.append(stmt)
        return out

    def managed(self, account_name: str, arn: str, source: str, layer: str) -> list[Statement]:
        account = self.index.snapshot.accounts[account_name]
        document = self.index.document(account, arn)
        if document is None:
            self.missing.append(arn.rsplit("/", 1)[-1])
        return self.read(document, source, layer, account.name, account.account_id)

    def cite_allow(self, stmt: Statement) -> Cited:
        """An Allow, cited with what it still hangs on when it is conditional."""
        held = conditions_hold(stmt, self.context)
        return self.cite(stmt, held if isinstance(held, tuple) else ())

    def cite(self, stmt: Statement, conditions: tuple[Condition, ...] = ()) -> Cited:
        layer, account, account_id, index = self.where[id(stmt)]
        return Cited(
            layer, stmt.source, account, account_id, stmt.sid, index, stmt.effect, tuple(map(str, conditions))
        )


def _identity(reader: _Reader, who: _Who) -> tuple[list[Statement], str | None, str]:
    """The statements of the principal's identity policies (each cited where it stands), its permissions
    boundary's ARN, and the layer's scope."""
    account = reader.index.snapshot.accounts[who.account]
    holders, boundary = reader.index.identity(who.account, who.kind, who.name)
    found: list[Statement] = []
    for holder in holders:
        for arn in holder.managed:
            source = f"{holder.label}: managed policy {arn.rsplit('/', 1)[-1]}"
            found += reader.managed(account.name, arn, source, "identity")
        for name, document in holder.inline.items():
            source = f"{holder.label}: inline policy {name}"
            found += reader.read(document, source, "identity", account.name, account.account_id)
    scope = f"user {who.name} and its groups" if who.kind == "user" else f"role {who.name}"
    return found, boundary, f"{scope} in {account.name} {account.account_id}"


def _said(evaluation: Evaluation) -> str:
    if evaluation.denied:
        return "deny"
    if evaluation.allowed is True:
        return "allow"
    return "implicit deny" if evaluation.allowed is False else "conditional"


def _layer(reader: _Reader, name: str, scope: str, evaluation: Evaluation, note: str = "") -> Layer:
    cited = [reader.cite(s) for s in evaluation.denies]
    cited += [reader.cite(s, cs) for s, cs in evaluation.conditional_denies]
    cited += [reader.cite_allow(s) for s in evaluation.allows]
    conditions = evaluation.allowed if isinstance(evaluation.allowed, tuple) else ()
    return Layer(name, scope, _said(evaluation), tuple(cited), tuple(map(str, conditions)), note)


def _unread(condition: str, resource_arn: str) -> Evaluation:
    """A layer rolegate cannot read, standing as the condition that it allows."""
    return Evaluation(allowed=(Condition(condition, resource_arn, ("allows this principal",)),))


def decide(
    source: Snapshot | SnapshotIndex | Indexed,
    principal_arn: str,
    action: str,
    resource_arn: str,
    context: ContextValues | None = None,
) -> Decision:
    """May `principal_arn` call `action` on `resource_arn` in a request carrying `context`? Pure: reads the
    snapshot (or the index, or the graph built on it) and nothing else."""
    index = _index_of(source)
    who = _principal(index, principal_arn)
    ctx, shown = request_context(
        who.arn, who.account_id, index.org_id, context or {}, username=who.username, tags=who.tags
    )
    reader = _Reader(index)
    reader.context = ctx
    request = (action, resource_arn, who.arn, who.account_id, ctx)
    layers: list[Layer] = []
    identity, boundary_arn = _identity_layer(reader, who, request, layers)
    limits = _boundary_layer(reader, who, boundary_arn, request, layers)
    limits += _organization_layers(reader, who, resource_arn, request, layers)
    resource, direct, layer = _resource_side(index, reader, who, action, resource_arn, request)
    layers.append(layer)
    verdict = judge(identity, limits, resource, direct)
    return _decision(who, action, resource_arn, verdict, reader, layers, shown)


def _index_of(source: Snapshot | SnapshotIndex | Indexed) -> SnapshotIndex:
    """The snapshot's index: the graph's own when given a graph (it is built already), else a new one."""
    if isinstance(source, SnapshotIndex):
        return source
    if isinstance(source, Snapshot):
        return SnapshotIndex(source)
    return source.index


_Request = tuple[str, str, str, str, Context]  # action, resource ARN, principal ARN, its account id, context


def _identity_layer(
    reader: _Reader, who: _Who, request: _Request, layers: list[Layer]
) -> tuple[Evaluation, str | None]:
    """The principal's own and its groups' policies, evaluated together, and its permissions boundary's
    ARN; their layer added to `layers`."""
    own, boundary_arn, scope = _identity(reader, who)
    identity = evaluate(own, *request)
    note = f"documents not in the snapshot, read as allowing nothing: {', '.join(reader.missing)}"
    layers.append(_layer(reader, "identity", scope, identity, note if reader.missing else ""))
    return identity, boundary_arn


def _boundary_layer(
    reader: _Reader, who: _Who, boundary_arn: str | None, request: _Request, layers: list[Layer]
) -> list[Evaluation]:
    """The permissions boundary, when one is set: the one limit of the principal's own."""
    if not boundary_arn:
        layers.append(Layer("permissions boundary", f"{who.kind} {who.name}", "absent", note="none is set"))
        return []
    label = f"permissions boundary {boundary_arn.rsplit('/', 1)[-1]}"
    stmts = reader.managed(who.account, boundary_arn, label, "permissions boundary")
    boundary = evaluate(stmts, *request)
    layers.append(_layer(reader, "permissions boundary", boundary_arn, boundary))
    return [boundary]


def _organization_layers(
    reader: _Reader, who: _Who, resource_arn: str, request: _Request, layers: list[Layer]
) -> list[Evaluation]:
    """Each SCP level over the principal's account, then each RCP level over the resource's account."""
    snapshot = reader.index.snapshot
    limits: list[Evaluation] = []
    for layer_name, levels_by_account, account_id in (
        ("SCP", snapshot.scps, who.account_id),
        ("RCP", snapshot.rcps, _account_of(resource_arn)),
    ):
        levels = levels_by_account.get(account_id or "", [])
        account = _account_name(snapshot, account_id)
        if not levels:
            unknown = (
                "not read, or the organization has none" if layer_name == "SCP" else "none in the snapshot"
            )
            layers.append(Layer(layer_name, f"account {account} {account_id or '?'}", "absent", note=unknown))
            continue
        for i, level in enumerate(levels):
            where = f"level {i + 1} of {len(levels)} over account {account} {account_id}"
            if not level:  # AWS keeps at least one on every node: an empty level was not read
                layers.append(
                    Layer(layer_name, where, "absent", note="no policy at this level: not limiting")
                )
                continue
            label = "service control policy" if layer_name == "SCP" else "resource control policy"
            stmts = [
                st
                for n, doc in enumerate(level)
                for st in reader.read(
                    doc, f"{label} {n + 1} at level {i + 1}", layer_name, account, account_id or ""
                )
            ]
            limits.append(evaluate(stmts, *request))
            layers.append(_layer(reader, layer_name, where, limits[-1]))
    return limits


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and _ACCOUNT_ID.fullmatch(parts[4]) else None


def _account_name(snapshot: Snapshot, account_id: str | None) -> str:
    return next(
        (a.name for a in snapshot.accounts.values() if a.account_id == account_id), "(not in snapshot)"
    )


def _resource_side(
    index: SnapshotIndex, reader: _Reader, who: _Who, action: str, resource_arn: str, request: _Request
) -> tuple[Evaluation | None, Evaluation | None, Layer]:
    """The resource's own policy as it applies here: (what it allows, what it allows the principal directly
    within one account, the layer as shown)."""
    target_account = _account_of(resource_arn)
    same_account = target_account is None or target_account == who.account_id
    found = index.roles.get(resource_arn)
    if action.lower() in TRUST_ACTIONS:
        if found is None:
            scope = f"trust policy of {resource_arn}"
            note = "the role is not in the snapshot: its trust policy is unknown"
            return (
                _unread("trust policy", resource_arn),
                None,
                Layer(
                    "resource policy",
                    scope,
                    "conditional",
                    (),
                    (f"trust policy {resource_arn} allows",),
                    note,
                ),
            )
        account, role = found
        trust = reader.read(
            role.trust_policy, f"trust policy of role {role.name}", "resource policy", account.name,
            account.account_id,
        )  # fmt: skip
        evaluation = evaluate(trust, *request)
        direct = None
        if same_account and any(grants_principal_directly(s, who.arn) for s in evaluation.allows):
            naming = [s for s in trust if s.effect == "Deny" or grants_principal_directly(s, who.arn)]
            direct = evaluate(naming, *request)
        scope = f"trust policy of role {role.name} in {account.name} {account.account_id}"
        note = "names the principal itself (or *): suffices in its own account" if direct is not None else ""
        return evaluation, direct, _layer(reader, "resource policy", scope, evaluation, note)
    if same_account:
        note = (
            "no resource-based policy applies (IAM has none for this call)"
            if resource_arn.startswith("arn:aws:iam::")
            else "rolegate does not read this resource's own policy; in one account identity decides"
        )
        return None, None, Layer("resource policy", resource_arn, "absent", note=note)
    if resource_arn.startswith("arn:aws:iam::"):
        note = "IAM has no resource-based policies: another account's IAM is out of reach"
        return Evaluation(), None, Layer("resource policy", resource_arn, "implicit deny", note=note)
    note = "in another account: its own policy, which rolegate does not read, must allow the principal"
    condition = f"resource-based policy of {resource_arn} allows"
    return (
        _unread("resource-based policy", resource_arn),
        None,
        Layer("resource policy", resource_arn, "conditional", (), (condition,), note),
    )


def _decision(
    who: _Who,
    action: str,
    resource_arn: str,
    verdict: Verdict,
    reader: _Reader,
    layers: list[Layer],
    shown: dict[str, tuple[str, ...] | None],
) -> Decision:
    if verdict.denies:
        effect = EXPLICIT_DENY
        cited = tuple(reader.cite(s) for s in verdict.denies)
        reason = "an explicit Deny applies: it overrides every Allow"
    elif verdict.decision is False:
        effect, cited = IMPLICIT_DENY, ()
        silent = ", ".join(dict.fromkeys(x.layer for x in layers if x.said == "implicit deny"))
        reason = "no Allow on every layer the request needs"
        if silent:
            reason += f" (nothing allows it in: {silent})"
    else:
        effect = ALLOW if verdict.decision is True else CONDITIONAL
        # Every statement that decided it: the allows the answer rests on, then each limit's allows.
        limits = [x for x in layers if x.layer in ("permissions boundary", "SCP", "RCP")]
        rest = [c for x in limits for c in x.statements if c.effect == "Allow"]
        cited = tuple(dict.fromkeys([reader.cite_allow(s) for s in verdict.allows] + rest))
        if verdict.path == "resource":
            reason = "the trust policy grants the principal itself, in its own account"
        else:
            reason = "an identity policy allows, and so does every other layer the request needs"
        if effect == CONDITIONAL:
            reason += ", if the conditions hold"
    conditions = tuple(map(str, verdict.decision)) if isinstance(verdict.decision, tuple) else ()
    return Decision(who.arn, action, resource_arn, effect, reason, conditions, cited, tuple(layers), shown)
