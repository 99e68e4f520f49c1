"""Read every account of the file into one Snapshot, in parallel.

Per account: GetAccountAuthorizationDetails (paginated; users, groups, roles and customer managed policies
with their documents and tags), ListRoles only where rolegate manages roles (GAAD lacks MaxSessionDuration),
ListAccountAliases only where the file sets an alias, and GetAccountPasswordPolicy in the hub only when the
file sets one. A no-op plan of the seed therefore costs 3 calls in a spoke and at most 3 in the hub.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from rolegate.aws.errors import error_code, error_message
from rolegate.errors import AwsError, RolegateError
from rolegate.model import naming
from rolegate.model.iam_shapes import tags_dict
from rolegate.state.snapshot import AccountState, Group, ManagedPolicy, Role, Snapshot, User

GAAD_FILTER = ["User", "Role", "Group", "LocalManagedPolicy"]
DEFAULT_WORKERS = 8
AWS_MANAGED = "arn:aws:iam::aws:policy/"


@dataclass(frozen=True)
class ReadPlan:
    """What to read in one account, beyond GAAD."""

    name: str
    account_id: str
    role_sessions: bool = False  # ListRoles for MaxSessionDuration
    alias: bool = False
    password_policy: bool = False
    audit: bool = False  # the credential report and account summary, for `snapshot`, `access`, `audit`
    # The hub: whether each user has a console password, access keys and MFA (GAAD shows none of them), from
    # IAM's credential report, one call; users it does not know yet are read one by one. `owner`: the
    # organization's name, so that a user rolegate owns whose report row disagrees with its tags is read too.
    logins: bool = False
    owner: str = ""


def _doc(value: Any) -> dict[str, Any]:
    # botocore decodes IAM's URL-encoded JSON already; a raw string can still arrive from other tools.
    if isinstance(value, dict):
        return value
    import json

    return dict(json.loads(unquote(value)))


def _inline(items: Iterable[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {p["PolicyName"]: _doc(p["PolicyDocument"]) for p in items or []}


def read_account(iam: Any, plan: ReadPlan) -> AccountState:
    """One account, through one IAM client already inside it: each read below only where `plan` asks."""
    state = AccountState(name=plan.name, account_id=plan.account_id)
    _read_authorization_details(iam, state)
    if plan.role_sessions:
        _read_role_sessions(iam, state)
    if plan.alias:
        aliases = iam.list_account_aliases().get("AccountAliases", [])
        state.alias, state.alias_read = (aliases[0] if aliases else None), True
    if plan.password_policy:
        state.password_policy, state.password_policy_read = _password_policy(iam), True
    if plan.audit:
        state.summary = {k: int(v) for k, v in iam.get_account_summary()["SummaryMap"].items()}
        state.credential_report = credential_report(iam)
        keys_last_used(state, state.credential_report or [])
    if plan.logins and state.users:
        rows = state.credential_report if plan.audit else cached_credential_report(iam)
        read_logins(iam, state, rows or [], plan.owner)
    return state


def _read_authorization_details(iam: Any, state: AccountState) -> None:
    """Users, groups, roles and customer managed policies, from GetAccountAuthorizationDetails's pages."""
    for page in iam.get_paginator("get_account_authorization_details").paginate(Filter=GAAD_FILTER):
        for detail in page.get("UserDetailList", []):
            state.users[detail["UserName"]] = _user(detail)
        for detail in page.get("GroupDetailList", []):
            state.groups[detail["GroupName"]] = _group(detail)
        for detail in page.get("RoleDetailList", []):
            state.roles[detail["RoleName"]] = _role(detail)
        for detail in page.get("Policies", []):
            policy = _managed_policy(detail)
            state.policies[policy.name] = policy


def _read_role_sessions(iam: Any, state: AccountState) -> None:
    """MaxSessionDuration, which GetAccountAuthorizationDetails leaves out: ListRoles has it."""
    for page in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1000}):
        for r in page.get("Roles", []):
            if r["RoleName"] in state.roles:
                state.roles[r["RoleName"]].max_session = r.get("MaxSessionDuration")


def _password_policy(iam: Any) -> dict[str, Any] | None:
    try:
        policy: dict[str, Any] = iam.get_account_password_policy()["PasswordPolicy"]
    except iam.exceptions.NoSuchEntityException:
        return None
    return policy


def _attached(detail: dict[str, Any]) -> list[str]:
    return [p["PolicyArn"] for p in detail.get("AttachedManagedPolicies", [])]


def _boundary(detail: dict[str, Any]) -> str | None:
    boundary: str | None = (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return boundary


def _user(u: dict[str, Any]) -> User:
    return User(
        name=u["UserName"],
        arn=u["Arn"],
        path=u.get("Path", "/"),
        groups=list(u.get("GroupList", [])),
        managed_policies=_attached(u),
        inline_policies=_inline(u.get("UserPolicyList")),
        tags=tags_dict(u.get("Tags")),
        permissions_boundary=_boundary(u),
        created=_iso(u.get("CreateDate")),
    )


def _group(g: dict[str, Any]) -> Group:
    return Group(
        name=g["GroupName"],
        arn=g["Arn"],
        path=g.get("Path", "/"),
        managed_policies=_attached(g),
        inline_policies=_inline(g.get("GroupPolicyList")),
    )


def _role(r: dict[str, Any]) -> Role:
    return Role(
        name=r["RoleName"],
        arn=r["Arn"],
        path=r.get("Path", "/"),
        trust_policy=_doc(r.get("AssumeRolePolicyDocument") or {}),
        managed_policies=_attached(r),
        inline_policies=_inline(r.get("RolePolicyList")),
        tags=tags_dict(r.get("Tags")),
        instance_profiles=[ip["InstanceProfileName"] for ip in r.get("InstanceProfileList", [])],
        permissions_boundary=_boundary(r),
        last_used=_iso((r.get("RoleLastUsed") or {}).get("LastUsedDate")),
        created=_iso(r.get("CreateDate")),
    )


def _managed_policy(p: dict[str, Any]) -> ManagedPolicy:
    """A customer managed policy with its default version's document."""
    versions = p.get("PolicyVersionList", [])
    default = next((v for v in versions if v.get("IsDefaultVersion")), versions[0] if versions else {})
    name = p.get("PolicyName") or naming.name_from_arn(p["Arn"])  # moto omits PolicyName
    return ManagedPolicy(
        name=name,
        arn=p["Arn"],
        path=p.get("Path", "/"),
        document=_doc(default.get("Document") or {}),
        default_version=p.get("DefaultVersionId", default.get("VersionId", "v1")),
        versions=[v["VersionId"] for v in versions],
        tags=tags_dict(p.get("Tags")),
    )


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")
    return str(value or "")


def _report_date(value: str | None) -> str:
    """A credential report date as ISO 8601; "" for IAM's N/A (never used), no_information and the like."""
    if not value or not value[:1].isdigit():
        return ""
    try:
        return _iso(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return ""


def _row_keys_last_used(row: dict[str, str]) -> list[str]:
    return [
        _report_date(row.get(f"access_key_{n}_last_used_date"))
        for n in ("1", "2")
        if row.get(f"access_key_{n}_active") == "true"
    ]


def keys_last_used(state: AccountState, rows: list[dict[str, str]]) -> None:
    """Each user's active keys' last use, from the report rows that speak of this very user."""
    by_name = {row.get("user", ""): row for row in rows}
    for user in state.users.values():
        row = by_name.get(user.name)
        if row is not None and (
            not user.created or _same_moment(row.get("user_creation_time", ""), user.created)
        ):
            user.access_keys_last_used = _row_keys_last_used(row)


def cached_credential_report(iam: Any, attempts: int = 10) -> list[dict[str, str]] | None:
    """The credential report IAM holds (it keeps one up to 4 hours): one GetCredentialReport when there is
    one; generated only when it is absent or expired. None when it cannot be had (not allowed, not ready)."""
    import csv
    import io
    import time

    for attempt in range(attempts):
        try:
            content = iam.get_credential_report()["Content"]
        except Exception as exc:
            code = error_code(exc)
            if (
                code not in ("ReportNotPresent", "ReportExpired", "ReportInProgress")
                or attempt == attempts - 1
            ):
                return None  # not allowed, or never ready: each user is then read on its own
            try:
                if code != "ReportInProgress":
                    iam.generate_credential_report()
            except Exception:
                return None
            time.sleep(0.2 * (attempt + 1))
            continue
        text = content.decode() if isinstance(content, bytes) else str(content)
        return list(csv.DictReader(io.StringIO(text)))
    return None  # pragma: no cover - the loop returns


def _same_moment(a: str, b: str) -> bool:
    try:
        return dt.datetime.fromisoformat(a.replace("Z", "+00:00")) == dt.datetime.fromisoformat(
            b.replace("Z", "+00:00")
        )
    except ValueError:
        return False


def read_logins(iam: Any, state: AccountState, rows: list[dict[str, str]], owner: str) -> None:
    """Each user's console password, active access keys and MFA devices, onto the snapshot's users.

    From the report where it speaks of this very user (same name and creation time: a user deleted and made
    again is another user) and agrees with what rolegate's tags expect; otherwise from the user's own reads
    (GetLoginProfile, ListAccessKeys, ListMFADevices), so a user created a moment ago, or a password deleted
    since the report was made, is seen as it is now."""
    from rolegate.model import naming

    by_name = {row.get("user", ""): row for row in rows}
    for user in state.users.values():
        row = by_name.get(user.name)
        if (
            row is not None
            and user.created
            and not _same_moment(row.get("user_creation_time", ""), user.created)
        ):
            row = None
        ours = bool(owner) and user.tags.get(naming.OWNER_TAG) == owner
        if row is not None:
            password = row.get("password_enabled") == "true"
            if not ours or password == (user.tags.get("rolegate:console") == "true"):
                user.login_profile = password
                user.access_keys = sum(row.get(f"access_key_{n}_active") == "true" for n in ("1", "2"))
                user.mfa_devices = 1 if row.get("mfa_active") == "true" else 0
                user.access_keys_last_used = _row_keys_last_used(row)
                continue
        user.login_profile = _has_login_profile(iam, user.name)
        keys = iam.list_access_keys(UserName=user.name).get("AccessKeyMetadata", [])
        user.access_keys = sum(k.get("Status") == "Active" for k in keys)
        user.access_keys_last_used = [
            _iso(
                iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])
                .get("AccessKeyLastUsed", {})
                .get("LastUsedDate")
            )
            for k in keys
            if k.get("Status") == "Active"
        ]
        user.mfa_devices = len(iam.list_mfa_devices(UserName=user.name).get("MFADevices", []))


def _has_login_profile(iam: Any, name: str) -> bool:
    try:
        iam.get_login_profile(UserName=name)
    except iam.exceptions.NoSuchEntityException:
        return False
    return True


def credential_report(iam: Any, attempts: int = 20) -> list[dict[str, str]] | None:
    """IAM's credential report as rows (one per user, plus `<root_account>`); None if it cannot be had.
    It holds dates and flags about passwords, MFA and keys, never a secret."""
    import csv
    import io
    import time

    for _ in range(attempts):
        state = iam.generate_credential_report().get("State")
        if state == "COMPLETE":
            break
        time.sleep(0.5)
    try:
        content = iam.get_credential_report()["Content"]
    except Exception:  # not ready or not allowed: the audit says it could not look
        return None
    text = content.decode() if isinstance(content, bytes) else str(content)
    return list(csv.DictReader(io.StringIO(text)))


def aws_managed_documents(iam: Any, snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    """The documents of the AWS managed policies attached anywhere in the snapshot (GAAD leaves them out);
    they are the same in every account, so one account's IAM reads them all."""
    attached: set[str] = set()
    for account in snapshot.accounts.values():
        for holders in (account.users, account.groups, account.roles):
            for holder in holders.values():
                attached.update(
                    a for a in holder.managed_policies if a.startswith("arn:aws:iam::aws:policy/")
                )
    documents: dict[str, dict[str, Any]] = {}
    for arn in sorted(attached):
        try:
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            answer = iam.get_policy_version(PolicyArn=arn, VersionId=version)
        except Exception:  # noqa: S112 - unreadable: access falls back to what it knows of the policy
            continue
        documents[arn] = _doc(answer["PolicyVersion"]["Document"])
    return documents


def collect(
    plans: list[ReadPlan],
    iam_for: Callable[[str], Any],
    *,
    workers: int = DEFAULT_WORKERS,
    on_done: Callable[[ReadPlan], None] | None = None,
) -> Snapshot:
    """Read the accounts in parallel; the first failure (in the file's order) is raised with the account
    named."""
    snapshot, failures = collect_each(plans, iam_for, workers=workers, on_done=on_done)
    if failures:
        raise next(iter(failures.values()))
    return snapshot


def collect_each(
    plans: list[ReadPlan],
    iam_for: Callable[[str], Any],
    *,
    workers: int = DEFAULT_WORKERS,
    on_done: Callable[[ReadPlan], None] | None = None,
    on_failed: Callable[[ReadPlan, AwsError], None] | None = None,
) -> tuple[Snapshot, dict[str, AwsError]]:
    """Read the accounts in parallel, `workers` at a time; an account that cannot be read (bootstrap role
    missing, access denied) is returned as a failure by name, and the others are read all the same."""
    from rolegate.aws.retry import patiently

    def one(plan: ReadPlan) -> AccountState | AwsError:
        try:
            # Reads are safe to repeat: a page throttled past botocore's retries restarts the account.
            state = patiently(lambda: read_account(iam_for(plan.account_id), plan))
        except AwsError as exc:
            error = exc
        except RolegateError:
            raise
        except Exception as exc:
            error = _aws_error(plan, exc)
        else:
            if on_done:
                on_done(plan)
            return state
        if on_failed:
            on_failed(plan, error)
        return error

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(plans)))) as pool:
        read = list(pool.map(one, plans))
    snapshot = Snapshot(
        accounts={s.name: s for s in read if isinstance(s, AccountState)},
        taken_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    failures = {p.name: r for p, r in zip(plans, read, strict=True) if isinstance(r, AwsError)}
    return snapshot, failures


def _aws_error(plan: ReadPlan, exc: Exception) -> AwsError:
    code = error_code(exc, type(exc).__name__)
    message = error_message(exc, str(exc))
    hint = None
    if code in ("AccessDenied", "AccessDeniedException"):
        hint = "the bootstrap role (or your hub credentials) needs iam:GetAccountAuthorizationDetails"
    return AwsError(f"account {plan.name} ({plan.account_id}): reading IAM failed: {code}: {message}", hint)
