"""Lock one person out everywhere, and let them back in: what to change, decided from the hub's state. Pure.

A person's way in is their hub user: access keys, a console password, and the sessions made from those.
Lockout deactivates the keys (not deleted: restore reactivates the very same ones), removes the login
profile, and puts an inline `RolegateLockdown` policy denying every action, which ends their sessions too:
IAM evaluates a user's policies on every call made with the user's session tokens and console sessions.
Role sessions they assumed earlier carry the role's permissions, not the user's: each role they reached (the
access graph's answer, before the lockout) gets an inline `RolegateLockdown-<user>` denying everything to
sessions issued before the lockout. IAM cannot tell whose session is whose (the session name is the
caller's choice), so everyone's older sessions on those roles end: they assume the role again, the person
locked out cannot.

A password cannot be journaled (IAM never returns it): restore gives the person a new one-time password
that must be changed at first sign-in, shown once like apply's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rolegate.model.iam_shapes import tag_list
from rolegate.model.marks import (
    POLICY_NAME,
    SID,
    Lock,
    UserRecord,
    encode_tags,
    fingerprint,
    is_lockdown_policy,
    journal_tags,
    room_for_tags,
    user_record_from_tags,
)
from rolegate.plan.changes import GENERATED_PASSWORD, Call
from rolegate.respond.journal import Journal
from rolegate.respond.lockdown import (
    JOURNAL_CHANGE,
    UNTAG_SUMMARY,
    Decided,
    Difference,
    policy_changes,
    revoke_document,
)
from rolegate.state.snapshot import AccountState, Role, User

DENY_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": SID, "Effect": "Deny", "Action": "*", "Resource": "*"}],
}


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def revoke_policy_name(user: str) -> str:
    return f"{POLICY_NAME}-{user}"


def short_key(key_id: str) -> str:
    """Key ids are not secret, but people know them by their end: AKIA…WXYZ."""
    return f"{key_id[:4]}…{key_id[-4:]}"


def user_record(user: User, access_keys: dict[str, str], login_profile: bool) -> UserRecord:
    inline = {k: v for k, v in user.inline_policies.items() if not is_lockdown_policy(k)}
    return UserRecord(
        name=user.name,
        arn=user.arn,
        access_keys=dict(sorted(access_keys.items())),
        login_profile=login_profile,
        groups=sorted(user.groups),
        managed_policies=sorted(user.managed_policies),
        inline_policies={k: fingerprint(v) for k, v in sorted(inline.items())},
    )


def journal_of_user(hub: AccountState, user: User) -> Journal | None:
    found = user_record_from_tags(user.tags)
    if found is None:
        return None
    return Journal("user", hub.name, hub.account_id, found[0], [], {}, found[1])


def plan_user_lockdown(
    hub: AccountState,
    user: User,
    *,
    access_keys: dict[str, str],
    login_profile: bool,
    lock: Lock,
    reached: Sequence[tuple[str, str, Role]] = (),
    previous: Journal | None = None,
    bootstrap_role: str = "",
) -> Decided:
    """Keys off, password gone, deny all, older sessions on the roles they `reached` (account, id, role)
    ended. A rerun keeps the first journal (the keys that were active then, the roles they reached)."""
    found = previous or journal_of_user(hub, user)
    record = found.user if found is not None and found.user is not None else None
    if found is not None:
        lock = found.lock
    if record is None:
        record = user_record(user, access_keys, login_profile)
        record.revoked_roles = sorted([name, account_id, role.name] for name, account_id, role in reached)
    journal = Journal("user", hub.name, hub.account_id, lock, [], {}, record)
    decided = Decided(journal)
    wanted_tags = encode_tags(lock, record)
    if journal_tags(user.tags) != wanted_tags:
        if room_for_tags(user.tags, wanted_tags):
            tags = tag_list(wanted_tags)
            call = Call("TagUser", {"UserName": user.name, "Tags": tags})
            summary = f"{user.name}'s keys and sign-in into the user's tags, before any change"
            decided.update(hub.name, hub.account_id, "account", JOURNAL_CHANGE, summary, (), [call])
        else:
            record.in_account = False
            decided.notes.append(f"user {user.name} has no room for the journal tags: local journal only")
    calls: list[Call] = []
    details: list[str] = []
    for key_id, status in sorted(access_keys.items()):
        if status == "Active":
            calls.append(
                Call("UpdateAccessKey", {"UserName": user.name, "AccessKeyId": key_id, "Status": "Inactive"})
            )
            details.append(f"- access key {short_key(key_id)} deactivated (kept, restore reactivates it)")
    if login_profile:
        calls.append(Call("DeleteLoginProfile", {"UserName": user.name}))
        details.append("- console password removed (restore sets a new one-time password)")
    if POLICY_NAME not in user.inline_policies:
        calls.append(
            Call(
                "PutUserPolicy",
                {"UserName": user.name, "PolicyName": POLICY_NAME, "PolicyDocument": _json(DENY_ALL)},
            )
        )
        details.append(f"+ inline {POLICY_NAME}: deny all (their open sessions end with it)")
    if calls:
        decided.update(hub.name, hub.account_id, "user", user.name, "locked out", details, calls)
    name = revoke_policy_name(user.name)
    document = _json(revoke_document(lock.since))
    # In each account the bootstrap role last: its revoke ends rolegate's own session there too.
    in_order = sorted(reached, key=lambda r: (r[0], r[2].name == bootstrap_role, r[2].name))
    for account, account_id, role in in_order:
        if name in role.inline_policies:
            continue
        call = Call("PutRolePolicy", {"RoleName": role.name, "PolicyName": name, "PolicyDocument": document})
        detail = (
            f"+ inline {name}: deny all to sessions issued before {lock.since} (everyone's: IAM cannot tell)"
        )
        decided.update(
            account, account_id, "role", role.name, f"{user.name}'s sessions end", [detail], [call]
        )
    return decided


def compare_user(journal: Journal, user: User | None, access_keys: dict[str, str]) -> list[Difference]:
    record = journal.user
    assert record is not None
    if user is None:
        return [Difference(record.name, "deleted during the lockout")]
    found: list[Difference] = []
    new_keys = sorted(set(access_keys) - set(record.access_keys))
    if new_keys:
        found.append(
            Difference(
                record.name,
                "access keys created during the lockout",
                tuple(f"+ access key {short_key(k)} ({access_keys[k]})" for k in new_keys),
            )
        )
    lines = [f"+ in group {g}" for g in sorted(set(user.groups) - set(record.groups))]
    lines += [f"- from group {g}" for g in sorted(set(record.groups) - set(user.groups))]
    lines += policy_changes(
        record.managed_policies, user.managed_policies, record.inline_policies, user.inline_policies, {}
    )
    if lines:
        found.append(Difference(record.name, "permissions changed during the lockout", tuple(lines)))
    return found


def plan_user_restore(
    journal: Journal, user: User, *, access_keys: dict[str, str], login_profile: bool
) -> Decided:
    record = journal.user
    assert record is not None
    decided = Decided(journal)
    calls: list[Call] = []
    details: list[str] = []
    for key_id, status in sorted(record.access_keys.items()):
        if status == "Active" and access_keys.get(key_id) == "Inactive":
            calls.append(
                Call("UpdateAccessKey", {"UserName": user.name, "AccessKeyId": key_id, "Status": "Active"})
            )
            details.append(f"+ access key {short_key(key_id)} active again")
        elif status == "Active" and key_id not in access_keys:
            decided.notes.append(
                f"access key {short_key(key_id)} was deleted during the lockout: not restored"
            )
    if record.login_profile and not login_profile:
        calls.append(
            Call(
                "CreateLoginProfile",
                {"UserName": user.name, "Password": GENERATED_PASSWORD, "PasswordResetRequired": True},
                tolerate=("EntityAlreadyExists",),
            )
        )
        details.append("+ console sign-in with a new one-time password (IAM never returns the old one)")
    if POLICY_NAME in user.inline_policies:
        calls.append(Call("DeleteUserPolicy", {"UserName": user.name, "PolicyName": POLICY_NAME}))
        details.append(f"- inline {POLICY_NAME}")
    if calls:
        decided.update(journal.account, journal.account_id, "user", user.name, "let back in", details, calls)
    name = revoke_policy_name(user.name)
    for account, account_id, role in record.revoked_roles:
        # Deleting what is gone already is tolerated: a role deleted meanwhile, or a rerun.
        call = Call("DeleteRolePolicy", {"RoleName": role, "PolicyName": name})
        decided.update(account, account_id, "role", role, "open again", [f"- inline {name}"], [call])
    keys = sorted(journal_tags(user.tags))
    if keys:
        call = Call("UntagUser", {"UserName": user.name, "TagKeys": keys})
        decided.update(
            journal.account, journal.account_id, "account", JOURNAL_CHANGE, UNTAG_SUMMARY, (), [call]
        )
    return decided
