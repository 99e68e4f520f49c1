"""Role profiles as the AWS SDKs read them from `~/.aws/config`, with the standard library only.

rolegate's credentials commands work for the profiles `rolegate profiles` wrote and for any hand-written
role profile. A profile that gets its credentials through `credential_process = rolegate credential-process
…` cannot also carry `role_arn` (the SDKs would assume the role themselves and never call the process), so
there the role is written as `rolegate_role_arn`: the SDKs ignore prefixed keys, as granted's `granted_*`
keys show.
"""

from __future__ import annotations

import configparser
import json
import os
from typing import NamedTuple

ROLE_ARN_KEY = "rolegate_role_arn"


def aws_config_path() -> str:
    # os.path, not pathlib: this is read on the warm path, where every import counts
    return os.path.expanduser(os.environ.get("AWS_CONFIG_FILE") or os.path.join("~", ".aws", "config"))


class RoleProfile(NamedTuple):
    name: str
    role_arn: str | None = None
    source_profile: str | None = None
    mfa_serial: str | None = None
    duration_seconds: int | None = None
    role_session_name: str | None = None
    external_id: str | None = None
    region: str | None = None
    mfa_process: str | None = None  # aws-vault's key: a command that prints the MFA code
    credential_source: str | None = None

    @property
    def is_role(self) -> bool:
        return self.role_arn is not None

    def fingerprint(self) -> str:
        """What cached role credentials were made for; a different value means they no longer fit. The
        settings themselves, not a hash of them: none is secret, and hashlib would slow the warm path."""
        data = self._asdict()
        for key in ("name", "region", "mfa_process"):
            data.pop(key)
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _profile(name: str, section: configparser.SectionProxy) -> RoleProfile:
    def get(key: str) -> str | None:
        value = section.get(key)
        return value.strip() or None if value is not None else None

    duration = get("duration_seconds")
    return RoleProfile(
        name=name,
        role_arn=get("role_arn") or get(ROLE_ARN_KEY),
        source_profile=get("source_profile"),
        mfa_serial=get("mfa_serial"),
        duration_seconds=int(duration) if duration and duration.isdigit() else None,
        role_session_name=get("role_session_name"),
        external_id=get("external_id"),
        region=get("region"),
        mfa_process=get("mfa_process"),
        credential_source=get("credential_source"),
    )


def read_profiles(path: str | os.PathLike[str] | None = None) -> dict[str, RoleProfile]:
    """Every profile of the AWS config file by name; an unreadable or missing file has none."""
    parser = configparser.RawConfigParser(strict=False, default_section="\x00rolegate-no-defaults")
    try:
        with open(path or aws_config_path(), encoding="utf-8") as handle:
            parser.read_string(handle.read())
    except (OSError, UnicodeDecodeError, configparser.Error):
        return {}
    profiles: dict[str, RoleProfile] = {}
    for section in parser.sections():
        if section == "default":
            name = "default"
        elif section.startswith("profile "):
            name = section.removeprefix("profile ").strip()
        else:
            continue
        profiles[name] = _profile(name, parser[section])
    return profiles
