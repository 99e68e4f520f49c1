"""Desired state vs what the snapshot shows -> a Plan. Pure.

Ownership decides everything here (plan/ownership.py): rolegate creates what is missing, updates and deletes
only what it owns (roles and users by tag, groups and policies by path, each mark checked against evidence
that rolegate did not make the resource), reports a same-named resource it does not own, or a mark it does
not believe, as a conflict, and counts the rest as unmanaged without touching it. What each kind's calls are
is the kind's own module (plan/kinds/); this module is the one rule that drives them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rolegate.model import marks, naming
from rolegate.plan import ownership
from rolegate.plan.changes import Action, Change, Conflict, Plan
from rolegate.plan.compile import Desired
from rolegate.plan.kinds import RECONCILED, alias, login_profile, password_policy, user
from rolegate.plan.kinds.base import DESCRIPTION, Context, Edit, Kind
from rolegate.plan.organization import ACCOUNT as ORGANIZATION
from rolegate.plan.organization import plan_organization
from rolegate.state.snapshot import Snapshot

# Kept importable where they always were: the exports and the importer name them.
CONSOLE_TAG = login_profile.CONSOLE_TAG
__all__ = ["CONSOLE_TAG", "DESCRIPTION", "diff"]


def _change(ctx: Context, action: Action, kind: str, name: str, made: Edit) -> Change:
    acct = ctx.acct
    return Change(
        acct.name,
        acct.account_id,
        action,
        kind,
        name,
        made.summary,
        made.details,
        made.calls,
        made.aspects,
    )


def _forged(ctx: Context, kind: str, name: str, decision: ownership.Decision) -> Conflict:
    """A rolegate mark on something rolegate would not have made: shown, never touched."""
    if ctx.acct.name == ORGANIZATION:
        hint = (
            "if it is rolegate's after all, adopt it: rolegate apply --adopt "
            f"{kind}/{name}; if not, remove the tag: aws organizations untag-resource --resource-id ID "
            f"--tag-keys {naming.OWNER_TAG}"
        )
    elif decision.reserved:
        hint = (
            f"rolegate never changes this {kind}; remove the tag if nobody should have set it: aws iam "
            f"untag-{kind} --{kind}-name {name} --tag-keys {naming.OWNER_TAG} (and find who tagged it)"
        )
    else:
        hint = (
            f"if it is rolegate's after all, adopt it: rolegate apply --adopt {kind}/{name} (it keeps "
            f"what it has); if not, remove rolegate's mark from it and find out who set it"
        )
    acct = ctx.acct
    return Conflict(
        acct.name,
        kind,
        name,
        f"{kind} {name} in {acct.name} ({acct.account_id}) carries rolegate's mark, but "
        f"{decision.reason}: the mark is not believed and nothing about it is changed",
        hint,
    )


def _not_owned(ctx: Context, kind: str, name: str, why: str) -> Conflict:
    acct = ctx.acct
    return Conflict(
        acct.name,
        kind,
        name,
        f"{kind} {name} exists in {acct.name} ({acct.account_id}) and rolegate does not own it{why}",
        "rolegate never touches what it does not own: rename it in rolegate.yaml, remove the "
        "hand-made one, or adopt it (organization.adopt: true, which `rolegate import` writes)",
    )


def reconcile(ctx: Context, kind: Kind[Any, Any], plan: Plan) -> None:
    """Create what is missing, update what rolegate owns, delete what it owns and the file dropped.

    A same-named resource rolegate does not own is adopted when the file allows it (organization.adopt, or
    --adopt naming it) and it can be, else a conflict. A mark rolegate does not believe is a conflict whether
    the file declares the resource or not, until --adopt names it; what AWS reserves never moves. Anything
    else not its own is left alone.
    """
    wanted: Mapping[str, Any] = kind.wanted(ctx)
    existing: Mapping[str, Any] = kind.existing(ctx)
    for name, want in wanted.items():
        have = existing.get(name)
        if have is None:
            plan.changes.append(_change(ctx, "create", kind.name, name, kind.create(ctx, want)))
            continue
        decision = kind.decide(ctx, have)
        explicit = ctx.explicit(kind.name, name) and not decision.reserved
        if decision.owned:
            made = kind.update(ctx, want, have)
            if made:
                plan.changes.append(_change(ctx, "update", kind.name, name, made))
        elif decision.ownership == "conflict" and not explicit:
            plan.conflicts.append(_forged(ctx, kind.name, name, decision))
        elif decision.reserved:
            plan.conflicts.append(_not_owned(ctx, kind.name, name, f" ({decision.reason})"))
        else:
            adopted = kind.adopt(ctx, want, have) if ctx.desired.adopt or explicit else ""
            if isinstance(adopted, Edit):
                plan.changes.append(_change(ctx, "adopt", kind.name, name, adopted))
            else:
                plan.conflicts.append(_not_owned(ctx, kind.name, name, adopted or kind.foreign(have)))
    for name, have in existing.items():
        if name in wanted:
            continue
        decision = kind.decide(ctx, have)
        if decision.owned or (
            decision.ownership == "conflict" and not decision.reserved and ctx.explicit(kind.name, name)
        ):
            plan.changes.append(_change(ctx, "delete", kind.name, name, kind.delete(ctx, have)))
        elif decision.ownership == "conflict":
            plan.conflicts.append(_forged(ctx, kind.name, name, decision))


def _settings(ctx: Context, plan: Plan) -> None:
    """The account's alias and password policy: one each, rolegate's when the file names them."""
    acct, state = ctx.acct, ctx.state
    made = alias.update(acct.alias, state.alias, state.alias_read)
    if made:
        plan.changes.append(_change(ctx, "update" if state.alias else "create", "account", "alias", made))
    made = password_policy.update(acct.password_policy, state.password_policy, state.password_policy_read)
    if made:
        action: Action = "update" if state.password_policy else "create"
        plan.changes.append(_change(ctx, action, "account", "password policy", made))


def _locks(ctx: Context) -> list[str]:
    """Lockdowns in force: shown, never undone by apply (rolegate restore does that)."""
    state, found = ctx.state, []
    role_locks = [
        lock
        for r in state.roles.values()
        if (lock := marks.role_lock(r.tags, r.trust_policy, r.inline_policies)) is not None
    ]
    if role_locks:
        found.append(f"{role_locks[0].describe()} (rolegate restore {ctx.acct.name})")
    for u in sorted(state.users.values(), key=lambda u: u.name):
        lock = marks.user_lock(u.tags, u.inline_policies)
        if lock is not None:
            found.append(f"user {u.name} {lock.describe()} (rolegate restore --user {u.name})")
    return found


def plan_account(ctx: Context, plan: Plan) -> None:
    """Every change one account needs, kind by kind under the same ownership rule."""
    acct, state = ctx.acct, ctx.state
    _settings(ctx, plan)
    # Groups and policies ask whose a member is: the users' ownership is decided first.
    ctx.users_decided = {u.name: user.KIND.decide(ctx, u) for u in state.users.values()}
    for kind in RECONCILED:
        reconcile(ctx, kind, plan)
    unmanaged = {k.plural: sorted(names) for k in RECONCILED if (names := k.unmanaged(ctx))}
    if unmanaged:
        # the order plans have always listed them in
        plan.unmanaged[acct.name] = {
            p: unmanaged[p] for p in ("roles", "users", "groups", "policies") if p in unmanaged
        }
    locks = _locks(ctx)
    if locks:
        plan.locked[acct.name] = locks


def diff(desired: Desired, snapshot: Snapshot) -> Plan:
    plan = Plan(accounts={a.name: a.account_id for a in desired.accounts.values()})
    names = {a.account_id: a.name for a in desired.accounts.values()}
    order = {a.account_id: i for i, a in enumerate(desired.accounts.values())}
    for name, acct in desired.accounts.items():
        state = snapshot.accounts.get(name)
        if state is None:
            continue  # not read (e.g. --account filter); nothing to decide there
        plan_account(Context(desired, acct, state, names=names, order=order), plan)
    if snapshot.organization is not None and desired.organization.declared:
        plan_organization(desired, snapshot.organization, plan, names, order)
        plan.accounts[ORGANIZATION] = snapshot.organization.management_account_id
    return plan
