"""Security findings for the whole organization, from one snapshot: pure checks, stable ids, a fix for each.

Each check names the account and resource, says what is wrong in one line, and what to do. Finding ids are
stable across runs (rule id + account id + resource), so CI can track them and SARIF viewers can match them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rolegate.access.graph import AccessGraph, collector_paused
from rolegate.access.policy import (
    Context,
    Statement,
    action_matches,
    evaluate,
    invalid_trust_statements,
    statements,
    wildcard_match,
)
from rolegate.model import marks
from rolegate.state.snapshot import AccountState, Role, Snapshot
from rolegate.words import plural

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
KEY_MAX_AGE_DAYS = 90
UNUSED_DAYS = 90  # Access Analyzer's default for unused access
ADMIN_POLICIES = frozenset(
    {"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess"}
)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    fix: str


RULES = {
    rule.id: rule
    for rule in (
        Rule("RG001", "root account has access keys", "CRITICAL",
             "delete the root user's access keys; use IAM users or roles"),
        Rule("RG002", "root account has no MFA", "CRITICAL", "enable MFA on the root user"),
        Rule("RG003", "console user without MFA", "HIGH",
             "give the user an MFA device (rolegate mfa enroll, for a hub user)"),
        Rule("RG004", "administrator-equivalent role reachable without MFA", "HIGH",
             "require MFA in the role's trust policy (require_mfa: true), or narrow who reaches it"),
        Rule("RG005", "trust policy open to anyone", "CRITICAL",
             "name the hub account in Principal, or add an aws:PrincipalOrgID condition"),
        Rule("RG006", "trust to an account outside the organization without ExternalId", "HIGH",
             "add a sts:ExternalId condition, or remove the foreign account"),
        Rule("RG007", "hub trust without MFA for an administrator-equivalent role", "HIGH",
             "add Condition Bool aws:MultiFactorAuthPresent true (require_mfa: true)"),
        Rule("RG008", "Allow with NotPrincipal or NotAction", "MEDIUM",
             "list what is allowed instead of what is not"),
        Rule("RG009", "sts:AssumeRole allowed on every role", "MEDIUM",
             "grant exactly the role ARNs (rolegate groups' assume: does)"),
        Rule("RG010", "policy attached to a user directly", "LOW",
             "attach it to a group and put the user in it"),
        Rule("RG011", "inline policy", "LOW", "use a managed policy, reviewed and reusable"),
        Rule("RG012", "access key older than 90 days", "MEDIUM",
             "rotate it: create a new key, switch to it, delete the old one"),
        Rule("RG013", "access key never used", "MEDIUM", "delete it"),
        Rule("RG014", "grant to a role that does not exist", "LOW",
             "create the role (rolegate apply) or remove the grant"),
        Rule("RG015", "grant needs MFA the user does not have", "MEDIUM",
             "give each user named an MFA device (rolegate mfa enroll), or take the grant away"),
        Rule("RG016", "role nobody can reach", "LOW", "delete it, or grant it to whoever needs it"),
        Rule("RG017", "IAM user in an environment account", "MEDIUM",
             "people sign in to the hub and switch role; remove the user or move it to the hub"),
        Rule("RG018", "password policy weaker than rolegate.yaml", "MEDIUM",
             "apply rolegate.yaml's password policy to the hub (rolegate apply)"),
        Rule("RG019", "[default] profile in the local AWS config", "LOW",
             "remove it, so no command runs against an account by accident"),
        Rule("RG020", "account locked down", "MEDIUM",
             "when the incident is over, rolegate restore puts back exactly what was there"),
        Rule("RG021", "user locked out", "MEDIUM",
             "when the incident is over, rolegate restore --user lets them back in"),
        Rule("RG022", "rolegate's principal has an undeclared inline policy granting administrator access",
             "CRITICAL",
             "rolegate apply removes it (declare it under inline_policies: if meant); find who added it"),
        Rule("RG023", "trust policy IAM does not support (NotPrincipal)", "MEDIUM",
             "name who may assume the role in Principal; to keep someone out, use a Deny with a condition "
             "on aws:PrincipalArn"),
        # Escalation (issue 17): HIGH, CRITICAL where the role is in production or the hub's.
        Rule("RG030", "principal can escalate to an administrator-equivalent role", "HIGH",
             "take the IAM permission of the first step away from it, or scope it to resources it should "
             "change (rolegate access --user shows the path)"),
        Rule("RG031", "role not used recently", "LOW",
             "delete it if nobody needs it, or take its trust away (Access Analyzer's unused access)"),
        Rule("RG032", "access key not used recently", "MEDIUM",
             "deactivate it, then delete it if nothing breaks (rolegate keys makes new ones)"),
        # Guardrails (issue 20): a mark is a hint until an SCP keeps it rolegate's.
        Rule("RG033", "rolegate's ownership marks are not protected by an SCP", "MEDIUM",
             "attach the protect-rolegate guardrail to the account or its organizational unit: it lets only "
             "rolegate's role write rolegate:* tags and the /rolegate/ path"),
        Rule("RG034", "member account's root user has credentials while root access is centralized", "HIGH",
             "delete them from the management account (sts:AssumeRoot, no root sign-in) with "
             "`rolegate root delete-credentials` and the account's name"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    account: str  # logical name, or "local"
    account_id: str
    resource: str  # ARN, or a file path for local findings
    message: str
    fix: str
    # The commands that fix it (or show what to fix), each one line a shell runs as it is: every name in
    # them is the finding's own, quoted for the shell, never a placeholder. Empty where no command does it.
    commands: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.rule}|{self.account_id}|{self.resource}".encode()).hexdigest()[:10]
        return f"{self.rule}-{digest}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "title": RULES[self.rule].title,
            "severity": self.severity,
            "account": self.account,
            "account_id": self.account_id,
            "resource": self.resource,
            "message": self.message,
            "fix": self.fix,
            "commands": list(self.commands),
        }


@dataclass
class AuditInput:
    """What the checks look at beyond the snapshot, each optional."""

    hub: str | None = None  # logical name of the hub account (rolegate.yaml's organization.hub)
    wanted_password_policy: dict[str, Any] | None = None  # IAM's PasswordPolicy keys
    aws_config_text: str | None = None
    aws_config_path: str = "~/.aws/config"
    now: dt.datetime | None = None
    # rolegate.yaml's organization.name (whose `rolegate:owner` tags mark rolegate's roles and users; None:
    # any owner tag) and the inline policies it declares, as (kind, principal name, policy name).
    org: str | None = None
    declared_inline: frozenset[tuple[str, str, str]] = frozenset()
    # Unused access: roles and access keys not used in this many days. Production accounts (where an
    # escalation is CRITICAL) by logical name; None: every account whose name contains "prod".
    unused_days: int = UNUSED_DAYS
    production: frozenset[str] | None = None
    # rolegate.yaml's organization.bootstrap_role: rolegate reaches accounts through it and never changes it,
    # so no fix of it says "rolegate apply".
    bootstrap_role: str = "OrganizationAccountAccessRole"
    # rolegate.yaml's organization.root_access ("centralized": member accounts' root users should hold no
    # credentials at all; the management account does their few root tasks through sts:AssumeRoot).
    root_access: str | None = None


def _finding(
    rule: str,
    account: AccountState,
    resource: str,
    message: str,
    severity: str | None = None,
    *,
    fix: str | None = None,
    commands: tuple[str, ...] = (),
) -> Finding:
    r = RULES[rule]
    return Finding(
        rule, severity or r.severity, account.name, account.account_id, resource, message, fix or r.fix,
        commands,
    )  # fmt: skip


# -- fixes: real commands with the finding's own names ----------------------------------------------------


def command(*argv: str) -> str:
    """One shell line: each word quoted, so a name from a snapshot (which nothing validated) stays one word
    and never runs as shell."""
    return shlex.join(argv)


def _in_hub(account: AccountState, extra: AuditInput) -> bool:
    return extra.hub is not None and account.name == extra.hub


def _mfa_fix(names: list[str], account: AccountState, extra: AuditInput) -> tuple[str, tuple[str, ...]]:
    """Hub users get a device from `rolegate mfa enroll`; elsewhere only the account's IAM console does it."""
    who = names[0] if len(names) == 1 else "each of them"  # the message names them all already
    if _in_hub(account, extra):
        enroll = tuple(command("rolegate", "mfa", "enroll", "--user", n) for n in names)
        return f"give {who} an MFA device", enroll
    return (
        f"give {who} an MFA device in {account.name}'s IAM console (Users, Security credentials); "
        "rolegate mfa enroll is for hub users",
        (),
    )


def _keys_fix(name: str, account: AccountState, extra: AuditInput, what: str) -> tuple[str, tuple[str, ...]]:
    if _in_hub(account, extra):
        return what, (command("rolegate", "keys", "list", "--user", name),)
    return f"{what} (in {account.name}, with its IAM console or aws iam)", ()


def _mfa_trust_fix(
    role: Role, account: AccountState, extra: AuditInput, what: str
) -> tuple[str, tuple[str, ...]]:
    """A role rolegate owns is fixed in rolegate.yaml; any other is looked at first."""
    review = command("rolegate", "access", "--role", role.name, "--account", account.name)
    if _rolegates(role.tags, extra.org) and role.name != extra.bootstrap_role:
        return (
            f"set require_mfa: true on roles.{role.name} in rolegate.yaml, then apply it",
            (review, command("rolegate", "apply")),
        )
    return what, (review,)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# -- helpers --------------------------------------------------------------------------------------------


# During one audit (cleared when it ends), keyed by the identity of the snapshot's documents and statements:
_parsed: dict[tuple[int, str], list[Statement]] = {}  # a document (and its label), parsed
_full_iam: dict[int, bool] = {}  # whether a statement grants full IAM


def _statements(document: dict[str, Any] | None, source: str) -> list[Statement]:
    """A document parsed once per audit: an AWS managed policy attached to 500 roles is one document."""
    key = (id(document), source)
    found = _parsed.get(key)
    if found is None:
        found = _parsed[key] = statements(document, source)
    return found


def _role_statements(snapshot: Snapshot, account: AccountState, role: Role) -> list[Statement]:
    out: list[Statement] = []
    for arn in role.managed_policies:
        policy = account.policy_by_arn(arn)
        document = policy.document if policy else snapshot.aws_managed_policies.get(arn)
        out += _statements(document, arn)
    for name, document in role.inline_policies.items():
        out += _statements(document, name)
    return out


def admin_equivalent(snapshot: Snapshot, account: AccountState, role: Role) -> bool:
    """Full access, or full IAM (which grants itself the rest)."""
    if ADMIN_POLICIES & set(role.managed_policies):
        return True
    return any(_grants_full_iam(s) for s in _role_statements(snapshot, account, role))


def _grants_full_iam(stmt: Statement) -> bool:
    found = _full_iam.get(id(stmt))  # a managed policy's statements are shared by every role it is on
    if found is None:
        found = _full_iam[id(stmt)] = (
            stmt.effect == "Allow"
            and stmt.resources is not None
            and "*" in stmt.resources
            and action_matches(stmt, "iam:PutRolePolicy")
            and action_matches(stmt, "iam:AttachRolePolicy")
        )
    return found


def _trust_requires_mfa(stmt: Statement) -> bool:
    return any(
        key.lower() in ("aws:multifactorauthpresent", "aws:multifactorauthage")
        and not operator.endswith("IfExists")
        for operator, key, _ in stmt.conditions
    )


def _has_condition(stmt: Statement, *keys: str) -> bool:
    return any(key.lower() in keys for _, key, _ in stmt.conditions)


def _identity_holders(account: AccountState) -> Iterator[tuple[str, str, list[str], dict[str, Any]]]:
    for u in account.users.values():
        yield "user", u.arn, u.managed_policies, u.inline_policies
    for g in account.groups.values():
        yield "group", g.arn, g.managed_policies, g.inline_policies
    for r in account.roles.values():
        yield "role", r.arn, r.managed_policies, r.inline_policies


def _identity_statements(
    snapshot: Snapshot, account: AccountState, managed: list[str], inline: dict[str, Any]
) -> list[Statement]:
    out: list[Statement] = []
    for arn in managed:
        policy = account.policy_by_arn(arn)
        if policy is not None:  # AWS managed policies are AWS's to fix
            out += _statements(policy.document, policy.name)
    for name, document in inline.items():
        out += _statements(document, name)
    return out


def _report_rows(account: AccountState) -> list[dict[str, str]]:
    return account.credential_report or []


def _date(value: str | None) -> dt.datetime | None:
    if not value or value in ("N/A", "not_supported", "no_information"):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


# -- the checks -----------------------------------------------------------------------------------------


def _root(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    for account in snapshot.accounts.values():
        root = next((r for r in _report_rows(account) if r.get("user") == "<root_account>"), None)
        summary = account.summary or {}
        arn = f"arn:aws:iam::{account.account_id}:root"
        keys = summary.get("AccountAccessKeysPresent") or (
            root is not None and "true" in (root.get("access_key_1_active"), root.get("access_key_2_active"))
        )
        if keys:
            yield _finding("RG001", account, arn, f"the root user of {account.name} has access keys")
        mfa = summary.get("AccountMFAEnabled")
        if mfa is None and root is not None:
            mfa = root.get("mfa_active") == "true"
        if mfa is not None and not mfa and (account.summary is not None or root is not None):
            yield _finding("RG002", account, arn, f"the root user of {account.name} has no MFA device")


def _users(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    now = extra.now or dt.datetime.now(dt.UTC)
    for account in snapshot.accounts.values():
        for row in _report_rows(account):
            name = row.get("user", "")
            if name == "<root_account>":
                continue
            arn = row.get("arn", "")
            if row.get("password_enabled") == "true" and row.get("mfa_active") != "true":
                fix, commands = _mfa_fix([name], account, extra)
                yield _finding(
                    "RG003", account, arn, f"{name} signs in to the console without MFA", fix=fix,
                    commands=commands,
                )  # fmt: skip
            for n in ("1", "2"):
                if row.get(f"access_key_{n}_active") != "true":
                    continue
                rotated = _date(row.get(f"access_key_{n}_last_rotated"))
                used = _date(row.get(f"access_key_{n}_last_used_date"))
                if rotated and (now - rotated).days > KEY_MAX_AGE_DAYS:
                    fix, commands = _keys_fix(
                        name,
                        account,
                        extra,
                        f"rotate {name}'s key {n}: create a new key, switch to it, delete the old one",
                    )
                    yield _finding(
                        "RG012", account, f"{arn}#key{n}",
                        f"{name}'s access key {n} is {(now - rotated).days} days old",
                        fix=fix, commands=commands,
                    )  # fmt: skip
                if used is None and rotated and (now - rotated).days >= 1:
                    fix, commands = _keys_fix(name, account, extra, f"delete {name}'s access key {n}")
                    yield _finding(
                        "RG013", account, f"{arn}#key{n}", f"{name}'s access key {n} was never used",
                        fix=fix, commands=commands,
                    )  # fmt: skip


def _trusts(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    ours = {a.account_id for a in snapshot.accounts.values()}
    hub_id = snapshot.accounts[extra.hub].account_id if extra.hub in snapshot.accounts else None
    for account in snapshot.accounts.values():
        for role in account.roles.values():
            admin = admin_equivalent(snapshot, account, role)
            # IAM does not support NotPrincipal in a role trust policy: an Allow with it admits nobody (the
            # evaluator reads it so), a Deny with it may not keep out whom it was meant to.
            for reason in invalid_trust_statements(role.trust_policy):
                yield _finding("RG023", account, role.arn, f"trust policy of {role.name}, {reason}")
            for stmt in _statements(role.trust_policy, "trust"):
                if stmt.effect != "Allow" or stmt.not_principals is not None:
                    continue
                principals = stmt.principals or ()
                limited = _has_condition(
                    stmt, "aws:principalorgid", "aws:principalaccount", "aws:principalarn", "sts:externalid"
                )
                if "*" in principals and not limited:
                    yield _finding("RG005", account, role.arn, f"{role.name} trusts every AWS principal")
                for p in principals:
                    other = p.split(":")[4] if p.startswith("arn:aws:iam::") else None
                    if other and other not in ours and not _has_condition(stmt, "sts:externalid"):
                        yield _finding(
                            "RG006", account, role.arn,
                            f"{role.name} trusts account {other} (not in the organization), no ExternalId",
                        )  # fmt: skip
                    if admin and hub_id and other == hub_id and not _trust_requires_mfa(stmt):
                        fix, commands = _mfa_trust_fix(role, account, extra, RULES["RG007"].fix)
                        yield _finding(
                            "RG007", account, role.arn,
                            f"{role.name} is administrator-equivalent and trusts the hub without MFA",
                            fix=fix, commands=commands,
                        )  # fmt: skip


def _identity(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    for account in snapshot.accounts.values():
        for kind, arn, managed, inline in _identity_holders(account):
            name = arn.rsplit("/", 1)[-1]
            if kind == "user" and managed:
                yield _finding(
                    "RG010", account, arn, f"user {name} has {len(managed)} policies attached directly"
                )
            for policy in inline:
                if marks.is_lockdown_policy(policy):
                    continue  # the lockdown's own: RG020 / RG021 say so
                yield _finding(
                    "RG011", account, f"{arn}#{policy}", f"{kind} {name} has inline policy {policy}"
                )
            for stmt in _identity_statements(snapshot, account, managed, inline):
                if stmt.effect != "Allow":
                    continue
                if stmt.not_actions is not None:
                    yield _finding("RG008", account, arn, f"{kind} {name}: {stmt.label()} allows NotAction")
                if (
                    stmt.actions is not None
                    and action_matches(stmt, "sts:AssumeRole")
                    and stmt.resources is not None
                    and "*" in stmt.resources
                ):
                    yield _finding(
                        "RG009", account, arn, f"{kind} {name}: {stmt.label()} allows sts:AssumeRole on *"
                    )


class _AdminRoles(dict[str, bool]):
    """Whether each role is admin-equivalent, worked out the first time it is asked."""

    def __init__(self, snapshot: Snapshot, roles: dict[str, tuple[AccountState, Role]]) -> None:
        super().__init__()
        self.snapshot, self.roles = snapshot, roles
        self._by_policies: dict[tuple[Any, ...], bool] = {}

    def __missing__(self, arn: str) -> bool:
        # Roles holding the very same policies answer alike: the AdministratorAccess of 500 accounts' roles
        # is judged once (a customer managed policy's ARN names its account, so it stays apart).
        account, role = self.roles[arn]
        key = (tuple(role.managed_policies), tuple(id(d) for d in role.inline_policies.values()))
        found = self._by_policies.get(key)
        if found is None:
            found = self._by_policies[key] = admin_equivalent(self.snapshot, account, role)
        self[arn] = found
        return found


def _reach(snapshot: Snapshot, extra: AuditInput, graph: AccessGraph) -> Iterator[Finding]:
    """Findings on who reaches what, read from the matrix in its grouped form: each group's cells are judged
    once, then named for each of its principals."""
    graph_roles = graph.roles  # role ARN -> (account, role)
    mfa_users = {
        row.get("arn")
        for account in snapshot.accounts.values()
        for row in _report_rows(account)
        if row.get("mfa_active") == "true"
    }
    reports_read = all(a.credential_report is not None for a in snapshot.accounts.values())
    admin = _AdminRoles(snapshot, graph_roles)
    reached: set[str] = set()
    verdicts: dict[str, tuple[list[str], list[str]]] = {}  # principal ARN -> its group's
    for principals, (with_mfa, without) in graph.groups():
        reached.update(with_mfa, without)
        # admin-equivalent roles reached without MFA; roles a user may assume only with MFA, first hop
        without_mfa = [arn for arn in without if admin[arn]]
        needs_device: list[str] = []
        if reports_read and any(who.arn not in mfa_users for who in principals):
            needs_device = [arn for arn, (_, _, via) in with_mfa.items() if arn not in without and not via]
        for who in principals:
            verdicts[who.arn] = (without_mfa, needs_device)
    # In the snapshot's order: of the findings on one resource, the first user's is the one kept.
    lacking: dict[str, list[str]] = {}  # role ARN -> every user granted it who has no device, in order
    for who in graph.users():
        without_mfa, needs_device = verdicts[who.arn]
        for arn in without_mfa:
            account, role = graph_roles[arn]
            fix, commands = _mfa_trust_fix(role, account, extra, RULES["RG004"].fix)
            yield _finding(
                "RG004", account, arn,
                f"{who.name} ({who.account}) reaches {role.name} in {account.name} without MFA",
                fix=fix, commands=commands,
            )  # fmt: skip
        if who.arn in mfa_users:
            continue
        for arn in needs_device:
            lacking.setdefault(arn, []).append(who.name)
    for arn, names in lacking.items():
        yield _needs_device(snapshot, extra, *graph_roles[arn], names)
    for account in snapshot.accounts.values():
        for role in account.roles.values():
            service_only = all(
                not (s.principals or s.not_principals) for s in _statements(role.trust_policy, "trust")
            )
            if (
                role.arn not in reached
                and not service_only
                and marks.role_lock(role.tags, role.trust_policy, role.inline_policies) is None
                and not role.path.startswith("/aws-service-role/")
            ):
                yield _finding(
                    "RG016", account, role.arn, f"no principal in the snapshot reaches {role.name}"
                )


def _needs_device(
    snapshot: Snapshot, extra: AuditInput, account: AccountState, role: Role, names: list[str]
) -> Finding:
    """RG015, one finding per role naming every user who may assume it only with MFA and has none."""
    hub = snapshot.accounts.get(extra.hub or "", account)
    fix, commands = _mfa_fix(names, hub, extra)
    they = f"{names[0]} has" if len(names) == 1 else f"{len(names)} users have"
    return _finding(
        "RG015", account, role.arn,
        f"{_names(names)} may assume {role.name} in {account.name} only with MFA; {they} no device",
        fix=fix, commands=commands,
    )  # fmt: skip


def _grants(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    ours = {a.account_id: a for a in snapshot.accounts.values()}
    for account in snapshot.accounts.values():
        for kind, arn, managed, inline in _identity_holders(account):
            if kind == "role":
                continue
            for stmt in _identity_statements(snapshot, account, managed, inline):
                if (
                    stmt.effect != "Allow"
                    or stmt.actions is None
                    or not action_matches(stmt, "sts:AssumeRole")
                ):
                    continue
                for pattern in stmt.resources or ():
                    parts = pattern.split(":")
                    if len(parts) < 6 or parts[4] not in ours or "*" in pattern or "?" in pattern:
                        continue
                    target = ours[parts[4]]
                    if not any(wildcard_match(pattern, r.arn) for r in target.roles.values()):
                        yield _finding(
                            "RG014", account, f"{arn}#{pattern}",
                            f"{arn.rsplit('/', 1)[-1]} may assume {pattern}, which does not exist",
                        )  # fmt: skip


def _environment_users(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    if extra.hub is None:
        return
    for account in snapshot.accounts.values():
        if account.name == extra.hub:
            continue
        for user in account.users.values():
            yield _finding(
                "RG017", account, user.arn, f"user {user.name} lives in {account.name}, not the hub"
            )


def _password_policy(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    wanted = extra.wanted_password_policy
    if not wanted or extra.hub not in snapshot.accounts:
        return
    hub = snapshot.accounts[extra.hub]
    if not hub.password_policy_read:
        return
    have = hub.password_policy or {}
    weaker = []
    for key, value in wanted.items():
        current = have.get(key)
        if isinstance(value, bool):
            if value and not current:
                weaker.append(key)
        elif key in ("MinimumPasswordLength", "PasswordReusePrevention"):
            if not current or current < value:
                weaker.append(key)
        elif key == "MaxPasswordAge" and (not current or current > value):
            weaker.append(key)
    if weaker:
        yield _finding(
            "RG018", hub, f"arn:aws:iam::{hub.account_id}:account-password-policy",
            f"the hub's password policy is weaker than rolegate.yaml in {', '.join(weaker)}",
            commands=(command("rolegate", "apply"),),
        )  # fmt: skip


def _lockdowns(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    for account in snapshot.accounts.values():
        locked = [
            (role, lock)
            for role in account.roles.values()
            if (lock := marks.role_lock(role.tags, role.trust_policy, role.inline_policies)) is not None
        ]
        if locked:
            yield _finding(
                "RG020", account, f"arn:aws:iam::{account.account_id}:root",
                f"{account.name} is {locked[0][1].describe()}; {plural(len(locked), 'role')} "
                f"{'denies' if len(locked) == 1 else 'deny'} new sessions",
                commands=(command("rolegate", "restore", account.name),),
            )  # fmt: skip
        for user in account.users.values():
            lock = marks.user_lock(user.tags, user.inline_policies)
            if lock is not None:
                yield _finding(
                    "RG021", account, user.arn, f"user {user.name} is {lock.describe()}",
                    commands=(command("rolegate", "restore", "--user", user.name),),
                )  # fmt: skip


def _local(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    import re

    if extra.aws_config_text and re.search(r"^\s*\[default\]", extra.aws_config_text, re.MULTILINE):
        r = RULES["RG019"]
        yield Finding("RG019", r.severity, "local", "", extra.aws_config_path,
                      f"{extra.aws_config_path} has a [default] profile", r.fix)  # fmt: skip


def _rolegates(tags: dict[str, str], org: str | None) -> bool:
    owner = tags.get("rolegate:owner")
    return owner is not None and (org is None or owner == org)


def _undeclared_admin(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    """An inline policy granting everything (or all of IAM, which grants itself the rest) on a principal
    rolegate owns that rolegate.yaml does not declare: plan, drift and apply were blind to these once, and
    each is a way to keep administrator access through every apply."""
    for account in snapshot.accounts.values():
        holders: list[tuple[str, str, str, dict[str, Any]]] = [
            ("user", u.name, u.arn, u.inline_policies)
            for u in account.users.values()
            if _rolegates(u.tags, extra.org)
        ]
        holders += [
            ("group", g.name, g.arn, g.inline_policies)
            for g in account.groups.values()
            if g.path == "/rolegate/"
        ]
        holders += [
            ("role", r.name, r.arn, r.inline_policies)
            for r in account.roles.values()
            if _rolegates(r.tags, extra.org)
        ]
        for kind, name, arn, inline in holders:
            for policy, document in inline.items():
                if marks.is_lockdown_policy(policy) or (kind, name, policy) in extra.declared_inline:
                    continue
                if any(_grants_full_iam(s) for s in _statements(document, policy)):
                    yield _finding(
                        "RG022", account, f"{arn}#{policy}",
                        f"rolegate's {kind} {name} has inline policy {policy}, not in rolegate.yaml, "
                        "granting administrator access",
                        commands=(command("rolegate", "apply"),),
                    )  # fmt: skip


def _is_production(account: AccountState, extra: AuditInput) -> bool:
    if extra.production is not None:
        return account.name in extra.production
    return "prod" in account.name.lower()


def _escalation(snapshot: Snapshot, extra: AuditInput, graph: AccessGraph) -> Iterator[Finding]:
    """A user who can make itself reach an administrator-equivalent role (access/escalation.py): HIGH, and
    CRITICAL where the role is in production or in the hub. Only paths with at least one escalation step
    count, and only roles the user does not reach as well or better without one."""
    from rolegate.access.escalation import Escalations

    admin = _AdminRoles(snapshot, graph.roles)

    def severity(role_arn: str) -> int:
        if not admin[role_arn]:
            return 0
        account = graph.roles[role_arn][0]
        return 2 if account.name == extra.hub or _is_production(account, extra) else 1

    groups = graph.groups()
    escalations = Escalations(graph)
    escalations.prime(groups)
    plain = {who.arn: group.answer.with_mfa for group in groups for who in group.principals}
    users = graph.users()
    home = {user.arn: snapshot.accounts[user.account] for user in users}
    for who, found in escalations.worst(users, severity).items():
        already = plain.get(who, {}).get(found.role_arn)
        if already is not None and (already[0] is True or found.decision is not True):
            continue  # reached as well without escalating: RG004 / the matrix say so
        account, role = graph.roles[found.role_arn]
        name = who.rsplit("/", 1)[-1]
        yield _finding(
            "RG030", home[who], who,
            f"{name} can make itself reach {role.name} in {account.name}: " + " > ".join(found.via),
            "CRITICAL" if severity(found.role_arn) == 2 else "HIGH",
            fix=f"take the IAM permission of the first step away from {name}, or scope it to resources it "
            "should change",
            commands=(command("rolegate", "access", "--user", name, "--account", account.name),),
        )  # fmt: skip


def _days_since(value: str | None, now: dt.datetime) -> int | None:
    when = _date(value)
    return None if when is None else (now - when).days


def _unused(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    """Access Analyzer's unused access, from what IAM already records: a role not used in N days (GAAD's
    RoleLastUsed), an access key not used in N days (the credential report). A key never used is RG013."""
    now = extra.now or dt.datetime.now(dt.UTC)
    days = extra.unused_days
    for account in snapshot.accounts.values():
        for role in account.roles.values():
            if role.last_used is None or role.path.startswith("/aws-service-role/"):
                continue  # not read, or AWS's own
            since_use = _days_since(role.last_used, now)
            age = _days_since(role.created, now)
            if since_use is not None and since_use > days:
                message = f"role {role.name} in {account.name} was last used {since_use} days ago"
                yield _finding("RG031", account, role.arn, message)
            elif since_use is None and not role.last_used and age is not None and age > days:
                message = f"role {role.name} in {account.name} was never used in its {age} days"
                yield _finding("RG031", account, role.arn, message)
        for row in _report_rows(account):
            name = row.get("user", "")
            if name == "<root_account>":
                continue
            for n in ("1", "2"):
                if row.get(f"access_key_{n}_active") != "true":
                    continue
                since_use = _days_since(row.get(f"access_key_{n}_last_used_date"), now)
                if since_use is not None and since_use > days:
                    fix, commands = _keys_fix(
                        name,
                        account,
                        extra,
                        f"deactivate {name}'s access key {n}, then delete it if nothing breaks",
                    )
                    yield _finding(
                        "RG032", account, f"{row.get('arn', '')}#key{n}",
                        f"{name}'s access key {n} was last used {since_use} days ago",
                        fix=fix, commands=commands,
                    )  # fmt: skip


def declared_inline_policies(config: Any) -> frozenset[tuple[str, str, str]]:
    """(kind, name, policy) for every inline policy rolegate.yaml declares."""
    found: set[tuple[str, str, str]] = set()
    for kind, section in (("role", config.roles), ("group", config.groups), ("user", config.users)):
        for name, entry in section.items():
            found.update((kind, name, policy) for policy in entry.inline_policies)
    return frozenset(found)


# A principal that is neither rolegate's role nor anyone the SCPs could name by policy: "anybody else".
_SOMEONE_ELSE = "rolegate-audit-probe"
_MARK_WRITES = ("iam:TagRole", "iam:TagUser")


def _marks_guarded(levels: list[list[dict[str, Any]]], account_id: str) -> bool:
    """Whether some SCP level certainly denies anybody but rolegate writing a rolegate:* tag in the account
    (an SCP with a condition rolegate cannot decide offline counts as no guard: it cannot be shown)."""
    who = f"arn:aws:iam::{account_id}:role/{_SOMEONE_ELSE}"
    context = Context.of(
        {"aws:PrincipalArn": who, "aws:PrincipalAccount": account_id, "aws:TagKeys": ["rolegate:owner"]},
        absent=["aws:MultiFactorAuthPresent", "aws:ResourceTag/rolegate:owner"],
    )
    level_statements = [
        [st for document in level for st in statements(document, "service control policy")]
        for level in levels
    ]
    return all(
        any(
            evaluate(
                found, action, f"arn:aws:iam::{account_id}:role/administrator", who, account_id, context
            ).denied
            for found in level_statements
        )
        for action in _MARK_WRITES
    )


def _unguarded_marks(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    """RG033: member accounts whose SCPs were read and let anybody with iam:TagRole write rolegate's marks.
    The management account is never limited by an SCP (and is not listed); unread SCPs say nothing."""
    for account in snapshot.accounts.values():
        levels = snapshot.scps.get(account.account_id)
        if not levels or _marks_guarded(levels, account.account_id):
            continue
        yield _finding(
            "RG033", account, f"arn:aws:iam::{account.account_id}:root",
            f"in {account.name}, anybody allowed iam:TagRole or iam:TagUser can write rolegate's ownership "
            f"marks: no SCP over it keeps rolegate:* tags to {extra.bootstrap_role}",
            commands=(command("rolegate", "guardrails", "show", "protect-rolegate"),),
        )  # fmt: skip


def _root_credentials_left(snapshot: Snapshot, extra: AuditInput) -> Iterator[Finding]:
    """RG034: with root access centralized, each member account whose root user, as its credential report
    and summary read, still holds a password, an access key, an MFA device or a signing certificate. The
    hub (the management account) keeps its root user; an account not read says nothing."""
    from rolegate.plan.kinds.root_access import CENTRALIZED, root_credentials

    if extra.root_access != CENTRALIZED:
        return
    management = snapshot.organization.management_account_id if snapshot.organization else None
    for account in snapshot.accounts.values():
        if _in_hub(account, extra) or account.account_id == management:
            continue
        held = root_credentials(account.credential_report, account.summary).held()
        if held:
            yield _finding(
                "RG034", account, f"arn:aws:iam::{account.account_id}:root",
                f"the root user of {account.name} still has {_names(held)}, though root access is "
                "centralized",
                commands=(command("rolegate", "root", "delete-credentials", account.name),),
            )  # fmt: skip


CHECKS: tuple[Callable[[Snapshot, AuditInput], Iterator[Finding]], ...] = (
    _root, _users, _trusts, _identity, _grants, _environment_users, _password_policy, _lockdowns, _local,
    _undeclared_admin, _unused, _unguarded_marks, _root_credentials_left,
)  # fmt: skip


def audit(
    snapshot: Snapshot, extra: AuditInput | None = None, graph: AccessGraph | None = None
) -> list[Finding]:
    """Every finding, most severe first, then by account and resource; each id once. Pass the graph when
    its matrix was computed already: it is read again at no cost."""
    try:
        with collector_paused():  # the graph's caches are millions of objects: a collection costs seconds
            return _audit(snapshot, extra or AuditInput(), graph or AccessGraph(snapshot))
    finally:
        _parsed.clear()  # their keys are ids of the snapshot's objects: valid only while they live
        _full_iam.clear()


def _audit(snapshot: Snapshot, extra: AuditInput, graph: AccessGraph) -> list[Finding]:
    found: dict[str, Finding] = {}
    for check in CHECKS:
        for finding in check(snapshot, extra):
            found.setdefault(finding.id, finding)
    for finding in _reach(snapshot, extra, graph):
        found.setdefault(finding.id, finding)
    for finding in _escalation(snapshot, extra, graph):
        found.setdefault(finding.id, finding)
    order = {name: i for i, name in enumerate(snapshot.accounts)}
    return sorted(
        found.values(),
        key=lambda f: (-SEVERITIES.index(f.severity), order.get(f.account, -1), f.resource, f.rule),
    )


def severity_counts(findings: list[Finding]) -> str:
    """ "4 critical, 1 high, 6 medium"; empty when there is nothing."""
    counts = {s: sum(f.severity == s for f in findings) for s in reversed(SEVERITIES)}
    return ", ".join(f"{n} {s.lower()}" for s, n in counts.items() if n)


def at_or_above(findings: list[Finding], level: str) -> list[Finding]:
    floor = SEVERITIES.index(level.upper())
    return [f for f in findings if SEVERITIES.index(f.severity) >= floor]
