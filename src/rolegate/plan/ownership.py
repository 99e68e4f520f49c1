"""Whether rolegate owns a resource it finds: one decision, used by plan, drift (which is the plan) and
import. Pure.

Ownership is recorded in IAM itself: the tag `rolegate:owner=<organization.name>` on roles and users, the
path /rolegate/ on groups and customer managed policies. Anyone allowed iam:TagRole, iam:TagUser,
iam:CreateGroup or iam:CreatePolicy can write those marks, so a mark says "rolegate's", it does not prove it.
What rolegate checks before it believes a mark is whether the resource carries something rolegate would never
have made:

- a role: a path other than /, a trust policy that is not the hub trust rolegate writes (its lockdown's Deny
  aside), or a name or path AWS reserves;
- a user: a console password without rolegate's `rolegate:console` tag (a password rolegate did not issue),
  access keys or an MFA device while it is in none of rolegate's groups although the file puts it in some,
  policies attached to it directly, inline policies the file does not declare (a lockdown's aside), or any
  mark at all outside the hub (rolegate keeps people in the hub);
- a group or policy under /rolegate/ that the file does not declare (it would be deleted): members rolegate
  does not know, attachments to principals that are not rolegate's, or any outside the hub.

Such a resource is a *conflict*, with the reason: plan shows it, apply refuses, and nothing about it changes
until the operator adopts it by name (`rolegate plan|apply --adopt KIND/NAME`). That records what was accepted
in the tag `rolegate:adopted` (roles and users), so the next plan does not ask again.

The role rolegate reaches the spokes through (organization.bootstrap_role) and everything AWS reserves
(service-linked and SSO roles, Control Tower's and StackSets' execution roles) is never updated or deleted,
whatever it is tagged; a rolegate tag on one is a conflict saying the tag is forged, and --adopt does not lift
it. The check is a hint, not a proof: a careful forger can make a resource look exactly like rolegate's. The
guardrail SCP `protect-rolegate` (deny iam:Tag*/Untag* of `rolegate:*` keys, and writes under /rolegate/, to
everyone but the operator's role) is what makes the marks trustworthy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rolegate.model import marks, naming
from rolegate.plan.adoption import hub_trust_mfa
from rolegate.state.snapshot import Group, ManagedPolicy, Role, User
from rolegate.words import plural

ADOPTED_TAG = "rolegate:adopted"  # what the operator accepted when adopting by name, e.g. "password+policies"
CONSOLE_TAG = "rolegate:console"  # on a user: rolegate issued its console password

RESERVED_ROLE_PATHS = ("/aws-service-role/", "/aws-reserved/", "/service-role/")
RESERVED_ROLE_PREFIXES = ("AWSServiceRoleFor", "AWSReservedSSO_", "AWSControlTower", "stacksets-exec-")
RESERVED_ROLE_NAMES = frozenset({"OrganizationAccountAccessRole", "AWSCloudFormationStackSetExecutionRole"})

Ownership = Literal["owned", "unmanaged", "conflict"]
# Evidence that rolegate did not make a resource, by kind; `rolegate:adopted` lists the ones accepted.
Evidence = Literal["path", "trust", "password", "keys", "mfa", "policies", "inline", "account", "members"]


@dataclass(frozen=True)
class Decision:
    ownership: Ownership
    reason: str = ""  # for a conflict: why the mark is not believed, as a clause ("its path is /x/")
    evidence: tuple[str, ...] = ()
    reserved: bool = False  # never touched, not even when adopted by name

    @property
    def owned(self) -> bool:
        return self.ownership == "owned"


OWNED = Decision("owned")
UNMANAGED = Decision("unmanaged")


def reserved_role(name: str, path: str, bootstrap_role: str) -> str | None:
    """Why rolegate never touches this role, or None. AWS creates these (or rolegate reaches the account
    through it): changing one breaks the account's management, whoever tagged it."""
    if name == bootstrap_role:
        return "it is organization.bootstrap_role, rolegate's way into the account"
    if path.startswith(RESERVED_ROLE_PATHS):
        return f"its path {path} is reserved for roles AWS makes"
    if name in RESERVED_ROLE_NAMES or name.startswith(RESERVED_ROLE_PREFIXES):
        return "its name is one AWS reserves for its own roles"
    return None


def acknowledged(tags: dict[str, str]) -> frozenset[str]:
    """The evidence the operator accepted when they adopted the resource by name."""
    return frozenset(v for v in tags.get(ADOPTED_TAG, "").split("+") if v)


def accepted_tag(tags: dict[str, str], evidence: tuple[str, ...]) -> dict[str, str]:
    """The tag recording what the operator accepted by adopting by name, with what was accepted before."""
    if not evidence:
        return {}
    return {ADOPTED_TAG: "+".join(sorted(acknowledged(tags) | set(evidence)))}


def _conflict(found: list[tuple[str, str]], accepted: frozenset[str]) -> Decision:
    kept = [(kind, why) for kind, why in found if kind not in accepted]
    if not kept:
        return OWNED
    return Decision("conflict", "; ".join(why for _, why in kept), tuple(kind for kind, _ in kept))


def role_decision(role: Role, *, org: str, hub_id: str, bootstrap_role: str) -> Decision:
    reserved = reserved_role(role.name, role.path, bootstrap_role)
    if reserved is not None:
        if naming.OWNER_TAG in role.tags:
            return Decision("conflict", f"{reserved}; its tag {naming.OWNER_TAG} is forged", (), True)
        return Decision("unmanaged", reserved, (), True)
    if role.tags.get(naming.OWNER_TAG) != org:
        return UNMANAGED
    found: list[tuple[str, str]] = []
    if role.path != "/":
        found.append(("path", f"its path is {role.path}, and rolegate makes roles at /"))
    if hub_trust_mfa(marks.without_lockdown(role.trust_policy), hub_id) is None:
        found.append(("trust", "its trust policy is not the hub trust rolegate writes"))
    return _conflict(found, acknowledged(role.tags))


def user_decision(
    user: User,
    *,
    org: str,
    is_hub: bool,
    owned_groups: Iterable[str],
    wanted_groups: tuple[str, ...] | None,
    declared_inline: Iterable[str] = (),
) -> Decision:
    """`wanted_groups`: the groups the file puts the user in, None when the file does not declare it."""
    if user.tags.get(naming.OWNER_TAG) != org:
        return UNMANAGED
    found: list[tuple[str, str]] = []
    if not is_hub:
        found.append(("account", "rolegate makes users only in the hub"))
    if user.login_profile and user.tags.get(CONSOLE_TAG) != "true":
        found.append(("password", "it has a console password rolegate did not issue"))
    in_ours = set(user.groups) & set(owned_groups)
    granted_nothing_yet = not in_ours and (wanted_groups is None or bool(wanted_groups))
    if granted_nothing_yet and user.access_keys:
        found.append(
            ("keys", f"it has {plural(user.access_keys, 'access key')} and is in none of rolegate's groups")
        )
    if granted_nothing_yet and user.mfa_devices:
        found.append(("mfa", "it has an MFA device and is in none of rolegate's groups"))
    if user.managed_policies:
        found.append(("policies", "policies are attached to it directly, which rolegate never does"))
    declared = set(declared_inline)
    foreign = sorted(p for p in user.inline_policies if p not in declared and not marks.is_lockdown_policy(p))
    if foreign:
        found.append(
            ("inline", f"it has inline policies rolegate.yaml does not declare ({', '.join(foreign)})")
        )
    return _conflict(found, acknowledged(user.tags))


def group_decision(
    group: Group, *, is_hub: bool, declared: bool, unknown_members: Iterable[str] = ()
) -> Decision:
    """`unknown_members`: members who are neither rolegate's users nor declared in the file."""
    if group.path != naming.OWNED_PATH:
        return UNMANAGED
    if declared:
        return OWNED
    if not is_hub:
        return Decision("conflict", "rolegate makes groups only in the hub", ("account",))
    strangers = sorted(unknown_members)
    if strangers:
        return Decision(
            "conflict",
            f"it has members rolegate does not know ({', '.join(strangers)}), whom deleting it would cut off",
            ("members",),
        )
    return OWNED


def policy_decision(
    policy: ManagedPolicy, *, is_hub: bool, declared: bool, foreign_holders: Iterable[str] = ()
) -> Decision:
    """`foreign_holders`: principals that are not rolegate's and have the policy attached."""
    if policy.path != naming.OWNED_PATH:
        return UNMANAGED
    if declared:
        return OWNED
    if not is_hub:
        return Decision("conflict", "rolegate makes policies only in the hub", ("account",))
    holders = sorted(foreign_holders)
    if holders:
        return Decision(
            "conflict",
            f"it is attached to {', '.join(holders)}, which are not rolegate's and deleting it would change",
            ("members",),
        )
    return OWNED


def adopt_matches(names: Iterable[str], account: str, kind: str, name: str) -> bool:
    """`--adopt NAME`, `--adopt KIND/NAME` or `--adopt ACCOUNT/KIND/NAME` names this resource."""
    wanted = {name, f"{kind}/{name}", f"{account}/{kind}/{name}"}
    return any(n in wanted for n in names)
