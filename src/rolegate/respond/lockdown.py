"""Lock an environment account down, and put it back: what to change, decided from a snapshot. Pure.

Lockdown, for every role reachable from outside the account (an Allow in its trust policy for an AWS
principal of another account, or `*`; managed by rolegate or not):
- a Deny statement `RolegateLockdown` at the end of its trust policy: no new AssumeRole, from anyone;
- an inline policy `RolegateLockdown` denying every action to sessions issued before the lockdown
  (`DateLessThan aws:TokenIssueTime`, as AWS's "revoke active sessions"): the sessions already handed out end.

rolegate's own way back in stays open: the bootstrap role's Deny carries
`ArnNotLike aws:PrincipalArn [<management account>:root, <the operator who ran lockdown>]`, so only the
management account's root user and the operator (a user, or a role at any path) can still assume it. Those
are principals of the management account alone; a hub user, even an administrator there, is denied. Its
revoke policy ends every older session, the attacker's and the operator's own, and is written last.

Restore puts back the journal's trust policies exactly, removes the inline policy and the journal tags, and
first compares: a role deleted, a trust policy edited, a policy attached or an inline policy changed during
the lockdown stops it with the difference shown (`force` goes on: trust policies are put back as journaled;
the other changes were not lockdown's and are left as found). A role open to the outside that the journal
does not know is noted, not refused: restoring changes nothing about it.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

from rolegate.access.policy import statements
from rolegate.model import marks, naming, policydoc
from rolegate.model.guardrails import Facts, lockdown_rcp, lockdown_scp
from rolegate.model.iam_shapes import statement_list, tag_list
from rolegate.model.marks import (
    POLICY_NAME,
    SID,
    Lock,
    RoleRecord,
    encode_tags,
    fingerprint,
    has_lockdown,
    is_lockdown_policy,
    journal_tags,
    role_lock,
    role_record_from_tags,
    room_for_tags,
    with_statements,
    without_lockdown,
)
from rolegate.plan.changes import Call, Change
from rolegate.respond.journal import Journal
from rolegate.state.snapshot import AccountState, Role

SERVICE_ROLE_PATH = "/aws-service-role/"
TRUST_POLICY_QUOTA = 2048  # IAM's default limit for a role trust policy, whitespace not counted
JOURNAL_CHANGE = "lockdown journal"
UNTAG_SUMMARY = "journal tags removed, last"


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


# Every way into a role: IAM principals, web identities (OIDC: a CI pipeline) and SAML federation.
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")


def deny_statement(keep: list[str] | None = None) -> dict[str, Any]:
    """The trust policy's lockdown statement; `keep`: principal ARN patterns it does not apply to."""
    statement: dict[str, Any] = {
        "Sid": SID,
        "Effect": "Deny",
        "Principal": "*",  # federated callers (an OIDC pipeline, SAML sign-in) too, not only AWS principals
        "Action": list(ASSUME_ACTIONS),
    }
    if keep:
        statement["Condition"] = {"ArnNotLike": {"aws:PrincipalArn": sorted(keep)}}
    return statement


def revoke_document(since: str) -> dict[str, Any]:
    """AWS's "revoke active sessions" policy: deny everything to sessions issued before `since`."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": SID,
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": since}},
            }
        ],
    }


def operator_keep(operator_arn: str, management_id: str) -> list[str]:
    """The principals the bootstrap role stays open to: the management account's root and the operator.

    aws:PrincipalArn is the role's ARN (with its path) for a role session, so an assumed-role operator is
    matched by name at any path; a user's ARN from GetCallerIdentity is already its IAM ARN.
    """
    keep = {naming.root_arn(management_id)}
    parts = operator_arn.split(":", 5)
    if len(parts) == 6:
        account, resource = parts[4], parts[5]
        if resource.startswith("assumed-role/"):
            role = resource.split("/")[1]
            keep |= {naming.role_arn(account, role), f"arn:{naming.PARTITION}:iam::{account}:role/*/{role}"}
        elif resource.startswith("user/"):
            keep.add(f"arn:{naming.PARTITION}:iam::{account}:{resource}")
    return sorted(keep)


def open_to_outside(role: Role, account_id: str) -> bool:
    """Whether the trust policy (lockdown aside) allows an AWS principal of another account, a federated one
    (an OIDC or SAML provider: people and pipelines from outside), or anyone."""
    if role.path.startswith(SERVICE_ROLE_PATH):
        return False  # service-linked: IAM refuses changes, and no person assumes it
    trust = without_lockdown(role.trust_policy)
    for item in statement_list(trust):
        principal = item.get("Principal") if isinstance(item, dict) else None
        if item.get("Effect") == "Allow" and isinstance(principal, dict) and "Federated" in principal:
            return True
    for stmt in statements(trust, role.arn):
        if stmt.effect != "Allow":
            continue
        if stmt.not_principals is not None:
            return True
        for principal in stmt.principals or ():
            if principal == "*" or naming.account_from_arn(principal) not in ("", account_id):
                return True
    return False


def is_locked(role: Role) -> bool:
    return role_lock(role.tags, role.trust_policy, role.inline_policies) is not None


def record_of(role: Role) -> RoleRecord:
    """The role as it is now, before the lockdown (its own marks, if any, taken out)."""
    # The lockdowns' own policies (this one's, a locked-out person's) are not the role's to journal.
    inline = {k: v for k, v in role.inline_policies.items() if not is_lockdown_policy(k)}
    return RoleRecord(
        name=role.name,
        arn=role.arn,
        trust_policy=without_lockdown(role.trust_policy),
        managed_policies=sorted(role.managed_policies),
        inline_policies={k: fingerprint(v) for k, v in sorted(inline.items())},
        inline_documents=dict(sorted(inline.items())),
        derived=has_lockdown(role.trust_policy),
    )


def journal_in_account(state: AccountState) -> Journal | None:
    """The journal as the account's tags (and marks) tell it: restore when the local file is gone."""
    roles: dict[str, RoleRecord] = {}
    lock: Lock | None = None
    keep: list[str] = []
    for role in state.roles.values():
        found = role_record_from_tags(role.tags)
        if found is not None:
            lock = lock or found[0]
            keep = keep or found[2]
            roles[role.name] = found[1]
        elif is_locked(role):
            roles[role.name] = record_of(role)  # no copy: the lockdown statement is taken out, flagged
            roles[role.name].derived = True
            roles[role.name].inline_documents = {}
    if not roles:
        return None
    lock = lock or Lock(since="(unknown)", by="(unknown: no journal in the account)")
    return Journal("account", state.name, state.account_id, lock, keep, roles)


def completed(local: Journal | None, in_account: Journal | None) -> Journal | None:
    """The local journal (it has every document in full), completed by the roles only the account knows
    of: a rerun of the lockdown from another machine, or marks whose journal was lost."""
    if local is None or in_account is None:
        return local or in_account
    for name, record in in_account.roles.items():
        local.roles.setdefault(name, record)
    return local


@dataclass
class Decided:
    """A lockdown or restore, decided: the journal to keep, and the changes in the order to run them."""

    journal: Journal
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # warnings for the operator, shown with the plan
    unchanged: list[str] = field(default_factory=list)  # already as wanted

    @property
    def empty(self) -> bool:
        return not self.changes

    def update(
        self, account: str, account_id: str, kind: str, name: str, summary: str, details: Any, calls: Any
    ) -> None:
        """One more change, run after those before it."""
        self.changes.append(
            Change(account, account_id, "update", kind, name, summary, tuple(details), tuple(calls))
        )


def _ordered_roles(state: AccountState, bootstrap_role: str) -> list[Role]:
    # The bootstrap role last: its revoke policy ends the operator's own session too.
    return sorted(state.roles.values(), key=lambda r: (r.name == bootstrap_role, r.name))


def plan_lockdown(
    state: AccountState,
    *,
    lock: Lock,
    keep: list[str],
    bootstrap_role: str,
    previous: Journal | None = None,
) -> Decided:
    """What locks `state`'s account down. A rerun (after an interruption, or to catch a role that appeared)
    keeps the first lockdown's journal, time and reason, and changes only what is not locked yet."""
    journal = _resumed_journal(state, lock, keep, previous)
    decided = Decided(journal)
    tag_calls: list[Call] = []
    for role in _ordered_roles(state, bootstrap_role):
        if not (open_to_outside(role, state.account_id) or is_locked(role)):
            continue
        # Only the bootstrap role's Deny keeps a way in: for the others, no one is kept.
        role_keep = journal.keep if role.name == bootstrap_role else None
        record = _journaled(journal, role, decided.notes)
        tag_call = _journal_tag_call(role, journal.lock, record, role_keep, decided.notes)
        if tag_call is not None:
            tag_calls.append(tag_call)
        trust = with_statements(role.trust_policy, [deny_statement(role_keep)])
        decided.notes += _trust_size_notes(role.name, trust)
        calls, details = _lock_calls(role, trust, journal.lock, bootstrap=role_keep is not None)
        if calls:
            summary = (
                "stays open to " + ", ".join(journal.keep)
                if role_keep is not None
                else "no new sessions; older ones end"
            )
            decided.update(state.name, state.account_id, "role", role.name, summary, details, calls)
        else:
            decided.unchanged.append(role.name)
    if tag_calls:
        n = len(tag_calls)
        summary = f"prior documents of {n} role{'s' if n != 1 else ''} into their tags, before any change"
        decided.update(state.name, state.account_id, "account", JOURNAL_CHANGE, summary, (), tag_calls)
        decided.changes.insert(0, decided.changes.pop())  # the copy in the account before any change
    return decided


def _resumed_journal(state: AccountState, lock: Lock, keep: list[str], previous: Journal | None) -> Journal:
    """The journal this run writes: a fresh one, or the first lockdown's (local or from the role tags), whose
    time and reason stay and whose bootstrap role stays open to both runs' keep."""
    found = completed(copy.deepcopy(previous), journal_in_account(state))
    if found is not None:
        lock, keep = found.lock, sorted(set(found.keep) | set(keep))
    return Journal("account", state.name, state.account_id, lock, keep, dict(found.roles) if found else {})


def _journaled(journal: Journal, role: Role, notes: list[str]) -> RoleRecord:
    """The role's prior documents, as first journaled (or read now), recorded in `journal`."""
    record = journal.roles.get(role.name) or record_of(role)
    if record.derived and role.name not in journal.roles:
        notes.append(
            f"role {role.name} has the lockdown statement but no journal: restore will only remove it"
        )
    journal.roles[role.name] = record
    return record


def _journal_tag_call(
    role: Role, lock: Lock, record: RoleRecord, keep: list[str] | None, notes: list[str]
) -> Call | None:
    """The TagRole that copies the journal into the role's tags, if they differ and there is room; without
    room the record is marked local-only and the operator told."""
    wanted_tags = encode_tags(lock, record, keep)
    if journal_tags(role.tags) == wanted_tags:
        return None
    if not room_for_tags(role.tags, wanted_tags):
        record.in_account = False
        notes.append(
            f"role {role.name} has no room for {len(wanted_tags)} journal tags (IAM allows 50): "
            "its prior documents are in the local journal only"
        )
        return None
    return Call("TagRole", {"RoleName": role.name, "Tags": tag_list(wanted_tags)})


def _trust_size_notes(role_name: str, trust: dict[str, Any]) -> list[str]:
    size = len(re.sub(r"\s", "", _json(trust)))
    if size <= TRUST_POLICY_QUOTA:
        return []
    return [
        f"role {role_name}: its trust policy with the lockdown statement has {size} characters; "
        f"IAM's default quota is {TRUST_POLICY_QUOTA} (raise it in Service Quotas if IAM refuses)"
    ]


def _lock_calls(
    role: Role, trust: dict[str, Any], lock: Lock, *, bootstrap: bool
) -> tuple[list[Call], list[str]]:
    """The calls (and their plan lines) that lock one role: `trust` (its policy with the Deny), the revoke
    policy; each only where the role lacks it."""
    calls: list[Call] = []
    details: list[str] = []
    if not policydoc.equivalent(trust, role.trust_policy):
        calls.append(Call("UpdateAssumeRolePolicy", {"RoleName": role.name, "PolicyDocument": _json(trust)}))
        details.append(
            "+ trust: Deny sts:AssumeRole* to everyone (federated callers too)"
            + (" but the management account's root and the operator" if bootstrap else "")
        )
    if POLICY_NAME not in role.inline_policies:
        document = revoke_document(lock.since)
        revoke = Call(
            "PutRolePolicy",
            {"RoleName": role.name, "PolicyName": POLICY_NAME, "PolicyDocument": _json(document)},
        )
        # Sessions are ended first, so that a trust policy IAM refuses still leaves them ended; but on the
        # bootstrap role last of all, since it ends the operator's own session there too.
        at = len(calls) if bootstrap else 0
        calls.insert(at, revoke)
        details.insert(at, f"+ inline {POLICY_NAME}: deny all to sessions issued before {lock.since}")
    return calls, details


# -- restore ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One way the account changed since the lockdown."""

    principal: str
    what: str
    details: tuple[str, ...] = ()


def policy_changes(
    managed_then: list[str],
    managed_now: list[str],
    inline_then: dict[str, str],
    inline_now: dict[str, Any],
    documents_then: dict[str, dict[str, Any]],
) -> list[str]:
    lines = [
        f"+ policy {naming.policy_display_name(a)} attached"
        for a in sorted(set(managed_now) - set(managed_then))
    ]
    lines += [
        f"- policy {naming.policy_display_name(a)} detached"
        for a in sorted(set(managed_then) - set(managed_now))
    ]
    now = {k: v for k, v in inline_now.items() if not is_lockdown_policy(k)}
    for name in sorted(set(now) - set(inline_then)):
        lines.append(f"+ inline policy {name} added")
    for name in sorted(set(inline_then) - set(now)):
        lines.append(f"- inline policy {name} removed")
    for name in sorted(set(now) & set(inline_then)):
        if fingerprint(now[name]) != inline_then[name]:
            lines.append(f"~ inline policy {name} changed")
            if name in documents_then:
                lines += ["  " + line for line in policydoc.diff_lines(documents_then[name], now[name])]
    return lines


def compare_account(journal: Journal, state: AccountState) -> list[Difference]:
    """What changed since the lockdown that restoring would carry back into service."""
    found: list[Difference] = []
    for name, record in sorted(journal.roles.items()):
        role = state.roles.get(name)
        if role is None:
            found.append(Difference(name, "deleted during the lockdown"))
            continue
        current = without_lockdown(role.trust_policy)
        if not record.derived and not policydoc.equivalent(current, record.trust_policy):
            found.append(
                Difference(
                    name,
                    "trust policy edited during the lockdown (restore would put back the journal's)",
                    tuple(policydoc.diff_lines(record.trust_policy, current)),
                )
            )
        lines = policy_changes(
            record.managed_policies,
            role.managed_policies,
            record.inline_policies,
            role.inline_policies,
            record.inline_documents,
        )
        if lines and not record.derived:
            found.append(Difference(name, "permissions changed during the lockdown", tuple(lines)))
    return found


def plan_restore(journal: Journal, state: AccountState, bootstrap_role: str) -> Decided:
    """The calls that put every journaled role back, then the journal tags away (last: an interrupted
    restore can run again from them)."""
    decided = Decided(journal)
    untag: list[Call] = []
    for role in _ordered_roles(state, bootstrap_role):
        record = journal.roles.get(role.name)
        if record is None:
            continue
        calls: list[Call] = []
        details: list[str] = []
        if has_lockdown(role.trust_policy) or not policydoc.equivalent(
            role.trust_policy, record.trust_policy
        ):
            document = record.trust_policy
            calls.append(
                Call("UpdateAssumeRolePolicy", {"RoleName": role.name, "PolicyDocument": _json(document)})
            )
            details.append(
                "trust policy: as before the lockdown"
                + (" (lockdown statement removed)" if record.derived else "")
            )
        if POLICY_NAME in role.inline_policies:
            calls.append(Call("DeleteRolePolicy", {"RoleName": role.name, "PolicyName": POLICY_NAME}))
            details.append(f"- inline {POLICY_NAME}")
        if calls:
            decided.update(state.name, state.account_id, "role", role.name, "open again", details, calls)
        else:
            decided.unchanged.append(role.name)
        keys = sorted(journal_tags(role.tags))
        if keys:
            untag.append(Call("UntagRole", {"RoleName": role.name, "TagKeys": keys}))
    # Not restore's to judge (restoring changes nothing about them), but worth a look after a breach.
    for role in sorted(state.roles.values(), key=lambda r: r.name):
        if role.name not in journal.roles and open_to_outside(role, state.account_id) and not is_locked(role):
            decided.notes.append(
                f"role {role.name} is open to the outside and was not locked (new since the lockdown, or the "
                "lockdown stopped before it): look at it"
            )
    missing = sorted(set(journal.roles) - set(state.roles))
    if missing:
        decided.notes.append(f"not in the account any more, nothing to restore: {', '.join(missing)}")
    if untag:
        decided.update(state.name, state.account_id, "account", JOURNAL_CHANGE, UNTAG_SUMMARY, (), untag)
    return decided


# -- lockdown by control policies (`rolegate lockdown --method scp`) ----------------------------------------
# Trust edits stop new sessions only: a trust policy is read when a session starts. An SCP is evaluated on
# every call, so it also stops the sessions already handed out, and an RCP on sts:AssumeRole stops new ones
# from any caller (the hub, another account, a federated one) without touching a role. Both are attached to
# the account itself, not its OU: the OU may hold other accounts, which must go on working. What rolegate did
# is journaled locally and in the policies' own tags, as the trust lockdown's is in the roles' tags.

SERVICE_CONTROL = "SERVICE_CONTROL_POLICY"
RESOURCE_CONTROL = "RESOURCE_CONTROL_POLICY"
CONTROL_TYPES = (RESOURCE_CONTROL, SERVICE_CONTROL)  # in this order: no new sessions, then the old ones end
CONTROL_LOCK_TAG = marks.CONTROL_LOCK_TAG  # on each policy: the id of the account it locks
CONTROL_ENABLED_TAG = "rolegate:lockdown:enabled"  # on each policy: "yes" when rolegate enabled its type
CONTROL_JOURNAL_VERSION = 1
SHORT = {SERVICE_CONTROL: "SCP", RESOURCE_CONTROL: "RCP"}


@dataclass
class ControlLock:
    """The journal of a lockdown by control policies: what restore takes away, and nothing else."""

    account: str  # logical name
    account_id: str
    lock: Lock
    enabled: list[str] = field(default_factory=list)  # policy types rolegate enabled on the root for it
    policies: dict[str, str] = field(default_factory=dict)  # policy type -> id of the policy rolegate made
    version: int = CONTROL_JOURNAL_VERSION

    def dumps(self) -> str:
        from dataclasses import asdict

        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ControlLock:
        if data.get("version") != CONTROL_JOURNAL_VERSION:
            raise ValueError(
                f"journal version {data.get('version')!r}; this rolegate reads {CONTROL_JOURNAL_VERSION}"
            )
        return cls(
            account=str(data["account"]),
            account_id=str(data["account_id"]),
            lock=Lock(**data["lock"]),
            enabled=[str(t) for t in data.get("enabled", [])],
            policies={str(k): str(v) for k, v in data.get("policies", {}).items()},
        )


def control_policy_name(account_id: str, policy_type: str) -> str:
    return f"rolegate-lockdown-{account_id}-{SHORT[policy_type].lower()}"


def control_documents(facts: Facts, account_id: str) -> dict[str, dict[str, Any]]:
    """The policy each type gets (model/guardrails.py: reviewed there, tested against the evaluator)."""
    return {
        SERVICE_CONTROL: lockdown_scp(facts, account_id),
        RESOURCE_CONTROL: lockdown_rcp(facts, account_id),
    }


def control_tags(org: str, account_id: str, enabled: bool) -> list[dict[str, str]]:
    """A lockdown policy's tags: rolegate owns it, which account it locks, whether it enabled the type."""
    tags = {naming.OWNER_TAG: org, CONTROL_LOCK_TAG: account_id}
    if enabled:
        tags[CONTROL_ENABLED_TAG] = "yes"
    return tag_list(tags)


def types_to_enable(root_policy_types: list[dict[str, Any]]) -> list[str]:
    """The control policy types the root lacks (Organizations lists each enabled one with its status)."""
    on = {t.get("Type") for t in root_policy_types if t.get("Status") == "ENABLED"}
    return [t for t in CONTROL_TYPES if t not in on]


def control_lock_lines(
    name: str, to_enable: list[str], journal: ControlLock, bootstrap_role: str
) -> list[str]:
    """The plan, one line a step, for the operator to read before saying yes."""
    lines = [f"+ enable {t} on the organization's root (restore disables it again)" for t in to_enable]
    what = {
        RESOURCE_CONTROL: f"deny sts:AssumeRole* on every role of {name} but {bootstrap_role}",
        SERVICE_CONTROL: (
            f"deny every action to every principal of {name} but {bootstrap_role}, open sessions too"
        ),
    }
    for policy_type in CONTROL_TYPES:
        if policy_type not in journal.policies:
            policy = control_policy_name(journal.account_id, policy_type)
            lines.append(f"+ {SHORT[policy_type]} {policy} attached to {name}: {what[policy_type]}")
    return lines


def control_journal_of_policies(
    org: str, name: str, account_id: str, found: list[tuple[str, str, dict[str, str]]]
) -> ControlLock | None:
    """The journal as the account's attached policies tell it ((id, type, tags) each): restore when the local
    file is gone. Only policies this organization's rolegate tagged as locking this account are restore's to
    take away: another tool's, or one tagged for another account or organization, is left alone."""
    journal = ControlLock(name, account_id, Lock(since="(unknown)", by="(unknown: no local journal)"))
    for policy_id, policy_type, tags in found:
        if policy_type not in SHORT or policy_type in journal.policies:
            continue
        if tags.get(CONTROL_LOCK_TAG) == account_id and tags.get(naming.OWNER_TAG) == org:
            journal.policies[policy_type] = policy_id
            if tags.get(CONTROL_ENABLED_TAG) == "yes" and policy_type not in journal.enabled:
                journal.enabled.append(policy_type)
    return journal if journal.policies else None


def types_to_disable(
    journal: ControlLock, attached_elsewhere: dict[str, bool]
) -> tuple[list[str], list[str]]:
    """Which types rolegate enabled and may disable again (no other policy of the type attached anywhere),
    and notes for those it leaves enabled."""
    disable: list[str] = []
    notes: list[str] = []
    for policy_type in journal.enabled:
        if attached_elsewhere.get(policy_type, False):
            notes.append(f"{policy_type} stays enabled: another policy of that type is attached somewhere")
        else:
            disable.append(policy_type)
    return disable, notes
