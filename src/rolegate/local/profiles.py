"""The seed's `~/.aws/config` profiles for a user, generated from rolegate.yaml.

Naming: `<org>-<account>-<user>` for each account the user reaches; when they reach several roles in one
account, `<org>-<account>-<user>-<role>`. The hub profile `<org>-<hub>-<user>` is the source of them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rolegate.creds.awsconfig import ROLE_ARN_KEY
from rolegate.model import naming
from rolegate.model.config import Config
from rolegate.model.grants import reached_roles


@dataclass(frozen=True)
class Profile:
    name: str
    settings: dict[str, str] = field(default_factory=dict)

    def render(self, where: str = "an AWS config file") -> str:
        """The section as text; LocalFileError if a name or value would not read back as written."""
        from rolegate.local.ini import check_section

        check_section(f"profile {self.name}", self.settings, profile=self.name, where=where)
        lines = [f"[profile {self.name}]", *(f"{k} = {v}" for k, v in self.settings.items())]
        return "\n".join(lines) + "\n"


def hub_profile_name(config: Config, user: str, prefix: str | None = None) -> str:
    return f"{prefix or config.organization.name}-{config.organization.hub}-{user}"


def role_profile_name(
    config: Config, account: str, user: str, role: str | None, prefix: str | None = None
) -> str:
    """`<org>-<account>-<user>`, and `-<role>` when the user reaches several roles in that account."""
    return f"{prefix or config.organization.name}-{account}-{user}" + (f"-{role}" if role else "")


def user_profiles(
    config: Config,
    user: str,
    prefix: str | None = None,
    *,
    credential_process: str | None = None,
    mfa_serial: str | None = None,
) -> list[Profile]:
    """The hub profile first, then one per role the user reaches, in the file's order of accounts.

    With `credential_process` (the command that runs rolegate), each role profile gets its credentials from
    `<command> credential-process <profile>` — one MFA prompt a day — and names its role `rolegate_role_arn`,
    since an SDK that sees `role_arn` assumes the role itself and never calls the process. `mfa_serial` is
    the user's device when it is known (after `rolegate mfa enroll`); else the serial IAM gives a virtual
    device named after the user.
    """
    org = config.organization
    hub = config.accounts[org.hub]
    source = hub_profile_name(config, user, prefix)
    profiles = [Profile(source, {"region": org.region})]
    for account, role_name, several in reached_roles(config, user):
        role = config.roles[role_name]
        name = role_profile_name(config, account, user, role_name if several else None, prefix)
        role_arn = naming.role_arn(config.accounts[account].id or "", role_name)
        settings = (
            {"credential_process": f"{credential_process} credential-process {name}", ROLE_ARN_KEY: role_arn}
            if credential_process
            else {"role_arn": role_arn}
        )
        settings |= {
            "source_profile": source,
            "role_session_name": user,
            "region": org.region,
        }
        if role.require_mfa and (mfa_serial or hub.id):
            settings["mfa_serial"] = mfa_serial or naming.mfa_arn(hub.id or "", user)
        settings["duration_seconds"] = str(role.max_session_seconds)
        profiles.append(Profile(name, settings))
    return profiles


def render_profiles(profiles: list[Profile]) -> str:
    return "\n".join(p.render() for p in profiles)
