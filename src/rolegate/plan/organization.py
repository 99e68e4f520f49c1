"""The organization's part of a plan: policy types, units, where accounts go, and guardrails. Pure.

rolegate.yaml's `organization.units`, `accounts.<name>.unit` and `guardrails:` against the organization as
read (state/organization.py), through the same ownership rule as every IAM kind (plan/diff.py's reconcile).
Its changes are the plan's `organization` entries: run by apply one after another with the operator's own
credentials, since Organizations answers only in the management account, beside the accounts' IAM changes
(nothing in IAM waits for them, and the guardrails always exempt rolegate's own role).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rolegate.model import marks
from rolegate.model import organization as org_model
from rolegate.model.config import Config
from rolegate.model.guardrails import BUILT_IN
from rolegate.plan.changes import Action, Change, Conflict, Plan
from rolegate.plan.kinds import control_policy, root_access, unit
from rolegate.plan.kinds.base import Edit, Kind
from rolegate.plan.kinds.control_policy import DesiredControlPolicy
from rolegate.plan.kinds.organization_base import DesiredOrganization, OrgContext
from rolegate.plan.kinds.unit import DesiredUnit
from rolegate.state.snapshot import AccountState, OrganizationState

if TYPE_CHECKING:
    from rolegate.plan.compile import Desired

ACCOUNT = "organization"  # what the plan's organization entries name as their account
POLICY_TYPE = "policy type"
ROOT_ACCESS = "root access"


def compile_organization(config: Config) -> DesiredOrganization:
    out = DesiredOrganization(root_access=config.organization.root_access)
    for path in org_model.unit_paths(config.organization.units):
        out.units[path] = DesiredUnit(path)
    for name, account in config.accounts.items():
        if account.unit is not None and account.id is not None:
            out.placements[name] = (account.id, account.unit)
    for name, guardrail in config.guardrails.items():
        targets = tuple(
            t for word in guardrail.attach if (t := org_model.target_of(config, word)) is not None
        )
        built_in = BUILT_IN.get(name)
        out.policies[name] = DesiredControlPolicy(
            name,
            org_model.policy_type(name, guardrail),
            org_model.document_of(config, name, guardrail),
            guardrail.description or (built_in.summary if built_in else ""),
            tuple(t for t in targets if t.kind != "account" or t.account_id),
        )
    return out


# The organization's kinds, in the order the ownership rule runs them (a unit before what attaches to it).
KINDS: tuple[Kind[Any, Any], ...] = (unit.KIND, control_policy.KIND)


def _policy_types(ctx: OrgContext, plan: Plan) -> None:
    """Each policy type the file's guardrails use, enabled on the root when it is not (rolegate never
    disables one: other policies of that type may be someone else's)."""
    state = ctx.organization
    for policy_type in sorted({p.type for p in ctx.organization_wanted.policies.values()}):
        if policy_type in state.policy_types:
            continue
        made = unit.enable_policy_type(state, policy_type)
        plan.changes.append(_change(ctx, "create", POLICY_TYPE, policy_type, made))


def _placements(ctx: OrgContext, plan: Plan) -> None:
    for name, (account_id, path) in ctx.organization_wanted.placements.items():
        made = unit.placement(ctx.organization, account_id, path)
        if made:
            plan.changes.append(_change(ctx, "update", "placement", name, made))


def _change(ctx: OrgContext, action: Action, kind: str, name: str, made: Edit) -> Change:
    acct = ctx.acct
    return Change(
        acct.name, acct.account_id, action, kind, name, made.summary, made.details, made.calls, made.aspects
    )


def _control_locks(ctx: OrgContext, plan: Plan) -> None:
    """Accounts locked by control policies (`lockdown --method scp`): shown, never undone by apply."""
    for policy in ctx.organization.policies.values():
        if control_policy.is_lockdown(policy):
            name = ctx.names.get(policy.tags[marks.CONTROL_LOCK_TAG])
            if name is None:  # an account the file does not name: nowhere in the plan to show it
                continue
            line = f"locked by {policy.name} (rolegate restore {name})"
            plan.locked.setdefault(name, [])
            if line not in plan.locked[name]:
                plan.locked[name].append(line)


def _deepest_first(plan: Plan) -> None:
    """Units deleted children before parents: Organizations refuses to delete a unit that holds one."""
    gone = [c for c in plan.changes if c.account == ACCOUNT and c.kind == unit.NAME and c.action == "delete"]
    ordered = iter(sorted(gone, key=lambda c: -c.name.count("/")))
    plan.changes = [next(ordered) if c in gone else c for c in plan.changes]


def _undeletable(ctx: OrgContext, plan: Plan) -> None:
    """A unit rolegate would delete that still holds something after the plan: a conflict, not a delete
    Organizations would refuse half-way through apply."""
    state = ctx.organization
    placed = {acct_id: path for acct_id, path in ctx.organization_wanted.placements.values()}
    deleting = {
        c.name for c in plan.changes if c.account == ACCOUNT and c.kind == unit.NAME and c.action == "delete"
    }
    for path in sorted(deleting):
        unit_id = state.units[path].id
        staying = [
            acct_id
            for acct_id, parent in state.parents.items()
            if parent == unit_id and placed.get(acct_id, path) == path
        ]
        children = [p for p, u in state.units.items() if u.parent_id == unit_id and p not in deleting]
        if not staying and not children:
            continue
        plan.changes = [
            c for c in plan.changes if not (c.account == ACCOUNT and c.kind == unit.NAME and c.name == path)
        ]
        held = [f"account {ctx.names.get(a, a)}" for a in staying] + [f"unit {c}" for c in children]
        plan.conflicts.append(
            Conflict(
                ACCOUNT,
                unit.NAME,
                path,
                f"unit {path} is rolegate's and the file dropped it, but it still holds {', '.join(held)}",
                "rolegate deletes a unit only once it is empty: place its accounts elsewhere "
                "(accounts.NAME.unit) or move them by hand",
            )
        )


def with_organization_id(wanted: DesiredOrganization, organization_id: str) -> DesiredOrganization:
    """The guardrails' `${organization:id}` made the id Organizations answered with."""
    policies = {
        name: replace(p, document=org_model.with_organization_id(p.document, organization_id))
        for name, p in wanted.policies.items()
    }
    return replace(wanted, policies=policies)


def plan_organization(
    desired: Desired, state: OrganizationState, plan: Plan, names: Mapping[str, str], order: Mapping[str, int]
) -> None:
    """Every change the organization needs, appended to `plan` under ACCOUNT."""
    from rolegate.plan.compile import DesiredAccount
    from rolegate.plan.diff import reconcile

    management = state.management_account_id
    ctx = OrgContext(
        desired,
        DesiredAccount(ACCOUNT, management, is_hub=False),
        AccountState(ACCOUNT, management),
        names=names,
        order=order,
        organization=state,
        organization_wanted=with_organization_id(desired.organization, state.id),
    )
    _policy_types(ctx, plan)
    made = root_access.update(desired.organization.root_access, state.root_features, state.iam_trusted_access)
    if made:
        plan.changes.append(_change(ctx, "update", ROOT_ACCESS, "member accounts", made))
    for kind in KINDS:
        reconcile(ctx, kind, plan)
    _placements(ctx, plan)
    _undeletable(ctx, plan)
    _deepest_first(plan)
    _control_locks(ctx, plan)
    unmanaged = {k.plural: sorted(found) for k in KINDS if (found := k.unmanaged(ctx))}
    if unmanaged:
        plan.unmanaged[ACCOUNT] = unmanaged
