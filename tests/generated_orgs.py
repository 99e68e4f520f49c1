"""Generated organizations for the access properties: two hub users, a group, roles in three accounts that
may assume each other, an optional permissions boundary and SCP levels, each holder with a list of
statements drawn by hypothesis, and the Snapshot such a world is."""

from __future__ import annotations

import copy
import json
from functools import cache
from itertools import combinations, product
from typing import Any

from hypothesis import strategies as st

from rolegate.state.snapshot import AccountState, Group, ManagedPolicy, Role, Snapshot, User

HUB, PROD, STAGE = "111111111111", "222222222222", "333333333333"
ORG_ID = "o-a1b2c3d4e5"
Doc = dict[str, Any]
World = dict[str, list[Doc] | None]  # holder -> statements (None: no boundary / no such SCP level)


def role_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{HUB}:user/{name}"


ROLES = {"prod/admin": (PROD, "admin"), "prod/hop": (PROD, "hop"), "stage/admin": (STAGE, "admin")}
ROLES |= {"hub/local": (HUB, "local")}
IDENTITY = ["user:alice", "user:bob", "group:team", *(f"role:{r}" for r in ROLES)]
TRUST = [f"trust:{r}" for r in ROLES]
OPTIONAL = ["boundary:alice", "scp:0", "scp:1"]

# Repeats weight the draw towards statements that matter to sts:AssumeRole.
ACTIONS = [
    "sts:AssumeRole",
    "sts:AssumeRole",
    "sts:*",
    "*",
    "STS:assumerole",
    "sts:AssumeRol?",
    "s3:GetObject",
]
ACTIONS += ["iam:*"]
ACTION_KEYS, RESOURCE_KEYS = ["Action", "Action", "NotAction"], ["Resource", "Resource", "NotResource"]
RESOURCES = [
    "*",
    "*",
    *(role_arn(a, n) for a, n in ROLES.values()),
    "arn:aws:iam::*:role/admin",
    f"arn:aws:iam::{PROD}:role/*",
    f"arn:aws:iam::{PROD[:-1]}?:role/hop",
]
PRINCIPALS: list[Any] = [
    f"arn:aws:iam::{HUB}:root",
    f"arn:aws:iam::{HUB}:root",
    HUB,
    user_arn("alice"),
    user_arn("bob"),
    "*",
    {"AWS": "*"},
    role_arn(PROD, "hop"),
    role_arn(PROD, "hop"),
    role_arn(PROD, "admin"),
    f"arn:aws:iam::{STAGE}:root",
    [user_arn("bob"), f"arn:aws:iam::{STAGE}:root"],
    {"Service": "ec2.amazonaws.com"},
]
EXEMPTABLE = [user_arn("alice"), user_arn("bob"), f"arn:aws:iam::{HUB}:root", role_arn(PROD, "hop")]
UNKNOWABLE = [
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"StringEquals": {"sts:ExternalId": "shared"}},
    {"StringEquals": {"aws:PrincipalTag/team": "ops"}},
]
KNOWABLE = [
    {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
    {"StringEquals": {"aws:PrincipalAccount": HUB}},
    {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{HUB}:user/a*"}},
    {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{HUB}:user/b*"}},
]
# MFA conditions that only ever favour an MFA session: allowed with MFA, denied without.
MFA_ALLOW = [
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    {"Null": {"aws:MultiFactorAuthPresent": "false"}},
]
MFA_DENY = [
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"StringNotEquals": {"aws:MultiFactorAuthPresent": "true"}},
    {"Null": {"aws:MultiFactorAuthPresent": "true"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
]
# ...and ones that do not (a Deny on MFA present is legal IAM, just odd).
MFA_AGAINST = [
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"Null": {"aws:MultiFactorAuthPresent": "true"}},
]


# -- strategies: statements drawn whole from pools (one draw each keeps generation fast) ---------------


def conditions(effect: str, mfa_safe: bool) -> list[Doc]:
    mfa = MFA_ALLOW if effect == "Allow" else MFA_DENY
    if not mfa_safe and effect == "Deny":
        mfa = mfa + MFA_AGAINST
    return mfa + UNKNOWABLE + KNOWABLE


def with_condition(stmt: Doc, cond: Doc | None) -> Doc:
    return {**stmt, "Condition": cond} if cond else stmt


def identity_pool(effect: str, cond: Doc | None) -> list[Doc]:
    return [
        with_condition({"Effect": effect, a: action, r: resource}, cond)
        for a, action, r, resource in product(ACTION_KEYS, ACTIONS, RESOURCE_KEYS, RESOURCES)
    ]


def trust_pool(effect: str, cond: Doc | None) -> list[Doc]:
    heads: list[Doc] = [
        {"Principal": p if p == "*" or isinstance(p, dict) else {"AWS": p}} for p in PRINCIPALS
    ]
    if effect == "Deny":
        heads += [
            {"NotPrincipal": {"AWS": list(listed)}} for n in (1, 2) for listed in combinations(EXEMPTABLE, n)
        ]
    return [
        with_condition({"Effect": effect, **head, "Action": action}, cond)
        for head, action in product(heads, ["sts:AssumeRole", "sts:*", "*", "sts:TagSession"])
    ]


@cache
def pool(kind: str, effect: str, cond: str) -> list[Doc]:
    """Every statement of a kind and effect with one condition (JSON-encoded, "null" for none)."""
    return (identity_pool if kind == "identity" else trust_pool)(effect, json.loads(cond))


@cache
def statements_of(kind: str, effect: str, mfa_safe: bool) -> st.SearchStrategy[Doc]:
    plain = st.sampled_from(pool(kind, effect, "null"))
    conds = [json.dumps(c) for c in conditions(effect, mfa_safe)]
    conditional = st.sampled_from(conds).flatmap(lambda c: st.sampled_from(pool(kind, effect, c)))
    return st.one_of(plain, plain, conditional)


def statement_for(holder: str, effect: str | None = None, mfa_safe: bool = True) -> st.SearchStrategy[Doc]:
    kind = "trust" if holder.startswith("trust:") else "identity"
    if effect:
        return statements_of(kind, effect, mfa_safe)
    allow = statements_of(kind, "Allow", mfa_safe)
    return st.one_of(allow, allow, allow, statements_of(kind, "Deny", mfa_safe))


FULL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


@st.composite
def worlds(draw: st.DrawFn, mfa_safe: bool = True) -> World:
    world: World = {}
    for holder in IDENTITY + TRUST:
        world[holder] = draw(st.lists(statement_for(holder, mfa_safe=mfa_safe), min_size=1, max_size=3))
    for holder in OPTIONAL:  # mostly absent; when present, mostly FullAWSAccess-like and never empty
        more = draw(st.lists(statement_for(holder, mfa_safe=mfa_safe), min_size=1, max_size=2))
        world[holder] = draw(st.sampled_from([None, None, [FULL, *more], [FULL, *more], more]))
    return world


@st.composite
def with_one_more(draw: st.DrawFn, effect: str, mfa_safe: bool = False) -> tuple[World, World]:
    """A world, and the same world with one more statement of `effect` somewhere in it."""
    world = draw(worlds(mfa_safe=mfa_safe))
    holder = draw(st.sampled_from([h for h, v in world.items() if v is not None]))
    stmt = draw(statement_for(holder, effect, mfa_safe))
    after = copy.deepcopy(world)
    statements = after[holder]
    assert statements is not None
    statements.insert(draw(st.integers(0, len(statements))), stmt)
    return world, after


@st.composite
def shuffled(draw: st.DrawFn) -> tuple[World, World]:
    world = draw(worlds(mfa_safe=False))
    after = {h: (None if v is None else draw(st.permutations(v))) for h, v in world.items()}
    return world, after


# -- from a world to answers ------------------------------------------------------------------------------


def doc(statements: list[Doc] | None) -> Doc:
    return {"Version": "2012-10-17", "Statement": list(statements or [])}


def snapshot_of(world: World) -> Snapshot:
    accounts = {"hub": AccountState("hub", HUB), "prod": AccountState("prod", PROD)}
    accounts["stage"] = AccountState("stage", STAGE)
    hub = accounts["hub"]
    boundary = None
    if world["boundary:alice"] is not None:
        boundary = f"arn:aws:iam::{HUB}:policy/edge"
        hub.policies["edge"] = ManagedPolicy("edge", boundary, "/", doc(world["boundary:alice"]))
    team = {"p": doc(world["group:team"])}
    hub.groups["team"] = Group("team", f"arn:aws:iam::{HUB}:group/team", "/", inline_policies=team)
    alice, bob = {"p": doc(world["user:alice"])}, {"p": doc(world["user:bob"])}
    hub.users["alice"] = User(
        "alice", user_arn("alice"), "/", ["team"], [], alice, permissions_boundary=boundary
    )
    hub.users["bob"] = User("bob", user_arn("bob"), "/", inline_policies=bob)
    by_id = {a.account_id: a for a in accounts.values()}
    for key, (account_id, name) in ROLES.items():
        trust, own = doc(world[f"trust:{key}"]), {"p": doc(world[f"role:{key}"])}
        by_id[account_id].roles[name] = Role(
            name, role_arn(account_id, name), "/", trust, inline_policies=own
        )
    levels = [doc(world[h]) for h in ("scp:0", "scp:1") if world[h] is not None]
    scps = {HUB: [[level] for level in levels]} if levels else {}
    return Snapshot(accounts=accounts, organization_id=ORG_ID, scps=scps)
