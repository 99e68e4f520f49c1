"""What exists in the accounts, as plain data: read once by collect, then queried offline.

Everything here round-trips through JSON (`rolegate snapshot -o FILE`), and holds no secret: IAM's
authorization details carry no keys or passwords.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rolegate.model import naming

SNAPSHOT_VERSION = 1


@dataclass
class ManagedPolicy:
    """A customer managed policy with its default version's document."""

    name: str
    arn: str
    path: str
    document: dict[str, Any]
    default_version: str = "v1"
    versions: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Role:
    name: str
    arn: str
    path: str
    trust_policy: dict[str, Any]
    managed_policies: list[str] = field(default_factory=list)  # ARNs
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    max_session: int | None = None  # seconds; from ListRoles, which GAAD lacks
    instance_profiles: list[str] = field(default_factory=list)
    permissions_boundary: str | None = None
    # GAAD's RoleLastUsed.LastUsedDate (ISO 8601): "" never used in IAM's tracking window (400 days), None
    # not read (old snapshots). With `created`, the audit's "unused access".
    last_used: str | None = None
    created: str = ""  # CreateDate, ISO 8601, from GAAD


@dataclass
class Group:
    name: str
    arn: str
    path: str
    managed_policies: list[str] = field(default_factory=list)
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class User:
    name: str
    arn: str
    path: str
    groups: list[str] = field(default_factory=list)
    managed_policies: list[str] = field(default_factory=list)
    inline_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    permissions_boundary: str | None = None
    # What GAAD does not show, read in the hub from IAM's credential report (or, for a user the report does
    # not know yet, GetLoginProfile / ListAccessKeys / ListMFADevices). None: not read (old snapshots).
    login_profile: bool | None = None  # a console password exists
    access_keys: int | None = None  # active access keys
    mfa_devices: int | None = None  # MFA devices (the report says only whether there is one: 0 or 1)
    created: str = ""  # CreateDate, ISO 8601, from GAAD
    # Each active access key's last use (ISO 8601; "" never used), key 1 first, from the credential report
    # (or GetAccessKeyLastUsed for a user the report does not know yet). Never the key id. None: not read.
    access_keys_last_used: list[str] | None = None


@dataclass
class AccountState:
    """One account as read. `None` for alias/password policy means "not read"; see the *_read flags."""

    name: str
    account_id: str
    roles: dict[str, Role] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)  # by name
    alias: str | None = None
    alias_read: bool = False
    password_policy: dict[str, Any] | None = None
    password_policy_read: bool = False
    # Read for `snapshot`, `access` and `audit` only (plan does not need them): IAM's credential report
    # (one row per user and the root account: password, MFA, access keys and their use; no secrets), and the
    # account summary (AccountMFAEnabled, AccountAccessKeysPresent for root). None: not read.
    credential_report: list[dict[str, str]] | None = None
    summary: dict[str, int] | None = None

    def members_of(self, group: str) -> list[str]:
        return sorted(u.name for u in self.users.values() if group in u.groups)

    def policy_by_arn(self, arn: str) -> ManagedPolicy | None:
        return next((p for p in self.policies.values() if p.arn == arn), None)


@dataclass
class OrganizationalUnit:
    id: str  # ou-…
    path: str  # Environments/Production
    parent_id: str  # r-… or ou-…
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class ControlPolicy:
    """A service or resource control policy of the organization, with where it is attached."""

    id: str  # p-…
    name: str
    type: str  # SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY
    document: dict[str, Any]
    description: str = ""
    aws_managed: bool = False  # FullAWSAccess, RCPFullAWSAccess: AWS's, never rolegate's
    tags: dict[str, str] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)  # r-…, ou-…, account ids


@dataclass
class OrganizationState:
    """The organization as Organizations tells it, read only when the file shapes it (units, guardrails)."""

    id: str  # o-…
    management_account_id: str
    root_id: str  # r-…
    policy_types: list[str] = field(default_factory=list)  # enabled on the root
    units: dict[str, OrganizationalUnit] = field(default_factory=dict)  # by path, parents first
    parents: dict[str, str] = field(default_factory=dict)  # account id -> r-… or ou-…
    policies: dict[str, ControlPolicy] = field(default_factory=dict)  # by name
    # Centralized root access, read when the file names it: IAM's enabled features and whether Organizations
    # trusts IAM. None: not read, or not readable.
    root_features: list[str] | None = None
    iam_trusted_access: bool | None = None

    def path_of(self, parent_id: str) -> str:
        """A parent id as the file writes it: root, or the unit's path."""
        if parent_id == self.root_id:
            return "root"
        return next((u.path for u in self.units.values() if u.id == parent_id), parent_id)


@dataclass
class Snapshot:
    accounts: dict[str, AccountState] = field(default_factory=dict)  # by logical name
    version: int = SNAPSHOT_VERSION
    taken_at: str = ""
    organization_id: str = ""  # o-…, when Organizations was readable
    # Documents of the AWS managed policies attached anywhere (GAAD's filter leaves them out), by ARN.
    aws_managed_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Service control policies per account id: one list of documents per level (root, OUs, account), each
    # level must allow. Empty: not read, or the organization has none.
    scps: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    # Resource control policies the same way, over the account whose resources they limit (a role's account
    # for sts:AssumeRole). Neither kind limits the management account, which is never listed.
    rcps: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    organization: OrganizationState | None = None  # read when the file declares units or guardrails

    def to_json(self) -> dict[str, Any]:
        # Rows follow the accounts' order in rolegate.yaml; the file's keys are sorted, so it is kept apart.
        return {**asdict(self), "account_order": list(self.accounts)}

    def dumps(self) -> str:
        """The file `rolegate snapshot -o` writes: stable key order, so two snapshots diff cleanly."""
        import json

        return json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        """Every field checked against these dataclasses, every policy against IAM's grammar: a snapshot
        file is anyone's to edit. Raises snapshot_file.SnapshotError (a ValueError) naming the field."""
        from rolegate.state.snapshot_file import snapshot_from_json

        return snapshot_from_json(data)


# -- ownership: the one place that says what rolegate owns --------------------------------------------------


def owns_tagged(tags: dict[str, str], org: str) -> bool:
    """Users and roles: the owner tag names the organization in rolegate.yaml."""
    return tags.get(naming.OWNER_TAG) == org


def owns_path(path: str) -> bool:
    """Groups and customer managed policies carry no tag GAAD returns: rolegate uses its path."""
    return path == naming.OWNED_PATH
