"""Taking over a hand-made resource the file declares: whether it may be adopted, and how rolegate knows it
adopted it. Pure.

rolegate adopts only what `organization.adopt` allows, only names the file declares, and only where the
in-place update that follows loses nobody's access: a role must already trust the hub the way rolegate's
roles do (the console's "another AWS account", with or without "Require MFA"), and a policy must not also
serve someone the file does not give it to. What cannot be adopted stays a conflict, with the reason.

How adoption is recorded, per kind, where GetAccountAuthorizationDetails shows it (no extra read):
- roles and users: the owner tag, as for those rolegate created;
- groups cannot be tagged: UpdateGroup moves them under rolegate's path /rolegate/, as if created there;
- customer managed policies can neither be moved nor have their tags read in bulk: a grant policy is
  rolegate's when the file declares it and it is attached to the rolegate group it belongs to. It is also
  tagged, so the console shows whose it is.
"""

from __future__ import annotations

from typing import Any

from rolegate.model import policydoc
from rolegate.model.iam_shapes import statement_list
from rolegate.model.trust import trust_policy
from rolegate.state.snapshot import AccountState, ManagedPolicy, Role, owns_path


def without_sids(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its statement ids dropped: they name statements, IAM does not evaluate them."""
    doc = policydoc.parse(document)
    cleaned = [
        {k: v for k, v in s.items() if k != "Sid"} if isinstance(s, dict) else s for s in statement_list(doc)
    ]
    return {**doc, "Statement": cleaned}


def hub_trust_mfa(document: dict[str, Any], hub_id: str) -> bool | None:
    """True or False when the trust policy is the hub trust rolegate writes, with or without the MFA
    condition (statement ids aside); None when it is anything else (another principal, another condition)."""
    try:
        doc = without_sids(document)
    except ValueError:
        return None
    for mfa in (True, False):
        if policydoc.equivalent(doc, without_sids(trust_policy(hub_id, mfa))):
            return mfa
    return None


def role_refusal(have: Role, hub_id: str, bootstrap_role: str, *, explicit: bool = False) -> str | None:
    """Why a hand-made role may not be adopted; None when it may. `explicit` (--adopt naming it): the operator
    accepts that the update changes who may assume it; the bootstrap role and a role off / stay refused."""
    if have.name == bootstrap_role:
        return " (it is organization.bootstrap_role, rolegate's way into the account)"
    if have.path != "/":
        return f" (its path is {have.path}; rolegate's roles live at /, which grants and links name)"
    if not explicit and hub_trust_mfa(have.trust_policy, hub_id) is None:
        return (
            " and its trust policy is not the hub trust rolegate writes: adopting it would change who may "
            "assume it"
        )
    return None


def policy_holders(state: AccountState, policy: ManagedPolicy, group: str) -> list[str]:
    """Who else has the policy attached, besides the group the file gives it to."""
    holders = [
        f"group {g.name}"
        for g in state.groups.values()
        if g.name != group and policy.arn in g.managed_policies
    ]
    holders += [f"user {u.name}" for u in state.users.values() if policy.arn in u.managed_policies]
    holders += [f"role {r.name}" for r in state.roles.values() if policy.arn in r.managed_policies]
    return holders


def policy_refusal(state: AccountState, have: ManagedPolicy, group: str) -> str | None:
    holders = policy_holders(state, have, group)
    if holders:
        return f" and it is attached to {', '.join(holders)} too: adopting it would change their access"
    return None


def adopted_grant(state: AccountState, policy: ManagedPolicy, group: str) -> bool:
    """A declared grant policy outside /rolegate/ is rolegate's once the rolegate group it is for has it."""
    owner = state.groups.get(group)
    return owner is not None and owns_path(owner.path) and policy.arn in owner.managed_policies
