"""The hub's account password policy: `organization.password_policy` in the file,
UpdateAccountPasswordPolicy's parameters in IAM, aws_iam_account_password_policy in Terraform. Pure.

One table names each field in all three spellings: compile, plan, the Terraform export and `rolegate import`
read it, so a new field is one line here (and one in model/config.py's PasswordPolicy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rolegate.model.config import PasswordPolicy
from rolegate.plan.changes import Call
from rolegate.plan.kinds.base import Edit, edit

ASPECT = "password policy"
OPERATIONS = frozenset({"UpdateAccountPasswordPolicy"})
# The provider's fixed import id for the account's one password policy (an id, not a password).
TERRAFORM_IMPORT_ID = "iam-account-password-policy"


@dataclass(frozen=True)
class Field:
    config: str  # PasswordPolicy's field in rolegate.yaml
    iam: str  # UpdateAccountPasswordPolicy's parameter (and GetAccountPasswordPolicy's key)
    terraform: str  # aws_iam_account_password_policy's argument
    optional: bool = False  # left out when unset; IAM reads 0 (or nothing) as "off"


# In the file's order (rolegate import writes them so).
FIELDS = (
    Field("minimum_length", "MinimumPasswordLength", "minimum_password_length"),
    Field("require_symbols", "RequireSymbols", "require_symbols"),
    Field("require_numbers", "RequireNumbers", "require_numbers"),
    Field("require_uppercase", "RequireUppercaseCharacters", "require_uppercase_characters"),
    Field("require_lowercase", "RequireLowercaseCharacters", "require_lowercase_characters"),
    Field("max_age_days", "MaxPasswordAge", "max_password_age", optional=True),
    Field("reuse_prevention", "PasswordReusePrevention", "password_reuse_prevention", optional=True),
    Field("allow_users_to_change_password", "AllowUsersToChangePassword", "allow_users_to_change_password"),
    Field("hard_expiry", "HardExpiry", "hard_expiry"),
)
# What IAM leaves out of GetAccountPasswordPolicy when it is off, while the file's default is on.
_ON_BY_DEFAULT = frozenset({"require_symbols", "require_numbers", "require_uppercase", "require_lowercase"})


def compile_params(policy: PasswordPolicy) -> dict[str, Any]:
    """The file's policy as UpdateAccountPasswordPolicy's parameters (the optional ones last)."""
    params = {f.iam: getattr(policy, f.config) for f in FIELDS if not f.optional}
    for f in FIELDS:
        if f.optional and getattr(policy, f.config) is not None:
            params[f.iam] = getattr(policy, f.config)
    return params


def update(want: dict[str, Any] | None, have: dict[str, Any] | None, read: bool) -> Edit:
    """Create or update: the parameters that differ, each as `Key: old → new`."""
    if not want or not read:
        return Edit()
    current = have or {}
    changed = [
        f"{key}: {current.get(key, '(unset)')} → {value}"
        for key, value in want.items()
        if current.get(key) != value
    ]
    if not changed:
        return Edit()
    return edit([Call("UpdateAccountPasswordPolicy", dict(want))], changed if have else [], ASPECT)


def terraform(params: dict[str, Any]) -> dict[str, Any]:
    by_iam = {f.iam: f.terraform for f in FIELDS}
    return {by_iam[key]: value for key, value in params.items()}


def imported(policy: dict[str, Any]) -> dict[str, Any]:
    """What IAM holds, as the file's `password_policy:` (in the file's order)."""
    out: dict[str, Any] = {}
    for f in FIELDS:
        if f.optional and not policy.get(f.iam):
            continue  # 0 is "off": AWS leaves the key out then, moto says 0; the file leaves it out too
        if f.iam in policy:
            out[f.config] = policy[f.iam]
        elif f.config in _ON_BY_DEFAULT:
            out[f.config] = False  # IAM leaves out what is off; the file's default is on
    return out
