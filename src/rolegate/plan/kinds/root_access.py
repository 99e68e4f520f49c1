"""Centralized root access: `organization.root_access: centralized` in the file, a setting of the management
account as IAM keeps it (ListOrganizationsFeatures), aws_iam_organizations_features in Terraform. Pure.

With it on, the management account deletes member accounts' root credentials and runs the few tasks that
need root through short sessions (sts:AssumeRoot), so no member account needs a root password at all.
rolegate only turns it on: a file without `root_access:` leaves the feature as it is, like Terraform leaves
what its configuration does not name (turning it off would hand root passwords back to every account).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rolegate.plan.changes import Call
from rolegate.plan.kinds.base import Edit, edit

ASPECT = "root access"
CENTRALIZED = "centralized"
# IAM's FeatureType enum (ListOrganizationsFeatures' EnabledFeatures), in the order they are turned on.
FEATURES = ("RootCredentialsManagement", "RootSessions")
# Trusted access for IAM in Organizations: EnableOrganizationsRoot* refuse without it
# (ServiceAccessNotEnabledException).
IAM_PRINCIPAL = "iam.amazonaws.com"
ENABLE_TRUSTED_ACCESS = "EnableAWSServiceAccess"
ENABLE = {
    "RootCredentialsManagement": "EnableOrganizationsRootCredentialsManagement",
    "RootSessions": "EnableOrganizationsRootSessions",
}
OPERATIONS = frozenset({ENABLE_TRUSTED_ACCESS, *ENABLE.values()})
# botocore's IAM model (2010-05-08) gives both enables no "already enabled" error: their errors are
# ServiceAccessNotEnabled, AccountNotManagementOrDelegatedAdministrator, OrganizationNotFound,
# OrganizationNotInAllFeaturesMode and CallerIsNotManagementAccount, none of which means "already so". An
# enable of an enabled feature answers with the features as they are (Terraform's
# aws_iam_organizations_features calls them the same way), so a plan made blind tolerates nothing more.
ALREADY_ENABLED: tuple[str, ...] = ()
_SAID = {
    "RootCredentialsManagement": "root credentials management (the management account may delete member "
    "accounts' root credentials)",
    "RootSessions": "root sessions (privileged tasks in member accounts through sts:AssumeRoot)",
}
TERRAFORM_RESOURCE = "aws_iam_organizations_features"


def missing(enabled: list[str] | None) -> list[str]:
    """The features to turn on, in FEATURES' order: all of them when what is enabled could not be read."""
    have = set(enabled or ())
    return [f for f in FEATURES if enabled is None or f not in have]


def update(wanted: str | None, enabled: list[str] | None, trusted_access: bool | None) -> Edit:
    """What makes the organization's root access as the file says. `enabled`: ListOrganizationsFeatures'
    answer (None: not readable); `trusted_access`: whether Organizations lists iam.amazonaws.com (None: not
    readable). Only ever enables: never a Disable call, whatever the accounts hold."""
    if wanted != CENTRALIZED:
        return Edit()
    blind = enabled is None
    todo = missing(enabled)
    if not todo:
        return Edit()
    calls: list[Call] = []
    details: list[str] = []
    if trusted_access is not True:
        # Enabling trusted access that is on already succeeds: planning it when unread costs nothing.
        calls.append(
            Call(ENABLE_TRUSTED_ACCESS, {"ServicePrincipal": IAM_PRINCIPAL}, service="organizations")
        )
        unread = " (if not on already: it could not be read)" if trusted_access is None else ""
        details.append(f"+ trusted access for IAM ({IAM_PRINCIPAL}) in Organizations{unread}")
    for feature in todo:
        calls.append(Call(ENABLE[feature], {}, tolerate=ALREADY_ENABLED if blind else ()))
        unread = " (if not on already: IAM's features could not be read)" if blind else ""
        details.append(f"+ {_SAID[feature]}{unread}")
    return edit(calls, details, ASPECT).with_summary("centralized root access for member accounts")


def imported(enabled: list[str] | None) -> str | None:
    """What IAM holds, as the file's `root_access:`: centralized only when both features are on (one alone
    is not what the file's word means; the plan would turn the other on)."""
    if enabled is not None and all(f in enabled for f in FEATURES):
        return CENTRALIZED
    return None


def service_access_principals(wanted: str | None) -> list[str]:
    """What aws_organizations_organization.aws_service_access_principals must hold for it."""
    return [IAM_PRINCIPAL] if wanted == CENTRALIZED else []


def terraform(
    wanted: str | None, name: str = "root_access", depends_on: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The resource block, in Terraform's JSON syntax, that the export merges into its `resource`: empty
    when the file leaves root access alone. Trusted access is the organization resource's
    aws_service_access_principals (service_access_principals), which the export writes with the rest of
    aws_organizations_organization; `depends_on` names that resource (e.g. "aws_organizations_organization.
    this"), since IAM refuses the features until trusted access is on."""
    if wanted != CENTRALIZED:
        return {}
    body: dict[str, Any] = {"enabled_features": list(FEATURES)}
    if depends_on:
        body["depends_on"] = list(depends_on)
    return {TERRAFORM_RESOURCE: {name: body}}


# -- what a member account's root user holds, as IAM's credential report and account summary say ----------

ROOT_ROW = "<root_account>"  # the credential report's row for the account's root user


@dataclass(frozen=True)
class RootCredentials:
    """A root user's credentials as read. `password` is None when unknown: AWS's credential report writes
    `not_supported` in the root row's password_enabled (only a root session's GetLoginProfile can tell), so
    a password is named only where the report says true."""

    password: bool | None = None
    access_keys: int = 0  # active ones
    mfa: bool = False
    certificates: int = 0  # active signing certificates
    read: bool = False  # a report row or an account summary was there to read

    @property
    def any(self) -> bool:
        return bool(self.password or self.access_keys or self.mfa or self.certificates)

    def held(self) -> list[str]:
        """What it holds, as people say it: ["a password", "2 access keys", "an MFA device"]."""
        out = ["a password"] if self.password else []
        if self.access_keys:
            out.append("an access key" if self.access_keys == 1 else f"{self.access_keys} access keys")
        if self.mfa:
            out.append("an MFA device")
        if self.certificates:
            out.append(
                "a signing certificate"
                if self.certificates == 1
                else f"{self.certificates} signing certificates"
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "password": self.password,
            "access_keys": self.access_keys,
            "mfa": self.mfa,
            "signing_certificates": self.certificates,
            "read": self.read,
        }


def root_credentials(rows: list[dict[str, str]] | None, summary: dict[str, int] | None) -> RootCredentials:
    """The root row of a credential report, with GetAccountSummary's AccountAccessKeysPresent and
    AccountMFAEnabled where the report has no root row (moto's has none)."""
    row = next((r for r in rows or () if r.get("user") == ROOT_ROW), None)
    summary = summary or {}
    if row is None and not summary:
        return RootCredentials()
    row = row or {}
    password = {"true": True, "false": False}.get(row.get("password_enabled", ""))
    keys = sum(row.get(f"access_key_{n}_active") == "true" for n in "12")
    if not keys and summary.get("AccountAccessKeysPresent"):
        keys = 1  # the summary says only whether there are any
    certificates = sum(row.get(f"cert_{n}_active") == "true" for n in "12")
    mfa = row.get("mfa_active") == "true" or bool(summary.get("AccountMFAEnabled"))
    return RootCredentials(password, keys, mfa, certificates, read=True)
